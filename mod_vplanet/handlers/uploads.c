/* Resumable uploads: the tus 1.0.0 protocol (core, creation, termination,
 * expiration; spec section 5). An upload is one user's: created with its
 * length (POST), written in as many PATCHes as the connection allows, each
 * streamed to the upload's file at the offset the server reports (HEAD),
 * and made a video (vp_video_create, as a multipart upload is) when its
 * last byte arrives. Creation-with-upload is not supported: the bytes
 * come by PATCH. OPTIONS is answered by Apache (conf/vplanet.conf). */
#include "../handlers.h"
#include "../db.h"

#include <apr_base64.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include <http_protocol.h>

#define TUS_VERSION "1.0.0"
#define NO_UPLOAD "no such upload"
#define OCTETS "application/offset+octet-stream"
#define READ_BACK (64 * 1024)       /* the read size of the completion hash */

/* ---- the tus headers ---- */

/* Every answer of these routes says which protocol it speaks; a request
 * speaking another version (or none) is refused with the versions we do. */
static int tus_begin(vp_req_t *q, int required)
{
    const char *v = apr_table_get(q->r->headers_in, "Tus-Resumable");

    apr_table_setn(q->r->err_headers_out, "Tus-Resumable", TUS_VERSION);
    if (required && (!v || strcmp(v, TUS_VERSION))) {
        apr_table_setn(q->r->err_headers_out, "Tus-Version", TUS_VERSION);
        return vp_fail(q, HTTP_PRECONDITION_FAILED, NULL,
                       "Tus-Resumable: " TUS_VERSION " is required (the tus version this server speaks)",
                       NULL);
    }
    return 0;
}

/* A byte count: decimal digits only (no sign, no spaces), at most 18. */
static int parse_count(const char *s, apr_off_t *out)
{
    apr_off_t v = 0;
    size_t n = 0;

    if (!s || !*s)
        return 0;
    for (; *s; s++, n++) {
        if (!apr_isdigit(*s) || n >= 18)
            return 0;
        v = v * 10 + (*s - '0');
    }
    *out = v;
    return 1;
}

/* Strict base64 (RFC 4648 section 4, padded), as tus requires. */
static int base64_ok(const char *s, size_t n)
{
    size_t i;

    if (n % 4)
        return 0;
    for (i = 0; i < n; i++) {
        if (s[i] == '=') {
            if (i < n - 2 || (i == n - 2 && s[n - 1] != '='))
                return 0;
        }
        else if (!apr_isalnum(s[i]) && s[i] != '+' && s[i] != '/')
            return 0;
    }
    return 1;
}

/* A decoded metadata value as a name the video rules accept
 * (vp_video_name_ok), with no NUL byte inside its len bytes. */
static int name_ok(const char *s, size_t len, size_t max)
{
    return !memchr(s, '\0', len) && vp_video_name_ok(s, max);
}

/* Upload-Metadata: comma-separated `key base64value` pairs (the value may
 * be left out). title and filename are kept; other keys (clients send
 * e.g. filetype) are accepted and ignored. 0, or a recorded 400/422. */
static int read_metadata(vp_req_t *q, const char **title, const char **filename)
{
    apr_pool_t *p = q->r->pool;
    const char *h = apr_table_get(q->r->headers_in, "Upload-Metadata"), *s;
    apr_table_t *seen = apr_table_make(p, 4);

    *title = *filename = NULL;
    if (!h)
        return 0;
    for (s = h; *s;) {
        const char *end = strchr(s, ','), *sp, *key, *b64;
        size_t n;
        char *value;
        int len;

        while (*s == ' ' || *s == '\t')
            s++;
        if (!end)
            end = s + strlen(s);
        n = (size_t)(end - s);
        while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
            n--;
        sp = memchr(s, ' ', n);
        key = apr_pstrmemdup(p, s, sp ? (size_t)(sp - s) : n);
        b64 = sp ? apr_pstrmemdup(p, sp + 1, n - (size_t)(sp - s) - 1) : "";
        if (!*key || strchr(key, '\t'))
            return vp_fail_field(q, HTTP_BAD_REQUEST, "Upload-Metadata",
                                 "must be comma-separated pairs of a key and a base64 value");
        if (apr_table_get(seen, key))
            return vp_fail_field(q, HTTP_BAD_REQUEST, "Upload-Metadata",
                                 apr_pstrcat(p, "names the key ", key, " twice", NULL));
        apr_table_setn(seen, key, "1");
        if (!base64_ok(b64, strlen(b64)))
            return vp_fail_field(q, HTTP_BAD_REQUEST, "Upload-Metadata",
                                 apr_pstrcat(p, "has a value that is not base64 (key ", key, ")",
                                             NULL));
        s = *end ? end + 1 : end;
        if (strcmp(key, "title") && strcmp(key, "filename"))
            continue;
        value = apr_palloc(p, (apr_size_t)apr_base64_decode_len(b64) + 1);
        len = apr_base64_decode_binary((unsigned char *)value, b64);
        value[len] = '\0';
        if (!name_ok(value, (size_t)len, strcmp(key, "title") ? 255 : 200))
            return vp_fail_field(q, memchr(value, '\0', (size_t)len) || !vp_utf8_valid(value)
                                    ? HTTP_BAD_REQUEST : HTTP_UNPROCESSABLE_ENTITY,
                                 apr_pstrcat(p, "Upload-Metadata ", key, NULL),
                                 strcmp(key, "title")
                                 ? "must be UTF-8 text of 1 to 255 printable characters"
                                 : "must be UTF-8 text of 1 to 200 printable characters");
        *(strcmp(key, "title") ? filename : title) = value;
    }
    return 0;
}

static const char *base64(apr_pool_t *p, const char *s)
{
    char *out = apr_palloc(p, (apr_size_t)apr_base64_encode_len((int)strlen(s)));

    apr_base64_encode(out, s, (int)strlen(s));
    return out;
}

/* The upload of row 0 of res, as tus describes it to its client. */
typedef struct {
    const char *id, *title, *filename, *video_id;
    apr_off_t length, offset;
    apr_time_t expires;
} upload_t;

static upload_t upload_of(const PGresult *res)
{
    upload_t u;
    apr_off_t e = 0;

#define COL(name) PQgetvalue(res, 0, PQfnumber(res, name))
#define NUL(name) PQgetisnull(res, 0, PQfnumber(res, name))
    u.id = COL("id");
    u.title = NUL("title") ? NULL : COL("title");
    u.filename = COL("filename");
    u.video_id = NUL("video_id") ? NULL : COL("video_id");
    parse_count(COL("length"), &u.length);
    parse_count(COL("offset"), &u.offset);
    parse_count(COL("expires_epoch"), &e);
    u.expires = apr_time_from_sec(e);
#undef COL
#undef NUL
    return u;
}

static void set_offset(vp_req_t *q, apr_off_t offset)
{
    apr_table_setn(q->r->headers_out, "Upload-Offset", apr_off_t_toa(q->r->pool, offset));
}

static void describe(vp_req_t *q, const upload_t *u)
{
    apr_pool_t *p = q->r->pool;
    char *date = apr_palloc(p, APR_RFC822_DATE_LEN);
    const char *meta = apr_pstrcat(p, "filename ", base64(p, u->filename), NULL);

    if (u->title)
        meta = apr_pstrcat(p, meta, ",title ", base64(p, u->title), NULL);
    set_offset(q, u->offset);
    apr_table_setn(q->r->headers_out, "Upload-Length", apr_off_t_toa(p, u->length));
    apr_table_setn(q->r->headers_out, "Upload-Metadata", meta);
    if (!u->video_id && apr_rfc822_date(date, u->expires) == APR_SUCCESS)
        apr_table_setn(q->r->headers_out, "Upload-Expires", date);
    if (u->video_id)
        apr_table_setn(q->r->headers_out, "X-Video-Id", u->video_id);
}

/* The caller's own live upload {upload_id} of the project (404 for
 * anything else: another member's upload included). */
static int fetch(vp_req_t *q, const char *id, upload_t *u, PGresult **out)
{
    PGresult *res;
    int st;

    if ((st = vp_db_exec(q, VP_SQL_UPLOAD_GET, &res, id, q->project_id, q->who->id)))
        return st;
    if (!PQntuples(res))
        return vp_fail(q, HTTP_NOT_FOUND, NULL, NO_UPLOAD, NULL);
    *u = upload_of(res);
    if (out)
        *out = res;
    return 0;
}

/* Common start of the routes naming an upload. */
static int upload_access(vp_req_t *q, int tus_required, const char **id)
{
    int st;

    if ((st = tus_begin(q, tus_required)) || (st = vp_project_access(q, VP_ACT_VIDEOS))
        || (st = vp_param_uuid(q, "upload_id", NO_UPLOAD, id)))
        return st;
    return vp_video_storage(q);
}

/* Runs fn holding the upload's advisory lock (one writer at a time: a
 * second PATCH or a DELETE meanwhile is a 409); unlocked on every return,
 * the answer fn recorded kept. */
static int locked(vp_req_t *q, const char *id, int (*fn)(vp_req_t *q, const char *id))
{
    PGresult *res;
    const char *message, *code;
    json_t *data, *details;
    int st;

    if ((st = vp_db_exec(q, VP_SQL_UPLOAD_LOCK, &res, id)))
        return st;
    if (PQgetvalue(res, 0, 0)[0] != 't')
        return vp_fail(q, HTTP_CONFLICT, NULL, "another request is writing this upload", NULL);
    st = fn(q, id);
    message = q->message, code = q->error_code, data = q->data, details = q->details;
    if (vp_db_exec(q, VP_SQL_UPLOAD_UNLOCK, &res, id))
        /* the connection failed: its session, and the lock, are gone */
        VP_LOG(q, APLOG_WARNING, "VP0612: unlocking upload %s failed", id);
    q->message = message, q->error_code = code, q->data = data, q->details = details;
    return st;
}

/* ---- POST .../uploads: creation ---- */

struct creation {
    const char *title, *filename, *length;
    json_t *out;
};

static int create_tx(vp_req_t *q, void *ctx)
{
    struct creation *c = ctx;
    PGresult *res;
    int st;

    if ((st = vp_db_exec(q, VP_SQL_UPLOAD_INSERT, &res, q->project_id, q->who->id, c->title,
                         c->filename, c->length)))
        return st;
    c->out = vp_json_pool(q->r->pool, vp_db_row(res, 0));
    json_object_del(c->out, "expires_epoch");
    return vp_idempotency_record(q, HTTP_CREATED, "upload created", c->out);
}

static void created_headers(vp_req_t *q, const json_t *data)
{
    const char *id = json_string_value(json_object_get(data, "id"));

    if (id)
        apr_table_setn(q->r->headers_out, "Location",
                       vp_url(q, apr_pstrcat(q->r->pool, "/api/v1/projects/", q->project_id,
                                             "/uploads/", id, NULL)));
    set_offset(q, 0);
}

int vp_h_upload_create(vp_req_t *q)
{
    const char *cl = apr_table_get(q->r->headers_in, "Content-Length");
    struct creation c = {0};
    apr_off_t length, max;
    int st;

    if ((st = tus_begin(q, 1)) || (st = vp_project_access(q, VP_ACT_VIDEOS))
        || (st = vp_video_storage(q)))
        return st;
    if (apr_table_get(q->r->headers_in, "Transfer-Encoding") || (cl && strcmp(cl, "0"))) {
        q->r->connection->keepalive = AP_CONN_CLOSE;    /* the body stays unread */
        return vp_fail(q, HTTP_BAD_REQUEST, NULL,
                       "creation-with-upload is not supported: send the bytes with PATCH", NULL);
    }
    if (apr_table_get(q->r->headers_in, "Upload-Defer-Length"))
        return vp_fail_field(q, HTTP_BAD_REQUEST, "Upload-Defer-Length",
                             "is not supported: give Upload-Length");
    if (!parse_count(apr_table_get(q->r->headers_in, "Upload-Length"), &length) || length < 1)
        return vp_fail_field(q, HTTP_BAD_REQUEST, "Upload-Length",
                             "is required: the size of the file in bytes, at least 1");
    if (length > (max = vp_video_max_size(q)))
        return vp_fail(q, HTTP_REQUEST_ENTITY_TOO_LARGE, NULL,
                       apr_psprintf(q->r->pool, "the file exceeds %" APR_OFF_T_FMT " bytes", max),
                       NULL);
    if ((st = read_metadata(q, &c.title, &c.filename)))
        return st;
    if (!c.filename)
        c.filename = "upload";
    c.length = apr_off_t_toa(q->r->pool, length);
    /* what an Idempotency-Key is compared on */
    q->body = vp_json_pool(q->r->pool, json_pack("{s:s, s:s?, s:s}", "length", c.length, "title",
                                                 c.title, "filename", c.filename));
    if ((st = vp_idempotency_begin(q, q->body))) {
        if (st == HTTP_CREATED)     /* a replay: its headers again */
            created_headers(q, q->data);
        return st;
    }
    if ((st = vp_project_tx(q, VP_ACT_VIDEOS, create_tx, &c)))
        return st;
    created_headers(q, c.out);
    return vp_ok(q, HTTP_CREATED, "upload created", json_incref(c.out));
}

/* ---- HEAD (and GET) .../uploads/{upload_id} ---- */

int vp_h_upload_get(vp_req_t *q)
{
    const char *id;
    PGresult *res;
    upload_t u;
    json_t *data;
    int st;

    /* HEAD is the tus request; GET (no tus header needed) gives the same
     * as JSON, and the video once the upload is finished */
    if ((st = upload_access(q, q->r->header_only, &id)) || (st = fetch(q, id, &u, &res)))
        return st;
    describe(q, &u);
    data = vp_db_row(res, 0);
    json_object_del(data, "expires_epoch");
    json_object_set_new(data, "video_url",
                        u.video_id ? json_string(vp_url(q, apr_pstrcat(q->r->pool, "/api/v1/videos/",
                                                                      u.video_id, NULL)))
                                   : json_null());
    return vp_ok(q, HTTP_OK, u.video_id ? "upload finished" : "upload in progress", data);
}

/* ---- PATCH .../uploads/{upload_id}: the bytes ---- */

struct patch {
    vp_req_t *q;
    apr_file_t *f;
    apr_off_t written;
    apr_size_t need;                    /* bytes the sniff wants: 64, or all */
    unsigned char head[VP_SNIFF_BYTES];
    apr_size_t head_len;
    int refused;                        /* not a video */
};

/* vp_read_stream's sink: the first bytes decide (415 as soon as they are
 * there), the rest goes to the file as it arrives. */
static int patch_sink(void *ctx, const char *b, apr_size_t n)
{
    struct patch *c = ctx;
    apr_size_t done = 0;
    apr_status_t rv;

    if (c->head_len < c->need) {
        apr_size_t take = n < c->need - c->head_len ? n : c->need - c->head_len;

        memcpy(c->head + c->head_len, b, take);
        c->head_len += take;
        if (c->head_len == c->need && !vp_media_sniff(c->head, c->head_len)) {
            c->refused = 1;
            return vp_video_refused(c->q);
        }
    }
    rv = apr_file_write_full(c->f, b, n, &done);
    c->written += (apr_off_t)done;
    return rv == APR_SUCCESS ? 0
                             : vp_video_store_failed(c->q, rv, "VP0613: writing an upload failed");
}

/* The bytes before offset that the sniff still needs, read back. */
static apr_status_t read_head(vp_req_t *q, const char *id, apr_off_t offset, struct patch *c)
{
    apr_file_t *f;
    apr_status_t rv;

    /* sniffed already by the PATCH that got that far */
    c->head_len = (apr_size_t)offset >= c->need ? c->need : 0;
    if (offset == 0 || c->head_len)
        return APR_SUCCESS;
    if ((rv = vp_storage_read(q->cfg->storage, q->r->pool, VP_OBJ_UPLOAD, id, NULL, &f))
        != APR_SUCCESS)
        return rv;
    rv = apr_file_read_full(f, c->head, (apr_size_t)offset, &c->head_len);
    apr_file_close(f);
    return rv;
}

/* A finished upload becoming a video. */
struct finishing {
    vp_req_t *q;
    const char *upload_id;
    const char *video_id;       /* set once its file is moved */
};

/* Inside the video's transaction: the upload names its video, then its
 * file becomes the original (a failure rolls both back). */
static apr_status_t commit_upload(void *ctx, const char *video_id)
{
    struct finishing *f = ctx;
    PGresult *res;
    apr_status_t rv;

    if (vp_db_exec(f->q, VP_SQL_UPLOAD_FINISH, &res, f->upload_id, video_id) || !PQntuples(res))
        return APR_EGENERAL;
    rv = vp_storage_move(f->q->cfg->storage, f->q->r->pool, VP_OBJ_UPLOAD, f->upload_id,
                         VP_OBJ_ORIGINAL, video_id);
    if (rv == APR_SUCCESS)
        f->video_id = apr_pstrdup(f->q->r->pool, video_id);
    return rv;
}

static int drop(vp_req_t *q, const char *id)
{
    int st = vp_db_exec(q, VP_SQL_UPLOAD_DROP, NULL, id);

    vp_storage_remove(q->cfg->storage, q->r->pool, VP_OBJ_UPLOAD, id, NULL);
    return st;
}

/* The last byte is there: the whole file read back (SHA-256 and the
 * container of its first bytes; no state is kept across PATCHes), then
 * the video made as a multipart upload makes it. */
static int finish(vp_req_t *q, const upload_t *u)
{
    apr_pool_t *p = q->r->pool;
    struct finishing fin = {q, u->id, NULL};
    unsigned char head[VP_SNIFF_BYTES];
    apr_size_t head_len = 0, n;
    char *buf = apr_palloc(p, READ_BACK);
    vp_digest_t *digest = vp_digest_begin(p);
    const char *type, *sha;
    apr_off_t total = 0;
    apr_file_t *f;
    apr_status_t rv;
    vp_new_video_t v;
    int st;

    if (!digest)
        return vp_fail_internal(q, HTTP_INTERNAL_SERVER_ERROR, "the upload could not be stored",
                                "VP0614: no SHA-256 context");
    if ((rv = vp_storage_read(q->cfg->storage, p, VP_OBJ_UPLOAD, u->id, NULL, &f)) != APR_SUCCESS)
        return vp_fail_internal(q, HTTP_INTERNAL_SERVER_ERROR, "the upload could not be read",
                                "VP0615: reading upload %s back failed: %pm", u->id, &rv);
    for (;;) {
        n = READ_BACK;
        rv = apr_file_read(f, buf, &n);
        if (n) {
            apr_size_t take = n < sizeof head - head_len ? n : sizeof head - head_len;

            memcpy(head + head_len, buf, take);
            head_len += take;
            vp_digest_update(digest, buf, n);
            total += (apr_off_t)n;
        }
        if (rv != APR_SUCCESS)
            break;
    }
    apr_file_close(f);
    if (!APR_STATUS_IS_EOF(rv) || total != u->length)
        return vp_fail_internal(q, HTTP_INTERNAL_SERVER_ERROR, "the upload could not be read",
                                "VP0615: upload %s has %" APR_OFF_T_FMT " bytes of %" APR_OFF_T_FMT
                                " (%pm)", u->id, total, u->length, &rv);
    if (!(type = vp_media_sniff(head, head_len))) {
        if ((st = drop(q, u->id)))
            return st;
        return vp_video_refused(q);
    }
    if (!(sha = vp_digest_hex(digest, p)))
        return vp_fail_internal(q, HTTP_INTERNAL_SERVER_ERROR, "the upload could not be stored",
                                "VP0614: SHA-256 failed");
    /* the upload's Idempotency-Key was its creation's; this is no POST */
    apr_table_unset(q->r->headers_in, "Idempotency-Key");
    apr_table_unset(q->r->headers_in, "X-Idempotency-Key");
    v = (vp_new_video_t){
        .title = u->title, .filename = u->filename, .content_type = type, .size = u->length,
        .sha256 = sha, .commit = commit_upload, .ctx = &fin,
    };
    st = vp_video_create(q, &v);
    if (st != HTTP_CREATED) {
        /* rolled back after the move: the bytes go back to the upload */
        if (fin.video_id && (rv = vp_storage_move(q->cfg->storage, p, VP_OBJ_ORIGINAL, fin.video_id,
                                                  VP_OBJ_UPLOAD, u->id)) != APR_SUCCESS)
            VP_LOG(q, APLOG_ERR, "VP0616: upload %s could not be moved back from video %s: %pm",
                   u->id, fin.video_id, &rv);
        return st;
    }
    set_offset(q, u->length);
    apr_table_setn(q->r->headers_out, "X-Video-Id", fin.video_id);
    apr_table_setn(q->r->headers_out, "Location",
                   vp_url(q, apr_pstrcat(p, "/api/v1/videos/", fin.video_id, NULL)));
    /* tus answers a PATCH with 204; the video is the envelope of GET */
    return HTTP_NO_CONTENT;
}

static int patch_locked(vp_req_t *q, const char *id)
{
    const char *given = apr_table_get(q->r->headers_in, "Upload-Offset");
    struct patch c = {.q = q};
    apr_off_t offset, now;
    apr_status_t rv;
    PGresult *res;
    upload_t u;
    int st, sst;

    if ((st = fetch(q, id, &u, NULL)))
        return st;
    if (!parse_count(given, &offset))
        return vp_fail_field(q, HTTP_BAD_REQUEST, "Upload-Offset",
                             "is required: the offset of the first byte sent");
    if (u.video_id && offset == u.length) {     /* finished already: said again */
        describe(q, &u);
        return vp_ok(q, HTTP_NO_CONTENT, "upload finished", NULL);
    }
    if (u.video_id || offset != u.offset) {
        set_offset(q, u.offset);
        return vp_fail(q, HTTP_CONFLICT, NULL,
                       apr_psprintf(q->r->pool, "Upload-Offset must be %" APR_OFF_T_FMT
                                    ", the bytes the server has (ask with HEAD)", u.offset),
                       NULL);
    }
    c.need = u.length < VP_SNIFF_BYTES ? (apr_size_t)u.length : VP_SNIFF_BYTES;
    if ((rv = read_head(q, id, u.offset, &c)) != APR_SUCCESS
        || (rv = vp_storage_append(q->cfg->storage, q->r->pool, VP_OBJ_UPLOAD, id, u.offset, &c.f))
           != APR_SUCCESS)
        return vp_fail_internal(q, HTTP_INTERNAL_SERVER_ERROR, "the upload could not be opened",
                                "VP0617: opening upload %s at %" APR_OFF_T_FMT " failed: %pm", id,
                                u.offset, &rv);
    /* never past Upload-Length (413); a client gone mid-body (400) or a
     * body stalling past RequestReadTimeout keeps what arrived */
    sst = vp_read_stream(q, u.length - u.offset, patch_sink, &c);
    if (c.refused) {
        apr_file_close(c.f);
        return (st = drop(q, id)) ? st : sst;
    }
    /* the offset the client resumes from counts only bytes on disk */
    if (c.written && (rv = apr_file_sync(c.f)) != APR_SUCCESS)
        c.written = 0, sst = vp_video_store_failed(q, rv, "VP0613: writing an upload failed");
    apr_file_close(c.f);
    now = u.offset + c.written;
    if (c.written) {
        if ((st = vp_db_exec(q, VP_SQL_UPLOAD_ADVANCE, &res, id, apr_off_t_toa(q->r->pool, now))))
            return st;
        if (sst)
            VP_LOG(q, APLOG_INFO, "VP0618: upload %s kept %" APR_OFF_T_FMT " bytes of an unfinished "
                   "PATCH, now at %" APR_OFF_T_FMT, id, c.written, now);
    }
    if (sst)
        return sst;
    u.offset = now;
    if (now < u.length) {
        describe(q, &u);
        return vp_ok(q, HTTP_NO_CONTENT, "upload advanced", NULL);
    }
    return finish(q, &u);
}

int vp_h_upload_patch(vp_req_t *q)
{
    const char *ct = apr_table_get(q->r->headers_in, "Content-Type"), *id;
    size_t n = sizeof OCTETS - 1;
    int st;

    if ((st = upload_access(q, 1, &id)))
        return st;
    if (!ct || strncasecmp(ct, OCTETS, n) || (ct[n] && ct[n] != ';' && ct[n] != ' '))
        return vp_fail(q, HTTP_UNSUPPORTED_MEDIA_TYPE, NULL,
                       "Content-Type must be " OCTETS, NULL);
    return locked(q, id, patch_locked);
}

/* ---- DELETE .../uploads/{upload_id}: termination ---- */

static int delete_locked(vp_req_t *q, const char *id)
{
    PGresult *res;
    int st;

    if ((st = vp_db_exec(q, VP_SQL_UPLOAD_DELETE, &res, id, q->project_id, q->who->id)))
        return st;
    if (!PQntuples(res))
        return vp_fail(q, HTTP_NOT_FOUND, NULL, NO_UPLOAD, NULL);
    /* committed; a finished upload's file is its video's now (nothing here) */
    vp_storage_remove(q->cfg->storage, q->r->pool, VP_OBJ_UPLOAD, id, NULL);
    return vp_ok(q, HTTP_NO_CONTENT, "upload terminated", NULL);
}

int vp_h_upload_delete(vp_req_t *q)
{
    const char *id;
    int st;

    if ((st = upload_access(q, 1, &id)))
        return st;
    return locked(q, id, delete_locked);
}
