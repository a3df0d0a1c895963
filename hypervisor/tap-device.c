#define G_LOG_DOMAIN "marinad"

#include "config.h"
#include "tap-device.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/error.h"

static gboolean
fail(GError **error, int err, const char *format, const char *a, const char *b)
{
    g_autofree char *what = g_strdup_printf(format, a, b);

    g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED, "%s: %s", what,
                g_strerror(err));
    return FALSE;
}

static void
ifreq_name(struct ifreq *ifr, const char *name)
{
    memset(ifr, 0, sizeof(*ifr));
    g_strlcpy(ifr->ifr_name, name, IFNAMSIZ);
}

/* Up, with the bridge's MTU, then enslaved to it. */
static gboolean
join_bridge(int sock, const char *tap, const char *bridge, GError **error)
{
    struct ifreq ifr;

    ifreq_name(&ifr, bridge);
    if (ioctl(sock, SIOCGIFMTU, &ifr) == 0) {
        int mtu = ifr.ifr_mtu;
        ifreq_name(&ifr, tap);
        ifr.ifr_mtu = mtu;
        if (ioctl(sock, SIOCSIFMTU, &ifr) != 0)
            g_info("Could not give tap %s the MTU %d of bridge %s: %s", tap, mtu, bridge,
                   g_strerror(errno));
    }
    ifreq_name(&ifr, bridge);
    ifr.ifr_ifindex = (int)if_nametoindex(tap);
    if (ifr.ifr_ifindex == 0 || ioctl(sock, SIOCBRADDIF, &ifr) != 0)
        return fail(error, errno, _("Cannot add the guest's tap device %s to %s (is it a bridge?)"),
                    tap, bridge);
    ifreq_name(&ifr, tap);
    if (ioctl(sock, SIOCGIFFLAGS, &ifr) != 0)
        return fail(error, errno, _("Cannot read the state of tap device %s%s"), tap, "");
    ifr.ifr_flags |= IFF_UP;
    if (ioctl(sock, SIOCSIFFLAGS, &ifr) != 0)
        return fail(error, errno, _("Cannot bring up tap device %s%s"), tap, "");
    return TRUE;
}

int
marina_tap_open_on_bridge(const char *bridge, const char *wanted_name, char **name, GError **error)
{
    struct ifreq ifr;
    int fd, sock;

    if (if_nametoindex(bridge) == 0) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                    _("The bridge %s does not exist on this host. Create it (for example "
                      "'ip link add %s type bridge'), or choose another network."),
                    bridge, bridge);
        return -1;
    }
    fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        fail(error, errno, _("Cannot open %s to make a tap device for bridge %s"), "/dev/net/tun",
             bridge);
        return -1;
    }
    ifreq_name(&ifr, wanted_name != NULL ? wanted_name : "vnet%d");
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    if (ioctl(fd, TUNSETIFF, &ifr) != 0) {
        fail(error, errno, _("Cannot create tap device %s for bridge %s"), ifr.ifr_name, bridge);
        close(fd);
        return -1;
    }
    sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (sock < 0 || !join_bridge(sock, ifr.ifr_name, bridge, error)) {
        if (sock < 0)
            fail(error, errno, _("Cannot configure tap device %s%s"), ifr.ifr_name, "");
        else
            close(sock);
        close(fd); /* the tap is not persistent: closing removes it */
        return -1;
    }
    close(sock);
    *name = g_strdup(ifr.ifr_name);
    return fd;
}
