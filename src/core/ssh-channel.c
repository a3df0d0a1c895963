/* Streams of a remote daemon over an ssh channel: the client's side, which
 * runs the channel's ssh and reads its status line (channel-header.h)
 * without ever blocking the main loop. */

#define G_LOG_DOMAIN "marina-connection"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <glib/gi18n.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "connection-private.h"
#include "error.h"
#include "ssh-channel.h"

/* ---------------------------------------------------------------------------------------------
 * The channel's ssh
 */

#define READ_CHUNK (64 * 1024)
/* What is kept of ssh's standard error, for the message when it fails. */
#define MAX_STDERR 4096
/* After the stream ended early: how long ssh may take to exit and say why. */
#define EXIT_WAIT_S 5

typedef struct {
    gatomicrefcount ref;
    MarinaUri *uri;
    char *kind;
    GSubprocess *ssh;
    GInputStream *err;
    GString *err_text;
    GCancellable *err_cancellable; /* stops the stderr drain when we are done waiting */
    gboolean exited;
    gboolean err_done;

    /* While opening */
    GTask *task;
    GMainContext *context;
    int fd; /* our end of the socketpair */
    MarinaChannelHeader *header;
    GSource *watch;
    GSource *timeout;
    GSource *cancel_source;
    gboolean stream_ended; /* EOF before the header: waiting to say why */
} Channel;

static Channel *
channel_ref(Channel *channel)
{
    g_atomic_ref_count_inc(&channel->ref);
    return channel;
}

static void
channel_drop_sources(Channel *channel)
{
    GSource **sources[] = {&channel->watch, &channel->timeout, &channel->cancel_source};

    for (guint i = 0; i < G_N_ELEMENTS(sources); i++) {
        if (*sources[i] != NULL) {
            g_source_destroy(*sources[i]);
            g_clear_pointer(sources[i], g_source_unref);
        }
    }
}

static void
channel_unref(Channel *channel)
{
    if (!g_atomic_ref_count_dec(&channel->ref))
        return;
    channel_drop_sources(channel);
    g_assert(channel->task == NULL);
    if (channel->fd >= 0)
        close(channel->fd);
    g_clear_pointer(&channel->header, marina_channel_header_free);
    g_clear_pointer(&channel->context, g_main_context_unref);
    g_clear_object(&channel->err_cancellable);
    g_clear_object(&channel->err);
    g_clear_object(&channel->ssh);
    g_string_free(channel->err_text, TRUE);
    marina_uri_free(channel->uri);
    g_free(channel->kind);
    g_free(channel);
}

static void
attach(Channel *channel, GSource **slot, GSource *source, GSourceFunc func)
{
    g_source_set_callback(source, func, channel, NULL);
    g_source_attach(source, channel->context);
    *slot = source;
}

/* What a successful open returns; closes the stream if nobody took it. */
typedef struct {
    int fd;
    GBytes *scrollback;
} Opened;

static void
opened_free(Opened *opened)
{
    if (opened->fd >= 0)
        close(opened->fd);
    g_clear_pointer(&opened->scrollback, g_bytes_unref);
    g_free(opened);
}

/* Ends the open with the stream (and @scrollback, taken) or @error; the
 * channel lives on for as long as ssh runs. */
static void
channel_complete(Channel *channel, GBytes *scrollback, GError *error)
{
    g_autoptr(GTask) task = g_steal_pointer(&channel->task);

    channel_drop_sources(channel);
    g_clear_pointer(&channel->header, marina_channel_header_free);
    if (task == NULL) {
        /* Answered already: what came after has nobody to go to. */
        g_clear_error(&error);
        g_clear_pointer(&scrollback, g_bytes_unref);
        return;
    }
    if (error != NULL) {
        if (channel->fd >= 0)
            close(g_steal_fd(&channel->fd));
        g_task_return_error(task, error);
    } else {
        Opened *opened = g_new0(Opened, 1);

        opened->fd = g_steal_fd(&channel->fd);
        opened->scrollback = scrollback;
        g_task_return_pointer(task, opened, (GDestroyNotify)opened_free);
    }
    channel_unref(channel); /* the task's */
}

/* ssh's last line says why a login failed; a program's first line why it stopped. */
static char *
stderr_line(Channel *channel, gboolean last)
{
    g_auto(GStrv) lines = g_strsplit(channel->err_text->str, "\n", -1);
    const char *found = "";

    for (guint i = 0; lines[i] != NULL; i++) {
        g_strstrip(lines[i]);
        if (lines[i][0] != '\0') {
            found = lines[i];
            if (!last)
                break;
        }
    }
    return g_utf8_make_valid(found, -1);
}

/* Why the stream ended before the daemon answered, from ssh's exit status. */
static GError *
ssh_failure(Channel *channel)
{
    g_autofree char *uri = marina_uri_to_string(channel->uri);
    const char *program = marina_uri_get_param(channel->uri, "command");
    const char *host = channel->uri->host;
    g_autofree char *said = NULL;
    int status = channel->exited && g_subprocess_get_if_exited(channel->ssh)
                     ? g_subprocess_get_exit_status(channel->ssh)
                     : -1;

    if (program == NULL)
        program = "marinad";
    said = stderr_line(channel, status == 255);
    /* What ssh or the program said, as " (...)", or nothing when it said nothing. */
    if (said[0] != '\0') {
        char *suffix = g_strdup_printf(" (%s)", said);
        g_free(said);
        said = suffix;
    }
    g_debug("%s channel to %s ended early (ssh status %d): %s", channel->kind, host, status,
            channel->err_text->str);
    if (status == 255)
        return g_error_new(MARINA_ERROR, MARINA_ERROR_NO_CONNECTION,
                           _("Cannot open the %s channel of %s: ssh could not reach %s%s. Check "
                             "that 'ssh %s' works, then try again."),
                           channel->kind, uri, host, said, host);
    if (status == 127)
        return g_error_new(MARINA_ERROR, MARINA_ERROR_NO_CONNECTION,
                           _("Cannot open the %s channel of %s: the program '%s' was not found on "
                             "%s. Install Marina there, or name the program with ?command=PATH."),
                           channel->kind, uri, program, host);
    if (status > 0)
        return g_error_new(MARINA_ERROR, MARINA_ERROR_NO_CONNECTION,
                           _("Cannot open the %s channel of %s: '%s' on %s exited with status "
                             "%d%s. Install the same Marina version there."),
                           channel->kind, uri, program, host, status, said);
    return g_error_new(MARINA_ERROR, MARINA_ERROR_NO_CONNECTION,
                       _("Cannot open the %s channel of %s: the ssh connection to %s closed before "
                         "the daemon answered. Try again."),
                       channel->kind, uri, host);
}

/* Once the stream ended early, answer when ssh has exited and said its
 * last word, or after EXIT_WAIT_S in any case. */
static void
maybe_report_ssh_failure(Channel *channel)
{
    if (channel->task == NULL || !channel->stream_ended || !channel->exited || !channel->err_done)
        return;
    channel_complete(channel, NULL, ssh_failure(channel));
}

static gboolean
on_exit_wait_over(gpointer user_data)
{
    Channel *channel = user_data;

    g_clear_pointer(&channel->timeout, g_source_unref);
    if (!channel->exited)
        g_subprocess_force_exit(channel->ssh);
    channel_complete(channel, NULL, ssh_failure(channel));
    return G_SOURCE_REMOVE;
}

static void
stream_ended_early(Channel *channel)
{
    /* The watch and the answer's deadline are over; a cancel still counts. */
    GSource **sources[] = {&channel->watch, &channel->timeout};

    for (guint i = 0; i < G_N_ELEMENTS(sources); i++) {
        if (*sources[i] != NULL) {
            g_source_destroy(*sources[i]);
            g_clear_pointer(sources[i], g_source_unref);
        }
    }
    channel->stream_ended = TRUE;
    attach(channel, &channel->timeout, g_timeout_source_new_seconds(EXIT_WAIT_S),
           on_exit_wait_over);
    maybe_report_ssh_failure(channel);
}

static void
header_invalid(Channel *channel, const GError *cause)
{
    g_autofree char *uri = marina_uri_to_string(channel->uri);

    g_debug("%s channel to %s: %s", channel->kind, channel->uri->host, cause->message);
    g_subprocess_force_exit(channel->ssh);
    channel_complete(channel, NULL,
                     g_error_new(MARINA_ERROR, MARINA_ERROR_NO_CONNECTION,
                                 _("Cannot open the %s channel of %s: the program on %s did not "
                                   "answer as marinad does. Install the same Marina version "
                                   "there."),
                                 channel->kind, uri, channel->uri->host));
}

/* Reads what is there of the header: peeks, lets the parser say how much is
 * its own, and only takes that, so the stream's first bytes stay queued. */
static gboolean
on_readable(int fd, GIOCondition condition, gpointer user_data)
{
    Channel *channel = user_data;
    g_autofree guint8 *buf = g_malloc(READ_CHUNK);
    g_autoptr(GError) error = NULL;
    MarinaChannelHeaderStatus status;
    gsize consumed = 0;
    ssize_t n;

    do
        n = recv(fd, buf, READ_CHUNK, MSG_PEEK);
    while (n < 0 && errno == EINTR);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return G_SOURCE_CONTINUE;
    if (n <= 0) {
        g_debug("%s channel: %s before the status line", channel->kind,
                n == 0 ? "end of stream" : g_strerror(errno));
        stream_ended_early(channel);
        return G_SOURCE_REMOVE;
    }
    status = marina_channel_header_feed(channel->header, buf, (gsize)n, &consumed, &error);
    /* Drop what the header took; recv of queued bytes on a socket does not block. */
    if (consumed > 0 && recv(fd, buf, consumed, 0) != (ssize_t)consumed) {
        stream_ended_early(channel);
        return G_SOURCE_REMOVE;
    }
    switch (status) {
    case MARINA_CHANNEL_HEADER_MORE:
        return G_SOURCE_CONTINUE;
    case MARINA_CHANNEL_HEADER_OK: {
        GBytes *scrollback = marina_channel_header_take_scrollback(channel->header);
        int flags = fcntl(fd, F_GETFL);

        /* Hand it over blocking, like the descriptor a local daemon passes. */
        if (flags >= 0)
            fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
        g_clear_pointer(&channel->watch, g_source_unref);
        channel_complete(channel, scrollback, NULL);
        return G_SOURCE_REMOVE;
    }
    case MARINA_CHANNEL_HEADER_ERROR:
        g_clear_pointer(&channel->watch, g_source_unref);
        /* The bridge exits after an ERROR line: ssh ends by itself. */
        channel_complete(channel, NULL, g_steal_pointer(&error));
        return G_SOURCE_REMOVE;
    case MARINA_CHANNEL_HEADER_INVALID:
    default:
        g_clear_pointer(&channel->watch, g_source_unref);
        header_invalid(channel, error);
        return G_SOURCE_REMOVE;
    }
}

static gboolean
on_open_timeout(gpointer user_data)
{
    Channel *channel = user_data;
    g_autofree char *uri = marina_uri_to_string(channel->uri);

    g_clear_pointer(&channel->timeout, g_source_unref);
    g_subprocess_force_exit(channel->ssh);
    channel_complete(channel, NULL,
                     g_error_new(MARINA_ERROR, MARINA_ERROR_TIMEOUT,
                                 _("Cannot open the %s channel of %s: the daemon on %s did not "
                                   "answer within %d seconds. Try again."),
                                 channel->kind, uri, channel->uri->host, MARINA_CHANNEL_TIMEOUT_S));
    return G_SOURCE_REMOVE;
}

static gboolean
on_cancelled(GCancellable *cancellable, gpointer user_data)
{
    Channel *channel = user_data;
    GError *error = NULL;

    g_clear_pointer(&channel->cancel_source, g_source_unref);
    g_cancellable_set_error_if_cancelled(cancellable, &error);
    /* Killing our ssh (a connection-sharing client) closes the remote session too. */
    g_subprocess_force_exit(channel->ssh);
    channel_complete(channel, NULL, error);
    return G_SOURCE_REMOVE;
}

static void
on_ssh_exited(GObject *source, GAsyncResult *result, gpointer user_data)
{
    Channel *channel = user_data;
    g_autoptr(GError) error = NULL;

    if (!g_subprocess_wait_finish(G_SUBPROCESS(source), result, &error))
        g_debug("Waiting for the %s channel's ssh: %s", channel->kind, error->message);
    channel->exited = TRUE;
    g_debug("The %s channel's ssh to %s exited", channel->kind, channel->uri->host);
    maybe_report_ssh_failure(channel);
    /* Nothing waits for the rest of ssh's stderr now (a background master
     * started by this ssh could keep the pipe open). */
    if (channel->task == NULL)
        g_cancellable_cancel(channel->err_cancellable);
    channel_unref(channel);
}

static void read_stderr(Channel *channel);

static void
on_stderr(GObject *source, GAsyncResult *result, gpointer user_data)
{
    Channel *channel = user_data;
    g_autoptr(GBytes) bytes =
        g_input_stream_read_bytes_finish(G_INPUT_STREAM(source), result, NULL);
    gsize len = bytes != NULL ? g_bytes_get_size(bytes) : 0;

    if (len == 0) {
        channel->err_done = TRUE;
        g_input_stream_close(channel->err, NULL, NULL);
        maybe_report_ssh_failure(channel);
        channel_unref(channel);
        return;
    }
    if (channel->err_text->len < MAX_STDERR)
        g_string_append_len(channel->err_text, g_bytes_get_data(bytes, NULL),
                            (gssize)MIN(len, MAX_STDERR - channel->err_text->len));
    read_stderr(channel);
}

/* ssh's messages are kept for the error, and the pipe drained so that ssh
 * never blocks on it. */
static void
read_stderr(Channel *channel)
{
    g_input_stream_read_bytes_async(channel->err, 4096, G_PRIORITY_DEFAULT,
                                    channel->err_cancellable, on_stderr, channel);
}

static GSubprocess *
spawn_ssh(const MarinaUri *uri, const char *const *args, int stream_fd, GError **error)
{
    g_autoptr(GStrvBuilder) builder = g_strv_builder_new();
    g_auto(GStrv) remote_args = NULL;
    g_auto(GStrv) argv = NULL;
    g_autofree char *remote = NULL;
    g_autoptr(GSubprocessLauncher) launcher = NULL;
    g_autoptr(GError) local_error = NULL;
    GSubprocess *ssh;
    int in_fd;

    g_strv_builder_add(builder, "--connect-channel");
    g_strv_builder_addv(builder, (const char **)args);
    remote_args = g_strv_builder_end(builder);
    remote = marina_ssh_remote_command(uri, (const char *const *)remote_args);
    argv = marina_ssh_build_argv(uri, remote, error);
    if (argv == NULL) {
        close(stream_fd);
        return NULL;
    }
    in_fd = fcntl(stream_fd, F_DUPFD_CLOEXEC, 3);
    if (in_fd < 0) {
        int saved = errno;
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                    _("Cannot open a channel to %s: %s."), uri->host, g_strerror(saved));
        close(stream_fd);
        return NULL;
    }
    launcher = marina_ssh_launcher_new(uri, G_SUBPROCESS_FLAGS_STDERR_PIPE);
    /* One socket for both directions; the launcher closes our copies. */
    g_subprocess_launcher_take_stdin_fd(launcher, in_fd);
    g_subprocess_launcher_take_stdout_fd(launcher, stream_fd);
    ssh = g_subprocess_launcher_spawnv(launcher, (const char *const *)argv, &local_error);
    if (ssh == NULL)
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_NO_CONNECTION,
                    _("Cannot open a channel to %s: ssh cannot be run (%s). Install the OpenSSH "
                      "client."),
                    uri->host, local_error->message);
    return ssh;
}

void
marina_ssh_channel_open_async(const MarinaUri *uri, const char *const *args,
                              GCancellable *cancellable, GAsyncReadyCallback callback,
                              gpointer user_data)
{
    g_autoptr(GTask) task = g_task_new(NULL, cancellable, callback, user_data);
    GError *error = NULL;
    Channel *channel;
    int pair[2];

    g_return_if_fail(uri != NULL && args != NULL && args[0] != NULL);
    g_task_set_source_tag(task, marina_ssh_channel_open_async);
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
        int saved = errno;
        g_task_return_new_error(task, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                                _("Cannot open a channel to %s: %s."), uri->host,
                                g_strerror(saved));
        return;
    }
    channel = g_new0(Channel, 1);
    g_atomic_ref_count_init(&channel->ref); /* the task's */
    channel->uri = marina_uri_copy(uri);
    channel->kind = g_strdup(args[0]);
    channel->err_text = g_string_new(NULL);
    channel->err_cancellable = g_cancellable_new();
    channel->fd = pair[0];
    channel->ssh = spawn_ssh(uri, args, pair[1], &error);
    if (channel->ssh == NULL) {
        channel_unref(channel);
        g_task_return_error(task, error);
        return;
    }
    channel->task = g_steal_pointer(&task);
    channel->context = g_main_context_ref_thread_default();
    channel->header = marina_channel_header_new();
    g_unix_set_fd_nonblocking(channel->fd, TRUE, NULL);
    /* Held until ssh exits, so it is reaped and nothing is left behind. */
    g_subprocess_wait_async(channel->ssh, NULL, on_ssh_exited, channel_ref(channel));
    channel->err = g_object_ref(g_subprocess_get_stderr_pipe(channel->ssh));
    channel_ref(channel);
    read_stderr(channel);
    attach(channel, &channel->watch,
           g_unix_fd_source_new(channel->fd, G_IO_IN | G_IO_HUP | G_IO_ERR),
           (GSourceFunc)(void (*)(void))on_readable);
    attach(channel, &channel->timeout, g_timeout_source_new_seconds(MARINA_CHANNEL_TIMEOUT_S),
           on_open_timeout);
    if (cancellable != NULL)
        attach(channel, &channel->cancel_source, g_cancellable_source_new(cancellable),
               (GSourceFunc)(void (*)(void))on_cancelled);
}

int
marina_ssh_channel_open_finish(GAsyncResult *result, GBytes **scrollback, GError **error)
{
    Opened *opened;
    int fd;

    g_return_val_if_fail(g_task_is_valid(result, NULL), -1);
    g_return_val_if_fail(g_task_get_source_tag(G_TASK(result)) == marina_ssh_channel_open_async,
                         -1);
    opened = g_task_propagate_pointer(G_TASK(result), error);
    if (opened == NULL)
        return -1;
    fd = g_steal_fd(&opened->fd);
    if (scrollback != NULL)
        *scrollback = g_steal_pointer(&opened->scrollback);
    opened_free(opened);
    return fd;
}
