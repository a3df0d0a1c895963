#define G_LOG_DOMAIN "marinad-storage"

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "storage-command.h"

/* What a program may print before we keep only its tail. */
#define OUTPUT_MAX (64 * 1024)
/* qemu-img info and LVM reports nest four or five levels. */
#define JSON_DEPTH_MAX 32

typedef struct {
    GSubprocess *process;
    GInputStream *out;
    GString *output;
    MarinaJob *job;
    guint64 percent_of; /* bytes, for the percentage; 0: no percentage */
    char *watch_path;
    guint timer;
    gulong cancel_id;
    MarinaCommandDone done;
    gpointer data;
    char buf[4096];
} Run;

static void
run_free(Run *run)
{
    if (run->timer != 0)
        g_source_remove(run->timer);
    if (run->job != NULL && run->cancel_id != 0)
        g_cancellable_disconnect(marina_job_get_cancellable(run->job), run->cancel_id);
    g_clear_object(&run->process);
    g_clear_object(&run->out);
    g_clear_object(&run->job);
    g_string_free(run->output, TRUE);
    g_free(run->watch_path);
    g_free(run);
}

gboolean
marina_storage_command_parse_percent(const char *output, double *percent)
{
    const char *end = g_strrstr(output, "/100%)");
    const char *start;
    char *stop = NULL;
    double pct;

    if (end == NULL)
        return FALSE;
    for (start = end; start > output && start[-1] != '('; start--)
        ;
    pct = g_ascii_strtod(start, &stop);
    if (stop == start || !(pct >= 0 && pct <= 100))
        return FALSE;
    *percent = pct;
    return TRUE;
}

static gboolean
on_watch_tick(gpointer data)
{
    Run *run = data;
    GStatBuf st;

    if (g_stat(run->watch_path, &st) == 0)
        marina_job_set_progress(run->job, (guint64)st.st_blocks * 512);
    return G_SOURCE_CONTINUE;
}

static void
on_run_waited(GObject *source, GAsyncResult *result, gpointer data)
{
    Run *run = data;
    gboolean ok = g_subprocess_wait_finish(run->process, result, NULL) &&
                  g_subprocess_get_if_exited(run->process) &&
                  g_subprocess_get_exit_status(run->process) == 0;

    run->done(ok, g_strstrip(run->output->str), run->data);
    run_free(run);
}

static void
on_run_read(GObject *source, GAsyncResult *result, gpointer data)
{
    Run *run = data;
    gssize n = g_input_stream_read_finish(run->out, result, NULL);
    double pct;

    if (n <= 0) {
        g_subprocess_wait_async(run->process, NULL, on_run_waited, run);
        return;
    }
    g_string_append_len(run->output, run->buf, n);
    if (run->percent_of != 0 && run->job != NULL &&
        marina_storage_command_parse_percent(run->output->str, &pct))
        marina_job_set_progress(run->job, (guint64)(pct / 100.0 * (double)run->percent_of));
    if (run->output->len > OUTPUT_MAX)
        g_string_erase(run->output, 0, run->output->len - OUTPUT_MAX / 2);
    g_input_stream_read_async(run->out, run->buf, sizeof run->buf, G_PRIORITY_DEFAULT, NULL,
                              on_run_read, run);
}

static void
on_job_cancelled(GCancellable *cancellable, gpointer data)
{
    Run *run = data;

    g_subprocess_force_exit(run->process);
}

void
marina_storage_command_run(const char *const *argv, MarinaJob *job, guint64 percent_of,
                           const char *watch_path, MarinaCommandDone done, gpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *cmd = g_strjoinv(" ", (char **)argv);
    Run *run = g_new0(Run, 1);

    g_debug("running %s", cmd);
    run->output = g_string_new(NULL);
    run->done = done;
    run->data = data;
    run->process =
        g_subprocess_newv(argv,
                          G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE |
                              G_SUBPROCESS_FLAGS_STDIN_INHERIT,
                          &error);
    if (run->process == NULL) {
        g_string_assign(run->output, error->message);
        done(FALSE, run->output->str, data);
        run_free(run);
        return;
    }
    run->out = g_object_ref(g_subprocess_get_stdout_pipe(run->process));
    if (job != NULL) {
        run->job = g_object_ref(job);
        run->percent_of = percent_of;
        run->cancel_id = g_cancellable_connect(marina_job_get_cancellable(job),
                                               G_CALLBACK(on_job_cancelled), run, NULL);
        if (watch_path != NULL) {
            run->watch_path = g_strdup(watch_path);
            run->timer = g_timeout_add(200, on_watch_tick, run);
        }
    }
    g_input_stream_read_async(run->out, run->buf, sizeof run->buf, G_PRIORITY_DEFAULT, NULL,
                              on_run_read, run);
}

const char *
marina_storage_command_last_line(const char *output)
{
    const char *nl = strrchr(output, '\n');

    return nl != NULL ? nl + 1 : output;
}

/* Whether @text nests arrays and objects at most JSON_DEPTH_MAX deep (brackets
 * in strings aside). */
static gboolean
json_depth_ok(const char *text)
{
    gboolean in_string = FALSE;
    int depth = 0;

    for (const char *c = text; *c != '\0'; c++) {
        if (in_string) {
            if (*c == '\\' && c[1] != '\0')
                c++;
            else if (*c == '"')
                in_string = FALSE;
        } else if (*c == '"') {
            in_string = TRUE;
        } else if (*c == '[' || *c == '{') {
            if (++depth > JSON_DEPTH_MAX)
                return FALSE;
        } else if (*c == ']' || *c == '}') {
            depth--;
        }
    }
    return TRUE;
}

gboolean
marina_storage_command_load_json(JsonParser *parser, const char *output)
{
    return json_depth_ok(output) && json_parser_load_from_data(parser, output, -1, NULL) &&
           json_parser_get_root(parser) != NULL;
}

const char *
marina_storage_command_json_string(JsonObject *o, const char *member)
{
    JsonNode *n = json_object_get_member(o, member);

    if (n == NULL || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
        return NULL;
    return json_node_get_string(n);
}
