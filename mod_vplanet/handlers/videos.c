/* Videos (spec section 5): uploads streamed to storage, version stacks,
 * reads with signed media URLs, and the media themselves, which httpd's
 * own file handler serves once access is checked here. */
#include "../handlers.h"
#include "../db.h"

#include <apr_lib.h>
#include <apr_strings.h>
#include <stdarg.h>
#include <stdio.h>
#include <http_core.h>
#include <http_protocol.h>

#include "vpcore/vp_multipart.h"

#define NO_VIDEO "no such video"
#define PART_SLACK (64 * 1024)      /* the non-file parts of an upload body */

static const char *const video_keys[] = {
    "id", "project_id", "title", "version", "filename", "content_type", "size_bytes",
    "sha256", "duration_s", "fps", "fps_decimal", "width", "height", "uploaded_by",
    "created_at", "updated_at", "encoding_status", "encoding_progress", "encoding_error",
    "feedback_count", "renditions", "content_url", "poster_url", NULL
};

/* ---- signed media URLs ---- */

/* The URL of one medium of a video (object: "content", "content/NAME" of
 * a rendition, "poster"), signed for the caller's session. */
static const char *media_url(vp_req_t *q, const char *video_id, const char *object)
{
    const char *rendition = strncmp(object, "content/", 8) ? NULL : object + 8;

    return vp_media_url(q, apr_pstrcat(q->r->pool, "/api/v1/videos/", video_id, "/",
                                       rendition ? "content" : object, NULL),
                        video_id, object,
                        rendition ? apr_pstrcat(q->r->pool, "rendition=", rendition, "&", NULL)
                                  : "");
}

/* The renditions of the videos of rows (column from on) by video id:
 * arrays of {name, width, height, size_bytes}. */
static json_t *renditions_of(vp_req_t *q, const PGresult *rows, int from)
{
    apr_pool_t *p = q->r->pool;
    json_t *by_id = vp_json_pool(p, json_object());
    const char *ids = "{";
    PGresult *res;
    int i, col = PQfnumber(rows, "id");

    for (i = 0; i < PQntuples(rows); i++)
        if (!PQgetisnull(rows, i, from))
            ids = apr_pstrcat(p, ids, i ? "," : "", PQgetvalue(rows, i, col), NULL);
    ids = apr_pstrcat(p, ids, "}", NULL);
    if (vp_db_exec(q, VP_SQL_VIDEO_RENDITIONS, &res, ids))
        return NULL;
    for (i = 0; i < PQntuples(res); i++) {
        const char *vid = PQgetvalue(res, i, 0);
        json_t *list = json_object_get(by_id, vid), *one = vp_db_object(res, i, 1, NULL);

        if (!list)
            json_object_set_new(by_id, vid, list = json_array());
        json_array_append_new(list, one);
    }
    return by_id;
}

/* Adds what the columns lack: signed URLs, renditions (ctx: from
 * renditions_of), and drops has_poster. */
static void complete(vp_req_t *q, const PGresult *res, int i, json_t *item, const json_t *keep,
                     void *ctx)
{
    const char *id = PQgetvalue(res, i, PQfnumber(res, "id"));
    int poster = PQgetvalue(res, i, PQfnumber(res, "has_poster"))[0] == 't';
    json_t *list = ctx ? json_object_get(ctx, id) : NULL;

    json_object_del(item, "has_poster");
    if (vp_list_wanted(keep, "content_url"))
        json_object_set_new(item, "content_url", json_string(media_url(q, id, "content")));
    if (vp_list_wanted(keep, "poster_url"))
        json_object_set_new(item, "poster_url",
                            poster ? json_string(media_url(q, id, "poster")) : json_null());
    if (vp_list_wanted(keep, "renditions")) {
        json_t *out = json_array(), *r;
        size_t k;

        json_array_foreach(list, k, r) {
            const char *name = json_string_value(json_object_get(r, "name"));
            json_t *copy = json_deep_copy(r);

            json_object_set_new(copy, "url", json_string(media_url(
                q, id, apr_pstrcat(q->r->pool, "content/", name, NULL))));
            json_array_append_new(out, copy);
        }
        json_object_set_new(item, "renditions", out);
    }
}

/* The videos of res (column from on) as a pool-owned array, or NULL with
 * an error recorded. */
static json_t *videos_of(vp_req_t *q, const PGresult *res, int from)
{
    json_t *by_id = renditions_of(q, res, from), *out;
    int i;

    if (!by_id)
        return NULL;
    out = vp_json_pool(q->r->pool, json_array());
    for (i = 0; i < PQntuples(res); i++) {
        json_t *item = vp_db_object(res, i, from, NULL);

        complete(q, res, i, item, NULL, by_id);
        json_array_append_new(out, item);
    }
    return out;
}

/* One video (the first row of res) as a pool-owned object, or NULL. */
static json_t *video_of(vp_req_t *q, const PGresult *res)
{
    json_t *all = videos_of(q, res, 0);

    return all ? json_array_get(all, 0) : NULL;
}

/* What an event tells of a video: every member reads events, and media
 * URLs are signed for one session, so they stay out. */
static json_t *event_of(vp_req_t *q, json_t *video)
{
    json_t *e = vp_json_pool(q->r->pool, json_deep_copy(video)), *r;
    size_t i;

    json_object_del(e, "content_url");
    json_object_del(e, "poster_url");
    json_array_foreach(json_object_get(e, "renditions"), i, r)
        json_object_del(r, "url");
    return e;
}

/* ---- reads ---- */

int vp_h_video_list(vp_req_t *q)
{
    const char *all = apr_table_get(q->args, "all_versions");
    vp_page_t pg;
    PGresult *res;
    json_t *by_id;
    int st;

    if ((st = vp_project_access(q, VP_ACT_VIEW)) || (st = vp_list_page(q, &pg)))
        return st;
    if (all && strcmp(all, "true") && strcmp(all, "false"))
        return vp_fail_field(q, HTTP_BAD_REQUEST, "all_versions", "must be true or false");
    if ((st = vp_db_run(q, all && !strcmp(all, "true") ? VP_SQL_VIDEO_LIST_ALL : VP_SQL_VIDEO_LIST,
                        &res, 3, VP_PARAMS(q->project_id, apr_ltoa(q->r->pool, pg.size),
                                           apr_ltoa(q->r->pool, pg.offset)))))
        return st;
    if (!(by_id = renditions_of(q, res, 1)))
        return HTTP_SERVICE_UNAVAILABLE;
    return vp_list_ok_each(q, &pg, res, video_keys, "videos", complete, by_id);
}

/* The live video {id} the caller may read (or act on with action). */
static int video_access(vp_req_t *q, vp_action_t action, const char **id)
{
    int st;

    if ((st = vp_param_uuid(q, "id", NO_VIDEO, id)))
        return st;
    return vp_object_access(q, action, VP_SQL_VIDEO_PROJECT, *id, NO_VIDEO, NULL);
}

static int fetch_video(vp_req_t *q, const char *id, json_t **out)
{
    PGresult *res;
    int st;

    if ((st = vp_db_exec(q, VP_SQL_VIDEO_GET, &res, id)))
        return st;
    if (!PQntuples(res))
        return vp_fail(q, HTTP_NOT_FOUND, NULL, NO_VIDEO, NULL);
    return (*out = video_of(q, res)) ? 0 : HTTP_SERVICE_UNAVAILABLE;
}

int vp_h_video_get(vp_req_t *q)
{
    const char *id;
    json_t *v;
    int st;

    if ((st = video_access(q, VP_ACT_VIEW, &id)) || (st = fetch_video(q, id, &v)))
        return st;
    return vp_ok(q, HTTP_OK, "video", json_incref(v));
}

int vp_h_video_versions(vp_req_t *q)
{
    const char *id;
    PGresult *res;
    json_t *list;
    int st;

    if ((st = video_access(q, VP_ACT_READ, &id))
        || (st = vp_db_exec(q, VP_SQL_VIDEO_VERSIONS, &res, id)))
        return st;
    if (!(list = videos_of(q, res, 0)))
        return HTTP_SERVICE_UNAVAILABLE;
    return vp_ok(q, HTTP_OK, "versions", json_incref(list));
}

/* ---- writes ---- */

static int answer_video(vp_req_t *q, json_t **out)
{
    return fetch_video(q, vp_param(&q->params, "id"), out);
}

static const vp_write_t video_renamed = {
    .action = VP_ACT_VIDEOS, .event = "video.updated", .status = HTTP_OK,
    .message = "video renamed", .missing = NO_VIDEO, .answer = answer_video,
};
static const vp_write_t video_deleted = {
    .action = VP_ACT_VIDEOS, .event = "video.deleted", .status = HTTP_OK,
    .message = "video deleted", .missing = NO_VIDEO,
};

int vp_h_video_update(vp_req_t *q)
{
    const char *id;
    json_t *body;
    int st;

    if ((st = video_access(q, VP_ACT_VIDEOS, &id))
        || (st = vp_read_json(q, vp_video_update_fields, &body)))
        return st;
    return vp_write(q, &video_renamed,
                    json_pack("{s:s, s:s}", "id", id, "title", vp_str(body, "title")),
                    VP_SQL_VIDEO_RENAME, q->project_id, id, vp_str(body, "title"));
}

int vp_h_video_delete(vp_req_t *q)
{
    const vp_storage_t *store = q->cfg->storage;
    const char *id;
    int st;

    if ((st = video_access(q, VP_ACT_VIDEOS, &id))
        || (st = vp_write(q, &video_deleted, json_pack("{s:s}", "id", id), VP_SQL_VIDEO_DELETE,
                          q->project_id, id)) != HTTP_OK)
        return st;
    /* committed: the files go now (a crash here leaves orphans, never a
     * row without its file) */
    if (store) {
        id = vp_media_id(q->r->pool, id);
        vp_storage_remove(store, q->r->pool, VP_OBJ_ORIGINAL, id, NULL);
        vp_storage_remove(store, q->r->pool, VP_OBJ_RENDITION, id, NULL);
        vp_storage_remove(store, q->r->pool, VP_OBJ_POSTER, id, NULL);
    }
    return st;
}

/* ---- new videos ---- */

int vp_video_storage(vp_req_t *q)
{
    return q->cfg->storage ? 0
           : vp_fail_internal(q, HTTP_SERVICE_UNAVAILABLE, "video storage is not configured",
                              "VP0621: a video route without VPlanetMediaRoot");
}

int vp_video_store_failed(vp_req_t *q, apr_status_t rv, const char *fmt, ...)
{
    int full = APR_STATUS_IS_ENOSPC(rv);
    const char *what;
    va_list ap;

    va_start(ap, fmt);
    what = apr_pvsprintf(q->r->pool, fmt, ap);
    va_end(ap);
    return vp_fail_internal(q, full ? HTTP_INSUFFICIENT_STORAGE : HTTP_INTERNAL_SERVER_ERROR,
                            full ? "no space left to store the upload"
                                 : "the upload could not be stored", "%s: %pm", what, &rv);
}

int vp_video_refused(vp_req_t *q)
{
    return vp_fail(q, HTTP_UNSUPPORTED_MEDIA_TYPE, NULL,
                   "the file is not a video this service accepts (mp4, mov, webm, mkv, avi)", NULL);
}

/* Under the lock, the row made: the bytes go under its id before commit. */
static int put_in_place(vp_req_t *q, const PGresult *res, json_t **out, json_t **event)
{
    const vp_new_video_t *v = q->ctx;
    const char *id = PQgetvalue(res, 0, PQfnumber(res, "id"));
    apr_status_t rv = v->commit(v->ctx, id);

    if (rv != APR_SUCCESS)
        return vp_video_store_failed(q, rv, "VP0622: storing video %s failed", id);
    if (!(*out = video_of(q, res)))
        return HTTP_SERVICE_UNAVAILABLE;
    *event = event_of(q, *out);
    return 0;
}

static const vp_write_t video_added = {
    .action = VP_ACT_VIDEOS, .event = "video.added", .status = HTTP_CREATED,
    .message = "video uploaded", .after = put_in_place,
};

/* The title a file gets when none is given: its name without extension. */
static const char *title_of(apr_pool_t *p, const char *filename)
{
    const char *dot = strrchr(filename, '.');

    return dot && dot > filename ? apr_pstrmemdup(p, filename, (apr_size_t)(dot - filename))
                                 : filename;
}

int vp_video_name_ok(const char *s, size_t max)
{
    const unsigned char *c;
    size_t n;

    if (!s || !vp_utf8_valid(s) || (n = vp_utf8_len(s)) < 1 || n > max)
        return 0;
    for (c = (const unsigned char *)s; *c; c++)
        if (*c < 0x20 || *c == 0x7f)
            return 0;
    return 1;
}

int vp_video_create(vp_req_t *q, const vp_new_video_t *v)
{
    apr_pool_t *p = q->r->pool;
    const char *filename = v->filename && *v->filename ? v->filename : "upload";
    const char *title = v->title ? v->title : title_of(p, filename);

    if (!vp_video_name_ok(filename, 255))
        return vp_fail_field(q, HTTP_UNPROCESSABLE_ENTITY, "file",
                             "needs a file name of 1 to 255 printable characters");
    if (!vp_video_name_ok(title, 200))
        return vp_fail_field(q, HTTP_UNPROCESSABLE_ENTITY, "title",
                             "must be 1 to 200 printable characters");
    /* what an Idempotency-Key is compared on */
    q->body = vp_json_pool(p, json_pack("{s:s, s:s, s:s, s:I}", "title", title, "filename",
                                        filename, "sha256", v->sha256, "size_bytes",
                                        (json_int_t)v->size));
    q->ctx = (void *)v;
    return vp_write(q, &video_added, NULL, VP_SQL_VIDEO_INSERT, q->project_id, title, filename,
                    v->content_type, apr_off_t_toa(p, v->size), v->sha256, q->who->id);
}

apr_off_t vp_video_max_size(vp_req_t *q)
{
    apr_off_t max = vp_config_max_upload(q->cfg), limit = ap_get_limit_req_body(q->r);

    return limit > 0 && limit < max ? limit : max;
}

/* ---- multipart upload ---- */

struct upload {
    vp_req_t *q;
    apr_off_t max;
    enum { NONE, TITLE, FILE_PART } part;
    int files;
    const char *filename;
    char title[801];            /* 200 characters of up to 4 bytes */
    apr_size_t title_len;
    int has_title;
    unsigned char head[VP_SNIFF_BYTES];
    apr_size_t head_len;
    const char *type;           /* sniffed */
    vp_put_t *put;
    vp_digest_t *digest;
    apr_off_t size;
};

/* The rest of the body stays unread: the connection closes after the answer. */
static int too_large(vp_req_t *q, apr_off_t max)
{
    q->r->connection->keepalive = AP_CONN_CLOSE;
    return vp_fail(q, HTTP_REQUEST_ENTITY_TOO_LARGE, NULL,
                   apr_psprintf(q->r->pool, "the file exceeds %" APR_OFF_T_FMT " bytes", max), NULL);
}

static int write_file(struct upload *u, const void *b, apr_size_t n)
{
    apr_status_t rv = vp_put_write(u->put, b, n);

    vp_digest_update(u->digest, b, n);
    return rv == APR_SUCCESS ? 0
                             : vp_video_store_failed(u->q, rv, "VP0623: writing an upload failed");
}

/* The first bytes decide: a video container, or 415 before anything is
 * written. */
static int sniffed(struct upload *u)
{
    vp_req_t *q = u->q;
    apr_status_t rv;

    if (!(u->type = vp_media_sniff(u->head, u->head_len)))
        return vp_video_refused(q);
    if ((rv = vp_put_begin(q->cfg->storage, q->r->pool, &u->put)) != APR_SUCCESS)
        return vp_video_store_failed(q, rv, "VP0624: cannot create an upload file");
    if (!(u->digest = vp_digest_begin(q->r->pool)))
        return vp_fail_internal(q, HTTP_INTERNAL_SERVER_ERROR, "the upload could not be stored",
                                "VP0625: no SHA-256 context");
    return write_file(u, u->head, u->head_len);
}

static int part_begin(void *ctx, const char *name, const char *filename, const char *type)
{
    struct upload *u = ctx;

    (void)type;     /* the content decides, not what the client says it is */
    if (!strcmp(name, "title") && !filename) {
        if (u->has_title)
            return vp_fail_field(u->q, HTTP_BAD_REQUEST, "title", "is given twice");
        u->has_title = 1;
        u->part = TITLE;
        return 0;
    }
    if (!strcmp(name, "file") && filename) {
        if (u->files++)
            return vp_fail_field(u->q, HTTP_BAD_REQUEST, "file", "takes one file");
        u->filename = apr_pstrdup(u->q->r->pool, filename);
        u->part = FILE_PART;
        return 0;
    }
    return vp_fail_field(u->q, HTTP_BAD_REQUEST, name,
                         "is not a part of this form (title, and file with a file name)");
}

static int part_data(void *ctx, const char *b, size_t n)
{
    struct upload *u = ctx;
    apr_size_t take;
    int st = 0;     /* set when sniffed; gcc -O1 with the sanitizers cannot tell */

    if (u->part == TITLE) {
        if (u->title_len + n > sizeof u->title - 1)
            return vp_fail_field(u->q, HTTP_UNPROCESSABLE_ENTITY, "title",
                                 "must be 1 to 200 printable characters");
        memcpy(u->title + u->title_len, b, n);
        u->title_len += n;
        return 0;
    }
    if ((u->size += (apr_off_t)n) > u->max)
        return too_large(u->q, u->max);
    if (!u->put) {
        take = n < sizeof u->head - u->head_len ? n : sizeof u->head - u->head_len;
        memcpy(u->head + u->head_len, b, take);
        u->head_len += take;
        b += take;
        n -= take;
        if (u->head_len < sizeof u->head)
            return 0;
        if ((st = sniffed(u)))
            return st;
    }
    return n ? write_file(u, b, n) : 0;
}

static int part_end(void *ctx)
{
    struct upload *u = ctx;

    /* a file shorter than the sniffing window */
    if (u->part == FILE_PART && !u->put && u->head_len)
        return sniffed(u);
    u->part = NONE;
    return 0;
}

static const vp_multipart_cb_t form = {part_begin, part_data, part_end};

static apr_status_t commit_put(void *ctx, const char *video_id)
{
    return vp_put_commit(ctx, VP_OBJ_ORIGINAL, video_id, NULL);
}

int vp_h_video_upload(vp_req_t *q)
{
    struct upload u = {.q = q};
    vp_multipart_t *m;
    const char *err, *cl;
    apr_off_t declared;
    vp_new_video_t v;
    int st;

    if ((st = vp_project_access(q, VP_ACT_VIDEOS)) || (st = vp_video_storage(q)))
        return st;
    if (!(m = vp_multipart_new(q->r->pool, apr_table_get(q->r->headers_in, "Content-Type"), &form,
                               &u, &err)))
        return vp_fail(q, HTTP_UNSUPPORTED_MEDIA_TYPE, NULL, err, NULL);
    u.max = vp_video_max_size(q);
    /* a body over the file's limit and the form's slack cannot hold a
     * file within it: refused before reading, naming the file's limit */
    if ((cl = apr_table_get(q->r->headers_in, "Content-Length"))
        && apr_strtoff(&declared, cl, NULL, 10) == APR_SUCCESS && declared > u.max + PART_SLACK)
        return too_large(q, u.max);
    if ((st = vp_read_form(q, u.max + PART_SLACK, m)))
        return st;
    if (!u.files)
        return vp_fail_field(q, HTTP_UNPROCESSABLE_ENTITY, "file", "is required");
    if (!u.put)
        return vp_fail_field(q, HTTP_UNPROCESSABLE_ENTITY, "file", "is empty");
    u.title[u.title_len] = '\0';
    v = (vp_new_video_t){
        .title = u.has_title ? u.title : NULL, .filename = u.filename,
        .content_type = u.type, .size = u.size, .sha256 = vp_digest_hex(u.digest, q->r->pool),
        .commit = commit_put, .ctx = u.put,
    };
    if (!v.sha256)
        return vp_fail_internal(q, HTTP_INTERNAL_SERVER_ERROR, "the upload could not be stored",
                                "VP0625: SHA-256 failed");
    return vp_video_create(q, &v);
}

/* ---- the media: served by httpd's own file handler ---- */

/* The poster, the original (name NULL) or the rendition name. */
static int media(vp_req_t *q, int poster, const char *name)
{
    const char *id, *object;
    PGresult *res;
    int st;

    if ((st = vp_param_uuid(q, "id", NO_VIDEO, &id)))
        return st;
    id = vp_media_id(q->r->pool, id);
    if (name && strcmp(name, "web") && strcmp(name, "720p") && strcmp(name, "480p"))
        return vp_fail_field(q, HTTP_BAD_REQUEST, "rendition", "must be web, 720p or 480p");
    object = poster ? "poster" : name ? apr_pstrcat(q->r->pool, "content/", name, NULL) : "content";
    if ((st = vp_media_caller(q, id, object)) > 0
        || (st = vp_object_access(q, VP_ACT_VIEW, VP_SQL_VIDEO_MEDIA, id, NO_VIDEO, &res))
        || (st = vp_video_storage(q)))
        return st;
    if (poster) {
        if (PQgetvalue(res, 0, PQfnumber(res, "has_poster"))[0] != 't')
            return vp_fail(q, HTTP_NOT_FOUND, NULL, "this video has no poster yet", NULL);
        return vp_media_serve(q, vp_storage_path(q->cfg->storage, q->r->pool, VP_OBJ_POSTER, id, NULL),
                     "image/jpeg", NULL);
    }
    if (name) {
        if (PQgetvalue(res, 0, PQfnumber(res, name))[0] != 't')
            return vp_fail(q, HTTP_NOT_FOUND, NULL, "this video has no such rendition", NULL);
        return vp_media_serve(q, vp_storage_path(q->cfg->storage, q->r->pool, VP_OBJ_RENDITION, id,
                                        apr_pstrcat(q->r->pool, name, ".mp4", NULL)),
                     "video/mp4", NULL);
    }
    return vp_media_serve(q, vp_storage_path(q->cfg->storage, q->r->pool, VP_OBJ_ORIGINAL, id, NULL),
                 PQgetvalue(res, 0, PQfnumber(res, "content_type")),
                 PQgetvalue(res, 0, PQfnumber(res, "filename")));
}

int vp_h_video_content(vp_req_t *q)
{
    return media(q, 0, apr_table_get(q->args, "rendition"));
}

int vp_h_video_poster(vp_req_t *q)
{
    return media(q, 1, NULL);
}
