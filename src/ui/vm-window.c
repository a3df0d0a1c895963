/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-vm-window"

#include "config.h"

#include "vm-window.h"

#include <glib/gi18n.h>

#include "connection.h"
#include "customize-bar.h"
#include "domain-config.h"
#include "error.h"
#include "guest-actions.h"
#include "guest-waiter.h"
#include "migrate-figures.h"
#include "ui-util.h"
#include "vm-console-page.h"
#include "vm-details-page.h"
#include "vm-screenshot.h"

#define TOOLBAR_HIDE_MS 1500
/* How long a window that follows a migrated guest waits for it to be listed
 * on its new host before it says so. */
#define FOLLOW_TIMEOUT_S 30

struct _MarinaVmWindow {
    GtkApplicationWindow parent_instance;

    MarinaGuestList *list;
    MarinaGuest *guest;
    MarinaConnection *connection;
    MarinaDomain *domain; /* NULL until its properties are loaded */
    GSettings *settings;
    GCancellable *cancellable; /* the window's lifetime (renewed when it follows its guest) */
    gboolean disposed;

    /* Migration: while held, the guest leaving this host does not close the
     * window; once it moved, the window waits for it on its new host. */
    gboolean held;
    MarinaGuestWaiter *waiter;
    char *host_name; /* the host the title names after a migration, else NULL */

    gboolean fullscreen;
    guint toolbar_hide_id;
    GtkWidget *hotspot;

    /* Template children */
    GtkHeaderBar *header_bar;
    GtkWidget *run_button;
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
    MarinaVmConsolePage *console_page;
    MarinaVmDetailsPage *details_page;
    GtkRevealer *fullscreen_revealer;
    GtkLabel *fs_title;

    GtkLabel *title_label; /* the header bar's: name, and host */
    GtkLabel *subtitle_label;

    /* The bar of a guest customized before install. */
    GtkWidget *customize_bar;
};

enum { SIGNAL_MOVED, N_SIGNALS };

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE(MarinaVmWindow, marina_vm_window, GTK_TYPE_APPLICATION_WINDOW)

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

void
marina_vm_window_show_error(MarinaVmWindow *self, const char *message)
{
    g_return_if_fail(MARINA_IS_VM_WINDOW(self));
    if (self->disposed)
        return;
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

/* ----------------------------------------------------------- header state */

static void
update_actions(MarinaVmWindow *self)
{
    MarinaDomainState state = guest_state(self);
    gboolean active = guest_is_active(self);
    gboolean running = state == MARINA_DOMAIN_RUNNING || state == MARINA_DOMAIN_BLOCKED;
    gboolean paused = state == MARINA_DOMAIN_PAUSED;
    gboolean have = self->domain != NULL;
    gboolean graphical = marina_vm_console_page_can_send_keys(self->console_page);
    GActionMap *actions = G_ACTION_MAP(self);

    marina_ui_set_action_enabled(actions, "run", have && !active);
    marina_ui_set_action_enabled(actions, "pause-resume", have && (running || paused));
    marina_ui_set_action_enabled(actions, "shutdown", have && running);
    marina_ui_set_action_enabled(actions, "reboot", have && running);
    marina_ui_set_action_enabled(actions, "reset", have && active);
    marina_ui_set_action_enabled(actions, "force-off", have && active);
    marina_ui_set_action_enabled(actions, "save", have && (running || paused));
    marina_ui_set_action_enabled(actions, "migrate",
                                 have && !self->held &&
                                     (running || paused || state == MARINA_DOMAIN_SHUTOFF));
    marina_ui_set_action_enabled(actions, "send-key", graphical);
    /* A picture of, and a whole screen for, the graphical console only while
     * it shows the guest; leaving fullscreen stays possible whatever happens. */
    marina_ui_set_action_enabled(actions, "screenshot", have && active && graphical);
    marina_ui_set_action_enabled(actions, "fullscreen", graphical || self->fullscreen);
    /* Its menu also holds Migrate…, offered for a shut-off guest too; each
     * item follows its own action. */
    gtk_widget_set_sensitive(self->shutdown_button, have);
    gtk_widget_set_sensitive(GTK_WIDGET(self->sendkey_button), graphical);
    gtk_widget_set_sensitive(GTK_WIDGET(self->fs_sendkey_button), graphical);

    /* One button, two meanings: its name says what a click does now. A
     * paused guest shows Resume alone, not beside an insensitive Run that
     * looks the same. */
    gtk_widget_set_visible(self->run_button, !paused);
    marina_ui_set_pause_face(self->pause_button, self->pause_image, paused,
                             paused ? _("Resume") : _("Pause"));
}

static void
update_title(MarinaVmWindow *self)
{
    const char *name = marina_guest_get_name(self->guest);
    const MarinaUri *uri = marina_connection_get_uri(self->connection);
    const char *host = self->host_name; /* it moved here from another host */
    g_autofree char *title = NULL;

    if (uri != NULL && uri->transport == MARINA_URI_TRANSPORT_SSH && uri->host != NULL)
        host = uri->host;
    /* Translators: window title, "guest on host" */
    title = host != NULL ? g_strdup_printf(_("%s on %s"), name, host) : g_strdup(name);
    gtk_window_set_title(GTK_WINDOW(self), title);
    gtk_label_set_text(self->fs_title, title);
    /* GTK keeps the window's title and the header bar's title the same, so
     * the header bar shows its own two lines: the name, and the host. */
    gtk_label_set_text(self->title_label, name);
    gtk_label_set_text(self->subtitle_label, host != NULL ? host : "");
    gtk_widget_set_visible(GTK_WIDGET(self->subtitle_label), host != NULL);
}

static void
apply_config(MarinaVmWindow *self, const MarinaDomainConfig *config)
{
    gboolean has_graphics = TRUE; /* unknown: try the display, fall back to the first port */
    guint n_serials = 1;
    GtkWidget *menu;

    if (config != NULL) {
        has_graphics = config->graphics->len > 0;
        n_serials = config->serials->len;
        if (n_serials == 0 && config->consoles->len > 0)
            n_serials = 1; /* a serial <console> implies serial port 0 */
    }
    marina_vm_details_page_set_description(self->details_page,
                                           config != NULL ? config->description : NULL);
    marina_vm_console_page_set_config(self->console_page, has_graphics, n_serials);
    /* The Console View menu follows the configuration. */
    menu = marina_vm_console_page_build_view_menu(self->console_page);
    gtk_menu_button_set_popup(self->console_view_button, menu);
    gtk_widget_set_sensitive(GTK_WIDGET(self->console_view_button),
                             (has_graphics ? 1 : 0) + n_serials > 0);
}

static void
on_get_xml_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(MarinaVmWindow) self = user_data;
    g_autoptr(GError) error = NULL;
    g_autofree char *xml = NULL;
    g_autoptr(MarinaDomainConfig) config = NULL;

    xml = marina_domain_get_xml_finish(MARINA_DOMAIN(source), result, &error);
    if (xml == NULL) {
        if (marina_ui_is_cancelled(error) || self->disposed) {
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
    MarinaDomain *domain = MARINA_DOMAIN(source);

    if (!marina_domain_load_finish(domain, result, &error)) {
        if (marina_ui_is_cancelled(error) || self->disposed) {
            return;
        }
        marina_vm_window_show_error(self, marina_error_message(error));
        marina_vm_console_page_connection_lost(self->console_page);
        return;
    }
    if (self->disposed) {
        return;
    }
    self->domain = g_object_ref(domain);
    marina_vm_details_page_set_domain(self->details_page, domain);
    marina_vm_console_page_set_domain(self->console_page, domain);
    update_actions(self);
    marina_domain_get_xml_async(domain, MARINA_DOMAIN_XML_NONE, self->cancellable, on_get_xml_done,
                                g_object_ref(self));
}

/* ---------------------------------------------------------------- guest */

static void
on_guest_info_changed(MarinaGuest *guest, GParamSpec *pspec, MarinaVmWindow *self)
{
    update_title(self);
}

static void
on_list_items_changed(GListModel *model, guint position, guint removed, guint added,
                      MarinaVmWindow *self)
{
    (void)model;
    (void)position;
    (void)added;
    /* The guest was undefined: nothing left to show. (Not while it migrates:
     * it leaves this host and the window follows it.) */
    if (removed > 0 && !self->held &&
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
    marina_vm_window_show_error(self, message);
    g_clear_object(&self->domain);
    marina_vm_console_page_connection_lost(self->console_page);
}

/* ------------------------------------------------------------ lifecycle */

typedef struct {
    MarinaVmWindow *self;
    MarinaGuestFinishFunc finish;
    char *what; /* "Could not start “x”" */
} ActionCall;

static void
on_lifecycle_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
    ActionCall *call = user_data;
    g_autoptr(GError) error = NULL;

    if (!call->finish(MARINA_DOMAIN(source), result, &error) && !call->self->disposed &&
        !marina_ui_is_cancelled(error)) {
        g_autofree char *message =
            g_strdup_printf("%s: %s", call->what, marina_error_message(error));

        marina_vm_window_show_error(call->self, message);
    }
    g_object_unref(call->self);
    g_free(call->what);
    g_free(call);
}

/* Runs the guest action @action_name (see marina_guest_call_find());
 * @what: a translated format with one %s for the guest's name. */
static void
call_domain(MarinaVmWindow *self, const char *action_name, const char *what)
{
    const MarinaGuestCall *guest_call = marina_guest_call_find(action_name);
    ActionCall *call;

    if (self->domain == NULL || guest_call == NULL) {
        return;
    }
    call = g_new0(ActionCall, 1);
    call->self = g_object_ref(self);
    call->finish = guest_call->finish;
    call->what = g_strdup_printf(what, marina_guest_get_name(self->guest));
    gtk_widget_hide(GTK_WIDGET(self->info_bar));
    guest_call->run(self->domain, self->cancellable, on_lifecycle_done, call);
}

/* Window actions with nothing to ask; @failure is a translated format with
 * one %s for the guest's name. */
static const struct {
    const char *action;
    const char *failure;
} simple_calls[] = {
    {"run", N_("Could not start “%s”")},     {"shutdown", N_("Could not shut down “%s”")},
    {"reboot", N_("Could not reboot “%s”")}, {"reset", N_("Could not reset “%s”")},
    {"save", N_("Could not save “%s”")},
};

static void
action_simple_call(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    const char *name = g_action_get_name(G_ACTION(action));

    for (gsize i = 0; i < G_N_ELEMENTS(simple_calls); i++) {
        if (g_str_equal(simple_calls[i].action, name)) {
            call_domain(user_data, name, _(simple_calls[i].failure));
            return;
        }
    }
    g_assert_not_reached();
}

static void
on_confirm_response(GtkDialog *dialog, int response, gpointer user_data)
{
    MarinaVmWindow *self = MARINA_VM_WINDOW(user_data);
    const char *name = g_object_get_data(G_OBJECT(dialog), "marina-action");
    const char *failure = g_object_get_data(G_OBJECT(dialog), "marina-failure");
    GtkToggleButton *dont_ask = g_object_get_data(G_OBJECT(dialog), "marina-dont-ask");
    const char *key = g_object_get_data(G_OBJECT(dialog), "marina-key");

    if (response == GTK_RESPONSE_ACCEPT && !self->disposed) {
        if (gtk_toggle_button_get_active(dont_ask)) {
            g_settings_set_boolean(self->settings, key, FALSE);
        }
        call_domain(self, name, failure);
    }
    gtk_widget_destroy(GTK_WIDGET(dialog));
    g_object_unref(self);
}

/* Runs the action @name at once, or, when the preference @key asks for it,
 * after the user accepts a question (@question: a format with one %s for
 * the guest's name). Asks without blocking the main loop. */
static void
call_domain_confirmed(MarinaVmWindow *self, const char *key, const char *name, const char *failure,
                      const char *question, const char *secondary, const char *accept)
{
    g_autofree char *primary = NULL;
    GtkWidget *dialog;
    GtkWidget *dont_ask;

    if (!g_settings_get_boolean(self->settings, key)) {
        call_domain(self, name, failure);
        return;
    }
    primary = g_strdup_printf(question, marina_guest_get_name(self->guest));
    dialog = marina_ui_confirm_dialog(GTK_WINDOW(self), primary, secondary, accept);
    dont_ask = gtk_check_button_new_with_mnemonic(_("_Don't ask again"));
    gtk_widget_show(dont_ask);
    gtk_box_pack_end(GTK_BOX(gtk_message_dialog_get_message_area(GTK_MESSAGE_DIALOG(dialog))),
                     dont_ask, FALSE, FALSE, 0);
    g_object_set_data_full(G_OBJECT(dialog), "marina-action", g_strdup(name), g_free);
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
        call_domain(self, "resume", _("Could not resume “%s”"));
        return;
    }
    call_domain_confirmed(self, "confirm-pause", "pause", _("Could not pause “%s”"),
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
    call_domain_confirmed(user_data, "confirm-force-off", "force-off",
                          _("Could not force “%s” off"), _("Force “%s” off?"),
                          _("The guest stops at once, like pulling the power cord: anything it "
                            "has not written to disk is lost."),
                          _("_Force Off"));
}

static void
action_migrate(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    MarinaVmWindow *self = user_data;

    (void)action;
    (void)param;
    marina_guest_action_migrate_from(GTK_WINDOW(self), self->list, self->guest);
}

static void
action_reconnect_console(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    MarinaVmWindow *self = user_data;

    marina_vm_console_page_reconnect(self->console_page);
}

static void
action_send_key(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    MarinaVmWindow *self = user_data;

    marina_vm_console_page_send_keys(self->console_page,
                                     (MarinaVncKeys)g_variant_get_uint32(param));
}

static void
action_console(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    MarinaVmWindow *self = user_data;
    const char *target = g_variant_get_string(param, NULL);

    if (!g_str_equal(target, "graphical") && !g_str_has_prefix(target, "serial-"))
        return;
    gtk_stack_set_visible_child_name(self->main_stack, "console");
    marina_vm_console_page_select(self->console_page, target);
}

/* The page says which console it shows: the View menu's radio follows. */
static void
on_console_selected(MarinaVmConsolePage *page, const char *target, MarinaVmWindow *self)
{
    GAction *action = g_action_map_lookup_action(G_ACTION_MAP(self), "console");

    g_simple_action_set_state(G_SIMPLE_ACTION(action), g_variant_new_string(target));
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

static void
action_screenshot(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    MarinaVmWindow *self = user_data;
    g_autoptr(GdkPixbuf) pixbuf = marina_vm_console_page_get_pixbuf(self->console_page);

    if (pixbuf != NULL) {
        marina_vm_screenshot_save(self, self->guest, pixbuf, self->cancellable);
    } else if (self->domain != NULL) {
        /* Console not open (e.g. serial shown): the daemon can still grab the screen. */
        marina_vm_screenshot_take(self, self->guest, self->domain, self->cancellable);
    }
}

/* ------------------------------------------------------------- scaling */

/* This window's choice, and the default for the windows opened next. */
static void
action_scaling(GSimpleAction *action, GVariant *state, gpointer user_data)
{
    MarinaVmWindow *self = user_data;
    const char *mode = g_variant_get_string(state, NULL);
    g_autoptr(GSettings) settings = NULL;
    g_autofree char *when = NULL;

    if (g_strcmp0(mode, "fit") != 0 && g_strcmp0(mode, "100") != 0 &&
        g_strcmp0(mode, "resize") != 0)
        return;
    g_simple_action_set_state(action, state);
    marina_vm_console_page_set_scaling(self->console_page, mode);
    settings = g_settings_new("org.marinavm.Marina");
    when = g_settings_get_string(settings, "console-scaling");
    g_settings_set_boolean(settings, "console-resize-guest", g_str_equal(mode, "resize"));
    if (g_str_equal(mode, "fit"))
        g_settings_set_string(settings, "console-scaling", "always");
    else if (g_str_equal(mode, "100") && g_str_equal(when, "always"))
        g_settings_set_string(settings, "console-scaling", "fullscreen");
}

/* ------------------------------------------------------------ fullscreen */

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
    marina_vm_console_page_set_fullscreen(self->console_page, fullscreen);
    update_actions(self);
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

/* ---------------------------------------------------------- the views */

static void
on_stats_updated(MarinaGuestList *list, MarinaVmWindow *self)
{
    marina_vm_details_page_stats_updated(self->details_page);
}

static void
on_main_stack_changed(GtkStack *stack, GParamSpec *pspec, MarinaVmWindow *self)
{
    (void)stack;
    (void)pspec;
    if (self->disposed) {
        return;
    }
    if (g_strcmp0(gtk_stack_get_visible_child_name(self->main_stack), "console") == 0)
        marina_vm_console_page_focus(self->console_page);
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
    marina_vm_details_page_show_xml(self->details_page);
}

/* The header bar's title area, as GtkHeaderBar draws its own. */
static void
build_header_title(MarinaVmWindow *self)
{
    GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 0);

    self->title_label = GTK_LABEL(gtk_label_new(NULL));
    self->subtitle_label = GTK_LABEL(gtk_label_new(NULL));
    gtk_style_context_add_class(gtk_widget_get_style_context(GTK_WIDGET(self->title_label)),
                                "title");
    gtk_style_context_add_class(gtk_widget_get_style_context(GTK_WIDGET(self->subtitle_label)),
                                "subtitle");
    for (guint i = 0; i < 2; i++) {
        GtkLabel *label = i == 0 ? self->title_label : self->subtitle_label;

        gtk_label_set_ellipsize(label, PANGO_ELLIPSIZE_END);
        gtk_label_set_single_line_mode(label, TRUE);
        gtk_box_pack_start(GTK_BOX(box), GTK_WIDGET(label), FALSE, FALSE, 0);
    }
    gtk_widget_set_valign(box, GTK_ALIGN_CENTER);
    gtk_widget_show_all(box);
    gtk_widget_set_no_show_all(GTK_WIDGET(self->subtitle_label), TRUE);
    gtk_widget_hide(GTK_WIDGET(self->subtitle_label));
    gtk_header_bar_set_custom_title(self->header_bar, box);
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
    {"migrate", action_migrate, NULL, NULL, NULL, {0}},
    {"send-key", action_send_key, "u", NULL, NULL, {0}},
    {"screenshot", action_screenshot, NULL, NULL, NULL, {0}},
    {"fullscreen", NULL, NULL, "false", action_fullscreen, {0}},
    {"scaling", NULL, "s", "'fit'", action_scaling, {0}},
    {"console", action_console, "s", "'graphical'", NULL, {0}},
    {"reconnect-console", action_reconnect_console, NULL, NULL, NULL, {0}},
    {"show-console", action_show_console, NULL, NULL, NULL, {0}},
    {"show-details", action_show_details, NULL, NULL, NULL, {0}},
};

/* Shows @guest of @list: the window's first guest, or the same guest on its
 * new host after a migration. */
static void
bind_guest(MarinaVmWindow *self, MarinaGuestList *list, MarinaGuest *guest)
{
    g_autoptr(MarinaDomain) domain = NULL;

    self->list = g_object_ref(list);
    self->guest = g_object_ref(guest);
    self->connection = g_object_ref(marina_guest_list_get_connection(list));

    g_signal_connect_swapped(guest, "notify::state", G_CALLBACK(update_actions), self);
    g_signal_connect(guest, "notify::name", G_CALLBACK(on_guest_info_changed), self);
    g_signal_connect(list, "stats-updated", G_CALLBACK(on_stats_updated), self);
    g_signal_connect(list, "items-changed", G_CALLBACK(on_list_items_changed), self);
    g_signal_connect(self->connection, "closed", G_CALLBACK(on_connection_closed), self);

    marina_vm_details_page_set_guest(self->details_page, guest);
    marina_vm_console_page_set_guest(self->console_page, guest);
    update_title(self);
    update_actions(self);
    /* Actions wait for its properties, as they once waited for a proxy. */
    domain = marina_domain_new(self->connection, marina_guest_get_object_path(guest));
    marina_domain_load_async(domain, self->cancellable, on_domain_ready, g_object_ref(self));
}

/* Lets go of the guest, its list and connection, and every call for them. */
static void
unbind_guest(MarinaVmWindow *self)
{
    g_cancellable_cancel(self->cancellable);
    if (self->guest != NULL)
        g_signal_handlers_disconnect_by_data(self->guest, self);
    if (self->list != NULL)
        g_signal_handlers_disconnect_by_data(self->list, self);
    if (self->connection != NULL)
        g_signal_handlers_disconnect_by_data(self->connection, self);
    g_clear_object(&self->domain);
    g_clear_object(&self->guest);
    g_clear_object(&self->list);
    g_clear_object(&self->connection);
}

MarinaVmWindow *
marina_vm_window_new(GtkApplication *app, MarinaGuestList *list, MarinaGuest *guest)
{
    MarinaVmWindow *self;

    g_return_val_if_fail(MARINA_IS_GUEST_LIST(list), NULL);
    g_return_val_if_fail(MARINA_IS_GUEST(guest), NULL);

    self = g_object_new(MARINA_TYPE_VM_WINDOW, "application", app, NULL);
    bind_guest(self, list, guest);
    return self;
}

/* ------------------------------------------------------------ migration */

static void
stop_following(MarinaVmWindow *self)
{
    if (self->waiter != NULL)
        g_signal_handlers_disconnect_by_data(self->waiter, self);
    g_clear_object(&self->waiter);
}

void
marina_vm_window_hold(MarinaVmWindow *self, gboolean held)
{
    g_return_if_fail(MARINA_IS_VM_WINDOW(self));
    self->held = held;
    if (self->disposed || self->waiter != NULL)
        return;
    update_actions(self);
    if (held)
        return;
    /* The guest stayed; if it was undefined meanwhile, nothing is left to show. */
    if (self->list != NULL &&
        marina_guest_list_lookup(self->list, marina_guest_get_uuid(self->guest)) != self->guest)
        gtk_widget_destroy(GTK_WIDGET(self));
}

/* The guest is listed on its new host: show it there. */
static void
on_guest_found(MarinaGuestWaiter *waiter, MarinaGuestList *list, MarinaGuest *guest,
               MarinaVmWindow *self)
{
    MarinaConnectionEntry *entry = g_object_ref(marina_guest_waiter_get_entry(waiter));

    g_free(self->host_name);
    self->host_name = marina_migrate_host_name(marina_connection_entry_get_uri(entry),
                                               marina_connection_entry_get_label(entry));
    stop_following(self);
    self->held = FALSE;
    unbind_guest(self);
    g_clear_object(&self->cancellable);
    self->cancellable = g_cancellable_new();
    gtk_widget_hide(GTK_WIDGET(self->info_bar));
    bind_guest(self, list, guest);
    g_signal_emit(self, signals[SIGNAL_MOVED], 0, entry);
    g_object_unref(entry);
}

static void
on_guest_not_found(MarinaGuestWaiter *waiter, MarinaVmWindow *self)
{
    g_autofree char *message = NULL;

    message =
        g_strdup_printf(_("“%s” moved to %s but is not listed there. Open it from the "
                          "manager window once it shows there."),
                        marina_guest_get_name(self->guest),
                        marina_connection_entry_get_label(marina_guest_waiter_get_entry(waiter)));
    marina_vm_window_show_error(self, message);
}

void
marina_vm_window_follow(MarinaVmWindow *self, MarinaConnectionEntry *entry, const char *uuid)
{
    g_return_if_fail(MARINA_IS_VM_WINDOW(self));
    g_return_if_fail(MARINA_IS_CONNECTION_ENTRY(entry));
    g_return_if_fail(uuid != NULL);

    if (self->disposed)
        return;
    stop_following(self);
    /* Until it is listed there, the guest leaving the old host closes nothing. */
    self->held = TRUE;
    self->waiter = marina_guest_waiter_new(entry, uuid, FOLLOW_TIMEOUT_S);
    g_signal_connect(self->waiter, "found", G_CALLBACK(on_guest_found), self);
    g_signal_connect(self->waiter, "timed-out", G_CALLBACK(on_guest_not_found), self);
    marina_guest_waiter_start(self->waiter);
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
    g_clear_handle_id(&self->toolbar_hide_id, g_source_remove);
    stop_following(self);
    unbind_guest(self);
    g_clear_object(&self->settings);
    G_OBJECT_CLASS(marina_vm_window_parent_class)->dispose(object);
}

static void
marina_vm_window_finalize(GObject *object)
{
    MarinaVmWindow *self = MARINA_VM_WINDOW(object);

    g_clear_object(&self->cancellable);
    g_free(self->host_name);
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

    signals[SIGNAL_MOVED] =
        g_signal_new("moved", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                     G_TYPE_NONE, 1, MARINA_TYPE_CONNECTION_ENTRY);

    g_type_ensure(MARINA_TYPE_VM_CONSOLE_PAGE);
    g_type_ensure(MARINA_TYPE_VM_DETAILS_PAGE);
    gtk_widget_class_set_template_from_resource(widget_class,
                                                "/org/marinavm/Marina/ui/vm-window.ui");
#define BIND(name) gtk_widget_class_bind_template_child(widget_class, MarinaVmWindow, name)
    BIND(header_bar);
    BIND(run_button);
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
    BIND(console_page);
    BIND(details_page);
    BIND(fullscreen_revealer);
    BIND(fs_title);
#undef BIND
    gtk_widget_class_bind_template_callback(widget_class, on_info_bar_response);
    gtk_widget_class_bind_template_callback(widget_class, on_main_stack_changed);
    gtk_widget_class_bind_template_callback(widget_class, on_toolbar_enter);
    gtk_widget_class_bind_template_callback(widget_class, on_toolbar_leave);
}

static void
marina_vm_window_init(MarinaVmWindow *self)
{
    self->cancellable = g_cancellable_new();
    self->settings = g_settings_new("org.marinavm.Marina");

    gtk_widget_init_template(GTK_WIDGET(self));
    g_action_map_add_action_entries(G_ACTION_MAP(self), win_actions, G_N_ELEMENTS(win_actions),
                                    self);
    /* A new window starts with the last scaling chosen. */
    g_simple_action_set_state(
        G_SIMPLE_ACTION(g_action_map_lookup_action(G_ACTION_MAP(self), "scaling")),
        g_variant_new_string(marina_vm_console_page_get_scaling(self->console_page)));
    g_signal_connect_swapped(self->console_page, "changed", G_CALLBACK(update_actions), self);
    g_signal_connect(self->console_page, "console-selected", G_CALLBACK(on_console_selected), self);

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

    build_header_title(self);
    gtk_menu_button_set_popup(self->sendkey_button,
                              marina_vnc_console_new_keys_menu("win.send-key"));
    gtk_menu_button_set_popup(self->fs_sendkey_button,
                              marina_vnc_console_new_keys_menu("win.send-key"));
    gtk_stack_set_visible_child_name(self->main_stack, "console");
}
