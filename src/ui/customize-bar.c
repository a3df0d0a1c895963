/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-customize-bar"

#include "config.h"

#include "customize-bar.h"

#include <glib/gi18n.h>

#include "error.h"
#include "ui-util.h"

enum { RESPONSE_BEGIN = 1, RESPONSE_ABANDON = 2 };

enum { SIGNAL_FINISHED, N_SIGNALS };
static guint signals[N_SIGNALS];

struct _MarinaCustomizeBar {
    GtkInfoBar parent_instance;

    MarinaInstaller *installer;
    GCancellable *cancellable;
    gboolean working;
    GtkLabel *label;
    GtkSpinner *spinner;
};

G_DEFINE_FINAL_TYPE(MarinaCustomizeBar, marina_customize_bar, GTK_TYPE_INFO_BAR)

static void
set_working(MarinaCustomizeBar *self, gboolean working, const char *text)
{
    self->working = working;
    gtk_info_bar_set_response_sensitive(GTK_INFO_BAR(self), RESPONSE_BEGIN, !working);
    gtk_info_bar_set_response_sensitive(GTK_INFO_BAR(self), RESPONSE_ABANDON, !working);
    gtk_widget_set_visible(GTK_WIDGET(self->spinner), working);
    if (working)
        gtk_spinner_start(self->spinner);
    else
        gtk_spinner_stop(self->spinner);
    gtk_label_set_text(self->label, text);
}

static void
on_begun(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(MarinaCustomizeBar) self = user_data;
    g_autoptr(GError) error = NULL;
    gboolean ok = marina_installer_begin_finish(MARINA_INSTALLER(source), result, &error);

    if (marina_ui_is_cancelled(error) || gtk_widget_in_destruction(GTK_WIDGET(self)))
        return;
    if (!ok) {
        /* The installer removed the guest: nothing is left to customize. */
        g_autofree char *text =
            g_strdup_printf(_("The installation could not begin, so the guest was removed: %s"),
                            marina_error_message(error));
        set_working(self, FALSE, text);
        gtk_info_bar_set_message_type(GTK_INFO_BAR(self), GTK_MESSAGE_ERROR);
        gtk_info_bar_set_response_sensitive(GTK_INFO_BAR(self), RESPONSE_BEGIN, FALSE);
        gtk_info_bar_set_response_sensitive(GTK_INFO_BAR(self), RESPONSE_ABANDON, FALSE);
        g_signal_emit(self, signals[SIGNAL_FINISHED], 0, FALSE);
        return;
    }
    g_signal_emit(self, signals[SIGNAL_FINISHED], 0, TRUE);
    gtk_widget_destroy(GTK_WIDGET(self));
}

static void
on_abandoned(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(MarinaCustomizeBar) self = user_data;
    g_autoptr(GError) error = NULL;

    if (!marina_installer_abandon_finish(MARINA_INSTALLER(source), result, &error))
        g_warning("Could not remove the guest being customized: %s", marina_error_message(error));
    if (gtk_widget_in_destruction(GTK_WIDGET(self)))
        return;
    g_signal_emit(self, signals[SIGNAL_FINISHED], 0, FALSE);
    gtk_widget_destroy(GTK_WIDGET(self));
}

static void
on_response(GtkInfoBar *bar, int response, gpointer user_data)
{
    MarinaCustomizeBar *self = MARINA_CUSTOMIZE_BAR(bar);

    (void)user_data;
    if (self->working)
        return;
    if (response == RESPONSE_BEGIN) {
        set_working(self, TRUE, _("Beginning the installation…"));
        marina_installer_begin_async(self->installer, self->cancellable, on_begun,
                                     g_object_ref(self));
    } else if (response == RESPONSE_ABANDON) {
        set_working(self, TRUE, _("Removing the guest…"));
        marina_installer_abandon_async(self->installer, on_abandoned, g_object_ref(self));
    }
}

GtkWidget *
marina_customize_bar_new(MarinaInstaller *installer)
{
    MarinaCustomizeBar *self;

    g_return_val_if_fail(MARINA_IS_INSTALLER(installer), NULL);
    self = g_object_new(MARINA_TYPE_CUSTOMIZE_BAR, "message-type", GTK_MESSAGE_INFO, NULL);
    self->installer = g_object_ref(installer);
    return GTK_WIDGET(self);
}

static void
marina_customize_bar_dispose(GObject *object)
{
    MarinaCustomizeBar *self = MARINA_CUSTOMIZE_BAR(object);

    g_cancellable_cancel(self->cancellable);
    g_clear_object(&self->installer);
    G_OBJECT_CLASS(marina_customize_bar_parent_class)->dispose(object);
}

static void
marina_customize_bar_finalize(GObject *object)
{
    MarinaCustomizeBar *self = MARINA_CUSTOMIZE_BAR(object);

    g_clear_object(&self->cancellable);
    G_OBJECT_CLASS(marina_customize_bar_parent_class)->finalize(object);
}

static void
marina_customize_bar_class_init(MarinaCustomizeBarClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);

    object_class->dispose = marina_customize_bar_dispose;
    object_class->finalize = marina_customize_bar_finalize;
    signals[SIGNAL_FINISHED] = g_signal_new("finished", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST,
                                            0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_BOOLEAN);
}

static void
marina_customize_bar_init(MarinaCustomizeBar *self)
{
    GtkInfoBar *bar = GTK_INFO_BAR(self);
    GtkWidget *content = gtk_info_bar_get_content_area(bar);
    GtkWidget *spinner = gtk_spinner_new();
    GtkWidget *label =
        gtk_label_new(_("Customize the guest's configuration, then begin the installation."));
    GtkWidget *button;

    self->cancellable = g_cancellable_new();
    self->label = GTK_LABEL(label);
    self->spinner = GTK_SPINNER(spinner);
    gtk_label_set_xalign(self->label, 0);
    gtk_label_set_line_wrap(self->label, TRUE);
    atk_object_set_name(gtk_widget_get_accessible(label), _("Customize message"));
    gtk_widget_set_no_show_all(spinner, TRUE);
    gtk_box_pack_start(GTK_BOX(content), spinner, FALSE, FALSE, 0);
    gtk_box_pack_start(GTK_BOX(content), label, TRUE, TRUE, 0);
    gtk_widget_show(label);
    button = gtk_info_bar_add_button(bar, _("_Begin Installation"), RESPONSE_BEGIN);
    atk_object_set_name(gtk_widget_get_accessible(button), _("Begin Installation"));
    button = gtk_info_bar_add_button(bar, _("_Cancel Installation"), RESPONSE_ABANDON);
    atk_object_set_name(gtk_widget_get_accessible(button), _("Cancel Installation"));
    g_signal_connect(self, "response", G_CALLBACK(on_response), NULL);
}
