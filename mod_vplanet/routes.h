#ifndef VP_ROUTES_H
#define VP_ROUTES_H

#include "vpcore/vp_route.h"

extern const vp_route_t vp_routes[];
extern const int vp_nroutes;

#endif
