#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Settings of one marinad instance: from the command line, then the
 * configuration file (keys mirror xend-config.sxp where they make sense),
 * then built-in defaults. MARINA_ACCEL in the environment overrides the
 * accelerator.
 */
typedef struct {
    gboolean system;          /* --system (root, /run/marina) or --session */
    char *config_file;        /* the file read, or NULL */
    char *socket_path;        /* read-write socket */
    char *ro_socket_path;     /* read-only socket (system mode), or NULL */
    guint socket_mode;        /* permissions of the read-write socket */
    char *state_dir;          /* definitions, managed saves, logs */
    char *runtime_dir;        /* per-guest sockets and runtime state */
    char *log_dir;            /* per-guest QEMU and serial logs */
    char *log_file;           /* daemon log, NULL = stderr */
    char *log_level;          /* debug, info, warning, error */
    char *accel_setting;      /* auto, kvm, tcg */
    char *accel;              /* resolved: kvm or tcg */
    char *emulator;           /* qemu-system-x86_64 path */
    guint stats_interval_ms;  /* 0 = no statistics */
    gsize console_limit;      /* scrollback bytes kept per serial port */
    gsize log_max;            /* cap of each per-guest log file */
    guint64 min_mem_kib;      /* memory kept for the host when starting guests */
    guint destroy_grace_ms;   /* SIGTERM to SIGKILL on destroy */
    guint autostart_delay_ms; /* pause between autostarted guests (xendomains' USLEEP) */
    char *driver;             /* "qemu" (real guests) or "test" (simulated, --driver) */
    char *test_file;          /* the test driver's <node> file (--test-file) */
    /* Incoming migrations (direct mode), like xend's relocation server */
    char *migration_address;      /* where listeners bind; NULL = every address */
    guint migration_port_min;     /* first port tried */
    guint migration_port_max;     /* last port tried */
    char **migration_hosts_allow; /* GRegex patterns; NULL/empty = every host */
} MarinaDaemonConfig;

/* Parse --config FILE (NULL: the default for the mode if it exists) over
 * defaults for the mode and the given overrides (NULL = keep). */
MarinaDaemonConfig *marina_daemon_config_load(gboolean system, const char *config_file,
                                              const char *socket_path, const char *state_dir,
                                              const char *runtime_dir, GError **error);
void marina_daemon_config_free(MarinaDaemonConfig *config);

/* Choose the driver: "qemu" (@test_file NULL) or "test" (needs @test_file). */
gboolean marina_daemon_config_set_driver(MarinaDaemonConfig *config, const char *driver,
                                         const char *test_file, GError **error);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MarinaDaemonConfig, marina_daemon_config_free)

/* "kvm" when /dev/kvm can be opened read-write, else "tcg". */
const char *marina_daemon_config_detect_accel(void);

G_END_DECLS
