# GET /api/v1/openapi.json: the OpenAPI document, served by Apache from the
# installed file (conf/vplanet.conf), and its agreement with the source: the
# route table (routes.c) and the field tables (vpcore/vp_fields.c). The build
# writes the document (tools/vp-openapi: the skeleton mod_vplanet/openapi.in.json
# plus one request schema per field table); the stack serves the build's
# (VP_BUILD). Everything comes from the served document and the source tree
# (VP_SRC); no network.
#
# The document ties itself to the source with these extensions:
#   x-vplanet-fields  {file, table} on a request schema: the handler's field
#                     table (vp_field_t), matched field by field, and
#                     recursively for arrays of objects (the row's items table)
#   x-vplanet-choices {file, array} on an enum (or an array of enums): the
#                     NULL-terminated string array of the C source
#   x-vplanet-keys    {file, array} on a response object: its members are the
#                     names ?fields= accepts (the handler's allowed list)
#   x-vplanet-no-body true on a POST/PUT/PATCH whose handler reads no body
# A tus PATCH (application/offset+octet-stream) is the bytes of an upload,
# streamed by its handler's file.
# A multipart/form-data body (an upload) is matched against the parts the
# handler's multipart reader accepts; one offered beside application/json
# (a feedback write) needs a handler that reads JSON too and picks by
# Content-Type, and the JSON body is checked as any other.
#   x-vplanet-served-by "apache" on the one operation Apache serves itself
use strict;
use warnings;
use Test::More;
use File::Temp ();
use Time::HiRes ();
use JSON::PP;
use VP;

my $PATH = '/api/v1/openapi.json';
my $ORIGIN = 'http://localhost:3000';
my $BUILT = "$ENV{VP_BUILD}/openapi.json";
my $FIELDS_C = 'vpcore/vp_fields.c';
our $field_table_error = '';   # why field_table() returned undef

# httpd gives a file modified within the last second a weak ETag (W/"..."),
# a strong one later: the stack copied the document at its start, so wait
# until it is older than that, or the ETags compared below may differ in
# their W/ alone.
{
    my $mtime = (stat "$ENV{VP_STATE}/share/openapi.json")[9] // 0;
    Time::HiRes::sleep(0.1) while Time::HiRes::time() - $mtime < 2;
}
my $r = http(GET => $PATH, headers => {origin => $ORIGIN});
my $doc = $r->{json};
my $etag = $r->{headers}{etag};

subtest 'Apache serves the document the build generated, as JSON with CORS' => sub {
    is($r->{status}, 200, "GET $PATH");
    like($r->{headers}{'content-type'} // '', qr{^application/json\b}, 'served as application/json');
    is($r->{headers}{'access-control-allow-origin'}, $ORIGIN, 'CORS: the allowed origin is echoed');
    is($r->{headers}{'access-control-allow-credentials'}, 'true', 'CORS: credentials allowed');
    like($r->{headers}{vary} // '', qr/\bOrigin\b/, 'Vary: Origin');
    is($r->{headers}{'cache-control'}, 'no-cache', 'Cache-Control: no-cache (revalidate)');
    ok($etag, 'an ETag to revalidate with');
    ok($r->{headers}{'last-modified'}, 'Last-Modified');
    is($r->{headers}{'x-content-type-options'}, 'nosniff', 'X-Content-Type-Options: nosniff');
    ok(!$r->{headers}{'ratelimit-limit'}, 'a static file: no rate-limit headers');
    is($r->{body}, slurp($BUILT), 'the served document is openapi.json of the build (tools/vp-openapi)');
    ok(ref $doc eq 'HASH', 'the document parses as a JSON object') or BAIL_OUT('no document');
    like($doc->{openapi} // '', qr/^3\.1\.\d+$/, 'openapi is 3.1.x');
    ok($doc->{info}{title} && $doc->{info}{version}, 'info has a title and a version');
    ok(!grep({ /^x-vplanet-(request|type)-docs$/ } keys %$doc),
       "the skeleton's prose for the generated schemas is not in the document");

    my $other = http(GET => $PATH, headers => {origin => 'https://evil.example'});
    is($other->{status}, 200, 'another origin still gets the document');
    ok(!$other->{headers}{'access-control-allow-origin'}, '... without CORS headers');
};

subtest 'HEAD, revalidation, a trailing slash and the preflight' => sub {
    my $h = http(HEAD => $PATH);
    is($h->{status}, 200, "HEAD $PATH");
    ok(!length($h->{body} // ''), 'HEAD has no body');
    like($h->{headers}{'content-type'} // '', qr{^application/json\b}, 'HEAD: application/json');
    is($h->{headers}{etag}, $etag, 'HEAD: the same ETag');

    $h = http(GET => $PATH, headers => {'if-none-match' => $etag});
    is($h->{status}, 304, 'If-None-Match with the ETag: 304');
    ok(!length($h->{body} // ''), '304 has no body');

    $h = http(GET => "$PATH/");
    is($h->{status}, 200, 'one trailing slash is ignored');
    is($h->{body}, $r->{body}, '... same document');

    $h = http(OPTIONS => $PATH, headers => {origin => $ORIGIN, 'access-control-request-method' => 'GET'});
    is($h->{status}, 204, 'preflight answered 204');
    is($h->{headers}{'access-control-allow-origin'}, $ORIGIN, '... with CORS headers');
};

subtest 'other methods and neighbouring paths are error envelopes' => sub {
    for my $m (qw(POST PUT PATCH DELETE)) {
        my $e = http($m => $PATH, json => {}, headers => {origin => $ORIGIN});
        error_ok($e, 405, 'method_not_allowed', "$m $PATH is a 405 envelope");
        is($e->{headers}{allow}, 'GET, HEAD', "$m: Allow: GET, HEAD");
        is($e->{headers}{'access-control-allow-origin'}, $ORIGIN, "$m: CORS headers on the error too");
    }
    # the Allow header of the module's own 405 is untouched
    is(http(POST => '/api/health', json => {})->{headers}{allow}, 'GET, HEAD',
       'module 405 keeps its own Allow');
    is(http(GET => '/api/v1/diagnostics/echo')->{headers}{allow}, 'POST',
       'module 405 Allow: POST (not the static one)');
    for my $path ("$PATH/x", '/api/v1/openapi.jsonx', '/api/v1/openapi.yaml') {
        error_ok(http(GET => $path), 404, 'not_found', "GET $path is a 404 envelope");
    }
};

# ---- what the checks below compare: routes.c and the documented operations ----

my $routes_c = slurp("$ENV{VP_SRC}/mod_vplanet/routes.c");
my @routes = $routes_c =~ /^\s*ROUTE\(\s*"([A-Z]+)"\s*,\s*"([^"]+)"\s*,\s*(\w+)\s*\)/mg;
my (%route, %handler);
while (my ($m, $p, $fn) = splice @routes, 0, 3) {
    $route{lc($m) . " $p"} = 1;
    $handler{lc($m) . " $p"} = $fn;
}
my @METHODS = qw(get put post delete options head patch trace);
my (%ops, %opid);
for my $p (sort keys %{ $doc->{paths} }) {
    for my $m (@METHODS) {
        my $op = $doc->{paths}{$p}{$m} or next;
        $ops{"$m $p"} = $op;
    }
}

# the parameters of $in declared for the operation $k (path level and its own)
sub declared {
    my ($k, $in) = @_;
    my ($p) = $k =~ / (.*)/;
    return map { $_->{name} } grep { ($_->{in} // '') eq $in } map { resolve($_) }
           @{ $doc->{paths}{$p}{parameters} || [] }, @{ $ops{$k}{parameters} || [] };
}

subtest 'every route of routes.c is documented with the parameters its handler reads' => sub {
    ok(keys(%route) >= 18, scalar(keys %route) . ' routes read from routes.c');
    for my $k (sort keys %route) {
        ok($ops{$k}, "routes.c: $k is documented") or next;
        my @names = $k =~ /\{(\w+)\}/g;
        is_deeply([sort(declared($k, 'path'))], [sort @names], "$k declares its path parameters") if @names;
        # the query arguments the handler reads (itself, through the static
        # functions of its file it calls, or through the list
        # helpers: vp_list_page reads page and page_size, vp_list_ok (and
        # its _each and _from forms) fields; vp_list_arg(q, "name", ...),
        # arg(q, "name", ...) or arg_*(q, "name", ...), readers of one argument;
        # or through vp_media_caller of mod_vplanet/media.c: what it reads)
        my $fn = $handler{$k};
        my $code = handler_code($fn);
        ok(defined $code, "$k: the handler $fn is defined in mod_vplanet/handlers/") or next;
        my %read = map { $_ => 1 } $code =~ /(?:apr_table_get\(\s*q->args\s*,|\b(?:vp_list_)?arg(?:_\w+)?\(\s*q\s*,)\s*"(\w+)"/g;
        @read{qw(page page_size)} = (1, 1) if $code =~ /\bvp_list_page\(/;
        $read{fields} = 1 if $code =~ /\bvp_list_ok(?:_each|_from)?\(/;
        if ($code =~ /\bvp_media_caller\(/) {
            my $media = static_body("$ENV{VP_SRC}/mod_vplanet/media.c", 'vp_media_caller', '');
            ok($media, "$k: vp_media_caller is defined in mod_vplanet/media.c") or next;
            $read{$_} = 1 for $media =~ /apr_table_get\(\s*q->args\s*,\s*"(\w+)"/g;
        }
        is_deeply([sort(declared($k, 'query'))], [sort keys %read], "$k declares the query parameters $fn reads");
    }
};

subtest 'every documented operation is a route, or the one Apache serves' => sub {
    # Apache's: the AliasMatch of conf/vplanet.conf
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
};

subtest 'every operation is named and documents the answers the module gives' => sub {
    for my $k (sort keys %ops) {
        check_operation($k, $ops{$k});
    }
};

# ---- request schemas against the field tables (vpcore/vp_fields.c) ----

my %tables_used;
my $fields_c = slurp("$ENV{VP_SRC}/$FIELDS_C");
my @tables = $fields_c =~ /vp_field_t\s+(\w+)\s*\[\]\s*=/g;
my ($index) = $fields_c =~ /vp_field_tables\[\]\s*=\s*\{(.*?)\n\};/s;
my %schema_of = ($index // '') =~ /TABLE\(\s*(\w+)\s*,\s*"(\w+)"\s*\)/g;

subtest 'every field table is indexed under the name of its schema' => sub {
    is_deeply([sort keys %schema_of], [sort @tables],
              "the index vp_field_tables names every field table of $FIELDS_C, each with a schema name");
    my %seen;
    ok(!grep({ $seen{$_}++ } values %schema_of), 'no two tables share a schema name');
    for my $file (glob("$ENV{VP_SRC}/mod_vplanet/handlers/*.c")) {
        ok(slurp($file) !~ /vp_field_t\s+\w+\s*\[\]/, "$file defines no field table ($FIELDS_C does)");
    }
};

subtest 'the request schemas say what the field tables check' => sub {
    for my $table (sort keys %schema_of) {
        my $name = $schema_of{$table};
        my $s = $doc->{components}{schemas}{$name};
        ok($s, "field table $table is in the document as $name") or next;
        is_deeply($s->{'x-vplanet-fields'}, {file => $FIELDS_C, table => $table},
                  "$name is tagged with $FIELDS_C $table");
    }
    for my $name (sort keys %{ $doc->{components}{schemas} }) {
        my $s = $doc->{components}{schemas}{$name};
        my $src = $s->{'x-vplanet-fields'} or next;
        check_fields($name, $s, $src->{file}, $src->{table});
    }
    for my $table (@tables) {
        ok($tables_used{"$FIELDS_C $table"}, "field table $table is documented as a request schema");
    }
};

subtest 'the skeleton carries no generated schema (one source)' => sub {
    my $skeleton = decode_json(slurp("$ENV{VP_SRC}/mod_vplanet/openapi.in.json"));
    my $schemas = $skeleton->{components}{schemas} || {};
    ok(!grep({ $schemas->{$_} } values %schema_of), 'no schema of a field table in the skeleton');
    ok(!grep({ $_->{'x-vplanet-fields'} } values %$schemas), 'no x-vplanet-fields in the skeleton');
    ok(!grep({ !$doc->{components}{schemas}{$_} } keys %$schemas),
       'every schema of the skeleton is in the document');
};

subtest 'the generator refuses a skeleton that would be a second source' => sub {
    my $skeleton = slurp("$ENV{VP_SRC}/mod_vplanet/openapi.in.json");
    my $tool = "$ENV{VP_BUILD}/tools/vp-openapi";
    my %broken = (
        'prose for a field no table has' => sub { $_[0]{'x-vplanet-request-docs'}{SignupRequest}{fields}{gone} = 'x' },
        'prose for a schema no table has' => sub { $_[0]{'x-vplanet-request-docs'}{GoneRequest} = {description => 'x'} },
        'a generated schema written by hand' => sub { $_[0]{components}{schemas}{MemoCreateRequest} = {type => 'object'} },
        'prose for a type that does not exist' => sub { $_[0]{'x-vplanet-type-docs'}{VP_GONE} = 'x' },
    );
    my $dir = File::Temp::tempdir(CLEANUP => 1);
    for my $what (sort keys %broken) {
        my $d = decode_json($skeleton);
        $broken{$what}->($d);
        open(my $fh, '>', "$dir/in.json") or die $!;
        print $fh encode_json($d);
        close $fh;
        my $err = `'$tool' '$dir/in.json' '$dir/out.json' 2>&1`;
        isnt($? >> 8, 0, "$what: the build fails") or next;
        like($err, qr/^vp-openapi: /, "$what: it says why");
    }
    is(system($tool, "$ENV{VP_SRC}/mod_vplanet/openapi.in.json", "$dir/out.json"), 0,
       'the skeleton itself is accepted');
    is(slurp("$dir/out.json"), slurp($BUILT), '... and gives the build\'s document');
};

subtest 'enumerations are the C arrays (x-vplanet-choices)' => sub {
    check_tagged('x-vplanet-choices', 4, 'enumerations', sub {
        my ($n, $choices, $what) = @_;
        my $enum = ref $n->{enum} eq 'ARRAY' ? $n->{enum}
                 : ref $n->{items} eq 'HASH' ? resolve($n->{items})->{enum} : undef;
        is_deeply($enum, $choices, "$what is the enum");
    });
};

subtest 'response objects have the members ?fields= accepts (x-vplanet-keys)' => sub {
    check_tagged('x-vplanet-keys', 3, 'response objects', sub {
        my ($n, $keys, $what) = @_;
        is_deeply([sort keys %{ $n->{properties} || {} }], [sort @$keys], "$what are the members");
    });
};

subtest 'every $ref resolves' => sub {
    my @refs;
    walk($doc, sub { push @refs, $_[0]{'$ref'} if ref $_[0] eq 'HASH' && exists $_[0]{'$ref'} });
    ok(@refs > 50, scalar(@refs) . ' $refs in the document');
    is_deeply([sort grep { !defined pointer($_) } @refs], [], 'every $ref resolves to a local target');
};

subtest 'one security scheme, Bearer JWT, is the one operations name' => sub {
    my @schemes = keys %{ $doc->{components}{securitySchemes} || {} };
    is_deeply(\@schemes, ['bearerAuth'], 'one security scheme: bearerAuth');
    is($doc->{components}{securitySchemes}{bearerAuth}{scheme}, 'bearer', '... HTTP bearer');
    is($doc->{components}{securitySchemes}{bearerAuth}{bearerFormat}, 'JWT', '... JWT');
    for my $k (sort keys %ops) {
        for my $req (@{ $ops{$k}{security} || [] }) {
            ok(!grep({ !$doc->{components}{securitySchemes}{$_} } keys %$req), "$k: security names a defined scheme");
        }
    }
};

done_testing;

# check_operation(KEY, OP): the operation KEY ("method path") is named,
# documents its responses, what the module answers on every routed request,
# and its body
sub check_operation {
    my ($k, $op) = @_;
    my ($m, $p) = split / /, $k, 2;
    my $id = $op->{operationId};
    ok(defined $id && $id =~ /^[A-Za-z][A-Za-z0-9_]*$/, "$k has an operationId");
    ok(!$opid{$id // ''}++, "$k: operationId " . ($id // '(none)') . ' is unique');
    my $resp = $op->{responses} || {};
    ok(keys %$resp, "$k has responses");
    ok(!grep({ !/^[1-5]\d\d$/ } keys %$resp), "$k: responses are keyed by status codes");
    ok(!grep({ !defined resolve($_)->{description} } values %$resp), "$k: every response has a description");
    ok(grep({ /^2\d\d$/ } keys %$resp), "$k documents a success status");
    return if ($op->{'x-vplanet-served-by'} // '') eq 'apache';

    ok($resp->{500}, "$k documents 500");
    if ($p =~ m{^/api/v1/}) {
        ok($resp->{$_}, "$k (/api/v1) documents $_") for 400, 429;
    }
    if (grep { exists $_->{bearerAuth} } @{ $op->{security} || [] }) {
        ok($resp->{401}, "$k (Bearer) documents 401 (also guest tokens)");
    }
    my @path_params = grep { ($_->{in} // '') eq 'path' } map { resolve($_) }
                      @{ $doc->{paths}{$p}{parameters} || [] }, @{ $op->{parameters} || [] };
    if (@path_params) {
        ok(!grep({ !$_->{required} } @path_params), "$k: path parameters are required");
        ok($resp->{404}, "$k (path parameters) documents 404");
    }
    if ($m =~ /^(post|put|patch)$/ && $op->{'x-vplanet-no-body'}) {
        # an action without a body (restore): its handler must not read one
        my $code = handler_code($handler{$k} // '');
        ok(!$op->{requestBody}, "$k (x-vplanet-no-body) documents no request body");
        ok(defined $code && $code !~ /\b(?:vp_read_json|vp_read_stream)/, "$k (x-vplanet-no-body): its handler reads no body");
    }
    elsif ($m eq 'patch' && $op->{requestBody} && $op->{requestBody}{content}{'application/offset+octet-stream'}) {
        # a tus PATCH (uploads.c): the bytes themselves, streamed by a
        # function of the handler's file (it hands that one to its lock)
        my $code = handler_code($handler{$k} // '');
        my ($file) = grep { slurp($_) =~ /^int\s+\Q$handler{$k}\E\s*\(/m } glob("$ENV{VP_SRC}/mod_vplanet/handlers/*.c");
        ok(defined $code && $code =~ /application\/offset\+octet-stream|\bOCTETS\b/, "$k: its handler checks that Content-Type");
        ok($file && slurp($file) =~ /\bvp_read_stream\(/, "$k: its file streams the body (vp_read_stream)");
        ok($resp->{$_}, "$k (tus body) documents $_") for 409, 412, 413, 415;
        return;
    }
    elsif ($m =~ /^(post|put|patch)$/) {
        my $content = $op->{requestBody} ? $op->{requestBody}{content} : {};
        ok($content->{'application/json'} || $content->{'multipart/form-data'},
           "$k takes an application/json (or multipart/form-data) body");
    }
    my $body = $op->{requestBody} or return;
    # a form, or a form beside JSON (the handler picks by Content-Type):
    # the form is checked as a form, the JSON body as below
    check_form($k, $op) if $body->{content}{'multipart/form-data'};
    return unless $body->{content}{'application/json'};
    my $schema = resolve($body->{content}{'application/json'}{schema});
    ok($schema && ($schema->{type} // '') eq 'object', "$k: the body is an object");
    ok(exists $schema->{additionalProperties} && JSON::PP::is_bool($schema->{additionalProperties})
       && !$schema->{additionalProperties}, "$k: the body schema sets additionalProperties false");
    ok($resp->{$_}, "$k (JSON body) documents $_") for 400, 413, 415, 422;
}

# check_form(KEY, OP): a multipart/form-data body (an upload) names the
# parts the handler's multipart reader accepts (the strcmp(name, "...") of
# the part_begin callback it hands to vp_multipart_new), its file parts are
# binary, and the answers of a streamed body are documented
sub check_form {
    my ($k, $op) = @_;
    my $resp = $op->{responses} || {};
    my $schema = resolve($op->{requestBody}{content}{'multipart/form-data'}{schema});
    my $fn = $handler{$k} // '';
    my $code = handler_code($fn) // '';
    if ($op->{requestBody}{content}{'application/json'}) {
        # both: the handler reads JSON too, and tells them apart by Content-Type
        ok($code =~ /\bvp_read_json\w*\(/, "$k: a form or JSON, and $fn reads JSON too");
        ok($code =~ /apr_table_get\(\s*q->r->headers_in\s*,\s*"Content-Type"\s*\)/,
           "$k: $fn picks the body's reader by its Content-Type");
    }
    ok($schema && ($schema->{type} // '') eq 'object', "$k: the form is an object");
    ok(exists $schema->{additionalProperties} && JSON::PP::is_bool($schema->{additionalProperties})
       && !$schema->{additionalProperties}, "$k: the form schema sets additionalProperties false");
    my ($cb) = $code =~ /\bvp_multipart_new\([^;]*?&(\w+)/;
    ok($cb, "$k: $fn reads the body with vp_multipart_new") or return;
    # (the callbacks are where the reader is: the handler's file or a helper's)
    my ($file) = grep { slurp($_) =~ /vp_multipart_cb_t\s+\Q$cb\E\s*=/ } glob("$ENV{VP_SRC}/mod_vplanet/handlers/*.c");
    my ($begin) = $file ? slurp($file) =~ /vp_multipart_cb_t\s+\Q$cb\E\s*=\s*\{\s*(\w+)/ : ();
    my $begin_code = $begin ? static_body($file, $begin) : undef;
    ok($begin_code, "$k: the part callback of $cb is in $file") or return;
    my %parts = map { $_ => 1 } $begin_code =~ /\bstrcmp\(\s*name\s*,\s*"(\w+)"\s*\)/g;
    is_deeply([sort keys %{ $schema->{properties} || {} }], [sort keys %parts],
              "$k: the form's parts are those $begin accepts");
    my @files = grep { ($schema->{properties}{$_}{contentMediaType} // '') ne '' } keys %{ $schema->{properties} || {} };
    ok(@files, "$k: a binary part (contentMediaType)");
    ok($resp->{$_}, "$k (form body) documents $_") for 400, 413, 415, 422;
}

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

# walk_path(NODE, POINTER, FN): FN(node, its JSON pointer), depth first
sub walk_path {
    my ($n, $at, $fn) = @_;
    $fn->($n, $at);
    if (ref $n eq 'HASH') {
        walk_path($n->{$_}, "$at/" . ($_ =~ s/~/~0/gr =~ s{/}{~1}gr), $fn) for sort keys %$n;
    }
    elsif (ref $n eq 'ARRAY') { walk_path($n->[$_], "$at/$_", $fn) for 0 .. $#$n }
}

# check_tagged(EXT, MIN, WHAT, CHECK): at least MIN nodes carry EXT
# ({file, array}: a string array of the C source), and for each the array
# is found and CHECK(node, its strings, "POINTER: ARRAY of FILE") holds
sub check_tagged {
    my ($ext, $min, $what, $check) = @_;
    my @nodes;
    walk_path($doc, '', sub {
        my ($n, $where) = @_;
        push @nodes, [$where, $n] if ref $n eq 'HASH' && ref $n->{$ext} eq 'HASH';
    });
    ok(@nodes >= $min, scalar(@nodes) . " $what tied to C arrays ($ext)");
    for (@nodes) {
        my ($where, $n) = @$_;
        my ($file, $array) = @{ $n->{$ext} }{qw(file array)};
        my $list = c_choices($file, $array);
        ok($list, "$where: $file defines $array") or next;
        $check->($n, $list, "$where: $array of $file");
    }
}

# handler_body(FN): the text of `int FN(...) { ... }` in mod_vplanet/handlers/*.c, or undef
sub handler_body {
    my ($fn) = @_;
    for my $file (glob("$ENV{VP_SRC}/mod_vplanet/handlers/*.c")) {
        my ($body) = slurp($file) =~ /^int\s+\Q$fn\E\s*\([^)]*\)\s*\{(.*?)^\}/ms;
        return $body if defined $body;
    }
    return undef;
}

# static_body(FILE, FN[, PREFIX]): the text of the static function FN of
# FILE (PREFIX '': a function of any linkage), or undef
sub static_body {
    my ($file, $fn, $prefix) = @_;
    $prefix //= 'static\s+';
    my ($body) = slurp($file) =~ /^$prefix[^;{}]*?\b\Q$fn\E\s*\([^)]*\)\s*\{(.*?)^\}/ms;
    return $body;
}

# handler_code(FN): handler_body(FN) and the bodies of the functions it
# calls that its file defines (static) or another handler file does (a
# helper shared by handlers, e.g. the feedback body reader of
# screenshots.c), and those they call, each looked up in its own file
# (what the handler does through its helpers), or undef
sub handler_code {
    my ($fn) = @_;
    my $code = handler_body($fn) // return undef;
    my @files = glob("$ENV{VP_SRC}/mod_vplanet/handlers/*.c");
    my ($file) = grep { slurp($_) =~ /^int\s+\Q$fn\E\s*\(/m } @files;
    my (%where, %seen, @todo);
    # a file's own statics first, then what any handler file exports
    for my $f (@files) {
        $where{$_} //= [$f, ''] for slurp($f) =~ /^(?!static)\w[^;{}=()]*?\b(vp_\w+)\s*\([^)]*\)\s*\{/mg;
    }
    my $add = sub {
        my ($text, $in) = @_;
        my %static = map { $_ => [$in, undef] } slurp($in) =~ /^static\s+[^;{}=]*?\b(\w+)\s*\([^)]*\)\s*\{/mg;
        push @todo, map { $static{$_} // $where{$_} ? [$_, @{ $static{$_} // $where{$_} }] : () }
                    grep { !$seen{$_}++ } $text =~ /\b(\w+)\s*\(/g;
    };
    $add->($code, $file);
    while (my $t = shift @todo) {
        my ($f, $in, $prefix) = @$t;
        next if $f eq $fn;
        my $body = static_body($in, $f, $prefix) // next;
        $code .= "\n$body";
        $add->($body, $in);
    }
    return $code;
}

# c_choices(FILE, ARRAY): the strings of `ARRAY[] = {"a", "b", NULL}`, looked
# up in FILE first, then in every other source file (an extern table such as
# vp_phase_names); undef when no definition is found
sub c_choices {
    my ($file, $array) = @_;
    for my $f ("$ENV{VP_SRC}/$file", glob("$ENV{VP_SRC}/mod_vplanet/*.c"),
               glob("$ENV{VP_SRC}/mod_vplanet/*/*.c")) {
        next unless -f $f;
        my ($list) = slurp($f) =~ /\b\Q$array\E\s*\[\]\s*=\s*\{([^}]*)\}/ or next;
        return [ $list =~ /"([^"]*)"/g ];
    }
    return undef;
}

# check_fields(NAME, SCHEMA, FILE, TABLE): SCHEMA describes the field table
# exactly (names, required, each field's type and bounds), recursively for
# arrays of objects (the row's .items names the items' table)
sub check_fields {
    my ($name, $s, $file, $table) = @_;
    $tables_used{"$file $table"} = 1;
    my $fields = field_table($file, $table);
    ok($fields, "$name: $file has the table $table") or return diag($field_table_error);
    ok(($s->{type} // '') eq 'object' && exists $s->{additionalProperties}
       && JSON::PP::is_bool($s->{additionalProperties}) && !$s->{additionalProperties},
       "$name: an object with additionalProperties false");
    is_deeply([sort keys %{ $s->{properties} || {} }], [sort map { $_->{name} } @$fields],
              "$name: the same fields as $table");
    is_deeply([sort @{ $s->{required} || [] }], [sort map { $_->{name} } grep { $_->{required} } @$fields],
              "$name: the same required fields");
    for my $f (@$fields) {
        my $prop = $s->{properties}{$f->{name}} or next;
        $prop = resolve($prop);
        my $why = field_mismatch($f, $prop);
        ok(!$why, "$name.$f->{name} matches its field ($f->{type} $f->{min}..$f->{max}"
                  . ($f->{nullable} ? ', nullable' : '') . ($f->{items} ? ", items $f->{items}" : '')
                  . ')') or diag($why);
        next unless $f->{items} && !$why;
        my $items = resolve($prop->{items});
        my $tag = ref $items eq 'HASH' ? $items->{'x-vplanet-fields'} : undef;
        ok(!$tag || ($tag->{file} eq $file && $tag->{table} eq $f->{items}),
           "$name.$f->{name}: the items schema is tagged with $file $f->{items}, if at all");
        if (ref $items eq 'HASH') { check_fields("$name.$f->{name}\[]", $items, $file, $f->{items}) }
        else { fail("$name.$f->{name}: items is an object schema") }
    }
}

# field_table(FILE, TABLE): the rows of a `const vp_field_t TABLE[]` as
# {name, type, required, min, max, choices => [...], nullable, items}: rows
# written VP_FIELD("name", VP_TYPE, .member = value, ...) (members left out
# are 0), also rows written by a function-like macro of FILE (expanded with
# its arguments). Every row must be understood: undef otherwise, with the
# reason in $field_table_error.
sub field_table {
    my ($file, $table) = @_;
    my $c = slurp("$ENV{VP_SRC}/$file");
    $c =~ s{/\*.*?\*/}{ }gs;
    my ($rows) = $c =~ /vp_field_t\s+\Q$table\E\s*\[\]\s*=\s*\{(.*?)\n\};/s
        or return fail_table("no table $table in $file");
    my %macro;
    while ($c =~ /^[ \t]*#[ \t]*define[ \t]+(\w+)\(([^)]*)\)((?:[^\n]*\\\n)*[^\n]*)/mg) {
        my ($mname, $params, $body) = ($1, $2, $3);
        $body =~ s/\\\n/ /g;
        $macro{$mname} = [ [ map { s/^\s+|\s+$//gr } split /,/, $params ], $body ];
    }
    for my $round (1 .. 5) {
        last unless $rows =~ s{\b(\w+)\(([^()]*)\)}{
            my ($mname, $args) = ($1, $2);
            if (my $m = $macro{$mname}) {
                my @args = map { s/^\s+|\s+$//gr } split /,/, $args;
                my ($params, $body) = @$m;
                my %arg = map { $params->[$_] => $args[$_] } 0 .. $#$params;
                $body =~ s/\b(\w+)\b/exists $arg{$1} ? $arg{$1} : $1/ge;
                $body;
            }
            else { "$mname($args)" }
        }ge;
    }
    # a positional row ({"name", ...}) is a candidate that is not understood
    my $candidates = () = $rows =~ /VP_FIELD\(|\{\s*"/g;
    my @fields;
    # a member's value: a word or number, a product of numbers (86400 * 1000),
    # either in parentheses (a macro argument)
    my $value = qr/-?[\w.]+(?:\s*\*\s*[\w.]+)*/;
    $value = qr/$value|\(\s*$value\s*\)/;
    while ($rows =~ /VP_FIELD\(\s*"(\w+)"\s*,\s*(VP_\w+)\s*((?:,\s*\.\w+\s*=\s*$value\s*)*)\)/g) {
        my %f = (name => $1, type => $2, required => 0, min => 0, max => 0, nullable => 0);
        my %member = map { s/^\(\s*|\s*\)$//gr } $3 =~ /\.(\w+)\s*=\s*($value)/g;
        my ($choices, $items) = (delete $member{choices}, delete $member{items});
        for my $k (qw(required min max nullable)) {
            next unless exists $member{$k};
            my $v = delete $member{$k};
            return fail_table("$table.$f{name}: .$k = $v is no number")
                unless $v =~ /^-?[\d.]+(?:\s*\*\s*[\d.]+)*$/;
            my $n = 1;
            $n *= $_ for split /\s*\*\s*/, $v;
            $f{$k} = $n;
        }
        return fail_table("$table.$f{name}: unknown members " . join(' ', sort keys %member)) if %member;
        if (defined $choices) {
            $f{choices} = c_choices($file, $choices)
                or return fail_table("$table.$f{name}: no definition of $choices");
        }
        if (defined $items) {
            return fail_table("$table.$f{name}: items $items on a $f{type}") if $f{type} ne 'VP_ARRAY';
            return fail_table("$table.$f{name}: no table $items in $file")
                unless $c =~ /vp_field_t\s+\Q$items\E\s*\[\]\s*=/;
            $f{items} = $items;
        }
        push @fields, \%f;
    }
    return fail_table("$table: " . @fields . " of $candidates rows understood") if @fields != $candidates;
    return @fields ? \@fields : fail_table("$table: no rows");
}

sub fail_table { $field_table_error = $_[0]; return undef }

# why PROP (a JSON Schema) does not describe field F, or '' when it does
sub field_mismatch {
    my ($f, $prop) = @_;
    my %json = (VP_STRING => 'string', VP_UUID => 'string', VP_ENUM => 'string',
                VP_INTEGER => 'integer', VP_NUMBER => 'number', VP_BOOLEAN => 'boolean',
                VP_OBJECT => 'object', VP_ARRAY => 'array', VP_DATE => 'string',
                VP_COLOR => 'string', VP_EMAIL => 'string', VP_IDENT => 'string',
                VP_TEXT => 'string', VP_DATETIME => 'string');
    my $want = $json{$f->{type}} or return "unknown field type $f->{type}";
    my @types = ref $prop->{type} eq 'ARRAY' ? @{ $prop->{type} } : ($prop->{type} // ());
    return "type is [@types], not $want" unless grep { $_ eq $want } @types;
    my $null = grep { $_ eq 'null' } @types;
    return $f->{nullable} ? 'nullable, but null is not allowed' : 'not nullable, but null is allowed'
        if !!$null != !!$f->{nullable};
    my $bounded = $f->{min} != 0 || $f->{max} != 0;
    my %kw = (VP_STRING => ['minLength', 'maxLength'], VP_ARRAY => ['minItems', 'maxItems'],
              VP_EMAIL => ['minLength', 'maxLength'], VP_IDENT => ['minLength', 'maxLength'],
              VP_TEXT => ['minLength', 'maxLength'],
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
        # a nullable enum lists null too (JSON Schema checks enum after type)
        my @enum = ref $prop->{enum} eq 'ARRAY' ? @{ $prop->{enum} } : ();
        my $nulls = grep { !defined } @enum;
        return 'enum differs' unless @enum
            && join("\0", grep { defined } @enum) eq join("\0", @{ $f->{choices} || [] });
        return 'null in the enum is not what the field says' if !!$nulls != !!$f->{nullable};
    }
    if ($f->{type} eq 'VP_UUID') {
        return 'no UUID pattern' unless ($prop->{format} // '') eq 'uuid' && $prop->{pattern};
    }
    if ($f->{type} eq 'VP_DATE') {
        return 'format is ' . ($prop->{format} // 'unset') . ', not date'
            unless ($prop->{format} // '') eq 'date';
    }
    if ($f->{type} eq 'VP_EMAIL') {
        return 'format is ' . ($prop->{format} // 'unset') . ', not email'
            unless ($prop->{format} // '') eq 'email';
    }
    if ($f->{type} eq 'VP_COLOR') {
        my $why = color_pattern_mismatch($prop->{pattern});
        return $why if $why;
    }
    if ($f->{type} eq 'VP_DATETIME') {
        my $why = datetime_pattern_mismatch($prop->{pattern});
        return $why if $why;
    }
    # and the other way round: what only these types check
    my %format_type = (date => 'VP_DATE', uuid => 'VP_UUID', email => 'VP_EMAIL');
    my $ft = $format_type{ $prop->{format} // '' };
    return "format $prop->{format} on a $f->{type} field" if $ft && $ft ne $f->{type};
    return "a #RRGGBB pattern on a $f->{type} field"
        if $f->{type} ne 'VP_COLOR' && defined $prop->{pattern} && !color_pattern_mismatch($prop->{pattern});
    if ($f->{type} eq 'VP_ARRAY') {
        my $items = resolve($prop->{items} // {});
        if ($f->{items}) {
            return "items is not an object schema" unless ref $items eq 'HASH' && ($items->{type} // '') eq 'object';
        }
        elsif (ref $items ne 'HASH' || keys %$items) {
            return 'items are described, but the table checks none (items {} or none)';
        }
    }
    return '';
}

# why PATTERN does not have the shape of what vpcore/vp_valid.c accepts
# for VP_DATETIME (a date-time with an offset, or a date), or '' when it has
sub datetime_pattern_mismatch {
    my ($pattern) = @_;
    return 'no date-time pattern' unless defined $pattern;
    my $re = do { no warnings; eval { qr/$pattern/ } } or return 'no usable date-time pattern';
    for my $ok ('2025-08-01T09:30:00+09:00', '2025-08-01T00:30:00Z', '2025-08-01T00:30:00.123456Z', '2025-08-01') {
        return "pattern refuses $ok" unless $ok =~ $re;
    }
    for my $bad ('2025-08-01T00:30:00', '2025-08-01 00:30:00Z', 'tomorrow', '2025-08-01T00:30Z', '') {
        return "pattern accepts '$bad'" if $bad =~ $re;
    }
    return '';
}

# why PATTERN is not what vpcore/vp_valid.c accepts for VP_COLOR (# and six hex
# digits, either letter case), or '' when it is
sub color_pattern_mismatch {
    my ($pattern) = @_;
    return 'no #RRGGBB pattern' unless defined $pattern;
    $pattern =~ s/\\u([0-9A-Fa-f]{4})/\\x{$1}/g;     # ECMA-262 \uXXXX in Perl
    my $re = do { no warnings; eval { qr/$pattern/ } } or return 'no usable #RRGGBB pattern';
    for my $ok ('#1631F8', '#a0b1c2', '#000000') {
        return "pattern refuses $ok" unless $ok =~ $re;
    }
    for my $bad ('#1631F', '1631F8', '#1631F80', '#GGGGGG', ' #1631F8', '#1631f8 ', '') {
        return "pattern accepts '$bad'" if $bad =~ $re;
    }
    return '';
}
