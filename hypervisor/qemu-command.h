#pragma once

#include <glib.h>

#include "core/domain-config.h"

G_BEGIN_DECLS

/*
 * Builds the qemu-system argv for a domain configuration. Pure: no I/O, no
 * process state, so it is unit-tested and serves `marinactl domxml-to-native`.
 *
 * Sockets are created by the daemon and handed to QEMU as inherited file
 * descriptors (listening sockets QEMU serves), so the daemon can connect the
 * moment QEMU is spawned and re-connect after the daemon restarts.
 */
typedef struct {
    const char *emulator; /* used when the config has no <emulator>; NULL = "qemu-system-x86_64" */
    const char *accel;    /* "kvm" or "tcg" (required) */
    int qmp_fd;           /* listening unix socket for QMP, as numbered in QEMU */
    /* One listening unix socket per character device slot (see
     * marina_qemu_command_n_chardevs), as numbered in QEMU; QEMU waits for
     * the daemon to connect before the guest runs, so no output is lost. */
    const int *chardev_fds;
    guint n_chardev_fds;
    const char *vnc_socket; /* path for -vnc unix:...; NULL = no graphics even if configured */
    gboolean incoming;      /* restore: add "-incoming defer" (the daemon feeds the state) */
    gboolean start_paused;  /* add -S */
    /* Added fields (zero-initialise the struct, e.g. `= {0}`): */
    /* One open tap fd per <interface> in config order, as numbered in QEMU,
     * -1 for none. Interfaces of type network/bridge need one (the system
     * daemon creates the taps); type user needs none. */
    const int *tap_fds;
    guint n_tap_fds;
    /* One -netdev value (without id) per <interface> in config order, NULL
     * for none: how a type 'network' interface without a tap joins its
     * network here ("user,hostfwd=..." or "bridge,br=...,helper=...", see
     * network-registry.h). */
    const char *const *netdevs;
    guint n_netdevs;
} MarinaQemuCommandOptions;

/* Number of character device slots (serial ports, then virtio consoles) the
 * domain needs; slot i is what Domain.OpenSerial(i) opens. Serial ports are
 * ordered by target port; a <console> of target type serial is the same
 * slot as serial port 0 (it gets one of its own only when there is no
 * <serial>).
 *
 * QEMU serves each slot with "server=on,wait=on" on the inherited listening
 * socket: it blocks during start-up until a client connects to every slot
 * socket, so no early boot output is lost. The QMP greeting only arrives
 * after that: the daemon must connect the slot sockets (connect() succeeds
 * at once through the listen backlog) before or while it waits for QMP. */
guint marina_qemu_command_n_chardevs(const MarinaDomainConfig *config);

/* Escape a value for QEMU's "key=value,key=value" option syntax (',' -> ',,'). */
char *marina_qemu_escape_opt(const char *value);

/*
 * Returns a NULL-terminated argv (g_strfreev), argv[0] the emulator. Appends
 * to @warnings (char*, may be NULL) a sentence for each configured item QEMU
 * will not get and why. Fails with MARINA_ERROR_INVALID_CONFIG or
 * MARINA_ERROR_UNSUPPORTED naming the item when the config cannot be run.
 */
char **marina_qemu_command_build(const MarinaDomainConfig *config,
                                 const MarinaQemuCommandOptions *options, GPtrArray *warnings,
                                 GError **error);

G_END_DECLS
