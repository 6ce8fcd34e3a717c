/* Metadata: key/value pairs attached to targets, software modules and distribution
 * sets (hawkBit's MetaData). Keys are unique per owner and compared exactly; a
 * module's entries carry targetVisible, which puts them into the device's
 * deploymentBase chunks. Entries go with a hard-deleted owner (ON DELETE CASCADE);
 * a soft-deleted module or set keeps them.
 *
 * These functions take the owner's row id and do not check that the owner exists
 * (the API loads it first); returned strings live in the arena passed in. */
#ifndef FALCONET_STORE_METADATA_STORE_H
#define FALCONET_STORE_METADATA_STORE_H

#include "store/filter.h"
#include "store/store.h"

/* hawkBit's column sizes (JpaMetaData) and its default quota of entries per owner
 * (hawkbit.server.security.dos.maxMetaDataEntriesPer*). */
#define METADATA_KEY_MAX 128
#define METADATA_VALUE_MAX 4000
#define METADATA_MAX_PER_OWNER 100

enum metadata_owner {
    METADATA_TARGET,
    METADATA_SM,
    METADATA_DS,
};

struct metadata {
    const char *key;
    const char *value;   /* NULL when never given */
    bool target_visible; /* software modules only; false elsewhere */
};

/** Inserts the n entries of owner id in one transaction (do not call inside
 * another): all or none. ERR_EXISTS (409) when a key already exists or repeats
 * within items, ERR_QUOTA when the owner would hold more than
 * METADATA_MAX_PER_OWNER entries. */
int store_metadata_create(struct store *s, enum metadata_owner owner, int64_t id,
                          const struct metadata *items, size_t n, struct error *err);
/** The entry `key` of owner id. ERR_NOT_FOUND when there is none. */
int store_metadata_get(struct store *s, enum metadata_owner owner, int64_t id, const char *key,
                       struct arena *a, struct metadata *out, struct error *err);
/** Writes value (and target_visible for modules) of the existing entry m->key.
 * ERR_NOT_FOUND when there is none. */
int store_metadata_update(struct store *s, enum metadata_owner owner, int64_t id,
                          const struct metadata *m, struct error *err);
/** Removes the entry `key` of owner id. ERR_NOT_FOUND when there is none. */
int store_metadata_delete(struct store *s, enum metadata_owner owner, int64_t id, const char *key,
                          struct error *err);
/** A page of owner id's entries: sort and q= over key, value (and targetVisible for
 * modules); default order key ascending. */
int store_metadata_list(struct store *s, enum metadata_owner owner, int64_t id,
                        const struct list_query *q, struct arena *a, struct metadata **items,
                        size_t *count, int64_t *total, struct error *err);
/** Every targetVisible entry of module sm_id, by key (what DDI shows a device). */
int store_metadata_visible(struct store *s, int64_t sm_id, struct arena *a, struct metadata **items,
                           size_t *count, struct error *err);

/* The `metadata.<key>` selectors of the owners' q= filters (store/filter.h). */
extern const struct filter_map filter_target_metadata;
extern const struct filter_map filter_sm_metadata;
extern const struct filter_map filter_ds_metadata;

#endif
