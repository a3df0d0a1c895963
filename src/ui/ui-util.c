#define G_LOG_DOMAIN "marina-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "error.h"
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
