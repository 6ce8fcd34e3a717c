/* Target tags and distribution set tags, and which entities carry them.
 *
 * Both kinds are the same record in two tables; every function takes the kind.
 * Names are unique per kind. Deleting a tag removes its assignments; deleting a
 * target or (hard-deleting) a set removes the entity's. Soft-deleted sets count as
 * unknown for assignment. The tagged entities are listed by
 * store_target_list_by_tag (target_store.h) and store_ds_list_by_tag (ds_store.h). */
#ifndef FALCONET_STORE_TAG_STORE_H
#define FALCONET_STORE_TAG_STORE_H

#include "store/store.h"

enum tag_kind { TAG_TARGET, TAG_DS };

struct tag {
    int64_t id;
    const char *name, *description, *colour;
    struct audit audit;
};

/** Inserts t (name, description, colour) and sets t->id and t->audit. ERR_EXISTS
 * (repo.entityAlreadyExists) when the name is taken. */
int store_tag_create(struct store *s, enum tag_kind kind, struct tag *t, const char *actor,
                     struct error *err);
/** ERR_NOT_FOUND (repo.entityNotFound) for unknown ids. */
int store_tag_get(struct store *s, enum tag_kind kind, int64_t id, struct arena *a, struct tag *out,
                  struct error *err);
/** Writes name, description and colour of t. ERR_EXISTS when renamed to a taken name,
 * ERR_NOT_FOUND for an unknown id. */
int store_tag_update(struct store *s, enum tag_kind kind, const struct tag *t, const char *actor,
                     struct error *err);
/** Removes the tag and its assignments. ERR_NOT_FOUND for unknown ids. */
int store_tag_delete(struct store *s, enum tag_kind kind, int64_t id, struct error *err);
/** Paged tags. Sort and filter fields: id, name, description, colour and the audit
 * fields; default id ascending. */
int store_tag_list(struct store *s, enum tag_kind kind, const struct list_query *q, struct arena *a,
                   struct tag **items, size_t *count, int64_t *total, struct error *err);
/** Every target tag of a target, ordered by id. */
int store_tag_list_of_target(struct store *s, int64_t target_id, struct arena *a,
                             struct tag **items, size_t *count, struct error *err);

/** How an assignment treats references to unknown entities. */
enum tag_unknown {
    TAG_UNKNOWN_FAIL, /* ERR_NOT_FOUND naming the first one, nothing changed */
    TAG_UNKNOWN_SKIP, /* the known ones change; *unknown counts the rest, err names the first */
};

/** Tags (assign) or untags the targets with these controller ids. Already tagged or
 * untagged targets are left alone. ERR_NOT_FOUND for an unknown tag. Every id is
 * looked up before any row is written; run it in a transaction so that the writes
 * land together. */
int store_tag_set_targets(struct store *s, int64_t tag_id, const char *const *controller_ids,
                          size_t n, bool assign, enum tag_unknown policy, size_t *unknown,
                          struct error *err);
/** The same for distribution sets by id. */
int store_tag_set_ds(struct store *s, int64_t tag_id, const int64_t *ds_ids, size_t n, bool assign,
                     enum tag_unknown policy, size_t *unknown, struct error *err);

#endif
