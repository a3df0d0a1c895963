#include "config.h"

#include <glib/gstdio.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "os-catalog.h"

/* The real osinfo-db from Debian, loaded once for the group. */
static MarinaOsCatalog *catalog;

static int
group_setup(void **state)
{
    g_autoptr(GError) error = NULL;

    g_unsetenv("OSINFO_DB_PATH");
    catalog = marina_os_catalog_load_sync(NULL, &error);
    return catalog != NULL ? 0 : -1;
}

static int
group_teardown(void **state)
{
    g_clear_object(&catalog);
    return 0;
}

static GVariant *
media(const char *volume_id, const char *system_id)
{
    GVariantBuilder b;

    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    g_variant_builder_add(&b, "{sv}", "path", g_variant_new_string("/srv/iso/x.iso"));
    g_variant_builder_add(&b, "{sv}", "size", g_variant_new_uint64(400 << 20));
    g_variant_builder_add(&b, "{sv}", "bootable", g_variant_new_boolean(TRUE));
    g_variant_builder_add(&b, "{sv}", "volume-id", g_variant_new_string(volume_id));
    g_variant_builder_add(&b, "{sv}", "system-id", g_variant_new_string(system_id));
    g_variant_builder_add(&b, "{sv}", "publisher-id", g_variant_new_string(""));
    g_variant_builder_add(&b, "{sv}", "application-id", g_variant_new_string(""));
    return g_variant_ref_sink(g_variant_builder_end(&b));
}

static GVariant *
tree(const char *url, const char *family, const char *version, const char *arch,
     const char *variant, const char *name)
{
    GVariantBuilder b;

    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    g_variant_builder_add(&b, "{sv}", "url", g_variant_new_string(url));
    if (family != NULL)
        g_variant_builder_add(&b, "{sv}", "family", g_variant_new_string(family));
    if (version != NULL)
        g_variant_builder_add(&b, "{sv}", "version", g_variant_new_string(version));
    if (arch != NULL)
        g_variant_builder_add(&b, "{sv}", "arch", g_variant_new_string(arch));
    if (variant != NULL)
        g_variant_builder_add(&b, "{sv}", "variant", g_variant_new_string(variant));
    if (name != NULL)
        g_variant_builder_add(&b, "{sv}", "name", g_variant_new_string(name));
    return g_variant_ref_sink(g_variant_builder_end(&b));
}

static void
test_generic_first_and_always_present(void **state)
{
    GPtrArray *list = marina_os_catalog_list(catalog);
    const MarinaOsInfo *generic = marina_os_catalog_lookup(catalog, "generic");
    const MarinaOsInfo *first = list->pdata[0];

    assert_true(list->len > 100);
    assert_string_equal(first->short_id, "generic");
    assert_ptr_equal(generic, first);
    assert_int_equal(generic->memory_mib, 1024);
    assert_int_equal(generic->vcpus, 1);
    assert_true(generic->disk_bytes == G_GUINT64_CONSTANT(10) << 30);
    assert_true(generic->virtio);
    assert_ptr_equal(marina_os_catalog_peek_loaded(), catalog);
}

static void
test_lookup_short_full_and_alias(void **state)
{
    const MarinaOsInfo *d = marina_os_catalog_lookup(catalog, "debian11");

    assert_non_null(d);
    assert_string_equal(d->id, "http://debian.org/debian/11");
    assert_string_equal(d->name, "Debian 11");
    assert_string_equal(d->family, "linux");
    assert_string_equal(d->distro, "debian");
    assert_string_equal(d->version, "11");
    assert_ptr_equal(marina_os_catalog_lookup(catalog, "http://debian.org/debian/11"), d);
    assert_ptr_equal(marina_os_catalog_lookup(catalog, "debianbullseye"), d);
    assert_null(marina_os_catalog_lookup(catalog, "nosuchos42"));
    assert_null(marina_os_catalog_lookup(catalog, NULL));
}

static void
test_memory_and_disk_defaults(void **state)
{
    /* debian-11.xml: recommended 1 GiB RAM and 20 GiB disk; the vCPU count only
     * in the minimum (1); minimum RAM 1 GiB. */
    const MarinaOsInfo *d = marina_os_catalog_lookup(catalog, "debian11");
    /* fedora36: recommended 2 GiB, minimum 1 GiB. */
    const MarinaOsInfo *f = marina_os_catalog_lookup(catalog, "fedora36");

    assert_int_equal(d->memory_mib, 1024);
    assert_int_equal(d->min_memory_mib, 1024);
    assert_int_equal(d->vcpus, 1);
    assert_true(d->disk_bytes == G_GUINT64_CONSTANT(20) << 30);
    assert_true(d->virtio);
    assert_non_null(f);
    assert_true(f->memory_mib >= f->min_memory_mib);
    assert_true(f->memory_mib >= 1024);
    assert_true(f->virtio);
}

static void
test_old_os_is_eol_and_not_virtio(void **state)
{
    const MarinaOsInfo *old = marina_os_catalog_lookup(catalog, "debian3");

    assert_non_null(old);
    assert_true(old->eol);
    assert_false(old->virtio);
}

static void
test_list_sorted_newest_first(void **state)
{
    GPtrArray *list = marina_os_catalog_list(catalog);
    int i11 = -1, i10 = -1, i9 = -1;

    for (guint i = 0; i < list->len; i++) {
        const MarinaOsInfo *info = list->pdata[i];
        if (g_str_equal(info->short_id, "debian11"))
            i11 = (int)i;
        else if (g_str_equal(info->short_id, "debian10"))
            i10 = (int)i;
        else if (g_str_equal(info->short_id, "debian9"))
            i9 = (int)i;
    }
    assert_true(i11 >= 0 && i10 >= 0 && i9 >= 0);
    /* 11 before 10 before 9 (numbers, not text). */
    assert_true(i11 < i10 && i10 < i9);
}

static void
test_search_fedora(void **state)
{
    g_autoptr(GPtrArray) found = marina_os_catalog_search(catalog, "fedora", 500);
    g_autoptr(GPtrArray) few = marina_os_catalog_search(catalog, "FEDORA", 3);
    g_autoptr(GPtrArray) none = marina_os_catalog_search(catalog, "zzzz-not-an-os", 10);
    g_autoptr(GPtrArray) generic = marina_os_catalog_search(catalog, "generic", 10);
    gboolean seen_eol = FALSE;

    assert_true(found->len > 10);
    for (guint i = 0; i < found->len; i++) {
        const MarinaOsInfo *info = found->pdata[i];
        g_autofree char *name = g_ascii_strdown(info->name, -1);
        assert_true(strstr(name, "fedora") != NULL || strstr(info->short_id, "fedora") != NULL);
        /* Current releases first, then the ones past their end of life. */
        if (info->eol)
            seen_eol = TRUE;
        else
            assert_false(seen_eol);
    }
    assert_int_equal(few->len, 3);
    assert_int_equal(none->len, 0);
    assert_true(generic->len >= 1);
    assert_string_equal(((MarinaOsInfo *)generic->pdata[0])->short_id, "generic");
}

static void
test_identify_debian_netinst(void **state)
{
    /* debian-11.xml: <volume-id>Debian 11.\d+.\d+ amd64 n</volume-id>. */
    g_autoptr(GVariant) d11 = media("Debian 11.7.0 amd64 n", "");
    g_autoptr(GVariant) d12 = media("Debian 12.5.0 amd64 n", "");
    const MarinaOsInfo *info = marina_os_catalog_identify_media(catalog, d11);
    const MarinaOsInfo *info12;

    assert_non_null(info);
    assert_string_equal(info->short_id, "debian11");
    /* Debian 12 is in osinfo-db from 2023 on; older databases do not know it. */
    info12 = marina_os_catalog_identify_media(catalog, d12);
    if (marina_os_catalog_lookup(catalog, "debian12") != NULL) {
        assert_non_null(info12);
        assert_string_equal(info12->short_id, "debian12");
    } else {
        assert_null(info12);
    }
}

static void
test_identify_unknown_media(void **state)
{
    g_autoptr(GVariant) unknown = media("MY_BACKUP_DISC_2019", "LINUX");
    g_autoptr(GVariant) empty = media("", "");
    g_autoptr(GVariant) wrong = g_variant_ref_sink(g_variant_new_string("Debian 11.7.0 amd64 n"));

    assert_null(marina_os_catalog_identify_media(catalog, unknown));
    assert_null(marina_os_catalog_identify_media(catalog, empty));
    assert_null(marina_os_catalog_identify_media(catalog, wrong));
    assert_null(marina_os_catalog_identify_media(catalog, NULL));
}

static void
test_identify_tree_treeinfo(void **state)
{
    g_autoptr(GVariant) t = tree("https://mirror.example/fedora/releases/36/Server/x86_64/os/",
                                 "Fedora", "36", "x86_64", "Server", NULL);
    const MarinaOsInfo *info = marina_os_catalog_identify_tree(catalog, t);

    assert_non_null(info);
    assert_string_equal(info->short_id, "fedora36");
}

static void
test_identify_tree_debian_url(void **state)
{
    /* Debian trees have no .treeinfo: the mirror path says which release. */
    g_autoptr(GVariant) t =
        tree("http://ftp.de.debian.org/debian/dists/bullseye/main/installer-amd64/", NULL, NULL,
             "amd64", NULL, NULL);
    const MarinaOsInfo *info = marina_os_catalog_identify_tree(catalog, t);

    assert_non_null(info);
    assert_string_equal(info->short_id, "debian11");
}

static void
test_identify_tree_by_text(void **state)
{
    g_autoptr(GVariant) by_family = tree("http://10.0.0.1/tree/", "debian", "10", NULL, NULL, NULL);
    g_autoptr(GVariant) by_name = tree("http://10.0.0.1/tree/", NULL, NULL, NULL, NULL, "Debian 9");
    g_autoptr(GVariant) nothing = tree("http://10.0.0.1/tree/", "Nonesuch", "1", NULL, NULL, NULL);
    const MarinaOsInfo *a = marina_os_catalog_identify_tree(catalog, by_family);
    const MarinaOsInfo *b = marina_os_catalog_identify_tree(catalog, by_name);

    assert_non_null(a);
    assert_string_equal(a->short_id, "debian10");
    assert_non_null(b);
    assert_string_equal(b->short_id, "debian9");
    assert_null(marina_os_catalog_identify_tree(catalog, nothing));
}

/* A private database through $OSINFO_DB_PATH, with Debian 12 as upstream
 * osinfo-db describes it (debian-12.xml). */
static const char debian12_xml[] =
    "<libosinfo version='0.0.1'>\n"
    "  <os id='http://debian.org/debian/12'>\n"
    "    <short-id>debian12</short-id>\n"
    "    <short-id>debianbookworm</short-id>\n"
    "    <name>Debian 12</name>\n"
    "    <version>12</version>\n"
    "    <vendor>Debian Project</vendor>\n"
    "    <family>linux</family>\n"
    "    <distro>debian</distro>\n"
    "    <resources arch='all'>\n"
    "      <minimum><n-cpus>1</n-cpus><ram>1073741824</ram>"
    "<storage>10737418240</storage></minimum>\n"
    "      <recommended><n-cpus>2</n-cpus><ram>2147483648</ram>"
    "<storage>21474836480</storage></recommended>\n"
    "    </resources>\n"
    "    <media arch='x86_64'>\n"
    "      <iso><volume-id>Debian 12.\\d+.\\d+ amd64 n</volume-id></iso>\n"
    "    </media>\n"
    "  </os>\n"
    "</libosinfo>\n";

static void
load_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
    MarinaOsCatalog **out = user_data;
    g_autoptr(GError) error = NULL;

    *out = marina_os_catalog_load_finish(result, &error);
    assert_null(error);
}

static void
test_private_db_async_debian12(void **state)
{
    g_autofree char *dir = g_dir_make_tmp("marina-osinfo-XXXXXX", NULL);
    g_autofree char *os_dir = g_build_filename(dir, "os", "debian.org", NULL);
    g_autofree char *file = g_build_filename(os_dir, "debian-12.xml", NULL);
    g_autoptr(GVariant) m = media("Debian 12.5.0 amd64 n", "");
    g_autoptr(MarinaOsCatalog) own = NULL;
    const MarinaOsInfo *info;

    assert_int_equal(g_mkdir_with_parents(os_dir, 0700), 0);
    assert_true(g_file_set_contents(file, debian12_xml, -1, NULL));
    g_setenv("OSINFO_DB_PATH", dir, TRUE);
    marina_os_catalog_load_async(NULL, load_done, &own);
    while (own == NULL)
        g_main_context_iteration(NULL, TRUE);
    g_unsetenv("OSINFO_DB_PATH");

    assert_int_equal(marina_os_catalog_list(own)->len, 2); /* generic + debian12 */
    info = marina_os_catalog_identify_media(own, m);
    assert_non_null(info);
    assert_string_equal(info->short_id, "debian12");
    assert_int_equal(info->memory_mib, 2048);
    assert_int_equal(info->vcpus, 2);
    assert_int_equal(info->min_memory_mib, 1024);
    assert_ptr_equal(marina_os_catalog_lookup(own, "debianbookworm"), info);
    assert_ptr_equal(marina_os_catalog_peek_loaded(), own);

    g_unlink(file);
    g_rmdir(os_dir);
    g_autofree char *parent = g_path_get_dirname(os_dir);
    g_rmdir(parent);
    g_rmdir(dir);
}

static void
test_missing_db_is_generic_only(void **state)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaOsCatalog) empty = NULL;
    g_autoptr(GVariant) m = media("Debian 11.7.0 amd64 n", "");

    g_setenv("OSINFO_DB_PATH", "/nonexistent/osinfo", TRUE);
    empty = marina_os_catalog_load_sync(NULL, &error);
    g_unsetenv("OSINFO_DB_PATH");
    assert_non_null(empty);
    assert_int_equal(marina_os_catalog_list(empty)->len, 1);
    assert_non_null(marina_os_catalog_lookup(empty, "generic"));
    assert_null(marina_os_catalog_identify_media(empty, m));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generic_first_and_always_present),
        cmocka_unit_test(test_lookup_short_full_and_alias),
        cmocka_unit_test(test_memory_and_disk_defaults),
        cmocka_unit_test(test_old_os_is_eol_and_not_virtio),
        cmocka_unit_test(test_list_sorted_newest_first),
        cmocka_unit_test(test_search_fedora),
        cmocka_unit_test(test_identify_debian_netinst),
        cmocka_unit_test(test_identify_unknown_media),
        cmocka_unit_test(test_identify_tree_treeinfo),
        cmocka_unit_test(test_identify_tree_debian_url),
        cmocka_unit_test(test_identify_tree_by_text),
        cmocka_unit_test(test_private_db_async_debian12),
        cmocka_unit_test(test_missing_db_is_generic_only),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
