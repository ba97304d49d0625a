/* SPDX-License-Identifier: GPL-2.0 */
/*
 * teredod's log: stderr in the foreground (-f), syslog otherwise.
 */
#ifndef TEREDOD_LOG_H
#define TEREDOD_LOG_H

#include <stdbool.h>
#include <syslog.h>

/* @to_stderr: foreground; @facility: LOG_DAEMON etc.; @verbose: debug */
void log_open(bool to_stderr, int facility, bool verbose);
void log_close(void);
/* SyslogFacility changed (SIGHUP) */
void log_set_facility(int facility);
/* a warning, as is (conf_set_warn()'s callback) */
void log_warn_str(const char *msg);
void log_msg(int prio, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_err(...)	log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_WARNING, __VA_ARGS__)
#define log_notice(...)	log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...)	log_msg(LOG_DEBUG, __VA_ARGS__)

#endif /* TEREDOD_LOG_H */
