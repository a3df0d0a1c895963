#pragma once

#include <gio/gio.h>

#include "domain-state.h"

G_BEGIN_DECLS

/*
 * Typed replies of the client API: what the daemon answers to listings and
 * GetInfo calls, as plain structs so no caller reads a GVariant by its type
 * string. Each has a _free function and g_autoptr support; arrays of them
 * come as GPtrArray with the free function set. Strings are never NULL
 * unless the field says so.
 */

/* One guest as Host.ListDomains (MarinaHost) reports it. */
typedef struct {
    char *object_path;
    int id; /* -1 when not running */
    char *name;
    char *uuid;
    MarinaDomainState state;
    guint reason;
    gboolean persistent;
    gboolean autostart;
    guint64 max_memory_kib;
    guint vcpus;
    char *title;
} MarinaDomainRecord;

/* Domain.GetInfo. Fields the daemon left out keep these defaults: id -1,
 * os_type "hvm", title "", pid -1, numbers 0, flags FALSE. */
typedef struct {
    MarinaDomainState state;
    guint reason;
    guint64 max_memory_kib;
    guint64 memory_kib;
    guint vcpus;
    guint64 cpu_time_ns;
    gboolean persistent;
    gboolean autostart;
    gboolean managed_save;
    int id;
    char *os_type;
    char *title;
    int pid; /* running only */
} MarinaDomainInfo;

/* Host.GetNodeInfo. Strings absent from the reply are "", numbers 0;
 * @dict holds the whole reply (a{sv}) for keys this struct does not name
 * and for telling "absent" from 0 (g_variant_dict_contains). */
typedef struct {
    char *hostname;
    char *cpu_model;
    guint cpus;
    guint sockets;
    guint cores;
    guint threads;
    guint mhz;
    guint64 memory_kib;
    guint64 free_memory_kib;
    char *accelerator; /* "kvm", "tcg"; "none" on the test driver */
    char *emulator;
    char *emulator_version;
    char *arch;
    char *driver;   /* "qemu" or "test" */
    char **bridges; /* never NULL; empty when none */
    guint nodes;    /* test driver */
    guint networks; /* test driver */
    guint pools;    /* test driver */
    GVariantDict *dict;
} MarinaNodeInfo;

/* The Host object's properties, read in one call. */
typedef struct {
    char *version;
    char *driver; /* "qemu" or "test" */
    char *mode;   /* "session" or "system" */
    char *hostname;
    guint stats_interval_ms; /* 0: statistics off */
} MarinaHostProperties;

/* A storage pool: Host.ListPools fills object_path, name, active,
 * autostart, capacity, allocation, available (uuid, type and path are ""
 * and persistent TRUE); StoragePool.GetInfo fills everything but
 * object_path (""). Sizes in bytes. */
typedef struct {
    char *object_path;
    char *name;
    char *uuid;
    char *type; /* "dir", "fs", "netfs", "logical" */
    gboolean active;
    gboolean autostart;
    gboolean persistent;
    guint64 capacity;
    guint64 allocation;
    guint64 available;
    char *path; /* the pool's target directory */
} MarinaPoolInfo;

/* A storage volume: StoragePool.ListVolumes fills object_path, name, path,
 * capacity, allocation, format, used_by (pool and backing are "");
 * StorageVolume.GetInfo fills everything but object_path (""). */
typedef struct {
    char *object_path;
    char *name;
    char *pool;
    char *path; /* the file or device on the daemon's host */
    guint64 capacity;
    guint64 allocation;
    char *format;   /* "raw", "qcow2", ... */
    char *backing;  /* "" when none */
    char **used_by; /* names of the guests that have it as a disk, sorted; never NULL */
} MarinaVolumeInfo;

/* Whether the daemon's node information named @key (e.g. "mhz"), to tell
 * "absent" from 0 or "". */
gboolean marina_node_info_has(const MarinaNodeInfo *info, const char *key);

void marina_domain_record_free(MarinaDomainRecord *record);
void marina_domain_info_free(MarinaDomainInfo *info);
void marina_node_info_free(MarinaNodeInfo *info);
void marina_host_properties_free(MarinaHostProperties *properties);
void marina_pool_info_free(MarinaPoolInfo *info);
void marina_volume_info_free(MarinaVolumeInfo *info);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(MarinaDomainRecord, marina_domain_record_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MarinaDomainInfo, marina_domain_info_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MarinaNodeInfo, marina_node_info_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MarinaHostProperties, marina_host_properties_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MarinaPoolInfo, marina_pool_info_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MarinaVolumeInfo, marina_volume_info_free)

/* Parsing the daemon's replies; used by the client objects and tests. */
GPtrArray *marina_domain_records_from_variant(GVariant *domains); /* a(oissuubbtus) */
/* A value of @type sent as its little-endian serialisation in an ay
 * (ListDomainsPacked, StatsUpdatedPacked), checked once: bytes that are not
 * in normal form are read through their normal form, never trusted. */
GVariant *marina_variant_from_packed(GVariant *packed, const GVariantType *type);
/* The other way, for the daemon: @value's little-endian serialisation as a
 * floating ay, made once. */
GVariant *marina_variant_to_packed(GVariant *value);
/* Host.ListDomainsPacked's reply: ay holding a(oissuubbtus), little-endian. */
GPtrArray *marina_domain_records_from_packed(GVariant *packed);
MarinaDomainInfo *marina_domain_info_from_variant(GVariant *info);               /* a{sv} */
MarinaNodeInfo *marina_node_info_from_variant(GVariant *info);                   /* a{sv} */
MarinaHostProperties *marina_host_properties_from_variant(GVariant *properties); /* a{sv} */
GPtrArray *marina_pool_infos_from_variant(GVariant *pools);                      /* a(osbbttt) */
/* GetInfo's a{sv} of the pool or volume at @object_path. */
MarinaPoolInfo *marina_pool_info_from_variant(GVariant *info, const char *object_path);
GPtrArray *marina_volume_infos_from_variant(GVariant *volumes); /* a(ossttsas) */
MarinaVolumeInfo *marina_volume_info_from_variant(GVariant *info, const char *object_path);

G_END_DECLS
