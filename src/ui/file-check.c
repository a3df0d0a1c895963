/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-file-check"

#include "config.h"

#include "file-check.h"

#include <glib/gi18n.h>

typedef struct {
    GPtrArray *paths;
    guint index;
} FileCheck;

static void
file_check_free(FileCheck *check)
{
    g_ptr_array_unref(check->paths);
    g_free(check);
}

static void file_check_next(GTask *task);

static void
on_file_info(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GTask) task = user_data;
    FileCheck *check = g_task_get_task_data(task);
    g_autoptr(GError) error = NULL;
    g_autoptr(GFileInfo) info = g_file_query_info_finish(G_FILE(source), result, &error);
    const char *path = g_ptr_array_index(check->paths, check->index);

    if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
        g_task_return_error(task, g_steal_pointer(&error));
        return;
    }
    if (info == NULL) {
        if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
            g_task_return_new_error(task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                                    _("The file %s does not exist. Check the path."), path);
        else
            g_task_return_new_error(task, G_IO_ERROR, error->code, _("Cannot read %s: %s."), path,
                                    error->message);
        return;
    }
    if (g_file_info_get_file_type(info) == G_FILE_TYPE_DIRECTORY) {
        g_task_return_new_error(task, G_IO_ERROR, G_IO_ERROR_IS_DIRECTORY,
                                _("%s is a folder. Choose a file."), path);
        return;
    }
    check->index++;
    file_check_next(g_steal_pointer(&task));
}

static void
file_check_next(GTask *task)
{
    FileCheck *check = g_task_get_task_data(task);
    g_autoptr(GFile) file = NULL;

    if (check->index >= check->paths->len) {
        g_task_return_boolean(task, TRUE);
        g_object_unref(task);
        return;
    }
    file = g_file_new_for_path(g_ptr_array_index(check->paths, check->index));
    g_file_query_info_async(file, G_FILE_ATTRIBUTE_STANDARD_TYPE, G_FILE_QUERY_INFO_NONE,
                            G_PRIORITY_DEFAULT, g_task_get_cancellable(task), on_file_info, task);
}

void
marina_check_files_async(gpointer source_object, GPtrArray *paths, GCancellable *cancellable,
                         GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task = g_task_new(source_object, cancellable, callback, user_data);
    FileCheck *check = g_new0(FileCheck, 1);

    g_task_set_source_tag(task, marina_check_files_async);
    check->paths = g_ptr_array_ref(paths);
    g_task_set_task_data(task, check, (GDestroyNotify)file_check_free);
    file_check_next(task);
}

gboolean
marina_check_files_finish(GAsyncResult *result, GError **error)
{
    g_return_val_if_fail(G_IS_TASK(result), FALSE);
    return g_task_propagate_boolean(G_TASK(result), error);
}
