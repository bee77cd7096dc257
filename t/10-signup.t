# Signup, availability checks, the verification email in the outbox.
use strict;
use warnings;
use Test::More;
use VP;

my $tag = sprintf '%x%x', $$, time;
my %alice = (email => "Alice.$tag\@Example.com", password => 'correct horse battery',
             nickname => "alice$tag");
my $d;   # the signup's data

subtest 'signup creates the account with a token pair, the password hashed' => sub {
    my $r = signup(\%alice);
    envelope_ok($r, 201, 'signup creates the account');
    $d = $r->{json}{data};
    ok($d->{access_token} && $d->{refresh_token}, 'signup returns a token pair');
    is($d->{token_type}, 'Bearer', 'token_type');
    is($d->{expires_in}, 900, 'access tokens live 15 minutes');
    is($d->{user}{email}, $alice{email}, 'email kept as given');
    is($d->{user}{nickname}, $alice{nickname}, 'nickname');
    is($d->{user}{login_method}, 'email', 'login_method');
    ok(!$d->{user}{email_verified}, 'not verified yet');
    ok(!exists $d->{user}{password_hash} && !exists $d->{user}{is_deleted},
       'internal fields stay internal');
    like($d->{user}{id}, qr/^[0-9a-f-]{36}$/, 'user id is a UUID');
    like(psql("SELECT password_hash FROM users WHERE id = '$d->{user}{id}'"),
         qr/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/, 'password stored as argon2id');
};

subtest 'the verification email links to a token that verifies the account once' => sub {
    # the verification email, queued in the same transaction (vplanetd may
    # have sent it already: t/30-mail.t follows it through the SMTP sink)
    my $row = psql("SELECT kind || '|' || status || '|' || recipient || '|' || subject FROM outbox"
                 . " WHERE recipient = '$alice{email}'");
    like($row, qr/^verify_email\|(queued|sending|sent)\|\Q$alice{email}\E\|.+/, 'verification email queued');
    my $text = psql("SELECT body_text FROM outbox WHERE recipient = '$alice{email}'");
    my $html = psql("SELECT body_html FROM outbox WHERE recipient = '$alice{email}'");
    my ($token) = $text =~ m{\Q@{[base()]}\E/verify-email\?token=([A-Za-z0-9_-]{43})\b};
    ok($token, 'the text body links to the public URL with a token');
    like($html, qr{href="\Q@{[base()]}\E/verify-email\?token=\Q$token\E"}, 'the HTML body too');
    unlike(psql("SELECT string_agg(token_hash, ',') FROM user_tokens WHERE user_id = '$d->{user}{id}'"),
           qr/\Q$token\E/, 'only the token hash is stored');

    my $r = http(POST => '/api/v1/auth/verify-email', json => { token => $token });
    envelope_ok($r, 200, 'the link verifies the account');
    ok($r->{json}{data}{user}{email_verified}, 'email_verified');
    ok($r->{json}{data}{user}{email_verified_at}, 'email_verified_at set');
    $r = http(POST => '/api/v1/auth/verify-email', json => { token => $token });
    error_ok($r, 400, 'invalid_token', 'the link works once');
    $r = http(POST => '/api/v1/auth/verify-email', json => { token => 'x' x 43 });
    error_ok($r, 400, 'invalid_token', 'an unknown token');
    $r = me($d->{access_token});
    ok($r->{json}{data}{email_verified}, 'users/me shows the verified address');
};

# taken email in another letter case, taken nickname
subtest 'a taken email or nickname, in any letter case, is 409' => sub {
    my $r = signup({ %alice, email => lc $alice{email}, nickname => "other$tag" });
    error_ok($r, 409, 'conflict', 'same email in another letter case is 409');
    ok($r->{json}{error}{details}{email}, '409 names the email');
    $r = signup({ %alice, email => "other.$tag\@example.com", nickname => uc $alice{nickname} });
    error_ok($r, 409, 'conflict', 'same nickname in another letter case is 409');
    ok($r->{json}{error}{details}{nickname}, '409 names the nickname');
    is(psql("SELECT count(*) FROM users WHERE lower(email) = lower('$alice{email}')"), 1,
       'still one account');
};

# availability
subtest 'availability checks answer for emails and nicknames' => sub {
    my $r;
    for my $case ([email => lc $alice{email}, 0], [email => "free.$tag\@example.com", 1],
                  [nickname => uc $alice{nickname}, 0], [nickname => "free$tag", 1]) {
        my ($field, $value, $available) = @$case;
        $r = http(POST => "/api/v1/auth/check-$field", json => { $field => $value });
        envelope_ok($r, 200, "check-$field $value");
        is(!!$r->{json}{data}{available}, !!$available, "$value available: $available");
    }
    error_ok(http(POST => '/api/v1/auth/check-email', json => { email => 'nope' }), 422,
             'validation_failed', 'check-email wants an address');
    error_ok(http(POST => '/api/v1/auth/check-nickname', json => { nickname => 'x' }), 422,
             'validation_failed', 'check-nickname: too short');
    error_ok(http(POST => '/api/v1/auth/check-email', json => {}), 422,
             'validation_failed', 'check-email without email');
};

subtest 'an invalid signup is refused, naming the field' => sub {
    my $r;
    # validation: each case a fresh client, so the signup limit stays out of the way
    my %ok = (email => "v.$tag\@example.com", password => 'long enough pw', nickname => "v$tag");
    my @invalid = (
        [422, 'password', { password => 'short7!' }, 'password of 7 characters'],
        [422, 'password', { password => 'p' x 129 }, 'password of 129 characters'],
        [422, 'password', { password => uc $ok{email} }, 'password equal to the email'],
        [422, 'email', { email => 'no-at-sign' }, 'email without @'],
        [422, 'email', { email => 'a@b' }, 'email without a dotted domain'],
        [422, 'email', { email => 'a b@example.com' }, 'email with a space'],
        [422, 'email', { email => 'x' x 250 . '@e.com' }, 'email over 254'],
        [422, 'nickname', { nickname => 'x' }, 'nickname of 1 character'],
        [422, 'nickname', { nickname => 'x' x 31 }, 'nickname of 31 characters'],
        [422, 'nickname', { nickname => " $tag" }, 'nickname with a leading space'],
        [422, 'nickname', { nickname => "a\tb$tag" }, 'nickname with a control character'],
        [400, 'nickname', { nickname => 42 }, 'nickname of the wrong type'],
        [400, 'role', { role => 'admin' }, 'unknown field'],
        [422, 'email', { email => undef }, 'missing email'],
        [422, 'password', { password => undef, keep_null => 1 }, 'null password'],
    );
    for my $case (@invalid) {
        my ($status, $field, $change, $name) = @$case;
        my %body = (%ok, %$change);
        delete $body{keep_null};
        delete $body{email} if exists $change->{email} && !defined $change->{email};
        $r = signup(\%body);
        is($r->{status}, $status, "$name: $status");
        ok($r->{json}{error}{details}{$field}, "$name: details name $field")
            or diag($r->{body});
    }
    # nickname length counts characters: 30 Hangul syllables (90 bytes) fit
    $r = signup({ %ok, nickname => "\x{d55c}" x 29 . substr($tag, -1) });
    envelope_ok($r, 201, 'a 30-character multi-byte nickname fits');
    is(psql("SELECT count(*) FROM users WHERE email = '$ok{email}'"), 1, 'and only that one was created');
};

# injection strings are data
subtest 'injection strings are data' => sub {
    my $evil = "x'); DROP TABLE users; --$tag";
    my $r = http(POST => '/api/v1/auth/check-nickname', json => { nickname => substr($evil, 0, 30) });
    envelope_ok($r, 200, 'SQL in a nickname is just text');
    $r = http(POST => '/api/v1/auth/check-email', json => { email => "a'--\@example.com" });
    envelope_ok($r, 200, 'SQL in an email is just text');
    ok(psql('SELECT count(*) FROM users') > 0, 'users table intact');
};

done_testing;
