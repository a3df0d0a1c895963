/* The a{sv} written straight into GVariant's serialised form has the very
 * bytes GLib serialises for the same dictionary, whatever the number of
 * entries (offsets of 1 and 2 bytes) and the kinds of numbers. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "vardict-writer.h"

static void
assert_same_bytes(GVariant *ours, GVariant *glibs)
{
    g_autoptr(GVariant) a = g_variant_ref_sink(ours);
    g_autoptr(GVariant) b = g_variant_ref_sink(glibs);

    assert_non_null(a);
    assert_true(g_variant_is_normal_form(a));
    assert_int_equal(g_variant_get_size(a), g_variant_get_size(b));
    assert_memory_equal(g_variant_get_data(a), g_variant_get_data(b), g_variant_get_size(b));
    assert_true(g_variant_equal(a, b));
}

static void
test_empty(void **state)
{
    MarinaVardictWriter w;
    GVariantBuilder b;

    marina_vardict_writer_init(&w);
    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    assert_same_bytes(marina_vardict_writer_end(&w), g_variant_builder_end(&b));
}

/* What a guest's statistics hold: every kind of number, keys of every
 * length modulo 8. */
static void
test_statistics_entry(void **state)
{
    MarinaVardictWriter w;
    GVariantBuilder b;

    marina_vardict_writer_init(&w);
    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    marina_vardict_writer_add_uint32(&w, "vcpus", 4);
    g_variant_builder_add(&b, "{sv}", "vcpus", g_variant_new_uint32(4));
    marina_vardict_writer_add_uint64(&w, "memory-kib", G_GUINT64_CONSTANT(1048576));
    g_variant_builder_add(&b, "{sv}", "memory-kib", g_variant_new_uint64(1048576));
    marina_vardict_writer_add_double(&w, "cpu-percent", 123.456);
    g_variant_builder_add(&b, "{sv}", "cpu-percent", g_variant_new_double(123.456));
    marina_vardict_writer_add_int64(&w, "timestamp-us", G_GINT64_CONSTANT(-1700000000000000));
    g_variant_builder_add(&b, "{sv}", "timestamp-us",
                          g_variant_new_int64(G_GINT64_CONSTANT(-1700000000000000)));
    for (guint i = 0; i < 9; i++) {
        g_autofree char *key = g_strnfill(i + 1, 'k');
        marina_vardict_writer_add_uint64(&w, key, G_MAXUINT64 - i);
        g_variant_builder_add(&b, "{sv}", key, g_variant_new_uint64(G_MAXUINT64 - i));
    }
    assert_same_bytes(marina_vardict_writer_end(&w), g_variant_builder_end(&b));
}

/* Past 255 bytes the array's offsets take two bytes each. */
static void
test_two_byte_offsets(void **state)
{
    MarinaVardictWriter w;
    GVariantBuilder b;

    marina_vardict_writer_init(&w);
    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    for (guint i = 0; i < 20; i++) {
        g_autofree char *key = g_strdup_printf("counter-%u", i);
        marina_vardict_writer_add_uint32(&w, key, i * 1000);
        g_variant_builder_add(&b, "{sv}", key, g_variant_new_uint32(i * 1000));
    }
    assert_same_bytes(marina_vardict_writer_end(&w), g_variant_builder_end(&b));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_statistics_entry),
        cmocka_unit_test(test_two_byte_offsets),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
