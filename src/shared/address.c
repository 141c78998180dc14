/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"

static int parse_u32(const char *s, uint32_t *ret) {
	unsigned long long v;
	char *end;

	if (!s || *s == '\0' || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > UINT32_MAX)
		return -EINVAL;
	*ret = (uint32_t) v;
	return 0;
}

int socket_address_vsock(SocketAddress *ret, uint32_t cid, uint32_t port) {
	if (port == 0 || port == VMADDR_PORT_ANY)
		return -EINVAL;

	*ret = (SocketAddress) {
		.vm = {
			.svm_family = AF_VSOCK,
			.svm_cid = cid,
			.svm_port = port,
		},
		.size = sizeof(struct sockaddr_vm),
	};
	return 0;
}

int socket_address_parse(SocketAddress *ret, const char *s) {
	size_t len;

	if (!s)
		return -EINVAL;

	if (strncmp(s, "vsock:", 6) == 0) {
		const char *cid_s = s + 6, *colon = strchr(cid_s, ':');
		uint32_t cid = VMADDR_CID_ANY, port;
		char cid_buf[16];

		if (!colon || parse_u32(colon + 1, &port) < 0)
			return -EINVAL;
		if (colon > cid_s) {
			if ((size_t) (colon - cid_s) >= sizeof(cid_buf))
				return -EINVAL;
			memcpy(cid_buf, cid_s, colon - cid_s);
			cid_buf[colon - cid_s] = '\0';
			if (parse_u32(cid_buf, &cid) < 0)
				return -EINVAL;
		}
		return socket_address_vsock(ret, cid, port);
	}

	if (s[0] != '/' && s[0] != '@')
		return -EINVAL;

	len = strlen(s);
	if (len < 2 || len > sizeof(ret->un.sun_path) - (s[0] == '/'))
		return -EINVAL;

	*ret = (SocketAddress) { .un.sun_family = AF_UNIX };
	memcpy(ret->un.sun_path, s, len);
	if (s[0] == '@') {
		/* Abstract: a leading NUL, and the size counts no terminator. */
		ret->un.sun_path[0] = '\0';
		ret->size = offsetof(struct sockaddr_un, sun_path) + len;
	} else
		ret->size = offsetof(struct sockaddr_un, sun_path) + len + 1;
	return 0;
}

void socket_address_format(const SocketAddress *a, char *buf, size_t size) {
	if (a->sa.sa_family == AF_VSOCK) {
		if (a->vm.svm_cid == VMADDR_CID_ANY)
			snprintf(buf, size, "vsock::%" PRIu32, a->vm.svm_port);
		else
			snprintf(buf, size, "vsock:%" PRIu32 ":%" PRIu32, a->vm.svm_cid, a->vm.svm_port);
	} else if (a->sa.sa_family == AF_UNIX) {
		size_t n = a->size - offsetof(struct sockaddr_un, sun_path);

		if (n > 0 && a->un.sun_path[0] == '\0')
			snprintf(buf, size, "@%.*s", (int) (n - 1), a->un.sun_path + 1);
		else
			snprintf(buf, size, "%.*s", (int) strnlen(a->un.sun_path, n), a->un.sun_path);
	} else
		snprintf(buf, size, "family-%d", a->sa.sa_family);
}

const char *socket_address_path(const SocketAddress *a) {
	if (a->sa.sa_family != AF_UNIX || a->un.sun_path[0] != '/')
		return NULL;
	return a->un.sun_path;
}
