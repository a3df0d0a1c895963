/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What Add Hardware decides before it touches a guest: the target name of
 * a new disk, whether a new device clashes with the guest's own, and
 * whether QEMU can take it while the guest runs. No GTK here, so the rules
 * are unit-tested (test-add-hardware-target). */
#pragma once

#include <glib.h>

#include "domain-config.h"
#include "domain-device-edit.h"

G_BEGIN_DECLS

/* The target prefix of @bus: "vd" (virtio), "sd" (SATA, SCSI, USB),
 * "hd" (IDE), "fd" (floppy). */
const char *marina_disk_bus_prefix(MarinaDiskBus bus);

/* The first target of @bus's prefix no disk of @config uses, in libvirt's
 * order (vda ... vdz, vdaa ...), as virt-manager picks one: "vdb" beside
 * vda, "hdc" beside hda and hdb. IDE has four (hda to hdd), the floppy
 * controller two; NULL with an error naming the bus when all are taken. */
char *marina_disk_free_target(const MarinaDomainConfig *config, MarinaDiskBus bus, GError **error);

/* Refuses a device @config cannot take, naming the field: a disk target or
 * a MAC address already in use, then whatever the model refuses when the
 * device is added to a copy (a second watchdog or TPM, too many devices).
 * @config is not changed. */
gboolean marina_device_check_new(const MarinaDomainConfig *config, const MarinaDevice *device,
                                 GError **error);

/* TRUE when QEMU can plug @device into a running guest: a disk (not a
 * CD-ROM or floppy) on virtio, SCSI or USB, a network interface, a USB
 * input device, a USB host device. Others wait for the next boot. */
gboolean marina_device_can_hotplug(const MarinaDevice *device);

/* A volume name for a new disk image: "@base.@ext", or "@base-1.@ext",
 * "@base-2.@ext" ... when the pool has one by that name (@taken: its
 * volumes' names, NULL-terminated, may be NULL). */
char *marina_volume_free_name(const char *base, const char *ext, const char *const *taken);

G_END_DECLS
