#include "store/rollout_store.h"

#include "store/db.h"
#include "store/filter.h"
#include "store/listing.h"
#include "store/target_store.h"
#include "util/time.h"

#include <string.h>

#define ROLLOUT_COLUMNS                                                                            \
    "r.id, r.name, r.description, r.target_filter_query, r.ds_id, r.status, r.action_type,"        \
    " r.forced_time, r.weight, r.start_at, r.confirmation_required, r.total_targets,"              \
    " (SELECT COUNT(*) FROM rollout_groups g WHERE g.rollout_id = r.id), r.deleted,"               \
    " r.created_at, r.created_by, r.last_modified_at, r.last_modified_by, r.dynamic,"              \
    " r.dynamic_suffix, r.dynamic_target_count, r.maintenance_schedule, r.maintenance_duration,"   \
    " r.maintenance_timezone, r.approval_remark, r.approval_decided_by"

#define GROUP_COLUMNS                                                                              \
    "g.id, g.rollout_id, g.position, g.name, g.description, g.target_filter_query,"                \
    " g.target_percentage, g.status, g.success_condition, g.success_expression,"                   \
    " g.success_action, g.success_action_expression, g.error_condition, g.error_expression,"       \
    " g.error_action, g.error_action_expression, g.success_done, g.confirmation_required,"         \
    " g.total_targets, g.created_at, g.created_by, g.last_modified_at, g.last_modified_by,"        \
    " g.dynamic"

static const struct sort_field rollout_sort_fields[] = {
    {"id", "r.id"},
    {"name", "r.name"},
    {"status", "r.status"},
    {"description", "r.description"},
    {"createdAt", "r.created_at"},
    {"lastModifiedAt", "r.last_modified_at"},
    {NULL, NULL},
};

static const struct filter_field rollout_filter_fields[] = {
    {"id", FILTER_INT, "r.id", NULL},
    {"name", FILTER_TEXT, "r.name", NULL},
    {"description", FILTER_TEXT, "r.description", NULL},
    {"status", FILTER_TEXT, "r.status", NULL},
    {"distributionset.id", FILTER_INT, "r.ds_id", NULL},
    {"createdat", FILTER_INT, "r.created_at", NULL},
    {"createdby", FILTER_TEXT, "r.created_by", NULL},
    {"lastmodifiedat", FILTER_INT, "r.last_modified_at", NULL},
    {"lastmodifiedby", FILTER_TEXT, "r.last_modified_by", NULL},
    {NULL, 0, NULL, NULL},
};

static const struct sort_field group_sort_fields[] = {
    {"id", "g.id"},
    {"name", "g.name"},
    {"status", "g.status"},
    {NULL, NULL},
};

static const struct filter_field group_filter_fields[] = {
    {"id", FILTER_INT, "g.id", NULL},
    {"name", FILTER_TEXT, "g.name", NULL},
    {"description", FILTER_TEXT, "g.description", NULL},
    {"status", FILTER_TEXT, "g.status", NULL},
    {NULL, 0, NULL, NULL},
};

static void read_rollout(struct db_stmt *st, struct arena *a, void *item)
{
    struct rollout *r = item;
    r->id = db_col_int(st, 0);
    r->name = arena_strdup(a, db_col_text(st, 1));
    r->description = arena_strdup(a, db_col_text(st, 2));
    r->target_filter_query = arena_strdup(a, db_col_text(st, 3));
    r->ds_id = db_col_int(st, 4);
    r->status = arena_strdup(a, db_col_text(st, 5));
    r->action_type = arena_strdup(a, db_col_text(st, 6));
    r->forced_time = db_col_opt_int(st, 7);
    r->weight = db_col_int(st, 8);
    r->start_at = db_col_opt_int(st, 9);
    r->confirmation_required = db_col_int(st, 10) != 0;
    r->total_targets = db_col_int(st, 11);
    r->total_groups = db_col_int(st, 12);
    r->deleted = db_col_int(st, 13) != 0;
    r->audit.created_at = db_col_int(st, 14);
    r->audit.created_by = arena_strdup(a, db_col_text(st, 15));
    r->audit.last_modified_at = db_col_int(st, 16);
    r->audit.last_modified_by = arena_strdup(a, db_col_text(st, 17));
    r->dynamic = db_col_int(st, 18) != 0;
    r->dynamic_suffix = arena_strdup(a, db_col_text(st, 19));
    r->dynamic_target_count = db_col_int(st, 20);
    r->maintenance_schedule = arena_strdup(a, db_col_text(st, 21));
    r->maintenance_duration = arena_strdup(a, db_col_text(st, 22));
    r->maintenance_timezone = arena_strdup(a, db_col_text(st, 23));
    r->approval_remark = arena_strdup(a, db_col_text(st, 24));
    r->approval_decided_by = arena_strdup(a, db_col_text(st, 25));
}

static void read_group(struct db_stmt *st, struct arena *a, void *item)
{
    struct rollout_group *g = item;
    g->id = db_col_int(st, 0);
    g->rollout_id = db_col_int(st, 1);
    g->position = db_col_int(st, 2);
    g->name = arena_strdup(a, db_col_text(st, 3));
    g->description = arena_strdup(a, db_col_text(st, 4));
    g->target_filter_query = arena_strdup(a, db_col_text(st, 5));
    g->target_percentage = db_col_double(st, 6);
    g->status = arena_strdup(a, db_col_text(st, 7));
    g->success = (struct rollout_rule){
        arena_strdup(a, db_col_text(st, 8)), arena_strdup(a, db_col_text(st, 9)),
        arena_strdup(a, db_col_text(st, 10)), arena_strdup(a, db_col_text(st, 11))};
    g->error = (struct rollout_rule){
        arena_strdup(a, db_col_text(st, 12)), arena_strdup(a, db_col_text(st, 13)),
        arena_strdup(a, db_col_text(st, 14)), arena_strdup(a, db_col_text(st, 15))};
    g->success_done = db_col_int(st, 16) != 0;
    g->confirmation_required = db_col_int(st, 17) != 0;
    g->total_targets = db_col_int(st, 18);
    g->audit.created_at = db_col_int(st, 19);
    g->audit.created_by = arena_strdup(a, db_col_text(st, 20));
    g->audit.last_modified_at = db_col_int(st, 21);
    g->audit.last_modified_by = arena_strdup(a, db_col_text(st, 22));
    g->dynamic = db_col_int(st, 23) != 0;
}

/* ---- creation ---- */

int store_rollout_create(struct store *s, struct rollout *r, const char *actor, struct error *err)
{
    struct db_stmt *st = db_prepare(
        s->db,
        "INSERT INTO rollouts (name, description, target_filter_query, ds_id, status,"
        " action_type, forced_time, weight, start_at, confirmation_required, created_at,"
        " created_by, last_modified_at, last_modified_by, dynamic, dynamic_suffix,"
        " dynamic_target_count, maintenance_schedule, maintenance_duration,"
        " maintenance_timezone) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?11,"
        " ?12, ?13, ?14, ?15, ?16, ?17, ?18) RETURNING id",
        err);
    if (!st)
        return -ERR_INTERNAL;
    int64_t now = time_now_ms();
    db_bind_text(st, 1, r->name);
    db_bind_text(st, 2, r->description);
    db_bind_text(st, 3, r->target_filter_query);
    db_bind_int(st, 4, r->ds_id);
    db_bind_text(st, 5, r->status);
    db_bind_text(st, 6, r->action_type);
    db_bind_opt_int(st, 7, r->forced_time);
    db_bind_int(st, 8, r->weight);
    db_bind_opt_int(st, 9, r->start_at);
    db_bind_int(st, 10, r->confirmation_required);
    db_bind_int(st, 11, now);
    db_bind_text(st, 12, actor);
    db_bind_int(st, 13, r->dynamic);
    db_bind_text(st, 14, r->dynamic ? r->dynamic_suffix : NULL);
    db_bind_opt_int(st, 15, r->dynamic ? r->dynamic_target_count : -1);
    db_bind_text(st, 16, r->maintenance_schedule);
    db_bind_text(st, 17, r->maintenance_duration);
    db_bind_text(st, 18, r->maintenance_timezone);
    int rc = db_step(st, err);
    if (rc == DB_ROW) {
        r->id = db_col_int(st, 0);
        r->audit = (struct audit){now, now, actor, actor};
        rc = 0;
    } else if (rc == -ERR_EXISTS) {
        err_set(err, ERR_EXISTS, "repo.entityAlreadyExists", "A rollout named %.128s exists",
                r->name);
    }
    db_done(st);
    return rc;
}

int store_rollout_group_create(struct store *s, struct rollout_group *g, const char *actor,
                               struct error *err)
{
    struct db_stmt *st = db_prepare(
        s->db,
        "INSERT INTO rollout_groups (rollout_id, position, name, description,"
        " target_filter_query, target_percentage, status, success_condition, success_expression,"
        " success_action, success_action_expression, error_condition, error_expression,"
        " error_action, error_action_expression, confirmation_required, created_at, created_by,"
        " last_modified_at, last_modified_by, dynamic) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,"
        " ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?17, ?18, ?19) RETURNING id",
        err);
    if (!st)
        return -ERR_INTERNAL;
    int64_t now = time_now_ms();
    db_bind_int(st, 1, g->rollout_id);
    db_bind_int(st, 2, g->position);
    db_bind_text(st, 3, g->name);
    db_bind_text(st, 4, g->description);
    db_bind_text(st, 5, g->target_filter_query);
    db_bind_double(st, 6, g->target_percentage);
    db_bind_text(st, 7, g->status);
    db_bind_text(st, 8, g->success.condition);
    db_bind_text(st, 9, g->success.expression);
    db_bind_text(st, 10, g->success.action);
    db_bind_text(st, 11, g->success.action_expression);
    db_bind_text(st, 12, g->error.condition);
    db_bind_text(st, 13, g->error.expression);
    db_bind_text(st, 14, g->error.action);
    db_bind_text(st, 15, g->error.action_expression);
    db_bind_int(st, 16, g->confirmation_required);
    db_bind_int(st, 17, now);
    db_bind_text(st, 18, actor);
    db_bind_int(st, 19, g->dynamic);
    int rc = db_step(st, err);
    if (rc == DB_ROW) {
        g->id = db_col_int(st, 0);
        g->audit = (struct audit){now, now, actor, actor};
        rc = 0;
    }
    db_done(st);
    return rc;
}

/* "FROM targets t WHERE <rollout query> [AND <group query>] AND created before AND
 * in no group of the rollout yet", with its parameters compiled into *f. */
static int free_targets_clause(const struct rollout *r, const char *group_query, struct arena *a,
                               const char **sql, struct filter_sql *rf, struct filter_sql *gf,
                               struct error *err)
{
    memset(gf, 0, sizeof(*gf));
    int rc = store_target_compile_query(r->target_filter_query, 0, a, rf, err);
    if (rc == 0 && group_query && *group_query)
        rc = store_target_compile_query(group_query, 0, a, gf, err);
    if (rc < 0)
        return rc;
    *sql = arena_sprintf(a,
                         " FROM targets t WHERE %s AND %s AND t.created_at <= ? AND NOT EXISTS"
                         " (SELECT 1 FROM rollout_group_targets x JOIN rollout_groups xg ON"
                         " xg.id = x.group_id WHERE xg.rollout_id = ? AND x.target_id = t.id)"
                         /* only targets whose type accepts the set's type (hawkBit d.3) */
                         " AND (t.target_type_id IS NULL OR EXISTS (SELECT 1 FROM"
                         " target_type_ds_types c JOIN distribution_sets d ON d.type_id ="
                         " c.ds_type_id WHERE c.target_type_id = t.target_type_id AND d.id = ?))",
                         rf->sql, gf->sql ? gf->sql : "1 = 1");
    return 0;
}

static int bind_free(struct db_stmt *st, int idx, const struct filter_sql *rf,
                     const struct filter_sql *gf, int64_t created_before, int64_t rollout_id,
                     int64_t ds_id)
{
    idx = filter_bind(st, idx, rf);
    idx = filter_bind(st, idx, gf);
    db_bind_int(st, idx++, created_before);
    db_bind_int(st, idx++, rollout_id);
    db_bind_int(st, idx++, ds_id);
    return idx;
}

int store_rollout_count_free(struct store *s, const struct rollout *r, const char *group_query,
                             int64_t created_before, int64_t *count, struct error *err)
{
    struct arena a;
    arena_init(&a);
    const char *clause;
    struct filter_sql rf, gf;
    int rc = free_targets_clause(r, group_query, &a, &clause, &rf, &gf, err);
    struct db_stmt *st = NULL;
    if (rc == 0 &&
        !(st = db_prepare_temp(s->db, arena_sprintf(&a, "SELECT COUNT(*)%s", clause), err)))
        rc = -ERR_INTERNAL;
    if (rc == 0) {
        bind_free(st, 1, &rf, &gf, created_before, r->id, r->ds_id);
        rc = db_step(st, err);
        *count = rc == DB_ROW ? db_col_int(st, 0) : 0;
        rc = rc < 0 ? rc : 0;
    }
    db_done(st);
    arena_free(&a);
    return rc;
}

/* Puts up to `limit` free targets (free_targets_clause) into group g. With
 * weight >= 0, targets with an open action of a higher weight stay out (hawkBit
 * leaves targets with overriding actions alone). */
static int fill(struct store *s, const struct rollout *r, const struct rollout_group *g,
                const char *group_query, int64_t created_before, int64_t limit, bool random_order,
                int64_t weight, int64_t *added, struct error *err)
{
    struct arena a;
    arena_init(&a);
    const char *clause;
    struct filter_sql rf, gf;
    *added = 0;
    int rc = free_targets_clause(r, group_query, &a, &clause, &rf, &gf, err);
    struct db_stmt *st = NULL;
    if (rc == 0 &&
        !(st = db_prepare_temp(
              s->db,
              arena_sprintf(&a,
                            "INSERT INTO rollout_group_targets (group_id, target_id) SELECT ?,"
                            " t.id%s%s ORDER BY %s LIMIT ?",
                            clause,
                            weight >= 0 ? " AND NOT EXISTS (SELECT 1 FROM actions o WHERE"
                                          " o.target_id = t.id AND o.active = 1 AND"
                                          " COALESCE(o.weight, 1000) > ?)"
                                        : "",
                            random_order ? "random()" : "t.id"),
              err)))
        rc = -ERR_INTERNAL;
    if (rc == 0) {
        db_bind_int(st, 1, g->id);
        int idx = bind_free(st, 2, &rf, &gf, created_before, r->id, r->ds_id);
        if (weight >= 0)
            db_bind_int(st, idx++, weight);
        db_bind_int(st, idx, limit);
        rc = db_run(st, err);
        st = NULL;
        *added = rc == 0 ? db_changes(s->db) : 0;
    }
    db_done(st);
    arena_free(&a);
    return rc;
}

int store_rollout_fill_group(struct store *s, const struct rollout *r,
                             const struct rollout_group *g, int64_t created_before, int64_t limit,
                             bool random_order, int64_t *added, struct error *err)
{
    return fill(s, r, g, g->target_filter_query, created_before, limit, random_order, -1, added,
                err);
}

int store_rollout_fill_dynamic_group(struct store *s, const struct rollout *r,
                                     const struct rollout_group *g, int64_t limit, int64_t *added,
                                     struct error *err)
{
    return fill(s, r, g, NULL, INT64_MAX, limit, false, r->weight, added, err);
}

int store_rollout_set_totals(struct store *s, int64_t rollout_id, struct error *err)
{
    struct db_stmt *st = db_prepare(
        s->db,
        "UPDATE rollout_groups SET total_targets = (SELECT COUNT(*) FROM rollout_group_targets x"
        " WHERE x.group_id = rollout_groups.id) WHERE rollout_id = ?",
        err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, rollout_id);
    int rc = db_run(st, err);
    if (rc < 0)
        return rc;
    if (!(st = db_prepare(s->db,
                          "UPDATE rollouts SET total_targets = (SELECT COALESCE(SUM(total_targets),"
                          " 0) FROM rollout_groups WHERE rollout_id = rollouts.id) WHERE id = ?",
                          err)))
        return -ERR_INTERNAL;
    db_bind_int(st, 1, rollout_id);
    return db_run(st, err);
}

/* ---- reads ---- */

int store_rollout_get(struct store *s, int64_t id, struct arena *a, struct rollout *out,
                      struct error *err)
{
    struct db_stmt *st = db_prepare(
        s->db, "SELECT " ROLLOUT_COLUMNS " FROM rollouts r WHERE r.id = ? AND r.deleted = 0", err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, id);
    int rc = db_step(st, err);
    if (rc == DB_ROW) {
        read_rollout(st, a, out);
        rc = 0;
    } else if (rc == DB_DONE) {
        rc = err_set(err, ERR_NOT_FOUND, "repo.entityNotFound",
                     "Rollout with given identifier {%lld} does not exist.", (long long)id);
    }
    db_done(st);
    return rc;
}

int store_rollout_list(struct store *s, const struct list_query *q, struct arena *a,
                       struct rollout **items, size_t *count, int64_t *total, struct error *err)
{
    return listing_page(s->db, ROLLOUT_COLUMNS, "rollouts r WHERE r.deleted = 0", -1,
                        rollout_sort_fields, rollout_filter_fields, "r.id ASC", q, a,
                        sizeof(**items), read_rollout, (void **)items, count, total, err);
}

int store_rollout_list_by_status(struct store *s, const char *status, struct arena *a,
                                 struct rollout **items, size_t *count, struct error *err)
{
    struct db_stmt *st = db_prepare(s->db,
                                    "SELECT " ROLLOUT_COLUMNS " FROM rollouts r WHERE r.status = ?"
                                    " AND r.deleted = 0 ORDER BY r.id LIMIT 1000",
                                    err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_text(st, 1, status);
    *items = arena_alloc(a, sizeof(**items) * 1000);
    *count = 0;
    int rc;
    while ((rc = db_step(st, err)) == DB_ROW && *count < 1000)
        read_rollout(st, a, &(*items)[(*count)++]);
    db_done(st);
    return rc < 0 ? rc : 0;
}

int store_rollout_update(struct store *s, int64_t id, const char *name, const char *description,
                         const char *actor, struct error *err)
{
    struct db_stmt *st = db_prepare(s->db,
                                    "UPDATE rollouts SET name = ?, description = ?,"
                                    " last_modified_at = ?, last_modified_by = ? WHERE id = ?",
                                    err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_text(st, 1, name);
    db_bind_text(st, 2, description);
    db_bind_int(st, 3, time_now_ms());
    db_bind_text(st, 4, actor);
    db_bind_int(st, 5, id);
    int rc = db_run(st, err);
    if (rc == -ERR_EXISTS)
        err_set(err, ERR_EXISTS, "repo.entityAlreadyExists", "A rollout named %.128s exists", name);
    return rc;
}

int store_rollout_set_status(struct store *s, int64_t id, const char *status, const char *actor,
                             struct error *err)
{
    struct db_stmt *st = db_prepare(s->db,
                                    "UPDATE rollouts SET status = ?, last_modified_at = ?,"
                                    " last_modified_by = ? WHERE id = ?",
                                    err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_text(st, 1, status);
    db_bind_int(st, 2, time_now_ms());
    db_bind_text(st, 3, actor);
    db_bind_int(st, 4, id);
    return db_run(st, err);
}

int store_rollout_set_approval(struct store *s, int64_t id, const char *status, const char *remark,
                               const char *actor, struct error *err)
{
    struct db_stmt *st = db_prepare(s->db,
                                    "UPDATE rollouts SET status = ?, approval_remark = ?,"
                                    " approval_decided_by = ?, last_modified_at = ?,"
                                    " last_modified_by = ? WHERE id = ?",
                                    err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_text(st, 1, status);
    db_bind_text(st, 2, remark);
    db_bind_text(st, 3, actor);
    db_bind_int(st, 4, time_now_ms());
    db_bind_text(st, 5, actor);
    db_bind_int(st, 6, id);
    return db_run(st, err);
}

int store_rollout_dynamic_due(struct store *s, int64_t id, int64_t now, int64_t interval_ms,
                              bool *due, struct error *err)
{
    struct db_stmt *st = db_prepare(s->db,
                                    "UPDATE rollouts SET dynamic_checked_at = ?1"
                                    " WHERE id = ?2 AND dynamic_checked_at <= ?1 - ?3",
                                    err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, now);
    db_bind_int(st, 2, id);
    db_bind_int(st, 3, interval_ms);
    int rc = db_run(st, err);
    *due = rc == 0 && db_changes(s->db) == 1;
    return rc;
}

int store_rollout_delete(struct store *s, int64_t id, const char *actor, struct error *err)
{
    struct db_stmt *st = db_prepare(
        s->db, "DELETE FROM actions WHERE rollout_id = ? AND status = 'scheduled' AND active = 0",
        err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, id);
    int rc = db_run(st, err);
    if (rc < 0 || !(st = db_prepare(s->db,
                                    "UPDATE rollouts SET deleted = 1, status = 'deleted',"
                                    " last_modified_at = ?, last_modified_by = ? WHERE id = ?",
                                    err)))
        return rc < 0 ? rc : -ERR_INTERNAL;
    db_bind_int(st, 1, time_now_ms());
    db_bind_text(st, 2, actor);
    db_bind_int(st, 3, id);
    return db_run(st, err);
}

int store_rollout_group_get(struct store *s, int64_t rollout_id, int64_t group_id, struct arena *a,
                            struct rollout_group *out, struct error *err)
{
    struct db_stmt *st = db_prepare(s->db,
                                    "SELECT " GROUP_COLUMNS " FROM rollout_groups g"
                                    " WHERE g.id = ? AND g.rollout_id = ?",
                                    err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, group_id);
    db_bind_int(st, 2, rollout_id);
    int rc = db_step(st, err);
    if (rc == DB_ROW) {
        read_group(st, a, out);
        rc = 0;
    } else if (rc == DB_DONE) {
        rc = err_set(err, ERR_NOT_FOUND, "repo.entityNotFound",
                     "RolloutGroup with given identifier {%lld} does not exist.",
                     (long long)group_id);
    }
    db_done(st);
    return rc;
}

int store_rollout_groups(struct store *s, int64_t rollout_id, struct arena *a,
                         struct rollout_group **items, size_t *count, struct error *err)
{
    struct list_query all = {.offset = 0, .limit = 500};
    int64_t total;
    return listing_page(s->db, GROUP_COLUMNS, "rollout_groups g WHERE g.rollout_id = ?", rollout_id,
                        group_sort_fields, group_filter_fields, "g.position ASC", &all, a,
                        sizeof(**items), read_group, (void **)items, count, &total, err);
}

int store_rollout_group_list(struct store *s, int64_t rollout_id, const struct list_query *q,
                             struct arena *a, struct rollout_group **items, size_t *count,
                             int64_t *total, struct error *err)
{
    return listing_page(s->db, GROUP_COLUMNS, "rollout_groups g WHERE g.rollout_id = ?", rollout_id,
                        group_sort_fields, group_filter_fields, "g.position ASC", q, a,
                        sizeof(**items), read_group, (void **)items, count, total, err);
}

int store_rollout_group_set_status(struct store *s, int64_t group_id, const char *status,
                                   struct error *err)
{
    struct db_stmt *st = db_prepare(
        s->db, "UPDATE rollout_groups SET status = ?, last_modified_at = ? WHERE id = ?", err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_text(st, 1, status);
    db_bind_int(st, 2, time_now_ms());
    db_bind_int(st, 3, group_id);
    return db_run(st, err);
}

int store_rollout_group_success_done(struct store *s, int64_t group_id, struct error *err)
{
    struct db_stmt *st =
        db_prepare(s->db, "UPDATE rollout_groups SET success_done = 1 WHERE id = ?", err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, group_id);
    return db_run(st, err);
}
