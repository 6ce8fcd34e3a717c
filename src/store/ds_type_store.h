/* Distribution set types and their software-module-type elements.
 *
 * A DS type lists the software module types its sets must (mandatory) or may
 * (optional) contain. Types referenced by any distribution set are soft-deleted and
 * their element lists become read-only (hawkBit's EntityReadOnlyException). */
#ifndef FALCONET_STORE_DS_TYPE_STORE_H
#define FALCONET_STORE_DS_TYPE_STORE_H

#include "store/store.h"

/** Inserts t (key, name, description, colour) with the given mandatory and optional
 * SM type ids, setting t->id and t->audit. ERR_EXISTS for a key or name already used
 * by a non-deleted type; ERR_NOT_FOUND for an unknown or deleted SM type id. Run it in
 * a transaction: a failure may leave the type half-written. */
int store_ds_type_create(struct store *s, struct ds_type *t, const int64_t *mandatory,
                         size_t n_mandatory, const int64_t *optional, size_t n_optional,
                         const char *actor, struct error *err);
/** Any type by id, soft-deleted ones included. ERR_NOT_FOUND otherwise. */
int store_ds_type_get(struct store *s, int64_t id, struct arena *a, struct ds_type *out,
                      struct error *err);
/** A non-deleted type by key. ERR_NOT_FOUND otherwise. */
int store_ds_type_get_by_key(struct store *s, const char *key, struct arena *a, struct ds_type *out,
                             struct error *err);
/** Writes description and colour of t. */
int store_ds_type_update(struct store *s, const struct ds_type *t, const char *actor,
                         struct error *err);
/** Soft delete when a distribution set uses the type, else removes it. ERR_NOT_FOUND for
 * unknown or already deleted types. */
int store_ds_type_delete(struct store *s, int64_t id, struct error *err);
/** Paged non-deleted types; sort fields id, key, name, description, colour, audit. */
int store_ds_type_list(struct store *s, const struct list_query *q, struct arena *a,
                       struct ds_type **items, size_t *count, int64_t *total, struct error *err);

/** The mandatory (or optional) SM types of a DS type, ordered by id. */
int store_ds_type_elements(struct store *s, int64_t ds_type_id, bool mandatory, struct arena *a,
                           struct sm_type **items, size_t *count, struct error *err);
/** One SM type from the mandatory (or optional) list; ERR_NOT_FOUND when not in it. */
int store_ds_type_element(struct store *s, int64_t ds_type_id, int64_t sm_type_id, bool mandatory,
                          struct arena *a, struct sm_type *out, struct error *err);
/** Adds an SM type to the mandatory (or optional) list, moving it there if it is in the
 * other list. ERR_NOT_FOUND for unknown types, ERR_FORBIDDEN when the DS type is in
 * use or deleted. */
int store_ds_type_add_element(struct store *s, int64_t ds_type_id, int64_t sm_type_id,
                              bool mandatory, const char *actor, struct error *err);
/** Removes an SM type from the mandatory (or optional) list. ERR_NOT_FOUND when it is
 * not in that list, ERR_FORBIDDEN when the DS type is in use or deleted. */
int store_ds_type_remove_element(struct store *s, int64_t ds_type_id, int64_t sm_type_id,
                                 bool mandatory, const char *actor, struct error *err);

#endif
