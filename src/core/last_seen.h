/* The "last seen" buffer of the device side.
 *
 * A poll must not write to the database (hawkBit reference a.2; a million devices
 * at a five-minute interval are ~3 300 polls a second). Each DDI request records
 * the time and the client address here, in memory; the scheduler flushes the
 * buffer to the store in one transaction every few seconds and at shutdown, so the
 * Management API shows lastControllerRequestAt within one flush interval. Only the
 * newest record per target is kept: memory is bounded by the number of targets
 * that polled since the last flush. Thread-safe. */
#ifndef FALCONET_CORE_LAST_SEEN_H
#define FALCONET_CORE_LAST_SEEN_H

#include "store/store.h"

#include <stdbool.h>
#include <stdint.h>

/** Records a request of target_id at at_ms from address (may be NULL). first_contact:
 * the target is still `unknown`; the flush turns it `registered`, and the scheduler
 * flushes at its next tick instead of waiting for the flush interval, as in hawkBit.
 * Never fails: when memory runs out the record is dropped (the next poll records it
 * again). */
void last_seen_record(int64_t target_id, int64_t at_ms, const char *address, bool first_contact);
/** Whether a first contact waits in the buffer (cleared by the flush). */
bool last_seen_first_contact_waiting(void);
/** Writes every buffered record to the store; records that could not be written
 * are kept for the next flush. Returns the number written, or a negative err_kind. */
int last_seen_flush(struct store *s);
/** Frees the buffer (at exit, after the final flush). */
void last_seen_reset(void);

#endif
