#pragma once

#include <gio/gio.h>
#include "connection.h"
#include "install-spec.h"

G_BEGIN_DECLS

/*
 * Makes a new guest from a MarinaInstallSpec over a connection, the way the
 * wizard's Finish and `marinactl install` do:
 *   1. check the name is free and every NEW disk's pool is active with
 *      room for it (Error.InvalidArgument naming the pool and both sizes);
 *   2. create the NEW disks (StoragePool.CreateVolume, waiting on the jobs;
 *      the volume's path is written into the spec's disk);
 *   3. define the guest (Host.DefineDomain);
 *   4. unless prepare-only: start it — Domain.StartInstall with the spec's
 *      install boot (waiting on its job: downloading, then starting), or
 *      Domain.Start when there is none (IMPORT, KERNEL); MANUAL only defines.
 * When any step fails or is cancelled, what the earlier steps made is
 * removed again (the guest undefined, the created volumes deleted) before
 * the error is returned: nothing is left half-made.
 *
 * "Customize configuration before install" runs prepare (1-3), lets the
 * person edit the definition, then begin (4) — or abandon, which removes
 * what prepare made.
 */

#define MARINA_TYPE_INSTALLER (marina_installer_get_type())
G_DECLARE_FINAL_TYPE(MarinaInstaller, marina_installer, MARINA, INSTALLER, GObject)

typedef enum {
    MARINA_INSTALLER_CHECKING,
    MARINA_INSTALLER_CREATING_DISKS,
    MARINA_INSTALLER_DEFINING,
    MARINA_INSTALLER_DOWNLOADING, /* StartInstall's job with a location */
    MARINA_INSTALLER_STARTING,
    MARINA_INSTALLER_CLEANING_UP, /* after a failure */
} MarinaInstallerStep;

/* Takes a reference on @connection; copies nothing of @spec (it must live as
 * long as the installer; it is the installer's after this call). */
MarinaInstaller *marina_installer_new(MarinaConnection *connection, MarinaInstallSpec *spec);
MarinaInstallSpec *marina_installer_get_spec(MarinaInstaller *self);

/* Signals:
 *   "progress" (MarinaInstallerStep step, const char *message, double fraction)
 *      fraction 0..1 within the step, or -1 when unknown; message is for a
 *      person ("Creating disk web1.qcow2 in pool default").
 */

/* Steps 1-4 (@prepare_only: 1-3). Completes with the guest's object path. */
void marina_installer_run_async(MarinaInstaller *self, gboolean prepare_only,
                                GCancellable *cancellable, GAsyncReadyCallback callback,
                                gpointer user_data);
char *marina_installer_run_finish(MarinaInstaller *self, GAsyncResult *result, GError **error);

/* Step 4 after a prepare-only run (customize). On failure the guest and its
 * new disks are removed, as in run. */
void marina_installer_begin_async(MarinaInstaller *self, GCancellable *cancellable,
                                  GAsyncReadyCallback callback, gpointer user_data);
gboolean marina_installer_begin_finish(MarinaInstaller *self, GAsyncResult *result, GError **error);

/* Undo a prepare-only run (the person cancelled the customize step). */
void marina_installer_abandon_async(MarinaInstaller *self, GAsyncReadyCallback callback,
                                    gpointer user_data);
gboolean marina_installer_abandon_finish(MarinaInstaller *self, GAsyncResult *result,
                                         GError **error);

G_END_DECLS
