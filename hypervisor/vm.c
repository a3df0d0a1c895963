#define G_LOG_DOMAIN "marinad-vm"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "save-image.h"
#include "state-store.h"
#include "vardict-writer.h"
#include "vm-private.h"

#define OBJECT_PATH_PREFIX "/org/marinavm/Marina1/domain/"

/*
 * What every guest has whatever its driver: the definition, the state
 * clients see, persistence flags, and the D-Bus object (vm-private.h). The
 * driver subclass runs the guest (qemu-vm.c, test-vm.c).
 */
G_DEFINE_TYPE_WITH_PRIVATE(MarinaVm, marina_vm, G_TYPE_OBJECT)

MarinaVmPrivate *
marina_vm_get_private(MarinaVm *self)
{
    return marina_vm_get_instance_private(self);
}

/* ---------------------------------------------------------------------- */
/* State                                                                   */

/* The domain objects are served from one vtable (vm-methods.c) that reads
 * the guest directly: remember what clients were last told, and when a
 * property differs, announce all of them once per main loop iteration (as
 * the generated skeleton did). */
static gboolean
emit_properties_changed(gpointer data)
{
    MarinaVm *self = data;
    MarinaVmPrivate *p = PRIV(self);
    g_autoptr(GVariant) props = g_variant_ref_sink(marina_vm_get_dbus_properties(self));

    p->props_idle = 0;
    marina_vm_registry_emit_changed(p->ctx.registry, self, props);
    return G_SOURCE_REMOVE;
}

static void
set_announced_string(char **field, const char *value, gboolean *changed)
{
    /* NULL stands for "": most guests have no title. */
    if (value != NULL && *value == '\0')
        value = NULL;
    if (g_strcmp0(*field, value) == 0)
        return;
    g_free(*field);
    *field = g_strdup(value);
    *changed = TRUE;
}

/* Record the property values; TRUE when one differs from the last record. */
static gboolean
record_properties(MarinaVm *self)
{
    MarinaVmPrivate *p = PRIV(self);
    const MarinaDomainConfig *c = marina_vm_get_config(self);
    MarinaVmAnnounced *a = &p->announced;
    MarinaVmAnnounced now = {
        .id = p->id,
        .state = p->state,
        .reason = p->reason,
        .persistent = p->persistent != FALSE,
        .autostart = p->autostart != FALSE,
        .has_managed_save = p->has_managed_save != FALSE,
        .installing = p->installing != FALSE,
    };
    gboolean changed = a->id != now.id || a->state != now.state || a->reason != now.reason ||
                       a->persistent != now.persistent || a->autostart != now.autostart ||
                       a->has_managed_save != now.has_managed_save ||
                       a->installing != now.installing;

    now.name = a->name;
    now.title = a->title;
    set_announced_string(&now.name, c->name, &changed);
    set_announced_string(&now.title, c->title, &changed);
    /* The UUID of a guest never changes. */
    *a = now;
    return changed;
}

void
marina_vm_sync_properties(MarinaVm *self)
{
    MarinaVmPrivate *p = PRIV(self);

    if (record_properties(self) && p->props_idle == 0)
        p->props_idle = g_idle_add(emit_properties_changed, self);
}

void
marina_vm_notify_state_changed(MarinaVm *self)
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
    marina_vm_registry_note_activity(p->ctx.registry, self);
    marina_vm_sync_properties(self);
    marina_vm_notify_state_changed(self);
    if (event != NULL)
        marina_vm_registry_emit_event(p->ctx.registry, self, event, detail);
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

void
marina_vm_stopped(MarinaVm *self, guint reason)
{
    MarinaVmPrivate *p = PRIV(self);
    g_autoptr(MarinaVm) keep = g_object_ref(self);
    /* The install boot ends at the guest's first reboot: boot the definition. */
    gboolean boot_definition =
        p->installing && p->install_rebooted && reason == MARINA_SHUTOFF_SHUTDOWN;

    g_info("Guest '%s' stopped: %s", marina_vm_get_name(self),
           marina_domain_state_reason_to_string(MARINA_DOMAIN_SHUTOFF, reason));
    if (p->installing)
        marina_vm_end_install_boot(self);
    p->id = -1;
    g_clear_pointer(&p->live, marina_domain_config_free);
    marina_vm_load_flags(self);
    marina_vm_set_state(self, MARINA_DOMAIN_SHUTOFF, reason, "stopped",
                        marina_domain_state_reason_to_string(MARINA_DOMAIN_SHUTOFF, reason));
    complete_stop_waiters(self);
    if (!p->persistent)
        marina_vm_registry_remove(p->ctx.registry, self);
    else if (boot_definition)
        g_idle_add_full(G_PRIORITY_DEFAULT, marina_vm_boot_after_install, g_object_ref(self),
                        g_object_unref);
}

/* ---------------------------------------------------------------------- */
/* Default persistence: files in the state directory (state-store.h)       */

static gboolean
disk_store_definition(MarinaVm *self, const MarinaDomainConfig *def, GError **error)
{
    g_autofree char *xml = marina_domain_config_to_xml(def);
    g_autofree char *path = marina_state_definition_path(PRIV(self)->ctx.config, def->uuid);

    return marina_write_file_atomic(path, xml, strlen(xml), 0600, error);
}

static gboolean
disk_forget_definition(MarinaVm *self, GError **error)
{
    MarinaVmPrivate *p = PRIV(self);
    g_autofree char *def = marina_state_definition_path(p->ctx.config, p->def->uuid);
    g_autofree char *autostart = marina_state_autostart_path(p->ctx.config, p->def->uuid);
    g_autofree char *save = marina_state_managed_save_path(p->ctx.config, p->def->uuid);

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
    g_autofree char *path =
        marina_state_autostart_path(PRIV(self)->ctx.config, PRIV(self)->def->uuid);

    if (on)
        return marina_write_file_atomic(path, "", 0, 0600, error);
    g_unlink(path);
    return TRUE;
}

static void
disk_load_flags(MarinaVm *self, gboolean *autostart, gboolean *managed_save)
{
    MarinaVmPrivate *p = PRIV(self);
    g_autofree char *a = marina_state_autostart_path(p->ctx.config, p->def->uuid);
    g_autofree char *s = marina_state_managed_save_path(p->ctx.config, p->def->uuid);

    *autostart = g_file_test(a, G_FILE_TEST_EXISTS);
    *managed_save = g_file_test(s, G_FILE_TEST_EXISTS);
}

static void
disk_discard_managed_save(MarinaVm *self)
{
    g_autofree char *s =
        marina_state_managed_save_path(PRIV(self)->ctx.config, PRIV(self)->def->uuid);

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
    G_OBJECT_CLASS(marina_vm_parent_class)->dispose(object);
}

static void
marina_vm_finalize(GObject *object)
{
    MarinaVmPrivate *p = PRIV(MARINA_VM(object));

    marina_domain_config_free(p->def);
    marina_domain_config_free(p->live);
    g_free(p->path);
    g_free(p->announced.name);
    g_free(p->announced.title);
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

MarinaVm *
marina_vm_new(GType type, const MarinaVmContext *context, MarinaDomainConfig *def,
              gboolean persistent)
{
    MarinaVm *self = g_object_new(type, NULL);
    MarinaVmPrivate *p = PRIV(self);
    g_autofree char *node = g_strdelimit(g_strdup(def->uuid), "-", '_');

    g_return_val_if_fail(g_type_is_a(type, MARINA_TYPE_VM), NULL);
    p->ctx = *context;
    p->def = def;
    p->persistent = persistent;
    p->path = g_strconcat(OBJECT_PATH_PREFIX, node, NULL);
    /* What a new guest's object says needs no announcement. */
    record_properties(self);
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
    return marina_vm_get_config(self)->name;
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
    marina_vm_sync_properties(self);
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

void
marina_vm_assign_id(MarinaVm *self)
{
    marina_vm_set_id(self, marina_vm_registry_allocate_id(PRIV(self)->ctx.registry));
}

void
marina_vm_emit_event(MarinaVm *self, const char *event, const char *detail)
{
    marina_vm_registry_emit_event(PRIV(self)->ctx.registry, self, event, detail);
}

void
marina_vm_emit_config_changed(MarinaVm *self, const char *event, const char *device)
{
    marina_vm_registry_emit_config_changed(PRIV(self)->ctx.registry, self, event, device);
}

const MarinaDaemonConfig *
marina_vm_get_daemon_config(MarinaVm *self)
{
    return PRIV(self)->ctx.config;
}

MarinaNetworkRegistry *
marina_vm_get_networks(MarinaVm *self)
{
    return PRIV(self)->ctx.networks;
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
    marina_vm_registry_note_activity(p->ctx.registry, self);
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
    marina_vm_sync_properties(self);
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
    marina_vm_sync_properties(self);
    return TRUE;
}

/* ---------------------------------------------------------------------- */
/* Start and restore                                                       */

gboolean
marina_vm_check_startable(MarinaVm *self, GError **error)
{
    if (PRIV(self)->install != NULL) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_ALREADY_RUNNING,
                    _("Guest '%s' is being prepared for its installation. Wait for the job to "
                      "finish or cancel it."),
                    marina_vm_get_name(self));
        return FALSE;
    }
    if (marina_vm_is_active(self)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_ALREADY_RUNNING,
                    _("Guest '%s' is already running."), marina_vm_get_name(self));
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

    if (!marina_vm_check_startable(self, &error)) {
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
    if (!marina_vm_check_startable(self, &error)) {
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
                    found->uuid, marina_vm_get_name(self));
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
                    _("Guest '%s' cannot be re-attached by this driver."),
                    marina_vm_get_name(self));
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
    if (KLASS(self)->collect_stats == NULL) {
        /* A driver with its figures at hand answers at once. */
        MarinaVmStats stats = {.kinds = kinds};

        KLASS(self)->sample_stats(self, kinds, &stats);
        g_task_return_pointer(task, g_variant_ref_sink(marina_vm_stats_to_variant(&stats)),
                              (GDestroyNotify)g_variant_unref);
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

gboolean
marina_vm_has_stats_at_hand(MarinaVm *self)
{
    return KLASS(self)->sample_stats != NULL;
}

gboolean
marina_vm_sample_stats(MarinaVm *self, guint kinds, MarinaVmStats *stats)
{
    g_return_val_if_fail(KLASS(self)->sample_stats != NULL, FALSE);
    if (!KLASS(self)->is_controllable(self))
        return FALSE;
    *stats = (MarinaVmStats){.kinds = kinds};
    KLASS(self)->sample_stats(self, kinds, stats);
    return TRUE;
}

/* Written straight into its serialised form (vardict-writer.h): a thousand
 * running guests each second would otherwise make and free some sixty
 * thousand small GVariants. */
GVariant *
marina_vm_stats_to_variant(const MarinaVmStats *s)
{
    MarinaVardictWriter w;

    marina_vardict_writer_init(&w);
    marina_vardict_writer_add_uint32(&w, "vcpus", s->vcpus);
    marina_vardict_writer_add_uint64(&w, "memory-kib", s->memory_kib);
    if (s->kinds & MARINA_STATS_CPU) {
        marina_vardict_writer_add_uint64(&w, "cpu-time-ns", s->cpu_time_ns);
        marina_vardict_writer_add_double(&w, "cpu-percent", s->cpu_percent);
    }
    if (s->kinds & MARINA_STATS_MEMORY)
        marina_vardict_writer_add_uint64(&w, "memory-rss-kib", s->memory_rss_kib);
    if (s->kinds & MARINA_STATS_DISK) {
        marina_vardict_writer_add_uint64(&w, "disk-rd-bytes", s->disk_rd_bytes);
        marina_vardict_writer_add_uint64(&w, "disk-wr-bytes", s->disk_wr_bytes);
        marina_vardict_writer_add_uint64(&w, "disk-rd-reqs", s->disk_rd_reqs);
        marina_vardict_writer_add_uint64(&w, "disk-wr-reqs", s->disk_wr_reqs);
    }
    if (s->kinds & MARINA_STATS_NETWORK) {
        marina_vardict_writer_add_uint64(&w, "net-rx-bytes", s->net_rx_bytes);
        marina_vardict_writer_add_uint64(&w, "net-tx-bytes", s->net_tx_bytes);
    }
    marina_vardict_writer_add_int64(&w, "timestamp-us", s->timestamp_us);
    return marina_vardict_writer_end(&w);
}
