#pragma once

#include <gio/gio.h>

#include "connection.h"
#include "domain-affect.h"
#include "domain-state.h"
#include "job-watcher.h"
#include "records.h"

G_BEGIN_DECLS

/*
 * One guest to act on: start it, stop it, read its XML, open its consoles.
 * MarinaGuest (guest.h) is the cached list item the views show; MarinaDomain
 * is the action object. Creating one costs nothing (no round trip, no
 * signal subscription), so make one when you act and drop it after:
 *
 *   From a list item or an object path the daemon returned:
 *     g_autoptr(MarinaDomain) domain =
 *         marina_domain_new(connection, marina_guest_get_object_path(guest));
 *   From a name, UUID or id the user typed (properties loaded):
 *     marina_host_lookup_domain_async(host, "web1", cancellable, on_found, self);
 *
 *   Running an action:
 *     marina_domain_start_async(domain, MARINA_DOMAIN_START_NONE, cancellable, on_started, self);
 *     static void on_started(GObject *source, GAsyncResult *result, gpointer data) {
 *         g_autoptr(GError) error = NULL;
 *         if (!marina_domain_start_finish(MARINA_DOMAIN(source), result, &error))
 *             show(marina_error_message(error));
 *     }
 *   Synchronously (marinactl, tests): see sync-wait.h.
 *
 * Every action has an _async / _finish pair, takes a GCancellable and uses
 * the timeout policy of call-timeouts.h. Errors raised by the daemon arrive
 * as MARINA_ERROR codes (error.h) with the daemon's message; show
 * marina_error_message(error) to people.
 *
 * Properties (name, state, ...) are not read unless asked for:
 * marina_domain_load_async() reads them once and keeps them current from
 * then on, emitting "changed" () when any changes and
 * "state-changed" (guint state, guint reason, const char *event,
 * const char *detail) on the daemon's StateChanged. Before loading, the
 * getters return NULL / -1 / 0 / FALSE.
 */

#define MARINA_TYPE_DOMAIN (marina_domain_get_type())
G_DECLARE_FINAL_TYPE(MarinaDomain, marina_domain, MARINA, DOMAIN, GObject)

/* Domain.Start flags; Host.CreateDomain and RestoreDomain take PAUSED too. */
typedef enum {
    MARINA_DOMAIN_START_NONE = 0,
    MARINA_DOMAIN_START_PAUSED = 1 << 0,
    MARINA_DOMAIN_START_FORCE_BOOT = 1 << 1, /* discard the managed save image */
} MarinaDomainStartFlags;

typedef enum {
    MARINA_DOMAIN_UNDEFINE_NONE = 0,
    MARINA_DOMAIN_UNDEFINE_MANAGED_SAVE = 1 << 0, /* also remove the managed save image */
    MARINA_DOMAIN_UNDEFINE_NVRAM = 1 << 1,        /* also remove the UEFI NVRAM the daemon made */
    MARINA_DOMAIN_UNDEFINE_KEEP_TPM = 1 << 2,     /* keep the swtpm state (default: removed) */
} MarinaDomainUndefineFlags;

typedef enum {
    MARINA_DOMAIN_XML_NONE = 0,
    MARINA_DOMAIN_XML_INACTIVE = 1 << 0, /* the persistent definition, even while running */
} MarinaDomainXmlFlags;

/* @object_path as the daemon gave it (ListDomains, DefineDomain, a
 * MarinaGuest). Never fails for a valid object path; an unknown guest
 * shows as MARINA_ERROR_NO_SUCH_DOMAIN from the first action. */
MarinaDomain *marina_domain_new(MarinaConnection *connection, const char *object_path);

MarinaConnection *marina_domain_get_connection(MarinaDomain *self);
const char *marina_domain_get_object_path(MarinaDomain *self);

/* ---- Properties ---- */

void marina_domain_load_async(MarinaDomain *self, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data);
gboolean marina_domain_load_finish(MarinaDomain *self, GAsyncResult *result, GError **error);
gboolean marina_domain_is_loaded(MarinaDomain *self);

const char *marina_domain_get_name(MarinaDomain *self);
const char *marina_domain_get_uuid(MarinaDomain *self);
const char *marina_domain_get_title(MarinaDomain *self);
int marina_domain_get_id(MarinaDomain *self); /* -1 when not running (or not loaded) */
MarinaDomainState marina_domain_get_state(MarinaDomain *self, guint *reason);
gboolean marina_domain_get_persistent(MarinaDomain *self);
gboolean marina_domain_get_autostart(MarinaDomain *self);
gboolean marina_domain_get_has_managed_save(MarinaDomain *self);
gboolean marina_domain_get_installing(MarinaDomain *self);

/* ---- Lifecycle ---- */

void marina_domain_start_async(MarinaDomain *self, MarinaDomainStartFlags flags,
                               GCancellable *cancellable, GAsyncReadyCallback callback,
                               gpointer user_data);
gboolean marina_domain_start_finish(MarinaDomain *self, GAsyncResult *result, GError **error);

/* Boots once from an install source (see Domain.StartInstall in
 * data/dbus/org.marinavm.Marina1.xml; marina_install_spec_install_boot()
 * builds @install, a floating reference is consumed). Completes with the
 * job to watch: it ends when the guest runs. Flags: PAUSED only. */
void marina_domain_start_install_async(MarinaDomain *self, GVariant *install,
                                       MarinaDomainStartFlags flags, GCancellable *cancellable,
                                       GAsyncReadyCallback callback, gpointer user_data);
MarinaJobWatcher *marina_domain_start_install_finish(MarinaDomain *self, GAsyncResult *result,
                                                     GError **error);

/* ACPI power button. @wait_seconds 0: completes once the request is
 * delivered; otherwise when the guest has stopped, or MARINA_ERROR_TIMEOUT
 * after that many seconds. */
void marina_domain_shutdown_async(MarinaDomain *self, guint wait_seconds, GCancellable *cancellable,
                                  GAsyncReadyCallback callback, gpointer user_data);
gboolean marina_domain_shutdown_finish(MarinaDomain *self, GAsyncResult *result, GError **error);

void marina_domain_destroy_async(MarinaDomain *self, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data);
gboolean marina_domain_destroy_finish(MarinaDomain *self, GAsyncResult *result, GError **error);

void marina_domain_reboot_async(MarinaDomain *self, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data);
gboolean marina_domain_reboot_finish(MarinaDomain *self, GAsyncResult *result, GError **error);

void marina_domain_reset_async(MarinaDomain *self, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data);
gboolean marina_domain_reset_finish(MarinaDomain *self, GAsyncResult *result, GError **error);

void marina_domain_suspend_async(MarinaDomain *self, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data);
gboolean marina_domain_suspend_finish(MarinaDomain *self, GAsyncResult *result, GError **error);

void marina_domain_resume_async(MarinaDomain *self, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data);
gboolean marina_domain_resume_finish(MarinaDomain *self, GAsyncResult *result, GError **error);

/* Saves memory and device state to @file (a path on the daemon's host) and
 * stops the guest; Host.RestoreDomain brings it back. */
void marina_domain_save_async(MarinaDomain *self, const char *file, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data);
gboolean marina_domain_save_finish(MarinaDomain *self, GAsyncResult *result, GError **error);

void marina_domain_managed_save_async(MarinaDomain *self, GCancellable *cancellable,
                                      GAsyncReadyCallback callback, gpointer user_data);
gboolean marina_domain_managed_save_finish(MarinaDomain *self, GAsyncResult *result,
                                           GError **error);

void marina_domain_managed_save_remove_async(MarinaDomain *self, GCancellable *cancellable,
                                             GAsyncReadyCallback callback, gpointer user_data);
gboolean marina_domain_managed_save_remove_finish(MarinaDomain *self, GAsyncResult *result,
                                                  GError **error);

void marina_domain_undefine_async(MarinaDomain *self, MarinaDomainUndefineFlags flags,
                                  GCancellable *cancellable, GAsyncReadyCallback callback,
                                  gpointer user_data);
gboolean marina_domain_undefine_finish(MarinaDomain *self, GAsyncResult *result, GError **error);

/* Rename a defined, shut-off guest (virsh domrename); the object stays the same. */
void marina_domain_rename_async(MarinaDomain *self, const char *new_name, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data);
gboolean marina_domain_rename_finish(MarinaDomain *self, GAsyncResult *result, GError **error);

void marina_domain_set_autostart_async(MarinaDomain *self, gboolean autostart,
                                       GCancellable *cancellable, GAsyncReadyCallback callback,
                                       gpointer user_data);
gboolean marina_domain_set_autostart_finish(MarinaDomain *self, GAsyncResult *result,
                                            GError **error);

/* ---- Information ---- */

void marina_domain_get_xml_async(MarinaDomain *self, MarinaDomainXmlFlags flags,
                                 GCancellable *cancellable, GAsyncReadyCallback callback,
                                 gpointer user_data);
char *marina_domain_get_xml_finish(MarinaDomain *self, GAsyncResult *result, GError **error);

void marina_domain_get_info_async(MarinaDomain *self, GCancellable *cancellable,
                                  GAsyncReadyCallback callback, gpointer user_data);
MarinaDomainInfo *marina_domain_get_info_finish(MarinaDomain *self, GAsyncResult *result,
                                                GError **error);

/* ---- Consoles ----
 * Local and remote alike: a remote (marina+ssh://) guest's consoles come
 * through a channel of the shared ssh connection, with the same errors. The
 * descriptor reaches end-of-file when the guest side goes away (the guest
 * stopped, the daemon restarted): open it again then, as for a local one. */

/* A bidirectional stream to serial port @index; *scrollback (never NULL on
 * success) holds the output the daemon kept from before. Returns the file
 * descriptor (the caller closes it), -1 on error. */
void marina_domain_open_serial_async(MarinaDomain *self, guint index, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data);
int marina_domain_open_serial_finish(MarinaDomain *self, GAsyncResult *result, GBytes **scrollback,
                                     GError **error);

/* A stream speaking RFB (VNC) to the guest's display; -1 on error. */
void marina_domain_open_graphics_async(MarinaDomain *self, GCancellable *cancellable,
                                       GAsyncReadyCallback callback, gpointer user_data);
int marina_domain_open_graphics_finish(MarinaDomain *self, GAsyncResult *result, GError **error);

/* The guest's screen as PNG bytes. */
void marina_domain_screenshot_async(MarinaDomain *self, GCancellable *cancellable,
                                    GAsyncReadyCallback callback, gpointer user_data);
GBytes *marina_domain_screenshot_finish(MarinaDomain *self, GAsyncResult *result, GError **error);

/* ---- Jobs and migration ---- */

/* The guest's current job (virsh domjobinfo); type "none" when there is
 * none. To move a guest, see migration.h. */
void marina_domain_get_job_info_async(MarinaDomain *self, GCancellable *cancellable,
                                      GAsyncReadyCallback callback, gpointer user_data);
MarinaJobInfo *marina_domain_get_job_info_finish(MarinaDomain *self, GAsyncResult *result,
                                                 GError **error);

/* Cancels the guest's current job (virsh domjobabort); a migration stops
 * and the guest goes on running here. */
void marina_domain_abort_job_async(MarinaDomain *self, GCancellable *cancellable,
                                   GAsyncReadyCallback callback, gpointer user_data);
gboolean marina_domain_abort_job_finish(MarinaDomain *self, GAsyncResult *result, GError **error);

/* The longest pause a running live migration may cause at switch-over. */
void marina_domain_migrate_set_max_downtime_async(MarinaDomain *self, guint64 milliseconds,
                                                  GCancellable *cancellable,
                                                  GAsyncReadyCallback callback, gpointer user_data);
gboolean marina_domain_migrate_set_max_downtime_finish(MarinaDomain *self, GAsyncResult *result,
                                                       GError **error);

/* The bandwidth limit of a running migration, bytes per second (0: none). */
void marina_domain_migrate_set_speed_async(MarinaDomain *self, guint64 bytes_per_second,
                                           GCancellable *cancellable, GAsyncReadyCallback callback,
                                           gpointer user_data);
gboolean marina_domain_migrate_set_speed_finish(MarinaDomain *self, GAsyncResult *result,
                                                GError **error);

/* Switches a running live migration to post-copy now (it must have been
 * started with MARINA_MIGRATION_POSTCOPY). */
void marina_domain_migrate_start_postcopy_async(MarinaDomain *self, GCancellable *cancellable,
                                                GAsyncReadyCallback callback, gpointer user_data);
gboolean marina_domain_migrate_start_postcopy_finish(MarinaDomain *self, GAsyncResult *result,
                                                     GError **error);

/* ---- Memory and vCPUs (domain-tuning.c) ----
 * @flags: MarinaDomainAffect. CURRENT changes the running guest when it runs, else the
 * definition; MAXIMUM (memory, vCPUs) changes the maximum, in the definition only. */

/* Memory in KiB: live through the balloon (at most the maximum). */
void marina_domain_set_memory_async(MarinaDomain *self, guint64 kib, guint flags,
                                    GCancellable *cancellable, GAsyncReadyCallback callback,
                                    gpointer user_data);
gboolean marina_domain_set_memory_finish(MarinaDomain *self, GAsyncResult *result, GError **error);
/* Virtual CPUs: live by hot-plug / unplug up to the maximum. */
void marina_domain_set_vcpus_async(MarinaDomain *self, guint count, guint flags,
                                   GCancellable *cancellable, GAsyncReadyCallback callback,
                                   gpointer user_data);
gboolean marina_domain_set_vcpus_finish(MarinaDomain *self, GAsyncResult *result, GError **error);
/* Pin vCPU @vcpu to the host CPUs @cpulist ("0-2,4"). */
void marina_domain_pin_vcpu_async(MarinaDomain *self, guint vcpu, const char *cpulist, guint flags,
                                  GCancellable *cancellable, GAsyncReadyCallback callback,
                                  gpointer user_data);
gboolean marina_domain_pin_vcpu_finish(MarinaDomain *self, GAsyncResult *result, GError **error);
/* Every vCPU of the guest: a GPtrArray of MarinaVcpuInfo*. */
void marina_domain_get_vcpu_info_async(MarinaDomain *self, GCancellable *cancellable,
                                       GAsyncReadyCallback callback, gpointer user_data);
GPtrArray *marina_domain_get_vcpu_info_finish(MarinaDomain *self, GAsyncResult *result,
                                              GError **error);
/* The running guest's addresses from @source: "lease", "arp" or "agent"; a GPtrArray of
 * MarinaInterfaceAddresses* (interfaces with at least one address). */
void marina_domain_get_interface_addresses_async(MarinaDomain *self, const char *source,
                                                 GCancellable *cancellable,
                                                 GAsyncReadyCallback callback, gpointer user_data);
GPtrArray *marina_domain_get_interface_addresses_finish(MarinaDomain *self, GAsyncResult *result,
                                                        GError **error);
/* ---- Hardware (domain-hardware.c) ----
 * @flags: MarinaDomainAffect (domain-affect.h). */

/* UpdateDevice only: change a CD-ROM's medium even when the guest locked
 * its tray (virsh change-media --force). */
#define MARINA_DOMAIN_UPDATE_FORCE (1u << 2)

/* Add the device element @xml (virsh attach-device). @flags: MarinaDomainAffect.
 * *warnings (may be NULL): what the daemon ignored in @xml. A live change
 * QEMU cannot make fails with MARINA_ERROR_UNSUPPORTED. */
void marina_domain_attach_device_async(MarinaDomain *self, const char *xml, guint flags,
                                       GCancellable *cancellable, GAsyncReadyCallback callback,
                                       gpointer user_data);
gboolean marina_domain_attach_device_finish(MarinaDomain *self, GAsyncResult *result,
                                            char ***warnings, GError **error);
/* Remove the device @xml names (a disk by target, an interface by MAC). */
void marina_domain_detach_device_async(MarinaDomain *self, const char *xml, guint flags,
                                       GCancellable *cancellable, GAsyncReadyCallback callback,
                                       gpointer user_data);
gboolean marina_domain_detach_device_finish(MarinaDomain *self, GAsyncResult *result,
                                            GError **error);
/* Change a device in place (media, link state); @flags may add
 * MARINA_DOMAIN_UPDATE_FORCE. */
void marina_domain_update_device_async(MarinaDomain *self, const char *xml, guint flags,
                                       GCancellable *cancellable, GAsyncReadyCallback callback,
                                       gpointer user_data);
gboolean marina_domain_update_device_finish(MarinaDomain *self, GAsyncResult *result,
                                            char ***warnings, GError **error);
/* Grow disk @target to @bytes (virsh blockresize); shrinking is refused. */
void marina_domain_resize_disk_async(MarinaDomain *self, const char *target, guint64 bytes,
                                     GCancellable *cancellable, GAsyncReadyCallback callback,
                                     gpointer user_data);
gboolean marina_domain_resize_disk_finish(MarinaDomain *self, GAsyncResult *result, GError **error);

G_END_DECLS
