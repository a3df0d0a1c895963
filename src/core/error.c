#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "error.h"

static const GDBusErrorEntry marina_error_entries[] = {
    {MARINA_ERROR_FAILED, "org.marinavm.Marina1.Error.Failed"},
    {MARINA_ERROR_NO_SUCH_DOMAIN, "org.marinavm.Marina1.Error.NoSuchDomain"},
    {MARINA_ERROR_INVALID_CONFIG, "org.marinavm.Marina1.Error.InvalidConfig"},
    {MARINA_ERROR_INVALID_ARGUMENT, "org.marinavm.Marina1.Error.InvalidArgument"},
    {MARINA_ERROR_ALREADY_EXISTS, "org.marinavm.Marina1.Error.AlreadyExists"},
    {MARINA_ERROR_ALREADY_RUNNING, "org.marinavm.Marina1.Error.AlreadyRunning"},
    {MARINA_ERROR_NOT_RUNNING, "org.marinavm.Marina1.Error.NotRunning"},
    {MARINA_ERROR_READ_ONLY, "org.marinavm.Marina1.Error.ReadOnly"},
    {MARINA_ERROR_OPERATION_FAILED, "org.marinavm.Marina1.Error.OperationFailed"},
    {MARINA_ERROR_ACCESS_DENIED, "org.marinavm.Marina1.Error.AccessDenied"},
    {MARINA_ERROR_TIMEOUT, "org.marinavm.Marina1.Error.Timeout"},
    {MARINA_ERROR_UNSUPPORTED, "org.marinavm.Marina1.Error.Unsupported"},
    {MARINA_ERROR_NO_CONNECTION, "org.marinavm.Marina1.Error.NoConnection"},
    {MARINA_ERROR_IN_USE, "org.marinavm.Marina1.Error.InUse"},
    {MARINA_ERROR_HOST_UNREACHABLE, "org.marinavm.Marina1.Error.HostUnreachable"},
    {MARINA_ERROR_AUTH_FAILED, "org.marinavm.Marina1.Error.AuthFailed"},
    {MARINA_ERROR_HOST_KEY_CHANGED, "org.marinavm.Marina1.Error.HostKeyChanged"},
    {MARINA_ERROR_HOST_KEY_UNKNOWN, "org.marinavm.Marina1.Error.HostKeyUnknown"},
    {MARINA_ERROR_NOT_INSTALLED, "org.marinavm.Marina1.Error.NotInstalled"},
    {MARINA_ERROR_PROTOCOL_MISMATCH, "org.marinavm.Marina1.Error.ProtocolMismatch"},
    {MARINA_ERROR_NO_SUCH_NETWORK, "org.marinavm.Marina1.Error.NoSuchNetwork"},
    {MARINA_ERROR_NO_SUCH_DEVICE, "org.marinavm.Marina1.Error.NoSuchDevice"},
};

GQuark
marina_error_quark(void)
{
    static gsize quark = 0;

    g_dbus_error_register_error_domain("marina-error-quark", &quark, marina_error_entries,
                                       G_N_ELEMENTS(marina_error_entries));
    return (GQuark)quark;
}

gboolean
marina_error_is_no_connection(const GError *error)
{
    if (error == NULL || error->domain != MARINA_ERROR)
        return FALSE;
    switch ((MarinaError)error->code) {
    case MARINA_ERROR_NO_CONNECTION:
    case MARINA_ERROR_HOST_UNREACHABLE:
    case MARINA_ERROR_AUTH_FAILED:
    case MARINA_ERROR_HOST_KEY_CHANGED:
    case MARINA_ERROR_HOST_KEY_UNKNOWN:
    case MARINA_ERROR_NOT_INSTALLED:
    case MARINA_ERROR_PROTOCOL_MISMATCH:
        return TRUE;
    default:
        return FALSE;
    }
}

const char *
marina_error_message(const GError *error)
{
    const char *msg = error->message;

    /* Errors of a registered domain arrive stripped already; others (for
     * example org.freedesktop.DBus.Error.*) carry a "GDBus.Error:name: "
     * prefix that means nothing to a person. */
    if (g_str_has_prefix(msg, "GDBus.Error:")) {
        const char *sep = strstr(msg, ": ");
        if (sep != NULL)
            return sep + 2;
    }
    return msg;
}
