/* The guest listing as the client reads it: ListDomains' array and
 * ListDomainsPacked's bytes give the same records, and bytes that are not a
 * listing give no crash and no garbage. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "records.h"

#define PATH_A "/org/marinavm/Marina1/domain/1b4e28ba_2fa1_11d2_883f_0016d3cca427"
#define PATH_B "/org/marinavm/Marina1/domain/6a3f1e2c_0d4b_4c1e_9a55_2b7f0c9e8d11"

/* Two guests: "web" running as id 3, "db" shut off with a title. */
static GVariant *
listing(void)
{
    GVariantBuilder b;

    g_variant_builder_init(&b, G_VARIANT_TYPE("a(oissuubbtus)"));
    g_variant_builder_add(&b, "(oissuubbtus)", PATH_A, 3, "web",
                          "1b4e28ba-2fa1-11d2-883f-0016d3cca427", (guint32)MARINA_DOMAIN_RUNNING,
                          1u, TRUE, TRUE, (guint64)2097152, 4u, "");
    g_variant_builder_add(&b, "(oissuubbtus)", PATH_B, -1, "db",
                          "6a3f1e2c-0d4b-4c1e-9a55-2b7f0c9e8d11", (guint32)MARINA_DOMAIN_SHUTOFF,
                          2u, TRUE, FALSE, (guint64)65536, 1u, "Database – main");
    return g_variant_ref_sink(g_variant_builder_end(&b));
}

/* ListDomainsPacked's reply for @domains (the daemon sends little-endian). */
static GVariant *
packed(GVariant *domains)
{
    g_autoptr(GVariant) little =
        G_BYTE_ORDER == G_BIG_ENDIAN ? g_variant_byteswap(domains) : g_variant_ref(domains);
    g_autoptr(GBytes) bytes = g_variant_get_data_as_bytes(little);

    return g_variant_ref_sink(g_variant_new_from_bytes(G_VARIANT_TYPE_BYTESTRING, bytes, TRUE));
}

static void
assert_records(GPtrArray *records)
{
    const MarinaDomainRecord *web, *db;

    assert_int_equal(records->len, 2);
    web = records->pdata[0];
    db = records->pdata[1];
    assert_string_equal(web->object_path, PATH_A);
    assert_int_equal(web->id, 3);
    assert_string_equal(web->name, "web");
    assert_string_equal(web->uuid, "1b4e28ba-2fa1-11d2-883f-0016d3cca427");
    assert_int_equal(web->state, MARINA_DOMAIN_RUNNING);
    assert_int_equal(web->reason, 1);
    assert_true(web->persistent);
    assert_true(web->autostart);
    assert_int_equal(web->max_memory_kib, 2097152);
    assert_int_equal(web->vcpus, 4);
    assert_string_equal(web->title, "");
    assert_string_equal(db->object_path, PATH_B);
    assert_int_equal(db->id, -1);
    assert_string_equal(db->name, "db");
    assert_int_equal(db->state, MARINA_DOMAIN_SHUTOFF);
    assert_int_equal(db->reason, 2);
    assert_true(db->persistent);
    assert_false(db->autostart);
    assert_int_equal(db->max_memory_kib, 65536);
    assert_int_equal(db->vcpus, 1);
    assert_string_equal(db->title, "Database – main");
}

static void
test_array_is_read(void **state)
{
    g_autoptr(GVariant) domains = listing();
    g_autoptr(GPtrArray) records = marina_domain_records_from_variant(domains);

    (void)state;
    assert_records(records);
}

static void
test_packed_is_read(void **state)
{
    g_autoptr(GVariant) domains = listing();
    g_autoptr(GVariant) bytes = packed(domains);
    g_autoptr(GPtrArray) records = marina_domain_records_from_packed(bytes);

    (void)state;
    assert_records(records);
}

static void
test_empty_packed_listing(void **state)
{
    g_autoptr(GVariant) bytes = g_variant_ref_sink(
        g_variant_new_from_data(G_VARIANT_TYPE_BYTESTRING, "", 0, TRUE, NULL, NULL));
    g_autoptr(GPtrArray) records = marina_domain_records_from_packed(bytes);

    (void)state;
    assert_int_equal(records->len, 0);
}

/* Bytes cut short, or bytes of something else: whatever rows GVariant finds
 * have well-formed fields (strings never NULL, paths valid). */
static void
test_malformed_packed_listing(void **state)
{
    g_autoptr(GVariant) domains = listing();
    g_autoptr(GVariant) whole = packed(domains);
    gsize size = g_variant_get_size(whole);
    const guint8 *data = g_variant_get_data(whole);

    (void)state;
    for (gsize cut = 0; cut < size; cut += 7) {
        g_autoptr(GVariant) bytes = g_variant_ref_sink(
            g_variant_new_from_data(G_VARIANT_TYPE_BYTESTRING, data, cut, TRUE, NULL, NULL));
        g_autoptr(GPtrArray) records = marina_domain_records_from_packed(bytes);

        for (guint i = 0; i < records->len; i++) {
            const MarinaDomainRecord *r = records->pdata[i];
            assert_true(g_variant_is_object_path(r->object_path));
            assert_non_null(r->name);
            assert_non_null(r->uuid);
            assert_non_null(r->title);
        }
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_array_is_read),
        cmocka_unit_test(test_packed_is_read),
        cmocka_unit_test(test_empty_packed_listing),
        cmocka_unit_test(test_malformed_packed_listing),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
