/* Tests src/util/fiql.c: the FIQL/RSQL tree, quoting, every error class with its
 * position, and the limits that keep hostile queries cheap. */
/* cmocka.h needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/fiql.h"

/* ---- helpers ---- */

struct buf {
    char s[4096];
    size_t n;
};

static void put(struct buf *b, const char *s)
{
    size_t len = strlen(s);
    assert_true(b->n + len < sizeof(b->s));
    memcpy(b->s + b->n, s, len + 1);
    b->n += len;
}

/* The tree as text: a==1, a=in=(1|2), AND(x, y), OR(x, y). */
static void dump(struct buf *b, const struct fiql_node *n)
{
    if (n->kind == FIQL_COMPARISON) {
        assert_null(n->children);
        put(b, n->selector);
        put(b, fiql_op_name(n->op));
        bool list = n->op == FIQL_IN || n->op == FIQL_OUT;
        if (!list)
            assert_int_equal(n->n_values, 1);
        assert_true(n->n_values >= 1);
        if (list)
            put(b, "(");
        for (size_t i = 0; i < n->n_values; i++) {
            if (i)
                put(b, "|");
            put(b, n->values[i]);
        }
        if (list)
            put(b, ")");
        return;
    }
    assert_true(n->kind == FIQL_AND || n->kind == FIQL_OR);
    assert_true(n->n_children >= 2);
    put(b, n->kind == FIQL_AND ? "AND(" : "OR(");
    for (size_t i = 0; i < n->n_children; i++) {
        if (i)
            put(b, ", ");
        dump(b, n->children[i]);
    }
    put(b, ")");
}

static void expect_tree(const char *q, const char *want)
{
    struct arena a;
    arena_init(&a);
    struct error err = {0};
    struct fiql_node *n = fiql_parse(q, &a, &err);
    if (!n)
        fail_msg("'%s' rejected: %s", q, err.message);
    struct buf b = {.n = 0};
    dump(&b, n);
    if (strcmp(b.s, want) != 0)
        fail_msg("'%s': got %s, want %s", q, b.s, want);
    arena_free(&a);
}

/* Parses q, which must be one comparison, into *a. */
static const struct fiql_node *comparison(struct arena *a, const char *q)
{
    struct error err = {0};
    const struct fiql_node *n = fiql_parse(q, a, &err);
    if (!n)
        fail_msg("'%s' rejected: %s", q, err.message);
    assert_int_equal(n->kind, FIQL_COMPARISON);
    return n;
}

static void expect_error_n(const char *q, const char *message)
{
    struct arena a;
    arena_init(&a);
    struct error err = {0};
    struct fiql_node *n = fiql_parse(q, &a, &err);
    if (n)
        fail_msg("'%.60s' accepted", q ? q : "(null)");
    assert_int_equal(err.kind, ERR_INVALID);
    assert_string_equal(err.code, "rest.param.rsqlParamSyntax");
    if (strcmp(err.message, message) != 0)
        fail_msg("'%.60s': got \"%s\", want \"%s\"", q ? q : "(null)", err.message, message);
    arena_free(&a);
}

/* message is "<what> at position <pos>" without the "Invalid query: " prefix. */
static void expect_error(const char *q, const char *what, size_t pos)
{
    char message[256];
    snprintf(message, sizeof(message), "Invalid query: %s at position %zu", what, pos);
    expect_error_n(q, message);
}

static char *repeat(const char *prefix, const char *unit, size_t times, const char *suffix)
{
    size_t len = strlen(prefix) + strlen(unit) * times + strlen(suffix);
    char *s = malloc(len + 1);
    assert_non_null(s);
    char *p = s;
    p = stpcpy(p, prefix);
    for (size_t i = 0; i < times; i++)
        p = stpcpy(p, unit);
    stpcpy(p, suffix);
    return s;
}

/* ---- operators ---- */

static void test_operators(void **state)
{
    static const struct {
        const char *q;
        enum fiql_op op;
    } cases[] = {
        {"a==1", FIQL_EQ},   {"a!=1", FIQL_NE},     {"a=lt=1", FIQL_LT},   {"a<1", FIQL_LT},
        {"a=le=1", FIQL_LE}, {"a<=1", FIQL_LE},     {"a=gt=1", FIQL_GT},   {"a>1", FIQL_GT},
        {"a=ge=1", FIQL_GE}, {"a>=1", FIQL_GE},     {"a=in=1", FIQL_IN},   {"a=out=1", FIQL_OUT},
        {"a=LT=1", FIQL_LT}, {"a=Le=1", FIQL_LE},   {"a=gT=1", FIQL_GT},   {"a=GE=1", FIQL_GE},
        {"a=IN=1", FIQL_IN}, {"a=Out=1", FIQL_OUT}, {"a =lt= 1", FIQL_LT}, {"a <= 1", FIQL_LE},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct arena a;
        arena_init(&a);
        const struct fiql_node *n = comparison(&a, cases[i].q);
        if (n->op != cases[i].op)
            fail_msg("'%s': op %s", cases[i].q, fiql_op_name(n->op));
        assert_string_equal(n->selector, "a");
        assert_int_equal(n->n_values, 1);
        assert_string_equal(n->values[0], "1");
        assert_int_equal(n->position, 0);
        arena_free(&a);
    }
}

static void test_op_names(void **state)
{
    assert_string_equal(fiql_op_name(FIQL_EQ), "==");
    assert_string_equal(fiql_op_name(FIQL_NE), "!=");
    assert_string_equal(fiql_op_name(FIQL_LT), "=lt=");
    assert_string_equal(fiql_op_name(FIQL_LE), "=le=");
    assert_string_equal(fiql_op_name(FIQL_GT), "=gt=");
    assert_string_equal(fiql_op_name(FIQL_GE), "=ge=");
    assert_string_equal(fiql_op_name(FIQL_IN), "=in=");
    assert_string_equal(fiql_op_name(FIQL_OUT), "=out=");
}

static void test_null_aware_operators(void **state)
{
    /* hawkBit's extras: =is= / =eq= and =not= / =ne=, any case. */
    expect_tree("a=is=null", "a=is=null");
    expect_tree("a=EQ=1", "a=is=1");
    expect_tree("a=NOT=null", "a=not=null");
    expect_tree("a=ne=x", "a=not=x");
    expect_error("a=is=(x,y)", "expected a single value (lists only after =in= or =out=)", 6);
}

static void test_unknown_operators(void **state)
{
    expect_error("a=xyz=b", "unknown operator '=xyz='", 2);
    expect_error("a=li=*x*", "unknown operator '=li='", 2);
    expect_error("abc=like=1", "unknown operator '=like='", 4);
    /* A long word is cut in the message. */
    expect_error("a=abcdefghijklmnopqrstuvwxyz=1", "unknown operator '=abcdefghijklmnop...='", 2);
}

/* ---- structure ---- */

static void test_precedence_and_flattening(void **state)
{
    expect_tree("a==1", "a==1");
    expect_tree("a==1;b==2", "AND(a==1, b==2)");
    expect_tree("a==1,b==2", "OR(a==1, b==2)");
    expect_tree("a==1;b==2;c==3", "AND(a==1, b==2, c==3)");
    expect_tree("a==1,b==2,c==3,d==4", "OR(a==1, b==2, c==3, d==4)");
    expect_tree("a==1,b==2;c==3", "OR(a==1, AND(b==2, c==3))");
    expect_tree("a==1;b==2,c==3", "OR(AND(a==1, b==2), c==3)");
    expect_tree("a==1;b==2,c==3;d==4", "OR(AND(a==1, b==2), AND(c==3, d==4))");
    expect_tree("a==1,b==2;c==3;d==4,e==5", "OR(a==1, AND(b==2, c==3, d==4), e==5)");
}

static void test_parentheses(void **state)
{
    expect_tree("(a==1)", "a==1");
    expect_tree("((((a==1))))", "a==1");
    expect_tree("a==1;(b==2,c==3)", "AND(a==1, OR(b==2, c==3))");
    expect_tree("(a==1,b==2);c==3", "AND(OR(a==1, b==2), c==3)");
    expect_tree("(a==1,b==2);(c==3,d==4)", "AND(OR(a==1, b==2), OR(c==3, d==4))");
    /* Groups stay as written: no flattening across parentheses. */
    expect_tree("a==1;(b==2;c==3)", "AND(a==1, AND(b==2, c==3))");
    expect_tree("((a==1;b==2));c==3", "AND(AND(a==1, b==2), c==3)");
    expect_tree("(a==1,(b==2;(c==3,d==4)))", "OR(a==1, AND(b==2, OR(c==3, d==4)))");
}

static void test_keywords(void **state)
{
    expect_tree("a==1 and b==2", "AND(a==1, b==2)");
    expect_tree("a==1 or b==2", "OR(a==1, b==2)");
    expect_tree("a==1 AND b==2 Or c==3", "OR(AND(a==1, b==2), c==3)");
    expect_tree("a==1 oR b==2 aNd c==3", "OR(a==1, AND(b==2, c==3))");
    expect_tree("a==1   and\tb==2", "AND(a==1, b==2)");
    expect_tree("(a==1) and (b==2 or c==3)", "AND(a==1, OR(b==2, c==3))");
    expect_tree("a==\"x\" or b=in=(1,2) and c=='y'", "OR(a==x, AND(b=in=(1|2), c==y))");
    /* Keywords mixed with symbols. */
    expect_tree("a==1;b==2 and c==3", "AND(a==1, b==2, c==3)");
    expect_tree("a==1 or b==2,c==3", "OR(a==1, b==2, c==3)");
    /* Keyword words are ordinary selectors and values elsewhere. */
    expect_tree("and==or", "and==or");
    expect_tree("and==1 and or==2 or x==and", "OR(AND(and==1, or==2), x==and)");
    expect_tree("a==android", "a==android");
    expect_tree("a==1 ;b==2", "AND(a==1, b==2)");
}

static void test_whitespace(void **state)
{
    expect_tree("  a==1  ", "a==1");
    expect_tree(" ( a == 1 ; b != 2 ) ", "AND(a==1, b!=2)");
    expect_tree("a==1 ; b==2 , c==3", "OR(AND(a==1, b==2), c==3)");
    expect_tree("\ta==1\r\n;\nb==2", "AND(a==1, b==2)");
    expect_tree("a=in=( 1 , 2 )", "a=in=(1|2)");
    expect_tree("a =out= ( 1 )", "a=out=(1)");
}

static void test_positions(void **state)
{
    struct arena a;
    arena_init(&a);
    struct error err = {0};
    const struct fiql_node *n = fiql_parse("  a==1 ; (bb==2,ccc=in=(1,2))", &a, &err);
    assert_non_null(n);
    assert_int_equal(n->kind, FIQL_AND);
    assert_int_equal(n->n_children, 2);
    assert_int_equal(n->children[0]->position, 2);
    const struct fiql_node * or = n->children[1];
    assert_int_equal(or->kind, FIQL_OR);
    assert_string_equal(or->children[0]->selector, "bb");
    assert_int_equal(or->children[0]->position, 10);
    assert_string_equal(or->children[1]->selector, "ccc");
    assert_int_equal(or->children[1]->position, 16);
    arena_free(&a);
}

/* ---- selectors and values ---- */

static void test_selectors(void **state)
{
    expect_tree("attribute.hw-rev_2==1", "attribute.hw-rev_2==1");
    expect_tree("metadata.a/b:c@d==1", "metadata.a/b:c@d==1");
    expect_tree("a*b\\c==1", "a*b\\c==1"); /* no escapes or wildcards in selectors */
    expect_tree("assignedDS.version==1.0", "assignedDS.version==1.0");
}

static void test_values(void **state)
{
    expect_tree("a==*abc*", "a==*abc*");
    expect_tree("a==ab*c?d", "a==ab*c?d");
    expect_tree("url==http://h:80/x?y&z%20", "url==http://h:80/x?y&z%20");
    expect_tree("a==-1.5e3", "a==-1.5e3");
    expect_tree("name==caf\xc3\xa9", "name==caf\xc3\xa9");
    expect_tree("name==\xff\xfe", "name==\xff\xfe");
    expect_tree("a=in=(x*,*y)", "a=in=(x*|*y)");
}

static void test_quoted_values(void **state)
{
    expect_tree("a==\"hello world\"", "a==hello world");
    expect_tree("a=='hello world'", "a==hello world");
    expect_tree("a==\"a;b,c(d)=e!<>~'\"", "a==a;b,c(d)=e!<>~'");
    expect_tree("a=='say \"hi\"'", "a==say \"hi\"");
    expect_tree("a==\" and \"", "a== and ");
    expect_tree("a==\"caf\xc3\xa9 \x01\x7f\"", "a==caf\xc3\xa9 \x01\x7f");
    expect_tree("a=in=(\"x y\",'z',w)", "a=in=(x y|z|w)");

    struct arena a;
    arena_init(&a);
    const struct fiql_node *n = comparison(&a, "a==\"\"");
    assert_string_equal(n->values[0], "");
    n = comparison(&a, "a!=''");
    assert_string_equal(n->values[0], "");
    n = comparison(&a, "a=in=('',\"\")");
    assert_int_equal(n->n_values, 2);
    assert_string_equal(n->values[0], "");
    assert_string_equal(n->values[1], "");
    arena_free(&a);
}

static void test_escapes(void **state)
{
    expect_tree("a==\"say \\\"hi\\\"\"", "a==say \"hi\"");
    expect_tree("a=='it\\'s'", "a==it's");
    expect_tree("a==\"back\\\\slash\"", "a==back\\slash");
    expect_tree("a==\"\\a\\b\"", "a==ab");
    expect_tree("a==x\\;y", "a==x;y");
    expect_tree("a==x\\ y", "a==x y");
    expect_tree("a==\\\"x", "a==\"x");
    expect_tree("a==x\\\\y", "a==x\\y");
    expect_tree("a==\\(1\\,2\\)", "a==(1,2)");
    /* "\*" stays as written so that the store can tell a literal star. */
    expect_tree("a==a\\*b*", "a==a\\*b*");
    expect_tree("a==\"a\\*b\"", "a==a\\*b");
    expect_tree("a=in=(\\*)", "a=in=(\\*)");
}

static void test_lists(void **state)
{
    struct arena a;
    arena_init(&a);
    const struct fiql_node *n = comparison(&a, "a=in=(1,2,3)");
    assert_int_equal(n->op, FIQL_IN);
    assert_int_equal(n->n_values, 3);
    assert_string_equal(n->values[0], "1");
    assert_string_equal(n->values[2], "3");
    n = comparison(&a, "a=out=(x)");
    assert_int_equal(n->op, FIQL_OUT);
    assert_int_equal(n->n_values, 1);
    n = comparison(&a, "a=in=x");
    assert_int_equal(n->n_values, 1);
    assert_string_equal(n->values[0], "x");
    arena_free(&a);
    expect_tree("a=in=(1,2);b=out=(3,4)", "AND(a=in=(1|2), b=out=(3|4))");

    const char *no_lists[] = {"a==(1)",   "a!=(1,2)", "a=lt=(1)", "a=le=(1)",
                              "a=gt=(1)", "a=ge=(1)", "a<(1)",    "a>=(1)"};
    for (size_t i = 0; i < sizeof(no_lists) / sizeof(no_lists[0]); i++) {
        const char *paren = strchr(no_lists[i], '(');
        expect_error(no_lists[i], "expected a single value (lists only after =in= or =out=)",
                     (size_t)(paren - no_lists[i]) + 1);
    }
}

/* ---- errors ---- */

static void test_empty_and_null(void **state)
{
    expect_error(NULL, "expected a selector or '('", 1);
    expect_error("", "expected a selector or '('", 1);
    expect_error("   ", "expected a selector or '('", 4);
    expect_error("()", "expected a selector or '('", 2);
    expect_error("( )", "expected a selector or '('", 3);
    expect_error("(())", "expected a selector or '('", 3);
    /* err may be NULL. */
    struct arena a;
    arena_init(&a);
    assert_null(fiql_parse("a==", &a, NULL));
    assert_null(fiql_parse(NULL, &a, NULL));
    arena_free(&a);
}

static void test_missing_parts(void **state)
{
    expect_error("a==", "expected a value", 4);
    expect_error("a==  ", "expected a value", 6);
    expect_error("a==;b==1", "expected a value", 4);
    expect_error("==b", "expected a selector or '('", 1);
    expect_error("a", "expected a comparison operator", 2);
    expect_error("a b==c", "expected a comparison operator", 3);
    expect_error("a=b", "expected a comparison operator", 2);
    expect_error("a=lt", "expected a comparison operator", 2);
    expect_error("a = lt = 1", "expected a comparison operator", 3);
    expect_error("a=lt1", "expected a comparison operator", 2);
    expect_error("a=1=2", "expected a comparison operator", 2);
    expect_error("a~=b", "expected a comparison operator", 2);
    expect_error("a!b", "expected a comparison operator", 2);
    expect_error("a=<b", "expected a comparison operator", 2);
    expect_error("a===b", "expected a value", 4);
    expect_error("a==b=c", "expected ';', ',', ' and ', ' or ' or the end", 5);
    expect_error("a==b!", "expected ';', ',', ' and ', ' or ' or the end", 5);
    expect_error("a==b~", "expected ';', ',', ' and ', ' or ' or the end", 5);
    expect_error("a==b c==d", "expected ';', ',', ' and ', ' or ' or the end", 6);
}

static void test_dangling_connectives(void **state)
{
    expect_error("a==b;", "expected a selector or '('", 6);
    expect_error("a==b,", "expected a selector or '('", 6);
    expect_error("a==b;;c==d", "expected a selector or '('", 6);
    expect_error("a==b,,c==d", "expected a selector or '('", 6);
    expect_error("a==b;,c==d", "expected a selector or '('", 6);
    expect_error(";a==b", "expected a selector or '('", 1);
    expect_error(",a==b", "expected a selector or '('", 1);
    expect_error("a==b and", "expected a selector or '('", 9);
    expect_error("a==b or ", "expected a selector or '('", 9);
    expect_error("a==b and or c==d", "expected a comparison operator", 13);
    expect_error("(a==b;)", "expected a selector or '('", 7);
    /* Keywords need blanks on both sides. */
    expect_error("a==b andc==d", "expected ';', ',', ' and ', ' or ' or the end", 6);
    expect_error("(a==b)and c==d", "expected ';', ',', ' and ', ' or ' or the end", 7);
    expect_error("a==b and(c==d)", "expected ';', ',', ' and ', ' or ' or the end", 6);
    expect_error("a==\"x\"or b==c", "expected ';', ',', ' and ', ' or ' or the end", 7);
}

static void test_parenthesis_errors(void **state)
{
    expect_error("(a==b", "expected ';', ',', ' and ', ' or ' or ')'", 6);
    expect_error("((a==b)", "expected ';', ',', ' and ', ' or ' or ')'", 8);
    expect_error("(a==b c==d)", "expected ';', ',', ' and ', ' or ' or ')'", 7);
    expect_error("a==b)", "expected ';', ',', ' and ', ' or ' or the end", 5);
    expect_error("(a==b))", "expected ';', ',', ' and ', ' or ' or the end", 7);
    expect_error(")", "expected a selector or '('", 1);
    expect_error("a==b(c)", "expected ';', ',', ' and ', ' or ' or the end", 5);
}

static void test_list_errors(void **state)
{
    expect_error("a=in=()", "expected a value", 7);
    expect_error("a=in=( )", "expected a value", 8);
    expect_error("a=in=(1,)", "expected a value", 9);
    expect_error("a=in=(,1)", "expected a value", 7);
    expect_error("a=in=(1,,2)", "expected a value", 9);
    expect_error("a=in=(1", "expected ',' or ')' in the list of values", 8);
    expect_error("a=in=(1 2)", "expected ',' or ')' in the list of values", 9);
    expect_error("a=in=(1;2)", "expected ',' or ')' in the list of values", 8);
    expect_error("a=in=((1))", "expected a value", 7);
    expect_error("a=in=", "expected a value", 6);
    expect_error("a=in=(1)(2)", "expected ';', ',', ' and ', ' or ' or the end", 9);
}

static void test_quote_errors(void **state)
{
    expect_error("a==\"abc", "expected a closing \" for the value starting", 4);
    expect_error("a=='abc", "expected a closing ' for the value starting", 4);
    expect_error("a=='abc\"", "expected a closing ' for the value starting", 4);
    expect_error("a==\"abc\\\"", "expected a closing \" for the value starting", 4);
    expect_error("a==\"abc\\", "expected a closing \" for the value starting", 4);
    expect_error("a=in=(1,'x", "expected a closing ' for the value starting", 9);
    expect_error("a==\"x\"y", "expected ';', ',', ' and ', ' or ' or the end", 7);
    expect_error("a==x\"y\"", "expected ';', ',', ' and ', ' or ' or the end", 5);
    expect_error("a==\"x\"\"y\"", "expected ';', ',', ' and ', ' or ' or the end", 7);
    expect_error("a==abc\\", "expected a printable character after '\\'", 8);
    expect_error("a==ab\\\x01", "expected a printable character after '\\'", 7);
    expect_error("a==ab\\\x7f", "expected a printable character after '\\'", 7);
    expect_error("'a'==b", "expected a selector or '('", 1);
}

static void test_bytes_outside_values(void **state)
{
    expect_error("a==b\x01", "expected ';', ',', ' and ', ' or ' or the end", 5);
    expect_error("a==b\x1b[0m", "expected ';', ',', ' and ', ' or ' or the end", 5);
    expect_error("a\x01==b", "expected a comparison operator", 2);
    expect_error("\x01a==b", "expected a selector or '('", 1);
    expect_error("a\x7f==b", "expected a comparison operator", 2);
    expect_error("n\xc3\xa4me==x", "expected a comparison operator", 2);
    expect_error("\xc3\xa4==x", "expected a selector or '('", 1);
    expect_error("a==\x01", "expected a value", 4);
    expect_error("a==b;\x0b", "expected a selector or '('", 6);
}

/* ---- limits ---- */

static void test_length_limit(void **state)
{
    /* "a==" and a value filling the rest. */
    char *q = repeat("a==", "x", FIQL_MAX_LENGTH - 3, "");
    assert_int_equal(strlen(q), FIQL_MAX_LENGTH);
    struct arena a;
    arena_init(&a);
    const struct fiql_node *n = comparison(&a, q);
    assert_int_equal(strlen(n->values[0]), FIQL_MAX_LENGTH - 3);
    arena_free(&a);
    free(q);

    q = repeat("a==", "x", FIQL_MAX_LENGTH - 2, "");
    expect_error(q, "longer than 8192 bytes", FIQL_MAX_LENGTH + 1);
    free(q);
}

static void test_megabyte_input(void **state)
{
    size_t units = (1 << 20) / 5;
    char *q = repeat("", "a==1;", units, "a==1");
    clock_t start = clock();
    expect_error(q, "longer than 8192 bytes", FIQL_MAX_LENGTH + 1);
    free(q);
    q = repeat("a==\"", "x", 1 << 20, "\"");
    expect_error(q, "longer than 8192 bytes", FIQL_MAX_LENGTH + 1);
    free(q);
    assert_true(clock() - start < CLOCKS_PER_SEC);
}

static void test_depth_limit(void **state)
{
    char *q = repeat("", "(", FIQL_MAX_DEPTH, "a==1");
    char *tail = repeat(q, ")", FIQL_MAX_DEPTH, "");
    expect_tree(tail, "a==1");
    free(q);
    free(tail);

    /* Alternating kinds: every level is a real node. */
    q = repeat("", "x==1;(y==1,(", FIQL_MAX_DEPTH / 2, "a==1");
    tail = repeat(q, "))", FIQL_MAX_DEPTH / 2, "");
    struct arena a;
    arena_init(&a);
    struct error err = {0};
    const struct fiql_node *n = fiql_parse(tail, &a, &err);
    if (!n)
        fail_msg("rejected: %s", err.message);
    int levels = 0;
    while (n->kind != FIQL_COMPARISON) {
        assert_int_equal(n->n_children, 2);
        n = n->children[1];
        levels++;
    }
    assert_int_equal(levels, FIQL_MAX_DEPTH);
    arena_free(&a);
    free(q);
    free(tail);

    q = repeat("", "(", FIQL_MAX_DEPTH + 1, "a==1");
    tail = repeat(q, ")", FIQL_MAX_DEPTH + 1, "");
    expect_error(tail, "more than 32 nested parentheses", FIQL_MAX_DEPTH + 1);
    free(q);
    free(tail);

    q = repeat("a==1;", "(", FIQL_MAX_DEPTH + 1, "");
    expect_error(q, "more than 32 nested parentheses", FIQL_MAX_DEPTH + 6);
    free(q);
}

static void test_deep_nesting_fails_fast(void **state)
{
    clock_t start = clock();
    /* Within the length limit: the depth limit answers. */
    char *q = repeat("", "(", 8000, "");
    expect_error(q, "more than 32 nested parentheses", FIQL_MAX_DEPTH + 1);
    free(q);
    q = repeat("", "(", 10000, "a==1");
    expect_error(q, "longer than 8192 bytes", FIQL_MAX_LENGTH + 1);
    free(q);
    q = repeat("", "a=in=(", 1000, "");
    expect_error(q, "expected ',' or ')' in the list of values", 8);
    free(q);
    assert_true(clock() - start < CLOCKS_PER_SEC);
}

static void test_comparison_limit(void **state)
{
    /* "c==1;" is 5 bytes: the 129th comparison starts at offset 640. */
    char *q = repeat("", "c==1;", FIQL_MAX_COMPARISONS - 1, "c==1");
    struct arena a;
    arena_init(&a);
    struct error err = {0};
    const struct fiql_node *n = fiql_parse(q, &a, &err);
    assert_non_null(n);
    assert_int_equal(n->kind, FIQL_AND);
    assert_int_equal(n->n_children, FIQL_MAX_COMPARISONS);
    arena_free(&a);
    free(q);

    q = repeat("", "c==1;", FIQL_MAX_COMPARISONS, "c==1");
    expect_error(q, "more than 128 comparisons", FIQL_MAX_COMPARISONS * 5 + 1);
    free(q);

    /* Counted across groups and kinds: 64 groups of "(c==1,c==2);" (12 bytes). */
    q = repeat("", "(c==1,c==2);", FIQL_MAX_COMPARISONS / 2, "");
    q[strlen(q) - 1] = '\0';
    arena_init(&a);
    n = fiql_parse(q, &a, &err);
    assert_non_null(n);
    assert_int_equal(n->n_children, FIQL_MAX_COMPARISONS / 2);
    arena_free(&a);
    free(q);
    q = repeat("", "(c==1,c==2);", FIQL_MAX_COMPARISONS / 2, "c==3");
    expect_error(q, "more than 128 comparisons", FIQL_MAX_COMPARISONS / 2 * 12 + 1);
    free(q);
}

static void test_value_limit(void **state)
{
    char *q = repeat("a=in=(", "1,", FIQL_MAX_VALUES - 1, "1)");
    struct arena a;
    arena_init(&a);
    const struct fiql_node *n = comparison(&a, q);
    assert_int_equal(n->n_values, FIQL_MAX_VALUES);
    arena_free(&a);
    free(q);

    /* "a=in=(" is 6 bytes and "1," 2: the 257th value starts at offset 518. */
    q = repeat("a=in=(", "1,", FIQL_MAX_VALUES, "1)");
    expect_error(q, "more than 256 values in a list", 6 + FIQL_MAX_VALUES * 2 + 1);
    free(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_operators),
        cmocka_unit_test(test_op_names),
        cmocka_unit_test(test_null_aware_operators),
        cmocka_unit_test(test_unknown_operators),
        cmocka_unit_test(test_precedence_and_flattening),
        cmocka_unit_test(test_parentheses),
        cmocka_unit_test(test_keywords),
        cmocka_unit_test(test_whitespace),
        cmocka_unit_test(test_positions),
        cmocka_unit_test(test_selectors),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_quoted_values),
        cmocka_unit_test(test_escapes),
        cmocka_unit_test(test_lists),
        cmocka_unit_test(test_empty_and_null),
        cmocka_unit_test(test_missing_parts),
        cmocka_unit_test(test_dangling_connectives),
        cmocka_unit_test(test_parenthesis_errors),
        cmocka_unit_test(test_list_errors),
        cmocka_unit_test(test_quote_errors),
        cmocka_unit_test(test_bytes_outside_values),
        cmocka_unit_test(test_length_limit),
        cmocka_unit_test(test_megabyte_input),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_deep_nesting_fails_fast),
        cmocka_unit_test(test_comparison_limit),
        cmocka_unit_test(test_value_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
