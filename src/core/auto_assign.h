/* Auto-assignment (hawkBit's target filters with autoAssignDS): each pass assigns
 * a filter's distribution set to the targets that match its query and never had
 * an action for that set, so a device that failed once is not retried. Runs on
 * the scheduler thread; a new or changed target is picked up by the next pass. */
#ifndef FALCONET_CORE_AUTO_ASSIGN_H
#define FALCONET_CORE_AUTO_ASSIGN_H

#include "store/store.h"

/* Targets assigned per filter and pass, so one pass stays short on a big fleet. */
#define AUTO_ASSIGN_BATCH 500

/** One pass over every auto-assigning filter; returns the number of new actions,
 * or a negative err_kind when the store failed. A filter whose set cannot be
 * assigned (incomplete, invalidated, deleted) is skipped and logged. */
int auto_assign_run(struct store *s);

#endif
