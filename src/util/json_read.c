#include "util/json_read.h"

#include <json-c/json.h>
#include <string.h>

#define BODY_ERROR "rest.body.notReadable"

/* json-c represents a JSON null member as a NULL pointer, which callers could not
 * tell from an absent member; such members are returned as this marker instead. */
static char null_marker;
#define NULL_VALUE ((struct json_value *)&null_marker)

/* The json-c object behind a value (NULL for the null marker). */
static json_object *jo(const struct json_value *v)
{
    return v == NULL_VALUE ? NULL : (json_object *)v;
}

struct json_value *json_parse(const char *text, size_t len, struct error *err)
{
    if (len > (size_t)INT32_MAX) {
        err_set(err, ERR_INVALID, BODY_ERROR, "Request body too large");
        return NULL;
    }
    struct json_tokener *tok = json_tokener_new_ex(32);
    if (!tok) {
        err_set(err, ERR_INTERNAL, NULL, "out of memory");
        return NULL;
    }
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    json_object *obj = json_tokener_parse_ex(tok, text, (int)len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    size_t used = json_tokener_get_parse_end(tok);
    /* A top-level number or literal ("42", "true") is only complete once the tokener
     * knows no more characters follow: tell it the input ended. */
    if (jerr == json_tokener_continue && used == len) {
        obj = json_tokener_parse_ex(tok, "", 1);
        jerr = json_tokener_get_error(tok);
    }
    json_tokener_free(tok);
    if (jerr != json_tokener_success) {
        json_object_put(obj);
        err_set(err, ERR_INVALID, BODY_ERROR, "Request body is not valid JSON: %s",
                jerr == json_tokener_continue ? "unexpected end of input"
                                              : json_tokener_error_desc(jerr));
        return NULL;
    }
    for (; used < len; used++) {
        char c = text[used];
        if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
            json_object_put(obj);
            err_set(err, ERR_INVALID, BODY_ERROR, "Request body has trailing data after JSON");
            return NULL;
        }
    }
    return obj ? (struct json_value *)obj : NULL_VALUE; /* json-c's null is NULL */
}

void json_doc_free(struct json_value *doc)
{
    json_object_put(jo(doc));
}

enum json_kind json_kind(const struct json_value *v)
{
    switch (json_object_get_type(jo(v))) {
    case json_type_boolean:
        return JSON_BOOL;
    case json_type_double:
    case json_type_int:
        return JSON_NUMBER;
    case json_type_string:
        return JSON_STRING;
    case json_type_array:
        return JSON_ARRAY;
    case json_type_object:
        return JSON_OBJECT;
    default:
        return JSON_NULL;
    }
}

struct json_value *json_get(const struct json_value *obj, const char *key)
{
    json_object *out = NULL;
    if (!obj || !json_object_is_type(jo(obj), json_type_object))
        return NULL;
    if (!json_object_object_get_ex(jo(obj), key, &out))
        return NULL;
    return out ? (struct json_value *)out : NULL_VALUE;
}

size_t json_array_len(const struct json_value *arr)
{
    if (!arr || !json_object_is_type(jo(arr), json_type_array))
        return 0;
    return json_object_array_length(jo(arr));
}

struct json_value *json_array_at(const struct json_value *arr, size_t i)
{
    /* json_object_array_get_idx() asserts that it is given an array. */
    if (!arr || !json_object_is_type(jo(arr), json_type_array))
        return NULL_VALUE;
    json_object *e = json_object_array_get_idx(jo(arr), i);
    return e ? (struct json_value *)e : NULL_VALUE;
}

int json_object_each(const struct json_value *obj,
                     int (*fn)(const char *key, struct json_value *v, void *ctx), void *ctx)
{
    if (!obj || !json_object_is_type(jo(obj), json_type_object))
        return 0;
    json_object_object_foreach(jo(obj), key, val)
    {
        int rc = fn(key, val ? (struct json_value *)val : NULL_VALUE, ctx);
        if (rc < 0)
            return rc;
    }
    return 0;
}

const char *json_as_string(const struct json_value *v)
{
    if (!v || !json_object_is_type(jo(v), json_type_string))
        return NULL;
    return json_object_get_string(jo(v));
}

bool json_as_bool(const struct json_value *v)
{
    return json_object_get_boolean(jo(v));
}

double json_as_double(const struct json_value *v)
{
    return json_object_get_double(jo(v));
}

int64_t json_as_int(const struct json_value *v)
{
    return json_object_get_int64(jo(v));
}

bool json_is_int(const struct json_value *v)
{
    return v && json_object_is_type(jo(v), json_type_int);
}

static bool absent(const struct json_value *v)
{
    return !v || json_kind(v) == JSON_NULL;
}

int json_member_string(const struct json_value *obj, const char *key, const char **out,
                       struct error *err)
{
    struct json_value *v = json_get(obj, key);
    if (absent(v))
        return 0;
    if (json_kind(v) != JSON_STRING)
        return err_set(err, ERR_INVALID, BODY_ERROR, "Field '%s' must be a string", key);
    const char *s = json_object_get_string(jo(v));
    if ((size_t)json_object_get_string_len(jo(v)) != strlen(s))
        return err_set(err, ERR_INVALID, BODY_ERROR, "Field '%s' contains a NUL character", key);
    *out = s;
    return 1;
}

int json_member_int(const struct json_value *obj, const char *key, int64_t *out, struct error *err)
{
    struct json_value *v = json_get(obj, key);
    if (absent(v))
        return 0;
    if (!json_is_int(v))
        return err_set(err, ERR_INVALID, BODY_ERROR, "Field '%s' must be an integer", key);
    /* json-c clamps integers beyond 64 bits to the nearest limit instead of failing;
     * anything above INT64_MAX (kept as uint64) or at INT64_MIN is taken as clamped. */
    if (json_object_get_uint64(jo(v)) > (uint64_t)INT64_MAX ||
        json_object_get_int64(jo(v)) == INT64_MIN)
        return err_set(err, ERR_INVALID, BODY_ERROR, "Field '%s' is out of range", key);
    *out = json_object_get_int64(jo(v));
    return 1;
}

int json_member_bool(const struct json_value *obj, const char *key, bool *out, struct error *err)
{
    struct json_value *v = json_get(obj, key);
    if (absent(v))
        return 0;
    if (json_kind(v) != JSON_BOOL)
        return err_set(err, ERR_INVALID, BODY_ERROR, "Field '%s' must be a boolean", key);
    *out = json_object_get_boolean(jo(v));
    return 1;
}

int json_string_array(const struct json_value *arr, const char *what, struct arena *a,
                      const char ***out, size_t *n, struct error *err)
{
    *out = NULL;
    *n = 0;
    if (!arr || json_kind(arr) == JSON_NULL)
        return 0;
    if (json_kind(arr) != JSON_ARRAY)
        return err_set(err, ERR_INVALID, "rest.body.notReadable", "%s must be an array of strings",
                       what);
    size_t len = json_array_len(arr);
    const char **items = arena_alloc(a, sizeof(char *) * (len ? len : 1));
    for (size_t i = 0; i < len; i++)
        if (!(items[i] = json_as_string(json_array_at(arr, i))))
            return err_set(err, ERR_INVALID, "rest.body.notReadable",
                           "%s must be an array of strings", what);
    *out = items;
    *n = len;
    return 0;
}
