#define G_LOG_DOMAIN "marinad-vm"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gunixfdlist.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "install-tree.h"
#include "save-image.h"
#include "state-store.h"
#include "vm.h"

#define OBJECT_PATH_PREFIX "/org/marinavm/Marina1/domain/"

/*
 * What every guest has whatever its driver: the definition, the state
 * clients see, persistence flags, and the D-Bus object. The driver
 * subclass runs the guest (qemu-vm.c, test-vm.c).
 */
typedef struct {
    MarinaDaemon *daemon; /* owns us */
    const MarinaDaemonConfig *cfg;
    MarinaDomainConfig *def;  /* persistent definition, or the transient config */
    MarinaDomainConfig *live; /* configuration of the running guest */
    char *path;
    gboolean persistent;
    gboolean autostart;
    gboolean has_managed_save;

    MarinaDomainState state;
    guint reason;
    int id;

    /* Install boot (StartInstall) */
    struct _InstallRun *install; /* being prepared (download, start), or NULL */
    gboolean installing;         /* the running guest is on its install boot */
    gboolean install_rebooted;   /* ... and that boot ended with a reboot */

    GList *stop_waiters; /* GTask*: complete when the guest has stopped */
    guint props_idle;    /* PropertiesChanged pending */
    MarinaDBusDomain *skeleton;
} MarinaVmPrivate;

G_DEFINE_TYPE_WITH_PRIVATE(MarinaVm, marina_vm, G_TYPE_OBJECT)

#define PRIV(self) ((MarinaVmPrivate *)marina_vm_get_instance_private(self))
#define KLASS(self) MARINA_VM_GET_CLASS(self)

static void setup_skeleton(MarinaVm *self);

static const char *
vm_name(MarinaVm *self)
{
    return marina_vm_get_config(self)->name;
}

/* ---------------------------------------------------------------------- */
/* State                                                                   */

static void
sync_skeleton(MarinaVm *self)
{
    MarinaVmPrivate *p = PRIV(self);
    const MarinaDomainConfig *c = marina_vm_get_config(self);

    g_object_freeze_notify(G_OBJECT(p->skeleton));
    marina_dbus_domain_set_name(p->skeleton, c->name);
    marina_dbus_domain_set_uuid(p->skeleton, c->uuid);
    marina_dbus_domain_set_title(p->skeleton, c->title ? c->title : "");
    marina_dbus_domain_set_id(p->skeleton, p->id);
    marina_dbus_domain_set_state(p->skeleton, p->state);
    marina_dbus_domain_set_state_reason(p->skeleton, p->reason);
    marina_dbus_domain_set_persistent(p->skeleton, p->persistent);
    marina_dbus_domain_set_autostart(p->skeleton, p->autostart);
    marina_dbus_domain_set_has_managed_save(p->skeleton, p->has_managed_save);
    marina_dbus_domain_set_installing(p->skeleton, p->installing);
    g_object_thaw_notify(G_OBJECT(p->skeleton));
}

/* The domain objects are served from a subtree, not exported skeletons, so
 * the skeleton cannot announce its own property changes: collect them and
 * announce them once per main loop iteration, as an exported one would. */
static gboolean
emit_properties_changed(gpointer data)
{
    MarinaVm *self = data;
    MarinaVmPrivate *p = PRIV(self);
    g_autoptr(GVariant) props = NULL;

    p->props_idle = 0;
    props = g_variant_ref_sink(
        g_dbus_interface_skeleton_get_properties(G_DBUS_INTERFACE_SKELETON(p->skeleton)));
    marina_daemon_emit_properties_changed(p->daemon, self, props);
    return G_SOURCE_REMOVE;
}

static void
on_property_notify(GObject *skeleton, GParamSpec *pspec, MarinaVm *self)
{
    MarinaVmPrivate *p = PRIV(self);

    if (p->props_idle == 0)
        p->props_idle = g_idle_add(emit_properties_changed, self);
}

static void
state_changed(MarinaVm *self)
{
    if (KLASS(self)->state_changed != NULL)
        KLASS(self)->state_changed(self);
}

void
marina_vm_set_state(MarinaVm *self, MarinaDomainState state, guint reason, const char *event,
                    const char *detail)
{
    MarinaVmPrivate *p = PRIV(self);

    p->state = state;
    p->reason = reason;
    sync_skeleton(self);
    state_changed(self);
    if (event != NULL)
        marina_daemon_emit_domain_event(p->daemon, self, event, detail ? detail : "");
}

/* ---------------------------------------------------------------------- */
/* Waiting for the guest to stop                                           */

void
marina_vm_add_stop_waiter(MarinaVm *self, GTask *task)
{
    MarinaVmPrivate *p = PRIV(self);

    p->stop_waiters = g_list_prepend(p->stop_waiters, g_object_ref(task));
}

gboolean
marina_vm_remove_stop_waiter(MarinaVm *self, GTask *task)
{
    MarinaVmPrivate *p = PRIV(self);
    GList *link = g_list_find(p->stop_waiters, task);

    if (link == NULL)
        return FALSE;
    p->stop_waiters = g_list_delete_link(p->stop_waiters, link);
    g_object_unref(task);
    return TRUE;
}

static void
complete_stop_waiters(MarinaVm *self)
{
    MarinaVmPrivate *p = PRIV(self);
    GList *waiters = g_steal_pointer(&p->stop_waiters);

    for (GList *l = waiters; l != NULL; l = l->next) {
        g_task_return_boolean(l->data, TRUE);
        g_object_unref(l->data);
    }
    g_list_free(waiters);
}

static void end_install_boot(MarinaVm *self);
static gboolean boot_after_install(gpointer data);

void
marina_vm_stopped(MarinaVm *self, guint reason)
{
    MarinaVmPrivate *p = PRIV(self);
    g_autoptr(MarinaVm) keep = g_object_ref(self);
    /* The install boot ends at the guest's first reboot: boot the definition. */
    gboolean boot_definition =
        p->installing && p->install_rebooted && reason == MARINA_SHUTOFF_SHUTDOWN;

    g_info("Guest '%s' stopped: %s", vm_name(self),
           marina_domain_state_reason_to_string(MARINA_DOMAIN_SHUTOFF, reason));
    if (p->installing)
        end_install_boot(self);
    p->id = -1;
    g_clear_pointer(&p->live, marina_domain_config_free);
    marina_vm_load_flags(self);
    marina_vm_set_state(self, MARINA_DOMAIN_SHUTOFF, reason, "stopped",
                        marina_domain_state_reason_to_string(MARINA_DOMAIN_SHUTOFF, reason));
    complete_stop_waiters(self);
    if (!p->persistent)
        marina_daemon_remove_vm(p->daemon, self);
    else if (boot_definition)
        g_idle_add_full(G_PRIORITY_DEFAULT, boot_after_install, g_object_ref(self), g_object_unref);
}

/* ---------------------------------------------------------------------- */
/* Default persistence: files in the state directory (state-store.h)       */

static gboolean
disk_store_definition(MarinaVm *self, const MarinaDomainConfig *def, GError **error)
{
    g_autofree char *xml = marina_domain_config_to_xml(def);
    g_autofree char *path = marina_state_definition_path(PRIV(self)->cfg, def->uuid);

    return marina_write_file_atomic(path, xml, strlen(xml), 0600, error);
}

static gboolean
disk_forget_definition(MarinaVm *self, GError **error)
{
    MarinaVmPrivate *p = PRIV(self);
    g_autofree char *def = marina_state_definition_path(p->cfg, p->def->uuid);
    g_autofree char *autostart = marina_state_autostart_path(p->cfg, p->def->uuid);
    g_autofree char *save = marina_state_managed_save_path(p->cfg, p->def->uuid);

    if (g_unlink(def) != 0 && errno != ENOENT) {
        int saved = errno;
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                    _("Cannot remove the definition %s: %s"), def, g_strerror(saved));
        return FALSE;
    }
    g_unlink(autostart);
    g_unlink(save);
    return TRUE;
}

static gboolean
disk_store_autostart(MarinaVm *self, gboolean on, GError **error)
{
    g_autofree char *path = marina_state_autostart_path(PRIV(self)->cfg, PRIV(self)->def->uuid);

    if (on)
        return marina_write_file_atomic(path, "", 0, 0600, error);
    g_unlink(path);
    return TRUE;
}

static void
disk_load_flags(MarinaVm *self, gboolean *autostart, gboolean *managed_save)
{
    MarinaVmPrivate *p = PRIV(self);
    g_autofree char *a = marina_state_autostart_path(p->cfg, p->def->uuid);
    g_autofree char *s = marina_state_managed_save_path(p->cfg, p->def->uuid);

    *autostart = g_file_test(a, G_FILE_TEST_EXISTS);
    *managed_save = g_file_test(s, G_FILE_TEST_EXISTS);
}

static void
disk_discard_managed_save(MarinaVm *self)
{
    g_autofree char *s = marina_state_managed_save_path(PRIV(self)->cfg, PRIV(self)->def->uuid);

    g_unlink(s);
}

static gboolean
default_is_active(MarinaVm *self)
{
    return PRIV(self)->live != NULL;
}

static gboolean
default_is_controllable(MarinaVm *self)
{
    return marina_vm_is_active(self);
}

/* ---------------------------------------------------------------------- */
/* Object                                                                  */

static void
marina_vm_dispose(GObject *object)
{
    MarinaVmPrivate *p = PRIV(MARINA_VM(object));

    g_clear_handle_id(&p->props_idle, g_source_remove);
    if (p->skeleton != NULL)
        g_signal_handlers_disconnect_by_data(p->skeleton, object);
    g_clear_object(&p->skeleton);
    G_OBJECT_CLASS(marina_vm_parent_class)->dispose(object);
}

static void
marina_vm_finalize(GObject *object)
{
    MarinaVmPrivate *p = PRIV(MARINA_VM(object));

    marina_domain_config_free(p->def);
    marina_domain_config_free(p->live);
    g_free(p->path);
    G_OBJECT_CLASS(marina_vm_parent_class)->finalize(object);
}

static void
marina_vm_class_init(MarinaVmClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);

    object_class->dispose = marina_vm_dispose;
    object_class->finalize = marina_vm_finalize;
    klass->is_active = default_is_active;
    klass->is_controllable = default_is_controllable;
    klass->store_definition = disk_store_definition;
    klass->forget_definition = disk_forget_definition;
    klass->store_autostart = disk_store_autostart;
    klass->load_flags = disk_load_flags;
    klass->discard_managed_save = disk_discard_managed_save;
}

static void
marina_vm_init(MarinaVm *self)
{
    MarinaVmPrivate *p = PRIV(self);

    p->id = -1;
    p->state = MARINA_DOMAIN_SHUTOFF;
    p->reason = MARINA_SHUTOFF_UNKNOWN;
}

void
marina_vm_construct(MarinaVm *self, MarinaDaemon *daemon, MarinaDomainConfig *def,
                    gboolean persistent)
{
    MarinaVmPrivate *p = PRIV(self);
    g_autofree char *node = g_strdelimit(g_strdup(def->uuid), "-", '_');

    p->daemon = daemon;
    p->cfg = marina_daemon_get_config(daemon);
    p->def = def;
    p->persistent = persistent;
    p->path = g_strconcat(OBJECT_PATH_PREFIX, node, NULL);
    setup_skeleton(self);
    sync_skeleton(self);
    g_signal_connect(p->skeleton, "notify", G_CALLBACK(on_property_notify), self);
}

MarinaVm *
marina_vm_new(MarinaDaemon *daemon, MarinaDomainConfig *def, gboolean persistent)
{
    MarinaVm *self = g_object_new(marina_daemon_get_vm_type(daemon), NULL);

    marina_vm_construct(self, daemon, def, persistent);
    return self;
}

/* ---------------------------------------------------------------------- */
/* Accessors                                                               */

const char *
marina_vm_get_uuid(MarinaVm *self)
{
    return PRIV(self)->def->uuid;
}

const char *
marina_vm_get_name(MarinaVm *self)
{
    return vm_name(self);
}

const char *
marina_vm_get_object_path(MarinaVm *self)
{
    return PRIV(self)->path;
}

const MarinaDomainConfig *
marina_vm_get_config(MarinaVm *self)
{
    MarinaVmPrivate *p = PRIV(self);

    return p->live != NULL ? p->live : p->def;
}

MarinaDomainState
marina_vm_get_state(MarinaVm *self, guint *reason)
{
    if (reason != NULL)
        *reason = PRIV(self)->reason;
    return PRIV(self)->state;
}

int
marina_vm_get_id(MarinaVm *self)
{
    return PRIV(self)->id;
}

void
marina_vm_set_id(MarinaVm *self, int id)
{
    PRIV(self)->id = id;
    sync_skeleton(self);
}

gboolean
marina_vm_is_active(MarinaVm *self)
{
    return KLASS(self)->is_active(self);
}

gboolean
marina_vm_is_persistent(MarinaVm *self)
{
    return PRIV(self)->persistent;
}

gboolean
marina_vm_get_autostart(MarinaVm *self)
{
    return PRIV(self)->autostart;
}

gboolean
marina_vm_has_managed_save(MarinaVm *self)
{
    return PRIV(self)->has_managed_save;
}

MarinaDBusDomain *
marina_vm_get_skeleton(MarinaVm *self)
{
    return PRIV(self)->skeleton;
}

MarinaDaemon *
marina_vm_get_daemon(MarinaVm *self)
{
    return PRIV(self)->daemon;
}

const MarinaDaemonConfig *
marina_vm_get_daemon_config(MarinaVm *self)
{
    return PRIV(self)->cfg;
}

const MarinaDomainConfig *
marina_vm_get_definition(MarinaVm *self)
{
    return PRIV(self)->def;
}

MarinaDomainConfig *
marina_vm_get_live(MarinaVm *self)
{
    return PRIV(self)->live;
}

void
marina_vm_set_live(MarinaVm *self, MarinaDomainConfig *live)
{
    MarinaVmPrivate *p = PRIV(self);

    if (p->live != live)
        marina_domain_config_free(p->live);
    p->live = live;
}

void
marina_vm_load_flags(MarinaVm *self)
{
    MarinaVmPrivate *p = PRIV(self);
    gboolean autostart = p->autostart, saved = p->has_managed_save;

    if (p->persistent)
        KLASS(self)->load_flags(self, &autostart, &saved);
    p->autostart = p->persistent && autostart;
    p->has_managed_save = p->persistent && saved;
    if (p->has_managed_save && !marina_vm_is_active(self))
        p->reason = MARINA_SHUTOFF_SAVED;
    sync_skeleton(self);
}

gboolean
marina_vm_save_definition(MarinaVm *self, MarinaDomainConfig *def, GError **error)
{
    MarinaVmPrivate *p = PRIV(self);

    if (!KLASS(self)->store_definition(self, def, error))
        return FALSE;
    if (p->def != def) {
        marina_domain_config_free(p->def);
        p->def = def;
    }
    p->persistent = TRUE;
    sync_skeleton(self);
    return TRUE;
}

/* ---------------------------------------------------------------------- */
/* Start and restore                                                       */

static gboolean
check_startable(MarinaVm *self, GError **error)
{
    if (PRIV(self)->install != NULL) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_ALREADY_RUNNING,
                    _("Guest '%s' is being prepared for its installation. Wait for the job to "
                      "finish or cancel it."),
                    vm_name(self));
        return FALSE;
    }
    if (marina_vm_is_active(self)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_ALREADY_RUNNING,
                    _("Guest '%s' is already running."), vm_name(self));
        return FALSE;
    }
    return TRUE;
}

void
marina_vm_start_async(MarinaVm *self, guint flags, GCancellable *cancellable,
                      GAsyncReadyCallback callback, gpointer user_data)
{
    MarinaVmPrivate *p = PRIV(self);
    GTask *task;
    GError *error = NULL;

    if (!check_startable(self, &error)) {
        task = g_task_new(self, cancellable, callback, user_data);
        g_task_return_error(task, error);
        g_object_unref(task);
        return;
    }
    /* A managed save is where the guest left off: Start resumes it. */
    if (p->has_managed_save && !(flags & MARINA_VM_START_FORCE_BOOT)) {
        marina_vm_restore_async(self, NULL, flags, TRUE, cancellable, callback, user_data);
        return;
    }
    if (p->has_managed_save) {
        KLASS(self)->discard_managed_save(self);
        marina_vm_load_flags(self);
    }
    task = g_task_new(self, cancellable, callback, user_data);
    g_task_set_source_tag(task, marina_vm_start_async);
    marina_vm_set_live(self, marina_domain_config_copy(p->def));
    KLASS(self)->start(self, flags, task);
}

gboolean
marina_vm_start_finish(MarinaVm *self, GAsyncResult *result, GError **error)
{
    return g_task_propagate_boolean(G_TASK(result), error);
}

void
marina_vm_restore_async(MarinaVm *self, const char *file, guint flags, gboolean delete_after,
                        GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task = g_task_new(self, cancellable, callback, user_data);
    GError *error = NULL;

    g_task_set_source_tag(task, marina_vm_restore_async);
    if (!check_startable(self, &error)) {
        g_task_return_error(task, error);
        g_object_unref(task);
        return;
    }
    KLASS(self)->restore(self, file, flags, delete_after, task);
}

gboolean
marina_vm_restore_finish(MarinaVm *self, GAsyncResult *result, GError **error)
{
    return g_task_propagate_boolean(G_TASK(result), error);
}

/* The descriptor is left just after the header, where the guest's state begins. */
static int
open_save_image(const char *file, MarinaDomainConfig **config, gboolean *running, GError **error)
{
    int fd = open(file, O_RDONLY | O_CLOEXEC);

    if (fd < 0) {
        int saved = errno;
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("Cannot open the save image %s: %s"), file, g_strerror(saved));
        return -1;
    }
    *config = marina_save_image_read_header(fd, running, error);
    if (*config == NULL) {
        close(fd);
        return -1;
    }
    return fd;
}

MarinaDomainConfig *
marina_vm_read_save_image(const char *file, GError **error)
{
    MarinaDomainConfig *config = NULL;
    int fd = open_save_image(file, &config, NULL, error);

    if (fd >= 0)
        close(fd);
    return config;
}

int
marina_vm_open_save_image(MarinaVm *self, const char *file, MarinaDomainConfig **config,
                          gboolean *running, GError **error)
{
    g_autoptr(MarinaDomainConfig) found = NULL;
    int fd = open_save_image(file, &found, running, error);

    if (fd < 0)
        return -1;
    if (!g_str_equal(found->uuid, marina_vm_get_uuid(self))) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("The save image %s belongs to guest '%s' (%s), not '%s'."), file, found->name,
                    found->uuid, vm_name(self));
        close(fd);
        return -1;
    }
    *config = g_steal_pointer(&found);
    return fd;
}

gboolean
marina_vm_reattach(MarinaVm *self, GError **error)
{
    if (KLASS(self)->reattach == NULL) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_NOT_RUNNING,
                    _("Guest '%s' cannot be re-attached by this driver."), vm_name(self));
        return FALSE;
    }
    return KLASS(self)->reattach(self, error);
}

/* ---------------------------------------------------------------------- */
/* Statistics                                                              */

void
marina_vm_collect_stats_async(MarinaVm *self, guint kinds, GAsyncReadyCallback callback,
                              gpointer user_data)
{
    GTask *task = g_task_new(self, NULL, callback, user_data);

    if (!KLASS(self)->is_controllable(self)) {
        g_task_return_new_error(task, MARINA_ERROR, MARINA_ERROR_NOT_RUNNING, "not running");
        g_object_unref(task);
        return;
    }
    KLASS(self)->collect_stats(self, kinds, task);
}

GVariant *
marina_vm_collect_stats_finish(MarinaVm *self, GAsyncResult *result, GError **error)
{
    return g_task_propagate_pointer(G_TASK(result), error);
}

/* ---------------------------------------------------------------------- */
/* D-Bus methods                                                           */

static gboolean
require_writable(MarinaVm *self, GDBusMethodInvocation *invocation)
{
    return marina_daemon_check_writable(PRIV(self)->daemon, invocation);
}

static gboolean
require_active(MarinaVm *self, GDBusMethodInvocation *invocation)
{
    if (KLASS(self)->is_controllable(self))
        return TRUE;
    g_dbus_method_invocation_return_error(invocation, MARINA_ERROR, MARINA_ERROR_NOT_RUNNING,
                                          _("Guest '%s' is not running."), vm_name(self));
    return FALSE;
}

/* Finish any of our boolean GTasks into a D-Bus reply. */
static void
reply_task(GObject *source, GAsyncResult *result, gpointer data)
{
    g_autoptr(GDBusMethodInvocation) invocation = data;
    GError *error = NULL;

    if (g_task_propagate_boolean(G_TASK(result), &error))
        g_dbus_method_invocation_return_value(invocation, NULL);
    else
        g_dbus_method_invocation_take_error(invocation, error);
}

static GTask *
reply_task_new(MarinaVm *self, GDBusMethodInvocation *invocation)
{
    return g_task_new(self, NULL, reply_task, g_object_ref(invocation));
}

static gboolean
handle_start(MarinaDBusDomain *skel, GDBusMethodInvocation *invocation, guint flags, MarinaVm *self)
{
    if (!require_writable(self, invocation))
        return TRUE;
    marina_vm_start_async(self, flags, NULL, reply_task, g_object_ref(invocation));
    return TRUE;
}

static gboolean
on_shutdown_timeout(gpointer data)
{
    GTask *task = data; /* the timeout source holds a reference */
    MarinaVm *self = g_task_get_source_object(task);

    if (marina_vm_remove_stop_waiter(self, task))
        g_task_return_new_error(task, MARINA_ERROR, MARINA_ERROR_TIMEOUT,
                                _("Guest '%s' did not shut down within %u seconds. It may ignore "
                                  "the ACPI power button; use Destroy (Force Off) to stop it."),
                                vm_name(self), GPOINTER_TO_UINT(g_task_get_task_data(task)));
    return G_SOURCE_REMOVE;
}

/* The power-off request failed: the waiter answers with that error. */
static void
on_shutdown_requested(GObject *source, GAsyncResult *result, gpointer data)
{
    g_autoptr(GTask) waiter = data;
    MarinaVm *self = MARINA_VM(source);
    GError *error = NULL;

    if (g_task_propagate_boolean(G_TASK(result), &error))
        return; /* the stop (or the timeout) answers */
    if (marina_vm_remove_stop_waiter(self, waiter))
        g_task_return_error(waiter, error);
    else
        g_error_free(error);
}

static gboolean
handle_shutdown(MarinaDBusDomain *skel, GDBusMethodInvocation *invocation, guint timeout,
                MarinaVm *self)
{
    g_autoptr(GTask) waiter = NULL;

    if (!require_writable(self, invocation) || !require_active(self, invocation))
        return TRUE;
    if (PRIV(self)->state == MARINA_DOMAIN_PAUSED) {
        g_dbus_method_invocation_return_error(
            invocation, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
            _("Guest '%s' is paused and cannot react to the power button. Resume it first, or "
              "use Destroy (Force Off)."),
            vm_name(self));
        return TRUE;
    }
    if (timeout == 0) {
        KLASS(self)->shutdown(self, reply_task_new(self, invocation));
        return TRUE;
    }
    waiter = reply_task_new(self, invocation);
    g_task_set_task_data(waiter, GUINT_TO_POINTER(timeout), NULL);
    marina_vm_add_stop_waiter(self, waiter);
    g_timeout_add_seconds_full(G_PRIORITY_DEFAULT, timeout, on_shutdown_timeout,
                               g_object_ref(waiter), g_object_unref);
    KLASS(self)->shutdown(self,
                          g_task_new(self, NULL, on_shutdown_requested, g_object_ref(waiter)));
    return TRUE;
}

static gboolean
handle_destroy(MarinaDBusDomain *skel, GDBusMethodInvocation *invocation, MarinaVm *self)
{
    g_autoptr(GTask) task = NULL;

    if (!require_writable(self, invocation))
        return TRUE;
    if (!marina_vm_is_active(self)) {
        g_dbus_method_invocation_return_error(invocation, MARINA_ERROR, MARINA_ERROR_NOT_RUNNING,
                                              _("Guest '%s' is not running."), vm_name(self));
        return TRUE;
    }
    task = reply_task_new(self, invocation);
    marina_vm_add_stop_waiter(self, task);
    KLASS(self)->destroy(self);
    return TRUE;
}

typedef void (*ActionFunc)(MarinaVm *self, GTask *task);

static gboolean
simple_action(MarinaVm *self, GDBusMethodInvocation *invocation, ActionFunc action)
{
    if (!require_writable(self, invocation) || !require_active(self, invocation))
        return TRUE;
    action(self, reply_task_new(self, invocation));
    return TRUE;
}

static gboolean
handle_reboot(MarinaDBusDomain *skel, GDBusMethodInvocation *invocation, MarinaVm *self)
{
    return simple_action(self, invocation, KLASS(self)->reboot);
}

static gboolean
handle_reset(MarinaDBusDomain *skel, GDBusMethodInvocation *invocation, MarinaVm *self)
{
    return simple_action(self, invocation, KLASS(self)->reset);
}

static gboolean
handle_suspend(MarinaDBusDomain *skel, GDBusMethodInvocation *invocation, MarinaVm *self)
{
    if (PRIV(self)->state == MARINA_DOMAIN_PAUSED && KLASS(self)->is_controllable(self)) {
        g_dbus_method_invocation_return_error(invocation, MARINA_ERROR,
                                              MARINA_ERROR_OPERATION_FAILED,
                                              _("Guest '%s' is already paused."), vm_name(self));
        return TRUE;
    }
    return simple_action(self, invocation, KLASS(self)->suspend);
}

static gboolean
handle_resume(MarinaDBusDomain *skel, GDBusMethodInvocation *invocation, MarinaVm *self)
{
    if (PRIV(self)->state == MARINA_DOMAIN_RUNNING) {
        g_dbus_method_invocation_return_error(invocation, MARINA_ERROR,
                                              MARINA_ERROR_OPERATION_FAILED,
                                              _("Guest '%s' is not paused."), vm_name(self));
        return TRUE;
    }
    return simple_action(self, invocation, KLASS(self)->resume);
}

/* @file NULL: the managed save. */
static void
vm_save_async(MarinaVm *self, const char *file, GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task = g_task_new(self, NULL, callback, user_data);
    MarinaDomainState state = PRIV(self)->state;

    if (!KLASS(self)->is_controllable(self) ||
        (state != MARINA_DOMAIN_RUNNING && state != MARINA_DOMAIN_PAUSED)) {
        g_task_return_new_error(task, MARINA_ERROR, MARINA_ERROR_NOT_RUNNING,
                                _("Guest '%s' is not running, so there is nothing to save."),
                                vm_name(self));
        g_object_unref(task);
        return;
    }
    if (file != NULL && !g_path_is_absolute(file)) {
        g_task_return_new_error(task, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                                _("The save file '%s' must be an absolute path."), file);
        g_object_unref(task);
        return;
    }
    KLASS(self)->save(self, file, task);
}

static gboolean
handle_save(MarinaDBusDomain *skel, GDBusMethodInvocation *invocation, const char *file,
            MarinaVm *self)
{
    if (!require_writable(self, invocation))
        return TRUE;
    vm_save_async(self, file, reply_task, g_object_ref(invocation));
    return TRUE;
}

static void
on_managed_save_done(GObject *source, GAsyncResult *result, gpointer data)
{
    g_autoptr(GDBusMethodInvocation) invocation = data;
    GError *error = NULL;

    marina_vm_load_flags(MARINA_VM(source));
    if (g_task_propagate_boolean(G_TASK(result), &error))
        g_dbus_method_invocation_return_value(invocation, NULL);
    else
        g_dbus_method_invocation_take_error(invocation, error);
}

static gboolean
handle_managed_save(MarinaDBusDomain *skel, GDBusMethodInvocation *invocation, MarinaVm *self)
{
    if (!require_writable(self, invocation))
        return TRUE;
    if (!PRIV(self)->persistent) {
        g_dbus_method_invocation_return_error(
            invocation, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
            _("Guest '%s' is transient; a managed save needs a defined guest. Use Save to a "
              "file instead."),
            vm_name(self));
        return TRUE;
    }
    vm_save_async(self, NULL, on_managed_save_done, g_object_ref(invocation));
    return TRUE;
}

static gboolean
handle_managed_save_remove(MarinaDBusDomain *skel, GDBusMethodInvocation *invocation,
                           MarinaVm *self)
{
    if (!require_writable(self, invocation))
        return TRUE;
    if (!PRIV(self)->has_managed_save) {
        g_dbus_method_invocation_return_error(
            invocation, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
            _("Guest '%s' has no managed save image."), vm_name(self));
        return TRUE;
    }
    KLASS(self)->discard_managed_save(self);
    marina_vm_load_flags(self);
    if (!marina_vm_is_active(self))
        marina_vm_set_state(self, MARINA_DOMAIN_SHUTOFF, MARINA_SHUTOFF_UNKNOWN, NULL, NULL);
    g_dbus_method_invocation_return_value(invocation, NULL);
    return TRUE;
}

static gboolean
handle_undefine(MarinaDBusDomain *skel, GDBusMethodInvocation *invocation, guint flags,
                MarinaVm *self)
{
    MarinaVmPrivate *p = PRIV(self);
    g_autoptr(MarinaVm) keep = g_object_ref(self);
    GError *error = NULL;

    if (!require_writable(self, invocation))
        return TRUE;
    if (!p->persistent) {
        g_dbus_method_invocation_return_error(invocation, MARINA_ERROR,
                                              MARINA_ERROR_INVALID_ARGUMENT,
                                              _("Guest '%s' is transient: it is not defined. "
                                                "Use Destroy to stop it."),
                                              vm_name(self));
        return TRUE;
    }
    if (p->install != NULL) {
        g_dbus_method_invocation_return_error(
            invocation, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
            _("Guest '%s' is being prepared for its installation. Cancel the job first."),
            vm_name(self));
        return TRUE;
    }
    if (p->has_managed_save && !(flags & 1)) {
        g_dbus_method_invocation_return_error(
            invocation, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
            _("Guest '%s' has a managed save image. Remove it first (managedsave-remove) or "
              "undefine with --managed-save."),
            vm_name(self));
        return TRUE;
    }
    if (!KLASS(self)->forget_definition(self, &error)) {
        g_dbus_method_invocation_take_error(invocation, error);
        return TRUE;
    }
    if (p->has_managed_save)
        KLASS(self)->discard_managed_save(self);
    p->persistent = FALSE;
    p->autostart = FALSE;
    p->has_managed_save = FALSE;
    sync_skeleton(self);
    state_changed(self);
    marina_daemon_emit_domain_event(p->daemon, self, "undefined", "removed");
    /* A running guest stays, now transient, until it stops. */
    if (!marina_vm_is_active(self))
        marina_daemon_remove_vm(p->daemon, self);
    g_dbus_method_invocation_return_value(invocation, NULL);
    return TRUE;
}

static gboolean
handle_get_xml(MarinaDBusDomain *skel, GDBusMethodInvocation *invocation, guint flags,
               MarinaVm *self)
{
    const MarinaDomainConfig *c =
        (flags & 1) && PRIV(self)->persistent ? PRIV(self)->def : marina_vm_get_config(self);
    g_autofree char *xml = marina_domain_config_to_xml(c);

    marina_dbus_domain_complete_get_xml(skel, invocation, xml);
    return TRUE;
}

static gboolean
handle_get_info(MarinaDBusDomain *skel, GDBusMethodInvocation *invocation, MarinaVm *self)
{
    MarinaVmPrivate *p = PRIV(self);
    const MarinaDomainConfig *c = marina_vm_get_config(self);
    GVariantDict d;

    g_variant_dict_init(&d, NULL);
    g_variant_dict_insert(&d, "state", "u", p->state);
    g_variant_dict_insert(&d, "reason", "u", p->reason);
    g_variant_dict_insert(&d, "max-memory-kib", "t", c->memory_kib);
    g_variant_dict_insert(&d, "memory-kib", "t", c->current_memory_kib);
    g_variant_dict_insert(&d, "vcpus", "u", c->current_vcpus);
    g_variant_dict_insert(&d, "cpu-time-ns", "t", (guint64)0);
    g_variant_dict_insert(&d, "persistent", "b", p->persistent);
    g_variant_dict_insert(&d, "autostart", "b", p->autostart);
    g_variant_dict_insert(&d, "managed-save", "b", p->has_managed_save);
    g_variant_dict_insert(&d, "id", "i", p->id);
    g_variant_dict_insert(&d, "os-type", "s", c->os_type ? c->os_type : "hvm");
    g_variant_dict_insert(&d, "title", "s", c->title ? c->title : "");
    if (marina_vm_is_active(self) && KLASS(self)->add_info != NULL)
        KLASS(self)->add_info(self, &d);
    marina_dbus_domain_complete_get_info(skel, invocation, g_variant_dict_end(&d));
    return TRUE;
}

static gboolean
handle_set_autostart(MarinaDBusDomain *skel, GDBusMethodInvocation *invocation, gboolean on,
                     MarinaVm *self)
{
    GError *error = NULL;

    if (!require_writable(self, invocation))
        return TRUE;
    if (!PRIV(self)->persistent) {
        g_dbus_method_invocation_return_error(invocation, MARINA_ERROR,
                                              MARINA_ERROR_INVALID_ARGUMENT,
                                              _("Guest '%s' is transient; only defined guests "
                                                "can start with the host."),
                                              vm_name(self));
        return TRUE;
    }
    if (!KLASS(self)->store_autostart(self, on, &error)) {
        g_dbus_method_invocation_take_error(invocation, error);
        return TRUE;
    }
    PRIV(self)->autostart = on;
    sync_skeleton(self);
    g_dbus_method_invocation_return_value(invocation, NULL);
    return TRUE;
}

gboolean
marina_vm_check_serial_index(MarinaVm *self, GDBusMethodInvocation *invocation, guint index,
                             guint count)
{
    if (index < count)
        return TRUE;
    g_dbus_method_invocation_return_error(invocation, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                                          _("Guest '%s' has no serial console %u (it has %u)."),
                                          vm_name(self), index, count);
    return FALSE;
}

void
marina_vm_complete_open_serial(MarinaVm *self, GDBusMethodInvocation *invocation, int fd,
                               GBytes *scrollback, GError *error)
{
    g_autoptr(GUnixFDList) fds = NULL;

    if (fd < 0) {
        g_dbus_method_invocation_take_error(invocation, error);
        return;
    }
    fds = g_unix_fd_list_new();
    /* The list holds its own duplicate; ours is closed once it is queued. */
    g_unix_fd_list_append(fds, fd, NULL);
    close(fd);
    marina_dbus_domain_complete_open_serial(
        marina_vm_get_skeleton(self), invocation, fds, g_variant_new_handle(0),
        g_variant_new_from_bytes(G_VARIANT_TYPE_BYTESTRING, scrollback, TRUE));
}

/* Consoles travel as file descriptors; a client behind ssh (the
 * --connect-stdio bridge) has no way to receive one. Say so at once rather
 * than let the reply fail to send and the client wait for its timeout. */
static gboolean
require_fd_passing(MarinaVm *self, GDBusMethodInvocation *invocation)
{
    GDBusConnection *conn = g_dbus_method_invocation_get_connection(invocation);

    if (g_dbus_connection_get_capabilities(conn) & G_DBUS_CAPABILITY_FLAGS_UNIX_FD_PASSING)
        return TRUE;
    g_dbus_method_invocation_return_error(
        invocation, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
        _("The console of guest '%s' cannot be opened over this connection: consoles of a "
          "remote host over SSH are not available yet. Open it on the host itself."),
        marina_vm_get_name(self));
    return FALSE;
}

static gboolean
handle_open_serial(MarinaDBusDomain *skel, GDBusMethodInvocation *invocation, GUnixFDList *in_fds,
                   guint index, MarinaVm *self)
{
    if (!require_writable(self, invocation) || !require_active(self, invocation) ||
        !require_fd_passing(self, invocation))
        return TRUE;
    KLASS(self)->open_serial(self, index, invocation);
    return TRUE;
}

static gboolean
handle_open_graphics(MarinaDBusDomain *skel, GDBusMethodInvocation *invocation, GUnixFDList *in_fds,
                     MarinaVm *self)
{
    if (!require_writable(self, invocation) || !require_active(self, invocation) ||
        !require_fd_passing(self, invocation))
        return TRUE;
    KLASS(self)->open_graphics(self, invocation);
    return TRUE;
}

static gboolean
handle_screenshot(MarinaDBusDomain *skel, GDBusMethodInvocation *invocation, MarinaVm *self)
{
    if (!require_active(self, invocation))
        return TRUE;
    KLASS(self)->screenshot(self, invocation);
    return TRUE;
}

/* ---------------------------------------------------------------------- */
/* Install boot: StartInstall boots the guest once from an install source  */
/* (a network tree's kernel, a kernel on the host, or a boot order), then  */
/* the guest's first reboot brings it back on its definition.              */

#define INSTALL_STRING_MAX 4096
#define INSTALL_FLAGS MARINA_VM_START_PAUSED

typedef struct {
    char *location;
    char *kernel;
    char *initrd;
    char *cmdline;
    GPtrArray *boot; /* char*, or NULL */
} InstallSpec;

typedef struct _InstallRun {
    MarinaVm *vm;
    MarinaJob *job;
    InstallSpec spec;
    guint flags;
    char *kernel; /* what boots: spec.kernel or the downloaded file */
    char *initrd;
} InstallRun;

static void
install_spec_clear(InstallSpec *spec)
{
    g_free(spec->location);
    g_free(spec->kernel);
    g_free(spec->initrd);
    g_free(spec->cmdline);
    g_clear_pointer(&spec->boot, g_ptr_array_unref);
}

static void
install_run_free(InstallRun *run)
{
    install_spec_clear(&run->spec);
    g_free(run->kernel);
    g_free(run->initrd);
    g_clear_object(&run->job);
    g_clear_object(&run->vm);
    g_free(run);
}

static char *
install_dir(MarinaVm *self)
{
    return g_build_filename(PRIV(self)->cfg->state_dir, "install", PRIV(self)->def->uuid, NULL);
}

gboolean
marina_vm_is_installing(MarinaVm *self)
{
    return PRIV(self)->installing;
}

void
marina_vm_set_installing(MarinaVm *self, gboolean installing)
{
    PRIV(self)->installing = installing;
    sync_skeleton(self);
}

void
marina_vm_note_install_reboot(MarinaVm *self)
{
    if (PRIV(self)->installing)
        PRIV(self)->install_rebooted = TRUE;
}

/* The install run is over, however it ended: its files are of no more use. */
static void
end_install_boot(MarinaVm *self)
{
    MarinaVmPrivate *p = PRIV(self);
    g_autofree char *dir = install_dir(self);

    p->installing = FALSE;
    p->install_rebooted = FALSE;
    marina_install_tree_remove_dir(dir);
    sync_skeleton(self);
}

static void
on_booted_after_install(GObject *source, GAsyncResult *result, gpointer data)
{
    MarinaVm *self = MARINA_VM(source);
    g_autoptr(GError) error = NULL;

    if (marina_vm_start_finish(self, result, &error))
        marina_daemon_emit_domain_event(PRIV(self)->daemon, self, "rebooted", "install finished");
    else
        g_warning("Guest '%s' finished its installation but cannot start from its definition: "
                  "%s",
                  vm_name(self), error->message);
}

static gboolean
boot_after_install(gpointer data)
{
    MarinaVm *self = data;

    if (!marina_vm_is_active(self) && PRIV(self)->install == NULL && PRIV(self)->persistent) {
        g_info("Guest '%s' rebooted after its install boot; starting it from its definition",
               vm_name(self));
        marina_vm_start_async(self, 0, NULL, on_booted_after_install, NULL);
    }
    return G_SOURCE_REMOVE;
}

static gboolean
install_string_ok(const char *value)
{
    if (strlen(value) > INSTALL_STRING_MAX || !g_utf8_validate(value, -1, NULL))
        return FALSE;
    for (const guchar *c = (const guchar *)value; *c != '\0'; c++)
        if (*c < 0x20 || *c == 0x7f)
            return FALSE;
    return TRUE;
}

static gboolean
check_host_file(const char *key, const char *path, GError **error)
{
    if (!g_path_is_absolute(path)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("The install %s '%s' must be an absolute path on the host (starting with "
                      "/)."),
                    key, path);
        return FALSE;
    }
    if (!g_file_test(path, G_FILE_TEST_IS_REGULAR) || access(path, R_OK) != 0) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("The install %s %s does not exist or cannot be read. Choose an existing "
                      "file."),
                    key, path);
        return FALSE;
    }
    return TRUE;
}

static gboolean
parse_boot_list(GVariant *value, InstallSpec *spec, GError **error)
{
    static const char *const known[] = {"cdrom", "hd", "network", "fd"};
    g_autofree const char **devs = g_variant_get_strv(value, NULL);

    if (devs[0] == NULL) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("The install boot order is empty. Give at least one of cdrom, hd, network "
                      "or fd."));
        return FALSE;
    }
    spec->boot = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; devs[i] != NULL; i++) {
        gboolean ok = FALSE;

        for (guint k = 0; k < G_N_ELEMENTS(known); k++)
            ok = ok || g_str_equal(devs[i], known[k]);
        if (!ok) {
            g_autofree char *shown = g_utf8_make_valid(devs[i], 64);
            g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                        _("'%s' is not a boot device. Use cdrom, hd, network or fd."), shown);
            return FALSE;
        }
        for (guint k = 0; k < spec->boot->len; k++) {
            if (g_str_equal(spec->boot->pdata[k], devs[i])) {
                g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                            _("The boot device '%s' is listed twice in the install boot order."),
                            devs[i]);
                return FALSE;
            }
        }
        g_ptr_array_add(spec->boot, g_strdup(devs[i]));
    }
    return TRUE;
}

/* The a{sv} of StartInstall, checked as the hostile input it may be. */
static gboolean
parse_install_spec(GVariant *dict, InstallSpec *spec, GError **error)
{
    static const char *const string_keys[] = {"location", "kernel", "initrd", "cmdline"};
    GVariantIter iter;
    const char *key;
    GVariant *raw;

    g_variant_iter_init(&iter, dict);
    while (g_variant_iter_next(&iter, "{&sv}", &key, &raw)) {
        g_autoptr(GVariant) value = raw;
        char **slot = NULL;
        g_autofree char *shown = g_utf8_make_valid(key, 64);

        if (g_str_equal(key, "boot")) {
            if (spec->boot != NULL) {
                g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                            _("The install option 'boot' is given twice."));
                return FALSE;
            }
            if (!g_variant_is_of_type(value, G_VARIANT_TYPE_STRING_ARRAY)) {
                g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                            _("The install option 'boot' must be a list of strings (as)."));
                return FALSE;
            }
            if (!parse_boot_list(value, spec, error))
                return FALSE;
            continue;
        }
        for (guint i = 0; i < G_N_ELEMENTS(string_keys); i++) {
            if (g_str_equal(key, string_keys[i]))
                slot = i == 0   ? &spec->location
                       : i == 1 ? &spec->kernel
                       : i == 2 ? &spec->initrd
                                : &spec->cmdline;
        }
        if (slot == NULL) {
            g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                        _("'%s' is not an install option. Use location, kernel, initrd, cmdline "
                          "or boot."),
                        shown);
            return FALSE;
        }
        if (*slot != NULL) {
            g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                        _("The install option '%s' is given twice."), key);
            return FALSE;
        }
        if (!g_variant_is_of_type(value, G_VARIANT_TYPE_STRING)) {
            g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                        _("The install option '%s' must be a string (s), not %s."), key,
                        g_variant_get_type_string(value));
            return FALSE;
        }
        if (!install_string_ok(g_variant_get_string(value, NULL))) {
            g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                        _("The install option '%s' is too long or contains control "
                          "characters."),
                        key);
            return FALSE;
        }
        *slot = g_variant_dup_string(value, NULL);
    }

    if (spec->location != NULL && spec->kernel != NULL) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("Give either location (a network install tree) or kernel (a file on the "
                      "host), not both."));
        return FALSE;
    }
    if (spec->location != NULL && spec->initrd != NULL) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("With location the initrd comes from the install tree; do not give initrd "
                      "as well."));
        return FALSE;
    }
    if (spec->initrd != NULL && spec->kernel == NULL) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("An install initrd needs a kernel: give kernel as well."));
        return FALSE;
    }
    if (spec->cmdline != NULL && spec->location == NULL && spec->kernel == NULL) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("Kernel arguments (cmdline) need location or kernel to go with them."));
        return FALSE;
    }
    if (spec->location == NULL && spec->kernel == NULL && spec->boot == NULL) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("Nothing to install from: give location (a network install tree), kernel "
                      "(with initrd) or boot (e.g. [\"cdrom\", \"hd\"])."));
        return FALSE;
    }
    if (spec->location != NULL && !marina_install_tree_check_url(spec->location, error))
        return FALSE;
    if (spec->kernel != NULL && !check_host_file("kernel", spec->kernel, error))
        return FALSE;
    if (spec->initrd != NULL && !check_host_file("initrd", spec->initrd, error))
        return FALSE;
    return TRUE;
}

typedef struct {
    guint old_order;
    guint index;
    guint *slot;
} BootCandidate;

static gint
compare_candidates(gconstpointer a, gconstpointer b)
{
    const BootCandidate *x = a, *y = b;

    /* Devices that had a place keep their relative order, then the rest in
     * the order they are written. */
    if ((x->old_order == 0) != (y->old_order == 0))
        return x->old_order == 0 ? 1 : -1;
    if (x->old_order != y->old_order)
        return x->old_order < y->old_order ? -1 : 1;
    return x->index < y->index ? -1 : (x->index > y->index);
}

/* Boot order for the install run. Devices with their own <boot order=>
 * would make QEMU ignore the <os><boot> list, so when the definition uses
 * them, they are renumbered by the requested device classes instead. */
static void
apply_install_boot(MarinaDomainConfig *c, GPtrArray *boot)
{
    g_autoptr(GArray) placed = NULL;
    gboolean per_device = FALSE;

    g_ptr_array_set_size(c->boot_devs, 0);
    for (guint i = 0; i < boot->len; i++)
        g_ptr_array_add(c->boot_devs, g_strdup(boot->pdata[i]));
    for (guint i = 0; i < c->disks->len; i++)
        per_device = per_device || ((MarinaDiskConfig *)c->disks->pdata[i])->boot_order > 0;
    for (guint i = 0; i < c->interfaces->len; i++)
        per_device =
            per_device || ((MarinaInterfaceConfig *)c->interfaces->pdata[i])->boot_order > 0;
    if (!per_device)
        return;

    placed = g_array_new(FALSE, FALSE, sizeof(BootCandidate));
    for (guint b = 0; b < boot->len; b++) {
        const char *cls = boot->pdata[b];
        g_autoptr(GArray) found = g_array_new(FALSE, FALSE, sizeof(BootCandidate));

        for (guint i = 0; i < c->disks->len; i++) {
            MarinaDiskConfig *d = c->disks->pdata[i];
            gboolean match = (g_str_equal(cls, "hd") && d->device == MARINA_DISK_DEVICE_DISK) ||
                             (g_str_equal(cls, "cdrom") && d->device == MARINA_DISK_DEVICE_CDROM) ||
                             (g_str_equal(cls, "fd") && d->device == MARINA_DISK_DEVICE_FLOPPY);
            if (match)
                g_array_append_val(found, ((BootCandidate){d->boot_order, i, &d->boot_order}));
        }
        for (guint i = 0; g_str_equal(cls, "network") && i < c->interfaces->len; i++) {
            MarinaInterfaceConfig *n = c->interfaces->pdata[i];
            g_array_append_val(found, ((BootCandidate){n->boot_order, i, &n->boot_order}));
        }
        g_array_sort(found, compare_candidates);
        g_array_append_vals(placed, found->data, found->len);
    }
    /* Devices of classes not in the list do not boot at all. */
    for (guint i = 0; i < c->disks->len; i++)
        ((MarinaDiskConfig *)c->disks->pdata[i])->boot_order = 0;
    for (guint i = 0; i < c->interfaces->len; i++)
        ((MarinaInterfaceConfig *)c->interfaces->pdata[i])->boot_order = 0;
    for (guint i = 0; i < placed->len; i++)
        *g_array_index(placed, BootCandidate, i).slot = i + 1;
}

/* The running configuration of the install boot: the definition with the
 * install source in place, and a reboot or power-off ending the run. */
static MarinaDomainConfig *
install_config(MarinaVm *self, InstallRun *run)
{
    MarinaDomainConfig *c = marina_domain_config_copy(PRIV(self)->def);

    g_clear_pointer(&c->kernel, g_free);
    g_clear_pointer(&c->initrd, g_free);
    g_clear_pointer(&c->cmdline, g_free);
    if (run->kernel != NULL) {
        c->kernel = g_strdup(run->kernel);
        c->initrd = g_strdup(run->initrd);
        c->cmdline = g_strdup(run->spec.cmdline);
    }
    if (run->spec.boot != NULL)
        apply_install_boot(c, run->spec.boot);
    c->on_reboot = MARINA_LIFECYCLE_DESTROY;
    c->on_poweroff = MARINA_LIFECYCLE_DESTROY;
    return c;
}

static void
install_failed(InstallRun *run, GError *error)
{
    MarinaVm *self = run->vm;
    MarinaVmPrivate *p = PRIV(self);
    g_autofree char *dir = install_dir(self);

    g_info("Installation of guest '%s' did not start: %s", vm_name(self), error->message);
    if (p->install == run)
        p->install = NULL;
    if (!marina_vm_is_active(self) && p->installing) {
        p->installing = FALSE;
        sync_skeleton(self);
    }
    marina_install_tree_remove_dir(dir);
    marina_daemon_end_job(p->daemon, run->job, error);
    g_error_free(error);
    install_run_free(run);
}

static void
on_install_started(GObject *source, GAsyncResult *result, gpointer data)
{
    InstallRun *run = data;
    MarinaVmPrivate *p = PRIV(run->vm);
    GError *error = NULL;

    if (!g_task_propagate_boolean(G_TASK(result), &error)) {
        install_failed(run, error);
        return;
    }
    g_info("Guest '%s' runs its install boot", vm_name(run->vm));
    p->install = NULL;
    marina_daemon_end_job(p->daemon, run->job, NULL);
    install_run_free(run);
}

static void
install_launch(InstallRun *run)
{
    MarinaVm *self = run->vm;
    MarinaVmPrivate *p = PRIV(self);
    GTask *task;

    if (marina_vm_is_active(self)) {
        install_failed(run, g_error_new(MARINA_ERROR, MARINA_ERROR_ALREADY_RUNNING,
                                        _("Guest '%s' is already running."), vm_name(self)));
        return;
    }
    task = g_task_new(self, NULL, on_install_started, run);
    g_task_set_source_tag(task, install_launch);
    p->installing = TRUE;
    p->install_rebooted = FALSE;
    sync_skeleton(self);
    marina_vm_set_live(self, install_config(self, run));
    KLASS(self)->start(self, run->flags, task);
}

static void
on_install_progress(guint64 processed, guint64 total, gpointer data)
{
    MarinaJob *job = data;

    if (marina_job_is_finished(job))
        return;
    marina_job_set_total(job, total);
    marina_job_set_progress(job, processed);
}

static void
on_install_downloaded(GObject *source, GAsyncResult *result, gpointer data)
{
    InstallRun *run = data;
    GError *error = NULL;

    if (!marina_install_tree_download_finish(result, &run->kernel, &run->initrd, &error)) {
        if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
            g_clear_error(&error);
            error = g_error_new(G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                _("The download of the install kernel and initrd of guest '%s' "
                                  "was cancelled."),
                                vm_name(run->vm));
        }
        install_failed(run, error);
        return;
    }
    install_launch(run);
}

static gboolean
handle_start_install(MarinaDBusDomain *skel, GDBusMethodInvocation *invocation, GVariant *options,
                     guint flags, MarinaVm *self)
{
    MarinaVmPrivate *p = PRIV(self);
    InstallRun *run;
    GError *error = NULL;

    if (!require_writable(self, invocation))
        return TRUE;
    run = g_new0(InstallRun, 1);
    if (!parse_install_spec(options, &run->spec, &error))
        goto refused;
    if (flags & ~(guint)INSTALL_FLAGS) {
        error = g_error_new(MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                            _("Unknown StartInstall flags 0x%x; only 1 (start paused) is known."),
                            flags & ~(guint)INSTALL_FLAGS);
        goto refused;
    }
    if (!p->persistent) {
        error = g_error_new(MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                            _("Guest '%s' is not defined. Define it before installing it."),
                            vm_name(self));
        goto refused;
    }
    if (!check_startable(self, &error))
        goto refused;
    if (p->has_managed_save) {
        error = g_error_new(MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                            _("Guest '%s' has a managed save image. Remove it first "
                              "(managedsave-remove) to install the guest afresh."),
                            vm_name(self));
        goto refused;
    }

    run->vm = g_object_ref(self);
    run->flags = flags;
    run->job = g_object_ref(marina_daemon_new_job(p->daemon, 0));
    p->install = run;
    marina_dbus_domain_complete_start_install(skel, invocation,
                                              marina_job_get_object_path(run->job));
    if (run->spec.location != NULL) {
        g_autofree char *dir = install_dir(self);
        g_info("Guest '%s': downloading the install kernel and initrd from %s", vm_name(self),
               run->spec.location);
        marina_install_tree_download_async(
            run->spec.location, dir, marina_job_get_cancellable(run->job), on_install_progress,
            g_object_ref(run->job), g_object_unref, on_install_downloaded, run);
    } else {
        run->kernel = g_strdup(run->spec.kernel);
        run->initrd = g_strdup(run->spec.initrd);
        install_launch(run);
    }
    return TRUE;

refused:
    g_dbus_method_invocation_take_error(invocation, error);
    install_run_free(run);
    return TRUE;
}

static void
setup_skeleton(MarinaVm *self)
{
    static const struct {
        const char *signal;
        GCallback handler;
    } handlers[] = {
        {"handle-start", G_CALLBACK(handle_start)},
        {"handle-start-install", G_CALLBACK(handle_start_install)},
        {"handle-shutdown", G_CALLBACK(handle_shutdown)},
        {"handle-destroy", G_CALLBACK(handle_destroy)},
        {"handle-reboot", G_CALLBACK(handle_reboot)},
        {"handle-reset", G_CALLBACK(handle_reset)},
        {"handle-suspend", G_CALLBACK(handle_suspend)},
        {"handle-resume", G_CALLBACK(handle_resume)},
        {"handle-save", G_CALLBACK(handle_save)},
        {"handle-managed-save", G_CALLBACK(handle_managed_save)},
        {"handle-managed-save-remove", G_CALLBACK(handle_managed_save_remove)},
        {"handle-undefine", G_CALLBACK(handle_undefine)},
        {"handle-get-xml", G_CALLBACK(handle_get_xml)},
        {"handle-get-info", G_CALLBACK(handle_get_info)},
        {"handle-set-autostart", G_CALLBACK(handle_set_autostart)},
        {"handle-open-serial", G_CALLBACK(handle_open_serial)},
        {"handle-open-graphics", G_CALLBACK(handle_open_graphics)},
        {"handle-screenshot", G_CALLBACK(handle_screenshot)},
    };
    MarinaVmPrivate *p = PRIV(self);

    p->skeleton = marina_dbus_domain_skeleton_new();
    for (guint i = 0; i < G_N_ELEMENTS(handlers); i++)
        g_signal_connect(p->skeleton, handlers[i].signal, handlers[i].handler, self);
}
