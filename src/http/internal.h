/* Shared between server.c and request.c only. */
#ifndef FALCONET_HTTP_INTERNAL_H
#define FALCONET_HTTP_INTERNAL_H

#include "http/http.h"
#include "http/server.h"

#include <microhttpd.h>
#include <stdatomic.h>

struct http_worker {
    struct http_server *srv;
    int index;
    struct MHD_Daemon *daemon;
    int listen_fd;
    int wake_fd; /* eventfd: wakes the loop for shutdown */
    void *app_state;
    atomic_int in_flight; /* requests between their first callback and completion */
    pthread_t thread;
    int ready; /* 1 started, -1 failed */
};

struct http_server {
    struct http_server_config cfg;
    struct http_worker *workers;
    int port;
    atomic_bool stopping;
    pthread_mutex_t lock;
    pthread_cond_t cond;
};

struct byte_range;
/** The 206 multipart/byteranges response of http_reply_file_ranges() (byteranges.c),
 * with its Content-Type set. Takes ownership of fd in every case: the response
 * closes it when destroyed; on NULL (bad arguments, no memory) it is closed. */
struct MHD_Response *byteranges_response(int fd, const struct byte_range *ranges, size_t n,
                                         uint64_t size, const char *part_content_type);
/** The same with the bytes from src; src->close runs in every case, as fd's close. */
struct MHD_Response *byteranges_source_response(const struct http_range_source *src,
                                                const struct byte_range *ranges, size_t n,
                                                uint64_t size, const char *part_content_type);

/** MHD_OPTION_UNESCAPE_CALLBACK: percent-decodes in place like MHD, except that a
 * decoded NUL becomes DEL (0x7f) so the text is never cut short; the request is
 * then refused for its control character. */
size_t http_unescape(void *cls, struct MHD_Connection *conn, char *text);

enum MHD_Result http_access_handler(void *cls, struct MHD_Connection *conn, const char *url,
                                    const char *method, const char *version,
                                    const char *upload_data, size_t *upload_data_size,
                                    void **con_cls);
void http_request_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                            enum MHD_RequestTerminationCode toe);

#endif
