/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-hw-page"

#include "config.h"

#include "hw-os-page.h"

#include <glib/gi18n.h>

#include "hw-page.h"
#include "os-catalog-cache.h"

struct _MarinaHwOsPage {
    GtkScrolledWindow parent_instance;

    char *os_id; /* the libosinfo id of the guest's metadata, or NULL */

    GtkLabel *os_name;
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

static void
show(MarinaHwOsPage *self)
{
    MarinaOsCatalog *catalog = marina_os_catalog_cache_get();
    const MarinaOsInfo *info = catalog != NULL && self->os_id != NULL
                                   ? marina_os_catalog_lookup(catalog, self->os_id)
                                   : NULL;
    g_autofree char *memory = NULL;

    gtk_label_set_text(self->os_id_label, self->os_id != NULL ? self->os_id : _("None"));
    if (info == NULL) {
        gtk_label_set_text(self->os_name, self->os_id == NULL
                                              ? _("Unknown: the guest's definition does not say")
                                          : marina_os_catalog_cache_is_loading()
                                              ? _("Looking it up…")
                                              : _("Not in this computer's libosinfo database"));
        gtk_label_set_text(self->os_family, "");
        gtk_label_set_text(self->os_vendor, "");
        gtk_label_set_text(self->os_memory, "");
        gtk_label_set_text(self->os_virtio, "");
        return;
    }
    memory = g_strdup_printf(_("%llu MiB"), (unsigned long long)info->memory_mib);
    gtk_label_set_text(self->os_name, info->name);
    gtk_label_set_text(self->os_family, info->family);
    gtk_label_set_text(self->os_vendor, info->vendor);
    gtk_label_set_text(self->os_memory, memory);
    gtk_label_set_text(self->os_virtio, info->virtio ? _("Yes") : _("No"));
}

static void
on_catalog_ready(gpointer object)
{
    show(MARINA_HW_OS_PAGE(object));
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
    if (self->os_id != NULL && marina_os_catalog_cache_get() == NULL)
        marina_os_catalog_cache_request(self, on_catalog_ready);
}

/* Shown only: the OS is what the guest was installed with. */
static gboolean
store(MarinaHwPage *page, MarinaDomainConfig *config, GError **error)
{
    (void)page;
    (void)config;
    (void)error;
    return TRUE;
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
    g_free(MARINA_HW_OS_PAGE(object)->os_id);
    G_OBJECT_CLASS(marina_hw_os_page_parent_class)->finalize(object);
}

static void
marina_hw_os_page_class_init(MarinaHwOsPageClass *klass)
{
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    G_OBJECT_CLASS(klass)->finalize = marina_hw_os_page_finalize;
    gtk_widget_class_set_template_from_resource(widget_class,
                                                "/org/marinavm/Marina/ui/hw-os-page.ui");
    gtk_widget_class_bind_template_child(widget_class, MarinaHwOsPage, os_name);
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
    gtk_widget_init_template(GTK_WIDGET(self));
}
