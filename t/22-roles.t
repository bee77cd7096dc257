# The role matrix of spec section 4: every /api/v1/projects route of
# routes.c (and the /api/v1/videos and /api/v1/feedbacks routes of a
# project's videos and feedback), called
# by each kind of caller, and the status each must get.
# The expected statuses are t/roles.table (which t/unit/test_access.c
# asks of the policy too), a literal table written from the README
# ("Projects", "Roles") and the spec, never computed from the module's own
# rules (vp_may): owner > admin > editor > reviewer > viewer; read is
# viewer+, settings and members admin+, schedule, memos and videos editor+ (an
# upload, a rename, a deletion; every member reads and plays them), delete,
# restore and transfer owner only; feedback reviewer+ to write, its author
# to edit, editor+ for status and carry-over, author or admin+ to delete
# (spec section 6); a registered user who is not a member
# gets 404 below /projects/{id}; a guest token reads the project, its
# videos, feedback and comments and (as an editor) writes feedback and
# comments, and is 401 invalid_token on every other project endpoint
# (spec section 7: "every other route answers 401 to a guest token";
# t/66-guest-routes.t walks every route of routes.c). Member-management rules (only the owner
# manages admins, nobody touches the owner, a member may leave but the
# owner may not) are extra rows of the same table.
#
# Every call carries a valid body for its endpoint, so the status is about
# authorization alone. Calls that change membership, ownership or the
# project's existence get a fresh project (with fresh memberships of the
# same users) per cell, so cells do not depend on each other; reads and
# harmless writes share one project.
use strict;
use warnings;
use Test::More;
use FindBin;
use VP qw(:DEFAULT !call);   # this file's call(WHO, CTX, ...) speaks for a role cell
use VPVideo qw(fixture multipart);

my $tag = sprintf '%x%x', $$, time;

# ---- the callers ----
# outsider: a registered user who is a member of none of these projects;
# guest_v / guest_e: guest tokens scoped to the cell's project with the
# role viewer / editor. `extra` is no caller: the member the member rows
# add, change and remove (and the second admin of the admin rows).
my @CALLERS = qw(owner admin editor reviewer viewer outsider guest_v guest_e);
my %ROLE = (admin => 'admin', editor => 'editor', reviewer => 'reviewer', viewer => 'viewer');
my %GUEST_ROLE = (guest_v => 'viewer', guest_e => 'editor');

my %U = map { $_ => new_user() } qw(owner admin editor reviewer viewer outsider extra);
# one client address per caller, and fresh ones for the set-up requests,
# so that no address nears the default limit of 1000 requests an hour
my %IP = map { $_ => new_ip() } @CALLERS;
my ($setup_ip, $setup_calls) = (new_ip(), 0);

my $KEY = jwt_key();
my $now = time;

# A guest token is bound to a pending invitation (spec section 7): one is
# written for each token (as POST .../invitations would, with a hash that
# opens no link), and the token signed as GET /invitations/verify signs
# it (the invitation's id as sub, its token version as ver).
my $guests = 0;
sub guest_token {
    my ($project, $role, %o) = @_;
    my $email = "guest-$tag-" . ++$guests . '@example.com';
    my $id = psql("INSERT INTO invitations (batch_id, project_id, email, email_key, role,"
                . " invited_by, token_hash, expires_at) VALUES (gen_random_uuid(), :'p', :'e', :'e',"
                . " :'r', :'u', md5(random()::text), now() + interval '1 day') RETURNING id",
                  "p=$project", "e=$email", "r=$role", "u=$U{owner}{id}");
    return jwt_sign({alg => 'HS256', typ => 'JWT'},
                    {iss => 'vplanet', aud => 'vplanet-api', typ => 'guest', sub => $id,
                     jti => uuid4(), project_id => $project, role => $role, ver => 1,
                     email => $email, iat => $now, exp => $o{exp} // $now + 3600}, $KEY);
}

# (A forged guest token that failed verification would be a 401 too; the
# message asserted below for a refused guest, "a guest token cannot be
# used here", shows these verify and are refused as guests.)

# A video upload's body: [bytes, content type] (multipart/form-data, parts
# title and file: an mp4 made by ffmpeg).
my $MP4 = fixture('mp4');
sub video_body { [multipart(['title', $_[0]], ['file', $MP4, 'clip.mp4', 'video/mp4'])] }

# The request options of BODY: JSON, or [bytes, content type] as they are.
sub body_opts {
    my ($body) = @_;
    return () unless defined $body;
    return ref $body eq 'ARRAY' ? (body => $body->[0], type => $body->[1]) : (json => $body);
}

# request(METHOD, PATH, BODY, HEADERS): http() with body_opts
sub request {
    my ($method, $path, $body, $headers) = @_;
    my %o = body_opts($body);
    my $type = delete $o{type};
    return http($method => $path, %o, headers => { %$headers, ($type ? ('content-type' => $type) : ()) });
}

# call(WHO, CTX, METHOD, PATH, BODY): WHO's request; a guest's token is
# scoped to CTX's project.
sub call {
    my ($who, $ctx, $method, $path, $body) = @_;
    my $token = $GUEST_ROLE{$who} ? guest_token($ctx->{id}, $GUEST_ROLE{$who}) : $U{$who}{access};
    return request($method => $path, $body, { %{ bearer($token) }, 'x-forwarded-for' => $IP{$who} });
}

# Set-up requests (always the owner's), which must succeed.
sub setup {
    my ($status, $method, $path, $body) = @_;
    ($setup_ip, $setup_calls) = (new_ip(), 0) if ++$setup_calls > 300;
    my $r = request($method => $path, $body,
                    { %{ bearer($U{owner}{access}) }, 'x-forwarded-for' => $setup_ip });
    die "set-up $method $path: expected $status, got $r->{status}: $r->{body}\n"
        unless $r->{status} == $status;
    return $r->{json}{data};
}

# project(for => WHO, extra => ROLE): a new project of the owner. Its
# members: admin, editor, reviewer and viewer in their roles, or with `for`
# only WHO (when WHO is one of them): a cell's project holds just the
# memberships the cell is about, as each POST here costs a round trip. And
# `extra` with ROLE when given.
my $projects = 0;
sub project {
    my (%o) = @_;
    my $p = setup(201, POST => '/api/v1/projects', { name => "roles $tag " . ++$projects });
    my $base = "/api/v1/projects/$p->{id}";
    setup(201, POST => "$base/members", { user_id => $U{$_}{id}, role => $ROLE{$_} })
        for grep { !$o{for} || $_ eq $o{for} } sort keys %ROLE;
    setup(201, POST => "$base/members", { user_id => $U{extra}{id}, role => $o{extra} })
        if $o{extra};
    return { id => $p->{id}, base => $base };
}

# ---- the expected matrix (README "Projects" and "Roles") ----
# One row per endpoint or rule, one column per caller: t/roles.table, the
# table the unit test t/unit/test_access.c asks of the policy too.
my @COLS = @CALLERS;
my @MATRIX;
{
    open my $fh, '<', "$FindBin::Bin/roles.table" or die "t/roles.table: $!\n";
    while (my $line = <$fh>) {
        next if $line =~ /^\s*(?:#|$)/;
        my ($row, $decision, $statuses) = map { s/^\s+|\s+$//gr } split /\|/, $line;
        my @statuses = split ' ', $statuses;
        die "t/roles.table: '$row' has no status for each caller\n" unless @statuses == @COLS;
        push @MATRIX, [$row, @statuses];
    }
}

# ---- how each row is called ----
# Without fresh or prep, a row runs on the shared project. fresh: a new
# project per cell, project(for => WHO, extra => the row's extra); prep:
# makes the cell's context for WHO itself. call: (METHOD, PATH, BODY) for
# caller WHO in context CTX.
my $S = project();                                   # the shared project
my $memo = setup(201, POST => "$S->{base}/memos", { date => '2024-05-01', memo => 'shared' });
my $gone;                                            # a deleted project, made once
my $n = 0;
my $video = setup(201, POST => "$S->{base}/videos", video_body("shared $tag"));

# ---- feedback ----
# A feedback's body on the shared video (0.5 s: within its second).
sub feedback_body { { video_id => $video->{id}, timestamp => 0.5, content => $_[0] } }

# as_member(WHO, STATUS, METHOD, PATH, BODY): a set-up request by member
# WHO, which must succeed.
sub as_member {
    my ($who, $status, $method, $path, $body) = @_;
    ($setup_ip, $setup_calls) = (new_ip(), 0) if ++$setup_calls > 300;
    my $r = request($method => $path, $body,
                    { %{ bearer($U{$who}{access}) }, 'x-forwarded-for' => $setup_ip });
    die "set-up by $who: $method $path: expected $status, got $r->{status}: $r->{body}\n"
        unless $r->{status} == $status;
    return $r->{json}{data};
}

# authored_by(WHO): a new feedback on the shared project written by WHO
# itself: the viewer while it was a reviewer (demoted since), the
# outsider while it was a reviewer (removed since); a guest edits none
# yet, so the owner's.
sub authored_by {
    my ($who) = @_;
    my $F = "$S->{base}/feedbacks";
    return setup(201, POST => $F, feedback_body('by the owner, for a guest')) if $GUEST_ROLE{$who};
    if ($who eq 'viewer') {
        setup(200, PATCH => "$S->{base}/members/$U{viewer}{id}", { role => 'reviewer' });
        my $f = as_member(viewer => 201, POST => $F, feedback_body('by the viewer as a reviewer'));
        setup(200, PATCH => "$S->{base}/members/$U{viewer}{id}", { role => 'viewer' });
        return $f;
    }
    if ($who eq 'outsider') {
        setup(201, POST => "$S->{base}/members", { user_id => $U{outsider}{id}, role => 'reviewer' });
        my $f = as_member(outsider => 201, POST => $F, feedback_body('by the outsider as a reviewer'));
        setup(200, DELETE => "$S->{base}/members/$U{outsider}{id}");
        return $f;
    }
    return as_member($who => 201, POST => $F, feedback_body("by $who"));
}

my $feedback = setup(201, POST => "$S->{base}/feedbacks", feedback_body('shared'));
my $by_reviewer = as_member(reviewer => 201, POST => "$S->{base}/feedbacks", feedback_body('the reviewer\'s'));
# two versions of one title: carrying from version 1 to version 2
my $carry_v1 = setup(201, POST => "$S->{base}/videos", video_body("carried $tag"));
my $carry_v2 = setup(201, POST => "$S->{base}/videos", video_body("carried $tag"));
die "set-up: the second upload is not version 2 of the first\n" unless $carry_v2->{version} == 2;

# authored_comment(WHO): a new comment on the shared feedback written by
# WHO itself, as authored_by does for feedback.
sub authored_comment {
    my ($who) = @_;
    my $C = "/api/v1/feedbacks/$feedback->{id}/comments";
    return setup(201, POST => $C, { content => 'by the owner, for a guest' }) if $GUEST_ROLE{$who};
    if ($who eq 'viewer') {
        setup(200, PATCH => "$S->{base}/members/$U{viewer}{id}", { role => 'reviewer' });
        my $c = as_member(viewer => 201, POST => $C, { content => 'by the viewer as a reviewer' });
        setup(200, PATCH => "$S->{base}/members/$U{viewer}{id}", { role => 'viewer' });
        return $c;
    }
    if ($who eq 'outsider') {
        setup(201, POST => "$S->{base}/members", { user_id => $U{outsider}{id}, role => 'reviewer' });
        my $c = as_member(outsider => 201, POST => $C, { content => 'by the outsider as a reviewer' });
        setup(200, DELETE => "$S->{base}/members/$U{outsider}{id}");
        return $c;
    }
    return as_member($who => 201, POST => $C, { content => "own of $who" });
}
my $comment = setup(201, POST => "/api/v1/feedbacks/$feedback->{id}/comments", { content => 'shared' });
my $by_reviewer_c = as_member(reviewer => 201, POST => "/api/v1/feedbacks/$feedback->{id}/comments",
                              { content => 'the reviewer\'s' });

my %HOW = (
    'GET projects'       => { call => sub { (GET => '/api/v1/projects') } },
    'POST projects'      => { call => sub { (POST => '/api/v1/projects',
                                             { name => "created by $_[0] $tag " . ++$n }) } },
    'GET project'        => { call => sub { (GET => $_[1]{base}) } },
    'PATCH project'      => { call => sub { (PATCH => $_[1]{base},
                                             { description => "patched by $_[0]" }) } },
    'DELETE project'     => { fresh => 1, call => sub { (DELETE => $_[1]{base}) } },
    'POST restore (deleted)' => {
        fresh => 1,
        prep => sub { my $p = project(for => $_[0]); setup(200, DELETE => $p->{base}); $p },
        call => sub { (POST => "$_[1]{base}/restore") } },
    'POST transfer'      => { fresh => 1, extra => 'viewer',
                              call => sub { (POST => "$_[1]{base}/transfer",
                                             { user_id => $U{extra}{id} }) } },
    'GET stats'          => { call => sub { (GET => "$_[1]{base}/stats") } },
    'GET events'         => { call => sub { (GET => "$_[1]{base}/events?since_id=0&limit=10") } },
    'GET members'        => { call => sub { (GET => "$_[1]{base}/members") } },
    'POST members (viewer)' => {
        fresh => 1,
        call => sub { (POST => "$_[1]{base}/members", { user_id => $U{extra}{id}, role => 'viewer' }) } },
    'PATCH member viewer->reviewer' => {
        fresh => 1, extra => 'viewer',
        call => sub { (PATCH => "$_[1]{base}/members/$U{extra}{id}", { role => 'reviewer' }) } },
    'DELETE member (a viewer)' => {
        fresh => 1, extra => 'viewer',
        call => sub { (DELETE => "$_[1]{base}/members/$U{extra}{id}") } },
    'GET schedule'       => { call => sub { (GET => "$_[1]{base}/schedule") } },
    'PUT schedule'       => { call => sub { (PUT => "$_[1]{base}/schedule",
                                             { phases => [{ phase => 'filming', progress => 10,
                                                            status => 'in_progress' }] }) } },
    'GET memos'          => { call => sub { (GET => "$_[1]{base}/memos") } },
    'POST memos'         => { call => sub { (POST => "$_[1]{base}/memos",
                                             { date => '2024-06-01', memo => "by $_[0]" }) } },
    'PATCH memo'         => { call => sub { (PATCH => "$_[1]{base}/memos/$memo->{id}",
                                             { memo => "edited by $_[0]" }) } },
    'DELETE memo'        => {
        prep => sub { my $m = setup(201, POST => "$S->{base}/memos",
                                    { date => '2024-07-01', memo => 'to delete' });
                      +{ %$S, memo => $m->{id} } },
        call => sub { (DELETE => "$_[1]{base}/memos/$_[1]{memo}") } },
    'POST videos'        => { call => sub { (POST => "$_[1]{base}/videos",
                                             video_body("uploaded by $_[0] $tag " . ++$n)) } },
    'GET videos'         => { call => sub { (GET => "$_[1]{base}/videos") } },
    'GET video'          => { call => sub { (GET => "/api/v1/videos/$video->{id}") } },
    'GET video versions' => { call => sub { (GET => "/api/v1/videos/$video->{id}/versions") } },
    'PATCH video'        => { call => sub { (PATCH => "/api/v1/videos/$video->{id}",
                                             { title => "renamed by $_[0] $tag" }) } },
    'DELETE video'       => {
        prep => sub { my $v = setup(201, POST => "$S->{base}/videos", video_body("to delete $tag " . ++$n));
                      +{ %$S, video => $v->{id} } },
        call => sub { (DELETE => "/api/v1/videos/$_[1]{video}") } },
    # the file itself (httpd's file handler), not an envelope
    'GET content'        => { media => 1,
                              call => sub { (GET => "/api/v1/videos/$video->{id}/content") } },
    'POST members (an admin)' => {
        fresh => 1,
        call => sub { (POST => "$_[1]{base}/members", { user_id => $U{extra}{id}, role => 'admin' }) } },
    'PATCH member viewer->admin' => {
        fresh => 1, extra => 'viewer',
        call => sub { (PATCH => "$_[1]{base}/members/$U{extra}{id}", { role => 'admin' }) } },
    'PATCH member admin->editor' => {
        fresh => 1, extra => 'admin',
        call => sub { (PATCH => "$_[1]{base}/members/$U{extra}{id}", { role => 'editor' }) } },
    'DELETE member (an admin)' => {
        fresh => 1, extra => 'admin',
        call => sub { (DELETE => "$_[1]{base}/members/$U{extra}{id}") } },
    'PATCH the owner ->admin' => {
        fresh => 1,
        call => sub { (PATCH => "$_[1]{base}/members/$U{owner}{id}", { role => 'admin' }) } },
    'PATCH member viewer->owner' => {
        fresh => 1, extra => 'viewer',
        call => sub { (PATCH => "$_[1]{base}/members/$U{extra}{id}", { role => 'owner' }) } },
    'DELETE member (the owner)' => {
        fresh => 1,
        call => sub { (DELETE => "$_[1]{base}/members/$U{owner}{id}") } },
    'PATCH own role ->viewer' => {
        fresh => 1,
        call => sub { (PATCH => "$_[1]{base}/members/" . ($U{$_[0]} ? $U{$_[0]}{id} : uuid4()),
                       { role => 'viewer' }) } },
    'DELETE own membership (leave)' => {
        fresh => 1,
        # a guest names its own token's subject; it is refused before that counts
        call => sub { (DELETE => "$_[1]{base}/members/" . ($U{$_[0]} ? $U{$_[0]}{id} : uuid4())) } },
    'GET feedbacks'      => { call => sub { (GET => "$_[1]{base}/feedbacks") } },
    'POST feedbacks'     => { call => sub { (POST => "$_[1]{base}/feedbacks", feedback_body("posted by $_[0]")) } },
    'GET feedback'       => { call => sub { (GET => "/api/v1/feedbacks/$feedback->{id}") } },
    'PATCH feedback content (own)' => {
        prep => sub { +{ %$S, feedback => authored_by($_[0])->{id} } },
        call => sub { (PATCH => "/api/v1/feedbacks/$_[1]{feedback}", { content => "edited by $_[0]" }) } },
    'PATCH feedback content (other)' => {
        # the reviewer's feedback, or for the reviewer the owner's
        call => sub { (PATCH => '/api/v1/feedbacks/' . ($_[0] eq 'reviewer' ? $feedback : $by_reviewer)->{id},
                       { content => "edited by $_[0]" }) } },
    'PATCH feedback status' => {
        call => sub { (PATCH => "/api/v1/feedbacks/$feedback->{id}", { status => 'in_progress' }) } },
    'DELETE feedback (own)' => {
        prep => sub { +{ %$S, feedback => authored_by($_[0])->{id} } },
        call => sub { (DELETE => "/api/v1/feedbacks/$_[1]{feedback}") } },
    'DELETE feedback (another\'s)' => {
        prep => sub { +{ %$S, feedback => ($_[0] eq 'reviewer' ? authored_by('owner') : authored_by('reviewer'))->{id} } },
        call => sub { (DELETE => "/api/v1/feedbacks/$_[1]{feedback}") } },
    'POST carry-feedback' => {
        call => sub { (POST => "/api/v1/videos/$carry_v2->{id}/carry-feedback",
                       { from_video_id => $carry_v1->{id} }) } },
    # the file itself (a download), not an envelope
    'GET feedback export (project)' => { download => 1,
        call => sub { (GET => "$_[1]{base}/feedbacks/export?format=csv") } },
    'GET feedback export (video)' => { download => 1,
        call => sub { (GET => "/api/v1/videos/$video->{id}/feedbacks/export?format=edl") } },
    'GET comments'       => { call => sub { (GET => "/api/v1/feedbacks/$feedback->{id}/comments") } },
    'POST comments'      => { call => sub { (POST => "/api/v1/feedbacks/$feedback->{id}/comments",
                                             { content => "commented by $_[0]" }) } },
    'PATCH comment (own)' => {
        prep => sub { +{ %$S, comment => authored_comment($_[0])->{id} } },
        call => sub { (PATCH => "/api/v1/comments/$_[1]{comment}", { content => "edited by $_[0]" }) } },
    'PATCH comment (other)' => {
        call => sub { (PATCH => '/api/v1/comments/' . ($_[0] eq 'reviewer' ? $comment : $by_reviewer_c)->{id},
                       { content => "edited by $_[0]" }) } },
    'DELETE comment (own)' => {
        prep => sub { +{ %$S, comment => authored_comment($_[0])->{id} } },
        call => sub { (DELETE => "/api/v1/comments/$_[1]{comment}") } },
    'DELETE comment (another\'s)' => {
        prep => sub { +{ %$S, comment => authored_comment($_[0] eq 'reviewer' ? 'owner' : 'reviewer')->{id} } },
        call => sub { (DELETE => "/api/v1/comments/$_[1]{comment}") } },
    'POST comment reaction' => {
        call => sub { (POST => "/api/v1/comments/$comment->{id}/reactions", { reaction => 'like' }) } },
    'DELETE comment reaction' => {
        call => sub { (DELETE => "/api/v1/comments/$comment->{id}/reactions", { reaction => 'like' }) } },
    'POST feedback reaction' => {
        call => sub { (POST => "/api/v1/feedbacks/$feedback->{id}/reactions", { reaction => 'like' }) } },
    'DELETE feedback reaction' => {
        call => sub { (DELETE => "/api/v1/feedbacks/$feedback->{id}/reactions", { reaction => 'like' }) } },
    'POST invitations'   => { call => sub { (POST => "$_[1]{base}/invitations",
                                             { emails => ["invited-by-$_[0]-$tag-" . ++$n . '@example.com'] }) } },
    'GET audit'          => { call => sub { (GET => "$_[1]{base}/audit?actor=guest") } },
    'GET project (deleted)' => {
        prep => sub { $gone //= do { my $p = project(); setup(200, DELETE => $p->{base}); $p } },
        call => sub { (GET => $_[1]{base}) } },
);

# ---- run the matrix ----
my (%got, @wrong);
for my $row (@MATRIX) {
    my ($name, @expect) = @$row;
    my $how = $HOW{$name} or die "no call for row '$name'\n";
    subtest "$name: who may" => sub {
        for my $i (0 .. $#COLS) {
            my ($who, $want) = ($COLS[$i], $expect[$i]);
            my $ctx = $how->{prep} ? $how->{prep}->($who)
                    : $how->{fresh} ? project(for => $who, extra => $how->{extra})
                    : $S;
            my ($method, $path, $body) = $how->{call}->($who, $ctx);
            my $r = call($who, $ctx, $method, $path, $body);
            $got{$name}{$who} = $r->{status};
            my $label = "$name as $who: $want";
            my $ok = $r->{status} != $want
                       ? (ok(0, $label) || diag("got $r->{status}: " . ($r->{body} // '')))
                   : $want < 300 && $how->{media} ? is($r->{body}, $MP4, "$label: the file")
                   : $want < 300 && $how->{download}
                       ? like($r->{headers}{'content-disposition'} // '', qr/^attachment/, "$label: a download")
                   : $want < 300 ? envelope_ok($r, $want, $label)
                   : error_ok($r, $want, $want == 404 ? 'not_found'
                                         : $want == 401 ? 'invalid_token' : 'forbidden',
                              $label);
            # a deleted project's guest tokens ended with it (its
            # invitations hold no more): the token itself is refused
            $ok &&= is($r->{json}{message}, $name =~ /\(deleted\)/ ? 'the token is invalid or expired'
                                                                   : 'a guest token cannot be used here',
                       "$label: as a guest")
                if $GUEST_ROLE{$who} && $want == 401;
            push @wrong, "$name / $who" unless $ok;
        }
    };
}

# ---- no token, an expired token: 401 on every route ----
# Valid bodies again, on the shared project (its viewer as the member, its
# memo as the memo), so only the missing or expired token is wrong.
subtest 'no token or an expired token: 401 on every project route' => sub {
    my @ROUTES = (
        [GET    => '/api/v1/projects'],
        [POST   => '/api/v1/projects', { name => "unauthenticated $tag" }],
        [GET    => $S->{base}],
        [PATCH  => $S->{base}, { description => 'x' }],
        [DELETE => $S->{base}],
        [POST   => "$S->{base}/restore"],
        [POST   => "$S->{base}/transfer", { user_id => $U{viewer}{id} }],
        [GET    => "$S->{base}/stats"],
        [GET    => "$S->{base}/events"],
        [GET    => "$S->{base}/members"],
        [POST   => "$S->{base}/members", { user_id => $U{extra}{id}, role => 'viewer' }],
        [PATCH  => "$S->{base}/members/$U{viewer}{id}", { role => 'reviewer' }],
        [DELETE => "$S->{base}/members/$U{viewer}{id}"],
        [GET    => "$S->{base}/schedule"],
        [PUT    => "$S->{base}/schedule", { phases => [{ phase => 'filming', progress => 20 }] }],
        [GET    => "$S->{base}/memos"],
        [POST   => "$S->{base}/memos", { date => '2024-06-01', memo => 'x' }],
        [PATCH  => "$S->{base}/memos/$memo->{id}", { memo => 'x' }],
        [DELETE => "$S->{base}/memos/$memo->{id}"],
        [GET    => "$S->{base}/videos"],
        [POST   => "$S->{base}/videos", video_body("unauthenticated $tag")],
        [GET    => "/api/v1/videos/$video->{id}"],
        [PATCH  => "/api/v1/videos/$video->{id}", { title => 'x' }],
        [DELETE => "/api/v1/videos/$video->{id}"],
        [GET    => "/api/v1/videos/$video->{id}/versions"],
        [GET    => "/api/v1/videos/$video->{id}/content"],
        [GET    => "/api/v1/videos/$video->{id}/poster"],
        [GET    => "$S->{base}/feedbacks"],
        [POST   => "$S->{base}/feedbacks", feedback_body('unauthenticated')],
        [GET    => "/api/v1/feedbacks/$feedback->{id}"],
        [PATCH  => "/api/v1/feedbacks/$feedback->{id}", { status => 'closed' }],
        [DELETE => "/api/v1/feedbacks/$feedback->{id}"],
        [GET    => "/api/v1/feedbacks/$feedback->{id}/screenshot"],
        [POST   => "/api/v1/videos/$carry_v2->{id}/carry-feedback", { from_video_id => $carry_v1->{id} }],
        [GET    => "$S->{base}/feedbacks/export?format=csv"],
        [GET    => "/api/v1/videos/$video->{id}/feedbacks/export?format=csv"],
        [GET    => "/api/v1/feedbacks/$feedback->{id}/comments"],
        [POST   => "/api/v1/feedbacks/$feedback->{id}/comments", { content => 'unauthenticated' }],
        [PATCH  => "/api/v1/comments/$comment->{id}", { content => 'x' }],
        [DELETE => "/api/v1/comments/$comment->{id}"],
        [POST   => "/api/v1/comments/$comment->{id}/reactions", { reaction => 'like' }],
        [DELETE => "/api/v1/comments/$comment->{id}/reactions", { reaction => 'like' }],
        [POST   => "/api/v1/feedbacks/$feedback->{id}/reactions", { reaction => 'like' }],
        [DELETE => "/api/v1/feedbacks/$feedback->{id}/reactions", { reaction => 'like' }],
    );
    {
        my %routes = map { ("$_->[0] $_->[1]" =~ s/[0-9a-f-]{36}/{id}/r) => 1 } @ROUTES;
        is(scalar keys %routes, 44, 'the 401 list names all 44 project, video, feedback and comment routes once');
    }

    # the owner's own claims, expired and re-signed; unchanged, they pass
    my %claims = %{ jwt_claims($U{owner}{access}) };
    my $resigned = jwt_sign({alg => 'HS256', typ => 'JWT'}, { %claims, jti => uuid4() }, $KEY);
    envelope_ok(http(GET => $S->{base}, headers => { %{ bearer($resigned) }, 'x-forwarded-for' => $IP{owner} }),
                200, 'the owner\'s claims re-signed by the test are accepted (the forging is sound)');
    my $expired = jwt_sign({alg => 'HS256', typ => 'JWT'},
                           { %claims, jti => uuid4(), iat => $now - 1000, exp => $now - 100 }, $KEY);
    my $ip401 = new_ip();
    for my $route (@ROUTES) {
        my ($method, $path, $body) = @$route;
        my $r = request($method => $path, $body, { 'x-forwarded-for' => $ip401 });
        error_ok($r, 401, 'authentication_required', "$method $path without a token: 401");
        $r = request($method => $path, $body, { %{ bearer($expired) }, 'x-forwarded-for' => $ip401 });
        error_ok($r, 401, 'invalid_token', "$method $path with an expired token: 401");
    }
    error_ok(http(GET => $S->{base}, headers => { %{ bearer(guest_token($S->{id}, 'viewer', exp => $now - 100)) },
                                                  'x-forwarded-for' => $ip401 }),
             401, 'invalid_token', 'an expired guest token is 401, not 403');
};

subtest 'refused calls change nothing: the shared project keeps its members' => sub {
    my $members = setup(200, GET => "$S->{base}/members");
    is(join(',', sort map { "$_->{user}{id}=$_->{role}" } @{ $members->{results} }),
       join(',', sort map { "$U{$_}{id}=" . ($ROLE{$_} // 'owner') } qw(owner admin editor reviewer viewer)),
       'the shared project still has its five members in their roles');
    is(psql("SELECT string_agg(substr(s.title, 13, strpos(substr(s.title, 13), ' ') - 1), ',' ORDER BY s.title)"
          . " FROM video_stacks s WHERE s.project_id = :'p' AND s.title LIKE 'uploaded by %'", "p=$S->{id}"),
       'admin,editor,owner', 'videos were uploaded by the owner, the admin and the editor alone');
    is(psql("SELECT string_agg(substr(content, 11), ',' ORDER BY content) FROM feedbacks"
          . " WHERE project_id = :'p' AND content LIKE 'posted by %'", "p=$S->{id}"),
       'admin,editor,guest_e,owner,reviewer',
       'feedback was posted by the owner, the admin, the editor, the reviewer and the editor guest alone');
    is(psql("SELECT string_agg(content, ',' ORDER BY content) FROM feedbacks WHERE id IN (:'a', :'b')",
            "a=$feedback->{id}", "b=$by_reviewer->{id}"),
       "shared,the reviewer's", 'nobody edited the content of a feedback not their own');
    is(psql("SELECT string_agg(substr(content, 14), ',' ORDER BY content) FROM comments"
          . " WHERE project_id = :'p' AND content LIKE 'commented by %'", "p=$S->{id}"),
       'admin,editor,guest_e,owner,reviewer',
       'comments were written by the owner, the admin, the editor, the reviewer and the editor guest alone');
    is(psql("SELECT string_agg(content, ',' ORDER BY content) FROM comments WHERE id IN (:'a', :'b')",
            "a=$comment->{id}", "b=$by_reviewer_c->{id}"),
       "shared,the reviewer's", 'nobody edited the content of a comment not their own');
};

# ---- on failure: the whole matrix, got against expected ----
if (@wrong) {
    my @short = qw(owner admin editor review viewer outsdr guestV guestE);
    my $w = 30;
    my @lines = (sprintf("%-${w}s %s", 'row (got; *expected)', join ' ', map { sprintf '%-8s', $_ } @short));
    for my $row (@MATRIX) {
        my ($name, @expect) = @$row;
        push @lines, sprintf "%-${w}s %s", $name, join ' ', map {
            my $g = $got{$name}{$COLS[$_]} // '-';
            sprintf '%-8s', $g eq $expect[$_] ? $g : "$g*$expect[$_]";
        } 0 .. $#COLS;
    }
    diag(join "\n", 'role matrix: ' . scalar(@wrong) . ' cell(s) wrong', @lines);
}

done_testing();
