/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-preferences"

#include "config.h"

#include "preferences-dialog.h"

#include <glib/gi18n.h>

#define MAX_GRAB_KEYS 4

struct _MarinaPreferencesDialog {
    GtkDialog parent_instance;

    GSettings *settings;

    GtkSpinButton *interval_spin;
    GtkToggleButton *stats_cpu_check;
    GtkToggleButton *stats_memory_check;
    GtkToggleButton *stats_disk_check;
    GtkToggleButton *stats_network_check;
    GtkEntry *grab_keys_entry;
    GtkToggleButton *grab_keys_capture;
    GtkLabel *grab_keys_error;
    GtkComboBoxText *scaling_combo;
    GtkToggleButton *resize_guest_check;
    GtkToggleButton *confirm_force_off_check;
    GtkToggleButton *confirm_delete_check;
    GtkToggleButton *confirm_pause_check;

    /* Keys held while capturing grab keys, in the order pressed. */
    guint captured[MAX_GRAB_KEYS];
    guint n_captured;
};

G_DEFINE_FINAL_TYPE(MarinaPreferencesDialog, marina_preferences_dialog, GTK_TYPE_DIALOG)

/* NULL when every '+'-separated name is a key; else a message naming the bad one. */
static char *
validate_grab_keys(const char *text)
{
    g_auto(GStrv) names = NULL;

    if (text == NULL || *text == '\0') {
        return g_strdup(_("Enter at least one key, e.g. Control_L+Alt_L"));
    }
    names = g_strsplit(text, "+", -1);
    for (guint i = 0; names[i] != NULL; i++) {
        guint keyval = gdk_keyval_from_name(names[i]);

        if (names[i][0] == '\0' || keyval == GDK_KEY_VoidSymbol || keyval == 0) {
            return g_strdup_printf(_("“%s” is not a key name; use names like Control_L, Alt_L, "
                                     "Shift_R or F12, joined with '+'"),
                                   names[i]);
        }
    }
    return NULL;
}

static void
on_grab_keys_changed(GtkEditable *editable, MarinaPreferencesDialog *self)
{
    const char *text = gtk_entry_get_text(GTK_ENTRY(editable));
    g_autofree char *problem = validate_grab_keys(text);
    g_autofree char *current = g_settings_get_string(self->settings, "grab-keys");

    gtk_label_set_text(self->grab_keys_error, problem ? problem : "");
    gtk_widget_set_visible(GTK_WIDGET(self->grab_keys_error), problem != NULL);
    if (problem == NULL && g_strcmp0(current, text) != 0) {
        g_settings_set_string(self->settings, "grab-keys", text);
    }
}

static void
on_grab_keys_setting_changed(GSettings *settings, const char *key, MarinaPreferencesDialog *self)
{
    g_autofree char *value = g_settings_get_string(settings, key);

    if (g_strcmp0(value, gtk_entry_get_text(self->grab_keys_entry)) != 0) {
        gtk_entry_set_text(self->grab_keys_entry, value);
    }
}

static void
finish_capture(MarinaPreferencesDialog *self)
{
    g_autoptr(GString) keys = g_string_new(NULL);

    for (guint i = 0; i < self->n_captured; i++) {
        if (i > 0) {
            g_string_append_c(keys, '+');
        }
        g_string_append(keys, gdk_keyval_name(self->captured[i]));
    }
    self->n_captured = 0;
    gtk_toggle_button_set_active(self->grab_keys_capture, FALSE);
    if (keys->len > 0) {
        gtk_entry_set_text(self->grab_keys_entry, keys->str);
    }
}

static gboolean
on_capture_key_press(GtkWidget *widget, GdkEventKey *event, MarinaPreferencesDialog *self)
{
    (void)widget;
    if (!gtk_toggle_button_get_active(self->grab_keys_capture)) {
        return GDK_EVENT_PROPAGATE;
    }
    if (event->keyval == GDK_KEY_Escape && self->n_captured == 0) {
        gtk_toggle_button_set_active(self->grab_keys_capture, FALSE);
        return GDK_EVENT_STOP;
    }
    for (guint i = 0; i < self->n_captured; i++) {
        if (self->captured[i] == event->keyval) {
            return GDK_EVENT_STOP; /* auto-repeat */
        }
    }
    if (self->n_captured < MAX_GRAB_KEYS) {
        self->captured[self->n_captured++] = event->keyval;
    }
    return GDK_EVENT_STOP;
}

/* The combination is complete when the first key goes up. */
static gboolean
on_capture_key_release(GtkWidget *widget, GdkEventKey *event, MarinaPreferencesDialog *self)
{
    (void)widget;
    (void)event;
    if (!gtk_toggle_button_get_active(self->grab_keys_capture)) {
        return GDK_EVENT_PROPAGATE;
    }
    if (self->n_captured > 0) {
        finish_capture(self);
    }
    return GDK_EVENT_STOP;
}

static void
on_capture_toggled(GtkToggleButton *button, MarinaPreferencesDialog *self)
{
    self->n_captured = 0;
    if (gtk_toggle_button_get_active(button)) {
        gtk_button_set_label(GTK_BUTTON(button), _("Press the keys now…"));
    } else {
        gtk_button_set_label(GTK_BUTTON(button), _("_Press Keys…"));
    }
}

static void
bind_settings(MarinaPreferencesDialog *self)
{
    GSettings *s = self->settings;
    g_autofree char *grab_keys = g_settings_get_string(s, "grab-keys");

    g_settings_bind(s, "stats-interval", self->interval_spin, "value", G_SETTINGS_BIND_DEFAULT);
    g_settings_bind(s, "stats-cpu", self->stats_cpu_check, "active", G_SETTINGS_BIND_DEFAULT);
    g_settings_bind(s, "stats-memory", self->stats_memory_check, "active", G_SETTINGS_BIND_DEFAULT);
    g_settings_bind(s, "stats-disk", self->stats_disk_check, "active", G_SETTINGS_BIND_DEFAULT);
    g_settings_bind(s, "stats-network", self->stats_network_check, "active",
                    G_SETTINGS_BIND_DEFAULT);
    g_settings_bind(s, "console-scaling", self->scaling_combo, "active-id",
                    G_SETTINGS_BIND_DEFAULT);
    g_settings_bind(s, "console-resize-guest", self->resize_guest_check, "active",
                    G_SETTINGS_BIND_DEFAULT);
    g_settings_bind(s, "confirm-force-off", self->confirm_force_off_check, "active",
                    G_SETTINGS_BIND_DEFAULT);
    g_settings_bind(s, "confirm-delete", self->confirm_delete_check, "active",
                    G_SETTINGS_BIND_DEFAULT);
    g_settings_bind(s, "confirm-pause", self->confirm_pause_check, "active",
                    G_SETTINGS_BIND_DEFAULT);

    /* Grab keys are validated before they are stored: a typo would leave
     * the user unable to release a grabbed console. */
    gtk_entry_set_text(self->grab_keys_entry, grab_keys);
    g_signal_connect(self->grab_keys_entry, "changed", G_CALLBACK(on_grab_keys_changed), self);
    g_signal_connect_object(s, "changed::grab-keys", G_CALLBACK(on_grab_keys_setting_changed), self,
                            0);
}

static void
on_response(GtkDialog *dialog, int response, gpointer user_data)
{
    (void)user_data;
    if (response == GTK_RESPONSE_CLOSE || response == GTK_RESPONSE_DELETE_EVENT) {
        gtk_widget_destroy(GTK_WIDGET(dialog));
    }
}

GtkWidget *
marina_preferences_dialog_new(GtkWindow *parent)
{
    return g_object_new(MARINA_TYPE_PREFERENCES_DIALOG, "transient-for", parent, "use-header-bar",
                        TRUE, NULL);
}

static void
marina_preferences_dialog_dispose(GObject *object)
{
    MarinaPreferencesDialog *self = MARINA_PREFERENCES_DIALOG(object);

    g_clear_object(&self->settings);
    G_OBJECT_CLASS(marina_preferences_dialog_parent_class)->dispose(object);
}

static void
marina_preferences_dialog_class_init(MarinaPreferencesDialogClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    object_class->dispose = marina_preferences_dialog_dispose;
    gtk_widget_class_set_template_from_resource(widget_class,
                                                "/org/marinavm/Marina/ui/preferences-dialog.ui");
    gtk_widget_class_bind_template_child(widget_class, MarinaPreferencesDialog, interval_spin);
    gtk_widget_class_bind_template_child(widget_class, MarinaPreferencesDialog, stats_cpu_check);
    gtk_widget_class_bind_template_child(widget_class, MarinaPreferencesDialog, stats_memory_check);
    gtk_widget_class_bind_template_child(widget_class, MarinaPreferencesDialog, stats_disk_check);
    gtk_widget_class_bind_template_child(widget_class, MarinaPreferencesDialog,
                                         stats_network_check);
    gtk_widget_class_bind_template_child(widget_class, MarinaPreferencesDialog, grab_keys_entry);
    gtk_widget_class_bind_template_child(widget_class, MarinaPreferencesDialog, grab_keys_capture);
    gtk_widget_class_bind_template_child(widget_class, MarinaPreferencesDialog, grab_keys_error);
    gtk_widget_class_bind_template_child(widget_class, MarinaPreferencesDialog, scaling_combo);
    gtk_widget_class_bind_template_child(widget_class, MarinaPreferencesDialog, resize_guest_check);
    gtk_widget_class_bind_template_child(widget_class, MarinaPreferencesDialog,
                                         confirm_force_off_check);
    gtk_widget_class_bind_template_child(widget_class, MarinaPreferencesDialog,
                                         confirm_delete_check);
    gtk_widget_class_bind_template_child(widget_class, MarinaPreferencesDialog,
                                         confirm_pause_check);
    gtk_widget_class_bind_template_callback(widget_class, on_capture_toggled);
}

static void
marina_preferences_dialog_init(MarinaPreferencesDialog *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
    self->settings = g_settings_new("org.marinavm.Marina");
    bind_settings(self);
    g_signal_connect(self, "key-press-event", G_CALLBACK(on_capture_key_press), self);
    g_signal_connect(self, "key-release-event", G_CALLBACK(on_capture_key_release), self);
    g_signal_connect(self, "response", G_CALLBACK(on_response), NULL);
}
