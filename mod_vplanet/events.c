/* Events: the record of every committed change, for realtime clients. */
#include "vplanet.h"
#include "db.h"

int vp_event(vp_req_t *q, const char *type, json_t *payload)
{
    return vp_db_exec(q, VP_SQL_EVENT_INSERT, NULL, q->project_id, type,
                      q->who && q->who->kind == VP_KIND_USER && !q->anonymous ? q->who->id : NULL,
                      vp_json_dump(q->r->pool, payload));
}
