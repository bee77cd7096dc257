# The plans' optional OpenAI-compatible endpoint (issue 19) against the real
# stack: a second httpd configured with VPlanetPlanningEndpoint, a key file
# and a 1 s timeout asks a fake endpoint started here (a tiny local HTTP
# server: an external service, not ours). It answers well (the steps'
# source is "openai"), with garbage, with a 500 or too late (source
# "builtin", and the log says why without the key; the slow answer comes
# after the 1 s timeout: the log's "timed out" is curl's, no clock here).
# Without a key nothing is asked.
use strict;
use warnings;
use utf8;
use Test::More;
use IO::Socket::INET;
use JSON::PP;
use POSIX ();
use VP;

binmode(Test::More->builder->$_, ':encoding(UTF-8)') for qw(output failure_output todo_output);

my $J = JSON::PP->new->utf8->canonical;
my $KEY = 'sk-test-' . join('', map { ('a' .. 'z')[rand 26] } 1 .. 24);
my $log = "$ENV{VP_STATE}/fake-llm.log";

# ---- the fake endpoint ----
# Each request: one line in $log ({auth, mode, step}); the mode is read
# from the plan's title ("[good]", "[garbage]", "[error]", "[slow]").
sub answer_for {
    my ($u) = @_;
    my $step = $u->{step};
    my $v;
    if ($step eq 'story') {
        $v = { map { $_ => "외부 생성 $_" } qw(intro development turn conclusion) };
    }
    elsif ($step eq 'scenes') {
        my $t = $u->{options}{duration};
        my $a = int($t / 2);
        $v = [{ index => 1, title => '외부 씬 1', summary => '첫 씬', duration_s => $a },
              { index => 2, title => '외부 씬 2', summary => '둘째 씬', duration_s => $t - $a }];
    }
    elsif ($step eq 'shots') {
        $v = [map { { scene_index => $_->{index}, index => 1, shot_type => '와이드 샷', camera_move => '고정',
                      duration_s => $_->{duration_s}, description => "외부 샷 $_->{index}", notes => '' } }
              @{ $u->{scenes} }];
    }
    else {
        $v = [map { { scene_index => $_->{scene_index}, shot_index => $_->{index},
                      caption => "외부 캡션 $_->{scene_index}", image_prompt => 'sketch' } } @{ $u->{shots} }];
    }
    return { $step => $v };
}

sub serve {
    my ($c) = @_;
    local $/ = "\r\n";
    my $line = <$c> // return;
    my %h;
    while (my $l = <$c>) {
        last if $l eq "\r\n";
        $h{lc $1} = $2 if $l =~ /^([^:]+):\s*(.*?)\r\n$/;
    }
    read($c, my $body, $h{'content-length'} // 0);
    my $req = eval { $J->decode($body) } || {};
    my $user = eval { $J->decode(Encode::encode('UTF-8', $req->{messages}[1]{content})) } || {};
    my ($mode) = ($user->{title} // '') =~ /\[(\w+)\]/;
    $mode //= 'good';
    open my $fh, '>>', $log;
    print $fh $J->encode({ auth => $h{authorization}, mode => $mode, step => $user->{step},
                           model => $req->{model}, schema => $req->{response_format}{type} }), "\n";
    close $fh;
    my ($status, $out) = (200, '');
    if ($mode eq 'error') { ($status, $out) = (500, '{"error":{"message":"boom"}}') }
    elsif ($mode eq 'garbage') {
        $out = $J->encode({ choices => [{ message => { content => '{"story": "not a story"}' } }] });
    }
    else {
        sleep 3 if $mode eq 'slow';
        $out = $J->encode({ choices => [{ message => { role => 'assistant',
                                                      content => Encode::decode('UTF-8', $J->encode(answer_for($user))) } }] });
    }
    print $c "HTTP/1.1 $status X\r\nContent-Type: application/json\r\nContent-Length: " . length($out)
           . "\r\nConnection: close\r\n\r\n$out";
}

require Encode;
my $srv = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 20, ReuseAddr => 1)
    or die "listen: $!";
my $port = $srv->sockport;
my $fake = fork // die;
if (!$fake) {
    $SIG{CHLD} = 'IGNORE';
    while (my $c = $srv->accept) {
        my $k = fork;
        if (defined $k && !$k) { serve($c); close $c; POSIX::_exit(0) }
        close $c;
    }
    POSIX::_exit(0);
}
close $srv;
END { kill 'TERM', $fake if $fake }

sub requests { open my $fh, '<', $log or return (); map { $J->decode($_) } <$fh> }

open my $kf, '>', "$ENV{VP_STATE}/plan.key" or die;
print $kf "$KEY\n";
close $kf;
my ($base, $dir) = httpd_variant('planning-llm', <<"EOF2");
VPlanetPlanningEndpoint http://127.0.0.1:$port/v1
VPlanetPlanningModel fake-model
VPlanetPlanningKeyFile $ENV{VP_STATE}/plan.key
VPlanetPlanningTimeout 1
EOF2
ok($base, 'an httpd with the endpoint starts') or BAIL_OUT($dir);
my $u = new_user();
sub at {
    my ($method, $path, $body) = @_;
    return http($method, "/api/v1$path", base => $base, headers => bearer($u->{access}),
                defined $body ? (json => $body) : ());
}
my $BRIEF = '제주 감귤 농장의 겨울 수확 이야기';

subtest 'a good answer is used: source openai' => sub {
    my $r = at(POST => '/plannings/workflow', { title => '[good] 외부', planning_text => $BRIEF,
                                               options => { duration => 30 } });
    is($r->{status}, 201, 'workflow');
    my $p = $r->{json}{data};
    is_deeply($p->{sources}, { map { $_ => 'openai' } qw(story scenes shots storyboard) }, 'every step: openai');
    is($p->{story}{intro}, '외부 생성 intro', "the endpoint's story");
    is(scalar @{ $p->{scenes} }, 2, "the endpoint's scenes");
    my @req = requests();
    is(scalar @req, 4, 'four requests, one per step');
    is($req[0]{auth}, "Bearer $KEY", 'the key as a bearer token');
    is($req[0]{model}, 'fake-model', 'the model');
    is($req[0]{schema}, 'json_schema', 'a JSON-schema response format');
    my $q = at(POST => '/plannings', { title => '[good] 단계', planning_text => $BRIEF })->{json}{data};
    $r = at(POST => "/plannings/$q->{id}/story");
    is($r->{json}{data}{sources}{story}, 'openai', 'a single step: openai');
};

for my $case (['garbage', qr/invalid answer/], ['error', qr/HTTP 500/], ['slow', qr/timed out/]) {
    my ($mode, $why) = @$case;
    subtest "an answer that is $mode falls back: source builtin" => sub {
        my $n = () = requests();
        my $q = at(POST => '/plannings', { title => "[$mode] 대체", planning_text => $BRIEF })->{json}{data};
        my $r = at(POST => "/plannings/$q->{id}/story");
        is($r->{status}, 200, 'the step is done all the same');
        is($r->{json}{data}{sources}{story}, 'builtin', 'source: builtin');
        like($r->{json}{data}{story}{intro}, qr/감귤/, "the built-in generator's story");
        cmp_ok(scalar(() = requests()), '>', $n, 'the endpoint was asked');
        like(slurp("$dir/logs/error.log"), qr/VP0683: .*$why/, "the log says why ($why)");
    };
}

subtest 'who may not write a plan makes no call' => sub {
    my $viewer = new_user();
    my $pid = new_project($u, "Planning endpoint $$");
    api($u, POST => "/projects/$pid/members", { user_id => $viewer->{id}, role => 'viewer' });
    my $q = at(POST => '/plannings', { title => '[good] 뷰어', planning_text => $BRIEF,
                                       project_id => $pid })->{json}{data};
    my $n = () = requests();
    my $r = http(POST => "/api/v1/plannings/$q->{id}/story", base => $base,
                 headers => bearer($viewer->{access}));
    is($r->{status}, 403, "a viewer asks for a step of the project's plan: 403");
    $r = http(POST => "/api/v1/plannings/$q->{id}/story", base => $base,
              headers => bearer(new_user()->{access}));
    is($r->{status}, 404, 'a stranger: 404');
    is(scalar(() = requests()), $n, 'the endpoint was not asked');
};

subtest 'the key is never logged' => sub {
    unlike(slurp("$dir/logs/error.log"), qr/\Q$KEY\E/, 'not in the error log');
    unlike(slurp("$dir/logs/access.log") // '', qr/\Q$KEY\E/, 'not in the access log');
};
httpd_variant_stop($dir);

subtest 'no key, no call' => sub {
    my ($b2, $d2) = httpd_variant('planning-nokey', "VPlanetPlanningEndpoint http://127.0.0.1:$port/v1\n");
    ok($b2, 'an httpd with an endpoint and no key starts') or return;
    my $n = () = requests();
    my $r = http(POST => '/api/v1/plannings/workflow', base => $b2, headers => bearer($u->{access}),
                 json => { title => '[good] 키 없음', planning_text => $BRIEF });
    is($r->{status}, 201, 'workflow');
    is($r->{json}{data}{sources}{story}, 'builtin', 'source: builtin');
    is(scalar(() = requests()), $n, 'nothing was asked');
    httpd_variant_stop($d2);
};

done_testing();
