# Project members, the schedule and memos (spec section 4; README
# "Projects", "Roles", "Project decisions"): who may add, change and remove
# whom, the 50-member limit, the eight phases and their partial updates,
# dated memos.
use strict;
use warnings;
use Test::More;
use JSON::PP;
use VP;

my $tag = sprintf '%x%x', $$, time;

my ($owner, $admin, $admin2, $editor, $reviewer, $viewer, $outsider) = map { new_user() } 1 .. 7;

my $r = call($owner, POST => '/projects', { name => "Members $tag" });
envelope_ok($r, 201, 'a project') or BAIL_OUT('cannot create a project');
my $pid = $r->{json}{data}{id};
my $M = "/projects/$pid/members";
my $E = "$M/$editor->{id}";
my $S = "/projects/$pid/schedule";
my $MM = "/projects/$pid/memos";
my ($memo, $long, $latest, $middle);   # memos of one case and the next

# ---- add ----
subtest 'owners and admins add members; a member twice, unknown or gone users are refused' => sub {
    my $r = call($owner, POST => $M, { user_id => $admin->{id}, role => 'admin' });
    envelope_ok($r, 201, 'the owner adds an admin');
    my $m = $r->{json}{data};
    is_deeply([sort keys %$m], [qw(joined_at role user)], 'a member: user, role, joined_at');
    is_deeply($m->{user}, { id => $admin->{id}, nickname => $admin->{nickname}, avatar_url => undef },
              'user: id, nickname, avatar_url');
    is($m->{role}, 'admin', 'role');
    like($m->{joined_at}, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/, 'joined_at');

    $r = call($admin, POST => $M, { user_id => $editor->{id}, role => 'editor' });
    envelope_ok($r, 201, 'an admin adds an editor');
    $r = call($admin, POST => $M, { user_id => $reviewer->{id}, role => 'reviewer' });
    envelope_ok($r, 201, 'an admin adds a reviewer');
    $r = call($admin, POST => $M, { user_id => $viewer->{id}, role => 'viewer' });
    envelope_ok($r, 201, 'an admin adds a viewer');

    $r = call($admin, POST => $M, { user_id => $editor->{id}, role => 'viewer' });
    error_ok($r, 409, 'conflict', 'adding a member again: 409');
    ok($r->{json}{error}{details}{user_id}, '... on user_id');
    $r = call($admin, POST => $M, { user_id => uc $editor->{id}, role => 'viewer' });
    error_ok($r, 409, 'conflict', '... also with the id in upper case');
    $r = call($owner, POST => $M, { user_id => $owner->{id}, role => 'admin' });
    error_ok($r, 409, 'conflict', 'the owner adding themself: 409');
    $r = call($admin, POST => $M, { user_id => uuid4(), role => 'viewer' });
    error_ok($r, 422, 'validation_failed', 'an unknown user id: 422');
    ok($r->{json}{error}{details}{user_id}, '... on user_id');

    my $gone = new_user();
    envelope_ok(call($gone, DELETE => '/users/me', { reason => 'bye' }), 200, 'a user deletes the account');
    $r = call($admin, POST => $M, { user_id => $gone->{id}, role => 'viewer' });
    error_ok($r, 422, 'validation_failed', 'a deleted user: 422');
    my $off = new_user();
    psql("UPDATE users SET is_active = false WHERE id = '$off->{id}'");
    $r = call($admin, POST => $M, { user_id => $off->{id}, role => 'viewer' });
    error_ok($r, 422, 'validation_failed', 'an inactive user: 422');
};

subtest 'an add is validated, and only the owner adds admins' => sub {
    my $r;
    my $extra = new_user();
    for ([{ user_id => $extra->{id}, role => 'owner' }, 422, 'role', 'role owner (not grantable)'],
         [{ user_id => $extra->{id}, role => 'boss' }, 422, 'role', 'role outside the enum'],
         [{ user_id => $extra->{id} }, 422, 'role', 'role missing'],
         [{ role => 'viewer' }, 422, 'user_id', 'user_id missing'],
         [{ user_id => 'someone', role => 'viewer' }, 422, 'user_id', 'user_id not a UUID'],
         [{ user_id => $extra->{id}, role => 'viewer', note => 'x' }, 400, 'note', 'an unknown field'],
         [{ user_id => $extra->{id}, role => 3 }, 400, 'role', 'role as a number']) {
        my ($body, $status, $field, $name) = @$_;
        $r = call($admin, POST => $M, $body);
        error_ok($r, $status, $status == 400 ? 'bad_request' : 'validation_failed', "$name: $status");
        ok($r->{json}{error}{details}{$field}, "... on $field");
    }
    $r = call($admin, POST => $M, { user_id => $extra->{id}, role => 'admin' });
    error_ok($r, 403, 'forbidden', 'an admin adding an admin: 403');
    $r = call($editor, POST => $M, { user_id => $extra->{id}, role => 'viewer' });
    error_ok($r, 403, 'forbidden', 'an editor adding a member: 403');
    $r = call($viewer, POST => $M, { user_id => $extra->{id}, role => 'viewer' });
    error_ok($r, 403, 'forbidden', 'a viewer adding a member: 403');
    $r = call($owner, POST => $M, { user_id => $admin2->{id}, role => 'admin' });
    envelope_ok($r, 201, 'the owner adds a second admin');
    is(psql("SELECT count(*) FROM project_members WHERE project_id = '$pid'"), 6,
       'six members (none of the refused ones)');
    is(call($viewer, GET => "/projects/$pid")->{json}{data}{member_count}, 6, 'member_count 6');
};

# ---- list ----
subtest 'members are listed by role, in pages' => sub {
    my $r = call($viewer, GET => $M);
    envelope_ok($r, 200, 'a viewer lists the members');
    my $d = $r->{json}{data};
    is($d->{count}, 6, 'count');
    is_deeply([map { "$_->{role}:$_->{user}{id}" } @{ $d->{results} }],
              ["owner:$owner->{id}", "admin:$admin->{id}", "admin:$admin2->{id}", "editor:$editor->{id}",
               "reviewer:$reviewer->{id}", "viewer:$viewer->{id}"],
              'owner first, then by role, then by join time');
    $r = call($viewer, GET => "$M?page_size=4");
    $d = $r->{json}{data};
    is(scalar @{ $d->{results} }, 4, 'page_size=4: four');
    like($d->{next}, qr/page=2/, 'next page');
    $r = call($viewer, GET => "$M?page_size=4&page=2");
    is_deeply([map { $_->{role} } @{ $r->{json}{data}{results} }], [qw(reviewer viewer)], 'page 2');
    $r = call($viewer, GET => "$M?page=9");
    is_deeply($r->{json}{data}{results}, [], 'a page beyond the end: no results');
    $r = call($viewer, GET => "$M?fields=role");
    is_deeply([map { join ',', keys %$_ } @{ $r->{json}{data}{results} }], [('role') x 6], 'fields=role');
    error_ok(call($viewer, GET => "$M?fields=email"), 400, 'bad_request', 'fields=email: 400');
    error_ok(call($viewer, GET => "$M?page_size=101"), 422, 'validation_failed', 'page_size=101: 422');
};

# ---- change roles ----
subtest 'roles change only as the policy allows' => sub {
    my $r = call($admin, PATCH => $E, { role => 'reviewer' });
    envelope_ok($r, 200, 'an admin makes the editor a reviewer');
    is($r->{json}{data}{role}, 'reviewer', 'the new role');
    is($r->{json}{data}{user}{id}, $editor->{id}, 'of the member');
    envelope_ok(call($admin, PATCH => $E, { role => 'editor' }), 200, '... and back to editor');
    error_ok(call($admin, PATCH => "$M/$owner->{id}", { role => 'admin' }), 403, 'forbidden',
             'an admin changing the owner: 403');
    error_ok(call($owner, PATCH => "$M/$owner->{id}", { role => 'admin' }), 403, 'forbidden',
             'the owner changing their own role: 403');
    error_ok(call($admin, PATCH => $E, { role => 'owner' }), 403, 'forbidden',
             'an admin promoting to owner: 403');
    error_ok(call($owner, PATCH => $E, { role => 'owner' }), 403, 'forbidden',
             'the owner promoting to owner: 403 (transfer only)');
    error_ok(call($admin, PATCH => $E, { role => 'admin' }), 403, 'forbidden',
             'an admin promoting to admin: 403');
    error_ok(call($admin, PATCH => "$M/$admin2->{id}", { role => 'viewer' }), 403, 'forbidden',
             'an admin demoting an admin: 403');
    error_ok(call($editor, PATCH => "$M/$viewer->{id}", { role => 'reviewer' }), 403, 'forbidden',
             'an editor changing a role: 403');
    error_ok(call($admin, PATCH => "$M/$outsider->{id}", { role => 'viewer' }), 404, 'not_found',
             'changing a non-member: 404');
    error_ok(call($admin, PATCH => "$M/someone", { role => 'viewer' }), 404, 'not_found',
             'a user id that is not a UUID: 404');
    $r = call($admin, PATCH => $E, { role => 'chief' });
    error_ok($r, 422, 'validation_failed', 'an unknown role: 422');
    error_ok(call($admin, PATCH => $E, {}), 422, 'validation_failed', 'no role: 422');
    error_ok(call($admin, PATCH => $E, { role => 'viewer', x => 1 }), 400, 'bad_request',
             'an unknown field: 400');
    is(psql("SELECT role FROM project_members WHERE project_id = '$pid' AND user_id = '$editor->{id}'"),
       'editor', 'the refused changes changed nothing');
    $r = call($owner, PATCH => "$M/$admin2->{id}", { role => 'editor' });
    envelope_ok($r, 200, 'the owner demotes an admin');
    $r = call($owner, PATCH => "$M/$admin2->{id}", { role => 'admin' });
    envelope_ok($r, 200, 'the owner promotes to admin');
    is(psql("SELECT count(*) FROM project_members WHERE project_id = '$pid' AND role = 'owner'"), 1,
       'still exactly one owner');
};

# ---- remove and leave ----
subtest 'members are removed, or leave, only as the policy allows' => sub {
    error_ok(call($admin, DELETE => "$M/$admin2->{id}"), 403, 'forbidden', 'an admin removing an admin: 403');
    error_ok(call($admin, DELETE => "$M/$owner->{id}"), 403, 'forbidden', 'an admin removing the owner: 403');
    error_ok(call($editor, DELETE => "$M/$viewer->{id}"), 403, 'forbidden', 'an editor removing a viewer: 403');
    error_ok(call($owner, DELETE => "$M/$owner->{id}"), 403, 'forbidden', 'the owner cannot leave');
    error_ok(call($admin, DELETE => "$M/$outsider->{id}"), 404, 'not_found', 'removing a non-member: 404');
    error_ok(call($admin, DELETE => "$M/nobody"), 404, 'not_found', 'a user id that is not a UUID: 404');
    my $r = call($admin, DELETE => $E);
    envelope_ok($r, 200, 'an admin removes the editor');
    is_deeply($r->{json}{data}, { user_id => $editor->{id}, by_self => JSON::PP::false }, 'the removal');
    error_ok(call($editor, GET => "/projects/$pid"), 404, 'not_found', 'the removed user gets 404 on the project');
    error_ok(call($editor, GET => $M), 404, 'not_found', '... and on its members');
    ok(!grep({ $_->{id} eq $pid } @{ call($editor, GET => '/projects')->{json}{data}{results} }),
       '... and no longer lists it');
    $r = call($viewer, DELETE => "$M/$viewer->{id}");
    envelope_ok($r, 200, 'a viewer leaves');
    ok($r->{json}{data}{by_self}, 'by_self: true');
    error_ok(call($viewer, GET => "/projects/$pid"), 404, 'not_found', '... and then gets 404');
    $r = call($admin2, DELETE => "$M/" . uc $admin2->{id});
    envelope_ok($r, 200, 'an admin leaves (own id in upper case)');
    ok($r->{json}{data}{by_self}, 'by_self: true');
    $r = call($owner, DELETE => "$M/$reviewer->{id}");
    envelope_ok($r, 200, 'the owner removes a reviewer');
    $r = call($owner, DELETE => "$M/$admin->{id}");
    envelope_ok($r, 200, 'the owner removes an admin');
    is_deeply([map { $_->{role} } @{ call($owner, GET => $M)->{json}{data}{results} }], ['owner'],
              'only the owner is left');
};

# ---- at most 50 members ----
subtest 'a project has at most 50 members' => sub {
    my $r;
    my $crowd = new_project($owner, "Crowd $tag");
    my @ids = split /\n/, psql(
        "INSERT INTO users (email, nickname, password_hash)"
      . " SELECT 'bulk-$tag-' || g || '\@example.com', 'b$tag-' || g, 'x'"
      . " FROM generate_series(1, 50) g RETURNING id");
    is(scalar @ids, 50, 'fifty users made directly in the database');
    my $added = 0;
    for my $id (@ids[0 .. 48]) {
        $r = http(POST => "/api/v1/projects/$crowd/members",
                  headers => { %{ bearer($owner->{access}) }, 'x-forwarded-for' => new_ip() },
                  json => { user_id => $id, role => 'viewer' });
        $added++ if $r->{status} == 201;
    }
    is($added, 49, '49 members added: 50 with the owner');
    $r = call($owner, POST => "/projects/$crowd/members", { user_id => $ids[49], role => 'viewer' });
    error_ok($r, 409, 'conflict', 'the 51st member: 409');
    is(psql("SELECT count(*) FROM project_members WHERE project_id = '$crowd'"), 50, 'still 50');
    is(call($owner, GET => "/projects/$crowd/members?page_size=100")->{json}{data}{count}, 50,
       'the list counts 50');
    envelope_ok(call($owner, DELETE => "/projects/$crowd/members/$ids[0]"), 200, 'one is removed');
    envelope_ok(call($owner, POST => "/projects/$crowd/members", { user_id => $ids[49], role => 'viewer' }),
                201, 'then another may join');
};

# concurrent adds at 49 members: the project's row lock lets exactly one in
subtest 'of concurrent adds at 49 members exactly one gets in' => sub {
    my $race = new_project($owner, "Race $tag");
    my @racers = split /\n/, psql(
        "INSERT INTO users (email, nickname, password_hash)"
      . " SELECT 'race-$tag-' || g || '\@example.com', 'r$tag-' || g, 'x'"
      . " FROM generate_series(1, 54) g RETURNING id");
    my @seated = splice @racers, 0, 48;
    psql("INSERT INTO project_members (project_id, user_id, role)"
       . " SELECT '$race', unnest(ARRAY['" . join("', '", @seated) . "']::uuid[]), 'viewer'");
    is(psql("SELECT count(*) FROM project_members WHERE project_id = '$race'"), 49, '49 members');
    # A second session holds inserts into project_members back for a moment, so
    # that the adds really overlap: each one has to wait for it, and for the
    # project's lock, instead of finishing before the next one starts.
    my $marker = "hold_$tag";
    open(my $hold, '-|', $ENV{VP_STACK}, 'psql', $ENV{VP_STATE}, '-Atq', '-v', 'ON_ERROR_STOP=1',
         '-c', "BEGIN; LOCK TABLE project_members IN SHARE MODE; SELECT pg_sleep(1.5) AS $marker; COMMIT;")
        or die "psql: $!";
    for (1 .. 50) {
        last if psql("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'BEGIN; LOCK TABLE%'"
                   . " AND query LIKE '%AS $marker; COMMIT;' AND state = 'active'") > 0;
        select(undef, undef, undef, 0.05);
    }
    pipe(my $gate_r, my $gate_w) or die "pipe: $!";
    my @kids;
    for my $id (@racers) {
        my $kid = fork // die "fork: $!";
        if (!$kid) {
            close $gate_w;
            <$gate_r>;   # all start together when the parent closes the gate
            my $res = http(POST => "/api/v1/projects/$race/members", fresh => 1,
                           headers => { %{ bearer($owner->{access}) }, 'x-forwarded-for' => new_ip() },
                           json => { user_id => $id, role => 'viewer' });
            require POSIX;
            POSIX::_exit($res->{status} == 201 ? 0 : $res->{status} == 409 ? 1 : 2);
        }
        push @kids, $kid;
    }
    close $gate_r;
    close $gate_w;
    my %outcome;
    for (@kids) { waitpid($_, 0); $outcome{ $? >> 8 }++ }
    { local $/; <$hold> } close $hold;
    is_deeply(\%outcome, { 0 => 1, 1 => scalar(@racers) - 1 },
              scalar(@racers) . ' concurrent adds at 49 members: one 201, the others 409');
    is(psql("SELECT count(*) FROM project_members WHERE project_id = '$race'"), 50, 'exactly 50 members');
};

# ---- schedule ----
my @PHASES = qw(basic_plan story_board filming video_edit post_work video_preview confirmation
                video_delivery);
subtest 'the schedule has the eight phases in order' => sub {
    envelope_ok(call($owner, POST => $M, { user_id => $editor->{id}, role => 'editor' }), 201, 'editor back');
    envelope_ok(call($owner, POST => $M, { user_id => $reviewer->{id}, role => 'reviewer' }), 201,
                'reviewer back');
    envelope_ok(call($owner, POST => $M, { user_id => $viewer->{id}, role => 'viewer' }), 201, 'viewer back');
    my $r = call($viewer, GET => $S);
    envelope_ok($r, 200, 'a viewer reads the schedule');
    my $ph = $r->{json}{data}{phases};
    is_deeply([map { $_->{phase} } @$ph], \@PHASES, 'the eight phases in order');
    is_deeply($ph->[0], { phase => 'basic_plan', start_date => undef, end_date => undef,
                          status => 'not_started', progress => 0, actual_end_date => undef },
              'a phase: its fields and defaults');
};

sub phases { my %h = map { $_->{phase} => $_ } @{ call($viewer, GET => $S)->{json}{data}{phases} }; \%h }

subtest 'a PUT changes the phases it lists, and only them' => sub {
    my $r = call($editor, PUT => $S, { phases => [{ phase => 'filming', start_date => '2026-03-10',
                                                 end_date => '2026-03-20', status => 'in_progress',
                                                 progress => 40 }] });
    envelope_ok($r, 200, 'an editor sets filming');
    is_deeply([map { $_->{phase} } @{ $r->{json}{data}{phases} }], \@PHASES, 'the answer: all eight');
    my ($f) = grep { $_->{phase} eq 'filming' } @{ $r->{json}{data}{phases} };
    is_deeply($f, { phase => 'filming', start_date => '2026-03-10', end_date => '2026-03-20',
                    status => 'in_progress', progress => 40, actual_end_date => undef }, 'filming set');
    $r = call($editor, PUT => $S, { phases => [{ phase => 'basic_plan', status => 'completed',
                                                 progress => 100, actual_end_date => '2026-03-02' },
                                               { phase => 'filming', progress => 60 }] });
    envelope_ok($r, 200, 'two phases at once, filming only its progress');
    my $h = phases();
    is_deeply([@{ $h->{filming} }{qw(start_date end_date status progress)}],
              ['2026-03-10', '2026-03-20', 'in_progress', 60], 'filming keeps what was not sent');
    is_deeply([@{ $h->{basic_plan} }{qw(status progress actual_end_date)}], ['completed', 100, '2026-03-02'],
              'basic_plan set');
    is($h->{video_edit}{status}, 'not_started', 'phases not listed stay');
};
subtest 'an invalid PUT is refused and changes nothing' => sub {
    my $r;
    my $snapshot = call($viewer, GET => $S)->{json}{data};

    for ([{ phases => [{ phase => 'video_edit', start_date => '2026-04-10', end_date => '2026-04-01' }] },
          422, 'end_date', 'end before start'],
         [{ phases => [{ phase => 'filming', end_date => '2026-03-01' }] }, 422, 'end_date',
          'only end_date, before the stored start'],
         [{ phases => [{ phase => 'filming', progress => 101 }] }, 422, undef, 'progress 101'],
         [{ phases => [{ phase => 'filming', progress => -1 }] }, 422, undef, 'progress -1'],
         [{ phases => [{ phase => 'filming', status => 'late' }] }, 422, undef, 'status outside the enum'],
         [{ phases => [{ phase => 'filming', start_date => '2026-02-29' }] }, 422, undef,
          'start_date 2026-02-29 (no leap year)'],
         [{ phases => [{ phase => 'editing' }] }, 422, undef, 'an unknown phase'],
         [{ phases => [{ progress => 5 }] }, 422, undef, 'a phase without its name'],
         [{ phases => [{ phase => 'filming', progress => 1 }, { phase => 'post_work' },
                       { phase => 'filming', progress => 2 }] }, 422, 'phases', 'a phase named twice'],
         [{ phases => [] }, 422, 'phases', 'empty phases'],
         [{ phases => [map { { phase => $_ } } @PHASES, 'filming'] }, 422, 'phases', 'nine phases'],
         [{}, 422, 'phases', 'phases missing'],
         [{ phases => { phase => 'filming' } }, 400, 'phases', 'phases not an array'],
         [{ phases => [{ phase => 'filming', owner => 'x' }] }, 400, undef, 'an unknown field in a phase'],
         [{ phases => [{ phase => 'filming' }], extra => 1 }, 400, 'extra', 'an unknown top-level field']) {
        my ($body, $status, $field, $name) = @$_;
        $r = call($editor, PUT => $S, $body);
        error_ok($r, $status, $status == 400 ? 'bad_request' : 'validation_failed', "PUT $name: $status");
        ok($r->{json}{error}{details}{$field}, "... on $field") if $field;
    }
    is_deeply(call($viewer, GET => $S)->{json}{data}, $snapshot, 'the refused PUTs changed nothing');
};
subtest 'editors and the owner change the schedule, reviewers and viewers may not' => sub {
    envelope_ok(call($editor, PUT => $S, { phases => [map { { phase => $_, progress => 10 } } @PHASES] }),
                200, 'all eight phases at once');
    envelope_ok(call($editor, PUT => $S, { phases => [{ phase => 'filming', start_date => undef }] }), 200,
                'a null start_date');
    ok(!defined phases()->{filming}{start_date}, '... clears it');
    error_ok(call($reviewer, PUT => $S, { phases => [{ phase => 'filming', progress => 5 }] }), 403, 'forbidden',
             'a reviewer may not change the schedule');
    error_ok(call($viewer, PUT => $S, { phases => [{ phase => 'filming', progress => 5 }] }), 403, 'forbidden',
             'a viewer may not change the schedule');
    envelope_ok(call($owner, PUT => $S, { phases => [{ phase => 'filming', progress => 70 }] }), 200,
                'the owner may');
};

# ---- memos ----
subtest 'editors write memos; invalid ones are refused' => sub {
    my $r = call($editor, POST => $MM, { date => '2026-03-01', memo => 'first' });
    envelope_ok($r, 201, 'an editor writes a memo');
    $memo = $r->{json}{data};
    is_deeply([sort keys %$memo], [qw(author created_at date id memo updated_at)], 'memo fields');
    is_deeply([@$memo{qw(date memo)}], ['2026-03-01', 'first'], 'date and text');
    is_deeply($memo->{author}, { id => $editor->{id}, nickname => $editor->{nickname} }, 'author');
    for ([{ memo => 'x' }, 422, 'date', 'date missing'],
         [{ date => '2026-13-01', memo => 'x' }, 422, 'date', 'month 13'],
         [{ date => '2026-02-30', memo => 'x' }, 422, 'date', 'February 30'],
         [{ date => '01/03/2026', memo => 'x' }, 422, 'date', 'another date format'],
         [{ date => '2026-03-01' }, 422, 'memo', 'memo missing'],
         [{ date => '2026-03-01', memo => '' }, 422, 'memo', 'empty memo'],
         [{ date => '2026-03-01', memo => 'm' x 2001 }, 422, 'memo', 'memo of 2001 characters'],
         [{ date => '2026-03-01', memo => undef }, 422, 'memo', 'null memo'],
         [{ date => '2026-03-01', memo => 5 }, 400, 'memo', 'memo as a number'],
         [{ date => '2026-03-01', memo => 'x', pinned => JSON::PP::true }, 400, 'pinned', 'an unknown field']) {
        my ($body, $status, $field, $name) = @$_;
        $r = call($editor, POST => $MM, $body);
        error_ok($r, $status, $status == 400 ? 'bad_request' : 'validation_failed', "memo $name: $status");
        ok($r->{json}{error}{details}{$field}, "... on $field");
    }
    $r = call($editor, POST => $MM, { date => '2026-01-05', memo => "\x{1F3AC}" x 2000 });
    envelope_ok($r, 201, 'a memo of 2000 characters (four bytes each)');
    is(length $r->{json}{data}{memo}, 2000, '... kept whole');
    $long = $r->{json}{data}{id};
    $r = call($editor, POST => $MM, { date => '2026-03-10', memo => 'latest' });
    $latest = $r->{json}{data}{id};
    $r = call($editor, POST => $MM, { date => '2026-02-01', memo => 'middle' });
    $middle = $r->{json}{data}{id};
    error_ok(call($reviewer, POST => $MM, { date => '2026-03-01', memo => 'r' }), 403, 'forbidden',
             'a reviewer may not write memos');
    error_ok(call($viewer, POST => $MM, { date => '2026-03-01', memo => 'v' }), 403, 'forbidden',
             'a viewer may not write memos');
};

subtest 'memos are listed by date, newest first, in pages' => sub {
    my $r = call($viewer, GET => $MM);
    envelope_ok($r, 200, 'a viewer lists the memos');
    is($r->{json}{data}{count}, 4, 'four memos');
    is_deeply([map { $_->{id} } @{ $r->{json}{data}{results} }], [$latest, $memo->{id}, $middle, $long],
              'newest date first');
    $r = call($viewer, GET => "$MM?page_size=2&page=2&fields=id,date");
    is_deeply($r->{json}{data}{results}, [{ id => $middle, date => '2026-02-01' },
                                          { id => $long, date => '2026-01-05' }], 'page 2 with fields');
};

subtest 'editors and the owner change memos, viewers may not' => sub {
    my $r = call($editor, PATCH => "$MM/$memo->{id}", { memo => 'changed' });
    envelope_ok($r, 200, 'an editor changes the text');
    is_deeply([@{ $r->{json}{data} }{qw(id date memo)}], [$memo->{id}, '2026-03-01', 'changed'],
              'the date stays');
    $r = call($owner, PATCH => "$MM/$memo->{id}", { date => '2026-04-01' });
    envelope_ok($r, 200, 'the owner moves its date');
    is_deeply([@{ $r->{json}{data} }{qw(date memo)}], ['2026-04-01', 'changed'], 'the text stays');
    is($r->{json}{data}{author}{id}, $editor->{id}, 'the author stays');
    for ([{ memo => '' }, 422, 'empty memo'], [{ memo => 'm' x 2001 }, 422, 'memo of 2001'],
         [{ date => '2026-04-31' }, 422, 'April 31'], [{ date => undef }, 422, 'null date'],
         [{ memo => [] }, 400, 'memo as an array'], [{ text => 'x' }, 400, 'an unknown field']) {
        my ($body, $status, $name) = @$_;
        error_ok(call($editor, PATCH => "$MM/$memo->{id}", $body), $status,
                 $status == 400 ? 'bad_request' : 'validation_failed', "PATCH memo $name: $status");
    }
    error_ok(call($viewer, PATCH => "$MM/$memo->{id}", { memo => 'v' }), 403, 'forbidden',
             'a viewer may not change memos');
    error_ok(call($editor, PATCH => "$MM/" . uuid4(), { memo => 'x' }), 404, 'not_found', 'PATCH an unknown memo: 404');
    error_ok(call($editor, PATCH => "$MM/xyz", { memo => 'x' }), 404, 'not_found', 'PATCH a non-UUID memo id: 404');
};

# a memo of another project is not found through this one
subtest 'a memo of another project is not found through this one' => sub {
    my $other = new_project($owner, "Other $tag");
    my $r = call($owner, POST => "/projects/$other/memos", { date => '2026-01-01', memo => 'elsewhere' });
    my $foreign = $r->{json}{data}{id};
    error_ok(call($owner, PATCH => "$MM/$foreign", { memo => 'hijack' }), 404, 'not_found',
             'PATCH a memo of another project: 404');
    error_ok(call($owner, DELETE => "$MM/$foreign"), 404, 'not_found', 'DELETE a memo of another project: 404');
    is(psql("SELECT memo FROM project_memos WHERE id = '$foreign'"), 'elsewhere', 'that memo is untouched');
    error_ok(call($editor, GET => "/projects/$other/memos"), 404, 'not_found',
             'a member of one project gets 404 on the memos of another');
};

subtest 'an editor deletes a memo' => sub {
    my $r = call($editor, DELETE => "$MM/$middle");
    envelope_ok($r, 200, 'an editor deletes a memo');
    is_deeply($r->{json}{data}, { id => $middle }, 'the deleted id');
    error_ok(call($editor, DELETE => "$MM/$middle"), 404, 'not_found', 'deleting it again: 404');
    error_ok(call($viewer, DELETE => "$MM/$latest"), 403, 'forbidden', 'a viewer may not delete memos');
    is(call($viewer, GET => $MM)->{json}{data}{count}, 3, 'three memos left');
};

done_testing();
