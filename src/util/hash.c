#include "util/hash.h"

#include <openssl/evp.h>
#include <stdlib.h>

struct multihash {
    EVP_MD_CTX *md5, *sha1, *sha256;
};

struct multihash *multihash_new(void)
{
    struct multihash *h = calloc(1, sizeof(*h));
    if (!h)
        return NULL;
    h->md5 = EVP_MD_CTX_new();
    h->sha1 = EVP_MD_CTX_new();
    h->sha256 = EVP_MD_CTX_new();
    if (!h->md5 || !h->sha1 || !h->sha256 || !EVP_DigestInit_ex(h->md5, EVP_md5(), NULL) ||
        !EVP_DigestInit_ex(h->sha1, EVP_sha1(), NULL) ||
        !EVP_DigestInit_ex(h->sha256, EVP_sha256(), NULL)) {
        multihash_free(h);
        return NULL;
    }
    return h;
}

void multihash_update(struct multihash *h, const void *data, size_t len)
{
    EVP_DigestUpdate(h->md5, data, len);
    EVP_DigestUpdate(h->sha1, data, len);
    EVP_DigestUpdate(h->sha256, data, len);
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

void multihash_final(struct multihash *h, struct multihash_hex *out)
{
    final_hex(h->md5, out->md5);
    final_hex(h->sha1, out->sha1);
    final_hex(h->sha256, out->sha256);
}

void multihash_free(struct multihash *h)
{
    if (!h)
        return;
    EVP_MD_CTX_free(h->md5);
    EVP_MD_CTX_free(h->sha1);
    EVP_MD_CTX_free(h->sha256);
    free(h);
}

int hash_md5_hex(const void *data, size_t len, char out[33])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (!EVP_Digest(data, len, md, &n, EVP_md5(), NULL) || n != 16) {
        out[0] = '\0';
        return -1;
    }
    to_hex(md, n, out);
    return 0;
}
