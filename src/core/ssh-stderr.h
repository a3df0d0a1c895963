#pragma once

/* ssh's standard error, read as it comes and kept in part (its last
 * MARINA_SSH_STDERR_KEEP bytes), so that a failure can say why and the
 * pipe never fills while the connection lives. Prompts do not pass here:
 * ssh asks on /dev/tty (or through an askpass program). Not for use outside
 * src/core. */

#include <gio/gio.h>

G_BEGIN_DECLS

#define MARINA_SSH_STDERR_KEEP 8192

typedef struct _MarinaSshStderr MarinaSshStderr;

/* Starts reading @pipe (a pollable stream, e.g. a GSubprocess's stderr pipe)
 * whenever it has data, on the thread-default main context. */
MarinaSshStderr *marina_ssh_stderr_new(GInputStream *pipe);
/* Reads what @pipe holds now without waiting: after ssh exited, all it
 * wrote, even when the main context did not run meanwhile. */
void marina_ssh_stderr_drain(MarinaSshStderr *self);
/* What was kept, starting at a line when text was dropped; never NULL. */
const char *marina_ssh_stderr_get_text(MarinaSshStderr *self);
/* Keeps @text as if read (for tests). */
void marina_ssh_stderr_append(MarinaSshStderr *self, const char *text, gsize len);
void marina_ssh_stderr_free(MarinaSshStderr *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(MarinaSshStderr, marina_ssh_stderr_free)

G_END_DECLS
