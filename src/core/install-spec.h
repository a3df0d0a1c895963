#pragma once

#include <glib.h>
#include "domain-config.h"

G_BEGIN_DECLS

/*
 * What a person chose in the new-guest wizard or on `marinactl install`'s
 * command line, and the two things made from it: the guest's definition
 * (libvirt domain XML, what it boots from after installing) and the
 * one-shot install boot handed to Domain.StartInstall.
 *
 * Shared by the wizard and marinactl so both make the same guests.
 */

typedef enum {
    MARINA_INSTALL_MEDIA,    /* an ISO file or volume: attached as a CD-ROM, booted once */
    MARINA_INSTALL_LOCATION, /* a network install tree: the daemon fetches kernel + initrd */
    MARINA_INSTALL_PXE,      /* network boot once */
    MARINA_INSTALL_IMPORT,   /* boot an existing disk image; no install boot */
    MARINA_INSTALL_KERNEL,   /* direct kernel boot, kept in the definition */
    MARINA_INSTALL_MANUAL,   /* define only: nothing to boot from yet */
} MarinaInstallMethod;

typedef enum {
    MARINA_INSTALL_DISK_NEW,      /* create a volume in a pool (pool, size, format, sparse) */
    MARINA_INSTALL_DISK_EXISTING, /* use path (a volume's or a file's path on the host) */
} MarinaInstallDiskKind;

typedef struct {
    MarinaInstallDiskKind kind;
    char *pool;      /* NEW: pool name */
    char *volume;    /* NEW: volume name; NULL = "<guest name>.qcow2" / ".img" */
    guint64 size;    /* NEW: bytes */
    char *format;    /* "qcow2" (default) or "raw"; EXISTING: NULL = detect from name */
    gboolean sparse; /* NEW: allocate on demand (default) rather than now */
    char *path;      /* EXISTING: path on the daemon's host; NEW: filled in once created */
} MarinaInstallDisk;

typedef struct {
    char *name;
    char *title; /* may be NULL */
    guint64 memory_mib;
    guint vcpus;
    MarinaInstallMethod method;
    char *media;      /* MEDIA: ISO path on the daemon's host */
    char *location;   /* LOCATION: URL */
    char *kernel;     /* KERNEL: kernel path on the daemon's host */
    char *initrd;     /* KERNEL: may be NULL */
    char *cmdline;    /* KERNEL and LOCATION: kernel arguments; may be NULL */
    GPtrArray *disks; /* MarinaInstallDisk*, in target order (vda, vdb, ...) */
    /* "user" (user-mode NAT), "network=NAME", "bridge=NAME" or "none";
     * NULL = "user" on a session daemon */
    char *network;
    char *os_variant; /* osinfo short id ("debian12", "fedora39", "generic") or NULL */
    gboolean virtio;  /* virtio disks and network; FALSE: SATA/IDE disks and e1000 */
    char *machine;    /* NULL = "pc" */
    char *arch;       /* NULL = "x86_64" */
    char *firmware;   /* "bios" or "efi" (OVMF, <os firmware='efi'>); NULL = "bios" */
} MarinaInstallSpec;

MarinaInstallSpec *marina_install_spec_new(void); /* virtio TRUE, vcpus 1, memory 1024 */
void marina_install_spec_free(MarinaInstallSpec *spec);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MarinaInstallSpec, marina_install_spec_free)

MarinaInstallDisk *marina_install_disk_new(MarinaInstallDiskKind kind);
void marina_install_disk_free(MarinaInstallDisk *disk);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MarinaInstallDisk, marina_install_disk_free)

/* Check the choices before anything is made: the name, memory (>= 64 MiB),
 * vCPUs (1..255), what the method needs (media for MEDIA, an http/https/ftp
 * URL for LOCATION, an absolute kernel path for KERNEL, a disk for IMPORT),
 * disk sizes and formats, the network string. The message names the field
 * and says what to do. */
gboolean marina_install_spec_validate(const MarinaInstallSpec *spec, GError **error);

/* The guest's definition: memory, vCPUs, disks (NEW disks must have their
 * path filled in), the CD-ROM with the media (MEDIA; an empty CD-ROM for
 * LOCATION/PXE/MANUAL is not added), one network interface, a serial port
 * and console, VNC graphics, a USB tablet, virtio RNG when virtio,
 * <os> boot order hd then cdrom (MEDIA) / network (PXE), and for KERNEL the
 * kernel, initrd and cmdline. The os variant is recorded in <metadata> the
 * way libvirt's libosinfo metadata does
 * (<libosinfo:libosinfo><libosinfo:os id="http://…"/>) when known.
 * A UUID is generated. */
MarinaDomainConfig *marina_install_spec_to_config(const MarinaInstallSpec *spec, GError **error);

/* The a{sv} for Domain.StartInstall (floating), or NULL when the method has
 * no install boot (IMPORT, KERNEL, MANUAL: a plain Start does). MEDIA:
 * boot ["cdrom", "hd"]; LOCATION: location + cmdline; PXE: boot ["network"]. */
GVariant *marina_install_spec_install_boot(const MarinaInstallSpec *spec);

/* "user" | "network=NAME" | "bridge=NAME" | "none" → parts; FALSE with a
 * message for anything else. */
gboolean marina_install_parse_network(const char *text, char **kind, char **source, GError **error);

/* The volume name for disk @index: its own, else "<name>.qcow2" (".img"
 * for raw), "<name>-1.qcow2", ... as virt-install names them. */
char *marina_install_disk_volume_name(const MarinaInstallSpec *spec, guint index);

G_END_DECLS
