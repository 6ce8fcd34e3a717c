/* Tests src/store/sm_store.c, sm_type_store.c and artifact_store.c against a real
 * SQLite file in /tmp (migrated and seeded like a fresh server). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/db.h"
#include "store/sm_store.h"

struct fixture {
    char path[64];
    struct store *s;
    struct arena a;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    snprintf(f->path, sizeof(f->path), "/tmp/falconet-sm-store-XXXXXX");
    int fd = mkstemp(f->path);
    if (fd < 0)
        return -1;
    close(fd);
    struct error e;
    f->s = store_open(f->path, true, &e);
    if (!f->s)
        return -1;
    arena_init(&f->a);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    char p[80];
    store_close(f->s);
    arena_free(&f->a);
    unlink(f->path);
    snprintf(p, sizeof(p), "%s-wal", f->path);
    unlink(p);
    snprintf(p, sizeof(p), "%s-shm", f->path);
    unlink(p);
    free(f);
    return 0;
}

static struct software_module new_sm(struct fixture *f, const char *type, const char *name,
                                     const char *version)
{
    struct software_module m = {.type_key = type, .name = name, .version = version};
    struct error e;
    assert_int_equal(store_sm_create(f->s, &m, "tester", &e), 0);
    assert_true(m.id > 0);
    return m;
}

static struct artifact new_artifact(struct fixture *f, int64_t sm_id, const char *filename,
                                    const char *key)
{
    struct artifact art = {.sm_id = sm_id,
                           .filename = filename,
                           .size = 3,
                           .md5 = "m",
                           .sha1 = "s1",
                           .sha256 = "s256",
                           .blob_key = key};
    struct error e;
    assert_int_equal(store_artifact_create(f->s, &art, "tester", &e), 0);
    assert_true(art.id > 0);
    return art;
}

/* Puts module sm_id into a new distribution set (what makes deletes soft). */
static void put_in_ds(struct fixture *f, int64_t sm_id)
{
    struct error e;
    char sql[512];
    snprintf(sql, sizeof(sql),
             "INSERT INTO distribution_sets (type_id, name, version, created_at, created_by,"
             " last_modified_at, last_modified_by) SELECT id, 'ds-%lld', '1', 0, 't', 0, 't'"
             " FROM ds_types WHERE type_key = 'os';"
             "INSERT INTO ds_modules (ds_id, sm_id) VALUES (last_insert_rowid(), %lld);",
             (long long)sm_id, (long long)sm_id);
    assert_int_equal(db_exec(f->s->db, sql, &e), 0);
}

static void test_default_types_seeded(void **state)
{
    struct fixture *f = *state;
    struct sm_type t;
    struct error e;
    assert_int_equal(store_sm_type_get_by_key(f->s, "os", &f->a, &t, &e), 0);
    assert_string_equal(t.name, "OS");
    assert_int_equal(t.max_assignments, 1);
    assert_int_equal(store_sm_type_get_by_key(f->s, "application", &f->a, &t, &e), 0);
    assert_int_equal(t.max_assignments, 2147483647);
    assert_int_equal(store_sm_type_get_by_key(f->s, "runtime", &f->a, &t, &e), -ERR_NOT_FOUND);
}

static void test_type_crud_and_duplicates(void **state)
{
    struct fixture *f = *state;
    struct error e;
    struct sm_type t = {.key = "fw", .name = "Firmware", .max_assignments = 3};
    assert_int_equal(store_sm_type_create(f->s, &t, "tester", &e), 0);
    struct sm_type dup_key = {.key = "fw", .name = "Other", .max_assignments = 1};
    assert_int_equal(store_sm_type_create(f->s, &dup_key, "tester", &e), -ERR_EXISTS);
    assert_int_equal(e.kind, ERR_EXISTS);
    struct sm_type dup_name = {.key = "fw2", .name = "Firmware", .max_assignments = 1};
    assert_int_equal(store_sm_type_create(f->s, &dup_name, "tester", &e), -ERR_EXISTS);

    t.description = "d";
    t.colour = "#123456";
    assert_int_equal(store_sm_type_update(f->s, &t, "editor", &e), 0);
    struct sm_type got;
    assert_int_equal(store_sm_type_get(f->s, t.id, &f->a, &got, &e), 0);
    assert_string_equal(got.colour, "#123456");
    assert_string_equal(got.audit.last_modified_by, "editor");
    assert_string_equal(got.audit.created_by, "tester");
    assert_int_equal(got.max_assignments, 3);

    struct list_query q = {.offset = 0, .limit = 10, .sort = "key:DESC"};
    struct sm_type *items;
    size_t count;
    int64_t total;
    assert_int_equal(store_sm_type_list(f->s, &q, &f->a, &items, &count, &total, &e), 0);
    assert_int_equal(total, 3);
    assert_string_equal(items[0].key, "os");
    q.sort = "nosuch:ASC";
    assert_int_equal(store_sm_type_list(f->s, &q, &f->a, &items, &count, &total, &e), -ERR_INVALID);
}

static void test_type_delete_hard_and_soft(void **state)
{
    struct fixture *f = *state;
    struct error e;
    struct sm_type unused = {.key = "unused", .name = "Unused", .max_assignments = 1};
    struct sm_type used = {.key = "used", .name = "Used", .max_assignments = 1};
    assert_int_equal(store_sm_type_create(f->s, &unused, "t", &e), 0);
    assert_int_equal(store_sm_type_create(f->s, &used, "t", &e), 0);
    new_sm(f, "used", "m", "1");

    assert_int_equal(store_sm_type_delete(f->s, unused.id, "t", &e), 0);
    struct sm_type got;
    assert_int_equal(store_sm_type_get(f->s, unused.id, &f->a, &got, &e), -ERR_NOT_FOUND);

    assert_int_equal(store_sm_type_delete(f->s, used.id, "t", &e), 0);
    assert_int_equal(store_sm_type_get(f->s, used.id, &f->a, &got, &e), 0);
    assert_true(got.deleted);
    assert_int_equal(store_sm_type_get_by_key(f->s, "used", &f->a, &got, &e), -ERR_NOT_FOUND);
    assert_int_equal(store_sm_type_delete(f->s, used.id, "t", &e), 0); /* no-op */
    /* a deleted type takes no new modules, and its key is free again */
    struct software_module m = {.type_key = "used", .name = "m2", .version = "1"};
    assert_int_equal(store_sm_create(f->s, &m, "t", &e), -ERR_INVALID);
    struct sm_type again = {.key = "used", .name = "Used", .max_assignments = 1};
    assert_int_equal(store_sm_type_create(f->s, &again, "t", &e), 0);
    assert_int_equal(store_sm_type_delete(f->s, 987654, "t", &e), -ERR_NOT_FOUND);
}

static void test_module_create_and_duplicates(void **state)
{
    struct fixture *f = *state;
    struct error e;
    struct software_module m = new_sm(f, "os", "HOS2 OS", "2025.11.0");
    struct software_module dup = {.type_key = "os", .name = "HOS2 OS", .version = "2025.11.0"};
    assert_int_equal(store_sm_create(f->s, &dup, "t", &e), -ERR_EXISTS);
    assert_int_equal(e.kind, ERR_EXISTS);
    new_sm(f, "application", "HOS2 OS", "2025.11.0"); /* another type: another module */
    new_sm(f, "os", "HOS2 OS", "2025.12.0");
    struct software_module bad = {.type_key = "nope", .name = "x", .version = "1"};
    assert_int_equal(store_sm_create(f->s, &bad, "t", &e), -ERR_INVALID);

    struct software_module got;
    assert_int_equal(store_sm_get(f->s, m.id, &f->a, &got, &e), 0);
    assert_string_equal(got.type_key, "os");
    assert_string_equal(got.type_name, "OS");
    assert_null(got.vendor);
    got.vendor = "V";
    got.description = "D";
    assert_int_equal(store_sm_update(f->s, &got, "editor", &e), 0);
    assert_int_equal(store_sm_get(f->s, m.id, &f->a, &got, &e), 0);
    assert_string_equal(got.vendor, "V");
    assert_int_equal(store_sm_get(f->s, 987654, &f->a, &got, &e), -ERR_NOT_FOUND);

    struct list_query q = {.offset = 1, .limit = 1};
    struct software_module *items;
    size_t count;
    int64_t total;
    assert_int_equal(store_sm_list(f->s, &q, &f->a, &items, &count, &total, &e), 0);
    assert_int_equal(total, 3);
    assert_int_equal(count, 1);
    assert_int_equal(items[0].id, m.id + 1);
}

static void test_artifacts(void **state)
{
    struct fixture *f = *state;
    struct error e;
    struct software_module m = new_sm(f, "os", "a", "1");
    struct software_module other = new_sm(f, "os", "b", "1");
    struct artifact a1 = new_artifact(f, m.id, "one.bin", "k1");
    new_artifact(f, m.id, "two.bin", "k2");
    struct artifact dup = {.sm_id = m.id,
                           .filename = "one.bin",
                           .size = 1,
                           .md5 = "x",
                           .sha1 = "x",
                           .sha256 = "x",
                           .blob_key = "k3"};
    assert_int_equal(store_artifact_create(f->s, &dup, "t", &e), -ERR_EXISTS);
    new_artifact(f, other.id, "one.bin", "k4"); /* same name, other module */
    struct artifact orphan = {.sm_id = 987654,
                              .filename = "x",
                              .size = 1,
                              .md5 = "x",
                              .sha1 = "x",
                              .sha256 = "x",
                              .blob_key = "k5"};
    assert_int_equal(store_artifact_create(f->s, &orphan, "t", &e), -ERR_NOT_FOUND);

    struct artifact got;
    assert_int_equal(store_artifact_get(f->s, m.id, a1.id, &f->a, &got, &e), 0);
    assert_string_equal(got.filename, "one.bin");
    assert_string_equal(got.blob_key, "k1");
    assert_int_equal(store_artifact_get(f->s, other.id, a1.id, &f->a, &got, &e), -ERR_NOT_FOUND);
    assert_int_equal(store_artifact_find(f->s, m.id, "two.bin", &f->a, &got, &e), 0);
    assert_int_equal(store_artifact_find(f->s, m.id, "three.bin", &f->a, &got, &e), -ERR_NOT_FOUND);
    struct artifact *items;
    size_t count;
    assert_int_equal(store_artifact_list(f->s, m.id, &f->a, &items, &count, &e), 0);
    assert_int_equal(count, 2);
    assert_int_equal(items[0].id, a1.id);

    /* unreferenced module: hard delete, the name is free again */
    const char *key;
    assert_int_equal(store_artifact_delete(f->s, m.id, a1.id, "t", &f->a, &key, &e), 0);
    assert_string_equal(key, "k1");
    assert_int_equal(store_artifact_get(f->s, m.id, a1.id, &f->a, &got, &e), -ERR_NOT_FOUND);
    assert_int_equal(store_artifact_delete(f->s, m.id, a1.id, "t", &f->a, &key, &e),
                     -ERR_NOT_FOUND);
    new_artifact(f, m.id, "one.bin", "k6");
}

static int64_t count_rows(struct fixture *f, const char *sql)
{
    struct error e;
    struct db_stmt *st = db_prepare_temp(f->s->db, sql, &e);
    assert_non_null(st);
    assert_int_equal(db_step(st, &e), DB_ROW);
    int64_t n = db_col_int(st, 0);
    db_done(st);
    return n;
}

static void test_module_delete_hard(void **state)
{
    struct fixture *f = *state;
    struct error e;
    struct software_module m = new_sm(f, "os", "gone", "1");
    new_artifact(f, m.id, "a.bin", "ka");
    new_artifact(f, m.id, "b.bin", "kb");
    const char **keys;
    size_t nkeys;
    assert_int_equal(store_sm_delete(f->s, m.id, "t", &f->a, &keys, &nkeys, &e), 0);
    assert_int_equal(nkeys, 2);
    assert_string_equal(keys[0], "ka");
    struct software_module got;
    assert_int_equal(store_sm_get(f->s, m.id, &f->a, &got, &e), -ERR_NOT_FOUND);
    assert_int_equal(count_rows(f, "SELECT COUNT(*) FROM artifacts"), 0);
    assert_int_equal(store_sm_delete(f->s, m.id, "t", &f->a, &keys, &nkeys, &e), -ERR_NOT_FOUND);
}

static void test_module_delete_soft_when_in_a_set(void **state)
{
    struct fixture *f = *state;
    struct error e;
    struct software_module m = new_sm(f, "os", "kept", "1");
    struct artifact art = new_artifact(f, m.id, "fw.bin", "kfw");
    put_in_ds(f, m.id);

    /* an artifact of a referenced module is soft-deleted too */
    struct artifact extra = new_artifact(f, m.id, "extra.bin", "kx");
    const char *key;
    assert_int_equal(store_artifact_delete(f->s, m.id, extra.id, "t", &f->a, &key, &e), 0);
    assert_string_equal(key, "kx");
    assert_int_equal(count_rows(f, "SELECT COUNT(*) FROM artifacts WHERE deleted = 1"), 1);

    const char **keys;
    size_t nkeys;
    assert_int_equal(store_sm_delete(f->s, m.id, "remover", &f->a, &keys, &nkeys, &e), 0);
    assert_int_equal(nkeys, 1);
    assert_string_equal(keys[0], "kfw");
    struct software_module got;
    assert_int_equal(store_sm_get(f->s, m.id, &f->a, &got, &e), 0);
    assert_true(got.deleted);
    assert_string_equal(got.audit.last_modified_by, "remover");
    struct artifact a;
    assert_int_equal(store_artifact_get(f->s, m.id, art.id, &f->a, &a, &e), -ERR_NOT_FOUND);
    assert_int_equal(count_rows(f, "SELECT COUNT(*) FROM artifacts WHERE deleted = 1"), 2);

    struct list_query q = {.offset = 0, .limit = 50};
    struct software_module *items;
    size_t count;
    int64_t total;
    assert_int_equal(store_sm_list(f->s, &q, &f->a, &items, &count, &total, &e), 0);
    assert_int_equal(total, 0);

    /* again: a no-op; the identity can be reused; no uploads to a deleted module */
    assert_int_equal(store_sm_delete(f->s, m.id, "t", &f->a, &keys, &nkeys, &e), 0);
    assert_int_equal(nkeys, 0);
    new_sm(f, "os", "kept", "1");
    struct artifact late = {.sm_id = m.id,
                            .filename = "late.bin",
                            .size = 1,
                            .md5 = "x",
                            .sha1 = "x",
                            .sha256 = "x",
                            .blob_key = "kl"};
    assert_int_equal(store_artifact_create(f->s, &late, "t", &e), -ERR_NOT_FOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_default_types_seeded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_type_crud_and_duplicates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_type_delete_hard_and_soft, setup, teardown),
        cmocka_unit_test_setup_teardown(test_module_create_and_duplicates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_artifacts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_module_delete_hard, setup, teardown),
        cmocka_unit_test_setup_teardown(test_module_delete_soft_when_in_a_set, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
