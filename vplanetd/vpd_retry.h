/* When to try again: exponential backoff with a cap, and what a failed
 * delivery attempt makes of an outbox row. Pure. */
#ifndef VPD_RETRY_H
#define VPD_RETRY_H

/* The wait after the n-th consecutive failure (n >= 1): base, 2 base,
 * 4 base ... never more than cap (and never overflowing). */
long vpd_backoff(long base, long cap, int n);

typedef struct {
    int attempts;          /* attempts after this one */
    int failed;            /* 1: give up (status failed); 0: queued again */
    long delay;            /* seconds until the next attempt (when not failed) */
} vpd_retry_t;

/* A delivery attempt failed; attempts_before were made before it. */
vpd_retry_t vpd_retry_after_failure(int attempts_before, int max_attempts, long base, long cap);

#endif
