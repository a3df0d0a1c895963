/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * Passwords Marina remembers, in the user's keyring (the Secret Service,
 * through libsecret). One schema, org.marinavm.Marina.Password, with the
 * attributes kind (MARINA_SECRET_KIND_*), uri (the canonical connection URI)
 * and, for a guest's console, guest (its UUID). Every call is asynchronous;
 * without a keyring a lookup finds nothing and a save fails with the reason
 * (callers carry on asking the person).
 */

#define MARINA_SECRET_KIND_SSH "ssh-password" /* the login password of a marina+ssh:// URI */
#define MARINA_SECRET_KIND_VNC "vnc-password" /* a guest's graphical console password */

/* Finds the password of @kind for @uri (and @guest, NULL for none). */
void marina_secret_store_lookup_async(const char *kind, const char *uri, const char *guest,
                                      GCancellable *cancellable, GAsyncReadyCallback callback,
                                      gpointer user_data);
/* The password, or NULL (no error) when none is stored. Free it with
 * marina_secret_store_free(), which wipes it. */
char *marina_secret_store_lookup_finish(GAsyncResult *result, GError **error);

/* Stores (replaces) a password; @label is what keyring managers show. */
void marina_secret_store_save_async(const char *kind, const char *uri, const char *guest,
                                    const char *label, const char *password,
                                    GCancellable *cancellable, GAsyncReadyCallback callback,
                                    gpointer user_data);
gboolean marina_secret_store_save_finish(GAsyncResult *result, GError **error);

/* Forgets passwords: of @kind for @uri and @guest; @kind NULL: every kind,
 * @guest NULL: every guest (and the connection's own). */
void marina_secret_store_forget_async(const char *kind, const char *uri, const char *guest,
                                      GCancellable *cancellable, GAsyncReadyCallback callback,
                                      gpointer user_data);
gboolean marina_secret_store_forget_finish(GAsyncResult *result, GError **error);

void marina_secret_store_free(char *password);

G_END_DECLS
