#include "vpd_smtp.h"
#include "vpd_log.h"

#include <apr_strings.h>
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

struct vpd_smtp {
    CURL *curl;
    const vpd_config_t *c;
};

typedef struct {
    const char *data;
    size_t left;
} reader_t;

static size_t read_cb(char *out, size_t size, size_t nitems, void *arg)
{
    reader_t *r = arg;
    size_t n = size * nitems < r->left ? size * nitems : r->left;

    memcpy(out, r->data, n);
    r->data += n;
    r->left -= n;
    return n;
}

vpd_smtp_t *vpd_smtp_create(const vpd_config_t *c)
{
    vpd_smtp_t *s = calloc(1, sizeof *s);

    if (!s || !(s->curl = curl_easy_init())) {
        vpd_log(VPD_ERROR, "mail", "VPD0201: libcurl cannot make a handle");
        free(s);
        return NULL;
    }
    s->c = c;
    return s;
}

void vpd_smtp_destroy(vpd_smtp_t *s)
{
    if (!s)
        return;
    curl_easy_cleanup(s->curl);
    free(s);
}

const char *vpd_smtp_send(vpd_smtp_t *s, apr_pool_t *p, const char *rcpt, const char *message)
{
    const vpd_config_t *c = s->c;
    char errbuf[CURL_ERROR_SIZE] = "";
    struct curl_slist *rcpts = NULL, *added;
    reader_t r = {message, strlen(message)};
    CURL *h = s->curl;
    CURLcode rc;
    long code = 0;
    const char *why;
    size_t n;

    added = curl_slist_append(rcpts, apr_pstrcat(p, "<", rcpt, ">", NULL));
    if (!added)
        return "out of memory";
    rcpts = added;
    /* reset: options of the previous message do not leak into this one;
     * the open connection stays in the handle's cache */
    curl_easy_reset(h);
    curl_easy_setopt(h, CURLOPT_URL, c->smtp_url);
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, apr_pstrcat(p, "<", c->smtp_from, ">", NULL));
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpts);
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
    curl_easy_setopt(h, CURLOPT_READDATA, &r);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)r.left);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)c->smtp_connect_timeout);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)c->smtp_timeout);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    if (!c->smtp_implicit_tls)
        curl_easy_setopt(h, CURLOPT_USE_SSL, c->smtp_tls == VPD_TLS_REQUIRED ? (long)CURLUSESSL_ALL
                                             : c->smtp_tls == VPD_TLS_TRY ? (long)CURLUSESSL_TRY
                                             : (long)CURLUSESSL_NONE);
    if (c->smtp_ca_file)
        curl_easy_setopt(h, CURLOPT_CAINFO, c->smtp_ca_file);
    if (c->smtp_username) {
        curl_easy_setopt(h, CURLOPT_USERNAME, c->smtp_username);
        curl_easy_setopt(h, CURLOPT_PASSWORD, c->smtp_password);
    }
    rc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    /* the handle must not keep pointers into this call's memory */
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, NULL);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
    curl_easy_setopt(h, CURLOPT_READDATA, NULL);
    curl_slist_free_all(rcpts);
    if (rc == CURLE_OK)
        return NULL;
    for (n = strlen(errbuf); n > 0 && (errbuf[n - 1] == '\n' || errbuf[n - 1] == ' '); n--)
        errbuf[n - 1] = '\0';
    why = apr_pstrcat(p, curl_easy_strerror(rc), *errbuf ? ": " : "", errbuf, NULL);
    if (code)
        why = apr_psprintf(p, "%s (SMTP reply %ld)", why, code);
    return why;
}
