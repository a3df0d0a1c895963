/* Host facts from /proc text: real files, and hostile ones (truncated,
 * malformed, huge numbers, keys in the wrong place). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <unistd.h>

#include "host-info.h"

static const char REAL_MEMINFO[] = "MemTotal:       16314668 kB\n"
                                   "MemFree:         1034040 kB\n"
                                   "MemAvailable:    9120340 kB\n"
                                   "Buffers:          512008 kB\n";

static void
test_meminfo_reads_total_and_available(void **state)
{
    MarinaHostMemory m;

    marina_host_memory_parse(REAL_MEMINFO, &m);
    assert_true(m.has_total);
    assert_true(m.has_available);
    assert_int_equal(m.total_kib, 16314668);
    assert_int_equal(m.available_kib, 9120340);
}

static void
test_meminfo_missing_text_is_unknown(void **state)
{
    MarinaHostMemory m = {.total_kib = 5, .has_total = TRUE};

    marina_host_memory_parse(NULL, &m);
    assert_false(m.has_total);
    assert_false(m.has_available);
    assert_int_equal(m.total_kib, 0);
    marina_host_memory_parse("", &m);
    assert_false(m.has_total);
}

static void
test_meminfo_truncated_keeps_what_is_whole(void **state)
{
    MarinaHostMemory m;

    /* Cut off in the middle of the second line's key, then of its number. */
    marina_host_memory_parse("MemTotal:       2048 kB\nMemAvail", &m);
    assert_true(m.has_total);
    assert_int_equal(m.total_kib, 2048);
    assert_false(m.has_available);

    marina_host_memory_parse("MemTotal:       2048", &m);
    assert_true(m.has_total);
    assert_int_equal(m.total_kib, 2048);

    marina_host_memory_parse("MemTotal:", &m);
    assert_false(m.has_total);
}

static void
test_meminfo_huge_numbers_are_unknown(void **state)
{
    MarinaHostMemory m;

    /* Beyond 64 bits, and beyond what fits in bytes. */
    marina_host_memory_parse("MemTotal: 99999999999999999999999999 kB\n"
                             "MemAvailable: 18014398509481985 kB\n",
                             &m);
    assert_false(m.has_total);
    assert_false(m.has_available);
    assert_int_equal(m.total_kib, 0);

    /* The largest figure that still fits in bytes is kept. */
    marina_host_memory_parse("MemTotal: 18014398509481984 kB\n", &m);
    assert_true(m.has_total);
    assert_int_equal(m.total_kib, G_GUINT64_CONSTANT(18014398509481984));
}

static void
test_meminfo_malformed_values_are_unknown(void **state)
{
    MarinaHostMemory m;

    marina_host_memory_parse("MemTotal: -5 kB\nMemAvailable: lots\n", &m);
    assert_false(m.has_total);
    assert_false(m.has_available);
}

static void
test_meminfo_key_must_start_a_line(void **state)
{
    MarinaHostMemory m;

    /* A key inside another line (or another key's name) is not the figure. */
    marina_host_memory_parse("XMemTotal: 1 kB\nNote MemAvailable: 2 kB\nMemTotal: 3 kB\n", &m);
    assert_true(m.has_total);
    assert_int_equal(m.total_kib, 3);
    assert_false(m.has_available);
}

static void
test_cpu_model_and_mhz(void **state)
{
    guint mhz = 1;
    g_autofree char *model = marina_host_cpu_model_parse("processor\t: 0\n"
                                                         "model name\t: AMD EPYC 7B13\n"
                                                         "cpu MHz\t\t: 2450.000\n"
                                                         "processor\t: 1\n"
                                                         "model name\t: Something Else\n",
                                                         &mhz);

    assert_string_equal(model, "AMD EPYC 7B13");
    assert_int_equal(mhz, 2450);
}

static void
test_cpu_model_unknown_when_absent(void **state)
{
    guint mhz = 7;
    g_autofree char *none = marina_host_cpu_model_parse(NULL, &mhz);
    g_autofree char *junk = marina_host_cpu_model_parse("model name\ncpu MHz : 1e400\n", &mhz);

    assert_string_equal(none, "unknown");
    assert_string_equal(junk, "unknown");
    /* An absurd frequency is unknown, never undefined behaviour. */
    assert_int_equal(mhz, 0);
    g_free(marina_host_cpu_model_parse("cpu MHz : nan\n", &mhz));
    assert_int_equal(mhz, 0);
}

static void
test_cpu_counters(void **state)
{
    guint64 busy = 0, total = 0;

    assert_true(marina_host_cpu_counters_parse("cpu  100 10 50 1000 40 5 5 0 0 0\ncpu0 1 2 3 4\n",
                                               &busy, &total));
    assert_int_equal(total, 1210);
    assert_int_equal(busy, 170);
    /* Too short, or not the aggregate line. */
    assert_false(marina_host_cpu_counters_parse("cpu  1 2\n", &busy, &total));
    assert_false(marina_host_cpu_counters_parse("cpu0 1 2 3 4 5\n", &busy, &total));
    assert_false(marina_host_cpu_counters_parse(NULL, &busy, &total));
}

static void
test_process_figures_of_this_process(void **state)
{
    guint64 ticks = 0;

    assert_true(marina_host_process_start_ticks(getpid(), &ticks));
    assert_true(ticks > 0);
    assert_true(marina_host_process_rss_kib(getpid()) > 0);
    /* A process that does not exist has no figures. */
    assert_false(marina_host_process_start_ticks(G_MAXINT32, &ticks));
    assert_int_equal(marina_host_process_rss_kib(G_MAXINT32), 0);
    assert_int_equal(marina_host_process_cpu_ns(G_MAXINT32), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_meminfo_reads_total_and_available),
        cmocka_unit_test(test_meminfo_missing_text_is_unknown),
        cmocka_unit_test(test_meminfo_truncated_keeps_what_is_whole),
        cmocka_unit_test(test_meminfo_huge_numbers_are_unknown),
        cmocka_unit_test(test_meminfo_malformed_values_are_unknown),
        cmocka_unit_test(test_meminfo_key_must_start_a_line),
        cmocka_unit_test(test_cpu_model_and_mhz),
        cmocka_unit_test(test_cpu_model_unknown_when_absent),
        cmocka_unit_test(test_cpu_counters),
        cmocka_unit_test(test_process_figures_of_this_process),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
