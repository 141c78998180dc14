/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <string.h>

#include "checksum.h"
#include "macro.h"
#include "tso.h"
#include "unaligned.h"

#define IPV4_HDR_BYTES 20U
#define IPV6_HDR_BYTES 40U
#define TCP_HDR_BYTES_MIN 20U
#define TCP_FLAG_FIN 0x01U
#define TCP_FLAG_PSH 0x08U
#define TCP_FLAG_CWR 0x80U
#define VNET_HDR_GSO_ECN 0x80U

/* Where the parts of the frame to cut are. */
typedef struct TsoFrame {
	bool ipv6;
	size_t tcp;             /* offset of the TCP header */
	size_t data;            /* offset of the payload: the headers' length */
	size_t end;             /* where the IP packet ends */
} TsoFrame;

static int tso_parse(const VnetHeader *h, const uint8_t *f, size_t len, TsoFrame *t) {
	uint8_t gso = h->gso_type & (uint8_t) ~VNET_HDR_GSO_ECN;
	size_t doff;

	if (h->gso_size == 0 || len < ETH_HLEN + IPV4_HDR_BYTES + TCP_HDR_BYTES_MIN)
		return -EINVAL;

	switch (unaligned_read_be16(f + 12)) {
	case ETHERTYPE_IP:
		if (gso != VNET_HDR_GSO_TCPV4 || f[ETH_HLEN] != 0x45 || f[ETH_HLEN + 9] != IPPROTO_TCP)
			return -EINVAL;
		*t = (TsoFrame) {
			.tcp = ETH_HLEN + IPV4_HDR_BYTES,
			.end = ETH_HLEN + (size_t) unaligned_read_be16(f + ETH_HLEN + 2),
		};
		break;
	case ETHERTYPE_IPV6:
		if (gso != VNET_HDR_GSO_TCPV6 || len < ETH_HLEN + IPV6_HDR_BYTES + TCP_HDR_BYTES_MIN ||
		    f[ETH_HLEN] >> 4 != 6 || f[ETH_HLEN + 6] != IPPROTO_TCP)
			return -EINVAL;
		*t = (TsoFrame) {
			.ipv6 = true,
			.tcp = ETH_HLEN + IPV6_HDR_BYTES,
			.end = ETH_HLEN + IPV6_HDR_BYTES + (size_t) unaligned_read_be16(f + ETH_HLEN + 4),
		};
		break;
	default:
		return -EINVAL;
	}

	if (t->end > len || t->end < t->tcp + TCP_HDR_BYTES_MIN)
		return -EINVAL;
	doff = (size_t) (f[t->tcp + 12] >> 4) * 4;
	if (doff < TCP_HDR_BYTES_MIN || t->tcp + doff >= t->end)
		return -EINVAL;
	t->data = t->tcp + doff;
	return 0;
}

/* Makes segment k of n at seg (its headers already there, copies of the
 * frame's) say what it is: payload bytes of payload, at offset off of the
 * frame's payload; then fills in its checksums. */
static void tso_fix_segment(uint8_t *seg, const TsoFrame *t, size_t k, size_t n, size_t off, size_t payload) {
	uint8_t *ip = seg + ETH_HLEN, *tcp = seg + t->tcp;
	size_t tcp_len = t->data - t->tcp + payload;
	uint16_t sum;

	if (t->ipv6)
		unaligned_write_be16(ip + 4, (uint16_t) tcp_len);
	else {
		unaligned_write_be16(ip + 2, (uint16_t) (IPV4_HDR_BYTES + tcp_len));
		unaligned_write_be16(ip + 4, (uint16_t) (unaligned_read_be16(ip + 4) + k));
		memset(ip + 10, 0, 2);
		sum = (uint16_t) ~checksum_fold(checksum_add(0, ip, IPV4_HDR_BYTES));
		memcpy(ip + 10, &sum, 2);
	}

	unaligned_write_be32(tcp + 4, unaligned_read_be32(tcp + 4) + (uint32_t) off);
	if (k + 1 < n)
		tcp[13] &= (uint8_t) ~(TCP_FLAG_FIN | TCP_FLAG_PSH);
	if (k > 0)
		tcp[13] &= (uint8_t) ~TCP_FLAG_CWR;
	memset(tcp + 16, 0, 2);
	sum = (uint16_t) ~checksum_fold(checksum_add(checksum_tcp_pseudo_header(ip, t->ipv6, tcp_len), tcp, tcp_len));
	memcpy(tcp + 16, &sum, 2);
}

ssize_t tso_cut_framed(const VnetHeader *h, uint8_t *frame, size_t len, size_t room, size_t max_segment_bytes,
                       unsigned *ret_segments) {
	uint8_t headers[TSO_HEADER_BYTES_MAX];
	uint8_t *out = frame - FRAME_HEADER_BYTES;
	size_t g = h->gso_size, payload, n, stride, total;
	TsoFrame t;
	int r;

	r = tso_parse(h, frame, len, &t);
	if (r < 0)
		return r;
	payload = t.end - t.data;
	n = (payload + g - 1) / g;
	if (t.data + MIN(g, payload) > max_segment_bytes)
		return -EMSGSIZE;
	/* Segment k starts k strides after the first; all but the last are
	 * whole strides. */
	stride = FRAME_HEADER_BYTES + t.data + g;
	total = n * (FRAME_HEADER_BYTES + t.data) + payload;
	if (total - FRAME_HEADER_BYTES > room)
		return -ENOBUFS;

	memcpy(headers, frame, t.data);
	/* Each payload moves up by the headers of those before it: the last
	 * first, so that none lands on one not yet moved. The first stays. */
	for (size_t k = n - 1; k > 0; k--)
		memmove(out + k * stride + FRAME_HEADER_BYTES + t.data, frame + t.data + k * g,
		        MIN(g, payload - k * g));

	for (size_t k = 0; k < n; k++) {
		uint8_t *seg = out + k * stride;
		size_t chunk = MIN(g, payload - k * g);

		unaligned_write_be32(seg, (uint32_t) (t.data + chunk));
		memcpy(seg + FRAME_HEADER_BYTES, headers, t.data);
		tso_fix_segment(seg + FRAME_HEADER_BYTES, &t, k, n, k * g, chunk);
	}

	*ret_segments = (unsigned) n;
	return (ssize_t) total;
}
