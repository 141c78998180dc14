/* SPDX-License-Identifier: Apache-2.0 */

/*
 * The length32 decoder fed an arbitrary byte stream in arbitrary pieces:
 * the first byte picks the maximum frame length, each of the next 8 bytes
 * the size of one read (then the rest goes in reads of the last size).
 * Whatever the split, the decoder must hand out the same frames, each
 * within the maximum, and never read outside what it was given (ASan).
 */

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"

#define SPLITS 8U

typedef struct Seen {
	uint64_t frames;
	uint64_t bytes;
	uint64_t sum;           /* of every byte of every frame */
	uint32_t max;
} Seen;

static int on_frame(const uint8_t *frame, size_t len, void *userdata) {
	Seen *s = userdata;

	assert(len > 0 && len <= s->max);
	s->frames++;
	s->bytes += len;
	for (size_t i = 0; i < len; i++)
		s->sum += frame[i];
	return 0;
}

/* Decodes data in reads of the sizes given (cycling), returns the result. */
static int decode(const uint8_t *data, size_t size, const uint8_t *splits, size_t n_splits,
                  Seen *seen) {
	FrameDecoder d;
	size_t at = 0, i = 0;
	int r = 0;

	frame_decoder_init(&d, seen->max);
	while (at < size && r >= 0) {
		size_t chunk = n_splits ? (size_t) splits[i++ % n_splits] + 1 : size;

		if (chunk > size - at)
			chunk = size - at;
		r = frame_decoder_feed(&d, data + at, chunk, on_frame, seen);
		at += chunk;
	}
	frame_decoder_done(&d);
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	static const uint32_t maxima[] = { 60, 1514, FRAME_MAX_BYTES_DEFAULT, FRAME_MAX_BYTES_VNET };
	Seen split = {}, whole = {};
	size_t n_splits;
	int r1, r2;

	if (size < 1)
		return 0;
	split.max = whole.max = maxima[data[0] % 4];
	data++, size--;
	n_splits = size < SPLITS ? size : SPLITS;

	r1 = decode(data + n_splits, size - n_splits, data, n_splits, &split);
	r2 = decode(data + n_splits, size - n_splits, NULL, 0, &whole);

	/* The split changes nothing. */
	assert(r1 == r2);
	assert(split.frames == whole.frames && split.bytes == whole.bytes && split.sum == whole.sum);
	return 0;
}
