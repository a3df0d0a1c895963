#define G_LOG_DOMAIN "marinad-vm"

#include "config.h"

#include <gio/gunixfdlist.h>
#include <glib/gi18n.h>
#include <unistd.h>

#include "access.h"
#include "core/error.h"
#include "vm-private.h"

/*
 * The org.marinavm.Marina1.Domain methods of a guest: each checks who calls
 * and what state the guest is in, then hands the action to the driver and
 * turns its GTask into the reply.
 */

static gboolean
require_active(MarinaVm *self, GDBusMethodInvocation *invocation)
{
    if (KLASS(self)->is_controllable(self))
        return TRUE;
    g_dbus_method_invocation_return_error(invocation, MARINA_ERROR, MARINA_ERROR_NOT_RUNNING,
                                          _("Guest '%s' is not running."),
                                          marina_vm_get_name(self));
    return FALSE;
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

static GTask *
reply_task_new(MarinaVm *self, GDBusMethodInvocation *invocation)
{
    return g_task_new(self, NULL, reply_task, g_object_ref(invocation));
}

static gboolean
handle_start(MarinaDBusDomain *skel, GDBusMethodInvocation *invocation, guint flags, MarinaVm *self)
{
    if (!marina_access_check_writable(invocation))
        return TRUE;
    marina_vm_start_async(self, flags, NULL, reply_task, g_object_ref(invocation));
    return TRUE;
}

static gboolean
on_shutdown_timeout(gpointer data)
{
    GTask *task = data; /* the timeout source holds a reference */
    MarinaVm *self = g_task_get_source_object(task);

    if (marina_vm_remove_stop_waiter(self, task))
        g_task_return_new_error(task, MARINA_ERROR, MARINA_ERROR_TIMEOUT,
                                _("Guest '%s' did not shut down within %u seconds. It may ignore "
                                  "the ACPI power button; use Destroy (Force Off) to stop it."),
                                marina_vm_get_name(self),
                                GPOINTER_TO_UINT(g_task_get_task_data(task)));
    return G_SOURCE_REMOVE;
}

/* The power-off request failed: the waiter answers with that error. */
static void
on_shutdown_requested(GObject *source, GAsyncResult *result, gpointer data)
{
    g_autoptr(GTask) waiter = data;
    MarinaVm *self = MARINA_VM(source);
    GError *error = NULL;

    if (g_task_propagate_boolean(G_TASK(result), &error))
        return; /* the stop (or the timeout) answers */
    if (marina_vm_remove_stop_waiter(self, waiter))
        g_task_return_error(waiter, error);
    else
        g_error_free(error);
}

static gboolean
handle_shutdown(MarinaDBusDomain *skel, GDBusMethodInvocation *invocation, guint timeout,
                MarinaVm *self)
{
    g_autoptr(GTask) waiter = NULL;

    if (!marina_access_check_writable(invocation) || !require_active(self, invocation))
        return TRUE;
    if (PRIV(self)->state == MARINA_DOMAIN_PAUSED) {
        g_dbus_method_invocation_return_error(
            invocation, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
            _("Guest '%s' is paused and cannot react to the power button. Resume it first, or "
              "use Destroy (Force Off)."),
            marina_vm_get_name(self));
        return TRUE;
    }
    if (timeout == 0) {
        KLASS(self)->shutdown(self, reply_task_new(self, invocation));
        return TRUE;
    }
    waiter = reply_task_new(self, invocation);
    g_task_set_task_data(waiter, GUINT_TO_POINTER(timeout), NULL);
    marina_vm_add_stop_waiter(self, waiter);
    g_timeout_add_seconds_full(G_PRIORITY_DEFAULT, timeout, on_shutdown_timeout,
                               g_object_ref(waiter), g_object_unref);
    KLASS(self)->shutdown(self,
                          g_task_new(self, NULL, on_shutdown_requested, g_object_ref(waiter)));
    return TRUE;
}

static gboolean
handle_destroy(MarinaDBusDomain *skel, GDBusMethodInvocation *invocation, MarinaVm *self)
{
    g_autoptr(GTask) task = NULL;

    if (!marina_access_check_writable(invocation))
        return TRUE;
    if (!marina_vm_is_active(self)) {
        g_dbus_method_invocation_return_error(invocation, MARINA_ERROR, MARINA_ERROR_NOT_RUNNING,
                                              _("Guest '%s' is not running."),
                                              marina_vm_get_name(self));
        return TRUE;
    }
    task = reply_task_new(self, invocation);
    marina_vm_add_stop_waiter(self, task);
    KLASS(self)->destroy(self);
    return TRUE;
}

typedef void (*ActionFunc)(MarinaVm *self, GTask *task);

static gboolean
simple_action(MarinaVm *self, GDBusMethodInvocation *invocation, ActionFunc action)
{
    if (!marina_access_check_writable(invocation) || !require_active(self, invocation))
        return TRUE;
    action(self, reply_task_new(self, invocation));
    return TRUE;
}

static gboolean
handle_reboot(MarinaDBusDomain *skel, GDBusMethodInvocation *invocation, MarinaVm *self)
{
    return simple_action(self, invocation, KLASS(self)->reboot);
}

static gboolean
handle_reset(MarinaDBusDomain *skel, GDBusMethodInvocation *invocation, MarinaVm *self)
{
    return simple_action(self, invocation, KLASS(self)->reset);
}

static gboolean
handle_suspend(MarinaDBusDomain *skel, GDBusMethodInvocation *invocation, MarinaVm *self)
{
    if (PRIV(self)->state == MARINA_DOMAIN_PAUSED && KLASS(self)->is_controllable(self)) {
        g_dbus_method_invocation_return_error(
            invocation, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
            _("Guest '%s' is already paused."), marina_vm_get_name(self));
        return TRUE;
    }
    return simple_action(self, invocation, KLASS(self)->suspend);
}

static gboolean
handle_resume(MarinaDBusDomain *skel, GDBusMethodInvocation *invocation, MarinaVm *self)
{
    if (PRIV(self)->state == MARINA_DOMAIN_RUNNING) {
        g_dbus_method_invocation_return_error(
            invocation, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED, _("Guest '%s' is not paused."),
            marina_vm_get_name(self));
        return TRUE;
    }
    return simple_action(self, invocation, KLASS(self)->resume);
}

/* @file NULL: the managed save. */
static void
vm_save_async(MarinaVm *self, const char *file, GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task = g_task_new(self, NULL, callback, user_data);
    MarinaDomainState state = PRIV(self)->state;

    if (!KLASS(self)->is_controllable(self) ||
        (state != MARINA_DOMAIN_RUNNING && state != MARINA_DOMAIN_PAUSED)) {
        g_task_return_new_error(task, MARINA_ERROR, MARINA_ERROR_NOT_RUNNING,
                                _("Guest '%s' is not running, so there is nothing to save."),
                                marina_vm_get_name(self));
        g_object_unref(task);
        return;
    }
    if (file != NULL && !g_path_is_absolute(file)) {
        g_task_return_new_error(task, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                                _("The save file '%s' must be an absolute path."), file);
        g_object_unref(task);
        return;
    }
    KLASS(self)->save(self, file, task);
}

static gboolean
handle_save(MarinaDBusDomain *skel, GDBusMethodInvocation *invocation, const char *file,
            MarinaVm *self)
{
    if (!marina_access_check_writable(invocation))
        return TRUE;
    vm_save_async(self, file, reply_task, g_object_ref(invocation));
    return TRUE;
}

static void
on_managed_save_done(GObject *source, GAsyncResult *result, gpointer data)
{
    g_autoptr(GDBusMethodInvocation) invocation = data;
    GError *error = NULL;

    marina_vm_load_flags(MARINA_VM(source));
    if (g_task_propagate_boolean(G_TASK(result), &error))
        g_dbus_method_invocation_return_value(invocation, NULL);
    else
        g_dbus_method_invocation_take_error(invocation, error);
}

static gboolean
handle_managed_save(MarinaDBusDomain *skel, GDBusMethodInvocation *invocation, MarinaVm *self)
{
    if (!marina_access_check_writable(invocation))
        return TRUE;
    if (!PRIV(self)->persistent) {
        g_dbus_method_invocation_return_error(
            invocation, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
            _("Guest '%s' is transient; a managed save needs a defined guest. Use Save to a "
              "file instead."),
            marina_vm_get_name(self));
        return TRUE;
    }
    vm_save_async(self, NULL, on_managed_save_done, g_object_ref(invocation));
    return TRUE;
}

static gboolean
handle_managed_save_remove(MarinaDBusDomain *skel, GDBusMethodInvocation *invocation,
                           MarinaVm *self)
{
    if (!marina_access_check_writable(invocation))
        return TRUE;
    if (!PRIV(self)->has_managed_save) {
        g_dbus_method_invocation_return_error(
            invocation, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
            _("Guest '%s' has no managed save image."), marina_vm_get_name(self));
        return TRUE;
    }
    KLASS(self)->discard_managed_save(self);
    marina_vm_load_flags(self);
    if (!marina_vm_is_active(self))
        marina_vm_set_state(self, MARINA_DOMAIN_SHUTOFF, MARINA_SHUTOFF_UNKNOWN, NULL, NULL);
    g_dbus_method_invocation_return_value(invocation, NULL);
    return TRUE;
}

static gboolean
handle_undefine(MarinaDBusDomain *skel, GDBusMethodInvocation *invocation, guint flags,
                MarinaVm *self)
{
    MarinaVmPrivate *p = PRIV(self);
    g_autoptr(MarinaVm) keep = g_object_ref(self);
    GError *error = NULL;

    if (!marina_access_check_writable(invocation))
        return TRUE;
    if (!p->persistent) {
        g_dbus_method_invocation_return_error(invocation, MARINA_ERROR,
                                              MARINA_ERROR_INVALID_ARGUMENT,
                                              _("Guest '%s' is transient: it is not defined. "
                                                "Use Destroy to stop it."),
                                              marina_vm_get_name(self));
        return TRUE;
    }
    if (p->install != NULL) {
        g_dbus_method_invocation_return_error(
            invocation, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
            _("Guest '%s' is being prepared for its installation. Cancel the job first."),
            marina_vm_get_name(self));
        return TRUE;
    }
    if (p->has_managed_save && !(flags & 1)) {
        g_dbus_method_invocation_return_error(
            invocation, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
            _("Guest '%s' has a managed save image. Remove it first (managedsave-remove) or "
              "undefine with --managed-save."),
            marina_vm_get_name(self));
        return TRUE;
    }
    if (!KLASS(self)->forget_definition(self, &error)) {
        g_dbus_method_invocation_take_error(invocation, error);
        return TRUE;
    }
    if (p->has_managed_save)
        KLASS(self)->discard_managed_save(self);
    p->persistent = FALSE;
    p->autostart = FALSE;
    p->has_managed_save = FALSE;
    marina_vm_sync_skeleton(self);
    marina_vm_notify_state_changed(self);
    marina_vm_emit_event(self, "undefined", "removed");
    /* A running guest stays, now transient, until it stops. */
    if (!marina_vm_is_active(self))
        marina_vm_registry_remove(p->ctx.registry, self);
    g_dbus_method_invocation_return_value(invocation, NULL);
    return TRUE;
}

static gboolean
handle_get_xml(MarinaDBusDomain *skel, GDBusMethodInvocation *invocation, guint flags,
               MarinaVm *self)
{
    const MarinaDomainConfig *c =
        (flags & 1) && PRIV(self)->persistent ? PRIV(self)->def : marina_vm_get_config(self);
    g_autofree char *xml = marina_domain_config_to_xml(c);

    marina_dbus_domain_complete_get_xml(skel, invocation, xml);
    return TRUE;
}

static gboolean
handle_get_info(MarinaDBusDomain *skel, GDBusMethodInvocation *invocation, MarinaVm *self)
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
    marina_dbus_domain_complete_get_info(skel, invocation, g_variant_dict_end(&d));
    return TRUE;
}

static gboolean
handle_set_autostart(MarinaDBusDomain *skel, GDBusMethodInvocation *invocation, gboolean on,
                     MarinaVm *self)
{
    GError *error = NULL;

    if (!marina_access_check_writable(invocation))
        return TRUE;
    if (!PRIV(self)->persistent) {
        g_dbus_method_invocation_return_error(invocation, MARINA_ERROR,
                                              MARINA_ERROR_INVALID_ARGUMENT,
                                              _("Guest '%s' is transient; only defined guests "
                                                "can start with the host."),
                                              marina_vm_get_name(self));
        return TRUE;
    }
    if (!KLASS(self)->store_autostart(self, on, &error)) {
        g_dbus_method_invocation_take_error(invocation, error);
        return TRUE;
    }
    PRIV(self)->autostart = on;
    marina_vm_sync_skeleton(self);
    g_dbus_method_invocation_return_value(invocation, NULL);
    return TRUE;
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
        marina_vm_get_skeleton(self), invocation, fds, g_variant_new_handle(0),
        g_variant_new_from_bytes(G_VARIANT_TYPE_BYTESTRING, scrollback, TRUE));
}

/* Consoles travel as file descriptors; a client behind ssh (the
 * --connect-stdio bridge) has no way to receive one. Say so at once rather
 * than let the reply fail to send and the client wait for its timeout. */
static gboolean
require_fd_passing(MarinaVm *self, GDBusMethodInvocation *invocation)
{
    GDBusConnection *conn = g_dbus_method_invocation_get_connection(invocation);

    if (g_dbus_connection_get_capabilities(conn) & G_DBUS_CAPABILITY_FLAGS_UNIX_FD_PASSING)
        return TRUE;
    g_dbus_method_invocation_return_error(
        invocation, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
        _("The console of guest '%s' cannot be opened over this connection: consoles of a "
          "remote host over SSH are not available yet. Open it on the host itself."),
        marina_vm_get_name(self));
    return FALSE;
}

static gboolean
handle_open_serial(MarinaDBusDomain *skel, GDBusMethodInvocation *invocation, GUnixFDList *in_fds,
                   guint index, MarinaVm *self)
{
    if (!marina_access_check_writable(invocation) || !require_active(self, invocation) ||
        !require_fd_passing(self, invocation))
        return TRUE;
    KLASS(self)->open_serial(self, index, invocation);
    return TRUE;
}

static gboolean
handle_open_graphics(MarinaDBusDomain *skel, GDBusMethodInvocation *invocation, GUnixFDList *in_fds,
                     MarinaVm *self)
{
    if (!marina_access_check_writable(invocation) || !require_active(self, invocation) ||
        !require_fd_passing(self, invocation))
        return TRUE;
    KLASS(self)->open_graphics(self, invocation);
    return TRUE;
}

static gboolean
handle_screenshot(MarinaDBusDomain *skel, GDBusMethodInvocation *invocation, MarinaVm *self)
{
    if (!require_active(self, invocation))
        return TRUE;
    KLASS(self)->screenshot(self, invocation);
    return TRUE;
}

void
marina_vm_setup_skeleton(MarinaVm *self)
{
    static const struct {
        const char *signal;
        GCallback handler;
    } handlers[] = {
        {"handle-start", G_CALLBACK(handle_start)},
        {"handle-start-install", G_CALLBACK(marina_vm_handle_start_install)},
        {"handle-shutdown", G_CALLBACK(handle_shutdown)},
        {"handle-destroy", G_CALLBACK(handle_destroy)},
        {"handle-reboot", G_CALLBACK(handle_reboot)},
        {"handle-reset", G_CALLBACK(handle_reset)},
        {"handle-suspend", G_CALLBACK(handle_suspend)},
        {"handle-resume", G_CALLBACK(handle_resume)},
        {"handle-save", G_CALLBACK(handle_save)},
        {"handle-managed-save", G_CALLBACK(handle_managed_save)},
        {"handle-managed-save-remove", G_CALLBACK(handle_managed_save_remove)},
        {"handle-undefine", G_CALLBACK(handle_undefine)},
        {"handle-get-xml", G_CALLBACK(handle_get_xml)},
        {"handle-get-info", G_CALLBACK(handle_get_info)},
        {"handle-set-autostart", G_CALLBACK(handle_set_autostart)},
        {"handle-open-serial", G_CALLBACK(handle_open_serial)},
        {"handle-open-graphics", G_CALLBACK(handle_open_graphics)},
        {"handle-screenshot", G_CALLBACK(handle_screenshot)},
    };
    MarinaVmPrivate *p = PRIV(self);

    p->skeleton = marina_dbus_domain_skeleton_new();
    for (guint i = 0; i < G_N_ELEMENTS(handlers); i++)
        g_signal_connect(p->skeleton, handlers[i].signal, handlers[i].handler, self);
}
