#define G_LOG_DOMAIN "marinad-job"

#include "config.h"

#include "job-registry.h"

#define KEEP_MS_DEFAULT 60000

typedef struct {
    MarinaJobRegistry *registry; /* borrowed: the timer dies with the entry */
    MarinaJob *job;
    guint forget_id;
} Entry;

struct _MarinaJobRegistry {
    GObject parent_instance;

    GHashTable *jobs;       /* object path -> Entry* */
    GPtrArray *connections; /* GDBusConnection* (owned) */
    guint next_id;
    guint keep_ms;
};

G_DEFINE_FINAL_TYPE(MarinaJobRegistry, marina_job_registry, G_TYPE_OBJECT)

static void
entry_free(Entry *entry)
{
    g_clear_handle_id(&entry->forget_id, g_source_remove);
    g_object_unref(entry->job);
    g_free(entry);
}

static void
marina_job_registry_dispose(GObject *object)
{
    MarinaJobRegistry *self = MARINA_JOB_REGISTRY(object);

    g_clear_pointer(&self->jobs, g_hash_table_unref);
    g_clear_pointer(&self->connections, g_ptr_array_unref);
    G_OBJECT_CLASS(marina_job_registry_parent_class)->dispose(object);
}

static void
marina_job_registry_class_init(MarinaJobRegistryClass *klass)
{
    G_OBJECT_CLASS(klass)->dispose = marina_job_registry_dispose;
}

static void
marina_job_registry_init(MarinaJobRegistry *self)
{
    self->jobs = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)entry_free);
    self->connections = g_ptr_array_new_with_free_func(g_object_unref);
    self->keep_ms = KEEP_MS_DEFAULT;
}

MarinaJobRegistry *
marina_job_registry_new(void)
{
    return g_object_new(MARINA_TYPE_JOB_REGISTRY, NULL);
}

void
marina_job_registry_set_keep_time(MarinaJobRegistry *self, guint keep_ms)
{
    self->keep_ms = keep_ms;
}

MarinaJob *
marina_job_registry_new_job(MarinaJobRegistry *self, guint64 total)
{
    Entry *entry = g_new0(Entry, 1);

    entry->registry = self;
    entry->job = marina_job_new(++self->next_id, total);
    /* The key lives in the job, which lives as long as the entry. */
    g_hash_table_insert(self->jobs, (gpointer)marina_job_get_object_path(entry->job), entry);
    for (guint i = 0; i < self->connections->len; i++)
        marina_job_export(entry->job, self->connections->pdata[i]);
    return entry->job;
}

static gboolean
forget_job(gpointer data)
{
    Entry *entry = data;

    entry->forget_id = 0;
    g_hash_table_remove(entry->registry->jobs, marina_job_get_object_path(entry->job));
    return G_SOURCE_REMOVE;
}

void
marina_job_registry_end_job(MarinaJobRegistry *self, MarinaJob *job, const GError *error)
{
    Entry *entry = g_hash_table_lookup(self->jobs, marina_job_get_object_path(job));

    marina_job_finish(job, error);
    if (entry != NULL && entry->job == job && entry->forget_id == 0)
        entry->forget_id = g_timeout_add(self->keep_ms, forget_job, entry);
}

MarinaJob *
marina_job_registry_lookup(MarinaJobRegistry *self, const char *path)
{
    Entry *entry = g_hash_table_lookup(self->jobs, path);

    return entry != NULL ? entry->job : NULL;
}

void
marina_job_registry_add_connection(MarinaJobRegistry *self, GDBusConnection *connection)
{
    GHashTableIter iter;
    gpointer value;

    g_ptr_array_add(self->connections, g_object_ref(connection));
    g_hash_table_iter_init(&iter, self->jobs);
    while (g_hash_table_iter_next(&iter, NULL, &value))
        marina_job_export(((Entry *)value)->job, connection);
}

void
marina_job_registry_remove_connection(MarinaJobRegistry *self, GDBusConnection *connection)
{
    GHashTableIter iter;
    gpointer value;

    g_hash_table_iter_init(&iter, self->jobs);
    while (g_hash_table_iter_next(&iter, NULL, &value))
        marina_job_unexport(((Entry *)value)->job, connection);
    g_ptr_array_remove(self->connections, connection);
}
