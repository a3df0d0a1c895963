#pragma once

#include <gio/gio.h>

#include "disk-users.h"
#include "job.h"

G_BEGIN_DECLS

/*
 * What storage needs from the daemon above it, filled in by daemon.c when it
 * builds storage: storage never calls up into the daemon, it calls these.
 * Every callback gets @user_data.
 */
typedef struct {
    /* FALSE, with @invocation already answered (Error.ReadOnly), when the
     * caller may not change anything. */
    gboolean (*check_writable)(GDBusMethodInvocation *invocation, gpointer user_data);
    /* A new job served to every client (@total bytes, 0 when unknown); the
     * daemon owns it, take a reference to keep it. */
    MarinaJob *(*new_job)(guint64 total, gpointer user_data);
    /* Ends @job: @error NULL means success. */
    void (*end_job)(MarinaJob *job, const GError *error, gpointer user_data);
    /* Which guests use which files as disks, for one request. */
    MarinaDiskUsers *(*collect_disk_users)(gpointer user_data);
    gpointer user_data;
} MarinaStorageHost;

G_END_DECLS
