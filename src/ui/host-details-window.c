/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-host-details"

#include "config.h"

#include "host-details-window.h"

#include <glib/gi18n.h>

#include "form-util.h"
#include "host-networks-page.h"
#include "host-overview-page.h"
#include "host-storage-page.h"
#include "host.h"
#include "ui-util.h"

struct _MarinaHostDetailsWindow {
    GtkApplicationWindow parent_instance;

    MarinaConnectionEntry *entry;
    GSettings *settings;
    MarinaHost *host;        /* of the connection shown, or NULL */
    gboolean showing_outage; /* the info bar says the connection is gone */

    /* template children */
    GtkInfoBar *info_bar;
    GtkLabel *info_label;
    GtkNotebook *notebook;
    MarinaHostOverviewPage *overview_page;
    MarinaHostNetworksPage *networks_page;
    MarinaHostStoragePage *storage_page;
};

G_DEFINE_FINAL_TYPE(MarinaHostDetailsWindow, marina_host_details_window,
                    GTK_TYPE_APPLICATION_WINDOW)

static void
show_message(MarinaHostDetailsWindow *self, GtkMessageType type, const char *message)
{
    self->showing_outage = FALSE;
    marina_ui_show_info_bar(self->info_bar, self->info_label, type, message);
}

static void
on_page_error(GtkWidget *page, const char *message, MarinaHostDetailsWindow *self)
{
    show_message(self, GTK_MESSAGE_ERROR, message);
}

/* The connection went away: what is shown stays, marked as maybe out of date. */
static void
show_outage(MarinaHostDetailsWindow *self)
{
    const char *label = marina_connection_entry_get_label(self->entry);
    const char *reason = marina_connection_entry_get_reason(self->entry);
    g_autofree char *text = NULL;

    if (reason != NULL)
        text = g_strdup_printf(_("The connection to %s was lost: %s. What is shown here may be "
                                 "out of date; open Connection Details again once it is back."),
                               label, reason);
    else
        text = g_strdup_printf(_("The connection to %s is closed. What is shown here may be out "
                                 "of date; open Connection Details again once it is connected."),
                               label);
    show_message(self, GTK_MESSAGE_WARNING, text);
    self->showing_outage = TRUE;
}

/* Shows the entry's current connection (a new one after a reconnect). */
static void
show_connection(MarinaHostDetailsWindow *self)
{
    MarinaConnection *connection = marina_connection_entry_get_connection(self->entry);
    MarinaGuestList *list = marina_connection_entry_get_guest_list(self->entry);

    g_clear_object(&self->host);
    self->host = marina_host_new(connection);
    marina_host_overview_page_set_host(self->overview_page, self->host, list, self->settings);
    marina_host_networks_page_set_host(self->networks_page, self->host,
                                       marina_connection_entry_get_label(self->entry));
    marina_host_storage_page_set_host(self->storage_page, self->host,
                                      marina_connection_entry_get_label(self->entry),
                                      marina_connection_entry_is_local(self->entry));
    if (self->showing_outage) {
        gtk_info_bar_set_revealed(self->info_bar, FALSE);
        self->showing_outage = FALSE;
    }
}

static void
on_entry_state_changed(MarinaConnectionEntry *entry, MarinaConnectionState old_state,
                       MarinaHostDetailsWindow *self)
{
    MarinaConnection *connection = marina_connection_entry_get_connection(entry);

    if (connection == NULL) {
        if (self->host != NULL && !self->showing_outage)
            show_outage(self);
        return;
    }
    if (self->host == NULL || marina_host_get_connection(self->host) != connection)
        show_connection(self);
}

static void
on_info_bar_response(GtkInfoBar *bar, int response, MarinaHostDetailsWindow *self)
{
    gtk_info_bar_set_revealed(bar, FALSE);
}

/* Esc and Ctrl+W close the window, as they close virt-manager's. Connected
 * after the default handler: a widget that uses the key itself (a search
 * entry's Esc, a menu) keeps it. */
static gboolean
on_key_press(GtkWidget *widget, GdkEventKey *event, gpointer user_data)
{
    GdkModifierType mods = event->state & gtk_accelerator_get_default_mod_mask();

    (void)user_data;
    if ((event->keyval == GDK_KEY_Escape && mods == 0) ||
        ((event->keyval == GDK_KEY_w || event->keyval == GDK_KEY_W) && mods == GDK_CONTROL_MASK)) {
        gtk_window_close(GTK_WINDOW(widget));
        return GDK_EVENT_STOP;
    }
    return GDK_EVENT_PROPAGATE;
}

static void
marina_host_details_window_dispose(GObject *object)
{
    MarinaHostDetailsWindow *self = MARINA_HOST_DETAILS_WINDOW(object);

    if (self->entry != NULL)
        g_signal_handlers_disconnect_by_data(self->entry, self);
    g_clear_object(&self->entry);
    g_clear_object(&self->host);
    g_clear_object(&self->settings);
    G_OBJECT_CLASS(marina_host_details_window_parent_class)->dispose(object);
}

static void
marina_host_details_window_class_init(MarinaHostDetailsWindowClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    object_class->dispose = marina_host_details_window_dispose;

    g_type_ensure(MARINA_TYPE_HOST_OVERVIEW_PAGE);
    g_type_ensure(MARINA_TYPE_HOST_NETWORKS_PAGE);
    g_type_ensure(MARINA_TYPE_HOST_STORAGE_PAGE);
    gtk_widget_class_set_template_from_resource(widget_class,
                                                "/org/marinavm/Marina/ui/host-details-window.ui");
    gtk_widget_class_bind_template_child(widget_class, MarinaHostDetailsWindow, info_bar);
    gtk_widget_class_bind_template_child(widget_class, MarinaHostDetailsWindow, info_label);
    gtk_widget_class_bind_template_child(widget_class, MarinaHostDetailsWindow, notebook);
    gtk_widget_class_bind_template_child(widget_class, MarinaHostDetailsWindow, overview_page);
    gtk_widget_class_bind_template_child(widget_class, MarinaHostDetailsWindow, networks_page);
    gtk_widget_class_bind_template_child(widget_class, MarinaHostDetailsWindow, storage_page);
}

static void
marina_host_details_window_init(MarinaHostDetailsWindow *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
    marina_form_set_accessible_name(self->info_bar, _("Error"));
    marina_form_set_accessible_name(self->notebook, _("Connection details"));
    g_signal_connect(self->info_bar, "response", G_CALLBACK(on_info_bar_response), self);
    g_signal_connect_after(self, "key-press-event", G_CALLBACK(on_key_press), NULL);
    g_signal_connect(self->overview_page, "error", G_CALLBACK(on_page_error), self);
    g_signal_connect(self->networks_page, "error", G_CALLBACK(on_page_error), self);
    g_signal_connect(self->storage_page, "error", G_CALLBACK(on_page_error), self);
}

MarinaHostDetailsWindow *
marina_host_details_window_new(GtkApplication *app, MarinaConnectionEntry *entry,
                               GSettings *settings)
{
    MarinaHostDetailsWindow *self;
    g_autofree char *title = NULL;

    g_return_val_if_fail(MARINA_IS_CONNECTION_ENTRY(entry), NULL);
    g_return_val_if_fail(G_IS_SETTINGS(settings), NULL);

    self = g_object_new(MARINA_TYPE_HOST_DETAILS_WINDOW, "application", app, NULL);
    self->entry = g_object_ref(entry);
    self->settings = g_object_ref(settings);

    /* Translators: window title, e.g. "QEMU/KVM user session – Connection Details" */
    title = g_strdup_printf(_("%s – Connection Details"), marina_connection_entry_get_label(entry));
    gtk_window_set_title(GTK_WINDOW(self), title);
    g_signal_connect_object(entry, "state-changed", G_CALLBACK(on_entry_state_changed), self, 0);
    if (marina_connection_entry_get_connection(entry) != NULL)
        show_connection(self);
    return self;
}
