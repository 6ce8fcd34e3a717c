/* Streaming reads from S3: one ranged GetObject per reader, driven by its caller.
 *
 * The transfer runs on a curl multi handle that only moves when blob_reader_read
 * asks for bytes; what S3 sends lands in a SPILL-byte buffer, and when that is full
 * the transfer is paused (CURL_WRITEFUNC_PAUSE) until the reader has taken it. So a
 * download holds at most SPILL bytes whatever its length, and a slow device slows
 * the GET down instead of filling memory. */
#include "blob/s3_client.h"

#include "util/log.h"
#include "util/time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SPILL (256u << 10)
#define STALL_MS 60000 /* a GET without a byte for this long fails */

struct s3_reader {
    struct blob_reader base;
    struct s3_store *bs;
    char url[S3_URL_MAX];
    char range[64];
    uint64_t first, len, got;
    CURLM *multi;
    CURL *easy;
    struct curl_slist *headers;
    unsigned char *spill;
    size_t spill_off, spill_used;
    bool started, done, failed, paused;
};

struct blob_reader *s3_reader_open(struct blob_store *base, const char *key, uint64_t first,
                                   uint64_t len, struct error *err)
{
    struct s3_reader *r = calloc(1, sizeof(*r));
    if (!r) {
        err_set(err, ERR_INTERNAL, "artifact.loadFailed", "out of memory");
        return NULL;
    }
    r->base.bs = base;
    r->bs = (struct s3_store *)base;
    r->first = first;
    r->len = len;
    s3_object_url(r->bs, key, NULL, r->url, sizeof(r->url));
    if (len > 0)
        snprintf(r->range, sizeof(r->range), "%llu-%llu", (unsigned long long)first,
                 (unsigned long long)(first + len - 1));
    return &r->base;
}

static size_t on_data(char *data, size_t size, size_t n, void *user)
{
    struct s3_reader *r = user;
    size_t len = size * n;
    long status = 0;
    curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
    /* 206 for the range; 200 only when the whole object was asked for. */
    if (status != 206 && !(status == 200 && r->first == 0)) {
        if (!r->failed)
            log_error("S3 GET of artifact failed status=%ld url=%s", status, r->url);
        r->failed = true;
        return 0; /* ends the transfer */
    }
    if (r->spill_off > 0 && r->spill_off == r->spill_used)
        r->spill_off = r->spill_used = 0;
    if (SPILL - r->spill_used < len && r->spill_off > 0) {
        memmove(r->spill, r->spill + r->spill_off, r->spill_used - r->spill_off);
        r->spill_used -= r->spill_off;
        r->spill_off = 0;
    }
    if (SPILL - r->spill_used < len) {
        r->paused = true;
        return CURL_WRITEFUNC_PAUSE; /* delivered again once unpaused */
    }
    memcpy(r->spill + r->spill_used, data, len);
    r->spill_used += len;
    return len;
}

static int start(struct s3_reader *r)
{
    r->started = true;
    r->spill = malloc(SPILL);
    r->multi = curl_multi_init();
    r->easy = r->spill ? s3_easy(r->bs, "GET", r->url, NULL, 0, &r->headers) : NULL;
    if (!r->multi || !r->easy)
        return -1;
    curl_easy_setopt(r->easy, CURLOPT_RANGE, r->range);
    curl_easy_setopt(r->easy, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(r->easy, CURLOPT_WRITEDATA, r);
    return curl_multi_add_handle(r->multi, r->easy) == CURLM_OK ? 0 : -1;
}

/* Moves the transfer on until bytes are buffered, it ends, or it stalls. */
static void pump(struct s3_reader *r)
{
    int64_t last_progress = time_mono_ms();
    while (r->spill_off == r->spill_used && !r->done && !r->failed) {
        if (r->paused) {
            r->paused = false;
            curl_easy_pause(r->easy, CURLPAUSE_CONT);
            continue;
        }
        int running = 0;
        if (curl_multi_perform(r->multi, &running) != CURLM_OK) {
            r->failed = true;
            break;
        }
        int left;
        CURLMsg *m;
        while ((m = curl_multi_info_read(r->multi, &left)))
            if (m->msg == CURLMSG_DONE) {
                r->done = true;
                if (m->data.result != CURLE_OK && !r->failed) {
                    log_error("S3 GET of artifact failed: %s url=%s",
                              curl_easy_strerror(m->data.result), r->url);
                    r->failed = true;
                }
            }
        if (r->spill_off != r->spill_used || r->done)
            break;
        if (time_mono_ms() - last_progress > STALL_MS) {
            log_error("S3 GET of artifact stalled url=%s", r->url);
            r->failed = true;
            break;
        }
        curl_multi_poll(r->multi, NULL, 0, 1000, NULL);
    }
}

ssize_t s3_reader_read(struct blob_reader *base, void *buf, size_t max)
{
    struct s3_reader *r = (struct s3_reader *)base;
    if (r->got == r->len)
        return 0;
    if (!r->started && start(r) < 0) {
        log_error("cannot start S3 GET of artifact url=%s", r->url);
        return -1;
    }
    pump(r);
    size_t avail = r->spill_used - r->spill_off;
    if (r->failed || avail == 0) {
        if (!r->failed)
            log_error("S3 GET of artifact ended early got=%llu len=%llu url=%s",
                      (unsigned long long)r->got, (unsigned long long)r->len, r->url);
        return -1;
    }
    uint64_t want = r->len - r->got;
    size_t n = avail < max ? avail : max;
    if (n > want)
        n = (size_t)want;
    memcpy(buf, r->spill + r->spill_off, n);
    r->spill_off += n;
    r->got += n;
    return (ssize_t)n;
}

void s3_reader_close(struct blob_reader *base)
{
    struct s3_reader *r = (struct s3_reader *)base;
    if (r->easy) {
        if (r->multi)
            curl_multi_remove_handle(r->multi, r->easy);
        curl_easy_cleanup(r->easy);
    }
    if (r->multi)
        curl_multi_cleanup(r->multi);
    curl_slist_free_all(r->headers);
    free(r->spill);
    free(r);
}
