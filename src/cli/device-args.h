#pragma once

#include <glib.h>

#include "domain-device-edit.h"

G_BEGIN_DECLS

/*
 * What the device commands of marinactl (commands-device.c) make of their
 * arguments, apart from any connection so it can be tested alone: the
 * device a command line describes (built with the domain model, written
 * with marina_device_to_xml), the --live / --config / --current rules, and
 * the domblklist / domiflist tables.
 */

/* virsh attach-disk's options; NULL when not given. */
typedef struct {
    const char *source;
    const char *target;
    const char *targetbus;  /* virtio, scsi, ide, sata, usb, fdc */
    const char *driver;     /* "qemu" */
    const char *subdriver;  /* raw, qcow2 */
    const char *type;       /* disk, cdrom, floppy */
    const char *mode;       /* readonly, shareable */
    const char *cache;      /* none, writeback, ... */
    const char *sourcetype; /* file, block */
} CliDiskArgs;

/* The <disk> attach-disk describes, checked as the daemon would read it. */
MarinaDevice *cli_build_disk(const CliDiskArgs *args, GError **error);

/* The <interface> attach-interface describes: @type user, network or bridge;
 * @source the network or bridge (NULL for user); the rest may be NULL. */
MarinaDevice *cli_build_interface(const char *type, const char *source, const char *mac,
                                  const char *model, const char *target, GError **error);

/* virsh's rules: --current excludes --live and --config; --persistent
 * (attach / detach) means --config, and --live too while @running. */
gboolean cli_affect_flags(gboolean live, gboolean config, gboolean current, gboolean persistent,
                          gboolean running, guint *flags, GError **error);

/* change-media: the new drive from @current (a CD-ROM or floppy of the
 * guest) with @source (NULL: ejected). */
MarinaDevice *cli_media_device(const MarinaDiskConfig *current, const char *source);

/* The disk of @config whose target or source is @path, or NULL. */
MarinaDiskConfig *cli_find_disk(const MarinaDomainConfig *config, const char *path);

/* blockresize's SIZE: a number with an optional unit, KiB when none (as
 * virsh); "B" for bytes, K/M/G/T binary, KB/MB/GB/TB decimal. */
gboolean cli_parse_resize(const char *text, guint64 *bytes, GError **error);

/* The tables of domblklist (with @details: Type, Device) and domiflist. */
char *cli_format_domblklist(const MarinaDomainConfig *config, gboolean details);
char *cli_format_domiflist(const MarinaDomainConfig *config);

G_END_DECLS
