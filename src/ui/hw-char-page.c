/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-hw-page"

#include "config.h"

#include "hw-char-page.h"

#include <glib/gi18n.h>

#include "form-util.h"
#include "hw-page.h"

struct _MarinaHwCharPage {
    GtkScrolledWindow parent_instance;

    guint index; /* serial ports first, then consoles */

    GtkLabel *heading;
    GtkComboBox *type_combo;
    GtkSpinButton *port_spin;
    GtkComboBox *target_combo;
};

MARINA_HW_PAGE_DEFINE(MarinaHwCharPage, marina_hw_char_page, MARINA_TYPE_HW_CHAR_PAGE,
                      char_page_iface_init)

static MarinaCharConfig *
char_at(const MarinaDomainConfig *config, guint index)
{
    if (index < config->serials->len)
        return config->serials->pdata[index];
    index -= config->serials->len;
    return index < config->consoles->len ? config->consoles->pdata[index] : NULL;
}

static void
load(MarinaHwPage *page, const MarinaDomainConfig *config, const MarinaDomainConfig *live,
     guint index)
{
    MarinaHwCharPage *self = MARINA_HW_CHAR_PAGE(page);
    const MarinaCharConfig *c = char_at(config, index);
    const MarinaCharConfig *running = live != NULL ? char_at(live, index) : NULL;

    if (c == NULL)
        return;
    self->index = index;
    gtk_label_set_text(self->heading, c->kind == MARINA_CHAR_CONSOLE ? _("Console") : _("Serial"));
    marina_hw_page_combo_set(self->type_combo, c->type, "pty");
    gtk_spin_button_set_value(self->port_spin, c->port);
    marina_hw_page_combo_set(self->target_combo, c->target_type,
                             c->kind == MARINA_CHAR_CONSOLE ? "serial" : "isa-serial");
    marina_hw_page_mark_pending(
        GTK_WIDGET(self->type_combo),
        running != NULL && (g_strcmp0(running->type, c->type) != 0 || running->port != c->port));
}

static gboolean
store(MarinaHwPage *page, MarinaDomainConfig *config, GError **error)
{
    MarinaHwCharPage *self = MARINA_HW_CHAR_PAGE(page);
    MarinaCharConfig *c = char_at(config, self->index);
    g_autofree char *target = marina_hw_page_combo_get(self->target_combo);
    double port = 0;

    if (c == NULL) {
        marina_hw_page_set_error(error, _("Serial"),
                                 _("the guest has no such serial port or console any more. "
                                   "Choose another device."));
        return FALSE;
    }
    if (!marina_form_spin_text_value(self->port_spin, &port) || port > 3) {
        marina_hw_page_set_error(error, _("Target port"),
                                 _("“%s” is not allowed; a guest has ports 0 to 3."),
                                 gtk_entry_get_text(GTK_ENTRY(self->port_spin)));
        return FALSE;
    }
    g_free(c->type);
    c->type = marina_hw_page_combo_get(self->type_combo);
    c->port = (guint)port;
    g_free(c->target_type);
    c->target_type = g_steal_pointer(&target);
    return TRUE;
}

static void
char_page_iface_init(MarinaHwPageInterface *iface)
{
    iface->load = load;
    iface->store = store;
}

static void
marina_hw_char_page_class_init(MarinaHwCharPageClass *klass)
{
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    gtk_widget_class_set_template_from_resource(widget_class,
                                                "/org/marinavm/Marina/ui/hw-char-page.ui");
    gtk_widget_class_bind_template_child(widget_class, MarinaHwCharPage, heading);
    gtk_widget_class_bind_template_child(widget_class, MarinaHwCharPage, type_combo);
    gtk_widget_class_bind_template_child(widget_class, MarinaHwCharPage, port_spin);
    gtk_widget_class_bind_template_child(widget_class, MarinaHwCharPage, target_combo);
}

static void
marina_hw_char_page_init(MarinaHwCharPage *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
    marina_hw_page_watch(MARINA_HW_PAGE(self), self->type_combo);
    marina_hw_page_watch(MARINA_HW_PAGE(self), self->port_spin);
    marina_hw_page_watch(MARINA_HW_PAGE(self), self->target_combo);
}
