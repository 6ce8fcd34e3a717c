#include "api/ddi/common.h"

#include "auth/auth.h"
#include "core/controller.h"
#include "core/last_seen.h"
#include "store/action_store.h"
#include "util/time.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_AUTHORITY_HEADERS 8

enum device_auth {
    AUTH_FAILED, /* the lookup failed and was answered */
    AUTH_NONE,
    AUTH_TARGET,
    AUTH_GATEWAY,
    AUTH_PROXY,
    AUTH_ANONYMOUS
};

static void reply_unauthorized(struct request *req)
{
    http_reply_empty(req, 401);
}

/* "TargetToken <token>": the scheme is case-sensitive and followed by exactly one
 * space (hawkBit); the rest is compared verbatim. */
static const char *scheme_value(const char *header, const char *scheme)
{
    size_t n = strlen(scheme);
    if (!header || strncmp(header, scheme, n) != 0 || header[n] != ' ' || header[n + 1] == ' ')
        return NULL;
    return header + n + 1;
}

/* Does one comma/semicolon separated value list share an entry with another
 * (case-insensitive, surrounding blanks ignored)? */
static bool lists_intersect(const char *offered, const char *configured)
{
    for (const char *o = offered; *o;) {
        o += strspn(o, " \t,;");
        size_t on = strcspn(o, ",;");
        size_t ot = on;
        while (ot > 0 && (o[ot - 1] == ' ' || o[ot - 1] == '\t'))
            ot--;
        for (const char *c = configured; ot > 0 && *c;) {
            c += strspn(c, " \t,;");
            size_t cn = strcspn(c, ",;");
            size_t ct = cn;
            while (ct > 0 && (c[ct - 1] == ' ' || c[ct - 1] == '\t'))
                ct--;
            if (ct == ot && strncasecmp(o, c, ot) == 0)
                return true;
            c += cn;
        }
        o += on;
    }
    return false;
}

/* Certificate authentication by a TLS-terminating proxy: the controller id it saw
 * must be the path's, and one issuer hash must be a configured authority. Both the
 * current header names and hawkBit 0.x's are accepted. */
static bool proxy_header_ok(struct request *req, const char *controller_id, const char *authorities)
{
    const char *cn = http_header(req, "X-Controller-Id");
    if (!cn)
        cn = http_header(req, "X-Ssl-Client-Cn");
    if (!cn || strcmp(cn, controller_id) != 0 || !authorities[0])
        return false;
    const char *single = http_header(req, "X-Authority");
    if (single && lists_intersect(single, authorities))
        return true;
    for (int i = 0; i < MAX_AUTHORITY_HEADERS; i++) {
        char name[32];
        snprintf(name, sizeof(name), "X-Authority-%d", i);
        const char *v = http_header(req, name);
        snprintf(name, sizeof(name), "X-Ssl-Issuer-Hash-%d", i + 1);
        const char *legacy = http_header(req, name);
        if ((v && lists_intersect(v, authorities)) ||
            (legacy && lists_intersect(legacy, authorities)))
            return true;
    }
    return false;
}

static enum device_auth authenticate(struct request *req, const struct ddi_request *d, bool known,
                                     bool anonymous_ok)
{
    const struct tenant_settings *cfg = &d->settings;
    const char *authorization = http_header(req, "Authorization");
    const char *token = scheme_value(authorization, "TargetToken");
    if (token && cfg->targettoken_auth && known &&
        auth_secret_equal(token, d->target.security_token))
        return AUTH_TARGET;
    token = scheme_value(authorization, "GatewayToken");
    if (token && cfg->gatewaytoken_auth && cfg->gateway_key[0] &&
        auth_secret_equal(token, cfg->gateway_key))
        return AUTH_GATEWAY;
    if (cfg->header_auth && proxy_header_ok(req, req->params[1], cfg->header_authority))
        return AUTH_PROXY;
    if (anonymous_ok && cfg->anonymous_download)
        return AUTH_ANONYMOUS;
    return AUTH_NONE;
}

/* The address in canonical form (inet_ntop), or NULL when text is not an IP. */
static const char *canonical_ip(struct arena *a, const char *text, size_t n)
{
    char in[INET6_ADDRSTRLEN], out[INET6_ADDRSTRLEN];
    unsigned char bin[sizeof(struct in6_addr)];
    if (n == 0 || n >= sizeof(in))
        return NULL;
    memcpy(in, text, n);
    in[n] = '\0';
    int family = strchr(in, ':') ? AF_INET6 : AF_INET;
    if (inet_pton(family, in, bin) != 1 || !inet_ntop(family, bin, out, sizeof(out)))
        return NULL;
    return arena_strdup(a, out);
}

/* "http://<client ip>", from X-Forwarded-For when its first entry is an IP address. */
static const char *client_address(struct request *req)
{
    const char *xff = http_header(req, "X-Forwarded-For");
    const char *ip = NULL;
    if (xff) {
        size_t skip = strspn(xff, " ");
        size_t n = strcspn(xff + skip, ", ");
        ip = canonical_ip(&req->arena, xff + skip, n);
    }
    if (!ip)
        ip = http_peer_address(req);
    return arena_sprintf(&req->arena, "http://%s", ip ? ip : "unknown");
}

static bool load_target(struct request *req, struct ddi_request *d, bool *known)
{
    struct error e;
    int rc = store_controller_view(req_store(req), req->params[1], &req->arena, &d->target, &e);
    if (rc < 0 && rc != -ERR_NOT_FOUND) {
        api_reply_error(req, &e);
        return false;
    }
    *known = rc == 0;
    return true;
}

static bool check_path(struct request *req)
{
    const struct app *app = app_worker(req)->app;
    if (strcasecmp(req->params[0], app->config->tenant) != 0) {
        reply_unauthorized(req); /* no credentials are valid for an unknown tenant */
        return false;
    }
    if (!controller_id_valid(req->params[1])) {
        api_fail(req, ERR_INVALID, "rest.param.invalidField",
                 "controllerId must be 1 to %d printable characters without blanks or /?#%%\\",
                 CONTROLLER_ID_MAX_LEN);
        return false;
    }
    return true;
}

/* Registers an unknown controller when the credentials allow it, then reloads. */
static bool register_target(struct request *req, struct ddi_request *d, const char *address)
{
    struct error e;
    bool known;
    if (controller_register(req_store(req), req->params[1], address, &e) < 0) {
        api_reply_error(req, &e);
        return false;
    }
    if (!load_target(req, d, &known))
        return false;
    if (!known) {
        api_fail(req, ERR_INTERNAL, NULL, "registered target vanished");
        return false;
    }
    return true;
}

/* A device the cache vouches for, without a database read. The routes that show the
 * open action (the registering ones: poll, confirmationBase) take a hit only when
 * there is none; the others read only target_id. AUTH_NONE on a miss. */
static enum device_auth authorize_cached(struct request *req, struct ddi_request *d,
                                         bool registering, uint64_t generation)
{
    struct device_cache *cache = app_worker(req)->app->devices;
    const char *authorization = http_header(req, "Authorization");
    struct device_entry e;
    if (!cache || !authorization ||
        !device_cache_get(cache, req->params[1], authorization, generation, &e))
        return AUTH_NONE;
    const struct tenant_settings *cfg = &d->settings;
    bool allowed = e.auth == DEVICE_AUTH_TARGET_TOKEN
                       ? cfg->targettoken_auth
                       : cfg->gatewaytoken_auth && cfg->gateway_key[0];
    if (!allowed || (registering && e.open_action))
        return AUTH_NONE;
    struct controller_view *v = &d->target;
    v->target_id = e.target_id;
    v->controller_id = req->params[1];
    v->installed_action_id = e.installed_action_id;
    v->request_attributes = e.request_attributes;
    v->assigned_ds_id = v->installed_ds_id = -1;
    v->action.id = v->action.rollout_id = v->action.rollout_group_id = -1;
    v->action.last_status_code = ACTION_STATUS_NO_CODE;
    return e.auth == DEVICE_AUTH_TARGET_TOKEN ? AUTH_TARGET : AUTH_GATEWAY;
}

/* Keeps what a database lookup found for the next requests of this device. */
static void remember(struct request *req, const struct ddi_request *d, enum device_auth how,
                     uint64_t generation)
{
    struct device_cache *cache = app_worker(req)->app->devices;
    if (!cache || (how != AUTH_TARGET && how != AUTH_GATEWAY))
        return;
    struct device_entry e = {
        .target_id = d->target.target_id,
        .installed_action_id = d->target.installed_action_id,
        .request_attributes = d->target.request_attributes,
        .open_action = d->target.action.id >= 0,
        .auth = how == AUTH_TARGET ? DEVICE_AUTH_TARGET_TOKEN : DEVICE_AUTH_GATEWAY_TOKEN,
    };
    device_cache_put(cache, req->params[1], http_header(req, "Authorization"), generation, &e);
}

/* Who is asking: from the device cache, else from the database (and then cached). */
static enum device_auth identify(struct request *req, struct ddi_request *d, bool registering,
                                 bool anonymous_ok, bool *known)
{
    /* Read before the data: a change committed in between makes the entry stale. */
    uint64_t generation = store_change_generation();
    enum device_auth how = authorize_cached(req, d, registering, generation);
    *known = how != AUTH_NONE;
    if (*known)
        return how;
    if (!load_target(req, d, known))
        return AUTH_FAILED;
    how = authenticate(req, d, *known, anonymous_ok);
    if (*known)
        remember(req, d, how, generation);
    return how;
}

static bool authorize(struct request *req, bool registering, bool anonymous_ok)
{
    struct ddi_request *d = arena_alloc(&req->arena, sizeof(*d));
    memset(d, 0, sizeof(*d));
    req->ctx = d;
    if (!check_path(req))
        return false;
    tenant_settings_get(req_store(req), &d->settings);
    bool known;
    enum device_auth how = identify(req, d, registering, anonymous_ok, &known);
    if (how == AUTH_FAILED)
        return false; /* replied */
    if (how == AUTH_NONE) {
        reply_unauthorized(req);
        return false;
    }
    const char *address = client_address(req);
    if (!known) {
        if (!registering || how == AUTH_ANONYMOUS) {
            api_fail(req, ERR_NOT_FOUND, "repo.entityNotFound",
                     "Target with given identifier {%.256s} does not exist.", req->params[1]);
            return false;
        }
        if (!register_target(req, d, address))
            return false;
    }
    /* The last-seen flush also turns a first-time poller from unknown to registered. */
    if (how != AUTH_ANONYMOUS) {
        bool first_contact =
            d->target.update_status && strcmp(d->target.update_status, "unknown") == 0;
        last_seen_record(d->target.target_id, time_now_ms(), address, first_contact);
    }
    d->base = arena_sprintf(&req->arena, "/%s/controller/v1/%s",
                            api_url_segment(&req->arena, req->params[0]),
                            api_url_segment(&req->arena, req->params[1]));
    return true;
}

bool ddi_authorize(struct request *req)
{
    return authorize(req, false, false);
}

bool ddi_authorize_registering(struct request *req)
{
    return authorize(req, true, false);
}

bool ddi_authorize_download(struct request *req)
{
    return authorize(req, false, true);
}

bool ddi_load_action(struct request *req, int idx, struct action *x)
{
    int64_t id;
    struct error e;
    if (!api_path_id(req, idx, "Action", &id))
        return false;
    const struct controller_view *t = &ddi_req(req)->target;
    if (store_action_get_for_device(req_store(req), t->target_id, t->controller_id, id, &req->arena,
                                    x, &e) < 0) {
        api_reply_error(req, &e);
        return false;
    }
    return true;
}

bool ddi_parse_body(struct request *req, struct json_value **doc)
{
    if (!api_parse_body(req, doc))
        return false;
    if (json_kind(*doc) != JSON_OBJECT) {
        json_doc_free(*doc);
        api_fail(req, ERR_INVALID, "rest.body.notReadable", "Expected a JSON object");
        return false;
    }
    return true;
}

void ddi_write_link(struct jw *w, struct request *req, const char *rel, const char *fmt, ...)
{
    char suffix[1536];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(suffix, sizeof(suffix), fmt, ap);
    va_end(ap);
    api_write_link(w, req, rel, "%s%s", ddi_req(req)->base, suffix);
}

void ddi_fail(struct request *req, const struct error *e)
{
    if (e->kind == ERR_GONE)
        http_reply_empty(req, 410);
    else
        api_reply_error(req, e);
}

void ddi_reply(struct request *req, struct jw *w)
{
    size_t len;
    char *body = jw_finish(w, &len);
    if (!body) {
        api_fail(req, ERR_INTERNAL, NULL, "cannot build reply");
        return;
    }
    http_reply_json(req, 200, body, len);
}

bool ddi_read_details(struct request *req, const struct json_value *arr, const char ***out,
                      size_t *n)
{
    struct error e;
    if (json_string_array(arr, "details", &req->arena, out, n, &e) < 0) {
        api_reply_error(req, &e);
        return false;
    }
    return true;
}
