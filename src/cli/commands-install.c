/* marinactl install: make a new guest the way virt-install does, through the
 * same MarinaInstaller the new-guest wizard uses. */

#define G_LOG_DOMAIN "marinactl"

#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "error.h"
#include "install-command.h"
#include "install-spec.h"
#include "installer.h"
#include "os-catalog.h"

#define GIB (G_GUINT64_CONSTANT(1) << 30)
#define MAX_SUGGESTIONS 5

typedef struct {
    char *name;
    char *memory;
    char *vcpus;
    char **disks;
    char *cdrom;
    char *location;
    char *extra_args;
    gboolean pxe;
    gboolean import;
    gboolean no_install;
    char *boot;
    char *os_variant;
    char *network;
    gboolean noautoconsole;
    gboolean print_xml;
} InstallOptions;

static void
install_options_clear(InstallOptions *o)
{
    g_free(o->name);
    g_free(o->memory);
    g_free(o->vcpus);
    g_strfreev(o->disks);
    g_free(o->cdrom);
    g_free(o->location);
    g_free(o->extra_args);
    g_free(o->boot);
    g_free(o->os_variant);
    g_free(o->network);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(InstallOptions, install_options_clear)

/* ---------------------------------------------------------------------------------------------
 * --os-variant
 */

static MarinaOsCatalog *
load_catalog(void)
{
    g_autoptr(GError) error = NULL;
    MarinaOsCatalog *catalog = marina_os_catalog_load_sync(NULL, &error);

    if (catalog == NULL)
        g_warning("%s", error->message);
    return catalog;
}

static int
print_os_list(void)
{
    g_autoptr(MarinaOsCatalog) catalog = load_catalog();
    GPtrArray *list;
    int w_id = 8, w_name = 4, w_version = 7;

    if (catalog == NULL)
        return CLI_FAILED;
    list = marina_os_catalog_list(catalog);
    for (guint i = 0; i < list->len; i++) {
        const MarinaOsInfo *info = list->pdata[i];
        w_id = MAX(w_id, (int)strlen(info->short_id));
        w_name = MAX(w_name, (int)g_utf8_strlen(info->name, -1));
        w_version = MAX(w_version, (int)strlen(info->version));
    }
    /* osinfo-query os's layout. */
    printf(" %-*s | %-*s | %-*s | %s\n", w_id, _("Short ID"), w_name, _("Name"), w_version,
           _("Version"), _("ID"));
    for (int i = 0; i < w_id + w_name + w_version + 40; i++)
        putchar('-');
    putchar('\n');
    for (guint i = 0; i < list->len; i++) {
        const MarinaOsInfo *info = list->pdata[i];
        /* %-*s counts bytes; pad names by characters. */
        int pad = w_name - (int)g_utf8_strlen(info->name, -1);
        printf(" %-*s | %s%*s | %-*s | %s\n", w_id, info->short_id, info->name, pad, "", w_version,
               info->version, info->id);
    }
    fflush(stdout);
    return CLI_OK;
}

static guint
edit_distance(const char *a, const char *b)
{
    gsize la = strlen(a), lb = strlen(b);
    g_autofree guint *row = g_new(guint, lb + 1);

    for (gsize j = 0; j <= lb; j++)
        row[j] = (guint)j;
    for (gsize i = 1; i <= la; i++) {
        guint diag = row[0];
        row[0] = (guint)i;
        for (gsize j = 1; j <= lb; j++) {
            guint up = row[j];
            guint cost = g_ascii_tolower(a[i - 1]) == g_ascii_tolower(b[j - 1]) ? 0 : 1;
            row[j] = MIN(MIN(row[j] + 1, row[j - 1] + 1), diag + cost);
            diag = up;
        }
    }
    return row[lb];
}

typedef struct {
    const MarinaOsInfo *info;
    guint score;
    guint order; /* place in the catalog: distro, then newest first */
} Suggestion;

static int
compare_suggestions(gconstpointer a, gconstpointer b)
{
    const Suggestion *x = a, *y = b;

    if (x->score != y->score)
        return x->score < y->score ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* Short ids close to what was typed: near in spelling, or containing it. */
static char *
suggest_os(MarinaOsCatalog *catalog, const char *typed)
{
    GPtrArray *list = marina_os_catalog_list(catalog);
    g_autoptr(GArray) found = g_array_new(FALSE, FALSE, sizeof(Suggestion));
    g_autofree char *lower = g_ascii_strdown(typed, -1);
    guint limit = MAX(2, (guint)strlen(typed) / 3);
    GString *out = g_string_new(NULL);

    for (guint i = 0; i < list->len; i++) {
        const MarinaOsInfo *info = list->pdata[i];
        guint d = edit_distance(lower, info->short_id);
        Suggestion s = {info, d, i};

        if (strstr(info->short_id, lower) != NULL && *lower != '\0')
            s.score = MIN(d, 1 + (guint)(strlen(info->short_id) - strlen(lower)) / 4);
        else if (d > limit)
            continue;
        g_array_append_val(found, s);
    }
    g_array_sort(found, compare_suggestions);
    for (guint i = 0; i < found->len && i < MAX_SUGGESTIONS; i++)
        g_string_append_printf(out, "%s%s", i > 0 ? ", " : "",
                               g_array_index(found, Suggestion, i).info->short_id);
    return g_string_free(out, FALSE);
}

/* ---------------------------------------------------------------------------------------------
 * Option values
 */

static gboolean
parse_count(CliContext *ctx, const char *option, const char *text, guint64 min, guint64 max,
            guint64 *out, int *status)
{
    g_autoptr(GError) error = NULL;

    if (!g_ascii_string_to_unsigned(text, 10, min, max, out, &error)) {
        *status = cli_usage_error(
            ctx, _("%s '%s' is not a whole number from %" PRIu64 " to %" PRIu64 "."), option, text,
            min, max);
        return FALSE;
    }
    return TRUE;
}

static gboolean
parse_yes_no(const char *text, gboolean *out)
{
    if (g_ascii_strcasecmp(text, "yes") == 0 || g_ascii_strcasecmp(text, "on") == 0 ||
        g_str_equal(text, "1") || g_ascii_strcasecmp(text, "true") == 0) {
        *out = TRUE;
        return TRUE;
    }
    if (g_ascii_strcasecmp(text, "no") == 0 || g_ascii_strcasecmp(text, "off") == 0 ||
        g_str_equal(text, "0") || g_ascii_strcasecmp(text, "false") == 0) {
        *out = FALSE;
        return TRUE;
    }
    return FALSE;
}

/* "20", "0.5" (GiB) -> bytes. */
static gboolean
parse_gib(const char *text, guint64 *bytes)
{
    char *end = NULL;
    double gib;

    if (text == NULL || *text == '\0' || g_ascii_isspace(*text))
        return FALSE;
    gib = g_ascii_strtod(text, &end);
    if (end == NULL || *end != '\0' || !(gib > 0) || gib > 1024.0 * 1024.0)
        return FALSE;
    *bytes = (guint64)(gib * (double)GIB);
    /* Whole MiB: what qemu-img and the pools count in. */
    *bytes = (*bytes + (1 << 20) - 1) & ~(guint64)((1 << 20) - 1);
    return TRUE;
}

/* --disk: "none" (returns NULL, no error), "pool=P,size=G[,format=][,sparse=]",
 * "path=PATH[,format=]" or a bare path. */
static MarinaInstallDisk *
parse_disk(CliContext *ctx, const char *text, gboolean *none, int *status)
{
    g_auto(GStrv) parts = NULL;
    g_autoptr(MarinaInstallDisk) disk = NULL;
    g_autofree char *pool = NULL, *path = NULL, *format = NULL, *size = NULL, *sparse = NULL;
    g_autofree char *vol = NULL;

    *none = FALSE;
    if (g_str_equal(text, "none")) {
        *none = TRUE;
        return NULL;
    }
    if (strchr(text, '=') == NULL) {
        /* virt-install's shorthand: --disk /path/to/image */
        path = g_strdup(text);
    } else {
        parts = g_strsplit(text, ",", -1);
        for (guint i = 0; parts[i] != NULL; i++) {
            char *eq = strchr(parts[i], '=');
            const char *key = parts[i], *value;
            char **slot = NULL;

            if (eq == NULL) {
                *status = cli_usage_error(ctx,
                                          _("--disk '%s': '%s' is not KEY=VALUE; write e.g. "
                                            "--disk pool=default,size=20."),
                                          text, parts[i]);
                return NULL;
            }
            *eq = '\0';
            value = eq + 1;
            if (g_str_equal(key, "pool"))
                slot = &pool;
            else if (g_str_equal(key, "path"))
                slot = &path;
            else if (g_str_equal(key, "format"))
                slot = &format;
            else if (g_str_equal(key, "size"))
                slot = &size;
            else if (g_str_equal(key, "sparse"))
                slot = &sparse;
            else if (g_str_equal(key, "vol") || g_str_equal(key, "name"))
                slot = &vol;
            if (slot == NULL) {
                *status = cli_usage_error(ctx,
                                          _("--disk '%s': '%s' is not known; use pool=, size=, "
                                            "format=, sparse=, name= or path=."),
                                          text, key);
                return NULL;
            }
            g_free(*slot);
            *slot = g_strdup(value);
        }
    }
    if (format != NULL && !g_str_equal(format, "qcow2") && !g_str_equal(format, "raw")) {
        *status = cli_usage_error(ctx,
                                  _("--disk '%s': format '%s' is not supported; use "
                                    "format=qcow2 or format=raw."),
                                  text, format);
        return NULL;
    }
    if (pool != NULL && path != NULL) {
        *status = cli_usage_error(ctx,
                                  _("--disk '%s': give pool= (a new volume) or path= (an "
                                    "existing image), not both."),
                                  text);
        return NULL;
    }
    if (path != NULL) {
        if (size != NULL || sparse != NULL || vol != NULL) {
            *status = cli_usage_error(ctx,
                                      _("--disk '%s': path= names an existing image, so size=, "
                                        "sparse= and name= do not apply; to make a new disk "
                                        "write pool=NAME,size=GiB."),
                                      text);
            return NULL;
        }
        disk = marina_install_disk_new(MARINA_INSTALL_DISK_EXISTING);
        disk->path = cli_absolute_path(path);
        disk->format = g_steal_pointer(&format);
        return g_steal_pointer(&disk);
    }
    if (pool == NULL) {
        *status = cli_usage_error(ctx,
                                  _("--disk '%s': say where the disk is: pool=NAME,size=GiB "
                                    "for a new volume, or path=PATH for an existing image."),
                                  text);
        return NULL;
    }
    disk = marina_install_disk_new(MARINA_INSTALL_DISK_NEW);
    disk->pool = g_steal_pointer(&pool);
    disk->volume = g_steal_pointer(&vol);
    disk->format = g_steal_pointer(&format);
    if (size != NULL && !parse_gib(size, &disk->size)) {
        *status = cli_usage_error(ctx,
                                  _("--disk '%s': size '%s' is not a size in GiB; write "
                                    "e.g. size=20 or size=0.5."),
                                  text, size);
        return NULL;
    }
    if (sparse != NULL && !parse_yes_no(sparse, &disk->sparse)) {
        *status =
            cli_usage_error(ctx, _("--disk '%s': sparse '%s' is not yes or no."), text, sparse);
        return NULL;
    }
    return g_steal_pointer(&disk);
}

/* --boot kernel=PATH,initrd=PATH,kernel_args=ARGS. kernel_args may hold commas
 * (console=ttyS0,115200): a part only starts at ",KEY=" for a known key. */
static gboolean
parse_boot(CliContext *ctx, const char *text, MarinaInstallSpec *spec, int *status)
{
    static const char *const keys[] = {"kernel", "initrd", "kernel_args", "cmdline", NULL};
    const char *p = text;

    while (*p != '\0') {
        const char *key_end = strchr(p, '=');
        const char *next = NULL;
        g_autofree char *key = NULL;
        g_autofree char *value = NULL;
        gboolean known = FALSE;

        if (key_end == NULL) {
            *status = cli_usage_error(ctx,
                                      _("--boot '%s': '%s' is not KEY=VALUE; write "
                                        "--boot kernel=PATH,initrd=PATH,kernel_args=ARGS."),
                                      text, p);
            return FALSE;
        }
        key = g_strndup(p, (gsize)(key_end - p));
        for (guint i = 0; keys[i] != NULL; i++)
            known |= g_str_equal(key, keys[i]);
        if (!known) {
            *status = cli_usage_error(ctx,
                                      _("--boot '%s': '%s' is not known; use kernel=, "
                                        "initrd= and kernel_args=."),
                                      text, key);
            return FALSE;
        }
        for (const char *c = strchr(key_end + 1, ','); c != NULL && next == NULL;
             c = strchr(c + 1, ',')) {
            for (guint i = 0; keys[i] != NULL; i++) {
                gsize n = strlen(keys[i]);
                if (strncmp(c + 1, keys[i], n) == 0 && c[1 + n] == '=')
                    next = c;
            }
        }
        value = next != NULL ? g_strndup(key_end + 1, (gsize)(next - key_end - 1))
                             : g_strdup(key_end + 1);
        if (g_str_equal(key, "kernel")) {
            g_free(spec->kernel);
            spec->kernel = cli_absolute_path(value);
        } else if (g_str_equal(key, "initrd")) {
            g_free(spec->initrd);
            spec->initrd = cli_absolute_path(value);
        } else {
            g_free(spec->cmdline);
            spec->cmdline = g_steal_pointer(&value);
        }
        p = next != NULL ? next + 1 : key_end + 1 + strlen(key_end + 1);
    }
    if (spec->kernel == NULL) {
        *status = cli_usage_error(ctx,
                                  _("--boot '%s' names no kernel; write "
                                    "--boot kernel=PATH[,initrd=PATH][,kernel_args=ARGS]."),
                                  text);
        return FALSE;
    }
    spec->method = MARINA_INSTALL_KERNEL;
    return TRUE;
}

/* ---------------------------------------------------------------------------------------------
 * Building the spec
 */

static gboolean
choose_method(CliContext *ctx, InstallOptions *o, MarinaInstallSpec *spec, int *status)
{
    int n = (o->cdrom != NULL) + (o->location != NULL) + o->pxe + o->import + (o->boot != NULL) +
            o->no_install;

    if (n == 0) {
        *status = cli_usage_error(ctx, _("Say how to install the guest: --cdrom ISO, --location "
                                         "URL, --pxe, --import, --boot kernel=PATH,... or "
                                         "--no-install."));
        return FALSE;
    }
    if (n > 1) {
        *status = cli_usage_error(ctx, _("Choose one of --cdrom, --location, --pxe, --import, "
                                         "--boot and --no-install."));
        return FALSE;
    }
    if (o->extra_args != NULL && o->location == NULL) {
        *status = cli_usage_error(ctx, _("--extra-args only goes with --location; with --boot, "
                                         "write kernel_args=ARGS."));
        return FALSE;
    }
    if (o->cdrom != NULL) {
        spec->method = MARINA_INSTALL_MEDIA;
        spec->media = cli_absolute_path(o->cdrom);
    } else if (o->location != NULL) {
        spec->method = MARINA_INSTALL_LOCATION;
        spec->location = g_strdup(o->location);
        spec->cmdline = g_strdup(o->extra_args);
    } else if (o->pxe) {
        spec->method = MARINA_INSTALL_PXE;
    } else if (o->import) {
        spec->method = MARINA_INSTALL_IMPORT;
    } else if (o->boot != NULL) {
        return parse_boot(ctx, o->boot, spec, status);
    } else {
        spec->method = MARINA_INSTALL_MANUAL;
    }
    return TRUE;
}

/* Ask the daemon what the media or tree is, for a default --os-variant. */
static const MarinaOsInfo *
detect_os(CliContext *ctx, MarinaOsCatalog *catalog, MarinaInstallSpec *spec)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) info = NULL;
    g_autoptr(GAsyncResult) r = NULL;
    MarinaHost *host;

    if (spec->method != MARINA_INSTALL_MEDIA && spec->method != MARINA_INSTALL_LOCATION)
        return NULL;
    if ((host = cli_host(ctx, &error)) == NULL)
        return NULL;
    if (spec->method == MARINA_INSTALL_MEDIA) {
        marina_host_inspect_media_async(host, spec->media, NULL, marina_sync_wait_ready,
                                        cli_slot(&r));
        info = marina_host_inspect_media_finish(host, cli_wait(&r), &error);
    } else {
        marina_host_inspect_install_tree_async(host, spec->location, NULL, marina_sync_wait_ready,
                                               cli_slot(&r));
        info = marina_host_inspect_install_tree_finish(host, cli_wait(&r), &error);
    }
    if (info == NULL) {
        g_debug("inspecting the install source: %s", error->message);
        return NULL;
    }
    return spec->method == MARINA_INSTALL_MEDIA ? marina_os_catalog_identify_media(catalog, info)
                                                : marina_os_catalog_identify_tree(catalog, info);
}

static gboolean
apply_os_variant(CliContext *ctx, InstallOptions *o, MarinaInstallSpec *spec,
                 MarinaOsCatalog *catalog, const MarinaOsInfo **out, int *status)
{
    const MarinaOsInfo *info = NULL;

    if (o->os_variant != NULL) {
        info = marina_os_catalog_lookup(catalog, o->os_variant);
        if (info == NULL) {
            g_autofree char *close = suggest_os(catalog, o->os_variant);
            if (*close != '\0')
                *status = cli_usage_error(ctx,
                                          _("--os-variant '%s' is not known. Did you mean: "
                                            "%s? ('--os-variant list' shows them all.)"),
                                          o->os_variant, close);
            else
                *status = cli_usage_error(ctx,
                                          _("--os-variant '%s' is not known; "
                                            "'--os-variant list' shows the known ones, "
                                            "'generic' fits any."),
                                          o->os_variant);
            return FALSE;
        }
    } else {
        info = detect_os(ctx, catalog, spec);
        if (info != NULL)
            fprintf(stderr, _("Detected the operating system: %s (--os-variant %s)\n"), info->name,
                    info->short_id);
        else
            info = marina_os_catalog_lookup(catalog, "generic");
    }
    spec->os_variant = g_strdup(info->short_id);
    spec->virtio = info->virtio;
    *out = info;
    return TRUE;
}

static gboolean
build_spec(CliContext *ctx, InstallOptions *o, MarinaInstallSpec *spec, MarinaOsCatalog *catalog,
           int *status)
{
    const MarinaOsInfo *os = NULL;
    gboolean disk_none = FALSE;
    guint64 value;

    if (o->name == NULL) {
        *status = cli_usage_error(ctx, _("--name is required: the new guest's name."));
        return FALSE;
    }
    spec->name = g_strdup(o->name);
    if (!choose_method(ctx, o, spec, status) ||
        !apply_os_variant(ctx, o, spec, catalog, &os, status))
        return FALSE;
    spec->memory_mib = os->memory_mib;
    spec->vcpus = os->vcpus;
    if (o->memory != NULL) {
        if (!parse_count(ctx, "--memory", o->memory, 1, G_GUINT64_CONSTANT(16) << 20, &value,
                         status))
            return FALSE;
        spec->memory_mib = value;
    }
    if (o->vcpus != NULL) {
        if (!parse_count(ctx, "--vcpus", o->vcpus, 1, 255, &value, status))
            return FALSE;
        spec->vcpus = (guint)value;
    }
    for (guint i = 0; o->disks != NULL && o->disks[i] != NULL; i++) {
        gboolean none;
        MarinaInstallDisk *disk = parse_disk(ctx, o->disks[i], &none, status);

        if (none) {
            disk_none = TRUE;
            continue;
        }
        if (disk == NULL)
            return FALSE;
        if (disk->kind == MARINA_INSTALL_DISK_NEW && disk->size == 0)
            disk->size = os->disk_bytes;
        g_ptr_array_add(spec->disks, disk);
    }
    if (disk_none && spec->disks->len > 0) {
        *status = cli_usage_error(ctx, _("--disk none means no disk; leave it out to give "
                                         "disks."));
        return FALSE;
    }
    if (spec->disks->len == 0 && !disk_none && spec->method != MARINA_INSTALL_KERNEL) {
        *status = cli_usage_error(ctx, _("Give the guest a disk: --disk pool=default,size=GiB "
                                         "(a new volume), --disk path=PATH (an existing image), "
                                         "or --disk none."));
        return FALSE;
    }
    if (spec->method == MARINA_INSTALL_IMPORT &&
        (spec->disks->len == 0 ||
         ((MarinaInstallDisk *)spec->disks->pdata[0])->kind != MARINA_INSTALL_DISK_EXISTING)) {
        *status = cli_usage_error(ctx, _("--import boots an existing image: give it first as "
                                         "--disk path=PATH."));
        return FALSE;
    }
    if (o->network != NULL) {
        g_autoptr(GError) error = NULL;
        if (!marina_install_parse_network(o->network, NULL, NULL, &error)) {
            *status = cli_usage_error(ctx, "--network: %s", error->message);
            return FALSE;
        }
        spec->network = g_strdup(o->network);
    }
    if (os->min_memory_mib > 0 && spec->memory_mib < os->min_memory_mib)
        fprintf(stderr,
                _("warning: %s needs at least %" PRIu64 " MiB of memory; --memory "
                  "is %" PRIu64 " MiB.\n"),
                os->name, os->min_memory_mib, spec->memory_mib);
    return TRUE;
}

/* ---------------------------------------------------------------------------------------------
 * --print-xml: the definition, with where new volumes would go, making nothing.
 */

static gboolean
fill_planned_paths(CliContext *ctx, MarinaInstallSpec *spec, GError **error)
{
    MarinaHost *host = cli_host(ctx, error);

    if (host == NULL)
        return FALSE;
    for (guint i = 0; i < spec->disks->len; i++) {
        MarinaInstallDisk *disk = spec->disks->pdata[i];
        g_autoptr(MarinaPool) pool = NULL;
        g_autoptr(MarinaPoolInfo) info = NULL;
        g_autoptr(GAsyncResult) r = NULL;
        g_autofree char *volume = NULL;

        if (disk->kind != MARINA_INSTALL_DISK_NEW)
            continue;
        marina_host_lookup_pool_async(host, disk->pool, NULL, marina_sync_wait_ready, cli_slot(&r));
        if ((pool = marina_host_lookup_pool_finish(host, cli_wait(&r), NULL)) == NULL) {
            g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                        _("There is no storage pool '%s'. Choose one of the pools (marinactl "
                          "pool-list) or define it first."),
                        disk->pool);
            return FALSE;
        }
        marina_pool_get_info_async(pool, NULL, marina_sync_wait_ready, cli_slot(&r));
        if ((info = marina_pool_get_info_finish(pool, cli_wait(&r), error)) == NULL)
            return FALSE;
        volume = marina_install_disk_volume_name(spec, i);
        if (*info->path == '/')
            disk->path = g_build_filename(info->path, volume, NULL);
        else
            disk->path = g_build_filename("/", disk->pool, volume, NULL);
    }
    return TRUE;
}

static int
print_xml(CliContext *ctx, MarinaInstallSpec *spec)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaDomainConfig) config = NULL;
    g_autofree char *xml = NULL;

    if (!marina_install_spec_validate(spec, &error) || !fill_planned_paths(ctx, spec, &error) ||
        (config = marina_install_spec_to_config(spec, &error)) == NULL)
        return cli_report_error(error);
    xml = marina_domain_config_to_xml(config);
    fputs(xml, stdout);
    fflush(stdout);
    return CLI_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Running the installer
 */

typedef struct {
    GMainLoop *loop;
    GCancellable *cancellable;
    char *path;
    GError *error;
    char *last_message;
    gboolean tty;
    gboolean on_line; /* a "\r...%" line is open on stderr */
} InstallRun;

static void
on_progress(MarinaInstaller *installer, int step, const char *message, double fraction,
            InstallRun *run)
{
    gboolean same = g_strcmp0(message, run->last_message) == 0;

    if (same && (fraction < 0 || !run->tty))
        return;
    if (!same) {
        if (run->on_line)
            fputc('\n', stderr);
        run->on_line = FALSE;
        g_free(run->last_message);
        run->last_message = g_strdup(message);
    }
    if (run->tty && fraction >= 0 && fraction < 1) {
        fprintf(stderr, "\r%s: %3d%%", message, (int)(fraction * 100));
        run->on_line = TRUE;
    } else if (!same) {
        /* "..." while it goes on; the last message (fraction 1) says it is done. */
        fprintf(stderr, fraction >= 1 ? "%s\n" : "%s...\n", message);
    }
    fflush(stderr);
}

static void
on_run_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
    InstallRun *run = user_data;

    run->path = marina_installer_run_finish(MARINA_INSTALLER(source), result, &run->error);
    g_main_loop_quit(run->loop);
}

static gboolean
on_interrupt(gpointer user_data)
{
    InstallRun *run = user_data;

    if (!g_cancellable_is_cancelled(run->cancellable)) {
        fprintf(stderr, _("\nCancelling; removing what was made...\n"));
        g_cancellable_cancel(run->cancellable);
    }
    return G_SOURCE_CONTINUE;
}

static int
run_install(CliContext *ctx, MarinaInstallSpec *spec, gboolean *started)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaInstaller) installer = NULL;
    MarinaConnection *connection = cli_connect(ctx, &error);
    InstallRun run = {0};
    gboolean manual = spec->method == MARINA_INSTALL_MANUAL;
    guint int_id, term_id;
    int status = CLI_OK;

    *started = FALSE;
    if (connection == NULL) {
        marina_install_spec_free(spec);
        return cli_report_error(error);
    }
    installer = marina_installer_new(connection, spec);
    run.loop = g_main_loop_new(NULL, FALSE);
    run.cancellable = g_cancellable_new();
    run.tty = isatty(fileno(stderr));
    g_signal_connect(installer, "progress", G_CALLBACK(on_progress), &run);
    int_id = g_unix_signal_add(SIGINT, on_interrupt, &run);
    term_id = g_unix_signal_add(SIGTERM, on_interrupt, &run);
    marina_installer_run_async(installer, FALSE, run.cancellable, on_run_done, &run);
    g_main_loop_run(run.loop);
    g_source_remove(int_id);
    g_source_remove(term_id);
    if (run.on_line)
        fputc('\n', stderr);
    if (run.path == NULL) {
        status = cli_report_error(run.error);
    } else if (manual) {
        cli_print(_("Guest %s defined. Start it with: marinactl start %s"), spec->name, spec->name);
    } else {
        *started = TRUE;
    }
    g_clear_error(&run.error);
    g_free(run.path);
    g_free(run.last_message);
    g_object_unref(run.cancellable);
    g_main_loop_unref(run.loop);
    return status;
}

static int
attach_console(CliContext *ctx, const char *name)
{
    const CliCommand *console = &cli_console_commands[0];
    const CliCommand *self = ctx->command;
    char *argv[] = {(char *)console->name, (char *)name, NULL};
    int status;

    /* The same console as `marinactl console NAME`. */
    ctx->command = console;
    status = console->handler(ctx, 2, argv);
    ctx->command = self;
    return status;
}

int
cli_install_main(CliContext *ctx, int argc, char **argv)
{
    g_auto(InstallOptions) o = {0};
    const GOptionEntry entries[] = {
        {"name", 'n', 0, G_OPTION_ARG_STRING, &o.name, N_("The new guest's name"), N_("NAME")},
        {"memory", 0, 0, G_OPTION_ARG_STRING, &o.memory,
         N_("Memory in MiB (default: what the OS recommends)"), N_("MiB")},
        {"vcpus", 0, 0, G_OPTION_ARG_STRING, &o.vcpus, N_("Virtual CPUs (default: the OS's)"),
         N_("N")},
        {"disk", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o.disks,
         N_("pool=NAME,size=GiB[,format=qcow2|raw][,sparse=yes|no] | path=PATH[,format=] | none "
            "(repeat for more disks)"),
         N_("DISK")},
        {"cdrom", 'c', 0, G_OPTION_ARG_STRING, &o.cdrom, N_("Install from an ISO image"),
         N_("PATH")},
        {"location", 'l', 0, G_OPTION_ARG_STRING, &o.location,
         N_("Install from a network install tree (http, https, ftp)"), N_("URL")},
        {"extra-args", 'x', 0, G_OPTION_ARG_STRING, &o.extra_args,
         N_("Kernel arguments for a --location install"), N_("ARGS")},
        {"pxe", 0, 0, G_OPTION_ARG_NONE, &o.pxe, N_("Install by booting from the network"), NULL},
        {"import", 0, 0, G_OPTION_ARG_NONE, &o.import,
         N_("Boot the first --disk as it is; no install"), NULL},
        {"boot", 0, 0, G_OPTION_ARG_STRING, &o.boot,
         N_("Direct kernel boot: kernel=PATH,initrd=PATH,kernel_args=ARGS"), N_("OPTS")},
        {"no-install", 0, 0, G_OPTION_ARG_NONE, &o.no_install,
         N_("Only define the guest; install later"), NULL},
        {"os-variant", 0, 0, G_OPTION_ARG_STRING, &o.os_variant,
         N_("The OS, as a libosinfo short id (debian11, fedora36, generic); 'list' lists them"),
         N_("ID")},
        {"network", 'w', 0, G_OPTION_ARG_STRING, &o.network,
         N_("user (default), network=NAME, bridge=NAME or none"), N_("NET")},
        {"noautoconsole", 0, 0, G_OPTION_ARG_NONE, &o.noautoconsole,
         N_("Do not attach to the serial console after starting"), NULL},
        {"print-xml", 0, 0, G_OPTION_ARG_NONE, &o.print_xml,
         N_("Print the guest's definition; make nothing"), NULL},
        G_OPTION_ENTRY_NULL,
    };
    g_auto(GStrv) args = NULL;
    g_autoptr(MarinaOsCatalog) catalog = NULL;
    g_autoptr(MarinaInstallSpec) spec = marina_install_spec_new();
    g_autofree char *name = NULL;
    gboolean started = FALSE;
    int status;

    if (!cli_parse(ctx, entries, argc, argv, 0, 0, &args, &status))
        return status;
    if (g_strcmp0(o.os_variant, "list") == 0)
        return print_os_list();
    if ((catalog = load_catalog()) == NULL)
        return CLI_FAILED;
    if (!build_spec(ctx, &o, spec, catalog, &status))
        return status;
    if (o.print_xml)
        return print_xml(ctx, spec);
    {
        g_autoptr(GError) error = NULL;
        if (!marina_install_spec_validate(spec, &error))
            return cli_report_error(error);
    }
    name = g_strdup(spec->name);
    /* The installer owns the spec from here. */
    status = run_install(ctx, g_steal_pointer(&spec), &started);
    if (status != CLI_OK || !started)
        return status;
    if (o.noautoconsole) {
        g_autofree char *connect =
            ctx->uri != NULL ? g_strdup_printf(" -c %s", ctx->uri) : g_strdup("");
        cli_print(_("Guest %s is running. Connect to its serial console with: marinactl%s "
                    "console %s"),
                  name, connect, name);
        return CLI_OK;
    }
    return attach_console(ctx, name);
}
