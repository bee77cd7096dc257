/* Route matching: method + path pattern with {name} parameters. httpd-free. */
#ifndef VP_ROUTE_H
#define VP_ROUTE_H

#include <apr_pools.h>

#define VP_ROUTE_MAX_PARAMS 4

typedef struct {
    int n;
    const char *name[VP_ROUTE_MAX_PARAMS];
    const char *value[VP_ROUTE_MAX_PARAMS];
} vp_params_t;

typedef struct {
    const char *method;       /* "GET", "POST", ... */
    const char *pattern;      /* "/api/v1/projects/{id}" */
    const void *target;       /* what the caller dispatches to */
} vp_route_t;

/* 1 when path matches pattern (one trailing slash on path is ignored;
 * empty segments never match a parameter). Parameter values are copied
 * into pool memory. */
int vp_route_match(apr_pool_t *p, const char *pattern, const char *path,
                   vp_params_t *params);

typedef enum { VP_ROUTE_FOUND, VP_ROUTE_NO_PATH, VP_ROUTE_NO_METHOD } vp_route_result_t;

/* Finds the route for method + path. On VP_ROUTE_NO_METHOD, *allow lists
 * the methods the path accepts ("GET, HEAD, POST"); HEAD goes with GET. */
vp_route_result_t vp_route_find(apr_pool_t *p, const vp_route_t *routes,
                                int nroutes, const char *method,
                                const char *path, const vp_route_t **found,
                                vp_params_t *params, const char **allow);

/* Value of parameter name, or NULL. */
const char *vp_param(const vp_params_t *params, const char *name);

#endif
