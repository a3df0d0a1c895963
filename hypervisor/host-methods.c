#define G_LOG_DOMAIN "marinad"

#include "config.h"

#include <glib/gi18n.h>

#include "access.h"
#include "core/error.h"
#include "core/records.h"
#include "host-info.h"
#include "host-methods.h"
#include "network-registry.h"
#include "qemu-command.h"
#include "qemu-vm-helpers.h"

/*
 * The guest-related methods of the Host object. Each checks who calls
 * (access.h) and what it is given, then works on the guest registry.
 */

static gboolean
is_test_driver(MarinaHostMethods *self)
{
    return g_str_equal(self->context->config->driver, "test");
}

static MarinaVm *
new_vm(MarinaHostMethods *self, MarinaDomainConfig *config, gboolean persistent)
{
    return marina_vm_new(self->vm_type, self->context, config, persistent);
}

static void
add_new_vm(MarinaHostMethods *self, MarinaVm *vm)
{
    marina_vm_registry_add(self->context->registry, vm);
    marina_dbus_host_emit_domain_added(self->host, marina_vm_get_object_path(vm),
                                       marina_vm_get_name(vm), marina_vm_get_uuid(vm));
}

/* ---------------------------------------------------------------------------------------------
 * The listing. Each guest's row is kept serialised with the fields it was
 * made from, and made again only when one of them differs: a listing of
 * 1000 unchanged guests copies 1000 rows instead of encoding 11 000 values.
 * Checking every field (not waiting for change notices) keeps a row right
 * whatever changed the guest.
 */

typedef struct {
    guint generation; /* the listing that last used the row */
    GVariant *row;    /* (oissuubbtus), serialised */
    /* The fields it was made from; the strings point into @row's data. */
    const char *path;
    int id;
    const char *name;
    const char *uuid;
    guint32 state;
    guint32 reason;
    gboolean persistent;
    gboolean autostart;
    guint64 memory_kib;
    guint32 vcpus;
    const char *title;
} DomainRow;

struct _MarinaDomainRows {
    GHashTable *rows; /* MarinaVm * (not owned) -> DomainRow */
    guint generation;
};

static void
domain_row_free(DomainRow *row)
{
    g_variant_unref(row->row);
    g_free(row);
}

static gboolean
domain_row_is_current(const DomainRow *r, MarinaVm *vm, const MarinaDomainConfig *c,
                      MarinaDomainState state, guint reason)
{
    return r->id == marina_vm_get_id(vm) && r->state == state && r->reason == reason &&
           r->persistent == marina_vm_is_persistent(vm) &&
           r->autostart == marina_vm_get_autostart(vm) && r->memory_kib == c->memory_kib &&
           r->vcpus == c->vcpus && g_strcmp0(r->name, c->name) == 0 &&
           g_strcmp0(r->uuid, c->uuid) == 0 && g_strcmp0(r->title, c->title ? c->title : "") == 0 &&
           g_strcmp0(r->path, marina_vm_get_object_path(vm)) == 0;
}

static DomainRow *
domain_row_new(MarinaVm *vm, const MarinaDomainConfig *c, MarinaDomainState state, guint reason)
{
    DomainRow *r = g_new0(DomainRow, 1);

    r->row = g_variant_ref_sink(g_variant_new(
        "(oissuubbtus)", marina_vm_get_object_path(vm), marina_vm_get_id(vm), c->name, c->uuid,
        state, reason, marina_vm_is_persistent(vm), marina_vm_get_autostart(vm), c->memory_kib,
        c->vcpus, c->title ? c->title : ""));
    /* Serialised now (copied as bytes into every listing), before the
     * strings are taken: serialising frees the values they would point to. */
    g_variant_get_data(r->row);
    g_variant_get(r->row, "(&oi&s&suubbtu&s)", &r->path, &r->id, &r->name, &r->uuid, &r->state,
                  &r->reason, &r->persistent, &r->autostart, &r->memory_kib, &r->vcpus, &r->title);
    return r;
}

typedef struct {
    MarinaDomainRows *cache;
    GVariantBuilder *builder;
} ListingPass;

static void
add_domain_entry(MarinaVm *vm, gpointer user_data)
{
    ListingPass *pass = user_data;
    const MarinaDomainConfig *c = marina_vm_get_config(vm);
    guint reason;
    MarinaDomainState state = marina_vm_get_state(vm, &reason);
    DomainRow *row = g_hash_table_lookup(pass->cache->rows, vm);

    if (row == NULL || !domain_row_is_current(row, vm, c, state, reason)) {
        row = domain_row_new(vm, c, state, reason);
        g_hash_table_replace(pass->cache->rows, vm, row);
    }
    row->generation = pass->cache->generation;
    g_variant_builder_add_value(pass->builder, row->row);
}

static gboolean
row_is_stale(gpointer vm, gpointer row, gpointer cache)
{
    return ((DomainRow *)row)->generation != ((MarinaDomainRows *)cache)->generation;
}

static MarinaDomainRows *
domain_rows_new(void)
{
    MarinaDomainRows *cache = g_new0(MarinaDomainRows, 1);

    cache->rows = g_hash_table_new_full(NULL, NULL, NULL, (GDestroyNotify)domain_row_free);
    return cache;
}

static void
domain_rows_free(MarinaDomainRows *cache)
{
    if (cache == NULL)
        return;
    g_hash_table_unref(cache->rows);
    g_free(cache);
}

/* Every guest as ListDomains reports it: a(oissuubbtus), floating. */
static GVariant *
listing(MarinaHostMethods *self)
{
    MarinaDomainRows *cache = self->rows;
    GVariantBuilder b;
    ListingPass pass = {cache, &b};

    cache->generation++;
    g_variant_builder_init(&b, G_VARIANT_TYPE("a(oissuubbtus)"));
    marina_vm_registry_foreach(self->context->registry, add_domain_entry, &pass);
    /* Rows of guests that are gone. (A new guest at a gone one's address
     * gets its own row: every field is compared.) */
    g_hash_table_foreach_remove(cache->rows, row_is_stale, cache);
    return g_variant_builder_end(&b);
}

static gboolean
handle_list_domains(MarinaDBusHost *host, GDBusMethodInvocation *invocation,
                    MarinaHostMethods *self)
{
    marina_dbus_host_complete_list_domains(host, invocation, listing(self));
    return TRUE;
}

/* ListDomains' rows serialised here once and sent as bytes (see the D-Bus
 * XML): GDBus copies a byte array whole instead of encoding 11 000 values. */
static gboolean
handle_list_domains_packed(MarinaDBusHost *host, GDBusMethodInvocation *invocation,
                           MarinaHostMethods *self)
{
    g_autoptr(GVariant) domains = g_variant_ref_sink(listing(self));

    marina_dbus_host_complete_list_domains_packed(host, invocation,
                                                  marina_variant_to_packed(domains));
    return TRUE;
}

static gboolean
handle_lookup_domain(MarinaDBusHost *host, GDBusMethodInvocation *invocation, const char *key,
                     MarinaHostMethods *self)
{
    MarinaVm *vm = marina_vm_registry_lookup(self->context->registry, key);

    if (vm == NULL) {
        g_dbus_method_invocation_return_error(invocation, MARINA_ERROR, MARINA_ERROR_NO_SUCH_DOMAIN,
                                              _("There is no guest '%s' on this host."), key);
        return TRUE;
    }
    marina_dbus_host_complete_lookup_domain(host, invocation, marina_vm_get_object_path(vm));
    return TRUE;
}

static MarinaDomainConfig *
parse_for_host(MarinaHostMethods *self, const char *xml, GPtrArray *warnings, GError **error)
{
    g_autoptr(MarinaDomainConfig) config =
        is_test_driver(self) ? marina_test_domain_parse(xml, -1, warnings, NULL, error)
                             : marina_domain_config_parse(xml, -1, warnings, error);
    g_auto(GStrv) argv = NULL;
    MarinaQemuCommandOptions opts = {
        .accel = self->context->config->accel, .qmp_fd = 3, .vnc_socket = "/dev/null"};
    int fds[64], taps[64];
    const char *netdevs[64];

    if (config == NULL)
        return NULL;
    if (is_test_driver(self))
        return g_steal_pointer(&config);
    if (!marina_qemu_check_firmware(config, error))
        return NULL;
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
        taps[i] = self->context->config->system && iface->type == MARINA_NET_TYPE_BRIDGE
                      ? 100 + (int)i
                      : -1;
    }
    opts.tap_fds = taps;
    /* A virtual network is looked up when the guest starts (as libvirt
     * does): any way of joining it will do for this check. */
    for (guint i = 0; i < opts.n_tap_fds; i++)
        netdevs[i] = "user";
    opts.netdevs = netdevs;
    opts.n_netdevs = opts.n_tap_fds;
    /* PCI host devices and the host's TPM are for the system daemon; swtpm's
     * socket is made at start. */
    opts.privileged = self->context->config->system;
    opts.tpm_socket = "/dev/null";
    argv = marina_qemu_command_build(config, &opts, warnings, error);
    if (argv == NULL)
        return NULL;
    return g_steal_pointer(&config);
}

/* DefineDomain and CreateDomain: a writable connection, XML this host can
 * run, a name and UUID no other guest has. NULL once @invocation is answered. */
static MarinaDomainConfig *
new_domain_config(MarinaHostMethods *self, GDBusMethodInvocation *invocation, const char *xml,
                  GPtrArray *warnings)
{
    g_autoptr(MarinaDomainConfig) config = NULL;
    GError *error = NULL;

    if (!marina_access_check_writable(invocation))
        return NULL;
    config = parse_for_host(self, xml, warnings, &error);
    if (config == NULL ||
        !marina_vm_registry_check_unique(self->context->registry, config, NULL, &error)) {
        g_dbus_method_invocation_take_error(invocation, error);
        return NULL;
    }
    return g_steal_pointer(&config);
}

static gboolean
handle_define_domain(MarinaDBusHost *host, GDBusMethodInvocation *invocation, const char *xml,
                     MarinaHostMethods *self)
{
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(MarinaDomainConfig) config = NULL;
    MarinaVm *vm;
    GError *error = NULL;
    gboolean is_new;

    config = new_domain_config(self, invocation, xml, warnings);
    if (config == NULL)
        return TRUE;
    vm = marina_vm_registry_get(self->context->registry, config->uuid);
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
    MarinaVmRegistry *guests; /* where a guest made for the call leaves again */
    GDBusMethodInvocation *invocation;
    GPtrArray *warnings; /* for create */
    gboolean created;    /* the guest exists only for this call */
} PendingStart;

static PendingStart *
pending_start_new(MarinaHostMethods *self, GDBusMethodInvocation *invocation, GPtrArray *warnings)
{
    PendingStart *ps = g_new0(PendingStart, 1);

    ps->guests = g_object_ref(self->context->registry);
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
            marina_vm_registry_remove(ps->guests, vm);
        g_dbus_method_invocation_take_error(ps->invocation, error);
    }
    g_clear_pointer(&ps->warnings, g_ptr_array_unref);
    g_object_unref(ps->invocation);
    g_object_unref(ps->guests);
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
                     guint flags, MarinaHostMethods *self)
{
    PendingStart *ps;
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(MarinaDomainConfig) config = NULL;
    MarinaVm *vm;

    config = new_domain_config(self, invocation, xml, warnings);
    if (config == NULL)
        return TRUE;
    vm = marina_vm_registry_get(self->context->registry, config->uuid);
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
                      guint flags, MarinaHostMethods *self)
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
    if (config == NULL ||
        !marina_vm_registry_check_unique(self->context->registry, config, NULL, &error)) {
        g_dbus_method_invocation_take_error(invocation, error);
        return TRUE;
    }
    ps = pending_start_new(self, invocation, NULL);
    vm = marina_vm_registry_get(self->context->registry, config->uuid);
    if (vm == NULL) {
        /* Restoring a guest this host does not know makes it transient. */
        vm = new_vm(self, g_steal_pointer(&config), FALSE);
        add_new_vm(self, vm);
        ps->created = TRUE;
    }
    marina_vm_restore_async(vm, file, flags, FALSE, NULL, on_restored, ps);
    return TRUE;
}

/* What the daemon would give interface @iface (type network) at start,
 * without making anything: the network's attachment (a tap on its bridge
 * shown as fd @fd, or the -netdev value), or user-mode networking with a
 * warning when the network is missing or not running. */
static void
native_network(MarinaHostMethods *self, const MarinaInterfaceConfig *iface, int fd, int *tap_fd,
               char **netdev, GPtrArray *warnings)
{
    MarinaNetworkRegistry *networks = self->context->networks;
    const char *name = iface->source != NULL ? iface->source : "";
    MarinaDaemonNetwork *network =
        networks != NULL ? marina_network_registry_lookup(networks, name) : NULL;
    MarinaNetAttachment a;

    if (network == NULL || !marina_daemon_network_is_active(network)) {
        *netdev = g_strdup("user");
        g_ptr_array_add(
            warnings,
            network == NULL
                ? g_strdup_printf(_("Interface %s: there is no virtual network '%s' here, so "
                                    "user-mode networking is shown; the guest would not start "
                                    "until the network is defined and running."),
                                  iface->mac, name)
                : g_strdup_printf(_("Interface %s: network '%s' is not running, so user-mode "
                                    "networking is shown; start it (marinactl net-start %s) to "
                                    "see how its guests attach."),
                                  iface->mac, name, name));
        return;
    }
    if (self->context->config->system) {
        /* A tap would be made on the bridge when the guest starts. */
        *tap_fd = fd;
        g_ptr_array_add(warnings,
                        g_strdup_printf(_("Interface %s: network '%s', a tap device on the bridge "
                                          "%s, opened by the daemon and passed as fd %d."),
                                        iface->mac, name, marina_daemon_network_get_bridge(network),
                                        fd));
        return;
    }
    if (!marina_network_registry_attach(networks, iface, &a, NULL)) {
        *netdev = g_strdup("user");
        return;
    }
    *netdev = g_steal_pointer(&a.netdev);
    g_ptr_array_add(warnings, g_steal_pointer(&a.detail));
    marina_net_attachment_clear(&a);
}

/* The taps and -netdev values the daemon would give the interfaces, with
 * fds numbered after the character devices' (@first_fd on). */
static void
native_interfaces(MarinaHostMethods *self, const MarinaDomainConfig *config, int first_fd,
                  int *tap_fds, char **netdevs, GPtrArray *warnings)
{
    for (guint i = 0; i < config->interfaces->len; i++) {
        const MarinaInterfaceConfig *iface = config->interfaces->pdata[i];

        tap_fds[i] = -1;
        if (iface->type == MARINA_NET_TYPE_NETWORK)
            native_network(self, iface, first_fd + (int)i, &tap_fds[i], &netdevs[i], warnings);
        else if (iface->type == MARINA_NET_TYPE_BRIDGE && self->context->config->system)
            tap_fds[i] = first_fd + (int)i;
    }
}

static gboolean
handle_xml_to_native(MarinaDBusHost *host, GDBusMethodInvocation *invocation, const char *xml,
                     MarinaHostMethods *self)
{
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(MarinaDomainConfig) config = NULL;
    g_auto(GStrv) argv = NULL;
    g_autofree char *run =
        g_build_filename(self->context->config->runtime_dir, "guests", "UUID", NULL);
    g_autofree char *vnc = NULL;
    g_autofree char *tpm = NULL;
    g_autofree int *fds = NULL;
    g_autofree int *tap_fds = NULL;
    g_auto(GStrv) netdevs = NULL;
    MarinaQemuCommandOptions opts = {0};
    GError *error = NULL;

    config = marina_domain_config_parse(xml, -1, warnings, &error);
    if (config == NULL) {
        g_dbus_method_invocation_take_error(invocation, error);
        return TRUE;
    }
    vnc = g_build_filename(self->context->config->runtime_dir, "guests", config->uuid, "v", NULL);
    opts.emulator = self->context->config->emulator;
    opts.accel = self->context->config->accel;
    opts.qmp_fd = 3;
    opts.n_chardev_fds = marina_qemu_command_n_chardevs(config);
    fds = g_new0(int, opts.n_chardev_fds + 1);
    for (guint i = 0; i < opts.n_chardev_fds; i++)
        fds[i] = 4 + (int)i;
    opts.chardev_fds = fds;
    opts.vnc_socket = vnc;
    opts.start_paused = TRUE;
    opts.privileged = self->context->config->system;
    tpm = g_build_filename(self->context->config->runtime_dir, "guests", config->uuid, "tpm", NULL);
    opts.tpm_socket = tpm;
    tap_fds = g_new0(int, config->interfaces->len + 1);
    netdevs = g_new0(char *, config->interfaces->len + 1);
    native_interfaces(self, config, 4 + (int)opts.n_chardev_fds, tap_fds, netdevs, warnings);
    opts.tap_fds = tap_fds;
    opts.n_tap_fds = config->interfaces->len;
    opts.netdevs = (const char *const *)netdevs;
    opts.n_netdevs = config->interfaces->len;
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
handle_get_node_info(MarinaDBusHost *host, GDBusMethodInvocation *invocation,
                     MarinaHostMethods *self)
{
    GVariantDict d;

    g_variant_dict_init(&d, NULL);
    if (self->test_node != NULL) {
        guint64 used = 0;

        /* The simulated host's free memory is what its running guests leave. */
        marina_vm_registry_foreach(self->context->registry, add_active_memory, &used);
        marina_host_add_test_node_info(&d, self->test_node, used);
        g_variant_dict_insert(&d, "accelerator", "s", "none");
        g_variant_dict_insert(&d, "emulator", "s", "");
        g_variant_dict_insert(&d, "emulator-version", "s", "");
        g_variant_dict_insert(&d, "driver", "s", "test");
    } else {
        marina_host_add_node_info(&d);
        g_variant_dict_insert(&d, "driver", "s", "qemu");
        g_variant_dict_insert(&d, "accelerator", "s", self->context->config->accel);
        g_variant_dict_insert(&d, "emulator", "s", self->context->config->emulator);
        g_variant_dict_insert(&d, "emulator-version", "s",
                              marina_stats_get_emulator_version(self->stats));
    }
    marina_dbus_host_complete_get_node_info(host, invocation, g_variant_dict_end(&d));
    return TRUE;
}

void
marina_host_methods_connect(MarinaHostMethods *self)
{
    static const struct {
        const char *signal;
        GCallback handler;
    } handlers[] = {
        {"handle-list-domains", G_CALLBACK(handle_list_domains)},
        {"handle-list-domains-packed", G_CALLBACK(handle_list_domains_packed)},
        {"handle-lookup-domain", G_CALLBACK(handle_lookup_domain)},
        {"handle-define-domain", G_CALLBACK(handle_define_domain)},
        {"handle-create-domain", G_CALLBACK(handle_create_domain)},
        {"handle-restore-domain", G_CALLBACK(handle_restore_domain)},
        {"handle-domain-xmlto-native", G_CALLBACK(handle_xml_to_native)},
        {"handle-get-node-info", G_CALLBACK(handle_get_node_info)},
    };

    /* The rows live as long as the Host object these methods answer on. */
    self->rows = domain_rows_new();
    g_object_set_data_full(G_OBJECT(self->host), "marina-domain-rows", self->rows,
                           (GDestroyNotify)domain_rows_free);
    for (guint i = 0; i < G_N_ELEMENTS(handlers); i++)
        g_signal_connect(self->host, handlers[i].signal, handlers[i].handler, self);
}
