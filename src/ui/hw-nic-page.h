/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Details page (MarinaHwPage): one network interface: source, model, MAC. */
#pragma once

#include <gtk/gtk.h>

#include "domain.h"

G_BEGIN_DECLS

#define MARINA_TYPE_HW_NIC_PAGE (marina_hw_nic_page_get_type())
G_DECLARE_FINAL_TYPE(MarinaHwNicPage, marina_hw_nic_page, MARINA, HW_NIC_PAGE, GtkScrolledWindow)

GtkWidget *marina_hw_nic_page_new(void);
/* The guest, to ask for a running interface's addresses (DHCP leases). */
void marina_hw_nic_page_set_domain(MarinaHwNicPage *self, MarinaDomain *domain);

G_END_DECLS
