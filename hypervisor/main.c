#define G_LOG_DOMAIN "marinad"

#include "config.h"

#include <malloc.h>

#include <errno.h>
#include <fcntl.h>
#include <gio/gunixsocketaddress.h>
#include <gio/gunixinputstream.h>
#include <gio/gunixoutputstream.h>
#include <glib-unix.h>
#include <glib/gi18n.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "core/error.h"
#include "core/paths.h"
#include "channel-bridge.h"
#include "daemon-config.h"
#include "daemon.h"
#include "stdio-bridge.h"

static gboolean opt_session;
static gboolean opt_system;
static gboolean opt_daemonize;
static gboolean opt_connect_stdio;
static gboolean opt_connect_channel;
static gboolean opt_verbose;
static gboolean opt_version;
static char *opt_socket;
static char *opt_state_dir;
static char *opt_runtime_dir;
static char *opt_config;
static char *opt_driver;
static char *opt_test_file;

static const GOptionEntry entries[] = {
    {"session", 0, 0, G_OPTION_ARG_NONE, &opt_session,
     N_("Per-user daemon (the default): user-mode networking, data in ~/.local/share/marina"),
     NULL},
    {"system", 0, 0, G_OPTION_ARG_NONE, &opt_system,
     N_("System daemon (root): data in /var/lib/marina, sockets in /run/marina"), NULL},
    {"socket", 0, 0, G_OPTION_ARG_FILENAME, &opt_socket, N_("Listen on this unix socket"),
     N_("PATH")},
    {"state-dir", 0, 0, G_OPTION_ARG_FILENAME, &opt_state_dir,
     N_("Keep definitions, saves and logs here (a private \"host\")"), N_("DIR")},
    {"runtime-dir", 0, 0, G_OPTION_ARG_FILENAME, &opt_runtime_dir,
     N_("Keep guest sockets and runtime state here"), N_("DIR")},
    {"config", 0, 0, G_OPTION_ARG_FILENAME, &opt_config, N_("Read this configuration file"),
     N_("FILE")},
    {"driver", 0, 0, G_OPTION_ARG_STRING, &opt_driver,
     N_("Run guests with this driver: qemu (the default) or test (simulated guests)"), N_("NAME")},
    {"test-file", 0, 0, G_OPTION_ARG_FILENAME, &opt_test_file,
     N_("The test driver's libvirt-style <node> XML file of simulated guests"), N_("PATH")},
    {"daemonize", 'd', 0, G_OPTION_ARG_NONE, &opt_daemonize,
     N_("Detach; return once the socket is ready"), NULL},
    {"connect-stdio", 0, 0, G_OPTION_ARG_NONE, &opt_connect_stdio,
     N_("Relay standard input and output to the daemon's socket (used over SSH)"), NULL},
    {"connect-channel", 0, 0, G_OPTION_ARG_NONE, &opt_connect_channel,
     N_("Relay one stream of the daemon over standard input and output (used over SSH): "
        "serial UUID INDEX, graphics UUID or migration TOKEN INDEX"),
     NULL},
    {"verbose", 'v', 0, G_OPTION_ARG_NONE, &opt_verbose, N_("Log debugging messages"), NULL},
    {"version", 0, 0, G_OPTION_ARG_NONE, &opt_version, N_("Print the version and exit"), NULL},
    {NULL},
};

static GLogLevelFlags log_threshold = G_LOG_LEVEL_INFO;
static FILE *log_stream;

static GLogWriterOutput
log_writer(GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
    const char *message = "", *domain = "marinad";
    g_autoptr(GDateTime) now = NULL;
    g_autofree char *stamp = NULL;

    if ((level & G_LOG_LEVEL_MASK) > log_threshold)
        return G_LOG_WRITER_HANDLED;
    for (gsize i = 0; i < n_fields; i++) {
        if (g_str_equal(fields[i].key, "MESSAGE"))
            message = fields[i].value;
        else if (g_str_equal(fields[i].key, "GLIB_DOMAIN"))
            domain = fields[i].value;
    }
    now = g_date_time_new_now_utc();
    stamp = g_date_time_format(now, "%Y-%m-%d %H:%M:%S");
    fprintf(log_stream, "%s %s[%d]: %s\n", stamp, domain, (int)getpid(), message);
    fflush(log_stream);
    return G_LOG_WRITER_HANDLED;
}

static void
setup_logging(const MarinaDaemonConfig *config)
{
    static const struct {
        const char *name;
        GLogLevelFlags level;
    } levels[] = {{"debug", G_LOG_LEVEL_DEBUG},
                  {"info", G_LOG_LEVEL_INFO},
                  {"warning", G_LOG_LEVEL_WARNING},
                  {"error", G_LOG_LEVEL_CRITICAL}};
    const char *file = config->log_file;
    g_autofree char *fallback = NULL;

    for (guint i = 0; i < G_N_ELEMENTS(levels); i++)
        if (g_strcmp0(config->log_level, levels[i].name) == 0)
            log_threshold = levels[i].level;
    if (opt_verbose)
        log_threshold = G_LOG_LEVEL_DEBUG;
    log_stream = stderr;
    if (file == NULL && opt_daemonize)
        file = fallback = g_build_filename(config->log_dir, "marinad.log", NULL);
    if (file != NULL) {
        FILE *f = fopen(file, "ae");
        if (f != NULL)
            log_stream = f;
        else
            g_printerr("marinad: cannot open the log file %s: %s\n", file, g_strerror(errno));
    }
    g_log_set_writer_func(log_writer, NULL, NULL);
}

/* One daemon per runtime directory: a client that races another to start
 * the session daemon finds the lock held and leaves it to the winner. */
static int
take_lock(const MarinaDaemonConfig *config, GError **error)
{
    g_autofree char *path = g_build_filename(config->runtime_dir, "marinad.lock", NULL);
    int fd;

    /* The system daemon's read-only socket lives here: others must reach it. */
    if (g_mkdir_with_parents(config->runtime_dir, config->system ? 0755 : 0700) != 0 ||
        (fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
        int saved = errno;
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED, _("Cannot create %s: %s"),
                    path, g_strerror(saved));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        close(fd);
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_ALREADY_RUNNING,
                    _("Another marinad already serves %s."), config->runtime_dir);
        return -1;
    }
    return fd;
}

/* Fork; the parent waits until the child says it listens (or failed), so
 * "marinad --daemonize && marinactl list" never races. Must run before
 * GLib starts any thread. Returns the pipe the child reports on. */
static int
daemonize(void)
{
    int pipefd[2];
    pid_t pid;
    char status = 1;

    if (pipe2(pipefd, O_CLOEXEC) != 0) {
        perror("marinad: pipe");
        exit(1);
    }
    pid = fork();
    if (pid < 0) {
        perror("marinad: fork");
        exit(1);
    }
    if (pid > 0) {
        close(pipefd[1]);
        if (read(pipefd[0], &status, 1) != 1)
            status = 1;
        exit(status);
    }
    close(pipefd[0]);
    setsid();
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) {
        dup2(null, STDIN_FILENO);
        dup2(null, STDOUT_FILENO);
        close(null);
    }
    return pipefd[1];
}

static void
report_ready(int fd, char status)
{
    if (fd < 0)
        return;
    if (write(fd, &status, 1) != 1)
        g_debug("parent gone");
    close(fd);
}

static gboolean
on_quit_signal(gpointer loop)
{
    g_info("Stopping (guests keep running and are re-attached at the next start)");
    g_main_loop_quit(loop);
    return G_SOURCE_REMOVE;
}

/* GLib before 2.76 keeps GVariants and list nodes in its own slab
 * allocator, which holds on to the peak of every burst (16 MB after one
 * ListDomains of 10 000 guests, 6 MB for a round of statistics) and never
 * gives it back. It reads its setting before main() runs: start again with
 * it set. Later GLibs use malloc anyway. */
static void
use_malloc_for_slices(char **argv)
{
    if (glib_check_version(2, 76, 0) == NULL || g_getenv("G_SLICE") != NULL)
        return;
    g_setenv("G_SLICE", "always-malloc", TRUE);
    execv("/proc/self/exe", argv);
    g_debug("Cannot start again with G_SLICE set: %s", g_strerror(errno));
}

int
main(int argc, char **argv)
{
    g_autoptr(GOptionContext) context = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaDaemonConfig) config = NULL;
    g_autoptr(MarinaDaemon) daemon = NULL;
    g_autoptr(GMainLoop) loop = NULL;
    int ready_fd = -1, lock_fd;

    use_malloc_for_slices(argv);
    /* Large blocks (a ListDomains reply or a statistics signal with
     * thousands of guests) come from mmap and go back when freed. glibc's
     * sliding threshold would otherwise move them into the heap, where they
     * stay as holes between long-lived guest data. */
    mallopt(M_MMAP_THRESHOLD, 128 * 1024);
    marina_paths_init_i18n();
    context = g_option_context_new(NULL);
    g_option_context_set_summary(context, _("Marina host daemon: runs guests with QEMU and "
                                            "serves them to marina and marinactl."));
    g_option_context_add_main_entries(context, entries, GETTEXT_PACKAGE);
    if (!g_option_context_parse(context, &argc, &argv, &error)) {
        g_printerr("marinad: %s\nRun 'marinad --help' to see the options.\n", error->message);
        return 2;
    }
    if (opt_version) {
        g_print("marinad %s\n", PACKAGE_VERSION);
        return 0;
    }
    if (opt_session && opt_system) {
        g_printerr("marinad: choose one of --session and --system.\n");
        return 2;
    }
    if (opt_system && getuid() != 0) {
        g_printerr("marinad: --system needs root. Run it as a system service "
                   "(systemctl start marinad) or use --session.\n");
        return 1;
    }
    config = marina_daemon_config_load(opt_system, opt_config, opt_socket, opt_state_dir,
                                       opt_runtime_dir, &error);
    if (config == NULL) {
        g_printerr("marinad: %s\n", marina_error_message(error));
        return 1;
    }
    if (!marina_daemon_config_set_driver(config, opt_driver, opt_test_file, &error)) {
        g_printerr("marinad: %s\n", marina_error_message(error));
        return 2;
    }
    if (opt_connect_stdio)
        return marina_stdio_bridge_run(config->socket_path);
    if (opt_connect_channel)
        return marina_channel_bridge_run(config->socket_path, argc - 1, argv + 1);

    if (opt_daemonize)
        ready_fd = daemonize();
    lock_fd = take_lock(config, &error);
    if (lock_fd < 0) {
        gboolean already = g_error_matches(error, MARINA_ERROR, MARINA_ERROR_ALREADY_RUNNING);
        /* Someone else is starting the same daemon: fine for --daemonize. */
        if (!(already && opt_daemonize))
            g_printerr("marinad: %s\n", error->message);
        report_ready(ready_fd, already && opt_daemonize ? 0 : 1);
        return already && opt_daemonize ? 0 : 1;
    }
    /* A dead client must not kill the daemon mid-write. */
    signal(SIGPIPE, SIG_IGN);
    /* The test driver keeps everything in memory: no state directory. */
    if (g_str_equal(config->driver, "qemu") && !g_file_test(config->log_dir, G_FILE_TEST_IS_DIR))
        g_mkdir_with_parents(config->log_dir, 0700);
    setup_logging(config);

    loop = g_main_loop_new(NULL, FALSE);
    daemon = marina_daemon_new(g_steal_pointer(&config));
    if (!marina_daemon_start(daemon, &error)) {
        g_printerr("marinad: %s\n", marina_error_message(error));
        g_warning("%s", error->message);
        report_ready(ready_fd, 1);
        return 1;
    }
    g_info("marinad %s ready (%s, driver %s, accelerator %s)", PACKAGE_VERSION,
           marina_daemon_get_config(daemon)->system ? "system" : "session",
           marina_daemon_get_config(daemon)->driver, marina_daemon_get_config(daemon)->accel);
    report_ready(ready_fd, 0);
    if (opt_daemonize) {
        int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (null >= 0) {
            dup2(null, STDERR_FILENO);
            close(null);
        }
    }
    g_unix_signal_add(SIGTERM, on_quit_signal, loop);
    g_unix_signal_add(SIGINT, on_quit_signal, loop);
    g_main_loop_run(loop);
    marina_daemon_stop(daemon);
    close(lock_fd);
    return 0;
}
