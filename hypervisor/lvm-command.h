#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/*
 * Running LVM's commands for the logical backend and reading their JSON
 * reports (--reportformat json --units b --nosuffix).
 */

/* @ok: it exited with 0; @out: standard output (the report); @err: its
 * messages, stripped. */
typedef void (*MarinaLvmDone)(gboolean ok, const char *out, const char *err, gpointer data);

/* Runs the LVM command @argv with messages in English (a few are matched). */
void marina_lvm_run(const char *const *argv, MarinaLvmDone done, gpointer data);

/* LVM's messages @err as one line a person can read in a dialog, without
 * the final period. */
char *marina_lvm_reason(const char *err);

/* Whether the kernel lacks device-mapper, which every logical volume needs
 * (from /dev/mapper/control, or what LVM said in @err). */
gboolean marina_lvm_lacks_device_mapper(const char *err);

/* The rows of the report (@kind "vg" or "lv") that vgs or lvs answered with
 * @ok, @out and @err; NULL with *@why, what went wrong, when there are none.
 * The array belongs to @parser. */
JsonArray *marina_lvm_answer_rows(JsonParser *parser, gboolean ok, const char *out, const char *err,
                                  const char *kind, char **why);

/* Row @i of @rows, or NULL when it is not an object. */
JsonObject *marina_lvm_row(JsonArray *rows, guint i);
/* Size member @member (a string of digits) of @row in bytes. */
gboolean marina_lvm_size(JsonObject *row, const char *member, guint64 *out);

G_END_DECLS
