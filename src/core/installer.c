#define G_LOG_DOMAIN "marina-installer"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "error.h"
#include "host.h"
#include "install-undo.h"
#include "installer.h"

/*
 * One operation (run, begin or abandon) at a time, written as a chain of
 * async callbacks over the client API (host.h, domain.h, pool.h). The
 * operation's GTask is kept in self->task; the task holds a reference on
 * the installer, so the callbacks' `self` stays valid. What has been made
 * is recorded as it is made (the volumes, the domain), so a failure
 * anywhere can take exactly that away again (install-undo.c).
 */

typedef void (*JobDone)(MarinaInstaller *self, GError *error);

typedef struct {
    char *name;
    guint64 need;     /* bytes the new disks in this pool ask for */
    GPtrArray *names; /* char*: the volume names to be created there */
    MarinaPool *pool; /* once looked up */
} PoolNeed;

struct _MarinaInstaller {
    GObject parent_instance;

    MarinaConnection *connection;
    MarinaHost *host;
    MarinaInstallSpec *spec;

    /* What exists because of us: removed again on failure. */
    GPtrArray *volumes; /* MarinaVolume*, in creation order */
    MarinaDomain *domain;
    gboolean prepared; /* a prepare-only run finished; begin or abandon may follow */

    /* The operation in progress. */
    GTask *task;
    gboolean prepare_only;
    gboolean started; /* the guest may be running: the rollback destroys it first */
    GPtrArray *pools; /* PoolNeed* */
    guint index;      /* pool or disk being worked on */
    GError *failure;  /* what the rollback is for */

    /* The job being waited on. */
    MarinaJobWatcher *job;
    JobDone job_done;
    MarinaInstallerStep job_step;
    char *job_message;
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
    g_clear_object(&p->pool);
    g_ptr_array_unref(p->names);
    g_free(p);
}

static void
marina_installer_dispose(GObject *object)
{
    MarinaInstaller *self = MARINA_INSTALLER(object);

    g_clear_object(&self->domain);
    g_clear_object(&self->job);
    g_clear_object(&self->host);
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
}

static void
marina_installer_init(MarinaInstaller *self)
{
    self->volumes = g_ptr_array_new_with_free_func(g_object_unref);
}

MarinaInstaller *
marina_installer_new(MarinaConnection *connection, MarinaInstallSpec *spec)
{
    MarinaInstaller *self;

    g_return_val_if_fail(MARINA_IS_CONNECTION(connection), NULL);
    g_return_val_if_fail(spec != NULL, NULL);
    self = g_object_new(MARINA_TYPE_INSTALLER, NULL);
    self->connection = g_object_ref(connection);
    self->host = marina_host_new(connection);
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

static GError *
cancelled_error(void)
{
    return g_error_new_literal(G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Cancelled."));
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
        g_task_return_pointer(task, g_strdup(marina_domain_get_object_path(self->domain)), g_free);
    else
        g_task_return_boolean(task, TRUE);
    g_object_unref(task);
}

static void
on_undone(GObject *source, GAsyncResult *result, gpointer user_data)
{
    MarinaInstaller *self = user_data;
    GTask *task = g_steal_pointer(&self->task);

    marina_install_undo_finish(result, NULL);
    g_clear_object(&self->domain);
    self->prepared = FALSE;
    self->started = FALSE;
    g_clear_pointer(&self->pools, g_ptr_array_unref);
    if (self->failure != NULL)
        g_task_return_error(task, g_steal_pointer(&self->failure));
    else
        g_task_return_boolean(task, TRUE);
    g_object_unref(task);
}

/* Removes what the operations made, then ends the current one (with
 * self->failure, or TRUE). */
static void
undo(MarinaInstaller *self)
{
    progress(self, MARINA_INSTALLER_CLEANING_UP, -1, _("Removing what was made for guest %s"),
             self->spec->name);
    marina_install_undo_async(self->spec->name, self->domain, self->started, self->volumes,
                              on_undone, self);
}

/* Ends the operation with @error after taking away what it made. */
static void
fail(MarinaInstaller *self, GError *error)
{
    g_clear_error(&self->failure);
    self->failure = clean_error(error);
    g_debug("install of '%s' failed: %s", self->spec->name, self->failure->message);
    if (self->domain == NULL && self->volumes->len == 0) {
        GTask *task = g_steal_pointer(&self->task);
        g_clear_pointer(&self->pools, g_ptr_array_unref);
        g_task_return_error(task, g_steal_pointer(&self->failure));
        g_object_unref(task);
        return;
    }
    undo(self);
}

/* ---------------------------------------------------------------------------------------------
 * Waiting on a job
 */

static void
on_job_progress(MarinaJobWatcher *job, guint64 processed, guint64 total, const char *phase,
                gpointer user_data)
{
    MarinaInstaller *self = user_data;

    if (self->job_downloading && total > 0 && processed >= total) {
        /* The kernel and initrd are here: what remains is starting the guest. */
        self->job_downloading = FALSE;
        self->job_step = MARINA_INSTALLER_STARTING;
        g_free(self->job_message);
        self->job_message = g_strdup_printf(_("Starting guest %s"), self->spec->name);
        progress(self, self->job_step, -1, "%s", self->job_message);
        return;
    }
    progress(self, self->job_step, marina_job_watcher_get_fraction(job), "%s", self->job_message);
}

static void
on_job_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
    MarinaInstaller *self = user_data;
    g_autoptr(MarinaJobWatcher) job = g_steal_pointer(&self->job);
    JobDone done = self->job_done;
    GError *error = NULL;

    g_signal_handlers_disconnect_by_data(job, self);
    self->job_done = NULL;
    if (!marina_job_watcher_wait_finish(job, result, &error) &&
        g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
        /* The person cancelled: the daemon's account of it adds nothing. */
        g_clear_error(&error);
        error = cancelled_error();
    }
    done(self, error);
}

/* Waits for @job (taken); cancelling the operation cancels the job, and
 * the wait goes on until it has ended, so we know what to clean up. */
static void
wait_job(MarinaInstaller *self, MarinaJobWatcher *job, MarinaInstallerStep step, char *message,
         JobDone done)
{
    self->job = job;
    self->job_done = done;
    self->job_step = step;
    self->job_downloading = step == MARINA_INSTALLER_DOWNLOADING;
    g_free(self->job_message);
    self->job_message = message;
    progress(self, step, -1, "%s", message);
    g_signal_connect(job, "progress", G_CALLBACK(on_job_progress), self);
    marina_job_watcher_wait_async(job, cancellable(self), on_job_done, self);
}

/* ---------------------------------------------------------------------------------------------
 * Step 4: start
 */

static void
started(MarinaInstaller *self)
{
    if (is_cancelled(self)) {
        fail(self, cancelled_error());
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
    MarinaJobWatcher *job = marina_domain_start_install_finish(self->domain, result, &error);

    if (job == NULL) {
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

    if (!marina_domain_start_finish(self->domain, result, &error)) {
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
        fail(self, cancelled_error());
        return;
    }
    if (self->spec->method == MARINA_INSTALL_MANUAL) {
        self->prepared = FALSE;
        complete_ok(self, g_task_get_source_tag(self->task) == marina_installer_run_async);
        return;
    }
    boot = marina_install_spec_install_boot(self->spec);
    if (boot == NULL) {
        progress(self, MARINA_INSTALLER_STARTING, -1, _("Starting guest %s"), self->spec->name);
        /* Not cancellable: a start half-seen would leave us not knowing what runs. */
        marina_domain_start_async(self->domain, MARINA_DOMAIN_START_NONE, NULL, on_start, self);
        return;
    }
    progress(self,
             self->spec->method == MARINA_INSTALL_LOCATION ? MARINA_INSTALLER_DOWNLOADING
                                                           : MARINA_INSTALLER_STARTING,
             -1, _("Starting the install of guest %s"), self->spec->name);
    marina_domain_start_install_async(self->domain, boot, MARINA_DOMAIN_START_NONE, NULL,
                                      on_start_install, self);
}

/* ---------------------------------------------------------------------------------------------
 * Step 3: define
 */

static void
on_defined(GObject *source, GAsyncResult *result, gpointer user_data)
{
    MarinaInstaller *self = user_data;
    GError *error = NULL;
    g_auto(GStrv) warnings = NULL;

    self->domain = marina_host_define_domain_finish(self->host, result, &warnings, &error);
    if (self->domain == NULL) {
        fail(self, error);
        return;
    }
    for (guint i = 0; warnings != NULL && warnings[i] != NULL; i++)
        g_message("Guest '%s': %s", self->spec->name, warnings[i]);
    if (is_cancelled(self)) {
        fail(self, cancelled_error());
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
define_domain(MarinaInstaller *self)
{
    g_autoptr(MarinaDomainConfig) config = NULL;
    g_autofree char *xml = NULL;
    GError *error = NULL;

    if (is_cancelled(self)) {
        fail(self, cancelled_error());
        return;
    }
    config = marina_install_spec_to_config(self->spec, &error);
    if (config == NULL) {
        fail(self, error);
        return;
    }
    xml = marina_domain_config_to_xml(config);
    progress(self, MARINA_INSTALLER_DEFINING, -1, _("Defining guest %s"), self->spec->name);
    /* Not cancellable: a guest defined behind a cancelled call would be left over. */
    marina_host_define_domain_async(self->host, xml, NULL, on_defined, self);
}

/* ---------------------------------------------------------------------------------------------
 * Step 2: create the new disks
 */

static void create_next_disk(MarinaInstaller *self);

static void
on_volume_info(GObject *source, GAsyncResult *result, gpointer user_data)
{
    MarinaInstaller *self = user_data;
    g_autoptr(MarinaVolumeInfo) info = NULL;
    GError *error = NULL;
    MarinaInstallDisk *disk = self->spec->disks->pdata[self->index];

    info = marina_volume_get_info_finish(MARINA_VOLUME(source), result, &error);
    if (info == NULL) {
        fail(self, error);
        return;
    }
    if (!g_path_is_absolute(info->path)) {
        fail(self, g_error_new(MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                               _("The daemon did not say where the new volume in pool '%s' is."),
                               disk->pool));
        return;
    }
    g_free(disk->path);
    disk->path = g_strdup(info->path);
    self->index++;
    create_next_disk(self);
}

static void
on_volume_job_done(MarinaInstaller *self, GError *error)
{
    if (error != NULL) {
        fail(self, error);
        return;
    }
    marina_volume_get_info_async(self->volumes->pdata[self->volumes->len - 1], NULL, on_volume_info,
                                 self);
}

static void
on_volume_created(GObject *source, GAsyncResult *result, gpointer user_data)
{
    MarinaInstaller *self = user_data;
    MarinaInstallDisk *disk = self->spec->disks->pdata[self->index];
    g_autofree char *name = marina_install_disk_volume_name(self->spec, self->index);
    MarinaJobWatcher *job = NULL;
    MarinaVolume *volume;
    GError *error = NULL;

    volume = marina_pool_create_volume_finish(MARINA_POOL(source), result, &job, &error);
    if (volume == NULL) {
        fail(self, error);
        return;
    }
    g_ptr_array_add(self->volumes, volume);
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
    g_autofree char *name = NULL;
    g_autofree char *xml = NULL;
    MarinaInstallDisk *disk;
    PoolNeed *need;

    while (self->index < self->spec->disks->len &&
           ((MarinaInstallDisk *)self->spec->disks->pdata[self->index])->kind !=
               MARINA_INSTALL_DISK_NEW)
        self->index++;
    if (self->index >= self->spec->disks->len) {
        define_domain(self);
        return;
    }
    if (is_cancelled(self)) {
        fail(self, cancelled_error());
        return;
    }
    disk = self->spec->disks->pdata[self->index];
    need = find_pool(self, disk->pool);
    g_assert(need != NULL && need->pool != NULL);
    name = marina_install_disk_volume_name(self->spec, self->index);
    xml = volume_xml(name, disk);
    progress(self, MARINA_INSTALLER_CREATING_DISKS, 0, _("Creating disk %s in pool %s"), name,
             disk->pool);
    /* Not cancellable: a volume created behind a cancelled call would be left over. */
    marina_pool_create_volume_async(need->pool, xml, NULL, on_volume_created, self);
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
    g_autoptr(GPtrArray) volumes = NULL;
    GError *error = NULL;

    volumes = marina_pool_list_volumes_finish(MARINA_POOL(source), result, &error);
    if (volumes == NULL) {
        fail(self, error);
        return;
    }
    for (guint v = 0; v < volumes->len; v++) {
        const char *name = ((MarinaVolumeInfo *)volumes->pdata[v])->name;
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
    g_autoptr(MarinaPoolInfo) info = NULL;
    GError *error = NULL;

    info = marina_pool_get_info_finish(MARINA_POOL(source), result, &error);
    if (info == NULL) {
        fail(self, error);
        return;
    }
    if (!info->active) {
        fail(self, g_error_new(MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                               _("Pool '%s' is not active. Start it (marinactl pool-start %s) or "
                                 "choose another pool."),
                               need->name, need->name));
        return;
    }
    if (need->need > info->available) {
        g_autofree char *want = format_bytes(need->need);
        g_autofree char *have = format_bytes(info->available);
        fail(self, g_error_new(MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                               _("Pool '%s' has %s free, but the new disks need %s. Choose a "
                                 "smaller size or another pool, or free space in '%s'."),
                               need->name, have, want, need->name));
        return;
    }
    marina_pool_list_volumes_async(need->pool, cancellable(self), on_pool_volumes, self);
}

static void
on_pool_refreshed(GObject *source, GAsyncResult *result, gpointer user_data)
{
    MarinaInstaller *self = user_data;
    g_autoptr(GError) error = NULL;

    /* A stale figure is still a figure: the check goes on without a refresh. */
    if (!marina_pool_refresh_finish(MARINA_POOL(source), result, &error))
        g_debug("refreshing pool: %s", error->message);
    if (is_cancelled(self)) {
        fail(self, cancelled_error());
        return;
    }
    marina_pool_get_info_async(MARINA_POOL(source), cancellable(self), on_pool_info, self);
}

static void
on_pool_looked_up(GObject *source, GAsyncResult *result, gpointer user_data)
{
    MarinaInstaller *self = user_data;
    PoolNeed *need = self->pools->pdata[self->index];
    GError *error = NULL;

    need->pool = marina_host_lookup_pool_finish(self->host, result, &error);
    if (need->pool == NULL) {
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
    marina_pool_refresh_async(need->pool, cancellable(self), on_pool_refreshed, self);
}

static void
check_next_pool(MarinaInstaller *self)
{
    if (self->index >= self->pools->len) {
        self->index = 0;
        create_next_disk(self);
        return;
    }
    marina_host_lookup_pool_async(self->host, ((PoolNeed *)self->pools->pdata[self->index])->name,
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
    g_autoptr(MarinaDomain) taken = NULL;
    GError *error = NULL;

    taken = marina_host_lookup_domain_finish(self->host, result, &error);
    if (taken != NULL) {
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
    if (self->domain != NULL || self->volumes->len > 0) {
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
    marina_host_lookup_domain_async(self->host, self->spec->name, cancellable, on_name_looked_up,
                                    self);
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
    /* Only what prepare made and nobody began is ours to take away: after
     * run or begin the guest is the person's. */
    if (self->task == NULL && !self->prepared) {
        g_task_return_new_error(task, MARINA_ERROR, MARINA_ERROR_FAILED,
                                _("Guest %s is not prepared; there is nothing to abandon."),
                                self->spec->name);
        return;
    }
    if (!claim(self, task))
        return;
    self->started = FALSE;
    undo(self);
}

gboolean
marina_installer_abandon_finish(MarinaInstaller *self, GAsyncResult *result, GError **error)
{
    g_return_val_if_fail(g_task_is_valid(result, self), FALSE);
    return g_task_propagate_boolean(G_TASK(result), error);
}
