/* Software module types, software modules and their artifacts (metadata only; the
 * artifact bytes live in the blob store, which this layer never touches).
 *
 * Deletion follows hawkBit: an entity still referenced is soft-deleted (the row
 * stays with deleted = 1 so that action history keeps meaning something), anything
 * else is removed. A module is "referenced" when any distribution set holds it;
 * that covers every action's history, since an action points at a distribution set
 * and the set at its modules. Soft-deleted rows are left out of every list and of
 * every lookup by name/key, but GET by id still returns them with deleted = true
 * (hawkBit's get(id) is a plain findById; only its list queries add
 * "deleted = false"). Artifacts are the exception: a deleted artifact is never
 * returned, because its bytes are gone.
 *
 * Returned strings live in the arena passed to the call. */
#ifndef FALCONET_STORE_SM_STORE_H
#define FALCONET_STORE_SM_STORE_H

#include "store/store.h"

/* ---- software module types ---- */

/** Inserts t (key, name, description, colour, max_assignments, min_artifacts) and
 * fills id and audit. ERR_EXISTS when a live type has the same key or name. */
int store_sm_type_create(struct store *s, struct sm_type *t, const char *actor, struct error *err);
/** By id, soft-deleted types included. ERR_NOT_FOUND otherwise. */
int store_sm_type_get(struct store *s, int64_t id, struct arena *a, struct sm_type *out,
                      struct error *err);
/** The live type with this key. ERR_NOT_FOUND otherwise. */
int store_sm_type_get_by_key(struct store *s, const char *key, struct arena *a, struct sm_type *out,
                             struct error *err);
/** Writes description and colour of t (the only mutable fields). */
int store_sm_type_update(struct store *s, const struct sm_type *t, const char *actor,
                         struct error *err);
/** In its own transaction: soft delete when any module (even a deleted one) or
 * distribution set type uses the type, hard delete otherwise; a no-op for an
 * already deleted type. ERR_NOT_FOUND for unknown ids. */
int store_sm_type_delete(struct store *s, int64_t id, const char *actor, struct error *err);
/** A page of live types; default order id ascending. */
int store_sm_type_list(struct store *s, const struct list_query *q, struct arena *a,
                       struct sm_type **items, size_t *count, int64_t *total, struct error *err);

/* ---- software modules ---- */

/** Inserts m (type_key, name, version, description, vendor, encrypted) and fills
 * id, type_id and audit (read the module back for type_name). ERR_INVALID when no live type has
 * type_key, ERR_EXISTS when a live module has the same type, name and version. */
int store_sm_create(struct store *s, struct software_module *m, const char *actor,
                    struct error *err);
/** By id, soft-deleted modules included. ERR_NOT_FOUND otherwise. */
int store_sm_get(struct store *s, int64_t id, struct arena *a, struct software_module *out,
                 struct error *err);
/** Writes description, vendor and locked of m. */
int store_sm_update(struct store *s, const struct software_module *m, const char *actor,
                    struct error *err);
/** Deletes module id and its artifacts in one transaction (do not call inside
 * another): soft when a distribution set holds the module, hard otherwise. The blob
 * keys of the artifacts that were live are returned in *keys / *nkeys (arena); the
 * caller deletes those blobs once this has returned 0. Deleting an already
 * soft-deleted module is a no-op. ERR_NOT_FOUND for unknown ids. */
int store_sm_delete(struct store *s, int64_t id, const char *actor, struct arena *a,
                    const char ***keys, size_t *nkeys, struct error *err);
/** A page of live modules; default order id ascending. */
int store_sm_list(struct store *s, const struct list_query *q, struct arena *a,
                  struct software_module **items, size_t *count, int64_t *total, struct error *err);

/* ---- artifacts ---- */

/** Inserts art (sm_id, filename, size, md5, sha1, sha256, blob_key) and fills id
 * and audit. ERR_NOT_FOUND when the module is missing or deleted by now,
 * ERR_EXISTS when the module already has a live artifact with this filename. */
int store_artifact_create(struct store *s, struct artifact *art, const char *actor,
                          struct error *err);
/** A live artifact of module sm_id. ERR_NOT_FOUND otherwise. */
int store_artifact_get(struct store *s, int64_t sm_id, int64_t id, struct arena *a,
                       struct artifact *out, struct error *err);
/** The live artifact of module sm_id named filename. ERR_NOT_FOUND otherwise. */
int store_artifact_find(struct store *s, int64_t sm_id, const char *filename, struct arena *a,
                        struct artifact *out, struct error *err);
/** Every live artifact of module sm_id, by id. */
int store_artifact_list(struct store *s, int64_t sm_id, struct arena *a, struct artifact **items,
                        size_t *count, struct error *err);
/** Deletes a live artifact of module sm_id in its own transaction: soft when a distribution set
 * holds the module, hard otherwise. *blob_key (arena) names the bytes for the caller to delete
 * afterwards. ERR_NOT_FOUND when there is no such live artifact. */
int store_artifact_delete(struct store *s, int64_t sm_id, int64_t id, const char *actor,
                          struct arena *a, const char **blob_key, struct error *err);

#endif
