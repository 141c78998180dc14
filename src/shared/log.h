/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Logging to stderr with syslog priority prefixes ("<3>"), which the journal
 * turns back into levels; on a terminal, without them. Errors are negative errno values: the *_errno()
 * forms log with %m set from the error and return it, so a failure is logged
 * once where its context is richest and then passed up:
 *
 *     return log_error_errno(r, "Failed to bind %s: %m", address);
 */

#include <syslog.h>

#include "macro.h"

extern int log_max_level;

int log_internal(int level, int error, const char *format, ...) _printf_(3, 4);
int log_level_from_string(const char *s);

#define log_full_errno(level, error, ...)                                  \
	({                                                                 \
		int _l = (level), _e = (error);                            \
		_l <= log_max_level ? log_internal(_l, _e, __VA_ARGS__)   \
		                    : -abs(_e);                            \
	})

#define log_debug(...) log_full_errno(LOG_DEBUG, 0, __VA_ARGS__)
#define log_info(...) log_full_errno(LOG_INFO, 0, __VA_ARGS__)
#define log_notice(...) log_full_errno(LOG_NOTICE, 0, __VA_ARGS__)
#define log_warning(...) log_full_errno(LOG_WARNING, 0, __VA_ARGS__)
#define log_error(...) log_full_errno(LOG_ERR, 0, __VA_ARGS__)

#define log_debug_errno(e, ...) log_full_errno(LOG_DEBUG, e, __VA_ARGS__)
#define log_info_errno(e, ...) log_full_errno(LOG_INFO, e, __VA_ARGS__)
#define log_warning_errno(e, ...) log_full_errno(LOG_WARNING, e, __VA_ARGS__)
#define log_error_errno(e, ...) log_full_errno(LOG_ERR, e, __VA_ARGS__)
