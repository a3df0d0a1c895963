/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small helpers of the forms built from templates (the new-guest wizard's
 * pages, Connection Details' pages): inline messages, typed text, accessible
 * names, a local file chooser. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Names @widget for assistive technology (the UI tests find widgets by it). */
void marina_form_set_accessible_name(gpointer widget, const char *name);

/* An inline message: @label shows @text, and is shown only while it says something. */
void marina_form_set_message(GtkLabel *label, const char *text);

/* @entry's text without surrounding blanks. */
char *marina_form_entry_text(GtkEntry *entry);

/* The number typed into @spin (which keeps its old value until it is
 * activated or loses focus), so checks see what the person sees. FALSE when
 * the text is not a number of 0 or more. */
gboolean marina_form_spin_text_value(GtkSpinButton *spin, double *value);

/* Why @path (of a @what, e.g. "kernel") cannot be used as a path on the
 * host, or NULL when it is absolute. */
char *marina_form_path_problem(const char *path, const char *what);

/* Whether @page is the page its GtkStack shows now. */
gboolean marina_form_is_current_page(GtkWidget *page);

/* A file chooser on this computer, transient for @widget's window; the chosen
 * file's path goes into @target. @iso offers an "ISO images" filter first. */
void marina_form_choose_file(GtkWidget *widget, GtkEntry *target, gboolean iso);

/* A Browse… button for files of a connection's host: usable only when the
 * host is this computer, otherwise its tooltip says what to do instead. */
void marina_form_set_browse_local(GtkWidget *button, gboolean local);

G_END_DECLS
