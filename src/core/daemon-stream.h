#pragma once

/*
 * A stream of a guest or of the daemon itself (a console, a migration
 * stream) as one file descriptor, whatever the connection: a local daemon
 * passes it over D-Bus, a remote one is reached by an ssh channel (see
 * ssh-channel.h), since descriptors do not cross ssh. This file is the one
 * place that chooses; domain.c and host.c only say what to ask for.
 * Not for use outside src/core.
 */

#include <gio/gio.h>
#include <gio/gunixfdlist.h>

#include "connection.h"

G_BEGIN_DECLS

/* Starts the D-Bus call on a local connection, taking @task: its reply
 * callback completes it with marina_daemon_stream_return() or
 * g_task_return_error() and drops it. Called
 * before marina_daemon_stream_open_async() returns: @call_data may live on
 * the caller's stack. */
typedef void (*MarinaDaemonStreamCall)(GTask *task, gpointer call_data);

/* Opens a stream for @self (the task's source object, tagged @source_tag):
 * over ssh the channel `marinad --connect-channel @channel_args...`, else
 * @call. */
void marina_daemon_stream_open_async(gpointer self, gpointer source_tag,
                                     MarinaConnection *connection, const char *const *channel_args,
                                     MarinaDaemonStreamCall call, gpointer call_data,
                                     GCancellable *cancellable, GAsyncReadyCallback callback,
                                     gpointer user_data);
/* The descriptor (the caller owns it) and *scrollback (may be NULL to
 * ignore it; never NULL on success), or -1 with @error. */
int marina_daemon_stream_open_finish(gpointer self, GAsyncResult *result, gpointer source_tag,
                                     GBytes **scrollback, GError **error);

/* For a MarinaDaemonStreamCall's reply: completes @task with @fd (taken)
 * and @scrollback (taken; NULL for none). */
void marina_daemon_stream_return(GTask *task, int fd, GBytes *scrollback);
/* The descriptor a reply's handle names (a duplicate the caller owns), or
 * -1 with @error; @what names the stream for the message. */
int marina_daemon_stream_take_fd(GVariant *handle, GUnixFDList *fds, const char *what,
                                 GError **error);

G_END_DECLS
