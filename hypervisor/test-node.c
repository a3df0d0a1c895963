#define G_LOG_DOMAIN "marinad-test"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <inttypes.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "core/xml-util.h"
#include "test-node.h"

/* Defaults when the file has no <cpu> / <memory>: libvirt's test host. */
#define DEFAULT_CPUS 16
#define DEFAULT_MHZ 1400
#define DEFAULT_MEMORY_KIB (G_GUINT64_CONSTANT(8) * 1024 * 1024)

G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlDoc, xmlFreeDoc)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlBuffer, xmlBufferFree)

/* ---------------------------------------------------------------------- */
/* Domains                                                                 */

static gboolean
is_test_element(xmlNode *node)
{
    return node->type == XML_ELEMENT_NODE && node->ns != NULL && node->ns->href != NULL &&
           g_str_equal((const char *)node->ns->href, MARINA_TEST_NAMESPACE);
}

static gboolean
parse_runstate(xmlNode *node, MarinaDomainState *state, GError **error)
{
    g_autofree char *text = (char *)xmlNodeGetContent(node);
    guint64 v = 0;

    if (text == NULL || !g_ascii_string_to_unsigned(g_strstrip(text), 10, 1, 7, &v, NULL) ||
        (v != MARINA_DOMAIN_RUNNING && v != MARINA_DOMAIN_PAUSED && v != MARINA_DOMAIN_SHUTOFF)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                    _("<test:runstate> must be 1 (running), 3 (paused) or 5 (shut off), not "
                      "'%s'."),
                    text ? text : "");
        return FALSE;
    }
    *state = (MarinaDomainState)v;
    return TRUE;
}

/* Take the test driver's own elements out of <domain> (the domain parser
 * would warn about them) and read the run state from them. */
static gboolean
strip_test_elements(xmlNode *domain, MarinaDomainState *state, GError **error)
{
    xmlNode *child = domain->children;

    *state = MARINA_DOMAIN_RUNNING;
    while (child != NULL) {
        xmlNode *next = child->next;

        if (is_test_element(child)) {
            if (g_str_equal((const char *)child->name, "runstate") &&
                !parse_runstate(child, state, error))
                return FALSE;
            xmlUnlinkNode(child);
            xmlFreeNode(child);
        }
        child = next;
    }
    return TRUE;
}

static char *
node_to_string(xmlDoc *doc, xmlNode *node)
{
    g_autoptr(xmlBuffer) buf = xmlBufferCreate();

    if (buf == NULL || xmlNodeDump(buf, doc, node, 0, 0) < 0)
        return NULL;
    return g_strdup((const char *)xmlBufferContent(buf));
}

/* type='test' is this driver's; the shared parser knows kvm and qemu. */
static gboolean
rewrite_test_type(xmlNode *domain)
{
    g_autofree char *type = (char *)xmlGetProp(domain, (const xmlChar *)"type");

    if (g_strcmp0(type, "test") != 0)
        return FALSE;
    xmlSetProp(domain, (const xmlChar *)"type", (const xmlChar *)"kvm");
    return TRUE;
}

void
marina_test_domain_mark(MarinaDomainConfig *config)
{
    g_free(config->domain_type);
    config->domain_type = g_strdup("test");
}

MarinaDomainConfig *
marina_test_domain_to_parseable(const MarinaDomainConfig *config)
{
    MarinaDomainConfig *copy = marina_domain_config_copy(config);

    g_free(copy->domain_type);
    copy->domain_type = g_strdup("kvm");
    return copy;
}

/* A <domain> of the node file, between the document and its parse. */
typedef struct {
    char *xml; /* the element, test elements taken out and type='test' rewritten */
    gboolean was_test;
    MarinaDomainState state;
} PendingDomain;

static void
pending_domain_clear(PendingDomain *p)
{
    g_clear_pointer(&p->xml, g_free);
}

static gboolean
prepare_domain_node(xmlDoc *doc, xmlNode *node, PendingDomain *out, GError **error)
{
    if (!strip_test_elements(node, &out->state, error))
        return FALSE;
    out->was_test = rewrite_test_type(node);
    out->xml = node_to_string(doc, node);
    if (out->xml == NULL) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                    _("Out of memory while reading a <domain>."));
        return FALSE;
    }
    return TRUE;
}

static MarinaDomainConfig *
parse_pending_domain(const PendingDomain *p, GPtrArray *warnings, GError **error)
{
    MarinaDomainConfig *config = marina_domain_config_parse(p->xml, -1, warnings, error);

    if (config != NULL && p->was_test)
        marina_test_domain_mark(config);
    return config;
}

static MarinaDomainConfig *
parse_domain_node(xmlDoc *doc, xmlNode *node, GPtrArray *warnings, MarinaDomainState *state,
                  GError **error)
{
    PendingDomain p = {0};
    MarinaDomainConfig *config = NULL;

    if (prepare_domain_node(doc, node, &p, error))
        config = parse_pending_domain(&p, warnings, error);
    *state = p.state;
    pending_domain_clear(&p);
    return config;
}

MarinaDomainConfig *
marina_test_domain_parse(const char *xml, gssize len, GPtrArray *warnings, MarinaDomainState *state,
                         GError **error)
{
    g_autoptr(xmlDoc) doc = NULL;
    MarinaDomainState ignored;
    xmlNode *root;

    /* The same hardened reading and limit as the domain parser. */
    doc = marina_xml_read_hardened(xml, len, MARINA_DOMAIN_XML_MAX, _("The domain XML"), error);
    if (doc == NULL)
        return NULL;
    root = xmlDocGetRootElement(doc);
    if (root == NULL || !g_str_equal((const char *)root->name, "domain")) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                    _("The root element must be <domain>."));
        return NULL;
    }
    return parse_domain_node(doc, root, warnings, state ? state : &ignored, error);
}

/* ---------------------------------------------------------------------- */
/* The node                                                                */

static gboolean
read_uint_element(xmlNode *node, const char *what, guint64 max, guint64 *out, GError **error)
{
    g_autofree char *text = (char *)xmlNodeGetContent(node);

    if (text != NULL && g_ascii_string_to_unsigned(g_strstrip(text), 10, 1, max, out, NULL))
        return TRUE;
    g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                _("<%s> must be a whole number from 1 to %" PRIu64 ", not '%s'."), what, max,
                text ? text : "");
    return FALSE;
}

static gboolean
parse_cpu(MarinaTestNode *node, xmlNode *cpu, GError **error)
{
    static const struct {
        const char *name;
        gsize offset;
    } fields[] = {
        {"nodes", G_STRUCT_OFFSET(MarinaTestNode, nodes)},
        {"sockets", G_STRUCT_OFFSET(MarinaTestNode, sockets)},
        {"cores", G_STRUCT_OFFSET(MarinaTestNode, cores)},
        {"threads", G_STRUCT_OFFSET(MarinaTestNode, threads)},
        {"active", G_STRUCT_OFFSET(MarinaTestNode, cpus)},
        {"mhz", G_STRUCT_OFFSET(MarinaTestNode, mhz)},
    };

    for (xmlNode *c = cpu->children; c != NULL; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (g_str_equal((const char *)c->name, "model")) {
            g_free(node->cpu_model);
            node->cpu_model = g_strstrip((char *)xmlNodeGetContent(c));
            continue;
        }
        for (guint i = 0; i < G_N_ELEMENTS(fields); i++) {
            guint64 v;
            if (!g_str_equal((const char *)c->name, fields[i].name))
                continue;
            if (!read_uint_element(c, fields[i].name, 65536, &v, error))
                return FALSE;
            G_STRUCT_MEMBER(guint, node, fields[i].offset) = (guint)v;
        }
    }
    return TRUE;
}

static void
fill_defaults(MarinaTestNode *node)
{
    if (node->cpus == 0 && node->nodes && node->sockets && node->cores && node->threads)
        node->cpus = node->nodes * node->sockets * node->cores * node->threads;
    if (node->cpus == 0)
        node->cpus = DEFAULT_CPUS;
    if (node->nodes == 0)
        node->nodes = 1;
    if (node->sockets == 0 || node->cores == 0 || node->threads == 0) {
        node->sockets = 1;
        node->cores = node->cpus;
        node->threads = 1;
    }
    if (node->mhz == 0)
        node->mhz = DEFAULT_MHZ;
    if (node->cpu_model == NULL || *node->cpu_model == '\0') {
        g_free(node->cpu_model);
        node->cpu_model = g_strdup("Marina test CPU");
    }
    if (node->memory_kib == 0)
        node->memory_kib = DEFAULT_MEMORY_KIB;
}

static void
test_domain_free(MarinaTestDomain *d)
{
    marina_domain_config_free(d->config);
    g_free(d);
}

/* Names and UUIDs identify guests: two alike would make one unreachable. */
static gboolean
check_unique(GHashTable *seen, const char *key, const char *what, guint index, GError **error)
{
    if (!g_hash_table_add(seen, g_strdup(key))) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                    _("Domain #%u: the %s '%s' is used by an earlier domain; each must be "
                      "unique."),
                    index, what, key);
        return FALSE;
    }
    return TRUE;
}

/* Only the element's text is kept while the document lives: the guests'
 * configurations are made after it is freed (read_domains), so they lie
 * together in the heap instead of scattered among the holes the document
 * leaves (which doubled the daemon's memory with 10 000 guests). */
static gboolean
take_domain(GArray *pending, xmlDoc *doc, xmlNode *el, GError **error)
{
    guint index = pending->len + 1;
    g_autoptr(GError) local = NULL;
    PendingDomain p = {0};

    if (xmlHasProp(el, (const xmlChar *)"file") != NULL) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                    _("Domain #%u refers to another file (<domain file=...>); put the <domain> "
                      "inline in the node file."),
                    index);
        return FALSE;
    }
    if (!prepare_domain_node(doc, el, &p, &local)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG, _("Domain #%u: %s"), index,
                    local->message);
        pending_domain_clear(&p);
        return FALSE;
    }
    g_array_append_val(pending, p);
    return TRUE;
}

static gboolean
read_domains(MarinaTestNode *node, GArray *pending, GHashTable *seen, GError **error)
{
    for (guint i = 0; i < pending->len; i++) {
        PendingDomain *p = &g_array_index(pending, PendingDomain, i);
        g_autoptr(GError) local = NULL;
        MarinaDomainConfig *config = parse_pending_domain(p, NULL, &local);
        MarinaTestDomain *d;

        pending_domain_clear(p);
        if (config == NULL) {
            g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG, _("Domain #%u: %s"),
                        i + 1, local->message);
            return FALSE;
        }
        d = g_new0(MarinaTestDomain, 1);
        d->config = config;
        d->state = p->state;
        g_ptr_array_add(node->domains, d);
        if (!check_unique(seen, config->name, _("name"), i + 1, error) ||
            !check_unique(seen, config->uuid, _("UUID"), i + 1, error))
            return FALSE;
    }
    return TRUE;
}

static gboolean
add_child(MarinaTestNode *node, xmlDoc *doc, xmlNode *el, GArray *pending, GError **error)
{
    const char *name = (const char *)el->name;
    guint64 kib;

    if (g_str_equal(name, "domain"))
        return take_domain(pending, doc, el, error);
    if (g_str_equal(name, "network") || g_str_equal(name, "pool")) {
        GPtrArray *list = name[0] == 'n' ? node->networks : node->pools;
        g_ptr_array_add(list, node_to_string(doc, el));
        return TRUE;
    }
    if (g_str_equal(name, "cpu"))
        return parse_cpu(node, el, error);
    if (g_str_equal(name, "memory")) {
        if (!read_uint_element(el, "memory", G_MAXUINT64 / 1024, &kib, error))
            return FALSE;
        node->memory_kib = kib;
        return TRUE;
    }
    g_info("Test node: <%s> is not supported and was ignored", name);
    return TRUE;
}

MarinaTestNode *
marina_test_node_parse(const char *xml, gsize len, GError **error)
{
    g_autoptr(MarinaTestNode) node = g_new0(MarinaTestNode, 1);
    g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_autoptr(GArray) pending = g_array_new(FALSE, FALSE, sizeof(PendingDomain));
    g_autoptr(xmlDoc) doc = NULL;
    xmlNode *root;

    node->domains = g_ptr_array_new_with_free_func((GDestroyNotify)test_domain_free);
    node->networks = g_ptr_array_new_with_free_func(g_free);
    node->pools = g_ptr_array_new_with_free_func(g_free);
    g_array_set_clear_func(pending, (GDestroyNotify)pending_domain_clear);
    doc =
        marina_xml_read_hardened(xml, (gssize)len, MARINA_TEST_NODE_MAX, _("The node file"), error);
    if (doc == NULL)
        return NULL;
    root = xmlDocGetRootElement(doc);
    if (root == NULL || !g_str_equal((const char *)root->name, "node")) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                    _("The node file's root element is <%s>; a test driver file must start with "
                      "<node> holding <domain>, <network> and <pool> elements."),
                    root ? (const char *)root->name : "");
        return NULL;
    }
    for (xmlNode *el = root->children; el != NULL; el = el->next) {
        if (el->type == XML_ELEMENT_NODE && !add_child(node, doc, el, pending, error))
            return NULL;
    }
    g_clear_pointer(&doc, xmlFreeDoc);
    if (!read_domains(node, pending, seen, error))
        return NULL;
    fill_defaults(node);
    return g_steal_pointer(&node);
}

/* Read at most the limit (+1 to notice more): a huge or endless file (a
 * FIFO, /dev/zero) cannot exhaust memory. */
static char *
read_limited(const char *path, gsize *len, GError **error)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    gsize cap = MARINA_TEST_NODE_MAX + 1, got = 0;
    g_autofree char *buf = NULL;
    struct stat st;

    if (fd < 0 || fstat(fd, &st) != 0) {
        int saved = errno;
        if (fd >= 0)
            close(fd);
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("Cannot read the test node file %s: %s"), path, g_strerror(saved));
        return NULL;
    }
    if (S_ISREG(st.st_mode) && (guint64)st.st_size > MARINA_TEST_NODE_MAX) {
        close(fd);
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                    _("Test node file %s: it is larger than %d MiB, the most Marina accepts."),
                    path, MARINA_TEST_NODE_MAX / (1024 * 1024));
        return NULL;
    }
    if (S_ISREG(st.st_mode))
        cap = (gsize)st.st_size + 1;
    buf = g_malloc(cap + 1);
    while (got < cap) {
        ssize_t n = read(fd, buf + got, cap - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (gsize)n;
    }
    close(fd);
    buf[got] = '\0';
    *len = got;
    return g_steal_pointer(&buf);
}

MarinaTestNode *
marina_test_node_load(const char *path, GError **error)
{
    g_autofree char *xml = NULL;
    g_autoptr(GError) local = NULL;
    MarinaTestNode *node;
    gsize len = 0;

    xml = read_limited(path, &len, error);
    if (xml == NULL)
        return NULL;
    node = marina_test_node_parse(xml, len, &local);
    if (node == NULL) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG, _("Test node file %s: %s"),
                    path, local->message);
        return NULL;
    }
    g_info("Test node %s: %u domains, %u networks, %u pools", path, node->domains->len,
           node->networks->len, node->pools->len);
    return node;
}

void
marina_test_node_free(MarinaTestNode *node)
{
    if (node == NULL)
        return;
    g_clear_pointer(&node->domains, g_ptr_array_unref);
    g_clear_pointer(&node->networks, g_ptr_array_unref);
    g_clear_pointer(&node->pools, g_ptr_array_unref);
    g_free(node->cpu_model);
    g_free(node);
}
