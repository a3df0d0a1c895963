/* The Migrate dialog's arithmetic (src/ui/migrate-figures.c): which client
 * options its choices make, and how the figures of a migration read. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "migrate-figures.h"

/* GLib puts a no-break space between a size and its unit. */
#define NBSP "\xc2\xa0"

static void
assert_text(char *text, const char *want)
{
    assert_non_null(text);
    if (strcmp(text, want) != 0)
        fail_msg("got \"%s\", want \"%s\"", text, want);
    g_free(text);
}

/* The defaults (live, direct, shared, not temporary) move the definition
 * with the guest, as virt-manager does; nothing else is asked for. */
static void
test_default_choices(void **state)
{
    MarinaMigrateChoices choices = {.max_downtime_ms = MARINA_MIGRATE_DEFAULT_DOWNTIME_MS};
    MarinaMigrationOptions options = MARINA_MIGRATION_OPTIONS_INIT;

    (void)state;
    marina_migrate_choices_to_options(&choices, &options);
    assert_int_equal(options.flags, MARINA_MIGRATION_PERSISTENT | MARINA_MIGRATION_UNDEFINE_SOURCE);
    assert_int_equal(options.max_downtime_ms, 0); /* QEMU's default is not sent */
    assert_int_equal(options.bandwidth, 0);
}

/* Each check box is its flag; a temporary move keeps both definitions. */
static void
test_every_choice(void **state)
{
    MarinaMigrateChoices choices = {
        .offline = TRUE,
        .tunnelled = TRUE,
        .copy_storage = TRUE,
        .temporary = TRUE,
        .auto_converge = TRUE,
        .postcopy = TRUE,
        .max_downtime_ms = 50,
        .bandwidth_mibps = 2,
    };
    MarinaMigrationOptions options = MARINA_MIGRATION_OPTIONS_INIT;

    (void)state;
    marina_migrate_choices_to_options(&choices, &options);
    assert_int_equal(options.flags, MARINA_MIGRATION_OFFLINE | MARINA_MIGRATION_TUNNELLED |
                                        MARINA_MIGRATION_COPY_STORAGE |
                                        MARINA_MIGRATION_AUTO_CONVERGE | MARINA_MIGRATION_POSTCOPY);
    assert_int_equal(options.max_downtime_ms, 50);
    assert_int_equal(options.bandwidth, 2 * 1048576); /* bytes per second */
}

/* Out-of-range numbers are held to QEMU's limits, never wrapped. */
static void
test_limits(void **state)
{
    MarinaMigrateChoices choices = {.max_downtime_ms = G_MAXUINT64, .bandwidth_mibps = G_MAXUINT64};
    MarinaMigrationOptions options = MARINA_MIGRATION_OPTIONS_INIT;

    (void)state;
    marina_migrate_choices_to_options(&choices, &options);
    assert_int_equal(options.max_downtime_ms, MARINA_MIGRATE_MAX_DOWNTIME_MS);
    assert_int_equal(options.bandwidth,
                     (guint64)MARINA_MIGRATE_MAX_MIBPS * G_GUINT64_CONSTANT(1048576));
}

static void
test_format(void **state)
{
    (void)state;
    assert_text(marina_migrate_format_rate(0), "—");
    assert_text(marina_migrate_format_rate(12 * 1048576 + 314573), "12.3" NBSP "MiB/s");
    assert_text(marina_migrate_format_bytes(512), "512 bytes");
    assert_text(marina_migrate_format_bytes(1536), "1.5" NBSP "KiB");
    assert_text(marina_migrate_format_ms(0), "0 ms");
    assert_text(marina_migrate_format_ms(45), "45 ms");
    assert_text(marina_migrate_format_ms(9999), "9999 ms");
    assert_text(marina_migrate_format_ms(12500), "12.5 s");
}

static void
test_progress(void **state)
{
    MarinaJobInfo info = {.type = "migration", .phase = MARINA_JOB_PHASE_MEMORY, .phase_name = ""};

    (void)state;
    /* No total yet: the phase, and an empty bar. */
    assert_text(marina_migrate_progress_text(&info), marina_job_phase_to_string(info.phase));
    assert_true(marina_migrate_progress_fraction(&info) == 0);
    info.data_total = 200;
    info.data_processed = 90;
    assert_text(marina_migrate_progress_text(&info), "45 %");
    assert_true(marina_migrate_progress_fraction(&info) > 0.449 &&
                marina_migrate_progress_fraction(&info) < 0.451);
    /* Dirtied memory is sent again: processed passes total, the bar stops at 100 %. */
    info.data_processed = 500;
    assert_text(marina_migrate_progress_text(&info), "100 %");
    assert_true(marina_migrate_progress_fraction(&info) == 1);
    /* A phase this client does not know is named as the daemon said it. */
    info.data_total = 0;
    info.phase = MARINA_JOB_PHASE_UNKNOWN;
    info.phase_name = "warp";
    assert_text(marina_migrate_progress_text(&info), "warp");
    assert_text(marina_migrate_progress_text(NULL), "");
}

static void
test_stage_text(void **state)
{
    (void)state;
    for (int s = MARINA_MIGRATION_STAGE_IDLE; s <= MARINA_MIGRATION_STAGE_DONE; s++) {
        const char *text = marina_migrate_stage_text(s);

        assert_non_null(text);
        assert_true(*text != '\0');
    }
    assert_string_equal(marina_migrate_stage_text(MARINA_MIGRATION_STAGE_ROLLING_BACK),
                        "Undoing the migration on both hosts…");
}

/* Window titles name an ssh host by its name, anything else by its label. */
static void
test_host_name(void **state)
{
    (void)state;
    assert_text(marina_migrate_host_name("marina+ssh://alice@hostb:2222/system", "alice@hostb"),
                "hostb");
    assert_text(marina_migrate_host_name("marina+unix:///run/b.sock", "/run/b.sock (label)"),
                "/run/b.sock (label)");
    assert_text(marina_migrate_host_name("marina:///session", "This computer (session)"),
                "This computer (session)");
    assert_text(marina_migrate_host_name("not a uri", NULL), "not a uri");
    assert_text(marina_migrate_host_name(NULL, NULL), "");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_choices), cmocka_unit_test(test_every_choice),
        cmocka_unit_test(test_limits),          cmocka_unit_test(test_format),
        cmocka_unit_test(test_progress),        cmocka_unit_test(test_stage_text),
        cmocka_unit_test(test_host_name),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
