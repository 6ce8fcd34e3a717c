#include "core/last_seen.h"

#include "store/controller_store.h"
#include "util/log.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An open-addressing table keyed by target id (0 marks a free slot: ids start at 1).
 * The ids sit in an array of their own, so probing reads 8 bytes per slot, not a
 * whole record. */
struct table {
    int64_t *ids;
    struct last_seen *records;
    size_t cap, used;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct table buffer;
static atomic_bool first_contact;
/* Only the flushing thread touches these two. */
static struct table spare;
static size_t last_used; /* records of the previous interval */

static bool table_init(struct table *t, size_t cap)
{
    t->ids = calloc(cap, sizeof(*t->ids));
    t->records = malloc(cap * sizeof(*t->records));
    t->cap = cap;
    t->used = 0;
    if (t->ids && t->records)
        return true;
    free(t->ids);
    free(t->records);
    memset(t, 0, sizeof(*t));
    return false;
}

static void table_free(struct table *t)
{
    free(t->ids);
    free(t->records);
    memset(t, 0, sizeof(*t));
}

/* Fibonacci hashing: the product's top bits spread consecutive ids over the table. */
static size_t slot_of(const struct table *t, int64_t id)
{
    int bits = __builtin_ctzll(t->cap);
    size_t i = (size_t)(((uint64_t)id * 0x9E3779B97F4A7C15ull) >> (64 - bits));
    while (t->ids[i] != 0 && t->ids[i] != id)
        i = (i + 1) & (t->cap - 1);
    return i;
}

static void put(struct table *t, const struct last_seen *rec)
{
    size_t i = slot_of(t, rec->target_id);
    if (t->ids[i] == 0) {
        t->used++;
        t->ids[i] = rec->target_id;
        t->records[i] = *rec;
    } else if (rec->at_ms >= t->records[i].at_ms) {
        t->records[i] = *rec;
    }
}

static bool grow(struct table *t)
{
    struct table bigger;
    if (!table_init(&bigger, t->cap ? t->cap * 2 : 1024))
        return false;
    for (size_t i = 0; i < t->cap; i++)
        if (t->ids[i] != 0)
            put(&bigger, &t->records[i]);
    table_free(t);
    *t = bigger;
    return true;
}

void last_seen_record(int64_t target_id, int64_t at_ms, const char *address)
{
    struct last_seen rec = {.target_id = target_id, .at_ms = at_ms};
    if (address)
        snprintf(rec.address, sizeof(rec.address), "%s", address);
    pthread_mutex_lock(&lock);
    if ((buffer.used + 1) * 4 <= buffer.cap * 3 || grow(&buffer))
        put(&buffer, &rec);
    pthread_mutex_unlock(&lock);
}

/* Takes the buffered records out, leaving an empty buffer behind: the spare table,
 * cleared, when it has the size this interval needed (a busy fleet neither regrows a
 * buffer under the lock nor faults fresh pages in every interval), else a new one of
 * that size (a burst does not keep a huge table forever). */
static struct table take_all(void)
{
    size_t cap = 1024;
    while (cap * 3 < last_used * 4)
        cap *= 2;
    struct table fresh = spare;
    memset(&spare, 0, sizeof(spare));
    if (fresh.cap != cap) {
        table_free(&fresh);
        table_init(&fresh, cap);
    } else {
        memset(fresh.ids, 0, fresh.cap * sizeof(*fresh.ids));
    }
    pthread_mutex_lock(&lock);
    struct table taken = buffer;
    buffer = fresh;
    pthread_mutex_unlock(&lock);
    last_used = taken.used;
    return taken;
}

static int by_target_id(const void *a, const void *b)
{
    int64_t x = ((const struct last_seen *)a)->target_id;
    int64_t y = ((const struct last_seen *)b)->target_id;
    return (x > y) - (x < y);
}

void last_seen_first_contact(void)
{
    atomic_store(&first_contact, true);
}

bool last_seen_first_contact_waiting(void)
{
    return atomic_load(&first_contact);
}

int last_seen_flush(struct store *s)
{
    atomic_store(&first_contact, false); /* before taking: a later one waits for the next */
    struct table taken = take_all();
    if (taken.used == 0) {
        spare = taken;
        return 0;
    }
    size_t n = 0;
    for (size_t i = 0; i < taken.cap; i++)
        if (taken.ids[i] != 0)
            taken.records[n++] = taken.records[i];
    /* In id order the updates walk the targets table page by page: each page is read
     * and written once per flush instead of once per target (hash order). */
    qsort(taken.records, n, sizeof(*taken.records), by_target_id);
    struct error err;
    int rc = store_controller_touch(s, taken.records, n, &err);
    if (rc < 0) {
        log_warn("last-seen flush of %zu targets failed, kept for the next try: %s", n,
                 err.message);
        for (size_t i = 0; i < n; i++)
            last_seen_record(taken.records[i].target_id, taken.records[i].at_ms,
                             taken.records[i].address);
    }
    spare = taken;
    return rc < 0 ? rc : (int)n;
}

void last_seen_reset(void)
{
    pthread_mutex_lock(&lock);
    table_free(&buffer);
    pthread_mutex_unlock(&lock);
    table_free(&spare);
    last_used = 0;
}
