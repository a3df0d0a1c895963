/* marinactl console: an interactive serial console over the descriptor
 * marina_domain_open_serial_async() gives, for a local guest and a remote
 * (marina+ssh://) one alike: the stream ends when the guest side goes away. */

#define G_LOG_DOMAIN "marinactl"

#include "config.h"

#include <errno.h>
#include <glib-unix.h>
#include <glib/gi18n.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "commands.h"
#include "error.h"

#define ESCAPE_CHAR 0x1d /* Ctrl + ] */
#define RELAY_BUFFER_SIZE 4096
/* After EOF on a piped stdin, keep showing guest output until it has been
 * quiet this long (the answer to the last command), but no longer than the cap. */
#define LINGER_QUIET_MS 500
#define LINGER_MAX_MS 5000

typedef struct {
    GMainLoop *loop;
    int guest_fd;
    guint stdin_watch;
    guint guest_watch;
    guint quiet_timer;
    guint linger_cap;
    guint signal_watches[3];
    gboolean lingering;
} Console;

/* The terminal's settings before raw mode; static so that every exit path
 * (atexit included) can put them back. */
static struct termios saved_termios;
static gboolean termios_saved;

static void
restore_terminal(void)
{
    if (termios_saved) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_termios);
        termios_saved = FALSE;
    }
}

static void
enter_raw_mode(void)
{
    struct termios raw;

    if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_termios) != 0)
        return;
    termios_saved = TRUE;
    atexit(restore_terminal);
    raw = saved_termios;
    cfmakeraw(&raw);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw);
}

/* Writes everything, waiting when the descriptor is non-blocking and full. */
static gboolean
write_all(int fd, const char *data, gsize size)
{
    while (size > 0) {
        ssize_t n = write(fd, data, size);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            struct pollfd pfd = {.fd = fd, .events = POLLOUT};
            poll(&pfd, 1, -1);
            continue;
        }
        if (n <= 0)
            return FALSE;
        data += n;
        size -= (gsize)n;
    }
    return TRUE;
}

static void
leave(Console *console)
{
    g_main_loop_quit(console->loop);
}

static gboolean
on_linger_done(gpointer user_data)
{
    Console *console = user_data;

    console->quiet_timer = 0;
    console->linger_cap = 0;
    leave(console);
    return G_SOURCE_REMOVE;
}

static void
restart_quiet_timer(Console *console)
{
    g_clear_handle_id(&console->quiet_timer, g_source_remove);
    console->quiet_timer = g_timeout_add(LINGER_QUIET_MS, on_linger_done, console);
}

static gboolean
on_guest_output(int fd, GIOCondition condition, gpointer user_data)
{
    Console *console = user_data;
    char buf[RELAY_BUFFER_SIZE];
    ssize_t n;

    do
        n = read(fd, buf, sizeof(buf));
    while (n < 0 && errno == EINTR);
    /* The guest side closed (domain stopped, daemon went away), or stdout is gone. */
    if (n <= 0 || !write_all(STDOUT_FILENO, buf, (gsize)n)) {
        console->guest_watch = 0;
        leave(console);
        return G_SOURCE_REMOVE;
    }
    if (console->lingering)
        restart_quiet_timer(console);
    return G_SOURCE_CONTINUE;
}

static void
start_lingering(Console *console)
{
    console->lingering = TRUE;
    restart_quiet_timer(console);
    console->linger_cap = g_timeout_add(LINGER_MAX_MS, on_linger_done, console);
}

static gboolean
on_user_input(int fd, GIOCondition condition, gpointer user_data)
{
    Console *console = user_data;
    char buf[RELAY_BUFFER_SIZE];
    const char *escape;
    ssize_t n;

    do
        n = read(fd, buf, sizeof(buf));
    while (n < 0 && errno == EINTR);
    if (n <= 0) {
        /* EOF on a pipe: what was typed has been sent; show the answer, then leave. */
        console->stdin_watch = 0;
        start_lingering(console);
        return G_SOURCE_REMOVE;
    }
    escape = memchr(buf, ESCAPE_CHAR, (gsize)n);
    if (!write_all(console->guest_fd, buf, escape != NULL ? (gsize)(escape - buf) : (gsize)n) ||
        escape != NULL) {
        console->stdin_watch = 0;
        leave(console);
        return G_SOURCE_REMOVE;
    }
    return G_SOURCE_CONTINUE;
}

static gboolean
on_signal(gpointer user_data)
{
    leave(user_data);
    return G_SOURCE_CONTINUE;
}

static void
relay(int guest_fd, GBytes *scrollback)
{
    Console console = {.guest_fd = guest_fd};
    const int signals[] = {SIGINT, SIGTERM, SIGHUP};
    gsize size = 0;
    const char *data = g_bytes_get_data(scrollback, &size);

    console.loop = g_main_loop_new(NULL, FALSE);
    enter_raw_mode();
    write_all(STDOUT_FILENO, data, size);
    console.guest_watch =
        g_unix_fd_add(guest_fd, G_IO_IN | G_IO_HUP | G_IO_ERR, on_guest_output, &console);
    console.stdin_watch =
        g_unix_fd_add(STDIN_FILENO, G_IO_IN | G_IO_HUP | G_IO_ERR, on_user_input, &console);
    for (gsize i = 0; i < G_N_ELEMENTS(signals); i++)
        console.signal_watches[i] = g_unix_signal_add(signals[i], on_signal, &console);

    g_main_loop_run(console.loop);

    restore_terminal();
    g_clear_handle_id(&console.guest_watch, g_source_remove);
    g_clear_handle_id(&console.stdin_watch, g_source_remove);
    g_clear_handle_id(&console.quiet_timer, g_source_remove);
    g_clear_handle_id(&console.linger_cap, g_source_remove);
    for (gsize i = 0; i < G_N_ELEMENTS(signals); i++)
        g_clear_handle_id(&console.signal_watches[i], g_source_remove);
    g_main_loop_unref(console.loop);
}

/* The serial port's descriptor and the output the daemon kept from before. */
static int
open_serial(MarinaDomain *domain, guint index, GBytes **scrollback, GError **error)
{
    g_autoptr(GAsyncResult) r = NULL;

    marina_domain_open_serial_async(domain, index, NULL, marina_sync_wait_ready, cli_slot(&r));
    return marina_domain_open_serial_finish(domain, cli_wait(&r), scrollback, error);
}

static int
cmd_console(CliContext *ctx, int argc, char **argv)
{
    int serial = 0;
    const GOptionEntry entries[] = {
        {"serial", 0, 0, G_OPTION_ARG_INT, &serial, N_("The serial port (default 0)"), N_("N")},
        G_OPTION_ENTRY_NULL,
    };
    g_auto(GStrv) args = NULL;
    g_autoptr(MarinaDomain) domain = NULL;
    g_autoptr(GBytes) scrollback = NULL;
    g_autoptr(GError) error = NULL;
    int status, fd;

    if (!cli_parse(ctx, entries, argc, argv, 1, 1, &args, &status))
        return status;
    if (serial < 0 || serial > 255)
        return cli_usage_error(ctx, _("--serial must be between 0 and 255."));
    domain = cli_lookup_domain(ctx, args[0], &error);
    if (domain == NULL)
        return cli_report_error(error);
    fd = open_serial(domain, (guint)serial, &scrollback, &error);
    if (fd < 0)
        return cli_report_error(error);
    fprintf(stderr, _("Connected to domain '%s'\nEscape character is ^] (Ctrl + ])\n"),
            cli_domain_name(domain, args[0]));
    relay(fd, scrollback);
    close(fd);
    if (isatty(STDIN_FILENO))
        fputc('\n', stderr);
    return CLI_OK;
}

const CliCommand cli_console_commands[] = {
    {"console", cmd_console, "NAME [--serial N]",
     N_("Connect to a domain's serial console (leave with Ctrl + ])")},
    {NULL},
};
