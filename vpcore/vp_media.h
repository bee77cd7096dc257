/* Media rules shared by the module, vplanetd and the tests: what kind of
 * video a file is by its first bytes, its SHA-256 as it streams by, and
 * the signed, time-limited URLs a <video> element plays without headers.
 * httpd-free. */
#ifndef VP_MEDIA_H
#define VP_MEDIA_H

#include <apr_pools.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes vp_media_sniff wants to see (fewer are enough for a short file). */
#define VP_SNIFF_BYTES 64

/* The content type of a video container recognised by its first bytes (mp4
 * and mov by their ftyp box, webm and mkv by EBML and its DocType, AVI by
 * RIFF), or NULL. */
const char *vp_media_sniff(const unsigned char *b, size_t n);

/* SHA-256 of a stream, fed as it arrives. */
typedef struct vp_digest vp_digest_t;
/* NULL when OpenSSL cannot make one; freed with p. */
vp_digest_t *vp_digest_begin(apr_pool_t *p);
void vp_digest_update(vp_digest_t *h, const void *b, size_t n);
/* 64 lower-case hex digits, or NULL when OpenSSL failed at any point. */
char *vp_digest_hex(vp_digest_t *h, apr_pool_t *p);

/* The key of media URL signatures, derived from the token signing key so
 * that an operator keeps one secret (a new key voids the old URLs). */
typedef struct {
    unsigned char k[32];
} vp_media_key_t;
int vp_media_key(const unsigned char *secret, size_t len, vp_media_key_t *key);

/* The signature of one URL: the video, the object (content, content/NAME
 * of a rendition, poster), the user it was made for and its expiry (unix
 * seconds). 43 base64url characters, or NULL on an OpenSSL failure. */
char *vp_media_sign(apr_pool_t *p, const vp_media_key_t *key, const char *video_id,
                    const char *object, const char *user_id, int64_t expires);
/* 1 when sig is that signature (compared in constant time). */
int vp_media_signed(apr_pool_t *p, const vp_media_key_t *key, const char *video_id,
                    const char *object, const char *user_id, int64_t expires, const char *sig);

#endif
