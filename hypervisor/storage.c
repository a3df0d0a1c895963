#define G_LOG_DOMAIN "marinad-storage"

#include "config.h"

#include <sys/statvfs.h>

#include <glib/gi18n.h>

#include "core/error.h"
#include "storage-object.h"
#include "storage.h"
#include "subtree.h"

#define POOL_SUBTREE "/org/marinavm/Marina1/pool"
#define POOL_INTERFACE "org.marinavm.Marina1.StoragePool"
#define VOLUME_INTERFACE "org.marinavm.Marina1.StorageVolume"

struct _MarinaStorage {
    MarinaStorageHost host;
    MarinaDBusHost *dbus_host;
    MarinaStorageRegistry *registry;
    GHashTable *objects;        /* MarinaStoragePool* -> MarinaPoolObject* (owned) */
    GHashTable *peers;          /* GDBusConnection* -> StoragePeer* */
    MarinaSubtree pools_tree;   /* registered on every peer */
    MarinaSubtree volumes_tree; /* registered on every peer, once per pool */
};

typedef struct {
    GDBusConnection *connection;
    guint pool_subtree;
    GHashTable *volume_subtrees; /* pool name -> registration id */
} StoragePeer;

/* ---------------------------------------------------------------------- */
/* Subtrees: one pool registration per client, plus one per pool for its  */
/* volumes (GDBus subtrees serve one level of children).                   */

static MarinaPoolObject *
object_for_node(MarinaStorage *storage, const char *node)
{
    g_autofree char *name = NULL;
    MarinaStoragePool *pool;

    if (node == NULL)
        return NULL;
    name = marina_storage_unescape(node);
    pool = marina_storage_registry_lookup(storage->registry, name);
    return pool != NULL ? g_hash_table_lookup(storage->objects, pool) : NULL;
}

static char **
pool_enumerate(const char *path, gpointer user_data)
{
    MarinaStorage *storage = user_data;
    GPtrArray *nodes = g_ptr_array_new();
    GHashTableIter iter;
    gpointer key;

    g_hash_table_iter_init(&iter, marina_storage_registry_get_pools(storage->registry));
    while (g_hash_table_iter_next(&iter, &key, NULL))
        g_ptr_array_add(nodes, marina_storage_escape(key));
    g_ptr_array_add(nodes, NULL);
    return (char **)g_ptr_array_free(nodes, FALSE);
}

static GDBusInterfaceSkeleton *
pool_skeleton(const char *path, const char *node, gpointer user_data)
{
    MarinaPoolObject *object = object_for_node(user_data, node);

    return object != NULL ? marina_pool_object_get_skeleton(object) : NULL;
}

/* GDBus passes the registered path to enumerate, the object's own path to
 * introspect and dispatch: accept both. */
static MarinaStoragePool *
pool_of_volume_path(MarinaStorage *storage, const char *path)
{
    g_autofree char *parent = g_path_get_dirname(path);
    GHashTableIter iter;
    gpointer value;

    g_hash_table_iter_init(&iter, marina_storage_registry_get_pools(storage->registry));
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        const char *subtree = marina_storage_pool_get_volume_subtree(value);
        if (g_str_equal(subtree, path) || g_str_equal(subtree, parent))
            return value;
    }
    return NULL;
}

static char **
volume_enumerate(const char *path, gpointer user_data)
{
    MarinaStoragePool *pool = pool_of_volume_path(user_data, path);
    g_auto(GStrv) names = NULL;
    GPtrArray *nodes = g_ptr_array_new();

    if (pool != NULL && marina_storage_pool_is_active(pool)) {
        names = marina_storage_pool_list_volumes(pool);
        for (char **n = names; *n != NULL; n++)
            g_ptr_array_add(nodes, marina_storage_escape(*n));
    }
    g_ptr_array_add(nodes, NULL);
    return (char **)g_ptr_array_free(nodes, FALSE);
}

/* The pool object and volume name that @node under @path names, or NULL. */
static MarinaPoolObject *
volume_for_node(MarinaStorage *storage, const char *path, const char *node, char **out_name)
{
    MarinaStoragePool *pool = pool_of_volume_path(storage, path);
    MarinaPoolObject *object;
    g_autofree char *name = NULL;

    if (pool == NULL || node == NULL || !marina_storage_pool_is_active(pool))
        return NULL;
    object = g_hash_table_lookup(storage->objects, pool);
    name = marina_storage_unescape(node);
    if (object == NULL || !marina_storage_name_is_valid(name, "volume", NULL) ||
        (!marina_storage_pool_volume_exists(pool, name) &&
         !marina_pool_object_serves_volume(object, name)))
        return NULL;
    *out_name = g_steal_pointer(&name);
    return object;
}

/* Introspection must not create a volume skeleton: only a call does. */
static gboolean
volume_node_exists(const char *path, const char *node, gpointer user_data)
{
    g_autofree char *name = NULL;

    return volume_for_node(user_data, path, node, &name) != NULL;
}

static GDBusInterfaceSkeleton *
volume_node_skeleton(const char *path, const char *node, gpointer user_data)
{
    g_autofree char *name = NULL;
    MarinaPoolObject *object = volume_for_node(user_data, path, node, &name);

    return object != NULL ? marina_pool_object_get_volume(object, name) : NULL;
}

static void
register_volume_subtree(MarinaStorage *storage, StoragePeer *peer, MarinaStoragePool *pool)
{
    g_autoptr(GError) error = NULL;
    guint id =
        marina_subtree_register(peer->connection, marina_storage_pool_get_volume_subtree(pool),
                                &storage->volumes_tree, &error);

    if (id == 0) {
        g_warning("Cannot serve the volumes of pool '%s': %s", marina_storage_pool_get_name(pool),
                  error->message);
        return;
    }
    g_hash_table_insert(peer->volume_subtrees, g_strdup(marina_storage_pool_get_name(pool)),
                        GUINT_TO_POINTER(id));
}

static void
storage_peer_free(StoragePeer *peer)
{
    GHashTableIter iter;
    gpointer value;

    g_hash_table_iter_init(&iter, peer->volume_subtrees);
    while (g_hash_table_iter_next(&iter, NULL, &value))
        g_dbus_connection_unregister_subtree(peer->connection, GPOINTER_TO_UINT(value));
    if (peer->pool_subtree != 0)
        g_dbus_connection_unregister_subtree(peer->connection, peer->pool_subtree);
    g_hash_table_unref(peer->volume_subtrees);
    g_object_unref(peer->connection);
    g_free(peer);
}

gboolean
marina_storage_add_peer(MarinaStorage *storage, GDBusConnection *connection, GError **error)
{
    StoragePeer *peer = g_new0(StoragePeer, 1);
    GHashTableIter iter;
    gpointer value;

    peer->connection = g_object_ref(connection);
    peer->volume_subtrees = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    peer->pool_subtree =
        marina_subtree_register(connection, POOL_SUBTREE, &storage->pools_tree, error);
    if (peer->pool_subtree == 0) {
        storage_peer_free(peer);
        return FALSE;
    }
    g_hash_table_iter_init(&iter, marina_storage_registry_get_pools(storage->registry));
    while (g_hash_table_iter_next(&iter, NULL, &value))
        register_volume_subtree(storage, peer, value);
    g_hash_table_insert(storage->peers, connection, peer);
    return TRUE;
}

void
marina_storage_remove_peer(MarinaStorage *storage, GDBusConnection *connection)
{
    g_hash_table_remove(storage->peers, connection);
}

/* ---------------------------------------------------------------------- */
/* Pools coming and going                                                 */

static void
on_pool_added(MarinaStoragePool *pool, gpointer user_data)
{
    MarinaStorage *storage = user_data;
    GHashTableIter iter;
    gpointer value;

    g_hash_table_insert(storage->objects, pool,
                        marina_pool_object_new(pool, storage->registry, &storage->host));
    g_hash_table_iter_init(&iter, storage->peers);
    while (g_hash_table_iter_next(&iter, NULL, &value))
        register_volume_subtree(storage, value, pool);
}

static void
on_pool_removed(MarinaStoragePool *pool, gpointer user_data)
{
    MarinaStorage *storage = user_data;
    const char *name = marina_storage_pool_get_name(pool);
    GHashTableIter iter;
    gpointer value;

    g_hash_table_iter_init(&iter, storage->peers);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        StoragePeer *peer = value;
        gpointer id = g_hash_table_lookup(peer->volume_subtrees, name);
        if (id != NULL)
            g_dbus_connection_unregister_subtree(peer->connection, GPOINTER_TO_UINT(id));
        g_hash_table_remove(peer->volume_subtrees, name);
    }
    /* Its skeleton may be answering this very call: free from an idle. */
    value = g_hash_table_lookup(storage->objects, pool);
    g_hash_table_steal(storage->objects, pool);
    g_idle_add_once((GSourceOnceFunc)marina_pool_object_free, value);
}

/* ---------------------------------------------------------------------- */
/* Host methods                                                           */

static gboolean
handle_list_pools(MarinaDBusHost *host, GDBusMethodInvocation *invocation, MarinaStorage *storage)
{
    GVariantBuilder b;
    GHashTableIter iter;
    gpointer value;

    g_variant_builder_init(&b, G_VARIANT_TYPE("a(osbbttt)"));
    g_hash_table_iter_init(&iter, marina_storage_registry_get_pools(storage->registry));
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        MarinaStoragePool *pool = value;
        const MarinaPoolConfig *c = marina_storage_pool_get_config(pool);
        gboolean active = marina_storage_pool_is_active(pool);

        marina_storage_pool_refresh_sizes(pool);
        g_variant_builder_add(&b, "(osbbttt)", marina_storage_pool_get_object_path(pool), c->name,
                              active, marina_storage_pool_get_autostart(pool),
                              active ? c->capacity : 0, active ? c->allocation : 0,
                              active ? c->available : 0);
    }
    marina_dbus_host_complete_list_pools(host, invocation, g_variant_builder_end(&b));
    return TRUE;
}

static gboolean
handle_lookup_pool(MarinaDBusHost *host, GDBusMethodInvocation *invocation, const char *name,
                   MarinaStorage *storage)
{
    MarinaStoragePool *pool = marina_storage_registry_lookup(storage->registry, name);

    if (pool == NULL) {
        g_dbus_method_invocation_return_error(
            invocation, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
            _("There is no storage pool '%s' on this host."), name);
        return TRUE;
    }
    marina_dbus_host_complete_lookup_pool(host, invocation,
                                          marina_storage_pool_get_object_path(pool));
    return TRUE;
}

static gboolean
handle_define_pool(MarinaDBusHost *host, GDBusMethodInvocation *invocation, const char *xml,
                   MarinaStorage *storage)
{
    g_autoptr(GError) error = NULL;
    MarinaStoragePool *pool;

    if (!storage->host.check_writable(invocation, storage->host.user_data))
        return TRUE;
    pool = marina_storage_registry_define(storage->registry, xml, &error);
    if (pool == NULL) {
        g_dbus_method_invocation_return_gerror(invocation, error);
        return TRUE;
    }
    marina_dbus_host_complete_define_pool(host, invocation,
                                          marina_storage_pool_get_object_path(pool));
    marina_storage_pool_emit_event(pool, "defined");
    return TRUE;
}

/* ---------------------------------------------------------------------- */
/* The storage of a daemon                                                */

MarinaStorage *
marina_storage_new(const MarinaDaemonConfig *config, MarinaDBusHost *host,
                   const MarinaStorageHost *callbacks)
{
    MarinaStorage *storage = g_new0(MarinaStorage, 1);
    const MarinaStorageListener listener = {
        .added = on_pool_added,
        .removed = on_pool_removed,
        .user_data = storage,
    };

    storage->host = *callbacks;
    storage->dbus_host = g_object_ref(host);
    storage->registry = marina_storage_registry_new(config->state_dir, &storage->host, host);
    marina_storage_registry_set_listener(storage->registry, &listener);
    storage->objects =
        g_hash_table_new_full(NULL, NULL, NULL, (GDestroyNotify)marina_pool_object_free);
    storage->peers = g_hash_table_new_full(NULL, NULL, NULL, (GDestroyNotify)storage_peer_free);
    storage->pools_tree = (MarinaSubtree){
        .interface_name = POOL_INTERFACE,
        .interface_info = marina_dbus_storage_pool_interface_info,
        .enumerate = pool_enumerate,
        .skeleton = pool_skeleton,
        .user_data = storage,
    };
    storage->volumes_tree = (MarinaSubtree){
        .interface_name = VOLUME_INTERFACE,
        .interface_info = marina_dbus_storage_volume_interface_info,
        .enumerate = volume_enumerate,
        .exists = volume_node_exists,
        .skeleton = volume_node_skeleton,
        .user_data = storage,
    };
    g_signal_connect(host, "handle-list-pools", G_CALLBACK(handle_list_pools), storage);
    g_signal_connect(host, "handle-lookup-pool", G_CALLBACK(handle_lookup_pool), storage);
    g_signal_connect(host, "handle-define-pool", G_CALLBACK(handle_define_pool), storage);
    return storage;
}

void
marina_storage_free(MarinaStorage *storage)
{
    if (storage == NULL)
        return;
    g_signal_handlers_disconnect_by_data(storage->dbus_host, storage);
    g_hash_table_unref(storage->peers);
    /* Objects before the pools they serve. */
    marina_storage_registry_set_listener(storage->registry, NULL);
    g_hash_table_unref(storage->objects);
    marina_storage_registry_free(storage->registry);
    g_object_unref(storage->dbus_host);
    g_free(storage);
}

void
marina_storage_load(MarinaStorage *storage)
{
    marina_storage_registry_load(storage->registry);
}

static char *
pool_dir(MarinaStoragePool *pool)
{
    g_autofree char *probe = marina_storage_pool_volume_path(pool, "probe");
    g_autofree char *dir = probe != NULL ? g_path_get_dirname(probe) : NULL;

    return dir != NULL && g_file_test(dir, G_FILE_TEST_IS_DIR) ? g_steal_pointer(&dir) : NULL;
}

char *
marina_storage_pool_of_path(MarinaStorage *storage, const char *path)
{
    g_autofree char *dir = g_path_get_dirname(path);
    GHashTableIter iter;
    gpointer key, value;

    g_hash_table_iter_init(&iter, marina_storage_registry_get_pools(storage->registry));
    while (g_hash_table_iter_next(&iter, &key, &value)) {
        g_autofree char *where = pool_dir(value);
        if (where != NULL && g_str_equal(where, dir))
            return g_strdup(marina_storage_pool_get_name(value));
    }
    return NULL;
}

gboolean
marina_storage_find_pool(MarinaStorage *storage, const char *name, char **dir, guint64 *available,
                         gboolean *active)
{
    MarinaStoragePool *pool = marina_storage_registry_lookup(storage->registry, name);
    g_autofree char *where = NULL;
    struct statvfs fs;

    if (pool == NULL || (where = pool_dir(pool)) == NULL)
        return FALSE;
    *active = marina_storage_pool_is_active(pool);
    *available = statvfs(where, &fs) == 0 ? (guint64)fs.f_bavail * fs.f_frsize : 0;
    *dir = g_steal_pointer(&where);
    return TRUE;
}
