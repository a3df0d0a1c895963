#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * An a{sv} of a few numbers, written straight into GVariant's serialised
 * form. The statistics signal holds one per running guest every second:
 * built with GVariantBuilder, each costs some sixty small GVariants to make
 * and free; written here, one block. The bytes are those GLib itself would
 * serialise (tests/unit/test-vardict-writer.c checks it).
 */
#define MARINA_VARDICT_WRITER_SIZE 1024
#define MARINA_VARDICT_WRITER_ENTRIES 24

typedef struct {
    guint8 data[MARINA_VARDICT_WRITER_SIZE];
    gsize len;
    gsize ends[MARINA_VARDICT_WRITER_ENTRIES]; /* where each entry ends */
    guint n;
} MarinaVardictWriter;

void marina_vardict_writer_init(MarinaVardictWriter *self);
void marina_vardict_writer_add_uint32(MarinaVardictWriter *self, const char *key, guint32 value);
void marina_vardict_writer_add_uint64(MarinaVardictWriter *self, const char *key, guint64 value);
void marina_vardict_writer_add_int64(MarinaVardictWriter *self, const char *key, gint64 value);
void marina_vardict_writer_add_double(MarinaVardictWriter *self, const char *key, double value);
/* The dictionary written so far, as a floating a{sv}. */
GVariant *marina_vardict_writer_end(MarinaVardictWriter *self);

G_END_DECLS
