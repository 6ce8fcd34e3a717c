/* HAL links: every href is absolute, built from the base URL the client used
 * (Host and X-Forwarded-* headers), so devices and clients behind proxies can
 * follow them verbatim. */
#ifndef FALCONET_API_LINKS_H
#define FALCONET_API_LINKS_H

#include "http/http.h"
#include "util/json_writer.h"

/** Writes "rel": {"href": "<base url><path>"} (path built printf-style). */
void api_write_link(struct jw *w, struct request *req, const char *rel, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/** Appends s to the arena string being built as a URL path segment: bytes outside
 * RFC 3986 unreserved characters are percent-encoded. */
char *api_url_segment(struct arena *a, const char *s);

#endif
