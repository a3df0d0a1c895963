#define G_LOG_DOMAIN "marinad"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "pci-vfio.h"

static char *
device_dir(const char *root, const char *address)
{
    return g_build_filename(root, "bus", "pci", "devices", address, NULL);
}

gboolean
marina_pci_address_is_valid(const char *address)
{
    static GRegex *re;

    if (g_once_init_enter(&re))
        g_once_init_leave(&re, g_regex_new("^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\\.[0-7]$",
                                           G_REGEX_OPTIMIZE, 0, NULL));
    return address != NULL && g_regex_match(re, address, 0, NULL);
}

gboolean
marina_pci_device_exists(const char *root, const char *address)
{
    g_autofree char *dir = device_dir(root, address);

    return marina_pci_address_is_valid(address) && g_file_test(dir, G_FILE_TEST_IS_DIR);
}

char *
marina_pci_current_driver(const char *root, const char *address)
{
    g_autofree char *dir = device_dir(root, address);
    g_autofree char *link = g_build_filename(dir, "driver", NULL);
    g_autofree char *target = g_file_read_link(link, NULL);

    return target != NULL ? g_path_get_basename(target) : g_strdup("");
}

/* sysfs attributes are written in place, once, like `echo VALUE > FILE`;
 * the kernel answers a refused value with the write's error. */
static gboolean
write_attr(const char *path, const char *value, GError **error)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0200);
    gsize len = strlen(value);
    gboolean ok = fd >= 0 && write(fd, value, len) == (gssize)len;
    int saved = errno;

    if (fd >= 0 && close(fd) != 0 && ok) {
        ok = FALSE;
        saved = errno;
    }
    if (ok)
        return TRUE;
    g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED, _("Cannot write %s: %s"), path,
                g_strerror(saved));
    return FALSE;
}

static gboolean
check_address(const char *address, GError **error)
{
    if (marina_pci_address_is_valid(address))
        return TRUE;
    g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                _("'%s' is not a PCI address such as 0000:01:00.0."), address);
    return FALSE;
}

static gboolean
is_driver_name(const char *driver)
{
    return driver[0] != '\0' && strchr(driver, '/') == NULL && strcmp(driver, ".") != 0 &&
           strcmp(driver, "..") != 0;
}

gboolean
marina_pci_bind_vfio(const char *root, const char *address, const char *driver, GError **error)
{
    g_autofree char *dir = device_dir(root, address);
    g_autofree char *override = g_build_filename(dir, "driver_override", NULL);
    g_autofree char *unbind = g_build_filename(dir, "driver", "unbind", NULL);
    g_autofree char *probe = g_build_filename(root, "bus", "pci", "drivers_probe", NULL);

    if (!check_address(address, error) || !write_attr(override, "vfio-pci", error))
        return FALSE;
    if (driver[0] != '\0' && !write_attr(unbind, address, error))
        return FALSE;
    return write_attr(probe, address, error);
}

gboolean
marina_pci_release_vfio(const char *root, const char *address, const char *original, GError **error)
{
    g_autofree char *dir = device_dir(root, address);
    g_autofree char *override = g_build_filename(dir, "driver_override", NULL);
    g_autofree char *current = NULL;
    g_autofree char *bind = NULL;
    g_autofree char *probe = g_build_filename(root, "bus", "pci", "drivers_probe", NULL);

    if (!check_address(address, error))
        return FALSE;
    /* Without the override the kernel would hand it straight back to vfio-pci. */
    if (!write_attr(override, "\n", error))
        return FALSE;
    current = marina_pci_current_driver(root, address);
    if (g_str_equal(current, "vfio-pci")) {
        g_autofree char *unbind = g_build_filename(dir, "driver", "unbind", NULL);

        if (!write_attr(unbind, address, error))
            return FALSE;
    }
    if (!is_driver_name(original))
        return TRUE;
    bind = g_build_filename(root, "bus", "pci", "drivers", original, "bind", NULL);
    if (g_file_test(bind, G_FILE_TEST_EXISTS))
        return write_attr(bind, address, error);
    /* The driver is gone (module unloaded): let the kernel choose. */
    return write_attr(probe, address, error);
}
