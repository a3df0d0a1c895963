/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-vm-window"

#include "config.h"

#include "vm-screenshot.h"

#include <glib/gi18n.h>

#include "error.h"
#include "ui-util.h"

static void
save_png_thread(GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
    GdkPixbuf *pixbuf = task_data;
    const char *path = g_object_get_data(G_OBJECT(task), "marina-path");
    GError *error = NULL;

    (void)source;
    (void)cancellable;
    if (!gdk_pixbuf_save(pixbuf, path, "png", &error, NULL)) {
        g_task_return_error(task, error);
        return;
    }
    g_task_return_boolean(task, TRUE);
}

static void
on_png_saved(GObject *source, GAsyncResult *result, gpointer user_data)
{
    MarinaVmWindow *window = MARINA_VM_WINDOW(source);
    g_autoptr(GError) error = NULL;

    if (!g_task_propagate_boolean(G_TASK(result), &error) && !marina_ui_is_cancelled(error)) {
        g_autofree char *message = g_strdup_printf(
            _("Could not save the screenshot to %s: %s. Choose a folder you can write to."),
            (const char *)g_object_get_data(G_OBJECT(result), "marina-path"), error->message);

        marina_vm_window_show_error(window, message);
    }
}

typedef struct {
    MarinaVmWindow *window;
    GdkPixbuf *pixbuf;
    GCancellable *cancellable;
} SaveOp;

static void
save_op_free(SaveOp *op)
{
    g_object_unref(op->window);
    g_object_unref(op->pixbuf);
    g_clear_object(&op->cancellable);
    g_free(op);
}

static void
on_screenshot_chooser_response(GtkNativeDialog *chooser, int response, gpointer user_data)
{
    SaveOp *op = user_data;

    if (response == GTK_RESPONSE_ACCEPT && !g_cancellable_is_cancelled(op->cancellable)) {
        g_autofree char *path = gtk_file_chooser_get_filename(GTK_FILE_CHOOSER(chooser));
        g_autoptr(GTask) task = g_task_new(op->window, op->cancellable, on_png_saved, NULL);

        if (path != NULL && !g_str_has_suffix(path, ".png") && !g_str_has_suffix(path, ".PNG")) {
            char *with_suffix = g_strconcat(path, ".png", NULL);

            g_free(path);
            path = with_suffix;
        }
        g_object_set_data_full(G_OBJECT(task), "marina-path", g_steal_pointer(&path), g_free);
        g_task_set_task_data(task, g_object_ref(op->pixbuf), g_object_unref);
        g_task_run_in_thread(task, save_png_thread);
    }
    g_object_unref(chooser);
    save_op_free(op);
}

void
marina_vm_screenshot_save(MarinaVmWindow *window, MarinaGuest *guest, GdkPixbuf *pixbuf,
                          GCancellable *cancellable)
{
    SaveOp *op;
    GtkFileChooserNative *chooser;
    GtkFileFilter *filter = gtk_file_filter_new();
    g_autoptr(GDateTime) now = g_date_time_new_now_local();
    g_autofree char *stamp = g_date_time_format(now, "%Y-%m-%d-%H%M%S");
    g_autofree char *name = g_strdup_printf("%s-%s.png", marina_guest_get_name(guest), stamp);
    const char *pictures = g_get_user_special_dir(G_USER_DIRECTORY_PICTURES);

    chooser = gtk_file_chooser_native_new(_("Save Screenshot"), GTK_WINDOW(window),
                                          GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
    gtk_file_chooser_set_do_overwrite_confirmation(GTK_FILE_CHOOSER(chooser), TRUE);
    gtk_file_chooser_set_current_name(GTK_FILE_CHOOSER(chooser), name);
    if (pictures != NULL) {
        gtk_file_chooser_set_current_folder(GTK_FILE_CHOOSER(chooser), pictures);
    }
    gtk_file_filter_set_name(filter, _("PNG images"));
    gtk_file_filter_add_mime_type(filter, "image/png");
    gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(chooser), filter);
    op = g_new0(SaveOp, 1);
    op->window = g_object_ref(window);
    op->pixbuf = g_object_ref(pixbuf);
    op->cancellable = cancellable != NULL ? g_object_ref(cancellable) : NULL;
    g_signal_connect(chooser, "response", G_CALLBACK(on_screenshot_chooser_response), op);
    gtk_native_dialog_show(GTK_NATIVE_DIALOG(chooser));
}

typedef struct {
    MarinaVmWindow *window;
    MarinaGuest *guest;
    GCancellable *cancellable;
} TakeOp;

static void
on_daemon_screenshot_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
    TakeOp *op = user_data;
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) bytes =
        marina_domain_screenshot_finish(MARINA_DOMAIN(source), result, &error);
    g_autoptr(GInputStream) stream = NULL;
    g_autoptr(GdkPixbuf) pixbuf = NULL;

    if (bytes == NULL) {
        if (!marina_ui_is_cancelled(error)) {
            g_autofree char *message =
                g_strdup_printf(_("Could not take a screenshot: %s"), marina_error_message(error));
            marina_vm_window_show_error(op->window, message);
        }
    } else if (!g_cancellable_is_cancelled(op->cancellable)) {
        stream = g_memory_input_stream_new_from_bytes(bytes);
        pixbuf = gdk_pixbuf_new_from_stream(stream, NULL, &error);
        if (pixbuf == NULL) {
            g_autofree char *message = g_strdup_printf(
                _("The daemon sent a screenshot Marina cannot read: %s"), error->message);
            marina_vm_window_show_error(op->window, message);
        } else {
            marina_vm_screenshot_save(op->window, op->guest, pixbuf, op->cancellable);
        }
    }
    g_object_unref(op->window);
    g_object_unref(op->guest);
    g_object_unref(op->cancellable);
    g_free(op);
}

void
marina_vm_screenshot_take(MarinaVmWindow *window, MarinaGuest *guest, MarinaDomain *domain,
                          GCancellable *cancellable)
{
    TakeOp *op = g_new0(TakeOp, 1);

    op->window = g_object_ref(window);
    op->guest = g_object_ref(guest);
    op->cancellable = g_object_ref(cancellable);
    marina_domain_screenshot_async(domain, cancellable, on_daemon_screenshot_done, op);
}
