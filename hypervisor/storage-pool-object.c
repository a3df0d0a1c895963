#define G_LOG_DOMAIN "marinad-storage"

#include "config.h"

#include <glib/gi18n.h>

#include "core/error.h"
#include "storage-object.h"

struct _MarinaPoolObject {
    MarinaStoragePool *pool;
    MarinaStorageRegistry *registry;
    const MarinaStorageHost *host;
    MarinaDBusStoragePool *skeleton;
    GHashTable *volumes; /* name -> MarinaDBusStorageVolume* (served, made on demand) */
};

MarinaStoragePool *
marina_pool_object_get_pool(MarinaPoolObject *object)
{
    return object->pool;
}

GDBusInterfaceSkeleton *
marina_pool_object_get_skeleton(MarinaPoolObject *object)
{
    return G_DBUS_INTERFACE_SKELETON(object->skeleton);
}

gboolean
marina_pool_object_check_writable(MarinaPoolObject *object, GDBusMethodInvocation *invocation)
{
    return object->host->check_writable(invocation, object->host->user_data);
}

gboolean
marina_pool_object_serves_volume(MarinaPoolObject *object, const char *name)
{
    return g_hash_table_contains(object->volumes, name);
}

GDBusInterfaceSkeleton *
marina_pool_object_get_volume(MarinaPoolObject *object, const char *name)
{
    MarinaDBusStorageVolume *skel = g_hash_table_lookup(object->volumes, name);

    if (skel == NULL) {
        skel = marina_volume_object_new(object, name);
        g_hash_table_insert(object->volumes, g_strdup(name), skel);
    }
    return G_DBUS_INTERFACE_SKELETON(skel);
}

void
marina_pool_object_forget_volume(MarinaPoolObject *object, const char *name)
{
    g_hash_table_remove(object->volumes, name);
}

GVariant *
marina_storage_used_by_variant(MarinaDiskUsers *users, const char *path)
{
    g_auto(GStrv) names = marina_disk_users_lookup(users, path, FALSE);

    return g_variant_new_strv((const char *const *)names, -1);
}

/* Answers @invocation with @error, or with nothing; then lets it go. */
static void
reply(GDBusMethodInvocation *invocation, const GError *error)
{
    if (error != NULL)
        g_dbus_method_invocation_return_gerror(invocation, error);
    else
        g_dbus_method_invocation_return_value(invocation, NULL);
    g_object_unref(invocation);
}

static void
on_done_reply(MarinaStoragePool *pool, const GError *error, gpointer data)
{
    reply(data, error);
}

static gboolean
return_error(GDBusMethodInvocation *invocation, GError *error)
{
    g_dbus_method_invocation_return_gerror(invocation, error);
    g_error_free(error);
    return TRUE;
}

/* ---------------------------------------------------------------------- */
/* Lifecycle                                                              */

static gboolean
handle_start(MarinaDBusStoragePool *skel, GDBusMethodInvocation *invocation,
             MarinaPoolObject *object)
{
    MarinaStoragePool *pool = object->pool;
    GError *error = NULL;

    if (!marina_pool_object_check_writable(object, invocation))
        return TRUE;
    if (!marina_storage_pool_check_settled(pool, &error))
        return return_error(invocation, error);
    if (marina_storage_pool_is_active(pool)) {
        g_dbus_method_invocation_return_error(
            invocation, MARINA_ERROR, MARINA_ERROR_ALREADY_RUNNING,
            _("Pool '%s' is already active."), marina_storage_pool_get_name(pool));
        return TRUE;
    }
    marina_storage_pool_start(pool, on_done_reply, g_object_ref(invocation));
    return TRUE;
}

static void
on_stopped(MarinaStoragePool *pool, const GError *error, gpointer data)
{
    GDBusMethodInvocation *invocation = data;
    MarinaPoolObject *object = g_object_get_data(G_OBJECT(invocation), "pool-object");

    /* Volumes of a stopped pool are not served. */
    if (error == NULL)
        g_hash_table_remove_all(object->volumes);
    reply(invocation, error);
}

static gboolean
handle_stop(MarinaDBusStoragePool *skel, GDBusMethodInvocation *invocation,
            MarinaPoolObject *object)
{
    MarinaStoragePool *pool = object->pool;
    GError *error = NULL;

    if (!marina_pool_object_check_writable(object, invocation))
        return TRUE;
    if (!marina_storage_pool_check_settled(pool, &error) ||
        !marina_storage_pool_check_active(pool, &error) ||
        !marina_storage_pool_check_no_jobs(pool, &error))
        return return_error(invocation, error);
    g_object_set_data(G_OBJECT(invocation), "pool-object", object);
    marina_storage_pool_stop(pool, on_stopped, g_object_ref(invocation));
    return TRUE;
}

static gboolean
handle_undefine(MarinaDBusStoragePool *skel, GDBusMethodInvocation *invocation,
                MarinaPoolObject *object)
{
    MarinaStoragePool *pool = object->pool;
    GError *error = NULL;

    if (!marina_pool_object_check_writable(object, invocation))
        return TRUE;
    /* The pool and this object are freed from an idle: both serve to the end. */
    if (!marina_storage_registry_undefine(object->registry, pool, &error))
        return return_error(invocation, error);
    marina_dbus_storage_pool_complete_undefine(skel, invocation);
    marina_storage_pool_emit_event(pool, "undefined");
    return TRUE;
}

static gboolean
handle_set_autostart(MarinaDBusStoragePool *skel, GDBusMethodInvocation *invocation,
                     gboolean autostart, MarinaPoolObject *object)
{
    GError *error = NULL;

    if (!marina_pool_object_check_writable(object, invocation))
        return TRUE;
    if (!marina_storage_registry_set_autostart(object->registry, object->pool, autostart, &error))
        return return_error(invocation, error);
    marina_dbus_storage_pool_complete_set_autostart(skel, invocation);
    return TRUE;
}

static gboolean
handle_refresh(MarinaDBusStoragePool *skel, GDBusMethodInvocation *invocation,
               MarinaPoolObject *object)
{
    GError *error = NULL;

    if (!marina_storage_pool_check_settled(object->pool, &error) ||
        !marina_storage_pool_check_active(object->pool, &error))
        return return_error(invocation, error);
    marina_storage_pool_refresh(object->pool, on_done_reply, g_object_ref(invocation));
    return TRUE;
}

/* ---------------------------------------------------------------------- */
/* Queries                                                                */

static gboolean
handle_get_xml(MarinaDBusStoragePool *skel, GDBusMethodInvocation *invocation,
               MarinaPoolObject *object)
{
    g_autofree char *xml = NULL;

    marina_storage_pool_refresh_sizes(object->pool);
    xml = marina_pool_config_format(marina_storage_pool_get_config(object->pool));
    marina_dbus_storage_pool_complete_get_xml(skel, invocation, xml);
    return TRUE;
}

static gboolean
handle_get_info(MarinaDBusStoragePool *skel, GDBusMethodInvocation *invocation,
                MarinaPoolObject *object)
{
    MarinaStoragePool *pool = object->pool;
    const MarinaPoolConfig *c = marina_storage_pool_get_config(pool);
    gboolean active = marina_storage_pool_is_active(pool);
    GVariantDict d;

    marina_storage_pool_refresh_sizes(pool);
    g_variant_dict_init(&d, NULL);
    g_variant_dict_insert(&d, "name", "s", c->name);
    g_variant_dict_insert(&d, "uuid", "s", c->uuid);
    g_variant_dict_insert(&d, "type", "s", c->type);
    g_variant_dict_insert(&d, "active", "b", active);
    g_variant_dict_insert(&d, "autostart", "b", marina_storage_pool_get_autostart(pool));
    g_variant_dict_insert(&d, "persistent", "b", TRUE);
    g_variant_dict_insert(&d, "capacity", "t", active ? c->capacity : 0);
    g_variant_dict_insert(&d, "allocation", "t", active ? c->allocation : 0);
    g_variant_dict_insert(&d, "available", "t", active ? c->available : 0);
    g_variant_dict_insert(&d, "path", "s", c->target_path ? c->target_path : "");
    marina_dbus_storage_pool_complete_get_info(skel, invocation, g_variant_dict_end(&d));
    return TRUE;
}

static gboolean
handle_list_volumes(MarinaDBusStoragePool *skel, GDBusMethodInvocation *invocation,
                    MarinaPoolObject *object)
{
    MarinaStoragePool *pool = object->pool;
    g_auto(GStrv) names = NULL;
    g_autoptr(MarinaDiskUsers) users = NULL;
    GVariantBuilder b;
    GError *error = NULL;

    if (!marina_storage_pool_check_active(pool, &error))
        return return_error(invocation, error);
    names = marina_storage_pool_list_volumes(pool);
    /* One pass over the guests for the whole pool. */
    users = object->host->collect_disk_users(object->host->user_data);
    g_variant_builder_init(&b, G_VARIANT_TYPE("a(ossttsas)"));
    for (char **n = names; *n != NULL; n++) {
        g_autofree char *path = marina_storage_pool_volume_path(pool, *n);
        g_autofree char *object_path = marina_storage_pool_volume_object_path(pool, *n);
        MarinaVolumeStat stat;

        if (!marina_storage_pool_stat_volume(pool, *n, &stat))
            continue;
        g_variant_builder_add(&b, "(osstts@as)", object_path, *n, path, stat.capacity,
                              stat.allocation, stat.format,
                              marina_storage_used_by_variant(users, path));
    }
    marina_dbus_storage_pool_complete_list_volumes(skel, invocation, g_variant_builder_end(&b));
    return TRUE;
}

/* ---------------------------------------------------------------------- */
/* New volumes                                                            */

typedef struct {
    MarinaDBusStoragePool *skeleton;
    GDBusMethodInvocation *invocation;
    const char *name;
} CreateCall;

/* The job exists: answer with it before it starts working. */
static void
on_create_ready(MarinaStoragePool *pool, MarinaJob *job, gpointer data)
{
    CreateCall *call = data;
    g_autofree char *object_path = marina_storage_pool_volume_object_path(pool, call->name);

    marina_dbus_storage_pool_complete_create_volume(call->skeleton, call->invocation, object_path,
                                                    marina_job_get_object_path(job));
}

static gboolean
handle_create_volume(MarinaDBusStoragePool *skel, GDBusMethodInvocation *invocation,
                     const char *xml, MarinaPoolObject *object)
{
    g_autoptr(MarinaVolumeConfig) c = NULL;
    GError *error = NULL;
    CreateCall call = {skel, invocation, NULL};

    if (!marina_pool_object_check_writable(object, invocation))
        return TRUE;
    c = marina_volume_config_parse(xml, -1, &error);
    if (c == NULL)
        return return_error(invocation, error);
    call.name = c->name;
    if (!marina_storage_pool_create_volume(object->pool, c, on_create_ready, &call, &error))
        return return_error(invocation, error);
    return TRUE;
}

/* ---------------------------------------------------------------------- */
/* The object                                                             */

MarinaPoolObject *
marina_pool_object_new(MarinaStoragePool *pool, MarinaStorageRegistry *registry,
                       const MarinaStorageHost *host)
{
    MarinaPoolObject *object = g_new0(MarinaPoolObject, 1);
    MarinaDBusStoragePool *skel = marina_dbus_storage_pool_skeleton_new();

    object->pool = pool;
    object->registry = registry;
    object->host = host;
    object->skeleton = skel;
    object->volumes = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_object_unref);
    g_signal_connect(skel, "handle-start", G_CALLBACK(handle_start), object);
    g_signal_connect(skel, "handle-stop", G_CALLBACK(handle_stop), object);
    g_signal_connect(skel, "handle-undefine", G_CALLBACK(handle_undefine), object);
    g_signal_connect(skel, "handle-set-autostart", G_CALLBACK(handle_set_autostart), object);
    g_signal_connect(skel, "handle-refresh", G_CALLBACK(handle_refresh), object);
    g_signal_connect(skel, "handle-get-xml", G_CALLBACK(handle_get_xml), object);
    g_signal_connect(skel, "handle-get-info", G_CALLBACK(handle_get_info), object);
    g_signal_connect(skel, "handle-list-volumes", G_CALLBACK(handle_list_volumes), object);
    g_signal_connect(skel, "handle-create-volume", G_CALLBACK(handle_create_volume), object);
    return object;
}

void
marina_pool_object_free(MarinaPoolObject *object)
{
    if (object == NULL)
        return;
    g_signal_handlers_disconnect_by_data(object->skeleton, object);
    g_object_unref(object->skeleton);
    g_hash_table_unref(object->volumes);
    g_free(object);
}
