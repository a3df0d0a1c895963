#pragma once

#include "network-registry.h"

G_BEGIN_DECLS

/* Inside the network registry (network-registry.c, network-attach.c). */

struct _MarinaDaemonNetwork {
    gatomicrefcount refs;
    MarinaNetworkRegistry *registry; /* NULL once it left the registry */
    char *name;
    char *path;
    MarinaNetworkConfig *def;  /* the persistent definition, or NULL (transient) */
    MarinaNetworkConfig *live; /* the running definition, NULL when stopped */
    MarinaNetRuntime *runtime; /* system daemon: what the driver made, while running */
    gboolean autostart;
    const char *busy; /* "starting", "stopping", "updating", "adopting" or NULL */
};

struct _MarinaNetworkRegistry {
    const MarinaDaemonConfig *config;
    MarinaDBusHost *events;
    MarinaVmRegistry *guests;
    char *dir;            /* <state>/networks: definitions and autostart flags */
    char *state_dir;      /* <runtime>/network-state: running networks */
    GHashTable *networks; /* name -> MarinaDaemonNetwork* (a reference) */
    MarinaNetworkListener listener;
    gboolean in_memory; /* the test driver's: no files, no bridges */
};

MarinaDaemonNetwork *marina_daemon_network_ref(MarinaDaemonNetwork *network);
void marina_daemon_network_unref(MarinaDaemonNetwork *network);
const MarinaNetRuntime *marina_daemon_network_get_runtime(MarinaDaemonNetwork *network);

G_END_DECLS
