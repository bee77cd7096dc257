/* Open WebSocket tunnels per client address (VPlanetWSMaxPerClient). This
 * httpd tunnels /ws/ synchronously: each tunnel holds a worker for its whole
 * life (README, "Workers and tunnels"), so one client must not take them
 * all. Counted in the shared rate-limit cache, so the cap holds across
 * children; a tunnel's count goes when its request ends. */
#include "vplanet.h"
#include "vpcore/vp_token.h"

#include <apr_strings.h>
#include <http_protocol.h>
#include <http_request.h>

typedef struct {
    server_rec *s;
    apr_pool_t *p;
    const char *key;
    int ttl;
} vp_tunnel_t;

static apr_status_t tunnel_closed(void *t_)
{
    const vp_tunnel_t *t = t_;
    int allowed;

    vp_shared_count(t->s, t->p, t->key, -1, 0, t->ttl, &allowed);
    return APR_SUCCESS;
}

int vp_ws_upgrade_request(const request_rec *r)
{
    const char *upgrade = apr_table_get(r->headers_in, "Upgrade");

    return !r->main && !r->prev && r->proxyreq == PROXYREQ_REVERSE && upgrade
        && !ap_cstr_casecmp(upgrade, "websocket") && !strncmp(r->uri, "/ws/", 4);
}

static int ws_fixups(request_rec *r)
{
    const vp_config_t *cfg = ap_get_module_config(r->server->module_config, &vplanet_module);
    int max = vp_config_ws_max_per_client(cfg), allowed;
    vp_tunnel_t *t;
    apr_status_t rv;

    if (!max || !vp_server_enabled(r->server) || !vp_ws_upgrade_request(r))
        return DECLINED;
    t = apr_palloc(r->pool, sizeof *t);
    t->s = r->server;
    t->p = r->connection->pool;     /* outlives the request pool's cleanups */
    /* hashed: fixed-size keys, no addresses in shared memory */
    t->key = vp_sha256_hex(r->pool, apr_pstrcat(r->pool, "ws|", r->useragent_ip, NULL));
    /* vplanetd closes a socket when its access token expires: the count
     * outlives the longest tunnel, or a client could wait for it to lapse */
    t->ttl = vp_config_access_ttl(cfg) + 60;
    if ((rv = vp_shared_count(t->s, t->p, t->key, 1, max, t->ttl, &allowed)) != APR_SUCCESS) {
        /* a broken cache must not take realtime down */
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r,
                      "VP0402: tunnel count cache failed; WebSocket let through");
        return DECLINED;
    }
    if (!allowed) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "VP0403: %s has %d WebSocket tunnels "
                      "open (VPlanetWSMaxPerClient): one more refused", r->useragent_ip, max);
        return HTTP_TOO_MANY_REQUESTS;
    }
    apr_pool_cleanup_register(r->pool, t, tunnel_closed, apr_pool_cleanup_null);
    return DECLINED;
}

void vp_wscap_hooks(void)
{
    ap_hook_fixups(ws_fixups, NULL, NULL, APR_HOOK_MIDDLE);
}
