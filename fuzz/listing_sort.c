/* libFuzzer driver for src/store/listing.c: any sort expression either fails with
 * ERR_INVALID or yields an ORDER BY made only of whitelisted columns and ASC/DESC,
 * which SQLite accepts. */
#include "store/listing.h"

#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct sort_field fields[] = {
    {"id", "t.id"},
    {"controllerId", "t.controller_id"},
    {"name", "t.name"},
    {"description", "t.description"},
    {"updateStatus", "t.update_status"},
    {"createdAt", "t.created_at"},
    {"lastModifiedAt", "t.last_modified_at"},
    {"lastControllerRequestAt", "t.last_request_at"},
    {"ipAddress", "t.address"},
    {NULL, NULL},
};

static sqlite3 *db;

static bool is_column(const char *s, size_t n)
{
    for (const struct sort_field *f = fields; f->name; f++)
        if (strlen(f->column) == n && memcmp(f->column, s, n) == 0)
            return true;
    return false;
}

/* " ORDER BY col DIR, col DIR, ..." with every col whitelisted. */
static void check_clause(const char *sql)
{
    const char *prefix = " ORDER BY ";
    if (strncmp(sql, prefix, strlen(prefix)) != 0)
        abort();
    const char *p = sql + strlen(prefix);
    for (;;) {
        const char *sp = strchr(p, ' ');
        if (!sp || !is_column(p, (size_t)(sp - p)))
            abort();
        p = sp + 1;
        if (strncmp(p, "ASC", 3) == 0)
            p += 3;
        else if (strncmp(p, "DESC", 4) == 0)
            p += 4;
        else
            abort();
        if (*p == '\0')
            break;
        if (strncmp(p, ", ", 2) != 0)
            abort();
        p += 2;
    }
}

static void check_sql(const char *order)
{
    if (!db) {
        if (sqlite3_open(":memory:", &db) != SQLITE_OK ||
            sqlite3_exec(db,
                         "CREATE TABLE t (id, controller_id, name, description, update_status,"
                         " created_at, last_modified_at, last_request_at, address)",
                         NULL, NULL, NULL) != SQLITE_OK)
            abort();
    }
    char *sql = sqlite3_mprintf("SELECT id FROM t t%s", order);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        abort();
    sqlite3_finalize(st);
    sqlite3_free(sql);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *sort = malloc(size + 1);
    memcpy(sort, data, size);
    sort[size] = '\0';
    struct arena a;
    arena_init(&a);
    struct error err;
    const char *out = NULL;
    int rc = listing_order_by(fields, sort, "t.id ASC", &a, &out, &err);
    if (rc == 0) {
        if (!out)
            abort();
        check_clause(out);
        check_sql(out);
    } else if (rc != -ERR_INVALID || !err.code || !err.message[0]) {
        abort();
    }
    arena_free(&a);
    free(sort);
    return 0;
}
