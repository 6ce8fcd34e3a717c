#include "api/links.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void api_write_link(struct jw *w, struct request *req, const char *rel, const char *fmt, ...)
{
    char path[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(path, sizeof(path), fmt, ap);
    va_end(ap);
    jw_key(w, rel);
    jw_obj_begin(w);
    jw_key(w, "href");
    jw_str(w, arena_sprintf(&req->arena, "%s%s", http_base_url(req), path));
    jw_obj_end(w);
}

char *api_url_segment(struct arena *a, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(s);
    char *out = arena_alloc(a, n * 3 + 1), *o = out;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("-._~", *p)) {
            *o++ = (char)*p;
        } else {
            *o++ = '%';
            *o++ = hex[*p >> 4];
            *o++ = hex[*p & 15];
        }
    }
    *o = '\0';
    return out;
}
