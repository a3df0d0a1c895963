#define G_LOG_DOMAIN "marinad"

#include "config.h"

#include <string.h>

#include "vardict-writer.h"

/*
 * GVariant's serialised form, for the shapes written here:
 *   a{sv}  the entries one after another, each starting at a multiple of 8,
 *          then the end offset of every entry;
 *   {sv}   the key and its NUL, padding to 8, the variant, then the end
 *          offset of the key (the one variable-sized member not last);
 *   v      the value's bytes, a NUL, the value's type string.
 * Offsets take the fewest bytes (1, 2, 4 or 8) that can address the whole
 * container, offsets included; numbers are in the machine's byte order.
 */

static gsize
offset_size_for(gsize body, gsize n_offsets)
{
    if (body + n_offsets <= G_MAXUINT8)
        return 1;
    if (body + 2 * n_offsets <= G_MAXUINT16)
        return 2;
    if (body + 4 * n_offsets <= G_MAXUINT32)
        return 4;
    return 8;
}

static gboolean
has_room(MarinaVardictWriter *self, gsize more)
{
    return self->len + more <= MARINA_VARDICT_WRITER_SIZE;
}

static void
put(MarinaVardictWriter *self, const void *bytes, gsize n)
{
    memcpy(self->data + self->len, bytes, n);
    self->len += n;
}

static void
pad_to_8(MarinaVardictWriter *self)
{
    while (self->len % 8 != 0)
        self->data[self->len++] = 0;
}

/* Little-endian or not: GVariant uses the machine's order, offsets
 * little-endian. */
static void
put_offset(MarinaVardictWriter *self, gsize value, gsize size)
{
    for (gsize i = 0; i < size; i++)
        self->data[self->len++] = (guint8)(value >> (8 * i));
}

static void
add_entry(MarinaVardictWriter *self, const char *key, const void *value, gsize size, char type)
{
    gsize key_len = strlen(key) + 1;
    gsize start, key_end;

    /* Worst case: padding before and inside, the entry, its offset. */
    g_return_if_fail(self->n < MARINA_VARDICT_WRITER_ENTRIES);
    g_return_if_fail(has_room(self, 7 + key_len + 7 + size + 2 + 1));
    pad_to_8(self);
    start = self->len;
    put(self, key, key_len);
    key_end = self->len - start;
    pad_to_8(self);
    put(self, value, size);
    self->data[self->len++] = '\0';
    self->data[self->len++] = (guint8)type;
    /* An entry is never longer than 255 bytes here: one offset byte. */
    g_return_if_fail(offset_size_for(self->len - start, 1) == 1);
    put_offset(self, key_end, 1);
    self->ends[self->n++] = self->len;
}

void
marina_vardict_writer_init(MarinaVardictWriter *self)
{
    self->len = 0;
    self->n = 0;
}

void
marina_vardict_writer_add_uint32(MarinaVardictWriter *self, const char *key, guint32 value)
{
    add_entry(self, key, &value, sizeof value, 'u');
}

void
marina_vardict_writer_add_uint64(MarinaVardictWriter *self, const char *key, guint64 value)
{
    add_entry(self, key, &value, sizeof value, 't');
}

void
marina_vardict_writer_add_int64(MarinaVardictWriter *self, const char *key, gint64 value)
{
    add_entry(self, key, &value, sizeof value, 'x');
}

void
marina_vardict_writer_add_double(MarinaVardictWriter *self, const char *key, double value)
{
    add_entry(self, key, &value, sizeof value, 'd');
}

GVariant *
marina_vardict_writer_end(MarinaVardictWriter *self)
{
    gsize size = offset_size_for(self->len, self->n);
    guint8 *copy;

    g_return_val_if_fail(has_room(self, size * self->n), NULL);
    for (guint i = 0; i < self->n; i++)
        put_offset(self, self->ends[i], size);
    copy = g_memdup2(self->data, self->len);
    return g_variant_new_from_data(G_VARIANT_TYPE_VARDICT, copy, self->len, TRUE, g_free, copy);
}
