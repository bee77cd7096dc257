# Feedback (spec section 6; issue 15) against the real stack: the list's
# filters, orderings, pages and totals computed again here from what was
# created; anonymous and nickname authors as each role sees them, in
# lists, reads, the author filter and the events; drawing_data and tags
# rules; positions as seconds, frames and drop-frame timecodes on a real
# 29.97 fps clip probed by vplanetd; the permission split of PATCH and
# DELETE, soft deletion, bad input; screenshots as data URLs and form
# parts; Idempotency-Key; 20 parallel creates and updates; carry-over
# between versions (5 at once too); the per-user creation limit.
# (Who may call each route is t/22-roles.t with t/roles.table.)
#
# The clips are made here by ffmpeg (64x48, x264 ultrafast: seconds to
# encode) and probed by the stack's vplanetd; the test waits until each
# video it needs has its fps and duration.
use strict;
use warnings;
use utf8;
use Test::More;
use JSON::PP ();
use File::Temp ();
use POSIX qw(floor);
use Encode ();
use MIME::Base64 ();
use VP;
use VPVideo;

# test names hold the non-ASCII strings they check
binmode(Test::More->builder->$_, ':encoding(UTF-8)') for qw(output failure_output todo_output);

my $tag = sprintf '%x%x', $$, time;
my $JSON = JSON::PP->new->utf8->canonical;

# ---- people and projects ----
my %U = map { $_ => new_user() }
    qw(owner admin editor reviewer reviewer2 viewer outsider crowd limited);
my $P = new_project($U{owner}, "Feedback $tag");
my %ROLE = (admin => 'admin', editor => 'editor', reviewer => 'reviewer', reviewer2 => 'reviewer',
            viewer => 'viewer', crowd => 'reviewer', limited => 'reviewer');
api($U{owner}, POST => "/projects/$P/members", { user_id => $U{$_}{id}, role => $ROLE{$_} })
    for sort keys %ROLE;
my $Q = new_project($U{outsider}, "Another tenant $tag");     # another tenant

# ---- clips ----
my $tmp = File::Temp::tempdir(CLEANUP => 1);
# clip(RATE, SECONDS): the bytes of a 64x48 mp4 of that frame rate and length
sub clip {
    my ($rate, $seconds) = @_;
    my $out = "$tmp/clip-" . ($rate =~ s{/}{-}r) . "-$seconds.mp4";
    system('ffmpeg', '-nostdin', '-v', 'error', '-y', '-f', 'lavfi',
           '-i', "testsrc=size=64x48:rate=$rate:duration=$seconds",
           '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-f', 'mp4', $out) == 0
        or die "ffmpeg could not make the $rate fps clip\n";
    return slurp($out);
}
my ($NTSC, $TEN, $FOUR) = (clip('30000/1001', 62), clip(25, 10), clip(25, 4));

# video(PROJECT, TITLE, BYTES, WHO): an upload's answer (dies unless 201)
sub video {
    my ($pid, $title, $bytes, $who) = @_;
    my $r = upload($U{$who // 'owner'}, $pid, title => $title, file => $bytes);
    die "upload $title: $r->{status} $r->{body}\n" unless $r->{status} == 201;
    return $r->{json}{data};
}
# the ones that must be probed first, in the order they are needed
my %V;
$V{ntsc} = video($P, "NTSC $tag", $NTSC);
$V{main} = video($P, "Main $tag", $TEN);
$V{cut1} = video($P, "Cut $tag", $TEN);
$V{cut2} = video($P, "Cut $tag", $FOUR);
$V{other} = video($P, "Other stack $tag", $FOUR);
$V{crowd} = video($P, "Crowd $tag", $TEN);
$V{doomed} = video($P, "Doomed $tag", fixture('mp4'));
$V{foreign} = video($Q, "Foreign $tag", fixture('mp4'), 'outsider');

# A video never probed: its encoding job taken out of the queue (or, when
# a vplanetd took it already, waited for and its probe undone), so that
# its frame rate stays unknown.
$V{raw} = video($P, "Raw $tag", fixture('mp4'));
psql("UPDATE encoding_jobs SET status = 'done', finished_at = now()"
   . " WHERE video_id = :'v' AND status = 'queued'", "v=$V{raw}{id}");
wait_for(60, sub { psql("SELECT status FROM encoding_jobs WHERE video_id = :'v'", "v=$V{raw}{id}")
                   =~ /^(done|failed|)$/ });
psql("UPDATE videos SET fps_num = NULL, fps_den = NULL, duration_s = NULL WHERE id = :'v'",
     "v=$V{raw}{id}");

# probed(NAME): the video once vplanetd has its frame rate and length
sub probed {
    my ($name) = @_;
    my $v = wait_for(90, sub {
        my $g = api($U{owner}, GET => "/videos/$V{$name}{id}");
        defined $g->{fps} && defined $g->{duration_s} ? $g : undef });
    die "video $name was not probed within 90 s\n" unless $v;
    return $V{$name} = $v;
}

# ---- helpers ----
# create(WHO, BODY, PROJECT): POST /projects/PROJECT/feedbacks (P by default)
sub create { my ($who, $body, $pid) = @_; call($U{$who}, POST => '/projects/' . ($pid // $P) . '/feedbacks', $body) }
# made(WHO, BODY): a feedback that must be created; its data
sub made {
    my ($who, $body, $pid) = @_;
    my $r = create($who, $body, $pid);
    die "create as $who: $r->{status} $r->{body}\n" unless $r->{status} == 201;
    return $r->{json}{data};
}
sub list {
    my ($who, $query, $pid) = @_;
    return call($U{$who}, GET => '/projects/' . ($pid // $P) . "/feedbacks?$query");
}
# fails(RES, STATUS, KEY, NAME): an error with STATUS whose details name KEY
sub fails {
    my ($r, $status, $key, $name) = @_;
    # (the code only of an error answer: error_ok reads it even when the status differs)
    my $ok = error_ok($r, $status, $status == 422 && $r->{json}{error} ? 'validation_failed' : undef, $name);
    return $ok unless defined $key;
    ok(exists(($r->{json}{error}{details} // {})->{$key}), "$name: details name $key")
        or diag('details: ' . $JSON->encode($r->{json}{error}{details} // {}));
}
sub events_mark { psql("SELECT coalesce(max(id), 0) FROM events WHERE project_id = :'p'", "p=$_[0]") + 0 }
sub feedback_count { api($U{owner}, GET => "/videos/$_[0]")->{feedback_count} }
sub near { abs($_[0] - $_[1]) < ($_[2] // 1e-9) }

# ==== 2. the list: filters, orderings, pages, totals ====
subtest 'filters, each checked against the feedback created, with their totals by status' => sub {
    local $VP::IP = new_ip();
    my $F = new_project($U{owner}, "Feedback filters $tag");
    api($U{owner}, POST => "/projects/$F/members", { user_id => $U{$_}{id}, role => $ROLE{$_} })
        for qw(editor reviewer viewer);
    my @vids = map { video($F, "Filter $_ $tag", $TEN) } 1, 2;
    my @authors = qw(owner editor reviewer);
    my @prio = qw(low medium high critical);
    my @kinds = qw(general technical creative urgent);
    my @tagsets = ([], ['color'], ['sound', 'color'], ['vfx'], ['color', 'vfx', 'sound']);
    my @status = qw(open in_progress resolved closed open);
    my @made;
    for my $i (0 .. 23) {
        my $f = made($authors[$i % 3], {
            video_id => $vids[$i % 2]{id}, timestamp => ($i * 7 % 10) + 0.25 * ($i % 2),
            content => "filter $i", priority => $prio[$i % 4], kind => $kinds[int($i / 2) % 4],
            tags => $tagsets[$i % 5] }, $F);
        my $s = $status[$i % 5];
        $f = api($U{editor}, PATCH => "/feedbacks/$f->{id}", { status => $s }) if $s ne 'open';
        push @made, $f;
    }
    is(scalar(@made), 24, '24 feedbacks made');
    my %by_id = map { $_->{id} => $_ } @made;

    # the expected answer of a filter, computed here
    my %match = (
        video_id => sub { $_[0]{video_id} eq $_[1] },
        status   => sub { $_[0]{status} eq $_[1] },
        priority => sub { $_[0]{priority} eq $_[1] },
        author   => sub { ($_[0]{author}{id} // '') eq $_[1] },
        tag      => sub { grep { $_ eq $_[1] } @{ $_[0]{tags} } },
        kind     => sub { $_[0]{kind} eq $_[1] },
    );
    my @cases = ((map { [video_id => $_->{id}] } @vids),
                 (map { [status => $_] } qw(open in_progress resolved closed)),
                 (map { [priority => $_] } @prio),
                 (map { [author => $U{$_}{id}] } @authors, 'viewer'),
                 (map { [tag => $_] } qw(color sound vfx none)),
                 (map { [kind => $_] } @kinds),
                 [status => 'open', priority => 'low'],
                 [video_id => $vids[1]{id}, tag => 'color'],
                 [author => $U{reviewer}{id}, kind => 'technical', status => 'closed']);
    for my $c (@cases) {
        my %f = @$c;
        my @want = grep { my $m = $_; !grep { !$match{$_}->($m, $f{$_}) } keys %f } @made;
        my %nostatus = map { $_ => $f{$_} } grep { $_ ne 'status' } keys %f;
        my @tabs = grep { my $m = $_; !grep { !$match{$_}->($m, $nostatus{$_}) } keys %nostatus } @made;
        my %stats = map { my $s = $_; ($s => scalar grep { $_->{status} eq $s } @tabs) }
            qw(open in_progress resolved closed);
        my $q = join '&', map { "$_=$f{$_}" } sort keys %f;
        my $r = list(viewer => "$q&page_size=100", $F);
        envelope_ok($r, 200, "?$q") or next;
        my $d = $r->{json}{data};
        is_deeply([sort map { $_->{id} } @{ $d->{results} }], [sort map { $_->{id} } @want],
                  "?$q: the " . scalar(@want) . ' feedbacks it should find');
        is($d->{count}, scalar @want, "?$q: count");
        is_deeply($d->{stats}, \%stats, "?$q: stats count every filter but status");
    }
    my %all_stats = map { my $s = $_; ($s => scalar grep { $_->{status} eq $s } @made) }
        qw(open in_progress resolved closed);
    is_deeply(\%all_stats, { open => 9, in_progress => 5, resolved => 5, closed => 5 }, 'the statuses made');
    my $d = list(viewer => 'page_size=100', $F)->{json}{data};
    is($d->{count}, 24, 'no filter: all 24');
    is_deeply($d->{stats}, \%all_stats, 'no filter: stats');

    # the orderings, computed here over what the answers of the writes said
    my %urgency = (critical => 1, high => 2, medium => 3, low => 4);
    my %order = (
        'timestamp'   => sub { $_[0]{timestamp} <=> $_[1]{timestamp} || $_[0]{id} cmp $_[1]{id} },
        '-timestamp'  => sub { $_[1]{timestamp} <=> $_[0]{timestamp} || $_[1]{id} cmp $_[0]{id} },
        'created_at'  => sub { $_[0]{created_at} cmp $_[1]{created_at} || $_[0]{id} cmp $_[1]{id} },
        '-created_at' => sub { $_[1]{created_at} cmp $_[0]{created_at} || $_[1]{id} cmp $_[0]{id} },
        'priority'    => sub { $urgency{$_[0]{priority}} <=> $urgency{$_[1]{priority}}
                               || $_[0]{timestamp} <=> $_[1]{timestamp} || $_[0]{id} cmp $_[1]{id} },
        '-priority'   => sub { $urgency{$_[1]{priority}} <=> $urgency{$_[0]{priority}}
                               || $_[0]{timestamp} <=> $_[1]{timestamp} || $_[0]{id} cmp $_[1]{id} },
    );
    for my $o (sort keys %order) {
        my @want = map { $_->{id} } sort { $order{$o}->($a, $b) } @made;
        my $r = list(viewer => "ordering=$o&page_size=100", $F);
        is_deeply([map { $_->{id} } @{ $r->{json}{data}{results} }], \@want, "ordering=$o");
    }
    my $default = list(viewer => 'page_size=100', $F)->{json}{data}{results};
    is_deeply([map { $_->{id} } @$default],
              [map { $_->{id} } sort { $order{timestamp}->($a, $b) } @made], 'the default ordering is timestamp');
    my %seen;
    ok((grep { $seen{$_->{timestamp}}++ } @made) > 0, 'some timestamps tie, so the id breaks ties here');

    # pages of 5 across the ordering by priority, with a status filter
    for my $q ('ordering=priority', 'ordering=-created_at&status=open') {
        my $all = list(viewer => "$q&page_size=100", $F)->{json}{data};
        my (@ids, $next, %counts);
        for my $page (1 .. 6) {
            my $r = list(viewer => "$q&page_size=5&page=$page", $F);
            envelope_ok($r, 200, "$q page $page") or last;
            my $d = $r->{json}{data};
            $counts{$d->{count}}++;
            push @ids, map { $_->{id} } @{ $d->{results} };
            if ($page == 1) {
                is($d->{previous}, undef, "$q page 1: no previous");
                like($d->{next} // '', qr/[?&]page=2\b/, "$q page 1: next is page 2");
            }
        }
        is_deeply(\@ids, [map { $_->{id} } @{ $all->{results} }], "$q: the pages of 5 make the whole list, in order");
        is_deeply([keys %counts], [$all->{count}], "$q: each page has the same count");
        my $past = list(viewer => "$q&page_size=5&page=9", $F)->{json}{data};
        is_deeply($past->{results}, [], "$q: a page past the end is empty");
        is_deeply([@$past{qw(count stats)}], [@$all{qw(count stats)}], "$q: ... with the same count and stats");
    }

    # project stats
    my $st = api($U{viewer}, GET => "/projects/$F/stats")->{feedback};
    is($st->{total}, 24, 'project stats: feedback total');
    is_deeply($st->{by_status}, \%all_stats, 'project stats: by status');
    is_deeply($st->{by_priority}, { map { $_ => 6 } @prio }, 'project stats: by priority');

    # a deletion leaves the totals
    api($U{owner}, DELETE => "/feedbacks/$made[0]{id}");
    my $after = api($U{viewer}, GET => "/projects/$F/stats")->{feedback};
    is($after->{total}, 23, 'project stats after a deletion: 23');
    is($after->{by_status}{$made[0]{status}}, $all_stats{$made[0]{status}} - 1, '... one fewer of its status');
    is(list(viewer => '', $F)->{json}{data}{count}, 23, '... and the list counts 23');

    # ?fields=
    my $r = list(viewer => 'fields=id,status&page_size=3', $F);
    envelope_ok($r, 200, '?fields=id,status');
    is_deeply([sort keys %{ $r->{json}{data}{results}[0] }], [qw(id status)], '... only those fields');
    $r = list(viewer => 'fields=id,frame,timecode&page_size=3', $F);
    is_deeply([sort keys %{ $r->{json}{data}{results}[0] }], [qw(frame id timecode)],
              '?fields=id,frame,timecode: those, without the timestamp they come from');
    fails(list(viewer => 'fields=id,nope', $F), 400, undef, '?fields= with an unknown field: 400');

    # bad filter values: 422 naming the argument
    for my $bad (['video_id=nope', 'video_id'], ['status=done', 'status'], ['status=Open', 'status'],
                 ['priority=urgent', 'priority'], ['author=123', 'author'], ['tag=', 'tag'],
                 ['tag=' . ('t' x 31), 'tag'], ['kind=funny', 'kind'], ['ordering=-id', 'ordering'],
                 ['ordering=updated_at', 'ordering']) {
        fails(list(viewer => $bad->[0], $F), 422, $bad->[1], "?$bad->[0]: 422");
    }
    is(list(viewer => 'tag=' . ('t' x 30), $F)->{status}, 200, 'a tag of 30 characters is a filter');
};

# ==== 3. anonymous and nickname authors ====
subtest 'anonymous feedback: its author seen by the owner, admins and itself only; never in events' => sub {
    local $VP::IP = new_ip();
    probed('main');
    my $mark = events_mark($P);
    my $anon = made(reviewer => { video_id => $V{main}{id}, timestamp => 1, content => "anon $tag",
                                  display_mode => 'anonymous' });
    my $plain = made(reviewer => { video_id => $V{main}{id}, timestamp => 2, content => "plain $tag" });
    my $rid = $U{reviewer}{id};
    my $unmasked = "$U{reviewer}{nickname} (Anonymous)";    # what those who may see the author read
    is($anon->{author_name}, $unmasked, 'the author reads itself marked as anonymous');
    is($anon->{author}{id}, $rid, 'the author sees itself in the answer');
    my %sees = (owner => 1, admin => 1, editor => 0, reviewer => 1, reviewer2 => 0, viewer => 0);
    for my $who (sort keys %sees) {
        my $label = "$who " . ($sees{$who} ? 'sees' : 'does not see') . ' the author';
        my $one = call($U{$who}, GET => "/feedbacks/$anon->{id}");
        envelope_ok($one, 200, "$who reads it");
        my ($in_list) = grep { $_->{id} eq $anon->{id} }
            @{ list($who => "video_id=$V{main}{id}&page_size=100")->{json}{data}{results} };
        for my $seen (['read', $one->{json}{data}], ['list', $in_list]) {
            my ($where, $f) = @$seen;
            is($f->{author_name}, $sees{$who} ? $unmasked : 'Anonymous',
               "$label ($where): author_name " . ($sees{$who} ? '"nick (Anonymous)"' : 'Anonymous'));
            if ($sees{$who}) { is($f->{author}{id}, $rid, "$label ($where): author.id") }
            else { is($f->{author}, undef, "$label ($where): author null") }
        }
        unlike($one->{body}, qr/\Q$rid\E/i, "$who: the author's id is nowhere in the read") unless $sees{$who};
        # the author filter: finds it only for those who may see it
        my $d = list($who => "author=$rid&video_id=$V{main}{id}&page_size=100")->{json}{data};
        my @ids = sort map { $_->{id} } @{ $d->{results} };
        is_deeply(\@ids, [sort($plain->{id}, $sees{$who} ? $anon->{id} : ())],
                  "$who: ?author= finds " . ($sees{$who} ? 'both' : 'the signed one only'));
        is($d->{count}, $sees{$who} ? 2 : 1, "$who: ?author= count");
        is($d->{stats}{open}, $sees{$who} ? 2 : 1, "$who: ?author= stats do not count it either");
        $d = list($who => "author=$rid&video_id=$V{main}{id}&fields=id,author_name")->{json}{data};
        is($d->{count}, $sees{$who} ? 2 : 1, "$who: ?author= with ?fields=: the same count");
        my ($slim) = grep { $_->{id} eq $anon->{id} }
            @{ list($who => "video_id=$V{main}{id}&fields=id,author&page_size=100")->{json}{data}{results} };
        is($slim->{author} ? $slim->{author}{id} : undef, $sees{$who} ? $rid : undef,
           "$who: ?fields=id,author: the same author as the whole item");
    }
    my $upper = list(reviewer => 'author=' . uc($rid) . "&video_id=$V{main}{id}")->{json}{data};
    is($upper->{count}, 2, 'the author filtering on its own id in upper case finds its anonymous one too');
    $upper = list(editor => 'author=' . uc($rid) . "&video_id=$V{main}{id}")->{json}{data};
    is($upper->{count}, 1, '... and the editor, in upper case, still does not');

    # an edit by its author, and its deletion: the events hide the author too
    api($U{reviewer}, PATCH => "/feedbacks/$anon->{id}", { content => "anon edited $tag" });
    api($U{editor}, PATCH => "/feedbacks/$anon->{id}", { status => 'in_progress' });
    my @ev = grep { ($_->{payload}{id} // '') eq $anon->{id} } @{ events_after($P, $mark) };
    is_deeply([map { $_->{type} } @ev], ['feedback.created', 'feedback.updated', 'feedback.updated'],
              'its events: created, updated twice');
    for my $e (@ev) {
        is($e->{payload}{author}, undef, "$e->{type}: payload author null");
        is($e->{payload}{author_name}, 'Anonymous', "$e->{type}: payload author_name Anonymous");
        unlike($JSON->encode($e->{payload}), qr/\Q$rid\E/i, "$e->{type}: the author's id is nowhere in the payload");
    }
    my ($plain_ev) = grep { ($_->{payload}{id} // '') eq $plain->{id} } @{ events_after($P, $mark) };
    is($plain_ev->{payload}{author}{id}, $rid, 'a signed feedback\'s event names its author');

    # the feed members read (GET /projects/{id}/events): the viewer must not
    # learn who wrote it from the event around the payload either
    my $feed = call($U{viewer}, GET => "/projects/$P/events?since_id=$mark&limit=100");
    envelope_ok($feed, 200, 'the viewer reads the event feed');
    my @mine = grep { ($_->{payload}{id} // '') eq $anon->{id} && $_->{type} eq 'feedback.created' }
        @{ $feed->{json}{data}{results} // [] };
    is(scalar @mine, 1, 'the feed has the anonymous feedback\'s creation');
    unlike($JSON->encode($mine[0] // {}), qr/\Q$rid\E/i,
           'the anonymous feedback\'s event in the viewer\'s feed does not name its author (actor_id included)');
    is($mine[0]{actor_id}, undef, '... its actor_id is null');
    my @rows = grep { ($_->{payload}{id} // '') eq $anon->{id} } @{ events_after($P, $mark) };
    is_deeply([map { $_->{actor_id} } @rows], [undef, undef, $U{editor}{id}],
              'its event rows: no actor for the author\'s creation and edit, the editor for the status change');


    # its deletion by its author names no actor either
    my $m2 = events_mark($P);
    api($U{reviewer}, DELETE => "/feedbacks/$anon->{id}");
    my ($del) = grep { $_->{type} eq 'feedback.deleted' } @{ events_after($P, $m2) };
    ok($del && !defined $del->{actor_id}, 'the author deleting it: feedback.deleted names no actor')
        or diag($JSON->encode($del // {}));

    # becoming anonymous by an edit hides the author from then on
    $m2 = events_mark($P);
    api($U{reviewer}, PATCH => "/feedbacks/$plain->{id}", { display_mode => 'anonymous' });
    my ($became) = @{ events_after($P, $m2) };
    ok($became && !defined $became->{actor_id} && !defined $became->{payload}{author},
       'the edit that makes it anonymous names no actor and no author') or diag($JSON->encode($became // {}));
    is(api($U{viewer}, GET => "/feedbacks/$plain->{id}")->{author}, undef,
       'made anonymous by an edit: the viewer no longer sees the author');
    is(api($U{owner}, GET => "/feedbacks/$plain->{id}")->{author}{id}, $rid, '... the owner still does');
};

subtest 'nickname mode shows the display name; without one it is 422' => sub {
    local $VP::IP = new_ip();
    my $f = made(reviewer2 => { video_id => $V{main}{id}, timestamp => 3, content => 'nick',
                                display_mode => 'nickname', display_name => 'Blue Fox' });
    is($f->{author_name}, 'Blue Fox', 'author_name is the display name');
    is($f->{display_name}, 'Blue Fox', 'display_name');
    is(api($U{viewer}, GET => "/feedbacks/$f->{id}")->{author_name}, 'Blue Fox', 'as the viewer reads it');
    my $plain = made(reviewer2 => { video_id => $V{main}{id}, timestamp => 3, content => 'real' });
    is($plain->{author_name}, $U{reviewer2}{nickname}, 'realname mode: author_name is the account\'s nickname');
    fails(create(reviewer2 => { video_id => $V{main}{id}, timestamp => 3, content => 'x',
                                display_mode => 'nickname' }), 422, 'display_name', 'nickname without display_name');
    fails(create(reviewer2 => { video_id => $V{main}{id}, timestamp => 3, content => 'x',
                                display_mode => 'nickname', display_name => 'x' x 21 }),
          422, 'display_name', 'a display name of 21 characters');
    is(create(reviewer2 => { video_id => $V{main}{id}, timestamp => 3, content => 'x',
                             display_mode => 'nickname', display_name => 'é' x 20 })->{status},
       201, 'a display name of 20 characters (not bytes)');
    fails(call($U{reviewer2}, PATCH => "/feedbacks/$plain->{id}", { display_mode => 'nickname' }),
          422, 'display_name', 'PATCH to nickname without a display name');
};

# ==== 4. drawing_data and tags ====
subtest 'drawing_data: each rule with a passing and a failing case, the details keyed by path' => sub {
    local $VP::IP = new_ip();
    my $n = 0;
    my $shape = sub { +{ type => 'rectangle', coordinates => [0.1, 0.1, 0.5, 0.5],
                         style => { color => '#FF0000', width => 2 }, @_ } };
    my $draw = sub { create(reviewer => { video_id => $V{main}{id}, timestamp => 1,
                                          content => 'drawing ' . ++$n, drawing_data => $_[0] }) };
    my $pass = sub {
        my ($d, $name) = @_;
        my $r = $draw->($d);
        envelope_ok($r, 201, "passes: $name") or return;
        is_deeply($r->{json}{data}{drawing_data}, $d, "$name: stored as sent");
    };
    my $fail = sub {
        my ($d, $key, $name) = @_;
        my $r = $draw->($d);
        fails($r, 422, $key, "fails: $name");
    };
    my @three = map { $shape->() } 1 .. 3;
    $pass->({ shapes => [map { $shape->() } 1 .. 50] }, '50 shapes');
    $fail->({ shapes => [map { $shape->() } 1 .. 51] }, 'drawing_data.shapes', '51 shapes');
    $pass->({ shapes => [] }, 'no shapes');
    $pass->({ shapes => [map { $shape->(type => $_, ($_ eq 'text' ? (text => 'hi') : ())) }
                         qw(rectangle circle arrow text freehand)] }, 'each type');
    $fail->({ shapes => [@three, $shape->(type => 'hexagon')] }, 'drawing_data.shapes[3].type', 'an unknown type');
    $fail->({ shapes => [@three, $shape->(coordinates => [0.5])] }, 'drawing_data.shapes[3].coordinates',
            'one coordinate');
    $pass->({ shapes => [$shape->(coordinates => [0.5, 0.5])] }, '2 coordinates');
    $pass->({ shapes => [$shape->(coordinates => [(0.5) x 8])] }, '8 coordinates');
    $fail->({ shapes => [$shape->(coordinates => [(0.5) x 10])] }, 'drawing_data.shapes[0].coordinates',
            '10 coordinates');
    $fail->({ shapes => [$shape->(coordinates => [(0.5) x 9])] }, 'drawing_data.shapes[0].coordinates',
            '9 coordinates');
    $pass->({ shapes => [$shape->(coordinates => [0, 0, 1, 1])] }, 'coordinates 0 and 1');
    $fail->({ shapes => [$shape->(coordinates => [0, 0, 1.01, 1])] }, 'drawing_data.shapes[0].coordinates',
            'a coordinate above 1');
    $fail->({ shapes => [$shape->(), $shape->(coordinates => [-0.01, 0])] }, 'drawing_data.shapes[1].coordinates',
            'a coordinate below 0');
    $fail->({ shapes => [$shape->(coordinates => [0, '0.5'])] }, 'drawing_data.shapes[0].coordinates',
            'a coordinate that is a string');
    my @free = map { ($_ % 100) / 100 } 1 .. 2000;
    $pass->({ shapes => [$shape->(type => 'freehand', coordinates => \@free)] }, 'freehand with 2000 coordinates');
    $fail->({ shapes => [$shape->(type => 'freehand', coordinates => [@free, 0.5])] },
            'drawing_data.shapes[0].coordinates', 'freehand with 2001 coordinates');
    $fail->({ shapes => [$shape->(type => 'freehand', coordinates => [@free, 0.5, 0.5])] },
            'drawing_data.shapes[0].coordinates', 'freehand with 2002 coordinates');
    $pass->({ shapes => [$shape->(style => { color => '#a1B2c3', width => 1 })] }, 'colour #a1B2c3, width 1');
    $pass->({ shapes => [$shape->(style => { color => '#000000', width => 10 })] }, 'width 10');
    for my $c ('#GG0000', 'red', '#FFF', '#FF00000', 'FF0000') {
        $fail->({ shapes => [$shape->(style => { color => $c, width => 2 })] },
                'drawing_data.shapes[0].style.color', "colour $c");
    }
    $fail->({ shapes => [$shape->(style => { color => '#FF0000', width => 0 })] },
            'drawing_data.shapes[0].style.width', 'width 0');
    $fail->({ shapes => [$shape->(style => { color => '#FF0000', width => 11 })] },
            'drawing_data.shapes[0].style.width', 'width 11');
    $fail->({ shapes => [$shape->(style => undef)] }, 'drawing_data.shapes[0].style', 'no style');
    $pass->({ shapes => [$shape->(type => 'text', text => 'é' x 200)] }, 'text of 200 characters on a text shape');
    $fail->({ shapes => [$shape->(type => 'text', text => 'é' x 201)] }, 'drawing_data.shapes[0].text',
            'text of 201 characters');
    $fail->({ shapes => [$shape->(type => 'text')] }, 'drawing_data.shapes[0].text', 'a text shape without text');
    $fail->({ shapes => [$shape->(text => 'hello')] }, 'drawing_data.shapes[0].text', 'text on a rectangle');
    $fail->({ shapes => [$shape->(opacity => 0.5)] }, 'drawing_data.shapes[0].opacity', 'an unknown key of a shape');
    $fail->({ shapes => [$shape->(style => { color => '#FF0000', width => 2, dash => 1 })] },
            'drawing_data.shapes[0].style.dash', 'an unknown key of a style');
    $fail->({ shapes => [], layers => 1 }, 'drawing_data.layers', 'an unknown key of the drawing');
    $fail->({}, 'drawing_data.shapes', 'no shapes list');
    $fail->({ shapes => ['box'] }, 'drawing_data.shapes[0]', 'a shape that is no object');
    # several problems at once: each named
    my $r = $draw->({ shapes => [$shape->(), $shape->(type => 'blob'), $shape->(style => { color => 'x', width => 99 })] });
    fails($r, 422, 'drawing_data.shapes[1].type', 'several problems: the first');
    ok(exists $r->{json}{error}{details}{'drawing_data.shapes[2].style.color'}
       && exists $r->{json}{error}{details}{'drawing_data.shapes[2].style.width'}, '... and the others');
    fails($draw->([]), 400, 'drawing_data', 'drawing_data that is a list: 400');
    is($draw->(undef)->{status}, 201, 'drawing_data null: no drawing');

    # on PATCH too
    my $f = made(reviewer => { video_id => $V{main}{id}, timestamp => 1, content => 'to redraw' });
    fails(call($U{reviewer}, PATCH => "/feedbacks/$f->{id}",
               { drawing_data => { shapes => [$shape->(type => 'hexagon')] } }),
          422, 'drawing_data.shapes[0].type', 'PATCH with a bad drawing');
    my $good = { shapes => [$shape->(type => 'circle')] };
    is_deeply(api($U{reviewer}, PATCH => "/feedbacks/$f->{id}", { drawing_data => $good })->{drawing_data},
              $good, 'PATCH with a good drawing');
};

subtest 'tags: at most 10, each 1 to 30 characters of text, duplicates folded' => sub {
    local $VP::IP = new_ip();
    my $t = sub { create(reviewer => { video_id => $V{main}{id}, timestamp => 1, content => 'tags', tags => $_[0] }) };
    is_deeply($t->([map { "t$_" } 1 .. 10])->{json}{data}{tags}, [map { "t$_" } 1 .. 10], '10 tags');
    fails($t->([map { "t$_" } 1 .. 11]), 422, 'tags', '11 tags');
    is_deeply($t->(['a', 'é' x 30])->{json}{data}{tags}, ['a', 'é' x 30], 'a tag of 30 characters');
    my @bad = ([['a', 'x' x 31], 'tags[1]', 'a tag of 31 characters'], [[5], 'tags[0]', 'a tag that is a number'],
               [['a', ['b']], 'tags[1]', 'a tag that is a list'], [['a', ''], 'tags[1]', 'an empty tag']);
    for my $b (@bad) {
        my $r = $t->($b->[0]);
        fails($r, 422, undef, $b->[2]);
        ok(exists(($r->{json}{error}{details} // {})->{$b->[1]}), "$b->[2]: details name $b->[1]")
            or diag('details: ' . $JSON->encode($r->{json}{error}{details} // {}));
    }
    is_deeply($t->(['a', 'b', 'a'])->{json}{data}{tags}, ['a', 'b'], 'a tag given twice is one');
    fails($t->('a'), 400, 'tags', 'tags that are a string: 400');
    is_deeply($t->([])->{json}{data}{tags}, [], 'no tags');
};

# ==== 5. timecode on a real 29.97 fps clip ====
subtest 'positions at 29.97 fps: drop-frame timecodes, frames, snapped seconds, the video\'s length' => sub {
    local $VP::IP = new_ip();
    my $v = probed('ntsc');
    is($v->{fps}, '30000/1001', 'vplanetd probed the clip: 30000/1001');
    ok($v->{duration_s} > 61.5 && $v->{duration_s} < 62.5, "its duration ($v->{duration_s} s)");
    my $vid = $v->{id};
    my $at = sub { create(reviewer => { video_id => $vid, content => 'tc', @_ }) };
    my $start = sub { $_[0] * 1001 / 30000 };

    my $r = $at->(timecode => '00:01:00;02');
    envelope_ok($r, 201, 'by timecode 00:01:00;02') or return;
    my $f = $r->{json}{data};
    is($f->{frame}, 1800, '... frame 1800');
    is($f->{timecode}, '00:01:00;02', '... the same timecode back');
    ok(near($f->{timestamp}, $start->(1800)), "... timestamp 1800 * 1001 / 30000 ($f->{timestamp})");
    my $g = api($U{viewer}, GET => "/feedbacks/$f->{id}");
    is_deeply([@$g{qw(frame timecode)}], [1800, '00:01:00;02'], 'read back: frame and timecode');
    for my $label ('00:01:00;00', '00:01:00;01') {
        fails($at->(timecode => $label), 422, 'timecode', "$label (a label drop-frame skips)");
    }
    is($at->(timecode => '00:10:00;00')->{status}, 422, '00:10:00;00 (kept at minute 10, but past the clip)');

    $r = $at->(frame => 1799);
    envelope_ok($r, 201, 'by frame 1799');
    my $f1799 = $r->{json}{data};
    is($f1799->{timecode}, '00:00:59;29', '... 00:00:59;29');
    ok(near($f1799->{timestamp}, $start->(1799)), '... its timestamp is the frame\'s start');
    $r = $at->(timestamp => $f1799->{timestamp});
    is($r->{json}{data}{frame}, 1799, 'the timestamp of frame 1799 given back is frame 1799 again');

    $r = $at->(timecode => '00:00:10;00', end_timecode => '00:00:12;15');
    envelope_ok($r, 201, 'a range by timecodes');
    is_deeply([@{ $r->{json}{data} }{qw(frame end_frame timecode end_timecode)}],
              [300, 375, '00:00:10;00', '00:00:12;15'], '... frames 300 to 375');

    for my $t (12.345, 0.02, 33.3667, 61.5) {
        my $want = floor($t * 30000 / 1001);
        $r = $at->(timestamp => $t);
        envelope_ok($r, 201, "by timestamp $t") or next;
        my $d = $r->{json}{data};
        is($d->{frame}, $want, "... frame $want");
        ok(near($d->{timestamp}, $start->($want)), "... snapped to the frame's start ($d->{timestamp})");
    }
    is($at->(timestamp => 0)->{json}{data}{timecode}, '00:00:00;00', 'timestamp 0: 00:00:00;00');

    # the clip's last frame: its stored duration (rounded to a millisecond)
    # is the nearest whole number of frames
    my $frames = int($v->{duration_s} * 30000 / 1001 + 0.5);
    envelope_ok($at->(frame => $frames - 1), 201, "its last frame, $frames - 1");
    fails($at->(frame => $frames), 422, 'frame', "frame $frames (one past the last)");
    $r = $at->(timestamp => $v->{duration_s});
    is($r->{json}{data}{frame}, $frames - 1, 'a timestamp at the very end is the last frame');
    is($at->(frame => $frames - 10, end_frame => $frames)->{json}{data}{end_frame}, $frames,
       'a range may end at the end of the video (an end is exclusive)');
    fails($at->(timestamp => 63), 422, 'timestamp', 'a timestamp past the duration');
    fails($at->(frame => 1900), 422, 'frame', 'a frame past the duration');
    fails($at->(timecode => '00:01:05;00'), 422, 'timecode', 'a timecode past the duration');
    fails($at->(timestamp => 5, end_timestamp => 63), 422, 'end_timestamp', 'an end past the duration');
    fails($at->(timestamp => 5, end_timestamp => 4), 422, 'end_timestamp', 'an end before the start');
    fails($at->(timestamp => 5.01, end_timestamp => 5.02), 422, 'end_timestamp', 'an end in the same frame as the start');
    fails($at->(frame => 150, end_frame => 150), 422, 'end_timestamp', 'end_frame equal to frame');
    fails($at->(timestamp => 5, frame => 150), 422, 'timestamp', 'both timestamp and frame');
    fails($at->(), 422, 'timestamp', 'no position at all');
    fails($at->(timestamp => -1), 422, 'timestamp', 'a negative timestamp');
    fails($at->(frame => -1), 422, 'frame', 'a negative frame');
    fails($at->(timecode => '00:00:99;00'), 422, 'timecode', 'a timecode of 99 seconds');
    fails($at->(timecode => 'ab:cd:ef;gh'), 422, 'timecode', 'a timecode that is no number');

    # PATCH: moving the start, clearing the end
    my $m = made(reviewer => { video_id => $vid, content => 'moves', timestamp => 5, end_timestamp => 8 });
    my $u = api($U{reviewer}, PATCH => "/feedbacks/$m->{id}", { frame => 200 });
    is($u->{frame}, 200, 'PATCH by frame');
    ok(near($u->{end_timestamp}, $start->(floor(8 * 30000 / 1001))), '... the end kept');
    fails(call($U{reviewer}, PATCH => "/feedbacks/$m->{id}", { frame => 300 }), 422, 'end_timestamp',
          'PATCH moving the start past the kept end');
    $u = api($U{reviewer}, PATCH => "/feedbacks/$m->{id}", { end_timestamp => undef });
    is_deeply([@$u{qw(end_timestamp end_frame end_timecode)}], [undef, undef, undef], 'end_timestamp null clears the range');

    # at 25 fps: no drop-frame, frames 0 to 24 in a second
    fails(create(reviewer => { video_id => $V{main}{id}, content => 'x', timecode => '00:00:01;10' }), 422,
          'timecode', '25 fps: a drop-frame timecode');
    fails(create(reviewer => { video_id => $V{main}{id}, content => 'x', timecode => '00:00:01:25' }), 422,
          'timecode', '25 fps: frame number 25 in a timecode');
    $r = create(reviewer => { video_id => $V{main}{id}, content => 'x', timecode => '00:00:02:24' });
    is_deeply([@{ $r->{json}{data} // {} }{qw(frame timecode)}], [74, '00:00:02:24'], '25 fps: 00:00:02:24 is frame 74');

    # a video whose frame rate is not known yet
    my $raw = $V{raw}{id};
    is(api($U{owner}, GET => "/videos/$raw")->{fps}, undef, 'the raw video has no fps');
    fails(create(reviewer => { video_id => $raw, content => 'x', frame => 3 }), 422, 'frame',
          'by frame before the fps is known');
    fails(create(reviewer => { video_id => $raw, content => 'x', timecode => '00:00:00:03' }), 422, 'timecode',
          'by timecode before the fps is known');
    $r = create(reviewer => { video_id => $raw, content => 'x', timestamp => 0.5 });
    envelope_ok($r, 201, 'by timestamp before the fps is known');
    is_deeply([@{ $r->{json}{data} }{qw(timestamp frame timecode)}], [0.5, undef, undef],
              '... the timestamp as sent, no frame, no timecode');
    is(create(reviewer => { video_id => $raw, content => 'x', timestamp => 86400 })->{status}, 201,
       'no known length: 86400 s is the limit');
    fails(create(reviewer => { video_id => $raw, content => 'x', timestamp => 86400.5 }), 422, 'timestamp',
          '... 86400.5 s is past it');
};

# ==== 6. writes ====
subtest 'PATCH: its author edits the content, editors and above the status and priority' => sub {
    local $VP::IP = new_ip();
    my $f = made(reviewer => { video_id => $V{main}{id}, timestamp => 1, content => 'original' });
    my $path = "/feedbacks/$f->{id}";
    my $r = call($U{reviewer}, PATCH => $path, { content => 'by its author', kind => 'creative', tags => ['x'] });
    envelope_ok($r, 200, 'the reviewer-author edits content, kind and tags');
    is_deeply([@{ $r->{json}{data} }{qw(content kind tags)}], ['by its author', 'creative', ['x']], '... changed');
    for my $who (qw(owner admin editor reviewer2)) {
        fails(call($U{$who}, PATCH => $path, { content => "by $who" }), 403, undef,
              "$who cannot edit another's content: 403");
    }
    fails(call($U{viewer}, PATCH => $path, { content => 'by the viewer' }), 403, undef, 'the viewer: 403');
    fails(call($U{outsider}, PATCH => $path, { content => 'by the outsider' }), 404, undef, 'an outsider: 404');
    fails(call($U{reviewer}, PATCH => $path, { status => 'resolved' }), 403, undef, 'the reviewer-author cannot set status');
    fails(call($U{reviewer}, PATCH => $path, { priority => 'high' }), 403, undef, '... nor priority');
    fails(call($U{reviewer}, PATCH => $path, { content => 'both', status => 'resolved' }), 403, undef,
          '... nor both at once');
    fails(call($U{editor}, PATCH => $path, { status => 'resolved', content => 'both' }), 403, undef,
          'the editor cannot set status and someone else\'s content at once');
    is(api($U{viewer}, GET => $path)->{content}, 'by its author', 'the refused edits changed nothing');
    $r = call($U{editor}, PATCH => $path, { status => 'in_progress', priority => 'critical' });
    envelope_ok($r, 200, 'the editor sets status and priority');
    is_deeply([@{ $r->{json}{data} }{qw(status priority content)}], ['in_progress', 'critical', 'by its author'],
              '... changed, the content kept');
    is(api($U{admin}, PATCH => $path, { status => 'resolved' })->{status}, 'resolved', 'the admin sets status');
    is(api($U{owner}, PATCH => $path, { status => 'closed' })->{status}, 'closed', 'the owner sets status');
    fails(call($U{editor}, PATCH => $path, { status => 'done' }), 422, 'status', 'an unknown status: 422');
    fails(call($U{reviewer}, PATCH => $path, { video_id => $V{ntsc}{id} }), 400, 'video_id',
          'video_id cannot be changed: 400');
    for my $null (qw(content kind tags timestamp priority status)) {
        my $who = $null =~ /^(priority|status)$/ ? 'editor' : 'reviewer';
        fails(call($U{$who}, PATCH => $path, { $null => undef }), 422, $null, "PATCH $null null: 422");
    }
    my $nick = made(reviewer => { video_id => $V{main}{id}, timestamp => 1, content => 'nick',
                                  display_mode => 'nickname', display_name => 'Nick' });
    fails(call($U{reviewer}, PATCH => "/feedbacks/$nick->{id}", { display_name => undef }), 422, 'display_name',
          'PATCH display_name null while in nickname mode: 422');

    # an empty PATCH changes nothing, so it is no way round the author rule
    my $mark = events_mark($P);
    my $was = api($U{viewer}, GET => $path)->{updated_at};
    my $r0 = call($U{reviewer2}, PATCH => $path, {});
    fails($r0, 403, undef, 'an empty PATCH by another reviewer: 403');
    is(api($U{viewer}, GET => $path)->{updated_at}, $was, '... updated_at left alone');
    is(scalar(grep { $_->{type} eq 'feedback.updated' } @{ events_after($P, $mark) }), 0,
       '... no feedback.updated');
    fails(call($U{editor}, PATCH => $path, {}), 403, undef, 'an empty PATCH by an editor who is not the author: 403');
    envelope_ok(call($U{reviewer}, PATCH => $path, {}), 200, 'an empty PATCH by its author: 200');

    my $own = made(editor => { video_id => $V{main}{id}, timestamp => 1, content => 'editor\'s' });
    is(api($U{editor}, PATCH => "/feedbacks/$own->{id}", { content => 'e2', status => 'resolved' })->{content},
       'e2', 'an editor-author changes content and status at once');
};

subtest 'DELETE: its author or an admin; soft, gone from lists and reads, the count drops' => sub {
    local $VP::IP = new_ip();
    my $vid = $V{main}{id};
    my %f = map { $_ => made($_ => { video_id => $vid, timestamp => 2, content => "delete $_" }) }
        qw(reviewer reviewer2 editor);
    for my $who (qw(reviewer2 editor viewer)) {
        fails(call($U{$who}, DELETE => "/feedbacks/$f{reviewer}{id}"), 403, undef, "$who cannot delete the reviewer's");
    }
    fails(call($U{outsider}, DELETE => "/feedbacks/$f{reviewer}{id}"), 404, undef, 'an outsider: 404');
    my $before = feedback_count($vid);
    envelope_ok(call($U{reviewer}, DELETE => "/feedbacks/$f{reviewer}{id}"), 200, 'its author deletes it');
    is(feedback_count($vid), $before - 1, 'the video\'s feedback_count drops by one');
    fails(call($U{reviewer}, GET => "/feedbacks/$f{reviewer}{id}"), 404, undef, 'then GET: 404');
    fails(call($U{reviewer}, DELETE => "/feedbacks/$f{reviewer}{id}"), 404, undef, 'DELETE again: 404');
    fails(call($U{reviewer}, PATCH => "/feedbacks/$f{reviewer}{id}", { content => 'x' }), 404, undef, 'PATCH: 404');
    ok(!grep({ $_->{id} eq $f{reviewer}{id} } @{ list(owner => "video_id=$vid&page_size=100")->{json}{data}{results} }),
       'gone from the list');
    is(psql("SELECT deleted_at IS NOT NULL FROM feedbacks WHERE id = :'f'", "f=$f{reviewer}{id}"), 't',
       'the row stays, marked deleted (soft)');
    envelope_ok(call($U{admin}, DELETE => "/feedbacks/$f{reviewer2}{id}"), 200, 'an admin deletes another\'s');
    envelope_ok(call($U{owner}, DELETE => "/feedbacks/$f{editor}{id}"), 200, 'the owner deletes another\'s');
    is(feedback_count($vid), $before - 3, 'feedback_count: three fewer');
    is(feedback_count($vid), list(owner => "video_id=$vid")->{json}{data}{count} + 0,
       'feedback_count equals the list\'s count');
};

subtest 'deleting a video hides its feedback' => sub {
    local $VP::IP = new_ip();
    my $vid = $V{doomed}{id};
    my @f = map { made(reviewer => { video_id => $vid, timestamp => 0.5, content => "doomed $_" }) } 1, 2;
    is(feedback_count($vid), 2, 'the video counts two');
    envelope_ok(call($U{owner}, DELETE => "/videos/$vid"), 200, 'the video is deleted');
    fails(call($U{owner}, GET => "/feedbacks/$_->{id}"), 404, undef, 'its feedback: 404') for @f;
    is(list(owner => "video_id=$vid")->{json}{data}{count}, 0, 'the list of that video is empty');
    ok(!grep({ my $r = $_; grep { $_->{id} eq $r->{id} } @f } @{ list(owner => 'page_size=100&ordering=-created_at')->{json}{data}{results} }),
       'the project\'s list has none of it');
    fails(create(reviewer => { video_id => $vid, timestamp => 0.5, content => 'late' }), 422, 'video_id',
          'new feedback on the deleted video: 422 video_id');
};

subtest 'bad input: JSON, types, unknown fields, ids, injections, lengths, size' => sub {
    local $VP::IP = new_ip();
    my $vid = $V{main}{id};
    my $F = "/api/v1/projects/$P/feedbacks";
    my $post = sub { http(POST => $F, body => $_[0], headers => { %{ bearer($U{reviewer}{access}) },
                                                                 'content-type' => 'application/json' }) };
    fails($post->('{"video_id": '), 400, undef, 'malformed JSON: 400');
    is($post->('{"video_id": ')->{json}{error}{code}, 'invalid_json', '... invalid_json');
    fails($post->('[]'), 400, undef, 'a list, not an object: 400');
    fails($post->(qq({"video_id":"$vid","timestamp":1,"content":"a","content":"b"})), 400, undef, 'a duplicate key: 400');
    my %ok = (video_id => $vid, timestamp => 1, content => 'fine');
    for my $bad ([content => 5], [timestamp => '5'], [frame => 1.5], [tags => 'x'], [priority => 3],
                 [kind => JSON::PP::true], [display_mode => []], [drawing_data => 'x'], [video_id => 7]) {
        fails(create(reviewer => { %ok, @$bad }), 400, $bad->[0], "$bad->[0] of the wrong type: 400");
    }
    fails(create(reviewer => { %ok, color => 'red' }), 400, 'color', 'an unknown field: 400');
    fails(create(reviewer => { %ok, status => 'resolved' }), 400, 'status', 'status on creation: 400');
    fails(create(reviewer => { %ok, video_id => 'not-a-uuid' }), 422, 'video_id', 'video_id not a UUID: 422');
    fails(create(reviewer => { %ok, video_id => uuid4() }), 422, 'video_id', 'video_id of no video: 422');
    fails(create(reviewer => { %ok, video_id => $V{foreign}{id} }), 422, 'video_id', 'another tenant\'s video: 422');
    fails(create(reviewer => { %ok, video_id => undef }), 422, 'video_id', 'video_id null: 422');
    fails(create(reviewer => { timestamp => 1, content => 'x' }), 422, 'video_id', 'no video_id: 422');
    fails(create(reviewer => { video_id => $vid, timestamp => 1 }), 422, 'content', 'no content: 422');
    fails(create(reviewer => { %ok, content => '' }), 422, 'content', 'empty content: 422');
    fails(create(reviewer => { %ok, content => 'x' x 5001 }), 422, 'content', 'content of 5001 characters: 422');
    is(create(reviewer => { %ok, content => 'é' x 5000 })->{status}, 201, 'content of 5000 characters (2-byte each)');
    fails(create(reviewer => { %ok, kind => 'funny' }), 422, 'kind', 'an unknown kind: 422');
    fails(create(reviewer => { %ok, priority => 'urgent' }), 422, 'priority', 'an unknown priority: 422');
    fails(create(reviewer => { %ok, display_mode => 'ghost' }), 422, 'display_mode', 'an unknown display_mode: 422');
    my $d = made(reviewer => { %ok });
    is_deeply([@$d{qw(kind priority status display_mode tags drawing_data comments_count carried_from)}],
              ['general', 'medium', 'open', 'realname', [], undef, 0, undef], 'the defaults');
    is_deeply($d->{reactions}, {}, 'reactions {}');
    is_deeply([sort keys %$d], [sort qw(id project_id video_id author author_name display_mode display_name
        timestamp end_timestamp frame end_frame timecode end_timecode content kind priority status tags
        drawing_data screenshot_url comments_count reactions carried_from created_at updated_at)],
              'a feedback has the documented fields');

    for my $path ('not-a-uuid', '123', "$d->{id}x", uuid4()) {
        fails(call($U{owner}, GET => "/feedbacks/$path"), 404, undef, "GET /feedbacks/$path: 404");
        fails(call($U{owner}, PATCH => "/feedbacks/$path", { status => 'closed' }), 404, undef, "PATCH /feedbacks/$path: 404");
        fails(call($U{owner}, DELETE => "/feedbacks/$path"), 404, undef, "DELETE /feedbacks/$path: 404");
    }
    is(api($U{viewer}, GET => '/feedbacks/' . uc $d->{id})->{id}, $d->{id}, 'an id in upper case is the same feedback');
    fails(call($U{outsider}, GET => "/feedbacks/$d->{id}"), 404, undef, 'another tenant reads it: 404');
    fails(call($U{outsider}, GET => "/projects/$P/feedbacks"), 404, undef, 'another tenant lists them: 404');
    fails(call($U{owner}, POST => "/projects/$Q/feedbacks", { %ok, video_id => $V{foreign}{id} }), 404, undef,
          'writing in another tenant\'s project: 404');

    my @evil = ("'; DROP TABLE feedbacks; --", "<script>alert(1)</script>", "Robert'); DELETE FROM users;--",
                "\$1 \\x00 %s %n {{7*7}}", "a\"b\\c", "\x{1F3AC} clap \x{200B}");
    for my $s (@evil) {
        # (a display name refuses invisible characters and edge spaces)
        my $name = substr($s =~ s/\x{200B}//gr, 0, 20) =~ s/\s+\z//r;
        my $f = made(reviewer => { %ok, content => $s, tags => [substr($s, 0, 30)],
                                   display_mode => 'nickname', display_name => $name });
        my $g = api($U{viewer}, GET => "/feedbacks/$f->{id}");
        is_deeply([@$g{qw(content tags display_name)}], [$s, [substr($s, 0, 30)], $name],
                  'stored verbatim: ' . substr($s, 0, 20));
        my $q = join '', map { sprintf '%%%02X', ord } split //, Encode::encode_utf8(substr($s, 0, 30));
        my $l = list(viewer => "tag=$q&page_size=100")->{json}{data};
        is_deeply([map { $_->{id} } @{ $l->{results} }], [$f->{id}], '... found by that tag alone');
    }
    ok(psql('SELECT count(*) FROM users') > 0, 'the users are still there');
    fails(call($U{viewer}, GET => "/feedbacks/$d->{id}/screenshot"), 404, undef, 'the screenshot of one without: 404');
    is($d->{screenshot_url}, undef, '... its screenshot_url is null');

    # feedback writes read bodies up to 5 MiB of base64 image and 64 KiB
    # more (a screenshot as a data URL); above it, 413
    my $cap = int((5 * 1048576 + 2) / 3) * 4 + 64 * 1024;
    my $sized = sub {
        my ($size) = @_;
        my $empty = $JSON->encode({ %ok, content => 'x', tags => [''] });
        return $JSON->encode({ %ok, content => 'x', tags => ['y' x ($size - length $empty)] });
    };
    my $r = $post->($sized->(1048576 + 1000));
    fails($r, 422, undef, 'a body over VPlanetMaxBody is still read on the feedback route (its long tag: 422)');
    $r = $post->($sized->($cap + 1));
    is(length($sized->($cap + 1)), $cap + 1, "(a body of $cap + 1 bytes)");
    fails($r, 413, undef, 'a body over the feedback cap: 413');
    is($r->{json}{error}{code}, 'payload_too_large', '... payload_too_large');
};

subtest 'Idempotency-Key: a retried creation is the first answer, one row' => sub {
    local $VP::IP = new_ip();
    my $key = "fb-$tag";
    my $body = { video_id => $V{main}{id}, timestamp => 4, content => "idempotent $tag" };
    my $send = sub { http(POST => "/api/v1/projects/$P/feedbacks", json => $_[0],
                          headers => { %{ bearer($U{reviewer2}{access}) }, 'idempotency-key' => $key }) };
    my ($r1, $r2) = ($send->($body), $send->($body));
    envelope_ok($r1, 201, 'the first');
    envelope_ok($r2, 201, 'the retry');
    is($r2->{headers}{'idempotent-replayed'}, 'true', '... Idempotent-Replayed: true');
    is($r2->{json}{data}{id}, $r1->{json}{data}{id}, '... the same feedback');
    is(psql("SELECT count(*) FROM feedbacks WHERE content = :'c'", "c=idempotent $tag"), 1, 'one row');
    fails($send->({ %$body, content => 'another' }), 409, undef, 'the key with another body: 409');
};

# ==== screenshots ====
# image(KIND): a 32x24 still made by ffmpeg (png, gif, webp)
sub image {
    my ($kind) = @_;
    my %args = (png => ['-c:v', 'png', '-f', 'image2'], gif => ['-f', 'gif'],
                webp => ['-c:v', 'libwebp', '-f', 'webp']);
    my $out = "$tmp/still.$kind";
    system('ffmpeg', '-nostdin', '-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=32x24',
           '-frames:v', '1', @{ $args{$kind} }, $out) == 0 or die "ffmpeg could not make a $kind\n";
    return slurp($out);
}
sub data_url { "data:$_[0];base64," . MIME::Base64::encode_base64($_[1], '') }
sub local_path { $_[0] =~ s{^https?://[^/]+}{}r }

subtest 'screenshots: a data URL or a form part, served by a signed URL, replaced, removed' => sub {
    local $VP::IP = new_ip();
    my ($png, $gif, $webp, $jpg) = (image('png'), image('gif'), image('webp'), fixture('jpg'));
    my %ok = (video_id => $V{main}{id}, timestamp => 1, content => 'with a picture');
    my $r = create(reviewer => { %ok, screenshot => data_url('image/png', $png) });
    envelope_ok($r, 201, 'a PNG as a data URL') or return;
    my $f = $r->{json}{data};
    like($f->{screenshot_url} // '', qr{/api/v1/feedbacks/$f->{id}/screenshot\?.*user=$U{reviewer}{id}.*signature=},
         'screenshot_url: signed for the caller');
    my $g = http(GET => local_path($f->{screenshot_url}));
    is($g->{status}, 200, 'the signed URL without a header: 200');
    ok($g->{body} eq $png, '... the PNG\'s bytes');
    like($g->{headers}{'content-type'} // '', qr{^image/png}, '... as image/png');
    my $mine = api($U{viewer}, GET => "/feedbacks/$f->{id}")->{screenshot_url} // '';
    like($mine, qr{user=$U{viewer}{id}}, 'the viewer reads its own signed URL');
    ok(http(GET => local_path($mine))->{body} eq $png, '... which serves the PNG');
    ok(http(GET => "/api/v1/feedbacks/$f->{id}/screenshot", headers => bearer($U{viewer}{access}))->{body} eq $png,
       'by Bearer token too');
    fails(http(GET => "/api/v1/feedbacks/$f->{id}/screenshot", headers => bearer($U{outsider}{access})), 404, undef,
          'another tenant: 404');
    fails(http(GET => local_path($f->{screenshot_url}) =~ s/signature=[\w-]+/signature=AAAA/r), 403, undef,
          'a tampered signature: 403');
    my $events = events_after($P, 0);
    my ($ev) = grep { ($_->{payload}{id} // '') eq $f->{id} } @$events;
    is($ev->{payload}{screenshot_url}, undef, 'the event names no signed URL (its readers have their own)');

    # what is refused
    fails(create(reviewer => { %ok, screenshot => data_url('image/gif', $gif) }), 422, 'screenshot', 'a GIF: 422');
    fails(create(reviewer => { %ok, screenshot => data_url('image/png', $jpg) }), 422, 'screenshot',
          'JPEG bytes declared as PNG: 422');
    fails(create(reviewer => { %ok, screenshot => 'not a data URL' }), 422, 'screenshot', 'no data URL: 422');
    fails(create(reviewer => { %ok, screenshot => data_url('image/png', $png . ("\0" x (5 * 1048576))) }), 422,
          'screenshot', 'over 5 MiB: 422');

    # the other types, and a form
    for my $t (['image/jpeg', $jpg], ['image/webp', $webp]) {
        $r = create(reviewer => { %ok, screenshot => data_url(@$t) });
        envelope_ok($r, 201, "$t->[0] as a data URL") or next;
        like(http(GET => local_path($r->{json}{data}{screenshot_url}))->{headers}{'content-type'} // '',
             qr{^\Q$t->[0]\E}, "... served as $t->[0]");
    }
    my ($body, $type) = multipart(['data', $JSON->encode({ %ok, content => 'a form' }), 'data.json', 'application/json'],
                                  ['screenshot', $png, 'shot.png', 'image/png']);
    $r = http(POST => "/api/v1/projects/$P/feedbacks", body => $body,
              headers => { %{ bearer($U{reviewer}{access}) }, 'content-type' => $type });
    envelope_ok($r, 201, 'a form: data and a PNG part');
    is($r->{json}{data}{content}, 'a form', '... the data part is the feedback');
    my $form_url = local_path($r->{json}{data}{screenshot_url} // '');
    ok(http(GET => $form_url)->{body} eq $png, '... and its screenshot the PNG');
    api($U{reviewer}, DELETE => "/feedbacks/$r->{json}{data}{id}");
    fails(http(GET => $form_url), 404, undef, 'once the feedback is deleted, its screenshot URL is 404');
    ($body, $type) = multipart(['data', $JSON->encode({ %ok, content => 'a lying form' })],
                               ['screenshot', $png, 'shot.jpg', 'image/jpeg']);
    fails(http(POST => "/api/v1/projects/$P/feedbacks", body => $body,
               headers => { %{ bearer($U{reviewer}{access}) }, 'content-type' => $type }), 422, 'screenshot',
          'a form whose PNG part says image/jpeg: 422');

    # PATCH: only the author replaces or removes it
    my $path = "/feedbacks/$f->{id}";
    fails(call($U{editor}, PATCH => $path, { screenshot => data_url('image/jpeg', $jpg) }), 403, undef,
          'another member replacing it: 403');
    my $u = api($U{reviewer}, PATCH => $path, { screenshot => data_url('image/jpeg', $jpg) });
    ok(http(GET => local_path($u->{screenshot_url}))->{body} eq $jpg, 'its author replaces it: the JPEG now');
    my $file = grep { /\Q$f->{id}\E/ } storage_files('screenshots');
    ok($file, 'its file is in the storage folder');
    $u = api($U{reviewer}, PATCH => $path, { screenshot => undef });
    is($u->{screenshot_url}, undef, 'screenshot null removes it');
    fails(http(GET => "/api/v1/feedbacks/$f->{id}/screenshot", headers => bearer($U{viewer}{access})), 404, undef,
          '... then 404');
    ok(wait_for(5, sub { !grep { /\Q$f->{id}\E/ } storage_files('screenshots') }), '... and its file is gone');
};

# ==== 7. concurrency ====
subtest '20 parallel creates on one video: 20 rows, 20 ids, count 20, 20 events' => sub {
    local $VP::IP = new_ip();
    my $vid = probed('crowd')->{id};
    my $mark = events_mark($P);
    my @r = parallel(20, sub {
        call($U{crowd}, POST => "/projects/$P/feedbacks",
             { video_id => $vid, timestamp => $_[0] / 4, content => "crowd $_[0]" }) });
    is_deeply([map { $_->{status} } @r], [(201) x 20], 'each answered 201') or diag(join ' ', map { $_->{status} } @r);
    my %ids = map { ($_->{json}{data}{id} // '') => 1 } @r;
    is(scalar(grep { length } keys %ids), 20, '20 distinct ids');
    is(psql("SELECT count(*) FROM feedbacks WHERE video_id = :'v' AND deleted_at IS NULL", "v=$vid"), 20, '20 rows');
    is(feedback_count($vid), 20, 'the video\'s feedback_count is 20');
    is(list(viewer => "video_id=$vid")->{json}{data}{count}, 20, 'the list counts 20');
    my @ev = grep { $_->{type} eq 'feedback.created' && ($_->{payload}{video_id} // '') eq $vid } @{ events_after($P, $mark) };
    is(scalar @ev, 20, '20 feedback.created events');
    is_deeply([sort map { $_->{payload}{id} } @ev], [sort keys %ids], '... one per feedback');

    my $one = (sort keys %ids)[0];
    $mark = events_mark($P);
    my @st = qw(in_progress resolved closed);
    @r = parallel(20, sub { call($U{editor}, PATCH => "/feedbacks/$one", { status => $st[$_[0] % 3] }) });
    is_deeply([map { $_->{status} } @r], [(200) x 20], '20 parallel PATCHes of status: each 200')
        or diag(join ' ', map { $_->{status} } @r);
    my $final = api($U{viewer}, GET => "/feedbacks/$one")->{status};
    ok((grep { $_ eq $final } @st), "the final status is one of those sent ($final)");
    my @up = grep { $_->{type} eq 'feedback.updated' && ($_->{payload}{id} // '') eq $one } @{ events_after($P, $mark) };
    is(scalar @up, 20, '20 feedback.updated events');
    is($up[-1]{payload}{status}, $final, 'the last event carries the final status');
};

# ==== 8. carry-over ====
subtest 'carry-over: open and in-progress feedback to the next version, clamped, once' => sub {
    local $VP::IP = new_ip();
    my ($v1, $v2) = (probed('cut1'), probed('cut2'));
    is($v2->{version}, 2, 'the second upload of the title is version 2');
    my ($d1, $d2) = ($v1->{duration_s}, $v2->{duration_s});
    ok($d1 > 9 && $d2 < 5, "version 1 lasts $d1 s, version 2 $d2 s");
    my $mk = sub {
        my ($ts, $status, %o) = @_;
        my $f = made(reviewer => { video_id => $v1->{id}, timestamp => $ts, content => "at $ts $status", %o });
        $f = api($U{editor}, PATCH => "/feedbacks/$f->{id}", { status => $status }) if $status ne 'open';
        return $f;
    };
    my @src = ($mk->(1, 'open', priority => 'high', tags => ['keep']),
               $mk->(2, 'in_progress'),
               $mk->(6, 'open'),                                  # past version 2's end
               $mk->(3, 'open', end_timestamp => 8),              # a range over its end
               $mk->(7, 'in_progress', end_timestamp => 9),       # a range wholly past it
               $mk->(1.5, 'resolved'), $mk->(2.5, 'closed'));
    my $deleted = $mk->(3.5, 'open');
    api($U{reviewer}, DELETE => "/feedbacks/$deleted->{id}");
    my @carry = grep { $_->{status} =~ /^(open|in_progress)$/ } @src;

    my $mark = events_mark($P);
    my $C = "/videos/$v2->{id}/carry-feedback";
    for my $who (qw(viewer reviewer)) {
        fails(call($U{$who}, POST => $C, { from_video_id => $v1->{id} }), 403, undef, "$who: 403");
    }
    fails(call($U{outsider}, POST => $C, { from_video_id => $v1->{id} }), 404, undef, 'an outsider: 404');
    my $r = call($U{editor}, POST => $C, { from_video_id => $v1->{id} });
    envelope_ok($r, 200, 'the editor carries version 1\'s feedback to version 2');
    is_deeply($r->{json}{data}, { video_id => $v2->{id}, from_video_id => $v1->{id},
                                  carried => scalar @carry, skipped => 0 },
              'carried: the open and in-progress ones (' . scalar(@carry) . '), skipped 0');
    my @got = @{ list(viewer => "video_id=$v2->{id}&page_size=100")->{json}{data}{results} };
    is(scalar @got, scalar @carry, 'version 2 has that many');
    my %from = map { ($_->{carried_from} // '') => $_ } @got;
    # the start of a 25 fps frame of version 2: a start at most its last
    # frame, an end (exclusive) at most the end of it
    my $frames2 = int($d2 * 25 + 0.5);
    my $snap = sub {
        my ($t, $end) = @_;
        my $f = floor(($t < $d2 ? $t : $d2) * 25 + 1e-6);
        my $last = $end ? $frames2 : $frames2 - 1;
        return ($f > $last ? $last : $f) / 25;
    };
    for my $s (@carry) {
        my $c = $from{$s->{id}} or (fail("$s->{content}: not carried"), next);
        my $ts = $snap->($s->{timestamp});
        ok(near($c->{timestamp}, $ts, 1e-6), "$s->{content}: timestamp $c->{timestamp} (clamped and snapped: $ts)");
        if (defined $s->{end_timestamp}) {
            # a range that began past version 2's end is a point
            my $te = $s->{timestamp} < $d2 ? $snap->($s->{end_timestamp}, 1) : -1;
            if ($te > $ts) { ok(near($c->{end_timestamp} // -1, $te, 1e-6), "$s->{content}: end clamped to $te") }
            else { is($c->{end_timestamp}, undef, "$s->{content}: a range cut to nothing loses its end") }
        }
        is_deeply([@$c{qw(status priority tags content)}], [@$s{qw(status priority tags content)}],
                  "$s->{content}: status, priority, tags and content copied");
        is($c->{author}{id}, $U{reviewer}{id}, "$s->{content}: the author kept");
        is($c->{video_id}, $v2->{id}, "$s->{content}: on version 2");
    }
    is(feedback_count($v2->{id}), scalar @carry, 'version 2\'s feedback_count');
    my @ev = @{ events_after($P, $mark) };
    is(scalar(grep { $_->{type} eq 'feedback.created' && $_->{payload}{video_id} eq $v2->{id} } @ev),
       scalar @carry, 'a feedback.created event per copy');
    is(scalar(grep { $_->{type} eq 'feedback.carried' } @ev), 1, 'and one feedback.carried');

    $r = call($U{owner}, POST => $C, { from_video_id => $v1->{id} });
    envelope_ok($r, 200, 'carried again');
    is_deeply([@{ $r->{json}{data} }{qw(carried skipped)}], [0, scalar @carry], '... carried 0, skipped the ' . scalar(@carry));
    is(list(viewer => "video_id=$v2->{id}")->{json}{data}{count}, scalar @carry, '... no duplicate rows');
    is(psql("SELECT count(*) FROM feedbacks WHERE video_id = :'v'", "v=$v2->{id}"), scalar @carry,
       '... none in the table either');

    fails(call($U{editor}, POST => "/videos/$v1->{id}/carry-feedback", { from_video_id => $v2->{id} }),
          422, 'from_video_id', 'from a later version: 422');
    fails(call($U{editor}, POST => $C, { from_video_id => $v2->{id} }), 422, 'from_video_id', 'from itself: 422');
    fails(call($U{editor}, POST => $C, { from_video_id => $V{other}{id} }), 422, 'from_video_id', 'from another stack: 422');
    fails(call($U{editor}, POST => $C, { from_video_id => $V{foreign}{id} }), 422, 'from_video_id',
          'from another tenant\'s video: 422');
    fails(call($U{editor}, POST => $C, { from_video_id => uuid4() }), 422, 'from_video_id', 'from no video: 422');
    fails(call($U{editor}, POST => $C, { from_video_id => 'nope' }), 422, 'from_video_id', 'from_video_id not a UUID: 422');
    fails(call($U{editor}, POST => $C, {}), 422, 'from_video_id', 'no from_video_id: 422');
    fails(call($U{editor}, POST => $C, { from_video_id => $v1->{id}, all => 1 }), 400, 'all', 'an unknown field: 400');
    fails(call($U{editor}, POST => '/videos/' . uuid4() . '/carry-feedback', { from_video_id => $v1->{id} }),
          404, undef, 'to no video: 404');
    {
        # a deleted version is no video of the project any more (GET: 404)
        my $gone = video($P, "Cut $tag", $FOUR);
        my $v4 = video($P, "Cut $tag", $FOUR);
        api($U{owner}, DELETE => "/videos/$gone->{id}");
        my $r = call($U{editor}, POST => "/videos/$v4->{id}/carry-feedback", { from_video_id => $gone->{id} });
        my $m = events_mark($P);
        fails($r, 422, 'from_video_id', 'from a deleted version: 422');
        is(scalar(grep { $_->{type} eq 'feedback.carried' } @{ events_after($P, $m) }), 0, '... and no feedback.carried event');
    }

    # a new open feedback on version 1 carries on a third call, alone
    my $late = $mk->(0.5, 'open');
    $r = api($U{editor}, POST => $C, { from_video_id => $v1->{id} });
    is_deeply([@$r{qw(carried skipped)}], [1, scalar @carry], 'a feedback added since carries alone');
};

subtest 'carry-over: 5 at once copy each feedback once' => sub {
    local $VP::IP = new_ip();
    my $v1 = video($P, "Race $tag", $TEN);
    my $v2 = video($P, "Race $tag", $TEN);
    my @src = map { made(reviewer => { video_id => $v1->{id}, timestamp => $_, content => "race $_" }) } 1 .. 3;
    my @r = parallel(5, sub { call($U{editor}, POST => "/videos/$v2->{id}/carry-feedback",
                                   { from_video_id => $v1->{id} }) });
    is_deeply([map { $_->{status} } @r], [(200) x 5], 'each answered 200') or diag(join ' ', map { $_->{status} } @r);
    my $sum = 0;
    $sum += $_->{json}{data}{carried} // 0 for @r;
    is($sum, 3, 'carried 3 in all');
    is(psql("SELECT count(*) FROM feedbacks WHERE video_id = :'v'", "v=$v2->{id}"), 3, '3 rows on version 2');
    is(feedback_count($v2->{id}), 3, 'its feedback_count is 3');
};

# ==== 9. the creation limit ====
subtest 'the 101st feedback of a user within the hour: 429 with Retry-After and RateLimit-*' => sub {
    local $VP::IP = new_ip();
    my $vid = $V{main}{id};
    my %ok = (video_id => $vid, timestamp => 1);
    # refused ones do not count
    fails(create(limited => { %ok, content => 'x' x 5001 }), 422, 'content', 'an invalid one (not counted)') for 1 .. 3;
    my (@status, @remaining, @limit);
    for my $i (1 .. 100) {
        my $r = create(limited => { %ok, content => "limited $i" });
        push @status, $r->{status};
        push @remaining, $r->{headers}{'ratelimit-remaining'} // 'none';
        push @limit, $r->{headers}{'ratelimit-limit'} // 'none';
    }
    is_deeply(\@status, [(201) x 100], '100 created') or diag(join ' ', @status);
    is_deeply(\@limit, [(100) x 100], 'RateLimit-Limit: 100 on each');
    is_deeply(\@remaining, [reverse 0 .. 99], 'RateLimit-Remaining counts down to 0');
    my $r = create(limited => { %ok, content => 'one too many' });
    error_ok($r, 429, 'rate_limited', 'the 101st: 429');
    my $after = $r->{headers}{'retry-after'} // '';
    ok($after =~ /^\d+$/ && $after >= 1 && $after <= 3600, "Retry-After within the hour ($after)");
    is($r->{headers}{'ratelimit-limit'}, 100, 'RateLimit-Limit: 100');
    is($r->{headers}{'ratelimit-remaining'}, 0, 'RateLimit-Remaining: 0');
    ok(($r->{headers}{'ratelimit-reset'} // '') =~ /^\d+$/, 'RateLimit-Reset');
    is(psql("SELECT count(*) FROM feedbacks WHERE author_id = :'u'", "u=$U{limited}{id}"), 100,
       'no 101st row');
    envelope_ok(create(reviewer2 => { %ok, content => 'another user' }), 201, 'another user still creates');
    envelope_ok(call($U{limited}, GET => "/projects/$P/feedbacks?page_size=1"), 200, 'the limited user still reads');
};

done_testing();
