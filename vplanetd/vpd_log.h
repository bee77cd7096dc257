/* vplanetd's log: one line per message on stderr, with a time stamp, the
 * level and the part of the daemon, filtered by the configured level.
 * Safe from any thread (one write(2) per line). Messages carry a number
 * (VPD0001...) so an operator can search for them. */
#ifndef VPD_LOG_H
#define VPD_LOG_H

typedef enum { VPD_ERROR, VPD_WARN, VPD_INFO, VPD_DEBUG } vpd_level_t;

/* "error" | "warn" | "info" | "debug"; -1 for anything else. */
int vpd_log_level_parse(const char *name);

void vpd_log_set_level(vpd_level_t level);
int vpd_log_enabled(vpd_level_t level);

/* part: "main", "mail", "db" ... */
void vpd_log(vpd_level_t level, const char *part, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
