/* The typed client API of src/core (MarinaHost, MarinaDomain, MarinaPool,
 * MarinaVolume, MarinaJobWatcher) against real daemons: listings, lookups
 * and lifecycle on the test driver's simulated guests, a real guest started
 * and stopped under TCG, and the job watcher's progress, result, the job
 * that ended before anyone watched it, and cancellation. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gio/gunixfdlist.h>

#include "core/client.h"
#include "harness.h"

#define READY "MARINA-GUEST-READY"

/* Runs an _async call (given with marina_sync_wait_ready, &result) to completion. */
#define AWAIT(result, call)                                                                        \
    do {                                                                                           \
        g_clear_object(&(result));                                                                 \
        call;                                                                                      \
        marina_sync_wait(&(result));                                                               \
    } while (0)

/* Iterates the main context until @cond holds, for 5 s at the most. */
#define ITERATE_UNTIL(cond)                                                                        \
    for (int i_ = 0; i_ < 500 && !(cond); i_++)                                                    \
    harness_iterate(10)

typedef struct {
    Harness *h;
    MarinaConnection *connection;
    MarinaHost *host;
    char *dir; /* the test driver's node file lives here */
} Fixture;

static void
open_client(Fixture *f)
{
    g_autoptr(GError) error = NULL;

    f->connection = marina_connection_open_sync(f->h->uri, NULL, &error);
    if (f->connection == NULL)
        fail_msg("connect: %s", error->message);
    f->host = marina_host_new(f->connection);
}

static int
setup_test_driver(void **state)
{
    Fixture *f = g_new0(Fixture, 1);
    g_autofree char *node = NULL;
    g_autoptr(GString) xml = g_string_new("<node>\n");
    const char *args[] = {"--driver", "test", "--test-file", NULL, NULL};

    f->dir = g_dir_make_tmp("mca-XXXXXX", NULL);
    node = g_build_filename(f->dir, "node.xml", NULL);
    for (int i = 1; i <= 4; i++)
        g_string_append_printf(xml,
                               "<domain type='test' "
                               "xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>"
                               "<name>api-%d</name><memory unit='MiB'>%d</memory>"
                               "<vcpu>%d</vcpu><os><type>hvm</type></os>"
                               "<test:runstate>%d</test:runstate></domain>\n",
                               i, 128 * i, i, i == 1 ? 1 : 5);
    g_string_append(xml, "</node>\n");
    assert_true(g_file_set_contents(node, xml->str, -1, NULL));
    args[3] = node;
    f->h = harness_new_with_args(args);
    open_client(f);
    *state = f;
    return 0;
}

static int
setup_qemu(void **state)
{
    Fixture *f = g_new0(Fixture, 1);

    f->h = harness_new();
    open_client(f);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    Fixture *f = *state;

    g_clear_object(&f->host);
    if (f->connection != NULL)
        marina_connection_close(f->connection);
    g_clear_object(&f->connection);
    harness_free(f->h);
    if (f->dir != NULL) {
        g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", f->dir);
        assert_int_equal(system(cmd), 0);
        g_free(f->dir);
    }
    g_free(f);
    return 0;
}

static MarinaDomain *
lookup(Fixture *f, const char *name)
{
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(GError) error = NULL;
    MarinaDomain *domain;

    AWAIT(r, marina_host_lookup_domain_async(f->host, name, NULL, marina_sync_wait_ready, &r));
    domain = marina_host_lookup_domain_finish(f->host, r, &error);
    if (domain == NULL)
        fail_msg("lookup %s: %s", name, error->message);
    return domain;
}

static MarinaDomainInfo *
info_of(MarinaDomain *domain)
{
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(GError) error = NULL;
    MarinaDomainInfo *info;

    AWAIT(r, marina_domain_get_info_async(domain, NULL, marina_sync_wait_ready, &r));
    info = marina_domain_get_info_finish(domain, r, &error);
    if (info == NULL)
        fail_msg("GetInfo: %s", error->message);
    return info;
}

static MarinaDomainState
state_of(MarinaDomain *domain)
{
    g_autoptr(MarinaDomainInfo) info = info_of(domain);

    return info->state;
}

/* ---------------------------------------------------------------------------------------------
 * The test driver
 */

static void
test_list_and_lookup(void **state)
{
    Fixture *f = *state;
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) records = NULL;
    g_autoptr(MarinaDomain) domain = NULL;
    MarinaDomainRecord *second = NULL;
    guint reason;

    AWAIT(r, marina_host_list_domains_async(f->host, NULL, marina_sync_wait_ready, &r));
    records = marina_host_list_domains_finish(f->host, r, &error);
    assert_non_null(records);
    assert_int_equal(records->len, 4);
    for (guint i = 0; i < records->len; i++) {
        MarinaDomainRecord *record = records->pdata[i];
        if (g_str_equal(record->name, "api-1")) {
            assert_true(record->id >= 0);
            assert_int_equal(record->state, MARINA_DOMAIN_RUNNING);
        }
        if (g_str_equal(record->name, "api-2"))
            second = record;
    }
    assert_non_null(second);
    assert_int_equal(second->id, -1);
    assert_int_equal(second->state, MARINA_DOMAIN_SHUTOFF);
    assert_int_equal(second->vcpus, 2);
    assert_int_equal(second->max_memory_kib, 256 * 1024);

    /* Looked up by name: the properties answer at once. */
    domain = lookup(f, "api-2");
    assert_true(marina_domain_is_loaded(domain));
    assert_string_equal(marina_domain_get_name(domain), "api-2");
    assert_string_equal(marina_domain_get_uuid(domain), second->uuid);
    assert_string_equal(marina_domain_get_object_path(domain), second->object_path);
    assert_int_equal(marina_domain_get_state(domain, &reason), MARINA_DOMAIN_SHUTOFF);
    assert_int_equal(marina_domain_get_id(domain), -1);

    AWAIT(r, marina_host_lookup_domain_async(f->host, "no-such-guest", NULL, marina_sync_wait_ready,
                                             &r));
    assert_null(marina_host_lookup_domain_finish(f->host, r, &error));
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_NO_SUCH_DOMAIN));
    assert_non_null(strstr(marina_error_message(error), "no-such-guest"));
}

typedef struct {
    GPtrArray *events;
} Seen;

static void
on_domain_event(MarinaHost *host, const char *path, const char *name, const char *uuid, guint state,
                guint reason, const char *event, const char *detail, gpointer data)
{
    g_ptr_array_add(data, g_strdup_printf("%s:%s", name, event));
}

static gboolean
saw(GPtrArray *events, const char *what)
{
    for (int i = 0; i < 100; i++) {
        for (guint j = 0; j < events->len; j++)
            if (g_str_equal(events->pdata[j], what))
                return TRUE;
        harness_iterate(20);
    }
    return FALSE;
}

static void
test_lifecycle_on_simulated_guest(void **state)
{
    Fixture *f = *state;
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(MarinaDomain) found = lookup(f, "api-3");
    /* An action object for a path, as a view makes one for a list item. */
    g_autoptr(MarinaDomain) domain =
        marina_domain_new(f->connection, marina_domain_get_object_path(found));
    g_autoptr(MarinaDomainInfo) info = NULL;
    g_autofree char *xml = NULL;
    gulong id = g_signal_connect(f->host, "domain-event", G_CALLBACK(on_domain_event), events);

    assert_false(marina_domain_is_loaded(domain));
    assert_null(marina_domain_get_name(domain));

    AWAIT(r, marina_domain_start_async(domain, MARINA_DOMAIN_START_NONE, NULL,
                                       marina_sync_wait_ready, &r));
    assert_true(marina_domain_start_finish(domain, r, &error));
    assert_int_equal(state_of(domain), MARINA_DOMAIN_RUNNING);
    assert_true(saw(events, "api-3:started"));

    AWAIT(r, marina_domain_start_async(domain, MARINA_DOMAIN_START_NONE, NULL,
                                       marina_sync_wait_ready, &r));
    assert_false(marina_domain_start_finish(domain, r, &error));
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_ALREADY_RUNNING));
    g_clear_error(&error);

    AWAIT(r, marina_domain_suspend_async(domain, NULL, marina_sync_wait_ready, &r));
    assert_true(marina_domain_suspend_finish(domain, r, &error));
    assert_int_equal(state_of(domain), MARINA_DOMAIN_PAUSED);
    AWAIT(r, marina_domain_resume_async(domain, NULL, marina_sync_wait_ready, &r));
    assert_true(marina_domain_resume_finish(domain, r, &error));
    assert_int_equal(state_of(domain), MARINA_DOMAIN_RUNNING);

    AWAIT(r, marina_domain_set_autostart_async(domain, TRUE, NULL, marina_sync_wait_ready, &r));
    assert_true(marina_domain_set_autostart_finish(domain, r, &error));
    info = info_of(domain);
    assert_true(info->autostart);
    assert_int_equal(info->vcpus, 3);
    assert_int_equal(info->max_memory_kib, 384 * 1024);
    assert_true(info->id >= 0);

    AWAIT(r, marina_domain_get_xml_async(domain, MARINA_DOMAIN_XML_NONE, NULL,
                                         marina_sync_wait_ready, &r));
    xml = marina_domain_get_xml_finish(domain, r, &error);
    assert_non_null(xml);
    assert_non_null(strstr(xml, "<name>api-3</name>"));

    AWAIT(r, marina_domain_destroy_async(domain, NULL, marina_sync_wait_ready, &r));
    assert_true(marina_domain_destroy_finish(domain, r, &error));
    assert_int_equal(state_of(domain), MARINA_DOMAIN_SHUTOFF);
    assert_true(saw(events, "api-3:stopped"));
    g_signal_handler_disconnect(f->host, id);
}

static void
test_define_and_undefine(void **state)
{
    Fixture *f = *state;
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) warnings = NULL;
    g_autoptr(MarinaDomain) defined = NULL;
    g_autoptr(MarinaDomain) found = NULL;
    g_autoptr(MarinaNodeInfo) node = NULL;
    g_autoptr(MarinaHostProperties) properties = NULL;
    const char *xml = "<domain type='test'><name>api-new</name><memory unit='MiB'>64</memory>"
                      "<vcpu>1</vcpu><os><type>hvm</type></os></domain>";

    AWAIT(r, marina_host_define_domain_async(f->host, xml, NULL, marina_sync_wait_ready, &r));
    defined = marina_host_define_domain_finish(f->host, r, &warnings, &error);
    if (defined == NULL)
        fail_msg("define: %s", error->message);
    assert_non_null(warnings);
    found = lookup(f, "api-new");
    assert_string_equal(marina_domain_get_object_path(found),
                        marina_domain_get_object_path(defined));
    AWAIT(r, marina_domain_undefine_async(defined, MARINA_DOMAIN_UNDEFINE_NONE, NULL,
                                          marina_sync_wait_ready, &r));
    assert_true(marina_domain_undefine_finish(defined, r, &error));
    AWAIT(r, marina_host_lookup_domain_async(f->host, "api-new", NULL, marina_sync_wait_ready, &r));
    g_clear_object(&found);
    found = marina_host_lookup_domain_finish(f->host, r, &error);
    assert_null(found);
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_NO_SUCH_DOMAIN));
    g_clear_error(&error);

    AWAIT(r, marina_host_get_node_info_async(f->host, NULL, marina_sync_wait_ready, &r));
    node = marina_host_get_node_info_finish(f->host, r, &error);
    assert_non_null(node);
    assert_string_equal(node->driver, "test");
    assert_true(node->cpus > 0);
    assert_non_null(node->bridges);
    AWAIT(r, marina_host_get_properties_async(f->host, NULL, marina_sync_wait_ready, &r));
    properties = marina_host_get_properties_finish(f->host, r, &error);
    assert_non_null(properties);
    assert_string_equal(properties->driver, "test");
    assert_true(*properties->version != '\0');
}

/* ---------------------------------------------------------------------------------------------
 * A real guest under TCG
 */

static void
test_start_and_destroy_real_guest(void **state)
{
    Fixture *f = *state;
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *xml = harness_guest_xml("api-real", NULL);
    g_autoptr(MarinaDomain) domain = NULL;
    g_autoptr(GBytes) scrollback = NULL;
    g_autoptr(GString) acc = g_string_new(NULL);
    int fd;

    AWAIT(r, marina_host_define_domain_async(f->host, xml, NULL, marina_sync_wait_ready, &r));
    domain = marina_host_define_domain_finish(f->host, r, NULL, &error);
    assert_non_null(domain);
    AWAIT(r, marina_domain_start_async(domain, MARINA_DOMAIN_START_NONE, NULL,
                                       marina_sync_wait_ready, &r));
    if (!marina_domain_start_finish(domain, r, &error))
        fail_msg("start: %s", error->message);
    AWAIT(r, marina_domain_open_serial_async(domain, 0, NULL, marina_sync_wait_ready, &r));
    fd = marina_domain_open_serial_finish(domain, r, &scrollback, &error);
    assert_true(fd >= 0);
    assert_non_null(scrollback);
    g_string_append_len(acc, g_bytes_get_data(scrollback, NULL), g_bytes_get_size(scrollback));
    assert_true(harness_wait_output(fd, acc, 0, READY, 60000));
    close(fd);
    assert_int_equal(state_of(domain), MARINA_DOMAIN_RUNNING);

    AWAIT(r, marina_domain_destroy_async(domain, NULL, marina_sync_wait_ready, &r));
    assert_true(marina_domain_destroy_finish(domain, r, &error));
    assert_int_equal(state_of(domain), MARINA_DOMAIN_SHUTOFF);
    AWAIT(r, marina_domain_destroy_async(domain, NULL, marina_sync_wait_ready, &r));
    assert_false(marina_domain_destroy_finish(domain, r, &error));
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_NOT_RUNNING));
    g_clear_error(&error);
    AWAIT(r, marina_domain_undefine_async(domain, MARINA_DOMAIN_UNDEFINE_NONE, NULL,
                                          marina_sync_wait_ready, &r));
    assert_true(marina_domain_undefine_finish(domain, r, &error));
}

/* ---------------------------------------------------------------------------------------------
 * Storage and the job watcher
 */

static MarinaPool *
default_pool(Fixture *f)
{
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(GError) error = NULL;
    MarinaPool *pool;

    AWAIT(r, marina_host_lookup_pool_async(f->host, "default", NULL, marina_sync_wait_ready, &r));
    pool = marina_host_lookup_pool_finish(f->host, r, &error);
    if (pool == NULL)
        fail_msg("LookupPool: %s", error->message);
    return pool;
}

static char *
volume_xml(const char *name, const char *size)
{
    return g_strdup_printf("<volume><name>%s</name><capacity unit='MiB'>%s</capacity>"
                           "<target><format type='raw'/></target></volume>",
                           name, size);
}

static MarinaVolume *
create_volume(Fixture *f, MarinaPool *pool, const char *name, const char *size,
              MarinaJobWatcher **job)
{
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *xml = volume_xml(name, size);
    MarinaVolume *volume;

    AWAIT(r, marina_pool_create_volume_async(pool, xml, NULL, marina_sync_wait_ready, &r));
    volume = marina_pool_create_volume_finish(pool, r, job, &error);
    if (volume == NULL)
        fail_msg("CreateVolume: %s", error->message);
    assert_non_null(*job);
    return volume;
}

static void
on_progress(MarinaJobWatcher *job, guint64 processed, guint64 total, const char *phase,
            gpointer data)
{
    (*(guint *)data)++;
}

static gboolean
wait_job(MarinaJobWatcher *job, GCancellable *cancellable, GError **error)
{
    g_autoptr(GAsyncResult) r = NULL;

    AWAIT(r, marina_job_watcher_wait_async(job, cancellable, marina_sync_wait_ready, &r));
    return marina_job_watcher_wait_finish(job, r, error);
}

static gboolean
has_volume(MarinaPool *pool, const char *name, MarinaVolumeInfo **found)
{
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) volumes = NULL;

    AWAIT(r, marina_pool_refresh_async(pool, NULL, marina_sync_wait_ready, &r));
    assert_true(marina_pool_refresh_finish(pool, r, &error));
    AWAIT(r, marina_pool_list_volumes_async(pool, NULL, marina_sync_wait_ready, &r));
    volumes = marina_pool_list_volumes_finish(pool, r, &error);
    assert_non_null(volumes);
    for (guint i = 0; i < volumes->len; i++) {
        MarinaVolumeInfo *info = volumes->pdata[i];
        if (g_str_equal(info->name, name)) {
            if (found != NULL)
                *found = g_ptr_array_steal_index(volumes, i);
            return TRUE;
        }
    }
    return FALSE;
}

static void
test_job_progress_and_result(void **state)
{
    Fixture *f = *state;
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaPool) pool = default_pool(f);
    g_autoptr(MarinaJobWatcher) job = NULL;
    g_autoptr(MarinaVolume) volume = create_volume(f, pool, "job1.raw", "64", &job);
    g_autoptr(MarinaVolumeInfo) listed = NULL;
    g_autoptr(MarinaVolumeInfo) info = NULL;
    g_autoptr(MarinaPoolInfo) pool_info = NULL;
    guint progress = 0;

    g_signal_connect(job, "progress", G_CALLBACK(on_progress), &progress);
    if (!wait_job(job, NULL, &error))
        fail_msg("job: %s", error->message);
    assert_true(progress >= 1);
    assert_string_equal(marina_job_watcher_get_phase(job), "done");
    assert_int_equal(marina_job_watcher_get_processed(job), marina_job_watcher_get_total(job));

    assert_true(has_volume(pool, "job1.raw", &listed));
    assert_string_equal(listed->object_path, marina_volume_get_object_path(volume));
    assert_int_equal(listed->capacity, 64 * 1024 * 1024);
    assert_string_equal(listed->format, "raw");
    assert_int_equal(g_strv_length(listed->used_by), 0);
    AWAIT(r, marina_volume_get_info_async(volume, NULL, marina_sync_wait_ready, &r));
    info = marina_volume_get_info_finish(volume, r, &error);
    assert_non_null(info);
    assert_string_equal(info->path, listed->path);
    assert_string_equal(info->pool, "default");
    AWAIT(r, marina_pool_get_info_async(pool, NULL, marina_sync_wait_ready, &r));
    pool_info = marina_pool_get_info_finish(pool, r, &error);
    assert_non_null(pool_info);
    assert_string_equal(pool_info->name, "default");
    assert_true(pool_info->active);

    AWAIT(r, marina_volume_delete_async(volume, NULL, marina_sync_wait_ready, &r));
    assert_true(marina_volume_delete_finish(volume, r, &error));
    assert_false(has_volume(pool, "job1.raw", NULL));
}

/* A job that ended before its watcher subscribed is seen through its Phase:
 * waiting completes at once with the job's result. */
static void
test_job_that_already_ended(void **state)
{
    Fixture *f = *state;
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaPool) pool = default_pool(f);
    g_autoptr(MarinaJobWatcher) job = NULL;
    g_autoptr(MarinaJobWatcher) late = NULL;
    g_autoptr(MarinaVolume) volume = create_volume(f, pool, "job2.raw", "16", &job);
    guint progress = 0;

    assert_true(wait_job(job, NULL, &error));
    late = marina_job_watcher_new(f->connection, marina_job_watcher_get_object_path(job));
    g_signal_connect(late, "progress", G_CALLBACK(on_progress), &progress);
    assert_true(wait_job(late, NULL, &error));
    assert_string_equal(marina_job_watcher_get_phase(late), "done");
    /* Waiting again after the end answers from what is known. */
    assert_true(wait_job(late, NULL, &error));
    AWAIT(r, marina_volume_delete_async(volume, NULL, marina_sync_wait_ready, &r));
    assert_true(marina_volume_delete_finish(volume, r, &error));
}

static void
test_job_cancelled(void **state)
{
    Fixture *f = *state;
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaPool) pool = default_pool(f);
    g_autoptr(MarinaJobWatcher) job = NULL;
    g_autoptr(MarinaVolume) source = NULL;
    g_autoptr(MarinaVolumeInfo) info = NULL;
    g_autoptr(GCancellable) cancellable = g_cancellable_new();
    g_autofree char *big = g_build_filename(f->h->state_dir, "images", "big.raw", NULL);
    g_autofree char *cmd = g_strdup_printf("head -c 768M /dev/urandom > '%s'", big);

    /* Random data: qemu-img copies every byte, so the clone lasts long
     * enough to be cancelled. */
    assert_int_equal(system(cmd), 0);
    assert_true(has_volume(pool, "big.raw", &info));
    source = marina_volume_new(f->connection, info->object_path);
    AWAIT(r, marina_volume_clone_async(source, "big2.raw", NULL, marina_sync_wait_ready, &r));
    job = marina_volume_clone_finish(source, r, &error);
    assert_non_null(job);
    g_cancellable_cancel(cancellable);
    assert_false(wait_job(job, cancellable, &error));
    if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        print_message("job error: %s %d %s\n", g_quark_to_string(error->domain), error->code,
                      error->message);
    assert_true(g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
    assert_string_equal(marina_job_watcher_get_phase(job), "cancelled");
    assert_false(has_volume(pool, "big2.raw", NULL));
    AWAIT(r, marina_volume_delete_async(source, NULL, marina_sync_wait_ready, &r));
    assert_true(marina_volume_delete_finish(source, r, &error));
}

/* ---------------------------------------------------------------------------------------------
 * A stand-in daemon in this process: replies the real daemon never gives
 * (hostile or malformed ones from a remote host), calls it holds unanswered,
 * and a job it ends when the test says.
 */

#define STAND_IN_DOMAIN "/org/marinavm/Marina1/domain/stand_in"
#define STAND_IN_JOB "/org/marinavm/Marina1/job/1"

typedef struct {
    char *dir;
    char *uri;
    GDBusServer *server;
    GDBusConnection *peer; /* the server's side of the client's connection */
    MarinaDBusDomain *domain;
    MarinaDBusJob *job;
    GDBusMethodInvocation *held; /* a call left unanswered until the test answers it */
    MarinaConnection *connection;
    GLogLevelFlags fatal_mask;
} StandIn;

/* OpenSerial answered with a handle naming the 8th descriptor of a list of one. */
static gboolean
on_stand_in_open_serial(MarinaDBusDomain *domain, GDBusMethodInvocation *invocation,
                        GUnixFDList *fds_in, guint index, gpointer data)
{
    g_autoptr(GUnixFDList) fds = g_unix_fd_list_new();
    int pipe_fds[2];

    assert_int_equal(pipe(pipe_fds), 0);
    assert_true(g_unix_fd_list_append(fds, pipe_fds[0], NULL) == 0);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    marina_dbus_domain_complete_open_serial(
        domain, invocation, fds, g_variant_new_handle(7),
        g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, "", 0, 1));
    return TRUE;
}

static gboolean
on_stand_in_hold(MarinaDBusDomain *domain, GDBusMethodInvocation *invocation, gpointer data)
{
    StandIn *s = data;

    assert_null(s->held);
    s->held = g_object_ref(invocation);
    return TRUE;
}

static gboolean
on_stand_in_hold_xml(MarinaDBusDomain *domain, GDBusMethodInvocation *invocation, guint flags,
                     gpointer data)
{
    return on_stand_in_hold(domain, invocation, data);
}

static gboolean
on_stand_in_connection(GDBusServer *server, GDBusConnection *connection, gpointer data)
{
    StandIn *s = data;
    g_autoptr(GError) error = NULL;

    assert_null(s->peer);
    s->peer = g_object_ref(connection);
    assert_true(g_dbus_interface_skeleton_export(G_DBUS_INTERFACE_SKELETON(s->domain), connection,
                                                 STAND_IN_DOMAIN, &error));
    assert_true(g_dbus_interface_skeleton_export(G_DBUS_INTERFACE_SKELETON(s->job), connection,
                                                 STAND_IN_JOB, &error));
    return TRUE;
}

static int
setup_stand_in(void **state)
{
    StandIn *s = g_new0(StandIn, 1);
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(GError) error = NULL;

    /* A critical here is a bug the test must see. (GDBusProxy itself warns
     * about and drops a signal of the wrong type.) */
    s->fatal_mask = g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
    s->dir = g_dir_make_tmp("mca-standin-XXXXXX", NULL);
    s->domain = marina_dbus_domain_skeleton_new();
    g_signal_connect(s->domain, "handle-open-serial", G_CALLBACK(on_stand_in_open_serial), s);
    g_signal_connect(s->domain, "handle-destroy", G_CALLBACK(on_stand_in_hold), s);
    g_signal_connect(s->domain, "handle-get-xml", G_CALLBACK(on_stand_in_hold_xml), s);
    s->job = marina_dbus_job_skeleton_new();
    marina_dbus_job_set_phase(s->job, "running");
    marina_dbus_job_set_error(s->job, "");
    s->server = harness_stand_in_server(s->dir, &s->uri);
    g_signal_connect(s->server, "new-connection", G_CALLBACK(on_stand_in_connection), s);
    AWAIT(r, marina_connection_open_async(s->uri, NULL, marina_sync_wait_ready, &r));
    s->connection = marina_connection_open_finish(r, &error);
    if (s->connection == NULL)
        fail_msg("connect to the stand-in: %s", error->message);
    ITERATE_UNTIL(s->peer != NULL);
    assert_non_null(s->peer);
    *state = s;
    return 0;
}

static int
teardown_stand_in(void **state)
{
    StandIn *s = *state;
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", s->dir);

    if (s->held != NULL)
        g_dbus_method_invocation_return_dbus_error(g_steal_pointer(&s->held),
                                                   "org.marinavm.Marina1.Error.Failed", "teardown");
    marina_connection_close(s->connection);
    harness_iterate(50);
    g_clear_object(&s->connection);
    g_dbus_interface_skeleton_unexport(G_DBUS_INTERFACE_SKELETON(s->domain));
    g_dbus_interface_skeleton_unexport(G_DBUS_INTERFACE_SKELETON(s->job));
    g_clear_object(&s->peer);
    g_dbus_server_stop(s->server);
    g_clear_object(&s->server);
    g_clear_object(&s->domain);
    g_clear_object(&s->job);
    assert_int_equal(system(cmd), 0);
    g_log_set_always_fatal(s->fatal_mask);
    g_free(s->uri);
    g_free(s->dir);
    g_free(s);
    return 0;
}

/* A handle outside the descriptors passed is an error naming the console,
 * not a failed precondition in GUnixFDList and a call that never ends. */
static void
test_bad_console_handle(void **state)
{
    StandIn *s = *state;
    g_autoptr(MarinaDomain) domain = marina_domain_new(s->connection, STAND_IN_DOMAIN);
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) scrollback = NULL;

    AWAIT(r, marina_domain_open_serial_async(domain, 0, NULL, marina_sync_wait_ready, &r));
    assert_int_equal(marina_domain_open_serial_finish(domain, r, &scrollback, &error), -1);
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED));
    assert_non_null(strstr(error->message, "serial port 0"));
    assert_null(scrollback);
}

static gboolean
cancel_soon(gpointer data)
{
    g_cancellable_cancel(data);
    return G_SOURCE_REMOVE;
}

/* Cancelling a call the daemon has not answered ends it at once with
 * G_IO_ERROR_CANCELLED; the late answer changes nothing. */
static void
test_cancel_call_in_flight(void **state)
{
    StandIn *s = *state;
    g_autoptr(MarinaDomain) domain = marina_domain_new(s->connection, STAND_IN_DOMAIN);
    g_autoptr(GCancellable) cancellable = g_cancellable_new();
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(GError) error = NULL;

    g_timeout_add(100, cancel_soon, cancellable);
    AWAIT(r, marina_domain_destroy_async(domain, cancellable, marina_sync_wait_ready, &r));
    assert_non_null(s->held);
    assert_false(marina_domain_destroy_finish(domain, r, &error));
    assert_true(g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
    g_dbus_method_invocation_return_value(g_steal_pointer(&s->held), NULL);
    harness_iterate(50);
}

static void
on_xml_ready(GObject *source, GAsyncResult *result, gpointer data)
{
    char **out = data;
    g_autoptr(GError) error = NULL;

    assert_true(MARINA_IS_DOMAIN(source));
    *out = marina_domain_get_xml_finish(MARINA_DOMAIN(source), result, &error);
    if (*out == NULL)
        fail_msg("GetXML: %s", error->message);
}

/* The caller drops its domain while a call is in flight: the call keeps the
 * object alive and its callback gets a valid source. */
static void
test_dispose_with_call_in_flight(void **state)
{
    StandIn *s = *state;
    MarinaDomain *domain = marina_domain_new(s->connection, STAND_IN_DOMAIN);
    GWeakRef weak;
    g_autofree char *xml = NULL;

    g_weak_ref_init(&weak, domain);
    marina_domain_get_xml_async(domain, MARINA_DOMAIN_XML_NONE, NULL, on_xml_ready, &xml);
    g_object_unref(domain);
    ITERATE_UNTIL(s->held != NULL);
    assert_non_null(s->held);
    marina_dbus_domain_complete_get_xml(s->domain, g_steal_pointer(&s->held), "<domain/>");
    ITERATE_UNTIL(xml != NULL);
    assert_string_equal(xml, "<domain/>");
    /* Once the call has ended, nothing holds the object any more. */
    for (int i = 0; i < 100; i++) {
        g_autoptr(GObject) alive = g_weak_ref_get(&weak);
        if (alive == NULL)
            break;
        g_clear_object(&alive);
        harness_iterate(10);
    }
    assert_null(g_weak_ref_get(&weak));
    g_weak_ref_clear(&weak);
}

/* Starts waiting on @job into *@result; returns once the watcher has read
 * the job (its first "progress"). */
static void
start_waiting(MarinaJobWatcher *job, GAsyncResult **result)
{
    guint progress = 0;
    gulong id = g_signal_connect(job, "progress", G_CALLBACK(on_progress), &progress);

    marina_job_watcher_wait_async(job, NULL, marina_sync_wait_ready, result);
    ITERATE_UNTIL(progress > 0);
    g_signal_handler_disconnect(job, id);
    assert_true(progress > 0);
}

/* A Finished signal with the wrong arguments (a remote host sent it) is
 * dropped (GDBusProxy checks it against the interface); the real one ends
 * the wait with the job's message. */
static void
test_job_malformed_finished(void **state)
{
    StandIn *s = *state;
    g_autoptr(MarinaJobWatcher) job = marina_job_watcher_new(s->connection, STAND_IN_JOB);
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(GError) error = NULL;

    start_waiting(job, &r);
    assert_string_equal(marina_job_watcher_get_phase(job), "running");
    assert_true(g_dbus_connection_emit_signal(s->peer, NULL, STAND_IN_JOB,
                                              "org.marinavm.Marina1.Job", "Finished",
                                              g_variant_new("(s)", "not a job's end"), NULL));
    assert_true(g_dbus_connection_emit_signal(s->peer, NULL, STAND_IN_JOB,
                                              "org.marinavm.Marina1.Job", "Finished", NULL, NULL));
    harness_iterate(100);
    assert_null(r);
    marina_dbus_job_emit_finished(s->job, FALSE, "The disk is full.");
    marina_sync_wait(&r);
    assert_false(marina_job_watcher_wait_finish(job, r, &error));
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED));
    assert_string_equal(error->message, "The disk is full.");
    assert_string_equal(marina_job_watcher_get_phase(job), "failed");
}

/* A job the daemon does not know (it has forgotten it, or never had it). */
static void
test_job_unknown(void **state)
{
    StandIn *s = *state;
    g_autoptr(MarinaJobWatcher) job =
        marina_job_watcher_new(s->connection, "/org/marinavm/Marina1/job/404");
    g_autoptr(GError) error = NULL;

    assert_false(wait_job(job, NULL, &error));
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED));
    assert_non_null(strstr(error->message, "/org/marinavm/Marina1/job/404"));
}

/* The client closes its connection while a wait runs, and a wait starts on
 * a connection already closed: both end with MARINA_ERROR_NO_CONNECTION. */
static void
test_job_connection_closed(void **state)
{
    StandIn *s = *state;
    g_autoptr(MarinaJobWatcher) job = marina_job_watcher_new(s->connection, STAND_IN_JOB);
    g_autoptr(MarinaJobWatcher) late = NULL;
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(GError) error = NULL;

    start_waiting(job, &r);
    marina_connection_close(s->connection);
    marina_sync_wait(&r);
    assert_false(marina_job_watcher_wait_finish(job, r, &error));
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_NO_CONNECTION));
    g_clear_error(&error);

    late = marina_job_watcher_new(s->connection, STAND_IN_JOB);
    assert_false(wait_job(late, NULL, &error));
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_NO_CONNECTION));
}

/* Cancelling an open over ssh ends it at once, even when ssh does not exit
 * by itself (a login stuck at the far end). */
static void
test_cancel_ssh_open(void **state)
{
    g_autofree char *dir = g_dir_make_tmp("mca-ssh-XXXXXX", NULL);
    g_autofree char *ssh = g_build_filename(dir, "ssh", NULL);
    g_autofree char *path = g_strdup_printf("%s:%s", dir, g_getenv("PATH"));
    g_autofree char *old_path = g_strdup(g_getenv("PATH"));
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dir);
    g_autoptr(GCancellable) cancellable = g_cancellable_new();
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(GError) error = NULL;
    gint64 started;

    /* An ssh that never answers and ignores its stdin closing. */
    assert_true(g_file_set_contents(ssh, "#!/bin/sh\nexec sleep 30 </dev/null\n", -1, NULL));
    assert_int_equal(g_chmod(ssh, 0755), 0);
    g_setenv("PATH", path, TRUE);
    started = g_get_monotonic_time();
    g_timeout_add(200, cancel_soon, cancellable);
    AWAIT(r, marina_connection_open_async("marina+ssh://nowhere.invalid/session", cancellable,
                                          marina_sync_wait_ready, &r));
    g_setenv("PATH", old_path, TRUE);
    assert_null(marina_connection_open_finish(r, &error));
    assert_true(g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
    /* Without giving ssh its SSH_EXIT_WAIT_S (5 s) to exit. */
    assert_true(g_get_monotonic_time() - started < 4 * G_USEC_PER_SEC);
    assert_int_equal(system(cmd), 0);
}

static gboolean
kill_daemon(gpointer data)
{
    harness_stop_daemon(data, SIGKILL);
    return G_SOURCE_REMOVE;
}

/* The daemon dies while a job runs: the wait ends with the connection's
 * reason instead of waiting for a Finished that never comes. */
static void
test_job_daemon_gone(void **state)
{
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(GError) error = NULL;
    Fixture f = {.h = harness_new()};
    g_autoptr(MarinaPool) pool = NULL;
    g_autoptr(MarinaJobWatcher) job = NULL;
    g_autoptr(MarinaVolume) source = NULL;
    g_autoptr(MarinaVolumeInfo) info = NULL;
    g_autofree char *big = g_build_filename(f.h->state_dir, "images", "gone.raw", NULL);
    g_autofree char *cmd = g_strdup_printf("head -c 256M /dev/urandom > '%s'", big);

    open_client(&f);
    pool = default_pool(&f);
    assert_int_equal(system(cmd), 0);
    assert_true(has_volume(pool, "gone.raw", &info));
    source = marina_volume_new(f.connection, info->object_path);
    AWAIT(r, marina_volume_clone_async(source, "gone2.raw", NULL, marina_sync_wait_ready, &r));
    job = marina_volume_clone_finish(source, r, &error);
    assert_non_null(job);
    g_idle_add(kill_daemon, f.h);
    assert_false(wait_job(job, NULL, &error));
    if (!g_error_matches(error, MARINA_ERROR, MARINA_ERROR_NO_CONNECTION))
        print_message("error: %s %d %s\n", g_quark_to_string(error->domain), error->code,
                      error->message);
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_NO_CONNECTION));
    g_clear_object(&job);
    g_clear_object(&source);
    g_clear_object(&pool);
    g_clear_object(&f.host);
    g_clear_object(&f.connection);
    harness_free(f.h);
}

int
main(void)
{
    const struct CMUnitTest simulated[] = {
        cmocka_unit_test(test_list_and_lookup),
        cmocka_unit_test(test_lifecycle_on_simulated_guest),
        cmocka_unit_test(test_define_and_undefine),
    };
    const struct CMUnitTest real[] = {
        cmocka_unit_test(test_start_and_destroy_real_guest),
        cmocka_unit_test(test_job_progress_and_result),
        cmocka_unit_test(test_job_that_already_ended),
        cmocka_unit_test(test_job_cancelled),
        cmocka_unit_test(test_job_daemon_gone),
    };
#define STAND_IN_TEST(test) cmocka_unit_test_setup_teardown(test, setup_stand_in, teardown_stand_in)
    const struct CMUnitTest stand_in[] = {
        STAND_IN_TEST(test_bad_console_handle),
        STAND_IN_TEST(test_cancel_call_in_flight),
        STAND_IN_TEST(test_dispose_with_call_in_flight),
        STAND_IN_TEST(test_job_malformed_finished),
        STAND_IN_TEST(test_job_unknown),
        STAND_IN_TEST(test_job_connection_closed),
        cmocka_unit_test(test_cancel_ssh_open),
    };
    int failed = 0;

    failed += cmocka_run_group_tests_name("stand-in daemon", stand_in, NULL, NULL);
    failed += cmocka_run_group_tests_name("test driver", simulated, setup_test_driver, teardown);
    failed += cmocka_run_group_tests_name("qemu driver", real, setup_qemu, teardown);
    return failed;
}
