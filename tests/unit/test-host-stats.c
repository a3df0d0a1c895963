/* The host's own figures in a StatsUpdated batch: found by the empty UUID,
 * absent keys told apart from zero, and batches that are not batches. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "host-stats.h"

/* A batch with one guest entry and, when @with_host, the host's entry. */
static GVariant *
batch(gboolean with_host, gboolean with_used)
{
    GVariantBuilder builder;
    GVariantBuilder guest;
    GVariantBuilder host;

    g_variant_builder_init(&builder, G_VARIANT_TYPE("a(sa{sv})"));
    g_variant_builder_init(&guest, G_VARIANT_TYPE_VARDICT);
    g_variant_builder_add(&guest, "{sv}", "cpu-percent", g_variant_new_double(12.5));
    g_variant_builder_add(&builder, "(s@a{sv})", "1b4e28ba-2fa1-11d2-883f-0016d3cca427",
                          g_variant_builder_end(&guest));
    if (with_host) {
        g_variant_builder_init(&host, G_VARIANT_TYPE_VARDICT);
        g_variant_builder_add(&host, "{sv}", "host-cpu-percent", g_variant_new_double(40.0));
        g_variant_builder_add(&host, "{sv}", "host-memory-kib",
                              g_variant_new_uint64(8 * 1024 * 1024));
        if (with_used)
            g_variant_builder_add(&host, "{sv}", "host-memory-used-kib",
                                  g_variant_new_uint64(2 * 1024 * 1024));
        g_variant_builder_add(&builder, "(s@a{sv})", "", g_variant_builder_end(&host));
    }
    return g_variant_ref_sink(g_variant_builder_end(&builder));
}

static void
test_host_entry_is_read(void **state)
{
    g_autoptr(GVariant) stats = batch(TRUE, TRUE);
    MarinaHostStats host;

    (void)state;
    assert_true(marina_host_stats_from_variant(stats, &host));
    assert_true(host.has_cpu_percent);
    assert_true(host.cpu_percent == 40.0);
    assert_int_equal(host.memory_kib, 8 * 1024 * 1024);
    assert_true(host.has_memory_used);
    assert_int_equal(host.memory_used_kib, 2 * 1024 * 1024);
}

static void
test_absent_figures_are_said_absent(void **state)
{
    g_autoptr(GVariant) stats = batch(TRUE, FALSE);
    MarinaHostStats host;

    (void)state;
    assert_true(marina_host_stats_from_variant(stats, &host));
    assert_false(host.has_memory_used);
    assert_int_equal(host.memory_used_kib, 0);
}

static void
test_batch_without_host_entry(void **state)
{
    g_autoptr(GVariant) stats = batch(FALSE, FALSE);
    MarinaHostStats host;

    (void)state;
    assert_false(marina_host_stats_from_variant(stats, &host));
    assert_false(host.has_cpu_percent);
    assert_int_equal(host.memory_kib, 0);
}

static void
test_not_a_batch(void **state)
{
    g_autoptr(GVariant) wrong = g_variant_ref_sink(g_variant_new_string("a(sa{sv})"));
    MarinaHostStats host;

    (void)state;
    assert_false(marina_host_stats_from_variant(wrong, &host));
    assert_false(marina_host_stats_from_variant(NULL, &host));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_host_entry_is_read),
        cmocka_unit_test(test_absent_figures_are_said_absent),
        cmocka_unit_test(test_batch_without_host_entry),
        cmocka_unit_test(test_not_a_batch),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
