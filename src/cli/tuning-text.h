#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * What marinactl's tuning commands (commands-tuning.c) read from the command line and print,
 * apart from any connection so it can be tested alone.
 */

/* A memory size as virsh reads it: an integer with an optional unit, KiB when none; b/bytes,
 * k/KiB, KB, M/MiB, MB, G/GiB, GB, T/TiB, TB, P/PiB, PB (case does not matter). Rounded up
 * to whole KiB. Zero is refused. */
gboolean cli_tuning_parse_size(const char *text, guint64 *kib, GError **error);
/* A whole number from 0 to @max (a vCPU number or count); @what names it in the message. */
gboolean cli_tuning_parse_number(const char *text, guint max, const char *what, guint *out,
                                 GError **error);
/* virsh's --live / --config / --current: --current excludes the other two. The flags are
 * MarinaDomainAffect's. */
gboolean cli_tuning_affect_flags(gboolean live, gboolean config, gboolean current, guint *flags,
                                 GError **error);

/* virsh's table: a header row, a dashed line, the rows (char ** of @n_cols cells each). */
char *cli_format_table(const char *const *header, GPtrArray *rows, guint n_cols);

/* vcpupin's table (MarinaVcpuInfo*): every vCPU, or only @only (>= 0). */
char *cli_format_vcpupin(GPtrArray *vcpus, int only);
/* vcpuinfo's blocks (MarinaVcpuInfo*) of the online vCPUs (a shut-off guest: of those online
 * at boot). The affinity as virsh prints it: one y/- per host CPU (@host_cpus of them), or
 * with @pretty the CPU list. */
char *cli_format_vcpuinfo(GPtrArray *vcpus, guint host_cpus, gboolean pretty);
/* domifaddr's table (MarinaInterfaceAddresses*); only the interface named @only (its name or
 * MAC) when not NULL; with @full the name and MAC on every line. */
char *cli_format_domifaddr(GPtrArray *interfaces, const char *only, gboolean full);

G_END_DECLS
