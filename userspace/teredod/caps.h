/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Privileges: keep only the capabilities teredod needs.
 */
#ifndef TEREDOD_CAPS_H
#define TEREDOD_CAPS_H

#include <stdint.h>

/*
 * Drop every capability but those in @keep (a mask of 1ULL << CAP_*), from
 * the effective, permitted, inheritable and bounding sets, so that neither
 * teredod nor what it runs (the hook) can get them back. Returns 0 or -1
 * with errno set. Does nothing (returns 0) when not privileged.
 */
int caps_keep(uint64_t keep);

#endif /* TEREDOD_CAPS_H */
