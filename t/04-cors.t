# CORS from Apache's configuration (conf/vplanet.conf): the allow-list,
# headers on error responses too, and preflights answered 204 before any
# handler. The test stack allows http://localhost:3000 (script/stack).
use strict;
use warnings;
use Test::More;
use VP;

my $ALLOWED = 'http://localhost:3000';
my $ECHO = '/api/v1/diagnostics/echo';
my @PREFLIGHT_ONLY = qw(access-control-allow-methods access-control-allow-headers access-control-max-age);
my @ALL_CORS = (qw(access-control-allow-origin access-control-allow-credentials
                   access-control-expose-headers), @PREFLIGHT_ONLY);

sub header {
    my ($r, $name) = @_;
    my $v = $r->{headers}{lc $name};
    return ref $v ? join(', ', @$v) : $v;
}

sub list_has {
    my ($r, $name, $want) = @_;
    return grep { lc $_ eq lc $want } split /\s*,\s*/, header($r, $name) // '';
}

sub vary_origin_ok {
    my ($r, $name) = @_;
    ok(list_has($r, 'Vary', 'Origin'), "$name: Vary includes Origin")
        or diag('Vary: ' . (header($r, 'Vary') // '(none)'));
}

# The headers of an allowed origin on an actual (non-preflight) response.
sub cors_ok {
    my ($r, $name) = @_;
    is(header($r, 'Access-Control-Allow-Origin'), $ALLOWED, "$name: Allow-Origin echoes the origin");
    is(header($r, 'Access-Control-Allow-Credentials'), 'true', "$name: credentials allowed");
    vary_origin_ok($r, $name);
    ok(list_has($r, 'Access-Control-Expose-Headers', $_), "$name: exposes $_")
        for qw(X-Request-ID X-Response-Time);
    ok(!(grep { defined header($r, $_) } @PREFLIGHT_ONLY), "$name: no preflight headers");
}

sub no_cors_ok {
    my ($r, $name) = @_;
    my @present = grep { defined header($r, $_) } @ALL_CORS;
    ok(!@present, "$name: no Access-Control-* header") or diag("present: @present");
}

sub preflight {
    my ($path, $origin, %extra) = @_;
    return http(OPTIONS => $path, headers => {
        ($origin ? (Origin => $origin) : ()),
        'Access-Control-Request-Method' => 'POST',
        'Access-Control-Request-Headers' => 'content-type, authorization, x-request-id',
        %extra });
}

my $O = {Origin => $ALLOWED};

# ------------------------------------------------- allowed origin, success
subtest 'the allowed origin gets CORS headers on a success' => sub {
    my $r = http(GET => '/api/health', headers => $O);
    envelope_ok($r, 200, 'GET /api/health from the allowed origin');
    cors_ok($r, 'health');

    $r = http(POST => $ECHO, json => {name => 'cors'}, headers => $O);
    envelope_ok($r, 200, 'POST echo from the allowed origin');
    cors_ok($r, 'echo');
};

# --------------------------------------------- allowed origin, every error
subtest 'the allowed origin gets CORS headers on every error' => sub {
    my $r = http(GET => '/api/nope', headers => $O);
    error_ok($r, 404, 'not_found', '404 envelope');
    cors_ok($r, '404');

    $r = http(GET => '/api', headers => $O);
    error_ok($r, 404, 'not_found', '404 envelope for /api itself');
    cors_ok($r, '404 /api');

    $r = http(GET => $ECHO, headers => $O);
    error_ok($r, 405, 'method_not_allowed', '405 envelope');
    is($r->{headers}{allow}, 'POST', '405 keeps its Allow');
    cors_ok($r, '405');

    $r = http(POST => $ECHO, json => '{"name":', headers => $O);
    error_ok($r, 400, 'invalid_json', '400 envelope');
    cors_ok($r, '400');

    $r = http(POST => $ECHO, body => '{"name":"x"}', headers => {%$O, 'Content-Type' => 'text/plain'});
    error_ok($r, 415, 'unsupported_media_type', '415 envelope');
    cors_ok($r, '415');

    $r = http(POST => $ECHO, json => {name => ''}, headers => $O);
    error_ok($r, 422, 'validation_failed', '422 envelope');
    cors_ok($r, '422');

    my $big = '{"name":"' . ('x' x 1_100_000) . '"}';
    $r = raw_http("POST $ECHO HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: $ALLOWED\r\n"
                  . "Content-Type: application/json\r\nContent-Length: " . length($big) . "\r\n\r\n$big");
    error_ok($r, 413, 'payload_too_large', '413 envelope');
    cors_ok($r, '413');

    # httpd's own error (a malformed chunk), answered through ErrorDocument
    $r = raw_http("POST $ECHO HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: $ALLOWED\r\n"
                  . "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n");
    error_ok($r, 400, 'bad_request', "httpd's own 400 envelope");
    cors_ok($r, "httpd's 400");
};

# ---------------------------------------------------------- other origins
subtest 'other origins get their answer without CORS headers' => sub {
    my $r;
    for my $origin ('http://evil.example', 'http://localhost:3000.evil.example', 'null',
                    'https://localhost:3000', 'http://localhost:30000', 'http://localhost:300',
                    'http://localhost', 'http://LOCALHOST:3000', 'http://localhost:3000/',
                    'xhttp://localhost:3000', 'http://127.0.0.1:3000',
                    'http://evil.example/http://localhost:3000', '*', '') {
        $r = http(GET => '/api/health', headers => {Origin => $origin});
        envelope_ok($r, 200, "origin '$origin' still gets its answer");
        no_cors_ok($r, "origin '$origin'");
        vary_origin_ok($r, "origin '$origin'");
    }
    # two Origin headers are one combined value, which is not on the list
    $r = http(GET => '/api/health', headers => {Origin => [$ALLOWED, 'http://evil.example']});
    no_cors_ok($r, 'two Origin headers');
    $r = http(GET => '/api/nope', headers => {Origin => 'http://evil.example'});
    error_ok($r, 404, 'not_found', 'error for a foreign origin');
    no_cors_ok($r, 'error for a foreign origin');

    $r = http(GET => '/api/health');
    no_cors_ok($r, 'no Origin');
    vary_origin_ok($r, 'no Origin');
};

# ------------------------------------------------------------- preflights
subtest 'a preflight under /api/ and /ws/ is answered 204 before any handler' => sub {
    my $r;
    for my $path ($ECHO, '/api/health', '/api/v1/does/not/exist', '/api/', '/api',
                  '/api/v1/projects/123/feedback?x=1', '/ws/projects/1') {
        $r = preflight($path, $ALLOWED);
        is($r->{status}, 204, "preflight $path: 204");
        is(header($r, 'Access-Control-Allow-Origin'), $ALLOWED, "preflight $path: Allow-Origin");
        is(header($r, 'Access-Control-Allow-Credentials'), 'true', "preflight $path: credentials");
        ok(list_has($r, 'Access-Control-Allow-Methods', $_), "preflight $path: method $_")
            for qw(GET POST PUT PATCH DELETE);
        ok(list_has($r, 'Access-Control-Allow-Headers', $_), "preflight $path: header $_")
            for qw(Content-Type Authorization Idempotency-Key X-Idempotency-Key X-Request-ID);
        is(header($r, 'Access-Control-Max-Age'), '600', "preflight $path: Max-Age");
        vary_origin_ok($r, "preflight $path");
        ok(!length($r->{body} // ''), "preflight $path: no body");
        # the module sets X-Request-ID on everything it answers
        ok(!defined header($r, 'X-Request-ID') && !defined header($r, 'X-Response-Time'),
           "preflight $path: answered before the handler");
    }
};

# a preflight with a body, or from a known request id, is still not the handler's
subtest 'a preflight with a body or from a foreign origin is not the handler\'s' => sub {
    my $r = http(OPTIONS => $ECHO, json => '{"name":', headers => {%$O, 'X-Request-ID' => 'preflight-probe'});
    is($r->{status}, 204, 'preflight with a body: 204');
    ok(!defined header($r, 'X-Request-ID'), '... not answered by the handler');

    for my $origin ('http://evil.example', 'http://localhost:3000.evil.example', 'null', undef) {
        my $shown = $origin // '(none)';
        $r = preflight($ECHO, $origin);
        is($r->{status}, 204, "preflight from $shown: answered 204 all the same");
        no_cors_ok($r, "preflight from $shown");
    }
};

# outside /api/ and /ws/ nothing changes
subtest 'outside /api/ and /ws/ OPTIONS is no preflight' => sub {
    my $r;
    for my $path ('/static.txt', '/apix/y', '/wsx', '/', '/x/api/health') {
        $r = preflight($path, $ALLOWED);
        isnt($r->{status}, 204, "OPTIONS $path is not a CORS preflight ($r->{status})");
        no_cors_ok($r, "OPTIONS $path");
    }
    $r = http(GET => '/static.txt', headers => $O);
    is($r->{status}, 200, 'a static file from the allowed origin');
    no_cors_ok($r, 'static file');
};

done_testing;
