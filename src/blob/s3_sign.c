#include "blob/s3_sign.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>

static bool unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

int s3_uri_encode(const char *in, bool keep_slash, char *out, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
        bool plain = unreserved(*p) || (keep_slash && *p == '/');
        size_t need = plain ? 1 : 3;
        if (n + need >= len)
            return -1;
        if (plain) {
            out[n++] = (char)*p;
            continue;
        }
        out[n++] = '%';
        out[n++] = hex[*p >> 4];
        out[n++] = hex[*p & 15];
    }
    if (n >= len)
        return -1;
    out[n] = '\0';
    return (int)n;
}

void s3_amz_date(time_t t, char out[17])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm);
}

static void to_hex(const unsigned char *d, size_t n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[d[i] >> 4];
        out[2 * i + 1] = hex[d[i] & 15];
    }
    out[2 * n] = '\0';
}

static int hmac(const unsigned char *key, size_t key_len, const char *msg,
                unsigned char out[SHA256_DIGEST_LENGTH])
{
    unsigned int n = 0;
    return HMAC(EVP_sha256(), key, (int)key_len, (const unsigned char *)msg, strlen(msg), out,
                &n) &&
                   n == SHA256_DIGEST_LENGTH
               ? 0
               : -1;
}

/* kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), "s3"), "aws4_request") */
static int signing_key(const struct s3_presign *p, const char *date,
                       unsigned char key[SHA256_DIGEST_LENGTH])
{
    char secret[512];
    if (snprintf(secret, sizeof(secret), "AWS4%s", p->secret_key) >= (int)sizeof(secret))
        return -1;
    unsigned char k[SHA256_DIGEST_LENGTH];
    int rc = hmac((const unsigned char *)secret, strlen(secret), date, k) |
             hmac(k, sizeof(k), p->region, k) | hmac(k, sizeof(k), "s3", k) |
             hmac(k, sizeof(k), "aws4_request", key);
    OPENSSL_cleanse(secret, sizeof(secret));
    OPENSSL_cleanse(k, sizeof(k));
    return rc;
}

int s3_presign_get(const struct s3_presign *p, char *url, size_t len)
{
    const char *host = strstr(p->base, "://");
    if (!host || strlen(p->amz_date) != 16 || p->expires < 1 || p->expires > 604800)
        return -1;
    host += 3;
    char date[9], scope[128], credential[512], query[1024];
    snprintf(date, sizeof(date), "%.8s", p->amz_date);
    if (snprintf(scope, sizeof(scope), "%s/%s/s3/aws4_request", date, p->region) >=
            (int)sizeof(scope) ||
        snprintf(query, sizeof(query), "%s/%s", p->access_key, scope) >= (int)sizeof(query) ||
        s3_uri_encode(query, false, credential, sizeof(credential)) < 0)
        return -1;
    /* The canonical query string: parameters sorted by name, values encoded. */
    if (snprintf(query, sizeof(query),
                 "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=%s&X-Amz-Date=%s"
                 "&X-Amz-Expires=%u&X-Amz-SignedHeaders=host",
                 credential, p->amz_date, p->expires) >= (int)sizeof(query))
        return -1;
    char canonical[4096];
    if (snprintf(canonical, sizeof(canonical), "GET\n%s\n%s\nhost:%s\n\nhost\nUNSIGNED-PAYLOAD",
                 p->path, query, host) >= (int)sizeof(canonical))
        return -1;
    unsigned char digest[SHA256_DIGEST_LENGTH];
    char digest_hex[2 * SHA256_DIGEST_LENGTH + 1];
    SHA256((const unsigned char *)canonical, strlen(canonical), digest);
    to_hex(digest, sizeof(digest), digest_hex);
    char to_sign[512];
    snprintf(to_sign, sizeof(to_sign), "AWS4-HMAC-SHA256\n%s\n%s\n%s", p->amz_date, scope,
             digest_hex);
    unsigned char key[SHA256_DIGEST_LENGTH], sig[SHA256_DIGEST_LENGTH];
    if (signing_key(p, date, key) < 0 || hmac(key, sizeof(key), to_sign, sig) < 0)
        return -1;
    OPENSSL_cleanse(key, sizeof(key));
    char sig_hex[2 * SHA256_DIGEST_LENGTH + 1];
    to_hex(sig, sizeof(sig), sig_hex);
    int n = snprintf(url, len, "%s%s?%s&X-Amz-Signature=%s", p->base, p->path, query, sig_hex);
    return n < 0 || (size_t)n >= len ? -1 : 0;
}
