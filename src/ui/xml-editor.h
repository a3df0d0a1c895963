/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The XML tab of a guest's details (GtkSourceView: XML highlighting, line
 * numbers): the persistent definition, editable whatever the guest's state
 * (applied while it runs, the change takes effect at its next boot, and the
 * editor says so); or, while it runs, its running configuration, read-only.
 * Text that does not parse is refused with the parser's message. */
#pragma once

#include <gtk/gtk.h>

#include "domain.h"

G_BEGIN_DECLS

#define MARINA_TYPE_XML_EDITOR (marina_xml_editor_get_type())
G_DECLARE_FINAL_TYPE(MarinaXmlEditor, marina_xml_editor, MARINA, XML_EDITOR, GtkBox)

GtkWidget *marina_xml_editor_new(void);
/* The guest whose inactive definition is shown; Apply redefines it on the
 * guest's connection. */
void marina_xml_editor_set_domain(MarinaXmlEditor *self, MarinaDomain *domain);
/* Fetches the definition again (unless the person has unapplied edits). */
void marina_xml_editor_reload(MarinaXmlEditor *self);
/* Whether the guest is shut off: while it runs, the running configuration
 * can be shown, and an applied definition says it waits for the next boot. */
void marina_xml_editor_set_shut_off(MarinaXmlEditor *self, gboolean shut_off);

G_END_DECLS
