/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-define-xml"

#include "config.h"

#include "define-xml-dialog.h"

#include <glib/gi18n.h>

#include "domain-config.h"
#include "host.h"
#include "ui-util.h"

struct _MarinaDefineXmlDialog {
    GtkFileChooserDialog parent_instance;

    MarinaManagerWindow *window; /* weak: the transient parent */
    MarinaConnectionEntry *entry;

    /* template children */
    GtkFileFilter *xml_filter;
    GtkFileFilter *all_filter;
};

G_DEFINE_FINAL_TYPE(MarinaDefineXmlDialog, marina_define_xml_dialog, GTK_TYPE_FILE_CHOOSER_DIALOG)

/* Outlives the dialog: reading the file and defining take a while. */
typedef struct {
    MarinaManagerWindow *window;
    MarinaConnectionEntry *entry;
    char *file;
} DefineOp;

static void
define_op_free(DefineOp *op)
{
    g_object_unref(op->entry);
    g_free(op->file);
    g_free(op);
}

static void
on_defined(GObject *source, GAsyncResult *result, gpointer user_data)
{
    DefineOp *op = user_data;
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) warnings = NULL;
    g_autoptr(MarinaDomain) domain =
        marina_host_define_domain_finish(MARINA_HOST(source), result, &warnings, &error);
    g_autofree char *basename = g_path_get_basename(op->file);

    if (domain == NULL) {
        if (!marina_ui_is_cancelled(error)) {
            g_autofree char *prefix =
                g_strdup_printf(_("Could not define a guest from %s:"), basename);
            marina_manager_window_show_error(op->window, prefix, error);
        }
        define_op_free(op);
        return;
    }
    if (warnings != NULL && warnings[0] != NULL) {
        g_autofree char *joined = g_strjoinv("\n• ", warnings);
        g_autofree char *message = g_strdup_printf(
            _("The guest from %s is defined. Marina ignored what it does not support:\n• %s"),
            basename, joined);
        marina_manager_window_show_message(op->window, GTK_MESSAGE_WARNING, message);
    }
    define_op_free(op);
}

static void
on_xml_loaded(GObject *source, GAsyncResult *result, gpointer user_data)
{
    DefineOp *op = user_data;
    g_autoptr(GError) error = NULL;
    g_autofree char *contents = NULL;
    gsize length = 0;
    MarinaConnection *connection;
    g_autoptr(MarinaHost) host = NULL;

    if (!g_file_load_contents_finish(G_FILE(source), result, &contents, &length, NULL, &error)) {
        if (!marina_ui_is_cancelled(error)) {
            g_autofree char *prefix = g_strdup_printf(_("Could not read %s:"), op->file);
            marina_manager_window_show_error(op->window, prefix, error);
        }
        define_op_free(op);
        return;
    }
    if (length > MARINA_DOMAIN_XML_MAX || !g_utf8_validate(contents, (gssize)length, NULL) ||
        strlen(contents) != length) {
        g_autofree char *message = g_strdup_printf(
            _("%s is not a guest definition: choose a libvirt domain XML file (UTF-8 text, at "
              "most 1 MiB), e.g. the output of “virsh dumpxml”."),
            op->file);
        marina_manager_window_show_message(op->window, GTK_MESSAGE_ERROR, message);
        define_op_free(op);
        return;
    }
    connection = marina_connection_entry_get_connection(op->entry);
    if (connection == NULL) {
        define_op_free(op);
        return;
    }
    host = marina_host_new(connection);
    marina_host_define_domain_async(
        host, contents, marina_manager_window_get_cancellable(op->window), on_defined, op);
}

static void
marina_define_xml_dialog_response(GtkDialog *dialog, int response)
{
    MarinaDefineXmlDialog *self = MARINA_DEFINE_XML_DIALOG(dialog);

    if (response == GTK_RESPONSE_ACCEPT && self->window != NULL) {
        g_autoptr(GFile) file = gtk_file_chooser_get_file(GTK_FILE_CHOOSER(dialog));
        DefineOp *op = g_new0(DefineOp, 1);

        op->window = self->window;
        op->entry = g_object_ref(self->entry);
        op->file = g_file_get_parse_name(file);
        g_file_load_contents_async(file, marina_manager_window_get_cancellable(self->window),
                                   on_xml_loaded, op);
    }
    gtk_widget_destroy(GTK_WIDGET(dialog));
}

static void
marina_define_xml_dialog_dispose(GObject *object)
{
    MarinaDefineXmlDialog *self = MARINA_DEFINE_XML_DIALOG(object);

    g_clear_weak_pointer(&self->window);
    g_clear_object(&self->entry);
    G_OBJECT_CLASS(marina_define_xml_dialog_parent_class)->dispose(object);
}

static void
marina_define_xml_dialog_class_init(MarinaDefineXmlDialogClass *klass)
{
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    G_OBJECT_CLASS(klass)->dispose = marina_define_xml_dialog_dispose;
    GTK_DIALOG_CLASS(klass)->response = marina_define_xml_dialog_response;
    gtk_widget_class_set_template_from_resource(widget_class,
                                                "/org/marinavm/Marina/ui/define-xml-dialog.ui");
    gtk_widget_class_bind_template_child(widget_class, MarinaDefineXmlDialog, xml_filter);
    gtk_widget_class_bind_template_child(widget_class, MarinaDefineXmlDialog, all_filter);
}

static void
marina_define_xml_dialog_init(MarinaDefineXmlDialog *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));

    /* GtkFileFilter has no name property in GTK 3: names are set here. */
    gtk_file_filter_set_name(self->xml_filter, _("Guest definitions (XML)"));
    gtk_file_filter_set_name(self->all_filter, _("All files"));
    gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(self), self->xml_filter);
    gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(self), self->all_filter);
}

MarinaDefineXmlDialog *
marina_define_xml_dialog_new(MarinaManagerWindow *window, MarinaConnectionEntry *entry)
{
    g_autofree char *title = g_strdup_printf(_("Define a Guest from an XML File on %s"),
                                             marina_connection_entry_get_label(entry));
    MarinaDefineXmlDialog *self =
        g_object_new(MARINA_TYPE_DEFINE_XML_DIALOG, "title", title, "transient-for", window,
                     "use-header-bar", TRUE, NULL);

    g_set_weak_pointer(&self->window, window);
    self->entry = g_object_ref(entry);
    /* As gtk_file_chooser_dialog_new() adds them. */
    gtk_dialog_add_buttons(GTK_DIALOG(self), _("_Cancel"), GTK_RESPONSE_CANCEL, _("_Define"),
                           GTK_RESPONSE_ACCEPT, NULL);
    gtk_dialog_set_default_response(GTK_DIALOG(self), GTK_RESPONSE_ACCEPT);
    return self;
}
