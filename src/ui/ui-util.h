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

/* Sizes for people, in IEC units ("1.5 GiB"). */
char *marina_ui_format_bytes(guint64 bytes);

/* Whether @error is the cancellation of a call this code cancelled itself
 * (a window closing, Cancel pressed): such errors are not shown. */
gboolean marina_ui_is_cancelled(const GError *error);

/* "@prefix message" for an error a person reads (the daemon's message
 * without the D-Bus error name), @prefix may be NULL. The technical text
 * goes to the debug log. */
char *marina_ui_error_text(const char *prefix, const GError *error);

/* Shows @message in @info_bar (whose content holds @label), revealed. */
void marina_ui_show_info_bar(GtkInfoBar *info_bar, GtkLabel *label, GtkMessageType type,
                             const char *message);

/* Adds @uri to the string list @key of @settings unless it is there. */
void marina_ui_settings_add_uri(GSettings *settings, const char *key, const char *uri);
/* Removes every spelling of the canonical @uri from the string list @key. */
void marina_ui_settings_remove_uri(GSettings *settings, const char *key, const char *uri);
/* Whether the string list @key holds @uri (a canonical URI) in any spelling. */
gboolean marina_ui_settings_has_uri(GSettings *settings, const char *key, const char *uri);

/* A modal warning that asks before something that cannot be undone;
 * @accept_label is the destructive button (response GTK_RESPONSE_ACCEPT). */
GtkWidget *marina_ui_confirm_dialog(GtkWindow *parent, const char *title, const char *detail,
                                    const char *accept_label);

G_END_DECLS
