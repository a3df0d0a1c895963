#define G_LOG_DOMAIN "marina-storage-size"

#include "config.h"

#include <glib/gi18n.h>

#include "error.h"
#include "storage-size.h"

static gboolean
unit_factor(const char *unit, guint64 *factor)
{
    static const struct {
        const char *name;
        guint64 factor;
    } units[] = {
        {"", 1},
        {"b", 1},
        {"bytes", 1},
        {"k", G_GUINT64_CONSTANT(1) << 10},
        {"kib", G_GUINT64_CONSTANT(1) << 10},
        {"m", G_GUINT64_CONSTANT(1) << 20},
        {"mib", G_GUINT64_CONSTANT(1) << 20},
        {"g", G_GUINT64_CONSTANT(1) << 30},
        {"gib", G_GUINT64_CONSTANT(1) << 30},
        {"t", G_GUINT64_CONSTANT(1) << 40},
        {"tib", G_GUINT64_CONSTANT(1) << 40},
        {"p", G_GUINT64_CONSTANT(1) << 50},
        {"pib", G_GUINT64_CONSTANT(1) << 50},
        {"kb", 1000},
        {"mb", 1000000},
        {"gb", 1000000000},
        {"tb", G_GUINT64_CONSTANT(1000000000000)},
    };

    for (gsize i = 0; i < G_N_ELEMENTS(units); i++) {
        if (g_ascii_strcasecmp(unit, units[i].name) == 0) {
            *factor = units[i].factor;
            return TRUE;
        }
    }
    return FALSE;
}

gboolean
marina_size_with_unit(const char *value, const char *unit, guint64 *bytes, GError **error)
{
    guint64 n, factor;

    if (!unit_factor(unit != NULL ? unit : "", &factor)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                    _("The size unit '%s' is not known; use bytes, KiB, MiB, GiB or TiB."), unit);
        return FALSE;
    }
    if (value == NULL ||
        !g_ascii_string_to_unsigned(g_strstrip((char *)value), 10, 0, G_MAXINT64, &n, NULL)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                    _("The size '%s' is not a whole number of %s."), value ? value : "",
                    unit ? unit : "bytes");
        return FALSE;
    }
    if (n != 0 && factor > (guint64)G_MAXINT64 / n) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                    _("The size %s %s is too large."), value, unit ? unit : "bytes");
        return FALSE;
    }
    *bytes = n * factor;
    return TRUE;
}

gboolean
marina_parse_size(const char *text, guint64 *bytes, GError **error)
{
    g_autofree char *copy = g_strstrip(g_strdup(text != NULL ? text : ""));
    char *end = NULL;
    double n;
    guint64 factor;

    if (*copy == '\0' || !(g_ascii_isdigit(*copy)))
        goto bad;
    n = g_ascii_strtod(copy, &end);
    if (end == copy || !unit_factor(end, &factor))
        goto bad;
    if (n * (double)factor >= 9.2e18)
        goto bad;
    *bytes = (guint64)(n * (double)factor);
    return TRUE;
bad:
    g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                _("'%s' is not a size; write it like 10G, 512M, 1T or a number of bytes."),
                text != NULL ? text : "");
    return FALSE;
}
