#include "core/deployment.h"

#include "core/maintenance.h"
#include "core/tenant_config.h"
#include "store/action_store.h"
#include "store/ds_store.h"
#include "store/target_store.h"
#include "store/target_type_store.h"
#include "util/json_writer.h"
#include "util/time.h"

#include <stdlib.h>
#include <string.h>

#define MAX_ASSIGNMENTS_PER_REQUEST 5000
#define DEFAULT_WEIGHT 1000

char *deployment_messages_json(struct arena *a, const char *const *messages, size_t n)
{
    struct jw w;
    jw_init(&w);
    jw_arr_begin(&w);
    for (size_t i = 0; i < n; i++)
        jw_str(&w, messages[i]);
    jw_arr_end(&w);
    char *out = jw_finish(&w, NULL);
    char *copy = arena_strdup(a, out ? out : "[]");
    free(out);
    return copy;
}

static int add_history(struct store *s, struct arena *a, int64_t action_id, const char *status,
                       const char *message, struct error *err)
{
    const char *msgs[] = {message};
    return store_action_status_add(s, action_id, status, ACTION_STATUS_NO_CODE,
                                   deployment_messages_json(a, msgs, 1), -1, err);
}

static bool valid_type(const char *type)
{
    return strcmp(type, "forced") == 0 || strcmp(type, "soft") == 0 ||
           strcmp(type, "timeforced") == 0 || strcmp(type, "downloadonly") == 0;
}

static int check_item(const struct assignment *it, struct error *err)
{
    const char *type = it->type ? it->type : "forced";
    if (!valid_type(type))
        return err_set(err, ERR_INVALID, "rest.body.notReadable",
                       "Invalid action type '%.32s' (forced, soft, timeforced, downloadonly)",
                       type);
    if (strcmp(type, "timeforced") == 0 && it->forcetime <= 0)
        return err_set(err, ERR_INVALID, "rest.body.notReadable",
                       "Action type timeforced needs a forcetime");
    if (it->weight != -1 && (it->weight < 0 || it->weight > 1000))
        return err_set(err, ERR_INVALID, "rest.body.notReadable",
                       "weight must be between 0 and 1000");
    return maintenance_check_optional(it->maintenance_schedule, it->maintenance_duration,
                                      it->maintenance_timezone, time_now_ms(), err);
}

/* Moves the target's open actions out of the way of a new assignment, except those
 * of a set that is a required migration step (reference e.1): they stay open and
 * are served first. */
static int supersede_open_actions(struct store *s, struct arena *a, int64_t target_id,
                                  bool autoclose, const char *actor, struct error *err)
{
    struct action *open;
    size_t n;
    if (store_action_list_active(s, target_id, a, &open, &n, err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        struct distribution_set ds;
        if (store_ds_get(s, open[i].ds_id, a, &ds, err) < 0)
            return -1;
        if (ds.required_migration_step ||
            (strcmp(open[i].status, ACTION_CANCELING) == 0 && !autoclose))
            continue;
        const char *status = autoclose ? ACTION_CANCELED : ACTION_CANCELING;
        if (store_action_set_status(s, open[i].id, status, !autoclose, actor, err) < 0 ||
            add_history(s, a, open[i].id, status,
                        "Update Server: cancel obsolete action due to new update", err) < 0)
            return -1;
    }
    return 0;
}

/* The first status of a new action: it waits for confirmation when the flow is on,
 * the assignment asks for it and the target does not confirm automatically. */
static const char *initial_status(struct store *s, const struct assignment *it,
                                  const struct target *t)
{
    if (it->confirmation_required && !t->auto_confirm_active &&
        tenant_config_bool(s, "user.confirmation.flow.enabled"))
        return ACTION_WAIT_FOR_CONFIRMATION;
    return ACTION_RUNNING;
}

/* Offline: the device already has the set; nothing is sent to it. */
static int assign_offline(struct store *s, struct arena *a, const struct assignment *it,
                          const struct target *t, const char *actor, int64_t *action_id,
                          struct error *err)
{
    struct action act = {
        .target_id = t->id,
        .ds_id = it->ds_id,
        .action_type = "forced",
        .forced_time = -1,
        .weight = DEFAULT_WEIGHT,
        .status = ACTION_FINISHED,
        .active = false,
        .rollout_id = -1,
        .rollout_group_id = -1,
    };
    if (store_action_create(s, &act, actor, err) < 0 ||
        add_history(s, a, act.id, ACTION_FINISHED,
                    arena_sprintf(a, "Update Server: Offline assignment by user '%s'", actor),
                    err) < 0 ||
        store_target_set_state(s, t->id, TARGET_STATUS_IN_SYNC, it->ds_id, it->ds_id, time_now_ms(),
                               err) < 0)
        return -1;
    *action_id = act.id;
    return 0;
}

static int assign_one(struct store *s, struct arena *a, const struct assignment *it,
                      const struct target *t, const char *actor, int64_t *action_id,
                      struct error *err)
{
    if (it->offline)
        return assign_offline(s, a, it, t, actor, action_id, err);
    const char *status = initial_status(s, it, t);
    if (supersede_open_actions(s, a, t->id,
                               tenant_config_bool(s, "repository.actions.autoclose.enabled"), actor,
                               err) < 0)
        return -1;
    struct action act = {
        .target_id = t->id,
        .ds_id = it->ds_id,
        .action_type = it->type ? it->type : "forced",
        .forced_time = it->type && strcmp(it->type, "timeforced") == 0 ? it->forcetime : -1,
        .weight = it->weight >= 0 ? it->weight : DEFAULT_WEIGHT,
        .status = status,
        .active = true,
        .maintenance_schedule = it->maintenance_schedule,
        .maintenance_duration = it->maintenance_duration,
        .maintenance_timezone = it->maintenance_timezone,
        .rollout_id = -1,
        .rollout_group_id = -1,
    };
    if (store_action_create(s, &act, actor, err) < 0 ||
        add_history(s, a, act.id, status,
                    arena_sprintf(a, "Update Server: Assignment initiated by user '%s'", actor),
                    err) < 0 ||
        store_target_set_state(s, t->id, TARGET_STATUS_PENDING, it->ds_id, t->installed_ds_id, -1,
                               err) < 0)
        return -1;
    *action_id = act.id;
    return 0;
}

/* Loads and checks the target and set of one item; false = skip (already assigned). */
static int load_item(struct store *s, struct arena *a, const struct assignment *it,
                     struct target *t, struct error *err)
{
    struct distribution_set ds;
    if (check_item(it, err) < 0 || store_target_get(s, it->controller_id, a, t, err) < 0 ||
        store_ds_get(s, it->ds_id, a, &ds, err) < 0)
        return -1;
    if (ds.deleted)
        return err_set(err, ERR_NOT_FOUND, "repo.entityNotFound",
                       "DistributionSet with given identifier {%lld} does not exist.",
                       (long long)it->ds_id);
    if (!ds.complete)
        return err_set(err, ERR_INVALID, "distributionset.incomplete",
                       "Distribution set of type %s is incomplete: a mandatory module is missing",
                       ds.type_key);
    if (!ds.valid)
        return err_set(err, ERR_INVALID, "distributionset.invalid",
                       "Distribution set %lld is invalidated", (long long)ds.id);
    if (t->target_type_id >= 0) {
        int accepts = store_target_type_accepts(s, t->target_type_id, ds.type_id, err);
        if (accepts < 0)
            return accepts;
        if (!accepts)
            return err_set(err, ERR_INVALID, "target.type.incompatible",
                           "Target of type %s is not compatible with distribution set of type %s",
                           t->target_type_name ? t->target_type_name : "?", ds.type_key);
    }
    return t->assigned_ds_id == it->ds_id ? 0 : 1;
}

static int check_duplicates(const struct assignment *items, size_t n, struct error *err)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if (strcmp(items[i].controller_id, items[j].controller_id) == 0)
                return err_set(err, ERR_INVALID, "multiAssignmentNotEnabled",
                               "Target %.128s appears more than once; multi-assignment is not "
                               "enabled",
                               items[i].controller_id);
    return 0;
}

int deployment_assign(struct store *s, const struct assignment *items, size_t n, const char *actor,
                      struct arena *a, struct assignment_outcome *out, struct error *err)
{
    memset(out, 0, sizeof(*out));
    if (n > MAX_ASSIGNMENTS_PER_REQUEST)
        return err_set(err, ERR_QUOTA, "quota.tooManyEntries", "At most %d assignments per request",
                       MAX_ASSIGNMENTS_PER_REQUEST);
    if (check_duplicates(items, n, err) < 0)
        return -ERR_INVALID;
    out->actions = arena_alloc(a, sizeof(*out->actions) * (n ? n : 1));
    if (store_begin(s, err) < 0)
        return -1;
    bool lock = tenant_config_bool(s, "implicit.lock.enabled");
    for (size_t i = 0; i < n; i++) {
        struct target t;
        int rc = load_item(s, a, &items[i], &t, err);
        if (rc < 0)
            goto fail;
        if (rc == 0) {
            out->already_assigned++;
            continue;
        }
        struct assigned_action *aa = &out->actions[out->assigned++];
        aa->controller_id = t.controller_id;
        if (assign_one(s, a, &items[i], &t, actor, &aa->action_id, err) < 0 ||
            (lock && store_ds_lock(s, items[i].ds_id, err) < 0))
            goto fail;
    }
    if (store_commit(s, err) < 0)
        return -1;
    return 0;
fail:
    store_rollback(s);
    return err->kind ? -(int)err->kind : -ERR_INTERNAL;
}

int deployment_settle_target(struct store *s, struct arena *a, int64_t target_id, struct error *err)
{
    struct target t;
    struct action *open;
    size_t n;
    if (store_target_get_by_id(s, target_id, a, &t, err) < 0 ||
        store_action_list_active(s, target_id, a, &open, &n, err) < 0)
        return -1;
    if (n > 0)
        return store_target_set_state(s, target_id, TARGET_STATUS_PENDING, open[0].ds_id,
                                      t.installed_ds_id, -1, err);
    return store_target_set_state(s, target_id, TARGET_STATUS_IN_SYNC, t.installed_ds_id,
                                  t.installed_ds_id, -1, err);
}

struct cancel_args {
    int64_t target_id, action_id;
    bool force;
    const char *actor;
};

static int cancel_tx(struct store *s, struct arena *a, void *ctx, struct error *err)
{
    const struct cancel_args *c = ctx;
    struct action act;
    int rc = store_action_get(s, c->target_id, c->action_id, a, &act, err);
    if (rc < 0)
        return rc;
    bool canceling = strcmp(act.status, ACTION_CANCELING) == 0;
    if (!c->force && (!act.active || canceling))
        return err_set(err, ERR_NOT_ALLOWED, "action.notCancelable",
                       "Action %lld is not active or already canceling", (long long)c->action_id);
    if (c->force && !(act.active && canceling))
        return err_set(err, ERR_NOT_ALLOWED, "action.notForceQuitable",
                       "Only an action that is canceling can be force-quit");
    const char *status = c->force ? ACTION_CANCELED : ACTION_CANCELING;
    const char *msg = c->force ? "Update Server: A force quit has been performed."
                               : "Update Server: manual cancelation requested";
    if ((rc = store_action_set_status(s, c->action_id, status, !c->force, c->actor, err)) < 0 ||
        (rc = add_history(s, a, c->action_id, status, msg, err)) < 0 || !c->force)
        return rc;
    return deployment_settle_target(s, a, c->target_id, err);
}

int deployment_cancel(struct store *s, int64_t target_id, int64_t action_id, bool force,
                      const char *actor, struct error *err)
{
    struct cancel_args c = {target_id, action_id, force, actor};
    return store_transaction(s, cancel_tx, &c, err);
}
