/* Paged, sorted listings shared by every entity store.
 *
 * A sort expression from the API ("name:ASC,id:desc") is checked against the
 * entity's whitelist of hawkBit field names and turned into an ORDER BY clause made
 * only of whitelisted column names: user text never reaches SQL. */
#ifndef FALCONET_STORE_LISTING_H
#define FALCONET_STORE_LISTING_H

#include "store/filter.h"
#include "store/model.h"
#include "util/arena.h"
#include "util/error.h"

struct sort_field {
    const char *name;   /* hawkBit field name, matched case-insensitively */
    const char *column; /* SQL expression */
};

/* At most this many "field:DIR" terms in one sort expression. SQLite refuses more
 * than 2000 ORDER BY terms, which would otherwise surface as a 500. */
#define LISTING_MAX_SORT_TERMS 32

/** Builds " ORDER BY ..." for q->sort (or default_order when none) into *out.
 * ERR_INVALID with hawkBit's sortParamSyntax / invalidField / invalidDirection codes. */
int listing_order_by(const struct sort_field *fields, const char *sort, const char *default_order,
                     struct arena *a, const char **out, struct error *err);

struct db;
struct db_stmt;

/** Reads the current row of st into *item (allocating strings from a). */
typedef void (*listing_read_fn)(struct db_stmt *st, struct arena *a, void *item);

/** One page of a listing: selects `columns` over "FROM <from_where>", sorted by q->sort
 * (checked against `fields`; default_order when absent) and cut to q's offset/limit,
 * and sets *total to the number of rows of the clause: offset plus the page's rows when
 * the page is shorter than the limit (the last page; no COUNT query, and never at odds
 * with the rows returned while others write), else counted, at least offset plus the
 * page's rows. A q->q filter
 * is compiled against `filters` (store/filter.h) and added to the clause with AND.
 * When bound_id >= 0 it is bound to the first `?` of from_where in both queries.
 * *items becomes an arena array of *count elements of item_size bytes, each filled
 * by read. */
int listing_page(struct db *db, const char *columns, const char *from_where, int64_t bound_id,
                 const struct sort_field *fields, const struct filter_field *filters,
                 const char *default_order,
                 const struct list_query *q, struct arena *a, size_t item_size,
                 listing_read_fn read, void **items, size_t *count, int64_t *total,
                 struct error *err);

#endif
