/* Tests src/core/controller.c: what a device's feedback does to its action and
 * target (hawkBit reference a.5, a.6, a.4, a.9, e.1, e.2, e.5), against a real
 * SQLite store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above. */
#include <cmocka.h>

#include "../store_fixture.h"
#include "core/controller.h"
#include "util/time.h"

/* ---- helpers ---- */

static struct feedback fb_of(enum feedback_execution ex, enum feedback_result res)
{
    return (struct feedback){
        .execution = ex, .result = res, .code = ACTION_STATUS_NO_CODE, .timestamp = -1};
}

static int feedback(struct fixture *f, int64_t target, int64_t action, enum feedback_execution ex,
                    enum feedback_result res)
{
    struct feedback fb = fb_of(ex, res);
    struct error e;
    return controller_feedback(f->s, target, action, &fb, &e);
}

static int cancel_feedback(struct fixture *f, int64_t target, int64_t action,
                           enum feedback_execution ex, enum feedback_result res)
{
    struct feedback fb = fb_of(ex, res);
    struct error e;
    return controller_cancel_feedback(f->s, target, action, &fb, &e);
}

/* The decoded messages of the action's history (device messages only, newest
 * entry first). */
static const char **messages(struct fixture *f, int64_t action, size_t *n)
{
    const char **items;
    struct error e;
    assert_int_equal(store_controller_messages(f->s, action, 1000, &f->a, &items, n, &e), 0);
    return items;
}

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

/* A target "dev" with set `installed` installed (finished through feedback). */
static int64_t installed_target(struct fixture *f, const char *controller_id, int64_t installed)
{
    int64_t t = fx_target(f, controller_id);
    int64_t x = fx_assign(f, controller_id, installed);
    assert_int_equal(feedback(f, t, x, EXEC_CLOSED, RESULT_SUCCESS), 0);
    assert_target(f, t, TARGET_STATUS_IN_SYNC, installed, installed);
    return t;
}

/* Fills the action's history up to `entries` rows. */
static void fill_history(struct fixture *f, int64_t action, size_t entries)
{
    size_t have = fx_history_count(f, action);
    if (entries <= have)
        return;
    char sql[512];
    snprintf(sql, sizeof(sql),
             "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < %zu)"
             " INSERT INTO action_statuses (action_id, status, messages, occurred_at,"
             " reported_at) SELECT %lld, 'running', '[]', 1, 1 FROM c",
             entries - have, (long long)action);
    fx_exec(f, sql);
    assert_int_equal(fx_history_count(f, action), entries);
}

/* ---- names and deployment mode ---- */

static void test_parse_names(void **state)
{
    (void)state;
    assert_int_equal(controller_parse_execution("closed"), EXEC_CLOSED);
    assert_int_equal(controller_parse_execution("proceeding"), EXEC_PROCEEDING);
    assert_int_equal(controller_parse_execution("canceled"), EXEC_CANCELED);
    assert_int_equal(controller_parse_execution("scheduled"), EXEC_SCHEDULED);
    assert_int_equal(controller_parse_execution("rejected"), EXEC_REJECTED);
    assert_int_equal(controller_parse_execution("resumed"), EXEC_RESUMED);
    assert_int_equal(controller_parse_execution("downloaded"), EXEC_DOWNLOADED);
    assert_int_equal(controller_parse_execution("download"), EXEC_DOWNLOAD);
    assert_int_equal(controller_parse_execution("CLOSED"), -1);
    assert_int_equal(controller_parse_execution("cancelled"), -1);
    assert_int_equal(controller_parse_execution(""), -1);
    assert_int_equal(controller_parse_execution(NULL), -1);
    assert_int_equal(controller_parse_result("none"), RESULT_NONE);
    assert_int_equal(controller_parse_result("success"), RESULT_SUCCESS);
    assert_int_equal(controller_parse_result("failure"), RESULT_FAILURE);
    assert_int_equal(controller_parse_result("Success"), -1);
    assert_int_equal(controller_parse_result(NULL), -1);
}

static struct action mode_action(int64_t id, const char *type, int64_t forced_time)
{
    return (struct action){.id = id, .action_type = type, .forced_time = forced_time};
}

static void test_deployment_mode_types(void **state)
{
    (void)state;
    struct deployment_mode m;
    struct action x = mode_action(8, "forced", -1);
    controller_deployment_mode(&x, 1000, &m);
    assert_string_equal(m.download, "forced");
    assert_string_equal(m.update, "forced");
    assert_null(m.window);
    assert_false(m.forced_reached);

    x = mode_action(8, "soft", -1);
    controller_deployment_mode(&x, 1000, &m);
    assert_string_equal(m.download, "attempt");
    assert_string_equal(m.update, "attempt");
    assert_null(m.window);
    assert_false(m.forced_reached);

    x = mode_action(8, "downloadonly", -1);
    controller_deployment_mode(&x, 1000, &m);
    assert_string_equal(m.download, "forced");
    assert_string_equal(m.update, "skip");
    assert_null(m.window);
    assert_false(m.forced_reached);
}

static void test_deployment_mode_timeforced(void **state)
{
    (void)state;
    struct deployment_mode before, before2, at, after;
    struct action x = mode_action(8, "timeforced", 5000);
    controller_deployment_mode(&x, 4999, &before);
    assert_string_equal(before.download, "attempt");
    assert_string_equal(before.update, "attempt");
    assert_false(before.forced_reached);
    controller_deployment_mode(&x, 0, &before2);
    controller_deployment_mode(&x, 5000, &at);
    assert_string_equal(at.download, "forced");
    assert_string_equal(at.update, "forced");
    assert_true(at.forced_reached);
    controller_deployment_mode(&x, 99999, &after);
    assert_string_equal(after.download, "forced");
    assert_string_equal(after.update, "forced");
    assert_true(after.forced_reached);
    assert_null(after.window);

    /* c changes exactly when the decision does. */
    assert_int_equal(before.c, before2.c);
    assert_int_equal(at.c, after.c);
    assert_int_not_equal(before.c, at.c);

    /* A soft action has the same c before and after any time; it matches the
     * not-yet-forced time-forced action of the same id. */
    struct deployment_mode soft;
    x = mode_action(8, "soft", -1);
    controller_deployment_mode(&x, 99999, &soft);
    assert_int_equal(soft.c, before.c);
    /* Different actions have different c. */
    struct deployment_mode other;
    x = mode_action(9, "soft", -1);
    controller_deployment_mode(&x, 99999, &other);
    assert_int_not_equal(other.c, soft.c);
}

/* ---- deployment feedback: every row of the table ---- */

static void test_closed_success_finishes(void **state)
{
    struct fixture *f = *state;
    int64_t t = fx_target(f, "dev");
    int64_t ds = fx_ds(f, "rel");
    int64_t x = fx_assign(f, "dev", ds);
    assert_target(f, t, TARGET_STATUS_PENDING, ds, -1);
    assert_int_equal(store_controller_request_attributes(f->s, t, false, NULL), 0);

    struct feedback fb = fb_of(EXEC_CLOSED, RESULT_SUCCESS);
    fb.timestamp = 1691065903238;
    struct error e;
    assert_int_equal(controller_feedback(f->s, t, x, &fb, &e), 0);
    assert_action(f, t, x, ACTION_FINISHED, false);
    assert_target(f, t, TARGET_STATUS_IN_SYNC, ds, ds);
    struct target tg = fx_get_target(f, t);
    assert_int_equal(tg.installed_at, 1691065903238);
    assert_true(tg.request_attributes);

    struct action_status st = fx_latest(f, x);
    assert_string_equal(st.status, ACTION_FINISHED);
    assert_int_equal(st.occurred_at, 1691065903238);
    assert_int_equal(st.code, ACTION_STATUS_NO_CODE);
    assert_string_equal(st.messages_json, "[\"Update Server: Target reported closed\"]");
    assert_int_equal(fx_history_count(f, x), 2); /* assignment + feedback */
}

static void test_closed_none_is_success(void **state)
{
    struct fixture *f = *state;
    int64_t t = fx_target(f, "dev");
    int64_t ds = fx_ds(f, "rel");
    int64_t x = fx_assign(f, "dev", ds);
    int64_t before = time_now_ms();
    assert_int_equal(feedback(f, t, x, EXEC_CLOSED, RESULT_NONE), 0);
    int64_t after = time_now_ms();
    assert_action(f, t, x, ACTION_FINISHED, false);
    assert_target(f, t, TARGET_STATUS_IN_SYNC, ds, ds);
    struct target tg = fx_get_target(f, t);
    assert_in_range(tg.installed_at, before, after);
    struct action_status st = fx_latest(f, x);
    assert_string_equal(st.status, ACTION_FINISHED);
    assert_in_range(st.occurred_at, before, after);
    assert_in_range(st.reported_at, before, after);
}

static void test_closed_failure_errors(void **state)
{
    struct fixture *f = *state;
    int64_t old = fx_ds(f, "old"), ds = fx_ds(f, "new");
    int64_t t = installed_target(f, "dev", old);
    int64_t x = fx_assign(f, "dev", ds);
    assert_target(f, t, TARGET_STATUS_PENDING, ds, old);
    assert_int_equal(feedback(f, t, x, EXEC_CLOSED, RESULT_FAILURE), 0);
    assert_action(f, t, x, ACTION_ERROR, false);
    assert_target(f, t, TARGET_STATUS_ERROR, -1, old);
    assert_string_equal(fx_latest(f, x).status, ACTION_ERROR);
    /* After the error the same set can be assigned again (assigned was cleared). */
    int64_t again = fx_assign(f, "dev", ds);
    assert_true(again > x);
    assert_target(f, t, TARGET_STATUS_PENDING, ds, old);
}

/* The failing action was superseded and another one is still open: the target
 * keeps waiting for that one (current behaviour; the reference table only knows
 * the single-action case). */
static void test_closed_failure_with_other_open_action(void **state)
{
    struct fixture *f = *state;
    int64_t d1 = fx_ds(f, "one"), d2 = fx_ds(f, "two");
    int64_t t = fx_target(f, "dev");
    int64_t x1 = fx_assign(f, "dev", d1);
    int64_t x2 = fx_assign(f, "dev", d2);
    assert_action(f, t, x1, ACTION_CANCELING, true);
    /* The deployment feedback endpoint keeps accepting feedback of a canceling action. */
    assert_int_equal(feedback(f, t, x1, EXEC_CLOSED, RESULT_FAILURE), 0);
    assert_action(f, t, x1, ACTION_ERROR, false);
    assert_action(f, t, x2, ACTION_RUNNING, true);
    assert_target(f, t, TARGET_STATUS_PENDING, d2, -1);
}

/* A canceling action finishing normally (reference e.5 note): installed, but the
 * newer assignment keeps the target pending. */
static void test_closed_success_with_newer_assignment(void **state)
{
    struct fixture *f = *state;
    int64_t d1 = fx_ds(f, "one"), d2 = fx_ds(f, "two");
    int64_t t = fx_target(f, "dev");
    int64_t x1 = fx_assign(f, "dev", d1);
    int64_t x2 = fx_assign(f, "dev", d2);
    assert_int_equal(feedback(f, t, x1, EXEC_CLOSED, RESULT_SUCCESS), 0);
    assert_action(f, t, x1, ACTION_FINISHED, false);
    assert_action(f, t, x2, ACTION_RUNNING, true);
    assert_target(f, t, TARGET_STATUS_PENDING, d2, d1);
    /* Then the newer one finishes: in sync. */
    assert_int_equal(feedback(f, t, x2, EXEC_CLOSED, RESULT_SUCCESS), 0);
    assert_target(f, t, TARGET_STATUS_IN_SYNC, d2, d2);
}

static void test_downloaded_download_only(void **state)
{
    struct fixture *f = *state;
    int64_t old = fx_ds(f, "old"), ds = fx_ds(f, "new");
    int64_t t = installed_target(f, "dev", old);
    int64_t x = fx_assign_type(f, "dev", ds, "downloadonly", -1, -1);
    assert_int_equal(store_controller_request_attributes(f->s, t, false, NULL), 0);
    assert_int_equal(feedback(f, t, x, EXEC_DOWNLOADED, RESULT_NONE), 0);
    assert_action(f, t, x, ACTION_DOWNLOADED, false);
    /* in sync, but the set is only downloaded: installed stays the old one */
    assert_target(f, t, TARGET_STATUS_IN_SYNC, ds, old);
    assert_true(fx_get_target(f, t).request_attributes);
    struct action_status st = fx_latest(f, x);
    assert_string_equal(st.status, ACTION_DOWNLOADED);
    assert_string_equal(st.messages_json, "[\"Update Server: Target reported downloaded\"]");
    /* closed now: further feedback is gone */
    assert_int_equal(feedback(f, t, x, EXEC_CLOSED, RESULT_SUCCESS), -ERR_GONE);
}

/* Feedback that only adds a history entry: (execution, result, stored status). */
static void check_history_only(struct fixture *f, const char *type, enum feedback_execution ex,
                               enum feedback_result res, const char *entry)
{
    int64_t t = fx_target(f, "dev");
    int64_t ds = fx_ds(f, "rel");
    int64_t x = fx_assign_type(f, "dev", ds, type, -1, -1);
    struct error e;
    struct action cur = fx_get_action(f, t, x);
    assert_int_equal(controller_retrieved(f->s, &cur, false, &e), 0);
    assert_int_equal(store_controller_request_attributes(f->s, t, false, NULL), 0);
    size_t n0 = fx_history_count(f, x);
    assert_int_equal(feedback(f, t, x, ex, res), 0);
    assert_int_equal(fx_history_count(f, x), n0 + 1);
    struct action_status st = fx_latest(f, x);
    assert_string_equal(st.status, entry);
    /* the action keeps its status (retrieved) and stays open; the target waits */
    assert_action(f, t, x, ACTION_RETRIEVED, true);
    assert_target(f, t, TARGET_STATUS_PENDING, ds, -1);
    assert_false(fx_get_target(f, t).request_attributes);
}

static void test_history_only_rows(void **state)
{
    struct fixture *f = *state;
    static const struct {
        const char *type;
        enum feedback_execution ex;
        enum feedback_result res;
        const char *entry;
    } rows[] = {
        {"forced", EXEC_DOWNLOADED, RESULT_SUCCESS, ACTION_DOWNLOADED},
        {"soft", EXEC_DOWNLOADED, RESULT_NONE, ACTION_DOWNLOADED},
        {"forced", EXEC_DOWNLOAD, RESULT_NONE, ACTION_DOWNLOAD},
        {"downloadonly", EXEC_DOWNLOAD, RESULT_SUCCESS, ACTION_DOWNLOAD},
        {"forced", EXEC_PROCEEDING, RESULT_NONE, ACTION_RUNNING},
        {"forced", EXEC_PROCEEDING, RESULT_FAILURE, ACTION_RUNNING},
        {"forced", EXEC_SCHEDULED, RESULT_NONE, ACTION_RUNNING},
        {"forced", EXEC_RESUMED, RESULT_SUCCESS, ACTION_RUNNING},
        {"forced", EXEC_REJECTED, RESULT_NONE, ACTION_WARNING},
        {"forced", EXEC_REJECTED, RESULT_FAILURE, ACTION_WARNING},
        {"forced", EXEC_CANCELED, RESULT_NONE, ACTION_CANCELED},
        {"forced", EXEC_CANCELED, RESULT_SUCCESS, ACTION_CANCELED},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        fixture_teardown(state);
        assert_int_equal(fixture_setup(state), 0);
        f = *state;
        check_history_only(f, rows[i].type, rows[i].ex, rows[i].res, rows[i].entry);
    }
}

static void test_server_note_names_execution(void **state)
{
    struct fixture *f = *state;
    int64_t t = fx_target(f, "dev");
    int64_t x = fx_assign(f, "dev", fx_ds(f, "rel"));
    static const struct {
        enum feedback_execution ex;
        const char *json;
    } rows[] = {
        {EXEC_PROCEEDING, "[\"Update Server: Target reported proceeding\"]"},
        {EXEC_SCHEDULED, "[\"Update Server: Target reported scheduled\"]"},
        {EXEC_RESUMED, "[\"Update Server: Target reported resumed\"]"},
        {EXEC_REJECTED, "[\"Update Server: Target reported rejected\"]"},
        {EXEC_CANCELED, "[\"Update Server: Target reported canceled\"]"},
        {EXEC_DOWNLOAD, "[\"Update Server: Target reported download\"]"},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        assert_int_equal(feedback(f, t, x, rows[i].ex, RESULT_NONE), 0);
        assert_string_equal(fx_latest(f, x).messages_json, rows[i].json);
    }
    /* none of them reaches the device's history view */
    size_t n;
    messages(f, x, &n);
    assert_int_equal(n, 0);
}

/* ---- deployment feedback: refusals ---- */

static void test_feedback_closed_action_gone(void **state)
{
    struct fixture *f = *state;
    int64_t t = fx_target(f, "dev");
    int64_t ds = fx_ds(f, "rel");
    int64_t x = fx_assign(f, "dev", ds);
    assert_int_equal(feedback(f, t, x, EXEC_CLOSED, RESULT_SUCCESS), 0);
    size_t n = fx_history_count(f, x);
    struct feedback fb = fb_of(EXEC_PROCEEDING, RESULT_NONE);
    struct error e;
    assert_int_equal(controller_feedback(f->s, t, x, &fb, &e), -ERR_GONE);
    assert_int_equal(e.kind, ERR_GONE);
    assert_string_equal(e.code, "action.inactive");
    assert_int_equal(feedback(f, t, x, EXEC_CLOSED, RESULT_FAILURE), -ERR_GONE);
    /* nothing stored, nothing changed */
    assert_int_equal(fx_history_count(f, x), n);
    assert_action(f, t, x, ACTION_FINISHED, false);
    assert_target(f, t, TARGET_STATUS_IN_SYNC, ds, ds);

    /* an action closed by a canceled cancelation is gone too */
    int64_t d2 = fx_ds(f, "two");
    int64_t x2 = fx_assign(f, "dev", d2);
    assert_int_equal(deployment_cancel(f->s, t, x2, false, "op", &e), 0);
    assert_int_equal(cancel_feedback(f, t, x2, EXEC_CLOSED, RESULT_SUCCESS), 0);
    assert_int_equal(feedback(f, t, x2, EXEC_CLOSED, RESULT_SUCCESS), -ERR_GONE);
}

static void test_feedback_not_found(void **state)
{
    struct fixture *f = *state;
    int64_t t1 = fx_target(f, "dev1");
    int64_t t2 = fx_target(f, "dev2");
    int64_t x = fx_assign(f, "dev1", fx_ds(f, "rel"));
    size_t n = fx_history_count(f, x);
    struct feedback fb = fb_of(EXEC_CLOSED, RESULT_SUCCESS);
    struct error e;
    assert_int_equal(controller_feedback(f->s, t2, x, &fb, &e), -ERR_NOT_FOUND);
    assert_string_equal(e.code, "repo.entityNotFound");
    assert_int_equal(controller_feedback(f->s, t1, x + 100, &fb, &e), -ERR_NOT_FOUND);
    assert_int_equal(controller_cancel_feedback(f->s, t2, x, &fb, &e), -ERR_NOT_FOUND);
    assert_int_equal(fx_history_count(f, x), n);
    assert_action(f, t1, x, ACTION_RUNNING, true);
}

static void test_feedback_waiting_for_confirmation(void **state)
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
    assert_action(f, t, x, ACTION_WAIT_FOR_CONFIRMATION, true);
    size_t n = fx_history_count(f, x);
    struct feedback fb = fb_of(EXEC_CLOSED, RESULT_SUCCESS);
    struct error e;
    assert_int_equal(controller_feedback(f->s, t, x, &fb, &e), -ERR_NOT_FOUND);
    assert_int_equal(e.kind, ERR_NOT_FOUND);
    assert_int_equal(fx_history_count(f, x), n);
    assert_action(f, t, x, ACTION_WAIT_FOR_CONFIRMATION, true);
}

static void test_feedback_quota(void **state)
{
    struct fixture *f = *state;
    int64_t t = fx_target(f, "dev");
    int64_t x = fx_assign(f, "dev", fx_ds(f, "rel"));
    fill_history(f, x, CONTROLLER_MAX_STATUS_ENTRIES - 1);
    assert_int_equal(feedback(f, t, x, EXEC_PROCEEDING, RESULT_NONE), 0); /* the 1000th */
    assert_int_equal(fx_history_count(f, x), 1000);
    struct feedback fb = fb_of(EXEC_PROCEEDING, RESULT_NONE);
    struct error e;
    assert_int_equal(controller_feedback(f->s, t, x, &fb, &e), -ERR_QUOTA);
    assert_string_equal(e.code, "quota.tooManyEntries");
    assert_int_equal(fx_history_count(f, x), 1000);
    /* hawkBit's quota counts intermediate entries only: the closing report still lands */
    int64_t y = fx_assign(f, "dev", fx_ds(f, "rel2")); /* x is now canceling */
    fill_history(f, y, CONTROLLER_MAX_STATUS_ENTRIES);
    assert_int_equal(controller_feedback(f->s, t, y, &fb, &e), -ERR_QUOTA);
    assert_int_equal(feedback(f, t, y, EXEC_CLOSED, RESULT_SUCCESS), 0);
    assert_action(f, t, y, ACTION_FINISHED, false);

    /* cancel feedback: history-only entries are capped, the acknowledgement is not */
    assert_int_equal(cancel_feedback(f, t, x, EXEC_PROCEEDING, RESULT_NONE), -ERR_QUOTA);
    assert_int_equal(cancel_feedback(f, t, x, EXEC_CLOSED, RESULT_SUCCESS), 0);
    assert_action(f, t, x, ACTION_CANCELED, false);
}

static void test_stale_copies_do_not_reopen(void **state)
{
    struct fixture *f = *state;
    struct error e;
    int64_t t = fx_target(f, "dev");
    int64_t x = fx_assign(f, "dev", fx_ds(f, "rel"));
    struct action stale = fx_get_action(f, t, x);
    /* canceled by an operator while the device's read was under way */
    assert_int_equal(deployment_cancel(f->s, t, x, false, "op", &e), 0);
    assert_int_equal(controller_retrieved(f->s, &stale, false, &e), 0);
    assert_action(f, t, x, ACTION_CANCELING, true);
    assert_int_equal(controller_cancel_lapsed(f->s, &stale, &e), 0);
    assert_action(f, t, x, ACTION_CANCELING, true);
    /* finished while the read was under way */
    int64_t y = fx_assign(f, "dev", fx_ds(f, "rel2"));
    stale = fx_get_action(f, t, y);
    assert_int_equal(feedback(f, t, y, EXEC_CLOSED, RESULT_SUCCESS), 0);
    assert_int_equal(controller_retrieved(f->s, &stale, false, &e), 0);
    assert_int_equal(controller_cancel_lapsed(f->s, &stale, &e), 0);
    assert_action(f, t, y, ACTION_FINISHED, false);
}

/* ---- messages, code, timestamps ---- */

static void test_details_and_code(void **state)
{
    struct fixture *f = *state;
    int64_t t = fx_target(f, "dev");
    int64_t x = fx_assign(f, "dev", fx_ds(f, "rel"));
    assert_int_equal(fx_get_action(f, t, x).last_status_code, ACTION_STATUS_NO_CODE);

    const char *details[] = {"Downloading artifact 2 of 5", "quote \" and \\ backslash"};
    struct feedback fb = fb_of(EXEC_PROCEEDING, RESULT_NONE);
    fb.details = details;
    fb.n_details = 2;
    fb.code = 200;
    fb.timestamp = 1234;
    struct error e;
    assert_int_equal(controller_feedback(f->s, t, x, &fb, &e), 0);
    struct action_status st = fx_latest(f, x);
    assert_string_equal(st.status, ACTION_RUNNING);
    assert_int_equal(st.code, 200);
    assert_int_equal(st.occurred_at, 1234);
    assert_true(st.reported_at > 1234);
    assert_int_equal(fx_get_action(f, t, x).last_status_code, 200);
    size_t n;
    const char **m = messages(f, x, &n);
    assert_int_equal(n, 3);
    assert_string_equal(m[0], "Downloading artifact 2 of 5");
    assert_string_equal(m[1], "quote \" and \\ backslash");
    assert_string_equal(m[2], "Device reported status code: 200");

    /* a code without details: only the code message, no server note */
    fb = fb_of(EXEC_CLOSED, RESULT_FAILURE);
    fb.code = 0;
    assert_int_equal(controller_feedback(f->s, t, x, &fb, &e), 0);
    st = fx_latest(f, x);
    assert_int_equal(st.code, 0);
    assert_string_equal(st.messages_json, "[\"Device reported status code: 0\"]");
    assert_int_equal(fx_get_action(f, t, x).last_status_code, 0);

    /* later feedback without a code keeps the last code */
    int64_t x2 = fx_assign(f, "dev", fx_ds(f, "two"));
    fb = fb_of(EXEC_PROCEEDING, RESULT_NONE);
    fb.code = 42;
    assert_int_equal(controller_feedback(f->s, t, x2, &fb, &e), 0);
    assert_int_equal(feedback(f, t, x2, EXEC_DOWNLOAD, RESULT_NONE), 0);
    assert_int_equal(fx_latest(f, x2).code, ACTION_STATUS_NO_CODE);
    assert_int_equal(fx_get_action(f, t, x2).last_status_code, 42);
}

static const char **numbered(struct fixture *f, size_t n)
{
    const char **d = arena_alloc(&f->a, sizeof(*d) * n);
    for (size_t i = 0; i < n; i++)
        d[i] = arena_sprintf(&f->a, "d%zu", i);
    return d;
}

static void test_too_many_details_keep_newest(void **state)
{
    struct fixture *f = *state;
    int64_t t = fx_target(f, "dev");
    int64_t x = fx_assign(f, "dev", fx_ds(f, "rel"));
    struct error e;
    size_t n;
    const char **m;

    /* 60 details: the newest 50 */
    struct feedback fb = fb_of(EXEC_PROCEEDING, RESULT_NONE);
    fb.details = numbered(f, 60);
    fb.n_details = 60;
    assert_int_equal(controller_feedback(f->s, t, x, &fb, &e), 0);
    m = messages(f, x, &n);
    assert_int_equal(n, CONTROLLER_MAX_MESSAGES);
    assert_string_equal(m[0], "d10");
    assert_string_equal(m[49], "d59");

    /* exactly 50 details fit */
    fb.n_details = 50;
    assert_int_equal(controller_feedback(f->s, t, x, &fb, &e), 0);
    m = messages(f, x, &n);
    assert_int_equal(n, 100);
    assert_string_equal(m[0], "d0");
    assert_string_equal(m[49], "d49");

    /* 60 details and a code: the newest 49 and the code message */
    fb.n_details = 60;
    fb.code = 7;
    assert_int_equal(controller_feedback(f->s, t, x, &fb, &e), 0);
    m = messages(f, x, &n);
    assert_int_equal(n, 150);
    assert_string_equal(m[0], "d11");
    assert_string_equal(m[48], "d59");
    assert_string_equal(m[49], "Device reported status code: 7");
}

static void test_long_message_cut(void **state)
{
    struct fixture *f = *state;
    int64_t t = fx_target(f, "dev");
    int64_t x = fx_assign(f, "dev", fx_ds(f, "rel"));
    char ascii[700], two[600], three[600], exact[513];
    memset(ascii, 'a', sizeof(ascii) - 1);
    ascii[sizeof(ascii) - 1] = '\0';
    /* 511 'b' then "é" (c3 a9) spanning bytes 511-512 */
    memset(two, 'b', 511);
    strcpy(two + 511, "\xc3\xa9tail");
    /* 510 'c' then "€" (e2 82 ac) spanning bytes 510-512 */
    memset(three, 'c', 510);
    strcpy(three + 510, "\xe2\x82\xacmore");
    /* exactly 512 bytes ending in a complete "é" */
    memset(exact, 'd', 510);
    strcpy(exact + 510, "\xc3\xa9");
    const char *details[] = {ascii, two, three, exact, NULL};
    struct feedback fb = fb_of(EXEC_PROCEEDING, RESULT_NONE);
    fb.details = details;
    fb.n_details = 5;
    struct error e;
    assert_int_equal(controller_feedback(f->s, t, x, &fb, &e), 0);
    size_t n;
    const char **m = messages(f, x, &n);
    assert_int_equal(n, 5);
    assert_int_equal(strlen(m[0]), CONTROLLER_MAX_MESSAGE_LEN);
    assert_int_equal(strspn(m[0], "a"), 512);
    assert_int_equal(strlen(m[1]), 511);
    assert_int_equal(strspn(m[1], "b"), 511);
    assert_int_equal(strlen(m[2]), 510);
    assert_int_equal(strspn(m[2], "c"), 510);
    assert_string_equal(m[3], exact);
    assert_string_equal(m[4], ""); /* a NULL detail becomes an empty message */
}

/* ---- reads that leave a trace ---- */

static void test_retrieved_once(void **state)
{
    struct fixture *f = *state;
    int64_t t = fx_target(f, "dev");
    int64_t x = fx_assign(f, "dev", fx_ds(f, "rel"));
    struct action cur = fx_get_action(f, t, x);
    struct error e;
    assert_int_equal(controller_retrieved(f->s, &cur, false, &e), 0);
    assert_action(f, t, x, ACTION_RETRIEVED, true);
    assert_int_equal(fx_history_count(f, x), 2);
    struct action_status st = fx_latest(f, x);
    assert_string_equal(st.status, ACTION_RETRIEVED);
    assert_string_equal(st.messages_json, "[\"Update Server: Target retrieved update action and "
                                          "should start now the download.\"]");
    /* the latest entry already is RETRIEVED: not duplicated */
    assert_int_equal(controller_retrieved(f->s, &cur, false, &e), 0);
    assert_int_equal(fx_history_count(f, x), 2);
    /* after other feedback a new read is recorded again */
    assert_int_equal(feedback(f, t, x, EXEC_PROCEEDING, RESULT_NONE), 0);
    assert_int_equal(controller_retrieved(f->s, &cur, false, &e), 0);
    assert_int_equal(fx_history_count(f, x), 4);
    assert_string_equal(fx_latest(f, x).status, ACTION_RETRIEVED);
}

static void test_retrieved_cancel(void **state)
{
    struct fixture *f = *state;
    int64_t t = fx_target(f, "dev");
    int64_t x = fx_assign(f, "dev", fx_ds(f, "rel"));
    struct error e;
    assert_int_equal(deployment_cancel(f->s, t, x, false, "op", &e), 0);
    struct action cur = fx_get_action(f, t, x);
    assert_int_equal(controller_retrieved(f->s, &cur, true, &e), 0);
    assert_action(f, t, x, ACTION_CANCELING, true); /* status unchanged */
    struct action_status st = fx_latest(f, x);
    assert_string_equal(st.status, ACTION_RETRIEVED);
    assert_string_equal(st.messages_json, "[\"Update Server: Target retrieved cancel action and "
                                          "should start now the cancelation.\"]");
    size_t n = fx_history_count(f, x);
    assert_int_equal(controller_retrieved(f->s, &cur, true, &e), 0);
    assert_int_equal(fx_history_count(f, x), n);
}

static void test_downloaded_entry(void **state)
{
    struct fixture *f = *state;
    int64_t t = fx_target(f, "dev");
    int64_t x = fx_assign(f, "dev", fx_ds(f, "rel"));
    struct error e;
    assert_int_equal(controller_downloaded(f->s, x, "/a/b/rootfs.swu", &e), 0);
    struct action_status st = fx_latest(f, x);
    assert_string_equal(st.status, ACTION_DOWNLOAD);
    assert_string_equal(st.messages_json, "[\"Update Server: Target downloads /a/b/rootfs.swu\"]");
    assert_action(f, t, x, ACTION_RUNNING, true);
}

/* ---- cancel feedback: every row of the table ---- */

/* dev with `old` installed, an action for a new set being canceled. */
static int64_t canceling_action(struct fixture *f, int64_t *t, int64_t *old)
{
    *old = fx_ds(f, "old");
    *t = installed_target(f, "dev", *old);
    int64_t x = fx_assign(f, "dev", fx_ds(f, "new"));
    struct error e;
    assert_int_equal(deployment_cancel(f->s, *t, x, false, "op", &e), 0);
    assert_action(f, *t, x, ACTION_CANCELING, true);
    return x;
}

static void test_cancel_closed_completes(void **state)
{
    static const enum feedback_result results[] = {RESULT_SUCCESS, RESULT_NONE};
    for (size_t i = 0; i < 2; i++) {
        if (i > 0) {
            fixture_teardown(state);
            assert_int_equal(fixture_setup(state), 0);
        }
        struct fixture *f = *state;
        int64_t t, old;
        int64_t x = canceling_action(f, &t, &old);
        struct feedback fb = fb_of(EXEC_CLOSED, results[i]);
        fb.timestamp = 777;
        struct error e;
        assert_int_equal(controller_cancel_feedback(f->s, t, x, &fb, &e), 0);
        assert_action(f, t, x, ACTION_CANCELED, false);
        assert_target(f, t, TARGET_STATUS_IN_SYNC, old, old);
        struct action_status st = fx_latest(f, x);
        assert_string_equal(st.status, ACTION_CANCELED);
        assert_int_equal(st.occurred_at, 777);
        assert_string_equal(st.messages_json, "[\"Update Server: Target reported cancelation\"]");
        /* closed: a repeated acknowledgement (client retry) is accepted and changes nothing */
        size_t entries = fx_history_count(f, x);
        assert_int_equal(controller_cancel_feedback(f->s, t, x, &fb, &e), 0);
        assert_action(f, t, x, ACTION_CANCELED, false);
        assert_int_equal(fx_history_count(f, x), entries);
    }
}

static void test_cancel_closed_nothing_installed(void **state)
{
    struct fixture *f = *state;
    int64_t t = fx_target(f, "dev");
    int64_t x = fx_assign(f, "dev", fx_ds(f, "rel"));
    struct error e;
    assert_int_equal(deployment_cancel(f->s, t, x, false, "op", &e), 0);
    assert_int_equal(cancel_feedback(f, t, x, EXEC_CLOSED, RESULT_SUCCESS), 0);
    assert_target(f, t, TARGET_STATUS_IN_SYNC, -1, -1);
}

static void test_cancel_closed_with_other_open_action(void **state)
{
    struct fixture *f = *state;
    int64_t old = fx_ds(f, "old"), d1 = fx_ds(f, "one"), d2 = fx_ds(f, "two");
    int64_t t = installed_target(f, "dev", old);
    int64_t x1 = fx_assign(f, "dev", d1);
    int64_t x2 = fx_assign(f, "dev", d2); /* supersedes x1 */
    assert_action(f, t, x1, ACTION_CANCELING, true);
    assert_int_equal(cancel_feedback(f, t, x1, EXEC_CLOSED, RESULT_SUCCESS), 0);
    assert_action(f, t, x1, ACTION_CANCELED, false);
    assert_action(f, t, x2, ACTION_RUNNING, true);
    assert_target(f, t, TARGET_STATUS_PENDING, d2, old);
}

/* Cancel feedback that reopens the action: (execution, result, stored entry). */
static void test_cancel_failed_back_to_running(void **state)
{
    static const struct {
        enum feedback_execution ex;
        enum feedback_result res;
        const char *entry;
    } rows[] = {
        {EXEC_CLOSED, RESULT_FAILURE, ACTION_ERROR},
        {EXEC_REJECTED, RESULT_NONE, ACTION_CANCEL_REJECTED},
        {EXEC_REJECTED, RESULT_SUCCESS, ACTION_CANCEL_REJECTED},
        {EXEC_REJECTED, RESULT_FAILURE, ACTION_CANCEL_REJECTED},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        if (i > 0) {
            fixture_teardown(state);
            assert_int_equal(fixture_setup(state), 0);
        }
        struct fixture *f = *state;
        int64_t t, old;
        int64_t x = canceling_action(f, &t, &old);
        int64_t assigned = fx_get_target(f, t).assigned_ds_id;
        assert_int_equal(cancel_feedback(f, t, x, rows[i].ex, rows[i].res), 0);
        assert_action(f, t, x, ACTION_RUNNING, true);
        assert_string_equal(fx_latest(f, x).status, rows[i].entry);
        assert_target(f, t, TARGET_STATUS_PENDING, assigned, old);
        /* running again: no longer cancelable by feedback, deployment feedback works */
        assert_int_equal(cancel_feedback(f, t, x, EXEC_CLOSED, RESULT_SUCCESS), -ERR_NOT_ALLOWED);
        assert_int_equal(feedback(f, t, x, EXEC_CLOSED, RESULT_SUCCESS), 0);
        assert_target(f, t, TARGET_STATUS_IN_SYNC, assigned, assigned);
    }
}

static void test_cancel_history_only_rows(void **state)
{
    struct fixture *f = *state;
    int64_t t, old;
    int64_t x = canceling_action(f, &t, &old);
    int64_t assigned = fx_get_target(f, t).assigned_ds_id;
    static const struct {
        enum feedback_execution ex;
        enum feedback_result res;
        const char *entry;
    } rows[] = {
        {EXEC_CANCELED, RESULT_NONE, ACTION_WARNING},
        {EXEC_CANCELED, RESULT_SUCCESS, ACTION_WARNING},
        {EXEC_PROCEEDING, RESULT_NONE, ACTION_RUNNING},
        {EXEC_SCHEDULED, RESULT_SUCCESS, ACTION_RUNNING},
        {EXEC_RESUMED, RESULT_FAILURE, ACTION_RUNNING},
        {EXEC_DOWNLOAD, RESULT_NONE, ACTION_RUNNING},
        {EXEC_DOWNLOADED, RESULT_SUCCESS, ACTION_RUNNING},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        size_t n = fx_history_count(f, x);
        assert_int_equal(cancel_feedback(f, t, x, rows[i].ex, rows[i].res), 0);
        assert_int_equal(fx_history_count(f, x), n + 1);
        assert_string_equal(fx_latest(f, x).status, rows[i].entry);
        assert_action(f, t, x, ACTION_CANCELING, true);
        assert_target(f, t, TARGET_STATUS_PENDING, assigned, old);
    }
}

static void test_cancel_feedback_not_canceling(void **state)
{
    struct fixture *f = *state;
    int64_t t = fx_target(f, "dev");
    int64_t x = fx_assign(f, "dev", fx_ds(f, "rel"));
    size_t n = fx_history_count(f, x);
    struct feedback fb = fb_of(EXEC_CLOSED, RESULT_SUCCESS);
    struct error e;
    assert_int_equal(controller_cancel_feedback(f->s, t, x, &fb, &e), -ERR_NOT_ALLOWED);
    assert_string_equal(e.code, "action.notCancelable");
    assert_int_equal(fx_history_count(f, x), n);
    assert_action(f, t, x, ACTION_RUNNING, true);
    /* finished actions are not cancelable either (no 410 on this path) */
    assert_int_equal(feedback(f, t, x, EXEC_CLOSED, RESULT_SUCCESS), 0);
    assert_int_equal(controller_cancel_feedback(f->s, t, x, &fb, &e), -ERR_NOT_ALLOWED);
}

/* ---- offline installation, registration ---- */

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

static void test_installed_offline(void **state)
{
    struct fixture *f = *state;
    int64_t t = fx_target(f, "dev");
    int64_t ds = fx_ds(f, "rel");
    bool created;
    struct error e;
    int64_t before = time_now_ms();
    assert_int_equal(controller_installed_offline(f->s, t, ds, &created, &e), 0);
    assert_true(created);
    assert_target(f, t, TARGET_STATUS_IN_SYNC, ds, ds);
    assert_in_range(fx_get_target(f, t).installed_at, before, time_now_ms());
    assert_int_equal(count_actions(f, t), 1);
    struct action *items;
    size_t n;
    int64_t total;
    struct list_query q = {0, 10, NULL, NULL, 0};
    assert_int_equal(store_action_list_for_target(f->s, t, &q, &f->a, &items, &n, &total, &e), 0);
    assert_string_equal(items[0].status, ACTION_FINISHED);
    assert_false(items[0].active);
    assert_int_equal(items[0].ds_id, ds);
    assert_string_equal(fx_latest(f, items[0].id).status, ACTION_FINISHED);

    /* again: nothing changes */
    assert_int_equal(controller_installed_offline(f->s, t, ds, &created, &e), 0);
    assert_false(created);
    assert_int_equal(count_actions(f, t), 1);
    assert_target(f, t, TARGET_STATUS_IN_SYNC, ds, ds);
    /* and an assignment of the installed set is a no-op */
    assert_int_equal(fx_assign(f, "dev", ds), 0);
}

static void test_installed_offline_with_open_action(void **state)
{
    struct fixture *f = *state;
    int64_t t = fx_target(f, "dev");
    int64_t d1 = fx_ds(f, "one"), d2 = fx_ds(f, "two");
    int64_t x = fx_assign(f, "dev", d1);
    bool created;
    struct error e;
    assert_int_equal(controller_installed_offline(f->s, t, d2, &created, &e), 0);
    assert_true(created);
    assert_target(f, t, TARGET_STATUS_PENDING, d1, d2);
    assert_action(f, t, x, ACTION_RUNNING, true);
    assert_int_equal(count_actions(f, t), 2);
}

static void test_register(void **state)
{
    struct fixture *f = *state;
    struct error e;
    assert_int_equal(controller_register(f->s, "newdev", "http://10.0.0.1", &e), 0);
    struct target t;
    assert_int_equal(store_target_get(f->s, "newdev", &f->a, &t, &e), 0);
    assert_string_equal(t.name, "newdev");
    assert_string_equal(t.description, "Plug and Play target: newdev");
    assert_string_equal(t.update_status, TARGET_STATUS_REGISTERED);
    assert_string_equal(t.address, "http://10.0.0.1");
    assert_true(t.request_attributes);
    assert_int_equal(strlen(t.security_token), 32);
    assert_int_equal(strspn(t.security_token, "0123456789abcdef"), 32);
    /* a second registration of the same id is not an error and changes nothing */
    assert_int_equal(controller_register(f->s, "newdev", "http://10.0.0.2", &e), 0);
    struct target again;
    assert_int_equal(store_target_get(f->s, "newdev", &f->a, &again, &e), 0);
    assert_int_equal(again.id, t.id);
    assert_string_equal(again.security_token, t.security_token);
    assert_string_equal(again.address, "http://10.0.0.1");
}

/* ---- configData ---- */

static struct attribute *attrs(struct fixture *f, const char *prefix, size_t n)
{
    struct attribute *items = arena_alloc(&f->a, sizeof(*items) * n);
    for (size_t i = 0; i < n; i++)
        items[i] = (struct attribute){arena_sprintf(&f->a, "%s%zu", prefix, i),
                                      arena_sprintf(&f->a, "v%zu", i)};
    return items;
}

static size_t attribute_count(struct fixture *f, int64_t t)
{
    struct attribute *items;
    size_t n;
    struct error e;
    assert_int_equal(store_target_attributes(f->s, t, &f->a, &items, &n, &e), 0);
    return n;
}

static const char *attribute(struct fixture *f, int64_t t, const char *key)
{
    struct attribute *items;
    size_t n;
    struct error e;
    assert_int_equal(store_target_attributes(f->s, t, &f->a, &items, &n, &e), 0);
    for (size_t i = 0; i < n; i++)
        if (strcmp(items[i].key, key) == 0)
            return items[i].value;
    return NULL;
}

static void test_config_data_modes(void **state)
{
    struct fixture *f = *state;
    int64_t t = fx_target(f, "dev");
    struct target tg = fx_get_target(f, t);
    assert_true(tg.request_attributes);
    struct error e;
    struct attribute first[] = {{"hw_rev", "B2"}, {"serial", "SN-000123"}, {"mac", "00:11"}};
    assert_int_equal(controller_config_data(f->s, t, ATTRIBUTES_MERGE, first, 3, &e), 0);
    assert_false(fx_get_target(f, t).request_attributes);
    assert_int_equal(attribute_count(f, t), 3);

    struct attribute merge[] = {{"hw_rev", "C1"}, {"mac", NULL}, {"new", "x"}};
    assert_int_equal(controller_config_data(f->s, t, ATTRIBUTES_MERGE, merge, 3, &e), 0);
    assert_int_equal(attribute_count(f, t), 3);
    assert_string_equal(attribute(f, t, "hw_rev"), "C1");
    assert_string_equal(attribute(f, t, "serial"), "SN-000123");
    assert_null(attribute(f, t, "mac"));
    assert_string_equal(attribute(f, t, "new"), "x");

    struct attribute remove[] = {{"serial", "ignored"}, {"nosuch", NULL}};
    assert_int_equal(controller_config_data(f->s, t, ATTRIBUTES_REMOVE, remove, 2, &e), 0);
    assert_int_equal(attribute_count(f, t), 2);
    assert_null(attribute(f, t, "serial"));

    struct attribute replace[] = {{"only", "1"}, {"gone", NULL}};
    assert_int_equal(controller_config_data(f->s, t, ATTRIBUTES_REPLACE, replace, 2, &e), 0);
    assert_int_equal(attribute_count(f, t), 1);
    assert_string_equal(attribute(f, t, "only"), "1");
}

static void test_config_data_validation(void **state)
{
    struct fixture *f = *state;
    int64_t t = fx_target(f, "dev");
    struct error e;
    assert_int_equal(controller_config_data(f->s, t, ATTRIBUTES_MERGE, NULL, 0, &e), -ERR_INVALID);
    assert_string_equal(e.code, "rest.body.notReadable");

    char k128[129], k129[130];
    memset(k128, 'k', 128);
    k128[128] = '\0';
    memset(k129, 'k', 129);
    k129[129] = '\0';
    const struct {
        const char *key, *value;
        int rc;
    } rows[] = {
        {k128, k128, 0},
        {k129, "v", -ERR_INVALID},
        {"k", k129, -ERR_INVALID},
        {"", "v", -ERR_INVALID},
        {"k\xc3\xa9y", "v", -ERR_INVALID},
        {"key", "v\xc3\xa9", -ERR_INVALID},
        {"key~", "v", -ERR_INVALID},
        {"key`", "v", -ERR_INVALID},
        {"a b_c-d!@#$%^&*()+=[]{}|;:'\",.<>/\\?", "tab\there", 0},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        struct attribute at = {rows[i].key, rows[i].value};
        assert_int_equal(controller_config_data(f->s, t, ATTRIBUTES_MERGE, &at, 1, &e), rows[i].rc);
        if (rows[i].rc)
            assert_string_equal(e.code, "repo.invalidTargetAttributes");
    }
    assert_int_equal(attribute_count(f, t), 2);
    /* remove ignores values */
    struct attribute rm = {k128, "v\xc3\xa9"};
    assert_int_equal(controller_config_data(f->s, t, ATTRIBUTES_REMOVE, &rm, 1, &e), 0);
    assert_int_equal(attribute_count(f, t), 1);
}

static void test_config_data_quota(void **state)
{
    struct fixture *f = *state;
    int64_t t = fx_target(f, "dev");
    struct error e;
    struct attribute *hundred = attrs(f, "a", 100);
    assert_int_equal(controller_config_data(f->s, t, ATTRIBUTES_MERGE, hundred, 100, &e), 0);
    assert_int_equal(attribute_count(f, t), 100);
    /* updating existing keys stays within the limit */
    assert_int_equal(controller_config_data(f->s, t, ATTRIBUTES_MERGE, hundred, 100, &e), 0);

    assert_int_equal(store_controller_request_attributes(f->s, t, true, NULL), 0);
    struct attribute extra = {"one-more", "v"};
    assert_int_equal(controller_config_data(f->s, t, ATTRIBUTES_MERGE, &extra, 1, &e), -ERR_QUOTA);
    assert_string_equal(e.code, "quota.tooManyEntries");
    /* nothing written, attributes still requested */
    assert_int_equal(attribute_count(f, t), 100);
    assert_null(attribute(f, t, "one-more"));
    assert_true(fx_get_target(f, t).request_attributes);

    /* 101 at once, on a fresh target too */
    int64_t t2 = fx_target(f, "dev2");
    struct attribute *many = attrs(f, "b", 101);
    assert_int_equal(controller_config_data(f->s, t2, ATTRIBUTES_MERGE, many, 101, &e), -ERR_QUOTA);
    assert_int_equal(attribute_count(f, t2), 0);
    assert_int_equal(controller_config_data(f->s, t2, ATTRIBUTES_REPLACE, many, 101, &e),
                     -ERR_QUOTA);
    /* replace counts only what remains */
    assert_int_equal(controller_config_data(f->s, t, ATTRIBUTES_REPLACE, many, 100, &e), 0);
    assert_int_equal(attribute_count(f, t), 100);
    assert_null(attribute(f, t, "a0"));
}

/* ---- confirmation ---- */

static int64_t waiting_action(struct fixture *f, int64_t *t)
{
    fx_config(f, "user.confirmation.flow.enabled", "true");
    *t = fx_target(f, "dev");
    struct assignment it = {.controller_id = "dev",
                            .ds_id = fx_ds(f, "rel"),
                            .forcetime = -1,
                            .weight = -1,
                            .confirmation_required = true};
    int64_t x = fx_assign_full(f, &it);
    assert_action(f, *t, x, ACTION_WAIT_FOR_CONFIRMATION, true);
    return x;
}

static void test_confirm_and_deny(void **state)
{
    struct fixture *f = *state;
    int64_t t;
    int64_t x = waiting_action(f, &t);
    struct error e;
    const char *details[] = {"user said no"};
    assert_int_equal(controller_confirm(f->s, t, x, false, 20, details, 1, &e), 0);
    assert_action(f, t, x, ACTION_WAIT_FOR_CONFIRMATION, true);
    struct action_status st = fx_latest(f, x);
    assert_string_equal(st.status, ACTION_WAIT_FOR_CONFIRMATION);
    assert_int_equal(st.code, 20);
    assert_string_equal(st.messages_json, "[\"user said no\",\"Device reported status code: 20\"]");

    assert_int_equal(controller_confirm(f->s, t, x, true, ACTION_STATUS_NO_CODE, NULL, 0, &e), 0);
    assert_action(f, t, x, ACTION_RUNNING, true);
    st = fx_latest(f, x);
    assert_string_equal(st.status, ACTION_RUNNING);
    assert_string_equal(st.messages_json, "[\"Update Server: Target confirmed the action.\"]");
    /* no longer waiting */
    assert_int_equal(controller_confirm(f->s, t, x, true, ACTION_STATUS_NO_CODE, NULL, 0, &e),
                     -ERR_NOT_FOUND);
    assert_int_equal(controller_confirm(f->s, t, x, false, ACTION_STATUS_NO_CODE, NULL, 0, &e),
                     -ERR_NOT_FOUND);
    /* now deployment feedback is accepted */
    assert_int_equal(feedback(f, t, x, EXEC_CLOSED, RESULT_SUCCESS), 0);
    assert_int_equal(controller_confirm(f->s, t, x, true, ACTION_STATUS_NO_CODE, NULL, 0, &e),
                     -ERR_GONE);
    /* another target cannot confirm it */
    int64_t other = fx_target(f, "other");
    assert_int_equal(controller_confirm(f->s, other, x, true, ACTION_STATUS_NO_CODE, NULL, 0, &e),
                     -ERR_NOT_FOUND);
}

static void test_auto_confirm(void **state)
{
    struct fixture *f = *state;
    int64_t t;
    int64_t x = waiting_action(f, &t);
    struct error e;
    assert_int_equal(controller_auto_confirm(f->s, t, true, "bob", "trust me", &e), 0);
    assert_action(f, t, x, ACTION_RUNNING, true);
    struct action_status st = fx_latest(f, x);
    assert_string_equal(st.status, ACTION_RUNNING);
    assert_string_equal(st.messages_json,
                        "[\"Update Server: Assignment automatically confirmed by initiator "
                        "'bob'.\"]");
    struct auto_confirm ac;
    assert_int_equal(store_controller_get_auto_confirm(f->s, t, &f->a, &ac, &e), 0);
    assert_true(ac.active);
    assert_string_equal(ac.initiator, "bob");
    assert_string_equal(ac.remark, "trust me");
    assert_true(ac.activated_at > 0);
    assert_true(fx_get_target(f, t).auto_confirm_active);

    /* already on: 409, nothing changes */
    assert_int_equal(controller_auto_confirm(f->s, t, true, "eve", NULL, &e), -ERR_CONFLICT);
    assert_int_equal(e.kind, ERR_CONFLICT);
    assert_int_equal(store_controller_get_auto_confirm(f->s, t, &f->a, &ac, &e), 0);
    assert_string_equal(ac.initiator, "bob");

    /* new assignments no longer wait */
    struct assignment it = {.controller_id = "dev",
                            .ds_id = fx_ds(f, "two"),
                            .forcetime = -1,
                            .weight = -1,
                            .confirmation_required = true};
    int64_t x2 = fx_assign_full(f, &it);
    assert_action(f, t, x2, ACTION_RUNNING, true);

    /* off (twice is fine), then on again */
    assert_int_equal(controller_auto_confirm(f->s, t, false, NULL, NULL, &e), 0);
    assert_int_equal(controller_auto_confirm(f->s, t, false, NULL, NULL, &e), 0);
    assert_int_equal(store_controller_get_auto_confirm(f->s, t, &f->a, &ac, &e), 0);
    assert_false(ac.active);
    assert_null(ac.initiator);
    assert_null(ac.remark);
    assert_int_equal(ac.activated_at, -1);
    assert_int_equal(controller_auto_confirm(f->s, t, true, NULL, NULL, &e), 0);
}

static void test_auto_confirm_only_waiting_actions(void **state)
{
    struct fixture *f = *state;
    int64_t t;
    int64_t x = waiting_action(f, &t);
    /* a second waiting action supersedes the first (canceling) */
    struct assignment it = {.controller_id = "dev",
                            .ds_id = fx_ds(f, "two"),
                            .forcetime = -1,
                            .weight = -1,
                            .confirmation_required = true};
    int64_t x2 = fx_assign_full(f, &it);
    assert_action(f, t, x, ACTION_CANCELING, true);
    assert_action(f, t, x2, ACTION_WAIT_FOR_CONFIRMATION, true);
    size_t n = fx_history_count(f, x);
    struct error e;
    assert_int_equal(controller_auto_confirm(f->s, t, true, NULL, NULL, &e), 0);
    assert_action(f, t, x, ACTION_CANCELING, true);
    assert_int_equal(fx_history_count(f, x), n);
    assert_action(f, t, x2, ACTION_RUNNING, true);
    assert_string_equal(fx_latest(f, x2).messages_json,
                        "[\"Update Server: Assignment automatically confirmed by initiator "
                        "''.\"]");
}

#define T(name) cmocka_unit_test_setup_teardown(name, fixture_setup, fixture_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_names),
        cmocka_unit_test(test_deployment_mode_types),
        cmocka_unit_test(test_deployment_mode_timeforced),
        T(test_closed_success_finishes),
        T(test_closed_none_is_success),
        T(test_closed_failure_errors),
        T(test_closed_failure_with_other_open_action),
        T(test_closed_success_with_newer_assignment),
        T(test_downloaded_download_only),
        T(test_history_only_rows),
        T(test_server_note_names_execution),
        T(test_feedback_closed_action_gone),
        T(test_feedback_not_found),
        T(test_feedback_waiting_for_confirmation),
        T(test_feedback_quota),
        T(test_stale_copies_do_not_reopen),
        T(test_details_and_code),
        T(test_too_many_details_keep_newest),
        T(test_long_message_cut),
        T(test_retrieved_once),
        T(test_retrieved_cancel),
        T(test_downloaded_entry),
        T(test_cancel_closed_completes),
        T(test_cancel_closed_nothing_installed),
        T(test_cancel_closed_with_other_open_action),
        T(test_cancel_failed_back_to_running),
        T(test_cancel_history_only_rows),
        T(test_cancel_feedback_not_canceling),
        T(test_installed_offline),
        T(test_installed_offline_with_open_action),
        T(test_register),
        T(test_config_data_modes),
        T(test_config_data_validation),
        T(test_config_data_quota),
        T(test_confirm_and_deny),
        T(test_auto_confirm),
        T(test_auto_confirm_only_waiting_actions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
