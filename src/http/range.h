/* The HTTP Range request header (RFC 9110 section 14, formerly RFC 7233), parsed
 * against the size of the representation being served.
 *
 * A pure function with no I/O and no libmicrohttpd types, shared by every download
 * (Management API artifact download, DDI artifact download). The caller decides
 * what to serve: this module only turns header text into byte positions.
 *
 * The choices, where RFC 9110 leaves room or hawkBit (a.11 in the reference) differs:
 *  - a start at or past the end, as rauc-hawkbit-updater sends when it resumes a
 *    file it already has in full ("bytes=SIZE-"), is a 416 with the unsatisfied-range
 *    Content-Range ("bytes ", an asterisk, a slash and the size), as in both; never a
 *    200 or an empty 206, which that client would take for a bad download;
 *  - a list whose ranges overlap or are not in ascending order is refused (416), as
 *    hawkBit does and RFC 9110 14.2 allows;
 *  - a syntax error, a last position below its first, or too many specs are
 *    refused (416), as hawkBit does; another unit than bytes is ignored and the
 *    whole representation is served (200), as RFC 9110 requires;
 *  - unsatisfiable members of a list are dropped and the rest is served (RFC 9110
 *    14.1.1), where hawkBit refuses the whole header. */
#ifndef FALCONET_HTTP_RANGE_H
#define FALCONET_HTTP_RANGE_H

#include <stddef.h>
#include <stdint.h>

/* More specs than this in one header are treated like a malformed header (416). */
#define RANGE_MAX_SPECS 16

/** One satisfiable range, inclusive on both ends: first <= last < size. */
struct byte_range {
    uint64_t first, last;
};

struct range_set {
    size_t count; /* satisfiable ranges, in header order */
    struct byte_range ranges[RANGE_MAX_SPECS];
};

enum range_status {
    /* No header, or a unit other than bytes: serve 200 with everything. */
    RANGE_IGNORE = 0,
    /* At least one spec is satisfiable and the satisfiable ones are in ascending
     * order without overlap: 206 with out->ranges (unsatisfiable specs of the same
     * header are dropped, as RFC 9110 14.1.1 says). */
    RANGE_SATISFIABLE,
    /* Well-formed, but every spec starts at or past the end (or asks for a zero-length
     * suffix): 416, with the unsatisfied-range form of Content-Range (bytes, an
     * asterisk, a slash and the size). */
    RANGE_UNSATISFIABLE,
    /* A syntax error, a spec whose last position is below its first, too many
     * specs, or two satisfiable ranges that overlap or are out of order (positions
     * compared after clamping and resolving suffixes, so "bytes=-5,0-9" is out of
     * order): 416 like RANGE_UNSATISFIABLE. */
    RANGE_REJECTED,
};

/** Parses a Range header value (NULL = absent) for a representation of `size`
 * bytes. Accepts `bytes=a-b`, `bytes=a-`, `bytes=-n` and comma-separated lists of
 * them with optional whitespace around the commas; the unit is case-insensitive.
 * Ends past the last byte are clamped; numbers too large for 64 bits are handled
 * exactly (they only ever mean "past the end"). out is filled for
 * RANGE_SATISFIABLE (strictly ascending: each first is above the previous last) and
 * has count 0 otherwise. */
enum range_status range_parse(const char *header, uint64_t size, struct range_set *out);

/** Writes "bytes FIRST-LAST/SIZE" (the Content-Range of a 206) into buf. */
void range_content_range(char *buf, size_t len, const struct byte_range *r, uint64_t size);

#endif
