#include "http/etag.h"

#include <string.h>

/* One entity tag as written: whether it has the W/ prefix, and its quoted part. */
struct tag {
    bool weak;
    const char *opaque; /* points at the opening quote */
    size_t len;         /* quotes included */
};

static const char *skip_ows(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/* Reads [W/]"..." at p; returns the position after it, or NULL when malformed. */
static const char *read_tag(const char *p, struct tag *t)
{
    t->weak = strncmp(p, "W/", 2) == 0;
    if (t->weak)
        p += 2;
    if (*p != '"')
        return NULL;
    const char *close = strchr(p + 1, '"');
    if (!close)
        return NULL;
    t->opaque = p;
    t->len = (size_t)(close + 1 - p);
    return close + 1;
}

static bool tags_equal(const struct tag *a, const struct tag *b, bool weak)
{
    if (!weak && (a->weak || b->weak))
        return false;
    return a->len == b->len && memcmp(a->opaque, b->opaque, a->len) == 0;
}

bool etag_list_matches(const char *header, const char *etag, bool weak)
{
    struct tag want;
    if (!header || !read_tag(etag, &want))
        return false;
    const char *p = header;
    for (;;) {
        while (*p == ',' || *p == ' ' || *p == '\t')
            p++;
        if (*p == '\0')
            return false;
        struct tag got;
        const char *next = *p == '*' ? p + 1 : read_tag(p, &got);
        if (!next)
            return false;
        next = skip_ows(next);
        if (*next != ',' && *next != '\0')
            return false;
        if (*p == '*' || tags_equal(&got, &want, weak))
            return true;
        p = next;
    }
}
