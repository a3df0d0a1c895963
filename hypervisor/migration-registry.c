#define G_LOG_DOMAIN "marinad-migration"

#include "config.h"

#include "migration-registry.h"

struct _MarinaMigrationRegistry {
    GHashTable *in;  /* token -> MarinaMigration* (owned) */
    GHashTable *out; /* token -> MarinaMigration* (owned) */
};

static void
migration_free(MarinaMigration *m)
{
    marina_migration_unbind(m);
    if (m->data_free != NULL && m->data != NULL)
        m->data_free(m->data);
    g_clear_object(&m->vm);
    g_free(m->token);
    g_free(m);
}

MarinaMigrationRegistry *
marina_migration_registry_new(void)
{
    MarinaMigrationRegistry *self = g_new0(MarinaMigrationRegistry, 1);

    self->in = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)migration_free);
    self->out =
        g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)migration_free);
    return self;
}

void
marina_migration_registry_free(MarinaMigrationRegistry *self)
{
    if (self == NULL)
        return;
    g_hash_table_unref(self->in);
    g_hash_table_unref(self->out);
    g_free(self);
}

/* The owner's connection closed: from an idle, never inside GDBus' signal
 * (the handler may remove the migration and drop the connection). */
static gboolean
owner_closed_idle(gpointer data)
{
    MarinaMigration *m = data;

    if (m->owner_closed != NULL)
        m->owner_closed(m);
    return G_SOURCE_REMOVE;
}

static void
on_owner_closed(GDBusConnection *connection, gboolean remote_vanished, GError *error, gpointer data)
{
    MarinaMigration *m = data;

    g_info("The client driving the migration of '%s' went away", marina_vm_get_name(m->vm));
    marina_migration_unbind(m);
    g_idle_add(owner_closed_idle, m);
}

MarinaMigration *
marina_migration_registry_add(MarinaMigrationRegistry *self, gboolean incoming, const char *token,
                              MarinaVm *vm, GDBusConnection *owner,
                              MarinaMigrationFunc owner_closed, gpointer data,
                              GDestroyNotify data_free)
{
    MarinaMigration *m = g_new0(MarinaMigration, 1);

    m->token = g_strdup(token);
    m->incoming = incoming;
    m->vm = g_object_ref(vm);
    m->owner_closed = owner_closed;
    m->data = data;
    m->data_free = data_free;
    if (owner != NULL) {
        m->owner = g_object_ref(owner);
        m->closed_id = g_signal_connect(owner, "closed", G_CALLBACK(on_owner_closed), m);
    }
    g_hash_table_replace(incoming ? self->in : self->out, m->token, m);
    return m;
}

MarinaMigration *
marina_migration_registry_lookup(MarinaMigrationRegistry *self, gboolean incoming,
                                 const char *token)
{
    return g_hash_table_lookup(incoming ? self->in : self->out, token);
}

static MarinaMigration *
find_vm(GHashTable *table, MarinaVm *vm)
{
    GHashTableIter iter;
    gpointer value;

    g_hash_table_iter_init(&iter, table);
    while (g_hash_table_iter_next(&iter, NULL, &value))
        if (((MarinaMigration *)value)->vm == vm)
            return value;
    return NULL;
}

MarinaMigration *
marina_migration_registry_lookup_vm(MarinaMigrationRegistry *self, MarinaVm *vm)
{
    MarinaMigration *m = find_vm(self->out, vm);

    return m != NULL ? m : find_vm(self->in, vm);
}

void
marina_migration_registry_remove(MarinaMigrationRegistry *self, MarinaMigration *m)
{
    /* An owner_closed idle still queued must not find it. */
    g_idle_remove_by_data(m);
    g_hash_table_remove(m->incoming ? self->in : self->out, m->token);
}

void
marina_migration_unbind(MarinaMigration *m)
{
    if (m->owner == NULL)
        return;
    g_signal_handler_disconnect(m->owner, m->closed_id);
    m->closed_id = 0;
    g_clear_object(&m->owner);
}
