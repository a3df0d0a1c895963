#pragma once

#include <gio/gio.h>

#include "connection.h"

G_BEGIN_DECLS

/*
 * The one job watcher: a long operation of the daemon (volume allocation,
 * clone, install download; later migration) is a Job object, and every
 * client watches it through this.
 *
 * Usage:
 *   Watchers come from the actions that start jobs
 *   (marina_pool_create_volume_finish, marina_volume_clone_finish,
 *   marina_domain_start_install_finish), or marina_job_watcher_new() for a
 *   job object path.
 *
 *     g_signal_connect(watcher, "progress", G_CALLBACK(on_progress), self);
 *     marina_job_watcher_wait_async(watcher, cancellable, on_job_done, self);
 *     ...
 *     static void on_job_done(GObject *source, GAsyncResult *result, gpointer data) {
 *         g_autoptr(GError) error = NULL;
 *         if (!marina_job_watcher_wait_finish(MARINA_JOB_WATCHER(source), result, &error))
 *             show(marina_error_message(error));  // G_IO_ERROR_CANCELLED when cancelled
 *     }
 *
 * Waiting completes when the job has ended: TRUE when it succeeded;
 * MARINA_ERROR_OPERATION_FAILED with the job's message when it failed;
 * G_IO_ERROR_CANCELLED when it was cancelled. A job that ended before the
 * watcher subscribed (it may end before the client even learns its path)
 * is seen through its Phase property: the watcher subscribes to Finished
 * first, then reads the properties.
 *
 * Cancelling the @cancellable given to wait cancels the JOB (Job.Cancel),
 * and the wait goes on until the daemon says how the job ended, so the
 * caller knows what is left (a job that finished before the cancel arrived
 * completes TRUE). marina_job_watcher_cancel_async() does the same without
 * a cancellable.
 *
 * Signal "progress" (guint64 processed, guint64 total, const char *phase):
 *   the job's figures changed; total is 0 when unknown (phase "running",
 *   "cancelling", "done", "failed", "cancelled"). Emitted only while waiting.
 */

#define MARINA_TYPE_JOB_WATCHER (marina_job_watcher_get_type())
G_DECLARE_FINAL_TYPE(MarinaJobWatcher, marina_job_watcher, MARINA, JOB_WATCHER, GObject)

/* Cheap: nothing is read from the daemon until waiting starts. */
MarinaJobWatcher *marina_job_watcher_new(MarinaConnection *connection, const char *object_path);

const char *marina_job_watcher_get_object_path(MarinaJobWatcher *self);
/* The figures last seen (0 / NULL before waiting started). */
guint64 marina_job_watcher_get_processed(MarinaJobWatcher *self);
guint64 marina_job_watcher_get_total(MarinaJobWatcher *self);
const char *marina_job_watcher_get_phase(MarinaJobWatcher *self);
/* processed / total in 0..1, or -1 when the total is unknown. */
double marina_job_watcher_get_fraction(MarinaJobWatcher *self);

void marina_job_watcher_wait_async(MarinaJobWatcher *self, GCancellable *cancellable,
                                   GAsyncReadyCallback callback, gpointer user_data);
gboolean marina_job_watcher_wait_finish(MarinaJobWatcher *self, GAsyncResult *result,
                                        GError **error);

/* Asks the daemon to cancel the job (Job.Cancel). A wait in progress then
 * completes with G_IO_ERROR_CANCELLED once the job has stopped. */
void marina_job_watcher_cancel_async(MarinaJobWatcher *self, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data);
gboolean marina_job_watcher_cancel_finish(MarinaJobWatcher *self, GAsyncResult *result,
                                          GError **error);

G_END_DECLS
