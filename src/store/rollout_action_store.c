/* The set-based action writes of rollouts: creating a rollout's scheduled actions,
 * starting a group, and counting actions per status. One statement per step, never
 * a loop over targets, so a group of 100k targets starts in a handful of queries. */
#include "store/db.h"
#include "store/rollout_store.h"
#include "util/time.h"

#include <string.h>

/* Runs sql binding ?1 .. ?n from ints (NULL texts are written inline by callers). */
static int run_ints(struct store *s, const char *sql, const int64_t *v, int n, struct error *err)
{
    struct db_stmt *st = db_prepare(s->db, sql, err);
    if (!st)
        return -ERR_INTERNAL;
    for (int i = 0; i < n; i++)
        db_bind_int(st, i + 1, v[i]);
    return db_run(st, err);
}

/* hawkBit d.2: starting a rollout cancels the not-yet-started actions other
 * rollouts scheduled for the same targets. */
static int cancel_other_scheduled(struct store *s, int64_t rollout_id, int64_t now,
                                  struct error *err)
{
    const int64_t v[] = {rollout_id, now};
    int rc = run_ints(s,
                      "INSERT INTO action_statuses (action_id, status, messages, occurred_at,"
                      " reported_at) SELECT a.id, 'canceled', '[\"Update Server: canceled by a"
                      " newer rollout\"]', ?2, ?2 FROM actions a WHERE a.status = 'scheduled'"
                      " AND a.active = 0 AND a.rollout_id <> ?1 AND a.target_id IN (SELECT"
                      " x.target_id FROM rollout_group_targets x JOIN rollout_groups g ON"
                      " g.id = x.group_id WHERE g.rollout_id = ?1)",
                      v, 2, err);
    if (rc < 0)
        return rc;
    return run_ints(s,
                    "UPDATE actions SET status = 'canceled', last_modified_at = ?2"
                    " WHERE status = 'scheduled' AND active = 0 AND rollout_id <> ?1"
                    " AND target_id IN (SELECT x.target_id FROM rollout_group_targets x JOIN"
                    " rollout_groups g ON g.id = x.group_id WHERE g.rollout_id = ?1)",
                    v, 2, err);
}

/* Inserts one inactive `scheduled` action (and its first status entry) per target
 * of the rollout's groups that has none yet: every group at start, or one group
 * (group_id >= 0) after a dynamic group took in new targets. */
static int insert_scheduled_actions(struct store *s, const struct rollout *r, int64_t group_id,
                                    const char *actor, struct error *err)
{
    /* The NOT EXISTS probe goes through actions(target_id, ...) so that it stays
     * cheap for a dynamic group; at start no action of the rollout exists yet. */
    const char *sql =
        group_id < 0
            ? "INSERT INTO actions (target_id, ds_id, action_type, forced_time, weight, status,"
              " active, maintenance_schedule, maintenance_duration, maintenance_timezone,"
              " rollout_id, rollout_group_id, created_at, created_by, last_modified_at,"
              " last_modified_by)"
              " SELECT x.target_id, ?1, ?2, ?3, ?4, 'scheduled', 0, ?8, ?9, ?10, ?5, x.group_id,"
              " ?6, ?7, ?6, ?7 FROM rollout_group_targets x JOIN rollout_groups g ON"
              " g.id = x.group_id WHERE g.rollout_id = ?5"
              " ORDER BY g.position, x.target_id"
            : "INSERT INTO actions (target_id, ds_id, action_type, forced_time, weight, status,"
              " active, maintenance_schedule, maintenance_duration, maintenance_timezone,"
              " rollout_id, rollout_group_id, created_at, created_by, last_modified_at,"
              " last_modified_by)"
              " SELECT x.target_id, ?1, ?2, ?3, ?4, 'scheduled', 0, ?8, ?9, ?10, ?5, x.group_id,"
              " ?6, ?7, ?6, ?7 FROM rollout_group_targets x WHERE x.group_id = ?11"
              " AND NOT EXISTS (SELECT 1 FROM actions a WHERE a.target_id = x.target_id"
              " AND a.rollout_group_id = ?11) ORDER BY x.target_id";
    struct db_stmt *st = db_prepare(s->db, sql, err);
    if (!st)
        return -ERR_INTERNAL;
    int64_t now = time_now_ms();
    db_bind_int(st, 1, r->ds_id);
    db_bind_text(st, 2, r->action_type);
    db_bind_opt_int(st, 3, r->forced_time);
    db_bind_int(st, 4, r->weight);
    db_bind_int(st, 5, r->id);
    db_bind_int(st, 6, now);
    db_bind_text(st, 7, actor);
    db_bind_text(st, 8, r->maintenance_schedule);
    db_bind_text(st, 9, r->maintenance_duration);
    db_bind_text(st, 10, r->maintenance_timezone);
    if (group_id >= 0)
        db_bind_int(st, 11, group_id);
    int rc = db_run(st, err);
    if (rc < 0)
        return rc;
    const int64_t v[] = {group_id < 0 ? r->id : group_id, now};
    return run_ints(s,
                    group_id < 0 ? "INSERT INTO action_statuses (action_id, status, messages,"
                                   " occurred_at, reported_at) SELECT id, 'scheduled', '[\"Update"
                                   " Server: Scheduled by rollout\"]', ?2, ?2 FROM actions"
                                   " WHERE rollout_id = ?1"
                                 : "INSERT INTO action_statuses (action_id, status, messages,"
                                   " occurred_at, reported_at) SELECT id, 'scheduled', '[\"Update"
                                   " Server: Scheduled by rollout\"]', ?2, ?2 FROM actions"
                                   " WHERE rollout_group_id = ?1 AND status = 'scheduled'",
                    v, 2, err);
}

int store_rollout_create_actions(struct store *s, const struct rollout *r, const char *actor,
                                 struct error *err)
{
    int rc = cancel_other_scheduled(s, r->id, time_now_ms(), err);
    return rc < 0 ? rc : insert_scheduled_actions(s, r, -1, actor, err);
}

int store_rollout_create_group_actions(struct store *s, const struct rollout *r, int64_t group_id,
                                       const char *actor, struct error *err)
{
    return insert_scheduled_actions(s, r, group_id, actor, err);
}

/* The other open actions of the group's targets move to canceling, except those of
 * a required migration step. */
static int supersede(struct store *s, int64_t group_id, int64_t now, struct error *err)
{
    const int64_t v[] = {group_id, now};
    int rc = run_ints(s,
                      "INSERT INTO action_statuses (action_id, status, messages, occurred_at,"
                      " reported_at) SELECT a.id, 'canceling', '[\"Update Server: cancel"
                      " obsolete action due to new update\"]', ?2, ?2"
                      " FROM actions a WHERE a.active = 1 AND a.status <> 'canceling'"
                      " AND a.target_id IN (SELECT target_id FROM rollout_group_targets"
                      " WHERE group_id = ?1)"
                      " AND (a.rollout_group_id IS NULL OR a.rollout_group_id <> ?1)"
                      " AND NOT EXISTS (SELECT 1 FROM distribution_sets d WHERE d.id = a.ds_id"
                      " AND d.required_migration_step = 1)",
                      v, 2, err);
    if (rc < 0)
        return rc;
    return run_ints(s,
                    "UPDATE actions SET status = 'canceling', last_modified_at = ?2"
                    " WHERE active = 1 AND status <> 'canceling'"
                    " AND target_id IN (SELECT target_id FROM rollout_group_targets"
                    " WHERE group_id = ?1)"
                    " AND (rollout_group_id IS NULL OR rollout_group_id <> ?1)"
                    " AND NOT EXISTS (SELECT 1 FROM distribution_sets d"
                    " WHERE d.id = actions.ds_id AND d.required_migration_step = 1)",
                    v, 2, err);
}

int store_rollout_start_group(struct store *s, const struct rollout *r,
                              const struct rollout_group *g, bool wait_for_confirmation,
                              const char *actor, struct error *err)
{
    int64_t now = time_now_ms();
    const int64_t v[] = {g->id, now, r->ds_id};
    int rc = supersede(s, g->id, now, err);
    /* A target that already has the set assigned: nothing to do (hawkBit). */
    if (rc == 0)
        rc = run_ints(s,
                      "INSERT INTO action_statuses (action_id, status, messages, occurred_at,"
                      " reported_at) SELECT a.id, 'finished', '[\"Update Server: Distribution"
                      " Set is already assigned. Skipping this action.\"]', ?2, ?2 FROM actions a"
                      " JOIN targets t ON t.id = a.target_id WHERE a.rollout_group_id = ?1"
                      " AND a.status = 'scheduled' AND t.assigned_ds_id = ?3",
                      v, 3, err);
    if (rc == 0)
        rc = run_ints(s,
                      "UPDATE actions SET status = 'finished', active = 0, last_modified_at = ?2"
                      " WHERE rollout_group_id = ?1 AND status = 'scheduled' AND target_id IN"
                      " (SELECT id FROM targets WHERE assigned_ds_id = ?3)",
                      v, 3, err);
    const int64_t w[] = {g->id, now, wait_for_confirmation};
    if (rc == 0)
        rc = run_ints(s,
                      "INSERT INTO action_statuses (action_id, status, messages, occurred_at,"
                      " reported_at) SELECT a.id, CASE WHEN ?3 AND t.auto_confirm_active = 0"
                      " THEN 'wait_for_confirmation' ELSE 'running' END, '[\"Update Server:"
                      " Started by rollout\"]', ?2, ?2 FROM actions a JOIN targets t ON"
                      " t.id = a.target_id WHERE a.rollout_group_id = ?1 AND a.status ="
                      " 'scheduled'",
                      w, 3, err);
    if (rc == 0)
        rc = run_ints(s,
                      "UPDATE targets SET assigned_ds_id = ?3, update_status = 'pending'"
                      " WHERE id IN (SELECT target_id FROM actions WHERE rollout_group_id = ?1"
                      " AND status = 'scheduled')",
                      v, 3, err);
    if (rc == 0)
        rc = run_ints(s,
                      "UPDATE actions SET active = 1, last_modified_at = ?2, status = CASE WHEN ?3"
                      " AND (SELECT auto_confirm_active FROM targets t WHERE t.id ="
                      " actions.target_id) = 0 THEN 'wait_for_confirmation' ELSE 'running' END"
                      " WHERE rollout_group_id = ?1 AND status = 'scheduled'",
                      w, 3, err);
    (void)actor;
    return rc < 0 ? rc : store_rollout_group_set_status(s, g->id, "running", err);
}

int store_rollout_group_open_actions(struct store *s, int64_t group_id, int64_t *count,
                                     struct error *err)
{
    struct db_stmt *st = db_prepare(
        s->db, "SELECT COUNT(*) FROM actions WHERE rollout_group_id = ? AND active = 1", err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, group_id);
    int rc = db_step(st, err);
    *count = rc == DB_ROW ? db_col_int(st, 0) : 0;
    db_done(st);
    return rc < 0 ? rc : 0;
}

/* hawkBit's buckets (reference d.4); DOWNLOADED counts as finished for download-only
 * rollouts. Targets without an action yet are "notstarted". */
int store_rollout_counts(struct store *s, int64_t rollout_id, int64_t group_id,
                         struct rollout_counts *out, struct error *err)
{
    struct db_stmt *st = db_prepare(
        s->db,
        "SELECT"
        " SUM(a.status = 'scheduled'),"
        " SUM(a.status IN ('finished') OR (a.status = 'downloaded' AND a.action_type ="
        "     'downloadonly')),"
        " SUM(a.status = 'error'),"
        " SUM(a.status = 'canceled'),"
        " COUNT(a.id),"
        " (SELECT COUNT(*) FROM rollout_group_targets x JOIN rollout_groups g ON"
        "   g.id = x.group_id WHERE g.rollout_id = ?1 AND (?2 < 0 OR g.id = ?2))"
        " FROM actions a WHERE a.rollout_id = ?1 AND (?2 < 0 OR a.rollout_group_id = ?2)",
        err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, rollout_id);
    db_bind_int(st, 2, group_id);
    int rc = db_step(st, err);
    memset(out, 0, sizeof(*out));
    if (rc == DB_ROW) {
        out->scheduled = db_col_int(st, 0);
        out->finished = db_col_int(st, 1);
        out->error = db_col_int(st, 2);
        out->cancelled = db_col_int(st, 3);
        int64_t with_action = db_col_int(st, 4);
        out->running = with_action - out->scheduled - out->finished - out->error - out->cancelled;
        out->notstarted = db_col_int(st, 5) - with_action;
        if (out->notstarted < 0)
            out->notstarted = 0;
        rc = 0;
    }
    db_done(st);
    return rc < 0 ? rc : 0;
}

int store_rollout_cancel_scheduled(struct store *s, int64_t rollout_id, struct error *err)
{
    const int64_t v[] = {rollout_id, time_now_ms()};
    int rc = run_ints(s,
                      "INSERT INTO action_statuses (action_id, status, messages, occurred_at,"
                      " reported_at) SELECT id, 'canceled', '[\"Update Server: rollout aborted"
                      " on its error condition\"]', ?2, ?2 FROM actions WHERE rollout_id = ?1"
                      " AND status = 'scheduled'",
                      v, 2, err);
    if (rc == 0)
        rc = run_ints(s,
                      "UPDATE actions SET status = 'canceled', last_modified_at = ?2"
                      " WHERE rollout_id = ?1 AND status = 'scheduled'",
                      v, 2, err);
    if (rc == 0)
        rc = run_ints(s,
                      "UPDATE rollout_groups SET status = 'finished', last_modified_at = ?2"
                      " WHERE rollout_id = ?1 AND status = 'scheduled'",
                      v, 2, err);
    return rc;
}
