#pragma once

#include "marina-dbus.h"
#include "stats.h"
#include "test-node.h"
#include "vm-registry.h"

G_BEGIN_DECLS

/* The guest listing's rows, kept between calls (host-methods.c). */
typedef struct _MarinaDomainRows MarinaDomainRows;

/*
 * The guest-related methods of org.marinavm.Marina1.Host: ListDomains,
 * ListDomainsPacked, LookupDomain, DefineDomain, CreateDomain, RestoreDomain,
 * DomainXMLToNative and GetNodeInfo. Guests are made with @context (whose registry holds
 * them) and announced with DomainAdded. daemon.c fills this in and keeps it
 * for as long as @host serves.
 */
typedef struct {
    MarinaDBusHost *host;
    const MarinaVmContext *context;
    GType vm_type;                   /* the driver's MarinaVm subclass */
    const MarinaTestNode *test_node; /* the test driver's host, else NULL */
    MarinaStats *stats;              /* once statistics run: the emulator's version */
    MarinaDomainRows *rows;          /* made by marina_host_methods_connect() */
} MarinaHostMethods;

/* Answer the methods above on @self->host. */
void marina_host_methods_connect(MarinaHostMethods *self);

G_END_DECLS
