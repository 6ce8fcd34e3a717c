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

static void test_no_bytes_unit_is_ignored(void **state)
{
    /* No header, or no "bytes=" unit: the whole representation (RFC 9110). */
    const char *other[] = {NULL,        "",     "bytes",     "bytes 0-9",
                           "bytes:0-9", "=0-9", "items=0-9", " bytes =0-9"};
    for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++)
        expect_ranges(other[i], 100, RANGE_IGNORE, 0);
}

static void test_malformed_is_rejected(void **state)
{
    /* A bytes range that does not parse is refused with 416, as hawkBit does. */
    const char *bad[] = {
        "bytes=",        "bytes=,",       "bytes=a-b",
        "bytes=0-9x",    "bytes=5-4",     "bytes=-",
        "bytes=--5",     "bytes=0--5",    "bytes=+1-2",
        "bytes=1-+2",    "bytes=0-9;",    "bytes=0 -9",
        "bytes=0- 9",    "bytes=-5-",     "bytes=0-9,x",
        "bytes=0x10-",   "bytes=-1-2",    "bytes=1.5-2",
        "bytes=0-1 2",   "bytes==0-1",    "bytes=0-1,-",
        "bytes=0-1\r\n", "bytes=0-1\n",   "bytes=\xd9\xa1-\xd9\xa2", /* Arabic-Indic digits */
        "bytes=0-1 x",   "bytes=0-1;q=1", "bytes=-0x5",
        "bytes=1e3-",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        expect_ranges(bad[i], 100, RANGE_REJECTED, 0);
}

static void test_negative_looking_input(void **state)
{
    /* "-N" is a suffix, never a negative position; a second '-' is a syntax error. */
    expect_ranges("bytes=-1", 100, RANGE_SATISFIABLE, 1, R(99, 99));
    expect_ranges("bytes=-1-5", 100, RANGE_REJECTED, 0);
    expect_ranges("bytes=5--1", 100, RANGE_REJECTED, 0);
}

static void test_unit_case_and_whitespace(void **state)
{
    expect_ranges("BYTES=0-1", 10, RANGE_SATISFIABLE, 1, R(0, 1));
    expect_ranges("Bytes=0-1 , 3-4", 10, RANGE_SATISFIABLE, 2, R(0, 1), R(3, 4));
    expect_ranges("bytes=\t0-1\t,\t-2 ", 10, RANGE_SATISFIABLE, 2, R(0, 1), R(8, 9));
    expect_ranges("bytes=0-9,,50-", 100, RANGE_SATISFIABLE, 2, R(0, 9), R(50, 99));
    expect_ranges("bytes=,0-1,", 10, RANGE_SATISFIABLE, 1, R(0, 1));
}

static void test_lists(void **state)
{
    expect_ranges("bytes=0-0,-1", 10, RANGE_SATISFIABLE, 2, R(0, 0), R(9, 9));
    /* unsatisfiable members are dropped, the rest is kept in order */
    expect_ranges("bytes=500-600,2-3,-0", 10, RANGE_SATISFIABLE, 1, R(2, 3));
    /* adjacent ranges neither overlap nor go backwards */
    expect_ranges("bytes=0-4,5-9", 10, RANGE_SATISFIABLE, 2, R(0, 4), R(5, 9));
    expect_ranges("bytes=0-0,2-2,4-", 6, RANGE_SATISFIABLE, 3, R(0, 0), R(2, 2), R(4, 5));
    /* one invalid member refuses the whole header */
    expect_ranges("bytes=0-1,4-3", 10, RANGE_REJECTED, 0);
}

static void test_overlapping_and_unordered_are_rejected(void **state)
{
    expect_ranges("bytes=0-5,5-9", 10, RANGE_REJECTED, 0);     /* one shared byte */
    expect_ranges("bytes=0-9,2-3", 10, RANGE_REJECTED, 0);     /* contained */
    expect_ranges("bytes=0-0,0-0", 10, RANGE_REJECTED, 0);     /* repeated */
    expect_ranges("bytes=5-9,0-3", 10, RANGE_REJECTED, 0);     /* disjoint but backwards */
    expect_ranges("bytes=0-1,4-5,2-3", 10, RANGE_REJECTED, 0); /* backwards later on */
    /* compared after suffixes are resolved and ends clamped */
    expect_ranges("bytes=-5,0-1", 10, RANGE_REJECTED, 0); /* 5-9, then 0-1 */
    expect_ranges("bytes=0-1,-9", 10, RANGE_REJECTED, 0); /* 0-1, then 1-9 */
    expect_ranges("bytes=0-1,-8", 10, RANGE_SATISFIABLE, 2, R(0, 1), R(2, 9));
    expect_ranges("bytes=8-100,9-", 10, RANGE_REJECTED, 0); /* 8-9, then 9-9 */
    expect_ranges("bytes=2-,-1", 10, RANGE_REJECTED, 0);    /* 2-9, then 9-9 */
    /* only the satisfiable members count: a dropped one cannot be out of order */
    expect_ranges("bytes=0-1,50-60,5-6", 10, RANGE_SATISFIABLE, 2, R(0, 1), R(5, 6));
    expect_ranges("bytes=50-,2-3,0-1", 10, RANGE_REJECTED, 0);
    /* a syntax error refuses the header like a bad order does */
    expect_ranges("bytes=5-9,0-1,x", 10, RANGE_REJECTED, 0);
}

static void test_resume_past_end(void **state)
{
    /* rauc-hawkbit-updater resumes with "bytes=N-": N at or past the size is a 416
     * (which download.c sends with Content-Range bytes, asterisk, slash, size). */
    expect_ranges("bytes=1000-", 1000, RANGE_UNSATISFIABLE, 0);
    expect_ranges("bytes=1001-", 1000, RANGE_UNSATISFIABLE, 0);
    expect_ranges("bytes=999-", 1000, RANGE_SATISFIABLE, 1, R(999, 999));
    expect_ranges("bytes=0-", 1, RANGE_SATISFIABLE, 1, R(0, 0));
    expect_ranges("bytes=1-", 1, RANGE_UNSATISFIABLE, 0);
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
    assert_int_equal(range_parse(h, 1000, &set), RANGE_REJECTED);
    assert_int_equal(set.count, 0);
    /* many unsatisfiable specs count too */
    strcpy(h, "bytes=");
    for (int i = 0; i < 200; i++)
        strcat(h, "5000-,");
    assert_int_equal(range_parse(h, 1000, &set), RANGE_REJECTED);
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
    expect_ranges("bytes=18446744073709551617-18446744073709551616", 100, RANGE_REJECTED, 0);
    expect_ranges("bytes=000000000000000000000000000005-0007", 100, RANGE_SATISFIABLE, 1, R(5, 7));
    expect_ranges("bytes=0007-05", 100, RANGE_REJECTED, 0);
    /* in lists: saturated ends clamp before the order check, past-end members drop */
    expect_ranges("bytes=0-99999999999999999999999999,5-", 100, RANGE_REJECTED, 0);
    expect_ranges("bytes=0-1,99999999999999999999999999-", 100, RANGE_SATISFIABLE, 1, R(0, 1));
    expect_ranges("bytes=-99999999999999999999999999,-1", 100, RANGE_REJECTED, 0);
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
        cmocka_unit_test(test_no_bytes_unit_is_ignored),
        cmocka_unit_test(test_malformed_is_rejected),
        cmocka_unit_test(test_negative_looking_input),
        cmocka_unit_test(test_unit_case_and_whitespace),
        cmocka_unit_test(test_lists),
        cmocka_unit_test(test_overlapping_and_unordered_are_rejected),
        cmocka_unit_test(test_resume_past_end),
        cmocka_unit_test(test_many_ranges),
        cmocka_unit_test(test_huge_numbers),
        cmocka_unit_test(test_content_range),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
