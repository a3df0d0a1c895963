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
#include "pool-config.h"

#define CALL_MS (60 * 1000)

/* Storage proxies only make calls: no property cache, no signal matches. */
#define PROXY_FLAGS                                                                                \
    (G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES | G_DBUS_PROXY_FLAGS_DO_NOT_CONNECT_SIGNALS)

static MarinaDBusHost *
host_or_report(CliContext *ctx, int *status)
{
    g_autoptr(GError) error = NULL;
    MarinaConnection *connection = cli_connect(ctx, &error);

    if (connection == NULL) {
        *status = cli_report_error(error);
        return NULL;
    }
    return marina_connection_get_host(connection);
}

static GDBusConnection *
bus(CliContext *ctx)
{
    return marina_connection_get_dbus_connection(ctx->connection);
}

/* @proxy with its call timeout set, or NULL with @error reported in @status. */
static gpointer
proxy_or_report(gpointer proxy, const GError *error, int timeout_ms, int *status)
{
    if (proxy == NULL)
        *status = cli_report_error(error);
    else
        g_dbus_proxy_set_default_timeout(G_DBUS_PROXY(proxy), timeout_ms);
    return proxy;
}

static MarinaDBusStoragePool *
lookup_pool(CliContext *ctx, const char *name, int *status)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *path = NULL;
    MarinaDBusHost *host = host_or_report(ctx, status);
    MarinaDBusStoragePool *pool;

    if (host == NULL)
        return NULL;
    if (!marina_dbus_host_call_lookup_pool_sync(host, name, &path, NULL, &error)) {
        *status = cli_report_error(error);
        return NULL;
    }
    pool = marina_dbus_storage_pool_proxy_new_sync(bus(ctx), PROXY_FLAGS, NULL, path, NULL, &error);
    return proxy_or_report(pool, error, CALL_MS, status);
}

static MarinaDBusStorageVolume *
lookup_volume(CliContext *ctx, const char *pool_name, const char *name, int *status)
{
    g_autoptr(MarinaDBusStoragePool) pool = lookup_pool(ctx, pool_name, status);
    g_autoptr(GVariant) volumes = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *found = NULL;
    GVariantIter iter;
    const char *path, *vname;
    MarinaDBusStorageVolume *volume;

    if (pool == NULL)
        return NULL;
    if (!marina_dbus_storage_pool_call_list_volumes_sync(pool, &volumes, NULL, &error)) {
        *status = cli_report_error(error);
        return NULL;
    }
    g_variant_iter_init(&iter, volumes);
    while (found == NULL && g_variant_iter_next(&iter, "(&o&s&stt&s@as)", &path, &vname, NULL, NULL,
                                                NULL, NULL, NULL))
        if (g_str_equal(vname, name))
            found = g_strdup(path);
    if (found == NULL) {
        fprintf(stderr, _("error: There is no volume '%s' in pool '%s'.\n"), name, pool_name);
        *status = CLI_FAILED;
        return NULL;
    }
    volume =
        marina_dbus_storage_volume_proxy_new_sync(bus(ctx), PROXY_FLAGS, NULL, found, NULL, &error);
    return proxy_or_report(volume, error, CLI_LONG_CALL_MS, status);
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
    GMainLoop *loop;
    MarinaDBusJob *job;
    const char *what;
    gboolean finished;
    gboolean ok;
    char *error;
    gboolean cancelling;
} JobWait;

static void
print_progress(JobWait *w)
{
    guint64 total = marina_dbus_job_get_total(w->job);
    guint64 done = marina_dbus_job_get_processed(w->job);

    if (total == 0 || !isatty(fileno(stderr)))
        return;
    fprintf(stderr, "\r%s: %3d%%", w->what, (int)(MIN(done, total) * 100 / total));
    fflush(stderr);
}

static void
on_job_finished(MarinaDBusJob *job, gboolean ok, const char *error, JobWait *w)
{
    w->finished = TRUE;
    w->ok = ok;
    w->error = g_strdup(error);
    g_main_loop_quit(w->loop);
}

static void
on_job_properties(GDBusProxy *proxy, GVariant *changed, GStrv invalidated, JobWait *w)
{
    print_progress(w);
}

static gboolean
on_interrupt(gpointer data)
{
    JobWait *w = data;

    if (!w->cancelling) {
        w->cancelling = TRUE;
        fprintf(stderr, _("\nCancelling...\n"));
        marina_dbus_job_call_cancel(w->job, NULL, NULL, NULL);
    }
    return G_SOURCE_CONTINUE;
}

static gboolean
job_phase_final(const char *phase)
{
    return g_strcmp0(phase, "done") == 0 || g_strcmp0(phase, "failed") == 0 ||
           g_strcmp0(phase, "cancelled") == 0;
}

static int
wait_job(CliContext *ctx, const char *path, const char *what)
{
    g_autoptr(GError) error = NULL;
    JobWait w = {.what = what};
    guint int_id, term_id;
    int status = CLI_OK;

    /* The proxy subscribes to signals before it reads the properties, so a
     * job that ends in between is seen through its Phase. */
    w.job =
        marina_dbus_job_proxy_new_sync(bus(ctx), G_DBUS_PROXY_FLAGS_NONE, NULL, path, NULL, &error);
    if (w.job == NULL)
        return cli_report_error(error);
    w.loop = g_main_loop_new(NULL, FALSE);
    g_signal_connect(w.job, "finished", G_CALLBACK(on_job_finished), &w);
    g_signal_connect(w.job, "g-properties-changed", G_CALLBACK(on_job_properties), &w);
    if (job_phase_final(marina_dbus_job_get_phase(w.job))) {
        w.finished = TRUE;
        w.ok = g_strcmp0(marina_dbus_job_get_phase(w.job), "done") == 0;
        w.error = g_strdup(marina_dbus_job_get_error(w.job));
    }
    int_id = g_unix_signal_add(SIGINT, on_interrupt, &w);
    term_id = g_unix_signal_add(SIGTERM, on_interrupt, &w);
    if (!w.finished)
        g_main_loop_run(w.loop);
    g_source_remove(int_id);
    g_source_remove(term_id);
    if (isatty(fileno(stderr)) && marina_dbus_job_get_total(w.job) > 0)
        fprintf(stderr, "\n");
    if (!w.ok) {
        fprintf(stderr, _("error: %s\n"), w.error && *w.error ? w.error : _("the job failed"));
        status = CLI_FAILED;
    }
    g_free(w.error);
    g_main_loop_unref(w.loop);
    g_object_unref(w.job);
    return status;
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
    g_autoptr(GVariant) pools = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func(g_free);
    MarinaDBusHost *host;
    GVariantIter iter;
    const char *name;
    gboolean active, autostart;
    int status, width = 4;

    if (!cli_parse(ctx, entries, argc, argv, 0, 0, &args, &status))
        return status;
    if ((host = host_or_report(ctx, &status)) == NULL)
        return status;
    if (!marina_dbus_host_call_list_pools_sync(host, &pools, NULL, &error))
        return cli_report_error(error);
    g_variant_iter_init(&iter, pools);
    while (g_variant_iter_next(&iter, "(o&sbbttt)", NULL, &name, &active, &autostart, NULL, NULL,
                               NULL)) {
        if ((active && inactive && !all) || (!active && !inactive && !all))
            continue;
        width = MAX(width, (int)strlen(name));
        g_ptr_array_add(rows,
                        g_strdup_printf("%s\t%s\t%s", name, active ? _("active") : _("inactive"),
                                        autostart ? _("yes") : _("no")));
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
    g_autofree char *path = NULL;
    g_autoptr(MarinaPoolConfig) config = NULL;
    MarinaDBusHost *host;
    int status;

    if (!cli_parse(ctx, NULL, argc, argv, 1, 1, &args, &status))
        return status;
    if ((xml = cli_read_text_file(args[0], &error)) == NULL)
        return cli_report_error(error);
    if ((host = host_or_report(ctx, &status)) == NULL)
        return status;
    if (!marina_dbus_host_call_define_pool_sync(host, xml, &path, NULL, &error))
        return cli_report_error(error);
    config = marina_pool_config_parse(xml, -1, NULL);
    cli_print(_("Pool %s defined from %s"), config ? config->name : path, args[0]);
    return CLI_OK;
}

typedef gboolean (*PoolCall)(MarinaDBusStoragePool *, GCancellable *, GError **);

static int
pool_action(CliContext *ctx, int argc, char **argv, PoolCall call, const char *done)
{
    g_auto(GStrv) args = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaDBusStoragePool) pool = NULL;
    int status;

    if (!cli_parse(ctx, NULL, argc, argv, 1, 1, &args, &status))
        return status;
    if ((pool = lookup_pool(ctx, args[0], &status)) == NULL)
        return status;
    if (!call(pool, NULL, &error))
        return cli_report_error(error);
    cli_print(done, args[0]);
    return CLI_OK;
}

static int
cmd_pool_start(CliContext *ctx, int argc, char **argv)
{
    return pool_action(ctx, argc, argv, marina_dbus_storage_pool_call_start_sync,
                       _("Pool %s started"));
}

static int
cmd_pool_destroy(CliContext *ctx, int argc, char **argv)
{
    return pool_action(ctx, argc, argv, marina_dbus_storage_pool_call_stop_sync,
                       _("Pool %s destroyed"));
}

static int
cmd_pool_undefine(CliContext *ctx, int argc, char **argv)
{
    return pool_action(ctx, argc, argv, marina_dbus_storage_pool_call_undefine_sync,
                       _("Pool %s has been undefined"));
}

static int
cmd_pool_refresh(CliContext *ctx, int argc, char **argv)
{
    return pool_action(ctx, argc, argv, marina_dbus_storage_pool_call_refresh_sync,
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
    g_autoptr(MarinaDBusStoragePool) pool = NULL;
    int status;

    if (!cli_parse(ctx, entries, argc, argv, 1, 1, &args, &status))
        return status;
    if ((pool = lookup_pool(ctx, args[0], &status)) == NULL)
        return status;
    if (!marina_dbus_storage_pool_call_set_autostart_sync(pool, !disable, NULL, &error))
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
    g_autoptr(MarinaDBusStoragePool) pool = NULL;
    g_autoptr(GVariant) info = NULL;
    gboolean active = FALSE, autostart = FALSE, persistent = FALSE;
    guint64 capacity = 0, allocation = 0, available = 0;
    const char *name = "", *uuid = "";
    int status;

    if (!cli_parse(ctx, NULL, argc, argv, 1, 1, &args, &status))
        return status;
    if ((pool = lookup_pool(ctx, args[0], &status)) == NULL)
        return status;
    if (!marina_dbus_storage_pool_call_get_info_sync(pool, &info, NULL, &error))
        return cli_report_error(error);
    g_variant_lookup(info, "name", "&s", &name);
    g_variant_lookup(info, "uuid", "&s", &uuid);
    g_variant_lookup(info, "active", "b", &active);
    g_variant_lookup(info, "autostart", "b", &autostart);
    g_variant_lookup(info, "persistent", "b", &persistent);
    g_variant_lookup(info, "capacity", "t", &capacity);
    g_variant_lookup(info, "allocation", "t", &allocation);
    g_variant_lookup(info, "available", "t", &available);
    printf("%-15s %s\n", _("Name:"), name);
    printf("%-15s %s\n", _("UUID:"), uuid);
    printf("%-15s %s\n", _("State:"), active ? _("running") : _("inactive"));
    printf("%-15s %s\n", _("Persistent:"), persistent ? _("yes") : _("no"));
    printf("%-15s %s\n", _("Autostart:"), autostart ? _("yes") : _("no"));
    if (active) {
        g_autofree char *c = format_size(capacity);
        g_autofree char *a = format_size(allocation);
        g_autofree char *v = format_size(available);
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
    g_autoptr(MarinaDBusStoragePool) pool = NULL;
    g_autofree char *xml = NULL;
    int status;

    if (!cli_parse(ctx, NULL, argc, argv, 1, 1, &args, &status))
        return status;
    if ((pool = lookup_pool(ctx, args[0], &status)) == NULL)
        return status;
    if (!marina_dbus_storage_pool_call_get_xml_sync(pool, &xml, NULL, &error))
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
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaDBusStoragePool) pool = NULL;
    g_autoptr(GVariant) volumes = NULL;
    GVariantIter iter;
    const char *name, *path, *format;
    const char **used_by;
    guint64 capacity, allocation;
    int status, width = 4;

    if (!cli_parse(ctx, entries, argc, argv, 1, 1, &args, &status))
        return status;
    if ((pool = lookup_pool(ctx, args[0], &status)) == NULL)
        return status;
    if (!marina_dbus_storage_pool_call_list_volumes_sync(pool, &volumes, NULL, &error))
        return cli_report_error(error);
    g_variant_iter_init(&iter, volumes);
    while (g_variant_iter_next(&iter, "(o&s&stt&s@as)", NULL, &name, NULL, NULL, NULL, NULL, NULL))
        width = MAX(width, (int)strlen(name));
    if (details)
        printf(" %-*s   %-40s   %-6s   %-12s   %-12s   %s\n", width, _("Name"), _("Path"),
               _("Type"), _("Capacity"), _("Allocation"), _("Used by"));
    else
        printf(" %-*s   %s\n", width, _("Name"), _("Path"));
    printf("------------------------------------------------------------------------------\n");
    g_variant_iter_init(&iter, volumes);
    while (g_variant_iter_next(&iter, "(o&s&stt&s^a&s)", NULL, &name, &path, &capacity, &allocation,
                               &format, &used_by)) {
        g_autofree const char **users = used_by;

        if (details) {
            g_autofree char *c = format_size(capacity);
            g_autofree char *a = format_size(allocation);
            g_autofree char *u = users_text(users);
            printf(" %-*s   %-40s   %-6s   %-12s   %-12s   %s\n", width, name, path, format, c, a,
                   u);
        } else {
            printf(" %-*s   %s\n", width, name, path);
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
    g_autoptr(MarinaDBusStoragePool) pool = NULL;
    g_autofree char *vol_path = NULL, *job_path = NULL, *name = NULL;
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
    if (!marina_dbus_storage_pool_call_create_volume_sync(pool, xml->str, &vol_path, &job_path,
                                                          NULL, &error))
        return cli_report_error(error);
    if ((status = wait_job(ctx, job_path, _("Allocating"))) != CLI_OK)
        return status;
    cli_print(_("Vol %s created"), args[1]);
    return CLI_OK;
}

/* Commands NAME with --pool POOL. */
static MarinaDBusStorageVolume *
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
    g_autoptr(MarinaDBusStorageVolume) vol = NULL;
    int status;

    if ((vol = parse_volume(ctx, NULL, argc, argv, 1, &args, &status)) == NULL)
        return status;
    if (!marina_dbus_storage_volume_call_delete_sync(vol, NULL, &error))
        return cli_report_error(error);
    cli_print(_("Vol %s deleted"), args[0]);
    return CLI_OK;
}

static int
cmd_vol_resize(CliContext *ctx, int argc, char **argv)
{
    g_auto(GStrv) args = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaDBusStorageVolume) vol = NULL;
    guint64 capacity;
    int status;

    if ((vol = parse_volume(ctx, NULL, argc, argv, 2, &args, &status)) == NULL)
        return status;
    if (!parse_size_arg(args[1], &capacity, &status))
        return status;
    if (!marina_dbus_storage_volume_call_resize_sync(vol, capacity, NULL, &error))
        return cli_report_error(error);
    cli_print(_("Size of volume '%s' successfully changed to %s"), args[0], args[1]);
    return CLI_OK;
}

static int
cmd_vol_clone(CliContext *ctx, int argc, char **argv)
{
    g_auto(GStrv) args = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaDBusStorageVolume) vol = NULL;
    g_autofree char *job = NULL;
    int status;

    if ((vol = parse_volume(ctx, NULL, argc, argv, 2, &args, &status)) == NULL)
        return status;
    if (!marina_dbus_storage_volume_call_clone_sync(vol, args[1], &job, NULL, &error))
        return cli_report_error(error);
    if ((status = wait_job(ctx, job, _("Cloning"))) != CLI_OK)
        return status;
    cli_print(_("Vol %s cloned from %s"), args[1], args[0]);
    return CLI_OK;
}

static int
cmd_vol_info(CliContext *ctx, int argc, char **argv)
{
    g_auto(GStrv) args = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaDBusStorageVolume) vol = NULL;
    g_autoptr(GVariant) info = NULL;
    g_autofree char *cap = NULL, *alloc = NULL, *users = NULL;
    g_autofree const char **used_by = NULL;
    const char *name = "", *format = "", *path = "", *backing = "";
    guint64 capacity = 0, allocation = 0;
    int status;

    if ((vol = parse_volume(ctx, NULL, argc, argv, 1, &args, &status)) == NULL)
        return status;
    if (!marina_dbus_storage_volume_call_get_info_sync(vol, &info, NULL, &error))
        return cli_report_error(error);
    g_variant_lookup(info, "name", "&s", &name);
    g_variant_lookup(info, "format", "&s", &format);
    g_variant_lookup(info, "path", "&s", &path);
    g_variant_lookup(info, "backing", "&s", &backing);
    g_variant_lookup(info, "capacity", "t", &capacity);
    g_variant_lookup(info, "allocation", "t", &allocation);
    g_variant_lookup(info, "used-by", "^a&s", &used_by);
    cap = format_size(capacity);
    alloc = format_size(allocation);
    users = users_text(used_by);
    printf("%-15s %s\n", _("Name:"), name);
    printf("%-15s %s\n", _("Type:"), "file");
    printf("%-15s %s\n", _("Capacity:"), cap);
    printf("%-15s %s\n", _("Allocation:"), alloc);
    printf("%-15s %s\n", _("Format:"), format);
    printf("%-15s %s\n", _("Path:"), path);
    if (*backing != '\0')
        printf("%-15s %s\n", _("Backing:"), backing);
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
    g_autoptr(MarinaDBusStorageVolume) vol = NULL;
    g_autofree char *xml = NULL;
    int status;

    if ((vol = parse_volume(ctx, NULL, argc, argv, 1, &args, &status)) == NULL)
        return status;
    if (!marina_dbus_storage_volume_call_get_xml_sync(vol, &xml, NULL, &error))
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
