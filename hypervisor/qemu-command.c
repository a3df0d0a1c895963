#define G_LOG_DOMAIN "marina-qemu-command"

#include "config.h"

#include <glib/gi18n.h>
#include <stdarg.h>
#include <string.h>

#include "core/error.h"
#include "qemu-command.h"

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
 */

#define DEFAULT_EMULATOR "qemu-system-x86_64"
#define DEFAULT_OVMF_CODE "/usr/share/OVMF/OVMF_CODE.fd"

typedef struct {
    const MarinaDomainConfig *config;
    const MarinaQemuCommandOptions *options;
    GPtrArray *argv;
    GPtrArray *warnings;
    gboolean kvm;
    gboolean q35;
    gboolean per_device_boot;
    gboolean need_usb;
    gboolean have_ahci;
    gboolean have_scsi;
    gboolean have_virtio_serial;
} Builder;

typedef struct {
    const MarinaCharConfig *chr;
    gboolean virtio; /* virtconsole, else isa-serial */
    guint port;      /* serial: target port */
} CharSlot;

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

static void
add(Builder *b, const char *arg)
{
    g_ptr_array_add(b->argv, g_strdup(arg));
}

static void G_GNUC_PRINTF(3, 4) addf(Builder *b, const char *flag, const char *format, ...)
{
    va_list args;

    if (flag != NULL)
        add(b, flag);
    va_start(args, format);
    g_ptr_array_add(b->argv, g_strdup_vprintf(format, args));
    va_end(args);
}

static void G_GNUC_PRINTF(2, 3) warn(Builder *b, const char *format, ...)
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

static gboolean
str_eq(const char *a, const char *b)
{
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* "vda" -> 0, "sdb" -> 1, "hdc" -> 2, "vdaa" -> 26 (libvirt's numbering);
 * -1 if @dev does not have that shape. */
static int
disk_index(const char *dev)
{
    const char *p = dev;
    gint64 index = 0;

    if (g_str_has_prefix(dev, "vd") || g_str_has_prefix(dev, "sd") || g_str_has_prefix(dev, "hd") ||
        g_str_has_prefix(dev, "fd"))
        p = dev + 2;
    else if (g_str_has_prefix(dev, "xvd"))
        p = dev + 3;
    else
        return -1;
    if (*p == '\0' || strlen(p) > 4)
        return -1;
    for (; *p != '\0'; p++) {
        if (*p < 'a' || *p > 'z')
            return -1;
        index = index * 26 + (*p - 'a' + 1);
    }
    return (int)(index - 1);
}

/* QOM ids and node names are built from target devs: keep them plain. */
static gboolean
is_plain_name(const char *name)
{
    if (name == NULL || *name == '\0' || strlen(name) > 16 || !g_ascii_isalpha(*name))
        return FALSE;
    for (const char *p = name; *p != '\0'; p++)
        if (!g_ascii_isalnum(*p))
            return FALSE;
    return TRUE;
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

        if (str_eq(c->type, "usb") && str_eq(c->model, "none"))
            return TRUE;
    }
    return FALSE;
}

/* ---- character device slots --------------------------------------------- */

static gint
compare_slots(gconstpointer a, gconstpointer b)
{
    const CharSlot *sa = a, *sb = b;

    if (sa->virtio != sb->virtio)
        return sa->virtio ? 1 : -1;
    if (sa->virtio)
        return 0;
    return (sa->port > sb->port) - (sa->port < sb->port);
}

static gboolean
console_is_serial(const MarinaCharConfig *console)
{
    return console->target_type == NULL || str_eq(console->target_type, "serial");
}

/* Serial ports (by target port), then virtio consoles. @b may be NULL (just
 * counting); with a builder, unsupported consoles are warned about. */
static GArray *
chardev_slots(const MarinaDomainConfig *config, Builder *b)
{
    GArray *slots = g_array_new(FALSE, TRUE, sizeof(CharSlot));
    gboolean serial_console_seen = FALSE;
    guint n_serials = config->serials != NULL ? config->serials->len : 0;

    for (guint i = 0; i < n_serials; i++) {
        const MarinaCharConfig *chr = config->serials->pdata[i];
        CharSlot slot = {chr, FALSE, chr->port};

        g_array_append_val(slots, slot);
    }
    for (guint i = 0; config->consoles != NULL && i < config->consoles->len; i++) {
        const MarinaCharConfig *chr = config->consoles->pdata[i];

        if (str_eq(chr->target_type, "virtio")) {
            CharSlot slot = {chr, TRUE, 0};

            g_array_append_val(slots, slot);
        } else if (console_is_serial(chr)) {
            /* libvirt semantics: the first serial console is serial port 0
             * seen from another angle; it is a device of its own only when
             * no <serial> exists. */
            if (!serial_console_seen && n_serials == 0) {
                CharSlot slot = {chr, FALSE, 0};

                g_array_append_val(slots, slot);
            } else if (serial_console_seen && b != NULL) {
                warn(b, _("Only one serial console is supported; console %u is ignored."), i);
            }
            serial_console_seen = TRUE;
        } else if (b != NULL) {
            warn(b, _("Console %u: target type '%s' is not supported on x86; it is ignored."), i,
                 chr->target_type);
        }
    }
    g_array_sort(slots, compare_slots);
    return slots;
}

guint
marina_qemu_command_n_chardevs(const MarinaDomainConfig *config)
{
    g_autoptr(GArray) slots = NULL;

    g_return_val_if_fail(config != NULL, 0);
    slots = chardev_slots(config, NULL);
    return slots->len;
}

/* ---- sections ----------------------------------------------------------- */

static gboolean
add_basics(Builder *b, GError **error)
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
    if (c->os_type != NULL && !str_eq(c->os_type, "hvm")) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
                    _("Guest '%s': OS type '%s' is not supported; Marina runs full virtualization "
                      "guests (<type>hvm</type>)."),
                    c->name, c->os_type);
        return FALSE;
    }
    if (c->arch != NULL && !str_eq(c->arch, "x86_64")) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
                    _("Guest '%s': architecture '%s' is not supported; use arch='x86_64'."),
                    c->name, c->arch);
        return FALSE;
    }

    addf(b, "-name", "guest=%s,debug-threads=on", name);
    if (c->uuid != NULL)
        addf(b, "-uuid", "%s", c->uuid);
    add(b, "-nodefaults");
    add(b, "-no-user-config");
    addf(b, "-msg", "timestamp=on");
    addf(b, "-display", "none");

    /* USB is created explicitly (controller id "usb") when needed. */
    machine_opt = g_string_new(NULL);
    g_string_append_printf(machine_opt, "%s,accel=%s,usb=off", machine, b->options->accel);
    if (!c->acpi)
        g_string_append(machine_opt, ",acpi=off");
    add(b, "-machine");
    g_ptr_array_add(b->argv, g_string_free(machine_opt, FALSE));
    return TRUE;
}

static gboolean
add_cpu_memory(Builder *b, GError **error)
{
    const MarinaDomainConfig *c = b->config;
    guint current = c->current_vcpus != 0 ? c->current_vcpus : c->vcpus;

    if (c->cpu_mode == NULL) {
        /* QEMU's default model */
    } else if (str_eq(c->cpu_mode, "host-passthrough") || str_eq(c->cpu_mode, "host-model")) {
        if (b->kvm) {
            addf(b, "-cpu", "host");
        } else {
            addf(b, "-cpu", "max");
            warn(b,
                 _("CPU mode '%s' needs KVM; without it (TCG) the guest gets QEMU's 'max' CPU "
                   "model instead."),
                 c->cpu_mode);
        }
    } else if (str_eq(c->cpu_mode, "maximum")) {
        addf(b, "-cpu", "max");
    } else if (str_eq(c->cpu_mode, "custom")) {
        if (c->cpu_model != NULL) {
            g_autofree char *model = marina_qemu_escape_opt(c->cpu_model);

            addf(b, "-cpu", "%s", model);
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
    addf(b, "-m", "size=%" G_GUINT64_FORMAT "k", c->memory_kib);

    if (c->vcpus == 0 || current > c->vcpus) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                    _("The guest needs at least one virtual CPU, and no more active than its "
                      "maximum (<vcpu current='%u'>%u</vcpu>)."),
                    current, c->vcpus);
        return FALSE;
    }
    addf(b, "-smp", "%u,maxcpus=%u", current, c->vcpus);
    return TRUE;
}

static void
add_clock_lifecycle(Builder *b)
{
    const MarinaDomainConfig *c = b->config;
    const char *base = "utc";

    if (str_eq(c->clock_offset, "localtime"))
        base = "localtime";
    else if (c->clock_offset != NULL && !str_eq(c->clock_offset, "utc"))
        warn(b, _("Clock offset '%s' is not supported; the guest clock runs in UTC."),
             c->clock_offset);
    addf(b, "-rtc", "base=%s", base);

    /* A guest poweroff only stops QEMU: the daemon applies on_poweroff
     * (and restarts or destroys for reboot/crash) itself, over QMP. */
    add(b, "-no-shutdown");
    addf(b, "-action", "reboot=%s",
         c->on_reboot == MARINA_LIFECYCLE_RESTART ? "reset" : "shutdown");
    /* "pause" keeps the crashed guest for inspection; otherwise QEMU stops
     * and the daemon destroys or restarts according to on_crash. */
    addf(b, "-action", "panic=%s", c->on_crash == MARINA_LIFECYCLE_PRESERVE ? "pause" : "shutdown");
    if (c->on_reboot == MARINA_LIFECYCLE_PRESERVE)
        warn(b, _("on_reboot '%s' is handled like 'destroy' but the guest is kept paused."),
             lifecycle_name(c->on_reboot));
}

static gboolean
add_boot(Builder *b, GError **error)
{
    const MarinaDomainConfig *c = b->config;
    const char *menu = c->boot_menu ? "on" : "off";
    GString *order;

    if (b->per_device_boot) {
        if (c->boot_devs != NULL && c->boot_devs->len > 0)
            warn(b, "%s",
                 _("<os><boot dev=...> is ignored because devices have their own <boot "
                   "order=...>."));
        addf(b, "-boot", "menu=%s", menu);
    } else {
        order = g_string_new(NULL);
        for (guint i = 0; c->boot_devs != NULL && i < c->boot_devs->len; i++) {
            const char *dev = c->boot_devs->pdata[i];
            char letter;

            if (str_eq(dev, "hd"))
                letter = 'c';
            else if (str_eq(dev, "cdrom"))
                letter = 'd';
            else if (str_eq(dev, "network"))
                letter = 'n';
            else if (str_eq(dev, "fd"))
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
        addf(b, "-boot", "order=%s,menu=%s", order->str, menu);
        g_string_free(order, TRUE);
    }

    /* -kernel/-initrd/-append take their value verbatim (no option syntax). */
    if (c->kernel != NULL)
        addf(b, "-kernel", "%s", c->kernel);
    if (c->initrd != NULL) {
        if (c->kernel == NULL)
            warn(b, "%s", _("<initrd> is ignored because there is no <kernel>."));
        else
            addf(b, "-initrd", "%s", c->initrd);
    }
    if (c->cmdline != NULL) {
        if (c->kernel == NULL)
            warn(b, "%s", _("<cmdline> is ignored because there is no <kernel>."));
        else
            addf(b, "-append", "%s", c->cmdline);
    }

    if (str_eq(c->firmware, "efi") || c->loader != NULL) {
        g_autofree char *loader =
            marina_qemu_escape_opt(c->loader != NULL ? c->loader : DEFAULT_OVMF_CODE);

        addf(b, "-drive", "if=pflash,format=raw,unit=0,readonly=on,file=%s", loader);
        if (c->nvram != NULL) {
            g_autofree char *nvram = marina_qemu_escape_opt(c->nvram);

            addf(b, "-drive", "if=pflash,format=raw,unit=1,file=%s", nvram);
        }
    } else if (c->firmware != NULL && !str_eq(c->firmware, "bios")) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
                    _("Firmware '%s' is not supported; use 'bios' or 'efi'."), c->firmware);
        return FALSE;
    }
    return TRUE;
}

static gboolean
add_monitor(Builder *b, GError **error)
{
    if (b->options->qmp_fd < 0) {
        g_set_error_literal(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                            "internal error: no QMP socket for the QEMU command line");
        return FALSE;
    }
    addf(b, "-chardev", "socket,id=charmonitor,fd=%d,server=on,wait=off", b->options->qmp_fd);
    addf(b, "-mon", "chardev=charmonitor,id=monitor,mode=control");
    return TRUE;
}

/* Root ports (q35) and bridges (pc) are created empty: QEMU places the
 * configured devices on the root bus, and the empty ports are where the
 * daemon hot-plugs (q35's root bus has no hot-plug). Ids are "pci.<index>". */
static gboolean
add_pci_controller(Builder *b, const MarinaControllerConfig *ctrl)
{
    if (ctrl->model == NULL || str_eq(ctrl->model, "pci-root") || str_eq(ctrl->model, "pcie-root"))
        return TRUE; /* part of the machine */
    if (ctrl->index == 0 || ctrl->index > 255)
        return FALSE;
    if (str_eq(ctrl->model, "pcie-root-port") && b->q35) {
        addf(b, "-device", "pcie-root-port,id=pci.%u,chassis=%u,bus=pcie.0", ctrl->index,
             ctrl->index);
        return TRUE;
    }
    if (str_eq(ctrl->model, "pci-bridge") && !b->q35) {
        addf(b, "-device", "pci-bridge,id=pci.%u,chassis_nr=%u,bus=pci.0", ctrl->index,
             ctrl->index);
        return TRUE;
    }
    return FALSE;
}

/* Decides what needs a USB bus, and creates the controllers. */
static gboolean
add_controllers(Builder *b, GError **error)
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

        b->need_usb |=
            str_eq(input->bus, "usb") || (input->bus == NULL && str_eq(input->type, "tablet"));
    }
    for (guint i = 0; c->sounds != NULL && i < c->sounds->len; i++) {
        const MarinaSoundConfig *sound = c->sounds->pdata[i];

        b->need_usb |= str_eq(sound->model, "usb");
    }

    for (guint i = 0; c->controllers != NULL && i < c->controllers->len; i++) {
        const MarinaControllerConfig *ctrl = c->controllers->pdata[i];

        if (str_eq(ctrl->type, "usb")) {
            if (str_eq(ctrl->model, "none"))
                continue;
            if (usb_explicit) {
                warn(b, _("USB controller %u is ignored; Marina creates one USB controller."),
                     ctrl->index);
                continue;
            }
            usb_explicit = TRUE;
            if (ctrl->model == NULL || str_eq(ctrl->model, "qemu-xhci") ||
                str_eq(ctrl->model, "nec-xhci"))
                usb_model = "qemu-xhci";
            else if (str_eq(ctrl->model, "piix3-uhci"))
                usb_model = "piix3-usb-uhci";
            else if (str_eq(ctrl->model, "ich9-ehci1"))
                usb_model = "ich9-usb-ehci1";
            else
                warn(b,
                     _("USB controller model '%s' is not supported; a qemu-xhci controller is "
                       "used instead."),
                     ctrl->model);
        } else if (str_eq(ctrl->type, "sata")) {
            b->have_ahci = TRUE;
        } else if (str_eq(ctrl->type, "scsi")) {
            if (ctrl->model != NULL && !str_eq(ctrl->model, "virtio-scsi"))
                warn(b,
                     _("SCSI controller model '%s' is not supported; virtio-scsi is used "
                       "instead."),
                     ctrl->model);
            b->have_scsi = TRUE;
        } else if (str_eq(ctrl->type, "virtio-serial")) {
            b->have_virtio_serial = TRUE;
        } else if (str_eq(ctrl->type, "pci")) {
            if (!add_pci_controller(b, ctrl) && !pci_warned) {
                warn(b,
                     _("PCI controller model '%s' is not supported; devices are placed on "
                       "the root bus."),
                     ctrl->model);
                pci_warned = TRUE;
            }
        } else if (!str_eq(ctrl->type, "ide")) {
            warn(b, _("Controller type '%s' is not supported; it is ignored."), ctrl->type);
        }
    }

    if (b->need_usb && usb_disabled(c)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG, "%s",
                    _("A USB device is configured but the USB controller model is 'none'. "
                      "Remove the USB device or the <controller type='usb' model='none'/>."));
        return FALSE;
    }
    if (b->need_usb || usb_explicit)
        addf(b, "-device", "%s,id=usb", usb_model);
    b->need_usb = b->need_usb || usb_explicit;

    for (guint i = 0; c->disks != NULL && i < c->disks->len; i++) {
        const MarinaDiskConfig *disk = c->disks->pdata[i];

        b->have_scsi |= disk->bus == MARINA_DISK_BUS_SCSI;
        /* q35 has its AHCI built in (bus "ide"); pc needs one. */
        b->have_ahci |= disk->bus == MARINA_DISK_BUS_SATA;
    }
    if (b->have_ahci && !b->q35)
        addf(b, "-device", "ich9-ahci,id=sata0");
    if (b->have_scsi)
        addf(b, "-device", "virtio-scsi-pci,id=scsi0");
    return TRUE;
}

/* ---- disks -------------------------------------------------------------- */

typedef struct {
    gboolean direct;
    gboolean no_flush;
    gboolean write_cache_off;
    gboolean set;
} CacheMode;

static gboolean
parse_cache(const MarinaDiskConfig *disk, CacheMode *mode, GError **error)
{
    memset(mode, 0, sizeof(*mode));
    if (disk->cache == NULL || str_eq(disk->cache, "default"))
        return TRUE;
    mode->set = TRUE;
    if (str_eq(disk->cache, "none")) {
        mode->direct = TRUE;
    } else if (str_eq(disk->cache, "writeback")) {
    } else if (str_eq(disk->cache, "writethrough")) {
        mode->write_cache_off = TRUE;
    } else if (str_eq(disk->cache, "directsync")) {
        mode->direct = TRUE;
        mode->write_cache_off = TRUE;
    } else if (str_eq(disk->cache, "unsafe")) {
        mode->no_flush = TRUE;
    } else {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                    _("Disk '%s': cache mode '%s' is not known; use none, writeback, "
                      "writethrough, directsync, unsafe or default."),
                    disk->target_dev, disk->cache);
        return FALSE;
    }
    return TRUE;
}

static const char *
disk_format(const MarinaDiskConfig *disk, GError **error)
{
    static const char *const formats[] = {"raw", "qcow2", "qed", "vmdk", "vdi", "vpc", "vhdx"};

    if (disk->format == NULL)
        return "raw";
    for (guint i = 0; i < G_N_ELEMENTS(formats); i++)
        if (str_eq(disk->format, formats[i]))
            return formats[i];
    g_set_error(error, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
                _("Disk '%s': image format '%s' is not supported; use raw or qcow2."),
                disk->target_dev, disk->format);
    return NULL;
}

/* Returns the "bus=...,unit=..." part of the device for @disk. */
static char *
disk_bus_address(Builder *b, const MarinaDiskConfig *disk, int index, GError **error)
{
    switch (disk->bus) {
    case MARINA_DISK_BUS_VIRTIO:
        return g_strdup("");
    case MARINA_DISK_BUS_IDE:
        if (b->q35) {
            /* q35's built-in AHCI, one device per port. */
            if (index < 6)
                return g_strdup_printf(",bus=ide.%d", index);
        } else if (index < 4) {
            return g_strdup_printf(",bus=ide.%d,unit=%d", index / 2, index % 2);
        }
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
                    _("Disk '%s': the IDE bus has %d places (hda to %s); use another target or "
                      "bus='sata'."),
                    disk->target_dev, b->q35 ? 6 : 4, b->q35 ? "hdf" : "hdd");
        return NULL;
    case MARINA_DISK_BUS_SATA:
        if (index < 6)
            return g_strdup_printf(",bus=%s.%d", b->q35 ? "ide" : "sata0", index);
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
                    _("Disk '%s': the SATA controller has 6 ports (sda to sdf); use bus='scsi' or "
                      "'virtio' for more disks."),
                    disk->target_dev);
        return NULL;
    case MARINA_DISK_BUS_SCSI:
        if (index < 256)
            return g_strdup_printf(",bus=scsi0.0,channel=0,scsi-id=%d,lun=0", index);
        break;
    case MARINA_DISK_BUS_USB:
        return g_strdup(",bus=usb.0");
    case MARINA_DISK_BUS_FDC:
        if (b->q35) {
            g_set_error(error, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
                        _("Disk '%s': the q35 machine has no floppy controller; use the 'pc' "
                          "machine or remove the floppy."),
                        disk->target_dev);
            return NULL;
        }
        if (index < 2)
            return g_strdup_printf(",unit=%d", index);
        break;
    }
    g_set_error(error, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
                _("Disk '%s': there is no place for this target on its bus."), disk->target_dev);
    return NULL;
}

static const char *
disk_device_model(const MarinaDiskConfig *disk, GError **error)
{
    gboolean cdrom = disk->device == MARINA_DISK_DEVICE_CDROM;
    gboolean floppy = disk->device == MARINA_DISK_DEVICE_FLOPPY;

    if (floppy != (disk->bus == MARINA_DISK_BUS_FDC)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                    _("Disk '%s': floppy drives go on bus 'fdc' (target fda or fdb), and only "
                      "floppy drives do."),
                    disk->target_dev);
        return NULL;
    }
    switch (disk->bus) {
    case MARINA_DISK_BUS_VIRTIO:
        if (!cdrom)
            return "virtio-blk-pci";
        break;
    case MARINA_DISK_BUS_IDE:
    case MARINA_DISK_BUS_SATA:
        return cdrom ? "ide-cd" : "ide-hd";
    case MARINA_DISK_BUS_SCSI:
        return cdrom ? "scsi-cd" : "scsi-hd";
    case MARINA_DISK_BUS_USB:
        if (!cdrom)
            return "usb-storage";
        break;
    case MARINA_DISK_BUS_FDC:
        return "floppy";
    }
    g_set_error(error, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
                _("Disk '%s': a CD-ROM cannot be on this bus; use bus='sata', 'ide' or 'scsi'."),
                disk->target_dev);
    return NULL;
}

static gboolean
add_disk(Builder *b, const MarinaDiskConfig *disk, GError **error)
{
    const char *target = disk->target_dev;
    const char *model;
    const char *format = NULL;
    g_autofree char *address = NULL;
    g_autofree char *serial = NULL;
    gboolean cdrom = disk->device == MARINA_DISK_DEVICE_CDROM;
    gboolean readonly = disk->readonly || cdrom;
    CacheMode cache;
    GString *dev;
    int index;

    if (!is_plain_name(target) || (index = disk_index(target)) < 0) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                    _("Disk target '%s' is not valid; use a name like vda, sda, hdc or fda."),
                    target != NULL ? target : "");
        return FALSE;
    }
    if ((model = disk_device_model(disk, error)) == NULL)
        return FALSE;
    if ((address = disk_bus_address(b, disk, index, error)) == NULL)
        return FALSE;
    if (!parse_cache(disk, &cache, error))
        return FALSE;
    if (disk->source == NULL && disk->device == MARINA_DISK_DEVICE_DISK) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                    _("Disk '%s' has no source. Add <source file='...'/>, e.g. "
                      "/var/lib/marina/images/%s.qcow2."),
                    target, target);
        return FALSE;
    }
    if (disk->source == NULL && disk->bus == MARINA_DISK_BUS_USB) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
                    _("Disk '%s': a USB disk needs a source."), target);
        return FALSE;
    }
    if (disk->source != NULL && !g_path_is_absolute(disk->source)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                    _("Disk '%s': the path must be absolute, e.g. /var/lib/marina/images/%s.qcow2"),
                    target, target);
        return FALSE;
    }
    if (disk->readonly && !cdrom &&
        (disk->bus == MARINA_DISK_BUS_IDE || disk->bus == MARINA_DISK_BUS_SATA)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
                    _("Disk '%s': IDE and SATA disks cannot be read-only; use bus='virtio' or "
                      "'scsi', or remove <readonly/>."),
                    target);
        return FALSE;
    }

    if (disk->source != NULL) {
        g_autofree char *path = marina_qemu_escape_opt(disk->source);
        GString *node = g_string_new(NULL);
        g_autofree char *cache_opts = NULL;

        if ((format = disk_format(disk, error)) == NULL) {
            g_string_free(node, TRUE);
            return FALSE;
        }
        if (cache.set)
            cache_opts =
                g_strdup_printf(",cache.direct=%s,cache.no-flush=%s", cache.direct ? "on" : "off",
                                cache.no_flush ? "on" : "off");
        g_string_append_printf(node, "driver=%s,node-name=file-%s,filename=%s,read-only=%s%s",
                               disk->type == MARINA_DISK_TYPE_BLOCK ? "host_device" : "file",
                               target, path, readonly ? "on" : "off",
                               cache_opts != NULL ? cache_opts : "");
        add(b, "-blockdev");
        g_ptr_array_add(b->argv, g_string_free(node, FALSE));
        addf(b, "-blockdev", "driver=%s,node-name=drive-%s,file=file-%s,read-only=%s%s", format,
             target, target, readonly ? "on" : "off", cache_opts != NULL ? cache_opts : "");
    }

    dev = g_string_new(model);
    g_string_append(dev, address);
    if (disk->source != NULL)
        g_string_append_printf(dev, ",drive=drive-%s", target);
    g_string_append_printf(dev, ",id=disk-%s", target);
    if (disk->boot_order > 0)
        g_string_append_printf(dev, ",bootindex=%u", disk->boot_order);
    if (disk->serial != NULL) {
        serial = marina_qemu_escape_opt(disk->serial);
        if (disk->bus == MARINA_DISK_BUS_FDC)
            warn(b, _("Disk '%s': floppy drives have no serial number; <serial> is ignored."),
                 target);
        else
            g_string_append_printf(dev, ",serial=%s", serial);
    }
    if (cache.write_cache_off && disk->bus != MARINA_DISK_BUS_USB)
        g_string_append(dev, ",write-cache=off");
    if (disk->shareable)
        g_string_append(dev, ",share-rw=on");
    add(b, "-device");
    g_ptr_array_add(b->argv, g_string_free(dev, FALSE));
    return TRUE;
}

/* ---- network ------------------------------------------------------------ */

static gboolean
add_interface(Builder *b, const MarinaInterfaceConfig *iface, guint i, GError **error)
{
    static const char *const models[][2] = {
        {"virtio", "virtio-net-pci"}, {"e1000", "e1000"},       {"e1000e", "e1000e"},
        {"rtl8139", "rtl8139"},       {"ne2k_pci", "ne2k_pci"}, {"pcnet", "pcnet"},
    };
    const char *model = NULL;
    const char *wanted = iface->model != NULL ? iface->model : "virtio";
    g_autofree char *mac = marina_mac_canonicalize(iface->mac);
    int tap_fd = -1;
    GString *dev;

    if (mac == NULL) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                    _("Interface %u: MAC address '%s' is not valid; use the form "
                      "52:54:00:12:34:56."),
                    i, iface->mac != NULL ? iface->mac : "");
        return FALSE;
    }
    for (guint m = 0; m < G_N_ELEMENTS(models); m++)
        if (str_eq(wanted, models[m][0]))
            model = models[m][1];
    if (model == NULL) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
                    _("Interface %s: model '%s' is not supported; use virtio, e1000, e1000e, "
                      "rtl8139, ne2k_pci or pcnet."),
                    mac, wanted);
        return FALSE;
    }

    if (iface->type == MARINA_NET_TYPE_USER) {
        addf(b, "-netdev", "user,id=hostnet%u", i);
    } else {
        const char *type = iface->type == MARINA_NET_TYPE_BRIDGE ? "bridge" : "network";

        if (b->options->tap_fds != NULL && i < b->options->n_tap_fds)
            tap_fd = b->options->tap_fds[i];
        if (tap_fd < 0 && iface->type == MARINA_NET_TYPE_NETWORK) {
            g_set_error(error, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
                        _("Interface %s: virtual network '%s' is not available: this version of "
                          "Marina has no virtual networks yet. Use <interface type='bridge'> "
                          "with a host bridge on the system daemon, or <interface type='user'>."),
                        mac, iface->source != NULL ? iface->source : "");
            return FALSE;
        }
        if (tap_fd < 0) {
            g_set_error(error, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
                        _("Interface %s: type '%s' needs the system daemon (marina:///system) "
                          "to set up its tap device. Connect to marina:///system, or use "
                          "<interface type='user'> in a session."),
                        mac, type);
            return FALSE;
        }
        addf(b, "-netdev", "tap,id=hostnet%u,fd=%d", i, tap_fd);
    }
    dev = g_string_new(model);
    g_string_append_printf(dev, ",netdev=hostnet%u,id=net%u,mac=%s", i, i, mac);
    if (iface->boot_order > 0)
        g_string_append_printf(dev, ",bootindex=%u", iface->boot_order);
    add(b, "-device");
    g_ptr_array_add(b->argv, g_string_free(dev, FALSE));
    return TRUE;
}

/* ---- character devices -------------------------------------------------- */

static gboolean
add_chardevs(Builder *b, GError **error)
{
    g_autoptr(GArray) slots = chardev_slots(b->config, b);
    guint consoles = 0;
    guint64 ports_seen = 0;

    if (slots->len > b->options->n_chardev_fds || (slots->len > 0 && !b->options->chardev_fds)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    "internal error: %u character device sockets needed, %u given", slots->len,
                    b->options->n_chardev_fds);
        return FALSE;
    }
    for (guint i = 0; i < slots->len; i++) {
        const CharSlot *slot = &g_array_index(slots, CharSlot, i);
        int fd = b->options->chardev_fds[i];

        /* wait=on: QEMU does not start the guest until the daemon has
         * connected (verified with QEMU 7.2 on an inherited listening fd),
         * so early boot output reaches the relay. */
        if (slot->virtio) {
            if (!b->have_virtio_serial) {
                addf(b, "-device", "virtio-serial-pci,id=virtio-serial0");
                b->have_virtio_serial = TRUE;
            }
            addf(b, "-chardev", "socket,id=charconsole%u,fd=%d,server=on,wait=on", consoles, fd);
            addf(b, "-device", "virtconsole,chardev=charconsole%u,id=console%u", consoles,
                 consoles);
            consoles++;
            continue;
        }
        if (slot->port > 3) {
            g_set_error(error, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
                        _("Serial port %u: x86 guests have serial ports 0 to 3."), slot->port);
            return FALSE;
        }
        if (ports_seen & (1u << slot->port)) {
            g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                        _("Serial port %u is configured twice; give each <serial> its own "
                          "<target port=...>."),
                        slot->port);
            return FALSE;
        }
        ports_seen |= 1u << slot->port;
        if (slot->chr->type != NULL && !str_eq(slot->chr->type, "pty") &&
            !str_eq(slot->chr->type, "unix"))
            warn(b,
                 _("Serial port %u: type '%s' is not used; Marina serves the port through its "
                   "own console socket (marinactl console)."),
                 slot->port, slot->chr->type);
        if (slot->chr->kind == MARINA_CHAR_SERIAL && slot->chr->target_type != NULL &&
            !str_eq(slot->chr->target_type, "isa-serial") &&
            !str_eq(slot->chr->target_type, "serial"))
            warn(b,
                 _("Serial port %u: target type '%s' is not supported; an ISA serial port is "
                   "used."),
                 slot->port, slot->chr->target_type);
        addf(b, "-chardev", "socket,id=charserial%u,fd=%d,server=on,wait=on", slot->port, fd);
        addf(b, "-device", "isa-serial,chardev=charserial%u,id=serial%u,index=%u", slot->port,
             slot->port, slot->port);
    }
    return TRUE;
}

/* ---- graphics, video, input, sound -------------------------------------- */

static void
add_graphics(Builder *b)
{
    const MarinaDomainConfig *c = b->config;
    gboolean vnc_done = FALSE;

    for (guint i = 0; c->graphics != NULL && i < c->graphics->len; i++) {
        const MarinaGraphicsConfig *g = c->graphics->pdata[i];

        if (!str_eq(g->type, "vnc")) {
            warn(b, _("Graphics type '%s' is not supported; Marina shows the screen over VNC."),
                 g->type != NULL ? g->type : "");
            continue;
        }
        if (vnc_done) {
            warn(b, "%s", _("Only one VNC display is supported; the others are ignored."));
            continue;
        }
        vnc_done = TRUE;
        if (b->options->vnc_socket == NULL)
            continue;
        if ((g->listen != NULL && !str_eq(g->listen, "")) || g->port >= 0)
            warn(b, "%s",
                 _("VNC listen address and port are ignored: Marina serves the display only "
                   "through its own socket, so consoles work over SSH (marinactl vncdisplay)."));
        if (g->keymap != NULL)
            warn(b, "%s", _("The VNC keymap is ignored; Marina's viewer sends raw key codes."));
        {
            g_autofree char *path = marina_qemu_escape_opt(b->options->vnc_socket);

            addf(b, "-vnc", "unix:%s%s", path, g->password != NULL ? ",password=on" : "");
        }
    }
}

static gboolean
add_video(Builder *b, const MarinaVideoConfig *v, gboolean primary, GError **error)
{
    const char *model = v->model != NULL ? v->model : "vga";
    guint vram_mib = v->vram_kib / 1024;
    gboolean vram_pow2 = vram_mib > 0 && (vram_mib & (vram_mib - 1)) == 0;
    GString *dev;

    if (str_eq(model, "none"))
        return TRUE;
    if (str_eq(model, "vga")) {
        dev = g_string_new(primary ? "VGA" : "secondary-vga");
        if (v->vram_kib > 0) {
            if (vram_pow2 && vram_mib <= 256)
                g_string_append_printf(dev, ",vgamem_mb=%u", vram_mib);
            else
                warn(b,
                     _("Video RAM of %u KiB is not possible for VGA (a power of two from 1 "
                       "to 256 MiB); QEMU's default is used."),
                     v->vram_kib);
        }
    } else if (str_eq(model, "cirrus")) {
        dev = g_string_new("cirrus-vga");
        if (v->vram_kib > 0 && (vram_mib == 4 || vram_mib == 8 || vram_mib == 16))
            g_string_append_printf(dev, ",vgamem_mb=%u", vram_mib);
        else if (v->vram_kib > 0)
            warn(b,
                 _("Video RAM of %u KiB is not possible for Cirrus (4, 8 or 16 MiB); QEMU's "
                   "default is used."),
                 v->vram_kib);
    } else if (str_eq(model, "virtio")) {
        dev = g_string_new(primary ? "virtio-vga" : "virtio-gpu-pci");
        if (v->heads > 1)
            g_string_append_printf(dev, ",max_outputs=%u", MIN(v->heads, 16u));
    } else if (str_eq(model, "bochs")) {
        dev = g_string_new("bochs-display");
        if (v->vram_kib > 0 && vram_pow2 && vram_mib <= 256)
            g_string_append_printf(dev, ",vgamem=%uM", vram_mib);
    } else if (str_eq(model, "ramfb")) {
        dev = g_string_new("ramfb");
    } else if (str_eq(model, "qxl")) {
        dev = g_string_new(primary ? "qxl-vga" : "qxl");
        if (v->vram_kib > 0 && vram_pow2 && vram_mib <= 1024)
            g_string_append_printf(dev, ",vram_size_mb=%u", vram_mib);
        if (v->heads > 1)
            g_string_append_printf(dev, ",max_outputs=%u", MIN(v->heads, 16u));
    } else {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
                    _("Video model '%s' is not supported; use vga, cirrus, virtio, bochs, ramfb, "
                      "qxl or none."),
                    model);
        return FALSE;
    }
    add(b, "-device");
    g_ptr_array_add(b->argv, g_string_free(dev, FALSE));
    return TRUE;
}

static gboolean
add_videos(Builder *b, GError **error)
{
    const MarinaDomainConfig *c = b->config;
    guint n = c->videos != NULL ? c->videos->len : 0;

    if (n == 0) {
        if (c->graphics != NULL && c->graphics->len > 0)
            addf(b, "-device", "VGA");
        return TRUE;
    }
    for (guint i = 0; i < n; i++)
        if (!add_video(b, c->videos->pdata[i], i == 0, error))
            return FALSE;
    return TRUE;
}

static gboolean
add_inputs(Builder *b, GError **error)
{
    const MarinaDomainConfig *c = b->config;

    for (guint i = 0; c->inputs != NULL && i < c->inputs->len; i++) {
        const MarinaInputConfig *input = c->inputs->pdata[i];
        gboolean tablet = str_eq(input->type, "tablet");
        gboolean mouse = str_eq(input->type, "mouse");
        gboolean keyboard = str_eq(input->type, "keyboard");
        const char *bus = input->bus != NULL ? input->bus : (tablet ? "usb" : "ps2");

        if (!tablet && !mouse && !keyboard) {
            g_set_error(error, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
                        _("Input device type '%s' is not supported; use tablet, mouse or "
                          "keyboard."),
                        input->type != NULL ? input->type : "");
            return FALSE;
        }
        if (str_eq(bus, "ps2")) {
            /* The PS/2 mouse and keyboard are part of the machine. */
            if (tablet)
                warn(b, "%s", _("A PS/2 tablet does not exist; the input device is ignored."));
        } else if (str_eq(bus, "usb")) {
            addf(b, "-device", "%s,bus=usb.0,id=input%u",
                 tablet ? "usb-tablet" : (mouse ? "usb-mouse" : "usb-kbd"), i);
        } else if (str_eq(bus, "virtio")) {
            addf(b, "-device", "%s,id=input%u",
                 tablet ? "virtio-tablet-pci"
                        : (mouse ? "virtio-mouse-pci" : "virtio-keyboard-pci"),
                 i);
        } else {
            warn(b, _("Input bus '%s' is not supported; the %s is ignored."), bus, input->type);
        }
    }
    return TRUE;
}

static gboolean
add_sounds(Builder *b, GError **error)
{
    const MarinaDomainConfig *c = b->config;
    guint n = c->sounds != NULL ? c->sounds->len : 0;

    if (n == 0)
        return TRUE;
    /* The daemon plays no audio: the guest gets its sound card, output goes
     * nowhere. */
    addf(b, "-audiodev", "none,id=audio0");
    for (guint i = 0; i < n; i++) {
        const MarinaSoundConfig *sound = c->sounds->pdata[i];
        const char *model = sound->model != NULL ? sound->model : "ich6";

        if (str_eq(model, "ich6") || str_eq(model, "ich9")) {
            addf(b, "-device", "%s,id=sound%u",
                 str_eq(model, "ich6") ? "intel-hda" : "ich9-intel-hda", i);
            addf(b, "-device", "hda-duplex,id=sound%u-codec0,bus=sound%u.0,cad=0,audiodev=audio0",
                 i, i);
        } else if (str_eq(model, "ac97")) {
            addf(b, "-device", "AC97,id=sound%u,audiodev=audio0", i);
        } else if (str_eq(model, "es1370")) {
            addf(b, "-device", "ES1370,id=sound%u,audiodev=audio0", i);
        } else if (str_eq(model, "sb16")) {
            addf(b, "-device", "sb16,id=sound%u,audiodev=audio0", i);
        } else if (str_eq(model, "usb")) {
            addf(b, "-device", "usb-audio,id=sound%u,bus=usb.0,audiodev=audio0", i);
        } else {
            g_set_error(error, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
                        _("Sound model '%s' is not supported; use ich6, ich9, ac97, es1370, sb16 "
                          "or usb."),
                        model);
            return FALSE;
        }
    }
    return TRUE;
}

/* ---- balloon, rng, watchdog, panic -------------------------------------- */

static gboolean
add_misc(Builder *b, GError **error)
{
    const MarinaDomainConfig *c = b->config;

    if (c->memballoon_model == NULL || str_eq(c->memballoon_model, "virtio"))
        addf(b, "-device", "virtio-balloon-pci,id=balloon0");
    else if (!str_eq(c->memballoon_model, "none"))
        warn(b, _("Memory balloon model '%s' is not supported; the guest has no balloon."),
             c->memballoon_model);

    for (guint i = 0; c->rngs != NULL && i < c->rngs->len; i++) {
        const MarinaRngConfig *rng = c->rngs->pdata[i];
        const char *source = rng->backend != NULL ? rng->backend : "/dev/urandom";

        if (rng->model != NULL && !str_eq(rng->model, "virtio")) {
            g_set_error(error, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
                        _("RNG model '%s' is not supported; use model='virtio'."), rng->model);
            return FALSE;
        }
        /* Same rule as libvirt: only real entropy sources. */
        if (!str_eq(source, "/dev/urandom") && !str_eq(source, "/dev/random") &&
            !str_eq(source, "/dev/hwrng")) {
            g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                        _("RNG backend '%s' is not allowed; use /dev/urandom, /dev/random or "
                          "/dev/hwrng."),
                        source);
            return FALSE;
        }
        addf(b, "-object", "rng-random,id=objrng%u,filename=%s", i, source);
        addf(b, "-device", "virtio-rng-pci,rng=objrng%u,id=rng%u", i, i);
    }

    if (c->watchdog != NULL) {
        const char *model = c->watchdog->model;
        const char *action = c->watchdog->action != NULL ? c->watchdog->action : "reset";

        if (str_eq(model, "i6300esb") || str_eq(model, "ib700")) {
            addf(b, "-device", "%s,id=watchdog0", model);
        } else if (str_eq(model, "itco") && b->q35) {
            /* Part of q35's ICH9 LPC bridge; just let it act. */
            addf(b, "-global", "ICH9-LPC.noreboot=off");
        } else {
            g_set_error(error, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
                        _("Watchdog model '%s' is not supported on this machine; use i6300esb, "
                          "ib700, or itco with a q35 machine."),
                        model != NULL ? model : "");
            return FALSE;
        }
        if (str_eq(action, "dump")) {
            warn(b, "%s",
                 _("Watchdog action 'dump' is not supported; the guest is paused instead."));
            action = "pause";
        } else if (!str_eq(action, "reset") && !str_eq(action, "shutdown") &&
                   !str_eq(action, "poweroff") && !str_eq(action, "pause") &&
                   !str_eq(action, "none") && !str_eq(action, "inject-nmi")) {
            g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                        _("Watchdog action '%s' is not known; use reset, shutdown, poweroff, "
                          "pause, none or inject-nmi."),
                        action);
            return FALSE;
        }
        addf(b, "-action", "watchdog=%s", action);
    }

    /* Lets the guest report a kernel panic (GUEST_PANICKED over QMP). */
    addf(b, "-device", "pvpanic");
    return TRUE;
}

/* ---- boot order checks -------------------------------------------------- */

static gboolean
check_boot_orders(Builder *b, GError **error)
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
    Builder b = {0};
    const char *emulator;

    g_return_val_if_fail(config != NULL, NULL);
    g_return_val_if_fail(options != NULL, NULL);
    g_return_val_if_fail(error == NULL || *error == NULL, NULL);

    if (!str_eq(options->accel, "kvm") && !str_eq(options->accel, "tcg")) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    "internal error: accelerator '%s' is neither kvm nor tcg",
                    options->accel != NULL ? options->accel : "(null)");
        return NULL;
    }
    b.config = config;
    b.options = options;
    b.argv = argv;
    b.warnings = warnings;
    b.kvm = str_eq(options->accel, "kvm");
    b.q35 = config->machine != NULL && strstr(config->machine, "q35") != NULL;

    emulator = config->emulator != NULL    ? config->emulator
               : options->emulator != NULL ? options->emulator
                                           : DEFAULT_EMULATOR;
    add(&b, emulator);

    if (!check_boot_orders(&b, error) || !add_basics(&b, error) || !add_cpu_memory(&b, error))
        return NULL;
    add_clock_lifecycle(&b);
    if (!add_boot(&b, error) || !add_monitor(&b, error) || !add_controllers(&b, error))
        return NULL;
    for (guint i = 0; config->disks != NULL && i < config->disks->len; i++)
        if (!add_disk(&b, config->disks->pdata[i], error))
            return NULL;
    for (guint i = 0; config->interfaces != NULL && i < config->interfaces->len; i++)
        if (!add_interface(&b, config->interfaces->pdata[i], i, error))
            return NULL;
    if (!add_chardevs(&b, error))
        return NULL;
    add_graphics(&b);
    if (!add_videos(&b, error) || !add_inputs(&b, error) || !add_sounds(&b, error) ||
        !add_misc(&b, error))
        return NULL;

    if (options->start_paused)
        add(&b, "-S");
    if (options->incoming) {
        add(&b, "-incoming");
        add(&b, "defer");
    }
    g_ptr_array_add(argv, NULL);
    return (char **)g_ptr_array_steal(argv, NULL);
}
