#pragma once

#include <glib.h>
#include <libxml/tree.h>

G_BEGIN_DECLS

/*
 * Parse @data (@len bytes, or NUL-terminated when @len < 0) with libxml2,
 * hardened for hostile input: documents over @max bytes are refused, the
 * network is never touched, no external DTD is loaded, and any entity
 * declaration (<!ENTITY>) is refused before it is stored. @what names the
 * document in the messages, as the subject of a sentence ("The node file").
 * On failure returns NULL and sets MARINA_ERROR_INVALID_CONFIG with the
 * line and libxml2's reason. Free the result with xmlFreeDoc().
 */
xmlDoc *marina_xml_read_hardened(const char *data, gssize len, gsize max, const char *what,
                                 GError **error);

/* Adds @message (taken) to @warnings unless the same text is there already; past @max
 * warnings one closing sentence says more were left out. Repeated elements warn once and a
 * hostile document cannot grow the list without bound. */
void marina_xml_add_warning(GPtrArray *warnings, guint max, char *message);

/* The first element child of @parent named @name, or NULL (also when @parent is NULL). */
xmlNode *marina_xml_child(xmlNode *parent, const char *name);

/*
 * The text content of @node with surrounding white space stripped, or NULL
 * when @node is NULL or the text is empty. Free with g_free().
 */
char *marina_xml_text(xmlNode *node);

/* The value of attribute @name on @node (no namespace), or NULL. Free with g_free(). */
char *marina_xml_prop(xmlNode *node, const char *name);

G_END_DECLS
