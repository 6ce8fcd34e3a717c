#include "util/hash.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The three digests of an upload cost more CPU than receiving it, so they run beside
 * the caller: bytes are copied into a few fixed chunks that lanes process in order
 * (MD5, the slowest, alone; SHA-1 and SHA-256 together; and, when there is one, the
 * sink that stores the bytes, so that the caller's thread only receives and copies).
 * Memory stays at SLOTS chunks whatever the stream's length; a stream shorter than one
 * chunk is handled in the caller's thread without starting any. Chunks are large
 * because each one costs every lane a wake-up: with 256 KiB chunks on 2 cores the
 * hand-offs took a fifth of a 2 GiB upload's time, with 1 MiB they are noise. */
#define SLOTS 8
#define SLOT_BYTES MULTIHASH_CHUNK
#define MAX_LANES 3

struct slot {
    unsigned char *data;
    size_t len;
    int pending; /* lanes that have yet to process it; the caller refills it at 0 */
};

struct lane {
    struct multihash *h;
    pthread_t thread;
    uint64_t done; /* chunks processed */
};

struct multihash {
    EVP_MD_CTX *md5, *sha1, *sha256;
    multihash_sink sink;
    void *sink_arg;
    int sink_rc;           /* the sink's first failure; it is not called after one */
    int lanes_used;        /* 2, or 3 with a sink */
    unsigned char *buffer; /* the SLOTS chunks, page-aligned for a sink writing O_DIRECT */
    pthread_mutex_t lock;
    pthread_cond_t changed;
    struct slot slots[SLOTS];
    struct lane lanes[MAX_LANES];
    uint64_t published; /* chunks handed to the lanes */
    size_t fill;        /* bytes in the chunk being filled, slots[published % SLOTS] */
    bool started;       /* the lane threads run */
    bool inline_only;   /* threads could not start: the caller does everything */
    bool ended, abandoned;
};

/* Lane 2 reads sink_rc without the lock: only that lane (or, inline, the caller)
 * writes it, and the caller reads it under the lock. */
static void run_lane(struct multihash *h, int lane, const void *data, size_t len)
{
    if (lane == 0) {
        EVP_DigestUpdate(h->md5, data, len);
    } else if (lane == 1) {
        EVP_DigestUpdate(h->sha1, data, len);
        EVP_DigestUpdate(h->sha256, data, len);
    } else if (h->sink_rc == 0) {
        int rc = h->sink(h->sink_arg, data, len);
        if (rc < 0) {
            pthread_mutex_lock(&h->lock);
            h->sink_rc = rc;
            pthread_mutex_unlock(&h->lock);
        }
    }
}

static void run_all_lanes(struct multihash *h, const void *data, size_t len)
{
    for (int lane = 0; lane < h->lanes_used; lane++)
        run_lane(h, lane, data, len);
}

static void *lane_main(void *arg)
{
    struct lane *l = arg;
    struct multihash *h = l->h;
    int lane = (int)(l - h->lanes);
    pthread_mutex_lock(&h->lock);
    for (;;) {
        while (l->done >= h->published && !h->ended && !h->abandoned)
            pthread_cond_wait(&h->changed, &h->lock);
        if (h->abandoned || l->done >= h->published)
            break;
        struct slot *s = &h->slots[l->done % SLOTS];
        pthread_mutex_unlock(&h->lock);
        run_lane(h, lane, s->data, s->len); /* the caller leaves s alone until pending is 0 */
        pthread_mutex_lock(&h->lock);
        s->pending--;
        l->done++;
        pthread_cond_broadcast(&h->changed);
    }
    pthread_mutex_unlock(&h->lock);
    return NULL;
}

struct multihash *multihash_new(void)
{
    return multihash_new_sink(NULL, NULL);
}

struct multihash *multihash_new_sink(multihash_sink sink, void *sink_arg)
{
    struct multihash *h = calloc(1, sizeof(*h));
    if (!h)
        return NULL;
    h->sink = sink;
    h->sink_arg = sink_arg;
    h->lanes_used = sink ? 3 : 2;
    pthread_mutex_init(&h->lock, NULL);
    pthread_cond_init(&h->changed, NULL);
    h->md5 = EVP_MD_CTX_new();
    h->sha1 = EVP_MD_CTX_new();
    h->sha256 = EVP_MD_CTX_new();
    void *buffer = NULL;
    if (posix_memalign(&buffer, 4096, (size_t)SLOTS * SLOT_BYTES) == 0)
        h->buffer = buffer;
    for (int i = 0; h->buffer && i < SLOTS; i++)
        h->slots[i].data = h->buffer + (size_t)i * SLOT_BYTES;
    if (!h->buffer || !h->md5 || !h->sha1 || !h->sha256 ||
        !EVP_DigestInit_ex(h->md5, EVP_md5(), NULL) ||
        !EVP_DigestInit_ex(h->sha1, EVP_sha1(), NULL) ||
        !EVP_DigestInit_ex(h->sha256, EVP_sha256(), NULL)) {
        multihash_free(h);
        return NULL;
    }
    return h;
}

static void start_lanes(struct multihash *h)
{
    int started = 0;
    for (; started < h->lanes_used; started++) {
        h->lanes[started].h = h;
        if (pthread_create(&h->lanes[started].thread, NULL, lane_main, &h->lanes[started]) != 0)
            break;
    }
    if (started == h->lanes_used) {
        h->started = true;
        return;
    }
    /* Not enough threads: stop those that run and hash in the caller from now on. */
    pthread_mutex_lock(&h->lock);
    h->abandoned = true;
    pthread_cond_broadcast(&h->changed);
    pthread_mutex_unlock(&h->lock);
    for (int i = 0; i < started; i++)
        pthread_join(h->lanes[i].thread, NULL);
    h->inline_only = true;
}

/* Hands the filled chunk to the lanes (or processes it here when they cannot run);
 * returns the sink's failure, if there was one by now. */
static int publish(struct multihash *h)
{
    struct slot *s = &h->slots[h->published % SLOTS];
    if (!h->started && !h->inline_only)
        start_lanes(h);
    if (h->inline_only) {
        run_all_lanes(h, s->data, h->fill);
        h->fill = 0;
        return h->sink_rc;
    }
    pthread_mutex_lock(&h->lock);
    s->len = h->fill;
    s->pending = h->lanes_used;
    h->published++;
    int rc = h->sink_rc;
    pthread_cond_broadcast(&h->changed);
    pthread_mutex_unlock(&h->lock);
    h->fill = 0;
    return rc;
}

/* The chunk to fill next, once the lanes are done with it. */
static struct slot *fill_slot(struct multihash *h)
{
    struct slot *s = &h->slots[h->published % SLOTS];
    if (h->fill == 0 && h->started) {
        pthread_mutex_lock(&h->lock);
        while (s->pending > 0)
            pthread_cond_wait(&h->changed, &h->lock);
        pthread_mutex_unlock(&h->lock);
    }
    return s;
}

int multihash_update(struct multihash *h, const void *data, size_t len)
{
    const unsigned char *p = data;
    while (len > 0) {
        struct slot *s = fill_slot(h);
        size_t n = len < SLOT_BYTES - h->fill ? len : SLOT_BYTES - h->fill;
        memcpy(s->data + h->fill, p, n);
        h->fill += n;
        p += n;
        len -= n;
        if (h->fill == SLOT_BYTES) {
            int rc = publish(h);
            if (rc < 0)
                return rc;
        }
    }
    return 0;
}

static void to_hex(const unsigned char *md, unsigned int n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (unsigned int i = 0; i < n; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[2 * n] = '\0';
}

static void final_hex(EVP_MD_CTX *ctx, char *out)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_DigestFinal_ex(ctx, md, &n);
    to_hex(md, n, out);
}

/* Lets the lanes finish what was published (or, abandoning, stop at once) and
 * waits for them. */
static void stop_lanes(struct multihash *h, bool abandon)
{
    if (!h->started)
        return;
    pthread_mutex_lock(&h->lock);
    h->ended = true;
    h->abandoned = abandon;
    pthread_cond_broadcast(&h->changed);
    pthread_mutex_unlock(&h->lock);
    for (int i = 0; i < h->lanes_used; i++)
        pthread_join(h->lanes[i].thread, NULL);
    h->started = false;
}

int multihash_final(struct multihash *h, struct multihash_hex *out)
{
    if (h->started && h->fill > 0)
        publish(h);
    stop_lanes(h, false);
    if (h->fill > 0) { /* the lanes never started, or could not */
        run_all_lanes(h, h->slots[h->published % SLOTS].data, h->fill);
        h->fill = 0;
    }
    final_hex(h->md5, out->md5);
    final_hex(h->sha1, out->sha1);
    final_hex(h->sha256, out->sha256);
    return h->sink_rc;
}

void multihash_free(struct multihash *h)
{
    if (!h)
        return;
    stop_lanes(h, true);
    EVP_MD_CTX_free(h->md5);
    EVP_MD_CTX_free(h->sha1);
    EVP_MD_CTX_free(h->sha256);
    pthread_mutex_destroy(&h->lock);
    pthread_cond_destroy(&h->changed);
    free(h->buffer);
    free(h);
}

/* hash_md5_hex runs for every JSON reply (its ETag): the digest is fetched from the
 * provider once and each thread keeps one context, instead of a fetch, an allocation
 * and provider lookups per call. */
static EVP_MD *md5_fetched;
static pthread_key_t md5_ctx_key;
static pthread_once_t md5_once = PTHREAD_ONCE_INIT;

static void free_ctx(void *ctx)
{
    EVP_MD_CTX_free(ctx);
}

static void md5_setup(void)
{
    md5_fetched = EVP_MD_fetch(NULL, "MD5", NULL);
    if (pthread_key_create(&md5_ctx_key, free_ctx) != 0) {
        EVP_MD_free(md5_fetched);
        md5_fetched = NULL;
    }
}

int hash_md5_hex(const void *data, size_t len, char out[33])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    pthread_once(&md5_once, md5_setup);
    EVP_MD_CTX *ctx = md5_fetched ? pthread_getspecific(md5_ctx_key) : NULL;
    if (md5_fetched && !ctx && (ctx = EVP_MD_CTX_new()) != NULL &&
        pthread_setspecific(md5_ctx_key, ctx) != 0) {
        EVP_MD_CTX_free(ctx);
        ctx = NULL;
    }
    if (!ctx || !EVP_DigestInit_ex2(ctx, md5_fetched, NULL) || !EVP_DigestUpdate(ctx, data, len) ||
        !EVP_DigestFinal_ex(ctx, md, &n) || n != 16) {
        out[0] = '\0';
        return -1;
    }
    to_hex(md, n, out);
    return 0;
}
