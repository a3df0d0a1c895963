/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-hw-page"

#include "config.h"

#include "hw-nic-page.h"

#include <glib/gi18n.h>

#include "hw-page.h"

struct _MarinaHwNicPage {
    GtkScrolledWindow parent_instance;

    char *mac; /* the MAC the shown interface had when loaded: how it is found */

    GtkComboBox *type_combo;
    GtkLabel *source_label;
    GtkComboBox *source_combo;
    GtkComboBox *model_combo;
    GtkEntry *mac_entry;
};

MARINA_HW_PAGE_DEFINE(MarinaHwNicPage, marina_hw_nic_page, MARINA_TYPE_HW_NIC_PAGE,
                      nic_page_iface_init)

static const char *const type_ids[] = {
    [MARINA_NET_TYPE_USER] = "user",
    [MARINA_NET_TYPE_NETWORK] = "network",
    [MARINA_NET_TYPE_BRIDGE] = "bridge",
};

static MarinaInterfaceConfig *
find_interface(const MarinaDomainConfig *config, const char *mac)
{
    for (guint i = 0; mac != NULL && i < config->interfaces->len; i++) {
        MarinaInterfaceConfig *iface = config->interfaces->pdata[i];

        if (g_ascii_strcasecmp(iface->mac, mac) == 0)
            return iface;
    }
    return NULL;
}

static void
update_source(MarinaHwNicPage *self)
{
    const char *type = gtk_combo_box_get_active_id(self->type_combo);
    gboolean user = g_strcmp0(type, "user") == 0;

    gtk_widget_set_sensitive(GTK_WIDGET(self->source_combo), !user);
    gtk_label_set_text(self->source_label,
                       g_strcmp0(type, "bridge") == 0 ? _("Bridge name:") : _("Network name:"));
}

static void
load(MarinaHwPage *page, const MarinaDomainConfig *config, const MarinaDomainConfig *live,
     guint index)
{
    MarinaHwNicPage *self = MARINA_HW_NIC_PAGE(page);
    const MarinaInterfaceConfig *iface =
        index < config->interfaces->len ? config->interfaces->pdata[index] : NULL;
    const MarinaInterfaceConfig *running = NULL;

    if (iface == NULL)
        return;
    g_free(self->mac);
    self->mac = g_strdup(iface->mac);
    running = live != NULL ? find_interface(live, iface->mac) : NULL;
    marina_hw_page_combo_set(self->type_combo, type_ids[iface->type], "user");
    marina_hw_page_combo_set(self->source_combo, iface->source, NULL);
    marina_hw_page_combo_set(self->model_combo, iface->model, "virtio");
    marina_hw_page_entry_set(self->mac_entry, iface->mac);
    update_source(self);
    marina_hw_page_mark_pending(GTK_WIDGET(self->model_combo),
                                running != NULL && g_strcmp0(running->model, iface->model) != 0);
    marina_hw_page_mark_pending(GTK_WIDGET(self->type_combo),
                                running != NULL && (running->type != iface->type ||
                                                    g_strcmp0(running->source, iface->source)));
    /* Found by its MAC in the running guest: one it lacks is new there. */
    marina_hw_page_mark_pending(GTK_WIDGET(self->mac_entry), live != NULL && running == NULL);
}

static gboolean
store(MarinaHwPage *page, MarinaDomainConfig *config, GError **error)
{
    MarinaHwNicPage *self = MARINA_HW_NIC_PAGE(page);
    MarinaInterfaceConfig *iface = find_interface(config, self->mac);
    const char *type = gtk_combo_box_get_active_id(self->type_combo);
    g_autofree char *source = marina_hw_page_combo_get(self->source_combo);
    g_autofree char *typed_mac = marina_hw_page_entry_get(self->mac_entry);
    g_autofree char *mac = typed_mac != NULL ? marina_mac_canonicalize(typed_mac) : NULL;

    if (iface == NULL) {
        marina_hw_page_set_error(error, _("Network interface"),
                                 _("the guest has no interface %s any more. Choose another "
                                   "device."),
                                 self->mac);
        return FALSE;
    }
    if (mac == NULL) {
        marina_hw_page_set_error(error, _("MAC address"),
                                 _("“%s” is not a unicast MAC address. Enter six pairs of hex "
                                   "digits, such as 52:54:00:12:34:56."),
                                 typed_mac != NULL ? typed_mac : "");
        return FALSE;
    }
    if (g_strcmp0(type, "user") != 0 && source == NULL) {
        marina_hw_page_set_error(
            error, g_strcmp0(type, "bridge") == 0 ? _("Bridge name") : _("Network name"),
            _("enter the name to connect the interface to."));
        return FALSE;
    }
    for (guint t = 0; t < G_N_ELEMENTS(type_ids); t++)
        if (g_strcmp0(type, type_ids[t]) == 0)
            iface->type = t;
    g_free(iface->source);
    iface->source = iface->type == MARINA_NET_TYPE_USER ? NULL : g_steal_pointer(&source);
    g_free(iface->model);
    iface->model = marina_hw_page_combo_get(self->model_combo);
    if (g_ascii_strcasecmp(mac, iface->mac) != 0)
        iface->mac_generated = FALSE;
    g_free(iface->mac);
    iface->mac = g_steal_pointer(&mac);
    return TRUE;
}

static void
nic_page_iface_init(MarinaHwPageInterface *iface)
{
    iface->load = load;
    iface->store = store;
}

static void
marina_hw_nic_page_finalize(GObject *object)
{
    g_free(MARINA_HW_NIC_PAGE(object)->mac);
    G_OBJECT_CLASS(marina_hw_nic_page_parent_class)->finalize(object);
}

static void
marina_hw_nic_page_class_init(MarinaHwNicPageClass *klass)
{
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    G_OBJECT_CLASS(klass)->finalize = marina_hw_nic_page_finalize;
    gtk_widget_class_set_template_from_resource(widget_class,
                                                "/org/marinavm/Marina/ui/hw-nic-page.ui");
#define BIND(name) gtk_widget_class_bind_template_child(widget_class, MarinaHwNicPage, name)
    BIND(type_combo);
    BIND(source_label);
    BIND(source_combo);
    BIND(model_combo);
    BIND(mac_entry);
#undef BIND
}

static void
marina_hw_nic_page_init(MarinaHwNicPage *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
    g_signal_connect_swapped(self->type_combo, "changed", G_CALLBACK(update_source), self);
    marina_hw_page_watch(MARINA_HW_PAGE(self), self->type_combo);
    marina_hw_page_watch(MARINA_HW_PAGE(self), self->source_combo);
    marina_hw_page_watch(MARINA_HW_PAGE(self), self->model_combo);
    marina_hw_page_watch(MARINA_HW_PAGE(self), self->mac_entry);
}
