/* Tests src/core/maintenance.c */
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

#include "core/maintenance.h"

/* "YYYY-MM-DD HH:MM:SS" (UTC) to epoch milliseconds. */
static int64_t ms(const char *text)
{
    struct tm tm = {0};
    const char *end = strptime(text, "%Y-%m-%d %H:%M:%S", &tm);
    if (!end || *end)
        fail_msg("bad date in test: %s", text);
    return (int64_t)timegm(&tm) * 1000;
}

static struct maintenance_state state(const char *schedule, const char *duration, const char *tz,
                                      int64_t now)
{
    struct maintenance_state st;
    if (maintenance_state(schedule, duration, tz, now, &st) != 0)
        fail_msg("'%s' '%s' '%s' rejected", schedule, duration, tz);
    return st;
}

static void expect_valid(const char *schedule, const char *duration, const char *tz, int64_t now)
{
    struct error err = {0};
    if (maintenance_validate(schedule, duration, tz, now, &err) != 0)
        fail_msg("'%s' '%s' '%s' rejected: %s", schedule, duration, tz, err.message);
}

/* Invalid with hawkBit's error code and a message containing `about`. */
static void expect_invalid(const char *schedule, const char *duration, const char *tz, int64_t now,
                           const char *about)
{
    struct error err = {0};
    if (maintenance_validate(schedule, duration, tz, now, &err) != -ERR_INVALID)
        fail_msg("'%s' '%s' '%s' accepted", schedule ? schedule : "(null)",
                 duration ? duration : "(null)", tz ? tz : "(null)");
    assert_int_equal(err.kind, ERR_INVALID);
    assert_string_equal(err.code, "maintenanceScheduleInvalid");
    if (!strstr(err.message, about))
        fail_msg("message '%s' does not mention '%s'", err.message, about);
    struct maintenance_state st;
    if (now == ms("2024-06-05 12:00:00") &&
        maintenance_state(schedule, duration, tz, now, &st) == 0 && !st.lapsed)
        fail_msg("'%s' '%s' '%s': state() accepts what validate() rejects", schedule, duration, tz);
}

static const char *const saturday_2am = "0 0 2 ? * SAT";

static void test_weekly_window(void **state_)
{
    int64_t wed_noon = ms("2024-06-05 12:00:00"); /* a Wednesday */
    expect_valid(saturday_2am, "02:00:00", "+00:00", wed_noon);
    struct maintenance_state st = state(saturday_2am, "02:00:00", "Z", wed_noon);
    assert_false(st.open);
    assert_false(st.lapsed);
    assert_int_equal(st.next_start_ms, ms("2024-06-08 02:00:00"));
    assert_int_equal(st.window_start_ms, st.next_start_ms);
}

static void test_open_and_closed(void **state_)
{
    const char *daily = "0 0 2 * * ?";
    /* half-open window [02:00:00, 03:00:00) */
    struct maintenance_state st = state(daily, "01:00:00", "Z", ms("2024-06-05 01:59:59") + 999);
    assert_false(st.open);
    assert_int_equal(st.next_start_ms, ms("2024-06-05 02:00:00"));

    st = state(daily, "01:00:00", "Z", ms("2024-06-05 02:00:00"));
    assert_true(st.open);
    assert_false(st.lapsed);
    assert_int_equal(st.window_start_ms, ms("2024-06-05 02:00:00"));
    assert_int_equal(st.next_start_ms, ms("2024-06-06 02:00:00"));

    st = state(daily, "01:00:00", "Z", ms("2024-06-05 02:59:59") + 999);
    assert_true(st.open);
    assert_int_equal(st.window_start_ms, ms("2024-06-05 02:00:00"));

    st = state(daily, "01:00:00", "Z", ms("2024-06-05 03:00:00"));
    assert_false(st.open);
    assert_false(st.lapsed);
    assert_int_equal(st.window_start_ms, ms("2024-06-06 02:00:00"));
    assert_int_equal(st.next_start_ms, ms("2024-06-06 02:00:00"));

    /* the shortest window: one second */
    st = state(daily, "00:00:01", "Z", ms("2024-06-05 02:00:00") + 500);
    assert_true(st.open);
    st = state(daily, "00:00:01", "Z", ms("2024-06-05 02:00:01"));
    assert_false(st.open);
}

static void test_overlapping_windows(void **state_)
{
    /* every minute, open for an hour: always open, the oldest open window shown */
    int64_t now = ms("2024-06-05 12:00:30");
    struct maintenance_state st = state("0 * * * * ?", "01:00:00", "Z", now);
    assert_true(st.open);
    assert_int_equal(st.window_start_ms, ms("2024-06-05 11:01:00"));
    assert_int_equal(st.next_start_ms, ms("2024-06-05 12:01:00"));
}

static void test_timezones(void **state_)
{
    int64_t wed_noon = ms("2024-06-05 12:00:00");
    /* Saturday 02:00 at +01:00 is Saturday 01:00 UTC, Saturday 00:30 is Friday 23:30 */
    assert_int_equal(state(saturday_2am, "01:00:00", "+01:00", wed_noon).next_start_ms,
                     ms("2024-06-08 01:00:00"));
    assert_int_equal(state("0 30 0 ? * SAT", "01:00:00", "+01:00", wed_noon).next_start_ms,
                     ms("2024-06-07 23:30:00"));
    /* Friday 23:30 at -05:00 is Saturday 04:30 UTC */
    assert_int_equal(state("0 30 23 ? * FRI", "01:00:00", "-05:00", wed_noon).next_start_ms,
                     ms("2024-06-08 04:30:00"));
    /* Monday 01:00 at +05:30 is Sunday 19:30 UTC */
    assert_int_equal(state("0 0 1 ? * MON", "01:00:00", "+05:30", wed_noon).next_start_ms,
                     ms("2024-06-09 19:30:00"));
    /* the first of July at +02:00 begins on the 30th of June in UTC */
    assert_int_equal(state("0 0 0 1 * ?", "01:00:00", "+02:00", wed_noon).next_start_ms,
                     ms("2024-06-30 22:00:00"));
    /* New Year at -05:00 and +05:00 */
    assert_int_equal(state("0 0 0 1 1 ? 2030", "01:00:00", "-05:00", wed_noon).next_start_ms,
                     ms("2030-01-01 05:00:00"));
    assert_int_equal(state("0 0 0 1 1 ? 2030", "01:00:00", "+05:00", wed_noon).next_start_ms,
                     ms("2029-12-31 19:00:00"));
    /* open in local time: 02:30 at +01:00 is 01:30 UTC */
    struct maintenance_state st =
        state("0 0 2 * * ?", "01:00:00", "+01:00", ms("2024-06-05 01:30:00"));
    assert_true(st.open);
    assert_int_equal(st.window_start_ms, ms("2024-06-05 01:00:00"));
    /* the same UTC moment is outside the window at +00:00 */
    assert_false(state("0 0 2 * * ?", "01:00:00", "Z", ms("2024-06-05 01:30:00")).open);
}

static void test_offset_forms(void **state_)
{
    int64_t now = ms("2024-06-05 12:00:00");
    const char *daily = "0 0 12 * * ?";
    /* clang-format off */
    const struct { const char *tz; int offset_s; } ok[] = {
        {"Z", 0}, {"+00:00", 0}, {"-00:00", 0}, {"+1", 3600}, {"-9", -9 * 3600},
        {"+01", 3600}, {"+0130", 5400}, {"+01:30", 5400}, {"-05:30", -19800},
        {"+013015", 5415}, {"+01:30:15", 5415}, {"+18:00", 64800}, {"-18:00", -64800},
        {"+14:00", 50400},
    };
    const char *bad[] = {
        "", "z", "UTC", "GMT", "Europe/Berlin", "01:00", "+", "+001", "+1:00", "+01:0",
        "+01-00", "+01:00:0", "+18:01", "+19:00", "-18:00:01", "+01:60", "+01:00:60",
        "++01:00", "+01:00 ", " +01:00", "+0a:00", "+01:00Z", "+01:30:15:00", "+\xd9\xa1",
        NULL,
    };
    /* clang-format on */
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        /* 12:00 local is 12:00 UTC minus the offset; next day when that has passed */
        int64_t start = ms("2024-06-05 12:00:00") - (int64_t)ok[i].offset_s * 1000;
        if (start <= now)
            start += 86400 * 1000;
        if (state(daily, "00:00:01", ok[i].tz, now).next_start_ms != start)
            fail_msg("timezone '%s'", ok[i].tz);
    }
    for (const char *const *tz = bad; *tz; tz++)
        expect_invalid(daily, "01:00:00", *tz, now, "timezone");
}

static void test_durations(void **state_)
{
    int64_t now = ms("2024-06-05 12:00:00");
    expect_valid(saturday_2am, "23:59:59", "Z", now);
    expect_valid(saturday_2am, "00:00:01", "Z", now);
    expect_invalid(saturday_2am, "00:00:00", "Z", now, "length zero");
    const char *bad[] = {"",     "24:00:00",  "1:00:00",   "01:00", "01:00:00.000",
                         "PT1H", " 01:00:00", "-01:00:00", NULL};
    for (const char *const *d = bad; *d; d++)
        expect_invalid(saturday_2am, *d, "Z", now, "duration");
}

static void test_lapsed(void **state_)
{
    int64_t now = ms("2024-06-05 12:00:00");
    /* year field in the past */
    struct maintenance_state st = state("0 0 0 1 1 ? 2020", "01:00:00", "Z", now);
    assert_true(st.lapsed);
    assert_false(st.open);
    assert_int_equal(st.next_start_ms, -1);
    assert_int_equal(st.window_start_ms, -1);
    expect_invalid("0 0 0 1 1 ? 2020", "01:00:00", "Z", now, "No valid maintenance window");
    /* a date that never comes */
    expect_invalid("0 0 0 30 2 ?", "01:00:00", "Z", now, "No valid maintenance window");
    /* the last window is open: valid, not lapsed, nothing after it */
    int64_t inside = ms("2024-01-01 01:00:00");
    expect_valid("0 0 0 1 1 ? 2024", "02:00:00", "Z", inside);
    st = state("0 0 0 1 1 ? 2024", "02:00:00", "Z", inside);
    assert_true(st.open);
    assert_false(st.lapsed);
    assert_int_equal(st.window_start_ms, ms("2024-01-01 00:00:00"));
    assert_int_equal(st.next_start_ms, -1);
    /* ... and once it has closed, lapsed */
    st = state("0 0 0 1 1 ? 2024", "02:00:00", "Z", ms("2024-01-01 02:00:00"));
    assert_true(st.lapsed);
    assert_false(st.open);
    /* a future year is fine */
    expect_valid("0 0 0 1 1 ? 2030", "01:00:00", "Z", now);
    /* Quartz's last window (2099-12-31 23:59:59) is still open an hour later, then
     * everything has lapsed */
    assert_true(state("* * * * * ?", "01:00:00", "Z", ms("2100-01-01 00:59:58")).open);
    assert_true(state("* * * * * ?", "01:00:00", "Z", ms("2100-01-01 00:59:59")).lapsed);
    assert_true(state("* * * * * ?", "01:00:00", "Z", INT64_MAX).lapsed);
}

static void test_extreme_now(void **state_)
{
    /* before 1970 the first window is the first of 1970, in the window's own clock */
    struct maintenance_state st = state("0 0 0 1 1 ?", "23:59:59", "+01:00", INT64_MIN);
    assert_false(st.open);
    assert_int_equal(st.next_start_ms, -3600 * 1000);
    st = state("0 0 0 1 1 ?", "23:59:59", "-01:00", -1);
    assert_int_equal(st.next_start_ms, 3600 * 1000);
    expect_valid("* * * * * ?", "23:59:59", "-18:00", INT64_MIN);
    /* sub-second now: a start equal to now is open, one a millisecond later is next */
    st = state("* * * * * ?", "00:00:01", "Z", ms("2024-06-05 12:00:00") + 1);
    assert_true(st.open);
    assert_int_equal(st.window_start_ms, ms("2024-06-05 12:00:00"));
    assert_int_equal(st.next_start_ms, ms("2024-06-05 12:00:01"));
    st = state("* * * * * ?", "00:00:01", "Z", ms("2024-06-05 12:00:00") - 1);
    assert_true(st.open);
    assert_int_equal(st.window_start_ms, ms("2024-06-05 11:59:59"));
    assert_int_equal(st.next_start_ms, ms("2024-06-05 12:00:00"));
}

static void test_invalid_schedules(void **state_)
{
    int64_t now = ms("2024-06-05 12:00:00");
    expect_invalid("", "01:00:00", "Z", now, "6 or 7");
    expect_invalid("0 0 2 ? *", "01:00:00", "Z", now, "5 fields");
    expect_invalid("0 0 2 ? * SATURDAY", "01:00:00", "Z", now, "day-of-week");
    expect_invalid("0 0 25 ? * SAT", "01:00:00", "Z", now, "hour");
    expect_invalid("0 0 2 13 * FRI", "01:00:00", "Z", now, "either");
    expect_invalid("0 0 2 ? * 6#3", "01:00:00", "Z", now, "not supported");
    expect_invalid("garbage", "01:00:00", "Z", now, "fields");
    char *big = malloc(10 * 1024 + 1);
    memset(big, '1', 10 * 1024);
    big[10 * 1024] = '\0';
    expect_invalid(big, "01:00:00", "Z", now, "longer");
    expect_invalid("0 0 2 ? * SAT", big, "Z", now, "duration");
    expect_invalid("0 0 2 ? * SAT", "01:00:00", big, now, "timezone");
    free(big);
}

static void test_null_pieces(void **state_)
{
    int64_t now = ms("2024-06-05 12:00:00");
    expect_invalid(NULL, "01:00:00", "Z", now, "schedule, duration and timezone");
    expect_invalid(saturday_2am, NULL, "Z", now, "schedule, duration and timezone");
    expect_invalid(saturday_2am, "01:00:00", NULL, now, "schedule, duration and timezone");
    expect_invalid(NULL, NULL, NULL, now, "schedule, duration and timezone");
    struct maintenance_state st = {.open = true};
    assert_int_equal(maintenance_state(NULL, NULL, NULL, now, &st), -ERR_INVALID);
    assert_true(st.lapsed);
    assert_false(st.open);
    assert_int_equal(st.next_start_ms, -1);
    assert_int_equal(st.window_start_ms, -1);
    assert_int_equal(maintenance_state("bad", "01:00:00", "Z", now, &st), -ERR_INVALID);
    assert_true(st.lapsed);
    /* a NULL error is allowed */
    assert_int_equal(maintenance_validate("bad", "01:00:00", "Z", now, NULL), -ERR_INVALID);
    assert_int_equal(maintenance_validate(saturday_2am, "01:00:00", "Z", now, NULL), 0);
}

static void test_messages_stay_ascii(void **state_)
{
    struct error err = {0};
    maintenance_validate(saturday_2am, "01:00:0\xc3\xa9", "Z", 0, &err);
    assert_non_null(strstr(err.message, "duration"));
    for (const char *p = err.message; *p; p++)
        assert_true(*p >= 0x20 && *p < 0x7f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_weekly_window),
        cmocka_unit_test(test_open_and_closed),
        cmocka_unit_test(test_overlapping_windows),
        cmocka_unit_test(test_timezones),
        cmocka_unit_test(test_offset_forms),
        cmocka_unit_test(test_durations),
        cmocka_unit_test(test_lapsed),
        cmocka_unit_test(test_extreme_now),
        cmocka_unit_test(test_invalid_schedules),
        cmocka_unit_test(test_null_pieces),
        cmocka_unit_test(test_messages_stay_ascii),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
