#include "store/action_store.h"

#include "store/db.h"
#include "store/listing.h"
#include "util/time.h"

#include <string.h>

/* The columns read_action() reads; the device side has its controller id already. */
#define ACTION_COLUMNS_AFTER_CONTROLLER_ID                                                         \
    "a.action_type, a.status, a.active, a.forced_time, a.weight, a.last_status_code,"              \
    " a.rollout_id, a.rollout_group_id, a.maintenance_schedule, a.maintenance_duration,"           \
    " a.maintenance_timezone, a.external_ref, a.created_at, a.created_by, a.last_modified_at,"     \
    " a.last_modified_by"
#define ACTION_COLUMNS                                                                             \
    "a.id, a.target_id, a.ds_id, t.controller_id, " ACTION_COLUMNS_AFTER_CONTROLLER_ID

static const struct sort_field action_sort_fields[] = {
    {"id", "a.id"},
    {"status", "a.status"},
    {"active", "a.active"},
    {"weight", "a.weight"},
    {"createdAt", "a.created_at"},
    {"createdBy", "a.created_by"},
    {"lastModifiedAt", "a.last_modified_at"},
    {"lastModifiedBy", "a.last_modified_by"},
    {NULL, NULL},
};

static const struct sort_field status_sort_fields[] = {
    {"id", "id"},
    {"reportedAt", "reported_at"},
    {"status", "status"},
    {NULL, NULL},
};

/* hawkBit's ActionFields (reference c.11). */
static const struct filter_field action_filter_fields[] = {
    {"id", FILTER_INT, "a.id", NULL},
    {"status", FILTER_TEXT, "a.status", NULL},
    {"active", FILTER_TEXT, "CASE a.active WHEN 1 THEN 'true' ELSE 'false' END", NULL},
    {"laststatuscode", FILTER_INT, "a.last_status_code", NULL},
    {"weight", FILTER_INT, "a.weight", NULL},
    {"externalref", FILTER_TEXT, "a.external_ref", NULL},
    {"target.controllerid", FILTER_TEXT, "t.controller_id", NULL},
    {"target.name", FILTER_TEXT, "t.name", NULL},
    {"target.updatestatus", FILTER_TEXT, "t.update_status", NULL},
    {"target.address", FILTER_TEXT,
     "(SELECT ls.address FROM target_last_seen ls WHERE ls.target_id = t.id)", NULL},
    {"distributionset.id", FILTER_INT, "a.ds_id", NULL},
    {"distributionset.name", FILTER_TEXT,
     "(SELECT d.name FROM distribution_sets d WHERE d.id = a.ds_id)", NULL},
    {"distributionset.version", FILTER_TEXT,
     "(SELECT d.version FROM distribution_sets d WHERE d.id = a.ds_id)", NULL},
    {"createdat", FILTER_INT, "a.created_at", NULL},
    {"createdby", FILTER_TEXT, "a.created_by", NULL},
    {"lastmodifiedat", FILTER_INT, "a.last_modified_at", NULL},
    {"lastmodifiedby", FILTER_TEXT, "a.last_modified_by", NULL},
    {NULL, 0, NULL, NULL},
};

static const struct filter_field status_filter_fields[] = {
    {"id", FILTER_INT, "id", NULL},
    {"timestamp", FILTER_INT, "occurred_at", NULL},
    {"reportedat", FILTER_INT, "reported_at", NULL},
    {NULL, 0, NULL, NULL},
};

static void read_action(struct db_stmt *st, struct arena *a, struct action *x)
{
    x->id = db_col_int(st, 0);
    x->target_id = db_col_int(st, 1);
    x->ds_id = db_col_int(st, 2);
    x->controller_id = arena_strdup(a, db_col_text(st, 3));
    x->action_type = arena_strdup(a, db_col_text(st, 4));
    x->status = arena_strdup(a, db_col_text(st, 5));
    x->active = db_col_int(st, 6) != 0;
    x->forced_time = db_col_opt_int(st, 7);
    x->weight = db_col_opt_int(st, 8);
    x->last_status_code = db_col_is_null(st, 9) ? ACTION_STATUS_NO_CODE : db_col_int(st, 9);
    x->rollout_id = db_col_opt_int(st, 10);
    x->rollout_group_id = db_col_opt_int(st, 11);
    x->maintenance_schedule = arena_strdup(a, db_col_text(st, 12));
    x->maintenance_duration = arena_strdup(a, db_col_text(st, 13));
    x->maintenance_timezone = arena_strdup(a, db_col_text(st, 14));
    x->external_ref = arena_strdup(a, db_col_text(st, 15));
    x->audit.created_at = db_col_int(st, 16);
    x->audit.created_by = arena_strdup(a, db_col_text(st, 17));
    x->audit.last_modified_at = db_col_int(st, 18);
    x->audit.last_modified_by = arena_strdup(a, db_col_text(st, 19));
}

int store_action_create(struct store *s, struct action *a, const char *actor, struct error *err)
{
    struct db_stmt *st = db_prepare(
        s->db,
        "INSERT INTO actions (target_id, ds_id, action_type, forced_time, weight, status, active,"
        " maintenance_schedule, maintenance_duration, maintenance_timezone, rollout_id,"
        " rollout_group_id, created_at, created_by, last_modified_at, last_modified_by)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?13, ?14)"
        " RETURNING id",
        err);
    if (!st)
        return -ERR_INTERNAL;
    int64_t now = time_now_ms();
    db_bind_int(st, 1, a->target_id);
    db_bind_int(st, 2, a->ds_id);
    db_bind_text(st, 3, a->action_type);
    db_bind_opt_int(st, 4, a->forced_time);
    /* hawkBit treats an action without a weight as weight 1000; storing that keeps
     * the poll's "highest weight, then oldest" order on the index. */
    db_bind_int(st, 5, a->weight >= 0 ? a->weight : 1000);
    db_bind_text(st, 6, a->status);
    db_bind_int(st, 7, a->active);
    db_bind_text(st, 8, a->maintenance_schedule);
    db_bind_text(st, 9, a->maintenance_duration);
    db_bind_text(st, 10, a->maintenance_timezone);
    db_bind_opt_int(st, 11, a->rollout_id);
    db_bind_opt_int(st, 12, a->rollout_group_id);
    db_bind_int(st, 13, now);
    db_bind_text(st, 14, actor);
    int rc = db_step(st, err);
    if (rc == DB_ROW) {
        a->id = db_col_int(st, 0);
        a->audit = (struct audit){now, now, actor, actor};
        rc = 0;
    }
    db_done(st);
    return rc < 0 ? rc : 0;
}

/* Steps st (bound) for one action row. */
static int get_one(struct db_stmt *st, int64_t action_id, struct arena *a, struct action *out,
                   struct error *err)
{
    int rc = db_step(st, err);
    if (rc == DB_ROW) {
        read_action(st, a, out);
        rc = 0;
    } else if (rc == DB_DONE) {
        rc = err_set(err, ERR_NOT_FOUND, "repo.entityNotFound",
                     "Action with given identifier {%lld} does not exist.", (long long)action_id);
    }
    db_done(st);
    return rc;
}

int store_action_get(struct store *s, int64_t target_id, int64_t action_id, struct arena *a,
                     struct action *out, struct error *err)
{
    struct db_stmt *st = db_prepare(s->db,
                                    "SELECT " ACTION_COLUMNS " FROM actions a"
                                    " JOIN targets t ON t.id = a.target_id"
                                    " WHERE a.id = ? AND a.target_id = ?",
                                    err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, action_id);
    db_bind_int(st, 2, target_id);
    return get_one(st, action_id, a, out, err);
}

int store_action_get_for_device(struct store *s, int64_t target_id, const char *controller_id,
                                int64_t action_id, struct arena *a, struct action *out,
                                struct error *err)
{
    /* The controller id as a parameter: no targets row to read. */
    struct db_stmt *st = db_prepare(
        s->db,
        "SELECT a.id, a.target_id, a.ds_id, CAST(? AS TEXT), " ACTION_COLUMNS_AFTER_CONTROLLER_ID
        " FROM actions a WHERE a.id = ? AND a.target_id = ?",
        err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_text(st, 1, controller_id);
    db_bind_int(st, 2, action_id);
    db_bind_int(st, 3, target_id);
    return get_one(st, action_id, a, out, err);
}

/* Collects every row of st as actions, growing the array as needed. */
static int collect_actions(struct db_stmt *st, struct arena *a, size_t cap, struct action **items,
                           size_t *count, struct error *err)
{
    *items = arena_alloc(a, sizeof(**items) * cap);
    *count = 0;
    int rc;
    while ((rc = db_step(st, err)) == DB_ROW) {
        if (*count == cap) {
            struct action *grown = arena_alloc(a, sizeof(**items) * cap * 2);
            memcpy(grown, *items, sizeof(**items) * cap);
            *items = grown;
            cap *= 2;
        }
        read_action(st, a, &(*items)[(*count)++]);
    }
    db_done(st);
    return rc < 0 ? rc : 0;
}

static void read_action_item(struct db_stmt *st, struct arena *a, void *item)
{
    read_action(st, a, item);
}

int store_action_list_for_target(struct store *s, int64_t target_id, const struct list_query *q,
                                 struct arena *a, struct action **items, size_t *count,
                                 int64_t *total, struct error *err)
{
    return listing_page(s->db, ACTION_COLUMNS,
                        "actions a JOIN targets t ON t.id = a.target_id WHERE a.target_id = ?",
                        target_id, action_sort_fields, action_filter_fields, "a.id DESC", q, a,
                        sizeof(**items), read_action_item, (void **)items, count, total, err);
}

int store_action_list_active(struct store *s, int64_t target_id, struct arena *a,
                             struct action **items, size_t *count, struct error *err)
{
    struct db_stmt *st = db_prepare(s->db,
                                    "SELECT " ACTION_COLUMNS " FROM actions a"
                                    " JOIN targets t ON t.id = a.target_id"
                                    " WHERE a.target_id = ? AND a.active = 1 ORDER BY a.id",
                                    err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, target_id);
    return collect_actions(st, a, 4, items, count, err);
}

int store_action_set_status(struct store *s, int64_t action_id, const char *status, bool active,
                            const char *actor, struct error *err)
{
    struct db_stmt *st = db_prepare(s->db,
                                    "UPDATE actions SET status = ?, active = ?,"
                                    " last_modified_at = ?, last_modified_by = ? WHERE id = ?",
                                    err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_text(st, 1, status);
    db_bind_int(st, 2, active);
    db_bind_int(st, 3, time_now_ms());
    db_bind_text(st, 4, actor);
    db_bind_int(st, 5, action_id);
    return db_run(st, err);
}

int store_action_force(struct store *s, int64_t action_id, const char *actor, struct error *err)
{
    struct db_stmt *st = db_prepare(s->db,
                                    "UPDATE actions SET action_type = 'forced', forced_time = NULL,"
                                    " last_modified_at = ?, last_modified_by = ? WHERE id = ?",
                                    err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, time_now_ms());
    db_bind_text(st, 2, actor);
    db_bind_int(st, 3, action_id);
    return db_run(st, err);
}

int store_action_status_add(struct store *s, int64_t action_id, const char *status, int64_t code,
                            const char *messages_json, int64_t occurred_at, struct error *err)
{
    struct db_stmt *st =
        db_prepare(s->db,
                   "INSERT INTO action_statuses (action_id, status, code, messages, occurred_at,"
                   " reported_at) VALUES (?, ?, ?, ?, ?, ?)",
                   err);
    if (!st)
        return -ERR_INTERNAL;
    int64_t now = time_now_ms();
    db_bind_int(st, 1, action_id);
    db_bind_text(st, 2, status);
    if (code == ACTION_STATUS_NO_CODE)
        db_bind_null(st, 3);
    else
        db_bind_int(st, 3, code);
    db_bind_text(st, 4, messages_json ? messages_json : "[]");
    db_bind_int(st, 5, occurred_at >= 0 ? occurred_at : now);
    db_bind_int(st, 6, now);
    int rc = db_run(st, err);
    if (rc < 0 || code == ACTION_STATUS_NO_CODE)
        return rc;
    st = db_prepare(s->db, "UPDATE actions SET last_status_code = ? WHERE id = ?", err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, code);
    db_bind_int(st, 2, action_id);
    return db_run(st, err);
}

static void read_status_item(struct db_stmt *st, struct arena *a, void *item)
{
    struct action_status *x = item;
    x->id = db_col_int(st, 0);
    x->action_id = db_col_int(st, 1);
    x->status = arena_strdup(a, db_col_text(st, 2));
    x->code = db_col_is_null(st, 3) ? ACTION_STATUS_NO_CODE : db_col_int(st, 3);
    x->messages_json = arena_strdup(a, db_col_text(st, 4));
    x->occurred_at = db_col_int(st, 5);
    x->reported_at = db_col_int(st, 6);
}

int store_action_status_list(struct store *s, int64_t action_id, const struct list_query *q,
                             struct arena *a, struct action_status **items, size_t *count,
                             int64_t *total, struct error *err)
{
    return listing_page(s->db, "id, action_id, status, code, messages, occurred_at, reported_at",
                        "action_statuses WHERE action_id = ?", action_id, status_sort_fields,
                        status_filter_fields, "id DESC", q, a, sizeof(**items), read_status_item,
                        (void **)items, count, total, err);
}
