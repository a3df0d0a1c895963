#define G_LOG_DOMAIN "marina-job-watcher"

#include "config.h"

#include <glib/gi18n.h>

#include "client-private.h"
#include "error.h"
#include "job-watcher.h"

/*
 * Waiting needs the Job's properties and its Finished signal, so the
 * watching proxy is made only when the first wait starts; Cancel goes
 * through a call-only proxy made at once (it may be sent from the thread
 * that cancelled a GCancellable). Every wait in progress completes with the
 * same outcome.
 */

struct _MarinaJobWatcher {
    GObject parent_instance;

    MarinaConnection *connection;
    char *object_path;
    MarinaDBusJob *caller;  /* calls only */
    MarinaDBusJob *watched; /* properties and signals, once waiting */
    gboolean watching;      /* the watched proxy was asked for */
    gulong closed_handler;  /* on the connection, while waiting */
    GPtrArray *waits;       /* GTask*, waiting for the end */

    guint64 processed;
    guint64 total;
    char *phase;

    gboolean ended;
    GError *outcome; /* NULL when the job succeeded */
};

G_DEFINE_FINAL_TYPE(MarinaJobWatcher, marina_job_watcher, G_TYPE_OBJECT)

enum { SIGNAL_PROGRESS, N_SIGNALS };
static guint signals[N_SIGNALS];

typedef struct {
    GCancellable *cancellable;
    gulong handler;
} WaitData;

static void
wait_data_free(WaitData *data)
{
    if (data->handler != 0)
        g_cancellable_disconnect(data->cancellable, data->handler);
    g_clear_object(&data->cancellable);
    g_free(data);
}

static void
marina_job_watcher_dispose(GObject *object)
{
    MarinaJobWatcher *self = MARINA_JOB_WATCHER(object);

    if (self->watched != NULL)
        g_signal_handlers_disconnect_by_data(self->watched, self);
    if (self->connection != NULL)
        g_clear_signal_handler(&self->closed_handler, self->connection);
    g_clear_object(&self->watched);
    g_clear_object(&self->caller);
    g_clear_object(&self->connection);
    G_OBJECT_CLASS(marina_job_watcher_parent_class)->dispose(object);
}

static void
marina_job_watcher_finalize(GObject *object)
{
    MarinaJobWatcher *self = MARINA_JOB_WATCHER(object);

    g_ptr_array_unref(self->waits);
    g_free(self->object_path);
    g_free(self->phase);
    g_clear_error(&self->outcome);
    G_OBJECT_CLASS(marina_job_watcher_parent_class)->finalize(object);
}

static void
marina_job_watcher_class_init(MarinaJobWatcherClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);

    object_class->dispose = marina_job_watcher_dispose;
    object_class->finalize = marina_job_watcher_finalize;
    signals[SIGNAL_PROGRESS] =
        g_signal_new("progress", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                     G_TYPE_NONE, 3, G_TYPE_UINT64, G_TYPE_UINT64, G_TYPE_STRING);
}

static void
marina_job_watcher_init(MarinaJobWatcher *self)
{
    self->waits = g_ptr_array_new_with_free_func(g_object_unref);
}

MarinaJobWatcher *
marina_job_watcher_new(MarinaConnection *connection, const char *object_path)
{
    MarinaJobWatcher *self;

    g_return_val_if_fail(MARINA_IS_CONNECTION(connection), NULL);
    g_return_val_if_fail(object_path != NULL && g_variant_is_object_path(object_path), NULL);
    self = g_object_new(MARINA_TYPE_JOB_WATCHER, NULL);
    self->connection = g_object_ref(connection);
    self->object_path = g_strdup(object_path);
    /* No round trip: a call-only proxy on a peer connection. */
    self->caller =
        marina_dbus_job_proxy_new_sync(marina_connection_get_dbus_connection(connection),
                                       MARINA_CLIENT_PROXY_FLAGS, NULL, object_path, NULL, NULL);
    return self;
}

const char *
marina_job_watcher_get_object_path(MarinaJobWatcher *self)
{
    g_return_val_if_fail(MARINA_IS_JOB_WATCHER(self), NULL);
    return self->object_path;
}

guint64
marina_job_watcher_get_processed(MarinaJobWatcher *self)
{
    g_return_val_if_fail(MARINA_IS_JOB_WATCHER(self), 0);
    return self->processed;
}

guint64
marina_job_watcher_get_total(MarinaJobWatcher *self)
{
    g_return_val_if_fail(MARINA_IS_JOB_WATCHER(self), 0);
    return self->total;
}

const char *
marina_job_watcher_get_phase(MarinaJobWatcher *self)
{
    g_return_val_if_fail(MARINA_IS_JOB_WATCHER(self), NULL);
    return self->phase;
}

double
marina_job_watcher_get_fraction(MarinaJobWatcher *self)
{
    g_return_val_if_fail(MARINA_IS_JOB_WATCHER(self), -1);
    if (self->total == 0)
        return -1;
    return (double)MIN(self->processed, self->total) / (double)self->total;
}

/* ---------------------------------------------------------------------------------------------
 * The end
 */

static gboolean
phase_is_final(const char *phase)
{
    return g_strcmp0(phase, "done") == 0 || g_strcmp0(phase, "failed") == 0 ||
           g_strcmp0(phase, "cancelled") == 0;
}

static void
complete_waits(MarinaJobWatcher *self)
{
    g_autoptr(GPtrArray) waits = g_steal_pointer(&self->waits);

    g_clear_signal_handler(&self->closed_handler, self->connection);
    self->waits = g_ptr_array_new_with_free_func(g_object_unref);
    for (guint i = 0; i < waits->len; i++) {
        GTask *task = waits->pdata[i];

        if (self->outcome != NULL)
            g_task_return_error(task, g_error_copy(self->outcome));
        else
            g_task_return_boolean(task, TRUE);
    }
}

/* The job ended: @phase "done", "failed" or "cancelled", @message its error. */
static void
job_ended(MarinaJobWatcher *self, const char *phase, const char *message)
{
    gboolean has_message = message != NULL && *message != '\0';

    if (self->ended)
        return;
    self->ended = TRUE;
    g_clear_signal_handler(&self->closed_handler, self->connection);
    if (phase != self->phase) {
        g_free(self->phase);
        self->phase = g_strdup(phase);
    }
    g_signal_handlers_disconnect_by_data(self->watched, self);
    if (g_strcmp0(phase, "cancelled") == 0)
        self->outcome = g_error_new_literal(G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                            has_message ? message : _("Cancelled."));
    else if (g_strcmp0(phase, "done") != 0)
        self->outcome = g_error_new_literal(MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                                            has_message ? message : _("The job failed."));
    g_debug("job %s ended: %s", self->object_path, phase);
    complete_waits(self);
}

static void
read_figures(MarinaJobWatcher *self)
{
    self->processed = marina_dbus_job_get_processed(self->watched);
    self->total = marina_dbus_job_get_total(self->watched);
    g_free(self->phase);
    self->phase = g_strdup(marina_dbus_job_get_phase(self->watched));
}

static void
on_finished(MarinaDBusJob *job, gboolean ok, const char *message, gpointer user_data)
{
    MarinaJobWatcher *self = user_data;
    const char *phase = marina_dbus_job_get_phase(job);

    /* The daemon sets Phase before it emits Finished. */
    if (ok)
        phase = "done";
    else if (g_strcmp0(phase, "cancelled") != 0)
        phase = "failed";
    job_ended(self, phase, message);
}

static void
on_properties_changed(GDBusProxy *proxy, GVariant *changed, GStrv invalidated, gpointer user_data)
{
    MarinaJobWatcher *self = user_data;
    g_autoptr(MarinaJobWatcher) hold = g_object_ref(self);

    read_figures(self);
    g_signal_emit(self, signals[SIGNAL_PROGRESS], 0, self->processed, self->total, self->phase);
    /* Finished is the signal that counts, but a daemon that only updated
     * the phase must not leave us waiting forever. */
    if (phase_is_final(self->phase))
        job_ended(self, self->phase, marina_dbus_job_get_error(self->watched));
}

static void connection_gone(MarinaJobWatcher *self, const GError *reason);

static void
on_watched_proxy(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(MarinaJobWatcher) self = user_data;
    g_autoptr(GError) error = NULL;
    const char *phase;

    self->watched = marina_dbus_job_proxy_new_finish(result, &error);
    if (self->ended) /* the connection closed meanwhile */
        return;
    if (marina_connection_is_closed(self->connection)) {
        /* Its "closed" signal, with the reason, is on its way. */
        g_autoptr(GError) reason =
            g_error_new(MARINA_ERROR, MARINA_ERROR_NO_CONNECTION,
                        _("The connection to %s was closed: the daemon went away."),
                        marina_connection_get_uri_string(self->connection));
        connection_gone(self, reason);
        return;
    }
    if (self->watched == NULL) {
        self->ended = TRUE;
        self->outcome = g_steal_pointer(&error);
        complete_waits(self);
        return;
    }
    g_signal_connect(self->watched, "finished", G_CALLBACK(on_finished), self);
    g_signal_connect(self->watched, "g-properties-changed", G_CALLBACK(on_properties_changed),
                     self);
    /* The proxy subscribed to Finished before it read the properties: a job
     * that ended in between shows in its Phase. */
    phase = marina_dbus_job_get_phase(self->watched);
    if (phase == NULL) {
        /* No properties: the daemon forgot the job (it keeps ended jobs a while). */
        g_signal_handlers_disconnect_by_data(self->watched, self);
        self->ended = TRUE;
        self->outcome = g_error_new(MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                                    _("The daemon no longer knows job %s."), self->object_path);
        complete_waits(self);
        return;
    }
    read_figures(self);
    g_signal_emit(self, signals[SIGNAL_PROGRESS], 0, self->processed, self->total, self->phase);
    if (phase_is_final(self->phase))
        job_ended(self, self->phase, marina_dbus_job_get_error(self->watched));
}

/* The daemon went away (@reason, or NULL: the client closed the
 * connection): the job's end will never be told. */
static void
connection_gone(MarinaJobWatcher *self, const GError *reason)
{
    if (self->ended)
        return;
    self->ended = TRUE;
    if (self->watched != NULL)
        g_signal_handlers_disconnect_by_data(self->watched, self);
    if (reason != NULL)
        self->outcome = g_error_copy(reason);
    else
        self->outcome =
            g_error_new(MARINA_ERROR, MARINA_ERROR_NO_CONNECTION,
                        _("The connection to %s was closed while job %s ran."),
                        marina_connection_get_uri_string(self->connection), self->object_path);
    complete_waits(self);
}

static void
on_connection_closed(MarinaConnection *connection, GError *reason, gpointer user_data)
{
    connection_gone(user_data, reason);
}

/* ---------------------------------------------------------------------------------------------
 * Waiting and cancelling
 */

/* May run in the thread that cancelled: a call without a reply is safe there. */
static void
on_wait_cancelled(GCancellable *cancellable, gpointer user_data)
{
    MarinaDBusJob *caller = user_data;

    g_debug("cancelling job %s", g_dbus_proxy_get_object_path(G_DBUS_PROXY(caller)));
    marina_dbus_job_call_cancel(caller, NULL, NULL, NULL);
}

void
marina_job_watcher_wait_async(MarinaJobWatcher *self, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data)
{
    /* The task's own cancellable stays NULL: cancelling cancels the job, and
     * the wait goes on until the job says how it ended. */
    GTask *task;
    WaitData *data;

    g_return_if_fail(MARINA_IS_JOB_WATCHER(self));
    task = marina_client_task_new(self, marina_job_watcher_wait_async, NULL, callback, user_data);
    if (self->ended) {
        if (self->outcome != NULL)
            g_task_return_error(task, g_error_copy(self->outcome));
        else
            g_task_return_boolean(task, TRUE);
        g_object_unref(task);
        return;
    }
    data = g_new0(WaitData, 1);
    g_task_set_task_data(task, data, (GDestroyNotify)wait_data_free);
    g_ptr_array_add(self->waits, task);
    if (self->closed_handler == 0)
        self->closed_handler =
            g_signal_connect(self->connection, "closed", G_CALLBACK(on_connection_closed), self);
    if (!self->watching) {
        self->watching = TRUE;
        marina_dbus_job_proxy_new(marina_connection_get_dbus_connection(self->connection),
                                  G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START, NULL, self->object_path,
                                  NULL, on_watched_proxy, g_object_ref(self));
    }
    if (cancellable != NULL) {
        data->cancellable = g_object_ref(cancellable);
        data->handler = g_cancellable_connect(cancellable, G_CALLBACK(on_wait_cancelled),
                                              g_object_ref(self->caller), g_object_unref);
    }
}

gboolean
marina_job_watcher_wait_finish(MarinaJobWatcher *self, GAsyncResult *result, GError **error)
{
    return marina_client_finish_boolean(self, result, marina_job_watcher_wait_async, error);
}

void
marina_job_watcher_cancel_async(MarinaJobWatcher *self, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task;

    g_return_if_fail(MARINA_IS_JOB_WATCHER(self));
    task = marina_client_task_new(self, marina_job_watcher_cancel_async, cancellable, callback,
                                  user_data);
    marina_dbus_job_call_cancel(marina_client_timeout(self->caller, MARINA_CALL_TIMEOUT_QUERY_MS),
                                cancellable, marina_client_void_reply, task);
}

gboolean
marina_job_watcher_cancel_finish(MarinaJobWatcher *self, GAsyncResult *result, GError **error)
{
    return marina_client_finish_boolean(self, result, marina_job_watcher_cancel_async, error);
}
