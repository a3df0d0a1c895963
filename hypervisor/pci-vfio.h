#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * Moving a PCI host device between its host driver and vfio-pci through
 * sysfs (pci-vfio.c), as libvirt does for <hostdev managed='yes'>. Every
 * function takes the sysfs root ("/sys" on a real host) so the steps can be
 * run against a fake tree in a test. @address is "dddd:bb:ss.f".
 */

#define MARINA_SYSFS_ROOT "/sys"

/* Whether <root>/bus/pci/devices/@address exists. */
gboolean marina_pci_device_exists(const char *root, const char *address);
/* The driver the device is bound to now ("" for none). */
char *marina_pci_current_driver(const char *root, const char *address);
/* Hand the device to vfio-pci: driver_override, unbind from @driver (its
 * current one, "" for none), then a probe. The kernel does the move; the
 * caller checks marina_pci_current_driver() afterwards. */
gboolean marina_pci_bind_vfio(const char *root, const char *address, const char *driver,
                              GError **error);
/* Give the device back to @original ("" for none: it is left unbound):
 * clear driver_override, unbind from vfio-pci, bind to @original (a probe
 * when its bind file is missing). */
gboolean marina_pci_release_vfio(const char *root, const char *address, const char *original,
                                 GError **error);
/* A PCI address as sysfs spells it, checked: "0000:01:00.0". */
gboolean marina_pci_address_is_valid(const char *address);

G_END_DECLS
