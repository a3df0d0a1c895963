/* Whole-buffer reads and writes on a descriptor (see fd-io.h). */

#include "config.h"

#include <errno.h>
#include <poll.h>
#include <unistd.h>

#include "fd-io.h"

/* One loop for both ways: they differ only in the call and in what poll() waits for. */
static gboolean
transfer_all(int fd, guint8 *p, gsize size, gboolean writing)
{
    while (size > 0) {
        ssize_t n = writing ? write(fd, p, size) : read(fd, p, size);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            struct pollfd pfd = {.fd = fd, .events = writing ? POLLOUT : POLLIN};

            poll(&pfd, 1, -1);
            continue;
        }
        if (n <= 0)
            return FALSE;
        p += n;
        size -= (gsize)n;
    }
    return TRUE;
}

gboolean
marina_fd_write_all(int fd, const void *data, gsize size)
{
    /* The cast only lets the one loop serve both ways: writing never stores into @data. */
    return transfer_all(fd, (guint8 *)data, size, TRUE);
}

gboolean
marina_fd_read_all(int fd, void *data, gsize size)
{
    return transfer_all(fd, data, size, FALSE);
}
