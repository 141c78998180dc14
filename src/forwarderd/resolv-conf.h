/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * resolv.conf while networks with DNS servers are attached. Before the
 * first write, what was at its path (a file, a symlink, or nothing) is
 * saved in the state directory; when the last network with DNS servers
 * goes, it is put back and the saved copy removed. The copy survives
 * restarts and crashes, so the original comes back even then.
 */

/* Writes the servers (a NULL-terminated list, at least one) to path. */
int resolv_conf_write(const char *path, const char *state_dir, char *const *servers);

/* Puts back what was at path before resolv_conf_write(); nothing to do if
 * it never wrote. */
int resolv_conf_restore(const char *path, const char *state_dir);
