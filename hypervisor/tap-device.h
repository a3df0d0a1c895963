#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Tap devices for guest interfaces of type 'bridge' (system daemon, root):
 * the daemon creates the tap, brings it up on the bridge and hands its file
 * descriptor to QEMU. The tap is not persistent, so it goes away by itself
 * when QEMU exits — nothing to clean up after a crash.
 */

/* A new tap device on @bridge, up, with the bridge's MTU. @wanted_name is
 * the interface's <target dev> or NULL ("vnet%d": the kernel picks the
 * number). Returns the tap's fd (close-on-exec) and its name in @name, or
 * -1 with @error naming the bridge and what to do. */
int marina_tap_open_on_bridge(const char *bridge, const char *wanted_name, char **name,
                              GError **error);

G_END_DECLS
