/* Telling why a connection over ssh failed (see ssh-diagnosis.h). The
 * patterns are OpenSSH's own messages (ssh.c, sshconnect.c, sshconnect2.c)
 * and the shells' "not found"; they are only believed with the exit status
 * that goes with them, since the remote side writes to the same standard
 * error. */

#define G_LOG_DOMAIN "marina-connection"

#include "config.h"

#include <gio/gio.h>
#include <glib/gi18n.h>
#include <string.h>

#include "error.h"
#include "protocol.h"
#include "ssh-diagnosis.h"

/* ssh's own failures (connect, key exchange, login) exit with 255. */
#define SSH_EXIT_FAILED 255
/* The shell's "command not found". */
#define SHELL_EXIT_NOT_FOUND 127
/* GOption's refusal of an unknown option: a marinad without --protocol. */
#define MARINAD_EXIT_USAGE 2

/* How much of a foreign line a message quotes. */
#define QUOTE_MAX_CHARS 300
/* A fingerprint or an ssh-keygen command line taken from ssh's message. */
#define FIELD_MAX_CHARS 512

/* ---------------------------------------------------------------------------------------------
 * Quoting what the other end wrote
 */

/* Bidirectional overrides and isolates could make a quoted line read
 * differently from what it is. */
static gboolean
is_direction_mark(gunichar c)
{
    return (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) || c == 0x200E ||
           c == 0x200F || c == 0x061C;
}

/* The end of a terminal escape sequence starting at @p (an ESC): CSI
 * ("ESC [ params final"), OSC ("ESC ] text BEL" or "... ESC \\") or a
 * two-character one. Colours in a message of the day are common. */
static const char *
skip_escape(const char *p)
{
    p++;
    if (*p == '[') {
        for (p++; *p != '\0'; p++)
            if (*p >= 0x40 && *p <= 0x7E)
                return p + 1;
        return p;
    }
    if (*p == ']') {
        for (p++; *p != '\0'; p++) {
            if (*p == '\a')
                return p + 1;
            if (p[0] == '\033' && p[1] == '\\')
                return p + 2;
        }
        return p;
    }
    return *p != '\0' ? g_utf8_next_char(p) : p;
}

char *
marina_ssh_quote_foreign(const char *text, gssize len, gsize max_chars)
{
    g_autofree char *valid = NULL;
    GString *out = g_string_new(NULL);
    gsize count = 0;
    const char *p;

    if (text == NULL)
        return g_string_free(out, FALSE);
    valid = g_utf8_make_valid(text, len);
    for (p = valid; *p != '\0'; p = g_utf8_next_char(p)) {
        gunichar c;

        while (*p == '\033')
            p = skip_escape(p);
        if (*p == '\0')
            break;
        c = g_utf8_get_char(p);
        if (is_direction_mark(c))
            continue;
        if (count == max_chars) {
            g_string_append(out, "…");
            break;
        }
        /* Escape sequences, tabs, carriage returns: a space, so nothing
         * moves the cursor or repaints a terminal. */
        if (g_unichar_iscntrl(c) || c == 0xFFFD)
            c = c == 0xFFFD ? '?' : ' ';
        g_string_append_unichar(out, c);
        count++;
    }
    g_strstrip(out->str);
    out->len = strlen(out->str);
    return g_string_free(out, FALSE);
}

/* ---------------------------------------------------------------------------------------------
 * Reading ssh's standard error
 */

typedef struct {
    GStrv lines; /* stripped */
} Messages;

static void
messages_init(Messages *m, const char *text)
{
    m->lines = g_strsplit(text != NULL ? text : "", "\n", -1);
    for (guint i = 0; m->lines[i] != NULL; i++)
        g_strstrip(m->lines[i]);
}

static void
messages_clear(Messages *m)
{
    g_clear_pointer(&m->lines, g_strfreev);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Messages, messages_clear)

/* The first line containing @needle, or NULL. */
static const char *
find_line(const Messages *m, const char *needle)
{
    for (guint i = 0; m->lines[i] != NULL; i++)
        if (strstr(m->lines[i], needle) != NULL)
            return m->lines[i];
    return NULL;
}

/* The line after the first one containing @needle, or NULL. */
static const char *
line_after(const Messages *m, const char *needle)
{
    for (guint i = 0; m->lines[i] != NULL; i++)
        if (strstr(m->lines[i], needle) != NULL)
            return m->lines[i + 1];
    return NULL;
}

/* Lines that say nothing about a failure. */
static gboolean
is_noise(const char *line)
{
    return *line == '\0' || g_str_has_prefix(line, "Warning: Permanently added") ||
           g_str_has_prefix(line, "Pseudo-terminal will not be allocated") || line[0] == '@';
}

/* The last thing ssh (or the remote program) said, quoted; NULL if nothing. */
static char *
last_message(const Messages *m)
{
    guint n = g_strv_length(m->lines);

    for (guint i = n; i > 0; i--)
        if (!is_noise(m->lines[i - 1]))
            return marina_ssh_quote_foreign(m->lines[i - 1], -1, QUOTE_MAX_CHARS);
    return NULL;
}

/* The text after the last ": " of @line (ssh's "connect to host H port P:
 * REASON"), quoted. */
static char *
reason_of(const char *line)
{
    const char *sep = g_strrstr(line, ": ");

    return marina_ssh_quote_foreign(sep != NULL ? sep + 2 : line, -1, QUOTE_MAX_CHARS);
}

/* ---------------------------------------------------------------------------------------------
 * Names for messages
 */

static guint
ssh_port(const MarinaUri *uri)
{
    return uri->port != 0 ? uri->port : 22;
}

/* @word as a shell reads it back: quoted only when it needs to be. */
static char *
shell_word(const char *word)
{
    for (const char *p = word; *p != '\0'; p++)
        if (!g_ascii_isalnum(*p) && strchr("@%+=:,./_-", *p) == NULL)
            return g_shell_quote(word);
    return *word != '\0' ? g_strdup(word) : g_shell_quote(word);
}

/* What to type to try the same login by hand. */
static char *
ssh_command_for(const MarinaUri *uri)
{
    GString *cmd = g_string_new("ssh");
    g_autofree char *host = shell_word(uri->host);

    if (uri->port != 0)
        g_string_append_printf(cmd, " -p %u", (guint)uri->port);
    if (uri->user != NULL) {
        g_autofree char *user = shell_word(uri->user);
        g_string_append_printf(cmd, " -l %s", user);
    }
    g_string_append_printf(cmd, " %s", host);
    return g_string_free(cmd, FALSE);
}

/* The host as known_hosts names it: "host", or "[host]:port" off port 22. */
static char *
known_hosts_name(const MarinaUri *uri)
{
    if (uri->port == 0 || uri->port == 22)
        return g_strdup(uri->host);
    return g_strdup_printf("[%s]:%u", uri->host, (guint)uri->port);
}

static const char *
remote_program(const MarinaUri *uri)
{
    const char *program = marina_uri_get_param(uri, "command");

    return program != NULL ? program : "marinad";
}

/* ---------------------------------------------------------------------------------------------
 * ssh's failures (exit status 255)
 */

static gboolean
explain_unreachable(const MarinaUri *uri, const char *uri_string, const Messages *m, GError **error)
{
    const char *line;
    g_autofree char *reason = NULL;

    if ((line = find_line(m, "Could not resolve hostname")) != NULL) {
        reason = reason_of(line);
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_HOST_UNREACHABLE,
                    _("Cannot connect to %s: the host name %s is not known (%s). Check its "
                      "spelling, or use the host's IP address."),
                    uri_string, uri->host, reason);
        return TRUE;
    }
    line = find_line(m, "connect to host ");
    if (line == NULL)
        line = find_line(m, "Connection timed out during banner exchange");
    if (line == NULL)
        return FALSE;
    reason = reason_of(line);
    if (strstr(line, "Connection refused") != NULL)
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_HOST_UNREACHABLE,
                    _("Cannot connect to %s: host %s is unreachable: nothing accepts SSH "
                      "connections on its port %u (connection refused). Check the port in the "
                      "URI and that the SSH server runs on %s."),
                    uri_string, uri->host, ssh_port(uri), uri->host);
    else
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_HOST_UNREACHABLE,
                    _("Cannot connect to %s: host %s is unreachable (%s). Check that it is "
                      "switched on and connected, the host name and port, and your network."),
                    uri_string, uri->host, reason);
    return TRUE;
}

/* "alice@server: Permission denied (publickey,password)." */
static gboolean
explain_auth(const MarinaUri *uri, const char *uri_string, const Messages *m, gboolean could_ask,
             GError **error)
{
    const char *line = find_line(m, "Permission denied (");
    g_autofree char *methods = NULL;
    g_autofree char *login = NULL;
    g_autofree char *hint = NULL;

    if (line != NULL) {
        const char *open = strstr(line, "Permission denied (") + strlen("Permission denied (");
        const char *close = strchr(open, ')');
        const char *colon = strstr(line, ": Permission denied");

        methods = marina_ssh_quote_foreign(open, close != NULL ? close - open : -1, 80);
        if (colon != NULL && colon > line)
            login = marina_ssh_quote_foreign(line, colon - line, 80);
    } else if (find_line(m, "Too many authentication failures") == NULL &&
               find_line(m, "Authentication failed.") == NULL) {
        return FALSE;
    }
    if (login == NULL)
        login = uri->user != NULL ? g_strdup_printf("%s@%s", uri->user, uri->host)
                                  : g_strdup(uri->host);
    if (!could_ask && methods != NULL &&
        (strstr(methods, "password") != NULL || strstr(methods, "keyboard-interactive") != NULL))
        hint = g_strdup(_(" A password cannot be asked here (no terminal and no password "
                          "dialog): run the command in a terminal, or use a key."));
    g_set_error(error, MARINA_ERROR, MARINA_ERROR_AUTH_FAILED,
                _("Cannot connect to %s: authentication refused: %s did not accept the login as "
                  "%s (it accepts: %s). Check the user name in the URI, and that your public key "
                  "is in that user's ~/.ssh/authorized_keys on %s; choose the key with "
                  "?keyfile=PATH or load it into ssh-agent.%s"),
                uri_string, uri->host, login, methods != NULL ? methods : _("nothing we offered"),
                uri->host, hint != NULL ? hint : "");
    return TRUE;
}

/* The command ssh suggests to forget the old key (it names the right
 * known_hosts file), or one made here. */
static char *
forget_key_command(const MarinaUri *uri, const Messages *m)
{
    const char *line = find_line(m, "ssh-keygen -f ");
    g_autofree char *name = NULL;
    g_autofree char *quoted = NULL;

    if (line != NULL)
        return marina_ssh_quote_foreign(strstr(line, "ssh-keygen -f "), -1, FIELD_MAX_CHARS);
    name = known_hosts_name(uri);
    quoted = shell_word(name);
    return g_strdup_printf("ssh-keygen -R %s", quoted);
}

static gboolean
explain_host_key(const MarinaUri *uri, const char *uri_string, const Messages *m,
                 gboolean could_ask, GError **error)
{
    g_autofree char *login = ssh_command_for(uri);

    if (find_line(m, "REMOTE HOST IDENTIFICATION HAS CHANGED") != NULL ||
        find_line(m, "has changed and you have requested strict checking") != NULL) {
        const char *fp = line_after(m, "key sent by the remote host is");
        g_autofree char *fingerprint =
            fp != NULL ? marina_ssh_quote_foreign(fp, -1, FIELD_MAX_CHARS) : NULL;
        g_autofree char *forget = forget_key_command(uri, m);

        /* "SHA256:abc." ends the sentence in ssh's message. */
        if (fingerprint != NULL && g_str_has_suffix(fingerprint, "."))
            fingerprint[strlen(fingerprint) - 1] = '\0';
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_HOST_KEY_CHANGED,
                    _("Cannot connect to %s: the host key of %s has changed (it now shows %s). "
                      "Someone may be intercepting the connection, or the host was reinstalled. "
                      "Ask its administrator for the new key's fingerprint; only if it is the "
                      "same, remove the old key with '%s' and connect again."),
                    uri_string, uri->host,
                    fingerprint != NULL && *fingerprint != '\0' ? fingerprint
                                                                : _("an unknown fingerprint"),
                    forget);
        return TRUE;
    }
    if (find_line(m, "Host key verification failed") == NULL &&
        find_line(m, "host key is known for") == NULL)
        return FALSE;
    if (could_ask)
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_HOST_KEY_UNKNOWN,
                    _("Cannot connect to %s: the host key of %s is not known yet and was not "
                      "accepted. Ask its administrator for the key's fingerprint, and accept "
                      "the key when asked if it is the same."),
                    uri_string, uri->host);
    else
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_HOST_KEY_UNKNOWN,
                    _("Cannot connect to %s: the host key of %s is not known yet, and it cannot "
                      "be confirmed without a terminal. Run '%s' in a terminal once, check the "
                      "fingerprint with the host's administrator and accept it, then connect "
                      "again."),
                    uri_string, uri->host, login);
    return TRUE;
}

/* ---------------------------------------------------------------------------------------------
 * The remote side's failures
 */

/* A "command not found" line naming marinad or the first word of ?command=. */
static gboolean
names_missing_program(const MarinaUri *uri, const Messages *m)
{
    g_auto(GStrv) words = g_strsplit(remote_program(uri), " ", 2);
    g_autofree char *name = g_path_get_basename(words[0] != NULL ? words[0] : "marinad");

    for (guint i = 0; m->lines[i] != NULL; i++)
        if (strstr(m->lines[i], "command not found") != NULL &&
            (strstr(m->lines[i], "marinad") != NULL || strstr(m->lines[i], name) != NULL))
            return TRUE;
    return FALSE;
}

static gboolean
explain_not_installed(const MarinaUri *uri, const char *uri_string, int status, const Messages *m,
                      GError **error)
{
    /* 127 is the shell's; "sudo marinad" says "sudo: marinad: command not
     * found" with 1. A startup file's own "not found" does not count. */
    if (status != SHELL_EXIT_NOT_FOUND && !names_missing_program(uri, m))
        return FALSE;
    g_set_error(error, MARINA_ERROR, MARINA_ERROR_NOT_INSTALLED,
                _("Cannot connect to %s: marinad is not installed on %s (the program '%s' was "
                  "not found there). Install Marina on %s, or give the program's full path "
                  "with ?command=PATH."),
                uri_string, uri->host, remote_program(uri), uri->host);
    return TRUE;
}

/* A marinad older than the version exchange rejects --protocol as an
 * unknown option; a newer one that does not serve this client says so and
 * exits with MARINA_PROTOCOL_EXIT_REFUSED. */
static gboolean
explain_refusal(const MarinaUri *uri, const char *uri_string, int status, const Messages *m,
                GError **error)
{
    g_autofree char *said = NULL;

    /* A console channel's --connect-channel is refused the same way. */
    if (status == MARINAD_EXIT_USAGE &&
        (find_line(m, "--protocol") != NULL || find_line(m, "--connect-channel") != NULL)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_PROTOCOL_MISMATCH,
                    _("Cannot connect to %s: protocol version mismatch: %s runs an older "
                      "marinad that does not exchange versions, this client speaks protocol "
                      "%u. Install the same Marina version on both hosts."),
                    uri_string, uri->host, (guint)MARINA_PROTOCOL_VERSION);
        return TRUE;
    }
    if (status != MARINA_PROTOCOL_EXIT_REFUSED)
        return FALSE;
    said = last_message(m);
    g_set_error(error, MARINA_ERROR, MARINA_ERROR_PROTOCOL_MISMATCH,
                _("Cannot connect to %s: protocol version mismatch: marinad on %s refused this "
                  "client (protocol %u): “%s”. Install the same Marina version on both hosts."),
                uri_string, uri->host, (guint)MARINA_PROTOCOL_VERSION,
                said != NULL ? said : _("no reason given"));
    return TRUE;
}

/* ssh's or the remote program's own last words, for everything else. */
static gboolean
explain_other(const MarinaUri *uri, const char *uri_string, int status, const Messages *m,
              GError **error)
{
    g_autofree char *said = last_message(m);
    g_autofree char *login = ssh_command_for(uri);

    if (status == SSH_EXIT_FAILED)
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_NO_CONNECTION,
                    _("Cannot connect to %s: ssh could not connect to %s: “%s”. Run '%s' to see "
                      "more."),
                    uri_string, uri->host, said != NULL ? said : _("no message"), login);
    else if (status > 0)
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_NO_CONNECTION,
                    _("Cannot connect to %s: '%s' on %s failed (exit status %d): “%s”. Check "
                      "that the daemon runs on %s and that the SSH user may use its socket."),
                    uri_string, remote_program(uri), uri->host, status,
                    said != NULL ? said : _("no message"), uri->host);
    else
        return FALSE;
    return TRUE;
}

char *
marina_ssh_last_message(const char *stderr_text)
{
    g_auto(Messages) m = {NULL};

    messages_init(&m, stderr_text);
    return last_message(&m);
}

void
marina_ssh_explain_failure(const MarinaUri *uri, const MarinaSshOutcome *outcome,
                           const GError *cause, GError **error)
{
    g_autofree char *uri_string = marina_uri_to_string(uri);
    g_auto(Messages) m = {NULL};
    int status = outcome->exit_status;
    gboolean could_ask;

    g_debug("ssh to %s failed (exit status %d): %s", uri->host, status,
            cause != NULL ? cause->message : "(no detail)");
    if (cause != NULL && g_error_matches(cause, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
        g_set_error_literal(error, cause->domain, cause->code, cause->message);
        return;
    }
    messages_init(&m, outcome->stderr_text);
    /* With a display but no askpass program installed, ssh meant to ask and
     * could not: "ssh_askpass: exec(/usr/bin/ssh-askpass): No such file". */
    could_ask = outcome->could_ask && find_line(&m, "ssh_askpass: exec(") == NULL;
    if (status == SSH_EXIT_FAILED && (explain_host_key(uri, uri_string, &m, could_ask, error) ||
                                      explain_unreachable(uri, uri_string, &m, error) ||
                                      explain_auth(uri, uri_string, &m, could_ask, error)))
        return;
    if (status > 0 && status != SSH_EXIT_FAILED &&
        explain_not_installed(uri, uri_string, status, &m, error))
        return;
    /* What the connection saw itself: a greeting of another protocol, or no
     * greeting at all, says more than the exit status of a marinad that then
     * refused this client or read an end of file. */
    if (cause != NULL && cause->domain == MARINA_ERROR) {
        g_set_error_literal(error, cause->domain, cause->code, cause->message);
        return;
    }
    if (status > 0 && status != SSH_EXIT_FAILED &&
        explain_refusal(uri, uri_string, status, &m, error))
        return;
    if (explain_other(uri, uri_string, status, &m, error))
        return;
    g_set_error(error, MARINA_ERROR, MARINA_ERROR_NO_CONNECTION,
                _("Cannot connect to %s: the daemon on %s did not answer (%s). Check that '%s' "
                  "there is marinad, and that the daemon runs."),
                uri_string, uri->host, cause != NULL ? cause->message : _("no detail"),
                remote_program(uri));
}

gboolean
marina_ssh_error_is_transient(const GError *error)
{
    static const MarinaError lasting[] = {
        MARINA_ERROR_AUTH_FAILED,   MARINA_ERROR_HOST_KEY_CHANGED,  MARINA_ERROR_HOST_KEY_UNKNOWN,
        MARINA_ERROR_NOT_INSTALLED, MARINA_ERROR_PROTOCOL_MISMATCH,
    };

    g_return_val_if_fail(error != NULL, FALSE);
    for (guint i = 0; i < G_N_ELEMENTS(lasting); i++)
        if (g_error_matches(error, MARINA_ERROR, (gint)lasting[i]))
            return FALSE;
    return TRUE;
}

/* ---------------------------------------------------------------------------------------------
 * The greeting
 */

gboolean
marina_ssh_check_hello(const MarinaUri *uri, const char *line, gsize len, gboolean complete,
                       GError **error)
{
    g_autofree char *uri_string = marina_uri_to_string(uri);
    g_autofree char *version = NULL;
    g_autofree char *said = NULL;
    guint protocol = 0;

    if (complete && marina_protocol_parse_hello(line, len, &version, &protocol)) {
        if (protocol == MARINA_PROTOCOL_VERSION)
            return TRUE;
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_PROTOCOL_MISMATCH,
                    _("Cannot connect to %s: protocol version mismatch: %s runs marinad %s "
                      "(protocol %u), this client speaks protocol %u. Install the same Marina "
                      "version on both hosts."),
                    uri_string, uri->host, version, protocol, (guint)MARINA_PROTOCOL_VERSION);
        return FALSE;
    }
    if (len == 0 && !complete) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_NO_CONNECTION,
                    _("Cannot connect to %s: '%s' on %s ended without answering."), uri_string,
                    remote_program(uri), uri->host);
        return FALSE;
    }
    said = marina_ssh_quote_foreign(line, (gssize)len, QUOTE_MAX_CHARS);
    if (*said == '\0') {
        g_free(said);
        said = g_strdup(_("(an empty line)"));
    }
    g_set_error(error, MARINA_ERROR, MARINA_ERROR_PROTOCOL_MISMATCH,
                _("Cannot connect to %s: %s answered “%s” instead of marinad's greeting. Either "
                  "the login on %s prints text of its own (a message of the day, or a shell "
                  "startup file such as ~/.bashrc writing to its output: make it print nothing "
                  "when there is no terminal), or '%s' there is not marinad, or it is a "
                  "marinad of another version: install the same Marina version on both hosts."),
                uri_string, uri->host, said, uri->host, remote_program(uri));
    return FALSE;
}
