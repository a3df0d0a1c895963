/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-delete-guest"

#include "config.h"

#include "delete-guest.h"

#include <glib/gi18n.h>

#include "domain-config.h"
#include "error.h"
#include "ui-util.h"

#define DOMAIN_INTERFACE "org.marinavm.Marina1.Domain"
/* Forcing off and undefining wait for QEMU to go, which can be slow under TCG. */
#define DELETE_CALL_TIMEOUT_MS (10 * 60 * 1000)

typedef struct {
    MarinaManagerWindow *self;
    MarinaConnectionEntry *entry;
    MarinaGuest *guest;
    char *name;
    GPtrArray *files; /* char*: disk image files of <disk type='file' device='disk'> */
    gboolean delete_storage;
    GtkWidget *storage_check;
    guint pending;
    GString *failures;
} DeleteOp;

/* The guest's connection, while it is the one the guest came from (a
 * reconnect brings new guest objects: the delete then stops). */
static MarinaConnection *
op_connection(DeleteOp *op)
{
    MarinaGuestList *list = marina_connection_entry_get_guest_list(op->entry);

    if (list == NULL || !marina_connection_entry_is_connected(op->entry) ||
        marina_guest_list_lookup(list, marina_guest_get_uuid(op->guest)) != op->guest)
        return NULL;
    return marina_connection_entry_get_connection(op->entry);
}

static void
call_domain(DeleteOp *op, MarinaConnection *connection, const char *method, GVariant *params,
            GAsyncReadyCallback callback)
{
    g_dbus_connection_call(marina_connection_get_dbus_connection(connection), NULL,
                           marina_guest_get_object_path(op->guest), DOMAIN_INTERFACE, method,
                           params, NULL, G_DBUS_CALL_FLAGS_NONE, DELETE_CALL_TIMEOUT_MS,
                           marina_manager_window_get_cancellable(op->self), callback, op);
}

static void
delete_op_free(DeleteOp *op)
{
    g_clear_object(&op->entry);
    g_clear_object(&op->guest);
    g_free(op->name);
    g_clear_pointer(&op->files, g_ptr_array_unref);
    if (op->failures != NULL)
        g_string_free(op->failures, TRUE);
    g_free(op);
}

static void
delete_op_done_file(DeleteOp *op)
{
    if (--op->pending > 0)
        return;
    if (op->failures != NULL && op->failures->len > 0)
        marina_manager_window_show_message(op->self, GTK_MESSAGE_ERROR, op->failures->str);
    delete_op_free(op);
}

static void
on_file_deleted(GObject *source, GAsyncResult *result, gpointer user_data)
{
    DeleteOp *op = user_data;
    g_autoptr(GError) error = NULL;

    if (!g_file_delete_finish(G_FILE(source), result, &error) &&
        !g_error_matches(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND)) {
        g_autofree char *path = g_file_get_path(G_FILE(source));
        if (marina_ui_is_cancelled(error)) {
            delete_op_done_file(op);
            return;
        }
        if (op->failures == NULL)
            op->failures = g_string_new(NULL);
        if (op->failures->len > 0)
            g_string_append_c(op->failures, '\n');
        g_string_append_printf(op->failures,
                               _("'%s' was deleted, but its disk %s could not be: %s. "
                                 "Delete the file yourself."),
                               op->name, path, error->message);
    }
    delete_op_done_file(op);
}

/* Ends a delete that failed; a cancelled one (the window closing) says nothing. */
static void
delete_op_fail(DeleteOp *op, const GError *error)
{
    if (!marina_ui_is_cancelled(error)) {
        g_autofree char *prefix = g_strdup_printf(_("Could not delete '%s':"), op->name);
        marina_manager_window_show_error(op->self, prefix, error);
    }
    delete_op_free(op);
}

static void
on_undefined(GObject *source, GAsyncResult *result, gpointer user_data)
{
    DeleteOp *op = user_data;
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) reply =
        g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &error);

    if (reply == NULL) {
        delete_op_fail(op, error);
        return;
    }
    if (!op->delete_storage || op->files == NULL || op->files->len == 0) {
        delete_op_free(op);
        return;
    }
    /* Only now: a guest that could not be undefined keeps its disks. */
    op->pending = op->files->len;
    for (guint i = 0; i < op->files->len; i++) {
        g_autoptr(GFile) file = g_file_new_for_path(g_ptr_array_index(op->files, i));
        g_file_delete_async(file, G_PRIORITY_DEFAULT,
                            marina_manager_window_get_cancellable(op->self), on_file_deleted, op);
    }
}

static void
delete_undefine(DeleteOp *op)
{
    MarinaConnection *connection = op_connection(op);

    if (connection == NULL) {
        delete_op_free(op);
        return;
    }
    /* 1: also remove a managed save image, which nothing could use any more. */
    call_domain(op, connection, "Undefine", g_variant_new("(u)", 1), on_undefined);
}

static void
on_destroyed_for_delete(GObject *source, GAsyncResult *result, gpointer user_data)
{
    DeleteOp *op = user_data;
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) reply =
        g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &error);

    if (reply == NULL && !g_error_matches(error, MARINA_ERROR, MARINA_ERROR_NOT_RUNNING)) {
        delete_op_fail(op, error);
        return;
    }
    delete_undefine(op);
}

static void
delete_start(DeleteOp *op)
{
    MarinaConnection *connection = op_connection(op);

    if (connection == NULL) {
        delete_op_free(op);
        return;
    }
    if (op->delete_storage && !marina_connection_entry_is_local(op->entry))
        op->delete_storage = FALSE; /* never delete a remote host's files from here */
    /* A running guest is stopped first, as virt-manager does. */
    if (marina_guest_is_active(op->guest))
        call_domain(op, connection, "Destroy", NULL, on_destroyed_for_delete);
    else
        delete_undefine(op);
}

static void
on_delete_response(GtkDialog *dialog, int response, gpointer user_data)
{
    DeleteOp *op = user_data;

    op->delete_storage = op->storage_check != NULL && gtk_widget_get_sensitive(op->storage_check) &&
                         gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(op->storage_check));
    op->storage_check = NULL;
    gtk_widget_destroy(GTK_WIDGET(dialog));
    if (response == GTK_RESPONSE_ACCEPT)
        delete_start(op);
    else
        delete_op_free(op);
}

static void
delete_confirm(DeleteOp *op)
{
    MarinaManagerWindow *self = op->self;
    gboolean local = marina_connection_entry_is_local(op->entry);
    g_autofree char *title = g_strdup_printf(_("Delete '%s'?"), op->name);
    g_autofree char *detail = NULL;
    GtkWidget *dialog, *area, *check, *files_label;
    GString *list = g_string_new(NULL);

    if (op_connection(op) == NULL) {
        delete_op_free(op);
        return;
    }
    detail = g_strdup_printf(marina_guest_is_active(op->guest)
                                 ? _("It is running and will be forced off. Its configuration "
                                     "is removed from %s.")
                                 : _("Its configuration is removed from %s."),
                             marina_connection_entry_get_label(op->entry));
    dialog = marina_ui_confirm_dialog(GTK_WINDOW(self), title, detail, _("_Delete"));
    area = gtk_message_dialog_get_message_area(GTK_MESSAGE_DIALOG(dialog));

    check = gtk_check_button_new_with_mnemonic(_("Also delete its _storage"));
    op->storage_check = check;
    for (guint i = 0; op->files != NULL && i < op->files->len; i++)
        g_string_append_printf(list, "%s%s", i ? "\n" : "",
                               (char *)g_ptr_array_index(op->files, i));
    if (!local) {
        gtk_widget_set_sensitive(check, FALSE);
        gtk_widget_set_tooltip_text(
            check, _("Marina cannot delete files on a remote host yet. Delete the disk images "
                     "on the host itself."));
    } else if (list->len == 0) {
        gtk_widget_set_sensitive(check, FALSE);
        gtk_widget_set_tooltip_text(check, _("The guest has no disk image files."));
    }
    gtk_widget_show(check);
    gtk_container_add(GTK_CONTAINER(area), check);
    if (list->len > 0) {
        files_label = gtk_label_new(list->str);
        gtk_label_set_xalign(GTK_LABEL(files_label), 0.0);
        gtk_label_set_selectable(GTK_LABEL(files_label), TRUE);
        gtk_label_set_ellipsize(GTK_LABEL(files_label), PANGO_ELLIPSIZE_MIDDLE);
        gtk_widget_set_margin_start(files_label, 24);
        gtk_style_context_add_class(gtk_widget_get_style_context(files_label), "dim-label");
        g_object_bind_property(check, "active", files_label, "sensitive", G_BINDING_SYNC_CREATE);
        gtk_widget_show(files_label);
        gtk_container_add(GTK_CONTAINER(area), files_label);
    }
    g_string_free(list, TRUE);
    g_signal_connect(dialog, "response", G_CALLBACK(on_delete_response), op);
    gtk_window_present(GTK_WINDOW(dialog));
}

static void
on_delete_xml(GObject *source, GAsyncResult *result, gpointer user_data)
{
    DeleteOp *op = user_data;
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) reply =
        g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &error);

    if (reply == NULL && marina_ui_is_cancelled(error)) {
        delete_op_free(op);
        return;
    }
    op->files = g_ptr_array_new_with_free_func(g_free);
    if (reply != NULL) {
        const char *xml = NULL;
        g_autoptr(MarinaDomainConfig) config = NULL;

        g_variant_get(reply, "(&s)", &xml);
        config = marina_domain_config_parse(xml, -1, NULL, &error);
        for (guint i = 0; config != NULL && i < config->disks->len; i++) {
            MarinaDiskConfig *disk = g_ptr_array_index(config->disks, i);
            if (disk->type == MARINA_DISK_TYPE_FILE && disk->device == MARINA_DISK_DEVICE_DISK &&
                disk->source != NULL && g_path_is_absolute(disk->source))
                g_ptr_array_add(op->files, g_strdup(disk->source));
        }
    }
    if (error != NULL) /* the dialog still works, just without the storage list */
        g_debug("Could not read the disks of '%s': %s", op->name, error->message);
    delete_confirm(op);
}

void
marina_delete_guest(MarinaManagerWindow *window, MarinaConnectionEntry *entry, MarinaGuest *guest,
                    gboolean confirm)
{
    DeleteOp *op = g_new0(DeleteOp, 1);
    MarinaConnection *connection;

    op->self = window;
    op->entry = g_object_ref(entry);
    op->name = g_strdup(marina_guest_get_name(guest));
    op->guest = g_object_ref(guest);
    if (!confirm) {
        delete_start(op);
        return;
    }
    connection = op_connection(op);
    if (connection == NULL) {
        delete_op_free(op);
        return;
    }
    /* The inactive definition lists the disks the guest boots with. */
    call_domain(op, connection, "GetXML", g_variant_new("(u)", 1), on_delete_xml);
}
