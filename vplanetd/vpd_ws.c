/* The realtime channel. One thread runs libwebsockets' loop; the LISTEN
 * connection's socket is adopted into the same loop, so notifications,
 * client frames and timers never race. A notification names an event
 * (id, project); the rows after the project's cursor are read once and
 * queued to every client of the project that has not had them yet. The
 * module commits a project's events in id order (it locks the project
 * row), so following ids never skips one. */
#include "vpd_ws.h"
#include "vpd_log.h"
#include "vpd_pg.h"
#include "vpcore/vp_authz.h"
#include "vpcore/vp_sql.h"
#include "vpcore/vp_valid.h"

#include <apr_pools.h>
#include <apr_time.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <libwebsockets.h>
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* The close codes of the README's "Realtime" section. */
#define CLOSE_UNAUTHORIZED 4001     /* no, bad or expired token */
#define CLOSE_EXPIRED      4002     /* the token expired on an open socket */
#define CLOSE_FORBIDDEN    4003     /* a guest token of another project */
#define CLOSE_NOT_FOUND    4004     /* no such project, or not a member */
#define CLOSE_REVOKED      4005     /* session revoked, account deleted or deactivated */
#define CLOSE_NOT_MEMBER   4006     /* removed from the project, or left it */
#define CLOSE_DELETED      4007     /* the project was deleted */
#define CLOSE_TOO_SLOW     4008     /* the send queue overflowed */
#define CLOSE_UNAVAILABLE  1011     /* the database cannot be reached */
#define AUTH_WAIT          (5 * LWS_US_PER_SEC)
#define CLOSE_WAIT         5        /* seconds a close may wait behind the queue */
#define FETCH_PAGE         500
#define RX_BUFFER          8192     /* lws' buffer; a message may come in pieces */
#define MSG_MAX            65536    /* a client message, all fragments together */

typedef struct msg {
    struct msg *next;
    size_t len;
    unsigned char buf[];            /* LWS_PRE bytes, then the text */
} msg_t;

typedef struct conn conn_t;

typedef struct {                    /* a row of vpd_events_after */
    long long id;
    const char *text, *type;
    const char *member;             /* the member it concerns, or NULL */
    const char *role;               /* member.role_changed: the new role */
} event_t;

typedef struct project {
    struct project *next;
    char id[37];
    long long cursor;               /* last event id read for this project */
    conn_t *conns;
} project_t;

struct conn {                       /* lws' per-session data */
    conn_t *next;                   /* in project->conns */
    struct lws *wsi;
    project_t *project;
    char project_id[37];
    char user_id[37];
    char sid[37];                   /* session (refresh family); "" for a guest */
    int authed;
    int close_code;                 /* non-zero: close at the next write */
    const char *close_why;
    long long last_sent;            /* last event id queued to this client */
    int catching_up;                /* missed events still to read (resume) */
    msg_t *head, *tail;
    int queued;
    char *rx;                       /* a client message being assembled */
    size_t rx_len;
    lws_sorted_usec_list_t auth_timer;
    lws_sorted_usec_list_t exp_timer;   /* the token's exp */
};

static struct {
    const vpd_ws_opts_t *o;
    struct lws_context *ctx;
    struct lws_vhost *vh;
    vpd_pg_t *db;                   /* queries */
    vpd_pg_t *listen;               /* LISTEN vplanet_events, vplanet_access */
    lws_sorted_usec_list_t reconnect;
    lws_sorted_usec_list_t tick;    /* wakes the loop while draining */
    lws_sorted_usec_list_t prune;   /* hourly housekeeping */
    int backoff;                    /* seconds before the next reconnect */
    project_t *projects;
    int nconns;                     /* open client connections */
    int draining;
} S;

/* ---- database ---- */

/* Runs a statement of vp_sidecar_statements, connecting first when needed
 * and once more when the connection broke (PostgreSQL restarted). Never
 * waits for a reconnect pause: this is the event loop. NULL when it failed. */
static PGresult *query(const char *label, int n, const char *const *params)
{
    int attempt;

    for (attempt = 0; attempt < 2; attempt++) {
        PGresult *r;

        if (!vpd_pg_connect(S.db))
            return NULL;
        if ((r = vpd_pg_exec(S.db, label, n, params)))
            return r;
        if (vpd_pg_conn(S.db))
            return NULL;            /* not a connection problem: no retry */
    }
    return NULL;
}

/* ---- sending ---- */

/* Closes c once what is queued has gone out (nothing more is queued): a
 * client that does not read it within CLOSE_WAIT seconds is dropped. */
static void want_close(conn_t *c, int code, const char *why)
{
    if (!c->close_code) {
        c->close_code = code;
        c->close_why = why;
        lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, CLOSE_WAIT);
    }
    lws_callback_on_writable(c->wsi);
}

static void drop_queue(conn_t *c)
{
    while (c->head) {
        msg_t *m = c->head;

        c->head = m->next;
        free(m);
    }
    c->tail = NULL;
    c->queued = 0;
}

/* Queues text for c; a client that lets its queue overflow is dropped
 * rather than slowing the others. */
static void enqueue(conn_t *c, const char *text, size_t len)
{
    msg_t *m;

    if (c->close_code)
        return;
    if (c->queued >= S.o->queue_max) {
        /* it does not read, so a close frame would not get through either */
        vpd_log(VPD_INFO, "ws", "VPD0404: dropping a slow client of project %s", c->project_id);
        drop_queue(c);
        c->close_code = CLOSE_TOO_SLOW;
        c->close_why = "too slow";
        lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
        return;
    }
    if (!(m = malloc(sizeof *m + LWS_PRE + len))) {
        want_close(c, CLOSE_UNAVAILABLE, "out of memory");
        return;
    }
    m->next = NULL;
    m->len = len;
    memcpy(m->buf + LWS_PRE, text, len);
    if (c->tail)
        c->tail->next = m;
    else
        c->head = m;
    c->tail = m;
    c->queued++;
    lws_callback_on_writable(c->wsi);
}

static void enqueue_json(conn_t *c, json_t *j)
{
    char *text = json_dumps(j, JSON_COMPACT);

    if (text)
        enqueue(c, text, strlen(text));
    free(text);
    json_decref(j);
}

/* ---- projects and events ---- */

static project_t *project_find(const char *id)
{
    project_t *p;

    for (p = S.projects; p && strcmp(p->id, id); p = p->next)
        ;
    return p;
}

/* The project of a new client; cursor: its last event id, read in the
 * snapshot that found the client's access. */
static project_t *project_get(const char *id, long long cursor)
{
    project_t *p = project_find(id);

    if (p || !(p = calloc(1, sizeof *p)))
        return p;
    snprintf(p->id, sizeof p->id, "%s", id);
    p->cursor = cursor;
    p->next = S.projects;
    S.projects = p;
    return p;
}

static void project_leave(conn_t *c)
{
    project_t *p = c->project, **pp;
    conn_t **cp;

    if (!p)
        return;
    for (cp = &p->conns; *cp; cp = &(*cp)->next)
        if (*cp == c) {
            *cp = c->next;
            break;
        }
    c->project = NULL;
    if (p->conns)
        return;
    for (pp = &S.projects; *pp; pp = &(*pp)->next)
        if (*pp == p) {
            *pp = p->next;
            break;
        }
    free(p);
}

/* Reads up to max events of a project after `after` (in pages), handing
 * each to deliver. Returns how many it read, or -1 on a database error. */
static int read_events(const char *project_id, long long after, int max,
                       void (*deliver)(void *ctx, const event_t *ev), void *ctx)
{
    int total = 0;

    while (total < max) {
        char since[24], limit[12];
        int want = max - total < FETCH_PAGE ? max - total : FETCH_PAGE;
        PGresult *r;
        int i, n;

        snprintf(since, sizeof since, "%lld", after);
        snprintf(limit, sizeof limit, "%d", want);
        if (!(r = query("vpd_events_after", 3, (const char *[]){project_id, since, limit})))
            return -1;
        n = PQntuples(r);
        for (i = 0; i < n; i++) {
            event_t ev = {strtoll(PQgetvalue(r, i, 0), NULL, 10), PQgetvalue(r, i, 1),
                          PQgetvalue(r, i, 2),
                          PQgetisnull(r, i, 3) ? NULL : PQgetvalue(r, i, 3),
                          PQgetisnull(r, i, 4) ? NULL : PQgetvalue(r, i, 4)};

            deliver(ctx, &ev);
            after = ev.id;
        }
        PQclear(r);
        total += n;
        if (n < want)
            break;
    }
    return total;
}

/* Whether the project is gone now (a project.deleted of the past may
 * have been undone by a restore): 1 gone, 0 live, -1 unknown. */
static int project_gone(const char *id)
{
    PGresult *r = query("vpd_project_live", 1, (const char *[]){id});
    int gone = r ? !PQntuples(r) : -1;

    PQclear(r);
    return gone;
}

/* ev to c, and what ev does to c's access: the last event a member gets
 * is its own member.left (or a role_changed to a role that may not read),
 * then the socket closes; project.deleted likewise. gone: project_gone's
 * answer for a project.deleted. Nothing is queued once c is closing. */
static void deliver(conn_t *c, const event_t *ev, int gone)
{
    /* (a guest, without a session, is nobody's member) */
    int mine = c->sid[0] && ev->member && strcasecmp(ev->member, c->user_id) == 0;

    if (ev->id <= c->last_sent)
        return;
    enqueue(c, ev->text, strlen(ev->text));
    c->last_sent = ev->id;
    if (mine && strcmp(ev->type, "member.left") == 0)
        want_close(c, CLOSE_NOT_MEMBER, "no longer a member of the project");
    else if (mine && strcmp(ev->type, "member.role_changed") == 0
             && !vp_may(vp_role_parse(ev->role), VP_ACT_READ))
        want_close(c, CLOSE_NOT_MEMBER, "the new role does not read the project");
    else if (gone && strcmp(ev->type, "project.deleted") == 0)
        want_close(c, gone > 0 ? CLOSE_DELETED : CLOSE_UNAVAILABLE,
                   gone > 0 ? "the project was deleted" : "database unavailable");
}

static int deleted(const event_t *ev, const char *project_id)
{
    return strcmp(ev->type, "project.deleted") == 0 ? project_gone(project_id) : 0;
}

static void deliver_project(void *ctx, const event_t *ev)
{
    project_t *p = ctx;
    int gone = deleted(ev, p->id);
    conn_t *c;

    /* a client still catching up reads this one from the table later */
    for (c = p->conns; c; c = c->next)
        if (c->authed && !c->catching_up)
            deliver(c, ev, gone);
    p->cursor = ev->id;
}

static void deliver_conn(void *ctx, const event_t *ev)
{
    conn_t *c = ctx;

    deliver(c, ev, deleted(ev, c->project_id));
}

/* Resume: the next missed events of c, as many as half its queue holds,
 * so a client far behind is fed as fast as it reads, never dropped for it.
 * Live events wait while it catches up: it reads them from the table. */
static void catch_up(conn_t *c)
{
    int room = S.o->queue_max / 2 > 0 ? S.o->queue_max / 2 : 1;
    int n = read_events(c->project_id, c->last_sent, room, deliver_conn, c);

    if (n < 0)
        want_close(c, CLOSE_UNAVAILABLE, "database unavailable");
    else if (n < room)
        c->catching_up = 0;
}

/* New events of p: read once, fanned out to its clients. */
static void project_advance(project_t *p)
{
    if (read_events(p->id, p->cursor, INT_MAX, deliver_project, p) < 0)
        vpd_log(VPD_ERROR, "ws", "VPD0405: cannot read the events of project %s; retrying at the next "
             "notification or reconnect", p->id);
}

/* ---- the LISTEN connection ---- */

static void listen_connect(lws_sorted_usec_list_t *sul);
static int session_live(const char *user_id, const char *sid);

/* Every open socket of a session (sid NULL: of the user) closes. */
static void close_sessions(const char *user_id, const char *sid)
{
    project_t *p;
    conn_t *c;

    for (p = S.projects; p; p = p->next)
        for (c = p->conns; c; c = c->next)
            if (c->sid[0] && strcasecmp(c->user_id, user_id) == 0
                && (!sid || strcasecmp(c->sid, sid) == 0))
                want_close(c, CLOSE_REVOKED, "session revoked");
}

/* What changed while nobody listened: revocations are looked up per
 * socket, membership changes and deletions come with the events. */
static void catch_up_all(void)
{
    project_t *p;
    conn_t *c;

    for (p = S.projects; p; p = p->next) {
        for (c = p->conns; c; c = c->next)
            if (c->sid[0] && !c->close_code && session_live(c->user_id, c->sid) == 0)
                want_close(c, CLOSE_REVOKED, "session revoked");
        project_advance(p);
    }
}

static void listen_lost(void)
{
    vpd_pg_close(S.listen);
    S.backoff = S.backoff ? (S.backoff * 2 > 10 ? 10 : S.backoff * 2) : 1;
    vpd_log(VPD_WARN, "ws", "VPD0401: no notification connection; trying again in %d s",
            S.backoff);
    lws_sul_schedule(S.ctx, 0, &S.reconnect, listen_connect,
                     (lws_usec_t)S.backoff * LWS_US_PER_SEC);
}

static void listen_connect(lws_sorted_usec_list_t *sul)
{
    lws_sock_file_fd_type fd;
    PGconn *conn;

    (void)sul;
    if (!vpd_pg_connect(S.listen)) {
        listen_lost();
        return;
    }
    conn = vpd_pg_conn(S.listen);
    /* lws watches (and closes) a duplicate; libpq keeps its own socket */
    if (PQsetnonblocking(conn, 1) != 0 || (fd.filefd = dup(PQsocket(conn))) < 0) {
        vpd_log(VPD_ERROR, "ws", "VPD0402: cannot watch the notification connection: %s",
                PQerrorMessage(conn));
        listen_lost();
        return;
    }
    if (!lws_adopt_descriptor_vhost(S.vh, LWS_ADOPT_RAW_FILE_DESC, fd, "vplanet-pg", NULL)) {
        vpd_log(VPD_ERROR, "ws", "VPD0402: cannot watch the notification connection");
        close(fd.filefd);
        listen_lost();
        return;
    }
    S.backoff = 0;
    vpd_log(VPD_INFO, "ws", "VPD0403: listening for events");
    /* whatever committed while we were not listening */
    catch_up_all();
}

static void notifications(void)
{
    PGnotify *n;

    while ((n = PQnotifies(vpd_pg_conn(S.listen)))) {
        json_t *j = json_loads(n->extra, 0, NULL);
        const char *pid = json_string_value(json_object_get(j, "project_id"));
        const char *uid = json_string_value(json_object_get(j, "user_id"));
        project_t *p = pid ? project_find(pid) : NULL;

        if (strcmp(n->relname, "vplanet_access") == 0 && uid)
            close_sessions(uid, json_string_value(json_object_get(j, "sid")));
        else if (p)
            project_advance(p);
        json_decref(j);
        PQfreemem(n);
    }
}

static int pg_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
                       void *in, size_t len)
{
    (void)wsi; (void)user; (void)in; (void)len;
    switch (reason) {
    case LWS_CALLBACK_RAW_RX_FILE:
        if (!vpd_pg_conn(S.listen) || !PQconsumeInput(vpd_pg_conn(S.listen))) {
            listen_lost();
            return -1;              /* lws closes our dup of the socket */
        }
        notifications();
        return 0;
    default:
        return 0;
    }
}

/* ---- clients ---- */

/* 1: the account is active and the session not revoked; 0: not; -1: no
 * database. */
static int session_live(const char *user_id, const char *sid)
{
    PGresult *r = query("vpd_user_active", 2, (const char *[]){user_id, sid});
    int live = r ? PQntuples(r) > 0 : -1;

    PQclear(r);
    return live;
}

static void token_expired(lws_sorted_usec_list_t *sul)
{
    conn_t *c = lws_container_of(sul, conn_t, exp_timer);

    want_close(c, CLOSE_EXPIRED, "the token expired");
}

/* Whether cl may read c's project; on success *floor: the last event id
 * before its membership began, *last: the project's last event id (one
 * snapshot). A closing reason is set otherwise. */
static void access_of(conn_t *c, const vp_claims_t *cl, long long *floor, long long *last)
{
    PGresult *r = NULL;
    int live;

    if (strcmp(cl->typ, "guest") == 0) {
        if (!cl->project_id || strcasecmp(cl->project_id, c->project_id))
            want_close(c, CLOSE_FORBIDDEN, "a guest token of another project");
        else if (!(r = query("vpd_project_live", 1, (const char *[]){c->project_id})))
            want_close(c, CLOSE_UNAVAILABLE, "database unavailable");
        else if (!PQntuples(r))
            want_close(c, CLOSE_NOT_FOUND, "no such project");
    }
    else if (strcmp(cl->typ, "access") || !cl->sid)
        want_close(c, CLOSE_UNAUTHORIZED, "invalid token");
    else if ((live = session_live(cl->sub, cl->sid)) <= 0)
        want_close(c, live ? CLOSE_UNAVAILABLE : CLOSE_UNAUTHORIZED,
                   live ? "database unavailable" : "invalid token");
    else if (!(r = query("vpd_member", 2, (const char *[]){c->project_id, cl->sub})))
        want_close(c, CLOSE_UNAVAILABLE, "database unavailable");
    else if (!PQntuples(r))
        want_close(c, CLOSE_NOT_FOUND, "no such project");
    if (!c->close_code) {
        *floor = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
        *last = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
    }
    PQclear(r);
}

/* Checks token for c's project and attaches c; after: the last event id
 * the client has (-1: none, start from now). A member never gets an event
 * from before it joined (id <= floor), whatever it asks for. */
static void authenticate(conn_t *c, const char *token, long long after)
{
    apr_pool_t *pool;
    vp_claims_t cl;
    const char *why;
    long long floor = 0, last = 0;
    long now = (long)apr_time_sec(apr_time_now());
    project_t *p;

    apr_pool_create(&pool, NULL);
    why = vp_token_verify(pool, S.o->keys, token, NULL, now, &cl);
    if (why) {
        vpd_log(VPD_INFO, "ws", "VPD0406: token refused: %s", why);
        want_close(c, CLOSE_UNAUTHORIZED, "invalid token");
    }
    else
        access_of(c, &cl, &floor, &last);
    if (!c->close_code) {
        snprintf(c->user_id, sizeof c->user_id, "%s", cl.sub);
        snprintf(c->sid, sizeof c->sid, "%s", strcmp(cl.typ, "access") ? "" : cl.sid);
        lws_sul_schedule(S.ctx, 0, &c->exp_timer, token_expired,
                         (lws_usec_t)(cl.exp - now) * LWS_US_PER_SEC);
    }
    apr_pool_destroy(pool);
    if (c->close_code)
        return;
    if (!(p = project_get(c->project_id, last))) {
        want_close(c, CLOSE_UNAVAILABLE, "out of memory");
        return;
    }
    /* a client cannot have seen an id the project never reached */
    if (after > last)
        after = last;
    lws_sul_cancel(&c->auth_timer);
    c->authed = 1;
    c->project = p;
    c->next = p->conns;
    p->conns = c;
    c->last_sent = after >= 0 ? after : p->cursor;
    if (c->last_sent < floor)
        c->last_sent = floor;
    enqueue_json(c, json_pack("{s:s, s:s, s:I}", "type", "ready", "project_id", p->id,
                              "last_event_id", (json_int_t)c->last_sent));
    /* resume: the missed events, then live ones; nothing twice, since
     * live delivery skips what this client already has */
    if (after >= 0) {
        c->catching_up = 1;
        catch_up(c);
    }
}

static void auth_timeout(lws_sorted_usec_list_t *sul)
{
    conn_t *c = lws_container_of(sul, conn_t, auth_timer);

    if (!c->authed)
        want_close(c, CLOSE_UNAUTHORIZED, "no authentication within 5 s");
}

/* A non-negative whole number, or -1. */
static long long parse_id(const char *s)
{
    long v;

    return s && vp_parse_long(s, &v) && v >= 0 ? v : -1;
}

static void established(conn_t *c)
{
    /* arguments are looked up fragment by fragment in the buffer given:
     * each must hold the longest (a token) */
    char uri[128], proto[2048], token[2048], last[2048];
    const char *t = NULL, *l, *id;
    size_t n;

    if (lws_hdr_copy(c->wsi, uri, sizeof uri, WSI_TOKEN_GET_URI) < 0)
        uri[0] = '\0';
    /* /ws/projects/{uuid}, one trailing slash allowed */
    id = strncmp(uri, "/ws/projects/", 13) == 0 ? uri + 13 : "";
    n = strlen(id);
    if (n == 37 && id[36] == '/') {
        uri[13 + 36] = '\0';
        n = 36;
    }
    if (n != 36 || !vp_is_uuid(id)) {
        want_close(c, CLOSE_NOT_FOUND, "no such project");
        return;
    }
    snprintf(c->project_id, sizeof c->project_id, "%s", id);
    for (n = 0; n < 36; n++)
        c->project_id[n] = (char)tolower((unsigned char)c->project_id[n]);
    /* Authorization: Bearer <token> (httpd moves the token of a
     * "bearer, <token>" subprotocol there) */
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
        authenticate(c, t, l ? parse_id(l) : -1);
        return;
    }
    lws_sul_schedule(S.ctx, 0, &c->auth_timer, auth_timeout, AUTH_WAIT);
}

static void relay_typing(conn_t *from, json_t *msg)
{
    conn_t *c;
    json_t *out = json_pack("{s:s, s:s, s:O?}", "type", "typing", "user_id", from->user_id,
                            "feedback_id", json_object_get(msg, "feedback_id"));
    char *text = out ? json_dumps(out, JSON_COMPACT) : NULL;

    for (c = from->project->conns; text && c; c = c->next)
        if (c != from && c->authed)
            enqueue(c, text, strlen(text));
    free(text);
    json_decref(out);
}

static void received(conn_t *c, const char *in, size_t len)
{
    json_t *msg = json_loadb(in, len, JSON_REJECT_DUPLICATES, NULL);
    const char *type = json_string_value(json_object_get(msg, "type"));

    if (!type)
        enqueue_json(c, json_pack("{s:s, s:s}", "type", "error",
                                  "message", "messages are JSON objects with a type"));
    else if (strcmp(type, "ping") == 0)
        enqueue_json(c, json_pack("{s:s}", "type", "pong"));
    else if (strcmp(type, "auth") == 0 && !c->authed) {
        const char *token = json_string_value(json_object_get(msg, "token"));
        json_t *last = json_object_get(msg, "last_event_id");

        if (!token)
            want_close(c, CLOSE_UNAUTHORIZED, "auth needs a token");
        else
            authenticate(c, token, json_is_integer(last) && json_integer_value(last) >= 0
                                   ? (long long)json_integer_value(last) : -1);
    }
    else if (!c->authed)
        want_close(c, CLOSE_UNAUTHORIZED, "authenticate first");
    else if (strcmp(type, "typing") == 0)
        relay_typing(c, msg);
    else
        enqueue_json(c, json_pack("{s:s, s:s}", "type", "error", "message", "unknown type"));
    json_decref(msg);
}

static int writeable(conn_t *c)
{
    msg_t *m = c->head;

    if (c->close_code && !m) {
        lws_close_reason(c->wsi, (enum lws_close_status)c->close_code,
                         (unsigned char *)c->close_why, strlen(c->close_why));
        return -1;
    }
    if (!m)
        return 0;
    if (lws_write(c->wsi, m->buf + LWS_PRE, m->len, LWS_WRITE_TEXT) < (int)m->len)
        return -1;
    c->head = m->next;
    if (!c->head)
        c->tail = NULL;
    c->queued--;
    free(m);
    if (c->catching_up && !c->close_code && c->queued <= S.o->queue_max / 4)
        catch_up(c);
    if (c->head || c->close_code)
        lws_callback_on_writable(c->wsi);
    return 0;
}

/* A part of a client message: messages are assembled from the pieces lws
 * hands over (a frame split across reads, or continuation frames) up to
 * MSG_MAX bytes. */
static void receive_part(conn_t *c, const char *in, size_t len)
{
    char *rx;

    /* a new message drops what a message left unfinished (lws may never
     * hand over an empty final continuation frame) */
    if (lws_is_first_fragment(c->wsi))
        c->rx_len = 0;
    if (c->rx_len + len > MSG_MAX) {
        want_close(c, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, "messages are at most 64 KiB");
        return;
    }
    /* never realloc(p, 0): glibc frees p and returns NULL */
    if (len) {
        if (!(rx = realloc(c->rx, c->rx_len + len))) {
            want_close(c, CLOSE_UNAVAILABLE, "out of memory");
            return;
        }
        c->rx = rx;
        memcpy(c->rx + c->rx_len, in, len);
        c->rx_len += len;
    }
    if (!lws_is_final_fragment(c->wsi))
        return;
    received(c, c->rx, c->rx_len);
    c->rx_len = 0;
}

static int ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
                       void *in, size_t len)
{
    conn_t *c = user;

    switch (reason) {
    case LWS_CALLBACK_ESTABLISHED:
        memset(c, 0, sizeof *c);
        c->wsi = wsi;
        S.nconns++;
        if (S.draining)
            want_close(c, LWS_CLOSE_STATUS_GOINGAWAY, "shutting down");
        else
            established(c);
        return 0;
    case LWS_CALLBACK_RECEIVE:
        if (!c->close_code)
            receive_part(c, in, len);
        return 0;
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return writeable(c);
    case LWS_CALLBACK_CLOSED:
        S.nconns--;
        lws_sul_cancel(&c->auth_timer);
        lws_sul_cancel(&c->exp_timer);
        project_leave(c);
        drop_queue(c);
        free(c->rx);
        return 0;
    default:
        return 0;
    }
}

/* ---- the loop ---- */

#define PRUNE_EVERY (3600 * LWS_US_PER_SEC)

/* Events older than 30 days and idempotency keys older than a day go
 * (the functions of sql/0003 and 0004); every daemon may do it. */
static void prune(lws_sorted_usec_list_t *sul)
{
    PGresult *r = query("vpd_prune", 0, NULL);

    if (r)
        vpd_log(VPD_INFO, "ws", "VPD0411: pruned %s old events, %s old idempotency keys "
                "and %s sealed refresh pairs", PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1),
                PQgetvalue(r, 0, 2));
    PQclear(r);
    lws_sul_schedule(S.ctx, 0, sul, prune, PRUNE_EVERY);
}

static void tick(lws_sorted_usec_list_t *sul)
{
    lws_sul_schedule(S.ctx, 0, sul, tick, 100 * LWS_US_PER_MS);
}

/* The stop: every client is told the server is going away. */
static int stop_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
                         void *in, size_t len)
{
    project_t *p;
    conn_t *k;

    (void)wsi; (void)user; (void)in; (void)len;
    if (reason != LWS_CALLBACK_RAW_RX_FILE || S.draining)
        return 0;
    S.draining = 1;
    vpd_log(VPD_INFO, "ws", "VPD0407: stopping: closing %d connections", S.nconns);
    for (p = S.projects; p; p = p->next)
        for (k = p->conns; k; k = k->next)
            want_close(k, LWS_CLOSE_STATUS_GOINGAWAY, "shutting down");
    tick(&S.tick);
    return -1;                      /* no more from this descriptor */
}

int vpd_ws_run(const vpd_ws_opts_t *o, int stop_fd)
{
    static const struct lws_protocols protocols[] = {
        /* a client offering "bearer, <token>" selects it; one offering
         * nothing gets it as the default */
        {"bearer", ws_callback, sizeof(conn_t), RX_BUFFER, 0, NULL, 0},
        {"vplanet-pg", pg_callback, 0, 0, 0, NULL, 0},
        {"vplanet-stop", stop_callback, 0, 0, 0, NULL, 0},
        {NULL, NULL, 0, 0, 0, NULL, 0}
    };
    lws_retry_bo_t retry = {0};
    struct lws_context_creation_info info;
    lws_usec_t drain_until = 0;

    static const char *const channels[] = {"vplanet_events", "vplanet_access", NULL};
    lws_sock_file_fd_type fd;
    apr_pool_t *pool;

    memset(&S, 0, sizeof S);
    S.o = o;
    apr_pool_create(&pool, NULL);
    S.db = vpd_pg_create(pool, o->conninfo, "ws", vp_sidecar_statements, NULL);
    S.listen = vpd_pg_create(pool, o->conninfo, "events", NULL, channels);
    retry.secs_since_valid_ping = (uint16_t)o->ping_interval;
    retry.secs_since_valid_hangup = (uint16_t)(o->ping_interval + 10);
    memset(&info, 0, sizeof info);
    info.port = o->port;
    info.iface = o->address;
    info.protocols = protocols;
    info.retry_and_idle_policy = &retry;
    info.options = LWS_SERVER_OPTION_DISABLE_IPV6 | LWS_SERVER_OPTION_VALIDATE_UTF8;
    lws_set_log_level(LLL_ERR | LLL_WARN, NULL);
    if (!(S.ctx = lws_create_context(&info))) {
        vpd_log(VPD_ERROR, "ws", "VPD0408: cannot listen on %s:%d", o->address, o->port);
        apr_pool_destroy(pool);
        return -1;
    }
    S.vh = lws_get_vhost_by_name(S.ctx, "default");
    fd.filefd = dup(stop_fd);
    if (fd.filefd < 0
        || !lws_adopt_descriptor_vhost(S.vh, LWS_ADOPT_RAW_FILE_DESC, fd, "vplanet-stop", NULL)) {
        vpd_log(VPD_ERROR, "ws", "VPD0409: cannot watch for a stop");
        lws_context_destroy(S.ctx);
        apr_pool_destroy(pool);
        return -1;
    }
    listen_connect(NULL);
    prune(&S.prune);
    vpd_log(VPD_INFO, "ws", "VPD0410: WebSocket channel on %s:%d", o->address, o->port);
    while (lws_service(S.ctx, 0) >= 0) {
        if (S.draining) {
            lws_usec_t now = lws_now_usecs();

            if (!drain_until)
                drain_until = now + 2 * LWS_US_PER_SEC;
            if (S.nconns == 0 || now > drain_until)
                break;
        }
    }
    lws_context_destroy(S.ctx);
    vpd_pg_close(S.listen);
    vpd_pg_close(S.db);
    apr_pool_destroy(pool);
    S.ctx = NULL;
    return 0;
}
