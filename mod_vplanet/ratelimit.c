/* Rate limits shared by every httpd child: counters live in an Apache
 * socache (shmcb by default; memcache or redis when scaled out), updated
 * under a global mutex when the provider is not safe across processes. */
#include "vplanet.h"
#include "vpcore/vp_token.h"

#include <ap_provider.h>
#include <ap_socache.h>
#include <apr_atomic.h>
#include <apr_global_mutex.h>
#include <apr_hash.h>
#include <apr_shm.h>
#include <apr_strings.h>
#include <http_protocol.h>
#include <util_mutex.h>
#include <stdlib.h>

#define MUTEX_TYPE "vplanet-ratelimit"

static ap_socache_provider_t *provider;
static ap_socache_instance_t *instance;
static apr_global_mutex_t *mutex;       /* NULL when the provider needs none */

/* The versions (vp_version_read) of a cache on this machine: slots in
 * shared memory, read on every request without the mutex (under it, every
 * thread of every child queued on one lock). Two keys may share a slot: a
 * move then outdates both, which costs a rebuild, never a stale answer.
 * NULL when the cache is shared between machines (memcache, redis): the
 * versions are its counters then, so every node sees a move. */
#define VERSION_SLOTS 4096
static apr_uint32_t *versions;

static int rl_pre_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp)
{
    return ap_mutex_register(pconf, MUTEX_TYPE, NULL, APR_LOCK_DEFAULT, 0) == APR_SUCCESS
           ? OK : HTTP_INTERNAL_SERVER_ERROR;
}

static apr_status_t destroy_cache(void *s)
{
    if (instance)
        provider->destroy(instance, s);
    instance = NULL;
    return APR_SUCCESS;
}

/* "PROVIDER[:ARGS]" -> its parts. */
static const char *spec_args(apr_pool_t *p, const char **name)
{
    const char *spec = vp_config_ratelimit_cache(), *colon = strchr(spec, ':');

    *name = colon ? apr_pstrmemdup(p, spec, colon - spec) : spec;
    return colon ? colon + 1 : NULL;
}

const char *vp_ratelimit_check(apr_pool_t *ptemp, int used)
{
    const char *name, *args = spec_args(ptemp, &name), *err;
    const char *at = vp_config_ratelimit_cache_at();
    ap_socache_instance_t *probe = NULL;

    provider = NULL;
    if (!used)
        return NULL;
    provider = ap_lookup_provider(AP_SOCACHE_PROVIDER_GROUP, name, AP_SOCACHE_PROVIDER_VERSION);
    if (!provider)
        return apr_psprintf(ptemp, "VPlanetRateLimitCache %s%s%s: no socache provider '%s'. "
                            "Fix: load mod_socache_%s (LoadModule socache_%s_module, on "
                            "Debian a2enmod socache_%s), or use shmcb (the default)",
                            vp_config_ratelimit_cache(), at ? " set at " : "", at ? at : "",
                            name, name, name, name);
    /* its arguments, parsed into a throwaway instance: post_config makes
     * the real one */
    if ((err = provider->create(&probe, args, ptemp, ptemp)))
        return apr_psprintf(ptemp, "VPlanetRateLimitCache %s%s%s: %s. Fix: see the arguments "
                            "of the %s provider (SSLSessionCache's documentation)",
                            vp_config_ratelimit_cache(), at ? " set at " : "", at ? at : "",
                            err, name);
    return NULL;
}

/* Makes the cache the check found (none when no server uses the module). */
static int rl_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                          server_rec *s)
{
    static struct ap_socache_hints hints = {64, sizeof(vp_rl_state_t), 60};
    const char *name, *args = spec_args(ptemp, &name);
    const char *err;
    apr_status_t rv;

    mutex = NULL;       /* (the last configuration's went with its pool) */
    versions = NULL;
    if (!provider)
        return OK;
    if (!strcmp(name, "shmcb") || !strcmp(name, "dbm")) {
        apr_shm_t *shm;

        /* anonymous: the children inherit it; a restart starts at 0 with
         * new children, which remember nothing yet */
        if ((rv = apr_shm_create(&shm, VERSION_SLOTS * sizeof *versions, NULL, pconf))
            != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, "VP0007: no shared memory for the "
                         "cache versions");
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        versions = apr_shm_baseaddr_get(shm);
        memset(versions, 0, VERSION_SLOTS * sizeof *versions);
    }
    err = provider->create(&instance, args, ptemp, pconf);
    if (err) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "VP0003: VPlanetRateLimitCache: %s", err);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if ((provider->flags & AP_SOCACHE_FLAG_NOTMPSAFE)
        && (rv = ap_global_mutex_create(&mutex, NULL, MUTEX_TYPE, NULL, s, pconf, 0))
           != APR_SUCCESS)
        return HTTP_INTERNAL_SERVER_ERROR;
    rv = provider->init(instance, "vplanet-ratelimit", &hints, s, pconf);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, "VP0004: cannot set up the rate-limit "
                     "cache (%s)", vp_config_ratelimit_cache());
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    apr_pool_cleanup_register(pconf, s, destroy_cache, apr_pool_cleanup_null);
    return OK;
}

static void rl_child_init(apr_pool_t *p, server_rec *s)
{
    apr_status_t rv;

    if (mutex && (rv = apr_global_mutex_child_init(&mutex, apr_global_mutex_lockfile(mutex), p))
                 != APR_SUCCESS)
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, "VP0005: rate-limit mutex unusable in this "
                     "child");
}

void vp_ratelimit_hooks(void)
{
    ap_hook_pre_config(rl_pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(rl_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(rl_child_init, NULL, NULL, APR_HOOK_MIDDLE);
}

/* One read-modify-write of a counter; 0, or non-zero when the cache
 * cannot be used (the request is then let through and the fault logged:
 * a broken limiter must not take the API down). */
static int count_hit(vp_req_t *q, const unsigned char *key, unsigned keylen,
                     vp_limit_t lim, vp_rl_result_t *res)
{
    server_rec *s = q->r->server;
    vp_rl_state_t st;
    unsigned int len = sizeof st;
    int64_t now = (int64_t)apr_time_sec(apr_time_now());
    apr_status_t rv;
    int have;

    if (mutex && (rv = apr_global_mutex_lock(mutex)) != APR_SUCCESS)
        return rv;
    rv = provider->retrieve(instance, s, key, keylen, (unsigned char *)&st, &len, q->r->pool);
    have = rv == APR_SUCCESS && len == sizeof st;
    vp_rl_hit(&st, have, lim, now, res);
    rv = provider->store(instance, s, key, keylen,
                         apr_time_from_sec(st.start + lim.seconds),
                         (unsigned char *)&st, sizeof st, q->r->pool);
    if (mutex)
        apr_global_mutex_unlock(mutex);
    return rv;
}

/* The counter key, 0 when there is none; under the mutex. */
static int32_t read_count(server_rec *s, apr_pool_t *p, const char *key)
{
    int32_t n = 0;
    unsigned int len = sizeof n;

    if (provider->retrieve(instance, s, (const unsigned char *)key, (unsigned)strlen(key),
                           (unsigned char *)&n, &len, p) != APR_SUCCESS || len != sizeof n)
        n = 0;
    return n;
}

apr_status_t vp_shared_count(server_rec *s, apr_pool_t *p, const char *key, int delta,
                             int max, int ttl, int *allowed)
{
    const unsigned char *k = (const unsigned char *)key;
    unsigned int keylen = (unsigned)strlen(key);
    int32_t n = 0;
    apr_status_t rv = APR_SUCCESS;

    *allowed = 1;
    if (!instance)
        return APR_EINIT;
    if (mutex && (rv = apr_global_mutex_lock(mutex)) != APR_SUCCESS)
        return rv;
    n = read_count(s, p, key);
    if (delta > 0 && n + delta > max)
        *allowed = 0;
    else if ((n += delta) > 0)
        rv = provider->store(instance, s, k, keylen, apr_time_now() + apr_time_from_sec(ttl),
                             (unsigned char *)&n, sizeof n, p);
    else    /* (already gone, e.g. expired: nothing left to count down) */
        provider->remove(instance, s, k, keylen, p);
    if (mutex)
        apr_global_mutex_unlock(mutex);
    return rv;
}

static apr_uint32_t *version_slot(const char *key)
{
    apr_ssize_t len = APR_HASH_KEY_STRING;

    return &versions[apr_hashfunc_default(key, &len) % VERSION_SLOTS];
}

apr_status_t vp_version_read(server_rec *s, apr_pool_t *p, const char *key, int32_t *v)
{
    apr_status_t rv;

    *v = 0;
    if (versions) {
        *v = (int32_t)apr_atomic_read32(version_slot(key));
        return APR_SUCCESS;
    }
    if (!instance)
        return APR_EINIT;
    if (mutex && (rv = apr_global_mutex_lock(mutex)) != APR_SUCCESS)
        return rv;
    *v = read_count(s, p, key);
    if (mutex)
        apr_global_mutex_unlock(mutex);
    return APR_SUCCESS;
}

apr_status_t vp_version_move(server_rec *s, apr_pool_t *p, const char *key, int ttl)
{
    int allowed;

    if (versions) {
        apr_atomic_inc32(version_slot(key));
        return APR_SUCCESS;
    }
    return vp_shared_count(s, p, key, 1, INT32_MAX, ttl, &allowed);
}

int vp_rate_limit(vp_req_t *q, vp_rl_kind_t kind, const char *subject)
{
    request_rec *r = q->r;
    vp_limit_t lim = vp_config_limit(q->cfg, kind);
    /* hashed: fixed-size keys, and no addresses or emails in shared memory */
    const char *key = vp_sha256_hex(r->pool, apr_pstrcat(r->pool, vp_rl_name(kind), "|",
                                                         subject, NULL));
    vp_rl_result_t res;
    const char *prev;
    apr_status_t rv;

    if (lim.count == 0 || !instance)
        return 0;
    if ((rv = count_hit(q, (const unsigned char *)key, (unsigned)strlen(key), lim, &res))) {
        VP_LOG(q, APLOG_ERR, "VP0401: rate-limit cache failed (%d); request let through", rv);
        return 0;
    }
    /* Several limits may apply to one request (default, then login and
     * login_long): the headers describe the one closest to exhaustion, so
     * that RateLimit-Remaining never promises more than is left. */
    if (res.allowed && (prev = apr_table_get(r->headers_out, "RateLimit-Remaining"))) {
        const char *prev_reset = apr_table_get(r->headers_out, "RateLimit-Reset");
        long left = atol(prev), reset = prev_reset ? atol(prev_reset) : 0;

        if (left < res.remaining || (left == res.remaining && reset >= res.reset))
            return 0;
    }
    apr_table_setn(r->headers_out, "RateLimit-Limit", apr_ltoa(r->pool, res.limit));
    apr_table_setn(r->headers_out, "RateLimit-Remaining", apr_ltoa(r->pool, res.remaining));
    apr_table_setn(r->headers_out, "RateLimit-Reset", apr_ltoa(r->pool, res.reset));
    if (res.allowed)
        return 0;
    apr_table_setn(r->headers_out, "Retry-After", apr_ltoa(r->pool, res.reset));
    return vp_fail(q, HTTP_TOO_MANY_REQUESTS, "rate_limited",
                   apr_psprintf(r->pool, "too many requests; retry in %ld seconds", res.reset),
                   NULL);
}
