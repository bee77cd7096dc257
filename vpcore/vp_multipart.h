/* A streaming multipart/form-data reader (RFC 7578): bytes are pushed in
 * as they arrive and each part's content is handed on in pieces, so that a
 * file part of any size passes through a small fixed buffer. httpd-free
 * (fuzzed by fuzz/multipart.c, unit-tested by t/unit/test_multipart.c). */
#ifndef VP_MULTIPART_H
#define VP_MULTIPART_H

#include <apr_pools.h>
#include <stddef.h>

typedef struct {
    /* A part begins: its form field name, its file name (NULL for a plain
     * field; the last path segment of what the client sent) and its
     * Content-Type (NULL when absent). */
    int (*begin)(void *ctx, const char *name, const char *filename, const char *type);
    /* Some of its content, in order. */
    int (*data)(void *ctx, const char *b, size_t n);
    /* Its content is complete. */
    int (*end)(void *ctx);
} vp_multipart_cb_t;

typedef struct vp_multipart vp_multipart_t;

/* Errors of the stream itself (a callback's own non-zero return passes
 * through vp_multipart_feed unchanged; keep those positive). */
#define VP_MULTIPART_MALFORMED (-1)

/* A reader for a body of Content-Type ctype; NULL (and *err) when ctype is
 * not multipart/form-data with a usable boundary. */
vp_multipart_t *vp_multipart_new(apr_pool_t *p, const char *ctype, const vp_multipart_cb_t *cb,
                                 void *ctx, const char **err);
/* Pushes n more bytes: 0, VP_MULTIPART_MALFORMED (with a reason from
 * vp_multipart_error), or what a callback returned. */
int vp_multipart_feed(vp_multipart_t *m, const char *b, size_t n);
/* At the end of the body: 0 when the closing boundary was seen, else
 * VP_MULTIPART_MALFORMED (a truncated body). */
int vp_multipart_finish(vp_multipart_t *m);
const char *vp_multipart_error(const vp_multipart_t *m);

#endif
