/* MD5, SHA-1 and SHA-256 of one byte stream, computed in a single pass (on two
 * threads beside the caller once the stream is longer than a chunk, so that an
 * upload is not slowed down to the speed of three digests in a row), optionally
 * handing the same bytes to a sink (an upload's file) on a third; and the MD5 of one
 * buffer on its own (the ETag of a JSON reply). */
#ifndef FALCONET_UTIL_HASH_H
#define FALCONET_UTIL_HASH_H

#include <stddef.h>

struct multihash;

struct multihash_hex {
    char md5[33];
    char sha1[41];
    char sha256[65];
};

/* The stream is handed on in chunks of this size (only the last may be shorter), each
 * starting at a 4096-byte aligned address. */
#define MULTIHASH_CHUNK (1024 * 1024)

/** Receives every byte of the stream once, in order, on a thread of its own (or the
 * caller's for a stream shorter than a chunk). Returns 0, or a negative value that
 * ends the calls and is returned by multihash_update and multihash_final. */
typedef int (*multihash_sink)(void *arg, const void *data, size_t len);

/** NULL on allocation failure. Holds 8 MiB of buffers whatever the stream's length
 * (pages are touched as the stream fills them). One thread updates a context at a
 * time. */
struct multihash *multihash_new(void);
struct multihash *multihash_new_sink(multihash_sink sink, void *arg);
/** Returns 0, or the sink's failure (possibly from an earlier chunk). */
int multihash_update(struct multihash *h, const void *data, size_t len);
/** Writes the lower-case hex digests, once every byte has reached the sink; the
 * context may not be updated afterwards. Returns 0, or the sink's failure. */
int multihash_final(struct multihash *h, struct multihash_hex *out);
/** Also stops the hashing threads of a context that was never finalized. */
void multihash_free(struct multihash *h);

/** Writes the lower-case hex MD5 of data into out (33 bytes with the NUL).
 * Returns 0, or -1 when the digest cannot be computed (out is then ""). */
int hash_md5_hex(const void *data, size_t len, char out[33]);

#endif
