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
 * names the URI, the socket and what to do. Errors raised by the daemon
 * arrive as MARINA_ERROR codes; show marina_error_message() to people.
 */

#define MARINA_TYPE_CONNECTION (marina_connection_get_type())
G_DECLARE_FINAL_TYPE(MarinaConnection, marina_connection, MARINA, CONNECTION, GObject)

#define MARINA_DBUS_HOST_PATH "/org/marinavm/Marina1"
#define MARINA_DBUS_DOMAIN_PATH_PREFIX "/org/marinavm/Marina1/domain/"

/* How long a client waits for a session daemon it started to listen. */
#define MARINA_CONNECTION_DAEMON_START_TIMEOUT_S 10

/* Opens @uri (NULL: $MARINA_DEFAULT_URI, else marina:///session). For
 * marina:///session a daemon is started when none listens. */
void marina_connection_open_async(const char *uri, GCancellable *cancellable,
                                  GAsyncReadyCallback callback, gpointer user_data);
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
/* The Host proxy. Its properties are NOT preloaded (connecting stays one
 * round trip); read them with marina_connection_get_host_property_sync() or
 * watch them through "g-properties-changed". */
MarinaDBusHost *marina_connection_get_host(MarinaConnection *self);
gboolean marina_connection_is_closed(MarinaConnection *self);
/* Closes the connection (and ends the ssh process of a remote one). */
void marina_connection_close(MarinaConnection *self);

/* Superseded by the client API (host.h, domain.h): marina_host_get_properties_async(),
 * marina_host_lookup_domain_async(), marina_domain_new() / marina_domain_load_async().
 * The functions below stay until the last callers in src/ui have moved. */

/* One Host property fetched from the daemon (org.freedesktop.DBus.Properties.Get). */
GVariant *marina_connection_get_host_property_sync(MarinaConnection *self, const char *name,
                                                   GCancellable *cancellable, GError **error);

/* /org/marinavm/Marina1/domain/<uuid with '-' written as '_'>. */
char *marina_connection_domain_object_path(const char *uuid);

/* Looks up a domain by name, UUID or running id (Host.LookupDomain) and
 * returns its proxy with properties loaded. */
MarinaDBusDomain *marina_connection_get_domain_sync(MarinaConnection *self,
                                                    const char *name_or_uuid,
                                                    GCancellable *cancellable, GError **error);
void marina_connection_get_domain_async(MarinaConnection *self, const char *name_or_uuid,
                                        GCancellable *cancellable, GAsyncReadyCallback callback,
                                        gpointer user_data);
MarinaDBusDomain *marina_connection_get_domain_finish(MarinaConnection *self, GAsyncResult *result,
                                                      GError **error);

/* A proxy for a domain object path the daemon returned (DefineDomain,
 * ListDomains, signals); properties loaded. */
MarinaDBusDomain *marina_connection_get_domain_by_path_sync(MarinaConnection *self,
                                                            const char *object_path,
                                                            GCancellable *cancellable,
                                                            GError **error);
void marina_connection_get_domain_by_path_async(MarinaConnection *self, const char *object_path,
                                                GCancellable *cancellable,
                                                GAsyncReadyCallback callback, gpointer user_data);
MarinaDBusDomain *marina_connection_get_domain_by_path_finish(MarinaConnection *self,
                                                              GAsyncResult *result, GError **error);

/* The ssh command line for an ssh URI (exposed for tests and for opening
 * console channels over the same shared ssh connection). */
GStrv marina_connection_build_ssh_argv(const MarinaUri *uri, GError **error);

G_END_DECLS
