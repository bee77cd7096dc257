#include "vp_route.h"

#include <apr_strings.h>
#include <string.h>

/* Length of the path without one trailing slash (but "/" stays "/"). */
static size_t path_len(const char *path)
{
    size_t n = strlen(path);
    return (n > 1 && path[n - 1] == '/') ? n - 1 : n;
}

int vp_route_match(apr_pool_t *p, const char *pattern, const char *path,
                   vp_params_t *params)
{
    const char *pat = pattern, *s = path, *end = path + path_len(path);

    params->n = 0;
    while (*pat && s < end) {
        if (*pat == '{') {
            const char *close = strchr(pat, '}');
            const char *seg_end = s;

            if (!close || params->n == VP_ROUTE_MAX_PARAMS)
                return 0;
            while (seg_end < end && *seg_end != '/')
                seg_end++;
            if (seg_end == s)
                return 0;
            params->name[params->n] = apr_pstrmemdup(p, pat + 1, close - pat - 1);
            params->value[params->n] = apr_pstrmemdup(p, s, seg_end - s);
            params->n++;
            pat = close + 1;
            s = seg_end;
        }
        else if (*pat == *s) {
            pat++;
            s++;
        }
        else {
            return 0;
        }
    }
    return *pat == '\0' && s == end;
}

vp_route_result_t vp_route_find(apr_pool_t *p, const vp_route_t *routes,
                                int nroutes, const char *method,
                                const char *path, const vp_route_t **found,
                                vp_params_t *params, const char **allow)
{
    const char *methods = NULL;
    int i;

    /* HEAD is answered by the GET handler (httpd drops the body). */
    const char *want = strcmp(method, "HEAD") == 0 ? "GET" : method;

    for (i = 0; i < nroutes; i++) {
        vp_params_t tmp;

        if (!vp_route_match(p, routes[i].pattern, path, &tmp))
            continue;
        if (strcmp(routes[i].method, want) == 0) {
            *found = &routes[i];
            *params = tmp;
            return VP_ROUTE_FOUND;
        }
        if (strcmp(routes[i].method, "GET") == 0)
            methods = methods ? apr_pstrcat(p, methods, ", GET, HEAD", NULL)
                              : "GET, HEAD";
        else
            methods = methods ? apr_pstrcat(p, methods, ", ", routes[i].method, NULL)
                              : routes[i].method;
    }
    if (!methods)
        return VP_ROUTE_NO_PATH;
    *allow = methods;
    return VP_ROUTE_NO_METHOD;
}

const char *vp_param(const vp_params_t *params, const char *name)
{
    int i;

    for (i = 0; i < params->n; i++)
        if (strcmp(params->name[i], name) == 0)
            return params->value[i];
    return NULL;
}
