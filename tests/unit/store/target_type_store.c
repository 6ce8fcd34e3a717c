/* Tests src/store/target_type_store.c against a real SQLite file seeded with hawkBit's
 * default types (DS types os, app, os_app), and the assignment rule it feeds in
 * core/deployment.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above. */
#include <cmocka.h>

#include "../store_fixture.h"
#include "store/ds_type_store.h"
#include "store/target_type_store.h"

static int64_t ds_type_id(struct fixture *f, const char *key)
{
    struct ds_type t;
    struct error e;
    assert_int_equal(store_ds_type_get_by_key(f->s, key, &f->a, &t, &e), 0);
    return t.id;
}

static int64_t create_type(struct fixture *f, const char *key, const int64_t *ds_types, size_t n)
{
    struct target_type t = {.key = key, .name = key, .description = "d", .colour = "red"};
    struct error e;
    assert_int_equal(store_target_type_create(f->s, &t, ds_types, n, "tester", &e), 0);
    assert_true(t.id > 0);
    assert_string_equal(t.audit.created_by, "tester");
    return t.id;
}

static size_t compatible_count(struct fixture *f, int64_t id)
{
    struct ds_type *items;
    size_t n;
    struct error e;
    assert_int_equal(store_target_type_ds_types(f->s, id, &f->a, &items, &n, &e), 0);
    return n;
}

static void test_create_get_update_list(void **state)
{
    struct fixture *f = *state;
    struct error e;
    int64_t os = ds_type_id(f, "os");
    int64_t id = create_type(f, "gw", &os, 1);
    struct target_type t;
    assert_int_equal(store_target_type_get(f->s, id, &f->a, &t, &e), 0);
    assert_string_equal(t.key, "gw");
    assert_string_equal(t.colour, "red");
    t.name = "Gateway";
    t.description = NULL;
    assert_int_equal(store_target_type_update(f->s, &t, "other", &e), 0);
    assert_int_equal(store_target_type_get(f->s, id, &f->a, &t, &e), 0);
    assert_string_equal(t.name, "Gateway");
    assert_null(t.description);
    assert_string_equal(t.audit.last_modified_by, "other");

    create_type(f, "sensor", NULL, 0);
    struct list_query q = {.offset = 0, .limit = 50, .q = "name==gate*"};
    struct target_type *items;
    size_t count;
    int64_t total;
    assert_int_equal(store_target_type_list(f->s, &q, &f->a, &items, &count, &total, &e), 0);
    assert_int_equal(total, 1);
    assert_int_equal(items[0].id, id);
    q = (struct list_query){.offset = 0, .limit = 50, .sort = "key:DESC"};
    assert_int_equal(store_target_type_list(f->s, &q, &f->a, &items, &count, &total, &e), 0);
    assert_int_equal(count, 2);
    assert_string_equal(items[0].key, "sensor");
    q.q = "nosuch==1";
    assert_int_equal(store_target_type_list(f->s, &q, &f->a, &items, &count, &total, &e),
                     -ERR_INVALID);
    assert_int_equal(store_target_type_get(f->s, 999, &f->a, &t, &e), -ERR_NOT_FOUND);
}

static void test_duplicates_and_unknown_ds_type(void **state)
{
    struct fixture *f = *state;
    struct error e;
    int64_t id = create_type(f, "gw", NULL, 0);
    struct target_type dup_key = {.key = "gw", .name = "other"};
    assert_int_equal(store_target_type_create(f->s, &dup_key, NULL, 0, "tester", &e), -ERR_EXISTS);
    struct target_type dup_name = {.key = "other", .name = "gw"};
    assert_int_equal(store_target_type_create(f->s, &dup_name, NULL, 0, "tester", &e), -ERR_EXISTS);
    int64_t other = create_type(f, "sensor", NULL, 0);
    struct target_type rename = {.id = other, .key = "sensor", .name = "gw"};
    assert_int_equal(store_target_type_update(f->s, &rename, "tester", &e), -ERR_EXISTS);

    int64_t unknown = 4242;
    struct target_type bad = {.key = "bad", .name = "bad"};
    assert_int_equal(store_target_type_create(f->s, &bad, &unknown, 1, "tester", &e),
                     -ERR_NOT_FOUND);
    assert_int_equal(store_target_type_add_ds_types(f->s, id, &unknown, 1, "tester", &e),
                     -ERR_NOT_FOUND);
    int64_t os = ds_type_id(f, "os");
    assert_int_equal(store_target_type_add_ds_types(f->s, 999, &os, 1, "tester", &e),
                     -ERR_NOT_FOUND);
}

static void test_compatible_list(void **state)
{
    struct fixture *f = *state;
    struct error e;
    int64_t os = ds_type_id(f, "os"), app = ds_type_id(f, "app");
    int64_t id = create_type(f, "gw", &os, 1);
    assert_int_equal(store_target_type_accepts(f->s, id, os, &e), 1);
    assert_int_equal(store_target_type_accepts(f->s, id, app, &e), 0);
    int64_t both[] = {app, os};
    assert_int_equal(store_target_type_add_ds_types(f->s, id, both, 2, "tester", &e), 0);
    assert_int_equal(compatible_count(f, id), 2);
    assert_int_equal(store_target_type_remove_ds_type(f->s, id, os, "tester", &e), 0);
    assert_int_equal(compatible_count(f, id), 1);
    assert_int_equal(store_target_type_accepts(f->s, id, os, &e), 0);
    /* removing one that is not in the list changes nothing */
    assert_int_equal(store_target_type_remove_ds_type(f->s, id, os, "tester", &e), 0);
    assert_int_equal(store_target_type_remove_ds_type(f->s, id, 4242, "tester", &e),
                     -ERR_NOT_FOUND);
    assert_int_equal(store_target_type_remove_ds_type(f->s, 999, os, "tester", &e), -ERR_NOT_FOUND);
}

static void test_target_type_assignment_and_delete(void **state)
{
    struct fixture *f = *state;
    struct error e;
    int64_t id = create_type(f, "gw", NULL, 0);
    int64_t target = fx_target(f, "dev1");
    assert_int_equal(fx_get_target(f, target).target_type_id, -1);
    assert_null(fx_get_target(f, target).target_type_name);
    assert_int_equal(store_target_set_type(f->s, target, 999, "tester", &e), -ERR_NOT_FOUND);
    assert_int_equal(store_target_set_type(f->s, target, id, "tester", &e), 0);
    struct target t = fx_get_target(f, target);
    assert_int_equal(t.target_type_id, id);
    assert_string_equal(t.target_type_name, "gw");

    struct list_query q = {.offset = 0, .limit = 50, .q = "targettype.key==GW"};
    struct target *items;
    size_t count;
    int64_t total;
    fx_target(f, "dev2");
    assert_int_equal(store_target_list(f->s, &q, &f->a, &items, &count, &total, &e), 0);
    assert_int_equal(total, 1);
    assert_string_equal(items[0].controller_id, "dev1");
    q.q = "targettype.name!=gw";
    assert_int_equal(store_target_list(f->s, &q, &f->a, &items, &count, &total, &e), 0);
    assert_int_equal(total, 1);
    assert_string_equal(items[0].controller_id, "dev2");

    assert_int_equal(store_target_type_delete(f->s, id, &e), -ERR_CONFLICT);
    assert_string_equal(e.code, "target.type.used");
    assert_int_equal(store_target_set_type(f->s, target, -1, "tester", &e), 0);
    assert_int_equal(fx_get_target(f, target).target_type_id, -1);
    assert_int_equal(store_target_type_delete(f->s, id, &e), 0);
    assert_int_equal(store_target_type_delete(f->s, id, &e), -ERR_NOT_FOUND);
}

static void test_assignment_rule(void **state)
{
    struct fixture *f = *state;
    struct error e;
    int64_t app = ds_type_id(f, "app");
    int64_t id = create_type(f, "gw", &app, 1);
    int64_t typed = fx_target(f, "typed");
    fx_target(f, "untyped");
    assert_int_equal(store_target_set_type(f->s, typed, id, "tester", &e), 0);
    int64_t ds = fx_ds(f, "fw"); /* type os */

    struct assignment it = {.controller_id = "typed", .ds_id = ds, .forcetime = -1, .weight = -1};
    struct assignment_outcome out;
    memset(&e, 0, sizeof(e));
    assert_int_equal(deployment_assign(f->s, &it, 1, "tester", &f->a, &out, &e), -ERR_INVALID);
    assert_string_equal(e.code, "target.type.incompatible");
    assert_int_equal(fx_get_target(f, typed).assigned_ds_id, -1);

    assert_true(fx_assign(f, "untyped", ds) > 0);
    int64_t os = ds_type_id(f, "os");
    assert_int_equal(store_target_type_add_ds_types(f->s, id, &os, 1, "tester", &e), 0);
    assert_true(fx_assign(f, "typed", ds) > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_get_update_list, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_duplicates_and_unknown_ds_type, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_compatible_list, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_target_type_assignment_and_delete, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_assignment_rule, fixture_setup, fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
