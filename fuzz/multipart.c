/* The streaming multipart/form-data reader (vpcore/vp_multipart.c), as the
 * upload handler feeds it: the first byte sets the size of the reads (1 to
 * 256 bytes), the input up to the first newline is the boundary, the rest
 * the body. What the callbacks see, and the outcome, must not depend on
 * where the reads cut the body. */
#include "fuzz.h"
#include "vpcore/vp_multipart.h"

#include <apr_strings.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct trace {
    apr_pool_t *p;
    char *text;             /* every event, data merged */
};

static int on_begin(void *ctx, const char *name, const char *filename, const char *type)
{
    struct trace *t = ctx;

    t->text = apr_psprintf(t->p, "%s<begin %s|%s|%s>", t->text, name, filename ? filename : "",
                           type ? type : "");
    return 0;
}

/* Content goes into the trace as hex: a NUL in it must not cut the text
 * at a place that depends on where the reads fell. */
static int on_data(void *ctx, const char *b, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    struct trace *t = ctx;
    char *hex;
    size_t i;

    FUZZ_CHECK(n > 0);
    hex = apr_palloc(t->p, n * 2 + 1);
    for (i = 0; i < n; i++) {
        hex[2 * i] = digits[(unsigned char)b[i] >> 4];
        hex[2 * i + 1] = digits[(unsigned char)b[i] & 15];
    }
    hex[2 * n] = '\0';
    t->text = apr_pstrcat(t->p, t->text, hex, NULL);
    return 0;
}

static int on_end(void *ctx)
{
    struct trace *t = ctx;

    t->text = apr_pstrcat(t->p, t->text, "<end>", NULL);
    return 0;
}

static const vp_multipart_cb_t cb = {on_begin, on_data, on_end};

/* The trace of body read step bytes at a time (0: at once), with rc. */
static char *read_body(apr_pool_t *p, const char *ct, const uint8_t *b, size_t n, size_t step,
                       int *rc)
{
    struct trace t = {p, ""};
    const char *err;
    vp_multipart_t *m = vp_multipart_new(p, ct, &cb, &t, &err);
    size_t i;

    *rc = 0;
    if (!m) {
        *rc = -100;
        return NULL;
    }
    for (i = 0; i < n && !*rc; i += step ? step : n)
        *rc = vp_multipart_feed(m, (const char *)b + i, step && n - i > step ? step : n - i);
    if (!*rc)
        *rc = vp_multipart_finish(m);
    return t.text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    const uint8_t *nl;
    const char *ct;
    char *whole, *pieces;
    size_t step;
    int rc1, rc2;

    if (size < 2 || !(nl = memchr(data + 1, '\n', size - 1)))
        return 0;
    p = fuzz_pool();
    step = (size_t)data[0] + 1;
    ct = apr_pstrcat(p, "multipart/form-data; boundary=",
                     fuzz_text(p, data + 1, (size_t)(nl - data - 1)), NULL);
    whole = read_body(p, ct, nl + 1, size - (size_t)(nl + 1 - data), 0, &rc1);
    pieces = read_body(p, ct, nl + 1, size - (size_t)(nl + 1 - data), step, &rc2);
    FUZZ_CHECK(rc1 == rc2);
    /* a stream that fails may fail after different amounts of content */
    if (rc1 == 0)
        FUZZ_CHECK(strcmp(whole, pieces) == 0);
    apr_pool_destroy(p);
    return 0;
}
