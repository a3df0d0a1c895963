/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-xml-editor"

#include "config.h"

#include "xml-editor.h"

#include <glib/gi18n.h>
#include <string.h>

#include "domain-config.h"
#include "error.h"
#include "host.h"
#include "ui-util.h"

struct _MarinaXmlEditor {
    GtkBox parent_instance;

    MarinaDomain *domain;
    GCancellable *cancellable;
    gboolean shut_off;
    gboolean modified; /* edits not applied yet */
    gboolean loading;

    GtkTextView *view;
    GtkTextBuffer *buffer;
    GtkLabel *message;
    GtkWidget *apply_button;
    GtkWidget *revert_button;
};

G_DEFINE_FINAL_TYPE(MarinaXmlEditor, marina_xml_editor, GTK_TYPE_BOX)

static void
show_message(MarinaXmlEditor *self, GtkMessageType type, const char *text)
{
    GtkStyleContext *style = gtk_widget_get_style_context(GTK_WIDGET(self->message));

    gtk_style_context_remove_class(style, "error");
    gtk_style_context_remove_class(style, "warning");
    if (type == GTK_MESSAGE_ERROR)
        gtk_style_context_add_class(style, "error");
    else if (type == GTK_MESSAGE_WARNING)
        gtk_style_context_add_class(style, "warning");
    gtk_label_set_text(self->message, text != NULL ? text : "");
    gtk_widget_set_visible(GTK_WIDGET(self->message), text != NULL && *text != '\0');
}

static void
update_sensitivity(MarinaXmlEditor *self)
{
    gboolean can_edit = self->shut_off && self->domain != NULL && !self->loading;

    gtk_text_view_set_editable(self->view, can_edit);
    gtk_widget_set_sensitive(self->apply_button, can_edit && self->modified);
    gtk_widget_set_sensitive(self->revert_button, self->modified && !self->loading);
}

static void
on_xml_loaded(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(MarinaXmlEditor) self = user_data;
    g_autoptr(GError) error = NULL;
    g_autofree char *xml = NULL;

    xml = marina_domain_get_xml_finish(MARINA_DOMAIN(source), result, &error);
    if (xml == NULL) {
        if (marina_ui_is_cancelled(error))
            return;
        self->loading = FALSE;
        show_message(self, GTK_MESSAGE_ERROR, marina_error_message(error));
        update_sensitivity(self);
        return;
    }
    self->loading = FALSE;
    gtk_text_buffer_set_text(self->buffer, xml, -1);
    self->modified = FALSE;
    update_sensitivity(self);
}

static void
load(MarinaXmlEditor *self)
{
    if (self->domain == NULL)
        return;
    self->loading = TRUE;
    update_sensitivity(self);
    marina_domain_get_xml_async(self->domain, MARINA_DOMAIN_XML_INACTIVE, self->cancellable,
                                on_xml_loaded, g_object_ref(self));
}

static void
on_defined(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(MarinaXmlEditor) self = user_data;
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) warnings = NULL;
    g_autoptr(MarinaDomain) defined =
        marina_host_define_domain_finish(MARINA_HOST(source), result, &warnings, &error);

    if (defined == NULL) {
        if (marina_ui_is_cancelled(error))
            return;
        self->loading = FALSE;
        show_message(self, GTK_MESSAGE_ERROR, marina_error_message(error));
        update_sensitivity(self);
        return;
    }
    self->loading = FALSE;
    if (warnings != NULL && warnings[0] != NULL) {
        g_autofree char *joined = g_strjoinv("\n• ", warnings);
        g_autofree char *text =
            g_strdup_printf(_("Applied. Marina ignored what it does not support:\n• %s"), joined);
        show_message(self, GTK_MESSAGE_WARNING, text);
    } else {
        show_message(self, GTK_MESSAGE_INFO, _("Applied."));
    }
    self->modified = FALSE;
    load(self); /* show the definition as the daemon stored it */
}

static void
on_apply_clicked(GtkButton *button, MarinaXmlEditor *self)
{
    GtkTextIter start, end;
    g_autofree char *xml = NULL;
    g_autoptr(MarinaHost) host = NULL;

    (void)button;
    if (self->domain == NULL || !self->shut_off)
        return;
    gtk_text_buffer_get_bounds(self->buffer, &start, &end);
    xml = gtk_text_buffer_get_text(self->buffer, &start, &end, FALSE);
    if (strlen(xml) > MARINA_DOMAIN_XML_MAX) {
        show_message(self, GTK_MESSAGE_ERROR,
                     _("The definition is larger than 1 MiB. Remove what is not needed."));
        return;
    }
    self->loading = TRUE;
    update_sensitivity(self);
    show_message(self, GTK_MESSAGE_INFO, NULL);
    host = marina_host_new(marina_domain_get_connection(self->domain));
    marina_host_define_domain_async(host, xml, self->cancellable, on_defined, g_object_ref(self));
}

static void
on_revert_clicked(GtkButton *button, MarinaXmlEditor *self)
{
    (void)button;
    self->modified = FALSE;
    show_message(self, GTK_MESSAGE_INFO, NULL);
    load(self);
}

static void
on_buffer_changed(GtkTextBuffer *buffer, MarinaXmlEditor *self)
{
    (void)buffer;
    if (self->loading)
        return;
    self->modified = TRUE;
    update_sensitivity(self);
}

GtkWidget *
marina_xml_editor_new(void)
{
    return g_object_new(MARINA_TYPE_XML_EDITOR, "orientation", GTK_ORIENTATION_VERTICAL, "spacing",
                        6, "margin", 12, NULL);
}

void
marina_xml_editor_set_domain(MarinaXmlEditor *self, MarinaDomain *domain)
{
    g_return_if_fail(MARINA_IS_XML_EDITOR(self));
    g_set_object(&self->domain, domain);
    update_sensitivity(self);
    /* The tab may already be showing, waiting for the guest's proxy. */
    if (domain != NULL && !self->modified && !self->loading)
        load(self);
}

void
marina_xml_editor_reload(MarinaXmlEditor *self)
{
    g_return_if_fail(MARINA_IS_XML_EDITOR(self));
    if (!self->modified && !self->loading)
        load(self);
}

void
marina_xml_editor_set_shut_off(MarinaXmlEditor *self, gboolean shut_off)
{
    g_return_if_fail(MARINA_IS_XML_EDITOR(self));
    self->shut_off = shut_off;
    if (!shut_off)
        show_message(self, GTK_MESSAGE_INFO,
                     _("The guest is running: shut it off to edit its definition here."));
    else if (g_strcmp0(gtk_label_get_text(self->message),
                       _("The guest is running: shut it off to edit its definition here.")) == 0)
        show_message(self, GTK_MESSAGE_INFO, NULL);
    update_sensitivity(self);
}

static void
marina_xml_editor_dispose(GObject *object)
{
    MarinaXmlEditor *self = MARINA_XML_EDITOR(object);

    g_cancellable_cancel(self->cancellable);
    g_clear_object(&self->domain);
    G_OBJECT_CLASS(marina_xml_editor_parent_class)->dispose(object);
}

static void
marina_xml_editor_finalize(GObject *object)
{
    MarinaXmlEditor *self = MARINA_XML_EDITOR(object);

    g_clear_object(&self->cancellable);
    G_OBJECT_CLASS(marina_xml_editor_parent_class)->finalize(object);
}

static void
marina_xml_editor_class_init(MarinaXmlEditorClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);

    object_class->dispose = marina_xml_editor_dispose;
    object_class->finalize = marina_xml_editor_finalize;
}

static void
marina_xml_editor_init(MarinaXmlEditor *self)
{
    GtkWidget *scrolled = gtk_scrolled_window_new(NULL, NULL);
    GtkWidget *buttons = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 6);
    GtkWidget *view = gtk_text_view_new();
    GtkWidget *message = gtk_label_new(NULL);

    self->cancellable = g_cancellable_new();
    self->view = GTK_TEXT_VIEW(view);
    self->buffer = gtk_text_view_get_buffer(self->view);
    gtk_text_view_set_monospace(self->view, TRUE);
    gtk_text_view_set_wrap_mode(self->view, GTK_WRAP_NONE);
    gtk_text_view_set_editable(self->view, FALSE);
    atk_object_set_name(gtk_widget_get_accessible(view), _("Guest XML"));
    g_signal_connect(self->buffer, "changed", G_CALLBACK(on_buffer_changed), self);
    gtk_scrolled_window_set_shadow_type(GTK_SCROLLED_WINDOW(scrolled), GTK_SHADOW_IN);
    gtk_widget_set_vexpand(scrolled, TRUE);
    gtk_container_add(GTK_CONTAINER(scrolled), view);
    gtk_box_pack_start(GTK_BOX(self), scrolled, TRUE, TRUE, 0);

    self->message = GTK_LABEL(message);
    gtk_label_set_xalign(self->message, 0);
    gtk_label_set_line_wrap(self->message, TRUE);
    gtk_label_set_selectable(self->message, TRUE);
    atk_object_set_name(gtk_widget_get_accessible(message), _("XML message"));
    gtk_widget_set_no_show_all(message, TRUE);
    gtk_box_pack_start(GTK_BOX(self), message, FALSE, FALSE, 0);

    self->apply_button = gtk_button_new_with_mnemonic(_("_Apply"));
    atk_object_set_name(gtk_widget_get_accessible(self->apply_button), _("Apply XML"));
    g_signal_connect(self->apply_button, "clicked", G_CALLBACK(on_apply_clicked), self);
    self->revert_button = gtk_button_new_with_mnemonic(_("_Revert"));
    atk_object_set_name(gtk_widget_get_accessible(self->revert_button), _("Revert XML"));
    g_signal_connect(self->revert_button, "clicked", G_CALLBACK(on_revert_clicked), self);
    gtk_box_pack_end(GTK_BOX(buttons), self->apply_button, FALSE, FALSE, 0);
    gtk_box_pack_end(GTK_BOX(buttons), self->revert_button, FALSE, FALSE, 0);
    gtk_box_pack_start(GTK_BOX(self), buttons, FALSE, FALSE, 0);
    gtk_widget_show_all(GTK_WIDGET(self));
    update_sensitivity(self);
}
