/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-hw-page"

#include "config.h"

#include "hw-page.h"

#include <glib/gi18n.h>

#include "error.h"

G_DEFINE_INTERFACE(MarinaHwPage, marina_hw_page, GTK_TYPE_WIDGET)

/* Per-page state kept on the instance, so each page type stays a plain
 * final type with the interface. */
#define MODIFIED_KEY "marina-hw-page-modified"
#define LOADING_KEY "marina-hw-page-loading"
/* The style class of a field waiting for the next boot ("warning" draws it). */
#define PENDING_CLASS "marina-pending"

static void
marina_hw_page_default_init(MarinaHwPageInterface *iface)
{
    (void)iface;
    /* The person edited a value (not emitted while a page loads). */
    g_signal_new("changed", MARINA_TYPE_HW_PAGE, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                 G_TYPE_NONE, 0);
}

void
marina_hw_page_load(MarinaHwPage *self, const MarinaDomainConfig *config,
                    const MarinaDomainConfig *live, guint index)
{
    g_return_if_fail(MARINA_IS_HW_PAGE(self));
    g_object_set_data(G_OBJECT(self), LOADING_KEY, GINT_TO_POINTER(TRUE));
    MARINA_HW_PAGE_GET_IFACE(self)->load(self, config, live, index);
    g_object_set_data(G_OBJECT(self), LOADING_KEY, NULL);
    g_object_set_data(G_OBJECT(self), MODIFIED_KEY, NULL);
}

gboolean
marina_hw_page_store(MarinaHwPage *self, MarinaDomainConfig *config, GError **error)
{
    g_return_val_if_fail(MARINA_IS_HW_PAGE(self), FALSE);
    return MARINA_HW_PAGE_GET_IFACE(self)->store(self, config, error);
}

gboolean
marina_hw_page_is_loading(MarinaHwPage *self)
{
    return g_object_get_data(G_OBJECT(self), LOADING_KEY) != NULL;
}

void
marina_hw_page_set_loading(MarinaHwPage *self, gboolean loading)
{
    g_return_if_fail(MARINA_IS_HW_PAGE(self));
    g_object_set_data(G_OBJECT(self), LOADING_KEY, loading ? GINT_TO_POINTER(TRUE) : NULL);
}

gboolean
marina_hw_page_is_modified(MarinaHwPage *self)
{
    return g_object_get_data(G_OBJECT(self), MODIFIED_KEY) != NULL;
}

void
marina_hw_page_changed(MarinaHwPage *self)
{
    g_return_if_fail(MARINA_IS_HW_PAGE(self));
    if (marina_hw_page_is_loading(self))
        return;
    g_object_set_data(G_OBJECT(self), MODIFIED_KEY, GINT_TO_POINTER(TRUE));
    g_signal_emit_by_name(self, "changed");
}

void
marina_hw_page_mark_pending(GtkWidget *widget, gboolean pending)
{
    AtkObject *accessible = gtk_widget_get_accessible(widget);
    GtkStyleContext *style = gtk_widget_get_style_context(widget);
    const char *text = _("Changed: takes effect at the next boot");

    if (pending) {
        gtk_widget_set_tooltip_text(widget, text);
        atk_object_set_description(accessible, text);
        gtk_style_context_add_class(style, "warning");
        gtk_style_context_add_class(style, PENDING_CLASS);
    } else if (gtk_style_context_has_class(style, PENDING_CLASS)) {
        gtk_widget_set_tooltip_text(widget, NULL);
        atk_object_set_description(accessible, "");
        gtk_style_context_remove_class(style, "warning");
        gtk_style_context_remove_class(style, PENDING_CLASS);
    }
}

static void
find_pending(GtkWidget *widget, gpointer data)
{
    gboolean *found = data;

    if (*found)
        return;
    if (gtk_style_context_has_class(gtk_widget_get_style_context(widget), PENDING_CLASS)) {
        *found = TRUE;
        return;
    }
    if (GTK_IS_CONTAINER(widget))
        gtk_container_forall(GTK_CONTAINER(widget), find_pending, data);
}

gboolean
marina_hw_page_has_pending(MarinaHwPage *self)
{
    gboolean found = FALSE;

    g_return_val_if_fail(MARINA_IS_HW_PAGE(self), FALSE);
    find_pending(GTK_WIDGET(self), &found);
    return found;
}

static void
on_widget_changed(gpointer widget, MarinaHwPage *page)
{
    (void)widget;
    marina_hw_page_changed(page);
}

void
marina_hw_page_watch(MarinaHwPage *page, gpointer widget)
{
    static const char *const signals[] = {"changed", "toggled", "value-changed"};

    if (GTK_IS_COMBO_BOX(widget) && gtk_combo_box_get_has_entry(widget)) {
        /* The typing part answers to the same name as the list. */
        AtkObject *combo = gtk_widget_get_accessible(widget);
        GtkWidget *entry = gtk_bin_get_child(GTK_BIN(widget));

        atk_object_set_name(gtk_widget_get_accessible(entry), atk_object_get_name(combo));
    }
    for (guint i = 0; i < G_N_ELEMENTS(signals); i++) {
        if (g_signal_lookup(signals[i], G_OBJECT_TYPE(widget)) != 0) {
            g_signal_connect(widget, signals[i], G_CALLBACK(on_widget_changed), page);
            return;
        }
    }
    if (GTK_IS_TEXT_VIEW(widget))
        g_signal_connect(gtk_text_view_get_buffer(widget), "changed", G_CALLBACK(on_widget_changed),
                         page);
}

void
marina_hw_page_combo_set(GtkComboBox *combo, const char *id, const char *fallback)
{
    const char *want = id != NULL && *id ? id : fallback;

    if (want == NULL) {
        gtk_combo_box_set_active(combo, -1);
        if (gtk_combo_box_get_has_entry(combo))
            gtk_entry_set_text(GTK_ENTRY(gtk_bin_get_child(GTK_BIN(combo))), "");
        return;
    }
    if (!gtk_combo_box_set_active_id(combo, want)) {
        /* A value the list does not offer (written by hand): show it as it is. */
        gtk_combo_box_text_append(GTK_COMBO_BOX_TEXT(combo), want, want);
        gtk_combo_box_set_active_id(combo, want);
    }
}

char *
marina_hw_page_combo_get(GtkComboBox *combo)
{
    const char *id = gtk_combo_box_get_active_id(combo);

    if (gtk_combo_box_get_has_entry(combo)) {
        /* The entry shows the item's text; an id differing from it means a
         * person typed something else. */
        return marina_hw_page_entry_get(GTK_ENTRY(gtk_bin_get_child(GTK_BIN(combo))));
    }
    return id != NULL && *id ? g_strdup(id) : NULL;
}

void
marina_hw_page_entry_set(GtkEntry *entry, const char *text)
{
    gtk_entry_set_text(entry, text != NULL ? text : "");
}

char *
marina_hw_page_entry_get(GtkEntry *entry)
{
    g_autofree char *text = g_strstrip(g_strdup(gtk_entry_get_text(entry)));

    return *text != '\0' ? g_steal_pointer(&text) : NULL;
}

void
marina_hw_page_set_error(GError **error, const char *field, const char *format, ...)
{
    va_list args;
    g_autofree char *message = NULL;

    va_start(args, format);
    message = g_strdup_vprintf(format, args);
    va_end(args);
    /* Translators: a refused value: "Memory: 0 MiB is not allowed; ..." */
    g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG, _("%s: %s"), field, message);
}
