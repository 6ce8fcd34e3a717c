/* Tests src/http/router.c */
/* cmocka.h needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "http/router.h"

static void handler_a(struct request *req) {}
static void handler_b(struct request *req) {}

static const struct route table_one[] = {
    {"GET", "/rest/v1/targets", handler_a, NULL, ROUTE_BODY_NONE, NULL, NULL},
    {"POST", "/rest/v1/targets", handler_b, NULL, ROUTE_BODY_JSON, NULL, NULL},
    {"GET", "/rest/v1/targets/{}", handler_a, NULL, ROUTE_BODY_NONE, NULL, NULL},
    {"PUT", "/rest/v1/targets/{}", handler_b, NULL, ROUTE_BODY_JSON, NULL, NULL},
    {"GET", "/rest/v1/targets/{}/actions/{}", handler_a, NULL, ROUTE_BODY_NONE, NULL, NULL},
    {"GET", "/{}/controller/v1/{}/softwaremodules/{}/artifacts/{}", handler_b, NULL,
     ROUTE_BODY_NONE, NULL, NULL},
    /* More {} than HTTP_MAX_PARAMS: can never match, and must not write past params[]. */
    {"GET", "/x/{}/{}/{}/{}/{}", handler_a, NULL, ROUTE_BODY_NONE, NULL, NULL},
    {0},
};

static const struct route table_two[] = {
    {"DELETE", "/rest/v1/targets/{}", handler_b, NULL, ROUTE_BODY_NONE, NULL, NULL},
    {"GET", "/rest/v1/userinfo", handler_b, NULL, ROUTE_BODY_NONE, NULL, NULL},
    {0},
};

static const struct route *const tables[] = {table_one, table_two, NULL};

struct fixture {
    struct arena arena;
    const struct route *route;
    const char *params[HTTP_MAX_PARAMS];
};

static int setup(void **state)
{
    static struct fixture f;
    memset(&f, 0, sizeof(f));
    arena_init(&f.arena);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    arena_free(&f->arena);
    return 0;
}

static enum route_match match(struct fixture *f, const char *method, const char *path)
{
    f->route = NULL;
    for (int i = 0; i < HTTP_MAX_PARAMS; i++)
        f->params[i] = NULL;
    return router_match(tables, method, path, &f->arena, &f->route, f->params);
}

static void test_exact_path(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(match(f, "GET", "/rest/v1/targets"), ROUTE_FOUND);
    assert_ptr_equal(f->route, &table_one[0]);
    assert_int_equal(match(f, "POST", "/rest/v1/targets"), ROUTE_FOUND);
    assert_ptr_equal(f->route, &table_one[1]);
}

static void test_params_are_captured_and_copied(void **state)
{
    struct fixture *f = *state;
    char path[] = "/rest/v1/targets/dev-01/actions/42";
    assert_int_equal(match(f, "GET", path), ROUTE_FOUND);
    assert_ptr_equal(f->route, &table_one[4]);
    assert_string_equal(f->params[0], "dev-01");
    assert_string_equal(f->params[1], "42");
    /* The params are copies in the arena, not pointers into the path. */
    memset(path, 'z', sizeof(path) - 1);
    assert_string_equal(f->params[0], "dev-01");
    assert_string_equal(f->params[1], "42");
}

static void test_four_params(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(
        match(f, "GET", "/DEFAULT/controller/v1/dev/softwaremodules/7/artifacts/a.bin"),
        ROUTE_FOUND);
    assert_ptr_equal(f->route, &table_one[5]);
    assert_string_equal(f->params[0], "DEFAULT");
    assert_string_equal(f->params[1], "dev");
    assert_string_equal(f->params[2], "7");
    assert_string_equal(f->params[3], "a.bin");
}

static void test_too_many_params_never_match(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(match(f, "GET", "/x/1/2/3/4/5"), ROUTE_NO_PATH);
    assert_null(f->route);
    for (int i = 0; i < HTTP_MAX_PARAMS; i++)
        assert_null(f->params[i]);
}

static void test_empty_segment_is_no_param(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(match(f, "GET", "/rest/v1/targets//actions/1"), ROUTE_NO_PATH);
    assert_int_equal(match(f, "GET", "/rest/v1/targets/x/actions/"), ROUTE_NO_PATH);
}

static void test_param_does_not_span_slashes(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(match(f, "GET", "/rest/v1/targets/a/b"), ROUTE_NO_PATH);
}

static void test_one_trailing_slash_is_tolerated(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(match(f, "GET", "/rest/v1/targets/"), ROUTE_FOUND);
    assert_ptr_equal(f->route, &table_one[0]);
    assert_int_equal(match(f, "GET", "/rest/v1/targets/dev-01/"), ROUTE_FOUND);
    assert_ptr_equal(f->route, &table_one[2]);
    assert_string_equal(f->params[0], "dev-01");
    assert_int_equal(match(f, "GET", "/rest/v1/userinfo/"), ROUTE_FOUND);
}

static void test_two_trailing_slashes_are_not(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(match(f, "GET", "/rest/v1/userinfo//"), ROUTE_NO_PATH);
    assert_int_equal(match(f, "GET", "/rest/v1/targets//"), ROUTE_NO_PATH);
}

static void test_prefixes_and_extensions_do_not_match(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(match(f, "GET", "/rest/v1/target"), ROUTE_NO_PATH);
    assert_int_equal(match(f, "GET", "/rest/v1/targetsX"), ROUTE_NO_PATH);
    assert_int_equal(match(f, "GET", "/rest/v1"), ROUTE_NO_PATH);
    assert_int_equal(match(f, "GET", ""), ROUTE_NO_PATH);
    assert_int_equal(match(f, "GET", "/"), ROUTE_NO_PATH);
    assert_int_equal(match(f, "GET", "/REST/V1/TARGETS"), ROUTE_NO_PATH);
}

static void test_wrong_method_vs_no_path(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(match(f, "PATCH", "/rest/v1/targets"), ROUTE_WRONG_METHOD);
    assert_null(f->route);
    assert_int_equal(match(f, "DELETE", "/rest/v1/userinfo"), ROUTE_WRONG_METHOD);
    assert_int_equal(match(f, "PATCH", "/rest/v1/nothing"), ROUTE_NO_PATH);
    /* Methods are case-sensitive (RFC 9110). */
    assert_int_equal(match(f, "get", "/rest/v1/userinfo"), ROUTE_WRONG_METHOD);
}

static void test_method_found_in_later_table(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(match(f, "DELETE", "/rest/v1/targets/dev"), ROUTE_FOUND);
    assert_ptr_equal(f->route, &table_two[0]);
    assert_string_equal(f->params[0], "dev");
}

static void test_head_matches_get(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(match(f, "HEAD", "/rest/v1/targets/dev"), ROUTE_FOUND);
    assert_ptr_equal(f->route, &table_one[2]);
    assert_string_equal(f->params[0], "dev");
    assert_int_equal(match(f, "HEAD", "/rest/v1/userinfo"), ROUTE_FOUND);
    assert_ptr_equal(f->route, &table_two[1]);
}

static void test_head_without_get_route(void **state)
{
    static const struct route post_only[] = {
        {"POST", "/only-post", handler_a, NULL, ROUTE_BODY_JSON, NULL, NULL},
        {0},
    };
    static const struct route *const t[] = {post_only, NULL};
    struct fixture *f = *state;
    const struct route *r = NULL;
    assert_int_equal(router_match(t, "HEAD", "/only-post", &f->arena, &r, f->params),
                     ROUTE_WRONG_METHOD);
    assert_null(r);
}

static void test_no_tables(void **state)
{
    static const struct route *const none[] = {NULL};
    static const struct route empty[] = {{0}};
    static const struct route *const only_empty[] = {empty, NULL};
    struct fixture *f = *state;
    const struct route *r = NULL;
    assert_int_equal(router_match(none, "GET", "/a", &f->arena, &r, f->params), ROUTE_NO_PATH);
    assert_int_equal(router_match(only_empty, "GET", "/a", &f->arena, &r, f->params),
                     ROUTE_NO_PATH);
}

static void test_long_param(void **state)
{
    struct fixture *f = *state;
    char path[5000] = "/rest/v1/targets/";
    size_t n = strlen(path);
    memset(path + n, 'a', 4000);
    path[n + 4000] = '\0';
    assert_int_equal(match(f, "GET", path), ROUTE_FOUND);
    assert_int_equal(strlen(f->params[0]), 4000);
}

static void test_encoded_and_odd_bytes_are_plain_segment_text(void **state)
{
    struct fixture *f = *state;
    /* The router sees the path as MHD decoded it; it must not interpret anything. */
    assert_int_equal(match(f, "GET", "/rest/v1/targets/a%2Fb"), ROUTE_FOUND);
    assert_string_equal(f->params[0], "a%2Fb");
    assert_int_equal(match(f, "GET", "/rest/v1/targets/{}"), ROUTE_FOUND);
    assert_string_equal(f->params[0], "{}");
    assert_int_equal(match(f, "GET", "/rest/v1/targets/\xc3\xa9"), ROUTE_FOUND);
    assert_string_equal(f->params[0], "\xc3\xa9");
    assert_int_equal(match(f, "GET", "/rest/v1/targets/.."), ROUTE_FOUND);
    assert_string_equal(f->params[0], "..");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_exact_path, setup, teardown),
        cmocka_unit_test_setup_teardown(test_params_are_captured_and_copied, setup, teardown),
        cmocka_unit_test_setup_teardown(test_four_params, setup, teardown),
        cmocka_unit_test_setup_teardown(test_too_many_params_never_match, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_segment_is_no_param, setup, teardown),
        cmocka_unit_test_setup_teardown(test_param_does_not_span_slashes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_one_trailing_slash_is_tolerated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_trailing_slashes_are_not, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prefixes_and_extensions_do_not_match, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_method_vs_no_path, setup, teardown),
        cmocka_unit_test_setup_teardown(test_method_found_in_later_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_head_matches_get, setup, teardown),
        cmocka_unit_test_setup_teardown(test_head_without_get_route, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_tables, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_param, setup, teardown),
        cmocka_unit_test_setup_teardown(test_encoded_and_odd_bytes_are_plain_segment_text, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
