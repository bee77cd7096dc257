/* The route table: method, path pattern, handler. */
#include "routes.h"
#include "handlers.h"

#define ROUTE(method, pattern, fn) {method, pattern, (const void *)(fn)}

const vp_route_t vp_routes[] = {
    ROUTE("GET",  "/api/health",                 vp_h_health),
    ROUTE("GET",  "/api/health/ready",           vp_h_health_ready),
    ROUTE("GET",  "/api/version",                vp_h_version),
    ROUTE("POST", "/api/v1/diagnostics/echo",    vp_h_diag_echo),
};

const int vp_nroutes = sizeof vp_routes / sizeof vp_routes[0];
