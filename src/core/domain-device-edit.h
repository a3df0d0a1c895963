#pragma once

#include <glib.h>

#include "domain-config.h"

G_BEGIN_DECLS

/*
 * One device of a guest as its own XML element: what attach-device,
 * detach-device and update-device take, what the hardware editor changes.
 * Parsed with the same device tables as the whole domain (domain-devices.c),
 * so a device is read, checked and written the same way in both.
 */

typedef enum {
    MARINA_DEVICE_DISK,
    MARINA_DEVICE_CONTROLLER,
    MARINA_DEVICE_INTERFACE,
    MARINA_DEVICE_SERIAL,
    MARINA_DEVICE_CONSOLE,
    MARINA_DEVICE_GRAPHICS,
    MARINA_DEVICE_VIDEO,
    MARINA_DEVICE_INPUT,
    MARINA_DEVICE_SOUND,
    MARINA_DEVICE_HOSTDEV,
    MARINA_DEVICE_WATCHDOG,
    MARINA_DEVICE_RNG,
    MARINA_DEVICE_TPM,
    MARINA_DEVICE_MEMBALLOON,
} MarinaDeviceKind;

typedef struct {
    MarinaDeviceKind kind;
    gpointer config; /* MarinaDiskConfig*, MarinaInterfaceConfig*, ... by kind */
} MarinaDevice;

void marina_device_free(MarinaDevice *device);
MarinaDevice *marina_device_copy(const MarinaDevice *device);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MarinaDevice, marina_device_free)

/* One device element (<disk>...</disk>), hardened as the domain reader is.
 * Defaults are filled in as in a whole domain (a generated MAC for an
 * interface without one, a disk bus from its target). Errors name the
 * element and field. */
MarinaDevice *marina_device_parse(const char *xml, gssize len, GPtrArray *warnings, GError **error);
/* The element alone, two-space indented, as it appears in the domain XML. */
char *marina_device_to_xml(const MarinaDevice *device);

/* How the user names it: "Disk 'vda'", "Network interface 52:54:00:..",
 * "Graphics (VNC)" ... (translated). */
char *marina_device_describe(const MarinaDevice *device);

/* The index in its list of the device of @config that @device names, as
 * libvirt matches for detach / update: a disk by target dev, an interface
 * by MAC, a controller by type and index, a serial / console by port, a
 * hostdev by its source address, single devices (watchdog, tpm,
 * memballoon) always; others (input, video, sound, graphics, rng) the first
 * equal one. -1 and MARINA_ERROR_NO_SUCH_DEVICE ("Guest 'web1' has no disk
 * 'vdb'.") when there is none. */
int marina_domain_config_find_device(const MarinaDomainConfig *config, const MarinaDevice *device,
                                     GError **error);

/* Adds a copy of @device to @config, assigning what is left to assign (a
 * disk target for an empty one is an error; a controller index, a serial
 * port), then validates the whole config: a duplicate target or MAC, too
 * many devices, a second watchdog are refused with the device named, and
 * @config is left as it was. */
gboolean marina_domain_config_add_device(MarinaDomainConfig *config, const MarinaDevice *device,
                                         GError **error);
/* Removes the device marina_domain_config_find_device() finds. */
gboolean marina_domain_config_remove_device(MarinaDomainConfig *config, const MarinaDevice *device,
                                            GError **error);
/* Replaces the device that @device names with @device, then validates; on
 * error @config is unchanged. */
gboolean marina_domain_config_replace_device(MarinaDomainConfig *config, const MarinaDevice *device,
                                             GError **error);

G_END_DECLS
