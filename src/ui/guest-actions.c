/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-manager"

#include "config.h"

#include "guest-actions.h"

#include <glib/gi18n.h>

#include "ui-util.h"

#define DOMAIN_INTERFACE "org.marinavm.Marina1.Domain"
/* Saving, restoring and starting can take a while under TCG. */
#define LONG_CALL_TIMEOUT_MS (10 * 60 * 1000)

static const struct {
    const char *action;
    const char *method;
    gboolean zero_arg; /* the method takes flags (u), given as 0 */
    const char *what;  /* untranslated "Could not start '%s':", ... */
} guest_calls[] = {
    {"run", "Start", TRUE, N_("Could not start '%s':")},
    {"pause", "Suspend", FALSE, N_("Could not pause '%s':")},
    {"resume", "Resume", FALSE, N_("Could not resume '%s':")},
    {"shutdown", "Shutdown", TRUE, N_("Could not shut down '%s':")},
    {"reboot", "Reboot", FALSE, N_("Could not reboot '%s':")},
    {"reset", "Reset", FALSE, N_("Could not reset '%s':")},
    /* Save as virt-manager does it: a managed save, resumed by the next Run. */
    {"save", "ManagedSave", FALSE, N_("Could not save '%s':")},
};

/* A guest action in flight: which guest, for the error message. */
typedef struct {
    MarinaManagerWindow *window;
    char *name;
    const char *what;
} CallData;

static void
on_domain_call_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
    CallData *data = user_data;
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) reply =
        g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &error);

    if (reply == NULL && !marina_ui_is_cancelled(error)) {
        g_autofree char *prefix = g_strdup_printf(_(data->what), data->name);
        marina_manager_window_show_error(data->window, prefix, error);
    }
    g_free(data->name);
    g_free(data);
}

/* Calls a Domain method directly: one round trip, no proxy to build first. */
static void
call_domain(MarinaManagerWindow *window, MarinaConnectionEntry *entry, MarinaGuest *guest,
            const char *method, gboolean zero_arg, const char *what)
{
    CallData *data;

    if (entry == NULL || !marina_connection_entry_is_connected(entry))
        return;
    data = g_new0(CallData, 1);
    data->window = window;
    data->name = g_strdup(marina_guest_get_name(guest));
    data->what = what;
    g_dbus_connection_call(
        marina_connection_get_dbus_connection(marina_connection_entry_get_connection(entry)), NULL,
        marina_guest_get_object_path(guest), DOMAIN_INTERFACE, method,
        zero_arg ? g_variant_new("(u)", 0) : NULL, NULL, G_DBUS_CALL_FLAGS_NONE,
        LONG_CALL_TIMEOUT_MS, marina_manager_window_get_cancellable(window), on_domain_call_done,
        data);
}

gboolean
marina_guest_action_activate(MarinaManagerWindow *window, MarinaConnectionEntry *entry,
                             MarinaGuest *guest, const char *action_name)
{
    for (gsize i = 0; i < G_N_ELEMENTS(guest_calls); i++) {
        if (g_str_equal(guest_calls[i].action, action_name)) {
            call_domain(window, entry, guest, guest_calls[i].method, guest_calls[i].zero_arg,
                        guest_calls[i].what);
            return TRUE;
        }
    }
    return FALSE;
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
    call_domain(window, entry, guest, "Destroy", FALSE, N_("Could not force off '%s':"));
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
