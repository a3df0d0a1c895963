#define G_LOG_DOMAIN "marinad-network"

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "network-registry-private.h"
#include "tap-device.h"

/*
 * How a guest's <interface type='network'> joins its network here. The
 * system daemon makes a tap on the network's bridge. A per-user daemon
 * cannot make bridges: it uses qemu-bridge-helper when the network's bridge
 * exists and the host's /etc/qemu/bridge.conf lets users put taps on it
 * (the helper is setuid root), else QEMU's user-mode networking with the
 * network's port forwards as hostfwd=.
 */

#define BRIDGE_HELPER "/usr/lib/qemu/qemu-bridge-helper"
#define BRIDGE_CONF "/etc/qemu/bridge.conf"
#define BRIDGE_CONF_DEPTH 4
/* hostfwd= entries one user-mode interface takes (each is a listening socket). */
#define HOSTFWD_MAX 1024

/* ---------------------------------------------------------------------- */
/* The bridge helper's access list                                        */

typedef struct {
    gboolean allowed;
    gboolean denied;
} Acl;

/* The helper's rules: "allow NAME|all", "deny NAME|all", "include FILE";
 * a deny wins over an allow. */
static void
read_acl(const char *path, const char *bridge, guint depth, Acl *acl)
{
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;

    if (depth > BRIDGE_CONF_DEPTH || !g_file_get_contents(path, &text, NULL, NULL))
        return;
    lines = g_strsplit(text, "\n", 0);
    for (guint i = 0; lines[i] != NULL; i++) {
        g_auto(GStrv) words = NULL;
        char *line = g_strstrip(lines[i]);

        if (*line == '\0' || *line == '#')
            continue;
        words = g_strsplit_set(line, " \t", 2);
        if (words[1] == NULL)
            continue;
        g_strstrip(words[1]);
        if (g_str_equal(words[0], "include"))
            read_acl(words[1], bridge, depth + 1, acl);
        else if (g_str_equal(words[0], "allow") &&
                 (g_str_equal(words[1], "all") || g_str_equal(words[1], bridge)))
            acl->allowed = TRUE;
        else if (g_str_equal(words[0], "deny") &&
                 (g_str_equal(words[1], "all") || g_str_equal(words[1], bridge)))
            acl->denied = TRUE;
    }
}

static gboolean
is_host_bridge(const char *name)
{
    g_autofree char *dir = NULL;

    if (name == NULL || *name == '\0' || strchr(name, '/') != NULL)
        return FALSE;
    dir = g_build_filename("/sys/class/net", name, "bridge", NULL);
    return g_file_test(dir, G_FILE_TEST_IS_DIR);
}

static gboolean
helper_is_setuid(void)
{
    GStatBuf st;

    return g_stat(BRIDGE_HELPER, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & S_ISUID) &&
           st.st_uid == 0;
}

/* The session's choice for @bridge, and why in @detail. */
static gboolean
may_use_bridge_helper(const char *bridge, char **detail)
{
    Acl acl = {FALSE, FALSE};

    if (bridge == NULL || *bridge == '\0') {
        *detail = g_strdup(_("the network names no bridge"));
        return FALSE;
    }
    if (!is_host_bridge(bridge)) {
        *detail = g_strdup_printf(_("the bridge %s does not exist on this host"), bridge);
        return FALSE;
    }
    if (!helper_is_setuid()) {
        *detail = g_strdup_printf(_("%s is missing or not setuid root"), BRIDGE_HELPER);
        return FALSE;
    }
    read_acl(BRIDGE_CONF, bridge, 0, &acl);
    if (!acl.allowed || acl.denied) {
        *detail = g_strdup_printf(_("%s does not allow the bridge %s"), BRIDGE_CONF, bridge);
        return FALSE;
    }
    *detail = NULL;
    return TRUE;
}

static const char *
attach_how(MarinaNetworkRegistry *self, MarinaDaemonNetwork *network, char **detail)
{
    const char *bridge = marina_daemon_network_get_bridge(network);
    g_autofree char *why = NULL;

    if (self->config->system) {
        *detail = *bridge != '\0'
                      ? g_strdup_printf(_("Each guest interface gets a tap device on the "
                                          "bridge %s."),
                                        bridge)
                      : g_strdup(_("Each guest interface gets a tap device on the network's "
                                   "bridge once it runs."));
        return "bridge";
    }
    if (may_use_bridge_helper(bridge, &why)) {
        *detail = g_strdup_printf(_("Guests join the host's bridge %s through %s, which %s "
                                    "allows."),
                                  bridge, BRIDGE_HELPER, BRIDGE_CONF);
        return "bridge-helper";
    }
    *detail = g_strdup_printf(_("A per-user daemon cannot make bridges and %s, so guests use "
                                "user-mode networking (QEMU's own NAT, 10.0.2.0/24) with the "
                                "network's port forwards."),
                              why);
    return "user";
}

/* ---------------------------------------------------------------------- */
/* Attaching                                                              */

void
marina_net_attachment_clear(MarinaNetAttachment *attachment)
{
    if (attachment->tap_fd >= 0)
        close(attachment->tap_fd);
    g_free(attachment->tap_name);
    g_free(attachment->netdev);
    g_free(attachment->bridge);
    g_free(attachment->helper);
    g_strfreev(attachment->hostfwd);
    g_free(attachment->detail);
    memset(attachment, 0, sizeof *attachment);
    attachment->tap_fd = -1;
}

/* libvirt's rule: names it generates ("vnetN") are not asked for again. */
static const char *
wanted_tap_name(const MarinaInterfaceConfig *iface)
{
    const char *name = iface->target_dev;

    if (name == NULL || *name == '\0' || g_str_has_prefix(name, "vnet") ||
        g_str_has_prefix(name, "vif"))
        return NULL;
    return name;
}

static gboolean
attach_tap(MarinaDaemonNetwork *network, const MarinaInterfaceConfig *iface,
           MarinaNetAttachment *out, GError **error)
{
    const char *bridge = marina_daemon_network_get_bridge(network);

    out->kind = MARINA_NET_ATTACH_TAP;
    out->tap_fd = marina_tap_open_on_bridge(bridge, wanted_tap_name(iface), &out->tap_name, error);
    if (out->tap_fd < 0) {
        g_prefix_error(error, _("Network '%s': "), network->name);
        return FALSE;
    }
    out->bridge = g_strdup(bridge);
    out->detail = g_strdup_printf(_("Interface %s: network '%s', tap %s on bridge %s."), iface->mac,
                                  network->name, out->tap_name, bridge);
    return TRUE;
}

/* Whether port forward @pf can reach the interface with MAC @mac: those
 * naming a guest address go to the interface whose static DHCP host has it;
 * the others to any (one at a time: see take_forward). */
static gboolean
forward_applies(const MarinaNetworkConfig *config, const MarinaNetPortForward *pf, const char *mac)
{
    const MarinaNetDhcpHost *host;

    if (pf->guest == NULL)
        return TRUE;
    host = marina_network_config_find_host(config, mac);
    return host != NULL && host->ip != NULL && g_str_equal(host->ip, pf->guest);
}

void
marina_forward_holder_free(MarinaForwardHolder *holder)
{
    g_free(holder->guest);
    g_free(holder->mac);
    g_free(holder);
}

static char *
forward_key(const MarinaNetPortForward *pf)
{
    return g_strdup_printf("%s:%s:%u", pf->proto, pf->address != NULL ? pf->address : "",
                           pf->start);
}

/* "tcp 2222" or "tcp 127.0.0.1:2222-2224", for people. */
static char *
forward_name(const MarinaNetPortForward *pf)
{
    g_autofree char *ports = pf->end > pf->start ? g_strdup_printf("%u-%u", pf->start, pf->end)
                                                 : g_strdup_printf("%u", pf->start);

    return pf->address != NULL ? g_strdup_printf("%s %s:%s", pf->proto, pf->address, ports)
                               : g_strdup_printf("%s %s", pf->proto, ports);
}

/* Whether a socket could listen on @address @port now (QEMU listens there
 * for a hostfwd). A host name QEMU would resolve is taken as free. */
static gboolean
port_is_free(const char *proto, const char *address, guint port)
{
    gboolean tcp = g_str_equal(proto, "tcp");
    g_autoptr(GInetAddress) addr = address != NULL ? g_inet_address_new_from_string(address)
                                                   : g_inet_address_new_any(G_SOCKET_FAMILY_IPV4);
    g_autoptr(GSocket) socket = NULL;
    g_autoptr(GSocketAddress) where = NULL;

    if (addr == NULL)
        return TRUE;
    socket = g_socket_new(g_inet_address_get_family(addr),
                          tcp ? G_SOCKET_TYPE_STREAM : G_SOCKET_TYPE_DATAGRAM,
                          G_SOCKET_PROTOCOL_DEFAULT, NULL);
    if (socket == NULL)
        return TRUE;
    where = g_inet_socket_address_new(addr, port);
    /* SO_REUSEADDR for TCP, so connections in TIME_WAIT do not count. */
    return g_socket_bind(socket, where, tcp, NULL);
}

/* The interface that holds @pf now, unless it is @guest's @mac itself: the
 * holder counts while its guest runs; @guest's own other interfaces always
 * (its holders were let go when it started). */
static const MarinaForwardHolder *
other_holder(MarinaNetworkRegistry *self, MarinaDaemonNetwork *network, const char *key,
             const char *guest, const char *mac)
{
    const MarinaForwardHolder *holder =
        network->holders != NULL ? g_hash_table_lookup(network->holders, key) : NULL;
    MarinaVm *vm;

    if (holder == NULL)
        return NULL;
    if (guest != NULL && g_str_equal(holder->guest, guest))
        return g_strcmp0(holder->mac, mac) == 0 ? NULL : holder;
    /* Without the guests (unit tests) a holder cannot be seen to stop. */
    if (self->guests == NULL)
        return holder;
    vm = marina_vm_registry_lookup(self->guests, holder->guest);
    return vm != NULL && marina_vm_is_active(vm) ? holder : NULL;
}

/* A forward naming no guest goes to one interface only (its host port can
 * listen once): the first to attach while the port is free. Says in @notes
 * why an interface goes without it. @guest NULL: only looking. */
static gboolean
take_forward(MarinaNetworkRegistry *self, MarinaDaemonNetwork *network,
             const MarinaNetPortForward *pf, const char *guest, const char *mac, GString *notes)
{
    g_autofree char *key = forward_key(pf);
    g_autofree char *name = forward_name(pf);
    const MarinaForwardHolder *holder = other_holder(self, network, key, guest, mac);
    gboolean own = holder == NULL && network->holders != NULL && guest != NULL &&
                   g_hash_table_lookup(network->holders, key) != NULL;
    MarinaForwardHolder *mine;

    if (holder != NULL) {
        g_string_append_printf(notes,
                               _(" Port forward %s is held by guest '%s' (interface %s); this "
                                 "interface goes without it."),
                               name, holder->guest, holder->mac);
        return FALSE;
    }
    for (guint port = pf->start; !own && port <= MAX(pf->end, pf->start); port++)
        if (!port_is_free(pf->proto, pf->address, port)) {
            g_string_append_printf(notes,
                                   _(" Port forward %s: port %u is in use on this host; this "
                                     "interface goes without it."),
                                   name, port);
            return FALSE;
        }
    if (guest == NULL)
        return TRUE;
    if (network->holders == NULL)
        network->holders = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                                 (GDestroyNotify)marina_forward_holder_free);
    mine = g_new0(MarinaForwardHolder, 1);
    mine->guest = g_strdup(guest);
    mine->mac = g_strdup(mac);
    g_hash_table_replace(network->holders, g_steal_pointer(&key), mine);
    g_string_append_printf(notes, _(" Port forward %s goes to this interface."), name);
    return TRUE;
}

static gboolean
collect_hostfwd(MarinaNetworkRegistry *self, MarinaDaemonNetwork *network, const char *guest,
                const char *mac, GStrvBuilder *builder, GString *netdev, GString *notes,
                GError **error)
{
    const MarinaNetworkConfig *config = network->live;
    guint count = 0;

    for (guint i = 0; config->port_forwards != NULL && i < config->port_forwards->len; i++) {
        const MarinaNetPortForward *pf = config->port_forwards->pdata[i];
        g_autofree char *address = NULL;
        guint end = MAX(pf->end, pf->start);

        if (!forward_applies(config, pf, mac))
            continue;
        if (count + (end - pf->start + 1) > HOSTFWD_MAX) {
            g_set_error(error, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
                        _("Network '%s' forwards more than %d ports to one interface; "
                          "user-mode networking takes at most that many. Forward fewer ports."),
                        network->name, HOSTFWD_MAX);
            return FALSE;
        }
        if (pf->guest == NULL && !take_forward(self, network, pf, guest, mac, notes))
            continue;
        address = pf->address == NULL        ? g_strdup("")
                  : strchr(pf->address, ':') ? g_strdup_printf("[%s]", pf->address)
                                             : g_strdup(pf->address);
        for (guint port = pf->start; port <= end; port++, count++) {
            g_autofree char *fwd =
                g_strdup_printf("%s:%s:%u-:%u", pf->proto, address, port,
                                (pf->to ? pf->to : pf->start) + (port - pf->start));
            g_string_append_printf(netdev, ",hostfwd=%s", fwd);
            g_strv_builder_add(builder, fwd);
        }
    }
    return TRUE;
}

/* GetInfo's how-detail on a session network: who holds each forward. */
static void
describe_holders(MarinaNetworkRegistry *self, MarinaDaemonNetwork *network, GString *detail)
{
    const MarinaNetworkConfig *config = network->live != NULL ? network->live : network->def;

    for (guint i = 0;
         config != NULL && config->port_forwards != NULL && i < config->port_forwards->len; i++) {
        const MarinaNetPortForward *pf = config->port_forwards->pdata[i];
        g_autofree char *key = forward_key(pf);
        g_autofree char *name = forward_name(pf);
        const MarinaForwardHolder *holder;

        if (pf->guest != NULL)
            continue;
        holder = other_holder(self, network, key, NULL, NULL);
        if (holder != NULL)
            g_string_append_printf(detail, _(" Port forward %s goes to guest '%s' (interface %s)."),
                                   name, holder->guest, holder->mac);
        else
            g_string_append_printf(detail,
                                   _(" Port forward %s goes to the next guest that starts on "
                                     "the network."),
                                   name);
    }
}

void
marina_network_registry_release_guest(MarinaNetworkRegistry *self, const char *guest,
                                      const char *mac)
{
    GHashTableIter iter;
    MarinaDaemonNetwork *network;

    g_hash_table_iter_init(&iter, self->networks);
    while (g_hash_table_iter_next(&iter, NULL, (gpointer *)&network)) {
        GHashTableIter h;
        MarinaForwardHolder *holder;

        if (network->holders == NULL)
            continue;
        g_hash_table_iter_init(&h, network->holders);
        while (g_hash_table_iter_next(&h, NULL, (gpointer *)&holder))
            if (g_str_equal(holder->guest, guest) &&
                (mac == NULL || g_strcmp0(holder->mac, mac) == 0))
                g_hash_table_iter_remove(&h);
    }
}

const char *
marina_network_registry_how(MarinaNetworkRegistry *self, MarinaDaemonNetwork *network,
                            char **detail)
{
    const char *how = attach_how(self, network, detail);
    GString *text;

    if (!g_str_equal(how, "user"))
        return how;
    text = g_string_new(*detail);
    describe_holders(self, network, text);
    g_free(*detail);
    *detail = g_string_free(text, FALSE);
    return how;
}

static gboolean
attach_session(MarinaNetworkRegistry *self, MarinaDaemonNetwork *network, const char *guest,
               const MarinaInterfaceConfig *iface, MarinaNetAttachment *out, GError **error)
{
    g_autofree char *detail = NULL;
    const char *how = attach_how(self, network, &detail);
    g_autoptr(GStrvBuilder) builder = NULL;
    g_autoptr(GString) notes = g_string_new(NULL);
    GString *netdev;

    if (g_str_equal(how, "bridge-helper")) {
        out->kind = MARINA_NET_ATTACH_BRIDGE_HELPER;
        out->bridge = g_strdup(marina_daemon_network_get_bridge(network));
        out->helper = g_strdup(BRIDGE_HELPER);
        out->netdev = g_strdup_printf("bridge,br=%s,helper=%s", out->bridge, out->helper);
        out->detail = g_strdup_printf(_("Interface %s: network '%s', bridge %s through %s."),
                                      iface->mac, network->name, out->bridge, out->helper);
        return TRUE;
    }
    builder = g_strv_builder_new();
    netdev = g_string_new("user");
    if (!collect_hostfwd(self, network, guest, iface->mac, builder, netdev, notes, error)) {
        g_string_free(netdev, TRUE);
        return FALSE;
    }
    out->kind = MARINA_NET_ATTACH_USER;
    out->netdev = g_string_free(netdev, FALSE);
    out->hostfwd = g_strv_builder_end(builder);
    out->detail = g_strdup_printf(_("Interface %s: network '%s', user-mode networking (%s).%s"),
                                  iface->mac, network->name, detail, notes->str);
    return TRUE;
}

gboolean
marina_network_registry_attach(MarinaNetworkRegistry *self, const MarinaInterfaceConfig *iface,
                               MarinaNetAttachment *out, GError **error)
{
    return marina_network_registry_attach_guest(self, NULL, iface, out, error);
}

gboolean
marina_network_registry_attach_guest(MarinaNetworkRegistry *self, const char *guest,
                                     const MarinaInterfaceConfig *iface, MarinaNetAttachment *out,
                                     GError **error)
{
    MarinaDaemonNetwork *network =
        iface->source != NULL ? g_hash_table_lookup(self->networks, iface->source) : NULL;

    memset(out, 0, sizeof *out);
    out->tap_fd = -1;
    if (network == NULL) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_NO_SUCH_NETWORK,
                    _("There is no virtual network '%s' on this host. Define it with "
                      "`marinactl net-define`, or change the interface's network."),
                    iface->source != NULL ? iface->source : "");
        return FALSE;
    }
    if (network->live == NULL) {
        /* Not NOT_RUNNING: a guest's start reads that as QEMU having gone. */
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                    _("Network '%s' is not running: start it with `marinactl net-start %s`."),
                    network->name, network->name);
        return FALSE;
    }
    out->mtu = network->live->mtu;
    if (self->config->system ? attach_tap(network, iface, out, error)
                             : attach_session(self, network, guest, iface, out, error))
        return TRUE;
    marina_net_attachment_clear(out);
    return FALSE;
}
