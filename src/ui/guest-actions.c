/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-manager"

#include "config.h"

#include "guest-actions.h"

#include <glib/gi18n.h>

#include "domain.h"
#include "migrate-dialog.h"
#include "ui-util.h"
#include "vm-window.h"

static void
start_domain(MarinaDomain *domain, GCancellable *cancellable, GAsyncReadyCallback callback,
             gpointer user_data)
{
    marina_domain_start_async(domain, MARINA_DOMAIN_START_NONE, cancellable, callback, user_data);
}

/* The power button, without waiting for the guest to stop. */
static void
shutdown_domain(MarinaDomain *domain, GCancellable *cancellable, GAsyncReadyCallback callback,
                gpointer user_data)
{
    marina_domain_shutdown_async(domain, 0, cancellable, callback, user_data);
}

static const MarinaGuestCall guest_calls[] = {
    {"run", start_domain, marina_domain_start_finish, N_("Could not start '%s':")},
    {"pause", marina_domain_suspend_async, marina_domain_suspend_finish,
     N_("Could not pause '%s':")},
    {"resume", marina_domain_resume_async, marina_domain_resume_finish,
     N_("Could not resume '%s':")},
    {"shutdown", shutdown_domain, marina_domain_shutdown_finish, N_("Could not shut down '%s':")},
    {"reboot", marina_domain_reboot_async, marina_domain_reboot_finish,
     N_("Could not reboot '%s':")},
    {"reset", marina_domain_reset_async, marina_domain_reset_finish, N_("Could not reset '%s':")},
    /* Save as virt-manager does it: a managed save, resumed by the next Run. */
    {"save", marina_domain_managed_save_async, marina_domain_managed_save_finish,
     N_("Could not save '%s':")},
    {"force-off", marina_domain_destroy_async, marina_domain_destroy_finish,
     N_("Could not force off '%s':")},
};

const MarinaGuestCall *
marina_guest_call_find(const char *action_name)
{
    for (gsize i = 0; i < G_N_ELEMENTS(guest_calls); i++)
        if (g_str_equal(guest_calls[i].action, action_name))
            return &guest_calls[i];
    return NULL;
}

/* A guest action in flight: which guest, for the error message. */
typedef struct {
    MarinaManagerWindow *window;
    char *name;
    MarinaGuestFinishFunc finish;
    const char *what;
} CallData;

static void
on_domain_call_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
    CallData *data = user_data;
    g_autoptr(GError) error = NULL;

    if (!data->finish(MARINA_DOMAIN(source), result, &error) && !marina_ui_is_cancelled(error)) {
        g_autofree char *prefix = g_strdup_printf(_(data->what), data->name);
        marina_manager_window_show_error(data->window, prefix, error);
    }
    g_free(data->name);
    g_free(data);
}

static void
call_domain(MarinaManagerWindow *window, MarinaConnectionEntry *entry, MarinaGuest *guest,
            const char *action_name)
{
    const MarinaGuestCall *call = marina_guest_call_find(action_name);
    g_autoptr(MarinaDomain) domain = NULL;
    CallData *data;

    if (entry == NULL || !marina_connection_entry_is_connected(entry))
        return;
    domain = marina_domain_new(marina_connection_entry_get_connection(entry),
                               marina_guest_get_object_path(guest));
    data = g_new0(CallData, 1);
    data->window = window;
    data->name = g_strdup(marina_guest_get_name(guest));
    data->finish = call->finish;
    data->what = call->failure;
    call->run(domain, marina_manager_window_get_cancellable(window), on_domain_call_done, data);
}

gboolean
marina_guest_action_activate(MarinaManagerWindow *window, MarinaConnectionEntry *entry,
                             MarinaGuest *guest, const char *action_name)
{
    if (marina_guest_call_find(action_name) == NULL || g_str_equal(action_name, "force-off"))
        return FALSE;
    call_domain(window, entry, guest, action_name);
    return TRUE;
}

/* ---------------------------------------------------------------- force off */

typedef struct {
    MarinaManagerWindow *window;
    MarinaConnectionEntry *entry;
    MarinaGuest *guest;
} ForceOff;

static void
force_off(MarinaManagerWindow *window, MarinaConnectionEntry *entry, MarinaGuest *guest)
{
    call_domain(window, entry, guest, "force-off");
}

static void
on_force_off_response(GtkDialog *dialog, int response, gpointer user_data)
{
    ForceOff *op = user_data;

    if (response == GTK_RESPONSE_ACCEPT)
        force_off(op->window, op->entry, op->guest);
    g_object_unref(op->entry);
    g_object_unref(op->guest);
    g_free(op);
    gtk_widget_destroy(GTK_WIDGET(dialog));
}

void
marina_guest_action_force_off(MarinaManagerWindow *window, MarinaConnectionEntry *entry,
                              MarinaGuest *guest, gboolean confirm)
{
    g_autofree char *title = NULL;
    GtkWidget *dialog;
    ForceOff *op;

    if (!confirm) {
        force_off(window, entry, guest);
        return;
    }
    title = g_strdup_printf(_("Force off '%s'?"), marina_guest_get_name(guest));
    dialog = marina_ui_confirm_dialog(GTK_WINDOW(window), title,
                                      _("The guest stops at once, as if its power cord were "
                                        "pulled. Anything it has not saved to disk is lost."),
                                      _("_Force Off"));
    op = g_new0(ForceOff, 1);
    op->window = window;
    op->entry = g_object_ref(entry);
    op->guest = g_object_ref(guest);
    g_signal_connect(dialog, "response", G_CALLBACK(on_force_off_response), op);
    gtk_window_present(GTK_WINDOW(dialog));
}

/* ---------------------------------------------------------------- migrate */

/* The manager window of @parent's application, or NULL. */
static MarinaManagerWindow *
find_manager_window(GtkWindow *parent)
{
    GtkApplication *app = gtk_window_get_application(parent);

    for (GList *l = app != NULL ? gtk_application_get_windows(app) : NULL; l != NULL; l = l->next)
        if (MARINA_IS_MANAGER_WINDOW(l->data))
            return l->data;
    return NULL;
}

/* Which guest a Migrate dialog moves, to tell its VM window (looked up at
 * each step: it may be opened or closed meanwhile). */
typedef struct {
    GWeakRef window; /* MarinaManagerWindow */
    MarinaGuest *guest;
} MigrateRoute;

static void
migrate_route_free(gpointer data, GClosure *closure)
{
    MigrateRoute *route = data;

    (void)closure;
    g_weak_ref_clear(&route->window);
    g_object_unref(route->guest);
    g_free(route);
}

static MarinaVmWindow *
route_vm_window(MigrateRoute *route)
{
    g_autoptr(MarinaManagerWindow) window = g_weak_ref_get(&route->window);

    return window != NULL ? marina_manager_window_lookup_vm_window(window, route->guest) : NULL;
}

static void
on_migration_started(MarinaMigrateDialog *dialog, MigrateRoute *route)
{
    MarinaVmWindow *vm_window = route_vm_window(route);

    (void)dialog;
    if (vm_window != NULL)
        marina_vm_window_hold(vm_window, TRUE);
}

static void
on_migration_finished(MarinaMigrateDialog *dialog, MarinaConnectionEntry *destination,
                      const char *uuid, MigrateRoute *route)
{
    MarinaVmWindow *vm_window = route_vm_window(route);

    (void)dialog;
    if (vm_window == NULL)
        return;
    if (destination != NULL)
        marina_vm_window_follow(vm_window, destination, uuid);
    else
        marina_vm_window_hold(vm_window, FALSE);
}

void
marina_guest_action_migrate(MarinaManagerWindow *window, MarinaConnectionEntry *entry,
                            MarinaGuest *guest, GtkWindow *parent)
{
    GtkApplication *app = gtk_window_get_application(GTK_WINDOW(window));
    MarinaMigrateDialog *dialog;
    MigrateRoute *route;

    if (app == NULL || entry == NULL || !marina_connection_entry_is_connected(entry))
        return;
    dialog = marina_migrate_dialog_new(
        parent != NULL ? parent : GTK_WINDOW(window),
        marina_application_get_connection_manager(MARINA_APPLICATION(app)), entry, guest);
    route = g_new0(MigrateRoute, 1);
    g_weak_ref_init(&route->window, window);
    route->guest = g_object_ref(guest);
    g_signal_connect(dialog, "migration-started", G_CALLBACK(on_migration_started), route);
    g_signal_connect_data(dialog, "migration-finished", G_CALLBACK(on_migration_finished), route,
                          migrate_route_free, 0);
    gtk_window_present(GTK_WINDOW(dialog));
}

void
marina_guest_action_migrate_from(GtkWindow *parent, MarinaGuestList *list, MarinaGuest *guest)
{
    MarinaManagerWindow *window = find_manager_window(parent);
    GtkApplication *app = gtk_window_get_application(parent);
    MarinaConnectionEntry *entry;

    if (window == NULL || app == NULL)
        return;
    entry = marina_connection_manager_lookup_list(
        marina_application_get_connection_manager(MARINA_APPLICATION(app)), list);
    marina_guest_action_migrate(window, entry, guest, parent);
}
