/* A device's artifacts: the list of a module, the bytes, and the .MD5SUM file
 * (reference a.10, a.11). A device sees only modules of its own open actions
 * (and, for the list, of its installed set). */
#include "api/ddi/common.h"
#include "api/ddi/deployment_view.h"
#include "api/download.h"

#include "core/controller.h"
#include "store/sm_store.h"
#include "util/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MD5SUM_SUFFIX ".MD5SUM"

/* The module of path parameter 2 if this target may see it; false after a 404. */
static bool check_access(struct request *req, bool or_installed, int64_t *sm_id, int64_t *action_id)
{
    struct error e;
    if (!api_path_id(req, 2, "SoftwareModule", sm_id))
        return false;
    if (store_controller_module_access(req_store(req), ddi_req(req)->target.target_id, *sm_id,
                                       or_installed, action_id, &e) < 0) {
        api_reply_error(req, &e);
        return false;
    }
    return true;
}

static void list_artifacts(struct request *req)
{
    int64_t sm_id, action_id;
    if (!check_access(req, true, &sm_id, &action_id))
        return;
    struct artifact *arts;
    size_t n;
    struct error e;
    if (store_artifact_list(req_store(req), sm_id, &req->arena, &arts, &n, &e) < 0) {
        api_reply_error(req, &e);
        return;
    }
    struct jw w;
    jw_init(&w);
    jw_arr_begin(&w);
    for (size_t i = 0; i < n; i++)
        ddi_write_artifact(&w, req, &arts[i]);
    jw_arr_end(&w);
    ddi_reply(req, &w);
}

/* A whole-file GET is history ("Update Server: Target downloads ..."); ranged
 * requests (resumes) and HEAD are not, as in hawkBit. */
static void log_download(struct request *req, int64_t action_id)
{
    if (action_id <= 0 || strcmp(req->method, "GET") != 0 || http_header(req, "Range"))
        return;
    struct error e;
    if (controller_downloaded(req_store(req), action_id, req->path, &e) < 0)
        log_warn("cannot record the download of action %lld: %s", (long long)action_id, e.message);
}

static void send_md5sum(struct request *req, const struct artifact *art)
{
    char disposition[1024];
    api_content_disposition(disposition, sizeof(disposition),
                            arena_sprintf(&req->arena, "%s" MD5SUM_SUFFIX, art->filename));
    http_add_header(req, "Content-Disposition", disposition);
    char *body = NULL;
    size_t len = (size_t)asprintf(&body, "%s  %s", art->md5, art->filename);
    if (!body) {
        api_fail(req, ERR_INTERNAL, NULL, "out of memory");
        return;
    }
    http_reply_bytes(req, 200, body, len, "text/plain");
}

/* Finds the artifact named by path parameter 3; a name ending in .MD5SUM that is
 * not itself an artifact asks for the checksum file of the name before it. */
static bool find_artifact(struct request *req, int64_t sm_id, struct artifact *art, bool *md5sum)
{
    const char *name = req->params[3];
    struct error e;
    *md5sum = false;
    int rc = store_artifact_find(req_store(req), sm_id, name, &req->arena, art, &e);
    size_t n = strlen(name), suffix = strlen(MD5SUM_SUFFIX);
    if (rc == -ERR_NOT_FOUND && n > suffix && strcmp(name + n - suffix, MD5SUM_SUFFIX) == 0) {
        *md5sum = true;
        rc =
            store_artifact_find(req_store(req), sm_id, arena_strndup(&req->arena, name, n - suffix),
                                &req->arena, art, &e);
    }
    if (rc < 0) {
        api_reply_error(req, &e);
        return false;
    }
    return true;
}

static void download(struct request *req)
{
    int64_t sm_id, action_id;
    struct artifact art;
    bool md5sum;
    if (!check_access(req, false, &sm_id, &action_id) || !find_artifact(req, sm_id, &art, &md5sum))
        return;
    log_download(req, action_id);
    if (md5sum)
        send_md5sum(req, &art);
    else
        api_send_artifact(req, app_worker(req)->app->blobs, &art, true);
}

const struct route ddi_artifact_routes[] = {
    {"GET", DDI "/softwaremodules/{}/artifacts", list_artifacts, http_any_query, ROUTE_BODY_NONE,
     NULL, ddi_authorize},
    {"GET", DDI "/softwaremodules/{}/artifacts/{}", download, http_any_query, ROUTE_BODY_NONE, NULL,
     ddi_authorize_download},
    {0},
};
