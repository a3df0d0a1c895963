/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The volumes of the storage pool selected in Connection Details: name,
 * size, format, the guests that use each (kept current as guests come, go and
 * start), and New Volume, Resize and Delete Volume. */
#pragma once

#include <gtk/gtk.h>

#include "host.h"

G_BEGIN_DECLS

#define MARINA_TYPE_VOLUME_LIST (marina_volume_list_get_type())
G_DECLARE_FINAL_TYPE(MarinaVolumeList, marina_volume_list, MARINA, VOLUME_LIST, GtkBox)

/* The host whose pools' volumes are shown (its guests' events keep Used By
 * current); again after a reconnect, when the list forgets the old one. */
void marina_volume_list_set_host(MarinaVolumeList *self, MarinaHost *host);

/* The pool whose volumes are shown (@name NULL: none), whether it is active
 * and the room left in it. Another pool empties the list until reloaded. */
void marina_volume_list_set_pool(MarinaVolumeList *self, const char *name, const char *path,
                                 gboolean active, guint64 available);

/* Lists the pool's volumes again (an inactive pool shows none). */
void marina_volume_list_reload(MarinaVolumeList *self);

/* Signals:
 *   "error" (const char *message): an action failed; the message says why.
 *   "volume-created" (const char *name): New Volume made one (the pool's usage changed).
 */

G_END_DECLS
