#define G_LOG_DOMAIN "marinad-vm"

#include "config.h"

#include <gio/gunixfdlist.h>
#include <glib/gi18n.h>
#include <unistd.h>

#include "access.h"
#include "core/error.h"
#include "vm-private.h"

/*
 * The org.marinavm.Marina1.Domain methods of a guest: each checks who calls,
 * then hands the call to the guest's actions (vm.c, vm-actions.c) or its
 * driver and turns the outcome into the reply.
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

static void
reply_done(GDBusMethodInvocation *invocation, gboolean ok, GError *error)
{
    if (ok)
        g_dbus_method_invocation_return_value(invocation, NULL);
    else
        g_dbus_method_invocation_take_error(invocation, error);
}

static gboolean
handle_start(MarinaDBusDomain *skel, GDBusMethodInvocation *invocation, guint flags, MarinaVm *self)
{
    if (marina_access_check_writable(invocation))
        marina_vm_start_async(self, flags, NULL, reply_task, g_object_ref(invocation));
    return TRUE;
}

static gboolean
handle_shutdown(MarinaDBusDomain *skel, GDBusMethodInvocation *invocation, guint timeout,
                MarinaVm *self)
{
    if (marina_access_check_writable(invocation))
        marina_vm_shutdown_async(self, timeout, reply_task, g_object_ref(invocation));
    return TRUE;
}

static gboolean
handle_destroy(MarinaDBusDomain *skel, GDBusMethodInvocation *invocation, MarinaVm *self)
{
    if (marina_access_check_writable(invocation))
        marina_vm_destroy_async(self, reply_task, g_object_ref(invocation));
    return TRUE;
}

typedef void (*ActionFunc)(MarinaVm *self, GAsyncReadyCallback callback, gpointer user_data);

static gboolean
writable_action(MarinaVm *self, GDBusMethodInvocation *invocation, ActionFunc action)
{
    if (marina_access_check_writable(invocation))
        action(self, reply_task, g_object_ref(invocation));
    return TRUE;
}

static gboolean
handle_reboot(MarinaDBusDomain *skel, GDBusMethodInvocation *invocation, MarinaVm *self)
{
    return writable_action(self, invocation, marina_vm_reboot_async);
}

static gboolean
handle_reset(MarinaDBusDomain *skel, GDBusMethodInvocation *invocation, MarinaVm *self)
{
    return writable_action(self, invocation, marina_vm_reset_async);
}

static gboolean
handle_suspend(MarinaDBusDomain *skel, GDBusMethodInvocation *invocation, MarinaVm *self)
{
    return writable_action(self, invocation, marina_vm_suspend_async);
}

static gboolean
handle_resume(MarinaDBusDomain *skel, GDBusMethodInvocation *invocation, MarinaVm *self)
{
    return writable_action(self, invocation, marina_vm_resume_async);
}

static gboolean
handle_managed_save(MarinaDBusDomain *skel, GDBusMethodInvocation *invocation, MarinaVm *self)
{
    return writable_action(self, invocation, marina_vm_managed_save_async);
}

static gboolean
handle_save(MarinaDBusDomain *skel, GDBusMethodInvocation *invocation, const char *file,
            MarinaVm *self)
{
    if (marina_access_check_writable(invocation))
        marina_vm_save_async(self, file, reply_task, g_object_ref(invocation));
    return TRUE;
}

static gboolean
handle_managed_save_remove(MarinaDBusDomain *skel, GDBusMethodInvocation *invocation,
                           MarinaVm *self)
{
    GError *error = NULL;

    if (marina_access_check_writable(invocation))
        reply_done(invocation, marina_vm_remove_managed_save(self, &error), error);
    return TRUE;
}

static gboolean
handle_undefine(MarinaDBusDomain *skel, GDBusMethodInvocation *invocation, guint flags,
                MarinaVm *self)
{
    GError *error = NULL;

    if (marina_access_check_writable(invocation))
        reply_done(invocation, marina_vm_undefine(self, flags, &error), error);
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

    if (marina_access_check_writable(invocation))
        reply_done(invocation, marina_vm_set_autostart(self, on, &error), error);
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
