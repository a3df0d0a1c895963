#pragma once

#include <glib.h>

#include "core/domain-config.h"

G_BEGIN_DECLS

/*
 * A save image: a small header (magic, version, flags, the domain XML)
 * padded to 4 KiB, then QEMU's migration stream. The header lets `restore`
 * recreate the guest from the file alone.
 */

/* Write the header at the start of @fd and leave the offset where QEMU's
 * stream begins. */
gboolean marina_save_image_write_header(int fd, const MarinaDomainConfig *config, gboolean running,
                                        GError **error);

/* Read and check the header of @fd (hostile input: size limits, magic,
 * version); leaves the offset at QEMU's stream. */
MarinaDomainConfig *marina_save_image_read_header(int fd, gboolean *running, GError **error);

G_END_DECLS
