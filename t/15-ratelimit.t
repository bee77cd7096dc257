# Rate limits (spec section 3): login 5/min and 10/5 min per client IP +
# email, signup 3/hour per IP, password reset 3/hour per email, 1000/hour
# per IP on every /api/v1 request; 429 with Retry-After and RateLimit-*,
# the error envelope, CORS headers; counters shared by every httpd child.
use strict;
use warnings;
use Test::More;
use JSON::PP;
use IO::Socket::INET;
use Time::HiRes qw(sleep);
use VP;

my $json = JSON::PP->new->utf8->canonical;
my $ORIGIN = 'http://localhost:3000';

# ---- a minimal HTTP/1.1 client on persistent connections ----
# The test picks which httpd child serves a request by choosing the
# connection: a kept-alive connection stays with the child that accepted it.

my ($HOST, $PORT) = base() =~ m{//([^:/]+):(\d+)};

sub kc_open {
    return IO::Socket::INET->new(PeerAddr => $HOST, PeerPort => $PORT, Proto => 'tcp',
                                 Timeout => 10);
}

# kc_send(SOCKET, METHOD, PATH, json => ..., headers => {...}): writes one
# request; false when the connection broke.
sub kc_send {
    my ($s, $method, $path, %o) = @_;
    my $body = exists $o{json} ? $json->encode($o{json}) : '';
    my %h = ('Host' => "$HOST:$PORT", 'X-Forwarded-For' => $VP::IP,
             %{ $o{headers} || {} });
    if (exists $o{json}) {
        $h{'Content-Type'} = 'application/json';
        $h{'Content-Length'} = length $body;
    }
    my $req = "$method $path HTTP/1.1\r\n"
            . join('', map { "$_: $h{$_}\r\n" } sort keys %h) . "\r\n" . $body;
    local $SIG{PIPE} = 'IGNORE';
    my $off = 0;
    while ($off < length $req) {
        my $n = syswrite($s, $req, length($req) - $off, $off);
        return 0 unless $n;
        $off += $n;
    }
    return 1;
}

# kc_read(SOCKET): the next response, read by its Content-Length, as
# {status, headers, body, json}; undef when the connection broke.
sub kc_read {
    my ($s) = @_;
    local $SIG{ALRM} = sub { die "kc_read: no answer in 30 s\n" };
    alarm 30;
    my $res = eval {
        my $buf = '';
        until ($buf =~ /\r\n\r\n/) {
            return undef unless sysread($s, $buf, 65536, length $buf);
        }
        my ($head, $rest) = split /\r\n\r\n/, $buf, 2;
        my ($line, @lines) = split /\r\n/, $head;
        my ($status) = $line =~ m{^HTTP/1\.1 (\d{3}) } or return undef;
        my %hd = map { /^([^:]+):\s*(.*)$/ ? (lc $1 => $2) : () } @lines;
        my $len = $hd{'content-length'};
        return undef unless defined $len;
        while (length $rest < $len) {
            return undef unless sysread($s, $rest, $len - length $rest, length $rest);
        }
        return undef if length $rest > $len;    # we never pipeline
        my $decoded = eval { $json->decode($rest) };
        return { status => $status, headers => \%hd, body => $rest, json => $decoded };
    };
    alarm 0;
    die $@ if $@;
    return $res;
}

sub kc_request {
    my ($s, @req) = @_;
    return kc_send($s, @req) ? kc_read($s) : undef;
}

# The pid of the httpd child that logged request id RID (the access-log
# line is written when the request ends, just after the answer).
sub logged_pid {
    my ($rid, $log) = @_;
    $log //= "$ENV{VP_STATE}/httpd/logs/access.log";
    for (1 .. 50) {
        for (split /\n/, slurp($log)) {
            return $1 if /\brid=\Q$rid\E pid=(\d+)\s*$/;
        }
        sleep 0.1;
    }
    return undef;
}

sub login_body { return { email => $_[0], password => $_[1] } }

# ---- login: 5/min per IP + email, across httpd children ----
subtest 'the login limit (5 a minute per IP and email) holds across httpd children' => sub {
    my $u = new_user();
    my $ip = new_ip();
    my $rid = 0;
    my $tag = "rl15-$$-" . time;

    # Connections until two of them are served by different children;
    # each round opens a few at once and probes them right away (the
    # server closes idle keep-alive connections after a few seconds).
    my (%conn, $rounds);
    for my $round (1 .. 30) {
        $rounds = $round;
        %conn = ();
        for my $s (grep { $_ } map { kc_open() } 1 .. 4) {
            my $id = "$tag-probe-" . ++$rid;
            my $r = kc_request($s, GET => '/api/health', headers => { 'X-Request-ID' => $id });
            next unless $r && $r->{status} == 200;
            my $pid = logged_pid($id) or next;
            $conn{$pid} //= $s;
        }
        last if keys %conn >= 2;
    }
    my @pids = sort keys %conn;
    ok(@pids >= 2, "keep-alive connections on two httpd children (after $rounds rounds)")
        or diag('the stack runs 2 children; all probe connections landed on ' . join(',', @pids));

    SKIP: {
        skip 'no connections on two different children', 16 unless @pids >= 2;
        my (@res, @rids);
        for my $i (1 .. 6) {
            my $pid = $pids[$i % 2];
            my $id = "$tag-login-$i";
            my $r = kc_request($conn{$pid}, POST => '/api/v1/auth/login',
                               json => login_body($u->{email}, 'wrong password'),
                               headers => { 'X-Forwarded-For' => $ip, 'X-Request-ID' => $id });
            # a connection the server closed meanwhile: that request never ran
            # (no log line), so it is sent again on a fresh connection
            unless ($r) {
                diag("connection to child $pid broke; attempt $i on a new connection");
                $conn{$pid} = kc_open();
                $r = kc_request($conn{$pid}, POST => '/api/v1/auth/login',
                                json => login_body($u->{email}, 'wrong password'),
                                headers => { 'X-Forwarded-For' => $ip, 'X-Request-ID' => $id });
            }
            push @res, $r;
            push @rids, $id;
        }
        my @status = map { $_ ? $_->{status} : 0 } @res;
        is_deeply([@status[0 .. 4]], [401, 401, 401, 401, 401], 'login attempts 1-5 are 401')
            or diag("statuses: @status");
        is_deeply([map { $_ ? $_->{headers}{'ratelimit-remaining'} : undef } @res[0 .. 4]],
                  [4, 3, 2, 1, 0], 'RateLimit-Remaining counts the login limit down');
        is_deeply([map { $_ ? $_->{headers}{'ratelimit-limit'} : undef } @res[0 .. 4]],
                  [5, 5, 5, 5, 5], 'RateLimit-Limit is that of the closest limit (login, 5)');
        my $r = $res[5] || { status => 0, headers => {} };
        error_ok($r, 429, 'rate_limited', 'the 6th attempt within a minute is 429');
        my $ra = $r->{headers}{'retry-after'} // '';
        ok($ra =~ /^\d+$/ && $ra >= 1 && $ra <= 60, "Retry-After within the minute ($ra)");
        is($r->{headers}{'ratelimit-limit'}, 5, 'RateLimit-Limit: 5');
        is($r->{headers}{'ratelimit-remaining'}, 0, 'RateLimit-Remaining: 0');
        my $reset = $r->{headers}{'ratelimit-reset'} // '';
        ok($reset =~ /^\d+$/ && $reset >= 1 && $reset <= 60, "RateLimit-Reset within the minute ($reset)");
        like($r->{json}{message} // '', qr/retry in \d+ seconds/, 'the message says when to retry');

        # which child answered each attempt, from the access log
        my @served = map { logged_pid($_) // 'none' } @rids;
        my %seen = map { $_ => 1 } @served;
        ok(keys %seen >= 2, 'the attempts were served by at least two children')
            or diag("pids: @served");
        is_deeply(\@served, [map { $pids[$_ % 2] } 1 .. 6],
                  'each attempt was served by the child of its connection');
        close $_ for values %conn;

        # once limited, even the right password is refused: limits come first
        $r = login($u, ip => $ip);
        error_ok($r, 429, 'rate_limited', 'the correct password is refused too once limited');
        ok(!$r->{json}{data}, 'and no tokens are handed out');
        $r = login(uc $u->{email}, $u->{password}, ip => $ip);
        error_ok($r, 429, 'rate_limited', 'the email in other letter case is the same key');

        # other keys are not affected
        $r = login("other-$tag\@example.com", 'x', ip => $ip);
        error_ok($r, 401, 'invalid_credentials', 'another email from the same IP is not limited');
        $r = login($u);
        envelope_ok($r, 200, 'the same email from another IP is not limited (logs in)');
    }
};

# ---- concurrent attempts ----
# Twelve attempts sent at once on twelve connections (both children, many
# threads): exactly five get through to the password check. (A sanity
# check: the read-modify-write of a counter takes microseconds, so this
# rarely catches a missing lock; it does catch lost or doubled counts.)
subtest 'of twelve simultaneous logins exactly five reach the password check' => sub {
    my $u = new_user();
    my $ip = new_ip();
    my $tag = "rl15c-$$-" . time;
    my @socks = grep { $_ } map { kc_open() } 1 .. 12;
    is(scalar @socks, 12, 'twelve connections');
    my @sent = map {
        kc_send($socks[$_], POST => '/api/v1/auth/login',
                json => login_body($u->{email}, 'wrong password'),
                headers => { 'X-Forwarded-For' => $ip, 'X-Request-ID' => "$tag-$_" })
    } 0 .. $#socks;
    my @status = map { my $r = $sent[$_] && kc_read($socks[$_]); $r ? $r->{status} : 0 } 0 .. $#socks;
    close $_ for @socks;
    my %n;
    $n{$_}++ for @status;
    is($n{401} // 0, 5, 'exactly 5 of 12 simultaneous attempts reach the password check')
        or diag("statuses: @status");
    is($n{429} // 0, 7, 'the other 7 are 429');
    my %pids = map { (logged_pid("$tag-$_") // 'none') => 1 } 0 .. $#socks;
    note('served by children ' . join(', ', sort keys %pids));
};

# ---- login_long: 10 per 5 minutes, alone when the short limit is lifted ----
subtest 'the long login limit (10 in 5 minutes) holds alone when the short one is lifted' => sub {
    my ($base, $dir) = httpd_variant('rl-login-long', 'VPlanetRateLimit login 100 60');
    ok($base, 'variant httpd with VPlanetRateLimit login 100 60') or diag($dir);
    SKIP: {
        skip 'variant httpd did not start', 5 unless $base;
        my $u = new_user(base => $base);
        my $ip = new_ip();
        my @status;
        my $r;
        for my $i (1 .. 11) {
            $r = login($u->{email}, "wrong $i", ip => $ip, base => $base);
            push @status, $r->{status};
        }
        is_deeply([@status[0 .. 9]], [(401) x 10], 'attempts 1-10 are 401: the 1-minute limit is 100')
            or diag("statuses: @status");
        error_ok($r, 429, 'rate_limited', 'the 11th attempt within 5 minutes is 429');
        is($r->{headers}{'ratelimit-limit'}, 10, 'RateLimit-Limit: 10 (login_long)');
        my $ra = $r->{headers}{'retry-after'} // '';
        ok($ra =~ /^\d+$/ && $ra >= 1 && $ra <= 300, "Retry-After within 5 minutes ($ra)");
        $r = login($u, base => $base);
        envelope_ok($r, 200, 'another IP still logs in');
    }
};

# ---- signup: 3 per hour per IP ----
subtest 'the signup limit is 3 an hour per IP' => sub {
    my $ip = new_ip();
    my $tag = sprintf 'su%x%x', $$, time;
    my @status;
    for my $i (1 .. 3) {
        my $r = signup({ email => "$tag-$i\@example.com", password => "pw-$tag-secret",
                         nickname => "$tag-$i" }, ip => $ip);
        push @status, $r->{status};
    }
    is_deeply(\@status, [201, 201, 201], 'three signups from one IP');
    my $email = "$tag-4\@example.com";
    my $r = signup({ email => $email, password => "pw-$tag-secret", nickname => "$tag-4" }, ip => $ip);
    error_ok($r, 429, 'rate_limited', 'the 4th signup from the IP within an hour is 429');
    my $ra = $r->{headers}{'retry-after'} // '';
    ok($ra =~ /^\d+$/ && $ra >= 1 && $ra <= 3600, "Retry-After within the hour ($ra)");
    is($r->{headers}{'ratelimit-limit'}, 3, 'RateLimit-Limit: 3');
    $r = http(POST => '/api/v1/auth/check-email', json => { email => $email });
    envelope_ok($r, 200, 'check-email');
    ok($r->{json}{data}{available}, 'the refused signup created no account');
    is(psql("SELECT count(*) FROM users WHERE lower(email) = lower(:'e')", "e=$email"), 0,
       'no row in users');
    $r = signup({ email => $email, password => "pw-$tag-secret", nickname => "$tag-4" });
    envelope_ok($r, 201, 'the same signup from another IP goes through');
};

# ---- password reset: 3 per hour per email ----
subtest 'the password reset limit is 3 an hour per email, known or not' => sub {
    my $u = new_user();
    my @status;
    for my $i (1 .. 3) {
        # from different addresses: the limit is per email, not per client
        push @status, http(POST => '/api/v1/auth/password-reset', json => { email => $u->{email} },
                           headers => { 'x-forwarded-for' => new_ip() })->{status};
    }
    is_deeply(\@status, [202, 202, 202], 'three reset requests for one email');
    my $r = http(POST => '/api/v1/auth/password-reset', json => { email => $u->{email} },
                 headers => { 'x-forwarded-for' => new_ip() });
    error_ok($r, 429, 'rate_limited', 'the 4th within an hour is 429, whatever the client address');
    is($r->{headers}{'ratelimit-limit'}, 3, 'RateLimit-Limit: 3');
    $r = http(POST => '/api/v1/auth/password-reset', json => { email => uc $u->{email} });
    error_ok($r, 429, 'rate_limited', 'the email in capitals is the same key');
    is(psql("SELECT count(*) FROM outbox WHERE recipient = :'e' AND kind = 'password_reset'",
            "e=$u->{email}"), 3, 'only the three accepted requests queued an email');
    $r = http(POST => '/api/v1/auth/password-reset', json => { email => new_user()->{email} });
    envelope_ok($r, 202, 'another email is not limited');
    # an unknown address counts the same, so answers reveal nothing
    my $ghost = sprintf 'ghost%x%x@example.com', $$, time;
    @status = map { http(POST => '/api/v1/auth/password-reset', json => { email => $ghost })->{status} } 1 .. 4;
    is_deeply(\@status, [202, 202, 202, 429], 'an unknown email is limited alike');
};

# ---- the default per-IP limit of /api/v1, and the 429 envelope with CORS ----
subtest 'the default per-IP limit covers /api/v1, its 429 envelope with CORS' => sub {
    my ($base, $dir) = httpd_variant('rl-default', 'VPlanetRateLimit default 20 3600');
    ok($base, 'variant httpd with VPlanetRateLimit default 20 3600') or diag($dir);
    SKIP: {
        skip 'variant httpd did not start', 17 unless $base;
        my $ip = new_ip();
        my $h = { 'x-forwarded-for' => $ip };
        my (@status, @remaining, @limit);
        for my $i (1 .. 20) {
            my $r = http(POST => '/api/v1/auth/check-email', base => $base, headers => $h,
                         json => { email => "free$i\@example.com" });
            push @status, $r->{status};
            push @limit, $r->{headers}{'ratelimit-limit'};
            push @remaining, $r->{headers}{'ratelimit-remaining'};
        }
        is_deeply(\@status, [(200) x 20], '20 requests in the hour are answered');
        is_deeply(\@limit, [(20) x 20], 'RateLimit-Limit: 20 on each');
        is_deeply(\@remaining, [reverse 0 .. 19], 'RateLimit-Remaining counts down to 0');

        my $r = http(POST => '/api/v1/auth/check-email', base => $base,
                     headers => { %$h, Origin => $ORIGIN },
                     json => { email => 'free21@example.com' });
        error_ok($r, 429, 'rate_limited', 'the 21st is 429, with the error envelope');
        is($r->{json}{error}{code}, 'rate_limited', 'error code rate_limited');
        my $ra = $r->{headers}{'retry-after'} // '';
        ok($ra =~ /^\d+$/ && $ra > 3500 && $ra <= 3600, "Retry-After: the rest of the hour ($ra)");
        is($r->{headers}{'ratelimit-remaining'}, 0, 'RateLimit-Remaining: 0');
        is($r->{headers}{'access-control-allow-origin'}, $ORIGIN, 'CORS: the allowed origin on the 429');
        is($r->{headers}{'access-control-allow-credentials'}, 'true', 'CORS: credentials allowed');
        like($r->{headers}{'access-control-expose-headers'} // '', qr/\bRetry-After\b.*\bRateLimit-Remaining\b/,
             'CORS: Retry-After and RateLimit-* exposed to the browser');
        $r = http(POST => '/api/v1/auth/check-email', base => $base,
                  headers => { %$h, Origin => 'http://evil.example' },
                  json => { email => 'free22@example.com' });
        is($r->{status}, 429, 'still 429');
        ok(!$r->{headers}{'access-control-allow-origin'}, 'no CORS headers for an origin not allowed');

        $r = login('who@example.com', 'x', ip => $ip, base => $base);
        error_ok($r, 429, 'rate_limited', 'every /api/v1 endpoint is limited for that IP');

        my @health = map { http(GET => '/api/health', base => $base, headers => $h) } 1 .. 25;
        is_deeply([map { $_->{status} } @health], [(200) x 25], '/api/health is never limited');
        ok(!grep({ exists $_->{headers}{'ratelimit-limit'} } @health), 'and carries no RateLimit headers');

        $r = http(POST => '/api/v1/auth/check-email', base => $base,
                  headers => { 'x-forwarded-for' => new_ip() }, json => { email => 'free@example.com' });
        envelope_ok($r, 200, 'another IP is unaffected');
        is($r->{headers}{'ratelimit-remaining'}, 19, 'and has its own count');
    }
};

# ---- count 0 turns a limit off; a closed window opens again ----
subtest 'a count of 0 turns a limit off, and a closed window opens again' => sub {
    my ($base, $dir) = httpd_variant('rl-off',
        "VPlanetRateLimit default 0 60\nVPlanetRateLimit password_reset 2 2");
    ok($base, 'variant httpd with VPlanetRateLimit default 0 60') or diag($dir);
    SKIP: {
        skip 'variant httpd did not start', 5 unless $base;
        my $h = { 'x-forwarded-for' => new_ip() };
        my @res = map { http(POST => '/api/v1/auth/check-email', base => $base, headers => $h,
                             json => { email => "off$_\@example.com" }) } 1 .. 40;
        is_deeply([map { $_->{status} } @res], [(200) x 40], 'no 429 after 40 requests');
        ok(!grep({ exists $_->{headers}{'ratelimit-limit'} || exists $_->{headers}{'ratelimit-remaining'} } @res),
           'no RateLimit headers when the limit is off');

        # a 2-second window: refused, then allowed again once it closed
        my $email = sprintf 'win%x%x@example.com', $$, time;
        my @status = map { http(POST => '/api/v1/auth/password-reset', base => $base,
                                headers => $h, json => { email => $email })->{status} } 1 .. 2;
        my $r = http(POST => '/api/v1/auth/password-reset', base => $base, headers => $h,
                     json => { email => $email });
        is_deeply([@status, $r->{status}], [202, 202, 429], 'a 2/2 s limit refuses the 3rd');
        my $ra = $r->{headers}{'retry-after'} // 0;
        ok($ra >= 1 && $ra <= 2, "Retry-After at most the window ($ra)");
        sleep $ra + 0.2;
        $r = http(POST => '/api/v1/auth/password-reset', base => $base, headers => $h,
                  json => { email => $email });
        envelope_ok($r, 202, 'allowed again once Retry-After has passed');
    }
};

done_testing;
