/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-add-connection"

#include "config.h"

#include "add-connection-dialog.h"

#include <glib/gi18n.h>

#include "error.h"
#include "uri.h"

struct _MarinaAddConnectionDialog {
    GtkDialog parent_instance;

    /* template children */
    GtkToggleButton *session_radio;
    GtkToggleButton *system_radio;
    GtkToggleButton *ssh_radio;
    GtkToggleButton *custom_radio;
    GtkEntry *user_entry;
    GtkEntry *host_entry;
    GtkEntry *uri_entry;
    GtkToggleButton *autoconnect_check;
    GtkLabel *error_label;
};

enum { SIGNAL_CONNECTION_CHOSEN, N_SIGNALS };

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE(MarinaAddConnectionDialog, marina_add_connection_dialog, GTK_TYPE_DIALOG)

static char *
chosen_uri(MarinaAddConnectionDialog *self)
{
    if (gtk_toggle_button_get_active(self->session_radio))
        return g_strdup("marina:///session");
    if (gtk_toggle_button_get_active(self->system_radio))
        return g_strdup("marina:///system");
    if (gtk_toggle_button_get_active(self->ssh_radio)) {
        const char *user = gtk_entry_get_text(self->user_entry);
        const char *host = gtk_entry_get_text(self->host_entry);
        gboolean v6 = strchr(host, ':') != NULL && host[0] != '[';

        return g_strdup_printf("marina+ssh://%s%s%s%s%s/system", *user ? user : "",
                               *user ? "@" : "", v6 ? "[" : "", host, v6 ? "]" : "");
    }
    return g_strdup(gtk_entry_get_text(self->uri_entry));
}

static void
on_toggled(MarinaAddConnectionDialog *self)
{
    gboolean ssh = gtk_toggle_button_get_active(self->ssh_radio);
    gboolean custom = gtk_toggle_button_get_active(self->custom_radio);

    gtk_widget_set_sensitive(GTK_WIDGET(self->user_entry), ssh);
    gtk_widget_set_sensitive(GTK_WIDGET(self->host_entry), ssh);
    gtk_widget_set_sensitive(GTK_WIDGET(self->uri_entry), custom);
}

static void
show_problem(MarinaAddConnectionDialog *self, const char *message)
{
    gtk_label_set_text(self->error_label, message);
    gtk_widget_show(GTK_WIDGET(self->error_label));
}

static void
marina_add_connection_dialog_response(GtkDialog *dialog, int response)
{
    MarinaAddConnectionDialog *self = MARINA_ADD_CONNECTION_DIALOG(dialog);
    g_autofree char *text = NULL;
    g_autofree char *canonical = NULL;
    g_autoptr(MarinaUri) uri = NULL;
    g_autoptr(GError) error = NULL;

    if (response != GTK_RESPONSE_ACCEPT) {
        gtk_widget_destroy(GTK_WIDGET(dialog));
        return;
    }
    if (gtk_toggle_button_get_active(self->ssh_radio) &&
        *gtk_entry_get_text(self->host_entry) == '\0') {
        show_problem(self, _("Enter the host name of the remote machine."));
        return;
    }
    text = chosen_uri(self);
    uri = marina_uri_parse(text, &error);
    if (uri == NULL) {
        show_problem(self, marina_error_message(error));
        return; /* the dialog stays open for a correction */
    }
    canonical = marina_uri_to_string(uri);
    g_signal_emit(self, signals[SIGNAL_CONNECTION_CHOSEN], 0, canonical,
                  gtk_toggle_button_get_active(self->autoconnect_check));
    gtk_widget_destroy(GTK_WIDGET(dialog));
}

static void
marina_add_connection_dialog_class_init(MarinaAddConnectionDialogClass *klass)
{
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    GTK_DIALOG_CLASS(klass)->response = marina_add_connection_dialog_response;
    gtk_widget_class_set_template_from_resource(widget_class,
                                                "/org/marinavm/Marina/ui/add-connection-dialog.ui");
    gtk_widget_class_bind_template_child(widget_class, MarinaAddConnectionDialog, session_radio);
    gtk_widget_class_bind_template_child(widget_class, MarinaAddConnectionDialog, system_radio);
    gtk_widget_class_bind_template_child(widget_class, MarinaAddConnectionDialog, ssh_radio);
    gtk_widget_class_bind_template_child(widget_class, MarinaAddConnectionDialog, custom_radio);
    gtk_widget_class_bind_template_child(widget_class, MarinaAddConnectionDialog, user_entry);
    gtk_widget_class_bind_template_child(widget_class, MarinaAddConnectionDialog, host_entry);
    gtk_widget_class_bind_template_child(widget_class, MarinaAddConnectionDialog, uri_entry);
    gtk_widget_class_bind_template_child(widget_class, MarinaAddConnectionDialog,
                                         autoconnect_check);
    gtk_widget_class_bind_template_child(widget_class, MarinaAddConnectionDialog, error_label);
    gtk_widget_class_bind_template_callback(widget_class, on_toggled);

    signals[SIGNAL_CONNECTION_CHOSEN] =
        g_signal_new("connection-chosen", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL,
                     NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_BOOLEAN);
}

static void
marina_add_connection_dialog_init(MarinaAddConnectionDialog *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));

    gtk_entry_set_placeholder_text(self->user_entry, g_get_user_name());
    atk_object_set_name(gtk_widget_get_accessible(GTK_WIDGET(self->user_entry)), _("User"));
    atk_object_set_name(gtk_widget_get_accessible(GTK_WIDGET(self->host_entry)), _("Host"));
    atk_object_set_name(gtk_widget_get_accessible(GTK_WIDGET(self->uri_entry)), _("URI"));
    on_toggled(self);
}

MarinaAddConnectionDialog *
marina_add_connection_dialog_new(GtkWindow *parent)
{
    MarinaAddConnectionDialog *self = g_object_new(
        MARINA_TYPE_ADD_CONNECTION_DIALOG, "use-header-bar", TRUE, "transient-for", parent, NULL);

    /* Added here, not in the template, so they land in the header bar. */
    gtk_dialog_add_buttons(GTK_DIALOG(self), _("_Cancel"), GTK_RESPONSE_CANCEL, _("C_onnect"),
                           GTK_RESPONSE_ACCEPT, NULL);
    gtk_dialog_set_default_response(GTK_DIALOG(self), GTK_RESPONSE_ACCEPT);
    return self;
}
