/* /rest/v1/softwaremodules/{id}/artifacts: streamed multipart upload, list, read,
 * delete and download.
 *
 * An upload is checked before its body is read (module exists and is not locked,
 * Content-Length within storage.max_artifact_bytes plus multipart framing, a
 * filename given as query parameter), so those refusals stop the upload at once.
 * Then the part named "file" streams into a blob writer as it arrives (the HTTP
 * layer never buffers it), its size is checked on every chunk, and after the body:
 * fsync (blob_put_finish) -> checksum check -> publish (blob_put_commit) -> insert
 * the row. If the insert fails the blob is deleted again; if anything fails
 * earlier, or the client goes away, the writer is aborted and nothing remains.
 *
 * The request's upload state (struct upload) lives in its arena; the blob writer in
 * it is owned by the request until committed or aborted, and upload_finished()
 * aborts whatever is left when the request ends, completed or not. */
#include "api/mgmt/common.h"
#include "api/mgmt/views.h"

#include "api/download.h"
#include "store/sm_store.h"
#include "util/log.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define FILENAME_MAX_LEN 256
/* Room for the multipart framing and the small form fields around the file part:
 * a body longer than the artifact limit plus this cannot hold an acceptable file. */
#define MULTIPART_OVERHEAD_MAX (64 * 1024)

struct upload {
    int64_t sm_id;
    struct blob_writer *writer; /* NULL once committed or aborted */
    const char *part_filename;
    uint64_t received, limit;
    bool in_file; /* the part being received is the "file" part */
    bool have_file;
};

static const char *const upload_params[] = {"filename", "md5sum", "sha1sum", "sha256sum", NULL};
static const char *const list_params[] = {"representation", "useartifacturlhandler", NULL};

static void write_artifact(struct jw *w, struct request *req, const struct artifact *a)
{
    jw_obj_begin(w);
    mgmt_write_audit(w, &a->audit);
    jw_key(w, "hashes");
    jw_obj_begin(w);
    jw_kv_str(w, "sha1", a->sha1);
    jw_kv_str(w, "md5", a->md5);
    jw_kv_str(w, "sha256", a->sha256);
    jw_obj_end(w);
    jw_kv_str(w, "providedFilename", a->filename);
    jw_kv_int(w, "size", a->size);
    jw_kv_int(w, "id", a->id);
    jw_key(w, "_links");
    jw_obj_begin(w);
    long long sm = (long long)a->sm_id, id = (long long)a->id;
    api_write_link(w, req, "self", MGMT "/softwaremodules/%lld/artifacts/%lld", sm, id);
    api_write_link(w, req, "download", MGMT "/softwaremodules/%lld/artifacts/%lld/download", sm,
                    id);
    jw_obj_end(w);
    jw_obj_end(w);
}

/* Loads the module of path parameter 0; a soft-deleted one counts as missing and,
 * when `writable`, a locked one is refused with 423. false after replying. */
static bool load_live_sm(struct request *req, bool writable, struct software_module *m)
{
    if (!mgmt_load_sm(req, 0, m))
        return false;
    if (m->deleted) {
        api_fail(req, ERR_NOT_FOUND, "repo.entityNotFound",
                 "SoftwareModule with given identifier {%lld} does not exist.", (long long)m->id);
        return false;
    }
    if (writable && m->locked) {
        api_fail(req, ERR_LOCKED, "locked", "SoftwareModule {%lld} is locked", (long long)m->id);
        return false;
    }
    return true;
}

/* Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF. */
static bool valid_utf8(const unsigned char *s)
{
    while (*s) {
        unsigned c = *s, n = c < 0x80             ? 0
                             : (c & 0xe0) == 0xc0 ? 1
                             : (c & 0xf0) == 0xe0 ? 2
                             : (c & 0xf8) == 0xf0 ? 3
                                                  : 4;
        if (n == 4 || (n == 1 && c < 0xc2) || (n == 3 && c > 0xf4))
            return false;
        for (unsigned i = 1; i <= n; i++)
            if ((s[i] & 0xc0) != 0x80)
                return false;
        if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f) ||
            (c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] > 0x8f))
            return false;
        s += n + 1;
    }
    return true;
}

/* A filename is only ever a label (the blob key is our own random name), but it goes
 * into JSON, headers and the devices' file systems: refuse empty, over-long, path-like,
 * control characters and invalid UTF-8. false after replying 400. */
static bool check_filename(struct request *req, const char *name)
{
    size_t n = name ? strlen(name) : 0;
    bool ok = n > 0 && n <= FILENAME_MAX_LEN && strcmp(name, ".") != 0 && strcmp(name, "..") != 0 &&
              valid_utf8((const unsigned char *)name);
    for (size_t i = 0; ok && i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        ok = c >= 0x20 && c != 0x7f && c != '/' && c != '\\';
    }
    if (!ok)
        api_fail(req, ERR_INVALID, "rest.body.notReadable",
                 "Invalid artifact filename: 1 to %d bytes of UTF-8 without control"
                 " characters, '/' or '\\', and not '.' or '..'",
                 FILENAME_MAX_LEN);
    return ok;
}

/* The name to store: the filename parameter (query, then form field) overrides the
 * part's own filename. */
static const char *effective_filename(struct request *req, const struct upload *up)
{
    const char *name = http_query(req, "filename");
    if (!name || !*name)
        name = http_form(req, "filename");
    return name && *name ? name : up->part_filename;
}

static void upload_finished(struct request *req, bool completed)
{
    struct upload *up = req->ctx;
    if (up && up->writer) {
        blob_put_abort(up->writer);
        up->writer = NULL;
    }
}

static void abort_upload(struct upload *up)
{
    blob_put_abort(up->writer);
    up->writer = NULL;
}

/* 409 when module sm_id already has a live artifact called name; false after replying. */
static bool check_unique(struct request *req, int64_t sm_id, const char *name)
{
    struct artifact existing;
    struct error e;
    int rc = store_artifact_find(req_store(req), sm_id, name, &req->arena, &existing, &e);
    if (rc == 0)
        api_fail(req, ERR_EXISTS, "repo.entityAlreadyExists",
                 "An artifact named {%s} already exists in software module {%lld}", name,
                 (long long)sm_id);
    else if (rc != -ERR_NOT_FOUND)
        mgmt_fail(req, &e);
    return rc == -ERR_NOT_FOUND;
}

static bool body_too_large(struct request *req, uint64_t limit)
{
    const char *cl = http_header(req, "Content-Length");
    if (!cl || strtoull(cl, NULL, 10) <= limit + MULTIPART_OVERHEAD_MAX)
        return false;
    api_fail(req, ERR_TOO_LARGE, "quota.fileSizeExceeded",
             "Artifact exceeds the maximum file size of %llu bytes", (unsigned long long)limit);
    return true;
}

/* The route's authorize hook: runs on the headers, before any body byte is read,
 * and sets up the request's upload state. */
static bool authorize_upload(struct request *req)
{
    struct software_module m;
    if (!mgmt_authorize(req) || !load_live_sm(req, true, &m))
        return false;
    struct upload *up = arena_alloc(&req->arena, sizeof(*up));
    up->sm_id = m.id;
    up->limit = (uint64_t)app_worker(req)->app->config->max_artifact_size;
    if (body_too_large(req, up->limit))
        return false;
    const char *name = http_query(req, "filename");
    if (name && *name && (!check_filename(req, name) || !check_unique(req, m.id, name)))
        return false;
    req->ctx = up;
    http_on_finish(req, upload_finished);
    return true;
}

static int file_begin(struct request *req, const char *field, const char *filename)
{
    struct upload *up = req->ctx;
    up->in_file = strcmp(field, "file") == 0;
    if (!up->in_file)
        return 0; /* other file parts are ignored, as Spring's @RequestPart("file") does */
    if (up->have_file) {
        api_fail(req, ERR_INVALID, "rest.body.notReadable", "Only one 'file' part is allowed");
        return -1;
    }
    up->have_file = true;
    up->part_filename = arena_strdup(&req->arena, filename);
    const char *name = effective_filename(req, up);
    if (!check_filename(req, name) || !check_unique(req, up->sm_id, name))
        return -1;
    struct error e;
    if (!(up->writer = blob_put_begin(app_worker(req)->app->blobs, &e))) {
        mgmt_fail(req, &e);
        return -1;
    }
    return 0;
}

static int file_data(struct request *req, const char *data, size_t size)
{
    struct upload *up = req->ctx;
    if (!up->in_file)
        return 0;
    struct error e;
    up->received += size;
    if (up->received > up->limit) {
        abort_upload(up);
        api_fail(req, ERR_TOO_LARGE, "quota.fileSizeExceeded",
                 "Artifact exceeds the maximum file size of %llu bytes",
                 (unsigned long long)up->limit);
        return -1;
    }
    if (blob_put_write(up->writer, data, size, &e) < 0) {
        abort_upload(up);
        mgmt_fail(req, &e);
        return -1;
    }
    return 0;
}

/* Compares a client-supplied digest (query, then form field) case-insensitively;
 * false after replying 400 with hawkBit's checksum error code. */
static bool check_digest(struct request *req, const char *param, const char *actual,
                         const char *code)
{
    const char *want = http_query(req, param);
    if (!want || !*want)
        want = http_form(req, param);
    if (!want || !*want || strcasecmp(want, actual) == 0)
        return true;
    api_fail(req, ERR_INVALID, code, "The uploaded file does not match the given %s", param);
    return false;
}

/* fsync, verify, publish; fills the size, digests and blob key of art. */
static bool finish_blob(struct request *req, struct upload *up, struct artifact *art)
{
    struct multihash_hex h;
    uint64_t size;
    struct error e;
    if (blob_put_finish(up->writer, &size, &h, &e) < 0) {
        abort_upload(up);
        mgmt_fail(req, &e);
        return false;
    }
    if (size == 0) { /* hawkBit refuses an empty file part with 400 as well */
        abort_upload(up);
        api_fail(req, ERR_INVALID, "rest.body.notReadable", "The uploaded file is empty");
        return false;
    }
    if (!check_digest(req, "md5sum", h.md5, "artifact.uploadFailed.checksum.md5.match") ||
        !check_digest(req, "sha1sum", h.sha1, "artifact.uploadFailed.checksum.sha1.match") ||
        !check_digest(req, "sha256sum", h.sha256, "artifact.uploadFailed.checksum.sha256.match")) {
        abort_upload(up);
        return false;
    }
    char key[BLOB_KEY_MAX];
    int rc = blob_put_commit(up->writer, key, &e);
    up->writer = NULL; /* consumed by commit, also when it fails */
    if (rc < 0) {
        mgmt_fail(req, &e);
        return false;
    }
    art->size = (int64_t)size;
    art->md5 = arena_strdup(&req->arena, h.md5);
    art->sha1 = arena_strdup(&req->arena, h.sha1);
    art->sha256 = arena_strdup(&req->arena, h.sha256);
    art->blob_key = arena_strdup(&req->arena, key);
    return true;
}

/* Runs once the whole body is in. */
static void upload_artifact(struct request *req)
{
    struct upload *up = req->ctx;
    if (!up->have_file) {
        api_fail(req, ERR_INVALID, "rest.body.notReadable", "Required part 'file' is not present.");
        return;
    }
    struct artifact art = {.sm_id = up->sm_id, .filename = effective_filename(req, up)};
    if (!check_filename(req, art.filename) || !finish_blob(req, up, &art))
        return;
    struct error e;
    if (store_artifact_create(req_store(req), &art, req->user, &e) < 0) {
        struct error del;
        if (blob_delete(app_worker(req)->app->blobs, art.blob_key, &del) < 0)
            log_error("cannot remove unrecorded artifact key=%s error=\"%s\"", art.blob_key,
                      del.message);
        mgmt_fail(req, &e);
        return;
    }
    struct jw w;
    jw_init(&w);
    write_artifact(&w, req, &art);
    mgmt_reply(req, 201, &w);
}

static const struct upload_ops upload_ops = {file_begin, file_data};

static void list_artifacts(struct request *req)
{
    struct software_module m;
    struct artifact *items;
    size_t count;
    struct error e;
    if (!mgmt_load_sm(req, 0, &m))
        return;
    if (store_artifact_list(req_store(req), m.id, &req->arena, &items, &count, &e) < 0) {
        mgmt_fail(req, &e);
        return;
    }
    struct jw w;
    jw_init(&w);
    jw_arr_begin(&w);
    for (size_t i = 0; i < count; i++)
        write_artifact(&w, req, &items[i]);
    jw_arr_end(&w);
    mgmt_reply(req, 200, &w);
}

/* Loads the live artifact of path parameters {module}/{artifact}; false after replying. */
static bool load_artifact(struct request *req, bool writable, struct artifact *art)
{
    struct software_module m;
    int64_t id;
    struct error e;
    if (!load_live_sm(req, writable, &m) || !api_path_id(req, 1, "Artifact", &id))
        return false;
    if (store_artifact_get(req_store(req), m.id, id, &req->arena, art, &e) < 0) {
        mgmt_fail(req, &e);
        return false;
    }
    return true;
}

static void get_artifact(struct request *req)
{
    struct artifact art;
    if (!load_artifact(req, false, &art))
        return;
    struct jw w;
    jw_init(&w);
    write_artifact(&w, req, &art);
    mgmt_reply(req, 200, &w);
}

/* The row goes first, then the bytes (see softwaremodules.c). */
static void delete_artifact(struct request *req)
{
    struct artifact art;
    const char *key;
    struct error e;
    if (!load_artifact(req, true, &art))
        return;
    if (store_artifact_delete(req_store(req), art.sm_id, art.id, req->user, &req->arena, &key, &e) <
        0) {
        mgmt_fail(req, &e);
        return;
    }
    if (blob_delete(app_worker(req)->app->blobs, key, &e) < 0)
        log_error("artifact %lld: %s", (long long)art.id, e.message);
    http_reply_empty(req, 200);
}

static void download_artifact(struct request *req)
{
    struct artifact art;
    if (load_artifact(req, false, &art))
        api_send_artifact(req, app_worker(req)->app->blobs, &art, false);
}

const struct route mgmt_artifact_routes[] = {
    {"POST", MGMT "/softwaremodules/{}/artifacts", upload_artifact, upload_params,
     ROUTE_BODY_MULTIPART, &upload_ops, authorize_upload},
    {"GET", MGMT "/softwaremodules/{}/artifacts", list_artifacts, list_params, ROUTE_BODY_NONE,
     NULL, mgmt_authorize},
    {"GET", MGMT "/softwaremodules/{}/artifacts/{}", get_artifact, NULL, ROUTE_BODY_NONE, NULL,
     mgmt_authorize},
    {"DELETE", MGMT "/softwaremodules/{}/artifacts/{}", delete_artifact, NULL, ROUTE_BODY_NONE,
     NULL, mgmt_authorize},
    {"GET", MGMT "/softwaremodules/{}/artifacts/{}/download", download_artifact, NULL,
     ROUTE_BODY_NONE, NULL, mgmt_authorize},
    {0},
};
