/* The DdiDeploymentBase body shared by deploymentBase, installedBase and
 * confirmationBase: the action's mode, its set's modules as chunks with their
 * artifacts and download links, and optionally the action's history. */
#include "api/ddi/deployment_view.h"

#include "core/controller.h"
#include "core/set_contents.h"
#include "util/time.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define HISTORY_MAX 100

/* hawkBit's legacy chunk names (DataConversionHelper.mapChunkLegacyKeys). */
static const char *chunk_part(const char *type_key)
{
    if (strcmp(type_key, "application") == 0)
        return "bApp";
    if (strcmp(type_key, "runtime") == 0)
        return "jvm";
    return type_key;
}

void ddi_write_artifact(struct jw *w, struct request *req, const struct artifact *art)
{
    jw_obj_begin(w);
    jw_kv_str(w, "filename", art->filename);
    jw_key(w, "hashes");
    jw_obj_begin(w);
    jw_kv_str(w, "sha1", art->sha1);
    jw_kv_str(w, "md5", art->md5);
    jw_kv_str_opt(w, "sha256", art->sha256[0] ? art->sha256 : NULL);
    jw_obj_end(w);
    jw_kv_int(w, "size", art->size);
    jw_key(w, "_links");
    jw_obj_begin(w);
    const char *file = api_url_segment(&req->arena, art->filename);
    /* hawkBit's default rels are the -http ones whatever the scheme; over TLS the
     * https rels are added too, since rauc-hawkbit-updater looks for them first. */
    bool tls = strncmp(http_base_url(req), "https:", 6) == 0;
    if (tls)
        ddi_write_link(w, req, "download", "/softwaremodules/%lld/artifacts/%s",
                       (long long)art->sm_id, file);
    ddi_write_link(w, req, "download-http", "/softwaremodules/%lld/artifacts/%s",
                   (long long)art->sm_id, file);
    if (tls)
        ddi_write_link(w, req, "md5sum", "/softwaremodules/%lld/artifacts/%s.MD5SUM",
                       (long long)art->sm_id, file);
    ddi_write_link(w, req, "md5sum-http", "/softwaremodules/%lld/artifacts/%s.MD5SUM",
                   (long long)art->sm_id, file);
    jw_obj_end(w);
    jw_obj_end(w);
}

/* The module's targetVisible metadata as DdiMetadata; absent when there is none. */
static void write_chunk_metadata(struct jw *w, const struct metadata *md, size_t n)
{
    if (n == 0)
        return;
    jw_key(w, "metadata");
    jw_arr_begin(w);
    for (size_t i = 0; i < n; i++) {
        jw_obj_begin(w);
        jw_kv_str(w, "key", md[i].key);
        jw_kv_str(w, "value", md[i].value ? md[i].value : "");
        jw_obj_end(w);
    }
    jw_arr_end(w);
}

static void write_chunk(struct jw *w, struct request *req, const struct set_chunk *c)
{
    const struct software_module *m = c->module;
    jw_obj_begin(w);
    jw_kv_str(w, "part", chunk_part(m->type_key));
    jw_kv_str(w, "version", m->version);
    jw_kv_str(w, "name", m->name);
    if (m->encrypted)
        jw_kv_bool(w, "encrypted", true);
    write_chunk_metadata(w, c->metadata, c->n_metadata);
    jw_key(w, "artifacts");
    jw_arr_begin(w);
    for (size_t i = 0; i < c->n_artifacts; i++)
        ddi_write_artifact(w, req, &c->artifacts[i]);
    jw_arr_end(w);
    jw_obj_end(w);
}

static bool write_history(struct jw *w, struct request *req, const struct action *x, int64_t wanted)
{
    const char **msgs;
    size_t n;
    int64_t limit = wanted < 0 || wanted > HISTORY_MAX ? HISTORY_MAX : wanted;
    if (store_controller_messages(req_store(req), x->id, limit, &req->arena, &msgs, &n, NULL) < 0)
        return false;
    if (n == 0)
        return true; /* hawkBit leaves actionHistory out when the device said nothing */
    char *upper = arena_strdup(&req->arena, x->status);
    for (char *p = upper; *p; p++)
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
    jw_key(w, "actionHistory");
    jw_obj_begin(w);
    jw_kv_str(w, "status", upper);
    jw_key(w, "messages");
    jw_arr_begin(w);
    for (size_t i = 0; i < n; i++)
        jw_str(w, msgs[i]);
    jw_arr_end(w);
    jw_obj_end(w);
    return true;
}

bool ddi_write_deployment(struct jw *w, struct request *req, const struct action *x,
                          const char *key, int64_t history)
{
    struct set_contents_cache *cache = app_worker(req)->app->set_contents;
    const struct set_contents *set = set_contents_get(cache, req_store(req), x->ds_id, NULL);
    if (!set)
        return false;
    struct deployment_mode mode;
    controller_deployment_mode(x, time_now_ms(), &mode);
    jw_obj_begin(w);
    jw_kv_str(w, "id", arena_sprintf(&req->arena, "%lld", (long long)x->id));
    jw_key(w, key);
    jw_obj_begin(w);
    jw_kv_str(w, "download", mode.download);
    jw_kv_str(w, "update", mode.update);
    jw_kv_str_opt(w, "maintenanceWindow", mode.window);
    jw_key(w, "chunks");
    jw_arr_begin(w);
    for (size_t i = 0; i < set->n_chunks; i++)
        write_chunk(w, req, &set->chunks[i]);
    set_contents_release(cache, set);
    jw_arr_end(w);
    jw_obj_end(w);
    if (history != 0 && !write_history(w, req, x, history))
        return false;
    jw_obj_end(w);
    return true;
}

bool ddi_history_param(struct request *req, int64_t *out)
{
    const char *v = http_query(req, "actionHistory");
    *out = 0;
    if (!v || !*v) /* absent or empty: the default, no history */
        return true;
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (errno || end == v || *end) {
        api_fail(req, ERR_INVALID, "rest.param.invalidField", "actionHistory must be an integer");
        return false;
    }
    *out = n;
    return true;
}
