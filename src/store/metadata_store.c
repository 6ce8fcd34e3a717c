/* Metadata of targets, software modules and distribution sets (declared in
 * metadata_store.h). The three tables differ only in name, owner column and the
 * modules' target_visible, so one descriptor per owner carries its SQL literals
 * (the statement cache is keyed by their address). */
#include "store/metadata_store.h"

#include "store/db.h"
#include "store/listing.h"

struct owner_sql {
    const char *entity; /* hawkBit's entity name, for messages */
    bool has_visible;
    const char *get, *insert, *update, *remove, *count;
    const char *columns, *from; /* listing: key, value, visible; "<table> WHERE <owner> = ?" */
    const struct sort_field *sort;
    const struct filter_field *filters;
};

static const struct sort_field plain_sort[] = {
    {"key", "meta_key"},
    {"value", "meta_value"},
    {NULL, NULL},
};

static const struct sort_field sm_sort[] = {
    {"key", "meta_key"},
    {"value", "meta_value"},
    {"targetVisible", "target_visible"},
    {NULL, NULL},
};

/* hawkBit's *MetadataFields. */
static const struct filter_field plain_filters[] = {
    {"key", FILTER_TEXT, "meta_key", NULL},
    {"value", FILTER_TEXT, "meta_value", NULL},
    {NULL, 0, NULL, NULL},
};

static const struct filter_field sm_filters[] = {
    {"key", FILTER_TEXT, "meta_key", NULL},
    {"value", FILTER_TEXT, "meta_value", NULL},
    {"targetvisible", FILTER_TEXT, "CASE target_visible WHEN 1 THEN 'true' ELSE 'false' END", NULL},
    {NULL, 0, NULL, NULL},
};

/* Statements of a table without target_visible; ?1 owner, ?2 key, ?3 value. */
#define PLAIN_OWNER(ENTITY, TABLE, OWNER)                                                          \
    {                                                                                              \
        .entity = ENTITY, .has_visible = false,                                                    \
        .get = "SELECT meta_key, meta_value, 0 FROM " TABLE " WHERE " OWNER " = ?1"                \
               " AND meta_key = ?2",                                                               \
        .insert = "INSERT INTO " TABLE " (" OWNER ", meta_key, meta_value) VALUES (?1, ?2, ?3)",   \
        .update = "UPDATE " TABLE " SET meta_value = ?3 WHERE " OWNER " = ?1 AND meta_key = ?2",   \
        .remove = "DELETE FROM " TABLE " WHERE " OWNER " = ?1 AND meta_key = ?2",                  \
        .count = "SELECT COUNT(*) FROM " TABLE " WHERE " OWNER " = ?1",                            \
        .columns = "meta_key, meta_value, 0", .from = TABLE " WHERE " OWNER " = ?",                \
        .sort = plain_sort, .filters = plain_filters,                                              \
    }

static const struct owner_sql owners[] = {
    [METADATA_TARGET] = PLAIN_OWNER("Target", "target_metadata", "target_id"),
    [METADATA_DS] = PLAIN_OWNER("DistributionSet", "ds_metadata", "ds_id"),
    [METADATA_SM] =
        {
            .entity = "SoftwareModule",
            .has_visible = true,
            .get = "SELECT meta_key, meta_value, target_visible FROM sm_metadata"
                   " WHERE sm_id = ?1 AND meta_key = ?2",
            .insert = "INSERT INTO sm_metadata (sm_id, meta_key, meta_value, target_visible)"
                      " VALUES (?1, ?2, ?3, ?4)",
            .update = "UPDATE sm_metadata SET meta_value = ?3, target_visible = ?4"
                      " WHERE sm_id = ?1 AND meta_key = ?2",
            .remove = "DELETE FROM sm_metadata WHERE sm_id = ?1 AND meta_key = ?2",
            .count = "SELECT COUNT(*) FROM sm_metadata WHERE sm_id = ?1",
            .columns = "meta_key, meta_value, target_visible",
            .from = "sm_metadata WHERE sm_id = ?",
            .sort = sm_sort,
            .filters = sm_filters,
        },
};

const struct filter_map filter_target_metadata = {"target_metadata", "target_id", "meta_key",
                                                  "meta_value"};
const struct filter_map filter_sm_metadata = {"sm_metadata", "sm_id", "meta_key", "meta_value"};
const struct filter_map filter_ds_metadata = {"ds_metadata", "ds_id", "meta_key", "meta_value"};

static void read_metadata(struct db_stmt *st, struct arena *a, void *item)
{
    struct metadata *m = item;
    m->key = arena_strdup(a, db_col_text(st, 0));
    m->value = arena_strdup(a, db_col_text(st, 1));
    m->target_visible = db_col_int(st, 2) != 0;
}

static int not_found(const struct owner_sql *o, const char *key, struct error *err)
{
    return err_set(err, ERR_NOT_FOUND, "repo.entityNotFound",
                   "%sMetadata with given identifier {%s} does not exist.", o->entity, key);
}

/* Binds ?1..?4 of a statement that writes one entry. */
static void bind_entry(struct db_stmt *st, const struct owner_sql *o, int64_t id,
                       const struct metadata *m)
{
    db_bind_int(st, 1, id);
    db_bind_text(st, 2, m->key);
    db_bind_text(st, 3, m->value);
    if (o->has_visible)
        db_bind_int(st, 4, m->target_visible);
}

static int insert_one(struct store *s, const struct owner_sql *o, int64_t id,
                      const struct metadata *m, struct error *err)
{
    struct db_stmt *st = db_prepare(s->db, o->insert, err);
    if (!st)
        return -ERR_INTERNAL;
    bind_entry(st, o, id, m);
    int rc = db_run(st, err);
    if (rc == -ERR_EXISTS)
        err_set(err, ERR_EXISTS, "repo.entityAlreadyExists",
                "Metadata with key {%s} already exists for %s {%lld}", m->key, o->entity,
                (long long)id);
    return rc;
}

static int check_quota(struct store *s, const struct owner_sql *o, int64_t id, struct error *err)
{
    struct db_stmt *st = db_prepare(s->db, o->count, err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, id);
    int rc = db_step(st, err);
    int64_t n = rc == DB_ROW ? db_col_int(st, 0) : 0;
    db_done(st);
    if (rc < 0)
        return rc;
    if (n > METADATA_MAX_PER_OWNER)
        return err_set(err, ERR_QUOTA, "quota.tooManyEntries",
                       "%s {%lld} may hold at most %d metadata entries", o->entity, (long long)id,
                       METADATA_MAX_PER_OWNER);
    return 0;
}

int store_metadata_create(struct store *s, enum metadata_owner owner, int64_t id,
                          const struct metadata *items, size_t n, struct error *err)
{
    const struct owner_sql *o = &owners[owner];
    int rc = store_begin(s, err);
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = insert_one(s, o, id, &items[i], err);
    if (rc == 0)
        rc = check_quota(s, o, id, err);
    if (rc == 0)
        return store_commit(s, err);
    store_rollback(s);
    return rc;
}

int store_metadata_get(struct store *s, enum metadata_owner owner, int64_t id, const char *key,
                       struct arena *a, struct metadata *out, struct error *err)
{
    const struct owner_sql *o = &owners[owner];
    struct db_stmt *st = db_prepare(s->db, o->get, err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, id);
    db_bind_text(st, 2, key);
    int rc = db_step(st, err);
    if (rc == DB_ROW) {
        read_metadata(st, a, out);
        rc = 0;
    } else if (rc == DB_DONE) {
        rc = not_found(o, key, err);
    }
    db_done(st);
    return rc;
}

int store_metadata_update(struct store *s, enum metadata_owner owner, int64_t id,
                          const struct metadata *m, struct error *err)
{
    const struct owner_sql *o = &owners[owner];
    struct db_stmt *st = db_prepare(s->db, o->update, err);
    if (!st)
        return -ERR_INTERNAL;
    bind_entry(st, o, id, m);
    int rc = db_run(st, err);
    if (rc == 0 && db_changes(s->db) == 0)
        return not_found(o, m->key, err);
    return rc;
}

int store_metadata_delete(struct store *s, enum metadata_owner owner, int64_t id, const char *key,
                          struct error *err)
{
    const struct owner_sql *o = &owners[owner];
    struct db_stmt *st = db_prepare(s->db, o->remove, err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, id);
    db_bind_text(st, 2, key);
    int rc = db_run(st, err);
    if (rc == 0 && db_changes(s->db) == 0)
        return not_found(o, key, err);
    return rc;
}

int store_metadata_list(struct store *s, enum metadata_owner owner, int64_t id,
                        const struct list_query *q, struct arena *a, struct metadata **items,
                        size_t *count, int64_t *total, struct error *err)
{
    const struct owner_sql *o = &owners[owner];
    return listing_page(s->db, o->columns, o->from, id, o->sort, o->filters, "meta_key ASC", q, a,
                        sizeof(**items), read_metadata, (void **)items, count, total, err);
}

/* Read for every deploymentBase a device fetches: one cached statement, not a paged
 * listing built (and parsed) per call. */
int store_metadata_visible(struct store *s, int64_t sm_id, struct arena *a, struct metadata **items,
                           size_t *count, struct error *err)
{
    struct db_stmt *st = db_prepare(s->db,
                                    "SELECT meta_key, meta_value, target_visible FROM sm_metadata"
                                    " WHERE sm_id = ? AND target_visible = 1 ORDER BY meta_key"
                                    " LIMIT ?",
                                    err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, sm_id);
    db_bind_int(st, 2, METADATA_MAX_PER_OWNER);
    *items = arena_alloc(a, sizeof(**items) * METADATA_MAX_PER_OWNER);
    *count = 0;
    int rc;
    while ((rc = db_step(st, err)) == DB_ROW && *count < METADATA_MAX_PER_OWNER)
        read_metadata(st, a, &(*items)[(*count)++]);
    db_done(st);
    return rc < 0 ? rc : 0;
}
