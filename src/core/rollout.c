#include "core/rollout.h"

#include "core/maintenance.h"
#include "core/tenant_config.h"
#include "store/ds_store.h"
#include "store/target_store.h"
#include "util/log.h"
#include "util/time.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define ROLLOUT_ACTOR_SCHEDULER "rollout-scheduler"

static const struct rollout_rule default_success = {"THRESHOLD", "50", "NEXTGROUP", ""};
static const struct rollout_rule default_error = {"THRESHOLD", "50", "PAUSE", ""};

static int illegal_state(struct error *err, const struct rollout *r, const char *what)
{
    return err_set(err, ERR_INVALID, "rollout.illegalState", "Rollout %lld is %s and cannot be %s",
                   (long long)r->id, r->status, what);
}

/* ---- validation ---- */

/* A threshold expression: an integer percentage 0..100. */
static bool valid_percent(const char *e)
{
    char *end;
    errno = 0;
    long v = strtol(e, &end, 10);
    return e && *e && !errno && !*end && v >= 0 && v <= 100;
}

/* Fills the NULL members of rule from the fallback. */
static struct rollout_rule inherit(const struct rollout_rule *rule,
                                   const struct rollout_rule *fallback)
{
    struct rollout_rule r = *rule;
    r.condition = r.condition ? r.condition : fallback->condition;
    r.expression = r.expression ? r.expression : fallback->expression;
    r.action = r.action ? r.action : fallback->action;
    r.action_expression = r.action_expression ? r.action_expression : fallback->action_expression;
    return r;
}

static int check_rules(const struct rollout_rule *success, const struct rollout_rule *error,
                       struct error *err)
{
    if (strcmp(success->condition, "THRESHOLD") != 0 || strcmp(error->condition, "THRESHOLD") != 0)
        return err_set(err, ERR_INVALID, "rest.body.notReadable",
                       "Rollout conditions must be THRESHOLD");
    if (!valid_percent(success->expression) || !valid_percent(error->expression))
        return err_set(err, ERR_INVALID, "rest.body.notReadable",
                       "Threshold expressions must be percentages from 0 to 100");
    if (strcmp(success->action, "NEXTGROUP") != 0 && strcmp(success->action, "PAUSE") != 0)
        return err_set(err, ERR_INVALID, "rest.body.notReadable",
                       "successAction must be NEXTGROUP or PAUSE");
    if (strcmp(error->action, "PAUSE") != 0 && strcmp(error->action, "ABORT") != 0)
        return err_set(err, ERR_INVALID, "rest.body.notReadable",
                       "errorAction must be PAUSE (or Falconet's ABORT)");
    return 0;
}

/* hawkBit d.5: a dynamic rollout takes amountGroups (0 = only dynamic groups, then the
 * template is required) and a template of 1..ROLLOUT_MAX_GROUP_TARGETS targets. */
static int check_dynamic(const struct rollout_spec *spec, struct error *err)
{
    const struct rollout *r = &spec->rollout;
    if (spec->n_groups > 0)
        return err_set(err, ERR_INVALID, "rest.body.notReadable",
                       "A dynamic rollout takes amountGroups, not groups");
    if (spec->amount_groups == 0 && r->dynamic_target_count <= 0)
        return err_set(err, ERR_INVALID, "rest.body.notReadable",
                       "A dynamic rollout without static groups needs a dynamicGroupTemplate "
                       "with a targetCount");
    if (r->dynamic_target_count > ROLLOUT_MAX_GROUP_TARGETS ||
        (r->dynamic_target_count <= 0 && r->dynamic_target_count != ROLLOUT_DYNAMIC_COUNT_UNSET))
        return err_set(err, ERR_INVALID, "rest.body.notReadable",
                       "dynamicGroupTemplate.targetCount must be 1 to %d",
                       ROLLOUT_MAX_GROUP_TARGETS);
    if (r->dynamic_suffix && strlen(r->dynamic_suffix) > 64)
        return err_set(err, ERR_INVALID, "rest.body.notReadable",
                       "dynamicGroupTemplate.nameSuffix is at most 64 characters");
    return 0;
}

static int check_spec(struct store *s, const struct rollout_spec *spec, struct arena *a,
                      struct error *err)
{
    const struct rollout *r = &spec->rollout;
    struct distribution_set ds;
    if (!r->name || !*r->name || strlen(r->name) > 128)
        return err_set(err, ERR_INVALID, "rest.body.notReadable", "name is required (1-128)");
    if (!r->target_filter_query || !*r->target_filter_query)
        return err_set(err, ERR_INVALID, "rest.body.notReadable", "targetFilterQuery is required");
    int rc = store_target_query_check(r->target_filter_query, err);
    if (rc < 0 || (rc = store_ds_get(s, r->ds_id, a, &ds, err)) < 0)
        return rc;
    if (ds.deleted || !ds.complete || !ds.valid)
        return err_set(err, ERR_INVALID, "distributionset.incomplete",
                       "Distribution set %lld cannot be rolled out (deleted, incomplete or "
                       "invalidated)",
                       (long long)ds.id);
    if (spec->amount_groups >= 0 && spec->n_groups > 0)
        return err_set(err, ERR_INVALID, "rest.body.notReadable",
                       "Use either amountGroups or groups, not both");
    if ((rc = maintenance_check_optional(r->maintenance_schedule, r->maintenance_duration,
                                         r->maintenance_timezone, time_now_ms(), err)) < 0 ||
        (r->dynamic && (rc = check_dynamic(spec, err)) < 0))
        return rc;
    size_t n = spec->n_groups > 0 ? spec->n_groups : (size_t)spec->amount_groups;
    if ((n < 1 && !r->dynamic) || n > ROLLOUT_MAX_GROUPS)
        return err_set(err, ERR_INVALID, "rest.body.notReadable", "A rollout has 1 to %d groups",
                       ROLLOUT_MAX_GROUPS);
    for (size_t i = 0; i < spec->n_groups; i++) {
        const struct rollout_group_spec *g = &spec->groups[i];
        if (!g->name || !*g->name || g->target_percentage <= 0 || g->target_percentage > 100)
            return err_set(err, ERR_INVALID, "rest.body.notReadable",
                           "Group %zu needs a name and a targetPercentage in (0, 100]", i + 1);
        if (g->target_filter_query && *g->target_filter_query &&
            (rc = store_target_query_check(g->target_filter_query, err)) < 0)
            return rc;
    }
    return 0;
}

/* ---- creation ---- */

/* The groups to create, with every rule resolved. */
static struct rollout_group *plan_groups(const struct rollout_spec *spec, bool flow,
                                         struct arena *a, size_t *n)
{
    struct rollout_rule success = inherit(&spec->success, &default_success);
    struct rollout_rule error = inherit(&spec->error, &default_error);
    *n = spec->n_groups > 0 ? spec->n_groups : (size_t)spec->amount_groups;
    struct rollout_group *groups = arena_alloc(a, sizeof(*groups) * *n);
    memset(groups, 0, sizeof(*groups) * *n);
    for (size_t i = 0; i < *n; i++) {
        struct rollout_group *g = &groups[i];
        g->position = (int64_t)i + 1;
        g->status = "ready";
        if (spec->n_groups == 0) {
            g->name = arena_sprintf(a, "group-%zu", i + 1);
            g->target_percentage = 100.0 / (double)*n;
            g->success = success;
            g->error = error;
            g->confirmation_required = flow && spec->rollout.confirmation_required;
            continue;
        }
        const struct rollout_group_spec *gs = &spec->groups[i];
        g->name = gs->name;
        g->description = gs->description;
        g->target_filter_query =
            gs->target_filter_query && *gs->target_filter_query ? gs->target_filter_query : NULL;
        g->target_percentage = gs->target_percentage;
        g->success = inherit(&gs->success, &success);
        g->error = inherit(&gs->error, &error);
        g->confirmation_required =
            flow && (gs->confirmation_required >= 0 ? gs->confirmation_required != 0
                                                    : spec->rollout.confirmation_required);
    }
    return groups;
}

static bool same_query(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* hawkBit 0.5+: a group's percentage is a share of all targets matching its query;
 * turned into a share of what earlier groups with the same query left over. */
static double share_of_rest(const struct rollout_group *groups, size_t i)
{
    double earlier = 0;
    for (size_t k = 0; k < i; k++)
        if (same_query(groups[k].target_filter_query, groups[i].target_filter_query))
            earlier += groups[k].target_percentage;
    if (earlier >= 100)
        return 100;
    double share = groups[i].target_percentage * 100 / (100 - earlier);
    return share > 100 ? 100 : share;
}

static int fill_groups(struct store *s, const struct rollout *r, struct rollout_group *groups,
                       size_t n, int64_t created_before, bool random_order, const char *actor,
                       struct error *err)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        struct rollout_group *g = &groups[i];
        int64_t free_targets, added;
        g->rollout_id = r->id;
        if ((rc = store_rollout_group_create(s, g, actor, err)) < 0 ||
            (rc = store_rollout_count_free(s, r, g->target_filter_query, created_before,
                                           &free_targets, err)) < 0)
            break;
        int64_t limit = (int64_t)((double)free_targets * share_of_rest(groups, i) / 100 + 0.5);
        rc = store_rollout_fill_group(s, r, g, created_before, limit, random_order, &added, err);
        g->total_targets = added;
    }
    return rc;
}

struct create_args {
    const struct rollout_spec *spec;
    const char *actor;
    struct rollout *out;
};

/* Appends the next dynamic group of r after position `after` (hawkBit d.5): named
 * "group-<position><suffix>", the template's target count kept in target_percentage,
 * the rollout-level rules. */
static int append_dynamic_group(struct store *s, const struct rollout *r, int64_t after,
                                const char *status, const struct rollout_rule *success,
                                const struct rollout_rule *error, bool confirm, const char *actor,
                                struct arena *a, struct error *err)
{
    struct rollout_group g = {
        .rollout_id = r->id,
        .position = after + 1,
        .name = arena_sprintf(a, "group-%lld%s", (long long)after + 1,
                              r->dynamic_suffix ? r->dynamic_suffix : ""),
        .target_percentage = (double)r->dynamic_target_count,
        .status = status,
        .success = *success,
        .error = *error,
        .confirmation_required = confirm,
        .dynamic = true,
    };
    return store_rollout_group_create(s, &g, actor, err);
}

static int create_tx(struct store *s, struct arena *a, void *ctx, struct error *err)
{
    struct create_args *c = ctx;
    int rc = check_spec(s, c->spec, a, err);
    if (rc < 0)
        return rc;
    struct rollout r = c->spec->rollout;
    int64_t created_before = time_now_ms(), matching;
    size_t n;
    bool flow = tenant_config_bool(s, "user.confirmation.flow.enabled");
    struct rollout_group *groups = plan_groups(c->spec, flow, a, &n);
    for (size_t i = 0; i < n; i++)
        if ((rc = check_rules(&groups[i].success, &groups[i].error, err)) < 0)
            return rc;
    r.id = 0; /* no group belongs to rollout 0: every matching target counts */
    if ((rc = store_rollout_count_free(s, &r, NULL, created_before, &matching, err)) < 0)
        return rc;
    if (matching == 0 && !r.dynamic)
        return err_set(err, ERR_INVALID, "rollout.noTargets",
                       "The rollout's targetFilterQuery matches no target");
    /* Without a template, dynamic groups are as large as the static ones. */
    if (r.dynamic && r.dynamic_target_count <= 0)
        r.dynamic_target_count = matching > 0 ? (matching + (int64_t)n - 1) / (int64_t)n : 1;
    r.status = "creating";
    if ((rc = store_rollout_create(s, &r, c->actor, err)) < 0 ||
        (rc = fill_groups(s, &r, groups, n, created_before, c->spec->random_order, c->actor, err)) <
            0)
        return rc;
    if (r.dynamic) {
        struct rollout_rule success = inherit(&c->spec->success, &default_success);
        struct rollout_rule error = inherit(&c->spec->error, &default_error);
        if ((rc = check_rules(&success, &error, err)) < 0 ||
            (rc = append_dynamic_group(s, &r, (int64_t)n, "ready", &success, &error,
                                       flow && r.confirmation_required, c->actor, a, err)) < 0)
            return rc;
    }
    if ((rc = store_rollout_set_totals(s, r.id, err)) < 0 ||
        (rc = store_rollout_get(s, r.id, a, c->out, err)) < 0)
        return rc;
    /* The dynamic groups take what no static group holds. */
    if (c->out->total_targets != matching && (!r.dynamic || n > 0))
        return err_set(err, ERR_INVALID, "rollout.groupsDontMatchAllTargets",
                       "Rollout groups don't match all targets that are targeted by the rollout "
                       "(%lld of %lld)",
                       (long long)c->out->total_targets, (long long)matching);
    c->out->status =
        tenant_config_bool(s, "rollout.approval.enabled") ? "waiting_for_approval" : "ready";
    return store_rollout_set_status(s, r.id, c->out->status, c->actor, err);
}

int rollout_create(struct store *s, const struct rollout_spec *spec, const char *actor,
                   struct arena *a, struct rollout *out, struct error *err)
{
    struct create_args c = {spec, actor, out};
    int rc = store_transaction(s, create_tx, &c, err);
    /* The transaction's arena is gone: read the result again into the caller's. */
    return rc < 0 ? rc : store_rollout_get(s, out->id, a, out, err);
}

/* ---- state changes ---- */

/* Starts the first group of `groups` (in order) whose status is `scheduled`. */
static int start_next_group(struct store *s, const struct rollout *r,
                            const struct rollout_group *groups, size_t n, const char *actor,
                            struct error *err)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(groups[i].status, "scheduled") == 0)
            return store_rollout_start_group(s, r, &groups[i], groups[i].confirmation_required,
                                             actor, err);
    return 0;
}

struct change_args {
    int64_t id;
    const char *actor;
};

/* Reads the rollout and its groups when it is in `status`; else rollout.illegalState
 * saying it cannot be `what`. */
static int load_in_status(struct store *s, struct arena *a, int64_t id, const char *status,
                          const char *what, struct rollout *r, struct rollout_group **groups,
                          size_t *n, struct error *err)
{
    int rc = store_rollout_get(s, id, a, r, err);
    if (rc < 0)
        return rc;
    if (strcmp(r->status, status) != 0)
        return illegal_state(err, r, what);
    return store_rollout_groups(s, r->id, a, groups, n, err);
}

static int start_tx(struct store *s, struct arena *a, void *ctx, struct error *err)
{
    const struct change_args *c = ctx;
    struct rollout r;
    struct rollout_group *groups;
    size_t n;
    int rc = load_in_status(s, a, c->id, "ready", "started", &r, &groups, &n, err);
    if (rc < 0 || (rc = store_rollout_create_actions(s, &r, c->actor, err)) < 0)
        return rc;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        rc = store_rollout_group_set_status(s, groups[i].id, "scheduled", err);
        groups[i].status = "scheduled";
    }
    if (rc < 0 || (rc = start_next_group(s, &r, groups, n, c->actor, err)) < 0)
        return rc;
    return store_rollout_set_status(s, r.id, "running", c->actor, err);
}

int rollout_start(struct store *s, int64_t id, const char *actor, struct error *err)
{
    struct change_args c = {id, actor};
    return store_transaction(s, start_tx, &c, err);
}

static int pause_tx(struct store *s, struct arena *a, void *ctx, struct error *err)
{
    const struct change_args *c = ctx;
    struct rollout r;
    int rc = store_rollout_get(s, c->id, a, &r, err);
    if (rc < 0)
        return rc;
    if (strcmp(r.status, "running") != 0)
        return illegal_state(err, &r, "paused");
    return store_rollout_set_status(s, r.id, "paused", c->actor, err);
}

int rollout_pause(struct store *s, int64_t id, const char *actor, struct error *err)
{
    struct change_args c = {id, actor};
    return store_transaction(s, pause_tx, &c, err);
}

/* On resume the group that made the rollout pause (error, or a PAUSE success
 * action that fired) hands over to the next one (hawkBit reference d.2). */
static int resume_tx(struct store *s, struct arena *a, void *ctx, struct error *err)
{
    const struct change_args *c = ctx;
    struct rollout r;
    struct rollout_group *groups;
    size_t n;
    int rc = load_in_status(s, a, c->id, "paused", "resumed", &r, &groups, &n, err);
    if (rc < 0)
        return rc;
    const struct rollout_group *last = NULL;
    for (size_t i = 0; i < n; i++)
        if (strcmp(groups[i].status, "scheduled") != 0)
            last = &groups[i];
    bool hand_over = last && (strcmp(last->status, "error") == 0 ||
                              (last->success_done && strcmp(last->success.action, "PAUSE") == 0));
    if (hand_over && (rc = start_next_group(s, &r, groups, n, c->actor, err)) < 0)
        return rc;
    return store_rollout_set_status(s, r.id, "running", c->actor, err);
}

int rollout_resume(struct store *s, int64_t id, const char *actor, struct error *err)
{
    struct change_args c = {id, actor};
    return store_transaction(s, resume_tx, &c, err);
}

static int delete_tx(struct store *s, struct arena *a, void *ctx, struct error *err)
{
    const struct change_args *c = ctx;
    struct rollout r;
    int rc = store_rollout_get(s, c->id, a, &r, err);
    return rc < 0 ? rc : store_rollout_delete(s, r.id, c->actor, err);
}

int rollout_delete(struct store *s, int64_t id, const char *actor, struct error *err)
{
    struct change_args c = {id, actor};
    return store_transaction(s, delete_tx, &c, err);
}

static int trigger_tx(struct store *s, struct arena *a, void *ctx, struct error *err)
{
    const struct change_args *c = ctx;
    struct rollout r;
    struct rollout_group *groups;
    size_t n;
    int rc =
        load_in_status(s, a, c->id, "running", "moved to its next group", &r, &groups, &n, err);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < n; i++)
        if (strcmp(groups[i].status, "scheduled") == 0)
            return start_next_group(s, &r, groups, n, c->actor, err);
    return err_set(err, ERR_INVALID, "rollout.illegalState",
                   "Rollout %lld has no scheduled group left", (long long)r.id);
}

int rollout_trigger_next(struct store *s, int64_t id, const char *actor, struct error *err)
{
    struct change_args c = {id, actor};
    return store_transaction(s, trigger_tx, &c, err);
}

static int stop_tx(struct store *s, struct arena *a, void *ctx, struct error *err)
{
    const struct change_args *c = ctx;
    struct rollout r;
    int rc = store_rollout_get(s, c->id, a, &r, err);
    if (rc < 0)
        return rc;
    if (strcmp(r.status, "finished") == 0 || strcmp(r.status, "stopped") == 0)
        return illegal_state(err, &r, "stopped");
    if ((rc = store_rollout_cancel_scheduled(s, r.id, err)) < 0)
        return rc;
    return store_rollout_set_status(s, r.id, "stopped", c->actor, err);
}

int rollout_stop(struct store *s, int64_t id, const char *actor, struct error *err)
{
    struct change_args c = {id, actor};
    return store_transaction(s, stop_tx, &c, err);
}

int rollout_update(struct store *s, int64_t id, const char *name, const char *description,
                   const char *actor, struct error *err)
{
    struct arena a;
    arena_init(&a);
    struct rollout r;
    int rc = store_rollout_get(s, id, &a, &r, err);
    arena_free(&a);
    if (rc < 0)
        return rc;
    if (!name || !*name || strlen(name) > 128 || (description && strlen(description) > 512))
        return err_set(err, ERR_INVALID, "rest.body.notReadable",
                       "name is required (1-128), description at most 512 characters");
    return store_rollout_update(s, id, name, description, actor, err);
}

int rollout_retry(struct store *s, int64_t id, const char *actor, struct arena *a, int64_t *new_id,
                  struct error *err)
{
    struct rollout old, created;
    int rc = store_rollout_get(s, id, a, &old, err);
    if (rc < 0)
        return rc;
    if (strcmp(old.status, "finished") != 0)
        return illegal_state(err, &old, "retried");
    struct rollout_spec spec = {.rollout = old, .amount_groups = 1};
    spec.rollout.dynamic = false;
    spec.rollout.name = arena_sprintf(a, "%s_retry", old.name);
    spec.rollout.target_filter_query = arena_sprintf(a, "failedrollout==%lld", (long long)id);
    if ((rc = rollout_create(s, &spec, actor, a, &created, err)) < 0)
        return rc;
    *new_id = created.id;
    return 0;
}

struct approve_args {
    int64_t id;
    bool approve;
    const char *remark, *actor;
};

static int approve_tx(struct store *s, struct arena *a, void *ctx, struct error *err)
{
    const struct approve_args *c = ctx;
    struct rollout r;
    int rc = store_rollout_get(s, c->id, a, &r, err);
    if (rc < 0)
        return rc;
    if (strcmp(r.status, "waiting_for_approval") != 0)
        return illegal_state(err, &r, c->approve ? "approved" : "denied");
    if (c->remark && strlen(c->remark) > 255)
        return err_set(err, ERR_INVALID, "rest.param.invalidField",
                       "remark is at most 255 characters");
    return store_rollout_set_approval(s, r.id, c->approve ? "ready" : "approval_denied", c->remark,
                                      c->actor, err);
}

int rollout_approve(struct store *s, int64_t id, bool approve, const char *remark,
                    const char *actor, struct error *err)
{
    struct approve_args c = {id, approve, remark, actor};
    return store_transaction(s, approve_tx, &c, err);
}

/* ---- the scheduler pass ---- */

/* The last group of a running dynamic rollout takes in targets that match now (new
 * ones, or ones whose attributes changed) up to the template's count, and starts
 * them at once; once full, the next dynamic group is appended `scheduled`, to be
 * started by this one's success action (hawkBit d.5). */
static int fill_dynamic(struct store *s, const struct rollout *r, struct arena *a,
                        struct error *err)
{
    struct rollout_group *groups;
    size_t n;
    int rc = store_rollout_groups(s, r->id, a, &groups, &n, err);
    if (rc < 0 || n == 0)
        return rc;
    struct rollout_group *g = &groups[n - 1];
    int64_t capacity = (int64_t)g->target_percentage, added;
    if (!g->dynamic || strcmp(g->status, "running") != 0 || g->total_targets >= capacity)
        return 0;
    if ((rc = store_rollout_fill_dynamic_group(s, r, g, capacity - g->total_targets, &added, err)) <
            0 ||
        added == 0)
        return rc;
    log_info("rollout %lld: dynamic group %lld took in %lld targets", (long long)r->id,
             (long long)g->id, (long long)added);
    if ((rc = store_rollout_create_group_actions(s, r, g->id, ROLLOUT_ACTOR_SCHEDULER, err)) < 0 ||
        (rc = store_rollout_start_group(s, r, g, g->confirmation_required, ROLLOUT_ACTOR_SCHEDULER,
                                        err)) < 0 ||
        (rc = store_rollout_set_totals(s, r->id, err)) < 0)
        return rc;
    if (g->total_targets + added < capacity)
        return 0;
    return append_dynamic_group(s, r, g->position, "scheduled", &g->success, &g->error,
                                g->confirmation_required, ROLLOUT_ACTOR_SCHEDULER, a, err);
}

/* One running group: error condition first, then the success condition (its action
 * once), then completion. A dynamic group still filling up neither succeeds nor
 * completes. Returns 1 when the rollout was paused. */
static int advance_group(struct store *s, const struct rollout *r, struct rollout_group *g,
                         const struct rollout_group *groups, size_t n, struct error *err)
{
    struct rollout_counts k;
    int64_t open;
    int rc = store_rollout_counts(s, r->id, g->id, &k, err);
    if (rc < 0)
        return rc;
    int64_t total = g->total_targets;
    bool filling = g->dynamic && total < (int64_t)g->target_percentage;
    if (total > 0 && k.error * 100 > atoll(g->error.expression) * total) {
        /* Falconet's ABORT stops the rollout for good instead of pausing it. */
        bool aborting = strcmp(g->error.action, "ABORT") == 0;
        const char *next = aborting ? "stopped" : "paused";
        if ((rc = store_rollout_group_set_status(s, g->id, "error", err)) < 0 ||
            (aborting && (rc = store_rollout_cancel_scheduled(s, r->id, err)) < 0) ||
            (rc = store_rollout_set_status(s, r->id, next, ROLLOUT_ACTOR_SCHEDULER, err)) < 0)
            return rc;
        log_info("rollout %lld %s: group %lld over its error threshold", (long long)r->id, next,
                 (long long)g->id);
        return 1;
    }
    if (filling)
        return 0;
    if (!g->success_done &&
        (total == 0 || k.finished * 100 >= atoll(g->success.expression) * total)) {
        if ((rc = store_rollout_group_success_done(s, g->id, err)) < 0)
            return rc;
        g->success_done = true;
        if (strcmp(g->success.action, "PAUSE") == 0)
            return store_rollout_set_status(s, r->id, "paused", ROLLOUT_ACTOR_SCHEDULER, err) < 0
                       ? -ERR_INTERNAL
                       : 1;
        if ((rc = start_next_group(s, r, groups, n, ROLLOUT_ACTOR_SCHEDULER, err)) < 0)
            return rc;
    }
    if ((rc = store_rollout_group_open_actions(s, g->id, &open, err)) < 0)
        return rc;
    return open == 0 ? store_rollout_group_set_status(s, g->id, "finished", err) : 0;
}

struct advance_args {
    const struct rollout *rollout;
    bool fill_dynamic; /* a dynamic rollout due for looking for new targets */
};

static int advance_tx(struct store *s, struct arena *a, void *ctx, struct error *err)
{
    const struct advance_args *c = ctx;
    const struct rollout *r = c->rollout;
    struct rollout_group *groups;
    size_t n;
    int rc = c->fill_dynamic ? fill_dynamic(s, r, a, err) : 0;
    if (rc == 0)
        rc = store_rollout_groups(s, r->id, a, &groups, &n, err);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (strcmp(groups[i].status, "running") != 0)
            continue;
        rc = advance_group(s, r, &groups[i], groups, n, err);
        if (rc == 1)
            return 0; /* paused */
        /* Re-read: this group may have started the next one. */
        if (rc == 0 && (rc = store_rollout_groups(s, r->id, a, &groups, &n, err)) < 0)
            return rc;
    }
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < n; i++)
        if (strcmp(groups[i].status, "running") == 0 || strcmp(groups[i].status, "scheduled") == 0)
            return 0;
    log_info("rollout %lld finished", (long long)r->id);
    return store_rollout_set_status(s, r->id, "finished", ROLLOUT_ACTOR_SCHEDULER, err);
}

int rollout_run(struct store *s, int dynamic_check_ms)
{
    struct arena a;
    arena_init(&a);
    struct rollout *items;
    size_t n;
    struct error err;
    int64_t now = time_now_ms();
    int rc = store_rollout_list_by_status(s, "ready", &a, &items, &n, &err);
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (items[i].start_at >= 0 && items[i].start_at <= now &&
            rollout_start(s, items[i].id, ROLLOUT_ACTOR_SCHEDULER, &err) < 0)
            log_warn("rollout %lld could not start: %s", (long long)items[i].id, err.message);
    if (rc == 0)
        rc = store_rollout_list_by_status(s, "running", &a, &items, &n, &err);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        struct advance_args c = {&items[i], false};
        if (items[i].dynamic && store_rollout_dynamic_due(s, items[i].id, now, dynamic_check_ms,
                                                          &c.fill_dynamic, &err) < 0)
            log_warn("rollout %lld: %s", (long long)items[i].id, err.message);
        if (store_transaction(s, advance_tx, &c, &err) < 0)
            log_warn("rollout %lld: %s", (long long)items[i].id, err.message);
    }
    arena_free(&a);
    return rc;
}
