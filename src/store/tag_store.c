#include "store/tag_store.h"

#include "store/db.h"
#include "store/listing.h"
#include "util/time.h"

#include <stdlib.h>
#include <string.h>

/* The same statement over target_tags or ds_tags: both are literals, so each keeps
 * its own cached prepared statement. */
#define TAG_SQL(kind, before, after)                                                               \
    ((kind) == TAG_TARGET ? before "target_tags" after : before "ds_tags" after)

#define TAG_COLUMNS                                                                                \
    "g.id, g.name, g.description, g.colour, g.created_at, g.created_by, g.last_modified_at,"       \
    " g.last_modified_by"

static const struct sort_field tag_sort_fields[] = {
    {"id", "g.id"},
    {"name", "g.name"},
    {"description", "g.description"},
    {"colour", "g.colour"},
    {"createdAt", "g.created_at"},
    {"createdBy", "g.created_by"},
    {"lastModifiedAt", "g.last_modified_at"},
    {"lastModifiedBy", "g.last_modified_by"},
    {NULL, NULL},
};

/* hawkBit's TagFields (reference f.3). */
static const struct filter_field tag_filter_fields[] = {
    {"id", FILTER_INT, "g.id", NULL},
    {"name", FILTER_TEXT, "g.name", NULL},
    {"description", FILTER_TEXT, "g.description", NULL},
    {"colour", FILTER_TEXT, "g.colour", NULL},
    {"createdat", FILTER_INT, "g.created_at", NULL},
    {"createdby", FILTER_TEXT, "g.created_by", NULL},
    {"lastmodifiedat", FILTER_INT, "g.last_modified_at", NULL},
    {"lastmodifiedby", FILTER_TEXT, "g.last_modified_by", NULL},
    {NULL, 0, NULL, NULL},
};

static const char *entity_name(enum tag_kind kind)
{
    return kind == TAG_TARGET ? "TargetTag" : "DistributionSetTag";
}

static int tag_not_found(enum tag_kind kind, int64_t id, struct error *err)
{
    return err_set(err, ERR_NOT_FOUND, "repo.entityNotFound",
                   "%s with given identifier {%lld} does not exist.", entity_name(kind),
                   (long long)id);
}

static int tag_exists(enum tag_kind kind, const char *name, struct error *err)
{
    return err_set(err, ERR_EXISTS, "repo.entityAlreadyExists",
                   "%s with name %.128s already exists", entity_name(kind), name);
}

static void read_tag(struct db_stmt *st, struct arena *a, void *item)
{
    struct tag *t = item;
    t->id = db_col_int(st, 0);
    t->name = arena_strdup(a, db_col_text(st, 1));
    t->description = arena_strdup(a, db_col_text(st, 2));
    t->colour = arena_strdup(a, db_col_text(st, 3));
    t->audit.created_at = db_col_int(st, 4);
    t->audit.created_by = arena_strdup(a, db_col_text(st, 5));
    t->audit.last_modified_at = db_col_int(st, 6);
    t->audit.last_modified_by = arena_strdup(a, db_col_text(st, 7));
}

int store_tag_create(struct store *s, enum tag_kind kind, struct tag *t, const char *actor,
                     struct error *err)
{
    struct db_stmt *st =
        db_prepare(s->db,
                   TAG_SQL(kind, "INSERT INTO ",
                           " (name, description, colour, created_at, created_by, last_modified_at,"
                           " last_modified_by) VALUES (?1, ?2, ?3, ?4, ?5, ?4, ?5) RETURNING id"),
                   err);
    if (!st)
        return -ERR_INTERNAL;
    int64_t now = time_now_ms();
    db_bind_text(st, 1, t->name);
    db_bind_text(st, 2, t->description);
    db_bind_text(st, 3, t->colour);
    db_bind_int(st, 4, now);
    db_bind_text(st, 5, actor);
    int rc = db_step(st, err);
    if (rc == DB_ROW) {
        t->id = db_col_int(st, 0);
        t->audit = (struct audit){now, now, actor, actor};
        rc = 0;
    } else if (rc == -ERR_EXISTS) {
        tag_exists(kind, t->name, err);
    }
    db_done(st);
    return rc;
}

int store_tag_get(struct store *s, enum tag_kind kind, int64_t id, struct arena *a, struct tag *out,
                  struct error *err)
{
    struct db_stmt *st =
        db_prepare(s->db, TAG_SQL(kind, "SELECT " TAG_COLUMNS " FROM ", " g WHERE g.id = ?"), err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, id);
    int rc = db_step(st, err);
    if (rc == DB_ROW) {
        read_tag(st, a, out);
        rc = 0;
    } else if (rc == DB_DONE) {
        rc = tag_not_found(kind, id, err);
    }
    db_done(st);
    return rc;
}

int store_tag_update(struct store *s, enum tag_kind kind, const struct tag *t, const char *actor,
                     struct error *err)
{
    struct db_stmt *st = db_prepare(s->db,
                                    TAG_SQL(kind, "UPDATE ",
                                            " SET name = ?, description = ?, colour = ?,"
                                            " last_modified_at = ?, last_modified_by = ?"
                                            " WHERE id = ?"),
                                    err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_text(st, 1, t->name);
    db_bind_text(st, 2, t->description);
    db_bind_text(st, 3, t->colour);
    db_bind_int(st, 4, time_now_ms());
    db_bind_text(st, 5, actor);
    db_bind_int(st, 6, t->id);
    int rc = db_run(st, err);
    if (rc == -ERR_EXISTS)
        return tag_exists(kind, t->name, err);
    if (rc == 0 && db_changes(s->db) == 0)
        return tag_not_found(kind, t->id, err);
    return rc;
}

int store_tag_delete(struct store *s, enum tag_kind kind, int64_t id, struct error *err)
{
    struct db_stmt *st = db_prepare(s->db, TAG_SQL(kind, "DELETE FROM ", " WHERE id = ?"), err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, id);
    int rc = db_run(st, err);
    if (rc == 0 && db_changes(s->db) == 0)
        return tag_not_found(kind, id, err);
    return rc;
}

int store_tag_list(struct store *s, enum tag_kind kind, const struct list_query *q, struct arena *a,
                   struct tag **items, size_t *count, int64_t *total, struct error *err)
{
    return listing_page(s->db, TAG_COLUMNS, kind == TAG_TARGET ? "target_tags g" : "ds_tags g", -1,
                        tag_sort_fields, tag_filter_fields, "g.id ASC", q, a, sizeof(**items),
                        read_tag, (void **)items, count, total, err);
}

int store_tag_list_of_target(struct store *s, int64_t target_id, struct arena *a,
                             struct tag **items, size_t *count, struct error *err)
{
    struct db_stmt *st = db_prepare(s->db,
                                    "SELECT " TAG_COLUMNS " FROM target_tags g"
                                    " JOIN target_tag_assignments x ON x.tag_id = g.id"
                                    " WHERE x.target_id = ? ORDER BY g.id",
                                    err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, target_id);
    size_t cap = 8;
    *items = arena_alloc(a, sizeof(**items) * cap);
    *count = 0;
    int rc;
    while ((rc = db_step(st, err)) == DB_ROW) {
        if (*count == cap) {
            struct tag *grown = arena_alloc(a, sizeof(**items) * cap * 2);
            memcpy(grown, *items, sizeof(**items) * cap);
            *items = grown;
            cap *= 2;
        }
        read_tag(st, a, &(*items)[(*count)++]);
    }
    db_done(st);
    return rc < 0 ? rc : 0;
}

/* ---- assignments ---- */

/* Looks up one entity's row id: *id = -1 when unknown. */
static int lookup_id(struct db_stmt *st, int64_t *id, struct error *err)
{
    int rc = db_step(st, err);
    *id = rc == DB_ROW ? db_col_int(st, 0) : -1;
    db_done(st);
    return rc < 0 ? rc : 0;
}

static int target_row_id(struct store *s, const char *controller_id, int64_t *id, struct error *err)
{
    struct db_stmt *st = db_prepare(s->db, "SELECT id FROM targets WHERE controller_id = ?", err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_text(st, 1, controller_id);
    return lookup_id(st, id, err);
}

static int ds_row_id(struct store *s, int64_t ds_id, int64_t *id, struct error *err)
{
    struct db_stmt *st =
        db_prepare(s->db, "SELECT id FROM distribution_sets WHERE id = ? AND deleted = 0", err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, ds_id);
    return lookup_id(st, id, err);
}

/* Writes (assign) or removes one assignment row of the resolved entity row_id. */
static int set_row(struct store *s, enum tag_kind kind, int64_t tag_id, int64_t row_id, bool assign,
                   struct error *err)
{
    const char *sql;
    if (kind == TAG_TARGET)
        sql = assign ? "INSERT INTO target_tag_assignments (target_id, tag_id) VALUES (?, ?)"
                       " ON CONFLICT DO NOTHING"
                     : "DELETE FROM target_tag_assignments WHERE target_id = ? AND tag_id = ?";
    else
        sql = assign ? "INSERT INTO ds_tag_assignments (ds_id, tag_id) VALUES (?, ?)"
                       " ON CONFLICT DO NOTHING"
                     : "DELETE FROM ds_tag_assignments WHERE ds_id = ? AND tag_id = ?";
    struct db_stmt *st = db_prepare(s->db, sql, err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, row_id);
    db_bind_int(st, 2, tag_id);
    return db_run(st, err);
}

/* Resolves the references (controller ids or DS ids) to row ids (-1 = unknown). */
static int resolve(struct store *s, enum tag_kind kind, const char *const *controller_ids,
                   const int64_t *ds_ids, size_t n, int64_t *rows, struct error *err)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = kind == TAG_TARGET ? target_row_id(s, controller_ids[i], &rows[i], err)
                                : ds_row_id(s, ds_ids[i], &rows[i], err);
    return rc;
}

static int entity_not_found(enum tag_kind kind, const char *const *controller_ids,
                            const int64_t *ds_ids, size_t i, struct error *err)
{
    if (kind == TAG_TARGET)
        return err_set(err, ERR_NOT_FOUND, "repo.entityNotFound",
                       "Target with given identifier {%.128s} does not exist.", controller_ids[i]);
    return err_set(err, ERR_NOT_FOUND, "repo.entityNotFound",
                   "DistributionSet with given identifier {%lld} does not exist.",
                   (long long)ds_ids[i]);
}

static int set_tagged(struct store *s, enum tag_kind kind, int64_t tag_id,
                      const char *const *controller_ids, const int64_t *ds_ids, size_t n,
                      bool assign, enum tag_unknown policy, size_t *unknown, struct error *err)
{
    struct arena a;
    struct tag t;
    *unknown = 0;
    arena_init(&a);
    int rc = store_tag_get(s, kind, tag_id, &a, &t, err);
    arena_free(&a);
    if (rc < 0)
        return rc;
    int64_t *rows = malloc(sizeof(*rows) * (n ? n : 1));
    if (!rows)
        return err_set(err, ERR_INTERNAL, NULL, "out of memory");
    rc = resolve(s, kind, controller_ids, ds_ids, n, rows, err);
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (rows[i] < 0 && (*unknown)++ == 0)
            entity_not_found(kind, controller_ids, ds_ids, i, err);
    if (rc == 0 && *unknown && policy == TAG_UNKNOWN_FAIL)
        rc = -ERR_NOT_FOUND;
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (rows[i] >= 0)
            rc = set_row(s, kind, tag_id, rows[i], assign, err);
    free(rows);
    return rc;
}

int store_tag_set_targets(struct store *s, int64_t tag_id, const char *const *controller_ids,
                          size_t n, bool assign, enum tag_unknown policy, size_t *unknown,
                          struct error *err)
{
    return set_tagged(s, TAG_TARGET, tag_id, controller_ids, NULL, n, assign, policy, unknown, err);
}

int store_tag_set_ds(struct store *s, int64_t tag_id, const int64_t *ds_ids, size_t n, bool assign,
                     enum tag_unknown policy, size_t *unknown, struct error *err)
{
    return set_tagged(s, TAG_DS, tag_id, NULL, ds_ids, n, assign, policy, unknown, err);
}
