/* libFuzzer driver for etag_list_matches() in src/http/etag.c. The input is the
 * header, a NUL, then the entity tag (without a NUL the tag is "\"0abc\""). Checks
 * that a strong match is also a weak match, that "*" matches every well-formed tag,
 * and that the header naming the tag alone always matches. */
#include "http/etag.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1);
    memcpy(buf, data, size);
    buf[size] = '\0';
    const char *header = buf;
    size_t hlen = strlen(buf);
    const char *etag = hlen < size ? buf + hlen + 1 : "\"0abc\"";
    bool strong = etag_list_matches(header, etag, false);
    bool weak = etag_list_matches(header, etag, true);
    if (strong && !weak)
        abort();
    /* A well-formed tag: [W/]"..." with no further quote and nothing after it. */
    const char *q = strncmp(etag, "W/", 2) == 0 ? etag + 2 : etag;
    bool well_formed = q[0] == '"' && strchr(q + 1, '"') == q + strlen(q) - 1 && strlen(q) >= 2;
    if (well_formed) {
        if (!etag_list_matches("*", etag, true) || !etag_list_matches(etag, etag, true))
            abort();
        if (etag == q && !etag_list_matches(etag, etag, false))
            abort();
    }
    free(buf);
    return 0;
}
