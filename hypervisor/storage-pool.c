#define G_LOG_DOMAIN "marinad-storage"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <inttypes.h>
#include <json-glib/json-glib.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "core/error.h"
#include "core/volume-config.h"
#include "daemon.h"
#include "job.h"
#include "state-store.h"
#include "storage-pool.h"
#include "subtree.h"

#define POOL_SUBTREE "/org/marinavm/Marina1/pool"
#define POOL_INTERFACE "org.marinavm.Marina1.StoragePool"
#define VOLUME_INTERFACE "org.marinavm.Marina1.StorageVolume"
/* What a qemu-img run may print before we keep only its tail. */
#define OUTPUT_MAX (64 * 1024)

struct _MarinaStorage {
    MarinaDaemon *daemon;
    const MarinaDaemonConfig *config;
    MarinaDBusHost *host;
    char *pools_dir;
    GHashTable *pools;          /* name -> MarinaStoragePool* (owned) */
    GHashTable *peers;          /* GDBusConnection* -> StoragePeer* */
    MarinaSubtree pools_tree;   /* registered on every peer */
    MarinaSubtree volumes_tree; /* registered on every peer, once per pool */
};

struct _MarinaStoragePool {
    MarinaStorage *storage;
    MarinaPoolConfig *config;
    const MarinaStorageBackend *backend;
    char *path;
    char *volume_subtree;
    gboolean active;
    gboolean autostart;
    gboolean changing; /* a backend start or stop is running */
    MarinaDBusStoragePool *skeleton;
    GHashTable *volumes; /* name -> MarinaDBusStorageVolume* (served, created on demand) */
    GHashTable *busy;    /* names of volumes a job is writing */
    /* logical: what the last vgs and lvs said */
    GHashTable *lvs; /* logical volume name -> guint64* size in bytes */
    guint64 vg_size;
    guint64 vg_free;
};

typedef struct {
    GDBusConnection *connection;
    guint pool_subtree;
    GHashTable *volume_subtrees; /* pool name -> registration id */
} StoragePeer;

static void register_volume_subtree(MarinaStorage *storage, StoragePeer *peer,
                                    MarinaStoragePool *pool);

/* ---------------------------------------------------------------------- */
/* Names                                                                  */

char *
marina_storage_escape(const char *name)
{
    GString *s = g_string_new(NULL);

    for (const guchar *c = (const guchar *)name; *c != '\0'; c++) {
        if (g_ascii_isalnum(*c))
            g_string_append_c(s, *c);
        else
            g_string_append_printf(s, "_%02x", *c);
    }
    return g_string_free(s, FALSE);
}

static char *
unescape(const char *node)
{
    GString *s = g_string_new(NULL);

    for (const char *c = node; *c != '\0'; c++) {
        if (*c == '_' && g_ascii_isxdigit(c[1]) && g_ascii_isxdigit(c[2])) {
            g_string_append_c(s,
                              (char)(g_ascii_xdigit_value(c[1]) * 16 + g_ascii_xdigit_value(c[2])));
            c += 2;
        } else {
            g_string_append_c(s, *c);
        }
    }
    return g_string_free(s, FALSE);
}

/* ---------------------------------------------------------------------- */
/* The dir backend                                                        */

static gboolean
make_target(MarinaStoragePool *pool, GError **error)
{
    const char *dir = pool->config->target_path;

    if (g_mkdir_with_parents(dir, 0711) != 0) {
        int err = errno;
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                    _("Pool '%s': cannot create the directory %s: %s. Check the path and its "
                      "permissions."),
                    pool->config->name, dir, g_strerror(err));
        return FALSE;
    }
    return TRUE;
}

static void
dir_start(MarinaStoragePool *pool, MarinaStorageDone done, gpointer data)
{
    g_autoptr(GError) error = NULL;

    make_target(pool, &error);
    done(pool, error, data);
}

static void
dir_stop(MarinaStoragePool *pool, MarinaStorageDone done, gpointer data)
{
    done(pool, NULL, data);
}

static gboolean
dir_refresh(MarinaStoragePool *pool, guint64 *capacity, guint64 *allocation, guint64 *available,
            GError **error)
{
    struct statvfs st;

    if (statvfs(pool->config->target_path, &st) != 0) {
        int err = errno;
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                    _("Pool '%s': cannot read the file system of %s: %s."), pool->config->name,
                    pool->config->target_path, g_strerror(err));
        return FALSE;
    }
    *capacity = (guint64)st.f_blocks * st.f_frsize;
    *available = (guint64)st.f_bavail * st.f_frsize;
    *allocation = *capacity - (guint64)st.f_bfree * st.f_frsize;
    return TRUE;
}

static char **
dir_list_volumes(MarinaStoragePool *pool)
{
    g_autoptr(GDir) dir = g_dir_open(pool->config->target_path, 0, NULL);
    GPtrArray *names = g_ptr_array_new();
    const char *name;

    while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
        g_autofree char *path = g_build_filename(pool->config->target_path, name, NULL);
        GStatBuf st;

        /* Only regular files are volumes; symlinks could point anywhere. */
        if (g_lstat(path, &st) != 0 || !S_ISREG(st.st_mode) ||
            !marina_storage_name_is_valid(name, "volume", NULL) ||
            g_hash_table_contains(pool->busy, name))
            continue;
        g_ptr_array_add(names, g_strdup(name));
    }
    g_ptr_array_add(names, NULL);
    return (char **)g_ptr_array_free(names, FALSE);
}

/* ---------------------------------------------------------------------- */
/* Volume files                                                           */

typedef struct {
    char *format;
    guint64 capacity;
    guint64 allocation;
} Sniff;

/* Format and virtual size from the file's header (qcow2 or raw): a small
 * local read, so listing a pool does not spawn qemu-img per volume. */
static gboolean
sniff_volume(const char *path, Sniff *out)
{
    guchar header[32];
    GStatBuf st;
    FILE *f;
    gsize n;

    if (g_lstat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return FALSE;
    out->allocation = (guint64)st.st_blocks * 512;
    out->capacity = st.st_size;
    out->format = "raw";
    if ((f = g_fopen(path, "rb")) == NULL)
        return TRUE;
    n = fread(header, 1, sizeof header, f);
    fclose(f);
    if (n == sizeof header && memcmp(header, "QFI\xfb", 4) == 0) {
        guint64 size = 0;
        for (int i = 0; i < 8; i++)
            size = (size << 8) | header[24 + i];
        out->format = "qcow2";
        out->capacity = size;
    }
    return TRUE;
}

static char *
volume_path(MarinaStoragePool *pool, const char *name)
{
    return g_build_filename(pool->config->target_path, name, NULL);
}

/* Jobs write ".NAME.part" and rename it when complete: a volume name cannot
 * start with '.', so a half-written file is never listed, and one a dead
 * daemon left behind is swept when the pool starts. */
static char *
part_path(MarinaStoragePool *pool, const char *name)
{
    g_autofree char *file = g_strdup_printf(".%s.part", name);

    return g_build_filename(pool->config->target_path, file, NULL);
}

static void
sweep_parts(MarinaStoragePool *pool)
{
    g_autoptr(GDir) dir = g_dir_open(pool->config->target_path, 0, NULL);
    const char *name;

    while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
        g_autofree char *path = NULL;
        if (name[0] != '.' || !g_str_has_suffix(name, ".part"))
            continue;
        path = g_build_filename(pool->config->target_path, name, NULL);
        g_debug("removing the leftover %s", path);
        g_unlink(path);
    }
}

static char *
volume_object_path(MarinaStoragePool *pool, const char *name)
{
    g_autofree char *escaped = marina_storage_escape(name);

    return g_strdup_printf("%s/%s", pool->volume_subtree, escaped);
}

static gboolean
volume_exists(MarinaStoragePool *pool, const char *name)
{
    g_autofree char *path = NULL;

    if (pool->backend->volumes != NULL)
        return g_hash_table_contains(pool->lvs, name) || g_hash_table_contains(pool->busy, name);
    path = volume_path(pool, name);
    return g_file_test(path, G_FILE_TEST_EXISTS) || g_hash_table_contains(pool->busy, name);
}

/* ---------------------------------------------------------------------- */
/* Running qemu-img                                                       */

typedef void (*RunDone)(gboolean ok, const char *output, gpointer data);

typedef struct {
    GSubprocess *process;
    GInputStream *out;
    GString *output;
    MarinaJob *job;
    gboolean parse_percent;
    guint64 total; /* bytes, for the percentage */
    char *watch_path;
    guint timer;
    gulong cancel_id;
    RunDone done;
    gpointer data;
    char buf[4096];
} Run;

static void
run_free(Run *run)
{
    if (run->timer != 0)
        g_source_remove(run->timer);
    if (run->job != NULL && run->cancel_id != 0)
        g_cancellable_disconnect(marina_job_get_cancellable(run->job), run->cancel_id);
    g_clear_object(&run->process);
    g_clear_object(&run->out);
    g_clear_object(&run->job);
    g_string_free(run->output, TRUE);
    g_free(run->watch_path);
    g_free(run);
}

/* qemu-img convert -p prints "    (12.34/100%)\r". */
static void
parse_percent(Run *run)
{
    const char *end = g_strrstr(run->output->str, "/100%)");
    const char *start;
    double pct;

    if (end == NULL)
        return;
    for (start = end; start > run->output->str && start[-1] != '('; start--)
        ;
    pct = g_ascii_strtod(start, NULL);
    if (pct >= 0 && pct <= 100)
        marina_job_set_progress(run->job, (guint64)(pct / 100.0 * (double)run->total));
}

static gboolean
on_watch_tick(gpointer data)
{
    Run *run = data;
    GStatBuf st;

    if (g_stat(run->watch_path, &st) == 0)
        marina_job_set_progress(run->job, (guint64)st.st_blocks * 512);
    return G_SOURCE_CONTINUE;
}

static void
on_run_waited(GObject *source, GAsyncResult *result, gpointer data)
{
    Run *run = data;
    gboolean ok = g_subprocess_wait_finish(run->process, result, NULL) &&
                  g_subprocess_get_if_exited(run->process) &&
                  g_subprocess_get_exit_status(run->process) == 0;

    run->done(ok, g_strstrip(run->output->str), run->data);
    run_free(run);
}

static void
on_run_read(GObject *source, GAsyncResult *result, gpointer data)
{
    Run *run = data;
    gssize n = g_input_stream_read_finish(run->out, result, NULL);

    if (n <= 0) {
        g_subprocess_wait_async(run->process, NULL, on_run_waited, run);
        return;
    }
    g_string_append_len(run->output, run->buf, n);
    if (run->parse_percent && run->job != NULL)
        parse_percent(run);
    if (run->output->len > OUTPUT_MAX)
        g_string_erase(run->output, 0, run->output->len - OUTPUT_MAX / 2);
    g_input_stream_read_async(run->out, run->buf, sizeof run->buf, G_PRIORITY_DEFAULT, NULL,
                              on_run_read, run);
}

static void
on_job_cancelled(GCancellable *cancellable, gpointer data)
{
    Run *run = data;

    g_subprocess_force_exit(run->process);
}

/* Runs @argv; @done gets the merged output. With @job, Cancel kills the
 * process; progress comes from "(NN.NN/100%)" (@percent) or from the growth
 * of @watch_path. */
static void
run_qemu_img(const char *const *argv, MarinaJob *job, guint64 percent_of, const char *watch_path,
             RunDone done, gpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *cmd = g_strjoinv(" ", (char **)argv);
    Run *run = g_new0(Run, 1);

    g_debug("running %s", cmd);
    run->output = g_string_new(NULL);
    run->done = done;
    run->data = data;
    run->process =
        g_subprocess_newv(argv,
                          G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE |
                              G_SUBPROCESS_FLAGS_STDIN_INHERIT,
                          &error);
    if (run->process == NULL) {
        g_string_assign(run->output, error->message);
        done(FALSE, run->output->str, data);
        run_free(run);
        return;
    }
    run->out = g_object_ref(g_subprocess_get_stdout_pipe(run->process));
    if (job != NULL) {
        run->job = g_object_ref(job);
        run->parse_percent = percent_of != 0;
        run->total = percent_of;
        run->cancel_id = g_cancellable_connect(marina_job_get_cancellable(job),
                                               G_CALLBACK(on_job_cancelled), run, NULL);
        if (watch_path != NULL) {
            run->watch_path = g_strdup(watch_path);
            run->timer = g_timeout_add(200, on_watch_tick, run);
        }
    }
    g_input_stream_read_async(run->out, run->buf, sizeof run->buf, G_PRIORITY_DEFAULT, NULL,
                              on_run_read, run);
}

/* The last line qemu-img printed: its reason. */
static const char *
last_line(const char *output)
{
    const char *nl = strrchr(output, '\n');

    return nl != NULL ? nl + 1 : output;
}

static const MarinaStorageBackend dir_backend = {
    .type = "dir",
    .start = dir_start,
    .stop = dir_stop,
    .refresh = dir_refresh,
    .list_volumes = dir_list_volumes,
};

/* ---------------------------------------------------------------------- */
/* The fs and netfs backends: a dir pool on a mounted file system          */

typedef struct {
    MarinaStoragePool *pool;
    MarinaStorageDone done;
    gpointer data;
    const char *what;
    char *source; /* what was mounted: device or host:/dir */
} MountOp;

/* mount(8) says why in its first line ("mount: /target: <reason>."); the
 * lines after it point at dmesg, which a client cannot read. */
static char *
mount_reason(const char *output)
{
    g_auto(GStrv) lines = g_strsplit(output, "\n", -1);

    for (char **l = lines; *l != NULL; l++) {
        g_strstrip(*l);
        if (**l != '\0' && strstr(*l, "dmesg(1)") == NULL)
            return g_strdup(*l);
    }
    return g_strdup(g_strstrip(lines[0] != NULL ? lines[0] : (char *)""));
}

/* Whether @dir is a mount point, from /proc/self/mountinfo (field 5). */
static gboolean
is_mounted(const char *dir)
{
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;

    if (!g_file_get_contents("/proc/self/mountinfo", &text, NULL, NULL))
        return FALSE;
    lines = g_strsplit(text, "\n", -1);
    for (char **l = lines; *l != NULL; l++) {
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

    if (!ok) {
        g_autofree char *reason = mount_reason(output);
        const MarinaPoolConfig *c = op->pool->config;
        error = op->source != NULL ? g_error_new(MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                                                 _("Pool '%s': cannot mount %s on %s: %s"), c->name,
                                                 op->source, c->target_path, reason)
                                   : g_error_new(MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                                                 _("Pool '%s': cannot unmount %s: %s"), c->name,
                                                 c->target_path, reason);
    }
    op->done(op->pool, error, op->data);
    g_free(op->source);
    g_free(op);
}

/* NFS mounts go through /sbin/mount.nfs (nfs-common); without it mount(8)
 * only says "bad option", which sends people the wrong way. */
static gboolean
nfs_helper_present(const char *type)
{
    g_autofree char *helper = g_strconcat("mount.", type, NULL);
    g_autofree char *sbin = g_build_filename("/sbin", helper, NULL);
    g_autofree char *usr_sbin = g_build_filename("/usr/sbin", helper, NULL);
    g_autofree char *found = g_find_program_in_path(helper);

    return found != NULL || g_file_test(sbin, G_FILE_TEST_IS_EXECUTABLE) ||
           g_file_test(usr_sbin, G_FILE_TEST_IS_EXECUTABLE);
}

static void
mount_start(MarinaStoragePool *pool, MarinaStorageDone done, gpointer data)
{
    const MarinaPoolConfig *c = pool->config;
    g_autoptr(GError) error = NULL;
    g_autofree char *source = NULL;
    const char *type;
    MountOp *op;
    GStatBuf st;

    if (g_str_equal(c->type, "fs")) {
        if (g_stat(c->source_device, &st) != 0 || !S_ISBLK(st.st_mode)) {
            error = g_error_new(MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                                _("Pool '%s': %s is not a block device; give the device that "
                                  "holds the file system, e.g. /dev/sdb1."),
                                c->name, c->source_device);
            done(pool, error, data);
            return;
        }
        source = g_strdup(c->source_device);
        type = c->source_format ? c->source_format : "auto";
    } else {
        source = g_strdup_printf("%s:%s", c->source_host, c->source_dir);
        type = c->source_format ? c->source_format : "nfs";
        if (!nfs_helper_present(type)) {
            error = g_error_new(MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
                                _("Pool '%s': cannot mount %s: this host has no mount.%s helper. "
                                  "Install it (on Debian: apt install nfs-common) and start the "
                                  "pool again."),
                                c->name, source, type);
            done(pool, error, data);
            return;
        }
    }
    if (!make_target(pool, &error) || is_mounted(c->target_path)) {
        done(pool, error, data);
        return;
    }
    op = g_new0(MountOp, 1);
    op->pool = pool;
    op->done = done;
    op->data = data;
    op->what = "mount";
    op->source = g_strdup(source);
    {
        /* Images only: no device nodes, no set-uid programs from the medium. */
        const char *argv[] = {"mount", "-t",           type, "-o", "nodev,nosuid,noexec",
                              source,  c->target_path, NULL};
        run_qemu_img(argv, NULL, 0, NULL, on_mount_done, op);
    }
}

static void
mount_stop(MarinaStoragePool *pool, MarinaStorageDone done, gpointer data)
{
    MountOp *op;

    if (!is_mounted(pool->config->target_path)) {
        done(pool, NULL, data);
        return;
    }
    op = g_new0(MountOp, 1);
    op->pool = pool;
    op->done = done;
    op->data = data;
    op->what = "unmount";
    {
        const char *argv[] = {"umount", pool->config->target_path, NULL};
        run_qemu_img(argv, NULL, 0, NULL, on_mount_done, op);
    }
}

static const MarinaStorageBackend fs_backend = {
    .type = "fs",
    .start = mount_start,
    .stop = mount_stop,
    .refresh = dir_refresh,
    .list_volumes = dir_list_volumes,
};

static const MarinaStorageBackend netfs_backend = {
    .type = "netfs",
    .start = mount_start,
    .stop = mount_stop,
    .refresh = dir_refresh,
    .list_volumes = dir_list_volumes,
};

/* Defined with the volume operations it needs, further down. */
static const MarinaStorageBackend logical_backend;

const MarinaStorageBackend *
marina_storage_backend_for_type(const char *type)
{
    if (g_strcmp0(type, "dir") == 0)
        return &dir_backend;
    if (g_strcmp0(type, "fs") == 0)
        return &fs_backend;
    if (g_strcmp0(type, "netfs") == 0)
        return &netfs_backend;
    if (g_strcmp0(type, "logical") == 0)
        return &logical_backend;
    return NULL;
}

/* ---------------------------------------------------------------------- */
/* Jobs                                                                   */

/* The daemon numbers and serves jobs (guest installs have them too). */
static MarinaJob *
new_job(MarinaStorage *storage, guint64 total)
{
    MarinaJob *job = marina_daemon_new_job(storage->daemon, total);

    g_object_set_data(G_OBJECT(job), "storage", storage);
    return job;
}

static void
end_job(MarinaJob *job, const GError *error)
{
    MarinaStorage *storage = g_object_get_data(G_OBJECT(job), "storage");

    marina_daemon_end_job(storage->daemon, job, error);
}

/* ---------------------------------------------------------------------- */
/* Pool state                                                             */

static char *
pool_file(MarinaStorage *storage, const char *name, const char *ext)
{
    g_autofree char *file = g_strconcat(name, ext, NULL);

    return g_build_filename(storage->pools_dir, file, NULL);
}

static void
emit_pool_event(MarinaStoragePool *pool, const char *event)
{
    marina_dbus_host_emit_pool_event(pool->storage->host, pool->path, pool->config->name, event);
}

static void
emit_volume_event(MarinaStoragePool *pool, const char *name, const char *event)
{
    g_autofree char *path = volume_object_path(pool, name);

    marina_dbus_host_emit_volume_event(pool->storage->host, path, pool->config->name, name, event);
}

static void
refresh_sizes(MarinaStoragePool *pool)
{
    g_autoptr(GError) error = NULL;

    if (!pool->active)
        return;
    if (!pool->backend->refresh(pool, &pool->config->capacity, &pool->config->allocation,
                                &pool->config->available, &error))
        g_warning("%s", error->message);
}

/* Pool start and stop end here; @data is the invocation to answer, or NULL. */
static void
on_pool_started(MarinaStoragePool *pool, const GError *error, gpointer data)
{
    GDBusMethodInvocation *invocation = data;

    pool->changing = FALSE;
    if (error == NULL) {
        pool->active = TRUE;
        if (pool->backend->volumes == NULL)
            sweep_parts(pool);
        refresh_sizes(pool);
        emit_pool_event(pool, "started");
    } else if (invocation == NULL) {
        g_warning("%s", error->message);
    }
    if (invocation != NULL) {
        if (error != NULL)
            g_dbus_method_invocation_return_gerror(invocation, error);
        else
            g_dbus_method_invocation_return_value(invocation, NULL);
        g_object_unref(invocation);
    }
}

static void
pool_start(MarinaStoragePool *pool, GDBusMethodInvocation *invocation)
{
    pool->changing = TRUE;
    pool->backend->start(pool, on_pool_started,
                         invocation != NULL ? g_object_ref(invocation) : NULL);
}

static void
on_pool_stopped(MarinaStoragePool *pool, const GError *error, gpointer data)
{
    GDBusMethodInvocation *invocation = data;

    pool->changing = FALSE;
    if (error != NULL) {
        g_dbus_method_invocation_return_gerror(invocation, error);
    } else {
        pool->active = FALSE;
        g_hash_table_remove_all(pool->volumes);
        g_hash_table_remove_all(pool->lvs);
        g_dbus_method_invocation_return_value(invocation, NULL);
        emit_pool_event(pool, "stopped");
    }
    g_object_unref(invocation);
}

/* FALSE (answered) while a start or stop is under way. */
static gboolean
check_settled(MarinaStoragePool *pool, GDBusMethodInvocation *invocation)
{
    if (!pool->changing)
        return TRUE;
    g_dbus_method_invocation_return_error(invocation, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                                          _("Pool '%s' is being started, stopped or refreshed; "
                                            "try again in a moment."),
                                          pool->config->name);
    return FALSE;
}

static gboolean
check_active(MarinaStoragePool *pool, GError **error)
{
    if (pool->active)
        return TRUE;
    g_set_error(error, MARINA_ERROR, MARINA_ERROR_NOT_RUNNING,
                _("Pool '%s' is not active; start it with 'marinactl pool-start %s'."),
                pool->config->name, pool->config->name);
    return FALSE;
}

static gboolean
check_writable(MarinaStoragePool *pool, GDBusMethodInvocation *invocation)
{
    return marina_daemon_check_writable(pool->storage->daemon, invocation);
}

static void
return_error(GDBusMethodInvocation *invocation, GError *error)
{
    g_dbus_method_invocation_return_gerror(invocation, error);
}

/* ---------------------------------------------------------------------- */
/* Volumes: info                                                          */

typedef struct {
    MarinaStoragePool *pool; /* the pool outlives replies: pools with jobs cannot go */
    char *name;
    char *path;
    char *part;        /* what a job writes, renamed to path when complete */
    char *source;      /* logical clone: the volume copied */
    const char *event; /* logical: what to announce when LVM is done */
    GDBusMethodInvocation *invocation;
    gboolean want_xml;
    MarinaJob *job;
    guint64 capacity;
} VolOp;

/* Volumes that are not files: each operation answers op->invocation (or ends
 * op->job) and frees @op. The common checks (writable, active, names, busy,
 * existence, sizes) are done before. */
struct _MarinaVolumeBackend {
    /* Capacity of volume @name; FALSE if there is none. */
    gboolean (*lookup)(MarinaStoragePool *pool, const char *name, guint64 *capacity);
    /* Check and complete @config (format, path, space) for a new volume. */
    gboolean (*prepare)(MarinaStoragePool *pool, MarinaVolumeConfig *config, GError **error);
    /* op->job, op->capacity; the caller already answered with the job. */
    void (*create)(VolOp *op);
    void (*remove)(VolOp *op);
    void (*resize)(VolOp *op, guint64 capacity);
    /* op->source is copied to the new volume op->name (op->capacity bytes) as op->job. */
    void (*clone)(VolOp *op);
};

static void
vol_op_free(VolOp *op)
{
    g_free(op->name);
    g_free(op->path);
    g_free(op->part);
    g_free(op->source);
    g_clear_object(&op->invocation);
    g_clear_object(&op->job);
    g_free(op);
}

/* Answers @op's call with a MARINA_ERROR and ends @op. */
static void vol_op_fail(VolOp *op, MarinaError code, const char *format, ...) G_GNUC_PRINTF(3, 4);

static void
vol_op_fail(VolOp *op, MarinaError code, const char *format, ...)
{
    g_autofree char *message = NULL;
    va_list args;

    va_start(args, format);
    message = g_strdup_vprintf(format, args);
    va_end(args);
    g_dbus_method_invocation_return_error_literal(op->invocation, MARINA_ERROR, code, message);
    vol_op_free(op);
}

static gboolean
json_uint(JsonObject *o, const char *member, guint64 *out)
{
    JsonNode *n = json_object_get_member(o, member);
    gint64 v;

    if (n == NULL || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64)
        return FALSE;
    v = json_node_get_int(n);
    if (v < 0)
        return FALSE;
    *out = v;
    return TRUE;
}

static const char *
json_str(JsonObject *o, const char *member)
{
    JsonNode *n = json_object_get_member(o, member);

    if (n == NULL || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
        return NULL;
    return json_node_get_string(n);
}

/* ---------------------------------------------------------------------- */
/* Volumes: the guests that use them                                      */

static MarinaDiskUsers *
collect_users(MarinaStoragePool *pool)
{
    return marina_daemon_collect_disk_users(pool->storage->daemon);
}

/* "as": the guests using @path, sorted; from @users, or a fresh look. */
static GVariant *
used_by_variant_from(MarinaDiskUsers *users, const char *path)
{
    g_auto(GStrv) names = marina_disk_users_lookup(users, path, FALSE);

    return g_variant_new_strv((const char *const *)names, -1);
}

static GVariant *
used_by_variant(MarinaStoragePool *pool, const char *path)
{
    g_autoptr(MarinaDiskUsers) users = collect_users(pool);

    return used_by_variant_from(users, path);
}

/* "'a', 'b'": names for a message. */
static char *
quoted_names(char **names)
{
    GString *s = g_string_new(NULL);

    for (char **n = names; *n != NULL; n++)
        g_string_append_printf(s, "%s'%s'", n == names ? "" : ", ", *n);
    return g_string_free(s, FALSE);
}

/* FALSE (answered with Error.InUse) while an active guest has the volume as
 * a disk, or behind one as a backing file: deleting it under a running QEMU
 * loses what the guest writes and breaks its next start. Shut-off users are
 * the client's to warn about. */
static gboolean
check_not_in_use(VolOp *op)
{
    g_autoptr(MarinaDiskUsers) users = collect_users(op->pool);
    g_auto(GStrv) running = marina_disk_users_lookup(users, op->path, TRUE);
    g_autofree char *names = NULL;
    guint n = g_strv_length(running);

    if (n == 0)
        return TRUE;
    names = quoted_names(running);
    vol_op_fail(op, MARINA_ERROR_IN_USE,
                ngettext("Volume '%s' is in use by running guest %s. Shut the guest down first, "
                         "or remove the disk from it.",
                         "Volume '%s' is in use by running guests %s. Shut the guests down "
                         "first, or remove the disk from them.",
                         n),
                op->name, names);
    return FALSE;
}

/* Answers GetInfo or GetXML with @c and ends @op. */
static void
answer_info(VolOp *op, const MarinaVolumeConfig *c)
{
    if (op->want_xml) {
        g_autofree char *xml = marina_volume_config_format(c);
        g_dbus_method_invocation_return_value(op->invocation, g_variant_new("(s)", xml));
    } else {
        GVariantDict d;
        g_variant_dict_init(&d, NULL);
        g_variant_dict_insert(&d, "name", "s", c->name);
        g_variant_dict_insert(&d, "pool", "s", op->pool->config->name);
        g_variant_dict_insert(&d, "path", "s", c->path);
        g_variant_dict_insert(&d, "format", "s", c->format);
        g_variant_dict_insert(&d, "capacity", "t", c->capacity);
        g_variant_dict_insert(&d, "allocation", "t", c->allocation);
        g_variant_dict_insert(&d, "backing", "s", c->backing_path ? c->backing_path : "");
        g_variant_dict_insert_value(&d, "used-by", used_by_variant(op->pool, c->path));
        g_dbus_method_invocation_return_value(op->invocation,
                                              g_variant_new("(@a{sv})", g_variant_dict_end(&d)));
    }
    vol_op_free(op);
}

static void
on_info_done(gboolean ok, const char *output, gpointer data)
{
    VolOp *op = data;
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(MarinaVolumeConfig) c = g_new0(MarinaVolumeConfig, 1);
    JsonObject *o;
    const char *format, *backing;

    if (!ok || !json_parser_load_from_data(parser, output, -1, NULL) ||
        !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser))) {
        g_debug("qemu-img info %s: %s", op->path, output);
        vol_op_fail(op, MARINA_ERROR_OPERATION_FAILED,
                    _("Volume '%s': cannot read the image %s: %s"), op->name, op->path,
                    ok ? _("qemu-img gave an unreadable answer") : last_line(output));
        return;
    }
    o = json_node_get_object(json_parser_get_root(parser));
    format = json_str(o, "format");
    backing = json_str(o, "full-backing-filename");
    if (backing == NULL)
        backing = json_str(o, "backing-filename");
    if (format == NULL || !json_uint(o, "virtual-size", &c->capacity)) {
        vol_op_fail(op, MARINA_ERROR_OPERATION_FAILED,
                    _("Volume '%s': qemu-img did not report the format and size of %s."), op->name,
                    op->path);
        return;
    }
    json_uint(o, "actual-size", &c->allocation);
    c->name = g_strdup(op->name);
    c->key = g_strdup(op->path);
    c->path = g_strdup(op->path);
    c->format = g_strdup(format);
    c->backing_path = g_strdup(backing);
    c->backing_format = g_strdup(json_str(o, "backing-filename-format"));
    answer_info(op, c);
}

static VolOp *
vol_op_new(MarinaDBusStorageVolume *skel, GDBusMethodInvocation *invocation)
{
    VolOp *op = g_new0(VolOp, 1);

    op->pool = g_object_get_data(G_OBJECT(skel), "pool");
    op->name = g_strdup(g_object_get_data(G_OBJECT(skel), "name"));
    op->path = volume_path(op->pool, op->name);
    op->invocation = g_object_ref(invocation);
    return op;
}

/* FALSE (answered) when the volume is gone or a job is writing it. */
static gboolean
check_volume(VolOp *op)
{
    const MarinaVolumeBackend *volumes = op->pool->backend->volumes;
    GError *error = NULL;

    if (!check_active(op->pool, &error)) {
        return_error(op->invocation, error);
        return FALSE;
    }
    if (g_hash_table_contains(op->pool->busy, op->name)) {
        g_dbus_method_invocation_return_error(
            op->invocation, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
            _("Volume '%s' is being written by a job; wait for it to finish."), op->name);
        return FALSE;
    }
    if (volumes != NULL ? !volumes->lookup(op->pool, op->name, &op->capacity)
                        : !g_file_test(op->path, G_FILE_TEST_IS_REGULAR)) {
        g_dbus_method_invocation_return_error(
            op->invocation, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
            _("There is no volume '%s' in pool '%s'."), op->name, op->pool->config->name);
        return FALSE;
    }
    return TRUE;
}

static gboolean
start_info(MarinaDBusStorageVolume *skel, GDBusMethodInvocation *invocation, gboolean xml)
{
    VolOp *op = vol_op_new(skel, invocation);
    Sniff sniff;

    if (!check_volume(op)) {
        vol_op_free(op);
        return TRUE;
    }
    op->want_xml = xml;
    if (op->pool->backend->volumes != NULL) {
        /* A block device: fully allocated, raw, sized as LVM reported it. */
        g_autoptr(MarinaVolumeConfig) c = g_new0(MarinaVolumeConfig, 1);
        c->name = g_strdup(op->name);
        c->key = g_strdup(op->path);
        c->path = g_strdup(op->path);
        c->format = g_strdup("raw");
        c->capacity = c->allocation = op->capacity;
        c->has_allocation = TRUE;
        answer_info(op, c);
        return TRUE;
    }
    if (!sniff_volume(op->path, &sniff)) {
        vol_op_fail(op, MARINA_ERROR_INVALID_ARGUMENT, _("There is no volume '%s' in pool '%s'."),
                    op->name, op->pool->config->name);
        return TRUE;
    }
    {
        /* -f from the header: never let qemu-img probe a raw image's contents.
         * -U: a running guest holds the image's lock; reading its header is safe. */
        const char *argv[] = {"qemu-img", "info",       "--output=json", "-U",
                              "-f",       sniff.format, op->path,        NULL};
        run_qemu_img(argv, NULL, 0, NULL, on_info_done, op);
    }
    return TRUE;
}

static gboolean
handle_vol_get_info(MarinaDBusStorageVolume *skel, GDBusMethodInvocation *invocation, gpointer data)
{
    return start_info(skel, invocation, FALSE);
}

static gboolean
handle_vol_get_xml(MarinaDBusStorageVolume *skel, GDBusMethodInvocation *invocation, gpointer data)
{
    return start_info(skel, invocation, TRUE);
}

/* ---------------------------------------------------------------------- */
/* Volumes: delete, resize, clone                                         */

static void forget_volume(MarinaStoragePool *pool, const char *name);

static gboolean
handle_vol_delete(MarinaDBusStorageVolume *skel, GDBusMethodInvocation *invocation, gpointer data)
{
    VolOp *op = vol_op_new(skel, invocation);
    MarinaStoragePool *pool = op->pool;

    if (!check_writable(pool, invocation) || !check_volume(op)) {
        vol_op_free(op);
        return TRUE;
    }
    if (!check_not_in_use(op))
        return TRUE;
    if (pool->backend->volumes != NULL) {
        pool->backend->volumes->remove(op);
        return TRUE;
    }
    if (g_unlink(op->path) != 0) {
        int err = errno;
        vol_op_fail(op, MARINA_ERROR_OPERATION_FAILED, _("Volume '%s': cannot delete %s: %s."),
                    op->name, op->path, g_strerror(err));
        return TRUE;
    }
    marina_dbus_storage_volume_complete_delete(skel, invocation);
    emit_volume_event(pool, op->name, "deleted");
    refresh_sizes(pool);
    forget_volume(pool, op->name);
    vol_op_free(op);
    return TRUE;
}

static void
on_resized(gboolean ok, const char *output, gpointer data)
{
    VolOp *op = data;

    g_hash_table_remove(op->pool->busy, op->name);
    if (!ok) {
        g_debug("qemu-img resize %s: %s", op->path, output);
        g_dbus_method_invocation_return_error(
            op->invocation, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
            _("Volume '%s' could not be resized: %s"), op->name, last_line(output));
    } else {
        g_dbus_method_invocation_return_value(op->invocation, NULL);
        emit_volume_event(op->pool, op->name, "resized");
        refresh_sizes(op->pool);
    }
    vol_op_free(op);
}

static gboolean
handle_vol_resize(MarinaDBusStorageVolume *skel, GDBusMethodInvocation *invocation,
                  guint64 capacity, gpointer data)
{
    VolOp *op = vol_op_new(skel, invocation);
    g_autofree char *size = NULL;
    Sniff sniff = {0};

    if (!check_writable(op->pool, invocation) || !check_volume(op)) {
        vol_op_free(op);
        return TRUE;
    }
    if (op->pool->backend->volumes != NULL)
        sniff.capacity = op->capacity;
    else
        sniff_volume(op->path, &sniff);
    if (capacity < sniff.capacity) {
        vol_op_fail(op, MARINA_ERROR_INVALID_ARGUMENT,
                    _("Volume '%s' is %" PRIu64 " bytes; shrinking it to %" PRIu64
                      " would destroy the data at its end. Volumes can only grow."),
                    op->name, sniff.capacity, capacity);
        return TRUE;
    }
    if (capacity > MARINA_VOLUME_MAX_CAPACITY) {
        vol_op_fail(op, MARINA_ERROR_INVALID_ARGUMENT,
                    _("Volume '%s': %" PRIu64 " bytes is larger than 1 PiB; check the size."),
                    op->name, capacity);
        return TRUE;
    }
    g_hash_table_add(op->pool->busy, g_strdup(op->name));
    if (op->pool->backend->volumes != NULL) {
        op->pool->backend->volumes->resize(op, capacity);
        return TRUE;
    }
    size = g_strdup_printf("%" G_GUINT64_FORMAT, capacity);
    {
        const char *argv[] = {"qemu-img", "resize", "-f", sniff.format, op->path, size, NULL};
        run_qemu_img(argv, NULL, 0, NULL, on_resized, op);
    }
    return TRUE;
}

/* Creation and clone end here: the file is complete, or removed. */
static void
on_written(gboolean ok, const char *output, gpointer data)
{
    VolOp *op = data;
    gboolean cancelled = g_cancellable_is_cancelled(marina_job_get_cancellable(op->job));
    g_autoptr(GError) error = NULL;

    g_hash_table_remove(op->pool->busy, op->name);
    if (ok && !cancelled && g_rename(op->part, op->path) == 0) {
        emit_volume_event(op->pool, op->name, "created");
    } else {
        /* Never leave half a volume behind. */
        if (ok && !cancelled)
            output = g_strerror(errno);
        g_unlink(op->part);
        g_debug("qemu-img for %s: %s", op->path, output);
        if (cancelled)
            error = g_error_new(G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                _("Writing volume '%s' was cancelled; the partial file was "
                                  "removed."),
                                op->name);
        else
            error =
                g_error_new(MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                            _("Volume '%s' could not be written: %s"), op->name, last_line(output));
    }
    refresh_sizes(op->pool);
    end_job(op->job, error);
    vol_op_free(op);
}

static gboolean
check_new_volume(MarinaStoragePool *pool, const char *name, GError **error)
{
    if (!check_active(pool, error) || !marina_storage_name_is_valid(name, _("volume"), error))
        return FALSE;
    if (volume_exists(pool, name)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_ALREADY_EXISTS,
                    _("Pool '%s' already has a volume '%s'; choose another name."),
                    pool->config->name, name);
        return FALSE;
    }
    return TRUE;
}

/* The job that writes the new volume @name at @path (@total bytes, 0 when
 * unknown); the name stays busy until it ends. */
static VolOp *
write_op_new(MarinaStoragePool *pool, const char *name, const char *path, guint64 total)
{
    VolOp *op = g_new0(VolOp, 1);

    op->pool = pool;
    op->name = g_strdup(name);
    op->path = g_strdup(path);
    op->job = g_object_ref(new_job(pool->storage, total));
    g_hash_table_add(pool->busy, g_strdup(name));
    return op;
}

static gboolean
handle_vol_clone(MarinaDBusStorageVolume *skel, GDBusMethodInvocation *invocation,
                 const char *new_name, gpointer data)
{
    VolOp *src = vol_op_new(skel, invocation);
    MarinaStoragePool *pool = src->pool;
    g_autofree char *path = NULL;
    GError *error = NULL;
    VolOp *op;
    Sniff sniff = {0};

    if (!check_writable(pool, invocation) || !check_volume(src)) {
        vol_op_free(src);
        return TRUE;
    }
    if (!check_new_volume(pool, new_name, &error)) {
        return_error(invocation, error);
        vol_op_free(src);
        return TRUE;
    }
    path = volume_path(pool, new_name);
    if (pool->backend->volumes != NULL) {
        op = write_op_new(pool, new_name, path, src->capacity);
        op->source = g_strdup(src->path);
        op->capacity = src->capacity;
        marina_dbus_storage_volume_complete_clone(skel, invocation,
                                                  marina_job_get_object_path(op->job));
        pool->backend->volumes->clone(op);
        vol_op_free(src);
        return TRUE;
    }
    sniff_volume(src->path, &sniff);
    op = write_op_new(pool, new_name, path, sniff.capacity);
    op->part = part_path(pool, new_name);
    marina_dbus_storage_volume_complete_clone(skel, invocation,
                                              marina_job_get_object_path(op->job));
    {
        const char *argv[] = {"qemu-img", "convert",    "-p",      "-f",     sniff.format,
                              "-O",       sniff.format, src->path, op->part, NULL};
        run_qemu_img(argv, op->job, MAX(sniff.capacity, 1), NULL, on_written, op);
    }
    vol_op_free(src);
    return TRUE;
}

static MarinaDBusStorageVolume *
volume_skeleton(MarinaStoragePool *pool, const char *name)
{
    MarinaDBusStorageVolume *skel = g_hash_table_lookup(pool->volumes, name);

    if (skel != NULL)
        return skel;
    skel = marina_dbus_storage_volume_skeleton_new();
    g_object_set_data(G_OBJECT(skel), "pool", pool);
    g_object_set_data_full(G_OBJECT(skel), "name", g_strdup(name), g_free);
    g_signal_connect(skel, "handle-delete", G_CALLBACK(handle_vol_delete), NULL);
    g_signal_connect(skel, "handle-resize", G_CALLBACK(handle_vol_resize), NULL);
    g_signal_connect(skel, "handle-clone", G_CALLBACK(handle_vol_clone), NULL);
    g_signal_connect(skel, "handle-get-info", G_CALLBACK(handle_vol_get_info), NULL);
    g_signal_connect(skel, "handle-get-xml", G_CALLBACK(handle_vol_get_xml), NULL);
    g_hash_table_insert(pool->volumes, g_strdup(name), skel);
    return skel;
}

static void
forget_volume(MarinaStoragePool *pool, const char *name)
{
    g_hash_table_remove(pool->volumes, name);
}

/* ---------------------------------------------------------------------- */
/* The logical backend: an LVM volume group, its logical volumes          */

typedef void (*LvmDone)(gboolean ok, const char *out, const char *err, gpointer data);

typedef struct {
    GSubprocess *process;
    char *command;
    LvmDone done;
    gpointer data;
} LvmRun;

static char *
bytes_text(GBytes *bytes)
{
    gsize len = 0;
    const char *data = bytes != NULL ? g_bytes_get_data(bytes, &len) : NULL;

    return data != NULL ? g_utf8_make_valid(data, len) : g_strdup("");
}

static void
on_lvm_exited(GObject *source, GAsyncResult *result, gpointer data)
{
    LvmRun *run = data;
    g_autoptr(GBytes) out = NULL;
    g_autoptr(GBytes) err = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *out_text = NULL;
    g_autofree char *err_text = NULL;
    gboolean ok = g_subprocess_communicate_finish(run->process, result, &out, &err, &error);

    if (ok) {
        ok = g_subprocess_get_if_exited(run->process) &&
             g_subprocess_get_exit_status(run->process) == 0;
        out_text = bytes_text(out);
        err_text = bytes_text(err);
    } else {
        out_text = g_strdup("");
        err_text = g_strdup(error->message);
    }
    g_strstrip(err_text);
    g_debug("%s: %s %s", run->command, ok ? "ok" : "failed", err_text);
    run->done(ok, out_text, err_text, run->data);
    g_object_unref(run->process);
    g_free(run->command);
    g_free(run);
}

/* Runs the LVM command @argv; @done gets its output and messages apart, as
 * the reports are JSON on standard output. */
static void
run_lvm(const char *const *argv, LvmDone done, gpointer data)
{
    g_autoptr(GSubprocessLauncher) launcher =
        g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
    g_autoptr(GError) error = NULL;
    LvmRun *run;
    GSubprocess *process;

    /* Messages in a known language (a few are matched below), and none of
     * the warnings LVM prints about every descriptor it inherits. */
    g_subprocess_launcher_setenv(launcher, "LVM_SUPPRESS_FD_WARNINGS", "1", TRUE);
    g_subprocess_launcher_setenv(launcher, "LC_ALL", "C", TRUE);
    process = g_subprocess_launcher_spawnv(launcher, argv, &error);
    if (process == NULL) {
        done(FALSE, "", error->message, data);
        return;
    }
    run = g_new0(LvmRun, 1);
    run->process = process;
    run->command = g_strjoinv(" ", (char **)argv);
    run->done = done;
    run->data = data;
    g_debug("running %s", run->command);
    g_subprocess_communicate_async(process, NULL, NULL, on_lvm_exited, run);
}

/* LVM's messages as one line a person can read in a dialog. */
static char *
lvm_reason(const char *err)
{
    g_auto(GStrv) lines = g_strsplit(err, "\n", -1);
    GString *s = g_string_new(NULL);

    for (char **l = lines; *l != NULL && s->len < 400; l++) {
        g_strstrip(*l);
        if (**l == '\0')
            continue;
        if (s->len > 0)
            g_string_append_c(s, ' ');
        g_string_append(s, *l);
    }
    /* The messages end with a period; ours adds its own. */
    while (s->len > 0 && s->str[s->len - 1] == '.')
        g_string_truncate(s, s->len - 1);
    if (s->len == 0)
        g_string_append(s, _("LVM gave no reason"));
    return g_string_free(s, FALSE);
}

/* Every logical volume is a device-mapper device. */
static gboolean
have_device_mapper(void)
{
    int fd = open("/dev/mapper/control", O_RDWR | O_CLOEXEC);

    if (fd < 0)
        return FALSE;
    close(fd);
    return TRUE;
}

static gboolean
lacks_device_mapper(const char *err)
{
    return !have_device_mapper() || strstr(err, "device-mapper target(s) not detected") != NULL;
}

/* The rows of an LVM JSON report, {"report": [{"<kind>": [{...}, ...]}]};
 * NULL when the text is not one. The array belongs to @parser. */
static JsonArray *
lvm_report_rows(JsonParser *parser, const char *text, const char *kind)
{
    JsonNode *node;
    JsonArray *reports;

    if (!json_parser_load_from_data(parser, text, -1, NULL))
        return NULL;
    node = json_parser_get_root(parser);
    if (node == NULL || !JSON_NODE_HOLDS_OBJECT(node))
        return NULL;
    node = json_object_get_member(json_node_get_object(node), "report");
    if (node == NULL || !JSON_NODE_HOLDS_ARRAY(node))
        return NULL;
    reports = json_node_get_array(node);
    if (json_array_get_length(reports) < 1)
        return NULL;
    node = json_array_get_element(reports, 0);
    if (!JSON_NODE_HOLDS_OBJECT(node))
        return NULL;
    node = json_object_get_member(json_node_get_object(node), kind);
    if (node == NULL || !JSON_NODE_HOLDS_ARRAY(node))
        return NULL;
    return json_node_get_array(node);
}

/* The rows of the report (@kind "vg" or "lv") that vgs or lvs answered with
 * @ok, @out and @err; NULL with *@why, what went wrong, when there are none. */
static JsonArray *
lvm_answer_rows(JsonParser *parser, gboolean ok, const char *out, const char *err, const char *kind,
                char **why)
{
    JsonArray *rows = ok ? lvm_report_rows(parser, out, kind) : NULL;

    if (rows != NULL)
        return rows;
    if (!ok)
        *why = lvm_reason(err);
    else if (g_str_equal(kind, "lv"))
        *why = g_strdup(_("lvs gave an unreadable answer"));
    else
        *why = g_strdup(_("vgs gave an unreadable answer"));
    return NULL;
}

static JsonObject *
lvm_row(JsonArray *rows, guint i)
{
    JsonNode *node = json_array_get_element(rows, i);

    return JSON_NODE_HOLDS_OBJECT(node) ? json_node_get_object(node) : NULL;
}

/* With --units b --nosuffix, sizes are strings of digits. */
static gboolean
lvm_size(JsonObject *row, const char *member, guint64 *out)
{
    const char *text = json_str(row, member);

    return text != NULL && g_ascii_string_to_unsigned(text, 10, 0, G_MAXINT64, out, NULL);
}

static const char *
vg_name(MarinaStoragePool *pool)
{
    return pool->config->source_name;
}

/* The row of @pool's volume group in a vgs report, or NULL. */
static JsonObject *
find_vg_row(MarinaStoragePool *pool, JsonArray *rows)
{
    for (guint i = 0; i < json_array_get_length(rows); i++) {
        JsonObject *row = lvm_row(rows, i);

        if (row != NULL && g_strcmp0(json_str(row, "vg_name"), vg_name(pool)) == 0)
            return row;
    }
    return NULL;
}

/* "VG/LV", how LVM commands name a logical volume. */
static char *
lv_spec(MarinaStoragePool *pool, const char *name)
{
    return g_strdup_printf("%s/%s", vg_name(pool), name);
}

static char *
size_arg(guint64 bytes)
{
    return g_strdup_printf("%" G_GUINT64_FORMAT "B", bytes);
}

/* One pool-level LVM sequence (start, stop, update) and whom it answers. */
typedef struct {
    MarinaStoragePool *pool;
    MarinaStorageDone done;
    gpointer data;
} LvmOp;

static LvmOp *
lvm_op_new(MarinaStoragePool *pool, MarinaStorageDone done, gpointer data)
{
    LvmOp *op = g_new0(LvmOp, 1);

    op->pool = pool;
    op->done = done;
    op->data = data;
    return op;
}

/* Ends @op with an error built from @format, or success when @format is NULL. */
static void lvm_op_end(LvmOp *op, const char *format, ...) G_GNUC_PRINTF(2, 3);

static void
lvm_op_end(LvmOp *op, const char *format, ...)
{
    g_autoptr(GError) error = NULL;

    if (format != NULL) {
        va_list args;
        g_autofree char *message = NULL;
        va_start(args, format);
        message = g_strdup_vprintf(format, args);
        va_end(args);
        error = g_error_new_literal(MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED, message);
    }
    op->done(op->pool, error, op->data);
    g_free(op);
}

/* update: vgs for the sizes, then lvs for the volumes */

static void
on_lvs_listed(gboolean ok, const char *out, const char *err, gpointer data)
{
    LvmOp *op = data;
    MarinaStoragePool *pool = op->pool;
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autofree char *why = NULL;
    JsonArray *rows = lvm_answer_rows(parser, ok, out, err, "lv", &why);

    if (rows == NULL) {
        lvm_op_end(op, _("Pool '%s': cannot list the logical volumes of volume group '%s': %s."),
                   pool->config->name, vg_name(pool), why);
        return;
    }
    g_hash_table_remove_all(pool->lvs);
    for (guint i = 0; i < json_array_get_length(rows); i++) {
        JsonObject *row = lvm_row(rows, i);
        const char *name = row != NULL ? json_str(row, "lv_name") : NULL;
        guint64 size;

        /* Names Marina could not have made (LVM's own "[lvol0_pmspare]"...)
         * never reach a path or a command line. */
        if (name == NULL || !marina_storage_name_is_valid(name, "volume", NULL) ||
            !lvm_size(row, "lv_size", &size))
            continue;
        g_hash_table_insert(pool->lvs, g_strdup(name), g_memdup2(&size, sizeof size));
    }
    lvm_op_end(op, NULL);
}

static void
on_vgs_for_update(gboolean ok, const char *out, const char *err, gpointer data)
{
    LvmOp *op = data;
    MarinaStoragePool *pool = op->pool;
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autofree char *why = NULL;
    JsonArray *rows = lvm_answer_rows(parser, ok, out, err, "vg", &why);
    JsonObject *row;
    guint64 size, free_bytes;

    if (rows == NULL) {
        lvm_op_end(op, _("Pool '%s': cannot read the volume group '%s': %s."), pool->config->name,
                   vg_name(pool), why);
        return;
    }
    row = find_vg_row(pool, rows);
    if (row != NULL && lvm_size(row, "vg_size", &size) && lvm_size(row, "vg_free", &free_bytes) &&
        free_bytes <= size) {
        const char *argv[] = {"lvs", "--reportformat",  "json",        "--units", "b", "--nosuffix",
                              "-o",  "lv_name,lv_size", vg_name(pool), NULL};

        pool->vg_size = size;
        pool->vg_free = free_bytes;
        run_lvm(argv, on_lvs_listed, op);
        return;
    }
    lvm_op_end(op,
               _("Pool '%s': the volume group '%s' is not on this host any more (or LVM reports "
                 "it wrongly). Check it with 'vgs %s'."),
               pool->config->name, vg_name(pool), vg_name(pool));
}

static const char *const vgs_argv[] = {"vgs", "--reportformat", "json", "--units",
                                       "b",   "--nosuffix",     "-o",   "vg_name,vg_size,vg_free",
                                       NULL};

static void
lvm_update(MarinaStoragePool *pool, MarinaStorageDone done, gpointer data)
{
    run_lvm(vgs_argv, on_vgs_for_update, lvm_op_new(pool, done, data));
}

/* start: find or build the volume group, activate it, read it */

static void
on_vg_activated(gboolean ok, const char *out, const char *err, gpointer data)
{
    LvmOp *op = data;
    MarinaStoragePool *pool = op->pool;
    g_autofree char *reason = lvm_reason(err);

    if (!ok) {
        if (lacks_device_mapper(err))
            lvm_op_end(op,
                       _("Pool '%s': cannot activate the volume group '%s': the kernel has no "
                         "device-mapper support, which its logical volumes need. Load it "
                         "(modprobe dm_mod) and start the pool again."),
                       pool->config->name, vg_name(pool));
        else
            lvm_op_end(op, _("Pool '%s': cannot activate the volume group '%s': %s."),
                       pool->config->name, vg_name(pool), reason);
        return;
    }
    run_lvm(vgs_argv, on_vgs_for_update, op);
}

static void
activate_vg(LvmOp *op)
{
    const char *argv[] = {"vgchange", "-ay", vg_name(op->pool), NULL};

    run_lvm(argv, on_vg_activated, op);
}

static char *
devices_text(MarinaStoragePool *pool)
{
    return g_strjoinv(", ", pool->config->source_devices);
}

static void
on_vg_created(gboolean ok, const char *out, const char *err, gpointer data)
{
    LvmOp *op = data;
    MarinaStoragePool *pool = op->pool;
    g_autofree char *reason = lvm_reason(err);
    g_autofree char *devices = devices_text(pool);

    if (!ok) {
        lvm_op_end(op, _("Pool '%s': cannot create the volume group '%s' on %s: %s."),
                   pool->config->name, vg_name(pool), devices, reason);
        return;
    }
    g_message("Pool '%s': created the volume group '%s' on %s", pool->config->name, vg_name(pool),
              devices);
    activate_vg(op);
}

static void
on_pvs_created(gboolean ok, const char *out, const char *err, gpointer data)
{
    LvmOp *op = data;
    MarinaStoragePool *pool = op->pool;
    g_autofree char *reason = lvm_reason(err);
    g_autofree char *devices = devices_text(pool);
    g_autoptr(GPtrArray) argv = g_ptr_array_new();

    if (!ok) {
        /* pvcreate never wipes a file system or partition table unasked: a
         * disk that still holds something stays as it was. */
        lvm_op_end(op,
                   _("Pool '%s': cannot make %s an LVM physical volume: %s. If the device holds "
                     "nothing you need, clear it (wipefs -a) and start the pool again."),
                   pool->config->name, devices, reason);
        return;
    }
    g_ptr_array_add(argv, "vgcreate");
    g_ptr_array_add(argv, (char *)vg_name(pool));
    for (char **d = pool->config->source_devices; *d != NULL; d++)
        g_ptr_array_add(argv, *d);
    g_ptr_array_add(argv, NULL);
    run_lvm((const char *const *)argv->pdata, on_vg_created, op);
}

/* libvirt's pool-build, done when a pool whose volume group does not exist
 * starts: the <device> disks become physical volumes of a new group. */
static void
build_vg(LvmOp *op)
{
    MarinaStoragePool *pool = op->pool;
    g_autoptr(GPtrArray) argv = g_ptr_array_new();

    if (pool->config->source_devices == NULL) {
        lvm_op_end(op,
                   _("Pool '%s': the volume group '%s' does not exist. Give its disks as "
                     "<device path='...'/> in <source> so Marina creates it when the pool "
                     "starts, or create it with vgcreate."),
                   pool->config->name, vg_name(pool));
        return;
    }
    for (char **d = pool->config->source_devices; *d != NULL; d++) {
        GStatBuf st;
        if (g_stat(*d, &st) != 0) {
            int err = errno;
            lvm_op_end(op,
                       _("Pool '%s': the source device %s does not exist (%s); check <device "
                         "path> in the pool's XML."),
                       pool->config->name, *d, g_strerror(err));
            return;
        }
        if (!S_ISBLK(st.st_mode)) {
            lvm_op_end(op,
                       _("Pool '%s': %s is not a block device; give a disk or partition, e.g. "
                         "/dev/sdb."),
                       pool->config->name, *d);
            return;
        }
    }
    g_ptr_array_add(argv, "pvcreate");
    for (char **d = pool->config->source_devices; *d != NULL; d++)
        g_ptr_array_add(argv, *d);
    g_ptr_array_add(argv, NULL);
    run_lvm((const char *const *)argv->pdata, on_pvs_created, op);
}

static void
on_vgs_for_start(gboolean ok, const char *out, const char *err, gpointer data)
{
    LvmOp *op = data;
    MarinaStoragePool *pool = op->pool;
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autofree char *why = NULL;
    JsonArray *rows = lvm_answer_rows(parser, ok, out, err, "vg", &why);

    if (rows == NULL) {
        lvm_op_end(op, _("Pool '%s': cannot list the LVM volume groups: %s."), pool->config->name,
                   why);
        return;
    }
    if (find_vg_row(pool, rows) != NULL)
        activate_vg(op);
    else
        build_vg(op);
}

static void
lvm_start(MarinaStoragePool *pool, MarinaStorageDone done, gpointer data)
{
    run_lvm(vgs_argv, on_vgs_for_start, lvm_op_new(pool, done, data));
}

static void
on_vg_deactivated(gboolean ok, const char *out, const char *err, gpointer data)
{
    LvmOp *op = data;
    MarinaStoragePool *pool = op->pool;
    g_autofree char *reason = lvm_reason(err);

    /* A group removed behind our back has nothing left to deactivate. */
    if (!ok && strstr(err, "not found") == NULL) {
        lvm_op_end(op,
                   _("Pool '%s': cannot deactivate the volume group '%s': %s. Stop the guests "
                     "that use its volumes first."),
                   pool->config->name, vg_name(pool), reason);
        return;
    }
    lvm_op_end(op, NULL);
}

static void
lvm_stop(MarinaStoragePool *pool, MarinaStorageDone done, gpointer data)
{
    const char *argv[] = {"vgchange", "-an", vg_name(pool), NULL};

    run_lvm(argv, on_vg_deactivated, lvm_op_new(pool, done, data));
}

static gboolean
lvm_refresh(MarinaStoragePool *pool, guint64 *capacity, guint64 *allocation, guint64 *available,
            GError **error)
{
    *capacity = pool->vg_size;
    *available = pool->vg_free;
    *allocation = pool->vg_size - pool->vg_free;
    return TRUE;
}

static char **
lvm_list_volumes(MarinaStoragePool *pool)
{
    GPtrArray *names = g_ptr_array_new();
    GHashTableIter iter;
    gpointer key;

    g_hash_table_iter_init(&iter, pool->lvs);
    while (g_hash_table_iter_next(&iter, &key, NULL))
        if (!g_hash_table_contains(pool->busy, key))
            g_ptr_array_add(names, g_strdup(key));
    g_ptr_array_add(names, NULL);
    return (char **)g_ptr_array_free(names, FALSE);
}

/* Volumes */

static gboolean
lvm_lookup(MarinaStoragePool *pool, const char *name, guint64 *capacity)
{
    guint64 *size = g_hash_table_lookup(pool->lvs, name);

    if (size == NULL)
        return FALSE;
    if (capacity != NULL)
        *capacity = *size;
    return TRUE;
}

/* Names LVM keeps for itself (lvcreate(8), "VALID NAMES"). */
static gboolean
lv_name_is_valid(const char *name, GError **error)
{
    static const char *const reserved[] = {"_cdata",   "_cmeta",  "_corig", "_mlog",  "_mimage",
                                           "_pmspare", "_rimage", "_rmeta", "_tdata", "_tmeta",
                                           "_vorigin", "_vdata",  NULL};

    if (g_str_equal(name, "snapshot") || g_str_equal(name, "pvmove") ||
        g_str_has_prefix(name, "pvmove"))
        goto reserved;
    for (const char *const *r = reserved; *r != NULL; r++)
        if (strstr(name, *r) != NULL)
            goto reserved;
    return TRUE;
reserved:
    g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                _("'%s' cannot be the name of a logical volume: LVM reserves it (or a part of "
                  "it). Choose another name."),
                name);
    return FALSE;
}

static gboolean
lvm_prepare(MarinaStoragePool *pool, MarinaVolumeConfig *c, GError **error)
{
    g_autofree char *path = NULL;

    if (!check_new_volume(pool, c->name, error) || !lv_name_is_valid(c->name, error))
        return FALSE;
    if (c->format == NULL)
        c->format = g_strdup("raw");
    if (!g_str_equal(c->format, "raw")) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("Pool '%s' is a logical (LVM) pool: its volumes are raw block devices, so "
                      "volume '%s' cannot be %s. Use the raw format, or a dir pool for %s "
                      "images."),
                    pool->config->name, c->name, c->format, c->format);
        return FALSE;
    }
    if (c->backing_path != NULL) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("Volume '%s': a logical volume cannot have a backing volume; use a qcow2 "
                      "volume in a dir pool for that."),
                    c->name);
        return FALSE;
    }
    path = volume_path(pool, c->name);
    if (c->path != NULL && !g_str_equal(c->path, path)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                    _("Volume '%s': <target><path> must be %s, the volume group's directory and "
                      "the volume's name; or leave it out."),
                    c->name, path);
        return FALSE;
    }
    if (c->capacity > pool->vg_free) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("Pool '%s' has %" PRIu64 " bytes free; volume '%s' needs %" PRIu64
                      ". Make it smaller or add a disk to the volume group '%s'."),
                    pool->config->name, pool->vg_free, c->name, c->capacity, vg_name(pool));
        return FALSE;
    }
    g_free(c->path);
    c->path = g_steal_pointer(&path);
    return TRUE;
}

static GError *
lvcreate_error(VolOp *op, const char *err)
{
    g_autofree char *reason = lvm_reason(err);

    if (lacks_device_mapper(err))
        return g_error_new(MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
                           _("Cannot create logical volume '%s' in volume group '%s': the kernel "
                             "has no device-mapper support. Load it (modprobe dm_mod), or use a "
                             "dir pool."),
                           op->name, vg_name(op->pool));
    return g_error_new(MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                       _("Cannot create logical volume '%s' in volume group '%s': %s."), op->name,
                       vg_name(op->pool), reason);
}

static void
run_lvcreate(VolOp *op, LvmDone done)
{
    g_autofree char *size = size_arg(op->capacity);
    /* A new volume starts clean: old signatures in its extents are wiped
     * rather than asked about (nobody answers on standard input). */
    const char *argv[] = {"lvcreate", "--yes", "--wipesignatures", "y", "-n", op->name,
                          "-L",       size,    vg_name(op->pool),  NULL};

    run_lvm(argv, done, op);
}

/* The end of a create or clone job: the volume is listed and announced, or
 * the job fails (@error). */
static void
on_written_updated(MarinaStoragePool *pool, const GError *update_error, gpointer data)
{
    VolOp *op = data;

    if (update_error != NULL)
        g_warning("%s", update_error->message);
    g_hash_table_remove(pool->busy, op->name);
    emit_volume_event(pool, op->name, "created");
    end_job(op->job, NULL);
    vol_op_free(op);
}

static void
lvm_job_failed(VolOp *op, GError *error)
{
    g_hash_table_remove(op->pool->busy, op->name);
    end_job(op->job, error);
    g_error_free(error);
    vol_op_free(op);
}

/* After a failed or cancelled clone: remove what was made, then fail with @error. */
typedef struct {
    VolOp *op;
    GError *error;
} Undo;

static void
on_undone(gboolean ok, const char *out, const char *err, gpointer data)
{
    Undo *undo = data;

    if (!ok)
        g_warning("Pool '%s': could not remove the partial logical volume '%s': %s",
                  undo->op->pool->config->name, undo->op->name, err);
    lvm_job_failed(undo->op, undo->error);
    g_free(undo);
}

static void
undo_lvcreate(VolOp *op, GError *error)
{
    g_autofree char *spec = lv_spec(op->pool, op->name);
    const char *argv[] = {"lvremove", "-f", spec, NULL};
    Undo *undo = g_new0(Undo, 1);

    undo->op = op;
    undo->error = error;
    run_lvm(argv, on_undone, undo);
}

static GError *
cancelled_error(VolOp *op)
{
    return g_error_new(G_IO_ERROR, G_IO_ERROR_CANCELLED,
                       _("Writing volume '%s' was cancelled; the partial volume was removed."),
                       op->name);
}

static gboolean
job_cancelled(VolOp *op)
{
    return g_cancellable_is_cancelled(marina_job_get_cancellable(op->job));
}

static void
on_lv_created(gboolean ok, const char *out, const char *err, gpointer data)
{
    VolOp *op = data;

    if (!ok)
        lvm_job_failed(op, lvcreate_error(op, err));
    else if (job_cancelled(op))
        undo_lvcreate(op, cancelled_error(op));
    else
        lvm_update(op->pool, on_written_updated, op);
}

static void
lvm_create(VolOp *op)
{
    run_lvcreate(op, on_lv_created);
}

static void
on_lv_copied(gboolean ok, const char *output, gpointer data)
{
    VolOp *op = data;

    if (job_cancelled(op)) {
        undo_lvcreate(op, cancelled_error(op));
    } else if (!ok) {
        g_debug("qemu-img convert %s %s: %s", op->source, op->path, output);
        undo_lvcreate(op, g_error_new(MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                                      _("Volume '%s' could not be written: %s."), op->name,
                                      last_line(output)));
    } else {
        lvm_update(op->pool, on_written_updated, op);
    }
}

static void
on_clone_lv_created(gboolean ok, const char *out, const char *err, gpointer data)
{
    VolOp *op = data;

    if (!ok) {
        lvm_job_failed(op, lvcreate_error(op, err));
        return;
    }
    if (job_cancelled(op)) {
        undo_lvcreate(op, cancelled_error(op));
        return;
    }
    {
        /* -n: the target is the new logical volume, already there. */
        const char *argv[] = {"qemu-img", "convert", "-p",       "-n",     "-f", "raw",
                              "-O",       "raw",     op->source, op->path, NULL};
        run_qemu_img(argv, op->job, MAX(op->capacity, 1), NULL, on_lv_copied, op);
    }
}

static void
lvm_clone(VolOp *op)
{
    run_lvcreate(op, on_clone_lv_created);
}

/* Delete and resize answer their call once LVM is done and re-read. */
static void
on_volume_changed_updated(MarinaStoragePool *pool, const GError *error, gpointer data)
{
    VolOp *op = data;
    const char *event = op->event;

    if (error != NULL)
        g_warning("%s", error->message);
    g_hash_table_remove(pool->busy, op->name);
    g_dbus_method_invocation_return_value(op->invocation, NULL);
    emit_volume_event(pool, op->name, event);
    if (g_str_equal(event, "deleted"))
        forget_volume(pool, op->name);
    vol_op_free(op);
}

static void
on_lv_removed(gboolean ok, const char *out, const char *err, gpointer data)
{
    VolOp *op = data;
    g_autofree char *reason = lvm_reason(err);

    if (!ok) {
        g_hash_table_remove(op->pool->busy, op->name);
        vol_op_fail(op, MARINA_ERROR_OPERATION_FAILED,
                    _("Cannot delete logical volume '%s' from volume group '%s': %s."), op->name,
                    vg_name(op->pool), reason);
        return;
    }
    op->event = "deleted";
    lvm_update(op->pool, on_volume_changed_updated, op);
}

static void
lvm_remove(VolOp *op)
{
    g_autofree char *spec = lv_spec(op->pool, op->name);
    const char *argv[] = {"lvremove", "-f", spec, NULL};

    g_hash_table_add(op->pool->busy, g_strdup(op->name));
    run_lvm(argv, on_lv_removed, op);
}

static void
on_lv_resized(gboolean ok, const char *out, const char *err, gpointer data)
{
    VolOp *op = data;
    g_autofree char *reason = lvm_reason(err);

    /* Growing by less than an extent is already done. */
    if (!ok && strstr(err, "matches existing size") == NULL) {
        g_hash_table_remove(op->pool->busy, op->name);
        vol_op_fail(op, MARINA_ERROR_OPERATION_FAILED,
                    _("Logical volume '%s' could not be resized: %s."), op->name, reason);
        return;
    }
    op->event = "resized";
    lvm_update(op->pool, on_volume_changed_updated, op);
}

static void
lvm_resize(VolOp *op, guint64 capacity)
{
    g_autofree char *spec = lv_spec(op->pool, op->name);
    g_autofree char *size = size_arg(capacity);
    const char *argv[] = {"lvresize", "-L", size, spec, NULL};

    run_lvm(argv, on_lv_resized, op);
}

static const MarinaVolumeBackend lvm_volumes = {
    .lookup = lvm_lookup,
    .prepare = lvm_prepare,
    .create = lvm_create,
    .remove = lvm_remove,
    .resize = lvm_resize,
    .clone = lvm_clone,
};

static const MarinaStorageBackend logical_backend = {
    .type = "logical",
    .start = lvm_start,
    .stop = lvm_stop,
    .refresh = lvm_refresh,
    .list_volumes = lvm_list_volumes,
    .update = lvm_update,
    .volumes = &lvm_volumes,
};

/* ---------------------------------------------------------------------- */
/* Pool methods                                                           */

static const char *
preallocation_for(const MarinaVolumeConfig *c)
{
    /* libvirt's reading of <allocation>: all of it = write every byte now;
     * part of it = reserve the space without writing; none = sparse. */
    if (!c->has_allocation || c->allocation == 0)
        return NULL;
    return c->allocation >= c->capacity ? "preallocation=full" : "preallocation=falloc";
}

static gboolean
prepare_volume(MarinaStoragePool *pool, MarinaVolumeConfig *c, GError **error)
{
    g_autofree char *path = NULL;

    if (!check_new_volume(pool, c->name, error))
        return FALSE;
    path = volume_path(pool, c->name);
    if (c->path != NULL && !g_str_equal(c->path, path)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                    _("Volume '%s': <target><path> must be %s, the pool's directory and the "
                      "volume's name; or leave it out."),
                    c->name, path);
        return FALSE;
    }
    if (c->format == NULL)
        c->format = g_strdup("qcow2");
    refresh_sizes(pool);
    if (preallocation_for(c) != NULL && c->allocation > pool->config->available) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("Pool '%s' has %" PRIu64 " bytes free; volume '%s' needs %" PRIu64
                      ". Make it sparse or smaller."),
                    pool->config->name, pool->config->available, c->name, c->allocation);
        return FALSE;
    }
    if (c->backing_path != NULL) {
        Sniff sniff;
        if (!sniff_volume(c->backing_path, &sniff)) {
            g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                        _("Volume '%s': the backing volume %s does not exist or is not a "
                          "regular file."),
                        c->name, c->backing_path);
            return FALSE;
        }
        if (c->backing_format == NULL)
            c->backing_format = g_strdup(sniff.format);
    }
    g_free(c->path);
    c->path = g_steal_pointer(&path);
    return TRUE;
}

static gboolean
handle_create_volume(MarinaDBusStoragePool *skel, GDBusMethodInvocation *invocation,
                     const char *xml, MarinaStoragePool *pool)
{
    g_autoptr(MarinaVolumeConfig) c = NULL;
    g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *object_path = NULL;
    const char *prealloc;
    GError *error = NULL;
    VolOp *op;

    if (!check_writable(pool, invocation))
        return TRUE;
    c = marina_volume_config_parse(xml, -1, &error);
    if (c == NULL ||
        !(pool->backend->volumes != NULL ? pool->backend->volumes->prepare(pool, c, &error)
                                         : prepare_volume(pool, c, &error))) {
        return_error(invocation, error);
        return TRUE;
    }
    if (pool->backend->volumes != NULL) {
        op = write_op_new(pool, c->name, c->path, 0);
        op->capacity = c->capacity;
        object_path = volume_object_path(pool, c->name);
        marina_dbus_storage_pool_complete_create_volume(skel, invocation, object_path,
                                                        marina_job_get_object_path(op->job));
        pool->backend->volumes->create(op);
        return TRUE;
    }
    prealloc = preallocation_for(c);
    g_ptr_array_add(argv, g_strdup("qemu-img"));
    g_ptr_array_add(argv, g_strdup("create"));
    g_ptr_array_add(argv, g_strdup("-f"));
    g_ptr_array_add(argv, g_strdup(c->format));
    if (prealloc != NULL) {
        g_ptr_array_add(argv, g_strdup("-o"));
        g_ptr_array_add(argv, g_strdup(prealloc));
    }
    if (c->backing_path != NULL) {
        g_ptr_array_add(argv, g_strdup("-b"));
        g_ptr_array_add(argv, g_strdup(c->backing_path));
        g_ptr_array_add(argv, g_strdup("-F"));
        g_ptr_array_add(argv, g_strdup(c->backing_format));
    }
    op = write_op_new(pool, c->name, c->path, prealloc != NULL ? c->allocation : 0);
    op->part = part_path(pool, c->name);
    g_ptr_array_add(argv, g_strdup(op->part));
    g_ptr_array_add(argv, g_strdup_printf("%" G_GUINT64_FORMAT, c->capacity));
    g_ptr_array_add(argv, NULL);
    object_path = volume_object_path(pool, c->name);
    marina_dbus_storage_pool_complete_create_volume(skel, invocation, object_path,
                                                    marina_job_get_object_path(op->job));
    run_qemu_img((const char *const *)argv->pdata, op->job, 0, prealloc != NULL ? op->part : NULL,
                 on_written, op);
    return TRUE;
}

static gboolean
handle_pool_start(MarinaDBusStoragePool *skel, GDBusMethodInvocation *invocation,
                  MarinaStoragePool *pool)
{
    if (!check_writable(pool, invocation) || !check_settled(pool, invocation))
        return TRUE;
    if (pool->active) {
        g_dbus_method_invocation_return_error(
            invocation, MARINA_ERROR, MARINA_ERROR_ALREADY_RUNNING,
            _("Pool '%s' is already active."), pool->config->name);
        return TRUE;
    }
    pool_start(pool, invocation);
    return TRUE;
}

static gboolean
check_no_jobs(MarinaStoragePool *pool, GError **error)
{
    if (g_hash_table_size(pool->busy) == 0)
        return TRUE;
    g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                _("Pool '%s' has volumes being written; wait for the jobs to finish or cancel "
                  "them."),
                pool->config->name);
    return FALSE;
}

static gboolean
handle_pool_stop(MarinaDBusStoragePool *skel, GDBusMethodInvocation *invocation,
                 MarinaStoragePool *pool)
{
    GError *error = NULL;

    if (!check_writable(pool, invocation) || !check_settled(pool, invocation))
        return TRUE;
    if (!check_active(pool, &error) || !check_no_jobs(pool, &error)) {
        return_error(invocation, error);
        return TRUE;
    }
    pool->changing = TRUE;
    pool->backend->stop(pool, on_pool_stopped, g_object_ref(invocation));
    return TRUE;
}

static void remove_pool(MarinaStorage *storage, MarinaStoragePool *pool);

static gboolean
handle_pool_undefine(MarinaDBusStoragePool *skel, GDBusMethodInvocation *invocation,
                     MarinaStoragePool *pool)
{
    MarinaStorage *storage = pool->storage;
    g_autofree char *xml = pool_file(storage, pool->config->name, ".xml");
    g_autofree char *autostart = pool_file(storage, pool->config->name, ".autostart");

    if (!check_writable(pool, invocation) || !check_settled(pool, invocation))
        return TRUE;
    if (pool->active) {
        g_dbus_method_invocation_return_error(
            invocation, MARINA_ERROR, MARINA_ERROR_ALREADY_RUNNING,
            _("Pool '%s' is active; stop it first with 'marinactl pool-destroy %s'. Its volumes "
              "are kept."),
            pool->config->name, pool->config->name);
        return TRUE;
    }
    g_unlink(autostart);
    if (g_unlink(xml) != 0 && errno != ENOENT) {
        int err = errno;
        g_dbus_method_invocation_return_error(
            invocation, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
            _("Pool '%s': cannot remove %s: %s."), pool->config->name, xml, g_strerror(err));
        return TRUE;
    }
    marina_dbus_storage_pool_complete_undefine(skel, invocation);
    emit_pool_event(pool, "undefined");
    remove_pool(storage, pool);
    return TRUE;
}

static gboolean
handle_pool_set_autostart(MarinaDBusStoragePool *skel, GDBusMethodInvocation *invocation,
                          gboolean autostart, MarinaStoragePool *pool)
{
    g_autofree char *path = pool_file(pool->storage, pool->config->name, ".autostart");
    GError *error = NULL;

    if (!check_writable(pool, invocation))
        return TRUE;
    if (autostart && !marina_write_file_atomic(path, "", 0, 0600, &error)) {
        return_error(invocation, error);
        return TRUE;
    }
    if (!autostart)
        g_unlink(path);
    pool->autostart = autostart;
    marina_dbus_storage_pool_complete_set_autostart(skel, invocation);
    return TRUE;
}

static void
on_pool_updated(MarinaStoragePool *pool, const GError *error, gpointer data)
{
    GDBusMethodInvocation *invocation = data;

    pool->changing = FALSE;
    if (error != NULL) {
        g_dbus_method_invocation_return_gerror(invocation, error);
    } else {
        g_dbus_method_invocation_return_value(invocation, NULL);
        emit_pool_event(pool, "refreshed");
    }
    g_object_unref(invocation);
}

static gboolean
handle_pool_refresh(MarinaDBusStoragePool *skel, GDBusMethodInvocation *invocation,
                    MarinaStoragePool *pool)
{
    GError *error = NULL;

    if (!check_settled(pool, invocation))
        return TRUE;
    if (!check_active(pool, &error)) {
        return_error(invocation, error);
        return TRUE;
    }
    if (pool->backend->update != NULL) {
        /* Stop and undefine wait for it: the pool must outlive the reply. */
        pool->changing = TRUE;
        pool->backend->update(pool, on_pool_updated, g_object_ref(invocation));
        return TRUE;
    }
    refresh_sizes(pool);
    marina_dbus_storage_pool_complete_refresh(skel, invocation);
    emit_pool_event(pool, "refreshed");
    return TRUE;
}

static gboolean
handle_pool_get_xml(MarinaDBusStoragePool *skel, GDBusMethodInvocation *invocation,
                    MarinaStoragePool *pool)
{
    g_autofree char *xml = NULL;

    refresh_sizes(pool);
    xml = marina_pool_config_format(pool->config);
    marina_dbus_storage_pool_complete_get_xml(skel, invocation, xml);
    return TRUE;
}

static gboolean
handle_pool_get_info(MarinaDBusStoragePool *skel, GDBusMethodInvocation *invocation,
                     MarinaStoragePool *pool)
{
    const MarinaPoolConfig *c = pool->config;
    GVariantDict d;

    refresh_sizes(pool);
    g_variant_dict_init(&d, NULL);
    g_variant_dict_insert(&d, "name", "s", c->name);
    g_variant_dict_insert(&d, "uuid", "s", c->uuid);
    g_variant_dict_insert(&d, "type", "s", c->type);
    g_variant_dict_insert(&d, "active", "b", pool->active);
    g_variant_dict_insert(&d, "autostart", "b", pool->autostart);
    g_variant_dict_insert(&d, "persistent", "b", TRUE);
    g_variant_dict_insert(&d, "capacity", "t", pool->active ? c->capacity : 0);
    g_variant_dict_insert(&d, "allocation", "t", pool->active ? c->allocation : 0);
    g_variant_dict_insert(&d, "available", "t", pool->active ? c->available : 0);
    g_variant_dict_insert(&d, "path", "s", c->target_path ? c->target_path : "");
    marina_dbus_storage_pool_complete_get_info(skel, invocation, g_variant_dict_end(&d));
    return TRUE;
}

static gboolean
handle_pool_list_volumes(MarinaDBusStoragePool *skel, GDBusMethodInvocation *invocation,
                         MarinaStoragePool *pool)
{
    g_auto(GStrv) names = NULL;
    g_autoptr(MarinaDiskUsers) users = NULL;
    GVariantBuilder b;
    GError *error = NULL;

    if (!check_active(pool, &error)) {
        return_error(invocation, error);
        return TRUE;
    }
    names = pool->backend->list_volumes(pool);
    /* One pass over the guests for the whole pool. */
    users = collect_users(pool);
    g_variant_builder_init(&b, G_VARIANT_TYPE("a(ossttsas)"));
    for (char **n = names; *n != NULL; n++) {
        g_autofree char *path = volume_path(pool, *n);
        g_autofree char *object_path = volume_object_path(pool, *n);
        Sniff sniff;
        guint64 size;

        if (pool->backend->volumes != NULL) {
            if (pool->backend->volumes->lookup(pool, *n, &size))
                g_variant_builder_add(&b, "(osstts@as)", object_path, *n, path, size, size, "raw",
                                      used_by_variant_from(users, path));
            continue;
        }

        if (!sniff_volume(path, &sniff))
            continue;
        g_variant_builder_add(&b, "(osstts@as)", object_path, *n, path, sniff.capacity,
                              sniff.allocation, sniff.format, used_by_variant_from(users, path));
    }
    marina_dbus_storage_pool_complete_list_volumes(skel, invocation, g_variant_builder_end(&b));
    return TRUE;
}

/* ---------------------------------------------------------------------- */
/* Pools                                                                  */

MarinaStoragePool *
marina_storage_pool_new(MarinaDaemon *daemon, MarinaPoolConfig *config)
{
    MarinaStoragePool *pool = g_new0(MarinaStoragePool, 1);
    g_autofree char *escaped = marina_storage_escape(config->name);

    pool->config = config;
    pool->backend = marina_storage_backend_for_type(config->type);
    pool->path = g_strdup_printf("%s/%s", POOL_SUBTREE, escaped);
    pool->volume_subtree = g_strdup_printf("%s/volume", pool->path);
    pool->volumes = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_object_unref);
    pool->busy = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    pool->lvs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    pool->skeleton = marina_dbus_storage_pool_skeleton_new();
    g_signal_connect(pool->skeleton, "handle-start", G_CALLBACK(handle_pool_start), pool);
    g_signal_connect(pool->skeleton, "handle-stop", G_CALLBACK(handle_pool_stop), pool);
    g_signal_connect(pool->skeleton, "handle-undefine", G_CALLBACK(handle_pool_undefine), pool);
    g_signal_connect(pool->skeleton, "handle-set-autostart", G_CALLBACK(handle_pool_set_autostart),
                     pool);
    g_signal_connect(pool->skeleton, "handle-refresh", G_CALLBACK(handle_pool_refresh), pool);
    g_signal_connect(pool->skeleton, "handle-get-xml", G_CALLBACK(handle_pool_get_xml), pool);
    g_signal_connect(pool->skeleton, "handle-get-info", G_CALLBACK(handle_pool_get_info), pool);
    g_signal_connect(pool->skeleton, "handle-list-volumes", G_CALLBACK(handle_pool_list_volumes),
                     pool);
    g_signal_connect(pool->skeleton, "handle-create-volume", G_CALLBACK(handle_create_volume),
                     pool);
    return pool;
}

void
marina_storage_pool_free(MarinaStoragePool *pool)
{
    if (pool == NULL)
        return;
    g_signal_handlers_disconnect_by_data(pool->skeleton, pool);
    g_object_unref(pool->skeleton);
    g_hash_table_unref(pool->volumes);
    g_hash_table_unref(pool->busy);
    g_hash_table_unref(pool->lvs);
    marina_pool_config_free(pool->config);
    g_free(pool->path);
    g_free(pool->volume_subtree);
    g_free(pool);
}

const char *
marina_storage_pool_get_name(MarinaStoragePool *pool)
{
    return pool->config->name;
}

const char *
marina_storage_pool_get_object_path(MarinaStoragePool *pool)
{
    return pool->path;
}

const MarinaPoolConfig *
marina_storage_pool_get_config(MarinaStoragePool *pool)
{
    return pool->config;
}

/* ---------------------------------------------------------------------- */
/* Subtrees: one pool registration per client, plus one per pool for its  */
/* volumes (GDBus subtrees serve one level of children).                   */

static MarinaStoragePool *
pool_for_node(MarinaStorage *storage, const char *node)
{
    g_autofree char *name = NULL;

    if (node == NULL)
        return NULL;
    name = unescape(node);
    return g_hash_table_lookup(storage->pools, name);
}

static char **
pool_enumerate(const char *path, gpointer user_data)
{
    MarinaStorage *storage = user_data;
    GPtrArray *nodes = g_ptr_array_new();
    GHashTableIter iter;
    gpointer key;

    g_hash_table_iter_init(&iter, storage->pools);
    while (g_hash_table_iter_next(&iter, &key, NULL))
        g_ptr_array_add(nodes, marina_storage_escape(key));
    g_ptr_array_add(nodes, NULL);
    return (char **)g_ptr_array_free(nodes, FALSE);
}

static GDBusInterfaceSkeleton *
pool_skeleton(const char *path, const char *node, gpointer user_data)
{
    MarinaStoragePool *pool = pool_for_node(user_data, node);

    return pool != NULL ? G_DBUS_INTERFACE_SKELETON(pool->skeleton) : NULL;
}

/* GDBus passes the registered path to enumerate, the object's own path to
 * introspect and dispatch: accept both. */
static MarinaStoragePool *
pool_of_volume_path(MarinaStorage *storage, const char *path)
{
    g_autofree char *parent = g_path_get_dirname(path);
    GHashTableIter iter;
    gpointer value;

    g_hash_table_iter_init(&iter, storage->pools);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        const char *subtree = ((MarinaStoragePool *)value)->volume_subtree;
        if (g_str_equal(subtree, path) || g_str_equal(subtree, parent))
            return value;
    }
    return NULL;
}

static char **
volume_enumerate(const char *path, gpointer user_data)
{
    MarinaStoragePool *pool = pool_of_volume_path(user_data, path);
    g_auto(GStrv) names = NULL;
    GPtrArray *nodes = g_ptr_array_new();

    if (pool != NULL && pool->active) {
        names = pool->backend->list_volumes(pool);
        for (char **n = names; *n != NULL; n++)
            g_ptr_array_add(nodes, marina_storage_escape(*n));
    }
    g_ptr_array_add(nodes, NULL);
    return (char **)g_ptr_array_free(nodes, FALSE);
}

static const char *
volume_for_node(MarinaStorage *storage, const char *path, const char *node,
                MarinaStoragePool **out_pool, char **out_name)
{
    MarinaStoragePool *pool = pool_of_volume_path(storage, path);
    g_autofree char *name = NULL;

    if (pool == NULL || node == NULL || !pool->active)
        return NULL;
    name = unescape(node);
    if (!marina_storage_name_is_valid(name, "volume", NULL) ||
        (!volume_exists(pool, name) && !g_hash_table_contains(pool->volumes, name)))
        return NULL;
    *out_pool = pool;
    *out_name = g_steal_pointer(&name);
    return *out_name;
}

/* Introspection must not create a volume skeleton: only a call does. */
static gboolean
volume_node_exists(const char *path, const char *node, gpointer user_data)
{
    MarinaStoragePool *pool;
    g_autofree char *name = NULL;

    return volume_for_node(user_data, path, node, &pool, &name) != NULL;
}

static GDBusInterfaceSkeleton *
volume_node_skeleton(const char *path, const char *node, gpointer user_data)
{
    MarinaStoragePool *pool;
    g_autofree char *name = NULL;

    if (volume_for_node(user_data, path, node, &pool, &name) == NULL)
        return NULL;
    return G_DBUS_INTERFACE_SKELETON(volume_skeleton(pool, name));
}

static void
register_volume_subtree(MarinaStorage *storage, StoragePeer *peer, MarinaStoragePool *pool)
{
    g_autoptr(GError) error = NULL;
    guint id = marina_subtree_register(peer->connection, pool->volume_subtree,
                                       &storage->volumes_tree, &error);

    if (id == 0) {
        g_warning("Cannot serve the volumes of pool '%s': %s", pool->config->name, error->message);
        return;
    }
    g_hash_table_insert(peer->volume_subtrees, g_strdup(pool->config->name), GUINT_TO_POINTER(id));
}

static void
storage_peer_free(StoragePeer *peer)
{
    GHashTableIter iter;
    gpointer value;

    g_hash_table_iter_init(&iter, peer->volume_subtrees);
    while (g_hash_table_iter_next(&iter, NULL, &value))
        g_dbus_connection_unregister_subtree(peer->connection, GPOINTER_TO_UINT(value));
    if (peer->pool_subtree != 0)
        g_dbus_connection_unregister_subtree(peer->connection, peer->pool_subtree);
    g_hash_table_unref(peer->volume_subtrees);
    g_object_unref(peer->connection);
    g_free(peer);
}

gboolean
marina_storage_add_peer(MarinaStorage *storage, GDBusConnection *connection, GError **error)
{
    StoragePeer *peer = g_new0(StoragePeer, 1);
    GHashTableIter iter;
    gpointer value;

    peer->connection = g_object_ref(connection);
    peer->volume_subtrees = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    peer->pool_subtree =
        marina_subtree_register(connection, POOL_SUBTREE, &storage->pools_tree, error);
    if (peer->pool_subtree == 0) {
        storage_peer_free(peer);
        return FALSE;
    }
    g_hash_table_iter_init(&iter, storage->pools);
    while (g_hash_table_iter_next(&iter, NULL, &value))
        register_volume_subtree(storage, peer, value);
    g_hash_table_insert(storage->peers, connection, peer);
    return TRUE;
}

void
marina_storage_remove_peer(MarinaStorage *storage, GDBusConnection *connection)
{
    g_hash_table_remove(storage->peers, connection);
}

static void
add_pool(MarinaStorage *storage, MarinaStoragePool *pool)
{
    GHashTableIter iter;
    gpointer value;

    pool->storage = storage;
    g_hash_table_insert(storage->pools, g_strdup(pool->config->name), pool);
    g_hash_table_iter_init(&iter, storage->peers);
    while (g_hash_table_iter_next(&iter, NULL, &value))
        register_volume_subtree(storage, value, pool);
}

static void
remove_pool(MarinaStorage *storage, MarinaStoragePool *pool)
{
    GHashTableIter iter;
    gpointer value;

    g_hash_table_iter_init(&iter, storage->peers);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        StoragePeer *peer = value;
        gpointer id = g_hash_table_lookup(peer->volume_subtrees, pool->config->name);
        if (id != NULL)
            g_dbus_connection_unregister_subtree(peer->connection, GPOINTER_TO_UINT(id));
        g_hash_table_remove(peer->volume_subtrees, pool->config->name);
    }
    /* The skeleton may be answering this very call: free from an idle. */
    g_hash_table_steal(storage->pools, pool->config->name);
    g_idle_add_once((GSourceOnceFunc)marina_storage_pool_free, pool);
}

/* ---------------------------------------------------------------------- */
/* Host methods                                                           */

static gboolean
handle_list_pools(MarinaDBusHost *host, GDBusMethodInvocation *invocation, MarinaStorage *storage)
{
    GVariantBuilder b;
    GHashTableIter iter;
    gpointer value;

    g_variant_builder_init(&b, G_VARIANT_TYPE("a(osbbttt)"));
    g_hash_table_iter_init(&iter, storage->pools);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        MarinaStoragePool *pool = value;
        refresh_sizes(pool);
        g_variant_builder_add(&b, "(osbbttt)", pool->path, pool->config->name, pool->active,
                              pool->autostart, pool->active ? pool->config->capacity : 0,
                              pool->active ? pool->config->allocation : 0,
                              pool->active ? pool->config->available : 0);
    }
    marina_dbus_host_complete_list_pools(host, invocation, g_variant_builder_end(&b));
    return TRUE;
}

static gboolean
handle_lookup_pool(MarinaDBusHost *host, GDBusMethodInvocation *invocation, const char *name,
                   MarinaStorage *storage)
{
    MarinaStoragePool *pool = g_hash_table_lookup(storage->pools, name);

    if (pool == NULL) {
        g_dbus_method_invocation_return_error(
            invocation, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
            _("There is no storage pool '%s' on this host."), name);
        return TRUE;
    }
    marina_dbus_host_complete_lookup_pool(host, invocation, pool->path);
    return TRUE;
}

static gboolean
save_pool(MarinaStorage *storage, const MarinaPoolConfig *config, GError **error)
{
    g_autofree char *path = pool_file(storage, config->name, ".xml");
    g_autofree char *xml = NULL;
    MarinaPoolConfig copy = *config;

    /* Sizes are live figures, not part of the definition. */
    copy.capacity = copy.allocation = copy.available = 0;
    xml = marina_pool_config_format(&copy);
    return marina_write_file_atomic(path, xml, strlen(xml), 0600, error);
}

static MarinaStoragePool *
define_pool(MarinaStorage *storage, MarinaPoolConfig *config, GError **error)
{
    g_autoptr(MarinaPoolConfig) owned = config;
    MarinaStoragePool *old = g_hash_table_lookup(storage->pools, config->name);
    GHashTableIter iter;
    gpointer value;

    if (marina_storage_backend_for_type(config->type) == NULL) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
                    _("Pool '%s': type '%s' is not supported by this daemon yet; use a 'dir' "
                      "pool."),
                    config->name, config->type);
        return NULL;
    }
    g_hash_table_iter_init(&iter, storage->pools);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        MarinaStoragePool *other = value;
        if (other != old && g_str_equal(other->config->uuid, config->uuid)) {
            g_set_error(error, MARINA_ERROR, MARINA_ERROR_ALREADY_EXISTS,
                        _("UUID %s is already used by pool '%s'. Remove the <uuid> element to "
                          "get a new one."),
                        config->uuid, other->config->name);
            return NULL;
        }
    }
    if (old != NULL) {
        if (old->active) {
            g_set_error(error, MARINA_ERROR, MARINA_ERROR_ALREADY_RUNNING,
                        _("Pool '%s' is active; stop it before redefining it."), config->name);
            return NULL;
        }
        g_free(config->uuid);
        config->uuid = g_strdup(old->config->uuid);
    }
    if (!save_pool(storage, config, error))
        return NULL;
    if (old != NULL) {
        marina_pool_config_free(old->config);
        old->config = g_steal_pointer(&owned);
        old->backend = marina_storage_backend_for_type(old->config->type);
        return old;
    }
    {
        MarinaStoragePool *pool = marina_storage_pool_new(storage->daemon, g_steal_pointer(&owned));
        add_pool(storage, pool);
        return pool;
    }
}

static gboolean
handle_define_pool(MarinaDBusHost *host, GDBusMethodInvocation *invocation, const char *xml,
                   MarinaStorage *storage)
{
    GError *error = NULL;
    MarinaPoolConfig *config;
    MarinaStoragePool *pool;

    if (!marina_daemon_check_writable(storage->daemon, invocation))
        return TRUE;
    config = marina_pool_config_parse(xml, -1, &error);
    if (config == NULL || (pool = define_pool(storage, config, &error)) == NULL) {
        g_dbus_method_invocation_return_gerror(invocation, error);
        g_error_free(error);
        return TRUE;
    }
    marina_dbus_host_complete_define_pool(host, invocation, pool->path);
    emit_pool_event(pool, "defined");
    return TRUE;
}

/* ---------------------------------------------------------------------- */
/* The storage of a daemon                                                */

MarinaStorage *
marina_storage_new(MarinaDaemon *daemon, const MarinaDaemonConfig *config, MarinaDBusHost *host)
{
    MarinaStorage *storage = g_new0(MarinaStorage, 1);

    storage->daemon = daemon;
    storage->config = config;
    storage->host = g_object_ref(host);
    storage->pools_dir = g_build_filename(config->state_dir, "pools", NULL);
    storage->pools = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                           (GDestroyNotify)marina_storage_pool_free);
    storage->peers = g_hash_table_new_full(NULL, NULL, NULL, (GDestroyNotify)storage_peer_free);
    storage->pools_tree = (MarinaSubtree){
        .interface_name = POOL_INTERFACE,
        .interface_info = marina_dbus_storage_pool_interface_info,
        .enumerate = pool_enumerate,
        .skeleton = pool_skeleton,
        .user_data = storage,
    };
    storage->volumes_tree = (MarinaSubtree){
        .interface_name = VOLUME_INTERFACE,
        .interface_info = marina_dbus_storage_volume_interface_info,
        .enumerate = volume_enumerate,
        .exists = volume_node_exists,
        .skeleton = volume_node_skeleton,
        .user_data = storage,
    };
    g_signal_connect(host, "handle-list-pools", G_CALLBACK(handle_list_pools), storage);
    g_signal_connect(host, "handle-lookup-pool", G_CALLBACK(handle_lookup_pool), storage);
    g_signal_connect(host, "handle-define-pool", G_CALLBACK(handle_define_pool), storage);
    return storage;
}

void
marina_storage_free(MarinaStorage *storage)
{
    if (storage == NULL)
        return;
    g_signal_handlers_disconnect_by_data(storage->host, storage);
    g_hash_table_unref(storage->peers);
    g_hash_table_unref(storage->pools);
    g_object_unref(storage->host);
    g_free(storage->pools_dir);
    g_free(storage);
}

static void
load_pool(MarinaStorage *storage, const char *name)
{
    g_autofree char *path = pool_file(storage, name, ".xml");
    g_autofree char *autostart = pool_file(storage, name, ".autostart");
    g_autofree char *xml = NULL;
    g_autoptr(GError) error = NULL;
    MarinaPoolConfig *config;
    MarinaStoragePool *pool;

    if (!g_file_get_contents(path, &xml, NULL, &error) ||
        (config = marina_pool_config_parse(xml, -1, &error)) == NULL) {
        g_warning("Skipping the pool in %s: %s", path, error->message);
        return;
    }
    if (!g_str_equal(config->name, name) || marina_storage_backend_for_type(config->type) == NULL) {
        g_warning("Skipping the pool in %s: its name or type does not fit", path);
        marina_pool_config_free(config);
        return;
    }
    pool = marina_storage_pool_new(storage->daemon, config);
    pool->autostart = g_file_test(autostart, G_FILE_TEST_EXISTS);
    add_pool(storage, pool);
    if (pool->autostart)
        pool_start(pool, NULL);
}

static void
create_default_pool(MarinaStorage *storage)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *autostart = pool_file(storage, "default", ".autostart");
    MarinaPoolConfig *config = g_new0(MarinaPoolConfig, 1);
    MarinaStoragePool *pool;

    config->type = g_strdup("dir");
    config->name = g_strdup("default");
    config->uuid = g_uuid_string_random();
    config->target_path = g_build_filename(storage->config->state_dir, "images", NULL);
    if ((pool = define_pool(storage, config, &error)) == NULL ||
        !marina_write_file_atomic(autostart, "", 0, 0600, &error)) {
        g_warning("Cannot create the default storage pool: %s", error->message);
        return;
    }
    pool->autostart = TRUE;
    pool_start(pool, NULL);
}

static GPtrArray *
list_pool_files(const char *dir)
{
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *file;

    while (d != NULL && (file = g_dir_read_name(d)) != NULL) {
        g_autofree char *name = NULL;
        if (!g_str_has_suffix(file, ".xml"))
            continue;
        name = g_strndup(file, strlen(file) - 4);
        /* Only files we wrote: a stray "notes~.xml" is not a pool. */
        if (marina_storage_name_is_valid(name, "pool", NULL))
            g_ptr_array_add(names, g_steal_pointer(&name));
    }
    return names;
}

void
marina_storage_load(MarinaStorage *storage)
{
    gboolean first = !g_file_test(storage->pools_dir, G_FILE_TEST_IS_DIR);
    g_autoptr(GPtrArray) names = NULL;

    if (g_mkdir_with_parents(storage->pools_dir, 0700) != 0) {
        g_warning("Cannot create %s: %s", storage->pools_dir, g_strerror(errno));
        return;
    }
    /* Only on the very first start: a user who undefines 'default' keeps it gone. */
    if (first) {
        create_default_pool(storage);
        return;
    }
    names = list_pool_files(storage->pools_dir);
    for (guint i = 0; i < names->len; i++)
        load_pool(storage, g_ptr_array_index(names, i));
}
