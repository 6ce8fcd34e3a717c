/* Tests src/store/ds_type_store.c against a real SQLite file seeded with hawkBit's
 * default types (SM types os, application; DS types os, app, os_app). */
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

#include "store/ds_store.h"
#include "store/ds_type_store.h"

struct fixture {
    char dir[64], path[96];
    struct store *s;
    struct arena a;
    int64_t os, app; /* SM type ids */
};

/* The one mandatory SM type of a seeded DS type ("os" -> os, "app" -> application). */
static int64_t mandatory_of(struct fixture *f, const char *ds_type_key)
{
    struct ds_type t;
    struct sm_type *items;
    size_t n;
    struct error e;
    if (store_ds_type_get_by_key(f->s, ds_type_key, &f->a, &t, &e) < 0 ||
        store_ds_type_elements(f->s, t.id, true, &f->a, &items, &n, &e) < 0 || n != 1)
        return -1;
    return items[0].id;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    struct error e;
    if (!f)
        return -1;
    snprintf(f->dir, sizeof(f->dir), "/tmp/falconet-dstype-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof(f->path), "%s/test.db", f->dir);
    if (!(f->s = store_open(f->path, true, &e)))
        return -1;
    arena_init(&f->a);
    f->os = mandatory_of(f, "os");
    f->app = mandatory_of(f, "app");
    *state = f;
    return f->os > 0 && f->app > 0 ? 0 : -1;
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

static int64_t create_type(struct fixture *f, const char *key, const int64_t *mandatory,
                           size_t n_mandatory, const int64_t *optional, size_t n_optional)
{
    struct ds_type t = {.key = key, .name = key, .description = "d"};
    struct error e;
    assert_int_equal(
        store_ds_type_create(f->s, &t, mandatory, n_mandatory, optional, n_optional, "t", &e), 0);
    return t.id;
}

static size_t element_count(struct fixture *f, int64_t id, bool mandatory)
{
    struct sm_type *items;
    size_t n;
    struct error e;
    assert_int_equal(store_ds_type_elements(f->s, id, mandatory, &f->a, &items, &n, &e), 0);
    return n;
}

static void test_defaults(void **state)
{
    struct fixture *f = *state;
    struct ds_type t;
    struct error e;
    assert_int_equal(store_ds_type_get_by_key(f->s, "os_app", &f->a, &t, &e), 0);
    assert_string_equal(t.name, "OS with app(s)");
    assert_int_equal(element_count(f, t.id, true), 1);
    assert_int_equal(element_count(f, t.id, false), 1);
    struct list_query q = {.offset = 0, .limit = 50};
    struct ds_type *items;
    size_t count;
    int64_t total;
    assert_int_equal(store_ds_type_list(f->s, &q, &f->a, &items, &count, &total, &e), 0);
    assert_int_equal(total, 3);
}

static void test_create_elements_and_duplicates(void **state)
{
    struct fixture *f = *state;
    struct error e;
    int64_t id = create_type(f, "custom", &f->os, 1, &f->app, 1);
    struct sm_type smt;
    assert_int_equal(store_ds_type_element(f->s, id, f->os, true, &f->a, &smt, &e), 0);
    assert_string_equal(smt.key, "os");
    assert_int_equal(store_ds_type_element(f->s, id, f->os, false, &f->a, &smt, &e),
                     -ERR_NOT_FOUND);

    struct ds_type dup = {.key = "custom", .name = "other"};
    assert_int_equal(store_ds_type_create(f->s, &dup, NULL, 0, NULL, 0, "t", &e), -ERR_EXISTS);
    int64_t unknown = 9999;
    struct ds_type bad = {.key = "bad", .name = "bad"};
    assert_int_equal(store_ds_type_create(f->s, &bad, &unknown, 1, NULL, 0, "t", &e),
                     -ERR_NOT_FOUND);
}

static void test_move_and_remove_elements(void **state)
{
    struct fixture *f = *state;
    struct error e;
    int64_t id = create_type(f, "movable", &f->os, 1, NULL, 0);
    /* adding a mandatory type to the optional list moves it there */
    assert_int_equal(store_ds_type_add_element(f->s, id, f->os, false, "t", &e), 0);
    assert_int_equal(element_count(f, id, true), 0);
    assert_int_equal(element_count(f, id, false), 1);
    assert_int_equal(store_ds_type_remove_element(f->s, id, f->os, true, "t", &e), -ERR_NOT_FOUND);
    assert_int_equal(store_ds_type_remove_element(f->s, id, f->os, false, "t", &e), 0);
    assert_int_equal(element_count(f, id, false), 0);
}

static void test_in_use_is_read_only_and_soft_deleted(void **state)
{
    struct fixture *f = *state;
    struct error e;
    int64_t id = create_type(f, "inuse", &f->os, 1, NULL, 0);
    struct distribution_set ds = {.name = "n", .version = "1", .type_key = "inuse"};
    assert_int_equal(store_ds_create(f->s, &ds, NULL, 0, "t", &f->a, &e), 0);
    assert_int_equal(store_ds_type_add_element(f->s, id, f->app, false, "t", &e), -ERR_FORBIDDEN);
    assert_int_equal(store_ds_type_remove_element(f->s, id, f->os, true, "t", &e), -ERR_FORBIDDEN);

    assert_int_equal(store_ds_type_delete(f->s, id, &e), 0);
    struct ds_type t;
    assert_int_equal(store_ds_type_get(f->s, id, &f->a, &t, &e), 0);
    assert_true(t.deleted);
    assert_int_equal(store_ds_type_get_by_key(f->s, "inuse", &f->a, &t, &e), -ERR_NOT_FOUND);
    assert_int_equal(store_ds_type_delete(f->s, id, &e), -ERR_NOT_FOUND);

    int64_t unused = create_type(f, "unused", NULL, 0, NULL, 0);
    assert_int_equal(store_ds_type_delete(f->s, unused, &e), 0);
    assert_int_equal(store_ds_type_get(f->s, unused, &f->a, &t, &e), -ERR_NOT_FOUND);
    /* the key of a deleted type can be used again */
    create_type(f, "inuse", NULL, 0, NULL, 0);
}

static void test_update(void **state)
{
    struct fixture *f = *state;
    struct error e;
    struct ds_type t;
    int64_t id = create_type(f, "upd", NULL, 0, NULL, 0);
    assert_int_equal(store_ds_type_get(f->s, id, &f->a, &t, &e), 0);
    t.description = "new";
    t.colour = "#000";
    assert_int_equal(store_ds_type_update(f->s, &t, "u", &e), 0);
    assert_int_equal(store_ds_type_get(f->s, id, &f->a, &t, &e), 0);
    assert_string_equal(t.description, "new");
    assert_string_equal(t.colour, "#000");
    assert_string_equal(t.audit.last_modified_by, "u");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_elements_and_duplicates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_move_and_remove_elements, setup, teardown),
        cmocka_unit_test_setup_teardown(test_in_use_is_read_only_and_soft_deleted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_update, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
