/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Connection Details' Overview page: the host's name, hypervisor,
 * accelerator, CPUs and memory, live CPU and memory graphs, and whether
 * Marina connects to it when it starts. */
#pragma once

#include <gtk/gtk.h>

#include "guest-list.h"
#include "host.h"

G_BEGIN_DECLS

#define MARINA_TYPE_HOST_OVERVIEW_PAGE (marina_host_overview_page_get_type())
G_DECLARE_FINAL_TYPE(MarinaHostOverviewPage, marina_host_overview_page, MARINA, HOST_OVERVIEW_PAGE,
                     GtkGrid)

/* Shows @host (again after a reconnect: the page then forgets the old one);
 * @list is its connection's guest list (whose host history feeds the
 * graphs); @settings: the org.marinavm.Marina settings (the autoconnect list). */
void marina_host_overview_page_set_host(MarinaHostOverviewPage *self, MarinaHost *host,
                                        MarinaGuestList *list, GSettings *settings);

/* Signal "error" (const char *message): the host's details could not be read. */

G_END_DECLS
