/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-hw-page"

#include "config.h"

#include "hw-hostdev-page.h"

#include <glib/gi18n.h>

#include "hw-device-list.h"
#include "hw-page.h"

struct _MarinaHwHostdevPage {
    GtkScrolledWindow parent_instance;

    guint index;

    GtkLabel *type_value;
    GtkLabel *device_value;
    GtkCheckButton *managed_check;
};

MARINA_HW_PAGE_DEFINE(MarinaHwHostdevPage, marina_hw_hostdev_page, MARINA_TYPE_HW_HOSTDEV_PAGE,
                      hostdev_page_iface_init)

static void
load(MarinaHwPage *page, const MarinaDomainConfig *config, const MarinaDomainConfig *live,
     guint index)
{
    MarinaHwHostdevPage *self = MARINA_HW_HOSTDEV_PAGE(page);
    const MarinaHostdevConfig *h =
        index < config->hostdevs->len ? config->hostdevs->pdata[index] : NULL;
    g_autofree char *name = NULL;

    (void)live;
    if (h == NULL)
        return;
    self->index = index;
    name = marina_hw_hostdev_name(h);
    gtk_label_set_text(self->type_value,
                       h->type == MARINA_HOSTDEV_PCI ? _("PCI device") : _("USB device"));
    gtk_label_set_text(self->device_value, name);
    gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(self->managed_check), h->managed);
    /* Only a PCI device is taken from a host driver; USB is claimed as it is. */
    gtk_widget_set_visible(GTK_WIDGET(self->managed_check), h->type == MARINA_HOSTDEV_PCI);
}

static gboolean
store(MarinaHwPage *page, MarinaDomainConfig *config, GError **error)
{
    MarinaHwHostdevPage *self = MARINA_HW_HOSTDEV_PAGE(page);
    MarinaHostdevConfig *h =
        self->index < config->hostdevs->len ? config->hostdevs->pdata[self->index] : NULL;

    if (h == NULL) {
        marina_hw_page_set_error(error, _("Host device"),
                                 _("the guest has no such host device any more. Choose another "
                                   "device."));
        return FALSE;
    }
    if (h->type == MARINA_HOSTDEV_PCI)
        h->managed = gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(self->managed_check));
    return TRUE;
}

static void
hostdev_page_iface_init(MarinaHwPageInterface *iface)
{
    iface->load = load;
    iface->store = store;
}

static void
marina_hw_hostdev_page_class_init(MarinaHwHostdevPageClass *klass)
{
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    gtk_widget_class_set_template_from_resource(widget_class,
                                                "/org/marinavm/Marina/ui/hw-hostdev-page.ui");
    gtk_widget_class_bind_template_child(widget_class, MarinaHwHostdevPage, type_value);
    gtk_widget_class_bind_template_child(widget_class, MarinaHwHostdevPage, device_value);
    gtk_widget_class_bind_template_child(widget_class, MarinaHwHostdevPage, managed_check);
}

static void
marina_hw_hostdev_page_init(MarinaHwHostdevPage *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
    marina_hw_page_watch(MARINA_HW_PAGE(self), self->managed_check);
}
