#define G_LOG_DOMAIN "marinad-network"

#include "config.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>

#include "network-methods.h"

/*
 * Host.ListHostInterfaces: the host's network interfaces from /sys/class/net
 * (MAC, flags, MTU, type; bridge/ and wireless/ say the kind) and their
 * addresses from getifaddrs().
 */

#define SYS_NET "/sys/class/net"
#define INTERFACES_MAX 4096
#define ARPHRD_ETHER_TYPE 1
#define ARPHRD_LOOPBACK_TYPE 772

static char *
read_attr(const char *name, const char *attr)
{
    g_autofree char *path = g_build_filename(SYS_NET, name, attr, NULL);
    char *text = NULL;

    if (!g_file_get_contents(path, &text, NULL, NULL))
        return NULL;
    return g_strstrip(text);
}

static guint64
read_number(const char *name, const char *attr, guint base)
{
    g_autofree char *text = read_attr(name, attr);

    return text != NULL ? g_ascii_strtoull(text, NULL, base) : 0;
}

static gboolean
has_dir(const char *name, const char *sub)
{
    g_autofree char *path = g_build_filename(SYS_NET, name, sub, NULL);

    return g_file_test(path, G_FILE_TEST_IS_DIR);
}

static const char *
interface_kind(const char *name)
{
    guint64 type = read_number(name, "type", 10);

    if (type == ARPHRD_LOOPBACK_TYPE)
        return "loopback";
    if (has_dir(name, "bridge"))
        return "bridge";
    if (has_dir(name, "wireless") || has_dir(name, "phy80211"))
        return "wireless";
    return type == ARPHRD_ETHER_TYPE ? "ethernet" : "other";
}

static guint
prefix_of(const struct sockaddr *mask)
{
    const guchar *bytes;
    gsize len;
    guint bits = 0;

    if (mask == NULL)
        return 0;
    if (mask->sa_family == AF_INET) {
        bytes = (const guchar *)&((const struct sockaddr_in *)mask)->sin_addr;
        len = 4;
    } else {
        bytes = (const guchar *)&((const struct sockaddr_in6 *)mask)->sin6_addr;
        len = 16;
    }
    for (gsize i = 0; i < len; i++)
        for (int b = 7; b >= 0; b--)
            bits += (bytes[i] >> b) & 1;
    return bits;
}

/* name -> GPtrArray of "address/prefix" */
static GHashTable *
collect_addresses(void)
{
    GHashTable *table =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_ptr_array_unref);
    struct ifaddrs *list = NULL;

    if (getifaddrs(&list) != 0)
        return table;
    for (struct ifaddrs *ifa = list; ifa != NULL; ifa = ifa->ifa_next) {
        char text[INET6_ADDRSTRLEN];
        const void *addr;
        GPtrArray *addresses;

        if (ifa->ifa_addr == NULL || ifa->ifa_name == NULL)
            continue;
        if (ifa->ifa_addr->sa_family == AF_INET)
            addr = &((struct sockaddr_in *)ifa->ifa_addr)->sin_addr;
        else if (ifa->ifa_addr->sa_family == AF_INET6)
            addr = &((struct sockaddr_in6 *)ifa->ifa_addr)->sin6_addr;
        else
            continue;
        if (inet_ntop(ifa->ifa_addr->sa_family, addr, text, sizeof text) == NULL)
            continue;
        addresses = g_hash_table_lookup(table, ifa->ifa_name);
        if (addresses == NULL) {
            addresses = g_ptr_array_new_with_free_func(g_free);
            g_hash_table_insert(table, g_strdup(ifa->ifa_name), addresses);
        }
        g_ptr_array_add(addresses, g_strdup_printf("%s/%u", text, prefix_of(ifa->ifa_netmask)));
    }
    freeifaddrs(list);
    return table;
}

/* The running virtual network whose bridge @name is, or "". */
static const char *
network_of(MarinaNetworkRegistry *networks, GPtrArray *list, const char *name)
{
    for (guint i = 0; networks != NULL && i < list->len; i++) {
        MarinaDaemonNetwork *network = list->pdata[i];
        if (marina_daemon_network_is_active(network) &&
            g_str_equal(marina_daemon_network_get_bridge(network), name))
            return marina_daemon_network_get_name(network);
    }
    return "";
}

static gint
compare_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static GVariant *
interface_variant(const char *name, GHashTable *addresses, const char *network)
{
    g_autofree char *mac = read_attr(name, "address");
    GPtrArray *list = g_hash_table_lookup(addresses, name);
    guint64 flags = read_number(name, "flags", 16);
    GVariantDict d;

    g_variant_dict_init(&d, NULL);
    g_variant_dict_insert(&d, "name", "s", name);
    g_variant_dict_insert(&d, "mac", "s", mac != NULL ? mac : "");
    g_variant_dict_insert(&d, "state", "s", (flags & IFF_UP) ? "up" : "down");
    g_variant_dict_insert(&d, "kind", "s", interface_kind(name));
    g_variant_dict_insert(&d, "mtu", "u", (guint32)read_number(name, "mtu", 10));
    g_variant_dict_insert_value(
        &d, "addresses",
        g_variant_new_strv(list != NULL ? (const char *const *)list->pdata : NULL,
                           list != NULL ? (gssize)list->len : 0));
    g_variant_dict_insert(&d, "marina-network", "s", network);
    return g_variant_dict_end(&d);
}

GVariant *
marina_host_interfaces_list(MarinaNetworkRegistry *networks)
{
    g_autoptr(GHashTable) addresses = collect_addresses();
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) list =
        networks != NULL ? marina_network_registry_list(networks) : g_ptr_array_new();
    g_autoptr(GDir) dir = g_dir_open(SYS_NET, 0, NULL);
    const char *name;
    GVariantBuilder b;

    while (dir != NULL && (name = g_dir_read_name(dir)) != NULL && names->len < INTERFACES_MAX)
        if (strlen(name) < IFNAMSIZ && g_utf8_validate(name, -1, NULL))
            g_ptr_array_add(names, g_strdup(name));
    g_ptr_array_sort(names, compare_names);
    g_variant_builder_init(&b, G_VARIANT_TYPE("aa{sv}"));
    for (guint i = 0; i < names->len; i++)
        g_variant_builder_add_value(&b,
                                    interface_variant(names->pdata[i], addresses,
                                                      network_of(networks, list, names->pdata[i])));
    return g_variant_builder_end(&b);
}
