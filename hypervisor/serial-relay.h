#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * Relays one guest serial port between QEMU's character device socket and
 * any number of clients. Everything the guest prints goes to a scrollback
 * ring (the newest @scrollback_max bytes, handed to every new client so it
 * sees what came before it attached), to a per-guest log file capped at
 * @log_max bytes (the older half is moved to "<log>.1" when it is full),
 * and to every attached client. What any client writes goes to the guest.
 *
 * Signals:
 *   "output" (GBytes *data) -- every chunk the guest printed
 *   "guest-closed" ()       -- QEMU closed its end
 */
#define MARINA_TYPE_SERIAL_RELAY (marina_serial_relay_get_type())
G_DECLARE_FINAL_TYPE(MarinaSerialRelay, marina_serial_relay, MARINA, SERIAL_RELAY, GObject)

/* @log_path may be NULL (no log). */
MarinaSerialRelay *marina_serial_relay_new(const char *log_path, gsize log_max,
                                           gsize scrollback_max);

/* Start relaying on @stream, QEMU's side (takes a reference). Replaces any
 * previous guest stream (e.g. after the daemon re-attaches). */
void marina_serial_relay_attach_guest(MarinaSerialRelay *self, GIOStream *stream);
void marina_serial_relay_detach_guest(MarinaSerialRelay *self);

/* A new client: returns a file descriptor (one end of a socketpair; the
 * caller hands it out and closes it) and the current scrollback. */
int marina_serial_relay_add_client(MarinaSerialRelay *self, GBytes **scrollback, GError **error);

/*
 * For a relay taking over a guest an earlier daemon relayed (the daemon was
 * restarted): the scrollback starts as the tail of the log, up to
 * @scrollback_max bytes (reaching into "<log>.1" when the log was rotated
 * lately), since the earlier ring died with that daemon and the log holds
 * the same bytes. Call it before attaching the guest. The tail is read when
 * first needed (a client attaches or the guest prints), so guests nobody
 * looks at cost no memory; only the tail is read, however big the log.
 */
void marina_serial_relay_restore_scrollback(MarinaSerialRelay *self);

guint marina_serial_relay_get_n_clients(MarinaSerialRelay *self);
GBytes *marina_serial_relay_get_scrollback(MarinaSerialRelay *self);

/* Write to the guest as if a client typed it. */
void marina_serial_relay_write(MarinaSerialRelay *self, const void *data, gsize len);

G_END_DECLS
