/* A binary min-heap of (due time, device) pairs: the devices' next polls.
 * Times are milliseconds since the start of the run (32 bits: 49 days). */
#ifndef FALCONET_SIM_TIMERS_H
#define FALCONET_SIM_TIMERS_H

#include <stdbool.h>
#include <stdint.h>

struct timer {
    uint32_t due_ms;
    uint32_t device;
};

struct timers {
    struct timer *heap;
    uint32_t n, cap;
};

/** Room for cap timers, allocated once. -1 when out of memory. */
int timers_init(struct timers *t, uint32_t cap);
void timers_free(struct timers *t);
/** Adds a timer. Callers keep at most cap of them (one per device); more grow the heap. */
void timers_push(struct timers *t, uint32_t due_ms, uint32_t device);
/** Removes the earliest timer into *out when it is due at or before now_ms. */
bool timers_pop_due(struct timers *t, uint32_t now_ms, struct timer *out);
/** The earliest due time; UINT32_MAX when empty. */
uint32_t timers_next(const struct timers *t);

#endif
