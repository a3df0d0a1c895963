#define G_LOG_DOMAIN "marinad-migration"

#include "config.h"

#include <glib/gi18n.h>
#include <unistd.h>

#include "core/error.h"
#include "qemu-vm-migrate.h"
#include "qemu-vm-private.h"

/*
 * The source's QMP choreography (MIGRATION.md step 3): capabilities and
 * parameters, the disks mirrored to the destination's NBD exports through
 * their streams until every mirror is ready, then the memory through stream
 * 0 (getfd + migrate fd:), followed with query-migrate until QEMU says
 * "completed". Failure or cancel undoes it all and lets the guest run on.
 */

#define POLL_MS 250
/* Asking again after a "completed" without figures: every 2 ms, at most 0.2 s. */
#define EARLY_READ_DELAY_MS 2
#define EARLY_READS_MAX 100
#define DEFAULT_DOWNTIME_MS 300 /* QEMU's own default */
#define MEMORY_FD_NAME "marina-migrate"
/* QEMU caps max-bandwidth at SIZE_MAX; "unlimited" is just very large. */
#define UNLIMITED_BANDWIDTH G_MAXINT64

typedef struct OutRun {
    MarinaQemuVm *vm; /* borrowed: the task holds it */
    GTask *task;
    MarinaQemuMigrateOut opts;
    GCancellable *cancellable;
    gulong cancel_id;
    guint poll_timer; /* the run's one pending timer (see after()) */
    void (*tick_step)(struct OutRun *run);
    gulong event_id;
    MarinaQmpClient *qmp;  /* whose events we follow */
    gboolean ended;        /* the task has answered; late replies are dropped */
    guint serial;          /* names of this run's nodes and jobs: a retry's differ */
    guint current;         /* the disk being set up */
    guint disks_added;     /* blockdev-add sent for disks 0..n-1 */
    guint mirrors_started; /* blockdev-mirror sent for disks 0..n-1 */
    gboolean was_running;
    gboolean migrate_sent; /* "migrate" is on its way or done: a cancel must follow it */
    gboolean memory_started;
    gboolean cancel_sent;
    gboolean postcopy_sent;
    gboolean postcopy_active;
    gboolean polling; /* a query is on its way */
    gboolean ending;
    guint settle_polls; /* undo: query-migrate rounds while QEMU winds down */
    guint early_reads;  /* "completed" read before QEMU had its total time */
    GError *failure;    /* the first error, reported after the undo */
} OutRun;

static void poll_now(OutRun *run);
static void undo(OutRun *run);

/* "mirror-vda-3", "nbd-vda-3", "marina-nbd-vda-3": disk @i's, this run's. */
static char *
disk_name(OutRun *run, const char *kind, guint i)
{
    return g_strdup_printf("%s-%s-%u", kind, run->opts.disk_targets[i], run->serial);
}

/* A QMP step of the run. Each holds the task, so a reply that comes after
 * the run has ended (a cancel raced it) finds it and is dropped. */
typedef struct {
    GTask *task;
    StepNext next;
    StepFail fail;
} OutStep;

static void
on_out_step(GObject *source, GAsyncResult *result, gpointer data)
{
    OutStep *step = data;
    OutRun *run = g_task_get_task_data(step->task);
    GError *error = NULL;
    g_autoptr(JsonNode) reply =
        marina_qmp_client_execute_finish(MARINA_QMP_CLIENT(source), result, &error);

    if (run->ended)
        g_clear_error(&error);
    else if (reply != NULL)
        step->next(step->task, reply);
    else
        step->fail(step->task, error);
    g_object_unref(step->task);
    g_free(step);
}

static void
out_step(OutRun *run, const char *command, JsonObject *args, int fd, StepNext next, StepFail fail)
{
    OutStep *step;

    if (run->vm->qmp == NULL) {
        if (args != NULL)
            json_object_unref(args);
        fail(run->task, g_error_new(MARINA_ERROR, MARINA_ERROR_NOT_RUNNING,
                                    _("The guest's QEMU process has gone away")));
        return;
    }
    step = g_new0(OutStep, 1);
    step->task = g_object_ref(run->task);
    step->next = next;
    step->fail = fail;
    marina_qmp_client_execute_async(run->vm->qmp, command, args, fd, NULL, on_out_step, step);
}

JsonObject *
marina_qemu_migrate_capabilities(gboolean auto_converge, gboolean postcopy)
{
    static const char *const names[] = {"events", "auto-converge", "postcopy-ram"};
    gboolean states[] = {TRUE, auto_converge, postcopy};
    JsonArray *list = json_array_new();
    JsonObject *args = json_object_new();

    for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
        JsonObject *cap = json_object_new();
        json_object_set_string_member(cap, "capability", names[i]);
        json_object_set_boolean_member(cap, "state", states[i]);
        json_array_add_object_element(list, cap);
    }
    json_object_set_array_member(args, "capabilities", list);
    return args;
}

static void
run_free(OutRun *run)
{
    g_clear_handle_id(&run->poll_timer, g_source_remove);
    if (run->cancel_id != 0)
        g_cancellable_disconnect(run->cancellable, run->cancel_id);
    g_clear_object(&run->cancellable);
    if (run->opts.memory_fd >= 0)
        close(run->opts.memory_fd);
    for (guint i = 0; i < run->opts.n_disks; i++)
        if (run->opts.disk_fds[i] >= 0)
            close(run->opts.disk_fds[i]);
    g_free(run->opts.disk_fds);
    g_strfreev(run->opts.disk_targets);
    g_clear_error(&run->failure);
    g_free(run);
}

static MarinaMigrationStats *
stats(OutRun *run)
{
    return run->opts.stats;
}

/* The end, once: the task answers and the run goes. */
static void
run_end(OutRun *run, GError *error)
{
    GTask *task = run->task;

    run->ended = TRUE;
    g_clear_handle_id(&run->poll_timer, g_source_remove);
    if (run->event_id != 0)
        g_signal_handler_disconnect(run->qmp, run->event_id);
    run->event_id = 0;
    g_clear_object(&run->qmp);
    if (run->vm->migrate_out == run) {
        run->vm->migrate_out = NULL;
        run->vm->migrating = FALSE;
    }
    if (error != NULL)
        g_task_return_error(task, error);
    else
        g_task_return_boolean(task, TRUE);
    g_object_unref(task);
}

/* ---------------------------------------------------------------------- */
/* Failure: undo what was started                                          */

static void
fail(OutRun *run, GError *error)
{
    if (run->failure == NULL)
        run->failure = error;
    else
        g_error_free(error);
    if (!run->ending) {
        run->ending = TRUE;
        undo(run);
    }
}

static void
step_fail(GTask *task, GError *error)
{
    fail(g_task_get_task_data(task), error);
}

static void
ignore_reply(GObject *source, GAsyncResult *result, gpointer data)
{
    g_autoptr(JsonNode) node =
        marina_qmp_client_execute_finish(MARINA_QMP_CLIENT(source), result, NULL);
}

static void
fire(OutRun *run, const char *command, JsonObject *args)
{
    if (run->vm->qmp != NULL)
        marina_qmp_client_execute_async(run->vm->qmp, command, args, -1, NULL, ignore_reply, NULL);
    else if (args != NULL)
        json_object_unref(args);
}

/* The undo is over: the task answers (the guest runs again, or stays paused
 * as it was). */
static void
undone(OutRun *run)
{
    GError *error = g_steal_pointer(&run->failure);

    stats(run)->phase =
        g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ? "cancelled" : "failed";
    run_end(run, error);
}

static void
on_resumed(GTask *task, JsonNode *reply)
{
    OutRun *run = g_task_get_task_data(task);

    marina_vm_set_state(VM(run->vm), MARINA_DOMAIN_RUNNING, MARINA_RUNNING_MIGRATION_CANCELED,
                        "resumed", "migration canceled");
    undone(run);
}

static void
on_resume_failed(GTask *task, GError *error)
{
    OutRun *run = g_task_get_task_data(task);

    g_warning("Guest '%s': could not resume it after its migration ended: %s", vm_name(run->vm),
              error->message);
    g_error_free(error);
    undone(run);
}

/* QEMU's run state once the migration has wound down. */
static void
on_undo_status(GTask *task, JsonNode *reply)
{
    OutRun *run = g_task_get_task_data(task);
    MarinaQemuVm *self = run->vm;
    JsonObject *status =
        reply != NULL && JSON_NODE_HOLDS_OBJECT(reply) ? json_node_get_object(reply) : NULL;
    gboolean running =
        status != NULL && json_object_get_boolean_member_with_default(status, "running", FALSE);

    if (self->qmp != NULL && !run->postcopy_active) {
        if (run->was_running) {
            /* Answered before the task does: whoever acts on the job's end
             * (Confirm, a console) finds the guest running, and the
             * STOP/RESUME events of a "cont" on a running guest come while
             * the migration still owns them. */
            if (running)
                on_resumed(task, NULL);
            else
                out_step(run, "cont", NULL, -1, on_resumed, on_resume_failed);
            return;
        }
        marina_vm_set_state(VM(self), MARINA_DOMAIN_PAUSED, MARINA_PAUSED_USER, NULL, NULL);
    } else if (run->postcopy_active) {
        g_warning("Guest '%s': the migration failed during post-copy; its state is split "
                  "between both hosts and it stays paused here",
                  vm_name(self));
    }
    undone(run);
}

static void
on_undo_step(GTask *task, GError *error)
{
    g_error_free(error); /* the undo goes on whatever QEMU says */
    on_undo_status(task, NULL);
}

static void settle(OutRun *run);

static void
on_tick(gpointer data)
{
    OutRun *run = data;

    run->poll_timer = 0; /* this source is done: nothing to remove */
    run->tick_step(run);
}

/* Runs @step after @ms; a run has one timer, so this replaces a pending one. */
static void
after(OutRun *run, guint ms, void (*step)(OutRun *run))
{
    g_clear_handle_id(&run->poll_timer, g_source_remove);
    run->tick_step = step;
    run->poll_timer = g_timeout_add_once(ms, on_tick, run);
}

/* A migration QEMU is still cancelling resumes the guest by itself when it
 * has stopped it, and a "cont" sent meanwhile may come before that: the run
 * state is looked at once the migration is over ("cancelled", "failed",
 * "completed" or none), 10 s at most. */
static void
on_settle_info(GTask *task, JsonNode *reply)
{
    OutRun *run = g_task_get_task_data(task);
    JsonObject *info = JSON_NODE_HOLDS_OBJECT(reply) ? json_node_get_object(reply) : NULL;
    const char *status =
        info != NULL ? json_object_get_string_member_with_default(info, "status", "") : "";
    static const char *const busy[] = {"setup",       "active",         "cancelling",      "device",
                                       "wait-unplug", "pre-switchover", "postcopy-active", NULL};

    if (g_strv_contains(busy, status) && !run->postcopy_active && ++run->settle_polls < 100) {
        after(run, 100, settle);
        return;
    }
    out_step(run, "query-status", NULL, -1, on_undo_status, on_undo_step);
}

static void
settle(OutRun *run)
{
    out_step(run, "query-migrate", NULL, -1, on_settle_info, on_undo_step);
}

/* migrate_cancel, then every mirror and NBD node goes; QEMU answers in
 * order, so the last reply means all are done. */
static void
undo(OutRun *run)
{
    g_clear_handle_id(&run->poll_timer, g_source_remove);
    if (run->vm->qmp == NULL) {
        on_undo_status(run->task, NULL);
        return;
    }
    /* A "migrate" whose reply has not come yet is cancelled too: QEMU runs
     * commands in order, and it would otherwise send the guest unwatched. */
    if ((run->memory_started || run->migrate_sent) && !run->cancel_sent) {
        run->cancel_sent = TRUE;
        fire(run, "migrate_cancel", NULL);
    }
    for (guint i = 0; i < run->mirrors_started; i++) {
        g_autofree char *job = disk_name(run, "mirror", i);
        fire(run, "block-job-cancel", marina_qemu_json_args("device", job, NULL));
    }
    for (guint i = 0; i < run->disks_added; i++) {
        g_autofree char *node = disk_name(run, "nbd", i);
        /* A job cancel takes a moment: QEMU may refuse the first del; the
         * node then goes with QEMU when the guest stops. */
        fire(run, "blockdev-del", marina_qemu_json_args("node-name", node, NULL));
    }
    if (run->migrate_sent)
        settle(run);
    else
        out_step(run, "query-status", NULL, -1, on_undo_status, on_undo_step);
}

static void
on_cancelled_idle(gpointer data)
{
    GTask *task = data;
    OutRun *run = g_task_get_task_data(task);

    if (!run->ended && !run->ending) {
        if (run->memory_started && !run->postcopy_active) {
            /* QEMU says "cancelled" in its own time; the poll sees it. */
            run->cancel_sent = TRUE;
            fire(run, "migrate_cancel", NULL);
            poll_now(run);
        } else if (!run->memory_started) {
            fail(run, g_error_new_literal(G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                          _("The migration was cancelled")));
        }
    }
    g_object_unref(task);
}

static void
on_cancelled(GCancellable *cancellable, gpointer data)
{
    g_idle_add_once(on_cancelled_idle, g_object_ref(data));
}

/* ---------------------------------------------------------------------- */
/* Following QEMU                                                          */

static guint64
member_uint(JsonObject *obj, const char *name)
{
    gint64 v = obj ? json_object_get_int_member_with_default(obj, name, 0) : 0;
    return v > 0 ? (guint64)v : 0;
}

static void
read_ram(OutRun *run, JsonObject *info)
{
    MarinaMigrationStats *s = stats(run);
    JsonNode *node = json_object_get_member(info, "ram");
    JsonObject *ram =
        node != NULL && JSON_NODE_HOLDS_OBJECT(node) ? json_node_get_object(node) : NULL;

    if (ram != NULL) {
        s->memory_total = member_uint(ram, "total");
        s->memory_processed = member_uint(ram, "transferred");
        s->memory_remaining = member_uint(ram, "remaining");
        /* mbps is megabits per second as a float. */
        s->memory_bps =
            (guint64)(json_object_get_double_member_with_default(ram, "mbps", 0) * 1000000 / 8);
        s->dirty_rate =
            member_uint(ram, "dirty-pages-rate") * MAX(member_uint(ram, "page-size"), 4096);
        s->iterations = member_uint(ram, "dirty-sync-count");
    }
    s->expected_downtime_ms = member_uint(info, "expected-downtime");
    s->downtime_ms = member_uint(info, "downtime");
    s->setup_ms = member_uint(info, "setup-time");
    s->total_ms = member_uint(info, "total-time");
    s->data_total = s->memory_total + s->disk_total;
    s->data_processed = s->memory_processed + s->disk_processed;
    s->data_remaining = s->data_total > s->data_processed ? s->data_total - s->data_processed : 0;
}

static void
schedule_poll(OutRun *run)
{
    if (run->poll_timer == 0 && !run->ending)
        after(run, POLL_MS, poll_now);
}

static void
on_completed(OutRun *run)
{
    MarinaQemuVm *self = run->vm;

    run->ending = TRUE;
    g_clear_handle_id(&run->poll_timer, g_source_remove);
    /* The mirrors were READY: cancelling them now completes them without a
     * pivot (the destination has every block). */
    for (guint i = 0; i < run->mirrors_started; i++) {
        g_autofree char *job = disk_name(run, "mirror", i);
        fire(run, "block-job-cancel", marina_qemu_json_args("device", job, NULL));
    }
    stats(run)->phase = "completed";
    stats(run)->data_remaining = 0;
    /* QEMU keeps the guest paused (postmigrate) until the client confirms. */
    marina_vm_set_state(VM(self), MARINA_DOMAIN_PAUSED, MARINA_PAUSED_MIGRATION, "suspended",
                        "migrated");
    g_info("Guest '%s' sent: %" G_GUINT64_FORMAT " bytes of memory in %" G_GUINT64_FORMAT
           " ms, downtime %" G_GUINT64_FORMAT " ms",
           vm_name(self), stats(run)->memory_processed, stats(run)->total_ms,
           stats(run)->downtime_ms);
    run_end(run, NULL);
}

static void
on_migrate_info(GTask *task, JsonNode *reply)
{
    OutRun *run = g_task_get_task_data(task);
    JsonObject *info = json_node_get_object(reply);
    const char *status = json_object_get_string_member_with_default(info, "status", "");

    run->polling = FALSE;
    if (run->ending)
        return;
    read_ram(run, info);
    if (g_str_equal(status, "completed")) {
        /* QEMU says "completed" (and sends the event) a moment before it has
         * worked out total-time and downtime, which read 0 until then. */
        if (member_uint(info, "total-time") == 0 && run->early_reads++ < EARLY_READS_MAX) {
            after(run, EARLY_READ_DELAY_MS, poll_now);
            return;
        }
        on_completed(run);
        return;
    }
    if (g_str_equal(status, "failed") || g_str_equal(status, "cancelled")) {
        const char *desc = json_object_get_string_member_with_default(info, "error-desc", NULL);
        run->memory_started = FALSE; /* nothing left to cancel */
        if (run->cancel_sent || g_str_equal(status, "cancelled"))
            fail(run, g_error_new_literal(G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                          _("The migration was cancelled")));
        else
            fail(run, g_error_new(MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                                  _("QEMU could not send the guest: %s"),
                                  desc ? desc : _("the stream to the destination broke")));
        return;
    }
    if (g_str_has_prefix(status, "postcopy")) {
        run->postcopy_active = TRUE;
        stats(run)->phase = "postcopy";
    } else if (g_str_equal(status, "active") || g_str_equal(status, "device")) {
        stats(run)->phase = "memory";
    }
    /* The first pass is over: the rest comes on demand from the destination. */
    if (run->opts.postcopy && !run->postcopy_sent && stats(run)->iterations >= 2 &&
        g_str_equal(status, "active")) {
        run->postcopy_sent = TRUE;
        fire(run, "migrate-start-postcopy", NULL);
    }
    schedule_poll(run);
}

static void
on_poll_failed(GTask *task, GError *error)
{
    OutRun *run = g_task_get_task_data(task);

    run->polling = FALSE;
    fail(run, error);
}

static void
poll_now(OutRun *run)
{
    /* A tick still pending would fire after the run is gone. */
    g_clear_handle_id(&run->poll_timer, g_source_remove);
    if (run->ending || run->polling)
        return;
    run->polling = TRUE;
    out_step(run, "query-migrate", NULL, -1, on_migrate_info, on_poll_failed);
}

/* QEMU's MIGRATION event says the status changed: look at once instead of
 * at the next tick (the end of a migration is what the client waits for). */
static void
on_qmp_event(MarinaQmpClient *qmp, const char *name, JsonObject *data, gint64 ts, gpointer user)
{
    OutRun *run = user;

    if (g_str_equal(name, "MIGRATION") && !run->ending)
        poll_now(run);
}

/* ---------------------------------------------------------------------- */
/* Memory                                                                  */

static void
on_migrate_started(GTask *task, JsonNode *reply)
{
    OutRun *run = g_task_get_task_data(task);

    run->memory_started = TRUE;
    stats(run)->phase = "memory";
    if (g_cancellable_is_cancelled(run->cancellable)) {
        run->cancel_sent = TRUE;
        fire(run, "migrate_cancel", NULL);
    }
    poll_now(run);
}

static void
on_memory_fd_passed(GTask *task, JsonNode *reply)
{
    OutRun *run = g_task_get_task_data(task);

    if (run->ending)
        return; /* undone meanwhile (a failure that was not a cancel) */
    run->migrate_sent = TRUE;
    out_step(run, "migrate", marina_qemu_json_args("uri", "fd:" MEMORY_FD_NAME, NULL), -1,
             on_migrate_started, step_fail);
}

static void
send_memory(OutRun *run)
{
    out_step(run, "getfd", marina_qemu_json_args("fdname", MEMORY_FD_NAME, NULL),
             run->opts.memory_fd, on_memory_fd_passed, step_fail);
    close(run->opts.memory_fd);
    run->opts.memory_fd = -1;
}

/* ---------------------------------------------------------------------- */
/* Disks: each mirrored to its NBD export until READY                      */

static void mirror_next(OutRun *run);
static void wait_mirrors(OutRun *run);

static void
on_block_jobs(GTask *task, JsonNode *reply)
{
    OutRun *run = g_task_get_task_data(task);
    JsonArray *jobs = json_node_get_array(reply);
    guint ready = 0;
    guint64 done = 0, total = 0;

    if (run->ending)
        return;
    for (guint i = 0; jobs != NULL && i < json_array_get_length(jobs); i++) {
        JsonObject *job = json_array_get_object_element(jobs, i);
        const char *id = json_object_get_string_member_with_default(job, "device", "");

        if (!g_str_has_prefix(id, "mirror-"))
            continue;
        done += member_uint(job, "offset");
        total += member_uint(job, "len");
        if (json_object_get_boolean_member_with_default(job, "ready", FALSE))
            ready++;
    }
    stats(run)->disk_processed = done;
    if (total > stats(run)->disk_total)
        stats(run)->disk_total = total;
    stats(run)->data_total = stats(run)->disk_total;
    stats(run)->data_processed = done;
    if (g_cancellable_is_cancelled(run->cancellable)) {
        fail(run, g_error_new_literal(G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                      _("The migration was cancelled")));
        return;
    }
    if (ready < run->mirrors_started) {
        /* A mirror that failed is no longer listed: its disk never arrives. */
        guint listed = 0;
        for (guint i = 0; jobs != NULL && i < json_array_get_length(jobs); i++)
            listed += g_str_has_prefix(json_object_get_string_member_with_default(
                                           json_array_get_object_element(jobs, i), "device", ""),
                                       "mirror-");
        if (listed < run->mirrors_started) {
            fail(run, g_error_new(MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                                  _("Copying a disk to the destination failed (the disk stream "
                                    "broke)")));
            return;
        }
        after(run, POLL_MS, wait_mirrors);
        return;
    }
    send_memory(run);
}

static void
wait_mirrors(OutRun *run)
{
    g_clear_handle_id(&run->poll_timer, g_source_remove);
    if (run->ending)
        return;
    out_step(run, "query-block-jobs", NULL, -1, on_block_jobs, step_fail);
}

static void
on_mirror_started(GTask *task, JsonNode *reply)
{
    OutRun *run = g_task_get_task_data(task);

    run->current++;
    mirror_next(run);
}

static void
on_nbd_added(GTask *task, JsonNode *reply)
{
    OutRun *run = g_task_get_task_data(task);
    guint i = run->current;
    g_autofree char *job = disk_name(run, "mirror", i);
    g_autofree char *source = g_strdup_printf("drive-%s", run->opts.disk_targets[i]);
    g_autofree char *node = disk_name(run, "nbd", i);
    JsonObject *args = marina_qemu_json_args("job-id", job, "device", source, "target", node,
                                             "sync", "full", NULL);

    run->mirrors_started = i + 1;
    /* Writes keep going to both sides until the memory has moved. */
    json_object_set_string_member(args, "copy-mode", "write-blocking");
    json_object_set_boolean_member(args, "auto-dismiss", TRUE);
    if (run->opts.bandwidth > 0)
        json_object_set_int_member(args, "speed", (gint64)run->opts.bandwidth);
    out_step(g_task_get_task_data(task), "blockdev-mirror", args, -1, on_mirror_started, step_fail);
}

static void
on_disk_fd_passed(GTask *task, JsonNode *reply)
{
    OutRun *run = g_task_get_task_data(task);
    guint i = run->current;
    g_autofree char *fdname = disk_name(run, "marina-nbd", i);
    g_autofree char *node = disk_name(run, "nbd", i);
    g_autofree char *export = g_strdup_printf("drive-%s", run->opts.disk_targets[i]);
    JsonObject *args = json_object_new();
    JsonObject *server = marina_qemu_json_args("type", "fd", "str", fdname, NULL);

    json_object_set_string_member(args, "driver", "nbd");
    json_object_set_string_member(args, "node-name", node);
    json_object_set_object_member(args, "server", server);
    json_object_set_string_member(args, "export", export);
    run->disks_added = i + 1;
    out_step(g_task_get_task_data(task), "blockdev-add", args, -1, on_nbd_added, step_fail);
}

static void
mirror_next(OutRun *run)
{
    guint i = run->current;
    g_autofree char *fdname = NULL;

    if (g_cancellable_is_cancelled(run->cancellable)) {
        fail(run, g_error_new_literal(G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                      _("The migration was cancelled")));
        return;
    }
    if (i == run->opts.n_disks) {
        if (run->opts.n_disks > 0)
            wait_mirrors(run);
        else
            send_memory(run);
        return;
    }
    stats(run)->phase = "storage";
    fdname = disk_name(run, "marina-nbd", i);
    out_step(run, "getfd", marina_qemu_json_args("fdname", fdname, NULL), run->opts.disk_fds[i],
             on_disk_fd_passed, step_fail);
    close(run->opts.disk_fds[i]);
    run->opts.disk_fds[i] = -1;
}

/* ---------------------------------------------------------------------- */
/* Start                                                                   */

static JsonObject *
parameters(guint64 downtime_ms, guint64 bandwidth, gboolean set_downtime)
{
    JsonObject *args = json_object_new();

    if (set_downtime)
        json_object_set_int_member(args, "downtime-limit", (gint64)downtime_ms);
    json_object_set_int_member(args, "max-bandwidth",
                               bandwidth > 0 ? (gint64)bandwidth : UNLIMITED_BANDWIDTH);
    return args;
}

static void
on_parameters_set(GTask *task, JsonNode *reply)
{
    mirror_next(g_task_get_task_data(task));
}

static void
on_capabilities_set(GTask *task, JsonNode *reply)
{
    OutRun *run = g_task_get_task_data(task);

    out_step(g_task_get_task_data(task), "migrate-set-parameters",
             /* Always both: QEMU keeps a previous migration's values. */
             parameters(run->opts.max_downtime_ms ? run->opts.max_downtime_ms : DEFAULT_DOWNTIME_MS,
                        run->opts.bandwidth, TRUE),
             -1, on_parameters_set, step_fail);
}

static void
set_capabilities(GTask *task, JsonNode *reply)
{
    OutRun *run = g_task_get_task_data(task);

    out_step(run, "migrate-set-capabilities",
             marina_qemu_migrate_capabilities(run->opts.auto_converge, run->opts.postcopy), -1,
             on_capabilities_set, step_fail);
}

void
marina_qemu_vm_migrate_out_async(MarinaVm *vm, MarinaQemuMigrateOut *options,
                                 GCancellable *cancellable, GAsyncReadyCallback callback,
                                 gpointer user_data)
{
    MarinaQemuVm *self = MARINA_QEMU_VM(vm);
    GTask *task = g_task_new(vm, NULL, callback, user_data);
    OutRun *run = g_new0(OutRun, 1);

    static guint serial;

    run->vm = self;
    run->serial = ++serial;
    run->task = task;
    run->opts = *options;
    run->opts.disk_targets = g_strdupv(options->disk_targets);
    run->opts.disk_fds = g_memdup2(options->disk_fds, sizeof(int) * (options->n_disks + 1));
    run->cancellable = cancellable ? g_object_ref(cancellable) : g_cancellable_new();
    run->was_running = STATE(self) == MARINA_DOMAIN_RUNNING;
    g_task_set_task_data(task, run, (GDestroyNotify)run_free);
    stats(run)->phase = "setup";
    stats(run)->start_us = g_get_real_time();
    stats(run)->bandwidth = options->bandwidth;
    stats(run)->max_downtime_ms =
        options->max_downtime_ms ? options->max_downtime_ms : DEFAULT_DOWNTIME_MS;
    if (self->qmp == NULL || self->migrate_out != NULL) {
        run_end(run, g_error_new(MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                                 self->qmp == NULL ? _("Guest '%s' is not running.")
                                                   : _("Guest '%s' is already migrating."),
                                 vm_name(self)));
        return;
    }
    self->migrate_out = run;
    self->migrating = TRUE;
    run->qmp = g_object_ref(self->qmp);
    run->event_id = g_signal_connect(self->qmp, "event", G_CALLBACK(on_qmp_event), run);
    run->cancel_id = g_cancellable_connect(run->cancellable, G_CALLBACK(on_cancelled), task, NULL);
    if (!options->live && run->was_running) {
        /* xm migrate without --live: the guest waits, paused, while it moves. */
        marina_vm_set_state(vm, MARINA_DOMAIN_PAUSED, MARINA_PAUSED_MIGRATION, "suspended",
                            "migration");
        out_step(g_task_get_task_data(task), "stop", NULL, -1, set_capabilities, step_fail);
        return;
    }
    set_capabilities(task, NULL);
}

gboolean
marina_qemu_vm_migrate_out_finish(MarinaVm *vm, GAsyncResult *result, GError **error)
{
    return g_task_propagate_boolean(G_TASK(result), error);
}

/* ---------------------------------------------------------------------- */
/* While it runs                                                           */

void
marina_qemu_vm_migrate_set_downtime(MarinaVm *vm, guint64 ms)
{
    MarinaQemuVm *self = MARINA_QEMU_VM(vm);
    OutRun *run = self->migrate_out;
    JsonObject *args = json_object_new();

    if (run != NULL) {
        run->opts.max_downtime_ms = ms;
        stats(run)->max_downtime_ms = ms;
    }
    json_object_set_int_member(args, "downtime-limit", (gint64)ms);
    if (self->qmp != NULL)
        marina_qmp_client_execute_async(self->qmp, "migrate-set-parameters", args, -1, NULL,
                                        ignore_reply, NULL);
    else
        json_object_unref(args);
}

void
marina_qemu_vm_migrate_set_speed(MarinaVm *vm, guint64 bytes_per_second)
{
    MarinaQemuVm *self = MARINA_QEMU_VM(vm);
    OutRun *run = self->migrate_out;
    JsonObject *args = json_object_new();

    if (run != NULL) {
        run->opts.bandwidth = bytes_per_second;
        stats(run)->bandwidth = bytes_per_second;
        for (guint i = 0; i < run->mirrors_started; i++) {
            g_autofree char *job = disk_name(run, "mirror", i);
            JsonObject *speed = marina_qemu_json_args("device", job, NULL);
            json_object_set_int_member(speed, "speed", (gint64)bytes_per_second);
            fire(run, "block-job-set-speed", speed);
        }
    }
    json_object_set_int_member(args, "max-bandwidth",
                               bytes_per_second > 0 ? (gint64)bytes_per_second
                                                    : UNLIMITED_BANDWIDTH);
    if (self->qmp != NULL)
        marina_qmp_client_execute_async(self->qmp, "migrate-set-parameters", args, -1, NULL,
                                        ignore_reply, NULL);
    else
        json_object_unref(args);
}

gboolean
marina_qemu_vm_migrate_start_postcopy(MarinaVm *vm, GError **error)
{
    OutRun *run = MARINA_QEMU_VM(vm)->migrate_out;

    if (run == NULL || !run->memory_started || !run->opts.postcopy) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                    run == NULL ? _("Guest '%s' is not migrating.")
                                : _("The migration of guest '%s' cannot switch to post-copy: it "
                                    "was not started with post-copy allowed, or its memory is "
                                    "not moving yet."),
                    marina_vm_get_name(vm));
        return FALSE;
    }
    if (!run->postcopy_sent) {
        run->postcopy_sent = TRUE;
        fire(run, "migrate-start-postcopy", NULL);
    }
    return TRUE;
}

gboolean
marina_qemu_vm_migrate_in_postcopy(MarinaVm *vm)
{
    OutRun *run = MARINA_QEMU_VM(vm)->migrate_out;

    return run != NULL && run->postcopy_active;
}
