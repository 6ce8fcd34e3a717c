#include "store/target_filter_store.h"

#include "store/db.h"
#include "store/listing.h"
#include "store/target_store.h"
#include "util/time.h"

#include <string.h>

#define FILTER_COLUMNS                                                                             \
    "f.id, f.name, f.query, f.auto_ds_id, f.auto_action_type, f.auto_weight,"                      \
    " f.auto_confirmation_required, f.created_at, f.created_by, f.last_modified_at,"               \
    " f.last_modified_by"

static const struct sort_field filter_sort_fields[] = {
    {"id", "f.id"},
    {"name", "f.name"},
    {"query", "f.query"},
    {"createdAt", "f.created_at"},
    {"createdBy", "f.created_by"},
    {"lastModifiedAt", "f.last_modified_at"},
    {"lastModifiedBy", "f.last_modified_by"},
    {NULL, NULL},
};

static const struct filter_field filter_filter_fields[] = {
    {"id", FILTER_INT, "f.id", NULL},
    {"name", FILTER_TEXT, "f.name", NULL},
    {"query", FILTER_TEXT, "f.query", NULL},
    {"createdat", FILTER_INT, "f.created_at", NULL},
    {"createdby", FILTER_TEXT, "f.created_by", NULL},
    {"lastmodifiedat", FILTER_INT, "f.last_modified_at", NULL},
    {"lastmodifiedby", FILTER_TEXT, "f.last_modified_by", NULL},
    {NULL, 0, NULL, NULL},
};

static void read_filter(struct db_stmt *st, struct arena *a, void *item)
{
    struct target_filter *f = item;
    f->id = db_col_int(st, 0);
    f->name = arena_strdup(a, db_col_text(st, 1));
    f->query = arena_strdup(a, db_col_text(st, 2));
    f->auto_ds_id = db_col_opt_int(st, 3);
    f->auto_action_type = arena_strdup(a, db_col_text(st, 4));
    f->auto_weight = db_col_opt_int(st, 5);
    f->auto_confirmation_required = db_col_int(st, 6) != 0;
    f->audit.created_at = db_col_int(st, 7);
    f->audit.created_by = arena_strdup(a, db_col_text(st, 8));
    f->audit.last_modified_at = db_col_int(st, 9);
    f->audit.last_modified_by = arena_strdup(a, db_col_text(st, 10));
}

static int duplicate_name(struct error *err, const char *name)
{
    return err_set(err, ERR_EXISTS, "repo.entityAlreadyExists",
                   "A target filter named %.128s already exists", name);
}

int store_target_filter_create(struct store *s, struct target_filter *f, const char *actor,
                               struct error *err)
{
    int rc = store_target_query_check(f->query, err);
    if (rc < 0)
        return rc;
    struct db_stmt *st = db_prepare(s->db,
                                    "INSERT INTO target_filters (name, query, created_at,"
                                    " created_by, last_modified_at, last_modified_by)"
                                    " VALUES (?1, ?2, ?3, ?4, ?3, ?4) RETURNING id",
                                    err);
    if (!st)
        return -ERR_INTERNAL;
    int64_t now = time_now_ms();
    db_bind_text(st, 1, f->name);
    db_bind_text(st, 2, f->query);
    db_bind_int(st, 3, now);
    db_bind_text(st, 4, actor);
    rc = db_step(st, err);
    if (rc == DB_ROW) {
        f->id = db_col_int(st, 0);
        f->auto_ds_id = f->auto_weight = -1;
        f->auto_action_type = NULL;
        f->auto_confirmation_required = false;
        f->audit = (struct audit){now, now, actor, actor};
        rc = 0;
    } else if (rc == -ERR_EXISTS) {
        duplicate_name(err, f->name);
    }
    db_done(st);
    return rc;
}

int store_target_filter_get(struct store *s, int64_t id, struct arena *a, struct target_filter *out,
                            struct error *err)
{
    struct db_stmt *st =
        db_prepare(s->db, "SELECT " FILTER_COLUMNS " FROM target_filters f WHERE f.id = ?", err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, id);
    int rc = db_step(st, err);
    if (rc == DB_ROW) {
        read_filter(st, a, out);
        rc = 0;
    } else if (rc == DB_DONE) {
        rc = err_set(err, ERR_NOT_FOUND, "repo.entityNotFound",
                     "TargetFilterQuery with given identifier {%lld} does not exist.",
                     (long long)id);
    }
    db_done(st);
    return rc;
}

/* Runs an UPDATE/DELETE of one filter; ERR_NOT_FOUND when no row changed. */
static int run_on_filter(struct store *s, struct db_stmt *st, int64_t id, struct error *err)
{
    int rc = db_run(st, err);
    if (rc == 0 && db_changes(s->db) == 0)
        return err_set(err, ERR_NOT_FOUND, "repo.entityNotFound",
                       "TargetFilterQuery with given identifier {%lld} does not exist.",
                       (long long)id);
    return rc;
}

int store_target_filter_update(struct store *s, const struct target_filter *f, const char *actor,
                               struct error *err)
{
    int rc = store_target_query_check(f->query, err);
    if (rc < 0)
        return rc;
    struct db_stmt *st = db_prepare(s->db,
                                    "UPDATE target_filters SET name = ?, query = ?,"
                                    " last_modified_at = ?, last_modified_by = ? WHERE id = ?",
                                    err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_text(st, 1, f->name);
    db_bind_text(st, 2, f->query);
    db_bind_int(st, 3, time_now_ms());
    db_bind_text(st, 4, actor);
    db_bind_int(st, 5, f->id);
    rc = run_on_filter(s, st, f->id, err);
    return rc == -ERR_EXISTS ? duplicate_name(err, f->name) : rc;
}

int store_target_filter_delete(struct store *s, int64_t id, struct error *err)
{
    struct db_stmt *st = db_prepare(s->db, "DELETE FROM target_filters WHERE id = ?", err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, id);
    return run_on_filter(s, st, id, err);
}

int store_target_filter_auto_assign(struct store *s, int64_t id, int64_t ds_id,
                                    const char *action_type, int64_t weight,
                                    bool confirmation_required, const char *actor,
                                    struct error *err)
{
    struct db_stmt *st = db_prepare(
        s->db,
        "UPDATE target_filters SET auto_ds_id = ?, auto_action_type = ?, auto_weight = ?,"
        " auto_confirmation_required = ?, last_modified_at = ?, last_modified_by = ? WHERE id = ?",
        err);
    if (!st)
        return -ERR_INTERNAL;
    bool on = ds_id >= 0;
    db_bind_opt_int(st, 1, ds_id);
    db_bind_text(st, 2, on ? action_type : NULL);
    db_bind_opt_int(st, 3, on ? weight : -1);
    db_bind_int(st, 4, on && confirmation_required);
    db_bind_int(st, 5, time_now_ms());
    db_bind_text(st, 6, actor);
    db_bind_int(st, 7, id);
    return run_on_filter(s, st, id, err);
}

int store_target_filter_list(struct store *s, const struct list_query *q, struct arena *a,
                             struct target_filter **items, size_t *count, int64_t *total,
                             struct error *err)
{
    return listing_page(s->db, FILTER_COLUMNS, "target_filters f", -1, filter_sort_fields,
                        filter_filter_fields, "f.id ASC", q, a, sizeof(**items), read_filter,
                        (void **)items, count, total, err);
}

int store_target_filter_list_auto(struct store *s, struct arena *a, struct target_filter **items,
                                  size_t *count, struct error *err)
{
    struct list_query all = {.offset = 0, .limit = 500};
    int64_t total;
    return listing_page(s->db, FILTER_COLUMNS, "target_filters f WHERE f.auto_ds_id IS NOT NULL",
                        -1, filter_sort_fields, filter_filter_fields, "f.id ASC", &all, a,
                        sizeof(**items), read_filter, (void **)items, count, &total, err);
}
