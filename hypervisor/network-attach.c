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

const char *
marina_network_registry_how(MarinaNetworkRegistry *self, MarinaDaemonNetwork *network,
                            char **detail)
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

/* Whether port forward @pf reaches the interface with MAC @mac: those
 * naming a guest address go to the interface whose static DHCP host has it. */
static gboolean
forward_applies(const MarinaNetworkConfig *config, const MarinaNetPortForward *pf, const char *mac)
{
    const MarinaNetDhcpHost *host;

    if (pf->guest == NULL)
        return TRUE;
    host = marina_network_config_find_host(config, mac);
    return host != NULL && host->ip != NULL && g_str_equal(host->ip, pf->guest);
}

static gboolean
collect_hostfwd(MarinaDaemonNetwork *network, const char *mac, GStrvBuilder *builder,
                GString *netdev, GError **error)
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

static gboolean
attach_session(MarinaNetworkRegistry *self, MarinaDaemonNetwork *network,
               const MarinaInterfaceConfig *iface, MarinaNetAttachment *out, GError **error)
{
    g_autofree char *detail = NULL;
    const char *how = marina_network_registry_how(self, network, &detail);
    g_autoptr(GStrvBuilder) builder = NULL;
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
    if (!collect_hostfwd(network, iface->mac, builder, netdev, error)) {
        g_string_free(netdev, TRUE);
        return FALSE;
    }
    out->kind = MARINA_NET_ATTACH_USER;
    out->netdev = g_string_free(netdev, FALSE);
    out->hostfwd = g_strv_builder_end(builder);
    out->detail = g_strdup_printf(_("Interface %s: network '%s', user-mode networking (%s)."),
                                  iface->mac, network->name, detail);
    return TRUE;
}

gboolean
marina_network_registry_attach(MarinaNetworkRegistry *self, const MarinaInterfaceConfig *iface,
                               MarinaNetAttachment *out, GError **error)
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
                             : attach_session(self, network, iface, out, error))
        return TRUE;
    marina_net_attachment_clear(out);
    return FALSE;
}
