/* A text growing in a pool, for the writers of whole files (exports, the
 * iCalendar feed). The old blocks stay in the pool until it goes: at most
 * as much again as the text. */
#ifndef VP_BUF_H
#define VP_BUF_H

#include <apr_pools.h>
#include <stddef.h>

typedef struct {
    apr_pool_t *p;
    char *s;            /* NUL-terminated once anything was put; NULL before */
    size_t n, cap;
} vp_buf_t;

/* an empty text of pool p */
#define VP_BUF_INIT(p) {(p), NULL, 0, 0}

void vp_buf_put_n(vp_buf_t *b, const char *s, size_t n);
void vp_buf_put(vp_buf_t *b, const char *s);
void vp_buf_putf(vp_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The text (NUL-terminated, "" when nothing was put) and its length. */
char *vp_buf_text(vp_buf_t *b, size_t *len);

#endif
