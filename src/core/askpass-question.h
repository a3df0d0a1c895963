/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gio/gio.h>

#include "askpass-protocol.h"

G_BEGIN_DECLS

/*
 * One question ssh asked through marina-askpass, waiting for an answer.
 * MarinaAskpassServer hands it to the application's handler ("question"
 * signal); the handler keeps a reference and later calls _reply() or
 * _cancel() exactly once. Dropping the last reference unanswered cancels
 * it. "closed" is emitted when ssh gave up meanwhile (the connection was
 * cancelled, ssh was killed): close the dialog, the answer is not wanted.
 * "cancelled" is emitted by _cancel().
 */

#define MARINA_TYPE_ASKPASS_QUESTION (marina_askpass_question_get_type())
G_DECLARE_FINAL_TYPE(MarinaAskpassQuestion, marina_askpass_question, MARINA, ASKPASS_QUESTION,
                     GObject)

MarinaAskpassKind marina_askpass_question_get_kind(MarinaAskpassQuestion *self);
/* ssh's prompt, made safe to show (see marina_askpass_sanitize_prompt()). */
const char *marina_askpass_question_get_prompt(MarinaAskpassQuestion *self);
/* The host named in the prompt, or NULL. */
const char *marina_askpass_question_get_host(MarinaAskpassQuestion *self);
/* An unknown host key's fingerprint ("SHA256:..."), or NULL. */
const char *marina_askpass_question_get_fingerprint(MarinaAskpassQuestion *self);
/* The canonical connection URI whose ssh asks, or NULL when unknown. */
const char *marina_askpass_question_get_uri(MarinaAskpassQuestion *self);
/* 1 for the first question of this kind in this ssh login, 2 when ssh asks
 * again (the previous answer was refused), ... */
guint marina_askpass_question_get_attempt(MarinaAskpassQuestion *self);
/* FALSE once answered, cancelled or closed. */
gboolean marina_askpass_question_is_pending(MarinaAskpassQuestion *self);

/* Answers (a password, "yes" for a host key, "" for a confirmation). */
void marina_askpass_question_reply(MarinaAskpassQuestion *self, const char *answer);
/* The user said no: ssh gets no answer. */
void marina_askpass_question_cancel(MarinaAskpassQuestion *self);

/* For MarinaAskpassServer: a question read from @connection. */
MarinaAskpassQuestion *marina_askpass_question_new(GSocketConnection *connection,
                                                   const char *prompt, const char *hint,
                                                   const char *uri, guint attempt);

G_END_DECLS
