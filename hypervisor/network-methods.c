#define G_LOG_DOMAIN "marinad-network"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "access.h"
#include "core/error.h"
#include "network-methods.h"
#include "storage-pool.h"
#include "subtree.h"

#define NETWORK_SUBTREE "/org/marinavm/Marina1/network"
#define NETWORK_INTERFACE "org.marinavm.Marina1.Network"
/* Longest name or UUID LookupNetwork looks at (names are at most 64 bytes). */
#define LOOKUP_KEY_MAX 256

struct _MarinaNetworks {
    MarinaNetworkRegistry *registry;
    MarinaDBusHost *host;
    MarinaVmRegistry *guests;
    GHashTable *objects; /* MarinaDaemonNetwork* -> MarinaNetworkObject* (owned) */
    GHashTable *peers;   /* GDBusConnection* -> registration id */
    MarinaSubtree tree;
};

/* ---------------------------------------------------------------------- */
/* The subtree                                                            */

static char **
network_enumerate(const char *path, gpointer user_data)
{
    MarinaNetworks *self = user_data;
    g_autoptr(GPtrArray) list = marina_network_registry_list(self->registry);
    GPtrArray *nodes = g_ptr_array_new();

    for (guint i = 0; i < list->len; i++)
        g_ptr_array_add(nodes,
                        marina_storage_escape(marina_daemon_network_get_name(list->pdata[i])));
    g_ptr_array_add(nodes, NULL);
    return (char **)g_ptr_array_free(nodes, FALSE);
}

static GDBusInterfaceSkeleton *
network_skeleton(const char *path, const char *node, gpointer user_data)
{
    MarinaNetworks *self = user_data;
    g_autofree char *name = NULL;
    MarinaDaemonNetwork *network;
    MarinaNetworkObject *object;

    if (node == NULL)
        return NULL;
    name = marina_storage_unescape(node);
    network = marina_network_registry_lookup(self->registry, name);
    /* By name only: a UUID spelled as a node is not a path. */
    if (network == NULL || !g_str_equal(marina_daemon_network_get_name(network), name))
        return NULL;
    object = g_hash_table_lookup(self->objects, network);
    return object != NULL ? marina_network_object_get_skeleton(object) : NULL;
}

gboolean
marina_networks_add_peer(MarinaNetworks *self, GDBusConnection *connection, GError **error)
{
    guint id = marina_subtree_register(connection, NETWORK_SUBTREE, &self->tree, error);

    if (id == 0)
        return FALSE;
    g_hash_table_insert(self->peers, connection, GUINT_TO_POINTER(id));
    return TRUE;
}

void
marina_networks_remove_peer(MarinaNetworks *self, GDBusConnection *connection)
{
    gpointer id = g_hash_table_lookup(self->peers, connection);

    if (id != NULL)
        g_dbus_connection_unregister_subtree(connection, GPOINTER_TO_UINT(id));
    g_hash_table_remove(self->peers, connection);
}

/* ---------------------------------------------------------------------- */
/* Networks coming and going                                              */

static void
on_network_added(MarinaDaemonNetwork *network, gpointer user_data)
{
    MarinaNetworks *self = user_data;

    g_hash_table_insert(self->objects, network, marina_network_object_new(network, self->registry));
}

static void
on_network_removed(MarinaDaemonNetwork *network, gpointer user_data)
{
    MarinaNetworks *self = user_data;
    gpointer object = g_hash_table_lookup(self->objects, network);

    /* Its skeleton may be answering this very call: free from an idle. */
    g_hash_table_steal(self->objects, network);
    if (object != NULL)
        g_idle_add_once((GSourceOnceFunc)marina_network_object_free, object);
}

/* ---------------------------------------------------------------------- */
/* Host methods                                                           */

static gboolean
handle_list_networks(MarinaDBusHost *host, GDBusMethodInvocation *invocation, MarinaNetworks *self)
{
    g_autoptr(GPtrArray) list = marina_network_registry_list(self->registry);
    GVariantBuilder b;

    g_variant_builder_init(&b, G_VARIANT_TYPE("a(osbbbss)"));
    for (guint i = 0; i < list->len; i++) {
        MarinaDaemonNetwork *network = list->pdata[i];
        const MarinaNetworkConfig *c = marina_daemon_network_get_config(network);

        g_variant_builder_add(
            &b, "(osbbbss)", marina_daemon_network_get_object_path(network),
            marina_daemon_network_get_name(network), marina_daemon_network_is_active(network),
            marina_daemon_network_get_autostart(network),
            marina_daemon_network_is_persistent(network), marina_daemon_network_get_bridge(network),
            marina_net_forward_mode_name(c->forward));
    }
    marina_dbus_host_complete_list_networks(host, invocation, g_variant_builder_end(&b));
    return TRUE;
}

static gboolean
handle_lookup_network(MarinaDBusHost *host, GDBusMethodInvocation *invocation, const char *name,
                      MarinaNetworks *self)
{
    MarinaDaemonNetwork *network = strlen(name) <= LOOKUP_KEY_MAX
                                       ? marina_network_registry_lookup(self->registry, name)
                                       : NULL;

    if (network == NULL) {
        g_dbus_method_invocation_return_error(invocation, MARINA_ERROR,
                                              MARINA_ERROR_NO_SUCH_NETWORK,
                                              _("There is no virtual network '%.64s' on this "
                                                "host. 'marinactl net-list --all' lists them."),
                                              name);
        return TRUE;
    }
    marina_dbus_host_complete_lookup_network(host, invocation,
                                             marina_daemon_network_get_object_path(network));
    return TRUE;
}

static const char *const *
warnings_strv(GPtrArray *warnings)
{
    g_ptr_array_add(warnings, NULL);
    return (const char *const *)warnings->pdata;
}

static gboolean
check_xml_size(GDBusMethodInvocation *invocation, const char *xml)
{
    if (strlen(xml) <= MARINA_NETWORK_XML_MAX)
        return TRUE;
    g_dbus_method_invocation_return_error(
        invocation, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
        _("The network definition is %zu bytes; at most %d are accepted."), strlen(xml),
        MARINA_NETWORK_XML_MAX);
    return FALSE;
}

static gboolean
handle_define_network(MarinaDBusHost *host, GDBusMethodInvocation *invocation, const char *xml,
                      MarinaNetworks *self)
{
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GError) error = NULL;
    MarinaDaemonNetwork *network;

    if (!marina_access_check_writable(invocation) || !check_xml_size(invocation, xml))
        return TRUE;
    network = marina_network_registry_define(self->registry, xml, warnings, &error);
    if (network == NULL) {
        g_dbus_method_invocation_return_gerror(invocation, error);
        return TRUE;
    }
    marina_dbus_host_complete_define_network(
        host, invocation, marina_daemon_network_get_object_path(network), warnings_strv(warnings));
    return TRUE;
}

typedef struct {
    MarinaDBusHost *host;
    GDBusMethodInvocation *invocation;
    GPtrArray *warnings;
} CreateCall;

static void
on_created(MarinaDaemonNetwork *network, const GError *error, gpointer data)
{
    CreateCall *call = data;

    if (error != NULL)
        g_dbus_method_invocation_return_gerror(call->invocation, error);
    else
        marina_dbus_host_complete_create_network(call->host, call->invocation,
                                                 marina_daemon_network_get_object_path(network),
                                                 warnings_strv(call->warnings));
    g_object_unref(call->invocation);
    g_ptr_array_unref(call->warnings);
    g_free(call);
}

static gboolean
handle_create_network(MarinaDBusHost *host, GDBusMethodInvocation *invocation, const char *xml,
                      MarinaNetworks *self)
{
    CreateCall *call;

    if (!marina_access_check_writable(invocation) || !check_xml_size(invocation, xml))
        return TRUE;
    call = g_new0(CreateCall, 1);
    call->host = host;
    call->invocation = g_object_ref(invocation);
    call->warnings = g_ptr_array_new_with_free_func(g_free);
    marina_network_registry_create(self->registry, xml, call->warnings, on_created, call);
    return TRUE;
}

static gboolean
handle_list_host_interfaces(MarinaDBusHost *host, GDBusMethodInvocation *invocation,
                            MarinaNetworks *self)
{
    marina_dbus_host_complete_list_host_interfaces(host, invocation,
                                                   marina_host_interfaces_list(self->registry));
    return TRUE;
}

static gboolean
handle_list_host_devices(MarinaDBusHost *host, GDBusMethodInvocation *invocation, const char *type,
                         MarinaNetworks *self)
{
    g_autoptr(GError) error = NULL;
    GVariant *devices = marina_host_devices_list(type, self->guests, &error);

    if (devices == NULL) {
        g_dbus_method_invocation_return_gerror(invocation, error);
        return TRUE;
    }
    marina_dbus_host_complete_list_host_devices(host, invocation, devices);
    return TRUE;
}

/* ---------------------------------------------------------------------- */

MarinaNetworks *
marina_networks_new(MarinaNetworkRegistry *registry, MarinaDBusHost *host, MarinaVmRegistry *guests)
{
    MarinaNetworks *self = g_new0(MarinaNetworks, 1);
    const MarinaNetworkListener listener = {
        .added = on_network_added,
        .removed = on_network_removed,
        .user_data = self,
    };

    self->registry = registry;
    self->host = g_object_ref(host);
    self->guests = guests;
    self->objects =
        g_hash_table_new_full(NULL, NULL, NULL, (GDestroyNotify)marina_network_object_free);
    self->peers = g_hash_table_new(NULL, NULL);
    self->tree = (MarinaSubtree){
        .interface_name = NETWORK_INTERFACE,
        .interface_info = marina_dbus_network_interface_info,
        .enumerate = network_enumerate,
        .skeleton = network_skeleton,
        .user_data = self,
    };
    marina_network_registry_set_listener(registry, &listener);
    g_signal_connect(host, "handle-list-networks", G_CALLBACK(handle_list_networks), self);
    g_signal_connect(host, "handle-lookup-network", G_CALLBACK(handle_lookup_network), self);
    g_signal_connect(host, "handle-define-network", G_CALLBACK(handle_define_network), self);
    g_signal_connect(host, "handle-create-network", G_CALLBACK(handle_create_network), self);
    g_signal_connect(host, "handle-list-host-interfaces", G_CALLBACK(handle_list_host_interfaces),
                     self);
    g_signal_connect(host, "handle-list-host-devices", G_CALLBACK(handle_list_host_devices), self);
    return self;
}

void
marina_networks_free(MarinaNetworks *self)
{
    GHashTableIter iter;
    gpointer key, value;

    if (self == NULL)
        return;
    g_signal_handlers_disconnect_by_data(self->host, self);
    g_hash_table_iter_init(&iter, self->peers);
    while (g_hash_table_iter_next(&iter, &key, &value))
        g_dbus_connection_unregister_subtree(key, GPOINTER_TO_UINT(value));
    g_hash_table_unref(self->peers);
    marina_network_registry_set_listener(self->registry, NULL);
    g_hash_table_unref(self->objects);
    g_object_unref(self->host);
    g_free(self);
}
