/* A cache of one Apache child (vplanet.h, "store.c"): entries by key in a
 * hash under a thread mutex, all dropped at once when it is full or told
 * to forget (the session and list caches). */
#include "vplanet.h"

#include <apr_hash.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>

struct vp_store {
    apr_pool_t *pool;       /* the entries and their keys */
    apr_thread_mutex_t *lock;
    apr_hash_t *entries;
    unsigned max;
    void (*drop)(void *entry);
};

vp_store_t *vp_store_create(apr_pool_t *p, unsigned max, void (*drop)(void *entry))
{
    vp_store_t *s = apr_pcalloc(p, sizeof *s);

    if (apr_pool_create(&s->pool, p) != APR_SUCCESS
        || apr_thread_mutex_create(&s->lock, APR_THREAD_MUTEX_DEFAULT, p) != APR_SUCCESS)
        return NULL;
    s->entries = apr_hash_make(s->pool);
    s->max = max;
    s->drop = drop;
    return s;
}

void vp_store_lock(vp_store_t *s)
{
    apr_thread_mutex_lock(s->lock);
}

void vp_store_unlock(vp_store_t *s)
{
    apr_thread_mutex_unlock(s->lock);
}

void *vp_store_get(vp_store_t *s, const char *key)
{
    return apr_hash_get(s->entries, key, APR_HASH_KEY_STRING);
}

void vp_store_forget(vp_store_t *s)
{
    apr_hash_index_t *hi;

    for (hi = apr_hash_first(NULL, s->entries); hi; hi = apr_hash_next(hi))
        s->drop(apr_hash_this_val(hi));
    apr_pool_clear(s->pool);
    s->entries = apr_hash_make(s->pool);
}

apr_status_t vp_store_outdate(vp_req_t *q, vp_store_t *s, const char *key, int ttl)
{
    apr_status_t rv = vp_version_move(q->r->server, q->r->pool, key, ttl);

    if (rv == APR_SUCCESS || rv == APR_EINIT)   /* (no shared cache: nothing is remembered) */
        return APR_SUCCESS;
    /* other children may keep using what they remember for their seconds;
     * this one at least forgets */
    if (s) {
        vp_store_lock(s);
        vp_store_forget(s);
        vp_store_unlock(s);
    }
    return rv;
}

void *vp_store_slot(vp_store_t *s, const char *key, apr_size_t size)
{
    void *e = vp_store_get(s, key);

    if (e)
        return e;
    if (apr_hash_count(s->entries) >= s->max)
        vp_store_forget(s);
    e = apr_pcalloc(s->pool, size);
    apr_hash_set(s->entries, apr_pstrdup(s->pool, key), APR_HASH_KEY_STRING, e);
    return e;
}
