#define G_LOG_DOMAIN "marinad-iso"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "iso-inspect.h"

/* Volume descriptor types (ECMA-119 8.1.1). */
#define VD_BOOT_RECORD 0
#define VD_PRIMARY 1
#define VD_TERMINATOR 255

#define EL_TORITO_ID "EL TORITO SPECIFICATION"

void
marina_iso_info_free(MarinaIsoInfo *info)
{
    if (info == NULL)
        return;
    g_free(info->volume_id);
    g_free(info->system_id);
    g_free(info->publisher_id);
    g_free(info->application_id);
    g_free(info);
}

/* An identifier field: blank (or NUL) padded on the right. Anything but
 * printable ASCII becomes '?', so the result is always valid UTF-8 for
 * D-Bus and cannot carry control characters into a log or a label. */
static char *
clean_id(const guint8 *field, gsize len)
{
    char *out;

    while (len > 0 && (field[len - 1] == ' ' || field[len - 1] == '\0'))
        len--;
    out = g_malloc(len + 1);
    for (gsize i = 0; i < len; i++)
        out[i] = field[i] >= 0x20 && field[i] < 0x7f ? (char)field[i] : '?';
    out[len] = '\0';
    return out;
}

static guint32
le32(const guint8 *p)
{
    return (guint32)p[0] | (guint32)p[1] << 8 | (guint32)p[2] << 16 | (guint32)p[3] << 24;
}

static guint32
be32(const guint8 *p)
{
    return (guint32)p[3] | (guint32)p[2] << 8 | (guint32)p[1] << 16 | (guint32)p[0] << 24;
}

/* The size the primary descriptor claims, from its "both-byte order"
 * fields; 0 when the two halves disagree or the block size is not one
 * ISO 9660 allows, so a malformed descriptor never fakes a size. */
static guint64
volume_size(const guint8 *pvd)
{
    guint32 blocks = le32(pvd + 80);
    guint16 block_size = (guint16)(pvd[128] | pvd[129] << 8);
    guint16 block_size_be = (guint16)(pvd[130] << 8 | pvd[131]);

    if (blocks != be32(pvd + 84) || block_size != block_size_be)
        return 0;
    if (block_size != 512 && block_size != 1024 && block_size != 2048)
        return 0;
    return (guint64)blocks * block_size;
}

static void
set_not_iso(GError **error, const char *name)
{
    g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                _("%s is not an ISO 9660 CD/DVD image. Choose an installation ISO file or a "
                  "CD/DVD drive with a disc in it."),
                name);
}

MarinaIsoInfo *
marina_iso_parse_descriptors(const guint8 *data, gsize len, const char *name, GError **error)
{
    g_autoptr(MarinaIsoInfo) info = g_new0(MarinaIsoInfo, 1);
    gboolean have_primary = FALSE;
    gsize count = MIN(len / MARINA_ISO_SECTOR_SIZE, MARINA_ISO_MAX_DESCRIPTORS);

    g_return_val_if_fail(data != NULL || len == 0, NULL);

    for (gsize i = 0; i < count; i++) {
        const guint8 *vd = data + i * MARINA_ISO_SECTOR_SIZE;

        /* Every descriptor carries the standard identifier; the set ends
         * at the first sector without it even if the terminator is missing
         * (UDF's "BEA01" area follows the terminator, for instance). */
        if (memcmp(vd + 1, "CD001", 5) != 0)
            break;
        if (vd[0] == VD_TERMINATOR)
            break;
        if (vd[0] == VD_BOOT_RECORD) {
            /* Boot system identifier (offset 7, 32 bytes, NUL padded). */
            if (memcmp(vd + 7, EL_TORITO_ID, strlen(EL_TORITO_ID)) == 0)
                info->bootable = TRUE;
        } else if (vd[0] == VD_PRIMARY && !have_primary) {
            /* Only the first one counts: a second primary descriptor is
             * not allowed and could only be an attempt to confuse. */
            have_primary = TRUE;
            info->system_id = clean_id(vd + 8, 32);
            info->volume_id = clean_id(vd + 40, 32);
            info->publisher_id = clean_id(vd + 318, 128);
            info->application_id = clean_id(vd + 574, 128);
            info->volume_size = volume_size(vd);
        }
        /* Supplementary (Joliet), partition and unknown types: nothing we use. */
    }
    if (!have_primary) {
        set_not_iso(error, name);
        return NULL;
    }
    return g_steal_pointer(&info);
}

static void
set_errno_error(GError **error, const char *path, int saved)
{
    if (saved == ENOENT || saved == ENOTDIR)
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("%s does not exist. Check the path, or choose another ISO image."), path);
#ifdef ENOMEDIUM
    else if (saved == ENOMEDIUM)
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("%s has no disc in it. Insert a disc, or choose an ISO image."), path);
#endif
    else
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("%s cannot be read: %s. Check its permissions, or choose another ISO "
                      "image."),
                    path, g_strerror(saved));
}

/* Only regular files and block devices (a CD/DVD drive, a volume on LVM)
 * can be install media; anything else could block (a FIFO), have side
 * effects when opened (a tape, a serial line) or never end (/dev/zero). */
static gboolean
check_type(const struct stat *st, const char *path, GError **error)
{
    if (S_ISREG(st->st_mode) || S_ISBLK(st->st_mode))
        return TRUE;
    if (S_ISDIR(st->st_mode))
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("%s is a directory. Choose an ISO image file in it, or a CD/DVD drive."),
                    path);
    else
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("%s is neither a file nor a block device. Choose an ISO image file or a "
                      "CD/DVD drive."),
                    path);
    return FALSE;
}

/* pread until @len bytes or the end; returns the count, -1 on error. */
static gssize
read_at(int fd, guint8 *buf, gsize len, off_t offset)
{
    gsize done = 0;

    while (done < len) {
        ssize_t n = pread(fd, buf + done, len - done, offset + (off_t)done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        done += (gsize)n;
    }
    return (gssize)done;
}

MarinaIsoInfo *
marina_iso_inspect_path(const char *path, GError **error)
{
    g_autofree guint8 *buf = NULL;
    g_autoptr(MarinaIsoInfo) info = NULL;
    struct stat st;
    gsize want = (gsize)MARINA_ISO_MAX_DESCRIPTORS * MARINA_ISO_SECTOR_SIZE;
    gssize got;
    off_t end;
    int fd;

    g_return_val_if_fail(path != NULL, NULL);

    /* Look before opening, so a FIFO or a character device is never
     * opened at all; then check the opened file again (it may have been
     * replaced in between). */
    if (g_stat(path, &st) != 0) {
        set_errno_error(error, path, errno);
        return NULL;
    }
    if (!check_type(&st, path, error))
        return NULL;
    fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        set_errno_error(error, path, errno);
        return NULL;
    }
    if (fstat(fd, &st) != 0 || !check_type(&st, path, error)) {
        if (error != NULL && *error == NULL)
            set_errno_error(error, path, errno);
        close(fd);
        return NULL;
    }
    /* A block device's st_size is 0: ask where its end is. */
    end = S_ISREG(st.st_mode) ? st.st_size : lseek(fd, 0, SEEK_END);
    if (end < 0) {
        set_errno_error(error, path, errno);
        close(fd);
        return NULL;
    }
    if ((guint64)end < MARINA_ISO_DESCRIPTORS_OFFSET + MARINA_ISO_SECTOR_SIZE) {
        close(fd);
        set_not_iso(error, path);
        return NULL;
    }
    want = MIN(want, (gsize)(end - MARINA_ISO_DESCRIPTORS_OFFSET));
    buf = g_malloc(want);
    got = read_at(fd, buf, want, MARINA_ISO_DESCRIPTORS_OFFSET);
    if (got < 0) {
        int saved = errno;
        close(fd);
        g_debug("Reading the descriptors of %s: %s", path, g_strerror(saved));
        set_errno_error(error, path, saved);
        return NULL;
    }
    close(fd);
    info = marina_iso_parse_descriptors(buf, (gsize)got, path, error);
    if (info == NULL)
        return NULL;
    info->size = (guint64)end;
    /* An interrupted download still has its descriptors but would fail
     * halfway through an installation: say so now. */
    if (info->volume_size > info->size) {
        g_autofree char *need = g_format_size(info->volume_size);
        g_autofree char *have = g_format_size(info->size);
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("%s is incomplete: the image is %s but the file holds only %s. Download "
                      "it again."),
                    path, need, have);
        return NULL;
    }
    return g_steal_pointer(&info);
}

GVariant *
marina_iso_info_to_variant(const MarinaIsoInfo *info, const char *path)
{
    GVariantDict d;

    g_variant_dict_init(&d, NULL);
    g_variant_dict_insert(&d, "path", "s", path);
    g_variant_dict_insert(&d, "size", "t", info->size);
    g_variant_dict_insert(&d, "bootable", "b", info->bootable);
    g_variant_dict_insert(&d, "volume-id", "s", info->volume_id ? info->volume_id : "");
    g_variant_dict_insert(&d, "system-id", "s", info->system_id ? info->system_id : "");
    g_variant_dict_insert(&d, "publisher-id", "s", info->publisher_id ? info->publisher_id : "");
    g_variant_dict_insert(&d, "application-id", "s",
                          info->application_id ? info->application_id : "");
    return g_variant_dict_end(&d);
}
