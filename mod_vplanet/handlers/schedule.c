/* The production schedule (spec section 4): the eight phases of a
 * project, in order; PUT changes the phases it names and keeps the rest. */
#include "../handlers.h"
#include "../db.h"

static int fetch(vp_req_t *q, json_t **out)
{
    PGresult *res;
    int st = vp_db_exec(q, VP_SQL_PHASES_GET, &res, q->project_id);

    if (st)
        return st;
    *out = vp_json_pool(q->r->pool, json_pack("{s:o}", "phases", vp_db_rows(res)));
    return 0;
}

int vp_h_schedule_get(vp_req_t *q)
{
    json_t *out;
    int st;

    if ((st = vp_project_access(q, VP_ACT_READ)) || (st = fetch(q, &out)))
        return st;
    return vp_ok(q, HTTP_OK, "schedule", json_incref(out));
}

static const vp_write_t schedule_updated = {
    .action = VP_ACT_SCHEDULE, .event = "schedule.updated", .touch = 1, .status = HTTP_OK,
    .message = "schedule updated", .answer = fetch,
};

int vp_h_schedule_put(vp_req_t *q)
{
    json_t *body, *phases, *item;
    size_t i, j;
    int st;

    if ((st = vp_project_access(q, VP_ACT_SCHEDULE))
        || (st = vp_read_json(q, vp_schedule_fields, &body)))
        return st;
    phases = json_object_get(body, "phases");
    json_array_foreach(phases, i, item)
        for (j = 0; j < i; j++)
            if (strcmp(vp_str(item, "phase"), vp_str(json_array_get(phases, j), "phase")) == 0)
                return vp_fail_field(q, HTTP_UNPROCESSABLE_ENTITY, "phases", "names a phase twice");
    return vp_write(q, &schedule_updated, NULL, VP_SQL_PHASES_UPDATE, q->project_id,
                    vp_json_dump(q->r->pool, phases));
}
