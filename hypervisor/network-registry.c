#define G_LOG_DOMAIN "marinad-network"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <net/if.h>
#include <string.h>

#include "core/error.h"
#include "network-registry-private.h"
#include "state-store.h"
#include "storage-pool.h"

#define NETWORK_SUBTREE "/org/marinavm/Marina1/network"

/* ---------------------------------------------------------------------- */
/* One network                                                            */

static MarinaDaemonNetwork *
network_new(MarinaNetworkRegistry *self, const char *name)
{
    MarinaDaemonNetwork *network = g_new0(MarinaDaemonNetwork, 1);

    g_atomic_ref_count_init(&network->refs);
    network->registry = self;
    network->name = g_strdup(name);
    network->path = marina_network_object_path(name);
    return network;
}

MarinaDaemonNetwork *
marina_daemon_network_ref(MarinaDaemonNetwork *network)
{
    g_atomic_ref_count_inc(&network->refs);
    return network;
}

void
marina_daemon_network_unref(MarinaDaemonNetwork *network)
{
    if (network == NULL || !g_atomic_ref_count_dec(&network->refs))
        return;
    marina_network_config_free(network->def);
    marina_network_config_free(network->live);
    marina_net_runtime_free(network->runtime);
    g_free(network->name);
    g_free(network->path);
    g_free(network);
}

char *
marina_network_object_path(const char *name)
{
    g_autofree char *escaped = marina_storage_escape(name);

    return g_strdup_printf("%s/%s", NETWORK_SUBTREE, escaped);
}

const char *
marina_daemon_network_get_name(MarinaDaemonNetwork *network)
{
    return network->name;
}

const char *
marina_daemon_network_get_object_path(MarinaDaemonNetwork *network)
{
    return network->path;
}

gboolean
marina_daemon_network_is_active(MarinaDaemonNetwork *network)
{
    return network->live != NULL;
}

gboolean
marina_daemon_network_is_persistent(MarinaDaemonNetwork *network)
{
    return network->def != NULL;
}

gboolean
marina_daemon_network_get_autostart(MarinaDaemonNetwork *network)
{
    return network->autostart;
}

const MarinaNetworkConfig *
marina_daemon_network_get_config(MarinaDaemonNetwork *network)
{
    return network->live != NULL ? network->live : network->def;
}

const MarinaNetRuntime *
marina_daemon_network_get_runtime(MarinaDaemonNetwork *network)
{
    return network->runtime;
}

const char *
marina_daemon_network_get_bridge(MarinaDaemonNetwork *network)
{
    const MarinaNetworkConfig *config = marina_daemon_network_get_config(network);

    if (network->runtime != NULL && network->runtime->bridge != NULL)
        return network->runtime->bridge;
    return config != NULL && config->bridge != NULL ? config->bridge : "";
}

char *
marina_daemon_network_get_xml(MarinaDaemonNetwork *network, gboolean inactive)
{
    const MarinaNetworkConfig *config = network->live;
    g_autoptr(MarinaNetworkConfig) copy = NULL;

    if (inactive && network->def != NULL)
        return marina_network_config_to_xml(network->def);
    if (config == NULL)
        return marina_network_config_to_xml(network->def);
    /* The running definition shows the bridge the network really has, as
     * libvirt's does for a network that asked for none. */
    if (config->bridge == NULL && network->runtime != NULL && network->runtime->bridge != NULL) {
        copy = marina_network_config_copy(config);
        copy->bridge = g_strdup(network->runtime->bridge);
        return marina_network_config_to_xml(copy);
    }
    return marina_network_config_to_xml(config);
}

/* ---------------------------------------------------------------------- */
/* The registry                                                           */

MarinaNetworkRegistry *
marina_network_registry_new(const MarinaDaemonConfig *config, MarinaDBusHost *events,
                            MarinaVmRegistry *guests)
{
    MarinaNetworkRegistry *self = g_new0(MarinaNetworkRegistry, 1);

    self->config = config;
    self->events = events != NULL ? g_object_ref(events) : NULL;
    self->guests = guests;
    self->dir = g_build_filename(config->state_dir, "networks", NULL);
    self->state_dir = g_build_filename(config->runtime_dir, "network-state", NULL);
    self->networks = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                           (GDestroyNotify)marina_daemon_network_unref);
    return self;
}

void
marina_network_registry_free(MarinaNetworkRegistry *self)
{
    GHashTableIter iter;
    gpointer value;

    if (self == NULL)
        return;
    /* Operations still under way find their network orphaned and only end. */
    g_hash_table_iter_init(&iter, self->networks);
    while (g_hash_table_iter_next(&iter, NULL, &value))
        ((MarinaDaemonNetwork *)value)->registry = NULL;
    g_hash_table_unref(self->networks);
    g_clear_object(&self->events);
    g_free(self->dir);
    g_free(self->state_dir);
    g_free(self);
}

void
marina_network_registry_set_listener(MarinaNetworkRegistry *self,
                                     const MarinaNetworkListener *listener)
{
    if (listener != NULL)
        self->listener = *listener;
    else
        memset(&self->listener, 0, sizeof self->listener);
}

void
marina_network_registry_keep_in_memory(MarinaNetworkRegistry *self)
{
    self->in_memory = TRUE;
}

/* Whether starting a network makes it real (network-driver.h). */
static gboolean
makes_bridges(MarinaNetworkRegistry *self)
{
    return self->config->system && !self->in_memory;
}

gboolean
marina_network_registry_is_system(MarinaNetworkRegistry *self)
{
    return self->config->system;
}

MarinaDaemonNetwork *
marina_network_registry_lookup(MarinaNetworkRegistry *self, const char *key)
{
    MarinaDaemonNetwork *network = g_hash_table_lookup(self->networks, key);
    GHashTableIter iter;
    gpointer value;

    if (network != NULL)
        return network;
    g_hash_table_iter_init(&iter, self->networks);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        const MarinaNetworkConfig *config = marina_daemon_network_get_config(value);
        if (config != NULL && config->uuid != NULL && g_ascii_strcasecmp(config->uuid, key) == 0)
            return value;
    }
    return NULL;
}

static gint
compare_names(gconstpointer a, gconstpointer b)
{
    const MarinaDaemonNetwork *x = *(MarinaDaemonNetwork *const *)a;
    const MarinaDaemonNetwork *y = *(MarinaDaemonNetwork *const *)b;

    return strcmp(x->name, y->name);
}

GPtrArray *
marina_network_registry_list(MarinaNetworkRegistry *self)
{
    GPtrArray *list = g_ptr_array_new();
    GHashTableIter iter;
    gpointer value;

    g_hash_table_iter_init(&iter, self->networks);
    while (g_hash_table_iter_next(&iter, NULL, &value))
        g_ptr_array_add(list, value);
    g_ptr_array_sort(list, compare_names);
    return list;
}

void
marina_network_registry_emit(MarinaNetworkRegistry *self, MarinaDaemonNetwork *network,
                             const char *event)
{
    g_debug("network '%s': %s", network->name, event);
    if (self->events != NULL)
        marina_dbus_host_emit_network_event(self->events, network->path, network->name, event);
}

static void
add_network(MarinaNetworkRegistry *self, MarinaDaemonNetwork *network)
{
    g_hash_table_insert(self->networks, g_strdup(network->name), network);
    if (self->listener.added != NULL)
        self->listener.added(network, self->listener.user_data);
}

static void
remove_network(MarinaNetworkRegistry *self, MarinaDaemonNetwork *network)
{
    gpointer key = NULL;

    if (self->listener.removed != NULL)
        self->listener.removed(network, self->listener.user_data);
    /* Its object may be answering this very call: let go from an idle. */
    if (g_hash_table_steal_extended(self->networks, network->name, &key, NULL))
        g_free(key);
    network->registry = NULL;
    g_idle_add_once((GSourceOnceFunc)marina_daemon_network_unref, network);
}

/* ---------------------------------------------------------------------- */
/* Files                                                                  */

static char *
def_file(MarinaNetworkRegistry *self, const char *name, const char *ext)
{
    g_autofree char *file = g_strconcat(name, ext, NULL);

    return g_build_filename(self->dir, file, NULL);
}

static char *
state_file(MarinaNetworkRegistry *self, const char *name)
{
    g_autofree char *file = g_strconcat(name, ".state", NULL);

    return g_build_filename(self->state_dir, file, NULL);
}

static gboolean
save_definition(MarinaNetworkRegistry *self, const MarinaNetworkConfig *config, GError **error)
{
    g_autofree char *path = def_file(self, config->name, ".xml");
    g_autofree char *xml = marina_network_config_to_xml(config);

    if (self->in_memory)
        return TRUE;
    if (g_mkdir_with_parents(self->dir, 0700) != 0) {
        int err = errno;
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED, _("Cannot create %s: %s."),
                    self->dir, g_strerror(err));
        return FALSE;
    }
    return marina_write_file_atomic(path, xml, strlen(xml), 0600, error);
}

/* What a restarted daemon needs to adopt the running network. */
static void
save_state(MarinaNetworkRegistry *self, MarinaDaemonNetwork *network)
{
    g_autoptr(GKeyFile) file = g_key_file_new();
    g_autofree char *path = state_file(self, network->name);
    g_autofree char *xml = marina_network_config_to_xml(network->live);
    g_autofree char *data = NULL;
    g_autoptr(GError) error = NULL;
    gsize len;

    if (self->in_memory)
        return;
    g_key_file_set_string(file, "network", "xml", xml);
    if (network->runtime != NULL)
        marina_net_runtime_save(network->runtime, file);
    data = g_key_file_to_data(file, &len, NULL);
    if (g_mkdir_with_parents(self->state_dir, 0700) != 0 ||
        !marina_write_file_replace(path, data, len, 0600, &error))
        g_warning("Network '%s': cannot record its running state in %s: %s", network->name, path,
                  error != NULL ? error->message : g_strerror(errno));
}

static void
forget_state(MarinaNetworkRegistry *self, MarinaDaemonNetwork *network)
{
    g_autofree char *path = state_file(self, network->name);

    if (!self->in_memory)
        g_unlink(path);
}

/* ---------------------------------------------------------------------- */
/* Checks                                                                 */

static gboolean
check_settled(MarinaDaemonNetwork *network, GError **error)
{
    if (network->busy == NULL)
        return TRUE;
    g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                _("Network '%s' is busy (%s); try again in a moment."), network->name,
                network->busy);
    return FALSE;
}

/* FALSE when another network than @except has @config's UUID. */
static gboolean
check_unique_uuid(MarinaNetworkRegistry *self, const MarinaNetworkConfig *config,
                  MarinaDaemonNetwork *except, GError **error)
{
    GHashTableIter iter;
    gpointer value;

    g_hash_table_iter_init(&iter, self->networks);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        const MarinaNetworkConfig *other = marina_daemon_network_get_config(value);
        if (value != except && other != NULL &&
            g_ascii_strcasecmp(other->uuid, config->uuid) == 0) {
            g_set_error(error, MARINA_ERROR, MARINA_ERROR_ALREADY_EXISTS,
                        _("UUID %s is already used by network '%s'. Remove the <uuid> element "
                          "to get a new one."),
                        config->uuid, ((MarinaDaemonNetwork *)value)->name);
            return FALSE;
        }
    }
    return TRUE;
}

/* Whether @xml names a UUID itself (the parser makes one up when not). */
static gboolean
xml_has_uuid(const char *xml)
{
    return strstr(xml, "<uuid") != NULL;
}

static gboolean
bridge_exists(const char *name)
{
    return name != NULL && *name != '\0' && strlen(name) < IFNAMSIZ && if_nametoindex(name) != 0;
}

/* Before @config of @network starts: no overlap with a running network, no
 * bridge another network holds or the host has for itself. */
static gboolean
check_can_start(MarinaNetworkRegistry *self, MarinaDaemonNetwork *network,
                const MarinaNetworkConfig *config, GError **error)
{
    GHashTableIter iter;
    gpointer value;

    g_hash_table_iter_init(&iter, self->networks);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        MarinaDaemonNetwork *other = value;

        if (other == network || other->live == NULL)
            continue;
        if (marina_network_config_check_conflict(config, other->live, error))
            return FALSE;
        if (config->bridge != NULL && config->forward != MARINA_NET_FORWARD_BRIDGE &&
            g_str_equal(config->bridge, marina_daemon_network_get_bridge(other))) {
            g_set_error(error, MARINA_ERROR, MARINA_ERROR_ALREADY_EXISTS,
                        _("Network '%s' wants the bridge %s, which network '%s' uses. Choose "
                          "another bridge name."),
                        config->name, config->bridge, other->name);
            return FALSE;
        }
    }
    /* A session makes no bridge: an existing one is what qemu-bridge-helper
     * may join. The system daemon must not take over a bridge it did not make. */
    if (makes_bridges(self) && config->forward != MARINA_NET_FORWARD_BRIDGE &&
        bridge_exists(config->bridge)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_ALREADY_EXISTS,
                    _("Network '%s' wants the bridge %s, which already exists on this host and "
                      "was not made by Marina. Choose another bridge name, or remove that "
                      "bridge."),
                    config->name, config->bridge);
        return FALSE;
    }
    return TRUE;
}

/* Bridge names other networks hold or ask for (driver's @in_use). */
static GStrv
bridges_in_use(MarinaNetworkRegistry *self, MarinaDaemonNetwork *except)
{
    g_autoptr(GStrvBuilder) builder = g_strv_builder_new();
    GHashTableIter iter;
    gpointer value;

    g_hash_table_iter_init(&iter, self->networks);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        const char *bridge = marina_daemon_network_get_bridge(value);
        if (value != except && *bridge != '\0')
            g_strv_builder_add(builder, bridge);
    }
    return g_strv_builder_end(builder);
}

/* ---------------------------------------------------------------------- */
/* Guests                                                                  */

typedef struct {
    const char *network;
    GPtrArray *names;
} GuestScan;

static void
scan_guest(MarinaVm *vm, gpointer data)
{
    GuestScan *scan = data;
    const MarinaDomainConfig *config;

    if (!marina_vm_is_active(vm))
        return;
    config = marina_vm_get_config(vm);
    for (guint i = 0; config->interfaces != NULL && i < config->interfaces->len; i++) {
        const MarinaInterfaceConfig *iface = config->interfaces->pdata[i];
        if (iface->type == MARINA_NET_TYPE_NETWORK &&
            g_strcmp0(iface->source, scan->network) == 0) {
            g_ptr_array_add(scan->names, g_strdup(marina_vm_get_name(vm)));
            return;
        }
    }
}

static gint
compare_strings(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

GStrv
marina_network_registry_list_guests(MarinaNetworkRegistry *self, MarinaDaemonNetwork *network)
{
    GuestScan scan = {network->name, g_ptr_array_new()};

    if (self->guests != NULL)
        marina_vm_registry_foreach(self->guests, scan_guest, &scan);
    g_ptr_array_sort(scan.names, compare_strings);
    g_ptr_array_add(scan.names, NULL);
    return (GStrv)g_ptr_array_free(scan.names, FALSE);
}

/* ---------------------------------------------------------------------- */
/* Operations under way                                                   */

typedef struct {
    MarinaDaemonNetwork *network;
    MarinaNetworkConfig *config; /* what is starting / the updated live config */
    MarinaNetworkConfig *def;    /* update: the new persistent definition, or NULL */
    MarinaNetworkDone done;
    gpointer user_data;
    gboolean remove_on_failure; /* create: a failed start leaves nothing */
} Op;

static Op *
op_new(MarinaDaemonNetwork *network, const char *busy, MarinaNetworkDone done, gpointer user_data)
{
    Op *op = g_new0(Op, 1);

    op->network = marina_daemon_network_ref(network);
    op->done = done;
    op->user_data = user_data;
    network->busy = busy;
    return op;
}

/* Ends @op: tells its caller and lets it go. */
static void
op_finish(Op *op, const GError *error)
{
    MarinaDaemonNetwork *network = op->network;

    network->busy = NULL;
    if (op->done != NULL)
        op->done(network, error, op->user_data);
    marina_network_config_free(op->config);
    marina_network_config_free(op->def);
    marina_daemon_network_unref(network);
    g_free(op);
}

static void
op_fail(Op *op, GError *error)
{
    op_finish(op, error);
    g_error_free(error);
}

/* ---------------------------------------------------------------------- */
/* Start                                                                  */

static void
became_active(MarinaNetworkRegistry *self, MarinaDaemonNetwork *network, MarinaNetworkConfig *live,
              MarinaNetRuntime *runtime)
{
    marina_network_config_free(network->live);
    marina_net_runtime_free(network->runtime);
    network->live = live;
    network->runtime = runtime;
    save_state(self, network);
    g_info("Network '%s' started%s%s", network->name, runtime != NULL ? " on bridge " : "",
           runtime != NULL && runtime->bridge != NULL ? runtime->bridge : "");
    marina_network_registry_emit(self, network, "started");
}

static void
start_failed(Op *op, GError *error)
{
    MarinaDaemonNetwork *network = op->network;

    if (op->remove_on_failure && network->registry != NULL)
        remove_network(network->registry, network);
    g_prefix_error(&error, _("Network '%s' cannot start: "), network->name);
    op_fail(op, error);
}

static void
on_driver_started(GObject *source, GAsyncResult *result, gpointer data)
{
    Op *op = data;
    GError *error = NULL;
    MarinaNetRuntime *runtime = marina_net_driver_start_finish(result, &error);
    MarinaNetworkRegistry *self = op->network->registry;

    if (runtime == NULL) {
        start_failed(op, error);
        return;
    }
    if (self == NULL) {
        /* The daemon is going away; the network keeps running for the next. */
        marina_net_runtime_free(runtime);
        op_finish(op, NULL);
        return;
    }
    became_active(self, op->network, g_steal_pointer(&op->config), runtime);
    op_finish(op, NULL);
}

/* Takes @config. */
static void
start_config(MarinaNetworkRegistry *self, MarinaDaemonNetwork *network, MarinaNetworkConfig *config,
             gboolean remove_on_failure, MarinaNetworkDone done, gpointer user_data)
{
    Op *op = op_new(network, N_("starting"), done, user_data);
    GError *error = NULL;
    g_auto(GStrv) in_use = NULL;

    op->config = config;
    op->remove_on_failure = remove_on_failure;
    if (!check_can_start(self, network, config, &error)) {
        start_failed(op, error);
        return;
    }
    if (!makes_bridges(self)) {
        /* Nothing to make: guests attach as the host allows (network-attach.c). */
        became_active(self, network, g_steal_pointer(&op->config), NULL);
        op_finish(op, NULL);
        return;
    }
    in_use = bridges_in_use(self, network);
    marina_net_driver_start_async(config, self->config->runtime_dir, (const char *const *)in_use,
                                  NULL, on_driver_started, op);
}

static gboolean
report(MarinaDaemonNetwork *network, MarinaNetworkDone done, gpointer user_data, GError *error)
{
    if (done != NULL)
        done(network, error, user_data);
    g_error_free(error);
    return FALSE;
}

void
marina_network_registry_start(MarinaNetworkRegistry *self, MarinaDaemonNetwork *network,
                              MarinaNetworkDone done, gpointer user_data)
{
    GError *error = NULL;

    if (!check_settled(network, &error)) {
        report(network, done, user_data, error);
        return;
    }
    if (network->live != NULL) {
        report(network, done, user_data,
               g_error_new(MARINA_ERROR, MARINA_ERROR_ALREADY_RUNNING,
                           _("Network '%s' is already running."), network->name));
        return;
    }
    start_config(self, network, marina_network_config_copy(network->def), FALSE, done, user_data);
}

/* ---------------------------------------------------------------------- */
/* Stop                                                                   */

static void
became_inactive(MarinaNetworkRegistry *self, MarinaDaemonNetwork *network)
{
    g_clear_pointer(&network->live, marina_network_config_free);
    g_clear_pointer(&network->runtime, marina_net_runtime_free);
    forget_state(self, network);
    g_info("Network '%s' stopped", network->name);
    marina_network_registry_emit(self, network, "stopped");
    if (network->def == NULL) {
        marina_network_registry_emit(self, network, "undefined");
        remove_network(self, network);
    }
}

static void
on_driver_stopped(GObject *source, GAsyncResult *result, gpointer data)
{
    Op *op = data;
    GError *error = NULL;
    MarinaNetworkRegistry *self = op->network->registry;

    /* Whatever could not be removed is said; the network is stopped all the
     * same (its runtime is gone), so a new start is possible. */
    if (!marina_net_driver_stop_finish(result, &error))
        g_prefix_error(&error, _("Network '%s' stopped, but not cleanly: "), op->network->name);
    if (self != NULL)
        became_inactive(self, op->network);
    op_finish(op, error);
    g_clear_error(&error);
}

void
marina_network_registry_stop(MarinaNetworkRegistry *self, MarinaDaemonNetwork *network,
                             MarinaNetworkDone done, gpointer user_data)
{
    GError *error = NULL;
    g_auto(GStrv) guests = NULL;
    Op *op;

    if (!check_settled(network, &error)) {
        report(network, done, user_data, error);
        return;
    }
    if (network->live == NULL) {
        report(network, done, user_data,
               g_error_new(MARINA_ERROR, MARINA_ERROR_NOT_RUNNING,
                           _("Network '%s' is not running."), network->name));
        return;
    }
    /* As libvirt's net-destroy: allowed; the guests' interfaces lose it. */
    guests = marina_network_registry_list_guests(self, network);
    if (guests[0] != NULL) {
        g_autofree char *names = g_strjoinv(", ", guests);
        g_warning("Network '%s' stops while guests use it; they lose their connection: %s",
                  network->name, names);
    }
    op = op_new(network, N_("stopping"), done, user_data);
    if (network->runtime == NULL) {
        became_inactive(self, network);
        op_finish(op, NULL);
        return;
    }
    marina_net_driver_stop_async(network->live, network->runtime, NULL, on_driver_stopped, op);
}

/* ---------------------------------------------------------------------- */
/* Define, create, undefine, autostart                                    */

static MarinaNetworkConfig *
parse_config(const char *xml, GPtrArray *warnings, GError **error)
{
    g_autoptr(MarinaNetworkConfig) config = NULL;

    if (strlen(xml) > MARINA_NETWORK_XML_MAX) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("The network definition is %zu bytes; at most %d are accepted."), strlen(xml),
                    MARINA_NETWORK_XML_MAX);
        return NULL;
    }
    config = marina_network_config_parse(xml, -1, warnings, error);
    if (config == NULL || !marina_network_name_is_valid(config->name, error))
        return NULL;
    return g_steal_pointer(&config);
}

MarinaDaemonNetwork *
marina_network_registry_define(MarinaNetworkRegistry *self, const char *xml, GPtrArray *warnings,
                               GError **error)
{
    g_autoptr(MarinaNetworkConfig) config = parse_config(xml, warnings, error);
    MarinaDaemonNetwork *old;
    MarinaDaemonNetwork *network;

    if (config == NULL)
        return NULL;
    old = g_hash_table_lookup(self->networks, config->name);
    if (old != NULL && !check_settled(old, error))
        return NULL;
    if (old != NULL) {
        const char *uuid = marina_daemon_network_get_config(old)->uuid;
        if (!xml_has_uuid(xml)) {
            g_free(config->uuid);
            config->uuid = g_strdup(uuid);
        } else if (g_ascii_strcasecmp(uuid, config->uuid) != 0) {
            g_set_error(error, MARINA_ERROR, MARINA_ERROR_ALREADY_EXISTS,
                        _("Network '%s' already exists with UUID %s. Use that UUID to redefine "
                          "it, or choose another name."),
                        config->name, uuid);
            return NULL;
        }
    }
    if (!check_unique_uuid(self, config, old, error) || !save_definition(self, config, error))
        return NULL;
    network = old != NULL ? old : network_new(self, config->name);
    marina_network_config_free(network->def);
    network->def = g_steal_pointer(&config);
    if (old == NULL)
        add_network(self, network);
    marina_network_registry_emit(self, network, "defined");
    return network;
}

void
marina_network_registry_create(MarinaNetworkRegistry *self, const char *xml, GPtrArray *warnings,
                               MarinaNetworkDone done, gpointer user_data)
{
    GError *error = NULL;
    MarinaNetworkConfig *config = parse_config(xml, warnings, &error);
    MarinaDaemonNetwork *network;

    if (config == NULL) {
        done(NULL, error, user_data);
        g_error_free(error);
        return;
    }
    if (g_hash_table_contains(self->networks, config->name)) {
        error = g_error_new(MARINA_ERROR, MARINA_ERROR_ALREADY_EXISTS,
                            _("Network '%s' already exists. Start it with 'marinactl net-start "
                              "%s', or choose another name."),
                            config->name, config->name);
    } else {
        check_unique_uuid(self, config, NULL, &error);
    }
    if (error != NULL) {
        marina_network_config_free(config);
        done(NULL, error, user_data);
        g_error_free(error);
        return;
    }
    network = network_new(self, config->name);
    add_network(self, network);
    start_config(self, network, config, TRUE, done, user_data);
}

gboolean
marina_network_registry_undefine(MarinaNetworkRegistry *self, MarinaDaemonNetwork *network,
                                 GError **error)
{
    g_autofree char *xml = def_file(self, network->name, ".xml");
    g_autofree char *autostart = def_file(self, network->name, ".autostart");

    if (!check_settled(network, error))
        return FALSE;
    if (network->def == NULL) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("Network '%s' is transient: it has no definition to remove. Stop it "
                      "instead."),
                    network->name);
        return FALSE;
    }
    if (!self->in_memory && g_unlink(xml) != 0 && errno != ENOENT) {
        int err = errno;
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                    _("Network '%s': cannot remove %s: %s."), network->name, xml, g_strerror(err));
        return FALSE;
    }
    if (!self->in_memory)
        g_unlink(autostart);
    g_clear_pointer(&network->def, marina_network_config_free);
    network->autostart = FALSE;
    marina_network_registry_emit(self, network, "undefined");
    /* A running network goes on, transient, until it stops. */
    if (network->live == NULL)
        remove_network(self, network);
    return TRUE;
}

gboolean
marina_network_registry_set_autostart(MarinaNetworkRegistry *self, MarinaDaemonNetwork *network,
                                      gboolean autostart, GError **error)
{
    g_autofree char *path = def_file(self, network->name, ".autostart");

    if (network->def == NULL) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("Network '%s' is transient and cannot start with the daemon. Define it "
                      "first with 'marinactl net-define'."),
                    network->name);
        return FALSE;
    }
    if (autostart && !self->in_memory && !marina_write_file_atomic(path, "", 0, 0600, error))
        return FALSE;
    if (!autostart && !self->in_memory)
        g_unlink(path);
    network->autostart = autostart;
    return TRUE;
}

/* ---------------------------------------------------------------------- */
/* Update                                                                 */

enum { UPDATE_LIVE = 1, UPDATE_CONFIG = 2 };

static void
update_done(MarinaNetworkRegistry *self, Op *op)
{
    MarinaDaemonNetwork *network = op->network;
    g_autoptr(GError) error = NULL;

    if (op->def != NULL) {
        if (!save_definition(self, op->def, &error)) {
            op_finish(op, error);
            return;
        }
        marina_network_config_free(network->def);
        network->def = g_steal_pointer(&op->def);
    }
    if (op->config != NULL) {
        marina_network_config_free(network->live);
        network->live = g_steal_pointer(&op->config);
        save_state(self, network);
    }
    marina_network_registry_emit(self, network, "updated");
    op_finish(op, NULL);
}

static void
on_driver_updated(GObject *source, GAsyncResult *result, gpointer data)
{
    Op *op = data;
    GError *error = NULL;

    if (!marina_net_driver_update_finish(result, &error)) {
        g_prefix_error(&error, _("Network '%s' could not apply the change while running: "),
                       op->network->name);
        /* dnsmasq may have the new files already: record what runs. */
        op_fail(op, error);
        return;
    }
    if (op->network->registry == NULL) {
        op_finish(op, NULL);
        return;
    }
    update_done(op->network->registry, op);
}

static gboolean
check_update_flags(MarinaDaemonNetwork *network, guint *flags, GError **error)
{
    if (*flags & ~(guint)(UPDATE_LIVE | UPDATE_CONFIG)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("Unknown update flags 0x%x: use 1 (live), 2 (config) or both."), *flags);
        return FALSE;
    }
    if (*flags == 0)
        *flags = network->live != NULL ? UPDATE_LIVE : UPDATE_CONFIG;
    if ((*flags & UPDATE_LIVE) && network->live == NULL) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_NOT_RUNNING,
                    _("Network '%s' is not running: change its definition with --config."),
                    network->name);
        return FALSE;
    }
    if ((*flags & UPDATE_CONFIG) && network->def == NULL) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("Network '%s' is transient: it has no definition to change; use --live."),
                    network->name);
        return FALSE;
    }
    return TRUE;
}

void
marina_network_registry_update(MarinaNetworkRegistry *self, MarinaDaemonNetwork *network,
                               const char *command, const char *section, int parent_index,
                               const char *xml, guint flags, MarinaNetworkDone done,
                               gpointer user_data)
{
    g_autoptr(MarinaNetworkConfig) live = NULL;
    g_autoptr(MarinaNetworkConfig) def = NULL;
    GError *error = NULL;
    Op *op;

    if (!check_settled(network, &error) || !check_update_flags(network, &flags, &error)) {
        report(network, done, user_data, error);
        return;
    }
    /* Both copies change or neither: nothing is half-applied. */
    if (flags & UPDATE_CONFIG) {
        def = marina_network_config_copy(network->def);
        if (!marina_network_config_update(def, command, section, parent_index, xml, &error)) {
            report(network, done, user_data, error);
            return;
        }
    }
    if (flags & UPDATE_LIVE) {
        live = marina_network_config_copy(network->live);
        if (!marina_network_config_update(live, command, section, parent_index, xml, &error)) {
            report(network, done, user_data, error);
            return;
        }
    }
    op = op_new(network, N_("updating"), done, user_data);
    op->def = g_steal_pointer(&def);
    op->config = g_steal_pointer(&live);
    if (op->config != NULL && network->runtime != NULL) {
        marina_net_driver_update_async(op->config, network->runtime, NULL, on_driver_updated, op);
        return;
    }
    update_done(self, op);
}

/* ---------------------------------------------------------------------- */
/* Leases                                                                 */

static GPtrArray *
read_leases(MarinaDaemonNetwork *network, const char *mac, GError **error)
{
    g_autoptr(GPtrArray) all = NULL;
    GPtrArray *leases = g_ptr_array_new_with_free_func((GDestroyNotify)marina_net_lease_free);

    if (network->live == NULL || network->runtime == NULL)
        return leases;
    all = marina_net_driver_read_leases(network->live, network->runtime, error);
    if (all == NULL) {
        g_ptr_array_unref(leases);
        return NULL;
    }
    for (guint i = 0; i < all->len; i++) {
        MarinaNetLease *lease = all->pdata[i];
        if (mac == NULL || g_ascii_strcasecmp(lease->mac, mac) == 0)
            g_ptr_array_add(leases, g_ptr_array_steal_index(all, i--));
    }
    return leases;
}

GPtrArray *
marina_network_registry_get_leases(MarinaNetworkRegistry *self, MarinaDaemonNetwork *network,
                                   const char *mac, GError **error)
{
    return read_leases(network, mac, error);
}

GPtrArray *
marina_network_registry_find_leases(MarinaNetworkRegistry *self, const char *mac,
                                    char **network_name, GError **error)
{
    g_autoptr(GPtrArray) list = marina_network_registry_list(self);

    for (guint i = 0; i < list->len; i++) {
        MarinaDaemonNetwork *network = list->pdata[i];
        g_autoptr(GPtrArray) leases = read_leases(network, mac, error);

        if (leases == NULL)
            return NULL;
        if (leases->len > 0) {
            if (network_name != NULL)
                *network_name = g_strdup(network->name);
            return g_steal_pointer(&leases);
        }
    }
    return NULL;
}

/* ---------------------------------------------------------------------- */
/* Loading                                                                */

typedef struct {
    MarinaNetworkRegistry *self;
    guint pending;
    MarinaNetworkLoaded loaded;
    gpointer user_data;
} Load;

static void
load_step_done(Load *load)
{
    if (--load->pending > 0)
        return;
    if (load->loaded != NULL)
        load->loaded(load->user_data);
    g_free(load);
}

static void
on_autostarted(MarinaDaemonNetwork *network, const GError *error, gpointer data)
{
    if (error != NULL)
        g_warning("Autostart: %s", error->message);
    load_step_done(data);
}

static void
autostart(Load *load, MarinaDaemonNetwork *network)
{
    if (!network->autostart || network->live != NULL || network->def == NULL)
        return;
    load->pending++;
    marina_network_registry_start(load->self, network, on_autostarted, load);
}

static MarinaNetworkConfig *
read_definition(const char *path, const char *name, GError **error)
{
    g_autofree char *xml = NULL;
    g_autoptr(MarinaNetworkConfig) config = NULL;

    if (!g_file_get_contents(path, &xml, NULL, error))
        return NULL;
    config = marina_network_config_parse(xml, -1, NULL, error);
    if (config != NULL && !g_str_equal(config->name, name)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG, "the file names network '%s'",
                    config->name);
        return NULL;
    }
    return g_steal_pointer(&config);
}

static void
load_definition(MarinaNetworkRegistry *self, const char *name)
{
    g_autofree char *path = def_file(self, name, ".xml");
    g_autofree char *autostart_path = def_file(self, name, ".autostart");
    g_autoptr(GError) error = NULL;
    MarinaNetworkConfig *config = read_definition(path, name, &error);
    MarinaDaemonNetwork *network;

    if (config == NULL) {
        g_warning("Skipping the network in %s: %s", path, error->message);
        return;
    }
    network = network_new(self, name);
    network->def = config;
    network->autostart = g_file_test(autostart_path, G_FILE_TEST_EXISTS);
    add_network(self, network);
}

typedef struct {
    Load *load;
    MarinaDaemonNetwork *network;
} Adopt;

static void
on_leftovers_removed(GObject *source, GAsyncResult *result, gpointer data)
{
    Load *load = data;
    g_autoptr(GError) error = NULL;

    if (!marina_net_driver_stop_finish(result, &error))
        g_info("Removing what a vanished network left: %s", error->message);
    load_step_done(load);
}

static void
on_adopted(GObject *source, GAsyncResult *result, gpointer data)
{
    Adopt *adopt = data;
    MarinaDaemonNetwork *network = adopt->network;
    MarinaNetworkRegistry *self = adopt->load->self;
    g_autoptr(GError) error = NULL;

    network->busy = NULL;
    if (marina_net_driver_adopt_finish(result, &error)) {
        g_info("Network '%s' adopted: still running on bridge %s", network->name,
               network->runtime->bridge);
        save_state(self, network);
        marina_network_registry_emit(self, network, "started");
    } else {
        g_autoptr(MarinaNetworkConfig) live = g_steal_pointer(&network->live);
        g_autoptr(MarinaNetRuntime) runtime = g_steal_pointer(&network->runtime);

        g_warning("Network '%s' was running before but cannot be taken over: %s", network->name,
                  error->message);
        forget_state(self, network);
        adopt->load->pending++;
        marina_net_driver_stop_async(live, runtime, NULL, on_leftovers_removed, adopt->load);
        if (network->def == NULL)
            remove_network(self, network);
        else
            autostart(adopt->load, network);
    }
    marina_daemon_network_unref(network);
    load_step_done(adopt->load);
    g_free(adopt);
}

/* A network running from before the daemon restarted. */
static void
load_state(Load *load, const char *name)
{
    MarinaNetworkRegistry *self = load->self;
    g_autofree char *path = state_file(self, name);
    g_autoptr(GKeyFile) file = g_key_file_new();
    g_autoptr(GError) error = NULL;
    g_autofree char *xml = NULL;
    g_autoptr(MarinaNetworkConfig) live = NULL;
    g_autoptr(MarinaNetRuntime) runtime = NULL;
    MarinaDaemonNetwork *network;
    Adopt *adopt;

    if (!g_key_file_load_from_file(file, path, G_KEY_FILE_NONE, &error) ||
        (xml = g_key_file_get_string(file, "network", "xml", &error)) == NULL ||
        (live = marina_network_config_parse(xml, -1, NULL, &error)) == NULL ||
        (self->config->system && (runtime = marina_net_runtime_load(file, &error)) == NULL)) {
        g_warning("Forgetting the running state in %s: %s", path, error->message);
        g_unlink(path);
        return;
    }
    if (!g_str_equal(live->name, name)) {
        g_warning("Forgetting the running state in %s: it names network '%s'", path, live->name);
        g_unlink(path);
        return;
    }
    network = g_hash_table_lookup(self->networks, name);
    if (network == NULL) {
        network = network_new(self, name);
        add_network(self, network);
    }
    network->live = g_steal_pointer(&live);
    if (runtime == NULL) {
        g_info("Network '%s' is still running", name);
        return;
    }
    network->runtime = g_steal_pointer(&runtime);
    network->busy = N_("adopting");
    adopt = g_new0(Adopt, 1);
    adopt->load = load;
    adopt->network = marina_daemon_network_ref(network);
    load->pending++;
    marina_net_driver_adopt_async(network->live, network->runtime, NULL, on_adopted, adopt);
}

static GPtrArray *
list_names(const char *dir, const char *ext)
{
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *file;

    while (d != NULL && (file = g_dir_read_name(d)) != NULL) {
        g_autofree char *name = NULL;
        if (!g_str_has_suffix(file, ext))
            continue;
        name = g_strndup(file, strlen(file) - strlen(ext));
        /* Only names a network may have. */
        if (marina_network_name_is_valid(name, NULL))
            g_ptr_array_add(names, g_steal_pointer(&name));
    }
    return names;
}

static void
define_default(MarinaNetworkRegistry *self)
{
    g_autoptr(MarinaNetworkConfig) config = marina_network_config_new_default();
    g_autofree char *xml = marina_network_config_to_xml(config);
    g_autoptr(GError) error = NULL;
    MarinaDaemonNetwork *network = marina_network_registry_define(self, xml, NULL, &error);

    if (network == NULL || !marina_network_registry_set_autostart(self, network, TRUE, &error))
        g_warning("Cannot define the default network: %s", error->message);
}

void
marina_network_registry_load(MarinaNetworkRegistry *self, MarinaNetworkLoaded loaded,
                             gpointer user_data)
{
    gboolean first = !g_file_test(self->dir, G_FILE_TEST_IS_DIR);
    Load *load = g_new0(Load, 1);
    g_autoptr(GPtrArray) names = NULL;
    g_autoptr(GPtrArray) running = NULL;
    g_autoptr(GPtrArray) list = NULL;

    load->self = self;
    load->loaded = loaded;
    load->user_data = user_data;
    load->pending = 1; /* this function's own step */
    if (self->in_memory) {
        MarinaDaemonNetwork *def;

        define_default(self);
        if ((def = marina_network_registry_lookup(self, "default")) != NULL)
            autostart(load, def);
        load_step_done(load);
        return;
    }
    if (g_mkdir_with_parents(self->dir, 0700) != 0 ||
        g_mkdir_with_parents(self->state_dir, 0700) != 0)
        g_warning("Cannot create %s or %s: %s", self->dir, self->state_dir, g_strerror(errno));
    /* Only on the very first start: a user who undefines 'default' keeps it gone. */
    if (first)
        define_default(self);
    else {
        names = list_names(self->dir, ".xml");
        for (guint i = 0; i < names->len; i++)
            load_definition(self, names->pdata[i]);
    }
    running = list_names(self->state_dir, ".state");
    for (guint i = 0; i < running->len; i++)
        load_state(load, running->pdata[i]);
    list = marina_network_registry_list(self);
    for (guint i = 0; i < list->len; i++) {
        MarinaDaemonNetwork *network = list->pdata[i];
        if (network->busy == NULL)
            autostart(load, network);
    }
    load_step_done(load);
}
