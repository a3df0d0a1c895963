/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-network-form"

#include "config.h"

#include "network-form.h"

#include <glib/gi18n.h>
#include <string.h>

#include "error.h"
#include "network-config.h"

static GSocketFamily
family(gboolean ipv6)
{
    return ipv6 ? G_SOCKET_FAMILY_IPV6 : G_SOCKET_FAMILY_IPV4;
}

static char *
bytes_to_string(const guint8 *bytes, gboolean ipv6)
{
    g_autoptr(GInetAddress) address = g_inet_address_new_from_bytes(bytes, family(ipv6));

    return g_inet_address_to_string(address);
}

/* @bytes (big-endian, @len bytes) plus @value, carrying. */
static void
bytes_add(guint8 *bytes, gsize len, guint64 value)
{
    for (gsize i = len; i-- > 0 && value != 0;) {
        guint64 sum = bytes[i] + (value & 0xff);

        bytes[i] = sum & 0xff;
        value = (value >> 8) + (sum >> 8);
    }
}

char *
marina_net_subnet_address(const MarinaNetSubnet *subnet, guint64 offset)
{
    guint8 bytes[16];

    memcpy(bytes, subnet->bytes, subnet->len);
    bytes_add(bytes, subnet->len, offset);
    return bytes_to_string(bytes, subnet->ipv6);
}

guint64
marina_net_subnet_size(const MarinaNetSubnet *subnet)
{
    guint host_bits = subnet->len * 8 - subnet->prefix;

    return host_bits >= 32 ? G_GUINT64_CONSTANT(1) << 32 : G_GUINT64_CONSTANT(1) << host_bits;
}

char *
marina_net_subnet_parse(const char *text, gboolean ipv6, const char *field, MarinaNetSubnet *out)
{
    const char *example = ipv6 ? "fd00:100::/64" : "192.168.100.0/24";
    guint min_prefix = 8, max_prefix = ipv6 ? 120 : 30;
    g_auto(GStrv) parts = g_strsplit(text, "/", 2);
    g_autoptr(GInetAddress) address = NULL;
    guint64 prefix = 0;
    guint8 masked[16];

    if (*text == '\0')
        return g_strdup_printf(_("%s: enter the network address with its prefix length, e.g. %s."),
                               field, example);
    if (parts[1] == NULL || !g_ascii_string_to_unsigned(parts[1], 10, 0, 128, &prefix, NULL))
        return g_strdup_printf(_("%s: '%s' has no prefix length; write the network with its "
                                 "prefix, e.g. %s."),
                               field, text, example);
    address = g_inet_address_new_from_string(parts[0]);
    if (address == NULL || g_inet_address_get_family(address) != family(ipv6))
        return g_strdup_printf(ipv6 ? _("%s: '%s' is not an IPv6 address; write e.g. %s.")
                                    : _("%s: '%s' is not an IPv4 address; write e.g. %s."),
                               field, parts[0], example);
    if (prefix < min_prefix || prefix > max_prefix)
        return g_strdup_printf(_("%s: the prefix length /%u is not usable for a virtual network; "
                                 "use /%u to /%u."),
                               field, (guint)prefix, min_prefix, max_prefix);
    out->ipv6 = ipv6;
    out->len = g_inet_address_get_native_size(address);
    out->prefix = prefix;
    memcpy(out->bytes, g_inet_address_to_bytes(address), out->len);
    memcpy(masked, out->bytes, out->len);
    for (gsize i = 0; i < out->len; i++) {
        guint bit = i * 8;
        if (bit >= prefix)
            masked[i] = 0;
        else if (bit + 8 > prefix)
            masked[i] &= (guint8)(0xff << (8 - (prefix - bit)));
    }
    if (memcmp(masked, out->bytes, out->len) != 0) {
        g_autofree char *network = bytes_to_string(masked, ipv6);
        return g_strdup_printf(_("%s: %s is an address inside a network, not the network "
                                 "itself; write %s/%u."),
                               field, text, network, (guint)prefix);
    }
    return NULL;
}

void
marina_net_subnet_dhcp_range(const MarinaNetSubnet *subnet, char **start, char **end)
{
    guint64 size = marina_net_subnet_size(subnet);

    if (subnet->ipv6) {
        *start = marina_net_subnet_address(subnet, size > 0x200 ? 0x100 : 2);
        *end = marina_net_subnet_address(subnet, size > 0x200 ? 0x1ff : size - 1);
    } else {
        /* The host has .1; the last address is the broadcast address. */
        *start = marina_net_subnet_address(subnet, MAX(size / 2, 2));
        *end = marina_net_subnet_address(subnet, size - 2);
    }
}

char *
marina_net_address_problem(const char *text, gboolean ipv6, const char *field)
{
    g_autoptr(GInetAddress) address = g_inet_address_new_from_string(text);

    if (address != NULL && g_inet_address_get_family(address) == family(ipv6))
        return NULL;
    if (*text == '\0')
        return g_strdup_printf(_("%s: enter an address."), field);
    return g_strdup_printf(ipv6 ? _("%s: '%s' is not an IPv6 address.")
                                : _("%s: '%s' is not an IPv4 address."),
                           field, text);
}

char *
marina_net_name_problem(const char *name, const char *const *taken)
{
    g_autoptr(GError) error = NULL;

    if (*name == '\0')
        return g_strdup(_("Name: enter a name for the network, e.g. lab."));
    if (!marina_network_name_is_valid(name, &error))
        return g_strdup_printf(_("Name: %s"), marina_error_message(error));
    if (taken != NULL && g_strv_contains(taken, name))
        return g_strdup_printf(_("Name: a network called '%s' already exists on this "
                                 "connection; choose another name."),
                               name);
    return NULL;
}

/* One <ip> for @subnet (the host takes its first address), with the DHCP
 * range @start..@end when @start is not NULL. */
static void
append_ip(GString *xml, const MarinaNetSubnet *subnet, const char *start, const char *end)
{
    g_autofree char *gateway = marina_net_subnet_address(subnet, 1);
    g_autofree char *ip =
        g_markup_printf_escaped(subnet->ipv6 ? "  <ip family='ipv6' address='%s' prefix='%u'"
                                             : "  <ip address='%s' prefix='%u'",
                                gateway, subnet->prefix);

    g_string_append(xml, ip);
    if (start == NULL) {
        g_string_append(xml, "/>\n");
    } else {
        g_autofree char *range = g_markup_printf_escaped(
            ">\n    <dhcp>\n      <range start='%s' end='%s'/>\n    </dhcp>\n  </ip>\n", start,
            end);
        g_string_append(xml, range);
    }
}

char *
marina_net_form_to_xml(const MarinaNetForm *form)
{
    GString *xml = g_string_new("<network>\n");
    g_autofree char *name = g_markup_printf_escaped("  <name>%s</name>\n", form->name);

    g_string_append(xml, name);
    if (form->forward != NULL && strcmp(form->forward, "none") != 0) {
        g_autofree char *forward =
            form->forward_dev != NULL
                ? g_markup_printf_escaped("  <forward mode='%s' dev='%s'/>\n", form->forward,
                                          form->forward_dev)
                : g_markup_printf_escaped("  <forward mode='%s'/>\n", form->forward);
        g_string_append(xml, forward);
    }
    if (form->bridge != NULL) {
        g_autofree char *bridge = g_markup_printf_escaped("  <bridge name='%s'/>\n", form->bridge);
        g_string_append(xml, bridge);
    }
    if (form->ipv4 != NULL)
        append_ip(xml, form->ipv4, form->dhcp_start, form->dhcp_end);
    if (form->ipv6 != NULL)
        append_ip(xml, form->ipv6, form->dhcp6_start, form->dhcp6_end);
    g_string_append(xml, "</network>\n");
    return g_string_free(xml, FALSE);
}

char *
marina_net_form_check(const char *xml, GPtrArray *running)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaNetworkConfig) config = marina_network_config_parse(xml, -1, NULL, &error);

    if (config == NULL || !marina_network_config_validate(config, &error))
        return g_strdup(marina_error_message(error));
    /* A subnet or bridge a running network uses would be refused at the
     * start: said here already. */
    for (guint i = 0; running != NULL && i < running->len; i++) {
        if (marina_network_config_check_conflict(config, running->pdata[i], &error))
            return g_strdup(marina_error_message(error));
    }
    return NULL;
}
