/* libFuzzer driver for src/core/cron.c and src/core/maintenance.c. The input is
 * "schedule\0duration\0timezone"; without a NUL it is a schedule alone, with
 * duration 01:00:00 and timezone Z. Checks, besides no crash and no sanitizer report:
 * - cron_parse and maintenance_validate return 0 or -ERR_INVALID, the latter with a
 *   message of printable ASCII only (the input is quoted into it);
 * - a fire time found by cron_next lies after its start point and before 2100, and
 *   no start point between them finds an earlier one;
 * - maintenance_state agrees with maintenance_validate and with itself (an open
 *   window contains now; a closed one starts after now; lapsed means no window). */
#include "core/maintenance.h"
#include "core/cron.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Start points: before 1970, 1970, mid-2024, late 2099. */
static const int64_t nows_ms[] = {INT64_MIN, -1, 0, 1717588800000, 4102444799000};

static void check_message(const struct error *err)
{
    if (err->kind != ERR_INVALID || err->message[0] == '\0')
        abort();
    for (const char *p = err->message; *p; p++)
        if (*p < 0x20 || *p > 0x7e)
            abort();
}

static void check_next(const struct cron *c, int64_t after)
{
    const int64_t end = 4102444800; /* 2100-01-01T00:00:00 */
    int64_t next = cron_next(c, after);
    if (next == -1)
        return;
    if (next <= after || next >= end || next < 0)
        abort();
    /* nothing fires in (after, next): any start point in [after, next) finds next */
    int64_t from = after < -1 ? -1 : after;
    if (cron_next(c, from + (next - from) / 2) != next || cron_next(c, next - 1) != next)
        abort();
    int64_t later = cron_next(c, next);
    if (later != -1 && later <= next)
        abort();
}

static void check_cron(const char *schedule)
{
    struct cron c;
    struct error err = {0};
    int rc = cron_parse(schedule, &c, &err);
    if (rc == -ERR_INVALID) {
        check_message(&err);
        return;
    }
    if (rc != 0)
        abort();
    for (size_t i = 0; i < sizeof(nows_ms) / sizeof(nows_ms[0]); i++)
        check_next(&c, nows_ms[i] / 1000);
}

static void check_window(const char *schedule, const char *duration, const char *timezone)
{
    for (size_t i = 0; i < sizeof(nows_ms) / sizeof(nows_ms[0]); i++) {
        int64_t now = nows_ms[i];
        struct error err = {0};
        struct maintenance_state st;
        int valid = maintenance_validate(schedule, duration, timezone, now, &err);
        int rc = maintenance_state(schedule, duration, timezone, now, &st);
        if (valid != 0) {
            check_message(&err);
            if (valid != -ERR_INVALID || !err.code || strcmp(err.code, MAINTENANCE_ERROR_CODE))
                abort();
        }
        if ((rc != 0 && rc != -ERR_INVALID) || (valid == 0) != (rc == 0 && !st.lapsed))
            abort();
        if (st.lapsed && (st.open || st.window_start_ms != -1 || st.next_start_ms != -1))
            abort();
        if (st.open &&
            (st.window_start_ms > now || (st.next_start_ms != -1 && st.next_start_ms <= now)))
            abort();
        if (!st.open && !st.lapsed &&
            (st.window_start_ms <= now || st.next_start_ms != st.window_start_ms))
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = malloc(size + 3);
    memcpy(copy, data, size);
    copy[size] = copy[size + 1] = copy[size + 2] = '\0';
    const char *schedule = copy, *duration = "01:00:00", *timezone = "Z";
    if (memchr(copy, '\0', size)) {
        duration = schedule + strlen(schedule) + 1;
        if (duration > copy + size)
            duration = copy + size;
        timezone = duration + strlen(duration) + 1;
        if (timezone > copy + size + 1)
            timezone = copy + size + 1;
    }
    check_cron(schedule);
    check_window(schedule, duration, timezone);
    free(copy);
    return 0;
}
