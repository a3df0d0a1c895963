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

/* Domain.GetJobInfo's phase. */
typedef enum {
    MARINA_JOB_PHASE_NONE,      /* no job (type "none") */
    MARINA_JOB_PHASE_SETUP,     /* getting the streams and the destination ready */
    MARINA_JOB_PHASE_STORAGE,   /* copying disks (copy-storage) */
    MARINA_JOB_PHASE_MEMORY,    /* copying memory */
    MARINA_JOB_PHASE_POSTCOPY,  /* running on the destination, pulling the rest */
    MARINA_JOB_PHASE_COMPLETED, /* ended well */
    MARINA_JOB_PHASE_FAILED,
    MARINA_JOB_PHASE_CANCELLED,
    MARINA_JOB_PHASE_UNKNOWN, /* a phase this client does not know (phase_name says it) */
} MarinaJobPhase;

/* Domain.GetJobInfo: the guest's current job (virsh domjobinfo) and the
 * "progress" of a MarinaMigration. Bytes, bytes per second, milliseconds;
 * figures the daemon left out are 0. The figures are the daemon's and are
 * not checked against each other (processed may exceed total): use
 * marina_job_info_get_fraction() for a progress bar. */
typedef struct {
    char *type; /* "none" or "migration" (or what a newer daemon says) */
    MarinaJobPhase phase;
    char *phase_name; /* the daemon's word for it, "" when absent */
    guint64 elapsed_ms;
    guint64 data_total; /* memory and disks */
    guint64 data_processed;
    guint64 data_remaining;
    guint64 memory_total;
    guint64 memory_processed;
    guint64 memory_remaining;
    guint64 memory_bps; /* transfer speed */
    guint64 dirty_rate; /* bytes per second the guest dirties */
    guint64 iterations;
    guint64 expected_downtime_ms;
    guint64 downtime_ms; /* once completed; see has_downtime */
    gboolean has_downtime;
    guint64 setup_ms;
    guint64 disk_total;
    guint64 disk_processed;
    guint64 bandwidth; /* the limit, bytes per second; 0 = none */
    guint64 max_downtime_ms;
} MarinaJobInfo;

/* @phase as a word for people ("memory", "storage", ...), translated. */
const char *marina_job_phase_to_string(MarinaJobPhase phase);
/* data_processed / data_total in 0..1, -1 when the total is unknown. */
double marina_job_info_get_fraction(const MarinaJobInfo *info);
/* TRUE while a job runs (phase setup, storage, memory or postcopy). */
gboolean marina_job_info_is_active(const MarinaJobInfo *info);
MarinaJobInfo *marina_job_info_copy(const MarinaJobInfo *info);

/* Whether the daemon's node information named @key (e.g. "mhz"), to tell
 * "absent" from 0 or "". */
gboolean marina_node_info_has(const MarinaNodeInfo *info, const char *key);

void marina_domain_record_free(MarinaDomainRecord *record);
void marina_domain_info_free(MarinaDomainInfo *info);
void marina_node_info_free(MarinaNodeInfo *info);
void marina_host_properties_free(MarinaHostProperties *properties);
void marina_pool_info_free(MarinaPoolInfo *info);
void marina_volume_info_free(MarinaVolumeInfo *info);
void marina_job_info_free(MarinaJobInfo *info);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(MarinaDomainRecord, marina_domain_record_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MarinaDomainInfo, marina_domain_info_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MarinaNodeInfo, marina_node_info_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MarinaHostProperties, marina_host_properties_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MarinaPoolInfo, marina_pool_info_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MarinaVolumeInfo, marina_volume_info_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MarinaJobInfo, marina_job_info_free)

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
/* Domain.GetJobInfo's a{sv}; any other value (or NULL) gives a record of
 * type "none". */
MarinaJobInfo *marina_job_info_from_variant(GVariant *info);

/* ---- Virtual networks and host devices ---- */

/* One virtual network as Host.ListNetworks reports it. */
typedef struct {
    char *object_path;
    char *name;
    gboolean active;
    gboolean autostart;
    gboolean persistent;
    char *bridge;  /* "" when not running and none is named */
    char *forward; /* "nat", "route", "open", "bridge" or "none" (isolated) */
} MarinaNetworkRecord;

/* Network.GetInfo. Strings absent from the reply are "", numbers 0. */
typedef struct {
    char *name;
    char *uuid;
    gboolean active;
    gboolean autostart;
    gboolean persistent;
    char *bridge;
    char *forward;     /* as in MarinaNetworkRecord */
    char *forward_dev; /* the only host device NAT / routing uses, or "" */
    char *ipv4;        /* "192.168.122.1/24" or "" */
    char *ipv6;
    char *dhcp_start; /* the first IPv4 DHCP range, or "" */
    char *dhcp_end;
    char *ipv6_dhcp_start;
    char *ipv6_dhcp_end;
    guint mtu;        /* 0 = default */
    char *how;        /* how guests attach here: "bridge", "bridge-helper" or "user" */
    char *how_detail; /* one sentence for people */
    char **guests;    /* running guests attached; never NULL */
} MarinaNetworkInfo;

/* One DHCP lease (Network.GetDHCPLeases, virsh net-dhcp-leases). */
typedef struct {
    gint64 expiry; /* unix seconds, 0 = never */
    char *mac;
    char *address;
    guint prefix;
    char *type;      /* "ipv4" or "ipv6" */
    char *hostname;  /* "" when the client sent none */
    char *client_id; /* "" when none */
} MarinaDhcpLease;

/* One network interface of the daemon's host (Host.ListHostInterfaces). */
typedef struct {
    char *name;
    char *mac;
    char *state; /* "up" or "down" */
    char *kind;  /* "ethernet", "bridge", "wireless", "loopback", "other" */
    guint mtu;
    char **addresses;     /* "192.168.1.5/24"; never NULL */
    char *marina_network; /* the virtual network that made it, or "" */
} MarinaHostInterface;

/* A USB or PCI device of the host a guest can be given (Host.ListHostDevices). */
typedef struct {
    char *type; /* "usb" or "pci" */
    char *name; /* "usb_1_4", "pci_0000_00_1f_3" */
    guint16 vendor_id;
    guint16 product_id;
    char *vendor;
    char *product;
    guint bus;       /* USB */
    guint device;    /* USB */
    char *address;   /* PCI "0000:00:1f.3"; "" for USB */
    char *pci_class; /* PCI class; "" for USB */
    char *driver;    /* PCI: the bound driver, "" when none */
    int iommu_group; /* PCI: -1 when none (and for USB) */
    char *used_by;   /* the guest that has it, or "" */
} MarinaHostDevice;

void marina_network_record_free(MarinaNetworkRecord *record);
void marina_network_info_free(MarinaNetworkInfo *info);
void marina_dhcp_lease_free(MarinaDhcpLease *lease);
void marina_host_interface_free(MarinaHostInterface *iface);
void marina_host_device_free(MarinaHostDevice *device);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(MarinaNetworkRecord, marina_network_record_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MarinaNetworkInfo, marina_network_info_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MarinaDhcpLease, marina_dhcp_lease_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MarinaHostInterface, marina_host_interface_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MarinaHostDevice, marina_host_device_free)

GPtrArray *marina_network_records_from_variant(GVariant *networks);   /* a(osbbbss) */
MarinaNetworkInfo *marina_network_info_from_variant(GVariant *info);  /* a{sv} */
GPtrArray *marina_dhcp_leases_from_variant(GVariant *leases);         /* aa{sv} */
GPtrArray *marina_host_interfaces_from_variant(GVariant *interfaces); /* aa{sv} */
/* @type "usb" or "pci", as asked for. */
GPtrArray *marina_host_devices_from_variant(const char *type, GVariant *devices); /* aa{sv} */

G_END_DECLS
