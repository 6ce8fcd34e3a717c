#include "core/last_seen.h"

#include "store/controller_store.h"
#include "util/log.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An open-addressing table keyed by target id (0 marks a free slot: ids start at 1). */
struct table {
    struct last_seen *slots;
    size_t cap, used;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct table buffer;

static size_t slot_of(const struct table *t, int64_t id)
{
    uint64_t h = (uint64_t)id * 0x9E3779B97F4A7C15ull;
    size_t i = (size_t)(h >> 32) & (t->cap - 1);
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
    } else if (rec->at_ms >= slot->at_ms) {
        *slot = *rec;
    }
}

static bool grow(struct table *t)
{
    size_t cap = t->cap ? t->cap * 2 : 1024;
    struct table bigger = {calloc(cap, sizeof(struct last_seen)), cap, 0};
    if (!bigger.slots)
        return false;
    for (size_t i = 0; i < t->cap; i++)
        if (t->slots[i].target_id != 0)
            put(&bigger, &t->slots[i]);
    free(t->slots);
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

/* Takes the buffered records out, leaving an empty buffer behind. */
static struct table take_all(void)
{
    pthread_mutex_lock(&lock);
    struct table taken = buffer;
    memset(&buffer, 0, sizeof(buffer));
    pthread_mutex_unlock(&lock);
    return taken;
}

int last_seen_flush(struct store *s)
{
    struct table taken = take_all();
    if (taken.used == 0) {
        free(taken.slots);
        return 0;
    }
    size_t n = 0;
    for (size_t i = 0; i < taken.cap; i++)
        if (taken.slots[i].target_id != 0)
            taken.slots[n++] = taken.slots[i];
    struct error err;
    int rc = store_controller_touch(s, taken.slots, n, &err);
    if (rc < 0) {
        log_warn("last-seen flush of %zu targets failed, kept for the next try: %s", n,
                 err.message);
        for (size_t i = 0; i < n; i++)
            last_seen_record(taken.slots[i].target_id, taken.slots[i].at_ms,
                             taken.slots[i].address);
    }
    free(taken.slots);
    return rc < 0 ? rc : (int)n;
}

void last_seen_reset(void)
{
    struct table taken = take_all();
    free(taken.slots);
}
