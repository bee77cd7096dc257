# GET /api/v1/openapi.json: the OpenAPI document, served by Apache from the
# installed file (conf/vplanet.conf), and its agreement with the source: the
# route table (routes.c) and the handlers' field tables. Everything comes from
# the served document and the source tree (VP_SRC); no network.
use strict;
use warnings;
use Test::More;
use JSON::PP;
use VP;

my $PATH = '/api/v1/openapi.json';
my $ORIGIN = 'http://localhost:3000';

# ---- serving ----

my $r = http(GET => $PATH, headers => {origin => $ORIGIN});
is($r->{status}, 200, "GET $PATH");
like($r->{headers}{'content-type'} // '', qr{^application/json\b}, 'served as application/json');
is($r->{headers}{'access-control-allow-origin'}, $ORIGIN, 'CORS: the allowed origin is echoed');
is($r->{headers}{'access-control-allow-credentials'}, 'true', 'CORS: credentials allowed');
like($r->{headers}{vary} // '', qr/\bOrigin\b/, 'Vary: Origin');
is($r->{headers}{'cache-control'}, 'no-cache', 'Cache-Control: no-cache (revalidate)');
my $etag = $r->{headers}{etag};
ok($etag, 'an ETag to revalidate with');
ok($r->{headers}{'last-modified'}, 'Last-Modified');
is($r->{headers}{'x-content-type-options'}, 'nosniff', 'X-Content-Type-Options: nosniff');
ok(!$r->{headers}{'ratelimit-limit'}, 'a static file: no rate-limit headers');
is($r->{body}, slurp("$ENV{VP_SRC}/mod_vplanet/openapi.json"),
   'the served document is mod_vplanet/openapi.json of the source tree');

my $doc = $r->{json};
ok(ref $doc eq 'HASH', 'the document parses as a JSON object') or BAIL_OUT('no document');
like($doc->{openapi} // '', qr/^3\.1\.\d+$/, 'openapi is 3.1.x');
ok($doc->{info}{title} && $doc->{info}{version}, 'info has a title and a version');

$r = http(GET => $PATH, headers => {origin => 'https://evil.example'});
is($r->{status}, 200, 'another origin still gets the document');
ok(!$r->{headers}{'access-control-allow-origin'}, '... without CORS headers');

$r = http(HEAD => $PATH);
is($r->{status}, 200, "HEAD $PATH");
ok(!length($r->{body} // ''), 'HEAD has no body');
like($r->{headers}{'content-type'} // '', qr{^application/json\b}, 'HEAD: application/json');
is($r->{headers}{etag}, $etag, 'HEAD: the same ETag');

$r = http(GET => $PATH, headers => {'if-none-match' => $etag});
is($r->{status}, 304, 'If-None-Match with the ETag: 304');
ok(!length($r->{body} // ''), '304 has no body');

$r = http(GET => "$PATH/");
is($r->{status}, 200, 'one trailing slash is ignored');
is($r->{body}, slurp("$ENV{VP_SRC}/mod_vplanet/openapi.json"), '... same document');

$r = http(OPTIONS => $PATH, headers => {origin => $ORIGIN, 'access-control-request-method' => 'GET'});
is($r->{status}, 204, 'preflight answered 204');
is($r->{headers}{'access-control-allow-origin'}, $ORIGIN, '... with CORS headers');

for my $m (qw(POST PUT PATCH DELETE)) {
    $r = http($m => $PATH, json => {}, headers => {origin => $ORIGIN});
    error_ok($r, 405, 'method_not_allowed', "$m $PATH is a 405 envelope");
    is($r->{headers}{allow}, 'GET, HEAD', "$m: Allow: GET, HEAD");
    is($r->{headers}{'access-control-allow-origin'}, $ORIGIN, "$m: CORS headers on the error too");
}
# the Allow header of the module's own 405 is untouched
$r = http(POST => '/api/health', json => {});
is($r->{headers}{allow}, 'GET, HEAD', 'module 405 keeps its own Allow');
$r = http(GET => '/api/v1/diagnostics/echo');
is($r->{headers}{allow}, 'POST', 'module 405 Allow: POST (not the static one)');

for my $path ("$PATH/x", '/api/v1/openapi.jsonx', '/api/v1/openapi.yaml') {
    error_ok(http(GET => $path), 404, 'not_found', "GET $path is a 404 envelope");
}

# ---- the document against routes.c ----

my $routes_c = slurp("$ENV{VP_SRC}/mod_vplanet/routes.c");
my @routes = $routes_c =~ /^\s*ROUTE\(\s*"([A-Z]+)"\s*,\s*"([^"]+)"\s*,/mg;
my %route;
while (my ($m, $p) = splice @routes, 0, 2) {
    $route{lc($m) . " $p"} = 1;
}
ok(keys(%route) >= 18, scalar(keys %route) . ' routes read from routes.c');

my @METHODS = qw(get put post delete options head patch trace);
my (%ops, %opid);
for my $p (sort keys %{ $doc->{paths} }) {
    for my $m (@METHODS) {
        my $op = $doc->{paths}{$p}{$m} or next;
        $ops{"$m $p"} = $op;
    }
}

for my $k (sort keys %route) {
    ok($ops{$k}, "routes.c: $k is documented");
    my ($m, $p) = split / /, $k, 2;
    my @names = $p =~ /\{(\w+)\}/g;
    next unless @names && $ops{$k};
    my @declared = map { $_->{name} } grep { ($_->{in} // '') eq 'path' }
                   map { resolve($_) } @{ $doc->{paths}{$p}{parameters} || [] },
                   @{ $ops{$k}{parameters} || [] };
    is_deeply([sort @declared], [sort @names], "$k declares its path parameters");
}

# The one operation not in routes.c is Apache's: the AliasMatch of conf/vplanet.conf.
my $conf = slurp("$ENV{VP_SRC}/conf/vplanet.conf");
my ($alias) = $conf =~ m{^AliasMatch\s+"\^([^"]+?)/\?\$"\s+"\$\{VPLANET_SHARE\}/openapi\.json"}m;
$alias =~ s/\\//g if defined $alias;
is($alias, $PATH, "conf/vplanet.conf aliases $PATH to the installed document");
for my $k (sort keys %ops) {
    if (($ops{$k}{'x-vplanet-served-by'} // '') eq 'apache') {
        is($k, "get $PATH", "$k is served by Apache (conf/vplanet.conf), not routes.c");
    }
    else {
        ok($route{$k}, "documented $k exists in routes.c");
    }
}

# ---- every operation ----

for my $k (sort keys %ops) {
    my $op = $ops{$k};
    my ($m, $p) = split / /, $k, 2;
    my $id = $op->{operationId};
    ok(defined $id && $id =~ /^[A-Za-z][A-Za-z0-9_]*$/, "$k has an operationId");
    ok(!$opid{$id // ''}++, "$k: operationId " . ($id // '(none)') . ' is unique');
    my $resp = $op->{responses} || {};
    ok(keys %$resp, "$k has responses");
    ok(!grep({ !/^[1-5]\d\d$/ } keys %$resp), "$k: responses are keyed by status codes");
    ok(!grep({ !defined resolve($_)->{description} } values %$resp), "$k: every response has a description");
    ok(grep({ /^2\d\d$/ } keys %$resp), "$k documents a success status");
    next if ($op->{'x-vplanet-served-by'} // '') eq 'apache';

    # what the module does on every routed request
    ok($resp->{500}, "$k documents 500");
    if ($p =~ m{^/api/v1/}) {
        ok($resp->{$_}, "$k (/api/v1) documents $_") for 400, 429;
    }
    my $bearer = grep { exists $_->{bearerAuth} } @{ $op->{security} || [] };
    if ($bearer) {
        ok($resp->{401}, "$k (Bearer) documents 401");
        ok($resp->{403}, "$k (Bearer) documents 403 (guest tokens)");
    }
    if ($m =~ /^(post|put|patch)$/) {
        ok($op->{requestBody} && $op->{requestBody}{content}{'application/json'},
           "$k takes an application/json body");
    }
    my $body = $op->{requestBody} or next;
    my $schema = resolve($body->{content}{'application/json'}{schema});
    ok($schema && ($schema->{type} // '') eq 'object', "$k: the body is an object");
    ok(exists $schema->{additionalProperties} && JSON::PP::is_bool($schema->{additionalProperties})
       && !$schema->{additionalProperties}, "$k: the body schema sets additionalProperties false");
    ok($resp->{$_}, "$k (JSON body) documents $_") for 400, 413, 415, 422;
}

# ---- request schemas against the handlers' field tables ----

my %tables_used;
for my $name (sort keys %{ $doc->{components}{schemas} }) {
    my $s = $doc->{components}{schemas}{$name};
    my $src = $s->{'x-vplanet-fields'} or next;
    $tables_used{"$src->{file} $src->{table}"} = 1;
    my $fields = field_table($src->{file}, $src->{table});
    ok($fields, "$name: $src->{file} has the table $src->{table}") or next;
    is_deeply([sort keys %{ $s->{properties} }], [sort map { $_->{name} } @$fields],
              "$name: the same fields as $src->{table}");
    is_deeply([sort @{ $s->{required} || [] }], [sort map { $_->{name} } grep { $_->{required} } @$fields],
              "$name: the same required fields");
    for my $f (@$fields) {
        my $prop = $s->{properties}{$f->{name}} or next;
        my $why = field_mismatch($f, resolve($prop));
        ok(!$why, "$name.$f->{name} matches its field ($f->{type} $f->{min}..$f->{max}"
                  . ($f->{nullable} ? ', nullable' : '') . ')') or diag($why);
    }
}
for my $file (glob("$ENV{VP_SRC}/mod_vplanet/handlers/*.c")) {
    my $rel = $file =~ s{^\Q$ENV{VP_SRC}\E/}{}r;
    for my $table (slurp($file) =~ /vp_field_t\s+(\w+)\s*\[\]/g) {
        ok($tables_used{"$rel $table"}, "field table $rel $table is documented as a request schema");
    }
}

# ---- every $ref resolves ----

my @refs;
walk($doc, sub { push @refs, $_[0]{'$ref'} if ref $_[0] eq 'HASH' && exists $_[0]{'$ref'} });
ok(@refs > 50, scalar(@refs) . ' $refs in the document');
my %bad;
for my $ref (@refs) {
    $bad{$ref} = 1 unless defined pointer($ref);
}
is_deeply([sort keys %bad], [], 'every $ref resolves to a local target');

my @schemes = keys %{ $doc->{components}{securitySchemes} || {} };
is_deeply(\@schemes, ['bearerAuth'], 'one security scheme: bearerAuth');
is($doc->{components}{securitySchemes}{bearerAuth}{scheme}, 'bearer', '... HTTP bearer');
is($doc->{components}{securitySchemes}{bearerAuth}{bearerFormat}, 'JWT', '... JWT');
for my $k (sort keys %ops) {
    for my $req (@{ $ops{$k}{security} || [] }) {
        ok(!grep({ !$doc->{components}{securitySchemes}{$_} } keys %$req), "$k: security names a defined scheme");
    }
}

done_testing;

# ---- helpers ----

# pointer('#/a/b'): the target of a local JSON pointer, or undef
sub pointer {
    my ($ref) = @_;
    return undef unless $ref =~ m{^#(/.*)?$};
    my $node = $doc;
    for my $tok (split m{/}, substr($1 // '', 1)) {
        $tok =~ s/~1/\//g;
        $tok =~ s/~0/~/g;
        if (ref $node eq 'HASH' && exists $node->{$tok}) { $node = $node->{$tok} }
        elsif (ref $node eq 'ARRAY' && $tok =~ /^\d+$/ && $tok < @$node) { $node = $node->[$tok] }
        else { return undef }
    }
    return $node;
}

# resolve(NODE): NODE, or the target of its $ref (followed to the end)
sub resolve {
    my ($n) = @_;
    my $seen = 0;
    while (ref $n eq 'HASH' && exists $n->{'$ref'} && $seen++ < 20) {
        my $t = pointer($n->{'$ref'});
        return $n unless defined $t;
        $n = $t;
    }
    return $n;
}

sub walk {
    my ($n, $fn) = @_;
    $fn->($n);
    if (ref $n eq 'HASH') { walk($_, $fn) for values %$n }
    elsif (ref $n eq 'ARRAY') { walk($_, $fn) for @$n }
}

# field_table(FILE, TABLE): the rows of a `static const vp_field_t TABLE[]`
# as {name, type, required, min, max, choices => [...], nullable}
sub field_table {
    my ($file, $table) = @_;
    my $c = slurp("$ENV{VP_SRC}/$file");
    my ($rows) = $c =~ /vp_field_t\s+\Q$table\E\s*\[\]\s*=\s*\{(.*?)\n\};/s or return undef;
    my @fields;
    while ($rows =~ /\{\s*"(\w+)"\s*,\s*(VP_\w+)\s*,\s*(\d)\s*,\s*([-\d.]+)\s*,\s*([-\d.]+)\s*,\s*(\w+)\s*,\s*(\d)\s*\}/g) {
        my %f = (name => $1, type => $2, required => $3, min => $4 + 0, max => $5 + 0,
                 nullable => $7);
        if ($6 ne 'NULL') {
            my ($list) = $c =~ /\Q$6\E\s*\[\]\s*=\s*\{([^}]*)\}/ or return undef;
            $f{choices} = [ $list =~ /"([^"]*)"/g ];
        }
        push @fields, \%f;
    }
    return @fields ? \@fields : undef;
}

# why PROP (a JSON Schema) does not describe field F, or '' when it does
sub field_mismatch {
    my ($f, $prop) = @_;
    my %json = (VP_STRING => 'string', VP_UUID => 'string', VP_ENUM => 'string',
                VP_INTEGER => 'integer', VP_NUMBER => 'number', VP_BOOLEAN => 'boolean',
                VP_OBJECT => 'object', VP_ARRAY => 'array');
    my $want = $json{$f->{type}} or return "unknown field type $f->{type}";
    my @types = ref $prop->{type} eq 'ARRAY' ? @{ $prop->{type} } : ($prop->{type} // ());
    return "type is [@types], not $want" unless grep { $_ eq $want } @types;
    my $null = grep { $_ eq 'null' } @types;
    return $f->{nullable} ? 'nullable, but null is not allowed' : 'not nullable, but null is allowed'
        if !!$null != !!$f->{nullable};
    my $bounded = $f->{min} != 0 || $f->{max} != 0;
    my %kw = (VP_STRING => ['minLength', 'maxLength'], VP_ARRAY => ['minItems', 'maxItems'],
              VP_INTEGER => ['minimum', 'maximum'], VP_NUMBER => ['minimum', 'maximum']);
    if (my $kw = $kw{$f->{type}}) {
        my ($lo, $hi) = @$kw;
        if ($bounded) {
            my $min = $prop->{$lo};
            $min //= 0 if $lo ne 'minimum';     # no minLength / minItems: 0
            return "$lo is " . ($min // 'unset') . ", not $f->{min}"
                unless defined $min && $min == $f->{min};
            return "$hi is " . ($prop->{$hi} // 'unset') . ", not $f->{max}"
                unless defined $prop->{$hi} && $prop->{$hi} == $f->{max};
        }
        else {
            return "bounds set on an unbounded field" if defined $prop->{$lo} || defined $prop->{$hi};
        }
    }
    if ($f->{type} eq 'VP_ENUM') {
        return 'enum differs' unless ref $prop->{enum} eq 'ARRAY'
            && join("\0", @{ $prop->{enum} }) eq join("\0", @{ $f->{choices} || [] });
    }
    if ($f->{type} eq 'VP_UUID') {
        return 'no UUID pattern' unless ($prop->{format} // '') eq 'uuid' && $prop->{pattern};
    }
    return '';
}
