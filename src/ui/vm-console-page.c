/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-vm-window"

#include "config.h"

#include "vm-console-page.h"

#include <glib/gi18n.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "form-util.h"
#include "secret-store.h"
#include "serial-console.h"
#include "ui-util.h"

/* Selected console: the graphical one, or serial port n (>= 0). */
#define CONSOLE_GRAPHICAL (-1)
#define CONSOLE_NONE (-2)

/* Reconnecting: QEMU may not listen yet right after a start, and a reboot
 * can drop the stream briefly. A few tries, then the page says why. */
#define RECONNECT_DELAY_MS 1000
#define START_DELAY_MS 300
#define MAX_ATTEMPTS 6

struct _MarinaVmConsolePage {
    GtkStack parent_instance;

    MarinaGuest *guest;
    MarinaDomain *domain; /* NULL until the window has it */
    GSettings *settings;
    GCancellable *console_cancellable; /* the console being opened */
    gboolean disposed;
    gboolean connection_lost;
    gboolean fullscreen;
    /* This window's scaling: "fit", "100" or "resize" (see the header). */
    char *scaling;
    GtkScrolledWindow *vnc_scroller; /* scrollbars for "100" */

    /* What the guest's configuration offers; guessed until it is known. */
    gboolean config_known;
    gboolean has_graphics;
    guint n_serials;

    int selected; /* CONSOLE_GRAPHICAL, serial index, or CONSOLE_NONE */
    gboolean user_selected;
    gboolean was_active;
    guint reconnect_id;
    guint attempts;

    MarinaVncConsole *vnc;
    GPtrArray *serials; /* MarinaSerialConsole* by port index */

    /* The guest's display password (<graphics passwd>). */
    GtkWidget *password_dialog;
    GCancellable *password_lookup;
    char *password_to_remember; /* stored once the display accepts it */
    gboolean password_from_keyring;
    gboolean password_refused; /* the next try asks the person, not the keyring */

    /* Template children */
    GtkLabel *unavailable_label;
    GtkWidget *reconnect_button;
};

enum { SIGNAL_CHANGED, SIGNAL_CONSOLE_SELECTED, N_SIGNALS };

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE(MarinaVmConsolePage, marina_vm_console_page, GTK_TYPE_STACK)

static void console_update(MarinaVmConsolePage *self);
static void focus_visible(MarinaVmConsolePage *self);
static void console_open_selected(MarinaVmConsolePage *self);

static gboolean
guest_is_active(MarinaVmConsolePage *self)
{
    return self->guest != NULL && marina_guest_is_active(self->guest);
}

static void
update_actions(MarinaVmConsolePage *self)
{
    g_signal_emit(self, signals[SIGNAL_CHANGED], 0);
}

static char *
serial_page_name(guint index)
{
    return g_strdup_printf("serial-%u", index);
}

static MarinaSerialConsole *
serial_console(MarinaVmConsolePage *self, int index)
{
    if (index < 0 || (guint)index >= self->serials->len) {
        return NULL;
    }
    return g_ptr_array_index(self->serials, index);
}

static gboolean
selected_is_attached(MarinaVmConsolePage *self)
{
    MarinaSerialConsole *serial = serial_console(self, self->selected);

    if (self->selected == CONSOLE_GRAPHICAL) {
        return marina_vnc_console_is_open(self->vnc);
    }
    return serial != NULL && marina_serial_console_is_attached(serial);
}

static void
show_console_page(MarinaVmConsolePage *self)
{
    g_autofree char *name = NULL;

    if (self->selected == CONSOLE_GRAPHICAL) {
        if (!marina_vnc_console_is_connected(self->vnc)) {
            gtk_stack_set_visible_child_name(GTK_STACK(self), "connecting");
            return;
        }
        gtk_stack_set_visible_child_name(GTK_STACK(self), "graphical");
    } else {
        name = serial_page_name((guint)self->selected);
        gtk_stack_set_visible_child_name(GTK_STACK(self), name);
    }
    if (marina_form_is_current_page(GTK_WIDGET(self))) {
        focus_visible(self);
    }
}

/* The keyboard to the console shown (the display, not its scroller). */
static void
focus_visible(MarinaVmConsolePage *self)
{
    GtkWidget *child = gtk_stack_get_visible_child(GTK_STACK(self));

    if (child == GTK_WIDGET(self->vnc_scroller))
        child = GTK_WIDGET(self->vnc);
    if (child != NULL)
        gtk_widget_grab_focus(child);
}

static void
show_unavailable(MarinaVmConsolePage *self, const char *message)
{
    gtk_label_set_text(self->unavailable_label, message);
    gtk_stack_set_visible_child_name(GTK_STACK(self), "unavailable");
}

static void
cancel_console_open(MarinaVmConsolePage *self)
{
    if (self->console_cancellable != NULL) {
        g_cancellable_cancel(self->console_cancellable);
        g_clear_object(&self->console_cancellable);
    }
    g_clear_handle_id(&self->reconnect_id, g_source_remove);
}

static void
close_consoles(MarinaVmConsolePage *self)
{
    cancel_console_open(self);
    marina_vnc_console_close(self->vnc);
    for (guint i = 0; i < self->serials->len; i++) {
        marina_serial_console_detach(g_ptr_array_index(self->serials, i));
    }
}

static gboolean
on_reconnect_timeout(gpointer user_data)
{
    MarinaVmConsolePage *self = user_data;

    self->reconnect_id = 0;
    console_update(self);
    return G_SOURCE_REMOVE;
}

static void
schedule_open(MarinaVmConsolePage *self, guint delay_ms)
{
    g_clear_handle_id(&self->reconnect_id, g_source_remove);
    self->reconnect_id = g_timeout_add(delay_ms, on_reconnect_timeout, self);
}

/* A failed attempt: try again shortly, or give up and say why. */
static void
open_failed(MarinaVmConsolePage *self, const char *message)
{
    g_clear_object(&self->console_cancellable);
    if (!guest_is_active(self)) {
        console_update(self);
        return;
    }
    if (++self->attempts < MAX_ATTEMPTS) {
        g_debug("console open failed (attempt %u): %s", self->attempts, message);
        schedule_open(self, RECONNECT_DELAY_MS);
        return;
    }
    show_unavailable(self, message);
}

/* Called whenever the guest's state, the selection or a console changed:
 * shows the page that matches and opens the console when it should be. */
static void
console_update(MarinaVmConsolePage *self)
{
    gboolean active = guest_is_active(self);

    update_actions(self);
    if (self->connection_lost) {
        return;
    }
    if (!active) {
        close_consoles(self);
        self->attempts = 0;
        gtk_stack_set_visible_child_name(GTK_STACK(self), "off");
        return;
    }
    if (self->domain == NULL || !self->config_known) {
        gtk_stack_set_visible_child_name(GTK_STACK(self), "connecting");
        return;
    }
    if (self->selected == CONSOLE_NONE) {
        show_unavailable(self, _("This guest has neither a graphical display nor a serial port. "
                                 "Add one to its configuration to see its console."));
        return;
    }
    if (selected_is_attached(self)) {
        show_console_page(self);
        return;
    }
    if (self->console_cancellable != NULL || self->reconnect_id != 0) {
        return; /* already on its way */
    }
    if (self->attempts >= MAX_ATTEMPTS) {
        return; /* the unavailable page says why; "Connect Again" resets */
    }
    console_open_selected(self);
}

static void
on_open_graphics_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(MarinaVmConsolePage) self = user_data;
    g_autoptr(GError) error = NULL;
    int fd = marina_domain_open_graphics_finish(MARINA_DOMAIN(source), result, &error);

    if (fd < 0) {
        if (marina_ui_is_cancelled(error) || self->disposed) {
            return;
        }
        if (g_error_matches(error, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED)) {
            /* No display after all: fall back to the first serial port. */
            g_clear_object(&self->console_cancellable);
            self->has_graphics = FALSE;
            if (self->n_serials > 0 && !self->user_selected) {
                self->selected = 0;
                console_update(self);
            } else {
                show_unavailable(self, marina_error_message(error));
            }
            return;
        }
        open_failed(self, marina_error_message(error));
        return;
    }
    if (self->disposed) {
        close(fd);
        return;
    }
    g_clear_object(&self->console_cancellable);
    if (!marina_vnc_console_open_fd(self->vnc, fd, &error)) {
        open_failed(self, error->message);
        return;
    }
    /* The page switches when the RFB handshake is done ("connected"). */
    show_console_page(self);
}

static void
on_open_serial_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(MarinaVmConsolePage) self = user_data;
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) scrollback = NULL;
    MarinaSerialConsole *serial;
    int fd = marina_domain_open_serial_finish(MARINA_DOMAIN(source), result, &scrollback, &error);

    if (fd < 0) {
        if (marina_ui_is_cancelled(error) || self->disposed) {
            return;
        }
        open_failed(self, marina_error_message(error));
        return;
    }
    if (self->disposed) {
        close(fd);
        return;
    }
    g_clear_object(&self->console_cancellable);
    /* Changing the selection cancels the request, so it is still the one asked for. */
    serial = serial_console(self, self->selected);
    if (serial == NULL) {
        close(fd);
        open_failed(self, _("The serial port is gone"));
        return;
    }
    marina_serial_console_attach(serial, fd, scrollback);
    self->attempts = 0;
    show_console_page(self);
}

static void
console_open_selected(MarinaVmConsolePage *self)
{
    cancel_console_open(self);
    self->console_cancellable = g_cancellable_new();
    gtk_stack_set_visible_child_name(GTK_STACK(self), "connecting");
    if (self->selected == CONSOLE_GRAPHICAL) {
        marina_domain_open_graphics_async(self->domain, self->console_cancellable,
                                          on_open_graphics_done, g_object_ref(self));
    } else {
        marina_domain_open_serial_async(self->domain, (guint)self->selected,
                                        self->console_cancellable, on_open_serial_done,
                                        g_object_ref(self));
    }
}

/* ------------------------------------------------- display password */

static const char *
connection_uri(MarinaVmConsolePage *self)
{
    MarinaConnection *connection =
        self->domain != NULL ? marina_domain_get_connection(self->domain) : NULL;

    return connection != NULL ? marina_connection_get_uri_string(connection) : NULL;
}

static void
clear_password_state(MarinaVmConsolePage *self)
{
    if (self->password_lookup != NULL) {
        g_cancellable_cancel(self->password_lookup);
        g_clear_object(&self->password_lookup);
    }
    if (self->password_dialog != NULL)
        gtk_widget_destroy(self->password_dialog);
    if (self->password_to_remember != NULL) {
        explicit_bzero(self->password_to_remember, strlen(self->password_to_remember));
        g_clear_pointer(&self->password_to_remember, g_free);
    }
}

static void
on_password_stored(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GError) error = NULL;

    if (!marina_secret_store_save_finish(result, &error))
        g_warning("The console password could not be stored in the keyring: %s", error->message);
}

static void
on_password_forgotten(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GError) error = NULL;

    if (!marina_secret_store_forget_finish(result, &error))
        g_debug("The refused console password stays in the keyring: %s", error->message);
}

static void
on_password_response(GtkDialog *dialog, int response, MarinaVmConsolePage *self)
{
    GtkEntry *entry = g_object_get_data(G_OBJECT(dialog), "marina-entry");
    GtkToggleButton *remember = g_object_get_data(G_OBJECT(dialog), "marina-remember");

    if (response == GTK_RESPONSE_ACCEPT) {
        const char *password = gtk_entry_get_text(entry);

        if (gtk_toggle_button_get_active(remember))
            self->password_to_remember = g_strdup(password);
        self->password_from_keyring = FALSE;
        marina_vnc_console_send_password(self->vnc, password);
    } else {
        /* No password, no console: say so instead of retrying. */
        self->attempts = MAX_ATTEMPTS;
        marina_vnc_console_close(self->vnc);
        show_unavailable(self, _("The graphical console needs its password. Use Connect Again "
                                 "to type it."));
    }
    gtk_widget_destroy(GTK_WIDGET(dialog));
}

static void
ask_password(MarinaVmConsolePage *self)
{
    GtkWidget *toplevel = gtk_widget_get_toplevel(GTK_WIDGET(self));
    GtkWidget *dialog, *box, *label, *entry, *remember;
    const char *name = self->guest != NULL ? marina_guest_get_name(self->guest) : "";
    g_autofree char *title = g_strdup_printf(_("Console Password of %s"), name);

    /* Header bar buttons, as every Marina dialog has them. */
    dialog = gtk_dialog_new_with_buttons(
        title, GTK_IS_WINDOW(toplevel) ? GTK_WINDOW(toplevel) : NULL,
        GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT | GTK_DIALOG_USE_HEADER_BAR, _("_Cancel"),
        GTK_RESPONSE_CANCEL, _("_Log In"), GTK_RESPONSE_ACCEPT, NULL);
    gtk_dialog_set_default_response(GTK_DIALOG(dialog), GTK_RESPONSE_ACCEPT);
    box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 8);
    gtk_container_set_border_width(GTK_CONTAINER(box), 18);
    label = gtk_label_new(self->password_refused
                              ? _("The password was refused. Type the display password again.")
                              : _("The guest's graphical display has a password."));
    gtk_label_set_xalign(GTK_LABEL(label), 0);
    entry = gtk_entry_new();
    gtk_entry_set_visibility(GTK_ENTRY(entry), FALSE);
    gtk_entry_set_input_purpose(GTK_ENTRY(entry), GTK_INPUT_PURPOSE_PASSWORD);
    gtk_entry_set_activates_default(GTK_ENTRY(entry), TRUE);
    atk_object_set_name(gtk_widget_get_accessible(entry), _("Password"));
    remember = gtk_check_button_new_with_mnemonic(_("_Remember this password"));
    gtk_container_add(GTK_CONTAINER(box), label);
    gtk_container_add(GTK_CONTAINER(box), entry);
    gtk_container_add(GTK_CONTAINER(box), remember);
    gtk_container_add(GTK_CONTAINER(gtk_dialog_get_content_area(GTK_DIALOG(dialog))), box);
    g_object_set_data(G_OBJECT(dialog), "marina-entry", entry);
    g_object_set_data(G_OBJECT(dialog), "marina-remember", remember);
    g_signal_connect(dialog, "response", G_CALLBACK(on_password_response), self);
    self->password_dialog = dialog;
    g_object_add_weak_pointer(G_OBJECT(dialog), (gpointer *)&self->password_dialog);
    gtk_widget_show_all(dialog);
    gtk_widget_grab_focus(entry);
}

static void
on_password_looked_up(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(MarinaVmConsolePage) self = user_data;
    g_autoptr(GError) error = NULL;
    char *password = marina_secret_store_lookup_finish(result, &error);

    if (marina_ui_is_cancelled(error) || self->disposed) {
        marina_secret_store_free(password);
        return;
    }
    g_clear_object(&self->password_lookup);
    if (password == NULL) {
        ask_password(self);
        return;
    }
    self->password_from_keyring = TRUE;
    marina_vnc_console_send_password(self->vnc, password);
    marina_secret_store_free(password);
}

static void
on_vnc_password_needed(MarinaVncConsole *vnc, MarinaVmConsolePage *self)
{
    const char *uri = connection_uri(self);

    clear_password_state(self);
    if (self->password_refused || uri == NULL || self->domain == NULL) {
        ask_password(self);
        return;
    }
    self->password_lookup = g_cancellable_new();
    marina_secret_store_lookup_async(MARINA_SECRET_KIND_VNC, uri,
                                     marina_domain_get_uuid(self->domain), self->password_lookup,
                                     on_password_looked_up, g_object_ref(self));
}

/* A wrong password: forget it if the keyring gave it, and ask the person
 * when the console reconnects (the disconnect follows). */
static void
on_vnc_password_refused(MarinaVncConsole *vnc, MarinaVmConsolePage *self)
{
    const char *uri = connection_uri(self);

    if (self->password_from_keyring && uri != NULL && self->domain != NULL)
        marina_secret_store_forget_async(MARINA_SECRET_KIND_VNC, uri,
                                         marina_domain_get_uuid(self->domain), NULL,
                                         on_password_forgotten, NULL);
    self->password_from_keyring = FALSE;
    self->password_refused = TRUE;
    self->attempts = 0;
    clear_password_state(self);
}

/* The display took the password: remember it if asked to. */
static void
password_accepted(MarinaVmConsolePage *self)
{
    const char *uri = connection_uri(self);
    const char *name = self->guest != NULL ? marina_guest_get_name(self->guest) : "";

    self->password_refused = FALSE;
    self->password_from_keyring = FALSE;
    if (self->password_to_remember != NULL && uri != NULL && self->domain != NULL) {
        g_autofree char *label =
            g_strdup_printf(_("Marina: console password of %s on %s"), name, uri);

        marina_secret_store_save_async(MARINA_SECRET_KIND_VNC, uri,
                                       marina_domain_get_uuid(self->domain), label,
                                       self->password_to_remember, NULL, on_password_stored, NULL);
    }
    clear_password_state(self);
}

static void
on_vnc_connected(MarinaVncConsole *vnc, MarinaVmConsolePage *self)
{
    password_accepted(self);
    (void)vnc;
    self->attempts = 0;
    update_actions(self);
    if (self->selected == CONSOLE_GRAPHICAL) {
        show_console_page(self);
    }
}

/* The stream ended: the guest stopped, or its display went away for a
 * moment (reboot); reconnect while the guest runs. */
static void
on_console_disconnected(GtkWidget *console, MarinaVmConsolePage *self)
{
    (void)console;
    update_actions(self);
    if (!guest_is_active(self)) {
        console_update(self);
        return;
    }
    self->attempts = 0;
    gtk_stack_set_visible_child_name(GTK_STACK(self), "connecting");
    schedule_open(self, RECONNECT_DELAY_MS);
}

static void
select_console(MarinaVmConsolePage *self, int selected, gboolean by_user)
{
    g_autofree char *target = NULL;

    if (self->selected != selected) {
        cancel_console_open(self);
        self->attempts = 0;
    }
    self->selected = selected;
    self->user_selected |= by_user;
    target = selected == CONSOLE_GRAPHICAL ? g_strdup("graphical")
             : selected >= 0               ? serial_page_name((guint)selected)
                                           : g_strdup("none");
    g_signal_emit(self, signals[SIGNAL_CONSOLE_SELECTED], 0, target);
    console_update(self);
}

static void
add_view_item(GtkWidget *menu, const char *label, const char *target)
{
    GtkWidget *item = gtk_check_menu_item_new_with_label(label);

    gtk_check_menu_item_set_draw_as_radio(GTK_CHECK_MENU_ITEM(item), TRUE);
    gtk_actionable_set_action_name(GTK_ACTIONABLE(item), "win.console");
    gtk_actionable_set_action_target(GTK_ACTIONABLE(item), "s", target);
    gtk_menu_shell_append(GTK_MENU_SHELL(menu), item);
}

static void
add_scaling_item(GtkWidget *menu, const char *label, const char *mode)
{
    GtkWidget *item = gtk_check_menu_item_new_with_label(label);

    gtk_check_menu_item_set_draw_as_radio(GTK_CHECK_MENU_ITEM(item), TRUE);
    gtk_actionable_set_action_name(GTK_ACTIONABLE(item), "win.scaling");
    gtk_actionable_set_action_target(GTK_ACTIONABLE(item), "s", mode);
    gtk_menu_shell_append(GTK_MENU_SHELL(menu), item);
}

/* The serial pages follow the configuration. */
static void
add_serial_pages(MarinaVmConsolePage *self)
{
    for (guint i = self->serials->len; i < self->n_serials; i++) {
        GtkWidget *serial = marina_serial_console_new();
        g_autofree char *name = serial_page_name(i);

        g_signal_connect(serial, "disconnected", G_CALLBACK(on_console_disconnected), self);
        gtk_widget_show(serial);
        gtk_stack_add_named(GTK_STACK(self), serial, name);
        g_ptr_array_add(self->serials, serial);
    }
}

GtkWidget *
marina_vm_console_page_build_view_menu(MarinaVmConsolePage *self)
{
    GtkWidget *menu = gtk_menu_new();

    g_return_val_if_fail(MARINA_IS_VM_CONSOLE_PAGE(self), NULL);
    if (self->has_graphics) {
        add_view_item(menu, _("Graphical console"), "graphical");
    }
    for (guint i = 0; i < self->n_serials; i++) {
        g_autofree char *label = g_strdup_printf(_("Serial %u"), i + 1);
        g_autofree char *target = serial_page_name(i);

        add_view_item(menu, label, target);
    }
    /* The graphical console's scaling, this window's own (win.scaling). */
    if (self->has_graphics) {
        gtk_menu_shell_append(GTK_MENU_SHELL(menu), gtk_separator_menu_item_new());
        add_scaling_item(menu, _("Scale to fit window"), "fit");
        add_scaling_item(menu, _("100 %"), "100");
        add_scaling_item(menu, _("Resize guest to window"), "resize");
    }
    gtk_widget_show_all(menu);
    return menu;
}

void
marina_vm_console_page_set_config(MarinaVmConsolePage *self, gboolean has_graphics, guint n_serials)
{
    int selected;

    g_return_if_fail(MARINA_IS_VM_CONSOLE_PAGE(self));
    self->has_graphics = has_graphics;
    self->n_serials = n_serials;
    self->config_known = TRUE;
    add_serial_pages(self);
    if (self->user_selected) {
        selected = self->selected;
    } else if (self->has_graphics) {
        selected = CONSOLE_GRAPHICAL;
    } else if (self->n_serials > 0) {
        selected = 0;
    } else {
        selected = CONSOLE_NONE;
    }
    select_console(self, selected, FALSE);
}

gboolean
marina_vm_console_page_select(MarinaVmConsolePage *self, const char *target)
{
    guint64 index;

    g_return_val_if_fail(MARINA_IS_VM_CONSOLE_PAGE(self), FALSE);
    if (g_strcmp0(target, "graphical") == 0) {
        select_console(self, CONSOLE_GRAPHICAL, TRUE);
    } else if (g_str_has_prefix(target, "serial-") &&
               g_ascii_string_to_unsigned(target + 7, 10, 0, G_MAXINT, &index, NULL) &&
               index < self->n_serials) {
        select_console(self, (int)index, TRUE);
    } else {
        return FALSE;
    }
    return TRUE;
}

/* ------------------------------------------------------------ the guest */

static void
on_guest_state_changed(MarinaGuest *guest, GParamSpec *pspec, MarinaVmConsolePage *self)
{
    gboolean active = marina_guest_is_active(guest);

    if (active && !self->was_active) {
        /* Started: give QEMU a moment to listen, then connect. */
        self->attempts = 0;
        cancel_console_open(self);
        self->was_active = TRUE;
        update_actions(self);
        if (self->config_known) {
            gtk_stack_set_visible_child_name(GTK_STACK(self), "connecting");
            schedule_open(self, START_DELAY_MS);
        }
        return;
    }
    self->was_active = active;
    console_update(self);
}

void
marina_vm_console_page_set_guest(MarinaVmConsolePage *self, MarinaGuest *guest)
{
    g_return_if_fail(MARINA_IS_VM_CONSOLE_PAGE(self));
    g_return_if_fail(MARINA_IS_GUEST(guest));
    /* Another guest object: the same guest on its new host after a
     * migration. Its consoles open there once the window hands over its
     * domain; what came from the old host is closed. */
    if (self->guest != NULL) {
        g_signal_handlers_disconnect_by_data(self->guest, self);
        close_consoles(self);
        g_clear_object(&self->domain);
        g_clear_object(&self->guest);
        self->attempts = 0;
        self->connection_lost = FALSE;
        gtk_widget_show(self->reconnect_button);
    }
    self->guest = g_object_ref(guest);
    self->was_active = marina_guest_is_active(guest);
    g_signal_connect(guest, "notify::state", G_CALLBACK(on_guest_state_changed), self);
    console_update(self);
}

void
marina_vm_console_page_set_domain(MarinaVmConsolePage *self, MarinaDomain *domain)
{
    g_return_if_fail(MARINA_IS_VM_CONSOLE_PAGE(self));
    g_set_object(&self->domain, domain);
}

void
marina_vm_console_page_connection_lost(MarinaVmConsolePage *self)
{
    g_return_if_fail(MARINA_IS_VM_CONSOLE_PAGE(self));
    close_consoles(self);
    g_clear_object(&self->domain);
    self->connection_lost = TRUE;
    update_actions(self);
    gtk_widget_hide(self->reconnect_button);
    show_unavailable(self, _("Not connected to the daemon. Open this guest again from the "
                             "manager window once its connection is back."));
}

void
marina_vm_console_page_reconnect(MarinaVmConsolePage *self)
{
    g_return_if_fail(MARINA_IS_VM_CONSOLE_PAGE(self));
    self->attempts = 0;
    cancel_console_open(self);
    console_update(self);
}

void
marina_vm_console_page_focus(MarinaVmConsolePage *self)
{
    g_return_if_fail(MARINA_IS_VM_CONSOLE_PAGE(self));
    if (guest_is_active(self) && selected_is_attached(self))
        focus_visible(self);
}

gboolean
marina_vm_console_page_has_graphics(MarinaVmConsolePage *self)
{
    g_return_val_if_fail(MARINA_IS_VM_CONSOLE_PAGE(self), FALSE);
    return self->has_graphics;
}

gboolean
marina_vm_console_page_can_send_keys(MarinaVmConsolePage *self)
{
    g_return_val_if_fail(MARINA_IS_VM_CONSOLE_PAGE(self), FALSE);
    return self->selected == CONSOLE_GRAPHICAL && marina_vnc_console_is_connected(self->vnc);
}

void
marina_vm_console_page_send_keys(MarinaVmConsolePage *self, MarinaVncKeys keys)
{
    g_return_if_fail(MARINA_IS_VM_CONSOLE_PAGE(self));
    marina_vnc_console_send_keys(self->vnc, keys);
    gtk_widget_grab_focus(GTK_WIDGET(self->vnc));
}

GdkPixbuf *
marina_vm_console_page_get_pixbuf(MarinaVmConsolePage *self)
{
    g_return_val_if_fail(MARINA_IS_VM_CONSOLE_PAGE(self), NULL);
    return marina_vnc_console_get_pixbuf(self->vnc);
}

/* ------------------------------------------------------------ settings */

/* The mode a new window starts with: the last one chosen (Preferences or
 * a window's View menu), kept in the console keys. */
static char *
default_scaling(GSettings *settings)
{
    g_autofree char *when = g_settings_get_string(settings, "console-scaling");

    if (g_settings_get_boolean(settings, "console-resize-guest"))
        return g_strdup("resize");
    return g_strdup(g_strcmp0(when, "always") == 0 ? "fit" : "100");
}

static void
apply_console_settings(MarinaVmConsolePage *self)
{
    g_autofree char *when = g_settings_get_string(self->settings, "console-scaling");
    g_autofree char *grab = g_settings_get_string(self->settings, "grab-keys");
    gboolean resize = g_strcmp0(self->scaling, "resize") == 0;
    /* "100 %" still fits a fullscreen window when Preferences say so. */
    gboolean scale = resize || g_strcmp0(self->scaling, "fit") == 0 ||
                     (g_strcmp0(when, "fullscreen") == 0 && self->fullscreen);

    marina_vnc_console_set_scaling(self->vnc, scale);
    marina_vnc_console_set_resize_guest(self->vnc, resize);
    /* Unscaled, the guest's screen keeps its size: scroll around it. */
    gtk_scrolled_window_set_policy(self->vnc_scroller,
                                   scale ? GTK_POLICY_NEVER : GTK_POLICY_AUTOMATIC,
                                   scale ? GTK_POLICY_NEVER : GTK_POLICY_AUTOMATIC);
    if (!marina_vnc_console_set_grab_keys(self->vnc, grab)) {
        marina_vnc_console_set_grab_keys(self->vnc, "Control_L+Alt_L");
    }
}

static void
on_settings_changed(GSettings *settings, const char *key, MarinaVmConsolePage *self)
{
    /* The scaling keys are the default for new windows: an open window
     * keeps its own choice. */
    if (g_str_has_prefix(key, "console-") || g_strcmp0(key, "grab-keys") == 0) {
        apply_console_settings(self);
    }
}

void
marina_vm_console_page_set_scaling(MarinaVmConsolePage *self, const char *mode)
{
    g_return_if_fail(MARINA_IS_VM_CONSOLE_PAGE(self));
    g_return_if_fail(g_strcmp0(mode, "fit") == 0 || g_strcmp0(mode, "100") == 0 ||
                     g_strcmp0(mode, "resize") == 0);
    g_free(self->scaling);
    self->scaling = g_strdup(mode);
    apply_console_settings(self);
}

const char *
marina_vm_console_page_get_scaling(MarinaVmConsolePage *self)
{
    g_return_val_if_fail(MARINA_IS_VM_CONSOLE_PAGE(self), "fit");
    return self->scaling;
}

void
marina_vm_console_page_set_fullscreen(MarinaVmConsolePage *self, gboolean fullscreen)
{
    g_return_if_fail(MARINA_IS_VM_CONSOLE_PAGE(self));
    self->fullscreen = fullscreen;
    apply_console_settings(self);
}

/* ------------------------------------------------------------ lifecycle */

static void
marina_vm_console_page_dispose(GObject *object)
{
    MarinaVmConsolePage *self = MARINA_VM_CONSOLE_PAGE(object);

    self->disposed = TRUE;
    cancel_console_open(self);
    clear_password_state(self);
    if (self->guest != NULL)
        g_signal_handlers_disconnect_by_data(self->guest, self);
    if (self->settings != NULL)
        g_signal_handlers_disconnect_by_data(self->settings, self);
    g_clear_object(&self->domain);
    g_clear_object(&self->guest);
    g_clear_object(&self->settings);
    g_clear_pointer(&self->serials, g_ptr_array_unref);
    g_clear_pointer(&self->scaling, g_free);
    G_OBJECT_CLASS(marina_vm_console_page_parent_class)->dispose(object);
}

static void
marina_vm_console_page_class_init(MarinaVmConsolePageClass *klass)
{
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    G_OBJECT_CLASS(klass)->dispose = marina_vm_console_page_dispose;
    gtk_widget_class_set_template_from_resource(widget_class,
                                                "/org/marinavm/Marina/ui/vm-console-page.ui");
    gtk_widget_class_bind_template_child(widget_class, MarinaVmConsolePage, unavailable_label);
    gtk_widget_class_bind_template_child(widget_class, MarinaVmConsolePage, reconnect_button);

    signals[SIGNAL_CHANGED] = g_signal_new("changed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST,
                                           0, NULL, NULL, NULL, G_TYPE_NONE, 0);
    signals[SIGNAL_CONSOLE_SELECTED] =
        g_signal_new("console-selected", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                     NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
marina_vm_console_page_init(MarinaVmConsolePage *self)
{
    GtkWidget *vnc;

    self->serials = g_ptr_array_new();
    self->selected = CONSOLE_GRAPHICAL;
    self->has_graphics = TRUE;
    gtk_widget_init_template(GTK_WIDGET(self));

    vnc = marina_vnc_console_new();
    self->vnc = MARINA_VNC_CONSOLE(vnc);
    g_signal_connect(vnc, "connected", G_CALLBACK(on_vnc_connected), self);
    g_signal_connect(vnc, "disconnected", G_CALLBACK(on_console_disconnected), self);
    g_signal_connect(vnc, "password-needed", G_CALLBACK(on_vnc_password_needed), self);
    g_signal_connect(vnc, "password-refused", G_CALLBACK(on_vnc_password_refused), self);
    gtk_widget_show(vnc);
    self->vnc_scroller = GTK_SCROLLED_WINDOW(gtk_scrolled_window_new(NULL, NULL));
    gtk_container_add(GTK_CONTAINER(self->vnc_scroller), vnc);
    gtk_widget_show(GTK_WIDGET(self->vnc_scroller));
    gtk_stack_add_named(GTK_STACK(self), GTK_WIDGET(self->vnc_scroller), "graphical");

    self->settings = g_settings_new("org.marinavm.Marina");
    self->scaling = default_scaling(self->settings);
    g_signal_connect(self->settings, "changed", G_CALLBACK(on_settings_changed), self);
    apply_console_settings(self);
    gtk_stack_set_visible_child_name(GTK_STACK(self), "connecting");
}
