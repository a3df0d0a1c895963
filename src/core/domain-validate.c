#define G_LOG_DOMAIN "marina-domain-config"

#include "config.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <libxml/tree.h>

#include "domain-config-private.h"
#include "error.h"

/* The rules a configuration follows, whether parsed or built in code; every
 * message names the element and says what to write instead. Device fields
 * are checked from their descriptions (domain-devices.c). */

G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlDoc, xmlFreeDoc)

static gboolean
validate_identity(const MarinaDomainConfig *c, GError **error)
{
    g_autofree char *canonical = NULL;

    if (!marina_dc_check_enum("<domain type>", c->domain_type != NULL ? c->domain_type : "",
                              marina_dc_domain_types, error) ||
        !marina_domain_name_is_valid(c->name, error))
        return FALSE;
    canonical = marina_uuid_canonicalize(c->uuid);
    if (canonical == NULL || !g_str_equal(canonical, c->uuid))
        return marina_dc_fail(
            error,
            _("Domain '%s': the UUID '%s' is not a canonical lower-case UUID, e.g. "
              "4dea22b3-1d52-d8f3-2516-782e98ab3fa0."),
            c->name, c->uuid != NULL ? c->uuid : "");
    return marina_dc_check_text("<title>", c->title, FALSE, error) &&
           marina_dc_check_text("<description>", c->description, TRUE, error);
}

static gboolean
validate_resources(const MarinaDomainConfig *c, GError **error)
{
    if (c->memory_kib == 0)
        return marina_dc_fail(
            error, _("Domain '%s' has no memory; add e.g. <memory unit='MiB'>1024</memory>."),
            c->name);
    if (c->memory_kib > MARINA_DC_MAX_MEMORY_KIB)
        return marina_dc_fail(error,
                              _("<memory> of %" PRIu64 " KiB is more than Marina supports "
                                "(16 TiB)."),
                              c->memory_kib);
    if (c->current_memory_kib == 0 || c->current_memory_kib > c->memory_kib)
        return marina_dc_fail(error,
                              _("<currentMemory> (%" PRIu64 " KiB) must be between 1 KiB and "
                                "<memory> (%" PRIu64 " KiB)."),
                              c->current_memory_kib, c->memory_kib);
    if (c->vcpus == 0 || c->vcpus > MARINA_DC_MAX_VCPUS)
        return marina_dc_fail(error, _("<vcpu> is %u; Marina supports 1 to %d virtual CPUs."),
                              c->vcpus, MARINA_DC_MAX_VCPUS);
    if (c->current_vcpus == 0 || c->current_vcpus > c->vcpus)
        return marina_dc_fail(error,
                              _("<vcpu current='%u'> must be between 1 and the maximum, %u."),
                              c->current_vcpus, c->vcpus);
    return marina_dc_check_cpuset(c->cpuset, error);
}

static gboolean
validate_boot_devs(const MarinaDomainConfig *c, GError **error)
{
    if (c->boot_devs == NULL)
        return TRUE;
    if (c->boot_devs->len > MARINA_DC_MAX_BOOT_DEVS)
        return marina_dc_fail(error, _("<os> lists more than %d <boot> devices."),
                              MARINA_DC_MAX_BOOT_DEVS);
    for (guint i = 0; i < c->boot_devs->len; i++) {
        if (!marina_dc_check_enum("<os>/<boot dev>", c->boot_devs->pdata[i],
                                  marina_dc_boot_dev_names, error))
            return FALSE;
        for (guint j = 0; j < i; j++) {
            if (g_str_equal(c->boot_devs->pdata[i], c->boot_devs->pdata[j]))
                return marina_dc_fail(
                    error, _("<os>/<boot dev='%s'> appears twice; list each device once."),
                    (const char *)c->boot_devs->pdata[i]);
        }
    }
    return TRUE;
}

static gboolean
validate_os(const MarinaDomainConfig *c, GError **error)
{
    return marina_dc_check_enum("<os>/<type>", c->os_type != NULL ? c->os_type : "",
                                marina_dc_os_types, error) &&
           marina_dc_check_enum("<os>/<type arch>", c->arch != NULL ? c->arch : "",
                                marina_dc_arches, error) &&
           marina_dc_check_token("<os>/<type machine>", c->machine, 64, error) &&
           validate_boot_devs(c, error) &&
           marina_dc_check_path("<os>/<kernel>", c->kernel, "/var/lib/marina/boot/vmlinuz",
                                error) &&
           marina_dc_check_path("<os>/<initrd>", c->initrd, "/var/lib/marina/boot/initrd.img",
                                error) &&
           marina_dc_check_text("<os>/<cmdline>", c->cmdline, FALSE, error) &&
           marina_dc_check_enum("<os firmware>", c->firmware, marina_dc_firmwares, error) &&
           marina_dc_check_path("<os>/<loader>", c->loader, "/usr/share/OVMF/OVMF_CODE.fd",
                                error) &&
           marina_dc_check_path("<os>/<nvram>", c->nvram, "/var/lib/marina/nvram/guest_VARS.fd",
                                error) &&
           marina_dc_check_path("<os>/<nvram template>", c->nvram_template,
                                "/usr/share/OVMF/OVMF_VARS_4M.fd", error) &&
           marina_dc_check_path("<devices>/<emulator>", c->emulator, "/usr/bin/qemu-system-x86_64",
                                error);
}

/* As libvirt: the topology accounts for every vCPU, no more and no fewer. */
static gboolean
validate_topology(const MarinaDomainConfig *c, GError **error)
{
    guint64 product;
    guint dies = c->cpu_dies != 0 ? c->cpu_dies : 1;

    if (c->cpu_sockets == 0 && c->cpu_cores == 0 && c->cpu_threads == 0 && c->cpu_dies == 0)
        return TRUE;
    if (c->cpu_sockets == 0 || c->cpu_cores == 0 || c->cpu_threads == 0)
        return marina_dc_fail(error, _("<cpu>/<topology> needs sockets, cores and threads of at "
                                       "least 1 each."));
    product = (guint64)c->cpu_sockets * dies * c->cpu_cores * c->cpu_threads;
    if (product != c->vcpus)
        return marina_dc_fail(error,
                              _("<cpu>/<topology> gives %u sockets × %u dies × %u cores × %u "
                                "threads = %" PRIu64 " vCPUs, but <vcpu> is %u; make them equal."),
                              c->cpu_sockets, dies, c->cpu_cores, c->cpu_threads, product,
                              c->vcpus);
    return TRUE;
}

static gboolean
validate_vcpupins(const MarinaDomainConfig *c, GError **error)
{
    if (c->vcpupins == NULL)
        return marina_dc_fail(error, _("The configuration is incomplete; create it with "
                                       "marina_domain_config_new()."));
    for (guint i = 0; i < c->vcpupins->len; i++) {
        const MarinaVcpuPin *pin = c->vcpupins->pdata[i];

        if (pin->vcpu >= c->vcpus)
            return marina_dc_fail(error,
                                  _("<cputune>/<vcpupin vcpu='%u'>: the guest has vCPUs 0 to %u "
                                    "only."),
                                  pin->vcpu, c->vcpus - 1);
        if (pin->cpuset == NULL)
            return marina_dc_fail(error, _("<cputune>/<vcpupin vcpu='%u'> has no cpuset."),
                                  pin->vcpu);
        if (!marina_dc_check_cpulist("<cputune>/<vcpupin", pin->cpuset, error))
            return FALSE;
        for (guint j = 0; j < i; j++) {
            if (((const MarinaVcpuPin *)c->vcpupins->pdata[j])->vcpu == pin->vcpu)
                return marina_dc_fail(error,
                                      _("<cputune> pins vCPU %u twice; keep one <vcpupin> for it."),
                                      pin->vcpu);
        }
    }
    return TRUE;
}

static gboolean
validate_cpu(const MarinaDomainConfig *c, GError **error)
{
    if (!validate_topology(c, error) || !validate_vcpupins(c, error))
        return FALSE;
    if (!marina_dc_check_enum("<cpu mode>", c->cpu_mode, marina_dc_cpu_modes, error) ||
        !marina_dc_check_token("<cpu>/<model>", c->cpu_model, 64, error) ||
        !marina_dc_check_enum("<clock offset>", c->clock_offset, marina_dc_clock_offsets, error))
        return FALSE;
    if (c->cpu_model != NULL && g_strcmp0(c->cpu_mode, "custom") != 0)
        return marina_dc_fail(
            error, _("<cpu>/<model> is only used with mode='custom', not mode='%s'."), c->cpu_mode);
    if ((guint)c->on_poweroff > MARINA_LIFECYCLE_PRESERVE ||
        (guint)c->on_reboot > MARINA_LIFECYCLE_PRESERVE ||
        (guint)c->on_crash > MARINA_LIFECYCLE_PRESERVE)
        return marina_dc_fail(error, _("A lifecycle action is out of range."));
    return TRUE;
}

/* libvirt refuses <os><boot> together with per-device <boot order>, and two
 * devices with the same order. */
static gboolean
validate_boot_orders(const MarinaDomainConfig *c, GError **error)
{
    g_autoptr(GHashTable) seen = g_hash_table_new(g_direct_hash, g_direct_equal);
    guint n_orders = 0;

    for (guint i = 0; i < c->disks->len + c->interfaces->len; i++) {
        guint order;
        if (i < c->disks->len)
            order = ((MarinaDiskConfig *)c->disks->pdata[i])->boot_order;
        else
            order = ((MarinaInterfaceConfig *)c->interfaces->pdata[i - c->disks->len])->boot_order;
        if (order == 0)
            continue;
        n_orders++;
        if (!g_hash_table_add(seen, GUINT_TO_POINTER(order)))
            return marina_dc_fail(error,
                                  _("Two devices have <boot order='%u'>; give each a different "
                                    "order."),
                                  order);
    }
    if (n_orders > 0 && c->boot_devs != NULL && c->boot_devs->len > 0)
        return marina_dc_fail(error,
                              _("<os>/<boot dev=…> and per-device <boot order=…> cannot be used "
                                "together; keep one of them."));
    return TRUE;
}

static gboolean
validate_counts(const MarinaDomainConfig *c, GError **error)
{
    const struct {
        GPtrArray *list;
        guint max;
        const char *what;
    } limits[] = {
        {c->disks, MARINA_DC_MAX_DISKS, "<disk>"},
        {c->interfaces, MARINA_DC_MAX_INTERFACES, "<interface>"},
        {c->controllers, MARINA_DC_MAX_CONTROLLERS, "<controller>"},
        {c->graphics, MARINA_DC_MAX_OTHER_DEVICES, "<graphics>"},
        {c->videos, MARINA_DC_MAX_OTHER_DEVICES, "<video>"},
        {c->inputs, MARINA_DC_MAX_OTHER_DEVICES, "<input>"},
        {c->sounds, MARINA_DC_MAX_OTHER_DEVICES, "<sound>"},
        {c->rngs, MARINA_DC_MAX_OTHER_DEVICES, "<rng>"},
        {c->hostdevs, MARINA_DC_MAX_HOSTDEVS, "<hostdev>"},
    };

    for (guint i = 0; i < G_N_ELEMENTS(limits); i++) {
        if (limits[i].list == NULL)
            return marina_dc_fail(error,
                                  _("The configuration has no %s list; create it with "
                                    "marina_domain_config_new()."),
                                  limits[i].what);
        if (limits[i].list->len > limits[i].max)
            return marina_dc_fail(error,
                                  _("The domain has %u %s elements; Marina accepts at most %u."),
                                  limits[i].list->len, limits[i].what, limits[i].max);
    }
    if (c->serials == NULL || c->consoles == NULL || c->boot_devs == NULL)
        return marina_dc_fail(error, _("The configuration is incomplete; create it with "
                                       "marina_domain_config_new()."));
    return TRUE;
}

static gboolean
validate_list(const MarinaDomainConfig *c, const MarinaDeviceType *type, GError **error)
{
    GPtrArray *list = marina_dc_device_list(c, type);

    for (guint i = 0; i < list->len; i++) {
        if (!marina_dc_device_validate(c, type, list->pdata[i], i, error))
            return FALSE;
    }
    return TRUE;
}

/* Serial ports and consoles are not in validate_counts: they have their own message. */
static gboolean
validate_chars(const MarinaDomainConfig *c, const MarinaDeviceType *type, GError **error)
{
    GPtrArray *list = marina_dc_device_list(c, type);

    if (list->len > MARINA_DC_MAX_OTHER_DEVICES)
        return marina_dc_fail(error, _("The domain has more than %d %s elements."),
                              MARINA_DC_MAX_OTHER_DEVICES, type->short_path);
    return validate_list(c, type, error);
}

static gboolean
validate_devices(const MarinaDomainConfig *c, GError **error)
{
    if (!validate_list(c, &marina_dc_disk_type, error) ||
        !validate_list(c, &marina_dc_interface_type, error) ||
        !validate_list(c, &marina_dc_controller_type, error) || !validate_boot_orders(c, error) ||
        !validate_chars(c, &marina_dc_serial_type, error) ||
        !validate_chars(c, &marina_dc_console_type, error) ||
        !validate_list(c, &marina_dc_graphics_type, error) ||
        !validate_list(c, &marina_dc_video_type, error) ||
        !validate_list(c, &marina_dc_input_type, error) ||
        !validate_list(c, &marina_dc_sound_type, error) ||
        !validate_list(c, &marina_dc_rng_type, error) ||
        !validate_list(c, &marina_dc_hostdev_type, error))
        return FALSE;
    if (c->watchdog != NULL &&
        !marina_dc_device_validate(c, &marina_dc_watchdog_type, c->watchdog, 0, error))
        return FALSE;
    if (c->tpm != NULL && !marina_dc_device_validate(c, &marina_dc_tpm_type, c->tpm, 0, error))
        return FALSE;
    return marina_dc_check_enum("<memballoon model>", c->memballoon_model,
                                marina_dc_memballoon_models, error);
}

gboolean
marina_domain_config_validate(const MarinaDomainConfig *c, GError **error)
{
    g_return_val_if_fail(c != NULL, FALSE);

    if (!validate_counts(c, error) || !validate_identity(c, error) ||
        !validate_resources(c, error) || !validate_os(c, error) || !validate_cpu(c, error) ||
        !validate_devices(c, error))
        return FALSE;
    if (c->metadata_xml != NULL) {
        g_autoptr(xmlDoc) doc = marina_dc_parse_metadata_fragment(c->metadata_xml, error);
        if (doc == NULL)
            return FALSE;
    }
    return TRUE;
}
