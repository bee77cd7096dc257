/* Streaming multipart/form-data (vp_multipart.h). */
/* memmem: _GNU_SOURCE comes from config.h (AC_USE_SYSTEM_EXTENSIONS) */
#include "vp_multipart.h"

#include <apr_lib.h>
#include <apr_strings.h>
#include <string.h>

#define HEAD_MAX 8192       /* the header lines of one part */
#define PRE_MAX 65536       /* a preamble before the first boundary */
#define PARTS_MAX 64
#define SLICE 16384         /* input taken in at a time */

enum state { PRE, AFTER, HEAD, BODY, END };

struct vp_multipart {
    const vp_multipart_cb_t *cb;
    void *ctx;
    apr_pool_t *pool, *part;    /* part: the current part's header values */
    char *delim;                /* CRLF "--" boundary */
    size_t dlen;
    enum state state;
    char *buf;                  /* unread input is buf[off, len) */
    size_t off, len, cap;
    size_t head_bytes, pre_bytes;
    int parts;
    const char *name, *filename, *type;
    const char *err;
};

static int bchar(int c)
{
    return apr_isalnum(c) || (c && strchr("'()+_,-./:=? ", c));
}

/* The value of parameter key in a header value of ';'-separated
 * parameters (quoted or a token), or NULL. */
static const char *param(apr_pool_t *p, const char *v, const char *key)
{
    size_t klen = strlen(key);

    while ((v = strchr(v, ';'))) {
        v++;
        while (*v == ' ' || *v == '\t')
            v++;
        if (strncasecmp(v, key, klen) || v[klen] != '=')
            continue;
        v += klen + 1;
        if (*v == '"') {
            char *out = apr_palloc(p, strlen(v)), *o = out;

            for (v++; *v && *v != '"'; v++) {
                /* a quoted-pair only before '"' or '\\': browsers send a
                 * backslash as it is (HTML's form encoding escapes '"' as
                 * %22, never with a backslash), e.g. C:\fakepath\a.mp4 */
                if (*v == '\\' && (v[1] == '"' || v[1] == '\\'))
                    v++;
                *o++ = *v;
            }
            if (*v != '"')
                return NULL;
            *o = '\0';
            return out;
        }
        return apr_pstrndup(p, v, strcspn(v, "; \t"));
    }
    return NULL;
}

vp_multipart_t *vp_multipart_new(apr_pool_t *p, const char *ctype, const vp_multipart_cb_t *cb,
                                 void *ctx, const char **err)
{
    vp_multipart_t *m;
    const char *b, *c;
    size_t blen;

    if (!ctype || strncasecmp(ctype, "multipart/form-data", 19)
        || (ctype[19] && ctype[19] != ';' && ctype[19] != ' ')) {
        *err = "Content-Type must be multipart/form-data";
        return NULL;
    }
    b = param(p, ctype, "boundary");
    blen = b ? strlen(b) : 0;
    for (c = b; c && *c && bchar(*c); c++)
        ;
    if (!b || blen < 1 || blen > 70 || *c || b[blen - 1] == ' ') {
        *err = "multipart/form-data needs a boundary of 1 to 70 allowed characters";
        return NULL;
    }
    m = apr_pcalloc(p, sizeof *m);
    m->cb = cb;
    m->ctx = ctx;
    m->pool = p;
    apr_pool_create(&m->part, p);
    /* the body's start counts as a line end: the first boundary may open it */
    m->delim = apr_pstrcat(p, "\r\n--", b, NULL);
    m->dlen = blen + 4;
    m->cap = HEAD_MAX + SLICE + m->dlen;
    m->buf = apr_palloc(p, m->cap);
    memcpy(m->buf, "\r\n", 2);
    m->len = 2;
    return m;
}

static int fail(vp_multipart_t *m, const char *why)
{
    m->err = why;
    return VP_MULTIPART_MALFORMED;
}

/* One header line of a part (without its CRLF). */
static int header(vp_multipart_t *m, const char *line, size_t n)
{
    const char *l = apr_pstrndup(m->part, line, n), *v = strchr(l, ':');

    if (!v)
        return fail(m, "a part header line without a colon");
    for (v++; *v == ' ' || *v == '\t'; v++)
        ;
    if (!strncasecmp(l, "Content-Disposition:", 20)) {
        const char *f, *s;

        if (strncasecmp(v, "form-data", 9) || (v[9] && v[9] != ';' && v[9] != ' '))
            return fail(m, "a part that is not form-data");
        m->name = param(m->part, v, "name");
        if ((f = param(m->part, v, "filename"))) {
            /* some browsers send the whole client-side path */
            for (s = f; *s; s++)
                if (*s == '/' || *s == '\\')
                    f = s + 1;
            m->filename = f;
        }
    }
    else if (!strncasecmp(l, "Content-Type:", 13))
        m->type = v;
    return 0;
}

/* Works through the unread input as far as it can. */
static int step(vp_multipart_t *m)
{
    int rc;

    for (;;) {
        char *b = m->buf + m->off, *at;
        size_t n = m->len - m->off;

        switch (m->state) {
        case PRE:
            if (!(at = memmem(b, n, m->delim, m->dlen))) {
                size_t drop = n > m->dlen ? n - m->dlen : 0;

                m->off += drop;
                if ((m->pre_bytes += drop) > PRE_MAX)
                    return fail(m, "no boundary at the start of the body");
                return 0;
            }
            /* the same limit wherever the reads cut the stream */
            if ((m->pre_bytes += (size_t)(at - b)) > PRE_MAX)
                return fail(m, "no boundary at the start of the body");
            m->off += (size_t)(at - b) + m->dlen;
            m->state = AFTER;
            break;
        case AFTER:
            if (n < 2)
                return 0;
            if (b[0] == '-' && b[1] == '-') {
                m->state = END;
                break;
            }
            if (b[0] != '\r' || b[1] != '\n')
                return fail(m, "a boundary followed by something else than a line end");
            if (++m->parts > PARTS_MAX)
                return fail(m, "too many parts");
            m->off += 2;
            apr_pool_clear(m->part);
            m->name = m->filename = m->type = NULL;
            m->head_bytes = 0;
            m->state = HEAD;
            break;
        case HEAD:
            if (!(at = memmem(b, n, "\r\n", 2))) {
                if (m->head_bytes + n > HEAD_MAX)
                    return fail(m, "part headers too long");
                return 0;
            }
            if ((m->head_bytes += (size_t)(at - b) + 2) > HEAD_MAX)
                return fail(m, "part headers too long");
            m->off += (size_t)(at - b) + 2;
            if (at == b) {
                if (!m->name)
                    return fail(m, "a part without a form field name");
                if ((rc = m->cb->begin(m->ctx, m->name, m->filename, m->type)))
                    return rc;
                m->state = BODY;
            }
            else if ((rc = header(m, b, (size_t)(at - b))))
                return rc;
            break;
        case BODY:
            if ((at = memmem(b, n, m->delim, m->dlen))) {
                if (at > b && (rc = m->cb->data(m->ctx, b, (size_t)(at - b))))
                    return rc;
                m->off += (size_t)(at - b) + m->dlen;
                if ((rc = m->cb->end(m->ctx)))
                    return rc;
                m->state = AFTER;
                break;
            }
            /* all but what could be the start of a boundary */
            if (n >= m->dlen) {
                if ((rc = m->cb->data(m->ctx, b, n - (m->dlen - 1))))
                    return rc;
                m->off += n - (m->dlen - 1);
            }
            return 0;
        case END:
            m->off = m->len;    /* the epilogue means nothing */
            return 0;
        }
    }
}

int vp_multipart_feed(vp_multipart_t *m, const char *b, size_t n)
{
    int rc;

    if (m->err)
        return VP_MULTIPART_MALFORMED;
    while (n) {
        size_t take = n < SLICE ? n : SLICE;

        memmove(m->buf, m->buf + m->off, m->len - m->off);
        m->len -= m->off;
        m->off = 0;
        memcpy(m->buf + m->len, b, take);
        m->len += take;
        b += take;
        n -= take;
        if ((rc = step(m)))
            return rc;
    }
    return 0;
}

int vp_multipart_finish(vp_multipart_t *m)
{
    if (m->err)
        return VP_MULTIPART_MALFORMED;
    return m->state == END ? 0 : fail(m, "the body ends before its closing boundary");
}

const char *vp_multipart_error(const vp_multipart_t *m)
{
    return m->err;
}
