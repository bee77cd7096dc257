#include "vpd_ws_auth.h"
#include "vpd_ws_events.h"
#include "vpd_log.h"
#include "vpcore/vp_access.h"
#include "vpcore/vp_valid.h"

#include <apr_pools.h>
#include <apr_time.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define AUTH_WAIT (5 * LWS_US_PER_SEC)

static PGresult *run(void *ctx, vp_sql_id id, int n, const char *const *params)
{
    (void)ctx;
    return vpd_ws_query(&vp_statements[id], n, params);
}

static void release(void *ctx, PGresult *res)
{
    (void)ctx;
    PQclear(res);
}

static const vp_runner_t db = {run, release, NULL};

/* The close code of a refused verdict (README "Realtime"). */
static void refuse(conn_t *c, const vp_verdict_t *v)
{
    switch (v->outcome) {
    case VP_ACCESS_UNAUTHENTICATED:
        if (v->why)
            vpd_log(VPD_INFO, "ws", "VPD0406: token refused: %s", v->why);
        vpd_ws_close(c, CLOSE_UNAUTHORIZED,
                     strcmp(v->message, VP_ACCESS_GUEST) ? "invalid token" : VP_ACCESS_GUEST);
        break;
    case VP_ACCESS_NOT_FOUND:
        vpd_ws_close(c, CLOSE_NOT_FOUND, "no such project");
        break;
    case VP_ACCESS_FORBIDDEN:
        vpd_ws_close(c, CLOSE_FORBIDDEN, "the role does not read the project");
        break;
    default:
        vpd_ws_close(c, CLOSE_UNAVAILABLE, "database unavailable");
        break;
    }
}

static void token_expired(lws_sorted_usec_list_t *sul)
{
    conn_t *c = lws_container_of(sul, conn_t, exp_timer);

    vpd_ws_close(c, CLOSE_EXPIRED, "the token expired");
}

/* c joins its project, gets "ready" and, on a resume (after >= 0), the
 * events it missed; floor: the last event id before its membership began,
 * last: the project's last event id (one snapshot with the access). */
static void join(conn_t *c, long long after, long long floor, long long last)
{
    if (vpd_ws_attach(c, c->me ? c->user_id : c->project_id, last) < 0) {
        vpd_ws_close(c, CLOSE_UNAVAILABLE, "out of memory");
        return;
    }
    /* a client cannot have seen an id the project never reached */
    if (after > last)
        after = last;
    lws_sul_cancel(&c->auth_timer);
    c->authed = 1;
    c->last_sent = after >= 0 ? after : c->project->cursor;
    if (c->last_sent < floor)
        c->last_sent = floor;
    c->start = c->last_sent;
    vpd_ws_enqueue_json(c, json_pack("{s:s, s:s, s:I}", "type", "ready",
                                     c->me ? "user_id" : "project_id", c->project->id,
                                     "last_event_id", (json_int_t)c->last_sent));
    /* resume: the missed events, then live ones; nothing twice, since
     * live delivery skips what this client already has */
    if (after >= 0) {
        c->catching_up = 1;
        vpd_ws_catch_up(c);
    }
}

/* /ws/me: any user reads its own notifications (a guest has none); *row:
 * the user's last seq, the snapshot to start from. */
static vp_verdict_t me_access(const vp_principal_t *who, PGresult **row)
{
    vp_verdict_t v = vp_access_account(who, VP_ACT_ACCOUNT);

    if (v.outcome == VP_ACCESS_OK && !(*row = vpd_ws_exec(VPD_SQL_ME_LAST, who->id)))
        v.outcome = VP_ACCESS_UNAVAILABLE;
    return v;
}

void vpd_ws_authenticate(conn_t *c, const char *token, long long after)
{
    apr_pool_t *pool;
    vp_principal_t who;
    PGresult *row = NULL;
    long now = (long)apr_time_sec(apr_time_now());
    long long floor = 0, last = 0;
    vp_verdict_t v;

    apr_pool_create(&pool, NULL);
    v = vp_access_identify(&db, pool, vpd_ws.o->keys, token, now, &who, NULL);
    if (v.outcome == VP_ACCESS_OK)
        v = c->me ? me_access(&who, &row)
                  : vp_access_project(&db, &who, c->project_id, VP_SQL_MEMBER_ROLE_FEED,
                                      VP_ACT_VIEW, &row);
    /* a guest the policy lets in (its own project) has no membership row:
     * it starts from the project's last event (README "Invitations and guests") */
    if (v.outcome == VP_ACCESS_OK && !c->me && who.kind == VP_KIND_GUEST
        && !(row = vpd_ws_exec(VPD_SQL_GUEST_FEED, c->project_id)))
        v.outcome = VP_ACCESS_UNAVAILABLE;
    if (v.outcome != VP_ACCESS_OK)
        refuse(c, &v);
    else if (!row)                  /* no membership: no snapshot to start from */
        vpd_ws_close(c, CLOSE_FORBIDDEN, "the role does not read the project");
    else {
        /* /ws/me: every notification of the user is its own (floor 0) */
        floor = c->me ? 0 : strtoll(PQgetvalue(row, 0, 1), NULL, 10);
        last = strtoll(PQgetvalue(row, 0, c->me ? 0 : 2), NULL, 10);
        snprintf(c->user_id, sizeof c->user_id, "%s", who.id);
        snprintf(c->sid, sizeof c->sid, "%s", who.sid ? who.sid : "");
        lws_sul_schedule(vpd_ws.ctx, 0, &c->exp_timer, token_expired,
                         (lws_usec_t)(who.exp - now) * LWS_US_PER_SEC);
    }
    PQclear(row);
    apr_pool_destroy(pool);
    if (!c->close_code)
        join(c, after, floor, last);
}

static void auth_timeout(lws_sorted_usec_list_t *sul)
{
    conn_t *c = lws_container_of(sul, conn_t, auth_timer);

    if (!c->authed)
        vpd_ws_close(c, CLOSE_UNAUTHORIZED, "no authentication within 5 s");
}

/* A non-negative whole number, or -1. */
static long long parse_id(const char *s)
{
    long v;

    return s && vp_parse_long(s, &v) && v >= 0 ? v : -1;
}

/* The project of /ws/projects/{uuid} (one trailing slash allowed) into c,
 * in lower case; 0, or -1 for another path. */
static int project_of(conn_t *c)
{
    char uri[128];
    const char *id;
    size_t n;

    if (lws_hdr_copy(c->wsi, uri, sizeof uri, WSI_TOKEN_GET_URI) < 0)
        uri[0] = '\0';
    id = strncmp(uri, "/ws/projects/", 13) == 0 ? uri + 13 : "";
    n = strlen(id);
    if (n == 37 && id[36] == '/') {
        uri[13 + 36] = '\0';
        n = 36;
    }
    if (n != 36 || !vp_is_uuid(id))
        return -1;
    snprintf(c->project_id, sizeof c->project_id, "%s", id);
    for (n = 0; n < 36; n++)
        c->project_id[n] = (char)tolower((unsigned char)c->project_id[n]);
    return 0;
}

void vpd_ws_established(conn_t *c)
{
    /* arguments are looked up fragment by fragment in the buffer given:
     * each must hold the longest (a token) */
    char proto[2048], token[2048], last[2048];
    const char *t = NULL, *l;

    if (lws_hdr_copy(c->wsi, proto, sizeof proto, WSI_TOKEN_GET_URI) >= 0
        && (strcmp(proto, "/ws/me") == 0 || strcmp(proto, "/ws/me/") == 0))
        c->me = 1;
    else if (project_of(c) < 0) {
        vpd_ws_close(c, CLOSE_NOT_FOUND, "no such project");
        return;
    }
    if (lws_hdr_copy(c->wsi, proto, sizeof proto, WSI_TOKEN_HTTP_AUTHORIZATION) > 7
        && strncasecmp(proto, "Bearer ", 7) == 0) {
        for (t = proto + 7; *t == ' '; t++)
            ;
    }
    else {
        t = lws_get_urlarg_by_name(c->wsi, "token=", token, sizeof token);
    }
    /* (the value follows the name in buf) */
    l = lws_get_urlarg_by_name(c->wsi, "last_event_id=", last, sizeof last);
    if (t && *t) {
        vpd_ws_authenticate(c, t, l ? parse_id(l) : -1);
        return;
    }
    lws_sul_schedule(vpd_ws.ctx, 0, &c->auth_timer, auth_timeout, AUTH_WAIT);
}

void vpd_ws_revoke(const char *user_id, const char *sid)
{
    project_t *p;
    conn_t *c;

    for (p = vpd_ws.projects; p; p = p->next)
        for (c = p->conns; c; c = c->next)
            if (strcasecmp(c->user_id, user_id) == 0 && (!sid || strcasecmp(c->sid, sid) == 0))
                vpd_ws_close(c, CLOSE_REVOKED, "session revoked");
}

void vpd_ws_recheck_sessions(void)
{
    project_t *p;
    conn_t *c;

    for (p = vpd_ws.projects; p; p = p->next)
        for (c = p->conns; c; c = c->next)
            if (!c->close_code && vp_access_session(&db, c->user_id, c->sid).outcome
                                  == VP_ACCESS_UNAUTHENTICATED)
                vpd_ws_close(c, CLOSE_REVOKED, "session revoked");
}

void vpd_ws_auth_end(conn_t *c)
{
    lws_sul_cancel(&c->auth_timer);
    lws_sul_cancel(&c->exp_timer);
}
