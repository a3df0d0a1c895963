/* The dir backend: a directory of image files, which qemu-img writes. fs and
 * netfs pools keep their volumes the same way (marina_dir_volumes). */
#define G_LOG_DOMAIN "marinad-storage"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "core/error.h"
#include "qemu-img.h"
#include "storage-pool.h"

static const MarinaPoolConfig *
config_of(MarinaStoragePool *pool)
{
    return marina_storage_pool_get_config(pool);
}

/* ---------------------------------------------------------------------- */
/* The pool                                                               */

gboolean
marina_dir_backend_make_target(MarinaStoragePool *pool, GError **error)
{
    const char *dir = config_of(pool)->target_path;

    if (g_mkdir_with_parents(dir, 0711) != 0) {
        int err = errno;
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                    _("Pool '%s': cannot create the directory %s: %s. Check the path and its "
                      "permissions."),
                    config_of(pool)->name, dir, g_strerror(err));
        return FALSE;
    }
    return TRUE;
}

/* Jobs write ".NAME.part" and rename it when complete: a volume name cannot
 * start with '.', so a half-written file is never listed, and one a dead
 * daemon left behind is swept when the pool starts. */
static char *
part_path(MarinaStoragePool *pool, const char *name)
{
    g_autofree char *file = g_strdup_printf(".%s.part", name);

    return g_build_filename(config_of(pool)->target_path, file, NULL);
}

void
marina_dir_backend_sweep(MarinaStoragePool *pool)
{
    const char *target = config_of(pool)->target_path;
    g_autoptr(GDir) dir = g_dir_open(target, 0, NULL);
    const char *name;

    while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
        g_autofree char *path = NULL;
        if (name[0] != '.' || !g_str_has_suffix(name, ".part"))
            continue;
        path = g_build_filename(target, name, NULL);
        g_debug("removing the leftover %s", path);
        g_unlink(path);
    }
}

static void
dir_start(MarinaStoragePool *pool, MarinaStorageDone done, gpointer data)
{
    g_autoptr(GError) error = NULL;

    if (marina_dir_backend_make_target(pool, &error))
        marina_dir_backend_sweep(pool);
    done(pool, error, data);
}

static void
dir_stop(MarinaStoragePool *pool, MarinaStorageDone done, gpointer data)
{
    done(pool, NULL, data);
}

gboolean
marina_dir_backend_refresh(MarinaStoragePool *pool, guint64 *capacity, guint64 *allocation,
                           guint64 *available, GError **error)
{
    const MarinaPoolConfig *c = config_of(pool);
    struct statvfs st;

    if (statvfs(c->target_path, &st) != 0) {
        int err = errno;
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                    _("Pool '%s': cannot read the file system of %s: %s."), c->name, c->target_path,
                    g_strerror(err));
        return FALSE;
    }
    *capacity = (guint64)st.f_blocks * st.f_frsize;
    *available = (guint64)st.f_bavail * st.f_frsize;
    *allocation = *capacity - (guint64)st.f_bfree * st.f_frsize;
    return TRUE;
}

/* ---------------------------------------------------------------------- */
/* Volume files                                                           */

/* Format and virtual size from the file's header (qcow2 or raw): a small
 * local read, so listing a pool does not spawn qemu-img per volume. */
static gboolean
sniff(const char *path, MarinaVolumeStat *out)
{
    guchar header[32];
    GStatBuf st;
    FILE *f;
    gsize n;

    if (g_lstat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return FALSE;
    out->allocation = (guint64)st.st_blocks * 512;
    out->capacity = st.st_size;
    out->format = "raw";
    if ((f = g_fopen(path, "rb")) == NULL)
        return TRUE;
    n = fread(header, 1, sizeof header, f);
    fclose(f);
    if (n == sizeof header && memcmp(header, "QFI\xfb", 4) == 0) {
        guint64 size = 0;
        for (int i = 0; i < 8; i++)
            size = (size << 8) | header[24 + i];
        out->format = "qcow2";
        out->capacity = size;
    }
    return TRUE;
}

static char **
dir_list(MarinaStoragePool *pool)
{
    const char *target = config_of(pool)->target_path;
    g_autoptr(GDir) dir = g_dir_open(target, 0, NULL);
    GPtrArray *names = g_ptr_array_new();
    const char *name;

    while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
        g_autofree char *path = g_build_filename(target, name, NULL);
        GStatBuf st;

        /* Only regular files are volumes; symlinks could point anywhere. */
        if (g_lstat(path, &st) != 0 || !S_ISREG(st.st_mode) ||
            !marina_storage_name_is_valid(name, "volume", NULL) ||
            marina_storage_pool_is_busy(pool, name))
            continue;
        g_ptr_array_add(names, g_strdup(name));
    }
    g_ptr_array_add(names, NULL);
    return (char **)g_ptr_array_free(names, FALSE);
}

static gboolean
dir_has(MarinaStoragePool *pool, const char *name)
{
    g_autofree char *path = marina_storage_pool_volume_path(pool, name);

    return g_file_test(path, G_FILE_TEST_IS_REGULAR);
}

static gboolean
dir_name_taken(MarinaStoragePool *pool, const char *name)
{
    g_autofree char *path = marina_storage_pool_volume_path(pool, name);

    return g_file_test(path, G_FILE_TEST_EXISTS);
}

static gboolean
dir_stat(MarinaStoragePool *pool, const char *name, MarinaVolumeStat *out)
{
    g_autofree char *path = marina_storage_pool_volume_path(pool, name);

    return sniff(path, out);
}

static gboolean
dir_prepare(MarinaStoragePool *pool, MarinaVolumeConfig *c, guint64 *job_total, GError **error)
{
    g_autofree char *path = marina_storage_pool_volume_path(pool, c->name);
    const MarinaPoolConfig *pc = config_of(pool);
    const char *prealloc;

    if (c->path != NULL && !g_str_equal(c->path, path)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                    _("Volume '%s': <target><path> must be %s, the pool's directory and the "
                      "volume's name; or leave it out."),
                    c->name, path);
        return FALSE;
    }
    if (c->format == NULL)
        c->format = g_strdup("qcow2");
    marina_storage_pool_refresh_sizes(pool);
    prealloc = marina_qemu_img_preallocation(c);
    if (prealloc != NULL && c->allocation > pc->available) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("Pool '%s' has %" PRIu64 " bytes free; volume '%s' needs %" PRIu64
                      ". Make it sparse or smaller."),
                    pc->name, pc->available, c->name, c->allocation);
        return FALSE;
    }
    if (c->backing_path != NULL) {
        MarinaVolumeStat backing;
        if (!sniff(c->backing_path, &backing)) {
            g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                        _("Volume '%s': the backing volume %s does not exist or is not a "
                          "regular file."),
                        c->name, c->backing_path);
            return FALSE;
        }
        if (c->backing_format == NULL)
            c->backing_format = g_strdup(backing.format);
    }
    g_free(c->path);
    c->path = g_steal_pointer(&path);
    *job_total = prealloc != NULL ? c->allocation : 0;
    return TRUE;
}

/* A job writing a new volume file (create, clone). */
typedef struct {
    MarinaStoragePool *pool;
    char *name;
    char *path;
    char *part; /* what qemu-img writes, renamed to path when complete */
    MarinaJob *job;
    MarinaStorageDone done;
    gpointer data;
} WriteOp;

static WriteOp *
write_op_new(MarinaStoragePool *pool, const char *name, MarinaJob *job, MarinaStorageDone done,
             gpointer data)
{
    WriteOp *op = g_new0(WriteOp, 1);

    op->pool = pool;
    op->name = g_strdup(name);
    op->path = marina_storage_pool_volume_path(pool, name);
    op->part = part_path(pool, name);
    op->job = g_object_ref(job);
    op->done = done;
    op->data = data;
    return op;
}

/* The file is complete and in place, or removed. */
static void
on_written(gboolean ok, const char *output, gpointer data)
{
    WriteOp *op = data;
    gboolean cancelled = g_cancellable_is_cancelled(marina_job_get_cancellable(op->job));
    g_autoptr(GError) error = NULL;

    if (!ok || cancelled || g_rename(op->part, op->path) != 0) {
        /* Never leave half a volume behind. */
        if (ok && !cancelled)
            output = g_strerror(errno);
        g_unlink(op->part);
        g_debug("qemu-img for %s: %s", op->path, output);
        if (cancelled)
            error = g_error_new(G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                _("Writing volume '%s' was cancelled; the partial file was "
                                  "removed."),
                                op->name);
        else
            error = g_error_new(MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                                _("Volume '%s' could not be written: %s"), op->name,
                                marina_storage_command_last_line(output));
    }
    op->done(op->pool, error, op->data);
    g_object_unref(op->job);
    g_free(op->name);
    g_free(op->path);
    g_free(op->part);
    g_free(op);
}

static void
dir_create(MarinaStoragePool *pool, const MarinaVolumeConfig *c, MarinaJob *job,
           MarinaStorageDone done, gpointer data)
{
    WriteOp *op = write_op_new(pool, c->name, job, done, data);
    g_auto(GStrv) argv = marina_qemu_img_create_argv(c, op->part);
    /* Preallocation takes a while: its progress is the file's growth. */
    gboolean watch = marina_qemu_img_preallocation(c) != NULL;

    marina_storage_command_run((const char *const *)argv, job, 0, watch ? op->part : NULL,
                               on_written, op);
}

static void
dir_clone(MarinaStoragePool *pool, const char *source, const char *name, guint64 capacity,
          MarinaJob *job, MarinaStorageDone done, gpointer data)
{
    g_autofree char *source_path = marina_storage_pool_volume_path(pool, source);
    WriteOp *op = write_op_new(pool, name, job, done, data);
    MarinaVolumeStat stat = {.format = "raw"};

    sniff(source_path, &stat);
    marina_qemu_img_convert(source_path, op->part, stat.format, stat.format, FALSE, job, capacity,
                            on_written, op);
}

/* GetInfo: qemu-img knows the backing file and the real allocation. */
typedef struct {
    MarinaStoragePool *pool;
    MarinaVolumeInfoDone done;
    gpointer data;
} InfoOp;

static void
on_info(MarinaVolumeConfig *info, const GError *error, gpointer data)
{
    InfoOp *op = data;

    op->done(op->pool, info, error, op->data);
    g_free(op);
}

static void
dir_info(MarinaStoragePool *pool, const char *name, MarinaVolumeInfoDone done, gpointer data)
{
    g_autofree char *path = marina_storage_pool_volume_path(pool, name);
    MarinaVolumeStat stat;
    InfoOp *op;

    if (!sniff(path, &stat)) {
        g_autoptr(GError) error =
            g_error_new(MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                        _("There is no volume '%s' in pool '%s'."), name, config_of(pool)->name);
        done(pool, NULL, error, data);
        return;
    }
    op = g_new0(InfoOp, 1);
    op->pool = pool;
    op->done = done;
    op->data = data;
    /* -f from the header: never let qemu-img probe a raw image's contents. */
    marina_qemu_img_info(name, path, stat.format, on_info, op);
}

static void
dir_remove(MarinaStoragePool *pool, const char *name, MarinaStorageDone done, gpointer data)
{
    g_autofree char *path = marina_storage_pool_volume_path(pool, name);
    g_autoptr(GError) error = NULL;

    if (g_unlink(path) != 0) {
        int err = errno;
        error = g_error_new(MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                            _("Volume '%s': cannot delete %s: %s."), name, path, g_strerror(err));
    }
    done(pool, error, data);
}

typedef struct {
    MarinaStoragePool *pool;
    char *name;
    char *path;
    MarinaStorageDone done;
    gpointer data;
} ResizeOp;

static void
on_resized(gboolean ok, const char *output, gpointer data)
{
    ResizeOp *op = data;
    g_autoptr(GError) error = NULL;

    if (!ok) {
        g_debug("qemu-img resize %s: %s", op->path, output);
        error = g_error_new(MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                            _("Volume '%s' could not be resized: %s"), op->name,
                            marina_storage_command_last_line(output));
    }
    op->done(op->pool, error, op->data);
    g_free(op->name);
    g_free(op->path);
    g_free(op);
}

static void
dir_resize(MarinaStoragePool *pool, const char *name, guint64 capacity, MarinaStorageDone done,
           gpointer data)
{
    ResizeOp *op = g_new0(ResizeOp, 1);
    MarinaVolumeStat stat = {.format = "raw"};

    op->pool = pool;
    op->name = g_strdup(name);
    op->path = marina_storage_pool_volume_path(pool, name);
    op->done = done;
    op->data = data;
    sniff(op->path, &stat);
    marina_qemu_img_resize(op->path, stat.format, capacity, on_resized, op);
}

const MarinaVolumeBackend marina_dir_volumes = {
    .list = dir_list,
    .has = dir_has,
    .name_taken = dir_name_taken,
    .stat = dir_stat,
    .prepare = dir_prepare,
    .create = dir_create,
    .info = dir_info,
    .remove = dir_remove,
    .resize = dir_resize,
    .clone = dir_clone,
};

const MarinaStorageBackend marina_storage_backend_dir = {
    .type = "dir",
    .start = dir_start,
    .stop = dir_stop,
    .refresh = marina_dir_backend_refresh,
    .volumes = &marina_dir_volumes,
};
