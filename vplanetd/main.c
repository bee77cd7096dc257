/* vplanetd: the sidecar of mod_vplanet.
 *
 * Four parts, each in threads of its own, so a slow mail relay or a long
 * encode never holds up events: the WebSocket fan-out of project events
 * and of each user's notifications (vpd_ws.c), the mail outbox delivered
 * over SMTP (vpd_mail.c), the notification emails queued in it
 * (vpd_notify.c) and the video encoding jobs (vpd_encode.c). The main thread handles the signals. Runs in the foreground and logs to stderr (systemd, or
 * script/stack, takes care of the rest).
 *
 *   vplanetd [-c FILE] [-t] [-v] [-h]   (usage: vplanetd --help; man vplanetd)
 *
 * Exit status: 0 after a stop by SIGTERM/SIGINT, 1 when a part failed,
 * 2 on a bad command line or configuration. */
#include "vpd_config.h"
#include "vpd_daemon.h"
#include "vpd_encode.h"
#include "vpd_log.h"
#include "vpd_mail.h"
#include "vpd_notify.h"
#include "vpd_ws.h"
#include "vpcore/vp_version.h"

#include <apr_general.h>
#include <curl/curl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifndef VPD_CONFIG_FILE
#define VPD_CONFIG_FILE "/etc/vplanet/vplanetd.conf"
#endif

/* The help on stdout (exit 0), or after a bad command line its first
 * line on stderr (exit 2). */
static int usage(FILE *out, int rc)
{
    if (rc) {
        fprintf(out, "usage: vplanetd [-c FILE] [-t] [-v] [-h]; vplanetd --help says more\n");
        return rc;
    }
    fprintf(out, "usage: vplanetd [-c FILE] [-t] [-v] [-h]\n"
                 "The sidecar of mod_vplanet: realtime events over WebSocket, the mail\n"
                 "outbox, notification emails and video encoding. Runs in the foreground\n"
                 "and logs to stderr.\n"
                 "  -c, --config FILE  configuration file (default " VPD_CONFIG_FILE ")\n"
                 "  -t, --test         check the configuration (and the files it names)\n"
                 "                     and exit: 0 valid, 2 not\n"
                 "  -v, --version      print the version and exit\n"
                 "  -h, --help         print this help and exit\n"
                 "Exit status: 0 after SIGTERM/SIGINT, 1 when it could not run or a part\n"
                 "failed, 2 on a bad command line or configuration. See vplanetd(8).\n");
    return rc;
}

static const struct option long_options[] = {
    {"config", required_argument, NULL, 'c'},
    {"test", no_argument, NULL, 't'},
    {"version", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0}
};

/* The WebSocket part's thread: its loop runs until the stop; a part that
 * cannot run stops the daemon. */
static void *ws_main(void *data)
{
    const vpd_config_t *c = data;
    vpd_ws_opts_t o = {c->listen_host, c->listen_port, c->database, &c->keys,
                       c->ws_ping_interval, c->ws_queue_max};

    if (vpd_ws_run(&o, vpd_stop_fd()) == 0)
        return NULL;
    vpd_stop();
    return (void *)1;
}

int main(int argc, char **argv)
{
    const char *path = VPD_CONFIG_FILE, *err;
    static vpd_config_t c;
    vpd_mail_t *mail;
    vpd_notify_t *notify = NULL;
    vpd_encode_t *enc = NULL;
    pthread_t ws;
    void *ws_rc = NULL;
    apr_pool_t *p;
    int opt, check = 0, rc;

    while ((opt = getopt_long(argc, argv, "c:tvh", long_options, NULL)) != -1) {
        switch (opt) {
        case 'c': path = optarg; break;
        case 't': check = 1; break;
        case 'v': printf("vplanetd %s (%s)\n", VP_VERSION, VP_BUILD_INFO); return 0;
        case 'h': return usage(stdout, 0);
        default: return usage(stderr, 2);
        }
    }
    if (optind < argc)
        return usage(stderr, 2);
    if (apr_app_initialize(&argc, (const char *const **)&argv, NULL) != APR_SUCCESS
        || apr_pool_create(&p, NULL) != APR_SUCCESS) {
        fprintf(stderr, "vplanetd: cannot initialise APR\n");
        return 1;
    }
    vpd_config_defaults(&c);
    if ((err = vpd_config_load(p, &c, path)) || (err = vpd_config_load_files(p, &c))) {
        vpd_log(VPD_ERROR, "main", "VPD0001: refusing to start: %s", err);
        apr_terminate();
        return 2;
    }
    vpd_log_set_level((vpd_level_t)c.log_level);
    if (check) {
        printf("vplanetd: the configuration %s is valid\n", path);
        apr_terminate();
        return 0;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        err = "libcurl cannot initialise";
    else if (!(err = vpd_signals_init(p)) && c.pid_file)
        err = vpd_pidfile_create(p, c.pid_file);
    if (err) {
        vpd_log(VPD_ERROR, "main", "VPD0001: refusing to start: %s", err);
        curl_global_cleanup();
        apr_terminate();
        return 1;
    }
    vpd_log(VPD_INFO, "main", "VPD0002: vplanetd %s started (configuration %s)", VP_VERSION,
            path);
    rc = 0;
    if (!(mail = vpd_mail_start(p, &c, &err))) {
        vpd_log(VPD_ERROR, "main", "VPD0007: cannot start the mail part: %s", err);
        rc = 1;
    }
    else if (!(notify = vpd_notify_start(p, &c, &err))) {
        vpd_log(VPD_ERROR, "main", "VPD0012: cannot start the notification part: %s", err);
        vpd_stop();
        rc = vpd_mail_join(mail) || 1;
    }
    else if (pthread_create(&ws, NULL, ws_main, &c) != 0) {
        vpd_log(VPD_ERROR, "main", "VPD0010: cannot start the WebSocket part");
        vpd_stop();
        rc = vpd_notify_join(notify) || 1;
        rc = vpd_mail_join(mail) || rc;
    }
    /* the encoding part last: its checks (ffmpeg -version) take a moment,
     * and the WebSocket port should not wait for them */
    else if (!(enc = vpd_encode_start(p, &c, &err))) {
        vpd_log(VPD_ERROR, "main", "VPD0011: cannot start the encoding part: %s", err);
        vpd_stop();
        pthread_join(ws, &ws_rc);
        rc = vpd_notify_join(notify) || 1;
        rc = vpd_mail_join(mail) || rc;
    }
    else {
        vpd_wait_for_stop();
        pthread_join(ws, &ws_rc);
        rc = vpd_mail_join(mail);
        rc = vpd_notify_join(notify) || rc;
        rc = vpd_encode_join(enc) || rc || ws_rc != NULL;
    }
    vpd_pidfile_remove(c.pid_file);
    curl_global_cleanup();
    apr_terminate();
    vpd_log(VPD_INFO, "main", "VPD0009: stopped%s", rc ? " after a failure" : "");
    return rc;
}
