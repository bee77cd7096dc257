/* Request bodies: the first byte picks a field table of the index
 * (vpcore/vp_fields.c), the rest is the body. It takes the module's path
 * (vp_body_parse) and, when refused, builds and dumps the error envelope
 * as vp_respond does. */
#include "fuzz.h"
#include "vpcore/vp_fields.h"
#include "vpcore/vp_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    const vp_field_table_t *t;
    vp_body_error_t e;
    json_t *body;

    if (size < 1)
        return 0;
    p = fuzz_pool();
    t = &vp_field_tables[data[0] % vp_nfield_tables];
    body = vp_body_parse(p, (const char *)data + 1, size - 1, t->fields, VP_JSON_MAX_MEMBERS,
                         VP_JSON_MAX_VALUES, &e);
    if (body) {
        FUZZ_CHECK(json_is_object(body));
        FUZZ_CHECK(vp_json_dump(p, body) != NULL);
    }
    else {
        vp_envelope_t env = {.status = e.status, .message = e.message, .code = e.code,
                             .details = e.details, .request_id = "fuzz"};
        const char *out;

        FUZZ_CHECK(e.status == 400 || e.status == 422);
        FUZZ_CHECK(e.message && *e.message);
        /* a refusal by the table names at least one field */
        FUZZ_CHECK(e.code || json_object_size(e.details) > 0);
        out = vp_json_dump(p, vp_json_pool(p, vp_envelope(&env)));
        FUZZ_CHECK(out && strcmp(out, "null") != 0);
    }
    apr_pool_destroy(p);
    return 0;
}
