/* Feedback exports for editors (spec section 6): a project's feedback as
 * CSV or JSON, one video's also as the marker files of editing software
 * (vpcore/vp_export.c writes them). Downloads, not envelopes; the errors
 * before one are envelopes as everywhere. */
#include "../handlers.h"
#include "../db.h"

#include <apr_strings.h>
#include <apr_time.h>

#include "vpcore/vp_export.h"

#define NO_VIDEO "no such video"

typedef struct {
    const char *format, *ext, *type;
    int needs_rate;             /* timecodes are the file: a known rate */
} format_t;

static const format_t formats[] = {
    {"csv", "csv", "text/csv; charset=utf-8", 0},
    {"json", "json", "application/json; charset=utf-8", 0},
    {"edl", "edl", "text/plain; charset=utf-8", 1},
    {"fcpxml", "fcpxml", "application/xml; charset=utf-8", 1},
    {"resolve", "csv", "text/csv; charset=utf-8", 1},
};

/* ?format= among the first n formats (default csv): 0 or a 422 recorded. */
static int format_of(vp_req_t *q, int n, const format_t **f)
{
    const char *want = apr_table_get(q->args, "format");
    int i;

    for (i = 0; i < n; i++)
        if (!want || strcmp(want, formats[i].format) == 0) {
            *f = &formats[i];
            return 0;
        }
    return vp_fail_field(q, HTTP_UNPROCESSABLE_ENTITY, "format",
                         n == 2 ? "must be csv or json" : "must be csv, json, edl, fcpxml or resolve");
}

/* now as RFC 3339 UTC, microseconds (as the API writes times) */
static const char *now_rfc3339(apr_pool_t *p)
{
    apr_time_t t = apr_time_now();
    apr_time_exp_t e;
    apr_size_t n;
    char buf[32];

    apr_time_exp_gmt(&e, t);
    apr_strftime(buf, &n, sizeof buf, "%Y-%m-%dT%H:%M:%S", &e);
    return apr_psprintf(p, "%s.%06dZ", buf, e.tm_usec);
}

static char *as_json(vp_req_t *q, json_t *head, json_t *items, size_t *len)
{
    char *text;

    json_object_set(head, "feedback", items);
    text = vp_json_dump(q->r->pool, head);
    *len = strlen(text);
    return text;
}

static int write_failed(vp_req_t *q, const char *what)
{
    return vp_fail_internal(q, HTTP_INTERNAL_SERVER_ERROR, "the export could not be written",
                            "VP0631: writing a %s export failed", what);
}

int vp_h_feedback_export_project(vp_req_t *q)
{
    const format_t *f = formats;
    PGresult *res;
    json_t *items;
    char *text;
    size_t len;
    int st;

    if ((st = vp_project_access(q, VP_ACT_FEEDBACK_TRIAGE)) || (st = format_of(q, 2, &f))
        || (st = vp_db_exec(q, VP_SQL_FEEDBACK_EXPORT_PROJECT, &res, q->project_id)))
        return st;
    items = vp_feedback_items(q, res);
    text = f->format[0] == 'c'
           ? vp_export_csv(q->r->pool, items, 1, &len)
           : as_json(q, vp_json_pool(q->r->pool, json_pack("{s:s, s:s}", "project_id",
                                                            q->project_id, "exported_at",
                                                            now_rfc3339(q->r->pool))),
                     items, &len);
    if (!text)
        return write_failed(q, f->format);
    return vp_media_send(q, f->type, apr_pstrcat(q->r->pool, "project_", q->project_id,
                                                  "_feedback.", f->ext, NULL),
                         text, len);
}

int vp_h_feedback_export_video(vp_req_t *q)
{
    const char *id;
    const format_t *f = formats;
    vp_export_video_t clip = {0};
    vp_clip_t c;
    PGresult *res, *rows;
    json_t *items;
    char *text = NULL, *name;
    size_t len = 0;
    int st;

    if ((st = vp_param_uuid(q, "id", NO_VIDEO, &id))
        || (st = vp_object_access(q, VP_ACT_FEEDBACK_TRIAGE, VP_SQL_VIDEO_PROJECT, id, NO_VIDEO,
                                  NULL))
        || (st = format_of(q, sizeof formats / sizeof *formats, &f))
        || (st = vp_db_exec(q, VP_SQL_FEEDBACK_EXPORT_CLIP, &res, id)))
        return st;
    if (!PQntuples(res))
        return vp_fail(q, HTTP_NOT_FOUND, NULL, NO_VIDEO, NULL);
    clip.title = PQgetvalue(res, 0, 0);
    clip.version = atoi(PQgetvalue(res, 0, 1));
    c = vp_clip_of(res, 0);
    clip.rate = c.rate;
    clip.duration = c.duration;
    clip.width = atoi(PQgetvalue(res, 0, 5));     /* "" for NULL: 0, unknown */
    clip.height = atoi(PQgetvalue(res, 0, 6));
    clip.file_name = PQgetvalue(res, 0, 7);
    if (f->needs_rate && clip.rate.num <= 0)
        return vp_fail_field(q, HTTP_UNPROCESSABLE_ENTITY, "format",
                             "needs the video's frame rate, which is not known yet"
                             " (the video is still being processed)");
    if ((st = vp_db_exec(q, VP_SQL_FEEDBACK_EXPORT_VIDEO, &rows, id)))
        return st;
    items = vp_feedback_items(q, rows);
    switch (f->format[0]) {
    case 'c': text = vp_export_csv(q->r->pool, items, 0, &len); break;
    case 'e': text = vp_export_edl(q->r->pool, &clip, items, &len); break;
    case 'f': text = vp_export_fcpxml(q->r->pool, &clip, items, &len); break;
    case 'r': text = vp_export_resolve(q->r->pool, &clip, items, &len); break;
    default:
        text = as_json(q, vp_json_pool(q->r->pool,
                                       json_pack("{s:s, s:s, s:i, s:s?, s:o, s:s}", "video_id", id,
                                                 "title", clip.title, "version", clip.version,
                                                 "fps", c.rate.num > 0
                                                 ? apr_psprintf(q->r->pool, "%" APR_INT64_T_FMT "/%"
                                                                APR_INT64_T_FMT,
                                                                (apr_int64_t)c.rate.num,
                                                                (apr_int64_t)c.rate.den)
                                                 : NULL,
                                                 "duration_s", clip.duration < 0 ? json_null()
                                                 : json_real(clip.duration), "exported_at",
                                                 now_rfc3339(q->r->pool))),
                       items, &len);
    }
    name = vp_export_filename(q->r->pool, clip.title, clip.version,
                              f->format[0] == 'r' ? "resolve.csv" : f->ext);
    if (!text || !name)
        return write_failed(q, f->format);
    return vp_media_send(q, f->type, name, text, len);
}
