/* marinactl migration commands: migrate, domjobinfo, domjobabort,
 * migrate-setmaxdowntime, migrate-setspeed. */

#define G_LOG_DOMAIN "marinactl"

#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "error.h"
#include "migrate-text.h"

/* Plain (not a terminal) progress: a line at most this often. */
#define PLAIN_PROGRESS_INTERVAL_US (2 * G_USEC_PER_SEC)

static MarinaDomain *
lookup_or_report(CliContext *ctx, const char *name, int *status)
{
    g_autoptr(GError) error = NULL;
    MarinaDomain *domain = cli_lookup_domain(ctx, name, &error);

    if (domain == NULL)
        *status = cli_report_error(error);
    return domain;
}

/* ---------------------------------------------------------------------------------------------
 * migrate
 */

typedef struct {
    GMainLoop *loop;
    GCancellable *cancellable;
    MarinaDomain *moved;
    GError *error;
    gboolean tty;
    gboolean on_line;  /* a "\r..." line is open on stderr */
    gsize line_width;  /* of the line drawn last, to blank what a shorter one leaves */
    gint64 last_plain; /* when the last plain line was printed */
    MarinaJobPhase last_phase;
} MigrateRun;

static void
on_migrate_progress(MarinaMigration *migration, const MarinaJobInfo *info, MigrateRun *run)
{
    g_autofree char *line = cli_migrate_progress_line(info);
    gsize width = (gsize)g_utf8_strlen(line, -1);
    gint64 now = g_get_monotonic_time();

    if (info->phase == MARINA_JOB_PHASE_NONE)
        return;
    if (run->tty) {
        fprintf(stderr, "\r%s", line);
        for (gsize i = width; i < run->line_width; i++)
            fputc(' ', stderr);
        run->line_width = width;
        run->on_line = TRUE;
    } else if (info->phase != run->last_phase ||
               now - run->last_plain >= PLAIN_PROGRESS_INTERVAL_US) {
        fprintf(stderr, "%s\n", line);
        run->last_plain = now;
    }
    run->last_phase = info->phase;
    fflush(stderr);
}

static void
on_migrated(GObject *source, GAsyncResult *result, gpointer user_data)
{
    MigrateRun *run = user_data;

    run->moved = marina_migration_run_finish(MARINA_MIGRATION(source), result, &run->error);
    g_main_loop_quit(run->loop);
}

static gboolean
on_migrate_interrupt(gpointer user_data)
{
    MigrateRun *run = user_data;

    if (!g_cancellable_is_cancelled(run->cancellable)) {
        if (run->on_line)
            fputc('\n', stderr);
        run->on_line = FALSE;
        fprintf(stderr, _("Cancelling the migration; the guest stays on its source...\n"));
        fflush(stderr);
        g_cancellable_cancel(run->cancellable);
    }
    return G_SOURCE_CONTINUE;
}

/* Runs @migration on the default main context; Ctrl+C (or SIGTERM) cancels it. */
static int
run_migration(MarinaMigration *migration, const char *name, const char *dest_uri)
{
    MigrateRun run = {.last_phase = MARINA_JOB_PHASE_NONE};
    guint int_id, term_id;
    int status = CLI_OK;

    run.loop = g_main_loop_new(NULL, FALSE);
    run.cancellable = g_cancellable_new();
    run.tty = isatty(fileno(stderr));
    g_signal_connect(migration, "progress", G_CALLBACK(on_migrate_progress), &run);
    int_id = g_unix_signal_add(SIGINT, on_migrate_interrupt, &run);
    term_id = g_unix_signal_add(SIGTERM, on_migrate_interrupt, &run);
    marina_migration_run_async(migration, run.cancellable, on_migrated, &run);
    g_main_loop_run(run.loop);
    g_source_remove(int_id);
    g_source_remove(term_id);
    g_signal_handlers_disconnect_by_data(migration, &run);
    if (run.on_line)
        fputc('\n', stderr);
    if (run.moved == NULL)
        status = cli_report_error(run.error);
    else
        cli_print(_("Domain '%s' migrated to %s."), name, dest_uri);
    g_clear_error(&run.error);
    g_clear_object(&run.moved);
    g_object_unref(run.cancellable);
    g_main_loop_unref(run.loop);
    return status;
}

typedef struct {
    gboolean live, offline, tunnelled, copy_storage, persistent, undefine_source;
    gboolean auto_converge, postcopy;
    char *max_downtime;
    char *bandwidth;
} MigrateArgs;

static void
migrate_args_clear(MigrateArgs *a)
{
    g_free(a->max_downtime);
    g_free(a->bandwidth);
}

/* The options from the command line; CLI_OK or the usage error's status. */
static int
migrate_options(CliContext *ctx, const MigrateArgs *a, MarinaMigrationOptions *options)
{
    g_autoptr(GError) error = NULL;

    if (a->live && a->offline)
        return cli_usage_error(ctx, _("--live and --offline cannot be used together."));
    if (a->postcopy && a->offline)
        return cli_usage_error(ctx, _("--postcopy needs a live migration; drop --offline."));
    if (a->max_downtime != NULL &&
        !cli_migrate_parse_downtime(a->max_downtime, &options->max_downtime_ms, &error))
        return cli_usage_error(ctx, "%s", error->message);
    if (a->bandwidth != NULL && !cli_migrate_parse_speed(a->bandwidth, &options->bandwidth, &error))
        return cli_usage_error(ctx, "%s", error->message);
    options->flags = (a->offline ? MARINA_MIGRATION_OFFLINE : 0) |
                     (a->tunnelled ? MARINA_MIGRATION_TUNNELLED : 0) |
                     (a->copy_storage ? MARINA_MIGRATION_COPY_STORAGE : 0) |
                     (a->persistent ? MARINA_MIGRATION_PERSISTENT : 0) |
                     (a->undefine_source ? MARINA_MIGRATION_UNDEFINE_SOURCE : 0) |
                     (a->auto_converge ? MARINA_MIGRATION_AUTO_CONVERGE : 0) |
                     (a->postcopy ? MARINA_MIGRATION_POSTCOPY : 0);
    return CLI_OK;
}

static int
cmd_migrate(CliContext *ctx, int argc, char **argv)
{
    MigrateArgs a = {0};
    const GOptionEntry entries[] = {
        {"live", 0, 0, G_OPTION_ARG_NONE, &a.live, N_("Move the guest while it runs (the default)"),
         NULL},
        {"offline", 0, 0, G_OPTION_ARG_NONE, &a.offline,
         N_("Pause the guest while it moves (a shut-off guest: move its definition)"), NULL},
        {"tunnelled", 0, 0, G_OPTION_ARG_NONE, &a.tunnelled,
         N_("Carry the data through the two management connections (e.g. over SSH)"), NULL},
        {"copy-storage-all", 0, 0, G_OPTION_ARG_NONE, &a.copy_storage,
         N_("Copy the disks to new volumes on the destination (no shared storage)"), NULL},
        {"persistent", 0, 0, G_OPTION_ARG_NONE, &a.persistent,
         N_("Define the guest on the destination (else it is transient there)"), NULL},
        {"undefine-source", 0, 0, G_OPTION_ARG_NONE, &a.undefine_source,
         N_("Remove the guest's definition from the source afterwards"), NULL},
        {"max-downtime", 0, 0, G_OPTION_ARG_STRING, &a.max_downtime,
         N_("Longest pause at switch-over, in milliseconds (default 300)"), N_("MS")},
        {"bandwidth", 0, 0, G_OPTION_ARG_STRING, &a.bandwidth,
         N_("Limit the transfer to this many MiB per second (0: no limit)"), N_("MIB/S")},
        {"auto-converge", 0, 0, G_OPTION_ARG_NONE, &a.auto_converge,
         N_("Slow the guest's CPUs down if its memory changes faster than it is sent"), NULL},
        {"postcopy", 0, 0, G_OPTION_ARG_NONE, &a.postcopy,
         N_("Switch to post-copy after the first pass (the guest runs on the destination "
            "while the rest of its memory follows)"),
         NULL},
        G_OPTION_ENTRY_NULL,
    };
    MarinaMigrationOptions options = MARINA_MIGRATION_OPTIONS_INIT;
    g_auto(GStrv) args = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaUri) dest_uri = NULL;
    g_autoptr(MarinaConnection) dest = NULL;
    g_autoptr(MarinaHost) dest_host = NULL;
    g_autoptr(MarinaDomain) domain = NULL;
    g_autoptr(MarinaMigration) migration = NULL;
    g_autofree char *name = NULL;
    int status = CLI_OK;

    if (!cli_parse(ctx, entries, argc, argv, 2, 2, &args, &status) ||
        (status = migrate_options(ctx, &a, &options)) != CLI_OK) {
        migrate_args_clear(&a);
        return status;
    }
    migrate_args_clear(&a);
    /* The URI first: a typing mistake is said before anything is connected. */
    dest_uri = marina_uri_parse(args[1], &error);
    if (dest_uri == NULL)
        return cli_usage_error(ctx, "%s", marina_error_message(error));
    domain = lookup_or_report(ctx, args[0], &status);
    if (domain == NULL)
        return status;
    dest = marina_connection_open_sync(args[1], NULL, &error);
    if (dest == NULL)
        return cli_report_error(error);
    dest_host = marina_host_new(dest);
    migration = marina_migration_new(domain, dest_host, &options);
    /* A copy: the domain's properties change while it moves. */
    name = g_strdup(cli_domain_name(domain, args[0]));
    status = run_migration(migration, name, args[1]);
    marina_connection_close(dest);
    return status;
}

/* ---------------------------------------------------------------------------------------------
 * domjobinfo, domjobabort
 */

static int
cmd_domjobinfo(CliContext *ctx, int argc, char **argv)
{
    g_auto(GStrv) args = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(MarinaDomain) domain = NULL;
    g_autoptr(MarinaJobInfo) info = NULL;
    g_autofree char *table = NULL;
    int status = CLI_OK;

    if (!cli_parse(ctx, NULL, argc, argv, 1, 1, &args, &status) ||
        (domain = lookup_or_report(ctx, args[0], &status)) == NULL)
        return status;
    marina_domain_get_job_info_async(domain, NULL, marina_sync_wait_ready, cli_slot(&r));
    info = marina_domain_get_job_info_finish(domain, cli_wait(&r), &error);
    if (info == NULL)
        return cli_report_error(error);
    table = cli_migrate_job_table(info);
    fputs(table, stdout);
    fflush(stdout);
    return CLI_OK;
}

static int
cmd_domjobabort(CliContext *ctx, int argc, char **argv)
{
    g_auto(GStrv) args = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(MarinaDomain) domain = NULL;
    int status = CLI_OK;

    if (!cli_parse(ctx, NULL, argc, argv, 1, 1, &args, &status) ||
        (domain = lookup_or_report(ctx, args[0], &status)) == NULL)
        return status;
    marina_domain_abort_job_async(domain, NULL, marina_sync_wait_ready, cli_slot(&r));
    if (!marina_domain_abort_job_finish(domain, cli_wait(&r), &error))
        return cli_report_error(error);
    cli_print(_("The job of domain '%s' was aborted."), cli_domain_name(domain, args[0]));
    return CLI_OK;
}

/* ---------------------------------------------------------------------------------------------
 * migrate-setmaxdowntime, migrate-setspeed
 */

static int
cmd_migrate_setmaxdowntime(CliContext *ctx, int argc, char **argv)
{
    g_auto(GStrv) args = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(MarinaDomain) domain = NULL;
    guint64 ms = 0;
    int status = CLI_OK;

    if (!cli_parse(ctx, NULL, argc, argv, 2, 2, &args, &status))
        return status;
    if (!cli_migrate_parse_downtime(args[1], &ms, &error))
        return cli_usage_error(ctx, "%s", error->message);
    if ((domain = lookup_or_report(ctx, args[0], &status)) == NULL)
        return status;
    marina_domain_migrate_set_max_downtime_async(domain, ms, NULL, marina_sync_wait_ready,
                                                 cli_slot(&r));
    if (!marina_domain_migrate_set_max_downtime_finish(domain, cli_wait(&r), &error))
        return cli_report_error(error);
    return CLI_OK;
}

static int
cmd_migrate_setspeed(CliContext *ctx, int argc, char **argv)
{
    g_auto(GStrv) args = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(MarinaDomain) domain = NULL;
    guint64 bps = 0;
    int status = CLI_OK;

    if (!cli_parse(ctx, NULL, argc, argv, 2, 2, &args, &status))
        return status;
    if (!cli_migrate_parse_speed(args[1], &bps, &error))
        return cli_usage_error(ctx, "%s", error->message);
    if ((domain = lookup_or_report(ctx, args[0], &status)) == NULL)
        return status;
    marina_domain_migrate_set_speed_async(domain, bps, NULL, marina_sync_wait_ready, cli_slot(&r));
    if (!marina_domain_migrate_set_speed_finish(domain, cli_wait(&r), &error))
        return cli_report_error(error);
    return CLI_OK;
}

const CliCommand cli_migrate_commands[] = {
    {"migrate", cmd_migrate,
     "[--live|--offline] [--tunnelled] [--copy-storage-all] [--persistent] [--undefine-source] "
     "[--max-downtime MS] [--bandwidth MIB/S] [--auto-converge] [--postcopy] NAME DEST_URI",
     N_("Move a domain to another host (Ctrl+C cancels; it stays on the source)")},
    {"migrate-setmaxdowntime", cmd_migrate_setmaxdowntime, "NAME MS",
     N_("Set the longest pause a running migration may cause, in milliseconds")},
    {"migrate-setspeed", cmd_migrate_setspeed, "NAME MIB/S",
     N_("Set the bandwidth limit of a running migration (0: no limit)")},
    {"domjobinfo", cmd_domjobinfo, "NAME", N_("Print the progress of a domain's job")},
    {"domjobabort", cmd_domjobabort, "NAME",
     N_("Cancel a domain's job (a migration stops; the domain stays here)")},
    {NULL},
};
