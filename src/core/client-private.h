#pragma once

/* Helpers shared by the client objects (host.c, domain.c, pool.c, volume.c,
 * job-watcher.c); not for use outside src/core. */

#include <gio/gio.h>

#include "call-timeouts.h"
#include "connection.h"

G_BEGIN_DECLS

/* Proxies of the client objects make calls only: no property cache, no
 * signal subscriptions, so creating one costs no round trip. */
#define MARINA_CLIENT_PROXY_FLAGS                                                                  \
    (G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES | G_DBUS_PROXY_FLAGS_DO_NOT_CONNECT_SIGNALS |       \
     G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START)

/* @proxy with @timeout_ms as the timeout of the next call made through it
 * (generated calls use the proxy's default timeout). */
gpointer marina_client_timeout(gpointer proxy, int timeout_ms);

/* A GAsyncReadyCallback for a generated call whose reply is empty: returns
 * TRUE or the error to the GTask passed as user data (a reference it owns). */
void marina_client_void_reply(GObject *source, GAsyncResult *result, gpointer user_data);

/* The same for a reply of one string (GetXML): the string to g_task_return_pointer(). */
void marina_client_string_reply(GObject *source, GAsyncResult *result, gpointer user_data);
/* The same for a reply of one job object path (StartInstall, Clone): a
 * MarinaJobWatcher on the connection the GTask holds as its task data. */
void marina_client_job_reply(GObject *source, GAsyncResult *result, gpointer user_data);
/* A new GTask like marina_client_task_new() with @connection as its task
 * data, for marina_client_job_reply(). */
GTask *marina_client_job_task_new(gpointer self, MarinaConnection *connection, gpointer source_tag,
                                  GCancellable *cancellable, GAsyncReadyCallback callback,
                                  gpointer user_data);

/* Completes an async pair whose result is a boolean, checking the tag. */
gboolean marina_client_finish_boolean(gpointer self, GAsyncResult *result, gpointer source_tag,
                                      GError **error);
gpointer marina_client_finish_pointer(gpointer self, GAsyncResult *result, gpointer source_tag,
                                      GError **error);

/* A new GTask for @self tagged @source_tag. */
GTask *marina_client_task_new(gpointer self, gpointer source_tag, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data);

G_END_DECLS
