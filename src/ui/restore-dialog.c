/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-restore"

#include "config.h"

#include "restore-dialog.h"

#include <glib/gi18n.h>

#include "ui-util.h"

#define HOST_INTERFACE "org.marinavm.Marina1.Host"
/* Restoring a large memory image can take a while under TCG. */
#define RESTORE_TIMEOUT_MS (10 * 60 * 1000)

struct _MarinaRestoreDialog {
    GtkDialog parent_instance;

    /* template children */
    GtkLabel *explanation_label;
    GtkEntry *path_entry;
};

G_DEFINE_FINAL_TYPE(MarinaRestoreDialog, marina_restore_dialog, GTK_TYPE_DIALOG)

const char *
marina_restore_dialog_get_path(MarinaRestoreDialog *self)
{
    g_return_val_if_fail(MARINA_IS_RESTORE_DIALOG(self), NULL);
    return gtk_entry_get_text(self->path_entry);
}

static void
marina_restore_dialog_class_init(MarinaRestoreDialogClass *klass)
{
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    gtk_widget_class_set_template_from_resource(widget_class,
                                                "/org/marinavm/Marina/ui/restore-dialog.ui");
    gtk_widget_class_bind_template_child(widget_class, MarinaRestoreDialog, explanation_label);
    gtk_widget_class_bind_template_child(widget_class, MarinaRestoreDialog, path_entry);
}

static void
marina_restore_dialog_init(MarinaRestoreDialog *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
    atk_object_set_name(gtk_widget_get_accessible(GTK_WIDGET(self->path_entry)),
                        _("Path of the saved machine"));
}

static GtkWidget *
restore_dialog_new(GtkWindow *parent, const char *label)
{
    MarinaRestoreDialog *self = g_object_new(MARINA_TYPE_RESTORE_DIALOG, "use-header-bar", TRUE,
                                             "transient-for", parent, NULL);
    g_autofree char *text = g_strdup_printf(
        _("The saved file must be on %s, the host the guest will run on. Enter its path there, "
          "e.g. /var/lib/marina/save/web1.save."),
        label);

    gtk_label_set_text(self->explanation_label, text);
    gtk_dialog_add_buttons(GTK_DIALOG(self), _("_Cancel"), GTK_RESPONSE_CANCEL, _("_Restore"),
                           GTK_RESPONSE_ACCEPT, NULL);
    gtk_dialog_set_default_response(GTK_DIALOG(self), GTK_RESPONSE_ACCEPT);
    return GTK_WIDGET(self);
}

/* ------------------------------------------------------------- restoring */

typedef struct {
    MarinaManagerWindow *window;
    MarinaConnectionEntry *entry;
    char *file;
} RestoreOp;

static void
restore_op_free(RestoreOp *op)
{
    g_object_unref(op->entry);
    g_free(op->file);
    g_free(op);
}

static void
on_restored(GObject *source, GAsyncResult *result, gpointer user_data)
{
    RestoreOp *op = user_data;
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) reply =
        g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &error);

    if (reply == NULL && !marina_ui_is_cancelled(error)) {
        g_autofree char *prefix = g_strdup_printf(_("Could not restore %s:"), op->file);
        marina_manager_window_show_error(op->window, prefix, error);
    }
    restore_op_free(op);
}

static void
restore_file(RestoreOp *op)
{
    MarinaConnection *connection = marina_connection_entry_get_connection(op->entry);

    if (connection == NULL || op->file == NULL || *op->file == '\0') {
        restore_op_free(op);
        return;
    }
    g_dbus_connection_call(marina_connection_get_dbus_connection(connection), NULL,
                           MARINA_DBUS_HOST_PATH, HOST_INTERFACE, "RestoreDomain",
                           g_variant_new("(su)", op->file, 0), G_VARIANT_TYPE("(o)"),
                           G_DBUS_CALL_FLAGS_NONE, RESTORE_TIMEOUT_MS,
                           marina_manager_window_get_cancellable(op->window), on_restored, op);
}

static void
on_response(GtkDialog *dialog, int response, gpointer user_data)
{
    RestoreOp *op = user_data;

    if (response != GTK_RESPONSE_ACCEPT) {
        restore_op_free(op);
        gtk_widget_destroy(GTK_WIDGET(dialog));
        return;
    }
    if (MARINA_IS_RESTORE_DIALOG(dialog))
        op->file = g_strdup(marina_restore_dialog_get_path(MARINA_RESTORE_DIALOG(dialog)));
    else
        op->file = gtk_file_chooser_get_filename(GTK_FILE_CHOOSER(dialog));
    gtk_widget_destroy(GTK_WIDGET(dialog));
    restore_file(op);
}

void
marina_restore_dialog_present(MarinaManagerWindow *window, MarinaConnectionEntry *entry)
{
    const char *label = marina_connection_entry_get_label(entry);
    GtkWidget *dialog;
    RestoreOp *op;

    if (marina_connection_entry_is_local(entry)) {
        g_autofree char *title = g_strdup_printf(_("Restore Saved Machine on %s"), label);
        dialog = gtk_file_chooser_dialog_new(
            title, GTK_WINDOW(window), GTK_FILE_CHOOSER_ACTION_OPEN, _("_Cancel"),
            GTK_RESPONSE_CANCEL, _("_Restore"), GTK_RESPONSE_ACCEPT, NULL);
        gtk_window_set_modal(GTK_WINDOW(dialog), TRUE);
        gtk_dialog_set_default_response(GTK_DIALOG(dialog), GTK_RESPONSE_ACCEPT);
    } else {
        dialog = restore_dialog_new(GTK_WINDOW(window), label);
    }
    op = g_new0(RestoreOp, 1);
    op->window = window;
    op->entry = g_object_ref(entry);
    g_signal_connect(dialog, "response", G_CALLBACK(on_response), op);
    gtk_window_present(GTK_WINDOW(dialog));
}
