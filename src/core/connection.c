#define G_LOG_DOMAIN "marina-connection"

#include "config.h"

#include <glib/gi18n.h>

#include "connection-private.h"
#include "error.h"
#include "paths.h"
#include "ssh-diagnosis.h"
#include "ssh-hello.h"

#define DEFAULT_URI "marina:///session"
/* How long to let ssh exit after the D-Bus handshake over it failed, so its
 * exit status can say why. */
#define SSH_EXIT_WAIT_S 5

static const GDBusConnectionFlags CONNECTION_FLAGS = G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT;

struct _MarinaConnection {
    GObject parent_instance;

    MarinaUri *uri;
    char *uri_string;
    GDBusConnection *dbus;
    MarinaDBusHost *host;
    GSubprocess *ssh;            /* remote connections only */
    MarinaSshStderr *ssh_stderr; /* its standard error, read while it lives */
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
    g_clear_pointer(&self->ssh_stderr, marina_ssh_stderr_free);
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
        g_autofree char *said = NULL;

        g_debug("Connection to %s closed: %s", self->uri_string,
                cause != NULL ? cause->message : "(no detail)");
        /* ssh's last words say why a remote connection ended ("Timeout,
         * server not responding", "closed by remote host"). */
        if (self->ssh_stderr != NULL) {
            marina_ssh_stderr_drain(self->ssh_stderr);
            said = marina_ssh_last_message(marina_ssh_stderr_get_text(self->ssh_stderr));
        }
        if (said != NULL)
            reason = g_error_new(MARINA_ERROR, MARINA_ERROR_NO_CONNECTION,
                                 _("The connection to %s was closed: the daemon went away "
                                   "(ssh: “%s”)."),
                                 self->uri_string, said);
        else
            reason = g_error_new(MARINA_ERROR, MARINA_ERROR_NO_CONNECTION,
                                 _("The connection to %s was closed: the daemon went away."),
                                 self->uri_string);
    }
    g_signal_emit(self, signals[SIGNAL_CLOSED], 0, reason);
}

/* Takes @uri and @ssh_stderr. */
static MarinaConnection *
connection_new(MarinaUri *uri, GDBusConnection *dbus, MarinaDBusHost *host, GSubprocess *ssh,
               MarinaSshStderr *ssh_stderr)
{
    MarinaConnection *self = g_object_new(MARINA_TYPE_CONNECTION, NULL);

    self->uri = uri;
    self->uri_string = marina_uri_to_string(uri);
    self->dbus = g_object_ref(dbus);
    self->host = g_object_ref(host);
    self->ssh = ssh != NULL ? g_object_ref(ssh) : NULL;
    self->ssh_stderr = ssh_stderr;
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

gboolean
marina_connection_error_is_no_daemon(const GError *error)
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
    else if (marina_connection_error_is_no_daemon(cause))
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

static char *
socket_address(const char *socket)
{
    g_autofree char *escaped = g_dbus_address_escape_value(socket);

    return g_strdup_printf("unix:path=%s", escaped);
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
    if (dbus == NULL && marina_session_daemon_should_start(uri, local_error)) {
        g_clear_error(&local_error);
        if (!marina_session_daemon_start_sync(uri, socket, cancellable, error))
            return NULL;
        dbus = g_dbus_connection_new_for_address_sync(address, CONNECTION_FLAGS, NULL, cancellable,
                                                      &local_error);
    }
    if (dbus == NULL)
        set_connect_error(uri, socket, local_error, error);
    return dbus;
}

/* marinad's greeting, then the D-Bus handshake, over ssh. */
static GDBusConnection *
connect_ssh_sync(const MarinaUri *uri, GSubprocess **ssh_out, MarinaSshStderr **stderr_out,
                 GCancellable *cancellable, GError **error)
{
    g_autoptr(GIOStream) stream = NULL;
    g_autoptr(MarinaSshStderr) ssh_stderr = NULL;
    g_autoptr(GSubprocess) ssh =
        marina_ssh_spawn(uri, MARINA_CONNECTION_OPEN_DEFAULT, &stream, &ssh_stderr, error);
    g_autoptr(GError) local_error = NULL;
    GDBusConnection *dbus = NULL;
    gboolean exited;

    if (ssh == NULL)
        return NULL;
    if (marina_ssh_hello_read_sync(uri, g_io_stream_get_input_stream(stream), cancellable,
                                   &local_error))
        dbus = g_dbus_connection_new_sync(stream, NULL, CONNECTION_FLAGS, NULL, cancellable,
                                          &local_error);
    if (dbus == NULL) {
        g_io_stream_close(stream, NULL, NULL);
        if (g_error_matches(local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
            g_subprocess_force_exit(ssh);
            g_propagate_error(error, g_steal_pointer(&local_error));
            return NULL;
        }
        exited = marina_process_wait_sync(ssh, SSH_EXIT_WAIT_S, NULL, NULL);
        if (!exited)
            g_subprocess_force_exit(ssh);
        marina_ssh_set_error(uri, ssh, exited, ssh_stderr, local_error, error);
        return NULL;
    }
    *ssh_out = g_steal_pointer(&ssh);
    *stderr_out = g_steal_pointer(&ssh_stderr);
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
    g_autoptr(MarinaSshStderr) ssh_stderr = NULL;
    g_autoptr(MarinaDBusHost) host = NULL;

    (void)marina_error_quark();
    uri = parse_uri_for_connection(uri_string, error);
    if (uri == NULL)
        return NULL;
    if (uri->transport == MARINA_URI_TRANSPORT_SSH)
        dbus = connect_ssh_sync(uri, &ssh, &ssh_stderr, cancellable, error);
    else
        dbus = connect_local_sync(uri, cancellable, error);
    if (dbus == NULL)
        return NULL;
    host = host_proxy_sync(dbus, cancellable, error);
    if (host == NULL)
        return NULL;
    return connection_new(g_steal_pointer(&uri), dbus, host, ssh, g_steal_pointer(&ssh_stderr));
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
    MarinaSshStderr *ssh_stderr;
    GDBusConnection *dbus;
    GError *ssh_error; /* kept while waiting for ssh's exit status */
    gulong cancel_id;  /* ends ssh when the open is cancelled before D-Bus runs */
    gboolean daemon_started;
    MarinaConnectionOpenFlags flags;
} OpenData;

static void
open_data_free(OpenData *data)
{
    g_clear_pointer(&data->uri, marina_uri_free);
    g_free(data->socket);
    g_clear_object(&data->ssh_stream);
    g_clear_object(&data->ssh);
    g_clear_pointer(&data->ssh_stderr, marina_ssh_stderr_free);
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
                          connection_new(g_steal_pointer(&data->uri), data->dbus, host, data->ssh,
                                         g_steal_pointer(&data->ssh_stderr)),
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

    if (!marina_session_daemon_start_finish(result, &error)) {
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
    if (!data->daemon_started && marina_session_daemon_should_start(data->uri, error)) {
        marina_session_daemon_start_async(data->uri, data->socket, g_task_get_cancellable(task),
                                          on_daemon_started, task);
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
    gboolean exited = marina_process_wait_finish(data->ssh, result, NULL);
    GError *error = NULL;

    if (!exited)
        g_subprocess_force_exit(data->ssh);
    marina_ssh_set_error(data->uri, data->ssh, exited, data->ssh_stderr, data->ssh_error, &error);
    g_task_return_error(task, error);
}

/* GDBus's handshake does not always notice a cancellation: it can sit in a
 * read from ssh until ssh exits. Ending ssh ends that read at once. */
static void
on_ssh_open_cancelled(GCancellable *cancellable, gpointer user_data)
{
    OpenData *data = user_data;

    g_subprocess_force_exit(data->ssh);
}

/* The greeting or the handshake failed (data->ssh_error): ssh tells why. */
static void
ssh_open_failed(GTask *task)
{
    OpenData *data = g_task_get_task_data(task);

    g_io_stream_close(data->ssh_stream, NULL, NULL);
    /* The caller gave up: ssh's exit status would tell nobody anything, and
     * waiting for it could take SSH_EXIT_WAIT_S. */
    if (g_task_return_error_if_cancelled(task)) {
        g_subprocess_force_exit(data->ssh);
        g_object_unref(task);
        return;
    }
    /* Wait for ssh's exit status: it tells a failed login from a missing
     * marinad. A cancel meanwhile ends the wait and ssh at once. */
    marina_process_wait_async(data->ssh, SSH_EXIT_WAIT_S, g_task_get_cancellable(task),
                              on_ssh_exited, task);
}

static void
stop_cancel_watch(GTask *task)
{
    OpenData *data = g_task_get_task_data(task);

    g_cancellable_disconnect(g_task_get_cancellable(task), data->cancel_id);
    data->cancel_id = 0;
}

static void
on_ssh_connected(GObject *source, GAsyncResult *result, gpointer user_data)
{
    GTask *task = user_data;
    OpenData *data = g_task_get_task_data(task);

    stop_cancel_watch(task);
    data->dbus = g_dbus_connection_new_finish(result, &data->ssh_error);
    if (data->dbus != NULL) {
        create_host_proxy(task);
        return;
    }
    ssh_open_failed(task);
}

/* marinad greeted with this client's protocol: D-Bus can start. */
static void
on_ssh_hello(GObject *source, GAsyncResult *result, gpointer user_data)
{
    GTask *task = user_data;
    OpenData *data = g_task_get_task_data(task);

    if (!marina_ssh_hello_read_finish(result, &data->ssh_error)) {
        stop_cancel_watch(task);
        ssh_open_failed(task);
        return;
    }
    g_dbus_connection_new(data->ssh_stream, NULL, CONNECTION_FLAGS, NULL,
                          g_task_get_cancellable(task), on_ssh_connected, task);
}

static void
connect_ssh(GTask *task)
{
    OpenData *data = g_task_get_task_data(task);
    GError *error = NULL;

    data->ssh =
        marina_ssh_spawn(data->uri, data->flags, &data->ssh_stream, &data->ssh_stderr, &error);
    if (data->ssh == NULL) {
        g_task_return_error(task, error);
        g_object_unref(task);
        return;
    }
    if (g_task_get_cancellable(task) != NULL)
        data->cancel_id = g_cancellable_connect(g_task_get_cancellable(task),
                                                G_CALLBACK(on_ssh_open_cancelled), data, NULL);
    marina_ssh_hello_read_async(data->uri, g_io_stream_get_input_stream(data->ssh_stream),
                                g_task_get_cancellable(task), on_ssh_hello, task);
}

void
marina_connection_open_async(const char *uri_string, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
    marina_connection_open_full_async(uri_string, MARINA_CONNECTION_OPEN_DEFAULT, cancellable,
                                      callback, user_data);
}

void
marina_connection_open_full_async(const char *uri_string, MarinaConnectionOpenFlags flags,
                                  GCancellable *cancellable, GAsyncReadyCallback callback,
                                  gpointer user_data)
{
    GTask *task = g_task_new(NULL, cancellable, callback, user_data);
    OpenData *data = g_new0(OpenData, 1);
    GError *error = NULL;

    (void)marina_error_quark();
    g_task_set_source_tag(task, marina_connection_open_async);
    g_task_set_task_data(task, data, (GDestroyNotify)open_data_free);
    data->flags = flags;
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
