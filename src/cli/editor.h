#pragma once

/* The edit loop of `marinactl edit` and `net-edit`, as virsh's: the text goes to a private
 * temporary file, $VISUAL / $EDITOR / vi runs on it with the terminal, and the edited text is
 * handed to the caller, which validates and applies it. On a failure the user is asked
 * "Failed. Try again? [y,n,i,f,?]:" and the edited text is never lost: "y" re-opens the editor
 * on it; without a terminal the file is kept and its path printed. */

#include <gio/gio.h>

G_BEGIN_DECLS

/* Validates and applies @text (the edited file, UTF-8); prints its own warnings.
 * FALSE with @error set on a failure, which the loop reports. */
typedef gboolean (*CliEditApply)(const char *text, gpointer user_data, GError **error);
/* The object's text now, to notice that someone else changed it during the edit. */
typedef char *(*CliEditReread)(gpointer user_data, GError **error);

typedef struct {
    const char *original;          /* the text to edit */
    const char *unchanged_message; /* "Domain 'x' XML configuration not changed." */
    const char *edited_message;    /* "Domain 'x' XML configuration edited." */
    CliEditApply apply;
    /* Optional. Without it "f" (force: apply although the object changed meanwhile) means
     * the same as "y". */
    CliEditReread reread;
    gpointer user_data;
} CliEdit;

typedef enum {
    CLI_EDIT_APPLIED,   /* the edited text was applied */
    CLI_EDIT_UNCHANGED, /* the user saved nothing new: nothing applied */
    CLI_EDIT_DISCARDED, /* the user answered "n" after a failure */
    CLI_EDIT_FAILED,    /* an error was printed (without a terminal: the file is kept) */
} CliEditOutcome;

/* Runs the loop; messages and errors are printed here. @kept_path (optional) receives the
 * path of the file kept after a failure (NULL when none was kept). */
CliEditOutcome cli_edit_run(const CliEdit *edit, char **kept_path);

/* The editor command the loop runs: $VISUAL, else $EDITOR, else "vi". */
const char *cli_edit_editor(void);

G_END_DECLS
