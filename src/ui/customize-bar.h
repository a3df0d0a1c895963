/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The info bar of a guest being customized before its installation begins. */
#pragma once

#include <gtk/gtk.h>

#include "installer.h"

G_BEGIN_DECLS

#define MARINA_TYPE_CUSTOMIZE_BAR (marina_customize_bar_get_type())
G_DECLARE_FINAL_TYPE(MarinaCustomizeBar, marina_customize_bar, MARINA, CUSTOMIZE_BAR, GtkInfoBar)

/* @installer ran prepare-only: the guest is defined, not started. "Begin
 * Installation" starts it (marina_installer_begin_async), "Cancel
 * Installation" removes what prepare made (abandon).
 *
 * Signal "finished" (gboolean begun): the bar is done; @begun is TRUE when
 * the guest started, FALSE when it was abandoned or failed to start (then
 * it is removed as well). */
GtkWidget *marina_customize_bar_new(MarinaInstaller *installer);

G_END_DECLS
