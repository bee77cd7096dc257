/* Diagnostics: exercise the request pipeline (body reader, JSON parser,
 * validation) end to end without touching data. Off unless
 * VPlanetDiagnostics On; the test suite turns it on. */
#include "../handlers.h"

static const char *const kinds[] = {"general", "technical", "creative", "urgent", NULL};

static const vp_field_t echo_fields[] = {
    {"name",    VP_STRING,  1, 1, 30, NULL, 0, NULL},
    {"count",   VP_INTEGER, 0, 0, 100, NULL, 0, NULL},
    {"ratio",   VP_NUMBER,  0, 0, 1, NULL, 0, NULL},
    {"id",      VP_UUID,    0, 0, 0, NULL, 0, NULL},
    {"kind",    VP_ENUM,    0, 0, 0, kinds, 0, NULL},
    {"flag",    VP_BOOLEAN, 0, 0, 0, NULL, 0, NULL},
    {"tags",    VP_ARRAY,   0, 0, 10, NULL, 0, NULL},
    {"note",    VP_STRING,  0, 0, 200, NULL, 1, NULL},
    {NULL}
};

int vp_h_diag_echo(vp_req_t *q)
{
    json_t *body;
    int rc;

    if (q->cfg->diagnostics != 1)
        return vp_fail(q, HTTP_NOT_FOUND, NULL, "no such resource", NULL);
    if ((rc = vp_read_json(q, echo_fields, &body)))
        return rc;
    return vp_ok(q, HTTP_OK, "echo", json_incref(body));
}
