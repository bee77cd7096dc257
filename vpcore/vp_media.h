/* Media rules shared by the module, vplanetd and the tests: what kind of
 * video a file is by its first bytes, its SHA-256 as it streams by, the
 * signed, time-limited URLs a <video> element plays without headers, and
 * the screenshot of a feedback (an image, often sent as a data URL).
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

/* A feedback's screenshot: at most 5 MiB of PNG, JPEG or WebP (spec 6). */
#define VP_SCREENSHOT_MAX (5 * 1024 * 1024)
/* What vp_image_sniff wants to see. */
#define VP_IMAGE_SNIFF_BYTES 16

/* "image/png" (the PNG signature and its IHDR chunk first), "image/jpeg"
 * (FF D8 FF), "image/webp" (RIFF....WEBP and a VP8, VP8L or VP8X chunk),
 * else NULL: no other kind (SVG carries script, GIF is not asked for). */
const char *vp_image_sniff(const unsigned char *b, size_t n);

/* The rule of a screenshot's type, however it came: its first n bytes must
 * sniff as one of the three images, and a declared type (the data URL's or
 * the multipart part's Content-Type; NULL when there is none) must be one
 * of the three too (case-insensitive, without parameters) and the same as
 * the sniffed one. NULL and *type (the sniffed type) when it holds, else a
 * short reason for the client: "is not a PNG, JPEG or WebP image",
 * "declares image/png but is image/jpeg". */
const char *vp_image_check(apr_pool_t *p, const char *declared, const unsigned char *b,
                           size_t n, const char **type);

/* Decodes the data URL s (RFC 2397) of an image of at most max bytes:
 * "data:" MEDIATYPE *(";" NAME "=" VALUE) ";base64," DATA, "data:", the
 * media type and "base64" in any case, other parameters (charset=, name=)
 * passed over. Only base64, and strictly: the standard alphabet, padded to
 * a multiple of 4 characters, zero bits after the last byte, no white space
 * (browsers' readAsDataURL and toDataURL write it so), which makes the
 * encoding of given bytes unique. The size is refused from the encoded
 * length before anything is allocated. Then vp_image_check with the media
 * type. NULL on success with the bytes (in p), their length and the type
 * ("image/png", "image/jpeg", "image/webp"); else a short reason for the
 * client, to follow the field's name: "is not a data URL", "must be
 * base64", "is not valid base64", "is larger than 5 MiB", and those of
 * vp_image_check. */
const char *vp_data_url_image(apr_pool_t *p, const char *s, size_t max,
                              const unsigned char **bytes, size_t *len, const char **type);

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
