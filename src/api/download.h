/* Serving an artifact's bytes: the response headers hawkBit clients expect
 * (Content-Disposition, ETag "<sha1>", Accept-Ranges, Last-Modified), conditional
 * requests (If-Match -> 412, If-Range), byte ranges (206, multipart/byteranges for
 * several, 416) and HEAD. A whole file or one range goes out with sendfile from the
 * blob store; several ranges are read in bounded blocks while they are sent. A
 * remote store (S3) streams the whole body, one range, or each range of a
 * multipart/byteranges body through a bounded buffer (one ranged read per part), or,
 * in redirect mode, answers 302 to a presigned URL of the object.
 * Shared by the Management API download and the DDI download. */
#ifndef FALCONET_API_DOWNLOAD_H
#define FALCONET_API_DOWNLOAD_H

#include "blob/blob.h"
#include "http/http.h"
#include "store/model.h"

/** Replies with the bytes of art (a live artifact row): 200, 206 for a satisfiable
 * Range on GET (one range: the slice with Content-Range; several: a
 * multipart/byteranges body), 416 with the size when no range is satisfiable or the
 * ranges overlap or go backwards, 412 when If-Match names another entity tag, 410
 * when the row exists but the bytes are gone. A malformed Range is ignored (200,
 * RFC 9110); see http/range.h for the exact rules. With redirect and a store that
 * offers direct URLs (blob_direct_url), a 302 to one instead (after the If-Match
 * check). */
void api_send_artifact(struct request *req, struct blob_store *bs, const struct artifact *art,
                       bool redirect);

/** Writes a Content-Disposition value "attachment;filename=..." for filename into
 * buf (size len): the bare name when it is an RFC 9110 token, else a quoted string
 * with '"' and '\' escaped and non-ASCII bytes replaced, plus an RFC 8187
 * filename* parameter with the exact UTF-8 name. Truncates safely when buf is short. */
void api_content_disposition(char *buf, size_t len, const char *filename);

#endif
