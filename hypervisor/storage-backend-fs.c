/* The fs backend: a dir pool on a local block device's file system, mounted
 * when the pool starts. */
#define G_LOG_DOMAIN "marinad-storage"

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <sys/stat.h>

#include "core/error.h"
#include "storage-mount.h"

static void
fs_start(MarinaStoragePool *pool, MarinaStorageDone done, gpointer data)
{
    const MarinaPoolConfig *c = marina_storage_pool_get_config(pool);
    GStatBuf st;

    if (g_stat(c->source_device, &st) != 0 || !S_ISBLK(st.st_mode)) {
        g_autoptr(GError) error =
            g_error_new(MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                        _("Pool '%s': %s is not a block device; give the device that holds the "
                          "file system, e.g. /dev/sdb1."),
                        c->name, c->source_device);
        done(pool, error, data);
        return;
    }
    marina_storage_mount(pool, c->source_device, c->source_format ? c->source_format : "auto", done,
                         data);
}

const MarinaStorageBackend marina_storage_backend_fs = {
    .type = "fs",
    .start = fs_start,
    .stop = marina_storage_unmount,
    .refresh = marina_dir_backend_refresh,
    .volumes = &marina_dir_volumes,
};
