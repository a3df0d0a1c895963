#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Moving a whole buffer through a descriptor, for the small programs that have no main loop to
 * return to (marinad's channel bridge, marinactl console, marina-askpass): both retry after
 * signals and short transfers, and on a non-blocking descriptor that is full (or empty) wait
 * for it with poll() rather than fail. They block the caller until done: never use them in a
 * main loop that must stay responsive.
 */

/* Writes all @size bytes of @data to @fd. FALSE when the descriptor fails or its reader is
 * gone. */
gboolean marina_fd_write_all(int fd, const void *data, gsize size);
/* Reads exactly @size bytes into @data. FALSE at end of file or when the descriptor fails. */
gboolean marina_fd_read_all(int fd, void *data, gsize size);

G_END_DECLS
