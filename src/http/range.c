#include "http/range.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* A decimal number as written: its value saturated at UINT64_MAX, and its
 * significant digits (leading zeros skipped) for exact comparisons. */
struct number {
    uint64_t value;
    const char *digits;
    size_t len;
};

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static void skip_ows(const char **p)
{
    while (**p == ' ' || **p == '\t')
        (*p)++;
}

/* Reads one or more digits at *p; false when there is none. */
static bool read_number(const char **p, struct number *n)
{
    const char *s = *p;
    if (!is_digit(*s))
        return false;
    while (*s == '0' && is_digit(s[1]))
        s++;
    n->digits = s;
    n->value = 0;
    while (is_digit(*s)) {
        unsigned d = (unsigned)(*s - '0');
        n->value = n->value > (UINT64_MAX - d) / 10 ? UINT64_MAX : n->value * 10 + d;
        s++;
    }
    n->len = (size_t)(s - n->digits);
    *p = s;
    return true;
}

/* a < b on the written numbers, whatever their size. */
static bool number_less(const struct number *a, const struct number *b)
{
    if (a->len != b->len)
        return a->len < b->len;
    return memcmp(a->digits, b->digits, a->len) < 0;
}

enum spec_result { SPEC_INVALID, SPEC_UNSATISFIABLE, SPEC_OK };

/* "-N": the last N bytes. A zero-length suffix or an empty representation cannot
 * be satisfied. */
static enum spec_result parse_suffix(const char **p, uint64_t size, struct byte_range *r)
{
    struct number n;
    (*p)++;
    if (!read_number(p, &n))
        return SPEC_INVALID;
    if (n.value == 0 || size == 0)
        return SPEC_UNSATISFIABLE;
    r->first = n.value >= size ? 0 : size - n.value;
    r->last = size - 1;
    return SPEC_OK;
}

/* "A-B" or "A-": B below A makes the whole header invalid; A at or past the end
 * is unsatisfiable; B past the end is clamped. */
static enum spec_result parse_span(const char **p, uint64_t size, struct byte_range *r)
{
    struct number first, last;
    if (!read_number(p, &first) || **p != '-')
        return SPEC_INVALID;
    (*p)++;
    bool has_last = read_number(p, &last);
    if (has_last && number_less(&last, &first))
        return SPEC_INVALID;
    if (first.value >= size)
        return SPEC_UNSATISFIABLE;
    r->first = first.value;
    r->last = !has_last || last.value >= size ? size - 1 : last.value;
    return SPEC_OK;
}

static bool has_bytes_unit(const char **p)
{
    skip_ows(p);
    if (strncasecmp(*p, "bytes", 5) != 0 || (*p)[5] != '=')
        return false;
    *p += 6;
    return true;
}

/* Parses the comma-separated specs after "bytes="; false when the list is invalid. */
static bool parse_specs(const char *p, uint64_t size, struct range_set *out)
{
    size_t specs = 0;
    for (;;) {
        skip_ows(&p);
        if (*p == ',') { /* empty list elements are allowed (RFC 9110 5.6.1) */
            p++;
            continue;
        }
        if (*p == '\0')
            return specs > 0;
        if (++specs > RANGE_MAX_SPECS)
            return false;
        struct byte_range r;
        enum spec_result res = *p == '-' ? parse_suffix(&p, size, &r) : parse_span(&p, size, &r);
        if (res == SPEC_INVALID)
            return false;
        if (res == SPEC_OK)
            out->ranges[out->count++] = r;
        skip_ows(&p);
        if (*p != ',' && *p != '\0')
            return false;
    }
}

/* Whether each range starts after the previous one ends: no overlap, ascending. */
static bool ascending(const struct range_set *set)
{
    for (size_t i = 1; i < set->count; i++)
        if (set->ranges[i].first <= set->ranges[i - 1].last)
            return false;
    return true;
}

enum range_status range_parse(const char *header, uint64_t size, struct range_set *out)
{
    out->count = 0;
    const char *p = header;
    if (!p || !has_bytes_unit(&p))
        return RANGE_IGNORE;
    if (!parse_specs(p, size, out)) {
        out->count = 0;
        return RANGE_REJECTED;
    }
    if (out->count == 0)
        return RANGE_UNSATISFIABLE;
    if (!ascending(out)) {
        out->count = 0;
        return RANGE_REJECTED;
    }
    return RANGE_SATISFIABLE;
}

void range_content_range(char *buf, size_t len, const struct byte_range *r, uint64_t size)
{
    snprintf(buf, len, "bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64, r->first, r->last, size);
}
