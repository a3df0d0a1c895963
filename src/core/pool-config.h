#pragma once

#include <glib.h>

#include "storage-size.h"

G_BEGIN_DECLS

/*
 * A storage pool in libvirt's pool XML:
 *   <pool type='dir|fs|netfs|logical'>
 *     <name/> <uuid/> <capacity unit=''/> <allocation/> <available/>
 *     <source> <device path=''/> <host name=''/> <dir path=''/> <format type=''/> <name/> </source>
 *     <target> <path/> </target>
 *   </pool>
 * Sizes are bytes.
 */
typedef struct {
    char *type; /* "dir", "fs", "netfs", "logical" */
    char *name;
    char *uuid;
    guint64 capacity;
    guint64 allocation;
    guint64 available;
    char *target_path;
    char *source_device;   /* fs, logical: block device (the first one) */
    char **source_devices; /* logical: every <device path>, NULL-terminated (may be NULL) */
    char *source_host;     /* netfs */
    char *source_dir;      /* netfs: exported directory */
    char *source_format;   /* fs: ext4, ...; netfs: nfs */
    char *source_name;     /* logical: volume group (default: the pool's name) */
} MarinaPoolConfig;

/* At most this many <device> elements in a logical pool's <source>. */
#define MARINA_POOL_MAX_DEVICES 64

void marina_pool_config_free(MarinaPoolConfig *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MarinaPoolConfig, marina_pool_config_free)

/* Parse (hardened) and validate; a missing UUID is generated. */
MarinaPoolConfig *marina_pool_config_parse(const char *xml, gssize len, GError **error);
gboolean marina_pool_config_validate(const MarinaPoolConfig *config, GError **error);
char *marina_pool_config_format(const MarinaPoolConfig *config);

/* Pool and volume names: 1-200 of [A-Za-z0-9_.+-], not starting with '.' or '-'.
 * @what is "pool" or "volume" (for the message). */
gboolean marina_storage_name_is_valid(const char *name, const char *what, GError **error);

G_END_DECLS
