/* Directives: one command table, server scope, merged for virtual hosts. */
#include "vplanet.h"

#include <apr_strings.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define VP_MAX_BODY_DEFAULT (1024 * 1024)
#define VP_ACCESS_TTL_DEFAULT 900
#define VP_REFRESH_TTL_DEFAULT (7 * 86400)
#define VP_WS_MAX_PER_CLIENT_DEFAULT 32
#define VP_REFRESH_GRACE_DEFAULT 10
#define VP_MAX_UPLOAD_DEFAULT ((apr_off_t)500 * 1024 * 1024)
#define VP_TIME_ZONE_DEFAULT "Asia/Seoul"

/* socache provider[:arguments] shared by every child (global scope) */
static const char *ratelimit_cache = "shmcb";
static const char *ratelimit_cache_at;

/* FILE:LINE of the directive being read, for the messages of check.c. */
static const char *where(cmd_parms *cmd)
{
    return cmd->directive ? apr_psprintf(cmd->pool, "%s:%d", cmd->directive->filename,
                                         cmd->directive->line_num)
                          : NULL;
}

void *vp_config_create(apr_pool_t *p, server_rec *s)
{
    vp_config_t *c = apr_pcalloc(p, sizeof *c);
    int i;

    /* the main server's comes first in each reading of the configuration:
     * a restart without VPlanetRateLimitCache is back to the default */
    if (!s->is_virtual) {
        ratelimit_cache = "shmcb";
        ratelimit_cache_at = NULL;
    }
    c->access_ttl = c->refresh_ttl = c->refresh_grace = c->session_cache = c->list_cache = -1;
    c->max_body = c->max_upload = -1;
    c->max_json_members = c->max_json_values = -1;
    c->diagnostics = -1;
    c->ws_max_per_client = -1;
    c->plan_timeout = -1;
    for (i = 0; i < VP_RL_COUNT; i++)
        c->limits[i].count = -1;
    return c;
}

#define MERGE_PTR(f) c->f = add->f ? add->f : base->f
#define MERGE_NUM(f) c->f = add->f >= 0 ? add->f : base->f

void *vp_config_merge(apr_pool_t *p, void *base_, void *add_)
{
    const vp_config_t *base = base_, *add = add_;
    vp_config_t *c = apr_pcalloc(p, sizeof *c);
    int i;

    MERGE_PTR(jwt_key_file);
    MERGE_PTR(jwt_alg);
    MERGE_PTR(jwt_issuer);
    MERGE_PTR(jwt_audience);
    MERGE_NUM(access_ttl);
    MERGE_NUM(refresh_ttl);
    MERGE_NUM(refresh_grace);
    MERGE_NUM(session_cache);
    MERGE_NUM(list_cache);
    MERGE_PTR(media_root);
    MERGE_PTR(public_url);
    MERGE_NUM(max_body);
    MERGE_NUM(max_upload);
    MERGE_NUM(max_json_members);
    MERGE_NUM(max_json_values);
    MERGE_NUM(diagnostics);
    MERGE_NUM(ws_max_per_client);
    MERGE_PTR(time_zone);
    MERGE_PTR(plan_url);
    MERGE_PTR(plan_model);
    MERGE_PTR(plan_key_file);
    MERGE_NUM(plan_timeout);
    /* each location goes with its value */
    c->jwt_key_file_at = add->jwt_key_file ? add->jwt_key_file_at : base->jwt_key_file_at;
    c->jwt_alg_at = add->jwt_alg ? add->jwt_alg_at : base->jwt_alg_at;
    c->media_root_at = add->media_root ? add->media_root_at : base->media_root_at;
    c->time_zone_at = add->time_zone ? add->time_zone_at : base->time_zone_at;
    c->plan_key_file_at = add->plan_key_file ? add->plan_key_file_at : base->plan_key_file_at;
    c->argon2 = add->argon2.m_kib ? add->argon2 : base->argon2;
    for (i = 0; i < VP_RL_COUNT; i++)
        c->limits[i] = add->limits[i].count >= 0 ? add->limits[i] : base->limits[i];
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
    if (cmd->info == (void *)0) {
        c->jwt_key_file = path;
        c->jwt_key_file_at = where(cmd);
    }
    else {
        c->media_root = path;
        c->media_root_at = where(cmd);
    }
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

static const char *set_max_upload(cmd_parms *cmd, void *dummy, const char *arg)
{
    apr_off_t v;

    if (apr_strtoff(&v, arg, NULL, 10) != APR_SUCCESS || v < 1048576
        || v > (apr_off_t)1 << 40)
        return "VPlanetMaxUpload must be a byte count from 1048576 to 1099511627776";
    server_config(cmd)->max_upload = v;
    return NULL;
}

static const char *set_diagnostics(cmd_parms *cmd, void *dummy, int on)
{
    server_config(cmd)->diagnostics = on;
    return NULL;
}

static const char *set_jwt_alg(cmd_parms *cmd, void *dummy, const char *arg)
{
    if (vp_token_alg(arg) == JWT_ALG_INVAL)
        return "VPlanetJWTAlgorithm must be HS256, RS256 or ES256";
    server_config(cmd)->jwt_alg = arg;
    server_config(cmd)->jwt_alg_at = where(cmd);
    return NULL;
}

static const char *set_claim(cmd_parms *cmd, void *dummy, const char *arg)
{
    vp_config_t *c = server_config(cmd);

    if (!*arg || strlen(arg) > 200)
        return apr_pstrcat(cmd->pool, cmd->cmd->name, " must be 1 to 200 characters", NULL);
    if (cmd->info == (void *)0)
        c->jwt_issuer = arg;
    else
        c->jwt_audience = arg;
    return NULL;
}

/* A whole decimal number in [min, max]. */
static int number(const char *arg, long min, long max, long *out)
{
    char *end;

    errno = 0;
    *out = strtol(arg, &end, 10);
    return errno == 0 && end != arg && *end == '\0' && *out >= min && *out <= max;
}

static const char *set_json_limit(cmd_parms *cmd, void *dummy, const char *arg)
{
    vp_config_t *c = server_config(cmd);
    long v;

    if (!number(arg, 10, 10000000, &v))
        return apr_pstrcat(cmd->pool, cmd->cmd->name, " must be a count from 10 to 10000000",
                           NULL);
    if (cmd->info == (void *)0)
        c->max_json_members = v;
    else
        c->max_json_values = v;
    return NULL;
}

static const char *set_ttl(cmd_parms *cmd, void *dummy, const char *arg)
{
    vp_config_t *c = server_config(cmd);
    long v;

    if (cmd->info == (void *)0) {
        if (!number(arg, 60, 86400, &v))
            return "VPlanetAccessTTL must be seconds from 60 to 86400";
        c->access_ttl = (int)v;
    }
    else if (cmd->info == (void *)1) {
        if (!number(arg, 300, 90 * 86400, &v))
            return "VPlanetRefreshTTL must be seconds from 300 to 7776000 (90 days)";
        c->refresh_ttl = (int)v;
    }
    else if (cmd->info == (void *)2) {
        if (!number(arg, 0, 300, &v))
            return "VPlanetRefreshReuseGrace must be seconds from 0 (off) to 300";
        c->refresh_grace = (int)v;
    }
    else if (cmd->info == (void *)3) {
        if (!number(arg, 0, 60, &v))
            return "VPlanetSessionCache must be seconds from 0 (off) to 60";
        c->session_cache = (int)v;
    }
    else {
        if (!number(arg, 0, 60, &v))
            return "VPlanetListCache must be seconds from 0 (off) to 60";
        c->list_cache = (int)v;
    }
    return NULL;
}

static const char *set_argon2(cmd_parms *cmd, void *dummy, const char *m,
                              const char *t, const char *par)
{
    vp_config_t *c = server_config(cmd);
    long vm, vt, vpar;

    if (!number(m, 19456, 4194304, &vm) || !number(t, 2, 100, &vt)
        || !number(par, 1, 64, &vpar))
        return "VPlanetArgon2 takes memory in KiB (19456 to 4194304), iterations "
               "(2 to 100) and lanes (1 to 64)";
    c->argon2.m_kib = (uint32_t)vm;
    c->argon2.t = (uint32_t)vt;
    c->argon2.p = (uint32_t)vpar;
    return NULL;
}

static const char *set_ws_max(cmd_parms *cmd, void *dummy, const char *arg)
{
    long v;

    if (!number(arg, 0, 1000000, &v))
        return "VPlanetWSMaxPerClient takes a count from 0 (no cap) to 1000000";
    server_config(cmd)->ws_max_per_client = (int)v;
    return NULL;
}

static const char *set_time_zone(cmd_parms *cmd, void *dummy, const char *arg)
{
    /* a zone name, never a path out of the zone folder */
    if (!*arg || arg[0] == '/' || strstr(arg, "..")
        || strspn(arg, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/_+-")
           != strlen(arg))
        return "VPlanetTimeZone takes a time zone name such as Asia/Seoul";
    server_config(cmd)->time_zone = arg;
    server_config(cmd)->time_zone_at = where(cmd);
    return NULL;
}

static const char *set_plan_url(cmd_parms *cmd, void *dummy, const char *arg)
{
    if (strncmp(arg, "http://", 7) && strncmp(arg, "https://", 8))
        return "VPlanetPlanningEndpoint takes an http:// or https:// URL (the API's base,"
               " e.g. https://api.openai.com/v1)";
    server_config(cmd)->plan_url = arg;
    return NULL;
}

static const char *set_plan_model(cmd_parms *cmd, void *dummy, const char *arg)
{
    server_config(cmd)->plan_model = arg;
    return NULL;
}

static const char *set_plan_key_file(cmd_parms *cmd, void *dummy, const char *arg)
{
    vp_config_t *c = server_config(cmd);

    if (!(c->plan_key_file = ap_server_root_relative(cmd->pool, arg)))
        return apr_pstrcat(cmd->pool, "VPlanetPlanningKeyFile: invalid path ", arg, NULL);
    c->plan_key_file_at = where(cmd);
    return NULL;
}

static const char *set_plan_timeout(cmd_parms *cmd, void *dummy, const char *arg)
{
    long v;

    if (!number(arg, 1, 300, &v))
        return "VPlanetPlanningTimeout takes seconds from 1 to 300";
    server_config(cmd)->plan_timeout = (int)v;
    return NULL;
}

static const char *set_ratelimit_cache(cmd_parms *cmd, void *dummy, const char *arg)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);

    if (err)
        return err;
    ratelimit_cache = arg;
    ratelimit_cache_at = where(cmd);
    return NULL;
}

static const char *set_ratelimit(cmd_parms *cmd, void *dummy, const char *name,
                                 const char *count, const char *seconds)
{
    vp_config_t *c = server_config(cmd);
    int kind = vp_rl_kind(name);
    long n, secs;

    if (kind < 0)
        return apr_psprintf(cmd->pool, "VPlanetRateLimit: unknown limit %s (one of login, "
                            "login_long, signup, password_reset, feedback, default, media, guest, verify)", name);
    if (!number(count, 0, 1000000000, &n) || !number(seconds, 1, 86400 * 31, &secs))
        return "VPlanetRateLimit takes a name, a count (0 turns the limit off) and a "
               "window in seconds (1 to 2678400)";
    c->limits[kind].count = (int)n;
    c->limits[kind].seconds = (int)secs;
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
    AP_INIT_TAKE1("VPlanetMaxUpload", set_max_upload, NULL, RSRC_CONF,
        "Largest video upload in bytes (default 524288000, 500 MiB); a smaller "
        "LimitRequestBody of the upload paths wins"),
    AP_INIT_TAKE1("VPlanetMaxJSONMembers", set_json_limit, (void *)0, RSRC_CONF,
        "Most members of one object of a JSON request body (default 1000)"),
    AP_INIT_TAKE1("VPlanetMaxJSONValues", set_json_limit, (void *)1, RSRC_CONF,
        "Most values (members and array items) in a whole JSON request body "
        "(default 10000)"),
    AP_INIT_FLAG("VPlanetDiagnostics", set_diagnostics, NULL, RSRC_CONF,
        "On enables /api/v1/diagnostics/* (request-pipeline checks); default Off"),
    AP_INIT_TAKE1("VPlanetJWTAlgorithm", set_jwt_alg, NULL, RSRC_CONF,
        "HS256 (default; the key file is the secret), RS256 or ES256 (the key "
        "file is a PEM private key)"),
    AP_INIT_TAKE1("VPlanetJWTIssuer", set_claim, (void *)0, RSRC_CONF,
        "The iss claim of issued tokens, required on presented ones (default vplanet)"),
    AP_INIT_TAKE1("VPlanetJWTAudience", set_claim, (void *)1, RSRC_CONF,
        "The aud claim of issued tokens, required on presented ones (default vplanet-api)"),
    AP_INIT_TAKE1("VPlanetAccessTTL", set_ttl, (void *)0, RSRC_CONF,
        "Lifetime of access tokens in seconds (default 900)"),
    AP_INIT_TAKE1("VPlanetRefreshTTL", set_ttl, (void *)1, RSRC_CONF,
        "Lifetime of refresh tokens in seconds (default 604800)"),
    AP_INIT_TAKE1("VPlanetRefreshReuseGrace", set_ttl, (void *)2, RSRC_CONF,
        "Seconds after a refresh in which the same refresh token presented again "
        "gets the same new pair instead of revoking the session (default 10; 0: off)"),
    AP_INIT_TAKE1("VPlanetSessionCache", set_ttl, (void *)3, RSRC_CONF,
        "Seconds a child remembers that a session is live instead of asking the "
        "database on every request (default 5; 0: always asks); revocations through "
        "this httpd are seen at once, others within these seconds"),
    AP_INIT_TAKE1("VPlanetListCache", set_ttl, (void *)4, RSRC_CONF,
        "Seconds a child remembers the answer of a polled list (a video's feedback) "
        "for one session and query (default 5; 0: built every time); writes of the "
        "project through this httpd are seen at once, others within these seconds"),
    AP_INIT_TAKE3("VPlanetArgon2", set_argon2, NULL, RSRC_CONF,
        "argon2id cost of new password hashes: memory KiB, iterations, lanes "
        "(default 19456 2 1); weaker stored hashes are upgraded at login"),
    AP_INIT_TAKE1("VPlanetWSMaxPerClient", set_ws_max, NULL, RSRC_CONF,
        "Open WebSocket tunnels (/ws/) per client address, each holding a worker; "
        "0: no cap (default 32)"),
    AP_INIT_TAKE1("VPlanetRateLimitCache", set_ratelimit_cache, NULL, RSRC_CONF,
        "socache provider[:arguments] holding the rate-limit counters (default shmcb)"),
    AP_INIT_TAKE3("VPlanetRateLimit", set_ratelimit, NULL, RSRC_CONF,
        "Rate limit NAME COUNT SECONDS; names: login, login_long, signup, "
        "password_reset, feedback, default, media; COUNT 0 turns it off"),
    AP_INIT_TAKE1("VPlanetTimeZone", set_time_zone, NULL, RSRC_CONF,
        "IANA time zone whose days the calendar uses (month view, ?date=, all-day "
        "events, the feed's phases); default Asia/Seoul; the server refuses to start "
        "with a zone the system does not know"),
    AP_INIT_TAKE1("VPlanetPlanningEndpoint", set_plan_url, NULL, RSRC_CONF,
        "Base URL of an OpenAI-compatible API asked for each plan step (POST "
        "{url}/chat/completions); default none: the built-in generator"),
    AP_INIT_TAKE1("VPlanetPlanningModel", set_plan_model, NULL, RSRC_CONF,
        "The model named in those requests"),
    AP_INIT_TAKE1("VPlanetPlanningKeyFile", set_plan_key_file, NULL, RSRC_CONF,
        "File holding the endpoint's bearer key; without one (or empty) nothing is asked"),
    AP_INIT_TAKE1("VPlanetPlanningTimeout", set_plan_timeout, NULL, RSRC_CONF,
        "Seconds a step waits for the endpoint before the built-in generator answers "
        "(1..300, default 20)"),
    {NULL}
};

/* Resolved values of possibly unset settings. */
apr_off_t vp_config_max_body(const vp_config_t *c)
{
    return c->max_body >= 0 ? c->max_body : VP_MAX_BODY_DEFAULT;
}

apr_off_t vp_config_max_upload(const vp_config_t *c)
{
    return c->max_upload >= 0 ? c->max_upload : VP_MAX_UPLOAD_DEFAULT;
}

long vp_config_max_json_members(const vp_config_t *c)
{
    return c->max_json_members >= 0 ? c->max_json_members : VP_JSON_MAX_MEMBERS;
}

long vp_config_max_json_values(const vp_config_t *c)
{
    return c->max_json_values >= 0 ? c->max_json_values : VP_JSON_MAX_VALUES;
}

int vp_config_access_ttl(const vp_config_t *c)
{
    return c->access_ttl >= 0 ? c->access_ttl : VP_ACCESS_TTL_DEFAULT;
}

int vp_config_refresh_ttl(const vp_config_t *c)
{
    return c->refresh_ttl >= 0 ? c->refresh_ttl : VP_REFRESH_TTL_DEFAULT;
}

int vp_config_list_cache(const vp_config_t *c)
{
    return c->list_cache >= 0 ? c->list_cache : 5;
}

int vp_config_session_cache(const vp_config_t *c)
{
    return c->session_cache >= 0 ? c->session_cache : 5;
}

int vp_config_refresh_grace(const vp_config_t *c)
{
    return c->refresh_grace >= 0 ? c->refresh_grace : VP_REFRESH_GRACE_DEFAULT;
}

vp_argon2_params_t vp_config_argon2(const vp_config_t *c)
{
    static const vp_argon2_params_t dflt = VP_ARGON2_DEFAULT;
    return c->argon2.m_kib ? c->argon2 : dflt;
}

vp_limit_t vp_config_limit(const vp_config_t *c, vp_rl_kind_t kind)
{
    return c->limits[kind].count >= 0 ? c->limits[kind] : vp_rl_default(kind);
}

int vp_config_ws_max_per_client(const vp_config_t *c)
{
    return c->ws_max_per_client >= 0 ? c->ws_max_per_client : VP_WS_MAX_PER_CLIENT_DEFAULT;
}

int vp_config_plan_endpoint(const vp_config_t *c, const char **url, const char **model,
                            const char **key, long *timeout_ms)
{
    if (!c->plan_url || !c->plan_key || !*c->plan_key)
        return 0;
    *url = c->plan_url;
    *model = c->plan_model ? c->plan_model : "gpt-4o-mini";
    *key = c->plan_key;
    *timeout_ms = 1000L * (c->plan_timeout > 0 ? c->plan_timeout : 20);
    return 1;
}

const char *vp_config_time_zone(const vp_config_t *c)
{
    return c->time_zone ? c->time_zone : VP_TIME_ZONE_DEFAULT;
}

const char *vp_config_ratelimit_cache(void)
{
    return ratelimit_cache;
}

const char *vp_config_ratelimit_cache_at(void)
{
    return ratelimit_cache_at;
}
