#include "store/target_type_store.h"

#include "store/db.h"
#include "store/listing.h"
#include "util/time.h"

#include <string.h>

#define TARGET_TYPE_COLUMNS                                                                        \
    "t.id, t.type_key, t.name, t.description, t.colour, t.created_at, t.created_by,"               \
    " t.last_modified_at, t.last_modified_by"

#define DS_TYPE_COLUMNS                                                                            \
    "d.id, d.type_key, d.name, d.description, d.colour, d.deleted, d.created_at, d.created_by,"    \
    " d.last_modified_at, d.last_modified_by"

static const struct sort_field target_type_sort_fields[] = {
    {"id", "t.id"},
    {"key", "t.type_key"},
    {"name", "t.name"},
    {"description", "t.description"},
    {"colour", "t.colour"},
    {"createdAt", "t.created_at"},
    {"createdBy", "t.created_by"},
    {"lastModifiedAt", "t.last_modified_at"},
    {"lastModifiedBy", "t.last_modified_by"},
    {NULL, NULL},
};

/* TargetTypeFields (reference f.3). */
static const struct filter_field target_type_filter_fields[] = {
    {"id", FILTER_INT, "t.id", NULL},
    {"key", FILTER_TEXT, "t.type_key", NULL},
    {"name", FILTER_TEXT, "t.name", NULL},
    {"description", FILTER_TEXT, "t.description", NULL},
    {"colour", FILTER_TEXT, "t.colour", NULL},
    {"createdat", FILTER_INT, "t.created_at", NULL},
    {"createdby", FILTER_TEXT, "t.created_by", NULL},
    {"lastmodifiedat", FILTER_INT, "t.last_modified_at", NULL},
    {"lastmodifiedby", FILTER_TEXT, "t.last_modified_by", NULL},
    {NULL, 0, NULL, NULL},
};

static void read_audit(struct db_stmt *st, int col, struct arena *a, struct audit *out)
{
    out->created_at = db_col_int(st, col);
    out->created_by = arena_strdup(a, db_col_text(st, col + 1));
    out->last_modified_at = db_col_int(st, col + 2);
    out->last_modified_by = arena_strdup(a, db_col_text(st, col + 3));
}

static void read_target_type(struct db_stmt *st, struct arena *a, void *item)
{
    struct target_type *t = item;
    t->id = db_col_int(st, 0);
    t->key = arena_strdup(a, db_col_text(st, 1));
    t->name = arena_strdup(a, db_col_text(st, 2));
    t->description = arena_strdup(a, db_col_text(st, 3));
    t->colour = arena_strdup(a, db_col_text(st, 4));
    read_audit(st, 5, a, &t->audit);
}

static void read_ds_type(struct db_stmt *st, struct arena *a, struct ds_type *t)
{
    t->id = db_col_int(st, 0);
    t->key = arena_strdup(a, db_col_text(st, 1));
    t->name = arena_strdup(a, db_col_text(st, 2));
    t->description = arena_strdup(a, db_col_text(st, 3));
    t->colour = arena_strdup(a, db_col_text(st, 4));
    t->deleted = db_col_int(st, 5) != 0;
    read_audit(st, 6, a, &t->audit);
}

static int type_not_found(struct error *err, int64_t id)
{
    return err_set(err, ERR_NOT_FOUND, "repo.entityNotFound",
                   "TargetType with given identifier {%lld} does not exist.", (long long)id);
}

static int ds_type_not_found(struct error *err, int64_t id)
{
    return err_set(err, ERR_NOT_FOUND, "repo.entityNotFound",
                   "DistributionSetType with given identifier {%lld} does not exist.",
                   (long long)id);
}

/* Steps a prepared "SELECT 1 ..." with one id bound: 1 for a row, 0 for none. */
static int exists(struct store *s, const char *sql, int64_t id, struct error *err)
{
    struct db_stmt *st = db_prepare(s->db, sql, err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, id);
    int rc = db_step(st, err);
    db_done(st);
    return rc < 0 ? rc : rc == DB_ROW;
}

static int type_exists(struct store *s, int64_t id, struct error *err)
{
    int rc = exists(s, "SELECT 1 FROM target_types WHERE id = ?", id, err);
    return rc == 0 ? type_not_found(err, id) : rc < 0 ? rc : 0;
}

int store_target_type_get(struct store *s, int64_t id, struct arena *a, struct target_type *out,
                          struct error *err)
{
    struct db_stmt *st =
        db_prepare(s->db, "SELECT " TARGET_TYPE_COLUMNS " FROM target_types t WHERE t.id = ?", err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, id);
    int rc = db_step(st, err);
    if (rc == DB_ROW) {
        read_target_type(st, a, out);
        rc = 0;
    } else if (rc == DB_DONE) {
        rc = type_not_found(err, id);
    }
    db_done(st);
    return rc;
}

static int already_exists(struct error *err, const struct target_type *t)
{
    return err_set(err, ERR_EXISTS, "repo.entityAlreadyExists",
                   "TargetType with key %s or name %s already exists", t->key ? t->key : "",
                   t->name);
}

static int insert_type(struct store *s, struct target_type *t, const char *actor, struct error *err)
{
    struct db_stmt *st = db_prepare(
        s->db,
        "INSERT INTO target_types (type_key, name, description, colour, created_at, created_by,"
        " last_modified_at, last_modified_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?5, ?6) RETURNING id",
        err);
    if (!st)
        return -ERR_INTERNAL;
    int64_t now = time_now_ms();
    db_bind_text(st, 1, t->key);
    db_bind_text(st, 2, t->name);
    db_bind_text(st, 3, t->description);
    db_bind_text(st, 4, t->colour);
    db_bind_int(st, 5, now);
    db_bind_text(st, 6, actor);
    int rc = db_step(st, err);
    if (rc == DB_ROW) {
        t->id = db_col_int(st, 0);
        t->audit = (struct audit){now, now, actor, actor};
        rc = 0;
    } else if (rc == -ERR_EXISTS) {
        already_exists(err, t);
    }
    db_done(st);
    return rc;
}

/* Adds one DS type to the compatible list; it must exist and not be deleted. */
static int put_ds_type(struct store *s, int64_t id, int64_t ds_type_id, struct error *err)
{
    int rc = exists(s, "SELECT 1 FROM ds_types WHERE id = ? AND deleted = 0", ds_type_id, err);
    if (rc <= 0)
        return rc < 0 ? rc : ds_type_not_found(err, ds_type_id);
    struct db_stmt *st = db_prepare(s->db,
                                    "INSERT INTO target_type_ds_types (target_type_id, ds_type_id)"
                                    " VALUES (?, ?) ON CONFLICT DO NOTHING",
                                    err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, id);
    db_bind_int(st, 2, ds_type_id);
    return db_run(st, err);
}

int store_target_type_create(struct store *s, struct target_type *t, const int64_t *ds_types,
                             size_t n_ds_types, const char *actor, struct error *err)
{
    int rc = insert_type(s, t, actor, err);
    for (size_t i = 0; rc == 0 && i < n_ds_types; i++)
        rc = put_ds_type(s, t->id, ds_types[i], err);
    return rc;
}

int store_target_type_update(struct store *s, const struct target_type *t, const char *actor,
                             struct error *err)
{
    struct db_stmt *st = db_prepare(s->db,
                                    "UPDATE target_types SET name = ?, description = ?, colour = ?,"
                                    " last_modified_at = ?, last_modified_by = ? WHERE id = ?",
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
    return rc == -ERR_EXISTS ? already_exists(err, t) : rc;
}

int store_target_type_delete(struct store *s, int64_t id, struct error *err)
{
    int rc = type_exists(s, id, err);
    if (rc < 0)
        return rc;
    int used = exists(s, "SELECT 1 FROM targets WHERE target_type_id = ? LIMIT 1", id, err);
    if (used < 0)
        return used;
    if (used)
        return err_set(err, ERR_CONFLICT, "target.type.used",
                       "TargetType %lld is assigned to targets and cannot be deleted",
                       (long long)id);
    struct db_stmt *st = db_prepare(s->db, "DELETE FROM target_types WHERE id = ?", err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, id);
    return db_run(st, err);
}

int store_target_type_list(struct store *s, const struct list_query *q, struct arena *a,
                           struct target_type **items, size_t *count, int64_t *total,
                           struct error *err)
{
    return listing_page(s->db, TARGET_TYPE_COLUMNS, "target_types t", -1, target_type_sort_fields,
                        target_type_filter_fields, "t.id ASC", q, a, sizeof(**items),
                        read_target_type, (void **)items, count, total, err);
}

int store_target_type_ds_types(struct store *s, int64_t id, struct arena *a, struct ds_type **items,
                               size_t *count, struct error *err)
{
    struct db_stmt *st = db_prepare(s->db,
                                    "SELECT " DS_TYPE_COLUMNS " FROM target_type_ds_types c"
                                    " JOIN ds_types d ON d.id = c.ds_type_id"
                                    " WHERE c.target_type_id = ? ORDER BY d.id",
                                    err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, id);
    size_t cap = 8;
    *items = arena_alloc(a, sizeof(**items) * cap);
    *count = 0;
    int rc;
    while ((rc = db_step(st, err)) == DB_ROW) {
        if (*count == cap) {
            struct ds_type *grown = arena_alloc(a, sizeof(**items) * cap * 2);
            memcpy(grown, *items, sizeof(**items) * cap);
            *items = grown;
            cap *= 2;
        }
        read_ds_type(st, a, &(*items)[(*count)++]);
    }
    db_done(st);
    return rc < 0 ? rc : 0;
}

static int touch(struct store *s, int64_t id, const char *actor, struct error *err)
{
    struct db_stmt *st = db_prepare(
        s->db, "UPDATE target_types SET last_modified_at = ?, last_modified_by = ? WHERE id = ?",
        err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, time_now_ms());
    db_bind_text(st, 2, actor);
    db_bind_int(st, 3, id);
    return db_run(st, err);
}

int store_target_type_add_ds_types(struct store *s, int64_t id, const int64_t *ds_types,
                                   size_t n_ds_types, const char *actor, struct error *err)
{
    int rc = type_exists(s, id, err);
    for (size_t i = 0; rc == 0 && i < n_ds_types; i++)
        rc = put_ds_type(s, id, ds_types[i], err);
    return rc < 0 ? rc : touch(s, id, actor, err);
}

int store_target_type_remove_ds_type(struct store *s, int64_t id, int64_t ds_type_id,
                                     const char *actor, struct error *err)
{
    int rc = type_exists(s, id, err);
    if (rc < 0)
        return rc;
    if ((rc = exists(s, "SELECT 1 FROM ds_types WHERE id = ?", ds_type_id, err)) <= 0)
        return rc < 0 ? rc : ds_type_not_found(err, ds_type_id);
    struct db_stmt *st = db_prepare(
        s->db, "DELETE FROM target_type_ds_types WHERE target_type_id = ? AND ds_type_id = ?", err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, id);
    db_bind_int(st, 2, ds_type_id);
    if ((rc = db_run(st, err)) < 0)
        return rc;
    return db_changes(s->db) > 0 ? touch(s, id, actor, err) : 0;
}

int store_target_type_accepts(struct store *s, int64_t id, int64_t ds_type_id, struct error *err)
{
    struct db_stmt *st = db_prepare(s->db,
                                    "SELECT 1 FROM target_type_ds_types"
                                    " WHERE target_type_id = ? AND ds_type_id = ?",
                                    err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, id);
    db_bind_int(st, 2, ds_type_id);
    int rc = db_step(st, err);
    db_done(st);
    return rc < 0 ? rc : rc == DB_ROW;
}

int store_target_set_type(struct store *s, int64_t target_id, int64_t type_id, const char *actor,
                          struct error *err)
{
    int rc = type_id < 0 ? 0 : type_exists(s, type_id, err);
    if (rc < 0)
        return rc;
    struct db_stmt *st = db_prepare(s->db,
                                    "UPDATE targets SET target_type_id = ?, last_modified_at = ?,"
                                    " last_modified_by = ? WHERE id = ?",
                                    err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_opt_int(st, 1, type_id);
    db_bind_int(st, 2, time_now_ms());
    db_bind_text(st, 3, actor);
    db_bind_int(st, 4, target_id);
    return db_run(st, err);
}
