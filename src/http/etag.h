/* Entity-tag lists of the conditional request headers If-None-Match and If-Match
 * (RFC 9110 8.8.3, 13.1.1, 13.1.2). A pure function with no I/O, shared by the JSON
 * replies (If-None-Match, request.c) and the artifact download (If-Match). */
#ifndef FALCONET_HTTP_ETAG_H
#define FALCONET_HTTP_ETAG_H

#include <stdbool.h>

/** Whether header (a field value; NULL = absent) names etag: it is "*", or a
 * comma-separated list with OWS holding a tag equal to etag. etag is a quoted
 * entity tag ("\"abc\"", optionally W/-prefixed). weak selects the comparison:
 * weak (If-None-Match) ignores W/ prefixes on both sides; strong (If-Match) never
 * matches a weak tag. A list that turns malformed matches only through the tags
 * before the error, so garbage never matches. */
bool etag_list_matches(const char *header, const char *etag, bool weak);

#endif
