#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/*
 * An asynchronous QMP client (QEMU Machine Protocol) on json-glib. Commands
 * are pipelined and matched to replies by "id"; asynchronous events are
 * emitted as the "event" signal; a file descriptor can travel with a command
 * (SCM_RIGHTS, for getfd / add-fd). Never blocks the main loop.
 *
 * Signals:
 *   "event"  (const char *name, JsonObject *data (nullable), gint64 timestamp_us)
 *   "closed" (const GError *reason (nullable)) -- the peer hung up or the
 *            stream failed; pending commands fail with MARINA_ERROR_NOT_RUNNING.
 */
#define MARINA_TYPE_QMP_CLIENT (marina_qmp_client_get_type())
G_DECLARE_FINAL_TYPE(MarinaQmpClient, marina_qmp_client, MARINA, QMP_CLIENT, GObject)

/* Connect to the unix socket at @path, read the greeting and negotiate
 * capabilities (qmp_capabilities). */
void marina_qmp_client_connect_async(const char *path, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data);
MarinaQmpClient *marina_qmp_client_connect_finish(GAsyncResult *result, GError **error);

/* Same on an already connected socket (takes ownership of @connection). */
void marina_qmp_client_new_async(GSocketConnection *connection, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data);
MarinaQmpClient *marina_qmp_client_new_finish(GAsyncResult *result, GError **error);

/* The QEMU version from the greeting, e.g. "7.2.22". */
const char *marina_qmp_client_get_version(MarinaQmpClient *self);

/*
 * Execute @command with @arguments (nullable; the client takes a reference).
 * @fd >= 0 is sent with the command as SCM_RIGHTS (the caller keeps its own
 * copy). The result is the "return" member; a QMP "error" reply fails with
 * MARINA_ERROR_OPERATION_FAILED carrying QEMU's "desc".
 */
void marina_qmp_client_execute_async(MarinaQmpClient *self, const char *command,
                                     JsonObject *arguments, int fd, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data);
JsonNode *marina_qmp_client_execute_finish(MarinaQmpClient *self, GAsyncResult *result,
                                           GError **error);

gboolean marina_qmp_client_is_closed(MarinaQmpClient *self);
void marina_qmp_client_close(MarinaQmpClient *self);

G_END_DECLS
