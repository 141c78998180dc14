/* SPDX-License-Identifier: Apache-2.0 */

/*
 * The checks of AttachNetwork's and StartRelay's arguments and options,
 * without a bus: the input is NUL-separated fields (the strings and, as
 * decimal text, the numbers of a call), set as the bus would set them
 * where their type takes them. Every input must either complete the
 * settings or set a named error, and leak nothing.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conffile.h"
#include "network.h"
#include "network-settings.h"
#include "relay.h"
#include "relay-settings.h"

#define FIELDS 14U

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

/* A value where the bus would have one: text that its type takes, as the
 * bus reader would take it (bus and text share the rules). */
static void set(const Field *table, void *settings, const char *key, const char *value) {
	if (value[0])
		(void) fields_set(table, 0, settings, key, value);
}

static void check(const ObjectSchema *t, const ObjectOps *ops, const char *const keys[static FIELDS],
                  const char *const f[static FIELDS]) {
	sd_bus_error error = SD_BUS_ERROR_NULL;
	const DaemonType type = { .schema = t, .ops = ops };
	Daemon daemon = { .type = &type, .state_dir = "/nonexistent" };
	void *settings = calloc(1, t->settings_size);
	int r;

	if (!settings)
		return;
	fields_init(t->fields, settings);
	for (size_t i = 0; i < FIELDS && keys[i]; i++)
		set(t->fields, settings, keys[i], f[i]);
	r = ops->complete(&daemon, settings, &error);
	if (r < 0 && !sd_bus_error_is_set(&error) && r != -ENOMEM)
		abort();
	fields_done(t->fields, settings);
	free(settings);
	sd_bus_error_free(&error);
}

static void check_network(const char *const f[static FIELDS]) {
	static const char *const keys[FIELDS] = {
		"Device", "VsockPort", "Address", "Gateway", "PrefixLength", "MAC", "MTU", "Framing", "Listen",
		"DNS", "AllowedPeers", "Addresses", "Gateways", "IPv6LinkLocal",
	};

	check(&network_schema, &network_ops, keys, f);
}

static void check_relay(const char *const f[static FIELDS]) {
	static const char *const keys[FIELDS] = {
		"VsockPort", "Bridge", "PortName", "MAC", "VLAN", "IfaceId", "NetworkId", "ContainerId", "Backend",
		"Framing", "MTU", "LockMAC",
	};

	check(&relay_schema, &relay_ops, keys, f);
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
