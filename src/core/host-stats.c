#define G_LOG_DOMAIN "marina-host-stats"

#include "config.h"

#include "host-stats.h"

/* The host's entry from @entry, an (sa{sv}); FALSE when it is a guest's. */
static gboolean
read_host_entry(GVariant *entry, MarinaHostStats *out)
{
    g_autoptr(GVariant) uuid = g_variant_get_child_value(entry, 0);
    g_autoptr(GVariant) values = NULL;

    if (*g_variant_get_string(uuid, NULL) != '\0')
        return FALSE;
    values = g_variant_get_child_value(entry, 1);
    marina_host_stats_from_entry(values, out);
    return TRUE;
}

void
marina_host_stats_from_entry(GVariant *values, MarinaHostStats *out)
{
    g_autoptr(GVariantDict) dict = g_variant_dict_new(values);

    *out = (MarinaHostStats){0};
    out->has_cpu_percent = g_variant_dict_lookup(dict, "host-cpu-percent", "d", &out->cpu_percent);
    g_variant_dict_lookup(dict, "host-memory-kib", "t", &out->memory_kib);
    out->has_memory_used =
        g_variant_dict_lookup(dict, "host-memory-used-kib", "t", &out->memory_used_kib);
    g_variant_dict_lookup(dict, "host-cpus", "u", &out->cpus);
}

gboolean
marina_host_stats_from_variant(GVariant *stats, MarinaHostStats *out)
{
    g_return_val_if_fail(out != NULL, FALSE);
    *out = (MarinaHostStats){0};
    if (stats == NULL || !g_variant_is_of_type(stats, G_VARIANT_TYPE("a(sa{sv})")))
        return FALSE;
    /* From the end: the daemon sends the host's entry last, so a batch of a
     * thousand guests costs one entry here, not a thousand. (Should there be
     * more than one, the last counts, as it always did.) */
    for (gsize i = g_variant_n_children(stats); i > 0; i--) {
        g_autoptr(GVariant) entry = g_variant_get_child_value(stats, i - 1);

        if (read_host_entry(entry, out))
            return TRUE;
    }
    return FALSE;
}
