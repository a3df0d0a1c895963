#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * The a{sv} parameters of the migration methods (see the D-Bus XML), read
 * with their types and ranges checked: a client's mistake gets a message
 * that names the parameter.
 */
typedef struct {
    gboolean live;
    gboolean persistent;
    gboolean copy_storage;
    gboolean tunnelled;
    gboolean postcopy;
    gboolean undefine_source;
    gboolean auto_converge;
    char *source_host;
    char *address;
    guint16 port;
    guint streams;
    guint64 max_downtime_ms; /* 0: QEMU's default */
    guint64 bandwidth;       /* bytes/s, 0: unlimited */
    GVariant *info;          /* a{sv}, or NULL */
} MarinaMigrationParams;

#define MARINA_MIGRATION_MAX_DISKS 64
#define MARINA_MIGRATION_MAX_DOWNTIME_MS 2000000                     /* QEMU's limit: 2000 s */
#define MARINA_MIGRATION_MAX_BANDWIDTH (G_GUINT64_CONSTANT(1) << 40) /* 1 TiB/s */

gboolean marina_migration_params_parse(GVariant *dict, MarinaMigrationParams *params,
                                       GError **error);
void marina_migration_params_clear(MarinaMigrationParams *params);

/* The disks of MigrateBegin's info, checked. */
typedef struct {
    char *target;
    char *path;
    char *format;
    guint64 capacity;
    gboolean readonly;
    char *pool;
    char *volume;
} MarinaMigrationDisk;

/* A GArray of MarinaMigrationDisk that frees their strings. */
GArray *marina_migration_disks_new(void);

/* info's disks appended to @disks (from marina_migration_disks_new), checked. */
gboolean marina_migration_info_disks(GVariant *info, GArray *disks, GError **error);
/* A string of info, or @fallback. */
const char *marina_migration_info_string(GVariant *info, const char *key, const char *fallback);
guint64 marina_migration_info_uint64(GVariant *info, const char *key);
guint marina_migration_info_uint32(GVariant *info, const char *key, guint fallback);

G_END_DECLS
