/* Tests sim/timers.c: timers come out in due order, only once due. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>

#include "timers.h"

static void test_order_and_due(void **state)
{
    struct timers t;
    const uint32_t n = 10000;
    assert_int_equal(timers_init(&t, n), 0);
    assert_int_equal(timers_next(&t), UINT32_MAX);
    srand(7);
    for (uint32_t i = 0; i < n; i++)
        timers_push(&t, 10 + (uint32_t)rand() % 5000, i);
    struct timer x;
    assert_false(timers_pop_due(&t, timers_next(&t) - 1, &x)); /* not due yet */
    uint32_t last = 0, popped = 0;
    for (uint32_t now = 0; now < 5000; now += 250) {
        while (timers_pop_due(&t, now, &x)) {
            assert_true(x.due_ms <= now);
            assert_true(x.due_ms >= last);
            assert_true(x.device < n);
            last = x.due_ms;
            popped++;
        }
        assert_true(timers_next(&t) > now);
    }
    while (timers_pop_due(&t, UINT32_MAX, &x))
        popped++;
    assert_int_equal(popped, n);
    /* more timers than announced still work */
    for (uint32_t i = 0; i < 3 * n; i++)
        timers_push(&t, 3 * n - i, i);
    for (uint32_t i = 0; i < 3 * n; i++) {
        assert_true(timers_pop_due(&t, UINT32_MAX, &x));
        assert_int_equal(x.due_ms, i + 1);
    }
    timers_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_and_due),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
