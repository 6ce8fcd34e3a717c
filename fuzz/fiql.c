/* libFuzzer driver for src/util/fiql.c (the `q=` parameter): an accepted query
 * yields a well-formed tree within the limits, which printed back as a canonical
 * query parses to the same tree; a rejected one fails with ERR_INVALID,
 * rest.param.rsqlParamSyntax and a printable message naming a position inside the
 * query or just after it. The input is the query up to its first NUL. */
#include "util/fiql.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct out {
    char *s;
    size_t n, cap;
};

static void put(struct out *o, const char *s, size_t n)
{
    if (o->n + n + 1 > o->cap) {
        o->cap = (o->n + n + 1) * 2;
        o->s = realloc(o->s, o->cap);
        if (!o->s)
            abort();
    }
    memcpy(o->s + o->n, s, n);
    o->n += n;
    o->s[o->n] = '\0';
}

static void puts_(struct out *o, const char *s)
{
    put(o, s, strlen(s));
}

/* Every value double-quoted with '"' and '\' escaped: "\*" comes back as "\*". */
static void print_value(struct out *o, const char *v)
{
    puts_(o, "\"");
    for (; *v; v++) {
        if (*v == '"' || *v == '\\')
            puts_(o, "\\");
        put(o, v, 1);
    }
    puts_(o, "\"");
}

static void print(struct out *o, const struct fiql_node *n)
{
    if (n->kind == FIQL_COMPARISON) {
        puts_(o, n->selector);
        puts_(o, fiql_op_name(n->op));
        bool list = n->op == FIQL_IN || n->op == FIQL_OUT;
        if (list)
            puts_(o, "(");
        for (size_t i = 0; i < n->n_values; i++) {
            if (i)
                puts_(o, ",");
            print_value(o, n->values[i]);
        }
        if (list)
            puts_(o, ")");
        return;
    }
    for (size_t i = 0; i < n->n_children; i++) {
        if (i)
            puts_(o, n->kind == FIQL_AND ? ";" : " or ");
        /* Parentheses only where the query must have had them too (an OR inside an
         * AND, a same-kind group), so that printing adds no nesting. */
        enum fiql_kind k = n->children[i]->kind;
        bool group = k == n->kind || (k == FIQL_OR && n->kind == FIQL_AND);
        if (group)
            puts_(o, "(");
        print(o, n->children[i]);
        if (group)
            puts_(o, ")");
    }
}

static bool is_selector_char(char c)
{
    return c > 0x20 && c < 0x7f && !strchr("=!<>~;,()'\"", c);
}

/* Checks n and returns its number of comparisons. */
static size_t check_tree(const char *q, size_t len, const struct fiql_node *n, int depth)
{
    if (depth > 2 * FIQL_MAX_DEPTH + 2)
        abort();
    if (n->kind == FIQL_AND || n->kind == FIQL_OR) {
        if (n->n_children < 2 || !n->children)
            abort();
        size_t count = 0;
        for (size_t i = 0; i < n->n_children; i++) {
            /* Same-kind runs are flattened; a same-kind child came from parentheses. */
            count += check_tree(q, len, n->children[i], depth + 1);
        }
        return count;
    }
    if (n->kind != FIQL_COMPARISON || !n->selector || !n->selector[0] || !n->values)
        abort();
    size_t sl = strlen(n->selector);
    if (n->position + sl > len || memcmp(q + n->position, n->selector, sl) != 0)
        abort();
    for (const char *s = n->selector; *s; s++)
        if (!is_selector_char(*s))
            abort();
    if ((unsigned)n->op > FIQL_OUT || fiql_op_name(n->op)[0] == '?')
        abort();
    bool list = n->op == FIQL_IN || n->op == FIQL_OUT;
    if (n->n_values < 1 || n->n_values > FIQL_MAX_VALUES || (!list && n->n_values != 1))
        abort();
    for (size_t i = 0; i < n->n_values; i++)
        if (!n->values[i] || strlen(n->values[i]) > len)
            abort();
    return 1;
}

static bool same_tree(const struct fiql_node *a, const struct fiql_node *b)
{
    if (a->kind != b->kind)
        return false;
    if (a->kind == FIQL_COMPARISON) {
        if (strcmp(a->selector, b->selector) != 0 || a->op != b->op || a->n_values != b->n_values)
            return false;
        for (size_t i = 0; i < a->n_values; i++)
            if (strcmp(a->values[i], b->values[i]) != 0)
                return false;
        return true;
    }
    if (a->n_children != b->n_children)
        return false;
    for (size_t i = 0; i < a->n_children; i++)
        if (!same_tree(a->children[i], b->children[i]))
            return false;
    return true;
}

static void check_error(const struct error *err, size_t len)
{
    if (err->kind != ERR_INVALID || !err->code ||
        strcmp(err->code, "rest.param.rsqlParamSyntax") != 0)
        abort();
    if (strncmp(err->message, "Invalid query: ", 15) != 0)
        abort();
    for (const char *s = err->message; *s; s++)
        if (*s < 0x20 || *s > 0x7e)
            abort();
    const char *at = strstr(err->message, " at position ");
    if (!at)
        abort();
    unsigned long pos = strtoul(at + 13, NULL, 10);
    size_t limit = len > FIQL_MAX_LENGTH ? FIQL_MAX_LENGTH : len;
    if (pos < 1 || pos > limit + 1)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *q = malloc(size + 1);
    if (!q)
        abort();
    memcpy(q, data, size);
    q[size] = '\0';
    size_t len = strlen(q);

    struct arena a;
    arena_init(&a);
    struct error err = {0};
    const struct fiql_node *root = fiql_parse(q, &a, &err);
    if (!root) {
        check_error(&err, len);
    } else {
        if (len > FIQL_MAX_LENGTH || check_tree(q, len, root, 0) > FIQL_MAX_COMPARISONS)
            abort();
        struct out o = {0};
        print(&o, root);
        if (o.n <= FIQL_MAX_LENGTH) {
            struct error err2 = {0};
            const struct fiql_node *again = fiql_parse(o.s, &a, &err2);
            if (!again) {
                fprintf(stderr, "reprint rejected: %s\n%s\n", err2.message, o.s);
                abort();
            }
            if (!same_tree(root, again)) {
                fprintf(stderr, "reprint differs: %s\n", o.s);
                abort();
            }
        }
        free(o.s);
    }
    arena_free(&a);
    free(q);
    return 0;
}
