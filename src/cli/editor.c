/* The edit loop of `marinactl edit` / `net-edit` (editor.h). */

#define G_LOG_DOMAIN "marinactl"

#include "config.h"

#include "editor.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "error.h"

/* An edited definition larger than this is not one. */
#define EDIT_MAX_SIZE (16 * 1024 * 1024)

typedef struct {
    const CliEdit *edit;
    char *path;     /* the private temporary file */
    char *original; /* what "i" goes back to; the reread text once someone else changed it */
    char *text;     /* the last edited text */
} EditRun;

static void
edit_run_clear(EditRun *run)
{
    g_free(run->path);
    g_free(run->original);
    g_free(run->text);
}

const char *
cli_edit_editor(void)
{
    const char *editor = g_getenv("VISUAL");

    if (editor == NULL || *editor == '\0')
        editor = g_getenv("EDITOR");
    if (editor == NULL || *editor == '\0')
        editor = "vi";
    return editor;
}

static gboolean
write_all(int fd, const char *text, GError **error)
{
    gsize len = strlen(text);

    while (len > 0) {
        ssize_t n = write(fd, text, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int saved = errno;
            g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved),
                        _("Could not write the temporary file: %s"), g_strerror(saved));
            return FALSE;
        }
        text += n;
        len -= (gsize)n;
    }
    return TRUE;
}

/* A new private file (0600, created by mkstemp) holding @text. */
static char *
create_temp_file(const char *text, GError **error)
{
    g_autofree char *path = NULL;
    int fd = g_file_open_tmp("marina-XXXXXX.xml", &path, error);
    gboolean ok;

    if (fd < 0)
        return NULL;
    ok = write_all(fd, text, error);
    if (close(fd) != 0 && ok) {
        int saved = errno;
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved),
                    _("Could not write the temporary file: %s"), g_strerror(saved));
        ok = FALSE;
    }
    if (!ok) {
        g_unlink(path);
        return NULL;
    }
    return g_steal_pointer(&path);
}

/* Puts @text back into the file (for "i"), in place so the file stays the private one. */
static gboolean
rewrite_file(const char *path, const char *text, GError **error)
{
    int fd = g_open(path, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    gboolean ok;

    if (fd < 0) {
        int saved = errno;
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved), _("Could not write %s: %s"),
                    path, g_strerror(saved));
        return FALSE;
    }
    ok = write_all(fd, text, error);
    close(fd);
    return ok;
}

static char *
read_back(const char *path, GError **error)
{
    g_autofree char *text = NULL;
    gsize len = 0;

    if (!g_file_get_contents(path, &text, &len, error))
        return NULL;
    if (len > EDIT_MAX_SIZE) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("The edited file %s is larger than %d MiB."), path,
                    EDIT_MAX_SIZE / (1024 * 1024));
        return NULL;
    }
    if (memchr(text, '\0', len) != NULL) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("The edited file %s contains a NUL byte; it is not text."), path);
        return NULL;
    }
    return g_steal_pointer(&text);
}

/* The editor's signals are its own: a Ctrl+C there must not end marinactl (as git does). */
static void
editor_child_setup(gpointer user_data)
{
    (void)user_data;
    signal(SIGINT, SIG_DFL);
    signal(SIGQUIT, SIG_DFL);
}

/* Runs the editor on @path in the foreground, with our terminal. The editor string goes
 * through the shell so "emacs -nw" or "code --wait" work; the path is passed as "$1". */
static gboolean
run_editor(const char *path, GError **error)
{
    const char *editor = cli_edit_editor();
    g_autofree char *script = g_strdup_printf("%s \"$@\"", editor);
    const char *argv[] = {"/bin/sh", "-c", script, editor, path, NULL};
    struct sigaction ignore = {.sa_handler = SIG_IGN}, old_int, old_quit;
    g_autoptr(GError) local = NULL;
    int status = 0;
    gboolean ok;

    fflush(stdout);
    fflush(stderr);
    sigemptyset(&ignore.sa_mask);
    sigaction(SIGINT, &ignore, &old_int);
    sigaction(SIGQUIT, &ignore, &old_quit);
    ok = g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_CHILD_INHERITS_STDIN, editor_child_setup,
                      NULL, NULL, NULL, &status, &local) &&
         g_spawn_check_wait_status(status, &local);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGQUIT, &old_quit, NULL);
    if (!ok) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_FAILED,
                    _("The editor '%s' failed: %s. Set $VISUAL or $EDITOR to the editor to use."),
                    editor, local->message);
        return FALSE;
    }
    return TRUE;
}

static void
print_error(const GError *error)
{
    fflush(stdout);
    fprintf(stderr, _("error: %s\n"), marina_error_message(error));
    fflush(stderr);
}

static void
print_help(void)
{
    printf("\n%s\n%s\n%s\n%s\n%s\n", _("y - yes, start the editor again on my changes"),
           _("n - no, throw away my changes"), _("i - start the editor again on the original text"),
           _("f - force, try to apply again (even if it was changed by someone else meanwhile)"),
           _("? - print this help"));
}

/* One key without Enter, as virsh reads it. */
static int
read_key(void)
{
    struct termios old, raw;
    gboolean restore = tcgetattr(STDIN_FILENO, &old) == 0;
    unsigned char c = 0;
    ssize_t n;

    if (restore) {
        raw = old;
        raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
        raw.c_cc[VMIN] = 1;
        raw.c_cc[VTIME] = 0;
        tcsetattr(STDIN_FILENO, TCSANOW, &raw);
    }
    do
        n = read(STDIN_FILENO, &c, 1);
    while (n < 0 && errno == EINTR);
    if (restore)
        tcsetattr(STDIN_FILENO, TCSANOW, &old);
    return n == 1 ? g_ascii_tolower(c) : EOF;
}

/* virsh's question after a failure: 'y', 'n', 'i' or 'f'; EOF when the terminal is gone. */
static int
ask_again(const char *message)
{
    for (;;) {
        int c;

        printf("\r%s %s %s: ", message, _("Try again?"), "[y,n,i,f,?]");
        fflush(stdout);
        c = read_key();
        if (c == EOF) {
            printf("\n");
            return EOF;
        }
        if (c == 'y' || c == 'n' || c == 'i' || c == 'f') {
            printf("%c\n", c);
            return c;
        }
        if (c == '?') {
            printf("%c\n", c);
            print_help();
        }
    }
}

static CliEditOutcome
keep_file(EditRun *run, char **kept_path)
{
    fprintf(stderr, _("Your edited text is kept in %s\n"), run->path);
    fflush(stderr);
    if (kept_path != NULL)
        *kept_path = g_strdup(run->path);
    return CLI_EDIT_FAILED;
}

static CliEditOutcome
finish(EditRun *run, CliEditOutcome outcome, const char *message)
{
    if (message != NULL)
        printf("%s\n", message);
    fflush(stdout);
    g_unlink(run->path);
    return outcome;
}

/* Runs the editor once into run->text; FALSE after a failure (printed, *outcome set; the file
 * kept when it holds changes). */
static gboolean
edit_once(EditRun *run, char **kept_path, CliEditOutcome *outcome)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *text = NULL;

    if (!run_editor(run->path, &error)) {
        g_autoptr(GError) ignored = NULL;
        g_autofree char *now = read_back(run->path, &ignored);

        print_error(error);
        if (now != NULL && g_strcmp0(now, run->original) == 0)
            *outcome = finish(run, CLI_EDIT_FAILED, NULL);
        else
            *outcome = keep_file(run, kept_path);
        return FALSE;
    }
    text = read_back(run->path, &error);
    if (text == NULL) {
        print_error(error);
        *outcome = keep_file(run, kept_path);
        return FALSE;
    }
    g_free(run->text);
    run->text = g_steal_pointer(&text);
    return TRUE;
}

/* Applies the edited text: NULL on success, else the question's message (error printed). */
static const char *
try_apply(EditRun *run, gboolean force, GError **error)
{
    const CliEdit *edit = run->edit;

    if (edit->reread != NULL && !force) {
        g_autofree char *now = edit->reread(edit->user_data, error);

        if (now == NULL)
            return NULL;
        if (strcmp(now, run->original) != 0) {
            g_free(run->original);
            run->original = g_steal_pointer(&now);
            return _("The XML configuration was changed by someone else.");
        }
    }
    if (!g_utf8_validate(run->text, -1, NULL)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("The edited text is not valid UTF-8."));
        return _("Failed.");
    }
    if (!edit->apply(run->text, edit->user_data, error))
        return _("Failed.");
    return NULL;
}

static CliEditOutcome
edit_loop(EditRun *run, char **kept_path)
{
    CliEditOutcome outcome = CLI_EDIT_FAILED;
    gboolean force = FALSE;

    for (;;) {
        g_autoptr(GError) error = NULL;
        const char *message;
        int answer;

        if (!force) {
            if (!edit_once(run, kept_path, &outcome))
                return outcome;
            if (strcmp(run->text, run->original) == 0)
                return finish(run, CLI_EDIT_UNCHANGED, run->edit->unchanged_message);
        }
        message = try_apply(run, force, &error);
        force = FALSE;
        if (message == NULL && error == NULL)
            return finish(run, CLI_EDIT_APPLIED, run->edit->edited_message);
        if (error != NULL)
            print_error(error);
        if (message == NULL || !isatty(STDIN_FILENO)) {
            /* No one to ask (or the object could not be read again): keep the text. */
            if (message != NULL && error == NULL) {
                fflush(stdout);
                fprintf(stderr, _("error: %s\n"), message);
            }
            return keep_file(run, kept_path);
        }
        answer = ask_again(message);
        if (answer == EOF)
            return keep_file(run, kept_path);
        if (answer == 'n')
            return finish(run, CLI_EDIT_DISCARDED, NULL);
        if (answer == 'i') {
            if (!rewrite_file(run->path, run->original, &error)) {
                print_error(error);
                return keep_file(run, kept_path);
            }
        } else if (answer == 'f' && run->edit->reread != NULL) {
            force = TRUE;
        }
        /* 'y' (and 'f' where nothing can be forced): the editor again, on the file as the
         * user left it. */
    }
}

CliEditOutcome
cli_edit_run(const CliEdit *edit, char **kept_path)
{
    g_autoptr(GError) error = NULL;
    EditRun run = {.edit = edit};
    CliEditOutcome outcome;

    g_return_val_if_fail(edit != NULL && edit->original != NULL && edit->apply != NULL,
                         CLI_EDIT_FAILED);
    if (kept_path != NULL)
        *kept_path = NULL;
    run.path = create_temp_file(edit->original, &error);
    if (run.path == NULL) {
        print_error(error);
        return CLI_EDIT_FAILED;
    }
    run.original = g_strdup(edit->original);
    outcome = edit_loop(&run, kept_path);
    edit_run_clear(&run);
    return outcome;
}
