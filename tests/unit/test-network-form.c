/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "network-config.h"
#include "network-form.h"

/* The create-network assistant's fields: subnets as typed, the default DHCP
 * ranges, the XML the fields make and its check by the network model. */

static void
assert_problem(char *problem, const char *expected)
{
    assert_non_null(problem);
    if (strstr(problem, expected) == NULL)
        fail_msg("'%s' does not contain '%s'", problem, expected);
    g_free(problem);
}

static void
test_subnet_parse(void **state)
{
    MarinaNetSubnet s = {0};
    g_autofree char *host = NULL;
    g_autofree char *last = NULL;

    assert_null(marina_net_subnet_parse("192.168.100.0/24", FALSE, "IPv4 network", &s));
    assert_false(s.ipv6);
    assert_int_equal(s.len, 4);
    assert_int_equal(s.prefix, 24);
    assert_int_equal(marina_net_subnet_size(&s), 256);
    host = marina_net_subnet_address(&s, 1);
    last = marina_net_subnet_address(&s, 255);
    assert_string_equal(host, "192.168.100.1");
    assert_string_equal(last, "192.168.100.255");

    assert_problem(marina_net_subnet_parse("", FALSE, "IPv4 network", &s),
                   "IPv4 network: enter the network address");
    assert_problem(marina_net_subnet_parse("192.168.100.0", FALSE, "IPv4 network", &s),
                   "has no prefix length");
    assert_problem(marina_net_subnet_parse("192.168.100.0/x", FALSE, "IPv4 network", &s),
                   "has no prefix length");
    assert_problem(marina_net_subnet_parse("192.168.100.0/24/1", FALSE, "IPv4 network", &s),
                   "has no prefix length");
    assert_problem(marina_net_subnet_parse("192.168.300.0/24", FALSE, "IPv4 network", &s),
                   "'192.168.300.0' is not an IPv4 address");
    assert_problem(marina_net_subnet_parse("fd00::/64", FALSE, "IPv4 network", &s),
                   "is not an IPv4 address");
    assert_problem(marina_net_subnet_parse("10.0.0.0/31", FALSE, "IPv4 network", &s),
                   "the prefix length /31 is not usable");
    assert_problem(marina_net_subnet_parse("10.0.0.0/4", FALSE, "IPv4 network", &s),
                   "use /8 to /30");
    assert_problem(marina_net_subnet_parse("192.168.150.7/24", FALSE, "IPv4 network", &s),
                   "write 192.168.150.0/24");
    assert_problem(marina_net_subnet_parse("10.1.2.0/12", FALSE, "IPv4 network", &s),
                   "write 10.0.0.0/12");

    assert_null(marina_net_subnet_parse("fd00:150::/64", TRUE, "IPv6 network", &s));
    assert_true(s.ipv6);
    assert_int_equal(s.len, 16);
    assert_int_equal(marina_net_subnet_size(&s), G_GUINT64_CONSTANT(1) << 32); /* capped */
    assert_problem(marina_net_subnet_parse("192.168.1.0/24", TRUE, "IPv6 network", &s),
                   "IPv6 network: '192.168.1.0' is not an IPv6 address");
    assert_problem(marina_net_subnet_parse("fd00:150::1/64", TRUE, "IPv6 network", &s),
                   "write fd00:150::/64");
}

static void
check_range(const char *subnet, gboolean ipv6, const char *start, const char *end)
{
    MarinaNetSubnet s = {0};
    g_autofree char *a = NULL;
    g_autofree char *b = NULL;

    assert_null(marina_net_subnet_parse(subnet, ipv6, "net", &s));
    marina_net_subnet_dhcp_range(&s, &a, &b);
    assert_string_equal(a, start);
    assert_string_equal(b, end);
}

static void
test_dhcp_range(void **state)
{
    check_range("192.168.100.0/24", FALSE, "192.168.100.128", "192.168.100.254");
    check_range("10.0.0.0/8", FALSE, "10.128.0.0", "10.255.255.254");
    check_range("192.168.7.0/30", FALSE, "192.168.7.2", "192.168.7.2");
    check_range("192.168.7.0/25", FALSE, "192.168.7.64", "192.168.7.126");
    check_range("fd00:150::/64", TRUE, "fd00:150::100", "fd00:150::1ff");
    check_range("fd00:150::/120", TRUE, "fd00:150::2", "fd00:150::ff");
}

static void
test_address_and_name(void **state)
{
    const char *taken[] = {"default", NULL};

    assert_null(marina_net_address_problem("192.168.1.5", FALSE, "DHCP start"));
    assert_null(marina_net_address_problem("fd00::5", TRUE, "DHCPv6 start"));
    assert_problem(marina_net_address_problem("", FALSE, "DHCP end"), "DHCP end: enter an address");
    assert_problem(marina_net_address_problem("fd00::5", FALSE, "DHCP end"),
                   "DHCP end: 'fd00::5' is not an IPv4 address");
    assert_problem(marina_net_address_problem("1.2.3", FALSE, "DHCP end"), "not an IPv4 address");

    assert_null(marina_net_name_problem("lab", taken));
    assert_null(marina_net_name_problem("lab", NULL));
    assert_problem(marina_net_name_problem("", taken), "Name: enter a name");
    assert_problem(marina_net_name_problem("default", taken),
                   "Name: a network called 'default' already exists");
    assert_problem(marina_net_name_problem("a/b", taken), "Name: ");
}

static MarinaNetworkConfig *
parse(const char *xml)
{
    g_autoptr(GError) error = NULL;
    MarinaNetworkConfig *config = marina_network_config_parse(xml, -1, NULL, &error);

    if (config == NULL)
        fail_msg("%s\n%s", error->message, xml);
    return config;
}

static void
test_form_xml(void **state)
{
    MarinaNetSubnet v4 = {0}, v6 = {0};
    MarinaNetForm form = {.name = "lab&<'\"x"};
    g_autofree char *xml = NULL;
    g_autoptr(MarinaNetworkConfig) config = NULL;
    MarinaNetIp *ip;

    assert_null(marina_net_subnet_parse("192.168.150.0/24", FALSE, "n", &v4));
    assert_null(marina_net_subnet_parse("fd00:150::/64", TRUE, "n", &v6));
    form.ipv4 = &v4;
    form.dhcp_start = "192.168.150.128";
    form.dhcp_end = "192.168.150.254";
    form.ipv6 = &v6;
    form.dhcp6_start = "fd00:150::100";
    form.dhcp6_end = "fd00:150::1ff";
    form.forward = "nat";
    form.forward_dev = "eth0";
    form.bridge = "virbr9";
    xml = marina_net_form_to_xml(&form);
    assert_null(marina_net_form_check(xml, NULL));
    config = parse(xml);
    assert_string_equal(config->name, "lab&<'\"x"); /* escaped, read back as typed */
    assert_int_equal(config->forward, MARINA_NET_FORWARD_NAT);
    assert_string_equal(config->forward_dev, "eth0");
    assert_string_equal(config->bridge, "virbr9");
    ip = marina_network_config_get_ipv4(config);
    assert_non_null(ip);
    assert_string_equal(ip->address, "192.168.150.1");
    assert_int_equal(ip->prefix, 24);
    assert_int_equal(ip->ranges->len, 1);
    assert_string_equal(((MarinaNetDhcpRange *)ip->ranges->pdata[0])->start, "192.168.150.128");
    ip = marina_network_config_get_ipv6(config);
    assert_non_null(ip);
    assert_string_equal(ip->address, "fd00:150::1");
    assert_int_equal(ip->prefix, 64);
    assert_string_equal(((MarinaNetDhcpRange *)ip->ranges->pdata[0])->end, "fd00:150::1ff");
}

static void
test_form_isolated_and_routed(void **state)
{
    MarinaNetSubnet v4 = {0};
    MarinaNetForm form = {.name = "iso"};
    g_autofree char *isolated = NULL;
    g_autofree char *routed = NULL;
    g_autoptr(MarinaNetworkConfig) a = NULL;
    g_autoptr(MarinaNetworkConfig) b = NULL;

    assert_null(marina_net_subnet_parse("10.9.0.0/16", FALSE, "n", &v4));
    form.ipv4 = &v4;
    form.forward = "none";
    isolated = marina_net_form_to_xml(&form);
    a = parse(isolated);
    assert_int_equal(a->forward, MARINA_NET_FORWARD_NONE);
    assert_null(a->forward_dev);
    assert_int_equal(marina_network_config_get_ipv4(a)->ranges->len, 0);
    assert_null(marina_network_config_get_ipv6(a));

    form.forward = "route";
    routed = marina_net_form_to_xml(&form);
    b = parse(routed);
    assert_int_equal(b->forward, MARINA_NET_FORWARD_ROUTE);
    assert_null(strstr(routed, "dev="));
}

static void
test_form_check(void **state)
{
    MarinaNetSubnet v4 = {0};
    MarinaNetForm form = {.name = "lab", .forward = "nat"};
    g_autoptr(GPtrArray) running =
        g_ptr_array_new_with_free_func((GDestroyNotify)marina_network_config_free);
    g_autofree char *outside = NULL;
    g_autofree char *overlap = NULL;
    g_autofree char *bridge = NULL;
    g_autofree char *fine = NULL;

    g_ptr_array_add(running, marina_network_config_new_default());

    assert_null(marina_net_subnet_parse("192.168.150.0/24", FALSE, "n", &v4));
    form.ipv4 = &v4;
    form.dhcp_start = "192.168.150.128";
    form.dhcp_end = "192.168.151.20";
    outside = marina_net_form_to_xml(&form);
    assert_problem(marina_net_form_check(outside, running),
                   "DHCP range 192.168.150.128 - 192.168.151.20 is outside the network "
                   "192.168.150.0/24");

    assert_null(marina_net_subnet_parse("192.168.0.0/16", FALSE, "n", &v4));
    form.dhcp_start = form.dhcp_end = NULL;
    overlap = marina_net_form_to_xml(&form);
    assert_problem(marina_net_form_check(overlap, running),
                   "Network 'lab' uses 192.168.0.0/16, which overlaps network 'default'");
    assert_null(marina_net_form_check(overlap, NULL));

    assert_null(marina_net_subnet_parse("192.168.150.0/24", FALSE, "n", &v4));
    form.bridge = ((MarinaNetworkConfig *)running->pdata[0])->bridge;
    if (form.bridge != NULL) {
        bridge = marina_net_form_to_xml(&form);
        assert_problem(marina_net_form_check(bridge, running), "uses bridge");
    }
    form.bridge = NULL;
    fine = marina_net_form_to_xml(&form);
    assert_null(marina_net_form_check(fine, running));

    assert_problem(marina_net_form_check("<network><name>x</name>", running), "");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_subnet_parse),
        cmocka_unit_test(test_dhcp_range),
        cmocka_unit_test(test_address_and_name),
        cmocka_unit_test(test_form_xml),
        cmocka_unit_test(test_form_isolated_and_routed),
        cmocka_unit_test(test_form_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
