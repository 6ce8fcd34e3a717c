#ifndef FALCONET_UTIL_TIME_H
#define FALCONET_UTIL_TIME_H

#include <stdint.h>

/** Wall-clock time in epoch milliseconds (the unit of every timestamp on the wire). */
int64_t time_now_ms(void);
/** Monotonic milliseconds, for timeouts and caches. */
int64_t time_mono_ms(void);
/** Parses "HH:MM:SS" into seconds; -1 when malformed or out of range. */
int time_parse_hms(const char *s);

#endif
