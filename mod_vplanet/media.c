/* Files a browser fetches without headers (video media, posters, feedback
 * screenshots): URLs signed for the caller's session, the signature's
 * check, and the hand-over to httpd's own file handler. */
#include "vplanet.h"
#include "db.h"

#include <apr_lib.h>
#include <apr_strings.h>
#include <stdio.h>
#include <http_core.h>
#include <http_protocol.h>

#define URL_TTL 3600                /* seconds a signed media URL is valid */

const char *vp_media_id(apr_pool_t *p, const char *id)
{
    char *lower = apr_pstrdup(p, id);

    ap_str_tolower(lower);
    return lower;
}

const char *vp_media_url(vp_req_t *q, const char *path, const char *id, const char *object,
                         const char *args)
{
    apr_pool_t *p = q->r->pool;
    int64_t exp = (int64_t)apr_time_sec(apr_time_now()) + URL_TTL;
    /* a guest's URL names its invitation and token version ("g" and the
     * version: no session id looks like it), checked again when used */
    const char *sid = q->who->kind == VP_KIND_GUEST ? apr_psprintf(p, "g%ld", q->who->ver)
                      : q->who->sid ? q->who->sid : "";
    const char *sig = vp_media_sign(p, &q->cfg->media_key, id, object,
                                    apr_pstrcat(p, q->who->id, ":", sid, NULL), exp);

    if (!sig)
        return NULL;
    return vp_url(q, apr_psprintf(p, "%s?%sexpires=%" APR_INT64_T_FMT
                                  "&user=%s&session=%s&signature=%s",
                                  path, args, (apr_int64_t)exp, q->who->id, sid, sig));
}

/* The guest of a signed URL (its invitation and token version ver): 0
 * with q->who set while the invitation holds, else 403. */
static int guest_caller(vp_req_t *q, const char *invitation, const char *ver)
{
    vp_principal_t *who;
    PGresult *res;
    long v;
    int st;

    if (!vp_parse_long(ver, &v) || v <= 0)
        return vp_fail(q, HTTP_FORBIDDEN, NULL, "the signature of this URL is not valid", NULL);
    if ((st = vp_db_exec(q, VP_SQL_GUEST_MEDIA, &res, invitation, apr_ltoa(q->r->pool, v))))
        return st;
    if (PQntuples(res) != 1)
        return vp_fail(q, HTTP_FORBIDDEN, NULL, "the invitation of this URL has ended", NULL);
    who = apr_pcalloc(q->r->pool, sizeof *who);
    who->kind = VP_KIND_GUEST;
    who->id = invitation;
    who->ver = v;
    who->project_id = apr_pstrdup(q->r->pool, PQgetvalue(res, 0, 0));
    who->role = apr_pstrdup(q->r->pool, PQgetvalue(res, 0, 1));
    who->email = apr_pstrdup(q->r->pool, PQgetvalue(res, 0, 2));
    q->who = who;
    return 0;
}

/* A signed URL's caller, when the query carries a signature: 0 (q->who
 * set) or 403; -1 when there is none (the Authorization header decides). */
int vp_media_caller(vp_req_t *q, const char *id, const char *object)
{
    const char *sig = apr_table_get(q->args, "signature"),
               *user = apr_table_get(q->args, "user"),
               *sid = apr_table_get(q->args, "session"),
               *exp = apr_table_get(q->args, "expires");
    vp_principal_t *who;
    vp_verdict_t v;
    vp_runner_t db;
    long e;
    int st;

    if (!sig)
        return -1;
    if (!user || !sid || !exp || !vp_parse_long(exp, &e) || !vp_is_uuid(user)
        || !vp_media_signed(q->r->pool, &q->cfg->media_key, id, object,
                            apr_pstrcat(q->r->pool, user, ":", sid, NULL), e, sig))
        return vp_fail(q, HTTP_FORBIDDEN, NULL, "the signature of this URL is not valid", NULL);
    if (e < (long)apr_time_sec(apr_time_now()))
        return vp_fail(q, HTTP_FORBIDDEN, NULL, "this URL has expired", NULL);
    if (sid[0] == 'g')
        return guest_caller(q, user, sid + 1);
    if (!vp_is_uuid(sid))
        return vp_fail(q, HTTP_FORBIDDEN, NULL, "the signature of this URL is not valid", NULL);
    /* the session it was made for must still be live (logout revokes) */
    db = vp_db_runner(q, &st);
    v = vp_access_session(&db, user, sid);
    if (v.outcome == VP_ACCESS_UNAVAILABLE)
        return st;
    if (v.outcome != VP_ACCESS_OK)
        return vp_fail(q, HTTP_FORBIDDEN, NULL, "the session of this URL has ended", NULL);
    who = apr_pcalloc(q->r->pool, sizeof *who);
    who->kind = VP_KIND_USER;
    who->id = user;
    who->sid = sid;
    q->who = who;
    return 0;
}

/* RFC 8187 ext-value: attr-char as it is, every other byte %XX. */
static const char *ext_value(apr_pool_t *p, const char *s)
{
    char *out = apr_palloc(p, strlen(s) * 3 + 1), *o = out;

    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if (apr_isalnum(c) || strchr("!#$&+-.^_`|~", c))
            *o++ = (char)c;
        else
            o += sprintf(o, "%%%02X", c);
    }
    *o = '\0';
    return out;
}

/* Hands the file to httpd: DECLINED makes its default handler serve
 * r->filename with ranges, ETag, conditional requests and sendfile. */
int vp_media_serve(vp_req_t *q, const char *path, const char *type, const char *filename)
{
    request_rec *r = q->r;
    apr_status_t rv = apr_stat(&r->finfo, path, APR_FINFO_MIN, r->pool);

    if (rv != APR_SUCCESS || r->finfo.filetype != APR_REG) {
        VP_LOG(q, APLOG_ERR, "VP0626: the file of a live row is missing: %s", path);
        return vp_fail(q, HTTP_NOT_FOUND, NULL, "this file is not available", NULL);
    }
    r->filename = apr_pstrdup(r->pool, path);
    r->path_info = NULL;
    ap_set_content_type(r, type);
    apr_table_setn(r->headers_out, "Cache-Control", "private, max-age=600");
    apr_table_setn(r->headers_out, "X-Content-Type-Options", "nosniff");
    if (filename)
        apr_table_setn(r->headers_out, "Content-Disposition",
                       apr_pstrcat(r->pool, "inline; filename*=UTF-8''",
                                   ext_value(r->pool, filename), NULL));
    return DECLINED;
}


int vp_media_send(vp_req_t *q, const char *type, const char *filename, const char *body,
                  apr_size_t len)
{
    request_rec *r = q->r;
    char *ascii = apr_pstrdup(r->pool, filename), *c;

    /* filename= for the clients that ignore filename* (RFC 6266 4.3) */
    for (c = ascii; *c; c++)
        if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e || *c == '"' || *c == '\\')
            *c = '_';
    r->status = HTTP_OK;
    ap_set_content_type(r, type);
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    apr_table_setn(r->headers_out, "X-Content-Type-Options", "nosniff");
    apr_table_setn(r->headers_out, "Content-Disposition",
                   apr_pstrcat(r->pool, "attachment; filename=\"", ascii, "\"; filename*=UTF-8''",
                               ext_value(r->pool, filename), NULL));
    ap_set_content_length(r, (apr_off_t)len);
    if (!r->header_only)
        ap_rwrite(body, (int)len, r);
    return DONE;
}
