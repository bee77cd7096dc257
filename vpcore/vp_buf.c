#include "vp_buf.h"

#include <apr_strings.h>
#include <stdarg.h>
#include <string.h>

void vp_buf_put_n(vp_buf_t *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        char *s2;

        while (b->n + n + 1 > cap)
            cap *= 2;
        s2 = apr_palloc(b->p, cap);
        if (b->n)
            memcpy(s2, b->s, b->n);
        b->s = s2;
        b->cap = cap;
    }
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = '\0';
}

void vp_buf_put(vp_buf_t *b, const char *s)
{
    vp_buf_put_n(b, s, strlen(s));
}

void vp_buf_putf(vp_buf_t *b, const char *fmt, ...)
{
    va_list ap;
    char *s;

    va_start(ap, fmt);
    s = apr_pvsprintf(b->p, fmt, ap);
    va_end(ap);
    vp_buf_put(b, s);
}

char *vp_buf_text(vp_buf_t *b, size_t *len)
{
    if (!b->s)
        vp_buf_put_n(b, "", 0);
    if (len)
        *len = b->n;
    return b->s;
}
