#include "core/set_contents.h"

#include "store/ds_store.h"
#include "store/sm_store.h"

#include <pthread.h>
#include <stdlib.h>

/* One set's rows in an arena of their own. Held by the cache (one reference while
 * it sits in its slot) and by each request reading it; freed with the last. */
struct entry {
    struct set_contents pub; /* first: handed out as the public view */
    struct arena arena;
    uint64_t generation;
    int refs;
};

struct set_contents_cache {
    pthread_mutex_t lock;
    size_t slots;
    struct entry **table; /* by ds_id modulo slots */
};

struct set_contents_cache *set_contents_cache_new(size_t slots)
{
    if (slots == 0)
        return NULL;
    struct set_contents_cache *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->table = calloc(slots, sizeof(*c->table));
    if (!c->table) {
        free(c);
        return NULL;
    }
    c->slots = slots;
    pthread_mutex_init(&c->lock, NULL);
    return c;
}

static void unref(struct entry *e)
{
    if (--e->refs > 0)
        return;
    arena_free(&e->arena);
    free(e);
}

void set_contents_cache_free(struct set_contents_cache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->slots; i++)
        if (c->table[i])
            unref(c->table[i]);
    pthread_mutex_destroy(&c->lock);
    free(c->table);
    free(c);
}

static struct entry *load(struct store *s, int64_t ds_id, uint64_t generation, struct error *err)
{
    struct entry *e = calloc(1, sizeof(*e));
    if (!e) {
        err_set(err, ERR_INTERNAL, NULL, "out of memory");
        return NULL;
    }
    arena_init(&e->arena);
    struct software_module *mods;
    size_t n;
    if (store_ds_modules_all(s, ds_id, &e->arena, &mods, &n, err) < 0)
        goto failed;
    struct set_chunk *chunks = arena_alloc(&e->arena, sizeof(*chunks) * (n ? n : 1));
    for (size_t i = 0; i < n; i++) {
        struct artifact *arts;
        struct metadata *md;
        size_t n_arts, n_md;
        if (store_artifact_list(s, mods[i].id, &e->arena, &arts, &n_arts, err) < 0 ||
            store_metadata_visible(s, mods[i].id, &e->arena, &md, &n_md, err) < 0)
            goto failed;
        chunks[i] = (struct set_chunk){&mods[i], arts, n_arts, md, n_md};
    }
    e->pub = (struct set_contents){ds_id, chunks, n};
    e->generation = generation;
    e->refs = 1;
    return e;
failed:
    arena_free(&e->arena);
    free(e);
    return NULL;
}

const struct set_contents *set_contents_get(struct set_contents_cache *c, struct store *s,
                                            int64_t ds_id, struct error *err)
{
    /* Read before the rows: a change committed in between makes the copy stale. */
    uint64_t generation = store_change_generation();
    if (c) {
        pthread_mutex_lock(&c->lock);
        struct entry *e = c->table[(uint64_t)ds_id % c->slots];
        bool current = e && e->pub.ds_id == ds_id && e->generation == generation;
        if (current)
            e->refs++;
        pthread_mutex_unlock(&c->lock);
        if (current)
            return &e->pub;
    }
    struct entry *e = load(s, ds_id, generation, err);
    if (!e || !c)
        return e ? &e->pub : NULL;
    pthread_mutex_lock(&c->lock);
    struct entry **slot = &c->table[(uint64_t)ds_id % c->slots];
    if (*slot)
        unref(*slot);
    *slot = e;
    e->refs++;
    pthread_mutex_unlock(&c->lock);
    return &e->pub;
}

void set_contents_release(struct set_contents_cache *c, const struct set_contents *x)
{
    if (!x)
        return;
    struct entry *e = (struct entry *)x;
    if (!c) {
        unref(e);
        return;
    }
    pthread_mutex_lock(&c->lock);
    unref(e);
    pthread_mutex_unlock(&c->lock);
}
