#include "core/maintenance.h"

#include "core/cron.h"
#include "util/time.h"

#include <string.h>

#define MAX_OFFSET_SECONDS (18 * 3600)

struct window {
    struct cron cron;
    int64_t duration_ms;
    int offset_s; /* wall clock of the window = UTC + offset_s */
};

static int digits(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* ZoneOffset.of(): "Z", or a sign followed by h, hh, hhmm, hh:mm, hhmmss or hh:mm:ss. */
static int parse_offset(const char *s, int *out)
{
    if (strcmp(s, "Z") == 0) {
        *out = 0;
        return 0;
    }
    if (s[0] != '+' && s[0] != '-')
        return -1;
    const char *p = s + 1;
    int h = -1, m = 0, sec = 0;
    switch (strnlen(p, 9)) {
    case 1:
    case 2:
        h = digits(p, strlen(p));
        break;
    case 4:
        h = digits(p, 2), m = digits(p + 2, 2);
        break;
    case 5:
        h = p[2] == ':' ? digits(p, 2) : -1, m = digits(p + 3, 2);
        break;
    case 6:
        h = digits(p, 2), m = digits(p + 2, 2), sec = digits(p + 4, 2);
        break;
    case 8:
        h = p[2] == ':' && p[5] == ':' ? digits(p, 2) : -1;
        m = digits(p + 3, 2), sec = digits(p + 6, 2);
        break;
    }
    if (h < 0 || m < 0 || sec < 0 || m > 59 || sec > 59)
        return -1;
    int total = h * 3600 + m * 60 + sec;
    if (total > MAX_OFFSET_SECONDS)
        return -1;
    *out = s[0] == '-' ? -total : total;
    return 0;
}

static int invalid(struct error *err, const char *what, const char *value, const char *expected)
{
    char shown[40];
    size_t i = 0;
    for (; value[i] && i < 32; i++)
        shown[i] = value[i] >= 0x20 && value[i] < 0x7f ? value[i] : '?';
    shown[i] = '\0';
    return err_set(err, ERR_INVALID, MAINTENANCE_ERROR_CODE,
                   "Maintenance window %s '%s%s' is invalid: %s", what, shown,
                   value[i] ? "..." : "", expected);
}

static int parse_window(const char *schedule, const char *duration, const char *timezone,
                        struct window *w, struct error *err)
{
    if (!schedule || !duration || !timezone)
        return err_set(err, ERR_INVALID, MAINTENANCE_ERROR_CODE,
                       "A maintenance window needs schedule, duration and timezone");
    if (cron_parse(schedule, &w->cron, err) < 0) {
        if (err)
            err->code = MAINTENANCE_ERROR_CODE;
        return -ERR_INVALID;
    }
    int seconds = time_parse_hms(duration);
    if (seconds < 0)
        return invalid(err, "duration", duration, "expected HH:mm:ss");
    if (seconds == 0)
        return invalid(err, "duration", duration, "a window of length zero never opens");
    w->duration_ms = (int64_t)seconds * 1000;
    if (parse_offset(timezone, &w->offset_s) < 0)
        return invalid(err, "timezone", timezone,
                       "expected a UTC offset such as +01:00, -05:30 or Z");
    return 0;
}

/* The first window start strictly after t_ms, or -1. Starts are whole seconds, so
 * "after t_ms" is "after floor(t_ms / 1000) seconds". */
static int64_t start_after(const struct window *w, int64_t t_ms)
{
    int64_t t = t_ms / 1000 - (t_ms % 1000 < 0);
    int64_t local = cron_next(&w->cron, t + w->offset_s);
    return local < 0 ? -1 : (local - w->offset_s) * 1000;
}

/* A window starting at s is open at now iff now - duration < s <= now. */
static void compute(const struct window *w, int64_t now_ms, struct maintenance_state *out)
{
    int64_t since = now_ms < INT64_MIN + w->duration_ms ? INT64_MIN : now_ms - w->duration_ms;
    int64_t first = start_after(w, since);
    out->window_start_ms = first;
    out->open = first >= 0 && first <= now_ms;
    out->next_start_ms = out->open ? start_after(w, now_ms) : first;
    out->lapsed = first < 0;
}

int maintenance_validate(const char *schedule, const char *duration, const char *timezone,
                         int64_t now_ms, struct error *err)
{
    struct window w;
    struct maintenance_state st;
    if (parse_window(schedule, duration, timezone, &w, err) < 0)
        return -ERR_INVALID;
    compute(&w, now_ms, &st);
    if (st.lapsed)
        return err_set(err, ERR_INVALID, MAINTENANCE_ERROR_CODE,
                       "No valid maintenance window available after current time");
    return 0;
}

int maintenance_state(const char *schedule, const char *duration, const char *timezone,
                      int64_t now_ms, struct maintenance_state *out)
{
    struct window w;
    if (parse_window(schedule, duration, timezone, &w, NULL) < 0) {
        *out = (struct maintenance_state){
            .open = false, .window_start_ms = -1, .next_start_ms = -1, .lapsed = true};
        return -ERR_INVALID;
    }
    compute(&w, now_ms, out);
    return 0;
}

int maintenance_check_optional(const char *schedule, const char *duration, const char *timezone,
                               int64_t now_ms, struct error *err)
{
    int fields = (schedule != NULL) + (duration != NULL) + (timezone != NULL);
    if (fields == 0)
        return 0;
    if (fields != 3)
        return err_set(err, ERR_INVALID, MAINTENANCE_ERROR_CODE,
                       "A maintenance window needs schedule, duration and timezone");
    return maintenance_validate(schedule, duration, timezone, now_ms, err);
}
