/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The operating system catalog as the wizard uses it: loaded once per process
 * (a few hundred milliseconds in a thread), then shared by every wizard. */
#pragma once

#include <glib-object.h>

#include "os-catalog.h"

G_BEGIN_DECLS

typedef void (*MarinaOsCatalogReadyFunc)(gpointer object);

/* The catalog, or NULL while it loads or when it could not be loaded. */
MarinaOsCatalog *marina_os_catalog_cache_get(void);
gboolean marina_os_catalog_cache_is_loading(void);

/* Calls @ready(@object) once the catalog is loaded (or failed to): at once
 * when it is; @object is kept alive until then. Starts loading it. */
void marina_os_catalog_cache_request(gpointer object, MarinaOsCatalogReadyFunc ready);

/* The generic OS: from the catalog, or a built-in one without osinfo-db. */
const MarinaOsInfo *marina_os_catalog_cache_generic(void);

/* The OS a person typed: a short id, or a name from the list; NULL if none. */
const MarinaOsInfo *marina_os_catalog_cache_find(const char *text);

/* The OS an install source (InspectMedia / InspectInstallTree reply) says it
 * holds, or NULL when the catalog is not there or does not know it. */
const MarinaOsInfo *marina_os_catalog_cache_identify(GVariant *source_info);

G_END_DECLS
