/* The secret iCalendar feed of a user (spec section 8): POST makes a new
 * URL (the old one stops working), DELETE revokes it; GET of the URL needs
 * no Authorization and answers RFC 5545 text (vpcore/vp_ics.c) with an
 * ETag, so that calendar apps polling it cheaply get 304 while nothing
 * changed. Only the token's SHA-256 is stored; an unknown or revoked token
 * is 404. Idempotency-Key is not honoured here on purpose: its stored
 * answer would keep the secret URL in the database. */
#include "../handlers.h"
#include "../db.h"

#include <apr_strings.h>
#include <http_protocol.h>
#include <http_request.h>

#include "vpcore/vp_ics.h"
#include "vpcore/vp_token.h"

#define NO_FEED "no such calendar feed"
#define SUFFIX ".ics"
#define TOKEN_LEN 43            /* vp_token_random: 32 bytes as base64url */

int vp_h_calendar_feed_create(vp_req_t *q)
{
    const char *token;
    int st;

    if ((st = vp_authenticate(q, VP_ACT_ACCOUNT)))
        return st;
    if (!(token = vp_token_random(q->r->pool)))
        return vp_fail_internal(q, HTTP_INTERNAL_SERVER_ERROR, "internal error",
                                "VP0661: no randomness for a calendar feed token");
    if ((st = vp_db_exec(q, VP_SQL_CAL_FEED_SET, NULL, q->who->id,
                         vp_sha256_hex(q->r->pool, token))))
        return st;
    return vp_ok(q, HTTP_CREATED, "calendar feed created",
                 json_pack("{s:s}", "url",
                           vp_url(q, apr_pstrcat(q->r->pool, "/api/v1/calendar/feed/", token,
                                                 SUFFIX, NULL))));
}

int vp_h_calendar_feed_delete(vp_req_t *q)
{
    PGresult *res;
    int st;

    if ((st = vp_authenticate(q, VP_ACT_ACCOUNT))
        || (st = vp_db_exec(q, VP_SQL_CAL_FEED_DELETE, &res, q->who->id)))
        return st;
    if (!PQntuples(res))
        return vp_fail(q, HTTP_NOT_FOUND, NULL, NO_FEED, NULL);
    return vp_ok(q, HTTP_OK, "calendar feed revoked", json_pack("{s:b}", "revoked", 1));
}

static const char *cell(const PGresult *res, int i, const char *name)
{
    int col = PQfnumber(res, name);

    return col < 0 || PQgetisnull(res, i, col) ? NULL : PQgetvalue(res, i, col);
}

/* The VCALENDAR of the rows of CAL_FEED_ITEMS. */
static vp_ics_t *calendar_of(vp_req_t *q, const PGresult *res)
{
    vp_ics_t *b = vp_ics_new(q->r->pool);
    int i;

    vp_ics_line(b, "BEGIN", "VCALENDAR");
    vp_ics_line(b, "VERSION", "2.0");
    vp_ics_line(b, "PRODID", "-//VideoPlanet//mod_vplanet//EN");
    vp_ics_line(b, "CALSCALE", "GREGORIAN");
    vp_ics_line(b, "METHOD", "PUBLISH");
    vp_ics_text(b, "X-WR-CALNAME", "VideoPlanet");
    vp_ics_text(b, "X-WR-TIMEZONE", vp_config_time_zone(q->cfg));
    for (i = 0; i < PQntuples(res); i++) {
        const char *desc = cell(res, i, "description"), *project = cell(res, i, "project");

        vp_ics_line(b, "BEGIN", "VEVENT");
        vp_ics_text(b, "UID", cell(res, i, "uid"));
        vp_ics_utc(b, "DTSTAMP", cell(res, i, "stamp"));
        if (*cell(res, i, "all_day") == 't') {
            vp_ics_date(b, "DTSTART", cell(res, i, "start_date"));
            vp_ics_date(b, "DTEND", cell(res, i, "end_date"));
        }
        else {
            vp_ics_utc(b, "DTSTART", cell(res, i, "starts_at"));
            vp_ics_utc(b, "DTEND", cell(res, i, "ends_at"));
        }
        vp_ics_line(b, "SEQUENCE", cell(res, i, "sequence"));
        vp_ics_text(b, "SUMMARY", cell(res, i, "title"));
        if (desc && *desc)
            vp_ics_text(b, "DESCRIPTION", desc);
        if (project)
            vp_ics_text(b, "CATEGORIES", project);
        vp_ics_utc(b, "CREATED", cell(res, i, "created"));
        vp_ics_utc(b, "LAST-MODIFIED", cell(res, i, "stamp"));
        vp_ics_line(b, "TRANSP", "OPAQUE");
        vp_ics_line(b, "END", "VEVENT");
    }
    vp_ics_line(b, "END", "VCALENDAR");
    return b;
}

int vp_h_calendar_feed_get(vp_req_t *q)
{
    request_rec *r = q->r;
    const char *file = vp_param(&q->params, "file");
    size_t n = file ? strlen(file) : 0;
    const char *token, *body;
    PGresult *res;
    size_t len;
    int st;

    /* <token>.ics: anything else names no feed */
    if (n != TOKEN_LEN + sizeof SUFFIX - 1 || strcmp(file + TOKEN_LEN, SUFFIX)
        || strspn(file, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
           != TOKEN_LEN)
        return vp_fail(q, HTTP_NOT_FOUND, NULL, NO_FEED, NULL);
    token = apr_pstrndup(r->pool, file, TOKEN_LEN);
    if ((st = vp_db_exec(q, VP_SQL_CAL_FEED_USER, &res, vp_sha256_hex(r->pool, token))))
        return st;
    if (!PQntuples(res))
        return vp_fail(q, HTTP_NOT_FOUND, NULL, NO_FEED, NULL);
    if ((st = vp_db_exec(q, VP_SQL_CAL_FEED_ITEMS, &res, PQgetvalue(res, 0, 0),
                         vp_config_time_zone(q->cfg))))
        return st;
    body = vp_ics_text_of(calendar_of(q, res), &len);
    /* the same text, the same tag: a client's If-None-Match gets 304 */
    apr_table_setn(r->headers_out, "ETag",
                   apr_pstrcat(r->pool, "\"", apr_pstrndup(r->pool, vp_sha256_hex(r->pool, body), 32),
                               "\"", NULL));
    apr_table_setn(r->headers_out, "Cache-Control", "private, no-cache");
    apr_table_setn(r->headers_out, "X-Content-Type-Options", "nosniff");
    ap_set_content_type(r, "text/calendar; charset=utf-8");
    if (ap_meets_conditions(r) == HTTP_NOT_MODIFIED) {
        r->status = HTTP_NOT_MODIFIED;
        return DONE;
    }
    r->status = HTTP_OK;
    ap_set_content_length(r, (apr_off_t)len);
    if (!r->header_only)
        ap_rwrite(body, (int)len, r);
    return DONE;
}
