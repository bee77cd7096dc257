/* The wire: reading JSON bodies and writing the one envelope. Handlers
 * record their answer (vp_ok / vp_fail); vp_respond() writes it. */
#include "vplanet.h"
#include "vpcore/vp_multipart.h"
#include "vpcore/vp_json.h"

#include <apr_strings.h>
#include <http_core.h>
#include <http_protocol.h>
#include <stdarg.h>

int vp_fail(vp_req_t *q, int status, const char *code, const char *message,
            json_t *details)
{
    q->message = message;
    q->error_code = code;
    q->details = details ? json_incref(details) : NULL;
    if (q->details)
        vp_json_pool(q->r->pool, q->details);
    /* 5xx causes are logged where they are known (vp_fail_internal, db.c). */
    if (status < HTTP_INTERNAL_SERVER_ERROR)
        VP_LOG(q, APLOG_INFO, "VP0201: %d %s: %s", status,
               code ? code : vp_error_code(status), message);
    return status;
}

int vp_fail_internal(vp_req_t *q, int status, const char *message,
                     const char *fmt, ...)
{
    va_list ap;
    const char *cause;

    va_start(ap, fmt);
    cause = apr_pvsprintf(q->r->pool, fmt, ap);
    va_end(ap);
    VP_LOG(q, APLOG_ERR, "%s", cause);
    q->message = message;
    q->error_code = NULL;
    q->details = NULL;
    return status;
}

int vp_fail_field(vp_req_t *q, int status, const char *field, const char *msg)
{
    json_t *details = vp_json_pool(q->r->pool, json_object());

    vp_detail_add(details, field, msg);
    return vp_fail(q, status, NULL,
                   apr_pstrcat(q->r->pool, field, " ", msg, NULL), details);
}

int vp_ok(vp_req_t *q, int status, const char *message, json_t *data)
{
    q->message = message;
    q->data = vp_json_pool(q->r->pool, data);
    return status;
}

/* application/json, optionally with charset=utf-8 (any letter case). */
static int json_content_type(const char *ct)
{
    const char *p;

    if (!ct || strncasecmp(ct, "application/json", 16) != 0)
        return 0;
    p = ct + 16;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p == '\0')
        return 1;
    if (*p != ';')
        return 0;
    p++;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p == '\0')
        return 1;
    if (strncasecmp(p, "charset=utf-8", 13) == 0)
        p += 13;
    else if (strncasecmp(p, "charset=\"utf-8\"", 15) == 0)
        p += 15;
    else
        return 0;
    /* the whole value: not charset=utf-8x */
    while (*p == ' ' || *p == '\t')
        p++;
    return *p == '\0' || *p == ';';
}

static int too_large(vp_req_t *q, apr_off_t max)
{
    /* The rest of the body is not read: do not reuse the connection. */
    q->r->connection->keepalive = AP_CONN_CLOSE;
    return vp_fail(q, HTTP_REQUEST_ENTITY_TOO_LARGE, NULL,
                   apr_psprintf(q->r->pool, "request body exceeds %" APR_OFF_T_FMT " bytes", max),
                   NULL);
}

int vp_read_stream(vp_req_t *q, apr_off_t max, int (*sink)(void *ctx, const char *b, apr_size_t n),
                   void *ctx)
{
    request_rec *r = q->r;
    const char *cl = apr_table_get(r->headers_in, "Content-Length");
    apr_off_t declared = 0, got = 0;
    apr_size_t size = 65536;
    char *buf;
    long n;
    int st;

    if (cl && apr_strtoff(&declared, cl, NULL, 10) == APR_SUCCESS && declared > max)
        return too_large(q, max);
    if (ap_setup_client_block(r, REQUEST_CHUNKED_DECHUNK) != OK)
        return vp_fail(q, HTTP_BAD_REQUEST, NULL, "the request body cannot be read", NULL);
    if (!ap_should_client_block(r))
        return 0;
    buf = apr_palloc(r->pool, size);
    while ((n = ap_get_client_block(r, buf, size)) > 0) {
        if ((got += n) > max)
            return too_large(q, max);
        if ((st = sink(ctx, buf, (apr_size_t)n))) {
            /* the rest of the body stays unread */
            r->connection->keepalive = AP_CONN_CLOSE;
            return st;
        }
    }
    if (n < 0) {
        r->connection->keepalive = AP_CONN_CLOSE;
        return vp_fail(q, HTTP_BAD_REQUEST, NULL, "the request body cannot be read", NULL);
    }
    return 0;
}

struct in_memory {
    char *buf;
    apr_size_t len, cap;
    apr_pool_t *pool;
};

static int append(void *ctx, const char *b, apr_size_t n)
{
    struct in_memory *m = ctx;

    if (m->len + n > m->cap) {
        char *bigger;

        m->cap = (m->len + n) * 2;
        bigger = apr_palloc(m->pool, m->cap + 1);
        memcpy(bigger, m->buf, m->len);
        m->buf = bigger;
    }
    memcpy(m->buf + m->len, b, n);
    m->len += n;
    return 0;
}

static int read_body(vp_req_t *q, apr_off_t max, char **buf, apr_size_t *len)
{
    const char *cl = apr_table_get(q->r->headers_in, "Content-Length");
    apr_off_t declared = 0;
    struct in_memory m = {NULL, 0, 8192, q->r->pool};
    int st;

    if (cl && apr_strtoff(&declared, cl, NULL, 10) == APR_SUCCESS && declared > 0
        && declared <= max)
        m.cap = (apr_size_t)declared;
    m.buf = apr_palloc(m.pool, m.cap + 1);
    if ((st = vp_read_stream(q, max, append, &m)))
        return st;
    m.buf[m.len] = '\0';
    *buf = m.buf;
    *len = m.len;
    return 0;
}

static int form_feed(void *ctx, const char *b, apr_size_t n)
{
    int st = vp_multipart_feed(ctx, b, n);

    return st == VP_MULTIPART_MALFORMED ? HTTP_BAD_REQUEST : st;
}

int vp_read_form(vp_req_t *q, apr_off_t max, vp_multipart_t *m)
{
    int st = vp_read_stream(q, max, form_feed, m);

    if (!st && vp_multipart_finish(m))
        st = HTTP_BAD_REQUEST;
    /* a malformed form says why; a part's callback has said it already */
    if (st == HTTP_BAD_REQUEST && vp_multipart_error(m) && !q->message)
        return vp_fail(q, st, NULL, vp_multipart_error(m), NULL);
    return st;
}

int vp_read_json(vp_req_t *q, const vp_field_t *fields, json_t **body)
{
    return vp_read_json_max(q, fields, vp_config_max_body(q->cfg), body);
}

int vp_read_json_max(vp_req_t *q, const vp_field_t *fields, apr_off_t max, json_t **body)
{
    char *buf = NULL;
    apr_size_t len = 0;
    int rc;

    if (!json_content_type(apr_table_get(q->r->headers_in, "Content-Type")))
        return vp_fail(q, HTTP_UNSUPPORTED_MEDIA_TYPE, NULL,
                       "Content-Type must be application/json", NULL);
    if ((rc = read_body(q, max, &buf, &len)))
        return rc;
    return vp_parse_json(q, buf, len, fields, body);
}

int vp_parse_json(vp_req_t *q, const char *buf, apr_size_t len, const vp_field_t *fields,
                  json_t **body)
{
    vp_body_error_t e;

    if (!(*body = vp_body_parse(q->r->pool, buf, len, fields,
                                vp_config_max_json_members(q->cfg),
                                vp_config_max_json_values(q->cfg), &e)))
        return vp_fail(q, e.status, e.code, e.message, e.details);
    q->body = *body;
    return 0;
}

int vp_read_json_opt(vp_req_t *q, const vp_field_t *fields, json_t **body)
{
    const char *cl = apr_table_get(q->r->headers_in, "Content-Length");

    if (!apr_table_get(q->r->headers_in, "Transfer-Encoding") && (!cl || strcmp(cl, "0") == 0)) {
        *body = q->body = vp_json_pool(q->r->pool, json_object());
        return 0;
    }
    return vp_read_json(q, fields, body);
}

int vp_param_uuid(vp_req_t *q, const char *name, const char *missing, const char **id)
{
    const char *v = vp_param(&q->params, name);

    if (!v || !vp_is_uuid(v))
        return vp_fail(q, HTTP_NOT_FOUND, NULL, missing, NULL);
    *id = v;
    return 0;
}

const char *vp_url(vp_req_t *q, const char *path)
{
    return q->cfg->public_url ? apr_pstrcat(q->r->pool, q->cfg->public_url, path, NULL)
                              : ap_construct_url(q->r->pool, path, q->r);
}

void vp_respond_now(vp_req_t *q, int status)
{
    conn_rec *c = q->r->connection;

    /* The connection closes, and at once: a next request on it, or the
     * moment it closes, would wait for the work after the answer, and the
     * delay would tell what the answer hides. (Not an HTTP/2 stream's
     * socket, which carries other streams.) */
    ap_discard_request_body(q->r);
    c->keepalive = AP_CONN_CLOSE;
    vp_respond(q, status);     /* (flushed there) */
    if (!c->master)
        apr_socket_shutdown(ap_get_conn_socket(c), APR_SHUTDOWN_WRITE);
}

int vp_respond(vp_req_t *q, int status)
{
    request_rec *r = q->r;
    double ms = (double)(apr_time_now() - r->request_time) / 1000.0;
    vp_envelope_t e = {
        .status = status,
        .message = q->message ? q->message
                 : status >= HTTP_INTERNAL_SERVER_ERROR ? "internal error" : "",
        .data = q->data,
        .code = q->error_code,
        .details = q->details,
        .request_id = q->id,
        .timestamp = (double)apr_time_now() / APR_USEC_PER_SEC,
        .elapsed_ms = ms,
    };
    json_t *env;
    const char *body;

    /* httpd answered already (a body it could not read: its error went out
     * through an ErrorDocument): a second answer would follow the first on
     * the wire */
    if (r->eos_sent || r->next)
        return OK;
    env = vp_json_pool(r->pool, vp_envelope(&e));
    body = vp_json_dump(r->pool, env);
    /* data kept as text (answers.c) is written in place of the null, as
     * it is: head, the text, then the rest of the envelope */
    const char *at = q->data_text && !q->data && status < HTTP_BAD_REQUEST
                     ? strstr(body, "\"data\":null") : NULL;
    apr_size_t head = at ? (apr_size_t)(at - body) + strlen("\"data\":") : strlen(body);
    const char *tail = at ? at + strlen("\"data\":null") : "";

    r->status = status;
    if (status == HTTP_NO_CONTENT) {    /* headers only (the tus answers) */
        apr_table_setn(r->headers_out, "Cache-Control", "no-store");
        apr_table_setn(r->headers_out, "X-Response-Time", apr_psprintf(r->pool, "%.3fms", ms));
        return OK;
    }
    ap_set_content_type(r, "application/json; charset=utf-8");
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    apr_table_setn(r->headers_out, "X-Content-Type-Options", "nosniff");
    apr_table_setn(r->headers_out, "X-Response-Time",
                   apr_psprintf(r->pool, "%.3fms", ms));
    /* RFC 6750: error="invalid_token" only when a token was refused */
    if (status == HTTP_UNAUTHORIZED && !apr_table_get(r->headers_out, "WWW-Authenticate"))
        apr_table_setn(r->headers_out, "WWW-Authenticate",
                       q->error_code && strcmp(q->error_code, "invalid_token") == 0
                       ? "Bearer realm=\"vplanet\", error=\"invalid_token\""
                       : "Bearer realm=\"vplanet\"");
    ap_set_content_length(r, (apr_off_t)(head + (at ? strlen(q->data_text) : 0) + strlen(tail)));
    if (!r->header_only) {
        ap_rwrite(body, (int)head, r);
        if (at) {
            ap_rputs(q->data_text, r);
            ap_rputs(tail, r);
        }
    }
    /* On the wire now, not after httpd's pipeline check: a keep-alive
     * client's next request is then often there when the worker looks, and
     * the connection skips the round trip through the listener thread. */
    ap_rflush(r);
    return OK;
}
