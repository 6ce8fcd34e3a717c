/* Target types, the distribution set types each accepts, and the type of a target.
 *
 * A target with a type accepts only distribution sets whose type is in its type's
 * compatible list; a target without a type accepts any set. Types are deleted for
 * good, and only while no target has them (hawkBit's TargetTypeInUseException). */
#ifndef FALCONET_STORE_TARGET_TYPE_STORE_H
#define FALCONET_STORE_TARGET_TYPE_STORE_H

#include "store/store.h"

/** Inserts t (key, name, description, colour) with the given compatible DS type ids,
 * setting t->id and t->audit. ERR_EXISTS for a key or name already used; ERR_NOT_FOUND
 * for an unknown or deleted DS type id. Run it in a transaction: a failure may leave
 * the type half-written. */
int store_target_type_create(struct store *s, struct target_type *t, const int64_t *ds_types,
                             size_t n_ds_types, const char *actor, struct error *err);
/** ERR_NOT_FOUND for an unknown id. */
int store_target_type_get(struct store *s, int64_t id, struct arena *a, struct target_type *out,
                          struct error *err);
/** Writes name, description and colour of t. ERR_EXISTS when the name is taken. */
int store_target_type_update(struct store *s, const struct target_type *t, const char *actor,
                             struct error *err);
/** Removes the type. ERR_NOT_FOUND for an unknown id, ERR_CONFLICT (target.type.used)
 * while a target has it. */
int store_target_type_delete(struct store *s, int64_t id, struct error *err);
/** Paged types; sort and q fields id, key, name, description, colour, audit. */
int store_target_type_list(struct store *s, const struct list_query *q, struct arena *a,
                           struct target_type **items, size_t *count, int64_t *total,
                           struct error *err);

/** The compatible DS types of a target type, ordered by id. */
int store_target_type_ds_types(struct store *s, int64_t id, struct arena *a, struct ds_type **items,
                               size_t *count, struct error *err);
/** Adds DS types to the compatible list (ones already there are kept). ERR_NOT_FOUND for
 * an unknown target type or an unknown or deleted DS type. Run it in a transaction. */
int store_target_type_add_ds_types(struct store *s, int64_t id, const int64_t *ds_types,
                                   size_t n_ds_types, const char *actor, struct error *err);
/** Removes a DS type from the compatible list; a type not in the list is no change.
 * ERR_NOT_FOUND for an unknown target type or DS type. */
int store_target_type_remove_ds_type(struct store *s, int64_t id, int64_t ds_type_id,
                                     const char *actor, struct error *err);
/** 1 when a target of type id accepts sets of type ds_type_id, 0 when not, negative
 * on error. */
int store_target_type_accepts(struct store *s, int64_t id, int64_t ds_type_id, struct error *err);

/** Sets the type of a target, or removes it with type_id -1. ERR_NOT_FOUND for an
 * unknown type. */
int store_target_set_type(struct store *s, int64_t target_id, int64_t type_id, const char *actor,
                          struct error *err);

#endif
