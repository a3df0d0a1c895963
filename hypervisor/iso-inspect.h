#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * What an ISO 9660 image (a CD/DVD install medium) says about itself, read
 * from its volume descriptors: the identifiers libosinfo matches to an
 * operating system, and whether it carries an El Torito boot record.
 *
 * Install media come from anywhere (a download, a path a client typed), so
 * everything here is hostile input: sizes are bounded, identifiers are
 * reduced to printable ASCII, and opening a path never blocks (FIFOs,
 * devices other than block devices and directories are refused).
 */

#define MARINA_ISO_SECTOR_SIZE 2048
/* The volume descriptor set starts at sector 16 (the first 32 KiB are the
 * "system area", free for a boot loader or an MBR). */
#define MARINA_ISO_DESCRIPTORS_OFFSET (16 * MARINA_ISO_SECTOR_SIZE)
/* Real images have three to five descriptors (primary, boot record, Joliet,
 * terminator); more than this is not an image worth reading further. */
#define MARINA_ISO_MAX_DESCRIPTORS 64

typedef struct {
    char *volume_id; /* blank-trimmed printable ASCII; "" when absent */
    char *system_id;
    char *publisher_id;
    char *application_id;
    gboolean bootable;   /* an El Torito boot record is present */
    guint64 volume_size; /* bytes the primary descriptor claims; 0 when inconsistent */
    guint64 size;        /* bytes of the file or block device (0 from the buffer parser) */
} MarinaIsoInfo;

void marina_iso_info_free(MarinaIsoInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MarinaIsoInfo, marina_iso_info_free)

/* Parse the volume descriptor set: @data is the image from byte
 * MARINA_ISO_DESCRIPTORS_OFFSET on, @len bytes of it (at most
 * MARINA_ISO_MAX_DESCRIPTORS sectors are looked at). @name is what error
 * messages call the image (its path). Fails with MARINA_ERROR_INVALID_ARGUMENT
 * when there is no primary volume descriptor. */
MarinaIsoInfo *marina_iso_parse_descriptors(const guint8 *data, gsize len, const char *name,
                                            GError **error);

/* Open @path (a regular file or a block device) without blocking and parse
 * its descriptors. Blocking I/O: call it from a worker thread. Errors are
 * MARINA_ERROR_INVALID_ARGUMENT and name the path. */
MarinaIsoInfo *marina_iso_inspect_path(const char *path, GError **error);

/* The a{sv} of Host.InspectMedia: path, size, bootable, volume-id,
 * system-id, publisher-id, application-id. Floating. */
GVariant *marina_iso_info_to_variant(const MarinaIsoInfo *info, const char *path);

G_END_DECLS
