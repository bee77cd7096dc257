/* The realtime channel's loop (/ws/projects/{id}, and /ws/me: vpd_ws_me).
 * One thread runs libwebsockets' loop; the
 * LISTEN connection's socket is adopted into the same loop, so
 * notifications, client frames and timers never race. A notification names
 * an event (id, project); the rows after the project's cursor are read
 * once and queued to every client of the project that has not had them yet
 * (vpd_ws_events). The module commits a project's events in id order (it
 * locks the project row), so following ids never skips one. The parts:
 * vpd_ws_registry (connections, queues), vpd_ws_auth (access, expiry,
 * revocation), vpd_ws_events (fan-out), vpd_ws_proto (client messages,
 * frames). */
#include "vpd_ws.h"
#include "vpd_ws_auth.h"
#include "vpd_ws_events.h"
#include "vpd_ws_me.h"
#include "vpd_ws_proto.h"
#include "vpd_ws_registry.h"
#include "vpd_log.h"
#include "vpd_pg.h"

#include <apr_pools.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <libwebsockets.h>
#include <string.h>
#include <unistd.h>

#define RX_BUFFER          8192     /* lws' buffer; a message may come in pieces */

/* ---- the LISTEN connection ---- */

static void listen_connect(lws_sorted_usec_list_t *sul);

/* What changed while nobody listened: revocations are looked up per
 * socket, membership changes and deletions come with the events. */
static void catch_up_all(void)
{
    project_t *p;

    vpd_ws_recheck_sessions();
    for (p = vpd_ws.projects; p; p = p->next) {
        if (p->user)
            vpd_ws_me_advance(p, -1);
        else
            vpd_ws_advance(p);
    }
}

static void listen_lost(void)
{
    vpd_pg_close(vpd_ws.listen);
    vpd_ws.backoff = vpd_ws.backoff ? (vpd_ws.backoff * 2 > 10 ? 10 : vpd_ws.backoff * 2) : 1;
    vpd_log(VPD_WARN, "ws", "VPD0401: no notification connection; trying again in %d s",
            vpd_ws.backoff);
    lws_sul_schedule(vpd_ws.ctx, 0, &vpd_ws.reconnect, listen_connect,
                     (lws_usec_t)vpd_ws.backoff * LWS_US_PER_SEC);
}

static void listen_connect(lws_sorted_usec_list_t *sul)
{
    lws_sock_file_fd_type fd;
    PGconn *conn;

    (void)sul;
    if (!vpd_pg_connect(vpd_ws.listen)) {
        listen_lost();
        return;
    }
    conn = vpd_pg_conn(vpd_ws.listen);
    /* lws watches (and closes) a duplicate; libpq keeps its own socket */
    if (PQsetnonblocking(conn, 1) != 0 || (fd.filefd = dup(PQsocket(conn))) < 0) {
        vpd_log(VPD_ERROR, "ws", "VPD0402: cannot watch the notification connection: %s",
                PQerrorMessage(conn));
        listen_lost();
        return;
    }
    if (!lws_adopt_descriptor_vhost(vpd_ws.vh, LWS_ADOPT_RAW_FILE_DESC, fd, "vplanet-pg", NULL)) {
        vpd_log(VPD_ERROR, "ws", "VPD0402: cannot watch the notification connection");
        close(fd.filefd);
        listen_lost();
        return;
    }
    vpd_ws.backoff = 0;
    vpd_log(VPD_INFO, "ws", "VPD0403: listening for events");
    /* whatever committed while we were not listening */
    catch_up_all();
}

static void notifications(void)
{
    PGnotify *n;

    while ((n = PQnotifies(vpd_pg_conn(vpd_ws.listen)))) {
        json_t *j = json_loads(n->extra, 0, NULL);
        const char *pid = json_string_value(json_object_get(j, "project_id"));
        const char *uid = json_string_value(json_object_get(j, "user_id"));
        project_t *p = pid ? vpd_ws_project_find(pid) : NULL;
        json_t *seq = json_object_get(j, "seq");

        if (strcmp(n->relname, "vplanet_access") == 0 && uid)
            vpd_ws_revoke(uid, json_string_value(json_object_get(j, "sid")));
        else if (strcmp(n->relname, "vplanet_notifications") == 0) {
            /* (the payload names a row; its content is read from the table) */
            project_t *u = uid ? vpd_ws_user_find(uid) : NULL;

            if (u)
                vpd_ws_me_advance(u, json_is_integer(seq) ? (long long)json_integer_value(seq) : -1);
        }
        else if (p)
            vpd_ws_advance(p);
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
        if (!vpd_pg_conn(vpd_ws.listen) || !PQconsumeInput(vpd_pg_conn(vpd_ws.listen))) {
            listen_lost();
            return -1;              /* lws closes our dup of the socket */
        }
        notifications();
        return 0;
    default:
        return 0;
    }
}

static int ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
                       void *in, size_t len)
{
    conn_t *c = user;

    switch (reason) {
    case LWS_CALLBACK_ESTABLISHED:
        memset(c, 0, sizeof *c);
        c->wsi = wsi;
        vpd_ws.nconns++;
        if (vpd_ws.draining)
            vpd_ws_close(c, LWS_CLOSE_STATUS_GOINGAWAY, "shutting down");
        else
            vpd_ws_established(c);
        return 0;
    case LWS_CALLBACK_RECEIVE:
        if (!c->close_code)
            vpd_ws_receive(c, in, len);
        return 0;
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return vpd_ws_writeable(c);
    case LWS_CALLBACK_CLOSED:
        vpd_ws.nconns--;
        vpd_ws_auth_end(c);
        vpd_ws_forget(c);
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
    PGresult *r = vpd_ws_exec(VPD_SQL_PRUNE);

    if (r)
        vpd_log(VPD_INFO, "ws", "VPD0411: pruned %s old events, %s old idempotency keys "
                "and %s sealed refresh pairs", PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1),
                PQgetvalue(r, 0, 2));
    PQclear(r);
    lws_sul_schedule(vpd_ws.ctx, 0, sul, prune, PRUNE_EVERY);
}

static void tick(lws_sorted_usec_list_t *sul)
{
    lws_sul_schedule(vpd_ws.ctx, 0, sul, tick, 100 * LWS_US_PER_MS);
}

/* The stop: every client is told the server is going away. */
static int stop_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
                         void *in, size_t len)
{
    project_t *p;
    conn_t *k;

    (void)wsi; (void)user; (void)in; (void)len;
    if (reason != LWS_CALLBACK_RAW_RX_FILE || vpd_ws.draining)
        return 0;
    vpd_ws.draining = 1;
    vpd_log(VPD_INFO, "ws", "VPD0407: stopping: closing %d connections", vpd_ws.nconns);
    for (p = vpd_ws.projects; p; p = p->next)
        for (k = p->conns; k; k = k->next)
            vpd_ws_close(k, LWS_CLOSE_STATUS_GOINGAWAY, "shutting down");
    tick(&vpd_ws.tick);
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

    static const char *const channels[] = {"vplanet_events", "vplanet_access",
                                           "vplanet_notifications", NULL};
    lws_sock_file_fd_type fd;
    apr_pool_t *pool;

    memset(&vpd_ws, 0, sizeof vpd_ws);
    vpd_ws.o = o;
    apr_pool_create(&pool, NULL);
    vpd_ws.db = vpd_pg_create(pool, o->conninfo, "ws", NULL);
    vpd_ws.listen = vpd_pg_create(pool, o->conninfo, "events", channels);
    retry.secs_since_valid_ping = (uint16_t)o->ping_interval;
    retry.secs_since_valid_hangup = (uint16_t)(o->ping_interval + 10);
    memset(&info, 0, sizeof info);
    info.port = o->port;
    info.iface = o->address;
    info.protocols = protocols;
    info.retry_and_idle_policy = &retry;
    info.options = LWS_SERVER_OPTION_DISABLE_IPV6 | LWS_SERVER_OPTION_VALIDATE_UTF8;
    lws_set_log_level(LLL_ERR | LLL_WARN, NULL);
    if (!(vpd_ws.ctx = lws_create_context(&info))) {
        vpd_log(VPD_ERROR, "ws", "VPD0408: cannot listen on %s:%d", o->address, o->port);
        apr_pool_destroy(pool);
        return -1;
    }
    vpd_ws.vh = lws_get_vhost_by_name(vpd_ws.ctx, "default");
    fd.filefd = dup(stop_fd);
    if (fd.filefd < 0
        || !lws_adopt_descriptor_vhost(vpd_ws.vh, LWS_ADOPT_RAW_FILE_DESC, fd, "vplanet-stop", NULL)) {
        vpd_log(VPD_ERROR, "ws", "VPD0409: cannot watch for a stop");
        lws_context_destroy(vpd_ws.ctx);
        apr_pool_destroy(pool);
        return -1;
    }
    listen_connect(NULL);
    prune(&vpd_ws.prune);
    vpd_log(VPD_INFO, "ws", "VPD0410: WebSocket channel on %s:%d", o->address, o->port);
    while (lws_service(vpd_ws.ctx, 0) >= 0) {
        if (vpd_ws.draining) {
            lws_usec_t now = lws_now_usecs();

            if (!drain_until)
                drain_until = now + 2 * LWS_US_PER_SEC;
            if (vpd_ws.nconns == 0 || now > drain_until)
                break;
        }
    }
    lws_context_destroy(vpd_ws.ctx);
    vpd_pg_close(vpd_ws.listen);
    vpd_pg_close(vpd_ws.db);
    apr_pool_destroy(pool);
    vpd_ws.ctx = NULL;
    return 0;
}
