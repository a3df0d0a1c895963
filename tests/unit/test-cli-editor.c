/* The edit loop of `marinactl edit` / `net-edit` (src/cli/editor.c): a real editor process (a
 * shell script as $EDITOR), the question answered through a pseudo-terminal on stdin, or no
 * terminal at all (/dev/null). */
#include "config.h"

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "editor.h"
#include "error.h"

#define ORIGINAL "<domain>original</domain>\n"
#define GOOD "<domain>good</domain>\n"
#define BAD "<domain>bad</domain>\n"

/* The editor: invocation N records the file it was given (path, mode, content) in the test
 * directory and, when the test left an edit-N file there, puts its content into the file. */
static const char editor_script[] =
    "#!/bin/sh\n"
    "d=\"$(dirname \"$0\")\"\n"
    "n=$(( $(cat \"$d/count\" 2>/dev/null || echo 0) + 1 ))\n"
    "echo $n > \"$d/count\"\n"
    "printf %s \"$1\" > \"$d/path-$n\"\n"
    "stat -c %a \"$1\" > \"$d/mode-$n\"\n"
    "cp \"$1\" \"$d/seen-$n\"\n"
    "if [ -f \"$d/edit-$n\" ]; then cat \"$d/edit-$n\" > \"$1\"; fi\n"
    "if [ -f \"$d/fail-$n\" ]; then exit 3; fi\n"
    "exit 0\n";

typedef struct {
    char *dir;
    int saved_stdin;
    int master; /* the pty's other side, or -1 */
    guint applied;
    char *applied_text;
    guint rereads;
    const char *reread_text; /* what reread returns (NULL: ORIGINAL) */
} Fixture;

static gboolean
apply_cb(const char *text, gpointer user_data, GError **error)
{
    Fixture *f = user_data;

    f->applied++;
    g_free(f->applied_text);
    f->applied_text = g_strdup(text);
    if (strstr(text, "good") == NULL) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG, "the text is not good");
        return FALSE;
    }
    return TRUE;
}

static char *
reread_cb(gpointer user_data, GError **error)
{
    Fixture *f = user_data;

    f->rereads++;
    return g_strdup(f->reread_text != NULL ? f->reread_text : ORIGINAL);
}

static char *
fixture_file(Fixture *f, const char *name)
{
    g_autofree char *path = g_build_filename(f->dir, name, NULL);
    char *text = NULL;

    if (!g_file_get_contents(path, &text, NULL, NULL))
        return NULL;
    return text;
}

static void
fixture_put(Fixture *f, const char *name, const char *text)
{
    g_autofree char *path = g_build_filename(f->dir, name, NULL);

    assert_true(g_file_set_contents(path, text, -1, NULL));
}

static int
editor_runs(Fixture *f)
{
    g_autofree char *count = fixture_file(f, "count");

    return count != NULL ? atoi(count) : 0;
}

static int
setup(void **state)
{
    Fixture *f = g_new0(Fixture, 1);
    g_autofree char *script = NULL;

    f->dir = g_dir_make_tmp("marina-editor-test-XXXXXX", NULL);
    assert_non_null(f->dir);
    script = g_build_filename(f->dir, "editor.sh", NULL);
    assert_true(g_file_set_contents(script, editor_script, -1, NULL));
    assert_int_equal(g_chmod(script, 0700), 0);
    g_unsetenv("VISUAL");
    g_setenv("EDITOR", script, TRUE);
    f->saved_stdin = dup(STDIN_FILENO);
    f->master = -1;
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    Fixture *f = *state;
    g_autoptr(GDir) dir = g_dir_open(f->dir, 0, NULL);
    const char *name;

    dup2(f->saved_stdin, STDIN_FILENO);
    close(f->saved_stdin);
    if (f->master >= 0)
        close(f->master);
    while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
        g_autofree char *path = g_build_filename(f->dir, name, NULL);
        g_unlink(path);
    }
    g_rmdir(f->dir);
    g_free(f->dir);
    g_free(f->applied_text);
    g_free(f);
    return 0;
}

static void
stdin_not_a_tty(void)
{
    int fd = open("/dev/null", O_RDONLY);

    assert_true(fd >= 0);
    dup2(fd, STDIN_FILENO);
    close(fd);
}

/* stdin becomes a pseudo-terminal with @answers already typed. */
static void
stdin_pty(Fixture *f, const char *answers)
{
    struct termios raw;
    int slave;

    f->master = posix_openpt(O_RDWR | O_NOCTTY);
    assert_true(f->master >= 0);
    assert_int_equal(grantpt(f->master), 0);
    assert_int_equal(unlockpt(f->master), 0);
    slave = open(ptsname(f->master), O_RDWR | O_NOCTTY);
    assert_true(slave >= 0);
    /* The keys are read one at a time, without Enter, and not echoed back. */
    assert_int_equal(tcgetattr(slave, &raw), 0);
    raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
    assert_int_equal(tcsetattr(slave, TCSANOW, &raw), 0);
    dup2(slave, STDIN_FILENO);
    close(slave);
    assert_true(isatty(STDIN_FILENO));
    assert_int_equal(write(f->master, answers, strlen(answers)), (ssize_t)strlen(answers));
}

static CliEdit
make_edit(Fixture *f)
{
    return (CliEdit){.original = ORIGINAL,
                     .unchanged_message = "Test XML configuration not changed.",
                     .edited_message = "Test XML configuration edited.",
                     .apply = apply_cb,
                     .user_data = f};
}

static void
test_editor_choice(void **state)
{
    (void)state;
    g_setenv("VISUAL", "visual-editor", TRUE);
    g_setenv("EDITOR", "plain-editor", TRUE);
    assert_string_equal(cli_edit_editor(), "visual-editor");
    g_setenv("VISUAL", "", TRUE);
    assert_string_equal(cli_edit_editor(), "plain-editor");
    g_unsetenv("VISUAL");
    g_unsetenv("EDITOR");
    assert_string_equal(cli_edit_editor(), "vi");
}

static void
test_unchanged(void **state)
{
    Fixture *f = *state;
    CliEdit edit = make_edit(f);
    g_autofree char *kept = NULL;
    g_autofree char *path = NULL, *seen = NULL;

    stdin_not_a_tty();
    assert_int_equal(cli_edit_run(&edit, &kept), CLI_EDIT_UNCHANGED);
    assert_null(kept);
    assert_int_equal(f->applied, 0);
    assert_int_equal(editor_runs(f), 1);
    seen = fixture_file(f, "seen-1");
    assert_string_equal(seen, ORIGINAL);
    path = fixture_file(f, "path-1");
    assert_true(g_str_has_suffix(path, ".xml"));
    assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
}

static void
test_applied(void **state)
{
    Fixture *f = *state;
    CliEdit edit = make_edit(f);
    g_autofree char *path = NULL, *mode = NULL;

    stdin_not_a_tty();
    fixture_put(f, "edit-1", GOOD);
    assert_int_equal(cli_edit_run(&edit, NULL), CLI_EDIT_APPLIED);
    assert_int_equal(f->applied, 1);
    assert_string_equal(f->applied_text, GOOD);
    /* A private file, removed afterwards. */
    mode = fixture_file(f, "mode-1");
    assert_string_equal(mode, "600\n");
    path = fixture_file(f, "path-1");
    assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
}

static void
test_no_tty_keeps_file(void **state)
{
    Fixture *f = *state;
    CliEdit edit = make_edit(f);
    g_autofree char *kept = NULL, *path = NULL, *text = NULL;

    stdin_not_a_tty();
    fixture_put(f, "edit-1", BAD);
    assert_int_equal(cli_edit_run(&edit, &kept), CLI_EDIT_FAILED);
    assert_int_equal(f->applied, 1);
    assert_int_equal(editor_runs(f), 1); /* no question, no second editor */
    path = fixture_file(f, "path-1");
    assert_non_null(kept);
    assert_string_equal(kept, path);
    assert_true(g_file_get_contents(kept, &text, NULL, NULL));
    assert_string_equal(text, BAD);
    g_unlink(kept);
}

static void
test_retry_keeps_edited_text(void **state)
{
    Fixture *f = *state;
    CliEdit edit = make_edit(f);
    g_autofree char *seen2 = NULL, *path = NULL;

    /* "y" re-opens the editor on the user's text, which the second run makes good. */
    stdin_pty(f, "y");
    fixture_put(f, "edit-1", BAD);
    fixture_put(f, "edit-2", GOOD);
    assert_int_equal(cli_edit_run(&edit, NULL), CLI_EDIT_APPLIED);
    assert_int_equal(editor_runs(f), 2);
    seen2 = fixture_file(f, "seen-2");
    assert_string_equal(seen2, BAD);
    assert_int_equal(f->applied, 2);
    assert_string_equal(f->applied_text, GOOD);
    path = fixture_file(f, "path-1");
    assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
}

static void
test_retry_twice_then_discard(void **state)
{
    Fixture *f = *state;
    CliEdit edit = make_edit(f);
    g_autofree char *kept = NULL, *path = NULL, *seen3 = NULL;

    /* Unknown keys and "?" (help) ask again; "y" twice, then "n" throws the text away. */
    stdin_pty(f, "x?y\nyn");
    fixture_put(f, "edit-1", BAD);
    assert_int_equal(cli_edit_run(&edit, &kept), CLI_EDIT_DISCARDED);
    assert_null(kept);
    assert_int_equal(editor_runs(f), 3);
    assert_int_equal(f->applied, 3);
    seen3 = fixture_file(f, "seen-3");
    assert_string_equal(seen3, BAD);
    path = fixture_file(f, "path-1");
    assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
}

static void
test_revert_to_original(void **state)
{
    Fixture *f = *state;
    CliEdit edit = make_edit(f);
    g_autofree char *seen2 = NULL;

    /* "i" starts again from the original text; saved as it is, nothing changes. */
    stdin_pty(f, "i");
    fixture_put(f, "edit-1", BAD);
    assert_int_equal(cli_edit_run(&edit, NULL), CLI_EDIT_UNCHANGED);
    assert_int_equal(editor_runs(f), 2);
    seen2 = fixture_file(f, "seen-2");
    assert_string_equal(seen2, ORIGINAL);
    assert_int_equal(f->applied, 1);
}

static void
test_force_without_reread_is_retry(void **state)
{
    Fixture *f = *state;
    CliEdit edit = make_edit(f);
    g_autofree char *seen2 = NULL;

    stdin_pty(f, "F");
    fixture_put(f, "edit-1", BAD);
    fixture_put(f, "edit-2", GOOD);
    assert_int_equal(cli_edit_run(&edit, NULL), CLI_EDIT_APPLIED);
    assert_int_equal(editor_runs(f), 2);
    seen2 = fixture_file(f, "seen-2");
    assert_string_equal(seen2, BAD);
}

static void
test_changed_meanwhile(void **state)
{
    Fixture *f = *state;
    CliEdit edit = make_edit(f);

    /* Someone else changed the object during the edit: asked; "f" applies the text anyway,
     * without opening the editor again. */
    edit.reread = reread_cb;
    f->reread_text = "<domain>changed by someone else</domain>\n";
    stdin_pty(f, "f");
    fixture_put(f, "edit-1", GOOD);
    assert_int_equal(cli_edit_run(&edit, NULL), CLI_EDIT_APPLIED);
    assert_int_equal(editor_runs(f), 1);
    assert_int_equal(f->rereads, 1);
    assert_int_equal(f->applied, 1);
    assert_string_equal(f->applied_text, GOOD);
}

static void
test_changed_meanwhile_revert(void **state)
{
    Fixture *f = *state;
    CliEdit edit = make_edit(f);
    g_autofree char *seen2 = NULL;
    const char *theirs = "<domain>changed by someone else</domain>\n";

    /* "i" after such a change starts from the object as it is now. */
    edit.reread = reread_cb;
    f->reread_text = theirs;
    stdin_pty(f, "i");
    fixture_put(f, "edit-1", GOOD);
    assert_int_equal(cli_edit_run(&edit, NULL), CLI_EDIT_UNCHANGED);
    seen2 = fixture_file(f, "seen-2");
    assert_string_equal(seen2, theirs);
    assert_int_equal(f->applied, 0);
}

static void
test_changed_meanwhile_no_tty(void **state)
{
    Fixture *f = *state;
    CliEdit edit = make_edit(f);
    g_autofree char *kept = NULL;

    edit.reread = reread_cb;
    f->reread_text = "<domain>changed by someone else</domain>\n";
    stdin_not_a_tty();
    fixture_put(f, "edit-1", GOOD);
    assert_int_equal(cli_edit_run(&edit, &kept), CLI_EDIT_FAILED);
    assert_int_equal(f->applied, 0);
    assert_non_null(kept);
    assert_true(g_file_test(kept, G_FILE_TEST_EXISTS));
    g_unlink(kept);
}

static void
test_hangup_keeps_file(void **state)
{
    Fixture *f = *state;
    CliEdit edit = make_edit(f);
    g_autofree char *kept = NULL, *text = NULL;

    /* The terminal is gone before an answer (the other side hung up): the text is kept. */
    stdin_pty(f, "");
    close(f->master);
    f->master = -1;
    fixture_put(f, "edit-1", BAD);
    assert_int_equal(cli_edit_run(&edit, &kept), CLI_EDIT_FAILED);
    assert_int_equal(editor_runs(f), 1);
    assert_non_null(kept);
    assert_true(g_file_get_contents(kept, &text, NULL, NULL));
    assert_string_equal(text, BAD);
    g_unlink(kept);
}

static void
test_invalid_utf8(void **state)
{
    Fixture *f = *state;
    CliEdit edit = make_edit(f);
    g_autofree char *kept = NULL;

    stdin_not_a_tty();
    fixture_put(f, "edit-1", "<domain>good \xff</domain>\n");
    assert_int_equal(cli_edit_run(&edit, &kept), CLI_EDIT_FAILED);
    assert_int_equal(f->applied, 0);
    assert_non_null(kept);
    g_unlink(kept);
}

static void
test_editor_fails(void **state)
{
    Fixture *f = *state;
    CliEdit edit = make_edit(f);
    g_autofree char *kept = NULL, *path = NULL;

    /* An editor that fails without a change: nothing to keep. */
    stdin_not_a_tty();
    fixture_put(f, "fail-1", "");
    assert_int_equal(cli_edit_run(&edit, &kept), CLI_EDIT_FAILED);
    assert_null(kept);
    assert_int_equal(f->applied, 0);
    path = fixture_file(f, "path-1");
    assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
}

static void
test_editor_fails_after_change(void **state)
{
    Fixture *f = *state;
    CliEdit edit = make_edit(f);
    g_autofree char *kept = NULL, *text = NULL;

    /* It failed after writing: the text is kept, never applied. */
    stdin_not_a_tty();
    fixture_put(f, "edit-1", GOOD);
    fixture_put(f, "fail-1", "");
    assert_int_equal(cli_edit_run(&edit, &kept), CLI_EDIT_FAILED);
    assert_int_equal(f->applied, 0);
    assert_non_null(kept);
    assert_true(g_file_get_contents(kept, &text, NULL, NULL));
    assert_string_equal(text, GOOD);
    g_unlink(kept);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_editor_choice),
        cmocka_unit_test_setup_teardown(test_unchanged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_applied, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_tty_keeps_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retry_keeps_edited_text, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retry_twice_then_discard, setup, teardown),
        cmocka_unit_test_setup_teardown(test_revert_to_original, setup, teardown),
        cmocka_unit_test_setup_teardown(test_force_without_reread_is_retry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_changed_meanwhile, setup, teardown),
        cmocka_unit_test_setup_teardown(test_changed_meanwhile_revert, setup, teardown),
        cmocka_unit_test_setup_teardown(test_changed_meanwhile_no_tty, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hangup_keeps_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_utf8, setup, teardown),
        cmocka_unit_test_setup_teardown(test_editor_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_editor_fails_after_change, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
