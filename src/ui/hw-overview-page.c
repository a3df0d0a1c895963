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
    /* Made here, in the cells of the labels above: a shut-off guest's name,
     * machine type and firmware can be changed (a running one's cannot). */
    GtkEntry *name_entry;
    GtkComboBoxText *machine_combo;
    GtkComboBoxText *firmware_combo;
    char *loaded_firmware; /* "bios" / "efi" as loaded */
    gboolean editable;
};

/* As the daemon's rule (domain-ids.c): longer names are refused there. */
#define OVERVIEW_MAX_NAME_LEN 64

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

static const char *
firmware_id(const MarinaDomainConfig *config)
{
    return g_strcmp0(config->firmware, "efi") == 0 || config->loader != NULL ? "efi" : "bios";
}

/* The label shows the value of a running guest; the widget edits it. */
static void
show_editable(GtkWidget *label, GtkWidget *editor, gboolean editable)
{
    gtk_widget_set_visible(label, !editable);
    gtk_widget_set_visible(editor, editable);
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
    /* The daemon renames, and changes machine and firmware, only while the
     * guest is shut off (Domain.Rename; the next definition). */
    self->editable = live == NULL;
    gtk_label_set_text(self->name_value, config->name);
    marina_hw_page_entry_set(self->name_entry, config->name);
    marina_hw_page_entry_set(self->title_entry, config->title);
    gtk_text_buffer_set_text(gtk_text_view_get_buffer(self->description_view),
                             config->description != NULL ? config->description : "", -1);
    gtk_label_set_text(self->uuid_value, config->uuid);
    gtk_label_set_text(self->machine_value, machine);
    marina_hw_page_combo_set(GTK_COMBO_BOX(self->machine_combo), config->machine, "pc");
    gtk_label_set_text(self->firmware_value, firmware);
    g_free(self->loaded_firmware);
    self->loaded_firmware = g_strdup(firmware_id(config));
    gtk_combo_box_set_active_id(GTK_COMBO_BOX(self->firmware_combo), self->loaded_firmware);
    gtk_label_set_text(self->emulator_value,
                       config->emulator != NULL ? config->emulator : _("The host's default QEMU"));
    show_editable(GTK_WIDGET(self->name_value), GTK_WIDGET(self->name_entry), self->editable);
    show_editable(GTK_WIDGET(self->machine_value), GTK_WIDGET(self->machine_combo), self->editable);
    show_editable(GTK_WIDGET(self->firmware_value), GTK_WIDGET(self->firmware_combo),
                  self->editable);
}

/* BIOS drops what only UEFI has; UEFI lets the daemon pick OVMF and make
 * the NVRAM (and refuse when the host has no OVMF). */
static void
store_firmware(MarinaHwOverviewPage *self, MarinaDomainConfig *config)
{
    const char *chosen = gtk_combo_box_get_active_id(GTK_COMBO_BOX(self->firmware_combo));

    if (chosen == NULL || g_strcmp0(chosen, self->loaded_firmware) == 0)
        return;
    g_clear_pointer(&config->loader, g_free);
    g_clear_pointer(&config->nvram, g_free);
    g_clear_pointer(&config->nvram_template, g_free);
    g_free(config->firmware);
    config->firmware = g_str_equal(chosen, "efi") ? g_strdup("efi") : NULL;
}

static gboolean
store(MarinaHwPage *page, MarinaDomainConfig *config, GError **error)
{
    MarinaHwOverviewPage *self = MARINA_HW_OVERVIEW_PAGE(page);
    GtkTextBuffer *buffer = gtk_text_view_get_buffer(self->description_view);
    GtkTextIter start, end;
    g_autofree char *description = NULL;

    gtk_text_buffer_get_bounds(buffer, &start, &end);
    description = gtk_text_buffer_get_text(buffer, &start, &end, FALSE);
    if (self->editable) {
        g_autofree char *name = marina_hw_page_entry_get(self->name_entry);
        g_autofree char *machine = marina_hw_page_combo_get(GTK_COMBO_BOX(self->machine_combo));
        g_autoptr(GError) local = NULL;

        if (!marina_domain_name_is_valid(name, &local)) {
            marina_hw_page_set_error(error, _("Name"), "%s", local->message);
            return FALSE;
        }
        if (machine == NULL) {
            marina_hw_page_set_error(error, _("Machine type"),
                                     _("Choose a machine type, e.g. q35 or pc."));
            return FALSE;
        }
        g_free(config->name);
        config->name = g_steal_pointer(&name);
        g_free(config->machine);
        config->machine = g_steal_pointer(&machine);
        store_firmware(self, config);
    }
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
marina_hw_overview_page_finalize(GObject *object)
{
    g_free(MARINA_HW_OVERVIEW_PAGE(object)->loaded_firmware);
    G_OBJECT_CLASS(marina_hw_overview_page_parent_class)->finalize(object);
}

static void
marina_hw_overview_page_class_init(MarinaHwOverviewPageClass *klass)
{
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    G_OBJECT_CLASS(klass)->finalize = marina_hw_overview_page_finalize;

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

/* @editor takes the grid cell of @label (both stay; load() shows one). */
static void
put_beside(GtkWidget *label, GtkWidget *editor, const char *accessible_name)
{
    GtkWidget *grid = gtk_widget_get_parent(label);
    int left = 0, top = 0;

    gtk_container_child_get(GTK_CONTAINER(grid), label, "left-attach", &left, "top-attach", &top,
                            NULL);
    gtk_widget_set_hexpand(editor, TRUE);
    atk_object_set_name(gtk_widget_get_accessible(editor), accessible_name);
    gtk_grid_attach(GTK_GRID(grid), editor, left, top, 1, 1);
}

static void
marina_hw_overview_page_init(MarinaHwOverviewPage *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
    self->name_entry = GTK_ENTRY(gtk_entry_new());
    gtk_entry_set_max_length(self->name_entry, OVERVIEW_MAX_NAME_LEN);
    put_beside(GTK_WIDGET(self->name_value), GTK_WIDGET(self->name_entry), _("Name"));
    self->machine_combo = GTK_COMBO_BOX_TEXT(gtk_combo_box_text_new_with_entry());
    /* QEMU's names, typed as they are (the entry's text is the value):
     * q35 (PCIe), pc (i440FX); a versioned one stays as loaded. */
    gtk_combo_box_text_append(self->machine_combo, "q35", "q35");
    gtk_combo_box_text_append(self->machine_combo, "pc", "pc");
    put_beside(GTK_WIDGET(self->machine_value), GTK_WIDGET(self->machine_combo), _("Machine type"));
    self->firmware_combo = GTK_COMBO_BOX_TEXT(gtk_combo_box_text_new());
    gtk_combo_box_text_append(self->firmware_combo, "bios", _("BIOS"));
    gtk_combo_box_text_append(self->firmware_combo, "efi", _("UEFI (OVMF)"));
    put_beside(GTK_WIDGET(self->firmware_value), GTK_WIDGET(self->firmware_combo), _("Firmware"));
    marina_hw_page_watch(MARINA_HW_PAGE(self), self->name_entry);
    marina_hw_page_watch(MARINA_HW_PAGE(self), self->machine_combo);
    marina_hw_page_watch(MARINA_HW_PAGE(self), self->firmware_combo);
    marina_hw_page_watch(MARINA_HW_PAGE(self), self->title_entry);
    marina_hw_page_watch(MARINA_HW_PAGE(self), self->description_view);
}
