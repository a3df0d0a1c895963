#define G_LOG_DOMAIN "marina-domain-config"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>
#include <sys/random.h>

#include "domain-config-private.h"
#include "error.h"

/* Names, UUIDs, MAC addresses and memory sizes: the identifiers and units of a domain. */

gboolean
marina_domain_name_is_valid(const char *name, GError **error)
{
    if (name == NULL || name[0] == '\0')
        return marina_dc_fail(error, _("The domain has no name; add one, e.g. <name>web1</name>."));
    if (strlen(name) > MARINA_DC_MAX_NAME_LEN)
        return marina_dc_fail(error,
                              _("The domain name '%s' is longer than %d characters; shorten it."),
                              name, MARINA_DC_MAX_NAME_LEN);
    if (name[0] == '.' || name[0] == '-')
        return marina_dc_fail(error, _("The domain name '%s' must not start with '%c'."), name,
                              name[0]);
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
        return marina_dc_fail(
            error,
            _("The domain name '%s' contains %s, which is not allowed; use letters, "
              "digits, '_', '.', '-' and '+'."),
            name, shown);
    }
    return TRUE;
}

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

    if (!marina_dc_mac_parse(text, m) || !marina_dc_mac_is_unicast(m))
        return NULL;
    return g_strdup_printf("%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
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
        return marina_dc_fail(
            error, _("Unknown memory unit '%s'; use b, KB, KiB, MB, MiB, GB, GiB, TB or TiB."),
            unit);
    if (copy[0] == '\0' || !g_ascii_string_to_unsigned(copy, 10, 0, G_MAXUINT64, &number, &local))
        return marina_dc_fail(
            error, _("'%s' is not a valid memory size; write a whole number, e.g. 1024."), copy);
    if (number > G_MAXUINT64 / scale)
        return marina_dc_fail(error, _("The memory size %s %s is too large."), copy, unit);
    /* Sizes that are not whole KiB (bytes, decimal units) round up, as libvirt does. */
    if (scale % 1024 == 0)
        *out_kib = number * (scale / 1024);
    else
        *out_kib = number * scale / 1024 + ((number * scale) % 1024 != 0);
    return TRUE;
}
