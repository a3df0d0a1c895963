/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-askpass"

#include "config.h"

#include "askpass-question.h"

struct _MarinaAskpassQuestion {
    GObject parent_instance;

    GSocketConnection *connection; /* to marina-askpass; NULL once done */
    GCancellable *watch;           /* the read that notices the helper going away */
    MarinaAskpassKind kind;
    char *prompt;
    char *host;
    char *fingerprint;
    char *uri;
    guint attempt;
};

/* The watch's state lives apart from the question, which may be gone first. */
typedef struct {
    GWeakRef question;
    guint8 probe;
} Watch;

enum { SIGNAL_CLOSED, SIGNAL_CANCELLED, N_SIGNALS };

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE(MarinaAskpassQuestion, marina_askpass_question, G_TYPE_OBJECT)

static void
finish_connection(MarinaAskpassQuestion *self)
{
    g_cancellable_cancel(self->watch);
    g_clear_object(&self->watch);
    /* Closing the socket itself: no wait for the pending read to unwind. */
    if (self->connection != NULL)
        g_socket_close(g_socket_connection_get_socket(self->connection), NULL);
    g_clear_object(&self->connection);
}

/* The helper sends nothing after its request: any read completing means it
 * is gone (EOF) or misbehaving. Either way, the question is over. */
static void
on_watch_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
    Watch *watch = user_data;
    g_autoptr(MarinaAskpassQuestion) self = g_weak_ref_get(&watch->question);
    g_autoptr(GError) error = NULL;

    g_weak_ref_clear(&watch->question);
    g_free(watch);
    g_input_stream_read_finish(G_INPUT_STREAM(source), result, &error);
    if (self == NULL || g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
        self->connection == NULL)
        return;
    g_debug("askpass helper went away before the %s question was answered",
            marina_askpass_kind_to_string(self->kind));
    finish_connection(self);
    g_signal_emit(self, signals[SIGNAL_CLOSED], 0);
}

static void
on_reply_written(GObject *source, GAsyncResult *result, gpointer user_data)
{
    GBytes *reply = user_data;
    g_autoptr(GError) error = NULL;

    if (!g_output_stream_write_all_finish(G_OUTPUT_STREAM(source), result, NULL, &error))
        g_debug("askpass reply not delivered: %s", error->message);
    g_socket_close(g_socket_connection_get_socket(g_object_get_data(source, "marina-connection")),
                   NULL);
    g_object_set_data(source, "marina-connection", NULL);
    g_bytes_unref(reply); /* wipes the answer */
}

static void
send_reply(MarinaAskpassQuestion *self, const char *answer)
{
    GBytes *reply = marina_askpass_encode_reply(answer);
    GOutputStream *out;

    if (self->connection == NULL)
        return;
    g_cancellable_cancel(self->watch);
    g_clear_object(&self->watch);
    if (reply == NULL) {
        /* Too long or with a newline: ssh could not use it anyway. */
        g_debug("askpass answer refused (too long or multi-line): cancelling instead");
        reply = marina_askpass_encode_reply(NULL);
    }
    out = g_io_stream_get_output_stream(G_IO_STREAM(self->connection));
    /* The stream keeps its connection alive until the reply is out. */
    g_object_set_data_full(G_OBJECT(out), "marina-connection", g_steal_pointer(&self->connection),
                           g_object_unref);
    g_output_stream_write_all_async(out, g_bytes_get_data(reply, NULL), g_bytes_get_size(reply),
                                    G_PRIORITY_DEFAULT, NULL, on_reply_written, reply);
}

void
marina_askpass_question_reply(MarinaAskpassQuestion *self, const char *answer)
{
    g_return_if_fail(MARINA_IS_ASKPASS_QUESTION(self));
    g_return_if_fail(answer != NULL);
    send_reply(self, answer);
}

void
marina_askpass_question_cancel(MarinaAskpassQuestion *self)
{
    g_return_if_fail(MARINA_IS_ASKPASS_QUESTION(self));
    if (self->connection == NULL)
        return;
    send_reply(self, NULL);
    g_signal_emit(self, signals[SIGNAL_CANCELLED], 0);
}

gboolean
marina_askpass_question_is_pending(MarinaAskpassQuestion *self)
{
    g_return_val_if_fail(MARINA_IS_ASKPASS_QUESTION(self), FALSE);
    return self->connection != NULL;
}

MarinaAskpassKind
marina_askpass_question_get_kind(MarinaAskpassQuestion *self)
{
    g_return_val_if_fail(MARINA_IS_ASKPASS_QUESTION(self), MARINA_ASKPASS_KIND_OTHER);
    return self->kind;
}

const char *
marina_askpass_question_get_prompt(MarinaAskpassQuestion *self)
{
    g_return_val_if_fail(MARINA_IS_ASKPASS_QUESTION(self), NULL);
    return self->prompt;
}

const char *
marina_askpass_question_get_host(MarinaAskpassQuestion *self)
{
    g_return_val_if_fail(MARINA_IS_ASKPASS_QUESTION(self), NULL);
    return self->host;
}

const char *
marina_askpass_question_get_fingerprint(MarinaAskpassQuestion *self)
{
    g_return_val_if_fail(MARINA_IS_ASKPASS_QUESTION(self), NULL);
    return self->fingerprint;
}

const char *
marina_askpass_question_get_uri(MarinaAskpassQuestion *self)
{
    g_return_val_if_fail(MARINA_IS_ASKPASS_QUESTION(self), NULL);
    return self->uri;
}

guint
marina_askpass_question_get_attempt(MarinaAskpassQuestion *self)
{
    g_return_val_if_fail(MARINA_IS_ASKPASS_QUESTION(self), 0);
    return self->attempt;
}

static void
marina_askpass_question_dispose(GObject *object)
{
    MarinaAskpassQuestion *self = MARINA_ASKPASS_QUESTION(object);

    /* Nobody answered: closing the socket tells the helper "cancelled". */
    finish_connection(self);
    G_OBJECT_CLASS(marina_askpass_question_parent_class)->dispose(object);
}

static void
marina_askpass_question_finalize(GObject *object)
{
    MarinaAskpassQuestion *self = MARINA_ASKPASS_QUESTION(object);

    g_free(self->prompt);
    g_free(self->host);
    g_free(self->fingerprint);
    g_free(self->uri);
    G_OBJECT_CLASS(marina_askpass_question_parent_class)->finalize(object);
}

static void
marina_askpass_question_class_init(MarinaAskpassQuestionClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);

    object_class->dispose = marina_askpass_question_dispose;
    object_class->finalize = marina_askpass_question_finalize;
    signals[SIGNAL_CLOSED] = g_signal_new("closed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0,
                                          NULL, NULL, NULL, G_TYPE_NONE, 0);
    signals[SIGNAL_CANCELLED] =
        g_signal_new("cancelled", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                     G_TYPE_NONE, 0);
}

static void
marina_askpass_question_init(MarinaAskpassQuestion *self)
{
}

MarinaAskpassQuestion *
marina_askpass_question_new(GSocketConnection *connection, const char *prompt, const char *hint,
                            const char *uri, guint attempt)
{
    MarinaAskpassQuestion *self = g_object_new(MARINA_TYPE_ASKPASS_QUESTION, NULL);
    Watch *watch = g_new0(Watch, 1);

    self->connection = g_object_ref(connection);
    self->prompt = marina_askpass_sanitize_prompt(prompt);
    self->kind = marina_askpass_classify(self->prompt, hint, &self->host, &self->fingerprint);
    self->uri = g_strdup(uri);
    self->attempt = attempt;
    self->watch = g_cancellable_new();
    /* Weak: an unanswered question nobody holds must be disposed (which
     * cancels it), not kept alive by its own watch. */
    g_weak_ref_init(&watch->question, self);
    g_input_stream_read_async(g_io_stream_get_input_stream(G_IO_STREAM(connection)), &watch->probe,
                              1, G_PRIORITY_DEFAULT, self->watch, on_watch_done, watch);
    return self;
}
