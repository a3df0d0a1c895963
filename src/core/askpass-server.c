/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The listening side of marina-askpass: a private unix socket, one question
 * per connection, handed to the application (see askpass-server.h). */
#define G_LOG_DOMAIN "marina-askpass"

#include "config.h"

#include "askpass-server.h"

#include <errno.h>
#include <gio/gunixsocketaddress.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <sys/random.h>
#include <unistd.h>

#include "error.h"
#include "paths.h"

/* Bounds against a peer (of our own uid, still) that floods or stalls. */
#define MAX_LOGINS 256       /* tokens remembered; the oldest is forgotten first */
#define MAX_READING 16       /* connections still sending their request */
#define REQUEST_TIMEOUT_S 10 /* to send a whole request */
#define N_KINDS (MARINA_ASKPASS_KIND_CONFIRM + 1)

typedef struct {
    char *uri;
    guint asked[N_KINDS]; /* questions of each kind so far in this login */
    gboolean cancelled;   /* the person said no once: ssh's next tries get no for an answer */
} Login;

struct _MarinaAskpassServer {
    GObject parent_instance;

    GSocketService *service;
    char *dir;
    char *socket_path;
    guint n_reading;

    GMutex lock;        /* guards logins and order: launchers may be made on any thread */
    GHashTable *logins; /* token -> Login */
    GQueue order;       /* tokens, oldest first */
};

enum { SIGNAL_QUESTION, N_SIGNALS };

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE(MarinaAskpassServer, marina_askpass_server, G_TYPE_OBJECT)

static void
login_free(gpointer data)
{
    Login *login = data;

    g_free(login->uri);
    g_free(login);
}

/* ------------------------------------------------------------- requests */

typedef struct {
    MarinaAskpassServer *server;
    GSocketConnection *connection;
    GCancellable *cancellable;
    guint timeout_id;
    guint8 header[MARINA_ASKPASS_HEADER_SIZE];
    guint8 *body;
    gsize body_len;
} Request;

static void
request_free(Request *req)
{
    req->server->n_reading--;
    g_clear_handle_id(&req->timeout_id, g_source_remove);
    g_clear_object(&req->cancellable);
    g_clear_object(&req->connection);
    g_clear_object(&req->server);
    g_free(req->body);
    g_free(req);
}

static gboolean
on_request_timeout(gpointer user_data)
{
    Request *req = user_data;

    g_debug("askpass peer sent no complete request within %d s; dropped", REQUEST_TIMEOUT_S);
    req->timeout_id = 0;
    g_cancellable_cancel(req->cancellable);
    return G_SOURCE_REMOVE;
}

/* Which login @token is, counting this question of @kind; the URI (or NULL
 * for an unknown token) and the attempt number. */
static char *
count_question(MarinaAskpassServer *self, const char *token, MarinaAskpassKind kind, guint *attempt,
               gboolean *cancelled)
{
    Login *login;
    char *uri = NULL;

    g_mutex_lock(&self->lock);
    login = g_hash_table_lookup(self->logins, token);
    *cancelled = login != NULL && login->cancelled;
    *attempt = 1;
    if (login != NULL) {
        *attempt = ++login->asked[kind];
        uri = g_strdup(login->uri);
    }
    g_mutex_unlock(&self->lock);
    return uri;
}

/* ssh takes a cancelled password for an empty one and asks again: one
 * Cancel should end the login, not bring the dialog back three times. */
static void
on_question_cancelled(MarinaAskpassQuestion *question, MarinaAskpassServer *self)
{
    const char *token = g_object_get_data(G_OBJECT(question), "marina-askpass-token");
    Login *login;

    g_mutex_lock(&self->lock);
    login = g_hash_table_lookup(self->logins, token);
    if (login != NULL)
        login->cancelled = TRUE;
    g_mutex_unlock(&self->lock);
}

static void
on_body_read(GObject *source, GAsyncResult *result, gpointer user_data)
{
    Request *req = user_data;
    g_autoptr(MarinaAskpassServer) self = g_object_ref(req->server);
    g_autoptr(GError) error = NULL;
    g_autofree char *token = NULL, *prompt = NULL, *hint = NULL, *safe = NULL;
    g_autofree char *uri = NULL, *host = NULL, *fingerprint = NULL;
    g_autoptr(MarinaAskpassQuestion) question = NULL;
    gsize got = 0;
    guint attempt = 1;
    gboolean cancelled = FALSE;

    if (!g_input_stream_read_all_finish(G_INPUT_STREAM(source), result, &got, &error) ||
        got != req->body_len ||
        !marina_askpass_decode_request(req->body, req->body_len, &token, &prompt, &hint, &error)) {
        g_debug("askpass request dropped: %s", error != NULL ? error->message : "short read");
        request_free(req);
        return;
    }
    safe = marina_askpass_sanitize_prompt(prompt);
    uri = count_question(self, token, marina_askpass_classify(safe, hint, &host, &fingerprint),
                         &attempt, &cancelled);
    question = marina_askpass_question_new(req->connection, prompt, hint, uri, attempt);
    request_free(req);
    if (cancelled) {
        g_debug("ssh asks again in a login the person cancelled: no");
        marina_askpass_question_cancel(question);
        return;
    }
    /* connect_object: a question that outlives the server tells nobody. */
    g_object_set_data_full(G_OBJECT(question), "marina-askpass-token", g_strdup(token), g_free);
    g_signal_connect_object(question, "cancelled", G_CALLBACK(on_question_cancelled), self, 0);
    /* Never the answer, and not the prompt either (it may name a key file). */
    g_debug("ssh asks a %s question (attempt %u) for %s",
            marina_askpass_kind_to_string(marina_askpass_question_get_kind(question)), attempt,
            uri != NULL ? uri : "an unknown login");
    g_signal_emit(self, signals[SIGNAL_QUESTION], 0, question);
}

static void
on_header_read(GObject *source, GAsyncResult *result, gpointer user_data)
{
    Request *req = user_data;
    g_autoptr(GError) error = NULL;
    gsize got = 0;

    if (!g_input_stream_read_all_finish(G_INPUT_STREAM(source), result, &got, &error) ||
        !marina_askpass_parse_header(req->header, got, &req->body_len, &error)) {
        g_debug("askpass request dropped: %s", error != NULL ? error->message : "short read");
        request_free(req);
        return;
    }
    req->body = g_malloc(req->body_len);
    g_input_stream_read_all_async(G_INPUT_STREAM(source), req->body, req->body_len,
                                  G_PRIORITY_DEFAULT, req->cancellable, on_body_read, req);
}

static gboolean
peer_is_us(GSocketConnection *connection)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GCredentials) creds =
        g_socket_get_credentials(g_socket_connection_get_socket(connection), &error);
    uid_t uid;

    if (creds == NULL) {
        g_debug("askpass peer without credentials: %s", error->message);
        return FALSE;
    }
    uid = g_credentials_get_unix_user(creds, &error);
    return uid == getuid();
}

static gboolean
on_incoming(GSocketService *service, GSocketConnection *connection, GObject *source_object,
            gpointer user_data)
{
    MarinaAskpassServer *self = user_data;
    Request *req;

    if (!peer_is_us(connection)) {
        g_warning("askpass: refused a connection from another user");
        return TRUE; /* dropping the connection closes it */
    }
    if (self->n_reading >= MAX_READING) {
        g_debug("askpass: too many requests under way; one dropped");
        return TRUE;
    }
    req = g_new0(Request, 1);
    self->n_reading++;
    req->server = g_object_ref(self);
    req->connection = g_object_ref(connection);
    req->cancellable = g_cancellable_new();
    req->timeout_id = g_timeout_add_seconds(REQUEST_TIMEOUT_S, on_request_timeout, req);
    g_input_stream_read_all_async(g_io_stream_get_input_stream(G_IO_STREAM(connection)),
                                  req->header, sizeof req->header, G_PRIORITY_DEFAULT,
                                  req->cancellable, on_header_read, req);
    return TRUE;
}

/* --------------------------------------------------------------- logins */

static char *
new_token(void)
{
    guint8 raw[16];
    GString *hex = g_string_sized_new(2 * sizeof raw);

    /* Unguessable, so that a token names one login and nothing else. */
    if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw)
        for (gsize i = 0; i < sizeof raw; i++)
            raw[i] = (guint8)g_random_int();
    for (gsize i = 0; i < sizeof raw; i++)
        g_string_append_printf(hex, "%02x", raw[i]);
    explicit_bzero(raw, sizeof raw);
    return g_string_free(hex, FALSE);
}

static char *
register_login(MarinaAskpassServer *self, const MarinaUri *uri)
{
    Login *login = g_new0(Login, 1);
    char *token = new_token();

    login->uri = marina_uri_to_string(uri);
    g_mutex_lock(&self->lock);
    if (g_queue_get_length(&self->order) >= MAX_LOGINS) {
        g_autofree char *oldest = g_queue_pop_head(&self->order);
        g_hash_table_remove(self->logins, oldest);
    }
    g_hash_table_insert(self->logins, g_strdup(token), login);
    g_queue_push_tail(&self->order, g_strdup(token));
    g_mutex_unlock(&self->lock);
    return token;
}

char *
marina_askpass_helper_path(void)
{
    const char *env = g_getenv("MARINA_ASKPASS");

    if (env != NULL && *env != '\0')
        return g_strdup(env);
    if (marina_paths_running_uninstalled())
        return g_build_filename(MARINA_BUILD_ROOT, "src", "askpass", "marina-askpass", NULL);
    return g_build_filename(MARINA_PKGLIBEXECDIR, "marina-askpass", NULL);
}

gboolean
marina_askpass_server_prepare_launcher(MarinaAskpassServer *self, GSubprocessLauncher *launcher,
                                       const MarinaUri *uri)
{
    g_autofree char *helper = marina_askpass_helper_path();
    g_autofree char *token = NULL;

    g_return_val_if_fail(MARINA_IS_ASKPASS_SERVER(self), FALSE);
    if (!g_file_test(helper, G_FILE_TEST_IS_EXECUTABLE)) {
        g_warning("The askpass helper %s is missing: ssh will ask on its terminal", helper);
        return FALSE;
    }
    token = register_login(self, uri);
    g_subprocess_launcher_setenv(launcher, "SSH_ASKPASS", helper, TRUE);
    /* force: even with a terminal (marina started from one) the question
     * belongs in the window that asked for the connection. */
    g_subprocess_launcher_setenv(launcher, "SSH_ASKPASS_REQUIRE", "force", TRUE);
    g_subprocess_launcher_setenv(launcher, "MARINA_ASKPASS_SOCKET", self->socket_path, TRUE);
    g_subprocess_launcher_setenv(launcher, "MARINA_ASKPASS_TOKEN", token, TRUE);
    return TRUE;
}

/* ------------------------------------------------------------ installed */

static GMutex installed_lock;
static MarinaAskpassServer *installed;

void
marina_askpass_server_install(MarinaAskpassServer *server)
{
    MarinaAskpassServer *old;

    g_return_if_fail(server == NULL || MARINA_IS_ASKPASS_SERVER(server));
    g_mutex_lock(&installed_lock);
    old = installed;
    installed = server != NULL ? g_object_ref(server) : NULL;
    g_mutex_unlock(&installed_lock);
    g_clear_object(&old);
}

MarinaAskpassServer *
marina_askpass_server_dup_installed(void)
{
    MarinaAskpassServer *server;

    g_mutex_lock(&installed_lock);
    server = installed != NULL ? g_object_ref(installed) : NULL;
    g_mutex_unlock(&installed_lock);
    return server;
}

/* ----------------------------------------------------------------- life */

const char *
marina_askpass_server_get_socket_path(MarinaAskpassServer *self)
{
    g_return_val_if_fail(MARINA_IS_ASKPASS_SERVER(self), NULL);
    return self->socket_path;
}

static gboolean
listen_on(MarinaAskpassServer *self, GError **error)
{
    g_autofree char *runtime = marina_paths_session_runtime_dir();
    g_autofree char *template = NULL;
    g_autoptr(GSocketAddress) address = NULL;

    if (g_mkdir_with_parents(runtime, 0700) != 0) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_FAILED,
                    _("Cannot create the directory %s: %s"), runtime, g_strerror(errno));
        return FALSE;
    }
    /* A directory only we can enter: the socket's own mode is not honoured
     * everywhere, the directory's is. */
    template = g_build_filename(runtime, "askpass-XXXXXX", NULL);
    self->dir = g_mkdtemp_full(template, 0700);
    if (self->dir == NULL) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_FAILED,
                    _("Cannot create a private directory in %s: %s"), runtime, g_strerror(errno));
        return FALSE;
    }
    g_steal_pointer(&template);
    self->socket_path = g_build_filename(self->dir, "socket", NULL);
    address = g_unix_socket_address_new(self->socket_path);
    self->service = g_socket_service_new();
    if (!g_socket_listener_add_address(G_SOCKET_LISTENER(self->service), address,
                                       G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, NULL, NULL,
                                       error))
        return FALSE;
    g_signal_connect(self->service, "incoming", G_CALLBACK(on_incoming), self);
    g_socket_service_start(self->service);
    return TRUE;
}

MarinaAskpassServer *
marina_askpass_server_new(GError **error)
{
    g_autoptr(MarinaAskpassServer) self = g_object_new(MARINA_TYPE_ASKPASS_SERVER, NULL);

    if (!listen_on(self, error))
        return NULL;
    return g_steal_pointer(&self);
}

static void
marina_askpass_server_dispose(GObject *object)
{
    MarinaAskpassServer *self = MARINA_ASKPASS_SERVER(object);

    if (self->service != NULL) {
        g_socket_service_stop(self->service);
        g_socket_listener_close(G_SOCKET_LISTENER(self->service));
        g_signal_handlers_disconnect_by_data(self->service, self);
        g_clear_object(&self->service);
    }
    G_OBJECT_CLASS(marina_askpass_server_parent_class)->dispose(object);
}

static void
marina_askpass_server_finalize(GObject *object)
{
    MarinaAskpassServer *self = MARINA_ASKPASS_SERVER(object);

    if (self->socket_path != NULL)
        g_unlink(self->socket_path);
    if (self->dir != NULL)
        g_rmdir(self->dir);
    g_free(self->socket_path);
    g_free(self->dir);
    g_hash_table_unref(self->logins);
    g_queue_clear_full(&self->order, g_free);
    g_mutex_clear(&self->lock);
    G_OBJECT_CLASS(marina_askpass_server_parent_class)->finalize(object);
}

static void
marina_askpass_server_class_init(MarinaAskpassServerClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);

    object_class->dispose = marina_askpass_server_dispose;
    object_class->finalize = marina_askpass_server_finalize;
    signals[SIGNAL_QUESTION] =
        g_signal_new("question", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                     G_TYPE_NONE, 1, MARINA_TYPE_ASKPASS_QUESTION);
}

static void
marina_askpass_server_init(MarinaAskpassServer *self)
{
    g_mutex_init(&self->lock);
    self->logins = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, login_free);
    g_queue_init(&self->order);
}
