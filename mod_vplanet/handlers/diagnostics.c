/* Diagnostics: exercise the request pipeline (body reader, JSON parser,
 * validation) end to end without touching data. Off unless
 * VPlanetDiagnostics On; the test suite turns it on. */
#include "../handlers.h"

int vp_h_diag_echo(vp_req_t *q)
{
    json_t *body;
    int rc;

    if (q->cfg->diagnostics != 1)
        return vp_fail(q, HTTP_NOT_FOUND, NULL, "no such resource", NULL);
    if ((rc = vp_read_json(q, vp_diag_echo_fields, &body)))
        return rc;
    return vp_ok(q, HTTP_OK, "echo", json_incref(body));
}
