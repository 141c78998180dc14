/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Small helpers every file uses: scope-bound cleanup and a few idioms.
 * Cleanup functions follow one rule: they accept the "empty" value (NULL,
 * -1) and do nothing for it, so a variable can always be marked for
 * cleanup at its declaration.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _likely_(x) __builtin_expect(!!(x), 1)
#define _unlikely_(x) __builtin_expect(!!(x), 0)

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

static inline void freep(void *p) {
	free(*(void **) p);
}
#define _cleanup_free_ _cleanup_(freep)

/* free() that returns NULL, to clear what it freed in one go. */
static inline void *mfree(void *p) {
	free(p);
	return NULL;
}

static inline int safe_close(int fd) {
	if (fd >= 0) {
		int saved = errno;
		(void) close(fd);
		errno = saved;
	}
	return -1;
}

static inline void closep(int *fd) {
	safe_close(*fd);
}
#define _cleanup_close_ _cleanup_(closep)

/* Hands ownership of *p to the caller and leaves the empty value behind. */
#define TAKE_PTR(p) ({ __typeof__(p) _p = (p); (p) = NULL; _p; })
#define TAKE_FD(fd) ({ int _fd = (fd); (fd) = -1; _fd; })

/* Defines fooptr cleanup for a type whose free function returns NULL. */
#define DEFINE_POINTER_CLEANUP(type, func)                    \
	static inline void func##p(type **p) {                \
		if (*p)                                       \
			func(*p);                             \
	}

static inline const char *strna(const char *s) {
	return s ?: "n/a";
}

static inline const char *strempty(const char *s) {
	return s ?: "";
}

static inline bool isempty_str(const char *s) {
	return !s || *s == '\0';
}

/* A sentence that has its full stop already. */
static inline bool ends_sentence(const char *s) {
	size_t n = s ? strlen(s) : 0;

	return n > 0 && (s[n - 1] == '.' || s[n - 1] == '?' || s[n - 1] == '!');
}

#define USEC_PER_SEC 1000000ULL
#define USEC_PER_MSEC 1000ULL
#define NSEC_PER_USEC 1000ULL
