/* vplanetd's realtime channel (spec section 10): WebSocket clients of
 * /ws/projects/{id}, fed from the events table and PostgreSQL's
 * notifications of its commits. */
#ifndef VPD_WS_H
#define VPD_WS_H

#include "vpcore/vp_token.h"

typedef struct {
    const char *address;            /* listen address (loopback: Apache fronts it) */
    int port;
    const char *conninfo;           /* libpq connection string */
    const vp_token_keys_t *keys;    /* the module's token keys */
    int ping_interval;              /* seconds between server pings */
    int queue_max;                  /* messages queued for one client before
                                       it is dropped as too slow */
} vpd_ws_opts_t;

/* Runs the channel in this thread until stop_fd becomes readable (a stop
 * was asked), then closes every client with 1001 (going away) and
 * returns: 0, or -1 when it cannot start. */
int vpd_ws_run(const vpd_ws_opts_t *o, int stop_fd);

#endif
