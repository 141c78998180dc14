/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Many reads or writes of one fd for the price of one system call.
 *
 * A TAP device hands out one frame per read and takes one per write, and
 * has no recvmmsg or sendmmsg, so a forwarder pays a system call per
 * frame; on a VM with page-table isolation that entry and exit costs about
 * as much as the TAP's own work. BatchIO issues a whole batch through an
 * io_uring and waits for all of it in one io_uring_enter(). The fd is
 * non-blocking and each operation is marked RWF_NOWAIT, so every one
 * completes at once, in order: a read gives a frame, or -EAGAIN once the
 * device is empty. Nothing stays in flight between calls, so the ring is
 * a way of making system calls, not a second event loop.
 *
 * Where io_uring is missing or refused (an old kernel, a seccomp filter,
 * kernel.io_uring_disabled), or an fd cannot promise not to block, the
 * same calls make one system call per frame.
 *
 * One BatchIO serves a whole (single-threaded) process: batchio_acquire()
 * hands out references to it.
 */

#include <stdbool.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "macro.h"

/* Operations per call, at most. */
#define BATCHIO_MAX_OPS 64U

typedef struct BatchIO BatchIO;

/* try_uring false: the one-read-per-call fallback, also where io_uring
 * works (for tests). */
int batchio_new(BatchIO **ret, bool try_uring);
/* A reference to the process's BatchIO, made on first use. */
int batchio_acquire(BatchIO **ret);
BatchIO *batchio_unref(BatchIO *b);
DEFINE_POINTER_CLEANUP(BatchIO, batchio_unref);

bool batchio_uses_uring(const BatchIO *b);

/*
 * Reads fd into n buffers, each described by iovcnt consecutive entries of
 * iov (n * iovcnt in all), in this order. results[i] is what readv() would
 * have returned for buffer i, or -errno. Returns how many results were
 * filled: all n, or, without io_uring, up to and including the first
 * failure. A frame longer than its buffer is cut to it (TAP devices and
 * packet sockets alike); its result is then the buffer's length, or with
 * some TAP drivers the frame's: take either as too long.
 */
unsigned batchio_readv(BatchIO *b, int fd, const struct iovec *iov, unsigned iovcnt,
                       unsigned n, ssize_t *results);

/* Writes n buffers to fd, likewise, in this order; each is tried whatever
 * became of the one before. Returns n. */
unsigned batchio_writev(BatchIO *b, int fd, const struct iovec *iov, unsigned iovcnt,
                        unsigned n, ssize_t *results);
