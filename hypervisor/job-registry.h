#pragma once

#include <gio/gio.h>

#include "job.h"

G_BEGIN_DECLS

/*
 * The jobs of this host (guest installs, volume allocation and cloning):
 * numbered host-wide (/org/marinavm/Marina1/job/1, 2, ...), each served on
 * every client connection the registry was told about, new ones too, and
 * kept for a while after it ends so a client that attached late still reads
 * the outcome. Whoever serves the sockets reports connections coming and
 * going; whoever runs a long operation asks for a job here.
 */
#define MARINA_TYPE_JOB_REGISTRY (marina_job_registry_get_type())
G_DECLARE_FINAL_TYPE(MarinaJobRegistry, marina_job_registry, MARINA, JOB_REGISTRY, GObject)

MarinaJobRegistry *marina_job_registry_new(void);

/* How long an ended job stays served (60 s unless a test shortens it). */
void marina_job_registry_set_keep_time(MarinaJobRegistry *self, guint keep_ms);

/* A new job, served on every known connection. The registry owns it; take a
 * reference to keep it. */
MarinaJob *marina_job_registry_new_job(MarinaJobRegistry *self, guint64 total);

/* Finish @job (@error NULL: success) and forget it after the keep time. */
void marina_job_registry_end_job(MarinaJobRegistry *self, MarinaJob *job, const GError *error);

/* The job at @path, or NULL once forgotten. */
MarinaJob *marina_job_registry_lookup(MarinaJobRegistry *self, const char *path);

/* A client connected: serve every current job on it. */
void marina_job_registry_add_connection(MarinaJobRegistry *self, GDBusConnection *connection);
void marina_job_registry_remove_connection(MarinaJobRegistry *self, GDBusConnection *connection);

G_END_DECLS
