/* FIQL / RSQL query expressions (hawkBit's `q=` parameter), parsed into a tree.
 *
 * Grammar (RSQL, as hawkBit's parser accepts it):
 *   or         = and { ( "," | " or " ) and }
 *   and        = constraint { ( ";" | " and " ) constraint }
 *   constraint = "(" or ")" | comparison
 *   comparison = selector comparator argument
 *   comparator = "==" | "!=" | "=lt=" | "=le=" | "=gt=" | "=ge=" | "=in=" | "=out="
 *                | "=is=" | "=eq=" | "=not=" | "=ne="
 *                (also "<", "<=", ">", ">="; operator words are case-insensitive)
 *   argument   = value | "(" value { "," value } ")"      lists only for =in= / =out=
 *   value      = unquoted | '"' ... '"' | "'" ... "'"     quotes allow any character;
 *                                                        backslash escapes the next one
 *   selector   = one or more characters other than  = ! < > ~ ; , ( ) ' " and blanks
 * Blanks around operators, values and parentheses are allowed.
 *
 * The parser knows no selector names and gives `*` no meaning: both are the
 * store's business when it compiles a tree (store/filter.c). Pure: no I/O. */
#ifndef FALCONET_UTIL_FIQL_H
#define FALCONET_UTIL_FIQL_H

#include "util/arena.h"
#include "util/error.h"

#include <stddef.h>

/* Limits that keep hostile input cheap; beyond them the query is invalid. */
#define FIQL_MAX_LENGTH 8192     /* bytes of the whole expression */
#define FIQL_MAX_DEPTH 32        /* nested parentheses */
#define FIQL_MAX_COMPARISONS 128 /* comparisons in one expression */
#define FIQL_MAX_VALUES 256      /* values in one =in= / =out= list */

/* FIQL_IS ("=is=", "=eq=") and FIQL_NOT ("=not=", "=ne=") are hawkBit's null-aware
 * extras: with the value null they test for SQL NULL, otherwise they are == / !=. */
enum fiql_op {
    FIQL_EQ,
    FIQL_NE,
    FIQL_LT,
    FIQL_LE,
    FIQL_GT,
    FIQL_GE,
    FIQL_IN,
    FIQL_OUT,
    FIQL_IS,
    FIQL_NOT,
};

enum fiql_kind { FIQL_AND, FIQL_OR, FIQL_COMPARISON };

struct fiql_node {
    enum fiql_kind kind;
    /* FIQL_AND / FIQL_OR: two or more children (a group of one is its child). */
    struct fiql_node **children;
    size_t n_children;
    /* FIQL_COMPARISON */
    const char *selector; /* as written */
    enum fiql_op op;
    /* Quotes removed, escapes resolved, except that "\*" stays as written so that the
     * store can tell hawkBit's literal star from the wildcard `*`. Exactly 1 unless
     * IN/OUT, which have 1..FIQL_MAX_VALUES. */
    const char **values;
    size_t n_values;
    size_t position; /* 0-based offset of the selector in the expression */
};

/** Parses q into a tree allocated from a. NULL on error, with err = ERR_INVALID,
 * code "rest.param.rsqlParamSyntax" and a message naming the 1-based position
 * ("... at position 12"). */
struct fiql_node *fiql_parse(const char *q, struct arena *a, struct error *err);

/** The operator as hawkBit writes it ("==", "=in=", ...), for messages. */
const char *fiql_op_name(enum fiql_op op);

#endif
