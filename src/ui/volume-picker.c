/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-volume-picker"

#include "config.h"

#include "volume-picker.h"

#include <glib/gi18n.h>

#include "error.h"
#include "form-util.h"
#include "pool.h"
#include "ui-util.h"

enum { COL_POOL, COL_NAME, COL_SIZE, COL_FORMAT, COL_USED_BY, COL_PATH };

struct _MarinaVolumePicker {
    GtkDialog parent_instance;

    GCancellable *cancellable; /* the listings */

    /* template children */
    GtkListStore *store;
    GtkTreeView *view;
    GtkLabel *status;
};

enum { SIGNAL_VOLUME_CHOSEN, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE(MarinaVolumePicker, marina_volume_picker, GTK_TYPE_DIALOG)

typedef struct {
    MarinaVolumePicker *self; /* reffed */
    char *pool;
} Listing;

static void
listing_free(Listing *listing)
{
    g_object_unref(listing->self);
    g_free(listing->pool);
    g_free(listing);
}

static void
add_volumes(MarinaVolumePicker *self, const char *pool, GPtrArray *volumes)
{
    for (guint i = 0; i < volumes->len; i++) {
        const MarinaVolumeInfo *volume = g_ptr_array_index(volumes, i);
        g_autofree char *size = marina_ui_format_bytes(volume->capacity);
        g_autofree char *users = g_strjoinv(", ", volume->used_by);

        /* A disk another guest uses is shown, not hidden: sharing it can be
         * meant (a shareable disk), the person decides. */
        gtk_list_store_insert_with_values(self->store, NULL, -1, COL_POOL, pool, COL_NAME,
                                          volume->name, COL_SIZE, size, COL_FORMAT, volume->format,
                                          COL_USED_BY, users, COL_PATH, volume->path, -1);
    }
}

static void
on_volumes_listed(GObject *source, GAsyncResult *result, gpointer user_data)
{
    Listing *listing = user_data;
    MarinaVolumePicker *self = listing->self;
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) volumes =
        marina_pool_list_volumes_finish(MARINA_POOL(source), result, &error);

    if (volumes != NULL) {
        add_volumes(self, listing->pool, volumes);
        gtk_label_set_text(self->status, "");
    } else if (!marina_ui_is_cancelled(error)) {
        g_autofree char *text = g_strdup_printf(_("Could not list the volumes of pool '%s': %s"),
                                                listing->pool, marina_error_message(error));
        gtk_label_set_text(self->status, text);
    }
    listing_free(listing);
}

static void
list_volumes(MarinaVolumePicker *self, MarinaWizardHost *host)
{
    GPtrArray *pools = marina_wizard_host_get_pools(host);
    MarinaConnection *connection = marina_wizard_host_get_connection(host);

    if (pools->len == 0)
        gtk_label_set_text(self->status, _("The host has no storage pools."));
    for (guint i = 0; i < pools->len; i++) {
        const MarinaPoolInfo *info = g_ptr_array_index(pools, i);
        g_autoptr(MarinaPool) pool = NULL;
        Listing *listing;

        if (!info->active)
            continue;
        listing = g_new0(Listing, 1);
        listing->self = g_object_ref(self);
        listing->pool = g_strdup(info->name);
        pool = marina_pool_new(connection, info->object_path);
        marina_pool_list_volumes_async(pool, self->cancellable, on_volumes_listed, listing);
    }
}

static void
marina_volume_picker_response(GtkDialog *dialog, int response)
{
    MarinaVolumePicker *self = MARINA_VOLUME_PICKER(dialog);
    GtkTreeModel *model;
    GtkTreeIter iter;

    if (response == GTK_RESPONSE_ACCEPT &&
        gtk_tree_selection_get_selected(gtk_tree_view_get_selection(self->view), &model, &iter)) {
        g_autofree char *path = NULL;

        gtk_tree_model_get(model, &iter, COL_PATH, &path, -1);
        g_signal_emit(self, signals[SIGNAL_VOLUME_CHOSEN], 0, path);
    }
    g_cancellable_cancel(self->cancellable);
    gtk_widget_destroy(GTK_WIDGET(self));
}

static void
on_row_activated(MarinaVolumePicker *self, GtkTreePath *path, GtkTreeViewColumn *column,
                 GtkTreeView *view)
{
    gtk_dialog_response(GTK_DIALOG(self), GTK_RESPONSE_ACCEPT);
}

static void
marina_volume_picker_dispose(GObject *object)
{
    MarinaVolumePicker *self = MARINA_VOLUME_PICKER(object);

    g_cancellable_cancel(self->cancellable);
    G_OBJECT_CLASS(marina_volume_picker_parent_class)->dispose(object);
}

static void
marina_volume_picker_finalize(GObject *object)
{
    MarinaVolumePicker *self = MARINA_VOLUME_PICKER(object);

    g_clear_object(&self->cancellable);
    G_OBJECT_CLASS(marina_volume_picker_parent_class)->finalize(object);
}

static void
marina_volume_picker_class_init(MarinaVolumePickerClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);
    GtkDialogClass *dialog_class = GTK_DIALOG_CLASS(klass);

    object_class->dispose = marina_volume_picker_dispose;
    object_class->finalize = marina_volume_picker_finalize;
    dialog_class->response = marina_volume_picker_response;
    signals[SIGNAL_VOLUME_CHOSEN] =
        g_signal_new("volume-chosen", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                     NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

    gtk_widget_class_set_template_from_resource(widget_class,
                                                "/org/marinavm/Marina/ui/volume-picker.ui");
    gtk_widget_class_bind_template_child(widget_class, MarinaVolumePicker, store);
    gtk_widget_class_bind_template_child(widget_class, MarinaVolumePicker, view);
    gtk_widget_class_bind_template_child(widget_class, MarinaVolumePicker, status);
    gtk_widget_class_bind_template_callback(widget_class, on_row_activated);
}

static void
marina_volume_picker_init(MarinaVolumePicker *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
    self->cancellable = g_cancellable_new();
    marina_form_set_accessible_name(self->view, _("Volumes"));
    marina_form_set_accessible_name(self->status, _("Volume list status"));
}

MarinaVolumePicker *
marina_volume_picker_new(GtkWindow *parent, MarinaWizardHost *host)
{
    MarinaVolumePicker *self;

    g_return_val_if_fail(MARINA_IS_WIZARD_HOST(host), NULL);
    if (marina_wizard_host_get_connection(host) == NULL)
        return NULL;
    /* One dialog style throughout Marina: the buttons in a header bar. */
    self = g_object_new(MARINA_TYPE_VOLUME_PICKER, "transient-for", parent, "use-header-bar", TRUE,
                        NULL);
    list_volumes(self, host);
    return self;
}

static void
on_chosen_into(MarinaVolumePicker *picker, const char *path, gpointer user_data)
{
    gtk_entry_set_text(GTK_ENTRY(user_data), path);
}

void
marina_volume_picker_choose_into(GtkWidget *button, MarinaWizardHost *host, GtkEntry *target)
{
    GtkWidget *toplevel = gtk_widget_get_toplevel(button);
    MarinaVolumePicker *picker;

    if (host == NULL)
        return;
    picker = marina_volume_picker_new(GTK_IS_WINDOW(toplevel) ? GTK_WINDOW(toplevel) : NULL, host);
    if (picker == NULL)
        return;
    g_signal_connect_object(picker, "volume-chosen", G_CALLBACK(on_chosen_into), target, 0);
    gtk_widget_show(GTK_WIDGET(picker));
}
