/* Tests src/http/etag.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "http/etag.h"

#define TAG "\"0fbc24bcc7a1794758fc1327fcfebdaf6\""

static void test_single_and_lists(void **state)
{
    assert_true(etag_list_matches(TAG, TAG, true));
    assert_true(etag_list_matches(TAG, TAG, false));
    assert_true(etag_list_matches("\"a\", " TAG, TAG, true));
    assert_true(etag_list_matches("\"a\"," TAG ",\"b\"", TAG, true));
    assert_true(etag_list_matches(" \t" TAG " \t", TAG, true));
    assert_true(etag_list_matches(",," TAG ",", TAG, true)); /* empty elements (RFC 9110 5.6.1) */
    assert_false(etag_list_matches("\"a\", \"b\"", TAG, true));
    assert_false(etag_list_matches("\"0fbc24bcc7a1794758fc1327fcfebdaf\"", TAG, true)); /* prefix */
    assert_false(etag_list_matches("\"\"", TAG, true));
}

static void test_star(void **state)
{
    assert_true(etag_list_matches("*", TAG, true));
    assert_true(etag_list_matches(" * ", TAG, false));
    assert_true(etag_list_matches("\"a\", *", TAG, true));
    assert_false(etag_list_matches("**", TAG, true));
    assert_false(etag_list_matches("*x", TAG, true));
}

static void test_weak_and_strong(void **state)
{
    /* If-None-Match compares weakly, If-Match strongly (RFC 9110 8.8.3.2). */
    assert_true(etag_list_matches("W/" TAG, TAG, true));
    assert_true(etag_list_matches(TAG, "W/" TAG, true));
    assert_false(etag_list_matches("W/" TAG, TAG, false));
    assert_false(etag_list_matches(TAG, "W/" TAG, false));
    assert_false(etag_list_matches("w/" TAG, TAG, true)); /* the prefix is case-sensitive */
}

static void test_absent_and_garbage(void **state)
{
    assert_false(etag_list_matches(NULL, TAG, true));
    const char *bad[] = {
        "",
        " ",
        ",",
        "0fbc24bcc7a1794758fc1327fcfebdaf6", /* unquoted */
        "\"0fbc24bcc7a1794758fc1327fcfebdaf6",
        TAG "x",
        TAG " " TAG,
        "W/",
        "W/*",
        "garbage, " TAG, /* the error comes first */
        "\"a\" b, " TAG,
        "\"a\";q=1, " TAG,
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (etag_list_matches(bad[i], TAG, true))
            fail_msg("'%s' matched", bad[i]);
    /* tags before the error still count */
    assert_true(etag_list_matches(TAG ", garbage", TAG, true));
    /* a malformed etag argument matches nothing, not even "*" */
    assert_false(etag_list_matches("*", "abc", true));
}

static void test_commas_inside_a_tag(void **state)
{
    /* etagc allows ',' inside the quotes: the list is split by tags, not by commas. */
    assert_true(etag_list_matches("\"a,b\", \"c\"", "\"a,b\"", true));
    assert_false(etag_list_matches("\"a,b\"", "\"a\"", true));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_single_and_lists),    cmocka_unit_test(test_star),
        cmocka_unit_test(test_weak_and_strong),     cmocka_unit_test(test_absent_and_garbage),
        cmocka_unit_test(test_commas_inside_a_tag),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
