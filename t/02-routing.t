# Routing: 404 and 405 envelopes, Allow, trailing slash, query strings.
use strict;
use warnings;
use Test::More;
use VP;

subtest 'a trailing slash is ignored' => sub {
    my $r = http(GET => '/api/health/');
    envelope_ok($r, 200, 'trailing slash is ignored');
    $r = http(GET => '/api/health/ready/?x=1');
    envelope_ok($r, 200, 'trailing slash with a query string');
};

subtest 'an unknown path is a 404 envelope, a junk project id 401 or 404' => sub {
    for my $path ('/api/nope', '/api/v1/unknown/thing', '/api', '/api/', '/api/healthz',
                  '/api/v1/nothing/%27%20OR%201%3D1%20--', '/api/v1/error') {
        my $r = http(GET => $path);
        error_ok($r, 404, 'not_found', "unknown path $path is a 404 envelope");
    }
    # /api/v1/projects/{id} is a route: without a token it is 401 before any
    # lookup (t/20-projects.t checks that such an id is 404 for a signed-in user)
    my $r = http(GET => '/api/v1/projects/%27%20OR%201%3D1%20--');
    error_ok($r, 401, 'authentication_required', 'a project path with a junk id and no token: 401');
    $r = http(GET => '/api/v1/projects/%27%20OR%201%3D1%20--', headers => bearer(new_user()->{access}));
    error_ok($r, 404, 'not_found', 'to a signed-in caller, an id that is no UUID names no project');
};

subtest 'a wrong method is a 405 envelope with Allow and the usual headers' => sub {
    my $r = http(POST => '/api/health', json => {});
    error_ok($r, 405, 'method_not_allowed', 'POST on a GET-only path is 405');
    is($r->{headers}{allow}, 'GET, HEAD', 'Allow lists GET and HEAD');

    $r = http(DELETE => '/api/version/');
    error_ok($r, 405, 'method_not_allowed', '405 with a trailing slash too');

    $r = http(GET => '/api/v1/diagnostics/echo');
    error_ok($r, 405, 'method_not_allowed', 'GET on a POST-only path is 405');
    is($r->{headers}{allow}, 'POST', 'Allow: POST');

    # errors carry the same headers as successes
    ok($r->{headers}{'x-request-id'}, 'error has X-Request-ID');
    like($r->{headers}{'x-response-time'}, qr/ms$/, 'error has X-Response-Time');
};

subtest 'URIs httpd refuses itself stay refused, as envelopes' => sub {
    # URIs httpd itself refuses before any location applies (NUL, escaping the
    # root) stay refused, as envelopes (the server-level ErrorDocument lines).
    for my $path ('/api/health/%00', '/api/%2e%2e/etc/passwd') {
        error_ok(http(GET => $path), 404, 'not_found', "httpd refuses $path");
    }
};

subtest 'httpd\'s own errors are envelopes and its log lines stay short' => sub {
    # ---- errors httpd raises itself, before or beside the module: envelopes,
    # and error.log lines stay short ----
    my $log = "$ENV{VP_STATE}/httpd/logs/error.log";
    my $log_at = -s $log;
    my $long = 'a' x 4100;
    my %raw = (
        'a request line over LimitRequestLine' => [414, 'error', "GET /api/v1/${\('b' x 9000)} HTTP/1.1\r\nHost: x\r\n\r\n"],
        'a header over 8 KB' => [400, 'bad_request', "GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: ${\('c' x 9000)}\r\n\r\n"],
        'a control character in a header' => [400, 'bad_request', "GET /api/health HTTP/1.1\r\nHost: x\r\nX-C: a\x01b\r\n\r\n"],
        '# in the request line' => [400, 'bad_request', "GET /api/he#alth HTTP/1.1\r\nHost: x\r\n\r\n"],
        '%00 in the path' => [404, 'not_found', "GET /api/v1/he%00alth HTTP/1.1\r\nHost: x\r\n\r\n"],
        '%2F in the path' => [404, 'not_found', "GET /api/v1/he%2Falth HTTP/1.1\r\nHost: x\r\n\r\n"],
        'a path longer than PATH_MAX' => [404, 'not_found', "GET /api/v1/$long HTTP/1.1\r\nHost: x\r\n\r\n"],
    );
    for my $name (sort keys %raw) {
        my ($status, $code, $req) = @{ $raw{$name} };
        error_ok(raw_http($req), $status, $code, "$name: $status envelope");
    }
    my $r = http(GET => "/api/v1/projects/$long", headers => bearer(new_user()->{access}));
    error_ok($r, 404, 'not_found', 'a project id longer than PATH_MAX: 404 envelope');
    open(my $fh, '<', $log) or die "$log: $!";
    seek($fh, $log_at, 0);
    my @long_lines = grep { length > 1024 } <$fh>;
    is(scalar @long_lines, 0, 'error.log lines stay under 1 KiB') or diag(substr($long_lines[0], 0, 300));
};

subtest 'TRACE is refused without echoing the request' => sub {
    # TRACE would echo the request, Authorization included (TraceEnable off)
    my $r = raw_http("TRACE /api/health HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer trace-secret\r\n\r\n");
    error_ok($r, 405, 'method_not_allowed', 'TRACE under /api: 405 envelope');
    unlike($r->{body}, qr/trace-secret/, '... not echoing the Authorization header');
    is($r->{headers}{allow}, 'GET, HEAD', '... with Allow');
    $r = raw_http("TRACE /static.txt HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer trace-secret\r\n\r\n");
    is($r->{status}, 405, 'TRACE elsewhere: 405 too');
    unlike($r->{body} // '', qr/trace-secret/, '... not echoing it');
};

done_testing;
