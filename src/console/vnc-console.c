/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-vnc-console"

#include "config.h"

#include "vnc-console.h"

#include <glib/gi18n.h>
#include <gtk-vnc.h>
#include <unistd.h>

#include "error.h"

struct _MarinaVncConsole {
    GtkOverlay parent_instance;

    /* A fresh VncDisplay per connection: gtk-vnc finishes closing a
     * connection asynchronously, so reusing one display for the next
     * descriptor races with the end of the previous session. */
    VncDisplay *display;
    gboolean connected;

    char *grab_keys;
    gboolean keyboard_grab;
    gboolean scaling;
    gboolean resize_guest;
};

G_DEFINE_FINAL_TYPE(MarinaVncConsole, marina_vnc_console, GTK_TYPE_OVERLAY)

enum {
    SIGNAL_CONNECTED,
    SIGNAL_DISCONNECTED,
    SIGNAL_PASSWORD_NEEDED,
    SIGNAL_PASSWORD_REFUSED,
    N_SIGNALS,
};

static guint signals[N_SIGNALS];

static const guint keys_ctrl_alt_del[] = {GDK_KEY_Control_L, GDK_KEY_Alt_L, GDK_KEY_Delete};
static const guint keys_ctrl_alt_bs[] = {GDK_KEY_Control_L, GDK_KEY_Alt_L, GDK_KEY_BackSpace};
static const guint keys_print[] = {GDK_KEY_Print};

static void
on_vnc_initialized(VncDisplay *display, MarinaVncConsole *self)
{
    self->connected = TRUE;
    g_debug("connected: %dx%d", vnc_display_get_width(display), vnc_display_get_height(display));
    g_signal_emit(self, signals[SIGNAL_CONNECTED], 0);
}

static void
on_vnc_disconnected(VncDisplay *display, MarinaVncConsole *self)
{
    if (display != self->display) {
        return;
    }
    g_debug("disconnected");
    self->connected = FALSE;
    g_signal_emit(self, signals[SIGNAL_DISCONNECTED], 0);
}

static void
on_vnc_error(VncDisplay *display, const char *message, MarinaVncConsole *self)
{
    (void)display;
    (void)self;
    /* A disconnect follows; the message only helps debugging. */
    g_debug("VNC error: %s", message);
}

/* A guest whose <graphics> has a passwd asks for it: "password-needed" lets
 * the window supply it (marina_vnc_console_send_password()). Anything else
 * (a user name, VeNCrypt) Marina cannot answer: fail cleanly, not hang. */
static void
on_vnc_auth_credential(VncDisplay *display, GValueArray *credentials, MarinaVncConsole *self)
{
    gboolean password = FALSE;

    G_GNUC_BEGIN_IGNORE_DEPRECATIONS
    for (guint i = 0; i < credentials->n_values; i++) {
        GValue *cred = g_value_array_get_nth(credentials, i);
        int type = g_value_get_enum(cred);

        if (type == VNC_DISPLAY_CREDENTIAL_CLIENTNAME) {
            vnc_display_set_credential(display, type, "marina");
        } else if (type == VNC_DISPLAY_CREDENTIAL_PASSWORD) {
            password = TRUE;
        } else {
            g_message("The graphical console asks for credentials Marina cannot supply");
            vnc_display_close(display);
            return;
        }
    }
    G_GNUC_END_IGNORE_DEPRECATIONS
    if (password)
        g_signal_emit(self, signals[SIGNAL_PASSWORD_NEEDED], 0);
}

static void
on_vnc_auth_failure(VncDisplay *display, const char *message, MarinaVncConsole *self)
{
    g_debug("VNC authentication failed: %s", message);
    if (display == self->display)
        g_signal_emit(self, signals[SIGNAL_PASSWORD_REFUSED], 0);
}

void
marina_vnc_console_send_password(MarinaVncConsole *self, const char *password)
{
    g_return_if_fail(MARINA_IS_VNC_CONSOLE(self));
    g_return_if_fail(password != NULL);

    if (self->display == NULL)
        return;
    /* TRUE means gtk-vnc could not take it (the connection already went). */
    if (vnc_display_set_credential(self->display, VNC_DISPLAY_CREDENTIAL_PASSWORD, password))
        vnc_display_close(self->display);
}

static void
apply_grab_keys(MarinaVncConsole *self)
{
    VncGrabSequence *seq;

    if (self->display == NULL || self->grab_keys == NULL) {
        return;
    }
    seq = vnc_grab_sequence_new_from_string(self->grab_keys);
    vnc_display_set_grab_keys(self->display, seq);
    vnc_grab_sequence_free(seq);
}

static void
apply_settings(MarinaVncConsole *self)
{
    VncDisplay *d = self->display;

    if (d == NULL) {
        return;
    }
    vnc_display_set_keyboard_grab(d, self->keyboard_grab);
    vnc_display_set_pointer_grab(d, TRUE);
    vnc_display_set_keep_aspect_ratio(d, TRUE);
    vnc_display_set_scaling(d, self->scaling);
    vnc_display_set_allow_resize(d, self->resize_guest);
    /* Unscaled and not resizing: the window asks for the guest's size. */
    vnc_display_set_force_size(d, !self->scaling && !self->resize_guest);
    apply_grab_keys(self);
}

static void
destroy_display(MarinaVncConsole *self)
{
    VncDisplay *d = g_steal_pointer(&self->display);

    if (d == NULL) {
        return;
    }
    g_signal_handlers_disconnect_by_data(d, self);
    vnc_display_close(d);
    gtk_widget_destroy(GTK_WIDGET(d));
    self->connected = FALSE;
}

static void
create_display(MarinaVncConsole *self)
{
    GtkWidget *w = vnc_display_new();

    self->display = VNC_DISPLAY(w);
    gtk_widget_set_can_focus(w, TRUE);
    gtk_widget_set_hexpand(w, TRUE);
    gtk_widget_set_vexpand(w, TRUE);
    atk_object_set_name(gtk_widget_get_accessible(w), _("Graphical console"));
    g_signal_connect(w, "vnc-initialized", G_CALLBACK(on_vnc_initialized), self);
    g_signal_connect(w, "vnc-disconnected", G_CALLBACK(on_vnc_disconnected), self);
    g_signal_connect(w, "vnc-error", G_CALLBACK(on_vnc_error), self);
    g_signal_connect(w, "vnc-auth-credential", G_CALLBACK(on_vnc_auth_credential), self);
    g_signal_connect(w, "vnc-auth-failure", G_CALLBACK(on_vnc_auth_failure), self);
    apply_settings(self);
    gtk_container_add(GTK_CONTAINER(self), w);
    gtk_widget_show(w);
}

GtkWidget *
marina_vnc_console_new(void)
{
    return g_object_new(MARINA_TYPE_VNC_CONSOLE, NULL);
}

gboolean
marina_vnc_console_open_fd(MarinaVncConsole *self, int fd, GError **error)
{
    g_return_val_if_fail(MARINA_IS_VNC_CONSOLE(self), FALSE);
    g_return_val_if_fail(fd >= 0, FALSE);

    destroy_display(self);
    create_display(self);
    if (!vnc_display_open_fd(self->display, fd)) {
        close(fd);
        destroy_display(self);
        create_display(self);
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_FAILED,
                    _("The graphical console could not use the stream the daemon opened; "
                      "try reconnecting"));
        return FALSE;
    }
    return TRUE;
}

/* Closing on request emits no "disconnected": that signal means the guest
 * side went away, which is what callers reconnect on. */
void
marina_vnc_console_close(MarinaVncConsole *self)
{
    g_return_if_fail(MARINA_IS_VNC_CONSOLE(self));

    destroy_display(self);
    create_display(self);
}

gboolean
marina_vnc_console_is_open(MarinaVncConsole *self)
{
    g_return_val_if_fail(MARINA_IS_VNC_CONSOLE(self), FALSE);
    return self->display != NULL && vnc_display_is_open(self->display);
}

gboolean
marina_vnc_console_is_connected(MarinaVncConsole *self)
{
    g_return_val_if_fail(MARINA_IS_VNC_CONSOLE(self), FALSE);
    return self->connected;
}

gboolean
marina_vnc_console_set_grab_keys(MarinaVncConsole *self, const char *keys)
{
    g_auto(GStrv) names = NULL;

    g_return_val_if_fail(MARINA_IS_VNC_CONSOLE(self), FALSE);

    if (keys == NULL || *keys == '\0') {
        return FALSE;
    }
    names = g_strsplit(keys, "+", -1);
    for (guint i = 0; names[i] != NULL; i++) {
        guint keyval = gdk_keyval_from_name(names[i]);

        if (keyval == GDK_KEY_VoidSymbol || keyval == 0) {
            g_message("Unknown grab key '%s' in '%s'; keeping the previous grab keys", names[i],
                      keys);
            return FALSE;
        }
    }
    g_free(self->grab_keys);
    self->grab_keys = g_strdup(keys);
    apply_grab_keys(self);
    return TRUE;
}

void
marina_vnc_console_set_keyboard_grab(MarinaVncConsole *self, gboolean grab)
{
    g_return_if_fail(MARINA_IS_VNC_CONSOLE(self));
    self->keyboard_grab = grab;
    apply_settings(self);
}

void
marina_vnc_console_send_keys(MarinaVncConsole *self, MarinaVncKeys keys)
{
    guint fkeys[3] = {GDK_KEY_Control_L, GDK_KEY_Alt_L, 0};

    g_return_if_fail(MARINA_IS_VNC_CONSOLE(self));
    if (self->display == NULL || !self->connected) {
        return;
    }
    switch (keys) {
    case MARINA_VNC_KEYS_CTRL_ALT_DEL:
        vnc_display_send_keys(self->display, keys_ctrl_alt_del, G_N_ELEMENTS(keys_ctrl_alt_del));
        return;
    case MARINA_VNC_KEYS_CTRL_ALT_BACKSPACE:
        vnc_display_send_keys(self->display, keys_ctrl_alt_bs, G_N_ELEMENTS(keys_ctrl_alt_bs));
        return;
    case MARINA_VNC_KEYS_PRINT:
        vnc_display_send_keys(self->display, keys_print, G_N_ELEMENTS(keys_print));
        return;
    default:
        break;
    }
    if (keys >= MARINA_VNC_KEYS_CTRL_ALT_F1 && keys <= MARINA_VNC_KEYS_CTRL_ALT_F12) {
        fkeys[2] = GDK_KEY_F1 + (keys - MARINA_VNC_KEYS_CTRL_ALT_F1);
        vnc_display_send_keys(self->display, fkeys, G_N_ELEMENTS(fkeys));
    }
}

char *
marina_vnc_console_keys_label(MarinaVncKeys keys)
{
    switch (keys) {
    case MARINA_VNC_KEYS_CTRL_ALT_DEL:
        return g_strdup(_("Ctrl+Alt+Del"));
    case MARINA_VNC_KEYS_CTRL_ALT_BACKSPACE:
        return g_strdup(_("Ctrl+Alt+Backspace"));
    case MARINA_VNC_KEYS_PRINT:
        return g_strdup(_("Print"));
    default:
        break;
    }
    if (keys >= MARINA_VNC_KEYS_CTRL_ALT_F1 && keys <= MARINA_VNC_KEYS_CTRL_ALT_F12) {
        /* Translators: a key combination, %u is the function key number */
        return g_strdup_printf(_("Ctrl+Alt+F%u"), (guint)(keys - MARINA_VNC_KEYS_CTRL_ALT_F1 + 1));
    }
    return g_strdup("");
}

void
marina_vnc_console_set_scaling(MarinaVncConsole *self, gboolean scaling)
{
    g_return_if_fail(MARINA_IS_VNC_CONSOLE(self));
    self->scaling = scaling;
    apply_settings(self);
}

void
marina_vnc_console_set_resize_guest(MarinaVncConsole *self, gboolean resize)
{
    g_return_if_fail(MARINA_IS_VNC_CONSOLE(self));
    self->resize_guest = resize;
    apply_settings(self);
}

GdkPixbuf *
marina_vnc_console_get_pixbuf(MarinaVncConsole *self)
{
    g_return_val_if_fail(MARINA_IS_VNC_CONSOLE(self), NULL);
    if (self->display == NULL || !self->connected) {
        return NULL;
    }
    return vnc_display_get_pixbuf(self->display);
}

void
marina_vnc_console_get_size(MarinaVncConsole *self, int *width, int *height)
{
    gboolean ok;

    g_return_if_fail(MARINA_IS_VNC_CONSOLE(self));
    ok = self->display != NULL && self->connected;
    if (width != NULL) {
        *width = ok ? vnc_display_get_width(self->display) : 0;
    }
    if (height != NULL) {
        *height = ok ? vnc_display_get_height(self->display) : 0;
    }
}

/* Focus belongs to the display, which receives the guest's keys. */
static void
marina_vnc_console_grab_focus(GtkWidget *widget)
{
    MarinaVncConsole *self = MARINA_VNC_CONSOLE(widget);

    if (self->display != NULL) {
        gtk_widget_grab_focus(GTK_WIDGET(self->display));
    }
}

static void
marina_vnc_console_dispose(GObject *object)
{
    MarinaVncConsole *self = MARINA_VNC_CONSOLE(object);

    destroy_display(self);
    G_OBJECT_CLASS(marina_vnc_console_parent_class)->dispose(object);
}

static void
marina_vnc_console_finalize(GObject *object)
{
    MarinaVncConsole *self = MARINA_VNC_CONSOLE(object);

    g_free(self->grab_keys);
    G_OBJECT_CLASS(marina_vnc_console_parent_class)->finalize(object);
}

static void
marina_vnc_console_class_init(MarinaVncConsoleClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    object_class->dispose = marina_vnc_console_dispose;
    object_class->finalize = marina_vnc_console_finalize;
    widget_class->grab_focus = marina_vnc_console_grab_focus;

    signals[SIGNAL_CONNECTED] =
        g_signal_new("connected", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                     G_TYPE_NONE, 0);
    signals[SIGNAL_DISCONNECTED] =
        g_signal_new("disconnected", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                     NULL, G_TYPE_NONE, 0);
    signals[SIGNAL_PASSWORD_NEEDED] =
        g_signal_new("password-needed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                     NULL, G_TYPE_NONE, 0);
    signals[SIGNAL_PASSWORD_REFUSED] =
        g_signal_new("password-refused", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                     NULL, G_TYPE_NONE, 0);
}

static void
marina_vnc_console_init(MarinaVncConsole *self)
{
    self->grab_keys = g_strdup("Control_L+Alt_L");
    self->keyboard_grab = TRUE;
    self->scaling = TRUE;
    gtk_widget_set_can_focus(GTK_WIDGET(self), TRUE);
    gtk_widget_set_hexpand(GTK_WIDGET(self), TRUE);
    gtk_widget_set_vexpand(GTK_WIDGET(self), TRUE);
    create_display(self);
}

static void
append_keys_item(GtkWidget *menu, const char *action_name, MarinaVncKeys keys)
{
    g_autofree char *label = marina_vnc_console_keys_label(keys);
    GtkWidget *item = gtk_menu_item_new_with_label(label);

    gtk_actionable_set_action_name(GTK_ACTIONABLE(item), action_name);
    gtk_actionable_set_action_target(GTK_ACTIONABLE(item), "u", (guint32)keys);
    gtk_menu_shell_append(GTK_MENU_SHELL(menu), item);
}

GtkWidget *
marina_vnc_console_new_keys_menu(const char *action_name)
{
    GtkWidget *menu = gtk_menu_new();

    append_keys_item(menu, action_name, MARINA_VNC_KEYS_CTRL_ALT_DEL);
    append_keys_item(menu, action_name, MARINA_VNC_KEYS_CTRL_ALT_BACKSPACE);
    gtk_menu_shell_append(GTK_MENU_SHELL(menu), gtk_separator_menu_item_new());
    for (guint k = MARINA_VNC_KEYS_CTRL_ALT_F1; k <= MARINA_VNC_KEYS_CTRL_ALT_F12; k++)
        append_keys_item(menu, action_name, k);
    gtk_menu_shell_append(GTK_MENU_SHELL(menu), gtk_separator_menu_item_new());
    append_keys_item(menu, action_name, MARINA_VNC_KEYS_PRINT);
    gtk_widget_show_all(menu);
    return menu;
}
