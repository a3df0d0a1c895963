#define G_LOG_DOMAIN "marina-records"

#include "config.h"

#include "records.h"

/*
 * The replies of Domain.GetVcpuInfo and GetInterfaceAddresses as records. A key the daemon
 * left out reads as its "unknown" value; a value of the wrong type is skipped the same way
 * (g_variant_lookup checks the type).
 */

void
marina_vcpu_info_free(MarinaVcpuInfo *info)
{
    if (info == NULL)
        return;
    g_free(info->state);
    g_free(info->affinity);
    g_free(info);
}

void
marina_ip_address_free(MarinaIpAddress *address)
{
    if (address == NULL)
        return;
    g_free(address->type);
    g_free(address->address);
    g_free(address);
}

void
marina_interface_addresses_free(MarinaInterfaceAddresses *iface)
{
    if (iface == NULL)
        return;
    g_free(iface->name);
    g_free(iface->mac);
    g_free(iface->network);
    g_clear_pointer(&iface->addresses, g_ptr_array_unref);
    g_free(iface);
}

static char *
lookup_string(GVariant *dict, const char *key, const char *fallback)
{
    const char *value = NULL;

    if (!g_variant_lookup(dict, key, "&s", &value))
        value = fallback;
    return g_strdup(value);
}

GPtrArray *
marina_vcpu_infos_from_variant(GVariant *vcpus)
{
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)marina_vcpu_info_free);
    GVariantIter iter;
    GVariant *dict;

    g_return_val_if_fail(g_variant_is_of_type(vcpus, G_VARIANT_TYPE("aa{sv}")), out);
    g_variant_iter_init(&iter, vcpus);
    while ((dict = g_variant_iter_next_value(&iter)) != NULL) {
        MarinaVcpuInfo *info = g_new0(MarinaVcpuInfo, 1);
        gint32 cpu = -1, tid = -1;

        g_variant_lookup(dict, "vcpu", "u", &info->vcpu);
        g_variant_lookup(dict, "online", "b", &info->online);
        g_variant_lookup(dict, "cpu", "i", &cpu);
        g_variant_lookup(dict, "cpu-time-ns", "t", &info->cpu_time_ns);
        g_variant_lookup(dict, "thread-id", "i", &tid);
        info->cpu = cpu;
        info->thread_id = tid;
        info->state = lookup_string(dict, "state", "offline");
        info->affinity = lookup_string(dict, "affinity", "");
        g_ptr_array_add(out, info);
        g_variant_unref(dict);
    }
    return out;
}

/* addresses: a(sus), read as (type, prefix, address): the signature the D-Bus XML gives. */
static GPtrArray *
addresses_from_variant(GVariant *dict)
{
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)marina_ip_address_free);
    g_autoptr(GVariant) list = g_variant_lookup_value(dict, "addresses", G_VARIANT_TYPE("a(sus)"));
    GVariantIter iter;
    const char *type, *address;
    guint prefix;

    if (list == NULL)
        return out;
    g_variant_iter_init(&iter, list);
    while (g_variant_iter_next(&iter, "(&su&s)", &type, &prefix, &address)) {
        MarinaIpAddress *a = g_new0(MarinaIpAddress, 1);

        a->type = g_strdup(type);
        a->address = g_strdup(address);
        a->prefix = prefix;
        g_ptr_array_add(out, a);
    }
    return out;
}

GPtrArray *
marina_interface_addresses_from_variant(GVariant *interfaces)
{
    GPtrArray *out =
        g_ptr_array_new_with_free_func((GDestroyNotify)marina_interface_addresses_free);
    GVariantIter iter;
    GVariant *dict;

    g_return_val_if_fail(g_variant_is_of_type(interfaces, G_VARIANT_TYPE("aa{sv}")), out);
    g_variant_iter_init(&iter, interfaces);
    while ((dict = g_variant_iter_next_value(&iter)) != NULL) {
        MarinaInterfaceAddresses *iface = g_new0(MarinaInterfaceAddresses, 1);

        iface->name = lookup_string(dict, "name", "");
        iface->mac = lookup_string(dict, "mac", "");
        iface->network = lookup_string(dict, "network", "");
        iface->addresses = addresses_from_variant(dict);
        g_ptr_array_add(out, iface);
        g_variant_unref(dict);
    }
    return out;
}
