#include "vpd_retry.h"

#include <limits.h>

long vpd_backoff(long base, long cap, int n)
{
    long d = base > 0 ? base : 1;

    for (; n > 1 && d < cap; n--)
        d = d > cap / 2 ? cap : d * 2;
    return d < cap ? d : cap;
}

vpd_retry_t vpd_retry_after_failure(int attempts_before, int max_attempts, long base, long cap)
{
    vpd_retry_t r;

    r.attempts = attempts_before < 0 ? 1 : attempts_before < INT_MAX ? attempts_before + 1 : INT_MAX;
    r.failed = r.attempts >= max_attempts;
    r.delay = r.failed ? 0 : vpd_backoff(base, cap, r.attempts);
    return r;
}
