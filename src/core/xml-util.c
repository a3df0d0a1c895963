#define G_LOG_DOMAIN "marina-xml"

#include "config.h"

#include <glib/gi18n.h>
#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <string.h>

#include "error.h"
#include "xml-util.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlParserCtxt, xmlFreeParserCtxt)

#define MIB (1024 * 1024)

typedef struct {
    gboolean saw_entity;
    int level;
    int line;
    char *message;
} ReadState;

static void
on_entity_decl(void *ctx, const xmlChar *name, int type, const xmlChar *public_id,
               const xmlChar *system_id, xmlChar *content)
{
    xmlParserCtxtPtr ctxt = ctx;
    ReadState *st = ctxt->_private;

    /* Any entity declaration is refused before it is stored, so neither an
     * external entity (XXE) nor nested expansion (billion laughs) can run. */
    st->saw_entity = TRUE;
    xmlStopParser(ctxt);
}

static void
on_unparsed_entity_decl(void *ctx, const xmlChar *name, const xmlChar *public_id,
                        const xmlChar *system_id, const xmlChar *notation)
{
    on_entity_decl(ctx, name, 0, public_id, system_id, NULL);
}

#if LIBXML_VERSION >= 21200
static void
on_xml_error(void *data, const xmlError *err)
#else
static void
on_xml_error(void *data, xmlErrorPtr err)
#endif
{
    xmlParserCtxtPtr ctxt = data;
    ReadState *st = ctxt->_private;

    /* Collected for the GError; never printed to stderr. The first fatal
     * (well-formedness) error is the one that explains a failure. */
    if (err == NULL || err->level < XML_ERR_ERROR || err->message == NULL)
        return;
    if (st->message != NULL && (st->level == XML_ERR_FATAL || err->level != XML_ERR_FATAL))
        return;
    g_free(st->message);
    st->message = g_strchomp(g_strdup(err->message));
    st->level = err->level;
    st->line = err->line;
}

static gpointer
init_libxml(gpointer unused)
{
    xmlInitParser();
    return NULL;
}

/* "64 MiB" for the usual limits, exact bytes otherwise. */
static char *
describe_limit(gsize max)
{
    if (max >= MIB && max % MIB == 0)
        return g_strdup_printf(_("%zu MiB"), max / MIB);
    return g_strdup_printf(_("%zu bytes"), max);
}

xmlDoc *
marina_xml_read_hardened(const char *data, gssize len, gsize max, const char *what, GError **error)
{
    static GOnce once = G_ONCE_INIT;
    g_autoptr(xmlParserCtxt) ctxt = NULL;
    ReadState st = {0};
    xmlDoc *doc;
    gsize size;

    g_return_val_if_fail(data != NULL, NULL);
    g_return_val_if_fail(max <= G_MAXINT, NULL);
    g_once(&once, init_libxml, NULL);
    /* strnlen: an unterminated hostile buffer is read no further than the limit. */
    size = len < 0 ? strnlen(data, max + 1) : (gsize)len;
    if (size > max) {
        g_autofree char *limit = describe_limit(max);

        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                    _("%s is larger than %s, the most Marina accepts; remove what is not "
                      "needed."),
                    what, limit);
        return NULL;
    }
    ctxt = xmlNewParserCtxt();
    if (ctxt == NULL) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                    _("%s could not be read: out of memory."), what);
        return NULL;
    }
    ctxt->_private = &st;
    ctxt->sax->entityDecl = on_entity_decl;
    ctxt->sax->unparsedEntityDecl = on_unparsed_entity_decl;
    ctxt->sax->serror = on_xml_error;
    /* NONET: no network. No NOENT (entities are not substituted), no
     * DTDLOAD/DTDATTR/DTDVALID (no external DTD is read), no HUGE (libxml2's
     * own depth and size limits stay on). No NOERROR either: on_xml_error
     * already keeps messages off stderr and needs to see them. */
    doc = xmlCtxtReadMemory(ctxt, data, (int)size, "marina.xml", NULL,
                            XML_PARSE_NONET | XML_PARSE_NOWARNING);
    if (st.saw_entity) {
        g_clear_pointer(&doc, xmlFreeDoc);
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                    _("%s declares entities (<!ENTITY>), which Marina refuses for safety; "
                      "remove the DOCTYPE."),
                    what);
    } else if (doc == NULL || !ctxt->wellFormed) {
        g_clear_pointer(&doc, xmlFreeDoc);
        if (st.message != NULL)
            g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                        _("%s is not well-formed (line %d): %s"), what, st.line, st.message);
        else
            g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                        _("%s is not well-formed."), what);
    }
    g_free(st.message);
    return doc;
}

xmlNode *
marina_xml_child(xmlNode *parent, const char *name)
{
    if (parent == NULL)
        return NULL;
    for (xmlNode *n = parent->children; n != NULL; n = n->next)
        if (n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0)
            return n;
    return NULL;
}

char *
marina_xml_text(xmlNode *node)
{
    xmlChar *t;
    char *s;

    if (node == NULL)
        return NULL;
    t = xmlNodeGetContent(node);
    s = g_strstrip(g_strdup((const char *)t));
    xmlFree(t);
    if (*s == '\0')
        g_clear_pointer(&s, g_free);
    return s;
}

char *
marina_xml_prop(xmlNode *node, const char *name)
{
    xmlChar *v;
    char *s;

    if (node == NULL)
        return NULL;
    v = xmlGetNoNsProp(node, BAD_CAST name);
    s = v != NULL ? g_strdup((const char *)v) : NULL;
    xmlFree(v);
    return s;
}

void
marina_xml_add_warning(GPtrArray *warnings, guint max, char *message)
{
    g_autofree char *owned = message;

    for (guint i = 0; i < warnings->len; i++) {
        if (g_str_equal(warnings->pdata[i], owned))
            return;
    }
    if (warnings->len == max)
        g_ptr_array_add(warnings, g_strdup(_("More unsupported elements or attributes were "
                                             "ignored; only the first ones are listed.")));
    if (warnings->len >= max)
        return;
    g_ptr_array_add(warnings, g_steal_pointer(&owned));
}
