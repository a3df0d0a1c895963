#define G_LOG_DOMAIN "marinad-network"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "access.h"
#include "core/error.h"
#include "network-methods.h"
#include "network-registry-private.h"

/*
 * One network as clients see it: org.marinavm.Marina1.Network at
 * /org/marinavm/Marina1/network/<escaped name>. The handlers check who calls
 * and what is asked, call the registry and answer.
 */

#define PARENT_INDEX_MAX 64
#define SHORT_ARG_MAX 64

struct _MarinaNetworkObject {
    MarinaDaemonNetwork *network; /* a reference */
    MarinaNetworkRegistry *registry;
    MarinaDBusNetwork *skeleton;
};

GDBusInterfaceSkeleton *
marina_network_object_get_skeleton(MarinaNetworkObject *object)
{
    return G_DBUS_INTERFACE_SKELETON(object->skeleton);
}

/* Answers the invocation (a reference, let go here). */
static void
on_done_reply(MarinaDaemonNetwork *network, const GError *error, gpointer data)
{
    GDBusMethodInvocation *invocation = data;

    if (error != NULL)
        g_dbus_method_invocation_return_gerror(invocation, error);
    else
        g_dbus_method_invocation_return_value(invocation, NULL);
    g_object_unref(invocation);
}

static gboolean
return_error(GDBusMethodInvocation *invocation, GError *error)
{
    g_dbus_method_invocation_return_gerror(invocation, error);
    g_error_free(error);
    return TRUE;
}

/* The network left the registry while a client still held its path. */
static gboolean
check_present(MarinaNetworkObject *object, GDBusMethodInvocation *invocation)
{
    if (object->network->registry != NULL)
        return TRUE;
    g_dbus_method_invocation_return_error(invocation, MARINA_ERROR, MARINA_ERROR_NO_SUCH_NETWORK,
                                          _("Network '%s' no longer exists."),
                                          object->network->name);
    return FALSE;
}

static gboolean
check_call(MarinaNetworkObject *object, GDBusMethodInvocation *invocation, gboolean writes)
{
    if (writes && !marina_access_check_writable(invocation))
        return FALSE;
    return check_present(object, invocation);
}

/* ---------------------------------------------------------------------- */
/* Lifecycle                                                              */

static gboolean
handle_start(MarinaDBusNetwork *skel, GDBusMethodInvocation *invocation,
             MarinaNetworkObject *object)
{
    if (check_call(object, invocation, TRUE))
        marina_network_registry_start(object->registry, object->network, on_done_reply,
                                      g_object_ref(invocation));
    return TRUE;
}

static gboolean
handle_stop(MarinaDBusNetwork *skel, GDBusMethodInvocation *invocation, MarinaNetworkObject *object)
{
    if (check_call(object, invocation, TRUE))
        marina_network_registry_stop(object->registry, object->network, on_done_reply,
                                     g_object_ref(invocation));
    return TRUE;
}

static gboolean
handle_undefine(MarinaDBusNetwork *skel, GDBusMethodInvocation *invocation,
                MarinaNetworkObject *object)
{
    GError *error = NULL;

    if (!check_call(object, invocation, TRUE))
        return TRUE;
    if (!marina_network_registry_undefine(object->registry, object->network, &error))
        return return_error(invocation, error);
    marina_dbus_network_complete_undefine(skel, invocation);
    return TRUE;
}

static gboolean
handle_set_autostart(MarinaDBusNetwork *skel, GDBusMethodInvocation *invocation, gboolean autostart,
                     MarinaNetworkObject *object)
{
    GError *error = NULL;

    if (!check_call(object, invocation, TRUE))
        return TRUE;
    if (!marina_network_registry_set_autostart(object->registry, object->network, autostart,
                                               &error))
        return return_error(invocation, error);
    marina_dbus_network_complete_set_autostart(skel, invocation);
    return TRUE;
}

static gboolean
handle_update(MarinaDBusNetwork *skel, GDBusMethodInvocation *invocation, const char *command,
              const char *section, int parent_index, const char *xml, guint flags,
              MarinaNetworkObject *object)
{
    if (!check_call(object, invocation, TRUE))
        return TRUE;
    if (strlen(command) > SHORT_ARG_MAX || strlen(section) > SHORT_ARG_MAX ||
        strlen(xml) > MARINA_NETWORK_XML_MAX || parent_index < -1 ||
        parent_index > PARENT_INDEX_MAX) {
        g_dbus_method_invocation_return_error(
            invocation, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
            _("The update of network '%s' is not valid: the command, section, <ip> index "
              "(-1 to %d) or XML is out of range."),
            object->network->name, PARENT_INDEX_MAX);
        return TRUE;
    }
    marina_network_registry_update(object->registry, object->network, command, section,
                                   parent_index, xml, flags, on_done_reply,
                                   g_object_ref(invocation));
    return TRUE;
}

/* ---------------------------------------------------------------------- */
/* Queries                                                                */

static gboolean
handle_get_xml(MarinaDBusNetwork *skel, GDBusMethodInvocation *invocation, guint flags,
               MarinaNetworkObject *object)
{
    g_autofree char *xml = NULL;

    if (!check_call(object, invocation, FALSE))
        return TRUE;
    if (flags & ~1u) {
        g_dbus_method_invocation_return_error(
            invocation, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
            _("Unknown flags 0x%x for the network's XML: use 0 or 1 (inactive)."), flags);
        return TRUE;
    }
    xml = marina_daemon_network_get_xml(object->network, flags & 1);
    marina_dbus_network_complete_get_xml(skel, invocation, xml);
    return TRUE;
}

static void
insert_range(GVariantDict *d, const MarinaNetIp *ip, const char *start_key, const char *end_key)
{
    const MarinaNetDhcpRange *range =
        ip != NULL && ip->ranges != NULL && ip->ranges->len > 0 ? ip->ranges->pdata[0] : NULL;

    g_variant_dict_insert(d, start_key, "s", range != NULL ? range->start : "");
    g_variant_dict_insert(d, end_key, "s", range != NULL ? range->end : "");
}

static void
insert_address(GVariantDict *d, const char *key, const MarinaNetIp *ip)
{
    g_autofree char *text = ip != NULL && ip->address != NULL
                                ? g_strdup_printf("%s/%u", ip->address, ip->prefix)
                                : g_strdup("");

    g_variant_dict_insert(d, key, "s", text);
}

static gboolean
handle_get_info(MarinaDBusNetwork *skel, GDBusMethodInvocation *invocation,
                MarinaNetworkObject *object)
{
    MarinaDaemonNetwork *network = object->network;
    const MarinaNetworkConfig *c = marina_daemon_network_get_config(network);
    MarinaNetIp *ipv4 = marina_network_config_get_ipv4(c);
    MarinaNetIp *ipv6 = marina_network_config_get_ipv6(c);
    g_autofree char *detail = NULL;
    const char *how;
    g_auto(GStrv) guests = NULL;
    GVariantDict d;

    if (!check_call(object, invocation, FALSE))
        return TRUE;
    how = marina_network_registry_how(object->registry, network, &detail);
    guests = marina_network_registry_list_guests(object->registry, network);
    g_variant_dict_init(&d, NULL);
    g_variant_dict_insert(&d, "name", "s", c->name);
    g_variant_dict_insert(&d, "uuid", "s", c->uuid);
    g_variant_dict_insert(&d, "active", "b", marina_daemon_network_is_active(network));
    g_variant_dict_insert(&d, "autostart", "b", marina_daemon_network_get_autostart(network));
    g_variant_dict_insert(&d, "persistent", "b", marina_daemon_network_is_persistent(network));
    g_variant_dict_insert(&d, "bridge", "s", marina_daemon_network_get_bridge(network));
    g_variant_dict_insert(&d, "forward", "s", marina_net_forward_mode_name(c->forward));
    g_variant_dict_insert(&d, "forward-dev", "s", c->forward_dev ? c->forward_dev : "");
    insert_address(&d, "ipv4", ipv4);
    insert_address(&d, "ipv6", ipv6);
    insert_range(&d, ipv4, "dhcp-start", "dhcp-end");
    insert_range(&d, ipv6, "ipv6-dhcp-start", "ipv6-dhcp-end");
    g_variant_dict_insert(&d, "mtu", "u", c->mtu);
    g_variant_dict_insert(&d, "how", "s", how);
    g_variant_dict_insert(&d, "how-detail", "s", detail);
    g_variant_dict_insert_value(&d, "guests", g_variant_new_strv((const char *const *)guests, -1));
    marina_dbus_network_complete_get_info(skel, invocation, g_variant_dict_end(&d));
    return TRUE;
}

static GVariant *
lease_variant(const MarinaNetLease *lease)
{
    GVariantDict d;

    g_variant_dict_init(&d, NULL);
    g_variant_dict_insert(&d, "expiry", "x", lease->expiry);
    g_variant_dict_insert(&d, "mac", "s", lease->mac ? lease->mac : "");
    g_variant_dict_insert(&d, "address", "s", lease->address ? lease->address : "");
    g_variant_dict_insert(&d, "prefix", "u", lease->prefix);
    g_variant_dict_insert(&d, "type", "s", lease->ipv6 ? "ipv6" : "ipv4");
    g_variant_dict_insert(&d, "hostname", "s", lease->hostname ? lease->hostname : "");
    g_variant_dict_insert(&d, "client-id", "s", lease->client_id ? lease->client_id : "");
    return g_variant_dict_end(&d);
}

static gboolean
handle_get_dhcp_leases(MarinaDBusNetwork *skel, GDBusMethodInvocation *invocation, const char *mac,
                       MarinaNetworkObject *object)
{
    g_autofree char *canonical = NULL;
    g_autoptr(GPtrArray) leases = NULL;
    GError *error = NULL;
    GVariantBuilder b;

    if (!check_call(object, invocation, FALSE))
        return TRUE;
    if (*mac != '\0' && (canonical = marina_mac_canonicalize(mac)) == NULL) {
        g_dbus_method_invocation_return_error(
            invocation, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
            _("'%.64s' is not a MAC address; use the form 52:54:00:12:34:56."), mac);
        return TRUE;
    }
    leases =
        marina_network_registry_get_leases(object->registry, object->network, canonical, &error);
    if (leases == NULL)
        return return_error(invocation, error);
    g_variant_builder_init(&b, G_VARIANT_TYPE("aa{sv}"));
    for (guint i = 0; i < leases->len; i++)
        g_variant_builder_add_value(&b, lease_variant(leases->pdata[i]));
    marina_dbus_network_complete_get_dhcpleases(skel, invocation, g_variant_builder_end(&b));
    return TRUE;
}

/* ---------------------------------------------------------------------- */
/* The object                                                             */

MarinaNetworkObject *
marina_network_object_new(MarinaDaemonNetwork *network, MarinaNetworkRegistry *registry)
{
    MarinaNetworkObject *object = g_new0(MarinaNetworkObject, 1);
    MarinaDBusNetwork *skel = marina_dbus_network_skeleton_new();

    object->network = marina_daemon_network_ref(network);
    object->registry = registry;
    object->skeleton = skel;
    g_signal_connect(skel, "handle-start", G_CALLBACK(handle_start), object);
    g_signal_connect(skel, "handle-stop", G_CALLBACK(handle_stop), object);
    g_signal_connect(skel, "handle-undefine", G_CALLBACK(handle_undefine), object);
    g_signal_connect(skel, "handle-set-autostart", G_CALLBACK(handle_set_autostart), object);
    g_signal_connect(skel, "handle-update", G_CALLBACK(handle_update), object);
    g_signal_connect(skel, "handle-get-xml", G_CALLBACK(handle_get_xml), object);
    g_signal_connect(skel, "handle-get-info", G_CALLBACK(handle_get_info), object);
    g_signal_connect(skel, "handle-get-dhcpleases", G_CALLBACK(handle_get_dhcp_leases), object);
    return object;
}

void
marina_network_object_free(MarinaNetworkObject *object)
{
    if (object == NULL)
        return;
    g_signal_handlers_disconnect_by_data(object->skeleton, object);
    g_object_unref(object->skeleton);
    marina_daemon_network_unref(object->network);
    g_free(object);
}
