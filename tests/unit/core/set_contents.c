/* Tests src/core/set_contents.c: one shared copy per set while nothing changes, a
 * fresh read after any committed change, and the uncached path (PostgreSQL). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above. */
#include <cmocka.h>

#include "../store_fixture.h"
#include "core/set_contents.h"
#include "store/metadata_store.h"

static void add_visible(struct fixture *f, int64_t sm, const char *key)
{
    struct metadata md = {.key = key, .value = "v", .target_visible = true};
    struct error e;
    assert_int_equal(store_metadata_create(f->s, METADATA_SM, sm, &md, 1, &e), 0);
}

static void test_shared_until_a_change(void **state)
{
    struct fixture *f = *state;
    struct set_contents_cache *c = set_contents_cache_new(4);
    int64_t sm, ds = fx_ds_sm(f, "set-a", &sm);
    struct error e;

    const struct set_contents *a = set_contents_get(c, f->s, ds, &e);
    assert_non_null(a);
    assert_int_equal(a->ds_id, ds);
    assert_int_equal(a->n_chunks, 1);
    assert_int_equal(a->chunks[0].module->id, sm);
    assert_int_equal(a->chunks[0].n_metadata, 0);
    const struct set_contents *b = set_contents_get(c, f->s, ds, &e);
    assert_ptr_equal(a, b); /* the same copy */
    set_contents_release(c, b);

    add_visible(f, sm, "hint");
    const struct set_contents *fresh = set_contents_get(c, f->s, ds, &e);
    assert_ptr_not_equal(fresh, a);
    assert_int_equal(fresh->chunks[0].n_metadata, 1);
    assert_string_equal(fresh->chunks[0].metadata[0].key, "hint");
    /* the old copy stays readable by whoever still holds it */
    assert_int_equal(a->chunks[0].n_metadata, 0);
    set_contents_release(c, a);
    set_contents_release(c, fresh);
    set_contents_cache_free(c);
}

/* Two sets on one slot replace each other; each answer is its own set's. */
static void test_sets_sharing_a_slot(void **state)
{
    struct fixture *f = *state;
    struct set_contents_cache *c = set_contents_cache_new(1);
    int64_t sm1, sm2, ds1 = fx_ds_sm(f, "set-1", &sm1), ds2 = fx_ds_sm(f, "set-2", &sm2);
    struct error e;
    for (int i = 0; i < 3; i++) {
        const struct set_contents *x = set_contents_get(c, f->s, ds1, &e);
        const struct set_contents *y = set_contents_get(c, f->s, ds2, &e);
        assert_int_equal(x->chunks[0].module->id, sm1);
        assert_int_equal(y->chunks[0].module->id, sm2);
        set_contents_release(c, x);
        set_contents_release(c, y);
    }
    set_contents_cache_free(c);
}

static void test_without_cache(void **state)
{
    struct fixture *f = *state;
    assert_null(set_contents_cache_new(0));
    int64_t sm, ds = fx_ds_sm(f, "set-n", &sm);
    struct error e;
    const struct set_contents *a = set_contents_get(NULL, f->s, ds, &e);
    const struct set_contents *b = set_contents_get(NULL, f->s, ds, &e);
    assert_ptr_not_equal(a, b);
    assert_int_equal(b->chunks[0].module->id, sm);
    set_contents_release(NULL, a);
    set_contents_release(NULL, b);
    /* an unknown set has no modules */
    const struct set_contents *none = set_contents_get(NULL, f->s, 987654, &e);
    assert_non_null(none);
    assert_int_equal(none->n_chunks, 0);
    set_contents_release(NULL, none);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_shared_until_a_change, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_sets_sharing_a_slot, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_without_cache, fixture_setup, fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
