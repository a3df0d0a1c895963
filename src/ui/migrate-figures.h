/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the Migrate dialog reads from its form and shows of a migration's
 * figures, kept apart from the widgets so unit tests reach it. */
#pragma once

#include <glib.h>

#include "migration.h"
#include "records.h"

G_BEGIN_DECLS

/* QEMU's default maximum downtime: the dialog does not send it. */
#define MARINA_MIGRATE_DEFAULT_DOWNTIME_MS 300
/* QEMU's limit for downtime-limit: 2000 seconds. */
#define MARINA_MIGRATE_MAX_DOWNTIME_MS 2000000
/* A bandwidth above 1 TiB/s is a typing mistake. */
#define MARINA_MIGRATE_MAX_MIBPS 1048576

/* The Migrate dialog's choices. */
typedef struct {
    gboolean offline;   /* paused while it moves */
    gboolean tunnelled; /* through the management connections */
    gboolean copy_storage;
    gboolean temporary; /* not persisted on the destination, kept on the source */
    gboolean auto_converge;
    gboolean postcopy;
    guint64 max_downtime_ms; /* MARINA_MIGRATE_DEFAULT_DOWNTIME_MS: not sent */
    guint64 bandwidth_mibps; /* 0: unlimited */
} MarinaMigrateChoices;

/* The client API's options for @choices: a move that is not temporary is
 * persistent on the destination and undefines the source (as virt-manager
 * does); a temporary one leaves both definitions as they were. */
void marina_migrate_choices_to_options(const MarinaMigrateChoices *choices,
                                       MarinaMigrationOptions *options);

/* "12.3 MiB/s"; "—" for 0 (not known yet). */
char *marina_migrate_format_rate(guint64 bytes_per_second);
/* "512 bytes", "12.3 MiB" (IEC units, as the rest of the UI). */
char *marina_migrate_format_bytes(guint64 bytes);
/* "45 ms", "1.5 s" from 10 s on. */
char *marina_migrate_format_ms(guint64 milliseconds);
/* The progress bar's text: "45 %" (of memory and disks), or the phase
 * while the total is unknown. */
char *marina_migrate_progress_text(const MarinaJobInfo *info);
/* The progress bar's fraction, 0..1 (0 while the total is unknown). */
double marina_migrate_progress_fraction(const MarinaJobInfo *info);
/* What the dialog says during @stage, translated ("Moving memory…"). */
const char *marina_migrate_stage_text(MarinaMigrationStage stage);
/* The host a person reads in a window title: the host name of a
 * marina+ssh:// @uri, else @label (the connection's label: a local
 * daemon, a socket). */
char *marina_migrate_host_name(const char *uri, const char *label);

G_END_DECLS
