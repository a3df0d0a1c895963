#define G_LOG_DOMAIN "marinad"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "access.h"
#include "core/error.h"
#include "host-inspect.h"
#include "install-tree.h"
#include "iso-inspect.h"

/* ---------------------------------------------------------------------- */
/* Install media: reading an image (or a slow CD drive) happens in a       */
/* worker thread, never on the main loop.                                  */

static void
inspect_media_thread(GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
    GError *error = NULL;
    MarinaIsoInfo *info = marina_iso_inspect_path(task_data, &error);

    if (info == NULL)
        g_task_return_error(task, error);
    else
        g_task_return_pointer(task, info, (GDestroyNotify)marina_iso_info_free);
}

static void
on_media_inspected(GObject *source, GAsyncResult *result, gpointer user_data)
{
    MarinaDBusHost *host = MARINA_DBUS_HOST(source);
    GDBusMethodInvocation *invocation = user_data;
    const char *path = g_task_get_task_data(G_TASK(result));
    GError *error = NULL;
    g_autoptr(MarinaIsoInfo) info = g_task_propagate_pointer(G_TASK(result), &error);

    if (info == NULL) {
        g_debug("InspectMedia %s: %s", path, error->message);
        g_dbus_method_invocation_take_error(invocation, error);
        return;
    }
    marina_dbus_host_complete_inspect_media(host, invocation,
                                            marina_iso_info_to_variant(info, path));
}

static gboolean
handle_inspect_media(MarinaDBusHost *host, GDBusMethodInvocation *invocation, const char *path,
                     gpointer user_data)
{
    g_autoptr(GTask) task = NULL;

    /* The daemon may run as root: a read-only client must not learn through
     * it which files exist or what they hold. */
    if (!marina_access_check_writable(invocation))
        return TRUE;
    if (strlen(path) > 4096) {
        g_dbus_method_invocation_return_error(invocation, MARINA_ERROR,
                                              MARINA_ERROR_INVALID_ARGUMENT,
                                              _("The path of the install medium is too long."));
        return TRUE;
    }
    if (!g_path_is_absolute(path)) {
        g_dbus_method_invocation_return_error(
            invocation, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
            _("The install medium '%s' must be given as an absolute path (starting with /)."),
            path);
        return TRUE;
    }
    task = g_task_new(host, NULL, on_media_inspected, invocation);
    g_task_set_source_tag(task, handle_inspect_media);
    g_task_set_task_data(task, g_strdup(path), g_free);
    g_task_run_in_thread(task, inspect_media_thread);
    return TRUE;
}

/* ---------------------------------------------------------------------- */
/* Network install trees: every request goes out from a worker thread.    */

static void
on_install_tree_inspected(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GDBusMethodInvocation) invocation = user_data;
    GError *error = NULL;
    g_autoptr(MarinaInstallTree) tree = marina_install_tree_inspect_finish(result, &error);

    if (tree == NULL) {
        g_debug("InspectInstallTree: %s", error->message);
        g_dbus_method_invocation_take_error(invocation, error);
        return;
    }
    g_dbus_method_invocation_return_value(
        invocation, g_variant_new("(@a{sv})", marina_install_tree_to_variant(tree)));
}

static gboolean
handle_inspect_install_tree(MarinaDBusHost *host, GDBusMethodInvocation *invocation,
                            const char *url, gpointer user_data)
{
    GError *error = NULL;

    /* The daemon fetching URLs for a client is a privilege of writers. */
    if (!marina_access_check_writable(invocation))
        return TRUE;
    if (!marina_install_tree_check_url(url, &error)) {
        g_dbus_method_invocation_take_error(invocation, error);
        return TRUE;
    }
    marina_install_tree_inspect_async(url, NULL, on_install_tree_inspected,
                                      g_object_ref(invocation));
    return TRUE;
}

void
marina_host_inspect_setup(MarinaDBusHost *host)
{
    g_signal_connect(host, "handle-inspect-media", G_CALLBACK(handle_inspect_media), NULL);
    g_signal_connect(host, "handle-inspect-install-tree", G_CALLBACK(handle_inspect_install_tree),
                     NULL);
}
