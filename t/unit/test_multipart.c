/* Unit tests of the streaming multipart/form-data reader
 * (vpcore/vp_multipart.c): what its callbacks see does not depend on how
 * the body is cut into pieces, file contents full of near-delimiters pass
 * intact, and the malformed bodies, boundaries and parameters it refuses
 * or reads. */
#include "tap.h"
#include "vpcore/vp_multipart.h"

#include <apr_general.h>
#include <apr_strings.h>
#include <stdlib.h>

static apr_pool_t *p;

/* What the callbacks saw: "[name|filename|type]content" per part, the
 * content whole however it came. */
struct seen {
    char *log;
    size_t len, cap;
    int stop_at_data;           /* a callback's own error, returned once data comes */
};

static void add(struct seen *s, const char *b, size_t n)
{
    if (s->len + n + 1 > s->cap) {
        s->cap = (s->len + n + 1) * 2;
        s->log = realloc(s->log, s->cap);
    }
    memcpy(s->log + s->len, b, n);
    s->len += n;
    s->log[s->len] = '\0';
}

static int on_begin(void *ctx, const char *name, const char *filename, const char *type)
{
    char *head = apr_psprintf(p, "[%s|%s|%s]", name ? name : "-", filename ? filename : "-",
                              type ? type : "-");

    add(ctx, head, strlen(head));
    return 0;
}

static int on_data(void *ctx, const char *b, size_t n)
{
    struct seen *s = ctx;

    if (s->stop_at_data)
        return s->stop_at_data;
    add(s, b, n);
    return 0;
}

static int on_end(void *ctx)
{
    add(ctx, "|end", 4);
    return 0;
}

static const vp_multipart_cb_t cb = {on_begin, on_data, on_end};

/* Feeds body in pieces of step bytes (0: whole); the feed's or finish's
 * first non-zero status, else 0. s->log holds what was seen. */
static int run(const char *ctype, const char *body, size_t len, size_t step, struct seen *s)
{
    const char *err;
    vp_multipart_t *m = vp_multipart_new(p, ctype, &cb, s, &err);
    size_t at;
    int rc;

    if (!m)
        return -100;
    for (at = 0; at < len; at += step ? step : len) {
        size_t n = step && len - at > step ? step : len - at;

        if ((rc = vp_multipart_feed(m, body + at, n)))
            return rc;
    }
    return vp_multipart_finish(m);
}

#define CT "multipart/form-data; boundary=XyZ"
#define BODY "--XyZ\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nA title\r\n" \
             "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.mp4\"\r\n" \
             "Content-Type: video/mp4\r\n\r\nthe bytes\r\n--XyZ--\r\n"
#define SEEN "[title|-|-]A title|end[file|a.mp4|video/mp4]the bytes|end"

static void test_pieces(void)
{
    static const size_t steps[] = {0, 1, 2, 3, 5, 7, 13, 64};
    size_t i;

    for (i = 0; i < sizeof steps / sizeof *steps; i++) {
        struct seen s = {0};
        int rc = run(CT, BODY, strlen(BODY), steps[i], &s);

        is_int(rc, 0, apr_psprintf(p, "a title and a file, in pieces of %zu: read", steps[i]));
        is_str(s.log, SEEN, "... the same parts and contents");
        free(s.log);
    }
}

/* A file part whose content is full of the delimiter's beginnings (CRLF,
 * "--", the boundary cut short) and of the boundary without its CRLF. */
static void test_near_delimiters(void)
{
    static const size_t steps[] = {0, 1, 3, 8, 4096, 65536};
    const char *b = "vpNear0123456789";
    char *file = "", *body;
    size_t i, k, flen;

    for (k = 0; k <= strlen(b) + 3; k++)
        file = apr_pstrcat(p, file, "\r\n--", apr_pstrndup(p, b, k % strlen(b)), "x",
                           "--", b, "\r", "\n-", "\r\n-", NULL);
    file = apr_pstrcat(p, file, "\r\n--", apr_pstrndup(p, b, strlen(b) - 1), NULL);
    /* and a NUL or two */
    flen = strlen(file);
    file = apr_pstrcat(p, file, "..", NULL);
    file[flen] = '\0';
    flen += 2;
    body = apr_psprintf(p, "--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"n\"\r\n\r\n",
                        b);
    {
        size_t hlen = strlen(body);
        char *whole = apr_palloc(p, hlen + flen + strlen(b) + 16);
        int n = 0;

        memcpy(whole, body, hlen);
        memcpy(whole + hlen, file, flen);
        n = sprintf(whole + hlen + flen, "\r\n--%s--\r\n", b);
        for (i = 0; i < sizeof steps / sizeof *steps; i++) {
            struct seen s = {0};
            const char *want_head = "[file|n|-]";
            int rc = run(apr_pstrcat(p, "multipart/form-data; boundary=", b, NULL), whole,
                         hlen + flen + (size_t)n, steps[i], &s);

            is_int(rc, 0, apr_psprintf(p, "near-delimiters, in pieces of %zu: read", steps[i]));
            ok(s.log && s.len == strlen(want_head) + flen + 4 && !memcmp(s.log, want_head, strlen(want_head))
                   && !memcmp(s.log + strlen(want_head), file, flen),
               "... the file's bytes, every one");
            free(s.log);
        }
    }
}

static void test_malformed(void)
{
    static const struct {
        const char *body, *why;
    } bad[] = {
        {"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue", "no closing delimiter"},
        {"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue\r\n--XyZ\r\n",
         "a delimiter and then the end"},
        {"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n", "the end inside the headers"},
        {"--XyZ\r\nno colon here\r\n\r\nv\r\n--XyZ--\r\n", "a header line without a colon"},
        {"--XyZ\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\nv\r\n--XyZ--\r\n",
         "a part that is not form-data"},
        {"", "an empty body"},
        {"no delimiter at all", "no delimiter"},
    };
    size_t i;

    for (i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct seen s = {0};

        is_int(run(CT, bad[i].body, strlen(bad[i].body), 0, &s), VP_MULTIPART_MALFORMED,
               apr_psprintf(p, "malformed: %s", bad[i].why));
        free(s.log);
    }
    {
        struct seen s = {0};
        char *big = apr_pstrcat(p, "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\nX-Pad: ", NULL);

        while (strlen(big) < 9000)
            big = apr_pstrcat(p, big, "padpadpadpad", NULL);
        big = apr_pstrcat(p, big, "\r\n\r\nv\r\n--XyZ--\r\n", NULL);
        is_int(run(CT, big, strlen(big), 100, &s), VP_MULTIPART_MALFORMED,
               "malformed: part headers over 8 KiB");
        free(s.log);
    }
    {
        struct seen s = {.stop_at_data = 422};

        is_int(run(CT, BODY, strlen(BODY), 0, &s), 422, "a callback's own status passes through");
        free(s.log);
    }
}

static void test_boundaries(void)
{
    static const struct {
        const char *ctype;
        int ok;
    } cases[] = {
        {"multipart/form-data; boundary=XyZ", 1},
        {"multipart/form-data;boundary=XyZ", 1},
        {"Multipart/Form-Data; boundary=XyZ", 1},
        {"multipart/form-data; charset=utf-8; boundary=XyZ", 1},
        {"multipart/form-data; boundary=\"XyZ\"", 1},
        {"multipart/form-data", 0},
        {"multipart/form-data; boundary=", 0},
        {"multipart/mixed; boundary=XyZ", 0},
        {"application/json", 0},
        {"multipart/form-data; boundary=0123456789012345678901234567890123456789012345678901234567890123456789X",
         0},
        {NULL, 0},
    };
    size_t i;

    for (i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *err = NULL;
        struct seen s = {0};
        vp_multipart_t *m = vp_multipart_new(p, cases[i].ctype, &cb, &s, &err);

        ok(!!m == cases[i].ok, apr_psprintf(p, "Content-Type %s: %s", cases[i].ctype ? cases[i].ctype : "(none)",
                                           cases[i].ok ? "read" : "refused"));
        if (!cases[i].ok)
            ok(err && *err, "... saying why");
        else {
            is_int(run(cases[i].ctype, BODY, strlen(BODY), 0, &s), 0, "... and the body read");
            is_str(s.log, SEEN, "... its parts");
        }
        free(s.log);
    }
}

static void test_parameters(void)
{
    static const struct {
        const char *disposition, *seen;
    } cases[] = {
        {"form-data; name=\"file\"; filename=\"a.mp4\"", "[file|a.mp4|-]x|end"},
        {"form-data; name=file; filename=a.mp4", "[file|a.mp4|-]x|end"},
        {"form-data; filename=\"a.mp4\"; name=\"file\"", "[file|a.mp4|-]x|end"},
        {"form-data; name=\"file\"; filename=\"C:\\fakepath\\a.mp4\"", "[file|a.mp4|-]x|end"},
        {"form-data; name=\"file\"; filename=\"dir/sub/a.mp4\"", "[file|a.mp4|-]x|end"},
        {"form-data; name=\"file\"; filename=\"a \\\"quoted\\\" name.mp4\"",
         "[file|a \"quoted\" name.mp4|-]x|end"},
        {"form-data; name=\"file\"; filename=\"caf\xc3\xa9.mp4\"", "[file|caf\xc3\xa9.mp4|-]x|end"},
        {"form-data; name=\"title\"", "[title|-|-]x|end"},
    };
    size_t i;

    for (i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct seen s = {0};
        const char *body = apr_psprintf(p, "--XyZ\r\nContent-Disposition: %s\r\n\r\nx\r\n--XyZ--\r\n",
                                        cases[i].disposition);

        is_int(run(CT, body, strlen(body), 0, &s), 0, apr_psprintf(p, "%s: read", cases[i].disposition));
        is_str(s.log, cases[i].seen, "... as it should");
        free(s.log);
    }
    {
        struct seen s = {0};
        const char *body = "a preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n"
                           "v\r\n--XyZ--\r\nan epilogue";

        is_int(run(CT, body, strlen(body), 1, &s), 0, "a preamble and an epilogue are skipped");
        is_str(s.log, "[a|-|-]v|end", "... the part alone");
        free(s.log);
    }
}

int main(void)
{
    apr_initialize();
    apr_pool_create(&p, NULL);
    test_pieces();
    test_near_delimiters();
    test_malformed();
    test_boundaries();
    test_parameters();
    apr_pool_destroy(p);
    apr_terminate();
    return done_testing();
}
