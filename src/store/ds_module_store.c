/* Distribution sets: which software modules they hold (declared in ds_store.h). The
 * software modules themselves belong to sm_store; the queries here only read them. */
#include "store/ds_store.h"

#include "store/db.h"
#include "store/listing.h"
#include "store/metadata_store.h"
#include "util/time.h"

#include <string.h>

#define SM_COLUMNS                                                                                 \
    "sm.id, sm.type_id, st.type_key, st.name, sm.name, sm.version, sm.description, sm.vendor,"     \
    " sm.encrypted, sm.locked, sm.deleted, sm.created_at, sm.created_by, sm.last_modified_at,"     \
    " sm.last_modified_by"

#define DS_SM_FROM                                                                                 \
    "ds_modules m JOIN software_modules sm ON sm.id = m.sm_id"                                     \
    " JOIN sm_types st ON st.id = sm.type_id WHERE m.ds_id = ?"

static const struct filter_field module_filter_fields[] = {
    {"id", FILTER_INT, "sm.id", NULL},
    {"name", FILTER_TEXT, "sm.name", NULL},
    {"version", FILTER_TEXT, "sm.version", NULL},
    {"description", FILTER_TEXT, "sm.description", NULL},
    {"vendor", FILTER_TEXT, "sm.vendor", NULL},
    {"type", FILTER_TEXT, "st.type_key", NULL},
    {"type.key", FILTER_TEXT, "st.type_key", NULL},
    {"type.name", FILTER_TEXT, "st.name", NULL},
    {"type.id", FILTER_INT, "st.id", NULL},
    {"metadata", FILTER_MAP, "sm.id", &filter_sm_metadata},
    {"createdat", FILTER_INT, "sm.created_at", NULL},
    {"createdby", FILTER_TEXT, "sm.created_by", NULL},
    {"lastmodifiedat", FILTER_INT, "sm.last_modified_at", NULL},
    {"lastmodifiedby", FILTER_TEXT, "sm.last_modified_by", NULL},
    {NULL, 0, NULL, NULL},
};

static const struct sort_field sm_sort_fields[] = {
    {"id", "sm.id"},
    {"name", "sm.name"},
    {"version", "sm.version"},
    {"type", "st.type_key"},
    {"description", "sm.description"},
    {"vendor", "sm.vendor"},
    {"createdAt", "sm.created_at"},
    {"createdBy", "sm.created_by"},
    {"lastModifiedAt", "sm.last_modified_at"},
    {"lastModifiedBy", "sm.last_modified_by"},
    {NULL, NULL},
};

static void read_sm(struct db_stmt *st, struct arena *a, void *item)
{
    struct software_module *m = item;
    m->id = db_col_int(st, 0);
    m->type_id = db_col_int(st, 1);
    m->type_key = arena_strdup(a, db_col_text(st, 2));
    m->type_name = arena_strdup(a, db_col_text(st, 3));
    m->name = arena_strdup(a, db_col_text(st, 4));
    m->version = arena_strdup(a, db_col_text(st, 5));
    m->description = arena_strdup(a, db_col_text(st, 6));
    m->vendor = arena_strdup(a, db_col_text(st, 7));
    m->encrypted = db_col_int(st, 8) != 0;
    m->locked = db_col_int(st, 9) != 0;
    m->deleted = db_col_int(st, 10) != 0;
    m->audit.created_at = db_col_int(st, 11);
    m->audit.created_by = arena_strdup(a, db_col_text(st, 12));
    m->audit.last_modified_at = db_col_int(st, 13);
    m->audit.last_modified_by = arena_strdup(a, db_col_text(st, 14));
}

static int sm_not_found(struct error *err, int64_t id)
{
    return err_set(err, ERR_NOT_FOUND, "repo.entityNotFound",
                   "SoftwareModule with given identifier {%lld} does not exist.", (long long)id);
}

/* Loads the set and checks that its modules may change. */
static int modifiable_ds(struct store *s, int64_t ds_id, struct arena *a,
                         struct distribution_set *ds, struct error *err)
{
    int rc = store_ds_get(s, ds_id, a, ds, err);
    if (rc < 0)
        return rc;
    if (ds->deleted)
        return err_set(err, ERR_NOT_FOUND, "repo.entityNotFound",
                       "DistributionSet with given identifier {%lld} is deleted.",
                       (long long)ds_id);
    if (ds->locked)
        return err_set(err, ERR_LOCKED, "locked",
                       "DistributionSet %lld is locked: its software modules cannot change",
                       (long long)ds_id);
    return 0;
}

static int touch_ds(struct store *s, int64_t ds_id, const char *actor, struct error *err)
{
    struct db_stmt *st = db_prepare(
        s->db,
        "UPDATE distribution_sets SET last_modified_at = ?, last_modified_by = ? WHERE id = ?",
        err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, time_now_ms());
    db_bind_text(st, 2, actor);
    db_bind_int(st, 3, ds_id);
    return db_run(st, err);
}

/* What adding module sm_id to a set of DS type ds_type_id involves. */
struct candidate {
    int64_t type_id, max_assignments, same_type; /* modules of its type already in the set */
    bool allowed, present;
};

static int load_candidate(struct store *s, const struct distribution_set *ds, int64_t sm_id,
                          struct candidate *c, struct error *err)
{
    struct db_stmt *st =
        db_prepare(s->db,
                   "SELECT sm.type_id, st.max_assignments,"
                   " EXISTS (SELECT 1 FROM ds_type_elements e WHERE e.ds_type_id = ?1"
                   "  AND e.sm_type_id = sm.type_id),"
                   " EXISTS (SELECT 1 FROM ds_modules m WHERE m.ds_id = ?2 AND m.sm_id = sm.id),"
                   " (SELECT COUNT(*) FROM ds_modules m JOIN software_modules o ON o.id = m.sm_id"
                   "  WHERE m.ds_id = ?2 AND o.type_id = sm.type_id)"
                   " FROM software_modules sm JOIN sm_types st ON st.id = sm.type_id"
                   " WHERE sm.id = ?3 AND sm.deleted = 0",
                   err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, ds->type_id);
    db_bind_int(st, 2, ds->id);
    db_bind_int(st, 3, sm_id);
    int rc = db_step(st, err);
    if (rc == DB_ROW) {
        c->type_id = db_col_int(st, 0);
        c->max_assignments = db_col_int(st, 1);
        c->allowed = db_col_int(st, 2) != 0;
        c->present = db_col_int(st, 3) != 0;
        c->same_type = db_col_int(st, 4);
        rc = 0;
    } else if (rc == DB_DONE) {
        rc = sm_not_found(err, sm_id);
    }
    db_done(st);
    return rc;
}

/* Removes the `excess` oldest (lowest id) modules of a type from a set. */
static int drop_oldest(struct store *s, int64_t ds_id, int64_t type_id, int64_t excess,
                       struct error *err)
{
    struct db_stmt *st = db_prepare(
        s->db,
        "DELETE FROM ds_modules WHERE ds_id = ?1 AND sm_id IN (SELECT m.sm_id FROM ds_modules m"
        " JOIN software_modules o ON o.id = m.sm_id WHERE m.ds_id = ?1 AND o.type_id = ?2"
        " ORDER BY m.sm_id LIMIT ?3)",
        err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, ds_id);
    db_bind_int(st, 2, type_id);
    db_bind_int(st, 3, excess);
    return db_run(st, err);
}

static int add_module(struct store *s, const struct distribution_set *ds, int64_t sm_id,
                      struct error *err)
{
    struct candidate c = {0};
    int rc = load_candidate(s, ds, sm_id, &c, err);
    if (rc < 0)
        return rc;
    if (!c.allowed)
        return err_set(err, ERR_INVALID, "distributionset.modules.unsupported",
                       "SoftwareModule %lld has a type that distribution set type %s does not"
                       " support",
                       (long long)sm_id, ds->type_key);
    if (c.present)
        return 0;
    int64_t excess = c.same_type - c.max_assignments + 1;
    if (excess > 0 && (rc = drop_oldest(s, ds->id, c.type_id, excess, err)) < 0)
        return rc;
    struct db_stmt *st =
        db_prepare(s->db, "INSERT INTO ds_modules (ds_id, sm_id) VALUES (?, ?)", err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, ds->id);
    db_bind_int(st, 2, sm_id);
    return db_run(st, err);
}

int store_ds_add_modules(struct store *s, int64_t ds_id, const int64_t *sm_ids, size_t n,
                         const char *actor, struct error *err)
{
    struct arena a;
    struct distribution_set ds;
    arena_init(&a);
    int rc = modifiable_ds(s, ds_id, &a, &ds, err);
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = add_module(s, &ds, sm_ids[i], err);
    arena_free(&a);
    return rc < 0 ? rc : touch_ds(s, ds_id, actor, err);
}

/* 1 when the module exists (deleted or not), 0 when not. */
static int sm_exists(struct store *s, int64_t sm_id, struct error *err)
{
    struct db_stmt *st = db_prepare(s->db, "SELECT 1 FROM software_modules WHERE id = ?", err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, sm_id);
    int rc = db_step(st, err);
    db_done(st);
    return rc < 0 ? rc : rc == DB_ROW;
}

int store_ds_remove_module(struct store *s, int64_t ds_id, int64_t sm_id, const char *actor,
                           struct error *err)
{
    struct arena a;
    struct distribution_set ds;
    arena_init(&a);
    int rc = modifiable_ds(s, ds_id, &a, &ds, err);
    arena_free(&a);
    if (rc < 0 || (rc = sm_exists(s, sm_id, err)) < 0)
        return rc;
    if (rc == 0)
        return sm_not_found(err, sm_id);
    struct db_stmt *st =
        db_prepare(s->db, "DELETE FROM ds_modules WHERE ds_id = ? AND sm_id = ?", err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, ds_id);
    db_bind_int(st, 2, sm_id);
    if ((rc = db_run(st, err)) < 0)
        return rc;
    return db_changes(s->db) ? touch_ds(s, ds_id, actor, err) : 0;
}

int store_ds_modules(struct store *s, int64_t ds_id, const struct list_query *q, struct arena *a,
                     struct software_module **items, size_t *count, int64_t *total,
                     struct error *err)
{
    return listing_page(s->db, SM_COLUMNS, DS_SM_FROM, ds_id, sm_sort_fields, module_filter_fields,
                        "sm.id ASC", q, a, sizeof(**items), read_sm, (void **)items, count, total,
                        err);
}

int store_ds_modules_all(struct store *s, int64_t ds_id, struct arena *a,
                         struct software_module **items, size_t *count, struct error *err)
{
    struct db_stmt *st =
        db_prepare(s->db, "SELECT " SM_COLUMNS " FROM " DS_SM_FROM " ORDER BY sm.id", err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, ds_id);
    size_t cap = 4;
    *items = arena_alloc(a, sizeof(**items) * cap);
    *count = 0;
    int rc;
    while ((rc = db_step(st, err)) == DB_ROW) {
        if (*count == cap) {
            struct software_module *grown = arena_alloc(a, sizeof(**items) * cap * 2);
            memcpy(grown, *items, sizeof(**items) * cap);
            *items = grown;
            cap *= 2;
        }
        read_sm(st, a, &(*items)[(*count)++]);
    }
    db_done(st);
    return rc < 0 ? rc : 0;
}
