#include "vpd_config.h"
#include "vpd_log.h"
#include "vpd_message.h"

#include <apr_file_io.h>
#include <apr_strings.h>
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

typedef enum { K_STR, K_INT, K_LISTEN, K_TLS, K_LEVEL } kind_t;

/* Every key: its kind, where it goes, and for numbers the range. */
static const struct key {
    const char *name;
    kind_t kind;
    size_t off;
    int min, max;
} keys[] = {
#define STR(k) {#k, K_STR, offsetof(vpd_config_t, k), 0, 0}
#define INT(k, lo, hi) {#k, K_INT, offsetof(vpd_config_t, k), lo, hi}
    STR(database),
    {"listen", K_LISTEN, 0, 0, 0},
    STR(jwt_key_file), STR(jwt_algorithm), STR(jwt_issuer), STR(jwt_audience),
    INT(ws_ping_interval, 5, 300),
    INT(ws_queue_max, 1, 100000),
    STR(smtp_url),
    {"smtp_tls", K_TLS, offsetof(vpd_config_t, smtp_tls), 0, 0},
    STR(smtp_from), STR(smtp_from_name), STR(smtp_username), STR(smtp_password_file),
    STR(smtp_ca_file),
    INT(smtp_timeout, 1, 3600),
    INT(smtp_connect_timeout, 1, 600),
    INT(mail_max_attempts, 1, 1000),
    INT(mail_backoff_base, 1, 86400),
    INT(mail_backoff_max, 1, 30 * 86400),
    INT(mail_batch, 1, 1000),
    INT(mail_poll_interval, 1, 86400),
    INT(mail_sending_timeout, 10, 7 * 86400),
    STR(media_root),
    INT(encode_workers, 0, 64),
    INT(encode_timeout, 1, 7 * 86400),
    INT(encode_nice, 0, 19),
    STR(ffmpeg), STR(ffprobe), STR(encode_preset),
    INT(encode_crf, 0, 51),
    INT(encode_max_attempts, 1, 100),
    INT(encode_stale, 3, 86400),
    INT(encode_poll_interval, 1, 86400),
    STR(public_url),
    INT(digest_hourly_seconds, 1, 86400),
    INT(digest_daily_seconds, 1, 30 * 86400),
    INT(digest_check_interval, 1, 3600),
    STR(pid_file),
    {"log_level", K_LEVEL, offsetof(vpd_config_t, log_level), 0, 0},
#undef STR
#undef INT
};

void vpd_config_defaults(vpd_config_t *c)
{
    memset(c, 0, sizeof *c);
    c->database = "host=/var/run/postgresql dbname=vplanet user=vplanet connect_timeout=3";
    c->listen_host = "127.0.0.1";
    c->listen_port = 8081;
    c->ws_ping_interval = 30;
    c->ws_queue_max = 1000;
    c->jwt_algorithm = "HS256";
    c->jwt_issuer = "vplanet";
    c->jwt_audience = "vplanet-api";
    c->smtp_url = "smtp://127.0.0.1:25";
    c->smtp_tls = VPD_TLS_TRY;
    c->smtp_from_name = "VideoPlanet";
    c->smtp_timeout = 60;
    c->smtp_connect_timeout = 10;
    c->mail_max_attempts = 8;
    c->mail_backoff_base = 30;
    c->mail_backoff_max = 3600;
    c->mail_batch = 10;
    c->mail_poll_interval = 30;
    c->mail_sending_timeout = 600;
    c->media_root = "/var/lib/vplanet/media";
    c->encode_workers = 1;
    c->encode_timeout = 3600;
    c->encode_nice = 10;
    c->ffmpeg = "ffmpeg";
    c->ffprobe = "ffprobe";
    c->encode_preset = "medium";
    c->encode_crf = 23;
    c->encode_max_attempts = 3;
    c->encode_stale = 60;
    c->encode_poll_interval = 30;
    c->digest_hourly_seconds = 3600;
    c->digest_daily_seconds = 86400;
    c->digest_check_interval = 60;
    c->log_level = VPD_INFO;
}

static int parse_int(const char *s, int *out)
{
    char *end;
    long v;

    if (!isdigit((unsigned char)*s))
        return 0;
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || *end || v > 0x7fffffffL)
        return 0;
    *out = (int)v;
    return 1;
}

/* HOST:PORT, HOST an IPv4 address, a name or [IPv6]. */
static const char *parse_listen(apr_pool_t *p, vpd_config_t *c, const char *v)
{
    const char *colon = strrchr(v, ':');
    const char *host;
    int port;

    if (!colon || colon == v || !parse_int(colon + 1, &port) || port < 1 || port > 65535)
        return "listen wants HOST:PORT with a port of 1 to 65535";
    host = apr_pstrmemdup(p, v, (apr_size_t)(colon - v));
    if (*host == '[') {
        size_t n = strlen(host);

        if (n < 3 || host[n - 1] != ']')
            return "listen: an IPv6 address goes in brackets, [::1]:8081";
        host = apr_pstrmemdup(p, host + 1, n - 2);
    }
    else if (strchr(host, ':'))
        return "listen: an IPv6 address goes in brackets, [::1]:8081";
    c->listen_host = host;
    c->listen_port = port;
    return NULL;
}

static const char *set(apr_pool_t *p, vpd_config_t *c, const struct key *k, const char *v)
{
    char *field = (char *)c + k->off;
    int n;

    switch (k->kind) {
    case K_STR:
        *(const char **)field = *v ? v : NULL;
        return NULL;
    case K_INT:
        if (!parse_int(v, &n) || n < k->min || n > k->max)
            return apr_psprintf(p, "%s wants a whole number from %d to %d", k->name, k->min,
                                k->max);
        *(int *)field = n;
        return NULL;
    case K_LISTEN:
        return parse_listen(p, c, v);
    case K_TLS:
        if (strcmp(v, "required") == 0) c->smtp_tls = VPD_TLS_REQUIRED;
        else if (strcmp(v, "try") == 0) c->smtp_tls = VPD_TLS_TRY;
        else if (strcmp(v, "none") == 0) c->smtp_tls = VPD_TLS_NONE;
        else return "smtp_tls wants required, try or none";
        return NULL;
    case K_LEVEL:
        if ((n = vpd_log_level_parse(v)) < 0)
            return "log_level wants error, warn, info or debug";
        c->log_level = n;
        return NULL;
    }
    return "unknown kind of key";
}

static int clean(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < ' ' || *s == 0x7f)
            return 0;
    return 1;
}

/* smtp://host[:port][/helo] or smtps://...; no user:password@ (those have
 * keys of their own, and the URL is logged). */
static const char *check_url(vpd_config_t *c)
{
    const char *u = c->smtp_url, *host, *end;

    if (!u)
        return "smtp_url is empty";
    if (strncasecmp(u, "smtp://", 7) == 0)
        host = u + 7;
    else if (strncasecmp(u, "smtps://", 8) == 0) {
        host = u + 8;
        c->smtp_implicit_tls = 1;
    }
    else
        return "smtp_url must start with smtp:// or smtps://";
    end = host + strcspn(host, "/?#");
    if (memchr(host, '@', (size_t)(end - host)))
        return "smtp_url must not hold credentials: use smtp_username and smtp_password_file";
    if (end == host || *host == ':')
        return "smtp_url names no host";
    if (!clean(u) || strchr(u, ' '))
        return "smtp_url holds spaces or control characters";
    return NULL;
}

/* An address at a domain reserved for examples (RFC 2606, RFC 6761):
 * receivers refuse mail from it or file it as spam, and it is what the
 * shipped example configuration says until the operator sets a real one.
 * NULL, or the problem. */
static const char *example_sender(apr_pool_t *p, const char *from)
{
    static const char *const reserved[] = {"example.com", "example.net", "example.org",
                                           "example", "invalid"};
    char *d = apr_pstrdup(p, strrchr(from, '@') + 1), *e;
    size_t n, i;

    for (e = d; *e; e++)
        *e = (char)tolower((unsigned char)*e);
    n = strlen(d);
    for (i = 0; i < sizeof reserved / sizeof *reserved; i++) {
        size_t m = strlen(reserved[i]);

        if ((n == m || (n > m && d[n - m - 1] == '.')) && !strcmp(d + n - m, reserved[i]))
            return apr_psprintf(p, "smtp_from %s is at %s%s, reserved for examples: mail from "
                                "it is refused or lost. Set smtp_from to an address of a "
                                "domain this server sends mail for (the shipped example "
                                "configuration is refused until then)", from,
                                n == m ? "" : "*.", reserved[i]);
    }
    return NULL;
}

static const char *check(apr_pool_t *p, vpd_config_t *c)
{
    const char *err;

    if (!c->database)
        return "database is empty: it is the libpq connection string of the vplanet database";
    if (!c->jwt_key_file)
        return "jwt_key_file is not set: vplanetd needs the key file the module signs tokens "
               "with (VPlanetJWTKeyFile)";
    if (!c->jwt_algorithm || vp_token_alg(c->jwt_algorithm) == JWT_ALG_INVAL)
        return "jwt_algorithm must be HS256, RS256 or ES256";
    if (!c->jwt_issuer || !c->jwt_audience)
        return "jwt_issuer and jwt_audience must not be empty";
    if ((err = check_url(c)))
        return err;
    if (!c->smtp_from)
        return "smtp_from is not set: the address the emails come from (user@domain)";
    if (!vpd_plain_address(c->smtp_from))
        return apr_psprintf(p, "smtp_from %s is not a plain email address (user@domain, "
                            "no display name: that is smtp_from_name)", c->smtp_from);
    if ((err = example_sender(p, c->smtp_from)))
        return err;
    if (c->smtp_from_name && !clean(c->smtp_from_name))
        return "smtp_from_name holds control characters";
    if (!c->smtp_username != !c->smtp_password_file)
        return "smtp_username and smtp_password_file go together";
    if (c->smtp_username && !c->smtp_implicit_tls && c->smtp_tls != VPD_TLS_REQUIRED)
        return "SMTP credentials would travel unencrypted: set smtp_tls = required or use "
               "an smtps:// URL";
    if (c->mail_backoff_max < c->mail_backoff_base)
        return "mail_backoff_max must not be less than mail_backoff_base";
    if (c->mail_sending_timeout <= c->smtp_timeout)
        return apr_psprintf(p, "mail_sending_timeout (%d s) must exceed smtp_timeout (%d s): "
                            "a row still being sent would be taken back and sent twice",
                            c->mail_sending_timeout, c->smtp_timeout);
    if (c->public_url) {
        size_t n = strlen(c->public_url);

        if ((strncmp(c->public_url, "http://", 7) && strncmp(c->public_url, "https://", 8))
            || strpbrk(c->public_url, " \"'<>"))
            return "public_url wants the frontend's address, http(s)://host[/path] "
                   "(the module's VPlanetPublicURL)";
        while (n > 8 && c->public_url[n - 1] == '/')
            n--;
        c->public_url = apr_pstrmemdup(p, c->public_url, n);
    }
    if (c->encode_workers > 0) {
        if (!c->media_root || c->media_root[0] != '/')
            return "media_root must be an absolute path (the module's VPlanetMediaRoot)";
        if (!c->ffmpeg || !c->ffprobe)
            return "ffmpeg and ffprobe must not be empty";
        if (!c->encode_preset || strspn(c->encode_preset, "abcdefghijklmnopqrstuvwxyz")
                                     != strlen(c->encode_preset))
            return "encode_preset wants an x264 preset name (ultrafast ... veryslow)";
    }
    return NULL;
}

static char *trim(char *s)
{
    char *e;

    while (*s == ' ' || *s == '\t')
        s++;
    e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
        *--e = '\0';
    return s;
}

const char *vpd_config_parse(apr_pool_t *p, vpd_config_t *c, const char *name,
                             const char *text)
{
    char *copy = apr_pstrdup(p, text), *line, *next, *eq, *key, *value;
    const struct key *k;
    const char *err;
    int lineno = 0;
    size_t i, n;

    for (line = copy; line; line = next) {
        lineno++;
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        line = trim(line);
        if (!*line || *line == '#')
            continue;
        if (!(eq = strchr(line, '=')))
            return apr_psprintf(p, "%s:%d: not a `key = value` line", name, lineno);
        *eq = '\0';
        key = trim(line);
        value = trim(eq + 1);
        n = strlen(value);
        if (n >= 2 && value[0] == '"' && value[n - 1] == '"') {
            value[n - 1] = '\0';
            value++;
        }
        for (i = 0, k = NULL; i < sizeof keys / sizeof *keys; i++)
            if (strcmp(keys[i].name, key) == 0)
                k = &keys[i];
        if (!k)
            return apr_psprintf(p, "%s:%d: unknown key '%s'", name, lineno, key);
        if (!clean(value))
            return apr_psprintf(p, "%s:%d: %s holds control characters", name, lineno, key);
        if ((err = set(p, c, k, value)))
            return apr_psprintf(p, "%s:%d: %s", name, lineno, err);
    }
    err = check(p, c);
    return err ? apr_psprintf(p, "%s: %s", name, err) : NULL;
}

const char *vpd_config_load(apr_pool_t *p, vpd_config_t *c, const char *path)
{
    apr_file_t *f;
    apr_finfo_t fi;
    apr_size_t n = 0;
    apr_status_t rv;
    char *buf = NULL;

    rv = apr_file_open(&f, path, APR_FOPEN_READ, 0, p);
    if (rv != APR_SUCCESS)
        return apr_psprintf(p, "cannot read the configuration file %s: %pm", path, &rv);
    rv = apr_file_info_get(&fi, APR_FINFO_SIZE, f);
    if (rv == APR_SUCCESS && fi.size > 1024 * 1024) {
        apr_file_close(f);
        return apr_psprintf(p, "%s: over 1 MiB, not a configuration file", path);
    }
    if (rv == APR_SUCCESS) {
        n = (apr_size_t)fi.size;
        buf = apr_palloc(p, n + 1);
        rv = apr_file_read_full(f, buf, n, &n);
        buf[n] = '\0';
    }
    apr_file_close(f);
    if (rv != APR_SUCCESS && !(rv == APR_EOF && n == 0))
        return apr_psprintf(p, "cannot read the configuration file %s: %pm", path, &rv);
    if (memchr(buf, '\0', n))
        return apr_psprintf(p, "%s: holds NUL bytes, not a configuration file", path);
    return vpd_config_parse(p, c, path, buf);
}

const char *vpd_config_load_files(apr_pool_t *p, vpd_config_t *c)
{
    const char *err;
    char *pw, *end;
    apr_status_t rv;
    apr_file_t *f;
    apr_size_t n = 4096;

    err = vp_token_keys_load(p, &c->keys, vp_token_alg(c->jwt_algorithm), "jwt_key_file",
                             c->jwt_key_file);
    if (err)
        return err;
    c->keys.issuer = c->jwt_issuer;
    c->keys.audience = c->jwt_audience;
    if (!c->smtp_password_file)
        return NULL;
    /* the password: the file's first line */
    pw = apr_pcalloc(p, n + 1);
    rv = apr_file_open(&f, c->smtp_password_file, APR_FOPEN_READ, 0, p);
    if (rv == APR_SUCCESS) {
        rv = apr_file_read_full(f, pw, n, &n);
        apr_file_close(f);
        if (rv == APR_EOF)
            rv = APR_SUCCESS;
    }
    if (rv != APR_SUCCESS)
        return apr_psprintf(p, "cannot read smtp_password_file %s: %pm", c->smtp_password_file,
                            &rv);
    pw[n] = '\0';
    end = pw + strcspn(pw, "\r\n");
    *end = '\0';
    if (!*pw)
        return apr_psprintf(p, "smtp_password_file %s holds no password", c->smtp_password_file);
    c->smtp_password = pw;
    return NULL;
}
