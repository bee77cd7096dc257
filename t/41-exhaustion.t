# Worker exhaustion (issue 11, finding 3): idle WebSocket tunnels and slow
# clients (slowloris) must not take every httpd worker. This httpd tunnels a
# WebSocket synchronously (one worker each, for the tunnel's life), so the
# stack's workers are sized for them, one client address may hold at most
# VPlanetWSMaxPerClient (32) tunnels, and mod_reqtimeout cuts slow clients
# off. Runs against a copy of the stack's httpd with mod_status, which
# counts the busy workers.
use strict;
use warnings;
use Test::More;
use VP;
use VPWS;
use IO::Socket::INET;
use IO::Select;

my ($WS, $SLOW, $CAP) = (200, 100, 32);
my $modules = $ENV{VP_APXS_LIBEXECDIR} || '/usr/lib/apache2/modules';
my ($base, $dir) = httpd_variant('exhaustion', <<CONF);
LoadModule status_module $modules/mod_status.so
<Location "/server-status">
    SetHandler server-status
</Location>
CONF
$base or BAIL_OUT("variant httpd: $dir");
my ($port) = $base =~ /:(\d+)$/;

sub status {
    my $r = http(GET => '/server-status?auto', base => $base, fresh => 1);
    return { map { /^(\w+): (\S+)/ ? ($1 => $2) : () } split /\n/, $r->{body} // '' };
}
# resident memory of the httpd processes (KiB)
sub rss_kib {
    my $total = 0;
    for my $stat (glob '/proc/[0-9]*/status') {
        my $s = eval { slurp($stat) } // next;
        my ($rss) = $s =~ /^VmRSS:\s*(\d+)/m;
        next unless $rss && $s =~ /^Name:\s*apache2$/m;
        my ($pid) = $stat =~ m{/proc/(\d+)/};
        my $cmd = eval { slurp("/proc/$pid/cmdline") } // '';
        $total += $rss if $cmd =~ /\Q$dir\E/;
    }
    return $total;
}
sub health_ok {
    my ($name) = @_;
    envelope_ok(http(GET => '/api/health', base => $base, fresh => 1), 200, $name) for 1 .. 3;
}

my $before = status();
my $rss0 = rss_kib();
my $owner = new_user();
my $pid = new_project($owner, "exhaust $$");

# Authenticated sockets: vplanetd keeps them open (an unauthenticated one
# would be dropped after 5 s). ADDRESS: the client address (the stack
# trusts X-Forwarded-For from 127.0.0.1).
sub ws {
    my ($address) = @_;
    return VPWS->connect($base, "/ws/projects/$pid", protocol => "bearer, $owner->{access}",
                         headers => { 'x-forwarded-for' => $address });
}

my (@ws, @slow);   # the tunnels and slow clients of one case and the next

# ---- one client address: at most $CAP tunnels ----
subtest 'one client address holds at most 32 tunnels' => sub {
    my $one = new_ip();
    my @mine = grep { defined } map { ws($one) } 1 .. $CAP;
    is(scalar @mine, $CAP, "$CAP tunnels from one address");
    ok(!ws($one), '... one more is refused');
    is($VPWS::status, 429, '... with 429');
    ok(ws(new_ip()), 'another address still gets one');
    $_->close for splice @mine, 0, 2;
    ok(wait_for(10, sub { my $c = ws($one); push @mine, $c if $c; $c }),
       'a tunnel closed makes room for a new one');
    $_->close for @mine;
};

# ---- $WS tunnels (from several addresses) and $SLOW slow clients ----
subtest 'with 200 tunnels and 100 slow clients connected /api/health still answers' => sub {
    for my $i (1 .. $WS) {
        my $c = ws('10.99.' . int($i / 25) . '.1') or last;
        push @ws, $c;
    }
    is(scalar @ws, $WS, "$WS WebSocket clients are connected through httpd");

    # Slowloris: half a request each, then nothing.
    for (1 .. $SLOW) {
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port) or last;
        syswrite($s, "GET /api/health HTTP/1.1\r\nHost: x\r\nX-Slow: ");
        push @slow, $s;
    }
    is(scalar @slow, $SLOW, "$SLOW slow clients are connected");

    health_ok('/api/health answers while they are all connected');
    my $during = status();
    my $rss1 = rss_kib();
    cmp_ok($during->{BusyWorkers}, '>=', $WS, 'each tunnel holds a worker (what the sizing is for)');
    diag(sprintf 'workers busy: %d before, %d with %d tunnels + %d slow clients (of %d); '
                 . 'httpd resident memory %d MiB before, %d MiB during (%.0f KiB a connection)',
         $before->{BusyWorkers}, $during->{BusyWorkers}, $WS, $SLOW,
         $during->{BusyWorkers} + $during->{IdleWorkers}, $rss0 / 1024, $rss1 / 1024,
         ($rss1 - $rss0) / ($WS + $SLOW));
};

# mod_reqtimeout closes the slow clients (408) once the header time is up.
subtest 'mod_reqtimeout closes every slow client with the 408 envelope' => sub {
    my $sel = IO::Select->new(@slow);
    my (%closed, %got);
    wait_for(40, sub {
        for my $s ($sel->can_read(0.2)) {
            my $n = sysread($s, my $buf, 4096);
            $got{$s} .= $buf if $n;
            if (!$n) { $closed{$s} = 1; $sel->remove($s) }
        }
        return keys %closed == $SLOW;
    });
    is(scalar keys %closed, $SLOW, 'httpd closed every slow client');
    my @not408 = grep { ($got{$_} // '') !~ m{\AHTTP/1\.1 408 .*\r\n\r\n\{"success":false}s } @slow;
    is(scalar @not408, 0, '... each with the 408 envelope') or diag($got{$not408[0]} // 'nothing');
};

subtest 'the workers are released once the clients are gone' => sub {
    $_->close for @ws;
    my $after = wait_for(20, sub { my $s = status(); $s->{BusyWorkers} <= $before->{BusyWorkers} + 2 ? $s : undef });
    ok($after, 'the workers are released once the clients are gone')
        or diag('busy workers: ', status()->{BusyWorkers});
    health_ok('/api/health answers afterwards');
};

done_testing;
