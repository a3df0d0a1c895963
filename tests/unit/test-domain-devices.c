#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "domain-config-private.h"
#include "error.h"

/*
 * The device descriptions (domain-devices.c, domain-devices-io.c) drive
 * parsing, writing, validation, free and copy. These tests walk every
 * described field of every device type, so a field added to a table is
 * covered without a new test: its values survive a round trip, hostile
 * values are refused naming the element and attribute, and the table itself
 * is well formed.
 */

G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlDoc, xmlFreeDoc)

/* One device of every type, each valid on its own. */
static const char base_xml[] =
    "<domain type='kvm'>\n"
    "  <name>all</name>\n"
    "  <memory unit='MiB'>512</memory>\n"
    "  <devices>\n"
    "    <disk type='file' device='disk'><source file='/var/lib/marina/images/a.qcow2'/>"
    "<target dev='sda' bus='sata'/></disk>\n"
    "    <controller type='usb' index='0' model='qemu-xhci'/>\n"
    "    <interface type='network'><mac address='52:54:00:00:00:01'/>"
    "<source network='default'/></interface>\n"
    "    <serial type='pty'><target port='0'/></serial>\n"
    "    <console type='pty'><target type='serial' port='0'/></console>\n"
    "    <graphics type='vnc' port='-1'/>\n"
    "    <video><model type='virtio'/></video>\n"
    "    <input type='tablet' bus='usb'/>\n"
    "    <sound model='ich9'/>\n"
    "    <watchdog model='i6300esb' action='reset'/>\n"
    "    <rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>\n"
    "    <hostdev mode='subsystem' type='usb' managed='yes'><source><vendor id='0x046d'/>"
    "<product id='0xc52b'/></source></hostdev>\n"
    "    <tpm model='tpm-tis'><backend type='emulator' version='2.0'/></tpm>\n"
    "  </devices>\n"
    "</domain>\n";

#define FIELD_AT(dev, f) ((guint8 *)(dev) + (f)->offset)

static const MarinaDeviceType *
all_types(guint i)
{
    return i < marina_dc_n_list_types        ? marina_dc_list_types[i]
           : i == marina_dc_n_list_types     ? &marina_dc_watchdog_type
           : i == marina_dc_n_list_types + 1 ? &marina_dc_tpm_type
                                             : NULL;
}

static gpointer
first_device(const MarinaDomainConfig *c, const MarinaDeviceType *type)
{
    GPtrArray *list;

    if (type == &marina_dc_tpm_type)
        return c->tpm;
    if (type->list_offset == 0)
        return c->watchdog;
    list = marina_dc_device_list(c, type);
    return list->len > 0 ? list->pdata[0] : NULL;
}

static MarinaDomainConfig *
parse_base(void)
{
    g_autoptr(GError) error = NULL;
    MarinaDomainConfig *c = marina_domain_config_parse(base_xml, -1, NULL, &error);

    if (c == NULL)
        fail_msg("the base document does not parse: %s", error->message);
    return c;
}

static gboolean
is_string(MarinaFieldKind kind)
{
    return kind == MARINA_FIELD_STRING || kind == MARINA_FIELD_TOKEN || kind == MARINA_FIELD_PATH ||
           kind == MARINA_FIELD_NAME || kind == MARINA_FIELD_MAC;
}

static gboolean
field_equal(const MarinaField *f, gconstpointer a, gconstpointer b)
{
    if (f->kind == MARINA_FIELD_FIXED)
        return TRUE;
    if (is_string(f->kind))
        return g_strcmp0(*(char **)FIELD_AT(a, f), *(char **)FIELD_AT(b, f)) == 0;
    if (f->kind == MARINA_FIELD_HOOK)
        return TRUE;
    if (f->kind == MARINA_FIELD_FLAG || f->kind == MARINA_FIELD_BOOL)
        return !*(gboolean *)FIELD_AT(a, f) == !*(gboolean *)FIELD_AT(b, f);
    return *(int *)FIELD_AT(a, f) == *(int *)FIELD_AT(b, f); /* guint, int and enums */
}

/* Values worth trying for a field: every enum value, both bounds, text with
 * characters XML must escape. NULL-terminated; strings for string kinds,
 * numbers as text otherwise. */
static GPtrArray *
candidates(const MarinaField *f)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);

    switch (f->kind) {
    case MARINA_FIELD_STRING:
        g_ptr_array_add(out, g_strdup("one two & <three> 'four' \"five\""));
        g_ptr_array_add(out, g_strdup("Plain text-1.0"));
        break;
    case MARINA_FIELD_TOKEN:
        /* Hand-checked tokens have no .max: 15 suits every one (bridge names). */
        g_ptr_array_add(out, g_strndup("tok-1.a_b+c:d", f->max > 0 ? f->max : 15));
        break;
    case MARINA_FIELD_PATH:
        g_ptr_array_add(out, g_strdup("/var/lib/x y/a,b & <c>.img"));
        break;
    case MARINA_FIELD_NAME:
    case MARINA_FIELD_ENUM:
        for (guint i = 0; f->values[i] != NULL; i++)
            g_ptr_array_add(out, g_strdup_printf("%u", i));
        break;
    case MARINA_FIELD_UINT:
        g_ptr_array_add(out, g_strdup_printf("%" G_GUINT64_FORMAT, MAX(f->min, 1)));
        g_ptr_array_add(out, g_strdup_printf("%" G_GUINT64_FORMAT, f->max));
        break;
    case MARINA_FIELD_INT: /* graphics port: automatic, or a port */
        g_ptr_array_add(out, g_strdup("-1"));
        g_ptr_array_add(out, g_strdup("5901"));
        break;
    case MARINA_FIELD_FLAG:
    case MARINA_FIELD_BOOL:
        g_ptr_array_add(out, g_strdup("0"));
        g_ptr_array_add(out, g_strdup("1"));
        break;
    case MARINA_FIELD_MAC:
        g_ptr_array_add(out, g_strdup("52:54:00:ab:cd:ef"));
        break;
    case MARINA_FIELD_BOOT_ORDER:
        g_ptr_array_add(out, g_strdup("1"));
        g_ptr_array_add(out, g_strdup("65535"));
        break;
    case MARINA_FIELD_FIXED:
    case MARINA_FIELD_HOOK: /* no storage of its own: the device's own tests */
        break;
    }
    return out;
}

static void
set_field(const MarinaField *f, gpointer dev, const char *candidate)
{
    if (f->kind == MARINA_FIELD_NAME) {
        g_free(*(char **)FIELD_AT(dev, f));
        *(char **)FIELD_AT(dev, f) = g_strdup(f->values[atoi(candidate)]);
    } else if (is_string(f->kind)) {
        g_free(*(char **)FIELD_AT(dev, f));
        *(char **)FIELD_AT(dev, f) = g_strdup(candidate);
    } else {
        *(int *)FIELD_AT(dev, f) = atoi(candidate);
    }
}

static void
assert_devices_equal(const MarinaDeviceType *type, gconstpointer a, gconstpointer b,
                     const char *context)
{
    for (guint i = 0; i < type->n_fields; i++) {
        const MarinaField *f = &type->fields[i];

        if (!field_equal(f, a, b))
            fail_msg("%s: field %u (<%s %s>) of <%s> changed in the round trip", context, i,
                     f->element != NULL ? f->element : type->element,
                     f->attribute != NULL ? f->attribute : "text", type->element);
    }
}

/* parse(format(x)) == x for every value of every field that validates; every
 * field must round-trip at least one value besides the base one. */
static void
test_every_field_round_trips(void **state)
{
    g_autoptr(MarinaDomainConfig) base = parse_base();
    guint checked = 0;

    for (guint t = 0; all_types(t) != NULL; t++) {
        const MarinaDeviceType *type = all_types(t);

        for (guint i = 0; i < type->n_fields; i++) {
            const MarinaField *f = &type->fields[i];
            g_autoptr(GPtrArray) values = candidates(f);
            guint round_tripped = 0;

            for (guint v = 0; v < values->len; v++) {
                g_autoptr(MarinaDomainConfig) c = marina_domain_config_copy(base);
                g_autoptr(MarinaDomainConfig) back = NULL;
                g_autoptr(MarinaDomainConfig) copy = NULL;
                g_autoptr(GError) error = NULL;
                g_autofree char *xml = NULL;
                g_autofree char *context = NULL;
                gpointer dev = first_device(c, type);

                set_field(f, dev, values->pdata[v]);
                /* A user-mode interface has no source to write. */
                if (type == &marina_dc_interface_type &&
                    ((MarinaInterfaceConfig *)dev)->type == MARINA_NET_TYPE_USER)
                    g_clear_pointer(&((MarinaInterfaceConfig *)dev)->source, g_free);
                if (!marina_domain_config_validate(c, NULL))
                    continue; /* e.g. a floppy on the sata bus */
                xml = marina_domain_config_to_xml(c);
                back = marina_domain_config_parse(xml, -1, NULL, &error);
                if (back == NULL)
                    fail_msg("<%s> field %u = %s: the written XML does not parse: %s\n%s",
                             type->element, i, (char *)values->pdata[v], error->message, xml);
                context = g_strdup_printf("<%s> field %u = %s", type->element, i,
                                          (char *)values->pdata[v]);
                assert_devices_equal(type, dev, first_device(back, type), context);
                copy = marina_domain_config_copy(c);
                assert_devices_equal(type, dev, first_device(copy, type), "copy");
                round_tripped++;
            }
            if (values->len > 0 && round_tripped == 0)
                fail_msg("no value of <%s> field %u survives validation", type->element, i);
            checked += round_tripped;
        }
    }
    assert_true(checked > 50);
}

/* One config in which every field of every device holds a value other than
 * the base one (the last candidate that keeps the config valid), written and
 * read back whole. */
static void
test_config_with_every_field_set_round_trips(void **state)
{
    g_autoptr(MarinaDomainConfig) c = parse_base();
    g_autoptr(MarinaDomainConfig) back = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *xml = NULL;

    for (guint t = 0; all_types(t) != NULL; t++) {
        const MarinaDeviceType *type = all_types(t);

        for (guint i = 0; i < type->n_fields; i++) {
            const MarinaField *f = &type->fields[i];
            g_autoptr(GPtrArray) values = candidates(f);

            for (guint v = values->len; v-- > 0;) {
                g_autoptr(MarinaDomainConfig) trial = marina_domain_config_copy(c);

                set_field(f, first_device(trial, type), values->pdata[v]);
                if (marina_domain_config_validate(trial, NULL)) {
                    set_field(f, first_device(c, type), values->pdata[v]);
                    break;
                }
            }
        }
    }
    xml = marina_domain_config_to_xml(c);
    back = marina_domain_config_parse(xml, -1, NULL, &error);
    if (back == NULL)
        fail_msg("the written XML does not parse: %s\n%s", error->message, xml);
    for (guint t = 0; all_types(t) != NULL; t++)
        assert_devices_equal(all_types(t), first_device(c, all_types(t)),
                             first_device(back, all_types(t)), "every field set");
}

/* The element holding @f in a copy of the base document, created if absent. */
static xmlNode *
holder(xmlDoc *doc, const MarinaDeviceType *type, const MarinaField *f)
{
    xmlNode *devices = NULL, *dev = NULL, *child;

    for (child = xmlDocGetRootElement(doc)->children; child != NULL; child = child->next)
        if (child->type == XML_ELEMENT_NODE && xmlStrEqual(child->name, BAD_CAST "devices"))
            devices = child;
    for (child = devices->children; child != NULL && dev == NULL; child = child->next)
        if (child->type == XML_ELEMENT_NODE && xmlStrEqual(child->name, BAD_CAST type->element))
            dev = child;
    if (f->element == NULL)
        return dev;
    for (child = dev->children; child != NULL; child = child->next)
        if (child->type == XML_ELEMENT_NODE && xmlStrEqual(child->name, BAD_CAST f->element))
            return child;
    return xmlNewChild(dev, NULL, BAD_CAST f->element, NULL);
}

static const char *
hostile_value(const MarinaField *f)
{
    switch (f->kind) {
    case MARINA_FIELD_STRING:
        return "line\none";
    case MARINA_FIELD_TOKEN:
        return "a;rm -rf /";
    case MARINA_FIELD_PATH:
        return "relative/path";
    case MARINA_FIELD_NAME:
    case MARINA_FIELD_ENUM:
        return "no-such-value";
    case MARINA_FIELD_UINT:
    case MARINA_FIELD_INT:
    case MARINA_FIELD_BOOT_ORDER:
        return "99999999999";
    case MARINA_FIELD_MAC:
        return "zz:54:00:00:00:01";
    case MARINA_FIELD_FIXED:
        return "not-it";
    case MARINA_FIELD_BOOL:
        return "maybe";
    case MARINA_FIELD_FLAG:
    case MARINA_FIELD_HOOK:
        return NULL;
    }
    return NULL;
}

/* A hostile value in any described attribute or text is refused, and the
 * message names the element (and the attribute, for attributes). */
static void
test_hostile_values_are_refused_by_name(void **state)
{
    guint checked = 0;

    for (guint t = 0; all_types(t) != NULL; t++) {
        const MarinaDeviceType *type = all_types(t);

        for (guint i = 0; i < type->n_fields; i++) {
            const MarinaField *f = &type->fields[i];
            const char *value = hostile_value(f);
            g_autoptr(xmlDoc) doc = NULL;
            g_autoptr(MarinaDomainConfig) c = NULL;
            g_autoptr(GError) error = NULL;
            g_autofree char *element = NULL;
            xmlChar *xml = NULL;
            int len = 0;
            xmlNode *node;

            if (value == NULL)
                continue;
            doc = xmlReadMemory(base_xml, sizeof base_xml - 1, NULL, NULL, XML_PARSE_NONET);
            node = holder(doc, type, f);
            if (f->attribute != NULL)
                xmlSetProp(node, BAD_CAST f->attribute, BAD_CAST value);
            else
                xmlNodeSetContent(node, BAD_CAST value);
            xmlDocDumpMemory(doc, &xml, &len);
            c = marina_domain_config_parse((const char *)xml, len, NULL, &error);
            if (c != NULL)
                fail_msg("<%s> field %u accepted '%s':\n%s", type->element, i, value, xml);
            xmlFree(xml);
            assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG));
            element = g_strdup_printf("<%s", f->element != NULL ? f->element : type->element);
            if (strstr(error->message, element) == NULL ||
                (f->attribute != NULL && f->kind != MARINA_FIELD_PATH &&
                 strstr(error->message, f->attribute) == NULL))
                fail_msg("<%s> field %u: '%s' does not name %s %s", type->element, i,
                         error->message, element, f->attribute != NULL ? f->attribute : "");
            checked++;
        }
    }
    assert_true(checked > 30);
}

/* Mistakes a new table line could make, caught before any XML is read. */
static void
test_device_tables_are_well_formed(void **state)
{
    for (guint t = 0; all_types(t) != NULL; t++) {
        const MarinaDeviceType *type = all_types(t);

        assert_non_null(type->element);
        assert_non_null(type->path);
        assert_non_null(type->short_path);
        assert_true(type->list_offset == 0 || (type->free_func != NULL && type->plural != NULL));
        for (guint i = 0; i < type->n_fields; i++) {
            const MarinaField *f = &type->fields[i];
            gboolean checked = !(f->flags & MARINA_FIELD_HAND_CHECKED);

            /* Inside the struct, and not overlapping the next field's storage. */
            assert_true(f->kind == MARINA_FIELD_FIXED || f->kind == MARINA_FIELD_HOOK ||
                        f->offset + sizeof(int) <= type->size);
            if (f->kind == MARINA_FIELD_HOOK)
                assert_true(f->parse != NULL && f->format != NULL);
            if (f->kind == MARINA_FIELD_NAME || f->kind == MARINA_FIELD_ENUM)
                assert_non_null(f->values);
            if (checked && f->kind != MARINA_FIELD_FLAG && f->kind != MARINA_FIELD_FIXED &&
                f->kind != MARINA_FIELD_MAC && f->kind != MARINA_FIELD_BOOT_ORDER &&
                f->kind != MARINA_FIELD_INT && f->kind != MARINA_FIELD_HOOK)
                assert_non_null(f->label); /* messages name the field */
            if (f->flags & MARINA_FIELD_DEVICE_LABEL)
                assert_non_null(type->name_format);
            if (f->kind == MARINA_FIELD_FIXED)
                assert_true(f->example != NULL && f->invalid != NULL);
            if (f->kind == MARINA_FIELD_UINT)
                assert_true(f->min <= f->max && f->max <= G_MAXUINT);
            /* A child element's fields are written as one element: adjacent. */
            for (guint j = i + 2; f->element != NULL && j < type->n_fields; j++) {
                if (g_strcmp0(type->fields[j].element, f->element) == 0 &&
                    g_strcmp0(type->fields[j - 1].element, f->element) != 0)
                    fail_msg("<%s>: the fields on <%s> are not next to each other", type->element,
                             f->element);
            }
        }
    }
}

/* Free and copy cover every string a description lists (run under valgrind
 * or ASan this also shows that none leaks). */
static void
test_copy_is_deep(void **state)
{
    g_autoptr(MarinaDomainConfig) base = parse_base();
    g_autoptr(MarinaDomainConfig) copy = marina_domain_config_copy(base);

    for (guint t = 0; all_types(t) != NULL; t++) {
        const MarinaDeviceType *type = all_types(t);
        gpointer a = first_device(base, type), b = first_device(copy, type);

        assert_ptr_not_equal(a, b);
        for (guint i = 0; i < type->n_fields; i++) {
            const MarinaField *f = &type->fields[i];
            char *sa, *sb;

            if (!is_string(f->kind))
                continue;
            sa = *(char **)FIELD_AT(a, f);
            sb = *(char **)FIELD_AT(b, f);
            assert_true(sa == NULL ? sb == NULL : (sa != sb && g_str_equal(sa, sb)));
        }
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_field_round_trips),
        cmocka_unit_test(test_config_with_every_field_set_round_trips),
        cmocka_unit_test(test_hostile_values_are_refused_by_name),
        cmocka_unit_test(test_device_tables_are_well_formed),
        cmocka_unit_test(test_copy_is_deep),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
