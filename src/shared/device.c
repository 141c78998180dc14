/* SPDX-License-Identifier: Apache-2.0 */
#include <stdarg.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "netdev.h"

void device_init(Device *d, const DeviceOps *ops) {
	*d = (Device) { .ops = ops, .fd = -1, .ifindex = -1 };
}

int device_describe(Device *d, const char *what, const char *details_format, ...) {
	va_list ap;
	int r;

	d->what = strdup(what);
	if (!d->what)
		return -ENOMEM;
	va_start(ap, details_format);
	r = vasprintf(&d->details, details_format, ap);
	va_end(ap);
	if (r < 0) {
		d->details = NULL;
		return -ENOMEM;
	}
	return 0;
}

void device_set_mtu(Device *d, struct nl_sock *nl, uint32_t configured) {
	int mtu = configured > 0 ? (int) configured : netdev_get_mtu(nl, d->ifindex);

	d->mtu = mtu > 0 ? (uint32_t) mtu : 0;
}

void device_set_ready(Device *d, bool ready) {
	if (d->ready == ready)
		return;
	d->ready = ready;
	if (d->ready_changed)
		d->ready_changed(d, d->owner);
}

void device_report(Device *d, const char *format, ...) {
	va_list ap;
	char *s;

	va_start(ap, format);
	if (vasprintf(&s, format, ap) >= 0) {
		free(d->error);
		d->error = s;
		if (d->problem)
			d->problem(d, d->owner);
	}
	va_end(ap);
}

bool device_is_ready(const Device *d) {
	return d->fd >= 0 && (!d->waits_for_ready || d->ready);
}

void device_done(Device *d, int error) {
	DeviceDone done = d->done;

	d->busy = false;
	d->done = NULL;
	if (done)
		done(d, error, d->userdata);
}

void device_fail(Device *d, int error, const char *format, ...) {
	va_list ap;
	char *s;

	va_start(ap, format);
	if (vasprintf(&s, format, ap) >= 0) {
		free(d->error);
		d->error = s;
	}
	va_end(ap);
	device_done(d, error);
}

static void device_start(Device *d, DeviceDone done, void *userdata) {
	d->done = done;
	d->userdata = userdata;
	d->busy = true;
}

void device_open(Device *d, DeviceDone done, void *userdata) {
	device_start(d, done, userdata);
	d->ops->open(d);
}

void device_close(Device *d, bool broken, DeviceDone done, void *userdata) {
	device_start(d, done, userdata);
	d->ops->close(d, broken);
}

void device_shutdown(Device *d) {
	if (d && d->ops->shutdown)
		d->ops->shutdown(d);
}

Device *device_free(Device *d) {
	if (!d)
		return NULL;
	/* Closes without a word to the fd store: what it keeps is for the
	 * next daemon, unless the owner dropped it before. */
	safe_close(d->fd);
	free(d->error);
	free(d->what);
	free(d->details);
	d->ops->free(d);
	return NULL;
}
