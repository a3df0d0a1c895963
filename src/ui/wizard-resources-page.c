/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-wizard-resources"

#include "config.h"

#include "wizard-resources-page.h"

#include <glib/gi18n.h>
#include <inttypes.h>

#include "form-util.h"

#define MIN_MEMORY_MIB 64
#define MAX_VCPUS 255

struct _MarinaWizardResourcesPage {
    GtkBox parent_instance;

    MarinaWizardHost *host;
    const MarinaOsInfo *os; /* whose minimum the checks warn about */
    gboolean setting;       /* the spin buttons are set by the page, not by a person */
    gboolean memory_touched, vcpus_touched;

    /* template children */
    GtkSpinButton *memory_spin;
    GtkLabel *memory_hint;
    GtkSpinButton *vcpus_spin;
    GtkLabel *vcpus_hint;
    GtkLabel *resources_warning;
    GtkLabel *resources_error;
};

G_DEFINE_FINAL_TYPE(MarinaWizardResourcesPage, marina_wizard_resources_page, GTK_TYPE_BOX)

static guint64
host_memory_mib(MarinaWizardResourcesPage *self)
{
    return self->host != NULL ? marina_wizard_host_get_memory_mib(self->host) : 0;
}

static guint
host_cpus(MarinaWizardResourcesPage *self)
{
    return self->host != NULL ? marina_wizard_host_get_cpus(self->host) : 0;
}

static char *
memory_problem(MarinaWizardResourcesPage *self, double memory, GString *warnings)
{
    guint64 host = host_memory_mib(self);

    if (memory < MIN_MEMORY_MIB)
        return g_strdup_printf(_("%.0f MiB is too little memory: a guest needs at least %d MiB."),
                               memory, MIN_MEMORY_MIB);
    if (host > 0 && memory > (double)host)
        return g_strdup_printf(
            _("%.0f MiB is more memory than the host has (%llu MiB). Enter at most that."), memory,
            (unsigned long long)host);
    if (host > 0 && memory > 0.9 * (double)host)
        g_string_append_printf(warnings,
                               _("%.0f MiB is more than 90%% of the host's memory (%llu MiB): "
                                 "the host and other guests may run short.\n"),
                               memory, (unsigned long long)host);
    if (self->os != NULL && self->os->min_memory_mib > 0 &&
        memory < (double)self->os->min_memory_mib)
        g_string_append_printf(warnings, _("%s needs at least %llu MiB of memory.\n"),
                               self->os->name, (unsigned long long)self->os->min_memory_mib);
    return NULL;
}

static char *
vcpus_problem(MarinaWizardResourcesPage *self, GString *warnings)
{
    double vcpus = 0;
    guint host = host_cpus(self);

    if (!marina_form_spin_text_value(self->vcpus_spin, &vcpus) || vcpus != (guint)vcpus)
        return g_strdup(_("Enter the number of vCPUs as a whole number, e.g. 2."));
    if (vcpus < 1 || vcpus > MAX_VCPUS)
        return g_strdup_printf(ngettext("A guest has between 1 and %d vCPU.",
                                        "A guest has between 1 and %d vCPUs.", MAX_VCPUS),
                               MAX_VCPUS);
    if (host > 0 && vcpus > host) {
        /* Translators: completes "3 vCPUs are more than %s: ..." */
        g_autofree char *cpus =
            g_strdup_printf(ngettext("the host's %u CPU", "the host's %u CPUs", host), host);

        g_string_append_printf(warnings,
                               ngettext("%u vCPU is more than %s: the guest will run slower, not "
                                        "faster.\n",
                                        "%u vCPUs are more than %s: the guest will run slower, not "
                                        "faster.\n",
                                        (guint)vcpus),
                               (guint)vcpus, cpus);
    }
    return NULL;
}

gboolean
marina_wizard_resources_page_check(MarinaWizardResourcesPage *self)
{
    g_autoptr(GString) warnings = g_string_new(NULL);
    g_autofree char *error = NULL;
    double memory = 0;

    g_return_val_if_fail(MARINA_IS_WIZARD_RESOURCES_PAGE(self), FALSE);
    if (!marina_form_spin_text_value(self->memory_spin, &memory) || memory != (guint64)memory)
        error = g_strdup(_("Enter the memory as a whole number of MiB, e.g. 1024."));
    else
        error = memory_problem(self, memory, warnings);
    if (error == NULL)
        error = vcpus_problem(self, warnings);
    if (warnings->len > 0)
        g_string_truncate(warnings, warnings->len - 1);
    marina_form_set_message(self->resources_warning, warnings->str);
    marina_form_set_message(self->resources_error, error);
    return error == NULL;
}

gboolean
marina_wizard_resources_page_forward(MarinaWizardResourcesPage *self)
{
    if (!marina_wizard_resources_page_check(self))
        return FALSE;
    gtk_spin_button_update(self->memory_spin);
    gtk_spin_button_update(self->vcpus_spin);
    return TRUE;
}

double
marina_wizard_resources_page_get_memory_mib(MarinaWizardResourcesPage *self)
{
    g_return_val_if_fail(MARINA_IS_WIZARD_RESOURCES_PAGE(self), 0);
    return gtk_spin_button_get_value(self->memory_spin);
}

int
marina_wizard_resources_page_get_vcpus(MarinaWizardResourcesPage *self)
{
    g_return_val_if_fail(MARINA_IS_WIZARD_RESOURCES_PAGE(self), 0);
    return gtk_spin_button_get_value_as_int(self->vcpus_spin);
}

static void
set_spin_value(MarinaWizardResourcesPage *self, GtkSpinButton *spin, double value)
{
    self->setting = TRUE;
    gtk_spin_button_set_value(spin, value);
    self->setting = FALSE;
}

void
marina_wizard_resources_page_apply_os(MarinaWizardResourcesPage *self, const MarinaOsInfo *os)
{
    guint64 host_memory = host_memory_mib(self);
    guint cpus = host_cpus(self);

    g_return_if_fail(MARINA_IS_WIZARD_RESOURCES_PAGE(self));
    self->os = os;
    if (!self->memory_touched) {
        guint64 memory = MAX(os->memory_mib, MIN_MEMORY_MIB);

        if (host_memory > 0 && memory > host_memory / 2)
            memory = MAX(host_memory / 2, MIN_MEMORY_MIB);
        set_spin_value(self, self->memory_spin, (double)memory);
    }
    if (!self->vcpus_touched) {
        guint vcpus = CLAMP(os->vcpus, 1, MAX_VCPUS);

        if (cpus > 0)
            vcpus = MIN(vcpus, cpus);
        set_spin_value(self, self->vcpus_spin, vcpus);
    }
}

static void
update_host_hints(MarinaWizardResourcesPage *self)
{
    g_autofree char *memory = NULL;
    g_autofree char *cpus = NULL;
    guint64 host_memory = host_memory_mib(self);
    guint n_cpus = host_cpus(self);

    if (host_memory > 0)
        memory = g_strdup_printf(_("Up to %llu MiB on the host"), (unsigned long long)host_memory);
    if (n_cpus > 0)
        cpus = g_strdup_printf(ngettext("The host has %u CPU", "The host has %u CPUs", n_cpus),
                               n_cpus);
    gtk_label_set_text(self->memory_hint, memory != NULL ? memory : "");
    gtk_label_set_text(self->vcpus_hint, cpus != NULL ? cpus : "");
}

static void
on_host_changed(MarinaWizardHost *host, guint what, MarinaWizardResourcesPage *self)
{
    if (!(what & (MARINA_WIZARD_HOST_CONNECTION | MARINA_WIZARD_HOST_NODE)))
        return;
    update_host_hints(self);
    if ((what & MARINA_WIZARD_HOST_NODE) && marina_form_is_current_page(GTK_WIDGET(self)))
        marina_wizard_resources_page_check(self);
}

void
marina_wizard_resources_page_set_host(MarinaWizardResourcesPage *self, MarinaWizardHost *host)
{
    g_return_if_fail(MARINA_IS_WIZARD_RESOURCES_PAGE(self));
    g_return_if_fail(self->host == NULL);
    self->host = g_object_ref(host);
    g_signal_connect_object(host, "changed", G_CALLBACK(on_host_changed), self, 0);
    update_host_hints(self);
}

static void
on_spin_changed(GtkEditable *editable, MarinaWizardResourcesPage *self)
{
    if (gtk_widget_in_destruction(GTK_WIDGET(self)))
        return;
    if (!self->setting) {
        if (GTK_WIDGET(editable) == GTK_WIDGET(self->memory_spin))
            self->memory_touched = TRUE;
        else
            self->vcpus_touched = TRUE;
    }
    if (marina_form_is_current_page(GTK_WIDGET(self)))
        marina_wizard_resources_page_check(self);
}

static void
marina_wizard_resources_page_dispose(GObject *object)
{
    MarinaWizardResourcesPage *self = MARINA_WIZARD_RESOURCES_PAGE(object);

    g_clear_object(&self->host);
    G_OBJECT_CLASS(marina_wizard_resources_page_parent_class)->dispose(object);
}

static void
marina_wizard_resources_page_class_init(MarinaWizardResourcesPageClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    object_class->dispose = marina_wizard_resources_page_dispose;
    gtk_widget_class_set_template_from_resource(widget_class,
                                                "/org/marinavm/Marina/ui/wizard-resources-page.ui");
#define BIND(name)                                                                                 \
    gtk_widget_class_bind_template_child(widget_class, MarinaWizardResourcesPage, name)
    BIND(memory_spin);
    BIND(memory_hint);
    BIND(vcpus_spin);
    BIND(vcpus_hint);
    BIND(resources_warning);
    BIND(resources_error);
#undef BIND
}

static void
marina_wizard_resources_page_init(MarinaWizardResourcesPage *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
    marina_form_set_accessible_name(self->memory_spin, _("Memory (MiB)"));
    marina_form_set_accessible_name(self->memory_hint, _("Host memory"));
    marina_form_set_accessible_name(self->vcpus_spin, _("vCPUs"));
    marina_form_set_accessible_name(self->vcpus_hint, _("Host CPUs"));
    marina_form_set_accessible_name(self->resources_warning, _("Memory and vCPUs warning"));
    marina_form_set_accessible_name(self->resources_error, _("Memory and vCPUs error"));
    g_signal_connect(self->memory_spin, "changed", G_CALLBACK(on_spin_changed), self);
    g_signal_connect(self->vcpus_spin, "changed", G_CALLBACK(on_spin_changed), self);
    marina_form_set_message(self->resources_warning, NULL);
    marina_form_set_message(self->resources_error, NULL);
}
