#define G_LOG_DOMAIN "marinad-network"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <signal.h>
#include <string.h>

#include "core/error.h"
#include "network-driver-private.h"

#define GROUP "runtime"
/* Largest pid Linux hands out (pid_max's ceiling). */
#define PID_MAX 4194304
#define PATH_MAX_LEN 4096
/* Largest lease file read (a /16 of leases is far less). */
#define LEASE_FILE_MAX (8 * 1024 * 1024)

/* ---- the runtime record ---- */

void
marina_net_runtime_free(MarinaNetRuntime *runtime)
{
    if (runtime == NULL)
        return;
    g_free(runtime->bridge);
    g_free(runtime->dnsmasq_conf);
    g_free(runtime->leases_file);
    g_free(runtime->firewall_table);
    g_free(runtime);
}

void
marina_net_runtime_save(const MarinaNetRuntime *runtime, GKeyFile *file)
{
    g_key_file_remove_group(file, GROUP, NULL);
    if (runtime->bridge != NULL)
        g_key_file_set_string(file, GROUP, "bridge", runtime->bridge);
    g_key_file_set_boolean(file, GROUP, "made-bridge", runtime->made_bridge);
    g_key_file_set_integer(file, GROUP, "dnsmasq-pid", (int)runtime->dnsmasq_pid);
    if (runtime->dnsmasq_conf != NULL)
        g_key_file_set_string(file, GROUP, "dnsmasq-conf", runtime->dnsmasq_conf);
    if (runtime->leases_file != NULL)
        g_key_file_set_string(file, GROUP, "leases-file", runtime->leases_file);
    if (runtime->firewall_table != NULL)
        g_key_file_set_string(file, GROUP, "firewall-table", runtime->firewall_table);
}

static gboolean
bad_runtime(GError **error, const char *key)
{
    g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                _("The saved state of a running network has an invalid '%s'."), key);
    return FALSE;
}

/* A path the driver made for @bridge: "/.../networks/<bridge><suffix>",
 * no "..", no line breaks. Stop removes these files: a damaged state file
 * must not name any other. */
static gboolean
path_is_ours(const char *path, const char *bridge, const char *suffix)
{
    g_autofree char *base = NULL;
    g_autofree char *dir = NULL;
    g_autofree char *dir_base = NULL;
    g_autofree char *want = g_strconcat(bridge, suffix, NULL);

    if (strlen(path) >= PATH_MAX_LEN || !g_path_is_absolute(path) || strstr(path, "/../") != NULL ||
        strchr(path, '\n') != NULL || !g_utf8_validate(path, -1, NULL))
        return FALSE;
    base = g_path_get_basename(path);
    dir = g_path_get_dirname(path);
    dir_base = g_path_get_basename(dir);
    return g_str_equal(base, want) && g_str_equal(dir_base, "networks");
}

/* The optional path @key into *@out; FALSE when present and not one the
 * driver makes for @bridge. */
static gboolean
load_path(GKeyFile *file, const char *key, const char *bridge, const char *suffix, char **out,
          GError **error)
{
    g_autofree char *value = NULL;

    if (!g_key_file_has_key(file, GROUP, key, NULL))
        return TRUE;
    value = g_key_file_get_string(file, GROUP, key, NULL);
    if (value == NULL || !path_is_ours(value, bridge, suffix))
        return bad_runtime(error, key);
    *out = g_steal_pointer(&value);
    return TRUE;
}

MarinaNetRuntime *
marina_net_runtime_load(GKeyFile *file, GError **error)
{
    g_autoptr(MarinaNetRuntime) rt = g_new0(MarinaNetRuntime, 1);
    g_autoptr(GError) local = NULL;
    g_autofree char *table = NULL;
    g_autofree char *want = NULL;
    int pid;

    if (!g_key_file_has_group(file, GROUP)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                    _("The saved state of a running network has no '%s' group."), GROUP);
        return NULL;
    }
    rt->bridge = g_key_file_get_string(file, GROUP, "bridge", NULL);
    if (rt->bridge == NULL || !marina_net_ifname_is_valid(rt->bridge)) {
        bad_runtime(error, "bridge");
        return NULL;
    }
    if (g_key_file_has_key(file, GROUP, "made-bridge", NULL)) {
        rt->made_bridge = g_key_file_get_boolean(file, GROUP, "made-bridge", &local);
        if (local != NULL) {
            bad_runtime(error, "made-bridge");
            return NULL;
        }
    }
    if (g_key_file_has_key(file, GROUP, "dnsmasq-pid", NULL)) {
        pid = g_key_file_get_integer(file, GROUP, "dnsmasq-pid", &local);
        if (local != NULL || pid < 0 || pid > PID_MAX) {
            bad_runtime(error, "dnsmasq-pid");
            return NULL;
        }
        rt->dnsmasq_pid = pid;
    }
    if (!load_path(file, "dnsmasq-conf", rt->bridge, ".conf", &rt->dnsmasq_conf, error) ||
        !load_path(file, "leases-file", rt->bridge, ".leases", &rt->leases_file, error))
        return NULL;
    table = g_key_file_get_string(file, GROUP, "firewall-table", NULL);
    if (table != NULL) {
        /* Only ever the table of this bridge: a state file must not make us
         * delete someone else's rules. */
        want = marina_net_firewall_table_name(rt->bridge);
        if (!g_str_equal(table, want)) {
            bad_runtime(error, "firewall-table");
            return NULL;
        }
        rt->firewall_table = g_steal_pointer(&table);
    }
    return g_steal_pointer(&rt);
}

/* ---- leases ---- */

/* The text of @path, at most @max bytes; NULL with @error when it cannot
 * be read or is longer. (Not mapped: dnsmasq truncates the file as it
 * rewrites it, and a mapping would then fault.) */
static char *
read_capped(const char *path, gsize max, GError **error)
{
    g_autoptr(GFile) file = g_file_new_for_path(path);
    g_autoptr(GFileInputStream) in = g_file_read(file, NULL, error);
    g_autofree char *buf = NULL;
    gsize got = 0;

    if (in == NULL)
        return NULL;
    buf = g_malloc(max + 1);
    if (!g_input_stream_read_all(G_INPUT_STREAM(in), buf, max + 1, &got, NULL, error))
        return NULL;
    if (got > max) {
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                    _("it is larger than any dnsmasq writes"));
        return NULL;
    }
    buf[got] = '\0';
    return g_steal_pointer(&buf);
}

GPtrArray *
marina_net_driver_read_leases(const MarinaNetworkConfig *config, const MarinaNetRuntime *runtime,
                              GError **error)
{
    g_autoptr(GError) local = NULL;
    g_autofree char *text = NULL;

    if (runtime == NULL || runtime->leases_file == NULL)
        return g_ptr_array_new_with_free_func((GDestroyNotify)marina_net_lease_free);
    text = read_capped(runtime->leases_file, LEASE_FILE_MAX, &local);
    if (text == NULL) {
        /* No lease given yet: dnsmasq makes the file with the first. */
        if (g_error_matches(local, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
            return g_ptr_array_new_with_free_func((GDestroyNotify)marina_net_lease_free);
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                    _("Could not read the DHCP leases of network '%s': %s."),
                    config != NULL ? config->name : runtime->bridge, local->message);
        return NULL;
    }
    return marina_net_leases_parse(text, g_get_real_time() / G_USEC_PER_SEC, config);
}

/* ---- stop (and undoing a failed start) ---- */

typedef struct {
    MarinaNetRuntime rt; /* copies: the caller's may go */
    MarinaNetDnsmasqPaths paths;
    GError *first_error;
} Stop;

static void
stop_free(Stop *stop)
{
    g_free(stop->rt.bridge);
    g_free(stop->rt.dnsmasq_conf);
    g_free(stop->rt.leases_file);
    g_free(stop->rt.firewall_table);
    marina_net_dnsmasq_paths_clear(&stop->paths);
    g_clear_error(&stop->first_error);
    g_free(stop);
}

static void
stop_note(Stop *stop, GError *error)
{
    if (error == NULL)
        return;
    g_warning("%s", error->message);
    if (stop->first_error == NULL)
        stop->first_error = error;
    else
        g_error_free(error);
}

static void
stop_finish_task(GTask *task)
{
    Stop *stop = g_task_get_task_data(task);

    if (stop->paths.conf != NULL)
        marina_net_dnsmasq_remove_files(&stop->paths);
    if (stop->first_error != NULL)
        g_task_return_error(task, g_steal_pointer(&stop->first_error));
    else
        g_task_return_boolean(task, TRUE);
    g_object_unref(task);
}

static void
on_stop_bridge(GObject *source, GAsyncResult *result, gpointer data)
{
    GTask *task = data;
    GError *error = NULL;

    if (!marina_net_bridge_delete_finish(result, &error))
        stop_note(g_task_get_task_data(task), error);
    stop_finish_task(task);
}

static void
stop_bridge(GTask *task)
{
    Stop *stop = g_task_get_task_data(task);

    if (!stop->rt.made_bridge || stop->rt.bridge == NULL) {
        stop_finish_task(task);
        return;
    }
    marina_net_bridge_delete_async(stop->rt.bridge, NULL, on_stop_bridge, task);
}

static void
on_stop_firewall(GObject *source, GAsyncResult *result, gpointer data)
{
    GTask *task = data;
    GError *error = NULL;

    if (!marina_net_firewall_delete_finish(result, &error))
        stop_note(g_task_get_task_data(task), error);
    stop_bridge(task);
}

static void
on_stop_dnsmasq(GObject *source, GAsyncResult *result, gpointer data)
{
    GTask *task = data;
    Stop *stop = g_task_get_task_data(task);
    GError *error = NULL;

    if (!marina_net_dnsmasq_kill_finish(result, &error))
        stop_note(stop, error);
    if (stop->rt.firewall_table == NULL) {
        stop_bridge(task);
        return;
    }
    marina_net_firewall_delete_async(stop->rt.firewall_table, NULL, on_stop_firewall, task);
}

/* The pid in dnsmasq's pid file, or 0: a start that failed half-way may
 * have left a dnsmasq whose pid we never learnt. */
static GPid
pid_from_file(const char *path)
{
    g_autofree char *text = NULL;
    guint64 pid = 0;

    if (path == NULL || !g_file_get_contents(path, &text, NULL, NULL) ||
        !g_ascii_string_to_unsigned(g_strstrip(text), 10, 2, PID_MAX, &pid, NULL))
        return 0;
    return (GPid)pid;
}

/* Stops what @runtime names; the steps each run even when one before fails. */
static void
stop_runtime(const MarinaNetRuntime *runtime, GCancellable *cancellable,
             GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task = g_task_new(NULL, cancellable, callback, user_data);
    Stop *stop = g_new0(Stop, 1);
    GPid pid;

    g_task_set_source_tag(task, marina_net_driver_stop_async);
    stop->rt.bridge = g_strdup(runtime->bridge);
    stop->rt.made_bridge = runtime->made_bridge;
    stop->rt.dnsmasq_pid = runtime->dnsmasq_pid;
    stop->rt.dnsmasq_conf = g_strdup(runtime->dnsmasq_conf);
    stop->rt.leases_file = g_strdup(runtime->leases_file);
    stop->rt.firewall_table = g_strdup(runtime->firewall_table);
    if (runtime->dnsmasq_conf != NULL)
        marina_net_dnsmasq_paths_init(&stop->paths, runtime->dnsmasq_conf);
    g_task_set_task_data(task, stop, (GDestroyNotify)stop_free);
    pid = stop->rt.dnsmasq_pid;
    if (!marina_net_dnsmasq_is_ours(pid, stop->rt.dnsmasq_conf))
        pid = pid_from_file(stop->paths.pid);
    /* dnsmasq first: it holds the bridge's addresses. */
    marina_net_dnsmasq_kill_async(pid, stop->rt.dnsmasq_conf, NULL, on_stop_dnsmasq, task);
}

void
marina_net_driver_stop_async(const MarinaNetworkConfig *config, const MarinaNetRuntime *runtime,
                             GCancellable *cancellable, GAsyncReadyCallback callback,
                             gpointer user_data)
{
    (void)config;
    stop_runtime(runtime, cancellable, callback, user_data);
}

gboolean
marina_net_driver_stop_finish(GAsyncResult *result, GError **error)
{
    return g_task_propagate_boolean(G_TASK(result), error);
}

/* ---- start ---- */

typedef struct {
    MarinaNetRuntime *rt;
    char *ruleset; /* NULL: no table */
    gboolean localnet;
    gboolean dnsmasq;
    MarinaNetDnsmasqPaths paths;
    GError *error; /* why the start failed, while undoing it */
} Start;

static void
start_free(Start *start)
{
    marina_net_runtime_free(start->rt);
    g_free(start->ruleset);
    marina_net_dnsmasq_paths_clear(&start->paths);
    g_clear_error(&start->error);
    g_free(start);
}

static void
on_start_undone(GObject *source, GAsyncResult *result, gpointer data)
{
    g_autoptr(GTask) task = data;
    Start *start = g_task_get_task_data(task);
    g_autoptr(GError) error = NULL;

    if (!marina_net_driver_stop_finish(result, &error))
        g_warning("Undoing a failed network start: %s", error->message);
    g_task_return_error(task, g_steal_pointer(&start->error));
}

/* Fails the start with @error after removing what it made. */
static void
start_fail(GTask *task, GError *error)
{
    Start *start = g_task_get_task_data(task);

    g_message("Starting bridge %s failed: %s", start->rt->bridge, error->message);
    start->error = error;
    stop_runtime(start->rt, NULL, on_start_undone, task);
}

static void
start_done(GTask *task)
{
    Start *start = g_task_get_task_data(task);

    g_task_return_pointer(task, g_steal_pointer(&start->rt),
                          (GDestroyNotify)marina_net_runtime_free);
    g_object_unref(task);
}

static void
on_start_dnsmasq(GObject *source, GAsyncResult *result, gpointer data)
{
    GTask *task = data;
    Start *start = g_task_get_task_data(task);
    GError *error = NULL;
    GPid pid = marina_net_dnsmasq_spawn_finish(result, &error);

    if (pid == 0) {
        start_fail(task, error);
        return;
    }
    start->rt->dnsmasq_pid = pid;
    start_done(task);
}

static void
start_dnsmasq(GTask *task)
{
    Start *start = g_task_get_task_data(task);

    if (!start->dnsmasq) {
        start_done(task);
        return;
    }
    marina_net_dnsmasq_spawn_async(&start->paths, start->rt->bridge, g_task_get_cancellable(task),
                                   on_start_dnsmasq, task);
}

static void
on_start_firewall(GObject *source, GAsyncResult *result, gpointer data)
{
    GTask *task = data;
    Start *start = g_task_get_task_data(task);
    GError *error = NULL;

    if (!marina_net_firewall_apply_finish(result, &error)) {
        start_fail(task, error);
        return;
    }
    /* Loaded in one transaction: there is a table to remove only now. */
    start->rt->firewall_table = marina_net_firewall_table_name(start->rt->bridge);
    start_dnsmasq(task);
}

static void
on_start_bridge(GObject *source, GAsyncResult *result, gpointer data)
{
    GTask *task = data;
    Start *start = g_task_get_task_data(task);
    g_autofree char *table = NULL;
    GError *error = NULL;
    gboolean ok = marina_net_bridge_create_finish(result, &error);

    /* It did not exist before: if it does now, it is ours to remove. */
    start->rt->made_bridge = marina_net_link_index(start->rt->bridge) != 0;
    if (!ok) {
        if (g_error_matches(error, MARINA_ERROR, MARINA_ERROR_ALREADY_EXISTS))
            start->rt->made_bridge = FALSE; /* someone else's, made meanwhile */
        start_fail(task, error);
        return;
    }
    if (start->ruleset == NULL) {
        start_dnsmasq(task);
        return;
    }
    if (start->localnet && !marina_net_localnet_enable(start->rt->bridge, &error)) {
        start_fail(task, error);
        return;
    }
    table = marina_net_firewall_table_name(start->rt->bridge);
    marina_net_firewall_apply_async(table, start->ruleset, g_task_get_cancellable(task),
                                    on_start_firewall, task);
}

/* The bridge name @config gets, or NULL with @error. */
static char *
choose_bridge(const MarinaNetworkConfig *config, const char *const *in_use, GError **error)
{
    char *name;

    if (config->bridge == NULL) {
        name = marina_net_bridge_pick_name(in_use);
        if (name == NULL)
            g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                        _("Network '%s' needs a bridge, and virbr0 to virbr255 are all taken. "
                          "Give it a <bridge name>."),
                        config->name);
        return name;
    }
    if (!marina_net_ifname_is_valid(config->bridge)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                    _("'%s' cannot be a bridge name: use 1 to 15 letters, digits, '.', '-' or "
                      "'_'."),
                    config->bridge);
        return NULL;
    }
    if (in_use != NULL && g_strv_contains(in_use, config->bridge)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_ALREADY_EXISTS,
                    _("Could not create bridge '%s': another running network uses it. Choose "
                      "another <bridge name>."),
                    config->bridge);
        return NULL;
    }
    if (marina_net_link_index(config->bridge) != 0) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_ALREADY_EXISTS,
                    _("Could not create bridge '%s': it already exists and is not Marina's. "
                      "Choose another <bridge name>."),
                    config->bridge);
        return NULL;
    }
    return g_strdup(config->bridge);
}

/* Whether the programs @config needs are installed; the error says which
 * package to install. */
static gboolean
check_programs(gboolean need_nft, gboolean need_dnsmasq, GError **error)
{
    g_autofree char *ip = marina_net_find_program("ip");
    g_autofree char *nft = need_nft ? marina_net_find_program("nft") : NULL;
    g_autofree char *dnsmasq = need_dnsmasq ? marina_net_find_program("dnsmasq") : NULL;

    if (ip == NULL) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
                    _("ip is not installed: install the iproute2 package."));
        return FALSE;
    }
    if (need_nft && nft == NULL) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
                    _("nft is not installed: install the nftables package."));
        return FALSE;
    }
    if (need_dnsmasq && dnsmasq == NULL) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
                    _("dnsmasq is not installed: install the dnsmasq-base package."));
        return FALSE;
    }
    return TRUE;
}

/* forward=bridge: the host's bridge must be there; nothing is made. */
static void
start_on_host_bridge(GTask *task, const MarinaNetworkConfig *config)
{
    MarinaNetRuntime *rt;

    if (config->bridge == NULL || marina_net_link_index(config->bridge) == 0) {
        g_task_return_new_error(task, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                                _("Network '%s' joins the host bridge '%s', which does not "
                                  "exist. Create the bridge on the host first."),
                                config->name, config->bridge != NULL ? config->bridge : "");
        return;
    }
    rt = g_new0(MarinaNetRuntime, 1);
    rt->bridge = g_strdup(config->bridge);
    g_task_return_pointer(task, rt, (GDestroyNotify)marina_net_runtime_free);
}

void
marina_net_driver_start_async(const MarinaNetworkConfig *config, const char *run_dir,
                              const char *const *in_use, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data)
{
    g_autoptr(GTask) task = g_task_new(NULL, cancellable, callback, user_data);
    g_autofree char *bridge = NULL;
    g_autofree char *conf = NULL;
    GError *error = NULL;
    Start *start;

    g_task_set_source_tag(task, marina_net_driver_start_async);
    if (config->forward == MARINA_NET_FORWARD_BRIDGE) {
        start_on_host_bridge(task, config);
        return;
    }
    bridge = choose_bridge(config, in_use, &error);
    if (bridge == NULL) {
        g_task_return_error(task, error);
        return;
    }
    start = g_new0(Start, 1);
    start->rt = g_new0(MarinaNetRuntime, 1);
    start->rt->bridge = g_strdup(bridge);
    start->ruleset = marina_net_firewall_ruleset(config, bridge);
    start->localnet = marina_net_firewall_forwards_ipv4(config);
    start->dnsmasq = marina_net_dnsmasq_needed(config);
    g_task_set_task_data(task, start, (GDestroyNotify)start_free);
    if (!check_programs(start->ruleset != NULL, start->dnsmasq, &error) ||
        !marina_net_forwarding_enable(config, &error)) {
        g_task_return_error(task, error);
        return;
    }
    /* Everything that needs @config happens now: the caller's copy may be
     * gone by the time the commands finish. */
    if (start->dnsmasq) {
        conf = g_strdup_printf("%s/networks/%s.conf", run_dir, bridge);
        marina_net_dnsmasq_paths_init(&start->paths, conf);
        start->rt->dnsmasq_conf = g_strdup(start->paths.conf);
        start->rt->leases_file = g_strdup(start->paths.leases);
        if (!marina_net_dnsmasq_write_files(config, bridge, &start->paths, NULL, &error)) {
            start_fail(g_steal_pointer(&task), error);
            return;
        }
    }
    marina_net_bridge_create_async(config, bridge, cancellable, on_start_bridge,
                                   g_steal_pointer(&task));
}

MarinaNetRuntime *
marina_net_driver_start_finish(GAsyncResult *result, GError **error)
{
    return g_task_propagate_pointer(G_TASK(result), error);
}

/* ---- adopt and update: make what runs match @config again ---- */

typedef struct {
    MarinaNetRuntime *rt; /* the caller's, updated in place */
    char *ruleset;
    gboolean dnsmasq;
    gboolean conf_changed;
    MarinaNetDnsmasqPaths paths;
} Refresh;

static void
refresh_free(Refresh *r)
{
    g_free(r->ruleset);
    marina_net_dnsmasq_paths_clear(&r->paths);
    g_free(r);
}

static void
on_refresh_spawned(GObject *source, GAsyncResult *result, gpointer data)
{
    g_autoptr(GTask) task = data;
    Refresh *r = g_task_get_task_data(task);
    GError *error = NULL;
    GPid pid = marina_net_dnsmasq_spawn_finish(result, &error);

    if (pid == 0) {
        r->rt->dnsmasq_pid = 0;
        g_task_return_error(task, error);
        return;
    }
    r->rt->dnsmasq_pid = pid;
    g_task_return_boolean(task, TRUE);
}

static void
on_refresh_killed(GObject *source, GAsyncResult *result, gpointer data)
{
    g_autoptr(GTask) task = data;
    Refresh *r = g_task_get_task_data(task);
    GCancellable *cancellable;
    GError *error = NULL;

    if (!marina_net_dnsmasq_kill_finish(result, &error)) {
        g_task_return_error(task, error);
        return;
    }
    r->rt->dnsmasq_pid = 0;
    cancellable = g_task_get_cancellable(task);
    marina_net_dnsmasq_spawn_async(&r->paths, r->rt->bridge, cancellable, on_refresh_spawned,
                                   g_steal_pointer(&task));
}

static void
refresh_dnsmasq(GTask *task)
{
    Refresh *r = g_task_get_task_data(task);
    gboolean alive = marina_net_dnsmasq_is_ours(r->rt->dnsmasq_pid, r->rt->dnsmasq_conf);
    GPid pid;

    /* One that runs on our files though its pid was not saved (the daemon
     * stopped before saving it): take it rather than start a second. */
    if (!alive && r->dnsmasq && (pid = pid_from_file(r->paths.pid)) != 0 &&
        marina_net_dnsmasq_is_ours(pid, r->rt->dnsmasq_conf)) {
        r->rt->dnsmasq_pid = pid;
        alive = TRUE;
    }
    if (!r->dnsmasq) {
        g_task_return_boolean(task, TRUE);
        g_object_unref(task);
        return;
    }
    if (alive && !r->conf_changed) {
        /* It reads its hosts files again. */
        kill(r->rt->dnsmasq_pid, SIGHUP);
        g_task_return_boolean(task, TRUE);
        g_object_unref(task);
        return;
    }
    if (alive) {
        /* A range or option changed: only a new process takes it. */
        marina_net_dnsmasq_kill_async(r->rt->dnsmasq_pid, r->rt->dnsmasq_conf, NULL,
                                      on_refresh_killed, task);
        return;
    }
    g_message("dnsmasq for bridge %s is not running: starting it again", r->rt->bridge);
    marina_net_dnsmasq_spawn_async(&r->paths, r->rt->bridge, g_task_get_cancellable(task),
                                   on_refresh_spawned, task);
}

static void
on_refresh_firewall(GObject *source, GAsyncResult *result, gpointer data)
{
    GTask *task = data;
    GError *error = NULL;

    if (!marina_net_firewall_apply_finish(result, &error)) {
        g_task_return_error(task, error);
        g_object_unref(task);
        return;
    }
    refresh_dnsmasq(task);
}

static void
refresh_async(const MarinaNetworkConfig *config, MarinaNetRuntime *runtime, gpointer tag,
              GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task = g_task_new(NULL, cancellable, callback, user_data);
    Refresh *r = g_new0(Refresh, 1);
    GError *error = NULL;

    g_task_set_source_tag(task, tag);
    g_task_set_task_data(task, r, (GDestroyNotify)refresh_free);
    r->rt = runtime;
    /* Never touch the bridge: guests are on it. */
    if (marina_net_link_index(runtime->bridge) == 0) {
        g_task_return_new_error(task, MARINA_ERROR, MARINA_ERROR_NOT_RUNNING,
                                _("The bridge '%s' of network '%s' is gone: start the network "
                                  "again."),
                                runtime->bridge, config->name);
        g_object_unref(task);
        return;
    }
    if (config->forward == MARINA_NET_FORWARD_BRIDGE) {
        g_task_return_boolean(task, TRUE);
        g_object_unref(task);
        return;
    }
    r->ruleset = marina_net_firewall_ruleset(config, runtime->bridge);
    r->dnsmasq = marina_net_dnsmasq_needed(config);
    if (r->dnsmasq && runtime->dnsmasq_conf == NULL) {
        /* It started without DHCP and DNS: where its files go is not known. */
        g_task_return_new_error(task, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                                _("Network '%s' now needs DHCP or DNS, which it ran without: "
                                  "stop it and start it again."),
                                config->name);
        g_object_unref(task);
        return;
    }
    if (r->dnsmasq) {
        marina_net_dnsmasq_paths_init(&r->paths, runtime->dnsmasq_conf);
        if (!marina_net_dnsmasq_write_files(config, runtime->bridge, &r->paths, &r->conf_changed,
                                            &error)) {
            g_task_return_error(task, error);
            g_object_unref(task);
            return;
        }
    }
    if (!marina_net_forwarding_enable(config, &error) ||
        (marina_net_firewall_forwards_ipv4(config) &&
         !marina_net_localnet_enable(runtime->bridge, &error))) {
        g_task_return_error(task, error);
        g_object_unref(task);
        return;
    }
    if (r->ruleset == NULL) {
        refresh_dnsmasq(task);
        return;
    }
    /* Loading the table replaces it in one transaction: connections through
     * it are not cut. */
    if (runtime->firewall_table == NULL)
        runtime->firewall_table = marina_net_firewall_table_name(runtime->bridge);
    marina_net_firewall_apply_async(runtime->firewall_table, r->ruleset, cancellable,
                                    on_refresh_firewall, task);
}

void
marina_net_driver_adopt_async(const MarinaNetworkConfig *config, MarinaNetRuntime *runtime,
                              GCancellable *cancellable, GAsyncReadyCallback callback,
                              gpointer user_data)
{
    refresh_async(config, runtime, marina_net_driver_adopt_async, cancellable, callback, user_data);
}

gboolean
marina_net_driver_adopt_finish(GAsyncResult *result, GError **error)
{
    return g_task_propagate_boolean(G_TASK(result), error);
}

void
marina_net_driver_update_async(const MarinaNetworkConfig *config, MarinaNetRuntime *runtime,
                               GCancellable *cancellable, GAsyncReadyCallback callback,
                               gpointer user_data)
{
    refresh_async(config, runtime, marina_net_driver_update_async, cancellable, callback,
                  user_data);
}

gboolean
marina_net_driver_update_finish(GAsyncResult *result, GError **error)
{
    return g_task_propagate_boolean(G_TASK(result), error);
}
