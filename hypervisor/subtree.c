#define G_LOG_DOMAIN "marinad"

#include "config.h"

#include "subtree.h"

static char **
on_enumerate(GDBusConnection *connection, const char *sender, const char *path, gpointer user_data)
{
    const MarinaSubtree *subtree = user_data;

    return subtree->enumerate(path, subtree->user_data);
}

static GDBusInterfaceInfo **
on_introspect(GDBusConnection *connection, const char *sender, const char *path, const char *node,
              gpointer user_data)
{
    const MarinaSubtree *subtree = user_data;
    GDBusInterfaceInfo **infos;
    gboolean exists;

    if (subtree->exists != NULL)
        exists = subtree->exists(path, node, subtree->user_data);
    else if (subtree->vtable != NULL)
        exists = subtree->object(path, node, subtree->user_data) != NULL;
    else
        exists = subtree->skeleton(path, node, subtree->user_data) != NULL;
    if (!exists)
        return NULL;
    infos = g_new0(GDBusInterfaceInfo *, 2);
    infos[0] = g_dbus_interface_info_ref(subtree->interface_info());
    return infos;
}

static const GDBusInterfaceVTable *
on_dispatch(GDBusConnection *connection, const char *sender, const char *path,
            const char *interface_name, const char *node, gpointer *out_user_data,
            gpointer user_data)
{
    const MarinaSubtree *subtree = user_data;
    GDBusInterfaceSkeleton *skel;

    if (g_strcmp0(interface_name, subtree->interface_name) != 0)
        return NULL;
    if (subtree->vtable != NULL) {
        gpointer object = subtree->object(path, node, subtree->user_data);

        if (object == NULL)
            return NULL;
        *out_user_data = object;
        return subtree->vtable;
    }
    skel = subtree->skeleton(path, node, subtree->user_data);
    if (skel == NULL)
        return NULL;
    /* The generated skeleton's own vtable expects the skeleton as user data. */
    *out_user_data = skel;
    return g_dbus_interface_skeleton_get_vtable(skel);
}

static const GDBusSubtreeVTable subtree_vtable = {
    .enumerate = on_enumerate,
    .introspect = on_introspect,
    .dispatch = on_dispatch,
};

guint
marina_subtree_register(GDBusConnection *connection, const char *path, const MarinaSubtree *subtree,
                        GError **error)
{
    /* No destroy notify: @subtree belongs to the caller, and whether GDBus
     * calls one when registering fails differs between GLib versions. */
    return g_dbus_connection_register_subtree(connection, path, &subtree_vtable,
                                              G_DBUS_SUBTREE_FLAGS_DISPATCH_TO_UNENUMERATED_NODES,
                                              (gpointer)subtree, NULL, error);
}
