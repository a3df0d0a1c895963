#pragma once

#include <gio/gio.h>

#include "test-node.h"

G_BEGIN_DECLS

/*
 * Facts about the host the daemon runs on, read from /proc and /sys: its
 * memory, its CPUs and their load, its bridges, and the figures of one of
 * its processes (a guest's QEMU). Every reader of /proc in the daemon goes
 * through here; the parsers take text so tests can feed them anything.
 */

/* What /proc/meminfo says, in KiB. A figure that is missing, malformed or
 * too large to be real (over 2^54 KiB, i.e. not representable in bytes)
 * is unknown: its has_ flag stays FALSE and the value 0. */
typedef struct {
    guint64 total_kib;
    guint64 available_kib;
    gboolean has_total;
    gboolean has_available;
} MarinaHostMemory;

void marina_host_memory_parse(const char *text, MarinaHostMemory *memory);
/* FALSE (all unknown) when /proc/meminfo cannot be read. */
gboolean marina_host_memory_read(MarinaHostMemory *memory);

/* The first "model name" (or "unknown") and "cpu MHz" of /proc/cpuinfo text. */
char *marina_host_cpu_model_parse(const char *text, guint *mhz);
char *marina_host_cpu_model_read(guint *mhz);
guint marina_host_online_cpus(void);

/* Jiffies since boot from /proc/stat's first line: busy (not idle nor
 * iowait) and total. FALSE when the line is missing or short. */
gboolean marina_host_cpu_counters_parse(const char *text, guint64 *busy, guint64 *total);
gboolean marina_host_cpu_counters_read(guint64 *busy, guint64 *total);

/* The host's Linux bridges (what an interface of type 'bridge' can join),
 * sorted, as a floating "as". */
GVariant *marina_host_bridges(void);

/* Host.GetNodeInfo keys of this machine (hostname, cpu-model, arch, cpus,
 * sockets, cores, threads, mhz, memory-kib, free-memory-kib, bridges). */
void marina_host_add_node_info(GVariantDict *d);
/* The same keys (and networks, pools) of the test driver's simulated host,
 * whose running guests use @guest_memory_kib. */
void marina_host_add_test_node_info(GVariantDict *d, const MarinaTestNode *node,
                                    guint64 guest_memory_kib);

/* Figures of process @pid from /proc/<pid>/stat and statm: its start time
 * in clock ticks since boot (FALSE when gone), CPU time used in ns and
 * resident memory in KiB (0 when gone). */
gboolean marina_host_process_start_ticks(GPid pid, guint64 *ticks);
guint64 marina_host_process_cpu_ns(GPid pid);
guint64 marina_host_process_rss_kib(GPid pid);

G_END_DECLS
