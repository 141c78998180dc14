/* SPDX-License-Identifier: Apache-2.0 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "format.h"
#include "macro.h"

const char *format_bytes(char buf[static FORMAT_BYTES_MAX], uint64_t bytes) {
	static const struct {
		const char *suffix;
		uint64_t factor;
	} units[] = {
		{ "E", UINT64_C(1) << 60 },
		{ "P", UINT64_C(1) << 50 },
		{ "T", UINT64_C(1) << 40 },
		{ "G", UINT64_C(1) << 30 },
		{ "M", UINT64_C(1) << 20 },
		{ "K", UINT64_C(1) << 10 },
	};

	for (size_t i = 0; i < ELEMENTSOF(units); i++)
		if (bytes >= units[i].factor) {
			/* Rounded down, as systemd does: 1.99K prints as 1.9K. The
			 * remainder is below 2^60, so ten times it fits. */
			snprintf(buf, FORMAT_BYTES_MAX, "%" PRIu64 ".%" PRIu64 "%s",
			         bytes / units[i].factor,
			         (bytes % units[i].factor) * 10 / units[i].factor,
			         units[i].suffix);
			return buf;
		}

	snprintf(buf, FORMAT_BYTES_MAX, "%" PRIu64 "B", bytes);
	return buf;
}

const char *format_timespan(char buf[static FORMAT_TIMESPAN_MAX], uint64_t usec) {
	static const struct {
		const char *suffix;
		uint64_t usec;
	} units[] = {
		{ "w", 7 * 24 * 3600 * USEC_PER_SEC },
		{ "d", 24 * 3600 * USEC_PER_SEC },
		{ "h", 3600 * USEC_PER_SEC },
		{ "min", 60 * USEC_PER_SEC },
		{ "s", USEC_PER_SEC },
		{ "ms", 1000 },
	};
	size_t shown = 0, len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < ELEMENTSOF(units) && shown < 2; i++) {
		uint64_t n = usec / units[i].usec;

		if (n == 0) {
			/* Two units side by side or none: "1h 5s" would hide the minutes. */
			if (shown > 0)
				break;
			continue;
		}
		/* Milliseconds only for spans under a second. */
		if (units[i].usec < USEC_PER_SEC && shown > 0)
			break;
		len += snprintf(buf + len, FORMAT_TIMESPAN_MAX - len, "%s%" PRIu64 "%s",
		                shown > 0 ? " " : "", n, units[i].suffix);
		usec -= n * units[i].usec;
		shown++;
	}

	if (shown == 0)
		snprintf(buf, FORMAT_TIMESPAN_MAX, "0s");
	return buf;
}
