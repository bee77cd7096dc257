# Comments and reactions (spec section 6; issue 16) against the real stack:
# a thread three levels deep read in one GET; replies only within one
# feedback; deleted comments kept as placeholders while replies hang from
# them and gone without; mentions (explicit ids and @nicknames) and
# replies notified exactly once each, never to the actor (read from the
# notifications table); edits notify only new mentions; reactions toggled
# on comments and feedback, words and single emoji; 20 parallel comments
# and 20 parallel reaction toggles; who may do what; bad input; the cap of
# comments per feedback; the events.
# (The role matrix of these routes is t/22-roles.t with t/roles.table.)
use strict;
use warnings;
use utf8;
use Test::More;
use JSON::PP ();
use Encode ();
use VP;
use VPVideo;

binmode(Test::More->builder->$_, ':encoding(UTF-8)') for qw(output failure_output todo_output);

my $tag = sprintf '%x%x', $$, time;
my $short = substr(sprintf('%x', $$ ^ time), -6);
my $JSON = JSON::PP->new->utf8->canonical;

# ---- people, projects, feedback ----
my %U = map { $_ => new_user() } qw(owner admin editor reviewer reviewer2 viewer outsider);
# nicknames the @mentions name: two words; Hangul; a prefix of another
$U{kim} = new_user(nickname => "Kim $short");
$U{minsu} = new_user(nickname => "민수$short");
$U{bob} = new_user(nickname => "bob$short");
$U{bobby} = new_user(nickname => "bob${short}by");
$U{stranger} = new_user(nickname => "stranger$short");    # no member
my $P = new_project($U{owner}, "Comments $tag");
my %ROLE = (admin => 'admin', editor => 'editor', reviewer => 'reviewer', reviewer2 => 'reviewer',
            viewer => 'viewer', kim => 'reviewer', minsu => 'viewer', bob => 'reviewer',
            bobby => 'reviewer');
api($U{owner}, POST => "/projects/$P/members", { user_id => $U{$_}{id}, role => $ROLE{$_} })
    for sort keys %ROLE;
my $Q = new_project($U{outsider}, "Another tenant $tag");

my $video = upload($U{owner}, $P, title => "Clip $tag", file => fixture('mp4'));
die "upload: $video->{status} $video->{body}\n" unless $video->{status} == 201;
my $VID = $video->{json}{data}{id};
my $qvideo = upload($U{outsider}, $Q, title => "Foreign $tag", file => fixture('mp4'));
die "upload: $qvideo->{status} $qvideo->{body}\n" unless $qvideo->{status} == 201;

sub feedback {
    my ($who, $pid, $vid, $text) = @_;
    return api($U{$who}, POST => "/projects/$pid/feedbacks",
               { video_id => $vid, timestamp => 0.1, content => $text })->{id};
}
my $F = feedback(reviewer => $P, $VID, 'the thread');
my $F2 = feedback(reviewer => $P, $VID, 'another thread');
my $FQ = feedback(outsider => $Q, $qvideo->{json}{data}{id}, 'foreign');

sub fails {
    my ($r, $status, $key, $name) = @_;
    my $ok = error_ok($r, $status, $status == 422 && $r->{json}{error} ? 'validation_failed' : undef, $name);
    return $ok unless defined $key;
    ok(exists(($r->{json}{error}{details} // {})->{$key}), "$name: details name $key")
        or diag('details: ' . $JSON->encode($r->{json}{error}{details} // {}));
}
sub comment {
    my ($who, $fid, $body) = @_;
    return call($U{$who}, POST => "/feedbacks/$fid/comments", ref $body ? $body : { content => $body });
}
sub made {
    my $r = comment(@_);
    die "comment: $r->{status} $r->{body}\n" unless $r->{status} == 201;
    return $r->{json}{data};
}
sub thread { api($U{$_[0]}, GET => "/feedbacks/$_[1]/comments") }
sub events_mark { psql("SELECT coalesce(max(id), 0) FROM events WHERE project_id = :'p'", "p=$_[0]") + 0 }
# notes(COMMENT): "type:user" of its notifications, sorted
sub notes {
    my $out = psql("SELECT coalesce(string_agg(type || ':' || user_id, ',' ORDER BY type, user_id), '')"
                 . " FROM notifications WHERE comment_id = :'c'", "c=$_[0]");
    return [sort split /,/, $out];
}
sub nt { "$_[0]:$U{$_[1]}{id}" }
# notes_are(COMMENT, [NOTE...], NAME): exactly those notifications
sub notes_are { is_deeply(notes($_[0]), [sort @{ $_[1] }], $_[2]) }
sub count_of { psql("SELECT comments_count FROM feedbacks WHERE id = :'f'", "f=$_[0]") + 0 }
sub qs {
    join '', map { sprintf '%%%02X', $_ } unpack 'C*', Encode::encode_utf8($_[0]);
}

# ==== the thread ====
my (%C, $mark);
subtest 'a thread three levels deep, in one GET' => sub {
    local $VP::IP = new_ip();
    $mark = events_mark($P);
    $C{a} = made(reviewer => $F, 'top one');
    is($C{a}{content}, 'top one', 'the answer is the comment');
    is($C{a}{author}{id}, $U{reviewer}{id}, '... with its author');
    ok(exists $C{a}{author}{nickname} && exists $C{a}{author}{avatar_url}, '... id, nickname, avatar_url');
    is_deeply($C{a}{replies}, [], '... no replies yet');
    ok(!$C{a}{deleted} && !$C{a}{edited}, '... neither deleted nor edited');
    is($C{a}{feedback_id}, $F, '... of its feedback');
    ok(!defined $C{a}{parent_id}, '... top-level: parent_id null');
    $C{b} = made(editor => $F, { content => 'reply', parent_id => $C{a}{id} });
    is($C{b}{parent_id}, $C{a}{id}, 'a reply names its parent');
    $C{c} = made(reviewer => $F, { content => 'reply to the reply', parent_id => $C{b}{id} });
    $C{d} = made(admin => $F, { content => 'third level', parent_id => $C{c}{id} });
    $C{e} = made(owner => $F, 'top two');
    $C{f} = made(reviewer2 => $F, { content => 'beside b', parent_id => $C{a}{id} });

    my $t = thread(viewer => $F);
    is($t->{feedback_id}, $F, 'the thread names its feedback');
    is($t->{comments_count}, 6, 'six live comments');
    is_deeply([map { $_->{id} } @{ $t->{results} }], [$C{a}{id}, $C{e}{id}],
              'two top-level comments, in order of writing');
    my $a = $t->{results}[0];
    is_deeply([map { $_->{id} } @{ $a->{replies} }], [$C{b}{id}, $C{f}{id}], 'a has b and f as replies');
    is($a->{replies}[0]{replies}[0]{id}, $C{c}{id}, 'b has c');
    is($a->{replies}[0]{replies}[0]{replies}[0]{id}, $C{d}{id}, 'c has d: three levels below a');
    is($a->{replies}[0]{replies}[0]{replies}[0]{content}, 'third level', '... with its content');
    is_deeply($a->{replies}[0]{replies}[0]{replies}[0]{replies}, [], 'd has none');
    is(count_of($F), 6, 'the feedback\'s comments_count is 6');
    is(api($U{viewer}, GET => "/feedbacks/$F")->{comments_count}, 6, '... as the feedback says');
    my @ev = grep { $_->{type} eq 'comment.added' } @{ events_after($P, $mark) };
    is(scalar @ev, 6, 'six comment.added events');
    is($ev[0]{payload}{id}, $C{a}{id}, '... the first one carrying the comment');
    is($ev[0]{payload}{content}, 'top one', '... with its content');
    is_deeply(thread(reviewer => $F2)->{results}, [], 'another feedback\'s thread is empty');
};

subtest 'a reply stays within its feedback' => sub {
    local $VP::IP = new_ip();
    fails(comment(reviewer => $F2, { content => 'x', parent_id => $C{a}{id} }), 422, 'parent_id',
          'a reply to a comment of another feedback: 422 parent_id');
    fails(comment(reviewer => $F, { content => 'x', parent_id => uuid4() }), 422, 'parent_id',
          'a reply to no comment: 422 parent_id');
    is_deeply(thread(reviewer => $F2)->{results}, [], 'nothing was added');
};

subtest 'deleted comments: placeholders while replies hang from them' => sub {
    local $VP::IP = new_ip();
    $mark = events_mark($P);
    my $r = call($U{editor}, DELETE => "/comments/$C{b}{id}");
    envelope_ok($r, 200, 'its author deletes b (which has replies)');
    my $a = thread(viewer => $F)->{results}[0];
    my $b = $a->{replies}[0];
    is($b->{id}, $C{b}{id}, 'b keeps its place');
    ok($b->{deleted}, '... deleted: true');
    ok(!defined $b->{content}, '... its content null');
    ok(!defined $b->{author}, '... its author null');
    is($b->{replies}[0]{id}, $C{c}{id}, '... and c still hangs from it');
    is(psql("SELECT content FROM comments WHERE id = :'c'", "c=$C{b}{id}"), '', 'its text is gone from the row');
    is(thread(viewer => $F)->{comments_count}, 5, 'five live comments');
    is(count_of($F), 5, 'comments_count follows');
    my @ev = grep { $_->{type} eq 'comment.deleted' } @{ events_after($P, $mark) };
    is(scalar @ev, 1, 'one comment.deleted event');
    is($ev[0]{payload}{id}, $C{b}{id}, '... naming b');

    envelope_ok(call($U{admin}, DELETE => "/comments/$C{d}{id}"), 200, 'its author deletes d (a leaf)');
    $a = thread(viewer => $F)->{results}[0];
    is_deeply($a->{replies}[0]{replies}[0]{replies}, [], 'd is left out of the thread');
    envelope_ok(call($U{reviewer}, DELETE => "/comments/$C{c}{id}"), 200, 'c, now a leaf, is deleted');
    $a = thread(viewer => $F)->{results}[0];
    is_deeply([map { $_->{id} } @{ $a->{replies} }], [$C{f}{id}],
              'b, deleted with no replies left, goes too: a has f alone');
    fails(call($U{editor}, DELETE => "/comments/$C{b}{id}"), 404, undef, 'a deleted comment is a 404');
    fails(call($U{editor}, PATCH => "/comments/$C{b}{id}", { content => 'back' }), 404, undef,
          '... also to edit');
    fails(comment(reviewer => $F, { content => 'x', parent_id => $C{b}{id} }), 422, 'parent_id',
          'a reply to a deleted comment: 422 parent_id');
    is(count_of($F), 3, 'comments_count: 3');
};

# ==== mentions and notifications ====
subtest 'mentions: members only, explicit ids and @nicknames' => sub {
    local $VP::IP = new_ip();
    my $bad = uuid4();
    my $r = comment(reviewer => $F, { content => 'hey', mentions => [$U{editor}{id}, $U{stranger}{id}, $bad] });
    fails($r, 422, 'mentions', 'a mention of a non-member: 422');
    like($r->{json}{message}, qr/\Q$U{stranger}{id}\E/, '... the message names the stranger');
    like($r->{json}{message}, qr/\Q$bad\E/, '... and the unknown id');
    unlike($r->{json}{message}, qr/\Q$U{editor}{id}\E/, '... not the member');
    is(scalar @{ $r->{json}{error}{details}{mentions} }, 2, '... two details');
    fails(comment(reviewer => $F, { content => 'hey', mentions => [$U{outsider}{id}] }), 422, 'mentions',
          'a user of another project: 422');
    fails(comment(reviewer => $F, { content => 'hey', mentions => ['not-a-uuid'] }), 422, 'mentions[0]',
          'a mention that is no UUID: 422 mentions[0]');
    fails(comment(reviewer => $F, { content => 'hey', mentions => [7] }), 400, 'mentions[0]',
          'a mention that is no string: 400 mentions[0]');
    fails(comment(reviewer => $F, { content => 'hey', mentions => 'x' }), 400, 'mentions',
          'mentions not an array: 400');
    is(count_of($F), 3, 'none of those was written');

    my $c = made(reviewer => $F, { content => 'explicit', mentions => [$U{editor}{id}, $U{editor}{id}] });
    is_deeply([map { $_->{id} } @{ $c->{mentions} }], [$U{editor}{id}], 'an id given twice is one mention');
    is($c->{mentions}[0]{nickname}, $U{editor}{nickname}, '... {id, nickname}');

    my $nick = sub { [map { $_->{id} } @{ made(reviewer => $F, $_[0])->{mentions} }] };
    is_deeply($nick->("hello \@$U{bob}{nickname}!"), [$U{bob}{id}], '@nickname followed by punctuation');
    is_deeply($nick->("\@$U{bobby}{nickname} first"), [$U{bobby}{id}], 'the longest nickname wins (bob…by, not bob…)');
    is_deeply($nick->("\@$U{bob}{nickname}xyz"), [], 'a nickname followed by more letters is no mention');
    is_deeply($nick->("mail x\@$U{bob}{nickname} please"), [], 'an @ inside an address is no mention');
    is_deeply($nick->("\@Kim $short look"), [$U{kim}{id}], 'a nickname of two words');
    is_deeply($nick->("\@KIM " . uc($short) . ", look"), [$U{kim}{id}], '... in any letter case');
    is_deeply($nick->("\@$U{minsu}{nickname}님 확인해 주세요"), [$U{minsu}{id}],
              'a Hangul nickname followed by a particle');
    is_deeply($nick->("\@nobody$short and \@\@ and @ alone"), [], 'unknown @words are just text');
    is_deeply($nick->("\@$U{stranger}{nickname} hi"), [], 'a non-member\'s nickname is just text (no 422)');
    is_deeply($nick->({ content => "\@$U{bob}{nickname} and \@$U{kim}{nickname}", mentions => [$U{bob}{id}] }),
              [$U{bob}{id}, $U{kim}{id}], 'explicit and @ mentions together, each once');
};

subtest 'notifications: a mention and a reply each notify the right person once' => sub {
    local $VP::IP = new_ip();
    my $top = made(editor => $F, 'a question');
    notes_are($top->{id}, [], 'a plain comment notifies nobody');
    my $m = made(reviewer => $F, { content => 'see this', mentions => [$U{kim}{id}] });
    notes_are($m->{id}, [nt(mention => 'kim')], 'a mention: one mention notification');
    is(psql("SELECT actor_id || ' ' || project_id || ' ' || feedback_id FROM notifications WHERE comment_id = :'c'",
            "c=$m->{id}"), "$U{reviewer}{id} $P $F", '... by the actor, on the project and feedback');
    my $r = made(reviewer => $F, { content => 'an answer', parent_id => $top->{id} });
    notes_are($r->{id}, [nt(reply => 'editor')], 'a reply: one reply notification to the parent\'s author');
    my $rm = made(reviewer => $F, { content => "\@$U{editor}{nickname} see", parent_id => $top->{id} });
    notes_are($rm->{id}, [nt(mention => 'editor')],
              'a reply that mentions the parent\'s author: one notification, the mention');
    my $self = made(editor => $F, { content => 'me', parent_id => $top->{id}, mentions => [$U{editor}{id}, $U{kim}{id}] });
    notes_are($self->{id}, [nt(mention => 'kim')], 'never the actor: no reply or mention to oneself');
    my $both = made(kim => $F, { content => "\@$U{bob}{nickname}", parent_id => $m->{id}, mentions => [$U{bob}{id}] });
    notes_are($both->{id}, [nt(mention => 'bob'), nt(reply => 'reviewer')],
              'a reply mentioning someone else: the mention and the reply');
    like(psql("SELECT text FROM notifications WHERE comment_id = :'c' AND type = 'reply'", "c=$both->{id}"),
         qr/\Q$U{kim}{nickname}\E/, 'the notification\'s text names the actor');

    # edits: only new mentions notify
    my $e = made(reviewer => $F, { content => 'draft', mentions => [$U{kim}{id}] });
    my $p = call($U{reviewer}, PATCH => "/comments/$e->{id}", { content => "now with \@$U{bob}{nickname}" });
    envelope_ok($p, 200, 'its author edits it');
    ok($p->{json}{data}{edited}, '... edited: true');
    ok($p->{json}{data}{edited_at}, '... edited_at set');
    is($p->{json}{data}{content}, "now with \@$U{bob}{nickname}", '... the new content');
    is_deeply([map { $_->{id} } @{ $p->{json}{data}{mentions} }], [$U{kim}{id}, $U{bob}{id}],
              'mentions not given are kept; the new @name is added');
    notes_are($e->{id}, [nt(mention => 'bob'), nt(mention => 'kim')],
              'the new mention notifies; the old one not again');
    $p = call($U{reviewer}, PATCH => "/comments/$e->{id}", { mentions => [$U{kim}{id}, $U{admin}{id}] });
    envelope_ok($p, 200, 'mentions given replace them');
    is_deeply([map { $_->{id} } @{ $p->{json}{data}{mentions} }], [$U{kim}{id}, $U{admin}{id}], '... kim and admin');
    notes_are($e->{id}, [nt(mention => 'admin'), nt(mention => 'bob'), nt(mention => 'kim')],
              '... only admin is notified anew');
    call($U{reviewer}, PATCH => "/comments/$e->{id}", { mentions => [$U{kim}{id}, $U{admin}{id}] });
    is(scalar @{ notes($e->{id}) }, 3, 'the same mentions again: nothing new');
    fails(call($U{reviewer}, PATCH => "/comments/$e->{id}", { mentions => [$U{stranger}{id}] }), 422, 'mentions',
          'an edit mentioning a non-member: 422');
    fails(call($U{reviewer}, PATCH => "/comments/$e->{id}", {}), 422, 'content', 'an empty edit: 422');
};

# ==== reactions ====
subtest 'reactions on a comment: toggles, words and emoji' => sub {
    local $VP::IP = new_ip();
    my $c = made(reviewer => $F, 'react to me');
    my $R = "/comments/$c->{id}/reactions";
    $mark = events_mark($P);
    my $r = call($U{editor}, POST => $R, { reaction => 'like' });
    envelope_ok($r, 200, 'a reaction');
    my $d = $r->{json}{data};
    ok($d->{added} && !$d->{removed}, '... added');
    is_deeply($d->{reactions}, { like => 1 }, '... reactions {like: 1}');
    is_deeply($d->{reaction_users}, { like => [{ id => $U{editor}{id}, nickname => $U{editor}{nickname} }] },
              '... the users per reaction');
    is($d->{comment_id}, $c->{id}, '... of the comment');
    api($U{reviewer}, POST => $R, { reaction => 'like' });
    $d = api($U{admin}, POST => $R, { reaction => '👍🏽' });
    is_deeply($d->{reactions}, { like => 2, '👍🏽' => 1 }, 'two likes and a thumb');
    is_deeply([map { $_->{id} } @{ $d->{reaction_users}{like} }], [$U{editor}{id}, $U{reviewer}{id}],
              '... the likers in order');
    $d = api($U{editor}, POST => $R, { reaction => 'like' });
    ok($d->{removed} && !$d->{added}, 'the same reaction again removes it');
    is_deeply($d->{reactions}, { like => 1, '👍🏽' => 1 }, '... one like left');
    my $t = thread(viewer => $F);
    my ($in) = grep { $_->{id} eq $c->{id} } @{ $t->{results} };
    is_deeply($in->{reactions}, { like => 1, '👍🏽' => 1 }, 'the thread shows the counts');
    is($in->{reaction_users}{'👍🏽'}[0]{id}, $U{admin}{id}, '... and who reacted');

    for my $ok ('👍🏽', '🇰🇷', '👨‍👩‍👧', 'dislike', 'need_explanation', '❤️') {
        my $x = call($U{kim}, POST => $R, { reaction => $ok });
        envelope_ok($x, 200, "'$ok' is accepted");
        ok($x->{json}{data}{added}, "... added");
    }
    for my $bad ('ab', '👍👍', 'Like', '', ' like', 'x' x 65) {
        fails(call($U{kim}, POST => $R, { reaction => $bad }), 422, 'reaction', "'$bad' is refused: 422");
    }
    fails(call($U{kim}, POST => $R, { reaction => 5 }), 400, 'reaction', 'a reaction of the wrong type: 400');
    fails(call($U{kim}, POST => $R, {}), 422, 'reaction', 'no reaction: 422');
    fails(call($U{kim}, POST => $R, { reaction => 'like', extra => 1 }), 400, 'extra', 'an unknown field: 400');

    # DELETE: in the body or the query; absent: nothing to remove
    my $x = call($U{kim}, DELETE => "$R?reaction=" . qs('🇰🇷'));
    envelope_ok($x, 200, 'DELETE ?reaction= removes it');
    ok($x->{json}{data}{removed}, '... removed');
    ok(!exists $x->{json}{data}{reactions}{'🇰🇷'}, '... gone from the counts');
    $x = call($U{kim}, DELETE => $R, { reaction => 'dislike' });
    ok($x->{json}{data}{removed}, 'DELETE with a body removes it');
    $x = call($U{kim}, DELETE => $R, { reaction => 'dislike' });
    envelope_ok($x, 200, 'DELETE of a reaction not there: 200');
    ok(!$x->{json}{data}{removed} && !$x->{json}{data}{added}, '... neither removed nor added');
    fails(call($U{kim}, DELETE => $R), 422, 'reaction', 'DELETE without a reaction: 422');
    fails(call($U{kim}, DELETE => "$R?reaction=ab"), 422, 'reaction', 'DELETE ?reaction=ab: 422');
    is(psql("SELECT count(*) FROM reactions WHERE comment_id = :'c' AND user_id = :'u'",
            "c=$c->{id}", "u=$U{kim}{id}"), 4, 'kim keeps four reactions (thumb, family, need_explanation, heart)');
    my @ev = grep { $_->{type} eq 'reaction.changed' } @{ events_after($P, $mark) };
    ok(@ev >= 10, scalar(@ev) . ' reaction.changed events');
    is($ev[0]{payload}{reaction}, 'like', '... the first one names the reaction');
    is($ev[0]{payload}{user_id}, $U{editor}{id}, '... and who');

    # a deleted comment takes no reactions and shows none
    envelope_ok(call($U{reviewer}, DELETE => "/comments/$c->{id}"), 200, 'the comment is deleted');
    fails(call($U{kim}, POST => $R, { reaction => 'like' }), 404, undef, 'a deleted comment takes no reaction: 404');
    is(psql("SELECT count(*) FROM reactions WHERE comment_id = :'c'", "c=$c->{id}"), 0,
       'its reactions went with its content');
};

subtest 'reactions on a feedback: real counts in its object and in the list' => sub {
    local $VP::IP = new_ip();
    my $R = "/feedbacks/$F2/reactions";
    is_deeply(api($U{viewer}, GET => "/feedbacks/$F2")->{reactions}, {}, 'no reactions yet: {}');
    my $d = api($U{editor}, POST => $R, { reaction => 'like' });
    is_deeply($d->{reactions}, { like => 1 }, 'a like');
    is($d->{feedback_id}, $F2, '... on the feedback');
    ok(!exists $d->{comment_id}, '... no comment_id');
    api($U{reviewer}, POST => $R, { reaction => 'like' });
    api($U{reviewer}, POST => $R, { reaction => '🇰🇷' });
    is_deeply(api($U{viewer}, GET => "/feedbacks/$F2")->{reactions}, { like => 2, '🇰🇷' => 1 },
              'the feedback shows {like: 2, 🇰🇷: 1}');
    my $list = api($U{viewer}, GET => "/projects/$P/feedbacks?video_id=$VID&page_size=100");
    my ($row) = grep { $_->{id} eq $F2 } @{ $list->{results} };
    is_deeply($row->{reactions}, { like => 2, '🇰🇷' => 1 }, 'the list shows the same counts');
    my ($other) = grep { $_->{id} eq $F } @{ $list->{results} };
    is_deeply($other->{reactions}, {}, '... and {} for a feedback without any');
    $list = api($U{viewer}, GET => "/projects/$P/feedbacks?fields=id,reactions");
    ($row) = grep { $_->{id} eq $F2 } @{ $list->{results} };
    is_deeply($row, { id => $F2, reactions => { like => 2, '🇰🇷' => 1 } }, '?fields=id,reactions');
    api($U{reviewer}, DELETE => "$R?reaction=" . qs('🇰🇷'));
    is_deeply(api($U{viewer}, GET => "/feedbacks/$F2")->{reactions}, { like => 2 }, 'removed again');
    fails(call($U{viewer}, POST => $R, { reaction => 'like' }), 403, undef, 'a viewer does not react: 403');
    fails(call($U{outsider}, POST => $R, { reaction => 'like' }), 404, undef, 'another tenant: 404');
    fails(call($U{editor}, POST => "/feedbacks/$FQ/reactions", { reaction => 'like' }), 404, undef,
          'another project\'s feedback: 404');
};

# ==== who may ====
subtest 'permissions: viewers read, reviewers write, authors edit, admins delete' => sub {
    local $VP::IP = new_ip();
    my $c = made(reviewer => $F, 'the reviewer\'s');
    envelope_ok(call($U{viewer}, GET => "/feedbacks/$F/comments"), 200, 'a viewer reads the thread');
    fails(comment(viewer => $F, 'no'), 403, undef, 'a viewer does not comment: 403');
    fails(call($U{viewer}, POST => "/comments/$c->{id}/reactions", { reaction => 'like' }), 403, undef,
          'a viewer does not react: 403');
    fails(call($U{outsider}, GET => "/feedbacks/$F/comments"), 404, undef, 'another tenant reads nothing: 404');
    fails(comment(outsider => $F, 'no'), 404, undef, '... writes nothing: 404');
    fails(call($U{outsider}, PATCH => "/comments/$c->{id}", { content => 'x' }), 404, undef, '... edits nothing: 404');
    fails(call($U{outsider}, DELETE => "/comments/$c->{id}"), 404, undef, '... deletes nothing: 404');
    fails(call($U{outsider}, POST => "/comments/$c->{id}/reactions", { reaction => 'like' }), 404, undef,
          '... reacts to nothing: 404');
    fails(comment(reviewer => $FQ, 'no'), 404, undef, 'a member writes nothing on another project\'s feedback: 404');
    fails(call($U{reviewer2}, PATCH => "/comments/$c->{id}", { content => 'x' }), 403, undef,
          'another reviewer does not edit it: 403');
    fails(call($U{owner}, PATCH => "/comments/$c->{id}", { content => 'x' }), 403, undef,
          'nor does the owner: 403');
    fails(call($U{editor}, DELETE => "/comments/$c->{id}"), 403, undef, 'an editor does not delete another\'s: 403');
    envelope_ok(call($U{reviewer}, PATCH => "/comments/$c->{id}", { content => 'edited' }), 200, 'its author edits it');
    envelope_ok(call($U{admin}, DELETE => "/comments/$c->{id}"), 200, 'an admin deletes it (moderation)');
    my $o = made(reviewer => $F, 'the owner removes this');
    envelope_ok(call($U{owner}, DELETE => "/comments/$o->{id}"), 200, 'so does the owner');
    # a comment of a deleted feedback is gone with it
    my $gone = feedback(reviewer => $P, $VID, 'to delete');
    my $g = made(reviewer => $gone, 'on a doomed feedback');
    api($U{reviewer}, DELETE => "/feedbacks/$gone");
    fails(call($U{viewer}, GET => "/feedbacks/$gone/comments"), 404, undef, 'the thread of a deleted feedback: 404');
    fails(call($U{reviewer}, PATCH => "/comments/$g->{id}", { content => 'x' }), 404, undef,
          'a comment of a deleted feedback: 404 to edit');
    fails(call($U{reviewer}, DELETE => "/comments/$g->{id}"), 404, undef, '... to delete');
    fails(call($U{reviewer}, POST => "/comments/$g->{id}/reactions", { reaction => 'like' }), 404, undef,
          '... to react');
    fails(comment(reviewer => $gone, 'late'), 404, undef, 'a new comment on it: 404');
};

# ==== bad input ====
subtest 'bad input: JSON, types, unknown fields, ids, lengths' => sub {
    local $VP::IP = new_ip();
    my $post = sub { http(POST => "/api/v1/feedbacks/$F/comments", body => $_[0],
                          headers => { %{ bearer($U{reviewer}{access}) }, 'content-type' => 'application/json' }) };
    my $r = $post->('{"content": ');
    fails($r, 400, undef, 'malformed JSON: 400');
    is($r->{json}{error}{code}, 'invalid_json', '... invalid_json');
    fails($post->('[]'), 400, undef, 'a list, not an object: 400');
    fails($post->('{"content":"a","content":"b"}'), 400, undef, 'a duplicate key: 400');
    fails(comment(reviewer => $F, { content => 'x', color => 'red' }), 400, 'color', 'an unknown field: 400');
    fails(comment(reviewer => $F, { content => 5 }), 400, 'content', 'content of the wrong type: 400');
    fails(comment(reviewer => $F, { content => 'x', parent_id => 5 }), 400, 'parent_id', 'parent_id of the wrong type: 400');
    fails(comment(reviewer => $F, { content => 'x', parent_id => 'nope' }), 422, 'parent_id', 'parent_id no UUID: 422');
    fails(comment(reviewer => $F, { content => '' }), 422, 'content', 'empty content: 422');
    fails(comment(reviewer => $F, {}), 422, 'content', 'no content: 422');
    fails(comment(reviewer => $F, { content => 'x' x 2001 }), 422, 'content', '2001 characters: 422');
    envelope_ok(comment(reviewer => $F, { content => '가' x 2000 }), 201, '2000 characters (6000 bytes): 201');
    envelope_ok(comment(reviewer => $F, { content => 'x', parent_id => undef }), 201, 'parent_id null: top-level');
    fails(call($U{reviewer}, POST => '/feedbacks/not-a-uuid/comments', { content => 'x' }), 404, undef, 'a bad feedback id: 404');
    fails(call($U{reviewer}, POST => '/feedbacks/' . uuid4() . '/comments', { content => 'x' }), 404, undef, 'no such feedback: 404');
    fails(call($U{reviewer}, GET => '/feedbacks/' . uuid4() . '/comments'), 404, undef, 'no such thread: 404');
    fails(call($U{reviewer}, PATCH => '/comments/nope', { content => 'x' }), 404, undef, 'a bad comment id: 404');
    fails(call($U{reviewer}, DELETE => '/comments/' . uuid4()), 404, undef, 'no such comment: 404');
    my $c = made(reviewer => $F, 'typed');
    fails(call($U{reviewer}, PATCH => "/comments/$c->{id}", { content => 'x' x 2001 }), 422, 'content', 'an edit too long: 422');
    fails(call($U{reviewer}, PATCH => "/comments/$c->{id}", { parent_id => uuid4() }), 400, 'parent_id',
          'an edit cannot move a comment: 400 parent_id');
    my $t = http(POST => "/api/v1/feedbacks/$F/comments", body => 'content=x',
                 headers => { %{ bearer($U{reviewer}{access}) }, 'content-type' => 'application/x-www-form-urlencoded' });
    fails($t, 415, undef, 'not JSON: 415');
};

subtest 'Idempotency-Key: the same comment once' => sub {
    local $VP::IP = new_ip();
    my $key = "idem-$tag";
    my $send = sub { http(POST => "/api/v1/feedbacks/$F2/comments", json => { content => 'once' },
                          headers => { %{ bearer($U{reviewer}{access}) }, 'idempotency-key' => $key }) };
    my $one = $send->();
    my $two = $send->();
    envelope_ok($one, 201, 'created');
    is($two->{json}{data}{id}, $one->{json}{data}{id}, 'the replay answers the same comment');
    is(psql("SELECT count(*) FROM comments WHERE feedback_id = :'f' AND content = 'once'", "f=$F2"), 1, 'one row');
};

# ==== concurrency ====
subtest '20 parallel comments: comments_count exact, no 500' => sub {
    my $fid = feedback(reviewer => $P, $VID, 'crowded');
    my $top = made(owner => $fid, 'root');
    my @r = parallel(20, sub {
        local $VP::IP = new_ip();
        comment($_[0] % 2 ? 'reviewer' : 'editor', $fid,
                { content => "parallel $_[0]", ($_[0] % 3 ? (parent_id => $top->{id}) : ()),
                  mentions => [$U{kim}{id}] });
    });
    is(scalar(grep { $_->{status} == 201 } @r), 20, 'all 20 created')
        or diag(join ' ', map { $_->{status} } @r);
    is(count_of($fid), 21, 'comments_count: 21');
    is(psql("SELECT count(*) FROM comments WHERE feedback_id = :'f'", "f=$fid"), 21, '21 rows');
    my $t = thread(viewer => $fid);
    my $n = 0;
    my $walk;
    $walk = sub { for (@_) { $n++; $walk->(@{ $_->{replies} }) } };
    $walk->(@{ $t->{results} });
    is($n, 21, 'the thread holds all 21');
    is(psql("SELECT count(*) FROM notifications n JOIN comments c ON c.id = n.comment_id"
          . " WHERE c.feedback_id = :'f' AND n.type = 'mention' AND n.user_id = :'u'", "f=$fid", "u=$U{kim}{id}"),
       20, 'kim got exactly 20 mention notifications');
    is(psql("SELECT count(*) FROM notifications n JOIN comments c ON c.id = n.comment_id"
          . " WHERE c.feedback_id = :'f' AND n.type = 'reply'", "f=$fid"),
       scalar(grep { $_ % 3 } 1 .. 20), 'the owner got one reply notification per reply');

    # 20 parallel deletions of one comment: one wins, the rest 404
    @r = parallel(20, sub { local $VP::IP = new_ip(); call($U{owner}, DELETE => "/comments/$top->{id}") });
    is(scalar(grep { $_->{status} == 200 } @r), 1, 'one of 20 parallel deletions deletes');
    is(scalar(grep { $_->{status} == 404 } @r), 19, '... the others find nothing: 404');
    is(count_of($fid), 20, 'comments_count: 20');
};

subtest '20 parallel reaction toggles by different users on one comment' => sub {
    local $VP::IP = new_ip();
    my @crowd = map { new_user() } 1 .. 20;
    api($U{owner}, POST => "/projects/$P/members", { user_id => $_->{id}, role => 'reviewer' }) for @crowd;
    my $c = made(reviewer => $F2, 'popular');
    my $R = "/comments/$c->{id}/reactions";
    my @r = parallel(20, sub { local $VP::IP = new_ip(); call($crowd[$_[0] - 1], POST => $R, { reaction => '🎉' }) });
    is(scalar(grep { $_->{status} == 200 } @r), 20, 'all 20 answered 200') or diag(join ' ', map { $_->{status} } @r);
    my $d = api($U{viewer}, GET => "/feedbacks/$F2/comments");
    my ($in) = grep { $_->{id} eq $c->{id} } @{ $d->{results} };
    is_deeply($in->{reactions}, { '🎉' => 20 }, 'twenty 🎉');
    is(scalar @{ $in->{reaction_users}{'🎉'} }, 20, '... by twenty users');
    # each toggles again, twice for the even ones: 10 remain
    @r = parallel(20, sub {
        local $VP::IP = new_ip();
        my $x = call($crowd[$_[0] - 1], POST => $R, { reaction => '🎉' });
        $x = call($crowd[$_[0] - 1], POST => $R, { reaction => '🎉' }) if $_[0] % 2 == 0;
        $x;
    });
    is(scalar(grep { $_->{status} == 200 } @r), 20, 'the toggles all answered 200');
    is(psql("SELECT count(*) FROM reactions WHERE comment_id = :'c'", "c=$c->{id}"), 10,
       'ten remain: the odd users removed theirs, the even ones removed and added');
};

subtest 'the cap: 1000 comments per feedback' => sub {
    local $VP::IP = new_ip();
    my $fid = feedback(reviewer => $P, $VID, 'full');
    # 999 written directly (the API would take minutes), the 1000th by the API
    psql("INSERT INTO comments (feedback_id, project_id, author_id, content)"
       . " SELECT :'f', :'p', :'u', 'filler ' || g FROM generate_series(1, 999) g",
         "f=$fid", "p=$P", "u=$U{reviewer}{id}");
    envelope_ok(comment(reviewer => $fid, 'the thousandth'), 201, 'the 1000th comment is written');
    my $r = comment(reviewer => $fid, 'one too many');
    fails($r, 409, undef, 'the 1001st: 409');
    like($r->{json}{message}, qr/at most 1000 comments/, '... saying the cap');
    is(count_of($fid), 1000, 'comments_count: 1000');
    is(scalar @{ thread(viewer => $fid)->{results} }, 1000, 'the thread has all 1000');
};

done_testing();
