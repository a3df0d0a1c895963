/* What marinactl's tuning commands read and print (tuning-text.h). */

#define G_LOG_DOMAIN "marinactl"

#include "config.h"

#include "tuning-text.h"

#include <glib/gi18n.h>
#include <string.h>

#include "domain.h"
#include "error.h"
#include "records.h"

/* Longest number text worth reading ("18446744073709551615" and a unit). */
#define MAX_SIZE_TEXT 32

typedef struct {
    const char *suffix;
    guint64 scale;
} Unit;

/* virsh's units (virScaleInteger): binary by default, decimal with a "B" after the prefix. */
static const Unit units[] = {
    {"", 1024},
    {"b", 1},
    {"byte", 1},
    {"bytes", 1},
    {"k", 1024},
    {"kib", 1024},
    {"kb", 1000},
    {"m", 1024ULL * 1024},
    {"mib", 1024ULL * 1024},
    {"mb", 1000ULL * 1000},
    {"g", 1024ULL * 1024 * 1024},
    {"gib", 1024ULL * 1024 * 1024},
    {"gb", 1000ULL * 1000 * 1000},
    {"t", 1024ULL * 1024 * 1024 * 1024},
    {"tib", 1024ULL * 1024 * 1024 * 1024},
    {"tb", 1000ULL * 1000 * 1000 * 1000},
    {"p", 1024ULL * 1024 * 1024 * 1024 * 1024},
    {"pib", 1024ULL * 1024 * 1024 * 1024 * 1024},
    {"pb", 1000ULL * 1000 * 1000 * 1000 * 1000},
};

static gboolean
size_error(const char *text, GError **error)
{
    g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                _("'%s' is not a memory size: write a whole number with an optional unit (KiB "
                  "when none), e.g. 524288, 512M or 2G."),
                text);
    return FALSE;
}

gboolean
cli_tuning_parse_size(const char *text, guint64 *kib, GError **error)
{
    gsize digits = strspn(text, "0123456789");
    const char *suffix = text + digits;
    g_autofree char *number = NULL;
    guint64 value, scale = 0;

    if (digits == 0 || strlen(text) > MAX_SIZE_TEXT)
        return size_error(text, error);
    for (gsize i = 0; i < G_N_ELEMENTS(units) && scale == 0; i++)
        if (g_ascii_strcasecmp(suffix, units[i].suffix) == 0)
            scale = units[i].scale;
    number = g_strndup(text, digits);
    if (scale == 0 || !g_ascii_string_to_unsigned(number, 10, 0, G_MAXUINT64, &value, NULL))
        return size_error(text, error);
    if (value == 0) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("'%s' is no memory at all; give a size above 0."), text);
        return FALSE;
    }
    if (value > G_MAXUINT64 / scale) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("'%s' is larger than any memory size."), text);
        return FALSE;
    }
    value *= scale;
    *kib = value / 1024 + (value % 1024 != 0);
    return TRUE;
}

gboolean
cli_tuning_parse_number(const char *text, guint max, const char *what, guint *out, GError **error)
{
    guint64 v;

    if (strspn(text, "0123456789") != strlen(text) ||
        !g_ascii_string_to_unsigned(text, 10, 0, max, &v, NULL)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("'%s' is not a valid %s: give a whole number from 0 to %u."), text, what,
                    max);
        return FALSE;
    }
    *out = (guint)v;
    return TRUE;
}

gboolean
cli_tuning_affect_flags(gboolean live, gboolean config, gboolean current, guint *flags,
                        GError **error)
{
    if (current && (live || config)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT, "%s",
                    _("--current cannot be combined with --live or --config."));
        return FALSE;
    }
    *flags = (live ? MARINA_DOMAIN_AFFECT_LIVE : 0) | (config ? MARINA_DOMAIN_AFFECT_CONFIG : 0);
    return TRUE;
}

static void
append_padded(GString *out, const char *cell, gsize width)
{
    g_string_append(out, cell);
    for (gsize n = g_utf8_strlen(cell, -1); n < width; n++)
        g_string_append_c(out, ' ');
}

char *
cli_format_table(const char *const *header, GPtrArray *rows, guint n_cols)
{
    g_autofree gsize *widths = g_new0(gsize, n_cols);
    GString *out = g_string_new(NULL);
    gsize dashes = 0;

    for (guint c = 0; c < n_cols; c++)
        widths[c] = g_utf8_strlen(header[c], -1);
    for (guint r = 0; r < rows->len; r++) {
        char **row = rows->pdata[r];
        for (guint c = 0; c < n_cols; c++)
            widths[c] = MAX(widths[c], (gsize)g_utf8_strlen(row[c], -1));
    }
    for (guint r = 0; r <= rows->len; r++) {
        const char *const *row = r == 0 ? header : (const char *const *)rows->pdata[r - 1];

        for (guint c = 0; c < n_cols; c++) {
            g_string_append_c(out, ' ');
            if (c + 1 < n_cols)
                append_padded(out, row[c], widths[c] + 2);
            else
                g_string_append(out, row[c]);
        }
        g_string_append_c(out, '\n');
        if (r == 0) {
            for (guint c = 0; c < n_cols; c++)
                dashes += widths[c] + 3;
            for (gsize i = 0; i < dashes; i++)
                g_string_append_c(out, '-');
            g_string_append_c(out, '\n');
        }
    }
    return g_string_free(out, FALSE);
}

char *
cli_format_vcpupin(GPtrArray *vcpus, int only)
{
    const char *header[] = {_("VCPU"), _("CPU Affinity")};
    g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);

    for (guint i = 0; i < vcpus->len; i++) {
        const MarinaVcpuInfo *v = vcpus->pdata[i];
        char **row;

        if (only >= 0 && v->vcpu != (guint)only)
            continue;
        row = g_new0(char *, 3);
        row[0] = g_strdup_printf("%u", v->vcpu);
        row[1] = g_strdup(*v->affinity != '\0' ? v->affinity : "-");
        g_ptr_array_add(rows, row);
    }
    return cli_format_table(header, rows, 2);
}

/* "0-2,5" -> "yyy--y" for @host_cpus CPUs; anything unreadable leaves "-". */
static char *
affinity_map(const char *list, guint host_cpus)
{
    char *map = g_malloc(host_cpus + 1);
    g_auto(GStrv) items = g_strsplit(list, ",", -1);

    memset(map, '-', host_cpus);
    map[host_cpus] = '\0';
    for (guint i = 0; items[i] != NULL; i++) {
        char *end = NULL;
        guint64 lo = g_ascii_strtoull(items[i], &end, 10), hi = lo;

        if (end == items[i])
            continue;
        if (*end == '-')
            hi = g_ascii_strtoull(end + 1, NULL, 10);
        for (guint64 c = lo; c <= hi && c < host_cpus; c++)
            map[c] = 'y';
    }
    return map;
}

static void
add_line(GString *out, const char *label, const char *value)
{
    /* virsh: the label padded to 16 columns. */
    append_padded(out, label, 16);
    g_string_append_printf(out, "%s\n", value);
}

char *
cli_format_vcpuinfo(GPtrArray *vcpus, guint host_cpus, gboolean pretty)
{
    GString *out = g_string_new(NULL);
    gboolean first = TRUE;

    for (guint i = 0; i < vcpus->len; i++) {
        const MarinaVcpuInfo *v = vcpus->pdata[i];
        gboolean known = g_strcmp0(v->state, "offline") != 0;
        g_autofree char *num = NULL, *cpu = NULL, *time = NULL, *affinity = NULL;

        if (!v->online)
            continue;
        if (!first)
            g_string_append_c(out, '\n');
        first = FALSE;
        num = g_strdup_printf("%u", v->vcpu);
        cpu = v->cpu >= 0 ? g_strdup_printf("%d", v->cpu) : g_strdup(_("N/A"));
        time = known ? g_strdup_printf("%.1fs", (double)v->cpu_time_ns / 1e9) : g_strdup(_("N/A"));
        affinity = pretty ? g_strdup(v->affinity) : affinity_map(v->affinity, host_cpus);
        add_line(out, _("VCPU:"), num);
        add_line(out, _("CPU:"), cpu);
        add_line(out, _("State:"), known ? v->state : _("N/A"));
        add_line(out, _("CPU time:"), time);
        add_line(out, _("CPU Affinity:"), affinity);
    }
    return g_string_free(out, FALSE);
}

char *
cli_format_domifaddr(GPtrArray *interfaces, const char *only, gboolean full)
{
    GString *out = g_string_new(NULL);

    /* virsh's layout, column for column. */
    g_string_append_printf(out, " %-10s %-20s %-8s     %s\n", _("Name"), _("MAC address"),
                           _("Protocol"), _("Address"));
    g_string_append(out, "-------------------------------------------------"
                         "------------------------------\n");
    for (guint i = 0; i < interfaces->len; i++) {
        const MarinaInterfaceAddresses *iface = interfaces->pdata[i];

        if (only != NULL && g_strcmp0(only, iface->name) != 0 &&
            g_ascii_strcasecmp(only, iface->mac) != 0)
            continue;
        if (iface->addresses->len == 0) {
            g_string_append_printf(out, " %-10s %-17s    %-12s %s\n", iface->name, iface->mac,
                                   "N/A", "N/A");
            continue;
        }
        for (guint j = 0; j < iface->addresses->len; j++) {
            const MarinaIpAddress *a = iface->addresses->pdata[j];
            g_autofree char *address =
                g_strdup_printf("%-12s %s/%u", a->type, a->address, a->prefix);

            g_string_append_printf(out, " %-10s %-17s    %s\n", full || j == 0 ? iface->name : "-",
                                   full || j == 0 ? iface->mac : "-", address);
        }
    }
    return g_string_free(out, FALSE);
}
