/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Checks, without blocking, that paths on this computer name existing files
 * (the wizard's install source and disk, before Forward). */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Checks each of @paths in turn; completes with the first problem as an error
 * whose message a person reads ("The file /x does not exist. Check the path."). */
void marina_check_files_async(gpointer source_object, GPtrArray *paths, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data);
gboolean marina_check_files_finish(GAsyncResult *result, GError **error);

G_END_DECLS
