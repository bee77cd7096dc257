/* Feedback (spec section 6): notes pinned to a video's frames, with
 * drawings, ranges and tags; frame and SMPTE timecode from the video's
 * rate (vpcore/vp_timecode.c); anonymous authors hidden from all but the
 * project's admins and the author alike in lists, reads and events;
 * carry-over between versions of a stack. */
#include "../handlers.h"
#include "../db.h"

#include <apr_strings.h>
#include <math.h>

#include "vpcore/vp_drawing.h"
#include "vpcore/vp_timecode.h"

#define NO_FEEDBACK "no such feedback"
#define NO_VIDEO "no such video"
#define ANONYMOUS "Anonymous"
#define TAG_MAX 30

static const char *const feedback_keys[] = {
    "id", "project_id", "video_id", "author", "author_name", "display_mode", "display_name",
    "timestamp", "end_timestamp", "frame", "end_frame", "timecode", "end_timecode", "content",
    "kind", "priority", "status", "tags", "drawing_data", "screenshot_url", "comments_count",
    "reactions", "carried_from", "created_at", "updated_at", NULL
};

/* ?ordering= and its statement */
static const char *const orderings[] = {
    "timestamp", "-timestamp", "created_at", "-created_at", "priority", "-priority", NULL
};
/* by scope: the project, a video, a video without filters but status */
static const vp_sql_id ordered_lists[3][6] = {
    {VP_SQL_FEEDBACK_PROJECT_TIMESTAMP, VP_SQL_FEEDBACK_PROJECT_TIMESTAMP_DESC,
     VP_SQL_FEEDBACK_PROJECT_CREATED, VP_SQL_FEEDBACK_PROJECT_CREATED_DESC,
     VP_SQL_FEEDBACK_PROJECT_PRIORITY, VP_SQL_FEEDBACK_PROJECT_PRIORITY_DESC},
    {VP_SQL_FEEDBACK_VIDEO_TIMESTAMP, VP_SQL_FEEDBACK_VIDEO_TIMESTAMP_DESC,
     VP_SQL_FEEDBACK_VIDEO_CREATED, VP_SQL_FEEDBACK_VIDEO_CREATED_DESC,
     VP_SQL_FEEDBACK_VIDEO_PRIORITY, VP_SQL_FEEDBACK_VIDEO_PRIORITY_DESC},
    {VP_SQL_FEEDBACK_VIDEO_ALL_TIMESTAMP, VP_SQL_FEEDBACK_VIDEO_ALL_TIMESTAMP_DESC,
     VP_SQL_FEEDBACK_VIDEO_ALL_CREATED, VP_SQL_FEEDBACK_VIDEO_ALL_CREATED_DESC,
     VP_SQL_FEEDBACK_VIDEO_ALL_PRIORITY, VP_SQL_FEEDBACK_VIDEO_ALL_PRIORITY_DESC},
};
_Static_assert(sizeof ordered_lists[0] / sizeof *ordered_lists[0] + 1
               == sizeof orderings / sizeof *orderings, "an ordering without its statement");

static const char *const kinds[] = {"general", "technical", "creative", "urgent", NULL};

/* ---- a feedback as a caller sees it ---- */

/* Whose eyes: the caller's (admin: sees anonymous authors; me: sees its
 * own), or an event's (every member reads events: nobody's). */
typedef struct {
    int admin;
    const char *me;
} view_t;

static view_t caller_view(const vp_req_t *q)
{
    view_t v = {vp_may(q->who->kind, q->role, VP_ACT_FEEDBACK_MODERATE), q->who->id};

    return v;
}

static const view_t event_view = {0, NULL};

static const char *cell(const PGresult *res, int i, const char *name)
{
    int col = PQfnumber(res, name);

    return col < 0 || PQgetisnull(res, i, col) ? NULL : PQgetvalue(res, i, col);
}

vp_clip_t vp_clip_of(const PGresult *res, int i)
{
    const char *num = cell(res, i, "fps_num"), *den = cell(res, i, "fps_den"),
               *dur = cell(res, i, "duration_s");
    vp_clip_t c = {{0, 0}, dur ? strtod(dur, NULL) : -1};

    if (num && den) {
        c.rate.num = strtoll(num, NULL, 10);
        c.rate.den = strtoll(den, NULL, 10);
    }
    return c;
}

/* frame and timecode of a position (null without a rate or a position) */
static void frame_fields(apr_pool_t *p, json_t *item, const vp_clip_t *c, const char *ts_key,
                         const char *frame_key, const char *tc_key, const json_t *keep)
{
    json_t *t = json_object_get(item, ts_key);
    int known = c->rate.num > 0 && json_is_number(t);
    int64_t f = known ? vp_frame_at(c->rate, json_number_value(t)) : 0;

    if (vp_list_wanted(keep, frame_key))
        json_object_set_new(item, frame_key, known ? json_integer(f) : json_null());
    if (vp_list_wanted(keep, tc_key))
        json_object_set_new(item, tc_key,
                            known ? json_string(vp_timecode(p, c->rate, f, 1)) : json_null());
}

/* Completes row i into the feedback a viewer sees (ctx: its view_t). */
static void complete(vp_req_t *q, const PGresult *res, int i, json_t *item, const json_t *keep,
                     void *ctx)
{
    const view_t *v = ctx;
    const char *mode = cell(res, i, "display_mode"), *author = cell(res, i, "author.id");
    int anonymous = strcmp(mode, "anonymous") == 0;
    int hidden = anonymous && !v->admin && !(author && v->me && strcasecmp(author, v->me) == 0);
    vp_clip_t c = vp_clip_of(res, i);

    if (hidden && vp_list_wanted(keep, "author"))
        json_object_set_new(item, "author", json_null());
    if (vp_list_wanted(keep, "author_name")) {
        const char *guest = cell(res, i, "guest_email");
        /* a guest's feedback names its invited address (spec section 7) */
        const char *nick = guest && !author
                               ? apr_pstrcat(q->r->pool, "guest (", guest, ")", NULL)
                               : cell(res, i, "author.nickname");
        const char *name = hidden ? ANONYMOUS
                           : anonymous ? apr_pstrcat(q->r->pool, nick ? nick : "?",
                                                     " (" ANONYMOUS ")", NULL)
                           : strcmp(mode, "nickname") == 0 ? cell(res, i, "display_name")
                           : nick;

        json_object_set_new(item, "author_name", name ? json_string(name) : json_null());
    }
    /* times need their timestamps: computed before ?fields= drops them */
    if (keep && !json_object_get(item, "timestamp") && (vp_list_wanted(keep, "frame")
                                                        || vp_list_wanted(keep, "timecode")))
        json_object_set_new(item, "timestamp", json_real(strtod(cell(res, i, "timestamp"), NULL)));
    frame_fields(q->r->pool, item, &c, "timestamp", "frame", "timecode", keep);
    if (keep && !json_object_get(item, "end_timestamp") && cell(res, i, "end_timestamp"))
        json_object_set_new(item, "end_timestamp",
                            json_real(strtod(cell(res, i, "end_timestamp"), NULL)));
    frame_fields(q->r->pool, item, &c, "end_timestamp", "end_frame", "end_timecode", keep);
    if (keep) {
        if (!vp_list_wanted(keep, "timestamp"))
            json_object_del(item, "timestamp");
        if (!vp_list_wanted(keep, "end_timestamp"))
            json_object_del(item, "end_timestamp");
    }
    if (vp_list_wanted(keep, "screenshot_url"))
        json_object_set_new(item, "screenshot_url",
                            vp_shot_url(q, cell(res, i, "id"),
                                           cell(res, i, "screenshot_type") && v->me));
    if (vp_list_wanted(keep, "reactions") && !json_object_get(item, "reactions"))
        json_object_set_new(item, "reactions", json_object());
    json_object_del(item, "screenshot_type");
    json_object_del(item, "guest_email");
    json_object_del(item, "fps_num");
    json_object_del(item, "fps_den");
}

/* Row i of res as v sees it (pool-owned). */
static json_t *feedback_of(vp_req_t *q, const PGresult *res, int i, const view_t *v)
{
    json_t *item = vp_json_pool(q->r->pool, vp_db_row(res, i));

    complete(q, res, i, item, NULL, (void *)v);
    return item;
}

json_t *vp_feedback_items(vp_req_t *q, const PGresult *res)
{
    json_t *items = vp_json_pool(q->r->pool, json_array());
    view_t v = caller_view(q);
    int i;

    for (i = 0; i < PQntuples(res); i++)
        json_array_append(items, feedback_of(q, res, i, &v));
    return items;
}

/* ---- reads ---- */

/* {stats: {open, in_progress, resolved, closed}} from the count part's
 * columns 1 to 4 ("stats.open"...) */
static json_t *stats_of(vp_req_t *q, const PGresult *res)
{
    json_t *stats = json_object();
    int col;

    for (col = 1; col < 5; col++)
        json_object_set_new(stats, strchr(PQfname(res, col), '.') + 1,
                            json_integer(strtol(PQgetvalue(res, 0, col), NULL, 10)));
    return vp_json_pool(q->r->pool, json_pack("{s:o}", "stats", stats));
}

int vp_h_feedback_list(vp_req_t *q)
{
    const char *video = NULL, *status = NULL, *priority = NULL, *author = NULL, *tag = NULL;
    const char *kind = NULL, *ordering = NULL;
    vp_page_t pg;
    vp_answer_t remembered;
    PGresult *res;
    view_t v;
    int st, i;

    /* a screen polling its list: the same answer while nothing was written */
    if ((st = vp_identify(q)))
        return st;
    if (vp_answer_find(q, vp_param(&q->params, "id"), &remembered))
        return vp_ok(q, HTTP_OK, "feedback", NULL);
    if ((st = vp_project_access(q, VP_ACT_VIEW)) || (st = vp_list_page(q, &pg))
        || (st = vp_list_arg(q, "video_id", NULL, 1, &video))
        || (st = vp_list_arg(q, "status", vp_feedback_statuses, 0, &status))
        || (st = vp_list_arg(q, "priority", vp_feedback_priorities, 0, &priority))
        || (st = vp_list_arg(q, "author", NULL, 1, &author))
        || (st = vp_list_arg(q, "tag", NULL, 0, &tag))
        || (st = vp_list_arg(q, "kind", kinds, 0, &kind))
        || (st = vp_list_arg(q, "ordering", orderings, 0, &ordering)))
        return st;
    if (tag && (vp_utf8_len(tag) < 1 || vp_utf8_len(tag) > TAG_MAX))
        return vp_fail_field(q, HTTP_UNPROCESSABLE_ENTITY, "tag", "must be 1 to 30 characters");
    for (i = 0; ordering && strcmp(orderings[i], ordering); i++)
        ;
    v = caller_view(q);
    if ((st = vp_db_run(q, ordered_lists[!video ? 0 : priority || author || tag || kind ? 1 : 2][i],
                        &res, 10,
                        VP_PARAMS(q->project_id, video, status, priority, author, tag, kind,
                                  /* an author's anonymous feedback is found by who may see it */
                                  v.admin || (author && !strcasecmp(author, v.me)) ? "t" : "f",
                                  apr_ltoa(q->r->pool, pg.size), apr_ltoa(q->r->pool, pg.offset)))))
        return st;
    if ((st = vp_list_ok_from(q, &pg, res, 5, stats_of(q, res), feedback_keys, "feedback",
                              complete, &v)) == HTTP_OK)
        vp_answer_keep(q, &remembered);
    return st;
}

int vp_h_feedback_get(vp_req_t *q)
{
    const char *id;
    PGresult *res;
    view_t v;
    int st;

    if ((st = vp_param_uuid(q, "id", NO_FEEDBACK, &id))
        || (st = vp_object_access(q, VP_ACT_VIEW, VP_SQL_FEEDBACK_ACCESS, id, NO_FEEDBACK, NULL))
        || (st = vp_db_exec(q, VP_SQL_FEEDBACK_GET, &res, id)))
        return st;
    if (!PQntuples(res))
        return vp_fail(q, HTTP_NOT_FOUND, NULL, NO_FEEDBACK, NULL);
    v = caller_view(q);
    return vp_ok(q, HTTP_OK, "feedback", json_incref(feedback_of(q, res, 0, &v)));
}

/* ---- positions: seconds, a frame or a timecode ---- */

/* A position a body gives: absent, null (an end cleared) or a time. */
typedef enum { POS_ABSENT, POS_NULL, POS_SET } pos_given_t;

/* The last frame a position may name on clip c (rate and length known):
 * a start its last frame, an end (exclusive) the end of it. */
static int64_t last_frame(const vp_clip_t *c, int end)
{
    return vp_frame_count(c->rate, c->duration) - (end ? 0 : 1);
}

static int past_end(vp_req_t *q, const char *field, const vp_clip_t *c)
{
    return vp_fail_field(q, HTTP_UNPROCESSABLE_ENTITY, field,
                         c->rate.num > 0
                         ? apr_psprintf(q->r->pool, "is past the end of the video (%.3f s, frames"
                                        " 0 to %" APR_INT64_T_FMT ")", c->duration,
                                        (apr_int64_t)vp_frame_count(c->rate, c->duration) - 1)
                         : apr_psprintf(q->r->pool, "is past the end of the video (%.3f s)",
                                        c->duration));
}

/* The position body gives under prefix ("" or "end_") as the start of its
 * frame on clip c: *given and *t; 0, or a 422 recorded. */
static int position(vp_req_t *q, json_t *body, const char *prefix, const vp_clip_t *c,
                    pos_given_t *given, double *t)
{
    apr_pool_t *p = q->r->pool;
    const char *ts_key = apr_pstrcat(p, prefix, "timestamp", NULL),
               *fr_key = apr_pstrcat(p, prefix, "frame", NULL),
               *tc_key = apr_pstrcat(p, prefix, "timecode", NULL);
    json_t *ts = json_object_get(body, ts_key), *fr = json_object_get(body, fr_key),
           *tc = json_object_get(body, tc_key);
    int64_t f;

    *given = POS_ABSENT;
    if (!!ts + !!fr + !!tc > 1)
        return vp_fail_field(q, HTTP_UNPROCESSABLE_ENTITY, ts_key,
                             apr_psprintf(p, "give one of %s, %s or %s", ts_key, fr_key, tc_key));
    if (!ts && !fr && !tc)
        return 0;
    if (json_is_null(ts) || json_is_null(fr) || json_is_null(tc)) {
        *given = POS_NULL;
        return 0;
    }
    *given = POS_SET;
    if (!ts && c->rate.num <= 0)
        return vp_fail_field(q, HTTP_UNPROCESSABLE_ENTITY, fr ? fr_key : tc_key,
                             "needs the video's frame rate, which is not known yet"
                             " (give the time in seconds)");
    if (c->rate.num <= 0) {             /* seconds as given, until the rate is known */
        *t = json_number_value(ts);
        if (c->duration >= 0 && *t > c->duration + 1e-6)
            return past_end(q, ts_key, c);
        return 0;
    }
    if (fr)
        f = json_integer_value(fr);
    else if (tc) {
        const char *why = vp_timecode_parse(c->rate, json_string_value(tc), &f);

        if (why)
            return vp_fail_field(q, HTTP_UNPROCESSABLE_ENTITY, tc_key, why);
    } else {
        if (c->duration >= 0 && json_number_value(ts) > c->duration + 1e-6)
            return past_end(q, ts_key, c);
        f = vp_frame_at(c->rate, json_number_value(ts));
    }
    if (c->duration >= 0 && f > last_frame(c, *prefix)) {
        /* the very end of the video is its last frame (an end: the end of
         * it); a frame after it is not */
        if (!ts || last_frame(c, *prefix) < 0)
            return past_end(q, fr ? fr_key : tc ? tc_key : ts_key, c);
        f = last_frame(c, *prefix);
    }
    if ((*t = vp_frame_start(c->rate, f)) > 86400)
        return vp_fail_field(q, HTTP_UNPROCESSABLE_ENTITY, fr ? fr_key : tc_key,
                             "is past 24 hours");
    return 0;
}

/* The positions of body into row (timestamp_s, end_timestamp_s), the
 * start required when creating; start and end: the stored ones (end < 0:
 * none) for an update. 0 or a 422 recorded. */
static int positions(vp_req_t *q, json_t *body, const vp_clip_t *c, int create, double start,
                     double end, json_t *row)
{
    pos_given_t gs, ge;
    int st;

    if ((st = position(q, body, "", c, &gs, &start))
        || (st = position(q, body, "end_", c, &ge, &end)))
        return st;
    if (gs == POS_NULL || (create && gs == POS_ABSENT))
        return vp_fail_field(q, HTTP_UNPROCESSABLE_ENTITY, "timestamp",
                             "is required (or frame, or timecode)");
    if (gs == POS_SET)
        json_object_set_new(row, "timestamp_s", json_real(start));
    if (ge == POS_NULL)
        json_object_set_new(row, "end_timestamp_s", json_null());
    else if (ge == POS_SET)
        json_object_set_new(row, "end_timestamp_s", json_real(end));
    if ((ge == POS_SET || (gs == POS_SET && end >= 0)) && ge != POS_NULL && end <= start)
        return vp_fail_field(q, HTTP_UNPROCESSABLE_ENTITY, "end_timestamp",
                             "must be after timestamp (a later frame)");
    return 0;
}

/* ---- writes ---- */

/* The columns body sets besides positions, into row; tags and drawing
 * checked (422 naming each problem). */
static int content_of(vp_req_t *q, json_t *body, json_t *row)
{
    static const char *const plain[] = {"content", "kind", "display_mode", "display_name",
                                        "priority", "status", "drawing_data", NULL};
    json_t *details = vp_json_pool(q->r->pool, json_object()), *tags, *tag;
    const char *const *k;
    size_t i;

    for (k = plain; *k; k++)
        if (json_object_get(body, *k))
            json_object_set(row, *k, json_object_get(body, *k));
    if ((tags = json_object_get(body, "tags"))) {
        json_t *clean = json_array();

        json_array_foreach(tags, i, tag) {
            const char *t = json_string_value(tag);
            char *field = apr_psprintf(q->r->pool, "tags[%" APR_SIZE_T_FMT "]", i);
            size_t j;

            if (!t || !vp_utf8_valid(t) || vp_utf8_len(t) < 1 || vp_utf8_len(t) > TAG_MAX)
                vp_detail_add(details, field, "must be text of 1 to 30 characters");
            for (j = 0; t && j < json_array_size(clean); j++)
                if (strcmp(t, json_string_value(json_array_get(clean, j))) == 0)
                    break;
            if (t && j == json_array_size(clean))   /* a tag given twice is one tag */
                json_array_append(clean, tag);
        }
        json_object_set_new(row, "tags", clean);
    }
    if (json_is_object(json_object_get(body, "drawing_data")))
        vp_drawing_check(json_object_get(body, "drawing_data"), "drawing_data", details);
    if (json_object_size(details))
        return vp_fail(q, HTTP_UNPROCESSABLE_ENTITY, NULL, "invalid feedback", details);
    return 0;
}

/* 1 when the feedback is anonymous before (the access row acc) or after
 * (a body's display_mode) the write: its author's events name no actor. */
static int is_anonymous(const json_t *body, const PGresult *acc)
{
    const char *now = acc ? cell(acc, 0, "display_mode") : NULL;
    const char *next = body ? json_string_value(json_object_get(body, "display_mode")) : NULL;

    return (now && !strcmp(now, "anonymous")) || (next && !strcmp(next, "anonymous"));
}

/* 1 when the caller wrote the feedback of the access row res */
static int is_author(const vp_req_t *q, const PGresult *res)
{
    const char *author = cell(res, 0, "author_id");

    return author && q->who->kind == VP_KIND_USER && strcasecmp(author, q->who->id) == 0;
}

/* After an insert or update, under the lock: the answer (the caller's
 * view) and the event (nobody's) from the feedback as it now is. */
static int answer_feedback(vp_req_t *q, const char *id, json_t **out, json_t **event)
{
    PGresult *res;
    view_t v = caller_view(q);
    int st;

    if ((st = vp_db_exec(q, VP_SQL_FEEDBACK_GET, &res, id)))
        return st;
    if (!PQntuples(res))
        return vp_fail(q, HTTP_NOT_FOUND, NULL, NO_FEEDBACK, NULL);
    *out = feedback_of(q, res, 0, &v);
    *event = feedback_of(q, res, 0, &event_view);
    return 0;
}

static int created(vp_req_t *q, const PGresult *res, json_t **out, json_t **event)
{
    view_t v = caller_view(q);
    int st;

    /* the video went between the check and the lock */
    if (!PQntuples(res))
        return vp_fail_field(q, HTTP_UNPROCESSABLE_ENTITY, "video_id",
                             "names no video of this project");
    if ((st = vp_shot_store(q, q->ctx, cell(res, 0, "id")))
        || (st = vp_notify_feedback(q, cell(res, 0, "id"))))
        return st;
    *out = feedback_of(q, res, 0, &v);
    *event = feedback_of(q, res, 0, &event_view);
    return 0;
}

static const vp_write_t feedback_created = {
    .action = VP_ACT_FEEDBACK, .event = "feedback.created", .touch = 1, .status = HTTP_CREATED,
    .message = "feedback created", .after = created,
};

int vp_h_feedback_create(vp_req_t *q)
{
    json_t *body, *row;
    const char *video;
    vp_shot_t *shot = apr_pcalloc(q->r->pool, sizeof *shot);
    PGresult *res;
    vp_clip_t c;
    int st, guest;

    if ((st = vp_project_access(q, VP_ACT_FEEDBACK))
        || (st = vp_shot_read(q, vp_feedback_create_fields, &body, shot)))
        return st;
    row = vp_json_pool(q->r->pool, json_object());
    video = vp_str(body, "video_id");
    q->ctx = shot;
    q->anonymous = is_anonymous(body, NULL);
    if ((st = vp_shot_column(q, shot, row)) || (st = content_of(q, body, row))
        || (st = vp_db_exec(q, VP_SQL_FEEDBACK_VIDEO, &res, q->project_id, video)))
        return st;
    if (!PQntuples(res))
        return vp_fail_field(q, HTTP_UNPROCESSABLE_ENTITY, "video_id",
                             "names no video of this project");
    c = vp_clip_of(res, 0);
    guest = q->who->kind == VP_KIND_GUEST;
    if (guest)      /* no account: the author is the invited address */
        json_object_set_new(row, "guest_email", json_string(q->who->email));
    if ((st = positions(q, body, &c, 1, 0, -1, row))
        /* only feedback that would be created counts against the limit;
         * a guest's against its invitation's (spec section 7) */
        || (st = vp_rate_limit(q, guest ? VP_RL_GUEST : VP_RL_FEEDBACK, q->who->id)))
        return st;
    return vp_write(q, &feedback_created, NULL, VP_SQL_FEEDBACK_INSERT, q->project_id, video,
                    guest ? NULL : q->who->id, vp_json_dump(q->r->pool, row));
}

static int updated(vp_req_t *q, const PGresult *res, json_t **out, json_t **event)
{
    const char *id = vp_param(&q->params, "id");
    const vp_shot_t *shot = q->ctx;
    int st;

    (void)res;
    if ((st = vp_shot_store(q, shot, id)))
        return st;
    return answer_feedback(q, id, out, event);
}

static const vp_write_t feedback_updated = {
    .action = VP_ACT_FEEDBACK, .event = "feedback.updated", .touch = 1, .status = HTTP_OK,
    .message = "feedback updated", .missing = NO_FEEDBACK, .after = updated,
};
/* Under the lock, before the update (params: project, feedback, changes):
 * a new status is told to the author while the one it replaces is still
 * there to compare with. */
static int triaging(vp_req_t *q, const char *const *params)
{
    return vp_notify_status_change(q, params[1], params[2]);
}

/* the same, for a change of status or priority: editors and above */
static const vp_write_t feedback_triaged = {
    .action = VP_ACT_FEEDBACK_TRIAGE, .event = "feedback.updated", .touch = 1,
    .status = HTTP_OK, .message = "feedback updated", .missing = NO_FEEDBACK,
    .before = triaging, .after = updated,
};

int vp_h_feedback_update(vp_req_t *q)
{
    const char *id;
    const char *end;
    json_t *body, *row;
    vp_shot_t *shot = apr_pcalloc(q->r->pool, sizeof *shot);
    PGresult *acc;
    vp_clip_t c;
    int st, triage, content;
    void *it;

    if ((st = vp_param_uuid(q, "id", NO_FEEDBACK, &id))
        || (st = vp_object_access(q, VP_ACT_READ, VP_SQL_FEEDBACK_ACCESS, id, NO_FEEDBACK, &acc))
        || (st = vp_shot_read(q, vp_feedback_update_fields, &body, shot)))
        return st;
    q->ctx = shot;
    triage = json_object_get(body, "status") || json_object_get(body, "priority");
    /* anything else, an empty PATCH included, is the author's */
    content = shot->type != NULL || !triage;
    for (it = json_object_iter(body); it; it = json_object_iter_next(body, it))
        if (strcmp(json_object_iter_key(it), "status") && strcmp(json_object_iter_key(it), "priority"))
            content = 1;
    if (triage && !vp_may(q->who->kind, q->role, VP_ACT_FEEDBACK_TRIAGE))
        return vp_fail(q, HTTP_FORBIDDEN, NULL,
                       "only editors and above change a feedback's status or priority", NULL);
    if (content && !(is_author(q, acc) && vp_may(q->who->kind, q->role, VP_ACT_FEEDBACK)))
        return vp_fail(q, HTTP_FORBIDDEN, NULL, "only its author edits a feedback", NULL);
    row = vp_json_pool(q->r->pool, json_object());
    c = vp_clip_of(acc, 0);
    q->anonymous = is_author(q, acc) && is_anonymous(body, acc);
    end = cell(acc, 0, "end_timestamp_s");
    if ((st = vp_shot_column(q, shot, row)) || (st = content_of(q, body, row))
        || (st = positions(q, body, &c, 0, strtod(cell(acc, 0, "timestamp_s"), NULL),
                           end ? strtod(end, NULL) : -1, row)))
        return st;
    return vp_write(q, triage ? &feedback_triaged : &feedback_updated, NULL,
                    VP_SQL_FEEDBACK_UPDATE, q->project_id, id, vp_json_dump(q->r->pool, row));
}

static const vp_write_t feedback_deleted = {
    .action = VP_ACT_FEEDBACK, .event = "feedback.deleted", .touch = 1, .status = HTTP_OK,
    .message = "feedback deleted", .missing = NO_FEEDBACK,
};
/* the same, of someone else's: admins and the owner */
static const vp_write_t feedback_removed = {
    .action = VP_ACT_FEEDBACK_MODERATE, .event = "feedback.deleted", .touch = 1,
    .status = HTTP_OK, .message = "feedback deleted", .missing = NO_FEEDBACK,
};

int vp_h_feedback_delete(vp_req_t *q)
{
    const char *id;
    PGresult *acc;
    int st, mine;

    if ((st = vp_param_uuid(q, "id", NO_FEEDBACK, &id))
        || (st = vp_object_access(q, VP_ACT_READ, VP_SQL_FEEDBACK_ACCESS, id, NO_FEEDBACK, &acc)))
        return st;
    mine = is_author(q, acc);
    q->anonymous = mine && is_anonymous(NULL, acc);
    if (!vp_may(q->who->kind, q->role, mine ? VP_ACT_FEEDBACK : VP_ACT_FEEDBACK_MODERATE))
        return vp_fail(q, HTTP_FORBIDDEN, NULL,
                       "only its author or an admin deletes a feedback", NULL);
    return vp_write(q, mine ? &feedback_deleted : &feedback_removed,
                    json_pack("{s:s, s:s}", "id", id, "video_id", cell(acc, 0, "video_id")),
                    VP_SQL_FEEDBACK_DELETE, q->project_id, id);
}

/* ---- carry-over between versions ---- */

/* t on clip c: at the start of its frame, at most the last one a start
 * (end 0) or an end may name */
static double clamp(const vp_clip_t *c, double t, int end)
{
    int64_t f;

    if (c->duration >= 0 && t > c->duration)
        t = c->duration;
    if (c->rate.num <= 0)
        return t;
    f = vp_frame_at(c->rate, t);
    if (c->duration >= 0 && f > last_frame(c, end) && last_frame(c, end) >= 0)
        f = last_frame(c, end);
    return vp_frame_start(c->rate, f);
}

static int carried(vp_req_t *q, const PGresult *pair, json_t **out, json_t **event)
{
    apr_pool_t *p = q->r->pool;
    const char *target = vp_param(&q->params, "id"), *from = q->ctx;
    const char *ids = "{", *starts = "{", *ends = "{", *made = "{";
    vp_clip_t c = vp_clip_of(pair, 0);
    PGresult *src, *ins, *rows;
    view_t v = event_view;
    int st, i, n;

    if (cell(pair, 0, "found")[0] != 't')
        return vp_fail_field(q, HTTP_UNPROCESSABLE_ENTITY, "from_video_id",
                             "names no video of this project");
    if (cell(pair, 0, "earlier")[0] != 't')
        return vp_fail_field(q, HTTP_UNPROCESSABLE_ENTITY, "from_video_id",
                             "is not an earlier version of this video");
    if ((st = vp_db_exec(q, VP_SQL_FEEDBACK_CARRY_SOURCE, &src, from)))
        return st;
    n = PQntuples(src);
    for (i = 0; i < n; i++) {
        const char *sep = i ? "," : "", *e = cell(src, i, "end_timestamp_s");
        double began = strtod(cell(src, i, "timestamp_s"), NULL), ts = clamp(&c, began, 0);
        /* a range that began past this version's end is a point at its end */
        double te = e && (c.duration < 0 || began < c.duration) ? clamp(&c, strtod(e, NULL), 1)
                                                               : -1;

        ids = apr_pstrcat(p, ids, sep, cell(src, i, "id"), NULL);
        starts = apr_psprintf(p, "%s%s%.17g", starts, sep, ts);
        /* a range cut to nothing by the shorter version is a point */
        ends = te > ts ? apr_psprintf(p, "%s%s%.17g", ends, sep, te)
                       : apr_pstrcat(p, ends, sep, "NULL", NULL);
    }
    if ((st = vp_db_exec(q, VP_SQL_FEEDBACK_CARRY_INSERT, &ins, target,
                         apr_pstrcat(p, ids, "}", NULL), apr_pstrcat(p, starts, "}", NULL),
                         apr_pstrcat(p, ends, "}", NULL))))
        return st;
    for (i = 0; i < PQntuples(ins); i++)
        made = apr_pstrcat(p, made, i ? "," : "", PQgetvalue(ins, i, 0), NULL);
    if ((st = vp_db_exec(q, VP_SQL_FEEDBACK_GET_MANY, &rows, apr_pstrcat(p, made, "}", NULL))))
        return st;
    /* each copy is a new feedback to whoever shows the version */
    for (i = 0; i < PQntuples(rows); i++)
        if ((st = vp_event(q, "feedback.created", feedback_of(q, rows, i, &v))))
            return st;
    *out = vp_json_pool(p, json_pack("{s:s, s:s, s:i, s:i}", "video_id", target,
                                     "from_video_id", from, "carried", PQntuples(ins),
                                     "skipped", n - PQntuples(ins)));
    *event = *out;
    return 0;
}

static const vp_write_t feedback_carried = {
    .action = VP_ACT_FEEDBACK_TRIAGE, .event = "feedback.carried", .touch = 1,
    .status = HTTP_OK, .message = "feedback carried over", .missing = NO_VIDEO,
    .after = carried,
};

int vp_h_feedback_carry(vp_req_t *q)
{
    const char *id;
    json_t *body;
    int st;

    if ((st = vp_param_uuid(q, "id", NO_VIDEO, &id))
        || (st = vp_object_access(q, VP_ACT_FEEDBACK_TRIAGE, VP_SQL_VIDEO_PROJECT, id, NO_VIDEO,
                                  NULL))
        || (st = vp_read_json(q, vp_feedback_carry_fields, &body)))
        return st;
    q->ctx = (void *)vp_str(body, "from_video_id");
    return vp_write(q, &feedback_carried, NULL, VP_SQL_FEEDBACK_CARRY_PAIR, q->project_id, id,
                    (const char *)q->ctx);
}
