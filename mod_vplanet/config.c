/* Directives: one command table, server scope, merged for virtual hosts. */
#include "vplanet.h"

#include <apr_file_io.h>
#include <apr_strings.h>
#include <http_log.h>

#define VP_MAX_BODY_DEFAULT (1024 * 1024)
#define VP_JWT_KEY_MIN 32
#define VP_JWT_KEY_MAX (64 * 1024)

void *vp_config_create(apr_pool_t *p, server_rec *s)
{
    vp_config_t *c = apr_pcalloc(p, sizeof *c);

    c->max_body = -1;
    c->diagnostics = -1;
    return c;
}

void *vp_config_merge(apr_pool_t *p, void *base_, void *add_)
{
    const vp_config_t *base = base_, *add = add_;
    vp_config_t *c = apr_pcalloc(p, sizeof *c);

    c->jwt_key_file = add->jwt_key_file ? add->jwt_key_file : base->jwt_key_file;
    c->media_root = add->media_root ? add->media_root : base->media_root;
    c->public_url = add->public_url ? add->public_url : base->public_url;
    c->max_body = add->max_body >= 0 ? add->max_body : base->max_body;
    c->diagnostics = add->diagnostics >= 0 ? add->diagnostics : base->diagnostics;
    return c;
}

static vp_config_t *server_config(cmd_parms *cmd)
{
    return ap_get_module_config(cmd->server->module_config, &vplanet_module);
}

static const char *set_path(cmd_parms *cmd, void *dummy, const char *arg)
{
    vp_config_t *c = server_config(cmd);
    const char *path = ap_server_root_relative(cmd->pool, arg);

    if (!path)
        return apr_pstrcat(cmd->pool, cmd->cmd->name, ": invalid path ", arg, NULL);
    if (cmd->info == (void *)0)
        c->jwt_key_file = path;
    else
        c->media_root = path;
    return NULL;
}

static const char *set_public_url(cmd_parms *cmd, void *dummy, const char *arg)
{
    vp_config_t *c = server_config(cmd);
    size_t n = strlen(arg);

    if (strncmp(arg, "http://", 7) && strncmp(arg, "https://", 8))
        return "VPlanetPublicURL must start with http:// or https://";
    while (n > 0 && arg[n - 1] == '/')
        n--;
    c->public_url = apr_pstrmemdup(cmd->pool, arg, n);
    return NULL;
}

static const char *set_max_body(cmd_parms *cmd, void *dummy, const char *arg)
{
    vp_config_t *c = server_config(cmd);
    apr_off_t v;

    if (apr_strtoff(&v, arg, NULL, 10) != APR_SUCCESS || v < 1024
        || v > APR_INT32_MAX)
        return "VPlanetMaxBody must be a byte count from 1024 to 2147483647";
    c->max_body = v;
    return NULL;
}

static const char *set_diagnostics(cmd_parms *cmd, void *dummy, int on)
{
    server_config(cmd)->diagnostics = on;
    return NULL;
}

const command_rec vp_cmds[] = {
    AP_INIT_TAKE1("VPlanetJWTKeyFile", set_path, (void *)0, RSRC_CONF,
        "File holding the token signing key (at least 32 bytes); required"),
    AP_INIT_TAKE1("VPlanetMediaRoot", set_path, (void *)1, RSRC_CONF,
        "Folder for uploaded media; must be writable by the server user"),
    AP_INIT_TAKE1("VPlanetPublicURL", set_public_url, NULL, RSRC_CONF,
        "Public base URL of the service (links in emails and pagination)"),
    AP_INIT_TAKE1("VPlanetMaxBody", set_max_body, NULL, RSRC_CONF,
        "Largest JSON request body in bytes (default 1048576)"),
    AP_INIT_FLAG("VPlanetDiagnostics", set_diagnostics, NULL, RSRC_CONF,
        "On enables /api/v1/diagnostics/* (request-pipeline checks); default Off"),
    {NULL}
};

/* Resolved value of a possibly unset setting. */
apr_off_t vp_config_max_body(const vp_config_t *c)
{
    return c->max_body >= 0 ? c->max_body : VP_MAX_BODY_DEFAULT;
}

static const char *load_key(apr_pool_t *p, vp_config_t *c)
{
    apr_file_t *f;
    apr_finfo_t fi;
    apr_size_t n;
    unsigned char *buf;
    apr_status_t rv;

    if (!c->jwt_key_file)
        return "VPlanetJWTKeyFile is not set: the module refuses to run without a signing key";
    rv = apr_file_open(&f, c->jwt_key_file, APR_FOPEN_READ, 0, p);
    if (rv != APR_SUCCESS)
        return apr_psprintf(p, "cannot read VPlanetJWTKeyFile %s: %pm", c->jwt_key_file, &rv);
    rv = apr_file_info_get(&fi, APR_FINFO_SIZE, f);
    if (rv == APR_SUCCESS && (fi.size < VP_JWT_KEY_MIN || fi.size > VP_JWT_KEY_MAX)) {
        apr_file_close(f);
        return apr_psprintf(p, "VPlanetJWTKeyFile %s holds %" APR_OFF_T_FMT
                            " bytes; a key needs %d to %d bytes",
                            c->jwt_key_file, fi.size, VP_JWT_KEY_MIN, VP_JWT_KEY_MAX);
    }
    n = (apr_size_t)fi.size;
    buf = apr_palloc(p, n + 1);
    if (rv == APR_SUCCESS)
        rv = apr_file_read_full(f, buf, n, &n);
    apr_file_close(f);
    if (rv != APR_SUCCESS)
        return apr_psprintf(p, "cannot read VPlanetJWTKeyFile %s: %pm", c->jwt_key_file, &rv);
    buf[n] = '\0';
    c->jwt_key = buf;
    c->jwt_key_len = n;
    return NULL;
}

const char *vp_config_load_keys(apr_pool_t *p, server_rec *s)
{
    for (; s; s = s->next) {
        vp_config_t *c = ap_get_module_config(s->module_config, &vplanet_module);
        const char *err = load_key(p, c);

        if (err)
            return err;
    }
    return NULL;
}
