/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-hw-page"

#include "config.h"

#include "hw-graphics-page.h"

#include <glib/gi18n.h>
#include <string.h>

#include "form-util.h"
#include "hw-page.h"

/* VNC passwords longer than this are cut by the protocol (DES key). */
#define VNC_PASSWORD_MAX 8

struct _MarinaHwGraphicsPage {
    GtkScrolledWindow parent_instance;

    guint index;

    GtkComboBox *type_combo;
    GtkComboBox *listen_combo;
    GtkCheckButton *autoport_check;
    GtkSpinButton *port_spin;
    GtkEntry *password_entry;
    GtkEntry *keymap_entry;
};

MARINA_HW_PAGE_DEFINE(MarinaHwGraphicsPage, marina_hw_graphics_page, MARINA_TYPE_HW_GRAPHICS_PAGE,
                      graphics_page_iface_init)

static void
update_port(MarinaHwGraphicsPage *self)
{
    gtk_widget_set_sensitive(
        GTK_WIDGET(self->port_spin),
        !gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(self->autoport_check)));
}

static void
load(MarinaHwPage *page, const MarinaDomainConfig *config, const MarinaDomainConfig *live,
     guint index)
{
    MarinaHwGraphicsPage *self = MARINA_HW_GRAPHICS_PAGE(page);
    const MarinaGraphicsConfig *g =
        index < config->graphics->len ? config->graphics->pdata[index] : NULL;
    const MarinaGraphicsConfig *running =
        live != NULL && index < live->graphics->len ? live->graphics->pdata[index] : NULL;

    if (g == NULL)
        return;
    self->index = index;
    marina_hw_page_combo_set(self->type_combo, g->type, "vnc");
    /* Loopback unless the definition says otherwise: a VNC server open to the
     * network is a choice, not a default. */
    marina_hw_page_combo_set(self->listen_combo, g->listen, "127.0.0.1");
    gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(self->autoport_check), g->port < 0);
    gtk_spin_button_set_value(self->port_spin, g->port >= 5900 ? g->port : 5900);
    marina_hw_page_entry_set(self->password_entry, g->password);
    marina_hw_page_entry_set(self->keymap_entry, g->keymap);
    update_port(self);
    marina_hw_page_mark_pending(GTK_WIDGET(self->listen_combo),
                                running != NULL && (g_strcmp0(running->listen, g->listen) != 0 ||
                                                    running->port != g->port));
    marina_hw_page_mark_pending(GTK_WIDGET(self->password_entry),
                                running != NULL && g_strcmp0(running->password, g->password) != 0);
}

static gboolean
store(MarinaHwPage *page, MarinaDomainConfig *config, GError **error)
{
    MarinaHwGraphicsPage *self = MARINA_HW_GRAPHICS_PAGE(page);
    MarinaGraphicsConfig *g =
        self->index < config->graphics->len ? config->graphics->pdata[self->index] : NULL;
    g_autofree char *listen = marina_hw_page_combo_get(self->listen_combo);
    g_autofree char *password = marina_hw_page_entry_get(self->password_entry);
    g_autoptr(GInetAddress) address = NULL;
    gboolean autoport = gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(self->autoport_check));
    double port = -1;

    if (g == NULL) {
        marina_hw_page_set_error(error, _("Display"),
                                 _("the guest has no such display any more. Choose another "
                                   "device."));
        return FALSE;
    }
    address = listen != NULL ? g_inet_address_new_from_string(listen) : NULL;
    if (listen != NULL && address == NULL) {
        marina_hw_page_set_error(error, _("Listen address"),
                                 _("“%s” is not an IP address. Choose 127.0.0.1 (this computer "
                                   "only) or type an address of the host."),
                                 listen);
        return FALSE;
    }
    if (password != NULL && strlen(password) > VNC_PASSWORD_MAX) {
        marina_hw_page_set_error(error, _("Password"),
                                 _("VNC uses at most %d characters of a password. Choose a "
                                   "shorter one."),
                                 VNC_PASSWORD_MAX);
        return FALSE;
    }
    /* The number typed, not the one the spin button still holds. */
    if (!autoport &&
        (!marina_form_spin_text_value(self->port_spin, &port) || port < 5900 || port > 65535)) {
        marina_hw_page_set_error(error, _("Port"),
                                 _("“%s” is not allowed; give a port from 5900 to 65535, or "
                                   "choose it automatically."),
                                 gtk_entry_get_text(GTK_ENTRY(self->port_spin)));
        return FALSE;
    }
    g_free(g->listen);
    g->listen = g_steal_pointer(&listen);
    g->port = autoport ? -1 : (int)port;
    g_free(g->password);
    g->password = g_steal_pointer(&password);
    g_free(g->keymap);
    g->keymap = marina_hw_page_entry_get(self->keymap_entry);
    return TRUE;
}

static void
graphics_page_iface_init(MarinaHwPageInterface *iface)
{
    iface->load = load;
    iface->store = store;
}

static void
marina_hw_graphics_page_class_init(MarinaHwGraphicsPageClass *klass)
{
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    gtk_widget_class_set_template_from_resource(widget_class,
                                                "/org/marinavm/Marina/ui/hw-graphics-page.ui");
#define BIND(name) gtk_widget_class_bind_template_child(widget_class, MarinaHwGraphicsPage, name)
    BIND(type_combo);
    BIND(listen_combo);
    BIND(autoport_check);
    BIND(port_spin);
    BIND(password_entry);
    BIND(keymap_entry);
#undef BIND
}

static void
marina_hw_graphics_page_init(MarinaHwGraphicsPage *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
    gtk_entry_set_visibility(self->password_entry, FALSE);
    g_signal_connect_swapped(self->autoport_check, "toggled", G_CALLBACK(update_port), self);
    marina_hw_page_watch(MARINA_HW_PAGE(self), self->listen_combo);
    marina_hw_page_watch(MARINA_HW_PAGE(self), self->autoport_check);
    marina_hw_page_watch(MARINA_HW_PAGE(self), self->port_spin);
    marina_hw_page_watch(MARINA_HW_PAGE(self), self->password_entry);
    marina_hw_page_watch(MARINA_HW_PAGE(self), self->keymap_entry);
}
