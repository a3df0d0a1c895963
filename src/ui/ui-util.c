#define G_LOG_DOMAIN "marina-ui"

#include "config.h"

#include <glib/gi18n.h>

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
