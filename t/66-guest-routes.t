# A guest token on every route of mod_vplanet/routes.c (spec section 7):
# the table is read from the source itself, so a route added later is
# covered without touching this test. A guest may read its project, its
# videos (list, read, content, poster), its feedback and their comments,
# write feedback and comments, and decline its own invitation; every other
# route that needs a caller answers 401 ("a guest token cannot be used
# here"), and the guest routes answer 404 for another project's ids.
# Public routes (no caller needed) are listed here by hand: a new route
# that is public must be added to that list, or this test fails for it.
use strict;
use warnings;
use Test::More;
use FindBin;
use VP;
use VPVideo qw(fixture multipart);

my $tag = sprintf '%x%x', $$, time;

# ---- the route table, from the source ----
my @ROUTES;
{
    my $src = "$FindBin::Bin/../mod_vplanet/routes.c";
    open my $fh, '<', $src or die "$src: $!\n";
    while (<$fh>) {
        push @ROUTES, [$1, $2] if /^\s*ROUTE\("(\w+)",\s*"([^"]+)"/;
    }
}
cmp_ok(scalar @ROUTES, '>=', 90, 'the route table is read from routes.c');

# Routes that need no caller: a guest token there is an ignored header.
my %PUBLIC = map { $_ => 1 } (
    'GET /api/health', 'GET /api/health/ready', 'GET /api/version', 'POST /api/v1/diagnostics/echo',
    'POST /api/v1/auth/signup', 'POST /api/v1/auth/login', 'POST /api/v1/auth/refresh',
    'POST /api/v1/auth/logout', 'POST /api/v1/auth/check-email', 'POST /api/v1/auth/check-nickname',
    'POST /api/v1/auth/verify-email', 'POST /api/v1/auth/password-reset',
    'POST /api/v1/auth/password-reset/confirm', 'POST /api/v1/auth/recover',
    'GET /api/v1/calendar/feed/{file}', 'GET /api/v1/invitations/verify',
);
# The guest surface (spec section 7) and what an editor guest gets on
# its own project.
my %GUEST = (
    'GET /api/v1/projects/{id}'                 => [200],
    'GET /api/v1/projects/{id}/videos'          => [200],
    'GET /api/v1/videos/{id}'                   => [200],
    'GET /api/v1/videos/{id}/content'           => [200],
    'GET /api/v1/videos/{id}/poster'            => [200, 404],   # 404: no poster made yet
    'GET /api/v1/projects/{id}/feedbacks'       => [200],
    'POST /api/v1/projects/{id}/feedbacks'      => [201],
    'GET /api/v1/feedbacks/{id}'                => [200],
    'GET /api/v1/feedbacks/{id}/screenshot'     => [404],        # the feedback has none
    'GET /api/v1/feedbacks/{id}/comments'       => [200],
    'POST /api/v1/feedbacks/{id}/comments'      => [201],
    # its own invitation only: another's id is unknown to it
    'POST /api/v1/invitations/{id}/decline'     => [404],
);

# ---- two projects with one of each object ----
my ($owner, $stranger) = (new_user(), new_user());
my ($body, $type) = multipart(['title', "clip $tag"], ['file', fixture('mp4'), 'clip.mp4', 'video/mp4']);
sub world {
    my ($who, $name) = @_;
    my $p = new_project($who, "$name $tag");
    my $r = http(POST => "/api/v1/projects/$p/videos", body => $body,
                 headers => { %{ bearer($who->{access}) }, 'content-type' => $type });
    die "upload: $r->{status}\n" unless $r->{status} == 201;
    my $v = $r->{json}{data}{id};
    my $f = api($who, POST => "/projects/$p/feedbacks", { video_id => $v, timestamp => 0.5, content => 'note' })->{id};
    my $c = api($who, POST => "/feedbacks/$f/comments", { content => 'reply' })->{id};
    my $m = api($who, POST => "/projects/$p/memos", { date => '2026-01-01', memo => 'memo' })->{id};
    return { projects => $p, videos => $v, feedbacks => $f, comments => $c, memo => $m };
}
my $mine = world($owner, 'Guest surface');
my $theirs = world($stranger, 'Not the guest\'s');

# the editor guest of the first project, through the API
my $email = "guest-$tag\@example.com";
api($owner, POST => "/projects/$mine->{projects}/invitations", { emails => [$email], role => 'editor' });
my $mail = wait_mail($email, 20) or BAIL_OUT('no invitation email');
my ($link) = $mail->{text} =~ m{/invitation\?token=([A-Za-z0-9_-]+)} or BAIL_OUT('no link');
my $v = http(GET => "/api/v1/invitations/verify?token=$link", headers => { 'x-forwarded-for' => new_ip() });
my $guest = $v->{json}{data}{guest_token} or BAIL_OUT("verify: $v->{status}");

# The path of a pattern with ids of world W.
sub path_of {
    my ($pattern, $w) = @_;
    my $p = $pattern;
    $p =~ s{/(projects|videos|feedbacks|comments)/\{id\}}{"/$1/$w->{$1}"}e;
    $p =~ s/\{memo_id\}/$w->{memo}/;
    $p =~ s/\{user_id\}/$owner->{id}/;
    $p =~ s/\{year\}/2026/;
    $p =~ s/\{month\}/12/;
    $p =~ s/\{file\}/x.ics/;
    $p =~ s/\{\w+\}/uuid4()/ge;     # any other id: one nothing has
    return $p;
}

# A body fit for the guest routes that write; {} for the rest.
sub body_of {
    my ($method, $pattern, $w) = @_;
    return undef if $method eq 'GET';
    return { video_id => $w->{videos}, timestamp => 1, content => "by the guest $tag" }
        if $pattern eq '/api/v1/projects/{id}/feedbacks';
    return { content => "the guest's comment $tag" } if $pattern eq '/api/v1/feedbacks/{id}/comments';
    return {};
}

sub as_guest {
    my ($method, $path, $body) = @_;
    return http($method => $path, defined $body ? (json => $body) : (),
                headers => { %{ bearer($guest) }, 'x-forwarded-for' => new_ip(), 'tus-resumable' => '1.0.0' });
}

my (@refused, @surface);
for my $route (@ROUTES) {
    my ($method, $pattern) = @$route;
    my $key = "$method $pattern";
    next if $PUBLIC{$key};
    my $r = as_guest($method, path_of($pattern, $mine), body_of($method, $pattern, $mine));
    if (my $want = $GUEST{$key}) {
        ok((grep { $_ == $r->{status} } @$want), "$key: the guest's own project: @$want")
            or diag("got $r->{status}: " . substr($r->{body} // '', 0, 300));
        push @surface, $key;
        next;
    }
    my $ok = is($r->{status}, 401, "$key: 401 to a guest token")
        && is($r->{json}{message}, 'a guest token cannot be used here', "$key: as a guest");
    diag(substr($r->{body} // '', 0, 300)) unless $ok;
    push @refused, $key;
}
is(scalar @surface, scalar keys %GUEST, 'every route of the guest surface is in routes.c');
cmp_ok(scalar @refused, '>=', 60, 'and the others were tried: ' . scalar @refused);

subtest 'the guest routes on another project: 404' => sub {
    for my $key (sort keys %GUEST) {
        my ($method, $pattern) = split / /, $key;
        my $r = as_guest($method, path_of($pattern, $theirs), body_of($method, $pattern, $theirs));
        is($r->{status}, 404, "$key: another project's: 404");
    }
};

subtest 'nothing was written by the refused calls' => sub {
    is(psql("SELECT count(*) FROM feedbacks WHERE project_id = :'p' AND guest_email IS NOT NULL",
            "p=$theirs->{projects}"), 0, 'no guest feedback in the other project');
    is(psql("SELECT count(*) FROM feedbacks WHERE guest_email = :'e'", "e=$email"), 1,
       'one feedback of the guest (its own project)');
    is(psql("SELECT count(*) FROM comments WHERE guest_email = :'e'", "e=$email"), 1, 'one comment of the guest');
    is(psql("SELECT count(*) FROM project_members WHERE project_id = :'p'", "p=$mine->{projects}"), 1,
       'the project still has its owner alone');
};

done_testing();
