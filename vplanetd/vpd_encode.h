/* The encoding part: encode_workers threads, each with its own database
 * connection, drain the encoding_jobs table (FOR UPDATE SKIP LOCKED), woken
 * by NOTIFY vplanet_jobs and a sweep every encode_poll_interval seconds.
 * A job runs ffprobe and ffmpeg as niced child processes, watched by its
 * thread (never by the WebSocket loop): their progress becomes
 * `video.encoding` events, a job past encode_timeout is killed and fails,
 * a stop kills the children and puts the job back in the queue. Several
 * vplanetd (on other machines sharing the database and the storage mount)
 * share the table; a running job whose worker stops beating for
 * encode_stale seconds is taken again by any of them, at most
 * encode_max_attempts claims in all.
 *
 * Also the media housekeeping (hourly, by whichever worker is free):
 * unfinished resumable uploads past expires_at (row and file), and
 * tmp/put-* files left for over a day. */
#ifndef VPD_ENCODE_H
#define VPD_ENCODE_H

#include "vpd_config.h"

#include <apr_pools.h>

typedef struct vpd_encode vpd_encode_t;

/* Opens the storage, checks that ffmpeg and ffprobe run, starts the
 * workers. NULL with *err on failure. With encode_workers 0: a part that
 * does nothing (vpd_encode_join returns 0). */
vpd_encode_t *vpd_encode_start(apr_pool_t *p, const vpd_config_t *c, const char **err);

/* After the stop: waits for the workers (their children are killed and
 * their jobs queued again). 0, or 1 when a worker failed. */
int vpd_encode_join(vpd_encode_t *e);

#endif
