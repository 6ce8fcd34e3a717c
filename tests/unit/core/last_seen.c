/* Tests src/core/last_seen.c: the in-memory "last seen" buffer and its flush to a
 * real SQLite store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above. */
#include <cmocka.h>

#include <pthread.h>

#include "../store_fixture.h"
#include "core/last_seen.h"
#include "store/controller_store.h"

static int setup(void **state)
{
    last_seen_reset();
    return fixture_setup(state);
}

static int teardown(void **state)
{
    last_seen_reset();
    return fixture_teardown(state);
}

static void assert_seen(struct fixture *f, int64_t t, int64_t at, const char *address)
{
    struct target tg = fx_get_target(f, t);
    assert_int_equal(tg.last_request_at, at);
    if (address)
        assert_string_equal(tg.address, address);
    else
        assert_null(tg.address);
}

static void test_flush_writes_newest(void **state)
{
    struct fixture *f = *state;
    int64_t t1 = fx_target(f, "dev1"), t2 = fx_target(f, "dev2"), t3 = fx_target(f, "dev3");
    assert_int_equal(last_seen_flush(f->s), 0); /* nothing buffered */

    last_seen_record(t1, 1000, "http://10.0.0.1", false);
    last_seen_record(t1, 3000, "http://10.0.0.3", false);
    last_seen_record(t1, 2000, "http://10.0.0.2", false); /* older: dropped */
    last_seen_record(t2, 500, NULL, false);
    /* nothing is written before the flush */
    assert_int_equal(fx_get_target(f, t1).last_request_at, -1);
    assert_int_equal(last_seen_flush(f->s), 2);
    assert_seen(f, t1, 3000, "http://10.0.0.3");
    assert_seen(f, t2, 500, NULL);
    assert_seen(f, t3, -1, NULL);
    /* the buffer is empty afterwards */
    assert_int_equal(last_seen_flush(f->s), 0);

    /* at equal times the later record replaces the buffered one; a record without
     * address keeps the stored address */
    last_seen_record(t1, 4000, "http://10.0.0.4", false);
    last_seen_record(t1, 4000, NULL, false);
    assert_int_equal(last_seen_flush(f->s), 1);
    assert_seen(f, t1, 4000, "http://10.0.0.3");

    /* the stored time never moves backwards */
    last_seen_record(t1, 100, NULL, false);
    assert_int_equal(last_seen_flush(f->s), 1);
    assert_seen(f, t1, 4000, "http://10.0.0.3");
}

static void test_long_address_truncated(void **state)
{
    struct fixture *f = *state;
    int64_t t = fx_target(f, "dev");
    char address[200];
    memset(address, 'x', sizeof(address) - 1);
    address[sizeof(address) - 1] = '\0';
    last_seen_record(t, 10, address, false);
    assert_int_equal(last_seen_flush(f->s), 1);
    struct target tg = fx_get_target(f, t);
    assert_int_equal(strlen(tg.address), sizeof(((struct last_seen *)0)->address) - 1);
}

static void test_failed_flush_keeps_records(void **state)
{
    struct fixture *f = *state;
    int64_t t1 = fx_target(f, "dev1"), t2 = fx_target(f, "dev2");
    fx_exec(f, "CREATE TRIGGER no_touch BEFORE INSERT ON target_last_seen"
               " BEGIN SELECT RAISE(ABORT, 'refused'); END;");
    last_seen_record(t1, 5000, "http://a", false);
    last_seen_record(t2, 6000, "http://b", false);
    assert_true(last_seen_flush(f->s) < 0);
    assert_seen(f, t1, -1, NULL);
    assert_seen(f, t2, -1, NULL);

    /* newer and older records arriving meanwhile merge with the kept ones */
    last_seen_record(t1, 4000, "http://old", false);
    last_seen_record(t2, 7000, "http://new", false);
    fx_exec(f, "DROP TRIGGER no_touch");
    assert_int_equal(last_seen_flush(f->s), 2);
    assert_seen(f, t1, 5000, "http://a");
    assert_seen(f, t2, 7000, "http://new");
    assert_int_equal(last_seen_flush(f->s), 0);
}

static void test_reset_drops_records(void **state)
{
    struct fixture *f = *state;
    int64_t t = fx_target(f, "dev");
    last_seen_record(t, 10, NULL, false);
    last_seen_reset();
    assert_int_equal(last_seen_flush(f->s), 0);
    assert_seen(f, t, -1, NULL);
}

/* More records than the initial table holds: the buffer grows and keeps all. */
static void test_many_targets(void **state)
{
    struct fixture *f = *state;
    int64_t t1 = fx_target(f, "dev1"), t2 = fx_target(f, "dev2");
    for (int64_t id = 1; id <= 5000; id++)
        last_seen_record(id, 100 + id, NULL, false);
    for (int64_t id = 5000; id >= 1; id--)
        last_seen_record(id, 50, NULL, false);
    assert_int_equal(last_seen_flush(f->s), 5000);
    assert_seen(f, t1, 100 + t1, NULL);
    assert_seen(f, t2, 100 + t2, NULL);
}

struct recorder {
    int64_t first, base;
};

static void *record_many(void *arg)
{
    const struct recorder *r = arg;
    for (int64_t i = 0; i < 2000; i++)
        last_seen_record(r->first + (i % 1000), r->base + i, NULL, false);
    return NULL;
}

static void test_concurrent_records(void **state)
{
    struct fixture *f = *state;
    int64_t t = fx_target(f, "dev");
    pthread_t threads[4];
    struct recorder r[4];
    for (int i = 0; i < 4; i++) {
        r[i] = (struct recorder){.first = 1 + i * 500, .base = i * 10000};
        assert_int_equal(pthread_create(&threads[i], NULL, record_many, &r[i]), 0);
    }
    for (int i = 0; i < 4; i++)
        pthread_join(threads[i], NULL);
    /* ids 1..2500 overlap between neighbours; each keeps its maximum */
    assert_int_equal(last_seen_flush(f->s), 2500);
    /* target 1 was only recorded by thread 0: times 0+0 and 0+1000 */
    assert_seen(f, t, 1000, NULL);
}

static void test_first_contact_waits_until_flushed(void **state)
{
    struct fixture *f = *state;
    int64_t t = fx_unknown_target(f, "dev");
    assert_false(last_seen_first_contact_waiting());
    last_seen_record(t, 100, NULL, false);
    assert_false(last_seen_first_contact_waiting()); /* a repeat poll is no hurry */
    assert_int_equal(last_seen_flush(f->s), 1);
    assert_string_equal(fx_get_target(f, t).update_status, TARGET_STATUS_UNKNOWN);
    last_seen_record(t, 200, NULL, true);
    assert_true(last_seen_first_contact_waiting());
    last_seen_record(t, 300, NULL, false); /* a later poll keeps the mark */
    assert_int_equal(last_seen_flush(f->s), 1);
    assert_false(last_seen_first_contact_waiting());
    assert_string_equal(fx_get_target(f, t).update_status, TARGET_STATUS_REGISTERED);
    assert_seen(f, t, 300, NULL);
}

/* A flush that fails keeps the first-contact mark of its records and asks for the
 * next tick again. */
static void test_failed_flush_keeps_first_contact(void **state)
{
    struct fixture *f = *state;
    int64_t t = fx_unknown_target(f, "new");
    fx_exec(f, "CREATE TRIGGER no_touch BEFORE INSERT ON target_last_seen"
               " BEGIN SELECT RAISE(ABORT, 'refused'); END;");
    last_seen_record(t, 100, NULL, true);
    assert_true(last_seen_flush(f->s) < 0);
    assert_true(last_seen_first_contact_waiting());
    assert_string_equal(fx_get_target(f, t).update_status, TARGET_STATUS_UNKNOWN);
    fx_exec(f, "DROP TRIGGER no_touch");
    last_seen_record(t, 200, NULL, false); /* a later poll, after the target's first one */
    assert_int_equal(last_seen_flush(f->s), 1);
    assert_string_equal(fx_get_target(f, t).update_status, TARGET_STATUS_REGISTERED);
    assert_seen(f, t, 200, NULL);
}

/* The buffer is reused between intervals: after a big interval and a small one the
 * records of each still reach the store, and nothing of an earlier interval returns. */
static void test_buffers_reused_across_intervals(void **state)
{
    struct fixture *f = *state;
    int64_t t1 = fx_target(f, "dev1"), t2 = fx_target(f, "dev2");
    for (int round = 0; round < 4; round++) {
        int n = round % 2 ? 3 : 3000;
        for (int64_t id = 1; id <= n; id++)
            last_seen_record(id, 1000 * (round + 1) + id, NULL, false);
        assert_int_equal(last_seen_flush(f->s), n);
        assert_seen(f, t1, 1000 * (round + 1) + t1, NULL);
        assert_seen(f, t2, 1000 * (round + 1) + t2, NULL);
        assert_int_equal(last_seen_flush(f->s), 0);
    }
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_flush_writes_newest),
        T(test_long_address_truncated),
        T(test_failed_flush_keeps_records),
        T(test_reset_drops_records),
        T(test_many_targets),
        T(test_concurrent_records),
        T(test_first_contact_waits_until_flushed),
        T(test_failed_flush_keeps_first_contact),
        T(test_buffers_reused_across_intervals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
