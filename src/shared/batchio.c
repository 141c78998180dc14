/* SPDX-License-Identifier: Apache-2.0 */
#include <assert.h>
#include <errno.h>
#include <linux/io_uring.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "batchio.h"
#include "log.h"

#ifdef HAVE_VALGRIND_MEMCHECK_H
#include <valgrind/memcheck.h>
#else
#define VALGRIND_MAKE_MEM_DEFINED(addr, len) ((void) (addr), (void) (len))
#endif

/* The io_uring, used through its system calls alone: a batch is written
 * into the submission queue, one io_uring_enter() issues it and waits for
 * its completions, which are then taken off the completion queue. Only
 * this thread touches the rings, and only the kernel's side of each index
 * needs ordering against it. */
typedef struct Ring {
	int fd;
	void *map;                 /* both queues' indexes and the completions */
	size_t map_bytes;
	struct io_uring_sqe *sqes;
	size_t sqes_bytes;
	unsigned *sq_head, *sq_tail, sq_mask;
	unsigned *cq_head, *cq_tail, cq_mask;
	struct io_uring_cqe *cqes;
} Ring;

struct BatchIO {
	unsigned n_ref;
	bool uring;
	Ring ring;
};

static BatchIO *process_batchio;

static void ring_done(Ring *ring) {
	if (ring->sqes)
		(void) munmap(ring->sqes, ring->sqes_bytes);
	if (ring->map)
		(void) munmap(ring->map, ring->map_bytes);
	safe_close(ring->fd);
	*ring = (Ring) { .fd = -1 };
}

static int ring_init(Ring *ring) {
	/* Only this thread submits, and completions are reaped by the call
	 * that submitted them: the kernel can skip its cross-thread work.
	 * Older kernels refuse the flags (EINVAL) and get fewer. */
	static const unsigned flag_sets[] = {
		IORING_SETUP_SUBMIT_ALL | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
		IORING_SETUP_SUBMIT_ALL,
		0,
	};
	struct io_uring_params p;
	unsigned *sq_array;
	uint8_t *m;
	int fd = -1;

	*ring = (Ring) { .fd = -1 };
	for (size_t i = 0; i < ELEMENTSOF(flag_sets) && fd < 0; i++) {
		p = (struct io_uring_params) { .flags = flag_sets[i] };
		fd = (int) syscall(__NR_io_uring_setup, BATCHIO_MAX_OPS, &p);
		if (fd < 0 && errno != EINVAL)
			return -errno;
	}
	if (fd < 0)
		return -errno;
	ring->fd = fd;
	/* One mapping for both queues' indexes (Linux 5.4 and later). */
	if (!(p.features & IORING_FEAT_SINGLE_MMAP)) {
		ring_done(ring);
		return -EOPNOTSUPP;
	}

	ring->map_bytes = MAX(p.sq_off.array + p.sq_entries * sizeof(unsigned),
	                      p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe));
	m = mmap(NULL, ring->map_bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd,
	         IORING_OFF_SQ_RING);
	if (m == MAP_FAILED) {
		ring->map = NULL;
		ring_done(ring);
		return -errno;
	}
	ring->map = m;
	ring->sqes_bytes = p.sq_entries * sizeof(struct io_uring_sqe);
	ring->sqes = mmap(NULL, ring->sqes_bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd,
	                  IORING_OFF_SQES);
	if (ring->sqes == MAP_FAILED) {
		int r = -errno;

		ring->sqes = NULL;
		ring_done(ring);
		return r;
	}

	ring->sq_head = (unsigned *) (m + p.sq_off.head);
	ring->sq_tail = (unsigned *) (m + p.sq_off.tail);
	ring->sq_mask = *(unsigned *) (m + p.sq_off.ring_mask);
	ring->cq_head = (unsigned *) (m + p.cq_off.head);
	ring->cq_tail = (unsigned *) (m + p.cq_off.tail);
	ring->cq_mask = *(unsigned *) (m + p.cq_off.ring_mask);
	ring->cqes = (struct io_uring_cqe *) (m + p.cq_off.cqes);
	/* Submission slot i always holds entry i. */
	sq_array = (unsigned *) (m + p.sq_off.array);
	for (unsigned i = 0; i < p.sq_entries; i++)
		sq_array[i] = i;
	return 0;
}

static int ring_enter(Ring *ring, unsigned to_submit, unsigned min_complete) {
	long r = syscall(__NR_io_uring_enter, ring->fd, to_submit, min_complete,
	                 IORING_ENTER_GETEVENTS, NULL, 0);
	return r < 0 ? -errno : (int) r;
}

/* Submissions the kernel has not taken yet. */
static unsigned ring_unsubmitted(const Ring *ring) {
	return *ring->sq_tail - __atomic_load_n(ring->sq_head, __ATOMIC_ACQUIRE);
}

int batchio_new(BatchIO **ret, bool try_uring) {
	BatchIO *b;
	int r;

	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->n_ref = 1;
	b->ring.fd = -1;

	if (try_uring) {
		r = ring_init(&b->ring);
		if (r >= 0)
			b->uring = true;
		else
			log_debug("io_uring not available (%s), one system call per frame.", strerror(-r));
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

	ring_done(&b->ring);
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
	Ring *ring = &b->ring;
	unsigned tail, done = 0;
	int r;

	assert(n <= BATCHIO_MAX_OPS);

	if (!b->uring || n <= 1)
		return one_by_one(fd, write, iov, iovcnt, n, results);

	tail = *ring->sq_tail;
	for (unsigned i = 0; i < n; i++) {
		struct io_uring_sqe *sqe = &ring->sqes[(tail + i) & ring->sq_mask];

		*sqe = (struct io_uring_sqe) {
			.opcode = write ? IORING_OP_WRITEV : IORING_OP_READV,
			.fd = fd,
			/* The fd's own position, as readv() uses (none for
			 * a TAP or a socket). */
			.off = (uint64_t) -1,
			.addr = (uintptr_t) (iov + (size_t) i * iovcnt),
			.len = iovcnt,
			.rw_flags = RWF_NOWAIT,
			.user_data = i,
		};
	}
	__atomic_store_n(ring->sq_tail, tail + n, __ATOMIC_RELEASE);

	do
		r = ring_enter(ring, n, n);
	while (r == -EINTR && ring_unsubmitted(ring) == n);
	if (r < 0 && ring_unsubmitted(ring) == n) {
		/* The kernel took none of them: take them back, and do it
		 * the ordinary way from now on. */
		log_debug("io_uring_enter failed (%s), one system call per frame from now on.",
		          strerror(-r));
		__atomic_store_n(ring->sq_tail, tail, __ATOMIC_RELEASE);
		ring_done(ring);
		b->uring = false;
		return one_by_one(fd, write, iov, iovcnt, n, results);
	}

	/* Every operation was issued at submission and has completed: the fd
	 * does not block. Buffers must not be given back while the kernel
	 * may still use them, so this goes on until all are reaped. */
	for (;;) {
		unsigned head = *ring->cq_head;
		unsigned cq_tail = __atomic_load_n(ring->cq_tail, __ATOMIC_ACQUIRE);

		for (; head != cq_tail; head++) {
			const struct io_uring_cqe *cqe = &ring->cqes[head & ring->cq_mask];
			uint64_t i = cqe->user_data;

			assert(i < n);
			results[i] = cqe->res;
			if (!write)
				mark_defined(iov + i * iovcnt, iovcnt, cqe->res);
			done++;
		}
		__atomic_store_n(ring->cq_head, head, __ATOMIC_RELEASE);
		if (done == n)
			break;

		r = ring_enter(ring, ring_unsubmitted(ring), n - done);
		if (r < 0 && r != -EINTR && r != -EAGAIN && r != -EBUSY) {
			/* The ring works or it was refused at the start. */
			log_error_errno(r, "io_uring_enter failed with operations in flight: %m");
			abort();
		}
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
