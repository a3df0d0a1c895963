#pragma once

#include <gio/gio.h>

#include "marina-dbus.h"
#include "uri.h"

G_BEGIN_DECLS

/*
 * A connection to one marinad, local (unix socket) or remote (ssh running
 * `marinad --connect-stdio`). Peer-to-peer D-Bus: proxies have no bus name.
 *
 * Signals:
 *   "closed" (GError *reason): the peer went away (reason says why), or the
 *   connection was closed with marina_connection_close() (reason NULL).
 *
 * Failures to connect are MARINA_ERROR_NO_CONNECTION with a message that
 * names the URI, the socket and what to do; over ssh, the reason's own code
 * when it is known (HOST_UNREACHABLE, AUTH_FAILED, HOST_KEY_CHANGED,
 * HOST_KEY_UNKNOWN, NOT_INSTALLED, PROTOCOL_MISMATCH): test any of them with
 * marina_error_is_no_connection(). Errors raised by the daemon
 * arrive as MARINA_ERROR codes; show marina_error_message() to people.
 */

#define MARINA_TYPE_CONNECTION (marina_connection_get_type())
G_DECLARE_FINAL_TYPE(MarinaConnection, marina_connection, MARINA, CONNECTION, GObject)

#define MARINA_DBUS_HOST_PATH "/org/marinavm/Marina1"

/* How long a client waits for a session daemon it started to listen. */
#define MARINA_CONNECTION_DAEMON_START_TIMEOUT_S 10

/* Opens @uri (NULL: $MARINA_DEFAULT_URI, else marina:///session). For
 * marina:///session a daemon is started when none listens. */
void marina_connection_open_async(const char *uri, GCancellable *cancellable,
                                  GAsyncReadyCallback callback, gpointer user_data);

typedef enum {
    MARINA_CONNECTION_OPEN_DEFAULT = 0,
    /* Ask nothing, anywhere: no password, passphrase or host-key question on
     * a terminal or in a dialog (the askpass server). For opens nobody asked
     * for (automatic retries): over ssh only a shared login that is still
     * there, or a key that needs nothing, will do (BatchMode=yes); else the
     * open fails with why (e.g. MARINA_ERROR_AUTH_FAILED). The URI, which
     * names the connection for settings and the keyring, stays as it is. */
    MARINA_CONNECTION_OPEN_QUIET = 1 << 0,
} MarinaConnectionOpenFlags;

/* marina_connection_open_async() with @flags; finish with
 * marina_connection_open_finish(). */
void marina_connection_open_full_async(const char *uri, MarinaConnectionOpenFlags flags,
                                       GCancellable *cancellable, GAsyncReadyCallback callback,
                                       gpointer user_data);
MarinaConnection *marina_connection_open_finish(GAsyncResult *result, GError **error);
/* Blocking variant for command-line tools; never call it from a main loop
 * that must stay responsive. */
MarinaConnection *marina_connection_open_sync(const char *uri, GCancellable *cancellable,
                                              GError **error);

/* The URI given by the user when no URI was passed: $MARINA_DEFAULT_URI or
 * marina:///session. */
const char *marina_connection_default_uri(void);

const MarinaUri *marina_connection_get_uri(MarinaConnection *self);
/* Canonical spelling of the URI (marina_uri_to_string()). */
const char *marina_connection_get_uri_string(MarinaConnection *self);
GDBusConnection *marina_connection_get_dbus_connection(MarinaConnection *self);
/* The Host proxy, for MarinaHost's and MarinaGuestList's signal
 * subscriptions. Its properties are NOT preloaded (connecting stays one
 * round trip): read them with marina_host_get_properties_async(). */
MarinaDBusHost *marina_connection_get_host(MarinaConnection *self);
gboolean marina_connection_is_closed(MarinaConnection *self);
/* Closes the connection (and ends the ssh process of a remote one). */
void marina_connection_close(MarinaConnection *self);

/* The ssh command line for an ssh URI (exposed for tests and for opening
 * console channels over the same shared ssh connection). */
GStrv marina_connection_build_ssh_argv(const MarinaUri *uri, GError **error);

G_END_DECLS
