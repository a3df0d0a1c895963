#define G_LOG_DOMAIN "marinad-storage"

#include "config.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <string.h>

#include "core/error.h"
#include "storage-pool.h"

#define POOL_SUBTREE "/org/marinavm/Marina1/pool"

struct _MarinaStoragePool {
    const MarinaStorageHost *host;
    MarinaDBusHost *events;
    MarinaPoolConfig *config;
    const MarinaStorageBackend *backend;
    char *path;
    char *volume_subtree;
    gboolean active;
    gboolean autostart;
    gboolean changing; /* a backend start, stop or update is running */
    GHashTable *busy;  /* names of volumes a job is writing */
    gpointer backend_data;
    GDestroyNotify backend_data_free;
};

/* One operation of the pool and whom it answers. */
typedef struct {
    MarinaStoragePool *pool; /* pools with running operations are never freed */
    char *name;
    MarinaStorageDone done;
    gpointer data;
    MarinaJob *job;
} PoolOp;

static PoolOp *
pool_op_new(MarinaStoragePool *pool, const char *name, MarinaStorageDone done, gpointer data)
{
    PoolOp *op = g_new0(PoolOp, 1);

    op->pool = pool;
    op->name = g_strdup(name);
    op->done = done;
    op->data = data;
    return op;
}

static void
pool_op_free(PoolOp *op)
{
    g_clear_object(&op->job);
    g_free(op->name);
    g_free(op);
}

/* ---------------------------------------------------------------------- */
/* Names                                                                  */

char *
marina_storage_escape(const char *name)
{
    GString *s = g_string_new(NULL);

    for (const guchar *c = (const guchar *)name; *c != '\0'; c++) {
        if (g_ascii_isalnum(*c))
            g_string_append_c(s, *c);
        else
            g_string_append_printf(s, "_%02x", *c);
    }
    return g_string_free(s, FALSE);
}

char *
marina_storage_unescape(const char *node)
{
    GString *s = g_string_new(NULL);

    for (const char *c = node; *c != '\0'; c++) {
        if (*c == '_' && g_ascii_isxdigit(c[1]) && g_ascii_isxdigit(c[2])) {
            g_string_append_c(s,
                              (char)(g_ascii_xdigit_value(c[1]) * 16 + g_ascii_xdigit_value(c[2])));
            c += 2;
        } else {
            g_string_append_c(s, *c);
        }
    }
    return g_string_free(s, FALSE);
}

const MarinaStorageBackend *
marina_storage_backend_for_type(const char *type)
{
    static const MarinaStorageBackend *const backends[] = {
        &marina_storage_backend_dir,
        &marina_storage_backend_fs,
        &marina_storage_backend_netfs,
        &marina_storage_backend_logical,
    };

    for (guint i = 0; i < G_N_ELEMENTS(backends); i++)
        if (g_strcmp0(type, backends[i]->type) == 0)
            return backends[i];
    return NULL;
}

/* ---------------------------------------------------------------------- */
/* The pool                                                               */

MarinaStoragePool *
marina_storage_pool_new(const MarinaStorageHost *host, MarinaDBusHost *events,
                        MarinaPoolConfig *config)
{
    MarinaStoragePool *pool = g_new0(MarinaStoragePool, 1);
    g_autofree char *escaped = marina_storage_escape(config->name);

    pool->host = host;
    pool->events = g_object_ref(events);
    pool->config = config;
    pool->backend = marina_storage_backend_for_type(config->type);
    pool->path = g_strdup_printf("%s/%s", POOL_SUBTREE, escaped);
    pool->volume_subtree = g_strdup_printf("%s/volume", pool->path);
    pool->busy = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    return pool;
}

void
marina_storage_pool_free(MarinaStoragePool *pool)
{
    if (pool == NULL)
        return;
    marina_storage_pool_set_backend_data(pool, NULL, NULL);
    g_hash_table_unref(pool->busy);
    marina_pool_config_free(pool->config);
    g_object_unref(pool->events);
    g_free(pool->path);
    g_free(pool->volume_subtree);
    g_free(pool);
}

const char *
marina_storage_pool_get_name(MarinaStoragePool *pool)
{
    return pool->config->name;
}

const char *
marina_storage_pool_get_object_path(MarinaStoragePool *pool)
{
    return pool->path;
}

const char *
marina_storage_pool_get_volume_subtree(MarinaStoragePool *pool)
{
    return pool->volume_subtree;
}

const MarinaPoolConfig *
marina_storage_pool_get_config(MarinaStoragePool *pool)
{
    return pool->config;
}

void
marina_storage_pool_set_config(MarinaStoragePool *pool, MarinaPoolConfig *config)
{
    g_return_if_fail(g_str_equal(config->name, pool->config->name));
    marina_pool_config_free(pool->config);
    pool->config = config;
    pool->backend = marina_storage_backend_for_type(config->type);
    /* What the old backend knew is about another kind of pool. */
    marina_storage_pool_set_backend_data(pool, NULL, NULL);
}

const MarinaStorageBackend *
marina_storage_pool_get_backend(MarinaStoragePool *pool)
{
    return pool->backend;
}

const MarinaStorageHost *
marina_storage_pool_get_host(MarinaStoragePool *pool)
{
    return pool->host;
}

gboolean
marina_storage_pool_is_active(MarinaStoragePool *pool)
{
    return pool->active;
}

gboolean
marina_storage_pool_get_autostart(MarinaStoragePool *pool)
{
    return pool->autostart;
}

void
marina_storage_pool_set_autostart_flag(MarinaStoragePool *pool, gboolean autostart)
{
    pool->autostart = autostart;
}

gpointer
marina_storage_pool_get_backend_data(MarinaStoragePool *pool)
{
    return pool->backend_data;
}

void
marina_storage_pool_set_backend_data(MarinaStoragePool *pool, gpointer data, GDestroyNotify destroy)
{
    if (pool->backend_data != NULL && pool->backend_data_free != NULL)
        pool->backend_data_free(pool->backend_data);
    pool->backend_data = data;
    pool->backend_data_free = destroy;
}

void
marina_storage_pool_emit_event(MarinaStoragePool *pool, const char *event)
{
    marina_dbus_host_emit_pool_event(pool->events, pool->path, pool->config->name, event);
}

static void
emit_volume_event(MarinaStoragePool *pool, const char *name, const char *event)
{
    g_autofree char *path = marina_storage_pool_volume_object_path(pool, name);

    marina_dbus_host_emit_volume_event(pool->events, path, pool->config->name, name, event);
}

void
marina_storage_pool_refresh_sizes(MarinaStoragePool *pool)
{
    g_autoptr(GError) error = NULL;

    if (!pool->active)
        return;
    if (!pool->backend->refresh(pool, &pool->config->capacity, &pool->config->allocation,
                                &pool->config->available, &error))
        g_warning("%s", error->message);
}

/* ---------------------------------------------------------------------- */
/* Checks                                                                 */

gboolean
marina_storage_pool_check_settled(MarinaStoragePool *pool, GError **error)
{
    if (!pool->changing)
        return TRUE;
    g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                _("Pool '%s' is being started, stopped or refreshed; try again in a moment."),
                pool->config->name);
    return FALSE;
}

gboolean
marina_storage_pool_check_active(MarinaStoragePool *pool, GError **error)
{
    if (pool->active)
        return TRUE;
    g_set_error(error, MARINA_ERROR, MARINA_ERROR_NOT_RUNNING,
                _("Pool '%s' is not active; start it with 'marinactl pool-start %s'."),
                pool->config->name, pool->config->name);
    return FALSE;
}

gboolean
marina_storage_pool_check_no_jobs(MarinaStoragePool *pool, GError **error)
{
    if (g_hash_table_size(pool->busy) == 0)
        return TRUE;
    g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                _("Pool '%s' has volumes being written; wait for the jobs to finish or cancel "
                  "them."),
                pool->config->name);
    return FALSE;
}

/* ---------------------------------------------------------------------- */
/* Lifecycle                                                              */

static void
on_started(MarinaStoragePool *pool, const GError *error, gpointer data)
{
    PoolOp *op = data;

    pool->changing = FALSE;
    if (error == NULL) {
        pool->active = TRUE;
        marina_storage_pool_refresh_sizes(pool);
        marina_storage_pool_emit_event(pool, "started");
    } else if (op->done == NULL) {
        g_warning("%s", error->message);
    }
    if (op->done != NULL)
        op->done(pool, error, op->data);
    pool_op_free(op);
}

void
marina_storage_pool_start(MarinaStoragePool *pool, MarinaStorageDone done, gpointer data)
{
    pool->changing = TRUE;
    pool->backend->start(pool, on_started, pool_op_new(pool, NULL, done, data));
}

static void
on_stopped(MarinaStoragePool *pool, const GError *error, gpointer data)
{
    PoolOp *op = data;

    pool->changing = FALSE;
    if (error == NULL)
        pool->active = FALSE;
    op->done(pool, error, op->data);
    if (error == NULL)
        marina_storage_pool_emit_event(pool, "stopped");
    pool_op_free(op);
}

void
marina_storage_pool_stop(MarinaStoragePool *pool, MarinaStorageDone done, gpointer data)
{
    pool->changing = TRUE;
    pool->backend->stop(pool, on_stopped, pool_op_new(pool, NULL, done, data));
}

static void
on_updated(MarinaStoragePool *pool, const GError *error, gpointer data)
{
    PoolOp *op = data;

    pool->changing = FALSE;
    op->done(pool, error, op->data);
    if (error == NULL)
        marina_storage_pool_emit_event(pool, "refreshed");
    pool_op_free(op);
}

void
marina_storage_pool_refresh(MarinaStoragePool *pool, MarinaStorageDone done, gpointer data)
{
    if (pool->backend->update != NULL) {
        /* Stop and undefine wait for it: the pool must outlive the reply. */
        pool->changing = TRUE;
        pool->backend->update(pool, on_updated, pool_op_new(pool, NULL, done, data));
        return;
    }
    marina_storage_pool_refresh_sizes(pool);
    done(pool, NULL, data);
    marina_storage_pool_emit_event(pool, "refreshed");
}

/* ---------------------------------------------------------------------- */
/* Volumes                                                                */

char *
marina_storage_pool_volume_path(MarinaStoragePool *pool, const char *name)
{
    return g_build_filename(pool->config->target_path, name, NULL);
}

char *
marina_storage_pool_volume_object_path(MarinaStoragePool *pool, const char *name)
{
    g_autofree char *escaped = marina_storage_escape(name);

    return g_strdup_printf("%s/%s", pool->volume_subtree, escaped);
}

char **
marina_storage_pool_list_volumes(MarinaStoragePool *pool)
{
    return pool->backend->volumes->list(pool);
}

gboolean
marina_storage_pool_stat_volume(MarinaStoragePool *pool, const char *name, MarinaVolumeStat *out)
{
    return pool->backend->volumes->stat(pool, name, out);
}

gboolean
marina_storage_pool_is_busy(MarinaStoragePool *pool, const char *name)
{
    return g_hash_table_contains(pool->busy, name);
}

gboolean
marina_storage_pool_volume_exists(MarinaStoragePool *pool, const char *name)
{
    return pool->backend->volumes->name_taken(pool, name) ||
           g_hash_table_contains(pool->busy, name);
}

/* FALSE (with @error) when @name is not a volume to act on: the pool is
 * inactive, a job is writing it, or there is none. */
static gboolean
check_volume(MarinaStoragePool *pool, const char *name, GError **error)
{
    if (!marina_storage_pool_check_active(pool, error))
        return FALSE;
    if (g_hash_table_contains(pool->busy, name)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                    _("Volume '%s' is being written by a job; wait for it to finish."), name);
        return FALSE;
    }
    if (!pool->backend->volumes->has(pool, name)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("There is no volume '%s' in pool '%s'."), name, pool->config->name);
        return FALSE;
    }
    return TRUE;
}

static gboolean
check_new_volume(MarinaStoragePool *pool, const char *name, GError **error)
{
    if (!marina_storage_pool_check_active(pool, error) ||
        !marina_storage_name_is_valid(name, _("volume"), error))
        return FALSE;
    if (marina_storage_pool_volume_exists(pool, name)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_ALREADY_EXISTS,
                    _("Pool '%s' already has a volume '%s'; choose another name."),
                    pool->config->name, name);
        return FALSE;
    }
    return TRUE;
}

/* "'a', 'b'": names for a message. */
static char *
quoted_names(char **names)
{
    GString *s = g_string_new(NULL);

    for (char **n = names; *n != NULL; n++)
        g_string_append_printf(s, "%s'%s'", n == names ? "" : ", ", *n);
    return g_string_free(s, FALSE);
}

/* FALSE (Error.InUse) while an active guest has the volume as a disk, or
 * behind one as a backing file: deleting it under a running QEMU loses what
 * the guest writes and breaks its next start. Shut-off users are the
 * client's to warn about. */
static gboolean
check_not_in_use(MarinaStoragePool *pool, const char *name, GError **error)
{
    g_autoptr(MarinaDiskUsers) users = pool->host->collect_disk_users(pool->host->user_data);
    g_autofree char *path = marina_storage_pool_volume_path(pool, name);
    g_auto(GStrv) running = marina_disk_users_lookup(users, path, TRUE);
    g_autofree char *names = NULL;
    guint n = g_strv_length(running);

    if (n == 0)
        return TRUE;
    names = quoted_names(running);
    g_set_error(error, MARINA_ERROR, MARINA_ERROR_IN_USE,
                ngettext("Volume '%s' is in use by running guest %s. Shut the guest down first, "
                         "or remove the disk from it.",
                         "Volume '%s' is in use by running guests %s. Shut the guests down "
                         "first, or remove the disk from them.",
                         n),
                name, names);
    return FALSE;
}

/* Create and clone end here: the volume is complete, or gone. */
static void
on_written(MarinaStoragePool *pool, const GError *error, gpointer data)
{
    PoolOp *op = data;

    g_hash_table_remove(pool->busy, op->name);
    if (error == NULL)
        emit_volume_event(pool, op->name, "created");
    marina_storage_pool_refresh_sizes(pool);
    pool->host->end_job(op->job, error, pool->host->user_data);
    pool_op_free(op);
}

/* The job that writes the new volume @name (@total bytes, 0 when unknown);
 * the name stays busy until it ends. */
static PoolOp *
write_op_new(MarinaStoragePool *pool, const char *name, guint64 total)
{
    PoolOp *op = pool_op_new(pool, name, NULL, NULL);

    op->job = g_object_ref(pool->host->new_job(total, pool->host->user_data));
    g_hash_table_add(pool->busy, g_strdup(name));
    return op;
}

gboolean
marina_storage_pool_create_volume(MarinaStoragePool *pool, MarinaVolumeConfig *config,
                                  MarinaStorageJobReady ready, gpointer data, GError **error)
{
    guint64 total = 0;
    PoolOp *op;

    if (!check_new_volume(pool, config->name, error) ||
        !pool->backend->volumes->prepare(pool, config, &total, error))
        return FALSE;
    op = write_op_new(pool, config->name, total);
    ready(pool, op->job, data);
    pool->backend->volumes->create(pool, config, op->job, on_written, op);
    return TRUE;
}

gboolean
marina_storage_pool_clone_volume(MarinaStoragePool *pool, const char *name, const char *new_name,
                                 MarinaStorageJobReady ready, gpointer data, GError **error)
{
    MarinaVolumeStat stat = {0};
    PoolOp *op;

    if (!check_volume(pool, name, error) || !check_new_volume(pool, new_name, error))
        return FALSE;
    pool->backend->volumes->stat(pool, name, &stat);
    op = write_op_new(pool, new_name, stat.capacity);
    ready(pool, op->job, data);
    pool->backend->volumes->clone(pool, name, new_name, stat.capacity, op->job, on_written, op);
    return TRUE;
}

void
marina_storage_pool_volume_info(MarinaStoragePool *pool, const char *name,
                                MarinaVolumeInfoDone done, gpointer data)
{
    g_autoptr(GError) error = NULL;

    if (!check_volume(pool, name, &error)) {
        done(pool, NULL, error, data);
        return;
    }
    pool->backend->volumes->info(pool, name, done, data);
}

static void
on_deleted(MarinaStoragePool *pool, const GError *error, gpointer data)
{
    PoolOp *op = data;

    g_hash_table_remove(pool->busy, op->name);
    op->done(pool, error, op->data);
    if (error == NULL) {
        emit_volume_event(pool, op->name, "deleted");
        marina_storage_pool_refresh_sizes(pool);
    }
    pool_op_free(op);
}

void
marina_storage_pool_delete_volume(MarinaStoragePool *pool, const char *name, MarinaStorageDone done,
                                  gpointer data)
{
    g_autoptr(GError) error = NULL;

    if (!check_volume(pool, name, &error) || !check_not_in_use(pool, name, &error)) {
        done(pool, error, data);
        return;
    }
    g_hash_table_add(pool->busy, g_strdup(name));
    pool->backend->volumes->remove(pool, name, on_deleted, pool_op_new(pool, name, done, data));
}

static void
on_resized(MarinaStoragePool *pool, const GError *error, gpointer data)
{
    PoolOp *op = data;

    g_hash_table_remove(pool->busy, op->name);
    op->done(pool, error, op->data);
    if (error == NULL) {
        emit_volume_event(pool, op->name, "resized");
        marina_storage_pool_refresh_sizes(pool);
    }
    pool_op_free(op);
}

static gboolean
check_new_capacity(MarinaStoragePool *pool, const char *name, guint64 capacity, GError **error)
{
    MarinaVolumeStat stat = {0};

    pool->backend->volumes->stat(pool, name, &stat);
    if (capacity < stat.capacity) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("Volume '%s' is %" PRIu64 " bytes; shrinking it to %" PRIu64
                      " would destroy the data at its end. Volumes can only grow."),
                    name, stat.capacity, capacity);
        return FALSE;
    }
    if (capacity > MARINA_VOLUME_MAX_CAPACITY) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("Volume '%s': %" PRIu64 " bytes is larger than 1 PiB; check the size."), name,
                    capacity);
        return FALSE;
    }
    return TRUE;
}

void
marina_storage_pool_resize_volume(MarinaStoragePool *pool, const char *name, guint64 capacity,
                                  MarinaStorageDone done, gpointer data)
{
    g_autoptr(GError) error = NULL;

    if (!check_volume(pool, name, &error) || !check_new_capacity(pool, name, capacity, &error)) {
        done(pool, error, data);
        return;
    }
    g_hash_table_add(pool->busy, g_strdup(name));
    pool->backend->volumes->resize(pool, name, capacity, on_resized,
                                   pool_op_new(pool, name, done, data));
}
