/* SPDX-License-Identifier: Apache-2.0 */
#include <assert.h>
#include <errno.h>
#include <liburing.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "batchio.h"
#include "log.h"

#ifdef HAVE_VALGRIND_MEMCHECK_H
#include <valgrind/memcheck.h>
#else
#define VALGRIND_MAKE_MEM_DEFINED(addr, len) ((void) (addr), (void) (len))
#endif

struct BatchIO {
	unsigned n_ref;
	bool uring;
	struct io_uring ring;
};

static BatchIO *process_batchio;

static int ring_init(struct io_uring *ring) {
	/* Only this thread submits, and completions are reaped by the call
	 * that submitted them: the kernel can skip its cross-thread work.
	 * Older kernels refuse the flags (EINVAL) and get none. */
	static const unsigned flag_sets[] = {
		IORING_SETUP_SUBMIT_ALL | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
		IORING_SETUP_SUBMIT_ALL,
		0,
	};
	int r = -ENOSYS;

	for (size_t i = 0; i < ELEMENTSOF(flag_sets); i++) {
		r = io_uring_queue_init(BATCHIO_MAX_OPS, ring, flag_sets[i]);
		if (r != -EINVAL)
			break;
	}
	return r;
}

int batchio_new(BatchIO **ret, bool try_uring) {
	BatchIO *b;
	int r;

	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->n_ref = 1;

	if (try_uring) {
		r = ring_init(&b->ring);
		if (r >= 0)
			b->uring = true;
		else
			log_debug("io_uring not available (%s), reading one frame per system call.",
			          strerror(-r));
	}

	*ret = b;
	return 0;
}

int batchio_acquire(BatchIO **ret) {
	int r;

	if (!process_batchio) {
		r = batchio_new(&process_batchio, true);
		if (r < 0)
			return r;
	} else
		process_batchio->n_ref++;

	*ret = process_batchio;
	return 0;
}

BatchIO *batchio_unref(BatchIO *b) {
	if (!b)
		return NULL;
	assert(b->n_ref > 0);
	if (--b->n_ref > 0)
		return NULL;

	if (b->uring)
		io_uring_queue_exit(&b->ring);
	if (b == process_batchio)
		process_batchio = NULL;
	free(b);
	return NULL;
}

bool batchio_uses_uring(const BatchIO *b) {
	return b->uring;
}

/* The kernel wrote n bytes into iov behind memcheck's back (a no-op
 * outside valgrind). */
static void mark_defined(const struct iovec *iov, unsigned iovcnt, ssize_t n) {
	for (unsigned i = 0; i < iovcnt && n > 0; i++) {
		size_t k = MIN(iov[i].iov_len, (size_t) n);

		VALGRIND_MAKE_MEM_DEFINED(iov[i].iov_base, k);
		n -= (ssize_t) k;
	}
}

/* Without io_uring: reads stop at the first failure (an empty device),
 * writes go on past one (a frame the device refused). */
static unsigned one_by_one(int fd, bool write, const struct iovec *iov, unsigned iovcnt,
                           unsigned n, ssize_t *results) {
	for (unsigned i = 0; i < n; i++) {
		const struct iovec *v = iov + (size_t) i * iovcnt;
		ssize_t k;

		do
			k = write ? writev(fd, v, (int) iovcnt) : readv(fd, v, (int) iovcnt);
		while (k < 0 && errno == EINTR);

		results[i] = k < 0 ? -errno : k;
		if (k < 0 && !write)
			return i + 1;
	}
	return n;
}

static unsigned batchio_rw(BatchIO *b, int fd, bool write, const struct iovec *iov,
                           unsigned iovcnt, unsigned n, ssize_t *results) {
	struct io_uring_cqe *cqe;
	unsigned head, done = 0;
	int r;

	assert(n <= BATCHIO_MAX_OPS);

	if (!b->uring || n <= 1)
		return one_by_one(fd, write, iov, iovcnt, n, results);

	for (unsigned i = 0; i < n; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&b->ring);
		const struct iovec *v = iov + (size_t) i * iovcnt;

		/* The ring holds BATCHIO_MAX_OPS and is empty between calls. */
		assert(sqe);
		/* Offset -1: the fd's own position, as readv() uses (none for
		 * a TAP or a socket). */
		if (write)
			io_uring_prep_writev2(sqe, fd, v, iovcnt, (__u64) -1, RWF_NOWAIT);
		else
			io_uring_prep_readv2(sqe, fd, v, iovcnt, (__u64) -1, RWF_NOWAIT);
		io_uring_sqe_set_data64(sqe, i);
	}

	do
		r = io_uring_submit_and_wait(&b->ring, n);
	while (r == -EINTR);
	if (r < 0) {
		/* The kernel took none of them: do it the ordinary way, from
		 * now on. */
		log_debug("io_uring_enter failed (%s), one system call per frame from now on.",
		          strerror(-r));
		io_uring_queue_exit(&b->ring);
		b->uring = false;
		return one_by_one(fd, write, iov, iovcnt, n, results);
	}

	/* Every operation was issued at submission and has completed: the fd
	 * does not block. Wait for stragglers all the same, in case the
	 * kernel deferred one. */
	while (done < n) {
		unsigned seen = 0;

		io_uring_for_each_cqe(&b->ring, head, cqe) {
			uint64_t i = io_uring_cqe_get_data64(cqe);

			assert(i < n);
			results[i] = cqe->res;
			if (!write)
				mark_defined(iov + i * iovcnt, iovcnt, cqe->res);
			seen++;
		}
		io_uring_cq_advance(&b->ring, seen);
		done += seen;
		/* Buffers must not be given back while the kernel may still
		 * use them, so this waits until all are done; it fails only
		 * when interrupted. */
		if (done < n)
			(void) io_uring_wait_cqe_nr(&b->ring, &cqe, n - done);
	}

	/* A file that cannot promise not to block refuses them all: RWF_NOWAIT
	 * asks it to, since an operation that waited would wait here. None
	 * was done, so do them the ordinary way. */
	if (results[0] == -EOPNOTSUPP)
		return one_by_one(fd, write, iov, iovcnt, n, results);
	return n;
}

unsigned batchio_readv(BatchIO *b, int fd, const struct iovec *iov, unsigned iovcnt,
                       unsigned n, ssize_t *results) {
	return batchio_rw(b, fd, false, iov, iovcnt, n, results);
}

unsigned batchio_writev(BatchIO *b, int fd, const struct iovec *iov, unsigned iovcnt,
                        unsigned n, ssize_t *results) {
	return batchio_rw(b, fd, true, iov, iovcnt, n, results);
}
