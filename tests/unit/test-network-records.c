#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "records.h"

/* The typed records of the network and host-device replies, read from the
 * daemon's variants; a malformed reply gives defaults, never a crash. */

static void
test_network_records(void **state)
{
    g_autoptr(GVariant) v = g_variant_ref_sink(g_variant_new_parsed(
        "[(objectpath '/org/marinavm/Marina1/network/default', 'default', true, true, true, "
        "'virbr0', 'nat'), (objectpath '/org/marinavm/Marina1/network/lab', 'lab', false, false, "
        "false, '', 'none')]"));
    g_autoptr(GVariant) wrong = g_variant_ref_sink(g_variant_new_parsed("[('x', 1)]"));
    g_autoptr(GPtrArray) records = marina_network_records_from_variant(v);
    g_autoptr(GPtrArray) none = marina_network_records_from_variant(wrong);
    MarinaNetworkRecord *r;

    assert_int_equal(records->len, 2);
    r = records->pdata[0];
    assert_string_equal(r->object_path, "/org/marinavm/Marina1/network/default");
    assert_string_equal(r->name, "default");
    assert_true(r->active && r->autostart && r->persistent);
    assert_string_equal(r->bridge, "virbr0");
    assert_string_equal(r->forward, "nat");
    r = records->pdata[1];
    assert_false(r->active || r->autostart || r->persistent);
    assert_string_equal(r->forward, "none");
    assert_int_equal(none->len, 0);
}

static void
test_network_info(void **state)
{
    g_autoptr(GVariant) v = g_variant_ref_sink(g_variant_new_parsed(
        "{'name': <'default'>, 'uuid': <'9a05da11-e96b-47f3-8253-a3a482e445f5'>, "
        "'active': <true>, 'autostart': <false>, 'persistent': <true>, 'bridge': <'virbr0'>, "
        "'forward': <'nat'>, 'ipv4': <'192.168.122.1/24'>, 'dhcp-start': <'192.168.122.2'>, "
        "'dhcp-end': <'192.168.122.254'>, 'mtu': <uint32 1500>, 'how': <'user'>, "
        "'how-detail': <'User-mode networking.'>, 'guests': <['web', 'db']>, "
        "'forward-dev': <42>}"));
    g_autoptr(MarinaNetworkInfo) info = marina_network_info_from_variant(v);

    assert_string_equal(info->name, "default");
    assert_true(info->active);
    assert_false(info->autostart);
    assert_true(info->persistent);
    assert_string_equal(info->ipv4, "192.168.122.1/24");
    assert_string_equal(info->ipv6, "");
    assert_string_equal(info->dhcp_end, "192.168.122.254");
    assert_string_equal(info->ipv6_dhcp_start, "");
    assert_int_equal(info->mtu, 1500);
    assert_string_equal(info->how, "user");
    assert_int_equal(g_strv_length(info->guests), 2);
    assert_string_equal(info->forward_dev, ""); /* mistyped: the default */
}

static void
test_leases_interfaces_devices(void **state)
{
    g_autoptr(GVariant) leases = g_variant_ref_sink(g_variant_new_parsed(
        "[{'expiry': <int64 1700000000>, 'mac': <'52:54:00:aa:bb:cc'>, "
        "'address': <'192.168.122.50'>, 'prefix': <uint32 24>, 'type': <'ipv4'>, "
        "'hostname': <'web'>, 'client-id': <'01:52:54:00:aa:bb:cc'>}, {'mac': <'x'>}]"));
    g_autoptr(GVariant) ifaces = g_variant_ref_sink(g_variant_new_parsed(
        "[{'name': <'eth0'>, 'mac': <'52:54:00:01:02:03'>, 'state': <'up'>, "
        "'kind': <'ethernet'>, 'mtu': <uint32 1500>, 'addresses': <['10.0.0.5/24']>, "
        "'marina-network': <''>}]"));
    g_autoptr(GVariant) usb = g_variant_ref_sink(g_variant_new_parsed(
        "[{'name': <'usb_1_4'>, 'bus': <uint32 1>, 'device': <uint32 4>, "
        "'vendor-id': <uint16 0x046d>, 'product-id': <uint16 0xc52b>, 'vendor': <'Logitech'>, "
        "'product': <'Receiver'>, 'used-by': <'web'>}]"));
    g_autoptr(GVariant) pci = g_variant_ref_sink(g_variant_new_parsed(
        "[{'name': <'pci_0000_00_1f_3'>, 'address': <'0000:00:1f.3'>, 'vendor-id': <uint16 "
        "0x8086>, 'product-id': <uint16 0xa348>, 'class': <'0x040300'>, 'driver': <''>, "
        "'iommu-group': <int32 12>}]"));
    g_autoptr(GPtrArray) l = marina_dhcp_leases_from_variant(leases);
    g_autoptr(GPtrArray) i = marina_host_interfaces_from_variant(ifaces);
    g_autoptr(GPtrArray) u = marina_host_devices_from_variant("usb", usb);
    g_autoptr(GPtrArray) p = marina_host_devices_from_variant("pci", pci);
    g_autoptr(GPtrArray) bad = marina_host_devices_from_variant("pci", NULL);
    MarinaDhcpLease *lease;
    MarinaHostInterface *iface;
    MarinaHostDevice *d;

    assert_int_equal(l->len, 2);
    lease = l->pdata[0];
    assert_true(lease->expiry == 1700000000);
    assert_string_equal(lease->address, "192.168.122.50");
    assert_int_equal(lease->prefix, 24);
    assert_string_equal(lease->client_id, "01:52:54:00:aa:bb:cc");
    lease = l->pdata[1];
    assert_true(lease->expiry == 0);
    assert_string_equal(lease->hostname, "");
    iface = i->pdata[0];
    assert_string_equal(iface->name, "eth0");
    assert_string_equal(iface->addresses[0], "10.0.0.5/24");
    d = u->pdata[0];
    assert_string_equal(d->type, "usb");
    assert_int_equal(d->vendor_id, 0x046d);
    assert_int_equal(d->device, 4);
    assert_int_equal(d->iommu_group, -1);
    assert_string_equal(d->used_by, "web");
    d = p->pdata[0];
    assert_string_equal(d->address, "0000:00:1f.3");
    assert_string_equal(d->pci_class, "0x040300");
    assert_int_equal(d->iommu_group, 12);
    assert_string_equal(d->used_by, "");
    assert_int_equal(bad->len, 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_network_records),
        cmocka_unit_test(test_network_info),
        cmocka_unit_test(test_leases_interfaces_devices),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
