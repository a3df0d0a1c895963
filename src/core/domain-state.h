#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* libvirt's numbering, so virsh users read the same states. */
typedef enum {
    MARINA_DOMAIN_NOSTATE = 0,
    MARINA_DOMAIN_RUNNING = 1,
    MARINA_DOMAIN_BLOCKED = 2,
    MARINA_DOMAIN_PAUSED = 3,
    MARINA_DOMAIN_SHUTDOWN = 4, /* being shut down */
    MARINA_DOMAIN_SHUTOFF = 5,
    MARINA_DOMAIN_CRASHED = 6,
    MARINA_DOMAIN_PMSUSPENDED = 7,
    MARINA_DOMAIN_STATE_LAST
} MarinaDomainState;

/* Reasons, per state (libvirt's numbering). */
typedef enum {
    MARINA_RUNNING_UNKNOWN = 0,
    MARINA_RUNNING_BOOTED = 1,
    MARINA_RUNNING_MIGRATED = 2,
    MARINA_RUNNING_RESTORED = 3,
    MARINA_RUNNING_FROM_SNAPSHOT = 4,
    MARINA_RUNNING_UNPAUSED = 5,
    MARINA_RUNNING_MIGRATION_CANCELED = 6,
    MARINA_RUNNING_SAVE_CANCELED = 7,
    MARINA_RUNNING_WAKEUP = 8,
    MARINA_RUNNING_CRASHED = 9,
} MarinaRunningReason;

typedef enum {
    MARINA_PAUSED_UNKNOWN = 0,
    MARINA_PAUSED_USER = 1,
    MARINA_PAUSED_MIGRATION = 2,
    MARINA_PAUSED_SAVE = 3,
    MARINA_PAUSED_DUMP = 4,
    MARINA_PAUSED_IOERROR = 5,
    MARINA_PAUSED_WATCHDOG = 6,
    MARINA_PAUSED_FROM_SNAPSHOT = 7,
    MARINA_PAUSED_SHUTTING_DOWN = 8,
    MARINA_PAUSED_SNAPSHOT = 9,
    MARINA_PAUSED_CRASHED = 10,
    MARINA_PAUSED_STARTING_UP = 11,
} MarinaPausedReason;

typedef enum {
    MARINA_SHUTDOWN_UNKNOWN = 0,
    MARINA_SHUTDOWN_USER = 1,
} MarinaShutdownReason;

typedef enum {
    MARINA_SHUTOFF_UNKNOWN = 0,
    MARINA_SHUTOFF_SHUTDOWN = 1,
    MARINA_SHUTOFF_DESTROYED = 2,
    MARINA_SHUTOFF_CRASHED = 3,
    MARINA_SHUTOFF_MIGRATED = 4,
    MARINA_SHUTOFF_SAVED = 5,
    MARINA_SHUTOFF_FAILED = 6,
    MARINA_SHUTOFF_FROM_SNAPSHOT = 7,
    MARINA_SHUTOFF_DAEMON = 8,
} MarinaShutoffReason;

typedef enum {
    MARINA_CRASHED_UNKNOWN = 0,
    MARINA_CRASHED_PANICKED = 1,
} MarinaCrashedReason;

/* "running", "paused", "shut off", ... as virsh prints them. */
const char *marina_domain_state_to_string(MarinaDomainState state);
/* For people, translated and capitalised the same everywhere Marina shows a
 * guest's state (the manager's list, the VM window, Details, dialogs):
 * "Running", "Paused", "Shut off", ... (an idle guest reads "Running"). */
const char *marina_domain_state_label(MarinaDomainState state);
/* The same in running text, lower case where the language has cases:
 * "running", "paused", "shut off" ("It is paused."). */
const char *marina_domain_state_label_in_sentence(MarinaDomainState state);
/* "booted", "user", "destroyed", ... ("unknown" for anything else). */
const char *marina_domain_state_reason_to_string(MarinaDomainState state, guint reason);

G_END_DECLS
