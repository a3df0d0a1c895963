/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Lists of named rows (Connection Details' pools and volumes): updated in
 * place from a fresh listing so the selection stays, selected by name. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Sets the row @iter from @item (a record of a listing). */
typedef void (*MarinaTreeSetRow)(GtkListStore *store, GtkTreeIter *iter, gconstpointer item);
/* The name that keys @item's row. */
typedef const char *(*MarinaTreeNameOf)(gconstpointer item);

/* A sortable, resizable text column of @view showing @column; @expand: it
 * takes the spare width (its text ellipsized in the middle). */
GtkTreeViewColumn *marina_tree_add_text_column(GtkTreeView *view, const char *title, int column,
                                               gboolean expand);

/* The row whose string in @column is @name. */
gboolean marina_tree_find_row(GtkListStore *store, int column, const char *name, GtkTreeIter *iter);

/* Updates @store in place from @items (a fresh listing; each row keyed by
 * the name @name_of gives, kept in @name_column): rows that went are
 * removed, the others set with @set_row, new ones appended. */
void marina_tree_merge_rows(GtkListStore *store, int name_column, GPtrArray *items,
                            MarinaTreeNameOf name_of, MarinaTreeSetRow set_row);

/* Selects (and scrolls to) the row named *@pending once it is listed, then
 * forgets the name. */
void marina_tree_select_pending(GtkTreeView *view, GtkListStore *store, int column, char **pending);

/* The strings of @column in @store, NULL-terminated (the names a new one must not take). */
GPtrArray *marina_tree_column_strings(GtkListStore *store, int column);

G_END_DECLS
