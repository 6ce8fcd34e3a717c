/* Tests for store/filter.c: q= filters compiled to SQL and run against a real
 * SQLite store (targets with attributes and assigned sets). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "../store_fixture.h"
#include "store/controller_store.h"
#include "store/filter.h"

/* Targets: alpha (status pending, hw=B2, assigned ds "fw"), beta (no attributes),
 * gamma (hw=c3, name "Gamma Ray"). */
static int setup(void **state)
{
    if (fixture_setup(state) < 0)
        return -1;
    struct fixture *f = *state;
    int64_t alpha = fx_target(f, "alpha");
    fx_target(f, "beta");
    int64_t gamma = fx_target(f, "gamma");
    struct error e;
    struct attribute hw_b2 = {"hw", "B2"}, hw_c3 = {"hw", "c3"}, serial = {"serial", "SN_1%"};
    int64_t total;
    assert_int_equal(
        store_controller_attributes(f->s, alpha, ATTRIBUTES_MERGE, &hw_b2, 1, &total, &e), 0);
    assert_int_equal(
        store_controller_attributes(f->s, alpha, ATTRIBUTES_MERGE, &serial, 1, &total, &e), 0);
    assert_int_equal(
        store_controller_attributes(f->s, gamma, ATTRIBUTES_MERGE, &hw_c3, 1, &total, &e), 0);
    fx_exec(f, "UPDATE targets SET name = 'Gamma Ray' WHERE controller_id = 'gamma'");
    fx_exec(f, "INSERT INTO target_last_seen (target_id, last_request_at)"
               " SELECT id, 5000 FROM targets WHERE controller_id = 'gamma'");
    fx_assign(f, "alpha", fx_ds(f, "fw"));
    return 0;
}

/* The controllerIds matching q, comma-joined in id order, or "ERR:<code>". */
static const char *matching(struct fixture *f, const char *q)
{
    struct list_query lq = {.offset = 0, .limit = 50, .sort = "controllerId:ASC", .q = q};
    struct target *items;
    size_t n;
    int64_t total;
    struct error e = {0};
    if (store_target_list(f->s, &lq, &f->a, &items, &n, &total, &e) < 0)
        return arena_sprintf(&f->a, "ERR:%s", e.code ? e.code : "?");
    assert_int_equal((int64_t)n, total);
    char *out = arena_strdup(&f->a, "");
    for (size_t i = 0; i < n; i++)
        out = arena_sprintf(&f->a, "%s%s%s", out, i ? "," : "", items[i].controller_id);
    return out;
}

#define MATCH(q, expected) assert_string_equal(matching(*state, q), expected)

static void test_equality_is_case_insensitive(void **state)
{
    MATCH("controllerId==ALPHA", "alpha");
    MATCH("CONTROLLERID==alpha", "alpha");
    MATCH("id==beta", "beta"); /* hawkBit: id is the controllerId */
    MATCH("name=='gamma ray'", "gamma");
    MATCH("updatestatus==PENDING", "alpha");
}

static void test_wildcards(void **state)
{
    MATCH("controllerId==*a", "alpha,beta,gamma");
    MATCH("controllerId==*mm*", "gamma");
    MATCH("controllerId!=*mm*", "alpha,beta");
    MATCH("attribute.serial==SN_1%", "alpha"); /* % and _ are literal */
    MATCH("attribute.serial==SN*", "alpha");
    MATCH("attribute.serial==SNX1*", "");
}

static void test_lists_and_negation(void **state)
{
    MATCH("controllerId=in=(alpha,GAMMA)", "alpha,gamma");
    MATCH("controllerId=out=(alpha,gamma)", "beta");
    MATCH("description!=x", "alpha,beta,gamma");  /* != also matches NULL */
    MATCH("description==''", "alpha,beta,gamma"); /* '' means null or empty */
    MATCH("description!=''", "");
    MATCH("description=is=null", "alpha,beta,gamma"); /* hawkBit's null-aware extras */
    MATCH("description=not=NULL", "");
    MATCH("lastcontrollerrequestat=not=null", "gamma");
    MATCH("attribute.hw=is=null", "beta");
    MATCH("attribute.hw=ne=null", "alpha,gamma");
    MATCH("controllerId=eq=alpha", "alpha");
    MATCH("controllerId=ne=alpha", "beta,gamma");
}

static void test_attributes(void **state)
{
    MATCH("attribute.hw==b2", "alpha");
    MATCH("attribute.HW==C3", "gamma");
    MATCH("attribute.hw!=b2", "beta,gamma"); /* no such attribute counts as "not b2" */
    MATCH("attribute.hw=in=(b2,c3)", "alpha,gamma");
    MATCH("attribute.hw=out=(b2)", "beta,gamma");
    MATCH("attribute.hw=gt=b", "alpha,gamma");
}

static void test_numbers_and_joins(void **state)
{
    MATCH("lastcontrollerrequestat=ge=5000", "gamma");
    MATCH("lastcontrollerrequestat=lt=5000", "");
    MATCH("lastcontrollerrequestat!=1", "alpha,beta,gamma");
    MATCH("lastcontrollerrequestat=lt=${NOW_TS}", "gamma"); /* hawkBit's time macros */
    MATCH("lastcontrollerrequestat=le=${overdue_ts}", "ERR:rest.param.rsqlParamSyntax");
    MATCH("assignedds.name==fw", "alpha");
    MATCH("assignedds.name==fw;controllerId==beta", "");
    MATCH("assignedds.name==fw,controllerId==beta", "alpha,beta");
    MATCH("(controllerId==alpha,controllerId==beta);attribute.hw==b2", "alpha");
    MATCH("controllerId==alpha or controllerId==gamma and name==*ray", "alpha,gamma");
}

static void test_errors(void **state)
{
    MATCH("nosuchfield==1", "ERR:rest.param.rsqlInvalidField");
    MATCH("attribute==x", "ERR:rest.param.rsqlInvalidField"); /* a key is required */
    MATCH("controllerId=", "ERR:rest.param.rsqlParamSyntax");
    MATCH("lastcontrollerrequestat==soon", "ERR:rest.param.rsqlParamSyntax");
    MATCH("controllerId=gt=*a", "ERR:rest.param.rsqlParamSyntax");
}

static void test_injection_stays_a_value(void **state)
{
    MATCH("name==\"x' OR '1'='1\"", "");
    MATCH("name==\"gamma ray'); DROP TABLE targets; --\"", "");
    MATCH("controllerId==*", "alpha,beta,gamma"); /* the table is still there */
}

static void test_compiled_sql_has_only_placeholders(void **state)
{
    struct fixture *f = *state;
    static const struct filter_field fields[] = {{"name", FILTER_TEXT, "t.name", NULL},
                                                 {NULL, 0, NULL, NULL}};
    struct filter_sql out;
    struct error e;
    assert_int_equal(filter_compile("name==secret123,name=in=(x,y)", fields, 0, &f->a, &out, &e),
                     0);
    assert_null(strstr(out.sql, "secret123"));
    assert_int_equal(out.n_params, 3);
    assert_string_equal(out.params[0].s, "secret123");
    assert_string_equal(out.params[2].s, "y");
}

/* The total of a page (listing_page): derived from a short last page, counted otherwise,
 * and never below what the page itself shows. */
static int64_t page_total(struct fixture *f, int64_t offset, int64_t limit, const char *q,
                          size_t *n)
{
    struct list_query lq = {.offset = offset, .limit = limit, .q = q};
    struct target *items;
    int64_t total = -1;
    struct error e;
    assert_int_equal(store_target_list(f->s, &lq, &f->a, &items, n, &total, &e), 0);
    return total;
}

static void test_page_totals(void **state)
{
    struct fixture *f = *state;
    size_t n;
    assert_int_equal(page_total(f, 0, 50, NULL, &n), 3); /* one short page */
    assert_int_equal(n, 3);
    assert_int_equal(page_total(f, 1, 50, NULL, &n), 3); /* the short last page */
    assert_int_equal(n, 2);
    assert_int_equal(page_total(f, 0, 2, NULL, &n), 3); /* a full page: counted */
    assert_int_equal(n, 2);
    assert_int_equal(page_total(f, 0, 3, NULL, &n), 3);  /* full, and exactly all */
    assert_int_equal(page_total(f, 10, 5, NULL, &n), 3); /* past the end: counted */
    assert_int_equal(n, 0);
    assert_int_equal(page_total(f, 0, 50, "controllerId==nobody", &n), 0);
    assert_int_equal(page_total(f, 1, 1, "controllerId==a*,controllerId==b*", &n), 2);
    assert_int_equal(n, 1);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, fixture_teardown)
    const struct CMUnitTest tests[] = {
        T(test_equality_is_case_insensitive),
        T(test_page_totals),
        T(test_wildcards),
        T(test_lists_and_negation),
        T(test_attributes),
        T(test_numbers_and_joins),
        T(test_errors),
        T(test_injection_stays_a_value),
        T(test_compiled_sql_has_only_placeholders),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
