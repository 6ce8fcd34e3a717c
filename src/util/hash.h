/* MD5, SHA-1 and SHA-256 of one byte stream, computed in a single pass (on two
 * threads beside the caller once the stream is longer than a chunk, so that an
 * upload is not slowed down to the speed of three digests in a row); and the MD5 of
 * one buffer on its own (the ETag of a JSON reply). */
#ifndef FALCONET_UTIL_HASH_H
#define FALCONET_UTIL_HASH_H

#include <stddef.h>

struct multihash;

struct multihash_hex {
    char md5[33];
    char sha1[41];
    char sha256[65];
};

/** NULL on allocation failure. Holds about 1 MiB of buffers whatever the stream's
 * length. One thread updates a context at a time. */
struct multihash *multihash_new(void);
void multihash_update(struct multihash *h, const void *data, size_t len);
/** Writes the lower-case hex digests; the context may not be updated afterwards. */
void multihash_final(struct multihash *h, struct multihash_hex *out);
/** Also stops the hashing threads of a context that was never finalized. */
void multihash_free(struct multihash *h);

/** Writes the lower-case hex MD5 of data into out (33 bytes with the NUL).
 * Returns 0, or -1 when the digest cannot be computed (out is then ""). */
int hash_md5_hex(const void *data, size_t len, char out[33]);

#endif
