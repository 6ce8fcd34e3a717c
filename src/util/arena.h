/* Request-lifetime memory: a bump allocator freed all at once.
 *
 * Handlers allocate strings and records from the request's arena and never free
 * them one by one; the HTTP layer frees the arena when the request ends. */
#ifndef FALCONET_UTIL_ARENA_H
#define FALCONET_UTIL_ARENA_H

#include <stdarg.h>
#include <stddef.h>

struct arena_block;

struct arena {
    struct arena_block *head;
};

void arena_init(struct arena *a);
/** Frees every block; the arena may be reused afterwards. */
void arena_free(struct arena *a);
/** Zeroed memory aligned for any type; aborts the process on out-of-memory. */
void *arena_alloc(struct arena *a, size_t size);
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_sprintf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
