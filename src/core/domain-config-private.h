#pragma once

/*
 * Shared by the files of the domain model, not for use elsewhere:
 *   domain-config.c    the model: new / free / copy, lookups
 *   domain-ids.c       names, UUIDs, MAC addresses, memory sizes
 *   domain-check.c     enumeration tables and the checks parse and validate share
 *   domain-xml.c       reading and writing steps: attributes, text, warnings
 *   domain-devices.c   one description per device type: its fields and hooks
 *   domain-devices-io.c  the same for serial ports, consoles, graphics, video, input, sound
 *   domain-devices-host.c  the same for host devices and the TPM
 *   domain-fields.c    parse, write, check, free and copy a device from its description
 *   domain-parse.c     XML to config (top-level elements, then the devices)
 *   domain-validate.c  the rules a config must follow
 *   domain-format.c    config to XML
 *
 * A device field is added in one place: a line in its device's table in
 * domain-devices.c or domain-devices-io.c (next to the struct member in
 * domain-config.h).
 */

#include <glib.h>
#include <libxml/tree.h>

#include "domain-config.h"

G_BEGIN_DECLS

/* Hostile-input bounds: a pasted document may be anything. */
#define MARINA_DC_MAX_DISKS 256
#define MARINA_DC_MAX_INTERFACES 64
#define MARINA_DC_MAX_CONTROLLERS 128
#define MARINA_DC_MAX_OTHER_DEVICES 32 /* serials, consoles, graphics, videos, inputs, ... */
#define MARINA_DC_MAX_HOSTDEVS 32
#define MARINA_DC_MAX_BOOT_DEVS 4
#define MARINA_DC_MAX_WARNINGS 100
#define MARINA_DC_MAX_VCPUS 255
#define MARINA_DC_MAX_MEMORY_KIB (G_GUINT64_CONSTANT(16) << 30) /* 16 TiB */
#define MARINA_DC_MAX_PATH_LEN 4096
#define MARINA_DC_MAX_CPUSET_CPU 4095
#define MARINA_DC_MAX_BOOT_ORDER 65535
#define MARINA_DC_MAX_NAME_LEN 64

/* ---- enumerations (domain-check.c): one table per attribute; the index is
 * the C enum value where a C enum exists. NULL-terminated. */
extern const char *const marina_dc_domain_types[];
extern const char *const marina_dc_os_types[];
extern const char *const marina_dc_arches[];
extern const char *const marina_dc_firmwares[];
extern const char *const marina_dc_boot_dev_names[];
extern const char *const marina_dc_cpu_modes[];
extern const char *const marina_dc_clock_offsets[];
extern const char *const marina_dc_lifecycle_actions[];
extern const char *const marina_dc_disk_types[];
extern const char *const marina_dc_disk_devices[];
extern const char *const marina_dc_disk_buses[];
extern const char *const marina_dc_disk_formats[];
extern const char *const marina_dc_disk_caches[];
extern const char *const marina_dc_disk_discards[];
extern const char *const marina_dc_hostdev_types[];
extern const char *const marina_dc_tpm_models[];
extern const char *const marina_dc_tpm_backends[];
extern const char *const marina_dc_tpm_versions[];
extern const char *const marina_dc_controller_types[];
extern const char *const marina_dc_net_types[];
extern const char *const marina_dc_net_models[];
extern const char *const marina_dc_char_types[];
extern const char *const marina_dc_serial_target_types[];
extern const char *const marina_dc_console_target_types[];
extern const char *const marina_dc_graphics_types[];
extern const char *const marina_dc_foreign_graphics_types[];
extern const char *const marina_dc_video_models[];
extern const char *const marina_dc_input_types[];
extern const char *const marina_dc_input_buses[];
extern const char *const marina_dc_sound_models[];
extern const char *const marina_dc_memballoon_models[];
extern const char *const marina_dc_rng_models[];
extern const char *const marina_dc_rng_backend_models[];
extern const char *const marina_dc_watchdog_models[];
extern const char *const marina_dc_watchdog_actions[];
extern const char *const marina_dc_yes_no[];

/* Index of @value in the NULL-terminated @allowed, or -1. */
int marina_dc_enum_index(const char *value, const char *const *allowed);
/* Name of an enum value for writing; out-of-range values (a config built in
 * code) fall back to the first entry instead of reading past the table. */
const char *marina_dc_enum_name(const char *const *table, int value);

/* ---- checks (domain-check.c); each sets MARINA_ERROR_INVALID_CONFIG and
 * returns FALSE, naming @what, the field as the user wrote it. */
gboolean marina_dc_fail(GError **error, const char *format, ...) G_GNUC_PRINTF(2, 3);
gboolean marina_dc_check_enum(const char *what, const char *value, const char *const *allowed,
                              GError **error);
gboolean marina_dc_parse_enum(const char *what, const char *value, const char *const *allowed,
                              int *out, GError **error);
gboolean marina_dc_check_text(const char *what, const char *text, gboolean allow_newlines,
                              GError **error);
gboolean marina_dc_check_path(const char *what, const char *path, const char *example,
                              GError **error);
gboolean marina_dc_check_token(const char *what, const char *value, gsize max_len, GError **error);
gboolean marina_dc_parse_uint(const char *what, const char *text, guint64 min, guint64 max,
                              guint64 *out, GError **error);
gboolean marina_dc_parse_guint(const char *what, const char *text, guint min, guint max, guint *out,
                               GError **error);
gboolean marina_dc_check_cpuset(const char *cpuset, GError **error);
gboolean marina_dc_check_cpulist(const char *element, const char *cpuset, GError **error);
gboolean marina_dc_check_mac(const char *mac, GError **error);
/* xx:xx:xx:xx:xx:xx with one or two hex digits per group, as libvirt accepts. */
gboolean marina_dc_mac_parse(const char *text, guint8 mac[6]);
gboolean marina_dc_mac_is_unicast(const guint8 mac[6]);

/* ---- reading XML (domain-fields.c) ---------------------------------------- */

typedef struct {
    GPtrArray *warnings; /* char*, owned here; moved to the caller on success */
    MarinaDomainConfig *cfg;
    guint seen_top; /* bit per top-level element kind: singletons */
    gboolean have_vcpu;
    gboolean have_current_vcpus;
    gboolean have_memballoon;
    gboolean hostdev_source_seen; /* of the <hostdev> being read */
    char *loader_type;
} MarinaDcParser;

/* A warning for the user, once per text, at most MARINA_DC_MAX_WARNINGS. */
void marina_dc_warn(MarinaDcParser *p, const char *format, ...) G_GNUC_PRINTF(2, 3);
gboolean marina_dc_node_is(const xmlNode *node, const char *name);
char *marina_dc_node_label(const xmlNode *node);
char *marina_dc_get_prop(const xmlNode *node, const char *name);
char *marina_dc_get_text(const xmlNode *node);
/* Replace *slot with the element's text, refusing a second occurrence. */
gboolean marina_dc_take_text(const xmlNode *node, const char *path, char **slot, GError **error);
void marina_dc_warn_element(MarinaDcParser *p, const char *parent, const xmlNode *node);
/* Every attribute not in @allowed or @quiet (NULL-terminated, may be NULL) is reported. */
void marina_dc_warn_attrs(MarinaDcParser *p, const xmlNode *node, const char *path,
                          const char *const *allowed, const char *const *quiet);
/* <address> and <alias>, which libvirt writes on every device of a running guest. */
gboolean marina_dc_is_quietly_ignored(const xmlNode *node);
void marina_dc_warn_children(MarinaDcParser *p, xmlNode *node, const char *path);
gboolean marina_dc_parse_yes_no(const char *what, const char *value, gboolean *out, GError **error);
gboolean marina_dc_parse_boot_order(MarinaDcParser *p, const xmlNode *node, const char *path,
                                    guint *out, GError **error);
gboolean marina_dc_check_count(GPtrArray *array, guint max, const char *what, GError **error);

#define MARINA_DC_ATTRS(...) ((const char *const[]){__VA_ARGS__, NULL})

#define MARINA_DC_FOR_EACH_ELEMENT(child, node)                                                    \
    for (xmlNode *child = (node)->children; child != NULL; child = child->next)                    \
        if (child->type == XML_ELEMENT_NODE)

/* ---- device descriptions (domain-devices.c) ------------------------------- */

typedef enum {
    MARINA_FIELD_STRING,     /* char*: one line of text */
    MARINA_FIELD_TOKEN,      /* char*: an identifier of at most .max characters */
    MARINA_FIELD_PATH,       /* char*: an absolute path (.example shows one) */
    MARINA_FIELD_NAME,       /* char*: one of .values, kept as written */
    MARINA_FIELD_ENUM,       /* C enum (int): the index into .values */
    MARINA_FIELD_UINT,       /* guint in .min ... .max; 0 = not set unless ALWAYS */
    MARINA_FIELD_INT,        /* int, read and written by the field's hooks */
    MARINA_FIELD_FLAG,       /* gboolean: an empty child element, e.g. <readonly/> */
    MARINA_FIELD_MAC,        /* char*: a unicast MAC address, stored in canonical form */
    MARINA_FIELD_BOOT_ORDER, /* guint: <boot order='N'/>; 0 = none */
    MARINA_FIELD_FIXED,      /* no storage: the attribute, if given, must be .example */
    MARINA_FIELD_BOOL,       /* gboolean: a yes/no attribute, written when TRUE (or ALWAYS) */
    /* No storage of its own: the field's parse / format hooks read and write
     * several numeric members at once (a hostdev's <source>), the device's
     * validate hook checks them. */
    MARINA_FIELD_HOOK,
} MarinaFieldKind;

typedef enum {
    MARINA_FIELD_REQUIRED = 1 << 0,      /* absent: parse fails with .missing; validate refuses */
    MARINA_FIELD_ALWAYS = 1 << 1,        /* written even when 0 */
    MARINA_FIELD_DEVICE_LABEL = 1 << 2,  /* .label is a format for the device's name */
    MARINA_FIELD_HAND_PARSED = 1 << 3,   /* read by the device's parse_child hook */
    MARINA_FIELD_HAND_CHECKED = 1 << 4,  /* checked by the device's validate hook */
    MARINA_FIELD_WARN_CHILDREN = 1 << 5, /* report child elements of .element */
} MarinaFieldFlags;

typedef struct _MarinaField MarinaField;

/* Hooks for a field that does not fit the pattern; @node is the device element. */
typedef gboolean (*MarinaFieldParse)(MarinaDcParser *p, gpointer dev, xmlNode *node,
                                     GError **error);
typedef void (*MarinaFieldFormat)(xmlNode *node, gconstpointer dev);

struct _MarinaField {
    const char *element;   /* child element holding it; NULL = the device element */
    const char *attribute; /* NULL = the element's text (or its presence, for FLAG) */
    MarinaFieldKind kind;
    gsize offset; /* of the member in the device struct */
    guint flags;  /* MarinaFieldFlags */
    /* Names the field in messages, e.g. "<controller model>"; with
     * DEVICE_LABEL a translatable format for the device's name. */
    const char *label;
    const char *const *values; /* NAME, ENUM */
    guint64 min, max;          /* UINT bounds; TOKEN maximum length */
    const char *example;       /* PATH: an example path; FIXED: the only value */
    const char *default_text;  /* string kinds: the value when absent */
    const char *missing;       /* REQUIRED: message when absent at parse */
    const char *invalid;       /* UINT: validation message (%u); FIXED: message (%s) */
    const char *const *quiet;  /* attributes of .element ignored without a warning */
    MarinaFieldParse parse;    /* instead of the generic reading (element: the child) */
    MarinaFieldFormat format;  /* instead of the generic writing */
};

typedef struct _MarinaDeviceType MarinaDeviceType;
struct _MarinaDeviceType {
    const char *element;    /* "disk" */
    const char *path;       /* "<devices>/<disk>", for warnings */
    const char *short_path; /* "<disk>", for its child elements */
    gsize size;             /* of the struct */
    gsize list_offset;      /* of its GPtrArray* in MarinaDomainConfig; 0 = single */
    guint max;              /* most devices of this type */
    const char *plural;     /* translatable, for the count message: "disks" */
    /* With DEVICE_LABEL fields: a translatable "Disk '%s'" and the string
     * member that fills it. */
    const char *name_format;
    gsize name_offset;
    const char *const *other_attrs;    /* device attributes read by hooks or ignored quietly */
    const char *const *quiet_children; /* child elements ignored quietly */
    const MarinaField *fields;
    guint n_fields;
    GDestroyNotify free_func;
    /* Hooks, all optional. */
    void (*init)(MarinaDcParser *p, gpointer dev, GPtrArray *list);
    gboolean (*parse_child)(MarinaDcParser *p, gpointer dev, xmlNode *child, gboolean *handled,
                            GError **error);
    gboolean (*finish)(MarinaDcParser *p, gpointer dev, GError **error);
    gboolean (*validate)(const MarinaDomainConfig *c, gconstpointer dev, guint index,
                         GError **error);
};

extern const MarinaDeviceType marina_dc_disk_type;
extern const MarinaDeviceType marina_dc_controller_type;
extern const MarinaDeviceType marina_dc_interface_type;
extern const MarinaDeviceType marina_dc_serial_type;
extern const MarinaDeviceType marina_dc_console_type;
extern const MarinaDeviceType marina_dc_graphics_type;
extern const MarinaDeviceType marina_dc_video_type;
extern const MarinaDeviceType marina_dc_input_type;
extern const MarinaDeviceType marina_dc_sound_type;
extern const MarinaDeviceType marina_dc_rng_type;
extern const MarinaDeviceType marina_dc_watchdog_type;
extern const MarinaDeviceType marina_dc_hostdev_type;
extern const MarinaDeviceType marina_dc_tpm_type; /* one at most: MarinaDomainConfig.tpm */

/* Whether two host devices name the same device of the host (domain-devices-host.c). */
gboolean marina_dc_hostdev_same_source(const MarinaHostdevConfig *a, const MarinaHostdevConfig *b);
/* "USB host device 046d:c52b", "PCI host device 0000:01:00.0" (translated). */
char *marina_dc_hostdev_name(const MarinaHostdevConfig *h);

/* Every device type kept in a list, in the order <devices> is written. */
extern const MarinaDeviceType *const marina_dc_list_types[];
extern const guint marina_dc_n_list_types;

/* The device list of @type in @config. */
GPtrArray *marina_dc_device_list(const MarinaDomainConfig *config, const MarinaDeviceType *type);

/* For the device tables (domain-devices.c, domain-devices-io.c). */
#define MARINA_DC_AT(type, member) .offset = G_STRUCT_OFFSET(type, member)
#define MARINA_DC_LIST(member) .list_offset = G_STRUCT_OFFSET(MarinaDomainConfig, member)
#define MARINA_DC_FIELDS(table) .fields = (table), .n_fields = G_N_ELEMENTS(table)
/* A GPtrArray free function for a device type. */
#define MARINA_DC_DEVICE_FREE_FUNC(name)                                                           \
    static void name##_free(gpointer dev)                                                          \
    {                                                                                              \
        marina_dc_device_free(&marina_dc_##name##_type, dev);                                      \
    }

/* ---- the generic machinery (domain-fields.c) ------------------------------ */

/* Reads @node into @dev (zeroed, already in its list). */
gboolean marina_dc_device_parse(MarinaDcParser *p, const MarinaDeviceType *type, gpointer dev,
                                xmlNode *node, GError **error);
/* Adds a new device to its list and reads @node into it. */
gboolean marina_dc_device_parse_into_list(MarinaDcParser *p, const MarinaDeviceType *type,
                                          xmlNode *node, GError **error);
void marina_dc_device_write(xmlNode *devices, const MarinaDeviceType *type, gconstpointer dev);
gboolean marina_dc_device_validate(const MarinaDomainConfig *config, const MarinaDeviceType *type,
                                   gconstpointer dev, guint index, GError **error);
void marina_dc_device_free(const MarinaDeviceType *type, gpointer dev);
gpointer marina_dc_device_copy(const MarinaDeviceType *type, gconstpointer dev);

/* Writing helpers (domain-xml.c). */
void marina_dc_set_prop(xmlNode *node, const char *name, const char *value);
void marina_dc_set_prop_uint(xmlNode *node, const char *name, guint64 value);
xmlNode *marina_dc_add_child(xmlNode *parent, const char *name);
xmlNode *marina_dc_add_text(xmlNode *parent, const char *name, const char *text);
/* <name attr='value'/> under @parent, when @value is set. */
void marina_dc_add_attr_child(xmlNode *parent, const char *name, const char *attr,
                              const char *value);

/* The hardened reader for the domain XML and its <metadata> (domain-parse.c). */
xmlDoc *marina_dc_read_xml(const char *xml, gssize len, GError **error);
xmlDoc *marina_dc_parse_metadata_fragment(const char *metadata_xml, GError **error);
/* One device element read into @p->cfg (a new, empty config) as inside
 * <devices> (domain-parse.c); the caller finds it in its list and validates it. */
gboolean marina_dc_parse_device_element(MarinaDcParser *p, xmlNode *node, GError **error);
/* The lowest index no other controller of @type (but @except) has. */
guint marina_dc_controller_free_index(const MarinaDomainConfig *c, const char *type,
                                      gconstpointer except);

G_END_DECLS
