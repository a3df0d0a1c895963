/* The netfs backend: a dir pool on a network file system (NFS), mounted when
 * the pool starts. */
#define G_LOG_DOMAIN "marinad-storage"

#include "config.h"

#include <glib/gi18n.h>

#include "core/error.h"
#include "storage-mount.h"

/* NFS mounts go through /sbin/mount.nfs (nfs-common); without it mount(8)
 * only says "bad option", which sends people the wrong way. */
static gboolean
mount_helper_present(const char *type)
{
    g_autofree char *helper = g_strconcat("mount.", type, NULL);
    g_autofree char *sbin = g_build_filename("/sbin", helper, NULL);
    g_autofree char *usr_sbin = g_build_filename("/usr/sbin", helper, NULL);
    g_autofree char *found = g_find_program_in_path(helper);

    return found != NULL || g_file_test(sbin, G_FILE_TEST_IS_EXECUTABLE) ||
           g_file_test(usr_sbin, G_FILE_TEST_IS_EXECUTABLE);
}

static void
netfs_start(MarinaStoragePool *pool, MarinaStorageDone done, gpointer data)
{
    const MarinaPoolConfig *c = marina_storage_pool_get_config(pool);
    g_autofree char *source = g_strdup_printf("%s:%s", c->source_host, c->source_dir);
    const char *type = c->source_format ? c->source_format : "nfs";

    if (!mount_helper_present(type)) {
        g_autoptr(GError) error =
            g_error_new(MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
                        _("Pool '%s': cannot mount %s: this host has no mount.%s helper. "
                          "Install it (on Debian: apt install nfs-common) and start the pool "
                          "again."),
                        c->name, source, type);
        done(pool, error, data);
        return;
    }
    marina_storage_mount(pool, source, type, done, data);
}

const MarinaStorageBackend marina_storage_backend_netfs = {
    .type = "netfs",
    .start = netfs_start,
    .stop = marina_storage_unmount,
    .refresh = marina_dir_backend_refresh,
    .volumes = &marina_dir_volumes,
};
