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
    FILTER_TEXT,      /* a string column, case-insensitive */
    FILTER_INT,       /* an integer column (ids, epoch ms) */
    FILTER_ATTRIBUTE, /* "<name>.<key>": a target's controller attribute; column = target id */
};

struct filter_field {
    const char *name; /* hawkBit selector, matched case-insensitively; NULL ends the table */
    enum filter_kind kind;
    const char *column; /* SQL expression over the listing's tables */
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

/** Compiles q for the selectors in fields. ERR_INVALID with hawkBit's codes:
 * rest.param.rsqlParamSyntax (syntax, wrong value type or operator) and
 * rest.param.rsqlInvalidField (unknown selector). */
int filter_compile(const char *q, const struct filter_field *fields, struct arena *a,
                   struct filter_sql *out, struct error *err);

#endif
