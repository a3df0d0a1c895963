/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-connection-entry"

#include "config.h"

#include "connection-entry.h"

#include <glib/gi18n.h>
#include <string.h>

#include "error.h"
#include "host.h"
#include "ssh-diagnosis.h"

struct _MarinaConnectionEntry {
    GObject parent_instance;

    char *uri;   /* canonical spelling when it parses */
    char *label; /* for people */
    gboolean local;
    gboolean auto_retry;
    gboolean ssh;
    /* ssh, after an unexpected loss: quiet retries until then (monotonic
     * microseconds); 0 when none may follow. */
    gint64 ssh_retry_until;

    MarinaConnectionState state;
    char *reason;
    char *short_reason; /* the reason without the URI it starts with */
    gboolean opening;
    gboolean opening_quietly; /* the open under way is an automatic retry */
    gboolean report_failure;  /* emit "connect-failed" for the open under way */
    guint retry_id;
    GCancellable *cancellable;
    MarinaConnection *connection;
    MarinaHost *host; /* of the connection, for the statistics preferences */
    MarinaGuestList *list;

    guint stats_interval_ms;
    GStrv stats_kinds; /* NULL: send nothing */
};

enum { SIGNAL_STATE_CHANGED, SIGNAL_CONNECT_FAILED, N_SIGNALS };

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE(MarinaConnectionEntry, marina_connection_entry, G_TYPE_OBJECT)

static void entry_open(MarinaConnectionEntry *self, gboolean quietly);

/* ------------------------------------------------------------------- labels */

/* "db1 (SSH)", "alice@db1 (SSH)"; a per-user daemon over ssh says so. */
static char *
ssh_label(const MarinaUri *uri)
{
    g_autofree char *who =
        uri->user != NULL ? g_strdup_printf("%s@%s", uri->user, uri->host) : g_strdup(uri->host);

    if (marina_uri_is_session(uri))
        /* Translators: a per-user daemon over ssh, "alice@db1 (SSH, user session)" */
        return g_strdup_printf(_("%s (SSH, user session)"), who);
    /* Translators: a connection over ssh, "alice@db1 (SSH)" */
    return g_strdup_printf(_("%s (SSH)"), who);
}

char *
marina_connection_entry_label_for_uri(const char *text, gboolean *local, gboolean *auto_retry,
                                      char **canonical)
{
    g_autoptr(MarinaUri) uri = marina_uri_parse(text, NULL);
    g_autofree char *spelling = NULL;
    gboolean is_local = FALSE, retry = FALSE;
    char *label;

    if (uri == NULL) {
        spelling = g_strdup(text);
        label = g_strdup(text);
    } else {
        spelling = marina_uri_to_string(uri);
        switch (uri->transport) {
        case MARINA_URI_TRANSPORT_LOCAL:
            is_local = TRUE;
            retry = marina_uri_is_session(uri);
            /* virt-manager's names, which libvirt users know. */
            label =
                g_strdup(marina_uri_is_session(uri) ? _("QEMU/KVM user session") : _("QEMU/KVM"));
            break;
        case MARINA_URI_TRANSPORT_UNIX:
            is_local = TRUE;
            retry = TRUE;
            label = g_strdup(spelling);
            break;
        case MARINA_URI_TRANSPORT_SSH:
        default:
            label = ssh_label(uri);
            break;
        }
    }
    if (local != NULL)
        *local = is_local;
    if (auto_retry != NULL)
        *auto_retry = retry;
    if (canonical != NULL)
        *canonical = g_steal_pointer(&spelling);
    return label;
}

/* ------------------------------------------------------------ state changes */

/* "Cannot connect to marina:///session: no daemon is listening on ..." on a
 * row that already names the connection reads "No daemon is listening on
 * ...". Only a URI in the message's first sentence is dropped (with what
 * comes before it, up to the ": " after it), so a message that mentions the
 * URI later keeps all its words; translations keep the same shape. */
static char *
reason_without_uri(const char *reason, const char *uri)
{
    const char *at = uri != NULL && *uri != '\0' ? strstr(reason, uri) : NULL;
    const char *sentence_end = strstr(reason, ". ");
    const char *colon, *rest;
    gunichar first;
    char head[8] = {0};

    if (at == NULL || (sentence_end != NULL && sentence_end < at))
        return g_strdup(reason);
    colon = strstr(at + strlen(uri), ": ");
    if (colon == NULL || (sentence_end != NULL && sentence_end < colon) || colon[2] == '\0')
        return g_strdup(reason);
    rest = colon + 2;
    if (!g_utf8_validate(rest, -1, NULL))
        return g_strdup(reason);
    first = g_unichar_totitle(g_utf8_get_char(rest));
    g_unichar_to_utf8(first, head);
    return g_strconcat(head, g_utf8_next_char(rest), NULL);
}

static void
set_state(MarinaConnectionEntry *self, MarinaConnectionState state, const GError *reason)
{
    MarinaConnectionState old = self->state;
    const char *text = reason != NULL ? marina_error_message(reason) : NULL;

    g_free(self->reason);
    g_free(self->short_reason);
    self->reason = g_strdup(text);
    self->short_reason = text != NULL ? reason_without_uri(text, self->uri) : NULL;
    self->state = state;
    g_signal_emit(self, signals[SIGNAL_STATE_CHANGED], 0, old);
}

static gboolean
on_retry(gpointer user_data)
{
    MarinaConnectionEntry *self = user_data;

    self->retry_id = 0;
    entry_open(self, TRUE);
    return G_SOURCE_REMOVE;
}

/* Whether to try again after @error (NULL: the connection was lost). A
 * local daemon is waited for as long as it takes. A remote one only after
 * it was lost, for a while, and while the failure may go away by itself:
 * what needs a person (a refused login, a host key...) stays shown until
 * they reconnect, which may ask them. */
static gboolean
may_retry(MarinaConnectionEntry *self, const GError *error)
{
    if (self->auto_retry)
        return TRUE;
    if (!self->ssh || self->ssh_retry_until == 0)
        return FALSE;
    if ((error != NULL && !marina_ssh_error_is_transient(error)) ||
        g_get_monotonic_time() >= self->ssh_retry_until) {
        g_debug("%s: no more automatic retries", self->uri);
        self->ssh_retry_until = 0;
        return FALSE;
    }
    return TRUE;
}

static void
schedule_retry(MarinaConnectionEntry *self, const GError *error)
{
    if (may_retry(self, error) && self->retry_id == 0)
        self->retry_id =
            g_timeout_add_seconds(MARINA_CONNECTION_ENTRY_RETRY_SECONDS, on_retry, self);
}

/* Forgets the connection and its guest list, without hearing "closed". */
static void
drop_connection(MarinaConnectionEntry *self)
{
    g_clear_object(&self->list);
    g_clear_object(&self->host);
    if (self->connection != NULL) {
        g_signal_handlers_disconnect_by_data(self->connection, self);
        marina_connection_close(self->connection);
        g_clear_object(&self->connection);
    }
}

static void
on_stats_interval_sent(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GError) error = NULL;

    /* An older daemon without these methods still sends everything. */
    if (!marina_host_set_stats_interval_finish(MARINA_HOST(source), result, &error))
        g_debug("statistics interval not applied: %s", error->message);
}

static void
on_stats_collection_sent(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GError) error = NULL;

    if (!marina_host_set_stats_collection_finish(MARINA_HOST(source), result, &error))
        g_debug("statistics collection not applied: %s", error->message);
}

/* The daemon serves every client the most any one asks for. */
static void
send_stats_preferences(MarinaConnectionEntry *self)
{
    if (self->stats_kinds == NULL || self->connection == NULL ||
        marina_connection_is_closed(self->connection))
        return;
    if (self->host == NULL)
        self->host = marina_host_new(self->connection);
    marina_host_set_stats_interval_async(self->host, self->stats_interval_ms, NULL,
                                         on_stats_interval_sent, NULL);
    marina_host_set_stats_collection_async(self->host, (const char *const *)self->stats_kinds, NULL,
                                           on_stats_collection_sent, NULL);
}

static void
on_connection_closed(MarinaConnection *connection, GError *reason, gpointer user_data)
{
    MarinaConnectionEntry *self = user_data;

    drop_connection(self);
    /* Lost while it worked: a remote daemon restarting, a network blip. */
    if (reason != NULL && self->ssh)
        self->ssh_retry_until =
            g_get_monotonic_time() + MARINA_CONNECTION_ENTRY_REMOTE_RETRY_SECONDS * G_USEC_PER_SEC;
    set_state(self, MARINA_CONNECTION_STATE_DISCONNECTED, reason);
    /* Closed on request (no reason): no retry. */
    if (reason != NULL)
        schedule_retry(self, NULL);
}

static void
open_failed(MarinaConnectionEntry *self, const GError *error)
{
    gboolean report = self->report_failure;

    self->report_failure = FALSE;
    /* A retry that fails the same way changes nothing people see. */
    if (self->state != MARINA_CONNECTION_STATE_DISCONNECTED ||
        g_strcmp0(self->reason, marina_error_message(error)) != 0)
        set_state(self, MARINA_CONNECTION_STATE_DISCONNECTED, error);
    schedule_retry(self, error);
    if (report)
        g_signal_emit(self, signals[SIGNAL_CONNECT_FAILED], 0, error);
}

/* One open under way: the entry (weakly: dropping it cancels the open)
 * and the cancellable of that open (disconnect() abandons it). */
typedef struct {
    GWeakRef entry;
    GCancellable *cancellable;
} OpenCall;

static void
on_connection_opened(GObject *source, GAsyncResult *result, gpointer user_data)
{
    OpenCall *call = user_data;
    g_autoptr(MarinaConnectionEntry) self = g_weak_ref_get(&call->entry);
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaConnection) connection = marina_connection_open_finish(result, &error);
    gboolean abandoned = g_cancellable_is_cancelled(call->cancellable);

    g_weak_ref_clear(&call->entry);
    g_object_unref(call->cancellable);
    g_free(call);
    if (self == NULL || abandoned) {
        if (connection != NULL) /* nobody wants it any more */
            marina_connection_close(connection);
        return;
    }
    self->opening = FALSE;
    if (connection == NULL) {
        open_failed(self, error);
        return;
    }
    self->connection = g_steal_pointer(&connection);
    self->report_failure = FALSE;
    self->ssh_retry_until = 0;
    g_signal_connect(self->connection, "closed", G_CALLBACK(on_connection_closed), self);
    send_stats_preferences(self);
    self->list = marina_guest_list_new(self->connection);
    set_state(self, MARINA_CONNECTION_STATE_CONNECTED, NULL);
}

/* @quietly (automatic retries) keeps the state saying why it is
 * disconnected until the connection is back, and asks nobody anything: no
 * password or host-key dialog pops up for an open nobody asked for. */
static void
entry_open(MarinaConnectionEntry *self, gboolean quietly)
{
    MarinaConnectionOpenFlags flags =
        quietly ? MARINA_CONNECTION_OPEN_QUIET : MARINA_CONNECTION_OPEN_DEFAULT;
    OpenCall *call;

    if (self->opening || self->connection != NULL)
        return;
    g_clear_handle_id(&self->retry_id, g_source_remove);
    self->opening = TRUE;
    self->opening_quietly = quietly;
    if (!quietly)
        set_state(self, MARINA_CONNECTION_STATE_CONNECTING, NULL);
    call = g_new0(OpenCall, 1);
    g_weak_ref_init(&call->entry, self);
    call->cancellable = g_object_ref(self->cancellable);
    marina_connection_open_full_async(self->uri, flags, call->cancellable, on_connection_opened,
                                      call);
}

/* Abandons the open under way; a fresh cancellable serves the next. */
static void
abandon_open(MarinaConnectionEntry *self)
{
    g_cancellable_cancel(self->cancellable);
    g_object_unref(self->cancellable);
    self->cancellable = g_cancellable_new();
    self->opening = FALSE;
    self->report_failure = FALSE;
}

/* ------------------------------------------------------------------- public */

void
marina_connection_entry_connect(MarinaConnectionEntry *self)
{
    g_return_if_fail(MARINA_IS_CONNECTION_ENTRY(self));

    /* A quiet retry of an ssh host under way could not ask for what this
     * open may need (a password): open again, as asked. (Local opens never
     * ask.) */
    if (self->ssh && self->opening && self->opening_quietly)
        abandon_open(self);
    self->report_failure = TRUE;
    /* Asked for: a failure is shown, not retried (for ssh). */
    self->ssh_retry_until = 0;
    entry_open(self, FALSE);
}

void
marina_connection_entry_reconnect(MarinaConnectionEntry *self)
{
    g_return_if_fail(MARINA_IS_CONNECTION_ENTRY(self));

    /* Closing emits "closed" without a reason: no automatic retry, we open now. */
    if (self->connection != NULL)
        marina_connection_close(self->connection);
    marina_connection_entry_connect(self);
}

void
marina_connection_entry_disconnect(MarinaConnectionEntry *self)
{
    g_return_if_fail(MARINA_IS_CONNECTION_ENTRY(self));

    g_clear_handle_id(&self->retry_id, g_source_remove);
    self->ssh_retry_until = 0;
    if (self->opening) {
        abandon_open(self);
        if (self->state == MARINA_CONNECTION_STATE_CONNECTING)
            set_state(self, MARINA_CONNECTION_STATE_IDLE, NULL);
    }
    if (self->connection != NULL)
        marina_connection_close(self->connection); /* "closed" says DISCONNECTED */
}

void
marina_connection_entry_set_stats_preferences(MarinaConnectionEntry *self, guint interval_ms,
                                              const char *const *kinds)
{
    g_return_if_fail(MARINA_IS_CONNECTION_ENTRY(self));

    g_strfreev(self->stats_kinds);
    self->stats_kinds = g_strdupv((char **)kinds);
    self->stats_interval_ms = interval_ms;
    send_stats_preferences(self);
}

const char *
marina_connection_entry_get_uri(MarinaConnectionEntry *self)
{
    g_return_val_if_fail(MARINA_IS_CONNECTION_ENTRY(self), NULL);
    return self->uri;
}

const char *
marina_connection_entry_get_label(MarinaConnectionEntry *self)
{
    g_return_val_if_fail(MARINA_IS_CONNECTION_ENTRY(self), NULL);
    return self->label;
}

gboolean
marina_connection_entry_is_local(MarinaConnectionEntry *self)
{
    g_return_val_if_fail(MARINA_IS_CONNECTION_ENTRY(self), FALSE);
    return self->local;
}

gboolean
marina_connection_entry_get_auto_retry(MarinaConnectionEntry *self)
{
    g_return_val_if_fail(MARINA_IS_CONNECTION_ENTRY(self), FALSE);
    return self->auto_retry;
}

MarinaConnectionState
marina_connection_entry_get_state(MarinaConnectionEntry *self)
{
    g_return_val_if_fail(MARINA_IS_CONNECTION_ENTRY(self), MARINA_CONNECTION_STATE_IDLE);
    return self->state;
}

const char *
marina_connection_entry_get_reason(MarinaConnectionEntry *self)
{
    g_return_val_if_fail(MARINA_IS_CONNECTION_ENTRY(self), NULL);
    return self->reason;
}

const char *
marina_connection_entry_get_short_reason(MarinaConnectionEntry *self)
{
    g_return_val_if_fail(MARINA_IS_CONNECTION_ENTRY(self), NULL);
    return self->short_reason;
}

gboolean
marina_connection_entry_is_opening(MarinaConnectionEntry *self)
{
    g_return_val_if_fail(MARINA_IS_CONNECTION_ENTRY(self), FALSE);
    return self->opening;
}

gboolean
marina_connection_entry_is_connected(MarinaConnectionEntry *self)
{
    g_return_val_if_fail(MARINA_IS_CONNECTION_ENTRY(self), FALSE);
    return self->state == MARINA_CONNECTION_STATE_CONNECTED && self->connection != NULL;
}

MarinaConnection *
marina_connection_entry_get_connection(MarinaConnectionEntry *self)
{
    g_return_val_if_fail(MARINA_IS_CONNECTION_ENTRY(self), NULL);
    return self->connection;
}

MarinaGuestList *
marina_connection_entry_get_guest_list(MarinaConnectionEntry *self)
{
    g_return_val_if_fail(MARINA_IS_CONNECTION_ENTRY(self), NULL);
    return self->list;
}

/* ---------------------------------------------------------------- lifecycle */

static void
marina_connection_entry_dispose(GObject *object)
{
    MarinaConnectionEntry *self = MARINA_CONNECTION_ENTRY(object);

    g_cancellable_cancel(self->cancellable);
    g_clear_handle_id(&self->retry_id, g_source_remove);
    drop_connection(self);
    G_OBJECT_CLASS(marina_connection_entry_parent_class)->dispose(object);
}

static void
marina_connection_entry_finalize(GObject *object)
{
    MarinaConnectionEntry *self = MARINA_CONNECTION_ENTRY(object);

    g_clear_object(&self->cancellable);
    g_free(self->uri);
    g_free(self->label);
    g_free(self->reason);
    g_free(self->short_reason);
    g_strfreev(self->stats_kinds);
    G_OBJECT_CLASS(marina_connection_entry_parent_class)->finalize(object);
}

static void
marina_connection_entry_class_init(MarinaConnectionEntryClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);

    object_class->dispose = marina_connection_entry_dispose;
    object_class->finalize = marina_connection_entry_finalize;

    signals[SIGNAL_STATE_CHANGED] =
        g_signal_new("state-changed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                     NULL, G_TYPE_NONE, 1, G_TYPE_INT);
    signals[SIGNAL_CONNECT_FAILED] =
        g_signal_new("connect-failed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                     NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
marina_connection_entry_init(MarinaConnectionEntry *self)
{
    self->cancellable = g_cancellable_new();
}

MarinaConnectionEntry *
marina_connection_entry_new(const char *uri)
{
    MarinaConnectionEntry *self;
    g_autoptr(MarinaUri) parsed = NULL;

    g_return_val_if_fail(uri != NULL, NULL);
    self = g_object_new(MARINA_TYPE_CONNECTION_ENTRY, NULL);
    self->label =
        marina_connection_entry_label_for_uri(uri, &self->local, &self->auto_retry, &self->uri);
    parsed = marina_uri_parse(self->uri, NULL);
    self->ssh = parsed != NULL && parsed->transport == MARINA_URI_TRANSPORT_SSH;
    return self;
}
