#pragma once

#include <glib.h>

#include "core/domain-config.h"

G_BEGIN_DECLS

/*
 * Which guests use which files as disks: a volume's "Used By", and whether a
 * running guest has it open so it must not be deleted. Filled in one pass
 * over the guests (each disk source of a guest's definition and running
 * configuration, with the qcow2 backing files behind it), then asked once per
 * volume: listing a pool costs guests + volumes, not guests × volumes. Built
 * for one request and dropped: guests change between requests.
 *
 * Paths are compared canonically (symbolic links resolved; ".", ".." and
 * doubled slashes removed when the file does not exist), so a guest that
 * names /var/lib/marina/images//../images/a.qcow2 uses a.qcow2.
 */
typedef struct _MarinaDiskUsers MarinaDiskUsers;

MarinaDiskUsers *marina_disk_users_new(void);
void marina_disk_users_free(MarinaDiskUsers *users);

/* Guest @name uses the disks of @def and @live (either may be NULL); @active:
 * it runs (or is paused, or starting) with @live. */
void marina_disk_users_add_guest(MarinaDiskUsers *users, const char *name, gboolean active,
                                 const MarinaDomainConfig *def, const MarinaDomainConfig *live);

/* The names, sorted, of the guests using @path (with @active_only, only those
 * that are active). Never NULL; empty when none. */
char **marina_disk_users_lookup(MarinaDiskUsers *users, const char *path, gboolean active_only);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(MarinaDiskUsers, marina_disk_users_free)

G_END_DECLS
