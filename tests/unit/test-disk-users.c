/* Which guests use which files: canonical path matching, definition and
 * running configuration, qcow2 backing chains, and sources that are odd. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "disk-users.h"

typedef struct {
    char *dir;
    GPtrArray *configs; /* MarinaDomainConfig* made here, freed in teardown */
} Fixture;

static int
setup(void **state)
{
    Fixture *f = g_new0(Fixture, 1);

    f->dir = g_dir_make_tmp("disk-users-XXXXXX", NULL);
    assert_non_null(f->dir);
    f->configs = g_ptr_array_new();
    *state = f;
    return 0;
}

static void
disk_free(gpointer data)
{
    MarinaDiskConfig *d = data;

    g_free(d->source);
    g_free(d->format);
    g_free(d);
}

static int
teardown(void **state)
{
    Fixture *f = *state;
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", f->dir);

    for (guint i = 0; i < f->configs->len; i++) {
        MarinaDomainConfig *c = f->configs->pdata[i];
        g_ptr_array_unref(c->disks);
        g_free(c);
    }
    g_ptr_array_unref(f->configs);
    assert_int_equal(system(cmd), 0);
    g_free(f->dir);
    g_free(f);
    return 0;
}

/* A configuration with the disks @sources (format per entry: "qcow2:" prefix
 * or raw), NULL-terminated. */
static MarinaDomainConfig *
config_with(Fixture *f, const char *first, ...)
{
    MarinaDomainConfig *c = g_new0(MarinaDomainConfig, 1);
    va_list args;

    c->disks = g_ptr_array_new_with_free_func(disk_free);
    va_start(args, first);
    for (const char *s = first; s != NULL; s = va_arg(args, const char *)) {
        MarinaDiskConfig *d = g_new0(MarinaDiskConfig, 1);
        if (g_str_has_prefix(s, "qcow2:")) {
            d->format = g_strdup("qcow2");
            s += strlen("qcow2:");
        }
        /* "-" stands for an empty cdrom. */
        d->source = g_str_equal(s, "-") ? NULL : g_strdup(s);
        g_ptr_array_add(c->disks, d);
    }
    va_end(args);
    g_ptr_array_add(f->configs, c);
    return c;
}

static char *
path_in(Fixture *f, const char *name)
{
    return g_build_filename(f->dir, name, NULL);
}

static char *
make_file(Fixture *f, const char *name)
{
    char *path = path_in(f, name);

    assert_true(g_file_set_contents(path, "data", -1, NULL));
    return path;
}

static void
put_be32(guchar *p, guint32 v)
{
    p[0] = v >> 24;
    p[1] = v >> 16;
    p[2] = v >> 8;
    p[3] = v;
}

/* A qcow2 v3 header naming @backing (NULL: none), with a backing format
 * extension when @backing_format is set. Only what the reader looks at. */
static char *
make_qcow2(Fixture *f, const char *name, const char *backing, const char *backing_format)
{
    guchar data[1024] = {0};
    char *path = path_in(f, name);

    memcpy(data, "QFI\xfb", 4);
    put_be32(data + 4, 3);
    if (backing != NULL) {
        put_be32(data + 12, 512); /* backing_file_offset (low half) */
        put_be32(data + 16, strlen(backing));
        memcpy(data + 512, backing, strlen(backing));
    }
    put_be32(data + 20, 16);
    put_be32(data + 100, 104);
    if (backing_format != NULL) {
        put_be32(data + 104, 0xe2792aca);
        put_be32(data + 108, strlen(backing_format));
        memcpy(data + 112, backing_format, strlen(backing_format));
    }
    assert_true(g_file_set_contents(path, (const char *)data, sizeof data, NULL));
    return path;
}

static void
assert_users(MarinaDiskUsers *users, const char *path, gboolean active_only, const char *expect)
{
    g_auto(GStrv) names = marina_disk_users_lookup(users, path, active_only);
    g_autofree char *got = g_strjoinv(",", names);

    if (!g_str_equal(got, expect))
        fail_msg("%s%s: expected [%s], got [%s]", path, active_only ? " (active)" : "", expect,
                 got);
}

static void
test_paths_match_canonically(void **state)
{
    Fixture *f = *state;
    g_autofree char *vol = make_file(f, "a.qcow2");
    g_autofree char *link = path_in(f, "link.img");
    g_autofree char *sub = path_in(f, "sub");
    g_autofree char *odd = g_strdup_printf("%s//sub/../a.qcow2", f->dir);
    g_autofree char *missing = g_strdup_printf("%s/nope/../missing.img", f->dir);
    g_autofree char *missing_canonical = path_in(f, "missing.img");
    g_autoptr(MarinaDiskUsers) users = marina_disk_users_new();

    assert_int_equal(g_mkdir(sub, 0700), 0);
    assert_int_equal(symlink(vol, link), 0);
    marina_disk_users_add_guest(users, "zeta", FALSE, config_with(f, odd, NULL), NULL);
    marina_disk_users_add_guest(users, "alpha", FALSE, config_with(f, link, NULL), NULL);
    marina_disk_users_add_guest(users, "ghost", FALSE, config_with(f, missing, NULL), NULL);

    /* Sorted, each guest once. */
    assert_users(users, vol, FALSE, "alpha,zeta");
    assert_users(users, odd, FALSE, "alpha,zeta");
    assert_users(users, missing_canonical, FALSE, "ghost");
    assert_users(users, sub, FALSE, "");
    assert_users(users, "relative/a.qcow2", FALSE, "");
}

static void
test_definition_and_running_configuration(void **state)
{
    Fixture *f = *state;
    g_autofree char *a = make_file(f, "a.img");
    g_autofree char *b = make_file(f, "b.img");
    g_autofree char *c = make_file(f, "c.img");
    g_autoptr(MarinaDiskUsers) users = marina_disk_users_new();

    /* web runs with b and c (c hot-added); its definition has a and b. */
    marina_disk_users_add_guest(users, "web", TRUE, config_with(f, a, b, NULL),
                                config_with(f, b, c, NULL));
    marina_disk_users_add_guest(users, "off", FALSE, config_with(f, b, NULL), NULL);
    /* Active without a running configuration (re-attached): its definition runs. */
    marina_disk_users_add_guest(users, "old", TRUE, config_with(f, c, NULL), NULL);

    assert_users(users, a, FALSE, "web");
    assert_users(users, a, TRUE, ""); /* only in the definition: not open */
    assert_users(users, b, FALSE, "off,web");
    assert_users(users, b, TRUE, "web");
    assert_users(users, c, FALSE, "old,web");
    assert_users(users, c, TRUE, "old,web");
}

static void
test_backing_chains(void **state)
{
    Fixture *f = *state;
    g_autofree char *base = make_file(f, "base.raw");
    g_autofree char *mid = make_qcow2(f, "mid.qcow2", "base.raw", "raw");
    g_autofree char *top = make_qcow2(f, "top.qcow2", mid, NULL);
    g_autofree char *secret = make_file(f, "secret");
    /* A raw disk whose contents look like qcow2 (a guest wrote them). */
    g_autofree char *fake = make_qcow2(f, "fake.raw", "secret", NULL);
    g_autofree char *over_fake = make_qcow2(f, "over-fake.qcow2", "fake.raw", "raw");
    g_autofree char *loop1 = make_qcow2(f, "loop1.qcow2", "loop2.qcow2", NULL);
    g_autofree char *loop2 = make_qcow2(f, "loop2.qcow2", "loop1.qcow2", NULL);
    g_autofree char *json = make_qcow2(f, "json.qcow2", "json:{\"file\":\"x\"}", NULL);
    g_autofree char *top_q = g_strconcat("qcow2:", top, NULL);
    g_autofree char *over_q = g_strconcat("qcow2:", over_fake, NULL);
    g_autofree char *loop_q = g_strconcat("qcow2:", loop1, NULL);
    g_autofree char *json_q = g_strconcat("qcow2:", json, NULL);
    g_autoptr(MarinaDiskUsers) users = marina_disk_users_new();

    marina_disk_users_add_guest(users, "overlay", TRUE, NULL, config_with(f, top_q, NULL));
    marina_disk_users_add_guest(users, "again", FALSE, config_with(f, top_q, NULL), NULL);
    /* Declared raw: QEMU does not follow a backing file, nor does Used By. */
    marina_disk_users_add_guest(users, "plain", FALSE, config_with(f, top, fake, NULL), NULL);
    marina_disk_users_add_guest(users, "faker", FALSE, config_with(f, over_q, NULL), NULL);
    marina_disk_users_add_guest(users, "loop", FALSE, config_with(f, loop_q, json_q, NULL), NULL);

    assert_users(users, top, FALSE, "again,overlay,plain");
    assert_users(users, mid, FALSE, "again,overlay");
    assert_users(users, mid, TRUE, "overlay");
    assert_users(users, base, FALSE, "again,overlay");
    assert_users(users, fake, FALSE, "faker,plain");
    assert_users(users, secret, FALSE, "");
    assert_users(users, loop1, FALSE, "loop");
    assert_users(users, loop2, FALSE, "loop");
    assert_users(users, json, FALSE, "loop");
}

/* Nothing a definition can name makes the reader block, crash or wander. */
static void
test_odd_sources(void **state)
{
    Fixture *f = *state;
    g_autofree char *fifo = path_in(f, "fifo");
    g_autofree char *fifo_q = g_strconcat("qcow2:", fifo, NULL);
    g_autofree char *dir_q = g_strconcat("qcow2:", f->dir, NULL);
    g_autofree char *huge = make_qcow2(f, "huge.qcow2", NULL, NULL);
    g_autofree char *huge_q = g_strconcat("qcow2:", huge, NULL);
    g_autofree char *long_name = g_strnfill(5000, 'x');
    g_autofree char *long_path = g_strconcat("/", long_name, NULL);
    g_autoptr(MarinaDiskUsers) users = marina_disk_users_new();

    assert_int_equal(mkfifo(fifo, 0600), 0);
    {
        /* A backing name larger than QEMU allows, at an offset past the end. */
        guchar data[104] = {0};
        memcpy(data, "QFI\xfb", 4);
        put_be32(data + 4, 2);
        data[8] = 0x7f;
        put_be32(data + 16, 0xffffffffu);
        assert_true(g_file_set_contents(huge, (const char *)data, sizeof data, NULL));
    }
    marina_disk_users_add_guest(users, "odd", FALSE,
                                config_with(f, fifo_q, dir_q, huge_q, "qcow2:/dev/zero",
                                            "qcow2:relative.qcow2", "", "-", long_path,
                                            "qcow2:/nonexistent/dir/disk.qcow2", NULL),
                                NULL);
    marina_disk_users_add_guest(users, "empty", TRUE, NULL, NULL);

    assert_users(users, fifo, FALSE, "odd");
    assert_users(users, huge, FALSE, "odd");
    assert_users(users, "/nonexistent/dir/disk.qcow2", FALSE, "odd");
    assert_users(users, "/nonexistent/dir/../dir/disk.qcow2", FALSE, "odd");
    assert_users(users, "relative.qcow2", FALSE, "");
    assert_users(users, "", FALSE, "");
    assert_users(users, NULL, FALSE, "");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_paths_match_canonically, setup, teardown),
        cmocka_unit_test_setup_teardown(test_definition_and_running_configuration, setup, teardown),
        cmocka_unit_test_setup_teardown(test_backing_chains, setup, teardown),
        cmocka_unit_test_setup_teardown(test_odd_sources, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
