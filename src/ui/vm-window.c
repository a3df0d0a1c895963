/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-vm-window"

#include "config.h"

#include "vm-window.h"

#include <gio/gunixfdlist.h>
#include <glib/gi18n.h>

#include "connection.h"
#include "customize-bar.h"
#include "domain-config.h"
#include "error.h"
#include "graph.h"
#include "serial-console.h"
#include "ui-util.h"
#include "vnc-console.h"
#include "xml-editor.h"

/* Selected console: the graphical one, or serial port n (>= 0). */
#define CONSOLE_GRAPHICAL (-1)
#define CONSOLE_NONE (-2)

/* Reconnecting: QEMU may not listen yet right after a start, and a reboot
 * can drop the stream briefly. A few tries, then the page says why. */
#define RECONNECT_DELAY_MS 1000
#define START_DELAY_MS 300
#define MAX_ATTEMPTS 6

#define TOOLBAR_HIDE_MS 1500

enum { GRAPH_CPU, GRAPH_MEMORY, GRAPH_DISK, GRAPH_NET, N_GRAPHS };

struct _MarinaVmWindow {
    GtkApplicationWindow parent_instance;

    MarinaGuestList *list;
    MarinaGuest *guest;
    MarinaConnection *connection;
    MarinaDBusDomain *domain; /* NULL until the proxy arrives */
    GSettings *settings;
    GCancellable *cancellable;         /* the window's lifetime */
    GCancellable *console_cancellable; /* the console being opened */
    gboolean disposed;
    gboolean connection_lost;

    /* What the guest's configuration offers; guessed until GetXML answers. */
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

    gboolean fullscreen;
    guint toolbar_hide_id;
    GtkWidget *hotspot;

    GtkWidget *graphs[N_GRAPHS];

    /* Template children */
    GtkHeaderBar *header_bar;
    GtkWidget *pause_button;
    GtkWidget *shutdown_button;
    GtkImage *pause_image;
    GtkMenuButton *sendkey_button;
    GtkMenuButton *fs_sendkey_button;
    GtkMenuButton *console_view_button;
    GtkOverlay *overlay;
    GtkInfoBar *info_bar;
    GtkLabel *info_label;
    GtkStack *main_stack;
    GtkStack *console_stack;
    GtkLabel *connecting_label;
    GtkLabel *unavailable_label;
    GtkWidget *reconnect_button;
    GtkListBox *details_list;
    GtkListBoxRow *overview_row;
    GtkListBoxRow *performance_row;
    GtkStack *details_stack;
    GtkLabel *name_value;
    GtkLabel *uuid_value;
    GtkLabel *state_value;
    GtkImage *state_icon;
    GtkLabel *vcpus_value;
    GtkLabel *memory_value;
    GtkLabel *title_value;
    GtkLabel *description_value;
    GtkGrid *performance_grid;
    GtkRevealer *fullscreen_revealer;
    GtkLabel *fs_title;

    /* The Details page's XML tab, and the bar of a guest customized before install. */
    GtkWidget *xml_row;
    MarinaXmlEditor *xml_editor;
    GtkWidget *customize_bar;
};

G_DEFINE_FINAL_TYPE(MarinaVmWindow, marina_vm_window, GTK_TYPE_APPLICATION_WINDOW)

static void console_update(MarinaVmWindow *self);
static void console_open_selected(MarinaVmWindow *self);
static void update_graphs(MarinaVmWindow *self);

/* ---------------------------------------------------------------- helpers */

static gboolean
guest_is_active(MarinaVmWindow *self)
{
    return marina_guest_is_active(self->guest);
}

static MarinaDomainState
guest_state(MarinaVmWindow *self)
{
    return marina_guest_get_state(self->guest, NULL);
}

static void
show_error(MarinaVmWindow *self, const char *message)
{
    gtk_label_set_text(self->info_label, message);
    gtk_widget_show(GTK_WIDGET(self->info_bar));
}

static void
on_info_bar_response(GtkInfoBar *bar, int response, MarinaVmWindow *self)
{
    (void)response;
    (void)self;
    gtk_widget_hide(GTK_WIDGET(bar));
}

static const char *
state_icon_name(MarinaDomainState state)
{
    switch (state) {
    case MARINA_DOMAIN_RUNNING:
    case MARINA_DOMAIN_BLOCKED:
        return "media-playback-start-symbolic";
    case MARINA_DOMAIN_PAUSED:
    case MARINA_DOMAIN_PMSUSPENDED:
        return "media-playback-pause-symbolic";
    case MARINA_DOMAIN_CRASHED:
        return "dialog-error-symbolic";
    default:
        return "system-shutdown-symbolic";
    }
}

/* ----------------------------------------------------------- header state */

static void
update_actions(MarinaVmWindow *self)
{
    MarinaDomainState state = guest_state(self);
    gboolean active = guest_is_active(self);
    gboolean running = state == MARINA_DOMAIN_RUNNING || state == MARINA_DOMAIN_BLOCKED;
    gboolean paused = state == MARINA_DOMAIN_PAUSED;
    gboolean have = self->domain != NULL;
    gboolean graphical =
        self->selected == CONSOLE_GRAPHICAL && marina_vnc_console_is_connected(self->vnc);
    GActionMap *actions = G_ACTION_MAP(self);

    marina_ui_set_action_enabled(actions, "run", have && !active);
    marina_ui_set_action_enabled(actions, "pause-resume", have && (running || paused));
    marina_ui_set_action_enabled(actions, "shutdown", have && running);
    marina_ui_set_action_enabled(actions, "reboot", have && running);
    marina_ui_set_action_enabled(actions, "reset", have && active);
    marina_ui_set_action_enabled(actions, "force-off", have && active);
    marina_ui_set_action_enabled(actions, "save", have && (running || paused));
    marina_ui_set_action_enabled(actions, "send-key", graphical);
    marina_ui_set_action_enabled(actions, "screenshot", have && active && self->has_graphics);
    gtk_widget_set_sensitive(self->shutdown_button, have && active);
    gtk_widget_set_sensitive(GTK_WIDGET(self->sendkey_button), graphical);
    gtk_widget_set_sensitive(GTK_WIDGET(self->fs_sendkey_button), graphical);

    /* One button, two meanings: its name says what a click does now. */
    marina_ui_set_pause_face(self->pause_button, self->pause_image, paused,
                             paused ? _("Resume") : _("Pause"));
}

static void
update_overview(MarinaVmWindow *self)
{
    MarinaGuest *g = self->guest;
    const char *title = marina_guest_get_title(g);
    g_autofree char *vcpus = g_strdup_printf("%u", marina_guest_get_vcpus(g));
    g_autofree char *memory =
        g_format_size_full(marina_guest_get_max_memory_kib(g) * 1024, G_FORMAT_SIZE_IEC_UNITS);

    gtk_label_set_text(self->name_value, marina_guest_get_name(g));
    gtk_label_set_text(self->uuid_value, marina_guest_get_uuid(g));
    gtk_label_set_text(self->state_value, marina_guest_get_state_label(g));
    gtk_image_set_from_icon_name(self->state_icon, state_icon_name(guest_state(self)),
                                 GTK_ICON_SIZE_BUTTON);
    gtk_label_set_text(self->vcpus_value, vcpus);
    gtk_label_set_text(self->memory_value, memory);
    gtk_label_set_text(self->title_value, title != NULL && *title ? title : _("None"));
}

static void
update_title(MarinaVmWindow *self)
{
    const char *name = marina_guest_get_name(self->guest);
    const MarinaUri *uri = marina_connection_get_uri(self->connection);
    g_autofree char *title = NULL;

    if (uri != NULL && uri->transport == MARINA_URI_TRANSPORT_SSH && uri->host != NULL) {
        /* Translators: window title, "guest on host" */
        title = g_strdup_printf(_("%s on %s"), name, uri->host);
        gtk_header_bar_set_subtitle(self->header_bar, uri->host);
    } else {
        title = g_strdup(name);
        gtk_header_bar_set_subtitle(self->header_bar, NULL);
    }
    gtk_window_set_title(GTK_WINDOW(self), title);
    gtk_header_bar_set_title(self->header_bar, name);
    gtk_label_set_text(self->fs_title, title);
}

/* -------------------------------------------------------------- consoles */

static char *
serial_page_name(guint index)
{
    return g_strdup_printf("serial-%u", index);
}

static MarinaSerialConsole *
serial_console(MarinaVmWindow *self, int index)
{
    if (index < 0 || (guint)index >= self->serials->len) {
        return NULL;
    }
    return g_ptr_array_index(self->serials, index);
}

static gboolean
selected_is_attached(MarinaVmWindow *self)
{
    MarinaSerialConsole *serial = serial_console(self, self->selected);

    if (self->selected == CONSOLE_GRAPHICAL) {
        return marina_vnc_console_is_open(self->vnc);
    }
    return serial != NULL && marina_serial_console_is_attached(serial);
}

static void
show_console_page(MarinaVmWindow *self)
{
    g_autofree char *name = NULL;

    if (self->selected == CONSOLE_GRAPHICAL) {
        if (!marina_vnc_console_is_connected(self->vnc)) {
            gtk_stack_set_visible_child_name(self->console_stack, "connecting");
            return;
        }
        gtk_stack_set_visible_child_name(self->console_stack, "graphical");
    } else {
        name = serial_page_name((guint)self->selected);
        gtk_stack_set_visible_child_name(self->console_stack, name);
    }
    if (g_strcmp0(gtk_stack_get_visible_child_name(self->main_stack), "console") == 0) {
        gtk_widget_grab_focus(gtk_stack_get_visible_child(self->console_stack));
    }
}

static void
show_unavailable(MarinaVmWindow *self, const char *message)
{
    gtk_label_set_text(self->unavailable_label, message);
    gtk_stack_set_visible_child_name(self->console_stack, "unavailable");
}

static void
cancel_console_open(MarinaVmWindow *self)
{
    if (self->console_cancellable != NULL) {
        g_cancellable_cancel(self->console_cancellable);
        g_clear_object(&self->console_cancellable);
    }
    g_clear_handle_id(&self->reconnect_id, g_source_remove);
}

static void
close_consoles(MarinaVmWindow *self)
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
    MarinaVmWindow *self = user_data;

    self->reconnect_id = 0;
    console_update(self);
    return G_SOURCE_REMOVE;
}

static void
schedule_open(MarinaVmWindow *self, guint delay_ms)
{
    g_clear_handle_id(&self->reconnect_id, g_source_remove);
    self->reconnect_id = g_timeout_add(delay_ms, on_reconnect_timeout, self);
}

/* A failed attempt: try again shortly, or give up and say why. */
static void
open_failed(MarinaVmWindow *self, const char *message)
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
console_update(MarinaVmWindow *self)
{
    gboolean active = guest_is_active(self);

    update_actions(self);
    if (self->connection_lost) {
        return;
    }
    if (!active) {
        close_consoles(self);
        self->attempts = 0;
        gtk_stack_set_visible_child_name(self->console_stack, "off");
        return;
    }
    if (self->domain == NULL || !self->config_known) {
        gtk_stack_set_visible_child_name(self->console_stack, "connecting");
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

static int
take_fd(GVariant *handle, GUnixFDList *fd_list, GError **error)
{
    gint32 index;

    if (handle == NULL || fd_list == NULL) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_FAILED,
                    _("The daemon answered without a console stream; try again"));
        return -1;
    }
    index = g_variant_get_handle(handle);
    return g_unix_fd_list_get(fd_list, index, error);
}

static void
on_open_graphics_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(MarinaVmWindow) self = user_data;
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) handle = NULL;
    g_autoptr(GUnixFDList) fd_list = NULL;
    int fd;

    if (!marina_dbus_domain_call_open_graphics_finish(MARINA_DBUS_DOMAIN(source), &handle, &fd_list,
                                                      result, &error)) {
        if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->disposed) {
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
        return;
    }
    g_clear_object(&self->console_cancellable);
    fd = take_fd(handle, fd_list, &error);
    if (fd < 0 || !marina_vnc_console_open_fd(self->vnc, fd, &error)) {
        open_failed(self, error->message);
        return;
    }
    /* The page switches when the RFB handshake is done ("connected"). */
    show_console_page(self);
}

static void
on_open_serial_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(MarinaVmWindow) self = user_data;
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) handle = NULL;
    g_autoptr(GVariant) scrollback = NULL;
    g_autoptr(GUnixFDList) fd_list = NULL;
    g_autoptr(GBytes) bytes = NULL;
    MarinaSerialConsole *serial;
    int index;
    int fd;

    if (!marina_dbus_domain_call_open_serial_finish(MARINA_DBUS_DOMAIN(source), &handle,
                                                    &scrollback, &fd_list, result, &error)) {
        if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->disposed) {
            return;
        }
        open_failed(self, marina_error_message(error));
        return;
    }
    if (self->disposed) {
        return;
    }
    g_clear_object(&self->console_cancellable);
    /* Changing the selection cancels the request, so it is still the one asked for. */
    index = self->selected;
    serial = serial_console(self, index);
    fd = take_fd(handle, fd_list, &error);
    if (fd < 0 || serial == NULL) {
        open_failed(self, error != NULL ? error->message : _("The serial port is gone"));
        return;
    }
    if (scrollback != NULL) {
        bytes = g_variant_get_data_as_bytes(scrollback);
    }
    marina_serial_console_attach(serial, fd, bytes);
    self->attempts = 0;
    show_console_page(self);
}

static void
console_open_selected(MarinaVmWindow *self)
{
    cancel_console_open(self);
    self->console_cancellable = g_cancellable_new();
    gtk_stack_set_visible_child_name(self->console_stack, "connecting");
    if (self->selected == CONSOLE_GRAPHICAL) {
        marina_dbus_domain_call_open_graphics(self->domain, NULL, self->console_cancellable,
                                              on_open_graphics_done, g_object_ref(self));
    } else {
        marina_dbus_domain_call_open_serial(self->domain, (guint)self->selected, NULL,
                                            self->console_cancellable, on_open_serial_done,
                                            g_object_ref(self));
    }
}

static void
on_vnc_connected(MarinaVncConsole *vnc, MarinaVmWindow *self)
{
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
on_console_disconnected(GtkWidget *console, MarinaVmWindow *self)
{
    (void)console;
    update_actions(self);
    if (!guest_is_active(self)) {
        console_update(self);
        return;
    }
    self->attempts = 0;
    gtk_stack_set_visible_child_name(self->console_stack, "connecting");
    schedule_open(self, RECONNECT_DELAY_MS);
}

static void
select_console(MarinaVmWindow *self, int selected, gboolean by_user)
{
    GAction *action = g_action_map_lookup_action(G_ACTION_MAP(self), "console");
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
    g_simple_action_set_state(G_SIMPLE_ACTION(action), g_variant_new_string(target));
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

/* The Console View menu and the serial pages follow the configuration. */
static void
build_console_views(MarinaVmWindow *self)
{
    GtkWidget *menu = gtk_menu_new();

    for (guint i = self->serials->len; i < self->n_serials; i++) {
        GtkWidget *serial = marina_serial_console_new();
        g_autofree char *name = serial_page_name(i);

        g_signal_connect(serial, "disconnected", G_CALLBACK(on_console_disconnected), self);
        gtk_widget_show(serial);
        gtk_stack_add_named(self->console_stack, serial, name);
        g_ptr_array_add(self->serials, serial);
    }
    if (self->has_graphics) {
        add_view_item(menu, _("Graphical console"), "graphical");
    }
    for (guint i = 0; i < self->n_serials; i++) {
        g_autofree char *label = g_strdup_printf(_("Serial %u"), i + 1);
        g_autofree char *target = serial_page_name(i);

        add_view_item(menu, label, target);
    }
    gtk_widget_show_all(menu);
    gtk_menu_button_set_popup(self->console_view_button, menu);
    gtk_widget_set_sensitive(GTK_WIDGET(self->console_view_button),
                             (self->has_graphics ? 1 : 0) + self->n_serials > 0);
}

static void
apply_config(MarinaVmWindow *self, const MarinaDomainConfig *config)
{
    const char *description = config != NULL ? config->description : NULL;
    int selected;

    if (config != NULL) {
        self->has_graphics = config->graphics->len > 0;
        self->n_serials = config->serials->len;
        if (self->n_serials == 0 && config->consoles->len > 0) {
            self->n_serials = 1; /* a serial <console> implies serial port 0 */
        }
    } else {
        /* Unknown: try the display, fall back to the first port. */
        self->has_graphics = TRUE;
        self->n_serials = 1;
    }
    self->config_known = TRUE;
    gtk_label_set_text(self->description_value,
                       description != NULL && *description ? description : _("None"));
    build_console_views(self);

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

static void
on_get_xml_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(MarinaVmWindow) self = user_data;
    g_autoptr(GError) error = NULL;
    g_autofree char *xml = NULL;
    g_autoptr(MarinaDomainConfig) config = NULL;

    if (!marina_dbus_domain_call_get_xml_finish(MARINA_DBUS_DOMAIN(source), &xml, result, &error)) {
        if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->disposed) {
            return;
        }
        g_message("Could not read the configuration of '%s': %s",
                  marina_guest_get_name(self->guest), marina_error_message(error));
    } else if (!self->disposed) {
        config = marina_domain_config_parse(xml, -1, NULL, &error);
        if (config == NULL) {
            g_message("Could not read the configuration of '%s': %s",
                      marina_guest_get_name(self->guest), error->message);
        }
    }
    if (self->disposed) {
        return;
    }
    apply_config(self, config);
}

static void
on_domain_ready(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(MarinaVmWindow) self = user_data;
    g_autoptr(GError) error = NULL;
    MarinaDBusDomain *domain =
        marina_connection_get_domain_by_path_finish(MARINA_CONNECTION(source), result, &error);

    if (domain == NULL) {
        if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->disposed) {
            return;
        }
        show_error(self, marina_error_message(error));
        show_unavailable(self, marina_error_message(error));
        return;
    }
    if (self->disposed) {
        g_object_unref(domain);
        return;
    }
    self->domain = domain;
    marina_xml_editor_set_domain(self->xml_editor, self->connection, domain);
    marina_xml_editor_set_shut_off(self->xml_editor, guest_state(self) == MARINA_DOMAIN_SHUTOFF);
    /* Long operations (save, shut down with a timeout) outlast GDBus's default. */
    g_dbus_proxy_set_default_timeout(G_DBUS_PROXY(domain), G_MAXINT);
    update_actions(self);
    marina_dbus_domain_call_get_xml(domain, 0, self->cancellable, on_get_xml_done,
                                    g_object_ref(self));
}

/* ---------------------------------------------------------------- guest */

static void
on_guest_state_changed(MarinaGuest *guest, GParamSpec *pspec, MarinaVmWindow *self)
{
    gboolean active = marina_guest_is_active(guest);

    (void)pspec;
    update_overview(self);
    marina_xml_editor_set_shut_off(self->xml_editor, guest_state(self) == MARINA_DOMAIN_SHUTOFF);
    if (active && !self->was_active) {
        /* Started: give QEMU a moment to listen, then connect. */
        self->attempts = 0;
        cancel_console_open(self);
        self->was_active = TRUE;
        update_actions(self);
        if (self->config_known) {
            gtk_stack_set_visible_child_name(self->console_stack, "connecting");
            schedule_open(self, START_DELAY_MS);
        }
        return;
    }
    self->was_active = active;
    console_update(self);
}

static void
on_guest_info_changed(MarinaGuest *guest, GParamSpec *pspec, MarinaVmWindow *self)
{
    (void)guest;
    (void)pspec;
    update_overview(self);
    update_title(self);
}

static void
on_list_items_changed(GListModel *model, guint position, guint removed, guint added,
                      MarinaVmWindow *self)
{
    (void)model;
    (void)position;
    (void)added;
    /* The guest was undefined: nothing left to show. */
    if (removed > 0 &&
        marina_guest_list_lookup(self->list, marina_guest_get_uuid(self->guest)) != self->guest) {
        gtk_widget_destroy(GTK_WIDGET(self));
    }
}

static void
on_connection_closed(MarinaConnection *connection, GError *reason, MarinaVmWindow *self)
{
    g_autofree char *message = NULL;

    /* The reason names the connection already. */
    if (reason != NULL) {
        message = g_strdup(marina_error_message(reason));
    } else {
        message = g_strdup_printf(_("The connection to %s was closed"),
                                  marina_connection_get_uri_string(connection));
    }
    show_error(self, message);
    close_consoles(self);
    g_clear_object(&self->domain);
    self->connection_lost = TRUE;
    update_actions(self);
    gtk_widget_hide(self->reconnect_button);
    show_unavailable(self, _("Not connected to the daemon. Open this guest again from the "
                             "manager window once its connection is back."));
}

/* ------------------------------------------------------------ lifecycle */

typedef struct {
    MarinaVmWindow *self;
    char *what; /* "Could not start “x”" */
} ActionCall;

static void
on_lifecycle_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
    ActionCall *call = user_data;
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) ret = g_dbus_proxy_call_finish(G_DBUS_PROXY(source), result, &error);

    if (ret == NULL && !call->self->disposed &&
        !g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
        g_autofree char *message =
            g_strdup_printf("%s: %s", call->what, marina_error_message(error));

        show_error(call->self, message);
    }
    g_object_unref(call->self);
    g_free(call->what);
    g_free(call);
}

/* @what: a translated format with one %s for the guest's name. */
static void
call_domain(MarinaVmWindow *self, const char *method, GVariant *params, const char *what)
{
    ActionCall *call;

    if (self->domain == NULL) {
        return;
    }
    call = g_new0(ActionCall, 1);
    call->self = g_object_ref(self);
    call->what = g_strdup_printf(what, marina_guest_get_name(self->guest));
    gtk_widget_hide(GTK_WIDGET(self->info_bar));
    g_dbus_proxy_call(G_DBUS_PROXY(self->domain), method, params, G_DBUS_CALL_FLAGS_NONE, -1,
                      self->cancellable, on_lifecycle_done, call);
}

/* Window actions that are one Domain method; @failure is a translated
 * format with one %s for the guest's name. */
static const struct {
    const char *action;
    const char *method;
    gboolean zero_arg; /* the method takes one "u" (flags or seconds to wait): 0 here */
    const char *failure;
} simple_calls[] = {
    {"run", "Start", TRUE, N_("Could not start “%s”")},
    {"shutdown", "Shutdown", TRUE, N_("Could not shut down “%s”")},
    {"reboot", "Reboot", FALSE, N_("Could not reboot “%s”")},
    {"reset", "Reset", FALSE, N_("Could not reset “%s”")},
    {"save", "ManagedSave", FALSE, N_("Could not save “%s”")},
};

static void
action_simple_call(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    const char *name = g_action_get_name(G_ACTION(action));

    (void)param;
    for (gsize i = 0; i < G_N_ELEMENTS(simple_calls); i++) {
        if (g_str_equal(simple_calls[i].action, name)) {
            call_domain(user_data, simple_calls[i].method,
                        simple_calls[i].zero_arg ? g_variant_new("(u)", 0) : NULL,
                        _(simple_calls[i].failure));
            return;
        }
    }
    g_assert_not_reached();
}

static void
on_confirm_response(GtkDialog *dialog, int response, gpointer user_data)
{
    MarinaVmWindow *self = MARINA_VM_WINDOW(user_data);
    const char *method = g_object_get_data(G_OBJECT(dialog), "marina-method");
    const char *failure = g_object_get_data(G_OBJECT(dialog), "marina-failure");
    GtkToggleButton *dont_ask = g_object_get_data(G_OBJECT(dialog), "marina-dont-ask");
    const char *key = g_object_get_data(G_OBJECT(dialog), "marina-key");

    if (response == GTK_RESPONSE_ACCEPT && !self->disposed) {
        if (gtk_toggle_button_get_active(dont_ask)) {
            g_settings_set_boolean(self->settings, key, FALSE);
        }
        call_domain(self, method, NULL, failure);
    }
    gtk_widget_destroy(GTK_WIDGET(dialog));
    g_object_unref(self);
}

/* Runs @method at once, or, when the preference @key asks for it, after the
 * user accepts a question (@question: a format with one %s for the guest's
 * name). Asks without blocking the main loop. */
static void
call_domain_confirmed(MarinaVmWindow *self, const char *key, const char *method,
                      const char *failure, const char *question, const char *secondary,
                      const char *accept)
{
    g_autofree char *primary = NULL;
    GtkWidget *dialog;
    GtkWidget *dont_ask;
    GtkWidget *button;

    if (!g_settings_get_boolean(self->settings, key)) {
        call_domain(self, method, NULL, failure);
        return;
    }
    primary = g_strdup_printf(question, marina_guest_get_name(self->guest));
    dialog =
        gtk_message_dialog_new(GTK_WINDOW(self), GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                               GTK_MESSAGE_WARNING, GTK_BUTTONS_NONE, "%s", primary);
    gtk_message_dialog_format_secondary_text(GTK_MESSAGE_DIALOG(dialog), "%s", secondary);
    gtk_dialog_add_button(GTK_DIALOG(dialog), _("_Cancel"), GTK_RESPONSE_CANCEL);
    button = gtk_dialog_add_button(GTK_DIALOG(dialog), accept, GTK_RESPONSE_ACCEPT);
    gtk_style_context_add_class(gtk_widget_get_style_context(button), "destructive-action");
    gtk_dialog_set_default_response(GTK_DIALOG(dialog), GTK_RESPONSE_CANCEL);
    dont_ask = gtk_check_button_new_with_mnemonic(_("_Don't ask again"));
    gtk_widget_show(dont_ask);
    gtk_box_pack_end(GTK_BOX(gtk_message_dialog_get_message_area(GTK_MESSAGE_DIALOG(dialog))),
                     dont_ask, FALSE, FALSE, 0);
    g_object_set_data_full(G_OBJECT(dialog), "marina-method", g_strdup(method), g_free);
    g_object_set_data_full(G_OBJECT(dialog), "marina-failure", g_strdup(failure), g_free);
    g_object_set_data_full(G_OBJECT(dialog), "marina-key", g_strdup(key), g_free);
    g_object_set_data(G_OBJECT(dialog), "marina-dont-ask", dont_ask);
    g_signal_connect(dialog, "response", G_CALLBACK(on_confirm_response), g_object_ref(self));
    gtk_widget_show(dialog);
}

static void
action_pause_resume(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    MarinaVmWindow *self = user_data;

    (void)action;
    (void)param;
    if (guest_state(self) == MARINA_DOMAIN_PAUSED) {
        call_domain(self, "Resume", NULL, _("Could not resume “%s”"));
        return;
    }
    call_domain_confirmed(self, "confirm-pause", "Suspend", _("Could not pause “%s”"),
                          _("Pause “%s”?"),
                          _("The guest stops running until you resume it. Its network "
                            "connections may time out meanwhile."),
                          _("_Pause"));
}

static void
action_force_off(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    (void)action;
    (void)param;
    call_domain_confirmed(user_data, "confirm-force-off", "Destroy", _("Could not force “%s” off"),
                          _("Force “%s” off?"),
                          _("The guest stops at once, like pulling the power cord: anything it "
                            "has not written to disk is lost."),
                          _("_Force Off"));
}

static void
action_reconnect_console(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    MarinaVmWindow *self = user_data;

    (void)action;
    (void)param;
    self->attempts = 0;
    cancel_console_open(self);
    console_update(self);
}

static void
action_send_key(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    MarinaVmWindow *self = user_data;

    (void)action;
    marina_vnc_console_send_keys(self->vnc, (MarinaVncKeys)g_variant_get_uint32(param));
    gtk_widget_grab_focus(GTK_WIDGET(self->vnc));
}

static void
action_console(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    MarinaVmWindow *self = user_data;
    const char *target = g_variant_get_string(param, NULL);
    int selected = CONSOLE_NONE;
    guint64 index;

    (void)action;
    if (g_strcmp0(target, "graphical") == 0) {
        selected = CONSOLE_GRAPHICAL;
    } else if (g_str_has_prefix(target, "serial-") &&
               g_ascii_string_to_unsigned(target + 7, 10, 0, G_MAXINT, &index, NULL) &&
               index < self->n_serials) {
        selected = (int)index;
    } else {
        return;
    }
    gtk_stack_set_visible_child_name(self->main_stack, "console");
    select_console(self, selected, TRUE);
}

static void
action_show_console(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    (void)action;
    (void)param;
    marina_vm_window_show_console(user_data);
}

static void
action_show_details(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    (void)action;
    (void)param;
    marina_vm_window_show_details(user_data);
}

/* ------------------------------------------------------------ screenshot */

static void
save_png_thread(GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
    GdkPixbuf *pixbuf = task_data;
    const char *path = g_object_get_data(G_OBJECT(task), "marina-path");
    GError *error = NULL;

    (void)source;
    (void)cancellable;
    if (!gdk_pixbuf_save(pixbuf, path, "png", &error, NULL)) {
        g_task_return_error(task, error);
        return;
    }
    g_task_return_boolean(task, TRUE);
}

static void
on_png_saved(GObject *source, GAsyncResult *result, gpointer user_data)
{
    MarinaVmWindow *self = MARINA_VM_WINDOW(source);
    g_autoptr(GError) error = NULL;

    (void)user_data;
    if (!g_task_propagate_boolean(G_TASK(result), &error) && !self->disposed) {
        g_autofree char *message = g_strdup_printf(
            _("Could not save the screenshot to %s: %s. Choose a folder you can write to."),
            (const char *)g_object_get_data(G_OBJECT(result), "marina-path"), error->message);

        show_error(self, message);
    }
}

static void
on_screenshot_chooser_response(GtkNativeDialog *chooser, int response, gpointer user_data)
{
    MarinaVmWindow *self = user_data;
    GdkPixbuf *pixbuf = g_object_get_data(G_OBJECT(chooser), "marina-pixbuf");

    if (response == GTK_RESPONSE_ACCEPT && !self->disposed) {
        g_autofree char *path = gtk_file_chooser_get_filename(GTK_FILE_CHOOSER(chooser));
        g_autoptr(GTask) task = g_task_new(self, self->cancellable, on_png_saved, NULL);

        if (path != NULL && !g_str_has_suffix(path, ".png") && !g_str_has_suffix(path, ".PNG")) {
            char *with_suffix = g_strconcat(path, ".png", NULL);

            g_free(path);
            path = with_suffix;
        }
        g_object_set_data_full(G_OBJECT(task), "marina-path", g_steal_pointer(&path), g_free);
        g_task_set_task_data(task, g_object_ref(pixbuf), g_object_unref);
        g_task_run_in_thread(task, save_png_thread);
    }
    g_object_unref(chooser);
    g_object_unref(self);
}

static void
choose_screenshot_file(MarinaVmWindow *self, GdkPixbuf *pixbuf)
{
    GtkFileChooserNative *chooser;
    GtkFileFilter *filter = gtk_file_filter_new();
    g_autoptr(GDateTime) now = g_date_time_new_now_local();
    g_autofree char *stamp = g_date_time_format(now, "%Y-%m-%d-%H%M%S");
    g_autofree char *name = g_strdup_printf("%s-%s.png", marina_guest_get_name(self->guest), stamp);
    const char *pictures = g_get_user_special_dir(G_USER_DIRECTORY_PICTURES);

    chooser = gtk_file_chooser_native_new(_("Save Screenshot"), GTK_WINDOW(self),
                                          GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
    gtk_file_chooser_set_do_overwrite_confirmation(GTK_FILE_CHOOSER(chooser), TRUE);
    gtk_file_chooser_set_current_name(GTK_FILE_CHOOSER(chooser), name);
    if (pictures != NULL) {
        gtk_file_chooser_set_current_folder(GTK_FILE_CHOOSER(chooser), pictures);
    }
    gtk_file_filter_set_name(filter, _("PNG images"));
    gtk_file_filter_add_mime_type(filter, "image/png");
    gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(chooser), filter);
    g_object_set_data_full(G_OBJECT(chooser), "marina-pixbuf", g_object_ref(pixbuf),
                           g_object_unref);
    g_signal_connect(chooser, "response", G_CALLBACK(on_screenshot_chooser_response),
                     g_object_ref(self));
    gtk_native_dialog_show(GTK_NATIVE_DIALOG(chooser));
}

static void
on_daemon_screenshot_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(MarinaVmWindow) self = user_data;
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) png = NULL;
    g_autoptr(GBytes) bytes = NULL;
    g_autoptr(GInputStream) stream = NULL;
    g_autoptr(GdkPixbuf) pixbuf = NULL;

    if (!marina_dbus_domain_call_screenshot_finish(MARINA_DBUS_DOMAIN(source), &png, result,
                                                   &error)) {
        if (!self->disposed && !g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
            g_autofree char *message =
                g_strdup_printf(_("Could not take a screenshot: %s"), marina_error_message(error));
            show_error(self, message);
        }
        return;
    }
    if (self->disposed) {
        return;
    }
    bytes = g_variant_get_data_as_bytes(png);
    stream = g_memory_input_stream_new_from_bytes(bytes);
    pixbuf = gdk_pixbuf_new_from_stream(stream, NULL, &error);
    if (pixbuf == NULL) {
        g_autofree char *message = g_strdup_printf(
            _("The daemon sent a screenshot Marina cannot read: %s"), error->message);
        show_error(self, message);
        return;
    }
    choose_screenshot_file(self, pixbuf);
}

static void
action_screenshot(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    MarinaVmWindow *self = user_data;
    g_autoptr(GdkPixbuf) pixbuf = marina_vnc_console_get_pixbuf(self->vnc);

    (void)action;
    (void)param;
    if (pixbuf != NULL) {
        choose_screenshot_file(self, pixbuf);
    } else if (self->domain != NULL) {
        /* Console not open (e.g. serial shown): the daemon can still grab the screen. */
        marina_dbus_domain_call_screenshot(self->domain, self->cancellable,
                                           on_daemon_screenshot_done, g_object_ref(self));
    }
}

/* ------------------------------------------------------------ fullscreen */

static void
apply_console_settings(MarinaVmWindow *self)
{
    g_autofree char *scaling = g_settings_get_string(self->settings, "console-scaling");
    g_autofree char *grab = g_settings_get_string(self->settings, "grab-keys");
    gboolean scale = g_strcmp0(scaling, "always") == 0 ||
                     (g_strcmp0(scaling, "fullscreen") == 0 && self->fullscreen);

    marina_vnc_console_set_scaling(self->vnc, scale);
    marina_vnc_console_set_resize_guest(
        self->vnc, g_settings_get_boolean(self->settings, "console-resize-guest"));
    if (!marina_vnc_console_set_grab_keys(self->vnc, grab)) {
        marina_vnc_console_set_grab_keys(self->vnc, "Control_L+Alt_L");
    }
}

static void
on_settings_changed(GSettings *settings, const char *key, MarinaVmWindow *self)
{
    (void)settings;
    if (g_str_has_prefix(key, "console-") || g_strcmp0(key, "grab-keys") == 0) {
        apply_console_settings(self);
    }
}

static gboolean
on_toolbar_hide_timeout(gpointer user_data)
{
    MarinaVmWindow *self = user_data;

    self->toolbar_hide_id = 0;
    gtk_revealer_set_reveal_child(self->fullscreen_revealer, FALSE);
    return G_SOURCE_REMOVE;
}

static void
schedule_toolbar_hide(MarinaVmWindow *self)
{
    g_clear_handle_id(&self->toolbar_hide_id, g_source_remove);
    self->toolbar_hide_id = g_timeout_add(TOOLBAR_HIDE_MS, on_toolbar_hide_timeout, self);
}

static void
reveal_toolbar(MarinaVmWindow *self)
{
    if (!self->fullscreen) {
        return;
    }
    gtk_revealer_set_reveal_child(self->fullscreen_revealer, TRUE);
    schedule_toolbar_hide(self);
}

static gboolean
on_hotspot_enter(GtkWidget *widget, GdkEventCrossing *event, MarinaVmWindow *self)
{
    (void)widget;
    (void)event;
    reveal_toolbar(self);
    return GDK_EVENT_PROPAGATE;
}

static gboolean
on_toolbar_enter(GtkWidget *widget, GdkEventCrossing *event, MarinaVmWindow *self)
{
    (void)widget;
    (void)event;
    g_clear_handle_id(&self->toolbar_hide_id, g_source_remove);
    return GDK_EVENT_PROPAGATE;
}

static gboolean
on_toolbar_leave(GtkWidget *widget, GdkEventCrossing *event, MarinaVmWindow *self)
{
    (void)widget;
    /* Leaving into a child (a menu button) is not leaving the toolbar. */
    if (event->detail != GDK_NOTIFY_INFERIOR && self->fullscreen) {
        schedule_toolbar_hide(self);
    }
    return GDK_EVENT_PROPAGATE;
}

static void
set_fullscreen_state(MarinaVmWindow *self, gboolean fullscreen)
{
    GAction *action = g_action_map_lookup_action(G_ACTION_MAP(self), "fullscreen");

    if (self->fullscreen == fullscreen) {
        return;
    }
    self->fullscreen = fullscreen;
    g_simple_action_set_state(G_SIMPLE_ACTION(action), g_variant_new_boolean(fullscreen));
    gtk_widget_set_visible(self->hotspot, fullscreen);
    if (fullscreen) {
        gtk_stack_set_visible_child_name(self->main_stack, "console");
        reveal_toolbar(self);
    } else {
        g_clear_handle_id(&self->toolbar_hide_id, g_source_remove);
        gtk_revealer_set_reveal_child(self->fullscreen_revealer, FALSE);
    }
    apply_console_settings(self);
}

static void
action_fullscreen(GSimpleAction *action, GVariant *state, gpointer user_data)
{
    MarinaVmWindow *self = user_data;

    (void)action;
    if (g_variant_get_boolean(state)) {
        gtk_window_fullscreen(GTK_WINDOW(self));
    } else {
        gtk_window_unfullscreen(GTK_WINDOW(self));
    }
    /* Follow at once; the window manager's answer (window-state-event)
     * corrects this if it refuses. */
    set_fullscreen_state(self, g_variant_get_boolean(state));
}

static gboolean
marina_vm_window_window_state_event(GtkWidget *widget, GdkEventWindowState *event)
{
    MarinaVmWindow *self = MARINA_VM_WINDOW(widget);

    if (event->changed_mask & GDK_WINDOW_STATE_FULLSCREEN) {
        set_fullscreen_state(self, (event->new_window_state & GDK_WINDOW_STATE_FULLSCREEN) != 0);
    }
    return GTK_WIDGET_CLASS(marina_vm_window_parent_class)->window_state_event(widget, event);
}

/* ---------------------------------------------------------- performance */

static GtkWidget *
add_graph(MarinaVmWindow *self, int row, int column, const char *heading,
          const char *accessible_name)
{
    GtkWidget *label = gtk_label_new(NULL);
    GtkWidget *graph = marina_graph_new();

    gtk_label_set_markup(GTK_LABEL(label), heading);
    gtk_label_set_xalign(GTK_LABEL(label), 0);
    gtk_widget_set_margin_top(label, row > 0 ? 12 : 0);
    gtk_widget_set_hexpand(graph, TRUE);
    gtk_widget_set_vexpand(graph, TRUE);
    marina_graph_set_capacity(MARINA_GRAPH(graph), MARINA_GUEST_HISTORY);
    atk_object_set_name(gtk_widget_get_accessible(graph), accessible_name);
    gtk_grid_attach(self->performance_grid, label, column, row * 2, 1, 1);
    gtk_grid_attach(self->performance_grid, graph, column, row * 2 + 1, 1, 1);
    gtk_widget_show(label);
    gtk_widget_show(graph);
    return graph;
}

static void
build_performance_page(MarinaVmWindow *self)
{
    g_autofree char *cpu = g_strdup_printf("<b>%s</b>", _("CPU usage"));
    g_autofree char *memory = g_strdup_printf("<b>%s</b>", _("Memory usage"));
    /* The colours match the graph's two series (blue first, orange second). */
    g_autofree char *disk = g_strdup_printf(
        "<b>%s</b>  <span foreground='#3385e3'>■</span> %s  <span foreground='#e66100'>■</span> "
        "%s",
        _("Disk I/O"), _("read"), _("write"));
    g_autofree char *net = g_strdup_printf(
        "<b>%s</b>  <span foreground='#3385e3'>■</span> %s  <span foreground='#e66100'>■</span> "
        "%s",
        _("Network I/O"), _("received"), _("sent"));

    self->graphs[GRAPH_CPU] = add_graph(self, 0, 0, cpu, _("CPU usage graph"));
    self->graphs[GRAPH_MEMORY] = add_graph(self, 0, 1, memory, _("Memory usage graph"));
    self->graphs[GRAPH_DISK] = add_graph(self, 1, 0, disk, _("Disk I/O graph"));
    self->graphs[GRAPH_NET] = add_graph(self, 1, 1, net, _("Network I/O graph"));
}

static char *
format_rate(double bytes_per_s)
{
    g_autofree char *size = g_format_size((guint64)MAX(bytes_per_s, 0));

    /* Translators: a transfer rate, e.g. "1.2 MB/s" */
    return g_strdup_printf(_("%s/s"), size);
}

static void
set_pair_graph(MarinaVmWindow *self, int graph, MarinaGuestSeries a, MarinaGuestSeries b,
               const char *format)
{
    guint n_a = 0, n_b = 0;
    const double *va = marina_guest_get_history(self->guest, a, &n_a);
    const double *vb = marina_guest_get_history(self->guest, b, &n_b);
    g_autofree char *ra = format_rate(marina_guest_get_latest(self->guest, a));
    g_autofree char *rb = format_rate(marina_guest_get_latest(self->guest, b));
    g_autofree char *label = NULL;

    if (n_a == 0 && n_b == 0) {
        label = g_strdup(_("Not measured"));
    } else {
        label = g_strdup_printf(format, ra, rb);
    }
    marina_graph_set_data(MARINA_GRAPH(self->graphs[graph]), va, n_a, vb, n_b, 0);
    marina_graph_set_label(MARINA_GRAPH(self->graphs[graph]), label);
}

static void
update_graphs(MarinaVmWindow *self)
{
    guint n = 0;
    const double *v;
    g_autofree char *cpu = NULL;
    g_autofree char *mem = NULL;
    g_autofree char *total = NULL;

    v = marina_guest_get_history(self->guest, MARINA_GUEST_SERIES_CPU, &n);
    cpu = g_strdup_printf(_("%.0f %%"),
                          marina_guest_get_latest(self->guest, MARINA_GUEST_SERIES_CPU));
    marina_graph_set_data(MARINA_GRAPH(self->graphs[GRAPH_CPU]), v, n, NULL, 0, 100);
    marina_graph_set_label(MARINA_GRAPH(self->graphs[GRAPH_CPU]), n > 0 ? cpu : "");

    v = marina_guest_get_history(self->guest, MARINA_GUEST_SERIES_MEMORY, &n);
    total = g_format_size_full(marina_guest_get_max_memory_kib(self->guest) * 1024,
                               G_FORMAT_SIZE_IEC_UNITS);
    /* Translators: memory in use, e.g. "34 % of 128.0 MiB" */
    mem = g_strdup_printf(_("%.0f %% of %s"),
                          marina_guest_get_latest(self->guest, MARINA_GUEST_SERIES_MEMORY), total);
    marina_graph_set_data(MARINA_GRAPH(self->graphs[GRAPH_MEMORY]), v, n, NULL, 0, 100);
    marina_graph_set_label(MARINA_GRAPH(self->graphs[GRAPH_MEMORY]), n > 0 ? mem : "");

    /* Translators: disk rates, e.g. "read 1.2 MB/s, write 40 kB/s" */
    set_pair_graph(self, GRAPH_DISK, MARINA_GUEST_SERIES_DISK_READ, MARINA_GUEST_SERIES_DISK_WRITE,
                   _("read %s, write %s"));
    /* Translators: network rates, e.g. "in 1.2 MB/s, out 40 kB/s" */
    set_pair_graph(self, GRAPH_NET, MARINA_GUEST_SERIES_NET_RX, MARINA_GUEST_SERIES_NET_TX,
                   _("in %s, out %s"));
}

static gboolean
performance_visible(MarinaVmWindow *self)
{
    GdkWindow *window = gtk_widget_get_window(GTK_WIDGET(self));

    if (window == NULL || (gdk_window_get_state(window) & GDK_WINDOW_STATE_ICONIFIED)) {
        return FALSE;
    }
    return gtk_widget_get_mapped(GTK_WIDGET(self)) &&
           g_strcmp0(gtk_stack_get_visible_child_name(self->main_stack), "details") == 0 &&
           g_strcmp0(gtk_stack_get_visible_child_name(self->details_stack), "performance") == 0;
}

/* Drawing costs only when someone looks. */
static void
on_stats_updated(MarinaGuestList *list, MarinaVmWindow *self)
{
    (void)list;
    if (performance_visible(self)) {
        update_graphs(self);
    }
}

static void
on_details_row_selected(GtkListBox *box, GtkListBoxRow *row, MarinaVmWindow *self)
{
    (void)box;
    if (row == NULL) {
        return;
    }
    if (row == self->performance_row) {
        gtk_stack_set_visible_child_name(self->details_stack, "performance");
        update_graphs(self);
    } else if (row == GTK_LIST_BOX_ROW(self->xml_row)) {
        gtk_stack_set_visible_child_name(self->details_stack, "xml");
        marina_xml_editor_reload(self->xml_editor);
    } else {
        gtk_stack_set_visible_child_name(self->details_stack, "overview");
    }
}

static void
on_main_stack_changed(GtkStack *stack, GParamSpec *pspec, MarinaVmWindow *self)
{
    (void)stack;
    (void)pspec;
    if (self->disposed) {
        return;
    }
    if (performance_visible(self)) {
        update_graphs(self);
    }
    if (g_strcmp0(gtk_stack_get_visible_child_name(self->main_stack), "console") == 0 &&
        guest_is_active(self) && selected_is_attached(self)) {
        gtk_widget_grab_focus(gtk_stack_get_visible_child(self->console_stack));
    }
}

/* ------------------------------------------------------------ send keys */

static GtkWidget *
build_sendkey_menu(void)
{
    GtkWidget *menu = gtk_menu_new();
    static const MarinaVncKeys order[] = {MARINA_VNC_KEYS_CTRL_ALT_DEL,
                                          MARINA_VNC_KEYS_CTRL_ALT_BACKSPACE};

    for (guint i = 0; i < G_N_ELEMENTS(order); i++) {
        g_autofree char *label = marina_vnc_console_keys_label(order[i]);
        GtkWidget *item = gtk_menu_item_new_with_label(label);

        gtk_actionable_set_action_name(GTK_ACTIONABLE(item), "win.send-key");
        gtk_actionable_set_action_target(GTK_ACTIONABLE(item), "u", (guint32)order[i]);
        gtk_menu_shell_append(GTK_MENU_SHELL(menu), item);
    }
    gtk_menu_shell_append(GTK_MENU_SHELL(menu), gtk_separator_menu_item_new());
    for (guint k = MARINA_VNC_KEYS_CTRL_ALT_F1; k <= MARINA_VNC_KEYS_CTRL_ALT_F12; k++) {
        g_autofree char *label = marina_vnc_console_keys_label(k);
        GtkWidget *item = gtk_menu_item_new_with_label(label);

        gtk_actionable_set_action_name(GTK_ACTIONABLE(item), "win.send-key");
        gtk_actionable_set_action_target(GTK_ACTIONABLE(item), "u", (guint32)k);
        gtk_menu_shell_append(GTK_MENU_SHELL(menu), item);
    }
    gtk_menu_shell_append(GTK_MENU_SHELL(menu), gtk_separator_menu_item_new());
    {
        g_autofree char *label = marina_vnc_console_keys_label(MARINA_VNC_KEYS_PRINT);
        GtkWidget *item = gtk_menu_item_new_with_label(label);

        gtk_actionable_set_action_name(GTK_ACTIONABLE(item), "win.send-key");
        gtk_actionable_set_action_target(GTK_ACTIONABLE(item), "u", (guint32)MARINA_VNC_KEYS_PRINT);
        gtk_menu_shell_append(GTK_MENU_SHELL(menu), item);
    }
    gtk_widget_show_all(menu);
    return menu;
}

/* ------------------------------------------------------------ XML tab */

static void
build_xml_page(MarinaVmWindow *self)
{
    GtkWidget *box = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 8);
    GtkWidget *label = gtk_label_new(_("XML"));

    self->xml_row = gtk_list_box_row_new();
    g_object_set(box, "margin", 8, NULL);
    gtk_box_pack_start(
        GTK_BOX(box), gtk_image_new_from_icon_name("text-x-generic-symbolic", GTK_ICON_SIZE_BUTTON),
        FALSE, FALSE, 0);
    gtk_label_set_xalign(GTK_LABEL(label), 0);
    gtk_box_pack_start(GTK_BOX(box), label, TRUE, TRUE, 0);
    gtk_container_add(GTK_CONTAINER(self->xml_row), box);
    atk_object_set_name(gtk_widget_get_accessible(self->xml_row), _("XML"));
    gtk_widget_show_all(self->xml_row);
    gtk_container_add(GTK_CONTAINER(self->details_list), self->xml_row);

    self->xml_editor = MARINA_XML_EDITOR(marina_xml_editor_new());
    gtk_widget_show(GTK_WIDGET(self->xml_editor));
    gtk_stack_add_named(self->details_stack, GTK_WIDGET(self->xml_editor), "xml");
}

/* ---------------------------------------------------------- customize */

static void
on_customize_finished(MarinaCustomizeBar *bar, gboolean begun, MarinaVmWindow *self)
{
    (void)bar;
    if (begun) {
        self->customize_bar = NULL;
        marina_vm_window_show_console(self);
    }
    /* Abandoned: the guest is removed, and the window closes with it. */
}

static void
on_customize_bar_destroy(GtkWidget *bar, MarinaVmWindow *self)
{
    if (self->customize_bar == bar)
        self->customize_bar = NULL;
}

void
marina_vm_window_customize(MarinaVmWindow *self, MarinaInstaller *installer)
{
    GtkWidget *parent;

    g_return_if_fail(MARINA_IS_VM_WINDOW(self));
    g_return_if_fail(MARINA_IS_INSTALLER(installer));
    if (self->customize_bar != NULL)
        return;
    self->customize_bar = marina_customize_bar_new(installer);
    g_signal_connect_object(self->customize_bar, "finished", G_CALLBACK(on_customize_finished),
                            self, 0);
    g_signal_connect_object(self->customize_bar, "destroy", G_CALLBACK(on_customize_bar_destroy),
                            self, 0);
    /* Above the pages, beside the window's own info bar. */
    parent = gtk_widget_get_parent(GTK_WIDGET(self->info_bar));
    gtk_box_pack_start(GTK_BOX(parent), self->customize_bar, FALSE, FALSE, 0);
    gtk_box_reorder_child(GTK_BOX(parent), self->customize_bar, 0);
    gtk_widget_show(self->customize_bar);
    marina_vm_window_show_details(self);
    gtk_list_box_select_row(self->details_list, GTK_LIST_BOX_ROW(self->xml_row));
}

/* --------------------------------------------------------------- public */

static const GActionEntry win_actions[] = {
    {"run", action_simple_call, NULL, NULL, NULL, {0}},
    {"pause-resume", action_pause_resume, NULL, NULL, NULL, {0}},
    {"shutdown", action_simple_call, NULL, NULL, NULL, {0}},
    {"reboot", action_simple_call, NULL, NULL, NULL, {0}},
    {"reset", action_simple_call, NULL, NULL, NULL, {0}},
    {"force-off", action_force_off, NULL, NULL, NULL, {0}},
    {"save", action_simple_call, NULL, NULL, NULL, {0}},
    {"send-key", action_send_key, "u", NULL, NULL, {0}},
    {"screenshot", action_screenshot, NULL, NULL, NULL, {0}},
    {"fullscreen", NULL, NULL, "false", action_fullscreen, {0}},
    {"console", action_console, "s", "'graphical'", NULL, {0}},
    {"reconnect-console", action_reconnect_console, NULL, NULL, NULL, {0}},
    {"show-console", action_show_console, NULL, NULL, NULL, {0}},
    {"show-details", action_show_details, NULL, NULL, NULL, {0}},
};

MarinaVmWindow *
marina_vm_window_new(GtkApplication *app, MarinaGuestList *list, MarinaGuest *guest)
{
    MarinaVmWindow *self;

    g_return_val_if_fail(MARINA_IS_GUEST_LIST(list), NULL);
    g_return_val_if_fail(MARINA_IS_GUEST(guest), NULL);

    self = g_object_new(MARINA_TYPE_VM_WINDOW, "application", app, NULL);
    self->list = g_object_ref(list);
    self->guest = g_object_ref(guest);
    self->connection = g_object_ref(marina_guest_list_get_connection(list));
    self->was_active = marina_guest_is_active(guest);

    g_signal_connect(guest, "notify::state", G_CALLBACK(on_guest_state_changed), self);
    g_signal_connect(guest, "notify::name", G_CALLBACK(on_guest_info_changed), self);
    g_signal_connect(guest, "notify::title", G_CALLBACK(on_guest_info_changed), self);
    g_signal_connect(guest, "notify::vcpus", G_CALLBACK(on_guest_info_changed), self);
    g_signal_connect(guest, "notify::max-memory-kib", G_CALLBACK(on_guest_info_changed), self);
    g_signal_connect(list, "stats-updated", G_CALLBACK(on_stats_updated), self);
    g_signal_connect(list, "items-changed", G_CALLBACK(on_list_items_changed), self);
    g_signal_connect(self->connection, "closed", G_CALLBACK(on_connection_closed), self);

    update_title(self);
    update_overview(self);
    console_update(self);
    marina_connection_get_domain_by_path_async(
        self->connection, marina_guest_get_object_path(guest), self->cancellable, on_domain_ready,
        g_object_ref(self));
    return self;
}

MarinaGuest *
marina_vm_window_get_guest(MarinaVmWindow *self)
{
    g_return_val_if_fail(MARINA_IS_VM_WINDOW(self), NULL);
    return self->guest;
}

void
marina_vm_window_show_console(MarinaVmWindow *self)
{
    g_return_if_fail(MARINA_IS_VM_WINDOW(self));
    gtk_stack_set_visible_child_name(self->main_stack, "console");
}

void
marina_vm_window_show_details(MarinaVmWindow *self)
{
    g_return_if_fail(MARINA_IS_VM_WINDOW(self));
    gtk_stack_set_visible_child_name(self->main_stack, "details");
}

static void
marina_vm_window_dispose(GObject *object)
{
    MarinaVmWindow *self = MARINA_VM_WINDOW(object);

    self->disposed = TRUE;
    g_cancellable_cancel(self->cancellable);
    cancel_console_open(self);
    g_clear_handle_id(&self->toolbar_hide_id, g_source_remove);
    if (self->guest != NULL) {
        g_signal_handlers_disconnect_by_data(self->guest, self);
    }
    if (self->list != NULL) {
        g_signal_handlers_disconnect_by_data(self->list, self);
    }
    if (self->connection != NULL) {
        g_signal_handlers_disconnect_by_data(self->connection, self);
    }
    if (self->settings != NULL) {
        g_signal_handlers_disconnect_by_data(self->settings, self);
    }
    g_clear_object(&self->domain);
    g_clear_object(&self->guest);
    g_clear_object(&self->list);
    g_clear_object(&self->connection);
    g_clear_object(&self->settings);
    g_clear_pointer(&self->serials, g_ptr_array_unref);
    G_OBJECT_CLASS(marina_vm_window_parent_class)->dispose(object);
}

static void
marina_vm_window_finalize(GObject *object)
{
    MarinaVmWindow *self = MARINA_VM_WINDOW(object);

    g_clear_object(&self->cancellable);
    G_OBJECT_CLASS(marina_vm_window_parent_class)->finalize(object);
}

static void
marina_vm_window_class_init(MarinaVmWindowClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    object_class->dispose = marina_vm_window_dispose;
    object_class->finalize = marina_vm_window_finalize;
    widget_class->window_state_event = marina_vm_window_window_state_event;

    gtk_widget_class_set_template_from_resource(widget_class,
                                                "/org/marinavm/Marina/ui/vm-window.ui");
#define BIND(name) gtk_widget_class_bind_template_child(widget_class, MarinaVmWindow, name)
    BIND(header_bar);
    BIND(pause_button);
    BIND(shutdown_button);
    BIND(pause_image);
    BIND(sendkey_button);
    BIND(fs_sendkey_button);
    BIND(console_view_button);
    BIND(overlay);
    BIND(info_bar);
    BIND(info_label);
    BIND(main_stack);
    BIND(console_stack);
    BIND(connecting_label);
    BIND(unavailable_label);
    BIND(reconnect_button);
    BIND(details_list);
    BIND(overview_row);
    BIND(performance_row);
    BIND(details_stack);
    BIND(name_value);
    BIND(uuid_value);
    BIND(state_value);
    BIND(state_icon);
    BIND(vcpus_value);
    BIND(memory_value);
    BIND(title_value);
    BIND(description_value);
    BIND(performance_grid);
    BIND(fullscreen_revealer);
    BIND(fs_title);
#undef BIND
    gtk_widget_class_bind_template_callback(widget_class, on_info_bar_response);
    gtk_widget_class_bind_template_callback(widget_class, on_main_stack_changed);
    gtk_widget_class_bind_template_callback(widget_class, on_details_row_selected);
    gtk_widget_class_bind_template_callback(widget_class, on_toolbar_enter);
    gtk_widget_class_bind_template_callback(widget_class, on_toolbar_leave);
}

static void
marina_vm_window_init(MarinaVmWindow *self)
{
    GtkWidget *vnc;

    self->cancellable = g_cancellable_new();
    self->serials = g_ptr_array_new();
    self->selected = CONSOLE_GRAPHICAL;
    self->has_graphics = TRUE;

    gtk_widget_init_template(GTK_WIDGET(self));
    g_action_map_add_action_entries(G_ACTION_MAP(self), win_actions, G_N_ELEMENTS(win_actions),
                                    self);

    vnc = marina_vnc_console_new();
    self->vnc = MARINA_VNC_CONSOLE(vnc);
    g_signal_connect(vnc, "connected", G_CALLBACK(on_vnc_connected), self);
    g_signal_connect(vnc, "disconnected", G_CALLBACK(on_console_disconnected), self);
    gtk_widget_show(vnc);
    gtk_stack_add_named(self->console_stack, vnc, "graphical");

    /* An invisible strip at the top edge that reveals the fullscreen toolbar. */
    self->hotspot = gtk_event_box_new();
    gtk_widget_set_valign(self->hotspot, GTK_ALIGN_START);
    gtk_widget_set_size_request(self->hotspot, -1, 3);
    gtk_event_box_set_above_child(GTK_EVENT_BOX(self->hotspot), TRUE);
    gtk_widget_add_events(self->hotspot, GDK_ENTER_NOTIFY_MASK);
    g_signal_connect(self->hotspot, "enter-notify-event", G_CALLBACK(on_hotspot_enter), self);
    gtk_overlay_add_overlay(self->overlay, self->hotspot);
    gtk_widget_set_no_show_all(self->hotspot, TRUE);
    gtk_widget_hide(self->hotspot);
    /* The toolbar stays above the hotspot. */
    gtk_overlay_reorder_overlay(self->overlay, GTK_WIDGET(self->fullscreen_revealer), -1);

    gtk_menu_button_set_popup(self->sendkey_button, build_sendkey_menu());
    gtk_menu_button_set_popup(self->fs_sendkey_button, build_sendkey_menu());
    build_performance_page(self);
    build_xml_page(self);
    gtk_list_box_select_row(self->details_list, self->overview_row);

    self->settings = g_settings_new("org.marinavm.Marina");
    g_signal_connect(self->settings, "changed", G_CALLBACK(on_settings_changed), self);
    apply_console_settings(self);
    gtk_stack_set_visible_child_name(self->console_stack, "connecting");
    gtk_stack_set_visible_child_name(self->main_stack, "console");
}
