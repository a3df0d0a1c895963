/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One question ssh asks (a password, a key's passphrase, an unknown host
 * key, a yes/no confirmation) as a dialog. Responses: GTK_RESPONSE_ACCEPT
 * (answer with marina_ssh_question_dialog_get_answer()) or anything else
 * (cancel). */
#pragma once

#include <gtk/gtk.h>

#include "askpass-question.h"

G_BEGIN_DECLS

#define MARINA_TYPE_SSH_QUESTION_DIALOG (marina_ssh_question_dialog_get_type())
G_DECLARE_FINAL_TYPE(MarinaSshQuestionDialog, marina_ssh_question_dialog, MARINA,
                     SSH_QUESTION_DIALOG, GtkDialog)

/* @label names the connection for people; @refused: the previous answer to
 * this question was refused; @offer_remember shows "Remember this password". */
MarinaSshQuestionDialog *marina_ssh_question_dialog_new(GtkWindow *parent,
                                                        MarinaAskpassQuestion *question,
                                                        const char *label, gboolean refused,
                                                        gboolean offer_remember);
/* What to send to ssh: the entry's text, "yes" for a host key, "" for a
 * confirmation. */
const char *marina_ssh_question_dialog_get_answer(MarinaSshQuestionDialog *self);
gboolean marina_ssh_question_dialog_get_remember(MarinaSshQuestionDialog *self);

G_END_DECLS
