#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "error.h"
#include "pool-config.h"
#include "volume-config.h"

static void
test_dir_pool_round_trip(void **state)
{
    const char *xml = "<pool type='dir'><name>images</name>"
                      "<uuid>4b5d2c3e-6a7b-4c8d-9e0f-112233445566</uuid>"
                      "<capacity unit='G'>10</capacity><allocation unit='M'>5</allocation>"
                      "<available>42</available><target><path>/srv/images</path></target></pool>";
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaPoolConfig) c = marina_pool_config_parse(xml, -1, &error);
    g_autoptr(MarinaPoolConfig) again = NULL;
    g_autofree char *out = NULL;

    assert_non_null(c);
    assert_string_equal(c->type, "dir");
    assert_string_equal(c->name, "images");
    assert_true(c->capacity == 10ULL << 30);
    assert_true(c->allocation == 5ULL << 20);
    assert_true(c->available == 42);
    assert_string_equal(c->target_path, "/srv/images");
    out = marina_pool_config_format(c);
    again = marina_pool_config_parse(out, -1, &error);
    assert_non_null(again);
    assert_string_equal(again->uuid, c->uuid);
    assert_true(again->capacity == c->capacity);
}

static void
test_source_elements(void **state)
{
    const char *fs = "<pool type='fs'><name>a</name><source><device path='/dev/loop0'/>"
                     "<format type='ext4'/></source><target><path>/mnt/a</path></target></pool>";
    const char *lvm = "<pool type='logical'><name>vg</name><source><name>vg0</name>"
                      "<device path='/dev/loop1'/></source></pool>";
    const char *nfs = "<pool type='netfs'><name>n</name><source><host name='nas'/>"
                      "<dir path='/export'/><format type='nfs'/></source>"
                      "<target><path>/mnt/n</path></target></pool>";
    g_autoptr(MarinaPoolConfig) a = marina_pool_config_parse(fs, -1, NULL);
    g_autoptr(MarinaPoolConfig) b = marina_pool_config_parse(lvm, -1, NULL);
    g_autoptr(MarinaPoolConfig) c = marina_pool_config_parse(nfs, -1, NULL);

    assert_non_null(a);
    assert_string_equal(a->source_device, "/dev/loop0");
    assert_string_equal(a->source_format, "ext4");
    assert_non_null(b);
    assert_string_equal(b->source_name, "vg0");
    assert_non_null(c);
    assert_string_equal(c->source_host, "nas");
    assert_string_equal(c->source_dir, "/export");
}

static void expect_pool_error(const char *xml, const char *fragment);

static void
test_logical_pool_defaults_and_devices(void **state)
{
    const char *xml = "<pool type='logical'><name>vg1</name><source>"
                      "<device path='/dev/loop1'/><device path='/dev/loop2'/>"
                      "<format type='lvm2'/></source></pool>";
    g_autoptr(MarinaPoolConfig) c = marina_pool_config_parse(xml, -1, NULL);
    g_autoptr(MarinaPoolConfig) again = NULL;
    g_autofree char *out = NULL;

    assert_non_null(c);
    /* As libvirt: the volume group is the pool's name, the target /dev/<vg>. */
    assert_string_equal(c->source_name, "vg1");
    assert_string_equal(c->target_path, "/dev/vg1");
    assert_string_equal(c->source_device, "/dev/loop1");
    assert_int_equal(g_strv_length(c->source_devices), 2);
    assert_string_equal(c->source_devices[1], "/dev/loop2");
    out = marina_pool_config_format(c);
    again = marina_pool_config_parse(out, -1, NULL);
    assert_non_null(again);
    assert_int_equal(g_strv_length(again->source_devices), 2);
    assert_string_equal(again->source_name, "vg1");

    expect_pool_error("<pool type='logical'><name>p</name><source><name>vg</name></source>"
                      "<target><path>/srv/vg</path></target></pool>",
                      "must be /dev/vg");
    expect_pool_error("<pool type='logical'><name>p</name><source><name>-vg</name></source>"
                      "</pool>",
                      "must not start with");
    expect_pool_error("<pool type='logical'><name>p</name><source><name>a/b</name></source>"
                      "</pool>",
                      "not allowed");
    expect_pool_error("<pool type='logical'><name>p</name><source><device path='loop0'/>"
                      "</source></pool>",
                      "must be absolute");
    expect_pool_error("<pool type='logical'><name>p</name><source><device/></source></pool>",
                      "has no path");
    expect_pool_error("<pool type='logical'><name>p</name><source><format type='ext4'/>"
                      "</source></pool>",
                      "lvm2");
}

static void
expect_pool_error(const char *xml, const char *fragment)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaPoolConfig) c = marina_pool_config_parse(xml, -1, &error);

    assert_null(c);
    assert_non_null(error);
    if (strstr(error->message, fragment) == NULL)
        fail_msg("'%s' not in '%s'", fragment, error->message);
}

static void
test_pool_rejects_bad_input(void **state)
{
    expect_pool_error("<!DOCTYPE pool [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>"
                      "<pool type='dir'><name>&x;</name></pool>",
                      "");
    expect_pool_error("<pool type='dir'><name>a</name><target><path>images</path></target></pool>",
                      "<target><path>");
    expect_pool_error("<pool type='dir'><name>a/b</name><target><path>/x</path></target></pool>",
                      "a/b");
    expect_pool_error("<pool type='zfs'><name>a</name></pool>", "zfs");
    expect_pool_error("<pool type='dir'><name>a</name><capacity unit='X'>1</capacity>"
                      "<target><path>/x</path></target></pool>",
                      "<capacity>");
    expect_pool_error("<pool type='dir'><name>a</name><capacity>-1</capacity>"
                      "<target><path>/x</path></target></pool>",
                      "<capacity>");
    expect_pool_error("<pool type='fs'><name>a</name><target><path>/x</path></target></pool>",
                      "<device");
    expect_pool_error("<domain/>", "<pool>");
    expect_pool_error("<pool type='dir'", "");
}

static void
test_volume_round_trip(void **state)
{
    const char *xml = "<volume><name>disk.qcow2</name><capacity unit='G'>1</capacity>"
                      "<allocation>0</allocation><target><format type='qcow2'/></target>"
                      "<backingStore><path>/srv/base.qcow2</path><format type='qcow2'/>"
                      "</backingStore></volume>";
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaVolumeConfig) c = marina_volume_config_parse(xml, -1, &error);
    g_autoptr(MarinaVolumeConfig) again = NULL;
    g_autofree char *out = NULL;

    assert_non_null(c);
    assert_string_equal(c->name, "disk.qcow2");
    assert_true(c->capacity == 1ULL << 30);
    assert_true(c->has_allocation);
    assert_string_equal(c->format, "qcow2");
    assert_string_equal(c->backing_path, "/srv/base.qcow2");
    out = marina_volume_config_format(c);
    again = marina_volume_config_parse(out, -1, &error);
    assert_non_null(again);
    assert_true(again->capacity == c->capacity);
    assert_string_equal(again->backing_path, c->backing_path);
}

static void
expect_volume_error(const char *xml, const char *fragment)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaVolumeConfig) c = marina_volume_config_parse(xml, -1, &error);

    assert_null(c);
    assert_non_null(error);
    if (strstr(error->message, fragment) == NULL)
        fail_msg("'%s' not in '%s'", fragment, error->message);
}

static void
test_volume_rejects_bad_input(void **state)
{
    expect_volume_error("<volume><name>../x</name><capacity>1</capacity></volume>", "../x");
    expect_volume_error("<volume><name>a/b</name><capacity>1</capacity></volume>", "a/b");
    expect_volume_error("<volume><name>a</name><capacity>0</capacity></volume>", "<capacity>");
    expect_volume_error("<volume><name>a</name><capacity unit='P'>4</capacity></volume>", "1 PiB");
    expect_volume_error("<volume><name>a</name><capacity>99999999999999999999999</capacity>"
                        "</volume>",
                        "<capacity>");
    expect_volume_error("<volume><name>a</name><capacity>1</capacity><target>"
                        "<format type='vmdk'/></target></volume>",
                        "vmdk");
    expect_volume_error("<volume><name>a</name><capacity>1</capacity><backingStore>"
                        "<path>base</path></backingStore></volume>",
                        "<backingStore>");
}

static void
test_parse_size(void **state)
{
    guint64 n = 0;

    assert_true(marina_parse_size("10G", &n, NULL) && n == 10ULL << 30);
    assert_true(marina_parse_size("512M", &n, NULL) && n == 512ULL << 20);
    assert_true(marina_parse_size("1T", &n, NULL) && n == 1ULL << 40);
    assert_true(marina_parse_size("4096", &n, NULL) && n == 4096);
    assert_true(marina_parse_size("1.5G", &n, NULL) && n == 3ULL << 29);
    assert_false(marina_parse_size("-1G", &n, NULL));
    assert_false(marina_parse_size("10X", &n, NULL));
    assert_false(marina_parse_size("", &n, NULL));
    assert_false(marina_parse_size("99999999999T", &n, NULL));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dir_pool_round_trip),
        cmocka_unit_test(test_source_elements),
        cmocka_unit_test(test_logical_pool_defaults_and_devices),
        cmocka_unit_test(test_pool_rejects_bad_input),
        cmocka_unit_test(test_volume_round_trip),
        cmocka_unit_test(test_volume_rejects_bad_input),
        cmocka_unit_test(test_parse_size),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
