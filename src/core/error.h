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
} MarinaError;

GQuark marina_error_quark(void);

/* The message of @error without GDBus's "GDBus.Error:name: " prefix. */
const char *marina_error_message(const GError *error);

G_END_DECLS
