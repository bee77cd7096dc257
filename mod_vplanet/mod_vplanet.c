/* mod_vplanet: the VideoPlanet REST API as an httpd module.
 * One request flow: request id -> route -> handler (authenticate, authorize,
 * validate, one transaction) -> one envelope. */
#include "vplanet.h"
#include "vpcore/vp_plan_llm.h"
#include "vpcore/vp_plan_pdf.h"
#include "db.h"
#include "handlers.h"
#include "routes.h"
#include "vpcore/vp_reqid.h"

#include <apr_strings.h>
#include <http_core.h>
#include <http_protocol.h>
#include <http_request.h>
#include <util_script.h>

static const char *request_id(request_rec *r)
{
    const char *in = apr_table_get(r->headers_in, "X-Request-ID");
    /* an ErrorDocument redirect keeps the id the original request logged */
    const char *prev = r->prev ? apr_table_get(r->prev->notes, VP_NOTE_REQUEST_ID) : NULL;
    const char *id = prev ? prev : in && vp_reqid_sane(in) ? in : vp_uuid_new(r->pool);

    if (!id)    /* no randomness: still unique enough for log correlation */
        id = apr_psprintf(r->pool, "%" APR_TIME_T_FMT "-%" APR_PID_T_FMT,
                          r->request_time, getpid());
    apr_table_setn(r->notes, VP_NOTE_REQUEST_ID, id);
    apr_table_setn(r->subprocess_env, VP_ENV_REQUEST_ID, id);
    apr_table_setn(r->err_headers_out, "X-Request-ID", id);
    return id;
}

/* The media a <video> element reads in many ranges: their own limit. */
static int is_media(const vp_route_t *route)
{
    return route->target == (const void *)vp_h_video_content
           || route->target == (const void *)vp_h_video_poster
           || route->target == (const void *)vp_h_feedback_screenshot;
}

/* Checks that hold for every routed request: query arguments are UTF-8
 * text, and the per-client limit of /api/v1 (default, or media). */
static int common_checks(vp_req_t *q, const vp_route_t *route)
{
    const apr_array_header_t *args = apr_table_elts(q->args);
    const apr_table_entry_t *e = (const apr_table_entry_t *)args->elts;
    int i;

    for (i = 0; i < args->nelts; i++)
        if (!vp_utf8_valid(e[i].key) || !vp_utf8_valid(e[i].val))
            return vp_fail(q, HTTP_BAD_REQUEST, NULL,
                           "query arguments must be UTF-8 text", NULL);
    if (strncmp(q->r->uri, "/api/v1/", 8) == 0)
        return vp_rate_limit(q, is_media(route) ? VP_RL_MEDIA : VP_RL_DEFAULT, vp_client_ip(q));
    return 0;
}

/* The query's arguments as forms and URLSearchParams send them: '+' is a
 * space (a '+' itself comes as %2B), then httpd's own parsing. */
static apr_table_t *query_args(request_rec *r)
{
    char *raw = r->args, *c;
    apr_table_t *t;

    if (raw && strchr(raw, '+')) {
        r->args = apr_pstrdup(r->pool, raw);
        for (c = r->args; *c; c++)
            if (*c == '+')
                *c = ' ';
    }
    ap_args_to_table(r, &t);
    r->args = raw;      /* page links keep the query as it came */
    return t;
}

static int handle(request_rec *r)
{
    vp_req_t *q;
    const vp_route_t *route;
    const char *allow = NULL, *redirected;
    int status;

    q = apr_pcalloc(r->pool, sizeof *q);
    q->r = r;
    q->cfg = ap_get_module_config(r->server->module_config, &vplanet_module);
    q->id = request_id(r);

    /* httpd's own errors under /api (an unusable URI, LimitRequestBody)
     * come here through ErrorDocument and get the envelope too. */
    if (r->prev && (redirected = apr_table_get(r->subprocess_env, "REDIRECT_STATUS"))) {
        status = atoi(redirected);
        if (!ap_is_HTTP_ERROR(status))
            status = HTTP_INTERNAL_SERVER_ERROR;
        /* a range past the end of a served video: say how long it is */
        if (status == HTTP_RANGE_NOT_SATISFIABLE && r->prev->finfo.filetype == APR_REG)
            apr_table_setn(r->headers_out, "Content-Range",
                           apr_psprintf(r->pool, "bytes */%" APR_OFF_T_FMT, r->prev->finfo.size));
        status = vp_fail(q, status, NULL, ap_get_status_line(status) + 4, NULL);
        return vp_respond(q, status);
    }

    switch (vp_route_find(r->pool, vp_routes, vp_nroutes, r->method, r->uri,
                          &route, &q->params, &allow)) {
    case VP_ROUTE_FOUND:
        q->args = query_args(r);
        if (!(status = common_checks(q, route)))
            status = ((vp_handler_fn)route->target)(q);
        if (q->sessions_changed)    /* committed: every child hears it before the answer */
            vp_sessions_changed(q);
        break;
    case VP_ROUTE_NO_METHOD:
        apr_table_setn(r->headers_out, "Allow", allow);
        status = vp_fail(q, HTTP_METHOD_NOT_ALLOWED, NULL,
                         apr_psprintf(r->pool, "method %s is not allowed here", r->method),
                         NULL);
        break;
    default:
        status = vp_fail(q, HTTP_NOT_FOUND, NULL, "no such resource", NULL);
        break;
    }
    if (status == DONE)     /* answered already (vp_respond_now) */
        return OK;
    if (status == DECLINED) /* a file httpd's own handler serves (videos.c) */
        return DECLINED;
    /* The request body, if any, was not needed: drain it so the connection
     * can be reused (nothing to do after a 413). */
    if (r->connection->keepalive != AP_CONN_CLOSE && ap_discard_request_body(r) != OK)
        r->connection->keepalive = AP_CONN_CLOSE;
    return vp_respond(q, status);
}

/* The tag of r->filename for the module's paths (never a file name). */
#define VP_NOT_A_FILE "vplanet:"

/* Paths under /api are the module's, not files: no filesystem walk (it
 * turns a path longer than PATH_MAX into a 403 logging the whole URI) and
 * no core TRACE handling before <Location> applies (the handler answers
 * TRACE with its 405 envelope). Runs after mod_alias, so what an Alias maps
 * there (the OpenAPI document) stays a file. */
static int vp_translate(request_rec *r)
{
    if (!vp_server_enabled(r->server))     /* its /api is its own */
        return DECLINED;
    if (strncmp(r->uri, "/api", 4) || (r->uri[4] && r->uri[4] != '/'))
        return DECLINED;
    r->filename = apr_pstrcat(r->pool, VP_NOT_A_FILE, r->uri, NULL);
    return OK;
}

static int vp_map_to_storage(request_rec *r)
{
    return r->filename && !strncmp(r->filename, VP_NOT_A_FILE, sizeof VP_NOT_A_FILE - 1)
           ? OK : DECLINED;
}

static int vp_handler(request_rec *r)
{
    apr_pool_t *was;
    int rc;

    if (!r->handler || strcmp(r->handler, VP_HANDLER_NAME))
        return DECLINED;
    /* a SetHandler check_config could not see (.htaccess, AddHandler):
     * this server's keys were never read */
    if (!vp_server_enabled(r->server)) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "VP0006: the " VP_HANDLER_NAME " handler "
                      "was chosen in %s, which httpd's configuration does not give it "
                      "(SetHandler " VP_HANDLER_NAME " in an .htaccess file or AddHandler?): "
                      "its settings were not checked; use SetHandler in the server's "
                      "configuration", vp_server_desc(r->pool, r->server));
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    /* A request's JSON values live in its pool: freed with it in a few
     * large blocks, where single frees would leave each child's heap
     * fragmented at the size of the largest body it parsed. */
    was = vp_json_alloc_pool(r->pool);
    rc = handle(r);
    vp_json_alloc_pool(was);
    return rc;
}

/* Every check, for a configuration test as for a start (check.c). */
static int vp_check_config_hook(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                                server_rec *s)
{
    return vp_check_config(pconf, ptemp, s) ? HTTP_INTERNAL_SERVER_ERROR : OK;
}

/* What a start makes, in the servers that use the module: checked by now. */
static int vp_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                          apr_pool_t *ptemp, server_rec *s)
{
    const char *err;

    if (vp_any_enabled() && ((err = vp_config_start(pconf, s)) || (err = vp_db_register(pconf, s))
                             || (err = vp_auth_prepare(pconf, s)))) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "VP0001: mod_vplanet cannot start: %s", err);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    /* the plans' PDF needs a Korean font; without one it alone is off */
    if (vp_any_enabled() && !vp_plan_pdf_font())
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, "VP0681: no Korean font installed"
                     " (fonts-nanum or fonts-noto-cjk): GET /api/v1/plannings/{id}/pdf answers 503");
    vp_plan_llm_global_init();
    /* once per start: not in the pass httpd makes before it detaches */
    if (ap_state_query(AP_SQ_MAIN_STATE) != AP_SQ_MS_CREATE_PRE_CONFIG)
        vp_log_started(ptemp, s);
    return OK;
}

static void vp_register_hooks(apr_pool_t *p)
{
    /* our statements must reach mod_dbd before it groups its pools */
    static const char *const before_dbd[] = {"mod_dbd.c", NULL};

    /* before any JSON value exists (and again when httpd reloads us) */
    vp_json_alloc_install();

    ap_hook_check_config(vp_check_config_hook, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(vp_post_config, NULL, before_dbd, APR_HOOK_MIDDLE);
    ap_hook_translate_name(vp_translate, NULL, NULL, APR_HOOK_LAST);
    ap_hook_map_to_storage(vp_map_to_storage, NULL, NULL, APR_HOOK_FIRST);
    ap_hook_handler(vp_handler, NULL, NULL, APR_HOOK_MIDDLE);
    vp_ratelimit_hooks();
    vp_sessions_hooks();
    vp_answers_hooks();
    vp_wscap_hooks();
    vp_wsframe_hooks();
}

module AP_MODULE_DECLARE_DATA vplanet_module = {
    STANDARD20_MODULE_STUFF,
    NULL,
    NULL,
    vp_config_create,
    vp_config_merge,
    vp_cmds,
    vp_register_hooks,
    /* every virtual host gets a configuration of its own, even without a
     * VPlanet directive: which servers use the module, and their keys,
     * are kept there (check.c), never in one shared with the main server */
    AP_MODULE_FLAG_ALWAYS_MERGE
};
