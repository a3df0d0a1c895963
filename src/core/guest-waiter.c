#include "config.h"

#include "guest-waiter.h"

struct _MarinaGuestWaiter {
    GObject parent_instance;

    MarinaConnectionEntry *entry;
    char *uuid;
    guint timeout_s;
    MarinaGuestList *list; /* the list watched for the guest */
    guint timeout_id;
    gboolean found;
};

enum { SIGNAL_FOUND, SIGNAL_TIMED_OUT, N_SIGNALS };

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE(MarinaGuestWaiter, marina_guest_waiter, G_TYPE_OBJECT)

static void look(MarinaGuestWaiter *self);

static void
stop_watching(MarinaGuestWaiter *self)
{
    g_clear_handle_id(&self->timeout_id, g_source_remove);
    if (self->list != NULL)
        g_signal_handlers_disconnect_by_data(self->list, self);
    g_clear_object(&self->list);
    g_signal_handlers_disconnect_by_data(self->entry, self);
}

static void
on_list_changed(GListModel *model, guint position, guint removed, guint added,
                MarinaGuestWaiter *self)
{
    (void)model;
    (void)position;
    (void)removed;
    if (added > 0)
        look(self);
}

static void
on_entry_state(MarinaConnectionEntry *entry, int old_state, MarinaGuestWaiter *self)
{
    (void)entry;
    (void)old_state;
    look(self); /* a reconnect brings a new guest list */
}

static gboolean
on_timeout(gpointer user_data)
{
    MarinaGuestWaiter *self = user_data;

    self->timeout_id = 0;
    g_signal_emit(self, signals[SIGNAL_TIMED_OUT], 0);
    return G_SOURCE_REMOVE;
}

static void
look(MarinaGuestWaiter *self)
{
    MarinaGuestList *list = marina_connection_entry_get_guest_list(self->entry);
    MarinaGuest *guest = list != NULL ? marina_guest_list_lookup(list, self->uuid) : NULL;

    if (self->found)
        return;
    if (guest != NULL) {
        g_autoptr(MarinaGuestWaiter) hold = g_object_ref(self); /* a handler may drop it */
        g_autoptr(MarinaGuestList) found_list = g_object_ref(list);

        self->found = TRUE;
        stop_watching(self);
        g_signal_emit(self, signals[SIGNAL_FOUND], 0, found_list, guest);
        return;
    }
    if (list != self->list) {
        if (self->list != NULL)
            g_signal_handlers_disconnect_by_data(self->list, self);
        g_set_object(&self->list, list);
        if (list != NULL)
            g_signal_connect(list, "items-changed", G_CALLBACK(on_list_changed), self);
    }
}

MarinaGuestWaiter *
marina_guest_waiter_new(MarinaConnectionEntry *entry, const char *uuid, guint timeout_s)
{
    MarinaGuestWaiter *self;

    g_return_val_if_fail(MARINA_IS_CONNECTION_ENTRY(entry), NULL);
    g_return_val_if_fail(uuid != NULL, NULL);
    self = g_object_new(MARINA_TYPE_GUEST_WAITER, NULL);
    self->entry = g_object_ref(entry);
    self->uuid = g_strdup(uuid);
    self->timeout_s = timeout_s;
    return self;
}

void
marina_guest_waiter_start(MarinaGuestWaiter *self)
{
    g_return_if_fail(MARINA_IS_GUEST_WAITER(self));

    if (self->found || self->timeout_id != 0)
        return;
    g_signal_connect(self->entry, "state-changed", G_CALLBACK(on_entry_state), self);
    self->timeout_id = g_timeout_add_seconds(self->timeout_s, on_timeout, self);
    look(self);
}

MarinaConnectionEntry *
marina_guest_waiter_get_entry(MarinaGuestWaiter *self)
{
    g_return_val_if_fail(MARINA_IS_GUEST_WAITER(self), NULL);
    return self->entry;
}

static void
marina_guest_waiter_dispose(GObject *object)
{
    MarinaGuestWaiter *self = MARINA_GUEST_WAITER(object);

    if (self->entry != NULL)
        stop_watching(self);
    g_clear_object(&self->entry);
    G_OBJECT_CLASS(marina_guest_waiter_parent_class)->dispose(object);
}

static void
marina_guest_waiter_finalize(GObject *object)
{
    g_free(MARINA_GUEST_WAITER(object)->uuid);
    G_OBJECT_CLASS(marina_guest_waiter_parent_class)->finalize(object);
}

static void
marina_guest_waiter_class_init(MarinaGuestWaiterClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);

    object_class->dispose = marina_guest_waiter_dispose;
    object_class->finalize = marina_guest_waiter_finalize;
    signals[SIGNAL_FOUND] =
        g_signal_new("found", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                     G_TYPE_NONE, 2, MARINA_TYPE_GUEST_LIST, MARINA_TYPE_GUEST);
    signals[SIGNAL_TIMED_OUT] =
        g_signal_new("timed-out", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                     G_TYPE_NONE, 0);
}

static void
marina_guest_waiter_init(MarinaGuestWaiter *self)
{
    (void)self;
}
