/* ISO 9660 volume descriptors: crafted images, good and hostile, parsed from
 * buffers and read from files (regular, truncated, directory, FIFO, device). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <glib/gstdio.h>

#include "error.h"
#include "iso-inspect.h"

#define SECTOR MARINA_ISO_SECTOR_SIZE

/* ---- crafting descriptors ------------------------------------------------ */

static guint8 *
vd_at(guint8 *area, guint index, guint8 type)
{
    guint8 *vd = area + (gsize)index * SECTOR;

    vd[0] = type;
    memcpy(vd + 1, "CD001", 5);
    vd[6] = 1;
    return vd;
}

/* A blank-padded identifier field, as mastering tools write it. */
static void
put_id(guint8 *field, gsize len, const char *value)
{
    memset(field, ' ', len);
    memcpy(field, value, MIN(strlen(value), len));
}

static void
put_both32(guint8 *p, guint32 v)
{
    for (int i = 0; i < 4; i++) {
        p[i] = (guint8)(v >> (8 * i));
        p[7 - i] = (guint8)(v >> (8 * i));
    }
}

static void
put_both16(guint8 *p, guint16 v)
{
    p[0] = (guint8)v;
    p[1] = (guint8)(v >> 8);
    p[2] = (guint8)(v >> 8);
    p[3] = (guint8)v;
}

static guint8 *
primary_at(guint8 *area, guint index, const char *volume_id, guint32 blocks)
{
    guint8 *vd = vd_at(area, index, 1);

    put_id(vd + 8, 32, "LINUX");
    put_id(vd + 40, 32, volume_id);
    put_id(vd + 318, 128, "DEBIAN");
    put_id(vd + 574, 128, "MARINA TEST");
    put_both32(vd + 80, blocks);
    put_both16(vd + 128, SECTOR);
    return vd;
}

static void
boot_record_at(guint8 *area, guint index, const char *system)
{
    guint8 *vd = vd_at(area, index, 0);

    memcpy(vd + 7, system, strlen(system)); /* NUL padded */
}

static MarinaIsoInfo *
parse_ok(const guint8 *area, gsize len)
{
    g_autoptr(GError) error = NULL;
    MarinaIsoInfo *info = marina_iso_parse_descriptors(area, len, "/img.iso", &error);

    if (info == NULL)
        fail_msg("not parsed: %s", error->message);
    return info;
}

static void
assert_not_iso(const guint8 *area, gsize len)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaIsoInfo) info = marina_iso_parse_descriptors(area, len, "/img.iso", &error);

    if (info != NULL)
        fail_msg("parsed (volume id '%s') but should have been refused", info->volume_id);
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT));
    assert_non_null(strstr(error->message, "/img.iso is not an ISO 9660 CD/DVD image"));
}

/* ---- the parser -------------------------------------------------------- */

static void
test_primary_descriptor_gives_the_ids(void **state)
{
    g_autofree guint8 *area = g_malloc0(3 * SECTOR);
    g_autoptr(MarinaIsoInfo) info = NULL;

    primary_at(area, 0, "Debian 12.5.0 amd64 n", 1000);
    vd_at(area, 1, 255);
    info = parse_ok(area, 3 * SECTOR);
    assert_string_equal(info->volume_id, "Debian 12.5.0 amd64 n");
    assert_string_equal(info->system_id, "LINUX");
    assert_string_equal(info->publisher_id, "DEBIAN");
    assert_string_equal(info->application_id, "MARINA TEST");
    assert_false(info->bootable);
    assert_int_equal(info->volume_size, 1000 * SECTOR);
    assert_int_equal(info->size, 0);
}

static void
test_el_torito_boot_record_makes_it_bootable(void **state)
{
    g_autofree guint8 *area = g_malloc0(3 * SECTOR);
    g_autoptr(MarinaIsoInfo) info = NULL;

    primary_at(area, 0, "LIVE", 10);
    boot_record_at(area, 1, "EL TORITO SPECIFICATION");
    vd_at(area, 2, 255);
    info = parse_ok(area, 3 * SECTOR);
    assert_true(info->bootable);

    /* The boot record may also come first. */
    memset(area, 0, 3 * SECTOR);
    boot_record_at(area, 0, "EL TORITO SPECIFICATION");
    primary_at(area, 1, "LIVE", 10);
    vd_at(area, 2, 255);
    g_clear_pointer(&info, marina_iso_info_free);
    info = parse_ok(area, 3 * SECTOR);
    assert_true(info->bootable);
    assert_string_equal(info->volume_id, "LIVE");
}

static void
test_other_boot_systems_are_not_el_torito(void **state)
{
    g_autofree guint8 *area = g_malloc0(3 * SECTOR);
    g_autoptr(MarinaIsoInfo) info = NULL;

    primary_at(area, 0, "X", 10);
    boot_record_at(area, 1, "EL TORITO SPEC");
    vd_at(area, 2, 255);
    info = parse_ok(area, 3 * SECTOR);
    assert_false(info->bootable);
}

static void
test_without_cd001_it_is_not_an_iso(void **state)
{
    g_autofree guint8 *area = g_malloc0(4 * SECTOR);
    guint8 *vd = primary_at(area, 0, "X", 10);

    memcpy(vd + 1, "CD002", 5);
    assert_not_iso(area, 4 * SECTOR);
    memset(area, 0, 4 * SECTOR);
    assert_not_iso(area, 4 * SECTOR);
    /* A UDF-only image: "BEA01" where ISO 9660 has "CD001". */
    memcpy(area + 1, "BEA01", 5);
    assert_not_iso(area, 4 * SECTOR);
}

static void
test_truncated_buffers_are_refused(void **state)
{
    g_autofree guint8 *area = g_malloc0(2 * SECTOR);

    assert_not_iso(NULL, 0);
    assert_not_iso(area, 0);
    primary_at(area, 0, "X", 10);
    /* One byte short of a whole descriptor. */
    assert_not_iso(area, SECTOR - 1);
    assert_not_iso(area, 6);
    /* The primary descriptor only in the sector that is cut off. */
    memset(area, 0, 2 * SECTOR);
    boot_record_at(area, 0, "EL TORITO SPECIFICATION");
    primary_at(area, 1, "X", 10);
    assert_not_iso(area, 2 * SECTOR - 100);
}

static void
test_garbage_is_refused_without_crashing(void **state)
{
    g_autoptr(GRand) rand = g_rand_new_with_seed(4711);
    gsize len = (MARINA_ISO_MAX_DESCRIPTORS + 4) * SECTOR;
    g_autofree guint8 *area = g_malloc(len);

    for (int round = 0; round < 200; round++) {
        g_autoptr(MarinaIsoInfo) info = NULL;
        gsize cut = (gsize)g_rand_int_range(rand, 0, (gint32)len);

        for (gsize i = 0; i < len; i++)
            area[i] = (guint8)g_rand_int(rand);
        /* Half the rounds: valid magic everywhere, random types and fields. */
        if (round % 2 == 0) {
            for (gsize s = 0; s + SECTOR <= len; s += SECTOR) {
                memcpy(area + s + 1, "CD001", 5);
                area[s] = (guint8)g_rand_int_range(rand, 0, 4);
            }
        }
        info = marina_iso_parse_descriptors(area, cut, "/img.iso", NULL);
        if (info != NULL) {
            /* Whatever was read is printable ASCII of bounded length. */
            const char *ids[] = {info->volume_id, info->system_id, info->publisher_id,
                                 info->application_id};
            for (guint i = 0; i < G_N_ELEMENTS(ids); i++) {
                assert_true(strlen(ids[i]) <= 128);
                for (const char *p = ids[i]; *p; p++)
                    assert_true(*p >= 0x20 && *p < 0x7f);
            }
        }
    }
}

static void
test_odd_bytes_in_ids_are_replaced(void **state)
{
    g_autofree guint8 *area = g_malloc0(2 * SECTOR);
    g_autoptr(MarinaIsoInfo) info = NULL;
    guint8 *vd = primary_at(area, 0, "", 10);

    /* Control characters, an escape sequence, Latin-1 and a NUL inside;
     * NUL padding instead of blanks at the end. */
    memcpy(vd + 40,
           "A\tB\033[31mC\xe9"
           "D\0E",
           13);
    memset(vd + 53, 0, 19);
    /* All blanks: absent. */
    put_id(vd + 8, 32, "");
    /* Leading blanks stay, trailing ones go. */
    put_id(vd + 318, 128, "  ACME   corp");
    memset(vd + 574, 0xff, 128);
    vd_at(area, 1, 255);
    info = parse_ok(area, 2 * SECTOR);
    assert_string_equal(info->volume_id, "A?B?[31mC?D?E");
    assert_true(g_utf8_validate(info->volume_id, -1, NULL));
    assert_string_equal(info->system_id, "");
    assert_string_equal(info->publisher_id, "  ACME   corp");
    assert_int_equal(strlen(info->application_id), 128);
    assert_int_equal(strspn(info->application_id, "?"), 128);
}

static void
test_descriptors_after_the_terminator_are_ignored(void **state)
{
    g_autofree guint8 *area = g_malloc0(3 * SECTOR);

    vd_at(area, 0, 255);
    primary_at(area, 1, "HIDDEN", 10);
    assert_not_iso(area, 3 * SECTOR);
}

static void
test_only_so_many_descriptors_are_read(void **state)
{
    guint n = MARINA_ISO_MAX_DESCRIPTORS + 8;
    g_autofree guint8 *area = g_malloc0((gsize)n * SECTOR);
    g_autoptr(MarinaIsoInfo) info = NULL;

    /* A primary descriptor hiding behind a long run of supplementary ones. */
    for (guint i = 0; i < n - 1; i++)
        vd_at(area, i, 2);
    primary_at(area, n - 1, "FAR", 10);
    assert_not_iso(area, (gsize)n * SECTOR);

    /* The last one still looked at counts; no terminator is needed. */
    primary_at(area, MARINA_ISO_MAX_DESCRIPTORS - 1, "NEAR", 10);
    info = parse_ok(area, (gsize)n * SECTOR);
    assert_string_equal(info->volume_id, "NEAR");
}

static void
test_the_first_primary_descriptor_wins(void **state)
{
    g_autofree guint8 *area = g_malloc0(3 * SECTOR);
    g_autoptr(MarinaIsoInfo) info = NULL;

    primary_at(area, 0, "FIRST", 10);
    primary_at(area, 1, "SECOND", 10);
    vd_at(area, 2, 255);
    info = parse_ok(area, 3 * SECTOR);
    assert_string_equal(info->volume_id, "FIRST");
}

static void
test_inconsistent_sizes_are_not_trusted(void **state)
{
    g_autofree guint8 *area = g_malloc0(2 * SECTOR);
    g_autoptr(MarinaIsoInfo) info = NULL;
    guint8 *vd = primary_at(area, 0, "X", 1000);

    vd[87] ^= 1; /* big-endian half disagrees */
    info = parse_ok(area, 2 * SECTOR);
    assert_int_equal(info->volume_size, 0);

    put_both32(vd + 80, 1000);
    put_both16(vd + 128, 4096); /* not a block size ISO 9660 allows */
    g_clear_pointer(&info, marina_iso_info_free);
    info = parse_ok(area, 2 * SECTOR);
    assert_int_equal(info->volume_size, 0);

    put_both16(vd + 128, 512);
    g_clear_pointer(&info, marina_iso_info_free);
    info = parse_ok(area, 2 * SECTOR);
    assert_int_equal(info->volume_size, 1000 * 512);
}

static void
test_variant_has_every_key(void **state)
{
    g_autofree guint8 *area = g_malloc0(2 * SECTOR);
    g_autoptr(MarinaIsoInfo) info = NULL;
    g_autoptr(GVariant) v = NULL;
    const char *s;
    guint64 size;
    gboolean bootable;

    primary_at(area, 0, "VOL", 10);
    info = parse_ok(area, 2 * SECTOR);
    info->size = 12345;
    v = g_variant_ref_sink(marina_iso_info_to_variant(info, "/x.iso"));
    assert_true(g_variant_is_of_type(v, G_VARIANT_TYPE("a{sv}")));
    assert_true(g_variant_lookup(v, "path", "&s", &s));
    assert_string_equal(s, "/x.iso");
    assert_true(g_variant_lookup(v, "size", "t", &size));
    assert_int_equal(size, 12345);
    assert_true(g_variant_lookup(v, "bootable", "b", &bootable));
    assert_false(bootable);
    assert_true(g_variant_lookup(v, "volume-id", "&s", &s));
    assert_string_equal(s, "VOL");
    assert_true(g_variant_lookup(v, "system-id", "&s", &s));
    assert_string_equal(s, "LINUX");
    assert_true(g_variant_lookup(v, "publisher-id", "&s", &s));
    assert_string_equal(s, "DEBIAN");
    assert_true(g_variant_lookup(v, "application-id", "&s", &s));
    assert_string_equal(s, "MARINA TEST");
}

/* ---- reading files ------------------------------------------------------ */

typedef struct {
    char *dir;
} Files;

static int
files_setup(void **state)
{
    Files *f = g_new0(Files, 1);

    f->dir = g_dir_make_tmp("iso-inspect-XXXXXX", NULL);
    assert_non_null(f->dir);
    *state = f;
    return 0;
}

static int
files_teardown(void **state)
{
    Files *f = *state;
    g_autoptr(GDir) d = g_dir_open(f->dir, 0, NULL);
    const char *name;

    while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
        g_autofree char *p = g_build_filename(f->dir, name, NULL);
        if (g_remove(p) != 0)
            g_rmdir(p);
    }
    g_rmdir(f->dir);
    g_free(f->dir);
    g_free(f);
    return 0;
}

/* An image of @total bytes whose descriptors say it has @blocks sectors. */
static char *
write_image(Files *f, const char *name, gsize total, guint32 blocks)
{
    g_autofree guint8 *img = g_malloc0(MAX(total, MARINA_ISO_DESCRIPTORS_OFFSET + 3 * SECTOR));
    char *path = g_build_filename(f->dir, name, NULL);
    guint8 *area = img + MARINA_ISO_DESCRIPTORS_OFFSET;

    primary_at(area, 0, "FILE_TEST", blocks);
    boot_record_at(area, 1, "EL TORITO SPECIFICATION");
    vd_at(area, 2, 255);
    assert_true(g_file_set_contents(path, (char *)img, (gssize)total, NULL));
    return path;
}

static void
assert_path_refused(const char *path, const char *needle)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaIsoInfo) info = marina_iso_inspect_path(path, &error);

    assert_null(info);
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT));
    if (strstr(error->message, path) == NULL || strstr(error->message, needle) == NULL)
        fail_msg("error for %s is \"%s\", expected the path and \"%s\"", path, error->message,
                 needle);
}

static void
test_file_is_read(void **state)
{
    Files *f = *state;
    gsize total = MARINA_ISO_DESCRIPTORS_OFFSET + 20 * SECTOR;
    g_autofree char *path = write_image(f, "good.iso", total, 20 + 16);
    g_autofree char *link = g_build_filename(f->dir, "link.iso", NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaIsoInfo) info = marina_iso_inspect_path(path, &error);

    assert_non_null(info);
    assert_string_equal(info->volume_id, "FILE_TEST");
    assert_true(info->bootable);
    assert_int_equal(info->size, total);

    /* Through a symbolic link too. */
    assert_int_equal(symlink(path, link), 0);
    g_clear_pointer(&info, marina_iso_info_free);
    info = marina_iso_inspect_path(link, &error);
    assert_non_null(info);
    assert_string_equal(info->volume_id, "FILE_TEST");
}

static void
test_incomplete_download_is_refused(void **state)
{
    Files *f = *state;
    /* Descriptors intact, but the image claims 1000 sectors. */
    g_autofree char *path =
        write_image(f, "partial.iso", MARINA_ISO_DESCRIPTORS_OFFSET + 20 * SECTOR, 1000);

    assert_path_refused(path, "is incomplete");
}

static void
test_short_files_are_not_isos(void **state)
{
    Files *f = *state;
    g_autofree char *empty = g_build_filename(f->dir, "empty.iso", NULL);
    g_autofree char *text = g_build_filename(f->dir, "notes.txt", NULL);
    /* Cut in the middle of the primary descriptor. */
    g_autofree char *cut =
        write_image(f, "cut.iso", MARINA_ISO_DESCRIPTORS_OFFSET + SECTOR / 2, 100);

    assert_true(g_file_set_contents(empty, "", 0, NULL));
    assert_true(g_file_set_contents(text, "hello\n", -1, NULL));
    assert_path_refused(empty, "is not an ISO 9660 CD/DVD image");
    assert_path_refused(text, "is not an ISO 9660 CD/DVD image");
    assert_path_refused(cut, "is not an ISO 9660 CD/DVD image");
}

static void
test_missing_file(void **state)
{
    Files *f = *state;
    g_autofree char *path = g_build_filename(f->dir, "nothing-here.iso", NULL);
    g_autofree char *under_file = NULL;
    g_autofree char *text = g_build_filename(f->dir, "plain", NULL);

    assert_path_refused(path, "does not exist");
    /* A path that goes through a regular file (ENOTDIR). */
    assert_true(g_file_set_contents(text, "x", -1, NULL));
    under_file = g_build_filename(text, "x.iso", NULL);
    assert_path_refused(under_file, "does not exist");
}

static void
test_directory_is_refused(void **state)
{
    Files *f = *state;

    assert_path_refused(f->dir, "is a directory");
}

static void
test_fifo_and_devices_never_block(void **state)
{
    Files *f = *state;
    g_autofree char *fifo = g_build_filename(f->dir, "pipe.iso", NULL);
    gint64 start;

    /* Nobody writes to this FIFO: opening it for reading in blocking mode
     * would hang forever. */
    assert_int_equal(mkfifo(fifo, 0600), 0);
    start = g_get_monotonic_time();
    assert_path_refused(fifo, "neither a file nor a block device");
    assert_true(g_get_monotonic_time() - start < G_USEC_PER_SEC);
    /* Endless character devices. */
    assert_path_refused("/dev/zero", "neither a file nor a block device");
    assert_path_refused("/dev/null", "neither a file nor a block device");
}

int
main(void)
{
    const struct CMUnitTest parser[] = {
        cmocka_unit_test(test_primary_descriptor_gives_the_ids),
        cmocka_unit_test(test_el_torito_boot_record_makes_it_bootable),
        cmocka_unit_test(test_other_boot_systems_are_not_el_torito),
        cmocka_unit_test(test_without_cd001_it_is_not_an_iso),
        cmocka_unit_test(test_truncated_buffers_are_refused),
        cmocka_unit_test(test_garbage_is_refused_without_crashing),
        cmocka_unit_test(test_odd_bytes_in_ids_are_replaced),
        cmocka_unit_test(test_descriptors_after_the_terminator_are_ignored),
        cmocka_unit_test(test_only_so_many_descriptors_are_read),
        cmocka_unit_test(test_the_first_primary_descriptor_wins),
        cmocka_unit_test(test_inconsistent_sizes_are_not_trusted),
        cmocka_unit_test(test_variant_has_every_key),
    };
    const struct CMUnitTest files[] = {
        cmocka_unit_test(test_file_is_read),
        cmocka_unit_test(test_incomplete_download_is_refused),
        cmocka_unit_test(test_short_files_are_not_isos),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_directory_is_refused),
        cmocka_unit_test(test_fifo_and_devices_never_block),
    };
    int failed = cmocka_run_group_tests_name("parser", parser, NULL, NULL);

    failed += cmocka_run_group_tests_name("files", files, files_setup, files_teardown);
    return failed;
}
