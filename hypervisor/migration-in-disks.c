#define G_LOG_DOMAIN "marinad-migration"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "core/error.h"
#include "migration-in-private.h"

/*
 * The disks of an incoming migration with copy-storage: the volumes made
 * for it in this host's pools (written down until the migration ends, so a
 * daemon that died meanwhile removes them when it starts again), and for a
 * shut-off guest a qemu-nbd serving each new volume to its stream.
 */

static MarinaDiskConfig *def_disk(MarinaDomainConfig *def, const char *target);

void
marina_migration_in_stop_exporters(Incoming *in)
{
    for (guint i = 0; in->exporters != NULL && i < in->exporters->len; i++) {
        g_autofree char *path = marina_migration_in_nbd_socket(in, i + 1);
        g_subprocess_force_exit(in->exporters->pdata[i]);
        g_unlink(path);
    }
    g_clear_pointer(&in->exporters, g_ptr_array_unref);
}

/* The volumes made for a migration are written down until it ends, so a
 * daemon that died meanwhile removes them when it starts again. */
static char *
record_path(const MarinaDaemonConfig *config, const char *token)
{
    return g_strdup_printf("%s/migrations/%s.volumes", config->runtime_dir, token);
}

void
marina_migration_in_record_volumes(Incoming *in)
{
    g_autofree char *path = record_path(in->methods->config, in->token);
    g_autofree char *dir = g_path_get_dirname(path);
    g_autoptr(GString) text = g_string_new(NULL);
    g_autoptr(GError) error = NULL;

    if (in->created == NULL || in->created->len == 0) {
        g_unlink(path);
        return;
    }
    for (guint i = 0; i < in->created->len; i++)
        g_string_append_printf(text, "%s\n", (char *)in->created->pdata[i]);
    if (g_mkdir_with_parents(dir, 0700) != 0 ||
        !g_file_set_contents(path, text->str, (gssize)text->len, &error))
        g_warning("Cannot write down the volumes of a migration in %s: %s", path,
                  error ? error->message : g_strerror(errno));
}

/* NBD sockets of migrations that ended with the daemon. */
static void
remove_nbd_sockets(const MarinaDaemonConfig *config)
{
    g_autoptr(GDir) d = g_dir_open(config->runtime_dir, 0, NULL);
    const char *name;

    while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
        g_autofree char *path = NULL;

        if (!g_str_has_prefix(name, "migration-") || !g_str_has_suffix(name, ".nbd"))
            continue;
        path = g_build_filename(config->runtime_dir, name, NULL);
        g_unlink(path);
    }
}

void
marina_migration_in_cleanup(const MarinaDaemonConfig *config)
{
    g_autofree char *dir = g_build_filename(config->runtime_dir, "migrations", NULL);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;

    remove_nbd_sockets(config);
    while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
        g_autofree char *path = g_build_filename(dir, name, NULL);
        g_autofree char *text = NULL;
        g_auto(GStrv) lines = NULL;

        if (!g_str_has_suffix(name, ".volumes") || !g_file_get_contents(path, &text, NULL, NULL))
            continue;
        lines = g_strsplit(text, "\n", -1);
        for (guint i = 0; lines[i] != NULL; i++) {
            if (!g_path_is_absolute(lines[i]) || !g_file_test(lines[i], G_FILE_TEST_IS_REGULAR))
                continue;
            g_info("Removing %s: the migration it was made for ended with the daemon", lines[i]);
            g_unlink(lines[i]);
        }
        g_unlink(path);
    }
}

void
marina_migration_in_remove_volumes(Incoming *in)
{
    for (guint i = 0; in->created != NULL && i < in->created->len; i++) {
        const char *path = in->created->pdata[i];
        if (g_unlink(path) != 0 && errno != ENOENT)
            g_warning("Cannot remove %s after the migration failed: %s", path, g_strerror(errno));
        else
            g_info("Removed %s (the migration did not complete)", path);
    }
    if (in->created != NULL)
        g_ptr_array_set_size(in->created, 0);
    marina_migration_in_record_volumes(in);
}

static gboolean
on_sockets_poll(gpointer data)
{
    Incoming *in = data;
    guint ready = 0;

    for (guint i = 0; i < in->exporters->len; i++) {
        g_autofree char *path = marina_migration_in_nbd_socket(in, i + 1);
        ready += g_file_test(path, G_FILE_TEST_EXISTS);
    }
    /* Five seconds at most: qemu-nbd makes its socket at once. */
    if (ready < in->exporters->len && !in->aborted && ++in->socket_polls < 250)
        return G_SOURCE_CONTINUE;
    in->sockets_wait = 0;
    if (!marina_migration_in_prepare_goes_on(in))
        return G_SOURCE_REMOVE;
    if (ready < in->exporters->len) {
        marina_migration_in_prepare_failed(
            in, g_error_new(MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                            _("Cannot export the new volumes for the copy: qemu-nbd "
                              "did not start")));
        return G_SOURCE_REMOVE;
    }
    marina_migration_in_open_listener(in);
    return G_SOURCE_REMOVE;
}

void
marina_migration_in_start_exporters(Incoming *in)
{
    GError *error = NULL;

    in->exporters = g_ptr_array_new_with_free_func(g_object_unref);
    for (guint i = 0; i < in->disks->len; i++) {
        const MarinaMigrationDisk *disk = &g_array_index(in->disks, MarinaMigrationDisk, i);
        MarinaDiskConfig *d = def_disk(in->def, disk->target);
        g_autofree char *path = marina_migration_in_nbd_socket(in, i + 1);
        g_autofree char *name = g_strdup_printf("drive-%s", disk->target);
        GSubprocess *proc;

        g_unlink(path);
        /* One client (the source's stream); it exits when that ends. */
        proc = g_subprocess_new(
            G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error,
            "qemu-nbd", "-f", disk->format, "-x", name, "-k", path, d->source, NULL);
        if (proc == NULL) {
            marina_migration_in_prepare_failed(in, error);
            return;
        }
        g_ptr_array_add(in->exporters, proc);
    }
    in->sockets_wait = g_timeout_add(20, on_sockets_poll, in);
}

typedef struct {
    Incoming *in;
    guint next;
} VolumeMaking;

static void make_next_volume(VolumeMaking *vmk);

static void
on_volume_made(GObject *source, GAsyncResult *result, gpointer data)
{
    VolumeMaking *vmk = data;
    Incoming *in = vmk->in;
    g_autoptr(GError) error = NULL;

    if (!g_subprocess_wait_check_finish(G_SUBPROCESS(source), result, &error)) {
        g_free(vmk);
        marina_migration_in_refuse(
            in, g_error_new(MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                            _("Cannot migrate '%s' to %s: the volume %s could not be "
                              "created (%s)."),
                            in->def->name, marina_migration_this_host(),
                            (char *)in->created->pdata[in->created->len - 1], error->message));
        return;
    }
    marina_migration_in_record_volumes(in);
    make_next_volume(vmk);
}

static MarinaDiskConfig *
def_disk(MarinaDomainConfig *def, const char *target)
{
    for (guint i = 0; i < def->disks->len; i++) {
        MarinaDiskConfig *d = def->disks->pdata[i];
        if (g_strcmp0(d->target_dev, target) == 0)
            return d;
    }
    return NULL;
}

static void
make_next_volume(VolumeMaking *vmk)
{
    Incoming *in = vmk->in;
    MarinaMigrationCheck check = {
        .config = in->methods->config,
        .guests = in->methods->context->registry,
        .def = in->def,
        .params = &in->params,
        .disks = in->disks,
        .host_name = marina_migration_this_host(),
        .find_pool = in->methods->find_pool,
        .find_pool_data = in->methods->find_pool_data,
    };
    const MarinaMigrationDisk *disk;
    g_autofree char *dir = NULL;
    g_autofree char *pool = NULL;
    g_autofree char *name = NULL;
    g_autofree char *path = NULL;
    g_autofree char *size = NULL;
    g_autoptr(GSubprocess) proc = NULL;
    MarinaDiskConfig *d;
    GError *error = NULL;

    if (vmk->next == in->disks->len) {
        g_free(vmk);
        marina_migration_in_create_guest(in);
        return;
    }
    disk = &g_array_index(in->disks, MarinaMigrationDisk, vmk->next++);
    d = def_disk(in->def, disk->target);
    pool = marina_migration_check_pick_pool(&check, disk, &dir, &error);
    if (pool != NULL && d == NULL)
        error = g_error_new(MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                            _("Migration info names disk %s, which the guest does not have."),
                            disk->target);
    if (error == NULL) {
        name = *disk->volume ? g_strdup(disk->volume) : g_path_get_basename(disk->path);
        path = g_build_filename(dir, name, NULL);
        if (g_file_test(path, G_FILE_TEST_EXISTS))
            error = g_error_new(MARINA_ERROR, MARINA_ERROR_ALREADY_EXISTS,
                                _("Cannot migrate '%s' to %s: a volume named '%s' is already "
                                  "in pool '%s' there. Remove or rename it there first."),
                                in->def->name, marina_migration_this_host(), name, pool);
    }
    if (error == NULL) {
        size = g_strdup_printf("%" G_GUINT64_FORMAT, disk->capacity);
        proc = g_subprocess_new(G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                                &error, "qemu-img", "create", "-q", "-f", disk->format, path, size,
                                NULL);
    }
    if (proc == NULL) {
        g_free(vmk);
        marina_migration_in_refuse(in, error);
        return;
    }
    g_ptr_array_add(in->created, g_strdup(path));
    g_free(d->source);
    d->source = g_strdup(path);
    g_subprocess_wait_check_async(proc, NULL, on_volume_made, vmk);
}

static void
on_exporter_exited(GObject *source, GAsyncResult *result, gpointer data)
{
    g_autofree char *token = data;
    GSubprocess *proc = G_SUBPROCESS(source);
    MarinaMigrationMethods *methods = g_object_get_data(source, "marina-methods");
    MarinaMigration *m = marina_migration_registry_lookup(methods->migrations, TRUE, token);
    Incoming *in = m ? m->data : NULL;
    g_autoptr(GError) error = NULL;

    if (!g_subprocess_wait_check_finish(proc, result, &error) && in != NULL)
        in->exit_failed = TRUE;
    if (in == NULL || --in->exits_pending > 0)
        return;
    if (in->exit_failed) {
        marina_migration_in_finish_failed(
            in, g_error_new(MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                            _("Writing the copied disks of '%s' failed here."), in->def->name));
        return;
    }
    g_clear_pointer(&in->exporters, g_ptr_array_unref);
    marina_migration_in_finish_done(in);
}

/* Offline copy: every disk came, and each qemu-nbd exits once its stream
 * ends (with the source's copy complete). */
void
marina_migration_in_wait_exporters(Incoming *in)
{
    for (guint i = 0; i < in->n_streams; i++) {
        if (!in->connected[i]) {
            marina_migration_in_finish_failed(
                in, g_error_new(MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                                _("The disks of '%s' never arrived: %s did not send "
                                  "them. Nothing of them was kept here."),
                                in->def->name, marina_migration_in_source_name(in)));
            return;
        }
    }
    in->exits_pending = in->exporters->len;
    for (guint i = 0; i < in->exporters->len; i++) {
        GObject *proc = in->exporters->pdata[i];
        g_object_set_data(proc, "marina-methods", in->methods);
        g_subprocess_wait_check_async(G_SUBPROCESS(proc), NULL, on_exporter_exited,
                                      g_strdup(in->token));
    }
}

/* Copy mode: each disk's volume in turn, then the guest. */
void
marina_migration_in_make_volumes(Incoming *in)
{
    VolumeMaking *vmk = g_new0(VolumeMaking, 1);

    vmk->in = in;
    if (!in->params.copy_storage)
        vmk->next = in->disks->len;
    in->created = g_ptr_array_new_with_free_func(g_free);
    make_next_volume(vmk);
}
