#define G_LOG_DOMAIN "marina-qemu-command"

#include "config.h"

#include <glib/gi18n.h>
#include <stdarg.h>
#include <string.h>

#include "core/error.h"
#include "qemu-command-private.h"

/* Serial ports and consoles, graphics, video, input and sound devices. */

typedef struct {
    const MarinaCharConfig *chr;
    gboolean virtio; /* virtconsole, else isa-serial */
    guint port;      /* serial: target port */
} CharSlot;

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
    return console->target_type == NULL || marina_qemu_str_eq(console->target_type, "serial");
}

/* Serial ports (by target port), then virtio consoles. @b may be NULL (just
 * counting); with a builder, unsupported consoles are warned about. */
static GArray *
chardev_slots(const MarinaDomainConfig *config, MarinaQemuBuilder *b)
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

        if (marina_qemu_str_eq(chr->target_type, "virtio")) {
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
                marina_qemu_warn(
                    b, _("Only one serial console is supported; console %u is ignored."), i);
            }
            serial_console_seen = TRUE;
        } else if (b != NULL) {
            marina_qemu_warn(
                b, _("Console %u: target type '%s' is not supported on x86; it is ignored."), i,
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

/* ---- character devices -------------------------------------------------- */

gboolean
marina_qemu_add_chardevs(MarinaQemuBuilder *b, GError **error)
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
                marina_qemu_addf(b, "-device", "virtio-serial-pci,id=virtio-serial0");
                b->have_virtio_serial = TRUE;
            }
            marina_qemu_addf(b, "-chardev", "socket,id=charconsole%u,fd=%d,server=on,wait=on",
                             consoles, fd);
            marina_qemu_addf(b, "-device", "virtconsole,chardev=charconsole%u,id=console%u",
                             consoles, consoles);
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
        if (slot->chr->type != NULL && !marina_qemu_str_eq(slot->chr->type, "pty") &&
            !marina_qemu_str_eq(slot->chr->type, "unix"))
            marina_qemu_warn(
                b,
                _("Serial port %u: type '%s' is not used; Marina serves the port through its "
                  "own console socket (marinactl console)."),
                slot->port, slot->chr->type);
        if (slot->chr->kind == MARINA_CHAR_SERIAL && slot->chr->target_type != NULL &&
            !marina_qemu_str_eq(slot->chr->target_type, "isa-serial") &&
            !marina_qemu_str_eq(slot->chr->target_type, "serial"))
            marina_qemu_warn(
                b,
                _("Serial port %u: target type '%s' is not supported; an ISA serial port is "
                  "used."),
                slot->port, slot->chr->target_type);
        marina_qemu_addf(b, "-chardev", "socket,id=charserial%u,fd=%d,server=on,wait=on",
                         slot->port, fd);
        marina_qemu_addf(b, "-device", "isa-serial,chardev=charserial%u,id=serial%u,index=%u",
                         slot->port, slot->port, slot->port);
    }
    return TRUE;
}

/* ---- graphics, video, input, sound -------------------------------------- */

void
marina_qemu_add_graphics(MarinaQemuBuilder *b)
{
    const MarinaDomainConfig *c = b->config;
    gboolean vnc_done = FALSE;

    for (guint i = 0; c->graphics != NULL && i < c->graphics->len; i++) {
        const MarinaGraphicsConfig *g = c->graphics->pdata[i];

        if (!marina_qemu_str_eq(g->type, "vnc")) {
            marina_qemu_warn(
                b, _("Graphics type '%s' is not supported; Marina shows the screen over VNC."),
                g->type != NULL ? g->type : "");
            continue;
        }
        if (vnc_done) {
            marina_qemu_warn(b, "%s",
                             _("Only one VNC display is supported; the others are ignored."));
            continue;
        }
        vnc_done = TRUE;
        if (b->options->vnc_socket == NULL)
            continue;
        if ((g->listen != NULL && !marina_qemu_str_eq(g->listen, "")) || g->port >= 0)
            marina_qemu_warn(
                b, "%s",
                _("VNC listen address and port are ignored: Marina serves the display only "
                  "through its own socket, so consoles work over SSH (marinactl vncdisplay)."));
        if (g->keymap != NULL)
            marina_qemu_warn(b, "%s",
                             _("The VNC keymap is ignored; Marina's viewer sends raw key codes."));
        {
            g_autofree char *path = marina_qemu_escape_opt(b->options->vnc_socket);

            marina_qemu_addf(b, "-vnc", "unix:%s%s", path,
                             g->password != NULL ? ",password=on" : "");
        }
    }
}

static gboolean
add_video(MarinaQemuBuilder *b, const MarinaVideoConfig *v, gboolean primary, GError **error)
{
    const char *model = v->model != NULL ? v->model : "vga";
    guint vram_mib = v->vram_kib / 1024;
    gboolean vram_pow2 = vram_mib > 0 && (vram_mib & (vram_mib - 1)) == 0;
    GString *dev;

    if (marina_qemu_str_eq(model, "none"))
        return TRUE;
    if (marina_qemu_str_eq(model, "vga")) {
        dev = g_string_new(primary ? "VGA" : "secondary-vga");
        if (v->vram_kib > 0) {
            if (vram_pow2 && vram_mib <= 256)
                g_string_append_printf(dev, ",vgamem_mb=%u", vram_mib);
            else
                marina_qemu_warn(
                    b,
                    _("Video RAM of %u KiB is not possible for VGA (a power of two from 1 "
                      "to 256 MiB); QEMU's default is used."),
                    v->vram_kib);
        }
    } else if (marina_qemu_str_eq(model, "cirrus")) {
        dev = g_string_new("cirrus-vga");
        if (v->vram_kib > 0 && (vram_mib == 4 || vram_mib == 8 || vram_mib == 16))
            g_string_append_printf(dev, ",vgamem_mb=%u", vram_mib);
        else if (v->vram_kib > 0)
            marina_qemu_warn(
                b,
                _("Video RAM of %u KiB is not possible for Cirrus (4, 8 or 16 MiB); QEMU's "
                  "default is used."),
                v->vram_kib);
    } else if (marina_qemu_str_eq(model, "virtio")) {
        dev = g_string_new(primary ? "virtio-vga" : "virtio-gpu-pci");
        if (v->heads > 1)
            g_string_append_printf(dev, ",max_outputs=%u", MIN(v->heads, 16u));
    } else if (marina_qemu_str_eq(model, "bochs")) {
        dev = g_string_new("bochs-display");
        if (v->vram_kib > 0 && vram_pow2 && vram_mib <= 256)
            g_string_append_printf(dev, ",vgamem=%uM", vram_mib);
    } else if (marina_qemu_str_eq(model, "ramfb")) {
        dev = g_string_new("ramfb");
    } else if (marina_qemu_str_eq(model, "qxl")) {
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
    marina_qemu_add_gstring(b, "-device", dev);
    return TRUE;
}

gboolean
marina_qemu_add_videos(MarinaQemuBuilder *b, GError **error)
{
    const MarinaDomainConfig *c = b->config;
    guint n = c->videos != NULL ? c->videos->len : 0;

    if (n == 0) {
        if (c->graphics != NULL && c->graphics->len > 0)
            marina_qemu_addf(b, "-device", "VGA");
        return TRUE;
    }
    for (guint i = 0; i < n; i++)
        if (!add_video(b, c->videos->pdata[i], i == 0, error))
            return FALSE;
    return TRUE;
}

gboolean
marina_qemu_add_inputs(MarinaQemuBuilder *b, GError **error)
{
    const MarinaDomainConfig *c = b->config;

    for (guint i = 0; c->inputs != NULL && i < c->inputs->len; i++) {
        const MarinaInputConfig *input = c->inputs->pdata[i];
        gboolean tablet = marina_qemu_str_eq(input->type, "tablet");
        gboolean mouse = marina_qemu_str_eq(input->type, "mouse");
        gboolean keyboard = marina_qemu_str_eq(input->type, "keyboard");
        const char *bus = input->bus != NULL ? input->bus : (tablet ? "usb" : "ps2");

        if (!tablet && !mouse && !keyboard) {
            g_set_error(error, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
                        _("Input device type '%s' is not supported; use tablet, mouse or "
                          "keyboard."),
                        input->type != NULL ? input->type : "");
            return FALSE;
        }
        if (marina_qemu_str_eq(bus, "ps2")) {
            /* The PS/2 mouse and keyboard are part of the machine. */
            if (tablet)
                marina_qemu_warn(b, "%s",
                                 _("A PS/2 tablet does not exist; the input device is ignored."));
        } else if (marina_qemu_str_eq(bus, "usb")) {
            marina_qemu_addf(b, "-device", "%s,bus=usb.0,id=input%u",
                             tablet ? "usb-tablet" : (mouse ? "usb-mouse" : "usb-kbd"), i);
        } else if (marina_qemu_str_eq(bus, "virtio")) {
            marina_qemu_addf(b, "-device", "%s,id=input%u",
                             tablet ? "virtio-tablet-pci"
                                    : (mouse ? "virtio-mouse-pci" : "virtio-keyboard-pci"),
                             i);
        } else {
            marina_qemu_warn(b, _("Input bus '%s' is not supported; the %s is ignored."), bus,
                             input->type);
        }
    }
    return TRUE;
}

gboolean
marina_qemu_add_sounds(MarinaQemuBuilder *b, GError **error)
{
    const MarinaDomainConfig *c = b->config;
    guint n = c->sounds != NULL ? c->sounds->len : 0;

    if (n == 0)
        return TRUE;
    /* The daemon plays no audio: the guest gets its sound card, output goes
     * nowhere. */
    marina_qemu_addf(b, "-audiodev", "none,id=audio0");
    for (guint i = 0; i < n; i++) {
        const MarinaSoundConfig *sound = c->sounds->pdata[i];
        const char *model = sound->model != NULL ? sound->model : "ich6";

        if (marina_qemu_str_eq(model, "ich6") || marina_qemu_str_eq(model, "ich9")) {
            marina_qemu_addf(b, "-device", "%s,id=sound%u",
                             marina_qemu_str_eq(model, "ich6") ? "intel-hda" : "ich9-intel-hda", i);
            marina_qemu_addf(b, "-device",
                             "hda-duplex,id=sound%u-codec0,bus=sound%u.0,cad=0,audiodev=audio0", i,
                             i);
        } else if (marina_qemu_str_eq(model, "ac97")) {
            marina_qemu_addf(b, "-device", "AC97,id=sound%u,audiodev=audio0", i);
        } else if (marina_qemu_str_eq(model, "es1370")) {
            marina_qemu_addf(b, "-device", "ES1370,id=sound%u,audiodev=audio0", i);
        } else if (marina_qemu_str_eq(model, "sb16")) {
            marina_qemu_addf(b, "-device", "sb16,id=sound%u,audiodev=audio0", i);
        } else if (marina_qemu_str_eq(model, "usb")) {
            marina_qemu_addf(b, "-device", "usb-audio,id=sound%u,bus=usb.0,audiodev=audio0", i);
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
