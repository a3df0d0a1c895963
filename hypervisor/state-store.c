#define G_LOG_DOMAIN "marinad-state"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

#include "core/domain-config.h"
#include "core/error.h"
#include "fd-util.h"
#include "state-store.h"

static void
fsync_dir_of(const char *path)
{
    g_autofree char *dir = g_path_get_dirname(path);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

static gboolean write_file(const char *path, const void *data, gsize len, int mode,
                           gboolean durable, GError **error);

gboolean
marina_write_file_atomic(const char *path, const void *data, gsize len, int mode, GError **error)
{
    return write_file(path, data, len, mode, TRUE, error);
}

gboolean
marina_write_file_replace(const char *path, const void *data, gsize len, int mode, GError **error)
{
    return write_file(path, data, len, mode, FALSE, error);
}

/* @saved is errno from the failed call, taken before the clean-up can change it. */
static gboolean
write_failed(const char *path, const char *tmp, int saved, GError **error)
{
    if (tmp != NULL)
        g_unlink(tmp);
    g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED, _("Cannot write %s: %s"), path,
                g_strerror(saved));
    return FALSE;
}

static gboolean
write_file(const char *path, const void *data, gsize len, int mode, gboolean durable,
           GError **error)
{
    g_autofree char *tmp = g_strdup_printf("%s.XXXXXX", path);
    int fd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, mode);
    int saved;

    if (fd < 0)
        return write_failed(path, NULL, errno, error);
    if (!marina_write_all_fd(fd, data, len) || (durable && fsync(fd) != 0)) {
        saved = errno;
        close(fd);
        return write_failed(path, tmp, saved, error);
    }
    close(fd);
    if (rename(tmp, path) != 0)
        return write_failed(path, tmp, errno, error);
    if (durable)
        fsync_dir_of(path);
    return TRUE;
}

static gboolean
make_dir(const char *path, GError **error)
{
    if (g_mkdir_with_parents(path, 0700) != 0) {
        int saved = errno;
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                    _("Cannot create the directory %s: %s"), path, g_strerror(saved));
        return FALSE;
    }
    return TRUE;
}

gboolean
marina_state_store_prepare(const MarinaDaemonConfig *config, GError **error)
{
    const char *roots[] = {config->state_dir, config->runtime_dir};
    const char *subdirs[][3] = {{"domains", "save", NULL}, {"domains", "guests", NULL}};

    for (guint i = 0; i < G_N_ELEMENTS(roots); i++) {
        for (guint j = 0; subdirs[i][j] != NULL; j++) {
            g_autofree char *dir = g_build_filename(roots[i], subdirs[i][j], NULL);
            if (!make_dir(dir, error))
                return FALSE;
        }
    }
    return make_dir(config->log_dir, error);
}

static char *
file_in(const char *root, const char *sub, const char *uuid, const char *ext)
{
    g_autofree char *name = g_strconcat(uuid, ext, NULL);

    return g_build_filename(root, sub, name, NULL);
}

char *
marina_state_definition_path(const MarinaDaemonConfig *config, const char *uuid)
{
    return file_in(config->state_dir, "domains", uuid, ".xml");
}

char *
marina_state_autostart_path(const MarinaDaemonConfig *config, const char *uuid)
{
    return file_in(config->state_dir, "domains", uuid, ".autostart");
}

char *
marina_state_managed_save_path(const MarinaDaemonConfig *config, const char *uuid)
{
    return file_in(config->state_dir, "save", uuid, ".save");
}

char *
marina_state_live_xml_path(const MarinaDaemonConfig *config, const char *uuid)
{
    return file_in(config->runtime_dir, "domains", uuid, ".xml");
}

char *
marina_state_runtime_path(const MarinaDaemonConfig *config, const char *uuid)
{
    return file_in(config->runtime_dir, "domains", uuid, ".state");
}

char *
marina_state_guest_dir(const MarinaDaemonConfig *config, const char *uuid)
{
    return g_build_filename(config->runtime_dir, "guests", uuid, NULL);
}

char *
marina_state_log_path(const MarinaDaemonConfig *config, const char *name, const char *suffix)
{
    g_autofree char *file = g_strconcat(name, suffix, NULL);

    return g_build_filename(config->log_dir, file, NULL);
}

GPtrArray *
marina_state_list_uuids(const char *dir, const char *ext)
{
    GPtrArray *uuids = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;

    if (d == NULL)
        return uuids;
    while ((name = g_dir_read_name(d)) != NULL) {
        g_autofree char *base = NULL;
        g_autofree char *canon = NULL;

        if (!g_str_has_suffix(name, ext))
            continue;
        base = g_strndup(name, strlen(name) - strlen(ext));
        /* Only files we wrote: a stray "notes.xml" is not a domain. */
        canon = marina_uuid_canonicalize(base);
        if (canon != NULL && g_str_equal(canon, base))
            g_ptr_array_add(uuids, g_steal_pointer(&base));
    }
    return uuids;
}

void
marina_state_remove_dir(const char *path)
{
    g_autoptr(GDir) d = g_dir_open(path, 0, NULL);
    const char *name;

    if (d == NULL)
        return;
    while ((name = g_dir_read_name(d)) != NULL) {
        g_autofree char *child = g_build_filename(path, name, NULL);
        g_unlink(child);
    }
    g_rmdir(path);
}
