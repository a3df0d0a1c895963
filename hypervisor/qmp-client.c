#define G_LOG_DOMAIN "marina-qmp"

#include "config.h"

#include <gio/gunixfdmessage.h>
#include <gio/gunixsocketaddress.h>
#include <glib/gi18n.h>
#include <string.h>

#include "core/error.h"
#include "qmp-client.h"

/* QMP frames are one JSON object per line. A legitimate reply is far below
 * this; anything longer means a broken or hostile peer. */
#define QMP_MAX_LINE (16 * 1024 * 1024)
#define QMP_READ_CHUNK 65536
/* json-glib's parser recurses without a limit (a line of 100000 '[' blows
 * the stack), so nesting is checked before parsing. Real replies (even long
 * backing chains in query-block) stay far below this. */
#define QMP_MAX_DEPTH 1000

typedef enum {
    QMP_STATE_GREETING,    /* waiting for {"QMP": ...} */
    QMP_STATE_NEGOTIATING, /* qmp_capabilities sent */
    QMP_STATE_READY,
    QMP_STATE_CLOSED,
} QmpState;

typedef struct {
    GBytes *data;
    gsize offset;
    GUnixFDList *fds; /* sent with the first byte(s), then cleared */
} QmpOutMessage;

typedef struct {
    GTask *task;             /* NULL once the caller has been told it was cancelled */
    GSource *cancel_source;  /* fires in our context when the caller cancels */
    MarinaQmpClient *client; /* unowned */
    gint64 id;
} QmpPending;

struct _MarinaQmpClient {
    GObject parent_instance;

    GSocketConnection *connection;
    GSocket *socket;
    GInputStream *input;
    GCancellable *read_cancellable;
    guint8 *read_buffer;
    GByteArray *line; /* bytes received after the last newline */

    GQueue out_queue; /* QmpOutMessage* */
    GSource *out_source;

    GHashTable *pending; /* gint64* id -> QmpPending* */
    gint64 next_id;

    QmpState state;
    char *version;
    GTask *init_task; /* new_async / connect_async until negotiated */
    GSource *init_cancel_source;
};

enum {
    SIGNAL_EVENT,
    SIGNAL_CLOSED,
    N_SIGNALS,
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE(MarinaQmpClient, marina_qmp_client, G_TYPE_OBJECT)

static void qmp_start_read(MarinaQmpClient *self);
static void qmp_close_with_error(MarinaQmpClient *self, const GError *reason);

static void
qmp_out_message_free(QmpOutMessage *msg)
{
    g_bytes_unref(msg->data);
    g_clear_object(&msg->fds);
    g_free(msg);
}

static void
qmp_pending_free(QmpPending *pending)
{
    if (pending->cancel_source != NULL) {
        g_source_destroy(pending->cancel_source);
        g_source_unref(pending->cancel_source);
    }
    g_clear_object(&pending->task);
    g_free(pending);
}

static void
marina_qmp_client_finalize(GObject *object)
{
    MarinaQmpClient *self = MARINA_QMP_CLIENT(object);

    /* Reads hold a reference, so by now the stream is idle; close it quietly. */
    if (self->state != QMP_STATE_CLOSED && self->connection != NULL)
        g_io_stream_close(G_IO_STREAM(self->connection), NULL, NULL);
    if (self->out_source != NULL) {
        g_source_destroy(self->out_source);
        g_source_unref(self->out_source);
    }
    g_queue_clear_full(&self->out_queue, (GDestroyNotify)qmp_out_message_free);
    g_hash_table_unref(self->pending);
    g_clear_object(&self->read_cancellable);
    g_clear_object(&self->connection);
    g_free(self->read_buffer);
    g_byte_array_unref(self->line);
    g_free(self->version);
    G_OBJECT_CLASS(marina_qmp_client_parent_class)->finalize(object);
}

static void
marina_qmp_client_class_init(MarinaQmpClientClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);

    object_class->finalize = marina_qmp_client_finalize;

    signals[SIGNAL_EVENT] =
        g_signal_new("event", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                     G_TYPE_NONE, 3, G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE,
                     JSON_TYPE_OBJECT | G_SIGNAL_TYPE_STATIC_SCOPE, G_TYPE_INT64);
    signals[SIGNAL_CLOSED] =
        g_signal_new("closed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                     G_TYPE_NONE, 1, G_TYPE_ERROR | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
marina_qmp_client_init(MarinaQmpClient *self)
{
    self->pending =
        g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, (GDestroyNotify)qmp_pending_free);
    self->read_cancellable = g_cancellable_new();
    self->read_buffer = g_malloc(QMP_READ_CHUNK);
    self->line = g_byte_array_new();
    self->next_id = 1;
    g_queue_init(&self->out_queue);
}

/* ---- closing ------------------------------------------------------------ */

static void
qmp_close_with_error(MarinaQmpClient *self, const GError *reason)
{
    g_autoptr(MarinaQmpClient) hold = NULL;
    g_autoptr(GHashTable) pending = NULL;
    GHashTableIter iter;
    gpointer value;

    if (self->state == QMP_STATE_CLOSED)
        return;
    /* Signal handlers and task callbacks may drop the last outside reference. */
    hold = g_object_ref(self);
    self->state = QMP_STATE_CLOSED;

    if (reason != NULL)
        g_debug("QMP connection closed: %s", reason->message);
    else
        g_debug("QMP connection closed");

    g_cancellable_cancel(self->read_cancellable);
    if (self->out_source != NULL) {
        g_source_destroy(self->out_source);
        g_clear_pointer(&self->out_source, g_source_unref);
    }
    g_queue_clear_full(&self->out_queue, (GDestroyNotify)qmp_out_message_free);
    if (self->connection != NULL)
        g_io_stream_close(G_IO_STREAM(self->connection), NULL, NULL);

    if (self->init_task != NULL) {
        g_autoptr(GTask) task = g_steal_pointer(&self->init_task);

        if (self->init_cancel_source != NULL) {
            g_source_destroy(self->init_cancel_source);
            g_clear_pointer(&self->init_cancel_source, g_source_unref);
        }
        if (reason != NULL)
            g_task_return_error(task, g_error_copy(reason));
        else
            g_task_return_new_error(task, MARINA_ERROR, MARINA_ERROR_NOT_RUNNING, "%s",
                                    _("The QMP connection closed before QEMU was ready"));
    }

    /* Swap the table out first: a callback may start another command. */
    pending = g_steal_pointer(&self->pending);
    self->pending =
        g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, (GDestroyNotify)qmp_pending_free);
    g_hash_table_iter_init(&iter, pending);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        QmpPending *p = value;

        if (p->task != NULL)
            g_task_return_new_error(p->task, MARINA_ERROR, MARINA_ERROR_NOT_RUNNING, "%s",
                                    _("The guest's QEMU process has gone away"));
    }

    g_signal_emit(self, signals[SIGNAL_CLOSED], 0, reason);
}

static void
qmp_fail(MarinaQmpClient *self, MarinaError code, const char *message)
{
    g_autoptr(GError) error = g_error_new_literal(MARINA_ERROR, code, message);

    qmp_close_with_error(self, error);
}

gboolean
marina_qmp_client_is_closed(MarinaQmpClient *self)
{
    g_return_val_if_fail(MARINA_IS_QMP_CLIENT(self), TRUE);
    return self->state == QMP_STATE_CLOSED;
}

void
marina_qmp_client_close(MarinaQmpClient *self)
{
    g_return_if_fail(MARINA_IS_QMP_CLIENT(self));
    qmp_close_with_error(self, NULL);
}

const char *
marina_qmp_client_get_version(MarinaQmpClient *self)
{
    g_return_val_if_fail(MARINA_IS_QMP_CLIENT(self), NULL);
    return self->version;
}

/* ---- writing ------------------------------------------------------------ */

static gboolean on_socket_writable(GSocket *socket, GIOCondition condition, gpointer user_data);

static void
qmp_schedule_flush(MarinaQmpClient *self)
{
    if (self->out_source != NULL || g_queue_is_empty(&self->out_queue))
        return;
    /* Writing always happens from the socket's G_IO_OUT source, never from
     * the caller's stack: no re-entrancy, and a full socket buffer just
     * means waiting for the next G_IO_OUT. */
    self->out_source = g_socket_create_source(self->socket, G_IO_OUT, NULL);
    g_source_set_callback(self->out_source, G_SOURCE_FUNC(on_socket_writable), self, NULL);
    g_source_attach(self->out_source, g_main_context_get_thread_default());
}

/* Returns FALSE when the socket is full (try again on G_IO_OUT). */
static gboolean
qmp_send_one(MarinaQmpClient *self, QmpOutMessage *msg, GError **error)
{
    gsize size;
    const guint8 *data = g_bytes_get_data(msg->data, &size);
    GOutputVector vector = {data + msg->offset, size - msg->offset};
    g_autoptr(GSocketControlMessage) control = NULL;
    GSocketControlMessage *messages[1];
    gssize sent;
    g_autoptr(GError) local_error = NULL;

    if (msg->fds != NULL) {
        /* SCM_RIGHTS rides on the first byte(s) of the command, as QEMU
         * attaches a received fd to the command being parsed (libvirt does
         * the same for getfd). */
        control = g_unix_fd_message_new_with_fd_list(msg->fds);
        messages[0] = control;
    }
    sent = g_socket_send_message(self->socket, NULL, &vector, 1, control != NULL ? messages : NULL,
                                 control != NULL ? 1 : 0, G_SOCKET_MSG_NONE, NULL, &local_error);
    if (sent < 0) {
        if (g_error_matches(local_error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            return FALSE;
        g_propagate_error(error, g_steal_pointer(&local_error));
        return FALSE;
    }
    if (sent > 0)
        g_clear_object(&msg->fds);
    msg->offset += sent;
    return TRUE;
}

static gboolean
on_socket_writable(G_GNUC_UNUSED GSocket *socket, G_GNUC_UNUSED GIOCondition condition,
                   gpointer user_data)
{
    MarinaQmpClient *self = user_data;

    while (!g_queue_is_empty(&self->out_queue)) {
        QmpOutMessage *msg = g_queue_peek_head(&self->out_queue);
        g_autoptr(GError) error = NULL;

        if (!qmp_send_one(self, msg, &error)) {
            if (error != NULL) {
                g_autoptr(GError) reason = NULL;

                g_debug("QMP write failed: %s", error->message);
                reason = g_error_new(MARINA_ERROR, MARINA_ERROR_NOT_RUNNING, "%s",
                                     _("The guest's QEMU process has gone away"));
                /* Keep the source alive until close destroys it. */
                qmp_close_with_error(self, reason);
                return G_SOURCE_REMOVE;
            }
            return G_SOURCE_CONTINUE; /* socket full: wait for G_IO_OUT */
        }
        if (msg->offset == g_bytes_get_size(msg->data))
            qmp_out_message_free(g_queue_pop_head(&self->out_queue));
    }
    g_clear_pointer(&self->out_source, g_source_unref);
    return G_SOURCE_REMOVE;
}

static void
qmp_queue_write(MarinaQmpClient *self, char *text, GUnixFDList *fds)
{
    QmpOutMessage *msg = g_new0(QmpOutMessage, 1);

    msg->data = g_bytes_new_take(text, strlen(text));
    msg->fds = fds;
    g_queue_push_tail(&self->out_queue, msg);
    qmp_schedule_flush(self);
}

/* ---- commands ----------------------------------------------------------- */

static gboolean
on_pending_cancelled(G_GNUC_UNUSED GCancellable *cancellable, gpointer user_data)
{
    QmpPending *pending = user_data;
    g_autoptr(GTask) task = g_steal_pointer(&pending->task);

    /* QMP cannot withdraw a command: the reply still arrives and is
     * dropped, but the caller hears now. */
    g_clear_pointer(&pending->cancel_source, g_source_unref);
    g_task_return_error_if_cancelled(task);
    return G_SOURCE_REMOVE;
}

static char *
qmp_serialize_command(const char *command, JsonObject *arguments, gint64 id)
{
    g_autoptr(JsonBuilder) builder = json_builder_new();
    g_autoptr(JsonGenerator) generator = json_generator_new();
    g_autoptr(JsonNode) root = NULL;
    g_autofree char *text = NULL;

    json_builder_begin_object(builder);
    json_builder_set_member_name(builder, "execute");
    json_builder_add_string_value(builder, command);
    if (arguments != NULL) {
        JsonNode *node = json_node_new(JSON_NODE_OBJECT);

        json_node_set_object(node, arguments);
        json_builder_set_member_name(builder, "arguments");
        json_builder_add_value(builder, node);
    }
    json_builder_set_member_name(builder, "id");
    json_builder_add_int_value(builder, id);
    json_builder_end_object(builder);

    root = json_builder_get_root(builder);
    json_generator_set_root(generator, root);
    text = json_generator_to_data(generator, NULL);
    return g_strconcat(text, "\r\n", NULL);
}

void
marina_qmp_client_execute_async(MarinaQmpClient *self, const char *command, JsonObject *arguments,
                                int fd, GCancellable *cancellable, GAsyncReadyCallback callback,
                                gpointer user_data)
{
    g_autoptr(GTask) task = NULL;
    g_autoptr(GUnixFDList) fds = NULL;
    g_autoptr(GError) error = NULL;
    QmpPending *pending;

    g_return_if_fail(MARINA_IS_QMP_CLIENT(self));
    g_return_if_fail(command != NULL);

    task = g_task_new(self, cancellable, callback, user_data);
    g_task_set_source_tag(task, marina_qmp_client_execute_async);
    g_task_set_task_data(task, g_strdup(command), g_free);

    if (self->state == QMP_STATE_CLOSED) {
        g_task_return_new_error(task, MARINA_ERROR, MARINA_ERROR_NOT_RUNNING, "%s",
                                _("The guest's QEMU process has gone away"));
        return;
    }
    if (g_task_return_error_if_cancelled(task))
        return;
    if (fd >= 0) {
        /* The list holds its own duplicate: the caller keeps @fd. */
        fds = g_unix_fd_list_new();
        if (g_unix_fd_list_append(fds, fd, &error) < 0) {
            g_task_return_new_error(task, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                                    _("Could not pass a file descriptor to QEMU: %s"),
                                    error->message);
            return;
        }
    }

    pending = g_new0(QmpPending, 1);
    pending->client = self;
    pending->id = self->next_id++;
    pending->task = g_steal_pointer(&task);
    if (cancellable != NULL) {
        pending->cancel_source = g_cancellable_source_new(cancellable);
        g_source_set_callback(pending->cancel_source, G_SOURCE_FUNC(on_pending_cancelled), pending,
                              NULL);
        g_source_attach(pending->cancel_source, g_main_context_get_thread_default());
    }
    g_hash_table_insert(self->pending, &pending->id, pending);
    g_debug("QMP send #%" G_GINT64_FORMAT ": %s", pending->id, command);
    qmp_queue_write(self, qmp_serialize_command(command, arguments, pending->id),
                    g_steal_pointer(&fds));
}

JsonNode *
marina_qmp_client_execute_finish(MarinaQmpClient *self, GAsyncResult *result, GError **error)
{
    g_return_val_if_fail(g_task_is_valid(result, self), NULL);
    return g_task_propagate_pointer(G_TASK(result), error);
}

/* ---- reading ------------------------------------------------------------ */

/* Typed lookups that tolerate hostile input (wrong types yield @fallback). */
static gint64
qmp_get_int(JsonObject *object, const char *name, gint64 fallback)
{
    JsonNode *node = json_object_get_member(object, name);

    if (node == NULL || !JSON_NODE_HOLDS_VALUE(node) ||
        json_node_get_value_type(node) != G_TYPE_INT64)
        return fallback;
    return json_node_get_int(node);
}

static const char *
qmp_get_string(JsonObject *object, const char *name)
{
    JsonNode *node = json_object_get_member(object, name);

    if (node == NULL || !JSON_NODE_HOLDS_VALUE(node) ||
        json_node_get_value_type(node) != G_TYPE_STRING)
        return NULL;
    return json_node_get_string(node);
}

static void
qmp_handle_reply(MarinaQmpClient *self, JsonObject *message)
{
    JsonNode *id_node = json_object_get_member(message, "id");
    g_autoptr(GTask) task = NULL;
    QmpPending *pending;
    gint64 id;

    if (id_node == NULL || !JSON_NODE_HOLDS_VALUE(id_node) ||
        json_node_get_value_type(id_node) != G_TYPE_INT64) {
        qmp_fail(self, MARINA_ERROR_OPERATION_FAILED,
                 _("QEMU sent a reply that matches no command; the QMP connection was closed"));
        return;
    }
    id = json_node_get_int(id_node);
    pending = g_hash_table_lookup(self->pending, &id);
    if (pending == NULL) {
        g_warning("QMP reply with unknown id %" G_GINT64_FORMAT, id);
        qmp_fail(self, MARINA_ERROR_OPERATION_FAILED,
                 _("QEMU sent a reply that matches no command; the QMP connection was closed"));
        return;
    }
    task = g_steal_pointer(&pending->task);
    g_hash_table_remove(self->pending, &id);
    if (task == NULL)
        return; /* the caller cancelled */

    if (json_object_has_member(message, "error")) {
        JsonNode *error_node = json_object_get_member(message, "error");
        const char *desc = NULL;
        g_autoptr(JsonNode) whole = json_node_init_object(json_node_alloc(), message);
        g_autofree char *dump = json_to_string(whole, FALSE);

        if (JSON_NODE_HOLDS_OBJECT(error_node))
            desc = qmp_get_string(json_node_get_object(error_node), "desc");
        g_debug("QMP command '%s' failed: %s", (const char *)g_task_get_task_data(task), dump);
        g_task_return_new_error(task, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED, "%s",
                                desc != NULL ? desc : _("QEMU reported an unspecified error"));
        return;
    }
    g_task_return_pointer(task, json_node_copy(json_object_get_member(message, "return")),
                          (GDestroyNotify)json_node_unref);
}

static void
qmp_handle_event(MarinaQmpClient *self, JsonObject *message)
{
    JsonNode *name_node = json_object_get_member(message, "event");
    JsonNode *data_node = json_object_get_member(message, "data");
    JsonNode *ts_node = json_object_get_member(message, "timestamp");
    JsonObject *data = NULL;
    gint64 timestamp = 0;

    if (!JSON_NODE_HOLDS_VALUE(name_node) || json_node_get_value_type(name_node) != G_TYPE_STRING) {
        qmp_fail(self, MARINA_ERROR_OPERATION_FAILED,
                 _("QEMU sent a malformed event; the QMP connection was closed"));
        return;
    }
    if (data_node != NULL && JSON_NODE_HOLDS_OBJECT(data_node))
        data = json_node_get_object(data_node);
    if (ts_node != NULL && JSON_NODE_HOLDS_OBJECT(ts_node)) {
        JsonObject *ts = json_node_get_object(ts_node);

        gint64 seconds = qmp_get_int(ts, "seconds", 0);
        gint64 micro = qmp_get_int(ts, "microseconds", 0);

        /* Hostile values must not overflow. */
        if (seconds >= 0 && seconds < G_MAXINT64 / G_USEC_PER_SEC - 1 && micro >= 0 &&
            micro < G_USEC_PER_SEC)
            timestamp = seconds * G_USEC_PER_SEC + micro;
    }
    g_debug("QMP event %s", json_node_get_string(name_node));
    g_signal_emit(self, signals[SIGNAL_EVENT], 0, json_node_get_string(name_node), data, timestamp);
}

static void
on_capabilities_done(GObject *source, GAsyncResult *result, G_GNUC_UNUSED gpointer user_data)
{
    MarinaQmpClient *self = MARINA_QMP_CLIENT(source);
    g_autoptr(JsonNode) ret = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GTask) task = NULL;

    ret = marina_qmp_client_execute_finish(self, result, &error);
    if (self->init_task == NULL)
        return; /* closed meanwhile; close() already answered */
    if (ret == NULL) {
        qmp_close_with_error(self, error);
        return;
    }
    task = g_steal_pointer(&self->init_task);
    if (self->init_cancel_source != NULL) {
        g_source_destroy(self->init_cancel_source);
        g_clear_pointer(&self->init_cancel_source, g_source_unref);
    }
    self->state = QMP_STATE_READY;
    g_task_return_pointer(task, g_object_ref(self), g_object_unref);
}

static void
qmp_handle_greeting(MarinaQmpClient *self, JsonObject *message)
{
    JsonNode *qmp = json_object_get_member(message, "QMP");
    JsonObject *qemu = NULL;

    if (qmp == NULL || !JSON_NODE_HOLDS_OBJECT(qmp)) {
        qmp_fail(self, MARINA_ERROR_OPERATION_FAILED,
                 _("The socket did not greet like a QEMU monitor (QMP)"));
        return;
    }
    /* {"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, "major": 7}, ...}}} */
    if (json_object_has_member(json_node_get_object(qmp), "version")) {
        JsonNode *version = json_object_get_member(json_node_get_object(qmp), "version");

        if (JSON_NODE_HOLDS_OBJECT(version)) {
            JsonNode *q = json_object_get_member(json_node_get_object(version), "qemu");

            if (q != NULL && JSON_NODE_HOLDS_OBJECT(q))
                qemu = json_node_get_object(q);
        }
    }
    if (qemu != NULL)
        self->version =
            g_strdup_printf("%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT,
                            qmp_get_int(qemu, "major", 0), qmp_get_int(qemu, "minor", 0),
                            qmp_get_int(qemu, "micro", 0));
    else
        self->version = g_strdup("unknown");
    g_debug("QMP greeting from QEMU %s", self->version);

    self->state = QMP_STATE_NEGOTIATING;
    marina_qmp_client_execute_async(self, "qmp_capabilities", NULL, -1, NULL, on_capabilities_done,
                                    NULL);
}

static gboolean
qmp_depth_ok(const char *text, gsize len)
{
    gboolean in_string = FALSE;
    guint depth = 0;

    for (gsize i = 0; i < len; i++) {
        char c = text[i];

        if (in_string) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_string = FALSE;
        } else if (c == '"') {
            in_string = TRUE;
        } else if (c == '[' || c == '{') {
            if (++depth > QMP_MAX_DEPTH)
                return FALSE;
        } else if ((c == ']' || c == '}') && depth > 0) {
            depth--;
        }
    }
    return TRUE;
}

static void
qmp_handle_line(MarinaQmpClient *self, const char *line, gsize len)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(GError) error = NULL;
    JsonNode *root;
    JsonObject *message;

    if (len == 0)
        return;
    if (!qmp_depth_ok(line, len)) {
        qmp_fail(self, MARINA_ERROR_OPERATION_FAILED,
                 _("QEMU sent JSON nested too deeply; the QMP connection was closed"));
        return;
    }
    if (!json_parser_load_from_data(parser, line, len, &error)) {
        g_debug("QMP: unparsable line from QEMU: %s", error->message);
        qmp_fail(self, MARINA_ERROR_OPERATION_FAILED,
                 _("QEMU sent data that is not valid JSON; the QMP connection was closed"));
        return;
    }
    root = json_parser_get_root(parser);
    if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root)) {
        qmp_fail(self, MARINA_ERROR_OPERATION_FAILED,
                 _("QEMU sent a message that is not a JSON object; the QMP connection was closed"));
        return;
    }
    message = json_node_get_object(root);

    if (self->state == QMP_STATE_GREETING)
        qmp_handle_greeting(self, message);
    else if (json_object_has_member(message, "event"))
        qmp_handle_event(self, message);
    else if (json_object_has_member(message, "return") || json_object_has_member(message, "error"))
        qmp_handle_reply(self, message);
    else
        qmp_fail(self, MARINA_ERROR_OPERATION_FAILED,
                 _("QEMU sent an unknown kind of message; the QMP connection was closed"));
}

/* Split what has arrived into lines; keeps the unfinished tail. */
static void
qmp_process_input(MarinaQmpClient *self)
{
    gsize start = 0;

    for (gsize i = 0; i < self->line->len && self->state != QMP_STATE_CLOSED; i++) {
        gsize end = i;

        if (self->line->data[i] != '\n')
            continue;
        if (end > start && self->line->data[end - 1] == '\r')
            end--;
        if (memchr(self->line->data + start, '\0', end - start) != NULL) {
            qmp_fail(self, MARINA_ERROR_OPERATION_FAILED,
                     _("QEMU sent a NUL byte; the QMP connection was closed"));
            return;
        }
        qmp_handle_line(self, (const char *)self->line->data + start, end - start);
        start = i + 1;
    }
    if (self->state == QMP_STATE_CLOSED)
        return;
    g_byte_array_remove_range(self->line, 0, start);
    if (self->line->len > QMP_MAX_LINE)
        qmp_fail(self, MARINA_ERROR_OPERATION_FAILED,
                 _("QEMU sent a message over 16 MiB; the QMP connection was closed"));
}

static void
on_read(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(MarinaQmpClient) self = user_data;
    g_autoptr(GError) error = NULL;
    gssize n;

    n = g_input_stream_read_finish(G_INPUT_STREAM(source), result, &error);
    if (self->state == QMP_STATE_CLOSED)
        return;
    if (n < 0) {
        g_autoptr(GError) reason = NULL;

        g_debug("QMP read failed: %s", error->message);
        reason = g_error_new(MARINA_ERROR, MARINA_ERROR_NOT_RUNNING, "%s",
                             _("The guest's QEMU process has gone away"));
        qmp_close_with_error(self, reason);
        return;
    }
    if (n == 0) {
        qmp_fail(self, MARINA_ERROR_NOT_RUNNING, _("The guest's QEMU process has gone away"));
        return;
    }
    g_byte_array_append(self->line, self->read_buffer, n);
    qmp_process_input(self);
    if (self->state != QMP_STATE_CLOSED)
        qmp_start_read(self);
}

static void
qmp_start_read(MarinaQmpClient *self)
{
    /* The read holds a reference: a connected client lives until it is
     * closed (by marina_qmp_client_close() or by QEMU going away). */
    g_input_stream_read_async(self->input, self->read_buffer, QMP_READ_CHUNK, G_PRIORITY_DEFAULT,
                              self->read_cancellable, on_read, g_object_ref(self));
}

/* ---- construction ------------------------------------------------------- */

static gboolean
on_init_cancelled(G_GNUC_UNUSED GCancellable *cancellable, gpointer user_data)
{
    MarinaQmpClient *self = user_data;
    g_autoptr(GError) error =
        g_error_new_literal(G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Operation was cancelled"));

    g_clear_pointer(&self->init_cancel_source, g_source_unref);
    qmp_close_with_error(self, error);
    return G_SOURCE_REMOVE;
}

void
marina_qmp_client_new_async(GSocketConnection *connection, GCancellable *cancellable,
                            GAsyncReadyCallback callback, gpointer user_data)
{
    g_autoptr(MarinaQmpClient) self = NULL;
    GTask *task;

    g_return_if_fail(G_IS_SOCKET_CONNECTION(connection));

    self = g_object_new(MARINA_TYPE_QMP_CLIENT, NULL);
    self->connection = connection;
    self->socket = g_socket_connection_get_socket(connection);
    self->input = g_io_stream_get_input_stream(G_IO_STREAM(connection));
    /* Writes go straight to the socket (to carry SCM_RIGHTS) and must never
     * block the main loop; async stream reads do not depend on this flag. */
    g_socket_set_blocking(self->socket, FALSE);

    task = g_task_new(NULL, cancellable, callback, user_data);
    g_task_set_source_tag(task, marina_qmp_client_new_async);
    self->init_task = task;
    if (cancellable != NULL) {
        self->init_cancel_source = g_cancellable_source_new(cancellable);
        g_source_set_callback(self->init_cancel_source, G_SOURCE_FUNC(on_init_cancelled), self,
                              NULL);
        g_source_attach(self->init_cancel_source, g_main_context_get_thread_default());
    }
    qmp_start_read(self);
}

MarinaQmpClient *
marina_qmp_client_new_finish(GAsyncResult *result, GError **error)
{
    g_return_val_if_fail(g_task_is_valid(result, NULL), NULL);
    return g_task_propagate_pointer(G_TASK(result), error);
}

static void
on_client_ready(G_GNUC_UNUSED GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GTask) task = user_data;
    g_autoptr(GError) error = NULL;
    MarinaQmpClient *client = marina_qmp_client_new_finish(result, &error);

    if (client == NULL)
        g_task_return_error(task, g_steal_pointer(&error));
    else
        g_task_return_pointer(task, client, g_object_unref);
}

static void
on_socket_connected(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GTask) task = user_data;
    g_autoptr(GError) error = NULL;
    GSocketConnection *connection;

    connection = g_socket_client_connect_finish(G_SOCKET_CLIENT(source), result, &error);
    if (connection == NULL) {
        g_debug("QMP connect to %s failed: %s", (const char *)g_task_get_task_data(task),
                error->message);
        g_task_return_new_error(task, MARINA_ERROR, MARINA_ERROR_NOT_RUNNING,
                                _("Could not connect to the QEMU monitor at %s: %s"),
                                (const char *)g_task_get_task_data(task), error->message);
        return;
    }
    marina_qmp_client_new_async(connection, g_task_get_cancellable(task), on_client_ready,
                                g_object_ref(task));
}

void
marina_qmp_client_connect_async(const char *path, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data)
{
    g_autoptr(GSocketClient) client = g_socket_client_new();
    g_autoptr(GSocketAddress) address = NULL;
    GTask *task;

    g_return_if_fail(path != NULL);

    task = g_task_new(NULL, cancellable, callback, user_data);
    g_task_set_source_tag(task, marina_qmp_client_connect_async);
    g_task_set_task_data(task, g_strdup(path), g_free);
    address = g_unix_socket_address_new(path);
    g_socket_client_connect_async(client, G_SOCKET_CONNECTABLE(address), cancellable,
                                  on_socket_connected, task);
}

MarinaQmpClient *
marina_qmp_client_connect_finish(GAsyncResult *result, GError **error)
{
    g_return_val_if_fail(g_task_is_valid(result, NULL), NULL);
    return g_task_propagate_pointer(G_TASK(result), error);
}
