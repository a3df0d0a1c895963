#pragma once

#include <glib.h>
#include <sched.h>

G_BEGIN_DECLS

/* Host CPU lists as libvirt writes them ("0-3,^2,5"), for vCPU pinning. */

/* Longest CPU list text accepted. */
#define MARINA_CPU_LIST_MAX_LEN 1024

/* Parses @text into @set. Every CPU named must exist on this host (below @host_cpus); the list
 * must name at least one. MARINA_ERROR_INVALID_ARGUMENT with a message quoting @text. */
gboolean marina_cpu_list_parse(const char *text, guint host_cpus, cpu_set_t *set, GError **error);
/* "0-2,4" (ranges where CPUs follow each other); "" for an empty set. */
char *marina_cpu_list_format(const cpu_set_t *set);
/* The CPUs this host has (configured, online or not), at least 1, at most CPU_SETSIZE. */
guint marina_cpu_list_host_cpus(void);
/* All of this host's CPUs. */
void marina_cpu_list_all(cpu_set_t *set);

G_END_DECLS
