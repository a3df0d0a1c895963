#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * The host's own figures in a StatsUpdated batch (MarinaHost's
 * "stats-updated" signal): the entry with the empty UUID. For windows that
 * show the host's current CPU and memory use (MarinaGuestList keeps their
 * history).
 *
 *   MarinaHostStats host;
 *   if (marina_host_stats_from_variant(stats, &host) && host.has_cpu_percent)
 *       show(host.cpu_percent);
 */
typedef struct {
    gboolean has_cpu_percent;
    double cpu_percent; /* of the whole host, 0..100 */
    guint64 memory_kib; /* the host's memory; 0 when not reported */
    gboolean has_memory_used;
    guint64 memory_used_kib;
    guint cpus; /* the host's CPUs; 0 when not reported */
} MarinaHostStats;

/* Fills @out from the batch @stats (a(sa{sv})); FALSE when @stats is not a
 * batch or holds no entry for the host. */
gboolean marina_host_stats_from_variant(GVariant *stats, MarinaHostStats *out);
/* Fills @out from the host's own a{sv} entry of a batch. */
void marina_host_stats_from_entry(GVariant *values, MarinaHostStats *out);

G_END_DECLS
