/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-form"

#include "config.h"

#include "form-util.h"

#include <glib/gi18n.h>

void
marina_form_set_accessible_name(gpointer widget, const char *name)
{
    atk_object_set_name(gtk_widget_get_accessible(GTK_WIDGET(widget)), name);
}

void
marina_form_set_message(GtkLabel *label, const char *text)
{
    gtk_label_set_text(label, text != NULL ? text : "");
    gtk_widget_set_visible(GTK_WIDGET(label), text != NULL && *text != '\0');
}

char *
marina_form_entry_text(GtkEntry *entry)
{
    return g_strstrip(g_strdup(gtk_entry_get_text(entry)));
}

gboolean
marina_form_spin_text_value(GtkSpinButton *spin, double *value)
{
    g_autofree char *text = marina_form_entry_text(GTK_ENTRY(spin));
    char *end = NULL;
    double v;

    if (*text == '\0')
        return FALSE;
    v = g_ascii_strtod(text, &end);
    if (end == NULL || *end != '\0' || v != v || v < 0)
        return FALSE;
    *value = v;
    return TRUE;
}

char *
marina_form_path_problem(const char *path, const char *what)
{
    if (*path == '\0')
        return g_strdup_printf(_("Enter the path of the %s."), what);
    if (!g_path_is_absolute(path))
        return g_strdup_printf(_("The %s path “%s” is not absolute: enter the full path on the "
                                 "host, starting with /."),
                               what, path);
    return NULL;
}

gboolean
marina_form_is_current_page(GtkWidget *page)
{
    GtkWidget *parent = gtk_widget_get_parent(page);

    return GTK_IS_STACK(parent) && gtk_stack_get_visible_child(GTK_STACK(parent)) == page;
}

static void
on_chooser_response(GtkNativeDialog *chooser, int response, gpointer user_data)
{
    GtkEntry *target = user_data;

    if (response == GTK_RESPONSE_ACCEPT) {
        g_autofree char *path = gtk_file_chooser_get_filename(GTK_FILE_CHOOSER(chooser));

        if (path != NULL)
            gtk_entry_set_text(target, path);
    }
    g_object_unref(target);
    g_object_unref(chooser);
}

void
marina_form_choose_file(GtkWidget *widget, GtkEntry *target, gboolean iso)
{
    GtkWidget *toplevel = gtk_widget_get_toplevel(widget);
    GtkFileChooserNative *chooser = gtk_file_chooser_native_new(
        _("Choose a File"), GTK_IS_WINDOW(toplevel) ? GTK_WINDOW(toplevel) : NULL,
        GTK_FILE_CHOOSER_ACTION_OPEN, _("_Choose"), _("_Cancel"));

    if (iso) {
        GtkFileFilter *filter = gtk_file_filter_new();

        gtk_file_filter_set_name(filter, _("ISO images"));
        gtk_file_filter_add_pattern(filter, "*.iso");
        gtk_file_filter_add_pattern(filter, "*.ISO");
        gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(chooser), filter);
        filter = gtk_file_filter_new();
        gtk_file_filter_set_name(filter, _("All files"));
        gtk_file_filter_add_pattern(filter, "*");
        gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(chooser), filter);
    }
    g_signal_connect(chooser, "response", G_CALLBACK(on_chooser_response), g_object_ref(target));
    gtk_native_dialog_show(GTK_NATIVE_DIALOG(chooser));
}

void
marina_form_set_browse_local(GtkWidget *button, gboolean local)
{
    gtk_widget_set_sensitive(button, local);
    gtk_widget_set_tooltip_text(button, local ? NULL
                                              : _("The path is on the remote host: type it, or "
                                                  "choose one of its volumes with Browse "
                                                  "Volumes…"));
}
