/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-wizard-summary"

#include "config.h"

#include "wizard-summary-page.h"

#include <glib/gi18n.h>
#include <string.h>

#include "domain-config.h"
#include "form-util.h"

/* Linux's limit on interface names, less the final NUL. */
#define MAX_BRIDGE_NAME 15

struct _MarinaWizardSummaryPage {
    GtkBox parent_instance;

    MarinaWizardHost *host;
    gboolean setting; /* widgets are being set by the page, not by a person */
    gboolean name_touched;

    /* template children */
    GtkEntry *name_entry;
    GtkLabel *name_error;
    GtkLabel *summary_os;
    GtkLabel *summary_install;
    GtkLabel *summary_memory;
    GtkLabel *summary_vcpus;
    GtkLabel *summary_storage;
    GtkComboBoxText *network_combo;
    GtkWidget *bridge_label;
    GtkEntry *bridge_entry;
    GtkLabel *network_error;
    GtkToggleButton *customize_check;
    GtkLabel *finish_error;

    /* The hardware a customized guest is defined with. */
    GtkWidget *hardware_revealer;
    GtkComboBoxText *firmware_combo;
    GtkComboBoxText *chipset_combo;
    GtkComboBoxText *arch_combo;
};

enum { SIGNAL_NAME_CHECKED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE(MarinaWizardSummaryPage, marina_wizard_summary_page, GTK_TYPE_BOX)

static void fill_arch_combo(MarinaWizardSummaryPage *self);

/* ---------------------------------------------------------------- the name */

static char *
name_problem(MarinaWizardSummaryPage *self, const char *name)
{
    g_autoptr(GError) error = NULL;

    if (*name == '\0')
        return g_strdup(_("Enter a name for the guest."));
    if (!marina_domain_name_is_valid(name, &error))
        return g_strdup(error->message);
    if (self->host != NULL && marina_wizard_host_has_guest(self->host, name))
        return g_strdup_printf(_("A guest named '%s' already exists. Choose another name."), name);
    return NULL;
}

gboolean
marina_wizard_summary_page_check_name(MarinaWizardSummaryPage *self)
{
    g_autofree char *name = NULL;
    g_autofree char *problem = NULL;

    g_return_val_if_fail(MARINA_IS_WIZARD_SUMMARY_PAGE(self), FALSE);
    name = marina_form_entry_text(self->name_entry);
    problem = name_problem(self, name);
    marina_form_set_message(self->name_error, problem);
    g_signal_emit(self, signals[SIGNAL_NAME_CHECKED], 0);
    return problem == NULL;
}

gboolean
marina_wizard_summary_page_name_ok(MarinaWizardSummaryPage *self)
{
    g_return_val_if_fail(MARINA_IS_WIZARD_SUMMARY_PAGE(self), FALSE);
    return *gtk_label_get_text(self->name_error) == '\0';
}

char *
marina_wizard_summary_page_get_name(MarinaWizardSummaryPage *self)
{
    g_return_val_if_fail(MARINA_IS_WIZARD_SUMMARY_PAGE(self), NULL);
    return marina_form_entry_text(self->name_entry);
}

/* @base, or @base-2, -3, … when it is taken. */
static char *
unique_name(MarinaWizardSummaryPage *self, const char *base)
{
    g_autofree char *problem = name_problem(self, base);

    if (problem == NULL)
        return g_strdup(base);
    for (guint i = 2; i < 1000; i++) {
        g_autofree char *name = g_strdup_printf("%s-%u", base, i);
        g_autofree char *taken = name_problem(self, name);

        if (taken == NULL)
            return g_steal_pointer(&name);
    }
    return g_strdup(base);
}

/* ---------------------------------------------------------------- the network */

static void
update_network(MarinaWizardSummaryPage *self)
{
    gboolean bridge =
        g_strcmp0(gtk_combo_box_get_active_id(GTK_COMBO_BOX(self->network_combo)), "bridge") == 0;

    gtk_widget_set_visible(self->bridge_label, bridge);
    gtk_widget_set_visible(GTK_WIDGET(self->bridge_entry), bridge);
    marina_form_set_message(self->network_error, NULL);
}

static void
fill_network_combo(MarinaWizardSummaryPage *self)
{
    g_autofree char *previous =
        g_strdup(gtk_combo_box_get_active_id(GTK_COMBO_BOX(self->network_combo)));

    self->setting = TRUE;
    gtk_combo_box_text_remove_all(self->network_combo);
    gtk_combo_box_text_append(self->network_combo, "user", _("Usermode networking (NAT)"));
    if (self->host != NULL && marina_wizard_host_is_system(self->host)) {
        const char *const *bridges = marina_wizard_host_get_bridges(self->host);

        /* The host's bridges by name, then any other name typed in. */
        for (const char *const *b = bridges; b != NULL && *b != NULL; b++) {
            g_autofree char *id = g_strdup_printf("bridge=%s", *b);
            g_autofree char *label = g_strdup_printf(_("Bridge %s (host device)"), *b);
            gtk_combo_box_text_append(self->network_combo, id, label);
        }
        gtk_combo_box_text_append(self->network_combo, "bridge", _("Specify bridge device…"));
    }
    gtk_combo_box_text_append(self->network_combo, "none", _("No network"));
    if (previous == NULL ||
        !gtk_combo_box_set_active_id(GTK_COMBO_BOX(self->network_combo), previous))
        gtk_combo_box_set_active_id(GTK_COMBO_BOX(self->network_combo), "user");
    self->setting = FALSE;
}

char *
marina_wizard_summary_page_get_network(MarinaWizardSummaryPage *self)
{
    const char *id;
    g_autofree char *bridge = NULL;

    g_return_val_if_fail(MARINA_IS_WIZARD_SUMMARY_PAGE(self), NULL);
    /* A listed host bridge's id is already "bridge=NAME". */
    id = gtk_combo_box_get_active_id(GTK_COMBO_BOX(self->network_combo));
    if (g_strcmp0(id, "bridge") != 0)
        return g_strdup(id != NULL ? id : "user");
    bridge = marina_form_entry_text(self->bridge_entry);
    if (*bridge == '\0' || strlen(bridge) > MAX_BRIDGE_NAME ||
        strspn(bridge, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") !=
            strlen(bridge)) {
        marina_form_set_message(self->network_error,
                                _("Enter the name of a bridge device on the host, e.g. br0 "
                                  "(letters, digits, '.', '-' and '_', at most 15)."));
        return NULL;
    }
    return g_strdup_printf("bridge=%s", bridge);
}

static void
on_host_changed(MarinaWizardHost *host, guint what, MarinaWizardSummaryPage *self)
{
    if (what & (MARINA_WIZARD_HOST_CONNECTION | MARINA_WIZARD_HOST_NODE | MARINA_WIZARD_HOST_MODE))
        fill_network_combo(self);
    if (what & (MARINA_WIZARD_HOST_CONNECTION | MARINA_WIZARD_HOST_NODE))
        fill_arch_combo(self);
}

void
marina_wizard_summary_page_set_host(MarinaWizardSummaryPage *self, MarinaWizardHost *host)
{
    g_return_if_fail(MARINA_IS_WIZARD_SUMMARY_PAGE(self));
    g_return_if_fail(self->host == NULL);
    self->host = g_object_ref(host);
    g_signal_connect_object(host, "changed", G_CALLBACK(on_host_changed), self, 0);
}

/* ---------------------------------------------------------------- the hardware */

/* The architectures the host's QEMU runs: an x86_64 QEMU (qemu-system-x86_64)
 * runs 32-bit guests too. */
static void
fill_arch_combo(MarinaWizardSummaryPage *self)
{
    const char *host_arch = self->host != NULL ? marina_wizard_host_get_arch(self->host) : NULL;
    g_autofree char *previous =
        g_strdup(gtk_combo_box_get_active_id(GTK_COMBO_BOX(self->arch_combo)));

    self->setting = TRUE;
    gtk_combo_box_text_remove_all(self->arch_combo);
    if (host_arch == NULL || g_str_equal(host_arch, "x86_64"))
        gtk_combo_box_text_append(self->arch_combo, "x86_64", "x86_64");
    gtk_combo_box_text_append(self->arch_combo, "i686", "i686");
    if (previous == NULL || !gtk_combo_box_set_active_id(GTK_COMBO_BOX(self->arch_combo), previous))
        gtk_combo_box_set_active(GTK_COMBO_BOX(self->arch_combo), 0);
    self->setting = FALSE;
}

static GtkComboBoxText *
add_hardware_row(GtkGrid *grid, int row, const char *mnemonic, const char *accessible_name)
{
    GtkWidget *label = gtk_label_new_with_mnemonic(mnemonic);
    GtkWidget *combo = gtk_combo_box_text_new();

    gtk_label_set_xalign(GTK_LABEL(label), 0);
    gtk_label_set_mnemonic_widget(GTK_LABEL(label), combo);
    gtk_widget_set_hexpand(combo, TRUE);
    marina_form_set_accessible_name(combo, accessible_name);
    gtk_grid_attach(grid, label, 0, row, 1, 1);
    gtk_grid_attach(grid, combo, 1, row, 1, 1);
    return GTK_COMBO_BOX_TEXT(combo);
}

/* Firmware, chipset and architecture, shown with "Customize configuration
 * before install" as virt-manager's Overview offers them. */
static void
build_hardware(MarinaWizardSummaryPage *self)
{
    GtkWidget *grid = gtk_grid_new();
    GValue position = G_VALUE_INIT;

    gtk_grid_set_row_spacing(GTK_GRID(grid), 8);
    gtk_grid_set_column_spacing(GTK_GRID(grid), 12);
    gtk_widget_set_margin_start(grid, 24);
    self->firmware_combo = add_hardware_row(GTK_GRID(grid), 0, _("_Firmware:"), _("Firmware"));
    gtk_combo_box_text_append(self->firmware_combo, "bios", _("BIOS"));
    gtk_combo_box_text_append(self->firmware_combo, "efi", _("UEFI (OVMF)"));
    gtk_combo_box_set_active_id(GTK_COMBO_BOX(self->firmware_combo), "bios");
    self->chipset_combo = add_hardware_row(GTK_GRID(grid), 1, _("C_hipset:"), _("Chipset"));
    gtk_combo_box_text_append(self->chipset_combo, "pc", "i440FX");
    gtk_combo_box_text_append(self->chipset_combo, "q35", "Q35");
    gtk_combo_box_set_active_id(GTK_COMBO_BOX(self->chipset_combo), "pc");
    self->arch_combo = add_hardware_row(GTK_GRID(grid), 2, _("_Architecture:"), _("Architecture"));
    fill_arch_combo(self);

    self->hardware_revealer = gtk_revealer_new();
    gtk_container_add(GTK_CONTAINER(self->hardware_revealer), grid);
    gtk_widget_show_all(self->hardware_revealer);
    g_object_bind_property(self->customize_check, "active", self->hardware_revealer, "reveal-child",
                           G_BINDING_SYNC_CREATE);
    gtk_box_pack_start(GTK_BOX(self), self->hardware_revealer, FALSE, FALSE, 0);
    /* Right below the check box that reveals it. */
    g_value_init(&position, G_TYPE_INT);
    gtk_container_child_get_property(GTK_CONTAINER(self), GTK_WIDGET(self->customize_check),
                                     "position", &position);
    gtk_box_reorder_child(GTK_BOX(self), self->hardware_revealer, g_value_get_int(&position) + 1);
}

void
marina_wizard_summary_page_fill_spec(MarinaWizardSummaryPage *self, MarinaInstallSpec *spec)
{
    const char *firmware, *machine, *arch;

    g_return_if_fail(MARINA_IS_WIZARD_SUMMARY_PAGE(self));
    /* Only what the person could see and choose: the defaults otherwise. */
    if (!gtk_toggle_button_get_active(self->customize_check))
        return;
    firmware = gtk_combo_box_get_active_id(GTK_COMBO_BOX(self->firmware_combo));
    machine = gtk_combo_box_get_active_id(GTK_COMBO_BOX(self->chipset_combo));
    arch = gtk_combo_box_get_active_id(GTK_COMBO_BOX(self->arch_combo));
    g_free(spec->firmware);
    spec->firmware = g_strdup(firmware);
    g_free(spec->machine);
    spec->machine = g_strdup(machine);
    g_free(spec->arch);
    spec->arch = g_strdup(arch);
}

/* ---------------------------------------------------------------- the rest */

void
marina_wizard_summary_page_show(MarinaWizardSummaryPage *self, const MarinaOsInfo *os,
                                const char *install, double memory_mib, int vcpus,
                                const char *storage)
{
    g_autofree char *memory = g_strdup_printf(_("%.0f MiB"), memory_mib);
    g_autofree char *vcpus_text = g_strdup_printf("%d", vcpus);

    g_return_if_fail(MARINA_IS_WIZARD_SUMMARY_PAGE(self));
    marina_form_set_message(self->finish_error, NULL);
    gtk_label_set_text(self->summary_os, os->name);
    gtk_label_set_text(self->summary_install, install);
    gtk_label_set_text(self->summary_memory, memory);
    gtk_label_set_text(self->summary_vcpus, vcpus_text);
    gtk_label_set_text(self->summary_storage, storage);
    if (!self->name_touched) {
        g_autofree char *name = unique_name(self, os->short_id);

        self->setting = TRUE;
        gtk_entry_set_text(self->name_entry, name);
        self->setting = FALSE;
    }
    marina_wizard_summary_page_check_name(self);
    update_network(self);
}

gboolean
marina_wizard_summary_page_get_customize(MarinaWizardSummaryPage *self)
{
    g_return_val_if_fail(MARINA_IS_WIZARD_SUMMARY_PAGE(self), FALSE);
    return gtk_toggle_button_get_active(self->customize_check);
}

void
marina_wizard_summary_page_set_finish_error(MarinaWizardSummaryPage *self, const char *message)
{
    g_return_if_fail(MARINA_IS_WIZARD_SUMMARY_PAGE(self));
    marina_form_set_message(self->finish_error, message);
}

static void
on_changed(MarinaWizardSummaryPage *self, GtkWidget *widget)
{
    if (!self->setting && !gtk_widget_in_destruction(GTK_WIDGET(self)))
        update_network(self);
}

static void
on_name_changed(GtkEditable *editable, MarinaWizardSummaryPage *self)
{
    if (gtk_widget_in_destruction(GTK_WIDGET(self)))
        return;
    if (!self->setting)
        self->name_touched = TRUE;
    marina_wizard_summary_page_check_name(self);
}

static void
on_bridge_changed(GtkEditable *editable, MarinaWizardSummaryPage *self)
{
    if (!gtk_widget_in_destruction(GTK_WIDGET(self)))
        marina_form_set_message(self->network_error, NULL);
}

static void
marina_wizard_summary_page_dispose(GObject *object)
{
    MarinaWizardSummaryPage *self = MARINA_WIZARD_SUMMARY_PAGE(object);

    g_clear_object(&self->host);
    G_OBJECT_CLASS(marina_wizard_summary_page_parent_class)->dispose(object);
}

static void
marina_wizard_summary_page_class_init(MarinaWizardSummaryPageClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    object_class->dispose = marina_wizard_summary_page_dispose;
    signals[SIGNAL_NAME_CHECKED] =
        g_signal_new("name-checked", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                     NULL, G_TYPE_NONE, 0);

    gtk_widget_class_set_template_from_resource(widget_class,
                                                "/org/marinavm/Marina/ui/wizard-summary-page.ui");
#define BIND(name) gtk_widget_class_bind_template_child(widget_class, MarinaWizardSummaryPage, name)
    BIND(name_entry);
    BIND(name_error);
    BIND(summary_os);
    BIND(summary_install);
    BIND(summary_memory);
    BIND(summary_vcpus);
    BIND(summary_storage);
    BIND(network_combo);
    BIND(bridge_label);
    BIND(bridge_entry);
    BIND(network_error);
    BIND(customize_check);
    BIND(finish_error);
#undef BIND
    gtk_widget_class_bind_template_callback(widget_class, on_changed);
}

static void
marina_wizard_summary_page_init(MarinaWizardSummaryPage *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
    marina_form_set_accessible_name(self->name_entry, _("Name"));
    marina_form_set_accessible_name(self->name_error, _("Name error"));
    marina_form_set_accessible_name(self->summary_os, _("Summary: operating system"));
    marina_form_set_accessible_name(self->summary_install, _("Summary: install"));
    marina_form_set_accessible_name(self->summary_memory, _("Summary: memory"));
    marina_form_set_accessible_name(self->summary_vcpus, _("Summary: vCPUs"));
    marina_form_set_accessible_name(self->summary_storage, _("Summary: storage"));
    marina_form_set_accessible_name(self->network_combo, _("Network"));
    marina_form_set_accessible_name(self->bridge_entry, _("Bridge device"));
    marina_form_set_accessible_name(self->network_error, _("Network error"));
    marina_form_set_accessible_name(self->finish_error, _("Finish error"));
    g_signal_connect(self->name_entry, "changed", G_CALLBACK(on_name_changed), self);
    g_signal_connect(self->bridge_entry, "changed", G_CALLBACK(on_bridge_changed), self);

    fill_network_combo(self);
    build_hardware(self);
    marina_form_set_message(self->network_error, NULL);
    marina_form_set_message(self->finish_error, NULL);
    update_network(self);
}
