#define G_LOG_DOMAIN "marina-volume-config"

#include "config.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <libxml/tree.h>
#include <string.h>

#include "error.h"
#include "pool-config.h"
#include "volume-config.h"
#include "xml-util.h"

#define VOLUME_XML_MAX (256 * 1024)

gboolean marina_storage_read_size(xmlNode *parent, const char *element, guint64 *bytes,
                                  gboolean *present, GError **error);

void
marina_volume_config_free(MarinaVolumeConfig *c)
{
    if (c == NULL)
        return;
    g_free(c->name);
    g_free(c->key);
    g_free(c->path);
    g_free(c->format);
    g_free(c->backing_path);
    g_free(c->backing_format);
    g_free(c);
}

MarinaVolumeConfig *
marina_volume_config_parse(const char *xml, gssize len, GError **error)
{
    g_autoptr(MarinaVolumeConfig) c = g_new0(MarinaVolumeConfig, 1);
    xmlDoc *doc = marina_xml_read_hardened(xml, len, VOLUME_XML_MAX, _("The volume XML"), error);
    xmlNode *root, *target, *backing;
    gboolean ok;

    if (doc == NULL)
        return NULL;
    root = xmlDocGetRootElement(doc);
    if (strcmp((const char *)root->name, "volume") != 0) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                    _("This is not volume XML: the top element is <%s>, not <volume>."),
                    root->name);
        xmlFreeDoc(doc);
        return NULL;
    }
    target = marina_xml_child(root, "target");
    backing = marina_xml_child(root, "backingStore");
    c->name = marina_xml_text(marina_xml_child(root, "name"));
    c->key = marina_xml_text(marina_xml_child(root, "key"));
    c->path = marina_xml_text(marina_xml_child(target, "path"));
    c->format = marina_xml_prop(marina_xml_child(target, "format"), "type");
    c->backing_path = marina_xml_text(marina_xml_child(backing, "path"));
    c->backing_format = marina_xml_prop(marina_xml_child(backing, "format"), "type");
    ok = marina_storage_read_size(root, "capacity", &c->capacity, NULL, error) &&
         marina_storage_read_size(root, "allocation", &c->allocation, &c->has_allocation, error);
    xmlFreeDoc(doc);
    if (!ok || !marina_volume_config_validate(c, error))
        return NULL;
    return g_steal_pointer(&c);
}

static gboolean
format_ok(const char *format)
{
    return format == NULL || g_str_equal(format, "qcow2") || g_str_equal(format, "raw");
}

gboolean
marina_volume_config_validate(const MarinaVolumeConfig *c, GError **error)
{
    if (!marina_storage_name_is_valid(c->name, _("volume"), error))
        return FALSE;
    if (c->capacity == 0) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                    _("Volume '%s': <capacity> is missing or 0; give a size, e.g. "
                      "<capacity unit='G'>10</capacity>."),
                    c->name);
        return FALSE;
    }
    if (c->capacity > MARINA_VOLUME_MAX_CAPACITY) {
        g_set_error(
            error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
            _("Volume '%s': <capacity> of %" PRIu64 " bytes is larger than 1 PiB; check the unit."),
            c->name, c->capacity);
        return FALSE;
    }
    if (c->allocation > c->capacity) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                    _("Volume '%s': <allocation> is larger than <capacity>."), c->name);
        return FALSE;
    }
    if (!format_ok(c->format) || !format_ok(c->backing_format)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                    _("Volume '%s': <format type='%s'> is not supported; use qcow2 or raw."),
                    c->name, format_ok(c->format) ? c->backing_format : c->format);
        return FALSE;
    }
    if (c->path != NULL && !g_path_is_absolute(c->path)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                    _("Volume '%s': <target><path> must be absolute."), c->name);
        return FALSE;
    }
    if (c->backing_path != NULL &&
        (!g_path_is_absolute(c->backing_path) || strstr(c->backing_path, "/../") != NULL)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                    _("Volume '%s': <backingStore><path> must be an absolute path, e.g. "
                      "/var/lib/marina/images/base.qcow2."),
                    c->name);
        return FALSE;
    }
    if (c->backing_path != NULL && g_strcmp0(c->format, "raw") == 0) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                    _("Volume '%s': a raw volume cannot have a backing store; use qcow2."),
                    c->name);
        return FALSE;
    }
    return TRUE;
}

char *
marina_volume_config_format(const MarinaVolumeConfig *c)
{
    GString *s = g_string_new("<volume type='file'>\n");
    g_autofree char *name = g_markup_escape_text(c->name, -1);

    g_string_append_printf(s, "  <name>%s</name>\n", name);
    if (c->key != NULL) {
        g_autofree char *key = g_markup_escape_text(c->key, -1);
        g_string_append_printf(s, "  <key>%s</key>\n", key);
    }
    g_string_append_printf(s, "  <capacity unit='bytes'>%" G_GUINT64_FORMAT "</capacity>\n",
                           c->capacity);
    g_string_append_printf(s, "  <allocation unit='bytes'>%" G_GUINT64_FORMAT "</allocation>\n",
                           c->allocation);
    g_string_append(s, "  <target>\n");
    if (c->path != NULL) {
        g_autofree char *p = g_markup_escape_text(c->path, -1);
        g_string_append_printf(s, "    <path>%s</path>\n", p);
    }
    g_string_append_printf(s, "    <format type='%s'/>\n", c->format ? c->format : "qcow2");
    g_string_append(s, "  </target>\n");
    if (c->backing_path != NULL) {
        g_autofree char *p = g_markup_escape_text(c->backing_path, -1);
        g_string_append_printf(s, "  <backingStore>\n    <path>%s</path>\n", p);
        if (c->backing_format != NULL)
            g_string_append_printf(s, "    <format type='%s'/>\n", c->backing_format);
        g_string_append(s, "  </backingStore>\n");
    }
    g_string_append(s, "</volume>\n");
    return g_string_free(s, FALSE);
}
