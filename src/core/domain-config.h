#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * The domain configuration model: libvirt-compatible domain XML parsed into
 * plain structs, validated, and written back out. Shared by marinad (which
 * builds QEMU command lines from it) and the clients.
 *
 * Strings are owned (g_free), lists are GPtrArrays that own their elements.
 * Optional strings are NULL when absent. Memory sizes are KiB.
 */

typedef enum {
    MARINA_DISK_TYPE_FILE,
    MARINA_DISK_TYPE_BLOCK,
} MarinaDiskType;

typedef enum {
    MARINA_DISK_DEVICE_DISK,
    MARINA_DISK_DEVICE_CDROM,
    MARINA_DISK_DEVICE_FLOPPY,
} MarinaDiskDevice;

typedef enum {
    MARINA_DISK_BUS_VIRTIO,
    MARINA_DISK_BUS_SATA,
    MARINA_DISK_BUS_IDE,
    MARINA_DISK_BUS_SCSI,
    MARINA_DISK_BUS_USB,
    MARINA_DISK_BUS_FDC,
} MarinaDiskBus;

typedef struct {
    MarinaDiskType type;
    MarinaDiskDevice device;
    char *source;      /* <source file=|dev=>; NULL for an empty cdrom/floppy */
    char *format;      /* <driver type=>: "raw" or "qcow2"; NULL = raw */
    char *cache;       /* <driver cache=>: none, writeback, writethrough, directsync, unsafe,
                          default; NULL = QEMU default */
    char *discard;     /* <driver discard=>: "unmap" or "ignore"; NULL = QEMU default (ignore) */
    char *target_dev;  /* <target dev=>: vda, sda, hdc, fda ... (required) */
    MarinaDiskBus bus; /* <target bus=>; default derived from target_dev prefix */
    gboolean readonly;
    gboolean shareable;
    guint boot_order; /* <boot order=>; 0 = not set */
    char *serial;     /* <serial> */
} MarinaDiskConfig;

typedef struct {
    char *type;  /* usb, scsi, sata, ide, pci, virtio-serial */
    guint index; /* <controller index=> */
    char *model; /* model attribute or NULL; "none" for usb means no USB */
    /* TRUE when the XML gave no index: the whole-domain parser assigns the
     * next free one of its type, marina_domain_config_add_device() too. */
    gboolean index_auto;
} MarinaControllerConfig;

typedef enum {
    MARINA_NET_TYPE_USER,
    MARINA_NET_TYPE_NETWORK,
    MARINA_NET_TYPE_BRIDGE,
} MarinaNetType;

typedef struct {
    MarinaNetType type;
    char *mac;              /* "52:54:00:xx:xx:xx", always set after parsing (generated) */
    gboolean mac_generated; /* TRUE when the XML had no <mac>: the daemon may pick another */
    char *model;            /* virtio, e1000, e1000e, rtl8139, ne2k_pci, pcnet; NULL = virtio */
    char *source;           /* network name (NETWORK) or bridge name (BRIDGE); NULL for USER */
    char *target_dev;       /* <target dev=>: tap name, or NULL */
    guint boot_order;
    gboolean link_down; /* <link state='down'/>: the guest sees no carrier; FALSE = up */
    guint mtu;          /* <mtu size=>: 68 to 65535; 0 = not set */
} MarinaInterfaceConfig;

typedef enum {
    MARINA_CHAR_SERIAL,
    MARINA_CHAR_CONSOLE,
} MarinaCharKind;

typedef struct {
    MarinaCharKind kind;
    char *type;        /* <serial type=>: pty, unix, file, null ... as written */
    guint port;        /* <target port=> */
    char *target_type; /* console <target type=>: "serial" or "virtio"; serial: "isa-serial" */
    /* TRUE when the XML gave no <target port=>: marina_domain_config_add_device()
     * picks the lowest free one. */
    gboolean port_auto;
} MarinaCharConfig;

typedef struct {
    char *type;     /* "vnc" (only type Marina runs; others are warned about) */
    char *listen;   /* listen address as written, or NULL */
    int port;       /* port as written, -1 = autoport */
    char *password; /* passwd attribute, or NULL */
    char *keymap;   /* keymap attribute, or NULL */
} MarinaGraphicsConfig;

typedef struct {
    char *model; /* vga, cirrus, virtio, bochs, ramfb, qxl, none */
    guint vram_kib;
    guint heads;
} MarinaVideoConfig;

typedef struct {
    char *type; /* tablet, mouse, keyboard */
    char *bus;  /* usb, ps2, virtio */
} MarinaInputConfig;

typedef struct {
    char *model; /* ich6, ich9, ac97, es1370, sb16, usb */
} MarinaSoundConfig;

typedef struct {
    char *model;  /* i6300esb, ib700, itco */
    char *action; /* reset, shutdown, poweroff, pause, none, inject-nmi; NULL = reset */
} MarinaWatchdogConfig;

typedef struct {
    char *model;   /* virtio */
    char *backend; /* <backend model='random'>/dev/urandom</backend>: the device path */
} MarinaRngConfig;

typedef enum {
    MARINA_HOSTDEV_USB,
    MARINA_HOSTDEV_PCI,
} MarinaHostdevType;

/* <hostdev mode='subsystem' type='usb|pci' managed='yes|no'>: a host device
 * given to the guest. USB by <source><vendor id/><product id/> and/or
 * <source><address bus device/>; PCI by <source><address domain bus slot
 * function/>. The numbers are 0 when not given (no USB ID or bus is 0). */
typedef struct {
    MarinaHostdevType type;
    gboolean managed; /* managed='yes': the daemon detaches it from its host driver */
    guint vendor_id;  /* USB <vendor id='0x046d'/>, 0x0001 to 0xffff */
    guint product_id; /* USB <product id='0xc52b'/> */
    guint usb_bus;    /* USB <address bus='1' device='4'/> */
    guint usb_device;
    guint pci_domain;   /* PCI <address domain='0x0000' bus='0x01' slot='0x00' function='0x0'/> */
    guint pci_bus;      /* 0 to 0xff */
    guint pci_slot;     /* 0 to 0x1f */
    guint pci_function; /* 0 to 7 */
} MarinaHostdevConfig;

typedef enum {
    MARINA_TPM_MODEL_TIS, /* tpm-tis (libvirt's default) */
    MARINA_TPM_MODEL_CRB, /* tpm-crb */
} MarinaTpmModel;

typedef enum {
    MARINA_TPM_BACKEND_EMULATOR,    /* swtpm, state kept per guest */
    MARINA_TPM_BACKEND_PASSTHROUGH, /* the host's TPM */
} MarinaTpmBackend;

/* <tpm model=><backend type='emulator' version='2.0'/></tpm> or
 * <backend type='passthrough'><device path='/dev/tpm0'/></backend>. */
typedef struct {
    MarinaTpmModel model;
    MarinaTpmBackend backend;
    char *version;     /* emulator: "2.0" or "1.2"; NULL = 2.0 */
    char *device_path; /* passthrough: NULL = /dev/tpm0 */
} MarinaTpmConfig;

/* <cputune><vcpupin vcpu='0' cpuset='0-1'/>: where one vCPU may run. */
typedef struct {
    guint vcpu;   /* below the maximum vCPU count */
    char *cpuset; /* libvirt CPU list, e.g. "0-3,^2" */
} MarinaVcpuPin;

typedef enum {
    MARINA_LIFECYCLE_DESTROY,
    MARINA_LIFECYCLE_RESTART,
    MARINA_LIFECYCLE_PRESERVE,
} MarinaLifecycleAction;

typedef struct {
    /* <domain type=>: "kvm" or "qemu" (TCG); Marina honours the daemon's
     * accelerator setting either way. */
    char *domain_type;
    char *name;
    char *uuid; /* canonical lower-case 36-char form; generated if absent */
    char *title;
    char *description;

    guint64 memory_kib;         /* <memory> (maximum) */
    guint64 current_memory_kib; /* <currentMemory>; = memory_kib if absent */
    guint vcpus;                /* <vcpu> (maximum) */
    guint current_vcpus;        /* <vcpu current=>; = vcpus if absent */
    char *cpuset;               /* <vcpu cpuset=> as written, validated */

    char *os_type;        /* "hvm" */
    char *arch;           /* "x86_64" (default) */
    char *machine;        /* "pc", "q35", "pc-i440fx-7.2" ...; NULL = "pc" */
    GPtrArray *boot_devs; /* char*: "hd", "cdrom", "network", "fd" in order */
    gboolean boot_menu;
    char *kernel;
    char *initrd;
    char *cmdline;
    char *firmware; /* "bios" (default) or "efi" */
    char *loader;   /* <loader> path or NULL */
    char *nvram;    /* <nvram> path or NULL; with UEFI the daemon fills it in at first start */
    char *nvram_template; /* <nvram template=>: the variables file a new NVRAM is copied from */

    gboolean acpi;
    gboolean apic;
    gboolean pae;

    char *cpu_mode;  /* host-passthrough, host-model, custom, maximum; NULL = QEMU default */
    char *cpu_model; /* with custom */
    /* <cpu><topology sockets dies cores threads/>: all 0 when absent; when
     * given, their product is the maximum vCPU count (dies 0 means 1). */
    guint cpu_sockets;
    guint cpu_dies;
    guint cpu_cores;
    guint cpu_threads;
    GPtrArray *vcpupins; /* MarinaVcpuPin*, <cputune><vcpupin>, one per vCPU at most */

    char *clock_offset; /* "utc" (default) or "localtime" */

    MarinaLifecycleAction on_poweroff; /* default DESTROY */
    MarinaLifecycleAction on_reboot;   /* default RESTART */
    MarinaLifecycleAction on_crash;    /* default DESTROY */

    char *emulator;                 /* <emulator> path or NULL (daemon default) */
    GPtrArray *disks;               /* MarinaDiskConfig* */
    GPtrArray *controllers;         /* MarinaControllerConfig* */
    GPtrArray *interfaces;          /* MarinaInterfaceConfig* */
    GPtrArray *serials;             /* MarinaCharConfig* (kind SERIAL) */
    GPtrArray *consoles;            /* MarinaCharConfig* (kind CONSOLE) */
    GPtrArray *graphics;            /* MarinaGraphicsConfig* */
    GPtrArray *videos;              /* MarinaVideoConfig* */
    GPtrArray *inputs;              /* MarinaInputConfig* */
    GPtrArray *sounds;              /* MarinaSoundConfig* */
    char *memballoon_model;         /* "virtio" or "none"; NULL = virtio */
    GPtrArray *rngs;                /* MarinaRngConfig* */
    MarinaWatchdogConfig *watchdog; /* NULL = none */
    GPtrArray *hostdevs;            /* MarinaHostdevConfig* */
    MarinaTpmConfig *tpm;           /* NULL = none */
    char *metadata_xml;             /* <metadata> kept verbatim (serialized), or NULL */
} MarinaDomainConfig;

void marina_vcpu_pin_free(MarinaVcpuPin *pin);

/* Largest domain XML document accepted, in bytes. */
#define MARINA_DOMAIN_XML_MAX (1024 * 1024)

/*
 * Parse and validate libvirt domain XML. On success returns a new config
 * with defaults filled in (UUID and MACs generated when absent) and appends
 * to @warnings (if not NULL; element type char*) one sentence per element or
 * attribute Marina does not support and ignored, naming it. On failure sets
 * MARINA_ERROR_INVALID_CONFIG with a message naming the element and the reason.
 * Parsing never touches the network, never loads external entities, and
 * refuses entity definitions and documents over MARINA_DOMAIN_XML_MAX.
 */
MarinaDomainConfig *marina_domain_config_parse(const char *xml, gssize len, GPtrArray *warnings,
                                               GError **error);

/* Check a config built or modified in code (same rules the parser applies). */
gboolean marina_domain_config_validate(const MarinaDomainConfig *config, GError **error);

/* libvirt-style XML, two-space indented, that parses back to an equal config. */
char *marina_domain_config_to_xml(const MarinaDomainConfig *config);

MarinaDomainConfig *marina_domain_config_new(void);
MarinaDomainConfig *marina_domain_config_copy(const MarinaDomainConfig *config);
void marina_domain_config_free(MarinaDomainConfig *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MarinaDomainConfig, marina_domain_config_free)

/* Names: letters, digits, '_', '.', '-', '+'; 1..64 characters; not starting with '.' or '-'. */
gboolean marina_domain_name_is_valid(const char *name, GError **error);

/* UUID helpers: generation (random v4) and canonicalisation of any accepted
 * form (with or without dashes, any case). Returns NULL if @text is invalid. */
char *marina_uuid_generate(void);
char *marina_uuid_canonicalize(const char *text);

/* MAC helpers: a random 52:54:00:xx:xx:xx; canonical lower-case form or NULL
 * if @text is not a valid unicast MAC. */
char *marina_mac_generate(void);
char *marina_mac_canonicalize(const char *text);

/* Disk cfg lookup by target dev, NULL if none. */
MarinaDiskConfig *marina_domain_config_find_disk(const MarinaDomainConfig *config,
                                                 const char *target_dev);

/* Parse a libvirt memory value with unit ("b", "KiB", "M", "GiB", ...) into
 * KiB. Units are case-insensitive where libvirt's are; default unit KiB. */
gboolean marina_parse_memory(const char *value, const char *unit, guint64 *out_kib, GError **error);

G_END_DECLS
