/* Tests src/store/metadata_store.c against a real SQLite file (store_fixture.h):
 * CRUD per owner, duplicates, the quota, listing with sort and q=, the
 * targetVisible view, the metadata.<key> selectors and cascading deletes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../store_fixture.h"
#include "store/metadata_store.h"

static void create(struct fixture *f, enum metadata_owner o, int64_t id, const char *key,
                   const char *value, bool visible)
{
    struct metadata m = {key, value, visible};
    struct error e;
    assert_int_equal(store_metadata_create(f->s, o, id, &m, 1, &e), 0);
}

static int64_t count_rows(struct fixture *f, const char *sql)
{
    struct error e;
    struct db_stmt *st = db_prepare_temp(f->s->db, sql, &e);
    assert_non_null(st);
    assert_int_equal(db_step(st, &e), DB_ROW);
    int64_t n = db_col_int(st, 0);
    db_done(st);
    return n;
}

static void test_crud_each_owner(void **state)
{
    struct fixture *f = *state;
    int64_t sm;
    int64_t ids[3] = {fx_target(f, "dev-crud"), 0, fx_ds_sm(f, "crud", &sm)};
    ids[METADATA_SM] = sm;
    enum metadata_owner owners[3] = {METADATA_TARGET, METADATA_SM, METADATA_DS};
    for (int i = 0; i < 3; i++) {
        enum metadata_owner o = owners[i];
        struct metadata m;
        struct error e;
        create(f, o, ids[o], "k", "v1", true);
        assert_int_equal(store_metadata_get(f->s, o, ids[o], "k", &f->a, &m, &e), 0);
        assert_string_equal(m.key, "k");
        assert_string_equal(m.value, "v1");
        assert_int_equal(m.target_visible, o == METADATA_SM); /* only modules keep it */
        m.value = "v2";
        assert_int_equal(store_metadata_update(f->s, o, ids[o], &m, &e), 0);
        assert_int_equal(store_metadata_get(f->s, o, ids[o], "k", &f->a, &m, &e), 0);
        assert_string_equal(m.value, "v2");
        assert_int_equal(store_metadata_get(f->s, o, ids[o], "K", &f->a, &m, &e), -ERR_NOT_FOUND);
        assert_int_equal(store_metadata_delete(f->s, o, ids[o], "k", &e), 0);
        assert_int_equal(store_metadata_get(f->s, o, ids[o], "k", &f->a, &m, &e), -ERR_NOT_FOUND);
        assert_int_equal(store_metadata_delete(f->s, o, ids[o], "k", &e), -ERR_NOT_FOUND);
        m = (struct metadata){"missing", "x", false};
        assert_int_equal(store_metadata_update(f->s, o, ids[o], &m, &e), -ERR_NOT_FOUND);
    }
}

static void test_keys_are_per_owner(void **state)
{
    struct fixture *f = *state;
    int64_t a = fx_target(f, "dev-a"), b = fx_target(f, "dev-b");
    struct metadata m;
    struct error e;
    create(f, METADATA_TARGET, a, "k", "a", false);
    create(f, METADATA_TARGET, b, "k", "b", false);
    assert_int_equal(store_metadata_get(f->s, METADATA_TARGET, b, "k", &f->a, &m, &e), 0);
    assert_string_equal(m.value, "b");
}

static void test_duplicates_roll_back_the_batch(void **state)
{
    struct fixture *f = *state;
    int64_t t = fx_target(f, "dev-dup");
    struct error e;
    create(f, METADATA_TARGET, t, "taken", "1", false);
    struct metadata batch[2] = {{"fresh", "x", false}, {"taken", "2", false}};
    assert_int_equal(store_metadata_create(f->s, METADATA_TARGET, t, batch, 2, &e), -ERR_EXISTS);
    assert_string_equal(e.code, "repo.entityAlreadyExists");
    struct metadata twice[2] = {{"same", "1", false}, {"same", "2", false}};
    assert_int_equal(store_metadata_create(f->s, METADATA_TARGET, t, twice, 2, &e), -ERR_EXISTS);
    assert_int_equal(count_rows(f, "SELECT COUNT(*) FROM target_metadata"), 1);
}

static void test_quota(void **state)
{
    struct fixture *f = *state;
    int64_t ds = fx_ds(f, "quota");
    struct metadata items[METADATA_MAX_PER_OWNER + 1];
    char keys[METADATA_MAX_PER_OWNER + 1][8];
    struct error e;
    for (int i = 0; i <= METADATA_MAX_PER_OWNER; i++) {
        snprintf(keys[i], sizeof(keys[i]), "k%03d", i);
        items[i] = (struct metadata){keys[i], "v", false};
    }
    assert_int_equal(
        store_metadata_create(f->s, METADATA_DS, ds, items, METADATA_MAX_PER_OWNER, &e), 0);
    assert_int_equal(
        store_metadata_create(f->s, METADATA_DS, ds, &items[METADATA_MAX_PER_OWNER], 1, &e),
        -ERR_QUOTA);
    assert_int_equal(count_rows(f, "SELECT COUNT(*) FROM ds_metadata"), METADATA_MAX_PER_OWNER);
}

static void test_list_sort_and_filter(void **state)
{
    struct fixture *f = *state;
    int64_t sm = fx_module(f, "os", "list");
    create(f, METADATA_SM, sm, "b", "two", true);
    create(f, METADATA_SM, sm, "a", "one", false);
    create(f, METADATA_SM, sm, "c", "three", true);
    struct metadata *items;
    size_t n;
    int64_t total;
    struct error e;
    struct list_query q = {0, 2, NULL, NULL, 0};
    assert_int_equal(store_metadata_list(f->s, METADATA_SM, sm, &q, &f->a, &items, &n, &total, &e),
                     0);
    assert_int_equal(total, 3);
    assert_int_equal(n, 2);
    assert_string_equal(items[0].key, "a"); /* default order: key ascending */
    assert_string_equal(items[1].key, "b");
    q = (struct list_query){0, 50, "value:DESC", "targetvisible==true", 0};
    assert_int_equal(store_metadata_list(f->s, METADATA_SM, sm, &q, &f->a, &items, &n, &total, &e),
                     0);
    assert_int_equal(n, 2);
    assert_string_equal(items[0].key, "b");
    assert_string_equal(items[1].key, "c");
    q = (struct list_query){0, 50, NULL, "targetvisible==true", 0};
    assert_int_equal(
        store_metadata_list(f->s, METADATA_TARGET, 1, &q, &f->a, &items, &n, &total, &e),
        -ERR_INVALID); /* only modules have targetVisible */
}

static void test_visible(void **state)
{
    struct fixture *f = *state;
    int64_t sm = fx_module(f, "os", "visible"), other = fx_module(f, "os", "other");
    create(f, METADATA_SM, sm, "z", "last", true);
    create(f, METADATA_SM, sm, "hidden", "x", false);
    create(f, METADATA_SM, sm, "a", NULL, true);
    create(f, METADATA_SM, other, "b", "other", true);
    struct metadata *items;
    size_t n;
    struct error e;
    assert_int_equal(store_metadata_visible(f->s, sm, &f->a, &items, &n, &e), 0);
    assert_int_equal(n, 2);
    assert_string_equal(items[0].key, "a");
    assert_null(items[0].value);
    assert_string_equal(items[1].key, "z");
    assert_int_equal(
        store_metadata_visible(f->s, fx_module(f, "os", "bare"), &f->a, &items, &n, &e), 0);
    assert_int_equal(n, 0);
}

static void test_selectors(void **state)
{
    struct fixture *f = *state;
    int64_t hit = fx_target(f, "dev-hit");
    fx_target(f, "dev-miss");
    create(f, METADATA_TARGET, hit, "Site", "Berlin", false);
    struct target *targets;
    size_t n;
    int64_t total;
    struct error e;
    struct list_query q = {0, 50, NULL, "metadata.site==berlin", 0};
    assert_int_equal(store_target_list(f->s, &q, &f->a, &targets, &n, &total, &e), 0);
    assert_int_equal(n, 1);
    assert_string_equal(targets[0].controller_id, "dev-hit");
    q.q = "metadata.site!=Berlin"; /* no such entry counts as "not Berlin" */
    assert_int_equal(store_target_list(f->s, &q, &f->a, &targets, &n, &total, &e), 0);
    assert_int_equal(n, 1);
    assert_string_equal(targets[0].controller_id, "dev-miss");

    int64_t sm;
    int64_t ds = fx_ds_sm(f, "sel", &sm);
    fx_ds(f, "sel-miss");
    create(f, METADATA_SM, sm, "k", "v", false);
    create(f, METADATA_DS, ds, "k", "v", false);
    struct software_module *mods;
    struct distribution_set *sets;
    q.q = "metadata.k==v";
    assert_int_equal(store_sm_list(f->s, &q, &f->a, &mods, &n, &total, &e), 0);
    assert_int_equal(n, 1);
    assert_int_equal(mods[0].id, sm);
    assert_int_equal(store_ds_list(f->s, &q, &f->a, &sets, &n, &total, &e), 0);
    assert_int_equal(n, 1);
    assert_int_equal(sets[0].id, ds);
    q.q = "metadata==v"; /* the key is required */
    assert_int_equal(store_ds_list(f->s, &q, &f->a, &sets, &n, &total, &e), -ERR_INVALID);
}

static void test_owner_delete_cascades(void **state)
{
    struct fixture *f = *state;
    struct error e;
    int64_t t = fx_target(f, "dev-gone");
    create(f, METADATA_TARGET, t, "k", "v", false);
    assert_int_equal(store_target_delete(f->s, "dev-gone", &e), 0);
    assert_int_equal(count_rows(f, "SELECT COUNT(*) FROM target_metadata"), 0);

    int64_t sm = fx_module(f, "os", "gone");
    create(f, METADATA_SM, sm, "k", "v", true);
    const char **keys;
    size_t nkeys;
    assert_int_equal(store_sm_delete(f->s, sm, "tester", &f->a, &keys, &nkeys, &e), 0);
    assert_int_equal(count_rows(f, "SELECT COUNT(*) FROM sm_metadata"), 0);

    int64_t ds = fx_ds(f, "gone");
    create(f, METADATA_DS, ds, "k", "v", false);
    assert_int_equal(store_ds_delete(f->s, ds, &e), 0);
    assert_int_equal(count_rows(f, "SELECT COUNT(*) FROM ds_metadata"), 0);
}

static void test_soft_deleted_module_keeps_metadata(void **state)
{
    struct fixture *f = *state;
    struct error e;
    int64_t sm;
    fx_ds_sm(f, "soft", &sm);
    create(f, METADATA_SM, sm, "k", "v", true);
    const char **keys;
    size_t nkeys;
    assert_int_equal(store_sm_delete(f->s, sm, "tester", &f->a, &keys, &nkeys, &e), 0);
    struct software_module m;
    assert_int_equal(store_sm_get(f->s, sm, &f->a, &m, &e), 0);
    assert_true(m.deleted);
    assert_int_equal(count_rows(f, "SELECT COUNT(*) FROM sm_metadata"), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_crud_each_owner, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_keys_are_per_owner, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_duplicates_roll_back_the_batch, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_quota, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_list_sort_and_filter, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_visible, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_selectors, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_owner_delete_cascades, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_soft_deleted_module_keeps_metadata, fixture_setup,
                                        fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
