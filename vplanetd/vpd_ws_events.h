/* The project events a client gets: read from the events table after a
 * cursor, fanned out to the clients of the project, and what an event does
 * to a client's access (its own member.left, a role that may not read, the
 * project deleted: the socket closes after it). */
#ifndef VPD_WS_EVENTS_H
#define VPD_WS_EVENTS_H

#include "vpd_ws_registry.h"

/* New events of p: read once, queued to every client of p that has not
 * had them yet (the module commits a project's events in id order). */
void vpd_ws_advance(project_t *p);

/* Resume: the next missed events of c, as many as half its queue holds,
 * so a client far behind is fed as fast as it reads, never dropped for it.
 * Live events wait while it catches up: it reads them from the table. */
void vpd_ws_catch_up(conn_t *c);

#endif
