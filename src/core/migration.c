#define G_LOG_DOMAIN "marina-migration"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>
#include <unistd.h>

#include "client-private.h"
#include "error.h"
#include "migration-relay.h"
#include "migration.h"

/*
 * One run, as a chain of callbacks (nothing blocks): Begin -> Prepare ->
 * Perform (+ streams in tunnelled mode, + job info polling) -> Finish ->
 * Confirm -> relays stopped -> done; or, from any step that failed or saw
 * the cancel, rollback (Finish FALSE, Confirm FALSE) -> relays stopped ->
 * done with the first error.
 *
 * Calls that create something on a daemon (Prepare, Perform) are not given
 * the caller's cancellable: a cancelled call may still have been carried
 * out, and its reply (the token, the job) is what the rollback needs. The
 * cancel is looked at when they answer, and during Perform the job watcher
 * turns it into Job.Cancel.
 */

/* How often the source's job figures are read while the guest moves. */
#define MIGRATION_POLL_MS 250
/* More streams than this in a Prepare reply is not a guest's disks. */
#define MIGRATION_MAX_STREAMS 257
/* A token longer than this, or with other bytes than printable ASCII, is
 * not one a daemon made (it travels in the stream handshake line). */
#define MIGRATION_MAX_TOKEN 128
/* Rolling back removes copied volumes; a daemon that does not answer
 * within this is left to its own connection-bound clean-up. */
#define MIGRATION_ROLLBACK_TIMEOUT_MS MARINA_CALL_TIMEOUT_NETWORK_MS

struct _MarinaMigration {
    GObject parent_instance;

    MarinaDomain *domain;
    MarinaHost *source; /* the domain's host, for its migration streams */
    MarinaHost *destination;
    MarinaMigrationOptions options;
    MarinaMigrationStage stage;
    MarinaJobInfo *job_info;
    gboolean started;

    /* One run */
    GTask *task;
    GCancellable *cancellable; /* the caller's; may be NULL */
    MarinaDBusDomain *src_proxy;
    MarinaDBusHost *dst_proxy;
    char *xml;
    GVariant *info; /* MigrateBegin's */
    char *token;    /* MigratePrepare's; set: the destination has something to undo */
    char *address;
    guint16 port;
    guint streams;
    gboolean performed; /* MigratePerform was sent: the source may hold the migration */
    MarinaJobWatcher *job;
    guint poll_source;
    gboolean polling; /* a GetJobInfo call is out */
    gulong dst_closed_handler;
    GError *error; /* the first error; the run ends with it */
    char *dst_path;
    GCancellable *relays_cancellable;
    guint relays;           /* relays running */
    gboolean relays_waited; /* the run ends when the last relay has */
};

G_DEFINE_FINAL_TYPE(MarinaMigration, marina_migration, G_TYPE_OBJECT)

G_DEFINE_BOXED_TYPE(MarinaMigrationOptions, marina_migration_options, marina_migration_options_copy,
                    marina_migration_options_free)

enum { SIGNAL_PROGRESS, SIGNAL_STAGE_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void rollback(MarinaMigration *self);
static void perform(MarinaMigration *self);

MarinaMigrationOptions *
marina_migration_options_copy(const MarinaMigrationOptions *options)
{
    return g_memdup2(options, sizeof(*options));
}

void
marina_migration_options_free(MarinaMigrationOptions *options)
{
    g_free(options);
}

static void
marina_migration_dispose(GObject *object)
{
    MarinaMigration *self = MARINA_MIGRATION(object);

    /* A run holds a reference to the migration: nothing is running here. */
    g_clear_handle_id(&self->poll_source, g_source_remove);
    g_clear_object(&self->job);
    g_clear_object(&self->src_proxy);
    g_clear_object(&self->dst_proxy);
    g_clear_object(&self->domain);
    g_clear_object(&self->source);
    g_clear_object(&self->destination);
    g_clear_object(&self->cancellable);
    g_clear_object(&self->relays_cancellable);
    G_OBJECT_CLASS(marina_migration_parent_class)->dispose(object);
}

static void
marina_migration_finalize(GObject *object)
{
    MarinaMigration *self = MARINA_MIGRATION(object);

    g_clear_pointer(&self->job_info, marina_job_info_free);
    g_clear_pointer(&self->info, g_variant_unref);
    g_free(self->xml);
    g_free(self->token);
    g_free(self->address);
    g_free(self->dst_path);
    g_clear_error(&self->error);
    G_OBJECT_CLASS(marina_migration_parent_class)->finalize(object);
}

static void
marina_migration_class_init(MarinaMigrationClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GType type = G_TYPE_FROM_CLASS(klass);

    object_class->dispose = marina_migration_dispose;
    object_class->finalize = marina_migration_finalize;
    signals[SIGNAL_PROGRESS] = g_signal_new("progress", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                            NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
    signals[SIGNAL_STAGE_CHANGED] = g_signal_new("stage-changed", type, G_SIGNAL_RUN_LAST, 0, NULL,
                                                 NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
}

static void
marina_migration_init(MarinaMigration *self)
{
}

MarinaMigration *
marina_migration_new(MarinaDomain *domain, MarinaHost *destination,
                     const MarinaMigrationOptions *options)
{
    MarinaMigration *self;
    const MarinaMigrationOptions defaults = MARINA_MIGRATION_OPTIONS_INIT;

    g_return_val_if_fail(MARINA_IS_DOMAIN(domain), NULL);
    g_return_val_if_fail(MARINA_IS_HOST(destination), NULL);
    self = g_object_new(MARINA_TYPE_MIGRATION, NULL);
    self->domain = g_object_ref(domain);
    self->source = marina_host_new(marina_domain_get_connection(domain));
    self->destination = g_object_ref(destination);
    self->options = options != NULL ? *options : defaults;
    return self;
}

MarinaDomain *
marina_migration_get_domain(MarinaMigration *self)
{
    g_return_val_if_fail(MARINA_IS_MIGRATION(self), NULL);
    return self->domain;
}

MarinaHost *
marina_migration_get_destination(MarinaMigration *self)
{
    g_return_val_if_fail(MARINA_IS_MIGRATION(self), NULL);
    return self->destination;
}

const MarinaMigrationOptions *
marina_migration_get_options(MarinaMigration *self)
{
    g_return_val_if_fail(MARINA_IS_MIGRATION(self), NULL);
    return &self->options;
}

MarinaMigrationStage
marina_migration_get_stage(MarinaMigration *self)
{
    g_return_val_if_fail(MARINA_IS_MIGRATION(self), MARINA_MIGRATION_STAGE_IDLE);
    return self->stage;
}

const MarinaJobInfo *
marina_migration_get_job_info(MarinaMigration *self)
{
    g_return_val_if_fail(MARINA_IS_MIGRATION(self), NULL);
    return self->job_info;
}

char *
marina_migration_fallback_address(const MarinaUri *uri)
{
    if (uri != NULL && uri->transport == MARINA_URI_TRANSPORT_SSH && uri->host != NULL &&
        *uri->host != '\0')
        return g_strdup(uri->host);
    return g_strdup("127.0.0.1");
}

/* ---------------------------------------------------------------------------------------------
 * Helpers
 */

static gboolean
has(MarinaMigration *self, MarinaMigrationFlags flag)
{
    return (self->options.flags & flag) != 0;
}

static MarinaConnection *
dst_connection(MarinaMigration *self)
{
    return marina_host_get_connection(self->destination);
}

static MarinaConnection *
src_connection(MarinaMigration *self)
{
    return marina_domain_get_connection(self->domain);
}

static const char *
guest_name(MarinaMigration *self)
{
    const char *name = NULL;

    if (self->info != NULL)
        g_variant_lookup(self->info, "name", "&s", &name);
    if (name == NULL || *name == '\0')
        name = marina_domain_get_name(self->domain);
    return name != NULL && *name != '\0' ? name : marina_domain_get_object_path(self->domain);
}

static void
set_stage(MarinaMigration *self, MarinaMigrationStage stage)
{
    if (self->stage == stage)
        return;
    self->stage = stage;
    g_debug("%s: stage %d", guest_name(self), stage);
    g_signal_emit(self, signals[SIGNAL_STAGE_CHANGED], 0, (guint)stage);
}

/* Keeps the first error: later ones are its consequences (a job failing
 * because the destination went away says less than the connection's
 * closing). Takes @error. */
static void
note_error(MarinaMigration *self, GError *error)
{
    if (self->error == NULL) {
        g_debug("%s: %s", guest_name(self), error->message);
        self->error = error;
    } else {
        g_debug("%s: also: %s", guest_name(self), error->message);
        g_error_free(error);
    }
}

static void
note_cancelled(MarinaMigration *self)
{
    note_error(self,
               g_error_new(G_IO_ERROR, G_IO_ERROR_CANCELLED,
                           _("Migration cancelled: '%s' goes on running on %s."), guest_name(self),
                           marina_connection_get_uri_string(src_connection(self))));
}

/* TRUE when the run is to stop: an error was noted, or the caller cancelled. */
static gboolean
should_stop(MarinaMigration *self)
{
    if (self->error == NULL && g_cancellable_is_cancelled(self->cancellable))
        note_cancelled(self);
    return self->error != NULL;
}

/* Whether a rollback step's error only says there was nothing to undo:
 * "no such migration" (Error.InvalidArgument: the token is one the daemon
 * made, so only its having ended is left), or a daemon gone, which undoes
 * everything bound to the closed connection itself. */
static gboolean
is_nothing_to_undo(const GError *error)
{
    return g_error_matches(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT) ||
           g_error_matches(error, MARINA_ERROR, MARINA_ERROR_NO_CONNECTION) ||
           g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CLOSED);
}

/* ---------------------------------------------------------------------------------------------
 * The end of a run
 */

static void
complete(MarinaMigration *self)
{
    g_autoptr(GTask) task = g_steal_pointer(&self->task);

    g_clear_handle_id(&self->poll_source, g_source_remove);
    if (self->dst_closed_handler != 0)
        g_clear_signal_handler(&self->dst_closed_handler, dst_connection(self));
    set_stage(self, MARINA_MIGRATION_STAGE_DONE);
    if (self->error != NULL)
        g_task_return_error(task, g_steal_pointer(&self->error));
    else
        g_task_return_pointer(task, marina_domain_new(dst_connection(self), self->dst_path),
                              g_object_unref);
}

/* Stops the relays (tunnelled mode) and completes when the last has ended. */
static void
end_run(MarinaMigration *self)
{
    g_cancellable_cancel(self->relays_cancellable);
    if (self->relays > 0) {
        self->relays_waited = TRUE;
        return;
    }
    complete(self);
}

static void
on_relay_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(MarinaMigration) self = user_data;
    g_autoptr(GError) error = NULL;
    guint64 bytes = 0;

    /* A relay's failure is not the migration's: the daemons see the stream
     * break and say what it meant in the job's outcome. */
    if (!marina_migration_relay_finish(result, &bytes, &error) &&
        !g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug("%s: a stream ended with: %s", guest_name(self), error->message);
    g_debug("%s: a stream carried %" G_GUINT64_FORMAT " bytes", guest_name(self), bytes);
    self->relays--;
    if (self->relays == 0 && self->relays_waited && self->task != NULL)
        complete(self);
}

/* ---------------------------------------------------------------------------------------------
 * Rollback: the destination forgets the guest, the source keeps it running
 */

static void
on_rollback_confirmed(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(MarinaMigration) self = user_data;
    g_autoptr(GError) error = NULL;

    if (!marina_dbus_domain_call_migrate_confirm_finish(MARINA_DBUS_DOMAIN(source), result,
                                                        &error) &&
        !is_nothing_to_undo(error))
        g_warning(_("The source of '%s' could not cancel the migration: %s"), guest_name(self),
                  marina_error_message(error));
    end_run(self);
}

static void
rollback_source(MarinaMigration *self)
{
    if (!self->performed || marina_connection_is_closed(src_connection(self))) {
        end_run(self);
        return;
    }
    marina_dbus_domain_call_migrate_confirm(
        marina_client_timeout(self->src_proxy, MIGRATION_ROLLBACK_TIMEOUT_MS), self->token, FALSE,
        NULL, on_rollback_confirmed, g_object_ref(self));
}

static void
on_rollback_finished(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(MarinaMigration) self = user_data;
    g_autoptr(GError) error = NULL;
    g_autofree char *path = NULL;

    if (!marina_dbus_host_call_migrate_finish_finish(MARINA_DBUS_HOST(source), &path, result,
                                                     &error) &&
        !is_nothing_to_undo(error)) {
        /* Said with the error: the user must know something stayed there. */
        g_autoptr(GError) first = g_steal_pointer(&self->error);

        self->error =
            g_error_new(first->domain, first->code,
                        _("%s\nThe destination could not remove everything it made "
                          "for '%s': %s"),
                        marina_error_message(first), guest_name(self), marina_error_message(error));
    }
    rollback_source(self);
}

/* The destination first: once its QEMU is gone, the guest cannot run on
 * both hosts when the source lets it go on. */
static void
rollback(MarinaMigration *self)
{
    g_assert(self->error != NULL);
    set_stage(self, MARINA_MIGRATION_STAGE_ROLLING_BACK);
    g_clear_handle_id(&self->poll_source, g_source_remove);
    /* The daemons close their stream ends as they undo; the relays need not wait for it. */
    g_cancellable_cancel(self->relays_cancellable);
    if (self->token == NULL || marina_connection_is_closed(dst_connection(self))) {
        rollback_source(self);
        return;
    }
    marina_dbus_host_call_migrate_finish(
        marina_client_timeout(self->dst_proxy, MIGRATION_ROLLBACK_TIMEOUT_MS), self->token, FALSE,
        NULL, on_rollback_finished, g_object_ref(self));
}

/* ---------------------------------------------------------------------------------------------
 * Confirm and Finish
 */

static void
on_confirmed(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(MarinaMigration) self = user_data;
    g_autoptr(GError) error = NULL;

    /* The guest runs on the destination: the move is done even if the
     * source could not stop its paused copy (it keeps it paused). */
    if (!marina_dbus_domain_call_migrate_confirm_finish(MARINA_DBUS_DOMAIN(source), result, &error))
        g_warning(_("'%s' runs on %s now, but its source could not let it go: %s. It stays "
                    "paused there; destroy it on %s."),
                  guest_name(self), marina_connection_get_uri_string(dst_connection(self)),
                  marina_error_message(error),
                  marina_connection_get_uri_string(src_connection(self)));
    end_run(self);
}

static void
on_finished(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(MarinaMigration) self = user_data;
    GError *error = NULL;
    char *path = NULL;

    if (!marina_dbus_host_call_migrate_finish_finish(MARINA_DBUS_HOST(source), &path, result,
                                                     &error)) {
        note_error(self, error);
        rollback(self);
        return;
    }
    if (strcmp(path, "/") == 0) {
        g_free(path);
        note_error(self,
                   g_error_new(MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                               _("The destination did not take '%s' over."), guest_name(self)));
        rollback(self);
        return;
    }
    self->dst_path = path;
    set_stage(self, MARINA_MIGRATION_STAGE_CONFIRM);
    marina_dbus_domain_call_migrate_confirm(
        marina_client_timeout(self->src_proxy, MARINA_CALL_TIMEOUT_LONG_MS), self->token, TRUE,
        NULL, on_confirmed, g_object_ref(self));
}

/* The guest is complete on the destination (the source's job said so). */
static void
finish(MarinaMigration *self)
{
    set_stage(self, MARINA_MIGRATION_STAGE_FINISH);
    /* From here a cancel has no effect: the destination may already run it. */
    marina_dbus_host_call_migrate_finish(
        marina_client_timeout(self->dst_proxy, MARINA_CALL_TIMEOUT_LONG_MS), self->token, TRUE,
        NULL, on_finished, g_object_ref(self));
}

/* ---------------------------------------------------------------------------------------------
 * Perform: the job, its figures, the streams
 */

static void
emit_progress(MarinaMigration *self, MarinaJobInfo *info)
{
    g_clear_pointer(&self->job_info, marina_job_info_free);
    self->job_info = info;
    g_signal_emit(self, signals[SIGNAL_PROGRESS], 0, self->job_info);
}

static void
on_job_info(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(MarinaMigration) self = user_data;
    g_autoptr(GError) error = NULL;
    MarinaJobInfo *info = marina_domain_get_job_info_finish(MARINA_DOMAIN(source), result, &error);

    self->polling = FALSE;
    if (info == NULL) {
        g_debug("%s: job info: %s", guest_name(self), error->message);
        return;
    }
    /* A reply that arrives after the run, or after the job's final figures,
     * would show old ones. */
    if (self->task == NULL ||
        (self->job_info != NULL && !marina_job_info_is_active(self->job_info) &&
         self->job_info->phase != MARINA_JOB_PHASE_NONE && marina_job_info_is_active(info))) {
        marina_job_info_free(info);
        return;
    }
    emit_progress(self, info);
}

static void
poll_job_info(MarinaMigration *self)
{
    if (self->polling || marina_connection_is_closed(src_connection(self)))
        return;
    self->polling = TRUE;
    marina_domain_get_job_info_async(self->domain, NULL, on_job_info, g_object_ref(self));
}

static gboolean
on_poll_timeout(gpointer user_data)
{
    poll_job_info(user_data);
    return G_SOURCE_CONTINUE;
}

static void
on_job_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(MarinaMigration) self = user_data;
    GError *error = NULL;

    g_clear_handle_id(&self->poll_source, g_source_remove);
    if (!marina_job_watcher_wait_finish(MARINA_JOB_WATCHER(source), result, &error)) {
        /* Cancelled by the caller (its message is ours), or by us after
         * another error (which was noted first). */
        if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && self->error == NULL) {
            g_error_free(error);
            note_cancelled(self);
        } else {
            note_error(self, error);
        }
        rollback(self);
        return;
    }
    /* The final figures (downtime) once more: the daemon has them now. */
    self->polling = FALSE;
    poll_job_info(self);
    if (self->error != NULL) {
        rollback(self);
        return;
    }
    finish(self);
}

/* Something other than the job failed while it ran (a stream could not be
 * opened, the destination went away): stop the job; its end rolls back. */
static void
abort_perform(MarinaMigration *self, GError *error)
{
    note_error(self, error);
    if (self->job != NULL && self->stage == MARINA_MIGRATION_STAGE_PERFORM)
        marina_job_watcher_cancel_async(self->job, NULL, NULL, NULL);
}

static void
on_dst_closed(MarinaConnection *connection, GError *reason, gpointer user_data)
{
    MarinaMigration *self = user_data;

    g_clear_signal_handler(&self->dst_closed_handler, connection);
    if (self->stage != MARINA_MIGRATION_STAGE_PERFORM)
        return; /* the call in progress fails by itself */
    abort_perform(self, reason != NULL ? g_error_copy(reason)
                                       : g_error_new(MARINA_ERROR, MARINA_ERROR_NO_CONNECTION,
                                                     _("The connection to %s was closed."),
                                                     marina_connection_get_uri_string(connection)));
}

/* Tunnelled mode: stream @index, open on both hosts, then relayed. */
typedef struct {
    MarinaMigration *self;
    guint index;
    int fds[2]; /* source, destination */
    guint pending;
} StreamPair;

static void
stream_pair_free(StreamPair *pair)
{
    for (int i = 0; i < 2; i++) {
        if (pair->fds[i] >= 0)
            close(pair->fds[i]);
    }
    g_object_unref(pair->self);
    g_free(pair);
}

/* One end is open (@fd) or failed (@error, taken); when both have
 * answered, the relay starts. */
static void
stream_opened(StreamPair *pair, int side, int fd, GError *error)
{
    MarinaMigration *self = pair->self;

    pair->fds[side] = fd;
    if (error != NULL) {
        g_prefix_error(&error, _("Could not open migration stream %u on the %s: "), pair->index,
                       side == 0 ? _("source") : _("destination"));
        abort_perform(self, error);
    }
    if (--pair->pending > 0)
        return;
    if (pair->fds[0] >= 0 && pair->fds[1] >= 0 && self->error == NULL &&
        !g_cancellable_is_cancelled(self->relays_cancellable)) {
        self->relays++;
        marina_migration_relay_async(g_steal_fd(&pair->fds[0]), g_steal_fd(&pair->fds[1]),
                                     self->relays_cancellable, on_relay_done, g_object_ref(self));
    }
    stream_pair_free(pair);
}

static void
on_source_stream(GObject *source, GAsyncResult *result, gpointer user_data)
{
    GError *error = NULL;
    int fd = marina_host_open_migration_stream_finish(MARINA_HOST(source), result, &error);

    stream_opened(user_data, 0, fd, error);
}

static void
on_destination_stream(GObject *source, GAsyncResult *result, gpointer user_data)
{
    GError *error = NULL;
    int fd = marina_host_open_migration_stream_finish(MARINA_HOST(source), result, &error);

    stream_opened(user_data, 1, fd, error);
}

static void
open_streams(MarinaMigration *self)
{
    for (guint i = 0; i < self->streams; i++) {
        StreamPair *pair = g_new0(StreamPair, 1);

        pair->self = g_object_ref(self);
        pair->index = i;
        pair->fds[0] = pair->fds[1] = -1;
        pair->pending = 2;
        /* Over ssh each is a channel of the shared connection (host.c). */
        marina_host_open_migration_stream_async(self->source, self->token, i, NULL,
                                                on_source_stream, pair);
        marina_host_open_migration_stream_async(self->destination, self->token, i, NULL,
                                                on_destination_stream, pair);
    }
}

static void
on_performed(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(MarinaMigration) self = user_data;
    g_autofree char *job_path = NULL;
    GError *error = NULL;

    if (!marina_dbus_domain_call_migrate_perform_finish(MARINA_DBUS_DOMAIN(source), &job_path,
                                                        result, &error)) {
        note_error(self, error);
        rollback(self);
        return;
    }
    self->job = marina_job_watcher_new(src_connection(self), job_path);
    /* Waiting with the caller's cancellable: a cancel, even one that came
     * while Perform was on its way, becomes Job.Cancel. */
    marina_job_watcher_wait_async(self->job, self->cancellable, on_job_done, g_object_ref(self));
    if (self->error != NULL) {
        /* The destination went away meanwhile. */
        marina_job_watcher_cancel_async(self->job, NULL, NULL, NULL);
        return;
    }
    self->poll_source = g_timeout_add(MIGRATION_POLL_MS, on_poll_timeout, self);
    poll_job_info(self);
    if (has(self, MARINA_MIGRATION_TUNNELLED))
        open_streams(self);
}

static GVariant *
perform_params(MarinaMigration *self)
{
    GVariantBuilder b;

    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    g_variant_builder_add(&b, "{sv}", "live",
                          g_variant_new_boolean(!has(self, MARINA_MIGRATION_OFFLINE)));
    g_variant_builder_add(&b, "{sv}", "copy-storage",
                          g_variant_new_boolean(has(self, MARINA_MIGRATION_COPY_STORAGE)));
    g_variant_builder_add(&b, "{sv}", "tunnelled",
                          g_variant_new_boolean(has(self, MARINA_MIGRATION_TUNNELLED)));
    g_variant_builder_add(&b, "{sv}", "persistent",
                          g_variant_new_boolean(has(self, MARINA_MIGRATION_PERSISTENT)));
    g_variant_builder_add(&b, "{sv}", "undefine-source",
                          g_variant_new_boolean(has(self, MARINA_MIGRATION_UNDEFINE_SOURCE)));
    g_variant_builder_add(&b, "{sv}", "auto-converge",
                          g_variant_new_boolean(has(self, MARINA_MIGRATION_AUTO_CONVERGE)));
    g_variant_builder_add(&b, "{sv}", "postcopy",
                          g_variant_new_boolean(has(self, MARINA_MIGRATION_POSTCOPY)));
    g_variant_builder_add(&b, "{sv}", "streams", g_variant_new_uint32(self->streams));
    g_variant_builder_add(&b, "{sv}", "bandwidth", g_variant_new_uint64(self->options.bandwidth));
    /* Left out: the daemon keeps QEMU's default. */
    if (self->options.max_downtime_ms > 0)
        g_variant_builder_add(&b, "{sv}", "max-downtime-ms",
                              g_variant_new_uint64(self->options.max_downtime_ms));
    if (!has(self, MARINA_MIGRATION_TUNNELLED)) {
        g_variant_builder_add(&b, "{sv}", "address", g_variant_new_string(self->address));
        g_variant_builder_add(&b, "{sv}", "port", g_variant_new_uint16(self->port));
    }
    return g_variant_builder_end(&b);
}

static void
perform(MarinaMigration *self)
{
    set_stage(self, MARINA_MIGRATION_STAGE_PERFORM);
    self->dst_closed_handler =
        g_signal_connect(dst_connection(self), "closed", G_CALLBACK(on_dst_closed), self);
    self->performed = TRUE;
    /* Returns the job at once; the move is the job's. */
    marina_dbus_domain_call_migrate_perform(
        marina_client_timeout(self->src_proxy, MARINA_CALL_TIMEOUT_LONG_MS), self->token,
        perform_params(self), NULL, on_performed, g_object_ref(self));
}

/* ---------------------------------------------------------------------------------------------
 * Begin and Prepare
 */

static guint
disk_count(GVariant *info)
{
    g_autoptr(GVariant) disks = g_variant_lookup_value(info, "disks", G_VARIANT_TYPE("aa{sv}"));

    return disks != NULL ? (guint)MIN(g_variant_n_children(disks), G_MAXUINT) : 0;
}

static gboolean
token_is_sane(const char *token)
{
    gsize length = strlen(token);

    if (length == 0 || length > MIGRATION_MAX_TOKEN)
        return FALSE;
    for (gsize i = 0; i < length; i++) {
        if (!g_ascii_isgraph(token[i]))
            return FALSE;
    }
    return TRUE;
}

/* Reads the Prepare reply; FALSE (error noted) when it is not one. */
static gboolean
read_prepare_reply(MarinaMigration *self, GVariant *reply)
{
    const char *address = "";
    guint32 streams = 0;
    guint16 port = 0;
    guint max_streams = 1 + MIN(disk_count(self->info), MIGRATION_MAX_STREAMS - 1);

    g_variant_lookup(reply, "address", "&s", &address);
    g_variant_lookup(reply, "port", "q", &port);
    g_variant_lookup(reply, "streams", "u", &streams);
    if (streams > max_streams || strlen(address) > 255 || !token_is_sane(self->token) ||
        (!has(self, MARINA_MIGRATION_TUNNELLED) && streams > 0 && port == 0)) {
        note_error(self, g_error_new(MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                                     _("The destination %s answered the migration of '%s' with a "
                                       "reply this client cannot use (streams %u, port %u). Are "
                                       "both hosts running the same version of Marina?"),
                                     marina_connection_get_uri_string(dst_connection(self)),
                                     guest_name(self), streams, port));
        return FALSE;
    }
    self->streams = streams;
    self->port = port;
    self->address =
        *address != '\0'
            ? g_strdup(address)
            : marina_migration_fallback_address(marina_connection_get_uri(dst_connection(self)));
    return TRUE;
}

static void
on_prepared(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(MarinaMigration) self = user_data;
    g_autoptr(GVariant) reply = NULL;
    GError *error = NULL;

    if (!marina_dbus_host_call_migrate_prepare_finish(MARINA_DBUS_HOST(source), &self->token,
                                                      &reply, result, &error)) {
        /* Refused before anything was made there: nothing to undo. */
        note_error(self, error);
        end_run(self);
        return;
    }
    if (!read_prepare_reply(self, reply) || should_stop(self)) {
        rollback(self);
        return;
    }
    perform(self);
}

static void
prepare(MarinaMigration *self)
{
    GVariantBuilder b;
    const char *source_host = NULL;

    set_stage(self, MARINA_MIGRATION_STAGE_PREPARE);
    if (!g_variant_lookup(self->info, "source-host", "&s", &source_host))
        source_host = marina_connection_get_uri_string(src_connection(self));
    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    g_variant_builder_add(&b, "{sv}", "live",
                          g_variant_new_boolean(!has(self, MARINA_MIGRATION_OFFLINE)));
    g_variant_builder_add(&b, "{sv}", "persistent",
                          g_variant_new_boolean(has(self, MARINA_MIGRATION_PERSISTENT)));
    g_variant_builder_add(&b, "{sv}", "copy-storage",
                          g_variant_new_boolean(has(self, MARINA_MIGRATION_COPY_STORAGE)));
    g_variant_builder_add(&b, "{sv}", "tunnelled",
                          g_variant_new_boolean(has(self, MARINA_MIGRATION_TUNNELLED)));
    g_variant_builder_add(&b, "{sv}", "postcopy",
                          g_variant_new_boolean(has(self, MARINA_MIGRATION_POSTCOPY)));
    g_variant_builder_add(&b, "{sv}", "source-host", g_variant_new_string(source_host));
    g_variant_builder_add(&b, "{sv}", "info", self->info);
    /* Not cancellable: a Prepare that went through must be undone, and only
     * its token allows that. It starts QEMU and may create volumes. */
    marina_dbus_host_call_migrate_prepare(
        marina_client_timeout(self->dst_proxy, MARINA_CALL_TIMEOUT_LONG_MS), self->xml,
        g_variant_builder_end(&b), NULL, on_prepared, g_object_ref(self));
}

static void
on_begun(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(MarinaMigration) self = user_data;
    GError *error = NULL;

    if (!marina_dbus_domain_call_migrate_begin_finish(MARINA_DBUS_DOMAIN(source), &self->xml,
                                                      &self->info, result, &error)) {
        if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
            g_error_free(error);
            note_cancelled(self);
        } else {
            note_error(self, error);
        }
        end_run(self);
        return;
    }
    if (should_stop(self)) {
        end_run(self);
        return;
    }
    prepare(self);
}

static GVariant *
begin_params(MarinaMigration *self)
{
    GVariantBuilder b;

    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    g_variant_builder_add(&b, "{sv}", "live",
                          g_variant_new_boolean(!has(self, MARINA_MIGRATION_OFFLINE)));
    g_variant_builder_add(&b, "{sv}", "copy-storage",
                          g_variant_new_boolean(has(self, MARINA_MIGRATION_COPY_STORAGE)));
    g_variant_builder_add(&b, "{sv}", "tunnelled",
                          g_variant_new_boolean(has(self, MARINA_MIGRATION_TUNNELLED)));
    g_variant_builder_add(&b, "{sv}", "persistent",
                          g_variant_new_boolean(has(self, MARINA_MIGRATION_PERSISTENT)));
    g_variant_builder_add(&b, "{sv}", "undefine-source",
                          g_variant_new_boolean(has(self, MARINA_MIGRATION_UNDEFINE_SOURCE)));
    return g_variant_builder_end(&b);
}

void
marina_migration_run_async(MarinaMigration *self, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task;

    g_return_if_fail(MARINA_IS_MIGRATION(self));
    task = marina_client_task_new(self, marina_migration_run_async, NULL, callback, user_data);
    if (self->started) {
        g_task_return_new_error(task, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                                _("This migration of '%s' has already run; make a new one."),
                                guest_name(self));
        g_object_unref(task);
        return;
    }
    self->started = TRUE;
    self->task = task;
    self->cancellable = cancellable != NULL ? g_object_ref(cancellable) : NULL;
    self->relays_cancellable = g_cancellable_new();
    self->src_proxy = marina_dbus_domain_proxy_new_sync(
        marina_connection_get_dbus_connection(src_connection(self)), MARINA_CLIENT_PROXY_FLAGS,
        NULL, marina_domain_get_object_path(self->domain), NULL, NULL);
    self->dst_proxy = marina_dbus_host_proxy_new_sync(
        marina_connection_get_dbus_connection(dst_connection(self)), MARINA_CLIENT_PROXY_FLAGS,
        NULL, MARINA_DBUS_HOST_PATH, NULL, NULL);
    if (src_connection(self) == dst_connection(self)) {
        note_error(self, g_error_new(MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                                     _("'%s' is already on %s: choose another host to migrate "
                                       "it to."),
                                     guest_name(self),
                                     marina_connection_get_uri_string(src_connection(self))));
        end_run(self);
        return;
    }
    set_stage(self, MARINA_MIGRATION_STAGE_BEGIN);
    /* Begin creates nothing: it may be cancelled like a query. */
    marina_dbus_domain_call_migrate_begin(
        marina_client_timeout(self->src_proxy, MARINA_CALL_TIMEOUT_QUERY_MS), begin_params(self),
        self->cancellable, on_begun, g_object_ref(self));
}

MarinaDomain *
marina_migration_run_finish(MarinaMigration *self, GAsyncResult *result, GError **error)
{
    return marina_client_finish_pointer(self, result, marina_migration_run_async, error);
}
