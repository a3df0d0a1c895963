#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Write all @len bytes to @fd (a local file), retrying after signals.
 * FALSE with errno set when the write fails. Blocking: only for small
 * writes to regular files, never for sockets or pipes. */
gboolean marina_write_all_fd(int fd, const void *data, gsize len);

G_END_DECLS
