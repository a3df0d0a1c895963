#pragma once

#include <gio/gio.h>

#include "records.h"

G_BEGIN_DECLS

/*
 * What the migration commands (commands-migrate.c) read from the command
 * line and print, kept apart from the commands so unit tests reach them
 * without a daemon.
 */

/* QEMU's limit for downtime-limit: 2000 seconds. */
#define CLI_MIGRATE_MAX_DOWNTIME_MS G_GUINT64_CONSTANT(2000000)
/* A bandwidth above 1 TiB/s is a typing mistake. */
#define CLI_MIGRATE_MAX_MIBPS 1048576.0

/* A maximum downtime: a whole number of milliseconds, 1 to
 * CLI_MIGRATE_MAX_DOWNTIME_MS. FALSE with a message for the user. */
gboolean cli_migrate_parse_downtime(const char *text, guint64 *milliseconds, GError **error);
/* A bandwidth in MiB/s ("100", "0.5"; "0" = unlimited) as bytes per second. */
gboolean cli_migrate_parse_speed(const char *text, guint64 *bytes_per_second, GError **error);

/* "512 B", "12.3 MiB", "1.50 GiB". */
char *cli_migrate_format_bytes(guint64 bytes);
/* The progress line: "Migration: [ 45 %] 120.5 MiB sent, 140.2 MiB left, 12.3 MiB/s"
 * (no percentage while the total is unknown). */
char *cli_migrate_progress_line(const MarinaJobInfo *info);
/* domjobinfo's table (virsh's layout), ending with a newline. */
char *cli_migrate_job_table(const MarinaJobInfo *info);

G_END_DECLS
