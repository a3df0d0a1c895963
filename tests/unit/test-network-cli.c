#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <glib/gstdio.h>

#include "error.h"
#include "network-text.h"
#include "network.h"

/* What marinactl's network commands print and how they read net-update's
 * arguments (src/cli/network-text.c), without a daemon. */

static MarinaNetworkRecord *
record(const char *name, gboolean active, gboolean autostart, gboolean persistent)
{
    MarinaNetworkRecord *r = g_new0(MarinaNetworkRecord, 1);

    r->object_path = g_strdup_printf("/org/marinavm/Marina1/network/%s", name);
    r->name = g_strdup(name);
    r->active = active;
    r->autostart = autostart;
    r->persistent = persistent;
    r->bridge = g_strdup("");
    r->forward = g_strdup("nat");
    return r;
}

static GPtrArray *
some_networks(void)
{
    GPtrArray *a = g_ptr_array_new_with_free_func((GDestroyNotify)marina_network_record_free);

    g_ptr_array_add(a, record("lab", FALSE, FALSE, TRUE));
    g_ptr_array_add(a, record("default", TRUE, TRUE, TRUE));
    g_ptr_array_add(a, record("transient", TRUE, FALSE, FALSE));
    return a;
}

static void
test_net_list(void **state)
{
    g_autoptr(GPtrArray) networks = some_networks();
    g_autofree char *active = cli_net_list_format(networks, FALSE, FALSE);
    g_autofree char *all = cli_net_list_format(networks, TRUE, FALSE);
    g_autofree char *inactive = cli_net_list_format(networks, FALSE, TRUE);
    g_autoptr(GPtrArray) none = g_ptr_array_new();
    g_autofree char *empty = cli_net_list_format(none, TRUE, FALSE);

    /* virsh's layout: widths from the longest cell, three spaces between columns. */
    assert_string_equal(active, " Name        State    Autostart   Persistent\n"
                                "----------------------------------------------\n"
                                " default     active   yes         yes\n"
                                " transient   active   no          no\n"
                                "\n");
    assert_string_equal(all, " Name        State      Autostart   Persistent\n"
                             "------------------------------------------------\n"
                             " default     active     yes         yes\n"
                             " lab         inactive   no          yes\n"
                             " transient   active     no          no\n"
                             "\n");
    assert_string_equal(inactive, " Name   State      Autostart   Persistent\n"
                                  "-------------------------------------------\n"
                                  " lab    inactive   no          yes\n"
                                  "\n");
    assert_string_equal(empty, " Name   State   Autostart   Persistent\n"
                               "----------------------------------------\n"
                               "\n");
}

static MarinaDhcpLease *
lease(gint64 expiry, const char *mac, const char *type, const char *address, guint prefix,
      const char *hostname, const char *client_id)
{
    MarinaDhcpLease *l = g_new0(MarinaDhcpLease, 1);

    l->expiry = expiry;
    l->mac = g_strdup(mac);
    l->type = g_strdup(type);
    l->address = g_strdup(address);
    l->prefix = prefix;
    l->hostname = g_strdup(hostname);
    l->client_id = g_strdup(client_id);
    return l;
}

static void
test_leases(void **state)
{
    g_autoptr(GPtrArray) leases =
        g_ptr_array_new_with_free_func((GDestroyNotify)marina_dhcp_lease_free);
    g_autoptr(GTimeZone) utc = g_time_zone_new_utc();
    g_autofree char *text = NULL;

    g_ptr_array_add(leases, lease(1700000000, "52:54:00:aa:bb:cc", "ipv4", "192.168.122.50", 24,
                                  "web", "01:52:54:00:aa:bb:cc"));
    g_ptr_array_add(leases, lease(0, "52:54:00:aa:bb:cd", "ipv6", "2001:db8::5", 64, "", ""));
    text = cli_net_leases_format(leases, utc);
    assert_string_equal(
        text,
        " Expiry Time           MAC address         Protocol   IP address          Hostname   "
        "Client ID or DUID\n"
        "------------------------------------------------------------------------------------"
        "-----------------------\n"
        " 2023-11-14 22:13:20   52:54:00:aa:bb:cc   ipv4       192.168.122.50/24   web        "
        "01:52:54:00:aa:bb:cc\n"
        " never                 52:54:00:aa:bb:cd   ipv6       2001:db8::5/64      -          -\n"
        "\n");
}

static void
test_info(void **state)
{
    MarinaNetworkInfo info = {
        .name = "default",
        .uuid = "9a05da11-e96b-47f3-8253-a3a482e445f5",
        .active = TRUE,
        .persistent = TRUE,
        .bridge = "virbr0",
        .forward = "nat",
        .forward_dev = "",
        .ipv4 = "192.168.122.1/24",
        .ipv6 = "",
        .dhcp_start = "192.168.122.2",
        .dhcp_end = "192.168.122.254",
        .ipv6_dhcp_start = "",
        .ipv6_dhcp_end = "",
        .how = "bridge",
        .how_detail = "",
        .guests = (char *[]){"web", "db", NULL},
    };
    g_autofree char *text = cli_net_info_format(&info);

    assert_string_equal(text, "Name:           default\n"
                              "UUID:           9a05da11-e96b-47f3-8253-a3a482e445f5\n"
                              "Active:         yes\n"
                              "Persistent:     yes\n"
                              "Autostart:      no\n"
                              "Bridge:         virbr0\n"
                              "Forward:        nat\n"
                              "IPv4:           192.168.122.1/24\n"
                              "DHCP range:     192.168.122.2 - 192.168.122.254\n"
                              "Guests attach:  bridge\n"
                              "Guests:         web, db\n"
                              "\n");
}

static void
test_interfaces_and_devices(void **state)
{
    g_autoptr(GPtrArray) ifaces =
        g_ptr_array_new_with_free_func((GDestroyNotify)marina_host_interface_free);
    g_autoptr(GPtrArray) devices =
        g_ptr_array_new_with_free_func((GDestroyNotify)marina_host_device_free);
    MarinaHostInterface *i;
    MarinaHostDevice *d;
    g_autofree char *up = NULL;
    g_autofree char *names = NULL;
    g_autoptr(GError) error = NULL;

    i = g_new0(MarinaHostInterface, 1);
    i->name = g_strdup("eth0");
    i->mac = g_strdup("52:54:00:01:02:03");
    i->state = g_strdup("up");
    i->addresses = g_strdupv((char *[]){"10.0.0.5/24", "fe80::1/64", NULL});
    g_ptr_array_add(ifaces, i);
    i = g_new0(MarinaHostInterface, 1);
    i->name = g_strdup("eth1");
    i->mac = g_strdup("52:54:00:01:02:04");
    i->state = g_strdup("down");
    i->addresses = g_new0(char *, 1);
    g_ptr_array_add(ifaces, i);
    up = cli_iface_list_format(ifaces, FALSE, FALSE);
    assert_string_equal(up, " Name   State    MAC Address         Addresses\n"
                            "--------------------------------------------------------------\n"
                            " eth0   active   52:54:00:01:02:03   10.0.0.5/24, fe80::1/64\n"
                            "\n");

    d = g_new0(MarinaHostDevice, 1);
    d->name = g_strdup("usb_1_4");
    g_ptr_array_add(devices, d);
    d = g_new0(MarinaHostDevice, 1);
    d->name = g_strdup("pci_0000_00_1f_3");
    g_ptr_array_add(devices, d);
    names = cli_nodedev_list_format(devices);
    assert_string_equal(names, "pci_0000_00_1f_3\nusb_1_4\n");

    assert_string_equal(cli_nodedev_cap_type("usb_device", NULL), "usb");
    assert_string_equal(cli_nodedev_cap_type("pci", NULL), "pci");
    assert_null(cli_nodedev_cap_type("scsi", &error));
    assert_non_null(strstr(error->message, "use usb_device or pci"));
}

static void
expect_update_usage(const char *command, const char *section, const char *xml, gboolean live,
                    gboolean config, gboolean current, const char *fragment)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *out = NULL;
    guint flags = 0;

    assert_false(
        cli_net_update_args(command, section, xml, live, config, current, &flags, &out, &error));
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT));
    if (strstr(error->message, fragment) == NULL)
        fail_msg("expected '%s' in: %s", fragment, error->message);
    assert_null(out);
}

static void
test_update_args(void **state)
{
    const char *host = "<host mac='52:54:00:12:34:56' ip='192.168.122.10'/>";
    g_autofree char *dir = g_dir_make_tmp("netcli-XXXXXX", NULL);
    g_autofree char *file = g_build_filename(dir, "host.xml", NULL);
    g_autofree char *xml = NULL;
    g_autofree char *from_file = NULL;
    g_autoptr(GError) error = NULL;
    guint flags = 99;

    assert_true(cli_net_update_args("add", "ip-dhcp-host", host, FALSE, FALSE, FALSE, &flags, &xml,
                                    &error));
    assert_int_equal(flags, MARINA_NETWORK_UPDATE_CURRENT);
    assert_string_equal(xml, host);
    g_clear_pointer(&xml, g_free);
    assert_true(cli_net_update_args("delete", "dns-host", "  \n<host ip='10.0.0.1'/>", TRUE, TRUE,
                                    FALSE, &flags, &xml, NULL));
    assert_int_equal(flags, MARINA_NETWORK_UPDATE_LIVE | MARINA_NETWORK_UPDATE_CONFIG);
    g_clear_pointer(&xml, g_free);
    assert_true(cli_net_update_args("modify", "port-forward", "<portForward/>", TRUE, FALSE, FALSE,
                                    &flags, &xml, NULL));
    assert_int_equal(flags, MARINA_NETWORK_UPDATE_LIVE);
    g_clear_pointer(&xml, g_free);
    assert_true(cli_net_update_args("add-first", "ip-dhcp-range", "<range/>", FALSE, TRUE, FALSE,
                                    &flags, &xml, NULL));
    assert_int_equal(flags, MARINA_NETWORK_UPDATE_CONFIG);

    /* Not XML: a file with the element. */
    assert_true(g_file_set_contents(file, host, -1, NULL));
    assert_true(cli_net_update_args("add-last", "ip-dhcp-host", file, FALSE, FALSE, TRUE, &flags,
                                    &from_file, NULL));
    assert_string_equal(from_file, host);
    assert_int_equal(flags, 0);

    expect_update_usage("append", "ip-dhcp-host", host, FALSE, FALSE, FALSE,
                        "'append' is not an update command");
    expect_update_usage("add", "dns-txt", host, FALSE, FALSE, FALSE,
                        "'dns-txt' is not a section Marina can update");
    expect_update_usage("add", "ip-dhcp-host", host, TRUE, FALSE, TRUE,
                        "--current cannot be combined");
    expect_update_usage("add", "ip-dhcp-host", "/nonexistent/host.xml", FALSE, FALSE, FALSE,
                        "is neither XML");
    assert_true(g_file_set_contents(file, "a\0b", 3, NULL));
    expect_update_usage("add", "ip-dhcp-host", file, FALSE, FALSE, FALSE,
                        "is not a small UTF-8 text file");
    g_unlink(file);
    g_rmdir(dir);
}

static void
test_table_utf8(void **state)
{
    const char *headers[] = {"Name", "State"};
    g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
    g_autofree char *text = NULL;

    g_ptr_array_add(rows, g_strdupv((char *[]){"réseau", "active", NULL}));
    text = cli_table_format(headers, 2, rows);
    /* Padding counts characters, not bytes. */
    assert_string_equal(text, " Name     State\n"
                              "------------------\n"
                              " réseau   active\n"
                              "\n");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_net_list),    cmocka_unit_test(test_leases),
        cmocka_unit_test(test_info),        cmocka_unit_test(test_interfaces_and_devices),
        cmocka_unit_test(test_update_args), cmocka_unit_test(test_table_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
