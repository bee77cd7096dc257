# Realtime access (README "Realtime"): a socket closes when its access
# ends (removal, role, session revocation, account deletion, project
# deletion, token expiry) and gets no event after; a guest token is
# refused as on REST (4001); a member reads no event
# from before it joined, on the feed and on resume; a deleted memo's text
# leaves every event; client messages up to 64 KiB, in fragments too;
# httpd closes a client's unmasked or malformed frame with 1002.
use strict;
use warnings;
use Test::More;
use VP qw(:DEFAULT !api !login);   # this file keeps its own api and login
use VPWS;
use JSON::PP ();

my $tag = sprintf '%x%x', $$, time;
my $direct = "http://127.0.0.1:$ENV{VP_WS_PORT}";

sub api {
    my ($token, $method, $path, $body) = @_;
    my $r = http($method => "/api/v1$path", headers => bearer($token),
                 defined $body ? (json => $body) : ());
    die "$method $path: $r->{status} $r->{body}\n" unless $r->{status} =~ /^2/;
    return $r->{json}{data};
}
# a ready socket of project pid for token (query: e.g. last_event_id=0;
# base: vplanetd's own port, which takes the token in the query)
sub ws_ready {
    my ($token, $pid, %o) = @_;
    my $path = "/ws/projects/$pid" . ($o{base} ? "?token=$token" : $o{query} ? "?$o{query}" : '');
    my $c = VPWS->connect($o{base} // base(), $path, $o{base} ? () : (protocol => "bearer, $token"))
        or die "ws $path: $@\n";
    my $m = $c->recv(5);
    die "ws $path: no ready (close " . ($c->close_code // '-') . ")\n"
        unless $m && $m->{type} eq 'ready';
    return $c;
}
# the messages c gets until the server closes it; the close code checked
sub closes_with {
    my ($c, $code, $name) = @_;
    my @got;
    while (defined(my $m = $c->recv(10))) { push @got, $m }
    is($c->close_code, $code, $name);
    return @got;
}
sub types { [map { $_->{type} } @_] }
sub member_of {
    my ($owner, $pid, $user, $role) = @_;
    api($owner->{access}, POST => "/projects/$pid/members", { user_id => $user->{id}, role => $role });
}
sub login {
    my ($u) = @_;
    my $r = http(POST => '/api/v1/auth/login', json => { email => $u->{email}, password => $u->{password} },
                 headers => { 'x-forwarded-for' => new_ip() });
    die "login: $r->{status}\n" unless $r->{status} == 200;
    return $r->{json}{data}{access_token};
}
sub memo {
    my ($token, $pid, $text) = @_;
    return api($token, POST => "/projects/$pid/memos", { date => '2026-03-02', memo => $text })->{id};
}

my ($owner, $viewer, $editor) = map { new_user() } 1 .. 3;
my $pid = api($owner->{access}, POST => '/projects', { name => "WS access $tag" })->{id};
member_of($owner, $pid, $viewer, 'viewer');
member_of($owner, $pid, $editor, 'editor');

subtest 'a removed member is closed with 4006 after its own member.left; a downgraded one reads on' => sub {
    my $v = ws_ready($viewer->{access}, $pid);
    my $e = ws_ready($editor->{access}, $pid);
    api($owner->{access}, PATCH => "/projects/$pid/members/$editor->{id}", { role => 'viewer' });
    api($owner->{access}, DELETE => "/projects/$pid/members/$viewer->{id}");
    my $secret = "after the removal $tag";
    memo($owner->{access}, $pid, $secret);
    my @got = closes_with($v, 4006, 'a removed member: closed with 4006');
    is_deeply(types(@got), ['member.role_changed', 'member.left'],
              '... after the events before it and its own member.left, nothing more');
    is($got[-1]{payload}{user_id}, $viewer->{id}, '... the member.left is its own');
    is(http(GET => "/api/v1/projects/$pid/events", headers => bearer($viewer->{access}))->{status}, 404,
       '... and REST says 404 as well');
    is_deeply(types(map { $e->recv(5) // () } 1 .. 3), ['member.role_changed', 'member.left', 'memo.created'],
              'a member downgraded to viewer stays connected and reads on');
    is($e->close_code, undef, '... not closed');

};

subtest 'a revoked session or a deleted account closes its sockets with 4005' => sub {
    my %sessions;
    for my $how (qw(logout logout-all password reset deletion)) {
        my $u = $sessions{$how} = new_user();
        member_of($owner, $pid, $u, 'viewer');
        $u->{ws} = ws_ready($u->{access}, $pid);
    }
    my $p = $sessions{password};
    my $p2 = login($p);
    my $p2ws = ws_ready($p2, $pid);
    api($sessions{logout}{access}, POST => '/auth/logout');
    api($sessions{'logout-all'}{access}, POST => '/auth/logout', { all => JSON::PP::true });
    api($p2, PATCH => '/users/me', { current_password => $p->{password}, new_password => "new-$tag-secret" });
    api($sessions{deletion}{access}, DELETE => '/users/me', {});
    my $reset = $sessions{reset};
    http(POST => '/api/v1/auth/password-reset', json => { email => $reset->{email} },
         headers => { 'x-forwarded-for' => new_ip() });
    my $link = wait_for(10, sub {
        psql("SELECT body_text FROM outbox WHERE recipient = '$reset->{email}' AND kind = 'password_reset'")
            =~ /token=([A-Za-z0-9_-]+)/ ? $1 : undef });
    is(http(POST => '/api/v1/auth/password-reset/confirm',
            json => { token => $link // '', new_password => "reset-$tag-secret" })->{status}, 200,
       'a password reset is confirmed');
    for my $how (sort keys %sessions) {
        closes_with($sessions{$how}{ws}, 4005, "$how: the socket of the session closes with 4005");
    }
    memo($owner->{access}, $pid, "for the living $tag");
    is(($p2ws->drain(2))[-1]{type}, 'memo.created', 'the session that changed the password stays');

};

subtest 'a socket closes with 4002 when its token expires' => sub {
    my $claims = jwt_claims($owner->{access});
    my $short = jwt_sign({ alg => 'HS256', typ => 'JWT' }, { %$claims, exp => time + 2 }, jwt_key());
    closes_with(ws_ready($short, $pid), 4002, 'a socket closes with 4002 when its token expires');

};

subtest 'a deleted project closes its sockets with 4007 after project.deleted' => sub {
    my $gone = api($owner->{access}, POST => '/projects', { name => "WS gone $tag" })->{id};
    member_of($owner, $gone, $editor, 'editor');
    my @pair = map { ws_ready($_, $gone) } $owner->{access}, $editor->{access};
    api($owner->{access}, DELETE => "/projects/$gone");
    for my $c (@pair) {
        is_deeply(types(closes_with($c, 4007, 'project deleted: closed with 4007')), ['project.deleted'],
                  '... after the project.deleted event');
    }

};

my $h;
subtest 'a member reads no event from before it joined, on the feed and on resume' => sub {
    $h = api($owner->{access}, POST => '/projects', { name => "WS history $tag" })->{id};
    memo($owner->{access}, $h, "before joining $tag");
    my $late = new_user();
    member_of($owner, $h, $late, 'viewer');
    my $feed = api($late->{access}, GET => "/projects/$h/events?since_id=0");
    is_deeply(types(@{ $feed->{results} }), ['member.joined'], 'the feed of a new member starts at its joining');
    is($feed->{count}, 1, '... counted so');
    is($feed->{results}[0]{payload}{user}{id}, $late->{id}, '... with its own member.joined');
    my $rs = ws_ready($late->{access}, $h, query => 'last_event_id=0');
    is_deeply(types($rs->drain(1)), ['member.joined'], 'a resume from 0 starts at joining as well');
    is_deeply(types(@{ api($owner->{access}, GET => "/projects/$h/events?since_id=0")->{results} }),
              ['project.created', 'memo.created', 'member.joined'], 'the owner reads the whole history');

};

subtest 'a deleted memo leaves no text in any event' => sub {
    my $text = "scrub me $tag";
    my $m = memo($owner->{access}, $h, $text);
    api($owner->{access}, PATCH => "/projects/$h/memos/$m", { memo => "$text again" });
    api($owner->{access}, DELETE => "/projects/$h/memos/$m");
    my $r = http(GET => "/api/v1/projects/$h/events?since_id=0&page_size=100", headers => bearer($owner->{access}));
    unlike($r->{body}, qr/scrub me/, 'the feed keeps no text of the deleted memo');
    is_deeply([grep { /^memo/ } @{ types(@{ $r->{json}{data}{results} }) }],
              [qw(memo.created memo.created memo.updated memo.deleted)], '... but keeps its events');
    my @resumed = ws_ready($owner->{access}, $h, query => 'last_event_id=0')->drain(1);
    ok(@resumed >= 6, 'a resume from 0 replays the history');
    ok(!(grep { ($_->{payload}{memo} // '') =~ /scrub me/ } @resumed), '... without the deleted text');
    is(psql("SELECT count(*) FROM events WHERE payload::text LIKE '%scrub me%'"), 0, 'nor does the table');

};

subtest '20 parallel deletes of one project: each answers 200 and writes its event' => sub {
    my @memos = map { memo($owner->{access}, $h, "parallel $_ $tag") } 1 .. 20;
    my @kids;
    for my $id (@memos) {
        pipe(my $rd, my $wr) or die;
        my $kid = fork // die;
        if (!$kid) {
            close $rd;
            print $wr http(DELETE => "/api/v1/projects/$h/memos/$id", headers => bearer($owner->{access}))->{status};
            exit 0;
        }
        close $wr;
        push @kids, [$kid, $rd];
    }
    my @statuses = map { my $s = readline $_->[1]; waitpid $_->[0], 0; $s } @kids;
    is_deeply([sort @statuses], [('200') x 20], '20 parallel memo deletes: 20 × 200');
    is(psql("SELECT count(*) FROM events WHERE project_id = '$h' AND type = 'memo.deleted'"), 21,
       '... 20 more memo.deleted events');
    is(psql("SELECT count(*) FROM events WHERE project_id = '$h' AND payload::text LIKE '%parallel %'"), 0,
       '... and no text of them left in any event');

};

subtest 'client messages up to 64 KiB, in fragments and back to back' => sub {
    for my $via ([direct => $direct], [httpd => undef]) {
        my ($name, $base) = @$via;
        my $c = ws_ready($owner->{access}, $pid, base => $base);
        $c->send_json({ type => 'ping', pad => 'x' x (60 * 1024) });
        is_deeply($c->recv(5), { type => 'pong' }, "$name: a 60 KiB message is read");
        my $ping = '{"type":"ping"}';
        $c->send_raw(VPWS::frame(1, substr($ping, 0, 5), fin => 0) . VPWS::frame(0, substr($ping, 5, 5), fin => 0)
                     . VPWS::frame(0, substr($ping, 10)));
        is_deeply($c->recv(5), { type => 'pong' }, "$name: a message in three fragments is read");
        # (fewer than the suite's ws_queue_max of 20 answers), across read boundaries
        my $padded = '{"type":"ping","pad":"' . ('y' x 480) . '"}';
        $c->send_raw(join '', map { VPWS::frame(1, $padded) } 1 .. 19);
        is(scalar(grep { $_->{type} eq 'pong' } $c->drain(2, 19)), 19,
           "$name: 19 messages of 500 bytes back to back: 19 pongs");
        # an empty message after others (once a double free in vplanetd)
        $c->send_raw(VPWS::frame(1, ''));
        is($c->recv(5)->{type}, 'error', "$name: an empty message is answered with an error");
        $c->send_raw(VPWS::frame(1, $ping));
        is_deeply($c->recv(5), { type => 'pong' }, "$name: ... and the connection goes on");
        $c->send_json({ type => 'ping', pad => 'x' x (64 * 1024) });
        is($c->wait_close(10), 1009, "$name: a message over 64 KiB closes with 1009");
    }
};

subtest 'httpd closes an unmasked or malformed client frame with 1002' => sub {
    # RFC 6455 §5.1: httpd fails a client's connection on an unmasked frame
    # (mod_vplanet/wsframe.c), and on a malformed one, with 1002; the frame
    # never reaches vplanetd (a ping there would be answered)
    my $ping = '{"type":"ping"}';
    for my $bad ([unmasked => VPWS::frame(1, $ping, unmasked => 1)],
                 ['a reserved opcode' => VPWS::frame(3, $ping)],
                 ['an unmasked frame after a masked one, in pieces'
                  => VPWS::frame(1, 'x' x 300) . VPWS::frame(1, $ping, unmasked => 1), pieces => 7]) {
        my ($name, $bytes, @how) = @$bad;
        my $c = ws_ready($owner->{access}, $pid);
        $c->send_raw($bytes, @how);
        my @got = closes_with($c, 1002, "httpd: $name: closed with 1002");
        is(scalar(grep { $_->{type} eq 'pong' } @got), 0, '... and vplanetd did not answer it');
        ok($c->eof_within(10), '... and the tunnel is closed');
    }
    my @logged;
    for (1 .. 50) {
        open my $fh, '<', "$ENV{VP_STATE}/httpd/logs/error.log" or last;
        @logged = grep { /VP0404: 127\.0\.0\.1 sent an? (?:unmasked|malformed) WebSocket frame: closed with 1002$/ } <$fh>;
        last if @logged == 3;
        select undef, undef, undef, 0.1;
    }
    is(scalar @logged, 3, 'one log line each, with the client address');
    {
        # masked frames cut anywhere pass the check
        my $c = ws_ready($owner->{access}, $pid);
        my $big = JSON::PP->new->encode({ type => 'ping', pad => 'z' x (60 * 1024) });
        $c->send_raw(VPWS::frame(1, $big), pieces => 997);
        is_deeply($c->recv(10), { type => 'pong' }, 'httpd: a 60 KiB message in pieces of 997 bytes is read');
        $c->send_raw(VPWS::frame(1, substr($ping, 0, 5), fin => 0) . VPWS::frame(9, 'hi')
                     . VPWS::frame(0, substr($ping, 5)), pieces => 1);
        is_deeply($c->recv(10), { type => 'pong' }, '... and a fragmented one, a ping between, byte by byte');
        is($c->close_code, undef, '... still open');
        $c->close;
    }
    my $again = ws_ready($owner->{access}, $pid);
    $again->send_json({ type => 'ping' });
    is_deeply($again->recv(5), { type => 'pong' }, 'the client closed for an unmasked frame connects again');
    $again->close;
    # vplanetd alone (loopback only) takes the frame: libwebsockets 4.1.6 does
    # not report the mask bit, which is why httpd checks it
    {
        my $c = ws_ready($owner->{access}, $pid, base => $direct);
        $c->send_raw(VPWS::frame(1, $ping, unmasked => 1));
        is_deeply($c->recv(5), { type => 'pong' }, 'vplanetd alone answers an unmasked frame');
        $c->close;
    }
};


done_testing;
