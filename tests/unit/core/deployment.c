/* Tests src/core/deployment.c: assignments (hawkBit reference e.1, e.3) and the
 * cancel flow (e.5), against a real SQLite store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above. */
#include <cmocka.h>

#include "../store_fixture.h"
#include "core/controller.h"
#include "util/time.h"

static void assert_target(struct fixture *f, int64_t id, const char *status, int64_t assigned,
                          int64_t installed)
{
    struct target t = fx_get_target(f, id);
    assert_string_equal(t.update_status, status);
    assert_int_equal(t.assigned_ds_id, assigned);
    assert_int_equal(t.installed_ds_id, installed);
}

static void assert_action(struct fixture *f, int64_t target, int64_t id, const char *status,
                          bool active)
{
    struct action x = fx_get_action(f, target, id);
    assert_string_equal(x.status, status);
    assert_int_equal(x.active, active);
}

static int64_t count_actions(struct fixture *f, int64_t target)
{
    struct list_query q = {0, 100, NULL, NULL, 0};
    struct action *items;
    size_t n;
    int64_t total;
    struct error e;
    assert_int_equal(store_action_list_for_target(f->s, target, &q, &f->a, &items, &n, &total, &e),
                     0);
    return total;
}

static bool ds_locked(struct fixture *f, int64_t ds)
{
    struct distribution_set d;
    struct error e;
    assert_int_equal(store_ds_get(f->s, ds, &f->a, &d, &e), 0);
    return d.locked;
}

static void finish(struct fixture *f, int64_t target, int64_t action)
{
    struct feedback fb = {
        .execution = EXEC_CLOSED, .result = RESULT_SUCCESS, .code = -1, .timestamp = -1};
    struct error e;
    assert_int_equal(controller_feedback(f->s, target, action, &fb, &e), 0);
}

static int cancel_feedback_closed(struct fixture *f, int64_t target, int64_t action)
{
    struct feedback fb = {
        .execution = EXEC_CLOSED, .result = RESULT_SUCCESS, .code = -1, .timestamp = -1};
    struct error e;
    return controller_cancel_feedback(f->s, target, action, &fb, &e);
}

/* ---- assignment ---- */

static void test_assign_creates_running_action(void **state)
{
    struct fixture *f = *state;
    int64_t t = fx_target(f, "dev");
    int64_t ds = fx_ds(f, "rel");
    assert_false(ds_locked(f, ds));
    struct assignment it = {.controller_id = "dev", .ds_id = ds, .forcetime = -1, .weight = -1};
    struct assignment_outcome out;
    struct error e;
    assert_int_equal(deployment_assign(f->s, &it, 1, "alice", &f->a, &out, &e), 0);
    assert_int_equal(out.assigned, 1);
    assert_int_equal(out.already_assigned, 0);
    assert_string_equal(out.actions[0].controller_id, "dev");
    int64_t x = out.actions[0].action_id;
    struct action a = fx_get_action(f, t, x);
    assert_string_equal(a.status, ACTION_RUNNING);
    assert_true(a.active);
    assert_string_equal(a.action_type, "forced");
    assert_int_equal(a.weight, 1000);
    assert_int_equal(a.forced_time, -1);
    assert_int_equal(a.ds_id, ds);
    assert_string_equal(a.audit.created_by, "alice");
    struct action_status st = fx_latest(f, x);
    assert_string_equal(st.status, ACTION_RUNNING);
    assert_string_equal(st.messages_json,
                        "[\"Update Server: Assignment initiated by user 'alice'\"]");
    assert_target(f, t, TARGET_STATUS_PENDING, ds, -1);
    /* implicit lock is on by default */
    assert_true(ds_locked(f, ds));
}

static void test_assign_type_and_weight(void **state)
{
    struct fixture *f = *state;
    int64_t t = fx_target(f, "dev");
    int64_t x = fx_assign_type(f, "dev", fx_ds(f, "a"), "timeforced", 5000, 10);
    struct action a = fx_get_action(f, t, x);
    assert_string_equal(a.action_type, "timeforced");
    assert_int_equal(a.forced_time, 5000);
    assert_int_equal(a.weight, 10);
    /* a forcetime is only kept for time-forced actions */
    x = fx_assign_type(f, "dev", fx_ds(f, "b"), "soft", 5000, 0);
    a = fx_get_action(f, t, x);
    assert_string_equal(a.action_type, "soft");
    assert_int_equal(a.forced_time, -1);
    assert_int_equal(a.weight, 0);
    x = fx_assign_type(f, "dev", fx_ds(f, "c"), "downloadonly", -1, 1000);
    assert_string_equal(fx_get_action(f, t, x).action_type, "downloadonly");
}

static void test_assign_implicit_lock_off(void **state)
{
    struct fixture *f = *state;
    fx_config(f, "implicit.lock.enabled", "false");
    fx_target(f, "dev");
    int64_t ds = fx_ds(f, "rel");
    assert_true(fx_assign(f, "dev", ds) > 0);
    assert_false(ds_locked(f, ds));
}

static void test_assign_already_assigned_is_noop(void **state)
{
    struct fixture *f = *state;
    int64_t t = fx_target(f, "dev");
    int64_t ds = fx_ds(f, "rel");
    int64_t x = fx_assign(f, "dev", ds);
    size_t n = fx_history_count(f, x);
    struct assignment it = {.controller_id = "dev", .ds_id = ds, .forcetime = -1, .weight = -1};
    struct assignment_outcome out;
    struct error e;
    assert_int_equal(deployment_assign(f->s, &it, 1, "tester", &f->a, &out, &e), 0);
    assert_int_equal(out.assigned, 0);
    assert_int_equal(out.already_assigned, 1);
    assert_int_equal(count_actions(f, t), 1);
    assert_action(f, t, x, ACTION_RUNNING, true);
    assert_int_equal(fx_history_count(f, x), n);
    /* also once installed */
    finish(f, t, x);
    assert_int_equal(fx_assign(f, "dev", ds), 0);
    assert_int_equal(count_actions(f, t), 1);
    assert_target(f, t, TARGET_STATUS_IN_SYNC, ds, ds);
}

static void test_assign_supersedes_open_action(void **state)
{
    struct fixture *f = *state;
    int64_t t = fx_target(f, "dev");
    int64_t d1 = fx_ds(f, "one"), d2 = fx_ds(f, "two"), d3 = fx_ds(f, "three");
    int64_t x1 = fx_assign(f, "dev", d1);
    int64_t x2 = fx_assign(f, "dev", d2);
    assert_true(x2 > x1);
    assert_action(f, t, x1, ACTION_CANCELING, true);
    struct action_status st = fx_latest(f, x1);
    assert_string_equal(st.status, ACTION_CANCELING);
    assert_string_equal(st.messages_json,
                        "[\"Update Server: cancel obsolete action due to new update\"]");
    assert_action(f, t, x2, ACTION_RUNNING, true);
    assert_target(f, t, TARGET_STATUS_PENDING, d2, -1);

    /* a third assignment: x2 is canceled too, x1 (already canceling) is left alone */
    size_t n1 = fx_history_count(f, x1);
    int64_t x3 = fx_assign(f, "dev", d3);
    assert_int_equal(fx_history_count(f, x1), n1);
    assert_action(f, t, x1, ACTION_CANCELING, true);
    assert_action(f, t, x2, ACTION_CANCELING, true);
    assert_action(f, t, x3, ACTION_RUNNING, true);
    assert_target(f, t, TARGET_STATUS_PENDING, d3, -1);

    /* the device acknowledges both cancelations: the target follows x3 */
    assert_int_equal(cancel_feedback_closed(f, t, x1), 0);
    assert_target(f, t, TARGET_STATUS_PENDING, d2, -1); /* oldest open action: x2 */
    assert_int_equal(cancel_feedback_closed(f, t, x2), 0);
    assert_target(f, t, TARGET_STATUS_PENDING, d3, -1);
    finish(f, t, x3);
    assert_target(f, t, TARGET_STATUS_IN_SYNC, d3, d3);
}

static void test_assign_autoclose(void **state)
{
    struct fixture *f = *state;
    fx_config(f, "repository.actions.autoclose.enabled", "true");
    int64_t t = fx_target(f, "dev");
    int64_t d1 = fx_ds(f, "one"), d2 = fx_ds(f, "two"), d3 = fx_ds(f, "three");
    int64_t x1 = fx_assign(f, "dev", d1);
    int64_t x2 = fx_assign(f, "dev", d2);
    assert_action(f, t, x1, ACTION_CANCELED, false);
    struct action_status st = fx_latest(f, x1);
    assert_string_equal(st.status, ACTION_CANCELED);
    assert_string_equal(st.messages_json,
                        "[\"Update Server: cancel obsolete action due to new update\"]");
    assert_action(f, t, x2, ACTION_RUNNING, true);
    assert_target(f, t, TARGET_STATUS_PENDING, d2, -1);

    /* with autoclose an action that is already canceling is closed as well */
    struct error e;
    assert_int_equal(deployment_cancel(f->s, t, x2, false, "op", &e), 0);
    int64_t x3 = fx_assign(f, "dev", d3);
    assert_action(f, t, x2, ACTION_CANCELED, false);
    assert_action(f, t, x3, ACTION_RUNNING, true);
}

/* Reference e.1/e.3: still-active actions of a set with requiredMigrationStep are
 * neither canceled nor closed by a later assignment. */
static void test_assign_keeps_required_migration_step(void **state)
{
    struct fixture *f = *state;
    int64_t t = fx_target(f, "dev");
    int64_t mod = fx_module(f, "os", "migration");
    struct distribution_set mig = {
        .name = "migration", .version = "1.0", .type_key = "os", .required_migration_step = true};
    struct error e;
    assert_int_equal(store_ds_create(f->s, &mig, &mod, 1, "tester", &f->a, &e), 0);
    int64_t d2 = fx_ds(f, "two");
    int64_t x1 = fx_assign(f, "dev", mig.id);
    size_t n1 = fx_history_count(f, x1);
    int64_t x2 = fx_assign(f, "dev", d2);
    assert_action(f, t, x1, ACTION_RUNNING, true);
    assert_int_equal(fx_history_count(f, x1), n1);
    assert_action(f, t, x2, ACTION_RUNNING, true);
    assert_target(f, t, TARGET_STATUS_PENDING, d2, -1);
    /* the migration step installs first, the target keeps waiting for the next set */
    finish(f, t, x1);
    assert_target(f, t, TARGET_STATUS_PENDING, d2, mig.id);
    finish(f, t, x2);
    assert_target(f, t, TARGET_STATUS_IN_SYNC, d2, d2);

    /* autoclose leaves it open too */
    fx_config(f, "repository.actions.autoclose.enabled", "true");
    int64_t t2 = fx_target(f, "dev2");
    int64_t y1 = fx_assign(f, "dev2", mig.id);
    int64_t y2 = fx_assign(f, "dev2", d2);
    assert_action(f, t2, y1, ACTION_RUNNING, true);
    assert_action(f, t2, y2, ACTION_RUNNING, true);
}

static void test_assign_confirmation_required(void **state)
{
    struct fixture *f = *state;
    int64_t t = fx_target(f, "dev");
    struct assignment it = {.controller_id = "dev",
                            .ds_id = fx_ds(f, "one"),
                            .forcetime = -1,
                            .weight = -1,
                            .confirmation_required = true};
    /* flow off: runs at once */
    int64_t x1 = fx_assign_full(f, &it);
    assert_action(f, t, x1, ACTION_RUNNING, true);

    fx_config(f, "user.confirmation.flow.enabled", "true");
    it.ds_id = fx_ds(f, "two");
    int64_t x2 = fx_assign_full(f, &it);
    assert_action(f, t, x2, ACTION_WAIT_FOR_CONFIRMATION, true);
    struct action_status st = fx_latest(f, x2);
    assert_string_equal(st.status, ACTION_WAIT_FOR_CONFIRMATION);
    assert_target(f, t, TARGET_STATUS_PENDING, it.ds_id, -1);

    /* flow on but not required: runs */
    struct assignment plain = {
        .controller_id = "dev", .ds_id = fx_ds(f, "three"), .forcetime = -1, .weight = -1};
    int64_t x3 = fx_assign_full(f, &plain);
    assert_action(f, t, x3, ACTION_RUNNING, true);
    /* the waiting action was superseded like any other */
    assert_action(f, t, x2, ACTION_CANCELING, true);

    /* required, but the target confirms automatically */
    struct error e;
    assert_int_equal(controller_auto_confirm(f->s, t, true, "bob", NULL, &e), 0);
    it.ds_id = fx_ds(f, "four");
    int64_t x4 = fx_assign_full(f, &it);
    assert_action(f, t, x4, ACTION_RUNNING, true);
}

static void test_assign_offline(void **state)
{
    struct fixture *f = *state;
    int64_t t = fx_target(f, "dev");
    int64_t d1 = fx_ds(f, "one"), d2 = fx_ds(f, "two");
    int64_t x1 = fx_assign(f, "dev", d1);
    struct assignment it = {
        .controller_id = "dev", .ds_id = d2, .forcetime = -1, .weight = -1, .offline = true};
    int64_t before = time_now_ms();
    int64_t x2 = fx_assign_full(f, &it);
    assert_true(x2 > x1);
    struct action a = fx_get_action(f, t, x2);
    assert_string_equal(a.status, ACTION_FINISHED);
    assert_false(a.active);
    assert_int_equal(a.ds_id, d2);
    struct action_status st = fx_latest(f, x2);
    assert_string_equal(st.status, ACTION_FINISHED);
    assert_string_equal(st.messages_json,
                        "[\"Update Server: Offline assignment by user 'tester'\"]");
    assert_target(f, t, TARGET_STATUS_IN_SYNC, d2, d2);
    assert_in_range(fx_get_target(f, t).installed_at, before, time_now_ms());
    /* open actions are left alone */
    assert_action(f, t, x1, ACTION_RUNNING, true);
    /* the set is locked like with any assignment */
    assert_true(ds_locked(f, d2));
    /* again: already assigned */
    assert_int_equal(fx_assign_full(f, &it), 0);
    assert_int_equal(count_actions(f, t), 2);
}

static void test_assign_rejects_bad_items(void **state)
{
    struct fixture *f = *state;
    int64_t t = fx_target(f, "dev");
    int64_t t2 = fx_target(f, "dev2");
    int64_t ds = fx_ds(f, "rel");
    int64_t mod = fx_module(f, "application", "app");
    struct distribution_set inc = {.name = "incomplete", .version = "1", .type_key = "os_app"};
    struct error e;
    assert_int_equal(store_ds_create(f->s, &inc, &mod, 1, "tester", &f->a, &e), 0);
    assert_false(inc.complete);

    const struct {
        struct assignment it;
        int rc;
        const char *code;
    } rows[] = {
        {{.controller_id = "dev", .ds_id = ds, .type = "later", .forcetime = -1, .weight = -1},
         -ERR_INVALID,
         "rest.body.notReadable"},
        {{.controller_id = "dev", .ds_id = ds, .type = "timeforced", .forcetime = 0, .weight = -1},
         -ERR_INVALID,
         "rest.body.notReadable"},
        {{.controller_id = "dev", .ds_id = ds, .forcetime = -1, .weight = 1001},
         -ERR_INVALID,
         "rest.body.notReadable"},
        {{.controller_id = "dev", .ds_id = ds, .forcetime = -1, .weight = -2},
         -ERR_INVALID,
         "rest.body.notReadable"},
        {{.controller_id = "dev",
          .ds_id = ds,
          .forcetime = -1,
          .weight = -1,
          .maintenance_schedule = "0 0 3 * * ?"},
         -ERR_INVALID,
         "maintenanceScheduleInvalid"},
        {{.controller_id = "dev", .ds_id = inc.id, .forcetime = -1, .weight = -1},
         -ERR_INVALID,
         "distributionset.incomplete"},
        {{.controller_id = "dev", .ds_id = 9999, .forcetime = -1, .weight = -1},
         -ERR_NOT_FOUND,
         "repo.entityNotFound"},
        {{.controller_id = "nosuch", .ds_id = ds, .forcetime = -1, .weight = -1},
         -ERR_NOT_FOUND,
         "repo.entityNotFound"},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        /* a good item first: the bad one rolls it back too */
        struct assignment items[2] = {
            {.controller_id = "dev2", .ds_id = ds, .forcetime = -1, .weight = -1}, rows[i].it};
        struct assignment_outcome out;
        e = (struct error){0};
        assert_int_equal(deployment_assign(f->s, items, 2, "tester", &f->a, &out, &e), rows[i].rc);
        assert_string_equal(e.code, rows[i].code);
    }
    struct assignment twice[2] = {
        {.controller_id = "dev", .ds_id = ds, .forcetime = -1, .weight = -1},
        {.controller_id = "dev", .ds_id = ds, .forcetime = -1, .weight = -1}};
    struct assignment_outcome out;
    assert_int_equal(deployment_assign(f->s, twice, 2, "tester", &f->a, &out, &e), -ERR_INVALID);
    assert_string_equal(e.code, "multiAssignmentNotEnabled");

    assert_int_equal(count_actions(f, t), 0);
    assert_int_equal(count_actions(f, t2), 0);
    assert_target(f, t, TARGET_STATUS_REGISTERED, -1, -1);
    assert_false(ds_locked(f, ds));
    /* weight bounds are inclusive */
    assert_true(fx_assign_type(f, "dev", ds, NULL, -1, 1000) > 0);
}

/* ---- cancel ---- */

static void test_cancel_and_force_quit(void **state)
{
    struct fixture *f = *state;
    int64_t old = fx_ds(f, "old"), ds = fx_ds(f, "new");
    int64_t t = fx_target(f, "dev");
    finish(f, t, fx_assign(f, "dev", old));
    int64_t x = fx_assign(f, "dev", ds);
    struct error e;
    assert_int_equal(deployment_cancel(f->s, t, x, false, "op", &e), 0);
    assert_action(f, t, x, ACTION_CANCELING, true);
    struct action a = fx_get_action(f, t, x);
    assert_string_equal(a.audit.last_modified_by, "op");
    struct action_status st = fx_latest(f, x);
    assert_string_equal(st.status, ACTION_CANCELING);
    assert_string_equal(st.messages_json, "[\"Update Server: manual cancelation requested\"]");
    /* canceling does not change the target yet */
    assert_target(f, t, TARGET_STATUS_PENDING, ds, old);

    /* a second cancel request is refused */
    assert_int_equal(deployment_cancel(f->s, t, x, false, "op", &e), -ERR_NOT_ALLOWED);
    assert_string_equal(e.code, "action.notCancelable");

    assert_int_equal(deployment_cancel(f->s, t, x, true, "op", &e), 0);
    assert_action(f, t, x, ACTION_CANCELED, false);
    st = fx_latest(f, x);
    assert_string_equal(st.status, ACTION_CANCELED);
    assert_string_equal(st.messages_json, "[\"Update Server: A force quit has been performed.\"]");
    assert_target(f, t, TARGET_STATUS_IN_SYNC, old, old);

    /* closed: neither cancel nor force-quit */
    assert_int_equal(deployment_cancel(f->s, t, x, false, "op", &e), -ERR_NOT_ALLOWED);
    assert_int_equal(deployment_cancel(f->s, t, x, true, "op", &e), -ERR_NOT_ALLOWED);
    assert_string_equal(e.code, "action.notForceQuitable");
}

static void test_force_quit_needs_canceling(void **state)
{
    struct fixture *f = *state;
    int64_t t = fx_target(f, "dev");
    int64_t ds = fx_ds(f, "rel");
    int64_t x = fx_assign(f, "dev", ds);
    size_t n = fx_history_count(f, x);
    struct error e;
    assert_int_equal(deployment_cancel(f->s, t, x, true, "op", &e), -ERR_NOT_ALLOWED);
    assert_string_equal(e.code, "action.notForceQuitable");
    assert_action(f, t, x, ACTION_RUNNING, true);
    assert_int_equal(fx_history_count(f, x), n);
    /* unknown and foreign actions */
    int64_t t2 = fx_target(f, "dev2");
    assert_int_equal(deployment_cancel(f->s, t2, x, false, "op", &e), -ERR_NOT_FOUND);
    assert_int_equal(deployment_cancel(f->s, t, x + 50, false, "op", &e), -ERR_NOT_FOUND);
    /* finished actions are not cancelable */
    finish(f, t, x);
    assert_int_equal(deployment_cancel(f->s, t, x, false, "op", &e), -ERR_NOT_ALLOWED);
}

static void test_force_quit_with_other_open_action(void **state)
{
    struct fixture *f = *state;
    int64_t t = fx_target(f, "dev");
    int64_t d1 = fx_ds(f, "one"), d2 = fx_ds(f, "two");
    int64_t x1 = fx_assign(f, "dev", d1);
    int64_t x2 = fx_assign(f, "dev", d2);
    struct error e;
    assert_int_equal(deployment_cancel(f->s, t, x1, true, "op", &e), 0);
    assert_action(f, t, x1, ACTION_CANCELED, false);
    assert_action(f, t, x2, ACTION_RUNNING, true);
    assert_target(f, t, TARGET_STATUS_PENDING, d2, -1);
    /* canceling the last one brings the target back to what is installed (nothing) */
    assert_int_equal(deployment_cancel(f->s, t, x2, false, "op", &e), 0);
    assert_int_equal(deployment_cancel(f->s, t, x2, true, "op", &e), 0);
    assert_target(f, t, TARGET_STATUS_IN_SYNC, -1, -1);
}

static void test_cancel_waiting_for_confirmation(void **state)
{
    struct fixture *f = *state;
    fx_config(f, "user.confirmation.flow.enabled", "true");
    int64_t t = fx_target(f, "dev");
    struct assignment it = {.controller_id = "dev",
                            .ds_id = fx_ds(f, "rel"),
                            .forcetime = -1,
                            .weight = -1,
                            .confirmation_required = true};
    int64_t x = fx_assign_full(f, &it);
    struct error e;
    assert_int_equal(deployment_cancel(f->s, t, x, false, "op", &e), 0);
    assert_action(f, t, x, ACTION_CANCELING, true);
}

static void test_settle_target(void **state)
{
    struct fixture *f = *state;
    int64_t t = fx_target(f, "dev");
    int64_t inst = fx_ds(f, "inst"), d1 = fx_ds(f, "one"), d2 = fx_ds(f, "two");
    struct error e;
    assert_int_equal(store_target_set_state(f->s, t, TARGET_STATUS_ERROR, -1, inst, 5, &e), 0);
    /* two open actions inserted directly: the oldest one's set is assigned */
    int64_t y = fx_action(f, t, d2, "forced", -1, 1000, ACTION_RUNNING, true);
    fx_action(f, t, d1, "forced", -1, 1000, ACTION_RUNNING, true);
    fx_action(f, t, d1, "forced", -1, 1000, ACTION_FINISHED, false);
    assert_int_equal(deployment_settle_target(f->s, &f->a, t, &e), 0);
    assert_target(f, t, TARGET_STATUS_PENDING, d2, inst);
    assert_int_equal(fx_get_target(f, t).installed_at, 5);
    assert_int_equal(store_action_set_status(f->s, y, ACTION_CANCELED, false, "t", &e), 0);
    assert_int_equal(deployment_settle_target(f->s, &f->a, t, &e), 0);
    assert_target(f, t, TARGET_STATUS_PENDING, d1, inst);
    fx_exec(f, "UPDATE actions SET active = 0");
    assert_int_equal(deployment_settle_target(f->s, &f->a, t, &e), 0);
    assert_target(f, t, TARGET_STATUS_IN_SYNC, inst, inst);
    assert_int_equal(fx_get_target(f, t).installed_at, 5);
}

static void test_messages_json(void **state)
{
    struct fixture *f = *state;
    const char *msgs[] = {"plain", "quote \" back \\ nl \n", "caf\xc3\xa9"};
    char *json = deployment_messages_json(&f->a, msgs, 3);
    struct db_stmt *st = db_prepare_temp(f->s->db,
                                         "SELECT json_array_length(?1), json_extract(?1, '$[0]'),"
                                         " json_extract(?1, '$[1]'), json_extract(?1, '$[2]')",
                                         NULL);
    assert_non_null(st);
    db_bind_text(st, 1, json);
    assert_int_equal(db_step(st, NULL), DB_ROW);
    assert_int_equal(db_col_int(st, 0), 3);
    assert_string_equal(db_col_text(st, 1), "plain");
    assert_string_equal(db_col_text(st, 2), "quote \" back \\ nl \n");
    assert_string_equal(db_col_text(st, 3), "caf\xc3\xa9");
    db_done(st);
    assert_string_equal(deployment_messages_json(&f->a, NULL, 0), "[]");
}

#define T(name) cmocka_unit_test_setup_teardown(name, fixture_setup, fixture_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_assign_creates_running_action),
        T(test_assign_type_and_weight),
        T(test_assign_implicit_lock_off),
        T(test_assign_already_assigned_is_noop),
        T(test_assign_supersedes_open_action),
        T(test_assign_autoclose),
        T(test_assign_keeps_required_migration_step),
        T(test_assign_confirmation_required),
        T(test_assign_offline),
        T(test_assign_rejects_bad_items),
        T(test_cancel_and_force_quit),
        T(test_force_quit_needs_canceling),
        T(test_force_quit_with_other_open_action),
        T(test_cancel_waiting_for_confirmation),
        T(test_settle_target),
        T(test_messages_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
