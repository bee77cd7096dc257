# Lists (spec section 1, README "Lists"): every ordering of the project list
# walked page by page through its `next` links gives the same sequence as
# sorting all rows (ties broken by id in the ordering's direction), with
# filters and the search term; `count` stays exact while projects are
# created and deleted in parallel; member_count (kept on the project row)
# stays exact after parallel joins and leaves; ?fields= keeps only what it
# names, nested objects whole; a page past the end is empty with its count.
use strict;
use warnings;
use Test::More;
use JSON::PP ();
use VP;

my $tag = sprintf '%x%x', $$, time;
my $owner = new_user();

# Eleven projects with chosen keys: progress ties (three at 50, two at 10),
# dates present and absent, names differing only in letter case.
my @spec = (
    [Alpha => 50, '2026-03-01', '2026-04-01'], [beta => 10, undef, '2026-05-01'],
    [Gamma => 50, '2026-01-15', undef],        [delta => 90, '2026-02-01', '2026-02-20'],
    [Epsilon => 10, undef, undef],             [zeta => 50, '2026-03-01', '2026-06-01'],
    [Eta => 0, '2025-12-01', '2026-01-01'],    [theta => 100, '2026-04-01', '2026-04-02'],
    [Iota => 70, undef, '2026-07-01'],         [kappa => 30, '2026-05-05', undef],
    [Lambda => 30, '2026-01-01', '2026-01-31'],
);
my %by_id;
for my $s (@spec) {
    my ($name, $progress, $start, $end) = @$s;
    my $body = { name => "$name $tag", progress => $progress,
                 defined $start ? (start_date => $start) : (),
                 defined $end ? (end_date => $end) : () };
    my $p = api($owner, POST => '/projects', $body);
    $by_id{ $p->{id} } = $p;
}
# one archived and one of another status, for the filters
my ($first_id) = sort keys %by_id;
api($owner, PATCH => "/projects/$first_id", { archived => JSON::PP::true, status => 'review' });
$by_id{$first_id} = api($owner, GET => "/projects/$first_id");

# walk(TOKEN, QUERY): every page of the list at page_size 3, through next;
# returns (ids in order, the counts each page reported, pages seen).
sub walk {
    my ($who, $query) = @_;
    my (@ids, %counts, $pages);
    my $url = "/projects?page_size=3&$query";
    while (defined $url) {
        my $r = call($who, GET => $url);
        is($r->{status}, 200, "GET $url") or return;
        my $d = $r->{json}{data};
        push @ids, map { $_->{id} } @{ $d->{results} };
        $counts{ $d->{count} } = 1;
        $pages++;
        $url = $d->{next};
        $url =~ s{^.*?/api/v1}{} if defined $url;
        last if $pages > 20;
    }
    return (\@ids, [keys %counts], $pages);
}

# The expected order of projects under an ordering, computed here.
sub expected {
    my ($ordering, @ps) = @_;
    my $desc = $ordering =~ s/^-//;
    my %key = (name => sub { lc $_[0]{name} }, created_at => sub { $_[0]{created_at} },
               updated_at => sub { $_[0]{updated_at} }, start_date => sub { $_[0]{start_date} },
               end_date => sub { $_[0]{end_date} }, progress => sub { $_[0]{progress} });
    my $k = $key{$ordering};
    my $cmp = sub {
        my ($x, $y) = map { $k->($_) } @_;
        # NULLS LAST in both directions
        return defined $x ? (defined $y ? 0 : -1) : (defined $y ? 1 : 0)
            unless defined $x && defined $y;
        my $c = $ordering eq 'progress' ? $x <=> $y : $x cmp $y;
        return $desc ? -$c : $c;
    };
    return map { $_->{id} } sort {
        my $c = $cmp->($a, $b);
        $c || ($desc ? $b->{id} cmp $a->{id} : $a->{id} cmp $b->{id})
    } @ps;
}

subtest 'every ordering, page by page, equals the whole sorted list' => sub {
    my @live = grep { !$_->{archived} } values %by_id;
    for my $o (qw(name -name created_at -created_at updated_at -updated_at start_date
                  -start_date end_date -end_date progress -progress)) {
        my ($ids, $counts, $pages) = walk($owner, "ordering=$o");
        is_deeply($ids, [expected($o, @live)], "ordering=$o: the pages give the sorted list")
            or diag explain [map { [$by_id{$_}{name}, $by_id{$_}{progress}] } @$ids];
        is_deeply($counts, [scalar @live], "ordering=$o: every page counts " . scalar @live);
        is($pages, 4, "ordering=$o: 10 projects in 4 pages of 3");
    }
};

subtest 'previous links lead back through the same pages' => sub {
    my @back;
    my $url = '/projects?page_size=3&page=4&ordering=progress';
    while (defined $url) {
        my $d = call($owner, GET => $url)->{json}{data};
        unshift @back, map { $_->{id} } @{ $d->{results} };
        $url = $d->{previous};
        $url =~ s{^.*?/api/v1}{} if defined $url;
    }
    my ($forward) = walk($owner, 'ordering=progress');
    is_deeply(\@back, $forward, 'the previous links give the same sequence backwards');
};

subtest 'filters and the search term across pages' => sub {
    my @all = values %by_id;
    my ($ids, $counts) = walk($owner, 'archived=all&ordering=name');
    is_deeply($ids, [expected('name', @all)], 'archived=all lists the archived one too');
    is_deeply($counts, [scalar @all], '... and counts it');
    ($ids, $counts) = walk($owner, 'archived=true&ordering=name');
    is_deeply($ids, [$first_id], 'archived=true: only the archived one');
    ($ids) = walk($owner, 'archived=all&status=review');
    is_deeply($ids, [$first_id], 'status=review');
    ($ids, $counts) = walk($owner, "q=ETA%20$tag&ordering=name");
    my @eta = grep { !$_->{archived} && index(lc $_->{name}, lc "eta $tag") >= 0 } values %by_id;
    is_deeply($ids, [expected('name', @eta)], 'q matches any letter case, anywhere');
    is_deeply($counts, [scalar @eta], '... counted (' . scalar(@eta) . ')');
    my ($plus) = walk($owner, "q=ETA+$tag&ordering=name");
    is_deeply($plus, $ids, "a '+' in the query is a space, as forms send it");
    my ($literal) = walk($owner, "q=ETA%2B$tag&ordering=name");
    is_deeply($literal, [], "... and %2B a plus sign");
};

subtest 'a page past the end is empty and keeps the count' => sub {
    my $d = api($owner, GET => '/projects?page_size=3&page=9');
    is_deeply($d->{results}, [], 'no results');
    is($d->{count}, 10, 'count 10');
    ok(!defined $d->{next}, 'no next');
};

subtest '?fields= keeps what it names; nested objects stay whole' => sub {
    my $d = api($owner, GET => '/projects?page_size=2&fields=id,owner,member_count');
    is_deeply([sort keys %{ $d->{results}[0] }], [qw(id member_count owner)], 'three keys');
    is_deeply([sort keys %{ $d->{results}[0]{owner} }], [qw(avatar_url id nickname)],
              'the owner object whole');
    is($d->{results}[0]{owner}{id}, $owner->{id}, 'the owner is the caller');
    my $r = call($owner, GET => '/projects?fields=id,bogus');
    error_ok($r, 400, 'bad_request', 'an unknown field');
    $r = call($owner, GET => '/projects?fields=,');
    error_ok($r, 400, 'bad_request', 'no field named');
    my $p = api($owner, GET => "/projects/$first_id");
    is_deeply([sort keys %{ $p->{owner} }], [qw(avatar_url id nickname)], 'GET one: owner object');
    is($p->{my_role}, 'owner', 'GET one: my_role');
    ok(!exists $p->{total}, 'GET one: no list column leaks');
};

subtest 'count stays exact while projects come and go in parallel' => sub {
    my $u = new_user();
    my @gone = map { new_project($u, "gone $tag $_") } 1 .. 10;
    my @res = parallel(30, sub {
        my $i = shift;
        return $i <= 20 ? call($u, POST => '/projects', { name => "come $tag $i" })
                        : call($u, DELETE => "/projects/$gone[$i - 21]");
    });
    is(scalar(grep { $_->{status} >= 500 || !$_->{status} } @res), 0, 'no 5xx');
    is(scalar(grep { $_->{status} == 201 } @res), 20, '20 created');
    is(scalar(grep { $_->{status} == 200 } @res), 10, '10 deleted');
    my ($ids, $counts) = walk($u, 'ordering=name');
    is_deeply($counts, [20], 'every page counts 20');
    is(scalar @$ids, 20, '20 listed, none twice') and
        is(scalar(keys %{ { map { $_ => 1 } @$ids } }), 20, '... all distinct');
};

subtest 'member_count stays exact after parallel joins and leaves' => sub {
    my $pid = new_project($owner, "members $tag");
    my @users = map { new_user() } 1 .. 20;
    my @res = parallel(20, sub {
        call($owner, POST => "/projects/$pid/members",
             { user_id => $users[$_[0] - 1]{id}, role => 'viewer' })
    });
    is(scalar(grep { $_->{status} == 201 } @res), 20, '20 joined');
    is(api($owner, GET => "/projects/$pid")->{member_count}, 21, 'member_count 21');
    @res = parallel(10, sub {
        my $i = shift;
        # half leave by themselves, half are removed by the owner
        $i % 2 ? call($users[$i - 1], DELETE => "/projects/$pid/members/$users[$i - 1]{id}")
               : call($owner, DELETE => "/projects/$pid/members/$users[$i - 1]{id}");
    });
    is(scalar(grep { $_->{status} == 200 } @res), 10, '10 left');
    my $p = api($owner, GET => "/projects/$pid");
    is($p->{member_count}, 11, 'member_count 11 on the project');
    my ($listed) = grep { $_->{id} eq $pid } @{ api($owner, GET => '/projects?page_size=100&ordering=-created_at')->{results} };
    is($listed->{member_count}, 11, '... and in the list');
    is(api($owner, GET => "/projects/$pid/members")->{count}, 11, '... and the members list');
    is(psql("SELECT member_count = (SELECT count(*) FROM project_members WHERE project_id = id)"
            . " FROM projects WHERE id = '$pid'"), 't', 'the stored count equals the rows');
};

subtest 'memos, members and events lists are written from rows too' => sub {
    my $pid = new_project($owner, "rows $tag");
    for my $i (1 .. 4) {
        api($owner, POST => "/projects/$pid/memos", { date => "2026-01-0$i", memo => "m$i" });
    }
    my $d = api($owner, GET => "/projects/$pid/memos?page_size=3");
    is($d->{count}, 4, 'memos: count 4');
    is_deeply([map { $_->{memo} } @{ $d->{results} }], [qw(m4 m3 m2)], 'memos: newest date first');
    is($d->{results}[0]{author}{id}, $owner->{id}, 'memos: the author object');
    $d = api($owner, GET => "/projects/$pid/memos?page=2&page_size=3&fields=memo");
    is_deeply($d->{results}, [{ memo => 'm1' }], 'memos: page 2 with fields');
    $d = api($owner, GET => "/projects/$pid/members?fields=user,role");
    is_deeply($d->{results}, [{ user => { id => $owner->{id}, nickname => $owner->{nickname},
                                          avatar_url => undef }, role => 'owner' }],
              'members: the user object and role');
    $d = api($owner, GET => "/projects/$pid/events?page_size=2");
    is($d->{count}, 5, 'events: created + 4 memos');
    is($d->{results}[0]{type}, 'project.created', 'events: oldest first');
    ok(ref $d->{results}[1]{payload} eq 'HASH', 'events: the payload is an object');
    like($d->{results}[1]{at}, qr/^\d{4}-\d\d-\d\dT/, 'events: at');
};

done_testing();
