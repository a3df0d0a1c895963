#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Sizes as people and libvirt XML write them. Apart from the pool and volume
 * XML so that a program that only reads sizes from its command line
 * (marinactl) does not link libxml2.
 */

/* "10G", "512M", "1T", "4096" (bytes), "1.5G"; binary units (K = 1024). FALSE if malformed
 * or above 2^63. */
gboolean marina_parse_size(const char *text, guint64 *bytes, GError **error);
/* A libvirt <capacity unit='X'>N</capacity> value in bytes. */
gboolean marina_size_with_unit(const char *value, const char *unit, guint64 *bytes, GError **error);

G_END_DECLS
