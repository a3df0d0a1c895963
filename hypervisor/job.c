#define G_LOG_DOMAIN "marinad-job"

#include "config.h"

#include <glib/gi18n.h>

#include "job.h"

struct _MarinaJob {
    GObject parent_instance;

    char *path;
    MarinaDBusJob *skeleton;
    GCancellable *cancellable;
    gboolean finished;
};

G_DEFINE_FINAL_TYPE(MarinaJob, marina_job, G_TYPE_OBJECT)

static void
marina_job_finalize(GObject *object)
{
    MarinaJob *self = MARINA_JOB(object);

    GDBusInterfaceSkeleton *skeleton = G_DBUS_INTERFACE_SKELETON(self->skeleton);
    GList *connections = g_dbus_interface_skeleton_get_connections(skeleton);

    /* A job no client was connected to see was never exported. */
    if (connections != NULL)
        g_dbus_interface_skeleton_unexport(skeleton);
    g_list_free_full(connections, g_object_unref);
    g_clear_object(&self->skeleton);
    g_clear_object(&self->cancellable);
    g_free(self->path);
    G_OBJECT_CLASS(marina_job_parent_class)->finalize(object);
}

static void
marina_job_class_init(MarinaJobClass *klass)
{
    G_OBJECT_CLASS(klass)->finalize = marina_job_finalize;
}

static void
marina_job_init(MarinaJob *self)
{
    self->cancellable = g_cancellable_new();
}

static gboolean
handle_cancel(MarinaDBusJob *skeleton, GDBusMethodInvocation *invocation, MarinaJob *self)
{
    if (!self->finished) {
        marina_dbus_job_set_phase(skeleton, "cancelling");
        g_cancellable_cancel(self->cancellable);
    }
    marina_dbus_job_complete_cancel(skeleton, invocation);
    return TRUE;
}

MarinaJob *
marina_job_new(guint id, guint64 total)
{
    MarinaJob *self = g_object_new(MARINA_TYPE_JOB, NULL);

    self->path = g_strdup_printf("/org/marinavm/Marina1/job/%u", id);
    self->skeleton = marina_dbus_job_skeleton_new();
    marina_dbus_job_set_total(self->skeleton, total);
    marina_dbus_job_set_processed(self->skeleton, 0);
    marina_dbus_job_set_phase(self->skeleton, "running");
    marina_dbus_job_set_error(self->skeleton, "");
    g_signal_connect(self->skeleton, "handle-cancel", G_CALLBACK(handle_cancel), self);
    return self;
}

const char *
marina_job_get_object_path(MarinaJob *self)
{
    return self->path;
}

GCancellable *
marina_job_get_cancellable(MarinaJob *self)
{
    return self->cancellable;
}

void
marina_job_set_progress(MarinaJob *self, guint64 processed)
{
    if (marina_dbus_job_get_processed(self->skeleton) != processed)
        marina_dbus_job_set_processed(self->skeleton, processed);
}

void
marina_job_set_total(MarinaJob *self, guint64 total)
{
    marina_dbus_job_set_total(self->skeleton, total);
}

gboolean
marina_job_is_finished(MarinaJob *self)
{
    return self->finished;
}

void
marina_job_finish(MarinaJob *self, const GError *error)
{
    const char *phase;

    if (self->finished)
        return;
    self->finished = TRUE;
    if (error == NULL) {
        phase = "done";
        marina_dbus_job_set_processed(self->skeleton, marina_dbus_job_get_total(self->skeleton));
    } else {
        phase = g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ? "cancelled" : "failed";
    }
    marina_dbus_job_set_error(self->skeleton, error ? error->message : "");
    marina_dbus_job_set_phase(self->skeleton, phase);
    /* Property changes go out from an idle; flush them before Finished so a
     * client that stops listening at Finished has seen the final figures. */
    g_dbus_interface_skeleton_flush(G_DBUS_INTERFACE_SKELETON(self->skeleton));
    marina_dbus_job_emit_finished(self->skeleton, error == NULL, error ? error->message : "");
}

void
marina_job_export(MarinaJob *self, GDBusConnection *connection)
{
    g_autoptr(GError) error = NULL;

    if (!g_dbus_interface_skeleton_export(G_DBUS_INTERFACE_SKELETON(self->skeleton), connection,
                                          self->path, &error))
        g_warning("Cannot serve job %s: %s", self->path, error->message);
}

void
marina_job_unexport(MarinaJob *self, GDBusConnection *connection)
{
    if (g_dbus_interface_skeleton_has_connection(G_DBUS_INTERFACE_SKELETON(self->skeleton),
                                                 connection))
        g_dbus_interface_skeleton_unexport_from_connection(
            G_DBUS_INTERFACE_SKELETON(self->skeleton), connection);
}
