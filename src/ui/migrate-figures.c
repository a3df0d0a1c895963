/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-migrate"

#include "config.h"

#include "migrate-figures.h"

#include <glib/gi18n.h>

#include "uri.h"

#define MIB G_GUINT64_CONSTANT(1048576)

void
marina_migrate_choices_to_options(const MarinaMigrateChoices *choices,
                                  MarinaMigrationOptions *options)
{
    MarinaMigrationFlags flags = MARINA_MIGRATION_NONE;

    g_return_if_fail(choices != NULL && options != NULL);
    if (choices->offline)
        flags |= MARINA_MIGRATION_OFFLINE;
    if (choices->tunnelled)
        flags |= MARINA_MIGRATION_TUNNELLED;
    if (choices->copy_storage)
        flags |= MARINA_MIGRATION_COPY_STORAGE;
    if (!choices->temporary)
        flags |= MARINA_MIGRATION_PERSISTENT | MARINA_MIGRATION_UNDEFINE_SOURCE;
    if (choices->auto_converge)
        flags |= MARINA_MIGRATION_AUTO_CONVERGE;
    if (choices->postcopy)
        flags |= MARINA_MIGRATION_POSTCOPY;
    options->flags = flags;
    /* QEMU's own default is not sent: a daemon that cannot set it still migrates. */
    options->max_downtime_ms = choices->max_downtime_ms == MARINA_MIGRATE_DEFAULT_DOWNTIME_MS
                                   ? 0
                                   : MIN(choices->max_downtime_ms, MARINA_MIGRATE_MAX_DOWNTIME_MS);
    options->bandwidth = MIN(choices->bandwidth_mibps, MARINA_MIGRATE_MAX_MIBPS) * MIB;
}

char *
marina_migrate_format_bytes(guint64 bytes)
{
    return g_format_size_full(bytes, G_FORMAT_SIZE_IEC_UNITS);
}

char *
marina_migrate_format_rate(guint64 bytes_per_second)
{
    g_autofree char *size = NULL;

    if (bytes_per_second == 0)
        return g_strdup("—");
    size = marina_migrate_format_bytes(bytes_per_second);
    /* Translators: a transfer speed, e.g. "12.3 MiB/s" */
    return g_strdup_printf(_("%s/s"), size);
}

char *
marina_migrate_format_ms(guint64 milliseconds)
{
    if (milliseconds >= 10000)
        /* Translators: a duration in seconds, e.g. "12.5 s" */
        return g_strdup_printf(_("%.1f s"), (double)milliseconds / 1000.0);
    /* Translators: a duration in milliseconds, e.g. "45 ms" */
    return g_strdup_printf(_("%u ms"), (guint)milliseconds);
}

double
marina_migrate_progress_fraction(const MarinaJobInfo *info)
{
    double fraction;

    if (info == NULL)
        return 0;
    fraction = marina_job_info_get_fraction(info);
    return fraction < 0 ? 0 : CLAMP(fraction, 0.0, 1.0);
}

char *
marina_migrate_progress_text(const MarinaJobInfo *info)
{
    double fraction;

    if (info == NULL)
        return g_strdup("");
    fraction = marina_job_info_get_fraction(info);
    if (fraction < 0)
        return g_strdup(info->phase == MARINA_JOB_PHASE_UNKNOWN && info->phase_name != NULL
                            ? info->phase_name
                            : marina_job_phase_to_string(info->phase));
    /* Translators: the migration's progress, e.g. "45 %" */
    return g_strdup_printf(_("%d %%"), (int)(CLAMP(fraction, 0.0, 1.0) * 100));
}

const char *
marina_migrate_stage_text(MarinaMigrationStage stage)
{
    switch (stage) {
    case MARINA_MIGRATION_STAGE_IDLE:
        return _("Connecting…");
    case MARINA_MIGRATION_STAGE_BEGIN:
        return _("Checking the guest on its host…");
    case MARINA_MIGRATION_STAGE_PREPARE:
        return _("Preparing the destination…");
    case MARINA_MIGRATION_STAGE_PERFORM:
        return _("Moving the guest…");
    case MARINA_MIGRATION_STAGE_FINISH:
        return _("Starting the guest on the destination…");
    case MARINA_MIGRATION_STAGE_CONFIRM:
        return _("Releasing the guest on the source…");
    case MARINA_MIGRATION_STAGE_ROLLING_BACK:
        return _("Undoing the migration on both hosts…");
    case MARINA_MIGRATION_STAGE_DONE:
    default:
        return _("Finished");
    }
}

char *
marina_migrate_host_name(const char *uri, const char *label)
{
    g_autoptr(MarinaUri) parsed = uri != NULL ? marina_uri_parse(uri, NULL) : NULL;

    if (parsed != NULL && parsed->transport == MARINA_URI_TRANSPORT_SSH && parsed->host != NULL)
        return g_strdup(parsed->host);
    if (label != NULL && *label != '\0')
        return g_strdup(label);
    return g_strdup(uri != NULL ? uri : "");
}
