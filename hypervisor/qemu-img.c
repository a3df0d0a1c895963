#define G_LOG_DOMAIN "marinad-storage"

#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "core/error.h"
#include "qemu-img.h"

const char *
marina_qemu_img_preallocation(const MarinaVolumeConfig *config)
{
    if (!config->has_allocation || config->allocation == 0)
        return NULL;
    return config->allocation >= config->capacity ? "preallocation=full" : "preallocation=falloc";
}

char **
marina_qemu_img_create_argv(const MarinaVolumeConfig *config, const char *target)
{
    GPtrArray *argv = g_ptr_array_new();
    const char *prealloc = marina_qemu_img_preallocation(config);

    g_ptr_array_add(argv, g_strdup("qemu-img"));
    g_ptr_array_add(argv, g_strdup("create"));
    g_ptr_array_add(argv, g_strdup("-f"));
    g_ptr_array_add(argv, g_strdup(config->format));
    if (prealloc != NULL) {
        g_ptr_array_add(argv, g_strdup("-o"));
        g_ptr_array_add(argv, g_strdup(prealloc));
    }
    if (config->backing_path != NULL) {
        g_ptr_array_add(argv, g_strdup("-b"));
        g_ptr_array_add(argv, g_strdup(config->backing_path));
        g_ptr_array_add(argv, g_strdup("-F"));
        g_ptr_array_add(argv, g_strdup(config->backing_format));
    }
    g_ptr_array_add(argv, g_strdup(target));
    g_ptr_array_add(argv, g_strdup_printf("%" G_GUINT64_FORMAT, config->capacity));
    g_ptr_array_add(argv, NULL);
    return (char **)g_ptr_array_free(argv, FALSE);
}

/* ---------------------------------------------------------------------- */
/* info                                                                   */

static gboolean
json_uint(JsonObject *o, const char *member, guint64 *out)
{
    JsonNode *n = json_object_get_member(o, member);
    gint64 v;

    if (n == NULL || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64)
        return FALSE;
    v = json_node_get_int(n);
    if (v < 0)
        return FALSE;
    *out = v;
    return TRUE;
}

MarinaVolumeConfig *
marina_qemu_img_parse_info(const char *json, const char *name, const char *path, GError **error)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(MarinaVolumeConfig) c = g_new0(MarinaVolumeConfig, 1);
    JsonObject *o;
    const char *format, *backing;

    if (!marina_storage_command_load_json(parser, json) ||
        !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser))) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                    _("Volume '%s': cannot read the image %s: %s"), name, path,
                    _("qemu-img gave an unreadable answer"));
        return NULL;
    }
    o = json_node_get_object(json_parser_get_root(parser));
    format = marina_storage_command_json_string(o, "format");
    backing = marina_storage_command_json_string(o, "full-backing-filename");
    if (backing == NULL)
        backing = marina_storage_command_json_string(o, "backing-filename");
    if (format == NULL || !json_uint(o, "virtual-size", &c->capacity)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                    _("Volume '%s': qemu-img did not report the format and size of %s."), name,
                    path);
        return NULL;
    }
    json_uint(o, "actual-size", &c->allocation);
    c->name = g_strdup(name);
    c->key = g_strdup(path);
    c->path = g_strdup(path);
    c->format = g_strdup(format);
    c->backing_path = g_strdup(backing);
    c->backing_format = g_strdup(marina_storage_command_json_string(o, "backing-filename-format"));
    return g_steal_pointer(&c);
}

typedef struct {
    char *name;
    char *path;
    MarinaQemuImgInfoDone done;
    gpointer data;
} InfoOp;

static void
on_info_done(gboolean ok, const char *output, gpointer data)
{
    InfoOp *op = data;
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaVolumeConfig) info = NULL;

    if (!ok) {
        error = g_error_new(MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                            _("Volume '%s': cannot read the image %s: %s"), op->name, op->path,
                            marina_storage_command_last_line(output));
    } else {
        info = marina_qemu_img_parse_info(output, op->name, op->path, &error);
    }
    if (error != NULL)
        g_debug("qemu-img info %s: %s", op->path, output);
    op->done(info, error, op->data);
    g_free(op->name);
    g_free(op->path);
    g_free(op);
}

void
marina_qemu_img_info(const char *name, const char *path, const char *format,
                     MarinaQemuImgInfoDone done, gpointer data)
{
    const char *argv[] = {"qemu-img", "info", "--output=json", "-U", "-f", format, path, NULL};
    InfoOp *op = g_new0(InfoOp, 1);

    op->name = g_strdup(name);
    op->path = g_strdup(path);
    op->done = done;
    op->data = data;
    marina_storage_command_run(argv, NULL, 0, NULL, on_info_done, op);
}

/* ---------------------------------------------------------------------- */
/* resize, convert                                                        */

void
marina_qemu_img_resize(const char *path, const char *format, guint64 capacity,
                       MarinaCommandDone done, gpointer data)
{
    g_autofree char *size = g_strdup_printf("%" G_GUINT64_FORMAT, capacity);
    const char *argv[] = {"qemu-img", "resize", "-f", format, path, size, NULL};

    marina_storage_command_run(argv, NULL, 0, NULL, done, data);
}

void
marina_qemu_img_convert(const char *source, const char *target, const char *in_format,
                        const char *out_format, gboolean target_exists, MarinaJob *job,
                        guint64 total, MarinaCommandDone done, gpointer data)
{
    const char *create[] = {"qemu-img", "convert",  "-p",   "-f",   in_format,
                            "-O",       out_format, source, target, NULL};
    /* -n: the target exists already (a new logical volume). */
    const char *into[] = {"qemu-img", "convert",  "-p",   "-n",   "-f", in_format,
                          "-O",       out_format, source, target, NULL};

    marina_storage_command_run(target_exists ? into : create, job, MAX(total, 1), NULL, done, data);
}
