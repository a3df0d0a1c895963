#define G_LOG_DOMAIN "marinactl"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "error.h"
#include "migrate-text.h"

#define MIB 1048576.0

gboolean
cli_migrate_parse_downtime(const char *text, guint64 *milliseconds, GError **error)
{
    guint64 value = 0;

    /* g_ascii_string_to_unsigned() refuses signs, spaces, other bases and overflow. */
    if (text == NULL || !g_ascii_isdigit(*text) ||
        !g_ascii_string_to_unsigned(text, 10, 1, CLI_MIGRATE_MAX_DOWNTIME_MS, &value, NULL)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("Invalid maximum downtime '%s': give a whole number of milliseconds from 1 "
                      "to %" G_GUINT64_FORMAT "."),
                    text != NULL ? text : "", CLI_MIGRATE_MAX_DOWNTIME_MS);
        return FALSE;
    }
    *milliseconds = value;
    return TRUE;
}

gboolean
cli_migrate_parse_speed(const char *text, guint64 *bytes_per_second, GError **error)
{
    char *end = NULL;
    double value;

    /* Digits first: no sign, no "inf" or "nan", no hexadecimal. */
    if (text != NULL && g_ascii_isdigit(*text) && strpbrk(text, "xXpP") == NULL) {
        value = g_ascii_strtod(text, &end);
        if (end != NULL && *end == '\0' && value >= 0 && value <= CLI_MIGRATE_MAX_MIBPS &&
            (value == 0 || value * MIB >= 1)) {
            *bytes_per_second = (guint64)(value * MIB + 0.5);
            return TRUE;
        }
    }
    g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                _("Invalid bandwidth '%s': give MiB per second as a number from 0 (no limit) to "
                  "%.0f, e.g. 100 or 0.5."),
                text != NULL ? text : "", CLI_MIGRATE_MAX_MIBPS);
    return FALSE;
}

char *
cli_migrate_format_bytes(guint64 bytes)
{
    static const char *const units[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double v = (double)bytes;
    gsize u = 0;

    if (bytes < 1024)
        return g_strdup_printf("%" G_GUINT64_FORMAT " B", bytes);
    v /= 1024;
    while (v >= 1024 && u + 1 < G_N_ELEMENTS(units)) {
        v /= 1024;
        u++;
    }
    return g_strdup_printf(v < 10 ? "%.2f %s" : "%.1f %s", v, units[u]);
}

char *
cli_migrate_progress_line(const MarinaJobInfo *info)
{
    GString *line = g_string_new(_("Migration: "));
    double fraction = marina_job_info_get_fraction(info);
    g_autofree char *sent = cli_migrate_format_bytes(info->data_processed);
    g_autofree char *left = cli_migrate_format_bytes(info->data_remaining);
    g_autofree char *speed = cli_migrate_format_bytes(info->memory_bps);

    if (fraction >= 0)
        g_string_append_printf(line, "[%3d %%] ", (int)(fraction * 100));
    else
        g_string_append_printf(line, "[%s] ", marina_job_phase_to_string(info->phase));
    /* Translators: migration progress: data sent, data remaining, speed per second. */
    g_string_append_printf(line, _("%s sent, %s left, %s/s"), sent, left, speed);
    return g_string_free(line, FALSE);
}

static void
add_row(GString *table, const char *label, const char *value)
{
    /* virsh's layout: the label padded to 20 columns (labels are ASCII in C,
     * translations may not be: pad by characters). */
    glong width = g_utf8_strlen(label, -1);

    g_string_append(table, label);
    for (glong i = width; i < 20; i++)
        g_string_append_c(table, ' ');
    g_string_append_printf(table, "%s\n", value);
}

static void
add_bytes(GString *table, const char *label, guint64 bytes)
{
    g_autofree char *text = cli_migrate_format_bytes(bytes);

    add_row(table, label, text);
}

static void
add_speed(GString *table, const char *label, guint64 bytes_per_second)
{
    g_autofree char *size = cli_migrate_format_bytes(bytes_per_second);
    g_autofree char *text = g_strdup_printf("%s/s", size);

    add_row(table, label, text);
}

static void
add_ms(GString *table, const char *label, guint64 ms)
{
    g_autofree char *text = g_strdup_printf(_("%" G_GUINT64_FORMAT " ms"), ms);

    add_row(table, label, text);
}

char *
cli_migrate_job_table(const MarinaJobInfo *info)
{
    GString *table = g_string_new(NULL);

    if (info->phase == MARINA_JOB_PHASE_NONE || strcmp(info->type, "none") == 0) {
        add_row(table, _("Job type:"), _("None"));
        return g_string_free(table, FALSE);
    }
    add_row(table, _("Job type:"),
            strcmp(info->type, "migration") == 0 ? _("Migration") : info->type);
    add_row(table, _("Operation:"), _("Outgoing migration"));
    add_row(table, _("Phase:"),
            info->phase == MARINA_JOB_PHASE_UNKNOWN ? info->phase_name
                                                    : marina_job_phase_to_string(info->phase));
    add_ms(table, _("Time elapsed:"), info->elapsed_ms);
    add_bytes(table, _("Data processed:"), info->data_processed);
    add_bytes(table, _("Data remaining:"), info->data_remaining);
    add_bytes(table, _("Data total:"), info->data_total);
    add_bytes(table, _("Memory processed:"), info->memory_processed);
    add_bytes(table, _("Memory remaining:"), info->memory_remaining);
    add_bytes(table, _("Memory total:"), info->memory_total);
    add_speed(table, _("Memory bandwidth:"), info->memory_bps);
    add_speed(table, _("Dirty rate:"), info->dirty_rate);
    {
        g_autofree char *n = g_strdup_printf("%" G_GUINT64_FORMAT, info->iterations);
        add_row(table, _("Iteration:"), n);
    }
    if (info->disk_total > 0) {
        add_bytes(table, _("Disk processed:"), info->disk_processed);
        add_bytes(table, _("Disk total:"), info->disk_total);
    }
    add_ms(table, _("Expected downtime:"), info->expected_downtime_ms);
    if (info->has_downtime)
        add_ms(table, _("Total downtime:"), info->downtime_ms);
    add_ms(table, _("Setup time:"), info->setup_ms);
    if (info->bandwidth > 0)
        add_speed(table, _("Bandwidth limit:"), info->bandwidth);
    else
        add_row(table, _("Bandwidth limit:"), _("none"));
    if (info->max_downtime_ms > 0)
        add_ms(table, _("Max downtime:"), info->max_downtime_ms);
    return g_string_free(table, FALSE);
}
