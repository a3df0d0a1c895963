/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The manager's guest actions (Run, Pause, Resume, Shut Down, Reboot,
 * Reset, Save, Force Off) on one guest; failures show in the manager's
 * info bar, named after the guest. */
#pragma once

#include "connection-entry.h"
#include "guest.h"
#include "manager-window.h"

G_BEGIN_DECLS

/* Runs the window action @action_name ("run", "pause", "resume",
 * "shutdown", "reboot", "reset", "save") on @guest of @entry's host.
 * Returns FALSE for an action name it does not know. */
gboolean marina_guest_action_activate(MarinaManagerWindow *window, MarinaConnectionEntry *entry,
                                      MarinaGuest *guest, const char *action_name);

/* Force Off: the guest stops at once; with @confirm, after asking. */
void marina_guest_action_force_off(MarinaManagerWindow *window, MarinaConnectionEntry *entry,
                                   MarinaGuest *guest, gboolean confirm);

G_END_DECLS
