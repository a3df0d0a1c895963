/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The application's answers to ssh's questions: a remembered password from
 * the keyring when there is one (and it was not just refused), else a
 * MarinaSshQuestionDialog over the active window. Making one installs its
 * askpass server for every ssh this process starts; dropping it uninstalls. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define MARINA_TYPE_ASKPASS_HANDLER (marina_askpass_handler_get_type())
G_DECLARE_FINAL_TYPE(MarinaAskpassHandler, marina_askpass_handler, MARINA, ASKPASS_HANDLER, GObject)

/* NULL (logged) when no askpass server can listen: ssh then asks on its terminal. */
MarinaAskpassHandler *marina_askpass_handler_new(GtkApplication *app);

G_END_DECLS
