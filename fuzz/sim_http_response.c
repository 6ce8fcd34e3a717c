/* libFuzzer driver for sim/http_response.c. The first input byte picks the size of
 * the pieces the rest is fed in (1..256); the end of input is a connection close.
 * Checks the contract of http_response.h: consumed never exceeds what was fed, HTTP_MORE
 * consumes everything, and the body delivered equals body_len. */
#include "http_response.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count(void *ctx, const char *p, size_t n)
{
    (void)p;
    *(uint64_t *)ctx += n;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t step = (size_t)data[0] + 1;
    static struct http_response r;
    uint64_t delivered = 0;
    http_response_init(&r, count, &delivered, false);
    int rc = HTTP_MORE;
    size_t pos = 1;
    while (pos < size && rc == HTTP_MORE) {
        size_t n = size - pos < step ? size - pos : step, used;
        rc = http_response_feed(&r, (const char *)data + pos, n, &used);
        if (used > n || (rc == HTTP_MORE && used != n))
            abort();
        pos += used;
    }
    if (rc == HTTP_MORE)
        rc = http_response_eof(&r);
    if (delivered != r.body_len || rc > HTTP_DONE || rc < HTTP_E_SINK)
        abort();
    return 0;
}
