#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * The client's part of a tunnelled migration stream (migration.c; not for
 * use outside src/core): bytes copied both ways between the source's and
 * the destination's end of one stream, in a thread of its own (the main
 * loop never waits on a migration's gigabytes), with splice(2) through a
 * pipe where the kernel can, read/write where it cannot.
 *
 * When one side reaches end of file, the other side's writing half is shut
 * down (the daemons see the end of the stream as they would on a direct
 * TCP connection); the relay completes when both directions have ended,
 * with an error when a side failed, or G_IO_ERROR_CANCELLED when
 * @cancellable was cancelled. It owns @fd_a and @fd_b and closes them.
 */

void marina_migration_relay_async(int fd_a, int fd_b, GCancellable *cancellable,
                                  GAsyncReadyCallback callback, gpointer user_data);
/* *@bytes (may be NULL): how many bytes went across, both ways together. */
gboolean marina_migration_relay_finish(GAsyncResult *result, guint64 *bytes, GError **error);

G_END_DECLS
