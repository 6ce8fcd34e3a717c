/* Quartz cron expressions, as hawkBit uses them for maintenance window schedules:
 * parsing and "next fire time" computation. Pure: no clock, no time zones (the
 * caller shifts into and out of the expression's wall-clock time). */
#ifndef FALCONET_CORE_CRON_H
#define FALCONET_CORE_CRON_H

#include "util/error.h"

#include <stdbool.h>
#include <stdint.h>

/* Quartz's year range; without a year field every one of these years is allowed. */
#define CRON_MIN_YEAR 1970
#define CRON_MAX_YEAR 2099
/* Longer expressions are rejected before parsing. */
#define CRON_MAX_LENGTH 1024

/** The allowed values of one field, one bit each: bit i stands for the field's
 * smallest value + i (seconds 0.., day-of-month 1.., day-of-week 1 = SUN.., year 1970..). */
struct cron_set {
    uint64_t bits[3];
};

/** A parsed expression. Fill it with cron_parse(); the members belong to cron.c. */
struct cron {
    struct cron_set second, minute, hour, day, month, weekday, year;
    bool last_day; /* day-of-month is `L`: only the last day of each month */
};

/** Parses a Quartz expression of 6 or 7 fields separated by blanks:
 * `second minute hour day-of-month month day-of-week [year]`.
 *
 * Each field is `*`, or a comma-separated list of items `v`, `a-b`, `a-b/step`,
 * `v/step` (v, v + step, ... up to the field's end) or `*` followed by `/step`
 * (the same from the field's start). Values are numbers or, in
 * month and day-of-week, the names JAN-DEC and SUN-SAT (any case; Quartz numbers
 * days 1 = SUN ... 7 = SAT). Day-of-month and day-of-week may also be `?` ("no
 * constraint"), and day-of-month `L` (the last day of the month). Ranges do not wrap
 * around (`FRI-MON` is rejected), a step lies between 1 and the size of the field's
 * range, years lie in 1970-2099.
 *
 * Quartz requires `?` in exactly one of day-of-month and day-of-week. This parser
 * is lenient in one way: `*` counts like `?`, so `0 0 2 * * *` (every day) and
 * `0 0 2 * * SAT` (Saturdays) are accepted. Both `?`, or values in both (which
 * Quartz does not support), are rejected. Everything else Quartz knows (`W`, `LW`,
 * `L-n`, `L` in day-of-week, `#`) is rejected as well rather than misread.
 *
 * Returns 0, or -ERR_INVALID with a message naming the offending field (err->code
 * is left NULL for the caller to choose). `expr` may be NULL (invalid). */
int cron_parse(const char *expr, struct cron *out, struct error *err);

/** The first time the expression fires strictly after `after`, both in seconds
 * since 1970-01-01T00:00:00 of the expression's own wall clock (no leap seconds).
 * Returns -1 when it never fires again before the end of CRON_MAX_YEAR. Works field
 * by field (year, month, day, hour, minute, second) with carries, so the cost does
 * not depend on the distance to the result: at most a few steps per month scanned. */
int64_t cron_next(const struct cron *c, int64_t after);

#endif
