/* libFuzzer driver for src/util/json_read.c: parse any bytes, then walk whatever
 * was accepted through every accessor, including wrong-kind and out-of-range ones. */
#include "util/json_read.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const keys[] = {"", "a", "name", "id", "value", "x\xc3\xa9", NULL};

static int walk(struct json_value *v, int depth);

static int visit(const char *key, struct json_value *v, void *ctx)
{
    if (!key || !v)
        abort(); /* the reader promises a key and a non-NULL value (null marker) */
    return walk(v, *(int *)ctx + 1) < 0 ? -1 : 0;
}

static int walk(struct json_value *v, int depth)
{
    if (depth > 40)
        abort(); /* deeper than the parser's nesting limit */
    enum json_kind kind = json_kind(v);
    (void)json_as_string(v);
    (void)json_as_bool(v);
    (void)json_as_int(v);
    (void)json_is_int(v);
    size_t n = json_array_len(v);
    if (kind != JSON_ARRAY && n != 0)
        abort();
    for (size_t i = 0; i < n; i++)
        walk(json_array_at(v, i), depth + 1);
    (void)json_array_at(v, n); /* one past the end, and on non-arrays */
    json_object_each(v, visit, &depth);
    for (const char *const *k = keys; *k; k++) {
        struct error err;
        const char *s;
        int64_t i;
        bool b;
        int rc = json_member_string(v, *k, &s, &err);
        if (rc == 1 && strlen(s) > 0 && memchr(s, '\0', strlen(s)))
            abort();
        json_member_int(v, *k, &i, &err);
        json_member_bool(v, *k, &b, &err);
        struct json_value *m = json_get(v, *k);
        if (m && kind != JSON_OBJECT)
            abort();
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size copy: a read past the end is caught by ASan. */
    char *text = malloc(size ? size : 1);
    if (size)
        memcpy(text, data, size);
    struct error err;
    struct json_value *doc = json_parse(text, size, &err);
    if (doc) {
        walk(doc, 0);
        json_doc_free(doc);
    } else if (err.kind != ERR_INVALID && err.kind != ERR_INTERNAL) {
        abort();
    }
    free(text);
    return 0;
}
