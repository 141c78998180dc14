/* SPDX-License-Identifier: Apache-2.0 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "log.h"

int log_max_level = LOG_INFO;

int log_internal(int level, int error, const char *format, ...) {
	char line[1024];
	va_list ap;

	/* %m in the format prints strerror of the error we were given. */
	errno = abs(error);
	va_start(ap, format);
	vsnprintf(line, sizeof(line), format, ap);
	va_end(ap);

	/* The journal turns the prefix back into a level; a person at a
	 * terminal would only read it as noise. */
	if (isatty(STDERR_FILENO))
		fprintf(stderr, "%s\n", line);
	else
		fprintf(stderr, "<%d>%s\n", level, line);
	return -abs(error);
}

int log_level_from_string(const char *s) {
	static const char *const names[] = {
		[LOG_EMERG] = "emerg",  [LOG_ALERT] = "alert", [LOG_CRIT] = "crit",
		[LOG_ERR] = "err",      [LOG_WARNING] = "warning",
		[LOG_NOTICE] = "notice", [LOG_INFO] = "info",  [LOG_DEBUG] = "debug",
	};

	for (size_t i = 0; i < ELEMENTSOF(names); i++)
		if (strcasecmp(s, names[i]) == 0)
			return (int) i;
	if (strcasecmp(s, "error") == 0)
		return LOG_ERR;
	return -EINVAL;
}
