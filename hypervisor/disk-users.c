#define G_LOG_DOMAIN "marinad-storage"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "disk-users.h"

/* How far a chain of backing files is followed (QEMU's own limit is larger,
 * but chains that long are not made by people). */
#define BACKING_DEPTH_MAX 16
/* QEMU refuses longer backing file names. */
#define BACKING_NAME_MAX 1023
/* Header and extensions are read from the file's start, up to this much. */
#define HEADER_READ 4096
#define QCOW2_EXT_END 0x00000000u
#define QCOW2_EXT_BACKING_FORMAT 0xe2792acau

struct _MarinaDiskUsers {
    GHashTable *by_path; /* canonical path -> GHashTable* (guest name -> GINT_TO_POINTER(active)) */
    GHashTable *chains;  /* "q:"/"r:" + source as written -> GPtrArray* of canonical paths */
};

MarinaDiskUsers *
marina_disk_users_new(void)
{
    MarinaDiskUsers *users = g_new0(MarinaDiskUsers, 1);

    users->by_path =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_hash_table_unref);
    users->chains =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_ptr_array_unref);
    return users;
}

void
marina_disk_users_free(MarinaDiskUsers *users)
{
    if (users == NULL)
        return;
    g_hash_table_unref(users->by_path);
    g_hash_table_unref(users->chains);
    g_free(users);
}

/* The one spelling of @path: links resolved when it exists, else "." ".."
 * and "//" removed. NULL for a relative path (nothing a disk can be). */
static char *
canonical_path(const char *path)
{
    char *real;
    char *copy;

    if (path == NULL || !g_path_is_absolute(path))
        return NULL;
    real = realpath(path, NULL);
    if (real == NULL)
        return g_canonicalize_filename(path, NULL);
    copy = g_strdup(real);
    free(real);
    return copy;
}

static guint32
be32(const guchar *p)
{
    return ((guint32)p[0] << 24) | ((guint32)p[1] << 16) | ((guint32)p[2] << 8) | p[3];
}

static guint64
be64(const guchar *p)
{
    return ((guint64)be32(p) << 32) | be32(p + 4);
}

/* FALSE when the header extensions say the backing file is raw: then it is
 * not read as qcow2, whatever its first bytes are (a guest writes those). */
static gboolean
backing_may_be_qcow2(const guchar *header, gsize len)
{
    guint32 version = be32(header + 4);
    gsize pos = version >= 3 && len >= 104 ? be32(header + 100) : 72;

    for (guint n = 0; n < 64 && pos + 8 <= len; n++) {
        guint32 type = be32(header + pos);
        guint32 size = be32(header + pos + 4);

        if (type == QCOW2_EXT_END)
            break;
        if (type == QCOW2_EXT_BACKING_FORMAT && pos + 8 + size <= len)
            return !(size == 3 && memcmp(header + pos + 8, "raw", 3) == 0);
        pos += 8 + (((gsize)size + 7) & ~(gsize)7);
    }
    return TRUE;
}

/* The backing file a qcow2 image at @path names, made absolute against the
 * image's directory as QEMU does; NULL when it has none or cannot be read.
 * @qcow2_next: whether that backing file is itself to be read as qcow2. Only
 * regular files are opened, and without blocking: a FIFO or device named as
 * a disk must not stall the daemon. */
static char *
qcow2_backing_file(const char *path, gboolean *qcow2_next)
{
    guchar header[HEADER_READ];
    g_autofree char *name = NULL;
    struct stat st;
    guint64 offset;
    guint32 size;
    gssize n;
    int fd;

    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return NULL;
    fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
        (n = pread(fd, header, sizeof header, 0)) < 72 || memcmp(header, "QFI\xfb", 4) != 0) {
        close(fd);
        return NULL;
    }
    offset = be64(header + 8);
    size = be32(header + 16);
    if (offset == 0 || size == 0 || size > BACKING_NAME_MAX || offset > (guint64)st.st_size) {
        close(fd);
        return NULL;
    }
    name = g_malloc0(size + 1);
    if (pread(fd, name, size, (off_t)offset) != (gssize)size || memchr(name, '\0', size) != NULL) {
        close(fd);
        return NULL;
    }
    close(fd);
    /* "json:{...}" and protocol URLs (nbd://, http://) are not files here. */
    if (g_str_has_prefix(name, "json:") || strstr(name, "://") != NULL)
        return NULL;
    *qcow2_next = backing_may_be_qcow2(header, (gsize)n);
    if (g_path_is_absolute(name))
        return g_steal_pointer(&name);
    {
        g_autofree char *dir = g_path_get_dirname(path);
        return g_build_filename(dir, name, NULL);
    }
}

static gboolean
chain_has(GPtrArray *chain, const char *path)
{
    for (guint i = 0; i < chain->len; i++) {
        if (g_str_equal(chain->pdata[i], path))
            return TRUE;
    }
    return FALSE;
}

/* @source and the backing files behind it (when @qcow2), canonical; a loop
 * or an unreadable file ends the chain. */
static GPtrArray *
read_chain(const char *source, gboolean qcow2)
{
    GPtrArray *chain = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *current = g_strdup(source);

    for (guint depth = 0; current != NULL && depth <= BACKING_DEPTH_MAX; depth++) {
        g_autofree char *canonical = canonical_path(current);
        char *next = NULL;

        if (canonical == NULL || chain_has(chain, canonical))
            break;
        g_ptr_array_add(chain, g_steal_pointer(&canonical));
        if (qcow2)
            next = qcow2_backing_file(current, &qcow2);
        g_free(current);
        current = next;
    }
    return chain;
}

/* The chain of a disk, read once per source even when many guests share it. */
static GPtrArray *
disk_chain(MarinaDiskUsers *users, const MarinaDiskConfig *disk)
{
    gboolean qcow2 = g_strcmp0(disk->format, "qcow2") == 0;
    g_autofree char *key = g_strconcat(qcow2 ? "q:" : "r:", disk->source, NULL);
    GPtrArray *chain = g_hash_table_lookup(users->chains, key);

    if (chain == NULL) {
        chain = read_chain(disk->source, qcow2);
        g_hash_table_insert(users->chains, g_steal_pointer(&key), chain);
    }
    return chain;
}

static void
add_use(MarinaDiskUsers *users, const char *path, const char *name, gboolean active)
{
    GHashTable *guests = g_hash_table_lookup(users->by_path, path);

    if (guests == NULL) {
        guests = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        g_hash_table_insert(users->by_path, g_strdup(path), guests);
    }
    /* A guest is active for every disk it has while it runs. */
    if (active || !g_hash_table_contains(guests, name))
        g_hash_table_insert(guests, g_strdup(name), GINT_TO_POINTER(active));
}

static void
add_config(MarinaDiskUsers *users, const char *name, gboolean active,
           const MarinaDomainConfig *config)
{
    if (config == NULL || config->disks == NULL)
        return;
    for (guint i = 0; i < config->disks->len; i++) {
        const MarinaDiskConfig *disk = config->disks->pdata[i];
        GPtrArray *chain;

        if (disk->source == NULL)
            continue;
        chain = disk_chain(users, disk);
        for (guint j = 0; j < chain->len; j++)
            add_use(users, chain->pdata[j], name, active);
    }
}

void
marina_disk_users_add_guest(MarinaDiskUsers *users, const char *name, gboolean active,
                            const MarinaDomainConfig *def, const MarinaDomainConfig *live)
{
    g_return_if_fail(users != NULL && name != NULL);

    /* A disk only the definition has is not open while the guest runs: it is
     * used, but does not make the guest an active user. */
    add_config(users, name, FALSE, def);
    add_config(users, name, active, live != NULL ? live : (active ? def : NULL));
}

static int
compare_names(gconstpointer a, gconstpointer b)
{
    return g_strcmp0(*(const char *const *)a, *(const char *const *)b);
}

char **
marina_disk_users_lookup(MarinaDiskUsers *users, const char *path, gboolean active_only)
{
    g_autofree char *canonical = canonical_path(path);
    GPtrArray *names = g_ptr_array_new();
    GHashTable *guests = canonical != NULL ? g_hash_table_lookup(users->by_path, canonical) : NULL;

    if (guests != NULL) {
        GHashTableIter iter;
        gpointer key, value;

        g_hash_table_iter_init(&iter, guests);
        while (g_hash_table_iter_next(&iter, &key, &value)) {
            if (!active_only || GPOINTER_TO_INT(value))
                g_ptr_array_add(names, g_strdup(key));
        }
        g_ptr_array_sort(names, compare_names);
    }
    g_ptr_array_add(names, NULL);
    return (char **)g_ptr_array_free(names, FALSE);
}
