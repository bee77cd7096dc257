/* What `apachectl configtest` sees. The check_config hook runs for a test
 * (`httpd -t`) as for a start, after the configuration is read and merged
 * and before anything is opened; post_config runs only for a start. So
 * every setting and file the module needs is checked here, once, in the
 * servers that use the module, each problem logged with the server, the
 * directive and the fix; post_config only makes what a start needs.
 *
 * A server uses the module when its configuration (server level,
 * <Location>, <Directory>, <Files> or <If>, its own or inherited from the
 * main server) says `SetHandler vplanet`: conf/vplanet.conf included in
 * one virtual host leaves the main server and the other hosts alone. */
#include "vplanet.h"
#include "mod_vplanet/vp_schema.h"
#include "vpcore/vp_version.h"

#include <apr_dbd.h>
#include <apr_file_io.h>
#include <apr_hash.h>
#include <apr_optional.h>
#include <apr_strings.h>
#include <http_core.h>
#include <mod_dbd.h>
#include <unixd.h>
#include <util_cfgtree.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

/* where the system's (and Debian's PostgreSQL's) zone rules are */
#define VP_ZONEINFO "/usr/share/zoneinfo/"

static int any_enabled;

static vp_config_t *config_of(const server_rec *s)
{
    return ap_get_module_config(s->module_config, &vplanet_module);
}

int vp_server_enabled(const server_rec *s)
{
    return config_of(s)->enabled;
}

int vp_any_enabled(void)
{
    return any_enabled;
}

const char *vp_server_desc(apr_pool_t *p, const server_rec *s)
{
    const char *name = s->server_hostname ? s->server_hostname : "(no ServerName)";
    unsigned port = s->port ? s->port : s->addrs ? s->addrs->host_port : 0;

    if (!s->is_virtual)
        return apr_psprintf(p, "the main server (ServerName %s)", name);
    return apr_psprintf(p, "the virtual host %s:%u (%s:%u)", name, port,
                        s->defn_name ? s->defn_name : "?", s->defn_line_number);
}

/* ---- which servers use the module ---- */

/* SetHandler keeps its argument as an expression whose text is not public;
 * the expression knows the file and line of its directive, and the
 * configuration tree the text: FILE:LINE -> the handler named there. */
static void collect_sethandlers(apr_pool_t *p, const ap_directive_t *d, apr_hash_t *out)
{
    for (; d; d = d->next) {
        if (!ap_cstr_casecmp(d->directive, "SetHandler") && d->args) {
            const char *args = d->args;

            apr_hash_set(out, apr_psprintf(p, "%s:%d", d->filename, d->line_num),
                         APR_HASH_KEY_STRING, ap_getword_conf(p, &args));
        }
        if (d->first_child)
            collect_sethandlers(p, d->first_child, out);
    }
}

static int sections_use(apr_pool_t *p, apr_hash_t *handlers, const apr_array_header_t *a);

/* One per-directory configuration, and the sections within it. */
static int section_uses(apr_pool_t *p, apr_hash_t *handlers, ap_conf_vector_t *v)
{
    const core_dir_config *d = v ? ap_get_core_module_config(v) : NULL;

    if (!d)
        return 0;
    if (d->handler && !strcmp(d->handler, VP_HANDLER_NAME))
        return 1;
    if (d->expr_handler) {
        const char *name = apr_hash_get(handlers,
                                        apr_psprintf(p, "%s:%u", d->expr_handler->filename,
                                                     d->expr_handler->line_number),
                                        APR_HASH_KEY_STRING);

        /* not found (it should be): checked rather than left without keys;
         * an expression (%{...}) naming us may choose us */
        if (!name || (strstr(name, "%{") ? strstr(name, VP_HANDLER_NAME) != NULL
                                         : !strcmp(name, VP_HANDLER_NAME)))
            return 1;
    }
    return sections_use(p, handlers, d->sec_file) || sections_use(p, handlers, d->sec_if);
}

static int sections_use(apr_pool_t *p, apr_hash_t *handlers, const apr_array_header_t *a)
{
    int i;

    for (i = 0; a && i < a->nelts; i++)
        if (section_uses(p, handlers, ((ap_conf_vector_t **)a->elts)[i]))
            return 1;
    return 0;
}

/* A virtual host's sections hold the main server's too (merged before
 * check_config), as its requests see them. */
static int server_uses(apr_pool_t *p, apr_hash_t *handlers, const server_rec *s)
{
    const core_server_config *sc = ap_get_core_module_config(s->module_config);

    return section_uses(p, handlers, s->lookup_defaults)
           || sections_use(p, handlers, sc->sec_url) || sections_use(p, handlers, sc->sec_dir);
}

/* ---- the checks: each returns NULL, or the problem and its fix ---- */

/* " (set at FILE:LINE)", or nothing for a default. */
static const char *at(apr_pool_t *p, const char *where)
{
    return where ? apr_psprintf(p, " (set at %s)", where) : "";
}

static const char *key_fix(apr_pool_t *p, jwt_alg_t alg, const char *file)
{
    const char *f = file ? file : "/etc/vplanet/jwt.key";
    const char *make;

    switch (alg) {
    case JWT_ALG_RS256:
        make = apr_psprintf(p, "an RSA private key of 2048 bits or more: openssl genpkey "
                            "-algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out %s", f);
        break;
    case JWT_ALG_ES256:
        make = apr_psprintf(p, "a P-256 private key: openssl genpkey -algorithm EC "
                            "-pkeyopt ec_paramgen_curve:P-256 -out %s", f);
        break;
    default:
        make = apr_psprintf(p, "32 to 65536 random bytes: openssl rand -base64 -out %s 48", f);
        break;
    }
    return apr_psprintf(p, "%s; then chgrp www-data %s and chmod 0640 %s (vplanetd reads it "
                        "as www-data)%s", make, f, f,
                        alg == JWT_ALG_HS256 ? "; for a PEM private key, set VPlanetJWTAlgorithm "
                                               "RS256 or ES256 instead"
                                             : "; or set VPlanetJWTAlgorithm HS256 for a random "
                                               "secret");
}

/* VPlanetJWTKeyFile for VPlanetJWTAlgorithm: read, and kept (with the
 * media URL key derived from it) for the requests. */
static const char *check_jwt_key(apr_pool_t *p, vp_config_t *c)
{
    const char *name = c->jwt_alg ? c->jwt_alg : "HS256";
    jwt_alg_t alg = vp_token_alg(name);
    const char *err;

    if (!c->jwt_key_file)
        return apr_psprintf(p, "VPlanetJWTKeyFile is not set: the module signs tokens with "
                            "it. Fix: set VPlanetJWTKeyFile to a file holding %s",
                            key_fix(p, alg, NULL));
    err = vp_token_keys_load(p, &c->keys, alg, "VPlanetJWTKeyFile", c->jwt_key_file);
    if (err)
        return apr_psprintf(p, "%s [VPlanetJWTKeyFile set at %s; VPlanetJWTAlgorithm %s, %s]. "
                            "Fix: make the file hold %s", err,
                            c->jwt_key_file_at ? c->jwt_key_file_at : "?", name,
                            c->jwt_alg_at ? apr_pstrcat(p, "set at ", c->jwt_alg_at, NULL)
                                          : "the default",
                            key_fix(p, alg, c->jwt_key_file));
    if (!vp_media_key(c->keys.sign_key, c->keys.sign_len, &c->media_key))
        return "cannot derive the media URL key from VPlanetJWTKeyFile (OpenSSL failed)";
    c->keys.issuer = c->jwt_issuer ? c->jwt_issuer : "vplanet";
    c->keys.audience = c->jwt_audience ? c->jwt_audience : "vplanet-api";
    return NULL;
}

/* VPlanetMediaRoot: a folder, or one that can be made (post_config makes
 * it and its folders, and hands them to the server user). */
static const char *check_media_root(apr_pool_t *p, const vp_config_t *c)
{
    const char *fix, *dir = c->media_root;
    apr_finfo_t fi;
    char *up;

    if (!dir)
        return NULL;    /* allowed: readiness says so, video routes answer 503 */
    fix = apr_psprintf(p, "Fix: install -d -o www-data -g www-data -m 0750 %s, or point "
                       "VPlanetMediaRoot%s at a folder", dir, at(p, c->media_root_at));
    if (dir[0] != '/')
        return apr_psprintf(p, "VPlanetMediaRoot %s is not an absolute path. %s", dir, fix);
    if (apr_stat(&fi, dir, APR_FINFO_TYPE, p) == APR_SUCCESS) {
        if (fi.filetype != APR_DIR)
            return apr_psprintf(p, "VPlanetMediaRoot %s is not a folder. %s", dir, fix);
        if (access(dir, W_OK | X_OK))
            return apr_psprintf(p, "VPlanetMediaRoot %s cannot be written: %s. %s", dir,
                                strerror(errno), fix);
        return NULL;
    }
    /* missing: the nearest folder above must take a new one */
    up = apr_pstrdup(p, dir);
    for (;;) {
        char *slash = strrchr(up, '/');

        if (slash == up)
            up[1] = '\0';
        else
            *slash = '\0';
        if (apr_stat(&fi, up, APR_FINFO_TYPE, p) == APR_SUCCESS)
            break;
        if (slash == up)
            return apr_psprintf(p, "VPlanetMediaRoot %s: no folder above it", dir);
    }
    if (fi.filetype != APR_DIR)
        return apr_psprintf(p, "VPlanetMediaRoot %s cannot be made: %s is not a folder. %s", dir,
                            up, fix);
    if (access(up, W_OK | X_OK))
        return apr_psprintf(p, "VPlanetMediaRoot %s cannot be made in %s: %s. %s", dir, up,
                            strerror(errno), fix);
    return NULL;
}

/* VPlanetTimeZone: one of the system's zones (whose tzdata Debian's
 * PostgreSQL uses too), a TZif file under the zone folder. */
static const char *check_time_zone(apr_pool_t *p, const vp_config_t *c)
{
    const char *zone = vp_config_time_zone(c);
    const char *path = apr_pstrcat(p, VP_ZONEINFO, zone, NULL);
    const char *fix = apr_psprintf(p, "Fix: set VPlanetTimeZone%s to a name of the tzdata "
                                   "package, e.g. Asia/Seoul or Europe/Paris (timedatectl "
                                   "list-timezones)", at(p, c->time_zone_at));
    char magic[4];
    apr_size_t n = sizeof magic;
    apr_file_t *f;

    if (apr_file_open(&f, path, APR_FOPEN_READ, 0, p) != APR_SUCCESS)
        return apr_psprintf(p, "VPlanetTimeZone %s: no such time zone (%s). %s", zone, path, fix);
    if (apr_file_read_full(f, magic, n, &n) != APR_SUCCESS || memcmp(magic, "TZif", 4)) {
        apr_file_close(f);
        return apr_psprintf(p, "VPlanetTimeZone %s: %s is no time zone file. %s", zone, path,
                            fix);
    }
    apr_file_close(f);
    return NULL;
}

/* VPlanetPlanningKeyFile: read (its spaces and newlines trimmed) and kept. */
static const char *check_plan_key(apr_pool_t *p, vp_config_t *c)
{
    apr_file_t *f;
    char buf[4096];
    apr_size_t n = sizeof buf - 1;
    apr_status_t rv;
    char *k, *e;

    c->plan_key = NULL;
    if (!c->plan_key_file)
        return NULL;
    if ((rv = apr_file_open(&f, c->plan_key_file, APR_FOPEN_READ, 0, p)) == APR_SUCCESS) {
        rv = apr_file_read_full(f, buf, n, &n);
        apr_file_close(f);
    }
    if (rv != APR_SUCCESS && rv != APR_EOF)
        return apr_psprintf(p, "VPlanetPlanningKeyFile %s%s: %pm. Fix: make it readable by "
                            "root, or remove the directive (the built-in generator answers)",
                            c->plan_key_file, at(p, c->plan_key_file_at), &rv);
    buf[n] = 0;
    for (k = buf; *k == ' ' || *k == '\n' || *k == '\r' || *k == '\t'; k++)
        ;
    for (e = k + strlen(k); e > k && (e[-1] == ' ' || e[-1] == '\n' || e[-1] == '\r' || e[-1] == '\t'); e--)
        ;
    *e = 0;
    c->plan_key = apr_pstrdup(p, k);
    memset(buf, 0, sizeof buf);
    return NULL;
}

/* mod_dbd holds the module's database connections. */
static const char *check_dbd(void)
{
    if (!APR_RETRIEVE_OPTIONAL_FN(ap_dbd_prepare) || !APR_RETRIEVE_OPTIONAL_FN(ap_dbd_acquire))
        return "mod_dbd is not loaded. Fix: LoadModule dbd_module before mod_vplanet "
               "(conf/vplanet.load does; on Debian, a2enmod dbd)";
    return NULL;
}

static int problem(apr_pool_t *p, const server_rec *s, const char *err)
{
    /* no server: the error log is not open yet, this goes to stderr (and,
     * at a restart, to the main error log, which stderr then is) */
    ap_log_error(APLOG_MARK, APLOG_CRIT, 0, NULL, "VP0001: mod_vplanet cannot start: in %s: %s",
                 vp_server_desc(p, s), err);
    return 1;
}

/* `httpd -k stop` (apachectl stop, graceful-stop) reads the configuration
 * and runs check_config before it signals the server: a broken key must
 * not keep anybody from stopping httpd. The MPM has taken -k out of
 * process->argv by then; the command line is still in /proc. */
static int stopping(apr_pool_t *p)
{
    apr_file_t *f;
    char buf[8192];
    apr_size_t n = sizeof buf - 1;
    const char *a, *end, *k = NULL;

    if (apr_file_open(&f, "/proc/self/cmdline", APR_FOPEN_READ, 0, p) != APR_SUCCESS)
        return 0;
    apr_file_read_full(f, buf, n, &n);
    apr_file_close(f);
    buf[n] = '\0';
    for (a = buf, end = buf + n; a < end; a += strlen(a) + 1) {
        if (k == a)     /* the word after -k */
            break;
        if (!strcmp(a, "-k"))
            k = a + strlen(a) + 1;
        else if (!strncmp(a, "-k", 2)) {
            k = a + 2;
            break;
        }
    }
    return k && k < end && (!strcmp(k, "stop") || !strcmp(k, "graceful-stop"));
}

int vp_check_config(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s)
{
    apr_hash_t *handlers = apr_hash_make(ptemp);
    const char *err;
    server_rec *v;
    int problems = 0, stop = stopping(ptemp);

    collect_sethandlers(ptemp, ap_conftree, handlers);
    any_enabled = 0;
    for (v = s; v; v = v->next) {
        vp_config_t *c = config_of(v);

        /* a stop uses nothing: nothing is checked, read or made */
        c->enabled = !stop && server_uses(ptemp, handlers, v);
        any_enabled |= c->enabled;
    }
    /* global: set (or not) in the main server */
    if (any_enabled && (err = check_dbd()))
        problems += problem(ptemp, s, err);
    if ((err = vp_ratelimit_check(ptemp, any_enabled)))
        problems += problem(ptemp, s, err);
    for (v = s; v; v = v->next) {
        vp_config_t *c = config_of(v);

        if (!c->enabled)
            continue;
        /* the keys live as long as this configuration */
        if ((err = check_jwt_key(pconf, c)))
            problems += problem(ptemp, v, err);
        if ((err = check_media_root(ptemp, c)))
            problems += problem(ptemp, v, err);
        if ((err = check_time_zone(ptemp, c)))
            problems += problem(ptemp, v, err);
        if ((err = check_plan_key(pconf, c)))
            problems += problem(ptemp, v, err);
    }
    return problems;
}

/* ---- post_config ---- */

const char *vp_config_start(apr_pool_t *pconf, server_rec *s)
{
    for (; s; s = s->next) {
        vp_config_t *c = config_of(s);
        const char *err;
        apr_status_t rv;

        /* made at each start: a server that cannot store an upload should
         * not start taking them */
        if (!c->enabled || !c->media_root)
            continue;
        if ((err = vp_storage_open(pconf, c->media_root, &c->storage)))
            return apr_psprintf(pconf, "in %s: VPlanetMediaRoot: %s", vp_server_desc(pconf, s),
                                err);
        if (geteuid() == 0 && (rv = vp_storage_chown(c->storage, pconf, (long)ap_unixd_config.user_id,
                                                     (long)ap_unixd_config.group_id)))
            return apr_psprintf(pconf, "in %s: VPlanetMediaRoot: cannot hand %s to the server "
                                "user: %pm", vp_server_desc(pconf, s), c->media_root, &rv);
    }
    return NULL;
}

void vp_log_started(apr_pool_t *ptemp, server_rec *s)
{
    server_rec *v;

    if (!any_enabled) {
        ap_log_error(APLOG_MARK, APLOG_INFO, 0, s, "VP0009: mod_vplanet %s loaded, used by no "
                     "server (no SetHandler " VP_HANDLER_NAME ")", VP_VERSION);
        return;
    }
    for (v = s; v; v = v->next) {
        const vp_config_t *c = config_of(v);

        if (!c->enabled)
            continue;
        ap_log_error(APLOG_MARK, APLOG_INFO, 0, s,
                     "VP0009: mod_vplanet %s (schema %s) in %s: key %s (%s), media %s, "
                     "public URL %s, rate-limit cache %s, session cache %d s, list cache %d s",
                     VP_VERSION, VP_SCHEMA_VERSION, vp_server_desc(ptemp, v), c->jwt_key_file,
                     c->jwt_alg ? c->jwt_alg : "HS256",
                     c->media_root ? c->media_root : "unset (no videos)",
                     c->public_url ? c->public_url : "from each request",
                     vp_config_ratelimit_cache(), vp_config_session_cache(c),
                     vp_config_list_cache(c));
    }
}
