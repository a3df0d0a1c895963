/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-manager"

#include "config.h"

#include "manager-window.h"

#include <glib/gi18n.h>

#include "add-connection-dialog.h"
#include "connection-manager.h"
#include "secret-store.h"
#include "define-xml-dialog.h"
#include "delete-guest.h"
#include "error.h"
#include "form-util.h"
#include "guest-actions.h"
#include "guest-view.h"
#include "host-details-window.h"
#include "new-vm-wizard.h"
#include "restore-dialog.h"
#include "ui-util.h"
#include "vm-window.h"

/* Which connection a VM window shows (a MarinaConnectionEntry, not reffed). */
#define VM_WINDOW_ENTRY "marina-connection-entry"

struct _MarinaManagerWindow {
    GtkApplicationWindow parent_instance;

    GSettings *settings;
    GCancellable *cancellable; /* window-wide operations; cancelled on dispose */
    MarinaConnectionManager *manager;
    GHashTable *vm_windows; /* MarinaGuest* -> MarinaVmWindow* (not reffed) */
    GHashTable *reopen;     /* entry -> GPtrArray of UUIDs whose VM windows were open */
    GHashTable *details;    /* entry -> its Connection Details window */
    char *pending_console_uri;
    char *pending_console_name;
    int width, height;

    /* template children */
    GtkHeaderBar *header_bar;
    GtkButton *new_button;
    GtkButton *open_button;
    GtkButton *run_button;
    GtkButton *pause_button;
    GtkImage *pause_image;
    GtkMenuButton *shutdown_button;
    GtkButton *restore_button;
    GtkButton *delete_button;
    GtkMenuButton *menu_button;
    GtkSearchEntry *search_entry;
    GtkInfoBar *info_bar;
    GtkLabel *info_label;
    MarinaGuestView *tree_view;
    GtkWidget *empty_box;
};

G_DEFINE_FINAL_TYPE(MarinaManagerWindow, marina_manager_window, GTK_TYPE_APPLICATION_WINDOW)

static void update_actions(MarinaManagerWindow *self);
static void open_vm_window(MarinaManagerWindow *self, MarinaConnectionEntry *entry,
                           MarinaGuest *guest, gboolean console);

/* ---------------------------------------------------------------- helpers */

/* Removes the entries of @table whose value is @window. */
static void
forget_window(GHashTable *table, GtkWidget *window)
{
    GHashTableIter iter;
    gpointer value;

    g_hash_table_iter_init(&iter, table);
    while (g_hash_table_iter_next(&iter, NULL, &value))
        if (value == window)
            g_hash_table_iter_remove(&iter);
}

void
marina_manager_window_show_message(MarinaManagerWindow *self, GtkMessageType type,
                                   const char *message)
{
    g_return_if_fail(MARINA_IS_MANAGER_WINDOW(self));

    marina_ui_show_info_bar(self->info_bar, self->info_label, type, message);
}

void
marina_manager_window_show_error(MarinaManagerWindow *self, const char *prefix, const GError *error)
{
    g_autofree char *text = marina_ui_error_text(prefix, error);

    marina_manager_window_show_message(self, GTK_MESSAGE_ERROR, text);
}

GCancellable *
marina_manager_window_get_cancellable(MarinaManagerWindow *self)
{
    g_return_val_if_fail(MARINA_IS_MANAGER_WINDOW(self), NULL);
    return self->cancellable;
}

/* The entry New and Restore act on: the selected row's, else the first connected. */
static MarinaConnectionEntry *
target_entry(MarinaManagerWindow *self)
{
    MarinaConnectionEntry *entry = NULL;

    if (marina_guest_view_get_selected(self->tree_view, NULL, &entry, NULL) && entry != NULL &&
        marina_connection_entry_is_connected(entry))
        return entry;
    return marina_connection_manager_get_first_connected(self->manager);
}

/* The selected connection row's entry, or NULL when a guest or nothing is selected. */
static MarinaConnectionEntry *
selected_entry(MarinaManagerWindow *self)
{
    MarinaGuestViewRow kind;
    MarinaConnectionEntry *entry;

    if (!marina_guest_view_get_selected(self->tree_view, &kind, &entry, NULL) ||
        kind != MARINA_GUEST_VIEW_ROW_CONNECTION)
        return NULL;
    return entry;
}

static gboolean
selected_guest(MarinaManagerWindow *self, MarinaConnectionEntry **entry, MarinaGuest **guest)
{
    MarinaGuestViewRow kind;

    if (!marina_guest_view_get_selected(self->tree_view, &kind, entry, guest))
        return FALSE;
    if (kind != MARINA_GUEST_VIEW_ROW_GUEST || *guest == NULL ||
        !marina_connection_entry_is_connected(*entry)) {
        g_clear_object(guest);
        return FALSE;
    }
    return TRUE;
}

/* ----------------------------------------------------------- connections */

static void
check_pending_console(MarinaManagerWindow *self, MarinaConnectionEntry *entry)
{
    MarinaGuestList *list = marina_connection_entry_get_guest_list(entry);
    g_autofree char *name = NULL;
    g_autofree char *message = NULL;

    if (self->pending_console_name == NULL || list == NULL || !marina_guest_list_is_loaded(list))
        return;
    if (self->pending_console_uri != NULL &&
        g_strcmp0(self->pending_console_uri, marina_connection_entry_get_uri(entry)) != 0)
        return;
    name = g_steal_pointer(&self->pending_console_name);
    g_clear_pointer(&self->pending_console_uri, g_free);
    for (guint i = 0; i < g_list_model_get_n_items(G_LIST_MODEL(list)); i++) {
        g_autoptr(MarinaGuest) guest = g_list_model_get_item(G_LIST_MODEL(list), i);
        if (g_strcmp0(marina_guest_get_name(guest), name) == 0) {
            open_vm_window(self, entry, guest, TRUE);
            return;
        }
    }
    message = g_strdup_printf(
        _("There is no guest called '%s' on %s. Check the name with “marinactl list --all”."), name,
        marina_connection_entry_get_label(entry));
    marina_manager_window_show_message(self, GTK_MESSAGE_ERROR, message);
}

static MarinaVmWindow *
find_vm_window_by_uuid(MarinaManagerWindow *self, const char *uuid)
{
    GHashTableIter iter;
    gpointer key, value;

    g_hash_table_iter_init(&iter, self->vm_windows);
    while (g_hash_table_iter_next(&iter, &key, &value))
        if (g_strcmp0(marina_guest_get_uuid(key), uuid) == 0)
            return value;
    return NULL;
}

/* The windows of a connection that dropped hold its old guest list: once
 * the connection is back, give each guest a window on the new one. The new
 * window opens before the old closes, so a hidden manager stays alive. */
static void
reopen_windows(MarinaManagerWindow *self, MarinaConnectionEntry *entry)
{
    MarinaGuestList *list = marina_connection_entry_get_guest_list(entry);
    g_autoptr(GPtrArray) reopen = NULL;

    if (!g_hash_table_steal_extended(self->reopen, entry, NULL, (gpointer *)&reopen))
        return;
    for (guint i = 0; list != NULL && i < reopen->len; i++) {
        const char *uuid = g_ptr_array_index(reopen, i);
        MarinaVmWindow *old = find_vm_window_by_uuid(self, uuid);
        MarinaGuest *guest = marina_guest_list_lookup(list, uuid);

        if (guest != NULL)
            open_vm_window(self, entry, guest, TRUE);
        if (old != NULL && (guest == NULL || marina_vm_window_get_guest(old) != guest))
            gtk_widget_destroy(GTK_WIDGET(old));
    }
}

static void
remember_open_windows(MarinaManagerWindow *self, MarinaConnectionEntry *entry)
{
    GHashTableIter iter;
    gpointer guest, window;
    GPtrArray *reopen = g_hash_table_lookup(self->reopen, entry);

    g_hash_table_iter_init(&iter, self->vm_windows);
    while (g_hash_table_iter_next(&iter, &guest, &window)) {
        if (g_object_get_data(window, VM_WINDOW_ENTRY) != entry)
            continue;
        if (reopen == NULL) {
            reopen = g_ptr_array_new_with_free_func(g_free);
            g_hash_table_insert(self->reopen, entry, reopen);
        }
        g_ptr_array_add(reopen, g_strdup(marina_guest_get_uuid(guest)));
    }
}

static void
on_connection_filled(MarinaGuestView *view, MarinaConnectionEntry *entry, MarinaManagerWindow *self)
{
    check_pending_console(self, entry);
    reopen_windows(self, entry);
}

static void
on_list_error(MarinaGuestList *list, GError *error, MarinaManagerWindow *self)
{
    MarinaConnectionEntry *entry = marina_connection_manager_lookup_list(self->manager, list);
    g_autofree char *prefix = NULL;

    if (entry == NULL)
        return;
    prefix = g_strdup_printf(_("Could not list the guests of %s:"),
                             marina_connection_entry_get_label(entry));
    marina_manager_window_show_error(self, prefix, error);
}

static void
on_entry_state_changed(MarinaConnectionEntry *entry, int old_state, MarinaManagerWindow *self)
{
    MarinaGuestList *list = marina_connection_entry_get_guest_list(entry);

    if (old_state == MARINA_CONNECTION_STATE_CONNECTED && list == NULL)
        remember_open_windows(self, entry);
    if (old_state != MARINA_CONNECTION_STATE_CONNECTED && list != NULL)
        g_signal_connect_object(list, "error", G_CALLBACK(on_list_error), self, 0);
    update_actions(self);
}

static void
on_entry_connect_failed(MarinaConnectionEntry *entry, GError *error, MarinaManagerWindow *self)
{
    marina_manager_window_show_error(self, NULL, error);
}

static void
on_manager_items_changed(GListModel *model, guint position, guint removed, guint added,
                         MarinaManagerWindow *self)
{
    for (guint i = 0; i < added; i++) {
        g_autoptr(MarinaConnectionEntry) entry = g_list_model_get_item(model, position + i);

        g_signal_connect_object(entry, "state-changed", G_CALLBACK(on_entry_state_changed), self,
                                0);
        g_signal_connect_object(entry, "connect-failed", G_CALLBACK(on_entry_connect_failed), self,
                                0);
    }
    gtk_widget_set_visible(self->empty_box, g_list_model_get_n_items(model) == 0);
    update_actions(self);
}

void
marina_manager_window_add_connection(MarinaManagerWindow *self, const char *uri, gboolean open)
{
    MarinaConnectionEntry *entry;

    g_return_if_fail(MARINA_IS_MANAGER_WINDOW(self));
    g_return_if_fail(uri != NULL);

    entry = marina_connection_manager_add(self->manager, uri);
    if (open)
        marina_connection_entry_connect(entry);
    update_actions(self);
}

void
marina_manager_window_show_domain_console(MarinaManagerWindow *self, const char *uri,
                                          const char *name)
{
    g_autoptr(MarinaUri) parsed = NULL;
    GListModel *model;

    g_return_if_fail(MARINA_IS_MANAGER_WINDOW(self));
    g_free(self->pending_console_name);
    g_free(self->pending_console_uri);
    self->pending_console_name = g_strdup(name);
    self->pending_console_uri = NULL;
    if (uri != NULL && (parsed = marina_uri_parse(uri, NULL)) != NULL)
        self->pending_console_uri = marina_uri_to_string(parsed);
    model = G_LIST_MODEL(self->manager);
    for (guint i = 0; i < g_list_model_get_n_items(model) && self->pending_console_name; i++) {
        g_autoptr(MarinaConnectionEntry) entry = g_list_model_get_item(model, i);
        check_pending_console(self, entry);
    }
}

/* ------------------------------------------------------------ VM windows */

static void
on_vm_window_destroy(GtkWidget *window, gpointer user_data)
{
    MarinaManagerWindow *self = user_data;

    forget_window(self->vm_windows, window);
    /* The manager was only hidden because a VM window was still open. */
    if (!gtk_widget_get_visible(GTK_WIDGET(self)) && g_hash_table_size(self->vm_windows) == 0)
        gtk_widget_destroy(GTK_WIDGET(self));
}

/* The window followed its guest to another host (a migration): file it
 * under that guest and connection. */
static void
on_vm_window_moved(MarinaVmWindow *window, MarinaConnectionEntry *entry, MarinaManagerWindow *self)
{
    forget_window(self->vm_windows, GTK_WIDGET(window));
    g_hash_table_insert(self->vm_windows, marina_vm_window_get_guest(window), window);
    g_object_set_data(G_OBJECT(window), VM_WINDOW_ENTRY, entry);
}

MarinaVmWindow *
marina_manager_window_lookup_vm_window(MarinaManagerWindow *self, MarinaGuest *guest)
{
    g_return_val_if_fail(MARINA_IS_MANAGER_WINDOW(self), NULL);
    return self->vm_windows != NULL ? g_hash_table_lookup(self->vm_windows, guest) : NULL;
}

static void
open_vm_window(MarinaManagerWindow *self, MarinaConnectionEntry *entry, MarinaGuest *guest,
               gboolean console)
{
    MarinaVmWindow *window = g_hash_table_lookup(self->vm_windows, guest);

    if (window == NULL) {
        GtkApplication *app = gtk_window_get_application(GTK_WINDOW(self));
        MarinaGuestList *list = marina_connection_entry_get_guest_list(entry);

        if (list == NULL)
            return;
        window = marina_vm_window_new(app, list, guest);
        g_object_set_data(G_OBJECT(window), VM_WINDOW_ENTRY, entry);
        g_hash_table_insert(self->vm_windows, guest, window);
        g_signal_connect(window, "destroy", G_CALLBACK(on_vm_window_destroy), self);
        g_signal_connect(window, "moved", G_CALLBACK(on_vm_window_moved), self);
    }
    if (console)
        marina_vm_window_show_console(window);
    gtk_window_present(GTK_WINDOW(window));
}

/* ------------------------------------------------------------- actions */

static void
update_actions(MarinaManagerWindow *self)
{
    g_autoptr(MarinaGuest) guest = NULL;
    MarinaGuestViewRow kind = MARINA_GUEST_VIEW_ROW_PLACEHOLDER;
    MarinaConnectionEntry *entry = NULL;
    MarinaDomainState state = MARINA_DOMAIN_NOSTATE;
    gboolean have_guest, active, running, paused, connected, is_conn;
    gboolean have_target;
    GActionMap *actions = G_ACTION_MAP(self);

    if (gtk_widget_in_destruction(GTK_WIDGET(self)) || self->tree_view == NULL)
        return;
    marina_guest_view_get_selected(self->tree_view, &kind, &entry, &guest);
    connected = entry != NULL && marina_connection_entry_is_connected(entry);
    is_conn = kind == MARINA_GUEST_VIEW_ROW_CONNECTION && entry != NULL;
    have_guest = kind == MARINA_GUEST_VIEW_ROW_GUEST && guest != NULL && connected;
    have_target = target_entry(self) != NULL;
    if (have_guest)
        state = marina_guest_get_state(guest, NULL);
    active = have_guest && marina_guest_is_active(guest);
    running = have_guest && (state == MARINA_DOMAIN_RUNNING || state == MARINA_DOMAIN_BLOCKED);
    paused = have_guest && state == MARINA_DOMAIN_PAUSED;

    marina_ui_set_action_enabled(actions, "open", have_guest);
    marina_ui_set_action_enabled(actions, "run", have_guest && !active);
    marina_ui_set_action_enabled(actions, "pause", running);
    marina_ui_set_action_enabled(actions, "resume", paused);
    marina_ui_set_action_enabled(actions, "shutdown", running);
    marina_ui_set_action_enabled(actions, "reboot", running);
    marina_ui_set_action_enabled(actions, "reset", active);
    marina_ui_set_action_enabled(actions, "force-off", active);
    marina_ui_set_action_enabled(actions, "save", running || paused);
    marina_ui_set_action_enabled(actions, "delete", have_guest);
    marina_ui_set_action_enabled(
        actions, "migrate", have_guest && (running || paused || state == MARINA_DOMAIN_SHUTOFF));
    marina_ui_set_action_enabled(actions, "new", have_target);
    marina_ui_set_action_enabled(actions, "define-xml", have_target);
    marina_ui_set_action_enabled(actions, "restore", have_target);
    /* Connect again only what is not connected: a working connection is left alone. */
    marina_ui_set_action_enabled(
        actions, "reconnect", is_conn && !connected && !marina_connection_entry_is_opening(entry));
    marina_ui_set_action_enabled(actions, "disconnect", is_conn && connected);
    marina_ui_set_action_enabled(actions, "remove-connection", is_conn);
    marina_ui_set_action_enabled(actions, "connection-details", have_target);
    gtk_widget_set_sensitive(GTK_WIDGET(self->shutdown_button), active);

    /* One button, two faces: Pause for a running guest, Resume for a paused
     * one, which then stands alone (not beside an insensitive Run that looks
     * the same). */
    gtk_widget_set_visible(GTK_WIDGET(self->run_button), !paused);
    gtk_actionable_set_action_name(GTK_ACTIONABLE(self->pause_button),
                                   paused ? "win.resume" : "win.pause");
    marina_ui_set_pause_face(GTK_WIDGET(self->pause_button), self->pause_image, paused,
                             paused ? _("Resume the guest") : _("Pause the guest"));
}

/* Run, Pause, Resume, Shut Down, Reboot, Reset, Save: named after their action. */
static void
on_guest_action(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    MarinaManagerWindow *self = user_data;
    g_autoptr(MarinaGuest) guest = NULL;
    MarinaConnectionEntry *entry;

    if (selected_guest(self, &entry, &guest))
        marina_guest_action_activate(self, entry, guest, g_action_get_name(G_ACTION(action)));
}

static void
on_open(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    MarinaManagerWindow *self = user_data;
    g_autoptr(MarinaGuest) guest = NULL;
    MarinaConnectionEntry *entry;

    if (selected_guest(self, &entry, &guest))
        open_vm_window(self, entry, guest, FALSE);
}

/* Force off, after asking unless Preferences says not to. */
static void
on_force_off(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    MarinaManagerWindow *self = user_data;
    g_autoptr(MarinaGuest) guest = NULL;
    MarinaConnectionEntry *entry;

    if (selected_guest(self, &entry, &guest))
        marina_guest_action_force_off(self, entry, guest,
                                      g_settings_get_boolean(self->settings, "confirm-force-off"));
}

static void
on_delete(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    MarinaManagerWindow *self = user_data;
    g_autoptr(MarinaGuest) guest = NULL;
    MarinaConnectionEntry *entry;

    if (selected_guest(self, &entry, &guest))
        marina_delete_guest(self, entry, guest,
                            g_settings_get_boolean(self->settings, "confirm-delete"));
}

static void
on_migrate(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    MarinaManagerWindow *self = user_data;
    g_autoptr(MarinaGuest) guest = NULL;
    MarinaConnectionEntry *entry;

    if (selected_guest(self, &entry, &guest))
        marina_guest_action_migrate(self, entry, guest, GTK_WINDOW(self));
}

static void
on_define_xml(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    MarinaManagerWindow *self = user_data;
    MarinaConnectionEntry *entry = target_entry(self);

    if (entry != NULL)
        gtk_window_present(GTK_WINDOW(marina_define_xml_dialog_new(self, entry)));
}

/* The wizard made a guest: show its console, or its details to customize it first. */
static void
on_wizard_guest_created(MarinaNewVmWizard *wizard, MarinaGuestList *list, MarinaGuest *guest,
                        MarinaInstaller *customize, MarinaManagerWindow *self)
{
    MarinaConnectionEntry *entry = marina_connection_manager_lookup_list(self->manager, list);
    MarinaVmWindow *window;

    (void)wizard;
    if (entry == NULL)
        return;
    open_vm_window(self, entry, guest, customize == NULL);
    window = g_hash_table_lookup(self->vm_windows, guest);
    if (window != NULL && customize != NULL)
        marina_vm_window_customize(window, customize);
}

static void
on_new(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    MarinaManagerWindow *self = user_data;
    MarinaConnectionEntry *target = target_entry(self);
    GListModel *model = G_LIST_MODEL(self->manager);
    MarinaNewVmWizard *wizard;

    if (target == NULL)
        return;
    wizard = marina_new_vm_wizard_new(GTK_WINDOW(self));
    for (guint i = 0; i < g_list_model_get_n_items(model); i++) {
        g_autoptr(MarinaConnectionEntry) entry = g_list_model_get_item(model, i);

        if (marina_connection_entry_is_connected(entry))
            marina_new_vm_wizard_add_connection(wizard, entry, entry == target);
    }
    g_signal_connect_object(wizard, "guest-created", G_CALLBACK(on_wizard_guest_created), self, 0);
    gtk_window_present(GTK_WINDOW(wizard));
}

void
marina_manager_window_restore_dialog(MarinaManagerWindow *self)
{
    MarinaConnectionEntry *entry;

    g_return_if_fail(MARINA_IS_MANAGER_WINDOW(self));
    entry = target_entry(self);
    if (entry == NULL) {
        marina_manager_window_show_message(
            self, GTK_MESSAGE_ERROR,
            _("There is no open connection to restore a saved machine on. Connect first."));
        return;
    }
    marina_restore_dialog_present(self, entry);
}

static void
on_restore(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    marina_manager_window_restore_dialog(user_data);
}

static void
on_reconnect(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    MarinaConnectionEntry *entry = selected_entry(user_data);

    if (entry != NULL)
        marina_connection_entry_reconnect(entry);
}

static void
on_disconnect(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    MarinaConnectionEntry *entry = selected_entry(user_data);

    if (entry != NULL)
        marina_connection_entry_disconnect(entry);
}

static void
on_passwords_forgotten(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GError) error = NULL;

    if (!marina_secret_store_forget_finish(result, &error))
        g_warning("The passwords of a removed connection stay in the keyring: %s", error->message);
}

static void
remove_connection(MarinaManagerWindow *self, MarinaConnectionEntry *entry)
{
    g_autofree char *uri = g_strdup(marina_connection_entry_get_uri(entry));
    GtkWidget *details;

    marina_ui_settings_remove_uri(self->settings, "connections", uri);
    marina_ui_settings_remove_uri(self->settings, "autoconnect", uri);
    /* Connection Details closes with its connection. */
    if ((details = g_hash_table_lookup(self->details, entry)) != NULL)
        gtk_widget_destroy(details);
    g_hash_table_remove(self->reopen, entry);
    marina_connection_manager_remove(self->manager, entry);
    /* Its remembered passwords (ssh's and its guests' consoles') go with it. */
    marina_secret_store_forget_async(NULL, uri, NULL, NULL, on_passwords_forgotten, NULL);
}

static void
on_remove_confirmed(GtkDialog *dialog, int response, gpointer user_data)
{
    MarinaManagerWindow *self =
        MARINA_MANAGER_WINDOW(gtk_window_get_transient_for(GTK_WINDOW(dialog)));
    const char *uri = g_object_get_data(G_OBJECT(dialog), "marina-uri");
    MarinaConnectionEntry *entry;

    (void)user_data;
    /* Looked up again: the entry may have gone while the dialog was open. */
    entry = uri != NULL ? marina_connection_manager_lookup(self->manager, uri) : NULL;
    if (response == GTK_RESPONSE_ACCEPT && entry != NULL)
        remove_connection(self, entry);
    gtk_widget_destroy(GTK_WIDGET(dialog));
}

static void
on_remove_connection(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    MarinaManagerWindow *self = user_data;
    MarinaConnectionEntry *entry = selected_entry(self);
    g_autofree char *title = NULL;
    GtkWidget *dialog;

    if (entry == NULL)
        return;
    title = g_strdup_printf(_("Remove the connection to %s?"),
                            marina_connection_entry_get_label(entry));
    dialog = marina_ui_confirm_dialog(
        GTK_WINDOW(self), title,
        _("It is disconnected and no longer listed, and its remembered passwords are removed "
          "from the keyring. Its guests are not touched."),
        _("_Remove"));
    gtk_window_set_title(GTK_WINDOW(dialog), _("Remove Connection"));
    g_object_set_data_full(G_OBJECT(dialog), "marina-uri",
                           g_strdup(marina_connection_entry_get_uri(entry)), g_free);
    g_signal_connect(dialog, "response", G_CALLBACK(on_remove_confirmed), NULL);
    gtk_window_present(GTK_WINDOW(dialog));
}

static void
on_connection_chosen(MarinaAddConnectionDialog *dialog, const char *uri, gboolean autoconnect,
                     MarinaManagerWindow *self)
{
    marina_ui_settings_add_uri(self->settings, "connections", uri);
    if (autoconnect)
        marina_ui_settings_add_uri(self->settings, "autoconnect", uri);
    marina_manager_window_add_connection(self, uri, TRUE);
}

void
marina_manager_window_add_connection_dialog(MarinaManagerWindow *self)
{
    MarinaAddConnectionDialog *dialog;

    g_return_if_fail(MARINA_IS_MANAGER_WINDOW(self));
    dialog = marina_add_connection_dialog_new(GTK_WINDOW(self));
    g_signal_connect_object(dialog, "connection-chosen", G_CALLBACK(on_connection_chosen), self, 0);
    gtk_window_present(GTK_WINDOW(dialog));
}

static void
on_details_destroy(GtkWidget *window, MarinaManagerWindow *self)
{
    forget_window(self->details, window);
}

/* One Connection Details window per connection; it follows the entry's reconnects. */
static void
on_connection_details(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    MarinaManagerWindow *self = user_data;
    MarinaConnectionEntry *entry = target_entry(self);
    MarinaGuestList *list = entry != NULL ? marina_connection_entry_get_guest_list(entry) : NULL;
    GtkWidget *details;

    if (list == NULL)
        return;
    details = g_hash_table_lookup(self->details, entry);
    if (details == NULL) {
        details = GTK_WIDGET(marina_host_details_window_new(
            gtk_window_get_application(GTK_WINDOW(self)), entry, self->settings));
        g_hash_table_insert(self->details, entry, details);
        g_signal_connect(details, "destroy", G_CALLBACK(on_details_destroy), self);
    }
    gtk_window_present(GTK_WINDOW(details));
}

static void
on_search_action(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    MarinaManagerWindow *self = user_data;

    gtk_widget_grab_focus(GTK_WIDGET(self->search_entry));
}

static const GActionEntry win_actions[] = {
    {"new", on_new},
    {"define-xml", on_define_xml},
    {"open", on_open},
    {"run", on_guest_action},
    {"pause", on_guest_action},
    {"resume", on_guest_action},
    {"shutdown", on_guest_action},
    {"reboot", on_guest_action},
    {"reset", on_guest_action},
    {"force-off", on_force_off},
    {"save", on_guest_action},
    {"restore", on_restore},
    {"delete", on_delete},
    {"migrate", on_migrate},
    {"reconnect", on_reconnect},
    {"disconnect", on_disconnect},
    {"remove-connection", on_remove_connection},
    {"connection-details", on_connection_details},
    {"search", on_search_action},
};

/* ------------------------------------------------------------- signals */

static void
on_search_changed(GtkSearchEntry *entry, MarinaManagerWindow *self)
{
    marina_guest_view_set_search(self->tree_view, gtk_entry_get_text(GTK_ENTRY(entry)));
}

static void
on_stop_search(GtkSearchEntry *entry, MarinaManagerWindow *self)
{
    gtk_entry_set_text(GTK_ENTRY(entry), "");
}

static void
on_row_activated(GtkTreeView *view, GtkTreePath *path, GtkTreeViewColumn *column,
                 MarinaManagerWindow *self)
{
    g_autoptr(MarinaGuest) guest = NULL;
    MarinaGuestViewRow kind;
    MarinaConnectionEntry *entry;

    if (!marina_guest_view_get_selected(self->tree_view, &kind, &entry, &guest))
        return;
    if (kind == MARINA_GUEST_VIEW_ROW_GUEST && guest != NULL &&
        marina_connection_entry_is_connected(entry)) {
        open_vm_window(self, entry, guest, FALSE);
    } else if (kind == MARINA_GUEST_VIEW_ROW_CONNECTION &&
               marina_connection_entry_get_connection(entry) == NULL) {
        marina_connection_entry_connect(entry);
    } else if (kind == MARINA_GUEST_VIEW_ROW_CONNECTION) {
        if (gtk_tree_view_row_expanded(view, path))
            gtk_tree_view_collapse_row(view, path);
        else
            gtk_tree_view_expand_row(view, path, FALSE);
    }
}

static void
on_info_bar_response(GtkInfoBar *bar, int response, MarinaManagerWindow *self)
{
    gtk_info_bar_set_revealed(bar, FALSE);
}

static gboolean
on_delete_event(GtkWidget *widget, GdkEventAny *event, MarinaManagerWindow *self)
{
    GtkApplication *app = gtk_window_get_application(GTK_WINDOW(self));

    /* With VM windows open, closing the manager only hides it: they need it. */
    if (app != NULL && g_hash_table_size(self->vm_windows) > 0) {
        gtk_widget_hide(widget);
        return GDK_EVENT_STOP;
    }
    return GDK_EVENT_PROPAGATE;
}

static void
marina_manager_window_size_allocate(GtkWidget *widget, GtkAllocation *allocation)
{
    MarinaManagerWindow *self = MARINA_MANAGER_WINDOW(widget);

    GTK_WIDGET_CLASS(marina_manager_window_parent_class)->size_allocate(widget, allocation);
    if (!gtk_window_is_maximized(GTK_WINDOW(self)))
        gtk_window_get_size(GTK_WINDOW(self), &self->width, &self->height);
}

/* ------------------------------------------------------------ lifecycle */

/* Stops hearing from the windows in @table (values) and drops the table. */
static void
forget_windows(MarinaManagerWindow *self, GHashTable **table)
{
    GHashTableIter iter;
    gpointer window;

    if (*table == NULL)
        return;
    g_hash_table_iter_init(&iter, *table);
    while (g_hash_table_iter_next(&iter, NULL, &window))
        g_signal_handlers_disconnect_by_data(window, self);
    g_clear_pointer(table, g_hash_table_unref);
}

static void
marina_manager_window_dispose(GObject *object)
{
    MarinaManagerWindow *self = MARINA_MANAGER_WINDOW(object);

    if (self->settings != NULL && self->width > 0 && self->height > 0)
        g_settings_set(self->settings, "window-size", "(ii)", self->width, self->height);
    self->width = self->height = 0;
    g_cancellable_cancel(self->cancellable);
    forget_windows(self, &self->vm_windows);
    forget_windows(self, &self->details);
    if (self->manager != NULL)
        g_signal_handlers_disconnect_by_data(self->manager, self);
    g_clear_object(&self->manager);
    g_clear_pointer(&self->reopen, g_hash_table_unref);
    g_clear_object(&self->settings);
    G_OBJECT_CLASS(marina_manager_window_parent_class)->dispose(object);
}

static void
marina_manager_window_finalize(GObject *object)
{
    MarinaManagerWindow *self = MARINA_MANAGER_WINDOW(object);

    g_clear_object(&self->cancellable);
    g_free(self->pending_console_uri);
    g_free(self->pending_console_name);
    G_OBJECT_CLASS(marina_manager_window_parent_class)->finalize(object);
}

static void
marina_manager_window_class_init(MarinaManagerWindowClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    object_class->dispose = marina_manager_window_dispose;
    object_class->finalize = marina_manager_window_finalize;
    widget_class->size_allocate = marina_manager_window_size_allocate;

    g_type_ensure(MARINA_TYPE_GUEST_VIEW);
    gtk_widget_class_set_template_from_resource(widget_class,
                                                "/org/marinavm/Marina/ui/manager-window.ui");
    gtk_widget_class_bind_template_child(widget_class, MarinaManagerWindow, header_bar);
    gtk_widget_class_bind_template_child(widget_class, MarinaManagerWindow, new_button);
    gtk_widget_class_bind_template_child(widget_class, MarinaManagerWindow, open_button);
    gtk_widget_class_bind_template_child(widget_class, MarinaManagerWindow, run_button);
    gtk_widget_class_bind_template_child(widget_class, MarinaManagerWindow, pause_button);
    gtk_widget_class_bind_template_child(widget_class, MarinaManagerWindow, pause_image);
    gtk_widget_class_bind_template_child(widget_class, MarinaManagerWindow, shutdown_button);
    gtk_widget_class_bind_template_child(widget_class, MarinaManagerWindow, restore_button);
    gtk_widget_class_bind_template_child(widget_class, MarinaManagerWindow, delete_button);
    gtk_widget_class_bind_template_child(widget_class, MarinaManagerWindow, menu_button);
    gtk_widget_class_bind_template_child(widget_class, MarinaManagerWindow, search_entry);
    gtk_widget_class_bind_template_child(widget_class, MarinaManagerWindow, info_bar);
    gtk_widget_class_bind_template_child(widget_class, MarinaManagerWindow, info_label);
    gtk_widget_class_bind_template_child(widget_class, MarinaManagerWindow, tree_view);
    gtk_widget_class_bind_template_child(widget_class, MarinaManagerWindow, empty_box);
}

static void
marina_manager_window_init(MarinaManagerWindow *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));

    self->cancellable = g_cancellable_new();
    self->vm_windows = g_hash_table_new(g_direct_hash, g_direct_equal);
    self->reopen = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
                                         (GDestroyNotify)g_ptr_array_unref);
    self->details = g_hash_table_new(g_direct_hash, g_direct_equal);

    marina_form_set_accessible_name(self->tree_view, _("Guests"));
    marina_form_set_accessible_name(self->search_entry, _("Search guests"));
    marina_form_set_accessible_name(self->new_button, _("New"));
    marina_form_set_accessible_name(self->open_button, _("Open"));
    marina_form_set_accessible_name(self->run_button, _("Run"));
    marina_form_set_accessible_name(self->pause_button, _("Pause"));
    marina_form_set_accessible_name(self->shutdown_button, _("Shut Down"));
    marina_form_set_accessible_name(self->restore_button, _("Restore"));
    marina_form_set_accessible_name(self->delete_button, _("Delete"));
    marina_form_set_accessible_name(self->menu_button, _("Main Menu"));
    marina_form_set_accessible_name(self->info_bar, _("Error"));
    g_action_map_add_action_entries(G_ACTION_MAP(self), win_actions, G_N_ELEMENTS(win_actions),
                                    self);

    g_signal_connect(self->search_entry, "search-changed", G_CALLBACK(on_search_changed), self);
    g_signal_connect(self->search_entry, "stop-search", G_CALLBACK(on_stop_search), self);
    g_signal_connect(self->tree_view, "row-activated", G_CALLBACK(on_row_activated), self);
    g_signal_connect_swapped(self->tree_view, "selection-updated", G_CALLBACK(update_actions),
                             self);
    g_signal_connect(self->tree_view, "connection-filled", G_CALLBACK(on_connection_filled), self);
    g_signal_connect(self->info_bar, "response", G_CALLBACK(on_info_bar_response), self);
    g_signal_connect(self, "delete-event", G_CALLBACK(on_delete_event), self);
}

static void
setup_menus(MarinaManagerWindow *self)
{
    g_autoptr(GtkBuilder) builder =
        gtk_builder_new_from_resource("/org/marinavm/Marina/ui/menus.ui");

    gtk_menu_button_set_menu_model(self->menu_button,
                                   G_MENU_MODEL(gtk_builder_get_object(builder, "primary-menu")));
    gtk_menu_button_set_menu_model(self->shutdown_button,
                                   G_MENU_MODEL(gtk_builder_get_object(builder, "shutdown-menu")));
    /* The main menu opens leftwards from its button at the window's right edge. */
    gtk_widget_set_halign(GTK_WIDGET(gtk_menu_button_get_popup(self->menu_button)), GTK_ALIGN_END);
    marina_guest_view_set_menus(self->tree_view,
                                G_MENU_MODEL(gtk_builder_get_object(builder, "guest-menu")),
                                G_MENU_MODEL(gtk_builder_get_object(builder, "connection-menu")));
}

MarinaManagerWindow *
marina_manager_window_new(MarinaApplication *app)
{
    MarinaManagerWindow *self = g_object_new(MARINA_TYPE_MANAGER_WINDOW, "application", app, NULL);
    static const char *const column_keys[] = {"column-guest-cpu", "column-host-cpu",
                                              "column-memory", "column-disk", "column-network"};
    int width = 0, height = 0;

    self->settings = g_object_ref(marina_application_get_settings(app));
    self->manager = g_object_ref(marina_application_get_connection_manager(app));
    for (guint i = 0; i < G_N_ELEMENTS(column_keys); i++) {
        g_autoptr(GAction) action = g_settings_create_action(self->settings, column_keys[i]);
        g_action_map_add_action(G_ACTION_MAP(self), action);
    }
    g_settings_get(self->settings, "window-size", "(ii)", &width, &height);
    if (width > 0 && height > 0)
        gtk_window_set_default_size(GTK_WINDOW(self), width, height);

    setup_menus(self);
    marina_guest_view_setup(self->tree_view, self->manager, self->settings);
    g_signal_connect(self->manager, "items-changed", G_CALLBACK(on_manager_items_changed), self);
    on_manager_items_changed(G_LIST_MODEL(self->manager), 0, 0,
                             g_list_model_get_n_items(G_LIST_MODEL(self->manager)), self);
    return self;
}
