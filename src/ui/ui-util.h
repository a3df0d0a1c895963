#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Enable or disable the action @name of @map, if it has one. */
void marina_ui_set_action_enabled(GActionMap *map, const char *name, gboolean enabled);

/* The pause button's two faces: for a paused guest it resumes (play icon),
 * otherwise it pauses. Sets @image's icon, @tooltip, and the accessible name
 * ("Resume" or "Pause") that says what a click does now. */
void marina_ui_set_pause_face(GtkWidget *button, GtkImage *image, gboolean paused,
                              const char *tooltip);

G_END_DECLS
