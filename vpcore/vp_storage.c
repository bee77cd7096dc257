/* Media storage on disk (vp_storage.h). */
#include "vp_storage.h"

#include <apr_lib.h>
#include <apr_strings.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

struct vp_storage {
    const char *root;
};

struct vp_put {
    const vp_storage_t *st;
    apr_pool_t *pool;
    apr_file_t *f;
    char *path;
    apr_off_t size;
    int done;               /* committed or removed */
};

static const char *const folders[] = {"tmp", "originals", "renditions", "posters", "uploads",
                                       "screenshots"};

/* Ids come from our rows, names from our code; anything else is refused
 * rather than trusted with a path. */
static int safe(const char *s, int name)
{
    const char *c;

    if (!s || strlen(s) < 2 || strlen(s) > 64)
        return 0;
    for (c = s; *c; c++)
        if (!(apr_isalnum(*c) || *c == '-' || (name && *c == '.' && c != s)))
            return 0;
    return 1;
}

const char *vp_storage_open(apr_pool_t *p, const char *root, vp_storage_t **out)
{
    vp_storage_t *st;
    apr_status_t rv;
    size_t i;

    if (!root || root[0] != '/')
        return "the storage folder must be an absolute path";
    st = apr_pcalloc(p, sizeof *st);
    st->root = apr_pstrdup(p, root);
    for (i = 0; i < sizeof folders / sizeof folders[0]; i++) {
        const char *dir = apr_pstrcat(p, root, "/", folders[i], NULL);

        if ((rv = apr_dir_make_recursive(dir, APR_FPROT_OS_DEFAULT, p)) != APR_SUCCESS)
            return apr_psprintf(p, "cannot create %s: %pm", dir, &rv);
        if (access(dir, W_OK | X_OK))
            return apr_psprintf(p, "%s is not writable: %s", dir, strerror(errno));
    }
    *out = st;
    return NULL;
}

apr_status_t vp_storage_chown(const vp_storage_t *st, apr_pool_t *p, long uid, long gid)
{
    size_t i;

    if (chown(st->root, (uid_t)uid, (gid_t)gid))
        return errno;
    for (i = 0; i < sizeof folders / sizeof folders[0]; i++)
        if (chown(apr_pstrcat(p, st->root, "/", folders[i], NULL), (uid_t)uid, (gid_t)gid))
            return errno;
    return APR_SUCCESS;
}

static const char *folder(vp_obj_kind_t kind)
{
    switch (kind) {
    case VP_OBJ_ORIGINAL: return "originals";
    case VP_OBJ_RENDITION: return "renditions";
    case VP_OBJ_POSTER: return "posters";
    case VP_OBJ_UPLOAD: return "uploads";
    case VP_OBJ_SCREENSHOT: return "screenshots";
    }
    return NULL;
}

/* The object's folder (its parent) and path; NULL for an unsafe id/name. */
static const char *locate(const vp_storage_t *st, apr_pool_t *p, vp_obj_kind_t kind,
                          const char *id, const char *name, const char **dir)
{
    const char *d;

    if (!safe(id, 0) || (kind == VP_OBJ_RENDITION && name && !safe(name, 1)))
        return NULL;
    d = apr_psprintf(p, "%s/%s/%.2s", st->root, folder(kind), id);
    if (kind == VP_OBJ_RENDITION)
        d = apr_pstrcat(p, d, "/", id, NULL);
    if (dir)
        *dir = d;
    switch (kind) {
    case VP_OBJ_RENDITION:
        return name ? apr_pstrcat(p, d, "/", name, NULL) : d;
    case VP_OBJ_POSTER:
        return apr_pstrcat(p, d, "/", id, ".jpg", NULL);
    default:
        return apr_pstrcat(p, d, "/", id, NULL);
    }
}

const char *vp_storage_path(const vp_storage_t *st, apr_pool_t *p, vp_obj_kind_t kind,
                            const char *id, const char *name)
{
    return locate(st, p, kind, id, name, NULL);
}

apr_status_t vp_storage_read(const vp_storage_t *st, apr_pool_t *p, vp_obj_kind_t kind,
                             const char *id, const char *name, apr_file_t **f)
{
    const char *path = locate(st, p, kind, id, name, NULL);

    if (!path)
        return APR_EINVAL;
    return apr_file_open(f, path, APR_FOPEN_READ | APR_FOPEN_BINARY, APR_FPROT_OS_DEFAULT, p);
}

apr_status_t vp_storage_remove(const vp_storage_t *st, apr_pool_t *p, vp_obj_kind_t kind,
                               const char *id, const char *name)
{
    const char *path = locate(st, p, kind, id, name, NULL);
    apr_status_t rv;

    if (!path)
        return APR_EINVAL;
    if (kind == VP_OBJ_RENDITION && !name) {
        apr_dir_t *d;
        apr_finfo_t fi;

        if ((rv = apr_dir_open(&d, path, p)) != APR_SUCCESS)
            return APR_STATUS_IS_ENOENT(rv) ? APR_SUCCESS : rv;
        while (apr_dir_read(&fi, APR_FINFO_NAME | APR_FINFO_TYPE, d) == APR_SUCCESS)
            if (fi.filetype == APR_REG)
                apr_file_remove(apr_pstrcat(p, path, "/", fi.name, NULL), p);
        apr_dir_close(d);
        rv = apr_dir_remove(path, p);
    }
    else
        rv = apr_file_remove(path, p);
    return APR_STATUS_IS_ENOENT(rv) ? APR_SUCCESS : rv;
}

static apr_status_t put_cleanup(void *data)
{
    vp_put_abort(data);
    return APR_SUCCESS;
}

apr_status_t vp_put_begin(const vp_storage_t *st, apr_pool_t *p, vp_put_t **out)
{
    vp_put_t *put = apr_pcalloc(p, sizeof *put);
    apr_status_t rv;

    put->st = st;
    put->pool = p;
    put->path = apr_pstrcat(p, st->root, "/tmp/put-XXXXXX", NULL);
    /* no APR_FOPEN_DELONCLOSE: a commit keeps the file under another name */
    rv = apr_file_mktemp(&put->f, put->path,
                         APR_FOPEN_CREATE | APR_FOPEN_READ | APR_FOPEN_WRITE | APR_FOPEN_EXCL
                         | APR_FOPEN_BINARY, p);
    if (rv != APR_SUCCESS)
        return rv;
    apr_pool_cleanup_register(p, put, put_cleanup, apr_pool_cleanup_null);
    *out = put;
    return APR_SUCCESS;
}

apr_status_t vp_put_write(vp_put_t *put, const void *buf, apr_size_t len)
{
    apr_size_t n = len;
    apr_status_t rv = apr_file_write_full(put->f, buf, len, &n);

    put->size += n;
    return rv;
}

apr_off_t vp_put_size(const vp_put_t *put)
{
    return put->size;
}

const char *vp_put_path(const vp_put_t *put)
{
    return put->path;
}

apr_status_t vp_put_commit(vp_put_t *put, vp_obj_kind_t kind, const char *id, const char *name)
{
    const char *dir, *path = locate(put->st, put->pool, kind, id, name, &dir);
    apr_status_t rv;

    if (!path)
        return APR_EINVAL;
    /* the data on disk before the name points at it: a crash never leaves
     * a named object with a hole */
    if ((rv = apr_file_sync(put->f)) != APR_SUCCESS
        || (rv = apr_dir_make_recursive(dir, APR_FPROT_OS_DEFAULT, put->pool)) != APR_SUCCESS
        || (rv = apr_file_rename(put->path, path, put->pool)) != APR_SUCCESS)
        return rv;
    put->done = 1;
    apr_file_close(put->f);
    return APR_SUCCESS;
}

void vp_put_abort(vp_put_t *put)
{
    if (put->done)
        return;
    put->done = 1;
    apr_file_close(put->f);
    apr_file_remove(put->path, put->pool);
}

apr_status_t vp_storage_append(const vp_storage_t *st, apr_pool_t *p, vp_obj_kind_t kind,
                               const char *id, apr_off_t offset, apr_file_t **f)
{
    const char *dir, *path = locate(st, p, kind, id, NULL, &dir);
    apr_int32_t flags = APR_FOPEN_WRITE | APR_FOPEN_BINARY;
    apr_off_t at = offset;
    apr_status_t rv;

    if (!path)
        return APR_EINVAL;
    if (offset == 0) {
        flags |= APR_FOPEN_CREATE;
        if ((rv = apr_dir_make_recursive(dir, APR_FPROT_OS_DEFAULT, p)) != APR_SUCCESS)
            return rv;
    }
    if ((rv = apr_file_open(f, path, flags, APR_FPROT_UREAD | APR_FPROT_UWRITE | APR_FPROT_GREAD,
                            p)) != APR_SUCCESS)
        return rv;
    if ((rv = apr_file_trunc(*f, offset)) != APR_SUCCESS
        || (rv = apr_file_seek(*f, APR_SET, &at)) != APR_SUCCESS)
        apr_file_close(*f);
    return rv;
}

apr_status_t vp_storage_move(const vp_storage_t *st, apr_pool_t *p, vp_obj_kind_t from,
                             const char *from_id, vp_obj_kind_t to, const char *to_id)
{
    const char *dir, *src = locate(st, p, from, from_id, NULL, NULL),
                      *dst = locate(st, p, to, to_id, NULL, &dir);
    apr_status_t rv;

    if (!src || !dst)
        return APR_EINVAL;
    if ((rv = apr_dir_make_recursive(dir, APR_FPROT_OS_DEFAULT, p)) != APR_SUCCESS)
        return rv;
    return apr_file_rename(src, dst, p);
}
