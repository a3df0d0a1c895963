#define G_LOG_DOMAIN "marina-connection"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <gio/gunixinputstream.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "connection.h"
#include "error.h"
#include "paths.h"

#define HOST_INTERFACE "org.marinavm.Marina1.Host"
#define DEFAULT_URI "marina:///session"
/* How long to let ssh exit after the D-Bus handshake over it failed, so its
 * exit status can say why. */
#define SSH_EXIT_WAIT_S 5
/* Enough of a failed daemon's stderr to show its last message. */
#define DAEMON_STDERR_MAX 4096

static const GDBusConnectionFlags CONNECTION_FLAGS = G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT;

struct _MarinaConnection {
    GObject parent_instance;

    MarinaUri *uri;
    char *uri_string;
    GDBusConnection *dbus;
    MarinaDBusHost *host;
    GSubprocess *ssh; /* remote connections only */
    gulong closed_handler;
    gboolean closed;
};

enum { SIGNAL_CLOSED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE(MarinaConnection, marina_connection, G_TYPE_OBJECT)

/* ---------------------------------------------------------------------------------------------
 * The object
 */

static void
marina_connection_dispose(GObject *object)
{
    MarinaConnection *self = MARINA_CONNECTION(object);

    if (self->dbus != NULL) {
        g_clear_signal_handler(&self->closed_handler, self->dbus);
        if (!g_dbus_connection_is_closed(self->dbus))
            g_dbus_connection_close(self->dbus, NULL, NULL, NULL);
    }
    g_clear_object(&self->host);
    g_clear_object(&self->dbus);
    /* Closing the stream closed ssh's stdin, so it exits; GSubprocess reaps it. */
    g_clear_object(&self->ssh);
    G_OBJECT_CLASS(marina_connection_parent_class)->dispose(object);
}

static void
marina_connection_finalize(GObject *object)
{
    MarinaConnection *self = MARINA_CONNECTION(object);

    g_clear_pointer(&self->uri, marina_uri_free);
    g_free(self->uri_string);
    G_OBJECT_CLASS(marina_connection_parent_class)->finalize(object);
}

static void
marina_connection_class_init(MarinaConnectionClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);

    object_class->dispose = marina_connection_dispose;
    object_class->finalize = marina_connection_finalize;

    /* Registers org.marinavm.Marina1.Error.* so daemon errors arrive as MARINA_ERROR codes. */
    (void)marina_error_quark();

    signals[SIGNAL_CLOSED] = g_signal_new("closed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0,
                                          NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
marina_connection_init(MarinaConnection *self)
{
}

static void
on_dbus_closed(GDBusConnection *dbus, gboolean remote_peer_vanished, GError *cause,
               gpointer user_data)
{
    MarinaConnection *self = MARINA_CONNECTION(user_data);
    g_autoptr(GError) reason = NULL;

    if (self->closed)
        return;
    self->closed = TRUE;
    if (remote_peer_vanished) {
        g_debug("Connection to %s closed: %s", self->uri_string,
                cause != NULL ? cause->message : "(no detail)");
        reason = g_error_new(MARINA_ERROR, MARINA_ERROR_NO_CONNECTION,
                             _("The connection to %s was closed: the daemon went away."),
                             self->uri_string);
    }
    g_signal_emit(self, signals[SIGNAL_CLOSED], 0, reason);
}

static MarinaConnection *
connection_new(MarinaUri *uri, GDBusConnection *dbus, MarinaDBusHost *host, GSubprocess *ssh)
{
    MarinaConnection *self = g_object_new(MARINA_TYPE_CONNECTION, NULL);

    self->uri = uri;
    self->uri_string = marina_uri_to_string(uri);
    self->dbus = g_object_ref(dbus);
    self->host = g_object_ref(host);
    self->ssh = ssh != NULL ? g_object_ref(ssh) : NULL;
    self->closed_handler = g_signal_connect(dbus, "closed", G_CALLBACK(on_dbus_closed), self);
    self->closed = g_dbus_connection_is_closed(dbus);
    return self;
}

const char *
marina_connection_default_uri(void)
{
    const char *env = g_getenv("MARINA_DEFAULT_URI");

    return env != NULL && *env != '\0' ? env : DEFAULT_URI;
}

const MarinaUri *
marina_connection_get_uri(MarinaConnection *self)
{
    g_return_val_if_fail(MARINA_IS_CONNECTION(self), NULL);
    return self->uri;
}

const char *
marina_connection_get_uri_string(MarinaConnection *self)
{
    g_return_val_if_fail(MARINA_IS_CONNECTION(self), NULL);
    return self->uri_string;
}

GDBusConnection *
marina_connection_get_dbus_connection(MarinaConnection *self)
{
    g_return_val_if_fail(MARINA_IS_CONNECTION(self), NULL);
    return self->dbus;
}

MarinaDBusHost *
marina_connection_get_host(MarinaConnection *self)
{
    g_return_val_if_fail(MARINA_IS_CONNECTION(self), NULL);
    return self->host;
}

gboolean
marina_connection_is_closed(MarinaConnection *self)
{
    g_return_val_if_fail(MARINA_IS_CONNECTION(self), TRUE);
    return self->closed || g_dbus_connection_is_closed(self->dbus);
}

void
marina_connection_close(MarinaConnection *self)
{
    g_return_if_fail(MARINA_IS_CONNECTION(self));
    if (!g_dbus_connection_is_closed(self->dbus))
        g_dbus_connection_close(self->dbus, NULL, NULL, NULL);
}

/* ---------------------------------------------------------------------------------------------
 * Errors a person can act on
 */

static gboolean
is_no_daemon(const GError *error)
{
    return g_error_matches(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND) ||
           g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
}

static const char *
no_daemon_hint(const MarinaUri *uri)
{
    if (uri->transport == MARINA_URI_TRANSPORT_UNIX || marina_uri_get_param(uri, "socket") != NULL)
        return _("Check the socket path, or start a daemon listening there.");
    if (marina_uri_is_system(uri))
        return _("Start it with 'systemctl start marinad' or run 'marinad --system'.");
    return _("Run 'marinad --session' to see why it does not start.");
}

static const char *
permission_hint(const MarinaUri *uri)
{
    if (marina_uri_is_system(uri))
        return _("Run the command as root, use marina:///session for your own guests, or ask the "
                 "administrator for access to the socket.");
    return _("Check the permissions of the socket and of the folder holding it.");
}

/* Turns a failed connect() into MARINA_ERROR_NO_CONNECTION naming the URI,
 * the socket and what to do; the technical detail goes to the debug log. */
static void
set_connect_error(const MarinaUri *uri, const char *socket, const GError *cause, GError **error)
{
    g_autofree char *uri_string = marina_uri_to_string(uri);

    g_debug("Connecting to %s (%s) failed: %s", uri_string, socket, cause->message);
    if (g_error_matches(cause, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_set_error_literal(error, cause->domain, cause->code, cause->message);
    else if (is_no_daemon(cause))
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_NO_CONNECTION,
                    _("Cannot connect to %s: no daemon is listening on %s. %s"), uri_string, socket,
                    no_daemon_hint(uri));
    else if (g_error_matches(cause, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED))
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_NO_CONNECTION,
                    _("Cannot connect to %s: permission denied on %s. %s"), uri_string, socket,
                    permission_hint(uri));
    else
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_NO_CONNECTION,
                    _("Cannot connect to %s through %s: %s"), uri_string, socket, cause->message);
}

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
static void
wait_process_async(GSubprocess *process, guint seconds, GCancellable *cancellable,
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

static gboolean
wait_process_finish(GSubprocess *process, GAsyncResult *result, GError **error)
{
    return g_task_propagate_boolean(G_TASK(result), error);
}

static void
on_sync_wait_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
    *(GAsyncResult **)user_data = g_object_ref(result);
}

/* The blocking form runs the wait on a private main context: nothing but the
 * subprocess lives there, so no proxy or connection is tied to it. */
static gboolean
wait_process_sync(GSubprocess *process, guint seconds, GCancellable *cancellable, GError **error)
{
    g_autoptr(GMainContext) context = g_main_context_new();
    g_autoptr(GAsyncResult) result = NULL;

    g_main_context_push_thread_default(context);
    wait_process_async(process, seconds, cancellable, on_sync_wait_done, &result);
    while (result == NULL)
        g_main_context_iteration(context, TRUE);
    g_main_context_pop_thread_default(context);
    return wait_process_finish(process, result, error);
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

    if (!wait_process_finish(process, result, &error)) {
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
static void
start_daemon_async(const MarinaUri *uri, const char *socket, GCancellable *cancellable,
                   GAsyncReadyCallback callback, gpointer user_data)
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
    wait_process_async(process, MARINA_CONNECTION_DAEMON_START_TIMEOUT_S, cancellable,
                       on_daemon_exited, g_steal_pointer(&task));
}

static gboolean
start_daemon_finish(GAsyncResult *result, GError **error)
{
    return g_task_propagate_boolean(G_TASK(result), error);
}

static gboolean
start_daemon_sync(const MarinaUri *uri, const char *socket, GCancellable *cancellable,
                  GError **error)
{
    g_autoptr(GMainContext) context = g_main_context_new();
    g_autoptr(GAsyncResult) result = NULL;

    g_main_context_push_thread_default(context);
    start_daemon_async(uri, socket, cancellable, on_sync_wait_done, &result);
    while (result == NULL)
        g_main_context_iteration(context, TRUE);
    g_main_context_pop_thread_default(context);
    return start_daemon_finish(result, error);
}

/* Only the default session socket is worth starting a daemon for: a daemon
 * started by us listens there, not on a ?socket= of the user's choosing. */
static gboolean
should_start_daemon(const MarinaUri *uri, const GError *error)
{
    return uri->transport == MARINA_URI_TRANSPORT_LOCAL && marina_uri_is_session(uri) &&
           marina_uri_get_param(uri, "socket") == NULL && is_no_daemon(error);
}

static char *
socket_address(const char *socket)
{
    g_autofree char *escaped = g_dbus_address_escape_value(socket);

    return g_strdup_printf("unix:path=%s", escaped);
}

/* ---------------------------------------------------------------------------------------------
 * SSH transport
 */

static const char *
ssh_batch_mode(const MarinaUri *uri)
{
    if (g_strcmp0(marina_uri_get_param(uri, "no_tty"), "1") == 0)
        return "BatchMode=yes";
    /* Without a terminal or a graphical askpass ssh cannot ask for a
     * password; failing at once beats hanging. */
    if (!isatty(STDIN_FILENO) && g_getenv("SSH_ASKPASS") == NULL && g_getenv("DISPLAY") == NULL &&
        g_getenv("WAYLAND_DISPLAY") == NULL)
        return "BatchMode=yes";
    return "BatchMode=no";
}

/* OpenSSH connection sharing: one login serves the control channel and every
 * console channel opened later. */
static void
add_connection_sharing(GStrvBuilder *argv)
{
    g_autofree char *dir = marina_paths_session_runtime_dir();
    g_autofree char *path = NULL;

    if (g_mkdir_with_parents(dir, 0700) != 0) {
        g_debug("No ssh connection sharing: cannot create %s: %s", dir, g_strerror(errno));
        return;
    }
    path = g_strdup_printf("ControlPath=%s/ssh-%%C", dir);
    g_strv_builder_add_many(argv, "-o", "ControlMaster=auto", "-o", path, "-o", "ControlPersist=60",
                            NULL);
}

static char *
remote_command(const MarinaUri *uri)
{
    const char *command = marina_uri_get_param(uri, "command");
    const char *socket = marina_uri_get_param(uri, "socket");
    GString *line = g_string_new(command != NULL ? command : "marinad");

    /* ?command= is the user's own shell text (e.g. "sudo marinad"); what we
     * add ourselves is quoted for the remote shell. */
    g_string_append(line, " --connect-stdio");
    g_string_append(line, marina_uri_is_system(uri) ? " --system" : " --session");
    if (socket != NULL) {
        g_autofree char *quoted = g_shell_quote(socket);
        g_string_append_printf(line, " --socket=%s", quoted);
    }
    return g_string_free(line, FALSE);
}

GStrv
marina_connection_build_ssh_argv(const MarinaUri *uri, GError **error)
{
    g_autoptr(GStrvBuilder) argv = g_strv_builder_new();
    const char *keyfile;
    g_autofree char *command = NULL;

    g_return_val_if_fail(uri != NULL, NULL);
    if (uri->transport != MARINA_URI_TRANSPORT_SSH) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("'%s' is not a marina+ssh:// URI."), uri->original);
        return NULL;
    }
    g_strv_builder_add(argv, "ssh");
    if (uri->port != 0) {
        g_autofree char *port = g_strdup_printf("%u", (guint)uri->port);
        g_strv_builder_add_many(argv, "-p", port, NULL);
    }
    if (uri->user != NULL)
        g_strv_builder_add_many(argv, "-l", uri->user, NULL);
    keyfile = marina_uri_get_param(uri, "keyfile");
    if (keyfile != NULL)
        g_strv_builder_add_many(argv, "-i", keyfile, NULL);
    g_strv_builder_add_many(argv, "-o", ssh_batch_mode(uri), NULL);
    /* no_verify: a throw-away host whose key must neither be checked nor
     * remembered (it would poison known_hosts for the next one). */
    if (g_strcmp0(marina_uri_get_param(uri, "no_verify"), "1") == 0)
        g_strv_builder_add_many(argv, "-o", "StrictHostKeyChecking=no", "-o",
                                "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", NULL);
    add_connection_sharing(argv);
    /* The keepalive: a host that vanishes (cable, crash) is noticed within
     * about 45 s and the connection reports it closed, instead of hanging. */
    g_strv_builder_add_many(argv, "-o", "ServerAliveInterval=15", "-o", "ServerAliveCountMax=3",
                            NULL);
    command = remote_command(uri);
    /* -T: no tty (a binary stream); -e none: no escape character; "--" ends
     * ssh's options, so the host can never be read as one. */
    g_strv_builder_add_many(argv, "-T", "-e", "none", "--", uri->host, command, NULL);
    return g_strv_builder_end(argv);
}

static void
ignore_sigpipe(void)
{
    struct sigaction current;

    /* Writing to an ssh that died raises SIGPIPE, which would kill the whole
     * client; an EPIPE error is what we want instead. Leave a handler the
     * program installed alone. */
    if (sigaction(SIGPIPE, NULL, &current) == 0 && current.sa_handler == SIG_DFL)
        signal(SIGPIPE, SIG_IGN);
}

/* ssh with its stdin/stdout as a GIOStream; ssh's stderr stays ours, so its
 * own messages (password prompts, "Permission denied") reach the user. */
static GSubprocess *
spawn_ssh(const MarinaUri *uri, GIOStream **stream, GError **error)
{
    g_auto(GStrv) argv = marina_connection_build_ssh_argv(uri, error);
    g_autoptr(GSubprocess) process = NULL;
    g_autoptr(GError) local_error = NULL;
    g_autofree char *uri_string = marina_uri_to_string(uri);

    if (argv == NULL)
        return NULL;
    ignore_sigpipe();
    process = g_subprocess_newv((const char *const *)argv,
                                G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE,
                                &local_error);
    if (process == NULL) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_NO_CONNECTION,
                    _("Cannot connect to %s: ssh cannot be run (%s). Install the OpenSSH client."),
                    uri_string, local_error->message);
        return NULL;
    }
    *stream = g_simple_io_stream_new(g_subprocess_get_stdout_pipe(process),
                                     g_subprocess_get_stdin_pipe(process));
    return g_steal_pointer(&process);
}

/* Why the D-Bus handshake over ssh failed, from ssh's exit status. */
static void
set_ssh_error(const MarinaUri *uri, GSubprocess *ssh, gboolean exited, const GError *cause,
              GError **error)
{
    g_autofree char *uri_string = marina_uri_to_string(uri);
    g_autofree char *command = remote_command(uri);
    const char *program = marina_uri_get_param(uri, "command");
    int status = exited && g_subprocess_get_if_exited(ssh) ? g_subprocess_get_exit_status(ssh) : -1;

    if (program == NULL)
        program = "marinad";
    g_debug("D-Bus over ssh to %s failed: %s", uri->host, cause->message);
    if (g_error_matches(cause, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_set_error_literal(error, cause->domain, cause->code, cause->message);
    else if (status == 255)
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_NO_CONNECTION,
                    _("Cannot connect to %s: ssh could not log in to %s (see ssh's message). Check "
                      "that 'ssh %s' works without a password prompt, or give a key with "
                      "?keyfile=PATH."),
                    uri_string, uri->host, uri->host);
    else if (status == 127)
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_NO_CONNECTION,
                    _("Cannot connect to %s: the program '%s' was not found on %s. Install "
                      "Marina there, or name the program with ?command=PATH."),
                    uri_string, program, uri->host);
    else if (status > 0)
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_NO_CONNECTION,
                    _("Cannot connect to %s: '%s' on %s exited with status %d. Run 'ssh %s %s' "
                      "to see why."),
                    uri_string, command, uri->host, status, uri->host, command);
    else
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_NO_CONNECTION,
                    _("Cannot connect to %s: the daemon on %s did not answer (%s)."), uri_string,
                    uri->host, cause->message);
}

/* ---------------------------------------------------------------------------------------------
 * Opening, blocking
 */

static MarinaUri *
parse_uri_for_connection(const char *uri, GError **error)
{
    return marina_uri_parse(uri != NULL ? uri : marina_connection_default_uri(), error);
}

static GDBusConnection *
connect_local_sync(const MarinaUri *uri, GCancellable *cancellable, GError **error)
{
    g_autofree char *socket = marina_uri_socket_path(uri);
    g_autofree char *address = socket_address(socket);
    g_autoptr(GError) local_error = NULL;
    GDBusConnection *dbus;

    dbus = g_dbus_connection_new_for_address_sync(address, CONNECTION_FLAGS, NULL, cancellable,
                                                  &local_error);
    if (dbus == NULL && should_start_daemon(uri, local_error)) {
        g_clear_error(&local_error);
        if (!start_daemon_sync(uri, socket, cancellable, error))
            return NULL;
        dbus = g_dbus_connection_new_for_address_sync(address, CONNECTION_FLAGS, NULL, cancellable,
                                                      &local_error);
    }
    if (dbus == NULL)
        set_connect_error(uri, socket, local_error, error);
    return dbus;
}

static GDBusConnection *
connect_ssh_sync(const MarinaUri *uri, GSubprocess **ssh_out, GCancellable *cancellable,
                 GError **error)
{
    g_autoptr(GIOStream) stream = NULL;
    g_autoptr(GSubprocess) ssh = spawn_ssh(uri, &stream, error);
    g_autoptr(GError) local_error = NULL;
    GDBusConnection *dbus;
    gboolean exited;

    if (ssh == NULL)
        return NULL;
    dbus =
        g_dbus_connection_new_sync(stream, NULL, CONNECTION_FLAGS, NULL, cancellable, &local_error);
    if (dbus == NULL) {
        g_io_stream_close(stream, NULL, NULL);
        exited = wait_process_sync(ssh, SSH_EXIT_WAIT_S, NULL, NULL);
        if (!exited)
            g_subprocess_force_exit(ssh);
        set_ssh_error(uri, ssh, exited, local_error, error);
        return NULL;
    }
    *ssh_out = g_steal_pointer(&ssh);
    return dbus;
}

static MarinaDBusHost *
host_proxy_sync(GDBusConnection *dbus, GCancellable *cancellable, GError **error)
{
    return marina_dbus_host_proxy_new_sync(
        dbus, G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES | G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START,
        NULL, MARINA_DBUS_HOST_PATH, cancellable, error);
}

MarinaConnection *
marina_connection_open_sync(const char *uri_string, GCancellable *cancellable, GError **error)
{
    g_autoptr(MarinaUri) uri = NULL;
    g_autoptr(GDBusConnection) dbus = NULL;
    g_autoptr(GSubprocess) ssh = NULL;
    g_autoptr(MarinaDBusHost) host = NULL;

    (void)marina_error_quark();
    uri = parse_uri_for_connection(uri_string, error);
    if (uri == NULL)
        return NULL;
    if (uri->transport == MARINA_URI_TRANSPORT_SSH)
        dbus = connect_ssh_sync(uri, &ssh, cancellable, error);
    else
        dbus = connect_local_sync(uri, cancellable, error);
    if (dbus == NULL)
        return NULL;
    host = host_proxy_sync(dbus, cancellable, error);
    if (host == NULL)
        return NULL;
    return connection_new(g_steal_pointer(&uri), dbus, host, ssh);
}

/* ---------------------------------------------------------------------------------------------
 * Opening, asynchronous: parse, connect (starting the session daemon or ssh
 * when needed), then the Host proxy.
 */

typedef struct {
    MarinaUri *uri;
    char *socket;
    GSubprocess *ssh;
    GIOStream *ssh_stream;
    GDBusConnection *dbus;
    GError *ssh_error; /* kept while waiting for ssh's exit status */
    gboolean daemon_started;
} OpenData;

static void
open_data_free(OpenData *data)
{
    g_clear_pointer(&data->uri, marina_uri_free);
    g_free(data->socket);
    g_clear_object(&data->ssh_stream);
    g_clear_object(&data->ssh);
    g_clear_object(&data->dbus);
    g_clear_error(&data->ssh_error);
    g_free(data);
}

static void connect_local(GTask *task);

static void
on_host_proxy(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GTask) task = user_data;
    OpenData *data = g_task_get_task_data(task);
    g_autoptr(MarinaDBusHost) host = NULL;
    GError *error = NULL;

    host = marina_dbus_host_proxy_new_finish(result, &error);
    if (host == NULL) {
        g_task_return_error(task, error);
        return;
    }
    g_task_return_pointer(task,
                          connection_new(g_steal_pointer(&data->uri), data->dbus, host, data->ssh),
                          g_object_unref);
}

static void
create_host_proxy(GTask *task)
{
    OpenData *data = g_task_get_task_data(task);

    marina_dbus_host_proxy_new(
        data->dbus,
        G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES | G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START, NULL,
        MARINA_DBUS_HOST_PATH, g_task_get_cancellable(task), on_host_proxy, task);
}

static void
on_daemon_started(GObject *source, GAsyncResult *result, gpointer user_data)
{
    GTask *task = user_data;
    OpenData *data = g_task_get_task_data(task);
    GError *error = NULL;

    if (!start_daemon_finish(result, &error)) {
        g_task_return_error(task, error);
        g_object_unref(task);
        return;
    }
    data->daemon_started = TRUE;
    connect_local(task);
}

static void
on_local_connected(GObject *source, GAsyncResult *result, gpointer user_data)
{
    GTask *task = user_data;
    OpenData *data = g_task_get_task_data(task);
    g_autoptr(GError) error = NULL;
    GError *mapped = NULL;

    data->dbus = g_dbus_connection_new_for_address_finish(result, &error);
    if (data->dbus != NULL) {
        create_host_proxy(task);
        return;
    }
    if (!data->daemon_started && should_start_daemon(data->uri, error)) {
        start_daemon_async(data->uri, data->socket, g_task_get_cancellable(task), on_daemon_started,
                           task);
        return;
    }
    set_connect_error(data->uri, data->socket, error, &mapped);
    g_task_return_error(task, mapped);
    g_object_unref(task);
}

static void
connect_local(GTask *task)
{
    OpenData *data = g_task_get_task_data(task);
    g_autofree char *address = socket_address(data->socket);

    g_dbus_connection_new_for_address(address, CONNECTION_FLAGS, NULL, g_task_get_cancellable(task),
                                      on_local_connected, task);
}

static void
on_ssh_exited(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GTask) task = user_data;
    OpenData *data = g_task_get_task_data(task);
    gboolean exited = wait_process_finish(data->ssh, result, NULL);
    GError *error = NULL;

    if (!exited)
        g_subprocess_force_exit(data->ssh);
    set_ssh_error(data->uri, data->ssh, exited, data->ssh_error, &error);
    g_task_return_error(task, error);
}

static void
on_ssh_connected(GObject *source, GAsyncResult *result, gpointer user_data)
{
    GTask *task = user_data;
    OpenData *data = g_task_get_task_data(task);

    data->dbus = g_dbus_connection_new_finish(result, &data->ssh_error);
    if (data->dbus != NULL) {
        create_host_proxy(task);
        return;
    }
    /* Wait for ssh's exit status: it tells a failed login from a missing marinad. */
    g_io_stream_close(data->ssh_stream, NULL, NULL);
    wait_process_async(data->ssh, SSH_EXIT_WAIT_S, NULL, on_ssh_exited, task);
}

static void
connect_ssh(GTask *task)
{
    OpenData *data = g_task_get_task_data(task);
    GError *error = NULL;

    data->ssh = spawn_ssh(data->uri, &data->ssh_stream, &error);
    if (data->ssh == NULL) {
        g_task_return_error(task, error);
        g_object_unref(task);
        return;
    }
    g_dbus_connection_new(data->ssh_stream, NULL, CONNECTION_FLAGS, NULL,
                          g_task_get_cancellable(task), on_ssh_connected, task);
}

void
marina_connection_open_async(const char *uri_string, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task = g_task_new(NULL, cancellable, callback, user_data);
    OpenData *data = g_new0(OpenData, 1);
    GError *error = NULL;

    (void)marina_error_quark();
    g_task_set_source_tag(task, marina_connection_open_async);
    g_task_set_task_data(task, data, (GDestroyNotify)open_data_free);
    data->uri = parse_uri_for_connection(uri_string, &error);
    if (data->uri == NULL) {
        g_task_return_error(task, error);
        g_object_unref(task);
        return;
    }
    if (data->uri->transport == MARINA_URI_TRANSPORT_SSH) {
        connect_ssh(task);
        return;
    }
    data->socket = marina_uri_socket_path(data->uri);
    connect_local(task);
}

MarinaConnection *
marina_connection_open_finish(GAsyncResult *result, GError **error)
{
    g_return_val_if_fail(g_task_is_valid(result, NULL), NULL);
    return g_task_propagate_pointer(G_TASK(result), error);
}

/* ---------------------------------------------------------------------------------------------
 * Host properties and domains
 */

GVariant *
marina_connection_get_host_property_sync(MarinaConnection *self, const char *name,
                                         GCancellable *cancellable, GError **error)
{
    g_autoptr(GVariant) reply = NULL;
    GVariant *value = NULL;

    g_return_val_if_fail(MARINA_IS_CONNECTION(self), NULL);
    reply = g_dbus_connection_call_sync(
        self->dbus, NULL, MARINA_DBUS_HOST_PATH, "org.freedesktop.DBus.Properties", "Get",
        g_variant_new("(ss)", HOST_INTERFACE, name), G_VARIANT_TYPE("(v)"), G_DBUS_CALL_FLAGS_NONE,
        -1, cancellable, error);
    if (reply == NULL)
        return NULL;
    g_variant_get(reply, "(v)", &value);
    return value;
}

char *
marina_connection_domain_object_path(const char *uuid)
{
    GString *path = g_string_new(MARINA_DBUS_DOMAIN_PATH_PREFIX);

    g_return_val_if_fail(uuid != NULL, NULL);
    /* Object path elements allow only [A-Za-z0-9_]. */
    for (const char *c = uuid; *c != '\0'; c++)
        g_string_append_c(path, g_ascii_isalnum(*c) ? *c : '_');
    return g_string_free(path, FALSE);
}

static gboolean
check_domain_name(const char *name_or_uuid, GError **error)
{
    if (name_or_uuid == NULL || *name_or_uuid == '\0') {
        g_set_error_literal(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                            _("No domain given: name a domain by its name, UUID or id."));
        return FALSE;
    }
    return TRUE;
}

static gboolean
check_object_path(const char *object_path, GError **error)
{
    if (object_path == NULL || !g_variant_is_object_path(object_path)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("'%s' is not a domain object path."), object_path ? object_path : "(null)");
        return FALSE;
    }
    return TRUE;
}

static const GDBusProxyFlags DOMAIN_PROXY_FLAGS = G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START;

MarinaDBusDomain *
marina_connection_get_domain_by_path_sync(MarinaConnection *self, const char *object_path,
                                          GCancellable *cancellable, GError **error)
{
    g_return_val_if_fail(MARINA_IS_CONNECTION(self), NULL);
    if (!check_object_path(object_path, error))
        return NULL;
    return marina_dbus_domain_proxy_new_sync(self->dbus, DOMAIN_PROXY_FLAGS, NULL, object_path,
                                             cancellable, error);
}

MarinaDBusDomain *
marina_connection_get_domain_sync(MarinaConnection *self, const char *name_or_uuid,
                                  GCancellable *cancellable, GError **error)
{
    g_autofree char *path = NULL;

    g_return_val_if_fail(MARINA_IS_CONNECTION(self), NULL);
    if (!check_domain_name(name_or_uuid, error))
        return NULL;
    if (!marina_dbus_host_call_lookup_domain_sync(self->host, name_or_uuid, &path, cancellable,
                                                  error))
        return NULL;
    return marina_connection_get_domain_by_path_sync(self, path, cancellable, error);
}

static void
on_domain_proxy(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GTask) task = user_data;
    GError *error = NULL;
    MarinaDBusDomain *domain = marina_dbus_domain_proxy_new_finish(result, &error);

    if (domain == NULL)
        g_task_return_error(task, error);
    else
        g_task_return_pointer(task, domain, g_object_unref);
}

static void
new_domain_proxy(MarinaConnection *self, const char *object_path, GTask *task)
{
    marina_dbus_domain_proxy_new(self->dbus, DOMAIN_PROXY_FLAGS, NULL, object_path,
                                 g_task_get_cancellable(task), on_domain_proxy, task);
}

void
marina_connection_get_domain_by_path_async(MarinaConnection *self, const char *object_path,
                                           GCancellable *cancellable, GAsyncReadyCallback callback,
                                           gpointer user_data)
{
    GTask *task = g_task_new(self, cancellable, callback, user_data);
    GError *error = NULL;

    g_return_if_fail(MARINA_IS_CONNECTION(self));
    g_task_set_source_tag(task, marina_connection_get_domain_by_path_async);
    if (!check_object_path(object_path, &error)) {
        g_task_return_error(task, error);
        g_object_unref(task);
        return;
    }
    new_domain_proxy(self, object_path, task);
}

MarinaDBusDomain *
marina_connection_get_domain_by_path_finish(MarinaConnection *self, GAsyncResult *result,
                                            GError **error)
{
    g_return_val_if_fail(g_task_is_valid(result, self), NULL);
    return g_task_propagate_pointer(G_TASK(result), error);
}

static void
on_domain_looked_up(GObject *source, GAsyncResult *result, gpointer user_data)
{
    GTask *task = user_data;
    MarinaConnection *self = g_task_get_source_object(task);
    g_autofree char *path = NULL;
    GError *error = NULL;

    if (!marina_dbus_host_call_lookup_domain_finish(MARINA_DBUS_HOST(source), &path, result,
                                                    &error)) {
        g_task_return_error(task, error);
        g_object_unref(task);
        return;
    }
    new_domain_proxy(self, path, task);
}

void
marina_connection_get_domain_async(MarinaConnection *self, const char *name_or_uuid,
                                   GCancellable *cancellable, GAsyncReadyCallback callback,
                                   gpointer user_data)
{
    GTask *task = g_task_new(self, cancellable, callback, user_data);
    GError *error = NULL;

    g_return_if_fail(MARINA_IS_CONNECTION(self));
    g_task_set_source_tag(task, marina_connection_get_domain_async);
    if (!check_domain_name(name_or_uuid, &error)) {
        g_task_return_error(task, error);
        g_object_unref(task);
        return;
    }
    marina_dbus_host_call_lookup_domain(self->host, name_or_uuid, cancellable, on_domain_looked_up,
                                        task);
}

MarinaDBusDomain *
marina_connection_get_domain_finish(MarinaConnection *self, GAsyncResult *result, GError **error)
{
    g_return_val_if_fail(g_task_is_valid(result, self), NULL);
    return g_task_propagate_pointer(G_TASK(result), error);
}
