/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The rows of a guest's hardware list in Details, as virt-manager names
 * them: Overview, OS information, Performance, CPUs, Memory, Boot options,
 * then one row per device ("VirtIO Disk 1", "SATA CD-ROM 1", "NIC :a1:b2:c3",
 * "Tablet", "Display VNC" ...), and XML last. */
#pragma once

#include <glib.h>

#include "domain-config.h"
#include "domain-device-edit.h"

G_BEGIN_DECLS

typedef enum {
    MARINA_HW_OVERVIEW,
    MARINA_HW_OS,
    MARINA_HW_PERFORMANCE,
    MARINA_HW_CPU,
    MARINA_HW_MEMORY,
    MARINA_HW_BOOT,
    MARINA_HW_DISK,
    MARINA_HW_NIC,
    MARINA_HW_INPUT,
    MARINA_HW_GRAPHICS,
    MARINA_HW_SOUND,
    MARINA_HW_CHAR, /* index: serial ports first, then consoles */
    MARINA_HW_VIDEO,
    MARINA_HW_CONTROLLER,
    MARINA_HW_WATCHDOG,
    MARINA_HW_RNG,
    MARINA_HW_HOSTDEV,
    MARINA_HW_TPM,
    MARINA_HW_XML,
    MARINA_HW_N_KINDS,
} MarinaHwKind;

typedef struct {
    MarinaHwKind kind;
    guint index;      /* in the kind's list of the definition */
    char *label;      /* translated */
    const char *icon; /* an icon of the Adwaita theme */
} MarinaHwEntry;

void marina_hw_entry_free(MarinaHwEntry *entry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MarinaHwEntry, marina_hw_entry_free)

/* Every row for @config, in order (MarinaHwEntry*, owned by the array).
 * @config NULL: the rows of the guest itself only (no devices known yet). */
GPtrArray *marina_hw_device_list(const MarinaDomainConfig *config);

/* "USB 046d:c52b", "PCI 0000:01:00.0": a host device as the list names it. */
char *marina_hw_hostdev_name(const MarinaHostdevConfig *hostdev);

/* Whether rows of @kind are devices (they can be removed). */
gboolean marina_hw_kind_is_device(MarinaHwKind kind);

/* The stack page name of @kind ("overview", "disk" ...). */
const char *marina_hw_kind_name(MarinaHwKind kind);

/* The device @index of @kind in @config as a MarinaDevice that points into
 * @config (not a copy); FALSE when there is none or @kind is no device. */
gboolean marina_hw_device_at(const MarinaDomainConfig *config, MarinaHwKind kind, guint index,
                             MarinaDevice *out);

/* Removes the device @index of @kind from @config; FALSE when there is none. */
gboolean marina_hw_remove_device(MarinaDomainConfig *config, MarinaHwKind kind, guint index);

G_END_DECLS
