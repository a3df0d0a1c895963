#define G_LOG_DOMAIN "marinad-save"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "fd-util.h"
#include "save-image.h"

#define SAVE_MAGIC "MarinaSaveImage\n"
#define SAVE_VERSION 1
#define SAVE_ALIGN 4096
#define SAVE_FLAG_RUNNING 1

typedef struct {
    char magic[16];
    guint32 version;
    guint32 flags;
    guint32 xml_len;
    guint32 reserved;
    guint64 data_offset;
} SaveHeader;

/* Whole sentences per direction: a translator cannot conjugate a verb
 * pasted in as English. */
static gboolean
io_error(GError **error, gboolean writing)
{
    int saved = errno;
    const char *reason = saved ? g_strerror(saved) : _("the file is too short");

    if (writing)
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                    _("Cannot write the save image: %s"), reason);
    else
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                    _("Cannot read the save image: %s"), reason);
    return FALSE;
}

static gboolean
read_full(int fd, void *buf, gsize len)
{
    guint8 *p = buf;

    errno = 0;
    while (len > 0) {
        ssize_t n = read(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return FALSE;
        p += n;
        len -= (gsize)n;
    }
    return TRUE;
}

gboolean
marina_save_image_write_header(int fd, const MarinaDomainConfig *config, gboolean running,
                               GError **error)
{
    g_autofree char *xml = marina_domain_config_to_xml(config);
    SaveHeader h = {0};
    gsize xml_len = strlen(xml);
    guint64 end = sizeof h + xml_len;

    memcpy(h.magic, SAVE_MAGIC, sizeof h.magic);
    h.version = GUINT32_TO_LE(SAVE_VERSION);
    h.flags = GUINT32_TO_LE(running ? SAVE_FLAG_RUNNING : 0);
    h.xml_len = GUINT32_TO_LE((guint32)xml_len);
    h.data_offset = GUINT64_TO_LE((end + SAVE_ALIGN - 1) / SAVE_ALIGN * SAVE_ALIGN);

    if (lseek(fd, 0, SEEK_SET) < 0 || !marina_write_all_fd(fd, &h, sizeof h) ||
        !marina_write_all_fd(fd, xml, xml_len))
        return io_error(error, TRUE);
    if (lseek(fd, (off_t)GUINT64_FROM_LE(h.data_offset), SEEK_SET) < 0)
        return io_error(error, TRUE);
    return TRUE;
}

MarinaDomainConfig *
marina_save_image_read_header(int fd, gboolean *running, GError **error)
{
    SaveHeader h;
    g_autofree char *xml = NULL;
    guint32 xml_len;
    guint64 offset;

    if (!read_full(fd, &h, sizeof h)) {
        io_error(error, FALSE);
        return NULL;
    }
    if (memcmp(h.magic, SAVE_MAGIC, sizeof h.magic) != 0) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("This file is not a Marina save image. Choose a file written by "
                      "'marinactl save' or the Save action."));
        return NULL;
    }
    if (GUINT32_FROM_LE(h.version) != SAVE_VERSION) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
                    _("The save image has format version %u; this Marina reads version %u."),
                    GUINT32_FROM_LE(h.version), SAVE_VERSION);
        return NULL;
    }
    xml_len = GUINT32_FROM_LE(h.xml_len);
    offset = GUINT64_FROM_LE(h.data_offset);
    if (xml_len == 0 || xml_len > MARINA_DOMAIN_XML_MAX || offset < sizeof h + xml_len ||
        offset % SAVE_ALIGN != 0 || offset > sizeof h + xml_len + SAVE_ALIGN) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("The save image header is damaged (impossible sizes)."));
        return NULL;
    }
    xml = g_malloc(xml_len + 1);
    if (!read_full(fd, xml, xml_len)) {
        io_error(error, FALSE);
        return NULL;
    }
    xml[xml_len] = '\0';
    if (lseek(fd, (off_t)offset, SEEK_SET) < 0) {
        io_error(error, FALSE);
        return NULL;
    }
    if (running != NULL)
        *running = (GUINT32_FROM_LE(h.flags) & SAVE_FLAG_RUNNING) != 0;
    return marina_domain_config_parse(xml, xml_len, NULL, error);
}
