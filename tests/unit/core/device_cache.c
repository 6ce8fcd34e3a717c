/* Tests src/core/device_cache.c: lookups by controller id + Authorization, retirement
 * by the change generation, eviction within a set, and what is never kept. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above. */
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/device_cache.h"

static const struct device_entry entry = {
    .target_id = 42,
    .installed_action_id = 7,
    .request_attributes = true,
    .open_action = false,
    .auth = DEVICE_AUTH_TARGET_TOKEN,
};

static void test_hit_returns_what_was_put(void **state)
{
    struct device_cache *c = device_cache_new(64);
    assert_non_null(c);
    device_cache_put(c, "dev-1", "TargetToken abc", 5, &entry);
    struct device_entry got;
    assert_true(device_cache_get(c, "dev-1", "TargetToken abc", 5, &got));
    assert_int_equal(got.target_id, 42);
    assert_int_equal(got.installed_action_id, 7);
    assert_true(got.request_attributes);
    assert_false(got.open_action);
    assert_int_equal(got.auth, DEVICE_AUTH_TARGET_TOKEN);

    struct device_entry none = entry;
    none.installed_action_id = -1;
    none.open_action = true;
    none.auth = DEVICE_AUTH_GATEWAY_TOKEN;
    device_cache_put(c, "dev-2", "GatewayToken gw", 5, &none);
    assert_true(device_cache_get(c, "dev-2", "GatewayToken gw", 5, &got));
    assert_int_equal(got.installed_action_id, -1);
    assert_true(got.open_action);
    assert_int_equal(got.auth, DEVICE_AUTH_GATEWAY_TOKEN);

    uint64_t hits, misses;
    device_cache_stats(c, &hits, &misses);
    assert_int_equal(hits, 2);
    assert_int_equal(misses, 0);
    device_cache_free(c);
}

/* The key is the pair: another token, another device or a prefix never matches. */
static void test_other_credentials_miss(void **state)
{
    struct device_cache *c = device_cache_new(64);
    device_cache_put(c, "dev-1", "TargetToken abc", 1, &entry);
    struct device_entry got;
    assert_false(device_cache_get(c, "dev-1", "TargetToken abd", 1, &got));
    assert_false(device_cache_get(c, "dev-1", "TargetToken ab", 1, &got));
    assert_false(device_cache_get(c, "dev-1", "GatewayToken abc", 1, &got));
    assert_false(device_cache_get(c, "dev-2", "TargetToken abc", 1, &got));
    assert_false(device_cache_get(c, "DEV-1", "TargetToken abc", 1, &got));
    /* the separator keeps "a" + "bc" apart from "ab" + "c" */
    device_cache_put(c, "a", "bc", 1, &entry);
    assert_false(device_cache_get(c, "ab", "c", 1, &got));
    uint64_t hits, misses;
    device_cache_stats(c, &hits, &misses);
    assert_int_equal(hits, 0);
    assert_int_equal(misses, 6);
    device_cache_free(c);
}

static void test_any_change_retires_entries(void **state)
{
    struct device_cache *c = device_cache_new(64);
    device_cache_put(c, "dev-1", "TargetToken abc", 9, &entry);
    struct device_entry got;
    assert_false(device_cache_get(c, "dev-1", "TargetToken abc", 10, &got));
    /* a lookup that started before a change stores a stale entry: never found */
    device_cache_put(c, "dev-1", "TargetToken abc", 9, &entry);
    assert_false(device_cache_get(c, "dev-1", "TargetToken abc", 10, &got));
    device_cache_put(c, "dev-1", "TargetToken abc", 10, &entry);
    assert_true(device_cache_get(c, "dev-1", "TargetToken abc", 10, &got));
    device_cache_free(c);
}

/* Only the low half of the generation is in a slot: the cache empties itself when
 * the high half moves, so an entry 2^32 changes old is not taken for current. */
static void test_epoch_change_empties_the_cache(void **state)
{
    struct device_cache *c = device_cache_new(64);
    uint64_t g = 3;
    device_cache_put(c, "dev-1", "TargetToken abc", g, &entry);
    struct device_entry got;
    uint64_t later = g + (1ull << 32);
    assert_false(device_cache_get(c, "dev-1", "TargetToken abc", later, &got));
    device_cache_put(c, "dev-2", "TargetToken x", later, &entry); /* starts the new epoch */
    assert_false(device_cache_get(c, "dev-1", "TargetToken abc", later, &got));
    assert_true(device_cache_get(c, "dev-2", "TargetToken x", later, &got));
    /* a lookup from the old epoch is not stored */
    device_cache_put(c, "dev-3", "TargetToken y", g, &entry);
    assert_false(device_cache_get(c, "dev-3", "TargetToken y", g, &got));
    device_cache_free(c);
}

static void test_not_kept(void **state)
{
    struct device_cache *c = device_cache_new(64);
    struct device_entry big = entry;
    big.target_id = (int64_t)UINT32_MAX + 1;
    device_cache_put(c, "dev-1", "TargetToken abc", 1, &big);
    big = entry;
    big.installed_action_id = (int64_t)UINT32_MAX + 1;
    device_cache_put(c, "dev-2", "TargetToken abc", 1, &big);
    char longest[1100];
    memset(longest, 'x', sizeof(longest) - 1);
    longest[sizeof(longest) - 1] = '\0';
    device_cache_put(c, "dev-3", longest, 1, &entry);
    struct device_entry got;
    assert_false(device_cache_get(c, "dev-1", "TargetToken abc", 1, &got));
    assert_false(device_cache_get(c, "dev-2", "TargetToken abc", 1, &got));
    assert_false(device_cache_get(c, "dev-3", longest, 1, &got));
    assert_null(device_cache_new(0));
    device_cache_free(NULL);
    device_cache_free(c);
}

/* More devices than slots: the table keeps at most its size, recent entries win,
 * and every hit still answers with its own device's data. */
static void test_full_cache_evicts(void **state)
{
    struct device_cache *c = device_cache_new(16);
    char id[32];
    for (int i = 1; i <= 200; i++) {
        snprintf(id, sizeof(id), "dev-%d", i);
        struct device_entry e = entry;
        e.target_id = i;
        device_cache_put(c, id, "TargetToken t", 1, &e);
    }
    int found = 0;
    for (int i = 1; i <= 200; i++) {
        snprintf(id, sizeof(id), "dev-%d", i);
        struct device_entry got;
        if (device_cache_get(c, id, "TargetToken t", 1, &got)) {
            assert_int_equal(got.target_id, i);
            found++;
        }
    }
    assert_true(found > 0 && found <= 16);
    device_cache_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hit_returns_what_was_put),
        cmocka_unit_test(test_other_credentials_miss),
        cmocka_unit_test(test_any_change_retires_entries),
        cmocka_unit_test(test_epoch_change_empties_the_cache),
        cmocka_unit_test(test_not_kept),
        cmocka_unit_test(test_full_cache_evicts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
