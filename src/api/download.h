/* Serving an artifact's bytes: the response headers hawkBit clients expect
 * (Content-Disposition, ETag "<sha1>", Accept-Ranges, Last-Modified), conditional
 * requests (If-Match -> 412, If-Range), single byte ranges (206 / 416) and HEAD.
 * The bytes go out with sendfile from the blob store; nothing is read into memory.
 * Shared by the Management API download and the DDI download. */
#ifndef FALCONET_API_DOWNLOAD_H
#define FALCONET_API_DOWNLOAD_H

#include "blob/blob.h"
#include "http/http.h"
#include "store/model.h"

/** Replies with the bytes of art (a live artifact row): 200, 206 for a satisfiable
 * Range on GET (only the first range of a list is served), 416 with the size when no
 * range is satisfiable, 412 when If-Match names another entity tag, 410 when the row
 * exists but the bytes are gone. A malformed Range is ignored (200, RFC 9110). */
void api_send_artifact(struct request *req, struct blob_store *bs, const struct artifact *art);

/** Writes a Content-Disposition value "attachment;filename=..." for filename into
 * buf (size len): the bare name when it is an RFC 9110 token, else a quoted string
 * with '"' and '\' escaped and non-ASCII bytes replaced, plus an RFC 8187
 * filename* parameter with the exact UTF-8 name. Truncates safely when buf is short. */
void api_content_disposition(char *buf, size_t len, const char *filename);

#endif
