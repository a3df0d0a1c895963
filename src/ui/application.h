/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The Marina GtkApplication: one instance, command line, app menu actions. */
#pragma once

#include <gtk/gtk.h>

#include "connection-manager.h"

G_BEGIN_DECLS

#define MARINA_APPLICATION_ID "org.marinavm.Marina"

#define MARINA_TYPE_APPLICATION (marina_application_get_type())
G_DECLARE_FINAL_TYPE(MarinaApplication, marina_application, MARINA, APPLICATION, GtkApplication)

MarinaApplication *marina_application_new(void);
/* The org.marinavm.Marina settings, shared by every window. */
GSettings *marina_application_get_settings(MarinaApplication *app);
/* The connections every window works with (see connection-manager.h). */
MarinaConnectionManager *marina_application_get_connection_manager(MarinaApplication *app);

G_END_DECLS
