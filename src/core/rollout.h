/* Rollouts (hawkBit reference d): creation with set-based group filling, the
 * rollout and group status machines, and the scheduler pass that starts groups
 * when the success condition is met and pauses on the error condition. */
#ifndef FALCONET_CORE_ROLLOUT_H
#define FALCONET_CORE_ROLLOUT_H

#include "store/rollout_store.h"

#define ROLLOUT_MAX_GROUPS 500
/* hawkBit's quota of targets per group, the bound of a dynamic group's size. */
#define ROLLOUT_MAX_GROUP_TARGETS 20000
/* rollout.dynamic_target_count when the request has no dynamicGroupTemplate. */
#define ROLLOUT_DYNAMIC_COUNT_UNSET (-1)

/** A group as requested: rules left NULL are inherited from the rollout's. */
struct rollout_group_spec {
    const char *name, *description, *target_filter_query;
    double target_percentage; /* (0, 100]; 0 = not given */
    struct rollout_rule success, error;
    int confirmation_required; /* -1 = inherit */
};

struct rollout_spec {
    /* name, description, query, ds_id, type, times, weight, the dynamic template (count
     * ROLLOUT_DYNAMIC_COUNT_UNSET when absent) and the maintenance window */
    struct rollout rollout;
    struct rollout_rule success, error; /* rollout-level defaults (NULL members = hawkBit's) */
    int64_t amount_groups;              /* -1 when groups are given; may be 0 when dynamic */
    bool random_order;                  /* fill groups in random target order (not oldest first) */
    struct rollout_group_spec *groups;
    size_t n_groups;
};

/** Validates and creates a rollout in one transaction: groups are filled with
 * targets at once (set-based), so the rollout is `ready` when this returns.
 * ERR_INVALID for bad input (no target matched, groups not covering every target,
 * percentages out of range, unknown rule values), ERR_NOT_FOUND for an unknown
 * set, ERR_EXISTS for a duplicate name. *out is the created rollout. */
int rollout_create(struct store *s, const struct rollout_spec *spec, const char *actor,
                   struct arena *a, struct rollout *out, struct error *err);

/** start (ready -> running, first group started), pause (running -> paused),
 * resume (paused -> running). ERR_INVALID (rollout.illegalState) otherwise. */
int rollout_start(struct store *s, int64_t id, const char *actor, struct error *err);
int rollout_pause(struct store *s, int64_t id, const char *actor, struct error *err);
int rollout_resume(struct store *s, int64_t id, const char *actor, struct error *err);
int rollout_delete(struct store *s, int64_t id, const char *actor, struct error *err);
/** triggerNextGroup: starts the next scheduled group of a running rollout regardless
 * of thresholds; ERR_INVALID (rollout.illegalState) when none is left. */
int rollout_trigger_next(struct store *s, int64_t id, const char *actor, struct error *err);
/** stop (1.x): the rollout ends for good from any state but finished/stopped; its
 * not-yet-started actions are canceled, running ones go on. */
int rollout_stop(struct store *s, int64_t id, const char *actor, struct error *err);
/** PUT: new name (1-128, unique) and description. */
int rollout_update(struct store *s, int64_t id, const char *name, const char *description,
                   const char *actor, struct error *err);
/** retry (only a finished rollout): a new rollout "<name>_retry" over the targets
 * whose action failed (failedrollout==<id>), one group, default rules; *new_id gets
 * its id. */
int rollout_retry(struct store *s, int64_t id, const char *actor, struct arena *a, int64_t *new_id,
                  struct error *err);
/** approve (waiting_for_approval -> ready) or deny (-> approval_denied), keeping the
 * remark (NULL = none, at most 255 characters) and who decided; a rollout waits for
 * approval when rollout.approval.enabled is on at creation. */
int rollout_approve(struct store *s, int64_t id, bool approve, const char *remark,
                    const char *actor, struct error *err);

/** One scheduler pass: starts ready rollouts whose startAt has come and advances
 * every running one (error condition -> pause, success condition -> next group,
 * complete groups -> finished, no group left -> rollout finished). A running dynamic
 * rollout takes in newly matching targets at most every dynamic_check_ms. */
int rollout_run(struct store *s, int dynamic_check_ms);

#endif
