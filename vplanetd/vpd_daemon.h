/* The process: signals, the stop that every part of the daemon waits on,
 * and the pid file.
 *
 * SIGTERM and SIGINT ask for a stop: each part finishes what it is doing
 * (the mail part: the message being sent) and returns. SIGHUP is logged and
 * otherwise ignored (the log is stderr: nothing to reopen). The signals are
 * handled by the main thread only; parts running in threads of their own
 * poll vpd_stop_fd(), which becomes readable (and stays so) on a stop. */
#ifndef VPD_DAEMON_H
#define VPD_DAEMON_H

#include <apr_pools.h>

/* Installs the handlers and blocks the signals in the calling (main)
 * thread, so threads created afterwards never run a handler. NULL, or why not. */
const char *vpd_signals_init(apr_pool_t *p);

/* The main thread: waits until a stop is asked; logs the signals. */
void vpd_wait_for_stop(void);

/* Asks for a stop from any thread (a part that cannot go on). */
void vpd_stop(void);

int vpd_stopping(void);

/* Readable once a stop was asked. */
int vpd_stop_fd(void);

/* Waits ms milliseconds, or less when a stop is asked: 1 then, else 0. */
int vpd_sleep(long ms);

/* The name a part claims rows under (outbox, encoding jobs): host, pid and
 * random bytes, so that claims of another daemon, or of this one before a
 * restart, are told apart. NULL when the system has no randomness. */
const char *vpd_claimer(apr_pool_t *p);

/* Creates the pid file, refusing when it names a running process. NULL,
 * or why not. vpd_pidfile_remove removes it if it still holds our pid. */
const char *vpd_pidfile_create(apr_pool_t *p, const char *path);
void vpd_pidfile_remove(const char *path);

#endif
