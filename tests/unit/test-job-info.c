/* Domain.GetJobInfo as the client reads it: every figure in its field,
 * and replies of the wrong shape (a hostile or newer daemon) give defaults,
 * never a crash or an unprintable phase. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "records.h"

static GVariant *
full_reply(void)
{
    GVariantBuilder b;

    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    g_variant_builder_add(&b, "{sv}", "type", g_variant_new_string("migration"));
    g_variant_builder_add(&b, "{sv}", "phase", g_variant_new_string("memory"));
    g_variant_builder_add(&b, "{sv}", "elapsed-ms", g_variant_new_uint64(1500));
    g_variant_builder_add(&b, "{sv}", "data-total", g_variant_new_uint64(1000));
    g_variant_builder_add(&b, "{sv}", "data-processed", g_variant_new_uint64(250));
    g_variant_builder_add(&b, "{sv}", "data-remaining", g_variant_new_uint64(750));
    g_variant_builder_add(&b, "{sv}", "memory-total", g_variant_new_uint64(800));
    g_variant_builder_add(&b, "{sv}", "memory-processed", g_variant_new_uint64(200));
    g_variant_builder_add(&b, "{sv}", "memory-remaining", g_variant_new_uint64(600));
    g_variant_builder_add(&b, "{sv}", "memory-bps", g_variant_new_uint64(1048576));
    g_variant_builder_add(&b, "{sv}", "dirty-rate", g_variant_new_uint64(4096));
    g_variant_builder_add(&b, "{sv}", "iterations", g_variant_new_uint64(3));
    g_variant_builder_add(&b, "{sv}", "expected-downtime-ms", g_variant_new_uint64(42));
    g_variant_builder_add(&b, "{sv}", "setup-ms", g_variant_new_uint64(7));
    g_variant_builder_add(&b, "{sv}", "disk-total", g_variant_new_uint64(200));
    g_variant_builder_add(&b, "{sv}", "disk-processed", g_variant_new_uint64(50));
    g_variant_builder_add(&b, "{sv}", "bandwidth", g_variant_new_uint64(2097152));
    g_variant_builder_add(&b, "{sv}", "max-downtime-ms", g_variant_new_uint64(300));
    return g_variant_ref_sink(g_variant_builder_end(&b));
}

static void
test_every_field(void **state)
{
    g_autoptr(GVariant) reply = full_reply();
    g_autoptr(MarinaJobInfo) info = marina_job_info_from_variant(reply);

    assert_string_equal(info->type, "migration");
    assert_int_equal(info->phase, MARINA_JOB_PHASE_MEMORY);
    assert_string_equal(info->phase_name, "memory");
    assert_int_equal(info->elapsed_ms, 1500);
    assert_int_equal(info->data_total, 1000);
    assert_int_equal(info->data_processed, 250);
    assert_int_equal(info->data_remaining, 750);
    assert_int_equal(info->memory_total, 800);
    assert_int_equal(info->memory_processed, 200);
    assert_int_equal(info->memory_remaining, 600);
    assert_int_equal(info->memory_bps, 1048576);
    assert_int_equal(info->dirty_rate, 4096);
    assert_int_equal(info->iterations, 3);
    assert_int_equal(info->expected_downtime_ms, 42);
    assert_false(info->has_downtime);
    assert_int_equal(info->setup_ms, 7);
    assert_int_equal(info->disk_total, 200);
    assert_int_equal(info->disk_processed, 50);
    assert_int_equal(info->bandwidth, 2097152);
    assert_int_equal(info->max_downtime_ms, 300);
    assert_true(marina_job_info_is_active(info));
    assert_true(marina_job_info_get_fraction(info) > 0.249 &&
                marina_job_info_get_fraction(info) < 0.251);
}

static void
test_completed_with_downtime(void **state)
{
    g_autoptr(GVariant) reply = g_variant_ref_sink(g_variant_new_parsed(
        "{'type': <'migration'>, 'phase': <'completed'>, 'downtime-ms': <uint64 0>}"));
    g_autoptr(MarinaJobInfo) info = marina_job_info_from_variant(reply);
    g_autoptr(MarinaJobInfo) copy = marina_job_info_copy(info);

    assert_int_equal(info->phase, MARINA_JOB_PHASE_COMPLETED);
    /* 0 ms said is not 0 ms unknown. */
    assert_true(info->has_downtime);
    assert_int_equal(info->downtime_ms, 0);
    assert_false(marina_job_info_is_active(info));
    /* Completed is all of it, even with no total. */
    assert_true(marina_job_info_get_fraction(info) == 1.0);
    assert_string_equal(copy->type, "migration");
    assert_string_equal(copy->phase_name, "completed");
    assert_ptr_not_equal(copy->type, info->type);
}

static void
test_no_job(void **state)
{
    g_autoptr(GVariant) reply = g_variant_ref_sink(g_variant_new_parsed("{'type': <'none'>}"));
    g_autoptr(MarinaJobInfo) info = marina_job_info_from_variant(reply);

    assert_string_equal(info->type, "none");
    assert_int_equal(info->phase, MARINA_JOB_PHASE_NONE);
    assert_false(marina_job_info_is_active(info));
    assert_true(marina_job_info_get_fraction(info) < 0);
}

/* Wrong types leave defaults; processed beyond total does not pass 100 %. */
static void
test_mistyped_fields(void **state)
{
    g_autoptr(GVariant) reply = g_variant_ref_sink(g_variant_new_parsed(
        "{'type': <uint32 5>, 'phase': <['memory']>, 'data-total': <'lots'>, "
        "'data-processed': <int64 -5>, 'memory-bps': <uint32 7>, 'downtime-ms': <'soon'>}"));
    g_autoptr(MarinaJobInfo) info = marina_job_info_from_variant(reply);
    g_autoptr(GVariant) over = g_variant_ref_sink(g_variant_new_parsed(
        "{'phase': <'memory'>, 'data-total': <uint64 10>, 'data-processed': <uint64 30>}"));
    g_autoptr(MarinaJobInfo) more = marina_job_info_from_variant(over);

    assert_string_equal(info->type, "none");
    assert_int_equal(info->phase, MARINA_JOB_PHASE_NONE);
    assert_int_equal(info->data_total, 0);
    assert_int_equal(info->data_processed, 0);
    assert_int_equal(info->memory_bps, 0);
    assert_false(info->has_downtime);
    assert_true(marina_job_info_get_fraction(more) == 1.0);
}

/* Not a dictionary at all: a record of no job, not an assertion in GLib. */
static void
test_not_a_dictionary(void **state)
{
    const char *const values[] = {"'memory'", "[1, 2, 3]", "{1: <2>}", "(1, 'x')", "@a{sv} {}"};

    for (gsize i = 0; i < G_N_ELEMENTS(values); i++) {
        g_autoptr(GVariant) v = g_variant_ref_sink(g_variant_new_parsed(values[i]));
        g_autoptr(MarinaJobInfo) info = marina_job_info_from_variant(v);

        assert_string_equal(info->type, "none");
        assert_int_equal(info->phase, MARINA_JOB_PHASE_NONE);
    }
    {
        g_autoptr(MarinaJobInfo) info = marina_job_info_from_variant(NULL);
        assert_string_equal(info->type, "none");
    }
}

/* A phase this client does not know, or one that is not a word. */
static void
test_odd_phases(void **state)
{
    g_autofree char *long_phase = g_strnfill(5000, 'p');
    g_autoptr(GVariant) future = g_variant_ref_sink(
        g_variant_new_parsed("{'type': <'migration'>, 'phase': <'teleporting'>}"));
    g_autoptr(GVariant) huge = g_variant_ref_sink(
        g_variant_new_parsed("{'type': <'migration'>, 'phase': <%s>}", long_phase));
    g_autoptr(GVariant) control = g_variant_ref_sink(
        g_variant_new_parsed("{'type': <'migration'>, 'phase': <'mem\\x1b[2Jory'>}"));
    g_autoptr(MarinaJobInfo) a = marina_job_info_from_variant(future);
    g_autoptr(MarinaJobInfo) b = marina_job_info_from_variant(huge);
    g_autoptr(MarinaJobInfo) c = marina_job_info_from_variant(control);

    assert_int_equal(a->phase, MARINA_JOB_PHASE_UNKNOWN);
    assert_string_equal(a->phase_name, "teleporting");
    assert_int_equal(b->phase, MARINA_JOB_PHASE_UNKNOWN);
    assert_string_equal(b->phase_name, "?");
    assert_int_equal(c->phase, MARINA_JOB_PHASE_UNKNOWN);
    assert_string_equal(c->phase_name, "?");
    assert_non_null(marina_job_phase_to_string(MARINA_JOB_PHASE_UNKNOWN));
    assert_non_null(marina_job_phase_to_string((MarinaJobPhase)999));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_field),      cmocka_unit_test(test_completed_with_downtime),
        cmocka_unit_test(test_no_job),           cmocka_unit_test(test_mistyped_fields),
        cmocka_unit_test(test_not_a_dictionary), cmocka_unit_test(test_odd_phases),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
