/* Software modules (declared in sm_store.h). */
#include "store/sm_store.h"

#include "store/db.h"
#include "store/listing.h"
#include "store/metadata_store.h"
#include "util/time.h"

#include <string.h>

#define SM_COLUMNS                                                                                 \
    "m.id, m.type_id, t.type_key, t.name, m.name, m.version, m.description, m.vendor,"             \
    " m.encrypted, m.locked, m.deleted, m.created_at, m.created_by, m.last_modified_at,"           \
    " m.last_modified_by"
#define SM_FROM_TABLES "software_modules m JOIN sm_types t ON t.id = m.type_id"
#define SM_FROM " FROM " SM_FROM_TABLES

static const struct sort_field sm_sort_fields[] = {
    {"id", "m.id"},
    {"name", "m.name"},
    {"version", "m.version"},
    {"description", "m.description"},
    {"vendor", "m.vendor"},
    {"type", "t.type_key"},
    {"createdAt", "m.created_at"},
    {"createdBy", "m.created_by"},
    {"lastModifiedAt", "m.last_modified_at"},
    {"lastModifiedBy", "m.last_modified_by"},
    {NULL, NULL},
};

/* hawkBit's SoftwareModuleFields (reference f.3). */
static const struct filter_field sm_filter_fields[] = {
    {"id", FILTER_INT, "m.id", NULL},
    {"name", FILTER_TEXT, "m.name", NULL},
    {"version", FILTER_TEXT, "m.version", NULL},
    {"description", FILTER_TEXT, "m.description", NULL},
    {"vendor", FILTER_TEXT, "m.vendor", NULL},
    {"type", FILTER_TEXT, "t.type_key", NULL},
    {"type.key", FILTER_TEXT, "t.type_key", NULL},
    {"type.name", FILTER_TEXT, "t.name", NULL},
    {"type.id", FILTER_INT, "t.id", NULL},
    {"metadata", FILTER_MAP, "m.id", &filter_sm_metadata},
    {"createdat", FILTER_INT, "m.created_at", NULL},
    {"createdby", FILTER_TEXT, "m.created_by", NULL},
    {"lastmodifiedat", FILTER_INT, "m.last_modified_at", NULL},
    {"lastmodifiedby", FILTER_TEXT, "m.last_modified_by", NULL},
    {NULL, 0, NULL, NULL},
};

static void read_sm(struct db_stmt *st, struct arena *a, struct software_module *m)
{
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

/* The type is resolved inside the INSERT, so a type deleted concurrently can never
 * end up referenced by a new module. */
int store_sm_create(struct store *s, struct software_module *m, const char *actor,
                    struct error *err)
{
    struct db_stmt *st = db_prepare(
        s->db,
        "INSERT INTO software_modules (type_id, name, version, description, vendor, encrypted,"
        " created_at, created_by, last_modified_at, last_modified_by)"
        " SELECT t.id, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?7, ?8 FROM sm_types t"
        " WHERE t.type_key = ?1 AND t.deleted = 0 RETURNING id, type_id",
        err);
    if (!st)
        return -ERR_INTERNAL;
    int64_t now = time_now_ms();
    db_bind_text(st, 1, m->type_key);
    db_bind_text(st, 2, m->name);
    db_bind_text(st, 3, m->version);
    db_bind_text(st, 4, m->description);
    db_bind_text(st, 5, m->vendor);
    db_bind_int(st, 6, m->encrypted);
    db_bind_int(st, 7, now);
    db_bind_text(st, 8, actor);
    int rc = db_step(st, err);
    if (rc == DB_ROW) {
        m->id = db_col_int(st, 0);
        m->type_id = db_col_int(st, 1);
        m->locked = m->deleted = false;
        m->audit = (struct audit){now, now, actor, actor};
        rc = 0;
    } else if (rc == DB_DONE) {
        rc = err_set(err, ERR_INVALID, "rest.body.notReadable",
                     "SoftwareModuleType with key {%s} does not exist.", m->type_key);
    } else if (rc == -ERR_EXISTS) {
        err_set(err, ERR_EXISTS, "repo.entityAlreadyExists",
                "SoftwareModule with type {%s}, name {%s} and version {%s} already exists",
                m->type_key, m->name, m->version);
    }
    db_done(st);
    return rc;
}

int store_sm_get(struct store *s, int64_t id, struct arena *a, struct software_module *out,
                 struct error *err)
{
    struct db_stmt *st = db_prepare(s->db, "SELECT " SM_COLUMNS SM_FROM " WHERE m.id = ?", err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, id);
    int rc = db_step(st, err);
    if (rc == DB_ROW) {
        read_sm(st, a, out);
        rc = 0;
    } else if (rc == DB_DONE) {
        rc = err_set(err, ERR_NOT_FOUND, "repo.entityNotFound",
                     "SoftwareModule with given identifier {%lld} does not exist.", (long long)id);
    }
    db_done(st);
    return rc;
}

int store_sm_update(struct store *s, const struct software_module *m, const char *actor,
                    struct error *err)
{
    struct db_stmt *st = db_prepare(s->db,
                                    "UPDATE software_modules SET description = ?, vendor = ?,"
                                    " locked = ?, last_modified_at = ?, last_modified_by = ?"
                                    " WHERE id = ?",
                                    err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_text(st, 1, m->description);
    db_bind_text(st, 2, m->vendor);
    db_bind_int(st, 3, m->locked);
    db_bind_int(st, 4, time_now_ms());
    db_bind_text(st, 5, actor);
    db_bind_int(st, 6, m->id);
    int rc = db_run(st, err);
    if (rc == 0 && db_changes(s->db) == 0)
        return err_set(err, ERR_NOT_FOUND, "repo.entityNotFound",
                       "SoftwareModule with given identifier {%lld} does not exist.",
                       (long long)m->id);
    return rc;
}

/* Collects the blob keys of the module's live artifacts into the arena. */
static int live_blob_keys(struct store *s, int64_t sm_id, struct arena *a, const char ***keys,
                          size_t *nkeys, struct error *err)
{
    struct db_stmt *st =
        db_prepare(s->db, "SELECT COUNT(*) FROM artifacts WHERE sm_id = ? AND deleted = 0", err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, sm_id);
    int rc = db_step(st, err);
    size_t cap = rc == DB_ROW ? (size_t)db_col_int(st, 0) : 0;
    db_done(st);
    if (rc < 0)
        return rc;
    *keys = arena_alloc(a, sizeof(**keys) * (cap ? cap : 1));
    *nkeys = 0;
    st = db_prepare(s->db, "SELECT blob_key FROM artifacts WHERE sm_id = ? AND deleted = 0", err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, sm_id);
    while ((rc = db_step(st, err)) == DB_ROW && *nkeys < cap)
        (*keys)[(*nkeys)++] = arena_strdup(a, db_col_text(st, 0));
    db_done(st);
    return rc < 0 ? rc : 0;
}

static int run_with_id(struct store *s, const char *sql, int64_t id, struct error *err)
{
    struct db_stmt *st = db_prepare(s->db, sql, err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, id);
    return db_run(st, err);
}

static int soft_delete(struct store *s, int64_t id, const char *actor, struct error *err)
{
    struct db_stmt *st = db_prepare(s->db,
                                    "UPDATE software_modules SET deleted = 1, last_modified_at = ?,"
                                    " last_modified_by = ? WHERE id = ?",
                                    err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, time_now_ms());
    db_bind_text(st, 2, actor);
    db_bind_int(st, 3, id);
    int rc = db_run(st, err);
    if (rc == 0)
        rc = run_with_id(s, "UPDATE artifacts SET deleted = 1 WHERE sm_id = ?", id, err);
    return rc;
}

static int delete_in_tx(struct store *s, int64_t id, const char *actor, struct arena *a,
                        const char ***keys, size_t *nkeys, struct error *err)
{
    struct software_module m;
    int rc = store_sm_get(s, id, a, &m, err);
    if (rc < 0 || m.deleted)
        return rc;
    if ((rc = live_blob_keys(s, id, a, keys, nkeys, err)) < 0)
        return rc;
    struct db_stmt *st = db_prepare(s->db, "SELECT 1 FROM ds_modules WHERE sm_id = ?", err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, id);
    rc = db_step(st, err);
    db_done(st);
    if (rc == DB_ROW)
        return soft_delete(s, id, actor, err);
    if (rc < 0 || (rc = run_with_id(s, "DELETE FROM artifacts WHERE sm_id = ?", id, err)) < 0)
        return rc;
    return run_with_id(s, "DELETE FROM software_modules WHERE id = ?", id, err);
}

int store_sm_delete(struct store *s, int64_t id, const char *actor, struct arena *a,
                    const char ***keys, size_t *nkeys, struct error *err)
{
    *keys = NULL;
    *nkeys = 0;
    int rc = store_begin(s, err);
    if (rc < 0)
        return rc;
    if ((rc = delete_in_tx(s, id, actor, a, keys, nkeys, err)) < 0) {
        store_rollback(s);
        *keys = NULL;
        *nkeys = 0;
        return rc;
    }
    return store_commit(s, err);
}

static void read_sm_item(struct db_stmt *st, struct arena *a, void *item)
{
    read_sm(st, a, item);
}

int store_sm_list(struct store *s, const struct list_query *q, struct arena *a,
                  struct software_module **items, size_t *count, int64_t *total, struct error *err)
{
    return listing_page(s->db, SM_COLUMNS, SM_FROM_TABLES " WHERE m.deleted = 0", -1,
                        sm_sort_fields, sm_filter_fields, "m.id ASC", q, a, sizeof(**items),
                        read_sm_item, (void **)items, count, total, err);
}
