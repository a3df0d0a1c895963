/* The job registry: host-wide numbering, serving every job on every client
 * connection (old and new), ending and forgetting jobs. Clients are real
 * peer-to-peer D-Bus connections over a socketpair; no daemon runs. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <gio/gio.h>

#include "core/error.h"
#include "job-registry.h"
#include "peer-pair.h"

/* The job's Phase as the client sees it, "" when the job is not served. */
static char *
client_phase(PeerPair *pair, const char *path)
{
    g_autoptr(GVariant) reply =
        peer_pair_call(pair, path, "org.freedesktop.DBus.Properties", "Get",
                       g_variant_new("(ss)", "org.marinavm.Marina1.Job", "Phase"), NULL);
    g_autoptr(GVariant) value = NULL;

    if (reply == NULL)
        return g_strdup("");
    g_variant_get(reply, "(v)", &value);
    return g_variant_dup_string(value, NULL);
}

static void
test_jobs_are_numbered_host_wide(void **state)
{
    g_autoptr(MarinaJobRegistry) jobs = marina_job_registry_new();
    MarinaJob *first = marina_job_registry_new_job(jobs, 0);
    MarinaJob *second = marina_job_registry_new_job(jobs, 10);

    assert_string_equal(marina_job_get_object_path(first), "/org/marinavm/Marina1/job/1");
    assert_string_equal(marina_job_get_object_path(second), "/org/marinavm/Marina1/job/2");
    assert_ptr_equal(marina_job_registry_lookup(jobs, "/org/marinavm/Marina1/job/2"), second);
    assert_null(marina_job_registry_lookup(jobs, "/org/marinavm/Marina1/job/3"));
}

static void
test_ended_job_is_forgotten_after_keep_time_and_number_not_reused(void **state)
{
    g_autoptr(MarinaJobRegistry) jobs = marina_job_registry_new();
    g_autoptr(MarinaJob) job = NULL;
    g_autoptr(GError) failure =
        g_error_new(MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED, "disk full");
    gint64 deadline;

    marina_job_registry_set_keep_time(jobs, 20);
    job = g_object_ref(marina_job_registry_new_job(jobs, 0));
    marina_job_registry_end_job(jobs, job, failure);
    assert_true(marina_job_is_finished(job));
    /* Still there for a client that looks right after the end... */
    assert_ptr_equal(marina_job_registry_lookup(jobs, marina_job_get_object_path(job)), job);
    deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
    while (marina_job_registry_lookup(jobs, marina_job_get_object_path(job)) != NULL &&
           g_get_monotonic_time() < deadline)
        g_main_context_iteration(NULL, TRUE);
    /* ...then forgotten, and its number is not handed out again. */
    assert_null(marina_job_registry_lookup(jobs, marina_job_get_object_path(job)));
    assert_string_equal(marina_job_get_object_path(marina_job_registry_new_job(jobs, 0)),
                        "/org/marinavm/Marina1/job/2");
}

static void
test_jobs_are_served_on_old_and_new_connections(void **state)
{
    g_autoptr(MarinaJobRegistry) jobs = marina_job_registry_new();
    PeerPair early = peer_pair_new();
    PeerPair late = peer_pair_new();
    MarinaJob *job;
    g_autofree char *early_phase = NULL;
    g_autofree char *late_phase = NULL;
    g_autofree char *done_phase = NULL;
    g_autofree char *gone_phase = NULL;

    marina_job_registry_add_connection(jobs, early.server);
    job = marina_job_registry_new_job(jobs, 100);
    /* A client that connects after the job began sees it too. */
    marina_job_registry_add_connection(jobs, late.server);
    early_phase = client_phase(&early, marina_job_get_object_path(job));
    late_phase = client_phase(&late, marina_job_get_object_path(job));
    assert_string_equal(early_phase, "running");
    assert_string_equal(late_phase, "running");

    marina_job_registry_end_job(jobs, job, NULL);
    done_phase = client_phase(&late, marina_job_get_object_path(job));
    assert_string_equal(done_phase, "done");

    /* A client that went away is not served any more. */
    marina_job_registry_remove_connection(jobs, early.server);
    gone_phase = client_phase(&early, marina_job_get_object_path(job));
    assert_string_equal(gone_phase, "");
    peer_pair_clear(&early);
    peer_pair_clear(&late);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jobs_are_numbered_host_wide),
        cmocka_unit_test(test_ended_job_is_forgotten_after_keep_time_and_number_not_reused),
        cmocka_unit_test(test_jobs_are_served_on_old_and_new_connections),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
