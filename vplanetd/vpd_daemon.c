#include "vpd_daemon.h"
#include "vpd_log.h"

#include <apr_general.h>

#include <apr_strings.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static atomic_int stop_signal;     /* the signal that asked for the stop; -1 internal */
static atomic_int hup_count;
static int stop_pipe[2] = {-1, -1};

static void on_signal(int sig)
{
    int saved = errno, none = 0;

    if (sig == SIGHUP)
        atomic_fetch_add(&hup_count, 1);
    else if (sig != SIGUSR1 && atomic_compare_exchange_strong(&stop_signal, &none, sig)) {
        if (write(stop_pipe[1], "x", 1) < 0) {
            /* the pipe is already readable */
        }
    }
    errno = saved;
}

const char *vpd_signals_init(apr_pool_t *p)
{
    static const int sigs[] = {SIGTERM, SIGINT, SIGHUP, SIGUSR1};
    struct sigaction sa;
    sigset_t set;
    size_t i;

    if (pipe2(stop_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
        return apr_psprintf(p, "cannot create the stop pipe: %s", strerror(errno));
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigemptyset(&set);
    for (i = 0; i < sizeof sigs / sizeof *sigs; i++) {
        sigaddset(&sa.sa_mask, sigs[i]);
        sigaddset(&set, sigs[i]);
    }
    for (i = 0; i < sizeof sigs / sizeof *sigs; i++)
        if (sigaction(sigs[i], &sa, NULL) != 0)
            return apr_psprintf(p, "cannot install a signal handler: %s", strerror(errno));
    /* a peer closing an SMTP or database connection is an error, not a death */
    signal(SIGPIPE, SIG_IGN);
    if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0)
        return "cannot block signals";
    return NULL;
}

void vpd_wait_for_stop(void)
{
    sigset_t waiting;
    int hups_seen = 0, hups, sig;

    pthread_sigmask(SIG_BLOCK, NULL, &waiting);
    sigdelset(&waiting, SIGTERM);
    sigdelset(&waiting, SIGINT);
    sigdelset(&waiting, SIGHUP);
    sigdelset(&waiting, SIGUSR1);
    while (!vpd_stopping()) {
        sigsuspend(&waiting);   /* the handlers run here, in this thread */
        hups = atomic_load(&hup_count);
        if (hups != hups_seen) {
            hups_seen = hups;
            vpd_log(VPD_INFO, "main", "VPD0003: SIGHUP: nothing to reopen (the log is stderr)");
        }
    }
    sig = atomic_load(&stop_signal);
    if (sig > 0)
        vpd_log(VPD_INFO, "main", "VPD0004: %s: stopping after the work in hand",
                sig == SIGTERM ? "SIGTERM" : sig == SIGINT ? "SIGINT" : "signal");
}

void vpd_stop(void)
{
    int none = 0;

    if (atomic_compare_exchange_strong(&stop_signal, &none, -1)) {
        if (write(stop_pipe[1], "x", 1) < 0) {
            /* already readable */
        }
        kill(getpid(), SIGUSR1);   /* wakes the main thread */
    }
}

int vpd_stopping(void)
{
    return atomic_load(&stop_signal) != 0;
}

int vpd_stop_fd(void)
{
    return stop_pipe[0];
}

int vpd_sleep(long ms)
{
    struct pollfd pfd = {.fd = stop_pipe[0], .events = POLLIN};

    if (vpd_stopping())
        return 1;
    if (ms > 0 && poll(&pfd, 1, ms > 0x7fffffffL ? 0x7fffffff : (int)ms) < 0 && errno != EINTR)
        vpd_log(VPD_WARN, "main", "VPD0005: poll: %s", strerror(errno));
    return vpd_stopping();
}

static long read_pid(const char *path)
{
    char b[32] = "";
    FILE *f = fopen(path, "r");
    long pid = 0;

    if (f) {
        if (fgets(b, sizeof b, f))
            pid = strtol(b, NULL, 10);
        fclose(f);
    }
    return pid;
}

const char *vpd_pidfile_create(apr_pool_t *p, const char *path)
{
    char line[32];
    int fd, tries, n;
    long pid;

    for (tries = 0; tries < 2; tries++) {
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd >= 0) {
            n = snprintf(line, sizeof line, "%ld\n", (long)getpid());
            if (write(fd, line, (size_t)n) != n) {
                close(fd);
                unlink(path);
                return apr_psprintf(p, "cannot write the pid file %s", path);
            }
            close(fd);
            return NULL;
        }
        if (errno != EEXIST)
            return apr_psprintf(p, "cannot create the pid file %s: %s", path, strerror(errno));
        pid = read_pid(path);
        if (pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM))
            return apr_psprintf(p, "already running as pid %ld (pid file %s)", pid, path);
        vpd_log(VPD_WARN, "main", "VPD0006: removing the stale pid file %s (pid %ld is gone)",
                path, pid);
        unlink(path);
    }
    return apr_psprintf(p, "cannot create the pid file %s", path);
}

void vpd_pidfile_remove(const char *path)
{
    if (path && read_pid(path) == (long)getpid())
        unlink(path);
}

const char *vpd_claimer(apr_pool_t *p)
{
    char host[256] = "localhost";
    unsigned char b[4];

    gethostname(host, sizeof host - 1);
    host[sizeof host - 1] = '\0';
    if (apr_generate_random_bytes(b, sizeof b) != APR_SUCCESS)
        return NULL;
    return apr_psprintf(p, "%s:%ld:%02x%02x%02x%02x", host, (long)getpid(), b[0], b[1], b[2],
                        b[3]);
}
