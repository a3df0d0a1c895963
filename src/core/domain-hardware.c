#define G_LOG_DOMAIN "marina-domain"

#include "config.h"

#include "client-private.h"
#include "domain.h"
#include "error.h"
#include "marina-dbus.h"

/*
 * A guest's hardware changed through the daemon: Domain.AttachDevice,
 * DetachDevice, UpdateDevice and ResizeDisk (see the D-Bus XML for what
 * each does live and in the definition).
 */

/* A call-only proxy per call: making one costs no round trip, and these
 * calls are rare. The GTask of the call holds it until the reply. */
static MarinaDBusDomain *
hardware_caller(MarinaDomain *self)
{
    MarinaDBusDomain *proxy = marina_dbus_domain_proxy_new_sync(
        marina_connection_get_dbus_connection(marina_domain_get_connection(self)),
        MARINA_CLIENT_PROXY_FLAGS, NULL, marina_domain_get_object_path(self), NULL, NULL);

    /* Unplugging waits for the guest to let go of the device. */
    return marina_client_timeout(proxy, MARINA_CALL_TIMEOUT_QUERY_MS);
}

/* A reply of warnings (as): the strings to g_task_return_pointer(). */
static void
on_warnings_reply(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GTask) task = user_data;
    GError *error = NULL;
    GVariant *reply = g_dbus_proxy_call_finish(G_DBUS_PROXY(source), result, &error);
    char **warnings = NULL;

    if (reply == NULL) {
        g_task_return_error(task, error);
        return;
    }
    g_variant_get(reply, "(^as)", &warnings);
    g_variant_unref(reply);
    g_task_return_pointer(task, warnings, (GDestroyNotify)g_strfreev);
}

static void
call_device(MarinaDomain *self, const char *method, gpointer tag, const char *xml, guint flags,
            gboolean has_warnings, GCancellable *cancellable, GAsyncReadyCallback callback,
            gpointer user_data)
{
    g_autoptr(MarinaDBusDomain) proxy = NULL;
    GTask *task;

    g_return_if_fail(MARINA_IS_DOMAIN(self));
    g_return_if_fail(xml != NULL);
    task = marina_client_task_new(self, tag, cancellable, callback, user_data);
    proxy = hardware_caller(self);
    g_dbus_proxy_call(G_DBUS_PROXY(proxy), method, g_variant_new("(su)", xml, flags),
                      G_DBUS_CALL_FLAGS_NONE, -1, cancellable,
                      has_warnings ? on_warnings_reply : marina_client_void_reply, task);
}

static gboolean
finish_warnings(MarinaDomain *self, GAsyncResult *result, gpointer tag, char ***warnings,
                GError **error)
{
    char **got = marina_client_finish_pointer(self, result, tag, error);

    if (got == NULL)
        return FALSE;
    if (warnings != NULL)
        *warnings = got;
    else
        g_strfreev(got);
    return TRUE;
}

void
marina_domain_attach_device_async(MarinaDomain *self, const char *xml, guint flags,
                                  GCancellable *cancellable, GAsyncReadyCallback callback,
                                  gpointer user_data)
{
    call_device(self, "AttachDevice", marina_domain_attach_device_async, xml, flags, TRUE,
                cancellable, callback, user_data);
}

gboolean
marina_domain_attach_device_finish(MarinaDomain *self, GAsyncResult *result, char ***warnings,
                                   GError **error)
{
    return finish_warnings(self, result, marina_domain_attach_device_async, warnings, error);
}

void
marina_domain_detach_device_async(MarinaDomain *self, const char *xml, guint flags,
                                  GCancellable *cancellable, GAsyncReadyCallback callback,
                                  gpointer user_data)
{
    call_device(self, "DetachDevice", marina_domain_detach_device_async, xml, flags, FALSE,
                cancellable, callback, user_data);
}

gboolean
marina_domain_detach_device_finish(MarinaDomain *self, GAsyncResult *result, GError **error)
{
    return marina_client_finish_boolean(self, result, marina_domain_detach_device_async, error);
}

void
marina_domain_update_device_async(MarinaDomain *self, const char *xml, guint flags,
                                  GCancellable *cancellable, GAsyncReadyCallback callback,
                                  gpointer user_data)
{
    call_device(self, "UpdateDevice", marina_domain_update_device_async, xml, flags, TRUE,
                cancellable, callback, user_data);
}

gboolean
marina_domain_update_device_finish(MarinaDomain *self, GAsyncResult *result, char ***warnings,
                                   GError **error)
{
    return finish_warnings(self, result, marina_domain_update_device_async, warnings, error);
}

void
marina_domain_resize_disk_async(MarinaDomain *self, const char *target, guint64 bytes,
                                GCancellable *cancellable, GAsyncReadyCallback callback,
                                gpointer user_data)
{
    g_autoptr(MarinaDBusDomain) proxy = NULL;
    GTask *task;

    g_return_if_fail(MARINA_IS_DOMAIN(self));
    g_return_if_fail(target != NULL);
    task = marina_client_task_new(self, marina_domain_resize_disk_async, cancellable, callback,
                                  user_data);
    proxy = hardware_caller(self);
    marina_dbus_domain_call_resize_disk(proxy, target, bytes, cancellable, marina_client_void_reply,
                                        task);
}

gboolean
marina_domain_resize_disk_finish(MarinaDomain *self, GAsyncResult *result, GError **error)
{
    return marina_client_finish_boolean(self, result, marina_domain_resize_disk_async, error);
}
