/* Tokens (vpcore/vp_token.c) with the module's default issuer and audience.
 * The first byte picks the algorithm (bits 0-1: 0 or 3 HS256 with the key
 * below, 1 RS256, 2 ES256, with keys made at start), the expected type
 * (bits 2-3: any, access, refresh, guest) and what the rest is (bits 4-5):
 *   0  a token, verified as it comes (the Authorization header, a body's
 *      refresh_token);
 *   1  a claims object, signed with libjwt and then verified: the claim
 *      checks see any payload, past the signature;
 *   2  lines typ, sub, jti, sid, project_id, role, email (empty: absent)
 *      signed by vp_token_sign: verification must take back exactly what
 *      was signed when the ids are UUIDs, and refuse it otherwise. */
#include "fuzz.h"
#include "vpcore/vp_token.h"
#include "vpcore/vp_valid.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* the seeds of fuzz/corpus/token are signed with it; not a secret of anything */
#define HS_KEY "vplanet fuzz key: signs the seed tokens, nothing else"
#define NOW 1764633600L   /* 2025-12-02; the seeds expire in 2100 */

static vp_token_keys_t keys[3];

/* A PEM private key of a fresh key pair for alg (RSA 2048 or P-256). */
static void make_key(vp_token_keys_t *k, jwt_alg_t alg, apr_pool_t *p)
{
    EVP_PKEY *key = alg == JWT_ALG_RS256 ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256");
    BIO *out = BIO_new(BIO_s_mem());
    char *pem;
    long n;

    FUZZ_CHECK(key && out && PEM_write_bio_PrivateKey(out, key, NULL, NULL, 0, NULL, NULL));
    n = BIO_get_mem_data(out, &pem);
    FUZZ_CHECK(!vp_token_keys_init(p, k, alg, (const unsigned char *)fuzz_text(p, (const uint8_t *)pem, (size_t)n),
                                   (size_t)n));
    EVP_PKEY_free(key);
    BIO_free(out);
}

static const vp_token_keys_t *key_for(int which)
{
    if (!keys[0].sign_key) {
        apr_pool_t *p = fuzz_pool();   /* lives as long as the process */
        int i;

        FUZZ_CHECK(!vp_token_keys_init(p, &keys[0], JWT_ALG_HS256,
                                       (const unsigned char *)HS_KEY, strlen(HS_KEY)));
        make_key(&keys[1], JWT_ALG_RS256, p);
        make_key(&keys[2], JWT_ALG_ES256, p);
        for (i = 0; i < 3; i++) {
            keys[i].issuer = "vplanet";
            keys[i].audience = "vplanet-api";
        }
    }
    return &keys[which == 3 ? 0 : which];
}

/* mode 1: text as the payload of a token signed with k */
static char *sign_claims(const vp_token_keys_t *k, const char *text)
{
    jwt_t *jwt = NULL;
    char *enc = NULL;

    if (!jwt_new(&jwt) && !jwt_set_alg(jwt, k->alg, k->sign_key, (int)k->sign_len)
        && !jwt_add_grants_json(jwt, text))
        enc = jwt_encode_str(jwt);
    jwt_free(jwt);
    return enc;
}

static int same(const char *a, const char *b)
{
    return a && b ? strcmp(a, b) == 0 : a == b;
}

/* mode 2: sign, verify, compare */
static void round_trip(apr_pool_t *p, const vp_token_keys_t *k, const char *typ,
                       const uint8_t *data, size_t size)
{
    const char *f[7];
    vp_claims_t c, out;
    const char *token, *why;
    int i, ids_ok;

    fuzz_split(p, data, size, '\n', f, 7);
    for (i = 0; i < 7; i++)
        if (!*f[i])
            f[i] = NULL;
    c = (vp_claims_t){.typ = f[0], .sub = f[1], .jti = f[2], .sid = f[3], .project_id = f[4],
                      .role = f[5], .email = f[6], .iat = NOW, .exp = NOW + 900};
    if (!(token = vp_token_sign(p, k, &c)))
        return;   /* libjwt refused a claim (not UTF-8) */
    why = vp_token_verify(p, k, token, typ, NOW, &out);
    ids_ok = c.typ && (!typ || strcmp(typ, c.typ) == 0)
             && c.sub && vp_is_uuid(c.sub) && c.jti && vp_is_uuid(c.jti)
             && (!c.sid || vp_is_uuid(c.sid)) && (!c.project_id || vp_is_uuid(c.project_id));
    FUZZ_CHECK((why == NULL) == ids_ok);
    if (why)
        return;
    FUZZ_CHECK(same(out.typ, c.typ) && same(out.sub, c.sub) && same(out.jti, c.jti)
               && same(out.sid, c.sid) && same(out.project_id, c.project_id)
               && same(out.role, c.role) && same(out.email, c.email)
               && out.iat == c.iat && out.exp == c.exp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const types[] = {NULL, "access", "refresh", "guest"};
    const vp_token_keys_t *k;
    const char *typ, *text;
    apr_pool_t *p;
    vp_claims_t out;

    if (size < 1)
        return 0;
    k = key_for(data[0] & 3);
    typ = types[(data[0] >> 2) & 3];
    p = fuzz_pool();
    text = fuzz_text(p, data + 1, size - 1);
    switch ((data[0] >> 4) & 3) {
    case 1: {
        char *token = sign_claims(k, text);

        if (token) {
            if (!vp_token_verify(p, k, token, typ, NOW, &out))
                FUZZ_CHECK(vp_is_uuid(out.sub) && vp_is_uuid(out.jti) && out.exp > NOW
                           && (!typ || strcmp(out.typ, typ) == 0));
            free(token);
        }
        break;
    }
    case 2:
        round_trip(p, k, typ, data + 1, size - 1);
        break;
    default:
        if (!vp_token_verify(p, k, text, typ, NOW, &out))
            FUZZ_CHECK(vp_is_uuid(out.sub) && vp_is_uuid(out.jti) && out.exp > NOW);
    }
    apr_pool_destroy(p);
    return 0;
}
