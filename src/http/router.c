#include "http/router.h"

#include <string.h>

/* Compares one pattern with a path segment by segment; {} captures a non-empty segment. */
static bool match_pattern(const char *pattern, const char *path, const char *spans[][2],
                          int *nparams)
{
    *nparams = 0;
    const char *p = pattern, *u = path;
    while (*p && *u) {
        if (p[0] == '{' && p[1] == '}') {
            const char *end = strchr(u, '/');
            if (!end)
                end = u + strlen(u);
            if (end == u || *nparams == HTTP_MAX_PARAMS)
                return false;
            spans[*nparams][0] = u;
            spans[*nparams][1] = end;
            (*nparams)++;
            p += 2;
            u = end;
            continue;
        }
        if (*p != *u)
            return false;
        p++;
        u++;
    }
    /* Tolerate one trailing slash on the request path. */
    if (*p == '\0' && u[0] == '/' && u[1] == '\0')
        return true;
    return *p == '\0' && *u == '\0';
}

enum route_match router_match(const struct route *const *tables, const char *method, const char *path,
                              struct arena *a, const struct route **out,
                              const char *params[HTTP_MAX_PARAMS])
{
    bool path_seen = false;
    const char *wanted = strcmp(method, "HEAD") == 0 ? "GET" : method;
    for (const struct route *const *table = tables; *table; table++)
        for (const struct route *r = *table; r->pattern; r++) {
            const char *spans[HTTP_MAX_PARAMS][2];
            int n;
            if (!match_pattern(r->pattern, path, spans, &n))
                continue;
            path_seen = true;
            if (strcmp(r->method, wanted) != 0)
                continue;
            for (int i = 0; i < n; i++)
                params[i] = arena_strndup(a, spans[i][0], (size_t)(spans[i][1] - spans[i][0]));
            *out = r;
            return ROUTE_FOUND;
        }
    return path_seen ? ROUTE_WRONG_METHOD : ROUTE_NO_PATH;
}
