/* Tests for src/store/store.c: the scheduler lease that lets one of several servers
 * run the cluster-wide periodic work, and announcements on a database that one server
 * serves (SQLite; the PostgreSQL side is tested end to end in tests/e2e/test_cluster.py). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "../store_fixture.h"

static bool lease(struct fixture *f, const char *holder, int64_t now, int64_t hold)
{
    bool granted = true;
    struct error e;
    assert_int_equal(store_scheduler_lease(f->s, holder, now, hold, &granted, &e), 0);
    return granted;
}

static void test_one_holder_at_a_time(void **state)
{
    struct fixture *f = *state;
    assert_true(lease(f, "a", 1000, 6000));  /* free at first */
    assert_false(lease(f, "b", 2000, 6000)); /* a holds it until 7000 */
    assert_true(lease(f, "a", 3000, 6000));  /* a renews: now until 9000 */
    assert_false(lease(f, "b", 8000, 6000));
    assert_true(lease(f, "b", 9000, 6000)); /* a stopped renewing: b takes over */
    assert_false(lease(f, "a", 9500, 6000));
}

static void test_release_hands_over_at_once(void **state)
{
    struct fixture *f = *state;
    struct error e;
    assert_true(lease(f, "a", 1000, 6000));
    assert_int_equal(store_scheduler_release(f->s, "b", &e), 0); /* not b's to give */
    assert_false(lease(f, "b", 2000, 6000));
    assert_int_equal(store_scheduler_release(f->s, "a", &e), 0);
    assert_true(lease(f, "b", 2000, 6000));
}

static void never_called(const char *topic, void *ctx)
{
    (void)topic, (void)ctx;
    fail_msg("an announcement on SQLite");
}

static void test_announcements_on_sqlite_tell_nobody(void **state)
{
    struct fixture *f = *state;
    struct error e;
    assert_false(store_shared(f->s));
    assert_int_equal(store_announce(f->s, "tenant_settings", 2000, &e), 0); /* at once */
    assert_int_equal(store_listen(f->s, &e), -ERR_INVALID);
    assert_int_equal(store_wait_announcements(f->s, -1, 0, never_called, NULL, &e), -ERR_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_one_holder_at_a_time, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_release_hands_over_at_once, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_announcements_on_sqlite_tell_nobody, fixture_setup,
                                        fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
