#define G_LOG_DOMAIN "marina-domain"

#include "config.h"

#include "client-private.h"
#include "domain.h"
#include "error.h"
#include "marina-dbus.h"

/*
 * A guest's memory and vCPUs through the daemon: Domain.SetMemory, SetVcpus, PinVcpu,
 * GetVcpuInfo and GetInterfaceAddresses (see the D-Bus XML for what each does live and in
 * the definition).
 */

/* A call-only proxy per call: no round trip to make one, and these calls are rare. The
 * call holds it until the reply. Taking vCPUs away waits for the guest (up to 15 s). */
static MarinaDBusDomain *
tuning_caller(MarinaDomain *self)
{
    MarinaDBusDomain *proxy = marina_dbus_domain_proxy_new_sync(
        marina_connection_get_dbus_connection(marina_domain_get_connection(self)),
        MARINA_CLIENT_PROXY_FLAGS, NULL, marina_domain_get_object_path(self), NULL, NULL);

    return marina_client_timeout(proxy, MARINA_CALL_TIMEOUT_QUERY_MS);
}

void
marina_domain_set_memory_async(MarinaDomain *self, guint64 kib, guint flags,
                               GCancellable *cancellable, GAsyncReadyCallback callback,
                               gpointer user_data)
{
    g_autoptr(MarinaDBusDomain) proxy = NULL;
    GTask *task;

    g_return_if_fail(MARINA_IS_DOMAIN(self));
    task = marina_client_task_new(self, marina_domain_set_memory_async, cancellable, callback,
                                  user_data);
    proxy = tuning_caller(self);
    marina_dbus_domain_call_set_memory(proxy, kib, flags, cancellable, marina_client_void_reply,
                                       task);
}

gboolean
marina_domain_set_memory_finish(MarinaDomain *self, GAsyncResult *result, GError **error)
{
    return marina_client_finish_boolean(self, result, marina_domain_set_memory_async, error);
}

void
marina_domain_set_vcpus_async(MarinaDomain *self, guint count, guint flags,
                              GCancellable *cancellable, GAsyncReadyCallback callback,
                              gpointer user_data)
{
    g_autoptr(MarinaDBusDomain) proxy = NULL;
    GTask *task;

    g_return_if_fail(MARINA_IS_DOMAIN(self));
    task = marina_client_task_new(self, marina_domain_set_vcpus_async, cancellable, callback,
                                  user_data);
    proxy = tuning_caller(self);
    marina_dbus_domain_call_set_vcpus(proxy, count, flags, cancellable, marina_client_void_reply,
                                      task);
}

gboolean
marina_domain_set_vcpus_finish(MarinaDomain *self, GAsyncResult *result, GError **error)
{
    return marina_client_finish_boolean(self, result, marina_domain_set_vcpus_async, error);
}

void
marina_domain_pin_vcpu_async(MarinaDomain *self, guint vcpu, const char *cpulist, guint flags,
                             GCancellable *cancellable, GAsyncReadyCallback callback,
                             gpointer user_data)
{
    g_autoptr(MarinaDBusDomain) proxy = NULL;
    GTask *task;

    g_return_if_fail(MARINA_IS_DOMAIN(self));
    g_return_if_fail(cpulist != NULL);
    task = marina_client_task_new(self, marina_domain_pin_vcpu_async, cancellable, callback,
                                  user_data);
    proxy = tuning_caller(self);
    marina_dbus_domain_call_pin_vcpu(proxy, vcpu, cpulist, flags, cancellable,
                                     marina_client_void_reply, task);
}

gboolean
marina_domain_pin_vcpu_finish(MarinaDomain *self, GAsyncResult *result, GError **error)
{
    return marina_client_finish_boolean(self, result, marina_domain_pin_vcpu_async, error);
}

static void
on_vcpu_info(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GTask) task = user_data;
    g_autoptr(GVariant) vcpus = NULL;
    GError *error = NULL;

    if (marina_dbus_domain_call_get_vcpu_info_finish(MARINA_DBUS_DOMAIN(source), &vcpus, result,
                                                     &error))
        g_task_return_pointer(task, marina_vcpu_infos_from_variant(vcpus),
                              (GDestroyNotify)g_ptr_array_unref);
    else
        g_task_return_error(task, error);
}

void
marina_domain_get_vcpu_info_async(MarinaDomain *self, GCancellable *cancellable,
                                  GAsyncReadyCallback callback, gpointer user_data)
{
    g_autoptr(MarinaDBusDomain) proxy = NULL;
    GTask *task;

    g_return_if_fail(MARINA_IS_DOMAIN(self));
    task = marina_client_task_new(self, marina_domain_get_vcpu_info_async, cancellable, callback,
                                  user_data);
    proxy = tuning_caller(self);
    marina_dbus_domain_call_get_vcpu_info(proxy, cancellable, on_vcpu_info, task);
}

GPtrArray *
marina_domain_get_vcpu_info_finish(MarinaDomain *self, GAsyncResult *result, GError **error)
{
    return marina_client_finish_pointer(self, result, marina_domain_get_vcpu_info_async, error);
}

static void
on_interface_addresses(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GTask) task = user_data;
    g_autoptr(GVariant) interfaces = NULL;
    GError *error = NULL;

    if (marina_dbus_domain_call_get_interface_addresses_finish(MARINA_DBUS_DOMAIN(source),
                                                               &interfaces, result, &error))
        g_task_return_pointer(task, marina_interface_addresses_from_variant(interfaces),
                              (GDestroyNotify)g_ptr_array_unref);
    else
        g_task_return_error(task, error);
}

void
marina_domain_get_interface_addresses_async(MarinaDomain *self, const char *source,
                                            GCancellable *cancellable, GAsyncReadyCallback callback,
                                            gpointer user_data)
{
    g_autoptr(MarinaDBusDomain) proxy = NULL;
    GTask *task;

    g_return_if_fail(MARINA_IS_DOMAIN(self));
    g_return_if_fail(source != NULL);
    task = marina_client_task_new(self, marina_domain_get_interface_addresses_async, cancellable,
                                  callback, user_data);
    proxy = tuning_caller(self);
    marina_dbus_domain_call_get_interface_addresses(proxy, source, cancellable,
                                                    on_interface_addresses, task);
}

GPtrArray *
marina_domain_get_interface_addresses_finish(MarinaDomain *self, GAsyncResult *result,
                                             GError **error)
{
    return marina_client_finish_pointer(self, result, marina_domain_get_interface_addresses_async,
                                        error);
}
