#include "store/target_store.h"

#include "store/db.h"
#include "store/listing.h"
#include "store/metadata_store.h"
#include "util/time.h"

#include <string.h>

/* The key and name of a target's type, as subqueries over the listing's row t. */
#define TARGET_TYPE_KEY "(SELECT tt.type_key FROM target_types tt WHERE tt.id = t.target_type_id)"
#define TARGET_TYPE_NAME "(SELECT tt.name FROM target_types tt WHERE tt.id = t.target_type_id)"

/* When and from where the target was last seen (store_controller_touch), kept apart
 * from the wide targets row. */
#define TARGET_ADDRESS "(SELECT ls.address FROM target_last_seen ls WHERE ls.target_id = t.id)"
#define TARGET_LAST_REQUEST_AT                                                                     \
    "(SELECT ls.last_request_at FROM target_last_seen ls WHERE ls.target_id = t.id)"

#define TARGET_COLUMNS                                                                             \
    "t.id, t.controller_id, t.name, t.description, t.security_token, " TARGET_ADDRESS ","          \
    " t.update_status, t.request_attributes, t.assigned_ds_id, t.installed_ds_id,"                 \
    " t.installed_at, " TARGET_LAST_REQUEST_AT ", t.target_type_id, t.created_at, t.created_by,"   \
    " t.last_modified_at, t.last_modified_by, t.auto_confirm_active,"                              \
    " " TARGET_TYPE_NAME

static const struct sort_field target_sort_fields[] = {
    {"id", "t.id"},
    {"controllerId", "t.controller_id"},
    {"name", "t.name"},
    {"description", "t.description"},
    {"updateStatus", "t.update_status"},
    {"createdAt", "t.created_at"},
    {"createdBy", "t.created_by"},
    {"lastModifiedAt", "t.last_modified_at"},
    {"lastModifiedBy", "t.last_modified_by"},
    {"lastControllerRequestAt", TARGET_LAST_REQUEST_AT},
    {"address", TARGET_ADDRESS},
    {"ipAddress", TARGET_ADDRESS},
    {NULL, NULL},
};

/* The names of a target's tags, for `tag` / `tag.name`. */
static const struct filter_map target_tags_map = {
    "(SELECT a.target_id AS owner_id, g.name AS tag_name FROM target_tag_assignments a"
    " JOIN target_tags g ON g.id = a.tag_id)",
    "owner_id", NULL, "tag_name"};

/* hawkBit's TargetFields (reference f.3); `id` is the controllerId. */
static const struct filter_map failed_rollout_map = {
    "(SELECT target_id, CAST(rollout_id AS TEXT) AS rollout FROM actions"
    " WHERE status = 'error' AND rollout_id IS NOT NULL)",
    "target_id", NULL, "rollout"};

static const struct filter_field target_filter_fields[] = {
    {"id", FILTER_TEXT, "t.controller_id", NULL},
    {"controllerid", FILTER_TEXT, "t.controller_id", NULL},
    {"name", FILTER_TEXT, "t.name", NULL},
    {"description", FILTER_TEXT, "t.description", NULL},
    {"updatestatus", FILTER_TEXT, "t.update_status", NULL},
    {"ipaddress", FILTER_TEXT, TARGET_ADDRESS, NULL},
    {"attribute", FILTER_MAP, "t.id", &filter_target_attributes},
    {"tag", FILTER_MAP, "t.id", &target_tags_map},
    {"tag.name", FILTER_MAP, "t.id", &target_tags_map},
    {"metadata", FILTER_MAP, "t.id", &filter_target_metadata},
    {"assignedds.name", FILTER_TEXT,
     "(SELECT d.name FROM distribution_sets d WHERE d.id = t.assigned_ds_id)", NULL},
    {"assignedds.version", FILTER_TEXT,
     "(SELECT d.version FROM distribution_sets d WHERE d.id = t.assigned_ds_id)", NULL},
    {"installedds.name", FILTER_TEXT,
     "(SELECT d.name FROM distribution_sets d WHERE d.id = t.installed_ds_id)", NULL},
    {"installedds.version", FILTER_TEXT,
     "(SELECT d.version FROM distribution_sets d WHERE d.id = t.installed_ds_id)", NULL},
    {"lastcontrollerrequestat", FILTER_INT, TARGET_LAST_REQUEST_AT, NULL},
    /* failedrollout==<id>: targets whose action of that rollout failed (rollout retry) */
    {"failedrollout", FILTER_MAP, "t.id", &failed_rollout_map},
    {"createdat", FILTER_INT, "t.created_at", NULL},
    {"createdby", FILTER_TEXT, "t.created_by", NULL},
    {"lastmodifiedat", FILTER_INT, "t.last_modified_at", NULL},
    {"lastmodifiedby", FILTER_TEXT, "t.last_modified_by", NULL},
    /* targettype.* (deprecated in HEAD) and HEAD's type.*, where a bare `type` is the key. */
    {"targettype.id", FILTER_INT, "t.target_type_id", NULL},
    {"targettype.key", FILTER_TEXT, TARGET_TYPE_KEY, NULL},
    {"targettype.name", FILTER_TEXT, TARGET_TYPE_NAME, NULL},
    {"type", FILTER_TEXT, TARGET_TYPE_KEY, NULL},
    {"type.id", FILTER_INT, "t.target_type_id", NULL},
    {"type.key", FILTER_TEXT, TARGET_TYPE_KEY, NULL},
    {"type.name", FILTER_TEXT, TARGET_TYPE_NAME, NULL},
    {NULL, 0, NULL, NULL},
};

static void read_target(struct db_stmt *st, struct arena *a, struct target *t)
{
    t->id = db_col_int(st, 0);
    t->controller_id = arena_strdup(a, db_col_text(st, 1));
    t->name = arena_strdup(a, db_col_text(st, 2));
    t->description = arena_strdup(a, db_col_text(st, 3));
    t->security_token = arena_strdup(a, db_col_text(st, 4));
    t->address = arena_strdup(a, db_col_text(st, 5));
    t->update_status = arena_strdup(a, db_col_text(st, 6));
    t->request_attributes = db_col_int(st, 7) != 0;
    t->assigned_ds_id = db_col_opt_int(st, 8);
    t->installed_ds_id = db_col_opt_int(st, 9);
    t->installed_at = db_col_opt_int(st, 10);
    t->last_request_at = db_col_opt_int(st, 11);
    t->target_type_id = db_col_opt_int(st, 12);
    t->audit.created_at = db_col_int(st, 13);
    t->audit.created_by = arena_strdup(a, db_col_text(st, 14));
    t->audit.last_modified_at = db_col_int(st, 15);
    t->audit.last_modified_by = arena_strdup(a, db_col_text(st, 16));
    t->auto_confirm_active = db_col_int(st, 17) != 0;
    t->target_type_name = arena_strdup(a, db_col_text(st, 18));
}

/* Sets the address a target was created or updated with (a device's own polls
 * replace it with the address they come from). */
static int set_address(struct store *s, int64_t target_id, const char *address, struct error *err)
{
    struct db_stmt *st =
        db_prepare(s->db,
                   "INSERT INTO target_last_seen (target_id, address) VALUES (?, ?)"
                   " ON CONFLICT (target_id) DO UPDATE SET address = excluded.address",
                   err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, target_id);
    db_bind_text(st, 2, address);
    return db_run(st, err);
}

/* Runs inside the caller's transaction. */
int store_target_create(struct store *s, struct target *t, const char *actor, struct error *err)
{
    struct db_stmt *st = db_prepare(
        s->db,
        "INSERT INTO targets (controller_id, name, description, security_token,"
        " update_status, request_attributes, created_at, created_by, last_modified_at,"
        " last_modified_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?7, ?8) RETURNING id",
        err);
    if (!st)
        return -ERR_INTERNAL;
    int64_t now = time_now_ms();
    db_bind_text(st, 1, t->controller_id);
    db_bind_text(st, 2, t->name);
    db_bind_text(st, 3, t->description);
    db_bind_text(st, 4, t->security_token);
    db_bind_text(st, 5, t->update_status ? t->update_status : TARGET_STATUS_UNKNOWN);
    db_bind_int(st, 6, t->request_attributes);
    db_bind_int(st, 7, now);
    db_bind_text(st, 8, actor);
    int rc = db_step(st, err);
    if (rc == DB_ROW) {
        t->id = db_col_int(st, 0);
        rc = 0;
    } else if (rc == -ERR_EXISTS) {
        err_set(err, ERR_EXISTS, "repo.entityAlreadyExists",
                "Target with controllerId %s already exists", t->controller_id);
    }
    db_done(st);
    if (rc == 0 && t->address)
        rc = set_address(s, t->id, t->address, err);
    if (rc == 0) {
        t->audit = (struct audit){now, now, actor, actor};
        if (!t->update_status)
            t->update_status = TARGET_STATUS_UNKNOWN;
        t->assigned_ds_id = t->installed_ds_id = t->installed_at = -1;
        t->last_request_at = t->target_type_id = -1;
        t->target_type_name = NULL;
    }
    return rc;
}

static int get_one(struct store *s, struct db_stmt *st, const char *what, struct arena *a,
                   struct target *out, struct error *err)
{
    int rc = db_step(st, err);
    if (rc == DB_ROW) {
        read_target(st, a, out);
        rc = 0;
    } else if (rc == DB_DONE) {
        rc = err_set(err, ERR_NOT_FOUND, "repo.entityNotFound",
                     "Target with given identifier {%s} does not exist.", what);
    }
    db_done(st);
    return rc;
}

int store_target_get(struct store *s, const char *controller_id, struct arena *a,
                     struct target *out, struct error *err)
{
    struct db_stmt *st = db_prepare(
        s->db, "SELECT " TARGET_COLUMNS " FROM targets t WHERE t.controller_id = ?", err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_text(st, 1, controller_id);
    return get_one(s, st, controller_id, a, out, err);
}

int store_target_get_by_id(struct store *s, int64_t id, struct arena *a, struct target *out,
                           struct error *err)
{
    struct db_stmt *st =
        db_prepare(s->db, "SELECT " TARGET_COLUMNS " FROM targets t WHERE t.id = ?", err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, id);
    return get_one(s, st, arena_sprintf(a, "%lld", (long long)id), a, out, err);
}

int store_target_update(struct store *s, const struct target *t, const char *actor,
                        struct error *err)
{
    struct db_stmt *st = db_prepare(
        s->db,
        "UPDATE targets SET name = ?, description = ?, security_token = ?,"
        " request_attributes = ?, last_modified_at = ?, last_modified_by = ? WHERE id = ?",
        err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_text(st, 1, t->name);
    db_bind_text(st, 2, t->description);
    db_bind_text(st, 3, t->security_token);
    db_bind_int(st, 4, t->request_attributes);
    db_bind_int(st, 5, time_now_ms());
    db_bind_text(st, 6, actor);
    db_bind_int(st, 7, t->id);
    int rc = db_run(st, err);
    if (rc == 0 && db_changes(s->db) == 0) /* deleted since the caller read it */
        return err_set(err, ERR_NOT_FOUND, "repo.entityNotFound",
                       "Target with given identifier {%s} does not exist.", t->controller_id);
    return rc < 0 || !t->address ? rc : set_address(s, t->id, t->address, err);
}

int store_target_set_state(struct store *s, int64_t target_id, const char *update_status,
                           int64_t assigned_ds_id, int64_t installed_ds_id, int64_t installed_at,
                           struct error *err)
{
    struct db_stmt *st =
        db_prepare(s->db,
                   "UPDATE targets SET update_status = ?, assigned_ds_id = ?, installed_ds_id = ?,"
                   " installed_at = COALESCE(?, installed_at) WHERE id = ?",
                   err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_text(st, 1, update_status);
    db_bind_opt_int(st, 2, assigned_ds_id);
    db_bind_opt_int(st, 3, installed_ds_id);
    db_bind_opt_int(st, 4, installed_at);
    db_bind_int(st, 5, target_id);
    return db_run(st, err);
}

int store_target_delete(struct store *s, const char *controller_id, struct error *err)
{
    struct db_stmt *st = db_prepare(s->db, "DELETE FROM targets WHERE controller_id = ?", err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_text(st, 1, controller_id);
    int rc = db_run(st, err);
    if (rc == 0 && db_changes(s->db) == 0)
        return err_set(err, ERR_NOT_FOUND, "repo.entityNotFound",
                       "Target with given identifier {%s} does not exist.", controller_id);
    return rc;
}

static void read_target_item(struct db_stmt *st, struct arena *a, void *item)
{
    read_target(st, a, item);
}

static int list_where(struct store *s, const char *from_where, int64_t bound_id,
                      const struct list_query *q, struct arena *a, struct target **items,
                      size_t *count, int64_t *total, struct error *err)
{
    return listing_page(s->db, TARGET_COLUMNS, from_where, bound_id, target_sort_fields,
                        target_filter_fields, "t.controller_id ASC", q, a, sizeof(**items),
                        read_target_item, (void **)items, count, total, err);
}

int store_target_list(struct store *s, const struct list_query *q, struct arena *a,
                      struct target **items, size_t *count, int64_t *total, struct error *err)
{
    return list_where(s, "targets t", -1, q, a, items, count, total, err);
}

int store_target_list_by_ds(struct store *s, int64_t ds_id, bool installed,
                            const struct list_query *q, struct arena *a, struct target **items,
                            size_t *count, int64_t *total, struct error *err)
{
    return list_where(s,
                      installed ? "targets t WHERE t.installed_ds_id = ?"
                                : "targets t WHERE t.assigned_ds_id = ?",
                      ds_id, q, a, items, count, total, err);
}

int store_target_list_by_tag(struct store *s, int64_t tag_id, const struct list_query *q,
                             struct arena *a, struct target **items, size_t *count, int64_t *total,
                             struct error *err)
{
    return list_where(s,
                      "targets t WHERE t.id IN (SELECT target_id FROM target_tag_assignments"
                      " WHERE tag_id = ?)",
                      tag_id, q, a, items, count, total, err);
}

int store_target_list_by_group(struct store *s, int64_t group_id, const struct list_query *q,
                               struct arena *a, struct target **items, size_t *count,
                               int64_t *total, struct error *err)
{
    return list_where(s,
                      "targets t WHERE t.id IN (SELECT x.target_id FROM rollout_group_targets x"
                      " WHERE x.group_id = ?)",
                      group_id, q, a, items, count, total, err);
}

int store_target_attributes(struct store *s, int64_t target_id, struct arena *a,
                            struct attribute **items, size_t *count, struct error *err)
{
    struct db_stmt *st = db_prepare(s->db,
                                    "SELECT attr_key, attr_value FROM target_attributes"
                                    " WHERE target_id = ? ORDER BY attr_key",
                                    err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, target_id);
    size_t cap = 16;
    *items = arena_alloc(a, sizeof(**items) * cap);
    *count = 0;
    int rc;
    while ((rc = db_step(st, err)) == DB_ROW) {
        if (*count == cap) {
            struct attribute *grown = arena_alloc(a, sizeof(**items) * cap * 2);
            memcpy(grown, *items, sizeof(**items) * cap);
            *items = grown;
            cap *= 2;
        }
        (*items)[*count].key = arena_strdup(a, db_col_text(st, 0));
        (*items)[*count].value = arena_strdup(a, db_col_text(st, 1));
        (*count)++;
    }
    db_done(st);
    return rc < 0 ? rc : 0;
}

int store_target_compile_query(const char *q, int64_t overdue_ts, struct arena *a,
                               struct filter_sql *f, struct error *err)
{
    return filter_compile(q, target_filter_fields, overdue_ts, a, f, err);
}

int store_target_query_check(const char *q, struct error *err)
{
    struct arena a;
    arena_init(&a);
    struct filter_sql compiled;
    /* Any positive time lets ${OVERDUE_TS} through: only the query is checked. */
    int rc = filter_compile(q ? q : "", target_filter_fields, 1, &a, &compiled, err);
    arena_free(&a);
    return rc;
}

int store_target_auto_assign_candidates(struct store *s, const char *q, int64_t overdue_ts,
                                        int64_t ds_id, size_t limit, struct arena *a,
                                        const char ***ids, size_t *count, struct error *err)
{
    struct filter_sql f;
    *ids = NULL;
    *count = 0;
    int rc = filter_compile(q, target_filter_fields, overdue_ts, a, &f, err);
    if (rc < 0)
        return rc;
    const char *sql = arena_sprintf(a,
                                    "SELECT t.controller_id FROM targets t WHERE %s AND NOT EXISTS"
                                    " (SELECT 1 FROM actions x WHERE x.target_id = t.id AND"
                                    " x.ds_id = ?) AND (t.target_type_id IS NULL OR EXISTS"
                                    " (SELECT 1 FROM target_type_ds_types c JOIN"
                                    " distribution_sets d ON d.type_id = c.ds_type_id WHERE"
                                    " c.target_type_id = t.target_type_id AND d.id = ?))"
                                    " ORDER BY t.id LIMIT %zu",
                                    f.sql, limit);
    struct db_stmt *st = db_prepare_temp(s->db, sql, err);
    if (!st)
        return -ERR_INTERNAL;
    /* the filter's parameters come first in the text, then the set twice */
    int idx = filter_bind(st, 1, &f);
    db_bind_int(st, idx, ds_id);
    db_bind_int(st, idx + 1, ds_id);
    *ids = arena_alloc(a, sizeof(char *) * (limit ? limit : 1));
    while (*count < limit && (rc = db_step(st, err)) == DB_ROW)
        (*ids)[(*count)++] = arena_strdup(a, db_col_text(st, 0));
    db_done(st);
    return rc < 0 ? rc : 0;
}
