/* Tests for core/rollout.c: creation, the scheduler pass moving between groups,
 * dynamic groups taking in targets that appear later, the rollout maintenance window
 * and the approval decision. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "../store_fixture.h"
#include "core/rollout.h"

/* Every scheduler pass may look for new targets of dynamic rollouts. */
#define CHECK_ALWAYS 0

static struct rollout_spec spec_for(int64_t ds, const char *name, const char *query)
{
    struct rollout_spec spec = {
        .rollout = {.name = name,
                    .target_filter_query = query,
                    .ds_id = ds,
                    .action_type = "forced",
                    .forced_time = -1,
                    .start_at = -1,
                    .weight = 1000,
                    .dynamic_target_count = ROLLOUT_DYNAMIC_COUNT_UNSET},
        .amount_groups = 1,
    };
    return spec;
}

static struct rollout_group *groups_of(struct fixture *f, int64_t rollout_id, size_t *n)
{
    struct rollout_group *groups;
    struct error e;
    assert_int_equal(store_rollout_groups(f->s, rollout_id, &f->a, &groups, n, &e), 0);
    return groups;
}

static void finish_group(struct fixture *f, int64_t group_id)
{
    char sql[160];
    snprintf(sql, sizeof(sql),
             "UPDATE actions SET status = 'finished', active = 0 WHERE rollout_group_id = %lld",
             (long long)group_id);
    fx_exec(f, sql);
}

static int64_t count_rows(struct fixture *f, const char *sql)
{
    struct error e;
    struct db_stmt *st = db_prepare(f->s->db, sql, &e);
    assert_non_null(st);
    assert_int_equal(db_step(st, &e), DB_ROW);
    int64_t n = db_col_int(st, 0);
    db_done(st);
    return n;
}

static void test_groups_follow_the_success_condition(void **state)
{
    struct fixture *f = *state;
    int64_t ds = fx_ds(f, "fw");
    for (int i = 0; i < 4; i++) {
        char id[16];
        snprintf(id, sizeof(id), "dev-%d", i);
        fx_target(f, id);
    }
    struct rollout_spec spec = spec_for(ds, "wave", "controllerId==dev-*");
    spec.amount_groups = 2;
    struct rollout r;
    struct error e;
    assert_int_equal(rollout_create(f->s, &spec, "tester", &f->a, &r, &e), 0);
    assert_string_equal(r.status, "ready");
    assert_int_equal(r.total_targets, 4);
    assert_int_equal(rollout_start(f->s, r.id, "tester", &e), 0);
    size_t n;
    struct rollout_group *g = groups_of(f, r.id, &n);
    assert_int_equal(n, 2);
    assert_string_equal(g[0].status, "running");
    assert_string_equal(g[1].status, "scheduled");
    finish_group(f, g[0].id);
    assert_int_equal(rollout_run(f->s, CHECK_ALWAYS), 0);
    g = groups_of(f, r.id, &n);
    assert_string_equal(g[0].status, "finished");
    assert_string_equal(g[1].status, "running");
    finish_group(f, g[1].id);
    assert_int_equal(rollout_run(f->s, CHECK_ALWAYS), 0);
    assert_int_equal(store_rollout_get(f->s, r.id, &f->a, &r, &e), 0);
    assert_string_equal(r.status, "finished");
}

static void test_dynamic_groups_take_in_new_targets(void **state)
{
    struct fixture *f = *state;
    int64_t ds = fx_ds(f, "fw");
    fx_target(f, "dyn-1");
    struct rollout_spec spec = spec_for(ds, "dynamic", "controllerId==dyn-*");
    spec.amount_groups = 0;
    spec.rollout.dynamic = true;
    spec.rollout.dynamic_suffix = "-d";
    spec.rollout.dynamic_target_count = 2;
    spec.success = (struct rollout_rule){"THRESHOLD", "100", NULL, NULL};
    struct rollout r;
    struct error e;
    assert_int_equal(rollout_create(f->s, &spec, "tester", &f->a, &r, &e), 0);
    assert_int_equal(r.total_targets, 0);
    assert_int_equal(rollout_start(f->s, r.id, "tester", &e), 0);

    assert_int_equal(rollout_run(f->s, CHECK_ALWAYS), 0);
    size_t n;
    struct rollout_group *g = groups_of(f, r.id, &n);
    assert_int_equal(n, 1);
    assert_string_equal(g[0].name, "group-1-d");
    assert_true(g[0].dynamic);
    assert_int_equal(g[0].total_targets, 1);
    /* Filling up: neither succeeded nor finished, even when its only action is done. */
    finish_group(f, g[0].id);
    assert_int_equal(rollout_run(f->s, CHECK_ALWAYS), 0);
    g = groups_of(f, r.id, &n);
    assert_string_equal(g[0].status, "running");

    int64_t late = fx_target(f, "dyn-2");
    fx_target(f, "other-1"); /* does not match */
    assert_int_equal(rollout_run(f->s, CHECK_ALWAYS), 0);
    g = groups_of(f, r.id, &n);
    assert_int_equal(n, 2);
    assert_int_equal(g[0].total_targets, 2);
    assert_string_equal(g[1].name, "group-2-d");
    assert_string_equal(g[1].status, "scheduled");
    struct target t = fx_get_target(f, late);
    assert_int_equal(t.assigned_ds_id, ds);
    assert_string_equal(t.update_status, "pending");

    /* The full group succeeds, starts the next one, which takes in the next target. */
    finish_group(f, g[0].id);
    assert_int_equal(rollout_run(f->s, CHECK_ALWAYS), 0);
    fx_target(f, "dyn-3");
    assert_int_equal(rollout_run(f->s, CHECK_ALWAYS), 0);
    g = groups_of(f, r.id, &n);
    assert_string_equal(g[0].status, "finished");
    assert_string_equal(g[1].status, "running");
    assert_int_equal(g[1].total_targets, 1);
    assert_int_equal(store_rollout_get(f->s, r.id, &f->a, &r, &e), 0);
    assert_string_equal(r.status, "running");
    assert_int_equal(r.total_targets, 3);
    assert_int_equal(count_rows(f, "SELECT COUNT(*) FROM actions"), 3);
}

static void test_dynamic_check_is_throttled(void **state)
{
    struct fixture *f = *state;
    int64_t ds = fx_ds(f, "fw");
    struct rollout_spec spec = spec_for(ds, "dynamic", "controllerId==dyn-*");
    spec.amount_groups = 0;
    spec.rollout.dynamic = true;
    spec.rollout.dynamic_target_count = 10;
    struct rollout r;
    struct error e;
    assert_int_equal(rollout_create(f->s, &spec, "tester", &f->a, &r, &e), 0);
    assert_int_equal(rollout_start(f->s, r.id, "tester", &e), 0);
    assert_int_equal(rollout_run(f->s, 3600000), 0); /* first look */
    fx_target(f, "dyn-1");
    assert_int_equal(rollout_run(f->s, 3600000), 0); /* not due again for an hour */
    size_t n;
    assert_int_equal(groups_of(f, r.id, &n)[0].total_targets, 0);
    assert_int_equal(rollout_run(f->s, CHECK_ALWAYS), 0);
    assert_int_equal(groups_of(f, r.id, &n)[0].total_targets, 1);
}

static void test_bad_dynamic_specs(void **state)
{
    struct fixture *f = *state;
    int64_t ds = fx_ds(f, "fw");
    fx_target(f, "dyn-1");
    struct rollout_spec spec = spec_for(ds, "dynamic", "controllerId==dyn-*");
    spec.rollout.dynamic = true;
    spec.amount_groups = 0; /* no template */
    struct rollout r;
    struct error e;
    assert_int_equal(rollout_create(f->s, &spec, "tester", &f->a, &r, &e), -ERR_INVALID);
    spec.rollout.dynamic_target_count = ROLLOUT_MAX_GROUP_TARGETS + 1;
    assert_int_equal(rollout_create(f->s, &spec, "tester", &f->a, &r, &e), -ERR_INVALID);
    struct rollout_group_spec group = {.name = "a", .target_percentage = 100};
    spec.rollout.dynamic_target_count = 5;
    spec.amount_groups = -1;
    spec.groups = &group;
    spec.n_groups = 1;
    assert_int_equal(rollout_create(f->s, &spec, "tester", &f->a, &r, &e), -ERR_INVALID);
    assert_int_equal(count_rows(f, "SELECT COUNT(*) FROM rollouts"), 0);
    assert_int_equal(count_rows(f, "SELECT COUNT(*) FROM rollout_groups"), 0);
}

static void test_maintenance_window_is_copied_to_actions(void **state)
{
    struct fixture *f = *state;
    int64_t ds = fx_ds(f, "fw");
    int64_t t = fx_target(f, "dev-1");
    struct rollout_spec spec = spec_for(ds, "nightly", "controllerId==dev-*");
    spec.rollout.maintenance_schedule = "0 0 3 * * ?";
    spec.rollout.maintenance_duration = "01:00:00";
    struct rollout r;
    struct error e;
    assert_int_equal(rollout_create(f->s, &spec, "tester", &f->a, &r, &e), -ERR_INVALID);
    assert_string_equal(e.code, "maintenanceScheduleInvalid");
    spec.rollout.maintenance_timezone = "+02:00";
    assert_int_equal(rollout_create(f->s, &spec, "tester", &f->a, &r, &e), 0);
    assert_string_equal(r.maintenance_schedule, "0 0 3 * * ?");
    assert_int_equal(rollout_start(f->s, r.id, "tester", &e), 0);
    size_t n;
    struct list_query q = {.offset = 0, .limit = 10};
    struct action *items;
    int64_t total;
    assert_int_equal(store_action_list_for_target(f->s, t, &q, &f->a, &items, &n, &total, &e), 0);
    assert_int_equal(n, 1);
    struct action x = fx_get_action(f, t, items[0].id);
    assert_string_equal(x.maintenance_schedule, "0 0 3 * * ?");
    assert_string_equal(x.maintenance_duration, "01:00:00");
    assert_string_equal(x.maintenance_timezone, "+02:00");
}

static void test_approval_keeps_remark_and_decider(void **state)
{
    struct fixture *f = *state;
    int64_t ds = fx_ds(f, "fw");
    fx_target(f, "dev-1");
    fx_config(f, "rollout.approval.enabled", "true");
    struct rollout_spec spec = spec_for(ds, "gated", "controllerId==dev-*");
    struct rollout r;
    struct error e;
    assert_int_equal(rollout_create(f->s, &spec, "tester", &f->a, &r, &e), 0);
    assert_string_equal(r.status, "waiting_for_approval");
    assert_null(r.approval_remark);
    assert_int_equal(rollout_start(f->s, r.id, "tester", &e), -ERR_INVALID);
    assert_int_equal(rollout_approve(f->s, r.id, true, "looks good", "boss", &e), 0);
    assert_int_equal(store_rollout_get(f->s, r.id, &f->a, &r, &e), 0);
    assert_string_equal(r.status, "ready");
    assert_string_equal(r.approval_remark, "looks good");
    assert_string_equal(r.approval_decided_by, "boss");
    assert_int_equal(rollout_approve(f->s, r.id, false, NULL, "boss", &e), -ERR_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_groups_follow_the_success_condition, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_dynamic_groups_take_in_new_targets, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_dynamic_check_is_throttled, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_bad_dynamic_specs, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_maintenance_window_is_copied_to_actions, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_approval_keeps_remark_and_decider, fixture_setup,
                                        fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
