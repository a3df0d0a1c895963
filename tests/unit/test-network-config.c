#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "error.h"
#include "network-config.h"

/* tests/data/networks, beside the unit tests' own data directory. */
#define NETWORKS_DIR MARINA_TEST_DATA "/../../data/networks"

static char *
read_data(const char *name)
{
    g_autofree char *path = g_build_filename(NETWORKS_DIR, name, NULL);
    char *text = NULL;

    assert_true(g_file_get_contents(path, &text, NULL, NULL));
    return text;
}

static MarinaNetworkConfig *
parse_file(const char *name, GPtrArray *warnings)
{
    g_autofree char *xml = read_data(name);
    g_autoptr(GError) error = NULL;
    MarinaNetworkConfig *c = marina_network_config_parse(xml, -1, warnings, &error);

    if (c == NULL)
        fail_msg("%s: %s", name, error->message);
    return c;
}

static MarinaNetworkConfig *
parse_ok(const char *xml)
{
    g_autoptr(GError) error = NULL;
    MarinaNetworkConfig *c = marina_network_config_parse(xml, -1, NULL, &error);

    if (c == NULL)
        fail_msg("%s", error->message);
    return c;
}

static void
expect_parse_error(const char *xml, const char *fragment)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaNetworkConfig) c = marina_network_config_parse(xml, -1, NULL, &error);

    assert_null(c);
    assert_non_null(error);
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG));
    if (strstr(error->message, fragment) == NULL)
        fail_msg("expected '%s' in: %s", fragment, error->message);
}

static gboolean
has_warning(GPtrArray *warnings, const char *fragment)
{
    for (guint i = 0; i < warnings->len; i++) {
        if (strstr(warnings->pdata[i], fragment) != NULL)
            return TRUE;
    }
    return FALSE;
}

/* to_xml, parse, to_xml again: the same text and (through it) an equal config. */
static void
assert_round_trip(const MarinaNetworkConfig *c)
{
    g_autofree char *first = marina_network_config_to_xml(c);
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(MarinaNetworkConfig) again = marina_network_config_parse(first, -1, warnings, &error);
    g_autoptr(MarinaNetworkConfig) copy = marina_network_config_copy(c);
    g_autofree char *second = NULL;
    g_autofree char *copied = marina_network_config_to_xml(copy);

    if (again == NULL)
        fail_msg("written XML does not parse: %s\n%s", error->message, first);
    assert_int_equal(warnings->len, 0);
    second = marina_network_config_to_xml(again);
    assert_string_equal(first, second);
    assert_string_equal(first, copied);
}

static void
test_every_file_round_trips(void **state)
{
    g_autoptr(GDir) dir = g_dir_open(NETWORKS_DIR, 0, NULL);
    const char *name;
    guint count = 0;

    assert_non_null(dir);
    while ((name = g_dir_read_name(dir)) != NULL) {
        g_autoptr(MarinaNetworkConfig) c = NULL;

        if (!g_str_has_suffix(name, ".xml"))
            continue;
        c = parse_file(name, NULL);
        assert_true(marina_network_config_validate(c, NULL));
        assert_round_trip(c);
        count++;
    }
    assert_true(count >= 12);
}

static void
test_default_network_file(void **state)
{
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(MarinaNetworkConfig) c = parse_file("default.xml", warnings);
    g_autoptr(MarinaNetworkConfig) live = parse_file("default-live.xml", warnings);
    MarinaNetIp *ip = marina_network_config_get_ipv4(c);
    MarinaNetDhcpRange *r;
    g_autofree char *xml = marina_network_config_to_xml(c);

    assert_int_equal(warnings->len, 0); /* connections= is quiet */
    assert_string_equal(c->name, "default");
    assert_string_equal(c->uuid, "9a05da11-e96b-47f3-8253-a3a482e445f5");
    assert_int_equal(c->forward, MARINA_NET_FORWARD_NAT);
    assert_string_equal(c->bridge, "virbr0");
    assert_true(c->stp);
    assert_int_equal(c->delay, 0);
    assert_string_equal(c->mac, "52:54:00:0a:cd:21");
    assert_true(c->dns_enabled);
    assert_non_null(ip);
    assert_null(marina_network_config_get_ipv6(c));
    assert_string_equal(ip->address, "192.168.122.1");
    assert_int_equal(ip->prefix, 24);
    assert_true(ip->netmask);
    assert_int_equal(ip->ranges->len, 1);
    r = ip->ranges->pdata[0];
    assert_string_equal(r->start, "192.168.122.2");
    assert_string_equal(r->end, "192.168.122.254");
    assert_non_null(strstr(xml, "<ip address='192.168.122.1' netmask='255.255.255.0'>"));
    assert_non_null(strstr(xml, "<bridge name='virbr0' stp='on' delay='0'/>"));
    /* The live dump: upper-case MAC canonicalised, the NAT port range kept. */
    assert_string_equal(live->mac, "52:54:00:0a:cd:21");
    assert_int_equal(live->nat_port_start, 1024);
    assert_int_equal(live->nat_port_end, 65535);
}

static void
test_modes(void **state)
{
    g_autoptr(MarinaNetworkConfig) iso = parse_file("isolated.xml", NULL);
    g_autoptr(MarinaNetworkConfig) routed = parse_file("routed.xml", NULL);
    g_autoptr(MarinaNetworkConfig) open = parse_file("open.xml", NULL);
    g_autoptr(MarinaNetworkConfig) br = parse_file("bridge-br0.xml", NULL);
    g_autoptr(MarinaNetworkConfig) nat = parse_file("nat-port-range.xml", NULL);
    g_autoptr(MarinaNetworkConfig) mtu = parse_file("mtu.xml", NULL);
    MarinaNetRoute *route;

    assert_int_equal(iso->forward, MARINA_NET_FORWARD_NONE);
    assert_non_null(iso->uuid); /* generated */
    assert_int_equal(routed->forward, MARINA_NET_FORWARD_ROUTE);
    assert_string_equal(routed->forward_dev, "eth0");
    assert_string_equal(routed->title, "Routed lab");
    assert_false(routed->stp);
    assert_int_equal(routed->delay, 2);
    assert_int_equal(routed->routes->len, 1);
    route = routed->routes->pdata[0];
    assert_string_equal(route->address, "10.30.0.0");
    assert_int_equal(route->prefix, 16);
    assert_string_equal(route->gateway, "10.20.0.2");
    assert_int_equal(open->forward, MARINA_NET_FORWARD_OPEN);
    assert_int_equal(marina_network_config_get_ipv4(open)->prefix, 16);
    assert_int_equal(br->forward, MARINA_NET_FORWARD_BRIDGE);
    assert_string_equal(br->bridge, "br0");
    assert_int_equal(br->ips->len, 0);
    assert_string_equal(nat->forward_dev, "enp3s0");
    assert_int_equal(nat->nat_port_start, 20000);
    assert_int_equal(nat->nat_port_end, 30000);
    assert_int_equal(mtu->mtu, 9000);
    assert_string_equal(marina_net_forward_mode_name(MARINA_NET_FORWARD_NONE), "none");
    assert_string_equal(marina_net_forward_mode_name(MARINA_NET_FORWARD_NAT), "nat");
    assert_string_equal(marina_net_forward_mode_name(MARINA_NET_FORWARD_ROUTE), "route");
    assert_string_equal(marina_net_forward_mode_name(MARINA_NET_FORWARD_OPEN), "open");
    assert_string_equal(marina_net_forward_mode_name(MARINA_NET_FORWARD_BRIDGE), "bridge");
}

static void
test_ipv6_and_hosts(void **state)
{
    g_autoptr(MarinaNetworkConfig) c = parse_file("ipv6-dhcpv6.xml", NULL);
    g_autoptr(MarinaNetworkConfig) s = parse_file("static-hosts.xml", NULL);
    MarinaNetIp *v6 = marina_network_config_get_ipv6(c);
    MarinaNetIp *v4 = marina_network_config_get_ipv4(s);
    MarinaNetDhcpHost *h;
    const MarinaNetDhcpHost *found;

    assert_true(c->ipv6_internal);
    assert_non_null(v6);
    assert_true(v6->ipv6);
    assert_int_equal(v6->prefix, 64);
    assert_int_equal(v6->hosts->len, 2);
    h = v6->hosts->pdata[1];
    assert_string_equal(h->ip, "2001:db8:ca2:2:3::5"); /* canonical */
    assert_string_equal(h->name, "paul");
    h = v6->hosts->pdata[0];
    assert_string_equal(h->id, "0:4:7e:7d:f0:7d:a8:bc:c5:d2:13:32:11:ed:16:ea:84:63");
    assert_true(marina_net_ip_contains(v6, "2001:db8:ca2:2::99"));
    assert_false(marina_net_ip_contains(v6, "2001:db8:ca2:3::1"));
    assert_false(marina_net_ip_contains(v6, "192.168.150.5"));
    assert_true(((MarinaNetRoute *)c->routes->pdata[0])->ipv6);

    assert_int_equal(v4->hosts->len, 3);
    assert_string_equal(v4->tftp_root, "/var/lib/tftpboot");
    assert_string_equal(v4->bootp_file, "pxelinux.0");
    assert_string_equal(s->domain, "lab.example");
    assert_true(s->domain_local);
    found = marina_network_config_find_host(s, "52:54:00:6C:3C:02");
    assert_non_null(found);
    assert_string_equal(found->mac, "52:54:00:6c:3c:02");
    assert_string_equal(found->ip, "192.168.160.11");
    assert_null(marina_network_config_find_host(s, "52:54:00:6c:3c:09"));
    assert_null(marina_network_config_find_host(s, "nonsense"));
}

static void
test_dns_and_port_forwards(void **state)
{
    g_autoptr(MarinaNetworkConfig) d = parse_file("dns-hosts.xml", NULL);
    g_autoptr(MarinaNetworkConfig) off = parse_file("dns-disabled.xml", NULL);
    g_autoptr(MarinaNetworkConfig) p = parse_file("port-forwards.xml", NULL);
    MarinaNetDnsHost *h;
    MarinaNetPortForward *f;

    assert_int_equal(d->dns_hosts->len, 2);
    h = d->dns_hosts->pdata[0];
    assert_string_equal(h->ip, "192.168.180.2");
    assert_int_equal(h->hostnames->len, 2);
    assert_string_equal(h->hostnames->pdata[1], "myhostalias");
    assert_int_equal(d->dns_forwarders->len, 1);
    assert_string_equal(d->dns_forwarders->pdata[0], "192.0.2.53");
    assert_false(off->dns_enabled);

    assert_int_equal(p->port_forwards->len, 3);
    f = p->port_forwards->pdata[0];
    assert_string_equal(f->proto, "tcp");
    assert_null(f->address);
    assert_string_equal(f->guest, "192.168.170.10");
    assert_int_equal(f->start, 2222);
    assert_int_equal(f->end, 2222);
    assert_int_equal(f->to, 22);
    f = p->port_forwards->pdata[1];
    assert_string_equal(f->address, "127.0.0.1");
    assert_int_equal(f->end, 8081);
    assert_int_equal(f->to, 80);
    f = p->port_forwards->pdata[2];
    assert_string_equal(f->proto, "udp");
    assert_null(f->guest);
    assert_int_equal(f->to, 5353);
}

static void
test_unknown_elements_warn(void **state)
{
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(MarinaNetworkConfig) c = parse_file("unknown-elements.xml", warnings);
    static const char *const expected[] = {
        "'trustGuestRxFilters' of <network>",
        "<metadata>",
        "<forward>/<nat>/<address>",
        "<forward>/<interface dev='eth1'>",
        "'macTableManager' of <bridge>",
        "'forwardPlainNames' of <dns>",
        "<dns>/<txt>",
        "<dns>/<srv>",
        "<dns>/<forwarder domain='example.com'>",
        "'localPtr' of <ip>",
        "<dhcp>/<range>/<lease>",
        "<virtualport>",
    };

    for (guint i = 0; i < G_N_ELEMENTS(expected); i++) {
        if (!has_warning(warnings, expected[i]))
            fail_msg("no warning naming %s", expected[i]);
    }
    assert_int_equal(warnings->len, G_N_ELEMENTS(expected));
    assert_string_equal(c->forward_dev, "eth0");
    assert_int_equal(c->dns_forwarders->len, 0);
}

static const struct {
    const char *file;
    const char *message;
} invalid_files[] = {
    {"overlapping-range.xml",
     "DHCP range 192.168.122.50 - 192.168.122.150 overlaps the range 192.168.122.10 - "
     "192.168.122.100"},
    {"range-outside-subnet.xml",
     "DHCP range 192.168.122.2 - 192.168.123.254 is outside the network 192.168.122.0/24."},
    {"range-reversed.xml", "starts after it ends"},
    {"range-contains-host.xml", "contains the host's own address 192.168.122.50"},
    {"duplicate-mac.xml", "The MAC address 52:54:00:00:00:01 is given to two <dhcp>/<host>"},
    {"multicast-mac.xml", "mac='01:00:5e:00:00:01' is not a unicast MAC address"},
    {"bad-bridge-name.xml", "<bridge name> 'vir br0' is not a valid interface name"},
    {"bridge-name-too-long.xml", "'averyverylongbridge' is not a valid interface name"},
    {"second-ipv4-dhcp.xml", "A second IPv4 <ip> (192.168.123.1) has <dhcp>"},
    {"bad-port.xml", "<portForward>/<range> start='70000' is not valid"},
    {"port-forward-overflow.xml", "to='65530' is not valid"},
    {"port-forward-proto.xml", "<portForward proto='sctp'> is not supported"},
    {"port-forward-overlap.xml", "overlap another forward"},
    {"bridge-mode-with-ip.xml", "A <forward mode='bridge'> network cannot have <ip>"},
    {"bridge-mode-no-name.xml", "<forward mode='bridge'> needs the host bridge"},
    {"host-outside-subnet.xml",
     "<dhcp>/<host ip> 10.0.0.5 is outside the network 192.168.122.0/24"},
    {"bad-netmask.xml", "<ip netmask='255.0.255.0'> is not a valid netmask"},
    {"bad-prefix.xml", "<ip> prefix='33' is not valid"},
    {"bad-address.xml", "<ip> address='192.168.122.300' is not an IP address"},
    {"family-mismatch.xml", "<ip family='ipv6'> does not match its address 192.168.122.1"},
    {"unsupported-forward.xml", "<forward mode='passthrough'> is not supported by Marina"},
    {"bad-name.xml", "contains '/'"},
    {"entity.xml", "declares entities"},
    {"nat-port-reversed.xml", "<nat>/<port start='30000' end='20000'> is not a valid port range"},
    {"route-gateway-outside.xml", "<route gateway='10.99.0.2'> is not inside any <ip>"},
    {"mtu-too-small.xml", "<mtu> size='20' is not valid"},
    {"dns-host-no-hostname.xml", "<dns>/<host ip='192.168.122.5'> has no <hostname>"},
    {"ipv6-host-mac.xml", "is in an IPv6 <ip>"},
    {"not-a-network.xml", "The root element is <domain>"},
};

static void
test_invalid_files(void **state)
{
    g_autoptr(GDir) dir = g_dir_open(NETWORKS_DIR "/invalid", 0, NULL);
    const char *name;
    guint files = 0;

    for (guint i = 0; i < G_N_ELEMENTS(invalid_files); i++) {
        g_autofree char *path = g_build_filename("invalid", invalid_files[i].file, NULL);
        g_autofree char *xml = read_data(path);

        expect_parse_error(xml, invalid_files[i].message);
    }
    /* Every file in invalid/ has its expected message here. */
    assert_non_null(dir);
    while ((name = g_dir_read_name(dir)) != NULL) {
        gboolean listed = FALSE;

        for (guint i = 0; i < G_N_ELEMENTS(invalid_files); i++)
            listed = listed || g_str_equal(name, invalid_files[i].file);
        if (!listed)
            fail_msg("invalid/%s has no expected message in the test", name);
        files++;
    }
    assert_int_equal(files, G_N_ELEMENTS(invalid_files));
}

static void
test_hostile_input(void **state)
{
    g_autoptr(GString) big = g_string_new("<network><name>big</name><description>");
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaNetworkConfig) c = NULL;

    while (big->len <= MARINA_NETWORK_XML_MAX)
        g_string_append(big, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
    g_string_append(big, "</description></network>");
    c = marina_network_config_parse(big->str, big->len, NULL, &error);
    assert_null(c);
    assert_non_null(strstr(error->message, "larger than"));
    expect_parse_error("<network><name>a</name>", "not well-formed");
    expect_parse_error("<network><name>a</name><name>b</name></network>",
                       "<name> appears more than once");
    expect_parse_error("<network><name>a</name><mtu size='x'/></network>", "<mtu> size='x'");
    expect_parse_error("<network><name>a</name><bridge stp='maybe'/></network>",
                       "<bridge> stp='maybe' is not valid; use 'on' or 'off'");
    expect_parse_error("<network><name>a</name><ip address='10.0.0.1'/></network>",
                       "has no prefix or netmask");
    expect_parse_error("<network><name>a</name>"
                       "<ip address='10.0.0.1' prefix='8' netmask='255.0.0.0'/></network>",
                       "has both netmask and prefix");
    expect_parse_error("<network><name>a</name><ip address='10.0.0.0' prefix='24'/></network>",
                       "is the network or broadcast address");
    expect_parse_error("<network><name>a</name><uuid>zz</uuid></network>", "is not a valid UUID");
    expect_parse_error("<network><name>a</name><title>x\ty</title></network>",
                       "<title> contains a line break");
    expect_parse_error("<network></network>", "has no <name>");
    expect_parse_error("<network><name>a</name><domain localOnly='yes'/></network>",
                       "<domain> has no name");
    expect_parse_error("<network><name>a</name><dns enable='no'><host ip='10.0.0.2'>"
                       "<hostname>h</hostname></host></dns></network>",
                       "<dns enable='no'> cannot have <host>");
    expect_parse_error("<network><name>a</name><portForward address='::1' guest='10.0.0.2'>"
                       "<range start='22'/></portForward><ip address='10.0.0.1' prefix='24'/>"
                       "</network>",
                       "mixes IPv4 and IPv6");
    expect_parse_error("<network><name>..</name></network>", "cannot be a network name");
}

static void
test_names(void **state)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *long_name = g_strnfill(65, 'a');

    assert_true(marina_network_name_is_valid("default", NULL));
    assert_true(marina_network_name_is_valid("lab net-1.é", NULL));
    assert_false(marina_network_name_is_valid("", NULL));
    assert_false(marina_network_name_is_valid(NULL, NULL));
    assert_false(marina_network_name_is_valid(".", NULL));
    assert_false(marina_network_name_is_valid("a\tb", NULL));
    assert_false(marina_network_name_is_valid("\xff\xfe", NULL));
    assert_false(marina_network_name_is_valid(long_name, &error));
    assert_non_null(strstr(error->message, "longer than 64"));
}

static MarinaNetworkConfig *
network_with_subnet(const char *name, const char *address, guint prefix, const char *bridge)
{
    g_autofree char *xml = g_strdup_printf("<network><name>%s</name><bridge name='%s'/>"
                                           "<ip address='%s' prefix='%u'/></network>",
                                           name, bridge, address, prefix);
    return parse_ok(xml);
}

static void
test_check_conflict(void **state)
{
    g_autoptr(MarinaNetworkConfig) def = marina_network_config_new_default();
    g_autoptr(MarinaNetworkConfig) lab = network_with_subnet("lab", "192.168.122.5", 24, "virbr1");
    g_autoptr(MarinaNetworkConfig) wide = network_with_subnet("wide", "192.168.0.1", 16, "virbr2");
    g_autoptr(MarinaNetworkConfig) other = network_with_subnet("other", "10.1.0.1", 24, "virbr3");
    g_autoptr(MarinaNetworkConfig) samebr = network_with_subnet("samebr", "10.2.0.1", 24, "virbr0");
    g_autoptr(MarinaNetworkConfig) br1 = parse_ok("<network><name>j1</name><forward "
                                                  "mode='bridge'/><bridge name='br0'/></network>");
    g_autoptr(MarinaNetworkConfig) br2 = parse_ok("<network><name>j2</name><forward "
                                                  "mode='bridge'/><bridge name='br0'/></network>");
    g_autoptr(MarinaNetworkConfig) mk = network_with_subnet("mk", "10.3.0.1", 24, "br0");
    g_autoptr(MarinaNetworkConfig) v6a = parse_ok(
        "<network><name>v6a</name><ip family='ipv6' address='fd00::1' prefix='64'/></network>");
    g_autoptr(MarinaNetworkConfig) v6b = parse_ok(
        "<network><name>v6b</name><ip family='ipv6' address='fd00::2' prefix='48'/></network>");
    g_autoptr(GError) error = NULL;

    assert_true(marina_network_config_check_conflict(lab, def, &error));
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_ALREADY_EXISTS));
    assert_string_equal(error->message,
                        "Network 'lab' uses 192.168.122.0/24, which overlaps network 'default' "
                        "(192.168.122.0/24). Choose another address range.");
    g_clear_error(&error);
    assert_true(marina_network_config_check_conflict(wide, def, &error));
    assert_non_null(strstr(error->message, "192.168.0.0/16"));
    g_clear_error(&error);
    assert_true(marina_network_config_check_conflict(samebr, def, &error));
    assert_non_null(strstr(error->message, "bridge virbr0"));
    g_clear_error(&error);
    assert_false(marina_network_config_check_conflict(other, def, &error));
    assert_null(error);
    /* Two networks may join one existing host bridge, but Marina cannot make it as well. */
    assert_false(marina_network_config_check_conflict(br1, br2, NULL));
    assert_true(marina_network_config_check_conflict(mk, br1, &error));
    g_clear_error(&error);
    assert_true(marina_network_config_check_conflict(v6a, v6b, &error));
    assert_non_null(strstr(error->message, "fd00::/64"));
    g_clear_error(&error);
    assert_false(marina_network_config_check_conflict(v6a, def, NULL));
    /* A new definition of the same network does not conflict with the old one. */
    assert_false(marina_network_config_check_conflict(def, def, NULL));
}

static void
test_new_default(void **state)
{
    g_autoptr(MarinaNetworkConfig) c = marina_network_config_new_default();
    MarinaNetIp *ip = marina_network_config_get_ipv4(c);
    g_autofree char *xml = NULL;

    assert_true(marina_network_config_validate(c, NULL));
    assert_string_equal(c->name, "default");
    assert_non_null(c->uuid);
    assert_int_equal(c->forward, MARINA_NET_FORWARD_NAT);
    assert_string_equal(c->bridge, "virbr0");
    assert_string_equal(ip->address, "192.168.122.1");
    assert_int_equal(ip->prefix, 24);
    assert_string_equal(((MarinaNetDhcpRange *)ip->ranges->pdata[0])->start, "192.168.122.2");
    assert_string_equal(((MarinaNetDhcpRange *)ip->ranges->pdata[0])->end, "192.168.122.254");
    assert_round_trip(c);
    xml = marina_network_config_to_xml(c);
    assert_non_null(strstr(xml, "<forward mode='nat'/>"));
}

static void
test_built_in_code(void **state)
{
    g_autoptr(MarinaNetworkConfig) c = marina_network_config_new();
    g_autoptr(GError) error = NULL;
    g_autofree char *xml = NULL;

    assert_false(marina_network_config_validate(c, &error));
    assert_non_null(strstr(error->message, "<name>"));
    g_clear_error(&error);
    /* Text that needs escaping is written so that it reads back the same. */
    c->name = g_strdup("a&b <'q'>");
    c->uuid = g_strdup("4dea22b3-1d52-d8f3-2516-782e98ab3fa0");
    c->title = g_strdup("R&D's \"lab\"");
    c->description = g_strdup("line one\nline <two>");
    assert_true(marina_network_config_validate(c, NULL));
    assert_round_trip(c);
    xml = marina_network_config_to_xml(c);
    assert_non_null(strstr(xml, "<name>a&amp;b &lt;&apos;q&apos;&gt;</name>"));
    c->forward_dev = g_strdup("eth0");
    assert_false(marina_network_config_validate(c, &error));
    assert_non_null(strstr(error->message, "<forward dev='eth0'> needs a forward mode"));
    g_clear_error(&error);
    c->forward = MARINA_NET_FORWARD_ROUTE;
    assert_true(marina_network_config_validate(c, NULL));
    assert_round_trip(c);
    c->forward = (MarinaNetForwardMode)42;
    assert_false(marina_network_config_validate(c, &error));
    assert_non_null(strstr(error->message, "forward mode"));
}

/* ---- net-update ------------------------------------------------------- */

static void
expect_update(MarinaNetworkConfig *c, const char *command, const char *section, int parent,
              const char *xml)
{
    g_autoptr(GError) error = NULL;

    if (!marina_network_config_update(c, command, section, parent, xml, &error))
        fail_msg("%s %s %s: %s", command, section, xml, error->message);
}

/* Fails with @code and @fragment, and leaves @c as it was. */
static void
expect_update_error(MarinaNetworkConfig *c, const char *command, const char *section, int parent,
                    const char *xml, int code, const char *fragment)
{
    g_autofree char *before = marina_network_config_to_xml(c);
    g_autofree char *after = NULL;
    g_autoptr(GError) error = NULL;

    assert_false(marina_network_config_update(c, command, section, parent, xml, &error));
    assert_non_null(error);
    if (!g_error_matches(error, MARINA_ERROR, code) || strstr(error->message, fragment) == NULL)
        fail_msg("expected code %d and '%s', got %d: %s", code, fragment, error->code,
                 error->message);
    after = marina_network_config_to_xml(c);
    assert_string_equal(before, after);
}

static void
test_update_dhcp_host(void **state)
{
    g_autoptr(MarinaNetworkConfig) c = parse_file("ipv6-dhcpv6.xml", NULL);
    MarinaNetDhcpHost *h;
    /* An update replaces the config's contents: look the <ip> up afterwards. */
#define v4 marina_network_config_get_ipv4(c)
#define v6 marina_network_config_get_ipv6(c)

    expect_update(c, "add-last", "ip-dhcp-host", -1,
                  "<host mac='52:54:00:00:00:02' name='b' ip='192.168.150.11'/>");
    expect_update(c, "add-first", "ip-dhcp-host", -1,
                  "<host mac='52:54:00:00:00:01' name='a' ip='192.168.150.10'/>");
    expect_update(c, "add", "ip-dhcp-host", 0,
                  "<host mac='52:54:00:00:00:03' ip='192.168.150.12'/>");
    assert_int_equal(v4->hosts->len, 3);
    h = v4->hosts->pdata[0];
    assert_string_equal(h->name, "a");
    h = v4->hosts->pdata[2];
    assert_string_equal(h->ip, "192.168.150.12");
    expect_update(c, "modify", "ip-dhcp-host", -1,
                  "<host mac='52:54:00:00:00:01' name='a2' ip='192.168.150.20'/>");
    h = v4->hosts->pdata[0];
    assert_string_equal(h->name, "a2");
    assert_string_equal(h->ip, "192.168.150.20");
    expect_update(c, "delete", "ip-dhcp-host", -1, "<host mac='52:54:00:00:00:02'/>");
    assert_int_equal(v4->hosts->len, 2);
    /* IPv6 hosts go to the IPv6 <ip> by their address or id. */
    expect_update(c, "add-last", "ip-dhcp-host", -1,
                  "<host id='0:1:0:1:aa:bb' ip='2001:db8:ca2:2:3::9'/>");
    assert_int_equal(v6->hosts->len, 3);
    expect_update(c, "delete", "ip-dhcp-host", -1, "<host id='0:1:0:1:aa:bb'/>");
    expect_update(c, "delete", "ip-dhcp-host", 1, "<host name='paul'/>");
    assert_int_equal(v6->hosts->len, 1);

    expect_update_error(c, "add-last", "ip-dhcp-host", -1,
                        "<host mac='52:54:00:00:00:01' ip='192.168.150.30'/>",
                        MARINA_ERROR_ALREADY_EXISTS, "already has DHCP host 52:54:00:00:00:01");
    expect_update_error(c, "delete", "ip-dhcp-host", -1, "<host mac='52:54:00:00:00:09'/>",
                        MARINA_ERROR_INVALID_ARGUMENT,
                        "has no DHCP host 52:54:00:00:00:09 to delete");
    expect_update_error(c, "modify", "ip-dhcp-host", -1,
                        "<host mac='52:54:00:00:00:09' ip='192.168.150.30'/>",
                        MARINA_ERROR_INVALID_ARGUMENT, "to modify");
    /* Validation of the whole result: a second host with the same address. */
    expect_update_error(c, "add-last", "ip-dhcp-host", -1,
                        "<host mac='52:54:00:00:00:07' ip='192.168.150.12'/>",
                        MARINA_ERROR_INVALID_CONFIG, "The address 192.168.150.12 is given to two");
    expect_update_error(c, "add-last", "ip-dhcp-host", -1,
                        "<host mac='52:54:00:00:00:07' ip='10.9.9.9'/>",
                        MARINA_ERROR_INVALID_CONFIG, "outside the network");
    expect_update_error(c, "add-last", "ip-dhcp-host", 5,
                        "<host mac='52:54:00:00:00:07' ip='192.168.150.40'/>",
                        MARINA_ERROR_INVALID_ARGUMENT, "no <ip> number 5");
    expect_update_error(c, "add-last", "ip-dhcp-host", -1, "<range start='1' end='2'/>",
                        MARINA_ERROR_INVALID_CONFIG, "takes one <host> element, not <range>");
    expect_update_error(c, "add-last", "ip-dhcp-host", -1, "<host/>", MARINA_ERROR_INVALID_CONFIG,
                        "neither mac, id nor name");
#undef v4
#undef v6
}

static void
test_update_ranges_dns_forwards(void **state)
{
    g_autoptr(MarinaNetworkConfig) c = parse_file("isolated.xml", NULL);
    MarinaNetPortForward *f;
#define ip marina_network_config_get_ipv4(c)

    expect_update(c, "add-last", "ip-dhcp-range", -1,
                  "<range start='10.10.0.200' end='10.10.0.220'/>");
    expect_update(c, "add-first", "ip-dhcp-range", 0, "<range start='10.10.0.2' end='10.10.0.9'/>");
    assert_int_equal(ip->ranges->len, 3);
    assert_string_equal(((MarinaNetDhcpRange *)ip->ranges->pdata[0])->start, "10.10.0.2");
    expect_update(c, "delete", "ip-dhcp-range", -1,
                  "<range start='10.10.0.100' end='10.10.0.199'/>");
    assert_int_equal(ip->ranges->len, 2);
    expect_update(c, "add", "ip-dhcp-range", -1, "<range start='10.10.0.100' end='10.10.0.150'/>");
    assert_int_equal(ip->ranges->len, 3);
    assert_string_equal(((MarinaNetDhcpRange *)ip->ranges->pdata[2])->end, "10.10.0.150");
    /* A range is known by its ends: modify replaces it with the same one. */
    expect_update(c, "modify", "ip-dhcp-range", -1,
                  "<range start='10.10.0.100' end='10.10.0.150'/>");
    assert_int_equal(ip->ranges->len, 3);
    expect_update(c, "delete", "ip-dhcp-range", 0,
                  "<range start='10.10.0.100' end='10.10.0.150'/>");
    assert_int_equal(ip->ranges->len, 2);
    expect_update_error(c, "modify", "ip-dhcp-range", -1,
                        "<range start='10.10.0.2' end='10.10.0.8'/>", MARINA_ERROR_INVALID_ARGUMENT,
                        "no DHCP range 10.10.0.2 - 10.10.0.8 to modify");
    expect_update_error(c, "add-last", "ip-dhcp-range", -1,
                        "<range start='10.10.0.5' end='10.10.0.50'/>", MARINA_ERROR_INVALID_CONFIG,
                        "overlaps the range");
    expect_update_error(c, "add-last", "ip-dhcp-range", -1,
                        "<range start='2001:db8::5' end='2001:db8::50'/>",
                        MARINA_ERROR_INVALID_ARGUMENT, "no IPv6 <ip>");

    expect_update(c, "add-last", "dns-host", -1,
                  "<host ip='10.10.0.5'><hostname>web</hostname></host>");
    expect_update(c, "add-first", "dns-host", -1,
                  "<host ip='10.10.0.6'><hostname>db</hostname></host>");
    expect_update(c, "modify", "dns-host", -1,
                  "<host ip='10.10.0.5'><hostname>www</hostname><hostname>web</hostname></host>");
    assert_int_equal(c->dns_hosts->len, 2);
    assert_int_equal(((MarinaNetDnsHost *)c->dns_hosts->pdata[1])->hostnames->len, 2);
    expect_update(c, "delete", "dns-host", -1, "<host ip='10.10.0.6'/>");
    assert_int_equal(c->dns_hosts->len, 1);
    expect_update_error(c, "add", "dns-host", -1, "<host ip='10.10.0.7'/>",
                        MARINA_ERROR_INVALID_CONFIG, "has no <hostname>");

    expect_update(c, "add-last", "port-forward", -1,
                  "<portForward proto='tcp' guest='10.10.0.5'><range start='8080' "
                  "to='80'/></portForward>");
    expect_update(c, "add-first", "port-forward", -1,
                  "<portForward proto='udp'><range start='5000' end='5010'/></portForward>");
    expect_update(c, "modify", "port-forward", -1,
                  "<portForward proto='tcp' guest='10.10.0.5'><range start='8080' "
                  "to='8000'/></portForward>");
    assert_int_equal(c->port_forwards->len, 2);
    f = c->port_forwards->pdata[1];
    assert_int_equal(f->to, 8000);
    expect_update(c, "delete", "port-forward", -1,
                  "<portForward proto='udp'><range start='5000'/></portForward>");
    assert_int_equal(c->port_forwards->len, 1);
    expect_update_error(c, "add-last", "port-forward", -1,
                        "<portForward proto='tcp'><range start='8080' end='8085'/></portForward>",
                        MARINA_ERROR_ALREADY_EXISTS, "port forward from port 8080");
    expect_update_error(c, "add-last", "port-forward", -1,
                        "<portForward proto='tcp'><range start='8070' end='8085'/></portForward>",
                        MARINA_ERROR_INVALID_CONFIG, "overlap another forward");

    expect_update_error(c, "append", "dns-host", -1, "<host ip='10.10.0.8'/>",
                        MARINA_ERROR_INVALID_ARGUMENT, "'append' is not an update command");
    expect_update_error(c, "add", "dns-txt", -1, "<txt/>", MARINA_ERROR_INVALID_ARGUMENT,
                        "'dns-txt' is not a section");
    expect_update_error(c, "add", "dns-host", -1, "<host", MARINA_ERROR_INVALID_CONFIG,
                        "not well-formed");
    expect_update_error(c, "add", "dns-host", -1, NULL, MARINA_ERROR_INVALID_CONFIG,
                        "No XML was given");
    assert_round_trip(c);
#undef ip
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_file_round_trips),
        cmocka_unit_test(test_default_network_file),
        cmocka_unit_test(test_modes),
        cmocka_unit_test(test_ipv6_and_hosts),
        cmocka_unit_test(test_dns_and_port_forwards),
        cmocka_unit_test(test_unknown_elements_warn),
        cmocka_unit_test(test_invalid_files),
        cmocka_unit_test(test_hostile_input),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_check_conflict),
        cmocka_unit_test(test_new_default),
        cmocka_unit_test(test_built_in_code),
        cmocka_unit_test(test_update_dhcp_host),
        cmocka_unit_test(test_update_ranges_dns_forwards),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
