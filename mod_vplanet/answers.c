/* Answers of the lists a client polls (a video's feedback, one's
 * projects), remembered per
 * child for VPlanetListCache seconds (0, the default: built every time),
 * for one caller's session and one query.
 *
 * Every write of a project through this httpd (vp_project_tx, and a
 * project's creation and restoration) moves the project's counter, and
 * the counter of all projects, in the shared cache of the rate limits
 * after its commit; an answer remembered under another count is not used, and the
 * count is read before the database is asked, so an answer never outlives
 * a write made while it was being built. Membership and role changes are
 * such writes; a revoked session is refused before the lookup (the key
 * holds the session). What changes behind this httpd's back (vplanetd's
 * probe of a video, an account's nickname, SQL, another Apache node) shows
 * within the seconds: README "Configuration". */
#include "vplanet.h"

#include <apr_strings.h>
#include <http_config.h>
#include <stdlib.h>

#define VERSION_TTL 3600            /* > the longest cache time (60 s) */
#define MAX_ENTRIES 2000
#define MAX_BYTES (512 * 1024)      /* a larger answer is built every time */

#define REBUILD_TIME apr_time_from_sec(1)

typedef struct {
    char *data;             /* the answer's data as JSON text (malloc) */
    apr_time_t until;
    int32_t version;        /* the project's write count it was built under */
    apr_time_t rebuilt;     /* when a thread began building it again, or 0 */
} entry_t;

static vp_store_t *store;        /* NULL: no cache, every answer is built */

static void drop(void *entry)
{
    free(((entry_t *)entry)->data);
}

static void answers_child_init(apr_pool_t *p, server_rec *s)
{
    (void)s;
    store = vp_store_create(p, MAX_ENTRIES, drop);
}

void vp_answers_hooks(void)
{
    ap_hook_child_init(answers_child_init, NULL, NULL, APR_HOOK_MIDDLE);
}

/* The counter of one project's writes, or (NULL) of every project's: a
 * caller's list of projects changes with a write of any of them. */
static const char *version_key(apr_pool_t *p, const char *project_id)
{
    char *id = apr_pstrdup(p, project_id ? project_id : "*");

    ap_str_tolower(id);     /* a path may spell it in either case */
    return apr_pstrcat(p, "vplanet:project-writes:", id, NULL);
}

int vp_answer_find(vp_req_t *q, const char *project_id, vp_answer_t *a)
{
    apr_time_t now = apr_time_now();
    entry_t *e;

    a->key = NULL;
    if (!vp_config_list_cache(q->cfg) || !store || !q->who || q->who->kind != VP_KIND_USER
        || !q->who->sid
        || vp_version_read(q->r->server, q->r->pool, version_key(q->r->pool, project_id),
                          &a->version) != APR_SUCCESS)
        return 0;
    a->key = apr_pstrcat(q->r->pool, q->who->id, "/", q->who->sid, " ", q->r->uri, "?",
                         q->r->args ? q->r->args : "", NULL);
    vp_store_lock(store);
    e = vp_store_get(store, a->key);
    if (e && e->data && e->version == a->version) {
        /* once its time is up, one thread builds it again while the others
         * answer what it was (with no write since) instead of all asking
         * the database at once */
        if (e->until > now || (e->rebuilt && now - e->rebuilt < REBUILD_TIME))
            q->data_text = apr_pstrdup(q->r->pool, e->data);
        else
            e->rebuilt = now;
    }
    vp_store_unlock(store);
    return q->data_text != NULL;
}

void vp_answer_keep(vp_req_t *q, const vp_answer_t *a)
{
    const char *text;
    char *copy;
    entry_t *e;

    if (!a->key || !q->data)
        return;
    text = vp_json_dump(q->r->pool, q->data);
    /* the envelope takes the text: the data is written out once */
    q->data_text = text;
    q->data = NULL;
    if (strlen(text) > MAX_BYTES || !(copy = strdup(text)))
        return;
    vp_store_lock(store);
    e = vp_store_slot(store, a->key, sizeof *e);
    free(e->data);
    e->data = copy;
    e->until = apr_time_now() + apr_time_from_sec(vp_config_list_cache(q->cfg));
    e->version = a->version;
    e->rebuilt = 0;
    vp_store_unlock(store);
}

void vp_answers_changed(vp_req_t *q, const char *project_id)
{
    apr_status_t rv;

    if (!vp_config_list_cache(q->cfg))
        return;
    if ((rv = vp_store_outdate(q, store, version_key(q->r->pool, project_id), VERSION_TTL))
        || (rv = vp_store_outdate(q, store, version_key(q->r->pool, NULL), VERSION_TTL)))
        VP_LOG(q, APLOG_ERR, "VP0406: the project's write count could not be moved (%d)", rv);
}
