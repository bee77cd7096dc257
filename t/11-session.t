# Sessions and the own account: login, refresh rotation and reuse (with
# the reuse grace window, VPlanetRefreshReuseGrace: 2 s in t/run-suite),
# logout, users/me, soft delete and recovery, user search.
use strict;
use warnings;
use Test::More;
use VP;

my $u = new_user();
my $v = new_user();
my ($s1, $s1b, $other, $tabs, $s);   # sessions of $u, of one case and the next

# ---- login ----
subtest 'login returns a token pair; wrong credentials get one answer' => sub {
    my $r = login(uc $u->{email}, $u->{password});
    envelope_ok($r, 200, 'login, email in another letter case');
    $s1 = $r->{json}{data};
    is($s1->{user}{id}, $u->{id}, 'login returns the user');
    ok($s1->{user}{last_login_at}, 'last_login_at set');
    is($s1->{token_type}, 'Bearer', 'token_type');
    my $c = jwt_claims($s1->{access_token});
    is($c->{typ}, 'access', 'typ access');
    is($c->{sub}, $u->{id}, 'sub is the user');
    is($c->{iss}, 'vplanet', 'iss');
    is($c->{aud}, 'vplanet-api', 'aud');
    ok($c->{jti} && $c->{iat} && $c->{exp} - $c->{iat} == 900, 'jti, iat, exp = iat + 900');
    is(jwt_claims($s1->{refresh_token})->{exp} - jwt_claims($s1->{refresh_token})->{iat}, 604800,
       'refresh tokens live 7 days');

    my $ip = new_ip();
    my $wrong = login($u->{email}, 'not the password', ip => $ip);
    my $unknown = login("nobody.$$\@example.com", 'not the password', ip => $ip);
    error_ok($wrong, 401, 'invalid_credentials', 'wrong password is 401');
    error_ok($unknown, 401, 'invalid_credentials', 'unknown email is 401');
    is($wrong->{json}{message}, $unknown->{json}{message}, 'with the same message');
    error_ok(login($u->{email}, ''), 422, 'validation_failed', 'empty password is a validation error');
    error_ok(http(POST => '/api/v1/auth/login', json => { email => $u->{email} }), 422,
             'validation_failed', 'missing password');
};

# ---- users/me ----
subtest 'users/me answers for the caller' => sub {
    envelope_ok(me($s1->{access_token}), 200, 'users/me with the access token');
    is(me($s1->{access_token})->{json}{data}{email}, $u->{email}, 'users/me is the caller');
};

# ---- refresh rotation and reuse ----
subtest 'a refresh rotates the pair; a reuse within the grace window gets the same pair' => sub {
    my $r = refresh($s1->{refresh_token});
    envelope_ok($r, 200, 'refresh gives a new pair');
    $s1b = $r->{json}{data};
    isnt($s1b->{refresh_token}, $s1->{refresh_token}, 'the refresh token rotated');
    is(jwt_claims($s1b->{access_token})->{sid}, jwt_claims($s1->{access_token})->{sid},
       'same session');
    envelope_ok(me($s1b->{access_token}), 200, 'new access token works');

    $other = login($u->{email}, $u->{password})->{json}{data};   # a second session
    $r = refresh($s1->{refresh_token});
    envelope_ok($r, 200, 'a rotated refresh token presented again within the grace window');
    is_deeply([@{ $r->{json}{data} }{qw(access_token refresh_token)}],
              [@$s1b{qw(access_token refresh_token)}], '... gets the same pair again');
    is($r->{json}{data}{user}{id}, $u->{id}, '... with the user');
};

# two tabs refreshing one token at the same moment
subtest 'two tabs refreshing one token at once get the same pair' => sub {
    $tabs = login($u->{email}, $u->{password})->{json}{data};
    my @race = parallel(2, sub { refresh($tabs->{refresh_token}) });
    is_deeply([map { $_->{status} } @race], [200, 200], 'two concurrent refreshes of one token: both 200');
    is($race[0]{json}{data}{refresh_token}, $race[1]{json}{data}{refresh_token},
       '... with the same refresh token');
    is($race[0]{json}{data}{access_token}, $race[1]{json}{data}{access_token},
       '... and the same access token');
    isnt($race[0]{json}{data}{refresh_token}, $tabs->{refresh_token}, '... a new one');
    envelope_ok(refresh($race[0]{json}{data}{refresh_token}), 200,
                '... and the session lives on: its new refresh token works');
};

# vplanetd's housekeeping (at its start, then hourly) clears the seals of
# tokens rotated more than 300 s ago, and only those
subtest 'housekeeping clears the seals of tokens rotated over 300 s ago, and only those' => sub {
    my $old = jwt_claims($tabs->{refresh_token})->{jti};
    my $recent = jwt_claims($s1->{refresh_token})->{jti};
    my $sealed = sub { psql("SELECT successor_sealed IS NOT NULL FROM refresh_tokens WHERE id = :'id'",
                            "id=$_[0]") };
    is($sealed->($old), 't', 'a rotated token holds its sealed successor');
    psql("UPDATE refresh_tokens SET rotated_at = now() - interval '400 seconds' WHERE id = :'id'",
         "id=$old");
    my $runs = () = VP::sidecar_log() =~ /VPD0411/g;
    VP::stack('sidecar-stop');
    VP::stack('sidecar-start');
    ok(wait_for(20, sub { (() = VP::sidecar_log() =~ /VPD0411/g) > $runs }), 'housekeeping ran again');
    is($sealed->($old), 'f', '... and cleared the seal of a token rotated 400 s ago');
    is($sealed->($recent), 't', '... not that of one rotated just now');
};

# VPlanetRefreshReuseGrace 0: any reuse revokes the session at once
subtest 'with VPlanetRefreshReuseGrace 0 any reuse revokes the session at once' => sub {
    my ($base, $dir) = httpd_variant('refresh-grace-off', 'VPlanetRefreshReuseGrace 0');
    ok($base, 'a variant httpd with VPlanetRefreshReuseGrace 0 starts') or diag($dir);
    SKIP: {
        skip 'no variant', 3 unless $base;
        my $s = login($u->{email}, $u->{password})->{json}{data};
        my $next = refresh($s->{refresh_token}, base => $base);
        envelope_ok($next, 200, 'grace off: a refresh');
        error_ok(refresh($s->{refresh_token}, base => $base), 401, 'invalid_token', 'grace off: the same token again at once is refused');
        error_ok(refresh($next->{json}{data}{refresh_token}), 401, 'invalid_token',
                 'grace off: and the session is revoked');
        httpd_variant_stop($dir);
    }
};

subtest 'reusing a rotated refresh token after the window revokes its session' => sub {
    sleep 3;    # past the window
    my $r = refresh($s1->{refresh_token});
    error_ok($r, 401, 'invalid_token', 'reusing a rotated refresh token after the window is refused');
    error_ok(refresh($s1b->{refresh_token}), 401, 'invalid_token',
             'and revokes its whole family: the newest refresh token is dead too');
    error_ok(me($s1b->{access_token}), 401, 'invalid_token', 'so are the access tokens of that session');
    envelope_ok(me($other->{access_token}), 200, 'another session is untouched');
};

# ---- logout ----
subtest 'logout ends one session, the current one, or all of them' => sub {
    my $s2 = login($u->{email}, $u->{password})->{json}{data};
    my $r = http(POST => '/api/v1/auth/logout', json => { refresh_token => $s2->{refresh_token} });
    envelope_ok($r, 200, 'logout with the refresh token alone');
    error_ok(refresh($s2->{refresh_token}), 401, 'invalid_token', 'its refresh token is revoked');
    error_ok(me($s2->{access_token}), 401, 'invalid_token', 'and its access token');
    envelope_ok(me($other->{access_token}), 200, 'other sessions stay');

    my $s3 = login($u->{email}, $u->{password})->{json}{data};
    $r = http(POST => '/api/v1/auth/logout', headers => bearer($s3->{access_token}));
    envelope_ok($r, 200, 'logout of the current session by access token, no body');
    error_ok(me($s3->{access_token}), 401, 'invalid_token', 'the session is gone');

    my $s4 = login($u->{email}, $u->{password})->{json}{data};
    $r = http(POST => '/api/v1/auth/logout', json => { all => JSON::PP::true },
              headers => bearer($s4->{access_token}));
    envelope_ok($r, 200, 'logout everywhere');
    ok($r->{json}{data}{all}, 'all: true');
    error_ok(me($other->{access_token}), 401, 'invalid_token', 'other sessions ended');
    error_ok(refresh($other->{refresh_token}), 401, 'invalid_token', 'their refresh tokens too');
    error_ok(me($s4->{access_token}), 401, 'invalid_token', 'and this one');
    error_ok(http(POST => '/api/v1/auth/logout', json => {}), 401, 'authentication_required',
             'logout without any token');
    $r = http(POST => '/api/v1/auth/logout', json => { refresh_token => $v->{refresh} },
              headers => bearer(login($u->{email}, $u->{password})->{json}{data}{access_token}));
    error_ok($r, 401, 'invalid_token', "logout with another user's refresh token is refused");
    envelope_ok(refresh($v->{refresh}), 200, 'and that session lives on');
};

# ---- PATCH users/me ----
subtest 'PATCH users/me changes the profile and, with the current password, the password' => sub {
    $s = login($u->{email}, $u->{password})->{json}{data};
    my $bystander = login($u->{email}, $u->{password})->{json}{data};
    my $nick = "renamed$$" . time % 1000;
    my $r = http(PATCH => '/api/v1/users/me', headers => bearer($s->{access_token}),
              json => { nickname => $nick, avatar_url => 'https://cdn.example.com/a.png' });
    envelope_ok($r, 200, 'change nickname and avatar');
    is($r->{json}{data}{nickname}, $nick, 'nickname changed');
    is($r->{json}{data}{avatar_url}, 'https://cdn.example.com/a.png', 'avatar set');
    $r = http(PATCH => '/api/v1/users/me', headers => bearer($s->{access_token}),
              json => { avatar_url => undef });
    envelope_ok($r, 200, 'clear the avatar with null');
    is($r->{json}{data}{avatar_url}, undef, 'avatar cleared');
    is($r->{json}{data}{nickname}, $nick, 'nickname untouched');
    error_ok(http(PATCH => '/api/v1/users/me', headers => bearer($s->{access_token}),
                  json => { avatar_url => 'javascript:alert(1)' }), 422, 'validation_failed',
             'avatar must be http(s)');
    error_ok(http(PATCH => '/api/v1/users/me', headers => bearer($s->{access_token}),
                  json => { nickname => $v->{nickname} }), 409, 'conflict', 'taken nickname');
    error_ok(http(PATCH => '/api/v1/users/me', headers => bearer($s->{access_token}),
                  json => { email => 'x@example.com' }), 400, 'bad_request', 'email cannot change');
    error_ok(http(PATCH => '/api/v1/users/me', json => { nickname => 'zz' }), 401,
             'authentication_required', 'PATCH needs a token');
    error_ok(http(PATCH => '/api/v1/users/me', headers => bearer($s->{access_token}),
                  json => { new_password => 'brand new password' }), 422, 'validation_failed',
             'a new password needs the current one');
    $r = http(PATCH => '/api/v1/users/me', headers => bearer($s->{access_token}),
              json => { current_password => 'wrong', new_password => 'brand new password' });
    error_ok($r, 422, 'validation_failed', 'wrong current password');
    ok($r->{json}{error}{details}{current_password}, 'names current_password');
    $r = http(PATCH => '/api/v1/users/me', headers => bearer($s->{access_token}),
              json => { current_password => $u->{password}, new_password => 'brand new password' });
    envelope_ok($r, 200, 'password changed');
    envelope_ok(me($s->{access_token}), 200, 'the current session stays');
    error_ok(me($bystander->{access_token}), 401, 'invalid_token', 'other sessions are signed out');
    error_ok(login($u->{email}, $u->{password}), 401, 'invalid_credentials', 'old password refused');
    envelope_ok(login($u->{email}, 'brand new password'), 200, 'new password works');
    $u->{password} = 'brand new password';
};

# ---- search ----
subtest 'search finds others by nickname or email prefix' => sub {
    my $w = new_user(nickname => "zq_$$" . 'x');
    my $w2 = new_user(nickname => "zq%$$" . 'y');
    my $r = http(GET => "/api/v1/users/search?q=zq_$$", headers => bearer($s->{access_token}));
    envelope_ok($r, 200, 'search by nickname prefix');
    is_deeply([map { $_->{id} } @{ $r->{json}{data}{results} }], [$w->{id}],
              '_ matches itself only (LIKE escaped)');
    is_deeply([sort keys %{ $r->{json}{data}{results}[0] }], [qw(avatar_url id nickname)],
              'only id, nickname and avatar');
    $r = http(GET => '/api/v1/users/search?q=' . substr(uc $w->{email}, 0, 8),
              headers => bearer($s->{access_token}));
    ok((grep { $_->{id} eq $w->{id} } @{ $r->{json}{data}{results} }), 'search by email prefix, any case');
    $r = http(GET => "/api/v1/users/search?q=" . substr($u->{email}, 0, 12),
              headers => bearer($s->{access_token}));
    ok(!(grep { $_->{id} eq $u->{id} } @{ $r->{json}{data}{results} }), 'the caller is not listed');
    error_ok(http(GET => '/api/v1/users/search?q=z', headers => bearer($s->{access_token})), 422,
             'validation_failed', 'q of one character');
    error_ok(http(GET => '/api/v1/users/search', headers => bearer($s->{access_token})), 422,
             'validation_failed', 'q missing');
    error_ok(http(GET => '/api/v1/users/search?q=%C3%28ab', headers => bearer($s->{access_token})),
             400, 'bad_request', 'q of invalid UTF-8');
    error_ok(http(GET => '/api/v1/users/search?q=zq'), 401, 'authentication_required', 'search needs a token');
    $r = http(GET => '/api/v1/users/search?q=%25%25', headers => bearer($s->{access_token}));
    envelope_ok($r, 200, '%% is a literal prefix');
    ok(@{ $r->{json}{data}{results} } <= 20, 'at most 20 results');
};

# ---- soft delete and recovery ----
subtest 'a deleted account can be recovered within 30 days, not after' => sub {
    my $r = http(DELETE => '/api/v1/users/me', headers => bearer($s->{access_token}),
              json => { reason => 'taking a break' });
    envelope_ok($r, 200, 'soft delete');
    ok($r->{json}{data}{can_recover}, 'can_recover');
    ok($r->{json}{data}{recovery_deadline}, 'recovery_deadline given');
    is(psql("SELECT deletion_reason || '|' || (recovery_deadline - deleted_at)::text"
          . " FROM users WHERE id = '$u->{id}'"), 'taking a break|30 days', 'kept 30 days with the reason');
    error_ok(me($s->{access_token}), 401, 'invalid_token', 'the token of a deleted user is refused');
    $r = login($u->{email}, $u->{password});
    error_ok($r, 403, 'account_deleted', 'a deleted user cannot log in');
    error_ok(login($u->{email}, 'wrong password'), 401, 'invalid_credentials',
             'wrong password on a deleted account is the usual 401');
    error_ok(http(POST => '/api/v1/auth/recover', json => { email => $u->{email}, password => 'nope' },
                  headers => { 'x-forwarded-for' => new_ip() }),
             401, 'invalid_credentials', 'recover needs the password');
    $r = http(POST => '/api/v1/auth/recover', json => { email => $u->{email}, password => $u->{password} },
              headers => { 'x-forwarded-for' => new_ip() });
    envelope_ok($r, 200, 'recover within the window');
    ok($r->{json}{data}{access_token}, 'recovery signs in');
    envelope_ok(me($r->{json}{data}{access_token}), 200, 'the account works again');
    error_ok(http(POST => '/api/v1/auth/recover', json => { email => $u->{email}, password => $u->{password} },
                  headers => { 'x-forwarded-for' => new_ip() }),
             409, 'conflict', 'recovering a live account is a conflict');

    my $x = new_user();
    envelope_ok(http(DELETE => '/api/v1/users/me', headers => bearer($x->{access})), 200,
                'delete without a body');
    psql("UPDATE users SET deleted_at = now() - interval '31 days',"
       . " recovery_deadline = now() - interval '1 day' WHERE id = '$x->{id}'");
    error_ok(http(POST => '/api/v1/auth/recover', json => { email => $x->{email}, password => $x->{password} },
                  headers => { 'x-forwarded-for' => new_ip() }),
             403, 'recovery_expired', 'after 30 days the account cannot be recovered');
    error_ok(http(DELETE => '/api/v1/users/me', headers => bearer($x->{access})), 401,
             'invalid_token', 'deleting twice: the token died with the account');
};

# inactive accounts
subtest 'an inactive account is refused' => sub {
    my $y = new_user();
    psql("UPDATE users SET is_active = false WHERE id = '$y->{id}'");
    error_ok(me($y->{access}), 401, 'invalid_token', 'an inactive user is refused');
    error_ok(login($y->{email}, $y->{password}), 403, 'account_disabled', 'and cannot log in');
};

done_testing;
