#define G_LOG_DOMAIN "marinad-migration"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/error.h"
#include "migration-private.h"
#include "migration-stream.h"
#include "qemu-vm-migrate.h"

/*
 * This host sends a guest (MIGRATION.md steps 3 and 5; MigrateBegin is in
 * migration-begin.c): MigratePerform (a job) obtains the streams --
 * connecting to the destination's listener, or waiting for the client to
 * open them with OpenMigrationStream -- and lets QEMU send it;
 * MigrateConfirm stops it here or lets it run on. If the client's
 * connection closes during Perform the migration is cancelled; after it the
 * guest stays paused (the destination may be running it).
 */

#define TUNNEL_WAIT_S 30

typedef struct {
    MarinaMigrationMethods *methods;
    MarinaMigration *m;
    MarinaMigrationParams params;
    MarinaJob *job;
    GCancellable *cancel; /* the job's */
    guint n_streams;
    int *fds;         /* -1 until the stream's handshake passed */
    gboolean *opened; /* tunnelled: handed to the client */
    guint n_ready;
    guint stream_timer;
    char **disk_targets; /* copy mode: stream i+1 is disk_targets[i] */
    MarinaMigrationStats stats;
    gboolean offline;
    gboolean sending;   /* the job runs */
    gboolean performed; /* ... and ended well */
    gboolean orphaned;  /* the client went away while it ran */
    gboolean was_running;
    GSubprocess *copier; /* offline copy: the qemu-img feeding the current disk */
    guint copying;       /* ... which is disk_targets[copying] */
    gulong copy_cancel_id;
} Outgoing;

static void
outgoing_free(Outgoing *out)
{
    g_clear_handle_id(&out->stream_timer, g_source_remove);
    if (out->copy_cancel_id != 0)
        g_cancellable_disconnect(out->cancel, out->copy_cancel_id);
    if (out->cancel != NULL)
        g_cancellable_cancel(out->cancel);
    g_clear_object(&out->cancel);
    g_clear_object(&out->job);
    for (guint i = 0; out->fds != NULL && i < out->n_streams; i++)
        if (out->fds[i] >= 0)
            close(out->fds[i]);
    g_free(out->fds);
    g_free(out->opened);
    g_strfreev(out->disk_targets);
    if (out->copier != NULL)
        g_subprocess_force_exit(out->copier);
    g_clear_object(&out->copier);
    marina_migration_params_clear(&out->params);
    g_free(out);
}

static gboolean
is_offline_state(MarinaVm *vm)
{
    return !marina_vm_is_active(vm);
}

/* ---------------------------------------------------------------------- */
/* Perform                                                                 */

static Outgoing *
lookup(MarinaMigrationMethods *methods, const char *token)
{
    MarinaMigration *m = marina_migration_registry_lookup(methods->migrations, FALSE, token);

    return m != NULL ? m->data : NULL;
}

/* The job has ended (@error NULL: the guest is on the destination, paused
 * here). A run whose client went away is forgotten now. */
static void
perform_end(Outgoing *out, GError *error)
{
    MarinaMigrationMethods *methods = out->methods;

    out->sending = FALSE;
    out->performed = error == NULL;
    g_clear_handle_id(&out->stream_timer, g_source_remove);
    if (error != NULL) {
        if (out->stats.phase == NULL || g_str_equal(out->stats.phase, "setup") ||
            g_str_equal(out->stats.phase, "storage") || g_str_equal(out->stats.phase, "memory"))
            out->stats.phase =
                g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ? "cancelled" : "failed";
        g_info("Migration of '%s' failed: %s", marina_vm_get_name(out->m->vm), error->message);
    }
    marina_job_set_total(out->job, out->stats.data_total);
    marina_job_set_progress(out->job, out->stats.data_processed);
    marina_job_registry_end_job(methods->jobs, out->job, error);
    if (out->orphaned) {
        if (out->performed)
            g_warning("Guest '%s' stays paused: its migration completed but nobody confirmed it; "
                      "it may be running on the destination",
                      marina_vm_get_name(out->m->vm));
        marina_migration_registry_remove(methods->migrations, out->m);
    }
    if (error != NULL)
        g_error_free(error);
}

static gboolean
on_progress_tick(gpointer data)
{
    Outgoing *out = data;

    marina_job_set_total(out->job, out->stats.data_total);
    marina_job_set_progress(out->job, out->stats.data_processed);
    return G_SOURCE_CONTINUE;
}

typedef struct {
    MarinaMigrationMethods *methods;
    char *token;
} Sent;

static void
on_sent(GObject *source, GAsyncResult *result, gpointer data)
{
    Sent *sent = data;
    Outgoing *out = lookup(sent->methods, sent->token);
    GError *error = NULL;
    gboolean ok = marina_qemu_vm_migrate_out_finish(MARINA_VM(source), result, &error);

    if (out != NULL)
        perform_end(out, ok ? NULL : error);
    else
        g_clear_error(&error);
    g_free(sent->token);
    g_free(sent);
}

/* ---- A shut-off guest's disks: qemu-img writes each into its stream ---- */

static void copy_next_disk(Outgoing *out);

static const MarinaDiskConfig *
disk_of(Outgoing *out, const char *target)
{
    const MarinaDomainConfig *c = marina_vm_get_config(out->m->vm);

    for (guint i = 0; i < c->disks->len; i++) {
        const MarinaDiskConfig *d = c->disks->pdata[i];
        if (g_strcmp0(d->target_dev, target) == 0)
            return d;
    }
    return NULL;
}

/* Bytes of a disk's image file: the job's measure of an offline copy. */
static guint64
file_size(const MarinaDiskConfig *d)
{
    GStatBuf st;

    return d != NULL && d->source != NULL && g_stat(d->source, &st) == 0 ? (guint64)st.st_size : 0;
}

typedef struct {
    MarinaMigrationMethods *methods;
    char *token;
} Copied;

static void
on_disk_copied(GObject *source, GAsyncResult *result, gpointer data)
{
    Copied *c = data;
    Outgoing *out = lookup(c->methods, c->token);
    g_autoptr(GError) error = NULL;
    gboolean ok = g_subprocess_wait_check_finish(G_SUBPROCESS(source), result, &error);

    g_free(c->token);
    g_free(c);
    if (out == NULL || !out->sending)
        return;
    g_clear_object(&out->copier);
    if (g_cancellable_is_cancelled(out->cancel)) {
        perform_end(out, g_error_new_literal(G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                             _("The migration was cancelled")));
        return;
    }
    if (!ok) {
        perform_end(out, g_error_new(MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                                     _("Copying disk %s to the destination failed: %s"),
                                     out->disk_targets[out->copying], error->message));
        return;
    }
    out->stats.disk_processed += file_size(disk_of(out, out->disk_targets[out->copying]));
    out->stats.data_processed = out->stats.disk_processed;
    out->copying++;
    copy_next_disk(out);
}

static void
copy_next_disk(Outgoing *out)
{
    const char *target = out->disk_targets[out->copying];
    const MarinaDiskConfig *d;
    g_autoptr(GSubprocessLauncher) launcher = NULL;
    g_autofree char *opts = NULL;
    GError *error = NULL;
    Copied *c;

    if (target == NULL) {
        out->stats.phase = "completed";
        out->stats.data_processed = out->stats.data_total;
        perform_end(out, NULL);
        return;
    }
    d = disk_of(out, target);
    if (d == NULL) {
        perform_end(out, g_error_new(MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                                     _("Guest '%s' no longer has disk %s."),
                                     marina_vm_get_name(out->m->vm), target));
        return;
    }
    out->stats.phase = "storage";
    launcher = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                         G_SUBPROCESS_FLAGS_STDERR_PIPE);
    /* The stream is the NBD connection to the destination's new volume. */
    g_subprocess_launcher_take_fd(launcher, out->fds[out->copying + 1], 3);
    out->fds[out->copying + 1] = -1;
    opts = g_strdup_printf("driver=nbd,server.type=fd,server.str=3,export=drive-%s", target);
    out->copier = g_subprocess_launcher_spawn(launcher, &error, "qemu-img", "convert", "-n", "-f",
                                              d->format ? d->format : "raw", d->source,
                                              "--target-image-opts", opts, NULL);
    if (out->copier == NULL) {
        perform_end(out, error);
        return;
    }
    c = g_new0(Copied, 1);
    c->methods = out->methods;
    c->token = g_strdup(out->m->token);
    g_subprocess_wait_check_async(out->copier, NULL, on_disk_copied, c);
    if (g_cancellable_is_cancelled(out->cancel))
        g_subprocess_force_exit(out->copier);
}

static void
on_copy_cancelled(GCancellable *cancellable, gpointer data)
{
    Outgoing *out = data;

    /* Its exit ends the job (cancelled). */
    if (out->copier != NULL)
        g_subprocess_force_exit(out->copier);
}

static void
start_copying(Outgoing *out)
{
    g_clear_handle_id(&out->stream_timer, g_source_remove);
    /* Stream 0 would carry memory: a shut-off guest has none. */
    close(out->fds[0]);
    out->fds[0] = -1;
    for (guint i = 0; out->disk_targets[i] != NULL; i++)
        out->stats.disk_total += file_size(disk_of(out, out->disk_targets[i]));
    out->stats.data_total = out->stats.disk_total;
    out->copy_cancel_id =
        g_cancellable_connect(out->cancel, G_CALLBACK(on_copy_cancelled), out, NULL);
    copy_next_disk(out);
}

static void
start_sending(Outgoing *out)
{
    g_autofree int *disk_fds = g_memdup2(out->fds + 1, sizeof(int) * out->n_streams);
    MarinaQemuMigrateOut opts = {
        .live = out->params.live,
        .auto_converge = out->params.auto_converge,
        .postcopy = out->params.postcopy,
        .max_downtime_ms = out->params.max_downtime_ms,
        .bandwidth = out->params.bandwidth,
        .memory_fd = out->fds[0],
        .n_disks = out->n_streams - 1,
        .disk_fds = disk_fds,
        .disk_targets = out->disk_targets,
        .stats = &out->stats,
    };
    Sent *sent;

    g_clear_handle_id(&out->stream_timer, g_source_remove);
    /* QEMU takes them (the run closes its copies). */
    for (guint i = 0; i < out->n_streams; i++)
        out->fds[i] = -1;
    out->stream_timer = g_timeout_add(250, on_progress_tick, out);
    sent = g_new0(Sent, 1);
    sent->methods = out->methods;
    sent->token = g_strdup(out->m->token);
    marina_qemu_vm_migrate_out_async(out->m->vm, &opts, out->cancel, on_sent, sent);
}

/* A stream is ready (its handshake passed): QEMU starts once all are. */
static void
stream_ready(Outgoing *out, guint index, int fd)
{
    out->fds[index] = fd;
    if (++out->n_ready == out->n_streams && out->sending) {
        if (out->offline)
            start_copying(out);
        else
            start_sending(out);
    }
}

typedef struct {
    MarinaMigrationMethods *methods;
    char *token;
    guint index;
    int fd; /* tunnelled: our end */
} StreamWait;

static void
stream_wait_free(StreamWait *sw)
{
    if (sw->fd >= 0)
        close(sw->fd);
    g_free(sw->token);
    g_free(sw);
}

static void
stream_failed(Outgoing *out, guint index, GError *error)
{
    if (!out->sending || out->n_ready == G_MAXUINT) {
        g_error_free(error);
        return;
    }
    out->n_ready = G_MAXUINT; /* never starts now */
    g_cancellable_cancel(out->cancel);
    if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
        GError *e = g_error_new(MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                                _("The destination refused migration stream %u: %s"), index,
                                error->message);
        g_error_free(error);
        error = e;
    }
    perform_end(out, error);
}

static void
on_direct_stream(GObject *source, GAsyncResult *result, gpointer data)
{
    StreamWait *sw = data;
    Outgoing *out = lookup(sw->methods, sw->token);
    GError *error = NULL;
    int fd = marina_migration_stream_connect_finish(result, &error);

    if (out == NULL || !out->sending || out->n_ready == G_MAXUINT) {
        if (fd >= 0)
            close(fd);
        g_clear_error(&error);
    } else if (fd < 0) {
        stream_failed(out, sw->index, error);
    } else {
        stream_ready(out, sw->index, fd);
    }
    stream_wait_free(sw);
}

static void
on_tunnel_offered(GObject *source, GAsyncResult *result, gpointer data)
{
    StreamWait *sw = data;
    Outgoing *out = lookup(sw->methods, sw->token);
    GError *error = NULL;
    gboolean ok = marina_migration_stream_offer_finish(result, &error);

    if (out == NULL || !out->sending || out->n_ready == G_MAXUINT) {
        g_clear_error(&error);
    } else if (!ok) {
        stream_failed(out, sw->index, error);
    } else {
        marina_migration_fd_set_blocking(sw->fd);
        stream_ready(out, sw->index, sw->fd);
        sw->fd = -1;
    }
    stream_wait_free(sw);
}

static gboolean
on_tunnel_timeout(gpointer data)
{
    Outgoing *out = data;

    out->stream_timer = 0;
    stream_failed(out, out->n_ready,
                  g_error_new(MARINA_ERROR, MARINA_ERROR_TIMEOUT,
                              _("the client did not open the tunnelled streams within %u "
                                "seconds"),
                              TUNNEL_WAIT_S));
    return G_SOURCE_REMOVE;
}

void
marina_migration_out_open_stream(MarinaMigrationMethods *methods, GDBusMethodInvocation *invocation,
                                 MarinaMigration *m, guint index)
{
    Outgoing *out = m->data;
    StreamWait *sw;
    int pair[2];

    if (!out->params.tunnelled || !out->sending) {
        g_dbus_method_invocation_return_error(
            invocation, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
            _("Migration %s has no streams to open here: it is not tunnelled, or not sending."),
            m->token);
        return;
    }
    if (index >= out->n_streams || out->opened[index]) {
        g_dbus_method_invocation_return_error(
            invocation, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
            _("Migration %s has no stream %u to open (it has %u; each opens once)."), m->token,
            index, out->n_streams);
        return;
    }
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
        int saved = errno;
        g_dbus_method_invocation_return_error(
            invocation, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
            _("Cannot open a migration stream: %s"), g_strerror(saved));
        return;
    }
    out->opened[index] = TRUE;
    sw = g_new0(StreamWait, 1);
    sw->methods = methods;
    sw->token = g_strdup(m->token);
    sw->index = index;
    sw->fd = pair[0];
    /* The handshake goes through the client's relay to the destination. */
    marina_migration_stream_offer_async(pair[0], m->token, index, out->cancel, on_tunnel_offered,
                                        sw);
    marina_migration_return_fd(invocation, pair[1]);
}

static void
on_owner_closed(MarinaMigration *m)
{
    Outgoing *out = m->data;

    if (out->sending) {
        /* The guest goes on running here; the job's end forgets the run. */
        out->orphaned = TRUE;
        g_cancellable_cancel(out->cancel);
        return;
    }
    if (out->performed)
        g_warning("Guest '%s' stays paused (reason migration): its migration completed but the "
                  "client went away before confirming; it may be running on the destination",
                  marina_vm_get_name(m->vm));
    marina_migration_registry_remove(out->methods->migrations, m);
}

/* Whether streams carry anything: a live guest, or a shut-off one's disks. */
static gboolean
moves_data(Outgoing *out)
{
    return !out->offline || out->params.copy_storage;
}

static gboolean
check_perform(Outgoing *out, MarinaVm *vm, const char *token, GError **error)
{
    MarinaMigrationParams *p = &out->params;

    if (!marina_migration_token_is_valid(token)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("'%s' is not a migration token (32 hexadecimal digits from "
                      "MigratePrepare)."),
                    token);
        return FALSE;
    }
    if (moves_data(out) && p->streams == 0)
        p->streams = 1;
    if (moves_data(out) && p->streams != 1 + g_strv_length(out->disk_targets)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("Migration parameter 'streams' is %u, but guest '%s' moves with %u "
                      "stream(s) (1 + its copied disks)."),
                    p->streams, marina_vm_get_name(vm), 1 + g_strv_length(out->disk_targets));
        return FALSE;
    }
    if (moves_data(out) && !p->tunnelled &&
        (p->address == NULL || *p->address == '\0' || p->port == 0)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("A direct migration needs the destination's 'address' and 'port' (from "
                      "MigratePrepare's reply)."));
        return FALSE;
    }
    return TRUE;
}

static char **
copied_targets(MarinaVm *vm, gboolean copy)
{
    const MarinaDomainConfig *c = marina_vm_get_config(vm);
    GPtrArray *targets = g_ptr_array_new();

    for (guint i = 0; copy && i < c->disks->len; i++)
        if (marina_migration_disk_is_copied(c->disks->pdata[i]))
            g_ptr_array_add(targets,
                            g_strdup(((MarinaDiskConfig *)c->disks->pdata[i])->target_dev));
    g_ptr_array_add(targets, NULL);
    return (char **)g_ptr_array_free(targets, FALSE);
}

void
marina_migration_out_perform(MarinaMigrationMethods *methods, MarinaVm *vm,
                             GDBusMethodInvocation *invocation, const char *token, GVariant *params)
{
    Outgoing *out = g_new0(Outgoing, 1);
    GError *error = NULL;

    out->methods = methods;
    out->offline = is_offline_state(vm);
    if (marina_migration_token_is_valid(token) && lookup(methods, token) != NULL)
        error = g_error_new(MARINA_ERROR, MARINA_ERROR_ALREADY_EXISTS,
                            _("Migration %s is already being performed here."), token);
    if (error != NULL || !marina_migration_params_parse(params, &out->params, &error) ||
        !marina_migration_out_check_source(methods, vm, &out->params, &error) ||
        (out->disk_targets = copied_targets(vm, out->params.copy_storage),
         !check_perform(out, vm, token, &error))) {
        outgoing_free(out);
        g_dbus_method_invocation_take_error(invocation, error);
        return;
    }
    out->n_streams = moves_data(out) ? out->params.streams : 0;
    out->fds = g_new(int, out->n_streams + 1);
    for (guint i = 0; i <= out->n_streams; i++)
        out->fds[i] = -1;
    out->opened = g_new0(gboolean, out->n_streams + 1);
    out->was_running = marina_vm_get_state(vm, NULL) == MARINA_DOMAIN_RUNNING;
    out->job = g_object_ref(marina_job_registry_new_job(methods->jobs, 0));
    out->cancel = g_object_ref(marina_job_get_cancellable(out->job));
    out->stats.phase = "setup";
    out->stats.start_us = g_get_real_time();
    out->stats.bandwidth = out->params.bandwidth;
    out->stats.max_downtime_ms = out->params.max_downtime_ms ? out->params.max_downtime_ms : 300;
    out->m = marina_migration_registry_add(methods->migrations, FALSE, token, vm,
                                           g_dbus_method_invocation_get_connection(invocation),
                                           on_owner_closed, out, (GDestroyNotify)outgoing_free);
    out->sending = TRUE;
    g_info("Sending guest '%s'%s", marina_vm_get_name(vm),
           !out->offline     ? ""
           : moves_data(out) ? " (shut off, with its disks)"
                             : " (its definition)");
    marina_dbus_domain_complete_migrate_perform(NULL, invocation,
                                                marina_job_get_object_path(out->job));
    if (!moves_data(out)) {
        /* Only the definition moves: the destination has it already. */
        out->stats.phase = "completed";
        perform_end(out, NULL);
        return;
    }
    if (out->params.tunnelled) {
        out->stream_timer = g_timeout_add_seconds(TUNNEL_WAIT_S, on_tunnel_timeout, out);
        return;
    }
    for (guint i = 0; i < out->n_streams; i++) {
        StreamWait *sw = g_new0(StreamWait, 1);
        sw->methods = methods;
        sw->token = g_strdup(token);
        sw->index = i;
        sw->fd = -1;
        marina_migration_stream_connect_async(out->params.address, out->params.port, token, i,
                                              out->cancel, on_direct_stream, sw);
    }
}

/* ---------------------------------------------------------------------- */
/* Confirm, and what clients ask while it runs                             */

typedef struct {
    MarinaMigrationMethods *methods;
    GDBusMethodInvocation *invocation;
    char *token;
    gboolean undefine;
} Confirm;

static void
confirm_done(Confirm *c, MarinaVm *vm)
{
    Outgoing *out = lookup(c->methods, c->token);
    g_autoptr(GError) error = NULL;

    if (c->undefine && marina_vm_is_persistent(vm) &&
        !marina_vm_undefine(vm, MARINA_VM_UNDEFINE_MANAGED_SAVE, &error))
        g_warning("Guest '%s' moved but its definition stays here: %s", marina_vm_get_name(vm),
                  error->message);
    if (out != NULL)
        marina_migration_registry_remove(c->methods->migrations, out->m);
    marina_dbus_domain_complete_migrate_confirm(NULL, c->invocation);
    g_free(c->token);
    g_free(c);
}

static void
on_confirmed(GObject *source, GAsyncResult *result, gpointer data)
{
    marina_qemu_vm_migrate_confirm_finish(MARINA_VM(source), result, NULL);
    confirm_done(data, MARINA_VM(source));
}

void
marina_migration_out_confirm(MarinaMigrationMethods *methods, MarinaVm *vm,
                             GDBusMethodInvocation *invocation, const char *token, gboolean ok)
{
    Outgoing *out = marina_migration_token_is_valid(token) ? lookup(methods, token) : NULL;
    Confirm *c;

    if (out == NULL || out->m->vm != vm) {
        marina_migration_return_no_such(invocation, token);
        return;
    }
    if (out->sending) {
        if (ok) {
            g_dbus_method_invocation_return_error(
                invocation, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                _("The migration of '%s' is still running; confirm it once its job has ended."),
                marina_vm_get_name(vm));
            return;
        }
        /* Cancelled: the job's end resumes the guest and forgets the run. */
        out->orphaned = TRUE;
        marina_migration_unbind(out->m);
        g_cancellable_cancel(out->cancel);
        marina_dbus_domain_complete_migrate_confirm(NULL, invocation);
        return;
    }
    if (ok && !out->performed) {
        g_dbus_method_invocation_return_error(
            invocation, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
            _("The migration of '%s' did not complete; it cannot be confirmed."),
            marina_vm_get_name(vm));
        return;
    }
    marina_migration_unbind(out->m);
    c = g_new0(Confirm, 1);
    c->methods = methods;
    c->invocation = invocation;
    c->token = g_strdup(token);
    if (out->offline) {
        c->undefine = ok && out->params.undefine_source;
        confirm_done(c, vm);
        return;
    }
    /* Undefined after the stop: a failed stop must not lose the definition. */
    c->undefine = ok && out->params.undefine_source;
    marina_qemu_vm_migrate_confirm_async(vm, ok, out->was_running && out->performed, on_confirmed,
                                         c);
}

GVariant *
marina_migration_out_job_info(MarinaMigration *m)
{
    Outgoing *out = m->data;

    return marina_migration_stats_to_variant(&out->stats);
}

gboolean
marina_migration_out_abort(MarinaMigration *m, GError **error)
{
    Outgoing *out = m->data;

    if (!out->sending) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                    _("The migration of '%s' has already ended; there is nothing to abort."),
                    marina_vm_get_name(m->vm));
        return FALSE;
    }
    g_cancellable_cancel(out->cancel);
    return TRUE;
}
