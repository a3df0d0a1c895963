/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by guest-view.c (rows, sorting, search) and guest-view-columns.c
 * (the columns, how their cells draw a row, and how two guests compare). */
#pragma once

#include "guest-view.h"

G_BEGIN_DECLS

/* The store's columns: what a row is, its guest (guest rows) and its connection. */
enum { COL_KIND, COL_GUEST, COL_CONN, N_COLUMNS };

/* Sort column ids. */
enum { SORT_NAME, SORT_STATE, SORT_CPU, SORT_HOST_CPU, SORT_MEMORY, SORT_DISK, SORT_NET };

#define N_GRAPH_COLUMNS 5

/* The rows of one connection entry (COL_CONN points at it). */
typedef struct {
    MarinaGuestView *view;
    MarinaConnectionEntry *entry;
    MarinaGuestList *list; /* the list the rows mirror (reffed), or NULL */
    char *state_text;
    gboolean collapsed;
    GtkTreeIter iter;  /* GtkTreeStore iters persist */
    GPtrArray *guests; /* MarinaGuest* (reffed), mirrors the list's order */
    GHashTable *rows;  /* MarinaGuest* -> GtkTreeIter* */
    gboolean filled;
    gboolean has_placeholder;
    GtkTreeIter placeholder;
} GuestViewConn;

/* A guest's state for people ("Running", "Shut off", ...). */
const char *marina_guest_view_state_text(MarinaDomainState state);

/* Orders two guest rows by a sort column id (SORT_*), then by name. */
int marina_guest_view_compare_guests(MarinaGuest *a, MarinaGuest *b, int column);

/* Adds the icon, name / state and graph columns to @view; the graph
 * columns' visibility follows @settings and they are stored in
 * @graph_columns. @dim_color (owned by the caller, kept current) colours
 * the state line. */
void marina_guest_view_add_columns(GtkTreeView *view, GSettings *settings, const GdkRGBA *dim_color,
                                   GtkTreeViewColumn *graph_columns[N_GRAPH_COLUMNS]);

G_END_DECLS
