/* Tests src/util/json_writer.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>

#include "util/json_writer.h"

static char *finish(struct jw *w)
{
    char *out = jw_finish(w, NULL);
    assert_non_null(out);
    return out;
}

static void test_nested_commas(void **state)
{
    struct jw w;
    jw_init(&w);
    jw_obj_begin(&w);
    jw_kv_int(&w, "a", 1);
    jw_key(&w, "b");
    jw_arr_begin(&w);
    jw_int(&w, 2);
    jw_bool(&w, true);
    jw_null(&w);
    jw_obj_begin(&w);
    jw_obj_end(&w);
    jw_arr_end(&w);
    jw_kv_str(&w, "c", "x");
    jw_obj_end(&w);
    char *out = finish(&w);
    assert_string_equal(out, "{\"a\":1,\"b\":[2,true,null,{}],\"c\":\"x\"}");
    free(out);
}

static void test_escaping(void **state)
{
    struct jw w;
    jw_init(&w);
    jw_str(&w, "q\"b\\s/n\n\x01\x1f\xc3\xa9");
    char *out = finish(&w);
    assert_string_equal(out, "\"q\\\"b\\\\s/n\\n\\u0001\\u001f\xc3\xa9\"");
    free(out);
}

static void test_int64_extremes(void **state)
{
    struct jw w;
    jw_init(&w);
    jw_arr_begin(&w);
    jw_int(&w, INT64_MAX);
    jw_int(&w, INT64_MIN);
    jw_arr_end(&w);
    char *out = finish(&w);
    assert_string_equal(out, "[9223372036854775807,-9223372036854775808]");
    free(out);
}

static void test_optional_fields_omitted(void **state)
{
    struct jw w;
    jw_init(&w);
    jw_obj_begin(&w);
    jw_kv_str_opt(&w, "gone", NULL);
    jw_kv_int_opt(&w, "never", -1);
    jw_kv_int_opt(&w, "zero", 0);
    jw_obj_end(&w);
    char *out = finish(&w);
    assert_string_equal(out, "{\"zero\":0}");
    free(out);
}

static void test_depth_limit_fails(void **state)
{
    struct jw w;
    jw_init(&w);
    for (int i = 0; i < JW_MAX_DEPTH + 1; i++)
        jw_arr_begin(&w);
    assert_null(jw_finish(&w, NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nested_commas),
        cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_int64_extremes),
        cmocka_unit_test(test_optional_fields_omitted),
        cmocka_unit_test(test_depth_limit_fails),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
