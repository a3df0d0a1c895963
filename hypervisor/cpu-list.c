#define G_LOG_DOMAIN "marinad"

#include "config.h"

#include "cpu-list.h"

#include <glib/gi18n.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"

static gboolean
fail(GError **error, const char *text, const char *why)
{
    g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                _("'%s' is not a list of host CPUs: %s. Write e.g. '0-3,^2,5'."), text, why);
    return FALSE;
}

/* One number, all digits (no sign, no spaces inside). */
static gboolean
parse_cpu(const char *s, guint host_cpus, guint *cpu, const char *text, GError **error)
{
    guint64 v;

    if (*s == '\0' || strspn(s, "0123456789") != strlen(s) || strlen(s) > 5)
        return fail(error, text, _("a CPU must be a number"));
    v = g_ascii_strtoull(s, NULL, 10);
    if (v >= host_cpus) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("'%s' names CPU %llu, which this host does not have (it has CPUs 0-%u)."),
                    text, (unsigned long long)v, host_cpus - 1);
        return FALSE;
    }
    *cpu = (guint)v;
    return TRUE;
}

gboolean
marina_cpu_list_parse(const char *text, guint host_cpus, cpu_set_t *set, GError **error)
{
    g_auto(GStrv) items = NULL;
    cpu_set_t excluded;

    g_return_val_if_fail(host_cpus > 0 && host_cpus <= CPU_SETSIZE, FALSE);
    CPU_ZERO(set);
    CPU_ZERO(&excluded);
    if (strlen(text) > MARINA_CPU_LIST_MAX_LEN) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("The CPU list is longer than %d characters."), MARINA_CPU_LIST_MAX_LEN);
        return FALSE;
    }
    if (!g_utf8_validate(text, -1, NULL))
        return fail(error, "?", _("it is not text"));
    items = g_strsplit(text, ",", -1);
    for (guint i = 0; items[i] != NULL; i++) {
        char *item = g_strstrip(items[i]);
        gboolean negate = item[0] == '^';
        char *dash;
        guint lo, hi;

        if (negate)
            item++;
        dash = strchr(item, '-');
        if (dash != NULL)
            *dash = '\0';
        if (!parse_cpu(item, host_cpus, &lo, text, error))
            return FALSE;
        hi = lo;
        if (dash != NULL) {
            if (negate)
                return fail(error, text, _("an exclusion ('^') names one CPU, not a range"));
            if (!parse_cpu(dash + 1, host_cpus, &hi, text, error))
                return FALSE;
            if (hi < lo)
                return fail(error, text, _("a range must go upwards"));
        }
        for (guint c = lo; c <= hi; c++)
            CPU_SET(c, negate ? &excluded : set);
    }
    for (guint c = 0; c < host_cpus; c++)
        if (CPU_ISSET(c, &excluded))
            CPU_CLR(c, set);
    if (CPU_COUNT(set) == 0)
        return fail(error, text, _("it names no CPU"));
    return TRUE;
}

char *
marina_cpu_list_format(const cpu_set_t *set)
{
    GString *out = g_string_new(NULL);

    for (guint c = 0; c < CPU_SETSIZE; c++) {
        guint end = c;

        if (!CPU_ISSET(c, set))
            continue;
        while (end + 1 < CPU_SETSIZE && CPU_ISSET(end + 1, set))
            end++;
        if (out->len > 0)
            g_string_append_c(out, ',');
        if (end == c)
            g_string_append_printf(out, "%u", c);
        else
            g_string_append_printf(out, "%u-%u", c, end);
        c = end;
    }
    return g_string_free(out, FALSE);
}

guint
marina_cpu_list_host_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_CONF);

    return n < 1 ? 1 : (guint)MIN(n, CPU_SETSIZE);
}

void
marina_cpu_list_all(cpu_set_t *set)
{
    guint n = marina_cpu_list_host_cpus();

    CPU_ZERO(set);
    for (guint c = 0; c < n; c++)
        CPU_SET(c, set);
}
