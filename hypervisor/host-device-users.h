#pragma once

#include <glib.h>

#include "core/domain-config.h"

G_BEGIN_DECLS

/*
 * Which guests use a host device (Host.ListHostDevices' "used-by"): a
 * guest's <hostdev> names a USB device by vendor/product ID or by bus and
 * device number, a PCI function by its address. Kept apart from the sysfs
 * listing so it can be tested without devices.
 */

/* One host device as the listing sees it. */
typedef struct {
    MarinaHostdevType type;
    guint vendor_id; /* USB */
    guint product_id;
    guint usb_bus;
    guint usb_device;
    guint pci_domain; /* PCI */
    guint pci_bus;
    guint pci_slot;
    guint pci_function;
} MarinaHostDeviceId;

/* Whether @hostdev (from a guest's definition) is @device. */
gboolean marina_host_device_matches(const MarinaHostdevConfig *hostdev,
                                    const MarinaHostDeviceId *device);

/* The names of @guests (const MarinaDomainConfig*, a guest's definition and
 * its running config may both be there) that use @device, sorted, each once,
 * joined with ", "; "" when none. */
char *marina_host_device_users(const GPtrArray *guests, const MarinaHostDeviceId *device);

/* "0000:01:00.0" -> the PCI numbers; FALSE when it is not such an address. */
gboolean marina_host_device_parse_pci(const char *address, MarinaHostDeviceId *device);

G_END_DECLS
