/* vplanetd's configuration: a `key = value` file. Pure: parsing and
 * checking need no daemon, only vpd_config_load_files reads the files the
 * configuration names. The keys, their defaults and limits are the table in
 * vpd_config.c (and the README's "vplanetd" section). */
#ifndef VPD_CONFIG_H
#define VPD_CONFIG_H

#include "vpcore/vp_token.h"

#include <apr_pools.h>

typedef enum { VPD_TLS_REQUIRED, VPD_TLS_TRY, VPD_TLS_NONE } vpd_tls_t;

typedef struct {
    const char *database;          /* libpq connection string */

    /* the WebSocket server (next step): where it listens, how it checks tokens */
    const char *listen_host;
    int listen_port;
    const char *jwt_key_file;
    const char *jwt_algorithm;     /* HS256 | RS256 | ES256 */
    const char *jwt_issuer;
    const char *jwt_audience;
    vp_token_keys_t keys;          /* filled by vpd_config_load_files */
    int ws_ping_interval;          /* seconds between pings of idle clients */
    int ws_queue_max;              /* messages queued for one client before it is dropped */

    /* SMTP */
    const char *smtp_url;          /* smtp://host[:port][/helo] or smtps://... */
    int smtp_implicit_tls;         /* smtps:// */
    vpd_tls_t smtp_tls;            /* STARTTLS for smtp:// */
    const char *smtp_from;         /* envelope and header address */
    const char *smtp_from_name;    /* display name of From: */
    const char *smtp_username;
    const char *smtp_password_file;
    const char *smtp_password;     /* read by vpd_config_load_files */
    const char *smtp_ca_file;
    int smtp_timeout;              /* seconds for one message */
    int smtp_connect_timeout;

    /* the outbox */
    int mail_max_attempts;
    int mail_backoff_base;         /* seconds before the 2nd attempt; doubles */
    int mail_backoff_max;
    int mail_batch;                /* rows claimed at once */
    int mail_poll_interval;        /* seconds between looks without a NOTIFY */
    int mail_sending_timeout;      /* a row `sending` longer than this is taken back */

    /* encoding (vpd_encode.c) */
    const char *media_root;        /* the module's VPlanetMediaRoot */
    int encode_workers;            /* jobs encoded at once; 0: no encoding here */
    int encode_timeout;            /* seconds for one job, all its steps */
    int encode_nice;               /* nice of the ffmpeg/ffprobe children */
    const char *ffmpeg;            /* program (a name is looked up in PATH) */
    const char *ffprobe;
    const char *encode_preset;     /* x264 preset */
    int encode_crf;                /* x264 constant rate factor */
    int encode_max_attempts;       /* claims of one job before it fails */
    int encode_stale;              /* seconds without a heartbeat: the worker died */
    int encode_poll_interval;      /* seconds between sweeps without a NOTIFY */

    /* notification delivery (vpd_notify.c) */
    const char *public_url;        /* the frontend's address, for links; NULL: none */
    int digest_hourly_seconds;     /* the length of an "hourly" digest period */
    int digest_daily_seconds;      /* ... and of a "daily" one */
    int digest_check_interval;     /* seconds between looks for closed periods */

    const char *pid_file;
    int log_level;                 /* vpd_level_t */
} vpd_config_t;

/* Defaults of every key. */
void vpd_config_defaults(vpd_config_t *c);

/* Parses the text of a configuration file (name: for messages) into c,
 * over what c holds (defaults first), then checks the whole. NULL, or
 * "NAME:LINE: why" / "NAME: why". A key given twice: the later line wins. */
const char *vpd_config_parse(apr_pool_t *p, vpd_config_t *c, const char *name,
                             const char *text);

/* Reads the file at path and parses it. */
const char *vpd_config_load(apr_pool_t *p, vpd_config_t *c, const char *path);

/* Reads the files the configuration names: the JWT key (checked like the
 * module checks it) and the SMTP password. NULL, or why not. */
const char *vpd_config_load_files(apr_pool_t *p, vpd_config_t *c);

#endif
