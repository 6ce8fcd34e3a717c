#include "store/filter.h"

#include "store/db.h"
#include "util/fiql.h"
#include "util/time.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct builder {
    struct arena *a;
    int64_t overdue_ts;
    char *sql;
    size_t len, cap;
    struct filter_param *params;
    size_t n_params, cap_params;
};

static void put(struct builder *b, const char *s)
{
    size_t n = strlen(s);
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *grown = arena_alloc(b->a, cap);
        if (b->len)
            memcpy(grown, b->sql, b->len);
        b->sql = grown;
        b->cap = cap;
    }
    memcpy(b->sql + b->len, s, n + 1);
    b->len += n;
}

static void add_param(struct builder *b, struct filter_param p)
{
    if (b->n_params == b->cap_params) {
        size_t cap = b->cap_params ? b->cap_params * 2 : 16;
        struct filter_param *grown = arena_alloc(b->a, cap * sizeof(*grown));
        if (b->n_params)
            memcpy(grown, b->params, b->n_params * sizeof(*grown));
        b->params = grown;
        b->cap_params = cap;
    }
    b->params[b->n_params++] = p;
    put(b, "?");
}

static void param_text(struct builder *b, const char *s)
{
    add_param(b, (struct filter_param){.s = s});
}

/* ---- selectors ---- */

/* The field for a selector; for an attribute selector "<name>.<key>" *key gets the
 * key. NULL when unknown. */
static const struct filter_field *lookup(const struct filter_field *fields, const char *selector,
                                         const char **key)
{
    *key = NULL;
    for (const struct filter_field *f = fields; f->name; f++) {
        size_t n = strlen(f->name);
        if (f->kind == FILTER_MAP && f->map->key) {
            if (strncasecmp(selector, f->name, n) == 0 && selector[n] == '.' && selector[n + 1]) {
                *key = selector + n + 1;
                return f;
            }
        } else if (strcasecmp(selector, f->name) == 0) {
            return f;
        }
    }
    return NULL;
}

static int unknown_field(const struct filter_field *fields, const char *selector, struct error *err)
{
    char names[160] = "";
    for (const struct filter_field *f = fields; f->name; f++) {
        size_t used = strlen(names);
        if (used + strlen(f->name) + sizeof(", .<key>") >= sizeof(names) - sizeof(", ...")) {
            strcat(names, ", ...");
            break;
        }
        if (used)
            strcat(names, ", ");
        strcat(names, f->name);
        if (f->kind == FILTER_MAP && f->map->key)
            strcat(names, ".<key>");
    }
    return err_set(err, ERR_INVALID, "rest.param.rsqlInvalidField",
                   "The given search parameter field {%.64s} does not exist, must be one of "
                   "the following fields [%s]",
                   selector, names);
}

/* ---- strings ---- */

/* Whether v has a `*` wildcard; the parser leaves an escaped star as "\*". */
static bool has_wildcard(const char *v)
{
    for (; *v; v++) {
        if (v[0] == '\\' && v[1] == '*')
            v++;
        else if (*v == '*')
            return true;
    }
    return false;
}

/* v with every "\*" turned into a literal star. */
static const char *literal(struct arena *a, const char *v)
{
    char *out = arena_alloc(a, strlen(v) + 1), *o = out;
    for (; *v; v++) {
        if (v[0] == '\\' && v[1] == '*')
            v++;
        *o++ = *v;
    }
    *o = '\0';
    return out;
}

/* A LIKE pattern for a value with `*` wildcards: %, _ and an escaped star are
 * literal. */
static const char *like_pattern(struct arena *a, const char *v)
{
    char *out = arena_alloc(a, strlen(v) * 2 + 1), *o = out;
    for (; *v; v++) {
        if (v[0] == '\\' && v[1] == '*') {
            *o++ = *++v;
            continue;
        }
        if (*v == '*') {
            *o++ = '%';
            continue;
        }
        if (*v == '%' || *v == '_' || *v == '\\')
            *o++ = '\\';
        *o++ = *v;
    }
    *o = '\0';
    return out;
}

static void text_equals(struct builder *b, const char *col, const char *v)
{
    if (has_wildcard(v)) {
        put(b, "LOWER(");
        put(b, col);
        put(b, ") LIKE LOWER(");
        param_text(b, like_pattern(b->a, v));
        put(b, ") ESCAPE '\\'");
        return;
    }
    put(b, "LOWER(");
    put(b, col);
    put(b, ") = LOWER(");
    param_text(b, literal(b->a, v));
    put(b, ")");
}

static void text_list(struct builder *b, const struct fiql_node *n)
{
    put(b, "(");
    for (size_t i = 0; i < n->n_values; i++) {
        put(b, i ? ", LOWER(" : "LOWER(");
        param_text(b, literal(b->a, n->values[i]));
        put(b, ")");
    }
    put(b, ")");
}

static const char *order_operator(enum fiql_op op)
{
    switch (op) {
    case FIQL_LT:
        return " < ";
    case FIQL_LE:
        return " <= ";
    case FIQL_GT:
        return " > ";
    case FIQL_GE:
        return " >= ";
    default:
        return NULL;
    }
}

/* The condition on a text column; != and =out= also match NULL. */
static void text_condition(struct builder *b, const char *col, const struct fiql_node *n)
{
    const char *v = n->values[0];
    switch (n->op) {
    case FIQL_EQ:
        if (!*v) {
            put(b, "(");
            put(b, col);
            put(b, " IS NULL OR ");
            put(b, col);
            put(b, " = '')");
        } else {
            text_equals(b, col, v);
        }
        return;
    case FIQL_NE:
        put(b, "(");
        put(b, col);
        if (!*v) {
            put(b, " IS NOT NULL AND ");
            put(b, col);
            put(b, " <> '')");
            return;
        }
        put(b, " IS NULL OR NOT (");
        text_equals(b, col, v);
        put(b, "))");
        return;
    case FIQL_IN:
    case FIQL_OUT:
        put(b, n->op == FIQL_OUT ? "(" : "");
        if (n->op == FIQL_OUT) {
            put(b, col);
            put(b, " IS NULL OR ");
        }
        put(b, "LOWER(");
        put(b, col);
        put(b, n->op == FIQL_OUT ? ") NOT IN " : ") IN ");
        text_list(b, n);
        put(b, n->op == FIQL_OUT ? ")" : "");
        return;
    default:
        put(b, "LOWER(");
        put(b, col);
        put(b, ")");
        put(b, order_operator(n->op));
        put(b, "LOWER(");
        param_text(b, literal(b->a, v));
        put(b, ")");
        return;
    }
}

/* ---- integers ---- */

/* A number, or one of hawkBit's time macros (case-insensitive, as hawkBit lower-cases
 * the whole query). */
static int parse_int(const struct builder *b, const char *v, int64_t *out)
{
    if (strcasecmp(v, "${NOW_TS}") == 0) {
        *out = time_now_ms();
        return 0;
    }
    if (strcasecmp(v, "${OVERDUE_TS}") == 0) {
        *out = b->overdue_ts;
        return b->overdue_ts > 0 ? 0 : -1;
    }
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (errno || end == v || *end)
        return -1;
    *out = n;
    return 0;
}

static int int_condition(struct builder *b, const char *col, const struct fiql_node *n,
                         struct error *err)
{
    int64_t *ints = arena_alloc(b->a, sizeof(int64_t) * n->n_values);
    for (size_t i = 0; i < n->n_values; i++)
        if (parse_int(b, n->values[i], &ints[i]) < 0)
            return err_set(err, ERR_INVALID, "rest.param.rsqlParamSyntax",
                           "Invalid query: field %.64s takes a number, not '%.64s' (position "
                           "%zu)",
                           n->selector, n->values[i], n->position + 1);
    bool negative = n->op == FIQL_NE || n->op == FIQL_OUT;
    put(b, negative ? "(" : "");
    if (negative) {
        put(b, col);
        put(b, " IS NULL OR ");
    }
    put(b, col);
    if (n->op == FIQL_IN || n->op == FIQL_OUT) {
        put(b, n->op == FIQL_OUT ? " NOT IN (" : " IN (");
        for (size_t i = 0; i < n->n_values; i++) {
            put(b, i ? ", " : "");
            add_param(b, (struct filter_param){.is_int = true, .i = ints[i]});
        }
        put(b, ")");
    } else {
        put(b, n->op == FIQL_EQ ? " = " : n->op == FIQL_NE ? " <> " : order_operator(n->op));
        add_param(b, (struct filter_param){.is_int = true, .i = ints[0]});
    }
    put(b, negative ? ")" : "");
    return 0;
}

/* ---- rows of other tables ---- */

const struct filter_map filter_target_attributes = {"target_attributes", "target_id", "attr_key",
                                                    "attr_value"};

/* A map selector: EXISTS over the owned rows (picked by key when the map has
 * keys); != and =out= become NOT EXISTS of the positive test, so entities without
 * any such row match them too ("has no tag x", "attribute x missing or not v"). */
static void map_condition(struct builder *b, const char *owner_id, const struct filter_map *m,
                          const char *key, const struct fiql_node *n)
{
    struct fiql_node positive = *n;
    bool negative = n->op == FIQL_NE || n->op == FIQL_OUT;
    if (n->op == FIQL_NE)
        positive.op = FIQL_EQ;
    else if (n->op == FIQL_OUT)
        positive.op = FIQL_IN;
    put(b, negative ? "NOT EXISTS (SELECT 1 FROM " : "EXISTS (SELECT 1 FROM ");
    put(b, m->table);
    put(b, " fm WHERE fm.");
    put(b, m->owner);
    put(b, " = ");
    put(b, owner_id);
    if (m->key) {
        put(b, " AND LOWER(fm.");
        put(b, m->key);
        put(b, ") = LOWER(");
        param_text(b, literal(b->a, key));
        put(b, ")");
    }
    put(b, " AND ");
    text_condition(b, arena_sprintf(b->a, "fm.%s", m->value), &positive);
    put(b, ")");
}

/* ---- the tree ---- */

static int check_operator(const struct fiql_node *n, enum filter_kind kind, struct error *err)
{
    bool wildcard = false;
    for (size_t i = 0; i < n->n_values; i++)
        wildcard = wildcard || has_wildcard(n->values[i]);
    if (wildcard && n->op != FIQL_EQ && n->op != FIQL_NE && kind != FILTER_INT)
        return err_set(err, ERR_INVALID, "rest.param.rsqlParamSyntax",
                       "Invalid query: '*' works only with == and != (position %zu)",
                       n->position + 1);
    return 0;
}

/* =is=null / =not=null: a NULL test (for maps: whether the entity has such a row). */
static void null_condition(struct builder *b, const struct filter_field *f, const char *key,
                           bool is_null)
{
    if (f->kind != FILTER_MAP) {
        put(b, f->column);
        put(b, is_null ? " IS NULL" : " IS NOT NULL");
        return;
    }
    put(b, is_null ? "NOT EXISTS (SELECT 1 FROM " : "EXISTS (SELECT 1 FROM ");
    put(b, f->map->table);
    put(b, " fm WHERE fm.");
    put(b, f->map->owner);
    put(b, " = ");
    put(b, f->column);
    if (f->map->key) {
        put(b, " AND LOWER(fm.");
        put(b, f->map->key);
        put(b, ") = LOWER(");
        param_text(b, literal(b->a, key));
        put(b, ")");
    }
    put(b, ")");
}

static int compile_node(struct builder *b, const struct fiql_node *n,
                        const struct filter_field *fields, struct error *err)
{
    if (n->kind != FIQL_COMPARISON) {
        put(b, "(");
        for (size_t i = 0; i < n->n_children; i++) {
            if (i)
                put(b, n->kind == FIQL_AND ? " AND " : " OR ");
            int rc = compile_node(b, n->children[i], fields, err);
            if (rc < 0)
                return rc;
        }
        put(b, ")");
        return 0;
    }
    const char *key;
    const struct filter_field *f = lookup(fields, n->selector, &key);
    if (!f)
        return unknown_field(fields, n->selector, err);
    struct fiql_node plain = *n;
    if (n->op == FIQL_IS || n->op == FIQL_NOT) {
        if (strcasecmp(n->values[0], "null") == 0) {
            null_condition(b, f, key, n->op == FIQL_IS);
            return 0;
        }
        plain.op = n->op == FIQL_IS ? FIQL_EQ : FIQL_NE;
        n = &plain;
    }
    if (check_operator(n, f->kind, err) < 0)
        return -ERR_INVALID;
    switch (f->kind) {
    case FILTER_TEXT:
        text_condition(b, f->column, n);
        return 0;
    case FILTER_INT:
        return int_condition(b, f->column, n, err);
    case FILTER_MAP:
        map_condition(b, f->column, f->map, key, n);
        return 0;
    }
    return err_set(err, ERR_INTERNAL, NULL, "unknown filter field kind");
}

int filter_bind(struct db_stmt *st, int first, const struct filter_sql *f)
{
    int idx = first;
    for (size_t i = 0; i < f->n_params; i++, idx++) {
        if (f->params[i].is_int)
            db_bind_int(st, idx, f->params[i].i);
        else
            db_bind_text(st, idx, f->params[i].s);
    }
    return idx;
}

int filter_compile(const char *q, const struct filter_field *fields, int64_t overdue_ts,
                   struct arena *a, struct filter_sql *out, struct error *err)
{
    struct fiql_node *tree = fiql_parse(q, a, err);
    if (!tree)
        return -ERR_INVALID;
    struct builder b = {.a = a, .overdue_ts = overdue_ts};
    int rc = compile_node(&b, tree, fields, err);
    if (rc < 0)
        return rc;
    out->sql = b.sql;
    out->params = b.params;
    out->n_params = b.n_params;
    return 0;
}
