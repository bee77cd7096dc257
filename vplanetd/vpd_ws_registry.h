/* The realtime channel's state: the open connections by channel (a
 * project's, or a user's for /ws/me), each with its send queue, and the close codes of the README's "Realtime"
 * section. Everything here runs on the one thread of libwebsockets' loop. */
#ifndef VPD_WS_REGISTRY_H
#define VPD_WS_REGISTRY_H

#include "vpd_pg.h"
#include "vpd_ws.h"

#include <jansson.h>
#include <libpq-fe.h>
#include <libwebsockets.h>

#define CLOSE_UNAUTHORIZED 4001     /* no, bad or expired token; a guest token */
#define CLOSE_EXPIRED      4002     /* the token expired on an open socket */
#define CLOSE_FORBIDDEN    4003     /* the role does not read the project */
#define CLOSE_NOT_FOUND    4004     /* no such project, or not a member */
#define CLOSE_REVOKED      4005     /* session revoked, account deleted or deactivated */
#define CLOSE_NOT_MEMBER   4006     /* removed from the project, or left it */
#define CLOSE_DELETED      4007     /* the project was deleted */
#define CLOSE_TOO_SLOW     4008     /* the send queue overflowed */
#define CLOSE_UNAVAILABLE  1011     /* the database cannot be reached */

typedef struct msg {
    struct msg *next;
    size_t len;
    unsigned char buf[];            /* LWS_PRE bytes, then the text */
} msg_t;

typedef struct conn conn_t;

#define RECENT 32                   /* /ws/me: the last seqs a channel or client had */

/* A channel: a project's clients, or (user set) the /ws/me clients of one
 * user, whose cursor is a notification seq. */
typedef struct project {
    struct project *next;
    char id[37];                    /* the project's, or the user's id */
    int user;                       /* a user's channel (/ws/me) */
    long long cursor;               /* last event id (seq) read for this channel */
    conn_t *conns;
    long long recent[RECENT];       /* user: the last seqs read (a ring) */
    int nrecent;
} project_t;

struct conn {                       /* lws' per-session data */
    conn_t *next;                   /* in project->conns */
    struct lws *wsi;
    project_t *project;
    char project_id[37];
    char user_id[37];
    char sid[37];                   /* session (refresh family) */
    int authed;
    int me;                         /* a /ws/me socket: its user's channel */
    long long start;                /* /ws/me: the last seq before it started */
    long long recent[RECENT];       /* /ws/me: the last seqs it got (a ring) */
    int nrecent;
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

typedef struct {
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
} vpd_ws_state_t;

extern vpd_ws_state_t vpd_ws;

/* Runs statement s (the core's or vplanetd's) on the ws connection,
 * connecting first when needed and once more when the connection broke
 * (PostgreSQL restarted). Never waits for a reconnect pause: this is the
 * event loop. NULL when it failed; else the caller PQclears the result. */
PGresult *vpd_ws_query(const vp_stmt_t *s, int n, const char *const *params);

/* vpd_ws_query of vplanetd's statement id, its parameters counted at
 * compile time. */
#define vpd_ws_exec(id, ...)                                                                       \
    (VP_SQL_CHECK(id, __VA_ARGS__),                                                                \
     vpd_ws_query(&vpd_statements[id], VP_NARGS(__VA_ARGS__), VP_PARAMS(__VA_ARGS__)))

/* Closes c once what is queued has gone out (nothing more is queued): a
 * client that does not read it within a few seconds is dropped. */
void vpd_ws_close(conn_t *c, int code, const char *why);
/* Queues text for c; a client that lets its queue overflow is dropped
 * rather than slowing the others. */
void vpd_ws_enqueue(conn_t *c, const char *text, size_t len);
/* Queues j (compact), and drops the reference. */
void vpd_ws_enqueue_json(conn_t *c, json_t *j);
/* The next queued message of c, taken off the queue (the caller frees
 * it), or NULL. */
msg_t *vpd_ws_dequeue(conn_t *c);
/* What c leaves when its socket closes: its project's list, its queue. */
void vpd_ws_forget(conn_t *c);

project_t *vpd_ws_project_find(const char *id);
/* The /ws/me channel of user id, or NULL. */
project_t *vpd_ws_user_find(const char *id);
/* Attaches c to the channel id (a project's; c->me: the user's), created
 * with cursor, the last event id (seq) read in the snapshot that found c's
 * access, when it has no client yet; 0, or -1 out of memory. */
int vpd_ws_attach(conn_t *c, const char *id, long long cursor);

#endif
