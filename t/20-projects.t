# Projects (spec section 4; README "Projects", "Project decisions"):
# create with defaults and a schedule, validation, read, update, the list
# with its filters, search, orderings and pages, 404 for non-members, soft
# delete and restore within 30 days, ownership transfer, stats.
use strict;
use warnings;
use Test::More;
use JSON::PP;
use Time::Local qw(timegm);
use VP;

my $tag = sprintf '%x%x', $$, time;

sub rfc3339_epoch {
    my ($t) = @_;
    my ($y, $mo, $d, $h, $mi, $s) = $t =~ /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.\d+)?Z$/
        or return undef;
    return timegm($s, $mi, $h, $d, $mo - 1, $y);
}

my $alice = new_user();
my $bob = new_user();
my $carol = new_user();
my $dave = new_user();
my ($p, $before, $clash);   # of one case and the next

# ---- create ----
subtest 'a project created with only a name gets the defaults, its caller the owner' => sub {
    my $r = call($alice, POST => '/projects', { name => "Alpha $tag" });
    envelope_ok($r, 201, 'create a project with only a name');
    $p = $r->{json}{data};
    like($p->{id}, qr/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'id is a UUID');
    is_deeply([sort keys %$p],
              [sort qw(id name manager consumer description color tone_manner genre concept owner
                       status progress start_date end_date actual_end_date archived created_at
                       updated_at member_count my_role)], 'the fields of a project');
    is($p->{name}, "Alpha $tag", 'name');
    is($p->{owner}{id}, $alice->{id}, 'the caller is the owner');
    is($p->{owner}{nickname}, $alice->{nickname}, 'owner nickname');
    is($p->{my_role}, 'owner', 'my_role owner');
    is($p->{member_count}, 1, 'member_count 1');
    is($p->{color}, '#1631F8', 'default color');
    is($p->{status}, 'planning', 'default status');
    is($p->{progress}, 0, 'default progress');
    ok(JSON::PP::is_bool($p->{archived}) && !$p->{archived}, 'not archived');
    is($p->{manager}, '', 'manager defaults to empty');
    ok(!defined $p->{start_date} && !defined $p->{end_date} && !defined $p->{tone_manner},
       'optional fields are null');
    like($p->{created_at}, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/, 'created_at RFC 3339');
    is(psql("SELECT role FROM project_members WHERE project_id = '$p->{id}' AND user_id = '$alice->{id}'"),
       'owner', 'owner membership row');
};

subtest 'a project created with every field and a process gets its schedule' => sub {
    my %full = (name => "Full $tag", manager => 'Kim', consumer => 'Acme', description => "d\x{e9}sc",
                color => '#abcdef', tone_manner => 'warm', genre => 'documentary', concept => 'c',
                status => 'in_progress', progress => 40, start_date => '2026-03-01',
                end_date => '2026-04-30',
                process => [{ key => 'basic_plan', startDate => '2026-03-01', endDate => '2026-03-05' },
                            { key => 'filming', startDate => '2026-03-10', endDate => '2026-03-12' },
                            { key => 'video_delivery', startDate => '2026-04-30', endDate => undef }]);
    my $r = call($alice, POST => '/projects', \%full);
    envelope_ok($r, 201, 'create with every field and a process');
    my $full = $r->{json}{data};
    is($full->{$_}, $full{$_}, "$_ kept") for qw(manager consumer description color tone_manner genre
                                               concept status progress start_date end_date);
    $r = call($alice, GET => "/projects/$full->{id}/schedule");
    envelope_ok($r, 200, 'its schedule');
    my %ph = map { $_->{phase} => $_ } @{ $r->{json}{data}{phases} };
    is_deeply([@{ $ph{basic_plan} }{qw(start_date end_date)}], ['2026-03-01', '2026-03-05'],
              'process sets basic_plan');
    is_deeply([@{ $ph{filming} }{qw(start_date end_date)}], ['2026-03-10', '2026-03-12'],
              'process sets filming');
    is_deeply([@{ $ph{video_delivery} }{qw(start_date end_date)}], ['2026-04-30', undef],
              'process with a null endDate');
    ok(!defined $ph{story_board}{start_date}, 'phases not in process stay empty');
};

subtest 'an invalid process is refused and creates nothing' => sub {
    $before = psql("SELECT count(*) FROM projects WHERE owner_id = '$alice->{id}'");
    my $r = call($alice, POST => '/projects', { name => "Twice $tag",
              process => [{ key => 'filming' }, { key => 'video_edit' }, { key => 'filming' }] });
    error_ok($r, 422, 'validation_failed', 'process naming a phase twice is 422');
    ok($r->{json}{error}{details}{process}, '... on process');
    $r = call($alice, POST => '/projects', { name => "Unknown $tag", process => [{ key => 'editing' }] });
    error_ok($r, 422, 'validation_failed', 'unknown process key is 422');
    ok(grep(/^process/, keys %{ $r->{json}{error}{details} }), '... on process');
    $r = call($alice, POST => '/projects', { name => "Extra $tag", process => [{ key => 'filming', x => 1 }] });
    error_ok($r, 400, 'bad_request', 'an unknown field in a process item is 400');
    $r = call($alice, POST => '/projects', { name => "Backwards $tag",
              process => [{ key => 'filming', startDate => '2026-03-10', endDate => '2026-03-01' }] });
    error_ok($r, 422, 'validation_failed', 'a process phase ending before it starts is 422');
    ok($r->{json}{error}{details}{end_date}, '... on end_date');
    is(psql("SELECT count(*) FROM projects WHERE owner_id = '$alice->{id}'"), $before,
       'no project was created by the refused requests (the transaction rolled back)');
};

# ---- validation ----
subtest 'an invalid project is refused and creates nothing' => sub {
    my $r;
    my @invalid = (
        [{}, 'name', 'name missing'],
        [{ name => '' }, 'name', 'empty name'],
        [{ name => 'x' x 101 }, 'name', 'name of 101 characters'],
        [{ name => " Lead $tag" }, 'name', 'name with a leading space'],
        [{ name => "Trail $tag " }, 'name', 'name with a trailing space'],
        [{ name => "Tab\t$tag" }, 'name', 'name with a control character'],
        [{ name => undef }, 'name', 'null name'],
        [{ name => "P $tag", progress => 101 }, 'progress', 'progress 101'],
        [{ name => "P $tag", progress => -1 }, 'progress', 'progress -1'],
        [{ name => "P $tag", status => 'done' }, 'status', 'status outside the enum'],
        [{ name => "P $tag", color => 'red' }, 'color', 'color red'],
        [{ name => "P $tag", color => '#12345' }, 'color', 'color of five digits'],
        [{ name => "P $tag", color => '#GGGGGG' }, 'color', 'color not hex'],
        [{ name => "P $tag", start_date => '2026-02-30' }, 'start_date', 'date 2026-02-30'],
        [{ name => "P $tag", end_date => '2026/01/01' }, 'end_date', 'date with slashes'],
        [{ name => "P $tag", start_date => '2026-05-01', end_date => '2026-04-01' }, 'end_date',
         'end_date before start_date'],
        [{ name => "P $tag", manager => 'm' x 51 }, 'manager', 'manager of 51 characters'],
        [{ name => "P $tag", description => 'd' x 5001 }, 'description', 'description of 5001'],
    );
    for (@invalid) {
        my ($body, $field, $name) = @$_;
        $r = call($alice, POST => '/projects', $body);
        error_ok($r, 422, 'validation_failed', "$name: 422");
        ok($r->{json}{error}{details}{$field}, "$name: details name $field")
            or diag($r->{body});
    }
    for ([{ name => "P $tag", foo => 1 }, 'foo', 'an unknown field'],
         [{ name => "P $tag", progress => '50' }, 'progress', 'progress as a string'],
         [{ name => 42 }, 'name', 'name as a number']) {
        my ($body, $field, $name) = @$_;
        $r = call($alice, POST => '/projects', $body);
        error_ok($r, 400, 'bad_request', "$name: 400");
        ok($r->{json}{error}{details}{$field}, "$name: details name $field");
    }
    is(psql("SELECT count(*) FROM projects WHERE owner_id = '$alice->{id}'"), $before,
       'nothing was created by the invalid requests');
};

subtest 'a name of 100 characters and a one-day project are fine' => sub {
    my $r = call($alice, POST => '/projects', { name => 'y' x 99 . 'Z' });
    envelope_ok($r, 201, 'a name of 100 characters');
    $r = call($alice, POST => '/projects', { name => "\x{ac00}" x 100 });
    envelope_ok($r, 201, 'a name of 100 Hangul characters (length in characters, not bytes)');
    $r = call($alice, POST => '/projects', { name => "Sameday $tag", start_date => '2026-06-01',
                                             end_date => '2026-06-01' });
    envelope_ok($r, 201, 'end_date equal to start_date');
};

subtest 'a name is unique per owner in any letter case' => sub {
    my $r = call($alice, POST => '/projects', { name => uc "Alpha $tag" });
    error_ok($r, 409, 'conflict', 'the same name in another letter case for the same owner: 409');
    ok($r->{json}{error}{details}{name}, '... on name');
    $r = call($bob, POST => '/projects', { name => "Alpha $tag" });
    envelope_ok($r, 201, 'the same name by another owner');
    my $bobs = $r->{json}{data};
};

# ---- read ----
subtest 'read returns what create returned, the id in any case' => sub {
    my $r = call($alice, GET => "/projects/$p->{id}");
    envelope_ok($r, 200, 'read');
    is_deeply($r->{json}{data}, $p, 'read returns what create returned');
    $r = call($alice, GET => "/projects/" . uc $p->{id});
    envelope_ok($r, 200, 'the id in upper case');
    $r = call($alice, GET => "/projects/$p->{id}/");
    envelope_ok($r, 200, 'with a trailing slash');
};

# ---- members for the role checks (t/21-members.t tests them in depth) ----
subtest 'members join for the role checks' => sub {
    my $r = call($alice, POST => "/projects/$p->{id}/members", { user_id => $bob->{id}, role => 'admin' });
    envelope_ok($r, 201, 'bob joins as admin');
    $r = call($alice, POST => "/projects/$p->{id}/members", { user_id => $carol->{id}, role => 'editor' });
    envelope_ok($r, 201, 'carol joins as editor');
    $r = call($bob, GET => "/projects/$p->{id}");
    is($r->{json}{data}{my_role}, 'admin', 'my_role of an admin');
    is($r->{json}{data}{member_count}, 3, 'member_count 3');
};

# ---- update ----
subtest 'the owner and an admin update, an editor may not' => sub {
    my $r = call($alice, PATCH => "/projects/$p->{id}",
              { description => 'new', status => 'review', progress => 55, start_date => '2026-03-01',
                end_date => '2026-03-31' });
    envelope_ok($r, 200, 'the owner updates');
    my $u = $r->{json}{data};
    is_deeply([@$u{qw(description status progress start_date end_date name color)}],
              ['new', 'review', 55, '2026-03-01', '2026-03-31', "Alpha $tag", '#1631F8'],
              'the given fields change, the others stay');
    ok(rfc3339_epoch($u->{updated_at}) >= rfc3339_epoch($p->{updated_at}), 'updated_at moves on');
    is($u->{my_role}, 'owner', 'my_role in the answer');

    $r = call($bob, PATCH => "/projects/$p->{id}",
              { archived => JSON::PP::true, actual_end_date => '2026-04-02', tone_manner => undef });
    envelope_ok($r, 200, 'an admin updates archived and actual_end_date');
    ok($r->{json}{data}{archived}, 'archived');
    is($r->{json}{data}{actual_end_date}, '2026-04-02', 'actual_end_date');
    is($r->{json}{data}{my_role}, 'admin', 'my_role of the admin');
    $r = call($bob, PATCH => "/projects/$p->{id}", { archived => JSON::PP::false, actual_end_date => undef });
    envelope_ok($r, 200, 'unarchive, clear actual_end_date');
    ok(!$r->{json}{data}{archived} && !defined $r->{json}{data}{actual_end_date}, '... both back');

    $r = call($carol, PATCH => "/projects/$p->{id}", { description => 'editor' });
    error_ok($r, 403, 'forbidden', 'an editor may not update the project');
};

subtest 'an update is checked against the stored dates and names' => sub {
    my $r = call($alice, PATCH => "/projects/$p->{id}", { end_date => '2026-02-01' });
    error_ok($r, 422, 'validation_failed', 'PATCH only end_date before the start_date: 422');
    ok($r->{json}{error}{details}{end_date}, '... on end_date');
    $r = call($alice, PATCH => "/projects/$p->{id}", { start_date => '2026-05-01' });
    error_ok($r, 422, 'validation_failed', 'PATCH only start_date after the end_date: 422');
    ok($r->{json}{error}{details}{end_date}, '... on end_date');
    $r = call($alice, GET => "/projects/$p->{id}");
    is_deeply([@{ $r->{json}{data} }{qw(start_date end_date)}], ['2026-03-01', '2026-03-31'],
              'the refused changes left the dates alone');
    $r = call($alice, PATCH => "/projects/$p->{id}", { progress => 101 });
    error_ok($r, 422, 'validation_failed', 'PATCH progress 101');
    $r = call($alice, PATCH => "/projects/$p->{id}", { color => undef });
    error_ok($r, 422, 'validation_failed', 'PATCH color null (not nullable)');
    $r = call($alice, PATCH => "/projects/$p->{id}", { name => "Alpha $tag " });
    error_ok($r, 422, 'validation_failed', 'PATCH name with a trailing space');
    $r = call($alice, PATCH => "/projects/$p->{id}", { owner => $bob->{id} });
    error_ok($r, 400, 'bad_request', 'PATCH an unknown (or read-only) field: 400');
    $r = call($alice, PATCH => "/projects/$p->{id}", { archived => 'yes' });
    error_ok($r, 400, 'bad_request', 'PATCH archived as a string: 400');
    $r = call($alice, PATCH => "/projects/$p->{id}", { name => lc "Full $tag" });
    error_ok($r, 409, 'conflict', 'PATCH to the name of another of the owner\'s projects: 409');
    $r = call($alice, PATCH => "/projects/$p->{id}", { name => uc "Alpha $tag" });
    envelope_ok($r, 200, 'PATCH to its own name in other letters');
    $r = call($alice, PATCH => "/projects/$p->{id}", { name => "Alpha $tag", start_date => undef,
                                                       end_date => undef });
    envelope_ok($r, 200, 'PATCH clears the dates');
    ok(!defined $r->{json}{data}{start_date}, '... cleared');
};

# ---- 404 for whoever is not a member ----
my $pid = $p->{id};
subtest 'a non-member gets 404 everywhere and changes nothing' => sub {
    my $r;
    for (['GET', ''], ['PATCH', '', { description => 'x' }], ['DELETE', ''],
         ['GET', '/members'], ['POST', '/members', { user_id => $dave->{id}, role => 'viewer' }],
         ['PATCH', "/members/$alice->{id}", { role => 'viewer' }], ['DELETE', "/members/$alice->{id}"],
         ['GET', '/schedule'], ['PUT', '/schedule', { phases => [{ phase => 'filming', progress => 1 }] }],
         ['GET', '/memos'], ['POST', '/memos', { date => '2026-01-01', memo => 'x' }],
         ['GET', '/stats'], ['GET', '/events'], ['POST', '/transfer', { user_id => $dave->{id} }],
         ['POST', '/restore']) {
        my ($m, $sub, $body) = @$_;
        $r = call($dave, $m => "/projects/$pid$sub", $body);
        error_ok($r, 404, 'not_found', "a non-member: $m /projects/{id}$sub is 404");
    }
    is(psql("SELECT count(*) FROM project_members WHERE project_id = '$pid'"), 3,
       'the non-member changed nothing');
};
subtest 'an id of no project is 404' => sub {
    my $r;
    my $random = uuid4();
    for (['GET', $random], ['PATCH', $random], ['DELETE', $random], ['GET', "$random/members"],
         ['GET', 'not-a-uuid'], ['GET', 'not-a-uuid/schedule'], ['PATCH', 'not-a-uuid'],
         ['GET', '%27%20OR%201%3D1%20--'], ['POST', "$random/restore"], ['POST', 'x/restore']) {
        my ($m, $id) = @$_;
        $r = call($alice, $m => "/projects/$id", $m eq 'PATCH' ? { description => 'x' } : undef);
        error_ok($r, 404, 'not_found', "$m /projects/$id is 404");
    }
};
subtest 'without a token it is 401' => sub {
    my $r = http(GET => "/api/v1/projects/$pid");
    error_ok($r, 401, 'authentication_required', 'no token: 401');
    $r = http(GET => '/api/v1/projects');
    error_ok($r, 401, 'authentication_required', 'the list without a token: 401');
};

# ---- the list ----
my $lister = new_user();
my %lp;   # short name => project
for ([alpha => { name => "Alpha 100%", progress => 10, start_date => '2026-01-10',
                 end_date => '2026-02-01' }],
     [beta  => { name => 'beta_x', progress => 50, status => 'in_progress',
                 start_date => '2026-03-01', end_date => '2026-03-20' }],
     [gamma => { name => 'Gamma', progress => 90, status => 'review', manager => 'Kim',
                 start_date => '2026-02-01', end_date => '2026-06-30' }],
     [zeta  => { name => 'Zeta aQx', progress => 30, consumer => 'Acme Corp' }],
     [delta => { name => 'delta', progress => 70, status => 'completed',
                 start_date => '2025-12-01', end_date => '2026-01-05' }]) {
    my ($k, $body) = @$_;
    my $r = call($lister, POST => '/projects', $body);
    envelope_ok($r, 201, "list fixture $k") or BAIL_OUT('cannot create fixtures');
    $lp{$k} = $r->{json}{data};
}
my %by_id = map { $lp{$_}{id} => $_ } keys %lp;
envelope_ok(call($lister, PATCH => "/projects/$lp{delta}{id}", { archived => JSON::PP::true }), 200,
            'archive delta');
# updated_at order: gamma, alpha, zeta, beta
for (qw(gamma alpha zeta beta)) {
    envelope_ok(call($lister, PATCH => "/projects/$lp{$_}{id}", { description => "touch $_" }), 200,
                "touch $_");
}

sub names {
    my ($query) = @_;
    my $res = call($lister, GET => "/projects$query");
    return undef unless $res->{status} == 200;
    return join ' ', map { $by_id{ $_->{id} } // '?' } @{ $res->{json}{data}{results} };
}

subtest 'the list hides archived projects and filters by status' => sub {
    my $r = call($lister, GET => '/projects');
    envelope_ok($r, 200, 'the list');
    my $d = $r->{json}{data};
    is($d->{count}, 4, 'count: the archived project is hidden by default');
    is(names(''), 'beta zeta alpha gamma', 'default ordering -updated_at');
    ok(!defined $d->{next} && !defined $d->{previous}, 'one page: no next, no previous');
    is_deeply($d->{page_info}, { current_page => 1, total_pages => 1,
                                 has_next => JSON::PP::false, has_previous => JSON::PP::false },
              'page_info');
    is($d->{results}[0]{my_role}, 'owner', 'list items carry my_role');

    is(names('?archived=true'), 'delta', 'archived=true');
    is(names('?archived=false'), 'beta zeta alpha gamma', 'archived=false');
    is(names('?archived=all&ordering=name'), 'alpha beta delta gamma zeta', 'archived=all');
    $r = call($lister, GET => '/projects?archived=maybe');
    error_ok($r, 422, 'validation_failed', 'archived=maybe: 422');
    is(names('?status=planning&ordering=name'), 'alpha zeta', 'status=planning');
    is(names('?status=completed'), '', 'status=completed (archived, hidden)');
    is(names('?status=completed&archived=all'), 'delta', 'status=completed&archived=all');
    $r = call($lister, GET => '/projects?status=done');
    error_ok($r, 422, 'validation_failed', 'status=done: 422');
    ok($r->{json}{error}{details}{status}, '... on status');
};

subtest 'q searches name, manager and consumer, literally' => sub {
    is(names('?q=gAmMa'), 'gamma', 'q is case-insensitive');
    is(names('?q=ALPHA'), 'alpha', 'q in upper case');
    is(names('?q=100%25'), 'alpha', 'q with % taken literally');
    is(names('?q=%25'), 'alpha', 'q=% matches only a literal %');
    is(names('?q=_'), 'beta', 'q=_ matches only a literal _');
    is(names('?q=a_x'), 'beta', 'q=a_x: _ is no wildcard (Zeta aQx does not match)');
    is(names('?q=kim'), 'gamma', 'q matches the manager');
    is(names('?q=ACME'), 'zeta', 'q matches the consumer');
    is(names('?q=eta'), 'beta zeta', 'q matches a substring anywhere');
    is(names('?q=nothing-like-this'), '', 'q without matches');
    is(names('?q=%5C'), '', 'q=\\ (the LIKE escape character) matches nothing here');
    is(names('?q=delt&archived=all'), 'delta', 'q with archived=all');
    my $r = call($lister, GET => '/projects?q=');
    error_ok($r, 422, 'validation_failed', 'q empty: 422');
    $r = call($lister, GET => '/projects?q=' . 'x' x 101);
    error_ok($r, 422, 'validation_failed', 'q of 101 characters: 422');
};

subtest 'every ordering sorts both ways; others are 422' => sub {
    my $r;
    my %order = (
        name       => 'alpha beta gamma zeta',
        created_at => 'alpha beta gamma zeta',
        updated_at => 'gamma alpha zeta beta',
        start_date => 'alpha gamma beta zeta',
        end_date   => 'alpha beta gamma zeta',
        progress   => 'alpha zeta beta gamma',
    );
    my %desc = (start_date => 'beta gamma alpha zeta', end_date => 'gamma beta alpha zeta');
    for my $k (sort keys %order) {
        is(names("?ordering=$k"), $order{$k}, "ordering=$k");
        is(names("?ordering=-$k"), $desc{$k} // join(' ', reverse split / /, $order{$k}),
           "ordering=-$k" . ($desc{$k} ? ' (no date last)' : ''));
    }
    for ('owner', '-id', 'name,progress') {
        $r = call($lister, GET => "/projects?ordering=$_");
        error_ok($r, 422, 'validation_failed', "ordering=$_: 422");
        ok($r->{json}{error}{details}{ordering}, '... on ordering');
    }
};

# pages
subtest 'pages link to each other; bad page parameters are refused' => sub {
    my $r = call($lister, GET => '/projects?page_size=3&ordering=name');
    envelope_ok($r, 200, 'page 1 of 2');
    my $d = $r->{json}{data};
    is(scalar @{ $d->{results} }, 3, 'three results');
    is($d->{count}, 4, 'count of all');
    like($d->{next}, qr{^https?://[^/]+/api/v1/projects\?}, 'next is an absolute URL');
    like($d->{next}, qr/(^|[?&])page=2(&|$)/, 'next names page 2');
    like($d->{next}, qr/page_size=3/, 'next keeps page_size');
    like($d->{next}, qr/ordering=name/, 'next keeps ordering');
    ok(!defined $d->{previous}, 'no previous on page 1');
    is_deeply($d->{page_info}, { current_page => 1, total_pages => 2,
                                 has_next => JSON::PP::true, has_previous => JSON::PP::false },
              'page_info of page 1');
    (my $next = $d->{next}) =~ s{^https?://[^/]+/api/v1/projects}{};
    is(names($next), 'zeta', 'following next gives the rest');
    $r = call($lister, GET => '/projects?page_size=3&ordering=name&page=2');
    $d = $r->{json}{data};
    ok(!defined $d->{next}, 'no next on the last page');
    like($d->{previous}, qr/(^|[?&])page=1(&|$)/, 'previous names page 1');
    $r = call($lister, GET => '/projects?page_size=3&page=7');
    envelope_ok($r, 200, 'a page beyond the end is 200');
    $d = $r->{json}{data};
    is_deeply($d->{results}, [], '... with no results');
    is($d->{count}, 4, '... and the count');
    like($d->{previous}, qr/(^|[?&])page=2(&|$)/, '... previous points at the last page');
    ok(!defined $d->{next}, '... no next');
    envelope_ok(call($lister, GET => '/projects?page_size=100'), 200, 'page_size=100');
    envelope_ok(call($lister, GET => '/projects?page_size=1'), 200, 'page_size=1');
    for (['page_size=101', 422, 'page_size'], ['page_size=0', 422, 'page_size'],
         ['page_size=-1', 422, 'page_size'], ['page=0', 422, 'page'], ['page=abc', 400, 'page'],
         ['page_size=ten', 400, 'page_size'], ['page=1.5', 400, 'page']) {
        my ($qs, $status, $field) = @$_;
        $r = call($lister, GET => "/projects?$qs");
        error_ok($r, $status, $status == 400 ? 'bad_request' : 'validation_failed', "$qs: $status");
        ok($r->{json}{error}{details}{$field}, "... on $field");
    }
};

# fields
subtest 'fields picks the fields of each result' => sub {
    my $r = call($lister, GET => '/projects?fields=id,name&ordering=name');
    envelope_ok($r, 200, 'fields=id,name');
    is_deeply([map { join ',', sort keys %$_ } @{ $r->{json}{data}{results} }], [('id,name') x 4],
              'each result has only id and name');
    is($r->{json}{data}{results}[0]{name}, 'Alpha 100%', '... with their values');
    $r = call($lister, GET => '/projects?fields=my_role');
    is_deeply([map { $_->{my_role} } @{ $r->{json}{data}{results} }], [('owner') x 4], 'fields=my_role');
    for ('password_hash', 'id,bogus', 'deleted_at') {
        $r = call($lister, GET => "/projects?fields=$_");
        error_ok($r, 400, 'bad_request', "fields=$_: 400");
        ok($r->{json}{error}{details}{fields}, '... on fields');
    }
};

# the list holds the caller's projects only, as a member too
subtest 'the list holds the caller\'s projects only, as a member too' => sub {
    is(join(' ', sort map { $_->{id} } @{ call($carol, GET => '/projects')->{json}{data}{results} }),
       $pid, 'carol (a member) lists only the project she is a member of');
    is(call($carol, GET => '/projects')->{json}{data}{results}[0]{my_role}, 'editor',
       '... with her role');
    is(call($dave, GET => '/projects')->{json}{data}{count}, 0, 'dave sees no projects');
};

# ---- soft delete and restore ----
subtest 'the owner alone deletes a project softly, and restores it' => sub {
    my $r = call($bob, DELETE => "/projects/$pid");
    error_ok($r, 403, 'forbidden', 'an admin may not delete');
    $r = call($carol, DELETE => "/projects/$pid");
    error_ok($r, 403, 'forbidden', 'an editor may not delete');
    $r = call($alice, DELETE => "/projects/$pid");
    envelope_ok($r, 200, 'the owner deletes');
    my $d = $r->{json}{data};
    is($d->{id}, $pid, 'the deleted id');
    my ($del, $dl) = (rfc3339_epoch($d->{deleted_at}), rfc3339_epoch($d->{restore_deadline}));
    ok($del && abs($del - time) < 300, 'deleted_at is now');
    is($dl - $del, 30 * 86400, 'restore_deadline is 30 days later');
    ok(psql("SELECT deleted_at IS NOT NULL FROM projects WHERE id = '$pid'") eq 't',
       'the row stays (soft delete)');
    error_ok(call($alice, GET => "/projects/$pid"), 404, 'not_found', 'then GET is 404 for the owner');
    error_ok(call($bob, GET => "/projects/$pid"), 404, 'not_found', '... and for a member');
    error_ok(call($alice, GET => "/projects/$pid/members"), 404, 'not_found', '... subpaths too');
    error_ok(call($alice, PATCH => "/projects/$pid", { description => 'z' }), 404, 'not_found',
             'PATCH of a deleted project is 404');
    error_ok(call($alice, DELETE => "/projects/$pid"), 404, 'not_found', 'deleting again is 404');
    ok(!grep({ $_->{id} eq $pid } @{ call($alice, GET => '/projects?archived=all&page_size=100')->{json}{data}{results} }),
       'not in the list');
    error_ok(call($bob, POST => "/projects/$pid/restore"), 404, 'not_found',
             'a member who is not the owner cannot restore: 404');
    $r = call($alice, POST => "/projects/$pid/restore");
    envelope_ok($r, 200, 'the owner restores');
    is($r->{json}{data}{id}, $pid, 'the restored project');
    is($r->{json}{data}{my_role}, 'owner', '... my_role');
    is($r->{json}{data}{member_count}, 3, '... with its members');
    envelope_ok(call($bob, GET => "/projects/$pid"), 200, 'the members see it again');
    $r = call($alice, POST => "/projects/$pid/restore");
    error_ok($r, 409, 'conflict', 'restoring a live project: 409');
};

# the name of a deleted project is free; restoring it then collides
subtest 'the name of a deleted project is free; restoring it then collides' => sub {
    my $r = call($alice, POST => '/projects', { name => "Phoenix $tag" });
    my $phoenix = $r->{json}{data}{id};
    envelope_ok(call($alice, DELETE => "/projects/$phoenix"), 200, 'delete Phoenix');
    $r = call($alice, POST => '/projects', { name => lc "Phoenix $tag" });
    envelope_ok($r, 201, 'the name of a deleted project can be used again');
    $r = call($alice, POST => "/projects/$phoenix/restore");
    error_ok($r, 409, 'conflict', 'restoring when a live project took the name: 409');
    ok($r->{json}{error}{details}{name}, '... on name');
    ok(psql("SELECT deleted_at IS NOT NULL FROM projects WHERE id = '$phoenix'") eq 't',
       '... and it stays deleted');
};

# 29 and 31 days
subtest 'a project can be restored 29 days after its deletion, not 31' => sub {
    my $r;
    for ([29, 200], [31, 404]) {
        my ($days, $status) = @$_;
        $r = call($alice, POST => '/projects', { name => "Old $days $tag" });
        my $id = $r->{json}{data}{id};
        envelope_ok(call($alice, DELETE => "/projects/$id"), 200, "delete Old $days");
        psql("UPDATE projects SET deleted_at = now() - interval '$days days' WHERE id = '$id'");
        $r = call($alice, POST => "/projects/$id/restore");
        if ($status == 200) {
            envelope_ok($r, 200, "restore $days days after the delete works");
            envelope_ok(call($alice, GET => "/projects/$id"), 200, '... and it is back');
        }
        else {
            error_ok($r, 404, 'not_found', "restore $days days after the delete is 404");
            error_ok(call($alice, GET => "/projects/$id"), 404, 'not_found', '... and it stays gone');
        }
    }
};

# ---- transfer ----
subtest 'the owner transfers the project to a member' => sub {
    my $r = call($alice, POST => "/projects/$pid/transfer", { user_id => $dave->{id} });
    error_ok($r, 422, 'validation_failed', 'transfer to a non-member: 422');
    ok($r->{json}{error}{details}{user_id}, '... on user_id');
    $r = call($alice, POST => "/projects/$pid/transfer", { user_id => $alice->{id} });
    error_ok($r, 422, 'validation_failed', 'transfer to oneself: 422');
    $r = call($alice, POST => "/projects/$pid/transfer", { user_id => uc $alice->{id} });
    error_ok($r, 422, 'validation_failed', 'transfer to oneself, id in upper case: 422');
    $r = call($alice, POST => "/projects/$pid/transfer", { user_id => 'bob' });
    error_ok($r, 422, 'validation_failed', 'transfer to a non-UUID: 422');
    $r = call($alice, POST => "/projects/$pid/transfer", {});
    error_ok($r, 422, 'validation_failed', 'transfer without user_id: 422');
    $r = call($bob, POST => "/projects/$pid/transfer", { user_id => $carol->{id} });
    error_ok($r, 403, 'forbidden', 'an admin may not transfer');

    $r = call($alice, POST => "/projects/$pid/transfer", { user_id => $carol->{id} });
    envelope_ok($r, 200, 'the owner transfers to a member');
    is($r->{json}{data}{owner}{id}, $carol->{id}, 'the new owner');
    is($r->{json}{data}{my_role}, 'admin', 'my_role of the old owner is admin');
    is(call($carol, GET => "/projects/$pid")->{json}{data}{my_role}, 'owner', 'the new owner\'s my_role');
    is(call($alice, GET => "/projects/$pid")->{json}{data}{my_role}, 'admin', 'the old owner\'s my_role');
    $r = call($alice, GET => "/projects/$pid/members");
    is_deeply([map { [$_->{user}{id}, $_->{role}] } @{ $r->{json}{data}{results} }],
              [[$carol->{id}, 'owner'], [$alice->{id}, 'admin'], [$bob->{id}, 'admin']],
              '/members: the new owner first, the old owner an admin');
    is(psql("SELECT owner_id FROM projects WHERE id = '$pid'"), $carol->{id}, 'projects.owner_id');
    error_ok(call($alice, DELETE => "/projects/$pid"), 403, 'forbidden', 'the old owner may no longer delete');
    error_ok(call($alice, POST => "/projects/$pid/transfer", { user_id => $alice->{id} }), 403, 'forbidden',
             'nor transfer');
};

# a transfer to somebody who already owns a project of that name: 409, nothing changes
subtest 'a transfer to a member who owns a project of that name is 409' => sub {
    my $r = call($carol, POST => '/projects', { name => lc "Alpha $tag" });
    error_ok($r, 409, 'conflict', 'the new owner owns the name now: another project of that name is 409');
    $r = call($alice, POST => '/projects', { name => "Clash $tag" });
    $clash = $r->{json}{data}{id};
    envelope_ok(call($dave, POST => '/projects', { name => uc "Clash $tag" }), 201, 'dave owns CLASH');
    envelope_ok(call($alice, POST => "/projects/$clash/members", { user_id => $dave->{id}, role => 'viewer' }),
                201, 'dave joins Clash');
    $r = call($alice, POST => "/projects/$clash/transfer", { user_id => $dave->{id} });
    error_ok($r, 409, 'conflict', 'transfer to a member who owns a project of that name: 409');
    ok($r->{json}{error}{details}{name}, '... on name');
    is(psql("SELECT string_agg(role, ',' ORDER BY role) FROM project_members WHERE project_id = '$clash'"),
       'owner,viewer', '... and the roles are unchanged');
    is(psql("SELECT owner_id FROM projects WHERE id = '$clash'"), $alice->{id}, '... and the owner');
};

# ---- stats ----
subtest 'stats count members, phases and memos' => sub {
    envelope_ok(call($carol, POST => "/projects/$pid/memos", { date => '2026-01-01', memo => 'm' }), 201,
                'a memo for the stats');
    envelope_ok(call($carol, PUT => "/projects/$pid/schedule",
                     { phases => [{ phase => 'filming', status => 'in_progress' },
                                  { phase => 'basic_plan', status => 'completed' }] }), 200,
                'two phases move on');
    my $r = call($bob, GET => "/projects/$pid/stats");
    envelope_ok($r, 200, 'stats');
    is_deeply($r->{json}{data},
              { members => 3, members_by_role => { owner => 1, admin => 2 },
                phases_by_status => { not_started => 6, in_progress => 1, completed => 1 },
                memos => 1, videos => { versions => 0, stacks => 0, by_encoding_status => {} },
                feedback => { total => 0, by_status => {}, by_priority => {} } }, 'stats shape and counts');
    $r = call($dave, GET => "/projects/$clash/stats");
    is_deeply($r->{json}{data},
              { members => 2, members_by_role => { owner => 1, viewer => 1 },
                phases_by_status => { not_started => 8 }, memos => 0,
                videos => { versions => 0, stacks => 0, by_encoding_status => {} },
                feedback => { total => 0, by_status => {}, by_priority => {} } }, 'stats of a fresh project');
};

# ---- a guest token is 401 on project endpoints (spec section 7) ----
subtest 'a guest token is 401 on project endpoints' => sub {
    my $claims = jwt_claims($alice->{access});
    my $now = time;
    my $guest = jwt_sign({ alg => 'HS256', typ => 'JWT' },
                         { iss => $claims->{iss}, aud => $claims->{aud}, sub => uuid4(), jti => uuid4(),
                           typ => 'guest', project_id => $pid, role => 'reviewer',
                           email => 'guest@example.com', iat => $now, exp => $now + 600 }, jwt_key());
    my $r = call($guest, GET => "/projects/$pid");
    error_ok($r, 401, 'invalid_token', 'a guest token: 401');
    $r = call($guest, GET => '/projects');
    error_ok($r, 401, 'invalid_token', 'a guest token on the list: 401');
    like($r->{headers}{'www-authenticate'} // '', qr/^Bearer\b.*error="invalid_token"/,
         '... with WWW-Authenticate error="invalid_token"');
};

done_testing();
