# VPlanetSessionCache (README "Configuration"): an httpd that remembers
# live sessions for some seconds per child still refuses a token at once
# after a logout, a logout-all, a password change or an account deletion
# made through it, whichever child answers; a change made behind its back
# (SQL, or another httpd: here the suite's own) is seen within the cache's
# seconds and not before; a refused session is never remembered; an edit of
# the account is seen at once; the default (no directive) is 5 seconds.
use strict;
use warnings;
use Test::More;
use HTTP::Tiny;
use JSON::PP ();
use VP;

my ($base, $dir) = httpd_variant('session-cache', "VPlanetSessionCache 4\n");
ok($base, 'an httpd with VPlanetSessionCache 4 starts') or BAIL_OUT($dir);

# me_all(TOKEN, N): N requests of GET /users/me on new connections (so that
# several children and threads answer); their statuses, sorted and unique.
sub me_all {
    my ($token, $n) = @_;
    my %s;
    for (1 .. $n // 12) {
        my $r = http(GET => '/api/v1/users/me', base => $base, headers => bearer($token),
                     fresh => 1);
        $s{ $r->{status} } = 1;
    }
    return join ',', sort keys %s;
}

sub session {
    my ($u) = @_;
    my $r = login($u->{email}, $u->{password}, base => $base);
    die "login: $r->{status}" unless $r->{status} == 200;
    return $r->{json}{data};
}

subtest 'a logout through this httpd refuses the token at once on every child' => sub {
    my $u = new_user();
    my $s = session($u);
    is(me_all($s->{access_token}), '200', 'the token works (and is remembered)');
    my $r = http(POST => '/api/v1/auth/logout', base => $base,
                 json => { refresh_token => $s->{refresh_token} });
    is($r->{status}, 200, 'logout');
    is(me_all($s->{access_token}), '401', 'refused at once, whichever child answers');
};

subtest 'logout-all, a password change and an account deletion likewise' => sub {
    my $u = new_user();
    my ($a, $b) = (session($u), session($u));
    is(me_all($a->{access_token}) . ' ' . me_all($b->{access_token}), '200 200', 'two sessions work');
    my $r = http(POST => '/api/v1/auth/logout', base => $base, headers => bearer($a->{access_token}),
                 json => { all => JSON::PP::true });
    is($r->{status}, 200, 'logout-all');
    is(me_all($b->{access_token}), '401', 'the other session is refused at once');

    my $c = session($u);
    my $d = session($u);
    is(me_all($d->{access_token}), '200', 'a new session works');
    $r = http(PATCH => '/api/v1/users/me', base => $base, headers => bearer($c->{access_token}),
              json => { current_password => $u->{password}, new_password => "$u->{password}-2" });
    is($r->{status}, 200, 'password changed') or diag $r->{body};
    is(me_all($d->{access_token}), '401', 'the other session is refused at once');

    my $v = new_user();
    my ($e, $f) = (session($v), session($v));
    is(me_all($f->{access_token}), '200', 'a session of another account works');
    $r = http(DELETE => '/api/v1/users/me', base => $base, headers => bearer($e->{access_token}));
    is($r->{status}, 200, 'account deleted') or diag $r->{body};
    is(me_all($f->{access_token}), '401', 'its sessions are refused at once');
};

subtest 'an edit of the account through this httpd is seen at once by every child' => sub {
    my $u = new_user();
    my $s = session($u);
    is(me_all($s->{access_token}), '200', 'the token works (and is remembered)');
    my $nick = 'renamed' . int(rand(1e9));
    my $r = http(PATCH => '/api/v1/users/me', base => $base, headers => bearer($s->{access_token}),
                 json => { nickname => $nick });
    is($r->{status}, 200, 'nickname changed') or diag $r->{body};
    my %seen;
    for (1 .. 12) {
        my $m = http(GET => '/api/v1/users/me', base => $base, headers => bearer($s->{access_token}),
                     fresh => 1);
        $seen{ $m->{json}{data}{nickname} // "status $m->{status}" } = 1;
    }
    is(join(',', sort keys %seen), $nick, 'every child answers the new nickname');
};

subtest 'without the directive a child remembers a session for 5 seconds' => sub {
    # the suite's own httpd sets no VPlanetSessionCache: the default
    my $u = new_user();
    my $ua = HTTP::Tiny->new(keep_alive => 1, timeout => 10);
    my $me = sub { $ua->get(base() . '/api/v1/users/me', { headers => bearer($u->{access}) })->{status} };
    is($me->(), 200, 'the token works (and is remembered)');
    psql("UPDATE users SET is_active = false WHERE id = '$u->{id}'");
    is($me->(), 200, 'a deactivation behind its back is not seen at once');
    sleep 6;
    is($me->(), 401, 'and is seen once the 5 seconds have passed');
};

subtest 'a change behind its back is seen within the cache seconds' => sub {
    my $u = new_user();
    my $s = session($u);
    # a keep-alive connection of its own: the same child answers both times
    my $ua = HTTP::Tiny->new(keep_alive => 1, timeout => 10);
    my $me = sub { $ua->get("$base/api/v1/users/me", { headers => bearer($s->{access_token}) })->{status} };
    is($me->(), 200, 'the token works (and is remembered)');
    # the suite's own httpd is another node: its logout does not reach this one's memory
    my $r = http(POST => '/api/v1/auth/logout', json => { refresh_token => $s->{refresh_token} });
    is($r->{status}, 200, 'logout through another httpd');
    is(http(GET => '/api/v1/users/me', headers => bearer($s->{access_token}))->{status}, 401,
       'that httpd refuses at once');
    is($me->(), 200, 'this one still answers from its memory (the latency the setting costs)');
    sleep 5;
    is(me_all($s->{access_token}), '401', 'this one refuses once its 4 seconds have passed');
};

subtest 'a refused session is not remembered' => sub {
    my $u = new_user();
    my $s = session($u);
    psql("UPDATE users SET is_active = false WHERE id = '$u->{id}'");
    is(me_all($s->{access_token}, 4), '401', 'an inactive account is refused');
    psql("UPDATE users SET is_active = true WHERE id = '$u->{id}'");
    is(me_all($s->{access_token}, 4), '200', 'and accepted as soon as it is active again');
};

done_testing();
