/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The XML tab of a guest's details: its inactive definition, editable while it is shut off. */
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
/* Editable only while the guest is shut off. */
void marina_xml_editor_set_shut_off(MarinaXmlEditor *self, gboolean shut_off);

G_END_DECLS
