/* marinactl storage commands: pools and volumes, with virsh's output layouts. */

#define G_LOG_DOMAIN "marinactl"

#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "error.h"
#include "storage-size.h"

static MarinaHost *
host_or_report(CliContext *ctx, int *status)
{
    g_autoptr(GError) error = NULL;
    MarinaHost *host = cli_host(ctx, &error);

    if (host == NULL)
        *status = cli_report_error(error);
    return host;
}

static MarinaPool *
lookup_pool(CliContext *ctx, const char *name, int *status)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GAsyncResult) r = NULL;
    MarinaHost *host = host_or_report(ctx, status);
    MarinaPool *pool;

    if (host == NULL)
        return NULL;
    marina_host_lookup_pool_async(host, name, NULL, marina_sync_wait_ready, cli_slot(&r));
    if ((pool = marina_host_lookup_pool_finish(host, cli_wait(&r), &error)) == NULL)
        *status = cli_report_error(error);
    return pool;
}

/* The volumes of @pool (MarinaVolumeInfo*), or NULL with the error reported. */
static GPtrArray *
list_volumes(MarinaPool *pool, int *status)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GAsyncResult) r = NULL;
    GPtrArray *volumes;

    marina_pool_list_volumes_async(pool, NULL, marina_sync_wait_ready, cli_slot(&r));
    if ((volumes = marina_pool_list_volumes_finish(pool, cli_wait(&r), &error)) == NULL)
        *status = cli_report_error(error);
    return volumes;
}

static MarinaVolume *
lookup_volume(CliContext *ctx, const char *pool_name, const char *name, int *status)
{
    g_autoptr(MarinaPool) pool = lookup_pool(ctx, pool_name, status);
    g_autoptr(GPtrArray) volumes = NULL;

    if (pool == NULL || (volumes = list_volumes(pool, status)) == NULL)
        return NULL;
    for (guint i = 0; i < volumes->len; i++) {
        MarinaVolumeInfo *info = volumes->pdata[i];
        if (g_str_equal(info->name, name))
            return marina_volume_new(ctx->connection, info->object_path);
    }
    fprintf(stderr, _("error: There is no volume '%s' in pool '%s'.\n"), name, pool_name);
    *status = CLI_FAILED;
    return NULL;
}

/* virsh's sizes: "1.00 GiB". */
static char *
format_size(guint64 bytes)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    double v = bytes;
    guint u = 0;

    while (v >= 1024 && u + 1 < G_N_ELEMENTS(units)) {
        v /= 1024;
        u++;
    }
    if (u == 0)
        return g_strdup_printf("%" G_GUINT64_FORMAT " %s", bytes, units[0]);
    return g_strdup_printf("%.2f %s", v, units[u]);
}

/* ---------------------------------------------------------------------------------------------
 * Jobs: progress on stderr, Ctrl+C cancels.
 */

typedef struct {
    const char *what;
    GCancellable *cancellable; /* cancelled by Ctrl+C: the job is cancelled */
} JobWait;

static void
on_job_progress(MarinaJobWatcher *job, guint64 done, guint64 total, const char *phase, JobWait *w)
{
    if (total == 0 || !isatty(fileno(stderr)))
        return;
    fprintf(stderr, "\r%s: %3d%%", w->what, (int)(MIN(done, total) * 100 / total));
    fflush(stderr);
}

static gboolean
on_interrupt(gpointer data)
{
    JobWait *w = data;

    if (!g_cancellable_is_cancelled(w->cancellable)) {
        fprintf(stderr, _("\nCancelling...\n"));
        g_cancellable_cancel(w->cancellable);
    }
    return G_SOURCE_CONTINUE;
}

/* Waits for @job to end, with its progress on stderr; Ctrl+C cancels it. */
static int
wait_job(MarinaJobWatcher *job, const char *what)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(GCancellable) cancellable = g_cancellable_new();
    JobWait w = {.what = what, .cancellable = cancellable};
    guint int_id, term_id;
    gboolean ok;

    g_signal_connect(job, "progress", G_CALLBACK(on_job_progress), &w);
    int_id = g_unix_signal_add(SIGINT, on_interrupt, &w);
    term_id = g_unix_signal_add(SIGTERM, on_interrupt, &w);
    marina_job_watcher_wait_async(job, cancellable, marina_sync_wait_ready, cli_slot(&r));
    ok = marina_job_watcher_wait_finish(job, cli_wait(&r), &error);
    g_source_remove(int_id);
    g_source_remove(term_id);
    g_signal_handlers_disconnect_by_data(job, &w);
    if (isatty(fileno(stderr)) && marina_job_watcher_get_total(job) > 0)
        fprintf(stderr, "\n");
    return ok ? CLI_OK : cli_report_error(error);
}

/* ---------------------------------------------------------------------------------------------
 * Pools
 */

static int
cmd_pool_list(CliContext *ctx, int argc, char **argv)
{
    gboolean all = FALSE, inactive = FALSE;
    const GOptionEntry entries[] = {
        {"all", 0, 0, G_OPTION_ARG_NONE, &all, N_("List inactive and active pools"), NULL},
        {"inactive", 0, 0, G_OPTION_ARG_NONE, &inactive, N_("List inactive pools only"), NULL},
        G_OPTION_ENTRY_NULL,
    };
    g_auto(GStrv) args = NULL;
    g_autoptr(GPtrArray) pools = NULL;
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func(g_free);
    MarinaHost *host;
    int status, width = 4;

    if (!cli_parse(ctx, entries, argc, argv, 0, 0, &args, &status))
        return status;
    if ((host = host_or_report(ctx, &status)) == NULL)
        return status;
    marina_host_list_pools_async(host, NULL, marina_sync_wait_ready, cli_slot(&r));
    if ((pools = marina_host_list_pools_finish(host, cli_wait(&r), &error)) == NULL)
        return cli_report_error(error);
    for (guint i = 0; i < pools->len; i++) {
        MarinaPoolInfo *pool = pools->pdata[i];

        if ((pool->active && inactive && !all) || (!pool->active && !inactive && !all))
            continue;
        width = MAX(width, (int)strlen(pool->name));
        g_ptr_array_add(rows, g_strdup_printf("%s\t%s\t%s", pool->name,
                                              pool->active ? _("active") : _("inactive"),
                                              pool->autostart ? _("yes") : _("no")));
    }
    g_ptr_array_sort(rows, (GCompareFunc)g_strcmp0);
    printf(" %-*s   %-8s   %s\n", width, _("Name"), _("State"), _("Autostart"));
    for (int i = 0; i < width + 26; i++)
        putchar('-');
    putchar('\n');
    for (guint i = 0; i < rows->len; i++) {
        g_auto(GStrv) f = g_strsplit(g_ptr_array_index(rows, i), "\t", 3);
        printf(" %-*s   %-8s   %s\n", width, f[0], f[1], f[2]);
    }
    printf("\n");
    fflush(stdout);
    return CLI_OK;
}

static int
cmd_pool_define(CliContext *ctx, int argc, char **argv)
{
    g_auto(GStrv) args = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *xml = NULL;
    g_autoptr(MarinaPool) pool = NULL;
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(MarinaPoolInfo) info = NULL;
    MarinaHost *host;
    int status;

    if (!cli_parse(ctx, NULL, argc, argv, 1, 1, &args, &status))
        return status;
    if ((xml = cli_read_text_file(args[0], &error)) == NULL)
        return cli_report_error(error);
    if ((host = host_or_report(ctx, &status)) == NULL)
        return status;
    marina_host_define_pool_async(host, xml, NULL, marina_sync_wait_ready, cli_slot(&r));
    if ((pool = marina_host_define_pool_finish(host, cli_wait(&r), &error)) == NULL)
        return cli_report_error(error);
    /* The name from the daemon, not from parsing the XML here: marinactl
     * links no XML parser. */
    marina_pool_get_info_async(pool, NULL, marina_sync_wait_ready, cli_slot(&r));
    info = marina_pool_get_info_finish(pool, cli_wait(&r), NULL);
    cli_print(_("Pool %s defined from %s"),
              info != NULL && *info->name != '\0' ? info->name : marina_pool_get_object_path(pool),
              args[0]);
    return CLI_OK;
}

typedef void (*PoolAsync)(MarinaPool *, GCancellable *, GAsyncReadyCallback, gpointer);
typedef gboolean (*PoolFinish)(MarinaPool *, GAsyncResult *, GError **);

static int
pool_action(CliContext *ctx, int argc, char **argv, PoolAsync action_async,
            PoolFinish action_finish, const char *done)
{
    g_auto(GStrv) args = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(MarinaPool) pool = NULL;
    int status;

    if (!cli_parse(ctx, NULL, argc, argv, 1, 1, &args, &status))
        return status;
    if ((pool = lookup_pool(ctx, args[0], &status)) == NULL)
        return status;
    action_async(pool, NULL, marina_sync_wait_ready, cli_slot(&r));
    if (!action_finish(pool, cli_wait(&r), &error))
        return cli_report_error(error);
    cli_print(done, args[0]);
    return CLI_OK;
}

static int
cmd_pool_start(CliContext *ctx, int argc, char **argv)
{
    return pool_action(ctx, argc, argv, marina_pool_start_async, marina_pool_start_finish,
                       _("Pool %s started"));
}

static int
cmd_pool_destroy(CliContext *ctx, int argc, char **argv)
{
    return pool_action(ctx, argc, argv, marina_pool_stop_async, marina_pool_stop_finish,
                       _("Pool %s destroyed"));
}

static int
cmd_pool_undefine(CliContext *ctx, int argc, char **argv)
{
    return pool_action(ctx, argc, argv, marina_pool_undefine_async, marina_pool_undefine_finish,
                       _("Pool %s has been undefined"));
}

static int
cmd_pool_refresh(CliContext *ctx, int argc, char **argv)
{
    return pool_action(ctx, argc, argv, marina_pool_refresh_async, marina_pool_refresh_finish,
                       _("Pool %s refreshed"));
}

static int
cmd_pool_autostart(CliContext *ctx, int argc, char **argv)
{
    gboolean disable = FALSE;
    const GOptionEntry entries[] = {
        {"disable", 0, 0, G_OPTION_ARG_NONE, &disable, N_("Do not start the pool with the host"),
         NULL},
        G_OPTION_ENTRY_NULL,
    };
    g_auto(GStrv) args = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(MarinaPool) pool = NULL;
    int status;

    if (!cli_parse(ctx, entries, argc, argv, 1, 1, &args, &status))
        return status;
    if ((pool = lookup_pool(ctx, args[0], &status)) == NULL)
        return status;
    marina_pool_set_autostart_async(pool, !disable, NULL, marina_sync_wait_ready, cli_slot(&r));
    if (!marina_pool_set_autostart_finish(pool, cli_wait(&r), &error))
        return cli_report_error(error);
    cli_print(disable ? _("Pool %s unmarked as autostarted") : _("Pool %s marked as autostarted"),
              args[0]);
    return CLI_OK;
}

static int
cmd_pool_info(CliContext *ctx, int argc, char **argv)
{
    g_auto(GStrv) args = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(MarinaPool) pool = NULL;
    g_autoptr(MarinaPoolInfo) info = NULL;
    int status;

    if (!cli_parse(ctx, NULL, argc, argv, 1, 1, &args, &status))
        return status;
    if ((pool = lookup_pool(ctx, args[0], &status)) == NULL)
        return status;
    marina_pool_get_info_async(pool, NULL, marina_sync_wait_ready, cli_slot(&r));
    if ((info = marina_pool_get_info_finish(pool, cli_wait(&r), &error)) == NULL)
        return cli_report_error(error);
    printf("%-15s %s\n", _("Name:"), info->name);
    printf("%-15s %s\n", _("UUID:"), info->uuid);
    printf("%-15s %s\n", _("State:"), info->active ? _("running") : _("inactive"));
    printf("%-15s %s\n", _("Persistent:"), info->persistent ? _("yes") : _("no"));
    printf("%-15s %s\n", _("Autostart:"), info->autostart ? _("yes") : _("no"));
    if (info->active) {
        g_autofree char *c = format_size(info->capacity);
        g_autofree char *a = format_size(info->allocation);
        g_autofree char *v = format_size(info->available);
        printf("%-15s %s\n", _("Capacity:"), c);
        printf("%-15s %s\n", _("Allocation:"), a);
        printf("%-15s %s\n", _("Available:"), v);
    }
    printf("\n");
    fflush(stdout);
    return CLI_OK;
}

static int
cmd_pool_dumpxml(CliContext *ctx, int argc, char **argv)
{
    g_auto(GStrv) args = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(MarinaPool) pool = NULL;
    g_autofree char *xml = NULL;
    int status;

    if (!cli_parse(ctx, NULL, argc, argv, 1, 1, &args, &status))
        return status;
    if ((pool = lookup_pool(ctx, args[0], &status)) == NULL)
        return status;
    marina_pool_get_xml_async(pool, NULL, marina_sync_wait_ready, cli_slot(&r));
    if ((xml = marina_pool_get_xml_finish(pool, cli_wait(&r), &error)) == NULL)
        return cli_report_error(error);
    fputs(xml, stdout);
    fflush(stdout);
    return CLI_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Volumes
 */

/* The guests that use a volume, "a, b"; "-" for none. */
static char *
users_text(const char *const *names)
{
    if (names == NULL || names[0] == NULL)
        return g_strdup("-");
    return g_strjoinv(", ", (char **)names);
}

static int
cmd_vol_list(CliContext *ctx, int argc, char **argv)
{
    gboolean details = FALSE;
    const GOptionEntry entries[] = {
        {"details", 0, 0, G_OPTION_ARG_NONE, &details,
         N_("Also show type, capacity, allocation and the guests that use each volume"), NULL},
        G_OPTION_ENTRY_NULL,
    };
    g_auto(GStrv) args = NULL;
    g_autoptr(MarinaPool) pool = NULL;
    g_autoptr(GPtrArray) volumes = NULL;
    int status, width = 4;

    if (!cli_parse(ctx, entries, argc, argv, 1, 1, &args, &status))
        return status;
    if ((pool = lookup_pool(ctx, args[0], &status)) == NULL)
        return status;
    if ((volumes = list_volumes(pool, &status)) == NULL)
        return status;
    for (guint i = 0; i < volumes->len; i++)
        width = MAX(width, (int)strlen(((MarinaVolumeInfo *)volumes->pdata[i])->name));
    if (details)
        printf(" %-*s   %-40s   %-6s   %-12s   %-12s   %s\n", width, _("Name"), _("Path"),
               _("Type"), _("Capacity"), _("Allocation"), _("Used by"));
    else
        printf(" %-*s   %s\n", width, _("Name"), _("Path"));
    printf("------------------------------------------------------------------------------\n");
    for (guint i = 0; i < volumes->len; i++) {
        MarinaVolumeInfo *v = volumes->pdata[i];

        if (details) {
            g_autofree char *c = format_size(v->capacity);
            g_autofree char *a = format_size(v->allocation);
            g_autofree char *u = users_text((const char *const *)v->used_by);
            printf(" %-*s   %-40s   %-6s   %-12s   %-12s   %s\n", width, v->name, v->path,
                   v->format, c, a, u);
        } else {
            printf(" %-*s   %s\n", width, v->name, v->path);
        }
    }
    printf("\n");
    fflush(stdout);
    return CLI_OK;
}

static gboolean
parse_size_arg(const char *text, guint64 *bytes, int *status)
{
    g_autoptr(GError) error = NULL;

    if (marina_parse_size(text, bytes, &error))
        return TRUE;
    *status = cli_report_error(error);
    return FALSE;
}

static int
cmd_vol_create_as(CliContext *ctx, int argc, char **argv)
{
    g_autofree char *format = NULL, *allocation = NULL, *backing = NULL;
    const GOptionEntry entries[] = {
        {"format", 0, 0, G_OPTION_ARG_STRING, &format, N_("qcow2 (default) or raw"), "FORMAT"},
        {"allocation", 0, 0, G_OPTION_ARG_STRING, &allocation,
         N_("Space to allocate now (the size: all of it)"), "SIZE"},
        {"backing-vol", 0, 0, G_OPTION_ARG_STRING, &backing,
         N_("Backing volume (qcow2 overlay), a path"), "PATH"},
        G_OPTION_ENTRY_NULL,
    };
    g_auto(GStrv) args = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaPool) pool = NULL;
    g_autoptr(MarinaVolume) volume = NULL;
    g_autoptr(MarinaJobWatcher) job = NULL;
    g_autoptr(GAsyncResult) r = NULL;
    g_autofree char *name = NULL;
    g_autoptr(GString) xml = g_string_new("<volume>\n");
    guint64 capacity, alloc = 0;
    int status;

    if (!cli_parse(ctx, entries, argc, argv, 3, 3, &args, &status))
        return status;
    if (!parse_size_arg(args[2], &capacity, &status) ||
        (allocation != NULL && !parse_size_arg(allocation, &alloc, &status)))
        return status;
    name = g_markup_escape_text(args[1], -1);
    g_string_append_printf(xml, "  <name>%s</name>\n", name);
    g_string_append_printf(xml, "  <capacity unit='bytes'>%" G_GUINT64_FORMAT "</capacity>\n",
                           capacity);
    if (allocation != NULL)
        g_string_append_printf(
            xml, "  <allocation unit='bytes'>%" G_GUINT64_FORMAT "</allocation>\n", alloc);
    if (format != NULL) {
        g_autofree char *f = g_markup_escape_text(format, -1);
        g_string_append_printf(xml, "  <target><format type='%s'/></target>\n", f);
    }
    if (backing != NULL) {
        g_autofree char *abs = cli_absolute_path(backing);
        g_autofree char *b = g_markup_escape_text(abs, -1);
        g_string_append_printf(xml, "  <backingStore><path>%s</path></backingStore>\n", b);
    }
    g_string_append(xml, "</volume>\n");
    if ((pool = lookup_pool(ctx, args[0], &status)) == NULL)
        return status;
    marina_pool_create_volume_async(pool, xml->str, NULL, marina_sync_wait_ready, cli_slot(&r));
    volume = marina_pool_create_volume_finish(pool, cli_wait(&r), &job, &error);
    if (volume == NULL)
        return cli_report_error(error);
    if ((status = wait_job(job, _("Allocating"))) != CLI_OK)
        return status;
    cli_print(_("Vol %s created"), args[1]);
    return CLI_OK;
}

/* Commands NAME with --pool POOL. */
static MarinaVolume *
parse_volume(CliContext *ctx, const GOptionEntry *extra, int argc, char **argv, int nargs,
             GStrv *args, int *status)
{
    g_autofree char *pool = NULL;
    GOptionEntry entries[8] = {
        {"pool", 0, 0, G_OPTION_ARG_STRING, &pool, N_("The pool of the volume"), "POOL"},
    };
    int n = 1;

    for (const GOptionEntry *e = extra; e != NULL && e->long_name != NULL && n < 7; e++)
        entries[n++] = *e;
    if (!cli_parse(ctx, entries, argc, argv, nargs, nargs, args, status))
        return NULL;
    if (pool == NULL) {
        *status = cli_usage_error(ctx, _("--pool POOL is required"));
        return NULL;
    }
    return lookup_volume(ctx, pool, (*args)[0], status);
}

static int
cmd_vol_delete(CliContext *ctx, int argc, char **argv)
{
    g_auto(GStrv) args = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaVolume) vol = NULL;
    g_autoptr(GAsyncResult) r = NULL;
    int status;

    if ((vol = parse_volume(ctx, NULL, argc, argv, 1, &args, &status)) == NULL)
        return status;
    marina_volume_delete_async(vol, NULL, marina_sync_wait_ready, cli_slot(&r));
    if (!marina_volume_delete_finish(vol, cli_wait(&r), &error))
        return cli_report_error(error);
    cli_print(_("Vol %s deleted"), args[0]);
    return CLI_OK;
}

static int
cmd_vol_resize(CliContext *ctx, int argc, char **argv)
{
    g_auto(GStrv) args = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaVolume) vol = NULL;
    g_autoptr(GAsyncResult) r = NULL;
    guint64 capacity;
    int status;

    if ((vol = parse_volume(ctx, NULL, argc, argv, 2, &args, &status)) == NULL)
        return status;
    if (!parse_size_arg(args[1], &capacity, &status))
        return status;
    marina_volume_resize_async(vol, capacity, NULL, marina_sync_wait_ready, cli_slot(&r));
    if (!marina_volume_resize_finish(vol, cli_wait(&r), &error))
        return cli_report_error(error);
    cli_print(_("Size of volume '%s' successfully changed to %s"), args[0], args[1]);
    return CLI_OK;
}

static int
cmd_vol_clone(CliContext *ctx, int argc, char **argv)
{
    g_auto(GStrv) args = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaVolume) vol = NULL;
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(MarinaJobWatcher) job = NULL;
    int status;

    if ((vol = parse_volume(ctx, NULL, argc, argv, 2, &args, &status)) == NULL)
        return status;
    marina_volume_clone_async(vol, args[1], NULL, marina_sync_wait_ready, cli_slot(&r));
    if ((job = marina_volume_clone_finish(vol, cli_wait(&r), &error)) == NULL)
        return cli_report_error(error);
    if ((status = wait_job(job, _("Cloning"))) != CLI_OK)
        return status;
    cli_print(_("Vol %s cloned from %s"), args[1], args[0]);
    return CLI_OK;
}

static int
cmd_vol_info(CliContext *ctx, int argc, char **argv)
{
    g_auto(GStrv) args = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaVolume) vol = NULL;
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(MarinaVolumeInfo) info = NULL;
    g_autofree char *cap = NULL, *alloc = NULL, *users = NULL;
    int status;

    if ((vol = parse_volume(ctx, NULL, argc, argv, 1, &args, &status)) == NULL)
        return status;
    marina_volume_get_info_async(vol, NULL, marina_sync_wait_ready, cli_slot(&r));
    if ((info = marina_volume_get_info_finish(vol, cli_wait(&r), &error)) == NULL)
        return cli_report_error(error);
    cap = format_size(info->capacity);
    alloc = format_size(info->allocation);
    users = users_text((const char *const *)info->used_by);
    printf("%-15s %s\n", _("Name:"), info->name);
    printf("%-15s %s\n", _("Type:"), "file");
    printf("%-15s %s\n", _("Capacity:"), cap);
    printf("%-15s %s\n", _("Allocation:"), alloc);
    printf("%-15s %s\n", _("Format:"), info->format);
    printf("%-15s %s\n", _("Path:"), info->path);
    if (*info->backing != '\0')
        printf("%-15s %s\n", _("Backing:"), info->backing);
    printf("%-15s %s\n", _("Used by:"), users);
    printf("\n");
    fflush(stdout);
    return CLI_OK;
}

static int
cmd_vol_dumpxml(CliContext *ctx, int argc, char **argv)
{
    g_auto(GStrv) args = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaVolume) vol = NULL;
    g_autoptr(GAsyncResult) r = NULL;
    g_autofree char *xml = NULL;
    int status;

    if ((vol = parse_volume(ctx, NULL, argc, argv, 1, &args, &status)) == NULL)
        return status;
    marina_volume_get_xml_async(vol, NULL, marina_sync_wait_ready, cli_slot(&r));
    if ((xml = marina_volume_get_xml_finish(vol, cli_wait(&r), &error)) == NULL)
        return cli_report_error(error);
    fputs(xml, stdout);
    fflush(stdout);
    return CLI_OK;
}

const CliCommand cli_storage_commands[] = {
    {"pool-list", cmd_pool_list, "[--all] [--inactive]", N_("List storage pools")},
    {"pool-define", cmd_pool_define, "FILE", N_("Define a storage pool from an XML file")},
    {"pool-start", cmd_pool_start, "POOL", N_("Start (activate) a pool")},
    {"pool-destroy", cmd_pool_destroy, "POOL", N_("Stop a pool (its volumes are kept)")},
    {"pool-undefine", cmd_pool_undefine, "POOL", N_("Remove an inactive pool's definition")},
    {"pool-autostart", cmd_pool_autostart, "POOL [--disable]",
     N_("Start a pool with the host, or not")},
    {"pool-refresh", cmd_pool_refresh, "POOL", N_("Re-read a pool's sizes")},
    {"pool-info", cmd_pool_info, "POOL", N_("Show a pool's state and sizes")},
    {"pool-dumpxml", cmd_pool_dumpxml, "POOL", N_("Print a pool's XML")},
    {"vol-list", cmd_vol_list, "POOL [--details]", N_("List the volumes of a pool")},
    {"vol-create-as", cmd_vol_create_as,
     "POOL NAME SIZE [--format qcow2|raw] [--allocation SIZE] [--backing-vol PATH]",
     N_("Create a volume (sizes like 10G, 512M, 1T)")},
    {"vol-delete", cmd_vol_delete, "--pool POOL NAME", N_("Delete a volume")},
    {"vol-resize", cmd_vol_resize, "--pool POOL NAME SIZE", N_("Grow a volume")},
    {"vol-clone", cmd_vol_clone, "--pool POOL NAME NEWNAME", N_("Copy a volume in its pool")},
    {"vol-info", cmd_vol_info, "--pool POOL NAME", N_("Show a volume's format and sizes")},
    {"vol-dumpxml", cmd_vol_dumpxml, "--pool POOL NAME", N_("Print a volume's XML")},
    {NULL},
};
