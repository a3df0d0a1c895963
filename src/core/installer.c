#define G_LOG_DOMAIN "marina-installer"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "error.h"
#include "installer.h"

/*
 * One operation (run, begin or abandon) at a time, written as a chain of
 * async callbacks. The operation's GTask is kept in self->task; the task
 * holds a reference on the installer, so the callbacks' `self` stays valid.
 * What has been made is recorded as it is made (volume object paths, the
 * domain path), so a failure anywhere can take exactly that away again.
 */

/* Storage and definition calls return quickly; starting a guest and the
 * rollback of a slow daemon may not. */
#define LONG_CALL_MS G_MAXINT

#define PROXY_FLAGS                                                                                \
    (G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES | G_DBUS_PROXY_FLAGS_DO_NOT_CONNECT_SIGNALS)

typedef void (*JobDone)(MarinaInstaller *self, GError *error);

typedef struct {
    char *name;
    guint64 need;     /* bytes the new disks in this pool ask for */
    GPtrArray *names; /* char*: the volume names to be created there */
    char *path;       /* object path, once looked up */
} PoolNeed;

struct _MarinaInstaller {
    GObject parent_instance;

    MarinaConnection *connection;
    MarinaInstallSpec *spec;

    /* What exists because of us: removed again on failure. */
    GPtrArray *volumes; /* char*: StorageVolume object paths, in creation order */
    char *domain_path;
    MarinaDBusDomain *domain;
    gboolean prepared; /* a prepare-only run finished; begin or abandon may follow */

    /* The operation in progress. */
    GTask *task;
    gboolean prepare_only;
    gboolean started; /* the guest may be running: the rollback destroys it first */
    GPtrArray *pools; /* PoolNeed* */
    guint index;      /* pool or disk being worked on */
    GError *failure;  /* what the rollback is for */

    /* The job being waited on. */
    MarinaDBusJob *job;
    JobDone job_done;
    MarinaInstallerStep job_step;
    char *job_message;
    gulong job_cancel_id;
    gboolean job_downloading;
};

G_DEFINE_FINAL_TYPE(MarinaInstaller, marina_installer, G_TYPE_OBJECT)

enum {
    SIGNAL_PROGRESS,
    N_SIGNALS,
};

static guint signals[N_SIGNALS];

static void
pool_need_free(PoolNeed *p)
{
    g_free(p->name);
    g_free(p->path);
    g_ptr_array_unref(p->names);
    g_free(p);
}

static void
marina_installer_dispose(GObject *object)
{
    MarinaInstaller *self = MARINA_INSTALLER(object);

    g_clear_object(&self->domain);
    g_clear_object(&self->connection);
    G_OBJECT_CLASS(marina_installer_parent_class)->dispose(object);
}

static void
marina_installer_finalize(GObject *object)
{
    MarinaInstaller *self = MARINA_INSTALLER(object);

    g_clear_pointer(&self->spec, marina_install_spec_free);
    g_clear_pointer(&self->volumes, g_ptr_array_unref);
    g_clear_pointer(&self->pools, g_ptr_array_unref);
    g_clear_error(&self->failure);
    g_free(self->domain_path);
    g_free(self->job_message);
    G_OBJECT_CLASS(marina_installer_parent_class)->finalize(object);
}

static void
marina_installer_class_init(MarinaInstallerClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);

    object_class->dispose = marina_installer_dispose;
    object_class->finalize = marina_installer_finalize;

    signals[SIGNAL_PROGRESS] =
        g_signal_new("progress", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                     G_TYPE_NONE, 3, G_TYPE_INT, G_TYPE_STRING, G_TYPE_DOUBLE);
    /* Daemon errors arrive as MARINA_ERROR codes only once the domain is registered. */
    (void)MARINA_ERROR;
}

static void
marina_installer_init(MarinaInstaller *self)
{
    self->volumes = g_ptr_array_new_with_free_func(g_free);
}

MarinaInstaller *
marina_installer_new(MarinaConnection *connection, MarinaInstallSpec *spec)
{
    MarinaInstaller *self;

    g_return_val_if_fail(MARINA_IS_CONNECTION(connection), NULL);
    g_return_val_if_fail(spec != NULL, NULL);
    self = g_object_new(MARINA_TYPE_INSTALLER, NULL);
    self->connection = g_object_ref(connection);
    self->spec = spec;
    return self;
}

MarinaInstallSpec *
marina_installer_get_spec(MarinaInstaller *self)
{
    g_return_val_if_fail(MARINA_IS_INSTALLER(self), NULL);
    return self->spec;
}

static void progress(MarinaInstaller *self, MarinaInstallerStep step, double fraction,
                     const char *format, ...) G_GNUC_PRINTF(4, 5);

static void
progress(MarinaInstaller *self, MarinaInstallerStep step, double fraction, const char *format, ...)
{
    g_autofree char *message = NULL;
    va_list args;

    va_start(args, format);
    message = g_strdup_vprintf(format, args);
    va_end(args);
    g_debug("step %d: %s (%.2f)", step, message, fraction);
    g_signal_emit(self, signals[SIGNAL_PROGRESS], 0, (int)step, message, fraction);
}

static GDBusConnection *
bus(MarinaInstaller *self)
{
    return marina_connection_get_dbus_connection(self->connection);
}

static MarinaDBusHost *
host(MarinaInstaller *self)
{
    return marina_connection_get_host(self->connection);
}

static GCancellable *
cancellable(MarinaInstaller *self)
{
    return self->task != NULL ? g_task_get_cancellable(self->task) : NULL;
}

static gboolean
is_cancelled(MarinaInstaller *self)
{
    return g_cancellable_is_cancelled(cancellable(self));
}

/* Errors from the daemon, without GDBus's decoration (a person reads them). */
static GError *
clean_error(GError *error)
{
    if (g_dbus_error_is_remote_error(error))
        g_dbus_error_strip_remote_error(error);
    return error;
}

static char *
format_bytes(guint64 bytes)
{
    return g_format_size_full(bytes, G_FORMAT_SIZE_IEC_UNITS);
}

/* ---------------------------------------------------------------------------------------------
 * Finishing and rolling back
 */

static void
complete_ok(MarinaInstaller *self, gboolean is_path)
{
    GTask *task = g_steal_pointer(&self->task);

    g_clear_pointer(&self->pools, g_ptr_array_unref);
    if (is_path)
        g_task_return_pointer(task, g_strdup(self->domain_path), g_free);
    else
        g_task_return_boolean(task, TRUE);
    g_object_unref(task);
}

static void rollback_destroy(MarinaInstaller *self);
static void rollback_undefine(MarinaInstaller *self);
static void rollback_next_volume(MarinaInstaller *self);

/* Ends the operation with @error after taking away what it made. */
static void
fail(MarinaInstaller *self, GError *error)
{
    g_clear_error(&self->failure);
    self->failure = clean_error(error);
    g_debug("install of '%s' failed: %s", self->spec->name, self->failure->message);
    if (self->domain_path == NULL && self->volumes->len == 0) {
        GTask *task = g_steal_pointer(&self->task);
        g_clear_pointer(&self->pools, g_ptr_array_unref);
        g_task_return_error(task, g_steal_pointer(&self->failure));
        g_object_unref(task);
        return;
    }
    progress(self, MARINA_INSTALLER_CLEANING_UP, -1, _("Removing what was made for guest %s"),
             self->spec->name);
    rollback_destroy(self);
}

static void
rollback_done(MarinaInstaller *self)
{
    GTask *task = g_steal_pointer(&self->task);

    self->prepared = FALSE;
    self->started = FALSE;
    g_clear_pointer(&self->pools, g_ptr_array_unref);
    if (self->failure != NULL)
        g_task_return_error(task, g_steal_pointer(&self->failure));
    else
        g_task_return_boolean(task, TRUE);
    g_object_unref(task);
}

static void
on_rollback_destroyed(GObject *source, GAsyncResult *result, gpointer user_data)
{
    MarinaInstaller *self = user_data;
    g_autoptr(GError) error = NULL;

    if (!marina_dbus_domain_call_destroy_finish(MARINA_DBUS_DOMAIN(source), result, &error) &&
        !g_error_matches(error, MARINA_ERROR, MARINA_ERROR_NOT_RUNNING))
        g_warning("Rollback: stopping guest '%s' failed: %s", self->spec->name,
                  marina_error_message(error));
    rollback_undefine(self);
}

static void
rollback_destroy(MarinaInstaller *self)
{
    /* Start and StartInstall leave a guest that failed to start shut off; only
     * a guest that did start (then was cancelled) needs stopping. */
    if (self->domain != NULL && self->started) {
        marina_dbus_domain_call_destroy(self->domain, NULL, on_rollback_destroyed, self);
        return;
    }
    rollback_undefine(self);
}

static void
on_rollback_undefined(GObject *source, GAsyncResult *result, gpointer user_data)
{
    MarinaInstaller *self = user_data;
    g_autoptr(GError) error = NULL;

    if (!marina_dbus_domain_call_undefine_finish(MARINA_DBUS_DOMAIN(source), result, &error))
        g_warning("Rollback: undefining guest '%s' failed: %s", self->spec->name,
                  marina_error_message(error));
    g_clear_pointer(&self->domain_path, g_free);
    g_clear_object(&self->domain);
    rollback_next_volume(self);
}

static void
rollback_undefine(MarinaInstaller *self)
{
    if (self->domain_path == NULL) {
        rollback_next_volume(self);
        return;
    }
    if (self->domain == NULL) {
        g_autoptr(GError) error = NULL;
        self->domain = marina_dbus_domain_proxy_new_sync(bus(self), PROXY_FLAGS, NULL,
                                                         self->domain_path, NULL, &error);
        if (self->domain == NULL) {
            g_warning("Rollback: guest '%s' at %s: %s", self->spec->name, self->domain_path,
                      error->message);
            g_clear_pointer(&self->domain_path, g_free);
            rollback_next_volume(self);
            return;
        }
    }
    g_dbus_proxy_set_default_timeout(G_DBUS_PROXY(self->domain), LONG_CALL_MS);
    /* 1: its managed save image too, should there be one. */
    marina_dbus_domain_call_undefine(self->domain, 1, NULL, on_rollback_undefined, self);
}

static void
on_rollback_volume_deleted(GObject *source, GAsyncResult *result, gpointer user_data)
{
    MarinaInstaller *self = user_data;
    g_autoptr(GError) error = NULL;

    if (!marina_dbus_storage_volume_call_delete_finish(MARINA_DBUS_STORAGE_VOLUME(source), result,
                                                       &error))
        g_warning("Rollback: deleting volume %s failed: %s",
                  g_dbus_proxy_get_object_path(G_DBUS_PROXY(source)), marina_error_message(error));
    rollback_next_volume(self);
}

static void
rollback_next_volume(MarinaInstaller *self)
{
    g_autofree char *path = NULL;
    g_autoptr(MarinaDBusStorageVolume) volume = NULL;
    g_autoptr(GError) error = NULL;

    if (self->volumes->len == 0) {
        rollback_done(self);
        return;
    }
    /* Newest first. */
    path = g_ptr_array_steal_index(self->volumes, self->volumes->len - 1);
    volume =
        marina_dbus_storage_volume_proxy_new_sync(bus(self), PROXY_FLAGS, NULL, path, NULL, &error);
    if (volume == NULL) {
        g_warning("Rollback: volume %s: %s", path, error->message);
        rollback_next_volume(self);
        return;
    }
    g_dbus_proxy_set_default_timeout(G_DBUS_PROXY(volume), LONG_CALL_MS);
    marina_dbus_storage_volume_call_delete(volume, NULL, on_rollback_volume_deleted, self);
}

/* ---------------------------------------------------------------------------------------------
 * Waiting on a Job
 */

static gboolean
phase_is_final(const char *phase)
{
    return g_strcmp0(phase, "done") == 0 || g_strcmp0(phase, "failed") == 0 ||
           g_strcmp0(phase, "cancelled") == 0;
}

static void
job_finish(MarinaInstaller *self, gboolean ok, const char *message)
{
    g_autoptr(MarinaDBusJob) job = g_steal_pointer(&self->job);
    JobDone done = self->job_done;
    GError *error = NULL;

    g_signal_handlers_disconnect_by_data(job, self);
    if (self->job_cancel_id != 0) {
        g_cancellable_disconnect(cancellable(self), self->job_cancel_id);
        self->job_cancel_id = 0;
    }
    if (!ok && g_strcmp0(marina_dbus_job_get_phase(job), "cancelled") == 0)
        error = g_error_new_literal(G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Cancelled."));
    else if (!ok)
        error = g_error_new_literal(MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                                    message != NULL && *message != '\0' ? message
                                                                        : _("The job failed."));
    self->job_done = NULL;
    done(self, error);
}

static void
on_job_finished(MarinaDBusJob *job, gboolean ok, const char *message, gpointer user_data)
{
    MarinaInstaller *self = user_data;

    if (self->job == job)
        job_finish(self, ok, message);
}

static void
on_job_properties_changed(GDBusProxy *proxy, GVariant *changed, GStrv invalidated,
                          gpointer user_data)
{
    MarinaInstaller *self = user_data;
    MarinaDBusJob *job = MARINA_DBUS_JOB(proxy);
    guint64 total = marina_dbus_job_get_total(job);
    guint64 done = marina_dbus_job_get_processed(job);

    if (self->job != job)
        return;
    if (self->job_downloading && total > 0 && done >= total) {
        /* The kernel and initrd are here: what remains is starting the guest. */
        self->job_downloading = FALSE;
        self->job_step = MARINA_INSTALLER_STARTING;
        g_free(self->job_message);
        self->job_message = g_strdup_printf(_("Starting guest %s"), self->spec->name);
        progress(self, self->job_step, -1, "%s", self->job_message);
        return;
    }
    progress(self, self->job_step, total > 0 ? (double)MIN(done, total) / (double)total : -1, "%s",
             self->job_message);
    if (phase_is_final(marina_dbus_job_get_phase(job)) && self->job == job) {
        /* Finished is the signal that counts, but a daemon that only updated
         * the phase must not leave us waiting forever. */
        const char *phase = marina_dbus_job_get_phase(job);
        job_finish(self, g_str_equal(phase, "done"), marina_dbus_job_get_error(job));
    }
}

/* Runs in whatever thread cancelled: a D-Bus call without reply is safe there. */
static void
on_job_cancelled(GCancellable *c, gpointer user_data)
{
    MarinaDBusJob *job = user_data;

    g_debug("cancelling job %s", g_dbus_proxy_get_object_path(G_DBUS_PROXY(job)));
    marina_dbus_job_call_cancel(job, NULL, NULL, NULL);
}

static void
on_job_proxy(GObject *source, GAsyncResult *result, gpointer user_data)
{
    MarinaInstaller *self = user_data;
    GError *error = NULL;
    MarinaDBusJob *job = marina_dbus_job_proxy_new_finish(result, &error);
    GCancellable *c = cancellable(self);
    const char *phase;

    if (job == NULL) {
        JobDone done = self->job_done;
        self->job_done = NULL;
        done(self, error);
        return;
    }
    self->job = job;
    g_signal_connect(job, "finished", G_CALLBACK(on_job_finished), self);
    g_signal_connect(job, "g-properties-changed", G_CALLBACK(on_job_properties_changed), self);
    /* The proxy subscribed to Finished before it read the properties: a job
     * that ended in between shows in its Phase. */
    phase = marina_dbus_job_get_phase(job);
    if (phase_is_final(phase)) {
        job_finish(self, g_str_equal(phase, "done"), marina_dbus_job_get_error(job));
        return;
    }
    if (c != NULL)
        self->job_cancel_id = g_cancellable_connect(c, G_CALLBACK(on_job_cancelled),
                                                    g_object_ref(job), g_object_unref);
}

static void
wait_job(MarinaInstaller *self, const char *job_path, MarinaInstallerStep step, char *message,
         JobDone done)
{
    self->job_done = done;
    self->job_step = step;
    self->job_downloading = step == MARINA_INSTALLER_DOWNLOADING;
    g_free(self->job_message);
    self->job_message = message;
    progress(self, step, -1, "%s", message);
    /* No cancellable here: the job is cancelled through Job.Cancel, and we
     * must see it end to know what to clean up. */
    marina_dbus_job_proxy_new(bus(self), G_DBUS_PROXY_FLAGS_NONE, NULL, job_path, NULL,
                              on_job_proxy, self);
}

/* ---------------------------------------------------------------------------------------------
 * Step 4: start
 */

static void
started(MarinaInstaller *self)
{
    if (is_cancelled(self)) {
        fail(self, g_error_new_literal(G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Cancelled.")));
        return;
    }
    progress(self, MARINA_INSTALLER_STARTING, 1, _("Guest %s is running"), self->spec->name);
    self->prepared = FALSE;
    complete_ok(self, g_task_get_source_tag(self->task) == marina_installer_run_async);
}

static void
on_install_job_done(MarinaInstaller *self, GError *error)
{
    if (error != NULL) {
        fail(self, error);
        return;
    }
    started(self);
}

static void
on_start_install(GObject *source, GAsyncResult *result, gpointer user_data)
{
    MarinaInstaller *self = user_data;
    GError *error = NULL;
    g_autofree char *job = NULL;

    if (!marina_dbus_domain_call_start_install_finish(MARINA_DBUS_DOMAIN(source), &job, result,
                                                      &error)) {
        fail(self, error);
        return;
    }
    self->started = TRUE;
    if (self->spec->method == MARINA_INSTALL_LOCATION)
        wait_job(self, job, MARINA_INSTALLER_DOWNLOADING,
                 g_strdup_printf(_("Downloading the installer from %s"), self->spec->location),
                 on_install_job_done);
    else
        wait_job(self, job, MARINA_INSTALLER_STARTING,
                 g_strdup_printf(_("Starting guest %s"), self->spec->name), on_install_job_done);
}

static void
on_start(GObject *source, GAsyncResult *result, gpointer user_data)
{
    MarinaInstaller *self = user_data;
    GError *error = NULL;

    if (!marina_dbus_domain_call_start_finish(MARINA_DBUS_DOMAIN(source), result, &error)) {
        fail(self, error);
        return;
    }
    self->started = TRUE;
    started(self);
}

static void
begin_start(MarinaInstaller *self)
{
    GVariant *boot;

    if (is_cancelled(self)) {
        fail(self, g_error_new_literal(G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Cancelled.")));
        return;
    }
    if (self->spec->method == MARINA_INSTALL_MANUAL) {
        self->prepared = FALSE;
        complete_ok(self, g_task_get_source_tag(self->task) == marina_installer_run_async);
        return;
    }
    g_dbus_proxy_set_default_timeout(G_DBUS_PROXY(self->domain), LONG_CALL_MS);
    boot = marina_install_spec_install_boot(self->spec);
    if (boot == NULL) {
        progress(self, MARINA_INSTALLER_STARTING, -1, _("Starting guest %s"), self->spec->name);
        /* Not cancellable: a start half-seen would leave us not knowing what runs. */
        marina_dbus_domain_call_start(self->domain, 0, NULL, on_start, self);
        return;
    }
    progress(self,
             self->spec->method == MARINA_INSTALL_LOCATION ? MARINA_INSTALLER_DOWNLOADING
                                                           : MARINA_INSTALLER_STARTING,
             -1, _("Starting the install of guest %s"), self->spec->name);
    marina_dbus_domain_call_start_install(self->domain, boot, 0, NULL, on_start_install, self);
}

/* ---------------------------------------------------------------------------------------------
 * Step 3: define
 */

static void
on_domain_proxy(GObject *source, GAsyncResult *result, gpointer user_data)
{
    MarinaInstaller *self = user_data;
    GError *error = NULL;

    self->domain = marina_connection_get_domain_by_path_finish(self->connection, result, &error);
    if (self->domain == NULL) {
        fail(self, error);
        return;
    }
    if (is_cancelled(self)) {
        fail(self, g_error_new_literal(G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Cancelled.")));
        return;
    }
    if (self->prepare_only) {
        self->prepared = TRUE;
        complete_ok(self, TRUE);
        return;
    }
    begin_start(self);
}

static void
on_defined(GObject *source, GAsyncResult *result, gpointer user_data)
{
    MarinaInstaller *self = user_data;
    GError *error = NULL;
    g_auto(GStrv) warnings = NULL;
    char *path = NULL;

    if (!marina_dbus_host_call_define_domain_finish(MARINA_DBUS_HOST(source), &path, &warnings,
                                                    result, &error)) {
        fail(self, error);
        return;
    }
    self->domain_path = path;
    for (guint i = 0; warnings != NULL && warnings[i] != NULL; i++)
        g_message("Guest '%s': %s", self->spec->name, warnings[i]);
    marina_connection_get_domain_by_path_async(self->connection, path, NULL, on_domain_proxy, self);
}

static void
define_domain(MarinaInstaller *self)
{
    g_autoptr(MarinaDomainConfig) config = NULL;
    g_autofree char *xml = NULL;
    GError *error = NULL;

    if (is_cancelled(self)) {
        fail(self, g_error_new_literal(G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Cancelled.")));
        return;
    }
    config = marina_install_spec_to_config(self->spec, &error);
    if (config == NULL) {
        fail(self, error);
        return;
    }
    xml = marina_domain_config_to_xml(config);
    progress(self, MARINA_INSTALLER_DEFINING, -1, _("Defining guest %s"), self->spec->name);
    marina_dbus_host_call_define_domain(host(self), xml, NULL, on_defined, self);
}

/* ---------------------------------------------------------------------------------------------
 * Step 2: create the new disks
 */

static void create_next_disk(MarinaInstaller *self);

static void
on_volume_info(GObject *source, GAsyncResult *result, gpointer user_data)
{
    MarinaInstaller *self = user_data;
    g_autoptr(GVariant) info = NULL;
    GError *error = NULL;
    const char *path = NULL;
    MarinaInstallDisk *disk = self->spec->disks->pdata[self->index];

    if (!marina_dbus_storage_volume_call_get_info_finish(MARINA_DBUS_STORAGE_VOLUME(source), &info,
                                                         result, &error)) {
        fail(self, error);
        return;
    }
    if (!g_variant_lookup(info, "path", "&s", &path) || !g_path_is_absolute(path)) {
        fail(self, g_error_new(MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                               _("The daemon did not say where the new volume in pool '%s' is."),
                               disk->pool));
        return;
    }
    g_free(disk->path);
    disk->path = g_strdup(path);
    self->index++;
    create_next_disk(self);
}

static void
on_volume_job_done(MarinaInstaller *self, GError *error)
{
    g_autoptr(MarinaDBusStorageVolume) volume = NULL;
    const char *path;

    if (error != NULL) {
        fail(self, error);
        return;
    }
    path = g_ptr_array_index(self->volumes, self->volumes->len - 1);
    volume =
        marina_dbus_storage_volume_proxy_new_sync(bus(self), PROXY_FLAGS, NULL, path, NULL, &error);
    if (volume == NULL) {
        fail(self, error);
        return;
    }
    marina_dbus_storage_volume_call_get_info(volume, NULL, on_volume_info, self);
}

static void
on_volume_created(GObject *source, GAsyncResult *result, gpointer user_data)
{
    MarinaInstaller *self = user_data;
    MarinaInstallDisk *disk = self->spec->disks->pdata[self->index];
    g_autofree char *volume = NULL;
    g_autofree char *job = NULL;
    g_autofree char *name = marina_install_disk_volume_name(self->spec, self->index);
    GError *error = NULL;

    if (!marina_dbus_storage_pool_call_create_volume_finish(MARINA_DBUS_STORAGE_POOL(source),
                                                            &volume, &job, result, &error)) {
        fail(self, error);
        return;
    }
    g_ptr_array_add(self->volumes, g_steal_pointer(&volume));
    wait_job(self, job, MARINA_INSTALLER_CREATING_DISKS,
             g_strdup_printf(_("Creating disk %s in pool %s"), name, disk->pool),
             on_volume_job_done);
}

static PoolNeed *
find_pool(MarinaInstaller *self, const char *name)
{
    for (guint i = 0; self->pools != NULL && i < self->pools->len; i++) {
        PoolNeed *p = self->pools->pdata[i];
        if (g_str_equal(p->name, name))
            return p;
    }
    return NULL;
}

static char *
volume_xml(const char *name, const MarinaInstallDisk *disk)
{
    g_autofree char *escaped = g_markup_escape_text(name, -1);
    GString *xml = g_string_new("<volume>\n");

    g_string_append_printf(xml, "  <name>%s</name>\n", escaped);
    g_string_append_printf(xml, "  <capacity unit='bytes'>%" G_GUINT64_FORMAT "</capacity>\n",
                           disk->size);
    /* libvirt's way of asking for every byte now. */
    if (!disk->sparse)
        g_string_append_printf(
            xml, "  <allocation unit='bytes'>%" G_GUINT64_FORMAT "</allocation>\n", disk->size);
    g_string_append_printf(xml, "  <target><format type='%s'/></target>\n",
                           disk->format != NULL ? disk->format : "qcow2");
    g_string_append(xml, "</volume>\n");
    return g_string_free(xml, FALSE);
}

static void
create_next_disk(MarinaInstaller *self)
{
    g_autoptr(MarinaDBusStoragePool) pool = NULL;
    g_autofree char *name = NULL;
    g_autofree char *xml = NULL;
    MarinaInstallDisk *disk;
    PoolNeed *need;
    GError *error = NULL;

    while (self->index < self->spec->disks->len &&
           ((MarinaInstallDisk *)self->spec->disks->pdata[self->index])->kind !=
               MARINA_INSTALL_DISK_NEW)
        self->index++;
    if (self->index >= self->spec->disks->len) {
        define_domain(self);
        return;
    }
    if (is_cancelled(self)) {
        fail(self, g_error_new_literal(G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Cancelled.")));
        return;
    }
    disk = self->spec->disks->pdata[self->index];
    need = find_pool(self, disk->pool);
    g_assert(need != NULL && need->path != NULL);
    pool = marina_dbus_storage_pool_proxy_new_sync(bus(self), PROXY_FLAGS, NULL, need->path, NULL,
                                                   &error);
    if (pool == NULL) {
        fail(self, error);
        return;
    }
    /* Preallocating a large disk takes a while; the job reports it. */
    g_dbus_proxy_set_default_timeout(G_DBUS_PROXY(pool), LONG_CALL_MS);
    name = marina_install_disk_volume_name(self->spec, self->index);
    xml = volume_xml(name, disk);
    progress(self, MARINA_INSTALLER_CREATING_DISKS, 0, _("Creating disk %s in pool %s"), name,
             disk->pool);
    /* Not cancellable: a volume created behind a cancelled call would be left over. */
    marina_dbus_storage_pool_call_create_volume(pool, xml, NULL, on_volume_created, self);
}

/* ---------------------------------------------------------------------------------------------
 * Step 1: checks
 */

static void check_next_pool(MarinaInstaller *self);

static void
on_pool_volumes(GObject *source, GAsyncResult *result, gpointer user_data)
{
    MarinaInstaller *self = user_data;
    PoolNeed *need = self->pools->pdata[self->index];
    g_autoptr(GVariant) volumes = NULL;
    GError *error = NULL;
    GVariantIter iter;
    const char *name;

    if (!marina_dbus_storage_pool_call_list_volumes_finish(MARINA_DBUS_STORAGE_POOL(source),
                                                           &volumes, result, &error)) {
        fail(self, error);
        return;
    }
    g_variant_iter_init(&iter, volumes);
    while (
        g_variant_iter_next(&iter, "(o&s&stt&s@as)", NULL, &name, NULL, NULL, NULL, NULL, NULL)) {
        for (guint i = 0; i < need->names->len; i++) {
            if (g_str_equal(name, need->names->pdata[i])) {
                fail(self, g_error_new(MARINA_ERROR, MARINA_ERROR_ALREADY_EXISTS,
                                       _("Pool '%s' already has a volume named '%s'. Choose "
                                         "another volume name, or use that volume as an "
                                         "existing disk."),
                                       need->name, name));
                return;
            }
        }
    }
    self->index++;
    check_next_pool(self);
}

static void
on_pool_info(GObject *source, GAsyncResult *result, gpointer user_data)
{
    MarinaInstaller *self = user_data;
    PoolNeed *need = self->pools->pdata[self->index];
    g_autoptr(GVariant) info = NULL;
    GError *error = NULL;
    gboolean active = FALSE;
    guint64 available = 0;

    if (!marina_dbus_storage_pool_call_get_info_finish(MARINA_DBUS_STORAGE_POOL(source), &info,
                                                       result, &error)) {
        fail(self, error);
        return;
    }
    g_variant_lookup(info, "active", "b", &active);
    g_variant_lookup(info, "available", "t", &available);
    if (!active) {
        fail(self, g_error_new(MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                               _("Pool '%s' is not active. Start it (marinactl pool-start %s) or "
                                 "choose another pool."),
                               need->name, need->name));
        return;
    }
    if (need->need > available) {
        g_autofree char *want = format_bytes(need->need);
        g_autofree char *have = format_bytes(available);
        fail(self, g_error_new(MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                               _("Pool '%s' has %s free, but the new disks need %s. Choose a "
                                 "smaller size or another pool, or free space in '%s'."),
                               need->name, have, want, need->name));
        return;
    }
    marina_dbus_storage_pool_call_list_volumes(MARINA_DBUS_STORAGE_POOL(source), cancellable(self),
                                               on_pool_volumes, self);
}

static void
on_pool_refreshed(GObject *source, GAsyncResult *result, gpointer user_data)
{
    MarinaInstaller *self = user_data;
    g_autoptr(GError) error = NULL;

    /* A stale figure is still a figure: the check goes on without a refresh. */
    if (!marina_dbus_storage_pool_call_refresh_finish(MARINA_DBUS_STORAGE_POOL(source), result,
                                                      &error))
        g_debug("refreshing pool: %s", error->message);
    if (is_cancelled(self)) {
        fail(self, g_error_new_literal(G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Cancelled.")));
        return;
    }
    marina_dbus_storage_pool_call_get_info(MARINA_DBUS_STORAGE_POOL(source), cancellable(self),
                                           on_pool_info, self);
}

static void
on_pool_looked_up(GObject *source, GAsyncResult *result, gpointer user_data)
{
    MarinaInstaller *self = user_data;
    PoolNeed *need = self->pools->pdata[self->index];
    g_autoptr(MarinaDBusStoragePool) pool = NULL;
    GError *error = NULL;

    if (!marina_dbus_host_call_lookup_pool_finish(MARINA_DBUS_HOST(source), &need->path, result,
                                                  &error)) {
        if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
            fail(self, error);
            return;
        }
        g_debug("LookupPool(%s): %s", need->name, error->message);
        g_clear_error(&error);
        fail(self, g_error_new(MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                               _("There is no storage pool '%s'. Choose one of the pools "
                                 "(marinactl pool-list) or define it first."),
                               need->name));
        return;
    }
    pool = marina_dbus_storage_pool_proxy_new_sync(bus(self), PROXY_FLAGS, NULL, need->path, NULL,
                                                   &error);
    if (pool == NULL) {
        fail(self, error);
        return;
    }
    marina_dbus_storage_pool_call_refresh(pool, cancellable(self), on_pool_refreshed, self);
}

static void
check_next_pool(MarinaInstaller *self)
{
    if (self->index >= self->pools->len) {
        self->index = 0;
        create_next_disk(self);
        return;
    }
    marina_dbus_host_call_lookup_pool(host(self),
                                      ((PoolNeed *)self->pools->pdata[self->index])->name,
                                      cancellable(self), on_pool_looked_up, self);
}

static void
collect_pools(MarinaInstaller *self)
{
    self->pools = g_ptr_array_new_with_free_func((GDestroyNotify)pool_need_free);
    for (guint i = 0; i < self->spec->disks->len; i++) {
        MarinaInstallDisk *disk = self->spec->disks->pdata[i];
        PoolNeed *need;

        if (disk->kind != MARINA_INSTALL_DISK_NEW)
            continue;
        need = find_pool(self, disk->pool);
        if (need == NULL) {
            need = g_new0(PoolNeed, 1);
            need->name = g_strdup(disk->pool);
            need->names = g_ptr_array_new_with_free_func(g_free);
            g_ptr_array_add(self->pools, need);
        }
        need->need += disk->size;
        g_ptr_array_add(need->names, marina_install_disk_volume_name(self->spec, i));
    }
}

static void
on_name_looked_up(GObject *source, GAsyncResult *result, gpointer user_data)
{
    MarinaInstaller *self = user_data;
    g_autofree char *path = NULL;
    GError *error = NULL;

    if (marina_dbus_host_call_lookup_domain_finish(MARINA_DBUS_HOST(source), &path, result,
                                                   &error)) {
        fail(self, g_error_new(MARINA_ERROR, MARINA_ERROR_ALREADY_EXISTS,
                               _("A guest named '%s' already exists. Choose another name."),
                               self->spec->name));
        return;
    }
    if (!g_error_matches(error, MARINA_ERROR, MARINA_ERROR_NO_SUCH_DOMAIN)) {
        fail(self, error);
        return;
    }
    g_clear_error(&error);
    collect_pools(self);
    self->index = 0;
    check_next_pool(self);
}

/* ---------------------------------------------------------------------------------------------
 * Public operations
 */

static gboolean
claim(MarinaInstaller *self, GTask *task)
{
    if (self->task != NULL) {
        g_task_return_new_error(task, MARINA_ERROR, MARINA_ERROR_FAILED,
                                _("The installer is already busy with guest %s."),
                                self->spec->name);
        return FALSE;
    }
    self->task = g_object_ref(task);
    g_clear_error(&self->failure);
    return TRUE;
}

void
marina_installer_run_async(MarinaInstaller *self, gboolean prepare_only, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data)
{
    g_autoptr(GTask) task = g_task_new(self, cancellable, callback, user_data);
    GError *error = NULL;

    g_return_if_fail(MARINA_IS_INSTALLER(self));
    g_task_set_source_tag(task, marina_installer_run_async);
    if (self->domain_path != NULL || self->volumes->len > 0) {
        g_task_return_new_error(task, MARINA_ERROR, MARINA_ERROR_FAILED,
                                _("Guest %s was made already; begin or abandon it."),
                                self->spec->name);
        return;
    }
    if (!claim(self, task))
        return;
    if (!marina_install_spec_validate(self->spec, &error)) {
        fail(self, error);
        return;
    }
    self->prepare_only = prepare_only;
    self->started = FALSE;
    progress(self, MARINA_INSTALLER_CHECKING, -1, _("Checking the choices for guest %s"),
             self->spec->name);
    marina_dbus_host_call_lookup_domain(host(self), self->spec->name, cancellable,
                                        on_name_looked_up, self);
}

char *
marina_installer_run_finish(MarinaInstaller *self, GAsyncResult *result, GError **error)
{
    g_return_val_if_fail(g_task_is_valid(result, self), NULL);
    return g_task_propagate_pointer(G_TASK(result), error);
}

void
marina_installer_begin_async(MarinaInstaller *self, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
    g_autoptr(GTask) task = g_task_new(self, cancellable, callback, user_data);

    g_return_if_fail(MARINA_IS_INSTALLER(self));
    g_task_set_source_tag(task, marina_installer_begin_async);
    if (!self->prepared || self->domain == NULL) {
        g_task_return_new_error(task, MARINA_ERROR, MARINA_ERROR_FAILED,
                                _("Guest %s is not prepared; run the installer with "
                                  "prepare-only first."),
                                self->spec->name);
        return;
    }
    if (!claim(self, task))
        return;
    self->started = FALSE;
    begin_start(self);
}

gboolean
marina_installer_begin_finish(MarinaInstaller *self, GAsyncResult *result, GError **error)
{
    g_return_val_if_fail(g_task_is_valid(result, self), FALSE);
    return g_task_propagate_boolean(G_TASK(result), error);
}

void
marina_installer_abandon_async(MarinaInstaller *self, GAsyncReadyCallback callback,
                               gpointer user_data)
{
    g_autoptr(GTask) task = g_task_new(self, NULL, callback, user_data);

    g_return_if_fail(MARINA_IS_INSTALLER(self));
    g_task_set_source_tag(task, marina_installer_abandon_async);
    if (!claim(self, task))
        return;
    progress(self, MARINA_INSTALLER_CLEANING_UP, -1, _("Removing what was made for guest %s"),
             self->spec->name);
    self->started = FALSE;
    rollback_destroy(self);
}

gboolean
marina_installer_abandon_finish(MarinaInstaller *self, GAsyncResult *result, GError **error)
{
    g_return_val_if_fail(g_task_is_valid(result, self), FALSE);
    return g_task_propagate_boolean(G_TASK(result), error);
}
