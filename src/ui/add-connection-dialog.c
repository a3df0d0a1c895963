/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-add-connection"

#include "config.h"

#include "add-connection-dialog.h"

#include <glib/gi18n.h>
#include <string.h>

#include "error.h"
#include "uri.h"

struct _MarinaAddConnectionDialog {
    GtkDialog parent_instance;

    gboolean updating; /* a field or the URI is being set from the other side */
    GtkWidget *connect_button;

    /* template children */
    GtkToggleButton *local_radio;
    GtkToggleButton *ssh_radio;
    GtkToggleButton *session_radio;
    GtkToggleButton *system_radio;
    GtkEntry *user_entry;
    GtkEntry *host_entry;
    GtkEntry *port_entry;
    GtkEntry *uri_entry;
    GtkToggleButton *autoconnect_check;
    GtkLabel *error_label;
};

enum { SIGNAL_CONNECTION_CHOSEN, N_SIGNALS };

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE(MarinaAddConnectionDialog, marina_add_connection_dialog, GTK_TYPE_DIALOG)

/* The URI the fields describe. Query parameters typed into the URI by hand
 * (?keyfile=, ?command=, ...) are kept: the fields have no place for them. */
static char *
uri_from_fields(MarinaAddConnectionDialog *self)
{
    const char *mode = gtk_toggle_button_get_active(self->system_radio) ? "system" : "session";
    const char *current = gtk_entry_get_text(self->uri_entry);
    const char *query = strchr(current, '?');
    g_autoptr(GString) uri = g_string_new(NULL);

    if (!gtk_toggle_button_get_active(self->ssh_radio)) {
        g_string_printf(uri, "marina:///%s", mode);
    } else {
        const char *user = gtk_entry_get_text(self->user_entry);
        const char *host = gtk_entry_get_text(self->host_entry);
        const char *port = gtk_entry_get_text(self->port_entry);
        gboolean v6 = strchr(host, ':') != NULL && host[0] != '[';

        g_string_append(uri, "marina+ssh://");
        if (*user != '\0') {
            g_autofree char *escaped = g_uri_escape_string(user, NULL, FALSE);
            g_string_append_printf(uri, "%s@", escaped);
        }
        g_string_append_printf(uri, "%s%s%s", v6 ? "[" : "", host, v6 ? "]" : "");
        if (*port != '\0')
            g_string_append_printf(uri, ":%s", port);
        g_string_append_printf(uri, "/%s", mode);
    }
    if (query != NULL)
        g_string_append(uri, query);
    return g_string_free(g_steal_pointer(&uri), FALSE);
}

/* Whether the URI can be connected to; shows why not. */
static gboolean
validate(MarinaAddConnectionDialog *self)
{
    const char *text = gtk_entry_get_text(self->uri_entry);
    g_autoptr(MarinaUri) uri = NULL;
    g_autoptr(GError) error = NULL;
    const char *problem = NULL;

    if (gtk_toggle_button_get_active(self->ssh_radio) &&
        *gtk_entry_get_text(self->host_entry) == '\0' && g_str_has_prefix(text, "marina+ssh:///"))
        problem = _("Enter the host name of the remote machine.");
    else if ((uri = marina_uri_parse(text, &error)) == NULL)
        problem = marina_error_message(error);
    gtk_label_set_text(self->error_label, problem != NULL ? problem : "");
    gtk_widget_set_visible(GTK_WIDGET(self->error_label), problem != NULL);
    if (self->connect_button != NULL)
        gtk_widget_set_sensitive(self->connect_button, problem == NULL);
    return problem == NULL;
}

static void
update_sensitivity(MarinaAddConnectionDialog *self)
{
    gboolean ssh = gtk_toggle_button_get_active(self->ssh_radio);

    gtk_widget_set_sensitive(GTK_WIDGET(self->user_entry), ssh);
    gtk_widget_set_sensitive(GTK_WIDGET(self->host_entry), ssh);
    gtk_widget_set_sensitive(GTK_WIDGET(self->port_entry), ssh);
}

static void
on_field_changed(MarinaAddConnectionDialog *self)
{
    g_autofree char *uri = NULL;

    update_sensitivity(self);
    if (self->updating)
        return;
    uri = uri_from_fields(self);
    self->updating = TRUE;
    gtk_entry_set_text(self->uri_entry, uri);
    self->updating = FALSE;
    validate(self);
}

/* The URI typed by hand wins: the fields follow it when it parses. */
static void
fields_from_uri(MarinaAddConnectionDialog *self, const MarinaUri *uri)
{
    g_autofree char *port = uri->port != 0 ? g_strdup_printf("%u", (guint)uri->port) : NULL;

    if (uri->transport == MARINA_URI_TRANSPORT_UNIX)
        return; /* a socket path: nothing the fields can show */
    self->updating = TRUE;
    gtk_toggle_button_set_active(
        uri->transport == MARINA_URI_TRANSPORT_SSH ? self->ssh_radio : self->local_radio, TRUE);
    gtk_toggle_button_set_active(
        marina_uri_is_system(uri) ? self->system_radio : self->session_radio, TRUE);
    if (uri->transport == MARINA_URI_TRANSPORT_SSH) {
        gtk_entry_set_text(self->user_entry, uri->user != NULL ? uri->user : "");
        gtk_entry_set_text(self->host_entry, uri->host != NULL ? uri->host : "");
        gtk_entry_set_text(self->port_entry, port != NULL ? port : "");
    }
    self->updating = FALSE;
    update_sensitivity(self);
}

static void
on_uri_changed(MarinaAddConnectionDialog *self)
{
    g_autoptr(MarinaUri) uri = NULL;

    if (self->updating)
        return;
    uri = marina_uri_parse(gtk_entry_get_text(self->uri_entry), NULL);
    if (uri != NULL)
        fields_from_uri(self, uri);
    validate(self);
}

static void
marina_add_connection_dialog_response(GtkDialog *dialog, int response)
{
    MarinaAddConnectionDialog *self = MARINA_ADD_CONNECTION_DIALOG(dialog);
    g_autofree char *canonical = NULL;
    g_autoptr(MarinaUri) uri = NULL;

    if (response != GTK_RESPONSE_ACCEPT) {
        gtk_widget_destroy(GTK_WIDGET(dialog));
        return;
    }
    if (!validate(self))
        return; /* the dialog stays open for a correction */
    uri = marina_uri_parse(gtk_entry_get_text(self->uri_entry), NULL);
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
    gtk_widget_class_bind_template_child(widget_class, MarinaAddConnectionDialog, local_radio);
    gtk_widget_class_bind_template_child(widget_class, MarinaAddConnectionDialog, ssh_radio);
    gtk_widget_class_bind_template_child(widget_class, MarinaAddConnectionDialog, session_radio);
    gtk_widget_class_bind_template_child(widget_class, MarinaAddConnectionDialog, system_radio);
    gtk_widget_class_bind_template_child(widget_class, MarinaAddConnectionDialog, user_entry);
    gtk_widget_class_bind_template_child(widget_class, MarinaAddConnectionDialog, host_entry);
    gtk_widget_class_bind_template_child(widget_class, MarinaAddConnectionDialog, port_entry);
    gtk_widget_class_bind_template_child(widget_class, MarinaAddConnectionDialog, uri_entry);
    gtk_widget_class_bind_template_child(widget_class, MarinaAddConnectionDialog,
                                         autoconnect_check);
    gtk_widget_class_bind_template_child(widget_class, MarinaAddConnectionDialog, error_label);
    gtk_widget_class_bind_template_callback(widget_class, on_field_changed);
    gtk_widget_class_bind_template_callback(widget_class, on_uri_changed);

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
    atk_object_set_name(gtk_widget_get_accessible(GTK_WIDGET(self->port_entry)), _("Port"));
    atk_object_set_name(gtk_widget_get_accessible(GTK_WIDGET(self->uri_entry)), _("URI"));
    atk_object_set_name(gtk_widget_get_accessible(GTK_WIDGET(self->error_label)), _("Problem"));
}

MarinaAddConnectionDialog *
marina_add_connection_dialog_new(GtkWindow *parent)
{
    MarinaAddConnectionDialog *self = g_object_new(
        MARINA_TYPE_ADD_CONNECTION_DIALOG, "use-header-bar", TRUE, "transient-for", parent, NULL);

    /* Added here, not in the template, so they land in the header bar. */
    gtk_dialog_add_button(GTK_DIALOG(self), _("_Cancel"), GTK_RESPONSE_CANCEL);
    self->connect_button =
        gtk_dialog_add_button(GTK_DIALOG(self), _("C_onnect"), GTK_RESPONSE_ACCEPT);
    gtk_dialog_set_default_response(GTK_DIALOG(self), GTK_RESPONSE_ACCEPT);
    on_field_changed(self);
    return self;
}
