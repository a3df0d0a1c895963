/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The VM window's Screenshot: ask where to save, write a PNG in a thread. */
#pragma once

#include <gtk/gtk.h>

#include "guest.h"
#include "domain.h"
#include "vm-window.h"

G_BEGIN_DECLS

/* Asks where to save @pixbuf (a picture of @guest's screen) and saves it;
 * failures show in @window. Nothing happens once @cancellable is cancelled. */
void marina_vm_screenshot_save(MarinaVmWindow *window, MarinaGuest *guest, GdkPixbuf *pixbuf,
                               GCancellable *cancellable);

/* Asks the daemon for a picture of @guest's screen (no console open here),
 * then as marina_vm_screenshot_save(). */
void marina_vm_screenshot_take(MarinaVmWindow *window, MarinaGuest *guest, MarinaDomain *domain,
                               GCancellable *cancellable);

G_END_DECLS
