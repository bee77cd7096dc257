/* Every endpoint handler, by file. The route table (routes.c) is the one
 * place that maps method + path to these. */
#ifndef VP_HANDLERS_H
#define VP_HANDLERS_H

#include "vplanet.h"

/* handlers/health.c */
int vp_h_health(vp_req_t *q);
int vp_h_health_ready(vp_req_t *q);
int vp_h_version(vp_req_t *q);

/* handlers/diagnostics.c (only with VPlanetDiagnostics On) */
int vp_h_diag_echo(vp_req_t *q);

#endif
