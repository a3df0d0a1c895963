/* Starting the session daemon on demand for marina:///session (marinad
 * --session --daemonize, then waiting until it listens), and waiting for a
 * process with a time limit. Used by connection.c. */

#define G_LOG_DOMAIN "marina-connection"

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "connection-private.h"
#include "error.h"
#include "paths.h"
#include "sync-wait.h"

/* Enough of a failed daemon's stderr to show its last message. */
#define DAEMON_STDERR_MAX 4096

/* ---------------------------------------------------------------------------------------------
 * Waiting for a process, with a time limit
 */

typedef struct {
    GCancellable *wait_cancellable; /* cancelled by the timer or the caller */
    GCancellable *caller_cancellable;
    gulong caller_handler;
    GSource *timeout; /* on the caller's thread-default context */
    gboolean timed_out;
} WaitData;

static void
wait_data_free(WaitData *data)
{
    if (data->caller_cancellable != NULL)
        g_cancellable_disconnect(data->caller_cancellable, data->caller_handler);
    g_clear_object(&data->caller_cancellable);
    if (data->timeout != NULL) {
        g_source_destroy(data->timeout);
        g_source_unref(data->timeout);
    }
    g_clear_object(&data->wait_cancellable);
    g_free(data);
}

static gboolean
on_wait_timeout(gpointer user_data)
{
    WaitData *data = user_data;

    data->timed_out = TRUE;
    g_cancellable_cancel(data->wait_cancellable);
    return G_SOURCE_REMOVE;
}

static void
on_caller_cancelled(GCancellable *cancellable, gpointer user_data)
{
    g_cancellable_cancel(G_CANCELLABLE(user_data));
}

static void
on_process_waited(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GTask) task = user_data;
    WaitData *data = g_task_get_task_data(task);
    g_autoptr(GError) error = NULL;

    if (g_subprocess_wait_finish(G_SUBPROCESS(source), result, &error))
        g_task_return_boolean(task, TRUE);
    else if (data->timed_out)
        g_task_return_new_error(task, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "timed out");
    else
        g_task_return_error(task, g_steal_pointer(&error));
}

/* Waits for @process to exit; fails with G_IO_ERROR_TIMED_OUT after @seconds. */
void
marina_process_wait_async(GSubprocess *process, guint seconds, GCancellable *cancellable,
                          GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task = g_task_new(process, cancellable, callback, user_data);
    WaitData *data = g_new0(WaitData, 1);

    data->wait_cancellable = g_cancellable_new();
    data->timeout = g_timeout_source_new_seconds(seconds);
    g_source_set_callback(data->timeout, on_wait_timeout, data, NULL);
    g_source_attach(data->timeout, g_main_context_get_thread_default());
    if (cancellable != NULL) {
        data->caller_cancellable = g_object_ref(cancellable);
        data->caller_handler =
            g_cancellable_connect(cancellable, G_CALLBACK(on_caller_cancelled),
                                  g_object_ref(data->wait_cancellable), g_object_unref);
    }
    g_task_set_task_data(task, data, (GDestroyNotify)wait_data_free);
    g_subprocess_wait_async(process, data->wait_cancellable, on_process_waited, task);
}

gboolean
marina_process_wait_finish(GSubprocess *process, GAsyncResult *result, GError **error)
{
    return g_task_propagate_boolean(G_TASK(result), error);
}

/* The blocking form runs the wait on a private main context: nothing but the
 * subprocess lives there, so no proxy or connection is tied to it. */
gboolean
marina_process_wait_sync(GSubprocess *process, guint seconds, GCancellable *cancellable,
                         GError **error)
{
    g_autoptr(GMainContext) context = g_main_context_new();
    g_autoptr(GAsyncResult) result = NULL;

    g_main_context_push_thread_default(context);
    marina_process_wait_async(process, seconds, cancellable, marina_sync_wait_ready, &result);
    marina_sync_wait(&result);
    g_main_context_pop_thread_default(context);
    return marina_process_wait_finish(process, result, error);
}

/* ---------------------------------------------------------------------------------------------
 * Starting the session daemon on demand
 */

/* The daemon program as an absolute path, or NULL (with a message) when it is missing. */
static char *
find_daemon_binary(const MarinaUri *uri, const char *socket, GError **error)
{
    g_autofree char *configured = marina_paths_daemon_binary();
    g_autofree char *found = NULL;
    g_autofree char *uri_string = marina_uri_to_string(uri);

    if (strchr(configured, '/') == NULL)
        found = g_find_program_in_path(configured);
    else
        found = g_canonicalize_filename(configured, NULL);
    if (found == NULL || !g_file_test(found, G_FILE_TEST_IS_REGULAR) ||
        !g_file_test(found, G_FILE_TEST_IS_EXECUTABLE)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_NO_CONNECTION,
                    _("Cannot connect to %s: no daemon is listening on %s, and the daemon program "
                      "%s is missing, so none can be started. Install marinad, or set MARINAD to "
                      "the path of the marinad program."),
                    uri_string, socket, configured);
        return NULL;
    }
    return g_steal_pointer(&found);
}

typedef struct {
    MarinaUri *uri;
    char *socket;
    char *binary;
    int stderr_fd; /* an unlinked temporary file the daemon's stderr goes to */
} StartData;

static void
start_data_free(StartData *data)
{
    marina_uri_free(data->uri);
    g_free(data->socket);
    g_free(data->binary);
    if (data->stderr_fd >= 0)
        close(data->stderr_fd);
    g_free(data);
}

/* The last line the daemon wrote to stderr, or NULL. */
static char *
read_daemon_message(int fd)
{
    char buf[DAEMON_STDERR_MAX + 1];
    ssize_t n;
    char *last;

    if (fd < 0 || lseek(fd, 0, SEEK_SET) < 0)
        return NULL;
    n = read(fd, buf, DAEMON_STDERR_MAX);
    if (n <= 0)
        return NULL;
    buf[n] = '\0';
    g_strchomp(buf);
    last = strrchr(buf, '\n');
    return g_strdup(last != NULL ? last + 1 : buf);
}

/* The daemon's stdout/stderr must not be our pipes: the daemonized child
 * would hold them open and hang a caller reading our output to EOF. */
static GSubprocess *
spawn_daemon(StartData *data, GError **error)
{
    g_autoptr(GSubprocessLauncher) launcher = NULL;
    g_autofree char *tmp_path = NULL;
    int fd;

    launcher = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
    g_subprocess_launcher_set_cwd(launcher, "/");
    fd = g_file_open_tmp("marinad-start-XXXXXX", &tmp_path, NULL);
    if (fd >= 0) {
        g_unlink(tmp_path);
        data->stderr_fd = fd;
        g_subprocess_launcher_take_stderr_fd(launcher, dup(fd));
    }
    return g_subprocess_launcher_spawn(launcher, error, data->binary, "--session", "--daemonize",
                                       NULL);
}

static void
set_daemon_failed_error(StartData *data, GSubprocess *process, GError **error)
{
    g_autofree char *uri_string = marina_uri_to_string(data->uri);
    g_autofree char *message = read_daemon_message(data->stderr_fd);
    g_autofree char *status = NULL;

    if (g_subprocess_get_if_exited(process))
        status = g_strdup_printf(_("exit status %d"), g_subprocess_get_exit_status(process));
    else
        status = g_strdup_printf(_("killed by signal %d"), g_subprocess_get_term_sig(process));
    g_set_error(error, MARINA_ERROR, MARINA_ERROR_NO_CONNECTION,
                _("Cannot connect to %s: the session daemon %s failed to start (%s)%s%s"),
                uri_string, data->binary, status, message != NULL ? ": " : ".",
                message != NULL ? message : "");
}

static void
on_daemon_exited(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GTask) task = user_data;
    StartData *data = g_task_get_task_data(task);
    GSubprocess *process = G_SUBPROCESS(source);
    g_autoptr(GError) error = NULL;
    g_autofree char *uri_string = marina_uri_to_string(data->uri);

    if (!marina_process_wait_finish(process, result, &error)) {
        if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
            g_task_return_new_error(task, MARINA_ERROR, MARINA_ERROR_NO_CONNECTION,
                                    _("Cannot connect to %s: the session daemon %s did not start "
                                      "listening on %s within %d seconds."),
                                    uri_string, data->binary, data->socket,
                                    MARINA_CONNECTION_DAEMON_START_TIMEOUT_S);
        else
            g_task_return_error(task, g_steal_pointer(&error));
        return;
    }
    if (!g_subprocess_get_successful(process)) {
        set_daemon_failed_error(data, process, &error);
        g_task_return_error(task, g_steal_pointer(&error));
        return;
    }
    g_task_return_boolean(task, TRUE);
}

/* marinad --daemonize forks; its parent exits once the socket listens, so
 * the parent's exit (with a time limit) says when to connect again. */
void
marina_session_daemon_start_async(const MarinaUri *uri, const char *socket,
                                  GCancellable *cancellable, GAsyncReadyCallback callback,
                                  gpointer user_data)
{
    g_autoptr(GTask) task = g_task_new(NULL, cancellable, callback, user_data);
    g_autoptr(GSubprocess) process = NULL;
    g_autoptr(GError) error = NULL;
    StartData *data = g_new0(StartData, 1);

    data->uri = marina_uri_copy(uri);
    data->socket = g_strdup(socket);
    data->stderr_fd = -1;
    g_task_set_task_data(task, data, (GDestroyNotify)start_data_free);
    data->binary = find_daemon_binary(uri, socket, &error);
    if (data->binary == NULL) {
        g_task_return_error(task, g_steal_pointer(&error));
        return;
    }
    g_debug("Starting the session daemon: %s --session --daemonize", data->binary);
    process = spawn_daemon(data, &error);
    if (process == NULL) {
        g_autofree char *uri_string = marina_uri_to_string(uri);
        g_task_return_new_error(task, MARINA_ERROR, MARINA_ERROR_NO_CONNECTION,
                                _("Cannot connect to %s: the session daemon %s cannot be started: "
                                  "%s"),
                                uri_string, data->binary, error->message);
        return;
    }
    marina_process_wait_async(process, MARINA_CONNECTION_DAEMON_START_TIMEOUT_S, cancellable,
                              on_daemon_exited, g_steal_pointer(&task));
}

gboolean
marina_session_daemon_start_finish(GAsyncResult *result, GError **error)
{
    return g_task_propagate_boolean(G_TASK(result), error);
}

gboolean
marina_session_daemon_start_sync(const MarinaUri *uri, const char *socket,
                                 GCancellable *cancellable, GError **error)
{
    g_autoptr(GMainContext) context = g_main_context_new();
    g_autoptr(GAsyncResult) result = NULL;

    g_main_context_push_thread_default(context);
    marina_session_daemon_start_async(uri, socket, cancellable, marina_sync_wait_ready, &result);
    marina_sync_wait(&result);
    g_main_context_pop_thread_default(context);
    return marina_session_daemon_start_finish(result, error);
}

/* Only the default session socket is worth starting a daemon for: a daemon
 * started by us listens there, not on a ?socket= of the user's choosing. */
gboolean
marina_session_daemon_should_start(const MarinaUri *uri, const GError *error)
{
    return uri->transport == MARINA_URI_TRANSPORT_LOCAL && marina_uri_is_session(uri) &&
           marina_uri_get_param(uri, "socket") == NULL &&
           marina_connection_error_is_no_daemon(error);
}
