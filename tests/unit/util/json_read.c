/* Tests src/util/json_read.c: strict parsing and the typed member readers. */
/* cmocka.h needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/json_read.h"

static struct json_value *parse_n(const char *text, size_t len)
{
    struct error err = {0};
    struct json_value *v = json_parse(text, len, &err);
    if (!v)
        fail_msg("'%.*s' rejected: %s", (int)len, text, err.message);
    return v;
}

static struct json_value *parse(const char *text)
{
    return parse_n(text, strlen(text));
}

static void reject_n(const char *text, size_t len)
{
    struct error err = {0};
    struct json_value *v = json_parse(text, len, &err);
    if (v) {
        json_doc_free(v);
        fail_msg("'%.*s' accepted", (int)len, text);
    }
    assert_int_equal(err.kind, ERR_INVALID);
    assert_string_equal(err.code, "rest.body.notReadable");
    assert_true(err.message[0] != '\0');
}

static void reject(const char *text)
{
    reject_n(text, strlen(text));
}

static char *nested_arrays(int depth)
{
    char *s = malloc((size_t)depth * 2 + 1);
    for (int i = 0; i < depth; i++) {
        s[i] = '[';
        s[2 * depth - 1 - i] = ']';
    }
    s[2 * depth] = '\0';
    return s;
}

static char *nested_objects(int depth)
{
    /* {"a":{"a":...{}...}} with depth levels of objects */
    size_t cap = (size_t)depth * 6 + 3;
    char *s = calloc(1, cap);
    for (int i = 0; i < depth - 1; i++)
        strcat(s, "{\"a\":");
    strcat(s, "{}");
    for (int i = 0; i < depth - 1; i++)
        strcat(s, "}");
    return s;
}

/* ---- parsing ---- */

static void test_documents(void **state)
{
    const char *ok[] = {"{}",          "[]",       "{\"a\":[1,2,{\"b\":null}]}",
                        " \t\r\n{}\n", "\"text\"", "42",
                        "-0",          "1.5e3",    "true",
                        "false",       "null",     NULL};
    for (const char *const *t = ok; *t; t++)
        json_doc_free(parse(*t));
}

static void test_top_level_kinds(void **state)
{
    struct json_value *v = parse("42");
    assert_int_equal(json_kind(v), JSON_NUMBER);
    assert_true(json_is_int(v));
    assert_int_equal(json_as_int(v), 42);
    json_doc_free(v);
    v = parse("true");
    assert_int_equal(json_kind(v), JSON_BOOL);
    assert_true(json_as_bool(v));
    json_doc_free(v);
    v = parse("null");
    assert_int_equal(json_kind(v), JSON_NULL);
    assert_null(json_get(v, "a"));
    json_doc_free(v);
}

static void test_length_is_respected(void **state)
{
    /* Only len bytes are parsed: the text need not be NUL-terminated there. */
    json_doc_free(parse_n("{\"a\":1}GARBAGE", 7));
    json_doc_free(parse_n("123456", 3));
}

static void test_trailing_garbage(void **state)
{
    reject("{} x");
    reject("{}{}");
    reject("[1] [2]");
    reject("1 2");
    reject("{},");
    reject("\"a\"\"b\"");
    reject_n("{}\0", 3); /* a NUL after the document is not whitespace */
    reject_n("{}\0{}", 5);
    reject("{}\x0b"); /* vertical tab is not JSON whitespace */
    reject("{}\xc2\xa0");
}

static void test_comments(void **state)
{
    reject("/* c */ {}");
    reject("{} // c");
    reject("{\"a\": 1 /* c */}");
    reject("# c\n{}");
}

/* Not checked here, because json-c 0.16 accepts them even in strict mode: "1." (no
 * digit after the point), raw control characters inside strings, single-quoted
 * strings, NaN / Infinity, and a lone surrogate escape ("\ud800"). None of them gets
 * past the typed member readers as something else than what it looks like. */
static void test_non_json_syntax(void **state)
{
    const char *bad[] = {
        "",           "   ",         "{",    "}",      "{\"a\":1,}", "{a:1}",
        "[01]",       "[.5]",        "[+1]", "[0x10]", "{\"a\" 1}",  "{\"a\":}",
        "[\"a\\x\"]", "[\"\\u12\"]", "tru",  "nul",    "True",       "\xef\xbb\xbf{}",
        NULL};
    for (const char *const *t = bad; *t; t++)
        reject(*t);
}

static void test_nesting_limit(void **state)
{
    char *s = nested_arrays(32);
    json_doc_free(parse(s));
    free(s);
    s = nested_arrays(33);
    reject(s);
    free(s);
    s = nested_objects(32);
    json_doc_free(parse(s));
    free(s);
    s = nested_objects(33);
    reject(s);
    free(s);
    s = nested_arrays(100000); /* deep input fails fast, without recursion */
    reject(s);
    free(s);
}

static void test_invalid_utf8(void **state)
{
    reject("[\"\xff\"]");
    reject("[\"\xc3\"]");     /* truncated sequence */
    reject("[\"\xc3\x28\"]"); /* bad continuation byte */
    reject("[\"\xe2\x82\"]"); /* truncated 3-byte sequence */
    reject("{\"\x80\":1}");   /* in a key */
    json_doc_free(parse("[\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"]")); /* é € 😀 */
    json_doc_free(parse("[\"\\u00e9\\ud83d\\ude00\"]"));
}

static void test_size_guard(void **state)
{
    struct error err = {0};
    assert_null(json_parse("{}", (size_t)INT32_MAX + 1, &err));
    assert_int_equal(err.kind, ERR_INVALID);
}

static void test_big_document(void **state)
{
    /* 100 000 elements: fine, and every one is reachable. */
    size_t n = 100000;
    char *s = malloc(n * 2 + 2);
    s[0] = '[';
    for (size_t i = 0; i < n; i++) {
        s[1 + 2 * i] = '7';
        s[2 + 2 * i] = ',';
    }
    s[2 * n] = ']';
    s[2 * n + 1] = '\0';
    struct json_value *v = parse(s);
    assert_int_equal(json_array_len(v), n);
    assert_int_equal(json_as_int(json_array_at(v, n - 1)), 7);
    json_doc_free(v);
    free(s);
}

/* ---- navigation ---- */

static void test_get_and_kinds(void **state)
{
    struct json_value *doc =
        parse("{\"s\":\"x\",\"i\":-5,\"d\":2.5,\"b\":false,\"n\":null,\"a\":[1],\"o\":{}}");
    assert_int_equal(json_kind(doc), JSON_OBJECT);
    assert_int_equal(json_kind(json_get(doc, "s")), JSON_STRING);
    assert_int_equal(json_kind(json_get(doc, "i")), JSON_NUMBER);
    assert_int_equal(json_kind(json_get(doc, "d")), JSON_NUMBER);
    assert_int_equal(json_kind(json_get(doc, "b")), JSON_BOOL);
    assert_int_equal(json_kind(json_get(doc, "a")), JSON_ARRAY);
    assert_int_equal(json_kind(json_get(doc, "o")), JSON_OBJECT);
    assert_true(json_is_int(json_get(doc, "i")));
    assert_false(json_is_int(json_get(doc, "d")));
    assert_false(json_is_int(json_get(doc, "s")));
    assert_false(json_is_int(NULL));
    assert_string_equal(json_as_string(json_get(doc, "s")), "x");
    assert_null(json_as_string(json_get(doc, "i")));
    assert_null(json_as_string(NULL));
    /* Keys are case-sensitive. */
    assert_null(json_get(doc, "S"));
    /* Not an object: no members. */
    assert_null(json_get(json_get(doc, "a"), "0"));
    assert_null(json_get(NULL, "s"));
    json_doc_free(doc);
}

static void test_null_member_vs_absent(void **state)
{
    struct json_value *doc = parse("{\"n\":null}");
    struct json_value *n = json_get(doc, "n");
    assert_non_null(n);                        /* present ... */
    assert_int_equal(json_kind(n), JSON_NULL); /* ... and null */
    assert_null(json_get(doc, "missing"));
    /* The null value is inert in every accessor. */
    assert_null(json_get(n, "x"));
    assert_int_equal(json_array_len(n), 0);
    assert_null(json_as_string(n));
    assert_false(json_is_int(n));
    assert_false(json_as_bool(n));
    assert_int_equal(json_as_int(n), 0);
    json_doc_free(doc);
}

static void test_arrays(void **state)
{
    struct json_value *doc = parse("[1,null,\"x\"]");
    assert_int_equal(json_array_len(doc), 3);
    assert_int_equal(json_as_int(json_array_at(doc, 0)), 1);
    assert_int_equal(json_kind(json_array_at(doc, 1)), JSON_NULL);
    assert_string_equal(json_as_string(json_array_at(doc, 2)), "x");
    /* Out of range or not an array: the inert null value, never a crash. */
    assert_int_equal(json_kind(json_array_at(doc, 3)), JSON_NULL);
    assert_int_equal(json_kind(json_array_at(doc, (size_t)-1)), JSON_NULL);
    struct json_value *obj = parse("{\"a\":1}");
    assert_int_equal(json_array_len(obj), 0);
    assert_int_equal(json_kind(json_array_at(obj, 0)), JSON_NULL);
    assert_int_equal(json_array_len(NULL), 0);
    json_doc_free(obj);
    json_doc_free(doc);
}

struct visit {
    char keys[64];
    int nulls, calls, stop_after;
};

static int visitor(const char *key, struct json_value *v, void *ctx)
{
    struct visit *vis = ctx;
    vis->calls++;
    strcat(vis->keys, key);
    if (json_kind(v) == JSON_NULL) {
        assert_non_null(v);
        vis->nulls++;
    }
    return vis->calls == vis->stop_after ? -7 : 0;
}

static void test_object_each(void **state)
{
    struct json_value *doc = parse("{\"c\":1,\"a\":null,\"b\":[]}");
    struct visit vis = {.stop_after = -1};
    assert_int_equal(json_object_each(doc, visitor, &vis), 0);
    assert_string_equal(vis.keys, "cab"); /* document order */
    assert_int_equal(vis.nulls, 1);
    struct visit stop = {.stop_after = 2};
    assert_int_equal(json_object_each(doc, visitor, &stop), -7);
    assert_string_equal(stop.keys, "ca");
    struct visit none = {.stop_after = -1};
    assert_int_equal(json_object_each(json_get(doc, "b"), visitor, &none), 0);
    assert_int_equal(json_object_each(NULL, visitor, &none), 0);
    assert_int_equal(none.calls, 0);
    json_doc_free(doc);
}

static void test_duplicate_keys_last_wins(void **state)
{
    struct json_value *doc = parse("{\"a\":1,\"a\":2}");
    assert_int_equal(json_as_int(json_get(doc, "a")), 2);
    json_doc_free(doc);
}

/* ---- typed member readers ---- */

static void test_member_string(void **state)
{
    struct json_value *doc =
        parse("{\"s\":\"v\",\"e\":\"\",\"n\":null,\"i\":1,\"b\":true,\"a\":[],\"o\":{},"
              "\"z\":\"a\\u0000b\"}");
    struct error err = {0};
    const char *out = "untouched";
    assert_int_equal(json_member_string(doc, "s", &out, &err), 1);
    assert_string_equal(out, "v");
    assert_int_equal(json_member_string(doc, "e", &out, &err), 1);
    assert_string_equal(out, "");
    out = "untouched";
    assert_int_equal(json_member_string(doc, "n", &out, &err), 0);
    assert_int_equal(json_member_string(doc, "missing", &out, &err), 0);
    assert_string_equal(out, "untouched");
    const char *wrong[] = {"i", "b", "a", "o", NULL};
    for (const char *const *k = wrong; *k; k++) {
        memset(&err, 0, sizeof(err));
        assert_int_equal(json_member_string(doc, *k, &out, &err), -ERR_INVALID);
        assert_string_equal(err.code, "rest.body.notReadable");
        assert_non_null(strstr(err.message, *k));
        assert_non_null(strstr(err.message, "string"));
    }
    assert_int_equal(json_member_string(doc, "z", &out, &err), -ERR_INVALID);
    assert_non_null(strstr(err.message, "NUL"));
    assert_string_equal(out, "untouched");
    json_doc_free(doc);
}

static void test_member_int(void **state)
{
    struct json_value *doc =
        parse("{\"i\":-12,\"max\":9223372036854775807,\"min\":-9223372036854775807,\"d\":1.0,"
              "\"e\":1e2,\"s\":\"5\",\"b\":true,\"n\":null,\"a\":[1],\"nan\":NaN,"
              "\"big\":9223372036854775808,\"huge\":99999999999999999999,"
              "\"u64\":18446744073709551615,\"neg\":-9223372036854775809}");
    struct error err = {0};
    int64_t out = 99;
    assert_int_equal(json_member_int(doc, "i", &out, &err), 1);
    assert_int_equal(out, -12);
    assert_int_equal(json_member_int(doc, "max", &out, &err), 1);
    assert_true(out == INT64_MAX);
    assert_int_equal(json_member_int(doc, "min", &out, &err), 1);
    assert_true(out == -INT64_MAX);
    out = 99;
    assert_int_equal(json_member_int(doc, "n", &out, &err), 0);
    assert_int_equal(json_member_int(doc, "missing", &out, &err), 0);
    assert_int_equal(out, 99);
    const char *wrong[] = {"d", "e", "s", "b", "a", "nan", NULL};
    for (const char *const *k = wrong; *k; k++) {
        memset(&err, 0, sizeof(err));
        assert_int_equal(json_member_int(doc, *k, &out, &err), -ERR_INVALID);
        assert_non_null(strstr(err.message, *k));
        assert_non_null(strstr(err.message, "integer"));
    }
    /* Beyond 64 bits: json-c would clamp; the reader refuses instead. */
    const char *range[] = {"big", "huge", "u64", "neg", NULL};
    for (const char *const *k = range; *k; k++) {
        memset(&err, 0, sizeof(err));
        if (json_member_int(doc, *k, &out, &err) != -ERR_INVALID)
            fail_msg("'%s' read as %lld", *k, (long long)out);
        assert_non_null(strstr(err.message, *k));
    }
    assert_int_equal(out, 99);
    json_doc_free(doc);
}

static void test_member_bool(void **state)
{
    struct json_value *doc =
        parse("{\"t\":true,\"f\":false,\"n\":null,\"i\":1,\"z\":0,\"s\":\"true\"}");
    struct error err = {0};
    bool out = false;
    assert_int_equal(json_member_bool(doc, "t", &out, &err), 1);
    assert_true(out);
    assert_int_equal(json_member_bool(doc, "f", &out, &err), 1);
    assert_false(out);
    out = true;
    assert_int_equal(json_member_bool(doc, "n", &out, &err), 0);
    assert_int_equal(json_member_bool(doc, "missing", &out, &err), 0);
    assert_true(out);
    const char *wrong[] = {"i", "z", "s", NULL};
    for (const char *const *k = wrong; *k; k++) {
        assert_int_equal(json_member_bool(doc, *k, &out, &err), -ERR_INVALID);
        assert_non_null(strstr(err.message, "boolean"));
    }
    json_doc_free(doc);
}

static void test_members_of_non_objects(void **state)
{
    struct json_value *doc = parse("[{\"a\":1}]");
    struct error err = {0};
    const char *s = NULL;
    int64_t i = 0;
    bool b = false;
    assert_int_equal(json_member_string(doc, "a", &s, &err), 0);
    assert_int_equal(json_member_int(doc, "a", &i, &err), 0);
    assert_int_equal(json_member_bool(doc, "a", &b, &err), 0);
    assert_int_equal(json_member_int(NULL, "a", &i, &err), 0);
    json_doc_free(doc);
}

static void test_error_message_bounded_for_long_keys(void **state)
{
    char key[1000];
    memset(key, 'k', sizeof(key) - 1);
    key[sizeof(key) - 1] = '\0';
    char *text = malloc(sizeof(key) + 16);
    snprintf(text, sizeof(key) + 16, "{\"%s\":1}", key);
    struct json_value *doc = parse(text);
    struct error err = {0};
    const char *s;
    assert_int_equal(json_member_string(doc, key, &s, &err), -ERR_INVALID);
    assert_true(strlen(err.message) < sizeof(err.message));
    json_doc_free(doc);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_documents),
        cmocka_unit_test(test_top_level_kinds),
        cmocka_unit_test(test_length_is_respected),
        cmocka_unit_test(test_trailing_garbage),
        cmocka_unit_test(test_comments),
        cmocka_unit_test(test_non_json_syntax),
        cmocka_unit_test(test_nesting_limit),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_size_guard),
        cmocka_unit_test(test_big_document),
        cmocka_unit_test(test_get_and_kinds),
        cmocka_unit_test(test_null_member_vs_absent),
        cmocka_unit_test(test_arrays),
        cmocka_unit_test(test_object_each),
        cmocka_unit_test(test_duplicate_keys_last_wins),
        cmocka_unit_test(test_member_string),
        cmocka_unit_test(test_member_int),
        cmocka_unit_test(test_member_bool),
        cmocka_unit_test(test_members_of_non_objects),
        cmocka_unit_test(test_error_message_bounded_for_long_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
