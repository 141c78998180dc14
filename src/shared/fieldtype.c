/* SPDX-License-Identifier: Apache-2.0 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/if.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "ether.h"
#include "fieldtype.h"
#include "frame.h"
#include "in-addr.h"

#define ID_MAX_BYTES 255U

int field_invalid(sd_bus_error *error, const Field *f, const char *value) {
	/* Text is quoted, numbers are not. */
	if (strcmp(f->type->signature, "s") != 0 && strcmp(f->type->signature, "as") != 0)
		return sd_bus_error_setf(error, BUS_ERROR_INVALID_ARGUMENT, "Invalid %s %s: %s.", f->name, value,
		                         f->type->rule);
	return sd_bus_error_setf(error, BUS_ERROR_INVALID_ARGUMENT, "Invalid %s '%s': %s.", f->name, value,
	                         f->type->rule);
}

/* Strings. Each type is a rule that checks a text and gives its normal
 * form (a copy); the rest is the same for all of them. */

typedef int (*StringRule)(const char *text, char **ret);

static int string_parse(const char *text, void *value, StringRule rule, bool empty_is_none) {
	char *s = NULL;
	int r;

	/* Empty is none where the type has a none, else no value at all. */
	if (*text == '\0' && !empty_is_none)
		return -EINVAL;
	if (*text != '\0') {
		r = rule(text, &s);
		if (r < 0)
			return r;
	}
	free(*(char **) value);
	*(char **) value = s;
	return 0;
}

static int string_read(sd_bus_message *m, const Field *f, void *value, sd_bus_error *error,
                       StringRule rule) {
	const char *text;
	char *s = NULL;
	int r;

	r = sd_bus_message_read(m, "s", &text);
	if (r < 0)
		return r;
	/* Empty is how a caller leaves an argument out. */
	if (*text != '\0') {
		r = rule(text, &s);
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			return field_invalid(error, f, text);
	}
	free(*(char **) value);
	*(char **) value = s;
	return 0;
}

static void string_done(void *value) {
	free(*(char **) value);
	*(char **) value = NULL;
}

static bool string_is_set(const void *value) {
	return *(char *const *) value != NULL;
}

static int string_format(const void *value, FILE *f) {
	return fputs(*(char *const *) value, f) < 0 ? -EIO : 0;
}

static int string_append(sd_bus_message *m, const void *value) {
	return sd_bus_message_append(m, "s", *(char *const *) value ?: "");
}

static int copy_of(const char *text, char **ret) {
	*ret = strdup(text);
	return *ret ? 0 : -ENOMEM;
}

#define DEFINE_STRING_TYPE(type_name, rule_fn, rule_text, empty_is_none)                          \
	static int type_name##_parse(const char *text, void *value) {                             \
		return string_parse(text, value, rule_fn, empty_is_none);                         \
	}                                                                                         \
	static int type_name##_read(sd_bus_message *m, const Field *f, void *value,                \
	                            sd_bus_error *error) {                                        \
		return string_read(m, f, value, error, rule_fn);                                  \
	}                                                                                         \
	const FieldType type_name = {                                                             \
		.signature = "s",                                                                 \
		.rule = rule_text,                                                                \
		.done = string_done,                                                              \
		.is_set = string_is_set,                                                          \
		.parse = type_name##_parse,                                                       \
		.format = string_format,                                                          \
		.read = type_name##_read,                                                         \
		.append = string_append,                                                          \
	}

static bool ifname_length_ok(const char *s) {
	size_t len = strlen(s);

	return len > 0 && len < IFNAMSIZ && strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

static int ifname_rule(const char *text, char **ret) {
	if (!ifname_length_ok(text))
		return -EINVAL;
	/* '%' would make the kernel pick a number in its place. */
	for (const char *p = text; *p; p++)
		if (strchr("/:%", *p) || isspace((unsigned char) *p) || !isprint((unsigned char) *p))
			return -EINVAL;
	return copy_of(text, ret);
}
DEFINE_STRING_TYPE(field_type_ifname, ifname_rule,
                   "use 1 to 15 characters, without '/', ':', '%' or white space (e.g. eth0)", false);

static int portname_rule(const char *text, char **ret) {
	if (!ifname_length_ok(text))
		return -EINVAL;
	for (const char *p = text; *p; p++)
		if (!isalnum((unsigned char) *p) && !strchr("-_.", *p))
			return -EINVAL;
	return copy_of(text, ret);
}
DEFINE_STRING_TYPE(field_type_portname, portname_rule, "use 1 to 15 letters, digits, '-', '_' or '.'", false);

static int id_rule(const char *text, char **ret) {
	if (strlen(text) > ID_MAX_BYTES)
		return -EINVAL;
	for (const char *p = text; *p; p++)
		if (!isprint((unsigned char) *p) || *p == '"' || *p == '\\')
			return -EINVAL;
	return copy_of(text, ret);
}
DEFINE_STRING_TYPE(field_type_id, id_rule,
                   "use printable characters without quotes or backslashes, at most 255", false);

static int mac_rule(const char *text, char **ret) {
	struct ether_addr a;

	if (ether_addr_parse(text, &a) < 0)
		return -EINVAL;
	*ret = malloc(ETHER_ADDR_STRING_MAX);
	if (!*ret)
		return -ENOMEM;
	ether_addr_format(&a, *ret);
	return 0;
}
DEFINE_STRING_TYPE(field_type_mac, mac_rule,
                   "give a unicast address as six hex octets, e.g. 02:42:ac:12:00:02", false);

/* An IPv4 or IPv6 address, without prefix, in its normal form. */
static int ip_rule(const char *text, char **ret) {
	InAddrPrefix p;

	if (strchr(text, '/') || in_addr_prefix_parse(text, &p) < 0)
		return -EINVAL;
	*ret = malloc(INET6_ADDRSTRLEN);
	if (!*ret)
		return -ENOMEM;
	in_addr_format(&p, *ret);
	return 0;
}
DEFINE_STRING_TYPE(field_type_ip, ip_rule, "give an IPv4 or IPv6 address, or an empty string for none", true);

static int listen_rule(const char *text, char **ret) {
	SocketAddress ignored;

	if (socket_address_parse(&ignored, text) < 0)
		return -EINVAL;
	return copy_of(text, ret);
}
DEFINE_STRING_TYPE(field_type_listen, listen_rule,
                   "use vsock:CID:PORT, vsock::PORT, an absolute socket path or @abstract-name", false);

/* Where to connect: as where to listen, but a CID to reach. */
static int connect_rule(const char *text, char **ret) {
	SocketAddress a;

	if (socket_address_parse(&a, text) < 0 || (a.sa.sa_family == AF_VSOCK && a.vm.svm_cid == VMADDR_CID_ANY))
		return -EINVAL;
	return copy_of(text, ret);
}
DEFINE_STRING_TYPE(field_type_connect, connect_rule,
                   "use vsock:CID:PORT (vsock:2:PORT for the host), an absolute socket path or @abstract-name",
                   false);

/* An address with, in text, "/PREFIX". */

static int address_parse(const char *text, void *value) {
	FieldAddress *a = value;
	InAddrPrefix p;
	char *address;
	int r;

	r = in_addr_prefix_parse(text, &p);
	if (r < 0)
		return r;
	address = malloc(INET6_ADDRSTRLEN);
	if (!address)
		return -ENOMEM;
	in_addr_format(&p, address);
	free(a->address);
	*a = (FieldAddress) { .address = address, .prefix_len = p.prefix_len };
	return 0;
}

static int address_read(sd_bus_message *m, const Field *f, void *value, sd_bus_error *error) {
	FieldAddress *a = value;

	a->prefix_len = 0;
	/* The prefix travels apart: "10.0.0.2/24" is no address. */
	return string_read(m, f, &a->address, error, ip_rule);
}

static void address_done(void *value) {
	string_done(&((FieldAddress *) value)->address);
}

static bool address_is_set(const void *value) {
	return ((const FieldAddress *) value)->address != NULL;
}

static int address_format(const void *value, FILE *f) {
	return string_format(&((const FieldAddress *) value)->address, f);
}

static int address_append(sd_bus_message *m, const void *value) {
	return string_append(m, &((const FieldAddress *) value)->address);
}

static int address_get(sd_bus *bus, const char *path, const char *interface, const char *property,
                       sd_bus_message *reply, void *userdata, sd_bus_error *error) {
	return address_append(reply, userdata);
}

const FieldType field_type_address = {
	.signature = "s",
	.rule = "give an IPv4 or IPv6 address without prefix (e.g. 10.88.0.2), and the prefix length apart",
	.text_rule = "give an IPv4 or IPv6 address, with /PREFIX after it or without (at most 32 for IPv4, "
	             "128 for IPv6)",
	.done = address_done,
	.is_set = address_is_set,
	.parse = address_parse,
	.format = address_format,
	.read = address_read,
	.append = address_append,
	.get = address_get,
};

/* Numbers: text must be in [min, max]; on the bus 0 is "not given", and
 * anything else must be in range as well. */

static int u32_parse_in(const char *text, void *value, uint32_t min, uint32_t max) {
	uint32_t v;

	if (conf_parse_u32(text, &v) < 0 || v < min || v > max)
		return -EINVAL;
	*(uint32_t *) value = v;
	return 0;
}

static int u32_read_in(sd_bus_message *m, const Field *f, void *value, sd_bus_error *error,
                       uint32_t max) {
	uint32_t v;
	int r;

	r = sd_bus_message_read(m, "u", &v);
	if (r < 0)
		return r;
	if (v > max) {
		char text[16];

		snprintf(text, sizeof(text), "%" PRIu32, v);
		return field_invalid(error, f, text);
	}
	*(uint32_t *) value = v;
	return 0;
}

static bool u32_is_set(const void *value) {
	return *(const uint32_t *) value != 0;
}

static int u32_format(const void *value, FILE *f) {
	return fprintf(f, "%" PRIu32, *(const uint32_t *) value) < 0 ? -EIO : 0;
}

static int u32_append(sd_bus_message *m, const void *value) {
	return sd_bus_message_append(m, "u", *(const uint32_t *) value);
}

#define DEFINE_U32_TYPE(type_name, min, max, rule_text)                                           \
	static int type_name##_parse(const char *text, void *value) {                             \
		return u32_parse_in(text, value, min, max);                                       \
	}                                                                                         \
	static int type_name##_read(sd_bus_message *m, const Field *f, void *value,                \
	                            sd_bus_error *error) {                                        \
		return u32_read_in(m, f, value, error, max);                                      \
	}                                                                                         \
	const FieldType type_name = {                                                             \
		.signature = "u",                                                                 \
		.rule = rule_text,                                                                \
		.is_set = u32_is_set,                                                             \
		.parse = type_name##_parse,                                                       \
		.format = u32_format,                                                             \
		.read = type_name##_read,                                                         \
		.append = u32_append,                                                             \
	}

DEFINE_U32_TYPE(field_type_vsock_port, 1U, VMADDR_PORT_ANY - 1U, "use 1 to 4294967294");
DEFINE_U32_TYPE(field_type_vlan, 0U, 4094U, "use 1 to 4094, or 0 for untagged");
/* Whether it fits the address's family, or the device, is the daemon's
 * call, once it knows them. */
DEFINE_U32_TYPE(field_type_prefix, 1U, IN_ADDR_PREFIX_MAX_IPV6, "at most 32 for IPv4, 128 for IPv6");
DEFINE_U32_TYPE(field_type_mtu, 1U, UINT32_MAX, "give a number of bytes");
DEFINE_U32_TYPE(field_type_u32, 0U, UINT32_MAX, "give a number");
DEFINE_U32_TYPE(field_type_queue_length, 1U, 1000000U, "use 1 to 1000000 frames");

/* Bytes: 1000 multiplies by K, M, G, T, as systemd's bandwidth settings. */

static int bytes_parse(const char *text, void *value) {
	static const char suffixes[] = "KMGT";
	_cleanup_free_ char *copy = strdup(text);
	uint64_t v, factor = 1;
	size_t len;

	if (!copy)
		return -ENOMEM;
	len = strlen(copy);
	if (len > 1) {
		const char *s = strchr(suffixes, toupper((unsigned char) copy[len - 1]));
		if (s && *s) {
			for (const char *i = suffixes; i <= s; i++)
				factor *= 1000;
			copy[len - 1] = '\0';
		}
	}
	if (conf_parse_u64(copy, &v) < 0 || v == 0 || v > UINT64_MAX / factor)
		return -EINVAL;
	*(uint64_t *) value = v * factor;
	return 0;
}

static int bytes_read(sd_bus_message *m, const Field *f, void *value, sd_bus_error *error) {
	return sd_bus_message_read(m, "t", (uint64_t *) value);
}

static bool bytes_is_set(const void *value) {
	return *(const uint64_t *) value != 0;
}

static int bytes_format(const void *value, FILE *f) {
	return fprintf(f, "%" PRIu64, *(const uint64_t *) value) < 0 ? -EIO : 0;
}

static int bytes_append(sd_bus_message *m, const void *value) {
	return sd_bus_message_append(m, "t", *(const uint64_t *) value);
}

const FieldType field_type_bytes = {
	.signature = "t",
	.rule = "give a number of bytes; K, M, G and T multiply by 1000",
	.text_rule = "give a number of bytes above 0; K, M, G and T multiply by 1000",
	.is_set = bytes_is_set,
	.parse = bytes_parse,
	.format = bytes_format,
	.read = bytes_read,
	.append = bytes_append,
};

/* Booleans, -1 while not set. */

static void int_unset(void *value) {
	*(int *) value = -1;
}

static bool int_is_set(const void *value) {
	return *(const int *) value >= 0;
}

static int bool_format(const void *value, FILE *f) {
	return fputs(*(const int *) value ? "yes" : "no", f) < 0 ? -EIO : 0;
}

static int bool_read(sd_bus_message *m, const Field *f, void *value, sd_bus_error *error) {
	int b, r;

	r = sd_bus_message_read(m, "b", &b);
	if (r < 0)
		return r;
	*(int *) value = !!b;
	return 0;
}

static int bool_append(sd_bus_message *m, const void *value) {
	return sd_bus_message_append(m, "b", *(const int *) value > 0);
}

static int bool_get(sd_bus *bus, const char *path, const char *interface, const char *property,
                    sd_bus_message *reply, void *userdata, sd_bus_error *error) {
	return bool_append(reply, userdata);
}

const FieldType field_type_bool = {
	.signature = "b",
	.rule = "use yes or no",
	.init = int_unset,
	.is_set = int_is_set,
	.parse = conf_parse_bool,
	.format = bool_format,
	.read = bool_read,
	.append = bool_append,
	.get = bool_get,
};

int field_enum_read(sd_bus_message *m, const Field *f, void *value, sd_bus_error *error,
                    int (*from_string)(const char *s)) {
	const char *text;
	int r, v;

	r = sd_bus_message_read(m, "s", &text);
	if (r < 0)
		return r;
	if (*text == '\0') {
		*(int *) value = -1;
		return 0;
	}
	v = from_string(text);
	if (v < 0)
		return field_invalid(error, f, text);
	*(int *) value = v;
	return 0;
}

DEFINE_FIELD_TYPE_ENUM(field_type_framing, framing, "length32 vnet", "use length32 or vnet");

/* A file descriptor: only ever passed on the bus, never written down. */

static void fd_done(void *value) {
	*(int *) value = safe_close(*(int *) value);
}

static int fd_parse(const char *text, void *value) {
	return -EINVAL;
}

static int fd_read(sd_bus_message *m, const Field *f, void *value, sd_bus_error *error) {
	int fd, copy, r;

	r = sd_bus_message_read(m, "h", &fd);
	if (r < 0)
		return r;
	/* The message owns fd; keep our own. */
	copy = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (copy < 0)
		return -errno;
	safe_close(*(int *) value);
	*(int *) value = copy;
	return 0;
}

static int fd_append(sd_bus_message *m, const void *value) {
	return sd_bus_message_append(m, "h", *(const int *) value);
}

const FieldType field_type_fd = {
	.signature = "h",
	.rule = "pass an open file descriptor",
	.init = int_unset,
	.done = fd_done,
	.is_set = int_is_set,
	.parse = fd_parse,
	.read = fd_read,
	.append = fd_append,
};

/* Lists of addresses, in text separated by white space or commas; each
 * is checked and normalised by the rule of its type. */

static int strv_parse(const char *text, void *value, StringRule rule) {
	_cleanup_free_ char *copy = strdup(text);
	char **l = NULL;
	int r;

	if (!copy)
		return -ENOMEM;
	for (char *p = copy; *p; p++)
		if (*p == ',')
			*p = ' ';
	r = conf_parse_strv(copy, &l);
	if (r < 0)
		return r;
	for (char **i = l; *i; i++) {
		char *normal;

		r = rule(*i, &normal);
		if (r < 0) {
			strv_free(l);
			return r;
		}
		free(*i);
		*i = normal;
	}
	strv_free(*(char ***) value);
	*(char ***) value = l;
	return 0;
}

static int strv_read(sd_bus_message *m, const Field *f, void *value, sd_bus_error *error, StringRule rule) {
	char **l = NULL;
	int r;

	r = sd_bus_message_read_strv(m, &l);
	if (r < 0)
		return r;
	for (char **i = l; i && *i; i++) {
		char *normal;

		r = rule(*i, &normal);
		if (r < 0) {
			r = r == -ENOMEM ? r : field_invalid(error, f, *i);
			strv_free(l);
			return r;
		}
		free(*i);
		*i = normal;
	}
	strv_free(*(char ***) value);
	*(char ***) value = l;
	return 0;
}

static void strv_done(void *value) {
	strv_free(*(char ***) value);
	*(char ***) value = NULL;
}

static bool strv_is_set(const void *value) {
	char *const *l = *(char **const *) value;

	return l && l[0];
}

static int strv_format(const void *value, FILE *f) {
	for (char *const *s = *(char **const *) value; *s; s++)
		fprintf(f, "%s%s", s == *(char **const *) value ? "" : " ", *s);
	return ferror(f) ? -EIO : 0;
}

static int strv_append(sd_bus_message *m, const void *value) {
	return sd_bus_message_append_strv(m, *(char **const *) value ?: (char *[]) { NULL });
}

static int strv_get(sd_bus *bus, const char *path, const char *interface, const char *property,
                    sd_bus_message *reply, void *userdata, sd_bus_error *error) {
	return strv_append(reply, userdata);
}

#define DEFINE_STRV_TYPE(type_name, rule_fn, rule_text)                                           \
	static int type_name##_parse(const char *text, void *value) {                             \
		return strv_parse(text, value, rule_fn);                                          \
	}                                                                                         \
	static int type_name##_read(sd_bus_message *m, const Field *f, void *value,                \
	                            sd_bus_error *error) {                                        \
		return strv_read(m, f, value, error, rule_fn);                                    \
	}                                                                                         \
	const FieldType type_name = {                                                             \
		.signature = "as",                                                                \
		.rule = rule_text,                                                                \
		.done = strv_done,                                                                \
		.is_set = strv_is_set,                                                            \
		.parse = type_name##_parse,                                                       \
		.format = strv_format,                                                            \
		.read = type_name##_read,                                                         \
		.append = strv_append,                                                            \
		.get = strv_get,                                                                  \
		.list = true,                                                                     \
	}

DEFINE_STRV_TYPE(field_type_ip_list, ip_rule, "give IPv4 or IPv6 addresses");

static int address_prefix_rule(const char *text, char **ret) {
	InAddrPrefix p;

	if (in_addr_prefix_parse(text, &p) < 0)
		return -EINVAL;
	*ret = malloc(IN_ADDR_PREFIX_STRING_MAX);
	if (!*ret)
		return -ENOMEM;
	in_addr_prefix_format(&p, *ret);
	return 0;
}
DEFINE_STRV_TYPE(field_type_address_list, address_prefix_rule,
                 "give IPv4 or IPv6 addresses, each with /PREFIX after it or without (at most 32 for IPv4, "
                 "128 for IPv6)");

/* AllowedPeers: vsock CIDs. */

static int allowlist_read(sd_bus_message *m, const Field *f, void *value, sd_bus_error *error) {
	PeerAllowlist *a = value;
	const void *cids;
	size_t size;
	int r;

	r = sd_bus_message_read_array(m, 'u', &cids, &size);
	if (r < 0)
		return r;
	if (size == 0 || size / sizeof(uint32_t) > PEER_ALLOWLIST_MAX)
		return sd_bus_error_setf(error, BUS_ERROR_INVALID_ARGUMENT,
		                         "%s takes 1 to %u vsock CIDs (the host is 2).", f->name,
		                         PEER_ALLOWLIST_MAX);
	a->n = size / sizeof(uint32_t);
	memcpy(a->cids, cids, size);
	return 0;
}

static bool allowlist_is_set(const void *value) {
	return ((const PeerAllowlist *) value)->n > 0;
}

static int allowlist_format(const void *value, FILE *f) {
	char buf[PEER_ALLOWLIST_STRING_MAX];

	peer_allowlist_format(value, buf);
	return fputs(buf, f) < 0 ? -EIO : 0;
}

static int allowlist_append(sd_bus_message *m, const void *value) {
	const PeerAllowlist *a = value;
	const uint32_t host = VMADDR_CID_HOST;

	/* Not set is the default: the host alone. */
	if (a->n == 0)
		return sd_bus_message_append_array(m, 'u', &host, sizeof(host));
	return sd_bus_message_append_array(m, 'u', a->cids, a->n * sizeof(uint32_t));
}

static int allowlist_get(sd_bus *bus, const char *path, const char *interface, const char *property,
                         sd_bus_message *reply, void *userdata, sd_bus_error *error) {
	return allowlist_append(reply, userdata);
}

const FieldType field_type_allowlist = {
	.signature = "au",
	.rule = "give 1 to 16 vsock CIDs (the host is 2)",
	.is_set = allowlist_is_set,
	.parse = peer_allowlist_parse,
	.format = allowlist_format,
	.read = allowlist_read,
	.append = allowlist_append,
	.get = allowlist_get,
};
