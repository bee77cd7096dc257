#include "vp_token.h"

#include <errno.h>
#include "vp_json.h"
#include "vp_valid.h"

#include <apr_file_io.h>
#include <apr_general.h>
#include <apr_strings.h>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdlib.h>
#include <string.h>

jwt_alg_t vp_token_alg(const char *name)
{
    if (strcmp(name, "HS256") == 0) return JWT_ALG_HS256;
    if (strcmp(name, "RS256") == 0) return JWT_ALG_RS256;
    if (strcmp(name, "ES256") == 0) return JWT_ALG_ES256;
    return JWT_ALG_INVAL;
}

/* The public half of a PEM private key, checked for alg. */
static const char *derive_public(apr_pool_t *p, vp_token_keys_t *k, jwt_alg_t alg,
                                 const unsigned char *data, size_t len)
{
    BIO *in = BIO_new_mem_buf(data, (int)len), *out = BIO_new(BIO_s_mem());
    EVP_PKEY *key = in ? PEM_read_bio_PrivateKey(in, NULL, NULL, NULL) : NULL;
    const char *why = NULL;
    char group[64] = "";
    char *pem;
    long n;

    if (!key)
        why = "the key file holds no PEM private key (RS256 and ES256 sign with one; "
              "random bytes are an HS256 secret)";
    else if (alg == JWT_ALG_RS256 && (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA
                                      || EVP_PKEY_get_bits(key) < 2048))
        why = "RS256 needs an RSA private key of at least 2048 bits";
    else if (alg == JWT_ALG_ES256
             && (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC
                 || !EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME,
                                                    group, sizeof group, NULL)
                 || strcmp(group, "prime256v1")))
        why = "ES256 needs an EC private key on the P-256 curve";
    else if (!out || !PEM_write_bio_PUBKEY(out, key)
             || (n = BIO_get_mem_data(out, &pem)) <= 0)
        why = "cannot derive the public key";
    else {
        k->verify_key = (unsigned char *)apr_pstrmemdup(p, pem, (apr_size_t)n);
        k->verify_len = (size_t)n;
    }
    EVP_PKEY_free(key);
    BIO_free(in);
    BIO_free(out);
    return why;
}

const char *vp_token_keys_init(apr_pool_t *p, vp_token_keys_t *k, jwt_alg_t alg,
                               const unsigned char *data, size_t len)
{
    k->alg = alg;
    k->sign_key = data;
    k->sign_len = len;
    k->verify_key = data;
    k->verify_len = len;
    switch (alg) {
    case JWT_ALG_HS256:
        if (len < VP_TOKEN_HS_KEY_MIN)
            return "an HS256 key needs at least 32 bytes";
        /* a PEM key is a key meant for RS256 or ES256 with the algorithm
         * forgotten; a public one would make every token forgeable */
        while (len && (*data == ' ' || *data == '\n' || *data == '\r' || *data == '\t'))
            data++, len--;
        if (len >= 11 && !memcmp(data, "-----BEGIN ", 11))
            return "the key file holds a PEM key, and HS256 takes random bytes as a shared "
                   "secret (a PEM private key is for RS256 or ES256; a public key is no secret)";
        return NULL;
    case JWT_ALG_RS256:
    case JWT_ALG_ES256:
        return derive_public(p, k, alg, data, len);
    default:
        return "unsupported algorithm";
    }
}

const char *vp_token_keys_load(apr_pool_t *p, vp_token_keys_t *k, jwt_alg_t alg,
                               const char *what, const char *path)
{
    apr_file_t *f;
    apr_finfo_t fi;
    apr_size_t n;
    unsigned char *buf;
    const char *err;
    apr_status_t rv;

    rv = apr_file_open(&f, path, APR_FOPEN_READ, 0, p);
    if (rv != APR_SUCCESS)
        return apr_psprintf(p, "cannot read %s %s: %pm", what, path, &rv);
    rv = apr_file_info_get(&fi, APR_FINFO_SIZE, f);
    if (rv == APR_SUCCESS && (fi.size < VP_TOKEN_HS_KEY_MIN || fi.size > VP_TOKEN_KEY_FILE_MAX)) {
        apr_file_close(f);
        return apr_psprintf(p, "%s %s holds %" APR_OFF_T_FMT " bytes; a key needs %d to %d bytes",
                            what, path, fi.size, VP_TOKEN_HS_KEY_MIN, VP_TOKEN_KEY_FILE_MAX);
    }
    n = rv == APR_SUCCESS ? (apr_size_t)fi.size : 0;
    buf = apr_palloc(p, n + 1);
    if (rv == APR_SUCCESS)
        rv = apr_file_read_full(f, buf, n, &n);
    apr_file_close(f);
    if (rv != APR_SUCCESS)
        return apr_psprintf(p, "cannot read %s %s: %pm", what, path, &rv);
    buf[n] = '\0';
    err = vp_token_keys_init(p, k, alg, buf, n);
    return err ? apr_psprintf(p, "%s %s: %s", what, path, err) : NULL;
}

static int add(jwt_t *jwt, const char *name, const char *value)
{
    return value ? jwt_add_grant(jwt, name, value) : 0;
}

char *vp_token_sign(apr_pool_t *p, const vp_token_keys_t *k, const vp_claims_t *c)
{
    jwt_t *jwt = NULL;
    char *enc = NULL, *out = NULL;
    /* libjwt frees what json_dumps gives it with free() */
    int plain = vp_json_alloc_plain(1);

    if (jwt_new(&jwt)) {
        vp_json_alloc_plain(plain);
        return NULL;
    }
    if (!jwt_set_alg(jwt, k->alg, k->sign_key, (int)k->sign_len)
        && !add(jwt, "iss", k->issuer) && !add(jwt, "aud", k->audience)
        && !add(jwt, "sub", c->sub) && !add(jwt, "jti", c->jti)
        && !add(jwt, "typ", c->typ) && !add(jwt, "sid", c->sid)
        && !add(jwt, "project_id", c->project_id) && !add(jwt, "role", c->role)
        && !add(jwt, "email", c->email)
        && (c->ver <= 0 || !jwt_add_grant_int(jwt, "ver", c->ver))
        && !jwt_add_grant_int(jwt, "iat", c->iat)
        && !jwt_add_grant_int(jwt, "exp", c->exp)
        && (enc = jwt_encode_str(jwt)) != NULL) {
        out = apr_pstrdup(p, enc);
        free(enc);
    }
    jwt_free(jwt);
    vp_json_alloc_plain(plain);
    return out;
}

static const char *grant(apr_pool_t *p, jwt_t *jwt, const char *name)
{
    const char *v = jwt_get_grant(jwt, name);
    return v ? apr_pstrdup(p, v) : NULL;
}

/* The latest NumericDate a claim may hold (year 9999): later ones, like
 * a non-integer, are refused rather than read. */
#define CLAIM_TIME_MAX 253402300799L

/* A time claim: 1 when present as an integer in 0..CLAIM_TIME_MAX (into
 * *v), 0 when absent (*v = 0), -1 when present as anything else. libjwt
 * tells an absent claim from a string or a real one only by its text. */
static int time_claim(jwt_t *jwt, const char *name, long *v)
{
    char *text = jwt_get_grants_json(jwt, name);
    int rc = -1;

    *v = 0;
    if (!text)
        return 0;
    if (strspn(text, "0123456789") == strlen(text) && vp_parse_long(text, v)
        && *v <= CLAIM_TIME_MAX)
        rc = 1;
    free(text);
    return rc;
}

const char *vp_token_verify(apr_pool_t *p, const vp_token_keys_t *k,
                            const char *token, const char *typ, long now,
                            vp_claims_t *out)
{
    jwt_t *jwt = NULL;
    const char *why = NULL;
    long nbf;
    int plain = vp_json_alloc_plain(1), has_nbf;

    memset(out, 0, sizeof *out);
    /* Always with the key: without one libjwt accepts alg "none". */
    if (jwt_decode(&jwt, token, k->verify_key, (int)k->verify_len) || !jwt) {
        vp_json_alloc_plain(plain);
        return "malformed token or bad signature";
    }
    if (jwt_get_alg(jwt) != k->alg)
        why = "unexpected algorithm";
    else if (!(out->typ = grant(p, jwt, "typ")) || (typ && strcmp(out->typ, typ)))
        why = "wrong token type";
    else if (time_claim(jwt, "exp", &out->exp) != 1 || out->exp <= now)
        why = "expired, without exp or exp not a time";
    else if ((has_nbf = time_claim(jwt, "nbf", &nbf)) < 0 || time_claim(jwt, "iat", &out->iat) < 0)
        why = "nbf or iat not a time";
    else if (has_nbf && nbf > now + 30)
        why = "not valid yet";
    else if (!jwt_get_grant(jwt, "iss") || strcmp(jwt_get_grant(jwt, "iss"), k->issuer))
        why = "wrong issuer";
    else if (!jwt_get_grant(jwt, "aud") || strcmp(jwt_get_grant(jwt, "aud"), k->audience))
        why = "wrong audience";
    else if (!(out->sub = grant(p, jwt, "sub")) || !(out->jti = grant(p, jwt, "jti")))
        why = "missing sub or jti";
    /* ids go to the database as uuid parameters: a signed token with
     * anything else is refused here, not turned into an SQL error */
    else if (!vp_is_uuid(out->sub) || !vp_is_uuid(out->jti)
             || ((out->sid = grant(p, jwt, "sid")) && !vp_is_uuid(out->sid))
             || ((out->project_id = grant(p, jwt, "project_id"))
                 && !vp_is_uuid(out->project_id)))
        why = "sub, jti, sid or project_id is not a UUID";
    else {
        out->role = grant(p, jwt, "role");
        out->email = grant(p, jwt, "email");
        /* guests: the invitation's token version (0 when absent) */
        errno = 0;
        out->ver = jwt_get_grant_int(jwt, "ver");
        if (errno)
            out->ver = 0;
    }
    jwt_free(jwt);
    vp_json_alloc_plain(plain);
    return why;
}

int vp_derive_key(const char *label, const void *secret, size_t len, unsigned char key[32])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned int n = 0;
    int ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL)
             && EVP_DigestUpdate(md, label, strlen(label)) && EVP_DigestUpdate(md, secret, len)
             && EVP_DigestFinal_ex(md, key, &n) && n == 32;

    EVP_MD_CTX_free(md);
    return ok;
}

char *vp_b64url(apr_pool_t *p, const unsigned char *b, size_t n)
{
    char *out = apr_palloc(p, (n + 2) / 3 * 4 + 1), *c;

    EVP_EncodeBlock((unsigned char *)out, b, (int)n);
    /* base64 -> base64url, unpadded */
    for (c = out; *c; c++) {
        if (*c == '+') *c = '-';
        else if (*c == '/') *c = '_';
        else if (*c == '=') { *c = '\0'; break; }
    }
    return out;
}

char *vp_hex(apr_pool_t *p, const unsigned char *b, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    char *hex = apr_palloc(p, n * 2 + 1);
    size_t i;

    for (i = 0; i < n; i++) {
        hex[i * 2] = digits[b[i] >> 4];
        hex[i * 2 + 1] = digits[b[i] & 15];
    }
    hex[n * 2] = '\0';
    return hex;
}

char *vp_token_random(apr_pool_t *p)
{
    unsigned char b[32];

    if (apr_generate_random_bytes(b, sizeof b) != APR_SUCCESS)
        return NULL;
    return vp_b64url(p, b, sizeof b);
}

char *vp_sha256_hex(apr_pool_t *p, const char *s)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;

    EVP_Digest(s, strlen(s), md, &n, EVP_sha256(), NULL);
    return vp_hex(p, md, n);
}
