/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gio/gio.h>

#include "askpass-question.h"
#include "uri.h"

G_BEGIN_DECLS

/*
 * Where ssh's questions arrive in a graphical client. The server listens on
 * a unix socket in a private (0700) directory of the runtime dir; every ssh
 * Marina starts (marina_ssh_launcher_new()) runs with SSH_ASKPASS set to
 * marina-askpass, which forwards the prompt here. Each question is emitted
 * as "question" (MarinaAskpassQuestion *): the handler keeps a reference
 * and answers it, maybe later (a dialog). Only peers of our own uid are
 * heard.
 *
 * A program that wants dialogs makes one server, connects to "question" and
 * installs it; a program that installs none (marinactl) leaves ssh to ask
 * on its terminal:
 *
 *   MarinaAskpassServer *server = marina_askpass_server_new(&error);
 *   g_signal_connect(server, "question", G_CALLBACK(on_question), self);
 *   marina_askpass_server_install(server);
 *
 * Make and install it on the thread whose main context runs the handler.
 */

#define MARINA_TYPE_ASKPASS_SERVER (marina_askpass_server_get_type())
G_DECLARE_FINAL_TYPE(MarinaAskpassServer, marina_askpass_server, MARINA, ASKPASS_SERVER, GObject)

/* Listens at once (in the thread-default main context). */
MarinaAskpassServer *marina_askpass_server_new(GError **error);
const char *marina_askpass_server_get_socket_path(MarinaAskpassServer *self);

/* Makes @launcher's ssh ask its questions here, on behalf of @uri: sets
 * SSH_ASKPASS (marina-askpass), SSH_ASKPASS_REQUIRE=force,
 * MARINA_ASKPASS_SOCKET and a token naming this login. FALSE (launcher
 * untouched) when the helper program cannot be found. Thread-safe. */
gboolean marina_askpass_server_prepare_launcher(MarinaAskpassServer *self,
                                                GSubprocessLauncher *launcher,
                                                const MarinaUri *uri);

/* The server every ssh of this process asks through (NULL: none, ssh asks
 * on the terminal). The installed one is kept alive until replaced. */
void marina_askpass_server_install(MarinaAskpassServer *server);
/* The installed server (a new reference), or NULL. Thread-safe. */
MarinaAskpassServer *marina_askpass_server_dup_installed(void);

/* The marina-askpass program: $MARINA_ASKPASS, the one built in this tree
 * when running uninstalled, else the installed one. */
char *marina_askpass_helper_path(void);

G_END_DECLS
