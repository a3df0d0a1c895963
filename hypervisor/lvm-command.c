#define G_LOG_DOMAIN "marinad-storage"

#include "config.h"

#include <fcntl.h>
#include <glib/gi18n.h>
#include <string.h>
#include <unistd.h>

#include "lvm-command.h"
#include "storage-command.h"

typedef struct {
    GSubprocess *process;
    char *command;
    MarinaLvmDone done;
    gpointer data;
} LvmRun;

static char *
bytes_text(GBytes *bytes)
{
    gsize len = 0;
    const char *data = bytes != NULL ? g_bytes_get_data(bytes, &len) : NULL;

    return data != NULL ? g_utf8_make_valid(data, len) : g_strdup("");
}

static void
on_lvm_exited(GObject *source, GAsyncResult *result, gpointer data)
{
    LvmRun *run = data;
    g_autoptr(GBytes) out = NULL;
    g_autoptr(GBytes) err = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *out_text = NULL;
    g_autofree char *err_text = NULL;
    gboolean ok = g_subprocess_communicate_finish(run->process, result, &out, &err, &error);

    if (ok) {
        ok = g_subprocess_get_if_exited(run->process) &&
             g_subprocess_get_exit_status(run->process) == 0;
        out_text = bytes_text(out);
        err_text = bytes_text(err);
    } else {
        out_text = g_strdup("");
        err_text = g_strdup(error->message);
    }
    g_strstrip(err_text);
    g_debug("%s: %s %s", run->command, ok ? "ok" : "failed", err_text);
    run->done(ok, out_text, err_text, run->data);
    g_object_unref(run->process);
    g_free(run->command);
    g_free(run);
}

/* Runs the LVM command @argv; @done gets its output and messages apart, as
 * the reports are JSON on standard output. */
void
marina_lvm_run(const char *const *argv, MarinaLvmDone done, gpointer data)
{
    g_autoptr(GSubprocessLauncher) launcher =
        g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
    g_autoptr(GError) error = NULL;
    LvmRun *run;
    GSubprocess *process;

    /* Messages in a known language (a few are matched below), and none of
     * the warnings LVM prints about every descriptor it inherits. */
    g_subprocess_launcher_setenv(launcher, "LVM_SUPPRESS_FD_WARNINGS", "1", TRUE);
    g_subprocess_launcher_setenv(launcher, "LC_ALL", "C", TRUE);
    process = g_subprocess_launcher_spawnv(launcher, argv, &error);
    if (process == NULL) {
        done(FALSE, "", error->message, data);
        return;
    }
    run = g_new0(LvmRun, 1);
    run->process = process;
    run->command = g_strjoinv(" ", (char **)argv);
    run->done = done;
    run->data = data;
    g_debug("running %s", run->command);
    g_subprocess_communicate_async(process, NULL, NULL, on_lvm_exited, run);
}

/* LVM's messages as one line a person can read in a dialog. */
char *
marina_lvm_reason(const char *err)
{
    g_auto(GStrv) lines = g_strsplit(err, "\n", -1);
    GString *s = g_string_new(NULL);

    for (char **l = lines; *l != NULL && s->len < 400; l++) {
        g_strstrip(*l);
        if (**l == '\0')
            continue;
        if (s->len > 0)
            g_string_append_c(s, ' ');
        g_string_append(s, *l);
    }
    /* The messages end with a period; ours adds its own. */
    while (s->len > 0 && s->str[s->len - 1] == '.')
        g_string_truncate(s, s->len - 1);
    if (s->len == 0)
        g_string_append(s, _("LVM gave no reason"));
    return g_string_free(s, FALSE);
}

/* Every logical volume is a device-mapper device. */
static gboolean
have_device_mapper(void)
{
    int fd = open("/dev/mapper/control", O_RDWR | O_CLOEXEC);

    if (fd < 0)
        return FALSE;
    close(fd);
    return TRUE;
}

gboolean
marina_lvm_lacks_device_mapper(const char *err)
{
    return !have_device_mapper() || strstr(err, "device-mapper target(s) not detected") != NULL;
}

/* The rows of an LVM JSON report, {"report": [{"<kind>": [{...}, ...]}]};
 * NULL when the text is not one. The array belongs to @parser. */
static JsonArray *
lvm_report_rows(JsonParser *parser, const char *text, const char *kind)
{
    JsonNode *node;
    JsonArray *reports;

    if (!marina_storage_command_load_json(parser, text))
        return NULL;
    node = json_parser_get_root(parser);
    if (!JSON_NODE_HOLDS_OBJECT(node))
        return NULL;
    node = json_object_get_member(json_node_get_object(node), "report");
    if (node == NULL || !JSON_NODE_HOLDS_ARRAY(node))
        return NULL;
    reports = json_node_get_array(node);
    if (json_array_get_length(reports) < 1)
        return NULL;
    node = json_array_get_element(reports, 0);
    if (!JSON_NODE_HOLDS_OBJECT(node))
        return NULL;
    node = json_object_get_member(json_node_get_object(node), kind);
    if (node == NULL || !JSON_NODE_HOLDS_ARRAY(node))
        return NULL;
    return json_node_get_array(node);
}

/* The rows of the report (@kind "vg" or "lv") that vgs or lvs answered with
 * @ok, @out and @err; NULL with *@why, what went wrong, when there are none. */
JsonArray *
marina_lvm_answer_rows(JsonParser *parser, gboolean ok, const char *out, const char *err,
                       const char *kind, char **why)
{
    JsonArray *rows = ok ? lvm_report_rows(parser, out, kind) : NULL;

    if (rows != NULL)
        return rows;
    if (!ok)
        *why = marina_lvm_reason(err);
    else if (g_str_equal(kind, "lv"))
        *why = g_strdup(_("lvs gave an unreadable answer"));
    else
        *why = g_strdup(_("vgs gave an unreadable answer"));
    return NULL;
}

JsonObject *
marina_lvm_row(JsonArray *rows, guint i)
{
    JsonNode *node = json_array_get_element(rows, i);

    return JSON_NODE_HOLDS_OBJECT(node) ? json_node_get_object(node) : NULL;
}

/* With --units b --nosuffix, sizes are strings of digits. */
gboolean
marina_lvm_size(JsonObject *row, const char *member, guint64 *out)
{
    const char *text = marina_storage_command_json_string(row, member);

    return text != NULL && g_ascii_string_to_unsigned(text, 10, 0, G_MAXINT64, out, NULL);
}
