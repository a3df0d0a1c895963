/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-tree-util"

#include "config.h"

#include "tree-util.h"

GtkTreeViewColumn *
marina_tree_add_text_column(GtkTreeView *view, const char *title, int column, gboolean expand)
{
    GtkCellRenderer *cell = gtk_cell_renderer_text_new();
    GtkTreeViewColumn *col =
        gtk_tree_view_column_new_with_attributes(title, cell, "text", column, NULL);

    g_object_set(cell, "ellipsize", expand ? PANGO_ELLIPSIZE_MIDDLE : PANGO_ELLIPSIZE_NONE, NULL);
    gtk_tree_view_column_set_resizable(col, TRUE);
    gtk_tree_view_column_set_expand(col, expand);
    gtk_tree_view_column_set_sort_column_id(col, column);
    gtk_tree_view_append_column(view, col);
    return col;
}

gboolean
marina_tree_find_row(GtkListStore *store, int column, const char *name, GtkTreeIter *iter)
{
    gboolean valid = gtk_tree_model_get_iter_first(GTK_TREE_MODEL(store), iter);

    while (valid) {
        g_autofree char *value = NULL;

        gtk_tree_model_get(GTK_TREE_MODEL(store), iter, column, &value, -1);
        if (g_strcmp0(value, name) == 0)
            return TRUE;
        valid = gtk_tree_model_iter_next(GTK_TREE_MODEL(store), iter);
    }
    return FALSE;
}

void
marina_tree_merge_rows(GtkListStore *store, int name_column, GPtrArray *items,
                       MarinaTreeNameOf name_of, MarinaTreeSetRow set_row)
{
    g_autoptr(GHashTable) fresh = g_hash_table_new(g_str_hash, g_str_equal);
    g_autofree gboolean *placed = g_new0(gboolean, items->len + 1);
    GtkTreeIter iter;
    gboolean valid;

    for (guint i = 0; i < items->len; i++)
        g_hash_table_insert(fresh, (gpointer)name_of(g_ptr_array_index(items, i)),
                            GUINT_TO_POINTER(i + 1));
    valid = gtk_tree_model_get_iter_first(GTK_TREE_MODEL(store), &iter);
    while (valid) {
        g_autofree char *name = NULL;
        guint index;

        gtk_tree_model_get(GTK_TREE_MODEL(store), &iter, name_column, &name, -1);
        index = GPOINTER_TO_UINT(g_hash_table_lookup(fresh, name));
        if (index == 0 || placed[index - 1]) {
            valid = gtk_list_store_remove(store, &iter);
            continue;
        }
        set_row(store, &iter, g_ptr_array_index(items, index - 1));
        placed[index - 1] = TRUE;
        valid = gtk_tree_model_iter_next(GTK_TREE_MODEL(store), &iter);
    }
    for (guint i = 0; i < items->len; i++) {
        if (placed[i])
            continue;
        gtk_list_store_append(store, &iter);
        set_row(store, &iter, g_ptr_array_index(items, i));
    }
}

void
marina_tree_select_pending(GtkTreeView *view, GtkListStore *store, int column, char **pending)
{
    GtkTreeIter iter;
    g_autoptr(GtkTreePath) path = NULL;

    if (*pending == NULL || !marina_tree_find_row(store, column, *pending, &iter))
        return;
    gtk_tree_selection_select_iter(gtk_tree_view_get_selection(view), &iter);
    path = gtk_tree_model_get_path(GTK_TREE_MODEL(store), &iter);
    gtk_tree_view_scroll_to_cell(view, path, NULL, FALSE, 0, 0);
    g_clear_pointer(pending, g_free);
}

GPtrArray *
marina_tree_column_strings(GtkListStore *store, int column)
{
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    GtkTreeIter iter;
    gboolean valid = gtk_tree_model_get_iter_first(GTK_TREE_MODEL(store), &iter);

    while (valid) {
        char *name = NULL;

        gtk_tree_model_get(GTK_TREE_MODEL(store), &iter, column, &name, -1);
        g_ptr_array_add(names, name);
        valid = gtk_tree_model_iter_next(GTK_TREE_MODEL(store), &iter);
    }
    g_ptr_array_add(names, NULL);
    return names;
}
