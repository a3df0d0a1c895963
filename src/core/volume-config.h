#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * A storage volume in libvirt's volume XML:
 *   <volume> <name/> <key/> <capacity unit=''/> <allocation unit=''/>
 *     <target> <path/> <format type='qcow2|raw'/> </target>
 *     <backingStore> <path/> <format type=''/> </backingStore> </volume>
 * Sizes are bytes. allocation == capacity asks for full preallocation.
 */
typedef struct {
    char *name;
    char *key;
    guint64 capacity;
    guint64 allocation;
    gboolean has_allocation;
    char *path;
    char *format; /* "qcow2" or "raw"; NULL = pool default (qcow2) */
    char *backing_path;
    char *backing_format;
} MarinaVolumeConfig;

void marina_volume_config_free(MarinaVolumeConfig *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MarinaVolumeConfig, marina_volume_config_free)

MarinaVolumeConfig *marina_volume_config_parse(const char *xml, gssize len, GError **error);
gboolean marina_volume_config_validate(const MarinaVolumeConfig *config, GError **error);
char *marina_volume_config_format(const MarinaVolumeConfig *config);

/* Largest capacity accepted (1 PiB): beyond it is a typo, not a disk. */
#define MARINA_VOLUME_MAX_CAPACITY (G_GUINT64_CONSTANT(1) << 50)

G_END_DECLS
