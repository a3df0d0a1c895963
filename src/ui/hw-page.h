/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One page of a guest's hardware editor (Details): it shows a part of the
 * guest's definition (one device, or the CPUs, the memory ...) and writes the
 * person's edits back into a copy of that definition. The Details view owns
 * Apply / Revert / Remove and sends the result to the daemon. */
#pragma once

#include <gtk/gtk.h>

#include "domain-config.h"

G_BEGIN_DECLS

#define MARINA_TYPE_HW_PAGE (marina_hw_page_get_type())
G_DECLARE_INTERFACE(MarinaHwPage, marina_hw_page, MARINA, HW_PAGE, GtkWidget)

struct _MarinaHwPageInterface {
    GTypeInterface parent_iface;

    /* Shows the device @index of its kind (0 for pages of the whole guest)
     * of @config, the persistent definition; @live is the running guest's
     * definition, NULL when it is shut off (fields that differ are marked
     * as waiting for the next boot). */
    void (*load)(MarinaHwPage *self, const MarinaDomainConfig *config,
                 const MarinaDomainConfig *live, guint index);
    /* Writes the shown values into @config (a copy of what load() saw).
     * FALSE with an error naming the field when a value is not allowed. */
    gboolean (*store)(MarinaHwPage *self, MarinaDomainConfig *config, GError **error);
};

void marina_hw_page_load(MarinaHwPage *self, const MarinaDomainConfig *config,
                         const MarinaDomainConfig *live, guint index);
gboolean marina_hw_page_store(MarinaHwPage *self, MarinaDomainConfig *config, GError **error);

/* Pages call this when the person edits something ("changed" signal);
 * nothing happens while the page is loading. */
void marina_hw_page_changed(MarinaHwPage *self);
/* Whether the person changed something since the last load. */
gboolean marina_hw_page_is_modified(MarinaHwPage *self);
/* Whether load() is filling the widgets now (edits are not the person's). */
gboolean marina_hw_page_is_loading(MarinaHwPage *self);
/* For a page that fills a widget later (a list that loads): the widgets'
 * changes until set_loading(FALSE) are not the person's edits. */
void marina_hw_page_set_loading(MarinaHwPage *self, gboolean loading);

/* Marks @widget as having a persistent value that differs from the running
 * guest's (it takes effect at the next boot): a tooltip and accessible
 * description say so; @pending FALSE clears the mark. */
void marina_hw_page_mark_pending(GtkWidget *widget, gboolean pending);
/* Whether a field of @self is marked as waiting for the next boot. */
gboolean marina_hw_page_has_pending(MarinaHwPage *self);

/* Helpers for the pages' forms. */
/* Connects "changed" / "toggled" / "value-changed" of @widget to
 * marina_hw_page_changed(@page), whichever the widget has. */
void marina_hw_page_watch(MarinaHwPage *page, gpointer widget);
/* Sets the active id of @combo (a GtkComboBoxText with entry or not) to
 * @id, adding it when the list lacks it; NULL selects @fallback. */
void marina_hw_page_combo_set(GtkComboBox *combo, const char *id, const char *fallback);
/* The active id of @combo, or the text typed into its entry; NULL if empty. */
char *marina_hw_page_combo_get(GtkComboBox *combo);
/* Sets an entry's text, "" for NULL. */
void marina_hw_page_entry_set(GtkEntry *entry, const char *text);
/* An entry's trimmed text, or NULL when empty. */
char *marina_hw_page_entry_get(GtkEntry *entry);

/* The type boilerplate of a page: a final GtkScrolledWindow implementing
 * MarinaHwPage through @iface_init, and its _new(). */
#define MARINA_HW_PAGE_DEFINE(TypeName, type_name, TYPE, iface_init)                               \
    static void iface_init(MarinaHwPageInterface *iface);                                          \
    G_DEFINE_FINAL_TYPE_WITH_CODE(TypeName, type_name, GTK_TYPE_SCROLLED_WINDOW,                   \
                                  G_IMPLEMENT_INTERFACE(MARINA_TYPE_HW_PAGE, iface_init))          \
    GtkWidget *type_name##_new(void)                                                               \
    {                                                                                              \
        return g_object_new(TYPE, NULL);                                                           \
    }

/* A MARINA_ERROR_INVALID_CONFIG error for the person: "@field: @message". */
void marina_hw_page_set_error(GError **error, const char *field, const char *format, ...)
    G_GNUC_PRINTF(3, 4);

G_END_DECLS
