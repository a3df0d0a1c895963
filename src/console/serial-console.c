/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-serial-console"

#include "config.h"

#include "serial-console.h"

#include <gio/gunixinputstream.h>
#include <gio/gunixoutputstream.h>
#include <glib/gi18n.h>
#include <vte/vte.h>

#define READ_CHUNK 4096
#define ZOOM_STEP 1.2
#define ZOOM_MIN 0.3
#define ZOOM_MAX 4.0
/* Stop queueing typed input if the guest stops reading: nobody types 1 MiB. */
#define MAX_PENDING_INPUT (1024 * 1024)

struct _MarinaSerialConsole {
    GtkBox parent_instance;

    VteTerminal *terminal;

    /* One stream per direction on the same descriptor; the input stream
     * owns (closes) it. */
    GInputStream *input;
    GOutputStream *output;
    GCancellable *cancellable;
    guint8 read_buf[READ_CHUNK];

    GByteArray *pending; /* typed bytes not yet written */
    gboolean writing;
};

G_DEFINE_FINAL_TYPE(MarinaSerialConsole, marina_serial_console, GTK_TYPE_BOX)

enum {
    SIGNAL_DISCONNECTED,
    N_SIGNALS,
};

static guint signals[N_SIGNALS];

static void start_read(MarinaSerialConsole *self);
static void start_write(MarinaSerialConsole *self);

/* Ends the session because the stream did; callers reconnect on the signal. */
static void
lost_stream(MarinaSerialConsole *self)
{
    if (self->input == NULL) {
        return;
    }
    marina_serial_console_detach(self);
    g_signal_emit(self, signals[SIGNAL_DISCONNECTED], 0);
}

static void
on_read_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(MarinaSerialConsole) self = user_data;
    g_autoptr(GError) error = NULL;
    gssize n = g_input_stream_read_finish(G_INPUT_STREAM(source), result, &error);

    if (G_INPUT_STREAM(source) != self->input) {
        return; /* a previous session, already detached */
    }
    if (n < 0) {
        if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
            g_debug("serial read failed: %s", error->message);
            lost_stream(self);
        }
        return;
    }
    if (n == 0) {
        lost_stream(self);
        return;
    }
    vte_terminal_feed(self->terminal, (const char *)self->read_buf, n);
    start_read(self);
}

static void
start_read(MarinaSerialConsole *self)
{
    g_input_stream_read_async(self->input, self->read_buf, sizeof self->read_buf,
                              G_PRIORITY_DEFAULT, self->cancellable, on_read_done,
                              g_object_ref(self));
}

static void
on_write_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(MarinaSerialConsole) self = user_data;
    g_autoptr(GError) error = NULL;
    gssize n = g_output_stream_write_finish(G_OUTPUT_STREAM(source), result, &error);

    if (G_OUTPUT_STREAM(source) != self->output) {
        return;
    }
    self->writing = FALSE;
    if (n < 0) {
        if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
            g_debug("serial write failed: %s", error->message);
            lost_stream(self);
        }
        return;
    }
    g_byte_array_remove_range(self->pending, 0, (guint)n);
    start_write(self);
}

static void
start_write(MarinaSerialConsole *self)
{
    if (self->writing || self->output == NULL || self->pending->len == 0) {
        return;
    }
    self->writing = TRUE;
    g_output_stream_write_async(self->output, self->pending->data, self->pending->len,
                                G_PRIORITY_DEFAULT, self->cancellable, on_write_done,
                                g_object_ref(self));
}

/* What the user types (and pastes) arrives here, since the terminal has no pty. */
static void
on_commit(VteTerminal *terminal, const char *text, guint size, MarinaSerialConsole *self)
{
    (void)terminal;
    if (self->output == NULL) {
        return;
    }
    if (self->pending->len + size > MAX_PENDING_INPUT) {
        g_debug("serial input queue full, dropping %u bytes", size);
        return;
    }
    g_byte_array_append(self->pending, (const guint8 *)text, size);
    start_write(self);
}

static void
set_scale(MarinaSerialConsole *self, double scale)
{
    vte_terminal_set_font_scale(self->terminal, CLAMP(scale, ZOOM_MIN, ZOOM_MAX));
}

static void
on_menu_copy(GtkMenuItem *item, MarinaSerialConsole *self)
{
    (void)item;
    marina_serial_console_copy(self);
}

static void
on_menu_paste(GtkMenuItem *item, MarinaSerialConsole *self)
{
    (void)item;
    marina_serial_console_paste(self);
}

static void
on_menu_zoom_in(GtkMenuItem *item, MarinaSerialConsole *self)
{
    (void)item;
    marina_serial_console_zoom_in(self);
}

static void
on_menu_zoom_out(GtkMenuItem *item, MarinaSerialConsole *self)
{
    (void)item;
    marina_serial_console_zoom_out(self);
}

static void
on_menu_zoom_reset(GtkMenuItem *item, MarinaSerialConsole *self)
{
    (void)item;
    marina_serial_console_zoom_reset(self);
}

static void
add_menu_item(GtkWidget *menu, const char *label, GCallback cb, MarinaSerialConsole *self,
              gboolean sensitive)
{
    GtkWidget *item = gtk_menu_item_new_with_mnemonic(label);

    gtk_widget_set_sensitive(item, sensitive);
    g_signal_connect(item, "activate", cb, self);
    gtk_menu_shell_append(GTK_MENU_SHELL(menu), item);
}

static void
show_context_menu(MarinaSerialConsole *self, const GdkEvent *event)
{
    GtkWidget *menu = gtk_menu_new();

    add_menu_item(menu, _("_Copy"), G_CALLBACK(on_menu_copy), self,
                  vte_terminal_get_has_selection(self->terminal));
    add_menu_item(menu, _("_Paste"), G_CALLBACK(on_menu_paste), self, self->output != NULL);
    gtk_menu_shell_append(GTK_MENU_SHELL(menu), gtk_separator_menu_item_new());
    add_menu_item(menu, _("Zoom _In"), G_CALLBACK(on_menu_zoom_in), self, TRUE);
    add_menu_item(menu, _("Zoom _Out"), G_CALLBACK(on_menu_zoom_out), self, TRUE);
    add_menu_item(menu, _("_Normal Size"), G_CALLBACK(on_menu_zoom_reset), self, TRUE);
    gtk_widget_show_all(menu);
    gtk_menu_attach_to_widget(GTK_MENU(menu), GTK_WIDGET(self->terminal), NULL);
    g_signal_connect(menu, "deactivate", G_CALLBACK(gtk_widget_destroy), NULL);
    gtk_menu_popup_at_pointer(GTK_MENU(menu), event);
}

static gboolean
on_button_press(GtkWidget *widget, GdkEventButton *event, MarinaSerialConsole *self)
{
    (void)widget;
    if (gdk_event_triggers_context_menu((GdkEvent *)event)) {
        show_context_menu(self, (GdkEvent *)event);
        return GDK_EVENT_STOP;
    }
    return GDK_EVENT_PROPAGATE;
}

/* Terminal-style shortcuts; Ctrl+C alone must still reach the guest. */
static gboolean
on_key_press(GtkWidget *widget, GdkEventKey *event, MarinaSerialConsole *self)
{
    GdkModifierType mods = event->state & gtk_accelerator_get_default_mod_mask();
    guint key = gdk_keyval_to_lower(event->keyval);

    (void)widget;
    if (mods == (GDK_CONTROL_MASK | GDK_SHIFT_MASK)) {
        if (key == GDK_KEY_c) {
            marina_serial_console_copy(self);
            return GDK_EVENT_STOP;
        }
        if (key == GDK_KEY_v) {
            marina_serial_console_paste(self);
            return GDK_EVENT_STOP;
        }
    }
    if (mods == GDK_CONTROL_MASK || mods == (GDK_CONTROL_MASK | GDK_SHIFT_MASK)) {
        switch (event->keyval) {
        case GDK_KEY_plus:
        case GDK_KEY_equal:
        case GDK_KEY_KP_Add:
            marina_serial_console_zoom_in(self);
            return GDK_EVENT_STOP;
        case GDK_KEY_minus:
        case GDK_KEY_KP_Subtract:
            marina_serial_console_zoom_out(self);
            return GDK_EVENT_STOP;
        case GDK_KEY_0:
        case GDK_KEY_KP_0:
            marina_serial_console_zoom_reset(self);
            return GDK_EVENT_STOP;
        default:
            break;
        }
    }
    return GDK_EVENT_PROPAGATE;
}

GtkWidget *
marina_serial_console_new(void)
{
    return g_object_new(MARINA_TYPE_SERIAL_CONSOLE, NULL);
}

void
marina_serial_console_attach(MarinaSerialConsole *self, int fd, GBytes *scrollback)
{
    g_return_if_fail(MARINA_IS_SERIAL_CONSOLE(self));
    g_return_if_fail(fd >= 0);

    marina_serial_console_detach(self);
    /* The daemon's scrollback already holds what this terminal showed in an
     * earlier session; start clean so nothing appears twice. */
    vte_terminal_reset(self->terminal, TRUE, TRUE);
    if (scrollback != NULL) {
        gsize len = 0;
        const char *data = g_bytes_get_data(scrollback, &len);

        if (len > 0) {
            vte_terminal_feed(self->terminal, data, (gssize)len);
        }
    }
    self->cancellable = g_cancellable_new();
    self->input = g_unix_input_stream_new(fd, TRUE);
    self->output = g_unix_output_stream_new(fd, FALSE);
    vte_terminal_set_input_enabled(self->terminal, TRUE);
    start_read(self);
}

void
marina_serial_console_detach(MarinaSerialConsole *self)
{
    g_return_if_fail(MARINA_IS_SERIAL_CONSOLE(self));

    if (self->cancellable != NULL) {
        g_cancellable_cancel(self->cancellable);
        g_clear_object(&self->cancellable);
    }
    /* The output stream does not own the fd: drop it before the input
     * stream closes the descriptor. */
    g_clear_object(&self->output);
    g_clear_object(&self->input);
    g_byte_array_set_size(self->pending, 0);
    self->writing = FALSE;
    vte_terminal_set_input_enabled(self->terminal, FALSE);
}

gboolean
marina_serial_console_is_attached(MarinaSerialConsole *self)
{
    g_return_val_if_fail(MARINA_IS_SERIAL_CONSOLE(self), FALSE);
    return self->input != NULL;
}

void
marina_serial_console_copy(MarinaSerialConsole *self)
{
    g_return_if_fail(MARINA_IS_SERIAL_CONSOLE(self));
    vte_terminal_copy_clipboard_format(self->terminal, VTE_FORMAT_TEXT);
}

void
marina_serial_console_paste(MarinaSerialConsole *self)
{
    g_return_if_fail(MARINA_IS_SERIAL_CONSOLE(self));
    vte_terminal_paste_clipboard(self->terminal);
}

void
marina_serial_console_zoom_in(MarinaSerialConsole *self)
{
    g_return_if_fail(MARINA_IS_SERIAL_CONSOLE(self));
    set_scale(self, vte_terminal_get_font_scale(self->terminal) * ZOOM_STEP);
}

void
marina_serial_console_zoom_out(MarinaSerialConsole *self)
{
    g_return_if_fail(MARINA_IS_SERIAL_CONSOLE(self));
    set_scale(self, vte_terminal_get_font_scale(self->terminal) / ZOOM_STEP);
}

void
marina_serial_console_zoom_reset(MarinaSerialConsole *self)
{
    g_return_if_fail(MARINA_IS_SERIAL_CONSOLE(self));
    set_scale(self, 1.0);
}

GtkWidget *
marina_serial_console_get_terminal(MarinaSerialConsole *self)
{
    g_return_val_if_fail(MARINA_IS_SERIAL_CONSOLE(self), NULL);
    return GTK_WIDGET(self->terminal);
}

static void
marina_serial_console_grab_focus(GtkWidget *widget)
{
    gtk_widget_grab_focus(GTK_WIDGET(MARINA_SERIAL_CONSOLE(widget)->terminal));
}

static void
marina_serial_console_dispose(GObject *object)
{
    MarinaSerialConsole *self = MARINA_SERIAL_CONSOLE(object);

    if (self->terminal != NULL) {
        marina_serial_console_detach(self);
        self->terminal = NULL;
    }
    G_OBJECT_CLASS(marina_serial_console_parent_class)->dispose(object);
}

static void
marina_serial_console_finalize(GObject *object)
{
    MarinaSerialConsole *self = MARINA_SERIAL_CONSOLE(object);

    g_byte_array_unref(self->pending);
    G_OBJECT_CLASS(marina_serial_console_parent_class)->finalize(object);
}

static void
marina_serial_console_class_init(MarinaSerialConsoleClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    object_class->dispose = marina_serial_console_dispose;
    object_class->finalize = marina_serial_console_finalize;
    widget_class->grab_focus = marina_serial_console_grab_focus;

    signals[SIGNAL_DISCONNECTED] =
        g_signal_new("disconnected", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                     NULL, G_TYPE_NONE, 0);
}

static void
marina_serial_console_init(MarinaSerialConsole *self)
{
    GtkWidget *term = vte_terminal_new();
    GtkWidget *scrollbar;

    self->pending = g_byte_array_new();
    self->terminal = VTE_TERMINAL(term);
    gtk_orientable_set_orientation(GTK_ORIENTABLE(self), GTK_ORIENTATION_HORIZONTAL);

    vte_terminal_set_scrollback_lines(self->terminal, 10000);
    vte_terminal_set_scroll_on_output(self->terminal, TRUE);
    vte_terminal_set_scroll_on_keystroke(self->terminal, TRUE);
    vte_terminal_set_input_enabled(self->terminal, FALSE);
    gtk_widget_set_hexpand(term, TRUE);
    gtk_widget_set_vexpand(term, TRUE);
    atk_object_set_name(gtk_widget_get_accessible(term), _("Serial console"));
    g_signal_connect(term, "commit", G_CALLBACK(on_commit), self);
    g_signal_connect(term, "button-press-event", G_CALLBACK(on_button_press), self);
    g_signal_connect(term, "key-press-event", G_CALLBACK(on_key_press), self);

    scrollbar = gtk_scrollbar_new(GTK_ORIENTATION_VERTICAL,
                                  gtk_scrollable_get_vadjustment(GTK_SCROLLABLE(term)));
    gtk_box_pack_start(GTK_BOX(self), term, TRUE, TRUE, 0);
    gtk_box_pack_start(GTK_BOX(self), scrollbar, FALSE, FALSE, 0);
    gtk_widget_show(term);
    gtk_widget_show(scrollbar);
}
