/* The greeting of `marinad --connect-stdio` (src/core/protocol.c): what the
 * daemon writes parses back, and nothing else parses. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>

#include "protocol.h"

static gboolean
parses(const char *line, char **version, guint *protocol)
{
    return marina_protocol_parse_hello(line, strlen(line), version, protocol);
}

static void
assert_not_hello(const char *line)
{
    g_autofree char *version = NULL;
    guint protocol = 0;

    if (parses(line, &version, &protocol))
        fail_msg("\"%s\" was taken for a greeting", line);
    assert_null(version);
    assert_int_equal(protocol, 0);
}

static void
test_own_hello_parses_back(void **state)
{
    g_autofree char *hello = marina_protocol_hello();
    g_autofree char *version = NULL;
    guint protocol = 0;
    gsize len = strlen(hello);

    assert_true(len < MARINA_PROTOCOL_HELLO_MAX);
    assert_int_equal(hello[len - 1], '\n');
    assert_true(marina_protocol_parse_hello(hello, len - 1, &version, &protocol));
    assert_string_equal(version, PACKAGE_VERSION);
    assert_int_equal(protocol, MARINA_PROTOCOL_VERSION);
}

static void
test_accepts_other_versions(void **state)
{
    g_autofree char *version = NULL;
    guint protocol = 0;

    assert_true(parses("MARINAD 1.2~rc1+deb12u1 PROTOCOL 42\r", &version, &protocol));
    assert_string_equal(version, "1.2~rc1+deb12u1");
    assert_int_equal(protocol, 42);
    g_clear_pointer(&version, g_free);
    assert_true(parses("MARINAD 0 PROTOCOL 2147483647", &version, &protocol));
    assert_int_equal(protocol, G_MAXINT);
}

static void
test_refuses_what_is_not_a_greeting(void **state)
{
    const char *const lines[] = {
        "",
        "\r",
        "MARINAD",
        "MARINAD 1.0",
        "MARINAD 1.0 PROTOCOL",
        "MARINAD 1.0 PROTOCOL ",
        "marinad 1.0 PROTOCOL 1",
        "MARINAD 1.0 protocol 1",
        " MARINAD 1.0 PROTOCOL 1",
        "MARINAD 1.0 PROTOCOL 1 ",
        "MARINAD  1.0 PROTOCOL 1",
        "MARINAD\t1.0 PROTOCOL 1",
        "MARINAD 1.0\tPROTOCOL 1",
        "MARINAD 1.0 PROTOCOL 1 extra",
        "MARINAD 1.0 PROTOCOL 0",
        "MARINAD 1.0 PROTOCOL -1",
        "MARINAD 1.0 PROTOCOL +1",
        "MARINAD 1.0 PROTOCOL 0x1",
        "MARINAD 1.0 PROTOCOL 1x",
        "MARINAD 1.0 PROTOCOL 2147483648",
        "MARINAD 1.0 PROTOCOL 4294967297",
        "MARINAD 1.0 PROTOCOL 99999999999999999999",
        "MARINAD 1/0 PROTOCOL 1",
        "MARINAD 1;rm PROTOCOL 1",
        "MARINAD 1.0\033[2J PROTOCOL 1",
        "MARINAD vé PROTOCOL 1",
        "MARINAD 1.0 PROTOCOL 1\r\r",
        "Welcome to Debian GNU/Linux 12",
        "Last login: Mon Dec  7 20:00:00 2026 from 10.0.0.1",
    };

    for (guint i = 0; i < G_N_ELEMENTS(lines); i++)
        assert_not_hello(lines[i]);
}

static void
test_bounds(void **state)
{
    g_autofree char *long_version = g_strnfill(MARINA_PROTOCOL_VERSION_MAX + 1, '1');
    g_autofree char *max_version = g_strnfill(MARINA_PROTOCOL_VERSION_MAX, '1');
    g_autofree char *too_long = g_strdup_printf("MARINAD %s PROTOCOL 1", long_version);
    g_autofree char *longest = g_strdup_printf("MARINAD %s PROTOCOL 1", max_version);
    g_autofree char *version = NULL;
    guint protocol = 0;
    const char with_nul[] = "MARINAD 1.0\0 PROTOCOL 1";
    g_autofree char *huge = g_strnfill(1 << 20, 'A');

    assert_not_hello(too_long);
    assert_true(parses(longest, &version, &protocol));
    g_clear_pointer(&version, g_free);
    protocol = 0;
    /* A NUL inside the counted bytes. */
    assert_false(marina_protocol_parse_hello(with_nul, sizeof with_nul - 1, &version, &protocol));
    assert_null(version);
    assert_false(marina_protocol_parse_hello(huge, strlen(huge), &version, &protocol));
    assert_false(marina_protocol_parse_hello(NULL, 0, &version, &protocol));
    /* Only the counted bytes: the rest of a buffer is not read. */
    assert_true(
        marina_protocol_parse_hello("MARINAD 1 PROTOCOL 3garbage", 20, &version, &protocol));
    assert_int_equal(protocol, 3);
}

/* Random bytes, and random mutations of a good greeting, never crash and
 * never yield a version out of bounds. */
static void
test_random_input(void **state)
{
    g_autoptr(GRand) rand = g_rand_new_with_seed(20261207);
    char buffer[MARINA_PROTOCOL_HELLO_MAX + 16];

    for (guint round = 0; round < 20000; round++) {
        g_autofree char *version = NULL;
        guint protocol = 0;
        gsize len = (gsize)g_rand_int_range(rand, 0, sizeof buffer);

        if (round % 2 == 0) {
            for (gsize i = 0; i < len; i++)
                buffer[i] = (char)g_rand_int_range(rand, 0, 256);
        } else {
            const char good[] = "MARINAD 0.1.0 PROTOCOL 1";
            len = sizeof good - 1;
            memcpy(buffer, good, len);
            buffer[g_rand_int_range(rand, 0, (gint32)len)] = (char)g_rand_int_range(rand, 0, 256);
        }
        if (marina_protocol_parse_hello(buffer, len, &version, &protocol)) {
            assert_true(strlen(version) >= 1 && strlen(version) <= MARINA_PROTOCOL_VERSION_MAX);
            assert_true(protocol >= 1 && protocol <= G_MAXINT);
        }
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_own_hello_parses_back),
        cmocka_unit_test(test_accepts_other_versions),
        cmocka_unit_test(test_refuses_what_is_not_a_greeting),
        cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_random_input),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
