# Readiness and losing the database: while PostgreSQL is down the API answers
# 503 envelopes that show no internals, liveness stays up, and everything
# recovers without restarting httpd (pooled connections heal after a
# PostgreSQL restart). Then the storage check. The stack is shared with the
# files after this one: PostgreSQL and the media folder are always restored.
use strict;
use warnings;
use Test::More;
use VP;

my $media = "$ENV{VP_STATE}/media";
my $media_mode = (stat $media)[2] & 07777 or die "no media folder $media\n";
my $media_away = "$media.away-05";
my $error_log = "$ENV{VP_STATE}/httpd/logs/error.log";

sub restore {
    rename $media_away, $media if -e $media_away && !-e $media;
    chmod $media_mode, $media;
    eval { stack('pg-start') };
    diag("could not restart PostgreSQL: $@") if $@;
}
# Runs on a failed assertion, a die or a signal alike (forked clients leave
# with POSIX::_exit and skip it).
END { local $?; restore() }
$SIG{$_} = sub { exit 1 } for qw(INT TERM HUP);

# CLIENTS processes in parallel (VP's parallel), each sending EACH requests
# in a row (over one keep-alive connection, or a new connection per request
# when fresh), so the requests spread over httpd's children and their pooled
# connections. Returns every status (599: no answer).
sub clients {
    my ($path, %o) = @_;
    my ($n, $each, $fresh) = ($o{clients} // 8, $o{each} // 5, $o{fresh} // 0);
    return map { ref $_ eq 'ARRAY' ? @$_ : (599) x $each }
           parallel($n, sub { [map { http(GET => $path, fresh => $fresh)->{status} } 1 .. $each] });
}

# all_ok(STATUS, NAME, STATUSES...): every request answered, all with STATUS.
sub all_status {
    my ($want, $name, @got) = @_;
    my @bad = grep { $_ != $want } @got;
    ok(@got && !@bad, $name) or diag(scalar(@got) . " requests, not $want: @bad");
}

# The body names no driver, statement, socket or log internals.
sub no_internals {
    my ($r, $name) = @_;
    my $body = $r->{body} // '';
    # the random request id may hold "dbd" or "PQ" by chance
    $body =~ s/"request_id":"[^"]*"//;
    my @leaks = grep { index($body, $_) >= 0 } 'PQ', 'SQL', 'AH0', 'VP01', $ENV{VP_STATE};
    push @leaks, grep { index(lc $body, $_) >= 0 }
        '/tmp', 'connection to server', 'socket', 'pgsql', 'libpq', 'postgres', 'dbd', 'errno';
    ok(!@leaks, $name) or diag("internals (@leaks) in: $body");
}

sub log_count {
    my ($re) = @_;
    open my $fh, '<', $error_log or return 0;
    return scalar grep { /$re/ } <$fh>;
}

sub httpd_pid {
    open my $fh, '<', "$ENV{VP_STATE}/httpd/run/httpd.pid" or return '';
    my $pid = <$fh> // '';
    chomp $pid;
    return $pid;
}

my $latest = (sort map { m{/(\d{4}_[^/]+)\.sql$} ? $1 : () } glob("$ENV{VP_SRC}/sql/*.sql"))[-1];

my ($pid, $starts);   # of httpd before PostgreSQL goes away

# --- all up ---
subtest 'ready while everything is up' => sub {
    my $r = http(GET => '/api/health/ready');
    envelope_ok($r, 200, 'ready while everything is up');
    is_deeply($r->{json}{data}{checks}, {database => 'ok', storage => 'ok'}, 'database and storage ok');

    # several pooled connections in each child, all in use once
    all_status(200, 'warm-up: parallel requests to /api/version', clients('/api/version'));
    $pid = httpd_pid();
    ok($pid, "httpd runs (pid $pid)");
    $starts = log_count(qr/resuming normal operations/);
};

# --- PostgreSQL down ---
subtest 'with PostgreSQL down the API answers 503 envelopes without internals, liveness stays up' => sub {
    stack('pg-stop');

    my $r = http(GET => '/api/health/ready');
    error_ok($r, 503, 'not_ready', 'ready is 503 not_ready with the database down');
    my $err = $r->{json}{error} // {};
    ok(exists $err->{details}{database}, 'details name the database check');
    ok(!exists $err->{details}{storage}, 'and not the storage check');
    is_deeply($err->{details}{checks}, {database => 'failed', storage => 'ok'}, 'checks: database failed, storage ok');
    like($r->{json}{message}, qr/database/, 'the message names the database');
    no_internals($r, 'the readiness 503 shows no internals');

    # pooled connections (keep-alive), new ones, and in parallel: 503 everywhere, never 500
    for my $fresh (0, 1) {
        my @s = map { http(GET => '/api/health/ready', fresh => $fresh)->{status} } 1 .. 5;
        all_status(503, 'ready stays 503 ' . ($fresh ? '(new connections)' : '(keep-alive)'), @s);
    }
    all_status(503, 'ready is 503 for parallel clients', clients('/api/health/ready', each => 3));

    $r = http(GET => '/api/version');
    error_ok($r, 503, 'service_unavailable', '/api/version is a 503 envelope, not a 500');
    no_internals($r, 'the version 503 shows no internals');
    my $rid = $r->{json}{request_id} // 'none';
    ok(log_count(qr/\[rid \Q$rid\E\] VP01\d\d/), 'the cause is in the error log under its request id');
    all_status(503, '/api/version is 503 for parallel clients', clients('/api/version', each => 3));

    $r = http(GET => '/api/health');
    envelope_ok($r, 200, 'liveness stays 200 with the database down');
    is($r->{json}{data}{status}, 'ok', 'liveness says ok');

    # both checks failing at once
    chmod 0555, $media or die "chmod $media: $!";
    $r = http(GET => '/api/health/ready');
    error_ok($r, 503, 'not_ready', 'ready is 503 with database and storage down');
    is_deeply($r->{json}{error}{details}{checks}, {database => 'failed', storage => 'failed'},
              'both checks failed');
    ok(exists $r->{json}{error}{details}{database} && exists $r->{json}{error}{details}{storage},
       'details name both checks');
    no_internals($r, 'no internals with both down');
    chmod $media_mode, $media or die "chmod $media: $!";
};

# --- PostgreSQL back: no httpd restart ---
subtest 'once PostgreSQL is back everything answers 200, without an httpd restart' => sub {
    stack('pg-start');

    my @seq = map { http(GET => '/api/version')->{status} } 1 .. 20;
    all_status(200, '20 requests in a row on keep-alive are 200 after PostgreSQL is back', @seq);
    @seq = map { http(GET => '/api/health/ready', fresh => 1)->{status} } 1 .. 20;
    all_status(200, '20 readiness requests on new connections are 200', @seq);
    all_status(200, 'parallel clients on keep-alive are 200', clients('/api/version'));
    all_status(200, 'parallel clients on new connections are 200', clients('/api/health/ready', fresh => 1));
    my $r = http(GET => '/api/health/ready', fresh => 1);
    envelope_ok($r, 200, 'ready again');
    is_deeply($r->{json}{data}{checks}, {database => 'ok', storage => 'ok'}, 'both checks ok again');
};

# --- PostgreSQL restarted while httpd holds pooled connections ---
subtest 'pooled connections heal after a PostgreSQL restart' => sub {
    all_status(200, 'pool warmed up again', clients('/api/version'));
    my $healed = log_count(qr/VP0102: database connection re-established/);
    stack('pg-stop');
    stack('pg-start');

    my $r = http(GET => '/api/version');
    envelope_ok($r, 200, 'the first request after a PostgreSQL restart is 200');
    is($r->{json}{data}{schema}{version}, $latest, 'with the schema version (statements prepared again)');
    all_status(200, 'parallel clients on keep-alive are 200 after the restart', clients('/api/version'));
    all_status(200, 'parallel clients on new connections are 200 after the restart',
               clients('/api/health/ready', fresh => 1));
    my @seq = map { http(GET => '/api/version', fresh => $_ % 2)->{status} } 1 .. 20;
    all_status(200, '20 requests in a row, new and kept connections, are 200', @seq);
    cmp_ok(log_count(qr/VP0102: database connection re-established/), '>', $healed,
           'broken pooled connections were healed (VP0102 in the error log)');

    is(httpd_pid(), $pid, 'httpd was not restarted (same parent pid)');
    is(log_count(qr/resuming normal operations/), $starts, 'nor gracefully restarted');
};

# --- storage ---
subtest 'the storage check fails while the media folder is not writable or missing' => sub {
    chmod 0555, $media or die "chmod $media: $!";
    my $r = http(GET => '/api/health/ready');
    error_ok($r, 503, 'not_ready', 'ready is 503 when the media folder is not writable');
    my $err = $r->{json}{error} // {};
    ok(exists $err->{details}{storage}, 'details name the storage check');
    ok(!exists $err->{details}{database}, 'and not the database check');
    is_deeply($err->{details}{checks}, {database => 'ok', storage => 'failed'}, 'checks: database ok, storage failed');
    like($r->{json}{message}, qr/storage/, 'the message names storage');
    no_internals($r, 'the storage 503 does not show the media path');
    envelope_ok(http(GET => '/api/version'), 200, '/api/version does not depend on storage');

    chmod $media_mode, $media or die "chmod $media: $!";
    $r = http(GET => '/api/health/ready');
    envelope_ok($r, 200, 'ready again once the media folder is writable');

    rename $media, $media_away or die "rename $media: $!";
    $r = http(GET => '/api/health/ready');
    error_ok($r, 503, 'not_ready', 'ready is 503 when the media folder is missing');
    is($r->{json}{error}{details}{checks}{storage}, 'failed', 'storage failed');
    rename $media_away, $media or die "rename $media_away: $!";
    envelope_ok(http(GET => '/api/health/ready'), 200, 'ready again with the folder back');
};

done_testing;
