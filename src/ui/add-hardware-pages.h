/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The pages of Add Hardware, one per kind of device: their fields, and the
 * device element each makes from them (parsed and checked by the dialog
 * before anything touches the guest). */
#pragma once

#include <gtk/gtk.h>

#include "domain-config.h"
#include "wizard-host.h"

G_BEGIN_DECLS

typedef enum {
    MARINA_ADD_HW_STORAGE,
    MARINA_ADD_HW_NETWORK,
    MARINA_ADD_HW_INPUT,
    MARINA_ADD_HW_GRAPHICS,
    MARINA_ADD_HW_SOUND,
    MARINA_ADD_HW_SERIAL,
    MARINA_ADD_HW_CONSOLE,
    MARINA_ADD_HW_USB_HOST,
    MARINA_ADD_HW_PCI_HOST,
    MARINA_ADD_HW_VIDEO,
    MARINA_ADD_HW_WATCHDOG,
    MARINA_ADD_HW_RNG,
    MARINA_ADD_HW_TPM,
    MARINA_ADD_HW_CONTROLLER,
    MARINA_ADD_HW_N_KINDS,
} MarinaAddHwKind;

typedef struct _MarinaAddHwPages MarinaAddHwPages;

/* Builds every page into @stack and a row per kind into @list. */
MarinaAddHwPages *marina_add_hw_pages_new(GtkStack *stack, GtkListBox *list);
void marina_add_hw_pages_free(MarinaAddHwPages *pages);

/* The kind of @row (a row of the list given to _new()). */
MarinaAddHwKind marina_add_hw_pages_row_kind(GtkListBoxRow *row);
void marina_add_hw_pages_show(MarinaAddHwPages *pages, MarinaAddHwKind kind);
MarinaAddHwKind marina_add_hw_pages_get_kind(MarinaAddHwPages *pages);

/* What the pages offer: the guest's definition (free targets, the buses its
 * machine has), the host's pools and mode (@host), its virtual networks
 * (MarinaNetworkRecord*) and host devices (MarinaHostDevice*; @error: why
 * they could not be listed). */
void marina_add_hw_pages_set_config(MarinaAddHwPages *pages, const MarinaDomainConfig *config);
void marina_add_hw_pages_set_host(MarinaAddHwPages *pages, MarinaWizardHost *host);
void marina_add_hw_pages_set_networks(MarinaAddHwPages *pages, GPtrArray *networks,
                                      const char *error);
void marina_add_hw_pages_set_host_devices(MarinaAddHwPages *pages, const char *type,
                                          GPtrArray *devices, const char *error);

/* The volume the Storage page asks to create, when it does: its pool's
 * object path, name (after the guest and target), capacity in bytes and
 * format; @path: where it will be. FALSE and no error when the page uses
 * an existing file; FALSE with an error naming the field when a value is
 * refused. */
gboolean marina_add_hw_pages_new_volume(MarinaAddHwPages *pages, const MarinaDomainConfig *config,
                                        char **pool_path, char **name, guint64 *capacity,
                                        char **format, char **path, GError **error);

/* The device element of the page shown, for @config's guest; @volume_path:
 * the new volume's path (Storage with a new volume). NULL with an error
 * naming the field when a value is refused. */
char *marina_add_hw_pages_build_xml(MarinaAddHwPages *pages, const MarinaDomainConfig *config,
                                    const char *volume_path, GError **error);

G_END_DECLS
