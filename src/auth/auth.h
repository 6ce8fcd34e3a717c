/* Credentials: password hashing (Argon2id), a cache of recent successful
 * verifications, random tokens and constant-time comparison (libsodium). */
#ifndef FALCONET_AUTH_AUTH_H
#define FALCONET_AUTH_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#define AUTH_HASH_MAX 128          /* room for an encoded Argon2id hash */
#define AUTH_CACHE_TTL_MS (5 * 60 * 1000)

/** Initialises libsodium and the cache key. Call once at start-up; -1 on failure. */
int auth_init(void);

/** Argon2id hash of password in out (AUTH_HASH_MAX bytes); -1 on failure. */
int auth_password_hash(const char *password, char out[AUTH_HASH_MAX]);
/** Checks username/password against the stored hash, consulting the verification
 * cache first so a busy API client pays the ~90 ms hash once per TTL. The cache
 * holds only a keyed hash of the credentials, never the password. */
bool auth_password_check(const char *username, const char *password, const char *stored_hash);
/** Forgets cached verifications (after a password change). */
void auth_cache_clear(void);

/** Fills out with 2*bytes random hex characters and a NUL (out must hold 2*bytes+1). */
void auth_random_hex(char *out, size_t bytes);
/** Compares two secrets in time independent of where they differ. NULL never matches. */
bool auth_secret_equal(const char *a, const char *b);

/** Splits an "Authorization: Basic ..." value into user and password (copied into
 * buf of size n). false when malformed. */
bool auth_parse_basic(const char *header, char *buf, size_t n, const char **user,
                      const char **password);

#endif
