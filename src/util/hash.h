/* MD5, SHA-1 and SHA-256 of one byte stream, computed in a single pass. */
#ifndef FALCONET_UTIL_HASH_H
#define FALCONET_UTIL_HASH_H

#include <stddef.h>

struct multihash;

struct multihash_hex {
    char md5[33];
    char sha1[41];
    char sha256[65];
};

/** NULL on allocation failure. */
struct multihash *multihash_new(void);
void multihash_update(struct multihash *h, const void *data, size_t len);
/** Writes the lower-case hex digests; the context may not be updated afterwards. */
void multihash_final(struct multihash *h, struct multihash_hex *out);
void multihash_free(struct multihash *h);

#endif
