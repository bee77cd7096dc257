#include "vpd_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile vpd_level_t threshold = VPD_INFO;
static const char *const names[] = {"error", "warn", "info", "debug"};

int vpd_log_level_parse(const char *name)
{
    int i;

    for (i = 0; i < (int)(sizeof names / sizeof *names); i++)
        if (strcmp(name, names[i]) == 0)
            return i;
    return -1;
}

void vpd_log_set_level(vpd_level_t level)
{
    threshold = level;
}

int vpd_log_enabled(vpd_level_t level)
{
    return level <= threshold;
}

void vpd_log(vpd_level_t level, const char *part, const char *fmt, ...)
{
    char line[2048];
    struct timespec ts;
    struct tm tm;
    va_list ap;
    int n, m;

    if (!vpd_log_enabled(level))
        return;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    n = snprintf(line, sizeof line, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ vplanetd[%ld] %s %s: ",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                 tm.tm_sec, ts.tv_nsec / 1000000, (long)getpid(), names[level], part);
    va_start(ap, fmt);
    m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    va_end(ap);
    if (m < 0)
        m = 0;
    m += n;
    if (m > (int)sizeof line - 2)
        m = (int)sizeof line - 2;   /* cut: keep the newline */
    /* one line: library messages (libpq's) bring their own newlines and tabs */
    for (; n < m; n++)
        if ((unsigned char)line[n] < ' ')
            line[n] = ' ';
    while (n > 0 && line[n - 1] == ' ')
        n--;
    line[n++] = '\n';
    /* one write per line: lines of several threads do not interleave */
    if (write(STDERR_FILENO, line, (size_t)n) < 0) {
        /* nowhere left to say it */
    }
}
