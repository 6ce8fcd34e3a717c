/* Reading JSON request bodies (json-c in strict mode behind a small interface).
 *
 * A parsed document is owned by the caller (json_doc_free); values obtained from it
 * are borrowed and live as long as the document. */
#ifndef FALCONET_UTIL_JSON_READ_H
#define FALCONET_UTIL_JSON_READ_H

#include "util/arena.h"
#include "util/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_value; /* opaque */

enum json_kind { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

/** Parses exactly one JSON document (strict: no comments, no trailing garbage,
 * nesting at most 32). NULL with ERR_INVALID (rest.body.notReadable) on error. */
struct json_value *json_parse(const char *text, size_t len, struct error *err);
void json_doc_free(struct json_value *doc);

enum json_kind json_kind(const struct json_value *v);
/** Member of an object, or NULL when absent or v is not an object. JSON null members
 * are returned as a value of kind JSON_NULL. */
struct json_value *json_get(const struct json_value *obj, const char *key);
size_t json_array_len(const struct json_value *arr);
/** Element i of an array; the JSON_NULL value when i is out of range or arr is not
 * an array. */
struct json_value *json_array_at(const struct json_value *arr, size_t i);

/** Visits every member of an object in document order; stops when fn returns < 0. */
int json_object_each(const struct json_value *obj,
                     int (*fn)(const char *key, struct json_value *v, void *ctx), void *ctx);

const char *json_as_string(const struct json_value *v); /* NULL unless a string */
bool json_as_bool(const struct json_value *v);
int64_t json_as_int(const struct json_value *v);
double json_as_double(const struct json_value *v);
/** True when v is an integral number (not a fraction, not a numeric string). */
bool json_is_int(const struct json_value *v);

/* Typed member readers for request validation. Each returns 0 when the member is
 * absent or JSON null (leaving *out untouched), 1 when it was read, and a negative
 * ERR_INVALID with a message naming the field when it has the wrong type. */
int json_member_string(const struct json_value *obj, const char *key, const char **out,
                       struct error *err);
int json_member_int(const struct json_value *obj, const char *key, int64_t *out,
                    struct error *err);
int json_member_bool(const struct json_value *obj, const char *key, bool *out,
                     struct error *err);

/** Reads an array of strings (absent or null = empty) into an arena array of
 * borrowed pointers. ERR_INVALID naming `what` for anything else. */
int json_string_array(const struct json_value *arr, const char *what, struct arena *a,
                      const char ***out, size_t *n, struct error *err);

#endif
