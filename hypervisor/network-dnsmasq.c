#define G_LOG_DOMAIN "marinad-network"

#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>

#include "core/error.h"
#include "network-driver-private.h"

/* dnsmasq's own default lease time, written out so it is visible. */
#define LEASE_TIME "1h"
/* A lease file line is far shorter: anything longer is not dnsmasq's. */
#define LEASE_LINE_MAX 1024
/* How long dnsmasq gets to leave after TERM, and after KILL (50 ms ticks). */
#define TERM_TICKS 100
#define KILL_TICKS 40
/* Counted IPv6 leases per range at most (dhcp-lease-max). */
#define V6_RANGE_COUNT_MAX 65536u

void
marina_net_dnsmasq_paths_init(MarinaNetDnsmasqPaths *paths, const char *conf)
{
    g_autofree char *base =
        g_str_has_suffix(conf, ".conf") ? g_strndup(conf, strlen(conf) - 5) : g_strdup(conf);

    paths->conf = g_strdup(conf);
    paths->hosts = g_strconcat(base, ".hosts", NULL);
    paths->addn_hosts = g_strconcat(base, ".addnhosts", NULL);
    paths->pid = g_strconcat(base, ".pid", NULL);
    paths->leases = g_strconcat(base, ".leases", NULL);
}

void
marina_net_dnsmasq_paths_clear(MarinaNetDnsmasqPaths *paths)
{
    g_clear_pointer(&paths->conf, g_free);
    g_clear_pointer(&paths->hosts, g_free);
    g_clear_pointer(&paths->addn_hosts, g_free);
    g_clear_pointer(&paths->pid, g_free);
    g_clear_pointer(&paths->leases, g_free);
}

static gboolean
ip_has_dhcp(const MarinaNetIp *ip)
{
    return (ip->ranges != NULL && ip->ranges->len > 0) || (ip->hosts != NULL && ip->hosts->len > 0);
}

gboolean
marina_net_dnsmasq_needed(const MarinaNetworkConfig *config)
{
    if (config->forward == MARINA_NET_FORWARD_BRIDGE)
        return FALSE;
    if (config->dns_enabled && config->ips != NULL && config->ips->len > 0)
        return TRUE;
    for (guint i = 0; config->ips != NULL && i < config->ips->len; i++) {
        if (ip_has_dhcp(g_ptr_array_index(config->ips, i)))
            return TRUE;
    }
    return FALSE;
}

/* A host name: letters, digits, '-', '_' and '.', at most 253 bytes. */
static gboolean
hostname_is_valid(const char *name)
{
    gsize len = name != NULL ? strlen(name) : 0;

    if (len == 0 || len > 253 || name[0] == '-' || name[0] == '.')
        return FALSE;
    for (const char *c = name; *c != '\0'; c++) {
        if (!g_ascii_isalnum(*c) && *c != '-' && *c != '_' && *c != '.')
            return FALSE;
    }
    return TRUE;
}

/* A DUID or client id: hex bytes separated by ':', at most 130 bytes. */
static gboolean
hex_id_is_valid(const char *id)
{
    gsize len = id != NULL ? strlen(id) : 0;

    if (len == 0 || len > 130)
        return FALSE;
    for (const char *c = id; *c != '\0'; c++) {
        if (!g_ascii_isxdigit(*c) && *c != ':')
            return FALSE;
    }
    return TRUE;
}

/* How many addresses lie in @start..@end (IPv6: at most V6_RANGE_COUNT_MAX). */
static guint
range_size(const MarinaNetDhcpRange *range, gboolean ipv6)
{
    guint8 a[16];
    guint8 b[16];
    guint len = ipv6 ? 16 : 4;
    guint32 lo = 0;
    guint32 hi = 0;

    if (!marina_net_address_is_valid(range->start, ipv6) ||
        !marina_net_address_is_valid(range->end, ipv6))
        return 0;
    inet_pton(ipv6 ? AF_INET6 : AF_INET, range->start, a);
    inet_pton(ipv6 ? AF_INET6 : AF_INET, range->end, b);
    if (memcmp(a, b, len - 4) != 0)
        return ipv6 ? V6_RANGE_COUNT_MAX : 0;
    for (guint i = len - 4; i < len; i++) {
        lo = lo << 8 | a[i];
        hi = hi << 8 | b[i];
    }
    if (hi < lo)
        return 0;
    return ipv6 ? MIN(hi - lo + 1, V6_RANGE_COUNT_MAX) : hi - lo + 1;
}

/* dhcp-range lines for @ip; adds its addresses to @lease_max. */
static void
append_ranges(GString *s, const MarinaNetIp *ip, guint *lease_max)
{
    g_autofree char *subnet = marina_net_ip_subnet(ip);
    g_autofree char *mask =
        ip->ipv6 ? g_strdup_printf("%u", ip->prefix) : marina_net_prefix_netmask(ip->prefix);
    char *slash = subnet != NULL ? strchr(subnet, '/') : NULL;
    gboolean any = FALSE;

    if (slash != NULL)
        *slash = '\0';
    for (guint i = 0; ip->ranges != NULL && i < ip->ranges->len; i++) {
        const MarinaNetDhcpRange *r = g_ptr_array_index(ip->ranges, i);
        guint size = range_size(r, ip->ipv6);

        if (size == 0)
            continue;
        g_string_append_printf(s, "dhcp-range=%s,%s,%s,%s\n", r->start, r->end, mask, LEASE_TIME);
        *lease_max += size;
        any = TRUE;
    }
    if (subnet == NULL)
        return;
    /* Static hosts alone are still served, as libvirt does. */
    if (!any && ip->hosts != NULL && ip->hosts->len > 0) {
        g_string_append_printf(s, "dhcp-range=%s,static,%s,%s\n", subnet, mask, LEASE_TIME);
        *lease_max += ip->hosts->len;
        any = TRUE;
    }
    /* IPv6 without DHCP: router advertisements only (SLAAC). */
    if (ip->ipv6 && !any)
        g_string_append_printf(s, "dhcp-range=%s,ra-only,%u\n", subnet, ip->prefix);
}

static gboolean
config_has_dhcp(const MarinaNetworkConfig *config, gboolean ipv6)
{
    for (guint i = 0; config->ips != NULL && i < config->ips->len; i++) {
        const MarinaNetIp *ip = g_ptr_array_index(config->ips, i);

        if (ip->ipv6 == ipv6 && ip_has_dhcp(ip))
            return TRUE;
    }
    return FALSE;
}

static void
append_dns(GString *s, const MarinaNetworkConfig *config)
{
    gboolean forwarders = FALSE;

    if (!config->dns_enabled) {
        /* DHCP only: no DNS server at all. */
        g_string_append(s, "port=0\n");
        return;
    }
    if (config->domain != NULL && hostname_is_valid(config->domain)) {
        g_string_append_printf(s, "domain=%s\nexpand-hosts\n", config->domain);
        if (config->domain_local)
            g_string_append_printf(s, "local=/%s/\n", config->domain);
    }
    for (guint i = 0; config->dns_forwarders != NULL && i < config->dns_forwarders->len; i++) {
        const char *addr = g_ptr_array_index(config->dns_forwarders, i);

        if (!marina_net_address_is_valid(addr, FALSE) && !marina_net_address_is_valid(addr, TRUE))
            continue;
        g_string_append_printf(s, "server=%s\n", addr);
        forwarders = TRUE;
    }
    /* Only the named forwarders, not the host's resolv.conf. */
    if (forwarders)
        g_string_append(s, "no-resolv\n");
}

char *
marina_net_dnsmasq_conf_text(const MarinaNetworkConfig *config, const char *bridge,
                             const MarinaNetDnsmasqPaths *paths, gboolean as_root)
{
    GString *s = g_string_new("## Written by marinad: changes are overwritten.\n");
    const MarinaNetIp *ip6 = marina_net_config_ip(config, TRUE);
    guint lease_max = 0;

    g_string_append_printf(s,
                           "strict-order\n"
                           "pid-file=%s\n"
                           "except-interface=lo\n"
                           "bind-dynamic\n"
                           "interface=%s\n",
                           paths->pid, bridge);
    append_dns(s, config);
    for (guint i = 0; config->ips != NULL && i < config->ips->len; i++) {
        const MarinaNetIp *ip = g_ptr_array_index(config->ips, i);

        append_ranges(s, ip, &lease_max);
        if (ip->tftp_root != NULL && g_path_is_absolute(ip->tftp_root) &&
            marina_net_token_is_safe(ip->tftp_root))
            g_string_append_printf(s, "enable-tftp\ntftp-root=%s\n", ip->tftp_root);
        if (ip->bootp_file != NULL && marina_net_token_is_safe(ip->bootp_file))
            g_string_append_printf(s, "dhcp-boot=%s\n", ip->bootp_file);
    }
    if (config_has_dhcp(config, FALSE) || config_has_dhcp(config, TRUE)) {
        g_string_append(s, "dhcp-no-override\ndhcp-authoritative\n");
        g_string_append_printf(s, "dhcp-lease-max=%u\n", MAX(lease_max, 1u));
        g_string_append_printf(s, "dhcp-hostsfile=%s\n", paths->hosts);
    }
    /* Always ours: router advertisements alone would otherwise make it use
     * the system's default lease file. */
    g_string_append_printf(s, "dhcp-leasefile=%s\n", paths->leases);
    if (config->dns_enabled)
        g_string_append_printf(s, "addn-hosts=%s\n", paths->addn_hosts);
    if (ip6 != NULL) {
        g_string_append(s, "enable-ra\n");
        /* An isolated network is no default route for its guests. */
        if (config->forward == MARINA_NET_FORWARD_NONE)
            g_string_append_printf(s, "ra-param=%s,0,0\n", bridge);
    }
    if (as_root)
        g_string_append(s, "user=root\n");
    return g_string_free(s, FALSE);
}

static void
append_host(GString *s, const MarinaNetDhcpHost *host, gboolean ipv6)
{
    GPtrArray *parts = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *line = NULL;

    if (host->mac != NULL && marina_net_mac_is_valid(host->mac))
        g_ptr_array_add(parts, g_ascii_strdown(host->mac, -1));
    if (ipv6 && host->id != NULL && hex_id_is_valid(host->id))
        g_ptr_array_add(parts, g_strconcat("id:", host->id, NULL));
    /* Something to recognise the client by, or the line means nothing. */
    if (parts->len == 0 && !(host->name != NULL && hostname_is_valid(host->name))) {
        g_ptr_array_unref(parts);
        return;
    }
    if (host->ip != NULL && marina_net_address_is_valid(host->ip, ipv6))
        g_ptr_array_add(parts, ipv6 ? g_strdup_printf("[%s]", host->ip) : g_strdup(host->ip));
    if (host->name != NULL && hostname_is_valid(host->name))
        g_ptr_array_add(parts, g_strdup(host->name));
    g_ptr_array_add(parts, NULL);
    line = g_strjoinv(",", (char **)parts->pdata);
    g_string_append_printf(s, "%s\n", line);
    g_ptr_array_unref(parts);
}

char *
marina_net_dnsmasq_hosts_text(const MarinaNetworkConfig *config)
{
    GString *s = g_string_new(NULL);

    for (guint i = 0; config->ips != NULL && i < config->ips->len; i++) {
        const MarinaNetIp *ip = g_ptr_array_index(config->ips, i);

        for (guint j = 0; ip->hosts != NULL && j < ip->hosts->len; j++)
            append_host(s, g_ptr_array_index(ip->hosts, j), ip->ipv6);
    }
    return g_string_free(s, FALSE);
}

char *
marina_net_dnsmasq_addn_hosts_text(const MarinaNetworkConfig *config)
{
    GString *s = g_string_new(NULL);

    for (guint i = 0; config->dns_hosts != NULL && i < config->dns_hosts->len; i++) {
        const MarinaNetDnsHost *host = g_ptr_array_index(config->dns_hosts, i);
        gsize before;

        if (!marina_net_address_is_valid(host->ip, FALSE) &&
            !marina_net_address_is_valid(host->ip, TRUE))
            continue;
        before = s->len;
        g_string_append(s, host->ip);
        for (guint j = 0; host->hostnames != NULL && j < host->hostnames->len; j++) {
            const char *name = g_ptr_array_index(host->hostnames, j);

            if (hostname_is_valid(name))
                g_string_append_printf(s, " %s", name);
        }
        if (s->len == before + strlen(host->ip))
            g_string_truncate(s, before); /* no valid name: no line */
        else
            g_string_append_c(s, '\n');
    }
    return g_string_free(s, FALSE);
}

/* Whether every directory above @path can be entered by others: dnsmasq
 * reads its hosts files again, after dropping root, on SIGHUP. */
static gboolean
others_can_reach(const char *path)
{
    g_autofree char *dir = g_path_get_dirname(path);

    while (TRUE) {
        GStatBuf st;
        char *parent;

        if (g_stat(dir, &st) != 0 || (st.st_mode & S_IXOTH) == 0)
            return FALSE;
        parent = g_path_get_dirname(dir);
        if (g_str_equal(parent, dir)) {
            g_free(parent);
            return TRUE;
        }
        g_free(dir);
        dir = parent;
    }
}

/* Writes @text to @path (0644) unless it holds it already; @changed set. */
static gboolean
write_if_changed(const char *path, const char *text, gboolean *changed, GError **error)
{
    g_autofree char *old = NULL;
    g_autoptr(GError) local = NULL;

    if (g_file_get_contents(path, &old, NULL, NULL) && g_str_equal(old, text)) {
        if (changed != NULL)
            *changed = FALSE;
        return TRUE;
    }
    if (changed != NULL)
        *changed = TRUE;
    /* Readable by dnsmasq's unprivileged user whatever the umask. */
    if (!g_file_set_contents_full(path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644, &local) ||
        g_chmod(path, 0644) != 0) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                    _("Could not write dnsmasq's file %s: %s."), path,
                    local != NULL ? local->message : g_strerror(errno));
        return FALSE;
    }
    return TRUE;
}

gboolean
marina_net_dnsmasq_write_files(const MarinaNetworkConfig *config, const char *bridge,
                               const MarinaNetDnsmasqPaths *paths, gboolean *conf_changed,
                               GError **error)
{
    g_autofree char *dir = g_path_get_dirname(paths->conf);
    g_autofree char *conf = NULL;
    g_autofree char *hosts = marina_net_dnsmasq_hosts_text(config);
    g_autofree char *addn = marina_net_dnsmasq_addn_hosts_text(config);
    int saved;

    /* The paths go into the configuration, one option a line. */
    if (strchr(paths->conf, '\n') != NULL || !g_path_is_absolute(paths->conf)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("'%s' cannot hold dnsmasq's files: use an absolute path without line "
                      "breaks."),
                    dir);
        return FALSE;
    }
    if (g_mkdir_with_parents(dir, 0755) != 0 || g_chmod(dir, 0755) != 0) {
        saved = errno;
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                    _("Could not create the directory %s for dnsmasq: %s."), dir,
                    g_strerror(saved));
        return FALSE;
    }
    conf = marina_net_dnsmasq_conf_text(config, bridge, paths, !others_can_reach(paths->hosts));
    return write_if_changed(paths->hosts, hosts, NULL, error) &&
           write_if_changed(paths->addn_hosts, addn, NULL, error) &&
           write_if_changed(paths->conf, conf, conf_changed, error);
}

void
marina_net_dnsmasq_remove_files(const MarinaNetDnsmasqPaths *paths)
{
    const char *files[] = {paths->conf, paths->hosts, paths->addn_hosts, paths->pid, paths->leases};

    for (guint i = 0; i < G_N_ELEMENTS(files); i++) {
        if (files[i] != NULL && g_unlink(files[i]) != 0 && errno != ENOENT)
            g_warning("Could not remove %s: %s", files[i], g_strerror(errno));
    }
}

/* ---- the process ---- */

gboolean
marina_net_dnsmasq_is_ours(GPid pid, const char *conf)
{
    g_autofree char *path = NULL;
    g_autofree char *cmdline = NULL;
    g_autofree char *want = NULL;
    g_autofree char *base = NULL;
    gsize len = 0;

    if (pid <= 1 || conf == NULL)
        return FALSE;
    path = g_strdup_printf("/proc/%d/cmdline", (int)pid);
    /* A zombie has an empty command line: it is gone for us. */
    if (!g_file_get_contents(path, &cmdline, &len, NULL) || len == 0)
        return FALSE;
    base = g_path_get_basename(cmdline);
    if (!g_str_equal(base, "dnsmasq"))
        return FALSE;
    want = g_strconcat("--conf-file=", conf, NULL);
    for (gsize off = strlen(cmdline) + 1; off < len; off += strlen(cmdline + off) + 1) {
        if (g_str_equal(cmdline + off, want))
            return TRUE;
    }
    return FALSE;
}

typedef struct {
    char *pid_file;
    char *bridge;
} Spawn;

static void
spawn_free(Spawn *spawn)
{
    g_free(spawn->pid_file);
    g_free(spawn->bridge);
    g_free(spawn);
}

static void
on_dnsmasq_started(GObject *source, GAsyncResult *result, gpointer data)
{
    g_autoptr(GTask) task = data;
    Spawn *spawn = g_task_get_task_data(task);
    g_autofree char *text = NULL;
    GError *error = NULL;
    guint64 pid = 0;

    if (!marina_net_command_finish(result, NULL, NULL, &error)) {
        g_task_return_error(task, error);
        return;
    }
    /* dnsmasq writes its pid file before its first process exits. */
    if (!g_file_get_contents(spawn->pid_file, &text, NULL, NULL) ||
        !g_ascii_string_to_unsigned(g_strstrip(text), 10, 2, G_MAXINT32, &pid, NULL)) {
        g_task_return_new_error(task, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                                _("dnsmasq started for bridge '%s' but wrote no pid file %s."),
                                spawn->bridge, spawn->pid_file);
        return;
    }
    g_task_return_int(task, (gssize)pid);
}

void
marina_net_dnsmasq_spawn_async(const MarinaNetDnsmasqPaths *paths, const char *bridge,
                               GCancellable *cancellable, GAsyncReadyCallback callback,
                               gpointer user_data)
{
    g_autoptr(GTask) task = g_task_new(NULL, cancellable, callback, user_data);
    g_autofree char *dnsmasq = marina_net_find_program("dnsmasq");
    g_autofree char *arg = NULL;
    g_autofree char *what = NULL;
    Spawn *spawn;

    g_task_set_source_tag(task, marina_net_dnsmasq_spawn_async);
    if (dnsmasq == NULL) {
        g_task_return_new_error(task, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
                                _("dnsmasq is not installed: install the dnsmasq-base package."));
        return;
    }
    spawn = g_new0(Spawn, 1);
    spawn->pid_file = g_strdup(paths->pid);
    spawn->bridge = g_strdup(bridge);
    g_task_set_task_data(task, spawn, (GDestroyNotify)spawn_free);
    g_unlink(paths->pid);
    arg = g_strconcat("--conf-file=", paths->conf, NULL);
    what = g_strdup_printf(_("dnsmasq could not start for bridge '%s'"), bridge);
    /* It forks and its first process exits once the server runs (or with
     * the reason it cannot). */
    marina_net_command_async((const char *const[]){dnsmasq, arg, NULL}, NULL, what, cancellable,
                             on_dnsmasq_started, g_steal_pointer(&task));
}

GPid
marina_net_dnsmasq_spawn_finish(GAsyncResult *result, GError **error)
{
    gssize pid = g_task_propagate_int(G_TASK(result), error);

    return pid > 0 ? (GPid)pid : 0;
}

typedef struct {
    GPid pid;
    char *conf;
    guint ticks;
    gboolean killed;
} Kill;

static void
kill_free(Kill *k)
{
    g_free(k->conf);
    g_free(k);
}

static gboolean
on_kill_tick(gpointer data)
{
    GTask *task = data;
    Kill *k = g_task_get_task_data(task);

    if (!marina_net_dnsmasq_is_ours(k->pid, k->conf)) {
        g_task_return_boolean(task, TRUE);
        g_object_unref(task);
        return G_SOURCE_REMOVE;
    }
    k->ticks++;
    if (!k->killed && k->ticks >= TERM_TICKS) {
        g_message("dnsmasq %d did not stop on TERM: killing it", (int)k->pid);
        kill(k->pid, SIGKILL);
        k->killed = TRUE;
        k->ticks = 0;
    } else if (k->killed && k->ticks >= KILL_TICKS) {
        g_task_return_new_error(task, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                                _("dnsmasq (process %d) does not stop even when killed."),
                                (int)k->pid);
        g_object_unref(task);
        return G_SOURCE_REMOVE;
    }
    return G_SOURCE_CONTINUE;
}

void
marina_net_dnsmasq_kill_async(GPid pid, const char *conf, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task = g_task_new(NULL, cancellable, callback, user_data);
    g_autoptr(GSource) tick = NULL;
    Kill *k;

    g_task_set_source_tag(task, marina_net_dnsmasq_kill_async);
    /* Never signal a process that is not the dnsmasq we started (the pid
     * may have been reused since). */
    if (!marina_net_dnsmasq_is_ours(pid, conf)) {
        g_task_return_boolean(task, TRUE);
        g_object_unref(task);
        return;
    }
    k = g_new0(Kill, 1);
    k->pid = pid;
    k->conf = g_strdup(conf);
    g_task_set_task_data(task, k, (GDestroyNotify)kill_free);
    kill(pid, SIGTERM);
    /* Ticks in the caller's main context, where the task completes. */
    tick = g_timeout_source_new(50);
    g_source_set_callback(tick, on_kill_tick, task, NULL);
    g_source_attach(tick, g_task_get_context(task));
}

gboolean
marina_net_dnsmasq_kill_finish(GAsyncResult *result, GError **error)
{
    return g_task_propagate_boolean(G_TASK(result), error);
}

/* ---- leases ---- */

void
marina_net_lease_free(MarinaNetLease *lease)
{
    if (lease == NULL)
        return;
    g_free(lease->mac);
    g_free(lease->address);
    g_free(lease->hostname);
    g_free(lease->client_id);
    g_free(lease);
}

/* The MAC inside a DUID-LLT (00:01:00:01:time:mac) or DUID-LL (00:03:00:01:mac)
 * of an Ethernet interface, or NULL. */
static char *
mac_from_duid(const char *duid)
{
    gsize len = strlen(duid);

    if ((g_str_has_prefix(duid, "00:01:00:01:") && len == 12 + 12 + 17) ||
        (g_str_has_prefix(duid, "00:03:00:01:") && len == 12 + 17)) {
        const char *mac = duid + len - 17;

        if (marina_net_mac_is_valid(mac))
            return g_ascii_strdown(mac, -1);
    }
    return NULL;
}

static guint
lease_prefix(const MarinaNetworkConfig *config, const char *address, gboolean ipv6)
{
    for (guint i = 0; config != NULL && config->ips != NULL && i < config->ips->len; i++) {
        const MarinaNetIp *ip = g_ptr_array_index(config->ips, i);

        if (ip->ipv6 == ipv6 && marina_net_ip_has(ip, address))
            return ip->prefix;
    }
    return ipv6 ? 128 : 32;
}

/* One line "expiry mac ip hostname clientid" (IPv6: "expiry iaid ip
 * hostname duid"), or NULL when it is not one. */
static MarinaNetLease *
parse_lease_line(const char *line, gint64 now, const MarinaNetworkConfig *config)
{
    g_auto(GStrv) f = NULL;
    MarinaNetLease *lease;
    guint64 expiry = 0;
    guint n;
    gboolean ipv6;

    if (strlen(line) > LEASE_LINE_MAX || g_str_has_prefix(line, "duid "))
        return NULL;
    f = g_strsplit(line, " ", 0);
    n = g_strv_length(f);
    if (n < 4 || n > 5 ||
        !g_ascii_string_to_unsigned(f[0], 10, 0, G_GINT64_CONSTANT(1) << 40, &expiry, NULL))
        return NULL;
    if (expiry != 0 && (gint64)expiry < now)
        return NULL;
    ipv6 = strchr(f[2], ':') != NULL;
    if (!marina_net_address_is_valid(f[2], ipv6))
        return NULL;
    if (!ipv6 && !marina_net_mac_is_valid(f[1]))
        return NULL;
    if (ipv6 && !g_ascii_string_to_unsigned(f[1][0] == 'T' ? f[1] + 1 : f[1], 10, 0, G_MAXUINT32,
                                            NULL, NULL))
        return NULL;
    lease = g_new0(MarinaNetLease, 1);
    lease->expiry = (gint64)expiry;
    lease->ipv6 = ipv6;
    lease->address = g_strdup(f[2]);
    lease->prefix = lease_prefix(config, f[2], ipv6);
    if (hostname_is_valid(f[3]))
        lease->hostname = g_strdup(f[3]);
    if (n == 5 && hex_id_is_valid(f[4]))
        lease->client_id = g_ascii_strdown(f[4], -1);
    if (!ipv6)
        lease->mac = g_ascii_strdown(f[1], -1);
    else if (lease->client_id != NULL)
        lease->mac = mac_from_duid(lease->client_id);
    return lease;
}

GPtrArray *
marina_net_leases_parse(const char *text, gint64 now, const MarinaNetworkConfig *config)
{
    GPtrArray *leases = g_ptr_array_new_with_free_func((GDestroyNotify)marina_net_lease_free);
    g_auto(GStrv) lines = g_strsplit(text != NULL ? text : "", "\n", 0);

    for (char **l = lines; *l != NULL; l++) {
        MarinaNetLease *lease;

        g_strchomp(*l);
        if (**l == '\0')
            continue;
        lease = parse_lease_line(*l, now, config);
        if (lease != NULL)
            g_ptr_array_add(leases, lease);
    }
    return leases;
}
