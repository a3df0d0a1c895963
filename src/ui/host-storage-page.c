/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-host-storage"

#include "config.h"

#include "host-storage-page.h"

#include <glib/gi18n.h>

#include "add-pool-dialog.h"
#include "error.h"
#include "form-util.h"
#include "host.h"
#include "pool.h"
#include "tree-util.h"
#include "ui-util.h"
#include "volume-list.h"

enum {
    P_PATH,
    P_NAME,
    P_ACTIVE,
    P_AUTOSTART,
    P_CAPACITY,
    P_ALLOCATION,
    P_AVAILABLE,
    P_USAGE,
    P_USAGE_TEXT,
    P_STATE_TEXT,
    P_AUTOSTART_TEXT,
    P_N_COLUMNS
};

struct _MarinaHostStoragePage {
    GtkPaned parent_instance;

    MarinaConnection *connection;
    MarinaHost *host;
    GCancellable *cancellable; /* the page's lifetime */
    gboolean disposed;
    gboolean local;
    char *label;

    GtkListStore *pools;
    char *pool_name; /* the selected pool, or NULL */
    char *pool_path;
    guint pools_generation;
    guint info_generation;
    char *pending_pool; /* select once listed (just added) */

    /* template children */
    GtkTreeView *pool_view;
    GtkWidget *add_pool_button;
    GtkWidget *start_pool_button;
    GtkWidget *stop_pool_button;
    GtkWidget *delete_pool_button;
    GtkWidget *refresh_pool_button;
    GtkStack *pool_stack;
    GtkLabel *pool_name_value;
    GtkLabel *pool_type_value;
    GtkLabel *pool_path_value;
    GtkLabel *pool_state_value;
    GtkLabel *pool_capacity_value;
    GtkLabel *pool_allocation_value;
    GtkLabel *pool_available_value;
    GtkLevelBar *pool_usage_bar;
    GtkLabel *pool_usage_value;
    GtkToggleButton *pool_autostart_check;
    MarinaVolumeList *volume_list;
};

enum { SIGNAL_ERROR, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE(MarinaHostStoragePage, marina_host_storage_page, GTK_TYPE_PANED)

static void reload_pools(MarinaHostStoragePage *self);
static void reload_pool_info(MarinaHostStoragePage *self);
static void update_buttons(MarinaHostStoragePage *self);

static void
show_error(MarinaHostStoragePage *self, const char *prefix, const GError *error)
{
    g_autofree char *text = marina_ui_error_text(prefix, error);

    g_signal_emit(self, signals[SIGNAL_ERROR], 0, text);
}

static gboolean
connected(MarinaHostStoragePage *self)
{
    return !self->disposed && self->connection != NULL &&
           !marina_connection_is_closed(self->connection);
}

/* ---------------------------------------------------------------- calls */

typedef gboolean (*PoolFinish)(MarinaPool *pool, GAsyncResult *result, GError **error);

/* One call of this page to the daemon: the page stays alive until it answers. */
typedef struct {
    MarinaHostStoragePage *self;
    char *name;       /* of the pool */
    MarinaPool *pool; /* the pool acted on, or NULL */
    guint generation;
    const char *what;  /* N_() message of a failure, with the name's %s */
    PoolFinish finish; /* of the pool action */
} Call;

static Call *
call_new(MarinaHostStoragePage *self, const char *name, const char *path)
{
    Call *c = g_new0(Call, 1);

    c->self = g_object_ref(self);
    c->name = g_strdup(name);
    if (path != NULL)
        c->pool = marina_pool_new(self->connection, path);
    return c;
}

static void
call_free(Call *c)
{
    g_object_unref(c->self);
    g_free(c->name);
    g_clear_object(&c->pool);
    g_free(c);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Call, call_free)

/* Whether the reply of @c no longer matters: it was cancelled, or the page is gone. */
static gboolean
call_dropped(Call *c, const GError *error)
{
    return c->self->disposed || marina_ui_is_cancelled(error);
}

/* Says that @c failed: c->what (N_()) with its name, then the reason. */
static void
show_call_error(Call *c, const GError *error)
{
    g_autofree char *prefix = g_strdup_printf(_(c->what), c->name);

    show_error(c->self, prefix, error);
}

/* ---------------------------------------------------------------- pools */

static gboolean
selected_pool_iter(MarinaHostStoragePage *self, GtkTreeIter *iter)
{
    return gtk_tree_selection_get_selected(gtk_tree_view_get_selection(self->pool_view), NULL,
                                           iter);
}

static gboolean
selected_pool_active(MarinaHostStoragePage *self)
{
    GtkTreeIter iter;
    gboolean active = FALSE;

    if (selected_pool_iter(self, &iter))
        gtk_tree_model_get(GTK_TREE_MODEL(self->pools), &iter, P_ACTIVE, &active, -1);
    return active;
}

static char *
usage_text(gboolean active, guint64 capacity, guint64 allocation)
{
    g_autofree char *used = NULL;
    g_autofree char *total = NULL;

    if (!active)
        return g_strdup(_("Inactive"));
    if (capacity == 0)
        return g_strdup(_("Size unknown"));
    used = marina_ui_format_bytes(allocation);
    total = marina_ui_format_bytes(capacity);
    /* Translators: pool usage, e.g. "12.4 GiB of 40.0 GiB used" */
    return g_strdup_printf(_("%s of %s used"), used, total);
}

static const char *
pool_name_of(gconstpointer item)
{
    return ((const MarinaPoolInfo *)item)->name;
}

static void
set_pool_row(GtkListStore *store, GtkTreeIter *iter, gconstpointer item)
{
    const MarinaPoolInfo *pool = item;
    g_autofree char *usage = usage_text(pool->active, pool->capacity, pool->allocation);
    int percent = pool->active && pool->capacity > 0
                      ? (int)MIN(100.0 * pool->allocation / pool->capacity, 100.0)
                      : 0;

    gtk_list_store_set(store, iter, P_PATH, pool->object_path, P_NAME, pool->name, P_ACTIVE,
                       pool->active, P_AUTOSTART, pool->autostart, P_CAPACITY, pool->capacity,
                       P_ALLOCATION, pool->allocation, P_AVAILABLE, pool->available, P_USAGE,
                       percent, P_USAGE_TEXT, usage, P_STATE_TEXT,
                       pool->active ? _("Active") : _("Inactive"), P_AUTOSTART_TEXT,
                       pool->autostart ? _("On boot") : _("Never"), -1);
}

static void
on_pools_listed(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(Call) c = user_data;
    MarinaHostStoragePage *self = c->self;
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) pools = marina_host_list_pools_finish(MARINA_HOST(source), result, &error);
    g_autofree char *shown = NULL;
    GtkTreeSelection *selection;
    GtkTreeIter iter;

    if (pools == NULL || self->disposed) {
        if (!call_dropped(c, error))
            show_error(self, _("Could not list the storage pools:"), error);
        return;
    }
    if (c->generation != self->pools_generation)
        return; /* a newer listing is on its way */
    shown = g_strdup(self->pool_name);
    marina_tree_merge_rows(self->pools, P_NAME, pools, pool_name_of, set_pool_row);
    marina_tree_select_pending(self->pool_view, self->pools, P_NAME, &self->pending_pool);
    /* The first pool is shown at once, as virt-manager does. */
    selection = gtk_tree_view_get_selection(self->pool_view);
    if (!gtk_tree_selection_get_selected(selection, NULL, NULL) &&
        gtk_tree_model_get_iter_first(GTK_TREE_MODEL(self->pools), &iter))
        gtk_tree_selection_select_iter(selection, &iter);
    /* A pool newly selected was loaded by the selection handler; the one
     * still shown is brought up to date. */
    if (self->pool_name != NULL && g_strcmp0(self->pool_name, shown) == 0)
        reload_pool_info(self);
    update_buttons(self);
}

static void
reload_pools(MarinaHostStoragePage *self)
{
    Call *c;

    if (!connected(self))
        return;
    c = call_new(self, NULL, NULL);
    c->generation = ++self->pools_generation;
    marina_host_list_pools_async(self->host, self->cancellable, on_pools_listed, c);
}

static const char *
pool_type_text(const char *type)
{
    if (g_strcmp0(type, "dir") == 0)
        return _("Directory (dir)");
    if (g_strcmp0(type, "fs") == 0)
        return _("Block device file system (fs)");
    if (g_strcmp0(type, "netfs") == 0)
        return _("Network file system (netfs)");
    if (g_strcmp0(type, "logical") == 0)
        return _("LVM volume group (logical)");
    return type != NULL ? type : "";
}

static void on_pool_autostart_toggled(GtkToggleButton *button, MarinaHostStoragePage *self);

static void
show_pool_sizes(MarinaHostStoragePage *self, const MarinaPoolInfo *pool)
{
    g_autofree char *cap = marina_ui_format_bytes(pool->capacity);
    g_autofree char *alloc = marina_ui_format_bytes(pool->allocation);
    g_autofree char *avail = marina_ui_format_bytes(pool->available);
    g_autofree char *usage = usage_text(pool->active, pool->capacity, pool->allocation);

    gtk_label_set_text(self->pool_capacity_value, pool->active ? cap : "—");
    gtk_label_set_text(self->pool_allocation_value, pool->active ? alloc : "—");
    gtk_label_set_text(self->pool_available_value, pool->active ? avail : "—");
    gtk_label_set_text(self->pool_usage_value, usage);
    gtk_level_bar_set_value(self->pool_usage_bar,
                            pool->active && pool->capacity > 0
                                ? MIN((double)pool->allocation / pool->capacity, 1.0)
                                : 0);
}

static void
on_pool_info(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(Call) c = user_data;
    MarinaHostStoragePage *self = c->self;
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaPoolInfo) pool =
        marina_pool_get_info_finish(MARINA_POOL(source), result, &error);

    if (pool == NULL || self->disposed) {
        if (!call_dropped(c, error) && c->generation == self->info_generation)
            g_debug("GetInfo of pool %s: %s", c->name, error->message);
        return;
    }
    if (c->generation != self->info_generation || g_strcmp0(c->name, self->pool_name) != 0)
        return;
    gtk_label_set_text(self->pool_name_value, c->name);
    gtk_label_set_text(self->pool_type_value, pool_type_text(pool->type));
    gtk_label_set_text(self->pool_path_value, pool->path);
    gtk_widget_set_tooltip_text(GTK_WIDGET(self->pool_path_value),
                                *pool->path != '\0' ? pool->path : NULL);
    gtk_label_set_text(self->pool_state_value, pool->active ? _("Active") : _("Inactive"));
    show_pool_sizes(self, pool);
    g_signal_handlers_block_by_func(self->pool_autostart_check, on_pool_autostart_toggled, self);
    gtk_toggle_button_set_active(self->pool_autostart_check, pool->autostart);
    g_signal_handlers_unblock_by_func(self->pool_autostart_check, on_pool_autostart_toggled, self);
    gtk_stack_set_visible_child_name(self->pool_stack, "details");
}

static void
reload_pool_info(MarinaHostStoragePage *self)
{
    Call *c;

    if (!connected(self) || self->pool_path == NULL)
        return;
    c = call_new(self, self->pool_name, self->pool_path);
    c->generation = ++self->info_generation;
    marina_pool_get_info_async(c->pool, self->cancellable, on_pool_info, c);
}

/* The volume list follows the selected pool's state. */
static void
sync_volume_list(MarinaHostStoragePage *self)
{
    GtkTreeIter iter;
    guint64 available = 0;
    gboolean active = FALSE;

    if (selected_pool_iter(self, &iter))
        gtk_tree_model_get(GTK_TREE_MODEL(self->pools), &iter, P_ACTIVE, &active, P_AVAILABLE,
                           &available, -1);
    marina_volume_list_set_pool(self->volume_list, self->pool_name, self->pool_path, active,
                                available);
}

static void
update_buttons(MarinaHostStoragePage *self)
{
    gboolean have_pool, active, online;

    if (self->disposed)
        return;
    online = self->connection != NULL && !marina_connection_is_closed(self->connection);
    have_pool = selected_pool_iter(self, NULL);
    active = selected_pool_active(self);
    gtk_widget_set_sensitive(self->add_pool_button, online);
    gtk_widget_set_sensitive(self->start_pool_button, online && have_pool && !active);
    gtk_widget_set_sensitive(self->stop_pool_button, online && have_pool && active);
    gtk_widget_set_sensitive(self->delete_pool_button, online && have_pool);
    gtk_widget_set_sensitive(self->refresh_pool_button, online && have_pool && active);
    gtk_widget_set_sensitive(GTK_WIDGET(self->pool_autostart_check), online && have_pool);
    sync_volume_list(self);
}

static void
on_pool_selection_changed(GtkTreeSelection *selection, MarinaHostStoragePage *self)
{
    GtkTreeIter iter;
    g_autofree char *name = NULL;
    g_autofree char *path = NULL;

    if (self->disposed)
        return;
    if (gtk_tree_selection_get_selected(selection, NULL, &iter))
        gtk_tree_model_get(GTK_TREE_MODEL(self->pools), &iter, P_NAME, &name, P_PATH, &path, -1);
    if (g_strcmp0(name, self->pool_name) != 0) {
        g_free(self->pool_name);
        g_free(self->pool_path);
        self->pool_name = g_steal_pointer(&name);
        self->pool_path = g_steal_pointer(&path);
        sync_volume_list(self);
        if (self->pool_name == NULL) {
            gtk_stack_set_visible_child_name(self->pool_stack, "empty");
        } else {
            reload_pool_info(self);
            marina_volume_list_reload(self->volume_list);
        }
    }
    update_buttons(self);
}

/* ---------------------------------------------------------- host signals */

static void
on_pool_event(MarinaHost *host, const char *path, const char *name, const char *event,
              MarinaHostStoragePage *self)
{
    if (self->disposed)
        return;
    g_debug("pool %s: %s", name, event);
    reload_pools(self);
    /* Started, stopped or refreshed: its volumes changed with it. */
    if (g_strcmp0(name, self->pool_name) == 0 && g_strcmp0(event, "undefined") != 0)
        marina_volume_list_reload(self->volume_list);
}

static void
on_volume_event(MarinaHost *host, const char *path, const char *pool, const char *name,
                const char *event, MarinaHostStoragePage *self)
{
    if (self->disposed)
        return;
    g_debug("volume %s/%s: %s", pool, name, event);
    /* The pool's usage changes with its volumes. */
    reload_pools(self);
    if (g_strcmp0(pool, self->pool_name) == 0)
        marina_volume_list_reload(self->volume_list);
}

static void
on_connection_closed(MarinaConnection *connection, GError *reason, MarinaHostStoragePage *self)
{
    update_buttons(self);
}

/* ---------------------------------------------------------- pool actions */

/* Finishes a pool action: TRUE when it failed, which is then shown. */
static gboolean
action_failed(GObject *source, GAsyncResult *result, Call *c)
{
    g_autoptr(GError) error = NULL;

    if (c->finish(MARINA_POOL(source), result, &error) || call_dropped(c, error))
        return FALSE;
    show_call_error(c, error);
    return TRUE;
}

static void
on_action_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(Call) c = user_data;

    action_failed(source, result, c);
}

static void
on_pool_call_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(Call) c = user_data;

    if (action_failed(source, result, c))
        reload_pools(c->self); /* e.g. the autostart check goes back */
}

/* An action on the selected pool (NULL: there is none to act on); @what
 * (N_()) says what failed, @finish ends its call. */
static Call *
pool_action(MarinaHostStoragePage *self, const char *what, PoolFinish finish)
{
    Call *c;

    if (!connected(self) || self->pool_path == NULL)
        return NULL;
    c = call_new(self, self->pool_name, self->pool_path);
    c->what = what;
    c->finish = finish;
    return c;
}

static void
on_start_pool(GtkButton *button, MarinaHostStoragePage *self)
{
    Call *c = pool_action(self, N_("Could not start pool '%s':"), marina_pool_start_finish);

    if (c != NULL)
        marina_pool_start_async(c->pool, self->cancellable, on_pool_call_done, c);
}

static void
on_stop_pool(GtkButton *button, MarinaHostStoragePage *self)
{
    Call *c = pool_action(self, N_("Could not stop pool '%s':"), marina_pool_stop_finish);

    if (c != NULL)
        marina_pool_stop_async(c->pool, self->cancellable, on_pool_call_done, c);
}

static void
on_refresh_pool(GtkButton *button, MarinaHostStoragePage *self)
{
    Call *c = pool_action(self, N_("Could not refresh pool '%s':"), marina_pool_refresh_finish);

    if (c != NULL)
        marina_pool_refresh_async(c->pool, self->cancellable, on_pool_call_done, c);
}

static void
on_pool_autostart_toggled(GtkToggleButton *button, MarinaHostStoragePage *self)
{
    Call *c = pool_action(self, N_("Could not change the autostart of pool '%s':"),
                          marina_pool_set_autostart_finish);

    if (c != NULL)
        marina_pool_set_autostart_async(c->pool, gtk_toggle_button_get_active(button),
                                        self->cancellable, on_pool_call_done, c);
}

static void
undefine_pool(Call *c)
{
    c->what = N_("Could not delete pool '%s':");
    c->finish = marina_pool_undefine_finish;
    marina_pool_undefine_async(c->pool, c->self->cancellable, on_action_done, c);
}

static void
on_pool_stopped_for_delete(GObject *source, GAsyncResult *result, gpointer user_data)
{
    Call *c = user_data;
    g_autoptr(GError) error = NULL;

    if (!marina_pool_stop_finish(MARINA_POOL(source), result, &error) &&
        !g_error_matches(error, MARINA_ERROR, MARINA_ERROR_NOT_RUNNING)) {
        if (!call_dropped(c, error))
            show_call_error(c, error);
        call_free(c);
        return;
    }
    if (c->self->disposed) {
        call_free(c);
        return;
    }
    undefine_pool(c);
}

static void
on_delete_pool_response(GtkDialog *dialog, int response, gpointer user_data)
{
    Call *c = user_data;

    gtk_widget_destroy(GTK_WIDGET(dialog));
    if (response != GTK_RESPONSE_ACCEPT || !connected(c->self)) {
        call_free(c);
        return;
    }
    /* An active pool is stopped first; its volumes stay on disk. */
    if (c->generation) {
        c->what = N_("Could not stop pool '%s' to delete it:");
        marina_pool_stop_async(c->pool, c->self->cancellable, on_pool_stopped_for_delete, c);
    } else {
        undefine_pool(c);
    }
}

static GtkWindow *
parent_window(MarinaHostStoragePage *self)
{
    GtkWidget *toplevel = gtk_widget_get_toplevel(GTK_WIDGET(self));

    return GTK_IS_WINDOW(toplevel) ? GTK_WINDOW(toplevel) : NULL;
}

static void
on_delete_pool(GtkButton *button, MarinaHostStoragePage *self)
{
    g_autofree char *title = NULL;
    g_autofree char *detail = NULL;
    GtkWidget *dialog;
    Call *c;

    if (self->pool_path == NULL)
        return;
    title = g_strdup_printf(_("Delete pool '%s'?"), self->pool_name);
    detail = g_strdup_printf(selected_pool_active(self)
                                 ? _("The pool is stopped and its definition removed from %s. "
                                     "Its directory and the volumes in it stay on disk.")
                                 : _("Its definition is removed from %s. Its directory and the "
                                     "volumes in it stay on disk."),
                             self->label);
    dialog = marina_ui_confirm_dialog(parent_window(self), title, detail, _("_Delete"));
    c = call_new(self, self->pool_name, self->pool_path);
    c->generation = selected_pool_active(self); /* here: whether to stop it first */
    g_signal_connect(dialog, "response", G_CALLBACK(on_delete_pool_response), c);
    gtk_window_present(GTK_WINDOW(dialog));
}

static void
on_pool_added(MarinaAddPoolDialog *dialog, const char *name, MarinaHostStoragePage *self)
{
    g_free(self->pending_pool);
    self->pending_pool = g_strdup(name);
    reload_pools(self);
}

static void
on_add_pool(GtkButton *button, MarinaHostStoragePage *self)
{
    g_autoptr(GPtrArray) names = NULL;
    MarinaAddPoolDialog *dialog;

    if (!connected(self))
        return;
    names = marina_tree_column_strings(self->pools, P_NAME);
    dialog = marina_add_pool_dialog_new(parent_window(self), self->connection,
                                        (const char *const *)names->pdata, self->local);
    g_signal_connect_object(dialog, "pool-added", G_CALLBACK(on_pool_added), self, 0);
    gtk_window_present(GTK_WINDOW(dialog));
}

/* -------------------------------------------------------- the volume list */

static void
on_volume_created(MarinaVolumeList *list, const char *name, MarinaHostStoragePage *self)
{
    reload_pools(self);
}

static void
on_volume_list_error(MarinaVolumeList *list, const char *message, MarinaHostStoragePage *self)
{
    g_signal_emit(self, signals[SIGNAL_ERROR], 0, message);
}

/* ------------------------------------------------------------ lifecycle */

static void
setup_pool_view(MarinaHostStoragePage *self)
{
    GtkCellArea *area = gtk_cell_area_box_new();
    GtkTreeViewColumn *usage;
    GtkCellRenderer *bar = gtk_cell_renderer_progress_new();
    GtkCellRenderer *text = gtk_cell_renderer_text_new();

    self->pools = gtk_list_store_new(P_N_COLUMNS, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_BOOLEAN,
                                     G_TYPE_BOOLEAN, G_TYPE_UINT64, G_TYPE_UINT64, G_TYPE_UINT64,
                                     G_TYPE_INT, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING);
    gtk_tree_view_set_model(self->pool_view, GTK_TREE_MODEL(self->pools));
    gtk_tree_view_column_set_min_width(
        marina_tree_add_text_column(self->pool_view, _("Name"), P_NAME, FALSE), 80);
    /* The bar over its text, so screen readers read the text cell. */
    gtk_orientable_set_orientation(GTK_ORIENTABLE(area), GTK_ORIENTATION_VERTICAL);
    usage = gtk_tree_view_column_new_with_area(area);
    gtk_tree_view_column_set_title(usage, _("Usage"));
    gtk_tree_view_column_set_expand(usage, TRUE);
    g_object_set(bar, "text", "", "ypad", 2, NULL);
    g_object_set(text, "scale", PANGO_SCALE_SMALL, "ypad", 0, NULL);
    gtk_tree_view_column_pack_start(usage, bar, TRUE);
    gtk_tree_view_column_pack_start(usage, text, TRUE);
    gtk_tree_view_column_add_attribute(usage, bar, "value", P_USAGE);
    gtk_tree_view_column_add_attribute(usage, text, "text", P_USAGE_TEXT);
    gtk_tree_view_append_column(self->pool_view, usage);
    marina_tree_add_text_column(self->pool_view, _("State"), P_STATE_TEXT, FALSE);
    marina_tree_add_text_column(self->pool_view, _("Autostart"), P_AUTOSTART_TEXT, FALSE);
    gtk_tree_sortable_set_sort_column_id(GTK_TREE_SORTABLE(self->pools), P_NAME,
                                         GTK_SORT_ASCENDING);
    g_signal_connect(gtk_tree_view_get_selection(self->pool_view), "changed",
                     G_CALLBACK(on_pool_selection_changed), self);
}

/* Lets go of the host shown so far: its signals and its calls in flight. */
static void
release_host(MarinaHostStoragePage *self)
{
    g_cancellable_cancel(self->cancellable);
    if (self->host != NULL)
        g_signal_handlers_disconnect_by_data(self->host, self);
    if (self->connection != NULL)
        g_signal_handlers_disconnect_by_data(self->connection, self);
    g_clear_object(&self->host);
    g_clear_object(&self->connection);
}

/* Forgets the host shown so far and its pools; the selected pool is
 * selected again once the new host lists it. */
static void
forget_host(MarinaHostStoragePage *self)
{
    release_host(self);
    g_clear_object(&self->cancellable);
    self->cancellable = g_cancellable_new();
    if (self->pool_name != NULL && self->pending_pool == NULL)
        self->pending_pool = g_strdup(self->pool_name);
    gtk_list_store_clear(self->pools);
}

void
marina_host_storage_page_set_host(MarinaHostStoragePage *self, MarinaHost *host, const char *label,
                                  gboolean local)
{
    MarinaConnection *connection = marina_host_get_connection(host);

    g_return_if_fail(MARINA_IS_HOST_STORAGE_PAGE(self));
    g_return_if_fail(MARINA_IS_HOST(host));

    forget_host(self);
    self->connection = g_object_ref(connection);
    self->host = g_object_ref(host);
    g_free(self->label);
    self->label = g_strdup(label);
    self->local = local;
    marina_volume_list_set_host(self->volume_list, self->host);
    g_signal_connect_object(self->host, "pool-event", G_CALLBACK(on_pool_event), self, 0);
    g_signal_connect_object(self->host, "volume-event", G_CALLBACK(on_volume_event), self, 0);
    g_signal_connect_object(connection, "closed", G_CALLBACK(on_connection_closed), self, 0);
    reload_pools(self);
    update_buttons(self);
}

static void
marina_host_storage_page_dispose(GObject *object)
{
    MarinaHostStoragePage *self = MARINA_HOST_STORAGE_PAGE(object);

    self->disposed = TRUE;
    release_host(self);
    if (self->pool_view != NULL)
        gtk_tree_view_set_model(self->pool_view, NULL);
    g_clear_object(&self->pools);
    G_OBJECT_CLASS(marina_host_storage_page_parent_class)->dispose(object);
}

static void
marina_host_storage_page_finalize(GObject *object)
{
    MarinaHostStoragePage *self = MARINA_HOST_STORAGE_PAGE(object);

    g_clear_object(&self->cancellable);
    g_free(self->label);
    g_free(self->pool_name);
    g_free(self->pool_path);
    g_free(self->pending_pool);
    G_OBJECT_CLASS(marina_host_storage_page_parent_class)->finalize(object);
}

static void
marina_host_storage_page_class_init(MarinaHostStoragePageClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    object_class->dispose = marina_host_storage_page_dispose;
    object_class->finalize = marina_host_storage_page_finalize;
    signals[SIGNAL_ERROR] = g_signal_new("error", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0,
                                         NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

    g_type_ensure(MARINA_TYPE_VOLUME_LIST);
    gtk_widget_class_set_template_from_resource(widget_class,
                                                "/org/marinavm/Marina/ui/host-storage-page.ui");
#define BIND(name) gtk_widget_class_bind_template_child(widget_class, MarinaHostStoragePage, name)
    BIND(pool_view);
    BIND(add_pool_button);
    BIND(start_pool_button);
    BIND(stop_pool_button);
    BIND(delete_pool_button);
    BIND(refresh_pool_button);
    BIND(pool_stack);
    BIND(pool_name_value);
    BIND(pool_type_value);
    BIND(pool_path_value);
    BIND(pool_state_value);
    BIND(pool_capacity_value);
    BIND(pool_allocation_value);
    BIND(pool_available_value);
    BIND(pool_usage_bar);
    BIND(pool_usage_value);
    BIND(pool_autostart_check);
    BIND(volume_list);
#undef BIND
}

static void
marina_host_storage_page_init(MarinaHostStoragePage *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
    self->cancellable = g_cancellable_new();
    marina_form_set_accessible_name(self->pool_view, _("Storage pools"));
    marina_form_set_accessible_name(self->add_pool_button, _("Add Pool"));
    marina_form_set_accessible_name(self->start_pool_button, _("Start Pool"));
    marina_form_set_accessible_name(self->stop_pool_button, _("Stop Pool"));
    marina_form_set_accessible_name(self->delete_pool_button, _("Delete Pool"));
    marina_form_set_accessible_name(self->refresh_pool_button, _("Refresh Pool"));
    marina_form_set_accessible_name(self->pool_autostart_check, _("Start pool automatically"));
    marina_form_set_accessible_name(self->pool_usage_bar, _("Pool usage"));
    setup_pool_view(self);
    g_signal_connect(self->pool_autostart_check, "toggled", G_CALLBACK(on_pool_autostart_toggled),
                     self);
    g_signal_connect(self->add_pool_button, "clicked", G_CALLBACK(on_add_pool), self);
    g_signal_connect(self->start_pool_button, "clicked", G_CALLBACK(on_start_pool), self);
    g_signal_connect(self->stop_pool_button, "clicked", G_CALLBACK(on_stop_pool), self);
    g_signal_connect(self->delete_pool_button, "clicked", G_CALLBACK(on_delete_pool), self);
    g_signal_connect(self->refresh_pool_button, "clicked", G_CALLBACK(on_refresh_pool), self);
    g_signal_connect(self->volume_list, "volume-created", G_CALLBACK(on_volume_created), self);
    g_signal_connect(self->volume_list, "error", G_CALLBACK(on_volume_list_error), self);
}
