/* Feedback screenshots (spec section 6): the image a feedback write brings,
 * as a data URL in its JSON or as a multipart form's file, checked by its
 * bytes and stored under the feedback's id; served like a video's poster
 * from a signed URL. */
#include "../handlers.h"
#include "../db.h"

#include <apr_strings.h>

#include "vpcore/vp_multipart.h"

#define NO_FEEDBACK "no such feedback"

/* ---- in: a data URL in the JSON, or a multipart form ---- */

/* A JSON body may carry a 5 MiB image as base64: 4/3 of it and the rest. */
static apr_off_t body_max(vp_req_t *q)
{
    apr_off_t with_image = (VP_SCREENSHOT_MAX + 2) / 3 * 4 + 64 * 1024;
    apr_off_t max = vp_config_max_body(q->cfg);

    return max > with_image ? max : with_image;
}

/* The form's parts, in memory (both are small): "data", the JSON of the
 * same fields, and "screenshot", the image file. */
struct form {
    vp_req_t *q;
    enum { PART_NONE, PART_DATA, PART_SHOT } part;
    char *data, *shot;
    apr_size_t data_len, shot_len;
    const char *declared;       /* the part's type */
    apr_off_t data_max;
};

static int form_begin(void *ctx, const char *name, const char *filename, const char *type)
{
    struct form *f = ctx;

    (void)filename;
    if (!strcmp(name, "data") && !f->data) {
        f->data = apr_palloc(f->q->r->pool, (apr_size_t)f->data_max + 1);
        f->part = PART_DATA;
        return 0;
    }
    if (!strcmp(name, "screenshot") && !f->shot) {
        f->shot = apr_palloc(f->q->r->pool, VP_SCREENSHOT_MAX);
        /* a generic type says nothing: the bytes decide */
        f->declared = type && strncasecmp(type, "application/octet-stream", 24)
                       ? apr_pstrdup(f->q->r->pool, type) : NULL;
        f->part = PART_SHOT;
        return 0;
    }
    return vp_fail_field(f->q, HTTP_BAD_REQUEST, name,
                         "is not a part of this form (data once, screenshot once)");
}

static int form_data(void *ctx, const char *b, size_t n)
{
    struct form *f = ctx;

    if (f->part == PART_DATA) {
        if (f->data_len + n > (apr_size_t)f->data_max)
            return vp_fail_field(f->q, HTTP_REQUEST_ENTITY_TOO_LARGE, "data", "is too large");
        memcpy(f->data + f->data_len, b, n);
        f->data_len += n;
    } else if (f->part == PART_SHOT) {
        if (f->shot_len + n > VP_SCREENSHOT_MAX)
            return vp_fail_field(f->q, HTTP_REQUEST_ENTITY_TOO_LARGE, "screenshot",
                                 "is larger than 5 MiB");
        memcpy(f->shot + f->shot_len, b, n);
        f->shot_len += n;
    }
    return 0;
}

static int form_end(void *ctx)
{
    ((struct form *)ctx)->part = PART_NONE;
    return 0;
}

static const vp_multipart_cb_t form_cb = {form_begin, form_data, form_end};

/* The form's file in the body as {"screenshot": "sha256:HEX"}. */
static int shot_digest(vp_req_t *q, const vp_shot_t *shot, json_t *body)
{
    vp_digest_t *d = vp_digest_begin(q->r->pool);
    const char *hex;

    if (d)
        vp_digest_update(d, shot->bytes, shot->len);
    if (!d || !(hex = vp_digest_hex(d, q->r->pool)))
        return vp_fail_internal(q, HTTP_INTERNAL_SERVER_ERROR, "the screenshot could not be read",
                                "VP0633: no SHA-256 context");
    json_object_set_new(body, "screenshot", json_string(apr_pstrcat(q->r->pool, "sha256:", hex,
                                                                     NULL)));
    return 0;
}

/* A multipart body: its data part as the JSON body, its screenshot part
 * checked as an image. 0 or an error recorded. */
static int read_form(vp_req_t *q, const vp_field_t *fields, json_t **body, vp_shot_t *shot)
{
    struct form f = {.q = q, .data_max = vp_config_max_body(q->cfg)};
    const char *err;
    vp_multipart_t *m = vp_multipart_new(q->r->pool,
                                         apr_table_get(q->r->headers_in, "Content-Type"),
                                         &form_cb, &f, &err);
    int st;

    if (!m)
        return vp_fail(q, HTTP_UNSUPPORTED_MEDIA_TYPE, NULL, err, NULL);
    if ((st = vp_read_form(q, body_max(q), m)))
        return st;
    if (!f.data)
        return vp_fail_field(q, HTTP_BAD_REQUEST, "data", "is required (the feedback as JSON)");
    f.data[f.data_len] = '\0';
    if ((st = vp_parse_json(q, f.data, f.data_len, fields, body)))
        return st;
    if (f.shot && json_object_get(*body, "screenshot"))
        return vp_fail_field(q, HTTP_BAD_REQUEST, "screenshot", "is given twice");
    if (f.shot) {
        const char *why = vp_image_check(q->r->pool, f.declared, (unsigned char *)f.shot,
                                         f.shot_len, &shot->type);

        if (why)
            return vp_fail_field(q, HTTP_UNPROCESSABLE_ENTITY, "screenshot", why);
        shot->bytes = (unsigned char *)f.shot;
        shot->len = f.shot_len;
        /* an Idempotency-Key compares the body: the file is part of it */
        if ((st = shot_digest(q, shot, *body)))
            return st;
    }
    return 0;
}

/* The body of a write (JSON, or a form with a file) and its screenshot. */
int vp_shot_read(vp_req_t *q, const vp_field_t *fields, json_t **body, vp_shot_t *shot)
{
    const char *ctype = apr_table_get(q->r->headers_in, "Content-Type"), *why;
    json_t *url;
    int st;

    memset(shot, 0, sizeof *shot);
    if (ctype && strncasecmp(ctype, "multipart/", 10) == 0)
        return read_form(q, fields, body, shot);
    if ((st = vp_read_json_max(q, fields, body_max(q), body)))
        return st;
    if (!(url = json_object_get(*body, "screenshot")))
        return 0;
    if (json_is_null(url)) {
        shot->type = "";
        return 0;
    }
    why = vp_data_url_image(q->r->pool, json_string_value(url), VP_SCREENSHOT_MAX, &shot->bytes,
                            &shot->len, &shot->type);
    return why ? vp_fail_field(q, HTTP_UNPROCESSABLE_ENTITY, "screenshot", why) : 0;
}

/* Puts a screenshot's bytes under the feedback's id, or removes its file,
 * inside the write's transaction (before the commit: never a row naming a
 * missing file). */
int vp_shot_store(vp_req_t *q, const vp_shot_t *shot, const char *id)
{
    apr_status_t rv;
    vp_put_t *put;

    /* a removal's file goes under the project's lock too: after the commit,
     * a PATCH storing a new one could come first (a failed commit leaves
     * the row naming a missing file, which reads as a 404) */
    if (shot->type && !shot->type[0] && q->cfg->storage)
        vp_storage_remove(q->cfg->storage, q->r->pool, VP_OBJ_SCREENSHOT,
                          vp_media_id(q->r->pool, id), NULL);
    if (!shot->bytes)
        return 0;
    if ((rv = vp_put_begin(q->cfg->storage, q->r->pool, &put)) != APR_SUCCESS
        || (rv = vp_put_write(put, shot->bytes, shot->len)) != APR_SUCCESS
        || (rv = vp_put_commit(put, VP_OBJ_SCREENSHOT, vp_media_id(q->r->pool, id), NULL))
           != APR_SUCCESS)
        return vp_video_store_failed(q, rv, "VP0632: storing the screenshot of %s failed", id);
    return 0;
}

/* The screenshot's column of the row: its type, or null for a removal. */
int vp_shot_column(vp_req_t *q, const vp_shot_t *shot, json_t *row)
{
    int st;

    if (shot->type && shot->type[0] && (st = vp_video_storage(q)))
        return st;
    if (shot->type)
        json_object_set_new(row, "screenshot_type",
                            shot->type[0] ? json_string(shot->type) : json_null());
    return 0;
}

/* ---- out ---- */

/* The signed URL of a feedback's screenshot (for the caller's session:
 * an event's readers have their own), or null. */
json_t *vp_shot_url(vp_req_t *q, const char *id, int has)
{
    const char *url = has ? vp_media_url(q, apr_pstrcat(q->r->pool, "/api/v1/feedbacks/", id,
                                                        "/screenshot", NULL),
                                         id, "screenshot", "")
                          : NULL;

    return url ? json_string(url) : json_null();
}

int vp_h_feedback_screenshot(vp_req_t *q)
{
    const char *id, *type;
    PGresult *res;
    int st;

    if ((st = vp_param_uuid(q, "id", NO_FEEDBACK, &id)))
        return st;
    id = vp_media_id(q->r->pool, id);
    if ((st = vp_media_caller(q, id, "screenshot")) > 0
        || (st = vp_object_access(q, VP_ACT_VIEW, VP_SQL_FEEDBACK_ACCESS, id, NO_FEEDBACK, &res))
        || (st = vp_video_storage(q)))
        return st;
    if (PQgetisnull(res, 0, PQfnumber(res, "screenshot_type")))
        return vp_fail(q, HTTP_NOT_FOUND, NULL, "this feedback has no screenshot", NULL);
    type = PQgetvalue(res, 0, PQfnumber(res, "screenshot_type"));
    return vp_media_serve(q, vp_storage_path(q->cfg->storage, q->r->pool, VP_OBJ_SCREENSHOT, id,
                                             NULL),
                          type, NULL);
}

