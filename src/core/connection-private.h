#pragma once

/* What connection.c uses from session-daemon.c (starting marinad on
 * demand, waiting for a process) and ssh-transport.c (marinad over ssh);
 * not for use outside src/core. */

#include <gio/gio.h>

#include "connection.h"
#include "ssh-stderr.h"

G_BEGIN_DECLS

/* The connect() failure that means no daemon listens on the socket. */
gboolean marina_connection_error_is_no_daemon(const GError *error);

/* Waits for @process to exit; fails with G_IO_ERROR_TIMED_OUT after @seconds. */
void marina_process_wait_async(GSubprocess *process, guint seconds, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data);
gboolean marina_process_wait_finish(GSubprocess *process, GAsyncResult *result, GError **error);
/* On a private main context: nothing else runs meanwhile. */
gboolean marina_process_wait_sync(GSubprocess *process, guint seconds, GCancellable *cancellable,
                                  GError **error);

/* Whether connecting to @uri failed with @error because no session daemon
 * runs, and one should be started. */
gboolean marina_session_daemon_should_start(const MarinaUri *uri, const GError *error);
/* Starts `marinad --session --daemonize` and waits until it listens on
 * @socket (MARINA_CONNECTION_DAEMON_START_TIMEOUT_S at most). */
void marina_session_daemon_start_async(const MarinaUri *uri, const char *socket,
                                       GCancellable *cancellable, GAsyncReadyCallback callback,
                                       gpointer user_data);
gboolean marina_session_daemon_start_finish(GAsyncResult *result, GError **error);
gboolean marina_session_daemon_start_sync(const MarinaUri *uri, const char *socket,
                                          GCancellable *cancellable, GError **error);

/* The marinad command line for @uri's host with @args (each quoted for the
 * remote shell) and the mode and socket of @uri. */
char *marina_ssh_remote_command(const MarinaUri *uri, const char *const *args);
/* The ssh command line running @remote (a shell command line) on @uri's
 * host, sharing one login with every other ssh to that host. */
GStrv marina_ssh_build_argv(const MarinaUri *uri, const char *remote, GError **error);
/* A launcher for ssh to @uri's host, with the environment every ssh Marina
 * runs needs. */
GSubprocessLauncher *marina_ssh_launcher_new(const MarinaUri *uri, GSubprocessFlags flags);
/* Whether ssh to @uri's host can ask questions (a terminal or an askpass). */
gboolean marina_ssh_can_ask(const MarinaUri *uri);
/* ssh to @uri's host running `marinad --connect-stdio --protocol=N`, its
 * stdin/stdout as *stream, its standard error read into *stderr_out.
 * MARINA_CONNECTION_OPEN_QUIET in @flags: it asks nothing, anywhere. */
GSubprocess *marina_ssh_spawn(const MarinaUri *uri, MarinaConnectionOpenFlags flags,
                              GIOStream **stream, MarinaSshStderr **stderr_out, GError **error);
/* Why connecting over ssh failed (@cause: the greeting's or the D-Bus
 * handshake's error), from ssh's exit status (@exited: it did exit in time)
 * and what it wrote to @ssh_stderr. */
void marina_ssh_set_error(const MarinaUri *uri, GSubprocess *ssh, gboolean exited,
                          MarinaSshStderr *ssh_stderr, const GError *cause, GError **error);

G_END_DECLS
