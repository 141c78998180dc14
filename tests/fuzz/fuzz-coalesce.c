/* SPDX-License-Identifier: Apache-2.0 */

/*
 * The coalescer, offered any run of frames: what it writes must cut back
 * into exactly the frames it was given, in order, each once.
 *
 * The input is a program, one operation per byte (the byte modulo 8):
 *
 *   0-3  a TCP segment of flow 0-3 from the next four bytes
 *        (ref_segment_make() in reference.h says how);
 *   4    a frame of any bytes: a length byte, then the bytes;
 *   5    a flush, as the owner does after each read;
 *   6    the next write fails: the owner stops there, as the Link ends;
 *   7    nothing.
 *
 * Each write is checked by ref_check_written() against the frames it
 * stands for, which are the next ones offered. Every frame offered comes
 * out, but, after a failed write, the one whose offer failed.
 */

#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "coalesce.h"
#include "reference.h"

typedef struct Run {
	RefFrames offered;      /* offered and not yet written */
	RefFlows flows;
	bool fail_next;
	bool failed;
} Run;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int on_write(const uint8_t *header, const uint8_t *frame, size_t len, unsigned frames,
                    uint64_t bytes, void *userdata) {
	Run *run = userdata;
	const RefFrame *o = run->offered.v + run->offered.head;
	uint64_t offered_bytes = 0;

	assert(frames >= 1 && ref_frames_left(&run->offered) >= frames);
	for (unsigned i = 0; i < frames; i++)
		offered_bytes += o[i].len;
	assert(bytes == offered_bytes);
	ref_check_written(header, frame, len, o, frames);
	ref_frames_pop(&run->offered, frames);

	if (run->fail_next) {
		run->fail_next = false;
		run->failed = true;
		return -EIO;
	}
	return 0;
}

static int offer(Run *run, Coalescer *c, const uint8_t *frame, size_t len) {
	ref_frames_push(&run->offered, frame, len);
	return coalescer_add(c, frame, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	_cleanup_(coalescer_freep) Coalescer *c = NULL;
	static uint8_t segment[REF_SEGMENT_BYTES_MAX];
	Run run = {};
	size_t i = 0;
	int r = 0;

	assert(coalescer_new(&c, on_write, &run) == 0);

	while (i < size && r == 0) {
		unsigned op = data[i++] % 8;
		size_t len;

		if (op < REF_FLOWS) {
			if (size - i < 4)
				break;
			len = ref_segment_make(&run.flows, op, data + i, segment);
			i += 4;
			r = offer(&run, c, segment, len);
		} else if (op == 4) {
			if (i >= size)
				break;
			len = MIN((size_t) data[i], size - i - 1);
			r = offer(&run, c, data + i + 1, len);
			i += 1 + len;
		} else if (op == 5)
			r = coalescer_flush(c);
		else if (op == 6)
			run.fail_next = true;
	}
	if (r == 0)
		r = coalescer_flush(c);

	/* A failed write, and only that, fails a call. */
	assert(r == (run.failed ? -EIO : 0));
	assert(ref_frames_left(&run.offered) <= (run.failed ? 1U : 0U));
	ref_frames_done(&run.offered);
	return 0;
}
