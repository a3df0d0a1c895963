#define G_LOG_DOMAIN "marinad-storage"

#include "config.h"

#include "core/error.h"
#include "storage-object.h"

/* One call on a volume and what answering it needs. */
typedef struct {
    MarinaPoolObject *object; /* pools with calls under way stay */
    MarinaDBusStorageVolume *skeleton;
    GDBusMethodInvocation *invocation;
    char *name;
    gboolean want_xml;
} VolumeCall;

static VolumeCall *
volume_call_new(MarinaDBusStorageVolume *skel, GDBusMethodInvocation *invocation)
{
    VolumeCall *call = g_new0(VolumeCall, 1);

    call->object = g_object_get_data(G_OBJECT(skel), "pool-object");
    call->skeleton = g_object_ref(skel);
    call->invocation = g_object_ref(invocation);
    call->name = g_strdup(g_object_get_data(G_OBJECT(skel), "name"));
    return call;
}

static void
volume_call_free(VolumeCall *call)
{
    g_object_unref(call->skeleton);
    g_object_unref(call->invocation);
    g_free(call->name);
    g_free(call);
}

static MarinaStoragePool *
pool_of(VolumeCall *call)
{
    return marina_pool_object_get_pool(call->object);
}

/* ---------------------------------------------------------------------- */
/* GetInfo, GetXML                                                        */

static GVariant *
info_variant(VolumeCall *call, const MarinaVolumeConfig *c)
{
    const MarinaStorageHost *host = marina_storage_pool_get_host(pool_of(call));
    g_autoptr(MarinaDiskUsers) users = host->collect_disk_users(host->user_data);
    GVariantDict d;

    g_variant_dict_init(&d, NULL);
    g_variant_dict_insert(&d, "name", "s", c->name);
    g_variant_dict_insert(&d, "pool", "s", marina_storage_pool_get_name(pool_of(call)));
    g_variant_dict_insert(&d, "path", "s", c->path);
    g_variant_dict_insert(&d, "format", "s", c->format);
    g_variant_dict_insert(&d, "capacity", "t", c->capacity);
    g_variant_dict_insert(&d, "allocation", "t", c->allocation);
    g_variant_dict_insert(&d, "backing", "s", c->backing_path ? c->backing_path : "");
    g_variant_dict_insert_value(&d, "used-by", marina_storage_used_by_variant(users, c->path));
    return g_variant_dict_end(&d);
}

static void
on_info(MarinaStoragePool *pool, const MarinaVolumeConfig *info, const GError *error, gpointer data)
{
    VolumeCall *call = data;

    if (error != NULL) {
        g_dbus_method_invocation_return_gerror(call->invocation, error);
    } else if (call->want_xml) {
        g_autofree char *xml = marina_volume_config_format(info);
        marina_dbus_storage_volume_complete_get_xml(call->skeleton, call->invocation, xml);
    } else {
        marina_dbus_storage_volume_complete_get_info(call->skeleton, call->invocation,
                                                     info_variant(call, info));
    }
    volume_call_free(call);
}

static gboolean
start_info(MarinaDBusStorageVolume *skel, GDBusMethodInvocation *invocation, gboolean xml)
{
    VolumeCall *call = volume_call_new(skel, invocation);

    call->want_xml = xml;
    marina_storage_pool_volume_info(pool_of(call), call->name, on_info, call);
    return TRUE;
}

static gboolean
handle_get_info(MarinaDBusStorageVolume *skel, GDBusMethodInvocation *invocation, gpointer data)
{
    return start_info(skel, invocation, FALSE);
}

static gboolean
handle_get_xml(MarinaDBusStorageVolume *skel, GDBusMethodInvocation *invocation, gpointer data)
{
    return start_info(skel, invocation, TRUE);
}

/* ---------------------------------------------------------------------- */
/* Delete, Resize, Clone                                                  */

/* A writing call: NULL (answered) when its caller may not change things. */
static VolumeCall *
writing_call_new(MarinaDBusStorageVolume *skel, GDBusMethodInvocation *invocation)
{
    MarinaPoolObject *object = g_object_get_data(G_OBJECT(skel), "pool-object");

    if (!marina_pool_object_check_writable(object, invocation))
        return NULL;
    return volume_call_new(skel, invocation);
}

static void
on_deleted(MarinaStoragePool *pool, const GError *error, gpointer data)
{
    VolumeCall *call = data;

    if (error != NULL) {
        g_dbus_method_invocation_return_gerror(call->invocation, error);
    } else {
        marina_dbus_storage_volume_complete_delete(call->skeleton, call->invocation);
        marina_pool_object_forget_volume(call->object, call->name);
    }
    volume_call_free(call);
}

static gboolean
handle_delete(MarinaDBusStorageVolume *skel, GDBusMethodInvocation *invocation, gpointer data)
{
    VolumeCall *call = writing_call_new(skel, invocation);

    if (call != NULL)
        marina_storage_pool_delete_volume(pool_of(call), call->name, on_deleted, call);
    return TRUE;
}

static void
on_resized(MarinaStoragePool *pool, const GError *error, gpointer data)
{
    VolumeCall *call = data;

    if (error != NULL)
        g_dbus_method_invocation_return_gerror(call->invocation, error);
    else
        marina_dbus_storage_volume_complete_resize(call->skeleton, call->invocation);
    volume_call_free(call);
}

static gboolean
handle_resize(MarinaDBusStorageVolume *skel, GDBusMethodInvocation *invocation, guint64 capacity,
              gpointer data)
{
    VolumeCall *call = writing_call_new(skel, invocation);

    if (call != NULL)
        marina_storage_pool_resize_volume(pool_of(call), call->name, capacity, on_resized, call);
    return TRUE;
}

/* The job exists: answer with it before it starts working. */
static void
on_clone_ready(MarinaStoragePool *pool, MarinaJob *job, gpointer data)
{
    VolumeCall *call = data;

    marina_dbus_storage_volume_complete_clone(call->skeleton, call->invocation,
                                              marina_job_get_object_path(job));
}

static gboolean
handle_clone(MarinaDBusStorageVolume *skel, GDBusMethodInvocation *invocation, const char *new_name,
             gpointer data)
{
    VolumeCall *call = writing_call_new(skel, invocation);
    g_autoptr(GError) error = NULL;

    if (call == NULL)
        return TRUE;
    if (!marina_storage_pool_clone_volume(pool_of(call), call->name, new_name, on_clone_ready, call,
                                          &error))
        g_dbus_method_invocation_return_gerror(invocation, error);
    volume_call_free(call);
    return TRUE;
}

MarinaDBusStorageVolume *
marina_volume_object_new(MarinaPoolObject *object, const char *name)
{
    MarinaDBusStorageVolume *skel = marina_dbus_storage_volume_skeleton_new();

    g_object_set_data(G_OBJECT(skel), "pool-object", object);
    g_object_set_data_full(G_OBJECT(skel), "name", g_strdup(name), g_free);
    g_signal_connect(skel, "handle-delete", G_CALLBACK(handle_delete), NULL);
    g_signal_connect(skel, "handle-resize", G_CALLBACK(handle_resize), NULL);
    g_signal_connect(skel, "handle-clone", G_CALLBACK(handle_clone), NULL);
    g_signal_connect(skel, "handle-get-info", G_CALLBACK(handle_get_info), NULL);
    g_signal_connect(skel, "handle-get-xml", G_CALLBACK(handle_get_xml), NULL);
    return skel;
}
