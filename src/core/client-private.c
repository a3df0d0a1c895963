#define G_LOG_DOMAIN "marina-client"

#include "config.h"

#include <glib/gi18n.h>

#include "client-private.h"
#include "error.h"
#include "job-watcher.h"

gpointer
marina_client_timeout(gpointer proxy, int timeout_ms)
{
    g_dbus_proxy_set_default_timeout(G_DBUS_PROXY(proxy), timeout_ms);
    return proxy;
}

/* The reply's type was checked against the interface by GDBusProxy (its
 * g-interface-info), so a reply of another shape is an error here. */
static GVariant *
reply_of(GObject *source, GAsyncResult *result, GTask *task)
{
    GError *error = NULL;
    GVariant *reply = g_dbus_proxy_call_finish(G_DBUS_PROXY(source), result, &error);

    if (reply == NULL)
        g_task_return_error(task, error);
    return reply;
}

void
marina_client_void_reply(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GTask) task = user_data;
    g_autoptr(GVariant) reply = reply_of(source, result, task);

    if (reply != NULL)
        g_task_return_boolean(task, TRUE);
}

void
marina_client_string_reply(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GTask) task = user_data;
    g_autoptr(GVariant) reply = reply_of(source, result, task);
    char *value;

    if (reply == NULL)
        return;
    g_variant_get(reply, "(s)", &value);
    g_task_return_pointer(task, value, g_free);
}

void
marina_client_job_reply(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GTask) task = user_data;
    g_autoptr(GVariant) reply = reply_of(source, result, task);
    const char *path;

    if (reply == NULL)
        return;
    g_variant_get(reply, "(&o)", &path);
    g_task_return_pointer(task, marina_job_watcher_new(g_task_get_task_data(task), path),
                          g_object_unref);
}

GTask *
marina_client_job_task_new(gpointer self, MarinaConnection *connection, gpointer source_tag,
                           GCancellable *cancellable, GAsyncReadyCallback callback,
                           gpointer user_data)
{
    GTask *task = marina_client_task_new(self, source_tag, cancellable, callback, user_data);

    g_task_set_task_data(task, g_object_ref(connection), g_object_unref);
    return task;
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
