/* Distribution sets: create, read, update, delete, list, lock. Module membership is in
 * ds_module_store.c. */
#include "store/ds_store.h"

#include "store/db.h"
#include "store/ds_type_store.h"
#include "store/listing.h"
#include "store/metadata_store.h"
#include "util/time.h"

/* complete: no mandatory module type of the set's type lacks a module in the set. */
#define DS_COMPLETE                                                                                \
    "(NOT EXISTS (SELECT 1 FROM ds_type_elements e WHERE e.ds_type_id = d.type_id"                 \
    " AND e.mandatory = 1 AND NOT EXISTS (SELECT 1 FROM ds_modules m"                              \
    " JOIN software_modules sm ON sm.id = m.sm_id"                                                 \
    " WHERE m.ds_id = d.id AND sm.type_id = e.sm_type_id)))"

#define DS_COLUMNS                                                                                 \
    "d.id, d.type_id, t.type_key, t.name, d.name, d.version, d.description,"                       \
    " d.required_migration_step, d.locked, d.valid, d.deleted, d.created_at, d.created_by,"        \
    " d.last_modified_at, d.last_modified_by, " DS_COMPLETE " AS complete"

#define DS_FROM "distribution_sets d JOIN ds_types t ON t.id = d.type_id"

/* The names of a set's tags, for `tag` / `tag.name`. */
static const struct filter_map ds_tags_map = {
    "(SELECT a.ds_id AS owner_id, g.name AS tag_name FROM ds_tag_assignments a"
    " JOIN ds_tags g ON g.id = a.tag_id)",
    "owner_id", NULL, "tag_name"};

/* hawkBit's DistributionSetFields (reference f.3). */
static const struct filter_field ds_filter_fields[] = {
    {"id", FILTER_INT, "d.id", NULL},
    {"name", FILTER_TEXT, "d.name", NULL},
    {"version", FILTER_TEXT, "d.version", NULL},
    {"description", FILTER_TEXT, "d.description", NULL},
    {"type", FILTER_TEXT, "t.type_key", NULL},
    {"type.key", FILTER_TEXT, "t.type_key", NULL},
    {"type.name", FILTER_TEXT, "t.name", NULL},
    {"type.id", FILTER_INT, "t.id", NULL},
    {"metadata", FILTER_MAP, "d.id", &filter_ds_metadata},
    {"valid", FILTER_TEXT, "CASE d.valid WHEN 1 THEN 'true' ELSE 'false' END", NULL},
    {"tag", FILTER_MAP, "d.id", &ds_tags_map},
    {"tag.name", FILTER_MAP, "d.id", &ds_tags_map},
    {"createdat", FILTER_INT, "d.created_at", NULL},
    {"createdby", FILTER_TEXT, "d.created_by", NULL},
    {"lastmodifiedat", FILTER_INT, "d.last_modified_at", NULL},
    {"lastmodifiedby", FILTER_TEXT, "d.last_modified_by", NULL},
    {NULL, 0, NULL, NULL},
};

static const struct sort_field ds_sort_fields[] = {
    {"id", "d.id"},
    {"name", "d.name"},
    {"version", "d.version"},
    {"description", "d.description"},
    {"type", "t.type_key"},
    {"complete", "complete"},
    {"locked", "d.locked"},
    {"valid", "d.valid"},
    {"requiredMigrationStep", "d.required_migration_step"},
    {"createdAt", "d.created_at"},
    {"createdBy", "d.created_by"},
    {"lastModifiedAt", "d.last_modified_at"},
    {"lastModifiedBy", "d.last_modified_by"},
    {NULL, NULL},
};

static void read_ds(struct db_stmt *st, struct arena *a, void *item)
{
    struct distribution_set *ds = item;
    ds->id = db_col_int(st, 0);
    ds->type_id = db_col_int(st, 1);
    ds->type_key = arena_strdup(a, db_col_text(st, 2));
    ds->type_name = arena_strdup(a, db_col_text(st, 3));
    ds->name = arena_strdup(a, db_col_text(st, 4));
    ds->version = arena_strdup(a, db_col_text(st, 5));
    ds->description = arena_strdup(a, db_col_text(st, 6));
    ds->required_migration_step = db_col_int(st, 7) != 0;
    ds->locked = db_col_int(st, 8) != 0;
    ds->valid = db_col_int(st, 9) != 0;
    ds->deleted = db_col_int(st, 10) != 0;
    ds->audit.created_at = db_col_int(st, 11);
    ds->audit.created_by = arena_strdup(a, db_col_text(st, 12));
    ds->audit.last_modified_at = db_col_int(st, 13);
    ds->audit.last_modified_by = arena_strdup(a, db_col_text(st, 14));
    ds->complete = db_col_int(st, 15) != 0;
}

static int ds_not_found(struct error *err, int64_t id)
{
    return err_set(err, ERR_NOT_FOUND, "repo.entityNotFound",
                   "DistributionSet with given identifier {%lld} does not exist.", (long long)id);
}

static int ds_exists_error(struct error *err, const struct distribution_set *ds)
{
    return err_set(err, ERR_EXISTS, "repo.entityAlreadyExists",
                   "DistributionSet with name %.100s and version %.64s already exists", ds->name,
                   ds->version);
}

int store_ds_get(struct store *s, int64_t id, struct arena *a, struct distribution_set *out,
                 struct error *err)
{
    struct db_stmt *st =
        db_prepare(s->db, "SELECT " DS_COLUMNS " FROM " DS_FROM " WHERE d.id = ?", err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, id);
    int rc = db_step(st, err);
    if (rc == DB_ROW) {
        read_ds(st, a, out);
        rc = 0;
    } else if (rc == DB_DONE) {
        rc = ds_not_found(err, id);
    }
    db_done(st);
    return rc;
}

int store_ds_find(struct store *s, const char *name, const char *version, struct arena *a,
                  struct distribution_set *out, struct error *err)
{
    struct db_stmt *st = db_prepare(s->db,
                                    "SELECT " DS_COLUMNS " FROM " DS_FROM
                                    " WHERE d.name = ? AND d.version = ? AND d.deleted = 0",
                                    err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_text(st, 1, name);
    db_bind_text(st, 2, version);
    int rc = db_step(st, err);
    if (rc == DB_ROW) {
        read_ds(st, a, out);
        rc = 0;
    } else if (rc == DB_DONE) {
        rc = err_set(err, ERR_NOT_FOUND, "repo.entityNotFound",
                     "DistributionSet %.128s:%.128s does not exist.", name, version);
    }
    db_done(st);
    return rc;
}

static int insert_ds(struct store *s, const struct distribution_set *ds, int64_t type_id,
                     const char *actor, int64_t *id, struct error *err)
{
    struct db_stmt *st = db_prepare(
        s->db,
        "INSERT INTO distribution_sets (type_id, name, version, description,"
        " required_migration_step, created_at, created_by, last_modified_at, last_modified_by)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?6, ?7) RETURNING id",
        err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, type_id);
    db_bind_text(st, 2, ds->name);
    db_bind_text(st, 3, ds->version);
    db_bind_text(st, 4, ds->description);
    db_bind_int(st, 5, ds->required_migration_step);
    db_bind_int(st, 6, time_now_ms());
    db_bind_text(st, 7, actor);
    int rc = db_step(st, err);
    if (rc == DB_ROW) {
        *id = db_col_int(st, 0);
        rc = 0;
    } else if (rc == -ERR_EXISTS) {
        ds_exists_error(err, ds);
    }
    db_done(st);
    return rc;
}

int store_ds_create(struct store *s, struct distribution_set *ds, const int64_t *sm_ids,
                    size_t n_modules, const char *actor, struct arena *a, struct error *err)
{
    const char *key = ds->type_key ? ds->type_key : DS_DEFAULT_TYPE_KEY;
    struct ds_type type;
    int64_t id = -1;
    int rc = store_ds_type_get_by_key(s, key, a, &type, err);
    if (rc == -ERR_NOT_FOUND)
        return err_set(err, ERR_INVALID, "distributionset.type.undefined",
                       "DistributionSetType with key {%.64s} does not exist.", key);
    if (rc < 0 || (rc = insert_ds(s, ds, type.id, actor, &id, err)) < 0)
        return rc;
    if (n_modules && (rc = store_ds_add_modules(s, id, sm_ids, n_modules, actor, err)) < 0)
        return rc;
    if (ds->locked && (rc = store_ds_lock(s, id, err)) < 0)
        return rc;
    return store_ds_get(s, id, a, ds, err);
}

int store_ds_update(struct store *s, const struct distribution_set *ds, const char *actor,
                    struct error *err)
{
    struct arena a;
    struct distribution_set cur;
    arena_init(&a);
    int rc = store_ds_get(s, ds->id, &a, &cur, err);
    bool was_locked = rc == 0 && cur.locked, deleted = rc == 0 && cur.deleted;
    arena_free(&a);
    if (rc < 0)
        return rc;
    if (deleted)
        return ds_not_found(err, ds->id);
    if (was_locked && !ds->locked)
        return err_set(err, ERR_INVALID, "rest.body.notReadable",
                       "A locked distribution set cannot be unlocked");
    struct db_stmt *st = db_prepare(s->db,
                                    "UPDATE distribution_sets SET name = ?, version = ?,"
                                    " description = ?, required_migration_step = ?,"
                                    " last_modified_at = ?, last_modified_by = ? WHERE id = ?",
                                    err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_text(st, 1, ds->name);
    db_bind_text(st, 2, ds->version);
    db_bind_text(st, 3, ds->description);
    db_bind_int(st, 4, ds->required_migration_step);
    db_bind_int(st, 5, time_now_ms());
    db_bind_text(st, 6, actor);
    db_bind_int(st, 7, ds->id);
    if ((rc = db_run(st, err)) == -ERR_EXISTS)
        return ds_exists_error(err, ds);
    if (rc == 0 && ds->locked && !was_locked)
        rc = store_ds_lock(s, ds->id, err);
    return rc;
}

/* 1 when an action or a target still refers to the set, 0 when nothing does. */
static int ds_referenced(struct store *s, int64_t id, struct error *err)
{
    struct db_stmt *st = db_prepare(
        s->db,
        "SELECT EXISTS (SELECT 1 FROM actions WHERE ds_id = ?1)"
        " OR EXISTS (SELECT 1 FROM targets WHERE assigned_ds_id = ?1 OR installed_ds_id = ?1)",
        err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, id);
    int rc = db_step(st, err);
    int referenced = rc == DB_ROW && db_col_int(st, 0) != 0;
    db_done(st);
    return rc < 0 ? rc : referenced;
}

int store_ds_delete(struct store *s, int64_t id, struct error *err)
{
    int referenced = ds_referenced(s, id, err);
    if (referenced < 0)
        return referenced;
    struct db_stmt *st =
        referenced
            ? db_prepare(s->db,
                         "UPDATE distribution_sets SET deleted = 1 WHERE id = ? AND deleted = 0",
                         err)
            : db_prepare(s->db, "DELETE FROM distribution_sets WHERE id = ? AND deleted = 0", err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, id);
    int rc = db_run(st, err);
    if (rc == 0 && db_changes(s->db) == 0)
        return ds_not_found(err, id);
    return rc;
}

int store_ds_list(struct store *s, const struct list_query *q, struct arena *a,
                  struct distribution_set **items, size_t *count, int64_t *total, struct error *err)
{
    return listing_page(s->db, DS_COLUMNS, DS_FROM " WHERE d.deleted = 0", -1, ds_sort_fields,
                        ds_filter_fields, "d.id ASC", q, a, sizeof(**items), read_ds,
                        (void **)items, count, total, err);
}

int store_ds_list_by_tag(struct store *s, int64_t tag_id, const struct list_query *q,
                         struct arena *a, struct distribution_set **items, size_t *count,
                         int64_t *total, struct error *err)
{
    return listing_page(s->db, DS_COLUMNS,
                        DS_FROM " WHERE d.id IN (SELECT ds_id FROM ds_tag_assignments"
                                " WHERE tag_id = ?) AND d.deleted = 0",
                        tag_id, ds_sort_fields, ds_filter_fields, "d.id ASC", q, a, sizeof(**items),
                        read_ds, (void **)items, count, total, err);
}

int store_ds_lock(struct store *s, int64_t id, struct error *err)
{
    struct db_stmt *st =
        db_prepare(s->db, "UPDATE distribution_sets SET locked = 1 WHERE id = ?", err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, id);
    int rc = db_run(st, err);
    if (rc < 0)
        return rc;
    if (db_changes(s->db) == 0)
        return ds_not_found(err, id);
    st = db_prepare(s->db,
                    "UPDATE software_modules SET locked = 1 WHERE locked = 0"
                    " AND id IN (SELECT sm_id FROM ds_modules WHERE ds_id = ?)",
                    err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, id);
    return db_run(st, err);
}
