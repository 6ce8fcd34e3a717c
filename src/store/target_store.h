/* Targets (devices) and their controller attributes. */
#ifndef FALCONET_STORE_TARGET_STORE_H
#define FALCONET_STORE_TARGET_STORE_H

#include "store/store.h"

/** Inserts t (controller_id, name, description, security_token, address,
 * request_attributes, update_status) and sets t->id. ERR_EXISTS on a duplicate id.
 * Writes two tables: call it inside a transaction. */
int store_target_create(struct store *s, struct target *t, const char *actor, struct error *err);
/** ERR_NOT_FOUND when no target has this controllerId. */
int store_target_get(struct store *s, const char *controller_id, struct arena *a,
                     struct target *out, struct error *err);
int store_target_get_by_id(struct store *s, int64_t id, struct arena *a, struct target *out,
                           struct error *err);
/** Writes name, description, security_token, request_attributes and, when not NULL,
 * address of t (two tables: inside a transaction). ERR_NOT_FOUND when t is gone. */
int store_target_update(struct store *s, const struct target *t, const char *actor,
                        struct error *err);
/** Sets update status and assigned/installed sets (-1 = NULL); installed_at when >= 0. */
int store_target_set_state(struct store *s, int64_t target_id, const char *update_status,
                           int64_t assigned_ds_id, int64_t installed_ds_id, int64_t installed_at,
                           struct error *err);
int store_target_delete(struct store *s, const char *controller_id, struct error *err);
int store_target_list(struct store *s, const struct list_query *q, struct arena *a,
                      struct target **items, size_t *count, int64_t *total, struct error *err);
/** Targets whose assigned (installed = false) or installed set is ds_id. */
int store_target_list_by_ds(struct store *s, int64_t ds_id, bool installed,
                            const struct list_query *q, struct arena *a, struct target **items,
                            size_t *count, int64_t *total, struct error *err);

/** The targets of a rollout group. */
int store_target_list_by_group(struct store *s, int64_t group_id, const struct list_query *q,
                               struct arena *a, struct target **items, size_t *count,
                               int64_t *total, struct error *err);

struct filter_sql;
/** Compiles a target query (hawkBit's TargetFields, alias t for targets) into f. */
int store_target_compile_query(const char *q, int64_t overdue_ts, struct arena *a,
                               struct filter_sql *f, struct error *err);
/** Checks that q is a valid target query (hawkBit's TargetFields); ERR_INVALID
 * with the rsql error codes otherwise. */
int store_target_query_check(const char *q, struct error *err);
/** Up to `limit` controllerIds of targets matching q (overdue_ts: the value of
 * ${OVERDUE_TS}) that never had an action for ds_id (any status: hawkBit's
 * auto-assignment never retries a device), oldest first. */
int store_target_auto_assign_candidates(struct store *s, const char *q, int64_t overdue_ts,
                                        int64_t ds_id, size_t limit, struct arena *a,
                                        const char ***ids, size_t *count, struct error *err);
/** Targets tagged with the target tag tag_id (an unknown tag lists none). */
int store_target_list_by_tag(struct store *s, int64_t tag_id, const struct list_query *q,
                             struct arena *a, struct target **items, size_t *count, int64_t *total,
                             struct error *err);

struct attribute {
    const char *key, *value;
};
int store_target_attributes(struct store *s, int64_t target_id, struct arena *a,
                            struct attribute **items, size_t *count, struct error *err);

#endif
