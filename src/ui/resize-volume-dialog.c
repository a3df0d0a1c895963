/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-resize-volume"

#include "config.h"

#include "resize-volume-dialog.h"

#include <glib/gi18n.h>
#include <math.h>

#include "error.h"
#include "form-util.h"
#include "ui-util.h"
#include "volume-config.h"

#define GIB (1024.0 * 1024.0 * 1024.0)

struct _MarinaResizeVolumeDialog {
    GtkDialog parent_instance;

    MarinaVolume *volume;
    GCancellable *cancellable;
    char *name;
    guint64 capacity;
    gboolean busy;

    /* template children */
    GtkLabel *text_label;
    GtkSpinButton *capacity_spin;
    GtkLabel *error_label;
    GtkWidget *cancel_button;
    GtkWidget *resize_button;
};

G_DEFINE_FINAL_TYPE(MarinaResizeVolumeDialog, marina_resize_volume_dialog, GTK_TYPE_DIALOG)

/* The size typed in GiB, in bytes; 0 when it is not a number. */
static guint64
parse_gib(const char *text)
{
    g_autofree char *copy = g_strstrip(g_strdup(text));
    char *end = NULL;
    double gib;

    g_strdelimit(copy, ",", '.');
    gib = g_ascii_strtod(copy, &end);
    if (*copy == '\0' || end == NULL || *end != '\0' || !isfinite(gib) || gib <= 0)
        return 0;
    if (gib * GIB > (double)MARINA_VOLUME_MAX_CAPACITY)
        return MARINA_VOLUME_MAX_CAPACITY + 1;
    return (guint64)(gib * GIB + 0.5);
}

static void
show_error(MarinaResizeVolumeDialog *self, const char *message)
{
    gtk_label_set_text(self->error_label, message != NULL ? message : "");
}

/* Why @capacity cannot be the volume's new size, or NULL. */
static char *
capacity_problem(MarinaResizeVolumeDialog *self, guint64 capacity)
{
    g_autofree char *current = NULL;

    if (capacity == 0)
        return g_strdup(_("Enter the new capacity in GiB, e.g. 20 or 2.5."));
    if (capacity > MARINA_VOLUME_MAX_CAPACITY)
        return g_strdup(_("The capacity is larger than 1 PiB; check the size."));
    if (capacity <= self->capacity) {
        current = marina_ui_format_bytes(self->capacity);
        return g_strdup_printf(
            _("Volume '%s' is %s. Volumes can only grow (shrinking would destroy the data at "
              "the end): enter a larger capacity."),
            self->name, current);
    }
    if (marina_connection_is_closed(marina_volume_get_connection(self->volume)))
        return g_strdup(_("The connection to the host is closed. Reconnect, then try again."));
    return NULL;
}

static void
on_resized(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(MarinaResizeVolumeDialog) self = user_data;
    g_autoptr(GError) error = NULL;
    gboolean resized = marina_volume_resize_finish(MARINA_VOLUME(source), result, &error);

    if (marina_ui_is_cancelled(error))
        return; /* closed */
    self->busy = FALSE;
    gtk_widget_set_sensitive(self->resize_button, TRUE);
    if (resized) {
        gtk_widget_destroy(GTK_WIDGET(self));
    } else {
        g_autofree char *text = g_strdup_printf(_("Volume '%s' could not be resized: %s"),
                                                self->name, marina_error_message(error));
        show_error(self, text);
    }
}

static void
marina_resize_volume_dialog_response(GtkDialog *dialog, int response)
{
    MarinaResizeVolumeDialog *self = MARINA_RESIZE_VOLUME_DIALOG(dialog);
    guint64 capacity;
    g_autofree char *problem = NULL;

    if (response != GTK_RESPONSE_ACCEPT) {
        gtk_widget_destroy(GTK_WIDGET(self));
        return;
    }
    if (self->busy)
        return;
    capacity = parse_gib(gtk_entry_get_text(GTK_ENTRY(self->capacity_spin)));
    problem = capacity_problem(self, capacity);
    show_error(self, problem);
    if (problem != NULL)
        return;
    self->busy = TRUE;
    gtk_widget_set_sensitive(self->resize_button, FALSE);
    marina_volume_resize_async(self->volume, capacity, self->cancellable, on_resized,
                               g_object_ref(self));
}

static void
marina_resize_volume_dialog_dispose(GObject *object)
{
    MarinaResizeVolumeDialog *self = MARINA_RESIZE_VOLUME_DIALOG(object);

    g_cancellable_cancel(self->cancellable);
    g_clear_object(&self->volume);
    G_OBJECT_CLASS(marina_resize_volume_dialog_parent_class)->dispose(object);
}

static void
marina_resize_volume_dialog_finalize(GObject *object)
{
    MarinaResizeVolumeDialog *self = MARINA_RESIZE_VOLUME_DIALOG(object);

    g_clear_object(&self->cancellable);
    g_free(self->name);
    G_OBJECT_CLASS(marina_resize_volume_dialog_parent_class)->finalize(object);
}

static void
marina_resize_volume_dialog_class_init(MarinaResizeVolumeDialogClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    object_class->dispose = marina_resize_volume_dialog_dispose;
    object_class->finalize = marina_resize_volume_dialog_finalize;
    GTK_DIALOG_CLASS(klass)->response = marina_resize_volume_dialog_response;
    gtk_widget_class_set_template_from_resource(widget_class,
                                                "/org/marinavm/Marina/ui/resize-volume-dialog.ui");
#define BIND(name)                                                                                 \
    gtk_widget_class_bind_template_child(widget_class, MarinaResizeVolumeDialog, name)
    BIND(text_label);
    BIND(capacity_spin);
    BIND(error_label);
    BIND(cancel_button);
    BIND(resize_button);
#undef BIND
}

static void
marina_resize_volume_dialog_init(MarinaResizeVolumeDialog *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
    self->cancellable = g_cancellable_new();
    marina_form_set_accessible_name(self->cancel_button, _("Cancel"));
    marina_form_set_accessible_name(self->resize_button, _("Resize"));
    marina_form_set_accessible_name(self->capacity_spin, _("New capacity in GiB"));
}

MarinaResizeVolumeDialog *
marina_resize_volume_dialog_new(GtkWindow *parent, MarinaVolume *volume, const char *name,
                                guint64 capacity)
{
    MarinaResizeVolumeDialog *self;
    g_autofree char *title = NULL;
    g_autofree char *current = marina_ui_format_bytes(capacity);
    g_autofree char *text = NULL;

    g_return_val_if_fail(MARINA_IS_VOLUME(volume), NULL);
    title = g_strdup_printf(_("Resize Volume '%s'"), name);
    /* One dialog style throughout Marina: the buttons in a header bar. */
    self = g_object_new(MARINA_TYPE_RESIZE_VOLUME_DIALOG, "transient-for", parent, "title", title,
                        "use-header-bar", TRUE, NULL);
    self->volume = g_object_ref(volume);
    self->name = g_strdup(name);
    self->capacity = capacity;
    text = g_strdup_printf(_("Volume '%s' is %s. It can only grow: the guest then extends its "
                             "partitions into the new space."),
                           name, current);
    gtk_label_set_text(self->text_label, text);
    gtk_spin_button_set_value(self->capacity_spin, capacity / GIB);
    return self;
}
