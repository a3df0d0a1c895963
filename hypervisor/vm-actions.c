#define G_LOG_DOMAIN "marinad-vm"

#include "config.h"

#include <glib/gi18n.h>

#include "core/error.h"
#include "vm-private.h"

/*
 * The lifecycle actions of a guest after it started: each checks the state
 * it needs (refusing with a MARINA_ERROR that names the guest), then hands
 * the action to the driver. vm-methods.c answers D-Bus calls with them;
 * unit tests call them directly.
 */

static GTask *
refuse(MarinaVm *self, GAsyncReadyCallback callback, gpointer user_data, GError *error)
{
    GTask *task = g_task_new(self, NULL, callback, user_data);

    g_task_return_error(task, error);
    g_object_unref(task);
    return NULL;
}

static GError *
not_running(MarinaVm *self)
{
    return g_error_new(MARINA_ERROR, MARINA_ERROR_NOT_RUNNING, _("Guest '%s' is not running."),
                       marina_vm_get_name(self));
}

/* A task for an action that needs a guest ready for control, or NULL (and
 * the callback told why) when it is not. */
static GTask *
controllable_task(MarinaVm *self, GAsyncReadyCallback callback, gpointer user_data)
{
    if (!KLASS(self)->is_controllable(self))
        return refuse(self, callback, user_data, not_running(self));
    return g_task_new(self, NULL, callback, user_data);
}

gboolean
marina_vm_action_finish(MarinaVm *self, GAsyncResult *result, GError **error)
{
    g_return_val_if_fail(g_task_is_valid(result, self), FALSE);
    return g_task_propagate_boolean(G_TASK(result), error);
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

static void
on_shutdown_answered(GTask *waiter, GParamSpec *pspec, gpointer timer)
{
    /* Gone already when the timer itself answered. */
    GSource *source = g_main_context_find_source_by_id(NULL, GPOINTER_TO_UINT(timer));

    if (source != NULL)
        g_source_destroy(source);
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

void
marina_vm_shutdown_async(MarinaVm *self, guint timeout_s, GAsyncReadyCallback callback,
                         gpointer user_data)
{
    GTask *waiter;
    guint timer;

    if (!KLASS(self)->is_controllable(self)) {
        refuse(self, callback, user_data, not_running(self));
        return;
    }
    if (PRIV(self)->state == MARINA_DOMAIN_PAUSED) {
        refuse(self, callback, user_data,
               g_error_new(MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                           _("Guest '%s' is paused and cannot react to the power button. Resume "
                             "it first, or use Destroy (Force Off)."),
                           marina_vm_get_name(self)));
        return;
    }
    waiter = g_task_new(self, NULL, callback, user_data);
    if (timeout_s == 0) {
        KLASS(self)->shutdown(self, waiter);
        return;
    }
    g_task_set_task_data(waiter, GUINT_TO_POINTER(timeout_s), NULL);
    marina_vm_add_stop_waiter(self, waiter);
    timer = g_timeout_add_seconds_full(G_PRIORITY_DEFAULT, timeout_s, on_shutdown_timeout,
                                       g_object_ref(waiter), g_object_unref);
    /* Once answered (stopped in time, or the request failed), the timer
     * must not keep the guest alive for the rest of the timeout. */
    g_signal_connect(waiter, "notify::completed", G_CALLBACK(on_shutdown_answered),
                     GUINT_TO_POINTER(timer));
    KLASS(self)->shutdown(self, g_task_new(self, NULL, on_shutdown_requested, waiter));
}

void
marina_vm_destroy_async(MarinaVm *self, GAsyncReadyCallback callback, gpointer user_data)
{
    g_autoptr(GTask) task = NULL;

    if (!marina_vm_is_active(self)) {
        refuse(self, callback, user_data, not_running(self));
        return;
    }
    task = g_task_new(self, NULL, callback, user_data);
    marina_vm_add_stop_waiter(self, task);
    KLASS(self)->destroy(self);
}

void
marina_vm_reboot_async(MarinaVm *self, GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task = controllable_task(self, callback, user_data);

    if (task != NULL)
        KLASS(self)->reboot(self, task);
}

void
marina_vm_reset_async(MarinaVm *self, GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task = controllable_task(self, callback, user_data);

    if (task != NULL)
        KLASS(self)->reset(self, task);
}

void
marina_vm_suspend_async(MarinaVm *self, GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task;

    if (PRIV(self)->state == MARINA_DOMAIN_PAUSED && KLASS(self)->is_controllable(self)) {
        refuse(self, callback, user_data,
               g_error_new(MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                           _("Guest '%s' is already paused."), marina_vm_get_name(self)));
        return;
    }
    task = controllable_task(self, callback, user_data);
    if (task != NULL)
        KLASS(self)->suspend(self, task);
}

void
marina_vm_resume_async(MarinaVm *self, GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task;

    if (PRIV(self)->state == MARINA_DOMAIN_RUNNING) {
        refuse(self, callback, user_data,
               g_error_new(MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                           _("Guest '%s' is not paused."), marina_vm_get_name(self)));
        return;
    }
    task = controllable_task(self, callback, user_data);
    if (task != NULL)
        KLASS(self)->resume(self, task);
}

void
marina_vm_save_async(MarinaVm *self, const char *file, GAsyncReadyCallback callback,
                     gpointer user_data)
{
    MarinaDomainState state = PRIV(self)->state;

    if (!KLASS(self)->is_controllable(self) ||
        (state != MARINA_DOMAIN_RUNNING && state != MARINA_DOMAIN_PAUSED)) {
        refuse(self, callback, user_data,
               g_error_new(MARINA_ERROR, MARINA_ERROR_NOT_RUNNING,
                           _("Guest '%s' is not running, so there is nothing to save."),
                           marina_vm_get_name(self)));
        return;
    }
    if (file != NULL && !g_path_is_absolute(file)) {
        refuse(self, callback, user_data,
               g_error_new(MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                           _("The save file '%s' must be an absolute path."), file));
        return;
    }
    KLASS(self)->save(self, file, g_task_new(self, NULL, callback, user_data));
}

static void
on_managed_save_done(GObject *source, GAsyncResult *result, gpointer data)
{
    g_autoptr(GTask) task = data;
    GError *error = NULL;

    marina_vm_load_flags(MARINA_VM(source));
    if (g_task_propagate_boolean(G_TASK(result), &error))
        g_task_return_boolean(task, TRUE);
    else
        g_task_return_error(task, error);
}

void
marina_vm_managed_save_async(MarinaVm *self, GAsyncReadyCallback callback, gpointer user_data)
{
    if (!PRIV(self)->persistent) {
        refuse(self, callback, user_data,
               g_error_new(MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                           _("Guest '%s' is transient; a managed save needs a defined guest. Use "
                             "Save to a file instead."),
                           marina_vm_get_name(self)));
        return;
    }
    marina_vm_save_async(self, NULL, on_managed_save_done,
                         g_task_new(self, NULL, callback, user_data));
}

gboolean
marina_vm_remove_managed_save(MarinaVm *self, GError **error)
{
    if (!PRIV(self)->has_managed_save) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("Guest '%s' has no managed save image."), marina_vm_get_name(self));
        return FALSE;
    }
    KLASS(self)->discard_managed_save(self);
    marina_vm_load_flags(self);
    if (!marina_vm_is_active(self))
        marina_vm_set_state(self, MARINA_DOMAIN_SHUTOFF, MARINA_SHUTOFF_UNKNOWN, NULL, NULL);
    return TRUE;
}

static gboolean
check_undefinable(MarinaVm *self, guint flags, GError **error)
{
    MarinaVmPrivate *p = PRIV(self);

    if (!p->persistent) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("Guest '%s' is transient: it is not defined. Use Destroy to stop it."),
                    marina_vm_get_name(self));
        return FALSE;
    }
    if (p->install != NULL) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                    _("Guest '%s' is being prepared for its installation. Cancel the job first."),
                    marina_vm_get_name(self));
        return FALSE;
    }
    if (p->has_managed_save && !(flags & MARINA_VM_UNDEFINE_MANAGED_SAVE)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                    _("Guest '%s' has a managed save image. Remove it first (managedsave-remove) "
                      "or undefine with --managed-save."),
                    marina_vm_get_name(self));
        return FALSE;
    }
    return TRUE;
}

gboolean
marina_vm_undefine(MarinaVm *self, guint flags, GError **error)
{
    MarinaVmPrivate *p = PRIV(self);
    g_autoptr(MarinaVm) keep = g_object_ref(self);

    if (!check_undefinable(self, flags, error) || !KLASS(self)->forget_definition(self, error))
        return FALSE;
    if (p->has_managed_save)
        KLASS(self)->discard_managed_save(self);
    marina_vm_remove_host_state(self, flags);
    p->persistent = FALSE;
    p->autostart = FALSE;
    p->has_managed_save = FALSE;
    marina_vm_sync_properties(self);
    marina_vm_notify_state_changed(self);
    marina_vm_emit_event(self, "undefined", "removed");
    /* A running guest stays, now transient, until it stops. */
    if (!marina_vm_is_active(self))
        marina_vm_registry_remove(p->ctx.registry, self);
    return TRUE;
}

gboolean
marina_vm_set_autostart(MarinaVm *self, gboolean on, GError **error)
{
    if (!PRIV(self)->persistent) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("Guest '%s' is transient; only defined guests can start with the host."),
                    marina_vm_get_name(self));
        return FALSE;
    }
    if (!KLASS(self)->store_autostart(self, on, error))
        return FALSE;
    PRIV(self)->autostart = on;
    marina_vm_sync_properties(self);
    return TRUE;
}
