/* Tests the pure text helpers of src/store/db_pg.c: SQLite placeholders rewritten to
 * PostgreSQL's $n (quotes and comments left alone) and passwords masked out of
 * database addresses. No PostgreSQL server is needed. */
/* cmocka.h needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "store/db_pg.h"

static void check_rewrite(const char *sql, const char *want, int want_n)
{
    int n = -1;
    char *got = db_pg_rewrite(sql, &n);
    assert_non_null(got);
    assert_string_equal(got, want);
    assert_int_equal(n, want_n);
    free(got);
}

static void test_plain_marks_are_numbered_in_order(void **state)
{
    check_rewrite("SELECT a FROM t WHERE b = ? AND c = ?",
                  "SELECT a FROM t WHERE b = $1 AND c = $2", 2);
    check_rewrite("INSERT INTO t VALUES (?, ?, ?)", "INSERT INTO t VALUES ($1, $2, $3)", 3);
}

static void test_no_marks(void **state)
{
    check_rewrite("SELECT COUNT(*) FROM users", "SELECT COUNT(*) FROM users", 0);
    check_rewrite("", "", 0);
}

static void test_numbered_marks(void **state)
{
    check_rewrite("VALUES (?1, ?2, ?3, ?2, ?3)", "VALUES ($1, $2, $3, $2, $3)", 3);
    check_rewrite("WHERE a = ?12 OR b = ?3", "WHERE a = $12 OR b = $3", 12);
    check_rewrite("?007", "$7", 7);
}

static void test_plain_after_numbered_continues_from_the_largest(void **state)
{
    /* SQLite: a bare ? is one more than the largest number assigned so far. */
    check_rewrite("?2 AND ? AND ?1 AND ?", "$2 AND $3 AND $1 AND $4", 4);
    check_rewrite("? ?5 ?", "$1 $5 $6", 6);
}

static void test_marks_in_literals_stay(void **state)
{
    check_rewrite("SELECT '?', ? FROM t WHERE x = 'a?b' AND y = ?",
                  "SELECT '?', $1 FROM t WHERE x = 'a?b' AND y = $2", 2);
    /* '' is a quote inside a literal, not its end */
    check_rewrite("WHERE x = 'it''s ?' AND y = ?", "WHERE x = 'it''s ?' AND y = $1", 1);
    check_rewrite("WHERE x = '''?''' AND y = ?", "WHERE x = '''?''' AND y = $1", 1);
    check_rewrite("'[\"Update Server: ?\"]', ?2", "'[\"Update Server: ?\"]', $2", 2);
    /* LIKE with an escape clause, as filter.c writes it */
    check_rewrite("LOWER(c) LIKE LOWER(?) ESCAPE '\\'", "LOWER(c) LIKE LOWER($1) ESCAPE '\\'", 1);
}

static void test_marks_in_identifiers_and_comments_stay(void **state)
{
    check_rewrite("SELECT \"a?\" FROM t WHERE b = ?", "SELECT \"a?\" FROM t WHERE b = $1", 1);
    check_rewrite("SELECT 1 -- why?\nWHERE a = ?", "SELECT 1 -- why?\nWHERE a = $1", 1);
    check_rewrite("SELECT /* ? ?2 */ ?", "SELECT /* ? ?2 */ $1", 1);
}

static void test_unterminated_literal_is_copied(void **state)
{
    check_rewrite("WHERE a = ? AND b = 'x?", "WHERE a = $1 AND b = 'x?", 1);
    check_rewrite("SELECT ? /* open", "SELECT $1 /* open", 1);
}

static void test_out_of_range_numbers_fail(void **state)
{
    int n;
    assert_null(db_pg_rewrite("WHERE a = ?0", &n));
    assert_null(db_pg_rewrite("WHERE a = ?40000", &n));
    assert_null(db_pg_rewrite("WHERE a = ?99999999999999999999", &n));
}

static void check_mask(const char *target, const char *want)
{
    char *got = db_pg_mask(target);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void test_mask_url_password(void **state)
{
    check_mask("postgres://user:secret@127.0.0.1:5432/falconet",
               "postgres://user:***@127.0.0.1:5432/falconet");
    check_mask("postgresql://u:p%40ss@db/x?sslmode=require",
               "postgresql://u:***@db/x?sslmode=require");
    /* an @ in the password itself (unencoded): everything up to the last @ goes */
    check_mask("postgres://u:a@b@host/db", "postgres://u:***@host/db");
}

static void test_mask_leaves_urls_without_password(void **state)
{
    check_mask("postgres://user@host/db", "postgres://user@host/db");
    check_mask("postgres://host:5432/db", "postgres://host:5432/db");
    check_mask("postgresql:///db?host=/run/postgresql", "postgresql:///db?host=/run/postgresql");
}

static void test_mask_password_parameters(void **state)
{
    check_mask("postgres://u@h/db?password=secret&sslmode=disable",
               "postgres://u@h/db?password=***&sslmode=disable");
    check_mask("host=h user=u password=secret dbname=x", "host=h user=u password=*** dbname=x");
    check_mask("host=h password = 'se cr\\'et' dbname=x", "host=h password = *** dbname=x");
    /* a key that merely ends in "password" is not the password */
    check_mask("postgres://u@h/db?mypassword=v", "postgres://u@h/db?mypassword=v");
}

int main(void)
{
#define T(f) cmocka_unit_test(f)
    const struct CMUnitTest tests[] = {
        T(test_plain_marks_are_numbered_in_order),
        T(test_no_marks),
        T(test_numbered_marks),
        T(test_plain_after_numbered_continues_from_the_largest),
        T(test_marks_in_literals_stay),
        T(test_marks_in_identifiers_and_comments_stay),
        T(test_unterminated_literal_is_copied),
        T(test_out_of_range_numbers_fail),
        T(test_mask_url_password),
        T(test_mask_leaves_urls_without_password),
        T(test_mask_password_parameters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
