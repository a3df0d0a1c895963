/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Define from XML: choose a libvirt domain XML file and define the guest it
 * describes on a connection. */
#pragma once

#include <gtk/gtk.h>

#include "connection-entry.h"
#include "manager-window.h"

G_BEGIN_DECLS

#define MARINA_TYPE_DEFINE_XML_DIALOG (marina_define_xml_dialog_get_type())
G_DECLARE_FINAL_TYPE(MarinaDefineXmlDialog, marina_define_xml_dialog, MARINA, DEFINE_XML_DIALOG,
                     GtkFileChooserDialog)

/* The dialog defines the chosen file's guest on @entry's host and reports
 * failures and warnings in @window's info bar (after it has closed). */
MarinaDefineXmlDialog *marina_define_xml_dialog_new(MarinaManagerWindow *window,
                                                    MarinaConnectionEntry *entry);

G_END_DECLS
