/* Rollouts: their groups, the targets of each group, and the set-based writes that
 * turn a group into actions. Functions that write several rows expect to run
 * inside the caller's transaction (core/rollout.c owns the rules and the
 * transactions). */
#ifndef FALCONET_STORE_ROLLOUT_STORE_H
#define FALCONET_STORE_ROLLOUT_STORE_H

#include "store/store.h"

/** Inserts r (name, description, target_filter_query, ds_id, status, action_type,
 * forced_time, weight, start_at, confirmation_required, the dynamic template and the
 * maintenance window) and sets its id and audit.
 * ERR_EXISTS for a duplicate name. */
int store_rollout_create(struct store *s, struct rollout *r, const char *actor, struct error *err);
/** Inserts group g of rollout g->rollout_id (position, name, rules, dynamic, ...) and
 * sets its id. */
int store_rollout_group_create(struct store *s, struct rollout_group *g, const char *actor,
                               struct error *err);
/** Counts the targets matching the rollout query and the group query (NULL = none),
 * created no later than created_before, that no group of the rollout holds yet. */
int store_rollout_count_free(struct store *s, const struct rollout *r, const char *group_query,
                             int64_t created_before, int64_t *count, struct error *err);
/** Puts up to `limit` of those targets into group g, oldest first or (random_order)
 * in random order; *added gets the number. */
int store_rollout_fill_group(struct store *s, const struct rollout *r,
                             const struct rollout_group *g, int64_t created_before, int64_t limit,
                             bool random_order, int64_t *added, struct error *err);
/** A running dynamic group takes in up to `limit` targets matching the rollout query
 * now (whenever created) that no group of the rollout holds and that have no open
 * action of a higher weight, oldest first; *added gets the number. */
int store_rollout_fill_dynamic_group(struct store *s, const struct rollout *r,
                                     const struct rollout_group *g, int64_t limit, int64_t *added,
                                     struct error *err);
/** Cancels every action of a rollout that has not started (status scheduled) and
 * marks its scheduled groups finished (the `ABORT` error action). */
int store_rollout_cancel_scheduled(struct store *s, int64_t rollout_id, struct error *err);
/** Stores the totals of a group and of its rollout after filling. */
int store_rollout_set_totals(struct store *s, int64_t rollout_id, struct error *err);

int store_rollout_get(struct store *s, int64_t id, struct arena *a, struct rollout *out,
                      struct error *err);
int store_rollout_list(struct store *s, const struct list_query *q, struct arena *a,
                       struct rollout **items, size_t *count, int64_t *total, struct error *err);
/** Rollouts in one status (for the scheduler), oldest first. */
int store_rollout_list_by_status(struct store *s, const char *status, struct arena *a,
                                 struct rollout **items, size_t *count, struct error *err);
/** Renames a rollout and sets its description; ERR_EXISTS for a taken name. */
int store_rollout_update(struct store *s, int64_t id, const char *name, const char *description,
                         const char *actor, struct error *err);
int store_rollout_set_status(struct store *s, int64_t id, const char *status, const char *actor,
                             struct error *err);
/** Sets the status an approval decision leads to, with its remark and who decided. */
int store_rollout_set_approval(struct store *s, int64_t id, const char *status, const char *remark,
                               const char *actor, struct error *err);
/** Whether a dynamic rollout is due for looking for new targets: true at most once per
 * interval_ms (the check time is claimed in the database, so several instances
 * agree). */
int store_rollout_dynamic_due(struct store *s, int64_t id, int64_t now, int64_t interval_ms,
                              bool *due, struct error *err);
/** Marks the rollout deleted and removes its actions that never started. */
int store_rollout_delete(struct store *s, int64_t id, const char *actor, struct error *err);

int store_rollout_group_get(struct store *s, int64_t rollout_id, int64_t group_id, struct arena *a,
                            struct rollout_group *out, struct error *err);
/** Every group of a rollout in execution order. */
int store_rollout_groups(struct store *s, int64_t rollout_id, struct arena *a,
                         struct rollout_group **items, size_t *count, struct error *err);
int store_rollout_group_list(struct store *s, int64_t rollout_id, const struct list_query *q,
                             struct arena *a, struct rollout_group **items, size_t *count,
                             int64_t *total, struct error *err);
int store_rollout_group_set_status(struct store *s, int64_t group_id, const char *status,
                                   struct error *err);
int store_rollout_group_success_done(struct store *s, int64_t group_id, struct error *err);

/** totalTargetsPerStatus of a rollout (group_id < 0) or of one group. */
int store_rollout_counts(struct store *s, int64_t rollout_id, int64_t group_id,
                         struct rollout_counts *out, struct error *err);

/** One inactive `scheduled` action per target of every group of the rollout. */
int store_rollout_create_actions(struct store *s, const struct rollout *r, const char *actor,
                                 struct error *err);
/** The scheduled actions of the targets a (dynamic) group took in since the last call. */
int store_rollout_create_group_actions(struct store *s, const struct rollout *r, int64_t group_id,
                                       const char *actor, struct error *err);
/** Starts a group's actions (hawkBit reference d.4): other open actions of its
 * targets move to canceling (unless their set is a required migration step), a
 * target that already has the set assigned gets its action closed as finished,
 * the others run (or wait for confirmation) and their targets turn pending. */
int store_rollout_start_group(struct store *s, const struct rollout *r,
                              const struct rollout_group *g, bool wait_for_confirmation,
                              const char *actor, struct error *err);
/** Open (active) actions of a group. */
int store_rollout_group_open_actions(struct store *s, int64_t group_id, int64_t *count,
                                     struct error *err);

#endif
