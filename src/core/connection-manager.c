/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-connection-manager"

#include "config.h"

#include "connection-manager.h"

struct _MarinaConnectionManager {
    GObject parent_instance;

    GPtrArray *entries; /* MarinaConnectionEntry, owned, in the order added */
    guint stats_interval_ms;
    GStrv stats_kinds;
};

static void marina_connection_manager_model_init(GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE(MarinaConnectionManager, marina_connection_manager, G_TYPE_OBJECT,
                              G_IMPLEMENT_INTERFACE(G_TYPE_LIST_MODEL,
                                                    marina_connection_manager_model_init))

static GType
model_get_item_type(GListModel *model)
{
    return MARINA_TYPE_CONNECTION_ENTRY;
}

static guint
model_get_n_items(GListModel *model)
{
    return MARINA_CONNECTION_MANAGER(model)->entries->len;
}

static gpointer
model_get_item(GListModel *model, guint position)
{
    MarinaConnectionManager *self = MARINA_CONNECTION_MANAGER(model);

    if (position >= self->entries->len)
        return NULL;
    return g_object_ref(g_ptr_array_index(self->entries, position));
}

static void
marina_connection_manager_model_init(GListModelInterface *iface)
{
    iface->get_item_type = model_get_item_type;
    iface->get_n_items = model_get_n_items;
    iface->get_item = model_get_item;
}

MarinaConnectionEntry *
marina_connection_manager_lookup(MarinaConnectionManager *self, const char *uri)
{
    g_autofree char *canonical = NULL;
    g_autofree char *label = NULL;

    g_return_val_if_fail(MARINA_IS_CONNECTION_MANAGER(self), NULL);
    g_return_val_if_fail(uri != NULL, NULL);

    label = marina_connection_entry_label_for_uri(uri, NULL, NULL, &canonical);
    for (guint i = 0; i < self->entries->len; i++) {
        MarinaConnectionEntry *entry = g_ptr_array_index(self->entries, i);
        if (g_strcmp0(marina_connection_entry_get_uri(entry), canonical) == 0)
            return entry;
    }
    return NULL;
}

MarinaConnectionEntry *
marina_connection_manager_lookup_list(MarinaConnectionManager *self, MarinaGuestList *list)
{
    g_return_val_if_fail(MARINA_IS_CONNECTION_MANAGER(self), NULL);

    for (guint i = 0; list != NULL && i < self->entries->len; i++) {
        MarinaConnectionEntry *entry = g_ptr_array_index(self->entries, i);
        if (marina_connection_entry_get_guest_list(entry) == list)
            return entry;
    }
    return NULL;
}

MarinaConnectionEntry *
marina_connection_manager_get_first_connected(MarinaConnectionManager *self)
{
    g_return_val_if_fail(MARINA_IS_CONNECTION_MANAGER(self), NULL);

    for (guint i = 0; i < self->entries->len; i++) {
        MarinaConnectionEntry *entry = g_ptr_array_index(self->entries, i);
        if (marina_connection_entry_is_connected(entry))
            return entry;
    }
    return NULL;
}

MarinaConnectionEntry *
marina_connection_manager_add(MarinaConnectionManager *self, const char *uri)
{
    MarinaConnectionEntry *entry;

    g_return_val_if_fail(MARINA_IS_CONNECTION_MANAGER(self), NULL);
    g_return_val_if_fail(uri != NULL, NULL);

    entry = marina_connection_manager_lookup(self, uri);
    if (entry != NULL)
        return entry;
    entry = marina_connection_entry_new(uri);
    if (self->stats_kinds != NULL)
        marina_connection_entry_set_stats_preferences(entry, self->stats_interval_ms,
                                                      (const char *const *)self->stats_kinds);
    g_ptr_array_add(self->entries, entry);
    g_list_model_items_changed(G_LIST_MODEL(self), self->entries->len - 1, 0, 1);
    return entry;
}

void
marina_connection_manager_remove(MarinaConnectionManager *self, MarinaConnectionEntry *entry)
{
    g_autoptr(MarinaConnectionEntry) removed = NULL;
    guint position;

    g_return_if_fail(MARINA_IS_CONNECTION_MANAGER(self));
    if (!g_ptr_array_find(self->entries, entry, &position))
        return;
    removed = g_ptr_array_steal_index(self->entries, position);
    marina_connection_entry_disconnect(removed);
    g_list_model_items_changed(G_LIST_MODEL(self), position, 1, 0);
}

void
marina_connection_manager_set_stats_preferences(MarinaConnectionManager *self, guint interval_ms,
                                                const char *const *kinds)
{
    g_return_if_fail(MARINA_IS_CONNECTION_MANAGER(self));

    g_strfreev(self->stats_kinds);
    self->stats_kinds = g_strdupv((char **)kinds);
    self->stats_interval_ms = interval_ms;
    for (guint i = 0; i < self->entries->len; i++)
        marina_connection_entry_set_stats_preferences(g_ptr_array_index(self->entries, i),
                                                      interval_ms, kinds);
}

static void
marina_connection_manager_finalize(GObject *object)
{
    MarinaConnectionManager *self = MARINA_CONNECTION_MANAGER(object);

    g_ptr_array_unref(self->entries);
    g_strfreev(self->stats_kinds);
    G_OBJECT_CLASS(marina_connection_manager_parent_class)->finalize(object);
}

static void
marina_connection_manager_class_init(MarinaConnectionManagerClass *klass)
{
    G_OBJECT_CLASS(klass)->finalize = marina_connection_manager_finalize;
}

static void
marina_connection_manager_init(MarinaConnectionManager *self)
{
    self->entries = g_ptr_array_new_with_free_func(g_object_unref);
}

MarinaConnectionManager *
marina_connection_manager_new(void)
{
    return g_object_new(MARINA_TYPE_CONNECTION_MANAGER, NULL);
}
