#define G_LOG_DOMAIN "marinad"

#include "config.h"

#include <glib/gi18n.h>

#include "access.h"
#include "core/error.h"

/* The writable socket's path, set on read-only connections only. */
#define READ_ONLY_KEY "marina-read-only"

void
marina_access_set_read_only(GDBusConnection *connection, const char *writable_socket)
{
    g_object_set_data_full(G_OBJECT(connection), READ_ONLY_KEY, g_strdup(writable_socket), g_free);
}

gboolean
marina_access_is_read_only(GDBusConnection *connection)
{
    return g_object_get_data(G_OBJECT(connection), READ_ONLY_KEY) != NULL;
}

gboolean
marina_access_check_writable(GDBusMethodInvocation *invocation)
{
    GDBusConnection *connection = g_dbus_method_invocation_get_connection(invocation);
    const char *writable = g_object_get_data(G_OBJECT(connection), READ_ONLY_KEY);

    if (writable == NULL)
        return TRUE;
    g_dbus_method_invocation_return_error(invocation, MARINA_ERROR, MARINA_ERROR_READ_ONLY,
                                          _("This connection is read-only. Connect to %s to "
                                            "change guests."),
                                          writable);
    return FALSE;
}
