/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-hw-page"

#include "config.h"

#include "hw-nic-page.h"

#include <glib/gi18n.h>

#include "host.h"
#include "hw-page.h"
#include "ui-util.h"

struct _MarinaHwNicPage {
    GtkScrolledWindow parent_instance;

    char *mac; /* the MAC the shown interface had when loaded: how it is found */
    MarinaDomain *domain;
    GCancellable *addresses; /* the address query of the interface shown */
    GCancellable *sources;   /* the lists of networks and bridges */
    GStrv networks;          /* the host's virtual networks, NULL until listed */
    GStrv bridges;           /* the host's bridges, NULL until listed */

    GtkComboBox *type_combo;
    GtkLabel *source_label;
    GtkComboBox *source_combo;
    GtkComboBox *model_combo;
    GtkEntry *mac_entry;
    GtkCheckButton *link_check;
    GtkLabel *address_value;
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

/* The list under the name entry: the host's networks or bridges (the
 * person may still type another name). */
static void
fill_sources(MarinaHwNicPage *self)
{
    const char *type = gtk_combo_box_get_active_id(self->type_combo);
    GStrv names = g_strcmp0(type, "bridge") == 0 ? self->bridges : self->networks;
    GtkEntry *entry = GTK_ENTRY(gtk_bin_get_child(GTK_BIN(self->source_combo)));
    g_autofree char *text = g_strdup(gtk_entry_get_text(entry));
    gboolean loading = marina_hw_page_is_loading(MARINA_HW_PAGE(self));

    if (!loading)
        marina_hw_page_set_loading(MARINA_HW_PAGE(self), TRUE);
    gtk_combo_box_text_remove_all(GTK_COMBO_BOX_TEXT(self->source_combo));
    for (guint i = 0; names != NULL && names[i] != NULL; i++)
        gtk_combo_box_text_append(GTK_COMBO_BOX_TEXT(self->source_combo), names[i], names[i]);
    gtk_entry_set_text(entry, text);
    if (!loading)
        marina_hw_page_set_loading(MARINA_HW_PAGE(self), FALSE);
}

static void
on_networks(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) networks =
        marina_host_list_networks_finish(MARINA_HOST(source), result, &error);
    g_autoptr(GPtrArray) names = g_ptr_array_new();
    MarinaHwNicPage *self;

    if (marina_ui_is_cancelled(error))
        return;
    self = MARINA_HW_NIC_PAGE(user_data);
    if (networks == NULL) {
        g_debug("No network list: %s", error->message);
        return;
    }
    for (guint i = 0; i < networks->len; i++)
        g_ptr_array_add(names, g_strdup(((MarinaNetworkRecord *)networks->pdata[i])->name));
    g_ptr_array_add(names, NULL);
    g_strfreev(self->networks);
    self->networks = (GStrv)g_ptr_array_free(g_steal_pointer(&names), FALSE);
    fill_sources(self);
}

static void
on_interfaces(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) ifaces =
        marina_host_list_host_interfaces_finish(MARINA_HOST(source), result, &error);
    g_autoptr(GPtrArray) names = g_ptr_array_new();
    MarinaHwNicPage *self;

    if (marina_ui_is_cancelled(error))
        return;
    self = MARINA_HW_NIC_PAGE(user_data);
    if (ifaces == NULL) {
        g_debug("No host interface list: %s", error->message);
        return;
    }
    for (guint i = 0; i < ifaces->len; i++) {
        const MarinaHostInterface *iface = ifaces->pdata[i];

        if (g_strcmp0(iface->kind, "bridge") == 0)
            g_ptr_array_add(names, g_strdup(iface->name));
    }
    g_ptr_array_add(names, NULL);
    g_strfreev(self->bridges);
    self->bridges = (GStrv)g_ptr_array_free(g_steal_pointer(&names), FALSE);
    fill_sources(self);
}

/* The host's networks and bridges, for the list; the page works with a
 * typed name while they load (or when the host cannot say). */
static void
list_sources(MarinaHwNicPage *self)
{
    g_autoptr(MarinaHost) host = NULL;

    g_cancellable_cancel(self->sources);
    g_clear_object(&self->sources);
    if (self->domain == NULL)
        return;
    self->sources = g_cancellable_new();
    host = marina_host_new(marina_domain_get_connection(self->domain));
    /* The page outlives both calls: dispose cancels them first. */
    marina_host_list_networks_async(host, self->sources, on_networks, self);
    marina_host_list_host_interfaces_async(host, self->sources, on_interfaces, self);
}

static void
update_source(MarinaHwNicPage *self)
{
    const char *type = gtk_combo_box_get_active_id(self->type_combo);
    gboolean user = g_strcmp0(type, "user") == 0;

    gtk_widget_set_sensitive(GTK_WIDGET(self->source_combo), !user);
    fill_sources(self);
    gtk_label_set_text(self->source_label,
                       g_strcmp0(type, "bridge") == 0 ? _("Bridge name:") : _("Network name:"));
}

static char *
addresses_text(const MarinaInterfaceAddresses *iface)
{
    GString *text = g_string_new(NULL);

    for (guint i = 0; iface->addresses != NULL && i < iface->addresses->len; i++) {
        const MarinaIpAddress *address = iface->addresses->pdata[i];

        g_string_append_printf(text, "%s%s/%u", text->len > 0 ? ", " : "", address->address,
                               address->prefix);
    }
    return g_string_free(text, FALSE);
}

static void
on_addresses(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) ifaces =
        marina_domain_get_interface_addresses_finish(MARINA_DOMAIN(source), result, &error);
    MarinaHwNicPage *self;

    if (marina_ui_is_cancelled(error))
        return;
    self = MARINA_HW_NIC_PAGE(user_data);
    if (ifaces == NULL) {
        g_debug("No addresses for %s: %s", self->mac, error->message);
        gtk_label_set_text(self->address_value, _("Unknown"));
        return;
    }
    for (guint i = 0; i < ifaces->len; i++) {
        const MarinaInterfaceAddresses *iface = ifaces->pdata[i];

        if (self->mac != NULL && g_ascii_strcasecmp(iface->mac, self->mac) == 0) {
            g_autofree char *text = addresses_text(iface);

            gtk_label_set_text(self->address_value, text);
            return;
        }
    }
    gtk_label_set_text(self->address_value,
                       _("Unknown: no DHCP lease of Marina's virtual networks has it"));
}

/* The addresses of a running interface, from the leases of Marina's
 * networks (a user-mode or bridged interface has none there). */
static void
query_addresses(MarinaHwNicPage *self, gboolean running)
{
    g_cancellable_cancel(self->addresses);
    g_clear_object(&self->addresses);
    if (!running || self->domain == NULL) {
        gtk_label_set_text(self->address_value, _("None while the guest is shut off"));
        return;
    }
    gtk_label_set_text(self->address_value, _("Looking it up…"));
    self->addresses = g_cancellable_new();
    /* The page outlives the query: dispose cancels it first. */
    marina_domain_get_interface_addresses_async(self->domain, "lease", self->addresses,
                                                on_addresses, self);
}

void
marina_hw_nic_page_set_domain(MarinaHwNicPage *self, MarinaDomain *domain)
{
    g_return_if_fail(MARINA_IS_HW_NIC_PAGE(self));
    g_set_object(&self->domain, domain);
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
    fill_sources(self);
    marina_hw_page_entry_set(GTK_ENTRY(gtk_bin_get_child(GTK_BIN(self->source_combo))),
                             iface->source);
    list_sources(self);
    marina_hw_page_combo_set(self->model_combo, iface->model, "virtio");
    marina_hw_page_entry_set(self->mac_entry, iface->mac);
    gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(self->link_check), !iface->link_down);
    query_addresses(self, live != NULL);
    update_source(self);
    marina_hw_page_mark_pending(GTK_WIDGET(self->model_combo),
                                running != NULL && g_strcmp0(running->model, iface->model) != 0);
    marina_hw_page_mark_pending(GTK_WIDGET(self->type_combo),
                                running != NULL && (running->type != iface->type ||
                                                    g_strcmp0(running->source, iface->source)));
    marina_hw_page_mark_pending(GTK_WIDGET(self->link_check),
                                running != NULL && running->link_down != iface->link_down);
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
    iface->link_down = !gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(self->link_check));
    return TRUE;
}

static void
nic_page_iface_init(MarinaHwPageInterface *iface)
{
    iface->load = load;
    iface->store = store;
}

static void
marina_hw_nic_page_dispose(GObject *object)
{
    MarinaHwNicPage *self = MARINA_HW_NIC_PAGE(object);

    g_cancellable_cancel(self->addresses);
    g_clear_object(&self->addresses);
    g_cancellable_cancel(self->sources);
    g_clear_object(&self->sources);
    g_clear_object(&self->domain);
    G_OBJECT_CLASS(marina_hw_nic_page_parent_class)->dispose(object);
}

static void
marina_hw_nic_page_finalize(GObject *object)
{
    g_free(MARINA_HW_NIC_PAGE(object)->mac);
    g_strfreev(MARINA_HW_NIC_PAGE(object)->networks);
    g_strfreev(MARINA_HW_NIC_PAGE(object)->bridges);
    G_OBJECT_CLASS(marina_hw_nic_page_parent_class)->finalize(object);
}

static void
marina_hw_nic_page_class_init(MarinaHwNicPageClass *klass)
{
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    G_OBJECT_CLASS(klass)->dispose = marina_hw_nic_page_dispose;
    G_OBJECT_CLASS(klass)->finalize = marina_hw_nic_page_finalize;
    gtk_widget_class_set_template_from_resource(widget_class,
                                                "/org/marinavm/Marina/ui/hw-nic-page.ui");
#define BIND(name) gtk_widget_class_bind_template_child(widget_class, MarinaHwNicPage, name)
    BIND(type_combo);
    BIND(source_label);
    BIND(source_combo);
    BIND(model_combo);
    BIND(mac_entry);
    BIND(link_check);
    BIND(address_value);
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
    marina_hw_page_watch(MARINA_HW_PAGE(self), self->link_check);
}
