/* What storage reads from the programs it runs: qemu-img's JSON (well
 * formed, truncated or hostile), qemu-img's progress, the argv it is given,
 * LVM's reports and messages, mount(8)'s reason. Pure parsing, plus one real
 * qemu-img run on a file that is not there. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "core/error.h"
#include "lvm-command.h"
#include "qemu-img.h"
#include "storage-mount.h"

static const char *const qcow2_with_backing =
    "{\n"
    "    \"backing-filename-format\": \"qcow2\",\n"
    "    \"virtual-size\": 1048576,\n"
    "    \"filename\": \"/srv/top.qcow2\",\n"
    "    \"cluster-size\": 65536,\n"
    "    \"format\": \"qcow2\",\n"
    "    \"actual-size\": 200704,\n"
    "    \"format-specific\": {\"type\": \"qcow2\", \"data\": {\"compat\": \"1.1\"}},\n"
    "    \"full-backing-filename\": \"/srv/base.qcow2\",\n"
    "    \"backing-filename\": \"base.qcow2\",\n"
    "    \"dirty-flag\": false\n"
    "}\n";

static void
test_info_of_a_qcow2_with_backing_file(void **state)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaVolumeConfig) c =
        marina_qemu_img_parse_info(qcow2_with_backing, "top.qcow2", "/srv/top.qcow2", &error);

    assert_non_null(c);
    assert_string_equal(c->name, "top.qcow2");
    assert_string_equal(c->path, "/srv/top.qcow2");
    assert_string_equal(c->key, "/srv/top.qcow2");
    assert_string_equal(c->format, "qcow2");
    assert_true(c->capacity == 1048576);
    assert_true(c->allocation == 200704);
    /* The full name, not the one relative to the image. */
    assert_string_equal(c->backing_path, "/srv/base.qcow2");
    assert_string_equal(c->backing_format, "qcow2");
}

static void
test_info_of_a_raw_image(void **state)
{
    const char *json = "{\"virtual-size\": 4096, \"format\": \"raw\", \"backing-filename\": "
                       "\"only-relative\"}";
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaVolumeConfig) c = marina_qemu_img_parse_info(json, "r", "/srv/r", &error);

    assert_non_null(c);
    assert_string_equal(c->format, "raw");
    assert_true(c->capacity == 4096);
    assert_true(c->allocation == 0);
    assert_string_equal(c->backing_path, "only-relative");
    assert_null(c->backing_format);
}

static void
test_info_refuses_what_is_not_a_report(void **state)
{
    g_autofree char *truncated = g_strndup(qcow2_with_backing, 60);
    g_autofree char *deep = g_strnfill(100000, '[');
    const char *bad[] = {
        "",
        "{",
        "[]",
        "null",
        "42",
        "qemu-img: Could not open '/srv/x': No such file or directory",
        "{\"format\": \"raw\"}",
        "{\"virtual-size\": 1}",
        "{\"format\": 5, \"virtual-size\": 1}",
        "{\"format\": \"raw\", \"virtual-size\": -1}",
        "{\"format\": \"raw\", \"virtual-size\": \"1024\"}",
        "{\"format\": \"raw\", \"virtual-size\": 1.5}",
        "{\"format\": \"raw\", \"virtual-size\": 1e30}",
        "{\"format\": null, \"virtual-size\": 1}",
        "{\"format\": [\"raw\"], \"virtual-size\": {}}",
        truncated,
        deep,
    };

    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(MarinaVolumeConfig) c = marina_qemu_img_parse_info(bad[i], "v", "/srv/v", &error);

        assert_null(c);
        assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED));
        assert_non_null(strstr(error->message, "Volume 'v'"));
    }
}

static void
test_info_ignores_odd_optional_members(void **state)
{
    const char *json = "{\"format\": \"qcow2\", \"virtual-size\": 10, \"actual-size\": -5, "
                       "\"full-backing-filename\": 7, \"backing-filename-format\": {}}";
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaVolumeConfig) c = marina_qemu_img_parse_info(json, "v", "/srv/v", &error);

    assert_non_null(c);
    assert_true(c->allocation == 0);
    assert_null(c->backing_path);
    assert_null(c->backing_format);
}

typedef struct {
    gboolean done;
    GError *error;
} InfoResult;

static void
on_info(MarinaVolumeConfig *info, const GError *error, gpointer data)
{
    InfoResult *result = data;

    assert_null(info);
    result->done = TRUE;
    result->error = g_error_copy(error);
}

static void
test_info_of_a_missing_file_says_why(void **state)
{
    InfoResult result = {0};
    g_autoptr(GError) error = NULL;

    marina_qemu_img_info("gone", "/nonexistent/gone.img", "raw", on_info, &result);
    while (!result.done)
        g_main_context_iteration(NULL, TRUE);
    error = result.error;
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED));
    assert_non_null(strstr(error->message, "cannot read the image /nonexistent/gone.img"));
    assert_non_null(strstr(error->message, "No such file"));
}

static void
assert_argv(char **argv, const char *expected)
{
    g_autofree char *joined = g_strjoinv(" ", argv);

    assert_string_equal(joined, expected);
}

static void
test_create_argv(void **state)
{
    MarinaVolumeConfig c = {.format = "qcow2", .capacity = 1048576};
    g_auto(GStrv) sparse = marina_qemu_img_create_argv(&c, "/p/.v.part");
    g_auto(GStrv) full = NULL;
    g_auto(GStrv) partly = NULL;
    g_auto(GStrv) backed = NULL;

    assert_argv(sparse, "qemu-img create -f qcow2 /p/.v.part 1048576");
    assert_null(marina_qemu_img_preallocation(&c));
    c.has_allocation = TRUE;
    assert_null(marina_qemu_img_preallocation(&c));
    c.allocation = c.capacity;
    full = marina_qemu_img_create_argv(&c, "/p/.v.part");
    assert_argv(full, "qemu-img create -f qcow2 -o preallocation=full /p/.v.part 1048576");
    c.allocation = 4096;
    partly = marina_qemu_img_create_argv(&c, "/p/.v.part");
    assert_argv(partly, "qemu-img create -f qcow2 -o preallocation=falloc /p/.v.part 1048576");
    c.has_allocation = FALSE;
    c.backing_path = "/p/base.img";
    c.backing_format = "raw";
    backed = marina_qemu_img_create_argv(&c, "/p/.v.part");
    assert_argv(backed, "qemu-img create -f qcow2 -b /p/base.img -F raw /p/.v.part 1048576");
}

static void
test_progress_percent(void **state)
{
    double pct = -1;

    assert_true(marina_storage_command_parse_percent("    (0.00/100%)\r    (12.50/100%)\r", &pct));
    assert_true(pct == 12.5);
    assert_true(marina_storage_command_parse_percent("(100.00/100%)\r", &pct));
    assert_true(pct == 100);
    assert_false(marina_storage_command_parse_percent("", &pct));
    assert_false(marina_storage_command_parse_percent("no progress here", &pct));
    assert_false(marina_storage_command_parse_percent("/100%)", &pct));
    assert_false(marina_storage_command_parse_percent("(/100%)", &pct));
    assert_false(marina_storage_command_parse_percent("(abc/100%)", &pct));
    assert_false(marina_storage_command_parse_percent("(150.0/100%)", &pct));
    assert_false(marina_storage_command_parse_percent("(-3/100%)", &pct));
    assert_false(marina_storage_command_parse_percent("(nan/100%)", &pct));
    assert_true(pct == 100);
}

static void
test_last_line(void **state)
{
    assert_string_equal(marina_storage_command_last_line("a\nb\nreason"), "reason");
    assert_string_equal(marina_storage_command_last_line("only"), "only");
    assert_string_equal(marina_storage_command_last_line(""), "");
}

static void
test_mount_reason(void **state)
{
    g_autofree char *reason = marina_storage_mount_reason(
        "mount: /srv/x: wrong fs type, bad option, bad superblock on /dev/loop0.\n"
        "       dmesg(1) may have more information after failed mount system call.\n");
    g_autofree char *empty = marina_storage_mount_reason("");
    g_autofree char *blank = marina_storage_mount_reason("\n\n  \n");

    assert_string_equal(reason,
                        "mount: /srv/x: wrong fs type, bad option, bad superblock on /dev/loop0.");
    assert_string_equal(empty, "");
    assert_string_equal(blank, "");
}

/* ---------------------------------------------------------------------- */
/* LVM                                                                    */

static void
test_lvm_reason(void **state)
{
    g_autofree char *joined = marina_lvm_reason("  Volume group \"vg\" not found.\n"
                                                "  Cannot process volume group vg...\n\n");
    g_autofree char *none = marina_lvm_reason("\n  \n");
    g_autofree char *huge_input = g_strnfill(10000, 'x');
    g_autofree char *lines = g_strjoin("\n", huge_input, huge_input, huge_input, NULL);
    g_autofree char *capped = marina_lvm_reason(lines);

    assert_string_equal(joined, "Volume group \"vg\" not found. Cannot process volume group vg");
    assert_string_equal(none, "LVM gave no reason");
    /* Lines stop being added once the reason is long enough for a dialog. */
    assert_true(strlen(capped) == 10000);
}

static void
test_lvm_report_rows(void **state)
{
    const char *vgs = "  {\n  \"report\": [\n    {\n      \"vg\": [\n"
                      "        {\"vg_name\":\"vg0\", \"vg_size\":\"4194304\", \"vg_free\":\"0\"},\n"
                      "        {\"vg_name\":\"vg1\", \"vg_size\":\"12B\", \"vg_free\":\"-1\"},\n"
                      "        \"junk\"\n"
                      "      ]\n    }\n  ]\n  }\n";
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autofree char *why = NULL;
    JsonArray *rows = marina_lvm_answer_rows(parser, TRUE, vgs, "", "vg", &why);
    guint64 size = 0;

    assert_non_null(rows);
    assert_null(why);
    assert_int_equal(json_array_get_length(rows), 3);
    assert_string_equal(marina_storage_command_json_string(marina_lvm_row(rows, 0), "vg_name"),
                        "vg0");
    assert_true(marina_lvm_size(marina_lvm_row(rows, 0), "vg_size", &size));
    assert_true(size == 4194304);
    assert_false(marina_lvm_size(marina_lvm_row(rows, 1), "vg_size", &size));
    assert_false(marina_lvm_size(marina_lvm_row(rows, 1), "vg_free", &size));
    assert_false(marina_lvm_size(marina_lvm_row(rows, 0), "lv_size", &size));
    assert_null(marina_lvm_row(rows, 2));
}

static void
test_lvm_reports_that_are_not(void **state)
{
    const char *bad[] = {
        "",
        "{",
        "[]",
        "{\"report\": {}}",
        "{\"report\": []}",
        "{\"report\": [42]}",
        "{\"report\": [{\"lv\": []}]}",
        "{\"report\": [{\"vg\": {}}]}",
    };

    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(JsonParser) parser = json_parser_new();
        g_autofree char *why = NULL;

        assert_null(marina_lvm_answer_rows(parser, TRUE, bad[i], "", "vg", &why));
        assert_string_equal(why, "vgs gave an unreadable answer");
    }
    {
        g_autoptr(JsonParser) parser = json_parser_new();
        g_autofree char *why = NULL;

        assert_null(marina_lvm_answer_rows(parser, FALSE, "{\"report\": [{\"lv\": []}]}",
                                           "  Volume group \"x\" not found\n", "lv", &why));
        assert_string_equal(why, "Volume group \"x\" not found");
    }
    {
        g_autoptr(JsonParser) parser = json_parser_new();
        g_autofree char *why = NULL;

        assert_null(marina_lvm_answer_rows(parser, TRUE, "{}", "", "lv", &why));
        assert_string_equal(why, "lvs gave an unreadable answer");
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_info_of_a_qcow2_with_backing_file),
        cmocka_unit_test(test_info_of_a_raw_image),
        cmocka_unit_test(test_info_refuses_what_is_not_a_report),
        cmocka_unit_test(test_info_ignores_odd_optional_members),
        cmocka_unit_test(test_info_of_a_missing_file_says_why),
        cmocka_unit_test(test_create_argv),
        cmocka_unit_test(test_progress_percent),
        cmocka_unit_test(test_last_line),
        cmocka_unit_test(test_mount_reason),
        cmocka_unit_test(test_lvm_reason),
        cmocka_unit_test(test_lvm_report_rows),
        cmocka_unit_test(test_lvm_reports_that_are_not),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
