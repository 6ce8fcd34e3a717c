/* Tests src/util/time.c */
/* cmocka.h needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/time.h"

/* Parses a heap copy of exactly strlen(s)+1 bytes, so that a read past the end of a
 * short string shows up under AddressSanitizer. */
static int hms(const char *s)
{
    size_t n = strlen(s) + 1;
    char *copy = malloc(n);
    memcpy(copy, s, n);
    int r = time_parse_hms(copy);
    free(copy);
    return r;
}

static void test_valid(void **state)
{
    assert_int_equal(hms("00:00:00"), 0);
    assert_int_equal(hms("00:00:01"), 1);
    assert_int_equal(hms("00:01:00"), 60);
    assert_int_equal(hms("01:00:00"), 3600);
    assert_int_equal(hms("12:34:56"), 12 * 3600 + 34 * 60 + 56);
    assert_int_equal(hms("23:59:59"), 86399);
    assert_int_equal(hms("09:08:07"), 9 * 3600 + 8 * 60 + 7);
}

static void test_out_of_range(void **state)
{
    assert_int_equal(hms("24:00:00"), -1);
    assert_int_equal(hms("99:00:00"), -1);
    assert_int_equal(hms("23:60:00"), -1);
    assert_int_equal(hms("23:59:60"), -1); /* no leap seconds */
    assert_int_equal(hms("00:99:99"), -1);
}

static void test_wrong_shape(void **state)
{
    /* The last one has Arabic-Indic digits. */
    /* clang-format off */
    const char *bad[] = {
        "", "0", "00", "00:", "00:0", "00:00", "00:00:", "00:00:0", "1:00:00", "01:0:00",
        "01:00:0", "001:00:00", "01:00:000", "01:00:00 ", " 01:00:00", "01:00:00\n",
        "01-00-00", "01.00.00", "010000", "01:00:00:00", "+1:00:00", "-1:00:00", "01:+1:00",
        "01:-1:00", "aa:bb:cc", "1a:00:00", "0x:00:00", "01:00:0a", "::::::::", "01::00:00",
        "\xd9\xa1\xd9\xa1:00:00", NULL,
    };
    /* clang-format on */
    for (const char *const *s = bad; *s; s++)
        if (hms(*s) != -1)
            fail_msg("'%s' parsed as %d", *s, hms(*s));
}

static void test_null_and_embedded_nul(void **state)
{
    assert_int_equal(time_parse_hms(NULL), -1);
    static const char with_nul[] = "01:0\0:00";
    assert_int_equal(time_parse_hms(with_nul), -1);
}

static void test_clocks(void **state)
{
    int64_t wall = time_now_ms();
    int64_t expect = (int64_t)time(NULL) * 1000;
    assert_true(wall >= expect - 2000 && wall <= expect + 2000);
    int64_t a = time_mono_ms();
    struct timespec ts = {0, 20 * 1000 * 1000};
    nanosleep(&ts, NULL);
    int64_t b = time_mono_ms();
    assert_true(b - a >= 19);
    assert_true(b - a < 5000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),       cmocka_unit_test(test_out_of_range),
        cmocka_unit_test(test_wrong_shape), cmocka_unit_test(test_null_and_embedded_nul),
        cmocka_unit_test(test_clocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
