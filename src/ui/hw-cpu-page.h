/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Details page (MarinaHwPage): the vCPU count, the maximum for hot-plug, the CPU model. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define MARINA_TYPE_HW_CPU_PAGE (marina_hw_cpu_page_get_type())
G_DECLARE_FINAL_TYPE(MarinaHwCpuPage, marina_hw_cpu_page, MARINA, HW_CPU_PAGE, GtkScrolledWindow)

GtkWidget *marina_hw_cpu_page_new(void);

G_END_DECLS
