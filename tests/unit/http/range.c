/* Tests src/http/range.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "http/range.h"

/* Parses h against size and checks the status and, for satisfiable headers, the
 * ranges given as first,last pairs. */
static void expect_ranges(const char *h, uint64_t size, enum range_status want, size_t n, ...)
{
    struct range_set set;
    enum range_status got = range_parse(h, size, &set);
    if (got != want)
        fail_msg("'%s' (size %llu): status %d, want %d", h ? h : "(null)", (unsigned long long)size,
                 got, want);
    assert_int_equal(set.count, n);
    va_list ap;
    va_start(ap, n);
    for (size_t i = 0; i < n; i++) {
        uint64_t first = va_arg(ap, uint64_t), last = va_arg(ap, uint64_t);
        assert_int_equal(set.ranges[i].first, first);
        assert_int_equal(set.ranges[i].last, last);
    }
    va_end(ap);
}

#define R(a, b) (uint64_t)(a), (uint64_t)(b)

static void test_single_forms(void **state)
{
    expect_ranges("bytes=0-9", 100, RANGE_SATISFIABLE, 1, R(0, 9));
    expect_ranges("bytes=10-", 100, RANGE_SATISFIABLE, 1, R(10, 99));
    expect_ranges("bytes=-5", 100, RANGE_SATISFIABLE, 1, R(95, 99));
    expect_ranges("bytes=99-99", 100, RANGE_SATISFIABLE, 1, R(99, 99));
    expect_ranges("bytes=0-0", 1, RANGE_SATISFIABLE, 1, R(0, 0));
}

static void test_clamping(void **state)
{
    expect_ranges("bytes=90-1000", 100, RANGE_SATISFIABLE, 1, R(90, 99));
    expect_ranges("bytes=-1000", 100, RANGE_SATISFIABLE, 1, R(0, 99));
    expect_ranges("bytes=-100", 100, RANGE_SATISFIABLE, 1, R(0, 99));
}

static void test_unsatisfiable(void **state)
{
    expect_ranges("bytes=100-", 100, RANGE_UNSATISFIABLE, 0);
    expect_ranges("bytes=100-200", 100, RANGE_UNSATISFIABLE, 0);
    expect_ranges("bytes=200-", 100, RANGE_UNSATISFIABLE, 0);
    expect_ranges("bytes=-0", 100, RANGE_UNSATISFIABLE, 0);
    expect_ranges("bytes=0-", 0, RANGE_UNSATISFIABLE, 0);
    expect_ranges("bytes=-5", 0, RANGE_UNSATISFIABLE, 0);
    expect_ranges("bytes=100-,200-300", 100, RANGE_UNSATISFIABLE, 0);
}

static void test_malformed_is_ignored(void **state)
{
    const char *bad[] = {
        NULL,          "",
        "bytes",       "bytes=",
        "bytes=,",     "bytes 0-9",
        "bytes:0-9",   "=0-9",
        "items=0-9",   "bytes=a-b",
        "bytes=0-9x",  "bytes=5-4",
        "bytes=-",     "bytes=--5",
        "bytes=0--5",  "bytes=+1-2",
        "bytes=1-+2",  "bytes=0-9;",
        "bytes=0 -9",  "bytes=0- 9",
        "bytes=-5-",   "bytes=0-9,x",
        "bytes=0x10-", "bytes=-1-2",
        "bytes=1.5-2", " bytes =0-9",
        "bytes=0-1 2",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        expect_ranges(bad[i], 100, RANGE_IGNORE, 0);
}

static void test_negative_looking_input(void **state)
{
    /* "-N" is a suffix, never a negative position; a second '-' is a syntax error. */
    expect_ranges("bytes=-1", 100, RANGE_SATISFIABLE, 1, R(99, 99));
    expect_ranges("bytes=-1-5", 100, RANGE_IGNORE, 0);
    expect_ranges("bytes=5--1", 100, RANGE_IGNORE, 0);
}

static void test_unit_case_and_whitespace(void **state)
{
    expect_ranges("BYTES=0-1", 10, RANGE_SATISFIABLE, 1, R(0, 1));
    expect_ranges("Bytes=0-1 , 3-4", 10, RANGE_SATISFIABLE, 2, R(0, 1), R(3, 4));
    expect_ranges("bytes=\t0-1\t,\t-2 ", 10, RANGE_SATISFIABLE, 2, R(0, 1), R(8, 9));
    expect_ranges("bytes=0-9,,5-", 100, RANGE_SATISFIABLE, 2, R(0, 9), R(5, 99));
    expect_ranges("bytes=,0-1,", 10, RANGE_SATISFIABLE, 1, R(0, 1));
}

static void test_lists(void **state)
{
    expect_ranges("bytes=0-0,-1", 10, RANGE_SATISFIABLE, 2, R(0, 0), R(9, 9));
    /* unsatisfiable members are dropped, the rest is kept in order */
    expect_ranges("bytes=500-600,2-3,-0", 10, RANGE_SATISFIABLE, 1, R(2, 3));
    /* overlapping and unordered ranges are reported as written */
    expect_ranges("bytes=5-9,0-6", 10, RANGE_SATISFIABLE, 2, R(5, 9), R(0, 6));
    /* one invalid member invalidates the whole header */
    expect_ranges("bytes=0-1,4-3", 10, RANGE_IGNORE, 0);
}

static void test_many_ranges(void **state)
{
    char h[4096] = "bytes=";
    for (int i = 0; i < RANGE_MAX_SPECS; i++)
        snprintf(h + strlen(h), sizeof(h) - strlen(h), "%s%d-%d", i ? "," : "", i, i);
    struct range_set set;
    assert_int_equal(range_parse(h, 1000, &set), RANGE_SATISFIABLE);
    assert_int_equal(set.count, RANGE_MAX_SPECS);
    assert_int_equal(set.ranges[RANGE_MAX_SPECS - 1].first, RANGE_MAX_SPECS - 1);
    strcat(h, ",99-99");
    assert_int_equal(range_parse(h, 1000, &set), RANGE_IGNORE);
    assert_int_equal(set.count, 0);
    /* many unsatisfiable specs count too */
    strcpy(h, "bytes=");
    for (int i = 0; i < 200; i++)
        strcat(h, "5000-,");
    assert_int_equal(range_parse(h, 1000, &set), RANGE_IGNORE);
}

static void test_huge_numbers(void **state)
{
    const uint64_t max = UINT64_MAX;
    /* beyond 64 bits: a first position is past any end, a last position clamps */
    expect_ranges("bytes=99999999999999999999999999-", 100, RANGE_UNSATISFIABLE, 0);
    expect_ranges("bytes=0-99999999999999999999999999", 100, RANGE_SATISFIABLE, 1, R(0, 99));
    expect_ranges("bytes=-99999999999999999999999999", 100, RANGE_SATISFIABLE, 1, R(0, 99));
    expect_ranges("bytes=18446744073709551615-", max, RANGE_UNSATISFIABLE, 0);
    expect_ranges("bytes=18446744073709551614-", max, RANGE_SATISFIABLE, 1, R(max - 1, max - 1));
    expect_ranges("bytes=18446744073709551616-18446744073709551617", 100, RANGE_UNSATISFIABLE, 0);
    /* the order of two saturated numbers is still checked exactly */
    expect_ranges("bytes=18446744073709551617-18446744073709551616", 100, RANGE_IGNORE, 0);
    expect_ranges("bytes=000000000000000000000000000005-0007", 100, RANGE_SATISFIABLE, 1, R(5, 7));
    expect_ranges("bytes=0007-05", 100, RANGE_IGNORE, 0);
}

static void test_content_range(void **state)
{
    char buf[96];
    struct byte_range r = {5, 9};
    range_content_range(buf, sizeof(buf), &r, 20);
    assert_string_equal(buf, "bytes 5-9/20");
    r = (struct byte_range){0, UINT64_MAX - 1};
    range_content_range(buf, sizeof(buf), &r, UINT64_MAX);
    assert_string_equal(buf, "bytes 0-18446744073709551614/18446744073709551615");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_single_forms),
        cmocka_unit_test(test_clamping),
        cmocka_unit_test(test_unsatisfiable),
        cmocka_unit_test(test_malformed_is_ignored),
        cmocka_unit_test(test_negative_looking_input),
        cmocka_unit_test(test_unit_case_and_whitespace),
        cmocka_unit_test(test_lists),
        cmocka_unit_test(test_many_ranges),
        cmocka_unit_test(test_huge_numbers),
        cmocka_unit_test(test_content_range),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
