#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * One error domain for daemon and clients. It is registered as the D-Bus
 * error namespace org.marinavm.Marina1.Error, so an error raised in marinad
 * arrives in the client as the same GError code with the same message.
 */
#define MARINA_ERROR (marina_error_quark())

typedef enum {
    MARINA_ERROR_FAILED,           /* Error.Failed */
    MARINA_ERROR_NO_SUCH_DOMAIN,   /* Error.NoSuchDomain */
    MARINA_ERROR_INVALID_CONFIG,   /* Error.InvalidConfig */
    MARINA_ERROR_INVALID_ARGUMENT, /* Error.InvalidArgument */
    MARINA_ERROR_ALREADY_EXISTS,   /* Error.AlreadyExists */
    MARINA_ERROR_ALREADY_RUNNING,  /* Error.AlreadyRunning */
    MARINA_ERROR_NOT_RUNNING,      /* Error.NotRunning */
    MARINA_ERROR_READ_ONLY,        /* Error.ReadOnly */
    MARINA_ERROR_OPERATION_FAILED, /* Error.OperationFailed */
    MARINA_ERROR_ACCESS_DENIED,    /* Error.AccessDenied */
    MARINA_ERROR_TIMEOUT,          /* Error.Timeout */
    MARINA_ERROR_UNSUPPORTED,      /* Error.Unsupported */
    MARINA_ERROR_NO_CONNECTION,    /* Error.NoConnection */
    MARINA_ERROR_IN_USE,           /* Error.InUse: a running guest uses it */
    /* Why a connection to a remote host (marina+ssh://) failed; each is also
     * a failure to connect (marina_error_is_no_connection()). */
    MARINA_ERROR_HOST_UNREACHABLE,  /* Error.HostUnreachable: no name, no route, no SSH server */
    MARINA_ERROR_AUTH_FAILED,       /* Error.AuthFailed: the host refused the login */
    MARINA_ERROR_HOST_KEY_CHANGED,  /* Error.HostKeyChanged: not the key known_hosts holds */
    MARINA_ERROR_HOST_KEY_UNKNOWN,  /* Error.HostKeyUnknown: a new key, declined or unconfirmed */
    MARINA_ERROR_NOT_INSTALLED,     /* Error.NotInstalled: no marinad on the remote host */
    MARINA_ERROR_PROTOCOL_MISMATCH, /* Error.ProtocolMismatch: not the same protocol, or not
                                       marinad at all at the other end */
    MARINA_ERROR_NO_SUCH_NETWORK,   /* Error.NoSuchNetwork */
    MARINA_ERROR_NO_SUCH_DEVICE,    /* Error.NoSuchDevice: a guest has no such device (detach,
                                       update, resize) */
} MarinaError;

GQuark marina_error_quark(void);

/* Whether @error says a connection could not be made or was lost:
 * MARINA_ERROR_NO_CONNECTION or one of the remote-host reasons above. */
gboolean marina_error_is_no_connection(const GError *error);

/* The message of @error without GDBus's "GDBus.Error:name: " prefix. */
const char *marina_error_message(const GError *error);

G_END_DECLS
