# The body pipeline through POST /api/v1/diagnostics/echo: Content-Type,
# size limits (Content-Length, chunked, lying lengths), JSON parsing and the
# validation of every field type (400 for shape, 422 for rules).
use strict;
use warnings;
use utf8;
use Test::More;
use IO::Select;
use IO::Socket::INET;
use JSON::PP;
use Time::HiRes qw(time);
use VP;

binmode(Test::More->builder->$_, ':encoding(UTF-8)') for qw(output failure_output todo_output);

my $ECHO = '/api/v1/diagnostics/echo';
my $MAX = 1048576;     # VPlanetMaxBody of conf/vplanet.conf
my $UUID = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
my $json = JSON::PP->new->utf8->canonical;
my $show = JSON::PP->new->ascii->canonical->allow_nonref;    # for test names

# Every response is kept: none may be a 5xx, and no error body may show
# internals (checked at the end).
my @seen;

sub keep { my ($what, $r) = @_; push @seen, [$what, $r]; return $r }

# post(BODY, %opts): BODY is a Perl structure (sent as JSON) or a string of
# bytes sent as is; Content-Type application/json unless headers say otherwise.
sub post {
    my ($body, %o) = @_;
    return keep(ref $body ? 'structure' : $body, http(POST => $ECHO, json => $body, %o));
}

sub raw {
    my ($what, $request) = @_;
    my $t = time;
    my $r = raw_http($request);
    $r->{elapsed} = time - $t;
    return keep($what, $r);
}

sub request_head {
    my (%h) = @_;
    return "POST $ECHO HTTP/1.1\r\nHost: 127.0.0.1\r\n"
         . join('', map { "$_: $h{$_}\r\n" } sort keys %h) . "\r\n";
}

sub chunked {
    my ($data, $size) = @_;
    my $out = '';
    for (my $i = 0; $i < length $data; $i += $size) {
        my $piece = substr($data, $i, $size);
        $out .= sprintf("%x\r\n%s\r\n", length $piece, $piece);
    }
    return $out;
}

sub parse_response {
    my ($raw) = @_;
    my ($head, $body) = split /\r\n\r\n/, $raw, 2;
    my ($status) = ($head // '') =~ m{^HTTP/1\.\d (\d{3})};
    my %headers = map { /^([^:]+):\s*(.*)$/ ? (lc $1 => $2) : () } split /\r\n/, $head // '';
    my $decoded;
    $decoded = eval { $json->decode($body) } if length($body // '');
    return { status => $status // 0, headers => \%headers, body => $body, json => $decoded,
             raw => $raw };
}

# Sends a request without ever closing the sending side (as a client still
# busy uploading would) and returns the answer the server gives within $secs
# (status 0 if none): proves a limit is enforced before the body is read.
sub answer_while_sending {
    my ($what, $request, $secs) = @_;
    my ($host, $port) = base() =~ m{//([^:/]+):(\d+)};
    my $s = IO::Socket::INET->new(PeerAddr => $host, PeerPort => $port, Timeout => 10)
        or die "connect: $!";
    local $SIG{PIPE} = 'IGNORE';
    $s->blocking(0);
    my $sel = IO::Select->new($s);
    my ($raw, $off, $t) = ('', 0, time);
    while (time - $t < $secs) {
        my ($rd, $wr) = IO::Select->select($sel, $off < length $request ? $sel : undef, undef, 0.1);
        if ($rd && @$rd) {
            my $n = sysread($s, my $buf, 65536);
            last unless $n;
            $raw .= $buf;
            my $res = parse_response($raw);
            last if defined $res->{body} && length $res->{body} >= ($res->{headers}{'content-length'} // 0);
        }
        if ($wr && @$wr) {
            my $n = syswrite($s, $request, 65536, $off);
            if (defined $n) { $off += $n }
            elsif (!$!{EAGAIN} && !$!{EWOULDBLOCK}) { $off = length $request }
        }
    }
    close $s;
    my $r = parse_response($raw);
    $r->{elapsed} = time - $t;
    return keep($what, $r);
}

# error_with(RES, STATUS, CODE, DETAILS, NAME): error envelope and exact details.
sub error_with {
    my ($r, $status, $code, $details, $name) = @_;
    error_ok($r, $status, $code, $name)
        and is_deeply($r->{json}{error}{details}, $details, "$name: details")
        or diag(explain($r->{json}{error}));
}

sub echoed {
    my ($body, $name) = @_;
    my $r = post($body);
    envelope_ok($r, 200, $name) and is_deeply($r->{json}{data}, $body, "$name: echoed as sent");
    return $r;
}

# ---------------------------------------------------------------- happy path
subtest 'a valid body is echoed as sent' => sub {
    my $full = {name => 'Première', count => 7, ratio => 0.25, id => $UUID, kind => 'creative',
                flag => JSON::PP::true, tags => ['a', 1, {b => [JSON::PP::false]}, undef],
                note => 'a note'};
    my $r = echoed($full, 'every field, valid');
    is($r->{json}{message}, 'echo', 'message');
    ok(JSON::PP::is_bool($r->{json}{data}{flag}), 'a boolean stays a boolean');
    echoed({name => 'x'}, 'only the required field');
    echoed({name => 'x', flag => JSON::PP::false, count => 0, ratio => 0, tags => []}, 'zeros, false and empty');
    echoed({name => 'x' x 30, count => 100, ratio => 1, tags => [1 .. 10], note => 'n' x 200},
           'every upper bound');
    echoed({name => 'x', ratio => 0.125}, 'a fractional number');

    $r = post({name => 'x', note => undef});
    envelope_ok($r, 200, 'note: null is accepted (nullable)');
    ok(exists $r->{json}{data}{note} && !defined $r->{json}{data}{note}, '... and echoed as null');
    echoed({name => 'x', note => ''}, 'note may be empty');

    $r = post('  {"name" : "spaced"}  ');
    envelope_ok($r, 200, 'whitespace around the object');
    $r = post(qq({"name":"x"}\n));
    envelope_ok($r, 200, 'a trailing newline');
};

# ------------------------------------------------------------- Content-Type
subtest 'only application/json is accepted, checked before the body' => sub {
    my $r = raw('no Content-Type', request_head('Content-Length' => 12, Connection => 'close') . '{"name":"x"}');
    error_with($r, 415, 'unsupported_media_type', {}, 'no Content-Type is 415');
    for my $ct ('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x',
                'text/json', 'application/jsonp', 'application/json-patch+json', 'application/xml',
                'application/json; charset=latin1', 'application/json; charset=utf-16',
                'application/json; charset=utf-8x', 'application/json, text/plain', '') {
        $r = post('{"name":"x"}', headers => {'content-type' => $ct});
        error_with($r, 415, 'unsupported_media_type', {}, "Content-Type '$ct' is 415");
    }
    $r = post('{"name":', headers => {'content-type' => 'text/plain'});
    error_ok($r, 415, 'unsupported_media_type', 'the media type is checked before the body');
    for my $ct ('application/json; charset=utf-8', 'application/json;charset=UTF-8',
                'Application/JSON', 'application/json; charset="utf-8"', 'application/json ; charset=utf-8') {
        $r = post('{"name":"x"}', headers => {'content-type' => $ct});
        envelope_ok($r, 200, "Content-Type '$ct' is accepted");
    }
};

# ---------------------------------------------------------------- body size
subtest 'a body over VPlanetMaxBody is refused promptly, chunked or not' => sub {
    # A body of exactly VPlanetMaxBody bytes is fine, one byte more is not.
    my $exact = '{"name":"x"}' . (' ' x ($MAX - 12));
    is(length $exact, $MAX, 'a body of exactly the limit');
    my $r = post($exact);
    envelope_ok($r, 200, 'Content-Length at the limit is read');

    my $over = $exact . ' ';
    $r = raw('Content-Length over', request_head('Content-Type' => 'application/json',
                                                 'Content-Length' => length $over) . $over);
    error_with($r, 413, 'payload_too_large', {}, 'Content-Length one byte over the limit is 413');
    like($r->{json}{message}, qr/\b$MAX bytes/, 'the message states the limit');
    is(lc($r->{headers}{connection} // ''), 'close', 'the connection is closed after a 413');

    my $huge = '{"name":"' . ('x' x (3 * $MAX)) . '"}';
    $r = raw('3 MiB body', request_head('Content-Type' => 'application/json',
                                        'Content-Length' => length $huge) . $huge);
    error_ok($r, 413, 'payload_too_large', 'a 3 MiB body is 413');
    cmp_ok($r->{elapsed}, '<', 10, '... promptly');

    # Checked on the declared length, before reading: the answer comes while
    # the client is still (supposedly) sending.
    $r = answer_while_sending('declared 100 MB',
        request_head('Content-Type' => 'application/json', 'Content-Length' => 100_000_000) . '{"name":', 10);
    error_ok($r, 413, 'payload_too_large', 'a declared 100 MB body is refused before it is sent');

    $r = answer_while_sending('expect 100-continue',
        request_head('Content-Type' => 'application/json', 'Content-Length' => 5_000_000,
                     Expect => '100-continue'), 10);
    error_ok($r, 413, 'payload_too_large', 'Expect: 100-continue with a too large body: 413');
    unlike($r->{raw}, qr{^HTTP/1\.1 100}, '... and no 100 Continue first');

    # Chunked: counted while reading.
    $r = raw('chunked at limit', request_head('Content-Type' => 'application/json',
                                              'Transfer-Encoding' => 'chunked', Connection => 'close')
             . chunked($exact, 65536) . "0\r\n\r\n");
    envelope_ok($r, 200, 'a chunked body of exactly the limit is read');
    is($r->{json}{data}{name}, 'x', '... and parsed');

    $r = raw('chunked over', request_head('Content-Type' => 'application/json', 'Transfer-Encoding' => 'chunked')
             . chunked($over, 65536) . "0\r\n\r\n");
    error_with($r, 413, 'payload_too_large', {}, 'a chunked body one byte over the limit is 413');
    is(lc($r->{headers}{connection} // ''), 'close', '... and the connection is closed');

    $r = raw('chunked small pieces', request_head('Content-Type' => 'application/json',
                                                  'Transfer-Encoding' => 'chunked', Connection => 'close')
             . chunked('{"name":"in pieces","count":3}', 3) . "0\r\n\r\n");
    envelope_ok($r, 200, 'a chunked body in 3-byte pieces');
    is_deeply($r->{json}{data}, {name => 'in pieces', count => 3}, '... reassembled');

    # over the limit without ever finishing: the server stops at the limit
    $r = answer_while_sending('endless chunked',
        request_head('Content-Type' => 'application/json', 'Transfer-Encoding' => 'chunked')
        . chunked('{"name":"' . ('x' x ($MAX + 100_000)), 65536), 10);
    error_ok($r, 413, 'payload_too_large', 'an unfinished chunked body is cut off at the limit');

    $r = raw('TE and CL', request_head('Content-Type' => 'application/json', 'Transfer-Encoding' => 'chunked',
                                       'Content-Length' => 5_000_000, Connection => 'close')
             . chunked('{"name":"x"}', 5) . "0\r\n\r\n");
    envelope_ok($r, 200, 'Transfer-Encoding: chunked wins over a Content-Length');
};

# ----------------------------------------------------------- lying lengths
subtest 'a lying or malformed length is a prompt 400' => sub {
    # Declares less than sent: the declared bytes are the body (here a cut-off
    # object), the rest is never taken as a body.
    my $sent = '{"name":"truncated"}';
    my $r = raw('CL short', request_head('Content-Type' => 'application/json', 'Content-Length' => 9,
                                      Connection => 'close') . $sent);
    error_ok($r, 400, 'invalid_json', 'Content-Length shorter than the body: the cut-off body is malformed');
    cmp_ok($r->{elapsed}, '<', 10, '... answered promptly');
    is(scalar(() = ($r->{body} // '') =~ /"success"/g), 1, '... exactly one response');

    $r = raw('CL short valid', request_head('Content-Type' => 'application/json', 'Content-Length' => 12,
                                            Connection => 'close') . '{"name":"x"}{"name":"y"}');
    envelope_ok($r, 200, 'Content-Length shorter, the declared part valid: that part is the body');
    is_deeply($r->{json}{data}, {name => 'x'}, '... and only it');

    # Declares more and the client then closes its side: a clean 400, no hang.
    $r = raw('CL long', request_head('Content-Type' => 'application/json', 'Content-Length' => 100) . $sent);
    error_ok($r, 400, 'bad_request', 'Content-Length longer than the body, connection closed: 400');
    cmp_ok($r->{elapsed}, '<', 10, '... answered promptly, not after a timeout');
    $r = raw('CL long max', request_head('Content-Type' => 'application/json', 'Content-Length' => $MAX) . $sent);
    error_ok($r, 400, 'bad_request', 'Content-Length at the limit, short body: 400');

    # Content-Length values httpd itself refuses (before any <Location>): a
    # plain 400, never a hang or a 5xx.
    for my $cl ('12abc', '-1', '99999999999999999999999', '12, 12') {
        $r = raw("CL $cl", request_head('Content-Type' => 'application/json', 'Content-Length' => $cl) . $sent);
        is($r->{status}, 400, "Content-Length '$cl' is a 400");
    }

    # malformed chunked encoding: httpd's 400, routed back into the module
    $r = raw('bad chunk', request_head('Content-Type' => 'application/json', 'Transfer-Encoding' => 'chunked')
             . "zz\r\n{}\r\n0\r\n\r\n");
    error_ok($r, 400, 'bad_request', 'a malformed chunk size is a 400 envelope');
    # ... and the module's own log line about it carries the id the client saw
    my $rid = $r->{json}{request_id} // 'none';
    my $logged = 0;
    for (1 .. 50) {
        open my $fh, '<', "$ENV{VP_STATE}/httpd/logs/error.log" or last;
        $logged = grep { /\[rid \Q$rid\E\] VP0201: 400 bad_request: the request body cannot be read/ } <$fh>;
        last if $logged;
        select undef, undef, undef, 0.1;
    }
    ok($logged, 'the log line of an unreadable body carries the request id of the answer');
};

# ---------------------------------------------------------- malformed JSON
subtest 'malformed JSON is 400 invalid_json' => sub {
    my $r;
    my %malformed = (
        'truncated'           => '{"name":"x"',
        'unquoted key'        => '{name:"x"}',
        'single quotes'       => q({'name':'x'}),
        'trailing comma'      => '{"name":"x",}',
        'missing value'       => '{"name":}',
        'comment'             => '{"name":"x" /* c */}',
        'trailing garbage'    => '{"name":"x"} x',
        'two objects'         => '{"name":"x"}{"name":"y"}',
        'NaN'                 => '{"name":"x","ratio":NaN}',
        'hex number'          => '{"name":"x","count":0x10}',
        'leading zero'        => '{"name":"x","count":007}',
        'byte order mark'     => "\xef\xbb\xbf{\"name\":\"x\"}",
        'bare word'           => 'name=x',
        # not an object at the top
        'array'               => '[{"name":"x"}]',
        'empty array'         => '[]',
        'string'              => '"name"',
        'number'              => '42',
        'true'                => 'true',
        'null'                => 'null',
        # nothing at all
        'whitespace only'     => " \r\n\t ",
        # not UTF-8, or not allowed in it
        'invalid byte'        => "{\"name\":\"\xff\"}",
        'invalid byte in key' => "{\"n\xffame\":\"x\"}",
        'latin-1 text'        => "{\"name\":\"caf\xe9\"}",
        'truncated sequence'  => "{\"name\":\"\xc3\"}",
        'overlong encoding'   => "{\"name\":\"\xc0\xaf\"}",
        'encoded surrogate'   => "{\"name\":\"\xed\xa0\x80\"}",
        'beyond U+10FFFF'     => "{\"name\":\"\xf4\x90\x80\x80\"}",
        'escaped lone surrogate' => '{"name":"\ud800"}',
        'escaped NUL'         => '{"name":"a\u0000b"}',
        'raw NUL'             => "{\"name\":\"a\0b\"}",
        'raw control char'    => "{\"name\":\"a\x01b\"}",
        # limits of the parser
        'integer too big'     => '{"name":"x","count":99999999999999999999}',
        'number too big'      => '{"name":"x","ratio":1e400}',
        'nested too deep'     => '{"name":"x","tags":' . ('[' x 5000) . (']' x 5000) . '}',
        # duplicate keys, at the top and deeper
        'duplicate key'       => '{"name":"x","name":"y"}',
        'duplicate nested'    => '{"name":"x","tags":[{"k":1,"k":2}]}',
    );
    for my $case (sort keys %malformed) {
        $r = post($malformed{$case});
        error_with($r, 400, 'invalid_json', {}, "malformed: $case is 400 invalid_json");
    }
    like(post('{"name":"x","name":"y"}')->{json}{message}, qr/duplicate/, 'a duplicate key is named as such');
    like(post('[1]')->{json}{message}, qr/must be a JSON object/, 'a non-object is named as such');

    $r = post('');
    error_with($r, 400, 'invalid_json', {}, 'an empty body is 400 invalid_json');
    like($r->{json}{message}, qr/empty/, '... saying it is empty');
    $r = raw('no body at all', request_head('Content-Type' => 'application/json', Connection => 'close'));
    error_ok($r, 400, 'invalid_json', 'a POST without any body is 400 invalid_json');
};

# --------------------------------------------------------- unknown fields
subtest 'unknown fields are 400, each named' => sub {
    my $r = post({name => 'x', colour => 'red'});
    error_with($r, 400, 'bad_request', {colour => ['unknown field']}, 'an unknown field is 400, named');
    $r = post({name => 'x', Name => 'y', 'tags ' => []});
    error_with($r, 400, 'bad_request', {Name => ['unknown field'], 'tags ' => ['unknown field']},
               'field names are exact (letter case, spaces)');
    $r = post({colour => 'red'});
    error_with($r, 400, 'bad_request', {colour => ['unknown field'], name => ['is required']},
               'unknown and missing together: 400, both named');
    $r = post({});
    error_with($r, 422, 'validation_failed', {name => ['is required']}, 'an empty object: name is required');
};

# --------------------------------------------------------------- wrong types
subtest 'a value of the wrong type is 400, a null where none is allowed 422' => sub {
    my $r;
    my @wrong = (
        [name  => 42,                  'must be a string'],
        [name  => ['x'],               'must be a string'],
        [name  => JSON::PP::true,      'must be a string'],
        [count => 1.5,                 'must be an integer'],
        [count => '3',                 'must be an integer'],
        [count => JSON::PP::true,      'must be an integer'],
        [count => \'100.0',            'must be an integer'],
        [count => \'1e2',              'must be an integer'],
        [ratio => '0.5',               'must be a number'],
        [ratio => [0.5],               'must be a number'],
        [flag  => 'true',              'must be a boolean'],
        [flag  => 1,                   'must be a boolean'],
        [flag  => 0,                   'must be a boolean'],
        [id    => 123,                 'must be a string'],
        [id    => {id => $UUID},       'must be a string'],
        [kind  => 1,                   'must be a string'],
        [kind  => ['urgent'],          'must be a string'],
        [tags  => {a => 1},            'must be an array'],
        [tags  => 'a,b',               'must be an array'],
        [note  => 5,                   'must be a string'],
        [note  => {},                  'must be a string'],
    );
    for my $w (@wrong) {
        my ($field, $value, $msg) = @$w;
        # \'text' stands for a JSON number literal written exactly so
        my $body = ref $value eq 'SCALAR'
            ? qq({"name":"x","$field":$$value})
            : {name => 'x', $field => $value};
        my $shown = ref $value eq 'SCALAR' ? $$value : $show->encode($value);
        $r = post($body);
        error_with($r, 400, 'bad_request', {$field => [$msg]}, "$field given $shown is 400");
    }

    # JSON null where the field is not nullable: a rule, not a shape (the
    # field table treats it like a missing value), so 422 like a missing field;
    # the message still says which type is wanted.
    $r = post({name => undef});
    error_with($r, 422, 'validation_failed', {name => ['must be a string, not null']},
               'null for the required name is 422');
    for my $w ([count => 'an integer'], [ratio => 'a number'], [flag => 'a boolean'],
               [id => 'a string'], [kind => 'a string'], [tags => 'an array']) {
        my ($field, $type) = @$w;
        $r = post({name => 'x', $field => undef});
        error_with($r, 422, 'validation_failed', {$field => ["must be $type, not null"]},
                   "null for the non-nullable $field is 422");
    }

    # a shape problem and a rule problem together: 400, and both are named
    $r = post({name => '', count => 'x'});
    error_with($r, 400, 'bad_request', {name => ['must have 1 to 30 characters'], count => ['must be an integer']},
               'a wrong type wins over a broken rule, every problem named');
};

# ------------------------------------------------------------- constraints
subtest 'the field rules count characters and report every broken one' => sub {
    my $r;
    # string length counts characters (code points), not bytes
    echoed({name => 'é' x 30}, '30 two-byte characters (60 bytes) fit 30');
    echoed({name => '字' x 30}, '30 three-byte characters fit 30');
    echoed({name => '😀' x 30}, '30 four-byte characters (120 bytes) fit 30');
    for my $s ('x' x 31, 'é' x 31, '😀' x 31) {
        $r = post({name => $s});
        error_with($r, 422, 'validation_failed', {name => ['must have 1 to 30 characters']},
                   '31 characters are too many (' . length($s) . ' of ' . substr($s, 0, 1) . ')');
    }
    $r = post('{"name":"' . ('\u00e9' x 30) . '"}');
    envelope_ok($r, 200, 'escaped characters count once each');
    is($r->{json}{data}{name}, 'é' x 30, '... and are decoded');
    $r = post('{"name":"' . ('\ud83d\ude00' x 30) . '"}');
    envelope_ok($r, 200, 'an escaped surrogate pair is one character');
    $r = post('{"name":"' . ('\ud83d\ude00' x 31) . '"}');
    error_ok($r, 422, 'validation_failed', '31 escaped surrogate pairs are too many');
    $r = post({name => ''});
    error_with($r, 422, 'validation_failed', {name => ['must have 1 to 30 characters']}, 'an empty name is 422');
    echoed({name => ' '}, 'strings are not trimmed: one space is one character');
    echoed({name => 'x', note => '字' x 200}, 'note: 200 characters (600 bytes)');
    $r = post({name => 'x', note => 'n' x 201});
    error_with($r, 422, 'validation_failed', {note => ['must have 0 to 200 characters']}, 'note: 201 characters');

    # integer and number ranges
    for my $v (101, -1, 1_000_000) {
        $r = post({name => 'x', count => $v});
        error_with($r, 422, 'validation_failed', {count => ['must be between 0 and 100']}, "count $v is out of range");
    }
    for my $v ('1.0001', '-0.0001', '2', '1e3') {
        $r = post(qq({"name":"x","ratio":$v}));
        error_with($r, 422, 'validation_failed', {ratio => ['must be between 0 and 1']}, "ratio $v is out of range");
    }
    $r = post('{"name":"x","ratio":1}');
    envelope_ok($r, 200, 'an integer is a number');
    $r = post('{"name":"x","ratio":1.0}');
    envelope_ok($r, 200, 'ratio 1.0 is in range');

    # UUIDs: canonical 8-4-4-4-12 hex form, any version, either letter case
    # (the code accepts upper case on purpose; it echoes it unchanged)
    echoed({name => 'x', id => uc $UUID}, 'an upper-case UUID is accepted');
    echoed({name => 'x', id => '0F1E2D3C-4b5a-6978-8796-A5B4c3d2e1f0'}, 'a mixed-case UUID is accepted');
    echoed({name => 'x', id => '00000000-0000-0000-0000-000000000000'}, 'the nil UUID is accepted');
    for my $bad ('not-a-uuid', '', '0f1e2d3c4b5a69788796a5b4c3d2e1f0', "{$UUID}", "urn:uuid:$UUID",
                 substr($UUID, 0, 35), "${UUID}0", "$UUID ", " $UUID", "$UUID\n",
                 '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1fg', '0f1e2d3c_4b5a_6978_8796_a5b4c3d2e1f0',
                 '0f1e2d3c4-b5a-6978-8796-a5b4c3d2e1f0', '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f０') {
        $r = post({name => 'x', id => $bad});
        error_with($r, 422, 'validation_failed', {id => ['must be a UUID']},
                   'bad UUID ' . $show->encode($bad) . ' is 422');
    }

    # enum: exact strings
    echoed({name => 'x', kind => $_}, "kind $_") for qw(general technical creative urgent);
    for my $bad ('other', 'URGENT', 'Urgent', '', 'urgent ', 'urgen', 'general,urgent') {
        $r = post({name => 'x', kind => $bad});
        error_with($r, 422, 'validation_failed', {kind => ['must be one of: general technical creative urgent']},
                   "kind '$bad' is 422, the choices listed");
    }

    # array length
    $r = post({name => 'x', tags => [1 .. 11]});
    error_with($r, 422, 'validation_failed', {tags => ['must have 0 to 10 items']}, 'tags: 11 items');

    # every broken rule is reported at once
    $r = post({name => '', count => 101, ratio => 2, id => 'x', kind => 'x', tags => [1 .. 11], note => 'n' x 201});
    error_ok($r, 422, 'validation_failed', 'many broken rules');
    is_deeply([sort keys %{ $r->{json}{error}{details} // {} }], [qw(count id kind name note ratio tags)],
              '... each field named');
    ok(!(grep { ref $_ ne 'ARRAY' || !@$_ || grep { ref $_ || !length } @$_ }
         values %{ $r->{json}{error}{details} // {} }),
       '... each with a list of message strings');
};

# ---------------------------------------------------------- hostile strings
subtest 'hostile strings are data, echoed byte for byte' => sub {
    my $r;
    # Data is data: echoed byte for byte, never interpreted.
    my @hostile = (
        q(' OR 1=1 --), q("; DROP TABLE users; --), q{Robert'); DROP TABLE students;--},
        '<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', '%00', '%27%20OR%201%3D1',
        '\x00\u0000', '../../../../etc/passwd', '${jndi:ldap://x/a}', '{{7*7}}', '$(id)`id`',
        "line\r\nX-Injected: 1", "tab\there", "\x{202E}gnp.exe", "zero\x{200B}width", "\x{FEFF}bom",
        "\x{FFFF}\x{10FFFF}", 'ÅÄÖ åäö Ñ ß ŉ', '𝕳𝖊𝖑𝖑𝖔',
    );
    for my $s (@hostile) {
        my $body = {name => substr($s, 0, 30), note => $s, tags => [$s]};
        $r = post($body);
        envelope_ok($r, 200, 'hostile string echoed: ' . $show->encode($s))
            and is_deeply($r->{json}{data}, $body, '... verbatim');
    }
    ok(!exists $r->{headers}{'x-injected'}, 'nothing reaches the response headers');
    my $long = join '', map { chr(0x4E00 + $_ % 20000) . '😀é' } 1 .. 20000;   # 60000 characters
    $r = post({name => 'long', tags => [$long, $long]});
    envelope_ok($r, 200, 'very long unicode strings in an array are echoed');
    is($r->{json}{data}{tags}[1], $long, '... verbatim (' . length($long) . ' characters)');
    $r = post({name => 'x', note => $long});
    error_with($r, 422, 'validation_failed', {note => ['must have 0 to 200 characters']},
               'a very long unicode note is a clean 422');
    $r = post({name => 'x', q(' OR 1=1 --) => 1, '<script>' => 2});
    error_with($r, 400, 'bad_request', {q(' OR 1=1 --) => ['unknown field'], '<script>' => ['unknown field']},
               'hostile field names are named verbatim as unknown');
    $r = post({name => 'x', ('k' x 5000) => 1});
    error_with($r, 400, 'bad_request', {('k' x 5000) => ['unknown field']}, 'a 5000-character field name');
};

# ------------------------------------------- members and values per body
# VPlanetMaxJSONMembers (1000 per object) and VPlanetMaxJSONValues (10000 in
# all), both at their defaults in the stack: 413 before any tree is built,
# with a short answer whatever the body held.
sub members { my ($n, $p) = @_; return { map { sprintf("%s%06d", $p // 'k', $_) => 1 } 1 .. $n } }

sub too_many {
    my ($r, $what, $name) = @_;
    error_ok($r, 413, 'payload_too_large', $name)
        and like($r->{json}{message}, $what, "$name: said so")
        and cmp_ok(length $r->{body}, '<', 2048, "$name: a short answer")
        or diag(substr($r->{body} // '', 0, 300));
}

subtest 'too many members or values are 413, and field errors are capped' => sub {
    my $hostile = $json->encode({name => 'x', %{ members(60000) }});
    cmp_ok(length $hostile, '<', $MAX, 'a 60,000-member object fits VPlanetMaxBody');
    too_many(post($hostile), qr/more than 1000 members/, '60,000 unknown members');
    too_many(post({name => 'x', tags => [members(1001)]}), qr/more than 1000 members/,
             'a nested object of 1001 members');
    too_many(post({name => 'x', tags => [[(1) x 9999]]}), qr/more than 10000 values/,
             'a nested array of 9999 items: 10,002 values');
    too_many(post({name => 'x', tags => [map { [map { [1 .. 9] } 1 .. 100] } 1 .. 10]}),
             qr/more than 10000 values/, 'arrays of arrays over 10,000 values in all');
    too_many(post('{"name":"x","tags":[' . join(',', ('[]') x 10001) . ']}'), qr/more than 10000 values/,
             '10,001 empty arrays');
    echoed({name => 'x', tags => [members(999)]}, 'a nested object of 999 members');
    echoed({name => 'x', tags => [[(1) x 9997]]}, 'a body of 10,000 values (name, tags, its array, 9997 items)');
    echoed({name => 'x', tags => [map { [(1) x 998] } 1 .. 10]}, 'ten arrays of 998 items: 9,992 values');

    # the field errors listed are capped; the others are counted
    my $r = post({name => 'x', %{ members(600) }});
    error_ok($r, 400, 'bad_request', '600 unknown fields: 400');
    is(scalar keys %{ $r->{json}{error}{details} // {} }, 20, '... the first 20 listed');
    is($r->{json}{error}{details_omitted}, 580, '... and the other 580 counted');
    ok(!(grep { !/^k\d{6}$/ } keys %{ $r->{json}{error}{details} // {} }), '... the fields named are the unknown ones');
    cmp_ok(length $r->{body}, '<', 4096, '... in a short answer');
    $r = post({name => 'x', %{ members(20) }});
    is(scalar keys %{ $r->{json}{error}{details} // {} }, 20, '20 unknown fields: all listed');
    ok(!exists $r->{json}{error}{details_omitted}, '... and no count');

    # 60,000 members again and again: the answer stays the same (the children
    # keep no memory of it either: bench/memory measures that)
    my @again = map { post($hostile)->{status} } 1 .. 20;
    is_deeply(\@again, [(413) x 20], '20 more 60,000-member bodies: 413 each');

    # the pipeline still works after all that
    echoed({name => 'still here'}, 'a normal body afterwards');
};

# -------------------------------------------------- no 5xx, no internals
subtest 'no request got a 5xx or leaked internals' => sub {
    my @fivexx = grep { $_->[1]{status} >= 500 || $_->[1]{status} == 0 } @seen;
    ok(!@fivexx, 'no request got a 5xx or no answer (' . scalar(@seen) . ' requests)')
        or diag(join "\n", map { "$_->[1]{status}: " . substr($_->[0], 0, 60) } @fivexx);
    my @leaks = grep { $_->[1]{status} >= 400 && ($_->[1]{body} // '') =~ m{SQL|/tmp|\.c:|jansson|JSON_|PQ} } @seen;
    ok(!@leaks, 'no error body mentions SQL, paths, source files or library names')
        or diag(join "\n", map { substr($_->[1]{body}, 0, 300) } @leaks);
};

done_testing;
