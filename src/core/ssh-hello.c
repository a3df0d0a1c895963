/* Reading marinad's greeting before D-Bus starts (see ssh-hello.h). */

#define G_LOG_DOMAIN "marina-connection"

#include "config.h"

#include <glib/gi18n.h>

#include "error.h"
#include "protocol.h"
#include "ssh-diagnosis.h"
#include "ssh-hello.h"
#include "sync-wait.h"

typedef struct {
    MarinaUri *uri;
    GInputStream *in;
    GCancellable *read_cancellable; /* cancelled by the timer or the caller */
    GCancellable *caller_cancellable;
    gulong caller_handler;
    GSource *timeout; /* on the caller's thread-default context */
    gboolean timed_out;
    guint timeout_s;
    char line[MARINA_PROTOCOL_HELLO_MAX];
    gsize len;
} HelloRead;

static void
stop_timer(HelloRead *data)
{
    if (data->timeout != NULL) {
        g_source_destroy(data->timeout);
        g_clear_pointer(&data->timeout, g_source_unref);
    }
}

static void
hello_read_free(HelloRead *data)
{
    if (data->caller_cancellable != NULL)
        g_cancellable_disconnect(data->caller_cancellable, data->caller_handler);
    g_clear_object(&data->caller_cancellable);
    stop_timer(data);
    g_clear_object(&data->read_cancellable);
    g_clear_object(&data->in);
    g_clear_pointer(&data->uri, marina_uri_free);
    g_free(data);
}

static gboolean
on_timeout(gpointer user_data)
{
    HelloRead *data = user_data;

    data->timed_out = TRUE;
    g_cancellable_cancel(data->read_cancellable);
    return G_SOURCE_REMOVE;
}

static void
start_timer(HelloRead *data, guint seconds)
{
    stop_timer(data);
    data->timeout_s = seconds;
    data->timeout = g_timeout_source_new_seconds(seconds);
    g_source_set_callback(data->timeout, on_timeout, data, NULL);
    g_source_attach(data->timeout, g_main_context_get_thread_default());
}

static void
on_caller_cancelled(GCancellable *cancellable, gpointer user_data)
{
    g_cancellable_cancel(G_CANCELLABLE(user_data));
}

static void read_next(GTask *task);

/* The line is complete (@complete), too long, or @in ended after it began. */
static void
check_line(GTask *task, gboolean complete)
{
    HelloRead *data = g_task_get_task_data(task);
    GError *error = NULL;

    if (marina_ssh_check_hello(data->uri, data->line, data->len, complete, &error))
        g_task_return_boolean(task, TRUE);
    else
        g_task_return_error(task, error);
    g_object_unref(task);
}

static void
fail_read(GTask *task, GError *error)
{
    HelloRead *data = g_task_get_task_data(task);
    g_autofree char *uri_string = NULL;

    if (!data->timed_out) {
        g_task_return_error(task, error);
        g_object_unref(task);
        return;
    }
    g_error_free(error);
    uri_string = marina_uri_to_string(data->uri);
    g_task_return_new_error(task, MARINA_ERROR, MARINA_ERROR_NO_CONNECTION,
                            _("Cannot connect to %s: %s did not send marinad's greeting within "
                              "%u seconds. Check that ?command= names marinad, and run '%s' on "
                              "%s to see what it does."),
                            uri_string, data->uri->host, data->timeout_s,
                            marina_uri_get_param(data->uri, "command") != NULL
                                ? marina_uri_get_param(data->uri, "command")
                                : "marinad --connect-stdio",
                            data->uri->host);
    g_object_unref(task);
}

static void
on_byte(GObject *source, GAsyncResult *result, gpointer user_data)
{
    GTask *task = user_data;
    HelloRead *data = g_task_get_task_data(task);
    GError *error = NULL;
    gssize n = g_input_stream_read_finish(G_INPUT_STREAM(source), result, &error);

    if (n < 0) {
        fail_read(task, error);
        return;
    }
    if (n == 0) {
        if (data->len == 0) {
            g_task_return_new_error(task, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                                    _("the connection closed before marinad's greeting"));
            g_object_unref(task);
        } else {
            check_line(task, FALSE);
        }
        return;
    }
    if (data->line[data->len] == '\n') {
        check_line(task, TRUE);
        return;
    }
    /* The login is over and something answers: the rest of its line follows
     * at once, or not at all. */
    if (data->len == 0)
        start_timer(data, MARINA_SSH_HELLO_LINE_TIMEOUT_S);
    data->len++;
    if (data->len == sizeof data->line) {
        check_line(task, FALSE);
        return;
    }
    read_next(task);
}

static void
read_next(GTask *task)
{
    HelloRead *data = g_task_get_task_data(task);

    g_input_stream_read_async(data->in, data->line + data->len, 1, G_PRIORITY_DEFAULT,
                              data->read_cancellable, on_byte, task);
}

void
marina_ssh_hello_read_async(const MarinaUri *uri, GInputStream *in, GCancellable *cancellable,
                            GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task = g_task_new(NULL, cancellable, callback, user_data);
    HelloRead *data = g_new0(HelloRead, 1);

    g_task_set_source_tag(task, marina_ssh_hello_read_async);
    data->uri = marina_uri_copy(uri);
    data->in = g_object_ref(in);
    data->read_cancellable = g_cancellable_new();
    if (cancellable != NULL) {
        data->caller_cancellable = g_object_ref(cancellable);
        data->caller_handler =
            g_cancellable_connect(cancellable, G_CALLBACK(on_caller_cancelled),
                                  g_object_ref(data->read_cancellable), g_object_unref);
    }
    g_task_set_task_data(task, data, (GDestroyNotify)hello_read_free);
    start_timer(data, MARINA_SSH_HELLO_TIMEOUT_S);
    read_next(task);
}

gboolean
marina_ssh_hello_read_finish(GAsyncResult *result, GError **error)
{
    g_return_val_if_fail(g_task_is_valid(result, NULL), FALSE);
    return g_task_propagate_boolean(G_TASK(result), error);
}

gboolean
marina_ssh_hello_read_sync(const MarinaUri *uri, GInputStream *in, GCancellable *cancellable,
                           GError **error)
{
    g_autoptr(GMainContext) context = g_main_context_new();
    g_autoptr(GAsyncResult) result = NULL;

    g_main_context_push_thread_default(context);
    marina_ssh_hello_read_async(uri, in, cancellable, marina_sync_wait_ready, &result);
    marina_sync_wait(&result);
    g_main_context_pop_thread_default(context);
    return marina_ssh_hello_read_finish(result, error);
}
