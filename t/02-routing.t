# Routing: 404 and 405 envelopes, Allow, trailing slash, query strings.
use strict;
use warnings;
use Test::More;
use VP;

my $r = http(GET => '/api/health/');
envelope_ok($r, 200, 'trailing slash is ignored');
$r = http(GET => '/api/health/ready/?x=1');
envelope_ok($r, 200, 'trailing slash with a query string');

for my $path ('/api/nope', '/api/v1/unknown/thing', '/api', '/api/', '/api/healthz',
              '/api/v1/error') {
    $r = http(GET => $path);
    error_ok($r, 404, 'not_found', "unknown path $path is a 404 envelope");
}
# /api/v1/projects/{id} is a route now, and it authenticates first (401
# without a token); to a signed-in caller an id that is no UUID (here an
# injection attempt) names no project
$r = http(GET => '/api/v1/projects/%27%20OR%201%3D1%20--', headers => bearer(new_user()->{access}));
error_ok($r, 404, 'not_found', 'a project id that is no UUID is a 404 envelope');

$r = http(POST => '/api/health', json => {});
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

# URIs httpd itself refuses before any location applies (NUL, escaping the
# root) stay refused; they never reach the module.
for my $path ('/api/health/%00', '/api/%2e%2e/etc/passwd') {
    is(http(GET => $path)->{status}, 404, "httpd refuses $path");
}

done_testing;
