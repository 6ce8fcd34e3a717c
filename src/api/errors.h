/* Maps the store's and core's err_kind to HTTP status codes and hawkBit's error
 * body; the one place where that mapping lives. */
#ifndef FALCONET_API_ERRORS_H
#define FALCONET_API_ERRORS_H

#include "http/http.h"
#include "util/error.h"

/** Replies with the hawkBit error body for e. */
void api_reply_error(struct request *req, const struct error *e);
/** Shorthand: builds the error and replies. */
void api_fail(struct request *req, enum err_kind kind, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
