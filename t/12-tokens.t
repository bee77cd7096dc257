# Access-token verification (spec section 3, "Tokens"): what
# vp_authenticate accepts at GET /api/v1/users/me, and every way a token is
# refused: no header, another scheme, garbage, alg none, a foreign key, a
# tampered payload, exp/nbf/iss/aud/typ, a refresh or guest token used for
# access, and tokens that outlive their session, account or active flag.
use strict;
use warnings;
use Test::More;
use JSON::PP;
use MIME::Base64 qw(encode_base64url);
use VP;

my $ME = '/api/v1/users/me';

# A 401 envelope with CODE and a Bearer challenge (RFC 6750); a refused
# token says error="invalid_token" in it.
sub refused {
    my ($res, $code, $name) = @_;
    my $ok = error_ok($res, 401, $code, $name);
    my $www = $res->{headers}{'www-authenticate'} // '';
    if ($code eq 'invalid_token') {
        like($www, qr/^Bearer\b.*error="invalid_token"/, "$name: WWW-Authenticate says invalid_token");
    }
    else {
        like($www, qr/^Bearer\b/, "$name: WWW-Authenticate asks for a Bearer token");
    }
    return $ok;
}

my $alice = new_user();
my $bob = new_user();
my $claims = jwt_claims($alice->{access});
my $now = time;

# ---- what a valid token looks like ----
subtest 'a valid access token is accepted and names the caller' => sub {
    my $r = me($alice->{access});
    envelope_ok($r, 200, 'valid access token: 200');
    is($r->{json}{data}{id}, $alice->{id}, '... and it is the caller');
    is($r->{json}{data}{email}, $alice->{email}, '... with the email');
    ok(!exists $r->{json}{data}{password_hash}, '... and never the password hash');

    is(jwt_header($alice->{access})->{alg}, 'HS256', 'the stack signs HS256');
    is($claims->{typ}, 'access', 'typ access');
    is($claims->{sub}, $alice->{id}, 'sub is the user id');
    ok($claims->{$_}, "claim $_ present") for qw(iss aud iat exp jti sid);
    cmp_ok($claims->{exp} - $claims->{iat}, '==', 900, 'access tokens live 15 minutes');
    my $rclaims = jwt_claims($alice->{refresh});
    is($rclaims->{typ}, 'refresh', 'the refresh token says typ refresh');
    is($rclaims->{sid}, $claims->{sid}, 'the pair shares its session (sid)');
    cmp_ok($rclaims->{exp} - $rclaims->{iat}, '==', 7 * 86400, 'refresh tokens live 7 days');
};

# forge(OVERRIDES): Alice's claims, changed, re-signed with the stack's key
# (undef removes a claim). The first forgery changes nothing and must pass,
# so that the refusals below are about the one change each makes.
my $KEY = jwt_key();
sub forge {
    my (%o) = @_;
    my %c = (%$claims, jti => uuid4());
    for (keys %o) { defined $o{$_} ? ($c{$_} = $o{$_}) : delete $c{$_} }
    return jwt_sign({alg => 'HS256', typ => 'JWT'}, \%c, $KEY);
}
subtest 'a re-signed unchanged token is accepted, and the scheme name in any case' => sub {
    ok(length $KEY >= 32, 'the stack key is readable by the test');
    envelope_ok(me(forge()), 200, 'an unchanged re-signed token is accepted (the forging is sound)');

    my $r = http(GET => $ME, headers => {authorization => "bearer $alice->{access}"});
    envelope_ok($r, 200, 'the scheme name is case-insensitive');
};

# ---- no credentials, other schemes, garbage ----
subtest 'no credentials, another scheme or garbage is refused with a Bearer challenge' => sub {
    refused(http(GET => $ME), 'authentication_required', 'no Authorization header');
    refused(http(GET => $ME, headers => {authorization => 'Basic YWxpY2U6c2VjcmV0'}),
            'invalid_token', 'Basic scheme');
    refused(http(GET => $ME, headers => {authorization => $alice->{access}}),
            'invalid_token', 'a token without the Bearer scheme');
    for my $garbage ('garbage', 'a.b.c', 'x' x 3000, '...', 'eyJhbGciOiJIUzI1NiJ9..',
                     "$alice->{access}x", "$alice->{access} trailing") {
        refused(me($garbage), 'invalid_token', 'garbage: ' . substr($garbage, 0, 16));
    }
};

# ---- signature and algorithm ----
subtest 'a token without a valid signature of the stack key is refused' => sub {
    refused(me(jwt_sign({alg => 'none', typ => 'JWT'}, {%$claims, jti => uuid4()})),
            'invalid_token', 'alg none with valid claims');
    refused(me(jwt_sign({alg => 'none'}, {%$claims, jti => uuid4()})),
            'invalid_token', 'alg none without typ');
    my ($h, $p) = split /\./, $alice->{access};
    refused(me("$h.$p."), 'invalid_token', 'the real token with its signature stripped');
    refused(me(jwt_sign({alg => 'HS256', typ => 'JWT'}, $claims, 'another key of at least 32 bytes, not the stack one')),
            'invalid_token', 'signed with another key');

    my (undef, undef, $sig) = split /\./, $alice->{access};
    my $tampered = encode_base64url(encode_json({%$claims, sub => $bob->{id}}));
    refused(me("$h.$tampered.$sig"), 'invalid_token', "tampered payload (sub of another user), signature kept");
};

# ---- claims ----
subtest 'every claim is checked: times, issuer, audience, type and ids' => sub {
    refused(me(forge(iat => $now - 7200, exp => $now - 3600)), 'invalid_token', 'expired an hour ago');
    refused(me(forge(exp => $now - 1)), 'invalid_token', 'expired a second ago');
    refused(me(forge(exp => undef)), 'invalid_token', 'no exp');
    refused(me(forge(exp => "" . ($now + 600))), 'invalid_token', 'exp as a string');
    refused(me(forge(nbf => $now + 86400)), 'invalid_token', 'nbf a day ahead');
    # a time claim that is not an integer NumericDate is refused, not skipped
    refused(me(forge(nbf => 'abc')), 'invalid_token', 'nbf "abc"');
    refused(me(forge(nbf => 1e30)), 'invalid_token', 'nbf 1e30');
    refused(me(forge(nbf => "" . ($now - 60))), 'invalid_token', 'nbf as a string');
    refused(me(forge(nbf => $now - 60.5)), 'invalid_token', 'nbf with a fraction');
    refused(me(forge(exp => 'x')), 'invalid_token', 'exp "x"');
    refused(me(forge(exp => 1e30)), 'invalid_token', 'exp 1e30');
    refused(me(forge(iat => 'x')), 'invalid_token', 'iat "x"');
    envelope_ok(me(forge(nbf => $now - 60)), 200, 'nbf in the past is fine');
    refused(me(forge(iss => 'someone-else')), 'invalid_token', 'wrong iss');
    refused(me(forge(iss => undef)), 'invalid_token', 'no iss');
    refused(me(forge(aud => 'another-api')), 'invalid_token', 'wrong aud');
    refused(me(forge(aud => undef)), 'invalid_token', 'no aud');
    refused(me(forge(typ => undef)), 'invalid_token', 'no typ');
    refused(me(forge(typ => 'ACCESS')), 'invalid_token', 'typ of another spelling');
    refused(me(forge(sid => undef)), 'invalid_token', 'access token without sid');
    refused(me(forge(sub => undef)), 'invalid_token', 'no sub');
    refused(me(forge(jti => undef)), 'invalid_token', 'no jti');
    refused(me(forge(sub => uuid4())), 'invalid_token', 'sub of no user');
    refused(me(forge(sub => 'not-a-uuid')), 'invalid_token', 'sub that is not a UUID');
    refused(me(forge(sid => 'not-a-uuid')), 'invalid_token', 'sid that is not a UUID');
};

# ---- the wrong kind of token ----
subtest 'a refresh or guest token is refused for access, an id that is no UUID before the database' => sub {
    refused(me($alice->{refresh}), 'invalid_token', 'the refresh token used as an access token');
    refused(refresh($alice->{access}),
            'invalid_token', 'an access token presented to /auth/refresh');

    # ids of a validly signed token reach the database only when they are UUIDs
    my $bad_refresh = jwt_sign({alg => 'HS256', typ => 'JWT'},
                               {%{ jwt_claims($alice->{refresh}) }, jti => 'not-a-uuid'}, $KEY);
    refused(refresh($bad_refresh),
            'invalid_token', 'a signed refresh token whose jti is not a UUID, at /auth/refresh');
    refused(http(POST => '/api/v1/auth/logout', json => {refresh_token => $bad_refresh}),
            'invalid_token', '... and at /auth/logout');

    # a guest token holds while its invitation does (spec section 7): one
    # of no invitation is refused as a token
    my %g = (iss => $claims->{iss}, aud => $claims->{aud}, jti => uuid4(), typ => 'guest',
             role => 'reviewer', email => 'guest@example.com', ver => 1, iat => $now, exp => $now + 3600);
    my $orphan = jwt_sign({alg => 'HS256', typ => 'JWT'}, {%g, sub => uuid4(), project_id => uuid4()}, $KEY);
    refused(me($orphan), 'invalid_token', 'a guest token of no invitation');
    is(me($orphan)->{json}{message}, 'the token is invalid or expired', '... is no valid token');
    my $project = new_project($alice, "Guest tokens $$");
    my $invitation = psql("INSERT INTO invitations (batch_id, project_id, email, email_key, token_hash,"
                        . " expires_at) VALUES (gen_random_uuid(), :'p', 'guest\@example.com',"
                        . " 'guest\@example.com', md5(random()::text), now() + interval '1 hour') RETURNING id",
                          "p=$project");
    my $guest = jwt_sign({alg => 'HS256', typ => 'JWT'}, {%g, sub => $invitation, project_id => $project}, $KEY);
    # spec section 7: every route but the guest ones answers 401 to a guest token
    refused(me($guest), 'invalid_token', 'a guest token at /users/me');
    is(me($guest)->{json}{message}, 'a guest token cannot be used here', '... said so');
    refused(me(jwt_sign({alg => 'none', typ => 'JWT'}, jwt_claims($guest))),
            'invalid_token', 'an unsigned guest token is refused before its type counts');

    refused(me(jwt_sign({alg => 'HS256', typ => 'JWT'}, {%{ jwt_claims($guest) }, project_id => 'x'}, $KEY)),
            'invalid_token', 'a guest token whose project_id is not a UUID');
};

# Alice is still herself after all this
subtest 'after all this the real token still works' => sub {
    envelope_ok(me($alice->{access}), 200, 'the real token still works');
};

# ---- the session, the account and its flags outlive no token ----
# logout ends the session of the token: its access token goes with it,
# while another session of the same user stays
subtest 'logout ends the session of its access token, not the others' => sub {
    my $u = new_user();
    my $r = login($u->{email}, $u->{password});
    envelope_ok($r, 200, 'second session by login');
    my $second = $r->{json}{data}{access_token};
    isnt(jwt_claims($second)->{sid}, jwt_claims($u->{access})->{sid}, 'a login is a new session');
    envelope_ok(http(POST => '/api/v1/auth/logout', json => {refresh_token => $u->{refresh}}),
                200, 'logout of the first session');
    refused(me($u->{access}), 'invalid_token', "the access token of a logged-out session");
    envelope_ok(me($second), 200, 'the other session is untouched');
};

# soft delete through the API (which also ends every session)
subtest 'the token of a user deleted through the API is refused' => sub {
    my $u = new_user();
    envelope_ok(me($u->{access}), 200, 'before deletion');
    envelope_ok(http(DELETE => $ME, headers => bearer($u->{access}), json => {reason => 'testing'}),
                200, 'DELETE /users/me');
    refused(me($u->{access}), 'invalid_token', 'the token of a user deleted after issue');
};

# Changes behind the API's back, on an httpd that asks PostgreSQL on every
# request (VPlanetSessionCache 0): the suite's own remembers a live session
# for the default 5 s, and t/27 checks such a change is seen within them.
my ($exact, $why) = httpd_variant('exact-sessions', "VPlanetSessionCache 0\n");
ok($exact, 'an httpd with VPlanetSessionCache 0 starts') or BAIL_OUT($why);
sub me_exact { http(GET => $ME, base => $exact, headers => bearer($_[0])) }

# soft delete behind the API's back: no session revoked, the flag alone counts
subtest 'the token of a user soft-deleted in the database is refused' => sub {
    my $u = new_user();
    envelope_ok(me_exact($u->{access}), 200, 'before deletion in the database');
    psql("UPDATE users SET is_deleted = true, deleted_at = now() WHERE id = :'id'", "id=$u->{id}");
    refused(me_exact($u->{access}), 'invalid_token', 'the token of a user soft-deleted in the database');
};

# deactivation
subtest 'the token of an inactive user is refused until the user is active again' => sub {
    my $u = new_user();
    envelope_ok(me_exact($u->{access}), 200, 'before deactivation');
    psql("UPDATE users SET is_active = false WHERE id = :'id'", "id=$u->{id}");
    cmp_ok(jwt_claims($u->{access})->{exp}, '>', time, 'the token has not expired');
    refused(me_exact($u->{access}), 'invalid_token', 'the token of an inactive user');
    psql("UPDATE users SET is_active = true WHERE id = :'id'", "id=$u->{id}");
    envelope_ok(me_exact($u->{access}), 200, 'active again: the same token works');
};

# a user gone from the table altogether
subtest 'the token of a user removed from the database is refused' => sub {
    my $u = new_user();
    psql("DELETE FROM users WHERE id = :'id'", "id=$u->{id}");
    refused(me($u->{access}), 'invalid_token', 'the token of a user removed from the database');
};

done_testing();
