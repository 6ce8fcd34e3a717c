/* Distribution sets and the software modules they hold.
 *
 * Rules kept here (hawkBit's):
 *  - name + version are unique among non-deleted sets;
 *  - a set is `complete` when every mandatory module type of its DS type has at least
 *    one module in the set (computed on read, never stored);
 *  - a module may join a set only if its type is one of the DS type's mandatory or
 *    optional types; when the set already holds max_assignments modules of that type,
 *    the oldest of them (lowest module id) is replaced;
 *  - a locked set's modules cannot change, and a set is never unlocked. Locking a set
 *    also locks its modules;
 *  - a set still referenced by an action or a target is soft-deleted (kept with
 *    deleted = true), any other set is removed.
 * Functions that write several rows expect to run inside a transaction. */
#ifndef FALCONET_STORE_DS_STORE_H
#define FALCONET_STORE_DS_STORE_H

#include "store/store.h"

/** The DS type used when a set is created without one (hawkBit's default.ds.type). */
#define DS_DEFAULT_TYPE_KEY "os_app"

/** Creates a set from ds (name, version, description, type_key — NULL for the default
 * type —, required_migration_step, locked), adds the modules sm_ids (as
 * store_ds_add_modules) and locks it when ds->locked. On success *ds is re-read (id,
 * type, complete, audit). ERR_INVALID (distributionset.type.undefined) for an unknown
 * type key, ERR_EXISTS for a duplicate name + version; module errors as
 * store_ds_add_modules. */
int store_ds_create(struct store *s, struct distribution_set *ds, const int64_t *sm_ids,
                    size_t n_modules, const char *actor, struct arena *a, struct error *err);
/** Any set by id, soft-deleted ones included (deleted = true); fills type_key,
 * type_name and complete. ERR_NOT_FOUND (repo.entityNotFound) otherwise. */
int store_ds_get(struct store *s, int64_t id, struct arena *a, struct distribution_set *out,
                 struct error *err);
/** The non-deleted set with this name and version; ERR_NOT_FOUND otherwise. */
int store_ds_find(struct store *s, const char *name, const char *version, struct arena *a,
                  struct distribution_set *out, struct error *err);
/** Writes name, version, description and required_migration_step of ds; locks the set
 * when ds->locked. ERR_INVALID when asked to unlock a locked set, ERR_EXISTS for a
 * duplicate name + version, ERR_NOT_FOUND for unknown or deleted sets. */
int store_ds_update(struct store *s, const struct distribution_set *ds, const char *actor,
                    struct error *err);
/** Soft or hard delete (see above). ERR_NOT_FOUND for unknown or already deleted sets. */
int store_ds_delete(struct store *s, int64_t id, struct error *err);
/** Paged non-deleted sets. Sort fields: id, name, version, description, type, complete,
 * locked, valid, requiredMigrationStep and the audit fields; default id ascending. */
int store_ds_list(struct store *s, const struct list_query *q, struct arena *a,
                  struct distribution_set **items, size_t *count, int64_t *total,
                  struct error *err);
/** Non-deleted sets tagged with the DS tag tag_id, paged as store_ds_list. */
int store_ds_list_by_tag(struct store *s, int64_t tag_id, const struct list_query *q,
                         struct arena *a, struct distribution_set **items, size_t *count,
                         int64_t *total, struct error *err);
/** Locks the set and its modules (implicit lock on first assignment); idempotent.
 * ERR_NOT_FOUND for unknown sets. */
int store_ds_lock(struct store *s, int64_t id, struct error *err);

/** Adds modules to a set in order, applying the type and max_assignments rules.
 * ERR_NOT_FOUND for an unknown set or module (deleted modules count as unknown),
 * ERR_LOCKED (locked) for a locked set, ERR_INVALID
 * (distributionset.modules.unsupported) for a module type the DS type does not list.
 * Modules already in the set are left alone. */
int store_ds_add_modules(struct store *s, int64_t ds_id, const int64_t *sm_ids, size_t n,
                         const char *actor, struct error *err);
/** Removes one module from a set; a module that is not in the set is a no-op.
 * ERR_NOT_FOUND for an unknown set or module, ERR_LOCKED for a locked set. */
int store_ds_remove_module(struct store *s, int64_t ds_id, int64_t sm_id, const char *actor,
                           struct error *err);
/** One page of the modules of a set (type_key/type_name filled). Sort fields: id, name,
 * version, type, description, vendor and the audit fields; default id ascending. */
int store_ds_modules(struct store *s, int64_t ds_id, const struct list_query *q, struct arena *a,
                     struct software_module **items, size_t *count, int64_t *total,
                     struct error *err);
/** Every module of a set, ordered by id. */
int store_ds_modules_all(struct store *s, int64_t ds_id, struct arena *a,
                         struct software_module **items, size_t *count, struct error *err);

#endif
