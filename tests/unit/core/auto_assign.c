/* Tests for core/auto_assign.c: target filters assigning their set on each pass. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "../store_fixture.h"
#include "core/auto_assign.h"
#include "store/target_filter_store.h"

static int64_t fx_filter(struct fixture *f, const char *name, const char *query, int64_t ds,
                         const char *type)
{
    struct target_filter tf = {.name = name, .query = query};
    struct error e;
    assert_int_equal(store_target_filter_create(f->s, &tf, "tester", &e), 0);
    if (ds >= 0)
        assert_int_equal(
            store_target_filter_auto_assign(f->s, tf.id, ds, type, 200, false, "tester", &e), 0);
    return tf.id;
}

static size_t action_count(struct fixture *f, int64_t target)
{
    struct list_query q = {.offset = 0, .limit = 50};
    struct action *items;
    size_t n;
    int64_t total;
    struct error e;
    assert_int_equal(store_action_list_for_target(f->s, target, &q, &f->a, &items, &n, &total, &e),
                     0);
    return n;
}

static void test_assigns_matching_targets_once(void **state)
{
    struct fixture *f = *state;
    int64_t ds = fx_ds(f, "fw");
    int64_t kiosk1 = fx_target(f, "kiosk-1"), kiosk2 = fx_target(f, "kiosk-2");
    int64_t tablet = fx_target(f, "tablet-1");
    fx_filter(f, "kiosks", "controllerId==kiosk-*", ds, "soft");
    assert_int_equal(auto_assign_run(f->s), 2);
    assert_int_equal(action_count(f, kiosk1), 1);
    assert_int_equal(action_count(f, kiosk2), 1);
    assert_int_equal(action_count(f, tablet), 0);
    struct action x = fx_get_action(f, kiosk1, 1);
    assert_string_equal(x.action_type, "soft");
    assert_int_equal(x.weight, 200);
    /* a second pass finds nothing new */
    assert_int_equal(auto_assign_run(f->s), 0);
}

static void test_never_retargets_a_device(void **state)
{
    struct fixture *f = *state;
    int64_t ds = fx_ds(f, "fw");
    int64_t t = fx_target(f, "kiosk-1");
    int64_t old = fx_assign(f, "kiosk-1", ds);
    struct error e;
    assert_int_equal(deployment_cancel(f->s, t, old, false, "tester", &e), 0);
    assert_int_equal(deployment_cancel(f->s, t, old, true, "tester", &e), 0);
    fx_filter(f, "kiosks", "controllerId==kiosk-*", ds, "forced");
    assert_int_equal(auto_assign_run(f->s), 0);
    assert_int_equal(action_count(f, t), 1);
}

static void test_filters_without_set_do_nothing(void **state)
{
    struct fixture *f = *state;
    fx_target(f, "kiosk-1");
    fx_filter(f, "kiosks", "controllerId==kiosk-*", -1, NULL);
    assert_int_equal(auto_assign_run(f->s), 0);
}

static void test_unassignable_set_is_skipped(void **state)
{
    struct fixture *f = *state;
    int64_t good = fx_ds(f, "good");
    int64_t bad = fx_ds(f, "bad");
    fx_exec(f, "UPDATE distribution_sets SET valid = 0 WHERE name = 'bad'");
    int64_t t = fx_target(f, "kiosk-1");
    fx_filter(f, "a-bad", "controllerId==kiosk-*", bad, "forced");
    fx_filter(f, "b-good", "controllerId==kiosk-1", good, "forced");
    /* the invalid set fails alone; the other filter still assigns */
    assert_int_equal(auto_assign_run(f->s), 1);
    assert_int_equal(action_count(f, t), 1);
}

static void test_incompatible_target_blocks_nobody(void **state)
{
    struct fixture *f = *state;
    int64_t ds = fx_ds(f, "fw");
    int64_t a1 = fx_target(f, "kiosk-1"), a2 = fx_target(f, "kiosk-2");
    int64_t a3 = fx_target(f, "kiosk-3");
    fx_exec(f, "INSERT INTO target_types (type_key, name, created_at, created_by,"
               " last_modified_at, last_modified_by) VALUES ('gadget', 'Gadget', 0, 't', 0, 't')");
    fx_exec(f, "UPDATE targets SET target_type_id = (SELECT id FROM target_types)"
               " WHERE controller_id = 'kiosk-2'");
    fx_filter(f, "kiosks", "controllerId==kiosk-*", ds, "forced");
    assert_int_equal(auto_assign_run(f->s), 2);
    assert_int_equal(action_count(f, a1), 1);
    assert_int_equal(action_count(f, a2), 0); /* its type accepts no set */
    assert_int_equal(action_count(f, a3), 1);
}

static void test_bad_query_is_refused_at_creation(void **state)
{
    struct fixture *f = *state;
    struct target_filter tf = {.name = "broken", .query = "nosuch==1"};
    struct error e;
    assert_int_equal(store_target_filter_create(f->s, &tf, "tester", &e), -ERR_INVALID);
    assert_string_equal(e.code, "rest.param.rsqlInvalidField");
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)
    const struct CMUnitTest tests[] = {
        T(test_assigns_matching_targets_once),     T(test_never_retargets_a_device),
        T(test_filters_without_set_do_nothing),    T(test_unassignable_set_is_skipped),
        T(test_incompatible_target_blocks_nobody), T(test_bad_query_is_refused_at_creation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
