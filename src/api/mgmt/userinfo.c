/* /rest/v1/userinfo: who the credentials belong to (a handy credential check). */
#include "api/mgmt/common.h"

static const char *const permissions[] = {
    "READ_TARGET",     "CREATE_TARGET",     "UPDATE_TARGET",     "DELETE_TARGET",
    "READ_REPOSITORY", "CREATE_REPOSITORY", "UPDATE_REPOSITORY", "DELETE_REPOSITORY",
    "READ_TENANT_CONFIGURATION", "TENANT_CONFIGURATION", NULL,
};

static void get_userinfo(struct request *req)
{
    struct app_worker *aw = app_worker(req);
    struct jw w;
    jw_init(&w);
    jw_obj_begin(&w);
    jw_kv_str(&w, "tenant", aw->app->config->tenant);
    jw_kv_str(&w, "username", req->user);
    jw_key(&w, "permissions");
    jw_arr_begin(&w);
    for (const char *const *p = permissions; *p; p++)
        jw_str(&w, *p);
    jw_arr_end(&w);
    jw_obj_end(&w);
    mgmt_reply(req, 200, &w);
}

const struct route mgmt_system_routes[] = {
    {"GET", MGMT "/userinfo", get_userinfo, NULL, ROUTE_BODY_NONE, NULL, mgmt_authorize},
    {0},
};
