#define G_LOG_DOMAIN "marina-domain"

#include "config.h"

#include <gio/gunixfdlist.h>
#include <glib/gi18n.h>
#include <unistd.h>

#include "client-private.h"
#include "daemon-stream.h"
#include "domain.h"
#include "error.h"

struct _MarinaDomain {
    GObject parent_instance;

    MarinaConnection *connection;
    char *object_path;
    MarinaDBusDomain *caller; /* calls only; made on first use */
    MarinaDBusDomain *loaded; /* properties and signals, after marina_domain_load_async */
};

G_DEFINE_FINAL_TYPE(MarinaDomain, marina_domain, G_TYPE_OBJECT)

enum { SIGNAL_CHANGED, SIGNAL_STATE_CHANGED, SIGNAL_CONFIG_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
marina_domain_dispose(GObject *object)
{
    MarinaDomain *self = MARINA_DOMAIN(object);

    if (self->loaded != NULL)
        g_signal_handlers_disconnect_by_data(self->loaded, self);
    g_clear_object(&self->loaded);
    g_clear_object(&self->caller);
    g_clear_object(&self->connection);
    G_OBJECT_CLASS(marina_domain_parent_class)->dispose(object);
}

static void
marina_domain_finalize(GObject *object)
{
    MarinaDomain *self = MARINA_DOMAIN(object);

    g_free(self->object_path);
    G_OBJECT_CLASS(marina_domain_parent_class)->finalize(object);
}

static void
marina_domain_class_init(MarinaDomainClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);

    object_class->dispose = marina_domain_dispose;
    object_class->finalize = marina_domain_finalize;
    signals[SIGNAL_CHANGED] = g_signal_new("changed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST,
                                           0, NULL, NULL, NULL, G_TYPE_NONE, 0);
    signals[SIGNAL_STATE_CHANGED] =
        g_signal_new("state-changed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                     NULL, G_TYPE_NONE, 4, G_TYPE_UINT, G_TYPE_UINT, G_TYPE_STRING, G_TYPE_STRING);
    /* ConfigChanged (event, device), once loaded: the definition or the
     * running configuration changed. */
    signals[SIGNAL_CONFIG_CHANGED] =
        g_signal_new("config-changed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                     NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
}

static void
marina_domain_init(MarinaDomain *self)
{
}

MarinaDomain *
marina_domain_new(MarinaConnection *connection, const char *object_path)
{
    MarinaDomain *self;

    g_return_val_if_fail(MARINA_IS_CONNECTION(connection), NULL);
    g_return_val_if_fail(object_path != NULL && g_variant_is_object_path(object_path), NULL);
    self = g_object_new(MARINA_TYPE_DOMAIN, NULL);
    self->connection = g_object_ref(connection);
    self->object_path = g_strdup(object_path);
    return self;
}

MarinaConnection *
marina_domain_get_connection(MarinaDomain *self)
{
    g_return_val_if_fail(MARINA_IS_DOMAIN(self), NULL);
    return self->connection;
}

const char *
marina_domain_get_object_path(MarinaDomain *self)
{
    g_return_val_if_fail(MARINA_IS_DOMAIN(self), NULL);
    return self->object_path;
}

/* The call-only proxy with @timeout_ms for the next call. Making it costs
 * no round trip (no properties, no signals, no bus name on a peer link). */
static MarinaDBusDomain *
caller(MarinaDomain *self, int timeout_ms)
{
    if (self->caller == NULL)
        self->caller = marina_dbus_domain_proxy_new_sync(
            marina_connection_get_dbus_connection(self->connection), MARINA_CLIENT_PROXY_FLAGS,
            NULL, self->object_path, NULL, NULL);
    return marina_client_timeout(self->caller, timeout_ms);
}

/* The generated call of an action without arguments or reply. */
typedef void (*VoidCall)(MarinaDBusDomain *proxy, GCancellable *cancellable,
                         GAsyncReadyCallback callback, gpointer user_data);

/* Starts an action without arguments or reply: @call with @timeout_ms, the
 * GTask tagged @tag completing with TRUE or the daemon's error. */
static void
call_void(MarinaDomain *self, gpointer tag, VoidCall call, int timeout_ms,
          GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task = marina_client_task_new(self, tag, cancellable, callback, user_data);

    call(caller(self, timeout_ms), cancellable, marina_client_void_reply, task);
}

/* ---------------------------------------------------------------------------------------------
 * Properties
 */

static void
on_properties_changed(GDBusProxy *proxy, GVariant *changed, GStrv invalidated, gpointer user_data)
{
    g_signal_emit(user_data, signals[SIGNAL_CHANGED], 0);
}

static void
on_state_changed(MarinaDBusDomain *proxy, guint state, guint reason, const char *event,
                 const char *detail, gpointer user_data)
{
    g_signal_emit(user_data, signals[SIGNAL_STATE_CHANGED], 0, state, reason, event, detail);
}

static void
on_config_changed(MarinaDBusDomain *proxy, const char *event, const char *device,
                  gpointer user_data)
{
    g_signal_emit(user_data, signals[SIGNAL_CONFIG_CHANGED], 0, event, device);
}

static void
on_loaded(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GTask) task = user_data;
    MarinaDomain *self = g_task_get_source_object(task);
    GError *error = NULL;
    MarinaDBusDomain *proxy = marina_dbus_domain_proxy_new_finish(result, &error);

    if (proxy == NULL) {
        g_task_return_error(task, error);
        return;
    }
    if (self->loaded != NULL) {
        g_signal_handlers_disconnect_by_data(self->loaded, self);
        g_object_unref(self->loaded);
    }
    self->loaded = proxy;
    g_signal_connect(proxy, "g-properties-changed", G_CALLBACK(on_properties_changed), self);
    g_signal_connect(proxy, "state-changed", G_CALLBACK(on_state_changed), self);
    g_signal_connect(proxy, "config-changed", G_CALLBACK(on_config_changed), self);
    g_task_return_boolean(task, TRUE);
}

void
marina_domain_load_async(MarinaDomain *self, GCancellable *cancellable,
                         GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task;

    g_return_if_fail(MARINA_IS_DOMAIN(self));
    task = marina_client_task_new(self, marina_domain_load_async, cancellable, callback, user_data);
    marina_dbus_domain_proxy_new(marina_connection_get_dbus_connection(self->connection),
                                 G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START, NULL, self->object_path,
                                 cancellable, on_loaded, task);
}

gboolean
marina_domain_load_finish(MarinaDomain *self, GAsyncResult *result, GError **error)
{
    return marina_client_finish_boolean(self, result, marina_domain_load_async, error);
}

gboolean
marina_domain_is_loaded(MarinaDomain *self)
{
    g_return_val_if_fail(MARINA_IS_DOMAIN(self), FALSE);
    return self->loaded != NULL;
}

const char *
marina_domain_get_name(MarinaDomain *self)
{
    g_return_val_if_fail(MARINA_IS_DOMAIN(self), NULL);
    return self->loaded != NULL ? marina_dbus_domain_get_name(self->loaded) : NULL;
}

const char *
marina_domain_get_uuid(MarinaDomain *self)
{
    g_return_val_if_fail(MARINA_IS_DOMAIN(self), NULL);
    return self->loaded != NULL ? marina_dbus_domain_get_uuid(self->loaded) : NULL;
}

const char *
marina_domain_get_title(MarinaDomain *self)
{
    g_return_val_if_fail(MARINA_IS_DOMAIN(self), NULL);
    return self->loaded != NULL ? marina_dbus_domain_get_title(self->loaded) : NULL;
}

int
marina_domain_get_id(MarinaDomain *self)
{
    g_return_val_if_fail(MARINA_IS_DOMAIN(self), -1);
    return self->loaded != NULL ? marina_dbus_domain_get_id(self->loaded) : -1;
}

MarinaDomainState
marina_domain_get_state(MarinaDomain *self, guint *reason)
{
    g_return_val_if_fail(MARINA_IS_DOMAIN(self), MARINA_DOMAIN_NOSTATE);
    if (reason != NULL)
        *reason = self->loaded != NULL ? marina_dbus_domain_get_state_reason(self->loaded) : 0;
    return self->loaded != NULL ? marina_dbus_domain_get_state(self->loaded)
                                : MARINA_DOMAIN_NOSTATE;
}

gboolean
marina_domain_get_persistent(MarinaDomain *self)
{
    g_return_val_if_fail(MARINA_IS_DOMAIN(self), FALSE);
    return self->loaded != NULL && marina_dbus_domain_get_persistent(self->loaded);
}

gboolean
marina_domain_get_autostart(MarinaDomain *self)
{
    g_return_val_if_fail(MARINA_IS_DOMAIN(self), FALSE);
    return self->loaded != NULL && marina_dbus_domain_get_autostart(self->loaded);
}

gboolean
marina_domain_get_has_managed_save(MarinaDomain *self)
{
    g_return_val_if_fail(MARINA_IS_DOMAIN(self), FALSE);
    return self->loaded != NULL && marina_dbus_domain_get_has_managed_save(self->loaded);
}

gboolean
marina_domain_get_installing(MarinaDomain *self)
{
    g_return_val_if_fail(MARINA_IS_DOMAIN(self), FALSE);
    return self->loaded != NULL && marina_dbus_domain_get_installing(self->loaded);
}

/* ---------------------------------------------------------------------------------------------
 * Lifecycle
 */

void
marina_domain_start_async(MarinaDomain *self, MarinaDomainStartFlags flags,
                          GCancellable *cancellable, GAsyncReadyCallback callback,
                          gpointer user_data)
{
    GTask *task;

    g_return_if_fail(MARINA_IS_DOMAIN(self));
    task =
        marina_client_task_new(self, marina_domain_start_async, cancellable, callback, user_data);
    /* Starting from a managed save image reads the guest's memory back. */
    marina_dbus_domain_call_start(caller(self, MARINA_CALL_TIMEOUT_LONG_MS), flags, cancellable,
                                  marina_client_void_reply, task);
}

gboolean
marina_domain_start_finish(MarinaDomain *self, GAsyncResult *result, GError **error)
{
    return marina_client_finish_boolean(self, result, marina_domain_start_async, error);
}

void
marina_domain_start_install_async(MarinaDomain *self, GVariant *install,
                                  MarinaDomainStartFlags flags, GCancellable *cancellable,
                                  GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task;

    g_return_if_fail(MARINA_IS_DOMAIN(self));
    g_return_if_fail(install != NULL);
    task = marina_client_job_task_new(self, self->connection, marina_domain_start_install_async,
                                      cancellable, callback, user_data);
    /* Returns at once with a job; the download and the start are the job's. */
    marina_dbus_domain_call_start_install(caller(self, MARINA_CALL_TIMEOUT_LONG_MS), install, flags,
                                          cancellable, marina_client_job_reply, task);
}

MarinaJobWatcher *
marina_domain_start_install_finish(MarinaDomain *self, GAsyncResult *result, GError **error)
{
    return marina_client_finish_pointer(self, result, marina_domain_start_install_async, error);
}

void
marina_domain_shutdown_async(MarinaDomain *self, guint wait_seconds, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task;
    int timeout_ms = MARINA_CALL_TIMEOUT_QUERY_MS;

    g_return_if_fail(MARINA_IS_DOMAIN(self));
    task = marina_client_task_new(self, marina_domain_shutdown_async, cancellable, callback,
                                  user_data);
    if (wait_seconds > 0)
        timeout_ms = (int)MIN((guint64)wait_seconds + MARINA_CALL_TIMEOUT_SHUTDOWN_MARGIN_S,
                              (guint64)(G_MAXINT / 1000)) *
                     1000;
    marina_dbus_domain_call_shutdown(caller(self, timeout_ms), wait_seconds, cancellable,
                                     marina_client_void_reply, task);
}

gboolean
marina_domain_shutdown_finish(MarinaDomain *self, GAsyncResult *result, GError **error)
{
    return marina_client_finish_boolean(self, result, marina_domain_shutdown_async, error);
}

void
marina_domain_destroy_async(MarinaDomain *self, GCancellable *cancellable,
                            GAsyncReadyCallback callback, gpointer user_data)
{
    g_return_if_fail(MARINA_IS_DOMAIN(self));
    call_void(self, marina_domain_destroy_async, marina_dbus_domain_call_destroy,
              MARINA_CALL_TIMEOUT_QUERY_MS, cancellable, callback, user_data);
}

gboolean
marina_domain_destroy_finish(MarinaDomain *self, GAsyncResult *result, GError **error)
{
    return marina_client_finish_boolean(self, result, marina_domain_destroy_async, error);
}

void
marina_domain_reboot_async(MarinaDomain *self, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data)
{
    g_return_if_fail(MARINA_IS_DOMAIN(self));
    call_void(self, marina_domain_reboot_async, marina_dbus_domain_call_reboot,
              MARINA_CALL_TIMEOUT_QUERY_MS, cancellable, callback, user_data);
}

gboolean
marina_domain_reboot_finish(MarinaDomain *self, GAsyncResult *result, GError **error)
{
    return marina_client_finish_boolean(self, result, marina_domain_reboot_async, error);
}

void
marina_domain_reset_async(MarinaDomain *self, GCancellable *cancellable,
                          GAsyncReadyCallback callback, gpointer user_data)
{
    g_return_if_fail(MARINA_IS_DOMAIN(self));
    call_void(self, marina_domain_reset_async, marina_dbus_domain_call_reset,
              MARINA_CALL_TIMEOUT_QUERY_MS, cancellable, callback, user_data);
}

gboolean
marina_domain_reset_finish(MarinaDomain *self, GAsyncResult *result, GError **error)
{
    return marina_client_finish_boolean(self, result, marina_domain_reset_async, error);
}

void
marina_domain_suspend_async(MarinaDomain *self, GCancellable *cancellable,
                            GAsyncReadyCallback callback, gpointer user_data)
{
    g_return_if_fail(MARINA_IS_DOMAIN(self));
    call_void(self, marina_domain_suspend_async, marina_dbus_domain_call_suspend,
              MARINA_CALL_TIMEOUT_QUERY_MS, cancellable, callback, user_data);
}

gboolean
marina_domain_suspend_finish(MarinaDomain *self, GAsyncResult *result, GError **error)
{
    return marina_client_finish_boolean(self, result, marina_domain_suspend_async, error);
}

void
marina_domain_resume_async(MarinaDomain *self, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data)
{
    g_return_if_fail(MARINA_IS_DOMAIN(self));
    call_void(self, marina_domain_resume_async, marina_dbus_domain_call_resume,
              MARINA_CALL_TIMEOUT_QUERY_MS, cancellable, callback, user_data);
}

gboolean
marina_domain_resume_finish(MarinaDomain *self, GAsyncResult *result, GError **error)
{
    return marina_client_finish_boolean(self, result, marina_domain_resume_async, error);
}

void
marina_domain_save_async(MarinaDomain *self, const char *file, GCancellable *cancellable,
                         GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task;

    g_return_if_fail(MARINA_IS_DOMAIN(self));
    g_return_if_fail(file != NULL);
    task = marina_client_task_new(self, marina_domain_save_async, cancellable, callback, user_data);
    marina_dbus_domain_call_save(caller(self, MARINA_CALL_TIMEOUT_LONG_MS), file, cancellable,
                                 marina_client_void_reply, task);
}

gboolean
marina_domain_save_finish(MarinaDomain *self, GAsyncResult *result, GError **error)
{
    return marina_client_finish_boolean(self, result, marina_domain_save_async, error);
}

void
marina_domain_managed_save_async(MarinaDomain *self, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data)
{
    g_return_if_fail(MARINA_IS_DOMAIN(self));
    call_void(self, marina_domain_managed_save_async, marina_dbus_domain_call_managed_save,
              MARINA_CALL_TIMEOUT_LONG_MS, cancellable, callback, user_data);
}

gboolean
marina_domain_managed_save_finish(MarinaDomain *self, GAsyncResult *result, GError **error)
{
    return marina_client_finish_boolean(self, result, marina_domain_managed_save_async, error);
}

void
marina_domain_managed_save_remove_async(MarinaDomain *self, GCancellable *cancellable,
                                        GAsyncReadyCallback callback, gpointer user_data)
{
    g_return_if_fail(MARINA_IS_DOMAIN(self));
    call_void(self, marina_domain_managed_save_remove_async,
              marina_dbus_domain_call_managed_save_remove, MARINA_CALL_TIMEOUT_QUERY_MS,
              cancellable, callback, user_data);
}

gboolean
marina_domain_managed_save_remove_finish(MarinaDomain *self, GAsyncResult *result, GError **error)
{
    return marina_client_finish_boolean(self, result, marina_domain_managed_save_remove_async,
                                        error);
}

void
marina_domain_undefine_async(MarinaDomain *self, MarinaDomainUndefineFlags flags,
                             GCancellable *cancellable, GAsyncReadyCallback callback,
                             gpointer user_data)
{
    GTask *task;

    g_return_if_fail(MARINA_IS_DOMAIN(self));
    task = marina_client_task_new(self, marina_domain_undefine_async, cancellable, callback,
                                  user_data);
    /* Removing a managed save image deletes a file as large as the guest's memory. */
    marina_dbus_domain_call_undefine(caller(self, MARINA_CALL_TIMEOUT_LONG_MS), flags, cancellable,
                                     marina_client_void_reply, task);
}

gboolean
marina_domain_undefine_finish(MarinaDomain *self, GAsyncResult *result, GError **error)
{
    return marina_client_finish_boolean(self, result, marina_domain_undefine_async, error);
}

void
marina_domain_rename_async(MarinaDomain *self, const char *new_name, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task;

    g_return_if_fail(MARINA_IS_DOMAIN(self));
    g_return_if_fail(new_name != NULL);
    task =
        marina_client_task_new(self, marina_domain_rename_async, cancellable, callback, user_data);
    /* Moving the logs is a few renames in one directory. */
    marina_dbus_domain_call_rename(caller(self, MARINA_CALL_TIMEOUT_QUERY_MS), new_name,
                                   cancellable, marina_client_void_reply, task);
}

gboolean
marina_domain_rename_finish(MarinaDomain *self, GAsyncResult *result, GError **error)
{
    return marina_client_finish_boolean(self, result, marina_domain_rename_async, error);
}

void
marina_domain_set_autostart_async(MarinaDomain *self, gboolean autostart, GCancellable *cancellable,
                                  GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task;

    g_return_if_fail(MARINA_IS_DOMAIN(self));
    task = marina_client_task_new(self, marina_domain_set_autostart_async, cancellable, callback,
                                  user_data);
    marina_dbus_domain_call_set_autostart(caller(self, MARINA_CALL_TIMEOUT_QUERY_MS), autostart,
                                          cancellable, marina_client_void_reply, task);
}

gboolean
marina_domain_set_autostart_finish(MarinaDomain *self, GAsyncResult *result, GError **error)
{
    return marina_client_finish_boolean(self, result, marina_domain_set_autostart_async, error);
}

/* ---------------------------------------------------------------------------------------------
 * Information
 */

void
marina_domain_get_xml_async(MarinaDomain *self, MarinaDomainXmlFlags flags,
                            GCancellable *cancellable, GAsyncReadyCallback callback,
                            gpointer user_data)
{
    GTask *task;

    g_return_if_fail(MARINA_IS_DOMAIN(self));
    task =
        marina_client_task_new(self, marina_domain_get_xml_async, cancellable, callback, user_data);
    marina_dbus_domain_call_get_xml(caller(self, MARINA_CALL_TIMEOUT_QUERY_MS), flags, cancellable,
                                    marina_client_string_reply, task);
}

char *
marina_domain_get_xml_finish(MarinaDomain *self, GAsyncResult *result, GError **error)
{
    return marina_client_finish_pointer(self, result, marina_domain_get_xml_async, error);
}

static void
on_get_info(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GTask) task = user_data;
    g_autoptr(GVariant) info = NULL;
    GError *error = NULL;

    if (marina_dbus_domain_call_get_info_finish(MARINA_DBUS_DOMAIN(source), &info, result, &error))
        g_task_return_pointer(task, marina_domain_info_from_variant(info),
                              (GDestroyNotify)marina_domain_info_free);
    else
        g_task_return_error(task, error);
}

void
marina_domain_get_info_async(MarinaDomain *self, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task;

    g_return_if_fail(MARINA_IS_DOMAIN(self));
    task = marina_client_task_new(self, marina_domain_get_info_async, cancellable, callback,
                                  user_data);
    marina_dbus_domain_call_get_info(caller(self, MARINA_CALL_TIMEOUT_QUERY_MS), cancellable,
                                     on_get_info, task);
}

MarinaDomainInfo *
marina_domain_get_info_finish(MarinaDomain *self, GAsyncResult *result, GError **error)
{
    return marina_client_finish_pointer(self, result, marina_domain_get_info_async, error);
}

/* ---------------------------------------------------------------------------------------------
 * Consoles
 */

/* The guest's UUID, as a remote bridge names it: the last element of the
 * object path ("/org/marinavm/Marina1/domain/<uuid with _ for ->"). Known
 * without loading the domain's properties. */
static char *
uuid_from_path(MarinaDomain *self)
{
    const char *node = strrchr(self->object_path, '/');

    return g_strdelimit(g_strdup(node != NULL ? node + 1 : ""), "_", '-');
}

static void
on_open_serial(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GTask) task = user_data;
    g_autoptr(GVariant) handle = NULL;
    g_autoptr(GVariant) kept = NULL;
    g_autoptr(GUnixFDList) fds = NULL;
    g_autofree char *what = NULL;
    GError *error = NULL;
    int fd;

    if (!marina_dbus_domain_call_open_serial_finish(MARINA_DBUS_DOMAIN(source), &handle, &kept,
                                                    &fds, result, &error)) {
        g_task_return_error(task, error);
        return;
    }
    what = g_strdup_printf(_("serial port %u"), GPOINTER_TO_UINT(g_task_get_task_data(task)));
    fd = marina_daemon_stream_take_fd(handle, fds, what, &error);
    if (fd < 0)
        g_task_return_error(task, error);
    else
        marina_daemon_stream_return(task, fd,
                                    kept != NULL ? g_variant_get_data_as_bytes(kept) : NULL);
}

static void
call_open_serial(GTask *task, gpointer call_data)
{
    MarinaDomain *self = g_task_get_source_object(task);
    guint index = *(const guint *)call_data;

    g_task_set_task_data(task, GUINT_TO_POINTER(index), NULL);
    marina_dbus_domain_call_open_serial(caller(self, MARINA_CALL_TIMEOUT_QUERY_MS), index, NULL,
                                        g_task_get_cancellable(task), on_open_serial, task);
}

void
marina_domain_open_serial_async(MarinaDomain *self, guint index, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data)
{
    g_autofree char *uuid = NULL;
    g_autofree char *index_text = NULL;

    g_return_if_fail(MARINA_IS_DOMAIN(self));
    uuid = uuid_from_path(self);
    index_text = g_strdup_printf("%u", index);
    {
        const char *const channel[] = {"serial", uuid, index_text, NULL};

        marina_daemon_stream_open_async(self, marina_domain_open_serial_async, self->connection,
                                        channel, call_open_serial, &index, cancellable, callback,
                                        user_data);
    }
}

int
marina_domain_open_serial_finish(MarinaDomain *self, GAsyncResult *result, GBytes **scrollback,
                                 GError **error)
{
    return marina_daemon_stream_open_finish(self, result, marina_domain_open_serial_async,
                                            scrollback, error);
}

static void
on_open_graphics(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GTask) task = user_data;
    g_autoptr(GVariant) handle = NULL;
    g_autoptr(GUnixFDList) fds = NULL;
    GError *error = NULL;
    int fd = -1;

    if (marina_dbus_domain_call_open_graphics_finish(MARINA_DBUS_DOMAIN(source), &handle, &fds,
                                                     result, &error))
        fd = marina_daemon_stream_take_fd(handle, fds, _("the display"), &error);
    if (fd < 0)
        g_task_return_error(task, error);
    else
        marina_daemon_stream_return(task, fd, NULL);
}

static void
call_open_graphics(GTask *task, gpointer call_data)
{
    MarinaDomain *self = g_task_get_source_object(task);

    marina_dbus_domain_call_open_graphics(caller(self, MARINA_CALL_TIMEOUT_QUERY_MS), NULL,
                                          g_task_get_cancellable(task), on_open_graphics, task);
}

void
marina_domain_open_graphics_async(MarinaDomain *self, GCancellable *cancellable,
                                  GAsyncReadyCallback callback, gpointer user_data)
{
    g_autofree char *uuid = NULL;

    g_return_if_fail(MARINA_IS_DOMAIN(self));
    uuid = uuid_from_path(self);
    {
        const char *const channel[] = {"graphics", uuid, NULL};

        marina_daemon_stream_open_async(self, marina_domain_open_graphics_async, self->connection,
                                        channel, call_open_graphics, NULL, cancellable, callback,
                                        user_data);
    }
}

int
marina_domain_open_graphics_finish(MarinaDomain *self, GAsyncResult *result, GError **error)
{
    return marina_daemon_stream_open_finish(self, result, marina_domain_open_graphics_async, NULL,
                                            error);
}

static void
on_screenshot(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GTask) task = user_data;
    g_autoptr(GVariant) png = NULL;
    GError *error = NULL;

    if (marina_dbus_domain_call_screenshot_finish(MARINA_DBUS_DOMAIN(source), &png, result, &error))
        g_task_return_pointer(task, g_variant_get_data_as_bytes(png),
                              (GDestroyNotify)g_bytes_unref);
    else
        g_task_return_error(task, error);
}

void
marina_domain_screenshot_async(MarinaDomain *self, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task;

    g_return_if_fail(MARINA_IS_DOMAIN(self));
    task = marina_client_task_new(self, marina_domain_screenshot_async, cancellable, callback,
                                  user_data);
    marina_dbus_domain_call_screenshot(caller(self, MARINA_CALL_TIMEOUT_QUERY_MS), cancellable,
                                       on_screenshot, task);
}

GBytes *
marina_domain_screenshot_finish(MarinaDomain *self, GAsyncResult *result, GError **error)
{
    return marina_client_finish_pointer(self, result, marina_domain_screenshot_async, error);
}

/* ---------------------------------------------------------------------------------------------
 * Jobs and migration (moving the guest itself: migration.c)
 */

static void
on_get_job_info(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GTask) task = user_data;
    g_autoptr(GVariant) info = NULL;
    GError *error = NULL;

    if (marina_dbus_domain_call_get_job_info_finish(MARINA_DBUS_DOMAIN(source), &info, result,
                                                    &error))
        g_task_return_pointer(task, marina_job_info_from_variant(info),
                              (GDestroyNotify)marina_job_info_free);
    else
        g_task_return_error(task, error);
}

void
marina_domain_get_job_info_async(MarinaDomain *self, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task;

    g_return_if_fail(MARINA_IS_DOMAIN(self));
    task = marina_client_task_new(self, marina_domain_get_job_info_async, cancellable, callback,
                                  user_data);
    marina_dbus_domain_call_get_job_info(caller(self, MARINA_CALL_TIMEOUT_QUERY_MS), cancellable,
                                         on_get_job_info, task);
}

MarinaJobInfo *
marina_domain_get_job_info_finish(MarinaDomain *self, GAsyncResult *result, GError **error)
{
    return marina_client_finish_pointer(self, result, marina_domain_get_job_info_async, error);
}

void
marina_domain_abort_job_async(MarinaDomain *self, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data)
{
    g_return_if_fail(MARINA_IS_DOMAIN(self));
    call_void(self, marina_domain_abort_job_async, marina_dbus_domain_call_abort_job,
              MARINA_CALL_TIMEOUT_QUERY_MS, cancellable, callback, user_data);
}

gboolean
marina_domain_abort_job_finish(MarinaDomain *self, GAsyncResult *result, GError **error)
{
    return marina_client_finish_boolean(self, result, marina_domain_abort_job_async, error);
}

void
marina_domain_migrate_set_max_downtime_async(MarinaDomain *self, guint64 milliseconds,
                                             GCancellable *cancellable,
                                             GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task;

    g_return_if_fail(MARINA_IS_DOMAIN(self));
    task = marina_client_task_new(self, marina_domain_migrate_set_max_downtime_async, cancellable,
                                  callback, user_data);
    marina_dbus_domain_call_migrate_set_max_downtime(caller(self, MARINA_CALL_TIMEOUT_QUERY_MS),
                                                     milliseconds, cancellable,
                                                     marina_client_void_reply, task);
}

gboolean
marina_domain_migrate_set_max_downtime_finish(MarinaDomain *self, GAsyncResult *result,
                                              GError **error)
{
    return marina_client_finish_boolean(self, result, marina_domain_migrate_set_max_downtime_async,
                                        error);
}

void
marina_domain_migrate_set_speed_async(MarinaDomain *self, guint64 bytes_per_second,
                                      GCancellable *cancellable, GAsyncReadyCallback callback,
                                      gpointer user_data)
{
    GTask *task;

    g_return_if_fail(MARINA_IS_DOMAIN(self));
    task = marina_client_task_new(self, marina_domain_migrate_set_speed_async, cancellable,
                                  callback, user_data);
    marina_dbus_domain_call_migrate_set_speed(caller(self, MARINA_CALL_TIMEOUT_QUERY_MS),
                                              bytes_per_second, cancellable,
                                              marina_client_void_reply, task);
}

gboolean
marina_domain_migrate_set_speed_finish(MarinaDomain *self, GAsyncResult *result, GError **error)
{
    return marina_client_finish_boolean(self, result, marina_domain_migrate_set_speed_async, error);
}

void
marina_domain_migrate_start_postcopy_async(MarinaDomain *self, GCancellable *cancellable,
                                           GAsyncReadyCallback callback, gpointer user_data)
{
    g_return_if_fail(MARINA_IS_DOMAIN(self));
    call_void(self, marina_domain_migrate_start_postcopy_async,
              marina_dbus_domain_call_migrate_start_postcopy, MARINA_CALL_TIMEOUT_QUERY_MS,
              cancellable, callback, user_data);
}

gboolean
marina_domain_migrate_start_postcopy_finish(MarinaDomain *self, GAsyncResult *result,
                                            GError **error)
{
    return marina_client_finish_boolean(self, result, marina_domain_migrate_start_postcopy_async,
                                        error);
}
