#include "core/last_seen.h"

#include "store/controller_store.h"
#include "util/log.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An open-addressing table of records keyed by target id (0 marks a free slot: ids
 * start at 1); a record is one 64-byte cache line. */
_Static_assert(sizeof(struct last_seen) == 64, "a last-seen record is one cache line");
struct table {
    struct last_seen *slots;
    size_t cap, used;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct table buffer;
static atomic_bool first_contact_waiting;

/* Fibonacci hashing: the product's top bits spread consecutive ids over the table. */
static size_t slot_of(const struct table *t, int64_t id)
{
    int bits = __builtin_ctzll(t->cap);
    size_t i = (size_t)(((uint64_t)id * 0x9E3779B97F4A7C15ull) >> (64 - bits));
    while (t->slots[i].target_id != 0 && t->slots[i].target_id != id)
        i = (i + 1) & (t->cap - 1);
    return i;
}

static void put(struct table *t, const struct last_seen *rec)
{
    struct last_seen *slot = &t->slots[slot_of(t, rec->target_id)];
    if (slot->target_id == 0) {
        t->used++;
        *slot = *rec;
    } else {
        bool first_contact = slot->first_contact || rec->first_contact;
        if (rec->at_ms >= slot->at_ms)
            *slot = *rec;
        slot->first_contact = first_contact;
    }
}

static bool table_init(struct table *t, size_t cap)
{
    *t = (struct table){calloc(cap, sizeof(struct last_seen)), cap, 0};
    if (!t->slots)
        t->cap = 0;
    return t->slots != NULL;
}

static bool grow(struct table *t)
{
    struct table bigger;
    if (!table_init(&bigger, t->cap ? t->cap * 2 : 1024))
        return false;
    for (size_t i = 0; i < t->cap; i++)
        if (t->slots[i].target_id != 0)
            put(&bigger, &t->slots[i]);
    free(t->slots);
    *t = bigger;
    return true;
}

/* The record and its first-contact mark go in under one lock: a flush in between
 * would otherwise write the record without the mark. */
static void record(const struct last_seen *rec)
{
    pthread_mutex_lock(&lock);
    if ((buffer.used + 1) * 4 <= buffer.cap * 3 || grow(&buffer))
        put(&buffer, rec);
    pthread_mutex_unlock(&lock);
    if (rec->first_contact)
        atomic_store(&first_contact_waiting, true);
}

void last_seen_record(int64_t target_id, int64_t at_ms, const char *address, bool first_contact)
{
    struct last_seen rec = {.target_id = target_id, .at_ms = at_ms, .first_contact = first_contact};
    if (address)
        snprintf(rec.address, sizeof(rec.address), "%s", address);
    record(&rec);
}

/* Takes the buffered records out, leaving an empty buffer behind. It starts small
 * and grows with the interval's devices: a table sized in advance would be touched
 * all over by even a few records (they land at random slots), keeping memory that a
 * quiet interval does not need. */
static struct table take_all(void)
{
    pthread_mutex_lock(&lock);
    struct table taken = buffer;
    memset(&buffer, 0, sizeof(buffer));
    pthread_mutex_unlock(&lock);
    return taken;
}

static int by_target_id(const void *a, const void *b)
{
    int64_t x = ((const struct last_seen *)a)->target_id;
    int64_t y = ((const struct last_seen *)b)->target_id;
    return (x > y) - (x < y);
}

bool last_seen_first_contact_waiting(void)
{
    return atomic_load(&first_contact_waiting);
}

int last_seen_flush(struct store *s)
{
    atomic_store(&first_contact_waiting, false); /* before taking: a later one waits for the next */
    struct table taken = take_all();
    if (taken.used == 0) {
        free(taken.slots);
        return 0;
    }
    size_t n = 0;
    for (size_t i = 0; i < taken.cap; i++)
        if (taken.slots[i].target_id != 0)
            taken.slots[n++] = taken.slots[i];
    /* In id order the updates walk the last-seen table page by page: each page is
     * read and written once per flush instead of once per target (hash order). */
    qsort(taken.slots, n, sizeof(*taken.slots), by_target_id);
    struct error err;
    int rc = store_controller_touch(s, taken.slots, n, &err);
    if (rc < 0) {
        log_warn("last-seen flush of %zu targets failed, kept for the next try: %s", n,
                 err.message);
        for (size_t i = 0; i < n; i++)
            record(&taken.slots[i]);
    }
    free(taken.slots);
    return rc < 0 ? rc : (int)n;
}

void last_seen_reset(void)
{
    pthread_mutex_lock(&lock);
    free(buffer.slots);
    memset(&buffer, 0, sizeof(buffer));
    pthread_mutex_unlock(&lock);
}
