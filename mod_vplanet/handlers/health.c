/* Liveness, readiness and version (spec section 2). */
#include "../handlers.h"
#include "vpcore/vp_version.h"
#include "../db.h"

#include <apr_strings.h>
#include <unistd.h>

int vp_h_health(vp_req_t *q)
{
    return vp_ok(q, HTTP_OK, "alive", json_pack("{s:s}", "status", "ok"));
}

int vp_h_health_ready(vp_req_t *q)
{
    const char *media = q->cfg->media_root;
    int db_ok = vp_db_exec(q, VP_SQL_PING, NULL) == 0;
    int storage_ok = media && access(media, W_OK | X_OK) == 0;
    json_t *checks = json_pack("{s:s, s:s}",
                               "database", db_ok ? "ok" : "failed",
                               "storage", storage_ok ? "ok" : "failed");
    json_t *details;

    if (db_ok && storage_ok)
        return vp_ok(q, HTTP_OK, "ready",
                     json_pack("{s:s, s:o}", "status", "ready", "checks", checks));
    if (!storage_ok)
        VP_LOG(q, APLOG_WARNING, "VP0301: media directory %s is not writable",
               media ? media : "(VPlanetMediaRoot unset)");
    details = vp_json_pool(q->r->pool, json_object());
    if (!db_ok)
        vp_detail_add(details, "database", "unreachable");
    if (!storage_ok)
        vp_detail_add(details, "storage", media ? "media directory is not writable"
                                                : "VPlanetMediaRoot is not set");
    json_object_set_new(details, "checks", checks);
    return vp_fail(q, HTTP_SERVICE_UNAVAILABLE, "not_ready",
                   db_ok ? "storage check failed"
                         : storage_ok ? "database check failed"
                                      : "database and storage checks failed",
                   details);
}

int vp_h_version(vp_req_t *q)
{
    PGresult *res;
    int rc = vp_db_exec(q, VP_SQL_SCHEMA_VERSION, &res);
    json_t *schema;

    if (rc)
        return rc;
    schema = PQntuples(res) ? vp_db_row(res, 0)
                            : json_pack("{s:n, s:i, s:n}", "version", "applied", 0,
                                        "applied_at");
    return vp_ok(q, HTTP_OK, "version",
                 json_pack("{s:s, s:s, s:o, s:s}", "name", VP_NAME,
                           "version", VP_VERSION, "schema", schema,
                           "build", VP_BUILD_INFO));
}
