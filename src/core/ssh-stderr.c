/* Keeping the last part of ssh's standard error (see ssh-stderr.h). */

#define G_LOG_DOMAIN "marina-connection"

#include "config.h"

#include <string.h>

#include "ssh-stderr.h"

#define READ_CHUNK 4096

struct _MarinaSshStderr {
    GInputStream *pipe;
    GSource *source; /* NULL once the pipe ended */
    GString *text;   /* at most MARINA_SSH_STDERR_KEEP bytes */
};

void
marina_ssh_stderr_append(MarinaSshStderr *self, const char *text, gsize len)
{
    gsize start = self->text->len;

    g_string_append_len(self->text, text, (gssize)len);
    /* A NUL would end the text early for whoever reads it. */
    for (gsize i = start; i < self->text->len; i++)
        if (self->text->str[i] == '\0')
            self->text->str[i] = '?';
    if (self->text->len > MARINA_SSH_STDERR_KEEP) {
        gsize cut = self->text->len - MARINA_SSH_STDERR_KEEP;
        const char *newline = memchr(self->text->str + cut, '\n', self->text->len - cut);

        /* Start at a whole line when there is one to start at. */
        if (newline != NULL && newline + 1 < self->text->str + self->text->len)
            cut = (gsize)(newline + 1 - self->text->str);
        g_string_erase(self->text, 0, (gssize)cut);
    }
}

/* Reads until the pipe would block; FALSE once it ended (or failed). */
static gboolean
read_available(MarinaSshStderr *self)
{
    char buffer[READ_CHUNK];

    for (;;) {
        g_autoptr(GError) error = NULL;
        gssize n = g_pollable_input_stream_read_nonblocking(G_POLLABLE_INPUT_STREAM(self->pipe),
                                                            buffer, sizeof buffer, NULL, &error);
        if (n > 0) {
            marina_ssh_stderr_append(self, buffer, (gsize)n);
            continue;
        }
        if (n < 0 && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            return TRUE;
        if (n < 0)
            g_debug("Reading ssh's standard error: %s", error->message);
        return FALSE;
    }
}

static void
stop_watching(MarinaSshStderr *self)
{
    if (self->source != NULL) {
        g_source_destroy(self->source);
        g_clear_pointer(&self->source, g_source_unref);
    }
}

static gboolean
on_readable(GObject *stream, gpointer user_data)
{
    MarinaSshStderr *self = user_data;

    if (read_available(self))
        return G_SOURCE_CONTINUE;
    g_clear_pointer(&self->source, g_source_unref);
    return G_SOURCE_REMOVE;
}

MarinaSshStderr *
marina_ssh_stderr_new(GInputStream *pipe)
{
    MarinaSshStderr *self = g_new0(MarinaSshStderr, 1);

    self->text = g_string_new(NULL);
    if (pipe == NULL)
        return self;
    self->pipe = g_object_ref(pipe);
    if (!G_IS_POLLABLE_INPUT_STREAM(pipe) ||
        !g_pollable_input_stream_can_poll(G_POLLABLE_INPUT_STREAM(pipe))) {
        g_clear_object(&self->pipe);
        return self;
    }
    self->source = g_pollable_input_stream_create_source(G_POLLABLE_INPUT_STREAM(pipe), NULL);
    g_source_set_callback(self->source, G_SOURCE_FUNC(on_readable), self, NULL);
    g_source_attach(self->source, g_main_context_get_thread_default());
    return self;
}

void
marina_ssh_stderr_drain(MarinaSshStderr *self)
{
    g_return_if_fail(self != NULL);
    if (self->source != NULL && !read_available(self))
        stop_watching(self);
}

const char *
marina_ssh_stderr_get_text(MarinaSshStderr *self)
{
    g_return_val_if_fail(self != NULL, "");
    return self->text->str;
}

void
marina_ssh_stderr_free(MarinaSshStderr *self)
{
    if (self == NULL)
        return;
    stop_watching(self);
    g_clear_object(&self->pipe);
    g_string_free(self->text, TRUE);
    g_free(self);
}
