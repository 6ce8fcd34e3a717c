/* A small streaming JSON writer for replies.
 *
 * Writes straight into one growing heap buffer; commas and nesting are tracked so
 * callers only say what comes next. Strings are escaped per RFC 8259 (control
 * characters as \uXXXX, '/' left alone). Allocation failure is sticky: every later
 * call is a no-op and jw_finish() returns NULL. */
#ifndef FALCONET_UTIL_JSON_WRITER_H
#define FALCONET_UTIL_JSON_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JW_MAX_DEPTH 32

struct jw {
    char *buf;
    size_t len, cap;
    int depth;
    bool need_comma[JW_MAX_DEPTH + 1];
    bool after_key;
    bool failed;
};

void jw_init(struct jw *w);
/** Frees the buffer unless it was taken with jw_finish(). */
void jw_free(struct jw *w);
/** Hands the NUL-terminated buffer to the caller (free() it); NULL if anything failed. */
char *jw_finish(struct jw *w, size_t *len);

void jw_obj_begin(struct jw *w);
void jw_obj_end(struct jw *w);
void jw_arr_begin(struct jw *w);
void jw_arr_end(struct jw *w);
void jw_key(struct jw *w, const char *key);
/** Writes a string value; NULL writes null. */
void jw_str(struct jw *w, const char *s);
void jw_strn(struct jw *w, const char *s, size_t n);
void jw_int(struct jw *w, int64_t v);
void jw_bool(struct jw *w, bool v);
void jw_null(struct jw *w);
/** Inserts an already encoded JSON value verbatim. */
void jw_raw(struct jw *w, const char *json);

/* Key/value shorthands. The _opt forms write nothing when the value is absent
 * (NULL string, negative timestamp), matching hawkBit's habit of omitting empty fields. */
void jw_kv_str(struct jw *w, const char *key, const char *v);
void jw_kv_str_opt(struct jw *w, const char *key, const char *v);
void jw_kv_int(struct jw *w, const char *key, int64_t v);
void jw_kv_int_opt(struct jw *w, const char *key, int64_t v);
void jw_kv_bool(struct jw *w, const char *key, bool v);

#endif
