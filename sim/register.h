/* Creating the fleet's targets through the Management API before the run. */
#ifndef FALCONET_SIM_REGISTER_H
#define FALCONET_SIM_REGISTER_H

#include "fleet.h"

#include <signal.h>

/** Creates every target of the fleet (POST /rest/v1/targets, arrays of up to 1000
 * {controllerId, name, securityToken}, Basic auth) over one blocking keep-alive
 * connection. A batch answered with 409 holds existing targets: its ids are looked up
 * 250 at a time (q=controllerId=in=(...)), the missing ones created, and existing ones
 * whose securityToken differs from the derived token get it reset with a PUT.
 * Returns 0, or -1 after printing the reason to stderr (or when *stop was set). */
int register_targets(struct fleet *f, volatile sig_atomic_t *stop);

#endif
