/* What marinactl's tuning commands read (sizes with virsh's units, vCPU numbers, --live /
 * --config / --current) and print (vcpupin's table, vcpuinfo's blocks, domifaddr's table),
 * and the records the client API makes of the daemon's replies. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "domain-affect.h"
#include "error.h"
#include "records.h"
#include "tuning-text.h"

static void
test_sizes(void **state)
{
    static const struct {
        const char *text;
        guint64 kib;
    } good[] = {
        {"524288", 524288},
        {"1", 1},
        {"512M", 524288},
        {"512m", 524288},
        {"512MiB", 524288},
        {"2G", 2097152},
        {"2gib", 2097152},
        {"1T", 1073741824ULL},
        {"1024k", 1024},
        {"1024KiB", 1024},
        {"1000KB", 977}, /* 1 000 000 bytes, rounded up to whole KiB */
        {"1MB", 977},
        {"1GB", 976563},
        {"1b", 1}, /* bytes round up */
        {"1024b", 1},
        {"1025bytes", 2},
        {"1P", 1099511627776ULL},
    };
    const char *const bad[] = {"",
                               "0",
                               "0M",
                               "-1",
                               "+5",
                               " 5",
                               "5 ",
                               "1.5G",
                               "5X",
                               "G",
                               "5GiBs",
                               "0x10",
                               "1e3",
                               "5 G",
                               "99999999999999999999",
                               "18014398509481984k",
                               "20000E"};
    guint64 kib;

    for (gsize i = 0; i < G_N_ELEMENTS(good); i++) {
        g_autoptr(GError) error = NULL;

        assert_true(cli_tuning_parse_size(good[i].text, &kib, &error));
        assert_null(error);
        if (kib != good[i].kib)
            fail_msg("%s: %llu KiB, not %llu", good[i].text, (unsigned long long)kib,
                     (unsigned long long)good[i].kib);
    }
    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) error = NULL;

        kib = 7;
        if (cli_tuning_parse_size(bad[i], &kib, &error))
            fail_msg("'%s' was accepted (%llu KiB)", bad[i], (unsigned long long)kib);
        assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT));
        assert_non_null(strstr(error->message, bad[i]));
        assert_int_equal(kib, 7);
    }
}

static void
test_numbers(void **state)
{
    const char *const bad[] = {
        "", "-1", "+1", "1.0", "0x1", " 1", "4097", "a", "99999999999999999999"};
    guint n = 0;

    assert_true(cli_tuning_parse_number("0", 4096, "vCPU number", &n, NULL));
    assert_int_equal(n, 0);
    assert_true(cli_tuning_parse_number("4096", 4096, "vCPU number", &n, NULL));
    assert_int_equal(n, 4096);
    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) error = NULL;

        assert_false(cli_tuning_parse_number(bad[i], 4096, "vCPU number", &n, &error));
        assert_non_null(strstr(error->message, "vCPU number"));
    }
}

static void
test_affect(void **state)
{
    g_autoptr(GError) error = NULL;
    guint flags = 99;

    assert_true(cli_tuning_affect_flags(FALSE, FALSE, FALSE, &flags, NULL));
    assert_int_equal(flags, MARINA_DOMAIN_AFFECT_CURRENT);
    assert_true(cli_tuning_affect_flags(FALSE, FALSE, TRUE, &flags, NULL));
    assert_int_equal(flags, MARINA_DOMAIN_AFFECT_CURRENT);
    assert_true(cli_tuning_affect_flags(TRUE, FALSE, FALSE, &flags, NULL));
    assert_int_equal(flags, MARINA_DOMAIN_AFFECT_LIVE);
    assert_true(cli_tuning_affect_flags(TRUE, TRUE, FALSE, &flags, NULL));
    assert_int_equal(flags, MARINA_DOMAIN_AFFECT_LIVE | MARINA_DOMAIN_AFFECT_CONFIG);
    assert_false(cli_tuning_affect_flags(FALSE, TRUE, TRUE, &flags, &error));
    assert_non_null(strstr(error->message, "--current"));
}

/* What the daemon sends for two vCPUs of a running guest and one offline. */
static GPtrArray *
sample_vcpus(void)
{
    GVariantBuilder b;

    g_variant_builder_init(&b, G_VARIANT_TYPE("aa{sv}"));
    g_variant_builder_add_parsed(&b, "{'vcpu': <@u 0>, 'online': <true>, 'cpu': <@i 1>, "
                                     "'state': <'running'>, 'cpu-time-ns': <@t 12345000000>, "
                                     "'affinity': <'0-3'>, 'thread-id': <@i 4242>}");
    g_variant_builder_add_parsed(&b, "{'vcpu': <@u 1>, 'online': <true>, 'cpu': <@i 3>, "
                                     "'state': <'running'>, 'cpu-time-ns': <@t 50000000>, "
                                     "'affinity': <'1,3'>, 'thread-id': <@i 4243>}");
    g_variant_builder_add_parsed(&b, "{'vcpu': <@u 2>, 'online': <false>, 'cpu': <@i -1>, "
                                     "'state': <'offline'>, 'cpu-time-ns': <@t 0>, "
                                     "'affinity': <'0-3'>, 'thread-id': <@i -1>}");
    /* A value of the wrong type reads as unknown, never as garbage. */
    g_variant_builder_add_parsed(&b, "{'vcpu': <@u 3>, 'cpu': <'seven'>}");
    return marina_vcpu_infos_from_variant(g_variant_builder_end(&b));
}

static void
test_vcpu_records(void **state)
{
    g_autoptr(GPtrArray) vcpus = sample_vcpus();
    const MarinaVcpuInfo *v;

    assert_int_equal(vcpus->len, 4);
    v = vcpus->pdata[0];
    assert_int_equal(v->vcpu, 0);
    assert_true(v->online);
    assert_int_equal(v->cpu, 1);
    assert_string_equal(v->state, "running");
    assert_int_equal(v->cpu_time_ns, 12345000000ULL);
    assert_string_equal(v->affinity, "0-3");
    assert_int_equal(v->thread_id, 4242);
    v = vcpus->pdata[3];
    assert_int_equal(v->vcpu, 3);
    assert_false(v->online);
    assert_int_equal(v->cpu, -1);
    assert_string_equal(v->state, "offline");
    assert_string_equal(v->affinity, "");
    assert_int_equal(v->thread_id, -1);
}

static void
test_vcpupin_table(void **state)
{
    g_autoptr(GPtrArray) vcpus = sample_vcpus();
    g_autofree char *all = cli_format_vcpupin(vcpus, -1);
    g_autofree char *one = cli_format_vcpupin(vcpus, 1);

    assert_string_equal(all, " VCPU   CPU Affinity\n"
                             "----------------------\n"
                             " 0      0-3\n"
                             " 1      1,3\n"
                             " 2      0-3\n"
                             " 3      -\n");
    assert_string_equal(one, " VCPU   CPU Affinity\n"
                             "----------------------\n"
                             " 1      1,3\n");
}

static void
test_vcpuinfo(void **state)
{
    g_autoptr(GPtrArray) vcpus = sample_vcpus();
    g_autofree char *text = cli_format_vcpuinfo(vcpus, 4, FALSE);
    g_autofree char *pretty = cli_format_vcpuinfo(vcpus, 4, TRUE);

    /* Online vCPUs only, virsh's labels and y/- map. */
    assert_string_equal(text, "VCPU:           0\n"
                              "CPU:            1\n"
                              "State:          running\n"
                              "CPU time:       12.3s\n"
                              "CPU Affinity:   yyyy\n"
                              "\n"
                              "VCPU:           1\n"
                              "CPU:            3\n"
                              "State:          running\n"
                              "CPU time:       0.1s\n"
                              "CPU Affinity:   -y-y\n");
    assert_non_null(strstr(pretty, "CPU Affinity:   1,3\n"));
}

static void
test_vcpuinfo_shut_off(void **state)
{
    GVariantBuilder b;
    g_autoptr(GPtrArray) vcpus = NULL;
    g_autofree char *text = NULL;

    g_variant_builder_init(&b, G_VARIANT_TYPE("aa{sv}"));
    g_variant_builder_add_parsed(&b, "{'vcpu': <@u 0>, 'online': <true>, 'cpu': <@i -1>, "
                                     "'state': <'offline'>, 'affinity': <'0-1'>}");
    vcpus = marina_vcpu_infos_from_variant(g_variant_builder_end(&b));
    text = cli_format_vcpuinfo(vcpus, 2, FALSE);
    assert_string_equal(text, "VCPU:           0\n"
                              "CPU:            N/A\n"
                              "State:          N/A\n"
                              "CPU time:       N/A\n"
                              "CPU Affinity:   yy\n");
}

static void
test_domifaddr(void **state)
{
    GVariantBuilder b;
    g_autoptr(GPtrArray) ifaces = NULL;
    g_autofree char *table = NULL, *full = NULL, *only = NULL;
    const MarinaInterfaceAddresses *iface;

    g_variant_builder_init(&b, G_VARIANT_TYPE("aa{sv}"));
    g_variant_builder_add_parsed(
        &b, "{'name': <'vnet0'>, 'mac': <'52:54:00:7b:7e:5a'>, 'network': <'default'>, "
            "'addresses': <[('ipv4', @u 24, '192.168.122.184'), ('ipv6', 64, 'fe80::1')]>}");
    g_variant_builder_add_parsed(&b, "{'name': <'net1'>, 'mac': <'52:54:00:00:00:01'>, "
                                     "'network': <''>, 'addresses': <@a(sus) []>}");
    ifaces = marina_interface_addresses_from_variant(g_variant_builder_end(&b));
    assert_int_equal(ifaces->len, 2);
    iface = ifaces->pdata[0];
    assert_string_equal(iface->network, "default");
    assert_int_equal(iface->addresses->len, 2);
    assert_string_equal(((MarinaIpAddress *)iface->addresses->pdata[0])->address,
                        "192.168.122.184");
    assert_int_equal(((MarinaIpAddress *)iface->addresses->pdata[0])->prefix, 24);

    table = cli_format_domifaddr(ifaces, NULL, FALSE);
    assert_string_equal(
        table, " Name       MAC address          Protocol     Address\n"
               "-------------------------------------------------------------------------------\n"
               " vnet0      52:54:00:7b:7e:5a    ipv4         192.168.122.184/24\n"
               " -          -                    ipv6         fe80::1/64\n"
               " net1       52:54:00:00:00:01    N/A          N/A\n");
    full = cli_format_domifaddr(ifaces, NULL, TRUE);
    assert_non_null(strstr(full, " vnet0      52:54:00:7b:7e:5a    ipv6         fe80::1/64\n"));
    only = cli_format_domifaddr(ifaces, "52:54:00:00:00:01", FALSE);
    assert_null(strstr(only, "vnet0"));
    assert_non_null(strstr(only, "net1"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_affect),
        cmocka_unit_test(test_vcpu_records),
        cmocka_unit_test(test_vcpupin_table),
        cmocka_unit_test(test_vcpuinfo),
        cmocka_unit_test(test_vcpuinfo_shut_off),
        cmocka_unit_test(test_domifaddr),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
