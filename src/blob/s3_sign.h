/* The pure parts of talking to S3: URI encoding as SigV4 wants it, and presigned GET
 * URLs (AWS Signature Version 4, query-string authentication). Requests the server
 * sends itself are signed by libcurl (CURLOPT_AWS_SIGV4). */
#ifndef FALCONET_BLOB_S3_SIGN_H
#define FALCONET_BLOB_S3_SIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/** Percent-encodes in as SigV4's UriEncode: the unreserved characters A-Z a-z 0-9
 * - . _ ~ stay, '/' stays when keep_slash, every other byte becomes %XX (upper-case
 * hex). Returns the length written to out (size len, NUL-terminated), or -1 when
 * out is too small. */
int s3_uri_encode(const char *in, bool keep_slash, char *out, size_t len);

/** Writes t as SigV4's timestamp, "YYYYMMDDTHHMMSSZ" (UTC). */
void s3_amz_date(time_t t, char out[17]);

struct s3_presign {
    const char *base;       /* "scheme://host[:port]", the host devices will reach */
    const char *path;       /* the object's path, already URI-encoded: "/bucket/key" */
    const char *region;     /* "us-east-1" */
    const char *access_key; /* goes into the URL */
    const char *secret_key; /* only into the signature */
    const char *amz_date;   /* the signing time, "YYYYMMDDTHHMMSSZ" */
    unsigned expires;       /* seconds, 1 to 604800 */
};

/** Writes base + path + the X-Amz-* query (Algorithm, Credential, Date, Expires,
 * SignedHeaders=host, Signature) into url (size len): a URL at which anyone may GET
 * the object until the time runs out, with an UNSIGNED-PAYLOAD canonical request as
 * S3 expects. Returns 0, or -1 when url is too small or a parameter is invalid. */
int s3_presign_get(const struct s3_presign *p, char *url, size_t len);

#endif
