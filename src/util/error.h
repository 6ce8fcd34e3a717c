/* The one error convention: functions return 0 on success or a negative err_kind,
 * and describe the failure in a caller-provided struct error. The API layer maps
 * kinds to HTTP statuses and hawkBit error codes in exactly one place
 * (api/errors.c). */
#ifndef FALCONET_UTIL_ERROR_H
#define FALCONET_UTIL_ERROR_H

enum err_kind {
    ERR_OK = 0,
    ERR_INVALID = 1,     /* bad input: 400 */
    ERR_NOT_FOUND = 2,   /* 404 */
    ERR_EXISTS = 3,      /* unique constraint: 409 */
    ERR_LOCKED = 4,      /* locked entity: 423 */
    ERR_NOT_ALLOWED = 5, /* wrong state for this operation: 405 */
    ERR_GONE = 6,        /* 410 */
    ERR_QUOTA = 7,       /* 429 */
    ERR_TOO_LARGE = 8,   /* 413 */
    ERR_CONFLICT = 9,    /* state conflict other than duplicates: 409 */
    ERR_UNAVAILABLE = 10, /* backend down or busy: 503 */
    ERR_INTERNAL = 11,   /* 500 */
    ERR_FORBIDDEN = 12,  /* read-only entity or change not allowed: 403 */
};

struct error {
    enum err_kind kind;
    /* hawkBit errorCode without the "hawkbit.server.error." prefix; NULL = the kind's default. */
    const char *code;
    char message[256];
};

/** Fills *e (which may be NULL) and returns -kind, so callers can `return err_set(...)`. */
int err_set(struct error *e, enum err_kind kind, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
