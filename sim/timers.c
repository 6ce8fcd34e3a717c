#include "timers.h"

#include <stdlib.h>

int timers_init(struct timers *t, uint32_t cap)
{
    t->heap = malloc((size_t)cap * sizeof(*t->heap));
    t->n = 0;
    t->cap = cap;
    return t->heap ? 0 : -1;
}

void timers_free(struct timers *t)
{
    free(t->heap);
    t->heap = NULL;
    t->n = t->cap = 0;
}

void timers_push(struct timers *t, uint32_t due_ms, uint32_t device)
{
    if (t->n == t->cap) { /* not expected (one timer per device); grow rather than corrupt */
        uint32_t cap = t->cap ? 2 * t->cap : 64;
        struct timer *h = realloc(t->heap, (size_t)cap * sizeof(*h));
        if (!h)
            abort();
        t->heap = h;
        t->cap = cap;
    }
    uint32_t i = t->n++;
    while (i > 0) {
        uint32_t parent = (i - 1) / 2;
        if (t->heap[parent].due_ms <= due_ms)
            break;
        t->heap[i] = t->heap[parent];
        i = parent;
    }
    t->heap[i] = (struct timer){due_ms, device};
}

bool timers_pop_due(struct timers *t, uint32_t now_ms, struct timer *out)
{
    if (t->n == 0 || t->heap[0].due_ms > now_ms)
        return false;
    *out = t->heap[0];
    struct timer last = t->heap[--t->n];
    uint32_t i = 0;
    for (;;) {
        uint32_t child = 2 * i + 1;
        if (child >= t->n)
            break;
        if (child + 1 < t->n && t->heap[child + 1].due_ms < t->heap[child].due_ms)
            child++;
        if (last.due_ms <= t->heap[child].due_ms)
            break;
        t->heap[i] = t->heap[child];
        i = child;
    }
    if (t->n > 0)
        t->heap[i] = last;
    return true;
}

uint32_t timers_next(const struct timers *t)
{
    return t->n ? t->heap[0].due_ms : UINT32_MAX;
}
