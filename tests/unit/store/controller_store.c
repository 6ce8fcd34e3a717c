/* Tests src/store/controller_store.c against a real SQLite file: the poll view
 * (hawkBit reference e.4, a.2), last-seen writes, attributes, auto-confirmation,
 * the history a device sees (a.5) and the artifact access check (a.11). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above. */
#include <cmocka.h>

#include "../store_fixture.h"
#include "store/controller_store.h"

static struct controller_view view(struct fixture *f, const char *controller_id)
{
    struct controller_view v;
    struct error e;
    assert_int_equal(store_controller_view(f->s, controller_id, &f->a, &v, &e), 0);
    return v;
}

static void add_status(struct fixture *f, int64_t action, const char *status, const char *json)
{
    struct error e;
    assert_int_equal(
        store_action_status_add(f->s, action, status, ACTION_STATUS_NO_CODE, json, -1, &e), 0);
}

/* ---- the poll view ---- */

static void test_view_unknown(void **state)
{
    struct fixture *f = *state;
    struct controller_view v;
    struct error e;
    assert_int_equal(store_controller_view(f->s, "nosuch", &f->a, &v, &e), -ERR_NOT_FOUND);
    assert_string_equal(e.code, "repo.entityNotFound");
    assert_string_equal(e.message, "Target with given identifier {nosuch} does not exist.");
}

static void test_view_without_action(void **state)
{
    struct fixture *f = *state;
    int64_t t = fx_target(f, "dev");
    struct controller_view v = view(f, "dev");
    assert_int_equal(v.target_id, t);
    assert_string_equal(v.controller_id, "dev");
    assert_string_equal(v.security_token, "token");
    assert_string_equal(v.update_status, TARGET_STATUS_REGISTERED);
    assert_true(v.request_attributes);
    assert_false(v.auto_confirm);
    assert_int_equal(v.assigned_ds_id, -1);
    assert_int_equal(v.installed_ds_id, -1);
    assert_int_equal(v.installed_action_id, -1);
    assert_int_equal(v.action.id, -1);
    assert_int_equal(v.action.rollout_id, -1);
    assert_int_equal(v.action.last_status_code, ACTION_STATUS_NO_CODE);

    /* inactive actions are not exposed */
    int64_t ds = fx_ds(f, "rel");
    fx_action(f, t, ds, "forced", -1, 1000, ACTION_ERROR, false);
    fx_action(f, t, ds, "forced", -1, 1000, ACTION_CANCELED, false);
    assert_int_equal(view(f, "dev").action.id, -1);
}

static void test_view_action_fields(void **state)
{
    struct fixture *f = *state;
    int64_t t = fx_target(f, "dev");
    int64_t ds = fx_ds(f, "rel");
    struct error e;
    assert_int_equal(store_controller_auto_confirm(f->s, t, true, NULL, NULL, &e), 0);
    assert_int_equal(store_controller_request_attributes(f->s, t, false, &e), 0);
    int64_t x = fx_action(f, t, ds, "timeforced", 12345, 700, ACTION_RETRIEVED, true);
    struct controller_view v = view(f, "dev");
    assert_true(v.auto_confirm);
    assert_false(v.request_attributes);
    assert_int_equal(v.action.id, x);
    assert_int_equal(v.action.target_id, t);
    assert_string_equal(v.action.controller_id, "dev");
    assert_int_equal(v.action.ds_id, ds);
    assert_string_equal(v.action.action_type, "timeforced");
    assert_string_equal(v.action.status, ACTION_RETRIEVED);
    assert_true(v.action.active);
    assert_int_equal(v.action.forced_time, 12345);
    assert_int_equal(v.action.weight, 700);
    assert_null(v.action.maintenance_schedule);
    assert_null(v.action.maintenance_duration);
    assert_null(v.action.maintenance_timezone);
    struct action stored = fx_get_action(f, t, x);
    assert_int_equal(v.action.audit.created_at, stored.audit.created_at);
    assert_int_equal(v.action.audit.last_modified_at, stored.audit.last_modified_at);
}

static void test_view_highest_weight_then_oldest(void **state)
{
    struct fixture *f = *state;
    int64_t t = fx_target(f, "dev");
    int64_t other = fx_target(f, "other");
    int64_t ds = fx_ds(f, "rel");
    struct error e;
    int64_t low = fx_action(f, t, ds, "forced", -1, 500, ACTION_RUNNING, true);
    assert_int_equal(view(f, "dev").action.id, low);
    int64_t a = fx_action(f, t, ds, "forced", -1, 900, ACTION_RUNNING, true);
    int64_t b = fx_action(f, t, ds, "soft", -1, 900, ACTION_RUNNING, true);
    fx_action(f, t, ds, "forced", -1, 1000, ACTION_FINISHED, false);   /* inactive */
    fx_action(f, other, ds, "forced", -1, 1000, ACTION_RUNNING, true); /* other target */
    assert_int_equal(view(f, "dev").action.id, a);                     /* tie: lowest id */
    assert_int_equal(store_action_set_status(f->s, a, ACTION_FINISHED, false, "t", &e), 0);
    assert_int_equal(view(f, "dev").action.id, b);
    /* canceling and waiting actions count */
    int64_t c = fx_action(f, t, ds, "forced", -1, 950, ACTION_CANCELING, true);
    assert_int_equal(view(f, "dev").action.id, c);
    assert_string_equal(view(f, "dev").action.status, ACTION_CANCELING);
    int64_t w = fx_action(f, t, ds, "forced", -1, 1000, ACTION_WAIT_FOR_CONFIRMATION, true);
    assert_int_equal(view(f, "dev").action.id, w);
    /* weight beats age: the older canceling action is exposed before a newer one of
     * the same weight, but a heavier new one goes first */
    int64_t heavy = fx_action(f, t, ds, "forced", -1, 1000, ACTION_RUNNING, true);
    assert_int_equal(view(f, "dev").action.id, w);
    assert_int_equal(store_action_set_status(f->s, w, ACTION_CANCELED, false, "t", &e), 0);
    assert_int_equal(view(f, "dev").action.id, heavy);
    assert_int_equal(store_action_set_status(f->s, heavy, ACTION_ERROR, false, "t", &e), 0);
    assert_int_equal(store_action_set_status(f->s, c, ACTION_CANCELED, false, "t", &e), 0);
    assert_int_equal(store_action_set_status(f->s, b, ACTION_CANCELED, false, "t", &e), 0);
    assert_int_equal(view(f, "dev").action.id, low);
}

/* The superseded (canceling) action is exposed first (reference e.4). */
static void test_view_after_reassignment(void **state)
{
    struct fixture *f = *state;
    fx_target(f, "dev");
    int64_t x1 = fx_assign(f, "dev", fx_ds(f, "one"));
    int64_t x2 = fx_assign(f, "dev", fx_ds(f, "two"));
    struct controller_view v = view(f, "dev");
    assert_int_equal(v.action.id, x1);
    assert_string_equal(v.action.status, ACTION_CANCELING);
    assert_int_equal(v.assigned_ds_id, fx_get_action(f, v.target_id, x2).ds_id);
}

static void test_view_installed_action(void **state)
{
    struct fixture *f = *state;
    int64_t t = fx_target(f, "dev");
    int64_t d1 = fx_ds(f, "one"), d2 = fx_ds(f, "two");
    struct error e;
    fx_action(f, t, d1, "forced", -1, 1000, ACTION_FINISHED, false);
    int64_t newest = fx_action(f, t, d1, "forced", -1, 1000, ACTION_FINISHED, false);
    fx_action(f, t, d2, "forced", -1, 1000, ACTION_FINISHED, false);   /* other set */
    fx_action(f, t, d1, "forced", -1, 1000, ACTION_ERROR, false);      /* not finished */
    fx_action(f, t, d1, "forced", -1, 1000, ACTION_DOWNLOADED, false); /* not finished */
    int64_t open = fx_action(f, t, d1, "forced", -1, 1000, ACTION_RUNNING, true);
    /* nothing installed yet */
    assert_int_equal(view(f, "dev").installed_action_id, -1);
    assert_int_equal(store_target_set_state(f->s, t, TARGET_STATUS_PENDING, d1, d1, 1, &e), 0);
    struct controller_view v = view(f, "dev");
    assert_int_equal(v.installed_ds_id, d1);
    assert_int_equal(v.assigned_ds_id, d1);
    assert_string_equal(v.update_status, TARGET_STATUS_PENDING);
    assert_int_equal(v.installed_action_id, newest);
    assert_int_equal(v.action.id, open);
    /* another target's finished action does not count */
    int64_t t2 = fx_target(f, "dev2");
    assert_int_equal(store_target_set_state(f->s, t2, TARGET_STATUS_IN_SYNC, d2, d2, 1, &e), 0);
    assert_int_equal(view(f, "dev2").installed_action_id, -1);
}

/* ---- target writes ---- */

static void test_touch(void **state)
{
    struct fixture *f = *state;
    int64_t t1 = fx_target(f, "dev1"), t2 = fx_target(f, "dev2");
    struct error e;
    assert_int_equal(store_controller_touch(f->s, NULL, 0, &e), 0);
    struct last_seen items[3] = {
        {.target_id = t1, .at_ms = 2000}, {.target_id = t2, .at_ms = 10}, {.target_id = 999}};
    snprintf(items[0].address, sizeof(items[0].address), "http://1.2.3.4");
    assert_int_equal(store_controller_touch(f->s, items, 3, &e), 0);
    assert_int_equal(fx_get_target(f, t1).last_request_at, 2000);
    assert_string_equal(fx_get_target(f, t1).address, "http://1.2.3.4");
    assert_int_equal(fx_get_target(f, t2).last_request_at, 10);
    assert_null(fx_get_target(f, t2).address);
    /* older time: kept; no address: kept */
    items[0].at_ms = 1000;
    items[0].address[0] = '\0';
    assert_int_equal(store_controller_touch(f->s, items, 1, &e), 0);
    assert_int_equal(fx_get_target(f, t1).last_request_at, 2000);
    assert_string_equal(fx_get_target(f, t1).address, "http://1.2.3.4");
    items[0].at_ms = 3000;
    assert_int_equal(store_controller_touch(f->s, items, 1, &e), 0);
    assert_int_equal(fx_get_target(f, t1).last_request_at, 3000);
    /* Several servers flush their buffers independently: an older poll's address,
     * flushed after a newer one's, does not replace it. */
    items[0].at_ms = 5000;
    snprintf(items[0].address, sizeof(items[0].address), "http://5.5.5.5");
    assert_int_equal(store_controller_touch(f->s, items, 1, &e), 0);
    items[0].at_ms = 4000;
    snprintf(items[0].address, sizeof(items[0].address), "http://4.4.4.4");
    assert_int_equal(store_controller_touch(f->s, items, 1, &e), 0);
    assert_int_equal(fx_get_target(f, t1).last_request_at, 5000);
    assert_string_equal(fx_get_target(f, t1).address, "http://5.5.5.5");
}

/* A Management API update writes the address only when it sets one, and reports a
 * target deleted since it was read. */
static void test_update_address_and_gone_target(void **state)
{
    struct fixture *f = *state;
    int64_t id = fx_target(f, "upd");
    struct error e;
    struct last_seen seen = {.target_id = id, .at_ms = 100};
    snprintf(seen.address, sizeof(seen.address), "10.0.0.9");
    assert_int_equal(store_controller_touch(f->s, &seen, 1, &e), 0);
    struct target t = fx_get_target(f, id);
    t.address = NULL;
    t.description = "changed";
    assert_int_equal(store_target_update(f->s, &t, "tester", &e), 0);
    assert_string_equal(fx_get_target(f, id).address, "10.0.0.9");
    t.address = "http://given";
    assert_int_equal(store_target_update(f->s, &t, "tester", &e), 0);
    assert_string_equal(fx_get_target(f, id).address, "http://given");
    assert_int_equal(fx_get_target(f, id).last_request_at, 100);
    assert_int_equal(store_target_delete(f->s, "upd", &e), 0);
    assert_int_equal(store_target_update(f->s, &t, "tester", &e), -ERR_NOT_FOUND);
}

/* A target deleted between its poll and the flush is skipped; the rest is written. */
static void test_touch_skips_deleted_targets(void **state)
{
    struct fixture *f = *state;
    int64_t gone = fx_target(f, "gone"), kept = fx_unknown_target(f, "kept");
    struct error e;
    assert_int_equal(store_target_delete(f->s, "gone", &e), 0);
    struct last_seen items[2] = {{.target_id = gone, .at_ms = 10, .first_contact = true},
                                 {.target_id = kept, .at_ms = 20, .first_contact = true}};
    assert_int_equal(store_controller_touch(f->s, items, 2, &e), 0);
    assert_int_equal(fx_get_target(f, kept).last_request_at, 20);
    assert_string_equal(fx_get_target(f, kept).update_status, TARGET_STATUS_REGISTERED);
}

static void test_touch_registers_first_pollers(void **state)
{
    struct fixture *f = *state;
    struct target t = {.controller_id = "mgmt", .name = "mgmt", .security_token = "x"};
    struct error e;
    assert_int_equal(store_target_create(f->s, &t, "tester", &e), 0);
    assert_string_equal(fx_get_target(f, t.id).update_status, TARGET_STATUS_UNKNOWN);
    /* a record not marked as a first contact leaves the status alone */
    struct last_seen seen = {.target_id = t.id, .at_ms = 4000};
    assert_int_equal(store_controller_touch(f->s, &seen, 1, &e), 0);
    assert_string_equal(fx_get_target(f, t.id).update_status, TARGET_STATUS_UNKNOWN);
    seen = (struct last_seen){.target_id = t.id, .at_ms = 5000, .first_contact = true};
    assert_int_equal(store_controller_touch(f->s, &seen, 1, &e), 0);
    assert_string_equal(fx_get_target(f, t.id).update_status, TARGET_STATUS_REGISTERED);
    assert_int_equal(fx_get_target(f, t.id).last_request_at, 5000);
    /* only unknown targets change */
    int64_t ds = fx_ds(f, "rel");
    assert_int_equal(store_target_set_state(f->s, t.id, TARGET_STATUS_PENDING, ds, -1, -1, &e), 0);
    seen.at_ms = 6000;
    assert_int_equal(store_controller_touch(f->s, &seen, 1, &e), 0);
    assert_string_equal(fx_get_target(f, t.id).update_status, TARGET_STATUS_PENDING);
}

static void test_request_attributes(void **state)
{
    struct fixture *f = *state;
    int64_t t = fx_target(f, "dev");
    struct error e;
    assert_int_equal(store_controller_request_attributes(f->s, t, false, &e), 0);
    assert_false(fx_get_target(f, t).request_attributes);
    assert_int_equal(store_controller_request_attributes(f->s, t, true, &e), 0);
    assert_true(fx_get_target(f, t).request_attributes);
}

static void test_attributes(void **state)
{
    struct fixture *f = *state;
    int64_t t = fx_target(f, "dev"), other = fx_target(f, "other");
    int64_t total = -1;
    struct error e;
    struct attribute o = {"keep", "me"};
    assert_int_equal(store_controller_attributes(f->s, other, ATTRIBUTES_MERGE, &o, 1, &total, &e),
                     0);
    assert_int_equal(total, 1);

    struct attribute first[] = {{"a", "1"}, {"b", "2"}, {"c", "3"}};
    assert_int_equal(store_controller_attributes(f->s, t, ATTRIBUTES_MERGE, first, 3, &total, &e),
                     0);
    assert_int_equal(total, 3);
    struct attribute merge[] = {{"a", "10"}, {"b", NULL}, {"d", "4"}};
    assert_int_equal(store_controller_attributes(f->s, t, ATTRIBUTES_MERGE, merge, 3, &total, &e),
                     0);
    assert_int_equal(total, 3);
    struct attribute *items;
    size_t n;
    assert_int_equal(store_target_attributes(f->s, t, &f->a, &items, &n, &e), 0);
    assert_int_equal(n, 3);
    bool seen_a = false;
    for (size_t i = 0; i < n; i++) {
        assert_string_not_equal(items[i].key, "b");
        if (strcmp(items[i].key, "a") == 0) {
            assert_string_equal(items[i].value, "10");
            seen_a = true;
        }
    }
    assert_true(seen_a);
    struct attribute rm[] = {{"a", "x"}, {"zzz", "x"}};
    assert_int_equal(store_controller_attributes(f->s, t, ATTRIBUTES_REMOVE, rm, 2, &total, &e), 0);
    assert_int_equal(total, 2);
    struct attribute repl[] = {{"only", "1"}};
    assert_int_equal(store_controller_attributes(f->s, t, ATTRIBUTES_REPLACE, repl, 1, &total, &e),
                     0);
    assert_int_equal(total, 1);
    /* the other target is untouched */
    assert_int_equal(store_controller_attributes(f->s, other, ATTRIBUTES_MERGE, &o, 1, &total, &e),
                     0);
    assert_int_equal(total, 1);
}

static void test_auto_confirm(void **state)
{
    struct fixture *f = *state;
    int64_t t = fx_target(f, "dev");
    struct auto_confirm ac;
    struct error e;
    assert_int_equal(store_controller_get_auto_confirm(f->s, t, &f->a, &ac, &e), 0);
    assert_false(ac.active);
    assert_null(ac.initiator);
    assert_int_equal(ac.activated_at, -1);
    assert_int_equal(store_controller_auto_confirm(f->s, t, true, "ops", "remark", &e), 0);
    assert_int_equal(store_controller_get_auto_confirm(f->s, t, &f->a, &ac, &e), 0);
    assert_true(ac.active);
    assert_string_equal(ac.initiator, "ops");
    assert_string_equal(ac.remark, "remark");
    assert_true(ac.activated_at > 0);
    assert_true(view(f, "dev").auto_confirm);
    assert_int_equal(store_controller_auto_confirm(f->s, t, false, "ignored", "x", &e), 0);
    assert_int_equal(store_controller_get_auto_confirm(f->s, t, &f->a, &ac, &e), 0);
    assert_false(ac.active);
    assert_null(ac.initiator);
    assert_null(ac.remark);
    assert_int_equal(ac.activated_at, -1);
    assert_int_equal(store_controller_get_auto_confirm(f->s, 999, &f->a, &ac, &e), -ERR_NOT_FOUND);
}

/* ---- history ---- */

static void test_messages(void **state)
{
    struct fixture *f = *state;
    int64_t t = fx_target(f, "dev");
    int64_t ds = fx_ds(f, "rel");
    int64_t x = fx_action(f, t, ds, "forced", -1, 1000, ACTION_RUNNING, true);
    int64_t y = fx_action(f, t, ds, "forced", -1, 1000, ACTION_RUNNING, true);
    const char **m;
    size_t n;
    struct error e;
    assert_int_equal(store_controller_messages(f->s, x, 100, &f->a, &m, &n, &e), 0);
    assert_int_equal(n, 0);

    add_status(f, x, ACTION_RUNNING, "[\"a\",\"Update Server: hidden\",\"b\"]");
    add_status(f, y, ACTION_RUNNING, "[\"other action\"]");
    add_status(f, x, ACTION_RUNNING, "[\"c\"]");
    add_status(f, x, ACTION_RETRIEVED, "[\"Update Server: only\"]");
    add_status(f, x, ACTION_WARNING, "[1,\"d\",null]");
    add_status(f, x, ACTION_RUNNING, "[]");
    add_status(f, x, ACTION_RUNNING, "[\"Update Server:no space\",\"update server: lower\"]");

    assert_int_equal(store_controller_messages(f->s, x, 100, &f->a, &m, &n, &e), 0);
    /* newest entry first, an entry's messages in their order, server ones left out.
     * "Update Server:" without the space is the device's; the prefix match is
     * case-insensitive (SQL LIKE, as in hawkBit's NOT LIKE query). */
    assert_int_equal(n, 5);
    assert_string_equal(m[0], "Update Server:no space");
    assert_string_equal(m[1], "d");
    assert_string_equal(m[2], "c");
    assert_string_equal(m[3], "a");
    assert_string_equal(m[4], "b");

    assert_int_equal(store_controller_messages(f->s, x, 2, &f->a, &m, &n, &e), 0);
    assert_int_equal(n, 2);
    assert_string_equal(m[0], "Update Server:no space");
    assert_string_equal(m[1], "d");
    assert_int_equal(store_controller_messages(f->s, x, 0, &f->a, &m, &n, &e), 0);
    assert_int_equal(n, 0);
}

static void test_last_status_and_count(void **state)
{
    struct fixture *f = *state;
    int64_t t = fx_target(f, "dev");
    int64_t x = fx_action(f, t, fx_ds(f, "rel"), "forced", -1, 1000, ACTION_RUNNING, true);
    const char *last = "unset";
    int64_t count = -1;
    struct error e;
    assert_int_equal(store_controller_last_status(f->s, x, &f->a, &last, &e), 0);
    assert_null(last);
    assert_int_equal(store_controller_status_count(f->s, x, &count, &e), 0);
    assert_int_equal(count, 0);
    add_status(f, x, ACTION_RETRIEVED, "[]");
    add_status(f, x, ACTION_DOWNLOAD, "[]");
    assert_int_equal(store_controller_last_status(f->s, x, &f->a, &last, &e), 0);
    assert_string_equal(last, ACTION_DOWNLOAD);
    assert_int_equal(store_controller_status_count(f->s, x, &count, &e), 0);
    assert_int_equal(count, 2);
    assert_int_equal(store_controller_status_count(f->s, x + 1, &count, &e), 0);
    assert_int_equal(count, 0);
}

/* ---- artifact access ---- */

static void test_module_access(void **state)
{
    struct fixture *f = *state;
    int64_t t = fx_target(f, "dev"), other = fx_target(f, "other");
    int64_t sm1, sm2, sm3;
    int64_t d1 = fx_ds_sm(f, "one", &sm1), d2 = fx_ds_sm(f, "two", &sm2);
    fx_ds_sm(f, "three", &sm3);
    int64_t id = -1;
    struct error e;
    /* nothing assigned */
    assert_int_equal(store_controller_module_access(f->s, t, sm1, true, &id, &e), -ERR_NOT_FOUND);
    assert_string_equal(e.code, "repo.entityNotFound");

    int64_t x = fx_action(f, t, d1, "forced", -1, 1000, ACTION_RUNNING, true);
    assert_int_equal(store_controller_module_access(f->s, t, sm1, false, &id, &e), 0);
    assert_int_equal(id, x);
    assert_int_equal(store_controller_module_access(f->s, t, sm2, true, &id, &e), -ERR_NOT_FOUND);
    assert_int_equal(store_controller_module_access(f->s, other, sm1, true, &id, &e),
                     -ERR_NOT_FOUND);
    /* the newest active action holding the module */
    int64_t x2 = fx_action(f, t, d1, "soft", -1, 1000, ACTION_RETRIEVED, true);
    assert_int_equal(store_controller_module_access(f->s, t, sm1, false, &id, &e), 0);
    assert_int_equal(id, x2);

    /* canceling, canceled-but-active and waiting actions give no access */
    static const char *const refused[] = {ACTION_CANCELING, ACTION_CANCELED,
                                          ACTION_WAIT_FOR_CONFIRMATION};
    assert_int_equal(store_action_set_status(f->s, x2, ACTION_FINISHED, false, "t", &e), 0);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(store_action_set_status(f->s, x, refused[i], true, "t", &e), 0);
        assert_int_equal(store_controller_module_access(f->s, t, sm1, false, &id, &e),
                         -ERR_NOT_FOUND);
    }
    /* closed actions neither */
    assert_int_equal(store_action_set_status(f->s, x, ACTION_FINISHED, false, "t", &e), 0);
    assert_int_equal(store_controller_module_access(f->s, t, sm1, false, &id, &e), -ERR_NOT_FOUND);

    /* the installed set only with or_installed, reported as id 0 */
    assert_int_equal(store_target_set_state(f->s, t, TARGET_STATUS_IN_SYNC, d1, d1, 1, &e), 0);
    assert_int_equal(store_controller_module_access(f->s, t, sm1, false, &id, &e), -ERR_NOT_FOUND);
    id = -1;
    assert_int_equal(store_controller_module_access(f->s, t, sm1, true, &id, &e), 0);
    assert_int_equal(id, 0);
    assert_int_equal(store_controller_module_access(f->s, t, sm3, true, &id, &e), -ERR_NOT_FOUND);
    /* an active action wins over the installed set */
    int64_t x3 = fx_action(f, t, d1, "forced", -1, 1000, ACTION_RUNNING, true);
    assert_int_equal(store_controller_module_access(f->s, t, sm1, true, &id, &e), 0);
    assert_int_equal(id, x3);
    (void)d2;
}

#define T(name) cmocka_unit_test_setup_teardown(name, fixture_setup, fixture_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_view_unknown),
        T(test_view_without_action),
        T(test_view_action_fields),
        T(test_view_highest_weight_then_oldest),
        T(test_view_after_reassignment),
        T(test_view_installed_action),
        T(test_touch),
        T(test_touch_registers_first_pollers),
        T(test_touch_skips_deleted_targets),
        T(test_update_address_and_gone_target),
        T(test_request_attributes),
        T(test_attributes),
        T(test_auto_confirm),
        T(test_messages),
        T(test_last_status_and_count),
        T(test_module_access),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
