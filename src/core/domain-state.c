#include "config.h"

#include "domain-state.h"

#include <glib/gi18n.h>

static const char *const state_names[] = {
    "no state", "running", "idle", "paused", "in shutdown", "shut off", "crashed", "pmsuspended",
};

static const char *const running_reasons[] = {
    "unknown",       "booted",   "migrated",           "restored",
    "from snapshot", "unpaused", "migration canceled", "save canceled",
    "wakeup",        "crashed",
};
static const char *const paused_reasons[] = {
    "unknown",  "user",          "migrating",     "saving",   "dumping", "I/O error",
    "watchdog", "from snapshot", "shutting down", "snapshot", "crashed", "starting up",
};
static const char *const shutdown_reasons[] = {"unknown", "user"};
static const char *const shutoff_reasons[] = {
    "unknown", "shutdown", "destroyed",     "crashed", "migrated",
    "saved",   "failed",   "from snapshot", "daemon",
};
static const char *const crashed_reasons[] = {"unknown", "panicked"};

const char *
marina_domain_state_to_string(MarinaDomainState state)
{
    if ((guint)state >= G_N_ELEMENTS(state_names))
        return "unknown";
    return state_names[state];
}

#define PICK(table) return reason < G_N_ELEMENTS(table) ? table[reason] : "unknown"

const char *
marina_domain_state_reason_to_string(MarinaDomainState state, guint reason)
{
    switch (state) {
    case MARINA_DOMAIN_RUNNING:
        PICK(running_reasons);
    case MARINA_DOMAIN_PAUSED:
        PICK(paused_reasons);
    case MARINA_DOMAIN_SHUTDOWN:
        PICK(shutdown_reasons);
    case MARINA_DOMAIN_SHUTOFF:
        PICK(shutoff_reasons);
    case MARINA_DOMAIN_CRASHED:
        PICK(crashed_reasons);
    default:
        return "unknown";
    }
}

const char *
marina_domain_state_label(MarinaDomainState state)
{
    switch (state) {
    case MARINA_DOMAIN_RUNNING:
    case MARINA_DOMAIN_BLOCKED:
        return _("Running");
    case MARINA_DOMAIN_PAUSED:
        return _("Paused");
    case MARINA_DOMAIN_SHUTDOWN:
        return _("Shutting down");
    case MARINA_DOMAIN_SHUTOFF:
        return _("Shut off");
    case MARINA_DOMAIN_CRASHED:
        return _("Crashed");
    case MARINA_DOMAIN_PMSUSPENDED:
        return _("Suspended");
    default:
        return _("Unknown");
    }
}

const char *
marina_domain_state_label_in_sentence(MarinaDomainState state)
{
    switch (state) {
    case MARINA_DOMAIN_RUNNING:
    case MARINA_DOMAIN_BLOCKED:
        /* Translators: a guest's state inside a sentence ("It is running.") */
        return C_("in a sentence", "running");
    case MARINA_DOMAIN_PAUSED:
        return C_("in a sentence", "paused");
    case MARINA_DOMAIN_SHUTDOWN:
        return C_("in a sentence", "shutting down");
    case MARINA_DOMAIN_SHUTOFF:
        return C_("in a sentence", "shut off");
    case MARINA_DOMAIN_CRASHED:
        return C_("in a sentence", "crashed");
    case MARINA_DOMAIN_PMSUSPENDED:
        return C_("in a sentence", "suspended");
    default:
        return C_("in a sentence", "in an unknown state");
    }
}
