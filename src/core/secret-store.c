/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Remembered passwords in the Secret Service (see secret-store.h). */
#define G_LOG_DOMAIN "marina-secret-store"

#include "config.h"

#include "secret-store.h"

#include <libsecret/secret.h>

static const SecretSchema *
marina_password_schema(void)
{
    static const SecretSchema schema = {
        "org.marinavm.Marina.Password",
        SECRET_SCHEMA_NONE,
        {
            {"kind", SECRET_SCHEMA_ATTRIBUTE_STRING},
            {"uri", SECRET_SCHEMA_ATTRIBUTE_STRING},
            {"guest", SECRET_SCHEMA_ATTRIBUTE_STRING},
            {"NULL", 0},
        },
    };

    return &schema;
}

/* The attributes to match: the ones given, so that leaving one out matches
 * every value of it (forgetting all of a connection's passwords). Values
 * are copies: libsecret keeps the table (not a copy) until it is done. */
static GHashTable *
attributes(const char *kind, const char *uri, const char *guest)
{
    GHashTable *table = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);

    if (kind != NULL)
        g_hash_table_insert(table, "kind", g_strdup(kind));
    if (uri != NULL)
        g_hash_table_insert(table, "uri", g_strdup(uri));
    if (guest != NULL)
        g_hash_table_insert(table, "guest", g_strdup(guest));
    return table;
}

void
marina_secret_store_lookup_async(const char *kind, const char *uri, const char *guest,
                                 GCancellable *cancellable, GAsyncReadyCallback callback,
                                 gpointer user_data)
{
    g_autoptr(GHashTable) attrs = NULL;

    g_return_if_fail(kind != NULL && uri != NULL);
    attrs = attributes(kind, uri, guest);
    secret_password_lookupv(marina_password_schema(), attrs, cancellable, callback, user_data);
}

char *
marina_secret_store_lookup_finish(GAsyncResult *result, GError **error)
{
    g_autoptr(GError) local_error = NULL;
    char *password = secret_password_lookup_finish(result, &local_error);

    /* No keyring at all (no session bus, no Secret Service) is "nothing
     * stored": the person is asked, as without Marina's help. */
    if (local_error != NULL) {
        g_debug("No password from the keyring: %s", local_error->message);
        if (g_error_matches(local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            g_propagate_error(error, g_steal_pointer(&local_error));
        return NULL;
    }
    return password;
}

void
marina_secret_store_save_async(const char *kind, const char *uri, const char *guest,
                               const char *label, const char *password, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data)
{
    g_autoptr(GHashTable) attrs = NULL;

    g_return_if_fail(kind != NULL && uri != NULL && label != NULL && password != NULL);
    attrs = attributes(kind, uri, guest);
    secret_password_storev(marina_password_schema(), attrs, SECRET_COLLECTION_DEFAULT, label,
                           password, cancellable, callback, user_data);
}

gboolean
marina_secret_store_save_finish(GAsyncResult *result, GError **error)
{
    return secret_password_store_finish(result, error);
}

void
marina_secret_store_forget_async(const char *kind, const char *uri, const char *guest,
                                 GCancellable *cancellable, GAsyncReadyCallback callback,
                                 gpointer user_data)
{
    g_autoptr(GHashTable) attrs = NULL;

    g_return_if_fail(uri != NULL);
    attrs = attributes(kind, uri, guest);
    secret_password_clearv(marina_password_schema(), attrs, cancellable, callback, user_data);
}

gboolean
marina_secret_store_forget_finish(GAsyncResult *result, GError **error)
{
    g_autoptr(GError) local_error = NULL;

    /* FALSE without an error: there was nothing to forget, which is fine. */
    if (!secret_password_clear_finish(result, &local_error) && local_error != NULL) {
        g_propagate_error(error, g_steal_pointer(&local_error));
        return FALSE;
    }
    return TRUE;
}

void
marina_secret_store_free(char *password)
{
    secret_password_free(password);
}
