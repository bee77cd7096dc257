/* Unit tests of the media core: container sniffing, signed media URLs and
 * the disk storage (the multipart reader: test_multipart.c). */
#include "tap.h"
#include "vpcore/vp_media.h"
#include "vpcore/vp_storage.h"

#include <apr_file_info.h>
#include <apr_general.h>
#include <apr_strings.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static apr_pool_t *pool;

static void sniffing(void)
{
    static const unsigned char mp4[] = "\0\0\0\x20" "ftypisom\0\0\x02\0isomiso2avc1mp41";
    static const unsigned char mov[] = "\0\0\0\x14" "ftypqt  \0\0\x02\0qt  ";
    static const unsigned char oldmov[] = "\0\0\0\x08" "wide\0\0\0\0mdat";
    static const unsigned char webm[] = "\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01"
                                        "\x42\xf2\x81\x04\x42\xf3\x81\x08\x42\x82\x84webm";
    static const unsigned char mkv[] = "\x1a\x45\xdf\xa3\xa3\x42\x86\x81\x01\x42\x82\x88matroska";
    static const unsigned char avi[] = "RIFF\x10\0\0\0AVI LIST";
    static const unsigned char wav[] = "RIFF\x10\0\0\0WAVEfmt ";
    static const char text[] = "hello, this is not a video at all";

    is_str(vp_media_sniff(mp4, sizeof mp4 - 1), "video/mp4", "ftyp isom: mp4");
    is_str(vp_media_sniff(mov, sizeof mov - 1), "video/quicktime", "ftyp qt: mov");
    is_str(vp_media_sniff(oldmov, sizeof oldmov - 1), "video/quicktime", "wide atom: old mov");
    is_str(vp_media_sniff(webm, sizeof webm - 1), "video/webm", "EBML DocType webm");
    is_str(vp_media_sniff(mkv, sizeof mkv - 1), "video/x-matroska", "EBML DocType matroska");
    is_str(vp_media_sniff(avi, sizeof avi - 1), "video/x-msvideo", "RIFF AVI");
    ok(!vp_media_sniff(wav, sizeof wav - 1), "RIFF WAVE is no video");
    ok(!vp_media_sniff((const unsigned char *)text, sizeof text - 1), "text is no video");
    ok(!vp_media_sniff(mp4, 7), "seven bytes decide nothing");
    ok(!vp_media_sniff(NULL, 0), "nothing is no video");
}

static void signing(void)
{
    vp_media_key_t k, k2;
    const char *v = "0b7c3f7e-1111-4222-8333-944455556666", *u = "u1:s1";
    char *sig;

    ok(vp_media_key((const unsigned char *)"0123456789abcdef0123456789abcdef", 32, &k)
       && vp_media_key((const unsigned char *)"0123456789abcdef0123456789abcdeF", 32, &k2),
       "keys derived");
    sig = vp_media_sign(pool, &k, v, "content", u, 1800000000);
    ok(sig && strlen(sig) == 43, "a signature is 43 base64url characters");
    ok(vp_media_signed(pool, &k, v, "content", u, 1800000000, sig), "it verifies");
    ok(!vp_media_signed(pool, &k2, v, "content", u, 1800000000, sig), "not under another key");
    ok(!vp_media_signed(pool, &k, v, "poster", u, 1800000000, sig), "not for another medium");
    ok(!vp_media_signed(pool, &k, v, "content", "u1:s2", 1800000000, sig),
       "not for another session");
    ok(!vp_media_signed(pool, &k, v, "content", u, 1800000001, sig), "not with another expiry");
    ok(!vp_media_signed(pool, &k, "0b7c3f7e-1111-4222-8333-944455556667", "content", u,
                        1800000000, sig), "not for another video");
    sig[3] = sig[3] == 'A' ? 'B' : 'A';
    ok(!vp_media_signed(pool, &k, v, "content", u, 1800000000, sig), "a changed character fails");
    ok(!vp_media_signed(pool, &k, v, "content", u, 1800000000, ""), "an empty one fails");

    {
        vp_digest_t *h = vp_digest_begin(pool);

        vp_digest_update(h, "a", 1);
        vp_digest_update(h, "bc", 2);
        is_str(vp_digest_hex(h, pool),
               "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
               "SHA-256 of abc fed in two pieces (FIPS 180-2 vector)");
    }
}

static int exists(const char *path)
{
    struct stat st;

    return path && stat(path, &st) == 0;
}

static void storage(void)
{
    char tmpl[] = "/tmp/vp-storage-XXXXXX";
    const char *root = mkdtemp(tmpl), *id = "d969b48f-aced-4c44-aba9-b16f3b07aa33", *path;
    vp_storage_t *st;
    vp_put_t *put;
    apr_pool_t *sub;
    apr_file_t *f;
    char buf[16];
    apr_size_t n = sizeof buf;

    ok(vp_storage_open(pool, "relative/path", &st) != NULL, "a relative root is refused");
    ok(root && vp_storage_open(pool, root, &st) == NULL, "a root is made with its folders");
    ok(exists(apr_pstrcat(pool, root, "/originals", NULL))
       && exists(apr_pstrcat(pool, root, "/tmp", NULL)), "originals/ and tmp/ exist");

    apr_pool_create(&sub, pool);
    ok(vp_put_begin(st, sub, &put) == APR_SUCCESS, "a put begins");
    vp_put_write(put, "hello ", 6);
    vp_put_write(put, "world", 5);
    is_int(vp_put_size(put), 11, "it counts what was written");
    path = apr_pstrdup(pool, vp_put_path(put));
    ok(exists(path), "its temporary file exists");
    ok(vp_put_commit(put, VP_OBJ_ORIGINAL, id, NULL) == APR_SUCCESS, "it is committed");
    ok(!exists(path), "the temporary name is gone");
    is_str(vp_storage_path(st, pool, VP_OBJ_ORIGINAL, id, NULL),
           apr_pstrcat(pool, root, "/originals/d9/", id, NULL), "originals/ab/ID");
    ok(vp_storage_read(st, pool, VP_OBJ_ORIGINAL, id, NULL, &f) == APR_SUCCESS
       && apr_file_read(f, buf, &n) == APR_SUCCESS && n == 11 && !memcmp(buf, "hello world", 11),
       "the object reads back");
    apr_pool_destroy(sub);
    ok(exists(vp_storage_path(st, pool, VP_OBJ_ORIGINAL, id, NULL)),
       "a committed put outlives its pool");

    apr_pool_create(&sub, pool);
    vp_put_begin(st, sub, &put);
    vp_put_write(put, "partial", 7);
    path = apr_pstrdup(pool, vp_put_path(put));
    apr_pool_destroy(sub);
    ok(!exists(path), "an uncommitted put is removed with its pool");

    ok(vp_storage_append(st, pool, VP_OBJ_UPLOAD, id, 0, &f) == APR_SUCCESS
       && apr_file_write_full(f, "0123456789", 10, NULL) == APR_SUCCESS
       && apr_file_close(f) == APR_SUCCESS, "an upload is written from 0");
    ok(vp_storage_append(st, pool, VP_OBJ_UPLOAD, id, 4, &f) == APR_SUCCESS
       && apr_file_write_full(f, "ab", 2, NULL) == APR_SUCCESS && apr_file_close(f) == APR_SUCCESS,
       "and again from offset 4 (the rest cut off)");
    n = sizeof buf;
    ok(vp_storage_read(st, pool, VP_OBJ_UPLOAD, id, NULL, &f) == APR_SUCCESS
       && apr_file_read(f, buf, &n) == APR_SUCCESS && n == 6 && !memcmp(buf, "0123ab", 6),
       "holds 0123ab");
    ok(vp_storage_append(st, pool, VP_OBJ_UPLOAD, "0000aaaa-0000-4000-8000-000000000000", 5, &f)
       != APR_SUCCESS, "appending at an offset to a missing upload fails");

    apr_pool_create(&sub, pool);
    vp_put_begin(st, sub, &put);
    vp_put_write(put, "x", 1);
    ok(vp_put_commit(put, VP_OBJ_RENDITION, id, "web.mp4") == APR_SUCCESS, "a rendition");
    vp_put_begin(st, sub, &put);
    vp_put_write(put, "y", 1);
    vp_put_commit(put, VP_OBJ_RENDITION, id, "720p.mp4");
    apr_pool_destroy(sub);
    ok(vp_storage_remove(st, pool, VP_OBJ_RENDITION, id, NULL) == APR_SUCCESS
       && !exists(vp_storage_path(st, pool, VP_OBJ_RENDITION, id, "web.mp4"))
       && !exists(vp_storage_path(st, pool, VP_OBJ_RENDITION, id, NULL)),
       "removing all renditions removes their folder");
    ok(vp_storage_remove(st, pool, VP_OBJ_POSTER, id, NULL) == APR_SUCCESS,
       "removing a missing object is no error");
    ok(!vp_storage_path(st, pool, VP_OBJ_ORIGINAL, "../../etc/passwd", NULL)
       && !vp_storage_path(st, pool, VP_OBJ_RENDITION, id, "../x")
       && vp_storage_read(st, pool, VP_OBJ_ORIGINAL, "a/b", NULL, &f) == APR_EINVAL,
       "ids and names that could leave the folder are refused");
    ok(vp_storage_move(st, pool, VP_OBJ_UPLOAD, id, VP_OBJ_ORIGINAL,
                       "aaaa0000-0000-4000-8000-000000000000") == APR_SUCCESS
       && exists(vp_storage_path(st, pool, VP_OBJ_ORIGINAL, "aaaa0000-0000-4000-8000-000000000000",
                                 NULL))
       && !exists(vp_storage_path(st, pool, VP_OBJ_UPLOAD, id, NULL)),
       "an upload moves to an original");
    if (root)
        system(apr_pstrcat(pool, "rm -rf ", root, NULL));
}

int main(void)
{
    apr_initialize();
    apr_pool_create(&pool, NULL);
    sniffing();
    signing();
    storage();
    apr_pool_destroy(pool);     /* its cleanups free OpenSSL's digest contexts */
    return done_testing();
}
