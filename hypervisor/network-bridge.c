#define G_LOG_DOMAIN "marinad-network"

#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <net/if.h>
#include <string.h>

#include "core/error.h"
#include "network-driver-private.h"

/* virbr0 .. virbr255, as libvirt tries. */
#define PICK_MAX 256

guint
marina_net_link_index(const char *name)
{
    if (!marina_net_ifname_is_valid(name))
        return 0;
    return if_nametoindex(name);
}

char *
marina_net_bridge_pick_name(const char *const *in_use)
{
    for (guint n = 0; n < PICK_MAX; n++) {
        g_autofree char *name = g_strdup_printf("virbr%u", n);

        if (in_use != NULL && g_strv_contains(in_use, name))
            continue;
        if (marina_net_link_index(name) == 0)
            return g_steal_pointer(&name);
    }
    return NULL;
}

char *
marina_net_bridge_setup_text(const MarinaNetworkConfig *config, const char *bridge)
{
    GString *s = g_string_new(NULL);

    if (config->stp)
        g_string_append_printf(s, "link set dev %s type bridge stp_state 1\n", bridge);
    if (config->mac != NULL && marina_net_mac_is_valid(config->mac))
        g_string_append_printf(s, "link set dev %s address %s\n", bridge, config->mac);
    if (config->mtu != 0)
        g_string_append_printf(s, "link set dev %s mtu %u\n", bridge, config->mtu);
    for (guint i = 0; config->ips != NULL && i < config->ips->len; i++) {
        const MarinaNetIp *ip = g_ptr_array_index(config->ips, i);

        if (!marina_net_address_is_valid(ip->address, ip->ipv6))
            continue;
        /* No duplicate address detection: the address is ours, and dnsmasq
         * must be able to bind it at once. */
        g_string_append_printf(s, "addr add %s/%u dev %s%s\n", ip->address, ip->prefix, bridge,
                               ip->ipv6 ? " nodad" : "");
    }
    g_string_append_printf(s, "link set dev %s up\n", bridge);
    /* <route>: networks beyond a guest acting as a router. They go with the
     * bridge. */
    for (guint i = 0; config->routes != NULL && i < config->routes->len; i++) {
        const MarinaNetRoute *r = g_ptr_array_index(config->routes, i);

        if (!marina_net_address_is_valid(r->address, r->ipv6) ||
            !marina_net_address_is_valid(r->gateway, r->ipv6) || r->prefix > (r->ipv6 ? 128 : 32))
            continue;
        /* (ip tells the family from the addresses.) */
        g_string_append_printf(s, "route add %s/%u via %s dev %s\n", r->address, r->prefix,
                               r->gateway, bridge);
    }
    return g_string_free(s, FALSE);
}

typedef struct {
    char *ip;
    char *bridge;
    char *setup;
    gboolean ipv6; /* the network has IPv6 on the bridge */
} BridgeCreate;

static void
bridge_create_free(BridgeCreate *c)
{
    g_free(c->ip);
    g_free(c->bridge);
    g_free(c->setup);
    g_free(c);
}

static void
on_bridge_setup(GObject *source, GAsyncResult *result, gpointer data)
{
    g_autoptr(GTask) task = data;
    GError *error = NULL;

    if (!marina_net_command_finish(result, NULL, NULL, &error))
        g_task_return_error(task, error);
    else
        g_task_return_boolean(task, TRUE);
}

/* Before the bridge comes up: no IPv6 at all on it when the network has
 * none, and never addresses or routes from a guest's router advertisements
 * on the host (as libvirt does). A kernel without IPv6 has nothing to set. */
static gboolean
bridge_ipv6_settings(const char *bridge, gboolean ipv6, GError **error)
{
    static const char *const off[] = {"disable_ipv6", NULL};
    static const char *const on[] = {"accept_ra", "autoconf", NULL};
    g_autofree char *dir = g_strdup_printf("/proc/sys/net/ipv6/conf/%s", bridge);

    if (!g_file_test(dir, G_FILE_TEST_IS_DIR))
        return TRUE;
    for (const char *const *key = ipv6 ? on : off; *key != NULL; key++) {
        g_autofree char *path = g_build_filename(dir, *key, NULL);

        if (!marina_net_write_sysctl(path, ipv6 ? "0\n" : "1\n", error))
            return FALSE;
    }
    return TRUE;
}

static void
on_bridge_added(GObject *source, GAsyncResult *result, gpointer data)
{
    g_autoptr(GTask) task = data;
    BridgeCreate *c = g_task_get_task_data(task);
    g_autofree char *err = NULL;
    g_autofree char *what = NULL;
    GCancellable *cancellable;
    GError *error = NULL;

    if (!marina_net_command_finish(result, NULL, &err, &error)) {
        if (err != NULL && strstr(err, "File exists") != NULL) {
            g_clear_error(&error);
            g_set_error(&error, MARINA_ERROR, MARINA_ERROR_ALREADY_EXISTS,
                        _("Could not create bridge '%s': it already exists and is not "
                          "Marina's. Choose another <bridge name>."),
                        c->bridge);
        }
        g_task_return_error(task, error);
        return;
    }
    if (!bridge_ipv6_settings(c->bridge, c->ipv6, &error)) {
        g_task_return_error(task, error);
        return;
    }
    what = g_strdup_printf(_("Could not set up bridge '%s'"), c->bridge);
    cancellable = g_task_get_cancellable(task);
    marina_net_command_async((const char *const[]){c->ip, "-batch", "-", NULL}, c->setup, what,
                             cancellable, on_bridge_setup, g_steal_pointer(&task));
}

void
marina_net_bridge_create_async(const MarinaNetworkConfig *config, const char *bridge,
                               GCancellable *cancellable, GAsyncReadyCallback callback,
                               gpointer user_data)
{
    g_autoptr(GTask) task = g_task_new(NULL, cancellable, callback, user_data);
    g_autofree char *what = NULL;
    g_autofree char *delay = NULL;
    BridgeCreate *c;

    g_task_set_source_tag(task, marina_net_bridge_create_async);
    if (!marina_net_ifname_is_valid(bridge)) {
        g_task_return_new_error(task, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                                _("'%s' cannot be a bridge name: use 1 to 15 letters, digits, "
                                  "'.', '-' or '_'."),
                                bridge);
        return;
    }
    c = g_new0(BridgeCreate, 1);
    c->bridge = g_strdup(bridge);
    c->ip = marina_net_find_program("ip");
    g_task_set_task_data(task, c, (GDestroyNotify)bridge_create_free);
    if (c->ip == NULL) {
        g_task_return_new_error(task, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
                                _("ip is not installed: install the iproute2 package."));
        return;
    }
    if (marina_net_link_index(bridge) != 0) {
        g_task_return_new_error(task, MARINA_ERROR, MARINA_ERROR_ALREADY_EXISTS,
                                _("Could not create bridge '%s': it already exists and is not "
                                  "Marina's. Choose another <bridge name>."),
                                bridge);
        return;
    }
    c->setup = marina_net_bridge_setup_text(config, bridge);
    c->ipv6 = config->ipv6_internal || marina_net_config_ip(config, TRUE) != NULL;
    /* Made with STP off, which the setup turns on when wanted (the kernel
     * then raises a delay under two seconds to two, as under libvirt). */
    delay = g_strdup_printf("%u", MIN(config->delay, 30u) * 100);
    what = g_strdup_printf(_("Could not create bridge '%s'"), bridge);
    marina_net_command_async((const char *const[]){c->ip, "link", "add", bridge, "type", "bridge",
                                                   "stp_state", "0", "forward_delay", delay, NULL},
                             NULL, what, cancellable, on_bridge_added, g_steal_pointer(&task));
}

gboolean
marina_net_bridge_create_finish(GAsyncResult *result, GError **error)
{
    return g_task_propagate_boolean(G_TASK(result), error);
}

gboolean
marina_net_link_json_is_bridge(const char *json)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    JsonNode *node;

    if (json == NULL || !json_parser_load_from_data(parser, json, -1, NULL) ||
        (node = json_parser_get_root(parser)) == NULL || !JSON_NODE_HOLDS_ARRAY(node) ||
        json_array_get_length(json_node_get_array(node)) != 1)
        return FALSE;
    node = json_array_get_element(json_node_get_array(node), 0);
    if (!JSON_NODE_HOLDS_OBJECT(node))
        return FALSE;
    node = json_object_get_member(json_node_get_object(node), "linkinfo");
    if (node == NULL || !JSON_NODE_HOLDS_OBJECT(node))
        return FALSE;
    node = json_object_get_member(json_node_get_object(node), "info_kind");
    return node != NULL && JSON_NODE_HOLDS_VALUE(node) &&
           json_node_get_value_type(node) == G_TYPE_STRING &&
           g_str_equal(json_node_get_string(node), "bridge");
}

typedef struct {
    char *ip;
    char *bridge;
} BridgeDelete;

static void
bridge_delete_free(BridgeDelete *d)
{
    g_free(d->ip);
    g_free(d->bridge);
    g_free(d);
}

static void
on_bridge_deleted(GObject *source, GAsyncResult *result, gpointer data)
{
    g_autoptr(GTask) task = data;
    BridgeDelete *d = g_task_get_task_data(task);
    GError *error = NULL;

    /* Gone meanwhile is what was wanted. */
    if (!marina_net_command_finish(result, NULL, NULL, &error) &&
        marina_net_link_index(d->bridge) != 0) {
        g_task_return_error(task, error);
        return;
    }
    g_clear_error(&error);
    g_task_return_boolean(task, TRUE);
}

static void
on_bridge_shown(GObject *source, GAsyncResult *result, gpointer data)
{
    g_autoptr(GTask) task = data;
    BridgeDelete *d = g_task_get_task_data(task);
    g_autofree char *out = NULL;
    g_autofree char *what = NULL;
    GCancellable *cancellable;
    GError *error = NULL;

    if (!marina_net_command_finish(result, &out, NULL, &error)) {
        if (marina_net_link_index(d->bridge) == 0) {
            g_clear_error(&error);
            g_task_return_boolean(task, TRUE);
        } else {
            g_task_return_error(task, error);
        }
        return;
    }
    /* Only ever a bridge: a damaged state must not make us delete the
     * host's own interface of that name. */
    if (!marina_net_link_json_is_bridge(out)) {
        g_task_return_new_error(task, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                                _("'%s' is not a bridge any more: Marina leaves it alone."),
                                d->bridge);
        return;
    }
    what = g_strdup_printf(_("Could not delete bridge '%s'"), d->bridge);
    cancellable = g_task_get_cancellable(task);
    marina_net_command_async((const char *const[]){d->ip, "link", "del", d->bridge, NULL}, NULL,
                             what, cancellable, on_bridge_deleted, g_steal_pointer(&task));
}

void
marina_net_bridge_delete_async(const char *bridge, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data)
{
    g_autoptr(GTask) task = g_task_new(NULL, cancellable, callback, user_data);
    g_autofree char *what = NULL;
    BridgeDelete *d = g_new0(BridgeDelete, 1);

    g_task_set_source_tag(task, marina_net_bridge_delete_async);
    d->bridge = g_strdup(bridge);
    d->ip = marina_net_find_program("ip");
    g_task_set_task_data(task, d, (GDestroyNotify)bridge_delete_free);
    if (marina_net_link_index(bridge) == 0) {
        g_task_return_boolean(task, TRUE);
        return;
    }
    if (d->ip == NULL) {
        g_task_return_new_error(task, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
                                _("ip is not installed: install the iproute2 package."));
        return;
    }
    what = g_strdup_printf(_("Could not look at bridge '%s'"), bridge);
    marina_net_command_async(
        (const char *const[]){d->ip, "-j", "-d", "link", "show", "dev", bridge, NULL}, NULL, what,
        cancellable, on_bridge_shown, g_steal_pointer(&task));
}

gboolean
marina_net_bridge_delete_finish(GAsyncResult *result, GError **error)
{
    return g_task_propagate_boolean(G_TASK(result), error);
}
