/* The logical backend: an LVM volume group, its logical volumes the pool's
 * volumes. LVM commands report in JSON; what vgs and lvs said last is kept,
 * so listing answers without running them. */
#define G_LOG_DOMAIN "marinad-storage"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <inttypes.h>
#include <json-glib/json-glib.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "lvm-command.h"
#include "qemu-img.h"
#include "storage-pool.h"

/* What the last vgs and lvs said about the pool's volume group. */
typedef struct {
    GHashTable *lvs; /* logical volume name -> guint64* size in bytes */
    guint64 vg_size;
    guint64 vg_free;
} LvmState;

static void
lvm_state_free(LvmState *state)
{
    g_hash_table_unref(state->lvs);
    g_free(state);
}

static LvmState *
lvm_state(MarinaStoragePool *pool)
{
    LvmState *state = marina_storage_pool_get_backend_data(pool);

    if (state == NULL) {
        state = g_new0(LvmState, 1);
        state->lvs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        marina_storage_pool_set_backend_data(pool, state, (GDestroyNotify)lvm_state_free);
    }
    return state;
}

static const char *
pool_name(MarinaStoragePool *pool)
{
    return marina_storage_pool_get_config(pool)->name;
}

static const char *
vg_name(MarinaStoragePool *pool)
{
    return marina_storage_pool_get_config(pool)->source_name;
}

/* The row of @pool's volume group in a vgs report, or NULL. */
static JsonObject *
find_vg_row(MarinaStoragePool *pool, JsonArray *rows)
{
    for (guint i = 0; i < json_array_get_length(rows); i++) {
        JsonObject *row = marina_lvm_row(rows, i);

        if (row != NULL &&
            g_strcmp0(marina_storage_command_json_string(row, "vg_name"), vg_name(pool)) == 0)
            return row;
    }
    return NULL;
}

/* "VG/LV", how LVM commands name a logical volume. */
static char *
lv_spec(MarinaStoragePool *pool, const char *name)
{
    return g_strdup_printf("%s/%s", vg_name(pool), name);
}

static char *
size_arg(guint64 bytes)
{
    return g_strdup_printf("%" G_GUINT64_FORMAT "B", bytes);
}

/* One pool-level LVM sequence (start, stop, update) and whom it answers. */
typedef struct {
    MarinaStoragePool *pool;
    MarinaStorageDone done;
    gpointer data;
} LvmOp;

static LvmOp *
lvm_op_new(MarinaStoragePool *pool, MarinaStorageDone done, gpointer data)
{
    LvmOp *op = g_new0(LvmOp, 1);

    op->pool = pool;
    op->done = done;
    op->data = data;
    return op;
}

/* Ends @op with an error built from @format, or success when @format is NULL. */
static void lvm_op_end(LvmOp *op, const char *format, ...) G_GNUC_PRINTF(2, 3);

static void
lvm_op_end(LvmOp *op, const char *format, ...)
{
    g_autoptr(GError) error = NULL;

    if (format != NULL) {
        va_list args;
        g_autofree char *message = NULL;
        va_start(args, format);
        message = g_strdup_vprintf(format, args);
        va_end(args);
        error = g_error_new_literal(MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED, message);
    }
    op->done(op->pool, error, op->data);
    g_free(op);
}

/* update: vgs for the sizes, then lvs for the volumes */

static void
on_lvs_listed(gboolean ok, const char *out, const char *err, gpointer data)
{
    LvmOp *op = data;
    MarinaStoragePool *pool = op->pool;
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autofree char *why = NULL;
    JsonArray *rows = marina_lvm_answer_rows(parser, ok, out, err, "lv", &why);

    if (rows == NULL) {
        lvm_op_end(op, _("Pool '%s': cannot list the logical volumes of volume group '%s': %s."),
                   pool_name(pool), vg_name(pool), why);
        return;
    }
    g_hash_table_remove_all(lvm_state(pool)->lvs);
    for (guint i = 0; i < json_array_get_length(rows); i++) {
        JsonObject *row = marina_lvm_row(rows, i);
        const char *name = row != NULL ? marina_storage_command_json_string(row, "lv_name") : NULL;
        guint64 size;

        /* Names Marina could not have made (LVM's own "[lvol0_pmspare]"...)
         * never reach a path or a command line. */
        if (name == NULL || !marina_storage_name_is_valid(name, "volume", NULL) ||
            !marina_lvm_size(row, "lv_size", &size))
            continue;
        g_hash_table_insert(lvm_state(pool)->lvs, g_strdup(name), g_memdup2(&size, sizeof size));
    }
    lvm_op_end(op, NULL);
}

static void
on_vgs_for_update(gboolean ok, const char *out, const char *err, gpointer data)
{
    LvmOp *op = data;
    MarinaStoragePool *pool = op->pool;
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autofree char *why = NULL;
    JsonArray *rows = marina_lvm_answer_rows(parser, ok, out, err, "vg", &why);
    JsonObject *row;
    guint64 size, free_bytes;

    if (rows == NULL) {
        lvm_op_end(op, _("Pool '%s': cannot read the volume group '%s': %s."), pool_name(pool),
                   vg_name(pool), why);
        return;
    }
    row = find_vg_row(pool, rows);
    if (row != NULL && marina_lvm_size(row, "vg_size", &size) &&
        marina_lvm_size(row, "vg_free", &free_bytes) && free_bytes <= size) {
        const char *argv[] = {"lvs", "--reportformat",  "json",        "--units", "b", "--nosuffix",
                              "-o",  "lv_name,lv_size", vg_name(pool), NULL};

        lvm_state(pool)->vg_size = size;
        lvm_state(pool)->vg_free = free_bytes;
        marina_lvm_run(argv, on_lvs_listed, op);
        return;
    }
    lvm_op_end(op,
               _("Pool '%s': the volume group '%s' is not on this host any more (or LVM reports "
                 "it wrongly). Check it with 'vgs %s'."),
               pool_name(pool), vg_name(pool), vg_name(pool));
}

static const char *const vgs_argv[] = {"vgs", "--reportformat", "json", "--units",
                                       "b",   "--nosuffix",     "-o",   "vg_name,vg_size,vg_free",
                                       NULL};

static void
lvm_update(MarinaStoragePool *pool, MarinaStorageDone done, gpointer data)
{
    marina_lvm_run(vgs_argv, on_vgs_for_update, lvm_op_new(pool, done, data));
}

/* start: find or build the volume group, activate it, read it */

static void
on_vg_activated(gboolean ok, const char *out, const char *err, gpointer data)
{
    LvmOp *op = data;
    MarinaStoragePool *pool = op->pool;
    g_autofree char *reason = marina_lvm_reason(err);

    if (!ok) {
        if (marina_lvm_lacks_device_mapper(err))
            lvm_op_end(op,
                       _("Pool '%s': cannot activate the volume group '%s': the kernel has no "
                         "device-mapper support, which its logical volumes need. Load it "
                         "(modprobe dm_mod) and start the pool again."),
                       pool_name(pool), vg_name(pool));
        else
            lvm_op_end(op, _("Pool '%s': cannot activate the volume group '%s': %s."),
                       pool_name(pool), vg_name(pool), reason);
        return;
    }
    marina_lvm_run(vgs_argv, on_vgs_for_update, op);
}

static void
activate_vg(LvmOp *op)
{
    const char *argv[] = {"vgchange", "-ay", vg_name(op->pool), NULL};

    marina_lvm_run(argv, on_vg_activated, op);
}

static char *
devices_text(MarinaStoragePool *pool)
{
    return g_strjoinv(", ", marina_storage_pool_get_config(pool)->source_devices);
}

static void
on_vg_created(gboolean ok, const char *out, const char *err, gpointer data)
{
    LvmOp *op = data;
    MarinaStoragePool *pool = op->pool;
    g_autofree char *reason = marina_lvm_reason(err);
    g_autofree char *devices = devices_text(pool);

    if (!ok) {
        lvm_op_end(op, _("Pool '%s': cannot create the volume group '%s' on %s: %s."),
                   pool_name(pool), vg_name(pool), devices, reason);
        return;
    }
    g_message("Pool '%s': created the volume group '%s' on %s", pool_name(pool), vg_name(pool),
              devices);
    activate_vg(op);
}

static void
on_pvs_created(gboolean ok, const char *out, const char *err, gpointer data)
{
    LvmOp *op = data;
    MarinaStoragePool *pool = op->pool;
    g_autofree char *reason = marina_lvm_reason(err);
    g_autofree char *devices = devices_text(pool);
    g_autoptr(GPtrArray) argv = g_ptr_array_new();

    if (!ok) {
        /* pvcreate never wipes a file system or partition table unasked: a
         * disk that still holds something stays as it was. */
        lvm_op_end(op,
                   _("Pool '%s': cannot make %s an LVM physical volume: %s. If the device holds "
                     "nothing you need, clear it (wipefs -a) and start the pool again."),
                   pool_name(pool), devices, reason);
        return;
    }
    g_ptr_array_add(argv, "vgcreate");
    g_ptr_array_add(argv, (char *)vg_name(pool));
    for (char **d = marina_storage_pool_get_config(pool)->source_devices; *d != NULL; d++)
        g_ptr_array_add(argv, *d);
    g_ptr_array_add(argv, NULL);
    marina_lvm_run((const char *const *)argv->pdata, on_vg_created, op);
}

/* libvirt's pool-build, done when a pool whose volume group does not exist
 * starts: the <device> disks become physical volumes of a new group. */
static void
build_vg(LvmOp *op)
{
    MarinaStoragePool *pool = op->pool;
    g_autoptr(GPtrArray) argv = g_ptr_array_new();

    if (marina_storage_pool_get_config(pool)->source_devices == NULL) {
        lvm_op_end(op,
                   _("Pool '%s': the volume group '%s' does not exist. Give its disks as "
                     "<device path='...'/> in <source> so Marina creates it when the pool "
                     "starts, or create it with vgcreate."),
                   pool_name(pool), vg_name(pool));
        return;
    }
    for (char **d = marina_storage_pool_get_config(pool)->source_devices; *d != NULL; d++) {
        GStatBuf st;
        if (g_stat(*d, &st) != 0) {
            int err = errno;
            lvm_op_end(op,
                       _("Pool '%s': the source device %s does not exist (%s); check <device "
                         "path> in the pool's XML."),
                       pool_name(pool), *d, g_strerror(err));
            return;
        }
        if (!S_ISBLK(st.st_mode)) {
            lvm_op_end(op,
                       _("Pool '%s': %s is not a block device; give a disk or partition, e.g. "
                         "/dev/sdb."),
                       pool_name(pool), *d);
            return;
        }
    }
    g_ptr_array_add(argv, "pvcreate");
    for (char **d = marina_storage_pool_get_config(pool)->source_devices; *d != NULL; d++)
        g_ptr_array_add(argv, *d);
    g_ptr_array_add(argv, NULL);
    marina_lvm_run((const char *const *)argv->pdata, on_pvs_created, op);
}

static void
on_vgs_for_start(gboolean ok, const char *out, const char *err, gpointer data)
{
    LvmOp *op = data;
    MarinaStoragePool *pool = op->pool;
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autofree char *why = NULL;
    JsonArray *rows = marina_lvm_answer_rows(parser, ok, out, err, "vg", &why);

    if (rows == NULL) {
        lvm_op_end(op, _("Pool '%s': cannot list the LVM volume groups: %s."), pool_name(pool),
                   why);
        return;
    }
    if (find_vg_row(pool, rows) != NULL)
        activate_vg(op);
    else
        build_vg(op);
}

static void
lvm_start(MarinaStoragePool *pool, MarinaStorageDone done, gpointer data)
{
    marina_lvm_run(vgs_argv, on_vgs_for_start, lvm_op_new(pool, done, data));
}

static void
on_vg_deactivated(gboolean ok, const char *out, const char *err, gpointer data)
{
    LvmOp *op = data;
    MarinaStoragePool *pool = op->pool;
    g_autofree char *reason = marina_lvm_reason(err);

    /* A group removed behind our back has nothing left to deactivate. */
    if (!ok && strstr(err, "not found") == NULL) {
        lvm_op_end(op,
                   _("Pool '%s': cannot deactivate the volume group '%s': %s. Stop the guests "
                     "that use its volumes first."),
                   pool_name(pool), vg_name(pool), reason);
        return;
    }
    g_hash_table_remove_all(lvm_state(pool)->lvs);
    lvm_op_end(op, NULL);
}

static void
lvm_stop(MarinaStoragePool *pool, MarinaStorageDone done, gpointer data)
{
    const char *argv[] = {"vgchange", "-an", vg_name(pool), NULL};

    marina_lvm_run(argv, on_vg_deactivated, lvm_op_new(pool, done, data));
}

static gboolean
lvm_refresh(MarinaStoragePool *pool, guint64 *capacity, guint64 *allocation, guint64 *available,
            GError **error)
{
    *capacity = lvm_state(pool)->vg_size;
    *available = lvm_state(pool)->vg_free;
    *allocation = lvm_state(pool)->vg_size - lvm_state(pool)->vg_free;
    return TRUE;
}

/* ---------------------------------------------------------------------- */
/* Volumes                                                                */

static char **
lvm_list(MarinaStoragePool *pool)
{
    GPtrArray *names = g_ptr_array_new();
    GHashTableIter iter;
    gpointer key;

    g_hash_table_iter_init(&iter, lvm_state(pool)->lvs);
    while (g_hash_table_iter_next(&iter, &key, NULL))
        if (!marina_storage_pool_is_busy(pool, key))
            g_ptr_array_add(names, g_strdup(key));
    g_ptr_array_add(names, NULL);
    return (char **)g_ptr_array_free(names, FALSE);
}

static gboolean
lvm_has(MarinaStoragePool *pool, const char *name)
{
    return g_hash_table_contains(lvm_state(pool)->lvs, name);
}

/* A block device: fully allocated, raw, sized as LVM reported it. */
static gboolean
lvm_stat(MarinaStoragePool *pool, const char *name, MarinaVolumeStat *out)
{
    guint64 *size = g_hash_table_lookup(lvm_state(pool)->lvs, name);

    if (size == NULL)
        return FALSE;
    out->format = "raw";
    out->capacity = out->allocation = *size;
    return TRUE;
}

/* Names LVM keeps for itself (lvcreate(8), "VALID NAMES"). */
static gboolean
lv_name_is_valid(const char *name, GError **error)
{
    static const char *const reserved[] = {"_cdata",   "_cmeta",  "_corig", "_mlog",  "_mimage",
                                           "_pmspare", "_rimage", "_rmeta", "_tdata", "_tmeta",
                                           "_vorigin", "_vdata",  NULL};

    if (g_str_equal(name, "snapshot") || g_str_equal(name, "pvmove") ||
        g_str_has_prefix(name, "pvmove"))
        goto reserved;
    for (const char *const *r = reserved; *r != NULL; r++)
        if (strstr(name, *r) != NULL)
            goto reserved;
    return TRUE;
reserved:
    g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                _("'%s' cannot be the name of a logical volume: LVM reserves it (or a part of "
                  "it). Choose another name."),
                name);
    return FALSE;
}

static gboolean
lvm_prepare(MarinaStoragePool *pool, MarinaVolumeConfig *c, guint64 *job_total, GError **error)
{
    g_autofree char *path = NULL;
    guint64 vg_free = lvm_state(pool)->vg_free;

    if (!lv_name_is_valid(c->name, error))
        return FALSE;
    if (c->format == NULL)
        c->format = g_strdup("raw");
    if (!g_str_equal(c->format, "raw")) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("Pool '%s' is a logical (LVM) pool: its volumes are raw block devices, so "
                      "volume '%s' cannot be %s. Use the raw format, or a dir pool for %s "
                      "images."),
                    pool_name(pool), c->name, c->format, c->format);
        return FALSE;
    }
    if (c->backing_path != NULL) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("Volume '%s': a logical volume cannot have a backing volume; use a qcow2 "
                      "volume in a dir pool for that."),
                    c->name);
        return FALSE;
    }
    path = marina_storage_pool_volume_path(pool, c->name);
    if (c->path != NULL && !g_str_equal(c->path, path)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                    _("Volume '%s': <target><path> must be %s, the volume group's directory and "
                      "the volume's name; or leave it out."),
                    c->name, path);
        return FALSE;
    }
    if (c->capacity > vg_free) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("Pool '%s' has %" PRIu64 " bytes free; volume '%s' needs %" PRIu64
                      ". Make it smaller or add a disk to the volume group '%s'."),
                    pool_name(pool), vg_free, c->name, c->capacity, vg_name(pool));
        return FALSE;
    }
    g_free(c->path);
    c->path = g_steal_pointer(&path);
    *job_total = 0;
    return TRUE;
}

/* One volume operation and whom it answers. */
typedef struct {
    MarinaStoragePool *pool;
    char *name;
    char *path;
    char *source; /* clone: the volume copied */
    guint64 capacity;
    MarinaJob *job; /* create, clone */
    MarinaStorageDone done;
    gpointer data;
} LvOp;

static LvOp *
lv_op_new(MarinaStoragePool *pool, const char *name, MarinaStorageDone done, gpointer data)
{
    LvOp *op = g_new0(LvOp, 1);

    op->pool = pool;
    op->name = g_strdup(name);
    op->path = marina_storage_pool_volume_path(pool, name);
    op->done = done;
    op->data = data;
    return op;
}

/* Ends @op with @error (NULL: success), which it takes. */
static void
lv_op_end(LvOp *op, GError *error)
{
    op->done(op->pool, error, op->data);
    g_clear_error(&error);
    g_clear_object(&op->job);
    g_free(op->name);
    g_free(op->path);
    g_free(op->source);
    g_free(op);
}

static GError *
lvcreate_error(LvOp *op, const char *err)
{
    g_autofree char *reason = marina_lvm_reason(err);

    if (marina_lvm_lacks_device_mapper(err))
        return g_error_new(MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
                           _("Cannot create logical volume '%s' in volume group '%s': the kernel "
                             "has no device-mapper support. Load it (modprobe dm_mod), or use a "
                             "dir pool."),
                           op->name, vg_name(op->pool));
    return g_error_new(MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                       _("Cannot create logical volume '%s' in volume group '%s': %s."), op->name,
                       vg_name(op->pool), reason);
}

static void
run_lvcreate(LvOp *op, MarinaLvmDone done)
{
    g_autofree char *size = size_arg(op->capacity);
    /* A new volume starts clean: old signatures in its extents are wiped
     * rather than asked about (nobody answers on standard input). */
    const char *argv[] = {"lvcreate", "--yes", "--wipesignatures", "y", "-n", op->name,
                          "-L",       size,    vg_name(op->pool),  NULL};

    marina_lvm_run(argv, done, op);
}

/* LVM changed the group: re-read it, then end @op. The change itself
 * worked, so a failed re-read only goes to the log. */
static void
on_changed_updated(MarinaStoragePool *pool, const GError *update_error, gpointer data)
{
    if (update_error != NULL)
        g_warning("%s", update_error->message);
    lv_op_end(data, NULL);
}

static void
end_after_update(LvOp *op)
{
    lvm_update(op->pool, on_changed_updated, op);
}

/* After a failed or cancelled create or clone: remove what was made, then
 * fail with @error. */
typedef struct {
    LvOp *op;
    GError *error;
} Undo;

static void
on_undone(gboolean ok, const char *out, const char *err, gpointer data)
{
    Undo *undo = data;

    if (!ok)
        g_warning("Pool '%s': could not remove the partial logical volume '%s': %s",
                  pool_name(undo->op->pool), undo->op->name, err);
    lv_op_end(undo->op, undo->error);
    g_free(undo);
}

static void
undo_lvcreate(LvOp *op, GError *error)
{
    g_autofree char *spec = lv_spec(op->pool, op->name);
    const char *argv[] = {"lvremove", "-f", spec, NULL};
    Undo *undo = g_new0(Undo, 1);

    undo->op = op;
    undo->error = error;
    marina_lvm_run(argv, on_undone, undo);
}

static GError *
cancelled_error(LvOp *op)
{
    return g_error_new(G_IO_ERROR, G_IO_ERROR_CANCELLED,
                       _("Writing volume '%s' was cancelled; the partial volume was removed."),
                       op->name);
}

static gboolean
job_cancelled(LvOp *op)
{
    return g_cancellable_is_cancelled(marina_job_get_cancellable(op->job));
}

static void
on_lv_created(gboolean ok, const char *out, const char *err, gpointer data)
{
    LvOp *op = data;

    if (!ok)
        lv_op_end(op, lvcreate_error(op, err));
    else if (job_cancelled(op))
        undo_lvcreate(op, cancelled_error(op));
    else
        end_after_update(op);
}

static void
lvm_create(MarinaStoragePool *pool, const MarinaVolumeConfig *c, MarinaJob *job,
           MarinaStorageDone done, gpointer data)
{
    LvOp *op = lv_op_new(pool, c->name, done, data);

    op->job = g_object_ref(job);
    op->capacity = c->capacity;
    run_lvcreate(op, on_lv_created);
}

static void
on_lv_copied(gboolean ok, const char *output, gpointer data)
{
    LvOp *op = data;

    if (job_cancelled(op)) {
        undo_lvcreate(op, cancelled_error(op));
    } else if (!ok) {
        g_debug("qemu-img convert %s %s: %s", op->source, op->path, output);
        undo_lvcreate(op, g_error_new(MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                                      _("Volume '%s' could not be written: %s."), op->name,
                                      marina_storage_command_last_line(output)));
    } else {
        end_after_update(op);
    }
}

static void
on_clone_lv_created(gboolean ok, const char *out, const char *err, gpointer data)
{
    LvOp *op = data;

    if (!ok) {
        lv_op_end(op, lvcreate_error(op, err));
        return;
    }
    if (job_cancelled(op)) {
        undo_lvcreate(op, cancelled_error(op));
        return;
    }
    marina_qemu_img_convert(op->source, op->path, "raw", "raw", TRUE, op->job, op->capacity,
                            on_lv_copied, op);
}

static void
lvm_clone(MarinaStoragePool *pool, const char *source, const char *name, guint64 capacity,
          MarinaJob *job, MarinaStorageDone done, gpointer data)
{
    LvOp *op = lv_op_new(pool, name, done, data);

    op->job = g_object_ref(job);
    op->capacity = capacity;
    op->source = marina_storage_pool_volume_path(pool, source);
    run_lvcreate(op, on_clone_lv_created);
}

static void
lvm_info(MarinaStoragePool *pool, const char *name, MarinaVolumeInfoDone done, gpointer data)
{
    g_autoptr(MarinaVolumeConfig) c = g_new0(MarinaVolumeConfig, 1);
    MarinaVolumeStat stat = {0};

    lvm_stat(pool, name, &stat);
    c->name = g_strdup(name);
    c->path = marina_storage_pool_volume_path(pool, name);
    c->key = g_strdup(c->path);
    c->format = g_strdup("raw");
    c->capacity = c->allocation = stat.capacity;
    c->has_allocation = TRUE;
    done(pool, c, NULL, data);
}

static void
on_lv_removed(gboolean ok, const char *out, const char *err, gpointer data)
{
    LvOp *op = data;
    g_autofree char *reason = marina_lvm_reason(err);

    if (!ok) {
        lv_op_end(op, g_error_new(MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                                  _("Cannot delete logical volume '%s' from volume group '%s': "
                                    "%s."),
                                  op->name, vg_name(op->pool), reason));
        return;
    }
    end_after_update(op);
}

static void
lvm_remove(MarinaStoragePool *pool, const char *name, MarinaStorageDone done, gpointer data)
{
    g_autofree char *spec = lv_spec(pool, name);
    const char *argv[] = {"lvremove", "-f", spec, NULL};

    marina_lvm_run(argv, on_lv_removed, lv_op_new(pool, name, done, data));
}

static void
on_lv_resized(gboolean ok, const char *out, const char *err, gpointer data)
{
    LvOp *op = data;
    g_autofree char *reason = marina_lvm_reason(err);

    /* Growing by less than an extent is already done. */
    if (!ok && strstr(err, "matches existing size") == NULL) {
        lv_op_end(op, g_error_new(MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                                  _("Logical volume '%s' could not be resized: %s."), op->name,
                                  reason));
        return;
    }
    end_after_update(op);
}

static void
lvm_resize(MarinaStoragePool *pool, const char *name, guint64 capacity, MarinaStorageDone done,
           gpointer data)
{
    g_autofree char *spec = lv_spec(pool, name);
    g_autofree char *size = size_arg(capacity);
    const char *argv[] = {"lvresize", "-L", size, spec, NULL};

    marina_lvm_run(argv, on_lv_resized, lv_op_new(pool, name, done, data));
}

static const MarinaVolumeBackend lvm_volumes = {
    .list = lvm_list,
    .has = lvm_has,
    .name_taken = lvm_has,
    .stat = lvm_stat,
    .prepare = lvm_prepare,
    .create = lvm_create,
    .info = lvm_info,
    .remove = lvm_remove,
    .resize = lvm_resize,
    .clone = lvm_clone,
};

const MarinaStorageBackend marina_storage_backend_logical = {
    .type = "logical",
    .start = lvm_start,
    .stop = lvm_stop,
    .refresh = lvm_refresh,
    .update = lvm_update,
    .volumes = &lvm_volumes,
};
