/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-hw-page"

#include "config.h"

#include "hw-os-page.h"

#include <glib/gi18n.h>
#include <string.h>

#include "hw-page.h"
#include "os-catalog-cache.h"

/* The namespace virt-install, virt-manager and the wizard record the OS in. */
#define LIBOSINFO_NS "http://libosinfo.org/xmlns/libvirt/domain/1.0"

enum { COL_NAME, COL_KEY, N_COLS };

struct _MarinaHwOsPage {
    GtkScrolledWindow parent_instance;

    char *os_id; /* the libosinfo id of the guest's metadata, or NULL */
    GtkListStore *store;

    GtkEntry *os_entry;
    GtkLabel *os_family;
    GtkLabel *os_vendor;
    GtkLabel *os_id_label;
    GtkLabel *os_memory;
    GtkLabel *os_virtio;
};

MARINA_HW_PAGE_DEFINE(MarinaHwOsPage, marina_hw_os_page, MARINA_TYPE_HW_OS_PAGE, os_page_iface_init)

/* The id of <libosinfo:os id='...'/> in the guest's <metadata> (any prefix,
 * either quote), as the wizard and virt-install write it. */
static char *
metadata_os_id(const char *metadata)
{
    g_autoptr(GRegex) regex = NULL;
    g_autoptr(GMatchInfo) match = NULL;

    if (metadata == NULL)
        return NULL;
    regex = g_regex_new("<(?:[A-Za-z0-9_.-]+:)?os\\s+id\\s*=\\s*[\"']([^\"'<>]{1,512})[\"']", 0, 0,
                        NULL);
    if (!g_regex_match(regex, metadata, 0, &match))
        return NULL;
    return g_match_info_fetch(match, 1);
}

/* @metadata without its libosinfo element, with one for @id (NULL: none). */
static char *
metadata_with_os(const char *metadata, const char *id)
{
    g_autoptr(GRegex) regex = g_regex_new(
        "<libosinfo:libosinfo\\b(?:[^>]*/>|.*?</libosinfo:libosinfo>)", G_REGEX_DOTALL, 0, NULL);
    g_autofree char *rest =
        metadata != NULL ? g_regex_replace_literal(regex, metadata, -1, 0, "", 0, NULL) : NULL;
    g_autofree char *escaped = id != NULL ? g_markup_escape_text(id, -1) : NULL;
    g_autofree char *trimmed = rest != NULL ? g_strstrip(g_strdup(rest)) : NULL;

    if (id == NULL)
        return trimmed != NULL && *trimmed != '\0' ? g_steal_pointer(&trimmed) : NULL;
    return g_strdup_printf("%s<libosinfo:libosinfo xmlns:libosinfo=\"%s\">"
                           "<libosinfo:os id=\"%s\"/></libosinfo:libosinfo>",
                           trimmed != NULL ? trimmed : "", LIBOSINFO_NS, escaped);
}

static const MarinaOsInfo *
lookup(const char *id)
{
    MarinaOsCatalog *catalog = marina_os_catalog_cache_get();

    return catalog != NULL && id != NULL ? marina_os_catalog_lookup(catalog, id) : NULL;
}

static void
show_details(MarinaHwOsPage *self, const MarinaOsInfo *info)
{
    g_autofree char *memory = NULL;

    if (info == NULL) {
        gtk_label_set_text(self->os_family, "");
        gtk_label_set_text(self->os_vendor, "");
        gtk_label_set_text(self->os_id_label, self->os_id != NULL ? self->os_id : _("None"));
        gtk_label_set_text(self->os_memory, "");
        gtk_label_set_text(self->os_virtio, "");
        return;
    }
    memory = g_strdup_printf(_("%llu MiB"), (unsigned long long)info->memory_mib);
    gtk_label_set_text(self->os_family, info->family);
    gtk_label_set_text(self->os_vendor, info->vendor);
    gtk_label_set_text(self->os_id_label, info->id);
    gtk_label_set_text(self->os_memory, memory);
    gtk_label_set_text(self->os_virtio, info->virtio ? _("Yes") : _("No"));
}

static void
fill_store(MarinaHwOsPage *self)
{
    MarinaOsCatalog *catalog = marina_os_catalog_cache_get();
    GPtrArray *list;

    if (catalog == NULL || gtk_tree_model_iter_n_children(GTK_TREE_MODEL(self->store), NULL) > 0)
        return;
    list = marina_os_catalog_list(catalog);
    for (guint i = 0; i < list->len; i++) {
        const MarinaOsInfo *info = list->pdata[i];
        g_autofree char *key = g_strdup_printf("%s %s", info->name, info->short_id);
        g_autofree char *folded = g_utf8_casefold(key, -1);

        gtk_list_store_insert_with_values(self->store, NULL, -1, COL_NAME, info->name, COL_KEY,
                                          folded, -1);
    }
}

/* What the metadata says, in the entry (not an edit of the person's). */
static void
show(MarinaHwOsPage *self)
{
    const MarinaOsInfo *info = lookup(self->os_id);
    gboolean loading = marina_hw_page_is_loading(MARINA_HW_PAGE(self));

    fill_store(self);
    if (!loading)
        marina_hw_page_set_loading(MARINA_HW_PAGE(self), TRUE);
    if (info != NULL)
        gtk_entry_set_text(self->os_entry, info->name);
    else if (self->os_id == NULL)
        gtk_entry_set_text(self->os_entry, marina_os_catalog_cache_generic()->name);
    else
        /* Not in this computer's database: the id itself. */
        gtk_entry_set_text(self->os_entry, self->os_id);
    if (!loading)
        marina_hw_page_set_loading(MARINA_HW_PAGE(self), FALSE);
    show_details(self, info);
}

static void
on_catalog_ready(gpointer object)
{
    MarinaHwOsPage *self = MARINA_HW_OS_PAGE(object);

    if (!marina_hw_page_is_modified(MARINA_HW_PAGE(self)))
        show(self);
}

static void
load(MarinaHwPage *page, const MarinaDomainConfig *config, const MarinaDomainConfig *live,
     guint index)
{
    MarinaHwOsPage *self = MARINA_HW_OS_PAGE(page);

    (void)live;
    (void)index;
    g_free(self->os_id);
    self->os_id = metadata_os_id(config->metadata_xml);
    show(self);
}

static gboolean
store(MarinaHwPage *page, MarinaDomainConfig *config, GError **error)
{
    MarinaHwOsPage *self = MARINA_HW_OS_PAGE(page);
    g_autofree char *text = marina_hw_page_entry_get(self->os_entry);
    const MarinaOsInfo *info = marina_os_catalog_cache_find(text);
    g_autofree char *metadata = NULL;

    if (text != NULL && g_strcmp0(text, self->os_id) == 0)
        return TRUE; /* an id this computer does not know, left as it was */
    if (info == NULL && marina_os_catalog_cache_is_loading()) {
        marina_hw_page_set_error(error, _("Operating system"),
                                 _("the list of operating systems is still loading. Apply again in "
                                   "a moment."));
        return FALSE;
    }
    if (info == NULL) {
        marina_hw_page_set_error(error, _("Operating system"),
                                 _("“%s” is not in the libosinfo database. Choose one from the "
                                   "list, or Generic."),
                                 text != NULL ? text : "");
        return FALSE;
    }
    /* Generic records nothing, as virt-install does. */
    metadata = metadata_with_os(config->metadata_xml,
                                g_str_equal(info->short_id, "generic") ? NULL : info->id);
    g_free(config->metadata_xml);
    config->metadata_xml = g_steal_pointer(&metadata);
    return TRUE;
}

static gboolean
completion_match(GtkEntryCompletion *completion, const char *key, GtkTreeIter *iter,
                 gpointer user_data)
{
    MarinaHwOsPage *self = user_data;
    g_autofree char *row_key = NULL;
    g_autofree char *folded = g_utf8_casefold(key, -1);

    (void)completion;
    gtk_tree_model_get(GTK_TREE_MODEL(self->store), iter, COL_KEY, &row_key, -1);
    return row_key != NULL && strstr(row_key, folded) != NULL;
}

static void
on_entry_changed(MarinaHwOsPage *self)
{
    g_autofree char *text = marina_hw_page_entry_get(self->os_entry);
    const MarinaOsInfo *info = marina_os_catalog_cache_find(text);

    if (!marina_hw_page_is_loading(MARINA_HW_PAGE(self)))
        show_details(self, info);
}

static void
os_page_iface_init(MarinaHwPageInterface *iface)
{
    iface->load = load;
    iface->store = store;
}

static void
marina_hw_os_page_finalize(GObject *object)
{
    MarinaHwOsPage *self = MARINA_HW_OS_PAGE(object);

    g_free(self->os_id);
    g_clear_object(&self->store);
    G_OBJECT_CLASS(marina_hw_os_page_parent_class)->finalize(object);
}

static void
marina_hw_os_page_class_init(MarinaHwOsPageClass *klass)
{
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    G_OBJECT_CLASS(klass)->finalize = marina_hw_os_page_finalize;
    gtk_widget_class_set_template_from_resource(widget_class,
                                                "/org/marinavm/Marina/ui/hw-os-page.ui");
    gtk_widget_class_bind_template_child(widget_class, MarinaHwOsPage, os_entry);
    gtk_widget_class_bind_template_child(widget_class, MarinaHwOsPage, os_family);
    gtk_widget_class_bind_template_child(widget_class, MarinaHwOsPage, os_vendor);
    gtk_widget_class_bind_template_child_full(widget_class, "os_id", FALSE,
                                              G_STRUCT_OFFSET(MarinaHwOsPage, os_id_label));
    gtk_widget_class_bind_template_child(widget_class, MarinaHwOsPage, os_memory);
    gtk_widget_class_bind_template_child(widget_class, MarinaHwOsPage, os_virtio);
}

static void
marina_hw_os_page_init(MarinaHwOsPage *self)
{
    GtkEntryCompletion *completion = gtk_entry_completion_new();

    gtk_widget_init_template(GTK_WIDGET(self));
    self->store = gtk_list_store_new(N_COLS, G_TYPE_STRING, G_TYPE_STRING);
    gtk_entry_completion_set_model(completion, GTK_TREE_MODEL(self->store));
    gtk_entry_completion_set_text_column(completion, COL_NAME);
    gtk_entry_completion_set_match_func(completion, completion_match, self, NULL);
    gtk_entry_completion_set_minimum_key_length(completion, 1);
    gtk_entry_set_completion(self->os_entry, completion);
    g_object_unref(completion);
    g_signal_connect_swapped(self->os_entry, "changed", G_CALLBACK(on_entry_changed), self);
    marina_hw_page_watch(MARINA_HW_PAGE(self), self->os_entry);
    /* Loading the database takes a moment: start before the page is shown. */
    marina_os_catalog_cache_request(self, on_catalog_ready);
}
