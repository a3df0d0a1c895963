#define G_LOG_DOMAIN "marinad-storage"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "core/error.h"
#include "storage-command.h"
#include "storage-mount.h"

typedef struct {
    MarinaStoragePool *pool;
    MarinaStorageDone done;
    gpointer data;
    char *source; /* what was mounted: device or host:/dir; NULL when unmounting */
} MountOp;

char *
marina_storage_mount_reason(const char *output)
{
    g_auto(GStrv) lines = g_strsplit(output, "\n", -1);

    for (char **l = lines; *l != NULL; l++) {
        g_strstrip(*l);
        if (**l != '\0' && strstr(*l, "dmesg(1)") == NULL)
            return g_strdup(*l);
    }
    return g_strdup(lines[0] != NULL ? lines[0] : "");
}

gboolean
marina_storage_is_mounted(const char *dir)
{
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;

    if (!g_file_get_contents("/proc/self/mountinfo", &text, NULL, NULL))
        return FALSE;
    lines = g_strsplit(text, "\n", -1);
    for (char **l = lines; *l != NULL; l++) {
        /* Field 5 is the mount point. */
        g_auto(GStrv) f = g_strsplit(*l, " ", 6);
        if (g_strv_length(f) >= 5 && g_str_equal(f[4], dir))
            return TRUE;
    }
    return FALSE;
}

static void
on_mount_done(gboolean ok, const char *output, gpointer data)
{
    MountOp *op = data;
    g_autoptr(GError) error = NULL;
    const MarinaPoolConfig *c = marina_storage_pool_get_config(op->pool);

    if (!ok) {
        g_autofree char *reason = marina_storage_mount_reason(output);
        error = op->source != NULL ? g_error_new(MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                                                 _("Pool '%s': cannot mount %s on %s: %s"), c->name,
                                                 op->source, c->target_path, reason)
                                   : g_error_new(MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                                                 _("Pool '%s': cannot unmount %s: %s"), c->name,
                                                 c->target_path, reason);
    } else if (op->source != NULL) {
        marina_dir_backend_sweep(op->pool);
    }
    op->done(op->pool, error, op->data);
    g_free(op->source);
    g_free(op);
}

static MountOp *
mount_op_new(MarinaStoragePool *pool, const char *source, MarinaStorageDone done, gpointer data)
{
    MountOp *op = g_new0(MountOp, 1);

    op->pool = pool;
    op->done = done;
    op->data = data;
    op->source = g_strdup(source);
    return op;
}

void
marina_storage_mount(MarinaStoragePool *pool, const char *source, const char *type,
                     MarinaStorageDone done, gpointer data)
{
    const char *target = marina_storage_pool_get_config(pool)->target_path;
    g_autoptr(GError) error = NULL;

    if (!marina_dir_backend_make_target(pool, &error)) {
        done(pool, error, data);
        return;
    }
    if (marina_storage_is_mounted(target)) {
        marina_dir_backend_sweep(pool);
        done(pool, NULL, data);
        return;
    }
    {
        /* Images only: no device nodes, no set-uid programs from the medium. */
        const char *argv[] = {"mount", "-t",   type, "-o", "nodev,nosuid,noexec",
                              source,  target, NULL};
        marina_storage_command_run(argv, NULL, 0, NULL, on_mount_done,
                                   mount_op_new(pool, source, done, data));
    }
}

void
marina_storage_unmount(MarinaStoragePool *pool, MarinaStorageDone done, gpointer data)
{
    const char *target = marina_storage_pool_get_config(pool)->target_path;
    const char *argv[] = {"umount", target, NULL};

    if (!marina_storage_is_mounted(target)) {
        done(pool, NULL, data);
        return;
    }
    marina_storage_command_run(argv, NULL, 0, NULL, on_mount_done,
                               mount_op_new(pool, NULL, done, data));
}
