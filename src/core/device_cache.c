#include "core/device_cache.h"

#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define WAYS 4
#define LOCKS 64
#define KEY_INPUT_MAX 1024 /* controller id + Authorization; longer ones are not cached */

enum {
    SLOT_USED = 1u << 0,
    SLOT_REQUEST_ATTRIBUTES = 1u << 1,
    SLOT_OPEN_ACTION = 1u << 2,
    SLOT_AUTH_SHIFT = 3, /* two bits: enum device_auth_kind */
};

/* 32 bytes. The generation keeps its low half here; the cache keeps the high half
 * (`epoch`) and empties itself when that moves, so a slot never outlives 2^32
 * changes by accident. */
struct slot {
    uint64_t key[2];
    uint32_t generation;
    uint32_t target_id;
    uint32_t installed_action_id; /* 0: none */
    uint32_t flags;
};

struct device_cache {
    struct slot *slots;
    size_t sets; /* power of two */
    unsigned char hash_key[crypto_shorthash_siphashx24_KEYBYTES];
    _Atomic uint64_t epoch;
    _Atomic uint64_t hits, misses;
    pthread_mutex_t locks[LOCKS];
};

struct device_cache *device_cache_new(size_t entries)
{
    if (entries == 0 || sodium_init() < 0)
        return NULL;
    size_t sets = 1;
    while (sets * WAYS < entries)
        sets <<= 1;
    struct device_cache *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    /* calloc of a large block maps zero pages: memory is used as slots fill. */
    c->slots = calloc(sets * WAYS, sizeof(struct slot));
    if (!c->slots) {
        free(c);
        return NULL;
    }
    c->sets = sets;
    randombytes_buf(c->hash_key, sizeof(c->hash_key));
    for (int i = 0; i < LOCKS; i++)
        pthread_mutex_init(&c->locks[i], NULL);
    return c;
}

void device_cache_free(struct device_cache *c)
{
    if (!c)
        return;
    for (int i = 0; i < LOCKS; i++)
        pthread_mutex_destroy(&c->locks[i]);
    free(c->slots);
    free(c);
}

/* SipHash-128 with a per-process random key over "controller id \0 authorization":
 * nobody outside can aim two inputs at one slot, let alone one key. */
static bool make_key(const struct device_cache *c, const char *controller_id,
                     const char *authorization, uint64_t key[2])
{
    size_t a = strlen(controller_id), b = strlen(authorization);
    if (a + 1 + b > KEY_INPUT_MAX)
        return false;
    unsigned char in[KEY_INPUT_MAX];
    memcpy(in, controller_id, a);
    in[a] = '\0';
    memcpy(in + a + 1, authorization, b);
    unsigned char out[crypto_shorthash_siphashx24_BYTES];
    crypto_shorthash_siphashx24(out, in, a + 1 + b, c->hash_key);
    memcpy(key, out, sizeof(out));
    return true;
}

static bool current(const struct slot *s, const uint64_t key[2], uint32_t generation)
{
    return (s->flags & SLOT_USED) && s->generation == generation && s->key[0] == key[0] &&
           s->key[1] == key[1];
}

bool device_cache_get(struct device_cache *c, const char *controller_id, const char *authorization,
                      uint64_t generation, struct device_entry *out)
{
    uint64_t key[2];
    bool found = false;
    if (make_key(c, controller_id, authorization, key) &&
        atomic_load(&c->epoch) == generation >> 32) {
        size_t set = key[0] & (c->sets - 1);
        struct slot *ways = &c->slots[set * WAYS];
        pthread_mutex_t *lock = &c->locks[set % LOCKS];
        pthread_mutex_lock(lock);
        for (int i = 0; i < WAYS && !found; i++) {
            const struct slot *s = &ways[i];
            if (!current(s, key, (uint32_t)generation))
                continue;
            out->target_id = s->target_id;
            out->installed_action_id =
                s->installed_action_id ? (int64_t)s->installed_action_id : -1;
            out->request_attributes = s->flags & SLOT_REQUEST_ATTRIBUTES;
            out->open_action = s->flags & SLOT_OPEN_ACTION;
            out->auth = (enum device_auth_kind)((s->flags >> SLOT_AUTH_SHIFT) & 3);
            found = true;
        }
        pthread_mutex_unlock(lock);
    }
    atomic_fetch_add_explicit(found ? &c->hits : &c->misses, 1, memory_order_relaxed);
    return found;
}

/* A new epoch (2^32 changes later): every slot is stale, so forget them all. */
static void start_epoch(struct device_cache *c, uint64_t epoch)
{
    for (int i = 0; i < LOCKS; i++)
        pthread_mutex_lock(&c->locks[i]);
    if (atomic_load(&c->epoch) < epoch) {
        memset(c->slots, 0, c->sets * WAYS * sizeof(struct slot));
        atomic_store(&c->epoch, epoch);
    }
    for (int i = LOCKS - 1; i >= 0; i--)
        pthread_mutex_unlock(&c->locks[i]);
}

void device_cache_put(struct device_cache *c, const char *controller_id, const char *authorization,
                      uint64_t generation, const struct device_entry *e)
{
    uint64_t key[2];
    if (e->target_id <= 0 || e->target_id > UINT32_MAX || e->installed_action_id > UINT32_MAX ||
        !make_key(c, controller_id, authorization, key))
        return;
    if (generation >> 32 > atomic_load(&c->epoch))
        start_epoch(c, generation >> 32);
    if (generation >> 32 != atomic_load(&c->epoch))
        return; /* read before an epoch that has passed */
    struct slot fresh = {
        .key = {key[0], key[1]},
        .generation = (uint32_t)generation,
        .target_id = (uint32_t)e->target_id,
        .installed_action_id = e->installed_action_id > 0 ? (uint32_t)e->installed_action_id : 0,
        .flags = SLOT_USED | (e->request_attributes ? SLOT_REQUEST_ATTRIBUTES : 0) |
                 (e->open_action ? SLOT_OPEN_ACTION : 0) | ((uint32_t)e->auth << SLOT_AUTH_SHIFT),
    };
    size_t set = key[0] & (c->sets - 1);
    struct slot *ways = &c->slots[set * WAYS];
    pthread_mutex_t *lock = &c->locks[set % LOCKS];
    pthread_mutex_lock(lock);
    /* The same key's slot, else a free or outdated one, else one picked by the key. */
    int victim = -1;
    for (int i = 0; i < WAYS && victim < 0; i++)
        if (ways[i].key[0] == key[0] && ways[i].key[1] == key[1])
            victim = i;
    for (int i = 0; i < WAYS && victim < 0; i++)
        if (!(ways[i].flags & SLOT_USED) || ways[i].generation != (uint32_t)generation)
            victim = i;
    if (victim < 0)
        victim = (int)(key[1] % WAYS);
    ways[victim] = fresh;
    pthread_mutex_unlock(lock);
}

void device_cache_stats(struct device_cache *c, uint64_t *hits, uint64_t *misses)
{
    *hits = atomic_load(&c->hits);
    *misses = atomic_load(&c->misses);
}
