#include "store/ds_type_store.h"

#include "store/db.h"
#include "store/listing.h"
#include "util/time.h"

#include <stdio.h>
#include <string.h>

#define DS_TYPE_COLUMNS                                                                            \
    "t.id, t.type_key, t.name, t.description, t.colour, t.deleted, t.created_at, t.created_by,"    \
    " t.last_modified_at, t.last_modified_by"

#define SM_TYPE_COLUMNS                                                                            \
    "st.id, st.type_key, st.name, st.description, st.colour, st.max_assignments,"                  \
    " st.min_artifacts, st.deleted, st.created_at, st.created_by, st.last_modified_at,"            \
    " st.last_modified_by"

static const struct sort_field ds_type_sort_fields[] = {
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

static void read_audit(struct db_stmt *st, int col, struct arena *a, struct audit *out)
{
    out->created_at = db_col_int(st, col);
    out->created_by = arena_strdup(a, db_col_text(st, col + 1));
    out->last_modified_at = db_col_int(st, col + 2);
    out->last_modified_by = arena_strdup(a, db_col_text(st, col + 3));
}

/* The fields of every type entity (reference f.3). */
static const struct filter_field type_filter_fields[] = {
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

static void read_ds_type(struct db_stmt *st, struct arena *a, void *item)
{
    struct ds_type *t = item;
    t->id = db_col_int(st, 0);
    t->key = arena_strdup(a, db_col_text(st, 1));
    t->name = arena_strdup(a, db_col_text(st, 2));
    t->description = arena_strdup(a, db_col_text(st, 3));
    t->colour = arena_strdup(a, db_col_text(st, 4));
    t->deleted = db_col_int(st, 5) != 0;
    read_audit(st, 6, a, &t->audit);
}

static void read_sm_type(struct db_stmt *st, struct arena *a, struct sm_type *t)
{
    t->id = db_col_int(st, 0);
    t->key = arena_strdup(a, db_col_text(st, 1));
    t->name = arena_strdup(a, db_col_text(st, 2));
    t->description = arena_strdup(a, db_col_text(st, 3));
    t->colour = arena_strdup(a, db_col_text(st, 4));
    t->max_assignments = db_col_int(st, 5);
    t->min_artifacts = db_col_int(st, 6);
    t->deleted = db_col_int(st, 7) != 0;
    read_audit(st, 8, a, &t->audit);
}

static int ds_type_not_found(struct error *err, const char *what)
{
    return err_set(err, ERR_NOT_FOUND, "repo.entityNotFound",
                   "DistributionSetType with given identifier {%s} does not exist.", what);
}

static int sm_type_not_found(struct error *err, int64_t id)
{
    return err_set(err, ERR_NOT_FOUND, "repo.entityNotFound",
                   "SoftwareModuleType with given identifier {%lld} does not exist.",
                   (long long)id);
}

/* Steps a prepared single-row DS type query; ERR_NOT_FOUND naming `what` when empty. */
static int get_one(struct db_stmt *st, const char *what, struct arena *a, struct ds_type *out,
                   struct error *err)
{
    int rc = db_step(st, err);
    if (rc == DB_ROW) {
        read_ds_type(st, a, out);
        rc = 0;
    } else if (rc == DB_DONE) {
        rc = ds_type_not_found(err, what);
    }
    db_done(st);
    return rc;
}

int store_ds_type_get(struct store *s, int64_t id, struct arena *a, struct ds_type *out,
                      struct error *err)
{
    struct db_stmt *st =
        db_prepare(s->db, "SELECT " DS_TYPE_COLUMNS " FROM ds_types t WHERE t.id = ?", err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, id);
    return get_one(st, arena_sprintf(a, "%lld", (long long)id), a, out, err);
}

int store_ds_type_get_by_key(struct store *s, const char *key, struct arena *a, struct ds_type *out,
                             struct error *err)
{
    struct db_stmt *st = db_prepare(
        s->db, "SELECT " DS_TYPE_COLUMNS " FROM ds_types t WHERE t.type_key = ? AND t.deleted = 0",
        err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_text(st, 1, key);
    return get_one(st, key, a, out, err);
}

/* 1 when the SM type exists and is not deleted, 0 when not, negative on error. */
static int sm_type_usable(struct store *s, int64_t sm_type_id, struct error *err)
{
    struct db_stmt *st =
        db_prepare(s->db, "SELECT 1 FROM sm_types WHERE id = ? AND deleted = 0", err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, sm_type_id);
    int rc = db_step(st, err);
    db_done(st);
    return rc < 0 ? rc : rc == DB_ROW;
}

/* Inserts or moves one element; the SM type must be usable. */
static int put_element(struct store *s, int64_t ds_type_id, int64_t sm_type_id, bool mandatory,
                       struct error *err)
{
    int rc = sm_type_usable(s, sm_type_id, err);
    if (rc <= 0)
        return rc < 0 ? rc : sm_type_not_found(err, sm_type_id);
    struct db_stmt *st =
        db_prepare(s->db,
                   "INSERT INTO ds_type_elements (ds_type_id, sm_type_id, mandatory)"
                   " VALUES (?, ?, ?) ON CONFLICT (ds_type_id, sm_type_id)"
                   " DO UPDATE SET mandatory = excluded.mandatory",
                   err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, ds_type_id);
    db_bind_int(st, 2, sm_type_id);
    db_bind_int(st, 3, mandatory);
    return db_run(st, err);
}

static int insert_ds_type(struct store *s, struct ds_type *t, const char *actor, struct error *err)
{
    struct db_stmt *st = db_prepare(
        s->db,
        "INSERT INTO ds_types (type_key, name, description, colour, created_at, created_by,"
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
        t->deleted = false;
        t->audit = (struct audit){now, now, actor, actor};
        rc = 0;
    } else if (rc == -ERR_EXISTS) {
        err_set(err, ERR_EXISTS, "repo.entityAlreadyExists",
                "DistributionSetType with key %s or name %s already exists", t->key, t->name);
    }
    db_done(st);
    return rc;
}

int store_ds_type_create(struct store *s, struct ds_type *t, const int64_t *mandatory,
                         size_t n_mandatory, const int64_t *optional, size_t n_optional,
                         const char *actor, struct error *err)
{
    int rc = insert_ds_type(s, t, actor, err);
    for (size_t i = 0; rc == 0 && i < n_mandatory; i++)
        rc = put_element(s, t->id, mandatory[i], true, err);
    for (size_t i = 0; rc == 0 && i < n_optional; i++)
        rc = put_element(s, t->id, optional[i], false, err);
    return rc;
}

int store_ds_type_update(struct store *s, const struct ds_type *t, const char *actor,
                         struct error *err)
{
    struct db_stmt *st = db_prepare(s->db,
                                    "UPDATE ds_types SET description = ?, colour = ?,"
                                    " last_modified_at = ?, last_modified_by = ? WHERE id = ?",
                                    err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_text(st, 1, t->description);
    db_bind_text(st, 2, t->colour);
    db_bind_int(st, 3, time_now_ms());
    db_bind_text(st, 4, actor);
    db_bind_int(st, 5, t->id);
    return db_run(st, err);
}

/* 1 when a distribution set (deleted or not) has this type, 0 when none. */
static int ds_type_in_use(struct store *s, int64_t id, struct error *err)
{
    struct db_stmt *st =
        db_prepare(s->db, "SELECT 1 FROM distribution_sets WHERE type_id = ? LIMIT 1", err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, id);
    int rc = db_step(st, err);
    db_done(st);
    return rc < 0 ? rc : rc == DB_ROW;
}

int store_ds_type_delete(struct store *s, int64_t id, struct error *err)
{
    int used = ds_type_in_use(s, id, err);
    if (used < 0)
        return used;
    struct db_stmt *st =
        used
            ? db_prepare(s->db, "UPDATE ds_types SET deleted = 1 WHERE id = ? AND deleted = 0", err)
            : db_prepare(s->db, "DELETE FROM ds_types WHERE id = ? AND deleted = 0", err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, id);
    int rc = db_run(st, err);
    if (rc == 0 && db_changes(s->db) == 0) {
        char what[24];
        snprintf(what, sizeof(what), "%lld", (long long)id);
        return ds_type_not_found(err, what);
    }
    return rc;
}

int store_ds_type_list(struct store *s, const struct list_query *q, struct arena *a,
                       struct ds_type **items, size_t *count, int64_t *total, struct error *err)
{
    return listing_page(s->db, DS_TYPE_COLUMNS, "ds_types t WHERE t.deleted = 0", -1,
                        ds_type_sort_fields, type_filter_fields, "t.id ASC", q, a, sizeof(**items),
                        read_ds_type, (void **)items, count, total, err);
}

int store_ds_type_elements(struct store *s, int64_t ds_type_id, bool mandatory, struct arena *a,
                           struct sm_type **items, size_t *count, struct error *err)
{
    struct db_stmt *st = db_prepare(s->db,
                                    "SELECT " SM_TYPE_COLUMNS " FROM ds_type_elements e"
                                    " JOIN sm_types st ON st.id = e.sm_type_id"
                                    " WHERE e.ds_type_id = ? AND e.mandatory = ? ORDER BY st.id",
                                    err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, ds_type_id);
    db_bind_int(st, 2, mandatory);
    size_t cap = 8;
    *items = arena_alloc(a, sizeof(**items) * cap);
    *count = 0;
    int rc;
    while ((rc = db_step(st, err)) == DB_ROW) {
        if (*count == cap) {
            struct sm_type *grown = arena_alloc(a, sizeof(**items) * cap * 2);
            memcpy(grown, *items, sizeof(**items) * cap);
            *items = grown;
            cap *= 2;
        }
        read_sm_type(st, a, &(*items)[(*count)++]);
    }
    db_done(st);
    return rc < 0 ? rc : 0;
}

int store_ds_type_element(struct store *s, int64_t ds_type_id, int64_t sm_type_id, bool mandatory,
                          struct arena *a, struct sm_type *out, struct error *err)
{
    struct db_stmt *st = db_prepare(s->db,
                                    "SELECT " SM_TYPE_COLUMNS " FROM ds_type_elements e"
                                    " JOIN sm_types st ON st.id = e.sm_type_id"
                                    " WHERE e.ds_type_id = ? AND e.sm_type_id = ?"
                                    " AND e.mandatory = ?",
                                    err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, ds_type_id);
    db_bind_int(st, 2, sm_type_id);
    db_bind_int(st, 3, mandatory);
    int rc = db_step(st, err);
    if (rc == DB_ROW) {
        read_sm_type(st, a, out);
        rc = 0;
    } else if (rc == DB_DONE) {
        rc = sm_type_not_found(err, sm_type_id);
    }
    db_done(st);
    return rc;
}

/* The element lists of a type may change only while no distribution set uses it. */
static int check_modifiable(struct store *s, int64_t ds_type_id, struct error *err)
{
    struct arena a;
    struct ds_type t;
    arena_init(&a);
    int rc = store_ds_type_get(s, ds_type_id, &a, &t, err);
    bool deleted = rc == 0 && t.deleted;
    arena_free(&a);
    if (rc < 0)
        return rc;
    int used = deleted ? 1 : ds_type_in_use(s, ds_type_id, err);
    if (used < 0)
        return used;
    if (used)
        return err_set(err, ERR_FORBIDDEN, "entityReadOnly",
                       "DistributionSetType %lld is in use or deleted: its module types cannot"
                       " be changed",
                       (long long)ds_type_id);
    return 0;
}

static int touch(struct store *s, int64_t ds_type_id, const char *actor, struct error *err)
{
    struct db_stmt *st = db_prepare(
        s->db, "UPDATE ds_types SET last_modified_at = ?, last_modified_by = ? WHERE id = ?", err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, time_now_ms());
    db_bind_text(st, 2, actor);
    db_bind_int(st, 3, ds_type_id);
    return db_run(st, err);
}

int store_ds_type_add_element(struct store *s, int64_t ds_type_id, int64_t sm_type_id,
                              bool mandatory, const char *actor, struct error *err)
{
    int rc = check_modifiable(s, ds_type_id, err);
    if (rc == 0)
        rc = put_element(s, ds_type_id, sm_type_id, mandatory, err);
    return rc < 0 ? rc : touch(s, ds_type_id, actor, err);
}

int store_ds_type_remove_element(struct store *s, int64_t ds_type_id, int64_t sm_type_id,
                                 bool mandatory, const char *actor, struct error *err)
{
    int rc = check_modifiable(s, ds_type_id, err);
    if (rc < 0)
        return rc;
    struct db_stmt *st = db_prepare(s->db,
                                    "DELETE FROM ds_type_elements WHERE ds_type_id = ?"
                                    " AND sm_type_id = ? AND mandatory = ?",
                                    err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, ds_type_id);
    db_bind_int(st, 2, sm_type_id);
    db_bind_int(st, 3, mandatory);
    if ((rc = db_run(st, err)) < 0)
        return rc;
    if (db_changes(s->db) == 0)
        return sm_type_not_found(err, sm_type_id);
    return touch(s, ds_type_id, actor, err);
}
