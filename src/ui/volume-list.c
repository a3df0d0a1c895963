/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-volume-list"

#include "config.h"

#include "volume-list.h"

#include <glib/gi18n.h>

#include "form-util.h"
#include "new-volume-dialog.h"
#include "pool.h"
#include "resize-volume-dialog.h"
#include "tree-util.h"
#include "ui-util.h"
#include "volume.h"
/* Guest events come in bursts (a guest started, then its state changes). */
#define RELOAD_DELAY_MS 300

enum {
    V_PATH,
    V_NAME,
    V_TARGET,
    V_CAPACITY,
    V_ALLOCATION,
    V_FORMAT,
    V_SIZE_TEXT,
    V_USERS,        /* GStrv: the guests that use the volume */
    V_USED_BY_TEXT, /* the same, "a, b" */
    V_N_COLUMNS
};

struct _MarinaVolumeList {
    GtkBox parent_instance;

    MarinaConnection *connection;
    MarinaHost *host;
    GCancellable *cancellable; /* the list's lifetime */
    GtkListStore *volumes;
    char *pool_name; /* the pool shown, or NULL */
    char *pool_path;
    gboolean pool_active;
    guint64 pool_available;
    guint generation;     /* of the newest listing */
    char *pending_volume; /* select once listed (just created) */
    guint reload_id;      /* a coming reload after guests changed, or 0 */

    /* template children */
    GtkTreeView *volume_view;
    GtkWidget *new_volume_button;
    GtkWidget *resize_volume_button;
    GtkWidget *delete_volume_button;
};

enum { SIGNAL_ERROR, SIGNAL_VOLUME_CREATED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE(MarinaVolumeList, marina_volume_list, GTK_TYPE_BOX)

static gboolean
online(MarinaVolumeList *self)
{
    return self->connection != NULL && !marina_connection_is_closed(self->connection);
}

static gboolean
selected_volume(MarinaVolumeList *self, char **path, char **name, guint64 *capacity, GStrv *users)
{
    GtkTreeIter iter;

    if (!gtk_tree_selection_get_selected(gtk_tree_view_get_selection(self->volume_view), NULL,
                                         &iter))
        return FALSE;
    gtk_tree_model_get(GTK_TREE_MODEL(self->volumes), &iter, V_PATH, path, V_NAME, name, V_CAPACITY,
                       capacity, V_USERS, users, -1);
    return TRUE;
}

static void
update_buttons(MarinaVolumeList *self)
{
    gboolean have_volume =
        gtk_tree_selection_get_selected(gtk_tree_view_get_selection(self->volume_view), NULL, NULL);
    gboolean active = online(self) && self->pool_active;

    gtk_widget_set_sensitive(self->new_volume_button, active && self->pool_name != NULL);
    gtk_widget_set_sensitive(self->resize_volume_button, active && have_volume);
    gtk_widget_set_sensitive(self->delete_volume_button, active && have_volume);
}

static void
show_error(MarinaVolumeList *self, const char *prefix, const GError *error)
{
    g_autofree char *text = marina_ui_error_text(prefix, error);

    g_signal_emit(self, signals[SIGNAL_ERROR], 0, text);
}

/* ---------------------------------------------------------------- listing */

typedef struct {
    MarinaVolumeList *self; /* reffed */
    char *name;
    guint generation;
} Listing;

static void
listing_free(Listing *listing)
{
    g_object_unref(listing->self);
    g_free(listing->name);
    g_free(listing);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Listing, listing_free)

static const char *
volume_name_of(gconstpointer item)
{
    return ((const MarinaVolumeInfo *)item)->name;
}

static void
set_volume_row(GtkListStore *store, GtkTreeIter *iter, gconstpointer item)
{
    const MarinaVolumeInfo *volume = item;
    g_autofree char *size = marina_ui_format_bytes(volume->capacity);
    g_autofree char *used_by = g_strjoinv(", ", volume->used_by);

    gtk_list_store_set(store, iter, V_PATH, volume->object_path, V_NAME, volume->name, V_TARGET,
                       volume->path, V_CAPACITY, volume->capacity, V_ALLOCATION, volume->allocation,
                       V_FORMAT, volume->format, V_SIZE_TEXT, size, V_USERS, volume->used_by,
                       V_USED_BY_TEXT, used_by, -1);
}

static void
on_volumes_listed(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(Listing) listing = user_data;
    MarinaVolumeList *self = listing->self;
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) volumes =
        marina_pool_list_volumes_finish(MARINA_POOL(source), result, &error);

    if (volumes == NULL && marina_ui_is_cancelled(error))
        return;
    if (listing->generation != self->generation || g_strcmp0(listing->name, self->pool_name) != 0)
        return; /* a newer listing is on its way */
    if (volumes == NULL) {
        /* An inactive pool lists nothing; the pool's state says why. */
        g_debug("ListVolumes of pool %s: %s", listing->name, error->message);
        gtk_list_store_clear(self->volumes);
        update_buttons(self);
        return;
    }
    marina_tree_merge_rows(self->volumes, V_NAME, volumes, volume_name_of, set_volume_row);
    marina_tree_select_pending(self->volume_view, self->volumes, V_NAME, &self->pending_volume);
    update_buttons(self);
}

void
marina_volume_list_reload(MarinaVolumeList *self)
{
    g_autoptr(MarinaPool) pool = NULL;
    Listing *listing;

    g_return_if_fail(MARINA_IS_VOLUME_LIST(self));
    if (!online(self) || self->pool_path == NULL)
        return;
    self->generation++;
    if (!self->pool_active) {
        gtk_list_store_clear(self->volumes);
        return;
    }
    listing = g_new0(Listing, 1);
    listing->self = g_object_ref(self);
    listing->name = g_strdup(self->pool_name);
    listing->generation = self->generation;
    pool = marina_pool_new(self->connection, self->pool_path);
    marina_pool_list_volumes_async(pool, self->cancellable, on_volumes_listed, listing);
}

void
marina_volume_list_set_pool(MarinaVolumeList *self, const char *name, const char *path,
                            gboolean active, guint64 available)
{
    g_return_if_fail(MARINA_IS_VOLUME_LIST(self));
    if (g_strcmp0(name, self->pool_name) != 0) {
        g_free(self->pool_name);
        g_free(self->pool_path);
        self->pool_name = g_strdup(name);
        self->pool_path = g_strdup(path);
        gtk_list_store_clear(self->volumes);
    }
    self->pool_active = active;
    self->pool_available = available;
    update_buttons(self);
}

static gboolean
on_reload_due(gpointer user_data)
{
    MarinaVolumeList *self = user_data;

    self->reload_id = 0;
    marina_volume_list_reload(self);
    return G_SOURCE_REMOVE;
}

/* Guests came, went or were redefined: the Used By column follows, once
 * for a burst of events. */
static void
schedule_reload(MarinaVolumeList *self)
{
    if (self->pool_path == NULL || self->reload_id != 0)
        return;
    self->reload_id = g_timeout_add(RELOAD_DELAY_MS, on_reload_due, self);
}

static void
on_domain_added_or_removed(MarinaHost *host, const char *path, const char *name, const char *uuid,
                           MarinaVolumeList *self)
{
    schedule_reload(self);
}

static void
on_domain_event(MarinaHost *host, const char *path, const char *name, const char *uuid, guint state,
                guint reason, const char *event, const char *detail, MarinaVolumeList *self)
{
    /* Which disks a guest has changes with its definition, and with its
     * running configuration, which starts and stops with it. */
    if (g_strcmp0(event, "defined") == 0 || g_strcmp0(event, "undefined") == 0 ||
        g_strcmp0(event, "started") == 0 || g_strcmp0(event, "stopped") == 0)
        schedule_reload(self);
}

static void
on_connection_closed(MarinaConnection *connection, GError *reason, MarinaVolumeList *self)
{
    update_buttons(self);
}

/* Forgets the host shown so far: its signals, its calls in flight and its volumes. */
static void
forget_host(MarinaVolumeList *self)
{
    g_clear_handle_id(&self->reload_id, g_source_remove);
    g_cancellable_cancel(self->cancellable);
    g_clear_object(&self->cancellable);
    self->cancellable = g_cancellable_new();
    if (self->host != NULL)
        g_signal_handlers_disconnect_by_data(self->host, self);
    if (self->connection != NULL)
        g_signal_handlers_disconnect_by_data(self->connection, self);
    g_clear_object(&self->host);
    g_clear_object(&self->connection);
    if (self->volumes != NULL)
        gtk_list_store_clear(self->volumes);
}

void
marina_volume_list_set_host(MarinaVolumeList *self, MarinaHost *host)
{
    g_return_if_fail(MARINA_IS_VOLUME_LIST(self));
    g_return_if_fail(MARINA_IS_HOST(host));

    forget_host(self);
    self->host = g_object_ref(host);
    self->connection = g_object_ref(marina_host_get_connection(host));
    g_signal_connect_object(self->host, "domain-added", G_CALLBACK(on_domain_added_or_removed),
                            self, 0);
    g_signal_connect_object(self->host, "domain-removed", G_CALLBACK(on_domain_added_or_removed),
                            self, 0);
    g_signal_connect_object(self->host, "domain-event", G_CALLBACK(on_domain_event), self, 0);
    g_signal_connect_object(self->connection, "closed", G_CALLBACK(on_connection_closed), self, 0);
    update_buttons(self);
}

/* ---------------------------------------------------------------- actions */

static GtkWindow *
parent_window(MarinaVolumeList *self)
{
    GtkWidget *toplevel = gtk_widget_get_toplevel(GTK_WIDGET(self));

    return GTK_IS_WINDOW(toplevel) ? GTK_WINDOW(toplevel) : NULL;
}

static void
on_volume_created(MarinaNewVolumeDialog *dialog, const char *name, MarinaVolumeList *self)
{
    g_free(self->pending_volume);
    self->pending_volume = g_strdup(name);
    marina_volume_list_reload(self);
    g_signal_emit(self, signals[SIGNAL_VOLUME_CREATED], 0, name);
}

static void
on_new_volume(GtkButton *button, MarinaVolumeList *self)
{
    g_autoptr(GPtrArray) names = NULL;
    MarinaNewVolumeDialog *dialog;

    if (!online(self) || self->pool_path == NULL)
        return;
    names = marina_tree_column_strings(self->volumes, V_NAME);
    dialog = marina_new_volume_dialog_new(parent_window(self), self->connection, self->pool_path,
                                          self->pool_name, self->pool_available,
                                          (const char *const *)names->pdata);
    g_signal_connect_object(dialog, "volume-created", G_CALLBACK(on_volume_created), self, 0);
    gtk_window_present(GTK_WINDOW(dialog));
}

static void
on_resize_volume(GtkButton *button, MarinaVolumeList *self)
{
    g_autofree char *path = NULL;
    g_autofree char *name = NULL;
    g_auto(GStrv) users = NULL;
    guint64 capacity = 0;
    g_autoptr(MarinaVolume) volume = NULL;
    MarinaResizeVolumeDialog *dialog;

    if (!selected_volume(self, &path, &name, &capacity, &users))
        return;
    volume = marina_volume_new(self->connection, path);
    dialog = marina_resize_volume_dialog_new(parent_window(self), volume, name, capacity);
    gtk_window_present(GTK_WINDOW(dialog));
}

typedef struct {
    MarinaVolumeList *self; /* reffed */
    char *name;
    char *path;
} Deletion;

static void
deletion_free(Deletion *deletion)
{
    g_object_unref(deletion->self);
    g_free(deletion->name);
    g_free(deletion->path);
    g_free(deletion);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Deletion, deletion_free)

static void
on_volume_deleted(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(Deletion) deletion = user_data;
    g_autoptr(GError) error = NULL;

    if (!marina_volume_delete_finish(MARINA_VOLUME(source), result, &error) &&
        !marina_ui_is_cancelled(error)) {
        g_autofree char *prefix =
            g_strdup_printf(_("Could not delete volume '%s':"), deletion->name);
        show_error(deletion->self, prefix, error);
    }
}

static void
on_delete_volume_response(GtkDialog *dialog, int response, gpointer user_data)
{
    Deletion *deletion = user_data;
    MarinaVolumeList *self = deletion->self;
    g_autoptr(MarinaVolume) volume = NULL;

    gtk_widget_destroy(GTK_WIDGET(dialog));
    if (response != GTK_RESPONSE_ACCEPT || !online(self)) {
        deletion_free(deletion);
        return;
    }
    volume = marina_volume_new(self->connection, deletion->path);
    marina_volume_delete_async(volume, self->cancellable, on_volume_deleted, deletion);
}

static char *
delete_detail(MarinaVolumeList *self, const char *name, GStrv users)
{
    guint n_users = users != NULL ? g_strv_length(users) : 0;
    g_autofree char *names = NULL;

    if (n_users == 0)
        return g_strdup_printf(_("Its file is deleted from pool '%s'; a guest that uses it "
                                 "loses that disk and everything stored on it."),
                               self->pool_name);
    /* A running user makes the daemon refuse; the reason then shows in the info bar. */
    names = g_strjoinv(", ", users);
    return g_strdup_printf(
        ngettext("Volume '%s' is used by guest %s. It will no longer start until the disk is "
                 "removed from it, and everything stored on the volume is lost.",
                 "Volume '%s' is used by guests %s. They will no longer start until the disk "
                 "is removed from them, and everything stored on the volume is lost.",
                 n_users),
        name, names);
}

static void
on_delete_volume(GtkButton *button, MarinaVolumeList *self)
{
    Deletion *deletion;
    g_autofree char *title = NULL;
    g_autofree char *detail = NULL;
    g_auto(GStrv) users = NULL;
    guint64 capacity = 0;
    GtkWidget *dialog;

    deletion = g_new0(Deletion, 1);
    if (!selected_volume(self, &deletion->path, &deletion->name, &capacity, &users)) {
        g_free(deletion);
        return;
    }
    deletion->self = g_object_ref(self);
    title = g_strdup_printf(_("Delete volume '%s'?"), deletion->name);
    detail = delete_detail(self, deletion->name, users);
    dialog = marina_ui_confirm_dialog(parent_window(self), title, detail, _("_Delete"));
    g_signal_connect(dialog, "response", G_CALLBACK(on_delete_volume_response), deletion);
    gtk_window_present(GTK_WINDOW(dialog));
}

/* ---------------------------------------------------------------- lifecycle */

static void
setup_view(MarinaVolumeList *self)
{
    GtkTreeViewColumn *used_by;
    g_autoptr(GList) cells = NULL;

    self->volumes =
        gtk_list_store_new(V_N_COLUMNS, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_UINT64,
                           G_TYPE_UINT64, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRV, G_TYPE_STRING);
    gtk_tree_view_set_model(self->volume_view, GTK_TREE_MODEL(self->volumes));
    marina_tree_add_text_column(self->volume_view, _("Name"), V_NAME, FALSE);
    gtk_tree_view_column_set_sort_column_id(
        marina_tree_add_text_column(self->volume_view, _("Size"), V_SIZE_TEXT, FALSE), V_CAPACITY);
    marina_tree_add_text_column(self->volume_view, _("Format"), V_FORMAT, FALSE);
    used_by = marina_tree_add_text_column(self->volume_view, _("Used By"), V_USED_BY_TEXT, FALSE);
    /* Many guests on one volume (a shared base image) must not push Path away. */
    cells = gtk_cell_layout_get_cells(GTK_CELL_LAYOUT(used_by));
    g_object_set(cells->data, "ellipsize", PANGO_ELLIPSIZE_END, NULL);
    gtk_tree_view_column_set_max_width(used_by, 240);
    marina_tree_add_text_column(self->volume_view, _("Path"), V_TARGET, TRUE);
    gtk_tree_sortable_set_sort_column_id(GTK_TREE_SORTABLE(self->volumes), V_NAME,
                                         GTK_SORT_ASCENDING);
}

static void
on_selection_changed(GtkTreeSelection *selection, MarinaVolumeList *self)
{
    update_buttons(self);
}

static void
marina_volume_list_dispose(GObject *object)
{
    MarinaVolumeList *self = MARINA_VOLUME_LIST(object);

    forget_host(self);
    if (self->volume_view != NULL)
        gtk_tree_view_set_model(self->volume_view, NULL);
    g_clear_object(&self->volumes);
    G_OBJECT_CLASS(marina_volume_list_parent_class)->dispose(object);
}

static void
marina_volume_list_finalize(GObject *object)
{
    MarinaVolumeList *self = MARINA_VOLUME_LIST(object);

    g_clear_object(&self->cancellable);
    g_free(self->pool_name);
    g_free(self->pool_path);
    g_free(self->pending_volume);
    G_OBJECT_CLASS(marina_volume_list_parent_class)->finalize(object);
}

static void
marina_volume_list_class_init(MarinaVolumeListClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    object_class->dispose = marina_volume_list_dispose;
    object_class->finalize = marina_volume_list_finalize;
    signals[SIGNAL_ERROR] = g_signal_new("error", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0,
                                         NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
    signals[SIGNAL_VOLUME_CREATED] =
        g_signal_new("volume-created", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                     NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

    gtk_widget_class_set_template_from_resource(widget_class,
                                                "/org/marinavm/Marina/ui/volume-list.ui");
    gtk_widget_class_bind_template_child(widget_class, MarinaVolumeList, volume_view);
    gtk_widget_class_bind_template_child(widget_class, MarinaVolumeList, new_volume_button);
    gtk_widget_class_bind_template_child(widget_class, MarinaVolumeList, resize_volume_button);
    gtk_widget_class_bind_template_child(widget_class, MarinaVolumeList, delete_volume_button);
}

static void
marina_volume_list_init(MarinaVolumeList *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
    self->cancellable = g_cancellable_new();
    marina_form_set_accessible_name(self->volume_view, _("Volumes"));
    marina_form_set_accessible_name(self->new_volume_button, _("New Volume"));
    marina_form_set_accessible_name(self->resize_volume_button, _("Resize Volume"));
    marina_form_set_accessible_name(self->delete_volume_button, _("Delete Volume"));
    setup_view(self);
    g_signal_connect(gtk_tree_view_get_selection(self->volume_view), "changed",
                     G_CALLBACK(on_selection_changed), self);
    g_signal_connect(self->new_volume_button, "clicked", G_CALLBACK(on_new_volume), self);
    g_signal_connect(self->resize_volume_button, "clicked", G_CALLBACK(on_resize_volume), self);
    g_signal_connect(self->delete_volume_button, "clicked", G_CALLBACK(on_delete_volume), self);
    update_buttons(self);
}
