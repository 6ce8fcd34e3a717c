/* libFuzzer driver for range_parse() in src/http/range.c. The first input byte picks
 * the representation size (0..255, or a huge size when it is 255), the rest is the
 * Range header. Checks the contract of range.h: a satisfiable result holds 1 to
 * RANGE_MAX_SPECS ranges inside the size, strictly ascending; every other result
 * holds none; Content-Range text always fits its buffer. */
#include "http/range.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const char *header, uint64_t len)
{
    struct range_set set;
    enum range_status st = range_parse(header, len, &set);
    if (st != RANGE_SATISFIABLE) {
        if (set.count != 0 ||
            (st != RANGE_IGNORE && st != RANGE_UNSATISFIABLE && st != RANGE_REJECTED))
            abort();
        return;
    }
    if (set.count == 0 || set.count > RANGE_MAX_SPECS)
        abort();
    for (size_t i = 0; i < set.count; i++) {
        const struct byte_range *r = &set.ranges[i];
        if (r->first > r->last || r->last >= len || (i > 0 && r->first <= r[-1].last))
            abort();
        char buf[96];
        range_content_range(buf, sizeof(buf), r, len);
        if (strlen(buf) >= sizeof(buf) - 1)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint64_t len = data[0] == 255 ? UINT64_MAX - 1 : data[0];
    char *header = malloc(size);
    memcpy(header, data + 1, size - 1);
    header[size - 1] = '\0';
    check(header, len);
    free(header);
    return 0;
}
