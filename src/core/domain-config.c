#define G_LOG_DOMAIN "marina-domain-config"

#include "config.h"

#include "domain-config-private.h"

/*
 * The domain model: MarinaDomainConfig's lifetime (new, free, deep copy)
 * and lookups. Parsing, validation and writing live in domain-parse.c,
 * domain-validate.c and domain-format.c; devices are handled from their
 * descriptions in domain-devices.c. The file list is in
 * domain-config-private.h.
 */

/* The top-level strings MarinaDomainConfig owns: freed and copied from this list. */
static const gsize owned_strings[] = {
    G_STRUCT_OFFSET(MarinaDomainConfig, domain_type),
    G_STRUCT_OFFSET(MarinaDomainConfig, name),
    G_STRUCT_OFFSET(MarinaDomainConfig, uuid),
    G_STRUCT_OFFSET(MarinaDomainConfig, title),
    G_STRUCT_OFFSET(MarinaDomainConfig, description),
    G_STRUCT_OFFSET(MarinaDomainConfig, cpuset),
    G_STRUCT_OFFSET(MarinaDomainConfig, os_type),
    G_STRUCT_OFFSET(MarinaDomainConfig, arch),
    G_STRUCT_OFFSET(MarinaDomainConfig, machine),
    G_STRUCT_OFFSET(MarinaDomainConfig, kernel),
    G_STRUCT_OFFSET(MarinaDomainConfig, initrd),
    G_STRUCT_OFFSET(MarinaDomainConfig, cmdline),
    G_STRUCT_OFFSET(MarinaDomainConfig, firmware),
    G_STRUCT_OFFSET(MarinaDomainConfig, loader),
    G_STRUCT_OFFSET(MarinaDomainConfig, nvram),
    G_STRUCT_OFFSET(MarinaDomainConfig, nvram_template),
    G_STRUCT_OFFSET(MarinaDomainConfig, cpu_mode),
    G_STRUCT_OFFSET(MarinaDomainConfig, cpu_model),
    G_STRUCT_OFFSET(MarinaDomainConfig, clock_offset),
    G_STRUCT_OFFSET(MarinaDomainConfig, emulator),
    G_STRUCT_OFFSET(MarinaDomainConfig, memballoon_model),
    G_STRUCT_OFFSET(MarinaDomainConfig, metadata_xml),
};

#define STRING_AT(config, offset) ((char **)((guint8 *)(config) + (offset)))

static GPtrArray **
list_slot(MarinaDomainConfig *config, const MarinaDeviceType *type)
{
    return (GPtrArray **)((guint8 *)config + type->list_offset);
}

MarinaDomainConfig *
marina_domain_config_new(void)
{
    MarinaDomainConfig *c = g_new0(MarinaDomainConfig, 1);

    c->domain_type = g_strdup("kvm");
    c->os_type = g_strdup("hvm");
    c->arch = g_strdup("x86_64");
    c->on_poweroff = MARINA_LIFECYCLE_DESTROY;
    c->on_reboot = MARINA_LIFECYCLE_RESTART;
    c->on_crash = MARINA_LIFECYCLE_DESTROY;
    c->boot_devs = g_ptr_array_new_with_free_func(g_free);
    c->vcpupins = g_ptr_array_new_with_free_func((GDestroyNotify)marina_vcpu_pin_free);
    for (guint i = 0; i < marina_dc_n_list_types; i++) {
        const MarinaDeviceType *type = marina_dc_list_types[i];

        *list_slot(c, type) = g_ptr_array_new_with_free_func(type->free_func);
    }
    return c;
}

void
marina_domain_config_free(MarinaDomainConfig *c)
{
    if (c == NULL)
        return;
    for (guint i = 0; i < G_N_ELEMENTS(owned_strings); i++)
        g_free(*STRING_AT(c, owned_strings[i]));
    g_clear_pointer(&c->boot_devs, g_ptr_array_unref);
    g_clear_pointer(&c->vcpupins, g_ptr_array_unref);
    for (guint i = 0; i < marina_dc_n_list_types; i++)
        g_clear_pointer(list_slot(c, marina_dc_list_types[i]), g_ptr_array_unref);
    marina_dc_device_free(&marina_dc_watchdog_type, c->watchdog);
    marina_dc_device_free(&marina_dc_tpm_type, c->tpm);
    g_free(c);
}

MarinaDomainConfig *
marina_domain_config_copy(const MarinaDomainConfig *s)
{
    MarinaDomainConfig *c;

    g_return_val_if_fail(s != NULL, NULL);
    /* Scalars by value; then every pointer replaced by a deep copy. */
    c = g_memdup2(s, sizeof *s);
    for (guint i = 0; i < G_N_ELEMENTS(owned_strings); i++)
        *STRING_AT(c, owned_strings[i]) = g_strdup(*STRING_AT(s, owned_strings[i]));
    c->boot_devs = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; s->boot_devs != NULL && i < s->boot_devs->len; i++)
        g_ptr_array_add(c->boot_devs, g_strdup(s->boot_devs->pdata[i]));
    for (guint i = 0; i < marina_dc_n_list_types; i++) {
        const MarinaDeviceType *type = marina_dc_list_types[i];
        const GPtrArray *from = *list_slot((MarinaDomainConfig *)s, type);
        GPtrArray *to = g_ptr_array_new_with_free_func(type->free_func);

        for (guint j = 0; from != NULL && j < from->len; j++)
            g_ptr_array_add(to, marina_dc_device_copy(type, from->pdata[j]));
        *list_slot(c, type) = to;
    }
    c->watchdog =
        s->watchdog != NULL ? marina_dc_device_copy(&marina_dc_watchdog_type, s->watchdog) : NULL;
    c->tpm = s->tpm != NULL ? marina_dc_device_copy(&marina_dc_tpm_type, s->tpm) : NULL;
    c->vcpupins = g_ptr_array_new_with_free_func((GDestroyNotify)marina_vcpu_pin_free);
    for (guint i = 0; s->vcpupins != NULL && i < s->vcpupins->len; i++) {
        const MarinaVcpuPin *from = s->vcpupins->pdata[i];
        MarinaVcpuPin *pin = g_new0(MarinaVcpuPin, 1);

        pin->vcpu = from->vcpu;
        pin->cpuset = g_strdup(from->cpuset);
        g_ptr_array_add(c->vcpupins, pin);
    }
    return c;
}

void
marina_vcpu_pin_free(MarinaVcpuPin *pin)
{
    if (pin == NULL)
        return;
    g_free(pin->cpuset);
    g_free(pin);
}

MarinaDiskConfig *
marina_domain_config_find_disk(const MarinaDomainConfig *config, const char *target_dev)
{
    g_return_val_if_fail(config != NULL, NULL);
    for (guint i = 0; config->disks != NULL && i < config->disks->len; i++) {
        MarinaDiskConfig *d = config->disks->pdata[i];
        if (g_strcmp0(d->target_dev, target_dev) == 0)
            return d;
    }
    return NULL;
}
