/* Unit tests of the identity core: tokens, passwords, rate-limit windows,
 * email texts, input checks. */
#include "tap.h"
#include "vpcore/vp_mail.h"
#include "vpcore/vp_password.h"
#include "vpcore/vp_ratelimit.h"
#include "vpcore/vp_seal.h"
#include "vpcore/vp_token.h"
#include "vpcore/vp_valid.h"

#include <apr_general.h>
#include <apr_strings.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

static apr_pool_t *p;

static const unsigned char hs_key[] = "0123456789abcdef0123456789abcdef-unit-test";

static vp_claims_t claims(const char *typ, long now, long ttl)
{
    vp_claims_t c = {.typ = typ, .sub = "6f1c1a36-7d0b-4c36-9d1e-0c4a1b6b2a10",
                     .jti = "a5d0f0f2-1111-4c36-9d1e-0c4a1b6b2a10",
                     .sid = "b6e1a1a3-2222-4c36-9d1e-0c4a1b6b2a10", .iat = now,
                     .exp = now + ttl};
    return c;
}

/* A PEM private key made here: RSA of bits, or EC on P-256 (bits 0). */
static const unsigned char *make_pem(int bits, size_t *len)
{
    EVP_PKEY *key = bits ? EVP_RSA_gen((unsigned)bits) : EVP_EC_gen("P-256");
    BIO *b = BIO_new(BIO_s_mem());
    char *data;
    long n;
    unsigned char *out;

    PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL);
    n = BIO_get_mem_data(b, &data);
    out = (unsigned char *)apr_pstrmemdup(p, data, (apr_size_t)n);
    *len = (size_t)n;
    BIO_free(b);
    EVP_PKEY_free(key);
    return out;
}

static char *b64url(const unsigned char *in, size_t n)
{
    char *out = apr_palloc(p, n * 4 / 3 + 4), *c;

    EVP_EncodeBlock((unsigned char *)out, in, (int)n);
    for (c = out; *c; c++) {
        if (*c == '+') *c = '-';
        else if (*c == '/') *c = '_';
        else if (*c == '=') { *c = '\0'; break; }
    }
    return out;
}

/* An HS256 token over the claims text `json`, signed with hs_key. */
static char *forge(const char *json)
{
    const char *head = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
    char *input = apr_pstrcat(p, b64url((const unsigned char *)head, strlen(head)), ".",
                              b64url((const unsigned char *)json, strlen(json)), NULL);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int n = 0;

    HMAC(EVP_sha256(), hs_key, (int)(sizeof hs_key - 1), (const unsigned char *)input,
         strlen(input), mac, &n);
    return apr_pstrcat(p, input, ".", b64url(mac, n), NULL);
}

/* Time claims must be integer NumericDates: anything else is refused, not
 * skipped. */
static void test_token_times(const vp_token_keys_t *k)
{
    static const struct { const char *times; int valid; const char *name; } cases[] = {
        {"\"exp\":1700000900", 1, "exp alone"},
        {"\"exp\":1700000900,\"nbf\":1700000000,\"iat\":1700000000", 1, "exp, nbf and iat"},
        {"\"exp\":1700000900,\"nbf\":1700086400", 0, "nbf a day ahead"},
        {"\"exp\":1700000900,\"nbf\":\"abc\"", 0, "nbf a string"},
        {"\"exp\":1700000900,\"nbf\":\"1700000000\"", 0, "nbf a numeric string"},
        {"\"exp\":1700000900,\"nbf\":1e30", 0, "nbf 1e30"},
        {"\"exp\":1700000900,\"nbf\":1700000000.5", 0, "nbf a fraction"},
        {"\"exp\":1700000900,\"nbf\":null", 0, "nbf null"},
        {"\"exp\":1700000900,\"nbf\":-5", 0, "nbf negative"},
        {"\"exp\":\"x\"", 0, "exp a string"},
        {"\"exp\":1e30", 0, "exp 1e30"},
        {"\"exp\":9223372036854775807", 0, "exp the largest integer"},
        {"\"exp\":1700000900,\"iat\":\"x\"", 0, "iat a string"},
        {"\"exp\":1700000900,\"iat\":true", 0, "iat a boolean"},
    };
    size_t i;
    vp_claims_t out;

    for (i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *t = forge(apr_psprintf(p, "{\"iss\":\"vplanet\",\"aud\":\"vplanet-api\","
                                     "\"typ\":\"access\",\"sub\":\"6f1c1a36-7d0b-4c36-9d1e-0c4a1b6b2a10\","
                                     "\"jti\":\"a5d0f0f2-1111-4c36-9d1e-0c4a1b6b2a10\",%s}",
                                     cases[i].times));
        const char *why = vp_token_verify(p, k, t, "access", 1700000100, &out);

        ok(cases[i].valid ? why == NULL : why != NULL,
           apr_psprintf(p, "%s: %s", cases[i].name, cases[i].valid ? "accepted" : "refused"));
    }
}

static void test_tokens(void)
{
    vp_token_keys_t k = {0}, other = {0}, rs = {0};
    vp_claims_t c = claims("access", 1700000000, 900), out;
    const unsigned char *pem;
    size_t pem_len;
    char *t, *dot;

    ok(vp_token_keys_init(p, &k, JWT_ALG_HS256, (const unsigned char *)"short", 5) != NULL,
       "an HS256 key under 32 bytes is refused");
    ok(!vp_token_keys_init(p, &k, JWT_ALG_HS256, hs_key, sizeof hs_key - 1), "HS256 key");
    k.issuer = "vplanet";
    k.audience = "vplanet-api";
    t = vp_token_sign(p, &k, &c);
    ok(t != NULL, "sign");
    ok(!vp_token_verify(p, &k, t, "access", 1700000100, &out), "verify");
    is_str(out.sub, c.sub, "sub round trip");
    is_str(out.sid, c.sid, "sid round trip");
    is_int(out.exp, c.exp, "exp round trip");
    test_token_times(&k);
    ok(vp_token_verify(p, &k, t, "refresh", 1700000100, &out) != NULL, "wrong typ refused");
    ok(!vp_token_verify(p, &k, t, NULL, 1700000100, &out), "typ NULL accepts any");
    is_str(out.typ, "access", "typ reported");
    ok(vp_token_verify(p, &k, t, "access", 1700000900, &out) != NULL, "expired at exp");
    k.audience = "elsewhere";
    ok(vp_token_verify(p, &k, t, "access", 1700000100, &out) != NULL, "wrong aud refused");
    k.audience = "vplanet-api";
    k.issuer = "someone";
    ok(vp_token_verify(p, &k, t, "access", 1700000100, &out) != NULL, "wrong iss refused");
    k.issuer = "vplanet";

    vp_token_keys_init(p, &other, JWT_ALG_HS256,
                       (const unsigned char *)"another key of at least thirty-two bytes", 40);
    other.issuer = k.issuer;
    other.audience = k.audience;
    ok(vp_token_verify(p, &other, t, "access", 1700000100, &out) != NULL,
       "another key's signature refused");

    /* a payload changed after signing */
    dot = strchr(t, '.');
    dot[3] = dot[3] == 'A' ? 'B' : 'A';
    ok(vp_token_verify(p, &k, t, "access", 1700000100, &out) != NULL, "tampered payload refused");
    ok(vp_token_verify(p, &k, "not.a.token", "access", 1700000100, &out) != NULL, "garbage refused");
    ok(vp_token_verify(p, &k, "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0."
                       "eyJzdWIiOiJ4IiwidHlwIjoiYWNjZXNzIiwiZXhwIjo5OTk5OTk5OTk5fQ.",
                       "access", 1700000100, &out) != NULL, "alg none refused");

    /* RS256: public key derived; an HS256 token keyed with it is refused */
    pem = make_pem(2048, &pem_len);
    ok(!vp_token_keys_init(p, &rs, JWT_ALG_RS256, pem, pem_len), "RS256 key pair from PEM");
    ok(strstr((const char *)rs.verify_key, "BEGIN PUBLIC KEY") != NULL, "public key derived");
    rs.issuer = k.issuer;
    rs.audience = k.audience;
    t = vp_token_sign(p, &rs, &c);
    ok(t && !vp_token_verify(p, &rs, t, "access", 1700000100, &out), "RS256 round trip");
    {
        vp_token_keys_t confused = k;

        confused.sign_key = rs.verify_key;
        confused.sign_len = rs.verify_len;
        t = vp_token_sign(p, &confused, &c);
        ok(t && vp_token_verify(p, &rs, t, "access", 1700000100, &out) != NULL,
           "HS256 token keyed with the RS256 public key refused");
    }
    ok(vp_token_keys_init(p, &rs, JWT_ALG_ES256, pem, pem_len) != NULL,
       "an RSA key is not an ES256 key");
    pem = make_pem(1024, &pem_len);
    ok(vp_token_keys_init(p, &rs, JWT_ALG_RS256, pem, pem_len) != NULL,
       "RSA under 2048 bits refused");
    pem = make_pem(0, &pem_len);
    ok(!vp_token_keys_init(p, &rs, JWT_ALG_ES256, pem, pem_len), "ES256 key from PEM");
    {
        vp_token_keys_t hs = {0};
        const char *why = vp_token_keys_init(p, &hs, JWT_ALG_HS256, pem, pem_len);

        ok(why && strstr(why, "PEM key"), "a PEM private key is not taken as an HS256 secret");
        why = vp_token_keys_init(p, &hs, JWT_ALG_HS256, rs.verify_key, rs.verify_len);
        ok(why && strstr(why, "PEM key"), "nor a PEM public key (every token would be forgeable)");
    }
    rs.issuer = k.issuer;
    rs.audience = k.audience;
    t = vp_token_sign(p, &rs, &c);
    ok(t && !vp_token_verify(p, &rs, t, "access", 1700000100, &out), "ES256 round trip");
    ok(vp_token_keys_init(p, &rs, JWT_ALG_RS256, (const unsigned char *)"no pem here at all, none", 24)
       != NULL, "RS256 without a PEM refused");

    t = vp_token_random(p);
    is_int(strlen(t), 43, "random token: 43 base64url characters");
    ok(strspn(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == 43,
       "base64url alphabet");
    is_str(vp_sha256_hex(p, "abc"),
           "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "sha256 hex");
}

static void test_passwords(void)
{
    vp_argon2_params_t dflt = VP_ARGON2_DEFAULT, strong = {32768, 3, 1};
    char *h = vp_password_hash(p, &dflt, "correct horse");

    ok(h && strncmp(h, "$argon2id$v=19$m=19456,t=2,p=1$", 31) == 0, "argon2id with parameters");
    ok(vp_password_verify(h, "correct horse"), "verifies");
    ok(!vp_password_verify(h, "correct horsE"), "wrong password");
    ok(!vp_password_needs_rehash(h, &dflt), "same parameters: no rehash");
    ok(vp_password_needs_rehash(h, &strong), "stronger configured: rehash");
    /* python3: hashlib.pbkdf2_hmac('sha256', b'legacy-pass', b'saltsalt', 1000) */
    h = "pbkdf2_sha256$1000$saltsalt$WrVBa0HG+51PKBA5lJFVADAvx8LsZx+PYh8Up83qZgs=";
    ok(vp_password_verify(h, "legacy-pass"), "Django pbkdf2_sha256 verifies");
    ok(!vp_password_verify(h, "legacy-Pass"), "Django: wrong password");
    ok(vp_password_needs_rehash(h, &dflt), "Django hashes are rehashed");
    ok(!vp_password_verify("pbkdf2_sha256$x$salt$abc", "x"), "malformed Django hash");
    ok(!vp_password_verify("", "x"), "empty hash never matches");
    ok(!vp_password_verify("md5$abc", "x"), "unknown scheme never matches");
    is_str(vp_password_problem("Me@Example.org", "me@example.org"),
           "must not be the email address", "the email address (any case) is no password");
    ok(vp_password_problem("correct horse", "me@example.org") == NULL, "another one may be");
    ok(vp_password_problem("me@example.org", NULL) == NULL, "no email: nothing to compare");
}

static void test_ratelimit(void)
{
    vp_limit_t lim = {5, 60};
    vp_rl_state_t st = {0};
    vp_rl_result_t res;
    int i, allowed = 0;

    for (i = 0; i < 7; i++) {
        vp_rl_hit(&st, i > 0, lim, 1000 + i, &res);
        allowed += res.allowed;
    }
    is_int(allowed, 5, "5 of 7 hits allowed");
    is_int(res.remaining, 0, "nothing remaining");
    is_int(res.reset, 54, "reset counts from the first hit");
    is_int(st.hits, 5, "refused hits are not counted");
    vp_rl_hit(&st, 1, lim, 1060, &res);
    ok(res.allowed && res.remaining == 4, "a new window after 60 s");
    is_int(vp_rl_kind("login_long"), VP_RL_LOGIN_LONG, "names map to kinds");
    is_int(vp_rl_kind("nope"), -1, "unknown name");
    is_int(vp_rl_default(VP_RL_SIGNUP).count, 3, "signup default 3");
    is_int(vp_rl_default(VP_RL_DEFAULT).seconds, 3600, "default per hour");
}

static void test_mail_and_checks(void)
{
    vp_mail_t m;

    vp_mail_verify_email(p, "https://vp.example", "<b>Ann</b>", "TOKEN", &m);
    ok(strstr(m.text, "https://vp.example/verify-email?token=TOKEN") != NULL, "verify link");
    ok(strstr(m.html, "&lt;b&gt;Ann&lt;/b&gt;") != NULL, "nickname escaped in HTML");
    vp_mail_password_reset(p, "https://vp.example", "Ann", "T2", &m);
    ok(strstr(m.text, "https://vp.example/reset-password?token=T2") != NULL, "reset link");
    is_str(m.kind, "password_reset", "kind");
    is_str(vp_html_escape(p, "a&'\""), "a&amp;&#39;&quot;", "html escape");

    ok(vp_is_email("ann@example.com"), "email");
    ok(!vp_is_email("ann@example"), "email without dot");
    ok(!vp_is_email("ann@@example.com"), "two @");
    ok(!vp_is_email("@example.com"), "empty local part");
    ok(!vp_is_email("ann@.example.com"), "empty label");
    ok(!vp_is_email("ann@example..com"), "double dot");
    ok(!vp_is_email("ann @example.com"), "space");
    ok(vp_utf8_valid("h\xc3\xa9llo \xed\x95\x9c \xf0\x9f\x8e\xac"), "valid UTF-8");
    ok(!vp_utf8_valid("\xc3\x28"), "bad continuation");
    ok(!vp_utf8_valid("\xc0\xaf"), "overlong");
    ok(!vp_utf8_valid("\xed\xa0\x80"), "surrogate");
    ok(!vp_utf8_valid("\xf4\x90\x80\x80"), "beyond U+10FFFF");
}

static void test_seal(void)
{
    const char *pair = "{\"access_token\":\"a.b.c\",\"refresh_token\":\"d.e.f\"}";
    char *s1 = vp_seal(p, "the old token", pair), *s2 = vp_seal(p, "the old token", pair);
    char *bad;

    ok(s1 && s2, "seal");
    ok(s1 && !strstr(s1, "a.b.c"), "the sealed text does not show the plain one");
    ok(s1 && s2 && strcmp(s1, s2) != 0, "each seal has its own nonce");
    is_str(s1 ? vp_unseal(p, "the old token", s1) : NULL, pair, "the same secret opens it");
    ok(s1 && !vp_unseal(p, "another token", s1), "another secret does not");
    bad = s1 ? apr_pstrdup(p, s1) : NULL;
    if (bad)
        bad[20] = bad[20] == 'A' ? 'B' : 'A';
    ok(bad && !vp_unseal(p, "the old token", bad), "a changed seal does not open");
    ok(!vp_unseal(p, "the old token", "abc"), "garbage does not open");
    ok(!vp_unseal(p, "the old token", ""), "nothing does not open");
    is_str(vp_unseal(p, "k", vp_seal(p, "k", "")), "", "an empty text round-trips");
}

int main(void)
{
    apr_initialize();
    apr_pool_create(&p, NULL);
    test_tokens();
    test_passwords();
    test_ratelimit();
    test_mail_and_checks();
    test_seal();
    apr_pool_destroy(p);
    apr_terminate();
    return done_testing();
}
