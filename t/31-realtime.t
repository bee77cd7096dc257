# The realtime channel (spec section 10): vplanetd behind httpd's
# mod_proxy_wstunnel, events of REST changes, authentication, resume,
# restarts of the daemon and of PostgreSQL, slow clients.
use strict;
use warnings;
use Test::More;
use VP;
use VPWS;
use IO::Socket::INET;
use POSIX ();

my $tag = sprintf '%x%x', $$, time;
my ($owner, $viewer, $outsider) = (new_user(), new_user(), new_user());

sub ws {
    my ($pid, %o) = @_;
    my $path = "/ws/projects/$pid" . ($o{query} ? "?$o{query}" : '');
    my $c = VPWS->connect(base(), $path, %o) or die "ws $path: $@\n";
    return $c;
}
sub ready_ok {
    my ($c, $name) = @_;
    my $m = $c->recv(5);
    is($m && $m->{type}, 'ready', "$name: ready") or diag(explain($m), ' close ', $c->close_code // '-');
    return $m;
}
sub next_event {
    my ($c, $name, $timeout) = @_;
    my $m = $c->recv($timeout // 5);
    ok($m && $m->{id}, "$name: an event arrives") or diag(' close ', $c->close_code // '-');
    return $m;
}
sub rename_project {
    my ($pid, $name) = @_;
    return api($owner, PATCH => "/projects/$pid", { name => $name });
}
# The ids of the project's events after id AFTER, oldest first.
sub event_ids { [map { $_->{id} } @{ events_after(@_) }] }

my $pid = api($owner, POST => '/projects', { name => "RT $tag" })->{id};
api($owner, POST => "/projects/$pid/members", { user_id => $viewer->{id}, role => 'viewer' });
my $other = api($outsider, POST => '/projects', { name => "RT other $tag" })->{id};
my ($a, $b, $c, $x, $b2, $d, $a2);   # clients of one case and the next
my $e1;   # the id of the first event they got

# ---- three ways to authenticate ----
subtest 'a client authenticates by subprotocol, ?token= or an auth message' => sub {
    $a = ws($pid, protocol => "bearer, $owner->{access}");
    is($a->protocol, 'bearer', 'Sec-WebSocket-Protocol: bearer is accepted');
    ready_ok($a, 'subprotocol');
    $b = ws($pid, query => "token=$viewer->{access}");
    my $ready = ready_ok($b, '?token=');
    $c = ws($pid);
    $c->send_json({ type => 'auth', token => $owner->{access} });
    ready_ok($c, 'auth message');
    $x = ws($other, protocol => "bearer, $outsider->{access}");
    ready_ok($x, 'a client of another project');
};

# ---- fan-out ----
subtest 'a change reaches every client of its project once, and no other' => sub {
    rename_project($pid, "RT renamed $tag");
    my %name = ($a => 'subprotocol', $b => '?token=', $c => 'auth message');
    my @got = map { next_event($_, "the $name{$_} client") } ($a, $b, $c);
    is_deeply([map { $_->{type} } @got], [('project.updated') x 3], 'all three get project.updated');
    is(scalar(keys %{ { map { $_->{id} => 1 } @got } }), 1, 'with one event id');
    is($got[0]{project_id}, $pid, 'project_id');
    is($got[0]{payload}{name}, "RT renamed $tag", 'payload: the project');
    ok($got[0]{at}, 'at');
    is($x->recv(1), undef, 'the client of another project gets nothing');
    $e1 = $got[0]{id};
};

# ---- client messages ----
subtest 'ping is answered; typing is relayed to the other clients, never stored' => sub {
    $a->send_json({ type => 'ping' });
    is_deeply($a->recv(5), { type => 'pong' }, 'ping → pong');
    $a->send_json({ type => 'typing', feedback_id => 'f-1' });
    my $t = $b->recv(5);
    is($t->{type}, 'typing', 'typing is relayed');
    is($t->{user_id}, $owner->{id}, '... with who types');
    is($c->recv(5)->{type}, 'typing', '... to every other client');
    is($a->recv(1), undef, '... but not back to the sender');
    is(psql("SELECT count(*) FROM events WHERE project_id = '$pid' AND type = 'typing'"), 0,
       'typing is not stored');
};

# ---- refusals ----
subtest 'a client without a valid token, membership or authentication is refused' => sub {
    for my $case (["a non-member", $pid, "bearer, $outsider->{access}", 4004],
                  ["a bad token", $pid, 'bearer, not.a.token', 4001],
                  ["a refresh token", $pid, "bearer, $owner->{refresh}", 4001],
                  ["an unknown project", '00000000-0000-4000-8000-000000000000',
                   "bearer, $owner->{access}", 4004]) {
        my ($name, $p, $proto, $code) = @$case;
        my $k = ws($p, protocol => $proto);
        is($k->wait_close(5), $code, "$name is refused with $code");
    }
    # (guest tokens: t/32-ws-access.t)
    my $silent = ws($pid);
    is($silent->wait_close(8), 4001, 'no authentication within 5 s: 4001');
};

# ---- resume ----
subtest 'a client resumes with exactly the events it missed' => sub {
    $b->close;
    rename_project($pid, "RT two $tag");
    rename_project($pid, "RT three $tag");
    $b2 = ws($pid, query => "token=$viewer->{access}&last_event_id=$e1");
    my $r = ready_ok($b2, 'resume');
    my @missed = $b2->drain(1);
    is_deeply([map { $_->{id} } @missed], event_ids($pid, $e1), 'exactly the missed events, in order');
    rename_project($pid, "RT four $tag");
    my $live = next_event($b2, 'after the catch-up');
    is($live->{payload}{name}, "RT four $tag", 'live events follow');
    is($b2->recv(1), undef, 'nothing twice');
    $a->drain(1); $c->drain(1);
};

# resume while events keep coming
subtest 'a client resuming during a burst gets every event once, in order' => sub {
    my $from = (split /\n/, psql("SELECT max(id) FROM events WHERE project_id = '$pid'"))[0];
    my $writer = fork // die;
    if (!$writer) {
        eval { rename_project($pid, "RT burst $_ $tag") for 1 .. 30 };
        POSIX::_exit(0);   # no END blocks of the test in the child
    }
    select(undef, undef, undef, 0.2);
    $d = ws($pid, query => "token=$viewer->{access}&last_event_id=$from");
    ready_ok($d, 'resume during a burst');
    waitpid $writer, 0;
    my @burst = $d->drain(2);
    is_deeply([map { $_->{id} } @burst], event_ids($pid, $from),
              'every event after last_event_id once, in order, while new ones kept coming');
    $_->drain(1) for $a, $c;
};

# ---- a clean stop tells clients it is going away ----
subtest 'a clean stop closes clients with 1001' => sub {
    like(VP::sidecar_log(), qr/VPD0411: pruned \d+ old events/, 'housekeeping ran at start');
    my $bye = ws($pid, protocol => "bearer, $owner->{access}");
    ready_ok($bye, 'before a stop');
    VP::stack('sidecar-stop');
    is($bye->wait_close(10), 1001, 'SIGTERM: clients are closed with 1001 (going away)');
    VP::stack('sidecar-start');
    $a->drain(1);
    $a = ws($pid, protocol => "bearer, $owner->{access}");
    ready_ok($a, 'reconnect after the stop');
};

# ---- the daemon killed and restarted ----
subtest 'nothing is lost while the daemon is killed and restarted' => sub {
    my $before = (split /\n/, psql("SELECT max(id) FROM events WHERE project_id = '$pid'"))[0];
    VP::sidecar_kill9();
    is($a->wait_close(10), 1006, 'killed: clients see the connection drop');
    rename_project($pid, "RT while down $tag");
    VP::stack('sidecar-start');
    $a2 = ws($pid, protocol => "bearer, $owner->{access}", query => "last_event_id=$before");
    ready_ok($a2, 'reconnect after the restart');
    my @back = $a2->drain(1);
    is_deeply([map { $_->{id} } @back], event_ids($pid, $before), 'nothing lost while it was down');
};

# ---- PostgreSQL restarted under the daemon ----
subtest 'events flow again after a PostgreSQL restart' => sub {
    VP::stack('pg-stop');
    VP::stack('pg-start');
    my $after_pg;
    for (1 .. 50) {   # the API heals its pooled connections on the first requests
        my $res = call($owner, PATCH => "/projects/$pid", { name => "RT after pg $tag" });
        if ($res->{status} == 200) { $after_pg = 1; last }
        select(undef, undef, undef, 0.2);
    }
    ok($after_pg, 'the API works again after the PostgreSQL restart');
    my $m = next_event($a2, 'after the PostgreSQL restart', 15);
    is($m && $m->{payload}{name}, "RT after pg $tag", 'an event created after the restart comes through');
};

# ---- a slow client is dropped, the others keep receiving ----
my $log_before = length VP::sidecar_log();
sub dropped { substr(VP::sidecar_log(), $log_before) =~ /dropping a slow client/ }
subtest 'a slow client is dropped, the others keep receiving' => sub {
    # straight to vplanetd: httpd's own buffers would otherwise hide its queue
    my $slow = VPWS->connect("http://127.0.0.1:$ENV{VP_WS_PORT}", "/ws/projects/$pid?token=$viewer->{access}",
                             rcvbuf => 2048) or die "slow client: $@\n";
    ready_ok($slow, 'a slow client');
    my $text = 'x' x 4900;
    my $sent = 0;
    for my $i (1 .. 400) {
        api($owner, PATCH => "/projects/$pid", { description => "$i $text" });
        $sent++;
        last if $i % 25 == 0 && dropped();
    }
    ok(dropped(), "the slow client was dropped after $sent events");
    my @fast = $a2->drain(2);
    is(scalar(grep { $_->{type} eq 'project.updated' } @fast), $sent,
       'a reading client got every one of them');
    $slow->{sel}->can_read(5);
    is($slow->wait_close(10), 1006, 'the slow client connection is closed')
        or diag('close code ', $slow->close_code // '-');
};

# ---- dead clients: a client that answers no ping is dropped ----
# (a second daemon pinging every 5 s, so the wait is seconds, not a minute)
subtest 'a client that answers no ping is dropped' => sub {
    my $port = free_port();
    my $conf = "$ENV{VP_STATE}/vplanetd/ping.conf";
    write_file($conf, slurp($ENV{VP_SIDECAR_CONF}) . "\npid_file =\nlisten = 127.0.0.1:$port\nws_ping_interval = 5\n");
    my $pinger = VP::sidecar_spawn($conf, 'ping');
    my $up;
    for (1 .. 100) {
        last if $up = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port);
        select(undef, undef, undef, 0.1);
    }
    ok($up, 'a daemon pinging every 5 s is up');
    my $url = "http://127.0.0.1:$port";
    my $alive = VPWS->connect($url, "/ws/projects/$pid?token=$owner->{access}") or die "alive: $@";
    my $dead = VPWS->connect($url, "/ws/projects/$pid?token=$viewer->{access}") or die "dead: $@";
    ready_ok($alive, 'a client that answers pings');
    my ($dead_closed, $t0) = (0, time);
    while (time - $t0 < 30 && !$dead_closed) {
        $alive->recv(0.5);          # answers the pings
        if ($dead->{sel}->can_read(0)) {   # never answers: read raw, look for the end
            my $n = sysread($dead->{s}, my $buf, 65536);
            $dead_closed = time - $t0 if !$n;
        }
    }
    ok($dead_closed && $dead_closed >= 5, "the silent client was dropped after ${dead_closed}s")
        or diag("after " . (time - $t0) . ' s');
    ok(!defined $alive->close_code, 'the client answering pings stays connected');
    kill 'TERM', $pinger;
    waitpid $pinger, 0;
    is($?, 0, 'the second daemon stops cleanly');
    $alive->close;
};

$_->close for $a2, $c, $x, $b2, $d;
done_testing;
