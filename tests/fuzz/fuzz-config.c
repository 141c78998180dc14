/* SPDX-License-Identifier: Apache-2.0 */

/*
 * The checks of AttachNetwork's and StartRelay's arguments and options,
 * without a bus: the input is NUL-separated fields (the strings and, as
 * decimal text, the numbers of a call). Every input must either build a
 * config or set a named error, and leak nothing.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conffile.h"
#include "network-config.h"
#include "relay-config.h"

#define FIELDS 12U

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Splits a copy of data at NULs into up to FIELDS strings ("" for missing). */
static char *split(const uint8_t *data, size_t size, const char *field[static FIELDS]) {
	char *copy = malloc(size + 1);
	size_t n = 0;

	if (!copy)
		return NULL;
	memcpy(copy, data, size);
	copy[size] = '\0';
	field[n++] = copy;
	for (size_t i = 0; i < size && n < FIELDS; i++)
		if (copy[i] == '\0')
			field[n++] = copy + i + 1;
	while (n < FIELDS)
		field[n++] = "";
	return copy;
}

static char *dup_or_null(const char *s) {
	return s[0] ? strdup(s) : NULL;
}

static void check_network(const char *const f[static FIELDS]) {
	sd_bus_error error = SD_BUS_ERROR_NULL;
	NetworkConfig c = { .listen_fd = -1 };
	NetworkOptions o;
	int r;

	network_options_init(&o);
	o.mac = dup_or_null(f[5]);
	o.mtu = (uint32_t) strtoul(f[6], NULL, 10);
	o.framing = dup_or_null(f[7]);
	o.listen = dup_or_null(f[8]);
	if (f[9][0])
		(void) conf_parse_strv(f[9], &o.dns);
	if (f[10][0])
		(void) peer_allowlist_parse(f[10], &o.allowed_peers);
	r = network_config_new(&c, f[0], (uint32_t) strtoul(f[1], NULL, 10), f[2], f[3],
	                       (uint32_t) strtoul(f[4], NULL, 10), &o, &error);
	if (r < 0 && !sd_bus_error_is_set(&error) && r != -ENOMEM)
		abort();
	if (r >= 0)
		network_config_done(&c);
	network_options_done(&o);
	sd_bus_error_free(&error);
}

static void check_relay(const char *const f[static FIELDS]) {
	sd_bus_error error = SD_BUS_ERROR_NULL;
	RelayConfig c = { .listen_fd = -1 };
	RelayOptions o;
	int r;

	relay_options_init(&o);
	o.iface_id = dup_or_null(f[5]);
	o.network_id = dup_or_null(f[6]);
	o.container_id = dup_or_null(f[7]);
	o.backend = dup_or_null(f[8]);
	o.framing = dup_or_null(f[9]);
	o.mtu = (uint32_t) strtoul(f[10], NULL, 10);
	o.lock_mac = f[11][0] ? f[11][0] == '1' : -1;
	r = relay_config_new(&c, (uint32_t) strtoul(f[0], NULL, 10), f[1], f[2], f[3],
	                     (uint32_t) strtoul(f[4], NULL, 10), &o, &error);
	if (r < 0 && !sd_bus_error_is_set(&error) && r != -ENOMEM)
		abort();
	if (r >= 0)
		relay_config_done(&c);
	relay_options_done(&o);
	sd_bus_error_free(&error);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	const char *field[FIELDS];
	char *copy;

	if (size < 1)
		return 0;
	copy = split(data + 1, size - 1, field);
	if (!copy)
		return 0;
	if (data[0] % 2 == 0)
		check_network(field);
	else
		check_relay(field);
	free(copy);
	return 0;
}
