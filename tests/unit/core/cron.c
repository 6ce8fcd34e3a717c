/* Tests src/core/cron.c */
/* cmocka.h needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/cron.h"

/* "YYYY-MM-DD HH:MM:SS" (UTC) to epoch seconds; timegm is the independent oracle. */
static int64_t at(const char *text)
{
    struct tm tm = {0};
    const char *end = strptime(text, "%Y-%m-%d %H:%M:%S", &tm);
    if (!end || *end)
        fail_msg("bad date in test: %s", text);
    return (int64_t)timegm(&tm);
}

static const char *show(int64_t t, char buf[32])
{
    if (t < 0)
        return "never";
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(buf, 32, "%Y-%m-%d %H:%M:%S", &tm);
    return buf;
}

static struct cron parse_ok(const char *expr)
{
    struct cron c;
    struct error err = {0};
    if (cron_parse(expr, &c, &err) != 0)
        fail_msg("'%s' rejected: %s", expr, err.message);
    return c;
}

/* Asserts the fire time after `after` ("never" for none). */
static void expect_next(const char *expr, const char *after, const char *want)
{
    struct cron c = parse_ok(expr);
    char buf[32];
    const char *got = show(cron_next(&c, at(after)), buf);
    if (strcmp(got, want) != 0)
        fail_msg("'%s' after %s: got %s, want %s", expr, after, got, want);
}

static void test_every_second(void **state)
{
    expect_next("* * * * * ?", "2024-01-01 00:00:00", "2024-01-01 00:00:01");
    expect_next("* * * * * ?", "2024-12-31 23:59:59", "2025-01-01 00:00:00");
    expect_next("* * * * * *", "2024-02-28 23:59:59", "2024-02-29 00:00:00");
    expect_next("* * * * * ? *", "2023-02-28 23:59:59", "2023-03-01 00:00:00");
    expect_next("  *\t* *  * *\n?  ", "2024-06-01 10:20:30", "2024-06-01 10:20:31");
}

static void test_weekly(void **state)
{
    /* 2024-06-05 is a Wednesday, 2024-06-08 a Saturday. */
    expect_next("0 0 2 ? * SAT", "2024-06-05 12:00:00", "2024-06-08 02:00:00");
    expect_next("0 0 2 ? * SAT", "2024-06-08 01:59:59", "2024-06-08 02:00:00");
    expect_next("0 0 2 ? * SAT", "2024-06-08 02:00:00", "2024-06-15 02:00:00"); /* strictly after */
    expect_next("0 0 2 ? * 7", "2024-06-05 12:00:00", "2024-06-08 02:00:00");
    expect_next("0 0 2 ? * sat", "2024-06-05 12:00:00", "2024-06-08 02:00:00");
    expect_next("0 0 12 ? * 1", "2024-06-05 12:00:00", "2024-06-09 12:00:00"); /* 1 = SUN */
    expect_next("0 0 12 ? * SUN", "2024-06-09 12:00:00", "2024-06-16 12:00:00");
    /* lenient: `*` in day-of-month counts like `?` */
    expect_next("0 0 2 * * SAT", "2024-06-05 12:00:00", "2024-06-08 02:00:00");
    expect_next("0 0 2 * * *", "2024-06-05 12:00:00", "2024-06-06 02:00:00");
    expect_next("0 0 2 15 * *", "2024-06-05 12:00:00", "2024-06-15 02:00:00");
}

static void test_ranges_steps_lists(void **state)
{
    const char *office = "0 0/15 9-17 ? * MON-FRI";
    expect_next(office, "2024-06-07 10:07:00", "2024-06-07 10:15:00");
    expect_next(office, "2024-06-07 17:45:00", "2024-06-10 09:00:00"); /* Friday to Monday */
    expect_next(office, "2024-06-08 08:00:00", "2024-06-10 09:00:00");
    expect_next("*/20 * * * * ?", "2024-06-07 00:00:41", "2024-06-07 00:01:00");
    expect_next("*/20 * * * * ?", "2024-06-07 00:00:20", "2024-06-07 00:00:40");
    expect_next("15/20 * * * * ?", "2024-06-07 00:00:35", "2024-06-07 00:00:55");
    expect_next("15/20 * * * * ?", "2024-06-07 00:00:55", "2024-06-07 00:01:15");
    expect_next("5,10,50 * * * * ?", "2024-06-07 00:00:10", "2024-06-07 00:00:50");
    expect_next("0 30 10-13/2 * * ?", "2024-06-07 10:30:00", "2024-06-07 12:30:00");
    expect_next("0 30 10-13/2 * * ?", "2024-06-07 12:30:00", "2024-06-08 10:30:00");
    expect_next("0 0 0,12 1,15 * ?", "2024-06-01 12:00:00", "2024-06-15 00:00:00");
    expect_next("0 0 0 ? * MON/2", "2024-06-05 00:00:00", "2024-06-07 00:00:00"); /* MON,WED,FRI */
    expect_next("0 0 0 ? * 2,4-5", "2024-06-06 00:00:00", "2024-06-10 00:00:00");
    expect_next("59 59 23 31 12 ?", "2024-12-31 23:59:59", "2025-12-31 23:59:59");
    expect_next("1-3,57-58 * * * * ?", "2024-06-07 00:00:03", "2024-06-07 00:00:57");
    expect_next("0 5-5 * * * ?", "2024-06-07 00:05:00", "2024-06-07 01:05:00");
}

static void test_names(void **state)
{
    expect_next("0 0 0 1 JAN,jul ?", "2024-02-01 00:00:00", "2024-07-01 00:00:00");
    expect_next("0 0 0 1 Jan,Jul ?", "2024-07-01 00:00:00", "2025-01-01 00:00:00");
    expect_next("0 0 0 1 MAR-MAY ?", "2024-05-01 00:00:00", "2025-03-01 00:00:00");
    expect_next("0 0 0 ? * TUE-THU", "2024-06-06 00:00:00", "2024-06-11 00:00:00");
    expect_next("0 0 0 ? DEC SUN", "2024-06-06 00:00:00", "2024-12-01 00:00:00");
}

static void test_leap_years(void **state)
{
    const char *feb29 = "0 0 0 29 2 ?";
    expect_next(feb29, "2024-03-01 00:00:00", "2028-02-29 00:00:00");
    expect_next(feb29, "1999-01-01 00:00:00", "2000-02-29 00:00:00"); /* divisible by 400 */
    expect_next(feb29, "2096-03-01 00:00:00", "never");               /* 2100 is not leap */
    expect_next("0 0 12 ? 2 *", "2023-02-28 12:00:00", "2024-02-01 12:00:00");
    expect_next("0 0 12 * 2 ?", "2024-02-28 12:00:00", "2024-02-29 12:00:00");
}

static void test_end_of_month(void **state)
{
    expect_next("0 0 0 31 * ?", "2024-04-01 00:00:00", "2024-05-31 00:00:00");
    expect_next("0 0 0 31 * ?", "2024-07-31 00:00:00", "2024-08-31 00:00:00");
    expect_next("0 0 0 30 * ?", "2024-01-30 00:00:00", "2024-03-30 00:00:00");
    expect_next("0 0 0 L * ?", "2024-02-10 00:00:00", "2024-02-29 00:00:00");
    expect_next("0 0 0 L * ?", "2023-02-10 00:00:00", "2023-02-28 00:00:00");
    expect_next("0 0 0 L * ?", "2024-04-30 00:00:00", "2024-05-31 00:00:00");
    expect_next("0 0 0 L * ?", "2024-12-31 00:00:00", "2025-01-31 00:00:00");
    expect_next("0 0 0 l 4,6 ?", "2024-05-01 00:00:00", "2024-06-30 00:00:00");
    expect_next("0 0 0 L * *", "2024-06-01 00:00:00", "2024-06-30 00:00:00");
}

static void test_never(void **state)
{
    /* Each scans every month up to 2099 without a match. */
    expect_next("0 0 0 30 2 ?", "2024-01-01 00:00:00", "never");
    expect_next("0 0 0 31 2 ?", "1970-01-01 00:00:00", "never");
    expect_next("0 0 0 31 2,4,6,9,11 ?", "1970-01-01 00:00:00", "never");
    expect_next("0 0 0 1 1 ?", "2099-01-01 00:00:00", "never");
    expect_next("59 59 23 31 12 ?", "2099-12-31 23:59:58", "2099-12-31 23:59:59");
    expect_next("59 59 23 31 12 ?", "2099-12-31 23:59:59", "never");
}

static void test_year_field(void **state)
{
    expect_next("0 0 0 1 1 ? 2030", "2024-06-01 00:00:00", "2030-01-01 00:00:00");
    expect_next("0 0 0 1 1 ? 2030", "2030-01-01 00:00:00", "never");
    expect_next("0 0 0 1 1 ? 2020", "2024-06-01 00:00:00", "never");
    expect_next("0 0 0 1 1 ? 2025-2031/3", "2025-01-01 00:00:00", "2028-01-01 00:00:00");
    expect_next("0 0 0 1 1 ? 2025,2099", "2025-01-01 00:00:00", "2099-01-01 00:00:00");
    expect_next("10 12 14 3 8 ? 2023", "2023-01-01 00:00:00", "2023-08-03 14:12:10");
    expect_next("0 15 10 * * ? 2018", "2018-12-31 10:15:00", "never");
    expect_next("0 0 0 * * ? *", "2024-06-01 00:00:00", "2024-06-02 00:00:00");
}

static void test_range_limits(void **state)
{
    struct cron c = parse_ok("* * * * * ?");
    assert_int_equal(cron_next(&c, -1), 0);
    assert_int_equal(cron_next(&c, -100000), 0);
    assert_int_equal(cron_next(&c, INT64_MIN), 0);
    assert_int_equal(cron_next(&c, INT64_MAX), -1);
    assert_int_equal(cron_next(&c, at("2099-12-31 23:59:58")), at("2099-12-31 23:59:59"));
    assert_int_equal(cron_next(&c, at("2099-12-31 23:59:59")), -1);
    assert_int_equal(cron_next(&c, at("2100-01-01 00:00:00")), -1);
    c = parse_ok("0 0 0 1 1 ?");
    assert_int_equal(cron_next(&c, INT64_MIN), 0);
    assert_int_equal(cron_next(&c, 0), at("1971-01-01 00:00:00"));
}

static void expect_invalid(const char *expr)
{
    struct cron c;
    struct error err = {0};
    if (cron_parse(expr, &c, &err) != -ERR_INVALID)
        fail_msg("'%s' accepted", expr);
    if (err.kind != ERR_INVALID || err.message[0] == '\0')
        fail_msg("'%s': no error message", expr);
}

static void test_invalid(void **state)
{
    /* clang-format off */
    const char *bad[] = {
        /* field count */
        "", "   ", "*", "* * * * *", "* * * * * ? 2030 1", "0 0 2 ? * SAT 2030 *",
        /* out of range */
        "60 * * * * ?", "* 60 * * * ?", "* * 24 * * ?", "* * * 0 * ?", "* * * 32 * ?",
        "* * * ? 0 *", "* * * ? 13 *", "* * * ? * 0", "* * * ? * 8", "* * * * * ? 1969",
        "* * * * * ? 2100", "* * * * * ? 0", "0 0 0 1-32 * ?", "0 0 0 ? * 1-8",
        /* `?` placement and the day rule */
        "? * * * * ?", "* ? * * * ?", "* * * * ? ?", "* * * ? * ?", "0 0 0 13 * FRI",
        "0 0 0 L * FRI", "0 0 0 1 * 2", "* * * * * ? ?",
        /* Quartz features that are not supported */
        "0 0 0 LW * ?", "0 0 0 15W * ?", "0 0 0 W * ?", "0 0 0 ? * 6L", "0 0 0 ? * L",
        "0 0 0 ? * 6#3", "0 0 0 L-3 * ?", "0 0 0 1,L * ?", "0 0 L * * ?", "L * * * * ?",
        /* backwards ranges (Quartz would wrap some of them) */
        "0 0 0 ? * FRI-MON", "0 0 22-2 * * ?", "0 0 0 1 DEC-JAN ?", "50-10 * * * * ?",
        /* steps */
        "*/0 * * * * ?", "*/61 * * * * ?", "0/ * * * * ?", "/5 * * * * ?", "0/5/5 * * * * ?",
        "0/-1 * * * * ?", "0/1000 * * * * ?", "0 0 0 ? * */8", "*/x * * * * ?",
        /* list and range syntax */
        "1- * * * * ?", "-1 * * * * ?", "1--2 * * * * ?", "1-2-3 * * * * ?", "1,,2 * * * * ?",
        ",1 * * * * ?", "1, * * * * ?", ", * * * * ?", "*,5 * * * * ?", "*/5,7 * * * * ?",
        "**/5 * * * * ?", "*-5 * * * * ?",
        /* values */
        "a * * * * ?", "00005 * * * * ?", "1.5 * * * * ?", "+1 * * * * ?", "0x1 * * * * ?",
        "0 0 0 ? JANUARY *", "0 0 0 ? * MONDAY", "0 0 0 ? FOO *", "0 0 0 ? * JAN",
        "0 0 0 ? MON *", "0 0 0 ? * MO", "0 0 JAN * * ?", "0 0 0 1 1 ? MMXX",
        "\xef\xbc\x90 * * * * ?", "\xff * * * * ?", "0 0 0 ? * S\xc3\x9cN",
        "0;0 * * * * ?", "0 0 0 ? * MON|FRI", "* * * * * ?;",
        NULL,
    };
    /* clang-format on */
    for (const char *const *s = bad; *s; s++)
        expect_invalid(*s);
    expect_invalid(NULL);
}

static void test_length_limit(void **state)
{
    /* A valid expression padded with blanks to exactly the limit is fine; one more
     * character, or a 10 KB string, is not. */
    char *s = malloc(10 * 1024 + 1);
    const char *expr = "0 0 2 ? * SAT";
    memset(s, ' ', CRON_MAX_LENGTH);
    memcpy(s, expr, strlen(expr));
    s[CRON_MAX_LENGTH] = '\0';
    parse_ok(s);
    s[CRON_MAX_LENGTH] = ' ';
    s[CRON_MAX_LENGTH + 1] = '\0';
    expect_invalid(s);
    memset(s, '*', 10 * 1024);
    s[10 * 1024] = '\0';
    expect_invalid(s);
    for (size_t i = 0; i < 10 * 1024; i += 2)
        s[i + 1] = ' ';
    expect_invalid(s);
    s[1000] = '\0'; /* 500 fields, within the length limit */
    expect_invalid(s);
    free(s);
}

static void test_messages(void **state)
{
    struct cron c;
    struct error err = {0};
    cron_parse("0 0 2 ? * SATURDAY", &c, &err);
    assert_non_null(strstr(err.message, "day-of-week"));
    assert_non_null(strstr(err.message, "SATURDAY"));
    assert_null(err.code);
    cron_parse("0 0 25 ? * SAT", &c, &err);
    assert_non_null(strstr(err.message, "hour"));
    cron_parse("0 0 2 ? *", &c, &err);
    assert_non_null(strstr(err.message, "5 fields"));
    cron_parse("0 0 0 15W * ?", &c, &err);
    assert_non_null(strstr(err.message, "not supported"));
    /* non-ASCII input is not copied into the message */
    cron_parse("0 0 0 ? * S\xc3\x9cN", &c, &err);
    assert_null(strchr(err.message, '\xc3'));
    assert_int_equal(cron_parse("* * * * * ?", &c, NULL), 0);
    assert_int_equal(cron_parse("* * * * *", &c, NULL), -ERR_INVALID);
}

#define HAS(set, i) (((set).bits[(i) / 64] >> ((i) % 64)) & 1)

/* Brute force, day part: does the date of t (UTC seconds) match, read through gmtime? */
static bool day_matches(const struct cron *c, int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm, tomorrow;
    gmtime_r(&tt, &tm);
    tt += 86400;
    gmtime_r(&tt, &tomorrow);
    int year = tm.tm_year + 1900;
    bool day = c->last_day ? tomorrow.tm_mday == 1 : HAS(c->day, tm.tm_mday - 1);
    return day && HAS(c->month, tm.tm_mon) && HAS(c->weekday, tm.tm_wday) &&
           year >= CRON_MIN_YEAR && year <= CRON_MAX_YEAR && HAS(c->year, year - CRON_MIN_YEAR);
}

/* The first match in (after, until], one second at a time; -1 when none. */
static int64_t scan(const struct cron *c, int64_t after, int64_t until)
{
    int64_t day = -1;
    bool day_ok = false;
    for (int64_t t = after + 1; t <= until; t++) {
        if (!HAS(c->second, t % 60) || !HAS(c->minute, t / 60 % 60) || !HAS(c->hour, t / 3600 % 24))
            continue;
        if (t / 86400 != day) {
            day = t / 86400;
            day_ok = day_matches(c, t);
        }
        if (day_ok)
            return t;
    }
    return -1;
}

/* Random expressions and start times against a second-by-second scan (bounded to
 * two days, so expressions fire often enough to be found). */
static void test_against_brute_force(void **state)
{
    static const char *const seconds[] = {"*", "0", "*/7", "5-9", "0,30", "59"};
    static const char *const minutes[] = {"*", "0", "0/15", "58-59", "1,31"};
    static const char *const hours[] = {"*", "0", "23", "1-3", "*/6"};
    static const char *const days[][2] = {{"*", "?"},       {"?", "*"},   {"L", "?"},
                                          {"?", "SAT,SUN"}, {"1-2", "?"}, {"*", "MON"},
                                          {"28-31", "*"}};
    srand(12345);
    for (int i = 0; i < 300; i++) {
        char expr[128];
        int d = rand() % 7;
        snprintf(expr, sizeof(expr), "%s %s %s %s * %s", seconds[rand() % 6], minutes[rand() % 5],
                 hours[rand() % 5], days[d][0], days[d][1]);
        struct cron c = parse_ok(expr);
        /* start somewhere between 2023 and 2029, at the end of a month half the time */
        int64_t after = at("2023-01-01 00:00:00") + (int64_t)(rand() % 2200) * 86400;
        if (rand() % 2)
            after -= rand() % 200000;
        int64_t until = after + 2 * 86400 + 3600;
        int64_t got = cron_next(&c, after), want = scan(&c, after, until);
        char a[32], g[32], w[32];
        if (want >= 0 && got != want)
            fail_msg("'%s' after %s: got %s, want %s", expr, show(after, a), show(got, g),
                     show(want, w));
        /* none within the scan: the answer lies beyond it and matches */
        if (want < 0 && (got <= until || scan(&c, got - 1, got) != got))
            fail_msg("'%s' after %s: got %s", expr, show(after, a), show(got, g));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_second),
        cmocka_unit_test(test_weekly),
        cmocka_unit_test(test_ranges_steps_lists),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_leap_years),
        cmocka_unit_test(test_end_of_month),
        cmocka_unit_test(test_never),
        cmocka_unit_test(test_year_field),
        cmocka_unit_test(test_range_limits),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_length_limit),
        cmocka_unit_test(test_messages),
        cmocka_unit_test(test_against_brute_force),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
