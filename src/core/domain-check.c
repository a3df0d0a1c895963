#define G_LOG_DOMAIN "marina-domain-config"

#include "config.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <string.h>

#include "domain-config-private.h"
#include "error.h"

/* Enumerations and the checks that the parser and marina_domain_config_validate()
 * share: every message names the field as the user wrote it. */

const char *const marina_dc_domain_types[] = {"kvm", "qemu", NULL};
const char *const marina_dc_os_types[] = {"hvm", NULL};
const char *const marina_dc_arches[] = {"x86_64", "i686", NULL};
const char *const marina_dc_firmwares[] = {"bios", "efi", NULL};
const char *const marina_dc_boot_dev_names[] = {"hd", "cdrom", "network", "fd", NULL};
const char *const marina_dc_cpu_modes[] = {"host-passthrough", "host-model", "custom", "maximum",
                                           NULL};
const char *const marina_dc_clock_offsets[] = {"utc", "localtime", NULL};
const char *const marina_dc_lifecycle_actions[] = {"destroy", "restart", "preserve", NULL};
const char *const marina_dc_disk_types[] = {"file", "block", NULL};
const char *const marina_dc_disk_devices[] = {"disk", "cdrom", "floppy", NULL};
const char *const marina_dc_disk_buses[] = {"virtio", "sata", "ide", "scsi", "usb", "fdc", NULL};
const char *const marina_dc_disk_formats[] = {"raw", "qcow2", NULL};
const char *const marina_dc_disk_caches[] = {
    "none", "writeback", "writethrough", "directsync", "unsafe", "default", NULL};
const char *const marina_dc_disk_discards[] = {"unmap", "ignore", NULL};
const char *const marina_dc_hostdev_types[] = {"usb", "pci", NULL};
const char *const marina_dc_tpm_models[] = {"tpm-tis", "tpm-crb", NULL};
const char *const marina_dc_tpm_backends[] = {"emulator", "passthrough", NULL};
const char *const marina_dc_tpm_versions[] = {"2.0", "1.2", NULL};
const char *const marina_dc_controller_types[] = {"usb", "scsi",          "sata", "ide",
                                                  "pci", "virtio-serial", NULL};
const char *const marina_dc_net_types[] = {"user", "network", "bridge", NULL};
const char *const marina_dc_net_models[] = {"virtio",   "e1000", "e1000e", "rtl8139",
                                            "ne2k_pci", "pcnet", NULL};
const char *const marina_dc_char_types[] = {"pty", "unix", "file", "null", "stdio", "tcp",
                                            "udp", "pipe", "dev",  "vc",   NULL};
const char *const marina_dc_serial_target_types[] = {"isa-serial", "usb-serial", "pci-serial",
                                                     NULL};
const char *const marina_dc_console_target_types[] = {"serial", "virtio", NULL};
const char *const marina_dc_graphics_types[] = {"vnc", NULL};
/* libvirt graphics types Marina knows of but cannot run: a warning, not an error. */
const char *const marina_dc_foreign_graphics_types[] = {"spice",        "sdl",  "rdp", "desktop",
                                                        "egl-headless", "dbus", NULL};
const char *const marina_dc_video_models[] = {"vga",   "cirrus", "virtio", "bochs",
                                              "ramfb", "qxl",    "none",   NULL};
const char *const marina_dc_input_types[] = {"tablet", "mouse", "keyboard", NULL};
const char *const marina_dc_input_buses[] = {"usb", "ps2", "virtio", NULL};
const char *const marina_dc_sound_models[] = {"ich6", "ich9", "ac97", "es1370",
                                              "sb16", "usb",  NULL};
const char *const marina_dc_memballoon_models[] = {"virtio", "none", NULL};
const char *const marina_dc_rng_models[] = {"virtio", NULL};
const char *const marina_dc_rng_backend_models[] = {"random", NULL};
const char *const marina_dc_watchdog_models[] = {"i6300esb", "ib700", "itco", NULL};
const char *const marina_dc_watchdog_actions[] = {"reset", "shutdown",   "poweroff", "pause",
                                                  "none",  "inject-nmi", NULL};
const char *const marina_dc_yes_no[] = {"no", "yes", NULL};

int
marina_dc_enum_index(const char *value, const char *const *allowed)
{
    for (int i = 0; allowed[i] != NULL; i++) {
        if (g_strcmp0(value, allowed[i]) == 0)
            return i;
    }
    return -1;
}

const char *
marina_dc_enum_name(const char *const *table, int value)
{
    guint n = g_strv_length((char **)table);

    return (guint)value < n ? table[value] : table[0];
}

gboolean
marina_dc_fail(GError **error, const char *format, ...)
{
    va_list args;
    g_autofree char *message = NULL;

    va_start(args, format);
    message = g_strdup_vprintf(format, args);
    va_end(args);
    g_set_error_literal(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG, message);
    return FALSE;
}

/* An unknown value names the allowed ones, so the user can fix it without docs. */
gboolean
marina_dc_check_enum(const char *what, const char *value, const char *const *allowed,
                     GError **error)
{
    g_autofree char *list = NULL;

    if (value == NULL || marina_dc_enum_index(value, allowed) >= 0)
        return TRUE;
    list = g_strjoinv(", ", (char **)allowed);
    return marina_dc_fail(error, _("%s '%s' is not supported; use one of: %s."), what, value, list);
}

gboolean
marina_dc_parse_enum(const char *what, const char *value, const char *const *allowed, int *out,
                     GError **error)
{
    if (value == NULL)
        return TRUE;
    if (!marina_dc_check_enum(what, value, allowed, error))
        return FALSE;
    *out = marina_dc_enum_index(value, allowed);
    return TRUE;
}

static gboolean
has_control_chars(const char *text, gboolean allow_newlines)
{
    for (const char *c = text; *c != '\0'; c++) {
        guchar u = (guchar)*c;
        if (allow_newlines && (u == '\n' || u == '\t' || u == '\r'))
            continue;
        if (u < 0x20 || u == 0x7f)
            return TRUE;
    }
    return FALSE;
}

gboolean
marina_dc_check_text(const char *what, const char *text, gboolean allow_newlines, GError **error)
{
    if (text == NULL)
        return TRUE;
    if (!g_utf8_validate(text, -1, NULL))
        return marina_dc_fail(error, _("%s is not valid UTF-8 text."), what);
    if (has_control_chars(text, allow_newlines))
        return marina_dc_fail(error,
                              allow_newlines ? _("%s contains control characters; remove them.")
                                             : _("%s contains a line break or control character; "
                                                 "write it on one line."),
                              what);
    return TRUE;
}

/* Paths go to QEMU and to open(): absolute, one line, bounded. */
gboolean
marina_dc_check_path(const char *what, const char *path, const char *example, GError **error)
{
    if (path == NULL)
        return TRUE;
    if (!marina_dc_check_text(what, path, FALSE, error))
        return FALSE;
    if (path[0] != '/')
        return marina_dc_fail(error, _("%s: the path '%s' must be absolute, e.g. %s"), what, path,
                              example);
    if (strlen(path) > MARINA_DC_MAX_PATH_LEN)
        return marina_dc_fail(error, _("%s: the path is longer than %d characters."), what,
                              MARINA_DC_MAX_PATH_LEN);
    return TRUE;
}

/* Identifiers (models, machine types, network and bridge names, keymaps):
 * a conservative character set so nothing odd reaches a command line. */
gboolean
marina_dc_check_token(const char *what, const char *value, gsize max_len, GError **error)
{
    if (value == NULL)
        return TRUE;
    if (value[0] == '\0')
        return marina_dc_fail(error, _("%s is empty."), what);
    if (strlen(value) > max_len)
        return marina_dc_fail(error, _("%s '%s' is longer than %zu characters."), what, value,
                              max_len);
    for (const char *c = value; *c != '\0'; c++) {
        if (!g_ascii_isalnum(*c) && strchr("_.:+-", *c) == NULL)
            return marina_dc_fail(
                error,
                _("%s '%s' contains a character that is not allowed; use letters, "
                  "digits, '_', '.', ':', '+' and '-'."),
                what, value);
    }
    return TRUE;
}

gboolean
marina_dc_parse_uint(const char *what, const char *text, guint64 min, guint64 max, guint64 *out,
                     GError **error)
{
    g_autofree char *copy = g_strstrip(g_strdup(text != NULL ? text : ""));
    g_autoptr(GError) local = NULL;

    if (!g_ascii_string_to_unsigned(copy, 10, 0, G_MAXUINT64, out, &local) || copy[0] == '\0')
        return marina_dc_fail(error, _("%s: '%s' is not a whole number."), what, copy);
    if (*out < min || *out > max)
        return marina_dc_fail(error, _("%s: %s is out of range; use %" PRIu64 " to %" PRIu64 "."),
                              what, copy, min, max);
    return TRUE;
}

gboolean
marina_dc_parse_guint(const char *what, const char *text, guint min, guint max, guint *out,
                      GError **error)
{
    guint64 value;

    if (!marina_dc_parse_uint(what, text, min, max, &value, error))
        return FALSE;
    *out = (guint)value;
    return TRUE;
}

/* libvirt's cpuset syntax: "0-3,^2,5"; numbers, ranges, exclusions, spaces
 * around items. The result must name at least one CPU. */
gboolean
marina_dc_check_cpuset(const char *cpuset, GError **error)
{
    return marina_dc_check_cpulist("<vcpu", cpuset, error);
}

/* @element is the start of the element as written, e.g. "<vcpu". */
gboolean
marina_dc_check_cpulist(const char *element, const char *cpuset, GError **error)
{
    g_autofree guint8 *bits = g_malloc0(MARINA_DC_MAX_CPUSET_CPU / 8 + 1);
    g_auto(GStrv) items = NULL;
    gboolean any = FALSE;

    if (cpuset == NULL)
        return TRUE;
    items = g_strsplit(cpuset, ",", -1);
    for (guint i = 0; items[i] != NULL; i++) {
        char *item = g_strstrip(items[i]);
        gboolean negate = item[0] == '^';
        char *dash;
        guint64 first, last;
        g_autoptr(GError) local = NULL;

        if (negate)
            item++;
        dash = strchr(item, '-');
        if (dash != NULL)
            *dash = '\0';
        if (!g_ascii_string_to_unsigned(item, 10, 0, MARINA_DC_MAX_CPUSET_CPU, &first, &local) ||
            (dash != NULL &&
             (negate || !g_ascii_string_to_unsigned(dash + 1, 10, first, MARINA_DC_MAX_CPUSET_CPU,
                                                    &last, &local))))
            return marina_dc_fail(
                error,
                _("%s cpuset='%s'> is not a valid CPU list; write CPUs %d or below "
                  "like '0-3,^2,5' (ranges, '^' to exclude one, commas between)."),
                element, cpuset, MARINA_DC_MAX_CPUSET_CPU);
        if (dash == NULL)
            last = first;
        for (guint64 cpu = first; cpu <= last; cpu++) {
            if (negate)
                bits[cpu / 8] &= ~(1u << (cpu % 8));
            else
                bits[cpu / 8] |= 1u << (cpu % 8);
        }
    }
    for (guint i = 0; i <= MARINA_DC_MAX_CPUSET_CPU / 8; i++)
        any = any || bits[i] != 0;
    if (!any)
        return marina_dc_fail(error, _("%s cpuset='%s'> names no CPU; list at least one."), element,
                              cpuset);
    return TRUE;
}

/* Accepts xx:xx:xx:xx:xx:xx with one or two hex digits per group (libvirt does). */
gboolean
marina_dc_mac_parse(const char *text, guint8 mac[6])
{
    const char *p = text;

    if (text == NULL)
        return FALSE;
    for (int i = 0; i < 6; i++) {
        int digits = 0;
        guint value = 0;

        while (g_ascii_isxdigit(*p) && digits < 3) {
            value = value * 16 + (guint)g_ascii_xdigit_value(*p++);
            digits++;
        }
        if (digits < 1 || digits > 2)
            return FALSE;
        mac[i] = (guint8)value;
        if (i < 5 && *p++ != ':')
            return FALSE;
    }
    return *p == '\0';
}

gboolean
marina_dc_mac_is_unicast(const guint8 mac[6])
{
    static const guint8 zero[6] = {0};

    return (mac[0] & 0x01) == 0 && memcmp(mac, zero, 6) != 0;
}

gboolean
marina_dc_check_mac(const char *mac, GError **error)
{
    guint8 m[6];

    if (mac == NULL)
        return marina_dc_fail(
            error, _("An <interface> has no MAC address; add <mac address='52:54:00:…'/> "
                     "or leave it out to have one generated."));
    if (!marina_dc_mac_parse(mac, m))
        return marina_dc_fail(
            error,
            _("<mac address='%s'> is not a MAC address; write six hexadecimal pairs "
              "separated by ':', e.g. 52:54:00:12:34:56."),
            mac);
    if (m[0] & 0x01)
        return marina_dc_fail(
            error,
            _("<mac address='%s'> is a multicast address, which a network card cannot "
              "use; the first byte must be even, e.g. 52:54:00:12:34:56."),
            mac);
    if (!marina_dc_mac_is_unicast(m))
        return marina_dc_fail(
            error, _("<mac address='%s'> is all zeros; use e.g. 52:54:00:12:34:56."), mac);
    return TRUE;
}
