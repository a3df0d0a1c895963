#define G_LOG_DOMAIN "marina-guest-list"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "error.h"
#include "guest-list.h"
#include "host-stats.h"
#include "records.h"

/*
 * How the list stays right without a round trip per guest:
 *
 * The host proxy's signals are connected before ListDomains is called. The
 * daemon sends signals and method replies over one ordered connection, so
 * everything that arrives before the reply is already in it (those signals
 * are ignored until the list is loaded) and everything after it is news.
 *
 * Afterwards DomainEvent carries the state, applied at once. What an event
 * does not carry (the running id after a start, memory and vCPUs after a
 * redefinition, persistence after an undefine) and a guest that
 * DomainAdded announces come from a follow-up ListDomains: one call per
 * main-loop iteration however many events arrived, never more than one
 * out at a time. A new guest joins the list with that reply, complete, so
 * views never see a half-filled row.
 */

struct _MarinaGuestList {
    GObject parent_instance;

    MarinaConnection *connection;
    MarinaDBusHost *host;
    GPtrArray *items;    /* MarinaGuest, owned, in list order */
    GHashTable *by_uuid; /* the guest's own uuid string -> MarinaGuest */
    GCancellable *cancellable;
    gulong host_handlers[5];
    gulong closed_handler;

    gboolean loaded;
    gboolean stopped;    /* the connection closed: no more updates */
    gboolean listing;    /* a ListDomains call is out */
    gboolean list_again; /* something changed while it was out */
    guint list_idle;

    guint host_cpus;
    MarinaHostStats host_stats; /* the newest host entry */
    gboolean have_host_stats;
    MarinaHistory host_cpu;
    MarinaHistory host_memory;
};

enum { SIGNAL_LOADED, SIGNAL_STATS_UPDATED, SIGNAL_ERROR, N_SIGNALS };

static guint signals[N_SIGNALS];

static void marina_guest_list_model_init(GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE(MarinaGuestList, marina_guest_list, G_TYPE_OBJECT,
                              G_IMPLEMENT_INTERFACE(G_TYPE_LIST_MODEL,
                                                    marina_guest_list_model_init))

/* ---------------------------------------------------------------------------------------------
 * GListModel
 */

static GType
list_get_item_type(GListModel *model)
{
    return MARINA_TYPE_GUEST;
}

static guint
list_get_n_items(GListModel *model)
{
    return MARINA_GUEST_LIST(model)->items->len;
}

static gpointer
list_get_item(GListModel *model, guint position)
{
    MarinaGuestList *self = MARINA_GUEST_LIST(model);

    if (position >= self->items->len)
        return NULL;
    return g_object_ref(self->items->pdata[position]);
}

static void
marina_guest_list_model_init(GListModelInterface *iface)
{
    iface->get_item_type = list_get_item_type;
    iface->get_n_items = list_get_n_items;
    iface->get_item = list_get_item;
}

/* ---------------------------------------------------------------------------------------------
 * Keeping the items
 */

static void
append_guests(MarinaGuestList *self, GPtrArray *guests)
{
    guint position = self->items->len;

    if (guests->len == 0)
        return;
    for (guint i = 0; i < guests->len; i++) {
        MarinaGuest *guest = guests->pdata[i];
        g_hash_table_insert(self->by_uuid, (gpointer)marina_guest_get_uuid(guest), guest);
        g_ptr_array_add(self->items, g_object_ref(guest));
    }
    g_list_model_items_changed(G_LIST_MODEL(self), position, 0, guests->len);
}

static void
remove_at(MarinaGuestList *self, guint position)
{
    g_autoptr(MarinaGuest) guest = g_ptr_array_steal_index(self->items, position);

    g_hash_table_remove(self->by_uuid, marina_guest_get_uuid(guest));
    g_list_model_items_changed(G_LIST_MODEL(self), position, 1, 0);
}

static void
remove_guest(MarinaGuestList *self, MarinaGuest *guest)
{
    guint position;

    if (g_ptr_array_find(self->items, guest, &position))
        remove_at(self, position);
}

/* Makes the items what @domains ("a(oissuubbtus)") says: existing guests
 * are updated in place, new ones appended, missing ones removed. */
static void
apply_listing(MarinaGuestList *self, GVariant *domains)
{
    g_autoptr(GPtrArray) added = g_ptr_array_new_with_free_func(g_object_unref);
    g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
    GVariantIter iter;
    GVariant *entry;

    g_variant_iter_init(&iter, domains);
    while ((entry = g_variant_iter_next_value(&iter)) != NULL) {
        const char *uuid = NULL;
        MarinaGuest *guest;

        g_variant_get_child(entry, 3, "&s", &uuid);
        /* A daemon never lists one UUID twice or an empty one; refuse if it does. */
        if (*uuid == '\0' || g_hash_table_contains(seen, uuid)) {
            g_variant_unref(entry);
            continue;
        }
        guest = g_hash_table_lookup(self->by_uuid, uuid);
        if (guest != NULL) {
            marina_guest_update_from_variant(guest, entry);
        } else {
            guest = marina_guest_new_from_variant(entry);
            if (guest != NULL)
                g_ptr_array_add(added, guest);
        }
        if (guest != NULL)
            g_hash_table_add(seen, (gpointer)marina_guest_get_uuid(guest));
        g_variant_unref(entry);
    }
    /* Gone before this reply was written: its DomainRemoved was missed or is
     * still to be applied; either way the daemon no longer has it. */
    for (guint i = self->items->len; i-- > 0;) {
        if (!g_hash_table_contains(seen, marina_guest_get_uuid(self->items->pdata[i])))
            remove_at(self, i);
    }
    append_guests(self, added);
}

/* ---------------------------------------------------------------------------------------------
 * Listing
 */

static void list_domains(MarinaGuestList *self);

/* A listing arrived (@domains), or listing failed (@error). */
static void
listed(MarinaGuestList *self, GVariant *domains, const GError *error)
{
    self->listing = FALSE;
    if (domains == NULL) {
        g_autoptr(GError) reason = NULL;

        if (self->stopped)
            return; /* the connection's own "closed" says why */
        g_debug("ListDomains on %s failed: %s", marina_connection_get_uri_string(self->connection),
                error->message);
        reason = g_error_new(
            MARINA_ERROR, MARINA_ERROR_NO_CONNECTION, _("Could not list the guests of %s: %s"),
            marina_connection_get_uri_string(self->connection), marina_error_message(error));
        g_signal_emit(self, signals[SIGNAL_ERROR], 0, reason);
    } else {
        apply_listing(self, domains);
        if (!self->loaded) {
            self->loaded = TRUE;
            g_signal_emit(self, signals[SIGNAL_LOADED], 0);
        }
    }
    if (self->list_again && !self->stopped) {
        self->list_again = FALSE;
        list_domains(self);
    }
}

static void
on_list_domains(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) domains = NULL;

    if (!marina_dbus_host_call_list_domains_finish(MARINA_DBUS_HOST(source), &domains, result,
                                                   &error) &&
        g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return; /* the list is gone or stopped: do not touch it */
    listed(MARINA_GUEST_LIST(user_data), domains, error);
}

/* The packed listing costs GDBus one copy instead of a value per field (10 000
 * guests: tens of milliseconds less on each side); an older daemon without it
 * is asked with ListDomains. */
static void
on_list_domains_packed(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) packed = NULL;
    g_autoptr(GVariant) domains = NULL;
    MarinaGuestList *self;

    if (!marina_dbus_host_call_list_domains_packed_finish(MARINA_DBUS_HOST(source), &packed, result,
                                                          &error) &&
        g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return; /* the list is gone or stopped: do not touch it */
    self = MARINA_GUEST_LIST(user_data);
    if (g_error_matches(error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD)) {
        marina_dbus_host_call_list_domains(self->host, self->cancellable, on_list_domains, self);
        return;
    }
    if (packed != NULL)
        domains = marina_variant_from_packed(packed, G_VARIANT_TYPE("a(oissuubbtus)"));
    listed(self, domains, error);
}

static void
list_domains(MarinaGuestList *self)
{
    self->listing = TRUE;
    /* Not referenced: dispose cancels the call and the callback then leaves
     * the list alone. */
    marina_dbus_host_call_list_domains_packed(self->host, self->cancellable, on_list_domains_packed,
                                              self);
}

static gboolean
on_list_idle(gpointer user_data)
{
    MarinaGuestList *self = user_data;

    self->list_idle = 0;
    if (self->listing)
        self->list_again = TRUE;
    else
        list_domains(self);
    return G_SOURCE_REMOVE;
}

/* Coalesces every change seen in one main-loop iteration into one call. */
static void
schedule_listing(MarinaGuestList *self)
{
    if (self->stopped || !self->loaded)
        return;
    if (self->listing) {
        self->list_again = TRUE;
        return;
    }
    if (self->list_idle == 0)
        self->list_idle = g_idle_add_full(G_PRIORITY_DEFAULT_IDLE, on_list_idle, self, NULL);
}

static void
on_node_info(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) info = NULL;
    MarinaGuestList *self;
    guint cpus = 0;

    if (!marina_dbus_host_call_get_node_info_finish(MARINA_DBUS_HOST(source), &info, result,
                                                    &error)) {
        if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            g_debug("GetNodeInfo failed: %s", error->message);
        return;
    }
    self = MARINA_GUEST_LIST(user_data);
    /* The statistics' host entry, when the daemon sends one, is newer. */
    if (self->host_cpus == 0 && g_variant_lookup(info, "cpus", "u", &cpus))
        self->host_cpus = cpus;
}

/* ---------------------------------------------------------------------------------------------
 * Signals of the host
 */

static void
on_domain_added(MarinaDBusHost *host, const char *path, const char *name, const char *uuid,
                MarinaGuestList *self)
{
    /* Memory, vCPUs and state are not in the signal: the listing brings them. */
    if (g_hash_table_lookup(self->by_uuid, uuid) == NULL)
        schedule_listing(self);
}

static void
on_domain_removed(MarinaDBusHost *host, const char *path, const char *name, const char *uuid,
                  MarinaGuestList *self)
{
    MarinaGuest *guest;

    if (!self->loaded)
        return;
    guest = g_hash_table_lookup(self->by_uuid, uuid);
    if (guest != NULL)
        remove_guest(self, guest);
}

/* Events after which ListDomains says something the event did not. */
static gboolean
event_changes_listing(const char *event)
{
    return g_str_equal(event, "defined") || g_str_equal(event, "undefined") ||
           g_str_equal(event, "started") || g_str_equal(event, "stopped");
}

static void
on_domain_event(MarinaDBusHost *host, const char *path, const char *name, const char *uuid,
                guint state, guint reason, const char *event, const char *detail,
                MarinaGuestList *self)
{
    MarinaGuest *guest;

    if (!self->loaded)
        return;
    guest = g_hash_table_lookup(self->by_uuid, uuid);
    if (guest != NULL)
        marina_guest_set_state(guest, state, reason);
    if (guest == NULL || event_changes_listing(event))
        schedule_listing(self);
}

static void
apply_host_stats(MarinaGuestList *self, GVariant *stats)
{
    MarinaHostStats *host = &self->host_stats;

    marina_host_stats_from_entry(stats, host);
    self->have_host_stats = TRUE;
    if (host->cpus > 0)
        self->host_cpus = host->cpus;
    if (host->has_cpu_percent && isfinite(host->cpu_percent))
        marina_history_push(&self->host_cpu, CLAMP(host->cpu_percent, 0.0, 100.0));
    if (host->has_memory_used && host->memory_kib > 0)
        marina_history_push(
            &self->host_memory,
            CLAMP((double)host->memory_used_kib * 100.0 / (double)host->memory_kib, 0.0, 100.0));
}

static void
on_stats_updated(MarinaDBusHost *host, GVariant *batch, MarinaGuestList *self)
{
    gsize n;

    if (!self->loaded)
        return;
    if (!g_variant_is_of_type(batch, G_VARIANT_TYPE("a(sa{sv})"))) {
        g_debug("Ignoring statistics of type %s", g_variant_get_type_string(batch));
        return;
    }
    /* Children by hand, not with a "(&s@a{sv})" format: parsing the format
     * string for each of a thousand entries costs more than reading them. */
    n = g_variant_n_children(batch);
    for (gsize i = 0; i < n; i++) {
        g_autoptr(GVariant) entry = g_variant_get_child_value(batch, i);
        g_autoptr(GVariant) uuid_v = g_variant_get_child_value(entry, 0);
        g_autoptr(GVariant) stats = g_variant_get_child_value(entry, 1);
        const char *uuid = g_variant_get_string(uuid_v, NULL);

        if (*uuid == '\0') {
            apply_host_stats(self, stats);
        } else {
            MarinaGuest *guest = g_hash_table_lookup(self->by_uuid, uuid);
            /* A round the daemon began before a guest stopped may end after
             * the "stopped" event: that sample belongs to no running guest. */
            if (guest != NULL && marina_guest_is_active(guest))
                marina_guest_add_stats(guest, stats, self->host_cpus);
        }
    }
    g_signal_emit(self, signals[SIGNAL_STATS_UPDATED], 0);
}

/* The same batch as bytes (SetStatsEncoding "packed"): GDBus hands over one
 * byte array instead of decoding ~48 000 values for 1000 running guests. */
static void
on_stats_updated_packed(MarinaDBusHost *host, GVariant *packed, MarinaGuestList *self)
{
    g_autoptr(GVariant) batch = NULL;

    if (!self->loaded)
        return;
    batch = marina_variant_from_packed(packed, G_VARIANT_TYPE("a(sa{sv})"));
    on_stats_updated(host, batch, self);
}

/* A daemon older than SetStatsEncoding (UnknownMethod) keeps sending
 * StatsUpdated, which the list reads as well: nothing to do on failure. */
static void
on_stats_encoding_set(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GError) error = NULL;

    if (!marina_dbus_host_call_set_stats_encoding_finish(MARINA_DBUS_HOST(source), result, &error))
        g_debug("Statistics stay a(sa{sv}): %s", error->message);
}

static void
disconnect_host(MarinaGuestList *self)
{
    for (guint i = 0; i < G_N_ELEMENTS(self->host_handlers); i++)
        g_clear_signal_handler(&self->host_handlers[i], self->host);
}

static void
on_connection_closed(MarinaConnection *connection, GError *reason, MarinaGuestList *self)
{
    /* The items stay as they were last known; the window shows the
     * connection's own reason, so the list adds no error of its own. */
    self->stopped = TRUE;
    disconnect_host(self);
    g_clear_handle_id(&self->list_idle, g_source_remove);
    g_cancellable_cancel(self->cancellable);
    self->listing = FALSE;
    self->list_again = FALSE;
}

/* ---------------------------------------------------------------------------------------------
 * The object
 */

static void
marina_guest_list_dispose(GObject *object)
{
    MarinaGuestList *self = MARINA_GUEST_LIST(object);

    if (self->host != NULL)
        disconnect_host(self);
    if (self->connection != NULL)
        g_clear_signal_handler(&self->closed_handler, self->connection);
    g_clear_handle_id(&self->list_idle, g_source_remove);
    if (self->cancellable != NULL)
        g_cancellable_cancel(self->cancellable);
    g_clear_object(&self->cancellable);
    g_hash_table_remove_all(self->by_uuid);
    g_ptr_array_set_size(self->items, 0);
    g_clear_object(&self->host);
    g_clear_object(&self->connection);
    G_OBJECT_CLASS(marina_guest_list_parent_class)->dispose(object);
}

static void
marina_guest_list_finalize(GObject *object)
{
    MarinaGuestList *self = MARINA_GUEST_LIST(object);

    g_ptr_array_unref(self->items);
    g_hash_table_unref(self->by_uuid);
    G_OBJECT_CLASS(marina_guest_list_parent_class)->finalize(object);
}

static void
marina_guest_list_class_init(MarinaGuestListClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);

    object_class->dispose = marina_guest_list_dispose;
    object_class->finalize = marina_guest_list_finalize;

    signals[SIGNAL_LOADED] = g_signal_new("loaded", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0,
                                          NULL, NULL, NULL, G_TYPE_NONE, 0);
    signals[SIGNAL_STATS_UPDATED] =
        g_signal_new("stats-updated", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                     NULL, G_TYPE_NONE, 0);
    signals[SIGNAL_ERROR] = g_signal_new("error", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0,
                                         NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
marina_guest_list_init(MarinaGuestList *self)
{
    self->items = g_ptr_array_new_with_free_func(g_object_unref);
    self->by_uuid = g_hash_table_new(g_str_hash, g_str_equal);
    self->cancellable = g_cancellable_new();
}

MarinaGuestList *
marina_guest_list_new(MarinaConnection *connection)
{
    MarinaGuestList *self;

    g_return_val_if_fail(MARINA_IS_CONNECTION(connection), NULL);
    self = g_object_new(MARINA_TYPE_GUEST_LIST, NULL);
    self->connection = g_object_ref(connection);
    self->host = g_object_ref(marina_connection_get_host(connection));
    if (marina_connection_is_closed(connection)) {
        self->stopped = TRUE;
        return self;
    }
    self->closed_handler =
        g_signal_connect(connection, "closed", G_CALLBACK(on_connection_closed), self);
    /* Subscribe first, then list: see the comment at the top. */
    self->host_handlers[0] =
        g_signal_connect(self->host, "domain-added", G_CALLBACK(on_domain_added), self);
    self->host_handlers[1] =
        g_signal_connect(self->host, "domain-removed", G_CALLBACK(on_domain_removed), self);
    self->host_handlers[2] =
        g_signal_connect(self->host, "domain-event", G_CALLBACK(on_domain_event), self);
    self->host_handlers[3] =
        g_signal_connect(self->host, "stats-updated", G_CALLBACK(on_stats_updated), self);
    self->host_handlers[4] = g_signal_connect(self->host, "stats-updated-packed",
                                              G_CALLBACK(on_stats_updated_packed), self);
    marina_dbus_host_call_set_stats_encoding(self->host, "packed", self->cancellable,
                                             on_stats_encoding_set, NULL);
    list_domains(self);
    marina_dbus_host_call_get_node_info(self->host, self->cancellable, on_node_info, self);
    return self;
}

MarinaConnection *
marina_guest_list_get_connection(MarinaGuestList *self)
{
    g_return_val_if_fail(MARINA_IS_GUEST_LIST(self), NULL);
    return self->connection;
}

gboolean
marina_guest_list_is_loaded(MarinaGuestList *self)
{
    g_return_val_if_fail(MARINA_IS_GUEST_LIST(self), FALSE);
    return self->loaded;
}

MarinaGuest *
marina_guest_list_lookup(MarinaGuestList *self, const char *uuid)
{
    g_return_val_if_fail(MARINA_IS_GUEST_LIST(self), NULL);
    g_return_val_if_fail(uuid != NULL, NULL);
    return g_hash_table_lookup(self->by_uuid, uuid);
}

guint
marina_guest_list_get_host_cpus(MarinaGuestList *self)
{
    g_return_val_if_fail(MARINA_IS_GUEST_LIST(self), 0);
    return self->host_cpus;
}

gboolean
marina_guest_list_get_host_stats(MarinaGuestList *self, MarinaHostStats *out)
{
    g_return_val_if_fail(MARINA_IS_GUEST_LIST(self), FALSE);

    *out = self->host_stats;
    return self->have_host_stats;
}

const double *
marina_guest_list_get_host_history(MarinaGuestList *self, gboolean memory, guint *n_values)
{
    g_return_val_if_fail(MARINA_IS_GUEST_LIST(self), marina_history_get(NULL, n_values));
    return marina_history_get(memory ? &self->host_memory : &self->host_cpu, n_values);
}
