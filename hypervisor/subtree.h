#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * A GDBus subtree whose children all carry one interface, each served by a
 * generated skeleton the owner keeps, or all by one vtable with the child's
 * object as user data. marinad registers one such subtree per
 * peer (domains, pools, the volumes of each pool) instead of exporting every
 * object on every connection, so a new peer costs the same however many
 * objects there are.
 *
 * The callbacks get the registered path (enumerate) or the object's path
 * (exists, skeleton) exactly as GDBus passes them, and @user_data.
 */
typedef struct {
    /* The one interface the children carry, e.g. "org.marinavm.Marina1.Domain". */
    const char *interface_name;
    /* Its introspection data, e.g. marina_dbus_domain_interface_info. */
    GDBusInterfaceInfo *(*interface_info)(void);
    /* The child node names, NULL-terminated; GDBus frees the array. */
    char **(*enumerate)(const char *path, gpointer user_data);
    /* Optional: whether @node names a child, for introspection. When NULL,
     * skeleton() (or object()) is asked instead; set it when skeleton()
     * creates objects. */
    gboolean (*exists)(const char *path, const char *node, gpointer user_data);
    /* The skeleton serving @node, or NULL when there is no such child. The
     * caller keeps its reference. */
    GDBusInterfaceSkeleton *(*skeleton)(const char *path, const char *node, gpointer user_data);
    /* Instead of skeleton(): every child is served by @vtable, with what
     * object() returns for @node (NULL: no such child) as the user data. */
    const GDBusInterfaceVTable *vtable;
    gpointer (*object)(const char *path, const char *node, gpointer user_data);
    gpointer user_data;
} MarinaSubtree;

/*
 * Registers @subtree at @path on @connection, dispatching calls to
 * unenumerated nodes too. @subtree is not copied: keep it (typically in the
 * owner's instance struct) until the registration ends. Returns the
 * registration id for g_dbus_connection_unregister_subtree(), or 0 with
 * @error set.
 */
guint marina_subtree_register(GDBusConnection *connection, const char *path,
                              const MarinaSubtree *subtree, GError **error);

G_END_DECLS
