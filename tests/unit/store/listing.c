/* Tests src/store/listing.c: sort expressions become ORDER BY clauses made only of
 * whitelisted columns. Each clause produced is also run against a real temporary
 * SQLite database, to prove it is valid SQL that orders as asked. */
/* cmocka.h needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/listing.h"

static const struct sort_field fields[] = {
    {"id", "t.id"},
    {"name", "t.name"},
    {"controllerId", "t.controller_id"},
    {"createdAt", "t.created_at"},
    {NULL, NULL},
};

#define DEFAULT_ORDER "t.id ASC"

struct fixture {
    struct arena arena;
    struct error err;
    sqlite3 *db;
    char path[64];
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    arena_init(&f->arena);
    snprintf(f->path, sizeof(f->path), "/tmp/falconet-listing-XXXXXX");
    int fd = mkstemp(f->path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(sqlite3_open(f->path, &f->db), SQLITE_OK);
    const char *sql = "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, controller_id TEXT,"
                      " created_at INTEGER);"
                      "INSERT INTO t VALUES (1, 'b', 'dev-3', 30), (2, 'a', 'dev-1', 10),"
                      " (3, 'b', 'dev-2', 20), (4, 'c', 'dev-0', 10);";
    assert_int_equal(sqlite3_exec(f->db, sql, NULL, NULL, NULL), SQLITE_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    sqlite3_close(f->db);
    unlink(f->path);
    arena_free(&f->arena);
    free(f);
    return 0;
}

/* Runs "SELECT id FROM t t<order>" and returns the ids as "1,2,3". */
static const char *ids_in_order(struct fixture *f, const char *order)
{
    char *sql = arena_sprintf(&f->arena, "SELECT id FROM t t%s", order);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(f->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        fail_msg("invalid SQL '%s': %s", sql, sqlite3_errmsg(f->db));
    char *out = arena_alloc(&f->arena, 64);
    while (sqlite3_step(st) == SQLITE_ROW) {
        char n[24];
        snprintf(n, sizeof(n), "%s%lld", out[0] ? "," : "", sqlite3_column_int64(st, 0));
        strcat(out, n);
    }
    sqlite3_finalize(st);
    return out;
}

static const char *order_ok(struct fixture *f, const char *sort)
{
    const char *out = NULL;
    int rc = listing_order_by(fields, sort, DEFAULT_ORDER, &f->arena, &out, &f->err);
    if (rc != 0)
        fail_msg("sort '%s' rejected: %s", sort, f->err.message);
    assert_non_null(out);
    return out;
}

static void expect_error(struct fixture *f, const char *sort, const char *code)
{
    const char *out = "untouched";
    memset(&f->err, 0, sizeof(f->err));
    int rc = listing_order_by(fields, sort, DEFAULT_ORDER, &f->arena, &out, &f->err);
    if (rc != -ERR_INVALID)
        fail_msg("sort '%s': expected ERR_INVALID, got %d (%s)", sort, rc,
                 rc == 0 ? out : f->err.message);
    assert_int_equal(f->err.kind, ERR_INVALID);
    assert_non_null(f->err.code);
    assert_string_equal(f->err.code, code);
    assert_true(f->err.message[0] != '\0');
    assert_string_equal(out, "untouched");
}

#define SYNTAX "rest.param.sortParamSyntax"
#define FIELD "rest.param.invalidField"
#define DIRECTION "rest.param.invalidDirection"

static void test_no_sort_uses_default(void **state)
{
    struct fixture *f = *state;
    const char *out = NULL;
    assert_int_equal(listing_order_by(fields, NULL, DEFAULT_ORDER, &f->arena, &out, &f->err), 0);
    assert_string_equal(out, " ORDER BY t.id ASC");
    assert_int_equal(listing_order_by(fields, "", DEFAULT_ORDER, &f->arena, &out, &f->err), 0);
    assert_string_equal(out, " ORDER BY t.id ASC");
    assert_string_equal(ids_in_order(f, out), "1,2,3,4");
}

static void test_single_term(void **state)
{
    struct fixture *f = *state;
    assert_string_equal(order_ok(f, "id:DESC"), " ORDER BY t.id DESC");
    assert_string_equal(ids_in_order(f, order_ok(f, "id:DESC")), "4,3,2,1");
    assert_string_equal(order_ok(f, "controllerId:ASC"), " ORDER BY t.controller_id ASC");
    assert_string_equal(ids_in_order(f, order_ok(f, "controllerId:ASC")), "4,2,3,1");
}

static void test_case_insensitive_names_and_directions(void **state)
{
    struct fixture *f = *state;
    assert_string_equal(order_ok(f, "NAME:asc"), " ORDER BY t.name ASC");
    assert_string_equal(order_ok(f, "controllerid:Desc"), " ORDER BY t.controller_id DESC");
    assert_string_equal(order_ok(f, "CreatedAt:dEsC"), " ORDER BY t.created_at DESC");
}

static void test_multiple_terms(void **state)
{
    struct fixture *f = *state;
    const char *o = order_ok(f, "name:DESC,id:ASC");
    assert_string_equal(o, " ORDER BY t.name DESC, t.id ASC");
    assert_string_equal(ids_in_order(f, o), "4,1,3,2");
    o = order_ok(f, "createdAt:ASC,controllerId:DESC,id:DESC");
    assert_string_equal(ids_in_order(f, o), "2,4,3,1");
}

static void test_unknown_field(void **state)
{
    struct fixture *f = *state;
    expect_error(f, "nope:ASC", FIELD);
    expect_error(f, "id:ASC,nope:DESC", FIELD);
    expect_error(f, "i:ASC", FIELD);    /* a prefix of a field */
    expect_error(f, "idx:ASC", FIELD);  /* a field is a prefix of it */
    expect_error(f, "t.id:ASC", FIELD); /* the column, not the API name */
    expect_error(f, " id:ASC", FIELD);
    expect_error(f, "id :ASC", FIELD);
    assert_non_null(strstr(f->err.message, "id "));
}

static void test_unknown_field_message_is_bounded(void **state)
{
    struct fixture *f = *state;
    char sort[400];
    memset(sort, 'x', 300);
    strcpy(sort + 300, ":ASC");
    expect_error(f, sort, FIELD);
    assert_true(strlen(f->err.message) < 120);
}

static void test_bad_direction(void **state)
{
    struct fixture *f = *state;
    expect_error(f, "id:UP", DIRECTION);
    expect_error(f, "id:", DIRECTION);
    expect_error(f, "id:AS", DIRECTION);
    expect_error(f, "id:ASCENDING", DIRECTION);
    expect_error(f, "id:DESCX", DIRECTION);
    expect_error(f, "id: ASC", DIRECTION);
    expect_error(f, "id:ASC ", DIRECTION);
    expect_error(f, "id:ASC:DESC", DIRECTION);
    expect_error(f, "id:ASC,name:sideways", DIRECTION);
}

static void test_syntax_errors(void **state)
{
    struct fixture *f = *state;
    expect_error(f, "id", SYNTAX);   /* no direction */
    expect_error(f, ":ASC", SYNTAX); /* no field */
    expect_error(f, ":", SYNTAX);
    expect_error(f, ",", SYNTAX);
    expect_error(f, "id:ASC,", SYNTAX);          /* trailing comma */
    expect_error(f, ",id:ASC", SYNTAX);          /* leading comma */
    expect_error(f, "id:ASC,,name:ASC", SYNTAX); /* empty term */
    expect_error(f, "id:ASC,name", SYNTAX);
    expect_error(f, "id:ASC,:DESC", SYNTAX);
}

static void test_injection_attempts_are_rejected(void **state)
{
    struct fixture *f = *state;
    expect_error(f, "name;DROP TABLE t:ASC", FIELD);
    expect_error(f, "name:ASC;DROP TABLE t", DIRECTION);
    expect_error(f, "name:ASC; DROP TABLE t--", DIRECTION);
    expect_error(f, "(SELECT 1):ASC", FIELD);
    expect_error(f, "name:ASC NULLS FIRST", DIRECTION);
    expect_error(f, "name/**/:ASC", FIELD);
    expect_error(f, "name:DESC,1:ASC", FIELD); /* ORDER BY 1 would mean a column number */
    expect_error(f, "name' OR '1'='1:ASC", FIELD);
    expect_error(f, "name\n:ASC", FIELD);
    expect_error(f, "name:\nASC", DIRECTION);
    /* The table survived all of it. */
    assert_string_equal(ids_in_order(f, " ORDER BY t.id"), "1,2,3,4");
}

static void test_embedded_nul_ends_the_expression(void **state)
{
    struct fixture *f = *state;
    /* A C string ends at NUL: what follows it is never seen. */
    assert_string_equal(order_ok(f, "id:ASC\0;DROP TABLE t"), " ORDER BY t.id ASC");
}

/* "id:ASC,name:DESC,..." with n terms. */
static const char *terms(struct fixture *f, int n)
{
    char *sort = arena_alloc(&f->arena, (size_t)n * 16 + 1);
    for (int i = 0; i < n; i++)
        strcat(sort, i % 2 ? "name:DESC," : "id:ASC,");
    sort[strlen(sort) - 1] = '\0';
    return sort;
}

static void test_many_terms(void **state)
{
    struct fixture *f = *state;
    /* Up to the limit: accepted, and the result is valid SQL. */
    const char *o = order_ok(f, terms(f, LISTING_MAX_SORT_TERMS));
    assert_non_null(strstr(o, "t.id ASC, t.name DESC, t.id ASC"));
    assert_string_equal(ids_in_order(f, o), "1,2,3,4");
    /* Beyond it: a client error. SQLite itself refuses more than 2000 ORDER BY terms,
     * which used to come back as a 500 "database error". */
    expect_error(f, terms(f, LISTING_MAX_SORT_TERMS + 1), SYNTAX);
    expect_error(f, terms(f, 2100), SYNTAX);
}

static void test_short_names_with_long_columns_stay_in_bounds(void **state)
{
    /* A one-letter name mapped to a long column expression: the output grows much
     * faster than the input, so the size bound must stop it, not overflow. */
    static char long_column[300];
    memset(long_column, 'c', sizeof(long_column) - 1);
    const struct sort_field wide[] = {{"a", long_column}, {NULL, NULL}};
    struct fixture *f = *state;
    char sort[4096] = "";
    for (int i = 0; i < 500; i++)
        strcat(sort, "a:ASC,");
    sort[strlen(sort) - 1] = '\0';
    const char *out = NULL;
    int rc = listing_order_by(wide, sort, DEFAULT_ORDER, &f->arena, &out, &f->err);
    assert_int_equal(rc, -ERR_INVALID);
    assert_string_equal(f->err.code, SYNTAX);
    /* The room for the clause is reckoned from the length of the input, not of the
     * columns, so with such a column even two terms are refused (safely). The real
     * whitelists map names to columns of similar length, where this never shows. */
    rc = listing_order_by(wide, "a:ASC,a:DESC", DEFAULT_ORDER, &f->arena, &out, &f->err);
    assert_true(rc == 0 || rc == -ERR_INVALID);
    assert_int_equal(listing_order_by(wide, "a:DESC", DEFAULT_ORDER, &f->arena, &out, &f->err), 0);
    assert_int_equal(strlen(out), strlen(" ORDER BY ") + strlen(long_column) + strlen(" DESC"));
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_no_sort_uses_default),
        T(test_single_term),
        T(test_case_insensitive_names_and_directions),
        T(test_multiple_terms),
        T(test_unknown_field),
        T(test_unknown_field_message_is_bounded),
        T(test_bad_direction),
        T(test_syntax_errors),
        T(test_injection_attempts_are_rejected),
        T(test_embedded_nul_ends_the_expression),
        T(test_many_terms),
        T(test_short_names_with_long_columns_stay_in_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
