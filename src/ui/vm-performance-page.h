/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Details > Performance: the guest's CPU, memory, disk and network graphs
 * from the statistics the guest list keeps. */
#pragma once

#include <gtk/gtk.h>

#include "guest.h"

G_BEGIN_DECLS

#define MARINA_TYPE_VM_PERFORMANCE_PAGE (marina_vm_performance_page_get_type())
G_DECLARE_FINAL_TYPE(MarinaVmPerformancePage, marina_vm_performance_page, MARINA,
                     VM_PERFORMANCE_PAGE, GtkGrid)

GtkWidget *marina_vm_performance_page_new(void);
/* The guest whose statistics are drawn. */
void marina_vm_performance_page_set_guest(MarinaVmPerformancePage *self, MarinaGuest *guest);
/* Draws the latest statistics (call it only while the page is shown). */
void marina_vm_performance_page_update(MarinaVmPerformancePage *self);

G_END_DECLS
