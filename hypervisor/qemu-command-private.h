#pragma once

/*
 * Shared by the files that build the QEMU command line (qemu-command.c:
 * machine, CPU, memory, boot, controllers; qemu-command-devices.c: disks,
 * network, balloon, RNG, watchdog; qemu-command-display.c: serial ports,
 * consoles, graphics, video, input, sound; qemu-command-host.c: host devices,
 * TPM). Not for use elsewhere.
 */

#include <glib.h>

#include "qemu-command.h"

G_BEGIN_DECLS

typedef struct {
    const MarinaDomainConfig *config;
    const MarinaQemuCommandOptions *options;
    GPtrArray *argv;
    GPtrArray *warnings;
    gboolean kvm;
    gboolean q35;
    gboolean per_device_boot;
    gboolean need_usb;
    gboolean have_ahci;
    gboolean have_scsi;
    gboolean have_virtio_serial;
} MarinaQemuBuilder;

/* Append one argument. */
void marina_qemu_add(MarinaQemuBuilder *b, const char *arg);
/* Append @flag (unless NULL) and the formatted value. */
void marina_qemu_addf(MarinaQemuBuilder *b, const char *flag, const char *format, ...)
    G_GNUC_PRINTF(3, 4);
/* Append @flag and the text of @value, which it frees. */
void marina_qemu_add_gstring(MarinaQemuBuilder *b, const char *flag, GString *value);
/* A sentence for the caller's warnings: something configured that QEMU will not get. */
void marina_qemu_warn(MarinaQemuBuilder *b, const char *format, ...) G_GNUC_PRINTF(2, 3);
/* Both set and equal. */
gboolean marina_qemu_str_eq(const char *a, const char *b);

/* Sections, in command-line order after the machine (qemu-command-devices.c). */
gboolean marina_qemu_add_disk(MarinaQemuBuilder *b, const MarinaDiskConfig *disk, GError **error);
gboolean marina_qemu_add_interface(MarinaQemuBuilder *b, const MarinaInterfaceConfig *iface,
                                   guint i, GError **error);
gboolean marina_qemu_add_misc(MarinaQemuBuilder *b, GError **error);

/* qemu-command-host.c: host devices (USB, PCI) and the TPM. */
gboolean marina_qemu_add_hostdevs(MarinaQemuBuilder *b, GError **error);
gboolean marina_qemu_add_tpm(MarinaQemuBuilder *b, GError **error);
/* Whether a USB host device needs the USB controller. */
gboolean marina_qemu_hostdevs_need_usb(const MarinaDomainConfig *config);

/* qemu-command-display.c */
gboolean marina_qemu_add_chardevs(MarinaQemuBuilder *b, GError **error);
void marina_qemu_add_graphics(MarinaQemuBuilder *b);
gboolean marina_qemu_add_videos(MarinaQemuBuilder *b, GError **error);
gboolean marina_qemu_add_inputs(MarinaQemuBuilder *b, GError **error);
gboolean marina_qemu_add_sounds(MarinaQemuBuilder *b, GError **error);

G_END_DECLS
