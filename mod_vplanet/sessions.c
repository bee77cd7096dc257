/* The session check of an authenticated request (USER_ACTIVE: the account
 * active, the session not revoked), remembered per child for
 * VPlanetSessionCache seconds (default 5; 0: asked every time).
 *
 * A revocation made through this httpd (logout, logout-all, a password
 * change or reset, an account deletion, a reused refresh token), and an
 * edit of the account (nickname, locale, avatar, verified email), moves a
 * version (vp_version_move) after its transaction and before its answer;
 * an entry remembered under another count is not used,
 * and the count is read before the database is asked, so an entry never
 * outlives a revocation made while it was being filled. What changes the
 * database behind this httpd's back (an administrator's SQL, another
 * Apache node) is seen within the cache's seconds: README "Configuration". */
#include "vplanet.h"
#include "db.h"

#include <apr_strings.h>
#include <http_config.h>

#define EPOCH_KEY "vplanet:session-revocations"
#define EPOCH_TTL (30 * 86400)
#define MAX_ENTRIES 10000

typedef struct {
    PGresult *row;          /* USER_ACTIVE's row (a copy owned here) */
    apr_time_t until;
    int32_t epoch;          /* the revocation count it was read under */
} entry_t;

static vp_store_t *store;        /* NULL: no cache, every request asks */

static void drop(void *entry)
{
    PQclear(((entry_t *)entry)->row);
}

static void sessions_child_init(apr_pool_t *p, server_rec *s)
{
    (void)s;
    store = vp_store_create(p, MAX_ENTRIES, drop);
}

void vp_sessions_hooks(void)
{
    ap_hook_child_init(sessions_child_init, NULL, NULL, APR_HOOK_MIDDLE);
}

PGresult *vp_session_check(vp_req_t *q, const char *const *params, int *st)
{
    int ttl = vp_config_session_cache(q->cfg);
    apr_time_t now = apr_time_now();
    PGresult *res = NULL, *copy;
    const char *key;
    int32_t epoch;
    entry_t *e;

    *st = 0;
    if (!ttl || !store || !params[1] || vp_version_read(q->r->server, q->r->pool, EPOCH_KEY,
                                                      &epoch) != APR_SUCCESS)
        return (*st = vp_db_run(q, VP_SQL_USER_ACTIVE, &res, 2, params)) ? NULL : res;
    key = apr_pstrcat(q->r->pool, params[0], "/", params[1], NULL);
    vp_store_lock(store);
    e = vp_store_get(store, key);
    if (e && e->row && e->until > now && e->epoch == epoch)
        res = PQcopyResult(e->row, PG_COPYRES_ATTRS | PG_COPYRES_TUPLES);
    vp_store_unlock(store);
    if (res)
        return vp_db_keep(q, res);
    if ((*st = vp_db_run(q, VP_SQL_USER_ACTIVE, &res, 2, params)))
        return NULL;
    if (PQntuples(res) != 1 || !(copy = PQcopyResult(res, PG_COPYRES_ATTRS | PG_COPYRES_TUPLES)))
        return res;     /* a refusal is not remembered: it is asked again */
    vp_store_lock(store);
    e = vp_store_slot(store, key, sizeof *e);
    PQclear(e->row);
    e->row = copy;
    e->until = now + apr_time_from_sec(ttl);
    e->epoch = epoch;
    vp_store_unlock(store);
    return res;
}

void vp_sessions_note(vp_req_t *q, vp_sql_id id)
{
    /* the remembered row is the account too: an edit of it is seen at once */
    if (id == VP_SQL_REFRESH_REVOKE_FAMILY || id == VP_SQL_REFRESH_REVOKE_USER
        || id == VP_SQL_USER_SOFT_DELETE || id == VP_SQL_USER_SET_PASSWORD
        || id == VP_SQL_USER_UPDATE || id == VP_SQL_USER_VERIFY_EMAIL)
        q->sessions_changed = 1;
}

void vp_sessions_changed(vp_req_t *q)
{
    apr_status_t rv = vp_store_outdate(q, store, EPOCH_KEY, EPOCH_TTL);

    if (rv != APR_SUCCESS)
        VP_LOG(q, APLOG_ERR, "VP0405: the session revocation count could not be moved (%d)", rv);
}
