/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Deleting a guest from the manager: ask (listing its disk images, which
 * can go too), force it off when it runs, undefine it, then delete the
 * chosen files. */
#pragma once

#include "connection-entry.h"
#include "guest.h"
#include "manager-window.h"

G_BEGIN_DECLS

/* Deletes @guest of @entry's host, after asking when @confirm; failures
 * show in @window's info bar. */
void marina_delete_guest(MarinaManagerWindow *window, MarinaConnectionEntry *entry,
                         MarinaGuest *guest, gboolean confirm);

G_END_DECLS
