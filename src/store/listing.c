#include "store/listing.h"

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

int listing_check_filter(const struct list_query *q, struct error *err)
{
    if (q->q && *q->q)
        return err_set(err, ERR_INVALID, "rest.param.rsqlParamSyntax",
                       "Filtering with q= is not supported by this server version");
    return 0;
}
