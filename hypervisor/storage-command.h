#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "job.h"

G_BEGIN_DECLS

/*
 * The programs storage runs for long work (qemu-img, mount, umount), run
 * asynchronously with their output kept (the last 64 KiB at most).
 */

/* @ok: the program ran and exited with 0; @output: its standard output and
 * error, merged and stripped. */
typedef void (*MarinaCommandDone)(gboolean ok, const char *output, gpointer data);

/* Runs @argv. With @job, Cancel kills the program, and progress comes from
 * "(NN.NN/100%)" in its output as a share of @percent_of bytes (when not 0)
 * or from the allocated size of @watch_path (when not NULL). */
void marina_storage_command_run(const char *const *argv, MarinaJob *job, guint64 percent_of,
                                const char *watch_path, MarinaCommandDone done, gpointer data);

/* The last line of @output: what a program says last is its reason. */
const char *marina_storage_command_last_line(const char *output);

/* The last "(NN.NN/100%)" in @output (qemu-img -p), as 0..100; FALSE when
 * there is none or it is out of range. */
gboolean marina_storage_command_parse_percent(const char *output, double *percent);

/* Loads what a program printed as JSON into @parser: FALSE when it is not
 * JSON, is empty, or nests deeper than any report does (json-glib recurses
 * once per level and would run out of stack). */
gboolean marina_storage_command_load_json(JsonParser *parser, const char *output);
/* String member @member of @object, or NULL when it is missing or not a string. */
const char *marina_storage_command_json_string(JsonObject *object, const char *member);

G_END_DECLS
