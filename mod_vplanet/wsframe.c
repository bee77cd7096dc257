/* RFC 6455 §5.1: a server must fail the connection on an unmasked client
 * frame. vplanetd cannot (libwebsockets 4.1.6 does not report the mask
 * bit) and is reached only through this httpd's /ws/ tunnel, so a
 * connection filter on the client's side of the tunnel checks each frame
 * header (vpcore/vp_wsframe.c) of what the tunnel reads after the 101. On an
 * unmasked or malformed frame it sends the client a close frame with 1002
 * and ends the client's input: the tunnel closes both sides, and the
 * offending bytes never reach vplanetd. */
#include "vplanet.h"
#include "vpcore/vp_wsframe.h"

#include <http_protocol.h>
#include <http_request.h>
#include <util_filter.h>

#define FILTER_NAME "VPLANET_WSFRAME"

typedef struct {
    request_rec *r;         /* NULL once the request is over */
    vp_wsframe_t frames;
} vp_wsframe_ctx_t;

static ap_filter_rec_t *wsframe_filter;

/* close code 1002 (protocol error), unmasked as a server's frames are */
static const char close_1002[] = "\x88\x02\x03\xEA";

static void refuse(ap_filter_t *f, vp_wsframe_ctx_t *ctx, vp_wsf_result_t why)
{
    request_rec *r = ctx->r;
    apr_bucket_brigade *out = apr_brigade_create(r->pool, f->c->bucket_alloc);
    apr_status_t rv;

    APR_BRIGADE_INSERT_TAIL(out, apr_bucket_immortal_create(close_1002, sizeof close_1002 - 1,
                                                            f->c->bucket_alloc));
    APR_BRIGADE_INSERT_TAIL(out, apr_bucket_flush_create(f->c->bucket_alloc));
    rv = ap_pass_brigade(f->c->output_filters, out);
    ap_log_rerror(APLOG_MARK, APLOG_INFO, rv, r, "VP0404: %s sent %s WebSocket frame: "
                  "closed with 1002", r->useragent_ip,
                  why == VP_WSF_UNMASKED ? "an unmasked" : "a malformed");
}

static apr_status_t wsframe_in(ap_filter_t *f, apr_bucket_brigade *bb, ap_input_mode_t mode,
                               apr_read_type_e block, apr_off_t readbytes)
{
    vp_wsframe_ctx_t *ctx = f->ctx;
    apr_bucket *b;
    apr_status_t rv;

    if (ctx->frames.result != VP_WSF_OK)
        return APR_EOF;
    rv = ap_get_brigade(f->next, bb, mode, block, readbytes);
    /* only the tunnel's reads after the 101 are frames (not a refused
     * upgrade's body, nor a speculative look at a next request) */
    if (rv != APR_SUCCESS || mode != AP_MODE_READBYTES || !ctx->r
        || ctx->r->status != HTTP_SWITCHING_PROTOCOLS)
        return rv;
    for (b = APR_BRIGADE_FIRST(bb); b != APR_BRIGADE_SENTINEL(bb); b = APR_BUCKET_NEXT(b)) {
        const char *data;
        apr_size_t len;
        vp_wsf_result_t why;

        if (APR_BUCKET_IS_METADATA(b))
            continue;
        if ((rv = apr_bucket_read(b, &data, &len, APR_BLOCK_READ)) != APR_SUCCESS)
            return rv;
        if ((why = vp_wsframe_feed(&ctx->frames, (const unsigned char *)data, len)) != VP_WSF_OK) {
            refuse(f, ctx, why);
            apr_brigade_cleanup(bb);
            return APR_EOF;
        }
    }
    return APR_SUCCESS;
}

static apr_status_t request_over(void *ctx_)
{
    vp_wsframe_ctx_t *ctx = ctx_;

    ctx->r = NULL;
    return APR_SUCCESS;
}

static int wsframe_fixups(request_rec *r)
{
    vp_wsframe_ctx_t *ctx;

    /* (another server's /ws/ may be another application's) */
    if (!vp_server_enabled(r->server) || !vp_ws_upgrade_request(r))
        return DECLINED;
    /* in the connection's pool: a filter chain may still point here after
     * the request (pipelining); it then passes bytes through */
    ctx = apr_palloc(r->connection->pool, sizeof *ctx);
    ctx->r = r;
    vp_wsframe_init(&ctx->frames);
    ap_add_input_filter_handle(wsframe_filter, ctx, NULL, r->connection);
    apr_pool_cleanup_register(r->pool, ctx, request_over, apr_pool_cleanup_null);
    return DECLINED;
}

void vp_wsframe_hooks(void)
{
    wsframe_filter = ap_register_input_filter(FILTER_NAME, wsframe_in, NULL, AP_FTYPE_CONNECTION);
    ap_hook_fixups(wsframe_fixups, NULL, NULL, APR_HOOK_MIDDLE);
}
