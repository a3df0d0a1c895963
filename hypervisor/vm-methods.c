#define G_LOG_DOMAIN "marinad-vm"

#include "config.h"

#include <gio/gunixfdlist.h>
#include <glib/gi18n.h>
#include <unistd.h>

#include "access.h"
#include "core/error.h"
#include "vm-private.h"

/*
 * The org.marinavm.Marina1.Domain object of a guest: each method checks who
 * calls, then hands the call to the guest's actions (vm.c, vm-actions.c) or
 * its driver and turns the outcome into the reply. Every guest is served by
 * one static vtable with the guest as user data: no skeleton, property store
 * or signal closures per guest (10 000 guests cost ~5 KB each less).
 */

/* The generated marina_dbus_domain_complete_*() functions only format the
 * reply; they never look at their object. */
#define NO_SKELETON NULL

static gboolean
refuse_not_running(MarinaVm *self, GDBusMethodInvocation *invocation)
{
    g_dbus_method_invocation_return_error(invocation, MARINA_ERROR, MARINA_ERROR_NOT_RUNNING,
                                          _("Guest '%s' is not running."),
                                          marina_vm_get_name(self));
    return FALSE;
}

static gboolean
require_active(MarinaVm *self, GDBusMethodInvocation *invocation)
{
    return KLASS(self)->is_controllable(self) || refuse_not_running(self, invocation);
}

/* A console needs the guest's process, not its control channel: right after a daemon restart,
 * while QMP is still re-attaching, the serial relay and QEMU's VNC socket already answer. */
static gboolean
require_process(MarinaVm *self, GDBusMethodInvocation *invocation)
{
    return marina_vm_is_active(self) || refuse_not_running(self, invocation);
}

/* Finish any of our boolean GTasks into a D-Bus reply. */
static void
reply_task(GObject *source, GAsyncResult *result, gpointer data)
{
    g_autoptr(GDBusMethodInvocation) invocation = data;
    GError *error = NULL;

    if (g_task_propagate_boolean(G_TASK(result), &error))
        g_dbus_method_invocation_return_value(invocation, NULL);
    else
        g_dbus_method_invocation_take_error(invocation, error);
}

/* @error is read only here, after @ok was computed: the order in which a
 * call's arguments are evaluated is unspecified in C. */
static void
reply_done(GDBusMethodInvocation *invocation, gboolean ok, GError **error)
{
    if (ok)
        g_dbus_method_invocation_return_value(invocation, NULL);
    else
        g_dbus_method_invocation_take_error(invocation, g_steal_pointer(error));
}

static void
handle_start(MarinaVm *self, GDBusMethodInvocation *invocation, GVariant *params)
{
    guint flags;

    g_variant_get(params, "(u)", &flags);
    /* Only the flags a client may ask for (not MARINA_VM_START_INCOMING). */
    flags &= MARINA_VM_START_PAUSED | MARINA_VM_START_FORCE_BOOT;
    if (marina_access_check_writable(invocation))
        marina_vm_start_async(self, flags, NULL, reply_task, g_object_ref(invocation));
}

static void
handle_start_install(MarinaVm *self, GDBusMethodInvocation *invocation, GVariant *params)
{
    g_autoptr(GVariant) options = NULL;
    guint flags;

    g_variant_get(params, "(@a{sv}u)", &options, &flags);
    marina_vm_handle_start_install(self, invocation, options, flags);
}

static void
handle_shutdown(MarinaVm *self, GDBusMethodInvocation *invocation, GVariant *params)
{
    guint timeout;

    g_variant_get(params, "(u)", &timeout);
    if (marina_access_check_writable(invocation))
        marina_vm_shutdown_async(self, timeout, reply_task, g_object_ref(invocation));
}

typedef void (*ActionFunc)(MarinaVm *self, GAsyncReadyCallback callback, gpointer user_data);

static void
writable_action(MarinaVm *self, GDBusMethodInvocation *invocation, ActionFunc action)
{
    if (marina_access_check_writable(invocation))
        action(self, reply_task, g_object_ref(invocation));
}

static void
handle_destroy(MarinaVm *self, GDBusMethodInvocation *invocation, GVariant *params)
{
    writable_action(self, invocation, marina_vm_destroy_async);
}

static void
handle_reboot(MarinaVm *self, GDBusMethodInvocation *invocation, GVariant *params)
{
    writable_action(self, invocation, marina_vm_reboot_async);
}

static void
handle_reset(MarinaVm *self, GDBusMethodInvocation *invocation, GVariant *params)
{
    writable_action(self, invocation, marina_vm_reset_async);
}

static void
handle_suspend(MarinaVm *self, GDBusMethodInvocation *invocation, GVariant *params)
{
    writable_action(self, invocation, marina_vm_suspend_async);
}

static void
handle_resume(MarinaVm *self, GDBusMethodInvocation *invocation, GVariant *params)
{
    writable_action(self, invocation, marina_vm_resume_async);
}

static void
handle_managed_save(MarinaVm *self, GDBusMethodInvocation *invocation, GVariant *params)
{
    writable_action(self, invocation, marina_vm_managed_save_async);
}

static void
handle_save(MarinaVm *self, GDBusMethodInvocation *invocation, GVariant *params)
{
    const char *file;

    g_variant_get(params, "(&s)", &file);
    if (marina_access_check_writable(invocation))
        marina_vm_save_async(self, file, reply_task, g_object_ref(invocation));
}

static void
handle_managed_save_remove(MarinaVm *self, GDBusMethodInvocation *invocation, GVariant *params)
{
    GError *error = NULL;

    if (marina_access_check_writable(invocation))
        reply_done(invocation, marina_vm_remove_managed_save(self, &error), &error);
}

static void
handle_rename(MarinaVm *self, GDBusMethodInvocation *invocation, GVariant *params)
{
    GError *error = NULL;
    const char *name;

    g_variant_get(params, "(&s)", &name);
    if (marina_access_check_writable(invocation))
        reply_done(invocation, marina_vm_rename(self, name, &error), &error);
}

static void
handle_undefine(MarinaVm *self, GDBusMethodInvocation *invocation, GVariant *params)
{
    GError *error = NULL;
    guint flags;

    g_variant_get(params, "(u)", &flags);
    if (marina_access_check_writable(invocation))
        reply_done(invocation, marina_vm_undefine(self, flags, &error), &error);
}

static void
handle_get_xml(MarinaVm *self, GDBusMethodInvocation *invocation, GVariant *params)
{
    const MarinaDomainConfig *c;
    g_autofree char *xml = NULL;
    guint flags;

    g_variant_get(params, "(u)", &flags);
    c = (flags & 1) && PRIV(self)->persistent ? PRIV(self)->def : marina_vm_get_config(self);
    xml = marina_domain_config_to_xml(c);
    marina_dbus_domain_complete_get_xml(NO_SKELETON, invocation, xml);
}

static void
handle_get_info(MarinaVm *self, GDBusMethodInvocation *invocation, GVariant *params)
{
    MarinaVmPrivate *p = PRIV(self);
    const MarinaDomainConfig *c = marina_vm_get_config(self);
    GVariantDict d;

    g_variant_dict_init(&d, NULL);
    g_variant_dict_insert(&d, "state", "u", p->state);
    g_variant_dict_insert(&d, "reason", "u", p->reason);
    g_variant_dict_insert(&d, "max-memory-kib", "t", c->memory_kib);
    g_variant_dict_insert(&d, "memory-kib", "t", c->current_memory_kib);
    g_variant_dict_insert(&d, "vcpus", "u", c->current_vcpus);
    g_variant_dict_insert(&d, "cpu-time-ns", "t", (guint64)0);
    g_variant_dict_insert(&d, "persistent", "b", p->persistent);
    g_variant_dict_insert(&d, "autostart", "b", p->autostart);
    g_variant_dict_insert(&d, "managed-save", "b", p->has_managed_save);
    g_variant_dict_insert(&d, "id", "i", p->id);
    g_variant_dict_insert(&d, "os-type", "s", c->os_type ? c->os_type : "hvm");
    g_variant_dict_insert(&d, "title", "s", c->title ? c->title : "");
    if (marina_vm_is_active(self) && KLASS(self)->add_info != NULL)
        KLASS(self)->add_info(self, &d);
    marina_dbus_domain_complete_get_info(NO_SKELETON, invocation, g_variant_dict_end(&d));
}

static void
handle_set_autostart(MarinaVm *self, GDBusMethodInvocation *invocation, GVariant *params)
{
    GError *error = NULL;
    gboolean on;

    g_variant_get(params, "(b)", &on);
    if (marina_access_check_writable(invocation))
        reply_done(invocation, marina_vm_set_autostart(self, on, &error), &error);
}

gboolean
marina_vm_check_serial_index(MarinaVm *self, GDBusMethodInvocation *invocation, guint index,
                             guint count)
{
    if (index < count)
        return TRUE;
    g_dbus_method_invocation_return_error(invocation, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                                          _("Guest '%s' has no serial console %u (it has %u)."),
                                          marina_vm_get_name(self), index, count);
    return FALSE;
}

void
marina_vm_complete_open_serial(MarinaVm *self, GDBusMethodInvocation *invocation, int fd,
                               GBytes *scrollback, GError *error)
{
    g_autoptr(GUnixFDList) fds = NULL;

    if (fd < 0) {
        g_dbus_method_invocation_take_error(invocation, error);
        return;
    }
    fds = g_unix_fd_list_new();
    /* The list holds its own duplicate; ours is closed once it is queued. */
    g_unix_fd_list_append(fds, fd, NULL);
    close(fd);
    marina_dbus_domain_complete_open_serial(
        NO_SKELETON, invocation, fds, g_variant_new_handle(0),
        g_variant_new_from_bytes(G_VARIANT_TYPE_BYTESTRING, scrollback, TRUE));
}

/* Consoles travel as file descriptors; a client behind ssh (the
 * --connect-stdio bridge) has no way to receive one (Marina's clients open
 * remote consoles through `marinad --connect-channel` instead). Say so at
 * once rather than let the reply fail to send and the client wait for its
 * timeout. */
static gboolean
require_fd_passing(MarinaVm *self, GDBusMethodInvocation *invocation)
{
    GDBusConnection *conn = g_dbus_method_invocation_get_connection(invocation);

    if (g_dbus_connection_get_capabilities(conn) & G_DBUS_CAPABILITY_FLAGS_UNIX_FD_PASSING)
        return TRUE;
    g_dbus_method_invocation_return_error(
        invocation, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
        _("The console of guest '%s' cannot be opened over this connection: it does not pass "
          "file descriptors. Over SSH, open it with marinad --connect-channel on that host."),
        marina_vm_get_name(self));
    return FALSE;
}

static void
handle_open_serial(MarinaVm *self, GDBusMethodInvocation *invocation, GVariant *params)
{
    guint index;

    g_variant_get(params, "(u)", &index);
    if (!marina_access_check_writable(invocation) || !require_process(self, invocation) ||
        !require_fd_passing(self, invocation))
        return;
    KLASS(self)->open_serial(self, index, invocation);
}

static void
handle_open_graphics(MarinaVm *self, GDBusMethodInvocation *invocation, GVariant *params)
{
    if (!marina_access_check_writable(invocation) || !require_process(self, invocation) ||
        !require_fd_passing(self, invocation))
        return;
    KLASS(self)->open_graphics(self, invocation);
}

static void
handle_screenshot(MarinaVm *self, GDBusMethodInvocation *invocation, GVariant *params)
{
    if (!require_active(self, invocation))
        return;
    KLASS(self)->screenshot(self, invocation);
}

/* ---------------------------------------------------------------------- */
/* One vtable for every guest                                              */

typedef void (*MethodFunc)(MarinaVm *self, GDBusMethodInvocation *invocation, GVariant *params);

/* GDBus has checked the arguments against the interface before a call gets
 * here: each handler unpacks its own. */
static const struct {
    const char *name;
    MethodFunc handler;
} methods[] = {
    {"Start", handle_start},
    {"StartInstall", handle_start_install},
    {"Shutdown", handle_shutdown},
    {"Destroy", handle_destroy},
    {"Reboot", handle_reboot},
    {"Reset", handle_reset},
    {"Suspend", handle_suspend},
    {"Resume", handle_resume},
    {"Save", handle_save},
    {"ManagedSave", handle_managed_save},
    {"ManagedSaveRemove", handle_managed_save_remove},
    {"Undefine", handle_undefine},
    {"Rename", handle_rename},
    {"GetXML", handle_get_xml},
    {"GetInfo", handle_get_info},
    {"SetAutostart", handle_set_autostart},
    {"OpenSerial", handle_open_serial},
    {"OpenGraphics", handle_open_graphics},
    {"Screenshot", handle_screenshot},
    {"SetMemory", marina_vm_handle_set_memory},
    {"SetVcpus", marina_vm_handle_set_vcpus},
    {"PinVcpu", marina_vm_handle_pin_vcpu},
    {"GetVcpuInfo", marina_vm_handle_get_vcpu_info},
    {"GetInterfaceAddresses", marina_vm_handle_get_interface_addresses},
    {"AttachDevice", marina_vm_handle_attach_device},
    {"DetachDevice", marina_vm_handle_detach_device},
    {"UpdateDevice", marina_vm_handle_update_device},
    {"ResizeDisk", marina_vm_handle_resize_disk},
};

/* Migration needs more than one guest knows (other hosts, jobs, storage):
 * the layer daemon.c handed down answers. */
static const char *const migration_methods[] = {
    "MigrateBegin",          "MigratePerform",  "MigrateConfirm",       "GetJobInfo", "AbortJob",
    "MigrateSetMaxDowntime", "MigrateSetSpeed", "MigrateStartPostcopy", NULL,
};

static void
handle_migration(MarinaVm *self, const char *method, GDBusMethodInvocation *invocation,
                 GVariant *params)
{
    MarinaVmContext *ctx = &PRIV(self)->ctx;

    /* Every one changes something but reading a job's figures. */
    if (!g_str_equal(method, "GetJobInfo") && !marina_access_check_writable(invocation))
        return;
    if (ctx->migration_method != NULL) {
        ctx->migration_method(self, method, params, invocation, ctx->migration_data);
        return;
    }
    g_dbus_method_invocation_return_error(invocation, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
                                          _("Guest '%s' cannot be migrated by this daemon."),
                                          marina_vm_get_name(self));
}

static void
on_method_call(GDBusConnection *connection, const char *sender, const char *path,
               const char *interface_name, const char *method_name, GVariant *params,
               GDBusMethodInvocation *invocation, gpointer user_data)
{
    if (g_strv_contains(migration_methods, method_name)) {
        handle_migration(MARINA_VM(user_data), method_name, invocation, params);
        return;
    }
    for (guint i = 0; i < G_N_ELEMENTS(methods); i++) {
        if (g_str_equal(method_name, methods[i].name)) {
            methods[i].handler(MARINA_VM(user_data), invocation, params);
            return;
        }
    }
    g_dbus_method_invocation_return_error(invocation, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD,
                                          "Method %s is not implemented on interface %s",
                                          method_name, interface_name);
}

/* The properties, in the order of the interface description. */
static GVariant *
property_value(MarinaVm *self, const char *name)
{
    MarinaVmPrivate *p = PRIV(self);
    const MarinaDomainConfig *c = marina_vm_get_config(self);

    if (g_str_equal(name, "Name"))
        return g_variant_new_string(c->name);
    if (g_str_equal(name, "UUID"))
        return g_variant_new_string(c->uuid);
    if (g_str_equal(name, "Id"))
        return g_variant_new_int32(p->id);
    if (g_str_equal(name, "State"))
        return g_variant_new_uint32(p->state);
    if (g_str_equal(name, "StateReason"))
        return g_variant_new_uint32(p->reason);
    if (g_str_equal(name, "Persistent"))
        return g_variant_new_boolean(p->persistent);
    if (g_str_equal(name, "Autostart"))
        return g_variant_new_boolean(p->autostart);
    if (g_str_equal(name, "Title"))
        return g_variant_new_string(c->title ? c->title : "");
    if (g_str_equal(name, "HasManagedSave"))
        return g_variant_new_boolean(p->has_managed_save);
    if (g_str_equal(name, "Installing"))
        return g_variant_new_boolean(p->installing);
    return NULL;
}

static GVariant *
on_get_property(GDBusConnection *connection, const char *sender, const char *path,
                const char *interface_name, const char *property_name, GError **error,
                gpointer user_data)
{
    GVariant *value = property_value(MARINA_VM(user_data), property_name);

    if (value == NULL)
        g_set_error(error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS, "No property with name %s",
                    property_name);
    return value;
}

static const GDBusInterfaceVTable vtable = {
    .method_call = on_method_call,
    .get_property = on_get_property,
};

const GDBusInterfaceVTable *
marina_vm_get_dbus_vtable(void)
{
    return &vtable;
}

GVariant *
marina_vm_get_dbus_properties(MarinaVm *self)
{
    GDBusInterfaceInfo *info = marina_dbus_domain_interface_info();
    GVariantBuilder builder;

    g_variant_builder_init(&builder, G_VARIANT_TYPE_VARDICT);
    for (guint i = 0; info->properties[i] != NULL; i++) {
        const char *name = info->properties[i]->name;
        g_variant_builder_add(&builder, "{sv}", name, property_value(self, name));
    }
    return g_variant_builder_end(&builder);
}
