#include "store/listing.h"

#include "store/db.h"

#include <string.h>
#include <strings.h>

static const char *find_column(const struct sort_field *fields, const char *name, size_t len)
{
    for (const struct sort_field *f = fields; f->name; f++)
        if (strlen(f->name) == len && strncasecmp(f->name, name, len) == 0)
            return f->column;
    return NULL;
}

int listing_order_by(const struct sort_field *fields, const char *sort, const char *default_order,
                     struct arena *a, const char **out, struct error *err)
{
    if (!sort || !*sort) {
        *out = arena_sprintf(a, " ORDER BY %s", default_order);
        return 0;
    }
    size_t cap = strlen(" ORDER BY ") + 1;
    for (const char *p = sort; *p; p++)
        cap += 1;
    /* Each term may expand to its column plus " DESC", ","; bound generously. */
    cap = cap * 4 + 256;
    char *sql = arena_alloc(a, cap);
    strcpy(sql, " ORDER BY ");
    const char *p = sort;
    int terms = 0;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t term_len = end ? (size_t)(end - p) : strlen(p);
        const char *colon = memchr(p, ':', term_len);
        size_t name_len = colon ? (size_t)(colon - p) : term_len;
        if (name_len == 0 || !colon)
            return err_set(err, ERR_INVALID, "rest.param.sortParamSyntax",
                           "The sort parameter syntax is invalid: expected field:ASC|DESC");
        const char *column = find_column(fields, p, name_len);
        if (!column)
            return err_set(err, ERR_INVALID, "rest.param.invalidField",
                           "Sort field '%.*s' is not valid", (int)(name_len > 64 ? 64 : name_len),
                           p);
        const char *dir = colon + 1;
        size_t dir_len = term_len - name_len - 1;
        const char *sql_dir;
        if (dir_len == 3 && strncasecmp(dir, "ASC", 3) == 0)
            sql_dir = "ASC";
        else if (dir_len == 4 && strncasecmp(dir, "DESC", 4) == 0)
            sql_dir = "DESC";
        else
            return err_set(err, ERR_INVALID, "rest.param.invalidDirection",
                           "Sort direction must be ASC or DESC");
        if (terms == LISTING_MAX_SORT_TERMS || strlen(sql) + strlen(column) + 8 >= cap)
            return err_set(err, ERR_INVALID, "rest.param.sortParamSyntax", "Too many sort fields");
        if (terms++)
            strcat(sql, ", ");
        strcat(sql, column);
        strcat(sql, " ");
        strcat(sql, sql_dir);
        p += term_len;
        if (*p == ',') {
            p++;
            if (!*p)
                return err_set(err, ERR_INVALID, "rest.param.sortParamSyntax",
                               "The sort parameter syntax is invalid");
        }
    }
    *out = sql;
    return 0;
}

/* from_where plus the compiled filter of q (if any), ANDed to its WHERE. */
static int filtered_from(const char *from_where, const struct filter_field *filters,
                         const struct list_query *q, struct arena *a, const char **out,
                         struct filter_sql *filter, struct error *err)
{
    memset(filter, 0, sizeof(*filter));
    *out = from_where;
    if (!q->q || !*q->q)
        return 0;
    if (!filters)
        return err_set(err, ERR_INVALID, "rest.param.rsqlInvalidField",
                       "This collection cannot be filtered with q=");
    int rc = filter_compile(q->q, filters, q->overdue_ts, a, filter, err);
    if (rc < 0)
        return rc;
    /* from_where is one of the stores' own literals: a WHERE in it is the clause. */
    *out = arena_sprintf(a, "%s%s%s", from_where,
                         strstr(from_where, " WHERE ") ? " AND " : " WHERE ", filter->sql);
    return 0;
}

static void bind_all(struct db_stmt *st, int64_t bound_id, const struct filter_sql *filter)
{
    int idx = 1;
    if (bound_id >= 0)
        db_bind_int(st, idx++, bound_id);
    filter_bind(st, idx, filter);
}

static int count_rows(struct db *db, const char *from_where, int64_t bound_id,
                      const struct filter_sql *filter, struct arena *a, int64_t *total,
                      struct error *err)
{
    struct db_stmt *st =
        db_prepare_temp(db, arena_sprintf(a, "SELECT COUNT(*) FROM %s", from_where), err);
    if (!st)
        return -ERR_INTERNAL;
    bind_all(st, bound_id, filter);
    int rc = db_step(st, err);
    *total = rc == DB_ROW ? db_col_int(st, 0) : 0;
    db_done(st);
    return rc < 0 ? rc : 0;
}

int listing_page(struct db *db, const char *columns, const char *from_where, int64_t bound_id,
                 const struct sort_field *fields, const struct filter_field *filters,
                 const char *default_order, const struct list_query *q, struct arena *a,
                 size_t item_size, listing_read_fn read, void **items, size_t *count,
                 int64_t *total, struct error *err)
{
    const char *order;
    struct filter_sql filter;
    int rc;
    if (listing_order_by(fields, q->sort, default_order, a, &order, err) < 0 ||
        filtered_from(from_where, filters, q, a, &from_where, &filter, err) < 0)
        return -ERR_INVALID;
    const char *sql = arena_sprintf(a, "SELECT %s FROM %s%s LIMIT %lld OFFSET %lld", columns,
                                    from_where, order, (long long)q->limit, (long long)q->offset);
    struct db_stmt *st = db_prepare_temp(db, sql, err);
    if (!st)
        return -ERR_INTERNAL;
    bind_all(st, bound_id, &filter);
    size_t cap = q->limit > 0 ? (size_t)q->limit : 1;
    char *out = arena_alloc(a, item_size * cap);
    *count = 0;
    while (*count < cap && (rc = db_step(st, err)) == DB_ROW)
        read(st, a, out + item_size * (*count)++);
    db_done(st);
    *items = out;
    if (rc < 0)
        return rc;
    /* A page shorter than the limit is the last one: the total follows from it. The
     * COUNT is a second statement, which another connection's commit can precede. */
    int64_t seen = q->offset + (int64_t)*count;
    if (q->limit > 0 && *count < (size_t)q->limit && (*count > 0 || q->offset == 0)) {
        *total = seen;
        return 0;
    }
    if ((rc = count_rows(db, from_where, bound_id, &filter, a, total, err)) < 0)
        return rc;
    if (*count > 0 && *total < seen) /* rows deleted after the page was read */
        *total = seen;
    return 0;
}
