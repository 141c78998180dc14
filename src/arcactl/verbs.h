/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * What each of arcactl's commands does, once the command line is parsed
 * (cmdline.h's verb table points here): each returns 0, or a negative
 * errno after reporting the failure as one line.
 */

#include <systemd/sd-bus.h>

#include "cmdline.h"

/* verbs-show.c: reading. */
int verb_list(sd_bus *bus, const Command *c);
int verb_status(sd_bus *bus, const Command *c);
int verb_relay_list(sd_bus *bus, const Command *c);
int verb_relay_status(sd_bus *bus, const Command *c);
int verb_wait(sd_bus *bus, const Command *c);

/* verbs-change.c: changing. */
int verb_attach(sd_bus *bus, const Command *c);
int verb_detach(sd_bus *bus, const Command *c);
int verb_relay_start(sd_bus *bus, const Command *c);
int verb_relay_stop(sd_bus *bus, const Command *c);
int verb_set(sd_bus *bus, const Command *c);

/* verbs-monitor.c */
int verb_monitor(sd_bus *bus, const Command *c);

/* verbs-capture.c */
int verb_capture(sd_bus *bus, const Command *c);
