/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The graphical console: gtk-vnc's VncDisplay on a file descriptor the daemon
 * handed over (or an SSH channel). Keyboard grab with configurable grab keys,
 * key combinations the desktop would swallow, scaling and guest resize.
 *
 * Signals:
 *   "connected" ()     -- the RFB handshake finished; the display shows the guest
 *   "disconnected" ()  -- the stream ended (guest stopped, rebooted the display, closed)
 *   "password-needed" () -- the guest's display has a password: answer with
 *                           marina_vnc_console_send_password() (or close)
 *   "password-refused" () -- the password sent was wrong; "disconnected" follows
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define MARINA_TYPE_VNC_CONSOLE (marina_vnc_console_get_type())
G_DECLARE_FINAL_TYPE(MarinaVncConsole, marina_vnc_console, MARINA, VNC_CONSOLE, GtkOverlay)

typedef enum {
    MARINA_VNC_KEYS_CTRL_ALT_DEL,
    MARINA_VNC_KEYS_CTRL_ALT_BACKSPACE,
    MARINA_VNC_KEYS_CTRL_ALT_F1, /* ... F12 follow in order */
    MARINA_VNC_KEYS_CTRL_ALT_F12 = MARINA_VNC_KEYS_CTRL_ALT_F1 + 11,
    MARINA_VNC_KEYS_PRINT,
} MarinaVncKeys;

GtkWidget *marina_vnc_console_new(void);

/* Speaks RFB on @fd; the console owns @fd from now on (closed on failure too).
 * Returns FALSE with @error when gtk-vnc refuses the descriptor. */
gboolean marina_vnc_console_open_fd(MarinaVncConsole *self, int fd, GError **error);
void marina_vnc_console_close(MarinaVncConsole *self);
gboolean marina_vnc_console_is_open(MarinaVncConsole *self);
gboolean marina_vnc_console_is_connected(MarinaVncConsole *self);
/* The answer to "password-needed". */
void marina_vnc_console_send_password(MarinaVncConsole *self, const char *password);

/* Grab keys as key names joined with '+', e.g. "Control_L+Alt_L".
 * Returns FALSE (and keeps the previous keys) when a name is unknown. */
gboolean marina_vnc_console_set_grab_keys(MarinaVncConsole *self, const char *keys);
void marina_vnc_console_set_keyboard_grab(MarinaVncConsole *self, gboolean grab);

/* Sends a key combination to the guest (press all, release in reverse). */
void marina_vnc_console_send_keys(MarinaVncConsole *self, MarinaVncKeys keys);
/* A translated label for the Send Key menu, e.g. "Ctrl+Alt+Del". */
char *marina_vnc_console_keys_label(MarinaVncKeys keys);
/* A menu of every key combination, in the usual order (Ctrl+Alt+Del first); each item
 * activates @action_name with the combination's number ("u") as its target. */
GtkWidget *marina_vnc_console_new_keys_menu(const char *action_name);

/* Scale the guest's screen to the widget (keeping its aspect ratio). */
void marina_vnc_console_set_scaling(MarinaVncConsole *self, gboolean scaling);
/* Ask the guest to change its resolution to the widget's size. */
void marina_vnc_console_set_resize_guest(MarinaVncConsole *self, gboolean resize);

/* The current screen, or NULL when not connected. Free with g_object_unref. */
GdkPixbuf *marina_vnc_console_get_pixbuf(MarinaVncConsole *self);
/* Guest screen size, 0 when not connected. */
void marina_vnc_console_get_size(MarinaVncConsole *self, int *width, int *height);

G_END_DECLS
