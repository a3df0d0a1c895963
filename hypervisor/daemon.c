#define G_LOG_DOMAIN "marinad"

#include "config.h"

#include <glib/gi18n.h>
#include <malloc.h>

#include "access.h"
#include "core/error.h"
#include "core/records.h"
#include "daemon.h"
#include "guest-startup.h"
#include "host-inspect.h"
#include "host-methods.h"
#include "job-registry.h"
#include "marina-dbus.h"
#include "migration-methods.h"
#include "network-methods.h"
#include "network-registry.h"
#include "qemu-vm.h"
#include "server.h"
#include "state-store.h"
#include "stats.h"
#include "storage.h"
#include "subtree.h"
#include "test-node.h"
#include "test-vm.h"
#include "vm-registry.h"

#define HOST_PATH "/org/marinavm/Marina1"
#define DOMAIN_SUBTREE "/org/marinavm/Marina1/domain"
#define DOMAIN_INTERFACE "org.marinavm.Marina1.Domain"
#define HOST_INTERFACE "org.marinavm.Marina1.Host"
#define STATS_INTERVAL_MIN 100
#define STATS_INTERVAL_MAX 60000
#define HEAP_TRIM_INTERVAL_S 10
#define HEAP_TRIM_SLACK (4 * 1024 * 1024)

typedef struct {
    GDBusConnection *connection;
    guint subtree_id;
    guint stats_interval_ms; /* what this client asked for; 0 = no preference */
    guint stats_kinds;       /* MarinaStatsKind bits it wants; 0 = no preference (all) */
    gboolean stats_packed;   /* StatsUpdatedPacked instead of StatsUpdated */
} Peer;

struct _MarinaDaemon {
    GObject parent_instance;

    MarinaDaemonConfig *config;
    MarinaServer *server;
    GHashTable *peers; /* GDBusConnection* -> Peer* */
    MarinaDBusHost *host;
    MarinaVmRegistry *guests;
    MarinaJobRegistry *jobs;
    MarinaVmContext vm_context; /* what every guest is handed */
    GType vm_type;              /* the driver's MarinaVm subclass */
    MarinaHostMethods host_methods;
    MarinaMigrationMethods migration_methods;
    MarinaMigrationRegistry *migrations;
    MarinaStats *stats;
    MarinaTestNode *test_node;       /* the test driver's host, else NULL */
    MarinaStorage *storage;          /* pools and volumes (qemu driver), else NULL */
    MarinaNetworkRegistry *networks; /* virtual networks (qemu driver), else NULL */
    MarinaNetworks *network_methods; /* their D-Bus face */
    MarinaSubtree domains;           /* registered on every peer */
    guint heap_trim;
};

G_DEFINE_FINAL_TYPE(MarinaDaemon, marina_daemon, G_TYPE_OBJECT)

static char **domain_enumerate(const char *path, gpointer user_data);
static gpointer domain_object(const char *path, const char *node, gpointer user_data);

static void
peer_free(Peer *peer)
{
    if (peer->subtree_id != 0)
        g_dbus_connection_unregister_subtree(peer->connection, peer->subtree_id);
    g_object_unref(peer->connection);
    g_free(peer);
}

static void
marina_daemon_dispose(GObject *object)
{
    MarinaDaemon *self = MARINA_DAEMON(object);

    marina_daemon_stop(self);
    g_clear_handle_id(&self->heap_trim, g_source_remove);
    g_clear_object(&self->server);
    g_clear_pointer(&self->migrations, marina_migration_registry_free);
    g_clear_pointer(&self->storage, marina_storage_free);
    /* The D-Bus face before the networks it serves. */
    g_clear_pointer(&self->network_methods, marina_networks_free);
    self->vm_context.networks = NULL;
    g_clear_pointer(&self->networks, marina_network_registry_free);
    g_clear_object(&self->jobs);
    g_clear_object(&self->stats);
    g_clear_pointer(&self->peers, g_hash_table_unref);
    if (self->guests != NULL)
        g_signal_handlers_disconnect_by_data(self->guests, self);
    g_clear_object(&self->guests);
    g_clear_object(&self->host);
    G_OBJECT_CLASS(marina_daemon_parent_class)->dispose(object);
}

static void
marina_daemon_finalize(GObject *object)
{
    MarinaDaemon *self = MARINA_DAEMON(object);

    marina_daemon_config_free(self->config);
    marina_test_node_free(self->test_node);
    G_OBJECT_CLASS(marina_daemon_parent_class)->finalize(object);
}

static void
marina_daemon_class_init(MarinaDaemonClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);

    object_class->dispose = marina_daemon_dispose;
    object_class->finalize = marina_daemon_finalize;
}

static void
marina_daemon_init(MarinaDaemon *self)
{
    self->peers = g_hash_table_new_full(NULL, NULL, NULL, (GDestroyNotify)peer_free);
    self->guests = marina_vm_registry_new();
    self->jobs = marina_job_registry_new();
    self->migrations = marina_migration_registry_new();
    self->domains = (MarinaSubtree){
        .interface_name = DOMAIN_INTERFACE,
        .interface_info = marina_dbus_domain_interface_info,
        .enumerate = domain_enumerate,
        .vtable = marina_vm_get_dbus_vtable(),
        .object = domain_object,
        .user_data = self,
    };
}

const MarinaDaemonConfig *
marina_daemon_get_config(MarinaDaemon *self)
{
    return self->config;
}

/* ---------------------------------------------------------------------- */
/* For the storage wiring (storage-pool.c), until storage is handed its own */
/* small interface: thin wrappers over the registries and access checks.   */

static gboolean
is_test_driver(MarinaDaemon *self)
{
    return g_str_equal(self->config->driver, "test");
}

/* ---------------------------------------------------------------------- */
/* What the guests report, told to every client                           */

static void
on_guest_event(MarinaVmRegistry *guests, MarinaVm *vm, const char *event, const char *detail,
               MarinaDaemon *self)
{
    guint reason;
    MarinaDomainState state = marina_vm_get_state(vm, &reason);
    const char *path = marina_vm_get_object_path(vm);
    GHashTableIter iter;
    gpointer key;

    g_debug("event %s/%s for '%s'", event, detail, marina_vm_get_name(vm));
    marina_dbus_host_emit_domain_event(self->host, path, marina_vm_get_name(vm),
                                       marina_vm_get_uuid(vm), state, reason, event, detail);
    /* Domain objects live in a subtree, not as exported skeletons: their
     * signal goes to each peer by hand. */
    g_hash_table_iter_init(&iter, self->peers);
    while (g_hash_table_iter_next(&iter, &key, NULL))
        g_dbus_connection_emit_signal(key, NULL, path, DOMAIN_INTERFACE, "StateChanged",
                                      g_variant_new("(uuss)", state, reason, event, detail), NULL);
}

static void
on_guest_changed(MarinaVmRegistry *guests, MarinaVm *vm, GVariant *properties, MarinaDaemon *self)
{
    GHashTableIter iter;
    gpointer key;

    g_hash_table_iter_init(&iter, self->peers);
    while (g_hash_table_iter_next(&iter, &key, NULL))
        g_dbus_connection_emit_signal(
            key, NULL, marina_vm_get_object_path(vm), "org.freedesktop.DBus.Properties",
            "PropertiesChanged", g_variant_new("(s@a{sv}as)", DOMAIN_INTERFACE, properties, NULL),
            NULL);
}

static void
on_guest_config_changed(MarinaVmRegistry *guests, MarinaVm *vm, const char *event,
                        const char *device, MarinaDaemon *self)
{
    GHashTableIter iter;
    gpointer key;

    g_hash_table_iter_init(&iter, self->peers);
    while (g_hash_table_iter_next(&iter, &key, NULL))
        g_dbus_connection_emit_signal(key, NULL, marina_vm_get_object_path(vm), DOMAIN_INTERFACE,
                                      "ConfigChanged", g_variant_new("(ss)", event, device), NULL);
}

static void
on_guest_removed(MarinaVmRegistry *guests, MarinaVm *vm, MarinaDaemon *self)
{
    marina_dbus_host_emit_domain_removed(self->host, marina_vm_get_object_path(vm),
                                         marina_vm_get_name(vm), marina_vm_get_uuid(vm));
}

/* ---------------------------------------------------------------------- */
/* Statistics preferences: per connection, the smallest interval wins      */

/* One pass over the clients for both choices: the smallest interval asked
 * for, and the union of the kinds (a client that never said wants all). */
static void
update_stats_settings(MarinaDaemon *self)
{
    GHashTableIter iter;
    gpointer value;
    guint wanted = 0;
    guint kinds = 0;

    g_hash_table_iter_init(&iter, self->peers);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        Peer *peer = value;
        if (peer->stats_interval_ms > 0 && (wanted == 0 || peer->stats_interval_ms < wanted))
            wanted = peer->stats_interval_ms;
        kinds |= peer->stats_kinds ? peer->stats_kinds : MARINA_STATS_ALL;
    }
    /* Nobody asked: the configuration file's choice. */
    marina_stats_set_interval(self->stats, wanted > 0 ? wanted : self->config->stats_interval_ms);
    marina_stats_set_active(self->stats, g_hash_table_size(self->peers) > 0);
    marina_stats_set_kinds(self->stats, kinds ? kinds : MARINA_STATS_ALL);
}

static gboolean
handle_set_stats_collection(MarinaDBusHost *host, GDBusMethodInvocation *invocation,
                            const char *const *kinds, MarinaDaemon *self)
{
    static const struct {
        const char *name;
        guint bit;
    } names[] = {{"cpu", MARINA_STATS_CPU},
                 {"memory", MARINA_STATS_MEMORY},
                 {"disk", MARINA_STATS_DISK},
                 {"network", MARINA_STATS_NETWORK}};
    Peer *peer =
        g_hash_table_lookup(self->peers, g_dbus_method_invocation_get_connection(invocation));
    guint bits = 0;

    for (guint i = 0; kinds[i] != NULL; i++) {
        guint j;
        for (j = 0; j < G_N_ELEMENTS(names) && !g_str_equal(kinds[i], names[j].name); j++)
            ;
        if (j == G_N_ELEMENTS(names)) {
            g_dbus_method_invocation_return_error(
                invocation, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                _("Unknown kind of statistics '%s'. Choose from cpu, memory, disk and network."),
                kinds[i]);
            return TRUE;
        }
        bits |= names[j].bit;
    }
    if (peer != NULL)
        /* Asking for nothing is a wish too: keep it apart from "no preference". */
        peer->stats_kinds = bits ? bits : 1u << 31;
    update_stats_settings(self);
    marina_dbus_host_complete_set_stats_collection(host, invocation);
    return TRUE;
}

static gboolean
handle_set_stats_interval(MarinaDBusHost *host, GDBusMethodInvocation *invocation,
                          guint interval_ms, MarinaDaemon *self)
{
    Peer *peer =
        g_hash_table_lookup(self->peers, g_dbus_method_invocation_get_connection(invocation));

    if (interval_ms < STATS_INTERVAL_MIN || interval_ms > STATS_INTERVAL_MAX) {
        g_dbus_method_invocation_return_error(
            invocation, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
            _("The statistics interval must be from %u to %u milliseconds, not %u."),
            STATS_INTERVAL_MIN, STATS_INTERVAL_MAX, interval_ms);
        return TRUE;
    }
    if (peer != NULL)
        peer->stats_interval_ms = interval_ms;
    update_stats_settings(self);
    marina_dbus_host_complete_set_stats_interval(host, invocation);
    return TRUE;
}

static gboolean
handle_set_stats_encoding(MarinaDBusHost *host, GDBusMethodInvocation *invocation,
                          const char *encoding, MarinaDaemon *self)
{
    Peer *peer =
        g_hash_table_lookup(self->peers, g_dbus_method_invocation_get_connection(invocation));

    if (!g_str_equal(encoding, "dict") && !g_str_equal(encoding, "packed")) {
        g_dbus_method_invocation_return_error(
            invocation, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
            _("Unknown statistics encoding '%s'. Choose dict or packed."), encoding);
        return TRUE;
    }
    if (peer != NULL)
        peer->stats_packed = g_str_equal(encoding, "packed");
    marina_dbus_host_complete_set_stats_encoding(host, invocation);
    return TRUE;
}

/* The round's a(sa{sv}) as StatsUpdatedPacked's ay: serialised once,
 * little-endian, whatever the number of clients that asked for it. */
static GVariant *
pack_stats(GVariant *all)
{
    return g_variant_ref_sink(g_variant_new("(@ay)", marina_variant_to_packed(all)));
}

/* Each client gets the round in the encoding it chose (SetStatsEncoding). */
static void
send_stats(GVariant *all, gpointer user_data)
{
    MarinaDaemon *self = user_data;
    g_autoptr(GVariant) dict = NULL;
    g_autoptr(GVariant) packed = NULL;
    GHashTableIter iter;
    gpointer value;

    g_hash_table_iter_init(&iter, self->peers);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        Peer *peer = value;
        GVariant **args = peer->stats_packed ? &packed : &dict;

        if (*args == NULL)
            *args = peer->stats_packed ? pack_stats(all)
                                       : g_variant_ref_sink(g_variant_new("(@a(sa{sv}))", all));
        /* A client that is going away: its "closed" handler tidies up. */
        g_dbus_connection_emit_signal(peer->connection, NULL, HOST_PATH, HOST_INTERFACE,
                                      peer->stats_packed ? "StatsUpdatedPacked" : "StatsUpdated",
                                      *args, NULL);
    }
}

/* Copy-mode migrations ask where a pool keeps its volumes (storage.h). */
static gboolean
storage_find_pool(const char *name, char **dir, guint64 *available, gboolean *active, gpointer data)
{
    MarinaDaemon *self = data;

    return self->storage != NULL &&
           marina_storage_find_pool(self->storage, name, dir, available, active);
}

static char *
storage_pool_of_path(const char *path, gpointer data)
{
    MarinaDaemon *self = data;

    return self->storage != NULL ? marina_storage_pool_of_path(self->storage, path) : NULL;
}

static void
setup_host(MarinaDaemon *self)
{
    self->host = marina_dbus_host_skeleton_new();
    marina_dbus_host_set_version(self->host, PACKAGE_VERSION);
    marina_dbus_host_set_driver(self->host, self->config->driver);
    marina_dbus_host_set_mode(self->host, self->config->system ? "system" : "session");
    marina_dbus_host_set_hostname(self->host, g_get_host_name());
    marina_dbus_host_set_stats_interval(self->host, self->config->stats_interval_ms);
    self->host_methods = (MarinaHostMethods){
        .host = self->host,
        .context = &self->vm_context,
        .vm_type = self->vm_type,
        .test_node = self->test_node,
    };
    marina_host_methods_connect(&self->host_methods);
    self->migration_methods = (MarinaMigrationMethods){
        .config = self->config,
        .context = &self->vm_context,
        .vm_type = self->vm_type,
        .host = self->host,
        .jobs = self->jobs,
        .migrations = self->migrations,
        .find_pool = storage_find_pool,
        .pool_of_path = storage_pool_of_path,
        .find_pool_data = self,
    };
    marina_migration_methods_connect(&self->migration_methods);
    g_signal_connect(self->host, "handle-set-stats-collection",
                     G_CALLBACK(handle_set_stats_collection), self);
    g_signal_connect(self->host, "handle-set-stats-interval", G_CALLBACK(handle_set_stats_interval),
                     self);
    g_signal_connect(self->host, "handle-set-stats-encoding", G_CALLBACK(handle_set_stats_encoding),
                     self);
    marina_host_inspect_setup(self->host);
}

/* ---------------------------------------------------------------------- */
/* The domain subtree: one registration per peer serves every guest, so a  */
/* new connection costs the same with 1 or 10,000 guests.                  */

static void
add_node_name(MarinaVm *vm, gpointer nodes)
{
    g_ptr_array_add(nodes, g_path_get_basename(marina_vm_get_object_path(vm)));
}

static char **
domain_enumerate(const char *path, gpointer user_data)
{
    MarinaDaemon *self = user_data;
    GPtrArray *nodes = g_ptr_array_new();

    marina_vm_registry_foreach(self->guests, add_node_name, nodes);
    g_ptr_array_add(nodes, NULL);
    return (char **)g_ptr_array_free(nodes, FALSE);
}

static MarinaVm *
vm_for_node(MarinaDaemon *self, const char *node)
{
    g_autofree char *uuid = NULL;

    if (node == NULL)
        return NULL;
    uuid = g_strdelimit(g_strdup(node), "_", '-');
    return marina_vm_registry_get(self->guests, uuid);
}

/* Every guest is served by one vtable (vm-methods.c), the guest its user data. */
static gpointer
domain_object(const char *path, const char *node, gpointer user_data)
{
    return vm_for_node(user_data, node);
}

/* ---------------------------------------------------------------------- */
/* Connections                                                            */

static void
on_peer_closed(GDBusConnection *connection, gboolean remote_vanished, GError *error,
               gpointer user_data)
{
    MarinaDaemon *self = user_data;

    g_debug("client disconnected");
    g_dbus_interface_skeleton_unexport_from_connection(G_DBUS_INTERFACE_SKELETON(self->host),
                                                       connection);
    if (self->storage != NULL)
        marina_storage_remove_peer(self->storage, connection);
    if (self->network_methods != NULL)
        marina_networks_remove_peer(self->network_methods, connection);
    marina_job_registry_remove_connection(self->jobs, connection);
    g_hash_table_remove(self->peers, connection);
    update_stats_settings(self);
}

static gboolean
on_new_client(MarinaServer *server, GDBusConnection *connection, gboolean read_only,
              MarinaDaemon *self)
{
    g_autoptr(GError) error = NULL;
    Peer *peer = g_new0(Peer, 1);

    peer->connection = g_object_ref(connection);
    if (read_only)
        marina_access_set_read_only(connection, self->config->socket_path);
    if (!g_dbus_interface_skeleton_export(G_DBUS_INTERFACE_SKELETON(self->host), connection,
                                          HOST_PATH, &error)) {
        g_warning("Cannot serve a client: %s", error->message);
        peer_free(peer);
        return FALSE;
    }
    peer->subtree_id = marina_subtree_register(connection, DOMAIN_SUBTREE, &self->domains, &error);
    if (peer->subtree_id == 0) {
        g_warning("Cannot serve a client: %s", error->message);
        peer_free(peer);
        return FALSE;
    }
    if (self->storage != NULL && !marina_storage_add_peer(self->storage, connection, &error)) {
        g_warning("Cannot serve a client: %s", error->message);
        peer_free(peer);
        return FALSE;
    }
    if (self->network_methods != NULL &&
        !marina_networks_add_peer(self->network_methods, connection, &error)) {
        g_warning("Cannot serve a client: %s", error->message);
        peer_free(peer);
        return FALSE;
    }
    marina_job_registry_add_connection(self->jobs, connection);
    g_hash_table_insert(self->peers, connection, peer);
    g_signal_connect_object(connection, "closed", G_CALLBACK(on_peer_closed), self, 0);
    marina_stats_set_active(self->stats, TRUE);
    return TRUE;
}

/* ---------------------------------------------------------------------- */
/* Start-up                                                               */

/* Read what the driver starts from before claiming the socket, so a bad
 * node file stops the daemon with its reason. */
static gboolean
prepare_driver(MarinaDaemon *self, GError **error)
{
    if (!is_test_driver(self))
        return marina_state_store_prepare(self->config, error);
    self->test_node = marina_test_node_load(self->config->test_file, error);
    return self->test_node != NULL;
}

/* Storage gets from the daemon only what these pass on. */
static gboolean
storage_check_writable(GDBusMethodInvocation *invocation, gpointer self)
{
    return marina_access_check_writable(invocation);
}

static MarinaJob *
storage_new_job(guint64 total, gpointer self)
{
    return marina_job_registry_new_job(MARINA_DAEMON(self)->jobs, total);
}

static void
storage_end_job(MarinaJob *job, const GError *error, gpointer self)
{
    marina_job_registry_end_job(MARINA_DAEMON(self)->jobs, job, error);
}

static MarinaDiskUsers *
storage_disk_users(gpointer self)
{
    return marina_vm_registry_collect_disk_users(MARINA_DAEMON(self)->guests);
}

static MarinaStorage *
new_storage(MarinaDaemon *self)
{
    const MarinaStorageHost host = {
        .check_writable = storage_check_writable,
        .new_job = storage_new_job,
        .end_job = storage_end_job,
        .collect_disk_users = storage_disk_users,
        .user_data = self,
    };

    return marina_storage_new(self->config, self->host, &host);
}

/* A burst (the ListDomains reply for 10 000 guests) frees megabytes that the
 * heap keeps unless it happens to end there: hand them back now and then. */
static gboolean
trim_heap(gpointer unused)
{
    struct mallinfo2 info = mallinfo2();

    if (info.fordblks > HEAP_TRIM_SLACK)
        malloc_trim(0);
    return G_SOURCE_CONTINUE;
}

static void
on_networks_loaded(gpointer data)
{
    MarinaDaemon *self = data;

    marina_guest_startup_autostart(&self->vm_context);
}

gboolean
marina_daemon_start(MarinaDaemon *self, GError **error)
{
    if (!prepare_driver(self, error))
        return FALSE;
    setup_host(self);
    if (!is_test_driver(self))
        self->storage = new_storage(self);
    self->networks = marina_network_registry_new(self->config, self->host, self->guests);
    /* The test driver's networks, like its guests, are simulated. */
    if (is_test_driver(self))
        marina_network_registry_keep_in_memory(self->networks);
    self->network_methods = marina_networks_new(self->networks, self->host, self->guests);
    self->vm_context.networks = self->networks;
    self->server = marina_server_new(self->config);
    g_signal_connect(self->server, "new-client", G_CALLBACK(on_new_client), self);
    /* Claim the socket first: a second daemon must not touch guests the
     * first one runs. */
    if (!marina_server_start(self->server, error))
        return FALSE;
    self->stats = marina_stats_new(self->guests, self->host, self->config);
    marina_stats_set_sink(self->stats, send_stats, self);
    self->host_methods.stats = self->stats;
    if (self->test_node != NULL) {
        marina_stats_set_test_node(self->stats, self->test_node);
        marina_guest_startup_load_test(&self->vm_context, self->vm_type, self->test_node);
        marina_network_registry_load(self->networks, NULL, NULL);
    } else {
        marina_guest_startup_load_definitions(&self->vm_context, self->vm_type);
        marina_storage_load(self->storage);
        marina_guest_startup_reattach(&self->vm_context, self->vm_type);
        marina_migration_in_cleanup(self->config);
        marina_guest_startup_clean_installs(&self->vm_context);
        /* Guests that start with the daemon find their networks running. */
        marina_network_registry_load(self->networks, on_networks_loaded, self);
    }
    /* Parsing thousands of definitions (a 9 MB node file for 10 000 guests)
     * leaves freed memory all over the heap: give it back to the system. */
    malloc_trim(0);
    self->heap_trim = g_timeout_add_seconds(HEAP_TRIM_INTERVAL_S, trim_heap, NULL);
    return TRUE;
}

void
marina_daemon_stop(MarinaDaemon *self)
{
    if (self->server != NULL)
        marina_server_stop(self->server);
}

MarinaDaemon *
marina_daemon_new(MarinaDaemonConfig *config)
{
    MarinaDaemon *self = g_object_new(MARINA_TYPE_DAEMON, NULL);

    self->config = config;
    self->vm_type = is_test_driver(self) ? MARINA_TYPE_TEST_VM : MARINA_TYPE_QEMU_VM;
    self->vm_context = (MarinaVmContext){
        .config = config,
        .registry = self->guests,
        .jobs = self->jobs,
        .migration_method = marina_migration_domain_method,
        .migration_data = &self->migration_methods,
    };
    g_signal_connect(self->guests, "guest-event", G_CALLBACK(on_guest_event), self);
    g_signal_connect(self->guests, "guest-changed", G_CALLBACK(on_guest_changed), self);
    g_signal_connect(self->guests, "guest-removed", G_CALLBACK(on_guest_removed), self);
    g_signal_connect(self->guests, "guest-config-changed", G_CALLBACK(on_guest_config_changed),
                     self);
    return self;
}
