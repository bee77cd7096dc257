/* The client protocol: a client's messages (assembled from fragments up
 * to 64 KiB; ping, auth, typing) and the frames that go out to it. */
#ifndef VPD_WS_PROTO_H
#define VPD_WS_PROTO_H

#include "vpd_ws_registry.h"

/* A part of a client message, as lws hands it over. */
void vpd_ws_receive(conn_t *c, const char *in, size_t len);

/* Sends the next queued message of c, or the close once c is closing and
 * nothing is left: lws' answer to a writeable callback (-1: close). */
int vpd_ws_writeable(conn_t *c);

#endif
