/* The frame headers of a WebSocket client's byte stream (RFC 6455 §5.2),
 * followed across reads of any size: libwebsockets 4.1.6 does not report
 * the mask bit, so httpd checks what clients send before it reaches
 * vplanetd (mod_vplanet/wsframe.c). Payloads are skipped, not read. */
#ifndef VP_WSFRAME_H
#define VP_WSFRAME_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    VP_WSF_OK = 0,
    VP_WSF_UNMASKED,    /* a client frame without a mask (§5.1) */
    VP_WSF_MALFORMED    /* reserved bits or opcode, a bad length or fragment */
} vp_wsf_result_t;

typedef struct {
    int state;          /* which part of a frame the next byte belongs to */
    int left;           /* bytes left of the extended length or mask key */
    int in_message;     /* a fragmented data message is open */
    int control;        /* the frame is a control frame */
    uint64_t len;       /* the payload length, then what is left of it */
    vp_wsf_result_t result;
} vp_wsframe_t;

void vp_wsframe_init(vp_wsframe_t *f);

/* Feeds the next n bytes of the stream. VP_WSF_OK, or the first violation
 * (it stays: later bytes are not looked at). */
vp_wsf_result_t vp_wsframe_feed(vp_wsframe_t *f, const unsigned char *b, size_t n);

#endif
