/* A daemon's stream as a descriptor: passed over D-Bus by a local daemon,
 * carried by an ssh channel from a remote one. */

#define G_LOG_DOMAIN "marina-client"

#include "config.h"

#include <glib/gi18n.h>
#include <unistd.h>

#include "client-private.h"
#include "daemon-stream.h"
#include "error.h"
#include "ssh-channel.h"

typedef struct {
    int fd;
    GBytes *scrollback;
} Stream;

static void
stream_free(Stream *stream)
{
    if (stream->fd >= 0)
        close(stream->fd);
    g_clear_pointer(&stream->scrollback, g_bytes_unref);
    g_free(stream);
}

void
marina_daemon_stream_return(GTask *task, int fd, GBytes *scrollback)
{
    Stream *stream = g_new0(Stream, 1);

    stream->fd = fd;
    stream->scrollback = scrollback != NULL ? scrollback : g_bytes_new(NULL, 0);
    g_task_return_pointer(task, stream, (GDestroyNotify)stream_free);
}

int
marina_daemon_stream_take_fd(GVariant *handle, GUnixFDList *fds, const char *what, GError **error)
{
    gint32 index;

    /* The index comes from the peer: one outside the list would make
     * g_unix_fd_list_get() fail a precondition instead of setting @error. */
    if (handle == NULL || fds == NULL || !g_variant_is_of_type(handle, G_VARIANT_TYPE_HANDLE) ||
        (index = g_variant_get_handle(handle)) < 0 || index >= g_unix_fd_list_get_length(fds)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                    _("The daemon did not pass a console descriptor for %s."), what);
        return -1;
    }
    return g_unix_fd_list_get(fds, index, error);
}

static void
on_channel_opened(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GTask) task = user_data;
    GBytes *scrollback = NULL;
    GError *error = NULL;
    int fd = marina_ssh_channel_open_finish(result, &scrollback, &error);

    if (fd < 0)
        g_task_return_error(task, error);
    else
        marina_daemon_stream_return(task, fd, scrollback);
}

void
marina_daemon_stream_open_async(gpointer self, gpointer source_tag, MarinaConnection *connection,
                                const char *const *channel_args, MarinaDaemonStreamCall call,
                                gpointer call_data, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task = marina_client_task_new(self, source_tag, cancellable, callback, user_data);
    const MarinaUri *uri = marina_connection_get_uri(connection);

    if (uri->transport != MARINA_URI_TRANSPORT_SSH) {
        call(task, call_data);
        return;
    }
    /* What GDBus says of a call on a closed connection: a stream of a host
     * that is gone is refused the same way, local or remote. */
    if (marina_connection_is_closed(connection)) {
        g_task_return_new_error(task, G_IO_ERROR, G_IO_ERROR_CLOSED, _("The connection is closed"));
        g_object_unref(task);
        return;
    }
    marina_ssh_channel_open_async(uri, channel_args, cancellable, on_channel_opened, task);
}

int
marina_daemon_stream_open_finish(gpointer self, GAsyncResult *result, gpointer source_tag,
                                 GBytes **scrollback, GError **error)
{
    Stream *stream = marina_client_finish_pointer(self, result, source_tag, error);
    int fd;

    if (stream == NULL)
        return -1;
    fd = g_steal_fd(&stream->fd);
    if (scrollback != NULL)
        *scrollback = g_steal_pointer(&stream->scrollback);
    stream_free(stream);
    return fd;
}
