/* What marinactl's migration commands read from the command line (numbers
 * that must be refused with a clear message) and print (progress line,
 * domjobinfo's table). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "error.h"
#include "migrate-text.h"

static void
test_downtime(void **state)
{
    const char *const bad[] = {"",    "-1",   "0",   "+5",  " 5",      "5 ",
                               "5ms", "0x10", "1.5", "abc", "2000001", "99999999999999999999999",
                               "-0"};
    guint64 ms = 0;

    assert_true(cli_migrate_parse_downtime("300", &ms, NULL));
    assert_int_equal(ms, 300);
    assert_true(cli_migrate_parse_downtime("1", &ms, NULL));
    assert_int_equal(ms, 1);
    assert_true(cli_migrate_parse_downtime("2000000", &ms, NULL));
    assert_int_equal(ms, 2000000);
    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) error = NULL;

        ms = 7;
        assert_false(cli_migrate_parse_downtime(bad[i], &ms, &error));
        assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT));
        /* The message names the value and what to give instead. */
        assert_non_null(strstr(error->message, bad[i]));
        assert_non_null(strstr(error->message, "milliseconds"));
        assert_int_equal(ms, 7);
    }
}

static void
test_speed(void **state)
{
    const char *const bad[] = {"",        "-1",        "-0",    "+1",  " 1",  "1 ",
                               "1M",      "0x10",      "1e400", "inf", "nan", "NaN",
                               "1048577", "0.0000001", "1,5",   "abc", "1..5"};
    guint64 bps = 0;

    assert_true(cli_migrate_parse_speed("100", &bps, NULL));
    assert_int_equal(bps, 100 * 1048576ULL);
    assert_true(cli_migrate_parse_speed("0", &bps, NULL));
    assert_int_equal(bps, 0);
    assert_true(cli_migrate_parse_speed("0.5", &bps, NULL));
    assert_int_equal(bps, 524288);
    assert_true(cli_migrate_parse_speed("1048576", &bps, NULL));
    assert_int_equal(bps, 1048576ULL * 1048576ULL);
    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) error = NULL;

        bps = 7;
        if (cli_migrate_parse_speed(bad[i], &bps, &error))
            fail_msg("'%s' was taken as %" G_GUINT64_FORMAT " bytes/s", bad[i], bps);
        assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT));
        assert_non_null(strstr(error->message, "MiB"));
        assert_int_equal(bps, 7);
    }
}

static void
test_bytes(void **state)
{
    const struct {
        guint64 bytes;
        const char *text;
    } cases[] = {
        {0, "0 B"},
        {1023, "1023 B"},
        {1024, "1.00 KiB"},
        {1536 * 1024, "1.50 MiB"},
        {100 * 1048576ULL, "100.0 MiB"},
        {G_MAXUINT64, "16.0 EiB"},
    };

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *text = cli_migrate_format_bytes(cases[i].bytes);
        assert_string_equal(text, cases[i].text);
    }
}

static MarinaJobInfo *
info_of(const char *text)
{
    g_autoptr(GVariant) v = g_variant_ref_sink(g_variant_new_parsed(text));

    return marina_job_info_from_variant(v);
}

static void
test_progress_line(void **state)
{
    g_autoptr(MarinaJobInfo) memory =
        info_of("{'type': <'migration'>, 'phase': <'memory'>, 'data-total': <uint64 4194304>, "
                "'data-processed': <uint64 1048576>, 'data-remaining': <uint64 3145728>, "
                "'memory-bps': <uint64 2097152>}");
    g_autoptr(MarinaJobInfo) setup = info_of("{'type': <'migration'>, 'phase': <'setup'>}");
    g_autoptr(MarinaJobInfo) over =
        info_of("{'phase': <'memory'>, 'data-total': <uint64 10>, 'data-processed': "
                "<uint64 18446744073709551615>}");
    g_autofree char *a = cli_migrate_progress_line(memory);
    g_autofree char *b = cli_migrate_progress_line(setup);
    g_autofree char *c = cli_migrate_progress_line(over);

    assert_string_equal(a, "Migration: [ 25 %] 1.00 MiB sent, 3.00 MiB left, 2.00 MiB/s");
    assert_non_null(strstr(b, "[setting up]"));
    /* A daemon's processed beyond its total stops at 100 %. */
    assert_non_null(strstr(c, "[100 %]"));
}

static void
test_job_table(void **state)
{
    g_autoptr(MarinaJobInfo) none = info_of("{'type': <'none'>}");
    g_autoptr(MarinaJobInfo) running =
        info_of("{'type': <'migration'>, 'phase': <'storage'>, 'elapsed-ms': <uint64 1200>, "
                "'data-total': <uint64 2048>, 'disk-total': <uint64 1024>, "
                "'disk-processed': <uint64 512>, 'bandwidth': <uint64 1048576>, "
                "'expected-downtime-ms': <uint64 30>}");
    g_autoptr(MarinaJobInfo) done =
        info_of("{'type': <'migration'>, 'phase': <'completed'>, 'downtime-ms': <uint64 12>}");
    g_autofree char *a = cli_migrate_job_table(none);
    g_autofree char *b = cli_migrate_job_table(running);
    g_autofree char *c = cli_migrate_job_table(done);

    assert_string_equal(a, "Job type:           None\n");
    assert_non_null(strstr(b, "Job type:           Migration\n"));
    assert_non_null(strstr(b, "Phase:              copying disks\n"));
    assert_non_null(strstr(b, "Time elapsed:       1200 ms\n"));
    assert_non_null(strstr(b, "Data total:         2.00 KiB\n"));
    assert_non_null(strstr(b, "Disk processed:     512 B\n"));
    assert_non_null(strstr(b, "Expected downtime:  30 ms\n"));
    assert_non_null(strstr(b, "Bandwidth limit:    1.00 MiB/s\n"));
    assert_null(strstr(b, "Total downtime:"));
    assert_non_null(strstr(c, "Total downtime:     12 ms\n"));
    assert_non_null(strstr(c, "Bandwidth limit:    none\n"));
    assert_null(strstr(c, "Disk total:"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_downtime),  cmocka_unit_test(test_speed),
        cmocka_unit_test(test_bytes),     cmocka_unit_test(test_progress_line),
        cmocka_unit_test(test_job_table),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
