#define G_LOG_DOMAIN "marinad"

#include "config.h"

#include <glib/gi18n.h>

#include "access.h"
#include "core/error.h"
#include "daemon.h"
#include "guest-startup.h"
#include "host-info.h"
#include "host-inspect.h"
#include "job-registry.h"
#include "marina-dbus.h"
#include "qemu-command.h"
#include "qemu-vm.h"
#include "server.h"
#include "state-store.h"
#include "stats.h"
#include "storage-pool.h"
#include "subtree.h"
#include "test-node.h"
#include "test-vm.h"
#include "vm-registry.h"

#define HOST_PATH "/org/marinavm/Marina1"
#define DOMAIN_SUBTREE "/org/marinavm/Marina1/domain"
#define DOMAIN_INTERFACE "org.marinavm.Marina1.Domain"
#define STATS_INTERVAL_MIN 100
#define STATS_INTERVAL_MAX 60000

typedef struct {
    GDBusConnection *connection;
    guint subtree_id;
    guint stats_interval_ms; /* what this client asked for; 0 = no preference */
    guint stats_kinds;       /* MarinaStatsKind bits it wants; 0 = no preference (all) */
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
    MarinaStats *stats;
    MarinaTestNode *test_node; /* the test driver's host, else NULL */
    MarinaStorage *storage;    /* pools and volumes (qemu driver), else NULL */
    MarinaSubtree domains;     /* registered on every peer */
};

G_DEFINE_FINAL_TYPE(MarinaDaemon, marina_daemon, G_TYPE_OBJECT)

static char **domain_enumerate(const char *path, gpointer user_data);
static GDBusInterfaceSkeleton *domain_skeleton(const char *path, const char *node,
                                               gpointer user_data);

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
    g_clear_object(&self->server);
    g_clear_pointer(&self->storage, marina_storage_free);
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
    self->domains = (MarinaSubtree){
        .interface_name = DOMAIN_INTERFACE,
        .interface_info = marina_dbus_domain_interface_info,
        .enumerate = domain_enumerate,
        .skeleton = domain_skeleton,
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

MarinaJob *
marina_daemon_new_job(MarinaDaemon *self, guint64 total)
{
    return marina_job_registry_new_job(self->jobs, total);
}

void
marina_daemon_end_job(MarinaDaemon *self, MarinaJob *job, const GError *error)
{
    marina_job_registry_end_job(self->jobs, job, error);
}

gboolean
marina_daemon_check_writable(MarinaDaemon *self, GDBusMethodInvocation *invocation)
{
    return marina_access_check_writable(invocation);
}

MarinaDiskUsers *
marina_daemon_collect_disk_users(MarinaDaemon *self)
{
    return marina_vm_registry_collect_disk_users(self->guests);
}

static gboolean
is_test_driver(MarinaDaemon *self)
{
    return g_str_equal(self->config->driver, "test");
}

static MarinaVm *
new_vm(MarinaDaemon *self, MarinaDomainConfig *config, gboolean persistent)
{
    return marina_vm_new(self->vm_type, &self->vm_context, config, persistent);
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
on_guest_removed(MarinaVmRegistry *guests, MarinaVm *vm, MarinaDaemon *self)
{
    marina_dbus_host_emit_domain_removed(self->host, marina_vm_get_object_path(vm),
                                         marina_vm_get_name(vm), marina_vm_get_uuid(vm));
}

static void
add_new_vm(MarinaDaemon *self, MarinaVm *vm)
{
    marina_vm_registry_add(self->guests, vm);
    marina_dbus_host_emit_domain_added(self->host, marina_vm_get_object_path(vm),
                                       marina_vm_get_name(vm), marina_vm_get_uuid(vm));
}

/* ---------------------------------------------------------------------- */
/* Host methods                                                           */

static void
add_domain_entry(MarinaVm *vm, gpointer builder)
{
    const MarinaDomainConfig *c = marina_vm_get_config(vm);
    guint reason;
    MarinaDomainState state = marina_vm_get_state(vm, &reason);

    g_variant_builder_add(builder, "(oissuubbtus)", marina_vm_get_object_path(vm),
                          marina_vm_get_id(vm), c->name, c->uuid, state, reason,
                          marina_vm_is_persistent(vm), marina_vm_get_autostart(vm), c->memory_kib,
                          c->vcpus, c->title ? c->title : "");
}

static gboolean
handle_list_domains(MarinaDBusHost *host, GDBusMethodInvocation *invocation, MarinaDaemon *self)
{
    GVariantBuilder b;

    g_variant_builder_init(&b, G_VARIANT_TYPE("a(oissuubbtus)"));
    marina_vm_registry_foreach(self->guests, add_domain_entry, &b);
    marina_dbus_host_complete_list_domains(host, invocation, g_variant_builder_end(&b));
    return TRUE;
}

static gboolean
handle_lookup_domain(MarinaDBusHost *host, GDBusMethodInvocation *invocation, const char *key,
                     MarinaDaemon *self)
{
    MarinaVm *vm = marina_vm_registry_lookup(self->guests, key);

    if (vm == NULL) {
        g_dbus_method_invocation_return_error(invocation, MARINA_ERROR, MARINA_ERROR_NO_SUCH_DOMAIN,
                                              _("There is no guest '%s' on this host."), key);
        return TRUE;
    }
    marina_dbus_host_complete_lookup_domain(host, invocation, marina_vm_get_object_path(vm));
    return TRUE;
}

static MarinaDomainConfig *
parse_for_host(MarinaDaemon *self, const char *xml, GPtrArray *warnings, GError **error)
{
    g_autoptr(MarinaDomainConfig) config =
        is_test_driver(self) ? marina_test_domain_parse(xml, -1, warnings, NULL, error)
                             : marina_domain_config_parse(xml, -1, warnings, error);
    g_auto(GStrv) argv = NULL;
    MarinaQemuCommandOptions opts = {
        .accel = self->config->accel, .qmp_fd = 3, .vnc_socket = "/dev/null"};
    int fds[64], taps[64];

    if (config == NULL)
        return NULL;
    if (is_test_driver(self))
        return g_steal_pointer(&config);
    /* Refuse at define time what could never start (e.g. an interface type
     * this daemon cannot connect), instead of failing at every start. */
    opts.n_chardev_fds = MIN(marina_qemu_command_n_chardevs(config), G_N_ELEMENTS(fds));
    for (guint i = 0; i < opts.n_chardev_fds; i++)
        fds[i] = 4 + (int)i;
    opts.chardev_fds = fds;
    /* The system daemon makes taps for bridges when the guest starts. */
    opts.n_tap_fds = MIN(config->interfaces->len, G_N_ELEMENTS(taps));
    for (guint i = 0; i < opts.n_tap_fds; i++) {
        const MarinaInterfaceConfig *iface = config->interfaces->pdata[i];
        taps[i] = self->config->system && iface->type == MARINA_NET_TYPE_BRIDGE ? 100 + (int)i : -1;
    }
    opts.tap_fds = taps;
    argv = marina_qemu_command_build(config, &opts, warnings, error);
    if (argv == NULL)
        return NULL;
    return g_steal_pointer(&config);
}

/* DefineDomain and CreateDomain: a writable connection, XML this host can
 * run, a name and UUID no other guest has. NULL once @invocation is answered. */
static MarinaDomainConfig *
new_domain_config(MarinaDaemon *self, GDBusMethodInvocation *invocation, const char *xml,
                  GPtrArray *warnings)
{
    g_autoptr(MarinaDomainConfig) config = NULL;
    GError *error = NULL;

    if (!marina_access_check_writable(invocation))
        return NULL;
    config = parse_for_host(self, xml, warnings, &error);
    if (config == NULL || !marina_vm_registry_check_unique(self->guests, config, NULL, &error)) {
        g_dbus_method_invocation_take_error(invocation, error);
        return NULL;
    }
    return g_steal_pointer(&config);
}

static gboolean
handle_define_domain(MarinaDBusHost *host, GDBusMethodInvocation *invocation, const char *xml,
                     MarinaDaemon *self)
{
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(MarinaDomainConfig) config = NULL;
    MarinaVm *vm;
    GError *error = NULL;
    gboolean is_new;

    config = new_domain_config(self, invocation, xml, warnings);
    if (config == NULL)
        return TRUE;
    vm = marina_vm_registry_get(self->guests, config->uuid);
    is_new = vm == NULL;
    if (is_new) {
        g_autoptr(MarinaDomainConfig) copy = marina_domain_config_copy(config);
        vm = new_vm(self, g_steal_pointer(&copy), FALSE);
        if (!marina_vm_save_definition(vm, marina_domain_config_copy(config), &error)) {
            g_object_unref(vm);
            g_dbus_method_invocation_take_error(invocation, error);
            return TRUE;
        }
        add_new_vm(self, vm);
    } else if (!marina_vm_save_definition(vm, marina_domain_config_copy(config), &error)) {
        g_dbus_method_invocation_take_error(invocation, error);
        return TRUE;
    }
    marina_vm_load_flags(vm);
    marina_vm_emit_event(vm, "defined", is_new ? "added" : "updated");
    g_info("Defined guest '%s' (%s)", config->name, config->uuid);
    g_ptr_array_add(warnings, NULL);
    marina_dbus_host_complete_define_domain(host, invocation, marina_vm_get_object_path(vm),
                                            (const char *const *)warnings->pdata);
    return TRUE;
}

/* A Host call that waits for a guest to start (create, restore). */
typedef struct {
    MarinaDaemon *daemon;
    GDBusMethodInvocation *invocation;
    GPtrArray *warnings; /* for create */
    gboolean created;    /* the guest exists only for this call */
} PendingStart;

static PendingStart *
pending_start_new(MarinaDaemon *self, GDBusMethodInvocation *invocation, GPtrArray *warnings)
{
    PendingStart *ps = g_new0(PendingStart, 1);

    ps->daemon = g_object_ref(self);
    ps->invocation = g_object_ref(invocation);
    ps->warnings = warnings;
    return ps;
}

static void
pending_start_finish(PendingStart *ps, MarinaVm *vm, gboolean ok, GError *error)
{
    if (ok) {
        if (ps->warnings != NULL) {
            g_ptr_array_add(ps->warnings, NULL);
            g_dbus_method_invocation_return_value(
                ps->invocation,
                g_variant_new("(o^as)", marina_vm_get_object_path(vm), ps->warnings->pdata));
        } else {
            g_dbus_method_invocation_return_value(
                ps->invocation, g_variant_new("(o)", marina_vm_get_object_path(vm)));
        }
    } else {
        /* Nothing of a guest that existed only for this call stays behind. */
        if (ps->created && !marina_vm_is_active(vm) && !marina_vm_is_persistent(vm))
            marina_vm_registry_remove(ps->daemon->guests, vm);
        g_dbus_method_invocation_take_error(ps->invocation, error);
    }
    g_clear_pointer(&ps->warnings, g_ptr_array_unref);
    g_object_unref(ps->invocation);
    g_object_unref(ps->daemon);
    g_free(ps);
}

static void
on_created(GObject *source, GAsyncResult *result, gpointer data)
{
    GError *error = NULL;
    gboolean ok = marina_vm_start_finish(MARINA_VM(source), result, &error);

    pending_start_finish(data, MARINA_VM(source), ok, error);
}

static void
on_restored(GObject *source, GAsyncResult *result, gpointer data)
{
    GError *error = NULL;
    gboolean ok = marina_vm_restore_finish(MARINA_VM(source), result, &error);

    pending_start_finish(data, MARINA_VM(source), ok, error);
}

static gboolean
handle_create_domain(MarinaDBusHost *host, GDBusMethodInvocation *invocation, const char *xml,
                     guint flags, MarinaDaemon *self)
{
    PendingStart *ps;
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(MarinaDomainConfig) config = NULL;
    MarinaVm *vm;

    config = new_domain_config(self, invocation, xml, warnings);
    if (config == NULL)
        return TRUE;
    vm = marina_vm_registry_get(self->guests, config->uuid);
    if (vm != NULL) {
        g_dbus_method_invocation_return_error(
            invocation, MARINA_ERROR, MARINA_ERROR_ALREADY_EXISTS,
            _("Guest '%s' is already defined; start it instead of creating it."),
            marina_vm_get_name(vm));
        return TRUE;
    }
    vm = new_vm(self, g_steal_pointer(&config), FALSE);
    add_new_vm(self, vm);
    ps = pending_start_new(self, invocation, g_steal_pointer(&warnings));
    ps->created = TRUE;
    marina_vm_start_async(vm, flags & MARINA_VM_START_PAUSED, NULL, on_created, ps);
    return TRUE;
}

static gboolean
handle_restore_domain(MarinaDBusHost *host, GDBusMethodInvocation *invocation, const char *file,
                      guint flags, MarinaDaemon *self)
{
    g_autoptr(MarinaDomainConfig) config = NULL;
    PendingStart *ps;
    MarinaVm *vm;
    GError *error = NULL;

    if (!marina_access_check_writable(invocation))
        return TRUE;
    if (!g_path_is_absolute(file)) {
        g_dbus_method_invocation_return_error(
            invocation, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
            _("The save file '%s' must be an absolute path."), file);
        return TRUE;
    }
    config = marina_vm_read_save_image(file, &error);
    if (config != NULL && is_test_driver(self))
        marina_test_domain_mark(config);
    if (config == NULL || !marina_vm_registry_check_unique(self->guests, config, NULL, &error)) {
        g_dbus_method_invocation_take_error(invocation, error);
        return TRUE;
    }
    ps = pending_start_new(self, invocation, NULL);
    vm = marina_vm_registry_get(self->guests, config->uuid);
    if (vm == NULL) {
        /* Restoring a guest this host does not know makes it transient. */
        vm = new_vm(self, g_steal_pointer(&config), FALSE);
        add_new_vm(self, vm);
        ps->created = TRUE;
    }
    marina_vm_restore_async(vm, file, flags, FALSE, NULL, on_restored, ps);
    return TRUE;
}

static gboolean
handle_xml_to_native(MarinaDBusHost *host, GDBusMethodInvocation *invocation, const char *xml,
                     MarinaDaemon *self)
{
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(MarinaDomainConfig) config = NULL;
    g_auto(GStrv) argv = NULL;
    g_autofree char *run = g_build_filename(self->config->runtime_dir, "guests", "UUID", NULL);
    g_autofree char *vnc = NULL;
    g_autofree int *fds = NULL;
    MarinaQemuCommandOptions opts = {0};
    GError *error = NULL;

    config = marina_domain_config_parse(xml, -1, warnings, &error);
    if (config == NULL) {
        g_dbus_method_invocation_take_error(invocation, error);
        return TRUE;
    }
    vnc = g_build_filename(self->config->runtime_dir, "guests", config->uuid, "v", NULL);
    opts.emulator = self->config->emulator;
    opts.accel = self->config->accel;
    opts.qmp_fd = 3;
    opts.n_chardev_fds = marina_qemu_command_n_chardevs(config);
    fds = g_new0(int, opts.n_chardev_fds + 1);
    for (guint i = 0; i < opts.n_chardev_fds; i++)
        fds[i] = 4 + (int)i;
    opts.chardev_fds = fds;
    opts.vnc_socket = vnc;
    opts.start_paused = TRUE;
    argv = marina_qemu_command_build(config, &opts, warnings, &error);
    if (argv == NULL) {
        g_dbus_method_invocation_take_error(invocation, error);
        return TRUE;
    }
    g_ptr_array_add(warnings, NULL);
    marina_dbus_host_complete_domain_xmlto_native(host, invocation, (const char *const *)argv,
                                                  (const char *const *)warnings->pdata);
    return TRUE;
}

static void
add_active_memory(MarinaVm *vm, gpointer sum)
{
    if (marina_vm_is_active(vm))
        *(guint64 *)sum += marina_vm_get_config(vm)->current_memory_kib;
}

static gboolean
handle_get_node_info(MarinaDBusHost *host, GDBusMethodInvocation *invocation, MarinaDaemon *self)
{
    GVariantDict d;

    g_variant_dict_init(&d, NULL);
    if (self->test_node != NULL) {
        guint64 used = 0;

        /* The simulated host's free memory is what its running guests leave. */
        marina_vm_registry_foreach(self->guests, add_active_memory, &used);
        marina_host_add_test_node_info(&d, self->test_node, used);
        g_variant_dict_insert(&d, "accelerator", "s", "none");
        g_variant_dict_insert(&d, "emulator", "s", "");
        g_variant_dict_insert(&d, "emulator-version", "s", "");
        g_variant_dict_insert(&d, "driver", "s", "test");
    } else {
        marina_host_add_node_info(&d);
        g_variant_dict_insert(&d, "driver", "s", "qemu");
        g_variant_dict_insert(&d, "accelerator", "s", self->config->accel);
        g_variant_dict_insert(&d, "emulator", "s", self->config->emulator);
        g_variant_dict_insert(&d, "emulator-version", "s",
                              marina_stats_get_emulator_version(self->stats));
    }
    marina_dbus_host_complete_get_node_info(host, invocation, g_variant_dict_end(&d));
    return TRUE;
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

static void
setup_host(MarinaDaemon *self)
{
    self->host = marina_dbus_host_skeleton_new();
    marina_dbus_host_set_version(self->host, PACKAGE_VERSION);
    marina_dbus_host_set_driver(self->host, self->config->driver);
    marina_dbus_host_set_mode(self->host, self->config->system ? "system" : "session");
    marina_dbus_host_set_hostname(self->host, g_get_host_name());
    marina_dbus_host_set_stats_interval(self->host, self->config->stats_interval_ms);
    g_signal_connect(self->host, "handle-list-domains", G_CALLBACK(handle_list_domains), self);
    g_signal_connect(self->host, "handle-lookup-domain", G_CALLBACK(handle_lookup_domain), self);
    g_signal_connect(self->host, "handle-define-domain", G_CALLBACK(handle_define_domain), self);
    g_signal_connect(self->host, "handle-create-domain", G_CALLBACK(handle_create_domain), self);
    g_signal_connect(self->host, "handle-restore-domain", G_CALLBACK(handle_restore_domain), self);
    g_signal_connect(self->host, "handle-domain-xmlto-native", G_CALLBACK(handle_xml_to_native),
                     self);
    g_signal_connect(self->host, "handle-get-node-info", G_CALLBACK(handle_get_node_info), self);
    g_signal_connect(self->host, "handle-set-stats-collection",
                     G_CALLBACK(handle_set_stats_collection), self);
    g_signal_connect(self->host, "handle-set-stats-interval", G_CALLBACK(handle_set_stats_interval),
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

static GDBusInterfaceSkeleton *
domain_skeleton(const char *path, const char *node, gpointer user_data)
{
    MarinaVm *vm = vm_for_node(user_data, node);

    return vm != NULL ? G_DBUS_INTERFACE_SKELETON(marina_vm_get_skeleton(vm)) : NULL;
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

gboolean
marina_daemon_start(MarinaDaemon *self, GError **error)
{
    if (!prepare_driver(self, error))
        return FALSE;
    setup_host(self);
    if (!is_test_driver(self))
        self->storage = marina_storage_new(self, self->config, self->host);
    self->server = marina_server_new(self->config);
    g_signal_connect(self->server, "new-client", G_CALLBACK(on_new_client), self);
    /* Claim the socket first: a second daemon must not touch guests the
     * first one runs. */
    if (!marina_server_start(self->server, error))
        return FALSE;
    self->stats = marina_stats_new(self->guests, self->host, self->config);
    if (self->test_node != NULL) {
        marina_stats_set_test_node(self->stats, self->test_node);
        marina_guest_startup_load_test(&self->vm_context, self->vm_type, self->test_node);
        return TRUE;
    }
    marina_guest_startup_load_definitions(&self->vm_context, self->vm_type);
    marina_storage_load(self->storage);
    marina_guest_startup_reattach(&self->vm_context, self->vm_type);
    marina_guest_startup_clean_installs(&self->vm_context);
    marina_guest_startup_autostart(&self->vm_context);
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
    };
    g_signal_connect(self->guests, "guest-event", G_CALLBACK(on_guest_event), self);
    g_signal_connect(self->guests, "guest-changed", G_CALLBACK(on_guest_changed), self);
    g_signal_connect(self->guests, "guest-removed", G_CALLBACK(on_guest_removed), self);
    return self;
}
