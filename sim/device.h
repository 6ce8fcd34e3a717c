/* Device behaviour: the request a device sends in each phase and what it does with
 * the answer (hawkBit DDI as SWUpdate and rauc-hawkbit-updater use it). */
#ifndef FALCONET_SIM_DEVICE_H
#define FALCONET_SIM_DEVICE_H

#include "fleet.h"
#include "http_request.h"

struct send_plan {
    enum req_kind kind;
    bool keep_body;
    uint64_t cut_after;
};

/** Writes device i's next request into b and fills plan. */
void device_request(struct fleet *f, uint32_t i, struct reqbuf *b, struct send_plan *plan);
/** Handles the outcome of device i's request (kind as planned), schedules or queues the
 * device again and returns the error to count (SIM_OK or an enum sim_err). */
int device_result(struct fleet *f, uint32_t i, enum req_kind kind, const struct pool_result *r);
/** Drops device i's action state (end of run). */
void device_drop_flow(struct device *d);

#endif
