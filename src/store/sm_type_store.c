/* Software module types (declared in sm_store.h). */
#include "store/sm_store.h"

#include "store/db.h"
#include "store/listing.h"
#include "util/time.h"

#define TYPE_COLUMNS                                                                               \
    "t.id, t.type_key, t.name, t.description, t.colour, t.max_assignments, t.min_artifacts,"       \
    " t.deleted, t.created_at, t.created_by, t.last_modified_at, t.last_modified_by"

static const struct sort_field type_sort_fields[] = {
    {"id", "t.id"},
    {"key", "t.type_key"},
    {"name", "t.name"},
    {"description", "t.description"},
    {"colour", "t.colour"},
    {"maxAssignments", "t.max_assignments"},
    {"createdAt", "t.created_at"},
    {"createdBy", "t.created_by"},
    {"lastModifiedAt", "t.last_modified_at"},
    {"lastModifiedBy", "t.last_modified_by"},
    {NULL, NULL},
};

/* The fields of every type entity, plus maxassignments (reference f.3). */
static const struct filter_field sm_type_filter_fields[] = {
    {"id", FILTER_INT, "t.id", NULL},
    {"key", FILTER_TEXT, "t.type_key", NULL},
    {"name", FILTER_TEXT, "t.name", NULL},
    {"description", FILTER_TEXT, "t.description", NULL},
    {"colour", FILTER_TEXT, "t.colour", NULL},
    {"maxassignments", FILTER_INT, "t.max_assignments", NULL},
    {"createdat", FILTER_INT, "t.created_at", NULL},
    {"createdby", FILTER_TEXT, "t.created_by", NULL},
    {"lastmodifiedat", FILTER_INT, "t.last_modified_at", NULL},
    {"lastmodifiedby", FILTER_TEXT, "t.last_modified_by", NULL},
    {NULL, 0, NULL, NULL},
};

static void read_type(struct db_stmt *st, struct arena *a, struct sm_type *t)
{
    t->id = db_col_int(st, 0);
    t->key = arena_strdup(a, db_col_text(st, 1));
    t->name = arena_strdup(a, db_col_text(st, 2));
    t->description = arena_strdup(a, db_col_text(st, 3));
    t->colour = arena_strdup(a, db_col_text(st, 4));
    t->max_assignments = db_col_int(st, 5);
    t->min_artifacts = db_col_int(st, 6);
    t->deleted = db_col_int(st, 7) != 0;
    t->audit.created_at = db_col_int(st, 8);
    t->audit.created_by = arena_strdup(a, db_col_text(st, 9));
    t->audit.last_modified_at = db_col_int(st, 10);
    t->audit.last_modified_by = arena_strdup(a, db_col_text(st, 11));
}

int store_sm_type_create(struct store *s, struct sm_type *t, const char *actor, struct error *err)
{
    struct db_stmt *st =
        db_prepare(s->db,
                   "INSERT INTO sm_types (type_key, name, description, colour, max_assignments,"
                   " min_artifacts, created_at, created_by, last_modified_at, last_modified_by)"
                   " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?7, ?8) RETURNING id",
                   err);
    if (!st)
        return -ERR_INTERNAL;
    int64_t now = time_now_ms();
    db_bind_text(st, 1, t->key);
    db_bind_text(st, 2, t->name);
    db_bind_text(st, 3, t->description);
    db_bind_text(st, 4, t->colour);
    db_bind_int(st, 5, t->max_assignments);
    db_bind_int(st, 6, t->min_artifacts);
    db_bind_int(st, 7, now);
    db_bind_text(st, 8, actor);
    int rc = db_step(st, err);
    if (rc == DB_ROW) {
        t->id = db_col_int(st, 0);
        t->deleted = false;
        t->audit = (struct audit){now, now, actor, actor};
        rc = 0;
    } else if (rc == -ERR_EXISTS) {
        err_set(err, ERR_EXISTS, "repo.entityAlreadyExists",
                "SoftwareModuleType with key {%s} or name {%s} already exists", t->key, t->name);
    }
    db_done(st);
    return rc;
}

static int get_one(struct db_stmt *st, const char *what, struct arena *a, struct sm_type *out,
                   struct error *err)
{
    int rc = db_step(st, err);
    if (rc == DB_ROW) {
        read_type(st, a, out);
        rc = 0;
    } else if (rc == DB_DONE) {
        rc = err_set(err, ERR_NOT_FOUND, "repo.entityNotFound",
                     "SoftwareModuleType with given identifier {%s} does not exist.", what);
    }
    db_done(st);
    return rc;
}

int store_sm_type_get(struct store *s, int64_t id, struct arena *a, struct sm_type *out,
                      struct error *err)
{
    struct db_stmt *st =
        db_prepare(s->db, "SELECT " TYPE_COLUMNS " FROM sm_types t WHERE t.id = ?", err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, id);
    return get_one(st, arena_sprintf(a, "%lld", (long long)id), a, out, err);
}

int store_sm_type_get_by_key(struct store *s, const char *key, struct arena *a, struct sm_type *out,
                             struct error *err)
{
    struct db_stmt *st = db_prepare(
        s->db, "SELECT " TYPE_COLUMNS " FROM sm_types t WHERE t.type_key = ? AND t.deleted = 0",
        err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_text(st, 1, key);
    return get_one(st, key, a, out, err);
}

int store_sm_type_update(struct store *s, const struct sm_type *t, const char *actor,
                         struct error *err)
{
    struct db_stmt *st = db_prepare(s->db,
                                    "UPDATE sm_types SET description = ?, colour = ?,"
                                    " last_modified_at = ?, last_modified_by = ? WHERE id = ?",
                                    err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_text(st, 1, t->description);
    db_bind_text(st, 2, t->colour);
    db_bind_int(st, 3, time_now_ms());
    db_bind_text(st, 4, actor);
    db_bind_int(st, 5, t->id);
    int rc = db_run(st, err);
    if (rc == 0 && db_changes(s->db) == 0)
        return err_set(err, ERR_NOT_FOUND, "repo.entityNotFound",
                       "SoftwareModuleType with given identifier {%lld} does not exist.",
                       (long long)t->id);
    return rc;
}

/* Marks a type deleted when modules or distribution set types refer to it. Sets
 * *done when it did (or when the type was deleted already). */
static int soft_delete_if_used(struct store *s, int64_t id, const char *actor, bool *done,
                               struct error *err)
{
    struct db_stmt *st =
        db_prepare(s->db,
                   "UPDATE sm_types SET deleted = 1, last_modified_at = ?, last_modified_by = ?"
                   " WHERE id = ? AND deleted = 0 AND (EXISTS (SELECT 1 FROM software_modules m"
                   " WHERE m.type_id = sm_types.id) OR EXISTS (SELECT 1 FROM ds_type_elements e"
                   " WHERE e.sm_type_id = sm_types.id))",
                   err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, time_now_ms());
    db_bind_text(st, 2, actor);
    db_bind_int(st, 3, id);
    int rc = db_run(st, err);
    *done = rc == 0 && db_changes(s->db) > 0;
    return rc;
}

static int delete_in_tx(struct store *s, int64_t id, const char *actor, struct error *err)
{
    struct arena a;
    arena_init(&a);
    struct sm_type t;
    bool done = false;
    int rc = store_sm_type_get(s, id, &a, &t, err);
    arena_free(&a);
    if (rc < 0 || t.deleted)
        return rc;
    if ((rc = soft_delete_if_used(s, id, actor, &done, err)) < 0 || done)
        return rc;
    struct db_stmt *st = db_prepare(s->db, "DELETE FROM sm_types WHERE id = ?", err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, id);
    return db_run(st, err);
}

int store_sm_type_delete(struct store *s, int64_t id, const char *actor, struct error *err)
{
    int rc = store_begin(s, err);
    if (rc < 0)
        return rc;
    if ((rc = delete_in_tx(s, id, actor, err)) < 0) {
        store_rollback(s);
        return rc;
    }
    return store_commit(s, err);
}

static void read_type_item(struct db_stmt *st, struct arena *a, void *item)
{
    read_type(st, a, item);
}

int store_sm_type_list(struct store *s, const struct list_query *q, struct arena *a,
                       struct sm_type **items, size_t *count, int64_t *total, struct error *err)
{
    return listing_page(s->db, TYPE_COLUMNS, "sm_types t WHERE t.deleted = 0", -1, type_sort_fields,
                        sm_type_filter_fields, "t.id ASC", q, a, sizeof(**items), read_type_item,
                        (void **)items, count, total, err);
}
