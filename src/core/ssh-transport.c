/* The ssh transport of marina+ssh:// URIs: the ssh command line (with
 * connection sharing for console channels), spawning it with its standard
 * error kept, and telling why it failed (ssh-diagnosis.c). Used by
 * connection.c. */

#define G_LOG_DOMAIN "marina-connection"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "askpass-server.h"
#include "connection-private.h"
#include "error.h"
#include "paths.h"
#include "protocol.h"
#include "ssh-diagnosis.h"

/* ---------------------------------------------------------------------------------------------
 * SSH transport
 */

/* Whether ssh can ask on a terminal: it opens /dev/tty, not its stdin. */
static gboolean
have_terminal(void)
{
    int fd;

    if (isatty(STDIN_FILENO))
        return TRUE;
    fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return FALSE;
    close(fd);
    return TRUE;
}

/* @quiet: an open nobody asked for (MARINA_CONNECTION_OPEN_QUIET). */
static const char *
ssh_batch_mode(const MarinaUri *uri, gboolean quiet)
{
    g_autoptr(MarinaAskpassServer) askpass = NULL;

    if (quiet || g_strcmp0(marina_uri_get_param(uri, "no_tty"), "1") == 0)
        return "BatchMode=yes";
    /* The application answers ssh's questions (marina_ssh_launcher_new()). */
    askpass = marina_askpass_server_dup_installed();
    if (askpass != NULL)
        return "BatchMode=no";
    /* Without a terminal or a graphical askpass ssh cannot ask for a
     * password; failing at once beats hanging. */
    if (!have_terminal() && g_getenv("SSH_ASKPASS") == NULL && g_getenv("DISPLAY") == NULL &&
        g_getenv("WAYLAND_DISPLAY") == NULL)
        return "BatchMode=yes";
    return "BatchMode=no";
}

/* OpenSSH connection sharing: one login serves the control channel and every
 * console channel opened later. */
static void
add_connection_sharing(GStrvBuilder *argv)
{
    g_autofree char *dir = marina_paths_session_runtime_dir();
    g_autofree char *path = NULL;

    if (g_mkdir_with_parents(dir, 0700) != 0) {
        g_debug("No ssh connection sharing: cannot create %s: %s", dir, g_strerror(errno));
        return;
    }
    path = g_strdup_printf("ControlPath=%s/ssh-%%C", dir);
    g_strv_builder_add_many(argv, "-o", "ControlMaster=auto", "-o", path, "-o", "ControlPersist=60",
                            NULL);
}

/* The marinad command line run on the remote host: the program (?command=,
 * the user's own shell text, e.g. "sudo marinad"), @args (quoted for the
 * remote shell), the daemon's mode and ?socket=. */
char *
marina_ssh_remote_command(const MarinaUri *uri, const char *const *args)
{
    const char *command = marina_uri_get_param(uri, "command");
    const char *socket = marina_uri_get_param(uri, "socket");
    GString *line = g_string_new(command != NULL ? command : "marinad");

    for (guint i = 0; args != NULL && args[i] != NULL; i++) {
        g_autofree char *quoted = g_shell_quote(args[i]);
        g_string_append_printf(line, " %s", quoted);
    }
    g_string_append(line, marina_uri_is_system(uri) ? " --system" : " --session");
    if (socket != NULL) {
        g_autofree char *quoted = g_shell_quote(socket);
        g_string_append_printf(line, " --socket=%s", quoted);
    }
    return g_string_free(line, FALSE);
}

/* --protocol: a marinad that does not serve this client says so (protocol.h). */
static char *
remote_command(const MarinaUri *uri)
{
    g_autofree char *protocol = g_strdup_printf("--protocol=%u", (guint)MARINA_PROTOCOL_VERSION);
    const char *const args[] = {"--connect-stdio", protocol, NULL};

    return marina_ssh_remote_command(uri, args);
}

/* ?known_hosts=PATH as ssh's option: quoted, since ssh splits the value at
 * spaces (it is a list), and with '%' doubled, since ssh expands %-tokens. */
static char *
known_hosts_option(const MarinaUri *uri, GError **error)
{
    const char *path = marina_uri_get_param(uri, "known_hosts");
    g_autoptr(GString) option = g_string_new("UserKnownHostsFile=\"");

    if (strchr(path, '"') != NULL) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("Connection URI '%s': the known_hosts path cannot contain a '\"'."),
                    uri->original);
        return NULL;
    }
    for (const char *p = path; *p != '\0'; p++) {
        if (*p == '%')
            g_string_append_c(option, '%');
        g_string_append_c(option, *p);
    }
    g_string_append_c(option, '"');
    return g_string_free(g_steal_pointer(&option), FALSE);
}

static GStrv
build_argv(const MarinaUri *uri, const char *remote, gboolean quiet, GError **error)
{
    g_autoptr(GStrvBuilder) argv = g_strv_builder_new();
    const char *keyfile;

    g_return_val_if_fail(uri != NULL, NULL);
    if (uri->transport != MARINA_URI_TRANSPORT_SSH) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("'%s' is not a marina+ssh:// URI."), uri->original);
        return NULL;
    }
    g_strv_builder_add(argv, "ssh");
    if (uri->port != 0) {
        g_autofree char *port = g_strdup_printf("%u", (guint)uri->port);
        g_strv_builder_add_many(argv, "-p", port, NULL);
    }
    if (uri->user != NULL)
        g_strv_builder_add_many(argv, "-l", uri->user, NULL);
    keyfile = marina_uri_get_param(uri, "keyfile");
    if (keyfile != NULL)
        g_strv_builder_add_many(argv, "-i", keyfile, NULL);
    g_strv_builder_add_many(argv, "-o", ssh_batch_mode(uri, quiet), NULL);
    /* no_verify: a throw-away host whose key must neither be checked nor
     * remembered (it would poison known_hosts for the next one). */
    if (g_strcmp0(marina_uri_get_param(uri, "no_verify"), "1") == 0) {
        g_strv_builder_add_many(argv, "-o", "StrictHostKeyChecking=no", "-o",
                                "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", NULL);
    } else if (marina_uri_get_param(uri, "known_hosts") != NULL) {
        g_autofree char *option = known_hosts_option(uri, error);
        if (option == NULL)
            return NULL;
        g_strv_builder_add_many(argv, "-o", option, NULL);
    }
    /* A host that never answers is reported unreachable after this, instead
     * of after the system's TCP timeout (two minutes and more). */
    g_strv_builder_add_many(argv, "-o", "ConnectTimeout=30", NULL);
    add_connection_sharing(argv);
    /* The keepalive: a host that vanishes (cable, crash) is noticed within
     * about 45 s and the connection reports it closed, instead of hanging. */
    g_strv_builder_add_many(argv, "-o", "ServerAliveInterval=15", "-o", "ServerAliveCountMax=3",
                            NULL);
    /* -T: no tty (a binary stream); -e none: no escape character; "--" ends
     * ssh's options, so the host can never be read as one. */
    g_strv_builder_add_many(argv, "-T", "-e", "none", "--", uri->host, remote, NULL);
    return g_strv_builder_end(argv);
}

GStrv
marina_ssh_build_argv(const MarinaUri *uri, const char *remote, GError **error)
{
    return build_argv(uri, remote, FALSE, error);
}

GStrv
marina_connection_build_ssh_argv(const MarinaUri *uri, GError **error)
{
    g_autofree char *command = NULL;

    g_return_val_if_fail(uri != NULL, NULL);
    command = remote_command(uri);
    return marina_ssh_build_argv(uri, command, error);
}

static void
ignore_sigpipe(void)
{
    struct sigaction current;

    /* Writing to an ssh that died raises SIGPIPE, which would kill the whole
     * client; an EPIPE error is what we want instead. Leave a handler the
     * program installed alone. */
    if (sigaction(SIGPIPE, NULL, &current) == 0 && current.sa_handler == SIG_DFL)
        signal(SIGPIPE, SIG_IGN);
}

/* Every ssh Marina runs is made here, so what it needs from the
 * environment (how it asks questions) is set in one place. @quiet: it asks
 * nothing, not even through the askpass server. */
static GSubprocessLauncher *
launcher_new(const MarinaUri *uri, gboolean quiet, GSubprocessFlags flags)
{
    g_autoptr(MarinaAskpassServer) askpass = quiet ? NULL : marina_askpass_server_dup_installed();
    GSubprocessLauncher *launcher;

    ignore_sigpipe();
    launcher = g_subprocess_launcher_new(flags);
    /* A graphical client installed an askpass server: ssh's questions become
     * its dialogs (DISPLAY stays as it is). Without one (marinactl), ssh
     * asks on the terminal. Never inherit a stale socket either way. */
    g_subprocess_launcher_unsetenv(launcher, "MARINA_ASKPASS_SOCKET");
    g_subprocess_launcher_unsetenv(launcher, "MARINA_ASKPASS_TOKEN");
    if (askpass != NULL)
        marina_askpass_server_prepare_launcher(askpass, launcher, uri);
    /* BatchMode=yes already keeps ssh from asking; no askpass program of the
     * desktop's either, in case a future ssh asks anyway. */
    if (quiet) {
        g_subprocess_launcher_unsetenv(launcher, "SSH_ASKPASS");
        g_subprocess_launcher_unsetenv(launcher, "SSH_ASKPASS_REQUIRE");
    }
    return launcher;
}

GSubprocessLauncher *
marina_ssh_launcher_new(const MarinaUri *uri, GSubprocessFlags flags)
{
    return launcher_new(uri, FALSE, flags);
}

gboolean
marina_ssh_can_ask(const MarinaUri *uri)
{
    return g_str_equal(ssh_batch_mode(uri, FALSE), "BatchMode=no");
}

/* ssh with its stdin/stdout as a GIOStream. Its standard error is read into
 * *stderr_out, so a failure can say why; its questions (passwords, host
 * keys) do not go there but to the terminal or an askpass program. */
GSubprocess *
marina_ssh_spawn(const MarinaUri *uri, MarinaConnectionOpenFlags flags, GIOStream **stream,
                 MarinaSshStderr **stderr_out, GError **error)
{
    gboolean quiet = (flags & MARINA_CONNECTION_OPEN_QUIET) != 0;
    g_autofree char *command = remote_command(uri);
    g_auto(GStrv) argv = build_argv(uri, command, quiet, error);
    g_autoptr(GSubprocessLauncher) launcher = NULL;
    g_autoptr(GSubprocess) process = NULL;
    g_autoptr(GError) local_error = NULL;
    g_autofree char *uri_string = marina_uri_to_string(uri);

    if (argv == NULL)
        return NULL;
    launcher = launcher_new(uri, quiet,
                            G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                G_SUBPROCESS_FLAGS_STDERR_PIPE);
    process = g_subprocess_launcher_spawnv(launcher, (const char *const *)argv, &local_error);
    if (process == NULL) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_NO_CONNECTION,
                    _("Cannot connect to %s: ssh cannot be run (%s). Install the OpenSSH client."),
                    uri_string, local_error->message);
        return NULL;
    }
    *stream = g_simple_io_stream_new(g_subprocess_get_stdout_pipe(process),
                                     g_subprocess_get_stdin_pipe(process));
    *stderr_out = marina_ssh_stderr_new(g_subprocess_get_stderr_pipe(process));
    return g_steal_pointer(&process);
}

/* Why connecting over ssh failed (@cause: what the connection saw), from
 * ssh's exit status (@exited: it did exit in time) and its standard error. */
void
marina_ssh_set_error(const MarinaUri *uri, GSubprocess *ssh, gboolean exited,
                     MarinaSshStderr *ssh_stderr, const GError *cause, GError **error)
{
    MarinaSshOutcome outcome = {
        .exit_status =
            exited && g_subprocess_get_if_exited(ssh) ? g_subprocess_get_exit_status(ssh) : -1,
        .stderr_text = NULL,
        .could_ask = marina_ssh_can_ask(uri),
    };

    marina_ssh_stderr_drain(ssh_stderr);
    outcome.stderr_text = marina_ssh_stderr_get_text(ssh_stderr);
    g_debug("ssh to %s said: %s", uri->host, outcome.stderr_text);
    marina_ssh_explain_failure(uri, &outcome, cause, error);
}
