#define G_LOG_DOMAIN "marina-pool-config"

#include "config.h"

#include <glib/gi18n.h>
#include <libxml/tree.h>
#include <string.h>

#include "error.h"
#include "pool-config.h"
#include "xml-util.h"

/* Pool XML larger than this is not a pool definition. */
#define POOL_XML_MAX (1024 * 1024)
#define NAME_MAX_LEN 200

static const char *const pool_types[] = {"dir", "fs", "netfs", "logical", NULL};

void
marina_pool_config_free(MarinaPoolConfig *c)
{
    if (c == NULL)
        return;
    g_free(c->type);
    g_free(c->name);
    g_free(c->uuid);
    g_free(c->target_path);
    g_free(c->source_device);
    g_strfreev(c->source_devices);
    g_free(c->source_host);
    g_free(c->source_dir);
    g_free(c->source_format);
    g_free(c->source_name);
    g_free(c);
}

gboolean
marina_storage_name_is_valid(const char *name, const char *what, GError **error)
{
    if (name == NULL || *name == '\0') {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                    _("The %s has no <name>; add one, e.g. <name>images</name>."), what);
        return FALSE;
    }
    if (strlen(name) > NAME_MAX_LEN) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                    _("The %s name '%.40s...' is longer than %d characters; shorten it."), what,
                    name, NAME_MAX_LEN);
        return FALSE;
    }
    for (const char *c = name; *c != '\0'; c++) {
        if (g_ascii_isalnum(*c) || strchr("_.+-", *c) != NULL)
            continue;
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                    _("The %s name '%s' contains a character that is not allowed; use letters, "
                      "digits, '_', '.', '+' and '-'."),
                    what, name);
        return FALSE;
    }
    if (name[0] == '.' || name[0] == '-') {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                    _("The %s name '%s' must not start with '.' or '-'."), what, name);
        return FALSE;
    }
    return TRUE;
}

/* ---------------------------------------------------------------------- */

/* Shared with volume-config.c through this declaration. */
gboolean marina_storage_read_size(xmlNode *parent, const char *element, guint64 *bytes,
                                  gboolean *present, GError **error);

gboolean
marina_storage_read_size(xmlNode *parent, const char *element, guint64 *bytes, gboolean *present,
                         GError **error)
{
    xmlNode *node = marina_xml_child(parent, element);
    g_autofree char *value = marina_xml_text(node);
    g_autofree char *unit = marina_xml_prop(node, "unit");
    g_autoptr(GError) local = NULL;

    if (present != NULL)
        *present = node != NULL;
    *bytes = 0;
    if (node == NULL)
        return TRUE;
    if (!marina_size_with_unit(value, unit, bytes, &local)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG, "<%s>: %s", element,
                    local->message);
        return FALSE;
    }
    return TRUE;
}

/* Every <device path=''/> of <source>: a volume group can span several disks. */
static gboolean
read_devices(xmlNode *source, MarinaPoolConfig *c, GError **error)
{
    g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func(g_free);

    for (xmlNode *n = source != NULL ? source->children : NULL; n != NULL; n = n->next) {
        if (n->type != XML_ELEMENT_NODE || strcmp((const char *)n->name, "device") != 0)
            continue;
        if (paths->len == MARINA_POOL_MAX_DEVICES) {
            g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                        _("<source> has more than %d <device> elements; a pool uses at most %d."),
                        MARINA_POOL_MAX_DEVICES, MARINA_POOL_MAX_DEVICES);
            return FALSE;
        }
        char *path = marina_xml_prop(n, "path");
        if (path == NULL) {
            g_set_error_literal(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                                _("A <device> in <source> has no path; write it like "
                                  "<device path='/dev/sdb'/>."));
            return FALSE;
        }
        g_ptr_array_add(paths, path);
    }
    if (paths->len == 0)
        return TRUE;
    g_ptr_array_add(paths, NULL);
    c->source_devices = (char **)g_ptr_array_steal(paths, NULL);
    return TRUE;
}

static gboolean
read_pool(xmlNode *root, MarinaPoolConfig *c, GError **error)
{
    xmlNode *source = marina_xml_child(root, "source");

    if (strcmp((const char *)root->name, "pool") != 0) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                    _("This is not pool XML: the top element is <%s>, not <pool>."), root->name);
        return FALSE;
    }
    c->type = marina_xml_prop(root, "type");
    c->name = marina_xml_text(marina_xml_child(root, "name"));
    c->uuid = marina_xml_text(marina_xml_child(root, "uuid"));
    c->target_path = marina_xml_text(marina_xml_child(marina_xml_child(root, "target"), "path"));
    c->source_device = marina_xml_prop(marina_xml_child(source, "device"), "path");
    if (!read_devices(source, c, error))
        return FALSE;
    c->source_host = marina_xml_prop(marina_xml_child(source, "host"), "name");
    c->source_dir = marina_xml_prop(marina_xml_child(source, "dir"), "path");
    c->source_format = marina_xml_prop(marina_xml_child(source, "format"), "type");
    c->source_name = marina_xml_text(marina_xml_child(source, "name"));
    /* libvirt's defaults for a logical pool: the volume group is named after
     * the pool, and its volumes appear under /dev/<volume group>. */
    if (g_strcmp0(c->type, "logical") == 0) {
        if (c->source_name == NULL && c->name != NULL)
            c->source_name = g_strdup(c->name);
        if (c->target_path == NULL && c->source_name != NULL)
            c->target_path = g_strconcat("/dev/", c->source_name, NULL);
    }
    return marina_storage_read_size(root, "capacity", &c->capacity, NULL, error) &&
           marina_storage_read_size(root, "allocation", &c->allocation, NULL, error) &&
           marina_storage_read_size(root, "available", &c->available, NULL, error);
}

MarinaPoolConfig *
marina_pool_config_parse(const char *xml, gssize len, GError **error)
{
    g_autoptr(MarinaPoolConfig) c = g_new0(MarinaPoolConfig, 1);
    xmlDoc *doc = marina_xml_read_hardened(xml, len, POOL_XML_MAX, _("The pool XML"), error);
    gboolean ok;

    if (doc == NULL)
        return NULL;
    ok = read_pool(xmlDocGetRootElement(doc), c, error);
    xmlFreeDoc(doc);
    if (!ok || !marina_pool_config_validate(c, error))
        return NULL;
    if (c->uuid == NULL)
        c->uuid = g_uuid_string_random();
    return g_steal_pointer(&c);
}

static gboolean
check_absolute(const char *path, const char *element, const char *example, GError **error)
{
    if (path != NULL && g_path_is_absolute(path) && strstr(path, "/../") == NULL &&
        !g_str_has_suffix(path, "/.."))
        return TRUE;
    g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                path == NULL ? _("%s is missing; give an absolute path, e.g. %s")
                             : _("%s: the path must be absolute (without '..'), e.g. %s"),
                element, example);
    return FALSE;
}

static gboolean
require(const char *value, const char *type, const char *element, GError **error)
{
    if (value != NULL && *value != '\0')
        return TRUE;
    g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                _("A '%s' pool needs %s in <source>."), type, element);
    return FALSE;
}

static gboolean
validate_logical(const MarinaPoolConfig *c, GError **error)
{
    g_autofree char *dev_dir = NULL;

    if (!require(c->source_name, "logical", "<name> (the volume group)", error) ||
        !marina_storage_name_is_valid(c->source_name, _("volume group"), error))
        return FALSE;
    /* The name checks above keep it off option syntax; LVM reserves these two. */
    if (g_str_equal(c->source_name, "lvm") || g_str_equal(c->source_name, "snapshot")) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                    _("'%s' cannot be the name of an LVM volume group; choose another <name> "
                      "in <source>."),
                    c->source_name);
        return FALSE;
    }
    dev_dir = g_strconcat("/dev/", c->source_name, NULL);
    if (c->target_path != NULL && !g_str_equal(c->target_path, dev_dir)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                    _("A logical pool's volumes are in %s, so <target><path> must be %s (or "
                      "left out), not %s."),
                    dev_dir, dev_dir, c->target_path);
        return FALSE;
    }
    if (c->source_format != NULL && !g_str_equal(c->source_format, "lvm2") &&
        !g_str_equal(c->source_format, "auto")) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                    _("<format type='%s'> is not an LVM format; a logical pool uses "
                      "<format type='lvm2'/>."),
                    c->source_format);
        return FALSE;
    }
    for (char **d = c->source_devices; d != NULL && *d != NULL; d++) {
        if (!check_absolute(*d, "<source><device path>", "/dev/sdb", error))
            return FALSE;
    }
    return TRUE;
}

gboolean
marina_pool_config_validate(const MarinaPoolConfig *c, GError **error)
{
    if (c->type == NULL || !g_strv_contains(pool_types, c->type)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                    _("<pool type='%s'> is not supported; use dir, fs, netfs or logical."),
                    c->type ? c->type : "");
        return FALSE;
    }
    if (!marina_storage_name_is_valid(c->name, _("pool"), error))
        return FALSE;
    if (c->uuid != NULL && !g_uuid_string_is_valid(c->uuid)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                    _("<uuid> '%s' is not a UUID; remove it to get a new one."), c->uuid);
        return FALSE;
    }
    if (!g_str_equal(c->type, "logical") &&
        !check_absolute(c->target_path, "<target><path>", "/var/lib/marina/images", error))
        return FALSE;
    if (g_str_equal(c->type, "fs"))
        return require(c->source_device, "fs", "<device path='...'/>", error) &&
               check_absolute(c->source_device, "<source><device path>", "/dev/sdb1", error);
    if (g_str_equal(c->type, "netfs"))
        return require(c->source_host, "netfs", "<host name='...'/>", error) &&
               require(c->source_dir, "netfs", "<dir path='...'/>", error) &&
               check_absolute(c->source_dir, "<source><dir path>", "/export/images", error);
    if (g_str_equal(c->type, "logical"))
        return validate_logical(c, error);
    return TRUE;
}

static void
add_size(GString *s, const char *element, guint64 bytes)
{
    g_string_append_printf(s, "  <%s unit='bytes'>%" G_GUINT64_FORMAT "</%s>\n", element, bytes,
                           element);
}

static void
add_escaped(GString *s, const char *format, const char *value)
{
    g_autofree char *e = g_markup_escape_text(value, -1);

    g_string_append_printf(s, format, e);
}

char *
marina_pool_config_format(const MarinaPoolConfig *c)
{
    GString *s = g_string_new(NULL);
    gboolean has_source = c->source_device || c->source_devices || c->source_host ||
                          c->source_dir || c->source_format || c->source_name;

    g_string_append_printf(s, "<pool type='%s'>\n", c->type);
    add_escaped(s, "  <name>%s</name>\n", c->name);
    if (c->uuid != NULL)
        add_escaped(s, "  <uuid>%s</uuid>\n", c->uuid);
    add_size(s, "capacity", c->capacity);
    add_size(s, "allocation", c->allocation);
    add_size(s, "available", c->available);
    if (has_source) {
        g_string_append(s, "  <source>\n");
        if (c->source_host)
            add_escaped(s, "    <host name='%s'/>\n", c->source_host);
        if (c->source_devices != NULL) {
            for (char **d = c->source_devices; *d != NULL; d++)
                add_escaped(s, "    <device path='%s'/>\n", *d);
        } else if (c->source_device) {
            add_escaped(s, "    <device path='%s'/>\n", c->source_device);
        }
        if (c->source_dir)
            add_escaped(s, "    <dir path='%s'/>\n", c->source_dir);
        if (c->source_name)
            add_escaped(s, "    <name>%s</name>\n", c->source_name);
        if (c->source_format)
            add_escaped(s, "    <format type='%s'/>\n", c->source_format);
        g_string_append(s, "  </source>\n");
    }
    if (c->target_path != NULL) {
        g_string_append(s, "  <target>\n");
        add_escaped(s, "    <path>%s</path>\n", c->target_path);
        g_string_append(s, "  </target>\n");
    }
    g_string_append(s, "</pool>\n");
    return g_string_free(s, FALSE);
}
