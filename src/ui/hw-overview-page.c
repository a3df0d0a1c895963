/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-hw-page"

#include "config.h"

#include "hw-overview-page.h"

#include <glib/gi18n.h>

#include "hw-page.h"

struct _MarinaHwOverviewPage {
    GtkScrolledWindow parent_instance;

    GtkLabel *name_value;
    GtkEntry *title_entry;
    GtkTextView *description_view;
    GtkLabel *uuid_value;
    GtkLabel *state_value;
    GtkLabel *machine_value;
    GtkLabel *firmware_value;
    GtkLabel *emulator_value;
};

MARINA_HW_PAGE_DEFINE(MarinaHwOverviewPage, marina_hw_overview_page, MARINA_TYPE_HW_OVERVIEW_PAGE,
                      overview_page_iface_init)

static char *
firmware_text(const MarinaDomainConfig *config)
{
    if (g_strcmp0(config->firmware, "efi") == 0 || config->loader != NULL) {
        const char *loader = config->loader != NULL ? config->loader : _("OVMF (automatic)");

        if (config->nvram != NULL)
            /* Translators: UEFI firmware, its loader file and its NVRAM (variables) file */
            return g_strdup_printf(_("UEFI: %s, NVRAM %s"), loader, config->nvram);
        return g_strdup_printf(_("UEFI: %s"), loader);
    }
    return g_strdup(_("BIOS"));
}

static void
load(MarinaHwPage *page, const MarinaDomainConfig *config, const MarinaDomainConfig *live,
     guint index)
{
    MarinaHwOverviewPage *self = MARINA_HW_OVERVIEW_PAGE(page);
    g_autofree char *firmware = firmware_text(config);
    g_autofree char *machine = g_strdup_printf("%s (%s)", config->machine ? config->machine : "pc",
                                               config->arch ? config->arch : "x86_64");

    (void)index;
    (void)live;
    /* Shown only: the daemon keys a definition by name and UUID together
     * and has no rename yet (redefining under a new name is refused). */
    gtk_label_set_text(self->name_value, config->name);
    marina_hw_page_entry_set(self->title_entry, config->title);
    gtk_text_buffer_set_text(gtk_text_view_get_buffer(self->description_view),
                             config->description != NULL ? config->description : "", -1);
    gtk_label_set_text(self->uuid_value, config->uuid);
    gtk_label_set_text(self->machine_value, machine);
    gtk_label_set_text(self->firmware_value, firmware);
    gtk_label_set_text(self->emulator_value,
                       config->emulator != NULL ? config->emulator : _("The host's default QEMU"));
}

static gboolean
store(MarinaHwPage *page, MarinaDomainConfig *config, GError **error)
{
    MarinaHwOverviewPage *self = MARINA_HW_OVERVIEW_PAGE(page);
    GtkTextBuffer *buffer = gtk_text_view_get_buffer(self->description_view);
    GtkTextIter start, end;
    g_autofree char *description = NULL;

    (void)error;
    gtk_text_buffer_get_bounds(buffer, &start, &end);
    description = gtk_text_buffer_get_text(buffer, &start, &end, FALSE);
    g_free(config->title);
    config->title = marina_hw_page_entry_get(self->title_entry);
    g_free(config->description);
    config->description = *description != '\0' ? g_steal_pointer(&description) : NULL;
    return TRUE;
}

void
marina_hw_overview_page_set_state(MarinaHwOverviewPage *self, const char *state)
{
    g_return_if_fail(MARINA_IS_HW_OVERVIEW_PAGE(self));
    gtk_label_set_text(self->state_value, state != NULL ? state : "");
}

static void
overview_page_iface_init(MarinaHwPageInterface *iface)
{
    iface->load = load;
    iface->store = store;
}

static void
marina_hw_overview_page_class_init(MarinaHwOverviewPageClass *klass)
{
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    gtk_widget_class_set_template_from_resource(widget_class,
                                                "/org/marinavm/Marina/ui/hw-overview-page.ui");
#define BIND(name) gtk_widget_class_bind_template_child(widget_class, MarinaHwOverviewPage, name)
    BIND(name_value);
    BIND(title_entry);
    BIND(description_view);
    BIND(uuid_value);
    BIND(state_value);
    BIND(machine_value);
    BIND(firmware_value);
    BIND(emulator_value);
#undef BIND
}

static void
marina_hw_overview_page_init(MarinaHwOverviewPage *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
    marina_hw_page_watch(MARINA_HW_PAGE(self), self->title_entry);
    marina_hw_page_watch(MARINA_HW_PAGE(self), self->description_view);
}
