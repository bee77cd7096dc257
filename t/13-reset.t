# Password reset and email verification (spec section 3): always 202, a
# single-use token valid 1 h emailed through the outbox, confirm revokes
# every session; verify-email marks the address verified once.
use strict;
use warnings;
use Test::More;
use VP;

my $BASE = base();      # the stack's VPlanetPublicURL is its own address

# The newest outbox rows of KIND for RECIPIENT, oldest first, as hashes.
sub outbox {
    my ($recipient, $kind) = @_;
    my $rows = psql("SELECT json_build_object('id', id, 'recipient', recipient, 'subject', subject,"
                  . " 'body_text', body_text, 'body_html', body_html, 'kind', kind,"
                  . " 'status', status)::text FROM outbox"
                  . " WHERE lower(recipient) = lower(:'r') AND kind = :'k' ORDER BY id",
                    "r=$recipient", "k=$kind");
    return [map { JSON::PP->new->utf8->decode($_) } grep { length } split /\n/, $rows];
}

# The token of the link PATH?token= in a mail body.
sub link_token {
    my ($text, $path) = @_;
    return $text =~ m{\Q$BASE\E/\Q$path\E\?token=([A-Za-z0-9_-]+)} ? $1 : undef;
}

# The server answers a reset request before it queues the email: wait for
# the outbox row.
sub reset_mails {
    my ($email, $n) = @_;
    return wait_for(10, sub { my $m = outbox($email, 'password_reset'); @$m >= $n ? $m : undef })
        // outbox($email, 'password_reset');
}

sub reset_token {
    my ($u) = @_;
    my $before = @{ outbox($u->{email}, 'password_reset') };
    my $r = http(POST => '/api/v1/auth/password-reset', json => { email => $u->{email} });
    die "password-reset: $r->{status} $r->{body}\n" unless $r->{status} == 202;
    my $mails = reset_mails($u->{email}, $before + 1);
    die "no reset email\n" unless @$mails > $before;
    return link_token($mails->[-1]{body_text}, 'reset-password');
}

sub confirm {
    my ($token, $pw) = @_;
    return http(POST => '/api/v1/auth/password-reset/confirm',
                json => { token => $token, new_password => $pw });
}

# ---- request: 202 whether or not the address has an account ----
my $ghost = sprintf 'ghost%x%x@example.com', $$, time;
subtest 'a reset request for an unknown email is 202 and queues nothing' => sub {
    my $r = http(POST => '/api/v1/auth/password-reset', json => { email => $ghost });
    envelope_ok($r, 202, 'unknown email: 202');
    is($r->{headers}{connection}, 'close', 'the connection closes after it, as for a known email');
    is_deeply(outbox($ghost, 'password_reset'), [], 'and no email queued for it');
    is(psql("SELECT count(*) FROM outbox WHERE lower(recipient) = lower(:'r')", "r=$ghost"), 0,
       'no outbox row of any kind');
};

my $u = new_user();
my ($second, $token, $new, $after);   # of one case and the next
subtest 'a reset request for a known email queues a single-use link valid 1 hour' => sub {
    $second = login($u->{email}, $u->{password});
    envelope_ok($second, 200, 'a second session before the reset');
    my $r = http(POST => '/api/v1/auth/password-reset', json => { email => uc $u->{email} });
    envelope_ok($r, 202, 'known email (any letter case): 202');
    is($r->{json}{message}, http(POST => '/api/v1/auth/password-reset',
                                 json => { email => "x$ghost" })->{json}{message},
       'the same message as for an unknown email');
    is($r->{headers}{connection}, 'close', 'answered before the work, on a connection it closes');
    my $mails = reset_mails($u->{email}, 1);
    is(scalar @$mails, 1, 'one reset email queued');
    my $mail = $mails->[0] // {};
    like($mail->{status}, qr/^(queued|sending|sent)$/, 'queued (vplanetd may have sent it already)');
    is($mail->{recipient}, $u->{email}, 'to the address of the account');
    like($mail->{subject}, qr/password/i, 'subject about the password');
    $token = link_token($mail->{body_text} // '', 'reset-password');
    ok($token, "body_text holds the link $BASE/reset-password?token=...") or diag($mail->{body_text});
    like($token // '', qr/^[A-Za-z0-9_-]{43}$/, 'a 32-byte base64url token');
    like($mail->{body_html} // '', qr{href="\Q$BASE\E/reset-password\?token=\Q$token\E"},
         'body_html links to it too') if $token;
    is(psql("SELECT count(*) FROM user_tokens WHERE user_id = :'u' AND purpose = 'password_reset'"
            . " AND expires_at BETWEEN now() + interval '59 minutes' AND now() + interval '61 minutes'"
            . " AND used_at IS NULL", "u=$u->{id}"), 1, 'stored (hashed) with 1 hour to live');
    is(psql("SELECT count(*) FROM user_tokens WHERE token_hash = :'t'", "t=$token"), 0,
       'the token itself is not stored');
};

# ---- confirm: validation keeps the token usable ----
subtest 'confirm refuses a weak password and keeps the token usable' => sub {
    my $r = confirm($token, 'short77');
    error_ok($r, 422, undef, 'a 7-character password is refused');
    ok($r->{json}{error}{details}{new_password}, 'details name new_password');
    $r = confirm($token, $u->{email});
    error_ok($r, 422, undef, 'the email as the new password is refused');
    ok($r->{json}{error}{details}{new_password}, 'details name new_password');
    $r = confirm($token, uc $u->{email});
    error_ok($r, 422, undef, 'the email in capitals too');
    envelope_ok(login($u->{email}, $u->{password}), 200, 'refused confirmations changed nothing');
};

subtest 'confirm sets the new password, once' => sub {
    $new = "new-$u->{password}";
    my $r = confirm($token, $new);
    envelope_ok($r, 200, 'confirm with a good password: 200 (the token survived the refusals)');
    $r = confirm($token, "$new-again");
    error_ok($r, 400, 'invalid_token', 'the same token a second time: 400 invalid_token');

    $r = login($u->{email}, $u->{password});
    error_ok($r, 401, 'invalid_credentials', 'the old password no longer logs in');
    $r = login($u->{email}, $new);
    envelope_ok($r, 200, 'the new password does');
    $after = $r->{json}{data};
};

subtest 'a reset revokes every session from before' => sub {
    my $r;
    # every session from before is gone
    for ([signup => $u->{refresh}], [login => $second->{json}{data}{refresh_token}]) {
        $r = refresh($_->[1]);
        error_ok($r, 401, 'invalid_token', "refresh token of the $_->[0] session: 401");
    }
    $r = me($u->{access});
    error_ok($r, 401, 'invalid_token', 'access token from before: 401 (its session is revoked)');
    is(psql("SELECT count(*) FROM refresh_tokens WHERE user_id = :'u' AND revoked_at IS NULL"
            . " AND created_at < (SELECT max(used_at) FROM user_tokens WHERE user_id = :'u'"
            . " AND purpose = 'password_reset')", "u=$u->{id}"), 0,
       'no refresh token from before the reset is left unrevoked');
    envelope_ok(me($after->{access_token}), 200,
                'the session started after the reset works');
    $r = refresh($after->{refresh_token});
    envelope_ok($r, 200, 'and can refresh');
};

# ---- an expired token ----
subtest 'an expired token is refused' => sub {
    my $v = new_user();
    my $t = reset_token($v);
    psql("UPDATE user_tokens SET expires_at = now() - interval '1 second'"
         . " WHERE user_id = :'u' AND purpose = 'password_reset'", "u=$v->{id}");
    my $r = confirm($t, "brand-new-$v->{password}");
    error_ok($r, 400, 'invalid_token', 'an expired token: 400 invalid_token');
    envelope_ok(login($v->{email}, $v->{password}), 200, 'the password is unchanged');
    envelope_ok(me($v->{access}), 200,
                'and the sessions stay');
};

# ---- two requests: using one kills the other ----
subtest 'of two requests, using one kills the other' => sub {
    my $w = new_user();
    my $t1 = reset_token($w);
    my $t2 = reset_token($w);
    ok($t1 && $t2 && $t1 ne $t2, 'two requests, two different tokens');
    envelope_ok(confirm($t2, "first-$w->{password}"), 200, 'the newer one changes the password');
    error_ok(confirm($t1, "second-$w->{password}"), 400, 'invalid_token', 'the older one is dead');
    envelope_ok(login($w->{email}, "first-$w->{password}"), 200, 'the password set by the first confirm holds');
};

# ---- unknown, malformed, or other-purpose tokens ----
subtest 'unknown, malformed or other-purpose tokens are refused' => sub {
    error_ok(confirm('x' x 43, 'whatever-password'), 400, 'invalid_token', 'a made-up token: 400');
    my $r = http(POST => '/api/v1/auth/password-reset/confirm', json => { token => 'abc' });
    is($r->{status}, 422, 'new_password missing: 422') or diag($r->{body});
    $r = http(POST => '/api/v1/auth/password-reset', json => { email => 'not an email' });
    error_ok($r, 422, undef, 'an invalid address: 422');
};

# ---- email verification ----
subtest 'verify-email marks the address verified, once' => sub {
    my $v = new_user();
    my $vm = outbox($v->{email}, 'verify_email');
    is(scalar @$vm, 1, 'signup queued one verification email');
    my $m = $vm->[0] // {};
    like($m->{status}, qr/^(queued|sending|sent)$/, 'queued (vplanetd may have sent it already)');
    is($m->{recipient}, $v->{email}, 'to the new address');
    my $vt = link_token($m->{body_text} // '', 'verify-email');
    ok($vt, "body_text holds the link $BASE/verify-email?token=...") or diag($m->{body_text});
    like($m->{body_html} // '', qr{\Q$BASE\E/verify-email\?token=\Q$vt\E}, 'body_html too') if $vt;

    my $r = me($v->{access});
    ok($r->{json}{data} && !$r->{json}{data}{email_verified}, 'not verified before');
    error_ok(http(POST => '/api/v1/auth/password-reset/confirm',
                  json => { token => $vt, new_password => 'some-new-password' }),
             400, 'invalid_token', 'a verification token is no reset token');

    $r = http(POST => '/api/v1/auth/verify-email', json => { token => $vt });
    envelope_ok($r, 200, 'verify-email: 200');
    is($r->{json}{data}{user}{id}, $v->{id}, 'names the user');
    ok($r->{json}{data}{user}{email_verified}, 'email_verified true');
    like($r->{json}{data}{user}{email_verified_at} // '', qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/,
         'email_verified_at set (RFC 3339 UTC)');
    is(psql("SELECT email_verified AND email_verified_at IS NOT NULL FROM users WHERE id = :'u'",
            "u=$v->{id}"), 't', 'stored');
    $r = http(POST => '/api/v1/auth/verify-email', json => { token => $vt });
    error_ok($r, 400, 'invalid_token', 'second use: 400 invalid_token');
    $r = me($v->{access});
    envelope_ok($r, 200, 'GET /users/me');
    ok($r->{json}{data}{email_verified}, 'shows email_verified true');
    ok($r->{json}{data}{email_verified_at}, 'with email_verified_at');

    my $t = reset_token($v);
    error_ok(http(POST => '/api/v1/auth/verify-email', json => { token => $t }), 400,
             'invalid_token', 'a reset token does not verify an email');
    error_ok(http(POST => '/api/v1/auth/verify-email', json => { token => 'nope' }), 400,
             'invalid_token', 'an unknown token: 400');
};

done_testing;
