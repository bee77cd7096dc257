# Health, readiness, version, the envelope and the request id.
use strict;
use warnings;
use Test::More;
use VP;

subtest 'liveness answers ok with a fresh request id, never cached' => sub {
    my $r = http(GET => '/api/health');
    envelope_ok($r, 200, 'GET /api/health');
    is($r->{json}{data}{status}, 'ok', 'liveness says ok');
    like($r->{json}{request_id}, qr/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
         'a generated request id is a UUID v4');
    is($r->{headers}{'cache-control'}, 'no-store', 'API answers are not cached');

    my $other = http(GET => '/api/health');
    isnt($other->{json}{request_id}, $r->{json}{request_id}, 'each request gets its own id');
};

subtest 'a sane X-Request-ID is echoed, an unsafe one replaced' => sub {
    # request id round trip: a sane one is echoed, in the header, the body and the access log
    my $r = http(GET => '/api/health', headers => {'X-Request-ID' => 'trace-abc.123:x_y-z'});
    is($r->{headers}{'x-request-id'}, 'trace-abc.123:x_y-z', 'sane X-Request-ID echoed in the header');
    is($r->{json}{request_id}, 'trace-abc.123:x_y-z', 'and in the envelope');

    for my $bad ('has space', 'x' x 65, 'semi;colon', '<script>') {
        $r = http(GET => '/api/health', headers => {'X-Request-ID' => $bad});
        isnt($r->{headers}{'x-request-id'}, $bad, "unsafe X-Request-ID replaced ('" . substr($bad, 0, 12) . "')");
        like($r->{headers}{'x-request-id'}, qr/^[0-9a-f-]{36}$/, '... by a generated one');
    }
};

subtest 'HEAD is answered like GET, without a body' => sub {
    # HEAD is answered like GET, without a body
    my $r = http(HEAD => '/api/health');
    is($r->{status}, 200, 'HEAD /api/health');
    ok(!length($r->{body} // ''), 'HEAD has no body');
};

subtest 'readiness checks the database and the storage' => sub {
    # readiness
    my $r = http(GET => '/api/health/ready');
    envelope_ok($r, 200, 'GET /api/health/ready');
    is_deeply($r->{json}{data}{checks}, {database => 'ok', storage => 'ok'}, 'both checks pass');
};

subtest 'version names the module and the newest applied migration' => sub {
    # version: module version and the applied schema version
    my $r = http(GET => '/api/version');
    envelope_ok($r, 200, 'GET /api/version');
    like($r->{json}{data}{version}, qr/^\d+\.\d+\.\d+$/, 'module version');
    my $latest = (sort map { m{/(\d{4}_[^/]+)\.sql$} ? $1 : () } glob("$ENV{VP_SRC}/sql/*.sql"))[-1];
    is($r->{json}{data}{schema}{version}, $latest, 'schema version is the newest migration');
    is($r->{json}{data}{schema}{applied}, scalar(() = glob("$ENV{VP_SRC}/sql/*.sql")), 'every migration applied');
    like($r->{json}{data}{schema}{applied_at}, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z$/, 'RFC 3339 UTC time');
    like($r->{json}{data}{build}, qr/gcc/, 'build information');
};

subtest 'the request id reaches the access log' => sub {
    # the request id reaches the access log (written when the request ends)
    my $r = http(GET => '/api/health', headers => {'X-Request-ID' => 'access-log-probe-42'});
    my $found = 0;
    for (1 .. 50) {
        open my $fh, '<', "$ENV{VP_STATE}/httpd/logs/access.log" or last;
        $found = grep { /rid=access-log-probe-42\b/ } <$fh>;
        last if $found;
        select undef, undef, undef, 0.1;
    }
    ok($found, 'request id appears in the access log');
};

done_testing;
