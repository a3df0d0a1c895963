/* SPDX-License-Identifier: GPL-2.0-or-later */
/* marina-askpass: the SSH_ASKPASS program of the ssh processes Marina starts.
 * ssh runs it with the question as argv[1]; it passes the question to the
 * running application over MARINA_ASKPASS_SOCKET, waits for the person's
 * answer and prints it (exit 0), or exits 1 when they cancel or the
 * application is gone. The answer never appears anywhere but on stdout,
 * which ssh reads. See src/core/askpass-protocol.h for the wire format. */
#include "config.h"

#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "askpass-protocol.h"
#include "fd-io.h"

static int
connect_to(const char *path)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    int fd;

    if (strlen(path) >= sizeof addr.sun_path) {
        g_printerr("marina-askpass: the socket path is too long\n");
        return -1;
    }
    strcpy(addr.sun_path, path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        g_printerr("marina-askpass: cannot reach Marina (%s); is it still running?\n",
                   g_strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

/* The answer, or NULL when cancelled or the application went away. */
static char *
ask(int fd, const char *prompt, const char *token, const char *hint)
{
    g_autoptr(GBytes) request = marina_askpass_encode_request(token, prompt, hint);
    guint8 header[MARINA_ASKPASS_HEADER_SIZE];
    guint8 body[1 + MARINA_ASKPASS_MAX_ANSWER];
    gsize len = 0;
    gboolean answered = FALSE;
    char *answer = NULL;
    gboolean ok;

    if (!marina_fd_write_all(fd, g_bytes_get_data(request, NULL), g_bytes_get_size(request)))
        return NULL;
    /* No timeout: a person may take their time. A closed socket (Marina
     * quit, the dialog's connection was abandoned) ends the wait. */
    if (!marina_fd_read_all(fd, header, sizeof header) ||
        !marina_askpass_parse_header(header, sizeof header, &len, NULL) || len > sizeof body ||
        !marina_fd_read_all(fd, body, len))
        return NULL;
    ok = marina_askpass_decode_reply(body, len, &answered, &answer, NULL);
    explicit_bzero(body, sizeof body);
    return ok && answered ? answer : NULL;
}

int
main(int argc, char **argv)
{
    const char *socket_path = g_getenv("MARINA_ASKPASS_SOCKET");
    const char *token = g_getenv("MARINA_ASKPASS_TOKEN");
    const char *hint = g_getenv("SSH_ASKPASS_PROMPT");
    char *answer;
    gboolean printed;
    int fd;

    if (socket_path == NULL || *socket_path == '\0') {
        g_printerr("marina-askpass: Marina runs this program for ssh; it is not meant to be run "
                   "by hand (MARINA_ASKPASS_SOCKET is not set).\n");
        return 1;
    }
    fd = connect_to(socket_path);
    if (fd < 0)
        return 1;
    answer = ask(fd, argc > 1 ? argv[1] : "", token != NULL ? token : "", hint);
    close(fd);
    if (answer == NULL)
        return 1;
    printed = fputs(answer, stdout) >= 0 && fputc('\n', stdout) != EOF && fflush(stdout) == 0;
    marina_askpass_free_secret(answer);
    return printed ? 0 : 1;
}
