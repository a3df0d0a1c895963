/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The manager's guest actions (Run, Pause, Resume, Shut Down, Reboot,
 * Reset, Save, Force Off) on one guest; failures show in the manager's
 * info bar, named after the guest. */
#pragma once

#include "connection-entry.h"
#include "domain.h"
#include "guest.h"
#include "manager-window.h"

G_BEGIN_DECLS

typedef void (*MarinaGuestCallFunc)(MarinaDomain *domain, GCancellable *cancellable,
                                    GAsyncReadyCallback callback, gpointer user_data);
typedef gboolean (*MarinaGuestFinishFunc)(MarinaDomain *domain, GAsyncResult *result,
                                          GError **error);

/* The client API pair behind a guest action of the manager and VM windows. */
typedef struct {
    const char *action;
    MarinaGuestCallFunc run;
    MarinaGuestFinishFunc finish;
    const char *failure; /* the manager's message, untranslated: "Could not start '%s':" */
} MarinaGuestCall;

/* The call for the action @action_name ("run", "pause", "resume",
 * "shutdown", "reboot", "reset", "save", "force-off"), or NULL. */
const MarinaGuestCall *marina_guest_call_find(const char *action_name);

/* Runs the window action @action_name ("run", "pause", "resume",
 * "shutdown", "reboot", "reset", "save") on @guest of @entry's host.
 * Returns FALSE for an action name it does not know. */
gboolean marina_guest_action_activate(MarinaManagerWindow *window, MarinaConnectionEntry *entry,
                                      MarinaGuest *guest, const char *action_name);

/* Migrate…: the Migrate dialog for @guest of @entry, transient for @parent
 * (the manager or the guest's VM window). While the guest moves, its VM
 * window stays open; afterwards the window follows it to its new host. */
void marina_guest_action_migrate(MarinaManagerWindow *window, MarinaConnectionEntry *entry,
                                 MarinaGuest *guest, GtkWindow *parent);
/* The same from a window that knows only the guest and its list (the VM
 * window): finds the manager window and the connection of @list. */
void marina_guest_action_migrate_from(GtkWindow *parent, MarinaGuestList *list, MarinaGuest *guest);

/* Force Off: the guest stops at once; with @confirm, after asking. */
void marina_guest_action_force_off(MarinaManagerWindow *window, MarinaConnectionEntry *entry,
                                   MarinaGuest *guest, gboolean confirm);

G_END_DECLS
