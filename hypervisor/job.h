#pragma once

#include <gio/gio.h>

#include "marina-dbus.h"

G_BEGIN_DECLS

/*
 * A long storage operation (allocation, clone) seen by clients as
 * /org/marinavm/Marina1/job/<n> (org.marinavm.Marina1.Job): progress in the
 * Processed / Total / Phase properties, Cancel, and Finished(ok, error).
 * The job's skeleton is exported on every client connection, so property
 * changes and Finished reach every client without polling.
 */
#define MARINA_TYPE_JOB (marina_job_get_type())
G_DECLARE_FINAL_TYPE(MarinaJob, marina_job, MARINA, JOB, GObject)

MarinaJob *marina_job_new(guint id, guint64 total);
const char *marina_job_get_object_path(MarinaJob *self);
/* Cancelled when a client calls Cancel. */
GCancellable *marina_job_get_cancellable(MarinaJob *self);
void marina_job_set_progress(MarinaJob *self, guint64 processed);
void marina_job_set_total(MarinaJob *self, guint64 total);
/* Ends the job: @error NULL means success. Emits Finished once. */
void marina_job_finish(MarinaJob *self, const GError *error);
gboolean marina_job_is_finished(MarinaJob *self);
/* Serve the job on @connection (call for every client, new ones too). */
void marina_job_export(MarinaJob *self, GDBusConnection *connection);
void marina_job_unexport(MarinaJob *self, GDBusConnection *connection);

G_END_DECLS
