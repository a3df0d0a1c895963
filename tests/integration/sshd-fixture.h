#pragma once

#include <glib.h>

/*
 * A real sshd on 127.0.0.1 for the tests that reach a host over ssh: a throw-away host key,
 * keys and authorized_keys made on demand, an sshd_config, the daemon started and waited for,
 * and stopped again. Everything lives in one directory the test owns and removes.
 *
 *   g_autofree char *key = NULL;
 *   SshdFixture *sshd = sshd_fixture_new(dir, port);
 *   key = sshd_fixture_new_key(sshd, "user", "");
 *   sshd_fixture_authorize(sshd, key);
 *   sshd_fixture_start(sshd, SSHD_FIXTURE_KEYS_ONLY);
 *   ...
 *   sshd_fixture_free(sshd);
 *
 * Failures are cmocka assertions: call these from a test or a cmocka setup.
 */
typedef struct {
    char *dir;             /* host key, authorized_keys, sshd_config */
    char *host_key;        /* the private half; the public one is host_key + ".pub" */
    char *authorized_keys; /* what sshd_fixture_authorize() appends to */
    int port;
    GPid pid; /* 0 until started */
} SshdFixture;

/* The sshd_config lines of a host that lets keys in, and nothing else, for root too. */
#define SSHD_FIXTURE_KEYS_ONLY "PasswordAuthentication no\nPermitRootLogin prohibit-password\n"

/* A fixture in @dir (made 0700 if it does not exist) that will listen on @port, its host
 * key made; not started. */
SshdFixture *sshd_fixture_new(const char *dir, int port);
/* A new ed25519 key pair in the fixture's directory, named @name, under @passphrase ("" for
 * none); the private key's path. Not authorized: see sshd_fixture_authorize(). */
char *sshd_fixture_new_key(SshdFixture *sshd, const char *name, const char *passphrase);
/* Lets @key (a private key's path; its .pub beside it) log in. */
void sshd_fixture_authorize(SshdFixture *sshd, const char *key);
/* Writes sshd_config (address, port, host key, authorized_keys and no PAM, then the lines of
 * @extra_config) and starts sshd; returns once it accepts connections. */
void sshd_fixture_start(SshdFixture *sshd, const char *extra_config);
/* Stops sshd (if it was started) and frees @sshd; NULL is allowed. The directory stays. */
void sshd_fixture_free(SshdFixture *sshd);

/* Runs @argv (searched in PATH) with @input (may be NULL) on its standard input and its
 * output discarded; whether it exited with 0. For ssh-keygen, `ssh -O exit`, useradd... */
gboolean sshd_fixture_run_quiet(const char *const *argv, const char *input);
