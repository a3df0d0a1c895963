/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-hw-page"

#include "config.h"

#include "hw-grow-disk-dialog.h"

#include <glib/gi18n.h>

#include "error.h"
#include "form-util.h"
#include "ui-util.h"

#define GIB (1024.0 * 1024.0 * 1024.0)
/* A disk image larger than this is a typing mistake (1 PiB). */
#define MAX_GIB 1048576.0

struct _MarinaHwGrowDiskDialog {
    GtkDialog parent_instance;

    MarinaDomain *domain;
    GCancellable *cancellable;
    char *target;
    guint64 capacity;

    GtkSpinButton *size_spin;
    GtkLabel *error_label;
    GtkWidget *grow_button;
};

G_DEFINE_FINAL_TYPE(MarinaHwGrowDiskDialog, marina_hw_grow_disk_dialog, GTK_TYPE_DIALOG)

static void
on_resized(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GError) error = NULL;
    MarinaHwGrowDiskDialog *self;

    if (marina_domain_resize_disk_finish(MARINA_DOMAIN(source), result, &error)) {
        gtk_widget_destroy(GTK_WIDGET(user_data));
        g_object_unref(user_data);
        return;
    }
    self = MARINA_HW_GROW_DISK_DIALOG(user_data);
    if (!marina_ui_is_cancelled(error)) {
        gtk_label_set_text(self->error_label, marina_error_message(error));
        gtk_widget_set_sensitive(self->grow_button, TRUE);
    }
    g_object_unref(self);
}

static void
grow(MarinaHwGrowDiskDialog *self)
{
    double gib = 0;
    guint64 bytes;

    if (!marina_form_spin_text_value(self->size_spin, &gib) || gib <= 0 || gib > MAX_GIB) {
        gtk_label_set_text(self->error_label, _("Enter the new size in GiB, e.g. 20 or 2.5."));
        return;
    }
    bytes = (guint64)(gib * GIB + 0.5);
    if (self->capacity != 0 && bytes <= self->capacity) {
        g_autofree char *now = marina_ui_format_bytes(self->capacity);

        /* Translators: %s is the disk's size now, e.g. "10.0 GiB" */
        g_autofree char *text = g_strdup_printf(_("The disk is %s. Disks can only grow "
                                                  "(shrinking would destroy the data at the "
                                                  "end): enter a larger size."),
                                                now);

        gtk_label_set_text(self->error_label, text);
        return;
    }
    gtk_label_set_text(self->error_label, "");
    gtk_widget_set_sensitive(self->grow_button, FALSE);
    marina_domain_resize_disk_async(self->domain, self->target, bytes, self->cancellable,
                                    on_resized, g_object_ref(self));
}

static void
on_response(GtkDialog *dialog, int response)
{
    MarinaHwGrowDiskDialog *self = MARINA_HW_GROW_DISK_DIALOG(dialog);

    if (response == GTK_RESPONSE_ACCEPT)
        grow(self);
    else
        gtk_widget_destroy(GTK_WIDGET(self));
}

GtkWidget *
marina_hw_grow_disk_dialog_new(GtkWindow *parent, MarinaDomain *domain, const char *target,
                               guint64 capacity, gboolean running)
{
    MarinaHwGrowDiskDialog *self =
        g_object_new(MARINA_TYPE_HW_GROW_DISK_DIALOG, "use-header-bar", TRUE, "transient-for",
                     parent, "modal", TRUE, "destroy-with-parent", TRUE, NULL);
    GtkWidget *area = gtk_dialog_get_content_area(GTK_DIALOG(self));
    GtkWidget *grid = gtk_grid_new();
    GtkWidget *text = gtk_label_new(NULL);
    GtkWidget *label = gtk_label_new_with_mnemonic(_("New _size (GiB)"));
    g_autofree char *title = g_strdup_printf(_("Grow Disk '%s'"), target);
    g_autofree char *now = capacity != 0 ? marina_ui_format_bytes(capacity) : NULL;
    const char *then = running ? _("The running guest sees the new size at once; grow its "
                                   "partition and file system inside it.")
                               : _("Grow its partition and file system inside the guest "
                                   "afterwards.");
    /* Translators: the disk's size now, then what follows the growth */
    g_autofree char *intro =
        now != NULL ? g_strdup_printf(_("The disk is %s. %s"), now, then) : g_strdup(then);

    self->domain = g_object_ref(domain);
    self->target = g_strdup(target);
    self->capacity = capacity;
    gtk_window_set_title(GTK_WINDOW(self), title);
    gtk_label_set_text(GTK_LABEL(text), intro);
    gtk_label_set_line_wrap(GTK_LABEL(text), TRUE);
    gtk_label_set_max_width_chars(GTK_LABEL(text), 50);
    gtk_label_set_xalign(GTK_LABEL(text), 0);
    self->size_spin = GTK_SPIN_BUTTON(gtk_spin_button_new_with_range(0.01, MAX_GIB, 1));
    gtk_spin_button_set_digits(self->size_spin, 2);
    gtk_spin_button_set_value(self->size_spin, capacity != 0 ? capacity / GIB + 1 : 1);
    gtk_entry_set_activates_default(GTK_ENTRY(self->size_spin), TRUE);
    gtk_widget_set_hexpand(GTK_WIDGET(self->size_spin), TRUE);
    marina_form_set_accessible_name(self->size_spin, _("New disk size"));
    gtk_label_set_mnemonic_widget(GTK_LABEL(label), GTK_WIDGET(self->size_spin));
    self->error_label = GTK_LABEL(gtk_label_new(NULL));
    gtk_label_set_line_wrap(self->error_label, TRUE);
    gtk_label_set_max_width_chars(self->error_label, 50);
    gtk_label_set_xalign(self->error_label, 0);
    gtk_style_context_add_class(gtk_widget_get_style_context(GTK_WIDGET(self->error_label)),
                                "error");
    marina_form_set_accessible_name(self->error_label, _("Grow disk error"));
    g_object_set(grid, "row-spacing", 8, "column-spacing", 12, "border-width", 18, NULL);
    gtk_grid_attach(GTK_GRID(grid), text, 0, 0, 2, 1);
    gtk_grid_attach(GTK_GRID(grid), label, 0, 1, 1, 1);
    gtk_grid_attach(GTK_GRID(grid), GTK_WIDGET(self->size_spin), 1, 1, 1, 1);
    gtk_grid_attach(GTK_GRID(grid), GTK_WIDGET(self->error_label), 0, 2, 2, 1);
    gtk_widget_show_all(grid);
    gtk_container_add(GTK_CONTAINER(area), grid);
    gtk_dialog_add_button(GTK_DIALOG(self), _("_Cancel"), GTK_RESPONSE_CANCEL);
    self->grow_button = gtk_dialog_add_button(GTK_DIALOG(self), _("_Grow"), GTK_RESPONSE_ACCEPT);
    gtk_style_context_add_class(gtk_widget_get_style_context(self->grow_button),
                                "suggested-action");
    gtk_dialog_set_default_response(GTK_DIALOG(self), GTK_RESPONSE_ACCEPT);
    g_signal_connect(self, "response", G_CALLBACK(on_response), NULL);
    return GTK_WIDGET(self);
}

static void
marina_hw_grow_disk_dialog_dispose(GObject *object)
{
    MarinaHwGrowDiskDialog *self = MARINA_HW_GROW_DISK_DIALOG(object);

    g_cancellable_cancel(self->cancellable);
    g_clear_object(&self->domain);
    G_OBJECT_CLASS(marina_hw_grow_disk_dialog_parent_class)->dispose(object);
}

static void
marina_hw_grow_disk_dialog_finalize(GObject *object)
{
    MarinaHwGrowDiskDialog *self = MARINA_HW_GROW_DISK_DIALOG(object);

    g_clear_object(&self->cancellable);
    g_free(self->target);
    G_OBJECT_CLASS(marina_hw_grow_disk_dialog_parent_class)->finalize(object);
}

static void
marina_hw_grow_disk_dialog_class_init(MarinaHwGrowDiskDialogClass *klass)
{
    G_OBJECT_CLASS(klass)->dispose = marina_hw_grow_disk_dialog_dispose;
    G_OBJECT_CLASS(klass)->finalize = marina_hw_grow_disk_dialog_finalize;
}

static void
marina_hw_grow_disk_dialog_init(MarinaHwGrowDiskDialog *self)
{
    self->cancellable = g_cancellable_new();
}
