/* Who a client is and whether it may stay: its token and project checked
 * by the access decision the module makes too (vpcore/vp_access.c), the
 * token's expiry, the wait for a first "auth" message, and the revoked
 * sessions that close their sockets. */
#ifndef VPD_WS_AUTH_H
#define VPD_WS_AUTH_H

#include "vpd_ws_registry.h"

/* A new socket: its project from the URL (/ws/me: its user's channel), and its token from the
 * Authorization header (httpd moves a "bearer, <token>" subprotocol there)
 * or ?token=; without one it has 5 s to send an "auth" message. */
void vpd_ws_established(conn_t *c);

/* Checks token for c's project (/ws/me: the account) and attaches c;
 * after: the last event id (seq) the client has (-1: none, start from
 * now). A member never gets an event from before it joined, whatever it
 * asks for. */
void vpd_ws_authenticate(conn_t *c, const char *token, long long after);

/* Every open socket of a session (sid NULL: of the user) closes. */
void vpd_ws_revoke(const char *user_id, const char *sid);

/* The session of every open socket checked again (after a time nobody
 * listened for revocations). */
void vpd_ws_recheck_sessions(void);

/* c's timers, when its socket closes. */
void vpd_ws_auth_end(conn_t *c);

#endif
