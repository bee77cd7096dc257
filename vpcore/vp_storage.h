/* Media storage: originals, renditions, posters and unfinished resumable
 * uploads, each named by the id of its row (never by a name a client
 * chose). One small interface so that another backend (an object store)
 * can stand behind it later; today's backend is a folder on disk, which
 * several Apache nodes share through a shared filesystem mount. httpd-free:
 * the module and vplanetd both use it.
 *
 * Layout under the root (one filesystem, so that a commit is a rename):
 *   tmp/                   objects being written (vp_put_t)
 *   originals/ab/ID        the uploaded file
 *   renditions/ab/ID/NAME  encoded renditions (web.mp4, 720p.mp4, ...)
 *   posters/ab/ID.jpg      the poster
 *   uploads/ab/ID          the bytes of a resumable upload so far
 *   screenshots/ab/ID      a feedback's screenshot (ID: the feedback's)
 * ab: the id's first two characters, so that no folder grows too large. */
#ifndef VP_STORAGE_H
#define VP_STORAGE_H

#include <apr_file_io.h>
#include <apr_pools.h>

typedef enum {
    VP_OBJ_ORIGINAL,
    VP_OBJ_RENDITION,       /* name: the rendition's name */
    VP_OBJ_POSTER,
    VP_OBJ_UPLOAD,
    VP_OBJ_SCREENSHOT,
} vp_obj_kind_t;

typedef struct vp_storage vp_storage_t;
typedef struct vp_put vp_put_t;

/* Storage rooted at root (absolute): creates its folders when missing and
 * checks that each can be written. NULL, or why not (for the start-up log). */
const char *vp_storage_open(apr_pool_t *p, const char *root, vp_storage_t **st);

/* Hands the root and its folders to the account that will write them (a
 * server started as root opens its storage before it drops privileges). */
apr_status_t vp_storage_chown(const vp_storage_t *st, apr_pool_t *p, long uid, long gid);

/* Where the object is (the disk backend's path), for serving it with
 * sendfile or handing it to ffmpeg. name only for renditions. */
const char *vp_storage_path(const vp_storage_t *st, apr_pool_t *p, vp_obj_kind_t kind,
                            const char *id, const char *name);

/* Opens an object for reading. APR_ENOENT when it does not exist. */
apr_status_t vp_storage_read(const vp_storage_t *st, apr_pool_t *p, vp_obj_kind_t kind,
                             const char *id, const char *name, apr_file_t **f);

/* Removes an object; for a rendition with name NULL, all of the id's
 * renditions. A missing object is no error. */
apr_status_t vp_storage_remove(const vp_storage_t *st, apr_pool_t *p, vp_obj_kind_t kind,
                               const char *id, const char *name);

/* A new object written as it arrives, invisible under its name until
 * committed. An uncommitted put is removed when p is cleared (every
 * failure path of its writer leaves nothing behind). */
apr_status_t vp_put_begin(const vp_storage_t *st, apr_pool_t *p, vp_put_t **put);
/* APR_ENOSPC (disk full) and other write errors come back as they are. */
apr_status_t vp_put_write(vp_put_t *put, const void *buf, apr_size_t len);
/* Bytes written so far. */
apr_off_t vp_put_size(const vp_put_t *put);
/* The temporary file's path, for a writer that is another program (ffmpeg). */
const char *vp_put_path(const vp_put_t *put);
/* Flushes to disk and makes it the object (replacing one of that name). */
apr_status_t vp_put_commit(vp_put_t *put, vp_obj_kind_t kind, const char *id, const char *name);
/* Removes the temporary file now (no-op after a commit). */
void vp_put_abort(vp_put_t *put);

/* An existing object opened for writing at offset (resumable uploads):
 * bytes past offset are cut off first. The object is created when offset
 * is 0 and it does not exist. */
apr_status_t vp_storage_append(const vp_storage_t *st, apr_pool_t *p, vp_obj_kind_t kind,
                               const char *id, apr_off_t offset, apr_file_t **f);
/* Renames one object to another (a finished upload becomes an original). */
apr_status_t vp_storage_move(const vp_storage_t *st, apr_pool_t *p, vp_obj_kind_t from,
                             const char *from_id, vp_obj_kind_t to, const char *to_id);

#endif
