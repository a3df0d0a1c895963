#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/domain-config.h"
#include "core/error.h"
#include "storage-fixture.h"

static gboolean
check_writable(GDBusMethodInvocation *invocation, gpointer user_data)
{
    return TRUE;
}

static MarinaJob *
new_job(guint64 total, gpointer user_data)
{
    StorageFixture *f = user_data;

    /* The daemon's reference, dropped when the job ends. */
    return marina_job_new(++f->next_job, total);
}

static void
end_job(MarinaJob *job, const GError *error, gpointer user_data)
{
    if (error != NULL)
        g_object_set_data_full(G_OBJECT(job), "error", g_error_copy(error),
                               (GDestroyNotify)g_error_free);
    marina_job_finish(job, error);
    g_object_unref(job);
}

static MarinaDiskUsers *
collect_disk_users(gpointer user_data)
{
    StorageFixture *f = user_data;
    MarinaDiskUsers *users = marina_disk_users_new();

    for (guint i = 0; i < f->guests->len; i++) {
        g_autofree char *name = g_strdup_printf("guest-%u", i + 1);
        marina_disk_users_add_guest(users, name, TRUE, f->guests->pdata[i], NULL);
    }
    return users;
}

static void
on_pool_event(MarinaDBusHost *host, const char *path, const char *name, const char *event,
              StorageFixture *f)
{
    g_ptr_array_add(f->seen, g_strdup_printf("pool-event %s %s", name, event));
}

static void
on_volume_event(MarinaDBusHost *host, const char *path, const char *pool, const char *name,
                const char *event, StorageFixture *f)
{
    g_ptr_array_add(f->seen, g_strdup_printf("volume-event %s %s", name, event));
}

static void
guest_free(gpointer data)
{
    MarinaDomainConfig *c = data;

    for (guint i = 0; i < c->disks->len; i++) {
        MarinaDiskConfig *d = c->disks->pdata[i];
        g_free(d->source);
        g_free(d);
    }
    g_ptr_array_unref(c->disks);
    g_free(c);
}

StorageFixture *
storage_fixture_new(void)
{
    StorageFixture *f = g_new0(StorageFixture, 1);

    f->dir = g_dir_make_tmp("storage-test-XXXXXX", NULL);
    assert_non_null(f->dir);
    f->events = MARINA_DBUS_HOST(marina_dbus_host_skeleton_new());
    f->seen = g_ptr_array_new_with_free_func(g_free);
    f->guests = g_ptr_array_new_with_free_func(guest_free);
    f->host = (MarinaStorageHost){
        .check_writable = check_writable,
        .new_job = new_job,
        .end_job = end_job,
        .collect_disk_users = collect_disk_users,
        .user_data = f,
    };
    g_signal_connect(f->events, "pool-event", G_CALLBACK(on_pool_event), f);
    g_signal_connect(f->events, "volume-event", G_CALLBACK(on_volume_event), f);
    return f;
}

void
storage_fixture_free(StorageFixture *f)
{
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", f->dir);

    /* Pools freed from idles (undefine) go before the directory. */
    while (g_main_context_iteration(NULL, FALSE))
        ;
    assert_int_equal(system(cmd), 0);
    g_signal_handlers_disconnect_by_data(f->events, f);
    g_object_unref(f->events);
    g_ptr_array_unref(f->seen);
    g_ptr_array_unref(f->guests);
    g_free(f->dir);
    g_free(f);
}

char *
storage_fixture_path(StorageFixture *f, const char *name)
{
    return g_build_filename(f->dir, name, NULL);
}

void
storage_fixture_add_running_guest(StorageFixture *f, const char *path)
{
    MarinaDomainConfig *c = g_new0(MarinaDomainConfig, 1);
    MarinaDiskConfig *d = g_new0(MarinaDiskConfig, 1);

    d->source = g_strdup(path);
    c->disks = g_ptr_array_new();
    g_ptr_array_add(c->disks, d);
    g_ptr_array_add(f->guests, c);
}

gboolean
storage_fixture_saw(StorageFixture *f, const char *line)
{
    for (guint i = 0; i < f->seen->len; i++)
        if (g_str_equal(f->seen->pdata[i], line))
            return TRUE;
    return FALSE;
}

void
storage_fixture_clear_seen(StorageFixture *f)
{
    g_ptr_array_set_size(f->seen, 0);
}

GError *
storage_fixture_wait_job(MarinaJob *job)
{
    GError *error;

    while (!marina_job_is_finished(job))
        g_main_context_iteration(NULL, TRUE);
    error = g_object_get_data(G_OBJECT(job), "error");
    return error != NULL ? g_error_copy(error) : NULL;
}

void
storage_fixture_on_done(MarinaStoragePool *pool, const GError *error, gpointer data)
{
    StorageResult *result = data;

    assert_false(result->done);
    result->done = TRUE;
    result->error = error != NULL ? g_error_copy(error) : NULL;
}

GError *
storage_fixture_wait_done(StorageResult *result)
{
    while (!result->done)
        g_main_context_iteration(NULL, TRUE);
    return result->error;
}

void
storage_fixture_on_job(MarinaStoragePool *pool, MarinaJob *job, gpointer data)
{
    MarinaJob **out = data;

    *out = g_object_ref(job);
}

GError *
storage_fixture_start(MarinaStoragePool *pool)
{
    StorageResult result = {0};

    marina_storage_pool_start(pool, storage_fixture_on_done, &result);
    return storage_fixture_wait_done(&result);
}

GError *
storage_fixture_stop(MarinaStoragePool *pool)
{
    StorageResult result = {0};

    marina_storage_pool_stop(pool, storage_fixture_on_done, &result);
    return storage_fixture_wait_done(&result);
}

GError *
storage_fixture_create(MarinaStoragePool *pool, MarinaVolumeConfig *c)
{
    g_autoptr(MarinaJob) job = NULL;
    GError *error = NULL;

    if (!marina_storage_pool_create_volume(pool, c, storage_fixture_on_job, &job, &error))
        return error;
    assert_non_null(job);
    return storage_fixture_wait_job(job);
}

GError *
storage_fixture_delete(MarinaStoragePool *pool, const char *name)
{
    StorageResult result = {0};

    marina_storage_pool_delete_volume(pool, name, storage_fixture_on_done, &result);
    return storage_fixture_wait_done(&result);
}

GError *
storage_fixture_resize(MarinaStoragePool *pool, const char *name, guint64 capacity)
{
    StorageResult result = {0};

    marina_storage_pool_resize_volume(pool, name, capacity, storage_fixture_on_done, &result);
    return storage_fixture_wait_done(&result);
}

MarinaVolumeConfig *
storage_fixture_volume(const char *name, const char *format, guint64 capacity)
{
    MarinaVolumeConfig *c = g_new0(MarinaVolumeConfig, 1);

    c->name = g_strdup(name);
    c->format = g_strdup(format);
    c->capacity = capacity;
    return c;
}

void
storage_fixture_assert_error(const GError *error, int code, const char *part)
{
    assert_non_null(error);
    if (!g_error_matches(error, MARINA_ERROR, code) || strstr(error->message, part) == NULL)
        fail_msg("expected error %d with '%s', got %d: %s", code, part, error->code,
                 error->message);
}
