/* What a device is shown of a distribution set: its modules, each with its live
 * artifacts and targetVisible metadata (the chunks of deploymentBase).
 *
 * Every device with an action for the set reads the same rows, so a cache keeps one
 * read-only copy per set, stamped with the store's change generation read before
 * the rows were (see store_change_generation): any committed change retires it.
 * That is exact only where this process is the database's only writer (SQLite);
 * without a cache (PostgreSQL) every call reads the store. Thread-safe. */
#ifndef FALCONET_CORE_SET_CONTENTS_H
#define FALCONET_CORE_SET_CONTENTS_H

#include "store/metadata_store.h"
#include "store/model.h"
#include "store/store.h"

#include <stddef.h>

struct set_chunk {
    const struct software_module *module;
    const struct artifact *artifacts;
    size_t n_artifacts;
    const struct metadata *metadata; /* targetVisible only */
    size_t n_metadata;
};

struct set_contents {
    int64_t ds_id;
    const struct set_chunk *chunks; /* by module id */
    size_t n_chunks;
};

struct set_contents_cache;

/** A cache of `slots` sets (0: NULL, no cache). */
struct set_contents_cache *set_contents_cache_new(size_t slots);
void set_contents_cache_free(struct set_contents_cache *c);

/** The contents of set ds_id, current as of the call; c may be NULL. Release the
 * result with set_contents_release(). NULL on a store error (err set). */
const struct set_contents *set_contents_get(struct set_contents_cache *c, struct store *s,
                                            int64_t ds_id, struct error *err);
void set_contents_release(struct set_contents_cache *c, const struct set_contents *x);

#endif
