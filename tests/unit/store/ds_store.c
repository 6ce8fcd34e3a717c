/* Tests src/store/ds_store.c and src/store/ds_module_store.c against a real SQLite
 * file (migrated and seeded with hawkBit's default types). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above. */
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/db.h"
#include "store/ds_store.h"
#include "store/target_store.h"

struct fixture {
    char dir[64], path[96];
    struct store *s;
    struct arena a;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    struct error e;
    if (!f)
        return -1;
    snprintf(f->dir, sizeof(f->dir), "/tmp/falconet-ds-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof(f->path), "%s/test.db", f->dir);
    f->s = store_open(f->path, true, &e);
    if (!f->s)
        return -1;
    arena_init(&f->a);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    char side[128];
    store_close(f->s);
    arena_free(&f->a);
    unlink(f->path);
    snprintf(side, sizeof(side), "%s-wal", f->path);
    unlink(side);
    snprintf(side, sizeof(side), "%s-shm", f->path);
    unlink(side);
    rmdir(f->dir);
    free(f);
    return 0;
}

/* Fixture rows the DS store only reads: software modules (and a custom SM type). */
static int64_t insert_sm(struct fixture *f, const char *type_key, const char *name)
{
    struct db_stmt *st = db_prepare_temp(
        f->s->db,
        "INSERT INTO software_modules (type_id, name, version, created_at, created_by,"
        " last_modified_at, last_modified_by) SELECT id, ?, '1.0', 1, 't', 1, 't' FROM sm_types"
        " WHERE type_key = ? RETURNING id",
        NULL);
    assert_non_null(st);
    db_bind_text(st, 1, name);
    db_bind_text(st, 2, type_key);
    assert_int_equal(db_step(st, NULL), DB_ROW);
    int64_t id = db_col_int(st, 0);
    db_done(st);
    return id;
}

static void exec(struct fixture *f, const char *sql)
{
    assert_int_equal(db_exec(f->s->db, sql, NULL), 0);
}

static int64_t create_ds(struct fixture *f, const char *type_key, const char *name,
                         const int64_t *modules, size_t n)
{
    struct distribution_set ds = {.name = name, .version = "1.0", .type_key = type_key};
    struct error e;
    assert_int_equal(store_ds_create(f->s, &ds, modules, n, "tester", &f->a, &e), 0);
    return ds.id;
}

static struct distribution_set get_ds(struct fixture *f, int64_t id)
{
    struct distribution_set ds;
    struct error e;
    assert_int_equal(store_ds_get(f->s, id, &f->a, &ds, &e), 0);
    return ds;
}

static size_t module_ids(struct fixture *f, int64_t ds_id, int64_t *out, size_t max)
{
    struct software_module *mods;
    size_t n;
    struct error e;
    assert_int_equal(store_ds_modules_all(f->s, ds_id, &f->a, &mods, &n, &e), 0);
    for (size_t i = 0; i < n && i < max; i++)
        out[i] = mods[i].id;
    return n;
}

static void test_create_and_get(void **state)
{
    struct fixture *f = *state;
    int64_t id = create_ds(f, "os", "rel", NULL, 0);
    struct distribution_set ds = get_ds(f, id);
    assert_string_equal(ds.name, "rel");
    assert_string_equal(ds.version, "1.0");
    assert_string_equal(ds.type_key, "os");
    assert_string_equal(ds.type_name, "OS only");
    assert_false(ds.complete);
    assert_false(ds.locked);
    assert_false(ds.deleted);
    assert_true(ds.valid);
    assert_string_equal(ds.audit.created_by, "tester");

    ds = get_ds(f, create_ds(f, NULL, "default-type", NULL, 0));
    assert_string_equal(ds.type_key, DS_DEFAULT_TYPE_KEY);
}

static void test_get_unknown(void **state)
{
    struct fixture *f = *state;
    struct distribution_set ds;
    struct error e;
    assert_int_equal(store_ds_get(f->s, 4242, &f->a, &ds, &e), -ERR_NOT_FOUND);
    assert_string_equal(e.code, "repo.entityNotFound");
    assert_string_equal(e.message, "DistributionSet with given identifier {4242} does not exist.");
}

static void test_unknown_type_key(void **state)
{
    struct fixture *f = *state;
    struct distribution_set ds = {.name = "x", .version = "1", .type_key = "nosuch"};
    struct error e;
    assert_int_equal(store_ds_create(f->s, &ds, NULL, 0, "t", &f->a, &e), -ERR_INVALID);
    assert_string_equal(e.code, "distributionset.type.undefined");
}

static void test_completeness(void **state)
{
    struct fixture *f = *state;
    int64_t os = insert_sm(f, "os", "os"), app = insert_sm(f, "application", "app");
    struct error e;
    int64_t id = create_ds(f, "os_app", "os_app", &app, 1);
    assert_false(get_ds(f, id).complete); /* os is mandatory, application optional */
    assert_int_equal(store_ds_add_modules(f->s, id, &os, 1, "t", &e), 0);
    assert_true(get_ds(f, id).complete);
    assert_int_equal(store_ds_remove_module(f->s, id, os, "t", &e), 0);
    assert_false(get_ds(f, id).complete);

    int64_t app_only = create_ds(f, "app", "app-only", &app, 1);
    assert_true(get_ds(f, app_only).complete);
}

static void test_type_restriction(void **state)
{
    struct fixture *f = *state;
    int64_t app = insert_sm(f, "application", "app"), os = insert_sm(f, "os", "os");
    struct error e;
    int64_t id = create_ds(f, "os", "os-only", NULL, 0);
    int64_t both[] = {os, app};
    assert_int_equal(store_ds_add_modules(f->s, id, both, 2, "t", &e), -ERR_INVALID);
    assert_string_equal(e.code, "distributionset.modules.unsupported");
    int64_t missing = 987654;
    assert_int_equal(store_ds_add_modules(f->s, id, &missing, 1, "t", &e), -ERR_NOT_FOUND);
    assert_int_equal(store_ds_add_modules(f->s, 987654, &os, 1, "t", &e), -ERR_NOT_FOUND);
}

static void test_max_assignments_replaces_oldest(void **state)
{
    struct fixture *f = *state;
    int64_t a = insert_sm(f, "os", "a"), b = insert_sm(f, "os", "b");
    int64_t ids[4];
    struct error e;
    int64_t id = create_ds(f, "os", "os-max", &a, 1);
    assert_int_equal(store_ds_add_modules(f->s, id, &b, 1, "t", &e), 0);
    assert_int_equal(module_ids(f, id, ids, 4), 1);
    assert_int_equal(ids[0], b);
    /* re-adding a module already present changes nothing */
    assert_int_equal(store_ds_add_modules(f->s, id, &b, 1, "t", &e), 0);
    assert_int_equal(module_ids(f, id, ids, 4), 1);

    exec(f, "INSERT INTO sm_types (type_key, name, max_assignments, created_at, created_by,"
            " last_modified_at, last_modified_by) VALUES ('two', 'Two', 2, 1, 't', 1, 't');"
            "INSERT INTO ds_type_elements (ds_type_id, sm_type_id, mandatory)"
            " SELECT d.id, s.id, 0 FROM ds_types d, sm_types s"
            " WHERE d.type_key = 'os_app' AND s.type_key = 'two'");
    int64_t t1 = insert_sm(f, "two", "t1"), t2 = insert_sm(f, "two", "t2");
    int64_t t3 = insert_sm(f, "two", "t3"), all[] = {t2, t1, t3};
    int64_t mixed = create_ds(f, "os_app", "two-max", all, 3);
    assert_int_equal(module_ids(f, mixed, ids, 4), 2);
    assert_int_equal(ids[0], t2);
    assert_int_equal(ids[1], t3);
}

static void test_lock(void **state)
{
    struct fixture *f = *state;
    int64_t a = insert_sm(f, "os", "a"), b = insert_sm(f, "os", "b");
    struct error e;
    int64_t id = create_ds(f, "os", "lockme", &a, 1);
    assert_int_equal(store_ds_lock(f->s, id, &e), 0);
    assert_int_equal(store_ds_lock(f->s, id, &e), 0); /* idempotent */
    assert_true(get_ds(f, id).locked);
    assert_int_equal(store_ds_add_modules(f->s, id, &b, 1, "t", &e), -ERR_LOCKED);
    assert_string_equal(e.code, "locked");
    assert_int_equal(store_ds_remove_module(f->s, id, a, "t", &e), -ERR_LOCKED);
    struct software_module *mods;
    size_t n;
    assert_int_equal(store_ds_modules_all(f->s, id, &f->a, &mods, &n, &e), 0);
    assert_int_equal(n, 1);
    assert_true(mods[0].locked); /* locking a set locks its modules */
    assert_int_equal(store_ds_lock(f->s, 987654, &e), -ERR_NOT_FOUND);

    struct distribution_set ds = get_ds(f, id);
    ds.locked = false;
    assert_int_equal(store_ds_update(f->s, &ds, "t", &e), -ERR_INVALID);

    struct distribution_set created = {
        .name = "born-locked", .version = "1", .type_key = "os", .locked = true};
    assert_int_equal(store_ds_create(f->s, &created, &b, 1, "t", &f->a, &e), 0);
    assert_true(created.locked);
    assert_true(created.complete);
}

static void test_duplicate(void **state)
{
    struct fixture *f = *state;
    struct error e;
    int64_t id = create_ds(f, "os", "dup", NULL, 0);
    struct distribution_set again = {.name = "dup", .version = "1.0", .type_key = "app"};
    assert_int_equal(store_ds_create(f->s, &again, NULL, 0, "t", &f->a, &e), -ERR_EXISTS);
    assert_string_equal(e.code, "repo.entityAlreadyExists");
    again.version = "1.1";
    assert_int_equal(store_ds_create(f->s, &again, NULL, 0, "t", &f->a, &e), 0);
    again.version = "1.0";
    assert_int_equal(store_ds_update(f->s, &again, "t", &e), -ERR_EXISTS);
    assert_int_equal(store_ds_delete(f->s, id, &e), 0);
    again.version = "1.0";
    again.id = 0;
    assert_int_equal(store_ds_create(f->s, &again, NULL, 0, "t", &f->a, &e), 0);
}

static void test_delete_soft_and_hard(void **state)
{
    struct fixture *f = *state;
    struct error e;
    int64_t used = create_ds(f, "os", "used", NULL, 0),
            unused = create_ds(f, "os", "unused", NULL, 0);
    struct target t = {.controller_id = "dev1", .name = "dev1", .security_token = "tok"};
    assert_int_equal(store_target_create(f->s, &t, "t", &e), 0);
    assert_int_equal(store_target_set_state(f->s, t.id, "in_sync", -1, used, 1, &e), 0);

    assert_int_equal(store_ds_delete(f->s, used, &e), 0);
    assert_true(get_ds(f, used).deleted);
    assert_int_equal(store_ds_delete(f->s, used, &e), -ERR_NOT_FOUND);
    assert_int_equal(store_ds_delete(f->s, unused, &e), 0);
    struct distribution_set ds;
    assert_int_equal(store_ds_get(f->s, unused, &f->a, &ds, &e), -ERR_NOT_FOUND);

    struct list_query q = {.offset = 0, .limit = 50};
    struct distribution_set *items;
    size_t count;
    int64_t total;
    assert_int_equal(store_ds_list(f->s, &q, &f->a, &items, &count, &total, &e), 0);
    assert_int_equal(total, 0);
}

static void test_list_paging_and_sort(void **state)
{
    struct fixture *f = *state;
    struct error e;
    create_ds(f, "os", "b", NULL, 0);
    create_ds(f, "os", "c", NULL, 0);
    create_ds(f, "os", "a", NULL, 0);
    struct list_query q = {.offset = 1, .limit = 1, .sort = "name:DESC"};
    struct distribution_set *items;
    size_t count;
    int64_t total;
    assert_int_equal(store_ds_list(f->s, &q, &f->a, &items, &count, &total, &e), 0);
    assert_int_equal(total, 3);
    assert_int_equal(count, 1);
    assert_string_equal(items[0].name, "b");
    q.sort = "complete:ASC,id:DESC";
    assert_int_equal(store_ds_list(f->s, &q, &f->a, &items, &count, &total, &e), 0);
    q.sort = "nosuch:ASC";
    assert_int_equal(store_ds_list(f->s, &q, &f->a, &items, &count, &total, &e), -ERR_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_and_get, setup, teardown),
        cmocka_unit_test_setup_teardown(test_get_unknown, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_type_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_completeness, setup, teardown),
        cmocka_unit_test_setup_teardown(test_type_restriction, setup, teardown),
        cmocka_unit_test_setup_teardown(test_max_assignments_replaces_oldest, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lock, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete_soft_and_hard, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_paging_and_sort, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
