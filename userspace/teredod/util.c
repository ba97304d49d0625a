// SPDX-License-Identifier: GPL-2.0
/*
 * Pure helpers of teredod (no netlink), unit-tested by test_teredod.
 */
#include <stdio.h>
#include <time.h>

#include "util.h"

int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * An age in milliseconds as seconds with one decimal, rounded to the
 * nearest tenth: 0 -> "0.0", 1234 -> "1.2", 1250 -> "1.3". Returns buf.
 */
const char *fmt_age(char *buf, size_t size, uint64_t ms)
{
	unsigned long long tenths = ms / 100 + (ms % 100 >= 50);

	snprintf(buf, size, "%llu.%llu", tenths / 10, tenths % 10);
	return buf;
}

/*
 * Length of the well-formed UTF-8 sequence (RFC 3629) that s starts with,
 * 0 if it is not one: overlong forms, surrogates, code points above
 * U+10FFFF and truncated sequences are refused. Never reads past a NUL.
 */
static size_t utf8_len(const unsigned char *s)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;

	if (s[0] == 0xe0)
		lo = 0xa0;	/* overlong */
	else if (s[0] == 0xed)
		hi = 0x9f;	/* surrogates */
	else if (s[0] == 0xf0)
		lo = 0x90;	/* overlong */
	else if (s[0] == 0xf4)
		hi = 0x8f;	/* above U+10FFFF */

	for (i = 1; i < n; i++) {
		if (s[i] < lo || s[i] > hi)
			return 0;
		lo = 0x80;
		hi = 0xbf;
	}
	return n;
}

/*
 * Print s as a JSON string, quotes included (RFC 8259): '"', '\' and
 * control characters are escaped, well-formed UTF-8 is copied, and each
 * byte that is not part of well-formed UTF-8 becomes U+FFFD, so the output
 * is valid JSON whatever the bytes (interface names need not be UTF-8).
 */
void json_print_str(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n;

	putc('"', f);
	while (*s) {
		switch (*s) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\b':
			fputs("\\b", f);
			break;
		case '\f':
			fputs("\\f", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (*s < 0x20) {
				fprintf(f, "\\u%04x", *s);
				break;
			}
			n = utf8_len(s);
			if (!n) {
				fputs("\\ufffd", f);
				break;
			}
			fwrite(s, 1, n, f);
			s += n;
			continue;
		}
		s++;
	}
	putc('"', f);
}
