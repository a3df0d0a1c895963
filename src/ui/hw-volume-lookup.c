/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-hw-page"

#include "config.h"

#include "hw-volume-lookup.h"

#include "host.h"
#include "pool.h"

typedef struct {
    MarinaConnection *connection;
    char *path;
    char *pool;       /* the name of the pool being looked through */
    GPtrArray *pools; /* MarinaPoolInfo*, the active ones not looked at yet */
} Lookup;

static void
lookup_free(Lookup *lookup)
{
    g_clear_object(&lookup->connection);
    g_free(lookup->path);
    g_free(lookup->pool);
    g_clear_pointer(&lookup->pools, g_ptr_array_unref);
    g_free(lookup);
}

static void next_pool(GTask *task);

static void
on_volumes(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GTask) task = user_data;
    Lookup *lookup = g_task_get_task_data(task);
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) volumes =
        marina_pool_list_volumes_finish(MARINA_POOL(source), result, &error);

    if (volumes == NULL) {
        /* One unreadable pool does not hide the volume from the others. */
        g_debug("Could not list a pool's volumes: %s", error->message);
        if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
            g_task_return_error(task, g_steal_pointer(&error));
            return;
        }
        next_pool(g_steal_pointer(&task));
        return;
    }
    for (guint i = 0; i < volumes->len; i++) {
        MarinaVolumeInfo *info = volumes->pdata[i];

        if (g_strcmp0(info->path, lookup->path) == 0) {
            /* ListVolumes leaves the pool out: it is the one asked. */
            if (info->pool == NULL || *info->pool == '\0') {
                g_free(info->pool);
                info->pool = g_strdup(lookup->pool);
            }
            g_task_return_pointer(task, g_ptr_array_steal_index(volumes, i),
                                  (GDestroyNotify)marina_volume_info_free);
            return;
        }
    }
    next_pool(g_steal_pointer(&task));
}

static void
next_pool(GTask *task)
{
    Lookup *lookup = g_task_get_task_data(task);
    g_autoptr(MarinaPool) pool = NULL;

    while (lookup->pools->len > 0) {
        g_autoptr(MarinaPoolInfo) info = g_ptr_array_steal_index(lookup->pools, 0);

        if (!info->active)
            continue;
        g_free(lookup->pool);
        lookup->pool = g_strdup(info->name);
        pool = marina_pool_new(lookup->connection, info->object_path);
        marina_pool_list_volumes_async(pool, g_task_get_cancellable(task), on_volumes, task);
        return;
    }
    g_task_return_pointer(task, NULL, NULL);
    g_object_unref(task);
}

static void
on_pools(GObject *source, GAsyncResult *result, gpointer user_data)
{
    GTask *task = user_data;
    Lookup *lookup = g_task_get_task_data(task);
    GError *error = NULL;

    lookup->pools = marina_host_list_pools_finish(MARINA_HOST(source), result, &error);
    if (lookup->pools == NULL) {
        g_task_return_error(task, error);
        g_object_unref(task);
        return;
    }
    next_pool(task);
}

void
marina_hw_volume_lookup_async(MarinaConnection *connection, const char *path,
                              GCancellable *cancellable, GAsyncReadyCallback callback,
                              gpointer user_data)
{
    GTask *task = g_task_new(NULL, cancellable, callback, user_data);
    Lookup *lookup = g_new0(Lookup, 1);
    g_autoptr(MarinaHost) host = marina_host_new(connection);

    g_task_set_source_tag(task, marina_hw_volume_lookup_async);
    lookup->connection = g_object_ref(connection);
    lookup->path = g_strdup(path);
    g_task_set_task_data(task, lookup, (GDestroyNotify)lookup_free);
    marina_host_list_pools_async(host, cancellable, on_pools, task);
}

MarinaVolumeInfo *
marina_hw_volume_lookup_finish(GAsyncResult *result, GError **error)
{
    g_return_val_if_fail(g_task_is_valid(result, NULL), NULL);
    return g_task_propagate_pointer(G_TASK(result), error);
}
