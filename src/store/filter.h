/* hawkBit's `q=` filters compiled to SQL.
 *
 * A FIQL expression (util/fiql.h) is checked against the entity's selector table
 * and turned into a WHERE fragment whose values are all bound parameters: no text
 * from the query ever becomes SQL. Matching follows hawkBit (reference f.1, f.2):
 * strings compare case-insensitively, `*` is a wildcard with == and != only,
 * `x==''` means "null or empty", != and =out= also match NULL, numbers and
 * timestamps compare as integers. */
#ifndef FALCONET_STORE_FILTER_H
#define FALCONET_STORE_FILTER_H

#include "util/arena.h"
#include "util/error.h"

#include <stdbool.h>
#include <stdint.h>

enum filter_kind {
    FILTER_TEXT, /* a string column, case-insensitive */
    FILTER_INT,  /* an integer column (ids, epoch ms) */
    FILTER_MAP,  /* rows of another table owned by the entity, tested with EXISTS */
};

/* The rows a FILTER_MAP selector looks at: `table` (a table name or a parenthesised
 * subquery) with the entity's id in column `owner` and the compared text in
 * `value`. With `key` set the selector is "<name>.<key>" and rows are picked by
 * that key column (controller attributes, metadata); without it the selector is
 * "<name>" alone and any row may match (tags). */
struct filter_map {
    const char *table, *owner, *key, *value;
};

/* Controller attributes of targets: attribute.<key>. */
extern const struct filter_map filter_target_attributes;

struct filter_field {
    const char *name; /* hawkBit selector, matched case-insensitively; NULL ends the table */
    enum filter_kind kind;
    const char *column;           /* SQL expression over the listing's tables; for FILTER_MAP the
                                     entity's id */
    const struct filter_map *map; /* FILTER_MAP only */
};

struct filter_param {
    bool is_int;
    int64_t i;
    const char *s;
};

/** A compiled filter: sql uses `?` placeholders bound, in order, to params. */
struct filter_sql {
    const char *sql;
    struct filter_param *params;
    size_t n_params;
};

struct db_stmt;
/** Binds the parameters of f to st, the first to placeholder `first`; returns the
 * index after the last. */
int filter_bind(struct db_stmt *st, int first, const struct filter_sql *f);

/** Compiles q for the selectors in fields. Integer fields accept hawkBit's macros
 * ${NOW_TS} (the current time) and ${OVERDUE_TS} (overdue_ts; refused when 0).
 * ERR_INVALID with hawkBit's codes:
 * rest.param.rsqlParamSyntax (syntax, wrong value type or operator) and
 * rest.param.rsqlInvalidField (unknown selector). */
int filter_compile(const char *q, const struct filter_field *fields, int64_t overdue_ts,
                   struct arena *a, struct filter_sql *out, struct error *err);

#endif
