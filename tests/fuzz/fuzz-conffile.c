/* SPDX-License-Identifier: Apache-2.0 */

/*
 * The KEY=VALUE parser with every table that reads untrusted files: the
 * settings files of arca-forwarder@.service and arca-relay@.service (read
 * by arcactl), and the daemons' state files. The first byte picks the
 * table and which of its keys. Nothing it parses may crash, leak or read out of bounds; errors
 * must be reported as such.
 */

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "conffile.h"
#include "settings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	char error[CONF_ERROR_MAX] = "";
	FILE *f;

	if (size < 1)
		return 0;
	f = fmemopen((void *) (data + 1), size - 1, "r");
	if (!f)
		return 0;

	/* Settings files, or state files. */
	unsigned flags = data[0] & 2 ? FIELD_STATE : FIELD_SETTING;

	switch (data[0] % 2) {
	case 0: {
		NetworkSettings s;

		network_settings_init(&s);
		if (fields_parse_stream(f, "fuzz", network_fields, flags, &s, error) < 0 && !error[0])
			__builtin_trap();
		network_settings_done(&s);
		break;
	}
	case 1: {
		RelaySettings s;

		relay_settings_init(&s);
		if (fields_parse_stream(f, "fuzz", relay_fields, flags, &s, error) < 0 && !error[0])
			__builtin_trap();
		relay_settings_done(&s);
		break;
	}
	}
	fclose(f);
	return 0;
}
