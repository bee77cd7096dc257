#include "vpd_encode.h"
#include "vpd_daemon.h"
#include "vpd_log.h"
#include "vpd_pg.h"
#include "vpd_retry.h"
#include "vpcore/vp_sql.h"
#include "vpcore/vp_storage.h"

#include <apr_strings.h>
#include <apr_tables.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define HOUSEKEEPING_S 3600
#define TMP_MAX_AGE_S 86400
#define PROBE_MAX (4 * 1024 * 1024)   /* bytes of ffprobe's JSON we read */
#define TAIL_MAX 2048                 /* bytes of a child's stderr we keep */
#define ERROR_MAX 900                 /* characters of encoding_error */
#define PROGRESS_STEP 5               /* percent between progress events */
#define EXPIRE_BATCH 100

typedef struct worker worker_t;

struct vpd_encode {
    const vpd_config_t *c;
    vp_storage_t *st;
    const char *claimer;          /* host:pid:random, in claimed_by */
    uid_t owner;                  /* of the media root: what we write is given to it */
    gid_t group;
    int nworkers;
    worker_t *workers;
    atomic_long next_housekeeping;   /* time(NULL) when it is due */
};

struct worker {
    vpd_encode_t *e;
    int index;
    pthread_t thread;
    int started;
    int result;
    vpd_pg_t *db;
    char part[32];                /* "encode", "encode2", ... (logs) */
};

/* Why a child was stopped before its end. */
typedef enum { RUN_OK, RUN_TIMEOUT, RUN_STOP, RUN_LOST, RUN_DELETED, RUN_SPAWN } run_stop_t;

typedef struct {
    worker_t *w;
    apr_pool_t *p;
    const char *id;               /* the job */
    const char *video_id;
    int attempts;
    struct timespec deadline;     /* CLOCK_MONOTONIC */
    struct timespec beat;         /* the next heartbeat is due */
    /* the probe */
    double duration;              /* 0: unknown */
    int fps_num, fps_den, width, height;
    /* progress: finished steps' weight, the running step's, the total */
    double w_done, w_step, w_total;
    int published;                /* the last percent in an event */
} job_t;

/* What a child did. */
typedef struct {
    run_stop_t stop;
    int status;                   /* waitpid's */
    char *out;                    /* its stdout (when kept) */
    size_t out_len;
    char tail[TAIL_MAX + 1];      /* the end of its stderr */
    size_t tail_len;
} run_t;

static const char *const channels[] = {"vplanet_jobs", NULL};

/* --- time --- */

static struct timespec mono_after(double seconds)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    t.tv_sec += (time_t)seconds;
    t.tv_nsec += (long)((seconds - (double)(time_t)seconds) * 1e9);
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}

static int mono_passed(const struct timespec *t)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec > t->tv_sec || (now.tv_sec == t->tv_sec && now.tv_nsec >= t->tv_nsec);
}

static int beat_interval(const vpd_config_t *c)
{
    int s = c->encode_stale / 3;

    return s < 1 ? 1 : s > 10 ? 10 : s;
}

/* --- the database side of a job --- */

static void rollback(worker_t *w)
{
    PQclear(vpd_pg_run(w->db, VPD_SQL_ENC_ROLLBACK));
}

/* One statement's result: its rows (PQntuples), or -1 on error. */
static int rows(PGresult *r)
{
    int n;

    if (!r)
        return -1;
    n = PQntuples(r);
    PQclear(r);
    return n;
}

/* a rendition made */
typedef struct {
    const char *name;
    int width, height;
    apr_off_t size;
} rendition_t;

/* The status change or progress of a video with its `video.encoding` event,
 * in one transaction that locks the project row first (the event order of
 * vpcore/sql/events.def). final: with the probe's findings and the
 * renditions. 1 done, 0 the video was deleted or the job is no longer
 * ours (nothing written), -1 database error. */
static int publish(job_t *j, const char *status, int progress, const char *error,
                   int final, int has_poster, const apr_array_header_t *renditions)
{
    worker_t *w = j->w;
    apr_pool_t *p = j->p;
    const char *project, *dur = NULL, *fn = NULL, *fd = NULL, *wd = NULL, *ht = NULL;
    json_t *payload;
    char *text;
    PGresult *r;
    int i, n;

    if (final && j->width) {
        dur = j->duration > 0 ? apr_psprintf(p, "%.3f", j->duration) : NULL;
        fn = j->fps_num ? apr_itoa(p, j->fps_num) : NULL;
        fd = j->fps_den ? apr_itoa(p, j->fps_den) : NULL;
        wd = apr_itoa(p, j->width);
        ht = apr_itoa(p, j->height);
    }
    if (rows(vpd_pg_run(w->db, VPD_SQL_ENC_BEGIN)) < 0)
        return -1;
    r = vpd_pg_run(w->db, VPD_SQL_ENC_LOCK, j->video_id);
    if (!r || PQntuples(r) != 1) {
        PQclear(r);
        rollback(w);
        return r ? 0 : -1;
    }
    project = apr_pstrdup(p, PQgetvalue(r, 0, 0));
    PQclear(r);
    n = rows(vpd_pg_run(w->db, VPD_SQL_ENC_SET, j->video_id, status, apr_itoa(p, progress), error,
                        dur, fn, fd, wd, ht, final ? (has_poster ? "true" : "false") : NULL,
                        w->e->claimer));
    if (n <= 0) {
        rollback(w);
        return n;
    }
    payload = json_pack("{s:s, s:s, s:i, s:s?}", "id", j->video_id, "encoding_status", status,
                        "progress", progress, "encoding_error", error);
    if (!error)
        json_object_set_new(payload, "encoding_error", json_null());
    if (final) {
        json_t *list = json_array();

        if (rows(vpd_pg_run(w->db, VPD_SQL_ENC_RENDITIONS_CLEAR, j->video_id)) < 0) {
            json_decref(list);
            goto fail;
        }
        for (i = 0; renditions && i < renditions->nelts; i++) {
            const rendition_t *rd = &APR_ARRAY_IDX(renditions, i, rendition_t);

            if (rows(vpd_pg_run(w->db, VPD_SQL_ENC_RENDITION_ADD, j->video_id, rd->name,
                                apr_itoa(p, rd->width), apr_itoa(p, rd->height),
                                apr_off_t_toa(p, rd->size))) < 0) {
                json_decref(list);
                goto fail;
            }
            json_array_append_new(list, json_pack("{s:s, s:i, s:i, s:I}", "name", rd->name,
                                                  "width", rd->width, "height", rd->height,
                                                  "size_bytes", (json_int_t)rd->size));
        }
        json_object_set_new(payload, "renditions", list);
        json_object_set_new(payload, "has_poster", json_boolean(has_poster));
        if (j->width) {
            json_object_set_new(payload, "duration_s",
                                j->duration > 0 ? json_real(j->duration) : json_null());
            json_object_set_new(payload, "fps",
                                j->fps_num ? json_string(apr_psprintf(p, "%d/%d", j->fps_num,
                                                                      j->fps_den))
                                           : json_null());
            json_object_set_new(payload, "fps_decimal",
                                j->fps_num ? json_real(round((double)j->fps_num / j->fps_den
                                                             * 1000) / 1000)
                                           : json_null());
            json_object_set_new(payload, "width", json_integer(j->width));
            json_object_set_new(payload, "height", json_integer(j->height));
        }
    }
    text = json_dumps(payload, JSON_COMPACT);
    json_decref(payload);
    payload = NULL;
    if (!text)
        goto fail;
    r = vpd_pg_exec(w->db, &vp_statements[VP_SQL_EVENT_INSERT], 4,
                    VP_PARAMS(project, "video.encoding", NULL, text));
    free(text);
    if (rows(r) < 0 || rows(vpd_pg_run(w->db, VPD_SQL_ENC_COMMIT)) < 0)
        goto fail;
    return 1;
fail:
    if (payload)
        json_decref(payload);
    rollback(w);
    return -1;
}

/* publish, and a database error is logged: the state is shown late (the
 * next change, or the final one, sets it) */
static int show(job_t *j, const char *status, int progress, const char *error)
{
    int rc = publish(j, status, progress, error, 0, 0, NULL);

    if (rc < 0)
        vpd_log(VPD_WARN, j->w->part, "VPD0510: video %s: could not record %s %d%%", j->video_id,
                status, progress);
    return rc;
}

/* The job's percent from the running step's fraction; an event each
 * PROGRESS_STEP percent. */
static void progress(job_t *j, double fraction)
{
    int pct;

    if (fraction < 0)
        fraction = 0;
    if (fraction > 1)
        fraction = 1;
    pct = (int)((j->w_done + j->w_step * fraction) / j->w_total * 100);
    if (pct > 99)
        pct = 99;    /* 100 is the final change's */
    if (pct >= j->published + PROGRESS_STEP) {
        j->published = pct;
        show(j, "processing", pct, NULL);
    }
}

/* RUN_OK still ours and alive, else why not (RUN_LOST, RUN_DELETED); a
 * database error keeps going (the next beat may reach it). */
static run_stop_t heartbeat(job_t *j)
{
    PGresult *r = vpd_pg_run(j->w->db, VPD_SQL_ENC_HEARTBEAT, j->id, j->w->e->claimer);
    run_stop_t s = RUN_OK;

    if (!r)
        return RUN_OK;
    if (strcmp(PQgetvalue(r, 0, 0), "t") == 0)
        s = RUN_DELETED;
    else if (strcmp(PQgetvalue(r, 0, 1), "t") != 0)
        s = RUN_LOST;
    PQclear(r);
    return s;
}

/* --- children --- */

/* Runs argv niced, its stdout kept (keep_out) or read as ffmpeg's -progress
 * lines (for j's progress), the end of its stderr kept. With a job: killed
 * on its deadline, on a stop, and when its heartbeat says the job is gone. */
static void run(worker_t *w, job_t *j, const char *const *argv, int keep_out, double timeout,
                run_t *res)
{
    const vpd_config_t *c = w->e->c;
    int out[2], err[2], devnull, open_fds = 2;
    struct timespec deadline = j ? j->deadline : mono_after(timeout);
    char buf[8192], line[256];
    size_t line_len = 0;
    pid_t pid, parent = getpid();
    size_t cap = 0;

    memset(res, 0, sizeof *res);
    if (pipe2(out, O_CLOEXEC) != 0)
        goto spawn_failed;
    if (pipe2(err, O_CLOEXEC) != 0) {
        close(out[0]);
        close(out[1]);
        goto spawn_failed;
    }
    devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    pid = fork();
    if (pid == 0) {
        /* the child: async-signal-safe calls only until exec. It dies with
         * this thread (a vplanetd killed with -9 leaves no ffmpeg behind),
         * holds none of vplanetd's descriptors (sockets, the database) */
        sigset_t none;

        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
        /* not what vplanetd's threads have: its signals blocked, SIGPIPE
         * ignored (both would pass through exec) */
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGPIPE, SIG_DFL);
        if (setpriority(PRIO_PROCESS, 0, c->encode_nice) != 0) {
            /* niced or not, it runs */
        }
        if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(out[1], 1) < 0 || dup2(err[1], 2) < 0)
            _exit(127);
        close_range(3, ~0U, 0);
        execvp(argv[0], (char *const *)argv);
        if (write(2, "cannot run ", 11) < 0 || write(2, argv[0], strlen(argv[0])) < 0
            || write(2, ": ", 2) < 0 || write(2, strerror(errno), strlen(strerror(errno))) < 0) {
            /* nothing more to say */
        }
        _exit(127);
    }
    if (devnull >= 0)
        close(devnull);
    close(out[1]);
    close(err[1]);
    if (pid < 0) {
        close(out[0]);
        close(err[0]);
        goto spawn_failed;
    }
    while (open_fds > 0) {
        struct pollfd pfd[3] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0},
                                {res->stop == RUN_OK ? vpd_stop_fd() : -1, POLLIN, 0}};
        int i;

        if (poll(pfd, 3, 500) < 0 && errno != EINTR)
            break;
        for (i = 0; i < 2; i++) {
            ssize_t n;

            if (pfd[i].fd < 0 || !(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            n = read(pfd[i].fd, buf, sizeof buf);
            if (n <= 0) {
                if (n < 0 && errno == EINTR)
                    continue;
                close(pfd[i].fd);
                if (i == 0)
                    out[0] = -1;
                else
                    err[0] = -1;
                open_fds--;
                continue;
            }
            if (i == 1) {
                /* the end of stderr */
                if ((size_t)n >= TAIL_MAX) {
                    memcpy(res->tail, buf + n - TAIL_MAX, TAIL_MAX);
                    res->tail_len = TAIL_MAX;
                }
                else {
                    if (res->tail_len + (size_t)n > TAIL_MAX) {
                        size_t drop = res->tail_len + (size_t)n - TAIL_MAX;

                        memmove(res->tail, res->tail + drop, res->tail_len - drop);
                        res->tail_len -= drop;
                    }
                    memcpy(res->tail + res->tail_len, buf, (size_t)n);
                    res->tail_len += (size_t)n;
                }
            }
            else if (keep_out) {
                if (res->out_len + (size_t)n > PROBE_MAX)
                    continue;   /* more than any probe says: cut (the JSON will not parse) */
                if (res->out_len + (size_t)n + 1 > cap) {
                    char *more;

                    cap = (res->out_len + (size_t)n + 1) * 2;
                    if (!(more = realloc(res->out, cap)))
                        continue;
                    res->out = more;
                }
                memcpy(res->out + res->out_len, buf, (size_t)n);
                res->out_len += (size_t)n;
                res->out[res->out_len] = '\0';
            }
            else {
                /* ffmpeg -progress: key=value lines; out_time_us says how far */
                ssize_t k;

                for (k = 0; k < n; k++) {
                    if (buf[k] != '\n') {
                        if (line_len < sizeof line - 1)
                            line[line_len++] = buf[k];
                        continue;
                    }
                    line[line_len] = '\0';
                    line_len = 0;
                    if (j && j->duration > 0 && res->stop == RUN_OK && strncmp(line, "out_time_us=", 12) == 0
                        && line[12] >= '0' && line[12] <= '9')
                        progress(j, strtod(line + 12, NULL) / 1e6 / j->duration);
                }
            }
        }
        if (res->stop != RUN_OK)
            continue;   /* killed: draining to the end */
        if (vpd_stopping())
            res->stop = RUN_STOP;
        else if (mono_passed(&deadline))
            res->stop = RUN_TIMEOUT;
        else if (j && mono_passed(&j->beat)) {
            j->beat = mono_after(beat_interval(c));
            res->stop = heartbeat(j);
        }
        if (res->stop != RUN_OK)
            kill(pid, SIGKILL);
    }
    if (out[0] >= 0)
        close(out[0]);
    if (err[0] >= 0)
        close(err[0]);
    if (res->stop == RUN_OK && open_fds > 0)
        kill(pid, SIGKILL);    /* poll failed: no child is left unwatched */
    while (waitpid(pid, &res->status, 0) < 0 && errno == EINTR)
        ;
    res->tail[res->tail_len] = '\0';
    return;
spawn_failed:
    res->stop = RUN_SPAWN;
    snprintf(res->tail, sizeof res->tail, "cannot start %s: %s", argv[0], strerror(errno));
    res->tail_len = strlen(res->tail);
}

static int run_ok(const run_t *r)
{
    return r->stop == RUN_OK && WIFEXITED(r->status) && WEXITSTATUS(r->status) == 0;
}

/* A child's complaint for encoding_error: the last lines of its stderr
 * joined by "; ", without what means nothing to a user (the storage path,
 * ffmpeg's "[mov,mp4,... @ 0x55c8...]" prefixes), cut to fit. */
static const char *complaint(apr_pool_t *p, const run_t *r, const char *path)
{
    apr_array_header_t *lines = apr_array_make(p, 8, sizeof(char *));
    char *s = apr_pstrdup(p, r->tail), *line, *state, *hit, *c;
    const char *out;
    size_t n, plen = path ? strlen(path) : 0;
    int first;

    for (line = apr_strtok(s, "\r\n", &state); line; line = apr_strtok(NULL, "\r\n", &state)) {
        while (plen && (hit = strstr(line, path))) {
            size_t skip = plen + (strncmp(hit + plen, ": ", 2) == 0 ? 2 : 0);

            memmove(hit, hit + skip, strlen(hit + skip) + 1);
        }
        while (*line == '[' && (c = strchr(line, ']')) && strstr(line, " @ 0x")
               && strstr(line, " @ 0x") < c)
            for (line = c + 1; *line == ' '; line++)
                ;
        for (c = line; *c; c++)
            if ((unsigned char)*c < ' ')
                *c = ' ';
        while (c > line && c[-1] == ' ')
            *--c = '\0';
        if (*line)
            APR_ARRAY_PUSH(lines, char *) = line;
    }
    if (lines->nelts == 0) {
        if (WIFSIGNALED(r->status))
            return apr_psprintf(p, "killed by signal %d", WTERMSIG(r->status));
        return apr_psprintf(p, "exit status %d", WEXITSTATUS(r->status));
    }
    out = "";
    for (first = lines->nelts > 3 ? lines->nelts - 3 : 0; first < lines->nelts; first++)
        out = apr_pstrcat(p, out, *out ? "; " : "", APR_ARRAY_IDX(lines, first, char *), NULL);
    n = strlen(out);
    if (n > ERROR_MAX) {
        n = ERROR_MAX;
        while (n > 0 && ((unsigned char)out[n] & 0xC0) == 0x80)
            n--;
        out = apr_pstrmemdup(p, out, n);
    }
    return out;
}

/* --- what the job makes --- */

/* ffprobe's findings: NULL, or why the file is no video for us. */
static const char *probe(job_t *j, const char *path, run_t *r)
{
    const vpd_config_t *c = j->w->e->c;
    const char *argv[] = {c->ffprobe, "-v", "error", "-print_format", "json", "-show_format",
                          "-show_streams", "-i", path, NULL};
    json_t *root, *streams, *s, *video = NULL;
    const char *rate, *dur;
    size_t i;
    int num = 0, den = 0;

    run(j->w, j, argv, 1, 0, r);
    if (r->stop != RUN_OK)
        return "stopped";
    if (!run_ok(r))
        return apr_pstrcat(j->p, "not a video ffprobe can read: ", complaint(j->p, r, path),
                           NULL);
    root = r->out ? json_loads(r->out, 0, NULL) : NULL;
    streams = json_object_get(root, "streams");
    json_array_foreach(streams, i, s) {
        const char *type = json_string_value(json_object_get(s, "codec_type"));
        json_t *disp = json_object_get(s, "disposition");

        /* a cover image is a "video" stream too */
        if (type && strcmp(type, "video") == 0
            && !json_integer_value(json_object_get(disp, "attached_pic"))) {
            video = s;
            break;
        }
    }
    if (!video) {
        json_decref(root);
        return root ? "the file has no video stream" : "ffprobe said nothing readable";
    }
    j->width = (int)json_integer_value(json_object_get(video, "width"));
    j->height = (int)json_integer_value(json_object_get(video, "height"));
    /* the stream's rate as a rational (30000/1001); avg_ when r_ is unknown */
    rate = json_string_value(json_object_get(video, "r_frame_rate"));
    if (!rate || sscanf(rate, "%d/%d", &num, &den) != 2 || num <= 0 || den <= 0) {
        rate = json_string_value(json_object_get(video, "avg_frame_rate"));
        if (!rate || sscanf(rate, "%d/%d", &num, &den) != 2 || num <= 0 || den <= 0)
            num = den = 0;
    }
    j->fps_num = num;
    j->fps_den = den;
    dur = json_string_value(json_object_get(json_object_get(root, "format"), "duration"));
    if (!dur)
        dur = json_string_value(json_object_get(video, "duration"));
    j->duration = dur ? strtod(dur, NULL) : 0;
    if (!(j->duration > 0 && j->duration < 1e7))
        j->duration = 0;
    json_decref(root);
    if (j->width <= 0 || j->height <= 0)
        return "the video stream has no picture size ffprobe can tell";
    return NULL;
}

/* The size of a rendition: even numbers (yuv420p), height at most max_h,
 * the aspect kept. */
static void fit(const job_t *j, int max_h, int *w, int *h)
{
    int th = j->height < max_h ? j->height : max_h;

    *h = th & ~1;
    *w = (int)lround((double)j->width * th / j->height / 2) * 2;
    if (*w > (j->width & ~1))
        *w = j->width & ~1;     /* an odd width is never rounded up */
    if (*w < 2)
        *w = 2;
    if (*h < 2)
        *h = 2;
}

/* The width and height of a file ffmpeg wrote (it plays): 1, else 0
 * (*stop: why it was stopped). */
static int measure(job_t *j, const char *path, int *w, int *h, run_stop_t *stop)
{
    const vpd_config_t *c = j->w->e->c;
    const char *argv[] = {c->ffprobe, "-v", "error", "-select_streams", "v:0", "-show_entries",
                          "stream=width,height", "-of", "csv=p=0:s=x", "-i", path, NULL};
    run_t r;
    int ok;

    run(j->w, j, argv, 1, 0, &r);
    *stop = r.stop == RUN_SPAWN ? RUN_OK : r.stop;
    ok = run_ok(&r) && r.out && sscanf(r.out, "%dx%d", w, h) == 2 && *w > 0 && *h > 0;
    free(r.out);
    return ok;
}

/* Logs the command line (bench/videos runs it by hand to compare). */
static void log_command(job_t *j, const char *const *argv)
{
    apr_array_header_t *a = apr_array_make(j->p, 40, sizeof(const char *));

    for (; *argv; argv++)
        APR_ARRAY_PUSH(a, const char *) = *argv;
    vpd_log(VPD_INFO, j->w->part, "VPD0504: video %s: %s", j->video_id,
            apr_array_pstrcat(j->p, a, ' '));
}

/* The file is served by httpd: readable by the owner of the media root
 * (vplanetd may run as root in a development stack while httpd is
 * www-data; the module also removes these files and their folders). */
static void hand_over(vpd_encode_t *e, const char *path, int levels)
{
    char *s = strdup(path), *slash;

    chmod(path, 0640);
    if (geteuid() != 0 || !s) {
        free(s);
        return;
    }
    if (lchown(path, e->owner, e->group) != 0)
        vpd_log(VPD_WARN, "encode", "VPD0511: chown %s: %s", path, strerror(errno));
    for (; levels > 0 && (slash = strrchr(s, '/')); levels--) {
        *slash = '\0';
        if (lchown(s, e->owner, e->group) != 0)
            break;
    }
    free(s);
}

typedef enum { MADE, NOT_MADE, STOPPED } step_t;

/* One ffmpeg run writing one object: the web rendition or a lower one
 * (name "web" | "720p" | "480p", height cap max_h), or the poster (name
 * NULL, at seek seconds). *why: ffmpeg's complaint when NOT_MADE; *stop:
 * why it was stopped when STOPPED. */
static step_t make(job_t *j, const char *src, const char *name, int max_h, double seek,
                   rendition_t *out, const char **why, run_stop_t *stop)
{
    vpd_encode_t *e = j->w->e;
    const vpd_config_t *c = e->c;
    apr_pool_t *p = j->p;
    const char *argv[48], *tmp, *final;
    vp_put_t *put;
    apr_status_t rv;
    run_t r;
    struct stat sb;
    int n = 0, w, h;

    fit(j, max_h, &w, &h);
    if ((rv = vp_put_begin(e->st, p, &put)) != APR_SUCCESS) {
        *why = apr_psprintf(p, "cannot write to the storage: %pm", &rv);
        return NOT_MADE;
    }
    tmp = vp_put_path(put);
    argv[n++] = c->ffmpeg;
    argv[n++] = "-nostdin";
    argv[n++] = "-hide_banner";
    argv[n++] = "-loglevel";
    argv[n++] = "error";
    argv[n++] = "-y";
    if (!name) {
        argv[n++] = "-ss";
        argv[n++] = apr_psprintf(p, "%.3f", seek);
    }
    argv[n++] = "-i";
    argv[n++] = src;
    argv[n++] = "-map";
    argv[n++] = "0:v:0";
    argv[n++] = "-vf";
    argv[n++] = apr_psprintf(p, "scale=%d:%d", w, h);
    if (name) {
        argv[n++] = "-map";
        argv[n++] = "0:a:0?";      /* the first audio stream, if any */
        argv[n++] = "-sn";
        argv[n++] = "-dn";
        argv[n++] = "-c:v";
        argv[n++] = "libx264";
        argv[n++] = "-preset";
        argv[n++] = c->encode_preset;
        argv[n++] = "-crf";
        argv[n++] = apr_itoa(p, c->encode_crf);
        argv[n++] = "-pix_fmt";
        argv[n++] = "yuv420p";
        argv[n++] = "-c:a";
        argv[n++] = "aac";
        argv[n++] = "-b:a";
        argv[n++] = "128k";
        argv[n++] = "-ac";
        argv[n++] = "2";
        argv[n++] = "-movflags";
        argv[n++] = "+faststart";
        argv[n++] = "-progress";
        argv[n++] = "pipe:1";
        argv[n++] = "-nostats";
        argv[n++] = "-f";
        argv[n++] = "mp4";
    }
    else {
        argv[n++] = "-frames:v";
        argv[n++] = "1";
        argv[n++] = "-q:v";
        argv[n++] = "3";
        argv[n++] = "-update";
        argv[n++] = "1";
        argv[n++] = "-f";
        argv[n++] = "image2";
    }
    argv[n++] = tmp;
    argv[n] = NULL;
    log_command(j, argv);
    run(j->w, j, argv, 0, 0, &r);
    *stop = r.stop;
    if (r.stop != RUN_OK && r.stop != RUN_SPAWN) {
        vp_put_abort(put);
        return STOPPED;
    }
    *stop = RUN_OK;
    if (!run_ok(&r)) {
        *why = complaint(p, &r, src);
        vp_put_abort(put);
        return NOT_MADE;
    }
    if (stat(tmp, &sb) != 0 || sb.st_size == 0 || (name && !measure(j, tmp, &w, &h, stop))) {
        *why = "ffmpeg wrote no file that plays";
        vp_put_abort(put);
        return *stop != RUN_OK ? STOPPED : NOT_MADE;
    }
    final = name ? apr_pstrcat(p, name, ".mp4", NULL) : NULL;
    if ((rv = vp_put_commit(put, name ? VP_OBJ_RENDITION : VP_OBJ_POSTER, j->video_id, final))
        != APR_SUCCESS) {
        *why = apr_psprintf(p, "cannot store the file: %pm", &rv);
        vp_put_abort(put);
        return NOT_MADE;
    }
    hand_over(e, vp_storage_path(e->st, p, name ? VP_OBJ_RENDITION : VP_OBJ_POSTER, j->video_id,
                                 final),
              name ? 2 : 1);
    if (out) {
        out->name = name;
        out->width = w;
        out->height = h;
        out->size = (apr_off_t)sb.st_size;
    }
    return MADE;
}

static void remove_outputs(job_t *j)
{
    vpd_encode_t *e = j->w->e;

    vp_storage_remove(e->st, j->p, VP_OBJ_RENDITION, j->video_id, NULL);
    vp_storage_remove(e->st, j->p, VP_OBJ_POSTER, j->video_id, NULL);
}

/* The job's end in the jobs table (logged when it could not be written:
 * the job is then taken again after encode_stale). */
static void finish(job_t *j, const char *status, const char *error)
{
    if (rows(vpd_pg_run(j->w->db, VPD_SQL_ENC_FINISH, j->id, j->w->e->claimer, status, error))
        < 0)
        vpd_log(VPD_WARN, j->w->part, "VPD0512: job %s: could not record it %s", j->id, status);
}

static void stopped(job_t *j, run_stop_t why);

static void fail(job_t *j, const char *why)
{
    run_stop_t now = heartbeat(j);

    /* a video deleted meanwhile fails for that (the module removed its
     * original): no failure to show; a job taken back is another's */
    if (now != RUN_OK) {
        stopped(j, now);
        return;
    }
    remove_outputs(j);
    vpd_log(VPD_WARN, j->w->part, "VPD0503: video %s failed: %s", j->video_id, why);
    if (publish(j, "failed", 0, why, 1, 0, NULL) < 0) {
        /* the video still says processing: the job is taken again later */
        vpd_log(VPD_WARN, j->w->part, "VPD0510: video %s: could not record failed", j->video_id);
        return;
    }
    finish(j, "failed", why);
}

/* A step was stopped: what becomes of the job. */
static void stopped(job_t *j, run_stop_t why)
{
    const vpd_config_t *c = j->w->e->c;

    switch (why) {
    case RUN_TIMEOUT:
        fail(j, apr_psprintf(j->p, "encoding took longer than encode_timeout (%d s): stopped",
                             c->encode_timeout));
        return;
    case RUN_DELETED:
        remove_outputs(j);
        vpd_log(VPD_INFO, j->w->part, "VPD0505: video %s was deleted: its encoding stopped",
                j->video_id);
        finish(j, "done", "the video was deleted");
        return;
    case RUN_LOST:
        vpd_log(VPD_WARN, j->w->part, "VPD0506: job %s was taken back by another daemon (no "
                "heartbeat for encode_stale seconds): leaving it to that one", j->id);
        return;
    default:
        /* the daemon stops: the attempt does not count, the video waits */
        show(j, "pending", 0, NULL);
        if (rows(vpd_pg_run(j->w->db, VPD_SQL_ENC_REQUEUE, j->id, j->w->e->claimer,
                            "the daemon stopped during the encoding", "1")) < 0)
            vpd_log(VPD_WARN, j->w->part, "VPD0512: job %s: could not queue it again", j->id);
        else
            vpd_log(VPD_INFO, j->w->part, "VPD0507: job %s stopped with the daemon: queued "
                    "again", j->id);
    }
}

static void process(worker_t *w, apr_pool_t *p, const char *id, const char *video_id,
                    int attempts, const char *last_error)
{
    vpd_encode_t *e = w->e;
    const vpd_config_t *c = e->c;
    job_t job = {0}, *j = &job;
    apr_array_header_t *made = apr_array_make(p, 3, sizeof(rendition_t));
    static const struct { const char *name; int h; } lower[] = {{"720p", 720}, {"480p", 480}};
    const char *src, *why, *missing = NULL;
    run_stop_t stop;
    PGresult *r;
    run_t pr;
    size_t i;
    int has_poster = 0, web_w, web_h;
    double seek;

    j->w = w;
    j->p = p;
    j->id = id;
    j->video_id = video_id;
    j->attempts = attempts;
    j->deadline = mono_after(c->encode_timeout);
    j->beat = mono_after(beat_interval(c));
    j->published = 0;
    vpd_log(VPD_INFO, w->part, "VPD0501: job %s (video %s), attempt %d", id, video_id, attempts);
    r = vpd_pg_run(w->db, VPD_SQL_ENC_VIDEO, video_id);
    if (!r) {
        rows(vpd_pg_run(w->db, VPD_SQL_ENC_REQUEUE, id, e->claimer, "database error", "1"));
        return;
    }
    if (PQntuples(r) == 0 || strcmp(PQgetvalue(r, 0, 1), "t") == 0) {
        PQclear(r);
        stopped(j, RUN_DELETED);
        return;
    }
    PQclear(r);
    if (attempts > c->encode_max_attempts) {
        fail(j, apr_psprintf(p, "gave up after %d attempts%s%s", c->encode_max_attempts,
                             *last_error ? ": " : "", last_error));
        return;
    }
    /* what an earlier attempt left is made again */
    remove_outputs(j);
    if (show(j, "processing", 0, NULL) == 0) {
        stopped(j, heartbeat(j) == RUN_LOST ? RUN_LOST : RUN_DELETED);
        return;
    }
    src = vp_storage_path(e->st, p, VP_OBJ_ORIGINAL, video_id, NULL);
    if (!src || access(src, R_OK) != 0) {
        fail(j, "the uploaded file is missing from the storage");
        return;
    }
    why = probe(j, src, &pr);
    free(pr.out);
    if (pr.stop != RUN_OK && pr.stop != RUN_SPAWN) {
        stopped(j, pr.stop);
        return;
    }
    if (why) {
        fail(j, why);
        return;
    }
    vpd_log(VPD_INFO, w->part, "VPD0502: video %s: %dx%d, %d/%d fps, %.3f s", video_id, j->width,
            j->height, j->fps_num, j->fps_den, j->duration);
    /* the steps' weights: the pixels each encodes (the poster: a little) */
    fit(j, 1080, &web_w, &web_h);
    j->w_total = (double)web_w * web_h;
    for (i = 0; i < sizeof lower / sizeof *lower; i++)
        if (j->height > lower[i].h) {
            int lw, lh;

            fit(j, lower[i].h, &lw, &lh);
            j->w_total += (double)lw * lh;
        }
    j->w_total *= 1.02;
    j->w_step = (double)web_w * web_h;
    {
        rendition_t *rd = apr_array_push(made);

        switch (make(j, src, "web", 1080, 0, rd, &why, &stop)) {
        case STOPPED:
            stopped(j, stop);
            return;
        case NOT_MADE:
            fail(j, apr_pstrcat(p, "ffmpeg could not encode the video: ", why, NULL));
            return;
        case MADE:
            break;
        }
    }
    j->w_done += j->w_step;
    for (i = 0; i < sizeof lower / sizeof *lower; i++) {
        rendition_t rd;
        int lw, lh;

        if (j->height <= lower[i].h)
            continue;
        fit(j, lower[i].h, &lw, &lh);
        j->w_step = (double)lw * lh;
        switch (make(j, src, lower[i].name, lower[i].h, 0, &rd, &why, &stop)) {
        case STOPPED:
            stopped(j, stop);
            return;
        case NOT_MADE:
            /* (the original removed by a delete fails each step at once) */
            if ((stop = heartbeat(j)) != RUN_OK) {
                stopped(j, stop);
                return;
            }
            vpd_log(VPD_WARN, w->part, "VPD0508: video %s: no %s rendition: %s", video_id,
                    lower[i].name, why);
            missing = missing ? apr_pstrcat(p, missing, ", ", lower[i].name, NULL)
                              : lower[i].name;
            break;
        case MADE:
            APR_ARRAY_PUSH(made, rendition_t) = rd;
        }
        j->w_done += j->w_step;
    }
    /* the poster: a frame about 1 s in, or the first */
    j->w_step = 0;
    seek = j->duration > 2 ? 1 : 0;
    for (;;) {
        step_t s = make(j, src, NULL, 1080, seek, NULL, &why, &stop);

        if (s == STOPPED) {
            stopped(j, stop);
            return;
        }
        if (s == MADE) {
            has_poster = 1;
            break;
        }
        if ((stop = heartbeat(j)) != RUN_OK) {
            stopped(j, stop);
            return;
        }
        if (seek == 0) {
            vpd_log(VPD_WARN, w->part, "VPD0508: video %s: no poster: %s", video_id, why);
            missing = missing ? apr_pstrcat(p, missing, ", poster", NULL) : "poster";
            break;
        }
        seek = 0;
    }
    why = missing ? apr_pstrcat(p, "not made: ", missing, NULL) : NULL;
    switch (publish(j, missing ? "partial" : "completed", 100, why, 1, has_poster, made)) {
    case 0:
        stopped(j, heartbeat(j) == RUN_LOST ? RUN_LOST : RUN_DELETED);
        return;
    case -1:
        /* the files are there; the job is taken again after encode_stale */
        vpd_log(VPD_WARN, w->part, "VPD0510: video %s: could not record the result", video_id);
        return;
    }
    finish(j, "done", why);
    vpd_log(VPD_INFO, w->part, "VPD0500: video %s %s (%d rendition%s%s)", video_id,
            missing ? "partial" : "completed", made->nelts, made->nelts == 1 ? "" : "s",
            has_poster ? ", poster" : "");
}

/* --- housekeeping --- */

static void expire_uploads(worker_t *w, apr_pool_t *p)
{
    vpd_encode_t *e = w->e;
    PGresult *r;
    int i, n, total = 0;

    do {
        if (rows(vpd_pg_run(w->db, VPD_SQL_ENC_BEGIN)) < 0)
            return;
        if (!(r = vpd_pg_run(w->db, VPD_SQL_ENC_UPLOADS_EXPIRE, apr_itoa(p, EXPIRE_BATCH)))) {
            rollback(w);
            return;
        }
        n = PQntuples(r);
        /* the files first: a crash before the commit leaves the rows, which
         * the next round deletes (a missing file is no error) */
        for (i = 0; i < n; i++)
            vp_storage_remove(e->st, p, VP_OBJ_UPLOAD, PQgetvalue(r, i, 0), NULL);
        PQclear(r);
        if (rows(vpd_pg_run(w->db, VPD_SQL_ENC_COMMIT)) < 0) {
            rollback(w);
            return;
        }
        total += n;
    } while (n == EXPIRE_BATCH && !vpd_stopping());
    if (total)
        vpd_log(VPD_INFO, w->part, "VPD0520: removed %d expired unfinished upload%s", total,
                total == 1 ? "" : "s");
}

static void clean_tmp(worker_t *w, apr_pool_t *p)
{
    const char *dir = apr_pstrcat(p, w->e->c->media_root, "/tmp", NULL);
    time_t old = time(NULL) - TMP_MAX_AGE_S;
    struct dirent *d;
    struct stat sb;
    DIR *dp = opendir(dir);
    int n = 0;

    if (!dp)
        return;
    while ((d = readdir(dp))) {
        const char *path;

        if (strncmp(d->d_name, "put-", 4) != 0)
            continue;
        path = apr_pstrcat(p, dir, "/", d->d_name, NULL);
        if (lstat(path, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_mtime < old
            && unlink(path) == 0)
            n++;
    }
    closedir(dp);
    if (n)
        vpd_log(VPD_INFO, w->part, "VPD0521: removed %d temporary file%s older than a day", n,
                n == 1 ? "" : "s");
}

static void housekeeping(worker_t *w, apr_pool_t *p)
{
    long now = (long)time(NULL), due = atomic_load(&w->e->next_housekeeping);

    /* one worker of the daemon at a time */
    if (now < due || !atomic_compare_exchange_strong(&w->e->next_housekeeping, &due,
                                                     now + HOUSEKEEPING_S))
        return;
    expire_uploads(w, p);
    clean_tmp(w, p);
}

/* --- the workers --- */

/* One claim: 1 a job was done, 0 none was queued, -1 database error. */
static int round_(worker_t *w, apr_pool_t *p)
{
    const vpd_config_t *c = w->e->c;
    PGresult *r = vpd_pg_run(w->db, VPD_SQL_ENC_CLAIM, w->e->claimer,
                             apr_itoa(p, c->encode_stale));
    const char *id, *video, *last;
    int attempts;

    if (!r)
        return -1;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return 0;
    }
    id = apr_pstrdup(p, PQgetvalue(r, 0, 0));
    video = apr_pstrdup(p, PQgetvalue(r, 0, 1));
    attempts = atoi(PQgetvalue(r, 0, 2));
    last = apr_pstrdup(p, PQgetvalue(r, 0, 3));
    PQclear(r);
    process(w, p, id, video, attempts, last);
    return 1;
}

static void *worker_main(void *arg)
{
    worker_t *w = arg;
    const vpd_config_t *c = w->e->c;
    apr_pool_t *root, *p;
    long wait_ms = (c->encode_poll_interval < c->encode_stale ? c->encode_poll_interval
                                                               : c->encode_stale) * 1000L;
    int n, errors = 0;

    if (apr_pool_create_unmanaged_ex(&root, NULL, NULL) != APR_SUCCESS) {
        vpd_log(VPD_ERROR, w->part, "VPD0509: out of memory");
        w->result = 1;
        vpd_stop();
        return NULL;
    }
    apr_pool_create(&p, root);
    w->db = vpd_pg_create(root, c->database, w->part, channels);
    while (!vpd_stopping()) {
        apr_pool_clear(p);
        if (!vpd_pg_ensure(w->db))
            continue;
        housekeeping(w, p);
        n = round_(w, p);
        if (n < 0) {
            vpd_sleep(vpd_backoff(500, 30000, ++errors));
            continue;
        }
        errors = 0;
        if (n == 0)
            vpd_pg_wait(w->db, wait_ms);
    }
    apr_pool_clear(p);
    vpd_pg_close(w->db);
    apr_pool_destroy(root);
    return NULL;
}

/* `PROGRAM -version` runs: its first line, or NULL */
static const char *version(apr_pool_t *p, worker_t *w, const char *program)
{
    const char *argv[] = {program, "-version", NULL};
    run_t r;
    const char *v = NULL;

    run(w, NULL, argv, 1, 10, &r);
    if (run_ok(&r) && r.out)
        v = apr_pstrndup(p, r.out, strcspn(r.out, "\n"));
    free(r.out);
    return v;
}

vpd_encode_t *vpd_encode_start(apr_pool_t *p, const vpd_config_t *c, const char **err)
{
    vpd_encode_t *e = apr_pcalloc(p, sizeof *e);
    const char *v1, *v2;
    struct stat sb;
    int i;

    e->c = c;
    e->nworkers = c->encode_workers;
    if (e->nworkers == 0) {
        vpd_log(VPD_INFO, "encode", "VPD0513: encode_workers is 0: this daemon encodes nothing");
        return e;
    }
    if ((*err = vp_storage_open(p, c->media_root, &e->st)))
        return NULL;
    if (stat(c->media_root, &sb) != 0) {
        *err = apr_psprintf(p, "%s: %s", c->media_root, strerror(errno));
        return NULL;
    }
    e->owner = sb.st_uid;
    e->group = sb.st_gid;
    /* folders made now belong to the root's owner (httpd's user), as the
     * module hands them over when it starts as root */
    if (geteuid() == 0 && sb.st_uid != 0
        && vp_storage_chown(e->st, p, (long)sb.st_uid, (long)sb.st_gid) != APR_SUCCESS) {
        *err = apr_psprintf(p, "cannot hand the folders of %s to its owner", c->media_root);
        return NULL;
    }
    e->workers = apr_pcalloc(p, sizeof(worker_t) * (size_t)e->nworkers);
    e->workers[0].e = e;
    strcpy(e->workers[0].part, "encode");
    if (!(v1 = version(p, &e->workers[0], c->ffmpeg))
        || !(v2 = version(p, &e->workers[0], c->ffprobe))) {
        *err = apr_psprintf(p, "%s does not run (set ffmpeg and ffprobe, or encode_workers = 0)",
                            v1 ? c->ffprobe : c->ffmpeg);
        return NULL;
    }
    if (!(e->claimer = vpd_claimer(p))) {
        *err = "no randomness";
        return NULL;
    }
    atomic_store(&e->next_housekeeping, 0L);
    for (i = 0; i < e->nworkers; i++) {
        worker_t *w = &e->workers[i];
        int rc;

        w->e = e;
        w->index = i;
        if (i)
            snprintf(w->part, sizeof w->part, "encode%d", i + 1);
        if ((rc = pthread_create(&w->thread, NULL, worker_main, w)) != 0) {
            *err = apr_pstrdup(p, strerror(rc));
            vpd_stop();
            vpd_encode_join(e);
            return NULL;
        }
        w->started = 1;
    }
    vpd_log(VPD_INFO, "encode", "VPD0514: %d encode worker%s on %s (claimer %s; %s; %s; preset "
            "%s, crf %d, nice %d)", e->nworkers, e->nworkers == 1 ? "" : "s", c->media_root,
            e->claimer, v1, v2, c->encode_preset, c->encode_crf, c->encode_nice);
    return e;
}

int vpd_encode_join(vpd_encode_t *e)
{
    int i, rc = 0;

    for (i = 0; i < e->nworkers; i++)
        if (e->workers[i].started) {
            pthread_join(e->workers[i].thread, NULL);
            rc |= e->workers[i].result;
        }
    return rc;
}
