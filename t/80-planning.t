# Video planning (spec section 9; issue 19) against the real stack: plans
# (personal and of a project) and their permission split (owner, or editor+
# of the plan's project; another user's plan is 404); the steps in order
# (409 out of order), PATCH clearing the later steps and checking what it
# is given; the workflow and status; durations adding up for 30 s, 90 s,
# 3분 and 10분; bad options (a duration text it cannot read) 422; the
# frameworks with one default per user; planning.step.completed; the PDF
# read back with poppler-utils (pdfinfo, pdftotext, pdffonts); 20 parallel
# requests on every write path.
use strict;
use warnings;
use utf8;
use Test::More;
use Encode ();
use File::Temp ();
use VP;

binmode(Test::More->builder->$_, ':encoding(UTF-8)') for qw(output failure_output todo_output);

my $tag = sprintf '%x%x', $$, time;
my $N = 20;
my %U = map { $_ => new_user() } qw(owner editor viewer outsider crowd);
my $P = new_project($U{owner}, "Planning $tag");
api($U{owner}, POST => "/projects/$P/members", { user_id => $U{$_}{id}, role => $_ })
    for qw(editor viewer);
my $BRIEF = '제주 감귤 농장의 겨울 수확을 담은 브랜드 영상. 감귤 농부의 새벽 수확과 감귤 주스가 되는 과정을 보여 주세요.';

sub mkplan { my ($who, $body) = @_; return call($U{$who}, POST => '/plannings', $body) }
sub plan_ok {
    my ($who, $body) = @_;
    my $r = mkplan($who, $body);
    die "create: $r->{status} $r->{body}\n" unless $r->{status} == 201;
    return $r->{json}{data};
}
sub sum { my $s = 0; $s += $_ for @_; $s }
sub adds_up {
    my ($p, $total) = @_;
    return 0 unless sum(map { $_->{duration_s} } @{ $p->{scenes} }) == $total;
    for my $sc (@{ $p->{scenes} }) {
        my @sh = grep { $_->{scene_index} == $sc->{index} } @{ $p->{shots} };
        return 0 unless @sh && sum(map { $_->{duration_s} } @sh) == $sc->{duration_s};
    }
    return @{ $p->{storyboard} } == @{ $p->{shots} };
}

subtest 'a personal plan: created, steps in order, read back' => sub {
    my $r = mkplan(owner => { title => '감귤 이야기', planning_text => $BRIEF,
                            options => { tone => 'warm', duration => '1분 30초' } });
    envelope_ok($r, 201, 'POST /plannings');
    my $p = $r->{json}{data};
    is($p->{options}{duration}, 90, '"1분 30초" is 90 s');
    is_deeply($p->{steps_done}, [], 'no step done');
    is($p->{project_id}, undef, 'no project');
    error_ok(call($U{owner}, POST => "/plannings/$p->{id}/scenes"), 409, 'step_out_of_order',
             'scenes before the story: 409');
    error_ok(call($U{owner}, POST => "/plannings/$p->{id}/storyboard"), 409, 'step_out_of_order',
             'storyboard before the shots: 409');
    my $s = call($U{owner}, POST => "/plannings/$p->{id}/story");
    envelope_ok($s, 200, 'story');
    like($s->{json}{data}{story}{intro}, qr/감귤/, "the brief's key phrase is in the story");
    is($s->{json}{data}{sources}{story}, 'builtin', 'source: builtin');
    envelope_ok(call($U{owner}, POST => "/plannings/$p->{id}/$_"), 200, $_) for qw(scenes shots storyboard);
    my $g = call($U{owner}, GET => "/plannings/$p->{id}");
    envelope_ok($g, 200, 'GET it');
    is_deeply($g->{json}{data}{steps_done}, [qw(story scenes shots storyboard)], 'every step done');
    ok(adds_up($g->{json}{data}, 90), 'scenes add up to 90 s, shots to their scenes');
    my $st = call($U{owner}, GET => "/plannings/$p->{id}/status");
    envelope_ok($st, 200, 'status');
    ok($st->{json}{data}{pdf_ready} && !defined $st->{json}{data}{next_step}, 'status: all done');
    error_ok(call($U{outsider}, GET => "/plannings/$p->{id}"), 404, 'not_found', "another user's plan is 404");
    error_ok(call($U{outsider}, POST => "/plannings/$p->{id}/story"), 404, 'not_found', "another user's plan: no step");
    error_ok(call($U{outsider}, PATCH => "/plannings/$p->{id}", { title => 'x' }), 404, 'not_found', 'no PATCH');
    error_ok(call($U{outsider}, GET => "/plannings/$p->{id}/pdf"), 404, 'not_found', 'no PDF');
    error_ok(call($U{outsider}, DELETE => "/plannings/$p->{id}"), 404, 'not_found', 'no DELETE');
    error_ok(call($U{owner}, GET => '/plannings/' . uuid4()), 404, 'not_found', 'an unknown id is 404');
    error_ok(call($U{owner}, GET => '/plannings/nope'), 404, 'not_found', 'not a UUID is 404');
};

subtest 'bad input is a clear 4xx' => sub {
    my %ok = (title => 't', planning_text => 'b');
    error_ok(mkplan(owner => { %ok, options => { duration => '3 parsecs' } }), 422, undef,
             'a duration text it cannot read: 422');
    my $r = mkplan(owner => { %ok, options => { duration => '세 시간쯤' } });
    ok($r->{json}{error}{details}{'options.duration'}, 'the details name options.duration');
    error_ok(mkplan(owner => { %ok, options => { duration => 2 } }), 422, undef, '2 s: 422');
    error_ok(mkplan(owner => { %ok, options => { tone => 'grumpy' } }), 422, undef, 'unknown tone: 422');
    error_ok(mkplan(owner => { %ok, options => { intensity => 2 } }), 422, undef, 'intensity 2: 422');
    error_ok(mkplan(owner => { %ok, options => { colour => 'red' } }), 422, undef, 'unknown option: 422');
    error_ok(mkplan(owner => { %ok, options => 'x' }), 400, undef, 'options not an object: 400 (a wrong type)');
    error_ok(mkplan(owner => { planning_text => 'b' }), 422, undef, 'no title');
    error_ok(mkplan(owner => { %ok, surprise => 1 }), 400, undef, 'an unknown field: 400');
    error_ok(mkplan(outsider => { %ok, project_id => $P }), 422, undef, 'a project the caller is not in: 422');
    error_ok(mkplan(viewer => { %ok, project_id => $P }), 403, 'forbidden', 'a viewer adds no plan: 403');
    error_ok(mkplan(owner => { %ok, framework_id => uuid4() }), 422, undef, 'an unknown framework: 422');
    my $p = plan_ok(owner => { %ok });
    api($U{owner}, POST => "/plannings/$p->{id}/story");
    api($U{owner}, POST => "/plannings/$p->{id}/scenes");
    my $scenes = api($U{owner}, GET => "/plannings/$p->{id}")->{scenes};
    $scenes->[0]{duration_s} += 5;
    error_ok(call($U{owner}, PATCH => "/plannings/$p->{id}", { scenes => $scenes }), 422, undef,
             'scenes not adding up to the duration: 422');
    error_ok(call($U{owner}, PATCH => "/plannings/$p->{id}", { story => { intro => 'only' } }), 422, undef,
             'a partial story: 422');
    error_ok(call($U{owner}, PATCH => "/plannings/$p->{id}", { storyboard => [] }), 409, 'step_out_of_order',
             'a storyboard before the shots: 409');
};

subtest 'durations add up: 30 s, 90 s, 3분, 10분' => sub {
    for ([30, 30], [90, 90], ['3분', 180], ['10분', 600]) {
        my ($d, $s) = @$_;
        my $r = call($U{owner}, POST => '/plannings/workflow',
                     { title => "길이 $d", planning_text => $BRIEF, options => { duration => $d } });
        envelope_ok($r, 201, "workflow $d");
        ok(adds_up($r->{json}{data}, $s), "$d: scenes add up to $s s, shots to each scene");
    }
};

subtest 'PATCH edits a step and clears the later ones' => sub {
    my $p = call($U{owner}, POST => '/plannings/workflow',
                 { title => '편집', planning_text => $BRIEF })->{json}{data};
    my $story = { %{ $p->{story} }, turn => '편집한 전환: 감귤밭에 눈이 내린다.' };
    my $r = call($U{owner}, PATCH => "/plannings/$p->{id}", { story => $story });
    envelope_ok($r, 200, 'PATCH story');
    is_deeply($r->{json}{data}{steps_done}, ['story'], 'scenes, shots and storyboard cleared');
    is($r->{json}{data}{sources}{story}, 'edited', 'source: edited');
    my $sc = api($U{owner}, POST => "/plannings/$p->{id}/scenes");
    ok(grep({ $_->{summary} =~ /감귤밭에 눈이/ } @{ $sc->{scenes} }), 'the scenes follow the edited story');
    api($U{owner}, POST => "/plannings/$p->{id}/shots");
    $r = call($U{owner}, PATCH => "/plannings/$p->{id}", { title => '새 제목' });
    is_deeply($r->{json}{data}{steps_done}, [qw(story scenes shots)], 'a title change clears nothing');
    $r = call($U{owner}, PATCH => "/plannings/$p->{id}", { options => { tone => 'serious' } });
    is_deeply($r->{json}{data}{steps_done}, [], 'an options change clears every step');
    is($r->{json}{data}{options}{tone}, 'serious', 'the new tone');
    like(api($U{owner}, POST => "/plannings/$p->{id}/story")->{story}{intro}, qr/진지한/,
         'the story follows the new tone');
};

subtest 'options change the output' => sub {
    my %base = (title => '옵션', planning_text => $BRIEF);
    my $a = api($U{owner}, POST => '/plannings/workflow', { %base, options => {} });
    my $b = api($U{owner}, POST => '/plannings/workflow', { %base, options => {} });
    is_deeply([@$b{qw(story scenes shots storyboard)}], [@$a{qw(story scenes shots storyboard)}],
              'the same input, the same plan');
    my $c = api($U{owner}, POST => '/plannings/workflow', { %base, options => { intensity => 0.95 } });
    like($c->{story}{development}, qr/극적인 위기/, 'intensity raises the conflict');
    ok(@{ $c->{shots} } > @{ $a->{shots} }, 'and cuts faster');
    my $d = api($U{owner}, POST => '/plannings/workflow', { %base, options => { purpose => 'education' } });
    like($d->{story}{conclusion}, qr/배운 내용/, 'purpose: education recaps');
};

subtest 'frameworks: CRUD, one default, the beats drive the story' => sub {
    my $f1 = call($U{owner}, POST => '/planning-frameworks',
                  { name => '숏폼 공식', intro_hook => '첫 5초에 결과부터', immersion => '빠른 컷으로 과정',
                    twist => '실패 장면 공개', hook_next => '다음 편은 봄 감귤꽃', is_default => JSON::PP::true });
    envelope_ok($f1, 201, 'POST /planning-frameworks');
    my $f2 = api($U{owner}, POST => '/planning-frameworks', { name => '두 번째', is_default => JSON::PP::true });
    ok(!api($U{owner}, GET => "/planning-frameworks/$f1->{json}{data}{id}")->{is_default},
       'a new default unsets the old one');
    my $list = api($U{owner}, GET => '/planning-frameworks');
    is(scalar(grep { $_->{is_default} } @{ $list->{results} }), 1, 'one default');
    api($U{owner}, PATCH => "/planning-frameworks/$f1->{json}{data}{id}", { is_default => JSON::PP::true });
    ok(!api($U{owner}, GET => "/planning-frameworks/$f2->{id}")->{is_default}, 'PATCH moves the default');
    error_ok(call($U{outsider}, GET => "/planning-frameworks/$f2->{id}"), 404, 'not_found',
             "another user's framework is 404");
    error_ok(call($U{outsider}, PATCH => "/planning-frameworks/$f2->{id}", { name => 'x' }), 404, 'not_found',
             "another user's framework: no PATCH");
    error_ok(call($U{owner}, POST => '/planning-frameworks', { name => '' }), 422, undef, 'an empty name: 422');
    # a plan naming none takes the default
    my $p = api($U{owner}, POST => '/plannings/workflow', { title => '틀', planning_text => $BRIEF });
    is($p->{framework_id}, $f1->{json}{data}{id}, 'the default framework is named');
    like($p->{story}{intro}, qr/^\[훅\] 첫 5초: 첫 5초에 결과부터/, 'the hook leads the intro');
    like($p->{story}{turn}, qr/\[반전\] 실패 장면 공개/, 'the twist leads the turn');
    like($p->{story}{conclusion}, qr/\[떡밥\].*봄 감귤꽃/, 'the teaser ends it');
    $p = api($U{owner}, POST => '/plannings/workflow', { title => '틀 없음', planning_text => $BRIEF,
                                                       framework_id => undef });
    unlike($p->{story}{intro}, qr/\[훅\]/, 'framework_id null: no beats');
    envelope_ok(call($U{owner}, DELETE => "/planning-frameworks/$f2->{id}"), 200, 'DELETE a framework');
    error_ok(call($U{owner}, GET => "/planning-frameworks/$f2->{id}"), 404, 'not_found', 'gone');
};

subtest "a project's plan: members read, editors write, events" => sub {
    my $p = plan_ok(editor => { title => '프로젝트 기획', planning_text => $BRIEF, project_id => $P });
    is($p->{project_id}, $P, 'linked to the project');
    my $before = psql("SELECT coalesce(max(id), 0) FROM events WHERE project_id = '$P'");
    envelope_ok(call($U{viewer}, GET => "/plannings/$p->{id}"), 200, 'a viewer reads it');
    ok(grep({ $_->{id} eq $p->{id} } @{ api($U{viewer}, GET => "/plannings?project_id=$P")->{results} }),
       'listed for a member under project_id');
    error_ok(call($U{viewer}, POST => "/plannings/$p->{id}/story"), 403, 'forbidden', 'a viewer makes no step');
    error_ok(call($U{viewer}, PATCH => "/plannings/$p->{id}", { title => 'x' }), 403, 'forbidden',
             'a viewer edits nothing');
    envelope_ok(call($U{owner}, POST => "/plannings/$p->{id}/story"), 200, "the project's owner makes a step");
    envelope_ok(call($U{editor}, POST => "/plannings/$p->{id}/$_"), 200, "the editor: $_") for qw(scenes shots storyboard);
    my $ev = events_after($P, $before);
    is_deeply([map { $_->{payload}{step} } grep { $_->{type} eq 'planning.step.completed' } @$ev],
              [qw(story scenes shots storyboard)], 'planning.step.completed for each step, in order');
    is($ev->[0]{payload}{source}, 'builtin', 'the event says its source');
    error_ok(call($U{outsider}, GET => "/plannings/$p->{id}"), 404, 'not_found', 'a non-member: 404');
    my $mine = api($U{outsider}, GET => '/plannings');
    ok(!grep({ $_->{id} eq $p->{id} } @{ $mine->{results} }), "not in a non-member's list");
};

subtest 'the list: paginated, fields' => sub {
    my $u = new_user();
    call($u, POST => '/plannings', { title => "p$_", planning_text => 'b' }) for 1 .. 3;
    my $l = api($u, GET => '/plannings?page_size=2&fields=id,title');
    is($l->{count}, 3, 'count 3');
    is(scalar @{ $l->{results} }, 2, 'a page of 2');
    is_deeply([sort keys %{ $l->{results}[0] }], [qw(id title)], '?fields= keeps id and title');
    ok($l->{page_info}{has_next}, 'a next page');
    error_ok(call($u, GET => '/plannings?project_id=nope'), 422, undef, 'project_id not a UUID: 422');
};

subtest 'the PDF' => sub {
    my $p = api($U{owner}, POST => '/plannings/workflow',
                { title => '감귤 스토리보드', planning_text => $BRIEF,
                  options => { duration => 90, genre => 'drama' } });
    my $r = call($U{owner}, GET => "/plannings/$p->{id}/pdf");
    is($r->{status}, 200, 'GET /pdf');
    like($r->{headers}{'content-type'}, qr{^application/pdf}, 'application/pdf');
    like($r->{headers}{'content-disposition'} // '', qr/attachment/, 'an attachment');
    like(Encode::decode('UTF-8', $r->{headers}{'content-disposition'} // ''), qr/\.pdf/, 'named .pdf');
    my $dir = File::Temp->newdir;
    open my $fh, '>:raw', "$dir/p.pdf" or die;
    print $fh $r->{body};
    close $fh;
    my ($pages) = `pdfinfo $dir/p.pdf` =~ /^Pages:\s+(\d+)/m;
    is($pages, 1 + @{ $p->{scenes} }, 'pdfinfo: a title page and a page per scene');
    my $text = Encode::decode('UTF-8', scalar `pdftotext -layout $dir/p.pdf -`);
    like($text, qr/감귤 스토리보드/, 'pdftotext: the Korean title');
    my ($word) = $p->{shots}[0]{description} =~ /^(\S+)/;
    like($text, qr/\Q$word\E/, "pdftotext: a shot description's words ($word)");
    like($text, qr{\b1\s*/\s*$pages\b}, "page numbers (1 / $pages)");
    like(scalar `pdffonts $dir/p.pdf`, qr/Nanum\S*\s.*\byes\b/, 'pdffonts: the Korean font embedded');
    my $q = plan_ok(owner => { title => '미완', planning_text => 'b' });
    error_ok(call($U{owner}, GET => "/plannings/$q->{id}/pdf"), 409, 'step_out_of_order',
             'no storyboard yet: 409');
};

subtest "$N parallel requests on every write path" => sub {
    my $u = $U{crowd};
    my @res = parallel($N, sub { call($u, POST => '/plannings', { title => "c$_[0]", planning_text => $BRIEF }) });
    is(scalar(grep { $_->{status} == 201 } @res), $N, "$N creates: 201");
    my @ids = map { $_->{json}{data}{id} } @res;
    is(psql("SELECT count(*) FROM plannings WHERE owner_id = '$u->{id}'") + 0, $N, "$N rows");
    my $id = $ids[0];
    @res = parallel($N, sub { call($u, POST => "/plannings/$id/story") });
    is(scalar(grep { $_->{status} == 200 } @res), $N, "$N story steps at once: 200");
    @res = parallel($N, sub { call($u, POST => "/plannings/$id/" . ($_[0] % 2 ? 'scenes' : 'story')) });
    ok(!grep({ $_->{status} >= 500 || ($_->{status} != 200 && $_->{status} != 409) } @res),
       'story and scenes at once: 200 or 409, no 500');
    @res = parallel($N, sub { call($u, PATCH => "/plannings/$id", { title => "t$_[0]" }) });
    is(scalar(grep { $_->{status} == 200 } @res), $N, "$N PATCHes: 200");
    my $t = api($u, GET => "/plannings/$id")->{title};
    ok(grep({ $_->{json}{data}{title} eq $t } @res), 'the last PATCH is the title');
    @res = parallel($N, sub { call($u, POST => '/plannings/workflow', { title => "w$_[0]", planning_text => $BRIEF }) });
    is(scalar(grep { $_->{status} == 201 } @res), $N, "$N workflows: 201");
    @res = parallel($N, sub { call($u, POST => '/planning-frameworks', { name => "f$_[0]", is_default => JSON::PP::true }) });
    is(scalar(grep { $_->{status} == 201 } @res), $N, "$N default frameworks at once: 201");
    is(psql("SELECT count(*) FROM planning_frameworks WHERE owner_id = '$u->{id}' AND is_default") + 0, 1,
       'one default left');
    my @fw = map { $_->{json}{data}{id} } @res;
    @res = parallel($N, sub { call($u, PATCH => "/planning-frameworks/$fw[$_[0] - 1]", { is_default => JSON::PP::true }) });
    is(scalar(grep { $_->{status} == 200 } @res), $N, "$N default moves at once: 200");
    is(psql("SELECT count(*) FROM planning_frameworks WHERE owner_id = '$u->{id}' AND is_default") + 0, 1,
       'still one default');
    @res = parallel($N, sub { call($u, DELETE => "/planning-frameworks/$fw[$_[0] - 1]") });
    is(scalar(grep { $_->{status} == 200 } @res), $N, "$N framework deletes: 200");
    @res = parallel($N, sub { call($u, DELETE => "/plannings/$id") });
    is(scalar(grep { $_->{status} == 200 } @res), 1, 'one DELETE of a plan wins');
    is(scalar(grep { $_->{status} == 404 } @res), $N - 1, 'the others: 404');
    my $key = "k$tag";
    @res = parallel($N, sub { http(POST => '/api/v1/plannings', json => { title => 'idem', planning_text => 'b' },
                                   headers => { authorization => "Bearer $u->{access}", 'idempotency-key' => $key }) });
    ok(!grep({ $_->{status} != 201 && $_->{status} != 409 } @res), 'the same Idempotency-Key: 201 (or 409 while the first runs)');
    my %seen = map { $_->{json}{data}{id} => 1 } grep { $_->{status} == 201 } @res;
    is(scalar keys %seen, 1, 'one plan made for one key');
};

done_testing();
