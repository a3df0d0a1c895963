/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-xml-editor"

#include "config.h"

#include "xml-editor.h"

#include <glib/gi18n.h>
#include <gtksourceview/gtksource.h>
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
    gboolean live;     /* the running configuration is shown (read-only) */
    gboolean modified; /* edits not applied yet */
    gboolean loading;
    char *uuid; /* of the definition loaded: Apply keeps to this guest */

    GtkSourceView *view;
    GtkSourceBuffer *buffer;
    GtkWidget *definition_radio;
    GtkWidget *live_radio;
    GtkInfoBar *info_bar;
    GtkLabel *message;
    GtkWidget *apply_button;
    GtkWidget *revert_button;
};

G_DEFINE_FINAL_TYPE(MarinaXmlEditor, marina_xml_editor, GTK_TYPE_BOX)

static void
show_message(MarinaXmlEditor *self, GtkMessageType type, const char *text)
{
    gboolean shown = text != NULL && *text != '\0';

    gtk_info_bar_set_message_type(self->info_bar, type);
    gtk_label_set_text(self->message, shown ? text : "");
    gtk_widget_set_visible(GTK_WIDGET(self->info_bar), shown);
}

/* What is shown, and what it means, when no other message is up. */
static void
show_view_note(MarinaXmlEditor *self)
{
    if (self->live)
        show_message(self, GTK_MESSAGE_INFO,
                     _("This is the running guest's configuration, read-only. Show the "
                       "definition to edit what the guest boots with next time."));
    else if (!self->shut_off && self->domain != NULL)
        show_message(self, GTK_MESSAGE_INFO,
                     _("The guest is running: changes to its definition take effect the next "
                       "time it boots."));
    else
        show_message(self, GTK_MESSAGE_INFO, NULL);
}

static void
update_sensitivity(MarinaXmlEditor *self)
{
    gboolean can_edit = !self->live && self->domain != NULL && !self->loading;

    gtk_text_view_set_editable(GTK_TEXT_VIEW(self->view), can_edit);
    gtk_widget_set_sensitive(self->apply_button, can_edit && self->modified);
    gtk_widget_set_sensitive(self->revert_button, self->modified && !self->loading);
    /* The running configuration exists only while the guest runs; switching
     * away from unapplied edits would lose them. */
    gtk_widget_set_sensitive(self->live_radio, !self->shut_off && !self->modified);
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
    if (!self->live) {
        g_autoptr(MarinaDomainConfig) config = marina_domain_config_parse(xml, -1, NULL, NULL);

        g_free(self->uuid);
        self->uuid = config != NULL ? g_strdup(config->uuid) : NULL;
    }
    self->loading = TRUE; /* the buffer's "changed" is not an edit */
    gtk_source_buffer_begin_not_undoable_action(self->buffer);
    gtk_text_buffer_set_text(GTK_TEXT_BUFFER(self->buffer), xml, -1);
    gtk_source_buffer_end_not_undoable_action(self->buffer);
    self->loading = FALSE;
    self->modified = FALSE;
    update_sensitivity(self);
}

static void
load(MarinaXmlEditor *self)
{
    if (self->domain == NULL)
        return;
    /* A load under way for the other view is abandoned. */
    g_cancellable_cancel(self->cancellable);
    g_object_unref(self->cancellable);
    self->cancellable = g_cancellable_new();
    self->loading = TRUE;
    update_sensitivity(self);
    marina_domain_get_xml_async(self->domain,
                                self->live ? MARINA_DOMAIN_XML_NONE : MARINA_DOMAIN_XML_INACTIVE,
                                self->cancellable, on_xml_loaded, g_object_ref(self));
}

static void
on_defined(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(MarinaXmlEditor) self = user_data;
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) warnings = NULL;
    g_autoptr(MarinaDomain) defined =
        marina_host_define_domain_finish(MARINA_HOST(source), result, &warnings, &error);
    GString *text;

    if (defined == NULL) {
        if (marina_ui_is_cancelled(error))
            return;
        self->loading = FALSE;
        show_message(self, GTK_MESSAGE_ERROR, marina_error_message(error));
        update_sensitivity(self);
        return;
    }
    self->loading = FALSE;
    text = g_string_new(_("Applied."));
    if (!self->shut_off) {
        g_string_append_c(text, ' ');
        g_string_append(text, _("The guest is running: the change takes effect the next time it "
                                "boots."));
    }
    if (warnings != NULL && warnings[0] != NULL) {
        g_autofree char *joined = g_strjoinv("\n• ", warnings);
        g_string_append_c(text, '\n');
        g_string_append_printf(text, _("Marina ignored what it does not support:\n• %s"), joined);
    }
    show_message(self,
                 warnings != NULL && warnings[0] != NULL ? GTK_MESSAGE_WARNING : GTK_MESSAGE_INFO,
                 text->str);
    g_string_free(text, TRUE);
    self->modified = FALSE;
    load(self); /* show the definition as the daemon stored it */
}

/* The text parses as a domain definition; otherwise the parser's message
 * says why, and nothing is sent. */
static gboolean
check_xml(MarinaXmlEditor *self, const char *xml)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaDomainConfig) config = NULL;

    if (strlen(xml) > MARINA_DOMAIN_XML_MAX) {
        show_message(self, GTK_MESSAGE_ERROR,
                     _("The definition is larger than 1 MiB. Remove what is not needed."));
        return FALSE;
    }
    config = marina_domain_config_parse(xml, -1, NULL, &error);
    if (config == NULL) {
        const char *why = marina_error_message(error);
        /* The parser's message, as a sentence of its own. */
        g_autofree char *sentence =
            g_str_has_suffix(why, ".") ? g_strdup(why) : g_strconcat(why, ".", NULL);
        g_autofree char *text =
            g_strdup_printf(_("Not applied: %s The definition is unchanged."), sentence);
        show_message(self, GTK_MESSAGE_ERROR, text);
        return FALSE;
    }
    /* Another UUID would define another guest beside this one. */
    if (self->uuid != NULL && g_ascii_strcasecmp(config->uuid, self->uuid) != 0) {
        g_autofree char *text = g_strdup_printf(
            _("Not applied: the definition names another guest (UUID %s). Keep this guest's "
              "<uuid>%s</uuid>; to make a new guest, use Define from XML in the manager."),
            config->uuid, self->uuid);
        show_message(self, GTK_MESSAGE_ERROR, text);
        return FALSE;
    }
    return TRUE;
}

static void
on_apply_clicked(GtkButton *button, MarinaXmlEditor *self)
{
    GtkTextIter start, end;
    g_autofree char *xml = NULL;
    g_autoptr(MarinaHost) host = NULL;

    (void)button;
    if (self->domain == NULL || self->live || self->loading)
        return;
    gtk_text_buffer_get_bounds(GTK_TEXT_BUFFER(self->buffer), &start, &end);
    xml = gtk_text_buffer_get_text(GTK_TEXT_BUFFER(self->buffer), &start, &end, FALSE);
    if (!check_xml(self, xml))
        return;
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
    show_view_note(self);
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

static void
on_view_toggled(GtkToggleButton *radio, MarinaXmlEditor *self)
{
    gboolean live = gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(self->live_radio));

    (void)radio;
    if (live == self->live)
        return;
    self->live = live;
    self->modified = FALSE;
    show_view_note(self);
    load(self);
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
    /* A guest that stopped has no running configuration to show. */
    if (shut_off && self->live)
        gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(self->definition_radio), TRUE);
    if (gtk_info_bar_get_message_type(self->info_bar) == GTK_MESSAGE_INFO)
        show_view_note(self);
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
    g_free(self->uuid);
    G_OBJECT_CLASS(marina_xml_editor_parent_class)->finalize(object);
}

static void
marina_xml_editor_class_init(MarinaXmlEditorClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);

    object_class->dispose = marina_xml_editor_dispose;
    object_class->finalize = marina_xml_editor_finalize;
}

/* "Show: (•) Definition (next boot)  ( ) Running configuration (read-only)" */
static GtkWidget *
build_view_switch(MarinaXmlEditor *self)
{
    GtkWidget *box = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 12);
    GtkWidget *label = gtk_label_new(_("Show:"));

    self->definition_radio =
        gtk_radio_button_new_with_mnemonic(NULL, _("_Definition (for the next boot)"));
    self->live_radio = gtk_radio_button_new_with_mnemonic_from_widget(
        GTK_RADIO_BUTTON(self->definition_radio), _("Running _configuration (read-only)"));
    atk_object_set_name(gtk_widget_get_accessible(self->definition_radio),
                        _("Show the definition"));
    atk_object_set_name(gtk_widget_get_accessible(self->live_radio),
                        _("Show the running configuration"));
    g_signal_connect(self->definition_radio, "toggled", G_CALLBACK(on_view_toggled), self);
    g_signal_connect(self->live_radio, "toggled", G_CALLBACK(on_view_toggled), self);
    gtk_box_pack_start(GTK_BOX(box), label, FALSE, FALSE, 0);
    gtk_box_pack_start(GTK_BOX(box), self->definition_radio, FALSE, FALSE, 0);
    gtk_box_pack_start(GTK_BOX(box), self->live_radio, FALSE, FALSE, 0);
    return box;
}

static GtkWidget *
build_source_view(MarinaXmlEditor *self)
{
    GtkSourceLanguageManager *languages = gtk_source_language_manager_get_default();
    GtkSourceStyleSchemeManager *schemes = gtk_source_style_scheme_manager_get_default();
    GtkSourceLanguage *xml = gtk_source_language_manager_get_language(languages, "xml");
    GtkSourceStyleScheme *scheme = gtk_source_style_scheme_manager_get_scheme(schemes, "classic");
    GtkWidget *view;

    self->buffer = gtk_source_buffer_new_with_language(xml);
    if (scheme != NULL)
        gtk_source_buffer_set_style_scheme(self->buffer, scheme);
    gtk_source_buffer_set_highlight_syntax(self->buffer, TRUE);
    view = gtk_source_view_new_with_buffer(self->buffer);
    g_object_unref(self->buffer); /* the view holds it */
    self->view = GTK_SOURCE_VIEW(view);
    gtk_source_view_set_show_line_numbers(self->view, TRUE);
    gtk_source_view_set_highlight_current_line(self->view, TRUE);
    gtk_source_view_set_auto_indent(self->view, TRUE);
    gtk_source_view_set_tab_width(self->view, 2);
    gtk_source_view_set_insert_spaces_instead_of_tabs(self->view, TRUE);
    gtk_text_view_set_monospace(GTK_TEXT_VIEW(view), TRUE);
    gtk_text_view_set_wrap_mode(GTK_TEXT_VIEW(view), GTK_WRAP_NONE);
    gtk_text_view_set_editable(GTK_TEXT_VIEW(view), FALSE);
    atk_object_set_name(gtk_widget_get_accessible(view), _("Guest XML"));
    g_signal_connect(self->buffer, "changed", G_CALLBACK(on_buffer_changed), self);
    return view;
}

static void
marina_xml_editor_init(MarinaXmlEditor *self)
{
    GtkWidget *scrolled = gtk_scrolled_window_new(NULL, NULL);
    GtkWidget *buttons = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 6);
    GtkWidget *info_bar = gtk_info_bar_new();
    GtkWidget *message = gtk_label_new(NULL);

    self->cancellable = g_cancellable_new();
    self->shut_off = TRUE;
    gtk_box_pack_start(GTK_BOX(self), build_view_switch(self), FALSE, FALSE, 0);

    self->info_bar = GTK_INFO_BAR(info_bar);
    self->message = GTK_LABEL(message);
    gtk_label_set_xalign(self->message, 0);
    gtk_label_set_line_wrap(self->message, TRUE);
    gtk_label_set_selectable(self->message, TRUE);
    atk_object_set_name(gtk_widget_get_accessible(message), _("XML message"));
    gtk_container_add(GTK_CONTAINER(gtk_info_bar_get_content_area(self->info_bar)), message);
    gtk_widget_set_no_show_all(info_bar, TRUE);
    gtk_widget_show(message);
    gtk_box_pack_start(GTK_BOX(self), info_bar, FALSE, FALSE, 0);

    gtk_scrolled_window_set_shadow_type(GTK_SCROLLED_WINDOW(scrolled), GTK_SHADOW_IN);
    gtk_widget_set_vexpand(scrolled, TRUE);
    gtk_container_add(GTK_CONTAINER(scrolled), build_source_view(self));
    gtk_box_pack_start(GTK_BOX(self), scrolled, TRUE, TRUE, 0);

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
