/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A serial console: a VteTerminal relaying a byte stream the daemon handed
 * over (the guest's serial port), starting with the output the daemon kept
 * from before the console opened.
 *
 * Signals:
 *   "disconnected" ()  -- the stream ended (EOF or error)
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define MARINA_TYPE_SERIAL_CONSOLE (marina_serial_console_get_type())
G_DECLARE_FINAL_TYPE(MarinaSerialConsole, marina_serial_console, MARINA, SERIAL_CONSOLE, GtkBox)

GtkWidget *marina_serial_console_new(void);

/* Shows @scrollback (may be NULL), then relays @fd both ways. The console
 * owns @fd from now on. A console already attached is detached first. */
void marina_serial_console_attach(MarinaSerialConsole *self, int fd, GBytes *scrollback);
void marina_serial_console_detach(MarinaSerialConsole *self);
gboolean marina_serial_console_is_attached(MarinaSerialConsole *self);

void marina_serial_console_copy(MarinaSerialConsole *self);
void marina_serial_console_paste(MarinaSerialConsole *self);
void marina_serial_console_zoom_in(MarinaSerialConsole *self);
void marina_serial_console_zoom_out(MarinaSerialConsole *self);
void marina_serial_console_zoom_reset(MarinaSerialConsole *self);

/* The terminal, e.g. to read its text in tests. */
GtkWidget *marina_serial_console_get_terminal(MarinaSerialConsole *self);

G_END_DECLS
