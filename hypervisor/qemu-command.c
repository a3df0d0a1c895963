#define G_LOG_DOMAIN "marina-qemu-command"

#include "config.h"

#include <glib/gi18n.h>
#include <stdarg.h>
#include <string.h>

#include "core/error.h"
#include "qemu-command-private.h"

/*
 * Builds a QEMU 7.2 command line. Naming of what the daemon later refers to
 * over QMP:
 *   disk <target dev="vda">   device id "disk-vda", format node "drive-vda",
 *                             protocol node "file-vda"
 *   interface i               netdev "hostnet<i>", device id "net<i>"
 *   chardev slot i            chardev "charserial<i>" / "charconsole<i>",
 *                             device "serial<port>" / "console<i>"
 *   QMP                       chardev "charmonitor", monitor "monitor"
 *   USB controller            "usb" (bus "usb.0"); SATA "sata0"; SCSI "scsi0";
 *   virtio-serial             "virtio-serial0"; balloon "balloon0"
 *   PCI root port / bridge    "pci.<controller index>" (empty, for hot-plug)
 *   hostdev i                 device "hostdev<i>"
 *   TPM                       chardev "chrtpm", tpmdev "tpm0", device "tpm0dev"
 */

#define DEFAULT_EMULATOR "qemu-system-x86_64"
#define DEFAULT_OVMF_CODE "/usr/share/OVMF/OVMF_CODE_4M.fd"

char *
marina_qemu_escape_opt(const char *value)
{
    GString *out;

    if (value == NULL)
        return NULL;
    out = g_string_sized_new(strlen(value) + 8);
    for (const char *p = value; *p != '\0'; p++) {
        if (*p == ',')
            g_string_append_c(out, ',');
        g_string_append_c(out, *p);
    }
    return g_string_free(out, FALSE);
}

/* ---- small helpers ------------------------------------------------------ */

void
marina_qemu_add(MarinaQemuBuilder *b, const char *arg)
{
    g_ptr_array_add(b->argv, g_strdup(arg));
}

void
marina_qemu_addf(MarinaQemuBuilder *b, const char *flag, const char *format, ...)
{
    va_list args;

    if (flag != NULL)
        marina_qemu_add(b, flag);
    va_start(args, format);
    g_ptr_array_add(b->argv, g_strdup_vprintf(format, args));
    va_end(args);
}

void
marina_qemu_warn(MarinaQemuBuilder *b, const char *format, ...)
{
    va_list args;
    char *text;

    va_start(args, format);
    text = g_strdup_vprintf(format, args);
    va_end(args);
    g_debug("%s", text);
    if (b->warnings != NULL)
        g_ptr_array_add(b->warnings, text);
    else
        g_free(text);
}

void
marina_qemu_add_gstring(MarinaQemuBuilder *b, const char *flag, GString *value)
{
    marina_qemu_add(b, flag);
    g_ptr_array_add(b->argv, g_string_free(value, FALSE));
}

gboolean
marina_qemu_str_eq(const char *a, const char *b)
{
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}

static const char *
lifecycle_name(MarinaLifecycleAction action)
{
    switch (action) {
    case MARINA_LIFECYCLE_DESTROY:
        return "destroy";
    case MARINA_LIFECYCLE_RESTART:
        return "restart";
    case MARINA_LIFECYCLE_PRESERVE:
        return "preserve";
    }
    return "?";
}

static gboolean
usb_disabled(const MarinaDomainConfig *config)
{
    for (guint i = 0; config->controllers != NULL && i < config->controllers->len; i++) {
        const MarinaControllerConfig *c = config->controllers->pdata[i];

        if (marina_qemu_str_eq(c->type, "usb") && marina_qemu_str_eq(c->model, "none"))
            return TRUE;
    }
    return FALSE;
}

/* ---- sections ----------------------------------------------------------- */

static gboolean
add_basics(MarinaQemuBuilder *b, GError **error)
{
    const MarinaDomainConfig *c = b->config;
    g_autofree char *name = marina_qemu_escape_opt(c->name);
    g_autofree char *machine = marina_qemu_escape_opt(c->machine != NULL ? c->machine : "pc");
    GString *machine_opt;

    if (c->name == NULL || *c->name == '\0') {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG, "%s",
                    _("The guest has no name. Add a <name> element."));
        return FALSE;
    }
    if (c->os_type != NULL && !marina_qemu_str_eq(c->os_type, "hvm")) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
                    _("Guest '%s': OS type '%s' is not supported; Marina runs full virtualization "
                      "guests (<type>hvm</type>)."),
                    c->name, c->os_type);
        return FALSE;
    }
    if (c->arch != NULL && !marina_qemu_str_eq(c->arch, "x86_64")) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
                    _("Guest '%s': architecture '%s' is not supported; use arch='x86_64'."),
                    c->name, c->arch);
        return FALSE;
    }

    marina_qemu_addf(b, "-name", "guest=%s,debug-threads=on", name);
    if (c->uuid != NULL)
        marina_qemu_addf(b, "-uuid", "%s", c->uuid);
    marina_qemu_add(b, "-nodefaults");
    marina_qemu_add(b, "-no-user-config");
    marina_qemu_addf(b, "-msg", "timestamp=on");
    marina_qemu_addf(b, "-display", "none");

    /* USB is created explicitly (controller id "usb") when needed. */
    machine_opt = g_string_new(NULL);
    g_string_append_printf(machine_opt, "%s,accel=%s,usb=off", machine, b->options->accel);
    if (!c->acpi)
        g_string_append(machine_opt, ",acpi=off");
    marina_qemu_add_gstring(b, "-machine", machine_opt);
    return TRUE;
}

static gboolean
add_cpu_memory(MarinaQemuBuilder *b, GError **error)
{
    const MarinaDomainConfig *c = b->config;
    guint current = c->current_vcpus != 0 ? c->current_vcpus : c->vcpus;

    if (c->cpu_mode == NULL) {
        /* QEMU's default model */
    } else if (marina_qemu_str_eq(c->cpu_mode, "host-passthrough") ||
               marina_qemu_str_eq(c->cpu_mode, "host-model")) {
        if (b->kvm) {
            marina_qemu_addf(b, "-cpu", "host");
        } else {
            marina_qemu_addf(b, "-cpu", "max");
            marina_qemu_warn(
                b,
                _("CPU mode '%s' needs KVM; without it (TCG) the guest gets QEMU's 'max' CPU "
                  "model instead."),
                c->cpu_mode);
        }
    } else if (marina_qemu_str_eq(c->cpu_mode, "maximum")) {
        marina_qemu_addf(b, "-cpu", "max");
    } else if (marina_qemu_str_eq(c->cpu_mode, "custom")) {
        if (c->cpu_model != NULL) {
            g_autofree char *model = marina_qemu_escape_opt(c->cpu_model);

            marina_qemu_addf(b, "-cpu", "%s", model);
        }
    } else {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
                    _("CPU mode '%s' is not supported; use host-passthrough, host-model, custom "
                      "or maximum."),
                    c->cpu_mode);
        return FALSE;
    }

    if (c->memory_kib == 0) {
        g_set_error(
            error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG, "%s",
            _("The guest has no memory. Set <memory>, e.g. <memory unit='MiB'>512</memory>."));
        return FALSE;
    }
    marina_qemu_addf(b, "-m", "size=%" G_GUINT64_FORMAT "k", c->memory_kib);

    if (c->vcpus == 0 || current > c->vcpus) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                    _("The guest needs at least one virtual CPU, and no more active than its "
                      "maximum (<vcpu current='%u'>%u</vcpu>)."),
                    current, c->vcpus);
        return FALSE;
    }
    if (c->cpu_sockets == 0) {
        marina_qemu_addf(b, "-smp", "%u,maxcpus=%u", current, c->vcpus);
        return TRUE;
    }
    /* The model checks sockets × dies × cores × threads = maxcpus. */
    if (c->cpu_dies > 1)
        marina_qemu_addf(b, "-smp", "cpus=%u,maxcpus=%u,sockets=%u,dies=%u,cores=%u,threads=%u",
                         current, c->vcpus, c->cpu_sockets, c->cpu_dies, c->cpu_cores,
                         c->cpu_threads);
    else
        marina_qemu_addf(b, "-smp", "cpus=%u,maxcpus=%u,sockets=%u,cores=%u,threads=%u", current,
                         c->vcpus, c->cpu_sockets, c->cpu_cores, c->cpu_threads);
    return TRUE;
}

static void
add_clock_lifecycle(MarinaQemuBuilder *b)
{
    const MarinaDomainConfig *c = b->config;
    const char *base = "utc";

    if (marina_qemu_str_eq(c->clock_offset, "localtime"))
        base = "localtime";
    else if (c->clock_offset != NULL && !marina_qemu_str_eq(c->clock_offset, "utc"))
        marina_qemu_warn(b, _("Clock offset '%s' is not supported; the guest clock runs in UTC."),
                         c->clock_offset);
    marina_qemu_addf(b, "-rtc", "base=%s", base);

    /* A guest poweroff only stops QEMU: the daemon applies on_poweroff
     * (and restarts or destroys for reboot/crash) itself, over QMP. */
    marina_qemu_add(b, "-no-shutdown");
    marina_qemu_addf(b, "-action", "reboot=%s",
                     c->on_reboot == MARINA_LIFECYCLE_RESTART ? "reset" : "shutdown");
    /* "pause" keeps the crashed guest for inspection; otherwise QEMU stops
     * and the daemon destroys or restarts according to on_crash. */
    marina_qemu_addf(b, "-action", "panic=%s",
                     c->on_crash == MARINA_LIFECYCLE_PRESERVE ? "pause" : "shutdown");
    if (c->on_reboot == MARINA_LIFECYCLE_PRESERVE)
        marina_qemu_warn(
            b, _("on_reboot '%s' is handled like 'destroy' but the guest is kept paused."),
            lifecycle_name(c->on_reboot));
}

static gboolean
add_boot(MarinaQemuBuilder *b, GError **error)
{
    const MarinaDomainConfig *c = b->config;
    const char *menu = c->boot_menu ? "on" : "off";
    GString *order;

    if (b->per_device_boot) {
        if (c->boot_devs != NULL && c->boot_devs->len > 0)
            marina_qemu_warn(b, "%s",
                             _("<os><boot dev=...> is ignored because devices have their own <boot "
                               "order=...>."));
        marina_qemu_addf(b, "-boot", "menu=%s", menu);
    } else {
        order = g_string_new(NULL);
        for (guint i = 0; c->boot_devs != NULL && i < c->boot_devs->len; i++) {
            const char *dev = c->boot_devs->pdata[i];
            char letter;

            if (marina_qemu_str_eq(dev, "hd"))
                letter = 'c';
            else if (marina_qemu_str_eq(dev, "cdrom"))
                letter = 'd';
            else if (marina_qemu_str_eq(dev, "network"))
                letter = 'n';
            else if (marina_qemu_str_eq(dev, "fd"))
                letter = 'a';
            else {
                g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                            _("Boot device '%s' is not known; use hd, cdrom, network or fd."), dev);
                g_string_free(order, TRUE);
                return FALSE;
            }
            if (strchr(order->str, letter) == NULL)
                g_string_append_c(order, letter);
        }
        if (order->len == 0)
            g_string_append_c(order, 'c');
        marina_qemu_addf(b, "-boot", "order=%s,menu=%s", order->str, menu);
        g_string_free(order, TRUE);
    }

    /* -kernel/-initrd/-append take their value verbatim (no option syntax). */
    if (c->kernel != NULL)
        marina_qemu_addf(b, "-kernel", "%s", c->kernel);
    if (c->initrd != NULL) {
        if (c->kernel == NULL)
            marina_qemu_warn(b, "%s", _("<initrd> is ignored because there is no <kernel>."));
        else
            marina_qemu_addf(b, "-initrd", "%s", c->initrd);
    }
    if (c->cmdline != NULL) {
        if (c->kernel == NULL)
            marina_qemu_warn(b, "%s", _("<cmdline> is ignored because there is no <kernel>."));
        else
            marina_qemu_addf(b, "-append", "%s", c->cmdline);
    }

    if (marina_qemu_str_eq(c->firmware, "efi") || c->loader != NULL) {
        g_autofree char *loader =
            marina_qemu_escape_opt(c->loader != NULL ? c->loader : DEFAULT_OVMF_CODE);

        marina_qemu_addf(b, "-drive", "if=pflash,format=raw,unit=0,readonly=on,file=%s", loader);
        if (c->nvram != NULL) {
            g_autofree char *nvram = marina_qemu_escape_opt(c->nvram);

            marina_qemu_addf(b, "-drive", "if=pflash,format=raw,unit=1,file=%s", nvram);
        }
    } else if (c->firmware != NULL && !marina_qemu_str_eq(c->firmware, "bios")) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
                    _("Firmware '%s' is not supported; use 'bios' or 'efi'."), c->firmware);
        return FALSE;
    }
    return TRUE;
}

static gboolean
add_monitor(MarinaQemuBuilder *b, GError **error)
{
    if (b->options->qmp_fd < 0) {
        g_set_error_literal(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                            "internal error: no QMP socket for the QEMU command line");
        return FALSE;
    }
    marina_qemu_addf(b, "-chardev", "socket,id=charmonitor,fd=%d,server=on,wait=off",
                     b->options->qmp_fd);
    marina_qemu_addf(b, "-mon", "chardev=charmonitor,id=monitor,mode=control");
    return TRUE;
}

/* Root ports (q35) and bridges (pc) are created empty: QEMU places the
 * configured devices on the root bus, and the empty ports are where the
 * daemon hot-plugs (q35's root bus has no hot-plug). Ids are "pci.<index>". */
static gboolean
add_pci_controller(MarinaQemuBuilder *b, const MarinaControllerConfig *ctrl)
{
    if (ctrl->model == NULL || marina_qemu_str_eq(ctrl->model, "pci-root") ||
        marina_qemu_str_eq(ctrl->model, "pcie-root"))
        return TRUE; /* part of the machine */
    if (ctrl->index == 0 || ctrl->index > 255)
        return FALSE;
    if (marina_qemu_str_eq(ctrl->model, "pcie-root-port") && b->q35) {
        marina_qemu_addf(b, "-device", "pcie-root-port,id=pci.%u,chassis=%u,bus=pcie.0",
                         ctrl->index, ctrl->index);
        return TRUE;
    }
    if (marina_qemu_str_eq(ctrl->model, "pci-bridge") && !b->q35) {
        marina_qemu_addf(b, "-device", "pci-bridge,id=pci.%u,chassis_nr=%u,bus=pci.0", ctrl->index,
                         ctrl->index);
        return TRUE;
    }
    return FALSE;
}

/* Decides what needs a USB bus, and creates the controllers. */
static gboolean
add_controllers(MarinaQemuBuilder *b, GError **error)
{
    const MarinaDomainConfig *c = b->config;
    gboolean usb_explicit = FALSE;
    const char *usb_model = "qemu-xhci";
    gboolean pci_warned = FALSE;

    for (guint i = 0; c->disks != NULL && i < c->disks->len; i++) {
        const MarinaDiskConfig *disk = c->disks->pdata[i];

        b->need_usb |= disk->bus == MARINA_DISK_BUS_USB;
    }
    for (guint i = 0; c->inputs != NULL && i < c->inputs->len; i++) {
        const MarinaInputConfig *input = c->inputs->pdata[i];

        b->need_usb |= marina_qemu_str_eq(input->bus, "usb") ||
                       (input->bus == NULL && marina_qemu_str_eq(input->type, "tablet"));
    }
    for (guint i = 0; c->sounds != NULL && i < c->sounds->len; i++) {
        const MarinaSoundConfig *sound = c->sounds->pdata[i];

        b->need_usb |= marina_qemu_str_eq(sound->model, "usb");
    }
    b->need_usb |= marina_qemu_hostdevs_need_usb(c);

    for (guint i = 0; c->controllers != NULL && i < c->controllers->len; i++) {
        const MarinaControllerConfig *ctrl = c->controllers->pdata[i];

        if (marina_qemu_str_eq(ctrl->type, "usb")) {
            if (marina_qemu_str_eq(ctrl->model, "none"))
                continue;
            if (usb_explicit) {
                marina_qemu_warn(
                    b, _("USB controller %u is ignored; Marina creates one USB controller."),
                    ctrl->index);
                continue;
            }
            usb_explicit = TRUE;
            if (ctrl->model == NULL || marina_qemu_str_eq(ctrl->model, "qemu-xhci") ||
                marina_qemu_str_eq(ctrl->model, "nec-xhci"))
                usb_model = "qemu-xhci";
            else if (marina_qemu_str_eq(ctrl->model, "piix3-uhci"))
                usb_model = "piix3-usb-uhci";
            else if (marina_qemu_str_eq(ctrl->model, "ich9-ehci1"))
                usb_model = "ich9-usb-ehci1";
            else
                marina_qemu_warn(
                    b,
                    _("USB controller model '%s' is not supported; a qemu-xhci controller is "
                      "used instead."),
                    ctrl->model);
        } else if (marina_qemu_str_eq(ctrl->type, "sata")) {
            b->have_ahci = TRUE;
        } else if (marina_qemu_str_eq(ctrl->type, "scsi")) {
            if (ctrl->model != NULL && !marina_qemu_str_eq(ctrl->model, "virtio-scsi"))
                marina_qemu_warn(
                    b,
                    _("SCSI controller model '%s' is not supported; virtio-scsi is used "
                      "instead."),
                    ctrl->model);
            b->have_scsi = TRUE;
        } else if (marina_qemu_str_eq(ctrl->type, "virtio-serial")) {
            b->have_virtio_serial = TRUE;
        } else if (marina_qemu_str_eq(ctrl->type, "pci")) {
            if (!add_pci_controller(b, ctrl) && !pci_warned) {
                marina_qemu_warn(
                    b,
                    _("PCI controller model '%s' is not supported; devices are placed on "
                      "the root bus."),
                    ctrl->model);
                pci_warned = TRUE;
            }
        } else if (!marina_qemu_str_eq(ctrl->type, "ide")) {
            marina_qemu_warn(b, _("Controller type '%s' is not supported; it is ignored."),
                             ctrl->type);
        }
    }

    if (b->need_usb && usb_disabled(c)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG, "%s",
                    _("A USB device is configured but the USB controller model is 'none'. "
                      "Remove the USB device or the <controller type='usb' model='none'/>."));
        return FALSE;
    }
    if (b->need_usb || usb_explicit)
        marina_qemu_addf(b, "-device", "%s,id=usb", usb_model);
    b->need_usb = b->need_usb || usb_explicit;

    for (guint i = 0; c->disks != NULL && i < c->disks->len; i++) {
        const MarinaDiskConfig *disk = c->disks->pdata[i];

        b->have_scsi |= disk->bus == MARINA_DISK_BUS_SCSI;
        /* q35 has its AHCI built in (bus "ide"); pc needs one. */
        b->have_ahci |= disk->bus == MARINA_DISK_BUS_SATA;
    }
    if (b->have_ahci && !b->q35)
        marina_qemu_addf(b, "-device", "ich9-ahci,id=sata0");
    if (b->have_scsi)
        marina_qemu_addf(b, "-device", "virtio-scsi-pci,id=scsi0");
    return TRUE;
}

/* ---- boot order checks -------------------------------------------------- */

static gboolean
check_boot_orders(MarinaQemuBuilder *b, GError **error)
{
    const MarinaDomainConfig *c = b->config;
    g_autoptr(GHashTable) seen = g_hash_table_new(NULL, NULL);
    guint n_disks = c->disks != NULL ? c->disks->len : 0;
    guint n_ifaces = c->interfaces != NULL ? c->interfaces->len : 0;

    for (guint i = 0; i < n_disks + n_ifaces; i++) {
        guint order =
            i < n_disks ? ((MarinaDiskConfig *)c->disks->pdata[i])->boot_order
                        : ((MarinaInterfaceConfig *)c->interfaces->pdata[i - n_disks])->boot_order;

        if (order == 0)
            continue;
        if (g_hash_table_contains(seen, GUINT_TO_POINTER(order))) {
            g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                        _("Boot order %u is given to two devices; each <boot order=...> must be "
                          "unique."),
                        order);
            return FALSE;
        }
        g_hash_table_add(seen, GUINT_TO_POINTER(order));
        b->per_device_boot = TRUE;
    }
    return TRUE;
}

/* ---- entry point -------------------------------------------------------- */

char **
marina_qemu_command_build(const MarinaDomainConfig *config, const MarinaQemuCommandOptions *options,
                          GPtrArray *warnings, GError **error)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
    MarinaQemuBuilder b = {0};
    const char *emulator;

    g_return_val_if_fail(config != NULL, NULL);
    g_return_val_if_fail(options != NULL, NULL);
    g_return_val_if_fail(error == NULL || *error == NULL, NULL);

    if (!marina_qemu_str_eq(options->accel, "kvm") && !marina_qemu_str_eq(options->accel, "tcg")) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    "internal error: accelerator '%s' is neither kvm nor tcg",
                    options->accel != NULL ? options->accel : "(null)");
        return NULL;
    }
    b.config = config;
    b.options = options;
    b.argv = argv;
    b.warnings = warnings;
    b.kvm = marina_qemu_str_eq(options->accel, "kvm");
    b.q35 = config->machine != NULL && strstr(config->machine, "q35") != NULL;

    emulator = config->emulator != NULL    ? config->emulator
               : options->emulator != NULL ? options->emulator
                                           : DEFAULT_EMULATOR;
    marina_qemu_add(&b, emulator);

    if (!check_boot_orders(&b, error) || !add_basics(&b, error) || !add_cpu_memory(&b, error))
        return NULL;
    add_clock_lifecycle(&b);
    if (!add_boot(&b, error) || !add_monitor(&b, error) || !add_controllers(&b, error))
        return NULL;
    for (guint i = 0; config->disks != NULL && i < config->disks->len; i++)
        if (!marina_qemu_add_disk(&b, config->disks->pdata[i], error))
            return NULL;
    for (guint i = 0; config->interfaces != NULL && i < config->interfaces->len; i++)
        if (!marina_qemu_add_interface(&b, config->interfaces->pdata[i], i, error))
            return NULL;
    if (!marina_qemu_add_chardevs(&b, error))
        return NULL;
    marina_qemu_add_graphics(&b);
    if (!marina_qemu_add_videos(&b, error) || !marina_qemu_add_inputs(&b, error) ||
        !marina_qemu_add_sounds(&b, error) || !marina_qemu_add_misc(&b, error) ||
        !marina_qemu_add_hostdevs(&b, error) || !marina_qemu_add_tpm(&b, error))
        return NULL;

    if (options->start_paused)
        marina_qemu_add(&b, "-S");
    if (options->incoming) {
        marina_qemu_add(&b, "-incoming");
        marina_qemu_add(&b, "defer");
    }
    g_ptr_array_add(argv, NULL);
    return (char **)g_ptr_array_steal(argv, NULL);
}
