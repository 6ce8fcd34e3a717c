/* The background thread of a server process: periodic work that no request
 * triggers. Each tick runs one auto-assignment pass and one rollout pass, and
 * flushes the device last-seen buffer when that is due (or a device made first
 * contact). It owns its own store connection. */
#ifndef FALCONET_CORE_SCHEDULER_H
#define FALCONET_CORE_SCHEDULER_H

#include "util/error.h"

struct scheduler;

/** Starts the thread: a tick every interval_ms (or flush_ms, when shorter), the
 * last-seen flush every flush_ms; dynamic rollouts look for new targets every
 * dynamic_check_ms. NULL on failure. */
struct scheduler *scheduler_start(const char *database_path, int interval_ms, int flush_ms,
                                  int dynamic_check_ms, struct error *err);
/** Stops the thread after one final tick (so buffered last-seen times are written)
 * and frees it. NULL is ignored. */
void scheduler_stop(struct scheduler *sch);

#endif
