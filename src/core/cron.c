#include "core/cron.h"

#include <string.h>
#include <strings.h>

/* Backstop for cron_next's loop. A search moves to the next month at most once per
 * month up to the end of CRON_MAX_YEAR (1,560 months) and carries between smaller
 * units only a few times in all, so this is never reached. */
#define MAX_STEPS 4096

enum { F_SECOND, F_MINUTE, F_HOUR, F_DAY, F_MONTH, F_WEEKDAY, F_YEAR, FIELD_COUNT };

struct field {
    const char *name;
    int min, max;
    const char *const *names; /* names[i] stands for min + i; NULL = numbers only */
};

static const char *const month_names[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL",
                                          "AUG", "SEP", "OCT", "NOV", "DEC", NULL};
static const char *const day_names[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT", NULL};

static const struct field fields[FIELD_COUNT] = {
    [F_SECOND] = {"second", 0, 59, NULL},
    [F_MINUTE] = {"minute", 0, 59, NULL},
    [F_HOUR] = {"hour", 0, 23, NULL},
    [F_DAY] = {"day-of-month", 1, 31, NULL},
    [F_MONTH] = {"month", 1, 12, month_names},
    [F_WEEKDAY] = {"day-of-week", 1, 7, day_names},
    [F_YEAR] = {"year", CRON_MIN_YEAR, CRON_MAX_YEAR, NULL},
};

/* How a field was written, for the day-of-month / day-of-week rule. */
enum field_kind { FIELD_VALUES, FIELD_ANY /* `*` */, FIELD_UNSET /* `?` */ };

/* A piece of the expression (not NUL-terminated). */
struct span {
    const char *p;
    size_t n;
};

static void set_bit(struct cron_set *s, int i)
{
    s->bits[i / 64] |= (uint64_t)1 << (i % 64);
}

static bool has(const struct cron_set *s, int i)
{
    return (s->bits[i / 64] >> (i % 64)) & 1;
}

static void set_all(struct cron_set *s, const struct field *f)
{
    for (int i = 0; i <= f->max - f->min; i++)
        set_bit(s, i);
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool span_is(struct span s, const char *text)
{
    return s.n == strlen(text) && memcmp(s.p, text, s.n) == 0;
}

/* Printable copy of a piece of user input for an error message: at most 32
 * characters, anything but printable ASCII shown as '?'. */
static const char *quote(struct span s, char buf[40])
{
    size_t n = s.n > 32 ? 32 : s.n, i;
    for (i = 0; i < n; i++)
        buf[i] = s.p[i] >= 0x20 && s.p[i] < 0x7f ? s.p[i] : '?';
    if (s.n > n)
        memcpy(buf + i, "...", 3), i += 3;
    buf[i] = '\0';
    return buf;
}

/* Splits at blanks; returns the number of fields, storing at most `max`. */
static size_t split_fields(const char *s, struct span *out, size_t max)
{
    size_t n = 0;
    for (;;) {
        while (is_blank(*s))
            s++;
        if (*s == '\0')
            return n;
        const char *start = s;
        while (*s != '\0' && !is_blank(*s))
            s++;
        if (n < max)
            out[n] = (struct span){start, (size_t)(s - start)};
        n++;
    }
}

/* 1-4 decimal digits; -1 otherwise. */
static int parse_number(struct span s)
{
    if (s.n < 1 || s.n > 4)
        return -1;
    int v = 0;
    for (size_t i = 0; i < s.n; i++) {
        if (!is_digit(s.p[i]))
            return -1;
        v = v * 10 + (s.p[i] - '0');
    }
    return v;
}

/* A number, or a name of the field (any case); -1 otherwise. */
static int parse_value(const struct field *f, struct span s)
{
    int v = parse_number(s);
    if (v >= 0)
        return v;
    if (f->names && s.n == 3)
        for (int i = 0; f->names[i]; i++)
            if (strncasecmp(s.p, f->names[i], 3) == 0)
                return f->min + i;
    return -1;
}

/* Quartz's L, W and # forms: digits and those letters only ("15W", "6L", "6#3", "LW"). */
static bool looks_like_quartz_special(struct span s)
{
    for (size_t i = 0; i < s.n; i++)
        if (!is_digit(s.p[i]) && !memchr("LlWw#", s.p[i], 5))
            return false;
    return true;
}

static int bad_value(const struct field *f, struct span s, struct error *err)
{
    char q[40];
    return err_set(err, ERR_INVALID, NULL, "Invalid %s '%s'%s", f->name, quote(s, q),
                   looks_like_quartz_special(s)
                       ? ": L (other than a lone L in day-of-month), W and # are not supported"
                       : "");
}

/* Reads `v` or `a-b` into *lo, *hi; a lone value with a step runs to the field's end. */
static int parse_range(const struct field *f, struct span s, bool stepped, int *lo, int *hi,
                       struct error *err)
{
    if (span_is(s, "*")) {
        *lo = f->min, *hi = f->max;
        return 0;
    }
    const char *dash = memchr(s.p, '-', s.n);
    struct span first = {s.p, dash ? (size_t)(dash - s.p) : s.n};
    if ((*lo = parse_value(f, first)) < 0)
        return bad_value(f, first, err);
    if (dash) {
        struct span second = {dash + 1, s.n - first.n - 1};
        if ((*hi = parse_value(f, second)) < 0)
            return bad_value(f, second, err);
    } else {
        *hi = stepped ? f->max : *lo;
    }
    int outside = *lo < f->min || *lo > f->max ? *lo : *hi < f->min || *hi > f->max ? *hi : -1;
    if (outside >= 0)
        return err_set(err, ERR_INVALID, NULL, "The %s %d is out of range (%d-%d)", f->name,
                       outside, f->min, f->max);
    if (*lo > *hi)
        return err_set(err, ERR_INVALID, NULL,
                       "The %s range %d-%d runs backwards (ranges do not wrap around)", f->name,
                       *lo, *hi);
    return 0;
}

/* One list item: `v`, `a-b`, `v/step`, `a-b/step` or `*` with a step. */
static int parse_item(const struct field *f, struct span s, bool alone, struct cron_set *set,
                      struct error *err)
{
    char q[40];
    const char *slash = memchr(s.p, '/', s.n);
    struct span base = {s.p, slash ? (size_t)(slash - s.p) : s.n};
    int step = 1, lo = 0, hi = 0;
    if (base.n == 0)
        return err_set(err, ERR_INVALID, NULL, "Empty list item or range in the %s field", f->name);
    if (span_is(base, "*") && !alone)
        return err_set(err, ERR_INVALID, NULL, "'*' cannot be part of a list in the %s field",
                       f->name);
    if (slash) {
        struct span st = {slash + 1, s.n - base.n - 1};
        step = parse_number(st);
        if (step < 1 || step > f->max - f->min + 1)
            return err_set(err, ERR_INVALID, NULL, "Invalid step '%s' in the %s field (1-%d)",
                           quote(st, q), f->name, f->max - f->min + 1);
    }
    if (parse_range(f, base, slash != NULL, &lo, &hi, err) < 0)
        return -ERR_INVALID;
    for (int v = lo; v <= hi; v += step)
        set_bit(set, v - f->min);
    return 0;
}

static int parse_field(int which, struct span s, struct cron *c, struct cron_set *set,
                       enum field_kind *kind, struct error *err)
{
    const struct field *f = &fields[which];
    bool day_field = which == F_DAY || which == F_WEEKDAY;
    *kind = FIELD_VALUES;
    if (span_is(s, "?")) {
        if (!day_field)
            return err_set(err, ERR_INVALID, NULL,
                           "'?' is allowed only in day-of-month and day-of-week, not in the %s",
                           f->name);
        *kind = FIELD_UNSET;
        set_all(set, f);
        return 0;
    }
    if (span_is(s, "*")) {
        *kind = FIELD_ANY;
        set_all(set, f);
        return 0;
    }
    if (which == F_DAY && (span_is(s, "L") || span_is(s, "l"))) {
        c->last_day = true;
        return 0;
    }
    bool alone = memchr(s.p, ',', s.n) == NULL;
    for (const char *p = s.p, *end = s.p + s.n;;) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        struct span item = {p, comma ? (size_t)(comma - p) : (size_t)(end - p)};
        if (parse_item(f, item, alone, set, err) < 0)
            return -ERR_INVALID;
        if (!comma)
            return 0;
        p = comma + 1;
    }
}

int cron_parse(const char *expr, struct cron *out, struct error *err)
{
    memset(out, 0, sizeof(*out));
    if (!expr)
        return err_set(err, ERR_INVALID, NULL, "The cron expression is missing");
    if (strnlen(expr, CRON_MAX_LENGTH + 1) > CRON_MAX_LENGTH)
        return err_set(err, ERR_INVALID, NULL, "The cron expression is longer than %d characters",
                       CRON_MAX_LENGTH);
    struct span tokens[FIELD_COUNT];
    size_t n = split_fields(expr, tokens, FIELD_COUNT);
    if (n < 6 || n > 7)
        return err_set(err, ERR_INVALID, NULL,
                       "The cron expression has %zu fields; Quartz needs 6 or 7 (second minute "
                       "hour day-of-month month day-of-week [year])",
                       n);
    struct cron_set *sets[FIELD_COUNT] = {&out->second, &out->minute,  &out->hour, &out->day,
                                          &out->month,  &out->weekday, &out->year};
    enum field_kind kinds[FIELD_COUNT];
    for (size_t i = 0; i < n; i++)
        if (parse_field((int)i, tokens[i], out, sets[i], &kinds[i], err) < 0)
            return -ERR_INVALID;
    if (n == 6)
        set_all(&out->year, &fields[F_YEAR]);
    if (kinds[F_DAY] == FIELD_UNSET && kinds[F_WEEKDAY] == FIELD_UNSET)
        return err_set(err, ERR_INVALID, NULL,
                       "'?' can stand in only one of day-of-month and day-of-week");
    if (kinds[F_DAY] == FIELD_VALUES && kinds[F_WEEKDAY] == FIELD_VALUES)
        return err_set(err, ERR_INVALID, NULL,
                       "Give either a day-of-month or a day-of-week and '?' in the other; "
                       "both together are not supported");
    return 0;
}

/* ---- next fire time ---------------------------------------------------------------- */

struct moment {
    int year, month, day, hour, minute, second;
};

enum unit { UNIT_MINUTE, UNIT_HOUR, UNIT_DAY, UNIT_MONTH, UNIT_YEAR };

static bool is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* Days since 1970-01-01 of a date in the proleptic Gregorian calendar, year >= 1970. */
static int64_t days_from_civil(int y, int m, int d)
{
    int64_t years = y - 1970;
    /* leap days in [1970, y): years divisible by 4, minus by 100, plus by 400 */
    int64_t leaps =
        ((y - 1) / 4 - 1969 / 4) - ((y - 1) / 100 - 1969 / 100) + ((y - 1) / 400 - 1969 / 400);
    int64_t days = years * 365 + leaps;
    for (int i = 1; i < m; i++)
        days += days_in_month(y, i);
    return days + d - 1;
}

/* 0 = Sunday: 1970-01-01 was a Thursday. */
static int weekday(int y, int m, int d)
{
    return (int)((days_from_civil(y, m, d) + 4) % 7);
}

static int64_t to_seconds(const struct moment *m)
{
    return days_from_civil(m->year, m->month, m->day) * 86400 + m->hour * 3600 + m->minute * 60 +
           m->second;
}

/* t >= 0 and before the end of CRON_MAX_YEAR. */
static struct moment from_seconds(int64_t t)
{
    struct moment m = {CRON_MIN_YEAR, 1, 1, 0, 0, 0};
    int64_t days = t / 86400, rest = t % 86400;
    for (int len; days >= (len = is_leap(m.year) ? 366 : 365); days -= len)
        m.year++;
    for (int len; days >= (len = days_in_month(m.year, m.month)); days -= len)
        m.month++;
    m.day = (int)days + 1;
    m.hour = (int)(rest / 3600);
    m.minute = (int)(rest / 60 % 60);
    m.second = (int)(rest % 60);
    return m;
}

/* The first allowed index in [from, last], or -1. */
static int first_from(const struct cron_set *s, int from, int last)
{
    for (int i = from; i <= last; i++)
        if (has(s, i))
            return i;
    return -1;
}

/* Day `day` of the month or the next one both day fields allow; -1 when none is left. */
static int first_day_from(const struct cron *c, int year, int month, int day)
{
    int last = days_in_month(year, month);
    for (int d = day, wday = weekday(year, month, day); d <= last; d++, wday = (wday + 1) % 7) {
        bool in_month = c->last_day ? d == last : has(&c->day, d - 1);
        if (in_month && has(&c->weekday, wday))
            return d;
    }
    return -1;
}

/* Moves *m to the start of the next minute, hour, ... (carrying into larger units). */
static void next_unit(struct moment *m, enum unit u)
{
    m->second = 0;
    switch (u) {
    case UNIT_MINUTE:
        if (++m->minute < 60)
            return;
        __attribute__((fallthrough));
    case UNIT_HOUR:
        m->minute = 0;
        if (++m->hour < 24)
            return;
        __attribute__((fallthrough));
    case UNIT_DAY:
        m->hour = m->minute = 0;
        if (++m->day <= days_in_month(m->year, m->month))
            return;
        __attribute__((fallthrough));
    case UNIT_MONTH:
        m->day = 1, m->hour = m->minute = 0;
        if (++m->month <= 12)
            return;
        __attribute__((fallthrough));
    case UNIT_YEAR:
        m->month = m->day = 1, m->hour = m->minute = 0;
        m->year++;
    }
}

/* One pass from the largest unit down: 1 when *m fires, 0 after moving *m forward to
 * the next candidate, -1 when no year is left. */
static int settle(const struct cron *c, struct moment *m)
{
    int year = first_from(&c->year, m->year - CRON_MIN_YEAR, CRON_MAX_YEAR - CRON_MIN_YEAR);
    if (year < 0)
        return -1;
    if (year + CRON_MIN_YEAR != m->year)
        *m = (struct moment){year + CRON_MIN_YEAR, 1, 1, 0, 0, 0};
    int month = first_from(&c->month, m->month - 1, 11) + 1;
    if (month == 0)
        return next_unit(m, UNIT_YEAR), 0;
    if (month != m->month)
        *m = (struct moment){m->year, month, 1, 0, 0, 0};
    int day = first_day_from(c, m->year, m->month, m->day);
    if (day < 0)
        return next_unit(m, UNIT_MONTH), 0;
    if (day != m->day)
        *m = (struct moment){m->year, m->month, day, 0, 0, 0};
    int hour = first_from(&c->hour, m->hour, 23);
    if (hour < 0)
        return next_unit(m, UNIT_DAY), 0;
    if (hour != m->hour)
        m->hour = hour, m->minute = m->second = 0;
    int minute = first_from(&c->minute, m->minute, 59);
    if (minute < 0)
        return next_unit(m, UNIT_HOUR), 0;
    if (minute != m->minute)
        m->minute = minute, m->second = 0;
    int second = first_from(&c->second, m->second, 59);
    if (second < 0)
        return next_unit(m, UNIT_MINUTE), 0;
    m->second = second;
    return 1;
}

int64_t cron_next(const struct cron *c, int64_t after)
{
    const int64_t end = days_from_civil(CRON_MAX_YEAR + 1, 1, 1) * 86400;
    if (after >= end - 1)
        return -1;
    struct moment m = from_seconds(after < 0 ? 0 : after + 1);
    for (int step = 0; step < MAX_STEPS && m.year <= CRON_MAX_YEAR; step++) {
        int rc = settle(c, &m);
        if (rc < 0)
            return -1;
        if (rc > 0)
            return to_seconds(&m);
    }
    return -1;
}
