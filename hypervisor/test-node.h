#pragma once

#include <glib.h>

#include "core/domain-config.h"
#include "core/domain-state.h"

G_BEGIN_DECLS

/*
 * The test driver's host: a libvirt test-driver style <node> document.
 *
 *   <node>
 *     <cpu><nodes/><sockets/><cores/><threads/><active/><mhz/><model/></cpu>  (optional)
 *     <memory>KiB</memory>                                                 (optional)
 *     <domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>
 *       ... <test:runstate>5</test:runstate>   (1 running, the default; 3 paused; 5 shut off)
 *     </domain>
 *     <network>...</network>  <pool>...</pool>   (kept for later; counted)
 *   </node>
 *
 * The file is hostile input: size limit, no network, entity declarations
 * refused, every domain parsed by the same hardened domain parser.
 */

#define MARINA_TEST_NODE_MAX (64 * 1024 * 1024)
#define MARINA_TEST_NAMESPACE "http://libvirt.org/schemas/domain/test/1.0"

typedef struct {
    MarinaDomainConfig *config;
    MarinaDomainState state; /* running, paused or shut off */
} MarinaTestDomain;

typedef struct {
    GPtrArray *domains;  /* MarinaTestDomain*, in file order */
    GPtrArray *networks; /* char*: the <network> XML */
    GPtrArray *pools;    /* char*: the <pool> XML */
    guint nodes, sockets, cores, threads, cpus, mhz;
    char *cpu_model;
    guint64 memory_kib;
} MarinaTestNode;

MarinaTestNode *marina_test_node_load(const char *path, GError **error);
MarinaTestNode *marina_test_node_parse(const char *xml, gsize len, GError **error);
void marina_test_node_free(MarinaTestNode *node);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MarinaTestNode, marina_test_node_free)

/* One <domain type='test'> document (DefineDomain / CreateDomain on the test
 * driver). @state may be NULL. The config keeps domain type "test". */
MarinaDomainConfig *marina_test_domain_parse(const char *xml, gssize len, GPtrArray *warnings,
                                             MarinaDomainState *state, GError **error);

/* A copy the QEMU domain parser reads back (save image headers): type "kvm". */
MarinaDomainConfig *marina_test_domain_to_parseable(const MarinaDomainConfig *config);
/* Mark a config read from a save image as a test domain again. */
void marina_test_domain_mark(MarinaDomainConfig *config);

G_END_DECLS
