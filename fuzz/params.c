/* What a request's headers and query carry besides the body: lines
 * X-Request-ID, page, page_size, the raw query string and fields (the
 * parsers of vpcore/vp_reqid.c and vpcore/vp_page.c), through the list answer
 * the handlers build. An absent line is an absent argument. */
#include "fuzz.h"
#include "vpcore/vp_json.h"
#include "vpcore/vp_page.h"
#include "vpcore/vp_reqid.h"
#include "vpcore/vp_valid.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const allowed[] = {"id", "name", "role", "joined_at", NULL};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    const char *f[5];
    int n = fuzz_split(p, data, size, '\n', f, 5), rc;
    const char *fields = n > 4 ? f[4] : NULL;
    json_t *details = vp_json_pool(p, json_object()), *results, *list, *keep;
    vp_page_t pg;

    if (vp_reqid_sane(f[0]))
        FUZZ_CHECK(strlen(f[0]) <= 64 && strspn(f[0], "abcdefghijklmnopqrstuvwxyz"
                   "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-") == strlen(f[0]));
    rc = vp_page_parse(n > 1 ? f[1] : NULL, n > 2 ? f[2] : NULL, &pg, details);
    FUZZ_CHECK(rc == 0 || rc == 400 || rc == 422);
    FUZZ_CHECK(!rc == !json_object_size(details));
    if (rc) {
        apr_pool_destroy(p);
        return 0;
    }
    FUZZ_CHECK(pg.page >= 1 && pg.size >= 1 && pg.size <= VP_PAGE_SIZE_MAX && pg.offset >= 0);
    results = vp_json_pool(p, json_pack("[{s:i, s:s, s:s, s:s}, {s:i}]", "id", 1, "name", "a",
                                        "role", "owner", "joined_at", "2026-01-01", "id", 2));
    rc = vp_fields_parse(p, fields, allowed, details, &keep);
    FUZZ_CHECK(rc == 0 || rc == 400);
    FUZZ_CHECK(rc || !fields == !keep);
    if (!rc && keep) {
        const char *key;
        json_t *v;

        json_object_foreach(keep, key, v)
            FUZZ_CHECK(vp_in_enum(key, allowed) && strstr(fields, key));
    }
    list = vp_json_pool(p, vp_page_data(p, &pg, (long)(size * 7), json_incref(results),
                                        "http://h/api/v1/projects", n > 3 ? f[3] : NULL));
    FUZZ_CHECK(list && vp_json_dump(p, list));
    apr_pool_destroy(p);
    return 0;
}
