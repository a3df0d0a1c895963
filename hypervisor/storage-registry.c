#define G_LOG_DOMAIN "marinad-storage"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>

#include "core/error.h"
#include "state-store.h"
#include "storage-registry.h"

struct _MarinaStorageRegistry {
    const MarinaStorageHost *host;
    MarinaDBusHost *events;
    char *pools_dir;
    char *images_dir;
    GHashTable *pools; /* name -> MarinaStoragePool* (owned) */
    MarinaStorageListener listener;
};

MarinaStorageRegistry *
marina_storage_registry_new(const char *state_dir, const MarinaStorageHost *host,
                            MarinaDBusHost *events)
{
    MarinaStorageRegistry *registry = g_new0(MarinaStorageRegistry, 1);

    registry->host = host;
    registry->events = g_object_ref(events);
    registry->pools_dir = g_build_filename(state_dir, "pools", NULL);
    registry->images_dir = g_build_filename(state_dir, "images", NULL);
    registry->pools = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                            (GDestroyNotify)marina_storage_pool_free);
    return registry;
}

void
marina_storage_registry_free(MarinaStorageRegistry *registry)
{
    if (registry == NULL)
        return;
    g_hash_table_unref(registry->pools);
    g_object_unref(registry->events);
    g_free(registry->pools_dir);
    g_free(registry->images_dir);
    g_free(registry);
}

void
marina_storage_registry_set_listener(MarinaStorageRegistry *registry,
                                     const MarinaStorageListener *listener)
{
    if (listener != NULL)
        registry->listener = *listener;
    else
        memset(&registry->listener, 0, sizeof registry->listener);
}

MarinaStoragePool *
marina_storage_registry_lookup(MarinaStorageRegistry *registry, const char *name)
{
    return g_hash_table_lookup(registry->pools, name);
}

GHashTable *
marina_storage_registry_get_pools(MarinaStorageRegistry *registry)
{
    return registry->pools;
}

static char *
pool_file(MarinaStorageRegistry *registry, const char *name, const char *ext)
{
    g_autofree char *file = g_strconcat(name, ext, NULL);

    return g_build_filename(registry->pools_dir, file, NULL);
}

static void
add_pool(MarinaStorageRegistry *registry, MarinaStoragePool *pool)
{
    g_hash_table_insert(registry->pools, g_strdup(marina_storage_pool_get_name(pool)), pool);
    if (registry->listener.added != NULL)
        registry->listener.added(pool, registry->listener.user_data);
}

static void
remove_pool(MarinaStorageRegistry *registry, MarinaStoragePool *pool)
{
    if (registry->listener.removed != NULL)
        registry->listener.removed(pool, registry->listener.user_data);
    /* The pool's object may be answering this very call: free from an idle. */
    g_hash_table_steal(registry->pools, marina_storage_pool_get_name(pool));
    g_idle_add_once((GSourceOnceFunc)marina_storage_pool_free, pool);
}

/* ---------------------------------------------------------------------- */
/* Define, undefine, autostart                                            */

static gboolean
save_pool(MarinaStorageRegistry *registry, const MarinaPoolConfig *config, GError **error)
{
    g_autofree char *path = pool_file(registry, config->name, ".xml");
    g_autofree char *xml = NULL;
    MarinaPoolConfig copy = *config;

    /* Sizes are live figures, not part of the definition. */
    copy.capacity = copy.allocation = copy.available = 0;
    xml = marina_pool_config_format(&copy);
    return marina_write_file_atomic(path, xml, strlen(xml), 0600, error);
}

/* FALSE when another pool than @except has @config's UUID. */
static gboolean
check_unique_uuid(MarinaStorageRegistry *registry, const MarinaPoolConfig *config,
                  MarinaStoragePool *except, GError **error)
{
    GHashTableIter iter;
    gpointer value;

    g_hash_table_iter_init(&iter, registry->pools);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        const MarinaPoolConfig *other = marina_storage_pool_get_config(value);
        if (value != except && g_str_equal(other->uuid, config->uuid)) {
            g_set_error(error, MARINA_ERROR, MARINA_ERROR_ALREADY_EXISTS,
                        _("UUID %s is already used by pool '%s'. Remove the <uuid> element to "
                          "get a new one."),
                        config->uuid, other->name);
            return FALSE;
        }
    }
    return TRUE;
}

/* Takes @config. */
static MarinaStoragePool *
define_pool(MarinaStorageRegistry *registry, MarinaPoolConfig *config, GError **error)
{
    g_autoptr(MarinaPoolConfig) owned = config;
    MarinaStoragePool *old = g_hash_table_lookup(registry->pools, config->name);
    MarinaStoragePool *pool;

    if (marina_storage_backend_for_type(config->type) == NULL) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
                    _("Pool '%s': type '%s' is not supported by this daemon yet; use a 'dir' "
                      "pool."),
                    config->name, config->type);
        return NULL;
    }
    if (!check_unique_uuid(registry, config, old, error))
        return NULL;
    if (old != NULL) {
        if (marina_storage_pool_is_active(old)) {
            g_set_error(error, MARINA_ERROR, MARINA_ERROR_ALREADY_RUNNING,
                        _("Pool '%s' is active; stop it before redefining it."), config->name);
            return NULL;
        }
        g_free(config->uuid);
        config->uuid = g_strdup(marina_storage_pool_get_config(old)->uuid);
    }
    if (!save_pool(registry, config, error))
        return NULL;
    if (old != NULL) {
        marina_storage_pool_set_config(old, g_steal_pointer(&owned));
        return old;
    }
    pool = marina_storage_pool_new(registry->host, registry->events, g_steal_pointer(&owned));
    add_pool(registry, pool);
    return pool;
}

MarinaStoragePool *
marina_storage_registry_define(MarinaStorageRegistry *registry, const char *xml, GError **error)
{
    MarinaPoolConfig *config = marina_pool_config_parse(xml, -1, error);

    return config != NULL ? define_pool(registry, config, error) : NULL;
}

gboolean
marina_storage_registry_undefine(MarinaStorageRegistry *registry, MarinaStoragePool *pool,
                                 GError **error)
{
    const char *name = marina_storage_pool_get_name(pool);
    g_autofree char *xml = pool_file(registry, name, ".xml");
    g_autofree char *autostart = pool_file(registry, name, ".autostart");

    if (!marina_storage_pool_check_settled(pool, error))
        return FALSE;
    if (marina_storage_pool_is_active(pool)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_ALREADY_RUNNING,
                    _("Pool '%s' is active; stop it first with 'marinactl pool-destroy %s'. Its "
                      "volumes are kept."),
                    name, name);
        return FALSE;
    }
    g_unlink(autostart);
    if (g_unlink(xml) != 0 && errno != ENOENT) {
        int err = errno;
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                    _("Pool '%s': cannot remove %s: %s."), name, xml, g_strerror(err));
        return FALSE;
    }
    remove_pool(registry, pool);
    return TRUE;
}

gboolean
marina_storage_registry_set_autostart(MarinaStorageRegistry *registry, MarinaStoragePool *pool,
                                      gboolean autostart, GError **error)
{
    g_autofree char *path = pool_file(registry, marina_storage_pool_get_name(pool), ".autostart");

    if (autostart && !marina_write_file_atomic(path, "", 0, 0600, error))
        return FALSE;
    if (!autostart)
        g_unlink(path);
    marina_storage_pool_set_autostart_flag(pool, autostart);
    return TRUE;
}

/* ---------------------------------------------------------------------- */
/* Loading                                                                */

static void
load_pool(MarinaStorageRegistry *registry, const char *name)
{
    g_autofree char *path = pool_file(registry, name, ".xml");
    g_autofree char *autostart = pool_file(registry, name, ".autostart");
    g_autofree char *xml = NULL;
    g_autoptr(GError) error = NULL;
    MarinaPoolConfig *config;
    MarinaStoragePool *pool;

    if (!g_file_get_contents(path, &xml, NULL, &error) ||
        (config = marina_pool_config_parse(xml, -1, &error)) == NULL) {
        g_warning("Skipping the pool in %s: %s", path, error->message);
        return;
    }
    if (!g_str_equal(config->name, name) || marina_storage_backend_for_type(config->type) == NULL) {
        g_warning("Skipping the pool in %s: its name or type does not fit", path);
        marina_pool_config_free(config);
        return;
    }
    pool = marina_storage_pool_new(registry->host, registry->events, config);
    marina_storage_pool_set_autostart_flag(pool, g_file_test(autostart, G_FILE_TEST_EXISTS));
    add_pool(registry, pool);
    if (marina_storage_pool_get_autostart(pool))
        marina_storage_pool_start(pool, NULL, NULL);
}

static void
create_default_pool(MarinaStorageRegistry *registry)
{
    g_autoptr(GError) error = NULL;
    MarinaPoolConfig *config = g_new0(MarinaPoolConfig, 1);
    MarinaStoragePool *pool;

    config->type = g_strdup("dir");
    config->name = g_strdup("default");
    config->uuid = g_uuid_string_random();
    config->target_path = g_strdup(registry->images_dir);
    if ((pool = define_pool(registry, config, &error)) == NULL ||
        !marina_storage_registry_set_autostart(registry, pool, TRUE, &error)) {
        g_warning("Cannot create the default storage pool: %s", error->message);
        return;
    }
    marina_storage_pool_start(pool, NULL, NULL);
}

static GPtrArray *
list_pool_files(const char *dir)
{
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *file;

    while (d != NULL && (file = g_dir_read_name(d)) != NULL) {
        g_autofree char *name = NULL;
        if (!g_str_has_suffix(file, ".xml"))
            continue;
        name = g_strndup(file, strlen(file) - 4);
        /* Only files we wrote: a stray "notes~.xml" is not a pool. */
        if (marina_storage_name_is_valid(name, "pool", NULL))
            g_ptr_array_add(names, g_steal_pointer(&name));
    }
    return names;
}

void
marina_storage_registry_load(MarinaStorageRegistry *registry)
{
    gboolean first = !g_file_test(registry->pools_dir, G_FILE_TEST_IS_DIR);
    g_autoptr(GPtrArray) names = NULL;

    if (g_mkdir_with_parents(registry->pools_dir, 0700) != 0) {
        g_warning("Cannot create %s: %s", registry->pools_dir, g_strerror(errno));
        return;
    }
    /* Only on the very first start: a user who undefines 'default' keeps it gone. */
    if (first) {
        create_default_pool(registry);
        return;
    }
    names = list_pool_files(registry->pools_dir);
    for (guint i = 0; i < names->len; i++)
        load_pool(registry, g_ptr_array_index(names, i));
}
