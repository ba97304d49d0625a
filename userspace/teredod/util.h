/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pure helpers of teredod (no netlink), unit-tested by test_teredod.
 */
#ifndef TEREDOD_UTIL_H
#define TEREDOD_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* "18446744073709551.6" and its NUL fit */
#define AGE_BUFSZ	24

/* CLOCK_MONOTONIC in milliseconds */
int64_t now_ms(void);

const char *fmt_age(char *buf, size_t size, uint64_t ms);
void json_print_str(FILE *f, const char *s);

#endif /* TEREDOD_UTIL_H */
