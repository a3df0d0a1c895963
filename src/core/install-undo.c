#define G_LOG_DOMAIN "marina-installer"

#include "config.h"

#include "error.h"
#include "install-undo.h"

typedef struct {
    char *guest_name;
    MarinaDomain *domain; /* NULL once undefined, or when there was none */
    gboolean may_run;
    GPtrArray *volumes; /* MarinaVolume*, the next to delete last */
} Undo;

static void
undo_free(Undo *undo)
{
    g_free(undo->guest_name);
    g_clear_object(&undo->domain);
    g_ptr_array_unref(undo->volumes);
    g_free(undo);
}

static void delete_next_volume(GTask *task);

static void
on_volume_deleted(GObject *source, GAsyncResult *result, gpointer user_data)
{
    MarinaVolume *volume = MARINA_VOLUME(source);
    g_autoptr(GError) error = NULL;

    if (!marina_volume_delete_finish(volume, result, &error))
        g_warning("Rollback: deleting volume %s failed: %s", marina_volume_get_object_path(volume),
                  marina_error_message(error));
    delete_next_volume(user_data);
}

static void
delete_next_volume(GTask *task)
{
    Undo *undo = g_task_get_task_data(task);
    g_autoptr(MarinaVolume) volume = NULL;

    if (undo->volumes->len == 0) {
        g_task_return_boolean(task, TRUE);
        g_object_unref(task);
        return;
    }
    /* Newest first. */
    volume = g_ptr_array_steal_index(undo->volumes, undo->volumes->len - 1);
    marina_volume_delete_async(volume, NULL, on_volume_deleted, task);
}

static void
on_undefined(GObject *source, GAsyncResult *result, gpointer user_data)
{
    GTask *task = user_data;
    Undo *undo = g_task_get_task_data(task);
    g_autoptr(GError) error = NULL;

    if (!marina_domain_undefine_finish(MARINA_DOMAIN(source), result, &error))
        g_warning("Rollback: undefining guest '%s' failed: %s", undo->guest_name,
                  marina_error_message(error));
    g_clear_object(&undo->domain);
    delete_next_volume(task);
}

static void
undefine(GTask *task)
{
    Undo *undo = g_task_get_task_data(task);

    if (undo->domain == NULL) {
        delete_next_volume(task);
        return;
    }
    marina_domain_undefine_async(undo->domain, MARINA_DOMAIN_UNDEFINE_MANAGED_SAVE, NULL,
                                 on_undefined, task);
}

static void
on_destroyed(GObject *source, GAsyncResult *result, gpointer user_data)
{
    GTask *task = user_data;
    Undo *undo = g_task_get_task_data(task);
    g_autoptr(GError) error = NULL;

    if (!marina_domain_destroy_finish(MARINA_DOMAIN(source), result, &error) &&
        !g_error_matches(error, MARINA_ERROR, MARINA_ERROR_NOT_RUNNING))
        g_warning("Rollback: stopping guest '%s' failed: %s", undo->guest_name,
                  marina_error_message(error));
    undefine(task);
}

void
marina_install_undo_async(const char *guest_name, MarinaDomain *domain, gboolean may_run,
                          GPtrArray *volumes, GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task = g_task_new(NULL, NULL, callback, user_data);
    Undo *undo = g_new0(Undo, 1);

    g_task_set_source_tag(task, marina_install_undo_async);
    undo->guest_name = g_strdup(guest_name);
    undo->domain = domain != NULL ? g_object_ref(domain) : NULL;
    undo->may_run = may_run;
    undo->volumes = g_ptr_array_ref(volumes);
    g_task_set_task_data(task, undo, (GDestroyNotify)undo_free);
    /* Start and StartInstall leave a guest that failed to start shut off;
     * only one that did start (then was cancelled) needs stopping. */
    if (undo->domain != NULL && may_run) {
        marina_domain_destroy_async(undo->domain, NULL, on_destroyed, task);
        return;
    }
    undefine(task);
}

gboolean
marina_install_undo_finish(GAsyncResult *result, GError **error)
{
    g_return_val_if_fail(g_task_is_valid(result, NULL), FALSE);
    return g_task_propagate_boolean(G_TASK(result), error);
}
