#define G_LOG_DOMAIN "marina-domain-config"

#include "config.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <string.h>
#include <sys/random.h>

#include "domain-config.h"
#include "error.h"
#include "xml-util.h"

/* Hostile-input bounds: a pasted document may be anything. */
#define MAX_DISKS 256
#define MAX_INTERFACES 64
#define MAX_CONTROLLERS 128
#define MAX_OTHER_DEVICES 32 /* serials, consoles, graphics, videos, inputs, sounds, rngs */
#define MAX_BOOT_DEVS 4
#define MAX_WARNINGS 100
#define MAX_VCPUS 255
#define MAX_MEMORY_KIB (G_GUINT64_CONSTANT(16) << 30) /* 16 TiB */
#define MAX_PATH_LEN 4096
#define MAX_CPUSET_CPU 4095
#define MAX_BOOT_ORDER 65535
#define MAX_NAME_LEN 64

G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlDoc, xmlFreeDoc)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlBuffer, xmlBufferFree)

/* ------------------------------------------------------------------------ */
/* Enumerations: one table per attribute; the index is the C enum value     */
/* where a C enum exists.                                                   */

static const char *const domain_types[] = {"kvm", "qemu", NULL};
static const char *const os_types[] = {"hvm", NULL};
static const char *const arches[] = {"x86_64", "i686", NULL};
static const char *const firmwares[] = {"bios", "efi", NULL};
static const char *const boot_dev_names[] = {"hd", "cdrom", "network", "fd", NULL};
static const char *const cpu_modes[] = {"host-passthrough", "host-model", "custom", "maximum",
                                        NULL};
static const char *const clock_offsets[] = {"utc", "localtime", NULL};
static const char *const lifecycle_actions[] = {"destroy", "restart", "preserve", NULL};
static const char *const disk_types[] = {"file", "block", NULL};
static const char *const disk_devices[] = {"disk", "cdrom", "floppy", NULL};
static const char *const disk_buses[] = {"virtio", "sata", "ide", "scsi", "usb", "fdc", NULL};
static const char *const disk_formats[] = {"raw", "qcow2", NULL};
static const char *const disk_caches[] = {
    "none", "writeback", "writethrough", "directsync", "unsafe", "default", NULL};
static const char *const controller_types[] = {"usb", "scsi",          "sata", "ide",
                                               "pci", "virtio-serial", NULL};
static const char *const net_types[] = {"user", "network", "bridge", NULL};
static const char *const net_models[] = {"virtio",   "e1000", "e1000e", "rtl8139",
                                         "ne2k_pci", "pcnet", NULL};
static const char *const char_types[] = {"pty", "unix", "file", "null", "stdio", "tcp",
                                         "udp", "pipe", "dev",  "vc",   NULL};
static const char *const serial_target_types[] = {"isa-serial", "usb-serial", "pci-serial", NULL};
static const char *const console_target_types[] = {"serial", "virtio", NULL};
static const char *const graphics_types[] = {"vnc", NULL};
/* libvirt graphics types Marina knows of but cannot run: a warning, not an error. */
static const char *const foreign_graphics_types[] = {"spice",        "sdl",  "rdp", "desktop",
                                                     "egl-headless", "dbus", NULL};
static const char *const video_models[] = {"vga",   "cirrus", "virtio", "bochs",
                                           "ramfb", "qxl",    "none",   NULL};
static const char *const input_types[] = {"tablet", "mouse", "keyboard", NULL};
static const char *const input_buses[] = {"usb", "ps2", "virtio", NULL};
static const char *const sound_models[] = {"ich6", "ich9", "ac97", "es1370", "sb16", "usb", NULL};
static const char *const memballoon_models[] = {"virtio", "none", NULL};
static const char *const rng_models[] = {"virtio", NULL};
static const char *const rng_backend_models[] = {"random", NULL};
static const char *const watchdog_models[] = {"i6300esb", "ib700", "itco", NULL};
static const char *const watchdog_actions[] = {"reset", "shutdown",   "poweroff", "pause",
                                               "none",  "inject-nmi", NULL};
static const char *const yes_no[] = {"no", "yes", NULL};

/* Name of an enum value for writing; out-of-range values (a config built
 * in code) fall back to the first entry instead of reading past the table. */
#define ENUM_NAME(table, value)                                                                    \
    ((guint)(value) < G_N_ELEMENTS(table) - 1 ? (table)[(value)] : (table)[0])

static int
enum_index(const char *value, const char *const *allowed)
{
    for (int i = 0; allowed[i] != NULL; i++) {
        if (g_strcmp0(value, allowed[i]) == 0)
            return i;
    }
    return -1;
}

static gboolean G_GNUC_PRINTF(2, 3) fail(GError **error, const char *format, ...)
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
static gboolean
check_enum(const char *what, const char *value, const char *const *allowed, GError **error)
{
    g_autofree char *list = NULL;

    if (value == NULL || enum_index(value, allowed) >= 0)
        return TRUE;
    list = g_strjoinv(", ", (char **)allowed);
    return fail(error, _("%s '%s' is not supported; use one of: %s."), what, value, list);
}

static gboolean
parse_enum(const char *what, const char *value, const char *const *allowed, int *out,
           GError **error)
{
    if (value == NULL)
        return TRUE;
    if (!check_enum(what, value, allowed, error))
        return FALSE;
    *out = enum_index(value, allowed);
    return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Small validators shared by the parser and marina_domain_config_validate  */

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

static gboolean
check_text(const char *what, const char *text, gboolean allow_newlines, GError **error)
{
    if (text == NULL)
        return TRUE;
    if (!g_utf8_validate(text, -1, NULL))
        return fail(error, _("%s is not valid UTF-8 text."), what);
    if (has_control_chars(text, allow_newlines))
        return fail(error,
                    allow_newlines ? _("%s contains control characters; remove them.")
                                   : _("%s contains a line break or control character; "
                                       "write it on one line."),
                    what);
    return TRUE;
}

/* Paths go to QEMU and to open(): absolute, one line, bounded. */
static gboolean
check_path(const char *what, const char *path, const char *example, GError **error)
{
    if (path == NULL)
        return TRUE;
    if (!check_text(what, path, FALSE, error))
        return FALSE;
    if (path[0] != '/')
        return fail(error, _("%s: the path '%s' must be absolute, e.g. %s"), what, path, example);
    if (strlen(path) > MAX_PATH_LEN)
        return fail(error, _("%s: the path is longer than %d characters."), what, MAX_PATH_LEN);
    return TRUE;
}

/* Identifiers (models, machine types, network and bridge names, keymaps):
 * a conservative character set so nothing odd reaches a command line. */
static gboolean
check_token(const char *what, const char *value, gsize max_len, GError **error)
{
    if (value == NULL)
        return TRUE;
    if (value[0] == '\0')
        return fail(error, _("%s is empty."), what);
    if (strlen(value) > max_len)
        return fail(error, _("%s '%s' is longer than %zu characters."), what, value, max_len);
    for (const char *c = value; *c != '\0'; c++) {
        if (!g_ascii_isalnum(*c) && strchr("_.:+-", *c) == NULL)
            return fail(error,
                        _("%s '%s' contains a character that is not allowed; use letters, "
                          "digits, '_', '.', ':', '+' and '-'."),
                        what, value);
    }
    return TRUE;
}

static gboolean
parse_uint(const char *what, const char *text, guint64 min, guint64 max, guint64 *out,
           GError **error)
{
    g_autofree char *copy = g_strstrip(g_strdup(text != NULL ? text : ""));
    g_autoptr(GError) local = NULL;

    if (!g_ascii_string_to_unsigned(copy, 10, 0, G_MAXUINT64, out, &local) || copy[0] == '\0')
        return fail(error, _("%s: '%s' is not a whole number."), what, copy);
    if (*out < min || *out > max)
        return fail(error, _("%s: %s is out of range; use %" PRIu64 " to %" PRIu64 "."), what, copy,
                    min, max);
    return TRUE;
}

static gboolean
parse_guint(const char *what, const char *text, guint min, guint max, guint *out, GError **error)
{
    guint64 value;

    if (!parse_uint(what, text, min, max, &value, error))
        return FALSE;
    *out = (guint)value;
    return TRUE;
}

gboolean
marina_domain_name_is_valid(const char *name, GError **error)
{
    if (name == NULL || name[0] == '\0')
        return fail(error, _("The domain has no name; add one, e.g. <name>web1</name>."));
    if (strlen(name) > MAX_NAME_LEN)
        return fail(error, _("The domain name '%s' is longer than %d characters; shorten it."),
                    name, MAX_NAME_LEN);
    if (name[0] == '.' || name[0] == '-')
        return fail(error, _("The domain name '%s' must not start with '%c'."), name, name[0]);
    for (const char *c = name; *c != '\0'; c++) {
        g_autofree char *shown = NULL;

        if (g_ascii_isalnum(*c) || strchr("_.-+", *c) != NULL)
            continue;
        if (*c == ' ')
            shown = g_strdup(_("a space"));
        else if ((guchar)*c < 0x20 || (guchar)*c >= 0x7f)
            shown = g_strdup_printf(_("the byte 0x%02x"), (guchar)*c);
        else
            shown = g_strdup_printf("'%c'", *c);
        return fail(error,
                    _("The domain name '%s' contains %s, which is not allowed; use letters, "
                      "digits, '_', '.', '-' and '+'."),
                    name, shown);
    }
    return TRUE;
}

/* libvirt's cpuset syntax: "0-3,^2,5"; numbers, ranges, exclusions, spaces
 * around items. The result must name at least one CPU. */
static gboolean
check_cpuset(const char *cpuset, GError **error)
{
    g_autofree guint8 *bits = g_malloc0(MAX_CPUSET_CPU / 8 + 1);
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
        if (!g_ascii_string_to_unsigned(item, 10, 0, MAX_CPUSET_CPU, &first, &local) ||
            (dash != NULL && (negate || !g_ascii_string_to_unsigned(
                                            dash + 1, 10, first, MAX_CPUSET_CPU, &last, &local))))
            return fail(error,
                        _("<vcpu cpuset='%s'> is not a valid CPU list; write CPUs %d or below "
                          "like '0-3,^2,5' (ranges, '^' to exclude one, commas between)."),
                        cpuset, MAX_CPUSET_CPU);
        if (dash == NULL)
            last = first;
        for (guint64 cpu = first; cpu <= last; cpu++) {
            if (negate)
                bits[cpu / 8] &= ~(1u << (cpu % 8));
            else
                bits[cpu / 8] |= 1u << (cpu % 8);
        }
    }
    for (guint i = 0; i <= MAX_CPUSET_CPU / 8; i++)
        any = any || bits[i] != 0;
    if (!any)
        return fail(error, _("<vcpu cpuset='%s'> names no CPU; list at least one."), cpuset);
    return TRUE;
}

/* ------------------------------------------------------------------------ */
/* UUIDs, MACs, memory sizes                                                */

static void
random_bytes(guint8 *buf, gsize len)
{
    gsize done = 0;

    while (done < len) {
        ssize_t n = getrandom(buf + done, len - done, 0);
        if (n <= 0)
            break;
        done += (gsize)n;
    }
    /* getrandom() cannot fail on Linux >= 3.17 short of EINTR; GRand is a fallback. */
    for (; done < len; done++)
        buf[done] = (guint8)g_random_int_range(0, 256);
}

char *
marina_uuid_generate(void)
{
    guint8 b[16];

    random_bytes(b, sizeof b);
    b[6] = (b[6] & 0x0f) | 0x40; /* version 4 */
    b[8] = (b[8] & 0x3f) | 0x80; /* RFC 4122 variant */
    return g_strdup_printf("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                           b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11],
                           b[12], b[13], b[14], b[15]);
}

char *
marina_uuid_canonicalize(const char *text)
{
    static const int dash_at[] = {8, 13, 18, 23};
    char hex[33];
    gsize len, n = 0;
    gboolean all_same = TRUE;

    if (text == NULL)
        return NULL;
    len = strlen(text);
    if (len != 32 && len != 36)
        return NULL;
    for (gsize i = 0; i < len; i++) {
        gboolean dash_pos = len == 36 && (i == 8 || i == 13 || i == 18 || i == 23);
        if (dash_pos) {
            if (text[i] != '-')
                return NULL;
            continue;
        }
        if (!g_ascii_isxdigit(text[i]))
            return NULL;
        hex[n++] = g_ascii_tolower(text[i]);
    }
    hex[32] = '\0';
    /* Like libvirt, refuse a UUID whose bytes are all equal (all zeros, all ff). */
    for (gsize i = 2; i < 32; i += 2)
        all_same = all_same && hex[i] == hex[0] && hex[i + 1] == hex[1];
    if (all_same)
        return NULL;

    GString *out = g_string_sized_new(36);
    for (gsize i = 0, d = 0; i < 32; i++) {
        if (d < G_N_ELEMENTS(dash_at) && out->len == (gsize)dash_at[d]) {
            g_string_append_c(out, '-');
            d++;
        }
        g_string_append_c(out, hex[i]);
    }
    return g_string_free(out, FALSE);
}

/* Accepts xx:xx:xx:xx:xx:xx with one or two hex digits per group (libvirt does). */
static gboolean
mac_parse(const char *text, guint8 mac[6])
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

static gboolean
mac_is_unicast(const guint8 mac[6])
{
    static const guint8 zero[6] = {0};

    return (mac[0] & 0x01) == 0 && memcmp(mac, zero, 6) != 0;
}

char *
marina_mac_generate(void)
{
    guint8 b[3];

    random_bytes(b, sizeof b);
    return g_strdup_printf("52:54:00:%02x:%02x:%02x", b[0], b[1], b[2]);
}

char *
marina_mac_canonicalize(const char *text)
{
    guint8 m[6];

    if (!mac_parse(text, m) || !mac_is_unicast(m))
        return NULL;
    return g_strdup_printf("%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static gboolean
check_mac(const char *mac, GError **error)
{
    guint8 m[6];

    if (mac == NULL)
        return fail(error, _("An <interface> has no MAC address; add <mac address='52:54:00:…'/> "
                             "or leave it out to have one generated."));
    if (!mac_parse(mac, m))
        return fail(error,
                    _("<mac address='%s'> is not a MAC address; write six hexadecimal pairs "
                      "separated by ':', e.g. 52:54:00:12:34:56."),
                    mac);
    if (m[0] & 0x01)
        return fail(error,
                    _("<mac address='%s'> is a multicast address, which a network card cannot "
                      "use; the first byte must be even, e.g. 52:54:00:12:34:56."),
                    mac);
    if (!mac_is_unicast(m))
        return fail(error, _("<mac address='%s'> is all zeros; use e.g. 52:54:00:12:34:56."), mac);
    return TRUE;
}

/* libvirt's virScaleInteger: unit suffixes are case-insensitive; "KB" is
 * 1000, "K" and "KiB" are 1024. */
static gboolean
memory_unit_scale(const char *unit, guint64 *scale)
{
    static const char prefixes[] = "kmgtpe";
    const char *pos;
    guint64 base;

    if (unit == NULL || unit[0] == '\0') {
        *scale = 1024;
        return TRUE;
    }
    if (g_ascii_strcasecmp(unit, "b") == 0 || g_ascii_strcasecmp(unit, "byte") == 0 ||
        g_ascii_strcasecmp(unit, "bytes") == 0) {
        *scale = 1;
        return TRUE;
    }
    pos = strchr(prefixes, g_ascii_tolower(unit[0]));
    if (pos == NULL)
        return FALSE;
    if (unit[1] == '\0' || g_ascii_strcasecmp(unit + 1, "iB") == 0)
        base = 1024;
    else if (g_ascii_strcasecmp(unit + 1, "B") == 0)
        base = 1000;
    else
        return FALSE;
    *scale = 1;
    for (const char *p = prefixes; p <= pos; p++)
        *scale *= base;
    return TRUE;
}

gboolean
marina_parse_memory(const char *value, const char *unit, guint64 *out_kib, GError **error)
{
    g_autofree char *copy = g_strstrip(g_strdup(value != NULL ? value : ""));
    g_autoptr(GError) local = NULL;
    guint64 number, scale;

    if (!memory_unit_scale(unit, &scale))
        return fail(error,
                    _("Unknown memory unit '%s'; use b, KB, KiB, MB, MiB, GB, GiB, TB or TiB."),
                    unit);
    if (copy[0] == '\0' || !g_ascii_string_to_unsigned(copy, 10, 0, G_MAXUINT64, &number, &local))
        return fail(error, _("'%s' is not a valid memory size; write a whole number, e.g. 1024."),
                    copy);
    if (number > G_MAXUINT64 / scale)
        return fail(error, _("The memory size %s %s is too large."), copy, unit);
    /* Sizes that are not whole KiB (bytes, decimal units) round up, as libvirt does. */
    if (scale % 1024 == 0)
        *out_kib = number * (scale / 1024);
    else
        *out_kib = number * scale / 1024 + ((number * scale) % 1024 != 0);
    return TRUE;
}

/* ------------------------------------------------------------------------ */
/* new / free / copy                                                        */

static void
disk_free(gpointer data)
{
    MarinaDiskConfig *d = data;

    g_free(d->source);
    g_free(d->format);
    g_free(d->cache);
    g_free(d->target_dev);
    g_free(d->serial);
    g_free(d);
}

static void
controller_free(gpointer data)
{
    MarinaControllerConfig *c = data;

    g_free(c->type);
    g_free(c->model);
    g_free(c);
}

static void
interface_free(gpointer data)
{
    MarinaInterfaceConfig *n = data;

    g_free(n->mac);
    g_free(n->model);
    g_free(n->source);
    g_free(n->target_dev);
    g_free(n);
}

static void
char_free(gpointer data)
{
    MarinaCharConfig *c = data;

    g_free(c->type);
    g_free(c->target_type);
    g_free(c);
}

static void
graphics_free(gpointer data)
{
    MarinaGraphicsConfig *g = data;

    g_free(g->type);
    g_free(g->listen);
    g_free(g->password);
    g_free(g->keymap);
    g_free(g);
}

static void
video_free(gpointer data)
{
    MarinaVideoConfig *v = data;

    g_free(v->model);
    g_free(v);
}

static void
input_free(gpointer data)
{
    MarinaInputConfig *i = data;

    g_free(i->type);
    g_free(i->bus);
    g_free(i);
}

static void
sound_free(gpointer data)
{
    MarinaSoundConfig *s = data;

    g_free(s->model);
    g_free(s);
}

static void
rng_free(gpointer data)
{
    MarinaRngConfig *r = data;

    g_free(r->model);
    g_free(r->backend);
    g_free(r);
}

static void
watchdog_free(MarinaWatchdogConfig *w)
{
    if (w == NULL)
        return;
    g_free(w->model);
    g_free(w->action);
    g_free(w);
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
    c->disks = g_ptr_array_new_with_free_func(disk_free);
    c->controllers = g_ptr_array_new_with_free_func(controller_free);
    c->interfaces = g_ptr_array_new_with_free_func(interface_free);
    c->serials = g_ptr_array_new_with_free_func(char_free);
    c->consoles = g_ptr_array_new_with_free_func(char_free);
    c->graphics = g_ptr_array_new_with_free_func(graphics_free);
    c->videos = g_ptr_array_new_with_free_func(video_free);
    c->inputs = g_ptr_array_new_with_free_func(input_free);
    c->sounds = g_ptr_array_new_with_free_func(sound_free);
    c->rngs = g_ptr_array_new_with_free_func(rng_free);
    return c;
}

void
marina_domain_config_free(MarinaDomainConfig *c)
{
    if (c == NULL)
        return;
    g_free(c->domain_type);
    g_free(c->name);
    g_free(c->uuid);
    g_free(c->title);
    g_free(c->description);
    g_free(c->cpuset);
    g_free(c->os_type);
    g_free(c->arch);
    g_free(c->machine);
    g_clear_pointer(&c->boot_devs, g_ptr_array_unref);
    g_free(c->kernel);
    g_free(c->initrd);
    g_free(c->cmdline);
    g_free(c->firmware);
    g_free(c->loader);
    g_free(c->nvram);
    g_free(c->cpu_mode);
    g_free(c->cpu_model);
    g_free(c->clock_offset);
    g_free(c->emulator);
    g_clear_pointer(&c->disks, g_ptr_array_unref);
    g_clear_pointer(&c->controllers, g_ptr_array_unref);
    g_clear_pointer(&c->interfaces, g_ptr_array_unref);
    g_clear_pointer(&c->serials, g_ptr_array_unref);
    g_clear_pointer(&c->consoles, g_ptr_array_unref);
    g_clear_pointer(&c->graphics, g_ptr_array_unref);
    g_clear_pointer(&c->videos, g_ptr_array_unref);
    g_clear_pointer(&c->inputs, g_ptr_array_unref);
    g_clear_pointer(&c->sounds, g_ptr_array_unref);
    g_clear_pointer(&c->rngs, g_ptr_array_unref);
    g_free(c->memballoon_model);
    watchdog_free(c->watchdog);
    g_free(c->metadata_xml);
    g_free(c);
}

static gpointer
disk_copy(gconstpointer src, gpointer unused)
{
    const MarinaDiskConfig *s = src;
    MarinaDiskConfig *d = g_memdup2(s, sizeof *s);

    d->source = g_strdup(s->source);
    d->format = g_strdup(s->format);
    d->cache = g_strdup(s->cache);
    d->target_dev = g_strdup(s->target_dev);
    d->serial = g_strdup(s->serial);
    return d;
}

static gpointer
controller_copy(gconstpointer src, gpointer unused)
{
    const MarinaControllerConfig *s = src;
    MarinaControllerConfig *d = g_memdup2(s, sizeof *s);

    d->type = g_strdup(s->type);
    d->model = g_strdup(s->model);
    return d;
}

static gpointer
interface_copy(gconstpointer src, gpointer unused)
{
    const MarinaInterfaceConfig *s = src;
    MarinaInterfaceConfig *d = g_memdup2(s, sizeof *s);

    d->mac = g_strdup(s->mac);
    d->model = g_strdup(s->model);
    d->source = g_strdup(s->source);
    d->target_dev = g_strdup(s->target_dev);
    return d;
}

static gpointer
char_copy(gconstpointer src, gpointer unused)
{
    const MarinaCharConfig *s = src;
    MarinaCharConfig *d = g_memdup2(s, sizeof *s);

    d->type = g_strdup(s->type);
    d->target_type = g_strdup(s->target_type);
    return d;
}

static gpointer
graphics_copy(gconstpointer src, gpointer unused)
{
    const MarinaGraphicsConfig *s = src;
    MarinaGraphicsConfig *d = g_memdup2(s, sizeof *s);

    d->type = g_strdup(s->type);
    d->listen = g_strdup(s->listen);
    d->password = g_strdup(s->password);
    d->keymap = g_strdup(s->keymap);
    return d;
}

static gpointer
video_copy(gconstpointer src, gpointer unused)
{
    const MarinaVideoConfig *s = src;
    MarinaVideoConfig *d = g_memdup2(s, sizeof *s);

    d->model = g_strdup(s->model);
    return d;
}

static gpointer
input_copy(gconstpointer src, gpointer unused)
{
    const MarinaInputConfig *s = src;
    MarinaInputConfig *d = g_memdup2(s, sizeof *s);

    d->type = g_strdup(s->type);
    d->bus = g_strdup(s->bus);
    return d;
}

static gpointer
sound_copy(gconstpointer src, gpointer unused)
{
    const MarinaSoundConfig *s = src;
    MarinaSoundConfig *d = g_memdup2(s, sizeof *s);

    d->model = g_strdup(s->model);
    return d;
}

static gpointer
rng_copy(gconstpointer src, gpointer unused)
{
    const MarinaRngConfig *s = src;
    MarinaRngConfig *d = g_memdup2(s, sizeof *s);

    d->model = g_strdup(s->model);
    d->backend = g_strdup(s->backend);
    return d;
}

static gpointer
str_copy(gconstpointer src, gpointer unused)
{
    return g_strdup(src);
}

/* Deep copy of @src into @dst, which already owns empty arrays with the right free funcs. */
static void
copy_array(GPtrArray *dst, const GPtrArray *src, GCopyFunc copy)
{
    if (src == NULL)
        return;
    for (guint i = 0; i < src->len; i++)
        g_ptr_array_add(dst, copy(src->pdata[i], NULL));
}

MarinaDomainConfig *
marina_domain_config_copy(const MarinaDomainConfig *s)
{
    MarinaDomainConfig *c;

    g_return_val_if_fail(s != NULL, NULL);
    c = marina_domain_config_new();
    g_free(c->domain_type);
    g_free(c->os_type);
    g_free(c->arch);
    c->domain_type = g_strdup(s->domain_type);
    c->name = g_strdup(s->name);
    c->uuid = g_strdup(s->uuid);
    c->title = g_strdup(s->title);
    c->description = g_strdup(s->description);
    c->memory_kib = s->memory_kib;
    c->current_memory_kib = s->current_memory_kib;
    c->vcpus = s->vcpus;
    c->current_vcpus = s->current_vcpus;
    c->cpuset = g_strdup(s->cpuset);
    c->os_type = g_strdup(s->os_type);
    c->arch = g_strdup(s->arch);
    c->machine = g_strdup(s->machine);
    copy_array(c->boot_devs, s->boot_devs, str_copy);
    c->boot_menu = s->boot_menu;
    c->kernel = g_strdup(s->kernel);
    c->initrd = g_strdup(s->initrd);
    c->cmdline = g_strdup(s->cmdline);
    c->firmware = g_strdup(s->firmware);
    c->loader = g_strdup(s->loader);
    c->nvram = g_strdup(s->nvram);
    c->acpi = s->acpi;
    c->apic = s->apic;
    c->pae = s->pae;
    c->cpu_mode = g_strdup(s->cpu_mode);
    c->cpu_model = g_strdup(s->cpu_model);
    c->clock_offset = g_strdup(s->clock_offset);
    c->on_poweroff = s->on_poweroff;
    c->on_reboot = s->on_reboot;
    c->on_crash = s->on_crash;
    c->emulator = g_strdup(s->emulator);
    copy_array(c->disks, s->disks, disk_copy);
    copy_array(c->controllers, s->controllers, controller_copy);
    copy_array(c->interfaces, s->interfaces, interface_copy);
    copy_array(c->serials, s->serials, char_copy);
    copy_array(c->consoles, s->consoles, char_copy);
    copy_array(c->graphics, s->graphics, graphics_copy);
    copy_array(c->videos, s->videos, video_copy);
    copy_array(c->inputs, s->inputs, input_copy);
    copy_array(c->sounds, s->sounds, sound_copy);
    c->memballoon_model = g_strdup(s->memballoon_model);
    copy_array(c->rngs, s->rngs, rng_copy);
    if (s->watchdog != NULL) {
        c->watchdog = g_memdup2(s->watchdog, sizeof *s->watchdog);
        c->watchdog->model = g_strdup(s->watchdog->model);
        c->watchdog->action = g_strdup(s->watchdog->action);
    }
    c->metadata_xml = g_strdup(s->metadata_xml);
    return c;
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

/* ------------------------------------------------------------------------ */
/* Hardened libxml2 reading (xml-util.c): no network, no entities, size limit */

static xmlDoc *
read_xml(const char *xml, gssize len, GError **error)
{
    return marina_xml_read_hardened(xml, len, MARINA_DOMAIN_XML_MAX, _("The XML"), error);
}

/* ------------------------------------------------------------------------ */
/* Parsing helpers                                                          */

typedef struct {
    GPtrArray *warnings; /* char*, owned here; moved to the caller on success */
    MarinaDomainConfig *cfg;
    guint seen_top; /* bit per entry of domain_elements: singletons */
    gboolean have_vcpu;
    gboolean have_current_vcpus;
    gboolean have_memballoon;
    char *loader_type;
} Parser;

static void G_GNUC_PRINTF(2, 3) warn(Parser *p, const char *format, ...)
{
    va_list args;
    g_autofree char *message = NULL;

    va_start(args, format);
    message = g_strdup_vprintf(format, args);
    va_end(args);
    /* Repeated elements (e.g. many <seclabel>) warn once; a hostile document
     * cannot make the list grow without bound. */
    for (guint i = 0; i < p->warnings->len; i++) {
        if (g_str_equal(p->warnings->pdata[i], message))
            return;
    }
    if (p->warnings->len == MAX_WARNINGS)
        g_ptr_array_add(p->warnings, g_strdup(_("More unsupported elements or attributes were "
                                                "ignored; only the first ones are listed.")));
    if (p->warnings->len >= MAX_WARNINGS)
        return;
    g_ptr_array_add(p->warnings, g_steal_pointer(&message));
}

static gboolean
node_is(const xmlNode *node, const char *name)
{
    return node->type == XML_ELEMENT_NODE && node->ns == NULL &&
           strcmp((const char *)node->name, name) == 0;
}

static char *
node_label(const xmlNode *node)
{
    if (node->ns != NULL && node->ns->prefix != NULL)
        return g_strdup_printf("<%s:%s>", node->ns->prefix, node->name);
    return g_strdup_printf("<%s>", node->name);
}

static char *
get_prop(const xmlNode *node, const char *name)
{
    xmlChar *value = xmlGetNoNsProp(node, BAD_CAST name);
    char *ret = value != NULL ? g_strdup((const char *)value) : NULL;

    xmlFree(value);
    return ret;
}

static char *
get_text(const xmlNode *node)
{
    xmlChar *value = xmlNodeGetContent(node);
    char *ret = g_strdup(value != NULL ? (const char *)value : "");

    xmlFree(value);
    return ret;
}

/* Replace *slot with the element's text, refusing a second occurrence. */
static gboolean
take_text(const xmlNode *node, const char *path, char **slot, GError **error)
{
    if (*slot != NULL)
        return fail(error, _("%s appears more than once; keep one."), path);
    *slot = get_text(node);
    return TRUE;
}

static void
warn_element(Parser *p, const char *parent, const xmlNode *node)
{
    g_autofree char *label = node_label(node);

    if (parent != NULL)
        warn(p, _("Ignoring %s/%s: not supported by Marina yet."), parent, label);
    else
        warn(p, _("Ignoring %s: not supported by Marina yet."), label);
}

/* Every attribute not in @allowed (NULL-terminated) or @quiet is reported. */
static void
warn_attrs(Parser *p, const xmlNode *node, const char *path, const char *const *allowed,
           const char *const *quiet)
{
    for (const xmlAttr *a = node->properties; a != NULL; a = a->next) {
        const char *name = (const char *)a->name;

        if (a->ns == NULL && allowed != NULL && enum_index(name, allowed) >= 0)
            continue;
        if (a->ns == NULL && quiet != NULL && enum_index(name, quiet) >= 0)
            continue;
        if (a->ns != NULL && a->ns->prefix != NULL)
            warn(p, _("Ignoring attribute '%s:%s' of %s: not supported by Marina yet."),
                 a->ns->prefix, name, path);
        else
            warn(p, _("Ignoring attribute '%s' of %s: not supported by Marina yet."), name, path);
    }
}

#define ATTRS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* libvirt writes <address> and <alias> on nearly every device of a running
 * guest. Marina assigns its own PCI/drive addresses and device ids, so these
 * are ignored quietly: one warning per device would bury the useful ones. */
static gboolean
is_quietly_ignored(const xmlNode *node)
{
    return node_is(node, "address") || node_is(node, "alias");
}

#define FOR_EACH_ELEMENT(child, node)                                                              \
    for (xmlNode *child = (node)->children; child != NULL; child = child->next)                    \
        if (child->type == XML_ELEMENT_NODE)

static void
warn_children(Parser *p, xmlNode *node, const char *path)
{
    FOR_EACH_ELEMENT(child, node)
    {
        if (!is_quietly_ignored(child))
            warn_element(p, path, child);
    }
}

static gboolean
parse_yes_no(const char *what, const char *value, gboolean *out, GError **error)
{
    int v = -1;

    if (!parse_enum(what, value, yes_no, &v, error))
        return FALSE;
    if (v >= 0)
        *out = v == 1;
    return TRUE;
}

static gboolean
parse_boot_order(Parser *p, const xmlNode *node, const char *path, guint *out, GError **error)
{
    g_autofree char *order = get_prop(node, "order");
    g_autofree char *what = g_strdup_printf("%s/<boot order>", path);

    warn_attrs(p, node, what, ATTRS("order"), NULL);
    if (order == NULL)
        return fail(error, _("%s/<boot> needs an order attribute, e.g. <boot order='1'/>."), path);
    return parse_guint(what, order, 1, MAX_BOOT_ORDER, out, error);
}

static gboolean
check_count(GPtrArray *array, guint max, const char *what, GError **error)
{
    if (array->len >= max)
        return fail(error, _("The domain has more than %u %s; Marina accepts at most %u."), max,
                    what, max);
    return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Top-level elements                                                       */

static gboolean
parse_memory_element(Parser *p, xmlNode *node, guint64 *out, GError **error)
{
    g_autofree char *label = node_label(node);
    g_autofree char *unit = get_prop(node, "unit");
    g_autofree char *text = get_text(node);

    warn_attrs(p, node, label, ATTRS("unit"), NULL);
    if (!marina_parse_memory(text, unit, out, error)) {
        g_prefix_error(error, "%s: ", label);
        return FALSE;
    }
    return TRUE;
}

static gboolean
parse_name(Parser *p, xmlNode *node, GError **error)
{
    return take_text(node, "<name>", &p->cfg->name, error);
}

static gboolean
parse_uuid(Parser *p, xmlNode *node, GError **error)
{
    g_autofree char *text = g_strstrip(get_text(node));

    p->cfg->uuid = marina_uuid_canonicalize(text);
    if (p->cfg->uuid == NULL)
        return fail(error,
                    _("<uuid> '%s' is not a valid UUID; write 32 hexadecimal digits, e.g. "
                      "4dea22b3-1d52-d8f3-2516-782e98ab3fa0, or leave <uuid> out to have one "
                      "generated."),
                    text);
    return TRUE;
}

static gboolean
parse_title(Parser *p, xmlNode *node, GError **error)
{
    return take_text(node, "<title>", &p->cfg->title, error);
}

static gboolean
parse_description(Parser *p, xmlNode *node, GError **error)
{
    return take_text(node, "<description>", &p->cfg->description, error);
}

/* <metadata> belongs to other applications: keep its child elements verbatim,
 * each made self-contained (namespace declarations included). */
static gboolean
parse_metadata(Parser *p, xmlNode *node, GError **error)
{
    g_autoptr(xmlBuffer) buf = xmlBufferCreate();

    FOR_EACH_ELEMENT(child, node)
    {
        g_autoptr(xmlDoc) tmp = xmlNewDoc(BAD_CAST "1.0");
        xmlNode *copy = xmlDocCopyNode(child, tmp, 1);

        if (copy == NULL)
            return fail(error, _("Out of memory while copying <metadata>."));
        xmlDocSetRootElement(tmp, copy);
        xmlNodeDump(buf, tmp, copy, 0, 0);
    }
    if (xmlBufferLength(buf) > 0)
        p->cfg->metadata_xml = g_strdup((const char *)xmlBufferContent(buf));
    return TRUE;
}

static gboolean
parse_memory(Parser *p, xmlNode *node, GError **error)
{
    return parse_memory_element(p, node, &p->cfg->memory_kib, error);
}

static gboolean
parse_current_memory(Parser *p, xmlNode *node, GError **error)
{
    return parse_memory_element(p, node, &p->cfg->current_memory_kib, error);
}

static gboolean
parse_vcpu(Parser *p, xmlNode *node, GError **error)
{
    g_autofree char *text = get_text(node);
    g_autofree char *current = get_prop(node, "current");
    g_autofree char *placement = get_prop(node, "placement");

    warn_attrs(p, node, "<vcpu>", ATTRS("current", "cpuset"), ATTRS("placement"));
    if (placement != NULL && !g_str_equal(placement, "static"))
        warn(p, _("Ignoring <vcpu placement='%s'>: Marina uses static placement."), placement);
    if (!parse_guint("<vcpu>", text, 0, G_MAXUINT, &p->cfg->vcpus, error))
        return FALSE;
    p->have_vcpu = TRUE;
    if (current != NULL) {
        if (!parse_guint("<vcpu current>", current, 1, G_MAXUINT, &p->cfg->current_vcpus, error))
            return FALSE;
        p->have_current_vcpus = TRUE;
    }
    p->cfg->cpuset = get_prop(node, "cpuset");
    return TRUE;
}

static gboolean
parse_os_type(Parser *p, xmlNode *node, GError **error)
{
    MarinaDomainConfig *c = p->cfg;
    g_autofree char *arch = get_prop(node, "arch");
    g_autofree char *machine = get_prop(node, "machine");

    warn_attrs(p, node, "<os>/<type>", ATTRS("arch", "machine"), NULL);
    g_free(c->os_type);
    c->os_type = g_strstrip(get_text(node));
    if (arch != NULL) {
        g_free(c->arch);
        c->arch = g_steal_pointer(&arch);
    }
    g_free(c->machine);
    c->machine = g_steal_pointer(&machine);
    return TRUE;
}

static gboolean
parse_os_boot(Parser *p, xmlNode *node, GError **error)
{
    g_autofree char *dev = get_prop(node, "dev");

    warn_attrs(p, node, "<os>/<boot>", ATTRS("dev"), NULL);
    if (dev == NULL)
        return fail(error, _("<os>/<boot> needs a dev attribute, e.g. <boot dev='hd'/>."));
    if (!check_enum("<os>/<boot dev>", dev, boot_dev_names, error))
        return FALSE;
    if (p->cfg->boot_devs->len >= MAX_BOOT_DEVS)
        return fail(error, _("<os> lists more than %d <boot> devices."), MAX_BOOT_DEVS);
    g_ptr_array_add(p->cfg->boot_devs, g_steal_pointer(&dev));
    return TRUE;
}

static gboolean
parse_os_child(Parser *p, xmlNode *child, GError **error)
{
    MarinaDomainConfig *c = p->cfg;

    if (node_is(child, "type"))
        return parse_os_type(p, child, error);
    if (node_is(child, "boot"))
        return parse_os_boot(p, child, error);
    if (node_is(child, "bootmenu")) {
        g_autofree char *enable = get_prop(child, "enable");
        warn_attrs(p, child, "<os>/<bootmenu>", ATTRS("enable"), NULL);
        return parse_yes_no("<os>/<bootmenu enable>", enable, &c->boot_menu, error);
    }
    if (node_is(child, "kernel"))
        return take_text(child, "<os>/<kernel>", &c->kernel, error);
    if (node_is(child, "initrd"))
        return take_text(child, "<os>/<initrd>", &c->initrd, error);
    if (node_is(child, "cmdline"))
        return take_text(child, "<os>/<cmdline>", &c->cmdline, error);
    if (node_is(child, "loader")) {
        /* readonly/type describe how the firmware is mapped: Marina always maps
         * a loader as read-only pflash (or ROM for type='rom'). */
        warn_attrs(p, child, "<os>/<loader>", NULL, ATTRS("readonly", "type"));
        g_free(p->loader_type);
        p->loader_type = get_prop(child, "type");
        return take_text(child, "<os>/<loader>", &c->loader, error);
    }
    if (node_is(child, "nvram")) {
        warn_attrs(p, child, "<os>/<nvram>", NULL, NULL);
        return take_text(child, "<os>/<nvram>", &c->nvram, error);
    }
    warn_element(p, "<os>", child);
    return TRUE;
}

static gboolean
parse_os(Parser *p, xmlNode *node, GError **error)
{
    p->cfg->firmware = get_prop(node, "firmware");
    warn_attrs(p, node, "<os>", ATTRS("firmware"), NULL);
    FOR_EACH_ELEMENT(child, node)
    {
        if (!parse_os_child(p, child, error))
            return FALSE;
    }
    return TRUE;
}

static gboolean
parse_features(Parser *p, xmlNode *node, GError **error)
{
    FOR_EACH_ELEMENT(child, node)
    {
        gboolean *flag = NULL;

        if (node_is(child, "acpi"))
            flag = &p->cfg->acpi;
        else if (node_is(child, "apic"))
            flag = &p->cfg->apic;
        else if (node_is(child, "pae"))
            flag = &p->cfg->pae;
        if (flag == NULL) {
            warn_element(p, "<features>", child);
            continue;
        }
        *flag = TRUE;
        g_autofree char *label = g_strdup_printf("<features>/<%s>", child->name);
        warn_attrs(p, child, label, NULL, NULL);
    }
    return TRUE;
}

static gboolean
parse_cpu(Parser *p, xmlNode *node, GError **error)
{
    MarinaDomainConfig *c = p->cfg;

    c->cpu_mode = get_prop(node, "mode");
    warn_attrs(p, node, "<cpu>", ATTRS("mode"), NULL);
    FOR_EACH_ELEMENT(child, node)
    {
        if (node_is(child, "model")) {
            warn_attrs(p, child, "<cpu>/<model>", NULL, NULL);
            if (!take_text(child, "<cpu>/<model>", &c->cpu_model, error))
                return FALSE;
            g_strstrip(c->cpu_model);
        } else {
            warn_element(p, "<cpu>", child);
        }
    }
    /* libvirt's default mode is custom when a model is given. */
    if (c->cpu_mode == NULL && c->cpu_model != NULL)
        c->cpu_mode = g_strdup("custom");
    return TRUE;
}

static gboolean
parse_clock(Parser *p, xmlNode *node, GError **error)
{
    p->cfg->clock_offset = get_prop(node, "offset");
    warn_attrs(p, node, "<clock>", ATTRS("offset"), NULL);
    warn_children(p, node, "<clock>");
    return TRUE;
}

static gboolean
parse_lifecycle(Parser *p, xmlNode *node, MarinaLifecycleAction *out, GError **error)
{
    static const struct {
        const char *name;
        MarinaLifecycleAction action;
    } approximations[] = {
        {"rename-restart", MARINA_LIFECYCLE_RESTART},
        {"coredump-destroy", MARINA_LIFECYCLE_DESTROY},
        {"coredump-restart", MARINA_LIFECYCLE_RESTART},
    };
    g_autofree char *label = node_label(node);
    g_autofree char *value = g_strstrip(get_text(node));
    int index = enum_index(value, lifecycle_actions);

    if (index >= 0) {
        *out = (MarinaLifecycleAction)index;
        return TRUE;
    }
    for (guint i = 0; i < G_N_ELEMENTS(approximations); i++) {
        if (g_str_equal(value, approximations[i].name)) {
            *out = approximations[i].action;
            warn(p, _("%s '%s' is not supported by Marina; using '%s' instead."), label, value,
                 lifecycle_actions[approximations[i].action]);
            return TRUE;
        }
    }
    return check_enum(label, value, lifecycle_actions, error);
}

static gboolean
parse_on_poweroff(Parser *p, xmlNode *node, GError **error)
{
    return parse_lifecycle(p, node, &p->cfg->on_poweroff, error);
}

static gboolean
parse_on_reboot(Parser *p, xmlNode *node, GError **error)
{
    return parse_lifecycle(p, node, &p->cfg->on_reboot, error);
}

static gboolean
parse_on_crash(Parser *p, xmlNode *node, GError **error)
{
    return parse_lifecycle(p, node, &p->cfg->on_crash, error);
}

/* ------------------------------------------------------------------------ */
/* Devices                                                                  */

static gboolean
parse_emulator(Parser *p, xmlNode *node, GError **error)
{
    if (!take_text(node, "<devices>/<emulator>", &p->cfg->emulator, error))
        return FALSE;
    g_strstrip(p->cfg->emulator);
    return TRUE;
}

static gboolean
bus_from_target(const char *dev, MarinaDiskBus *bus)
{
    static const struct {
        const char *prefix;
        MarinaDiskBus bus;
    } prefixes[] = {
        {"vd", MARINA_DISK_BUS_VIRTIO},
        {"sd", MARINA_DISK_BUS_SATA},
        {"hd", MARINA_DISK_BUS_IDE},
        {"fd", MARINA_DISK_BUS_FDC},
    };

    for (guint i = 0; i < G_N_ELEMENTS(prefixes); i++) {
        if (g_str_has_prefix(dev, prefixes[i].prefix)) {
            *bus = prefixes[i].bus;
            return TRUE;
        }
    }
    return FALSE;
}

static gboolean
parse_disk_driver(Parser *p, MarinaDiskConfig *d, xmlNode *node, GError **error)
{
    g_autofree char *name = get_prop(node, "name");

    warn_attrs(p, node, "<disk>/<driver>", ATTRS("name", "type", "cache"), NULL);
    if (name != NULL && !g_str_equal(name, "qemu"))
        return fail(error, _("<disk>/<driver name='%s'> is not supported; use name='qemu'."), name);
    g_free(d->format);
    g_free(d->cache);
    d->format = get_prop(node, "type");
    d->cache = get_prop(node, "cache");
    return TRUE;
}

static gboolean
parse_disk_source(Parser *p, MarinaDiskConfig *d, xmlNode *node, GError **error)
{
    const char *attr = d->type == MARINA_DISK_TYPE_BLOCK ? "dev" : "file";

    /* index is libvirt's runtime numbering of the backing chain. */
    warn_attrs(p, node, "<disk>/<source>", ATTRS(attr), ATTRS("index"));
    warn_children(p, node, "<disk>/<source>");
    g_free(d->source);
    d->source = get_prop(node, attr);
    if (d->source == NULL)
        return fail(error, _("<disk type='%s'>/<source> needs a %s attribute with the path."),
                    ENUM_NAME(disk_types, d->type), attr);
    return TRUE;
}

static gboolean
parse_disk_target(Parser *p, MarinaDiskConfig *d, xmlNode *node, gboolean *have_bus, GError **error)
{
    g_autofree char *bus = get_prop(node, "bus");
    int value = -1;

    warn_attrs(p, node, "<disk>/<target>", ATTRS("dev", "bus"), NULL);
    g_free(d->target_dev);
    d->target_dev = get_prop(node, "dev");
    if (!parse_enum("<disk>/<target bus>", bus, disk_buses, &value, error))
        return FALSE;
    if (value >= 0) {
        d->bus = (MarinaDiskBus)value;
        *have_bus = TRUE;
    }
    return TRUE;
}

static gboolean
parse_disk_child(Parser *p, MarinaDiskConfig *d, xmlNode *child, gboolean *have_bus, GError **error)
{
    if (node_is(child, "driver"))
        return parse_disk_driver(p, d, child, error);
    if (node_is(child, "source"))
        return parse_disk_source(p, d, child, error);
    if (node_is(child, "target"))
        return parse_disk_target(p, d, child, have_bus, error);
    if (node_is(child, "boot"))
        return parse_boot_order(p, child, "<disk>", &d->boot_order, error);
    if (node_is(child, "serial"))
        return take_text(child, "<disk>/<serial>", &d->serial, error);
    if (node_is(child, "readonly"))
        d->readonly = TRUE;
    else if (node_is(child, "shareable"))
        d->shareable = TRUE;
    else if (node_is(child, "backingStore") && child->children == NULL)
        ; /* libvirt's empty "no backing chain" marker on running guests */
    else if (!is_quietly_ignored(child))
        warn_element(p, "<devices>/<disk>", child);
    return TRUE;
}

static gboolean
parse_disk(Parser *p, xmlNode *node, GError **error)
{
    g_autofree char *type = get_prop(node, "type");
    g_autofree char *device = get_prop(node, "device");
    MarinaDiskConfig *d;
    gboolean have_bus = FALSE;
    int value;

    if (!check_count(p->cfg->disks, MAX_DISKS, _("disks"), error))
        return FALSE;
    d = g_new0(MarinaDiskConfig, 1);
    g_ptr_array_add(p->cfg->disks, d);
    warn_attrs(p, node, "<devices>/<disk>", ATTRS("type", "device"), NULL);
    value = MARINA_DISK_TYPE_FILE;
    if (!parse_enum("<disk type>", type, disk_types, &value, error))
        return FALSE;
    d->type = (MarinaDiskType)value;
    value = MARINA_DISK_DEVICE_DISK;
    if (!parse_enum("<disk device>", device, disk_devices, &value, error))
        return FALSE;
    d->device = (MarinaDiskDevice)value;
    FOR_EACH_ELEMENT(child, node)
    {
        if (!parse_disk_child(p, d, child, &have_bus, error))
            return FALSE;
    }
    if (d->target_dev == NULL)
        return fail(error, _("A <disk> has no <target dev=…>; add one, e.g. "
                             "<target dev='vda' bus='virtio'/>."));
    if (!have_bus && !bus_from_target(d->target_dev, &d->bus))
        return fail(error,
                    _("Disk '%s': the bus cannot be derived from the name; add bus='virtio' "
                      "(or sata, ide, scsi, usb, fdc) to <target>, or name it vdX, sdX, hdX or "
                      "fdX."),
                    d->target_dev);
    return TRUE;
}

static gboolean
parse_controller(Parser *p, xmlNode *node, GError **error)
{
    g_autofree char *index = get_prop(node, "index");
    MarinaControllerConfig *ctl;

    if (!check_count(p->cfg->controllers, MAX_CONTROLLERS, _("controllers"), error))
        return FALSE;
    ctl = g_new0(MarinaControllerConfig, 1);
    g_ptr_array_add(p->cfg->controllers, ctl);
    warn_attrs(p, node, "<devices>/<controller>", ATTRS("type", "index", "model"), NULL);
    ctl->type = get_prop(node, "type");
    ctl->model = get_prop(node, "model");
    if (ctl->type == NULL)
        return fail(error, _("A <controller> has no type; add e.g. type='usb'."));
    if (index != NULL && !parse_guint("<controller index>", index, 0, 255, &ctl->index, error))
        return FALSE;
    FOR_EACH_ELEMENT(child, node)
    {
        /* <model>, <target> and <master> describe PCI/USB topology, which
         * Marina lays out itself, like addresses. */
        if (is_quietly_ignored(child) || node_is(child, "model") || node_is(child, "target") ||
            node_is(child, "master"))
            continue;
        warn_element(p, "<devices>/<controller>", child);
    }
    return TRUE;
}

static gboolean
parse_interface_source(Parser *p, MarinaInterfaceConfig *n, xmlNode *node, GError **error)
{
    const char *attr = n->type == MARINA_NET_TYPE_BRIDGE ? "bridge" : "network";

    if (n->type == MARINA_NET_TYPE_USER) {
        warn_attrs(p, node, "<interface type='user'>/<source>", NULL, NULL);
        return TRUE;
    }
    /* portid and bridge are filled in by libvirt on running guests of type network. */
    warn_attrs(p, node, "<interface>/<source>", ATTRS(attr),
               n->type == MARINA_NET_TYPE_NETWORK ? ATTRS("portid", "bridge") : NULL);
    g_free(n->source);
    n->source = get_prop(node, attr);
    if (n->source == NULL)
        return fail(error, _("<interface type='%s'>/<source> needs a %s attribute."),
                    ENUM_NAME(net_types, n->type), attr);
    return TRUE;
}

static gboolean
parse_interface_target(Parser *p, MarinaInterfaceConfig *n, xmlNode *node, GError **error)
{
    g_autofree char *dev = get_prop(node, "dev");

    warn_attrs(p, node, "<interface>/<target>", ATTRS("dev"), NULL);
    /* Like libvirt, drop the auto-generated names of a running guest
     * (vnetN) so that pasting dumpxml output does not pin them. */
    g_free(n->target_dev);
    n->target_dev = (dev != NULL && !g_str_has_prefix(dev, "vnet")) ? g_steal_pointer(&dev) : NULL;
    return TRUE;
}

static gboolean
parse_interface_child(Parser *p, MarinaInterfaceConfig *n, xmlNode *child, GError **error)
{
    if (node_is(child, "mac")) {
        warn_attrs(p, child, "<interface>/<mac>", ATTRS("address"), NULL);
        g_free(n->mac);
        n->mac = get_prop(child, "address");
        if (!check_mac(n->mac, error))
            return FALSE;
        g_autofree char *canonical = marina_mac_canonicalize(n->mac);
        g_free(n->mac);
        n->mac = g_steal_pointer(&canonical);
        return TRUE;
    }
    if (node_is(child, "source"))
        return parse_interface_source(p, n, child, error);
    if (node_is(child, "target"))
        return parse_interface_target(p, n, child, error);
    if (node_is(child, "model")) {
        warn_attrs(p, child, "<interface>/<model>", ATTRS("type"), NULL);
        g_free(n->model);
        n->model = get_prop(child, "type");
        return TRUE;
    }
    if (node_is(child, "boot"))
        return parse_boot_order(p, child, "<interface>", &n->boot_order, error);
    if (!is_quietly_ignored(child))
        warn_element(p, "<devices>/<interface>", child);
    return TRUE;
}

static gboolean
parse_interface(Parser *p, xmlNode *node, GError **error)
{
    g_autofree char *type = get_prop(node, "type");
    MarinaInterfaceConfig *n;
    int value = MARINA_NET_TYPE_USER;

    if (!check_count(p->cfg->interfaces, MAX_INTERFACES, _("network interfaces"), error))
        return FALSE;
    n = g_new0(MarinaInterfaceConfig, 1);
    g_ptr_array_add(p->cfg->interfaces, n);
    warn_attrs(p, node, "<devices>/<interface>", ATTRS("type"), NULL);
    if (type == NULL)
        return fail(error, _("An <interface> has no type; use type='user', 'network' or "
                             "'bridge'."));
    if (!parse_enum("<interface type>", type, net_types, &value, error))
        return FALSE;
    n->type = (MarinaNetType)value;
    FOR_EACH_ELEMENT(child, node)
    {
        if (!parse_interface_child(p, n, child, error))
            return FALSE;
    }
    return TRUE;
}

static gboolean
parse_char_target(Parser *p, MarinaCharConfig *ch, xmlNode *node, const char *path, GError **error)
{
    g_autofree char *port = get_prop(node, "port");
    g_autofree char *what = g_strdup_printf("%s/<target port>", path);

    warn_attrs(p, node, what, ATTRS("type", "port"), NULL);
    g_free(ch->target_type);
    ch->target_type = get_prop(node, "type");
    if (port != NULL && !parse_guint(what, port, 0, 255, &ch->port, error))
        return FALSE;
    FOR_EACH_ELEMENT(child, node)
    {
        g_autofree char *target = g_strdup_printf("%s/<target>", path);
        g_autofree char *model = node_is(child, "model") ? get_prop(child, "name") : NULL;

        /* libvirt writes <model name='isa-serial'/> under every isa-serial
         * target: it repeats the target type and says nothing new. */
        if (model != NULL && g_strcmp0(model, ch->target_type) == 0)
            continue;
        warn_element(p, target, child);
    }
    return TRUE;
}

static gboolean
parse_char(Parser *p, xmlNode *node, MarinaCharKind kind, GError **error)
{
    GPtrArray *list = kind == MARINA_CHAR_SERIAL ? p->cfg->serials : p->cfg->consoles;
    const char *path = kind == MARINA_CHAR_SERIAL ? "<devices>/<serial>" : "<devices>/<console>";
    MarinaCharConfig *ch;

    if (!check_count(list, MAX_OTHER_DEVICES,
                     kind == MARINA_CHAR_SERIAL ? _("serial ports") : _("consoles"), error))
        return FALSE;
    ch = g_new0(MarinaCharConfig, 1);
    ch->kind = kind;
    ch->port = kind == MARINA_CHAR_SERIAL ? list->len : 0; /* libvirt numbers serials in order */
    g_ptr_array_add(list, ch);
    /* tty is the pty path of a running guest: runtime state. */
    warn_attrs(p, node, path, ATTRS("type"), ATTRS("tty"));
    ch->type = get_prop(node, "type");
    if (ch->type == NULL)
        ch->type = g_strdup("pty");
    FOR_EACH_ELEMENT(child, node)
    {
        if (node_is(child, "target")) {
            if (!parse_char_target(p, ch, child, path, error))
                return FALSE;
        } else if (node_is(child, "source") && g_str_equal(ch->type, "pty")) {
            /* The pty path of a running guest; Marina makes its own. */
        } else if (!is_quietly_ignored(child)) {
            warn_element(p, path, child);
        }
    }
    if (ch->target_type == NULL)
        ch->target_type = g_strdup(kind == MARINA_CHAR_SERIAL ? "isa-serial" : "serial");
    return TRUE;
}

static gboolean
parse_serial(Parser *p, xmlNode *node, GError **error)
{
    return parse_char(p, node, MARINA_CHAR_SERIAL, error);
}

static gboolean
parse_console(Parser *p, xmlNode *node, GError **error)
{
    return parse_char(p, node, MARINA_CHAR_CONSOLE, error);
}

static gboolean
parse_graphics_listen(Parser *p, MarinaGraphicsConfig *g, xmlNode *node, GError **error)
{
    g_autofree char *type = get_prop(node, "type");
    g_autofree char *address = get_prop(node, "address");

    warn_attrs(p, node, "<graphics>/<listen>", ATTRS("type", "address"), NULL);
    if (type != NULL && !g_str_equal(type, "address")) {
        warn(p,
             _("Ignoring <graphics>/<listen type='%s'>: Marina only supports "
               "type='address'."),
             type);
        return TRUE;
    }
    if (address == NULL)
        return TRUE;
    if (g->listen != NULL && !g_str_equal(g->listen, address))
        return fail(error,
                    _("<graphics listen='%s'> and its <listen address='%s'> differ; keep "
                      "one."),
                    g->listen, address);
    g_free(g->listen);
    g->listen = g_steal_pointer(&address);
    return TRUE;
}

static gboolean
parse_graphics(Parser *p, xmlNode *node, GError **error)
{
    g_autofree char *type = get_prop(node, "type");
    g_autofree char *port = get_prop(node, "port");
    g_autofree char *autoport = get_prop(node, "autoport");
    gboolean is_auto = FALSE;
    MarinaGraphicsConfig *g;

    if (type != NULL && enum_index(type, foreign_graphics_types) >= 0) {
        warn(p, _("Ignoring <devices>/<graphics type='%s'>: Marina only supports VNC graphics."),
             type);
        return TRUE;
    }
    if (type == NULL)
        return fail(error, _("A <graphics> element has no type; use type='vnc'."));
    if (!check_enum("<graphics type>", type, graphics_types, error) ||
        !check_count(p->cfg->graphics, MAX_OTHER_DEVICES, _("graphics devices"), error))
        return FALSE;
    g = g_new0(MarinaGraphicsConfig, 1);
    g_ptr_array_add(p->cfg->graphics, g);
    g->type = g_steal_pointer(&type);
    warn_attrs(p, node, "<devices>/<graphics>",
               ATTRS("type", "port", "autoport", "listen", "passwd", "keymap"), NULL);
    g->listen = get_prop(node, "listen");
    g->password = get_prop(node, "passwd");
    g->keymap = get_prop(node, "keymap");
    g->port = -1;
    if (!parse_yes_no("<graphics autoport>", autoport, &is_auto, error))
        return FALSE;
    if (port != NULL && !is_auto && !g_str_equal(g_strstrip(port), "-1")) {
        guint value;
        if (!parse_guint("<graphics port>", port, 0, 65535, &value, error))
            return FALSE;
        g->port = (int)value;
    }
    FOR_EACH_ELEMENT(child, node)
    {
        if (node_is(child, "listen")) {
            if (!parse_graphics_listen(p, g, child, error))
                return FALSE;
        } else {
            warn_element(p, "<devices>/<graphics>", child);
        }
    }
    return TRUE;
}

static gboolean
parse_video_model(Parser *p, MarinaVideoConfig *v, xmlNode *node, GError **error)
{
    g_autofree char *vram = get_prop(node, "vram");
    g_autofree char *heads = get_prop(node, "heads");

    /* primary: Marina makes the first video device the primary one anyway. */
    warn_attrs(p, node, "<video>/<model>", ATTRS("type", "vram", "heads"), ATTRS("primary"));
    g_free(v->model);
    v->model = get_prop(node, "type");
    if (vram != NULL &&
        !parse_guint("<video>/<model vram>", vram, 0, 4u << 20, &v->vram_kib, error))
        return FALSE;
    if (heads != NULL && !parse_guint("<video>/<model heads>", heads, 1, 16, &v->heads, error))
        return FALSE;
    warn_children(p, node, "<video>/<model>");
    return TRUE;
}

static gboolean
parse_video(Parser *p, xmlNode *node, GError **error)
{
    MarinaVideoConfig *v;

    if (!check_count(p->cfg->videos, MAX_OTHER_DEVICES, _("video devices"), error))
        return FALSE;
    v = g_new0(MarinaVideoConfig, 1);
    g_ptr_array_add(p->cfg->videos, v);
    warn_attrs(p, node, "<devices>/<video>", NULL, NULL);
    FOR_EACH_ELEMENT(child, node)
    {
        if (node_is(child, "model")) {
            if (!parse_video_model(p, v, child, error))
                return FALSE;
        } else if (!is_quietly_ignored(child)) {
            warn_element(p, "<devices>/<video>", child);
        }
    }
    if (v->model == NULL)
        return fail(error, _("A <video> device has no <model type=…>; add e.g. "
                             "<model type='virtio'/>."));
    return TRUE;
}

static gboolean
parse_input(Parser *p, xmlNode *node, GError **error)
{
    MarinaInputConfig *in;

    if (!check_count(p->cfg->inputs, MAX_OTHER_DEVICES, _("input devices"), error))
        return FALSE;
    in = g_new0(MarinaInputConfig, 1);
    g_ptr_array_add(p->cfg->inputs, in);
    warn_attrs(p, node, "<devices>/<input>", ATTRS("type", "bus"), NULL);
    in->type = get_prop(node, "type");
    in->bus = get_prop(node, "bus");
    if (in->type == NULL)
        return fail(error, _("An <input> device has no type; use tablet, mouse or keyboard."));
    if (in->bus == NULL) /* libvirt's defaults */
        in->bus = g_strdup(g_str_equal(in->type, "tablet") ? "usb" : "ps2");
    warn_children(p, node, "<devices>/<input>");
    return TRUE;
}

static gboolean
parse_sound(Parser *p, xmlNode *node, GError **error)
{
    MarinaSoundConfig *s;

    if (!check_count(p->cfg->sounds, MAX_OTHER_DEVICES, _("sound devices"), error))
        return FALSE;
    s = g_new0(MarinaSoundConfig, 1);
    g_ptr_array_add(p->cfg->sounds, s);
    warn_attrs(p, node, "<devices>/<sound>", ATTRS("model"), NULL);
    s->model = get_prop(node, "model");
    if (s->model == NULL)
        return fail(error, _("A <sound> device has no model; add e.g. model='ich9'."));
    warn_children(p, node, "<devices>/<sound>");
    return TRUE;
}

static gboolean
parse_memballoon(Parser *p, xmlNode *node, GError **error)
{
    if (p->have_memballoon)
        return fail(error, _("<devices>/<memballoon> appears more than once; keep one."));
    p->have_memballoon = TRUE;
    warn_attrs(p, node, "<devices>/<memballoon>", ATTRS("model"), NULL);
    p->cfg->memballoon_model = get_prop(node, "model");
    if (p->cfg->memballoon_model == NULL)
        return fail(error, _("<memballoon> has no model; use model='virtio' or model='none'."));
    warn_children(p, node, "<devices>/<memballoon>");
    return TRUE;
}

static gboolean
parse_rng_backend(Parser *p, MarinaRngConfig *r, xmlNode *node, GError **error)
{
    g_autofree char *model = get_prop(node, "model");

    warn_attrs(p, node, "<rng>/<backend>", ATTRS("model"), NULL);
    if (!check_enum("<rng>/<backend model>", model != NULL ? model : "", rng_backend_models, error))
        return FALSE;
    g_free(r->backend);
    r->backend = g_strstrip(get_text(node));
    if (r->backend[0] == '\0') {
        g_free(r->backend);
        r->backend = g_strdup("/dev/urandom");
    }
    return TRUE;
}

static gboolean
parse_rng(Parser *p, xmlNode *node, GError **error)
{
    MarinaRngConfig *r;

    if (!check_count(p->cfg->rngs, MAX_OTHER_DEVICES, _("random number generators"), error))
        return FALSE;
    r = g_new0(MarinaRngConfig, 1);
    g_ptr_array_add(p->cfg->rngs, r);
    warn_attrs(p, node, "<devices>/<rng>", ATTRS("model"), NULL);
    r->model = get_prop(node, "model");
    if (r->model == NULL)
        return fail(error, _("<rng> has no model; use model='virtio'."));
    FOR_EACH_ELEMENT(child, node)
    {
        if (node_is(child, "backend")) {
            if (!parse_rng_backend(p, r, child, error))
                return FALSE;
        } else if (!is_quietly_ignored(child)) {
            warn_element(p, "<devices>/<rng>", child);
        }
    }
    if (r->backend == NULL)
        r->backend = g_strdup("/dev/urandom");
    return TRUE;
}

static gboolean
parse_watchdog(Parser *p, xmlNode *node, GError **error)
{
    if (p->cfg->watchdog != NULL)
        return fail(error, _("<devices>/<watchdog> appears more than once; Marina supports one."));
    p->cfg->watchdog = g_new0(MarinaWatchdogConfig, 1);
    warn_attrs(p, node, "<devices>/<watchdog>", ATTRS("model", "action"), NULL);
    p->cfg->watchdog->model = get_prop(node, "model");
    p->cfg->watchdog->action = get_prop(node, "action");
    if (p->cfg->watchdog->model == NULL)
        return fail(error, _("<watchdog> has no model; add e.g. model='i6300esb'."));
    warn_children(p, node, "<devices>/<watchdog>");
    return TRUE;
}

typedef gboolean (*ElementParser)(Parser *p, xmlNode *node, GError **error);

typedef struct {
    const char *name;
    ElementParser parse;
} ElementEntry;

static const ElementEntry device_elements[] = {
    {"emulator", parse_emulator},     {"disk", parse_disk},
    {"controller", parse_controller}, {"interface", parse_interface},
    {"serial", parse_serial},         {"console", parse_console},
    {"graphics", parse_graphics},     {"video", parse_video},
    {"input", parse_input},           {"sound", parse_sound},
    {"memballoon", parse_memballoon}, {"rng", parse_rng},
    {"watchdog", parse_watchdog},
};

static gboolean
parse_devices(Parser *p, xmlNode *node, GError **error)
{
    FOR_EACH_ELEMENT(child, node)
    {
        const ElementEntry *entry = NULL;

        for (guint i = 0; i < G_N_ELEMENTS(device_elements); i++) {
            if (node_is(child, device_elements[i].name))
                entry = &device_elements[i];
        }
        if (entry == NULL)
            warn_element(p, "<devices>", child);
        else if (!entry->parse(p, child, error))
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
    {"clock", parse_clock},
    {"on_poweroff", parse_on_poweroff},
    {"on_reboot", parse_on_reboot},
    {"on_crash", parse_on_crash},
    {"devices", parse_devices},
};

static gboolean
parse_domain(Parser *p, xmlNode *root, GError **error)
{
    g_autofree char *type = get_prop(root, "type");

    /* id is the runtime domain number in virsh dumpxml output. */
    warn_attrs(p, root, "<domain>", ATTRS("type"), ATTRS("id"));
    if (type != NULL) {
        g_free(p->cfg->domain_type);
        p->cfg->domain_type = g_steal_pointer(&type);
    }
    FOR_EACH_ELEMENT(child, root)
    {
        guint i;

        for (i = 0; i < G_N_ELEMENTS(domain_elements); i++) {
            if (node_is(child, domain_elements[i].name))
                break;
        }
        if (i == G_N_ELEMENTS(domain_elements)) {
            warn_element(p, NULL, child);
            continue;
        }
        if (p->seen_top & (1u << i))
            return fail(error, _("<%s> appears more than once; keep one."), child->name);
        p->seen_top |= 1u << i;
        if (!domain_elements[i].parse(p, child, error))
            return FALSE;
    }
    return TRUE;
}

static void
fill_defaults(Parser *p)
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
    for (guint i = 0; i < c->interfaces->len; i++) {
        MarinaInterfaceConfig *n = c->interfaces->pdata[i];
        if (n->mac == NULL) {
            n->mac = marina_mac_generate();
            n->mac_generated = TRUE;
        }
    }
}

MarinaDomainConfig *
marina_domain_config_parse(const char *xml, gssize len, GPtrArray *warnings, GError **error)
{
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(GPtrArray) local_warnings = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(MarinaDomainConfig) cfg = NULL;
    Parser p = {.warnings = local_warnings};
    xmlNode *root;

    g_return_val_if_fail(xml != NULL, NULL);
    doc = read_xml(xml, len, error);
    if (doc == NULL)
        return NULL;
    root = xmlDocGetRootElement(doc);
    if (root == NULL || !node_is(root, "domain")) {
        g_autofree char *label = root != NULL ? node_label(root) : g_strdup("?");
        fail(error,
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

/* ------------------------------------------------------------------------ */
/* Validation                                                               */

static gboolean
validate_identity(const MarinaDomainConfig *c, GError **error)
{
    g_autofree char *canonical = NULL;

    if (!check_enum("<domain type>", c->domain_type != NULL ? c->domain_type : "", domain_types,
                    error) ||
        !marina_domain_name_is_valid(c->name, error))
        return FALSE;
    canonical = marina_uuid_canonicalize(c->uuid);
    if (canonical == NULL || !g_str_equal(canonical, c->uuid))
        return fail(error,
                    _("Domain '%s': the UUID '%s' is not a canonical lower-case UUID, e.g. "
                      "4dea22b3-1d52-d8f3-2516-782e98ab3fa0."),
                    c->name, c->uuid != NULL ? c->uuid : "");
    return check_text("<title>", c->title, FALSE, error) &&
           check_text("<description>", c->description, TRUE, error);
}

static gboolean
validate_resources(const MarinaDomainConfig *c, GError **error)
{
    if (c->memory_kib == 0)
        return fail(error,
                    _("Domain '%s' has no memory; add e.g. <memory unit='MiB'>1024</memory>."),
                    c->name);
    if (c->memory_kib > MAX_MEMORY_KIB)
        return fail(error,
                    _("<memory> of %" PRIu64 " KiB is more than Marina supports "
                      "(16 TiB)."),
                    c->memory_kib);
    if (c->current_memory_kib == 0 || c->current_memory_kib > c->memory_kib)
        return fail(error,
                    _("<currentMemory> (%" PRIu64 " KiB) must be between 1 KiB and "
                      "<memory> (%" PRIu64 " KiB)."),
                    c->current_memory_kib, c->memory_kib);
    if (c->vcpus == 0 || c->vcpus > MAX_VCPUS)
        return fail(error, _("<vcpu> is %u; Marina supports 1 to %d virtual CPUs."), c->vcpus,
                    MAX_VCPUS);
    if (c->current_vcpus == 0 || c->current_vcpus > c->vcpus)
        return fail(error, _("<vcpu current='%u'> must be between 1 and the maximum, %u."),
                    c->current_vcpus, c->vcpus);
    return check_cpuset(c->cpuset, error);
}

static gboolean
validate_boot_devs(const MarinaDomainConfig *c, GError **error)
{
    if (c->boot_devs == NULL)
        return TRUE;
    if (c->boot_devs->len > MAX_BOOT_DEVS)
        return fail(error, _("<os> lists more than %d <boot> devices."), MAX_BOOT_DEVS);
    for (guint i = 0; i < c->boot_devs->len; i++) {
        if (!check_enum("<os>/<boot dev>", c->boot_devs->pdata[i], boot_dev_names, error))
            return FALSE;
        for (guint j = 0; j < i; j++) {
            if (g_str_equal(c->boot_devs->pdata[i], c->boot_devs->pdata[j]))
                return fail(error, _("<os>/<boot dev='%s'> appears twice; list each device once."),
                            (const char *)c->boot_devs->pdata[i]);
        }
    }
    return TRUE;
}

static gboolean
validate_os(const MarinaDomainConfig *c, GError **error)
{
    return check_enum("<os>/<type>", c->os_type != NULL ? c->os_type : "", os_types, error) &&
           check_enum("<os>/<type arch>", c->arch != NULL ? c->arch : "", arches, error) &&
           check_token("<os>/<type machine>", c->machine, 64, error) &&
           validate_boot_devs(c, error) &&
           check_path("<os>/<kernel>", c->kernel, "/var/lib/marina/boot/vmlinuz", error) &&
           check_path("<os>/<initrd>", c->initrd, "/var/lib/marina/boot/initrd.img", error) &&
           check_text("<os>/<cmdline>", c->cmdline, FALSE, error) &&
           check_enum("<os firmware>", c->firmware, firmwares, error) &&
           check_path("<os>/<loader>", c->loader, "/usr/share/OVMF/OVMF_CODE.fd", error) &&
           check_path("<os>/<nvram>", c->nvram, "/var/lib/marina/nvram/guest_VARS.fd", error) &&
           check_path("<devices>/<emulator>", c->emulator, "/usr/bin/qemu-system-x86_64", error);
}

static gboolean
validate_cpu(const MarinaDomainConfig *c, GError **error)
{
    if (!check_enum("<cpu mode>", c->cpu_mode, cpu_modes, error) ||
        !check_token("<cpu>/<model>", c->cpu_model, 64, error) ||
        !check_enum("<clock offset>", c->clock_offset, clock_offsets, error))
        return FALSE;
    if (c->cpu_model != NULL && g_strcmp0(c->cpu_mode, "custom") != 0)
        return fail(error, _("<cpu>/<model> is only used with mode='custom', not mode='%s'."),
                    c->cpu_mode);
    if ((guint)c->on_poweroff > MARINA_LIFECYCLE_PRESERVE ||
        (guint)c->on_reboot > MARINA_LIFECYCLE_PRESERVE ||
        (guint)c->on_crash > MARINA_LIFECYCLE_PRESERVE)
        return fail(error, _("A lifecycle action is out of range."));
    return TRUE;
}

static gboolean
validate_disk(const MarinaDomainConfig *c, const MarinaDiskConfig *d, guint index, GError **error)
{
    g_autofree char *what = NULL;

    if (d->target_dev == NULL)
        return fail(error, _("A <disk> has no <target dev=…>; add one, e.g. "
                             "<target dev='vda' bus='virtio'/>."));
    if (!check_token("<disk>/<target dev>", d->target_dev, 32, error))
        return FALSE;
    what = g_strdup_printf(_("Disk '%s'"), d->target_dev);
    for (guint j = 0; j < index; j++) {
        const MarinaDiskConfig *other = c->disks->pdata[j];
        if (g_strcmp0(other->target_dev, d->target_dev) == 0)
            return fail(error,
                        _("Two disks use the target '%s'; give each a different "
                          "<target dev=…>."),
                        d->target_dev);
    }
    if ((guint)d->type > MARINA_DISK_TYPE_BLOCK || (guint)d->device > MARINA_DISK_DEVICE_FLOPPY ||
        (guint)d->bus > MARINA_DISK_BUS_FDC)
        return fail(error, _("%s: type, device or bus is out of range."), what);
    if (d->source == NULL && d->device == MARINA_DISK_DEVICE_DISK)
        return fail(error, _("%s has no <source>; only a cdrom or floppy may be empty."), what);
    if ((d->device == MARINA_DISK_DEVICE_FLOPPY) != (d->bus == MARINA_DISK_BUS_FDC))
        return fail(error, _("%s: a floppy needs bus 'fdc', and bus 'fdc' is only for floppies."),
                    what);
    if (d->device == MARINA_DISK_DEVICE_CDROM && d->bus == MARINA_DISK_BUS_VIRTIO)
        return fail(error, _("%s: a cdrom cannot use the virtio bus; use sata, ide or scsi."),
                    what);
    if (d->serial != NULL &&
        strspn(d->serial, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                          "0123456789_.+- ") != strlen(d->serial))
        return fail(error,
                    _("%s: the <serial> '%s' may only contain letters, digits, spaces and "
                      "'_', '.', '+', '-'."),
                    what, d->serial);
    g_autofree char *src_what = g_strdup_printf(_("%s <source>"), what);
    g_autofree char *fmt_what = g_strdup_printf(_("%s: <driver> type"), what);
    g_autofree char *cache_what = g_strdup_printf(_("%s: <driver> cache"), what);
    return check_path(src_what, d->source, "/var/lib/marina/images/vda.qcow2", error) &&
           check_enum(fmt_what, d->format, disk_formats, error) &&
           check_enum(cache_what, d->cache, disk_caches, error);
}

static gboolean
validate_controllers(const MarinaDomainConfig *c, GError **error)
{
    for (guint i = 0; i < c->controllers->len; i++) {
        const MarinaControllerConfig *ctl = c->controllers->pdata[i];

        if (!check_enum("<controller type>", ctl->type != NULL ? ctl->type : "", controller_types,
                        error) ||
            !check_token("<controller model>", ctl->model, 64, error))
            return FALSE;
        if (ctl->index > 255)
            return fail(error, _("<controller index='%u'> is out of range; use 0 to 255."),
                        ctl->index);
        for (guint j = 0; j < i; j++) {
            const MarinaControllerConfig *other = c->controllers->pdata[j];
            if (g_str_equal(other->type, ctl->type) && other->index == ctl->index)
                return fail(error,
                            _("Two <controller type='%s' index='%u'>; give each a "
                              "different index."),
                            ctl->type, ctl->index);
        }
    }
    return TRUE;
}

static gboolean
validate_interface(const MarinaDomainConfig *c, const MarinaInterfaceConfig *n, guint index,
                   GError **error)
{
    g_autofree char *canonical = NULL;

    if ((guint)n->type > MARINA_NET_TYPE_BRIDGE)
        return fail(error, _("<interface> type is out of range."));
    if (!check_mac(n->mac, error))
        return FALSE;
    canonical = marina_mac_canonicalize(n->mac);
    for (guint j = 0; j < index; j++) {
        const MarinaInterfaceConfig *other = c->interfaces->pdata[j];
        g_autofree char *theirs = marina_mac_canonicalize(other->mac);
        if (g_strcmp0(theirs, canonical) == 0)
            return fail(error,
                        _("Two network interfaces use the MAC address %s; each needs its "
                          "own (leave <mac> out to have one generated)."),
                        canonical);
    }
    if (n->type != MARINA_NET_TYPE_USER && n->source == NULL)
        return fail(error, _("<interface type='%s'> needs a <source %s='…'/>."),
                    ENUM_NAME(net_types, n->type),
                    n->type == MARINA_NET_TYPE_BRIDGE ? "bridge" : "network");
    return check_enum("<interface>/<model type>", n->model, net_models, error) &&
           check_token(n->type == MARINA_NET_TYPE_BRIDGE ? "<interface>/<source bridge>"
                                                         : "<interface>/<source network>",
                       n->source, n->type == MARINA_NET_TYPE_BRIDGE ? 15 : 64, error) &&
           check_token("<interface>/<target dev>", n->target_dev, 15, error);
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
            return fail(error,
                        _("Two devices have <boot order='%u'>; give each a different "
                          "order."),
                        order);
    }
    if (n_orders > 0 && c->boot_devs != NULL && c->boot_devs->len > 0)
        return fail(error, _("<os>/<boot dev=…> and per-device <boot order=…> cannot be used "
                             "together; keep one of them."));
    return TRUE;
}

static gboolean
validate_chars(GPtrArray *list, const char *const *target_types, const char *what, GError **error)
{
    if (list->len > MAX_OTHER_DEVICES)
        return fail(error, _("The domain has more than %d %s elements."), MAX_OTHER_DEVICES, what);
    for (guint i = 0; i < list->len; i++) {
        const MarinaCharConfig *ch = list->pdata[i];
        g_autofree char *type_what = g_strdup_printf("%s type", what);
        g_autofree char *target_what = g_strdup_printf("%s/<target type>", what);

        if (!check_enum(type_what, ch->type != NULL ? ch->type : "", char_types, error) ||
            !check_enum(target_what, ch->target_type, target_types, error))
            return FALSE;
        if (ch->port > 255)
            return fail(error, _("%s/<target port='%u'> is out of range; use 0 to 255."), what,
                        ch->port);
    }
    return TRUE;
}

static gboolean
validate_graphics(const MarinaDomainConfig *c, GError **error)
{
    for (guint i = 0; i < c->graphics->len; i++) {
        const MarinaGraphicsConfig *g = c->graphics->pdata[i];

        if (!check_enum("<graphics type>", g->type != NULL ? g->type : "", graphics_types, error) ||
            !check_token("<graphics listen>", g->listen, 255, error) ||
            !check_text("<graphics passwd>", g->password, FALSE, error) ||
            !check_token("<graphics keymap>", g->keymap, 32, error))
            return FALSE;
        if (g->port < -1 || g->port > 65535)
            return fail(error,
                        _("<graphics port='%d'> is out of range; use -1 (automatic) or a "
                          "port up to 65535."),
                        g->port);
    }
    for (guint i = 0; i < c->videos->len; i++) {
        const MarinaVideoConfig *v = c->videos->pdata[i];
        if (!check_enum("<video>/<model type>", v->model != NULL ? v->model : "", video_models,
                        error))
            return FALSE;
        if (v->heads > 16)
            return fail(error, _("<video>/<model heads='%u'> is out of range; use 1 to 16."),
                        v->heads);
    }
    return TRUE;
}

static gboolean
validate_other_devices(const MarinaDomainConfig *c, GError **error)
{
    for (guint i = 0; i < c->inputs->len; i++) {
        const MarinaInputConfig *in = c->inputs->pdata[i];
        if (!check_enum("<input type>", in->type != NULL ? in->type : "", input_types, error) ||
            !check_enum("<input bus>", in->bus, input_buses, error))
            return FALSE;
    }
    for (guint i = 0; i < c->sounds->len; i++) {
        const MarinaSoundConfig *s = c->sounds->pdata[i];
        if (!check_enum("<sound model>", s->model != NULL ? s->model : "", sound_models, error))
            return FALSE;
    }
    for (guint i = 0; i < c->rngs->len; i++) {
        const MarinaRngConfig *r = c->rngs->pdata[i];
        if (!check_enum("<rng model>", r->model != NULL ? r->model : "", rng_models, error) ||
            !check_path("<rng>/<backend>", r->backend, "/dev/urandom", error))
            return FALSE;
    }
    if (c->watchdog != NULL &&
        (!check_enum("<watchdog model>", c->watchdog->model != NULL ? c->watchdog->model : "",
                     watchdog_models, error) ||
         !check_enum("<watchdog action>", c->watchdog->action, watchdog_actions, error)))
        return FALSE;
    return check_enum("<memballoon model>", c->memballoon_model, memballoon_models, error);
}

static gboolean
validate_counts(const MarinaDomainConfig *c, GError **error)
{
    const struct {
        GPtrArray *list;
        guint max;
        const char *what;
    } limits[] = {
        {c->disks, MAX_DISKS, "<disk>"},
        {c->interfaces, MAX_INTERFACES, "<interface>"},
        {c->controllers, MAX_CONTROLLERS, "<controller>"},
        {c->graphics, MAX_OTHER_DEVICES, "<graphics>"},
        {c->videos, MAX_OTHER_DEVICES, "<video>"},
        {c->inputs, MAX_OTHER_DEVICES, "<input>"},
        {c->sounds, MAX_OTHER_DEVICES, "<sound>"},
        {c->rngs, MAX_OTHER_DEVICES, "<rng>"},
    };

    for (guint i = 0; i < G_N_ELEMENTS(limits); i++) {
        if (limits[i].list == NULL)
            return fail(error,
                        _("The configuration has no %s list; create it with "
                          "marina_domain_config_new()."),
                        limits[i].what);
        if (limits[i].list->len > limits[i].max)
            return fail(error, _("The domain has %u %s elements; Marina accepts at most %u."),
                        limits[i].list->len, limits[i].what, limits[i].max);
    }
    if (c->serials == NULL || c->consoles == NULL || c->boot_devs == NULL)
        return fail(error, _("The configuration is incomplete; create it with "
                             "marina_domain_config_new()."));
    return TRUE;
}

static xmlDoc *parse_metadata_fragment(const char *metadata_xml, GError **error);

gboolean
marina_domain_config_validate(const MarinaDomainConfig *c, GError **error)
{
    g_return_val_if_fail(c != NULL, FALSE);

    if (!validate_counts(c, error) || !validate_identity(c, error) ||
        !validate_resources(c, error) || !validate_os(c, error) || !validate_cpu(c, error))
        return FALSE;
    for (guint i = 0; i < c->disks->len; i++) {
        if (!validate_disk(c, c->disks->pdata[i], i, error))
            return FALSE;
    }
    for (guint i = 0; i < c->interfaces->len; i++) {
        if (!validate_interface(c, c->interfaces->pdata[i], i, error))
            return FALSE;
    }
    if (!validate_controllers(c, error) || !validate_boot_orders(c, error) ||
        !validate_chars(c->serials, serial_target_types, "<serial>", error) ||
        !validate_chars(c->consoles, console_target_types, "<console>", error) ||
        !validate_graphics(c, error) || !validate_other_devices(c, error))
        return FALSE;
    if (c->metadata_xml != NULL) {
        g_autoptr(xmlDoc) doc = parse_metadata_fragment(c->metadata_xml, error);
        if (doc == NULL)
            return FALSE;
    }
    return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Writing                                                                  */

static xmlDoc *
parse_metadata_fragment(const char *metadata_xml, GError **error)
{
    g_autofree char *wrapped = g_strdup_printf("<metadata>%s</metadata>", metadata_xml);
    xmlDoc *doc = read_xml(wrapped, -1, error);

    if (doc == NULL)
        g_prefix_error(error, "<metadata>: ");
    return doc;
}

static void
set_prop(xmlNode *node, const char *name, const char *value)
{
    if (value != NULL)
        xmlNewProp(node, BAD_CAST name, BAD_CAST value);
}

static void
set_prop_uint(xmlNode *node, const char *name, guint64 value)
{
    char buf[32];

    g_snprintf(buf, sizeof buf, "%" G_GUINT64_FORMAT, value);
    xmlNewProp(node, BAD_CAST name, BAD_CAST buf);
}

static xmlNode *
add_child(xmlNode *parent, const char *name)
{
    return xmlNewChild(parent, NULL, BAD_CAST name, NULL);
}

/* xmlNewTextChild escapes &, < and > (xmlNewChild would not). */
static xmlNode *
add_text(xmlNode *parent, const char *name, const char *text)
{
    return xmlNewTextChild(parent, NULL, BAD_CAST name, BAD_CAST text);
}

static void
add_text_opt(xmlNode *parent, const char *name, const char *text)
{
    if (text != NULL)
        add_text(parent, name, text);
}

static void
add_boot_order(xmlNode *parent, guint order)
{
    if (order > 0)
        set_prop_uint(add_child(parent, "boot"), "order", order);
}

static void
write_memory(xmlNode *root, const char *name, guint64 kib)
{
    char buf[32];
    xmlNode *node;

    g_snprintf(buf, sizeof buf, "%" G_GUINT64_FORMAT, kib);
    node = add_text(root, name, buf);
    set_prop(node, "unit", "KiB");
}

static void
write_metadata(xmlNode *root, const char *metadata_xml)
{
    g_autoptr(xmlDoc) doc = NULL;
    xmlNode *meta;

    if (metadata_xml == NULL || (doc = parse_metadata_fragment(metadata_xml, NULL)) == NULL)
        return;
    meta = add_child(root, "metadata");
    /* The indentation is written as text nodes; a text child also stops
     * libxml2 from re-indenting (and so changing) the foreign content. */
    FOR_EACH_ELEMENT(child, xmlDocGetRootElement(doc))
    {
        xmlAddChild(meta, xmlNewDocText(root->doc, BAD_CAST "\n    "));
        xmlAddChild(meta, xmlDocCopyNode(child, root->doc, 1));
    }
    xmlAddChild(meta, xmlNewDocText(root->doc, BAD_CAST "\n  "));
}

static void
write_os(xmlNode *root, const MarinaDomainConfig *c)
{
    xmlNode *os = add_child(root, "os");
    xmlNode *type;

    if (g_strcmp0(c->firmware, "efi") == 0)
        set_prop(os, "firmware", "efi");
    type = add_text(os, "type", c->os_type != NULL ? c->os_type : "hvm");
    set_prop(type, "arch", c->arch);
    set_prop(type, "machine", c->machine);
    if (c->loader != NULL) {
        /* type tells a re-parse which firmware a loader without firmware= means. */
        xmlNode *loader = add_text(os, "loader", c->loader);
        set_prop(loader, "readonly", "yes");
        set_prop(loader, "type", g_strcmp0(c->firmware, "efi") == 0 ? "pflash" : "rom");
    }
    add_text_opt(os, "nvram", c->nvram);
    add_text_opt(os, "kernel", c->kernel);
    add_text_opt(os, "initrd", c->initrd);
    add_text_opt(os, "cmdline", c->cmdline);
    for (guint i = 0; c->boot_devs != NULL && i < c->boot_devs->len; i++)
        set_prop(add_child(os, "boot"), "dev", c->boot_devs->pdata[i]);
    if (c->boot_menu)
        set_prop(add_child(os, "bootmenu"), "enable", "yes");
}

static void
write_platform(xmlNode *root, const MarinaDomainConfig *c)
{
    if (c->acpi || c->apic || c->pae) {
        xmlNode *features = add_child(root, "features");
        if (c->acpi)
            add_child(features, "acpi");
        if (c->apic)
            add_child(features, "apic");
        if (c->pae)
            add_child(features, "pae");
    }
    if (c->cpu_mode != NULL || c->cpu_model != NULL) {
        xmlNode *cpu = add_child(root, "cpu");
        set_prop(cpu, "mode", c->cpu_mode);
        add_text_opt(cpu, "model", c->cpu_model);
    }
    set_prop(add_child(root, "clock"), "offset", c->clock_offset != NULL ? c->clock_offset : "utc");
    add_text(root, "on_poweroff", ENUM_NAME(lifecycle_actions, c->on_poweroff));
    add_text(root, "on_reboot", ENUM_NAME(lifecycle_actions, c->on_reboot));
    add_text(root, "on_crash", ENUM_NAME(lifecycle_actions, c->on_crash));
}

static void
write_disk(xmlNode *devices, const MarinaDiskConfig *d)
{
    xmlNode *disk = add_child(devices, "disk");
    xmlNode *node;

    set_prop(disk, "type", ENUM_NAME(disk_types, d->type));
    set_prop(disk, "device", ENUM_NAME(disk_devices, d->device));
    if (d->format != NULL || d->cache != NULL) {
        node = add_child(disk, "driver");
        set_prop(node, "name", "qemu");
        set_prop(node, "type", d->format);
        set_prop(node, "cache", d->cache);
    }
    if (d->source != NULL)
        set_prop(add_child(disk, "source"), d->type == MARINA_DISK_TYPE_BLOCK ? "dev" : "file",
                 d->source);
    node = add_child(disk, "target");
    set_prop(node, "dev", d->target_dev);
    set_prop(node, "bus", ENUM_NAME(disk_buses, d->bus));
    add_text_opt(disk, "serial", d->serial);
    add_boot_order(disk, d->boot_order);
    if (d->readonly)
        add_child(disk, "readonly");
    if (d->shareable)
        add_child(disk, "shareable");
}

static void
write_interface(xmlNode *devices, const MarinaInterfaceConfig *n)
{
    xmlNode *iface = add_child(devices, "interface");

    set_prop(iface, "type", ENUM_NAME(net_types, n->type));
    set_prop(add_child(iface, "mac"), "address", n->mac);
    if (n->source != NULL)
        set_prop(add_child(iface, "source"),
                 n->type == MARINA_NET_TYPE_BRIDGE ? "bridge" : "network", n->source);
    if (n->target_dev != NULL)
        set_prop(add_child(iface, "target"), "dev", n->target_dev);
    if (n->model != NULL)
        set_prop(add_child(iface, "model"), "type", n->model);
    add_boot_order(iface, n->boot_order);
}

static void
write_char(xmlNode *devices, const MarinaCharConfig *ch)
{
    xmlNode *node = add_child(devices, ch->kind == MARINA_CHAR_SERIAL ? "serial" : "console");
    xmlNode *target;

    set_prop(node, "type", ch->type);
    target = add_child(node, "target");
    set_prop(target, "type", ch->target_type);
    set_prop_uint(target, "port", ch->port);
}

static void
write_graphics(xmlNode *devices, const MarinaGraphicsConfig *g)
{
    xmlNode *node = add_child(devices, "graphics");
    char port[16];

    set_prop(node, "type", g->type);
    g_snprintf(port, sizeof port, "%d", g->port);
    set_prop(node, "port", port);
    set_prop(node, "autoport", g->port < 0 ? "yes" : "no");
    set_prop(node, "listen", g->listen);
    set_prop(node, "passwd", g->password);
    set_prop(node, "keymap", g->keymap);
    if (g->listen != NULL) {
        xmlNode *listen = add_child(node, "listen");
        set_prop(listen, "type", "address");
        set_prop(listen, "address", g->listen);
    }
}

static void
write_video(xmlNode *devices, const MarinaVideoConfig *v)
{
    xmlNode *model = add_child(add_child(devices, "video"), "model");

    set_prop(model, "type", v->model);
    if (v->vram_kib > 0)
        set_prop_uint(model, "vram", v->vram_kib);
    if (v->heads > 0)
        set_prop_uint(model, "heads", v->heads);
}

static void
write_small_devices(xmlNode *devices, const MarinaDomainConfig *c)
{
    for (guint i = 0; i < c->inputs->len; i++) {
        const MarinaInputConfig *in = c->inputs->pdata[i];
        xmlNode *node = add_child(devices, "input");
        set_prop(node, "type", in->type);
        set_prop(node, "bus", in->bus);
    }
    for (guint i = 0; i < c->graphics->len; i++)
        write_graphics(devices, c->graphics->pdata[i]);
    for (guint i = 0; i < c->sounds->len; i++)
        set_prop(add_child(devices, "sound"), "model",
                 ((MarinaSoundConfig *)c->sounds->pdata[i])->model);
    for (guint i = 0; i < c->videos->len; i++)
        write_video(devices, c->videos->pdata[i]);
    if (c->watchdog != NULL) {
        xmlNode *node = add_child(devices, "watchdog");
        set_prop(node, "model", c->watchdog->model);
        set_prop(node, "action", c->watchdog->action);
    }
    if (c->memballoon_model != NULL)
        set_prop(add_child(devices, "memballoon"), "model", c->memballoon_model);
    for (guint i = 0; i < c->rngs->len; i++) {
        const MarinaRngConfig *r = c->rngs->pdata[i];
        xmlNode *node = add_child(devices, "rng");
        set_prop(node, "model", r->model);
        set_prop(add_text(node, "backend", r->backend), "model", "random");
    }
}

static void
write_devices(xmlNode *root, const MarinaDomainConfig *c)
{
    xmlNode *devices = add_child(root, "devices");

    add_text_opt(devices, "emulator", c->emulator);
    for (guint i = 0; i < c->disks->len; i++)
        write_disk(devices, c->disks->pdata[i]);
    for (guint i = 0; i < c->controllers->len; i++) {
        const MarinaControllerConfig *ctl = c->controllers->pdata[i];
        xmlNode *node = add_child(devices, "controller");
        set_prop(node, "type", ctl->type);
        set_prop_uint(node, "index", ctl->index);
        set_prop(node, "model", ctl->model);
    }
    for (guint i = 0; i < c->interfaces->len; i++)
        write_interface(devices, c->interfaces->pdata[i]);
    for (guint i = 0; i < c->serials->len; i++)
        write_char(devices, c->serials->pdata[i]);
    for (guint i = 0; i < c->consoles->len; i++)
        write_char(devices, c->consoles->pdata[i]);
    write_small_devices(devices, c);
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
    set_prop(root, "type", c->domain_type != NULL ? c->domain_type : "kvm");
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
        vcpu = add_text(root, "vcpu", buf_vcpu);
    }
    set_prop(vcpu, "placement", "static");
    if (c->current_vcpus != 0 && c->current_vcpus != c->vcpus)
        set_prop_uint(vcpu, "current", c->current_vcpus);
    set_prop(vcpu, "cpuset", c->cpuset);
    write_os(root, c);
    write_platform(root, c);
    write_devices(root, c);
    xmlNodeDump(buf, doc, root, 0, 1);
    return g_strdup_printf("%s\n", (const char *)xmlBufferContent(buf));
}
