#include "auth/auth.h"

#include "util/time.h"

#include <pthread.h>
#include <sodium.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#define CACHE_SLOTS 256

struct cache_entry {
    unsigned char digest[crypto_generichash_BYTES];
    int64_t expires_ms;
};

static unsigned char cache_key[crypto_generichash_KEYBYTES];
static struct cache_entry cache[CACHE_SLOTS];
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

int auth_init(void)
{
    if (sodium_init() < 0)
        return -1;
    randombytes_buf(cache_key, sizeof(cache_key));
    return 0;
}

int auth_password_hash(const char *password, char out[AUTH_HASH_MAX])
{
    _Static_assert(crypto_pwhash_STRBYTES <= AUTH_HASH_MAX, "hash buffer too small");
    return crypto_pwhash_str(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                             crypto_pwhash_MEMLIMIT_INTERACTIVE);
}

/* Keyed hash of user, password and the stored hash: a password change invalidates
 * the entry, and a memory dump reveals no usable credential. */
static void credential_digest(const char *user, const char *password, const char *stored,
                              unsigned char out[crypto_generichash_BYTES])
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, cache_key, sizeof(cache_key), crypto_generichash_BYTES);
    crypto_generichash_update(&st, (const unsigned char *)user, strlen(user) + 1);
    crypto_generichash_update(&st, (const unsigned char *)password, strlen(password) + 1);
    crypto_generichash_update(&st, (const unsigned char *)stored, strlen(stored) + 1);
    crypto_generichash_final(&st, out, crypto_generichash_BYTES);
}

bool auth_password_check(const char *username, const char *password, const char *stored_hash)
{
    unsigned char digest[crypto_generichash_BYTES];
    credential_digest(username, password, stored_hash, digest);
    size_t slot = digest[0] | ((size_t)digest[1] << 8);
    slot %= CACHE_SLOTS;
    int64_t now = time_mono_ms();
    pthread_mutex_lock(&cache_lock);
    bool hit = cache[slot].expires_ms > now &&
               sodium_memcmp(cache[slot].digest, digest, sizeof(digest)) == 0;
    pthread_mutex_unlock(&cache_lock);
    if (hit)
        return true;
    if (crypto_pwhash_str_verify(stored_hash, password, strlen(password)) != 0)
        return false;
    pthread_mutex_lock(&cache_lock);
    memcpy(cache[slot].digest, digest, sizeof(digest));
    cache[slot].expires_ms = now + AUTH_CACHE_TTL_MS;
    pthread_mutex_unlock(&cache_lock);
    return true;
}

void auth_cache_clear(void)
{
    pthread_mutex_lock(&cache_lock);
    sodium_memzero(cache, sizeof(cache));
    pthread_mutex_unlock(&cache_lock);
}

void auth_random_hex(char *out, size_t bytes)
{
    unsigned char buf[64];
    while (bytes > 0) {
        size_t n = bytes > sizeof(buf) ? sizeof(buf) : bytes;
        randombytes_buf(buf, n);
        sodium_bin2hex(out, n * 2 + 1, buf, n);
        out += n * 2;
        bytes -= n;
    }
    *out = '\0';
}

bool auth_secret_equal(const char *a, const char *b)
{
    if (!a || !b)
        return false;
    /* Compare fixed-size digests so neither content nor length leaks through timing. */
    unsigned char da[crypto_generichash_BYTES], db[crypto_generichash_BYTES];
    crypto_generichash(da, sizeof(da), (const unsigned char *)a, strlen(a), cache_key,
                       sizeof(cache_key));
    crypto_generichash(db, sizeof(db), (const unsigned char *)b, strlen(b), cache_key,
                       sizeof(cache_key));
    return sodium_memcmp(da, db, sizeof(da)) == 0;
}

bool auth_parse_basic(const char *header, char *buf, size_t n, const char **user,
                      const char **password)
{
    if (!header || strncasecmp(header, "Basic ", 6) != 0)
        return false;
    const char *b64 = header + 6;
    while (*b64 == ' ')
        b64++;
    size_t len = 0;
    if (sodium_base642bin((unsigned char *)buf, n - 1, b64, strlen(b64), NULL, &len, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0)
        return false;
    buf[len] = '\0';
    if (strlen(buf) != len)
        return false; /* embedded NUL */
    char *colon = strchr(buf, ':');
    if (!colon)
        return false;
    *colon = '\0';
    *user = buf;
    *password = colon + 1;
    return true;
}
