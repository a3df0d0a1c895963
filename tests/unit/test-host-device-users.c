#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>

#include "domain-config.h"
#include "host-device-users.h"

/*
 * Host.ListHostDevices' used-by: which guests' definitions and running
 * configs name a host device, USB by IDs or by bus/device, PCI by address.
 */

static MarinaDomainConfig *
guest(const char *name, const char *hostdevs)
{
    g_autofree char *xml = g_strdup_printf(
        "<domain type='kvm'><name>%s</name><memory unit='MiB'>64</memory>"
        "<os><type arch='x86_64' machine='pc'>hvm</type></os><devices>%s</devices></domain>",
        name, hostdevs);
    g_autoptr(GError) error = NULL;
    MarinaDomainConfig *config = marina_domain_config_parse(xml, -1, NULL, &error);

    if (config == NULL)
        fprintf(stderr, "%s\n", error->message);
    assert_non_null(config);
    return config;
}

static const char usb_by_id[] = "<hostdev mode='subsystem' type='usb'><source><vendor id='0x046d'/>"
                                "<product id='0xc52b'/></source></hostdev>";
static const char usb_by_place[] = "<hostdev mode='subsystem' type='usb'><source>"
                                   "<address bus='1' device='4'/></source></hostdev>";
static const char usb_both[] =
    "<hostdev mode='subsystem' type='usb'><source><vendor id='0x1234'/>"
    "<product id='0x5678'/><address bus='2' device='9'/></source></hostdev>";
static const char pci[] = "<hostdev mode='subsystem' type='pci' managed='yes'><source>"
                          "<address domain='0x0000' bus='0x01' slot='0x1f' "
                          "function='0x7'/></source></hostdev>";

static void
test_users(void **state)
{
    g_autoptr(GPtrArray) guests =
        g_ptr_array_new_with_free_func((GDestroyNotify)marina_domain_config_free);
    MarinaHostDeviceId mouse = {.type = MARINA_HOSTDEV_USB,
                                .vendor_id = 0x046d,
                                .product_id = 0xc52b,
                                .usb_bus = 3,
                                .usb_device = 2};
    MarinaHostDeviceId stick = {.type = MARINA_HOSTDEV_USB,
                                .vendor_id = 0xaaaa,
                                .product_id = 0xbbbb,
                                .usb_bus = 1,
                                .usb_device = 4};
    MarinaHostDeviceId other = {.type = MARINA_HOSTDEV_USB,
                                .vendor_id = 0x1234,
                                .product_id = 0x5678,
                                .usb_bus = 2,
                                .usb_device = 8};
    MarinaHostDeviceId card;
    g_autofree char *a = NULL, *b = NULL, *c = NULL, *d = NULL, *e = NULL;

    (void)state;
    g_ptr_array_add(guests, guest("zeta", usb_by_id));
    g_ptr_array_add(guests, guest("alpha", usb_by_id));
    /* A guest's definition and its running config: named once. */
    g_ptr_array_add(guests, guest("alpha", usb_by_id));
    g_ptr_array_add(guests, guest("beta", usb_by_place));
    g_ptr_array_add(guests, guest("gamma", usb_both));
    g_ptr_array_add(guests, guest("pcie", pci));
    g_ptr_array_add(guests, guest("none", ""));

    a = marina_host_device_users(guests, &mouse);
    assert_string_equal(a, "alpha, zeta");
    b = marina_host_device_users(guests, &stick);
    assert_string_equal(b, "beta");
    /* IDs and address both given: both must match. */
    c = marina_host_device_users(guests, &other);
    assert_string_equal(c, "");
    other.usb_device = 9;
    d = marina_host_device_users(guests, &other);
    assert_string_equal(d, "gamma");

    assert_true(marina_host_device_parse_pci("0000:01:1f.7", &card));
    e = marina_host_device_users(guests, &card);
    assert_string_equal(e, "pcie");
    /* A PCI address is not a USB device with the same numbers. */
    card.type = MARINA_HOSTDEV_USB;
    assert_false(marina_host_device_matches(
        ((MarinaDomainConfig *)guests->pdata[5])->hostdevs->pdata[0], &card));
    assert_true(marina_host_device_parse_pci("0000:01:1f.6", &card));
    g_free(e);
    e = marina_host_device_users(guests, &card);
    assert_string_equal(e, "");
    g_free(e);
    e = marina_host_device_users(NULL, &card);
    assert_string_equal(e, "");
}

static void
test_parse_pci(void **state)
{
    MarinaHostDeviceId id;

    (void)state;
    assert_true(marina_host_device_parse_pci("0001:ff:00.0", &id));
    assert_int_equal(id.pci_domain, 1);
    assert_int_equal(id.pci_bus, 0xff);
    assert_int_equal(id.pci_slot, 0);
    assert_int_equal(id.pci_function, 0);
    assert_false(marina_host_device_parse_pci(NULL, &id));
    assert_false(marina_host_device_parse_pci("", &id));
    assert_false(marina_host_device_parse_pci("0000:00:20.0", &id)); /* slot > 0x1f */
    assert_false(marina_host_device_parse_pci("0000:00:01.8", &id)); /* function > 7 */
    assert_false(marina_host_device_parse_pci("0000:0g:01.0", &id));
    assert_false(marina_host_device_parse_pci("0000:00:01.0x", &id));
    assert_false(marina_host_device_parse_pci("0000-00:01.0", &id));
    assert_false(marina_host_device_parse_pci("+000:00:01.0", &id));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_users),
        cmocka_unit_test(test_parse_pci),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
