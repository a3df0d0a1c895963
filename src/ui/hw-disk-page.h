/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Details page (MarinaHwPage): one disk, CD-ROM or floppy: source, bus, cache, flags. */
#pragma once

#include <gtk/gtk.h>

#include "domain.h"

G_BEGIN_DECLS

#define MARINA_TYPE_HW_DISK_PAGE (marina_hw_disk_page_get_type())
G_DECLARE_FINAL_TYPE(MarinaHwDiskPage, marina_hw_disk_page, MARINA, HW_DISK_PAGE, GtkScrolledWindow)

GtkWidget *marina_hw_disk_page_new(void);
/* The guest: its disks grow through it (Domain.ResizeDisk), or as volumes of
 * its connection's pools while it is shut off. */
void marina_hw_disk_page_set_domain(MarinaHwDiskPage *self, MarinaDomain *domain);

G_END_DECLS
