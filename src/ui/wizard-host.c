/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-wizard-host"

#include "config.h"

#include "wizard-host.h"

#include <glib/gi18n.h>

#include "error.h"
#include "ui-util.h"

struct _MarinaWizardHost {
    GObject parent_instance;

    MarinaGuestList *list;
    MarinaHost *host; /* of the list's connection */
    gboolean local;
    GCancellable *cancellable; /* the reads of this connection */
    guint cpus;
    guint64 memory_mib;
    GStrv bridges;
    char *arch; /* the host's, from its node info; NULL until known */
    gboolean system;
    GPtrArray *pools; /* MarinaPoolInfo* */
    char *pools_error;
};

enum { SIGNAL_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE(MarinaWizardHost, marina_wizard_host, G_TYPE_OBJECT)

static void
changed(MarinaWizardHost *self, guint what)
{
    g_signal_emit(self, signals[SIGNAL_CHANGED], 0, what);
}

static void
on_node_info(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(MarinaWizardHost) self = user_data;
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaNodeInfo) info =
        marina_host_get_node_info_finish(MARINA_HOST(source), result, &error);

    if (info == NULL) {
        if (!marina_ui_is_cancelled(error))
            g_message("Could not read the host's CPUs and memory: %s", marina_error_message(error));
        return;
    }
    /* A figure the daemon left out stays unknown. */
    if (g_variant_dict_contains(info->dict, "memory-kib"))
        self->memory_mib = info->memory_kib / 1024;
    if (g_variant_dict_contains(info->dict, "cpus"))
        self->cpus = info->cpus;
    g_free(self->arch);
    self->arch = info->arch != NULL && *info->arch != '\0' ? g_strdup(info->arch) : NULL;
    g_strfreev(self->bridges);
    self->bridges =
        g_variant_dict_contains(info->dict, "bridges") ? g_strdupv(info->bridges) : NULL;
    changed(self, MARINA_WIZARD_HOST_NODE);
}

static void
on_properties(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(MarinaWizardHost) self = user_data;
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaHostProperties) properties =
        marina_host_get_properties_finish(MARINA_HOST(source), result, &error);

    if (properties == NULL) {
        if (!marina_ui_is_cancelled(error))
            g_message("Could not read the daemon's mode: %s", marina_error_message(error));
        return;
    }
    self->system = g_strcmp0(properties->mode, "system") == 0;
    changed(self, MARINA_WIZARD_HOST_MODE);
}

static void
on_pools(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(MarinaWizardHost) self = user_data;
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) pools = marina_host_list_pools_finish(MARINA_HOST(source), result, &error);

    if (pools == NULL) {
        if (!marina_ui_is_cancelled(error)) {
            g_free(self->pools_error);
            self->pools_error = g_strdup_printf(_("Could not list the storage pools: %s"),
                                                marina_error_message(error));
            changed(self, MARINA_WIZARD_HOST_POOLS);
        }
        return;
    }
    g_ptr_array_unref(self->pools);
    self->pools = g_steal_pointer(&pools);
    changed(self, MARINA_WIZARD_HOST_POOLS);
}

static void
forget(MarinaWizardHost *self)
{
    g_cancellable_cancel(self->cancellable);
    g_clear_object(&self->cancellable);
    self->cpus = 0;
    self->memory_mib = 0;
    g_clear_pointer(&self->bridges, g_strfreev);
    g_clear_pointer(&self->arch, g_free);
    self->system = FALSE;
    g_ptr_array_set_size(self->pools, 0);
    g_clear_pointer(&self->pools_error, g_free);
    g_clear_object(&self->host);
}

void
marina_wizard_host_set_list(MarinaWizardHost *self, MarinaGuestList *list, gboolean local)
{
    MarinaConnection *connection;

    g_return_if_fail(MARINA_IS_WIZARD_HOST(self));

    forget(self);
    g_set_object(&self->list, list);
    self->local = list != NULL && local;
    self->cancellable = g_cancellable_new();
    connection = list != NULL ? marina_guest_list_get_connection(list) : NULL;
    if (connection != NULL)
        self->host = marina_host_new(connection);
    changed(self, MARINA_WIZARD_HOST_ALL);

    if (connection == NULL || marina_connection_is_closed(connection))
        return;
    marina_host_get_node_info_async(self->host, self->cancellable, on_node_info,
                                    g_object_ref(self));
    marina_host_get_properties_async(self->host, self->cancellable, on_properties,
                                     g_object_ref(self));
    marina_host_list_pools_async(self->host, self->cancellable, on_pools, g_object_ref(self));
}

void
marina_wizard_host_close(MarinaWizardHost *self)
{
    g_return_if_fail(MARINA_IS_WIZARD_HOST(self));
    g_cancellable_cancel(self->cancellable);
}

MarinaGuestList *
marina_wizard_host_get_list(MarinaWizardHost *self)
{
    g_return_val_if_fail(MARINA_IS_WIZARD_HOST(self), NULL);
    return self->list;
}

MarinaConnection *
marina_wizard_host_get_connection(MarinaWizardHost *self)
{
    g_return_val_if_fail(MARINA_IS_WIZARD_HOST(self), NULL);
    return self->host != NULL ? marina_host_get_connection(self->host) : NULL;
}

gboolean
marina_wizard_host_is_local(MarinaWizardHost *self)
{
    g_return_val_if_fail(MARINA_IS_WIZARD_HOST(self), FALSE);
    return self->local;
}

gboolean
marina_wizard_host_has_guest(MarinaWizardHost *self, const char *name)
{
    GListModel *model;

    g_return_val_if_fail(MARINA_IS_WIZARD_HOST(self), FALSE);
    if (self->list == NULL)
        return FALSE;
    model = G_LIST_MODEL(self->list);
    for (guint i = 0; i < g_list_model_get_n_items(model); i++) {
        g_autoptr(MarinaGuest) guest = g_list_model_get_item(model, i);

        if (g_strcmp0(marina_guest_get_name(guest), name) == 0)
            return TRUE;
    }
    return FALSE;
}

guint
marina_wizard_host_get_cpus(MarinaWizardHost *self)
{
    g_return_val_if_fail(MARINA_IS_WIZARD_HOST(self), 0);
    return self->cpus;
}

guint64
marina_wizard_host_get_memory_mib(MarinaWizardHost *self)
{
    g_return_val_if_fail(MARINA_IS_WIZARD_HOST(self), 0);
    return self->memory_mib;
}

const char *
marina_wizard_host_get_arch(MarinaWizardHost *self)
{
    g_return_val_if_fail(MARINA_IS_WIZARD_HOST(self), NULL);
    return self->arch;
}

const char *const *
marina_wizard_host_get_bridges(MarinaWizardHost *self)
{
    g_return_val_if_fail(MARINA_IS_WIZARD_HOST(self), NULL);
    return (const char *const *)self->bridges;
}

gboolean
marina_wizard_host_is_system(MarinaWizardHost *self)
{
    g_return_val_if_fail(MARINA_IS_WIZARD_HOST(self), FALSE);
    return self->system;
}

GPtrArray *
marina_wizard_host_get_pools(MarinaWizardHost *self)
{
    g_return_val_if_fail(MARINA_IS_WIZARD_HOST(self), NULL);
    return self->pools;
}

const MarinaPoolInfo *
marina_wizard_host_find_pool(MarinaWizardHost *self, const char *name)
{
    g_return_val_if_fail(MARINA_IS_WIZARD_HOST(self), NULL);
    for (guint i = 0; name != NULL && i < self->pools->len; i++) {
        const MarinaPoolInfo *pool = g_ptr_array_index(self->pools, i);

        if (g_strcmp0(pool->name, name) == 0)
            return pool;
    }
    return NULL;
}

const char *
marina_wizard_host_get_pools_error(MarinaWizardHost *self)
{
    g_return_val_if_fail(MARINA_IS_WIZARD_HOST(self), NULL);
    return self->pools_error;
}

static void
on_inspected(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GTask) task = user_data;
    gboolean tree = GPOINTER_TO_INT(g_task_get_task_data(task));
    GError *error = NULL;
    GVariant *info =
        tree ? marina_host_inspect_install_tree_finish(MARINA_HOST(source), result, &error)
             : marina_host_inspect_media_finish(MARINA_HOST(source), result, &error);

    if (info == NULL)
        g_task_return_error(task, error);
    else
        g_task_return_pointer(task, info, (GDestroyNotify)g_variant_unref);
}

void
marina_wizard_host_inspect_async(MarinaWizardHost *self, gboolean tree, const char *source,
                                 GCancellable *cancellable, GAsyncReadyCallback callback,
                                 gpointer user_data)
{
    GTask *task = g_task_new(self, cancellable, callback, user_data);

    g_task_set_source_tag(task, marina_wizard_host_inspect_async);
    g_task_set_task_data(task, GINT_TO_POINTER(tree), NULL);
    if (self->host == NULL) {
        g_task_return_new_error(task, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                                _("There is no connected host. Connect to one in the manager "
                                  "first."));
        g_object_unref(task);
        return;
    }
    if (tree)
        marina_host_inspect_install_tree_async(self->host, source, cancellable, on_inspected, task);
    else
        marina_host_inspect_media_async(self->host, source, cancellable, on_inspected, task);
}

GVariant *
marina_wizard_host_inspect_finish(MarinaWizardHost *self, GAsyncResult *result, GError **error)
{
    g_return_val_if_fail(g_task_is_valid(result, self), NULL);
    return g_task_propagate_pointer(G_TASK(result), error);
}

static void
marina_wizard_host_dispose(GObject *object)
{
    MarinaWizardHost *self = MARINA_WIZARD_HOST(object);

    forget(self);
    g_clear_object(&self->list);
    G_OBJECT_CLASS(marina_wizard_host_parent_class)->dispose(object);
}

static void
marina_wizard_host_finalize(GObject *object)
{
    MarinaWizardHost *self = MARINA_WIZARD_HOST(object);

    g_clear_pointer(&self->pools, g_ptr_array_unref);
    G_OBJECT_CLASS(marina_wizard_host_parent_class)->finalize(object);
}

static void
marina_wizard_host_class_init(MarinaWizardHostClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);

    object_class->dispose = marina_wizard_host_dispose;
    object_class->finalize = marina_wizard_host_finalize;
    signals[SIGNAL_CHANGED] = g_signal_new("changed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST,
                                           0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
}

static void
marina_wizard_host_init(MarinaWizardHost *self)
{
    self->pools = g_ptr_array_new_with_free_func((GDestroyNotify)marina_pool_info_free);
    self->cancellable = g_cancellable_new();
}

MarinaWizardHost *
marina_wizard_host_new(void)
{
    return g_object_new(MARINA_TYPE_WIZARD_HOST, NULL);
}
