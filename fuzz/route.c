/* Route matching with the real route table (routes.c; handlers by name):
 * the first byte picks the method, the rest is the path. Checks what the
 * dispatcher relies on: a found route has the asked method (HEAD: GET),
 * matches the path again, and has one non-empty, slash-free value per
 * {name} of its pattern; a 405 lists the methods. */
#include "fuzz.h"
#include "routes.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const methods[] = {
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "get", "TRACE"
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    const char *method, *path, *allow = NULL, *c;
    const vp_route_t *found = NULL;
    vp_params_t params, again;
    vp_route_result_t rc;
    int i, braces = 0;

    if (size < 1)
        return 0;
    p = fuzz_pool();
    method = methods[data[0] % (sizeof methods / sizeof methods[0])];
    path = fuzz_text(p, data + 1, size - 1);
    rc = vp_route_find(p, vp_routes, vp_nroutes, method, path, &found, &params, &allow);
    if (rc == VP_ROUTE_FOUND) {
        FUZZ_CHECK(strcmp(found->method, strcmp(method, "HEAD") ? method : "GET") == 0);
        FUZZ_CHECK(found->target != NULL);
        FUZZ_CHECK(vp_route_match(p, found->pattern, path, &again) && again.n == params.n);
        for (c = found->pattern; (c = strchr(c, '{')); c++)
            braces++;
        FUZZ_CHECK(params.n == braces);
        for (i = 0; i < params.n; i++) {
            FUZZ_CHECK(*params.value[i] && !strchr(params.value[i], '/'));
            FUZZ_CHECK(vp_param(&params, params.name[i]) == params.value[i]);
        }
    }
    else if (rc == VP_ROUTE_NO_METHOD) {
        FUZZ_CHECK(allow && *allow && !strstr(allow, method));
    }
    apr_pool_destroy(p);
    return 0;
}
