# VPlanetListCache (README "Configuration"): an httpd that remembers the
# answer of a video's feedback list (and of one's projects) per child,
# session and query still
# answers every write of the project made through it at once, whichever
# child answers (a new feedback, a status change, a member removed, a
# logout), keeps each caller's view of anonymous authors apart, and sees a
# change made behind its back (here: through the suite's own httpd, which
# shares the database but not this one's counters) within the cache's
# seconds and not before.
use strict;
use warnings;
use Test::More;
use VP;
use VPVideo;
use Time::HiRes ();
use HTTP::Tiny;
use JSON::PP ();

my ($base, $dir) = httpd_variant('list-cache', "VPlanetListCache 4\n");
ok($base, 'an httpd with VPlanetListCache 4 starts') or BAIL_OUT($dir);

my $tag = sprintf '%x%x', $$, time;
my %U = map { $_ => new_user() } qw(owner admin reviewer viewer);
my $pid = new_project($U{owner}, "List cache $tag");
api($U{owner}, POST => "/projects/$pid/members", { user_id => $U{$_}{id}, role => $_ })
    for qw(admin reviewer viewer);
my $up = upload($U{owner}, $pid, title => "clip $tag");
die "upload: $up->{status}\n" unless $up->{status} == 201;
my $vid = $up->{json}{data}{id};
my $LIST = "/api/v1/projects/$pid/feedbacks?video_id=$vid";

# here(WHO, METHOD, PATH, BODY): a request to the variant
sub here {
    my ($who, $method, $path, $body) = @_;
    return http($method, $path, base => $base, headers => bearer($U{$who}{access}),
                defined $body ? (json => $body) : ());
}

# One connection to the variant kept alive for the checks of what one
# child remembers (VP::http's own keeps one connection, to whichever
# server it last spoke to).
my $kept = HTTP::Tiny->new(keep_alive => 1, timeout => 30);
sub get {
    my ($who, $path, $keep) = @_;
    return http(GET => $path, base => $base, headers => bearer($U{$who}{access}), fresh => 1)
        unless $keep;
    my $r = $kept->get("$base$path", { headers => { %{ bearer($U{$who}{access}) },
                                                     'x-forwarded-for' => $VP::IP } });
    return { status => $r->{status}, json => eval { JSON::PP::decode_json($r->{content}) } };
}

# seen(WHO, N, KEEP): N reads of the list on new connections (several
# children and threads answer), or with KEEP on the one kept-alive
# connection (one child: what it remembers): "STATUS:COUNT:OPEN" of each,
# sorted and unique
sub seen {
    my ($who, $n, $keep) = @_;
    my %s;
    for (1 .. $n // 12) {
        my $r = get($who, $LIST, $keep);
        my $d = $r->{json}{data} // {};
        $s{ join ':', $r->{status}, $d->{count} // '-', ($d->{stats} // {})->{open} // '-' } = 1;
    }
    return join ',', sort keys %s;
}

sub create_here {
    my ($body) = @_;
    my $r = here(reviewer => POST => "/api/v1/projects/$pid/feedbacks",
                 { video_id => $vid, timestamp => 0.2, content => "cached $tag", %$body });
    die "create: $r->{status} $r->{body}\n" unless $r->{status} == 201;
    return $r->{json}{data};
}

subtest 'writes through this httpd are answered at once by every child' => sub {
    is(seen('viewer'), '200:0:0', 'an empty list (and remembered)');
    my $f = create_here({});
    is(seen('viewer'), '200:1:1', 'a new feedback: every child lists it at once');
    my $r = here(owner => PATCH => "/api/v1/feedbacks/$f->{id}", { status => 'resolved' });
    is($r->{status}, 200, 'a status change');
    is(seen('viewer'), '200:1:0', 'the totals change at once');
    $r = here(reviewer => DELETE => "/api/v1/feedbacks/$f->{id}");
    is($r->{status}, 200, 'a deletion');
    is(seen('viewer'), '200:0:0', 'gone at once');
};

subtest 'a feedback\'s comment thread: remembered, and new at once after a write' => sub {
    my $f = create_here({});
    my $thread = "/api/v1/feedbacks/$f->{id}/comments";
    my $count = sub {
        my %s;
        $s{ join ':', $_->{status}, $_->{json}{data}{comments_count} // '-' } = 1
            for map { get('viewer', $thread) } 1 .. 12;
        return join ',', sort keys %s;
    };
    is($count->(), '200:0', 'an empty thread (and remembered)');
    my $r = here(reviewer => POST => $thread, { content => "a comment $tag" });
    is($r->{status}, 201, 'a comment through this httpd');
    is($count->(), '200:1', 'every child shows it at once');
    $r = here(reviewer => DELETE => "/api/v1/comments/$r->{json}{data}{id}");
    is($r->{status}, 200, 'deleted');
    is($count->(), '200:0', 'gone at once');
    # remembered indeed: one behind its back is not seen by the child that
    # remembers (on the kept connection) within the seconds
    my $t0 = Time::HiRes::time();
    is(get('viewer', $thread, 'keep')->{json}{data}{comments_count}, 0, 'remembered by one child');
    $r = call($U{reviewer}, POST => "/feedbacks/$f->{id}/comments", { content => "behind $tag" });
    is($r->{status}, 201, 'a comment through the other httpd');
    my $now = get('viewer', $thread, 'keep')->{json}{data}{comments_count};
    ok(Time::HiRes::time() - $t0 >= 4 || $now == 0, "still the remembered thread ($now)");
    here(reviewer => DELETE => "/api/v1/feedbacks/$f->{id}");
};

subtest 'each caller keeps its own view of an anonymous author' => sub {
    my $f = create_here({ display_mode => 'anonymous' });
    for (1 .. 2) {      # the second round from memory
        my $admin = here(admin => GET => $LIST)->{json}{data}{results};
        my $viewer = here(viewer => GET => $LIST)->{json}{data}{results};
        my ($a) = grep { $_->{id} eq $f->{id} } @$admin;
        my ($v) = grep { $_->{id} eq $f->{id} } @$viewer;
        is($a && $a->{author}{id}, $U{reviewer}{id}, "round $_: the admin sees the author");
        ok($v && !defined $v->{author}, "round $_: the viewer does not");
    }
};

subtest 'a member removed through this httpd is refused at once' => sub {
    my $extra = new_user();
    api($U{owner}, POST => "/projects/$pid/members", { user_id => $extra->{id}, role => 'viewer' });
    $U{extra} = $extra;
    like(seen('extra'), qr/^200:/, 'the new member reads the list (remembered)');
    my $r = here(owner => DELETE => "/api/v1/projects/$pid/members/$extra->{id}");
    is($r->{status}, 200, 'removed through this httpd');
    is(seen('extra'), '404:-:-', 'refused at once, whichever child answers');
};

subtest 'a logout through this httpd refuses at once' => sub {
    my $u = $U{viewer};
    my $s = login($u->{email}, $u->{password}, base => $base)->{json}{data};
    local $U{viewer}{access} = $s->{access_token};
    like(seen('viewer'), qr/^200:/, 'a new session reads (remembered)');
    my $r = http(POST => '/api/v1/auth/logout', base => $base, json => { refresh_token => $s->{refresh_token} });
    is($r->{status}, 200, 'logout');
    is(seen('viewer'), '401:-:-', 'refused at once');
};

subtest 'a write behind its back shows within the seconds, not before' => sub {
    # remembered from $t0 on: for 4 s, unless it is written through this httpd
    my $t0 = Time::HiRes::time();
    my $before = seen('viewer', 4, 'keep');
    like($before, qr/^200:\d+:\d+$/, "the list as remembered: $before");
    my ($count) = $before =~ /^200:(\d+):/;
    # through the suite's own httpd: the same database, not this one's counters
    my $r = call($U{reviewer}, POST => "/projects/$pid/feedbacks",
                 { video_id => $vid, timestamp => 0.4, content => "behind its back $tag" });
    is($r->{status}, 201, 'a feedback created through the other httpd');
    my $now = seen('viewer', 6, 'keep');
    ok(Time::HiRes::time() - $t0 >= 4 || $now eq $before,
       "still the remembered answer within the 4 s ($now)");
    sleep 5;
    is(seen('viewer'), '200:' . ($count + 1) . ':' . (($before =~ /:(\d+)$/)[0] + 1),
       'after the seconds, every child answers the new list');
};

# projects(WHO, N, KEEP): N reads of WHO's project list, as seen() reads:
# "STATUS:COUNT:NAMES" of each, sorted and unique
sub projects {
    my ($who, $n, $keep) = @_;
    my %s;
    for (1 .. $n // 12) {
        my $r = get($who, '/api/v1/projects?ordering=name', $keep);
        my $d = $r->{json}{data} // {};
        $s{ join ':', $r->{status}, $d->{count} // '-',
                join('|', map { $_->{name} } @{ $d->{results} // [] }) } = 1;
    }
    return join ',', sort keys %s;
}

subtest 'the list of one\'s projects: writes through this httpd at once, others within the seconds' => sub {
    my $u = $U{solo} = new_user();
    is(projects('solo'), '200:0:', 'no projects (remembered)');
    my $r = http(POST => '/api/v1/projects', base => $base, headers => bearer($u->{access}),
                 json => { name => "alpha $tag" });
    is($r->{status}, 201, 'a project created through this httpd');
    my $p = $r->{json}{data}{id};
    is(projects('solo'), "200:1:alpha $tag", 'listed at once by every child');
    $r = http(PATCH => "/api/v1/projects/$p", base => $base, headers => bearer($u->{access}),
              json => { name => "beta $tag" });
    is($r->{status}, 200, 'renamed through this httpd');
    is(projects('solo'), "200:1:beta $tag", 'the new name at once');
    is(projects('viewer') =~ /beta \Q$tag\E/ ? 'listed' : 'not listed', 'not listed',
       'another user\'s list does not have it');
    $r = http(POST => "/api/v1/projects/$p/members", base => $base, headers => bearer($u->{access}),
              json => { user_id => $U{viewer}{id}, role => 'viewer' });
    is($r->{status}, 201, 'the viewer added through this httpd');
    like(projects('viewer'), qr/beta \Q$tag\E/, 'in the viewer\'s list at once');

    # (the viewer's addition was a write: remembered again first)
    my $t0 = Time::HiRes::time();
    is(projects('solo', 4, 'keep'), "200:1:beta $tag", 'the list again (remembered)');
    # through the suite's own httpd: the same database, not this one's counters
    is(call($u, PATCH => "/projects/$p", { name => "gamma $tag" })->{status}, 200,
       'renamed through the other httpd');
    my $now = projects('solo', 6, 'keep');
    ok(Time::HiRes::time() - $t0 >= 4 || $now eq "200:1:beta $tag",
       "still the remembered list within the 4 s ($now)");
    sleep 5;
    is(projects('solo'), "200:1:gamma $tag", 'after the seconds, the new name everywhere');
};

httpd_variant_stop($dir);
done_testing;
