#define G_LOG_DOMAIN "marina-host-stats"

#include "config.h"

#include "host-stats.h"

gboolean
marina_host_stats_from_variant(GVariant *stats, MarinaHostStats *out)
{
    GVariantIter iter;
    const char *uuid;
    GVariant *values;
    gboolean found = FALSE;

    g_return_val_if_fail(out != NULL, FALSE);
    *out = (MarinaHostStats){0};
    if (stats == NULL || !g_variant_is_of_type(stats, G_VARIANT_TYPE("a(sa{sv})")))
        return FALSE;
    g_variant_iter_init(&iter, stats);
    while (g_variant_iter_next(&iter, "(&s@a{sv})", &uuid, &values)) {
        if (*uuid == '\0') {
            g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT(values);

            found = TRUE;
            out->has_cpu_percent =
                g_variant_dict_lookup(&dict, "host-cpu-percent", "d", &out->cpu_percent);
            g_variant_dict_lookup(&dict, "host-memory-kib", "t", &out->memory_kib);
            out->has_memory_used =
                g_variant_dict_lookup(&dict, "host-memory-used-kib", "t", &out->memory_used_kib);
        }
        g_variant_unref(values);
    }
    return found;
}
