#pragma once

#include <gio/gio.h>

#include "daemon-config.h"

G_BEGIN_DECLS

/*
 * The daemon's unix sockets: the writable one and, when configured, the
 * read-only one. Checks who connects (SO_PEERCRED: the session daemon
 * serves its own user and root, the system daemon leaves it to the
 * sockets' permissions) and hands each accepted connection over with the
 * "new-client" signal:
 *
 *   gboolean new_client (MarinaServer *server, GDBusConnection *connection,
 *                        gboolean read_only)
 *       TRUE when the handler serves @connection (FALSE closes it)
 */
#define MARINA_TYPE_SERVER (marina_server_get_type())
G_DECLARE_FINAL_TYPE(MarinaServer, marina_server, MARINA, SERVER, GObject)

/* @config is borrowed and outlives the server. */
MarinaServer *marina_server_new(const MarinaDaemonConfig *config);

/* Listen. Fails (with @error) when another daemon already serves a socket. */
gboolean marina_server_start(MarinaServer *self, GError **error);

/* Close the listening sockets (accepted connections stay). */
void marina_server_stop(MarinaServer *self);

G_END_DECLS
