/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Which storage volume of a host is the file @path (a guest's disk): the
 * disk page offers to grow it when it is one. */
#pragma once

#include <gio/gio.h>

#include "connection.h"
#include "records.h"

G_BEGIN_DECLS

/* Looks through the active pools of @connection's host for a volume whose
 * path is @path. */
void marina_hw_volume_lookup_async(MarinaConnection *connection, const char *path,
                                   GCancellable *cancellable, GAsyncReadyCallback callback,
                                   gpointer user_data);
/* The volume, or NULL (no error) when no pool holds @path. */
MarinaVolumeInfo *marina_hw_volume_lookup_finish(GAsyncResult *result, GError **error);

G_END_DECLS
