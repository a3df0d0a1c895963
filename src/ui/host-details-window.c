/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-host-details"

#include "config.h"

#include "host-details-window.h"

#include <glib/gi18n.h>

#include "error.h"
#include "form-util.h"
#include "host.h"
#include "host-overview-page.h"
#include "host-storage-page.h"
#include "ui-util.h"

struct _MarinaHostDetailsWindow {
    GtkApplicationWindow parent_instance;

    MarinaConnection *connection;
    char *label;

    /* template children */
    GtkInfoBar *info_bar;
    GtkLabel *info_label;
    GtkNotebook *notebook;
    MarinaHostOverviewPage *overview_page;
    MarinaHostStoragePage *storage_page;
};

G_DEFINE_FINAL_TYPE(MarinaHostDetailsWindow, marina_host_details_window,
                    GTK_TYPE_APPLICATION_WINDOW)

static void
on_page_error(GtkWidget *page, const char *message, MarinaHostDetailsWindow *self)
{
    marina_ui_show_info_bar(self->info_bar, self->info_label, GTK_MESSAGE_ERROR, message);
}

static void
on_connection_closed(MarinaConnection *connection, GError *reason, MarinaHostDetailsWindow *self)
{
    g_autofree char *text = NULL;

    if (reason != NULL)
        text = g_strdup_printf(_("The connection to %s was lost: %s. What is shown here may be "
                                 "out of date; open Connection Details again once it is back."),
                               self->label, marina_error_message(reason));
    else
        text = g_strdup_printf(_("The connection to %s is closed. What is shown here may be out "
                                 "of date; open Connection Details again once it is connected."),
                               self->label);
    marina_ui_show_info_bar(self->info_bar, self->info_label, GTK_MESSAGE_WARNING, text);
}

static void
on_info_bar_response(GtkInfoBar *bar, int response, MarinaHostDetailsWindow *self)
{
    gtk_info_bar_set_revealed(bar, FALSE);
}

static void
marina_host_details_window_dispose(GObject *object)
{
    MarinaHostDetailsWindow *self = MARINA_HOST_DETAILS_WINDOW(object);

    if (self->connection != NULL)
        g_signal_handlers_disconnect_by_data(self->connection, self);
    g_clear_object(&self->connection);
    G_OBJECT_CLASS(marina_host_details_window_parent_class)->dispose(object);
}

static void
marina_host_details_window_finalize(GObject *object)
{
    MarinaHostDetailsWindow *self = MARINA_HOST_DETAILS_WINDOW(object);

    g_free(self->label);
    G_OBJECT_CLASS(marina_host_details_window_parent_class)->finalize(object);
}

static void
marina_host_details_window_class_init(MarinaHostDetailsWindowClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    object_class->dispose = marina_host_details_window_dispose;
    object_class->finalize = marina_host_details_window_finalize;

    g_type_ensure(MARINA_TYPE_HOST_OVERVIEW_PAGE);
    g_type_ensure(MARINA_TYPE_HOST_STORAGE_PAGE);
    gtk_widget_class_set_template_from_resource(widget_class,
                                                "/org/marinavm/Marina/ui/host-details-window.ui");
    gtk_widget_class_bind_template_child(widget_class, MarinaHostDetailsWindow, info_bar);
    gtk_widget_class_bind_template_child(widget_class, MarinaHostDetailsWindow, info_label);
    gtk_widget_class_bind_template_child(widget_class, MarinaHostDetailsWindow, notebook);
    gtk_widget_class_bind_template_child(widget_class, MarinaHostDetailsWindow, overview_page);
    gtk_widget_class_bind_template_child(widget_class, MarinaHostDetailsWindow, storage_page);
}

static void
marina_host_details_window_init(MarinaHostDetailsWindow *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
    marina_form_set_accessible_name(self->info_bar, _("Error"));
    marina_form_set_accessible_name(self->notebook, _("Connection details"));
    g_signal_connect(self->info_bar, "response", G_CALLBACK(on_info_bar_response), self);
    g_signal_connect(self->overview_page, "error", G_CALLBACK(on_page_error), self);
    g_signal_connect(self->storage_page, "error", G_CALLBACK(on_page_error), self);
}

MarinaHostDetailsWindow *
marina_host_details_window_new(GtkApplication *app, MarinaGuestList *list, const char *label,
                               GSettings *settings, gboolean local)
{
    MarinaHostDetailsWindow *self;
    g_autoptr(MarinaHost) host = NULL;
    g_autofree char *title = NULL;

    g_return_val_if_fail(MARINA_IS_GUEST_LIST(list), NULL);
    g_return_val_if_fail(G_IS_SETTINGS(settings), NULL);

    self = g_object_new(MARINA_TYPE_HOST_DETAILS_WINDOW, "application", app, NULL);
    self->connection = g_object_ref(marina_guest_list_get_connection(list));
    host = marina_host_new(self->connection);
    self->label = g_strdup(label);

    /* Translators: window title, e.g. "This computer (session) – Connection Details" */
    title = g_strdup_printf(_("%s – Connection Details"), label);
    gtk_window_set_title(GTK_WINDOW(self), title);
    g_signal_connect(self->connection, "closed", G_CALLBACK(on_connection_closed), self);
    marina_host_overview_page_set_host(self->overview_page, host, list, settings);
    marina_host_storage_page_set_host(self->storage_page, host, label, local);
    if (marina_connection_is_closed(self->connection))
        on_connection_closed(self->connection, NULL, self);
    return self;
}

MarinaConnection *
marina_host_details_window_get_connection(MarinaHostDetailsWindow *self)
{
    g_return_val_if_fail(MARINA_IS_HOST_DETAILS_WINDOW(self), NULL);
    return self->connection;
}
