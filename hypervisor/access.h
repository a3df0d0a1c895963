#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * Access checks. Whoever accepts a client connection says what it may do
 * (marina_access_set_read_only); every method that changes something asks
 * marina_access_check_writable. The answer travels with the connection, so
 * any layer can ask without knowing who serves the sockets.
 */

/* Mark @connection as having come in on the read-only socket; a refusal
 * tells the person to use @writable_socket instead. */
void marina_access_set_read_only(GDBusConnection *connection, const char *writable_socket);

gboolean marina_access_is_read_only(GDBusConnection *connection);

/* FALSE (and @invocation answered with Error.ReadOnly) when the caller came
 * in on the read-only socket. */
gboolean marina_access_check_writable(GDBusMethodInvocation *invocation);

G_END_DECLS
