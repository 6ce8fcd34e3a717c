/* hawkBit maintenance windows (reference e.7): an action may only be installed while
 * a window is open. A window is {schedule, duration, timezone}: windows start when
 * the Quartz cron `schedule` fires (see core/cron.h for the accepted syntax) in the
 * wall-clock time of `timezone`, and stay open for `duration`.
 *
 *   schedule  Quartz cron, e.g. "0 0 2 ? * SAT" (Saturdays 02:00:00)
 *   duration  "HH:mm:ss", 00:00:01 to 23:59:59 (a window of length zero never opens)
 *   timezone  a fixed UTC offset as Java's ZoneOffset.of() reads it: "Z", "+h",
 *             "+hh", "+hhmm", "+hh:mm", "+hhmmss", "+hh:mm:ss" (or '-'), at most
 *             18 hours. Named zones ("Europe/Berlin", "UTC") are not accepted.
 *
 * Pure functions of their arguments and an explicit `now_ms` (epoch milliseconds).
 * All three strings must be given: whether a window is absent (all three NULL) or
 * incomplete (one or two given) is the caller's decision; here a NULL piece is
 * simply invalid. */
#ifndef FALCONET_CORE_MAINTENANCE_H
#define FALCONET_CORE_MAINTENANCE_H

#include "util/error.h"

#include <stdbool.h>
#include <stdint.h>

/* hawkBit's errorCode (without the "hawkbit.server.error." prefix) for a bad window. */
#define MAINTENANCE_ERROR_CODE "maintenanceScheduleInvalid"

/** Checks a window for a new assignment: 0 when schedule, duration and timezone are
 * valid and a window is open at now_ms or starts after it. Otherwise -ERR_INVALID
 * with code MAINTENANCE_ERROR_CODE and a message naming the problem (also when every
 * window lies in the past, as with a year field that has gone by). */
int maintenance_validate(const char *schedule, const char *duration, const char *timezone,
                         int64_t now_ms, struct error *err);

/** A window as a request gives it: none (all three NULL) is fine; otherwise all three
 * must be there and pass maintenance_validate(). */
int maintenance_check_optional(const char *schedule, const char *duration, const char *timezone,
                               int64_t now_ms, struct error *err);

/** Where now_ms stands relative to a window's schedule. Windows are half-open:
 * a window starting at s is open for s <= now < s + duration. */
struct maintenance_state {
    /* now_ms lies inside a window: install now (DDI `maintenanceWindow: available`). */
    bool open;
    /* Start of the open window, else of the next one; -1 when there is none. This is
     * hawkBit's MgmtAction `maintenanceWindow.nextStartAt` (which shows the start of
     * the current window while one is open). With overlapping windows (duration
     * longer than the schedule's period) it is the earliest one still open. */
    int64_t window_start_ms;
    /* First window start strictly after now_ms, -1 when none: the time to wait for
     * when polling faster before a window (open or not). */
    int64_t next_start_ms;
    /* Not open and no window ahead: hawkBit cancels the action. */
    bool lapsed;
};

/** Computes *out for an action's stored window. Returns 0, or -ERR_INVALID for a
 * window maintenance_validate() would reject on syntax (none should be stored); *out
 * then says lapsed, as hawkBit treats a schedule it cannot read as having no window
 * left. */
int maintenance_state(const char *schedule, const char *duration, const char *timezone,
                      int64_t now_ms, struct maintenance_state *out);

#endif
