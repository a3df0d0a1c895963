/* Host CPU lists (hypervisor/cpu-list.c) as PinVcpu reads them from clients: libvirt's syntax,
 * CPUs the host has, nothing else. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "core/error.h"
#include "cpu-list.h"

static char *
roundtrip(const char *text, guint host_cpus)
{
    g_autoptr(GError) error = NULL;
    cpu_set_t set;

    if (!marina_cpu_list_parse(text, host_cpus, &set, &error))
        fail_msg("'%s' refused: %s", text, error->message);
    return marina_cpu_list_format(&set);
}

static void
test_good(void **state)
{
    static const struct {
        const char *text, *canonical;
    } cases[] = {
        {"0", "0"},         {"0-3", "0-3"},    {"3,1,2", "1-3"}, {"0-7,^3", "0-2,4-7"},
        {" 1 , 5 ", "1,5"}, {"^0,0-2", "1-2"}, {"5-5", "5"},     {"0,2,4,6", "0,2,4,6"},
        {"0-1,1-2", "0-2"},
    };

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *got = roundtrip(cases[i].text, 8);
        assert_string_equal(got, cases[i].canonical);
    }
}

static void
test_bad(void **state)
{
    const char *const bad[] = {"",      ",",  "a",    "-1",    "1-",  "-",   "3-1",
                               "0-2-4", "8",  "0-8",  "99999", "1.5", "0x1", "^0-2",
                               "0,^0",  "^1", "0,,1", "+1",    "1 2", "\xff"};
    g_autofree char *huge = g_strnfill(MARINA_CPU_LIST_MAX_LEN + 1, '0');

    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) error = NULL;
        cpu_set_t set;

        if (marina_cpu_list_parse(bad[i], 8, &set, &error))
            fail_msg("'%s' was accepted", bad[i]);
        assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT));
    }
    {
        g_autoptr(GError) error = NULL;
        cpu_set_t set;

        assert_false(marina_cpu_list_parse(huge, 8, &set, &error));
        assert_non_null(strstr(error->message, "longer"));
    }
}

static void
test_host(void **state)
{
    cpu_set_t all;
    g_autofree char *text = NULL;
    guint n = marina_cpu_list_host_cpus();

    assert_true(n >= 1 && n <= CPU_SETSIZE);
    marina_cpu_list_all(&all);
    assert_int_equal(CPU_COUNT(&all), n);
    text = marina_cpu_list_format(&all);
    assert_true(g_str_has_prefix(text, "0"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good),
        cmocka_unit_test(test_bad),
        cmocka_unit_test(test_host),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
