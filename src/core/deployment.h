/* Deployment rules of the Management API: assigning distribution sets to targets
 * (creating actions) and canceling actions (hawkBit reference e.1-e.5). */
#ifndef FALCONET_CORE_DEPLOYMENT_H
#define FALCONET_CORE_DEPLOYMENT_H

#include "store/store.h"

struct assignment {
    const char *controller_id;
    int64_t ds_id;
    const char *type;  /* forced (default), soft, timeforced, downloadonly */
    int64_t forcetime; /* epoch ms, timeforced only; -1 = none */
    int64_t weight;    /* 0..1000; -1 = hawkBit's default (1000) */
    const char *maintenance_schedule, *maintenance_duration, *maintenance_timezone;
    /* With user.confirmation.flow.enabled, the action waits for the device's (or
     * an operator's) confirmation unless the target auto-confirms. */
    bool confirmation_required;
    /* An offline assignment (hawkBit ?offline=true) records the set as installed:
     * a closed, finished action, the target in sync; open actions are left alone. */
    bool offline;
};

struct assigned_action {
    int64_t action_id;
    const char *controller_id;
};

struct assignment_outcome {
    size_t assigned, already_assigned;
    struct assigned_action *actions; /* `assigned` entries, in request order */
};

/** Assigns in one transaction: every item is checked (target and set exist, set
 * complete and valid, type and window valid, no target twice) before anything is
 * written, so a bad item changes nothing. A target that already has the set
 * assigned is counted in already_assigned and left alone. Older open actions of a
 * target move to canceling (or are closed as canceled when autoclose is on), and
 * the set is locked when implicit locking is on. */
int deployment_assign(struct store *s, const struct assignment *items, size_t n,
                      const char *actor, struct arena *a, struct assignment_outcome *out,
                      struct error *err);

/** Cancels an action of a target. force = false requests the cancelation (the
 * device must acknowledge: status canceling); force = true closes an action that
 * is already canceling. ERR_NOT_ALLOWED (405) when the state does not permit it. */
int deployment_cancel(struct store *s, int64_t target_id, int64_t action_id, bool force,
                      const char *actor, struct error *err);

/** After an action closed by cancelation: the target follows its remaining open
 * actions (pending, the oldest one's set assigned), or falls back to what is
 * installed (in_sync) when none is left (hawkBit reference e.2). Runs inside the
 * caller's transaction. */
int deployment_settle_target(struct store *s, struct arena *a, int64_t target_id,
                             struct error *err);

/** Serialises messages as the JSON array stored in the status history. */
char *deployment_messages_json(struct arena *a, const char *const *messages, size_t n);

#endif
