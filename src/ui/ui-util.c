#define G_LOG_DOMAIN "marina-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "error.h"
#include "uri.h"
#include "ui-util.h"

void
marina_ui_set_action_enabled(GActionMap *map, const char *name, gboolean enabled)
{
    GAction *action = g_action_map_lookup_action(map, name);

    if (action != NULL)
        g_simple_action_set_enabled(G_SIMPLE_ACTION(action), enabled);
}

void
marina_ui_set_pause_face(GtkWidget *button, GtkImage *image, gboolean paused, const char *tooltip)
{
    gtk_image_set_from_icon_name(
        image, paused ? "media-playback-start-symbolic" : "media-playback-pause-symbolic",
        GTK_ICON_SIZE_BUTTON);
    gtk_widget_set_tooltip_text(button, tooltip);
    atk_object_set_name(gtk_widget_get_accessible(button), paused ? _("Resume") : _("Pause"));
}

char *
marina_ui_format_bytes(guint64 bytes)
{
    return g_format_size_full(bytes, G_FORMAT_SIZE_IEC_UNITS);
}

gboolean
marina_ui_is_cancelled(const GError *error)
{
    return g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

char *
marina_ui_error_text(const char *prefix, const GError *error)
{
    g_debug("%s: %s", prefix != NULL ? prefix : "error", error->message);
    if (prefix != NULL)
        return g_strdup_printf("%s %s", prefix, marina_error_message(error));
    return g_strdup(marina_error_message(error));
}

void
marina_ui_show_info_bar(GtkInfoBar *info_bar, GtkLabel *label, GtkMessageType type,
                        const char *message)
{
    gtk_info_bar_set_message_type(info_bar, type);
    gtk_label_set_text(label, message);
    gtk_info_bar_set_revealed(info_bar, TRUE);
}

/* Whether @text names @uri (a canonical URI), however it is spelled. */
static gboolean
same_uri(const char *text, const char *uri)
{
    g_autoptr(MarinaUri) parsed = marina_uri_parse(text, NULL);
    g_autofree char *canonical = parsed ? marina_uri_to_string(parsed) : g_strdup(text);

    return g_strcmp0(canonical, uri) == 0;
}

gboolean
marina_ui_settings_has_uri(GSettings *settings, const char *key, const char *uri)
{
    g_auto(GStrv) list = g_settings_get_strv(settings, key);

    for (guint i = 0; list[i] != NULL; i++)
        if (same_uri(list[i], uri))
            return TRUE;
    return FALSE;
}

void
marina_ui_settings_remove_uri(GSettings *settings, const char *key, const char *uri)
{
    g_auto(GStrv) old = g_settings_get_strv(settings, key);
    g_autoptr(GStrvBuilder) builder = g_strv_builder_new();
    g_auto(GStrv) updated = NULL;

    for (guint i = 0; old[i] != NULL; i++)
        if (!same_uri(old[i], uri))
            g_strv_builder_add(builder, old[i]);
    updated = g_strv_builder_end(builder);
    if (g_strv_length(updated) != g_strv_length(old))
        g_settings_set_strv(settings, key, (const char *const *)updated);
}

void
marina_ui_settings_add_uri(GSettings *settings, const char *key, const char *uri)
{
    g_auto(GStrv) old = g_settings_get_strv(settings, key);
    g_autoptr(GStrvBuilder) builder = g_strv_builder_new();
    g_auto(GStrv) updated = NULL;

    if (g_strv_contains((const char *const *)old, uri))
        return;
    g_strv_builder_addv(builder, (const char **)old);
    g_strv_builder_add(builder, uri);
    updated = g_strv_builder_end(builder);
    g_settings_set_strv(settings, key, (const char *const *)updated);
}

GtkWidget *
marina_ui_confirm_dialog(GtkWindow *parent, const char *title, const char *detail,
                         const char *accept_label)
{
    GtkWidget *dialog =
        gtk_message_dialog_new(parent, GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                               GTK_MESSAGE_WARNING, GTK_BUTTONS_NONE, "%s", title);
    GtkWidget *accept;

    gtk_message_dialog_format_secondary_text(GTK_MESSAGE_DIALOG(dialog), "%s", detail);
    gtk_dialog_add_button(GTK_DIALOG(dialog), _("_Cancel"), GTK_RESPONSE_CANCEL);
    accept = gtk_dialog_add_button(GTK_DIALOG(dialog), accept_label, GTK_RESPONSE_ACCEPT);
    gtk_style_context_add_class(gtk_widget_get_style_context(accept), "destructive-action");
    gtk_dialog_set_default_response(GTK_DIALOG(dialog), GTK_RESPONSE_CANCEL);
    return dialog;
}
