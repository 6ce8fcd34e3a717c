#include "api/mgmt/common.h"

#include "auth/auth.h"
#include "core/tenant_config.h"
#include "util/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const mgmt_paging_params[] = {"offset", "limit", "sort", "q", NULL};

bool mgmt_authorize(struct request *req)
{
    char buf[512];
    const char *user, *password;
    char stored[AUTH_HASH_MAX];
    struct error e;
    int rc = -ERR_NOT_FOUND;
    if (auth_parse_basic(http_header(req, "Authorization"), buf, sizeof(buf), &user, &password))
        rc = store_user_password_hash(req_store(req), user, stored, sizeof(stored), &e);
    if (rc == 0 && auth_password_check(user, password, stored)) {
        req->user = arena_strdup(&req->arena, user);
        return true;
    }
    if (rc < 0 && rc != -ERR_NOT_FOUND) { /* the store failed: not the client's fault */
        api_reply_error(req, &e);
        return false;
    }
    http_add_header(req, "WWW-Authenticate", "Basic realm=\"hawkBit\"");
    http_reply_error(req, 401,
                     "org.springframework.security.authentication.BadCredentialsException",
                     "hawkbit.server.error.unauthorized",
                     "Full authentication is required to access this resource");
    return false;
}

static bool parse_int_param(struct request *req, const char *name, int64_t *out)
{
    const char *v = http_query(req, name);
    if (!v)
        return true;
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (errno || end == v || *end) {
        api_fail(req, ERR_INVALID, "rest.param.invalidField",
                 "Query parameter '%s' must be an integer", name);
        return false;
    }
    *out = n;
    return true;
}

bool mgmt_list_query(struct request *req, struct list_query *q)
{
    q->offset = 0;
    q->limit = 50;
    if (!parse_int_param(req, "offset", &q->offset) || !parse_int_param(req, "limit", &q->limit))
        return false;
    if (q->offset < 0)
        q->offset = 0;
    if (q->limit < 1)
        q->limit = 50;
    if (q->limit > 500)
        q->limit = 500;
    q->sort = http_query(req, "sort");
    q->q = http_query(req, "q");
    q->overdue_ts =
        q->q && strcasestr(q->q, "${overdue_ts}") ? tenant_settings_overdue_ts(req_store(req)) : 0;
    return true;
}

void mgmt_write_audit(struct jw *w, const struct audit *a)
{
    jw_kv_str(w, "createdBy", a->created_by);
    jw_kv_int(w, "createdAt", a->created_at);
    jw_kv_str(w, "lastModifiedBy", a->last_modified_by);
    jw_kv_int(w, "lastModifiedAt", a->last_modified_at);
}

void mgmt_begin_page(struct jw *w)
{
    jw_obj_begin(w);
    jw_key(w, "content");
    jw_arr_begin(w);
}

void mgmt_end_page(struct jw *w, size_t size, int64_t total)
{
    jw_arr_end(w);
    jw_kv_int(w, "total", total);
    jw_kv_int(w, "size", (int64_t)size);
    jw_obj_end(w);
}

void mgmt_reply_page(struct request *req, const void *items, size_t count, int64_t total,
                     size_t item_size, mgmt_item_writer write, void *ctx)
{
    struct jw w;
    jw_init(&w);
    mgmt_begin_page(&w);
    for (size_t i = 0; i < count; i++)
        write(&w, req, (const char *)items + i * item_size, ctx);
    mgmt_end_page(&w, count, total);
    mgmt_reply(req, 200, &w);
}

void mgmt_reply(struct request *req, int status, struct jw *w)
{
    size_t len;
    char *body = jw_finish(w, &len);
    if (!body) {
        api_fail(req, ERR_INTERNAL, NULL, "cannot build reply");
        return;
    }
    http_reply_json(req, status, body, len);
}

void mgmt_fail(struct request *req, const struct error *e)
{
    api_reply_error(req, e);
}
