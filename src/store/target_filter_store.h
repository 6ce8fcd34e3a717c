/* Target filters: named, saved target queries (hawkBit's /targetfilters), and the
 * distribution set each may auto-assign. */
#ifndef FALCONET_STORE_TARGET_FILTER_STORE_H
#define FALCONET_STORE_TARGET_FILTER_STORE_H

#include "store/store.h"

/** Inserts f (name, query) and sets its id and audit. ERR_EXISTS for a duplicate
 * name; ERR_INVALID when the query is not a valid target query. */
int store_target_filter_create(struct store *s, struct target_filter *f, const char *actor,
                               struct error *err);
/** ERR_NOT_FOUND for unknown ids. */
int store_target_filter_get(struct store *s, int64_t id, struct arena *a, struct target_filter *out,
                            struct error *err);
/** Writes name and query of f (checked like create). */
int store_target_filter_update(struct store *s, const struct target_filter *f, const char *actor,
                               struct error *err);
int store_target_filter_delete(struct store *s, int64_t id, struct error *err);
/** Sets (ds_id >= 0) or clears (ds_id = -1) the auto-assignment of a filter. */
int store_target_filter_auto_assign(struct store *s, int64_t id, int64_t ds_id,
                                    const char *action_type, int64_t weight,
                                    bool confirmation_required, const char *actor,
                                    struct error *err);
/** Paged filters; sort and q fields: id, name, query and the audit fields. */
int store_target_filter_list(struct store *s, const struct list_query *q, struct arena *a,
                             struct target_filter **items, size_t *count, int64_t *total,
                             struct error *err);
/** Every filter with an auto-assigned set, oldest first. */
int store_target_filter_list_auto(struct store *s, struct arena *a, struct target_filter **items,
                                  size_t *count, struct error *err);

#endif
