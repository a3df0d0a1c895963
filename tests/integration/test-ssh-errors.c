/* Why a remote connection failed: a real sshd on loopback and the client API
 * (blocking and asynchronous opens must agree), the connection manager's
 * reason, marinad's greeting and its refusal, and marinactl answering ssh's
 * questions on a terminal (a pty) while ssh's standard error is captured. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "askpass-server.h"
#include "client.h"
#include "connection-manager.h"
#include "error.h"
#include "harness.h"
#include "protocol.h"
#include "sshd-fixture.h"
#include "ssh-channel.h"
#include "sync-wait.h"

#define PASSPHRASE "open sesame"

typedef struct {
    Harness *h;
    SshdFixture *sshd;
    int port;
    char *dir;
    char *user_key;     /* authorized */
    char *stranger_key; /* not authorized */
    char *locked_key;   /* authorized, with PASSPHRASE */
    char *host_pub;
    GPtrArray *runtime_dirs; /* one per open: no shared ssh login between cases */
} Ssh;

/* A port on 127.0.0.1 that nothing listens on: bound, then let go. */
static int
closed_port(void)
{
    g_autoptr(GSocket) socket =
        g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
    g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
    g_autoptr(GSocketAddress) any = g_inet_socket_address_new(loopback, 0);
    g_autoptr(GSocketAddress) bound = NULL;

    assert_true(g_socket_bind(socket, any, FALSE, NULL));
    bound = g_socket_get_local_address(socket, NULL);
    return g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
}

static int
group_setup(void **state)
{
    Ssh *s = g_new0(Ssh, 1);

    s->h = harness_new();
    s->port = 20000 + (int)((getpid() + 7919) % 20000);
    s->dir = g_build_filename(s->h->dir, "ssh", NULL);
    s->runtime_dirs = g_ptr_array_new_with_free_func(g_free);
    s->sshd = sshd_fixture_new(s->dir, s->port);
    s->host_pub = g_strconcat(s->sshd->host_key, ".pub", NULL);
    s->user_key = sshd_fixture_new_key(s->sshd, "user", "");
    s->stranger_key = sshd_fixture_new_key(s->sshd, "stranger", "");
    s->locked_key = sshd_fixture_new_key(s->sshd, "locked", PASSPHRASE);
    sshd_fixture_authorize(s->sshd, s->user_key);
    sshd_fixture_authorize(s->sshd, s->locked_key);
    sshd_fixture_start(s->sshd, SSHD_FIXTURE_KEYS_ONLY "KbdInteractiveAuthentication no\n");
    /* Questions go to a terminal or nowhere: no desktop, no agent here. */
    g_unsetenv("DISPLAY");
    g_unsetenv("WAYLAND_DISPLAY");
    g_unsetenv("SSH_ASKPASS");
    g_unsetenv("SSH_AUTH_SOCK");
    *state = s;
    return 0;
}

/* Ends the shared logins (ControlPersist) the successful cases left. */
static void
end_shared_logins(Ssh *s)
{
    for (guint i = 0; i < s->runtime_dirs->len; i++) {
        g_autofree char *dir = g_build_filename(s->runtime_dirs->pdata[i], "marina", NULL);
        g_autoptr(GDir) listing = g_dir_open(dir, 0, NULL);
        const char *name;

        while (listing != NULL && (name = g_dir_read_name(listing)) != NULL) {
            g_autofree char *path = g_build_filename(dir, name, NULL);
            g_autofree char *option = g_strdup_printf("ControlPath=%s", path);
            const char *argv[] = {"ssh", "-o", option, "-O", "exit", "127.0.0.1", NULL};

            if (g_str_has_prefix(name, "ssh-"))
                sshd_fixture_run_quiet(argv, NULL);
        }
    }
}

static int
group_teardown(void **state)
{
    Ssh *s = *state;

    if (s == NULL)
        return 0;
    end_shared_logins(s);
    sshd_fixture_free(s->sshd);
    harness_free(s->h);
    g_ptr_array_unref(s->runtime_dirs);
    g_free(s->dir);
    g_free(s->user_key);
    g_free(s->stranger_key);
    g_free(s->locked_key);
    g_free(s->host_pub);
    g_free(s);
    return 0;
}

/* A runtime directory of its own, so that no ssh login is shared with an
 * earlier case (ControlMaster); returned for a child's environment, and set
 * in ours for opens in this process. */
static const char *
fresh_runtime_dir(Ssh *s)
{
    char *dir = g_strdup_printf("%s/rt-%u", s->dir, s->runtime_dirs->len);

    g_mkdir_with_parents(dir, 0700);
    g_ptr_array_add(s->runtime_dirs, dir);
    g_setenv("XDG_RUNTIME_DIR", dir, TRUE);
    return dir;
}

/* The URI of the test host with @key and @extra parameters ("&a=b"...);
 * ?command= is the marinad under test unless @extra names one, and the host
 * key is not checked unless @extra names known_hosts. */
static char *
uri_with(Ssh *s, int port, const char *key, const char *extra)
{
    g_autoptr(GString) uri = g_string_new(NULL);
    g_autofree char *socket = g_uri_escape_string(s->h->socket, "/", FALSE);

    g_string_printf(uri, "marina+ssh://%s@127.0.0.1:%d/session?keyfile=%s&socket=%s",
                    g_get_user_name(), port, key, socket);
    if (strstr(extra, "command=") == NULL)
        g_string_append_printf(uri, "&command=%s", g_getenv("MARINAD"));
    if (strstr(extra, "known_hosts=") == NULL)
        g_string_append(uri, "&no_verify=1");
    g_string_append(uri, extra);
    return g_string_free(g_steal_pointer(&uri), FALSE);
}

static char *
script(Ssh *s, const char *name, const char *body)
{
    char *path = g_build_filename(s->dir, name, NULL);
    g_autofree char *text = g_strdup_printf("#!/bin/sh\n%s\n", body);

    assert_true(g_file_set_contents(path, text, -1, NULL));
    assert_int_equal(g_chmod(path, 0755), 0);
    return path;
}

/* Opens a serial console channel of @uri (ssh-channel.c); its error. */
static GError *
channel_error(Ssh *s, const char *uri_string)
{
    const char *const args[] = {"serial", "0b3f6a52-1a2b-4c5d-8e9f-000000000001", "0", NULL};
    g_autoptr(MarinaUri) uri = marina_uri_parse(uri_string, NULL);
    g_autoptr(GAsyncResult) result = NULL;
    GError *error = NULL;

    assert_non_null(uri);
    fresh_runtime_dir(s);
    marina_ssh_channel_open_async(uri, args, NULL, marina_sync_wait_ready, &result);
    marina_sync_wait(&result);
    assert_int_equal(marina_ssh_channel_open_finish(result, NULL, &error), -1);
    assert_non_null(error);
    return error;
}

/* Opens @uri blocking and asynchronously, and a console channel of it; all
 * must fail alike. Returns the error, checked to have @code and to name the
 * host. */
static GError *
open_fails(Ssh *s, const char *uri, MarinaError code)
{
    g_autoptr(MarinaConnection) sync_conn = NULL;
    g_autoptr(MarinaConnection) async_conn = NULL;
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GError) async_error = NULL;
    GError *error = NULL;
    gint64 t0 = g_get_monotonic_time();

    fresh_runtime_dir(s);
    sync_conn = marina_connection_open_sync(uri, NULL, &error);
    assert_null(sync_conn);
    assert_non_null(error);
    if (!g_error_matches(error, MARINA_ERROR, (gint)code))
        fail_msg("%s: code %d, expected %d: %s", uri, error->code, code, error->message);
    assert_non_null(strstr(error->message, "127.0.0.1"));
    assert_true(marina_error_is_no_connection(error));

    fresh_runtime_dir(s);
    marina_connection_open_async(uri, NULL, marina_sync_wait_ready, &result);
    marina_sync_wait(&result);
    async_conn = marina_connection_open_finish(result, &async_error);
    assert_null(async_conn);
    assert_non_null(async_error);
    assert_int_equal(async_error->code, error->code);
    assert_string_equal(async_error->message, error->message);
    /* A console of that host would say the same thing, with the same code. */
    {
        g_autoptr(GError) on_channel = channel_error(s, uri);

        if (!g_error_matches(on_channel, MARINA_ERROR, (gint)code))
            fail_msg("%s: the channel's code is %d, the connection's %d: %s", uri, on_channel->code,
                     code, on_channel->message);
    }
    /* Every failure is told at once, not after a time-out. */
    assert_true(g_get_monotonic_time() - t0 < 20 * G_USEC_PER_SEC);
    return error;
}

static void
assert_says(const GError *error, const char *needle)
{
    if (strstr(error->message, needle) == NULL)
        fail_msg("\"%s\" does not say \"%s\"", error->message, needle);
}

/* ---------------------------------------------------------------------------------------------
 * The cases
 */

static void
test_success_still_works(void **state)
{
    Ssh *s = *state;
    g_autofree char *uri = uri_with(s, s->port, s->user_key, "");
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaConnection) conn = NULL;
    g_autoptr(MarinaConnection) async_conn = NULL;
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(MarinaHost) host = NULL;
    g_autoptr(GAsyncResult) listed = NULL;
    g_autoptr(GPtrArray) domains = NULL;

    fresh_runtime_dir(s);
    conn = marina_connection_open_sync(uri, NULL, &error);
    if (conn == NULL)
        fail_msg("open over ssh: %s", error->message);
    /* A real call over the stream the greeting came on. */
    host = marina_host_new(conn);
    marina_host_list_domains_async(host, NULL, marina_sync_wait_ready, &listed);
    marina_sync_wait(&listed);
    domains = marina_host_list_domains_finish(host, listed, &error);
    if (domains == NULL)
        fail_msg("ListDomains over ssh: %s", error->message);
    marina_connection_close(conn);

    fresh_runtime_dir(s);
    marina_connection_open_async(uri, NULL, marina_sync_wait_ready, &result);
    marina_sync_wait(&result);
    async_conn = marina_connection_open_finish(result, &error);
    if (async_conn == NULL)
        fail_msg("asynchronous open over ssh: %s", error->message);
    marina_connection_close(async_conn);
}

static void
test_host_unreachable(void **state)
{
    Ssh *s = *state;
    g_autofree char *uri = uri_with(s, closed_port(), s->user_key, "");
    g_autoptr(GError) error = open_fails(s, uri, MARINA_ERROR_HOST_UNREACHABLE);

    assert_says(error, "connection refused");
    assert_says(error, "Check the port");
}

static void
test_authentication_refused(void **state)
{
    Ssh *s = *state;
    g_autofree char *uri = uri_with(s, s->port, s->stranger_key, "");
    g_autoptr(GError) error = open_fails(s, uri, MARINA_ERROR_AUTH_FAILED);

    g_autofree char *stranger_uri = NULL;
    g_autoptr(GError) stranger = NULL;

    assert_says(error, "authentication refused");
    assert_says(error, "publickey");
    assert_says(error, "?keyfile=PATH");
    /* A user the host does not have, with a key it would take from another. */
    stranger_uri = g_strdup_printf("marina+ssh://marina-nobody@127.0.0.1:%d/session?keyfile=%s"
                                   "&no_verify=1",
                                   s->port, s->user_key);
    stranger = open_fails(s, stranger_uri, MARINA_ERROR_AUTH_FAILED);
    assert_says(stranger, "login as marina-nobody@127.0.0.1");
}

static char *
host_fingerprint(Ssh *s)
{
    const char *argv[] = {"ssh-keygen", "-l", "-f", s->host_pub, NULL};
    g_autofree char *out = NULL;
    g_auto(GStrv) words = NULL;

    assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, NULL,
                             NULL, NULL));
    words = g_strsplit(out, " ", 3);
    assert_true(g_strv_length(words) >= 2);
    return g_strdup(words[1]);
}

static void
test_host_key_changed(void **state)
{
    Ssh *s = *state;
    g_autofree char *other = sshd_fixture_new_key(s->sshd, "other-host", "");
    g_autofree char *other_pub = g_strconcat(other, ".pub", NULL);
    g_autofree char *other_text = NULL;
    g_autofree char *known = g_build_filename(s->dir, "known_hosts_changed", NULL);
    g_autofree char *line = NULL, *extra = NULL, *uri = NULL, *fingerprint = NULL;
    g_autofree char *forget = NULL;
    g_autoptr(GError) error = NULL;

    assert_true(g_file_get_contents(other_pub, &other_text, NULL, NULL));
    line = g_strdup_printf("[127.0.0.1]:%d %s", s->port, other_text);
    assert_true(g_file_set_contents(known, line, -1, NULL));
    extra = g_strdup_printf("&known_hosts=%s", known);
    uri = uri_with(s, s->port, s->user_key, extra);
    error = open_fails(s, uri, MARINA_ERROR_HOST_KEY_CHANGED);
    fingerprint = host_fingerprint(s);
    forget = g_strdup_printf("ssh-keygen -f \"%s\" -R \"[127.0.0.1]:%d\"", known, s->port);
    assert_says(error, "has changed");
    assert_says(error, fingerprint);
    assert_says(error, forget);
}

static void
test_host_key_unknown_without_terminal(void **state)
{
    Ssh *s = *state;
    g_autofree char *known = g_build_filename(s->dir, "known_hosts_empty", NULL);
    g_autofree char *extra = NULL, *uri = NULL;
    g_autoptr(GError) error = NULL;

    assert_true(g_file_set_contents(known, "", 0, NULL));
    extra = g_strdup_printf("&known_hosts=%s&no_tty=1", known);
    uri = uri_with(s, s->port, s->user_key, extra);
    error = open_fails(s, uri, MARINA_ERROR_HOST_KEY_UNKNOWN);
    assert_says(error, "not known yet");
    assert_says(error, "without a terminal");
}

static void
test_marinad_not_installed(void **state)
{
    Ssh *s = *state;
    g_autofree char *uri = uri_with(s, s->port, s->user_key, "&command=/nonexistent/marinad");
    g_autoptr(GError) error = open_fails(s, uri, MARINA_ERROR_NOT_INSTALLED);

    assert_says(error, "marinad is not installed on 127.0.0.1");
    assert_says(error, "/nonexistent/marinad");
}

static void
test_protocol_mismatch(void **state)
{
    Ssh *s = *state;
    g_autofree char *fake = script(s, "future-marinad",
                                   "echo 'MARINAD 9.9 PROTOCOL 999'\n"
                                   "exec cat >/dev/null");
    g_autofree char *extra = g_strdup_printf("&command=%s", fake);
    g_autofree char *uri = uri_with(s, s->port, s->user_key, extra);
    g_autoptr(GError) error = open_fails(s, uri, MARINA_ERROR_PROTOCOL_MISMATCH);
    g_autofree char *expected =
        g_strdup_printf("protocol version mismatch: 127.0.0.1 runs marinad 9.9 (protocol 999), "
                        "this client speaks protocol %u",
                        MARINA_PROTOCOL_VERSION);

    assert_says(error, expected);
}

/* A login that prints a banner before marinad (a motd, a ~/.bashrc). */
static void
test_banner_before_marinad(void **state)
{
    Ssh *s = *state;
    g_autofree char *body =
        g_strdup_printf("printf '\\033[1mWelcome to the test host\\033[0m\\n'\nexec %s \"$@\"",
                        g_getenv("MARINAD"));
    g_autofree char *chatty = script(s, "chatty-login", body);
    g_autofree char *extra = g_strdup_printf("&command=%s", chatty);
    g_autofree char *uri = uri_with(s, s->port, s->user_key, extra);
    g_autoptr(GError) error = open_fails(s, uri, MARINA_ERROR_PROTOCOL_MISMATCH);

    assert_says(error, "answered “Welcome to the test host” instead of marinad's greeting");
    assert_null(strchr(error->message, '\033'));
}

/* Endless output that is no line at all: read no further than a greeting's
 * length, then refused at once. */
static void
test_endless_answer(void **state)
{
    Ssh *s = *state;
    g_autofree char *flood = script(s, "flood", "exec yes 'MARINAD MARINAD MARINAD' | tr -d '\\n'");
    g_autofree char *extra = g_strdup_printf("&command=%s", flood);
    g_autofree char *uri = uri_with(s, s->port, s->user_key, extra);
    g_autoptr(GError) error = open_fails(s, uri, MARINA_ERROR_PROTOCOL_MISMATCH);

    assert_says(error, "instead of marinad's greeting");
    assert_true(strlen(error->message) < 2000);
}

/* The reverse check: a marinad that does not serve the client's protocol
 * greets, refuses on its standard error, and the client shows why. */
static void
test_marinad_refuses_client_protocol(void **state)
{
    Ssh *s = *state;
    g_autofree char *body = g_strdup_printf("exec %s \"$@\" --protocol=999", g_getenv("MARINAD"));
    g_autofree char *strict = script(s, "strict-marinad", body);
    g_autofree char *extra = g_strdup_printf("&command=%s", strict);
    g_autofree char *uri = uri_with(s, s->port, s->user_key, extra);
    g_autoptr(GError) error = open_fails(s, uri, MARINA_ERROR_PROTOCOL_MISMATCH);

    assert_says(error, "refused this client");
    assert_says(error, "the client speaks protocol 999");
}

/* marinad --connect-stdio itself: the greeting, the refusal, and no greeting
 * for a client that announces no protocol (one older than the exchange). */
static void
test_connect_stdio_greeting(void **state)
{
    Ssh *s = *state;
    g_autofree char *socket_arg = g_strdup_printf("--socket=%s", s->h->socket);
    g_autofree char *hello = marina_protocol_hello();
    g_autofree char *own = g_strdup_printf("--protocol=%u", MARINA_PROTOCOL_VERSION);
    const char *refused[] = {g_getenv("MARINAD"), "--connect-stdio", "--protocol=999", socket_arg,
                             NULL};
    const char *accepted[] = {g_getenv("MARINAD"), "--connect-stdio", own, socket_arg, NULL};
    const char *legacy[] = {g_getenv("MARINAD"), "--connect-stdio", socket_arg, NULL};
    const char *misplaced[] = {g_getenv("MARINAD"), "--protocol=1", socket_arg, NULL};
    g_autofree char *out = NULL, *err = NULL;
    int status = -1;

    (void)s;
    assert_true(g_spawn_sync(NULL, (char **)refused, NULL, G_SPAWN_STDIN_FROM_DEV_NULL, NULL, NULL,
                             &out, &err, &status, NULL));
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), MARINA_PROTOCOL_EXIT_REFUSED);
    assert_string_equal(out, hello);
    assert_non_null(strstr(err, "protocol 999"));
    g_clear_pointer(&out, g_free);
    g_clear_pointer(&err, g_free);

    /* The greeting comes first; stdin's end then ends the bridge. */
    assert_true(g_spawn_sync(NULL, (char **)accepted, NULL, G_SPAWN_STDIN_FROM_DEV_NULL, NULL, NULL,
                             &out, &err, &status, NULL));
    assert_string_equal(out, hello);
    g_clear_pointer(&out, g_free);
    g_clear_pointer(&err, g_free);

    assert_true(g_spawn_sync(NULL, (char **)legacy, NULL, G_SPAWN_STDIN_FROM_DEV_NULL, NULL, NULL,
                             &out, &err, &status, NULL));
    assert_string_equal(out, "");
    g_clear_pointer(&out, g_free);
    g_clear_pointer(&err, g_free);

    assert_true(g_spawn_sync(NULL, (char **)misplaced, NULL, G_SPAWN_STDIN_FROM_DEV_NULL, NULL,
                             NULL, &out, &err, &status, NULL));
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 2);
    assert_non_null(strstr(err, "--connect-stdio"));
}

static void
on_connect_failed(MarinaConnectionEntry *entry, GError *error, gpointer user_data)
{
    GError **seen = user_data;

    g_clear_error(seen);
    *seen = g_error_copy(error);
}

/* What the manager window shows for a failed connection is the entry's
 * reason (the row's "Disconnected: REASON") and the "connect-failed" error
 * (its dialog): both the classified message. */
static void
test_manager_shows_the_reason(void **state)
{
    Ssh *s = *state;
    g_autofree char *uri = uri_with(s, s->port, s->stranger_key, "");
    g_autoptr(GError) expected = open_fails(s, uri, MARINA_ERROR_AUTH_FAILED);
    g_autoptr(MarinaConnectionManager) manager = marina_connection_manager_new();
    MarinaConnectionEntry *entry = marina_connection_manager_add(manager, uri);
    g_autoptr(GError) seen = NULL;
    gint64 deadline = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;

    fresh_runtime_dir(s);
    g_signal_connect(entry, "connect-failed", G_CALLBACK(on_connect_failed), &seen);
    marina_connection_entry_connect(entry);
    while (seen == NULL && g_get_monotonic_time() < deadline)
        g_main_context_iteration(NULL, TRUE);
    assert_non_null(seen);
    assert_true(g_error_matches(seen, MARINA_ERROR, MARINA_ERROR_AUTH_FAILED));
    assert_int_equal(marina_connection_entry_get_state(entry),
                     MARINA_CONNECTION_STATE_DISCONNECTED);
    assert_string_equal(marina_connection_entry_get_reason(entry), expected->message);
    g_signal_handlers_disconnect_by_data(entry, &seen);
}

static void
on_closed(MarinaConnection *connection, GError *reason, gpointer user_data)
{
    GError **seen = user_data;

    *seen = reason != NULL ? g_error_copy(reason)
                           : g_error_new_literal(G_IO_ERROR, G_IO_ERROR_FAILED, "no reason");
}

/* A connection that ends (here: its shared ssh login is ended) says so, with
 * ssh's last words when it had any. */
static void
test_lost_connection_says_why(void **state)
{
    Ssh *s = *state;
    g_autofree char *uri = uri_with(s, s->port, s->user_key, "");
    const char *runtime = fresh_runtime_dir(s);
    g_autoptr(GError) error = NULL;
    g_autoptr(GError) reason = NULL;
    g_autoptr(MarinaConnection) conn = marina_connection_open_sync(uri, NULL, &error);
    g_autofree char *dir = g_build_filename(runtime, "marina", NULL);
    g_autoptr(GDir) listing = NULL;
    const char *name;
    gint64 deadline = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;

    if (conn == NULL)
        fail_msg("open over ssh: %s", error->message);
    g_signal_connect(conn, "closed", G_CALLBACK(on_closed), &reason);
    listing = g_dir_open(dir, 0, NULL);
    assert_non_null(listing);
    while ((name = g_dir_read_name(listing)) != NULL) {
        g_autofree char *path = g_build_filename(dir, name, NULL);
        g_autofree char *option = g_strdup_printf("ControlPath=%s", path);
        const char *argv[] = {"ssh", "-o", option, "-O", "exit", "127.0.0.1", NULL};

        if (g_str_has_prefix(name, "ssh-"))
            assert_true(sshd_fixture_run_quiet(argv, NULL));
    }
    while (reason == NULL && g_get_monotonic_time() < deadline)
        g_main_context_iteration(NULL, TRUE);
    assert_non_null(reason);
    assert_true(g_error_matches(reason, MARINA_ERROR, MARINA_ERROR_NO_CONNECTION));
    assert_says(reason, "was closed");
    g_signal_handlers_disconnect_by_data(conn, &reason);
    g_print("lost connection: %s\n", reason->message);
}

/* ---------------------------------------------------------------------------------------------
 * Coming back by itself
 */

/* The askpass server's test handler: it answers the key's passphrase while
 * a person may be asked (a connect they asked for), and counts every
 * question that came when nobody may be asked. */
typedef struct {
    gboolean may_ask;
    guint asked;
    guint asked_unbidden;
} Asker;

static void
on_question(MarinaAskpassServer *server, MarinaAskpassQuestion *question, Asker *asker)
{
    asker->asked++;
    if (!asker->may_ask) {
        asker->asked_unbidden++;
        marina_askpass_question_cancel(question);
        return;
    }
    marina_askpass_question_reply(question, PASSPHRASE);
}

static gboolean
entry_lists(MarinaConnectionEntry *entry, const char *name)
{
    MarinaGuestList *list = marina_connection_entry_get_guest_list(entry);

    if (list == NULL || !marina_guest_list_is_loaded(list))
        return FALSE;
    for (guint i = 0; i < g_list_model_get_n_items(G_LIST_MODEL(list)); i++) {
        g_autoptr(MarinaGuest) guest = g_list_model_get_item(G_LIST_MODEL(list), i);

        if (g_strcmp0(marina_guest_get_name(guest), name) == 0)
            return TRUE;
    }
    return FALSE;
}

static gboolean
entry_disconnected(MarinaConnectionEntry *entry)
{
    return marina_connection_entry_get_state(entry) == MARINA_CONNECTION_STATE_DISCONNECTED &&
           !marina_connection_entry_is_opening(entry);
}

/* Nothing opens it again for a retry period and more. */
static void
assert_stays_disconnected(MarinaConnectionEntry *entry)
{
    for (int i = 0; i < MARINA_CONNECTION_ENTRY_RETRY_SECONDS + 2; i++) {
        harness_iterate(1000);
        assert_int_equal(marina_connection_entry_get_state(entry),
                         MARINA_CONNECTION_STATE_DISCONNECTED);
        assert_false(marina_connection_entry_is_opening(entry));
    }
}

/* A remote host's entry follows its daemon across a restart as a local one
 * does, quietly: the retries share the login still there and ask nothing.
 * Without that login the quiet retry cannot log in: it says so and waits
 * for Reconnect, which may ask. A disconnect on request is not retried. */
static void
test_entry_follows_a_remote_daemon_restart(void **state)
{
    Ssh *s = *state;
    /* A key with a passphrase: logging in anew always asks. */
    g_autofree char *uri = uri_with(s, s->port, s->locked_key, "");
    g_autofree char *xml = harness_guest_xml("ssh-comes-back", NULL);
    g_autoptr(MarinaDBusDomain) dom = harness_define(s->h, xml);
    g_autoptr(MarinaConnectionManager) manager = marina_connection_manager_new();
    g_autoptr(MarinaAskpassServer) server = NULL;
    g_autoptr(MarinaConnection) first = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GError) failed = NULL;
    Asker asker = {.may_ask = TRUE};
    MarinaConnectionEntry *entry;
    const guint wait_ms = (MARINA_CONNECTION_ENTRY_RETRY_SECONDS + 20) * 1000;

    fresh_runtime_dir(s);
    server = marina_askpass_server_new(&error);
    assert_non_null(server);
    g_signal_connect(server, "question", G_CALLBACK(on_question), &asker);
    marina_askpass_server_install(server);
    entry = marina_connection_manager_add(manager, uri);
    g_signal_connect(entry, "connect-failed", G_CALLBACK(on_connect_failed), &failed);
    marina_connection_entry_connect(entry);
    assert_true(HARNESS_WAIT_FOR(entry_lists(entry, "ssh-comes-back"), 20000));
    assert_int_equal(asker.asked, 1); /* the passphrase, for the connect asked for */
    asker.may_ask = FALSE;
    first = g_object_ref(marina_connection_entry_get_connection(entry));

    /* The remote daemon restarts: the entry is back by itself, asking nothing. */
    harness_stop_daemon(s->h, SIGKILL);
    assert_true(HARNESS_WAIT_FOR(
        marina_connection_entry_get_state(entry) == MARINA_CONNECTION_STATE_DISCONNECTED, 20000));
    assert_non_null(marina_connection_entry_get_reason(entry));
    harness_start_daemon(s->h);
    assert_true(HARNESS_WAIT_FOR(entry_lists(entry, "ssh-comes-back"), wait_ms));
    assert_int_equal(marina_connection_entry_get_state(entry), MARINA_CONNECTION_STATE_CONNECTED);
    assert_null(marina_connection_entry_get_reason(entry));
    assert_ptr_not_equal(marina_connection_entry_get_connection(entry), first);
    assert_int_equal(asker.asked_unbidden, 0);
    assert_null(failed); /* nobody asked for it: nothing to report */

    /* The shared login ends (and the connection with it): logging in again
     * needs the passphrase, which a quiet retry does not ask for. It says
     * why and stops. */
    end_shared_logins(s);
    assert_true(HARNESS_WAIT_FOR(
        entry_disconnected(entry) &&
            strstr(marina_connection_entry_get_reason(entry), "authentication refused") != NULL,
        wait_ms));
    assert_stays_disconnected(entry);
    assert_int_equal(asker.asked_unbidden, 0);
    assert_null(failed);

    /* Reconnect is asked for: it may ask. */
    asker.may_ask = TRUE;
    marina_connection_entry_reconnect(entry);
    assert_true(HARNESS_WAIT_FOR(entry_lists(entry, "ssh-comes-back"), 20000));
    assert_int_equal(asker.asked, 2);

    /* Disconnecting on request: no reason, no retry. */
    asker.may_ask = FALSE;
    marina_connection_entry_disconnect(entry);
    assert_true(HARNESS_WAIT_FOR(entry_disconnected(entry), 5000));
    assert_null(marina_connection_entry_get_reason(entry));
    assert_stays_disconnected(entry);
    assert_int_equal(asker.asked_unbidden, 0);

    g_signal_handlers_disconnect_by_data(entry, &failed);
    marina_askpass_server_install(NULL);
    end_shared_logins(s);
    harness_connect(s->h); /* the harness's own connection, for its teardown */
}

/* A remote host that could not be reached at the first connect is not
 * tried again by itself, even though the failure might go away: only a
 * connection that worked and was lost is. */
static void
test_failed_first_connect_is_not_retried(void **state)
{
    Ssh *s = *state;
    g_autofree char *uri = uri_with(s, closed_port(), s->user_key, "");
    g_autoptr(MarinaConnectionManager) manager = marina_connection_manager_new();
    MarinaConnectionEntry *entry = marina_connection_manager_add(manager, uri);
    g_autoptr(GError) failed = NULL;

    fresh_runtime_dir(s);
    g_signal_connect(entry, "connect-failed", G_CALLBACK(on_connect_failed), &failed);
    marina_connection_entry_connect(entry);
    assert_true(HARNESS_WAIT_FOR(failed != NULL, 20000));
    assert_true(g_error_matches(failed, MARINA_ERROR, MARINA_ERROR_HOST_UNREACHABLE));
    assert_true(entry_disconnected(entry));
    assert_stays_disconnected(entry);
    g_signal_handlers_disconnect_by_data(entry, &failed);
}

/* ---------------------------------------------------------------------------------------------
 * On a terminal
 */

typedef struct {
    const char *question; /* answered once, when it appears */
    const char *answer;
} Answer;

/* Runs marinactl @args on a new pseudo-terminal with @runtime_dir, answering
 * @answers; returns its exit status, and everything the terminal showed in
 * *shown. */
static int
marinactl_on_terminal(const char *runtime_dir, const char *const *args, const Answer *answers,
                      guint n_answers, char **shown)
{
    g_autoptr(GString) screen = g_string_new(NULL);
    gboolean answered[8] = {FALSE};
    gint64 deadline = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;
    int master = -1, status = -1;
    pid_t pid;

    g_assert(n_answers <= G_N_ELEMENTS(answered));
    pid = forkpty(&master, NULL, NULL, NULL);
    assert_true(pid >= 0);
    if (pid == 0) {
        GStrvBuilder *builder = g_strv_builder_new();
        char **argv;

        g_strv_builder_add(builder, g_getenv("MARINACTL"));
        g_strv_builder_addv(builder, (const char **)args);
        argv = g_strv_builder_end(builder);
        setenv("XDG_RUNTIME_DIR", runtime_dir, 1);
        execv(argv[0], argv);
        _exit(127);
    }
    for (;;) {
        struct pollfd pfd = {master, POLLIN, 0};
        char buffer[1024];
        ssize_t n;

        if (g_get_monotonic_time() > deadline) {
            kill(pid, SIGKILL);
            break;
        }
        if (poll(&pfd, 1, 200) <= 0)
            continue;
        n = read(master, buffer, sizeof buffer);
        if (n <= 0) /* EIO: the terminal's last user went away */
            break;
        g_string_append_len(screen, buffer, n);
        for (guint i = 0; i < n_answers; i++) {
            if (!answered[i] && strstr(screen->str, answers[i].question) != NULL) {
                g_autofree char *line = g_strconcat(answers[i].answer, "\n", NULL);
                answered[i] = TRUE;
                assert_int_equal(write(master, line, strlen(line)), (ssize_t)strlen(line));
            }
        }
    }
    close(master);
    waitpid(pid, &status, 0);
    *shown = g_string_free(g_steal_pointer(&screen), FALSE);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* ssh asks on the terminal (/dev/tty), not on the standard error Marina now
 * reads: a new host key is accepted and a key's passphrase typed there. */
static void
test_terminal_questions_still_work(void **state)
{
    Ssh *s = *state;
    g_autofree char *known = g_build_filename(s->dir, "known_hosts_terminal", NULL);
    g_autofree char *extra = NULL, *uri = NULL, *shown = NULL, *remembered = NULL;
    const char *args[] = {"-c", NULL, "list", "--all", NULL};
    const Answer answers[] = {
        {"(yes/no", "yes"},
        {"Enter passphrase for key", PASSPHRASE},
    };
    int status;

    assert_true(g_file_set_contents(known, "", 0, NULL));
    extra = g_strdup_printf("&known_hosts=%s", known);
    uri = uri_with(s, s->port, s->locked_key, extra);
    args[1] = uri;
    status =
        marinactl_on_terminal(fresh_runtime_dir(s), args, answers, G_N_ELEMENTS(answers), &shown);
    if (status != 0)
        fail_msg("marinactl on a terminal: status %d, the terminal showed:\n%s", status, shown);
    assert_non_null(strstr(shown, "Enter passphrase for key"));
    assert_non_null(strstr(shown, "Name")); /* the listing's heading */
    /* The accepted key was remembered where the URI said. */
    assert_true(g_file_get_contents(known, &remembered, NULL, NULL));
    assert_non_null(strstr(remembered, "ssh-ed25519"));
}

static void
test_terminal_declined_host_key(void **state)
{
    Ssh *s = *state;
    g_autofree char *known = g_build_filename(s->dir, "known_hosts_declined", NULL);
    g_autofree char *extra = NULL, *uri = NULL, *shown = NULL;
    const char *args[] = {"-c", NULL, "list", NULL};
    const Answer answers[] = {{"(yes/no", "no"}};
    int status;

    assert_true(g_file_set_contents(known, "", 0, NULL));
    extra = g_strdup_printf("&known_hosts=%s", known);
    uri = uri_with(s, s->port, s->user_key, extra);
    args[1] = uri;
    status =
        marinactl_on_terminal(fresh_runtime_dir(s), args, answers, G_N_ELEMENTS(answers), &shown);
    assert_int_equal(status, 1);
    if (strstr(shown, "is not known yet and was not accepted") == NULL)
        fail_msg("the terminal showed:\n%s", shown);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_success_still_works),
        cmocka_unit_test(test_host_unreachable),
        cmocka_unit_test(test_authentication_refused),
        cmocka_unit_test(test_host_key_changed),
        cmocka_unit_test(test_host_key_unknown_without_terminal),
        cmocka_unit_test(test_marinad_not_installed),
        cmocka_unit_test(test_protocol_mismatch),
        cmocka_unit_test(test_banner_before_marinad),
        cmocka_unit_test(test_endless_answer),
        cmocka_unit_test(test_marinad_refuses_client_protocol),
        cmocka_unit_test(test_connect_stdio_greeting),
        cmocka_unit_test(test_manager_shows_the_reason),
        cmocka_unit_test(test_lost_connection_says_why),
        cmocka_unit_test(test_entry_follows_a_remote_daemon_restart),
        cmocka_unit_test(test_failed_first_connect_is_not_retried),
        cmocka_unit_test(test_terminal_questions_still_work),
        cmocka_unit_test(test_terminal_declined_host_key),
    };

    if (!g_file_test("/usr/sbin/sshd", G_FILE_TEST_IS_EXECUTABLE)) {
        fprintf(stderr, "sshd is not installed (openssh-server); tools/test installs it\n");
        return 1;
    }
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
