#include "store/controller_store.h"

#include "store/db.h"
#include "util/time.h"

#include <string.h>

/* The exposed action is picked by the index actions(target_id, active, weight DESC,
 * id); the installed action is the newest finished action of the installed set. */
static const char view_sql[] =
    "SELECT t.id, t.controller_id, t.security_token, t.update_status, t.request_attributes,"
    " t.auto_confirm_active, t.assigned_ds_id, t.installed_ds_id,"
    " (SELECT MAX(f.id) FROM actions f WHERE f.target_id = t.id AND f.active = 0"
    "   AND f.status = 'finished' AND f.ds_id = t.installed_ds_id),"
    " a.id, a.ds_id, a.action_type, a.status, a.forced_time, a.weight,"
    " a.maintenance_schedule, a.maintenance_duration, a.maintenance_timezone,"
    " a.created_at, a.last_modified_at"
    " FROM targets t LEFT JOIN actions a ON a.id = (SELECT x.id FROM actions x"
    "   WHERE x.target_id = t.id AND x.active = 1 ORDER BY x.weight DESC, x.id LIMIT 1)"
    " WHERE t.controller_id = ?";

static void read_view(struct db_stmt *st, struct arena *a, struct controller_view *v)
{
    memset(v, 0, sizeof(*v));
    v->target_id = db_col_int(st, 0);
    v->controller_id = arena_strdup(a, db_col_text(st, 1));
    v->security_token = arena_strdup(a, db_col_text(st, 2));
    v->update_status = arena_strdup(a, db_col_text(st, 3));
    v->request_attributes = db_col_int(st, 4) != 0;
    v->auto_confirm = db_col_int(st, 5) != 0;
    v->assigned_ds_id = db_col_opt_int(st, 6);
    v->installed_ds_id = db_col_opt_int(st, 7);
    v->installed_action_id = db_col_opt_int(st, 8);
    struct action *x = &v->action;
    x->id = db_col_opt_int(st, 9);
    x->rollout_id = x->rollout_group_id = -1;
    x->last_status_code = ACTION_STATUS_NO_CODE;
    if (x->id < 0)
        return;
    x->target_id = v->target_id;
    x->controller_id = v->controller_id;
    x->ds_id = db_col_int(st, 10);
    x->action_type = arena_strdup(a, db_col_text(st, 11));
    x->status = arena_strdup(a, db_col_text(st, 12));
    x->active = true;
    x->forced_time = db_col_opt_int(st, 13);
    x->weight = db_col_opt_int(st, 14);
    x->maintenance_schedule = arena_strdup(a, db_col_text(st, 15));
    x->maintenance_duration = arena_strdup(a, db_col_text(st, 16));
    x->maintenance_timezone = arena_strdup(a, db_col_text(st, 17));
    x->audit.created_at = db_col_int(st, 18);
    x->audit.last_modified_at = db_col_int(st, 19);
}

int store_controller_view(struct store *s, const char *controller_id, struct arena *a,
                          struct controller_view *out, struct error *err)
{
    struct db_stmt *st = db_prepare(s->db, view_sql, err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_text(st, 1, controller_id);
    int rc = db_step(st, err);
    if (rc == DB_ROW) {
        read_view(st, a, out);
        rc = 0;
    } else if (rc == DB_DONE) {
        rc = err_set(err, ERR_NOT_FOUND, "repo.entityNotFound",
                     "Target with given identifier {%.256s} does not exist.", controller_id);
    }
    db_done(st);
    return rc;
}

/* Runs sql with ?1 = the record's target id, ?2 = its time, ?3 = its address. */
static int run_record(struct store *s, const char *sql, const struct last_seen *item,
                      struct error *err)
{
    struct db_stmt *st = db_prepare(s->db, sql, err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, item->target_id);
    db_bind_int(st, 2, item->at_ms);
    db_bind_text(st, 3, item->address[0] ? item->address : NULL);
    return db_run(st, err);
}

/* A newer record replaces time and address; an older one (another server's buffer,
 * flushed late) changes nothing. A target's first record inserts its row, unless the
 * target was deleted since it polled. A first contact's targets row is written first:
 * rows are locked in the order a target's deletion (cascading) locks them. */
static int touch_one(struct store *s, const struct last_seen *item, struct error *err)
{
    if (item->first_contact) {
        struct db_stmt *st = db_prepare(s->db,
                                        "UPDATE targets SET update_status = 'registered',"
                                        " last_modified_at = ?1 WHERE id = ?2"
                                        " AND update_status = 'unknown'",
                                        err);
        if (!st)
            return -ERR_INTERNAL;
        db_bind_int(st, 1, item->at_ms);
        db_bind_int(st, 2, item->target_id);
        int rc = db_run(st, err);
        if (rc < 0)
            return rc;
    }
    int rc = run_record(s,
                        "UPDATE target_last_seen SET last_request_at = CASE"
                        " WHEN last_request_at > ?2 THEN last_request_at ELSE ?2 END,"
                        " address = CASE WHEN last_request_at > ?2 THEN address"
                        " ELSE COALESCE(?3, address) END WHERE target_id = ?1",
                        item, err);
    if (rc == 0 && db_changes(s->db) == 0)
        rc = run_record(s,
                        "INSERT INTO target_last_seen (target_id, last_request_at, address)"
                        " SELECT ?1, ?2, ?3 WHERE EXISTS (SELECT 1 FROM targets WHERE id = ?1)",
                        item, err);
    return rc;
}

static int touch(struct store *s, const struct last_seen *items, size_t n, struct error *err)
{
    int rc = store_begin(s, err);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = touch_one(s, &items[i], err);
    if (rc < 0) {
        store_rollback(s);
        return rc;
    }
    return store_commit(s, err);
}

int store_controller_touch(struct store *s, const struct last_seen *items, size_t n,
                           struct error *err)
{
    if (n == 0)
        return 0;
    /* Last-seen times change nothing a device is told: device caches stay valid. */
    db_track_changes(s->db, false);
    int rc = touch(s, items, n, err);
    db_track_changes(s->db, true);
    return rc;
}

/* Runs sql with ?1 = value and ?2 = target id. */
static int update_target(struct store *s, const char *sql, int64_t value, int64_t target_id,
                         struct error *err)
{
    struct db_stmt *st = db_prepare(s->db, sql, err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, value);
    db_bind_int(st, 2, target_id);
    return db_run(st, err);
}

int store_controller_request_attributes(struct store *s, int64_t target_id, bool on,
                                        struct error *err)
{
    return update_target(s, "UPDATE targets SET request_attributes = ?1 WHERE id = ?2", on,
                         target_id, err);
}

static int delete_attribute(struct store *s, int64_t target_id, const char *key, struct error *err)
{
    struct db_stmt *st = db_prepare(
        s->db, "DELETE FROM target_attributes WHERE target_id = ? AND attr_key = ?", err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, target_id);
    db_bind_text(st, 2, key);
    return db_run(st, err);
}

static int upsert_attribute(struct store *s, int64_t target_id, const struct attribute *at,
                            struct error *err)
{
    struct db_stmt *st = db_prepare(
        s->db,
        "INSERT INTO target_attributes (target_id, attr_key, attr_value) VALUES (?, ?, ?)"
        " ON CONFLICT (target_id, attr_key) DO UPDATE SET attr_value = excluded.attr_value",
        err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, target_id);
    db_bind_text(st, 2, at->key);
    db_bind_text(st, 3, at->value);
    return db_run(st, err);
}

static int count_attributes(struct store *s, int64_t target_id, int64_t *total, struct error *err)
{
    struct db_stmt *st =
        db_prepare(s->db, "SELECT COUNT(*) FROM target_attributes WHERE target_id = ?", err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, target_id);
    int rc = db_step(st, err);
    *total = rc == DB_ROW ? db_col_int(st, 0) : 0;
    db_done(st);
    return rc < 0 ? rc : 0;
}

int store_controller_attributes(struct store *s, int64_t target_id, enum attributes_mode mode,
                                const struct attribute *items, size_t n, int64_t *total,
                                struct error *err)
{
    int rc = 0;
    if (mode == ATTRIBUTES_REPLACE) {
        struct db_stmt *st =
            db_prepare(s->db, "DELETE FROM target_attributes WHERE target_id = ?", err);
        if (!st)
            return -ERR_INTERNAL;
        db_bind_int(st, 1, target_id);
        rc = db_run(st, err);
    }
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (mode == ATTRIBUTES_REMOVE || !items[i].value)
            rc = delete_attribute(s, target_id, items[i].key, err);
        else
            rc = upsert_attribute(s, target_id, &items[i], err);
    }
    return rc < 0 ? rc : count_attributes(s, target_id, total, err);
}

int store_controller_auto_confirm(struct store *s, int64_t target_id, bool active,
                                  const char *initiator, const char *remark, struct error *err)
{
    struct db_stmt *st =
        db_prepare(s->db,
                   "UPDATE targets SET auto_confirm_active = ?, auto_confirm_initiator = ?,"
                   " auto_confirm_remark = ?, auto_confirm_at = ? WHERE id = ?",
                   err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, active);
    db_bind_text(st, 2, active ? initiator : NULL);
    db_bind_text(st, 3, active ? remark : NULL);
    db_bind_opt_int(st, 4, active ? time_now_ms() : -1);
    db_bind_int(st, 5, target_id);
    return db_run(st, err);
}

int store_controller_get_auto_confirm(struct store *s, int64_t target_id, struct arena *a,
                                      struct auto_confirm *out, struct error *err)
{
    struct db_stmt *st = db_prepare(s->db,
                                    "SELECT auto_confirm_active, auto_confirm_initiator,"
                                    " auto_confirm_remark, auto_confirm_at FROM targets"
                                    " WHERE id = ?",
                                    err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, target_id);
    int rc = db_step(st, err);
    memset(out, 0, sizeof(*out));
    out->activated_at = -1;
    if (rc == DB_ROW) {
        out->active = db_col_int(st, 0) != 0;
        out->initiator = arena_strdup(a, db_col_text(st, 1));
        out->remark = arena_strdup(a, db_col_text(st, 2));
        out->activated_at = db_col_opt_int(st, 3);
        rc = 0;
    } else if (rc == DB_DONE) {
        rc = err_set(err, ERR_NOT_FOUND, "repo.entityNotFound", "Target does not exist.");
    }
    db_done(st);
    return rc;
}

int store_controller_messages(struct store *s, int64_t action_id, int64_t limit, struct arena *a,
                              const char ***items, size_t *count, struct error *err)
{
    /* The string elements of the stored JSON arrays; the JSON functions differ. */
    struct db_stmt *st =
        db_prepare(s->db,
                   db_dialect(s->db) == DB_POSTGRES
                       ? "SELECT j.elem #>> '{}' FROM action_statuses s,"
                         " json_array_elements(s.messages::json) WITH ORDINALITY AS j(elem, id)"
                         " WHERE s.action_id = ? AND json_typeof(j.elem) = 'string'"
                         " AND LOWER(j.elem #>> '{}') NOT LIKE 'update server: %'"
                         " ORDER BY s.id DESC, j.id LIMIT ?"
                       : "SELECT j.value FROM action_statuses s, json_each(s.messages) j"
                         " WHERE s.action_id = ? AND j.type = 'text'"
                         " AND LOWER(j.value) NOT LIKE 'update server: %'"
                         " ORDER BY s.id DESC, j.id LIMIT ?",
                   err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, action_id);
    db_bind_int(st, 2, limit);
    *items = arena_alloc(a, sizeof(**items) * (size_t)(limit > 0 ? limit : 1));
    *count = 0;
    int rc;
    while ((rc = db_step(st, err)) == DB_ROW && (int64_t)*count < limit)
        (*items)[(*count)++] = arena_strdup(a, db_col_text(st, 0));
    db_done(st);
    return rc < 0 ? rc : 0;
}

int store_controller_last_status(struct store *s, int64_t action_id, struct arena *a,
                                 const char **status, struct error *err)
{
    struct db_stmt *st = db_prepare(
        s->db, "SELECT status FROM action_statuses WHERE action_id = ? ORDER BY id DESC LIMIT 1",
        err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, action_id);
    int rc = db_step(st, err);
    *status = rc == DB_ROW ? arena_strdup(a, db_col_text(st, 0)) : NULL;
    db_done(st);
    return rc < 0 ? rc : 0;
}

int store_controller_status_count(struct store *s, int64_t action_id, int64_t *count,
                                  struct error *err)
{
    struct db_stmt *st =
        db_prepare(s->db, "SELECT COUNT(*) FROM action_statuses WHERE action_id = ?", err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, action_id);
    int rc = db_step(st, err);
    *count = rc == DB_ROW ? db_col_int(st, 0) : 0;
    db_done(st);
    return rc < 0 ? rc : 0;
}

int store_controller_module_access(struct store *s, int64_t target_id, int64_t sm_id,
                                   bool or_installed, int64_t *action_id, struct error *err)
{
    struct db_stmt *st = db_prepare(
        s->db,
        "SELECT a.id FROM actions a JOIN ds_modules m ON m.ds_id = a.ds_id"
        " WHERE a.target_id = ?1 AND a.active = 1 AND m.sm_id = ?2"
        "   AND a.status NOT IN ('canceling', 'canceled', 'wait_for_confirmation')"
        " UNION ALL SELECT 0 FROM targets t JOIN ds_modules m ON m.ds_id = t.installed_ds_id"
        " WHERE ?3 <> 0 AND t.id = ?1 AND m.sm_id = ?2"
        " ORDER BY 1 DESC LIMIT 1",
        err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, target_id);
    db_bind_int(st, 2, sm_id);
    db_bind_int(st, 3, or_installed);
    int rc = db_step(st, err);
    if (rc == DB_ROW) {
        *action_id = db_col_int(st, 0);
        rc = 0;
    } else if (rc == DB_DONE) {
        rc = err_set(err, ERR_NOT_FOUND, "repo.entityNotFound",
                     "Software module {%lld} is not assigned to this target", (long long)sm_id);
    }
    db_done(st);
    return rc;
}
