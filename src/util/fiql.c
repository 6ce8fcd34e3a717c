/* FIQL / RSQL parser: a recursive-descent parser over a NUL-terminated string.
 *
 * Every production consumes input and never looks back, and every lookahead is a
 * bounded number of bytes, so parsing is linear in the length of the query.
 * Recursion happens only through parentheses and is capped at FIQL_MAX_DEPTH
 * before the next level is entered. A production leaves the position right after
 * its last token (blanks after it are not skipped), because " and " / " or " need
 * the blank in front of them. */
#include "util/fiql.h"

#include <assert.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define FIQL_ERROR_CODE "rest.param.rsqlParamSyntax"

struct parser {
    const char *q;
    size_t pos;
    struct arena *a;
    struct error *err;
    int depth;          /* open parentheses around the current position */
    size_t comparisons; /* comparisons seen so far */
};

/* A growable array in the arena; the old copy is simply left behind. */
struct vec {
    void **items;
    size_t n, cap;
};

static void vec_push(struct arena *a, struct vec *v, void *item)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 4;
        void **items = arena_alloc(a, cap * sizeof(*items));
        if (v->n)
            memcpy(items, v->items, v->n * sizeof(*items));
        v->items = items;
        v->cap = cap;
    }
    v->items[v->n++] = item;
}

/** Records "Invalid query: <what> at position <at + 1>" and returns NULL. */
static void *fail(struct parser *p, size_t at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void *fail(struct parser *p, size_t at, const char *fmt, ...)
{
    char what[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    err_set(p->err, ERR_INVALID, FIQL_ERROR_CODE, "Invalid query: %s at position %zu", what,
            at + 1);
    return NULL;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_reserved(char c)
{
    switch (c) {
    case '=':
    case '!':
    case '<':
    case '>':
    case '~':
    case ';':
    case ',':
    case '(':
    case ')':
    case '\'':
    case '"':
        return true;
    default:
        return false;
    }
}

/* Printable ASCII other than blanks and the reserved characters. */
static bool is_selector_char(char c)
{
    unsigned char u = (unsigned char)c;
    return u > 0x20 && u < 0x7f && !is_reserved(c);
}

/* Like a selector character, but bytes of non-ASCII text are welcome too. */
static bool is_value_char(char c)
{
    return is_selector_char(c) || (unsigned char)c >= 0x80;
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Whether s starts with the lower-case word w, in any case. Stops at s's NUL. */
static bool starts_with_word(const char *s, const char *w)
{
    for (; *w; s++, w++)
        if (lower(*s) != *w)
            return false;
    return true;
}

static void skip_blanks(struct parser *p)
{
    while (is_blank(p->q[p->pos]))
        p->pos++;
}

/** Whether an AND or OR connective starts at the position (blanks first allowed);
 * *end is set to the offset right after it. " and " / " or " need a blank before
 * and a blank (or the end, which then fails as a missing operand) after. */
static bool peek_connective(const struct parser *p, enum fiql_kind *kind, size_t *end)
{
    const char *q = p->q;
    size_t i = p->pos;
    while (is_blank(q[i]))
        i++;
    if (q[i] == ';' || q[i] == ',') {
        *kind = q[i] == ';' ? FIQL_AND : FIQL_OR;
        *end = i + 1;
        return true;
    }
    if (i == p->pos)
        return false;
    size_t len;
    if (starts_with_word(q + i, "and")) {
        *kind = FIQL_AND;
        len = 3;
    } else if (starts_with_word(q + i, "or")) {
        *kind = FIQL_OR;
        len = 2;
    } else {
        return false;
    }
    if (q[i + len] != '\0' && !is_blank(q[i + len]))
        return false;
    *end = i + len;
    return true;
}

static struct fiql_node *parse_or(struct parser *p);

static bool parse_operator(struct parser *p, enum fiql_op *op)
{
    static const struct {
        const char *word;
        enum fiql_op op;
    } words[] = {{"lt", FIQL_LT},   {"le", FIQL_LE},   {"gt", FIQL_GT}, {"ge", FIQL_GE},
                 {"in", FIQL_IN},   {"out", FIQL_OUT}, {"is", FIQL_IS}, {"eq", FIQL_IS},
                 {"not", FIQL_NOT}, {"ne", FIQL_NOT}};
    const char *q = p->q;
    size_t at = p->pos;
    if ((q[at] == '=' || q[at] == '!') && q[at + 1] == '=') {
        *op = q[at] == '=' ? FIQL_EQ : FIQL_NE;
        p->pos += 2;
        return true;
    }
    if (q[at] == '<' || q[at] == '>') {
        bool eq = q[at + 1] == '=';
        *op = q[at] == '<' ? (eq ? FIQL_LE : FIQL_LT) : (eq ? FIQL_GE : FIQL_GT);
        p->pos += eq ? 2 : 1;
        return true;
    }
    size_t i = at + 1;
    if (q[at] != '=' || !is_alpha(q[i])) {
        fail(p, at, "expected a comparison operator");
        return false;
    }
    while (is_alpha(q[i]))
        i++;
    if (q[i] != '=') {
        fail(p, at, "expected a comparison operator");
        return false;
    }
    size_t len = i - at - 1;
    for (size_t k = 0; k < sizeof(words) / sizeof(words[0]); k++) {
        if (strlen(words[k].word) == len && starts_with_word(q + at + 1, words[k].word)) {
            *op = words[k].op;
            p->pos = i + 1;
            return true;
        }
    }
    /* Only letters between the '=', so the name is safe to quote; long ones are cut. */
    if (len > 16)
        fail(p, at, "unknown operator '=%.16s...='", q + at + 1);
    else
        fail(p, at, "unknown operator '=%.*s='", (int)len, q + at + 1);
    return false;
}

/* Copies s[0..n) with every backslash escape resolved, except that "\*" is kept as
 * written: the store gives a bare '*' its wildcard meaning and needs to tell it from
 * an escaped one (hawkBit's literal star). The scanner has checked that no
 * backslash is the last byte. */
static const char *unescape(struct arena *a, const char *s, size_t n)
{
    char *out = arena_alloc(a, n + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\') {
            i++;
            if (s[i] == '*')
                out[o++] = '\\';
        }
        out[o++] = s[i];
    }
    out[o] = '\0';
    return out;
}

static const char *parse_quoted(struct parser *p)
{
    const char *q = p->q;
    size_t open = p->pos;
    size_t i = open + 1;
    while (q[i] != q[open]) {
        if (q[i] == '\0' || (q[i] == '\\' && q[i + 1] == '\0')) {
            fail(p, open, "expected a closing %c for the value starting", q[open]);
            return NULL;
        }
        i += q[i] == '\\' ? 2 : 1;
    }
    p->pos = i + 1;
    return unescape(p->a, q + open + 1, i - open - 1);
}

static const char *parse_value(struct parser *p)
{
    const char *q = p->q;
    if (q[p->pos] == '"' || q[p->pos] == '\'')
        return parse_quoted(p);
    size_t start = p->pos;
    size_t i = start;
    for (;;) {
        if (q[i] == '\\') {
            /* Outside quotes the escaped byte must still be printable or non-ASCII. */
            unsigned char e = (unsigned char)q[i + 1];
            if (e < 0x20 || e == 0x7f) {
                fail(p, i + 1, "expected a printable character after '\\'");
                return NULL;
            }
            i += 2;
        } else if (is_value_char(q[i])) {
            i++;
        } else {
            break;
        }
    }
    if (i == start) {
        fail(p, start, "expected a value");
        return NULL;
    }
    p->pos = i;
    return unescape(p->a, q + start, i - start);
}

/* "(" value { "," value } ")", the position on the "(". */
static bool parse_list(struct parser *p, struct fiql_node *n)
{
    struct vec values = {0};
    p->pos++;
    for (;;) {
        skip_blanks(p);
        if (values.n == FIQL_MAX_VALUES) {
            fail(p, p->pos, "more than %d values in a list", FIQL_MAX_VALUES);
            return false;
        }
        const char *v = parse_value(p);
        if (!v)
            return false;
        vec_push(p->a, &values, (void *)v);
        skip_blanks(p);
        if (p->q[p->pos] == ')')
            break;
        if (p->q[p->pos] != ',') {
            fail(p, p->pos, "expected ',' or ')' in the list of values");
            return false;
        }
        p->pos++;
    }
    p->pos++;
    n->values = (const char **)values.items;
    n->n_values = values.n;
    return true;
}

static struct fiql_node *parse_comparison(struct parser *p)
{
    const char *q = p->q;
    size_t start = p->pos;
    while (is_selector_char(q[p->pos]))
        p->pos++;
    if (p->pos == start)
        return fail(p, start, "expected a selector or '('");
    if (p->comparisons == FIQL_MAX_COMPARISONS)
        return fail(p, start, "more than %d comparisons", FIQL_MAX_COMPARISONS);
    p->comparisons++;

    struct fiql_node *n = arena_alloc(p->a, sizeof(*n));
    n->kind = FIQL_COMPARISON;
    n->selector = arena_strndup(p->a, q + start, p->pos - start);
    n->position = start;
    skip_blanks(p);
    if (!parse_operator(p, &n->op))
        return NULL;
    skip_blanks(p);
    if (q[p->pos] == '(') {
        if (n->op != FIQL_IN && n->op != FIQL_OUT)
            return fail(p, p->pos, "expected a single value (lists only after =in= or =out=)");
        return parse_list(p, n) ? n : NULL;
    }
    const char *v = parse_value(p);
    if (!v)
        return NULL;
    n->values = arena_alloc(p->a, sizeof(*n->values));
    n->values[0] = v;
    n->n_values = 1;
    return n;
}

static struct fiql_node *parse_constraint(struct parser *p)
{
    skip_blanks(p);
    if (p->q[p->pos] != '(')
        return parse_comparison(p);
    if (p->depth == FIQL_MAX_DEPTH)
        return fail(p, p->pos, "more than %d nested parentheses", FIQL_MAX_DEPTH);
    p->depth++;
    p->pos++;
    struct fiql_node *n = parse_or(p);
    if (!n)
        return NULL;
    skip_blanks(p);
    if (p->q[p->pos] != ')')
        return fail(p, p->pos, "expected ';', ',', ' and ', ' or ' or ')'");
    p->pos++;
    p->depth--;
    return n;
}

/* operand { connective operand } for one kind of connective; a single operand is
 * returned as it is. */
static struct fiql_node *parse_chain(struct parser *p, enum fiql_kind kind)
{
    struct fiql_node *first = kind == FIQL_AND ? parse_constraint(p) : parse_chain(p, FIQL_AND);
    if (!first)
        return NULL;
    struct vec children = {0};
    enum fiql_kind next;
    size_t end;
    while (peek_connective(p, &next, &end) && next == kind) {
        if (children.n == 0)
            vec_push(p->a, &children, first);
        p->pos = end;
        struct fiql_node *n = kind == FIQL_AND ? parse_constraint(p) : parse_chain(p, FIQL_AND);
        if (!n)
            return NULL;
        vec_push(p->a, &children, n);
    }
    if (children.n == 0)
        return first;
    struct fiql_node *group = arena_alloc(p->a, sizeof(*group));
    group->kind = kind;
    group->children = (struct fiql_node **)children.items;
    group->n_children = children.n;
    return group;
}

static struct fiql_node *parse_or(struct parser *p)
{
    return parse_chain(p, FIQL_OR);
}

struct fiql_node *fiql_parse(const char *q, struct arena *a, struct error *err)
{
    assert(a);
    struct parser p = {.q = q, .a = a, .err = err};
    if (!q)
        return fail(&p, 0, "expected a selector or '('");
    if (strnlen(q, FIQL_MAX_LENGTH + 1) > FIQL_MAX_LENGTH)
        return fail(&p, FIQL_MAX_LENGTH, "longer than %d bytes", FIQL_MAX_LENGTH);
    struct fiql_node *root = parse_or(&p);
    if (!root)
        return NULL;
    skip_blanks(&p);
    if (q[p.pos] != '\0')
        return fail(&p, p.pos, "expected ';', ',', ' and ', ' or ' or the end");
    return root;
}

const char *fiql_op_name(enum fiql_op op)
{
    switch (op) {
    case FIQL_EQ:
        return "==";
    case FIQL_NE:
        return "!=";
    case FIQL_LT:
        return "=lt=";
    case FIQL_LE:
        return "=le=";
    case FIQL_GT:
        return "=gt=";
    case FIQL_GE:
        return "=ge=";
    case FIQL_IN:
        return "=in=";
    case FIQL_OUT:
        return "=out=";
    case FIQL_IS:
        return "=is=";
    case FIQL_NOT:
        return "=not=";
    }
    return "?";
}
