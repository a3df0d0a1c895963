#define G_LOG_DOMAIN "marinad"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "daemon.h"
#include "install-tree.h"
#include "iso-inspect.h"
#include "marina-dbus.h"
#include "qemu-command.h"
#include "qemu-vm.h"
#include "state-store.h"
#include "stats.h"
#include "storage.h"
#include "subtree.h"
#include "test-node.h"
#include "test-vm.h"
#include "vm.h"

#define HOST_PATH "/org/marinavm/Marina1"
#define DOMAIN_SUBTREE "/org/marinavm/Marina1/domain"
#define DOMAIN_INTERFACE "org.marinavm.Marina1.Domain"
#define STATS_INTERVAL_MIN 100
#define STATS_INTERVAL_MAX 60000

typedef struct {
    GDBusConnection *connection;
    gboolean read_only;
    guint subtree_id;
    guint stats_interval_ms; /* what this client asked for; 0 = no preference */
    guint stats_kinds;       /* MarinaStatsKind bits it wants; 0 = no preference (all) */
} Peer;

struct _MarinaDaemon {
    GObject parent_instance;

    MarinaDaemonConfig *config;
    GDBusServer *server;
    GDBusServer *ro_server;
    GDBusAuthObserver *auth;
    GHashTable *peers; /* GDBusConnection* -> Peer* */
    MarinaDBusHost *host;
    GHashTable *by_uuid; /* uuid -> MarinaVm* (owned) */
    GHashTable *by_name; /* name -> MarinaVm* */
    int next_id;
    MarinaStats *stats;
    MarinaTestNode *test_node; /* the test driver's host, else NULL */
    MarinaStorage *storage;    /* pools and volumes (qemu driver), else NULL */
    MarinaSubtree domains;     /* registered on every peer */
    GHashTable *jobs;          /* object path -> MarinaJob* (owned), served on every peer */
    guint next_job;
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
    g_clear_pointer(&self->storage, marina_storage_free);
    if (self->jobs != NULL) {
        /* Finished jobs still waiting to be forgotten must not reach back. */
        GHashTableIter iter;
        gpointer job;
        g_hash_table_iter_init(&iter, self->jobs);
        while (g_hash_table_iter_next(&iter, NULL, &job))
            g_object_set_data(job, "marina-daemon", NULL);
        g_clear_pointer(&self->jobs, g_hash_table_unref);
    }
    g_clear_object(&self->stats);
    g_clear_pointer(&self->peers, g_hash_table_unref);
    g_clear_pointer(&self->by_name, g_hash_table_unref);
    g_clear_pointer(&self->by_uuid, g_hash_table_unref);
    g_clear_object(&self->host);
    g_clear_object(&self->auth);
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
    self->by_uuid = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_object_unref);
    self->by_name = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    self->next_id = 1;
    self->jobs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_object_unref);
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
/* Jobs: long operations of any part of the daemon (storage, installs),    */
/* numbered host-wide and served on every client connection.              */

/* Kept this long after finishing so a client that attached late still
 * reads the outcome. */
#define JOB_KEEP_S 60

MarinaJob *
marina_daemon_new_job(MarinaDaemon *self, guint64 total)
{
    MarinaJob *job = marina_job_new(++self->next_job, total);
    GHashTableIter iter;
    gpointer connection;

    g_object_set_data(G_OBJECT(job), "marina-daemon", self);
    g_hash_table_insert(self->jobs, g_strdup(marina_job_get_object_path(job)), job);
    g_hash_table_iter_init(&iter, self->peers);
    while (g_hash_table_iter_next(&iter, &connection, NULL))
        marina_job_export(job, connection);
    return job;
}

static gboolean
forget_job(gpointer data)
{
    MarinaJob *job = data;
    MarinaDaemon *self = g_object_get_data(G_OBJECT(job), "marina-daemon");

    if (self != NULL)
        g_hash_table_remove(self->jobs, marina_job_get_object_path(job));
    return G_SOURCE_REMOVE;
}

void
marina_daemon_end_job(MarinaDaemon *self, MarinaJob *job, const GError *error)
{
    marina_job_finish(job, error);
    g_timeout_add_seconds_full(G_PRIORITY_DEFAULT, JOB_KEEP_S, forget_job, g_object_ref(job),
                               g_object_unref);
}

int
marina_daemon_allocate_id(MarinaDaemon *self)
{
    return self->next_id++;
}

static gboolean
is_test_driver(MarinaDaemon *self)
{
    return g_str_equal(self->config->driver, "test");
}

GType
marina_daemon_get_vm_type(MarinaDaemon *self)
{
    return is_test_driver(self) ? MARINA_TYPE_TEST_VM : MARINA_TYPE_QEMU_VM;
}

/* ---------------------------------------------------------------------- */
/* The guest table                                                        */

static MarinaVm *
find_vm(MarinaDaemon *self, const char *key)
{
    MarinaVm *vm = g_hash_table_lookup(self->by_name, key);
    g_autofree char *uuid = NULL;
    GHashTableIter iter;
    gpointer value;
    guint64 id;

    if (vm != NULL)
        return vm;
    uuid = marina_uuid_canonicalize(key);
    if (uuid != NULL && (vm = g_hash_table_lookup(self->by_uuid, uuid)) != NULL)
        return vm;
    if (g_ascii_string_to_unsigned(key, 10, 1, G_MAXINT, &id, NULL)) {
        g_hash_table_iter_init(&iter, self->by_uuid);
        while (g_hash_table_iter_next(&iter, NULL, &value))
            if (marina_vm_get_id(value) == (int)id)
                return value;
    }
    return NULL;
}

static void
add_vm(MarinaDaemon *self, MarinaVm *vm)
{
    g_hash_table_insert(self->by_uuid, g_strdup(marina_vm_get_uuid(vm)), vm);
    g_hash_table_insert(self->by_name, g_strdup(marina_vm_get_name(vm)), vm);
}

void
marina_daemon_remove_vm(MarinaDaemon *self, MarinaVm *vm)
{
    g_autofree char *path = g_strdup(marina_vm_get_object_path(vm));
    g_autofree char *name = g_strdup(marina_vm_get_name(vm));
    g_autofree char *uuid = g_strdup(marina_vm_get_uuid(vm));

    g_hash_table_remove(self->by_name, name);
    g_hash_table_remove(self->by_uuid, uuid);
    marina_dbus_host_emit_domain_removed(self->host, path, name, uuid);
}

gboolean
marina_daemon_check_unique(MarinaDaemon *self, MarinaDomainConfig *config, MarinaVm *except,
                           GError **error)
{
    MarinaVm *same_name = g_hash_table_lookup(self->by_name, config->name);
    MarinaVm *same_uuid = g_hash_table_lookup(self->by_uuid, config->uuid);
    GHashTableIter iter;
    gpointer value;

    if (same_name != NULL && same_name != except &&
        !g_str_equal(marina_vm_get_uuid(same_name), config->uuid)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_ALREADY_EXISTS,
                    _("A guest named '%s' already exists (UUID %s). Choose another name."),
                    config->name, marina_vm_get_uuid(same_name));
        return FALSE;
    }
    if (same_uuid != NULL && same_uuid != except &&
        !g_str_equal(marina_vm_get_name(same_uuid), config->name)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_ALREADY_EXISTS,
                    _("UUID %s is already used by guest '%s'. Remove the <uuid> element to get a "
                      "new one."),
                    config->uuid, marina_vm_get_name(same_uuid));
        return FALSE;
    }
    /* MACs must be unique on the host: two NICs with one MAC break both. */
    g_hash_table_iter_init(&iter, self->by_uuid);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        const MarinaDomainConfig *other = marina_vm_get_config(value);
        if (g_str_equal(other->uuid, config->uuid))
            continue;
        for (guint i = 0; i < config->interfaces->len; i++) {
            MarinaInterfaceConfig *nic = config->interfaces->pdata[i];
            for (guint j = 0; j < other->interfaces->len; j++) {
                MarinaInterfaceConfig *o = other->interfaces->pdata[j];
                if (!g_str_equal(nic->mac, o->mac))
                    continue;
                if (nic->mac_generated) {
                    g_free(nic->mac);
                    nic->mac = marina_mac_generate();
                    i--; /* check the new one again */
                    break;
                }
                g_set_error(error, MARINA_ERROR, MARINA_ERROR_ALREADY_EXISTS,
                            _("MAC address %s is already used by guest '%s'. Remove the <mac> "
                              "element to get a new one."),
                            nic->mac, other->name);
                return FALSE;
            }
        }
    }
    return TRUE;
}

/* ---------------------------------------------------------------------- */
/* Events                                                                 */

void
marina_daemon_emit_domain_event(MarinaDaemon *self, MarinaVm *vm, const char *event,
                                const char *detail)
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

void
marina_daemon_emit_properties_changed(MarinaDaemon *self, MarinaVm *vm, GVariant *properties)
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

gboolean
marina_daemon_check_writable(MarinaDaemon *self, GDBusMethodInvocation *invocation)
{
    Peer *peer =
        g_hash_table_lookup(self->peers, g_dbus_method_invocation_get_connection(invocation));

    if (peer == NULL || !peer->read_only)
        return TRUE;
    g_dbus_method_invocation_return_error(invocation, MARINA_ERROR, MARINA_ERROR_READ_ONLY,
                                          _("This connection is read-only. Connect to %s to "
                                            "change guests."),
                                          self->config->socket_path);
    return FALSE;
}

/* ---------------------------------------------------------------------- */
/* Host methods                                                           */

static gboolean
handle_list_domains(MarinaDBusHost *host, GDBusMethodInvocation *invocation, MarinaDaemon *self)
{
    GVariantBuilder b;
    GHashTableIter iter;
    gpointer value;

    g_variant_builder_init(&b, G_VARIANT_TYPE("a(oissuubbtus)"));
    g_hash_table_iter_init(&iter, self->by_uuid);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        MarinaVm *vm = value;
        const MarinaDomainConfig *c = marina_vm_get_config(vm);
        guint reason;
        MarinaDomainState state = marina_vm_get_state(vm, &reason);

        g_variant_builder_add(&b, "(oissuubbtus)", marina_vm_get_object_path(vm),
                              marina_vm_get_id(vm), c->name, c->uuid, state, reason,
                              marina_vm_is_persistent(vm), marina_vm_get_autostart(vm),
                              c->memory_kib, c->vcpus, c->title ? c->title : "");
    }
    marina_dbus_host_complete_list_domains(host, invocation, g_variant_builder_end(&b));
    return TRUE;
}

static gboolean
handle_lookup_domain(MarinaDBusHost *host, GDBusMethodInvocation *invocation, const char *key,
                     MarinaDaemon *self)
{
    MarinaVm *vm = find_vm(self, key);

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

    if (!marina_daemon_check_writable(self, invocation))
        return NULL;
    config = parse_for_host(self, xml, warnings, &error);
    if (config == NULL || !marina_daemon_check_unique(self, config, NULL, &error)) {
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
    vm = g_hash_table_lookup(self->by_uuid, config->uuid);
    is_new = vm == NULL;
    if (is_new) {
        g_autoptr(MarinaDomainConfig) copy = marina_domain_config_copy(config);
        vm = marina_vm_new(self, g_steal_pointer(&copy), FALSE);
        if (!marina_vm_save_definition(vm, marina_domain_config_copy(config), &error)) {
            g_object_unref(vm);
            g_dbus_method_invocation_take_error(invocation, error);
            return TRUE;
        }
        add_vm(self, vm);
        marina_dbus_host_emit_domain_added(self->host, marina_vm_get_object_path(vm), config->name,
                                           config->uuid);
    } else if (!marina_vm_save_definition(vm, marina_domain_config_copy(config), &error)) {
        g_dbus_method_invocation_take_error(invocation, error);
        return TRUE;
    }
    marina_vm_load_flags(vm);
    marina_daemon_emit_domain_event(self, vm, "defined", is_new ? "added" : "updated");
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
            marina_daemon_remove_vm(ps->daemon, vm);
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
    vm = g_hash_table_lookup(self->by_uuid, config->uuid);
    if (vm != NULL) {
        g_dbus_method_invocation_return_error(
            invocation, MARINA_ERROR, MARINA_ERROR_ALREADY_EXISTS,
            _("Guest '%s' is already defined; start it instead of creating it."),
            marina_vm_get_name(vm));
        return TRUE;
    }
    vm = marina_vm_new(self, g_steal_pointer(&config), FALSE);
    add_vm(self, vm);
    marina_dbus_host_emit_domain_added(self->host, marina_vm_get_object_path(vm),
                                       marina_vm_get_name(vm), marina_vm_get_uuid(vm));
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

    if (!marina_daemon_check_writable(self, invocation))
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
    if (config == NULL || !marina_daemon_check_unique(self, config, NULL, &error)) {
        g_dbus_method_invocation_take_error(invocation, error);
        return TRUE;
    }
    ps = pending_start_new(self, invocation, NULL);
    vm = g_hash_table_lookup(self->by_uuid, config->uuid);
    if (vm == NULL) {
        /* Restoring a guest this host does not know makes it transient. */
        vm = marina_vm_new(self, g_steal_pointer(&config), FALSE);
        add_vm(self, vm);
        ps->created = TRUE;
        marina_dbus_host_emit_domain_added(self->host, marina_vm_get_object_path(vm),
                                           marina_vm_get_name(vm), marina_vm_get_uuid(vm));
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

static char *
read_cpu_model(guint *mhz)
{
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    char *model = NULL;

    *mhz = 0;
    if (!g_file_get_contents("/proc/cpuinfo", &text, NULL, NULL))
        return g_strdup("unknown");
    lines = g_strsplit(text, "\n", 0);
    for (guint i = 0; lines[i] != NULL; i++) {
        char *colon = strchr(lines[i], ':');
        if (colon == NULL)
            continue;
        if (model == NULL && g_str_has_prefix(lines[i], "model name"))
            model = g_strstrip(g_strdup(colon + 1));
        else if (*mhz == 0 && g_str_has_prefix(lines[i], "cpu MHz"))
            *mhz = (guint)g_ascii_strtod(colon + 1, NULL);
    }
    return model ? model : g_strdup("unknown");
}

static guint64
meminfo_kib(const char *text, const char *key)
{
    const char *line = strstr(text, key);

    return line ? g_ascii_strtoull(line + strlen(key), NULL, 10) : 0;
}

/* Memory the simulated guests use, for the test host's free memory. */
static guint64
test_guest_memory_kib(MarinaDaemon *self)
{
    GHashTableIter iter;
    gpointer value;
    guint64 sum = 0;

    g_hash_table_iter_init(&iter, self->by_uuid);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        if (marina_vm_is_active(value))
            sum += marina_vm_get_config(value)->current_memory_kib;
    }
    return sum;
}

static void
test_node_info(MarinaDaemon *self, GVariantDict *d)
{
    const MarinaTestNode *n = self->test_node;
    guint64 used = test_guest_memory_kib(self);

    g_variant_dict_insert(d, "hostname", "s", g_get_host_name());
    g_variant_dict_insert(d, "cpu-model", "s", n->cpu_model);
    g_variant_dict_insert(d, "arch", "s", "x86_64");
    g_variant_dict_insert(d, "cpus", "u", n->cpus);
    g_variant_dict_insert(d, "nodes", "u", n->nodes);
    g_variant_dict_insert(d, "sockets", "u", n->sockets);
    g_variant_dict_insert(d, "cores", "u", n->cores);
    g_variant_dict_insert(d, "threads", "u", n->threads);
    g_variant_dict_insert(d, "mhz", "u", n->mhz);
    g_variant_dict_insert(d, "memory-kib", "t", n->memory_kib);
    g_variant_dict_insert(d, "free-memory-kib", "t",
                          n->memory_kib > used ? n->memory_kib - used : 0);
    g_variant_dict_insert(d, "accelerator", "s", "none");
    g_variant_dict_insert(d, "emulator", "s", "");
    g_variant_dict_insert(d, "emulator-version", "s", "");
    g_variant_dict_insert(d, "driver", "s", "test");
    g_variant_dict_insert(d, "networks", "u", n->networks->len);
    g_variant_dict_insert(d, "pools", "u", n->pools->len);
}

static int
compare_names(gconstpointer a, gconstpointer b)
{
    return g_strcmp0(*(const char *const *)a, *(const char *const *)b);
}

/* The host's Linux bridges (what a guest interface of type 'bridge' can
 * join), sorted, as "as". sysfs is memory-backed: reading it is instant. */
static GVariant *
host_bridges(void)
{
    g_autoptr(GDir) dir = g_dir_open("/sys/class/net", 0, NULL);
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    const char *name;

    while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
        g_autofree char *bridge = g_build_filename("/sys/class/net", name, "bridge", NULL);
        if (g_file_test(bridge, G_FILE_TEST_IS_DIR))
            g_ptr_array_add(names, g_strdup(name));
    }
    g_ptr_array_sort(names, compare_names);
    return g_variant_new_strv((const char *const *)names->pdata, names->len);
}

static gboolean
handle_get_node_info(MarinaDBusHost *host, GDBusMethodInvocation *invocation, MarinaDaemon *self)
{
    g_autofree char *meminfo = NULL;
    g_autofree char *model = NULL;
    GVariantDict d;
    guint mhz;
    guint cpus = (guint)sysconf(_SC_NPROCESSORS_ONLN);

    g_variant_dict_init(&d, NULL);
    if (self->test_node != NULL) {
        test_node_info(self, &d);
        marina_dbus_host_complete_get_node_info(host, invocation, g_variant_dict_end(&d));
        return TRUE;
    }
    g_file_get_contents("/proc/meminfo", &meminfo, NULL, NULL);
    model = read_cpu_model(&mhz);
    g_variant_dict_insert(&d, "driver", "s", "qemu");
    g_variant_dict_insert(&d, "hostname", "s", g_get_host_name());
    g_variant_dict_insert(&d, "cpu-model", "s", model);
    g_variant_dict_insert(&d, "arch", "s", "x86_64");
    g_variant_dict_insert(&d, "cpus", "u", cpus);
    g_variant_dict_insert(&d, "sockets", "u", 1);
    g_variant_dict_insert(&d, "cores", "u", cpus);
    g_variant_dict_insert(&d, "threads", "u", 1);
    g_variant_dict_insert(&d, "mhz", "u", mhz);
    g_variant_dict_insert(&d, "memory-kib", "t", meminfo ? meminfo_kib(meminfo, "MemTotal:") : 0);
    g_variant_dict_insert(&d, "free-memory-kib", "t",
                          meminfo ? meminfo_kib(meminfo, "MemAvailable:") : 0);
    g_variant_dict_insert(&d, "accelerator", "s", self->config->accel);
    g_variant_dict_insert(&d, "emulator", "s", self->config->emulator);
    g_variant_dict_insert(&d, "emulator-version", "s",
                          marina_stats_get_emulator_version(self->stats));
    g_variant_dict_insert_value(&d, "bridges", host_bridges());
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

/* ---------------------------------------------------------------------- */
/* Install media: reading an image (or a slow CD drive) happens in a       */
/* worker thread, never on the main loop.                                  */

static void
inspect_media_thread(GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
    GError *error = NULL;
    MarinaIsoInfo *info = marina_iso_inspect_path(task_data, &error);

    if (info == NULL)
        g_task_return_error(task, error);
    else
        g_task_return_pointer(task, info, (GDestroyNotify)marina_iso_info_free);
}

static void
on_media_inspected(GObject *source, GAsyncResult *result, gpointer user_data)
{
    MarinaDaemon *self = MARINA_DAEMON(source);
    GDBusMethodInvocation *invocation = user_data;
    const char *path = g_task_get_task_data(G_TASK(result));
    GError *error = NULL;
    g_autoptr(MarinaIsoInfo) info = g_task_propagate_pointer(G_TASK(result), &error);

    if (info == NULL) {
        g_debug("InspectMedia %s: %s", path, error->message);
        g_dbus_method_invocation_take_error(invocation, error);
        return;
    }
    marina_dbus_host_complete_inspect_media(self->host, invocation,
                                            marina_iso_info_to_variant(info, path));
}

static gboolean
handle_inspect_media(MarinaDBusHost *host, GDBusMethodInvocation *invocation, const char *path,
                     MarinaDaemon *self)
{
    g_autoptr(GTask) task = NULL;

    /* The daemon may run as root: a read-only client must not learn through
     * it which files exist or what they hold. */
    if (!marina_daemon_check_writable(self, invocation))
        return TRUE;
    if (strlen(path) > 4096) {
        g_dbus_method_invocation_return_error(invocation, MARINA_ERROR,
                                              MARINA_ERROR_INVALID_ARGUMENT,
                                              _("The path of the install medium is too long."));
        return TRUE;
    }
    if (!g_path_is_absolute(path)) {
        g_dbus_method_invocation_return_error(
            invocation, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
            _("The install medium '%s' must be given as an absolute path (starting with /)."),
            path);
        return TRUE;
    }
    task = g_task_new(self, NULL, on_media_inspected, invocation);
    g_task_set_source_tag(task, handle_inspect_media);
    g_task_set_task_data(task, g_strdup(path), g_free);
    g_task_run_in_thread(task, inspect_media_thread);
    return TRUE;
}

/* ---------------------------------------------------------------------- */
/* Network install trees: every request goes out from a worker thread.    */

static void
on_install_tree_inspected(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GDBusMethodInvocation) invocation = user_data;
    GError *error = NULL;
    g_autoptr(MarinaInstallTree) tree = marina_install_tree_inspect_finish(result, &error);

    if (tree == NULL) {
        g_debug("InspectInstallTree: %s", error->message);
        g_dbus_method_invocation_take_error(invocation, error);
        return;
    }
    g_dbus_method_invocation_return_value(
        invocation, g_variant_new("(@a{sv})", marina_install_tree_to_variant(tree)));
}

static gboolean
handle_inspect_install_tree(MarinaDBusHost *host, GDBusMethodInvocation *invocation,
                            const char *url, MarinaDaemon *self)
{
    GError *error = NULL;

    /* The daemon fetching URLs for a client is a privilege of writers. */
    if (!marina_daemon_check_writable(self, invocation))
        return TRUE;
    if (!marina_install_tree_check_url(url, &error)) {
        g_dbus_method_invocation_take_error(invocation, error);
        return TRUE;
    }
    marina_install_tree_inspect_async(url, NULL, on_install_tree_inspected,
                                      g_object_ref(invocation));
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
    g_signal_connect(self->host, "handle-inspect-media", G_CALLBACK(handle_inspect_media), self);
    g_signal_connect(self->host, "handle-inspect-install-tree",
                     G_CALLBACK(handle_inspect_install_tree), self);
}

/* ---------------------------------------------------------------------- */
/* The domain subtree: one registration per peer serves every guest, so a  */
/* new connection costs the same with 1 or 10,000 guests.                  */

static char **
domain_enumerate(const char *path, gpointer user_data)
{
    MarinaDaemon *self = user_data;
    GPtrArray *nodes = g_ptr_array_new();
    GHashTableIter iter;
    gpointer value;

    g_hash_table_iter_init(&iter, self->by_uuid);
    while (g_hash_table_iter_next(&iter, NULL, &value))
        g_ptr_array_add(nodes, g_path_get_basename(marina_vm_get_object_path(value)));
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
    return g_hash_table_lookup(self->by_uuid, uuid);
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
    {
        GHashTableIter iter;
        gpointer job;
        g_hash_table_iter_init(&iter, self->jobs);
        while (g_hash_table_iter_next(&iter, NULL, &job))
            marina_job_unexport(job, connection);
    }
    g_hash_table_remove(self->peers, connection);
    update_stats_settings(self);
}

static gboolean
accept_peer(MarinaDaemon *self, GDBusConnection *connection, gboolean read_only)
{
    g_autoptr(GError) error = NULL;
    Peer *peer = g_new0(Peer, 1);

    peer->connection = g_object_ref(connection);
    peer->read_only = read_only;
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
    {
        GHashTableIter iter;
        gpointer job;
        g_hash_table_iter_init(&iter, self->jobs);
        while (g_hash_table_iter_next(&iter, NULL, &job))
            marina_job_export(job, connection);
    }
    g_hash_table_insert(self->peers, connection, peer);
    g_signal_connect_object(connection, "closed", G_CALLBACK(on_peer_closed), self, 0);
    marina_stats_set_active(self->stats, TRUE);
    return TRUE;
}

static gboolean
on_new_connection(GDBusServer *server, GDBusConnection *connection, gpointer user_data)
{
    MarinaDaemon *self = user_data;

    return accept_peer(self, connection, server == self->ro_server);
}

/* Authorization rests on the kernel's word about the peer (SO_PEERCRED):
 * the session daemon serves its own user (and root); the system daemon
 * leaves it to the socket's permissions. */
static gboolean
on_authorize_peer(GDBusAuthObserver *observer, GIOStream *stream, GCredentials *credentials,
                  gpointer user_data)
{
    MarinaDaemon *self = user_data;
    uid_t uid;

    if (credentials == NULL)
        return FALSE;
    uid = g_credentials_get_unix_user(credentials, NULL);
    if (self->config->system)
        return TRUE;
    if (uid == getuid() || uid == 0)
        return TRUE;
    g_info("Refused a client of uid %u", (guint)uid);
    return FALSE;
}

static gboolean
on_allow_mechanism(GDBusAuthObserver *observer, const char *mechanism, gpointer user_data)
{
    return g_str_equal(mechanism, "EXTERNAL");
}

static gboolean
socket_in_use(const char *path)
{
    g_autoptr(GSocketClient) client = g_socket_client_new();
    g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(path);
    g_autoptr(GSocketConnection) conn =
        g_socket_client_connect(client, G_SOCKET_CONNECTABLE(addr), NULL, NULL);

    return conn != NULL;
}

static GDBusServer *
listen_on(MarinaDaemon *self, const char *path, guint mode, GError **error)
{
    g_autofree char *dir = g_path_get_dirname(path);
    g_autofree char *escaped = g_dbus_address_escape_value(path);
    g_autofree char *address = g_strconcat("unix:path=", escaped, NULL);
    g_autofree char *guid = g_dbus_generate_guid();
    GDBusServer *server;

    if (g_mkdir_with_parents(dir, 0755) != 0) {
        int saved = errno;
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED, _("Cannot create %s: %s"),
                    dir, g_strerror(saved));
        return NULL;
    }
    if (g_file_test(path, G_FILE_TEST_EXISTS)) {
        if (socket_in_use(path)) {
            g_set_error(error, MARINA_ERROR, MARINA_ERROR_ALREADY_RUNNING,
                        _("Another marinad is already listening on %s."), path);
            return NULL;
        }
        g_unlink(path); /* left behind by a daemon that died */
    }
    server =
        g_dbus_server_new_sync(address, G_DBUS_SERVER_FLAGS_NONE, guid, self->auth, NULL, error);
    if (server == NULL)
        return NULL;
    chmod(path, mode);
    g_signal_connect(server, "new-connection", G_CALLBACK(on_new_connection), self);
    g_dbus_server_start(server);
    g_info("Listening on %s", path);
    return server;
}

/* ---------------------------------------------------------------------- */
/* Start-up                                                               */

static MarinaDomainConfig *
load_definition(MarinaDaemon *self, const char *uuid)
{
    g_autofree char *path = marina_state_definition_path(self->config, uuid);
    g_autofree char *xml = NULL;
    g_autoptr(GError) error = NULL;
    MarinaDomainConfig *config;
    gsize len;

    if (!g_file_get_contents(path, &xml, &len, &error)) {
        g_warning("Skipping %s: %s", path, error->message);
        return NULL;
    }
    config = marina_domain_config_parse(xml, (gssize)len, NULL, &error);
    if (config == NULL) {
        /* Never delete what a person may want back: log it and leave it. */
        g_warning("Skipping the definition %s: %s", path, error->message);
        return NULL;
    }
    if (!g_str_equal(config->uuid, uuid)) {
        g_warning("Skipping %s: its <uuid> is %s", path, config->uuid);
        marina_domain_config_free(config);
        return NULL;
    }
    return config;
}

static void
load_definitions(MarinaDaemon *self)
{
    g_autofree char *dir = g_build_filename(self->config->state_dir, "domains", NULL);
    g_autoptr(GPtrArray) uuids = marina_state_list_uuids(dir, ".xml");

    for (guint i = 0; i < uuids->len; i++) {
        MarinaDomainConfig *config = load_definition(self, uuids->pdata[i]);
        MarinaVm *vm;

        if (config == NULL)
            continue;
        if (g_hash_table_contains(self->by_name, config->name)) {
            g_warning("Skipping guest %s: the name '%s' is taken", config->uuid, config->name);
            marina_domain_config_free(config);
            continue;
        }
        vm = marina_vm_new(self, config, TRUE);
        marina_vm_load_flags(vm);
        add_vm(self, vm);
    }
    g_info("Loaded %u guest definitions", g_hash_table_size(self->by_uuid));
}

/* Kernels and initrds of install boots that ended while the daemon was not
 * running (or crashed mid-download) are of no use to anyone. */
static void
clean_stale_installs(MarinaDaemon *self)
{
    g_autofree char *root = g_build_filename(self->config->state_dir, "install", NULL);
    g_autoptr(GDir) dir = g_dir_open(root, 0, NULL);
    const char *name;

    while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
        MarinaVm *vm = g_hash_table_lookup(self->by_uuid, name);
        g_autofree char *path = NULL;

        if (vm != NULL && marina_vm_is_installing(vm))
            continue;
        path = g_build_filename(root, name, NULL);
        marina_install_tree_remove_dir(path);
    }
}

static void
reattach_running(MarinaDaemon *self)
{
    g_autofree char *dir = g_build_filename(self->config->runtime_dir, "domains", NULL);
    g_autoptr(GPtrArray) uuids = marina_state_list_uuids(dir, ".state");

    for (guint i = 0; i < uuids->len; i++) {
        const char *uuid = uuids->pdata[i];
        MarinaVm *vm = g_hash_table_lookup(self->by_uuid, uuid);
        gboolean created = FALSE;
        g_autoptr(GError) error = NULL;

        if (vm == NULL) {
            /* A transient guest: its live XML is its only definition. */
            g_autofree char *xml_path = marina_state_live_xml_path(self->config, uuid);
            g_autofree char *xml = NULL;
            MarinaDomainConfig *config = NULL;

            if (g_file_get_contents(xml_path, &xml, NULL, NULL))
                config = marina_domain_config_parse(xml, -1, NULL, NULL);
            if (config == NULL) {
                g_warning("Cannot re-attach guest %s: no readable configuration", uuid);
                continue;
            }
            vm = marina_vm_new(self, config, FALSE);
            created = TRUE;
        }
        if (marina_vm_reattach(vm, &error)) {
            if (created)
                add_vm(self, vm);
            self->next_id = MAX(self->next_id, marina_vm_get_id(vm) + 1);
        } else {
            g_info("%s", error->message);
            if (created)
                g_object_unref(vm);
        }
    }
}

typedef struct {
    MarinaDaemon *daemon;
    GPtrArray *queue; /* MarinaVm* to start, in order */
} AutostartData;

static void autostart_next(AutostartData *ad);

static void
on_autostarted(GObject *source, GAsyncResult *result, gpointer data)
{
    AutostartData *ad = data;
    g_autoptr(GError) error = NULL;

    if (!marina_vm_start_finish(MARINA_VM(source), result, &error))
        g_warning("Autostart of guest '%s' failed: %s", marina_vm_get_name(MARINA_VM(source)),
                  error->message);
    if (ad->daemon->config->autostart_delay_ms > 0)
        g_timeout_add_once(ad->daemon->config->autostart_delay_ms, (GSourceOnceFunc)autostart_next,
                           ad);
    else
        autostart_next(ad);
}

static void
autostart_next(AutostartData *ad)
{
    while (ad->queue->len > 0) {
        MarinaVm *vm = g_ptr_array_steal_index(ad->queue, 0);
        gboolean startable = !marina_vm_is_active(vm);

        if (startable) {
            g_info("Autostarting guest '%s'", marina_vm_get_name(vm));
            marina_vm_start_async(vm, 0, NULL, on_autostarted, ad);
            g_object_unref(vm);
            return;
        }
        g_object_unref(vm);
    }
    g_ptr_array_unref(ad->queue);
    g_object_unref(ad->daemon);
    g_free(ad);
}

/* Like xendomains: guests with a managed save come back first (Start
 * restores them), then the other autostart guests, one after another. */
static void
autostart(MarinaDaemon *self)
{
    AutostartData *ad = g_new0(AutostartData, 1);
    GHashTableIter iter;
    gpointer value;

    ad->daemon = g_object_ref(self);
    ad->queue = g_ptr_array_new_with_free_func(g_object_unref);
    for (int pass = 0; pass < 2; pass++) {
        g_hash_table_iter_init(&iter, self->by_uuid);
        while (g_hash_table_iter_next(&iter, NULL, &value)) {
            MarinaVm *vm = value;
            gboolean saved = marina_dbus_domain_get_has_managed_save(marina_vm_get_skeleton(vm));
            if (marina_vm_get_autostart(vm) && !marina_vm_is_active(vm) && saved == (pass == 0))
                g_ptr_array_add(ad->queue, g_object_ref(vm));
        }
    }
    autostart_next(ad);
}

/* The test driver's guests: all persistent, in memory only. */
static void
load_test_domains(MarinaDaemon *self)
{
    GPtrArray *domains = self->test_node->domains;

    for (guint i = 0; i < domains->len; i++) {
        MarinaTestDomain *d = domains->pdata[i];
        MarinaVm *vm = marina_vm_new(self, marina_domain_config_copy(d->config), TRUE);

        add_vm(self, vm);
        marina_test_vm_set_initial_state(MARINA_TEST_VM(vm), d->state);
    }
    g_info("Loaded %u simulated guests", domains->len);
}

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
    return marina_daemon_check_writable(self, invocation);
}

static MarinaJob *
storage_new_job(guint64 total, gpointer self)
{
    return marina_daemon_new_job(self, total);
}

static void
storage_end_job(MarinaJob *job, const GError *error, gpointer self)
{
    marina_daemon_end_job(self, job, error);
}

static MarinaDiskUsers *
storage_disk_users(gpointer self)
{
    return marina_daemon_collect_disk_users(self);
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

gboolean
marina_daemon_start(MarinaDaemon *self, GError **error)
{
    if (!prepare_driver(self, error))
        return FALSE;
    setup_host(self);
    if (!is_test_driver(self))
        self->storage = new_storage(self);
    self->auth = g_dbus_auth_observer_new();
    g_signal_connect(self->auth, "authorize-authenticated-peer", G_CALLBACK(on_authorize_peer),
                     self);
    g_signal_connect(self->auth, "allow-mechanism", G_CALLBACK(on_allow_mechanism), self);

    /* Claim the socket first: a second daemon must not touch guests the
     * first one runs. */
    self->server = listen_on(self, self->config->socket_path, self->config->socket_mode, error);
    if (self->server == NULL)
        return FALSE;
    if (self->config->ro_socket_path != NULL) {
        self->ro_server = listen_on(self, self->config->ro_socket_path, 0777, error);
        if (self->ro_server == NULL)
            return FALSE;
    }
    self->stats = marina_stats_new(self, self->host, self->config);
    if (self->test_node != NULL) {
        marina_stats_set_test_node(self->stats, self->test_node);
        load_test_domains(self);
        return TRUE;
    }
    load_definitions(self);
    marina_storage_load(self->storage);
    reattach_running(self);
    clean_stale_installs(self);
    autostart(self);
    return TRUE;
}

void
marina_daemon_stop(MarinaDaemon *self)
{
    if (self->server != NULL) {
        g_dbus_server_stop(self->server);
        g_unlink(self->config->socket_path);
        g_clear_object(&self->server);
    }
    if (self->ro_server != NULL) {
        g_dbus_server_stop(self->ro_server);
        g_unlink(self->config->ro_socket_path);
        g_clear_object(&self->ro_server);
    }
}

GList *
marina_daemon_get_vms(MarinaDaemon *self)
{
    return g_hash_table_get_values(self->by_uuid);
}

MarinaDiskUsers *
marina_daemon_collect_disk_users(MarinaDaemon *self)
{
    MarinaDiskUsers *users = marina_disk_users_new();
    GHashTableIter iter;
    gpointer value;

    g_hash_table_iter_init(&iter, self->by_uuid);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        MarinaVm *vm = value;
        const MarinaDomainConfig *live = marina_vm_get_live(vm);

        /* A guest that is starting has its running configuration already:
         * its disks are about to be opened. */
        marina_disk_users_add_guest(users, marina_vm_get_name(vm),
                                    marina_vm_is_active(vm) || live != NULL,
                                    marina_vm_get_definition(vm), live);
    }
    return users;
}

MarinaDaemon *
marina_daemon_new(MarinaDaemonConfig *config)
{
    MarinaDaemon *self = g_object_new(MARINA_TYPE_DAEMON, NULL);

    self->config = config;
    return self;
}
