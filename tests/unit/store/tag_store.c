/* Tests src/store/tag_store.c (and the tag listings and `tag` filters of targets and
 * distribution sets) against a real, migrated SQLite file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above. */
#include <cmocka.h>

#include "../store_fixture.h"
#include "store/tag_store.h"

static int64_t new_tag(struct fixture *f, enum tag_kind kind, const char *name)
{
    struct tag t = {.name = name, .description = "d", .colour = "red"};
    struct error e;
    assert_int_equal(store_tag_create(f->s, kind, &t, "tester", &e), 0);
    assert_true(t.id > 0);
    return t.id;
}

static size_t count_assignments(struct fixture *f, const char *table)
{
    struct error e;
    char sql[96];
    snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM %s", table);
    struct db_stmt *st = db_prepare_temp(f->s->db, sql, &e);
    assert_non_null(st);
    assert_int_equal(db_step(st, &e), DB_ROW);
    size_t n = (size_t)db_col_int(st, 0);
    db_done(st);
    return n;
}

/* The controller ids of the targets matching q (sorted by controllerId). */
static size_t targets_matching(struct fixture *f, const char *q, const char **out)
{
    struct list_query lq = {0, 100, NULL, q, 0};
    struct target *items;
    size_t n;
    int64_t total;
    struct error e;
    assert_int_equal(store_target_list(f->s, &lq, &f->a, &items, &n, &total, &e), 0);
    for (size_t i = 0; i < n; i++)
        out[i] = items[i].controller_id;
    return n;
}

static void test_crud_and_unique_names(void **state)
{
    struct fixture *f = *state;
    struct error e;
    struct tag t;
    int64_t id = new_tag(f, TAG_TARGET, "red");
    /* Names are unique per kind only. */
    new_tag(f, TAG_DS, "red");
    struct tag dup = {.name = "red"};
    assert_int_equal(store_tag_create(f->s, TAG_TARGET, &dup, "tester", &e), -ERR_EXISTS);
    assert_string_equal(e.code, "repo.entityAlreadyExists");

    assert_int_equal(store_tag_get(f->s, TAG_TARGET, id, &f->a, &t, &e), 0);
    assert_string_equal(t.name, "red");
    assert_string_equal(t.colour, "red");
    assert_string_equal(t.audit.created_by, "tester");
    assert_int_equal(store_tag_get(f->s, TAG_DS, id + 100, &f->a, &t, &e), -ERR_NOT_FOUND);

    int64_t blue = new_tag(f, TAG_TARGET, "blue");
    t.id = blue;
    t.name = "red";
    assert_int_equal(store_tag_update(f->s, TAG_TARGET, &t, "u", &e), -ERR_EXISTS);
    t.name = "navy";
    t.description = NULL;
    assert_int_equal(store_tag_update(f->s, TAG_TARGET, &t, "u", &e), 0);
    assert_int_equal(store_tag_get(f->s, TAG_TARGET, blue, &f->a, &t, &e), 0);
    assert_string_equal(t.name, "navy");
    assert_null(t.description);
    assert_string_equal(t.audit.last_modified_by, "u");
    t.id = 999;
    assert_int_equal(store_tag_update(f->s, TAG_TARGET, &t, "u", &e), -ERR_NOT_FOUND);

    struct list_query q = {0, 10, "name:DESC", "name==*a*", 0};
    struct tag *items;
    size_t n;
    int64_t total;
    assert_int_equal(store_tag_list(f->s, TAG_TARGET, &q, &f->a, &items, &n, &total, &e), 0);
    assert_int_equal(n, 1);
    assert_string_equal(items[0].name, "navy");
    q.q = NULL;
    assert_int_equal(store_tag_list(f->s, TAG_TARGET, &q, &f->a, &items, &n, &total, &e), 0);
    assert_int_equal(total, 2);
    assert_string_equal(items[0].name, "red");

    assert_int_equal(store_tag_delete(f->s, TAG_TARGET, id, &e), 0);
    assert_int_equal(store_tag_delete(f->s, TAG_TARGET, id, &e), -ERR_NOT_FOUND);
    assert_string_equal(e.code, "repo.entityNotFound");
}

static void test_assign_targets(void **state)
{
    struct fixture *f = *state;
    struct error e;
    size_t unknown;
    int64_t tag = new_tag(f, TAG_TARGET, "lab");
    int64_t a = fx_target(f, "a");
    fx_target(f, "b");
    const char *both[] = {"a", "b"}, *bad[] = {"a", "nope"};

    assert_int_equal(
        store_tag_set_targets(f->s, tag, both, 2, true, TAG_UNKNOWN_FAIL, &unknown, &e), 0);
    /* Again: already tagged targets are left alone. */
    assert_int_equal(
        store_tag_set_targets(f->s, tag, both, 2, true, TAG_UNKNOWN_FAIL, &unknown, &e), 0);
    assert_int_equal(count_assignments(f, "target_tag_assignments"), 2);

    struct list_query q = {0, 10, NULL, NULL, 0};
    struct target *items;
    size_t n;
    int64_t total;
    assert_int_equal(store_target_list_by_tag(f->s, tag, &q, &f->a, &items, &n, &total, &e), 0);
    assert_int_equal(total, 2);
    assert_string_equal(items[0].controller_id, "a");

    struct tag *tags;
    assert_int_equal(store_tag_list_of_target(f->s, a, &f->a, &tags, &n, &e), 0);
    assert_int_equal(n, 1);
    assert_string_equal(tags[0].name, "lab");

    /* An unknown target fails the whole call before anything is written. */
    assert_int_equal(
        store_tag_set_targets(f->s, tag, bad, 2, false, TAG_UNKNOWN_FAIL, &unknown, &e),
        -ERR_NOT_FOUND);
    assert_int_equal(unknown, 1);
    assert_non_null(strstr(e.message, "nope"));
    assert_int_equal(count_assignments(f, "target_tag_assignments"), 2);
    /* ... unless asked to skip it. */
    assert_int_equal(
        store_tag_set_targets(f->s, tag, bad, 2, false, TAG_UNKNOWN_SKIP, &unknown, &e), 0);
    assert_int_equal(unknown, 1);
    assert_int_equal(count_assignments(f, "target_tag_assignments"), 1);

    assert_int_equal(
        store_tag_set_targets(f->s, tag + 50, both, 2, true, TAG_UNKNOWN_FAIL, &unknown, &e),
        -ERR_NOT_FOUND);
    assert_non_null(strstr(e.message, "TargetTag"));

    /* Deleting a tagged target, then the tag, removes the assignment rows. */
    assert_int_equal(store_target_delete(f->s, "b", &e), 0);
    assert_int_equal(count_assignments(f, "target_tag_assignments"), 0);
    assert_int_equal(
        store_tag_set_targets(f->s, tag, both, 1, true, TAG_UNKNOWN_FAIL, &unknown, &e), 0);
    assert_int_equal(store_tag_delete(f->s, TAG_TARGET, tag, &e), 0);
    assert_int_equal(count_assignments(f, "target_tag_assignments"), 0);
}

static void test_assign_sets(void **state)
{
    struct fixture *f = *state;
    struct error e;
    size_t unknown;
    int64_t tag = new_tag(f, TAG_DS, "stable");
    int64_t ids[] = {fx_ds(f, "one"), fx_ds(f, "two"), 424242};

    assert_int_equal(store_tag_set_ds(f->s, tag, ids, 3, true, TAG_UNKNOWN_FAIL, &unknown, &e),
                     -ERR_NOT_FOUND);
    assert_non_null(strstr(e.message, "424242"));
    assert_int_equal(count_assignments(f, "ds_tag_assignments"), 0);
    assert_int_equal(store_tag_set_ds(f->s, tag, ids, 2, true, TAG_UNKNOWN_FAIL, &unknown, &e), 0);

    struct list_query q = {0, 10, NULL, "name==two", 0};
    struct distribution_set *items;
    size_t n;
    int64_t total;
    assert_int_equal(store_ds_list_by_tag(f->s, tag, &q, &f->a, &items, &n, &total, &e), 0);
    assert_int_equal(n, 1);
    assert_int_equal(items[0].id, ids[1]);

    q.q = "tag==STABLE";
    assert_int_equal(store_ds_list(f->s, &q, &f->a, &items, &n, &total, &e), 0);
    assert_int_equal(total, 2);
    q.q = "tag!=stable";
    assert_int_equal(store_ds_list(f->s, &q, &f->a, &items, &n, &total, &e), 0);
    assert_int_equal(total, 0);

    assert_int_equal(store_tag_set_ds(f->s, tag, ids, 1, false, TAG_UNKNOWN_FAIL, &unknown, &e), 0);
    q.q = "tag.name!=stable";
    assert_int_equal(store_ds_list(f->s, &q, &f->a, &items, &n, &total, &e), 0);
    assert_int_equal(total, 1);
    assert_int_equal(items[0].id, ids[0]);

    /* A hard-deleted set loses its tags; deleting the tag removes the rest. */
    assert_int_equal(store_ds_delete(f->s, ids[1], &e), 0);
    assert_int_equal(count_assignments(f, "ds_tag_assignments"), 0);
    assert_int_equal(store_tag_set_ds(f->s, tag, ids, 1, true, TAG_UNKNOWN_FAIL, &unknown, &e), 0);
    assert_int_equal(store_tag_delete(f->s, TAG_DS, tag, &e), 0);
    assert_int_equal(count_assignments(f, "ds_tag_assignments"), 0);
}

static void test_target_tag_filters(void **state)
{
    struct fixture *f = *state;
    struct error e;
    size_t unknown;
    const char *ids[8];
    int64_t red = new_tag(f, TAG_TARGET, "red"), blue = new_tag(f, TAG_TARGET, "blue");
    const char *ab[] = {"a", "b"}, *b[] = {"b"};
    fx_target(f, "a");
    fx_target(f, "b");
    fx_target(f, "c");
    assert_int_equal(store_tag_set_targets(f->s, red, ab, 2, true, TAG_UNKNOWN_FAIL, &unknown, &e),
                     0);
    assert_int_equal(store_tag_set_targets(f->s, blue, b, 1, true, TAG_UNKNOWN_FAIL, &unknown, &e),
                     0);

    assert_int_equal(targets_matching(f, "tag==red", ids), 2);
    assert_int_equal(targets_matching(f, "tag==blue", ids), 1);
    assert_string_equal(ids[0], "b");
    /* != means "has no tag x": targets without any tag match too. */
    assert_int_equal(targets_matching(f, "tag!=blue", ids), 2);
    assert_string_equal(ids[0], "a");
    assert_string_equal(ids[1], "c");
    assert_int_equal(targets_matching(f, "tag.name=out=(red,blue)", ids), 1);
    assert_string_equal(ids[0], "c");
    assert_int_equal(targets_matching(f, "tag==r*;tag==BLUE", ids), 1);
    assert_int_equal(targets_matching(f, "tag==green", ids), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_crud_and_unique_names, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_assign_targets, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_assign_sets, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_target_tag_filters, fixture_setup, fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
