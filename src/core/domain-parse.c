#define G_LOG_DOMAIN "marina-domain-config"

#include "config.h"

#include <glib/gi18n.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <string.h>

#include "domain-config-private.h"
#include "error.h"
#include "xml-util.h"

/* Domain XML to MarinaDomainConfig: the top-level elements here, each device
 * from its description (domain-devices.c, domain-fields.c). */

G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlDoc, xmlFreeDoc)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlBuffer, xmlBufferFree)

/* Hardened libxml2 reading (xml-util.c): no network, no entities, size limit. */
xmlDoc *
marina_dc_read_xml(const char *xml, gssize len, GError **error)
{
    return marina_xml_read_hardened(xml, len, MARINA_DOMAIN_XML_MAX, _("The XML"), error);
}

static gboolean
parse_memory_element(MarinaDcParser *p, xmlNode *node, guint64 *out, GError **error)
{
    g_autofree char *label = marina_dc_node_label(node);
    g_autofree char *unit = marina_dc_get_prop(node, "unit");
    g_autofree char *text = marina_dc_get_text(node);

    marina_dc_warn_attrs(p, node, label, MARINA_DC_ATTRS("unit"), NULL);
    if (!marina_parse_memory(text, unit, out, error)) {
        g_prefix_error(error, "%s: ", label);
        return FALSE;
    }
    return TRUE;
}

static gboolean
parse_name(MarinaDcParser *p, xmlNode *node, GError **error)
{
    return marina_dc_take_text(node, "<name>", &p->cfg->name, error);
}

static gboolean
parse_uuid(MarinaDcParser *p, xmlNode *node, GError **error)
{
    g_autofree char *text = g_strstrip(marina_dc_get_text(node));

    p->cfg->uuid = marina_uuid_canonicalize(text);
    if (p->cfg->uuid == NULL)
        return marina_dc_fail(
            error,
            _("<uuid> '%s' is not a valid UUID; write 32 hexadecimal digits, e.g. "
              "4dea22b3-1d52-d8f3-2516-782e98ab3fa0, or leave <uuid> out to have one "
              "generated."),
            text);
    return TRUE;
}

static gboolean
parse_title(MarinaDcParser *p, xmlNode *node, GError **error)
{
    return marina_dc_take_text(node, "<title>", &p->cfg->title, error);
}

static gboolean
parse_description(MarinaDcParser *p, xmlNode *node, GError **error)
{
    return marina_dc_take_text(node, "<description>", &p->cfg->description, error);
}

/* <metadata> belongs to other applications: keep its child elements verbatim,
 * each made self-contained (namespace declarations included). */
static gboolean
parse_metadata(MarinaDcParser *p, xmlNode *node, GError **error)
{
    g_autoptr(xmlBuffer) buf = xmlBufferCreate();

    MARINA_DC_FOR_EACH_ELEMENT(child, node)
    {
        g_autoptr(xmlDoc) tmp = xmlNewDoc(BAD_CAST "1.0");
        xmlNode *copy = xmlDocCopyNode(child, tmp, 1);

        if (copy == NULL)
            return marina_dc_fail(error, _("Out of memory while copying <metadata>."));
        xmlDocSetRootElement(tmp, copy);
        xmlNodeDump(buf, tmp, copy, 0, 0);
    }
    if (xmlBufferLength(buf) > 0)
        p->cfg->metadata_xml = g_strdup((const char *)xmlBufferContent(buf));
    return TRUE;
}

static gboolean
parse_memory(MarinaDcParser *p, xmlNode *node, GError **error)
{
    return parse_memory_element(p, node, &p->cfg->memory_kib, error);
}

static gboolean
parse_current_memory(MarinaDcParser *p, xmlNode *node, GError **error)
{
    return parse_memory_element(p, node, &p->cfg->current_memory_kib, error);
}

static gboolean
parse_vcpu(MarinaDcParser *p, xmlNode *node, GError **error)
{
    g_autofree char *text = marina_dc_get_text(node);
    g_autofree char *current = marina_dc_get_prop(node, "current");
    g_autofree char *placement = marina_dc_get_prop(node, "placement");

    marina_dc_warn_attrs(p, node, "<vcpu>", MARINA_DC_ATTRS("current", "cpuset"),
                         MARINA_DC_ATTRS("placement"));
    if (placement != NULL && !g_str_equal(placement, "static"))
        marina_dc_warn(p, _("Ignoring <vcpu placement='%s'>: Marina uses static placement."),
                       placement);
    if (!marina_dc_parse_guint("<vcpu>", text, 0, G_MAXUINT, &p->cfg->vcpus, error))
        return FALSE;
    p->have_vcpu = TRUE;
    if (current != NULL) {
        if (!marina_dc_parse_guint("<vcpu current>", current, 1, G_MAXUINT, &p->cfg->current_vcpus,
                                   error))
            return FALSE;
        p->have_current_vcpus = TRUE;
    }
    p->cfg->cpuset = marina_dc_get_prop(node, "cpuset");
    return TRUE;
}

static gboolean
parse_os_type(MarinaDcParser *p, xmlNode *node, GError **error)
{
    MarinaDomainConfig *c = p->cfg;
    g_autofree char *arch = marina_dc_get_prop(node, "arch");
    g_autofree char *machine = marina_dc_get_prop(node, "machine");

    marina_dc_warn_attrs(p, node, "<os>/<type>", MARINA_DC_ATTRS("arch", "machine"), NULL);
    g_free(c->os_type);
    c->os_type = g_strstrip(marina_dc_get_text(node));
    if (arch != NULL) {
        g_free(c->arch);
        c->arch = g_steal_pointer(&arch);
    }
    g_free(c->machine);
    c->machine = g_steal_pointer(&machine);
    return TRUE;
}

static gboolean
parse_os_boot(MarinaDcParser *p, xmlNode *node, GError **error)
{
    g_autofree char *dev = marina_dc_get_prop(node, "dev");

    marina_dc_warn_attrs(p, node, "<os>/<boot>", MARINA_DC_ATTRS("dev"), NULL);
    if (dev == NULL)
        return marina_dc_fail(error,
                              _("<os>/<boot> needs a dev attribute, e.g. <boot dev='hd'/>."));
    if (!marina_dc_check_enum("<os>/<boot dev>", dev, marina_dc_boot_dev_names, error))
        return FALSE;
    if (p->cfg->boot_devs->len >= MARINA_DC_MAX_BOOT_DEVS)
        return marina_dc_fail(error, _("<os> lists more than %d <boot> devices."),
                              MARINA_DC_MAX_BOOT_DEVS);
    g_ptr_array_add(p->cfg->boot_devs, g_steal_pointer(&dev));
    return TRUE;
}

static gboolean
parse_os_child(MarinaDcParser *p, xmlNode *child, GError **error)
{
    MarinaDomainConfig *c = p->cfg;

    if (marina_dc_node_is(child, "type"))
        return parse_os_type(p, child, error);
    if (marina_dc_node_is(child, "boot"))
        return parse_os_boot(p, child, error);
    if (marina_dc_node_is(child, "bootmenu")) {
        g_autofree char *enable = marina_dc_get_prop(child, "enable");
        marina_dc_warn_attrs(p, child, "<os>/<bootmenu>", MARINA_DC_ATTRS("enable"), NULL);
        return marina_dc_parse_yes_no("<os>/<bootmenu enable>", enable, &c->boot_menu, error);
    }
    if (marina_dc_node_is(child, "kernel"))
        return marina_dc_take_text(child, "<os>/<kernel>", &c->kernel, error);
    if (marina_dc_node_is(child, "initrd"))
        return marina_dc_take_text(child, "<os>/<initrd>", &c->initrd, error);
    if (marina_dc_node_is(child, "cmdline"))
        return marina_dc_take_text(child, "<os>/<cmdline>", &c->cmdline, error);
    if (marina_dc_node_is(child, "loader")) {
        /* readonly/type describe how the firmware is mapped: Marina always maps
         * a loader as read-only pflash (or ROM for type='rom'). */
        marina_dc_warn_attrs(p, child, "<os>/<loader>", NULL, MARINA_DC_ATTRS("readonly", "type"));
        g_free(p->loader_type);
        p->loader_type = marina_dc_get_prop(child, "type");
        return marina_dc_take_text(child, "<os>/<loader>", &c->loader, error);
    }
    if (marina_dc_node_is(child, "nvram")) {
        /* An empty <nvram template=…/> asks for a new NVRAM from that template. */
        marina_dc_warn_attrs(p, child, "<os>/<nvram>", MARINA_DC_ATTRS("template"), NULL);
        g_free(c->nvram_template);
        c->nvram_template = marina_dc_get_prop(child, "template");
        if (!marina_dc_take_text(child, "<os>/<nvram>", &c->nvram, error))
            return FALSE;
        g_strstrip(c->nvram);
        if (c->nvram[0] == '\0')
            g_clear_pointer(&c->nvram, g_free);
        return TRUE;
    }
    marina_dc_warn_element(p, "<os>", child);
    return TRUE;
}

static gboolean
parse_os(MarinaDcParser *p, xmlNode *node, GError **error)
{
    p->cfg->firmware = marina_dc_get_prop(node, "firmware");
    marina_dc_warn_attrs(p, node, "<os>", MARINA_DC_ATTRS("firmware"), NULL);
    MARINA_DC_FOR_EACH_ELEMENT(child, node)
    {
        if (!parse_os_child(p, child, error))
            return FALSE;
    }
    return TRUE;
}

static gboolean
parse_features(MarinaDcParser *p, xmlNode *node, GError **error)
{
    MARINA_DC_FOR_EACH_ELEMENT(child, node)
    {
        gboolean *flag = NULL;

        if (marina_dc_node_is(child, "acpi"))
            flag = &p->cfg->acpi;
        else if (marina_dc_node_is(child, "apic"))
            flag = &p->cfg->apic;
        else if (marina_dc_node_is(child, "pae"))
            flag = &p->cfg->pae;
        if (flag == NULL) {
            marina_dc_warn_element(p, "<features>", child);
            continue;
        }
        *flag = TRUE;
        g_autofree char *label = g_strdup_printf("<features>/<%s>", child->name);
        marina_dc_warn_attrs(p, child, label, NULL, NULL);
    }
    return TRUE;
}

/* <topology sockets='1' dies='1' cores='2' threads='2'/>; dies may be left out. */
static gboolean
parse_cpu_topology(MarinaDcParser *p, xmlNode *node, GError **error)
{
    MarinaDomainConfig *c = p->cfg;
    static const char *const names[] = {"sockets", "dies", "cores", "threads"};
    guint *slots[] = {&c->cpu_sockets, &c->cpu_dies, &c->cpu_cores, &c->cpu_threads};

    if (c->cpu_sockets != 0)
        return marina_dc_fail(error, _("<cpu>/<topology> appears more than once; keep one."));
    marina_dc_warn_attrs(p, node, "<cpu>/<topology>", (const char *const *)names, NULL);
    for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
        g_autofree char *value = marina_dc_get_prop(node, names[i]);
        g_autofree char *what = g_strdup_printf("<cpu>/<topology %s>", names[i]);

        if (value == NULL && i != 1)
            return marina_dc_fail(error,
                                  _("<cpu>/<topology> needs sockets, cores and threads, e.g. "
                                    "<topology sockets='1' cores='2' threads='1'/>."));
        if (value != NULL &&
            !marina_dc_parse_guint(what, value, 1, MARINA_DC_MAX_VCPUS, slots[i], error))
            return FALSE;
    }
    return TRUE;
}

static gboolean
parse_cpu(MarinaDcParser *p, xmlNode *node, GError **error)
{
    MarinaDomainConfig *c = p->cfg;

    c->cpu_mode = marina_dc_get_prop(node, "mode");
    marina_dc_warn_attrs(p, node, "<cpu>", MARINA_DC_ATTRS("mode"), NULL);
    MARINA_DC_FOR_EACH_ELEMENT(child, node)
    {
        if (marina_dc_node_is(child, "model")) {
            marina_dc_warn_attrs(p, child, "<cpu>/<model>", NULL, NULL);
            if (!marina_dc_take_text(child, "<cpu>/<model>", &c->cpu_model, error))
                return FALSE;
            g_strstrip(c->cpu_model);
        } else if (marina_dc_node_is(child, "topology")) {
            if (!parse_cpu_topology(p, child, error))
                return FALSE;
        } else {
            marina_dc_warn_element(p, "<cpu>", child);
        }
    }
    /* libvirt's default mode is custom when a model is given. */
    if (c->cpu_mode == NULL && c->cpu_model != NULL)
        c->cpu_mode = g_strdup("custom");
    return TRUE;
}

static gboolean
parse_vcpupin(MarinaDcParser *p, xmlNode *node, GError **error)
{
    g_autofree char *vcpu = marina_dc_get_prop(node, "vcpu");
    g_autoptr(GError) local = NULL;
    MarinaVcpuPin *pin;

    marina_dc_warn_attrs(p, node, "<cputune>/<vcpupin>", MARINA_DC_ATTRS("vcpu", "cpuset"), NULL);
    if (p->cfg->vcpupins->len >= MARINA_DC_MAX_VCPUS)
        return marina_dc_fail(error, _("<cputune> has more than %d <vcpupin> elements."),
                              MARINA_DC_MAX_VCPUS);
    if (vcpu == NULL)
        return marina_dc_fail(error, _("<cputune>/<vcpupin> needs vcpu and cpuset, e.g. "
                                       "<vcpupin vcpu='0' cpuset='0-1'/>."));
    pin = g_new0(MarinaVcpuPin, 1);
    g_ptr_array_add(p->cfg->vcpupins, pin);
    pin->cpuset = marina_dc_get_prop(node, "cpuset");
    if (pin->cpuset == NULL)
        return marina_dc_fail(error,
                              _("<cputune>/<vcpupin vcpu='%s'> has no cpuset; add e.g. "
                                "cpuset='0-1'."),
                              vcpu);
    return marina_dc_parse_guint("<cputune>/<vcpupin vcpu>", vcpu, 0, MARINA_DC_MAX_VCPUS - 1,
                                 &pin->vcpu, error);
}

static gboolean
parse_cputune(MarinaDcParser *p, xmlNode *node, GError **error)
{
    marina_dc_warn_attrs(p, node, "<cputune>", NULL, NULL);
    MARINA_DC_FOR_EACH_ELEMENT(child, node)
    {
        if (!marina_dc_node_is(child, "vcpupin"))
            marina_dc_warn_element(p, "<cputune>", child);
        else if (!parse_vcpupin(p, child, error))
            return FALSE;
    }
    return TRUE;
}

static gboolean
parse_clock(MarinaDcParser *p, xmlNode *node, GError **error)
{
    p->cfg->clock_offset = marina_dc_get_prop(node, "offset");
    marina_dc_warn_attrs(p, node, "<clock>", MARINA_DC_ATTRS("offset"), NULL);
    marina_dc_warn_children(p, node, "<clock>");
    return TRUE;
}

static gboolean
parse_lifecycle(MarinaDcParser *p, xmlNode *node, MarinaLifecycleAction *out, GError **error)
{
    static const struct {
        const char *name;
        MarinaLifecycleAction action;
    } approximations[] = {
        {"rename-restart", MARINA_LIFECYCLE_RESTART},
        {"coredump-destroy", MARINA_LIFECYCLE_DESTROY},
        {"coredump-restart", MARINA_LIFECYCLE_RESTART},
    };
    g_autofree char *label = marina_dc_node_label(node);
    g_autofree char *value = g_strstrip(marina_dc_get_text(node));
    int index = marina_dc_enum_index(value, marina_dc_lifecycle_actions);

    if (index >= 0) {
        *out = (MarinaLifecycleAction)index;
        return TRUE;
    }
    for (guint i = 0; i < G_N_ELEMENTS(approximations); i++) {
        if (g_str_equal(value, approximations[i].name)) {
            *out = approximations[i].action;
            marina_dc_warn(p, _("%s '%s' is not supported by Marina; using '%s' instead."), label,
                           value, marina_dc_lifecycle_actions[approximations[i].action]);
            return TRUE;
        }
    }
    return marina_dc_check_enum(label, value, marina_dc_lifecycle_actions, error);
}

static gboolean
parse_on_poweroff(MarinaDcParser *p, xmlNode *node, GError **error)
{
    return parse_lifecycle(p, node, &p->cfg->on_poweroff, error);
}

static gboolean
parse_on_reboot(MarinaDcParser *p, xmlNode *node, GError **error)
{
    return parse_lifecycle(p, node, &p->cfg->on_reboot, error);
}

static gboolean
parse_on_crash(MarinaDcParser *p, xmlNode *node, GError **error)
{
    return parse_lifecycle(p, node, &p->cfg->on_crash, error);
}

static gboolean
parse_emulator(MarinaDcParser *p, xmlNode *node, GError **error)
{
    if (!marina_dc_take_text(node, "<devices>/<emulator>", &p->cfg->emulator, error))
        return FALSE;
    g_strstrip(p->cfg->emulator);
    return TRUE;
}

static gboolean
parse_memballoon(MarinaDcParser *p, xmlNode *node, GError **error)
{
    if (p->have_memballoon)
        return marina_dc_fail(error, _("<devices>/<memballoon> appears more than once; keep one."));
    p->have_memballoon = TRUE;
    marina_dc_warn_attrs(p, node, "<devices>/<memballoon>", MARINA_DC_ATTRS("model"), NULL);
    p->cfg->memballoon_model = marina_dc_get_prop(node, "model");
    if (p->cfg->memballoon_model == NULL)
        return marina_dc_fail(error,
                              _("<memballoon> has no model; use model='virtio' or model='none'."));
    marina_dc_warn_children(p, node, "<devices>/<memballoon>");
    return TRUE;
}

/* The stored <metadata> children, read back as one document. */
xmlDoc *
marina_dc_parse_metadata_fragment(const char *metadata_xml, GError **error)
{
    g_autofree char *wrapped = g_strdup_printf("<metadata>%s</metadata>", metadata_xml);
    xmlDoc *doc = marina_dc_read_xml(wrapped, -1, error);

    if (doc == NULL)
        g_prefix_error(error, "<metadata>: ");
    return doc;
}

/* ---- devices ------------------------------------------------------------ */

static gboolean
parse_graphics(MarinaDcParser *p, xmlNode *node, GError **error)
{
    g_autofree char *type = marina_dc_get_prop(node, "type");

    /* libvirt graphics types Marina knows of but cannot run: a warning, not an error. */
    if (type != NULL && marina_dc_enum_index(type, marina_dc_foreign_graphics_types) >= 0) {
        marina_dc_warn(
            p, _("Ignoring <devices>/<graphics type='%s'>: Marina only supports VNC graphics."),
            type);
        return TRUE;
    }
    /* Checked before the rest, as a type Marina cannot run makes the rest moot. */
    if (!marina_dc_check_enum("<graphics type>", type, marina_dc_graphics_types, error))
        return FALSE;
    return marina_dc_device_parse_into_list(p, &marina_dc_graphics_type, node, error);
}

static gboolean
parse_tpm(MarinaDcParser *p, xmlNode *node, GError **error)
{
    if (p->cfg->tpm != NULL)
        return marina_dc_fail(error,
                              _("<devices>/<tpm> appears more than once; Marina supports one."));
    p->cfg->tpm = g_new0(MarinaTpmConfig, 1);
    return marina_dc_device_parse(p, &marina_dc_tpm_type, p->cfg->tpm, node, error);
}

static gboolean
parse_watchdog(MarinaDcParser *p, xmlNode *node, GError **error)
{
    if (p->cfg->watchdog != NULL)
        return marina_dc_fail(
            error, _("<devices>/<watchdog> appears more than once; Marina supports one."));
    p->cfg->watchdog = g_new0(MarinaWatchdogConfig, 1);
    return marina_dc_device_parse(p, &marina_dc_watchdog_type, p->cfg->watchdog, node, error);
}

typedef gboolean (*ElementParser)(MarinaDcParser *p, xmlNode *node, GError **error);

typedef struct {
    const char *name;
    ElementParser parse;
} ElementEntry;

/* Device elements that are not a plain list of described devices. */
static const ElementEntry special_device_elements[] = {
    {"emulator", parse_emulator}, {"graphics", parse_graphics}, {"memballoon", parse_memballoon},
    {"watchdog", parse_watchdog}, {"tpm", parse_tpm},
};

static gboolean
parse_device(MarinaDcParser *p, xmlNode *child, GError **error)
{
    for (guint i = 0; i < G_N_ELEMENTS(special_device_elements); i++) {
        if (marina_dc_node_is(child, special_device_elements[i].name))
            return special_device_elements[i].parse(p, child, error);
    }
    for (guint i = 0; i < marina_dc_n_list_types; i++) {
        if (marina_dc_node_is(child, marina_dc_list_types[i]->element))
            return marina_dc_device_parse_into_list(p, marina_dc_list_types[i], child, error);
    }
    marina_dc_warn_element(p, "<devices>", child);
    return TRUE;
}

static gboolean
parse_devices(MarinaDcParser *p, xmlNode *node, GError **error)
{
    MARINA_DC_FOR_EACH_ELEMENT(child, node)
    {
        if (!parse_device(p, child, error))
            return FALSE;
    }
    return TRUE;
}

/* Each of these may appear once. */
static const ElementEntry domain_elements[] = {
    {"name", parse_name},
    {"uuid", parse_uuid},
    {"title", parse_title},
    {"description", parse_description},
    {"metadata", parse_metadata},
    {"memory", parse_memory},
    {"currentMemory", parse_current_memory},
    {"vcpu", parse_vcpu},
    {"os", parse_os},
    {"features", parse_features},
    {"cpu", parse_cpu},
    {"cputune", parse_cputune},
    {"clock", parse_clock},
    {"on_poweroff", parse_on_poweroff},
    {"on_reboot", parse_on_reboot},
    {"on_crash", parse_on_crash},
    {"devices", parse_devices},
};

static gboolean
parse_domain(MarinaDcParser *p, xmlNode *root, GError **error)
{
    g_autofree char *type = marina_dc_get_prop(root, "type");

    /* id is the runtime domain number in virsh dumpxml output. */
    marina_dc_warn_attrs(p, root, "<domain>", MARINA_DC_ATTRS("type"), MARINA_DC_ATTRS("id"));
    if (type != NULL) {
        g_free(p->cfg->domain_type);
        p->cfg->domain_type = g_steal_pointer(&type);
    }
    MARINA_DC_FOR_EACH_ELEMENT(child, root)
    {
        guint i;

        for (i = 0; i < G_N_ELEMENTS(domain_elements); i++) {
            if (marina_dc_node_is(child, domain_elements[i].name))
                break;
        }
        if (i == G_N_ELEMENTS(domain_elements)) {
            marina_dc_warn_element(p, NULL, child);
            continue;
        }
        if (p->seen_top & (1u << i))
            return marina_dc_fail(error, _("<%s> appears more than once; keep one."), child->name);
        p->seen_top |= 1u << i;
        if (!domain_elements[i].parse(p, child, error))
            return FALSE;
    }
    return TRUE;
}

/* What a device gets when its XML leaves it out, in a domain or alone. */
static void
fill_device_defaults(MarinaDomainConfig *c)
{
    for (guint i = 0; i < c->interfaces->len; i++) {
        MarinaInterfaceConfig *n = c->interfaces->pdata[i];
        if (n->mac == NULL) {
            n->mac = marina_mac_generate();
            n->mac_generated = TRUE;
        }
    }
}

static void
fill_defaults(MarinaDcParser *p)
{
    MarinaDomainConfig *c = p->cfg;

    if (c->uuid == NULL)
        c->uuid = marina_uuid_generate();
    if (!p->have_vcpu)
        c->vcpus = 1;
    if (!p->have_current_vcpus)
        c->current_vcpus = c->vcpus;
    if (c->current_memory_kib == 0)
        c->current_memory_kib = c->memory_kib;
    if (c->os_type == NULL || c->os_type[0] == '\0') {
        g_free(c->os_type);
        c->os_type = g_strdup("hvm");
    }
    /* A <loader> without firmware= is the pre-autoselection way to give OVMF. */
    if (c->firmware == NULL)
        c->firmware =
            g_strdup(c->loader != NULL && g_strcmp0(p->loader_type, "rom") != 0 ? "efi" : "bios");
    if (c->clock_offset == NULL)
        c->clock_offset = g_strdup("utc");
    fill_device_defaults(c);
    for (guint i = 0; i < c->controllers->len; i++) {
        MarinaControllerConfig *ctl = c->controllers->pdata[i];

        if (ctl->index_auto) {
            ctl->index = marina_dc_controller_free_index(c, ctl->type, ctl);
            ctl->index_auto = FALSE;
        }
    }
}

guint
marina_dc_controller_free_index(const MarinaDomainConfig *c, const char *type, gconstpointer except)
{
    for (guint index = 0;; index++) {
        gboolean used = FALSE;

        for (guint i = 0; i < c->controllers->len && !used; i++) {
            const MarinaControllerConfig *other = c->controllers->pdata[i];

            used = other != except && !other->index_auto && other->index == index &&
                   g_strcmp0(other->type, type) == 0;
        }
        if (!used)
            return index;
    }
}

/* One device element alone (attach-device, the hardware editor), read into
 * the empty config of @p with the same dispatch and tables as inside
 * <devices>; what the element leaves to assign stays marked (index_auto,
 * port_auto) for marina_domain_config_add_device(). */
gboolean
marina_dc_parse_device_element(MarinaDcParser *p, xmlNode *node, GError **error)
{
    g_autofree char *type = NULL;

    if (marina_dc_node_is(node, "emulator"))
        return marina_dc_fail(error, _("<emulator> is not a device; it belongs to the guest's "
                                       "definition as a whole."));
    type = marina_dc_node_is(node, "graphics") ? marina_dc_get_prop(node, "type") : NULL;
    if (type != NULL && marina_dc_enum_index(type, marina_dc_foreign_graphics_types) >= 0)
        return marina_dc_fail(error,
                              _("<graphics type='%s'> is not supported; Marina only shows VNC "
                                "graphics."),
                              type);
    if (!parse_device(p, node, error))
        return FALSE;
    fill_device_defaults(p->cfg);
    return TRUE;
}

MarinaDomainConfig *
marina_domain_config_parse(const char *xml, gssize len, GPtrArray *warnings, GError **error)
{
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(GPtrArray) local_warnings = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(MarinaDomainConfig) cfg = NULL;
    MarinaDcParser p = {.warnings = local_warnings};
    xmlNode *root;

    g_return_val_if_fail(xml != NULL, NULL);
    doc = marina_dc_read_xml(xml, len, error);
    if (doc == NULL)
        return NULL;
    root = xmlDocGetRootElement(doc);
    if (root == NULL || !marina_dc_node_is(root, "domain")) {
        g_autofree char *label = root != NULL ? marina_dc_node_label(root) : g_strdup("?");
        marina_dc_fail(error,
                       _("The root element is %s; a domain description starts with <domain "
                         "type='kvm'>."),
                       label);
        return NULL;
    }
    cfg = marina_domain_config_new();
    p.cfg = cfg;
    if (!parse_domain(&p, root, error)) {
        g_free(p.loader_type);
        return NULL;
    }
    fill_defaults(&p);
    g_free(p.loader_type);
    if (!marina_domain_config_validate(cfg, error))
        return NULL;
    for (guint i = 0; warnings != NULL && i < local_warnings->len; i++)
        g_ptr_array_add(warnings, g_strdup(local_warnings->pdata[i]));
    return g_steal_pointer(&cfg);
}
