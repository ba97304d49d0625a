/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the unit-test programs share: "ok DESC" / "not ok DESC" lines
 * (check.sh numbers them as TAP) and test data helpers.
 */
#ifndef TEREDOD_TEST_LIB_H
#define TEREDOD_TEST_LIB_H

#include <stdbool.h>
#include <netinet/in.h>

/* 1 once a check failed: the program's exit status */
extern int failed;

void result(bool ok, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* an IPv6 address of the test data (exits 2 if it is not one) */
struct in6_addr in6(const char *s);

#endif /* TEREDOD_TEST_LIB_H */
