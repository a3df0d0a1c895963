/* The network driver's text: dnsmasq's configuration and hosts files, the
 * nftables ruleset for each forward mode, lease-file parsing (with hostile
 * lines), the bridge setup, and the runtime record's keyfile. No root. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "net-config-fixture.h"
#include "network-driver-private.h"

typedef MarinaNetworkConfig MarinaNetworkConfigFixture;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MarinaNetworkConfigFixture, fixture_config_free)

static void
assert_no_error(GError *error)
{
    if (error != NULL)
        fail_msg("unexpected error: %s", error->message);
}

static void
paths_for(MarinaNetDnsmasqPaths *paths, const char *bridge)
{
    g_autofree char *conf = g_strdup_printf("/run/marina/networks/%s.conf", bridge);

    marina_net_dnsmasq_paths_init(paths, conf);
}

static void
assert_has_line(const char *text, const char *line)
{
    g_autofree char *want = g_strconcat("\n", line, "\n", NULL);
    g_autofree char *hay = g_strconcat("\n", text, NULL);

    if (strstr(hay, want) == NULL)
        fail_msg("line '%s' missing from:\n%s", line, text);
}

static void
assert_lacks(const char *text, const char *part)
{
    if (strstr(text, part) != NULL)
        fail_msg("'%s' should not be in:\n%s", part, text);
}

static void
test_dnsmasq_conf_default_network(void **state)
{
    g_autoptr(MarinaNetworkConfigFixture) c = fixture_default_network("virbr0");
    MarinaNetDnsmasqPaths paths = {0};
    g_autofree char *conf = NULL;

    paths_for(&paths, "virbr0");
    assert_true(marina_net_dnsmasq_needed(c));
    conf = marina_net_dnsmasq_conf_text(c, "virbr0", &paths, FALSE);
    assert_has_line(conf, "strict-order");
    assert_has_line(conf, "pid-file=/run/marina/networks/virbr0.pid");
    assert_has_line(conf, "except-interface=lo");
    assert_has_line(conf, "bind-dynamic");
    assert_has_line(conf, "interface=virbr0");
    assert_has_line(conf, "dhcp-range=192.168.122.2,192.168.122.254,255.255.255.0,1h");
    assert_has_line(conf, "dhcp-no-override");
    assert_has_line(conf, "dhcp-authoritative");
    assert_has_line(conf, "dhcp-lease-max=253");
    assert_has_line(conf, "dhcp-hostsfile=/run/marina/networks/virbr0.hosts");
    assert_has_line(conf, "addn-hosts=/run/marina/networks/virbr0.addnhosts");
    assert_has_line(conf, "dhcp-leasefile=/run/marina/networks/virbr0.leases");
    assert_lacks(conf, "enable-ra");
    assert_lacks(conf, "port=0");
    assert_lacks(conf, "user=");
    marina_net_dnsmasq_paths_clear(&paths);
}

static void
test_dnsmasq_conf_dns_options(void **state)
{
    g_autoptr(MarinaNetworkConfigFixture) c = fixture_default_network("virbr1");
    MarinaNetDnsmasqPaths paths = {0};
    g_autofree char *conf = NULL;

    paths_for(&paths, "virbr1");
    c->domain = g_strdup("lab.example");
    c->domain_local = TRUE;
    g_ptr_array_add(c->dns_forwarders, g_strdup("192.0.2.53"));
    g_ptr_array_add(c->dns_forwarders, g_strdup("bogus\nport=0"));
    conf = marina_net_dnsmasq_conf_text(c, "virbr1", &paths, TRUE);
    assert_has_line(conf, "domain=lab.example");
    assert_has_line(conf, "expand-hosts");
    assert_has_line(conf, "local=/lab.example/");
    assert_has_line(conf, "server=192.0.2.53");
    assert_has_line(conf, "no-resolv");
    assert_has_line(conf, "user=root");
    /* A hostile forwarder is no option of its own. */
    assert_lacks(conf, "bogus");
    assert_lacks(conf, "port=0");
    g_clear_pointer(&conf, g_free);

    c->dns_enabled = FALSE;
    conf = marina_net_dnsmasq_conf_text(c, "virbr1", &paths, FALSE);
    assert_has_line(conf, "port=0");
    assert_lacks(conf, "addn-hosts");
    marina_net_dnsmasq_paths_clear(&paths);
}

static void
test_dnsmasq_conf_ipv6_and_static_only(void **state)
{
    g_autoptr(MarinaNetworkConfigFixture) c =
        fixture_config_new("six", MARINA_NET_FORWARD_NONE, "mbr6");
    MarinaNetDnsmasqPaths paths = {0};
    g_autofree char *conf = NULL;
    MarinaNetIp *v4;

    paths_for(&paths, "mbr6");
    v4 = fixture_add_ip(c, "10.20.0.1", 16, NULL, NULL);
    fixture_add_host(v4, "52:54:00:aa:bb:cc", NULL, "one", "10.20.3.4");
    fixture_add_ip(c, "fd00:1:2::1", 64, "fd00:1:2::100", "fd00:1:2::1ff");
    conf = marina_net_dnsmasq_conf_text(c, "mbr6", &paths, FALSE);
    /* Static hosts alone still get served. */
    assert_has_line(conf, "dhcp-range=10.20.0.0,static,255.255.0.0,1h");
    assert_has_line(conf, "dhcp-range=fd00:1:2::100,fd00:1:2::1ff,64,1h");
    assert_has_line(conf, "enable-ra");
    /* Isolated: no default route advertised. */
    assert_has_line(conf, "ra-param=mbr6,0,0");
    assert_has_line(conf, "dhcp-lease-max=257");
    g_clear_pointer(&conf, g_free);

    /* IPv6 without DHCP: router advertisements only. */
    g_ptr_array_set_size(((MarinaNetIp *)g_ptr_array_index(c->ips, 1))->ranges, 0);
    c->forward = MARINA_NET_FORWARD_NAT;
    conf = marina_net_dnsmasq_conf_text(c, "mbr6", &paths, FALSE);
    assert_has_line(conf, "dhcp-range=fd00:1:2::,ra-only,64");
    assert_lacks(conf, "ra-param");
    marina_net_dnsmasq_paths_clear(&paths);
}

static void
test_dnsmasq_hosts_files(void **state)
{
    g_autoptr(MarinaNetworkConfigFixture) c = fixture_default_network("virbr0");
    MarinaNetIp *v4 = g_ptr_array_index(c->ips, 0);
    MarinaNetIp *v6 = fixture_add_ip(c, "fd00::1", 64, "fd00::10", "fd00::ff");
    g_autofree char *hosts = NULL;
    g_autofree char *addn = NULL;

    fixture_add_host(v4, "52:54:00:12:34:56", NULL, "web", "192.168.122.10");
    fixture_add_host(v4, "52:54:00:AB:CD:EF", NULL, NULL, "192.168.122.11");
    fixture_add_host(v4, NULL, NULL, "byname", "192.168.122.12");
    /* Hostile values never reach the file as options of their own. */
    fixture_add_host(v4, "52:54:00:12:34:57", NULL, "evil\ndhcp-range=1.2.3.4", "192.168.122.13");
    fixture_add_host(v4, "not-a-mac", NULL, NULL, "192.168.122.14");
    fixture_add_host(v6, NULL, "00:01:00:01:aa:bb", "six", "fd00::20");
    fixture_add_dns_host(c, "192.168.122.5", "files", "files.lab");
    fixture_add_dns_host(c, "fd00::5", "six-files", NULL);
    fixture_add_dns_host(c, "not an address", "x", NULL);
    fixture_add_dns_host(c, "192.168.122.6", "bad name!", NULL);

    hosts = marina_net_dnsmasq_hosts_text(c);
    assert_string_equal(hosts, "52:54:00:12:34:56,192.168.122.10,web\n"
                               "52:54:00:ab:cd:ef,192.168.122.11\n"
                               "192.168.122.12,byname\n"
                               "52:54:00:12:34:57,192.168.122.13\n"
                               "id:00:01:00:01:aa:bb,[fd00::20],six\n");
    addn = marina_net_dnsmasq_addn_hosts_text(c);
    assert_string_equal(addn, "192.168.122.5 files files.lab\n"
                              "fd00::5 six-files\n");
}

static void
test_dnsmasq_not_needed(void **state)
{
    g_autoptr(MarinaNetworkConfigFixture) open =
        fixture_config_new("bridged", MARINA_NET_FORWARD_BRIDGE, "br0");
    g_autoptr(MarinaNetworkConfigFixture) noip =
        fixture_config_new("bare", MARINA_NET_FORWARD_NONE, NULL);

    assert_false(marina_net_dnsmasq_needed(open));
    assert_false(marina_net_dnsmasq_needed(noip));
    noip->dns_enabled = FALSE;
    fixture_add_ip(noip, "10.0.0.1", 24, NULL, NULL);
    assert_false(marina_net_dnsmasq_needed(noip));
    noip->dns_enabled = TRUE;
    assert_true(marina_net_dnsmasq_needed(noip));
}

static void
test_firewall_nat(void **state)
{
    g_autoptr(MarinaNetworkConfigFixture) c = fixture_default_network("virbr0");
    g_autofree char *rules = marina_net_firewall_ruleset(c, "virbr0");

    assert_non_null(rules);
    assert_true(g_str_has_prefix(rules, "table inet marina-net-virbr0\n"
                                        "delete table inet marina-net-virbr0\n"
                                        "table inet marina-net-virbr0 {\n"));
    assert_non_null(strstr(rules, "iifname \"virbr0\" udp dport { 53, 67 } accept"));
    assert_non_null(strstr(rules, "iifname \"virbr0\" oifname \"virbr0\" accept"));
    assert_non_null(strstr(rules, "oifname \"virbr0\" ip daddr 192.168.122.0/24 ct state "
                                  "established,related accept"));
    assert_non_null(strstr(rules, "iifname \"virbr0\" ip saddr 192.168.122.0/24 accept"));
    assert_non_null(strstr(rules, "oifname \"virbr0\" reject"));
    assert_non_null(strstr(rules, "iifname \"virbr0\" reject"));
    assert_non_null(strstr(rules, "ip saddr 192.168.122.0/24 ip daddr 224.0.0.0/24 return"));
    assert_non_null(strstr(rules, "ip saddr 192.168.122.0/24 ip daddr 255.255.255.255 return"));
    assert_non_null(strstr(rules, "ip saddr 192.168.122.0/24 ip daddr != 192.168.122.0/24 meta "
                                  "l4proto { tcp, udp } masquerade to :1024-65535"));
    assert_non_null(strstr(rules, "ip saddr 192.168.122.0/24 ip daddr != 192.168.122.0/24 "
                                  "masquerade\n"));
    assert_lacks(rules, "prerouting");
}

static void
test_firewall_nat_forward_dev_and_ports(void **state)
{
    g_autoptr(MarinaNetworkConfigFixture) c = fixture_default_network("virbr0");
    g_autofree char *rules = NULL;

    c->forward_dev = g_strdup("eth1");
    c->nat_port_start = 2000;
    c->nat_port_end = 3000;
    rules = marina_net_firewall_ruleset(c, "virbr0");
    assert_non_null(strstr(rules, "iifname \"virbr0\" oifname \"eth1\" ip saddr "
                                  "192.168.122.0/24 accept"));
    assert_non_null(strstr(rules, "oifname \"eth1\" ip saddr 192.168.122.0/24 ip daddr != "
                                  "192.168.122.0/24 meta l4proto { tcp, udp } masquerade to "
                                  ":2000-3000"));
    g_clear_pointer(&rules, g_free);

    /* A hostile device name is left out rather than written into a rule. */
    g_free(c->forward_dev);
    c->forward_dev = g_strdup("eth\" accept #");
    rules = marina_net_firewall_ruleset(c, "virbr0");
    assert_lacks(rules, "eth\"");
}

static void
test_firewall_route_isolated_open(void **state)
{
    g_autoptr(MarinaNetworkConfigFixture) c =
        fixture_config_new("routed", MARINA_NET_FORWARD_ROUTE, "mbr1");
    g_autofree char *rules = NULL;

    fixture_add_ip(c, "10.9.8.1", 24, NULL, NULL);
    fixture_add_ip(c, "fd00:9::1", 64, NULL, NULL);
    rules = marina_net_firewall_ruleset(c, "mbr1");
    assert_non_null(strstr(rules, "oifname \"mbr1\" ip daddr 10.9.8.0/24 accept"));
    assert_non_null(strstr(rules, "iifname \"mbr1\" ip saddr 10.9.8.0/24 accept"));
    assert_non_null(strstr(rules, "oifname \"mbr1\" ip6 daddr fd00:9::/64 accept"));
    assert_non_null(strstr(rules, "iifname \"mbr1\" ip6 saddr fd00:9::/64 accept"));
    assert_non_null(strstr(rules, "udp dport 547 accept"));
    assert_lacks(rules, "masquerade");
    g_clear_pointer(&rules, g_free);

    c->forward = MARINA_NET_FORWARD_NONE;
    rules = marina_net_firewall_ruleset(c, "mbr1");
    assert_non_null(strstr(rules, "iifname \"mbr1\" oifname \"mbr1\" accept"));
    assert_non_null(strstr(rules, "oifname \"mbr1\" reject"));
    assert_non_null(strstr(rules, "iifname \"mbr1\" reject"));
    assert_lacks(rules, "saddr 10.9.8.0/24 accept");
    assert_lacks(rules, "masquerade");
    g_clear_pointer(&rules, g_free);

    c->forward = MARINA_NET_FORWARD_OPEN;
    assert_null(marina_net_firewall_ruleset(c, "mbr1"));
    c->forward = MARINA_NET_FORWARD_BRIDGE;
    assert_null(marina_net_firewall_ruleset(c, "mbr1"));
    c->forward = MARINA_NET_FORWARD_NAT;
    assert_null(marina_net_firewall_ruleset(c, "bad bridge"));
}

static void
test_firewall_port_forwards(void **state)
{
    g_autoptr(MarinaNetworkConfigFixture) c = fixture_default_network("virbr0");
    g_autofree char *rules = NULL;

    fixture_add_port_forward(c, "tcp", NULL, "192.168.122.10", 2222, 2222, 22);
    fixture_add_port_forward(c, "udp", "192.0.2.1", "192.168.122.11", 5000, 5001, 5000);
    fixture_add_port_forward(c, "tcp", NULL, "192.168.122.12", 8080, 8081, 80);
    /* Hostile or impossible ones are left out. */
    fixture_add_port_forward(c, "icmp", NULL, "192.168.122.13", 1, 1, 1);
    fixture_add_port_forward(c, "tcp", NULL, "192.168.122.14; flush ruleset", 1, 1, 1);
    fixture_add_port_forward(c, "tcp", NULL, "192.168.122.15", 100, 90, 100);
    fixture_add_port_forward(c, "tcp", NULL, "192.168.122.16", 65000, 65100, 65500);
    fixture_add_port_forward(c, "tcp", "fd00::1", "192.168.122.17", 7, 7, 7);
    rules = marina_net_firewall_ruleset(c, "virbr0");
    assert_non_null(strstr(rules, "chain prerouting {\n"
                                  "        type nat hook prerouting priority dstnat; policy "
                                  "accept;\n"
                                  "        fib daddr type local tcp dport 2222 dnat ip to "
                                  "192.168.122.10 : tcp dport map { 2222 : 22 }\n"));
    assert_non_null(strstr(rules, "ip daddr 192.0.2.1 udp dport 5000-5001 dnat ip to "
                                  "192.168.122.11\n"));
    assert_non_null(strstr(rules, "fib daddr type local tcp dport 8080-8081 dnat ip to "
                                  "192.168.122.12 : tcp dport map { 8080 : 80, 8081 : 81 }\n"));
    assert_non_null(strstr(rules, "chain output {\n"
                                  "        type nat hook output priority -100; policy accept;\n"
                                  "        fib daddr type local tcp dport 2222"));
    assert_non_null(strstr(rules, "oifname \"virbr0\" ip daddr 192.168.122.10 tcp dport 22-22 "
                                  "ct status dnat accept"));
    assert_non_null(strstr(rules, "oifname \"virbr0\" ip daddr 192.168.122.12 tcp dport 80-81 "
                                  "ct status dnat accept"));
    /* The accepts come before the rejects. */
    assert_true(strstr(rules, "ct status dnat accept") <
                strstr(rules, "oifname \"virbr0\" reject"));
    for (int i = 13; i <= 17; i++) {
        g_autofree char *guest = g_strdup_printf("192.168.122.%d", i);

        assert_lacks(rules, guest);
    }
    assert_lacks(rules, "icmp");
    assert_lacks(rules, "flush");
    g_clear_pointer(&rules, g_free);

    /* An isolated network forwards no ports. */
    c->forward = MARINA_NET_FORWARD_NONE;
    rules = marina_net_firewall_ruleset(c, "virbr0");
    assert_lacks(rules, "dnat");
    assert_lacks(rules, "192.168.122.10");
}

static void
test_bridge_setup_text(void **state)
{
    g_autoptr(MarinaNetworkConfigFixture) c = fixture_default_network("virbr3");
    g_autofree char *text = NULL;

    c->mtu = 9000;
    c->mac = g_strdup("52:54:00:01:02:03");
    fixture_add_ip(c, "fd00::1", 64, NULL, NULL);
    fixture_add_route(c, "10.50.0.0", 16, "192.168.122.2");
    fixture_add_route(c, "fd00:1::", 64, "fd00::2");
    fixture_add_route(c, "10.60.0.0", 16, "bad;gateway");
    text = marina_net_bridge_setup_text(c, "virbr3");
    assert_string_equal(text, "link set dev virbr3 type bridge stp_state 1\n"
                              "link set dev virbr3 address 52:54:00:01:02:03\n"
                              "link set dev virbr3 mtu 9000\n"
                              "addr add 192.168.122.1/24 dev virbr3\n"
                              "addr add fd00::1/64 dev virbr3 nodad\n"
                              "link set dev virbr3 up\n"
                              "route add 10.50.0.0/16 via 192.168.122.2 dev virbr3\n"
                              "route add fd00:1::/64 via fd00::2 dev virbr3\n");
    g_clear_pointer(&text, g_free);
    c->stp = FALSE;
    g_free(c->mac);
    c->mac = g_strdup("zz\nlink del dev eth0");
    c->mtu = 0;
    text = marina_net_bridge_setup_text(c, "virbr3");
    assert_lacks(text, "stp_state");
    assert_lacks(text, "eth0");
    assert_lacks(text, "mtu");
}

static void
test_names_and_addresses(void **state)
{
    g_autofree char *table = marina_net_firewall_table_name("virbr0");
    g_autofree char *mask = marina_net_prefix_netmask(20);
    g_autofree char *mask0 = marina_net_prefix_netmask(0);
    g_autofree char *mask32 = marina_net_prefix_netmask(32);
    MarinaNetIp ip = {.address = (char *)"192.168.122.1", .prefix = 24};
    MarinaNetIp ip6 = {.ipv6 = TRUE, .address = (char *)"fd00:1::1", .prefix = 48};
    g_autofree char *subnet = marina_net_ip_subnet(&ip);
    g_autofree char *subnet6 = marina_net_ip_subnet(&ip6);

    assert_string_equal(table, "marina-net-virbr0");
    assert_string_equal(mask, "255.255.240.0");
    assert_string_equal(mask0, "0.0.0.0");
    assert_string_equal(mask32, "255.255.255.255");
    assert_string_equal(subnet, "192.168.122.0/24");
    assert_string_equal(subnet6, "fd00:1::/48");
    assert_true(marina_net_ip_has(&ip, "192.168.122.200"));
    assert_false(marina_net_ip_has(&ip, "192.168.123.1"));
    assert_false(marina_net_ip_has(&ip, "fd00:1::2"));
    assert_true(marina_net_ip_has(&ip6, "fd00:1:0:5::2"));
    assert_true(marina_net_ifname_is_valid("virbr0"));
    assert_false(marina_net_ifname_is_valid("a-name-too-long-x"));
    assert_false(marina_net_ifname_is_valid("br 0"));
    assert_false(marina_net_ifname_is_valid(".."));
    assert_false(marina_net_ifname_is_valid(""));
    assert_true(marina_net_mac_is_valid("52:54:00:Ab:cd:ef"));
    assert_false(marina_net_mac_is_valid("52:54:00:ab:cd"));
    assert_false(marina_net_mac_is_valid("52-54-00-ab-cd-ef"));
    assert_false(marina_net_token_is_safe("a,b"));
    assert_false(marina_net_token_is_safe("a\nb"));
    assert_true(marina_net_token_is_safe("/srv/tftp"));
}

static const char LEASES[] =
    "1900000000 52:54:00:12:34:56 192.168.122.10 web 01:52:54:00:12:34:56\n"
    "0 52:54:00:AA:BB:CC 192.168.122.11 * *\n"
    "1000 52:54:00:00:00:01 192.168.122.12 old *\n" /* expired */
    "duid 00:01:00:01:2b:3c:4d:5e:52:54:00:12:34:56\n"
    "1900000000 1234567 fd00::20 six 00:01:00:01:2b:3c:4d:5e:52:54:00:12:34:56\n"
    "1900000000 T99 fd00::21 * 00:02:00:00:ab:11\n";

static void
test_leases_parse(void **state)
{
    g_autoptr(MarinaNetworkConfigFixture) c = fixture_default_network("virbr0");
    g_autoptr(GPtrArray) leases = NULL;
    MarinaNetLease *l;

    fixture_add_ip(c, "fd00::1", 64, NULL, NULL);
    leases = marina_net_leases_parse(LEASES, 1800000000, c);
    assert_int_equal(leases->len, 4);
    l = g_ptr_array_index(leases, 0);
    assert_int_equal(l->expiry, 1900000000);
    assert_string_equal(l->mac, "52:54:00:12:34:56");
    assert_string_equal(l->address, "192.168.122.10");
    assert_int_equal(l->prefix, 24);
    assert_false(l->ipv6);
    assert_string_equal(l->hostname, "web");
    assert_string_equal(l->client_id, "01:52:54:00:12:34:56");
    l = g_ptr_array_index(leases, 1);
    assert_int_equal(l->expiry, 0);
    assert_string_equal(l->mac, "52:54:00:aa:bb:cc");
    assert_null(l->hostname);
    assert_null(l->client_id);
    l = g_ptr_array_index(leases, 2);
    assert_true(l->ipv6);
    assert_string_equal(l->address, "fd00::20");
    assert_int_equal(l->prefix, 64);
    /* The MAC inside a DUID-LLT. */
    assert_string_equal(l->mac, "52:54:00:12:34:56");
    l = g_ptr_array_index(leases, 3);
    assert_null(l->mac);
    assert_string_equal(l->client_id, "00:02:00:00:ab:11");
}

static void
test_leases_hostile(void **state)
{
    g_autofree char *long_name = g_strnfill(2000, 'a');
    g_autofree char *long_line =
        g_strdup_printf("1900000000 52:54:00:12:34:56 192.168.122.10 %s *\n", long_name);
    g_autofree char *text = g_strconcat(
        long_line, "1900000000 52:54:00:12:34 192.168.122.20 short-mac *\n",
        "1900000000 zz:54:00:12:34:56 192.168.122.21 bad-mac *\n",
        "1900000000 52:54:00:12:34:56 192.168.122.300 bad-ip *\n",
        "1900000000 52:54:00:12:34:56 fd00::zz bad-ip6 *\n",
        "-5 52:54:00:12:34:56 192.168.122.22 negative *\n",
        "99999999999999999999 52:54:00:12:34:56 192.168.122.23 huge *\n",
        "1900000000 52:54:00:12:34:56\n", "1900000000 52:54:00:12:34:56 192.168.122.24 a b c d\n",
        "garbage\n\n\n", "\x01\x02\xff\xfe binary\n", "1900000000 abc fd00::30 bad-iaid *\n",
        "1900000000 52:54:00:12:34:57 192.168.122.25 bad!name bad-id\n", NULL);
    g_autoptr(GPtrArray) leases = marina_net_leases_parse(text, 1800000000, NULL);
    g_autoptr(GPtrArray) none = marina_net_leases_parse(NULL, 0, NULL);
    MarinaNetLease *l;

    /* Only the last line is a lease: its bad name and id are dropped. */
    assert_int_equal(leases->len, 1);
    l = g_ptr_array_index(leases, 0);
    assert_string_equal(l->address, "192.168.122.25");
    assert_int_equal(l->prefix, 32);
    assert_null(l->hostname);
    assert_null(l->client_id);
    assert_int_equal(none->len, 0);
}

static void
test_read_leases_from_file(void **state)
{
    g_autoptr(MarinaNetworkConfigFixture) c = fixture_default_network("virbr0");
    g_autofree char *dir = g_dir_make_tmp("test-net-leases-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "virbr0.leases", NULL);
    MarinaNetRuntime rt = {.bridge = (char *)"virbr0", .leases_file = path};
    g_autoptr(GPtrArray) before = NULL;
    g_autoptr(GPtrArray) after = NULL;
    g_autoptr(GError) error = NULL;

    /* No file yet: no lease, no error. */
    before = marina_net_driver_read_leases(c, &rt, &error);
    assert_no_error(error);
    assert_int_equal(before->len, 0);
    assert_true(g_file_set_contents(path, "0 52:54:00:12:34:56 192.168.122.10 web *\n", -1, NULL));
    after = marina_net_driver_read_leases(c, &rt, &error);
    assert_non_null(after);
    assert_int_equal(after->len, 1);
    g_unlink(path);

    /* Larger than any dnsmasq writes: refused, not read. */
    {
        g_autoptr(GPtrArray) huge = NULL;
        FILE *f = fopen(path, "w");

        assert_non_null(f);
        assert_int_equal(ftruncate(fileno(f), 9 * 1024 * 1024), 0);
        fclose(f);
        huge = marina_net_driver_read_leases(c, &rt, &error);
        assert_null(huge);
        assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED));
        g_clear_error(&error);
    }
    g_unlink(path);
    g_rmdir(dir);
}

static void
test_runtime_round_trip(void **state)
{
    MarinaNetRuntime rt = {
        .bridge = (char *)"virbr0",
        .made_bridge = TRUE,
        .dnsmasq_pid = 4242,
        .dnsmasq_conf = (char *)"/run/marina/networks/virbr0.conf",
        .leases_file = (char *)"/run/marina/networks/virbr0.leases",
        .firewall_table = (char *)"marina-net-virbr0",
    };
    MarinaNetRuntime bare = {.bridge = (char *)"br0"};
    g_autoptr(GKeyFile) file = g_key_file_new();
    g_autoptr(GKeyFile) file2 = g_key_file_new();
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaNetRuntime) loaded = NULL;
    g_autoptr(MarinaNetRuntime) loaded2 = NULL;
    g_autofree char *text = NULL;

    g_key_file_set_string(file, "network", "name", "default");
    marina_net_runtime_save(&rt, file);
    text = g_key_file_to_data(file, NULL, NULL);
    assert_true(g_key_file_load_from_data(file2, text, -1, G_KEY_FILE_NONE, NULL));
    loaded = marina_net_runtime_load(file2, &error);
    assert_no_error(error);
    assert_string_equal(loaded->bridge, "virbr0");
    assert_true(loaded->made_bridge);
    assert_int_equal(loaded->dnsmasq_pid, 4242);
    assert_string_equal(loaded->dnsmasq_conf, rt.dnsmasq_conf);
    assert_string_equal(loaded->leases_file, rt.leases_file);
    assert_string_equal(loaded->firewall_table, "marina-net-virbr0");

    /* Saving again replaces the group: nothing of the old one stays. */
    marina_net_runtime_save(&bare, file2);
    loaded2 = marina_net_runtime_load(file2, &error);
    assert_no_error(error);
    assert_string_equal(loaded2->bridge, "br0");
    assert_false(loaded2->made_bridge);
    assert_int_equal(loaded2->dnsmasq_pid, 0);
    assert_null(loaded2->dnsmasq_conf);
    assert_null(loaded2->firewall_table);
    assert_string_equal(g_key_file_get_string(file2, "network", "name", NULL) ?: "", "default");
}

static void
test_runtime_hostile(void **state)
{
    static const char *const bad[] = {
        "[other]\nbridge=virbr0\n",
        "[runtime]\n",
        "[runtime]\nbridge=\n",
        "[runtime]\nbridge=a-name-too-long-x\n",
        "[runtime]\nbridge=br;0\n",
        "[runtime]\nbridge=virbr0\nmade-bridge=perhaps\n",
        "[runtime]\nbridge=virbr0\ndnsmasq-pid=-1\n",
        "[runtime]\nbridge=virbr0\ndnsmasq-pid=99999999\n",
        "[runtime]\nbridge=virbr0\ndnsmasq-pid=12x\n",
        "[runtime]\nbridge=virbr0\ndnsmasq-conf=relative/virbr0.conf\n",
        "[runtime]\nbridge=virbr0\ndnsmasq-conf=/run/../etc/passwd.conf\n",
        "[runtime]\nbridge=virbr0\ndnsmasq-conf=/etc/passwd\n",
        "[runtime]\nbridge=virbr0\ndnsmasq-conf=/run/a\\nb.conf\n",
        "[runtime]\nbridge=virbr0\nleases-file=/etc/shadow\n",
        /* Files of ours, but another network's or outside networks/. */
        "[runtime]\nbridge=virbr0\ndnsmasq-conf=/etc/virbr0.conf\n",
        "[runtime]\nbridge=virbr0\ndnsmasq-conf=/run/marina/networks/virbr1.conf\n",
        "[runtime]\nbridge=virbr0\nleases-file=/run/marina/networks/virbr1.leases\n",
        "[runtime]\nbridge=virbr0\nleases-file=/run/marina/networks/virbr0.conf\n",
        "[runtime]\nbridge=virbr0\nfirewall-table=filter\n",
        "[runtime]\nbridge=virbr0\nfirewall-table=marina-net-virbr1\n",
    };

    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GKeyFile) file = g_key_file_new();
        g_autoptr(GError) error = NULL;
        MarinaNetRuntime *rt;

        assert_true(g_key_file_load_from_data(file, bad[i], -1, G_KEY_FILE_NONE, NULL));
        rt = marina_net_runtime_load(file, &error);
        if (rt != NULL)
            fail_msg("accepted: %s", bad[i]);
        assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG));
    }
}

static void
test_ra_route_devices(void **state)
{
    static const char routes[] =
        "fd000000000000000000000000000000 40 00000000000000000000000000000000 00 "
        "00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0\n"
        "20010db8000000000000000000000000 40 00000000000000000000000000000000 00 "
        "00000000000000000000000000000000 00000100 00000001 00000000 00040001     eth1\n"
        "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
        "fe800000000000000000000000000001 00000400 00000003 00000000 00450003     eth1\n"
        "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
        "fe800000000000000000000000000001 00000400 00000003 00000000 00450003     wlan0\n"
        /* hostile: too few fields, bad flags, bad device name */
        "00000000000000000000000000000000 00 00040000 eth9\n"
        "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
        "fe800000000000000000000000000001 00000400 00000003 00000000 zzzzzzzz     eth8\n"
        "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
        "fe800000000000000000000000000001 00000400 00000003 00000000 00040000     a;b\n"
        "garbage\n";
    g_auto(GStrv) devices = marina_net_ra_route_devices(routes);
    g_auto(GStrv) none = marina_net_ra_route_devices(NULL);

    assert_int_equal(g_strv_length(devices), 2);
    assert_string_equal(devices[0], "eth1");
    assert_string_equal(devices[1], "wlan0");
    assert_int_equal(g_strv_length(none), 0);
}

static void
test_link_json_is_bridge(void **state)
{
    assert_true(marina_net_link_json_is_bridge(
        "[{\"ifindex\":2,\"ifname\":\"virbr0\",\"linkinfo\":{\"info_kind\":\"bridge\","
        "\"info_data\":{\"stp_state\":1}}}]"));
    assert_false(marina_net_link_json_is_bridge(
        "[{\"ifindex\":2,\"ifname\":\"eth0\",\"linkinfo\":{\"info_kind\":\"veth\"}}]"));
    assert_false(marina_net_link_json_is_bridge("[{\"ifindex\":2,\"ifname\":\"eth0\"}]"));
    assert_false(marina_net_link_json_is_bridge("[{\"linkinfo\":{\"info_kind\":7}}]"));
    assert_false(marina_net_link_json_is_bridge("[{\"linkinfo\":[]}]"));
    assert_false(marina_net_link_json_is_bridge("[]"));
    assert_false(marina_net_link_json_is_bridge("{}"));
    assert_false(marina_net_link_json_is_bridge("not json"));
    assert_false(marina_net_link_json_is_bridge(NULL));
}

static void
test_command_reason(void **state)
{
    g_autofree char *nft =
        marina_net_command_reason("/dev/stdin:3:1-5: Error: syntax error\nbad line\n^^^^^\n");
    g_autofree char *empty = marina_net_command_reason("\n\n");
    g_autofree char *dot = marina_net_command_reason("RTNETLINK answers: File exists.\n");

    assert_string_equal(nft, "/dev/stdin:3:1-5: Error: syntax error bad line");
    assert_string_equal(empty, "the program gave no reason");
    assert_string_equal(dot, "RTNETLINK answers: File exists");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dnsmasq_conf_default_network),
        cmocka_unit_test(test_dnsmasq_conf_dns_options),
        cmocka_unit_test(test_dnsmasq_conf_ipv6_and_static_only),
        cmocka_unit_test(test_dnsmasq_hosts_files),
        cmocka_unit_test(test_dnsmasq_not_needed),
        cmocka_unit_test(test_firewall_nat),
        cmocka_unit_test(test_firewall_nat_forward_dev_and_ports),
        cmocka_unit_test(test_firewall_route_isolated_open),
        cmocka_unit_test(test_firewall_port_forwards),
        cmocka_unit_test(test_bridge_setup_text),
        cmocka_unit_test(test_names_and_addresses),
        cmocka_unit_test(test_leases_parse),
        cmocka_unit_test(test_leases_hostile),
        cmocka_unit_test(test_read_leases_from_file),
        cmocka_unit_test(test_runtime_round_trip),
        cmocka_unit_test(test_runtime_hostile),
        cmocka_unit_test(test_ra_route_devices),
        cmocka_unit_test(test_link_json_is_bridge),
        cmocka_unit_test(test_command_reason),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
