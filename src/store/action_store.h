/* Actions (a distribution set deployed to a target) and their status history. */
#ifndef FALCONET_STORE_ACTION_STORE_H
#define FALCONET_STORE_ACTION_STORE_H

#include "store/store.h"

/** Inserts a (target_id, ds_id, action_type, forced_time, weight, status, active,
 * maintenance_*) and sets a->id and its audit fields. */
int store_action_create(struct store *s, struct action *a, const char *actor, struct error *err);
/** Like store_action_get, for the device side, which knows its controller id: the
 * targets table is not read (x->controller_id is the given one). */
int store_action_get_for_device(struct store *s, int64_t target_id, const char *controller_id,
                                int64_t action_id, struct arena *a, struct action *out,
                                struct error *err);
/** The action with this id belonging to this target; ERR_NOT_FOUND otherwise. */
int store_action_get(struct store *s, int64_t target_id, int64_t action_id, struct arena *a,
                     struct action *out, struct error *err);
int store_action_list_for_target(struct store *s, int64_t target_id, const struct list_query *q,
                                 struct arena *a, struct action **items, size_t *count,
                                 int64_t *total, struct error *err);
/** The target's active actions, oldest first. */
int store_action_list_active(struct store *s, int64_t target_id, struct arena *a,
                             struct action **items, size_t *count, struct error *err);
int store_action_set_status(struct store *s, int64_t action_id, const char *status, bool active,
                            const char *actor, struct error *err);
/** Turns a soft or time-forced action into a forced one. */
int store_action_force(struct store *s, int64_t action_id, const char *actor, struct error *err);

/** Appends a history entry; messages_json is a JSON array of strings; code is
 * ACTION_STATUS_NO_CODE or the device's code (also stored as the action's
 * last_status_code). */
int store_action_status_add(struct store *s, int64_t action_id, const char *status, int64_t code,
                            const char *messages_json, int64_t occurred_at, struct error *err);
int store_action_status_list(struct store *s, int64_t action_id, const struct list_query *q,
                             struct arena *a, struct action_status **items, size_t *count,
                             int64_t *total, struct error *err);

#endif
