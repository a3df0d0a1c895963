#define G_LOG_DOMAIN "marina-domain-config"

#include "config.h"

#include <libxml/tree.h>

#include "domain-config-private.h"

/* MarinaDomainConfig to libvirt-style XML, two-space indented, that parses
 * back to an equal config. Devices are written from their descriptions
 * (domain-devices.c). */

G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlDoc, xmlFreeDoc)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlBuffer, xmlBufferFree)

static void
add_text_opt(xmlNode *parent, const char *name, const char *text)
{
    if (text != NULL)
        marina_dc_add_text(parent, name, text);
}

static void
write_memory(xmlNode *root, const char *name, guint64 kib)
{
    char buf[32];
    xmlNode *node;

    g_snprintf(buf, sizeof buf, "%" G_GUINT64_FORMAT, kib);
    node = marina_dc_add_text(root, name, buf);
    marina_dc_set_prop(node, "unit", "KiB");
}

static void
write_metadata(xmlNode *root, const char *metadata_xml)
{
    g_autoptr(xmlDoc) doc = NULL;
    xmlNode *meta;

    if (metadata_xml == NULL ||
        (doc = marina_dc_parse_metadata_fragment(metadata_xml, NULL)) == NULL)
        return;
    meta = marina_dc_add_child(root, "metadata");
    /* The indentation is written as text nodes; a text child also stops
     * libxml2 from re-indenting (and so changing) the foreign content. */
    MARINA_DC_FOR_EACH_ELEMENT(child, xmlDocGetRootElement(doc))
    {
        xmlAddChild(meta, xmlNewDocText(root->doc, BAD_CAST "\n    "));
        xmlAddChild(meta, xmlDocCopyNode(child, root->doc, 1));
    }
    xmlAddChild(meta, xmlNewDocText(root->doc, BAD_CAST "\n  "));
}

static void
write_os(xmlNode *root, const MarinaDomainConfig *c)
{
    xmlNode *os = marina_dc_add_child(root, "os");
    xmlNode *type;

    if (g_strcmp0(c->firmware, "efi") == 0)
        marina_dc_set_prop(os, "firmware", "efi");
    type = marina_dc_add_text(os, "type", c->os_type != NULL ? c->os_type : "hvm");
    marina_dc_set_prop(type, "arch", c->arch);
    marina_dc_set_prop(type, "machine", c->machine);
    if (c->loader != NULL) {
        /* type tells a re-parse which firmware a loader without firmware= means. */
        xmlNode *loader = marina_dc_add_text(os, "loader", c->loader);
        marina_dc_set_prop(loader, "readonly", "yes");
        marina_dc_set_prop(loader, "type", g_strcmp0(c->firmware, "efi") == 0 ? "pflash" : "rom");
    }
    if (c->nvram != NULL || c->nvram_template != NULL) {
        xmlNode *nvram = marina_dc_add_text(os, "nvram", c->nvram != NULL ? c->nvram : "");

        marina_dc_set_prop(nvram, "template", c->nvram_template);
    }
    add_text_opt(os, "kernel", c->kernel);
    add_text_opt(os, "initrd", c->initrd);
    add_text_opt(os, "cmdline", c->cmdline);
    for (guint i = 0; c->boot_devs != NULL && i < c->boot_devs->len; i++)
        marina_dc_set_prop(marina_dc_add_child(os, "boot"), "dev", c->boot_devs->pdata[i]);
    if (c->boot_menu)
        marina_dc_set_prop(marina_dc_add_child(os, "bootmenu"), "enable", "yes");
}

static void
write_cputune(xmlNode *root, const MarinaDomainConfig *c)
{
    xmlNode *cputune;

    if (c->vcpupins == NULL || c->vcpupins->len == 0)
        return;
    cputune = marina_dc_add_child(root, "cputune");
    for (guint i = 0; i < c->vcpupins->len; i++) {
        const MarinaVcpuPin *pin = c->vcpupins->pdata[i];
        xmlNode *node = marina_dc_add_child(cputune, "vcpupin");

        marina_dc_set_prop_uint(node, "vcpu", pin->vcpu);
        marina_dc_set_prop(node, "cpuset", pin->cpuset);
    }
}

static void
write_platform(xmlNode *root, const MarinaDomainConfig *c)
{
    if (c->acpi || c->apic || c->pae) {
        xmlNode *features = marina_dc_add_child(root, "features");
        if (c->acpi)
            marina_dc_add_child(features, "acpi");
        if (c->apic)
            marina_dc_add_child(features, "apic");
        if (c->pae)
            marina_dc_add_child(features, "pae");
    }
    if (c->cpu_mode != NULL || c->cpu_model != NULL || c->cpu_sockets != 0) {
        xmlNode *cpu = marina_dc_add_child(root, "cpu");
        marina_dc_set_prop(cpu, "mode", c->cpu_mode);
        add_text_opt(cpu, "model", c->cpu_model);
        if (c->cpu_sockets != 0) {
            xmlNode *topology = marina_dc_add_child(cpu, "topology");

            marina_dc_set_prop_uint(topology, "sockets", c->cpu_sockets);
            if (c->cpu_dies != 0)
                marina_dc_set_prop_uint(topology, "dies", c->cpu_dies);
            marina_dc_set_prop_uint(topology, "cores", c->cpu_cores);
            marina_dc_set_prop_uint(topology, "threads", c->cpu_threads);
        }
    }
    marina_dc_set_prop(marina_dc_add_child(root, "clock"), "offset",
                       c->clock_offset != NULL ? c->clock_offset : "utc");
    marina_dc_add_text(root, "on_poweroff",
                       marina_dc_enum_name(marina_dc_lifecycle_actions, c->on_poweroff));
    marina_dc_add_text(root, "on_reboot",
                       marina_dc_enum_name(marina_dc_lifecycle_actions, c->on_reboot));
    marina_dc_add_text(root, "on_crash",
                       marina_dc_enum_name(marina_dc_lifecycle_actions, c->on_crash));
}

static void
write_list(xmlNode *devices, const MarinaDomainConfig *c, const MarinaDeviceType *type)
{
    GPtrArray *list = marina_dc_device_list(c, type);

    for (guint i = 0; i < list->len; i++)
        marina_dc_device_write(devices, type, list->pdata[i]);
}

static void
write_devices(xmlNode *root, const MarinaDomainConfig *c)
{
    xmlNode *devices = marina_dc_add_child(root, "devices");

    add_text_opt(devices, "emulator", c->emulator);
    write_list(devices, c, &marina_dc_disk_type);
    write_list(devices, c, &marina_dc_controller_type);
    write_list(devices, c, &marina_dc_interface_type);
    write_list(devices, c, &marina_dc_serial_type);
    write_list(devices, c, &marina_dc_console_type);
    write_list(devices, c, &marina_dc_input_type);
    if (c->tpm != NULL)
        marina_dc_device_write(devices, &marina_dc_tpm_type, c->tpm);
    write_list(devices, c, &marina_dc_graphics_type);
    write_list(devices, c, &marina_dc_sound_type);
    write_list(devices, c, &marina_dc_video_type);
    write_list(devices, c, &marina_dc_hostdev_type);
    if (c->watchdog != NULL)
        marina_dc_device_write(devices, &marina_dc_watchdog_type, c->watchdog);
    marina_dc_add_attr_child(devices, "memballoon", "model", c->memballoon_model);
    write_list(devices, c, &marina_dc_rng_type);
}

char *
marina_domain_config_to_xml(const MarinaDomainConfig *c)
{
    g_autoptr(xmlDoc) doc = xmlNewDoc(BAD_CAST "1.0");
    g_autoptr(xmlBuffer) buf = xmlBufferCreate();
    xmlNode *root = xmlNewDocNode(doc, NULL, BAD_CAST "domain", NULL);
    xmlNode *vcpu;

    g_return_val_if_fail(c != NULL, NULL);
    xmlDocSetRootElement(doc, root);
    marina_dc_set_prop(root, "type", c->domain_type != NULL ? c->domain_type : "kvm");
    add_text_opt(root, "name", c->name);
    add_text_opt(root, "uuid", c->uuid);
    add_text_opt(root, "title", c->title);
    add_text_opt(root, "description", c->description);
    write_metadata(root, c->metadata_xml);
    write_memory(root, "memory", c->memory_kib);
    write_memory(root, "currentMemory",
                 c->current_memory_kib != 0 ? c->current_memory_kib : c->memory_kib);
    {
        char buf_vcpu[16];
        g_snprintf(buf_vcpu, sizeof buf_vcpu, "%u", c->vcpus);
        vcpu = marina_dc_add_text(root, "vcpu", buf_vcpu);
    }
    marina_dc_set_prop(vcpu, "placement", "static");
    if (c->current_vcpus != 0 && c->current_vcpus != c->vcpus)
        marina_dc_set_prop_uint(vcpu, "current", c->current_vcpus);
    marina_dc_set_prop(vcpu, "cpuset", c->cpuset);
    write_cputune(root, c);
    write_os(root, c);
    write_platform(root, c);
    write_devices(root, c);
    xmlNodeDump(buf, doc, root, 0, 1);
    return g_strdup_printf("%s\n", (const char *)xmlBufferContent(buf));
}
