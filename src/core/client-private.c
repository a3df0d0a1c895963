#define G_LOG_DOMAIN "marina-client"

#include "config.h"

#include <glib/gi18n.h>

#include "client-private.h"
#include "error.h"

gpointer
marina_client_timeout(gpointer proxy, int timeout_ms)
{
    g_dbus_proxy_set_default_timeout(G_DBUS_PROXY(proxy), timeout_ms);
    return proxy;
}

void
marina_client_void_reply(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GTask) task = user_data;
    g_autoptr(GVariant) reply = NULL;
    GError *error = NULL;

    /* What every generated *_call_<method>_finish of an empty reply does. */
    reply = g_dbus_proxy_call_finish(G_DBUS_PROXY(source), result, &error);
    if (reply == NULL)
        g_task_return_error(task, error);
    else
        g_task_return_boolean(task, TRUE);
}

gboolean
marina_client_finish_boolean(gpointer self, GAsyncResult *result, gpointer source_tag,
                             GError **error)
{
    g_return_val_if_fail(g_task_is_valid(result, self), FALSE);
    g_return_val_if_fail(g_task_get_source_tag(G_TASK(result)) == source_tag, FALSE);
    return g_task_propagate_boolean(G_TASK(result), error);
}

gpointer
marina_client_finish_pointer(gpointer self, GAsyncResult *result, gpointer source_tag,
                             GError **error)
{
    g_return_val_if_fail(g_task_is_valid(result, self), NULL);
    g_return_val_if_fail(g_task_get_source_tag(G_TASK(result)) == source_tag, NULL);
    return g_task_propagate_pointer(G_TASK(result), error);
}

GTask *
marina_client_task_new(gpointer self, gpointer source_tag, GCancellable *cancellable,
                       GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task = g_task_new(self, cancellable, callback, user_data);

    g_task_set_source_tag(task, source_tag);
    return task;
}

gboolean
marina_client_check_path(const char *path, GError **error)
{
    if (path != NULL && g_variant_is_object_path(path))
        return TRUE;
    g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                _("'%s' is not an object path of the daemon."), path != NULL ? path : "(null)");
    return FALSE;
}
